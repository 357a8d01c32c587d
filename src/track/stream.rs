//! TCP stream reassembly for one direction of a connection: segments in, the stream's bytes in
//! order out.
//!
//! In-order data is handed on as it arrives, borrowed from the frame: nothing is copied. Data
//! that arrives ahead of a gap is copied and held until the gap fills; bytes that were already
//! delivered (a retransmission, or the old part of an overlapping segment) are dropped. A gap
//! that never fills — a segment the capture missed — is given up once the other side
//! acknowledges past it or the held data reaches its cap: the consumer is told how many bytes
//! are missing and resynchronises on what follows.
//!
//! Held data is a set of disjoint byte ranges keyed by their stream offset: a segment ahead of
//! the gap copies only the bytes no held range has yet, so a repeated segment costs nothing and
//! is dropped on arrival, and a shorter retransmission never replaces a longer one held. The
//! bytes that arrived first are the ones kept, as for IP fragments. What the held ranges cost
//! (their bytes and their map entries) is kept as a running total, never over [`MAX_HELD`] per
//! direction.

use std::collections::BTreeMap;

use super::budget;
use crate::dissect::tcp::seq::SeqNumber;

/// The most out-of-order data held per direction, in bytes of memory, map entries included.
pub const MAX_HELD: usize = 1 << 20;

/// What one held range costs beyond its bytes: its map entry.
const RANGE_COST: usize = budget::entry_cost::<i64, Range>();

/// What one segment added to the stream, in stream order.
#[derive(Debug, PartialEq, Eq)]
pub enum Chunk {
    /// `len` bytes of this segment's payload, starting at `start`.
    Segment { start: usize, len: usize },
    /// A segment held earlier and now in order: its frame and its bytes.
    Held { frame: u64, bytes: Vec<u8> },
    /// Bytes the capture does not have.
    Gap(u64),
}

/// How a segment's data was taken.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Accepted {
    pub chunks: Vec<Chunk>,
    /// The segment's data was all delivered before: a retransmission.
    pub duplicate: bool,
    /// The segment was held for later (or all its bytes were already held).
    pub held: bool,
    /// Held data reached [`MAX_HELD`]: the gap it waited on was given up.
    pub overflowed: bool,
}

/// Bytes held ahead of a gap: the frame they came in, and the bytes.
#[derive(Clone, Debug)]
struct Range {
    frame: u64,
    bytes: Vec<u8>,
}

/// One direction's reassembly state.
#[derive(Clone, Debug, Default)]
pub struct Reassembler {
    /// Sequence number of the next byte to deliver, once known.
    next_seq: Option<SeqNumber>,
    /// Where the stream is: the stream offset of `next_seq` (bytes delivered or given up).
    offset: i64,
    /// Disjoint ranges held ahead of `offset`, by the stream offset of their first byte.
    held: BTreeMap<i64, Range>,
    /// Bytes in `held`.
    held_bytes: usize,
    /// What `held` costs: its bytes' allocations and one map entry per range.
    held_cost: usize,
}

impl Reassembler {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one segment: its sequence number, whether it is a SYN (whose data starts one
    /// later), its frame and its captured payload.
    pub fn accept(&mut self, seq: u32, syn: bool, frame: u64, payload: &[u8]) -> Accepted {
        let data_seq = SeqNumber(seq) + u32::from(syn);
        let next = *self.next_seq.get_or_insert(data_seq);
        let mut accepted = Accepted::default();
        if payload.is_empty() {
            return accepted;
        }
        let mut delta = i64::from(data_seq.since(next));
        let len = payload.len() as i64;
        if delta + len <= 0 {
            accepted.duplicate = true;
            return accepted;
        }
        while delta > 0 {
            let start = self.offset + delta;
            let fresh = self.missing(start, payload.len());
            let fresh_cost: usize = fresh.iter().map(|&(_, len)| len + RANGE_COST).sum();
            if self.held_cost + fresh_cost <= MAX_HELD {
                self.hold(start, frame, payload, &fresh);
                accepted.held = true;
                return accepted;
            }
            // Too much waits on a gap: give up the first one, and deliver what follows it.
            accepted.overflowed = true;
            let first = self.held.first_key_value().map(|(&at, _)| self.seq_at(at));
            match first {
                Some(first_seq) if first_seq.is_before(data_seq) => {
                    self.skip_to(first_seq, &mut accepted.chunks);
                    self.drain(&mut accepted.chunks);
                    let Some(next) = self.next_seq else { break };
                    delta = i64::from(data_seq.since(next));
                }
                _ => {
                    // The gap ends where this segment starts: it is the resumption.
                    self.skip_to(data_seq, &mut accepted.chunks);
                    delta = 0;
                }
            }
        }
        if delta + len <= 0 {
            return accepted;
        }
        let start = (-delta) as usize;
        self.deliver(data_seq, start, payload.len() - start, &mut accepted.chunks);
        self.drain(&mut accepted.chunks);
        accepted
    }

    /// Told that the other side acknowledged `ack`: data before it that never arrived was lost
    /// to the capture, so stop waiting for it.
    pub fn acknowledged(&mut self, ack: u32) -> Vec<Chunk> {
        let mut chunks = Vec::new();
        let ack = SeqNumber(ack);
        // Nothing held: the data up to the acknowledgment was sent, and the capture missed it.
        if let (Some(next), None) = (self.next_seq, self.held.first_key_value())
            && ack.is_after(next)
        {
            self.skip_to(ack, &mut chunks);
            return chunks;
        }
        let (Some(next), Some((&first, _))) = (self.next_seq, self.held.first_key_value()) else {
            return chunks;
        };
        let first_seq = self.seq_at(first);
        if ack.is_after(next) && first_seq.is_after(next) && !ack.is_before(first_seq) {
            self.skip_to(first_seq, &mut chunks);
            self.drain(&mut chunks);
        }
        chunks
    }

    /// How many bytes past the delivered end of the stream a segment's data starts, when it
    /// starts past it (as a segment held behind a gap does).
    pub fn ahead(&self, seq: u32, syn: bool) -> Option<u64> {
        let since = (SeqNumber(seq) + u32::from(syn)).since(self.next_seq?);
        u64::try_from(since).ok().filter(|ahead| *ahead > 0)
    }

    /// The sequence number of stream offset `at`, which lies ahead of `offset`.
    fn seq_at(&self, at: i64) -> SeqNumber {
        let next = self.next_seq.unwrap_or(SeqNumber(0));
        next + (at - self.offset) as u32
    }

    /// The parts of `len` bytes from stream offset `start` that no held range has, as (stream
    /// offset, length) in order. Costs the ranges it overlaps, each at least one byte of the
    /// segment, so no more than the segment's length.
    fn missing(&self, start: i64, len: usize) -> Vec<(i64, usize)> {
        let end = start + len as i64;
        let mut cursor = start;
        if let Some((&before, range)) = self.held.range(..start).next_back() {
            cursor = cursor.max(before + range.bytes.len() as i64);
        }
        let mut missing = Vec::new();
        for (&at, range) in self.held.range(start..end) {
            if at > cursor {
                missing.push((cursor, (at - cursor) as usize));
            }
            cursor = cursor.max(at + range.bytes.len() as i64);
        }
        if cursor < end {
            missing.push((cursor, (end - cursor) as usize));
        }
        missing
    }

    /// Holds the `fresh` parts of a segment whose payload starts at stream offset `start`.
    fn hold(&mut self, start: i64, frame: u64, payload: &[u8], fresh: &[(i64, usize)]) {
        for &(at, len) in fresh {
            let from = (at - start) as usize;
            let bytes = payload[from..from + len].to_vec();
            self.held_bytes += len;
            self.held_cost += bytes.capacity() + RANGE_COST;
            self.held.insert(at, Range { frame, bytes });
        }
    }

    fn deliver(&mut self, seq: SeqNumber, start: usize, len: usize, chunks: &mut Vec<Chunk>) {
        if len == 0 {
            return;
        }
        chunks.push(Chunk::Segment { start, len });
        self.next_seq = Some(seq + (start + len) as u32);
        self.offset += len as i64;
    }

    /// Declares the bytes up to `seq` missing.
    fn skip_to(&mut self, seq: SeqNumber, chunks: &mut Vec<Chunk>) {
        let next = self.next_seq.unwrap_or(seq);
        let missing = seq.since(next);
        if missing > 0 {
            chunks.push(Chunk::Gap(missing as u64));
            self.offset += i64::from(missing);
        }
        self.next_seq = Some(seq);
    }

    /// Delivers held ranges that are now in order, and drops those now wholly old.
    fn drain(&mut self, chunks: &mut Vec<Chunk>) {
        while let Some(entry) = self.held.first_entry() {
            if *entry.key() > self.offset {
                break;
            }
            let (at, Range { frame, mut bytes }) = entry.remove_entry();
            self.held_bytes -= bytes.len();
            self.held_cost -= bytes.capacity() + RANGE_COST;
            let Some(next) = self.next_seq else { break };
            let behind = (self.offset - at) as usize;
            if behind >= bytes.len() {
                continue;
            }
            if behind > 0 {
                bytes.drain(..behind);
            }
            self.next_seq = Some(next + bytes.len() as u32);
            self.offset += bytes.len() as i64;
            chunks.push(Chunk::Held { frame, bytes });
        }
    }

    /// Bytes held out of order.
    pub fn held_bytes(&self) -> usize {
        self.held_bytes
    }

    /// What the held ranges cost in memory, map entries included, for the tracker's budget.
    pub fn cost(&self) -> usize {
        self.held_cost
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_data_is_delivered_without_copying() {
        let mut stream = Reassembler::new();
        assert!(stream.accept(1000, true, 1, b"").chunks.is_empty());
        assert_eq!(stream.accept(1001, false, 2, b"abc").chunks, [Chunk::Segment { start: 0, len: 3 }]);
        assert_eq!(stream.accept(1004, false, 3, b"de").chunks, [Chunk::Segment { start: 0, len: 2 }]);
    }

    #[test]
    fn a_retransmission_is_dropped_and_an_overlap_delivers_only_its_new_part() {
        let mut stream = Reassembler::new();
        stream.accept(1, false, 1, b"abcd");
        let again = stream.accept(1, false, 2, b"abcd");
        assert!(again.duplicate && again.chunks.is_empty());
        assert_eq!(stream.accept(3, false, 3, b"cdef").chunks, [Chunk::Segment { start: 2, len: 2 }]);
    }

    #[test]
    fn out_of_order_data_waits_for_the_gap_to_fill() {
        let mut stream = Reassembler::new();
        stream.accept(1, false, 1, b"ab");
        let ahead = stream.accept(5, false, 2, b"ef");
        assert!(ahead.held && ahead.chunks.is_empty());
        assert_eq!(stream.held_bytes(), 2);
        let filled = stream.accept(3, false, 3, b"cd");
        assert_eq!(
            filled.chunks,
            [Chunk::Segment { start: 0, len: 2 }, Chunk::Held { frame: 2, bytes: b"ef".to_vec() }]
        );
        assert_eq!(stream.held_bytes(), 0);
    }

    #[test]
    fn a_gap_the_peer_acknowledged_is_given_up() {
        let mut stream = Reassembler::new();
        stream.accept(1, false, 1, b"ab");
        stream.accept(10, false, 2, b"xyz");
        assert_eq!(stream.acknowledged(5), []);
        assert_eq!(
            stream.acknowledged(13),
            [Chunk::Gap(7), Chunk::Held { frame: 2, bytes: b"xyz".to_vec() }]
        );
        assert_eq!(stream.accept(13, false, 3, b"!").chunks, [Chunk::Segment { start: 0, len: 1 }]);
    }

    #[test]
    fn held_data_is_capped() {
        let mut stream = Reassembler::new();
        stream.accept(0, false, 1, b"a");
        let block = vec![0u8; 1 << 16];
        let mut seq = 100u32;
        for frame in 0..32 {
            let accepted = stream.accept(seq, false, frame, &block);
            seq = seq.wrapping_add(block.len() as u32 + 10);
            assert!(stream.held_bytes() <= MAX_HELD);
            if accepted.overflowed {
                assert!(
                    matches!(accepted.chunks.first(), Some(Chunk::Gap(_))),
                    "{:?}",
                    accepted.chunks.first()
                );
                return;
            }
        }
        panic!("the cap was never reached");
    }

    #[test]
    fn a_repeated_out_of_order_segment_is_held_once() {
        let mut stream = Reassembler::new();
        stream.accept(1, false, 1, b"ab");
        stream.accept(5, false, 2, b"ef");
        let cost = stream.cost();
        let again = stream.accept(5, false, 3, b"ef");
        assert!(again.held && again.chunks.is_empty());
        assert_eq!((stream.held_bytes(), stream.cost()), (2, cost), "nothing more is held");
        let filled = stream.accept(3, false, 4, b"cd");
        assert_eq!(filled.chunks[1], Chunk::Held { frame: 2, bytes: b"ef".to_vec() });
        assert_eq!((stream.held_bytes(), stream.cost()), (0, 0));
    }

    #[test]
    fn reordering_that_repeats_halves_never_reaches_the_cap() {
        // Each 1,000-byte message's second half is sent twice before its first: the held
        // count must come back to zero every time, however many messages there are.
        let mut stream = Reassembler::new();
        let message = vec![b'x'; 1000];
        stream.accept(0, true, 0, b"");
        for index in 0..3000u32 {
            let seq = 1 + index * 1000;
            assert!(stream.accept(seq + 500, false, 1, &message[500..]).held);
            assert!(stream.accept(seq + 500, false, 2, &message[500..]).held);
            let filled = stream.accept(seq, false, 3, &message[..500]);
            assert!(!filled.overflowed);
            let delivered: usize = filled
                .chunks
                .iter()
                .map(|chunk| match chunk {
                    Chunk::Segment { len, .. } => *len,
                    Chunk::Held { bytes, .. } => bytes.len(),
                    Chunk::Gap(_) => panic!("no gap"),
                })
                .sum();
            assert_eq!(delivered, 1000);
            assert_eq!(stream.cost(), 0);
        }
    }

    #[test]
    fn a_shorter_retransmission_keeps_the_longer_segment_held() {
        let mut stream = Reassembler::new();
        stream.accept(1, false, 1, b"ab");
        stream.accept(5, false, 2, b"efgh");
        let shorter = stream.accept(5, false, 3, b"ef");
        assert!(shorter.held && shorter.chunks.is_empty());
        let filled = stream.accept(3, false, 4, b"cd");
        assert_eq!(
            filled.chunks,
            [Chunk::Segment { start: 0, len: 2 }, Chunk::Held { frame: 2, bytes: b"efgh".to_vec() }]
        );
    }

    #[test]
    fn a_longer_retransmission_holds_only_the_bytes_not_yet_held() {
        let mut stream = Reassembler::new();
        stream.accept(1, false, 1, b"ab");
        stream.accept(7, false, 2, b"gh");
        stream.accept(11, false, 3, b"kl");
        let longer = stream.accept(5, false, 4, b"efGHijKLm");
        assert!(longer.held);
        assert_eq!(stream.held_bytes(), 9, "ef, ij and m are new; gh and kl were held");
        let filled = stream.accept(3, false, 5, b"cd");
        let held: Vec<u8> = filled
            .chunks
            .iter()
            .filter_map(|chunk| match chunk {
                Chunk::Held { bytes, .. } => Some(bytes.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(held, b"efghijklm", "the bytes that arrived first are kept");
        assert_eq!(stream.cost(), 0);
    }

    #[test]
    fn cost_counts_each_range_and_its_entry() {
        let mut stream = Reassembler::new();
        stream.accept(1, false, 1, b"a");
        stream.accept(3, false, 2, b"c");
        stream.accept(5, false, 3, b"e");
        assert_eq!(stream.cost(), 2 * (1 + RANGE_COST));
    }

    #[test]
    fn an_overflow_gives_up_only_the_first_gap() {
        let mut stream = Reassembler::new();
        stream.accept(0, false, 1, b"a");
        // Ranges 10 bytes apart, one byte each, until the next no longer fits.
        let mut seq = 10u32;
        let mut ranges = 0;
        while stream.cost() + 1 + RANGE_COST <= MAX_HELD {
            stream.accept(seq, false, 2, b"x");
            seq += 10;
            ranges += 1;
        }
        let accepted = stream.accept(seq, false, 3, b"y");
        assert!(accepted.overflowed && accepted.held);
        assert_eq!(accepted.chunks, [Chunk::Gap(9), Chunk::Held { frame: 2, bytes: b"x".to_vec() }]);
        assert_eq!(stream.held_bytes(), ranges, "the rest stays held, with the new segment");
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut stream = Reassembler::new();
        stream.accept(u32::MAX - 1, false, 1, b"ab");
        assert_eq!(stream.accept(0, false, 2, b"cd").chunks, [Chunk::Segment { start: 0, len: 2 }]);
    }
}
