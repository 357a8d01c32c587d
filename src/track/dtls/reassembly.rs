//! One direction's handshake messages being put together from their fragments.
//!
//! A message is keyed by its message_seq; its buffer is allocated at the length its first
//! fragment announces (at most `MAX_MESSAGE_LEN`), and the ranges filled are kept merged, so
//! a fragment costs O(its length) and a retransmitted one adds nothing. At most
//! [`MAX_PENDING`] messages wait at once; a new one beyond that replaces the oldest.

use smallvec::SmallVec;

use crate::dissect::dtls::record::FragmentHeader;
use crate::dissect::tls::handshake::MAX_MESSAGE_LEN;

/// How many incomplete messages one direction may hold (a flight has at most a handful).
pub const MAX_PENDING: usize = 8;

/// A message waiting for fragments.
#[derive(Debug, Clone)]
struct Pending {
    message_seq: u16,
    kind: u8,
    buffer: Vec<u8>,
    /// Filled ranges, sorted, merged.
    filled: SmallVec<[(u32, u32); 4]>,
    /// Each fragment's frame, offset and length.
    pieces: SmallVec<[(u64, u32, usize); 4]>,
}

/// What adding a fragment did.
#[derive(Debug, PartialEq, Eq)]
pub enum Added {
    /// The message is still incomplete.
    Part,
    /// The message is complete: its body, and each fragment's frame and length by offset.
    Complete { body: Vec<u8>, pieces: SmallVec<[(u64, usize); 4]> },
    /// The fragment cannot be placed, and why.
    Outside(String),
}

/// One direction's messages in reassembly.
#[derive(Debug, Default, Clone)]
pub struct Reassembly {
    pending: Vec<Pending>,
}

impl Reassembly {
    /// The bytes held.
    pub fn held(&self) -> usize {
        self.pending.iter().map(|pending| pending.buffer.capacity() + size_of::<Pending>()).sum()
    }

    /// Adds a fragment (not a whole message) of `bytes`, seen in `frame`.
    pub fn add(&mut self, header: &FragmentHeader, bytes: &[u8], frame: u64) -> Added {
        if let Some(reason) = header.outside() {
            return Added::Outside(reason);
        }
        let length = header.length as usize;
        if length > MAX_MESSAGE_LEN {
            return Added::Outside(format!(
                "handshake message of {length} bytes exceeds the {MAX_MESSAGE_LEN} reassembled"
            ));
        }
        let index = match self.pending.iter().position(|pending| pending.message_seq == header.message_seq) {
            Some(index) => index,
            None => {
                if self.pending.len() >= MAX_PENDING {
                    self.pending.remove(0);
                }
                self.pending.push(Pending {
                    message_seq: header.message_seq,
                    kind: header.kind,
                    buffer: vec![0; length],
                    filled: SmallVec::new(),
                    pieces: SmallVec::new(),
                });
                self.pending.len() - 1
            }
        };
        let pending = &mut self.pending[index];
        if pending.kind != header.kind || pending.buffer.len() != length {
            return Added::Outside(format!(
                "handshake fragment of message {} says type {} length {}, an earlier one type {} length {}",
                header.message_seq,
                header.kind,
                length,
                pending.kind,
                pending.buffer.len()
            ));
        }
        let (start, end) = (header.fragment_offset, header.fragment_offset + header.fragment_length);
        if covered(&pending.filled, start, end) {
            // A retransmitted fragment: nothing new.
            return Added::Part;
        }
        pending.buffer[start as usize..end as usize].copy_from_slice(bytes);
        pending.pieces.push((frame, start, bytes.len()));
        insert(&mut pending.filled, start, end);
        if pending.filled.as_slice() != [(0, length as u32)] {
            return Added::Part;
        }
        let mut done = self.pending.remove(index);
        done.pieces.sort_by_key(|&(_, offset, _)| offset);
        let pieces = done.pieces.iter().map(|&(frame, _, len)| (frame, len)).collect();
        Added::Complete { body: done.buffer, pieces }
    }

    /// Gives up every message in reassembly; returns whether there was one.
    pub fn clear(&mut self) -> bool {
        let had = !self.pending.is_empty();
        self.pending = Vec::new();
        had
    }
}

/// Whether `filled` already covers `start..end`.
fn covered(filled: &[(u32, u32)], start: u32, end: u32) -> bool {
    filled.iter().any(|&(from, to)| from <= start && end <= to)
}

/// Adds `start..end` to the sorted, merged `filled`.
fn insert(filled: &mut SmallVec<[(u32, u32); 4]>, start: u32, end: u32) {
    let (mut start, mut end) = (start, end);
    filled.retain(|&mut (from, to)| {
        if to < start || end < from {
            return true;
        }
        start = start.min(from);
        end = end.max(to);
        false
    });
    let at = filled.iter().position(|&(from, _)| from > start).unwrap_or(filled.len());
    filled.insert(at, (start, end));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fragment(message_seq: u16, length: u32, offset: u32, fragment_length: u32) -> FragmentHeader {
        FragmentHeader { kind: 11, length, message_seq, fragment_offset: offset, fragment_length }
    }

    #[test]
    fn fragments_in_any_order_make_the_message_once() {
        let mut reassembly = Reassembly::default();
        assert_eq!(reassembly.add(&fragment(1, 6, 3, 3), b"def", 4), Added::Part);
        assert_eq!(reassembly.add(&fragment(1, 6, 3, 3), b"def", 5), Added::Part, "a retransmission");
        assert_eq!(
            reassembly.add(&fragment(1, 6, 0, 3), b"abc", 6),
            Added::Complete { body: b"abcdef".to_vec(), pieces: [(6, 3), (4, 3)].into_iter().collect() }
        );
        assert_eq!(reassembly.held(), 0);
    }

    #[test]
    fn a_fragment_outside_its_message_is_refused_and_nothing_is_held() {
        let mut reassembly = Reassembly::default();
        assert!(matches!(reassembly.add(&fragment(1, 6, 4, 3), b"xyz", 4), Added::Outside(_)));
        assert!(matches!(reassembly.add(&fragment(1, (1 << 24) - 1, 0, 3), b"xyz", 4), Added::Outside(_)));
        assert_eq!(reassembly.held(), 0);
        assert_eq!(reassembly.add(&fragment(2, 6, 0, 3), b"abc", 5), Added::Part);
        let other_length = fragment(2, 7, 3, 3);
        assert!(matches!(reassembly.add(&other_length, b"def", 6), Added::Outside(_)));
    }

    #[test]
    fn at_most_max_pending_messages_wait() {
        let mut reassembly = Reassembly::default();
        for message_seq in 0..(MAX_PENDING as u16 + 4) {
            reassembly.add(&fragment(message_seq, 100, 0, 1), b"a", 1);
        }
        assert_eq!(reassembly.pending.len(), MAX_PENDING);
    }
}
