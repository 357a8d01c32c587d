//! IPv4 and IPv6 fragment reassembly.
//!
//! Fragments are grouped by what RFC 791 section 3.2 and RFC 8200 section 4.5 say identifies a
//! datagram (addresses, identification, and for IPv4 the protocol), their data copied into a
//! buffer at their offset, and the datagram handed back complete on the fragment that fills
//! the last hole, as Wireshark shows it.
//!
//! The filled bytes of a datagram are disjoint ranges in an ordered map, merged as they touch:
//! a fragment copies only the bytes no earlier fragment brought (where fragments overlap, the
//! bytes that arrived first are kept), and one that brings none, a duplicate, is dropped on
//! arrival. A fragment costs the log of the ranges plus the ranges it merges, each merged once.
//!
//! Memory is bounded: a datagram may not end past 65,535 bytes, at most [`MAX_PENDING`]
//! datagrams wait at once, and what they cost together (buffers, ranges, fragment lists and map
//! entries, kept as a running total) stays under [`MAX_PENDING_BYTES`]; beyond either, the
//! oldest waiting datagram is dropped. The tracker's budget sheds them oldest first too. A
//! datagram whose first fragment is older than [`TIMEOUT_NS`] of capture time starts over.

use std::collections::{BTreeMap, VecDeque};
use std::mem::size_of;

use rustc_hash::FxHashMap;

use super::budget::{self, Holder, Shed};
use crate::dissect::{Fragment, FragmentKey, Reassembly};
use crate::osi::Protocol;

/// The largest reassembled payload an IP datagram can have.
pub const MAX_DATAGRAM: usize = 65_535;
/// How many datagrams may be waiting for fragments at once.
pub const MAX_PENDING: usize = 4096;
/// How many bytes of memory waiting datagrams may cost together.
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

/// (offset, frame number, size) of one fragment used.
type Used = (usize, u64, usize);

#[derive(Clone)]
struct Pending {
    started_ns: i64,
    /// Bumped on every restart, so stale entries in the age queue can be recognised.
    generation: u64,
    buffer: Vec<u8>,
    /// Filled byte ranges, start to end, disjoint and not touching.
    filled: BTreeMap<usize, usize>,
    /// The payload's total length, known once the last fragment (no More Fragments) is seen.
    total: Option<usize>,
    /// Each fragment that brought bytes.
    fragments: Vec<Used>,
}

/// What one range of `filled` costs.
const RANGE_COST: usize = budget::entry_cost::<usize, usize>();

impl Pending {
    fn new(started_ns: i64, generation: u64) -> Self {
        Self {
            started_ns,
            generation,
            buffer: Vec::new(),
            filled: BTreeMap::new(),
            total: None,
            fragments: Vec::new(),
        }
    }

    /// What the datagram costs, its entry in the pending map included; O(1).
    fn cost(&self) -> usize {
        budget::entry_cost::<FragmentKey, Self>()
            + self.buffer.capacity()
            + self.filled.len() * RANGE_COST
            + self.fragments.capacity() * size_of::<Used>()
    }

    /// Copies the bytes of `data` no earlier fragment brought to `start`; returns whether
    /// there were any.
    fn fill(&mut self, start: usize, data: &[u8]) -> bool {
        let end = start + data.len();
        let mut cursor = start;
        let before = self.filled.range(..=start).next_back().map(|(&s, &e)| (s, e));
        if let Some((_, before_end)) = before {
            cursor = cursor.max(before_end);
        }
        let mut fresh: Vec<(usize, usize)> = Vec::new();
        for (&filled_start, &filled_end) in self.filled.range(start..end) {
            if filled_start > cursor {
                fresh.push((cursor, filled_start));
            }
            cursor = cursor.max(filled_end);
        }
        if cursor < end {
            fresh.push((cursor, end));
        }
        if fresh.is_empty() {
            return false;
        }
        if self.buffer.len() < end {
            self.buffer.resize(end, 0);
        }
        for &(from, to) in &fresh {
            self.buffer[from..to].copy_from_slice(&data[from - start..to - start]);
        }
        // Merge the new range with every range it overlaps or touches.
        let (mut low, mut high) = (start, end);
        if let Some((before_start, before_end)) = before
            && before_end >= start
        {
            low = before_start;
            high = high.max(before_end);
        }
        while let Some((&filled_start, &filled_end)) = self.filled.range(low..=high).next() {
            self.filled.remove(&filled_start);
            high = high.max(filled_end);
        }
        self.filled.insert(low, high);
        true
    }

    fn is_complete(&self) -> bool {
        let Some(total) = self.total else { return false };
        self.filled.len() == 1 && self.filled.first_key_value().is_some_and(|(&s, &e)| s == 0 && e >= total)
    }
}

/// Reassembles fragmented datagrams.
#[derive(Clone, Default)]
pub struct Defragmenter {
    pending: FxHashMap<FragmentKey, Pending>,
    /// Keys in the order their datagrams started, for evicting the oldest.
    ages: VecDeque<(FragmentKey, u64)>,
    /// What the pending datagrams cost together.
    cost: usize,
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
            let pending = Pending::new(ts_ns, self.generation);
            self.cost += pending.cost();
            self.pending.insert(fragment.key, pending);
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
        let before = pending.cost();
        if pending.fill(fragment.offset, fragment.data) {
            pending.fragments.push((fragment.offset, frame, fragment.data.len()));
        }
        self.cost = self.cost - before + pending.cost();
        if !pending.is_complete() {
            if self.cost > MAX_PENDING_BYTES {
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
        self.cost -= removed.cost();
        Some(removed)
    }

    /// Drops the oldest waiting datagram; returns its key.
    fn drop_oldest(&mut self) -> Option<FragmentKey> {
        while let Some((key, generation)) = self.ages.pop_front() {
            if self.pending.get(&key).is_some_and(|p| p.generation == generation) {
                self.remove(&key);
                return Some(key);
            }
        }
        None
    }

    /// Drops the oldest waiting datagrams until there is room for one more.
    fn make_room(&mut self) {
        while self.pending.len() >= MAX_PENDING || self.cost > MAX_PENDING_BYTES {
            if self.drop_oldest().is_none() {
                break;
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

impl Holder for Defragmenter {
    fn held(&self) -> usize {
        self.cost + self.ages.len() * size_of::<(FragmentKey, u64)>()
    }

    fn shed(&mut self) -> Option<Shed> {
        let key = self.drop_oldest()?;
        let (protocol, what) = match key {
            FragmentKey::V4 { src, dst, ident, .. } => (
                Protocol::Ipv4,
                format!(
                    "reassembly of the IPv4 datagram {} → {} ip.id 0x{ident:04x}",
                    std::net::Ipv4Addr::from(src),
                    std::net::Ipv4Addr::from(dst)
                ),
            ),
            FragmentKey::V6 { src, dst, ident } => (
                Protocol::Ipv6,
                format!(
                    "reassembly of the IPv6 datagram {} → {} identification 0x{ident:08x}",
                    std::net::Ipv6Addr::from(src),
                    std::net::Ipv6Addr::from(dst)
                ),
            ),
        };
        Some(Shed { protocol, what })
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
    fn a_duplicate_fragment_is_dropped_on_arrival() {
        let mut defrag = Defragmenter::new();
        defrag.add(1, 0, &fragment(1, 0, true, &[1; 8]));
        defrag.add(2, 0, &fragment(1, 16, false, &[3; 8]));
        let held = defrag.held();
        for frame in 3..100 {
            assert_eq!(defrag.add(frame, 0, &fragment(1, 16, false, &[9; 8])), Outcome::Waiting);
            assert_eq!(defrag.add(frame, 0, &fragment(1, 0, true, &[9; 8])), Outcome::Waiting);
        }
        assert_eq!(defrag.held(), held, "duplicates cost nothing");
        let Outcome::Complete { payload, reassembly } = defrag.add(100, 0, &fragment(1, 8, true, &[2; 8]))
        else {
            panic!("the middle fragment completes the datagram");
        };
        assert_eq!(payload, [[1u8; 8], [2; 8], [3; 8]].concat(), "the first copies' bytes are kept");
        assert_eq!(reassembly.frames, [1, 100, 2], "duplicates are not listed");
    }

    #[test]
    fn ranges_merge_as_fragments_fill_the_holes_between_them() {
        let mut pending = Pending::new(0, 0);
        for index in (0..64).step_by(2) {
            assert!(pending.fill(index * 8, &[1; 8]));
        }
        assert_eq!(pending.filled.len(), 32);
        for index in (1..64).step_by(2) {
            assert!(pending.fill(index * 8, &[2; 8]));
        }
        assert_eq!(pending.filled.iter().collect::<Vec<_>>(), [(&0, &512)]);
        assert!(!pending.fill(100, &[3; 200]), "wholly filled already");
        assert!(pending.fill(500, &[4; 20]), "12 bytes past the end are new");
        assert_eq!(pending.filled.iter().collect::<Vec<_>>(), [(&0, &520)]);
    }

    #[test]
    fn cost_is_a_running_total_and_the_oldest_is_shed_first() {
        let mut defrag = Defragmenter::new();
        assert_eq!(defrag.held(), 0);
        defrag.add(1, 0, &fragment(1, 0, true, &[1; 800]));
        defrag.add(2, 0, &fragment(2, 0, true, &[1; 8]));
        let expected: usize = defrag.pending.values().map(Pending::cost).sum();
        assert_eq!(defrag.held(), expected + 2 * size_of::<(FragmentKey, u64)>());
        assert!(defrag.held() > 800);
        let shed = defrag.shed().expect("something to shed");
        assert_eq!(shed.protocol, Protocol::Ipv4);
        assert!(shed.what.contains("ip.id 0x0001"), "{}", shed.what);
        assert_eq!(defrag.pending(), 1);
        assert!(defrag.shed().is_some_and(|shed| shed.what.contains("0x0002")));
        assert_eq!((defrag.shed(), defrag.held()), (None, 0));
    }

    #[test]
    fn a_stale_datagram_starts_over() {
        let mut defrag = Defragmenter::new();
        defrag.add(1, 0, &fragment(1, 0, true, &[1; 8]));
        assert_eq!(defrag.add(2, TIMEOUT_NS + 1, &fragment(1, 8, false, &[2; 8])), Outcome::Waiting);
        assert_eq!(defrag.pending(), 1);
    }
}
