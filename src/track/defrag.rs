//! IPv4 and IPv6 fragment reassembly.
//!
//! Fragments are grouped by what RFC 791 section 3.2 and RFC 8200 section 4.5 say identifies a
//! datagram (addresses, identification, and for IPv4 the protocol), their data copied into a
//! buffer at their offset, and the datagram handed back complete on the fragment that fills
//! the last hole, as Wireshark shows it. Memory is bounded three ways: a datagram may not end
//! past 65,535 bytes, at most [`MAX_PENDING`] datagrams wait at once, and their buffers together
//! stay under [`MAX_PENDING_BYTES`]; beyond either, the oldest waiting datagram is dropped. A
//! datagram whose first fragment is older than [`TIMEOUT_NS`] of capture time starts over.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use crate::dissect::{Fragment, FragmentKey, Reassembly};

/// The largest reassembled payload an IP datagram can have.
pub const MAX_DATAGRAM: usize = 65_535;
/// How many datagrams may be waiting for fragments at once.
pub const MAX_PENDING: usize = 4096;
/// How many bytes waiting datagrams may hold together.
pub const MAX_PENDING_BYTES: usize = 64 << 20;
/// How long a datagram may wait for its fragments, in capture time (Linux waits 30 s).
pub const TIMEOUT_NS: i64 = 60_000_000_000;

/// What adding a fragment led to.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The datagram still has holes.
    Waiting,
    /// This fragment completed the datagram.
    Complete { payload: Vec<u8>, reassembly: Reassembly },
    /// The fragment cannot be used; the reason says why.
    Rejected(String),
}

struct Pending {
    started_ns: i64,
    /// Bumped on every restart, so stale entries in the age queue can be recognised.
    generation: u64,
    buffer: Vec<u8>,
    /// Filled byte ranges, sorted and merged.
    filled: Vec<(usize, usize)>,
    /// The payload's total length, known once the last fragment (no More Fragments) is seen.
    total: Option<usize>,
    /// (offset, frame number, size) of each fragment used.
    fragments: Vec<(usize, u64, usize)>,
}

impl Pending {
    fn new(started_ns: i64, generation: u64) -> Self {
        Self {
            started_ns,
            generation,
            buffer: Vec::new(),
            filled: Vec::new(),
            total: None,
            fragments: Vec::new(),
        }
    }

    fn fill(&mut self, start: usize, data: &[u8]) {
        let end = start + data.len();
        if self.buffer.len() < end {
            self.buffer.resize(end, 0);
        }
        // Where fragments overlap, the bytes that arrived first are kept.
        let mut cursor = start;
        for &(filled_start, filled_end) in &self.filled {
            if filled_end <= cursor || filled_start >= end {
                continue;
            }
            if filled_start > cursor {
                self.buffer[cursor..filled_start]
                    .copy_from_slice(&data[cursor - start..filled_start - start]);
            }
            cursor = cursor.max(filled_end);
        }
        if cursor < end {
            self.buffer[cursor..end].copy_from_slice(&data[cursor - start..]);
        }
        self.filled.push((start, end));
        self.filled.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(self.filled.len());
        for &(s, e) in &self.filled {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        self.filled = merged;
    }

    fn is_complete(&self) -> bool {
        matches!((self.total, self.filled.as_slice()), (Some(total), [(0, end)]) if *end >= total)
    }
}

/// Reassembles fragmented datagrams.
#[derive(Default)]
pub struct Defragmenter {
    pending: FxHashMap<FragmentKey, Pending>,
    /// Keys in the order their datagrams started, for evicting the oldest.
    ages: VecDeque<(FragmentKey, u64)>,
    bytes: usize,
    generation: u64,
}

impl Defragmenter {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many datagrams are waiting for fragments.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Adds one fragment, seen in frame `frame` at capture time `ts_ns`.
    pub fn add(&mut self, frame: u64, ts_ns: i64, fragment: &Fragment<'_>) -> Outcome {
        if !fragment.complete {
            return Outcome::Rejected("fragment cut short by the capture; it cannot be reassembled".into());
        }
        let end = fragment.offset + fragment.data.len();
        if end > MAX_DATAGRAM {
            return Outcome::Rejected(format!(
                "fragment ends at byte {end}, past the {MAX_DATAGRAM}-byte maximum"
            ));
        }
        if fragment.more && !fragment.data.len().is_multiple_of(8) {
            return Outcome::Rejected(format!(
                "a fragment with more to follow holds {} bytes, not a multiple of 8",
                fragment.data.len()
            ));
        }
        if self.pending.get(&fragment.key).is_some_and(|p| ts_ns.saturating_sub(p.started_ns) > TIMEOUT_NS) {
            self.remove(&fragment.key);
        }
        if !self.pending.contains_key(&fragment.key) {
            self.make_room();
            self.generation += 1;
            self.pending.insert(fragment.key, Pending::new(ts_ns, self.generation));
            self.ages.push_back((fragment.key, self.generation));
        }
        let Some(pending) = self.pending.get_mut(&fragment.key) else {
            return Outcome::Waiting;
        };
        if !fragment.more {
            match pending.total {
                Some(total) if total != end => {
                    return Outcome::Rejected(format!(
                        "a second last fragment says the datagram is {end} bytes, not {total}"
                    ));
                }
                _ => pending.total = Some(end),
            }
        }
        let before = pending.buffer.len();
        pending.fill(fragment.offset, fragment.data);
        self.bytes += pending.buffer.len() - before;
        pending.fragments.push((fragment.offset, frame, fragment.data.len()));
        if !pending.is_complete() {
            if self.bytes > MAX_PENDING_BYTES {
                self.make_room();
            }
            return Outcome::Waiting;
        }
        let Some(mut done) = self.remove(&fragment.key) else {
            return Outcome::Waiting;
        };
        let total = done.total.unwrap_or(done.buffer.len());
        done.buffer.truncate(total);
        done.fragments.sort_by_key(|&(offset, frame, _)| (offset, frame));
        let reassembly = Reassembly {
            frames: done.fragments.iter().map(|&(_, frame, _)| frame).collect(),
            sizes: done.fragments.iter().map(|&(_, _, size)| size).collect(),
            len: total,
        };
        Outcome::Complete { payload: done.buffer, reassembly }
    }

    fn remove(&mut self, key: &FragmentKey) -> Option<Pending> {
        let removed = self.pending.remove(key)?;
        self.bytes -= removed.buffer.len();
        Some(removed)
    }

    /// Drops the oldest waiting datagrams until there is room for one more.
    fn make_room(&mut self) {
        while self.pending.len() >= MAX_PENDING || self.bytes > MAX_PENDING_BYTES {
            let Some((key, generation)) = self.ages.pop_front() else {
                break;
            };
            if self.pending.get(&key).is_some_and(|p| p.generation == generation) {
                self.remove(&key);
            }
        }
        // Entries for datagrams that completed long ago are dead weight in the queue.
        if self.ages.len() > 2 * MAX_PENDING {
            let pending = &self.pending;
            self.ages
                .retain(|(key, generation)| pending.get(key).is_some_and(|p| p.generation == *generation));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(ident: u16) -> FragmentKey {
        FragmentKey::V4 { src: [10, 0, 0, 1], dst: [10, 0, 0, 2], protocol: 1, ident }
    }

    fn fragment(ident: u16, offset: usize, more: bool, data: &[u8]) -> Fragment<'_> {
        Fragment { key: key(ident), offset, more, data, complete: true, protocol: 1.into(), layer: 1 }
    }

    #[test]
    fn reassembles_fragments_in_any_order() {
        let mut defrag = Defragmenter::new();
        let (a, b, c) = ([1u8; 8], [2u8; 8], [3u8; 3]);
        assert_eq!(defrag.add(3, 0, &fragment(7, 16, false, &c)), Outcome::Waiting);
        assert_eq!(defrag.add(1, 0, &fragment(7, 0, true, &a)), Outcome::Waiting);
        let Outcome::Complete { payload, reassembly } = defrag.add(2, 0, &fragment(7, 8, true, &b)) else {
            panic!("third fragment completes the datagram");
        };
        assert_eq!(payload, [[1u8; 8].as_slice(), &[2; 8], &[3; 3]].concat());
        assert_eq!(reassembly.frames, [1, 2, 3]);
        assert_eq!(reassembly.len, 19);
        assert_eq!(defrag.pending(), 0);
    }

    #[test]
    fn overlapping_fragments_keep_the_first_bytes() {
        let mut defrag = Defragmenter::new();
        assert_eq!(defrag.add(1, 0, &fragment(1, 0, true, &[1; 16])), Outcome::Waiting);
        let Outcome::Complete { payload, .. } = defrag.add(2, 0, &fragment(1, 8, false, &[2; 16])) else {
            panic!("complete");
        };
        assert_eq!(payload, [[1u8; 16].as_slice(), &[2; 8]].concat());
    }

    #[test]
    fn fragments_past_the_maximum_or_oddly_sized_are_rejected() {
        let mut defrag = Defragmenter::new();
        let data = [0u8; 16];
        assert!(matches!(defrag.add(1, 0, &fragment(1, 65_528, false, &data)), Outcome::Rejected(_)));
        assert!(matches!(defrag.add(1, 0, &fragment(1, 0, true, &data[..5])), Outcome::Rejected(_)));
        assert_eq!(defrag.pending(), 0);
    }

    #[test]
    fn waiting_datagrams_are_bounded() {
        let mut defrag = Defragmenter::new();
        for ident in 0..(MAX_PENDING as u16 + 100) {
            defrag.add(u64::from(ident), 0, &fragment(ident, 0, true, &[0; 8]));
        }
        assert_eq!(defrag.pending(), MAX_PENDING);
    }

    #[test]
    fn a_stale_datagram_starts_over() {
        let mut defrag = Defragmenter::new();
        defrag.add(1, 0, &fragment(1, 0, true, &[1; 8]));
        assert_eq!(defrag.add(2, TIMEOUT_NS + 1, &fragment(1, 8, false, &[2; 8])), Outcome::Waiting);
        assert_eq!(defrag.pending(), 1);
    }
}
