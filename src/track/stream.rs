//! TCP stream reassembly for one direction of a connection: segments in, the stream's bytes in
//! order out.
//!
//! In-order data is handed on as it arrives, borrowed from the frame: nothing is copied. Data
//! that arrives ahead of a gap is copied and held until the gap fills; bytes that were already
//! delivered (a retransmission, or the old part of an overlapping segment) are dropped. A gap
//! that never fills — a segment the capture missed — is given up once the other side
//! acknowledges past it or the held data reaches its cap: the consumer is told how many bytes
//! are missing and resynchronises on what follows. Held data never exceeds [`MAX_HELD`] bytes
//! per direction.

use std::collections::BTreeMap;

use super::budget;
use crate::dissect::tcp::seq::SeqNumber;

/// The most out-of-order data held per direction.
pub const MAX_HELD: usize = 1 << 20;

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
    /// The segment was held for later.
    pub held: bool,
    /// Held data reached [`MAX_HELD`]: the gap it waited on was given up.
    pub overflowed: bool,
}

/// One direction's reassembly state.
#[derive(Debug, Default)]
pub struct Reassembler {
    /// Sequence number of the next byte to deliver, once known.
    next_seq: Option<SeqNumber>,
    /// Out-of-order segments by their distance ahead of `next_seq` at arrival, re-keyed as
    /// the stream moves: (sequence number, frame, bytes).
    held: BTreeMap<i64, (SeqNumber, u64, Vec<u8>)>,
    held_bytes: usize,
    /// Where `held` keys are counted from: the stream offset of `next_seq`.
    offset: i64,
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
        let delta = i64::from(data_seq.since(next));
        let len = payload.len() as i64;
        if delta + len <= 0 {
            accepted.duplicate = true;
            return accepted;
        }
        if delta > 0 {
            if self.held_bytes + payload.len() > MAX_HELD {
                // Too much waits on a gap: give it up, and take this segment as the resumption.
                accepted.overflowed = true;
                self.skip_to(data_seq, &mut accepted.chunks);
                self.deliver(data_seq, 0, payload.len(), &mut accepted.chunks);
                self.drain(&mut accepted.chunks);
            } else {
                self.held_bytes += payload.len();
                self.held.insert(self.offset + delta, (data_seq, frame, payload.to_vec()));
                accepted.held = true;
            }
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
        let (Some(next), Some((_, (first_seq, _, _)))) = (self.next_seq, self.held.first_key_value()) else {
            return chunks;
        };
        let first_seq = *first_seq;
        if ack.is_after(next) && first_seq.is_after(next) && !ack.is_before(first_seq) {
            self.skip_to(first_seq, &mut chunks);
            self.drain(&mut chunks);
        }
        chunks
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

    /// Delivers held segments that are now in order, and drops those now wholly old.
    fn drain(&mut self, chunks: &mut Vec<Chunk>) {
        while let Some(entry) = self.held.first_entry() {
            if *entry.key() > self.offset {
                break;
            }
            let (seq, frame, bytes) = entry.remove();
            self.held_bytes -= bytes.len();
            let Some(next) = self.next_seq else { break };
            let behind = next.since(seq);
            if behind < 0 || behind as usize >= bytes.len() {
                continue;
            }
            let fresh = bytes[behind as usize..].to_vec();
            self.next_seq = Some(next + fresh.len() as u32);
            self.offset += fresh.len() as i64;
            chunks.push(Chunk::Held { frame, bytes: fresh });
        }
    }

    /// Bytes held out of order.
    pub fn held_bytes(&self) -> usize {
        self.held_bytes
    }

    /// What the held segments cost in memory, map entries included, for the tracker's budget.
    pub fn cost(&self) -> usize {
        self.held_bytes + self.held.len() * budget::entry_cost::<i64, (SeqNumber, u64, Vec<u8>)>()
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
    fn sequence_numbers_wrap() {
        let mut stream = Reassembler::new();
        stream.accept(u32::MAX - 1, false, 1, b"ab");
        assert_eq!(stream.accept(0, false, 2, b"cd").chunks, [Chunk::Segment { start: 0, len: 2 }]);
    }
}
