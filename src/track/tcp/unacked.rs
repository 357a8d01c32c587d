//! The segments one direction of a TCP conversation has sent and the other has not yet
//! acknowledged, kept as Wireshark's sequence analysis keeps them, for
//! `tcp.analysis.acks_frame`, `tcp.analysis.ack_rtt` and `tcp.analysis.bytes_in_flight`, and
//! the eldest of them, which a retransmission's timeout (`tcp.analysis.rto`) counts from.
//!
//! Wireshark remembers, newest first, every segment that uses sequence space (data, SYN or
//! FIN), at most [`MAX_UNACKED`] per direction; past that, new segments are not remembered, so
//! they are never reported as acknowledged and do not count in flight. An acknowledgment
//! number `ack`, read from every segment of the other direction (its ACK flag set or not):
//! - acknowledges the segments that end exactly at `ack`, and reports the oldest of them: the
//!   walk over the newest-first list meets it last;
//! - forgets every segment that ends at or before `ack`;
//! - moves up to `ack` the start of every segment it acknowledges in part.
//!
//! Bytes in flight are the span from the lowest start to the highest end remembered, taken as
//! Wireshark takes them: relative sequence numbers compared as unsigned 32-bit values.
//!
//! Walking the list costs its length on every segment. Two ordered maps give the same answers
//! in amortised O(log n): the segment ends, each with the oldest segment ending there and how
//! many do, and the segment starts with their counts. An acknowledgment first moves every start
//! below it up to it (each start is merged once), then removes the ends at or below it, whose
//! segments' starts all stood below their ends and so now stand at `ack`. The eldest segment
//! (the end of Wireshark's list) is the front of a queue of each end's oldest segment in the
//! order sent, from which acknowledged ones leave.
//!
//! Sequence numbers are relative and unwrapped to 64 bits around the highest end remembered, so
//! the maps' order is the sequence-space order Wireshark compares in while the remembered
//! segments span less than 2 GiB, which a TCP window (at most 1 GiB, RFC 7323) keeps them to.

use std::collections::{BTreeMap, VecDeque};

/// The most segments remembered per direction, as Wireshark's `TCP_MAX_UNACKED_SEGMENTS`.
pub const MAX_UNACKED: usize = 10_000;

/// The oldest remembered segment ending at one sequence number, and how many end there.
#[derive(Clone, Copy, Debug)]
struct End {
    frame: u64,
    ts_ns: i64,
    count: u32,
}

/// A segment that an acknowledgment number matched: its frame and when it was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acked {
    pub frame: u64,
    pub ts_ns: i64,
}

/// One direction's unacknowledged segments.
#[derive(Clone, Debug, Default)]
pub struct Unacked {
    ends: BTreeMap<i64, End>,
    starts: BTreeMap<i64, u32>,
    /// Each end's oldest segment in the order sent (frame, send time, end): the first is the
    /// eldest segment remembered. An entry whose end was acknowledged leaves from the front as
    /// acknowledgments come, and from anywhere once such entries are as many as the rest.
    order: VecDeque<(u64, i64, i64)>,
    len: usize,
    /// The highest end remembered so far, around which sequence numbers are unwrapped.
    highest_end: i64,
}

impl Unacked {
    /// How many segments are remembered.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// What the remembered segments cost in memory: the nodes of both maps, O(1).
    pub fn cost(&self) -> usize {
        btree_cost::<i64, End>(self.ends.len())
            + btree_cost::<i64, u32>(self.starts.len())
            + self.order.capacity() * std::mem::size_of::<(u64, i64, i64)>()
    }

    /// Remembers a segment starting at relative sequence number `seq` and using `len` numbers
    /// of sequence space, unless [`MAX_UNACKED`] are already remembered.
    pub fn sent(&mut self, seq: u32, len: u32, frame: u64, ts_ns: i64) {
        if self.len >= MAX_UNACKED || len == 0 {
            return;
        }
        let start = self.unwrap(seq);
        let end = start.wrapping_add(i64::from(len));
        let oldest = self.ends.entry(end).or_insert_with(|| {
            self.order.push_back((frame, ts_ns, end));
            End { frame, ts_ns, count: 0 }
        });
        oldest.count += 1;
        *self.starts.entry(start).or_insert(0) += 1;
        self.len += 1;
        self.highest_end = self.highest_end.max(end);
    }

    /// Applies the acknowledgment number `ack` (relative) and returns the oldest segment that
    /// ended exactly there, if one did.
    pub fn acknowledge(&mut self, ack: u32) -> Option<Acked> {
        if self.is_empty() {
            return None;
        }
        let ack = self.unwrap(ack);
        let mut moved = 0;
        while let Some(entry) = self.starts.first_entry()
            && *entry.key() < ack
        {
            moved += entry.remove();
        }
        if moved > 0 {
            *self.starts.entry(ack).or_insert(0) += moved;
        }
        let mut acked = None;
        let mut forgot = false;
        while let Some(entry) = self.ends.first_entry()
            && *entry.key() <= ack
        {
            let (end, segments) = entry.remove_entry();
            forgot = true;
            if end == ack {
                acked = Some(Acked { frame: segments.frame, ts_ns: segments.ts_ns });
            }
            self.len -= segments.count as usize;
            if let Some(count) = self.starts.get_mut(&ack) {
                *count -= segments.count.min(*count);
                if *count == 0 {
                    self.starts.remove(&ack);
                }
            }
        }
        if self.len == 0 {
            // An emptied map keeps its last node; a conversation whose data is all
            // acknowledged, as most end, should keep nothing.
            *self = Self { highest_end: self.highest_end, ..Self::default() };
        } else if forgot {
            self.forget_acknowledged(ack);
        }
        acked
    }

    /// Drops the send-order entries of segments no longer remembered: from the front, and
    /// all of them once they are as many as the entries still standing, so the queue stays
    /// within twice the remembered ends and its front is the eldest.
    fn forget_acknowledged(&mut self, ack: i64) {
        let ends = &self.ends;
        let standing =
            |&(frame, _, end): &(u64, i64, i64)| ends.get(&end).is_some_and(|oldest| oldest.frame == frame);
        // Every end up to `ack` has just gone; only a later one needs looking up.
        while self.order.front().is_some_and(|entry| entry.2 <= ack || !standing(entry)) {
            self.order.pop_front();
        }
        if self.order.len() > 2 * ends.len() + 16 {
            self.order.retain(standing);
        }
    }

    /// The eldest segment remembered: the one Wireshark times a retransmission from.
    pub fn eldest(&self) -> Option<Acked> {
        self.order.front().map(|&(frame, ts_ns, _)| Acked { frame, ts_ns })
    }

    /// Wireshark's span of the remembered segments: the highest end less the lowest start, as
    /// unsigned 32-bit relative sequence numbers.
    pub fn span(&self) -> Option<u32> {
        let (&highest, _) = self.ends.last_key_value()?;
        let (&lowest, _) = self.starts.first_key_value()?;
        // Were the segments to straddle a multiple of 2^32, the highest unsigned end is the
        // last one below it, and the lowest unsigned start the first one above it.
        let top_block = block_start(highest);
        let mut last = highest as u32;
        if let Some((&below, _)) = self.ends.range(..top_block).next_back() {
            last = last.max(below as u32);
        }
        let next_block = block_start(lowest).wrapping_add(1 << 32);
        let mut first = lowest as u32;
        if let Some((&above, _)) = self.starts.range(next_block..).next() {
            first = first.min(above as u32);
        }
        Some(last.wrapping_sub(first))
    }

    /// The 64-bit position of a relative sequence number: the one nearest the highest end.
    fn unwrap(&self, value: u32) -> i64 {
        let delta = value.wrapping_sub(self.highest_end as u32) as i32;
        self.highest_end.wrapping_add(i64::from(delta))
    }
}

/// What a B-tree map of `len` entries allocates, about: a node holds 11 entries and a header,
/// and nodes are about three quarters full; a map of one entry already has a whole node (a
/// conversation that sent only its SYN holds one in each map).
fn btree_cost<K, V>(len: usize) -> usize {
    const NODE_ENTRIES: usize = 11;
    const NODE_HEADER: usize = 16;
    let node = NODE_ENTRIES * (std::mem::size_of::<K>() + std::mem::size_of::<V>()) + NODE_HEADER;
    len.div_ceil(8) * node
}

/// The first position of the 2^32 block `position` lies in.
fn block_start(position: i64) -> i64 {
    position & !0xffff_ffff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_acknowledgment_reports_the_segment_and_forgets_it() {
        let mut unacked = Unacked::default();
        unacked.sent(1, 100, 4, 1_000);
        assert_eq!(unacked.span(), Some(100));
        assert_eq!(unacked.acknowledge(101), Some(Acked { frame: 4, ts_ns: 1_000 }));
        assert!(unacked.is_empty());
        assert_eq!(unacked.span(), None);
    }

    #[test]
    fn a_cumulative_acknowledgment_reports_only_the_segment_ending_at_it() {
        let mut unacked = Unacked::default();
        unacked.sent(1, 100, 4, 1_000);
        unacked.sent(101, 100, 5, 2_000);
        unacked.sent(201, 100, 6, 3_000);
        assert_eq!(unacked.span(), Some(300));
        assert_eq!(unacked.acknowledge(201), Some(Acked { frame: 5, ts_ns: 2_000 }));
        assert_eq!((unacked.len(), unacked.span()), (1, Some(100)));
    }

    #[test]
    fn a_partial_acknowledgment_moves_the_start_and_matches_nothing() {
        let mut unacked = Unacked::default();
        unacked.sent(1, 100, 4, 1_000);
        assert_eq!(unacked.acknowledge(51), None);
        assert_eq!((unacked.len(), unacked.span()), (1, Some(50)));
        // An older acknowledgment moves nothing back.
        assert_eq!(unacked.acknowledge(21), None);
        assert_eq!(unacked.span(), Some(50));
        assert_eq!(unacked.acknowledge(101), Some(Acked { frame: 4, ts_ns: 1_000 }));
    }

    #[test]
    fn of_a_segment_sent_twice_the_original_is_reported() {
        let mut unacked = Unacked::default();
        unacked.sent(1, 100, 4, 1_000);
        unacked.sent(1, 100, 9, 9_000);
        assert_eq!(unacked.len(), 2);
        assert_eq!(unacked.acknowledge(101), Some(Acked { frame: 4, ts_ns: 1_000 }));
        assert!(unacked.is_empty());
    }

    #[test]
    fn a_resent_segment_below_the_others_widens_the_span_until_acknowledged() {
        let mut unacked = Unacked::default();
        unacked.sent(1, 100, 4, 1_000);
        unacked.sent(101, 100, 5, 2_000);
        unacked.acknowledge(101);
        unacked.sent(1, 100, 6, 3_000);
        assert_eq!(unacked.span(), Some(200));
        // The next acknowledgment forgets the resent copy along with what it covers.
        assert_eq!(unacked.acknowledge(151), None);
        assert_eq!((unacked.len(), unacked.span()), (1, Some(50)));
    }

    #[test]
    fn sequence_numbers_wrap_around() {
        let mut unacked = Unacked::default();
        let mut seq = 1u32;
        // Walk the relative sequence numbers past 2^32 in acknowledged 1 GiB steps.
        for frame in 0..5 {
            unacked.sent(seq, 1 << 30, frame, 0);
            seq = seq.wrapping_add(1 << 30);
            assert_eq!(unacked.acknowledge(seq).map(|acked| acked.frame), Some(frame));
        }
        unacked.sent(seq, 1000, 7, 0);
        unacked.sent(seq.wrapping_add(1000), 1000, 8, 0);
        assert_eq!(unacked.span(), Some(2000));
        assert_eq!(unacked.acknowledge(seq.wrapping_add(2000)).map(|acked| acked.frame), Some(8));
    }

    #[test]
    fn segments_straddling_the_wrap_span_as_wireshark_computes_it() {
        let mut unacked = Unacked::default();
        // Two segments just below 2^32, the second ending past it, at 0x10.
        unacked.sent(0x7fff_ffff, 1, 1, 0);
        unacked.acknowledge(0x8000_0000);
        unacked.sent(0xffff_ff00, 0xf0, 2, 0);
        unacked.sent(0xffff_fff0, 0x20, 3, 0);
        // Wireshark's unsigned comparison: highest end 0xffff_fff0, lowest start 0xffff_ff00.
        assert_eq!(unacked.span(), Some(0xf0));
    }

    #[test]
    fn the_eldest_segment_is_the_earliest_sent_of_those_not_yet_acknowledged() {
        let mut unacked = Unacked::default();
        assert_eq!(unacked.eldest(), None);
        unacked.sent(1, 100, 4, 1_000);
        unacked.sent(101, 100, 5, 2_000);
        // A copy of the first segment: the first stays the eldest.
        unacked.sent(1, 100, 6, 3_000);
        assert_eq!(unacked.eldest(), Some(Acked { frame: 4, ts_ns: 1_000 }));
        unacked.acknowledge(101);
        assert_eq!(unacked.eldest(), Some(Acked { frame: 5, ts_ns: 2_000 }));
        unacked.acknowledge(201);
        assert_eq!(unacked.eldest(), None);
    }

    #[test]
    fn acknowledged_segments_behind_a_standing_eldest_are_not_kept() {
        let mut unacked = Unacked::default();
        // Sent first, far ahead: no acknowledgment below it reaches its end.
        unacked.sent(1_000_000, 10, 1, 0);
        for index in 0..10_000u32 {
            unacked.sent(1 + index * 10, 10, u64::from(index) + 2, 0);
            unacked.acknowledge(11 + index * 10);
            assert!(unacked.order.len() <= 2 * unacked.ends.len() + 17, "{} queued", unacked.order.len());
        }
        assert_eq!(unacked.eldest(), Some(Acked { frame: 1, ts_ns: 0 }));
    }

    #[test]
    fn a_single_segment_costs_a_whole_node_in_each_map() {
        let mut unacked = Unacked::default();
        assert_eq!(unacked.cost(), 0);
        unacked.sent(1, 1, 1, 0);
        let queued = unacked.order.capacity() * 24;
        assert!(queued >= 24);
        assert_eq!(unacked.cost(), 11 * (8 + 24) + 16 + 11 * (8 + 4) + 16 + queued);
        unacked.acknowledge(2);
        assert_eq!(unacked.cost(), 0);
    }

    #[test]
    fn past_the_cap_segments_are_not_remembered() {
        let mut unacked = Unacked::default();
        for index in 0..MAX_UNACKED as u32 + 10 {
            unacked.sent(1 + index * 10, 10, u64::from(index), 0);
        }
        assert_eq!(unacked.len(), MAX_UNACKED);
        let beyond = 1 + MAX_UNACKED as u32 * 10 + 10;
        assert_eq!(unacked.acknowledge(beyond), None);
        assert!(unacked.is_empty());
    }
}
