//! One direction's CRYPTO stream at one encryption level, put back in order, cut into TLS
//! handshake messages.
//!
//! CRYPTO frames carry the handshake as a byte stream with offsets (RFC 9000 section 19.6);
//! frames may come out of order or again. Data ahead of the next expected offset is held (at
//! most [`MAX_HELD`] bytes of memory, each held piece costed with its map entry, so that
//! one-byte frames cannot hold fifty times what they carry; more is dropped with a note), data
//! already delivered is ignored, and a message longer than [`handshake::MAX_MESSAGE_LEN`] ends
//! the stream's reading. A piece sent again at the same offset keeps the longer copy.

use std::collections::BTreeMap;

use crate::dissect::tls::handshake;
use crate::track::budget::entry_cost;

/// How many bytes of memory one stream's out-of-order data may take.
pub const MAX_HELD: usize = 64 * 1024;

/// What one held piece of `len` bytes costs: its bytes and its map entry.
fn piece_cost(len: usize) -> usize {
    len + entry_cost::<u64, Vec<u8>>()
}

#[derive(Clone, Debug, Default)]
pub struct CryptoStream {
    /// The offset of the next byte to deliver.
    next: u64,
    /// Out-of-order data by offset.
    held: BTreeMap<u64, Vec<u8>>,
    /// What `held` costs, entries included.
    held_cost: usize,
    /// The start of a message not yet complete.
    partial: Vec<u8>,
    /// Set when the stream can no longer be read (a message too long, data dropped).
    broken: bool,
}

/// What one CRYPTO frame's data gave.
#[derive(Debug, Default)]
pub struct Delivered {
    /// Handshake messages completed, whole.
    pub messages: Vec<Vec<u8>>,
    pub problem: Option<String>,
    /// Every byte of the frame had been delivered before: the peer sent it again.
    pub retransmission: bool,
    /// How many pieces of messages the frame's data holds that are not whole messages of
    /// its own: the end of a message begun before it, the start of one it does not finish
    /// (tshark shows each as a handshake "fragment").
    pub fragments: usize,
    /// One of those pieces starts a message the frame does not finish.
    pub unfinished: bool,
    /// The frame starts past the next expected offset (out of order, as Chrome's "chaos
    /// protection" sends its ClientHello): it is held, and delivered with the frame that
    /// fills the gap.
    pub held: bool,
}

impl CryptoStream {
    /// Takes the data of one CRYPTO frame at `offset`.
    pub fn feed(&mut self, offset: u64, data: &[u8]) -> Delivered {
        let mut delivered = Delivered::default();
        if self.broken {
            return delivered;
        }
        let end = offset.saturating_add(data.len() as u64);
        if end <= self.next {
            delivered.retransmission = true;
            return delivered;
        }
        if offset > self.next {
            delivered.held = true;
            let replaced = self.held.get(&offset).map(Vec::len);
            if replaced.is_some_and(|len| len >= data.len()) {
                return delivered;
            }
            let cost = piece_cost(data.len()) - replaced.map_or(0, piece_cost);
            if self.held_cost + cost > MAX_HELD {
                self.give_up();
                delivered.problem =
                    Some("too much CRYPTO data out of order; the rest of the handshake is not read".into());
                return delivered;
            }
            self.held_cost += cost;
            self.held.insert(offset, data.to_vec());
            return delivered;
        }
        let skip = (self.next - offset) as usize;
        let continued = !self.partial.is_empty();
        self.take(&data[skip..], &mut delivered);
        // Held data that now follows on.
        while let Some((&at, _)) = self.held.first_key_value() {
            if at > self.next {
                break;
            }
            let Some((at, bytes)) = self.held.pop_first() else { break };
            self.held_cost -= piece_cost(bytes.len());
            let end = at + bytes.len() as u64;
            if end > self.next {
                let skip = (self.next - at) as usize;
                self.take(&bytes[skip..], &mut delivered);
            }
        }
        // The bytes taken are one run of the stream, whatever frames they came in: tshark
        // shows a fragment for the message it continues, and one for a message it starts and
        // does not finish.
        if continued && !self.broken {
            delivered.fragments += 1;
        }
        let started_unfinished = !self.partial.is_empty() && (!continued || !delivered.messages.is_empty());
        if started_unfinished {
            delivered.fragments += 1;
            delivered.unfinished = true;
        }
        delivered
    }

    /// The bytes of memory held until more data comes.
    pub fn buffered(&self) -> usize {
        self.held_cost + self.partial.capacity()
    }

    /// Stops reading the stream and lets go of what it holds.
    pub fn give_up(&mut self) {
        self.broken = true;
        self.held = BTreeMap::new();
        self.held_cost = 0;
        self.partial = Vec::new();
    }

    fn take(&mut self, bytes: &[u8], delivered: &mut Delivered) {
        self.next += bytes.len() as u64;
        if self.broken {
            return;
        }
        self.partial.extend_from_slice(bytes);
        let mut used = 0;
        while let Some(len) = handshake::announced_len(&self.partial[used..]) {
            if len > handshake::MAX_MESSAGE_LEN {
                self.broken = true;
                delivered.problem = Some(format!("a handshake message of {len} bytes is over the limit"));
                self.partial.clear();
                return;
            }
            if self.partial.len() - used < len {
                break;
            }
            delivered.messages.push(self.partial[used..used + len].to_vec());
            used += len;
        }
        self.partial.drain(..used);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut bytes = vec![kind, 0, 0, body.len() as u8];
        bytes.extend_from_slice(body);
        bytes
    }

    #[test]
    fn the_pieces_of_messages_a_frame_does_not_hold_whole_are_counted() {
        let (first, second) = (message(11, &[7; 20]), message(15, &[8; 6]));
        let bytes = [first.clone(), second.clone()].concat();
        let mut stream = CryptoStream::default();
        // The start of the first message: one fragment.
        let start = stream.feed(0, &bytes[..10]);
        assert_eq!((start.messages.len(), start.fragments, start.unfinished), (0, 1, true));
        // More of it, still unfinished: one.
        assert_eq!(stream.feed(10, &bytes[10..15]).fragments, 1);
        // Its end and the start of the second: two.
        let end = stream.feed(15, &bytes[15..first.len() + 3]);
        assert_eq!((end.messages, end.fragments, end.unfinished), (vec![first.clone()], 2, true));
        // The second's end: one, and nothing left unfinished.
        let last = stream.feed((first.len() + 3) as u64, &bytes[first.len() + 3..]);
        assert_eq!((last.messages, last.fragments, last.unfinished), (vec![second.clone()], 1, false));
        // A message's start held out of order, then its first bytes: one run, one fragment.
        let mut reordered = CryptoStream::default();
        assert_eq!(reordered.feed(10, &bytes[10..20]).fragments, 0, "held");
        assert_eq!(reordered.feed(0, &bytes[..10]).fragments, 1);
        // Whole messages alone: none.
        let whole = CryptoStream::default().feed(0, &bytes);
        assert_eq!((whole.messages.len(), whole.fragments), (2, 0));
    }

    #[test]
    fn messages_come_out_whole_whatever_the_order_and_repeats() {
        let mut stream_bytes = message(2, b"server hello");
        stream_bytes.extend(message(8, b"extensions"));
        let mut stream = CryptoStream::default();
        let ahead = stream.feed(10, &stream_bytes[10..]);
        assert!(ahead.messages.is_empty() && ahead.held, "held");
        let got = stream.feed(0, &stream_bytes[..10]);
        assert!(!got.held);
        assert_eq!(got.messages, vec![message(2, b"server hello"), message(8, b"extensions")]);
        let again = stream.feed(0, &stream_bytes[..4]);
        assert!(again.messages.is_empty() && again.retransmission, "a retransmission");
        let more = stream.feed(0, &stream_bytes);
        assert!(more.messages.is_empty() && more.retransmission, "the whole stream again");
    }

    #[test]
    fn overlapping_frames_give_each_byte_once() {
        let bytes = message(20, b"finished data!");
        let mut stream = CryptoStream::default();
        assert!(stream.feed(0, &bytes[..8]).messages.is_empty());
        assert_eq!(stream.feed(4, &bytes[4..]).messages, vec![bytes.clone()]);
    }

    #[test]
    fn one_byte_pieces_are_costed_with_their_entries() {
        let mut stream = CryptoStream::default();
        let mut held = 0;
        for offset in 1..100_000u64 {
            if stream.feed(offset, &[0]).problem.is_some() {
                break;
            }
            held += 1;
        }
        assert!(held < MAX_HELD / 32, "{held} one-byte pieces held: each costs its entry");
        assert_eq!(stream.buffered(), 0, "given up, it holds nothing");
    }

    #[test]
    fn a_piece_sent_again_is_held_once_and_the_longer_copy_kept() {
        let bytes = message(11, b"certificate bytes");
        let mut stream = CryptoStream::default();
        for _ in 0..1000 {
            stream.feed(4, &bytes[4..8]);
        }
        assert_eq!(stream.buffered(), piece_cost(4), "the same piece again holds nothing more");
        stream.feed(4, &bytes[4..]);
        assert_eq!(stream.buffered(), piece_cost(bytes.len() - 4), "the longer copy replaces it");
        assert_eq!(stream.feed(0, &bytes[..4]).messages, vec![bytes.clone()]);
        assert_eq!(stream.held_cost, 0);
    }

    #[test]
    fn held_data_is_bounded() {
        let mut stream = CryptoStream::default();
        let chunk = vec![0u8; 32 * 1024];
        assert!(stream.feed(100_000, &chunk).problem.is_none());
        assert!(stream.feed(900_000, &chunk).problem.is_some());
        assert!(stream.feed(0, &[1, 0, 0, 0]).messages.is_empty(), "the stream stopped");
    }
}
