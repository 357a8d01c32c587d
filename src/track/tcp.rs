//! TCP conversations: stream numbers, relative sequence numbers, window scaling and the
//! sequence analysis that flags retransmissions, duplicate ACKs and the rest.
//!
//! The rules follow Wireshark's TCP analysis so that `tcp.stream`, `tcp.seq` and the
//! `tcp.analysis.*` flags agree with tshark's single pass:
//! - The first segment seen in a direction fixes its base: the SYN's sequence number, or one
//!   less than a mid-stream segment's, so that data starts at relative sequence 1. The first
//!   ACK fixes the other direction's base as one less than what it acknowledges.
//! - A SYN whose sequence number differs from the base of a conversation that already has one
//!   starts a new conversation on the same ports (`tcp.analysis.reused_ports`).
//! - A segment that carries data, SYN or FIN and starts below the highest sequence number
//!   already sent is a fast retransmission (after two duplicate ACKs, within 20 ms), an
//!   out-of-order segment (shortly after the highest one), a spurious retransmission (of data
//!   already acknowledged), or otherwise a retransmission.
//!
//! TCP's own round-trip fields follow the same analysis (see [`unacked`]): `acks_frame` and
//! `ack_rtt` on a segment whose acknowledgment number is exactly where a remembered segment
//! ended, `bytes_in_flight` and `push_bytes_sent` on data sent while the count is valid (from
//! the start, and again after an ACK from the other side once a gap was seen), and
//! `initial_rtt`, the time from the last SYN to the first ACK without SYN, on every segment
//! Wireshark keeps an analysis record for once it is measured.
//!
//! State per conversation is a few hundred bytes plus the unacknowledged segments, at most
//! [`unacked::MAX_UNACKED`] per direction, each a few dozen bytes; nothing here holds segment
//! data. The table is a [`Holder`](super::budget::Holder) of the tracker's budget, its cost a
//! running total: under pressure it gives up the state of its oldest conversations first,
//! keeping a tombstone (the key and its stream number) so that a conversation seen again keeps
//! its `tcp.stream`; only once no state is left are tombstones given up, oldest first, and a
//! conversation seen after that gets a new number. A conversation whose ports are reused lets
//! go of its old state at once: nothing can reach it any more. State is not let go when a
//! conversation closes (FIN or RST both ways): the last ACK and any retransmission after it
//! are still analysed from it, as tshark does.

use std::mem::size_of;

mod sequence;
mod table;
pub mod unacked;

use super::conversation::{Endpoint, Key};
use super::cow::{CowMap, CowQueue};
use super::snapshot::Shared;
use crate::dissect::tcp::options::kind;
use crate::dissect::tcp::seq::SeqNumber;
use crate::dissect::tcp::{self, Analysis, WindowScaling, analysis, flag};
use sequence::{Observed, analyse};
use unacked::Unacked;

/// Window scale state: -1 unknown, -2 not used, otherwise the shift.
const SCALE_UNKNOWN: i8 = -1;
const SCALE_NOT_USED: i8 = -2;

/// Out-of-order threshold before the connection's first RTT is known, as in Wireshark.
const DEFAULT_OUT_OF_ORDER_NS: i64 = 3_000_000;
/// Wireshark shows bytes in flight only below this many, taking more for a counting error.
const MAX_IN_FLIGHT: u32 = 2_000_000_000;
/// The SACK blocks of a segment that Wireshark subtracts from the other side's bytes in flight.
const SACK_BLOCKS_COUNTED: usize = 3;

/// A relative sequence number not yet known: Wireshark's 0.
const UNKNOWN: SeqNumber = SeqNumber(0);

/// What one direction of a conversation has sent so far. Sequence numbers here are relative;
/// 0 means "not yet known", as in Wireshark.
#[derive(Clone, Copy, Debug)]
struct Direction {
    base_seq: Option<u32>,
    win_scale: i8,
    /// The last window field sent, unscaled, and whether it came from a SYN (never scaled).
    window: u32,
    window_from_syn: bool,
    next_seq: SeqNumber,
    next_seq_ns: i64,
    /// The frame that sent the highest sequence number so far.
    next_seq_frame: u64,
    last_ack: SeqNumber,
    last_ack_ns: i64,
    dup_acks: u32,
    /// The other side acknowledged data this side's capture missed, past the highest byte
    /// seen: until this side repeats an ACK, another such acknowledgment is not flagged.
    acked_unseen: bool,
    last_non_dup_ack: u64,
    max_seq_to_be_acked: SeqNumber,
    last_flags: u16,
    /// Whether bytes in flight can be counted: not after a gap in this direction until the
    /// other side sends an ACK.
    valid_in_flight: bool,
    /// Bytes sent since the last segment with PSH, and whether the last data segment had it.
    push_bytes_sent: u32,
    push_set_last: bool,
    /// Bytes the last segment sent in this direction selectively acknowledged (its SACK
    /// blocks), which the other side's bytes in flight leave out.
    sack_delivered: u32,
}

impl Default for Direction {
    fn default() -> Self {
        Self {
            base_seq: None,
            win_scale: SCALE_UNKNOWN,
            window: u32::MAX,
            window_from_syn: false,
            next_seq: UNKNOWN,
            next_seq_ns: 0,
            next_seq_frame: 0,
            last_ack: UNKNOWN,
            last_ack_ns: 0,
            dup_acks: 0,
            acked_unseen: false,
            last_non_dup_ack: 0,
            max_seq_to_be_acked: UNKNOWN,
            last_flags: 0,
            valid_in_flight: true,
            push_bytes_sent: 0,
            push_set_last: false,
            sack_delivered: 0,
        }
    }
}

#[derive(Clone)]
struct Conversation {
    key: Key,
    stream: u32,
    first_ns: i64,
    last_ns: i64,
    /// Index 0 is traffic from the key's low endpoint.
    directions: [Direction; 2],
    /// Segments sent in each direction and not yet acknowledged.
    unacked: [Unacked; 2],
    /// When the last SYN without ACK was sent.
    syn_ns: Option<i64>,
    /// From the last SYN to the first ACK without SYN; 0 until measured, as in Wireshark,
    /// where a zero RTT counts as not yet measured.
    first_rtt_ns: i64,
    completeness: u8,
}

impl Conversation {
    fn new(key: Key, stream: u32, ts_ns: i64) -> Self {
        Self {
            key,
            stream,
            first_ns: ts_ns,
            last_ns: ts_ns,
            directions: [Direction::default(); 2],
            unacked: Default::default(),
            syn_ns: None,
            first_rtt_ns: 0,
            completeness: 0,
        }
    }

    /// What the conversation costs beyond its own entry: its unacknowledged segments.
    fn unacked_cost(&self) -> usize {
        self.unacked.iter().map(Unacked::cost).sum()
    }
}

/// What one entry of a hash map of `K` to `V` costs with the map's spare room: a hash table
/// is between 7/16 and 7/8 full (it doubles when full), so each entry is counted twice, with
/// its control byte. With a million conversations the maps are most of what the table holds.
const fn hash_entry_cost<K, V>() -> usize {
    2 * (size_of::<K>() + size_of::<V>() + 1)
}

/// What a conversation's entry in the table costs, its unacknowledged segments aside. The
/// state is behind a pointer ([`Shared`] with the tracker's copies): a map's spare capacity
/// then costs a pointer, not a whole state.
const STATE_COST: usize = hash_entry_cost::<u32, Shared<Conversation>>() + size_of::<Conversation>();
/// What a key's entry costs: the stream number it is remembered by.
const KEY_COST: usize = hash_entry_cost::<Key, u32>();

/// One segment, as the analysis needs it.
pub struct Segment {
    pub frame: u64,
    pub ts_ns: i64,
    pub src: Endpoint,
    pub dst: Endpoint,
}

/// TCP conversations and their analysis state.
#[derive(Clone, Default)]
pub struct TcpTable {
    /// The stream number of each conversation remembered, with its state or as a tombstone.
    by_key: CowMap<Key, u32>,
    /// The state of each conversation not given up, by stream number.
    states: CowMap<u32, Shared<Conversation>>,
    /// The number the next new conversation gets.
    next_stream: u32,
    /// Stream numbers in the order their state was made, for giving up the oldest first; a
    /// number whose state is gone already is skipped.
    order: CowQueue<u32>,
    /// Keys whose state was given up, in that order, with their stream numbers.
    tombstones: CowQueue<(Key, u32)>,
    /// What `states` costs, unacknowledged segments included.
    states_cost: usize,
}

impl TcpTable {
    /// Analyses one segment and returns what its fields should show.
    pub fn handle(&mut self, segment: &Segment, header: &tcp::Header<'_>) -> Analysis {
        let (key, from_low) = Key::of(segment.src, segment.dst);
        let (fwd, rev) = if from_low { (0, 1) } else { (1, 0) };
        let flags = header.flags();
        let syn_only = flags & (flag::SYN | flag::ACK) == flag::SYN;
        let mut result_flags = 0;
        // Wireshark keeps an analysis record for a SYN that repeats its conversation's first.
        let mut repeated_syn = false;
        let mut first = false;

        let known = self.by_key.get(&key).map(|&stream| (stream, self.states.get(&stream)));
        let stream = match known {
            Some((stream, Some(conversation))) => {
                let base = conversation.directions[fwd].base_seq;
                if syn_only && base.is_some_and(|base| base != header.seq()) {
                    result_flags |= analysis::PORTS_REUSED;
                    self.forget(stream);
                    let stream = self.start(key, self.next_stream, segment.ts_ns);
                    // Wireshark starts a reused conversation as having seen its SYN.
                    if let Some(conversation) = self.states.get_mut(&stream) {
                        conversation.make_mut().completeness = 1;
                    }
                    stream
                } else {
                    repeated_syn = syn_only && base.is_some();
                    stream
                }
            }
            Some((stream, None)) => {
                // Its state was given up for the budget; its number is remembered.
                first = true;
                self.start(key, stream, segment.ts_ns)
            }
            None => {
                first = true;
                self.start(key, self.next_stream, segment.ts_ns)
            }
        };
        let Some(conversation) = self.states.get_mut(&stream).map(Shared::make_mut) else {
            return Analysis::default();
        };
        let cost_before = conversation.unacked_cost();

        let completeness = conversation.completeness;
        conversation.completeness |= completeness_bits(flags, header.segment_len(), first);

        // Bases: a SYN's own number, or one before a mid-stream segment's.
        let directions = &mut conversation.directions;
        if directions[fwd].base_seq.is_none() {
            let seq = header.seq();
            directions[fwd].base_seq = Some(if flags & flag::SYN != 0 { seq } else { seq.wrapping_sub(1) });
        }
        if directions[rev].base_seq.is_none() && flags & flag::ACK != 0 {
            directions[rev].base_seq = Some(header.ack().wrapping_sub(1));
        }
        let seq_base = directions[fwd].base_seq.unwrap_or(0);
        let ack_base = directions[rev].base_seq.unwrap_or(0);

        if flags & flag::SYN != 0 {
            window_scaling(directions, fwd, rev, header.window_shift(), flags & flag::ACK != 0);
            if flags & flag::ACK == 0 {
                conversation.syn_ns = Some(segment.ts_ns);
            }
        }
        let scale = conversation.directions[fwd].win_scale;
        if flags & flag::ACK != 0 {
            conversation.directions[rev].valid_in_flight = true;
        }

        let relative_seq = header.seq().wrapping_sub(seq_base);
        let relative_ack =
            if flags & flag::ACK != 0 { header.ack().wrapping_sub(ack_base) } else { header.ack() };
        let ooo_threshold = match conversation.first_rtt_ns {
            0 => DEFAULT_OUT_OF_ORDER_NS,
            rtt => rtt,
        };
        let (flags_found, duplicate_of) = analyse(
            &mut conversation.directions,
            (fwd, rev),
            Observed {
                frame: segment.frame,
                ts_ns: segment.ts_ns,
                seq: SeqNumber(relative_seq),
                ack: SeqNumber(relative_ack),
                len: header.segment_len() as u32,
                flags,
                window: u32::from(header.window()),
            },
            ooo_threshold,
        );
        result_flags |= flags_found;
        // The acknowledgment number is read whether the ACK flag is set or not, as Wireshark
        // reads it.
        let ack_for_unacked = header.ack().wrapping_sub(ack_base);
        let round_trips = conversation.round_trips(
            (fwd, rev),
            segment,
            header,
            relative_seq,
            ack_for_unacked,
            result_flags,
        );
        // The handshake's RTT is measured after the segment's analysis, as in Wireshark.
        if flags & (flag::SYN | flag::ACK) == flag::ACK
            && conversation.first_rtt_ns == 0
            && let Some(syn_ns) = conversation.syn_ns
        {
            conversation.first_rtt_ns = segment.ts_ns.saturating_sub(syn_ns);
        }
        let analysed = result_flags != 0 || repeated_syn || round_trips.recorded;
        let initial_rtt_ns =
            (analysed && conversation.first_rtt_ns != 0).then_some(conversation.first_rtt_ns);

        let window_scaling = if flags & flag::SYN != 0 {
            WindowScaling::NotUsed
        } else {
            match scale {
                SCALE_UNKNOWN => WindowScaling::Unknown,
                shift if shift >= 0 => WindowScaling::Shift(shift as u8),
                _ => WindowScaling::NotUsed,
            }
        };
        let result = Analysis {
            stream: conversation.stream,
            seq_base,
            ack_base,
            time_relative_ns: segment.ts_ns.saturating_sub(conversation.first_ns),
            time_delta_ns: segment.ts_ns.saturating_sub(conversation.last_ns),
            window: window_scaling,
            flags: result_flags,
            completeness,
            duplicate_of,
            analysed,
            acks: round_trips.acks,
            rto: round_trips.rto,
            initial_rtt_ns,
            in_flight: round_trips.in_flight,
            pdu_head: None,
            pdu_tail: None,
            pdu_sizes: Vec::new(),
        };
        conversation.last_ns = segment.ts_ns;
        self.states_cost = self.states_cost - cost_before + conversation.unacked_cost();
        result
    }

    /// Finds, or starts, the conversation of a TCP header quoted in an ICMP error. As Wireshark
    /// does, the quote gets a stream number and times, but no sequence analysis: it is a copy
    /// of a segment already counted, not a new one. What Wireshark does for every header it
    /// reads still applies: its flags count towards `tcp.completeness`, a quoted SYN that
    /// repeats its conversation's first gets an analysis record (and with it the initial RTT),
    /// and the quote's SACK blocks become its direction's last.
    pub fn quoted(&mut self, segment: &Segment, header: &tcp::Header<'_>) -> Analysis {
        let (key, from_low) = Key::of(segment.src, segment.dst);
        let fwd = usize::from(!from_low);
        let known = self.by_key.get(&key).map(|&stream| (stream, self.states.contains_key(&stream)));
        let (stream, first) = match known {
            Some((stream, true)) => (stream, false),
            Some((stream, false)) => (self.start(key, stream, segment.ts_ns), true),
            None => (self.start(key, self.next_stream, segment.ts_ns), true),
        };
        let Some(conversation) = self.states.get_mut(&stream).map(Shared::make_mut) else {
            return Analysis::default();
        };
        let syn_only = header.flags() & (flag::SYN | flag::ACK) == flag::SYN;
        let analysed = syn_only && conversation.directions[fwd].base_seq == Some(header.seq());
        conversation.directions[fwd].sack_delivered = sack_delivered(header);
        let first_rtt_ns = conversation.first_rtt_ns;
        let completeness = conversation.completeness;
        // A quote's segment length is not known: its data counts for nothing.
        conversation.completeness |= completeness_bits(header.flags(), 0, first);
        let analysis = Analysis {
            stream: conversation.stream,
            time_relative_ns: segment.ts_ns.saturating_sub(conversation.first_ns),
            time_delta_ns: segment.ts_ns.saturating_sub(conversation.last_ns),
            window: WindowScaling::NotUsed,
            completeness,
            analysed,
            initial_rtt_ns: (analysed && first_rtt_ns != 0).then_some(first_rtt_ns),
            ..Analysis::default()
        };
        conversation.last_ns = segment.ts_ns;
        analysis
    }

    /// How many segments a conversation's direction remembers as not yet acknowledged.
    #[cfg(test)]
    fn unacked_len(&self, stream: u32, from_low: bool) -> usize {
        self.states[&stream].unacked[usize::from(!from_low)].len()
    }
}

/// What the unacknowledged segments tell of one segment.
struct RoundTrips {
    /// The segment acknowledged exactly, and the time since it was sent.
    acks: Option<(u64, i64)>,
    /// For a retransmission, the frame its timeout is counted from, and the timeout.
    rto: Option<(u64, i64)>,
    /// Bytes in flight and bytes sent since the last PSH, when Wireshark shows them.
    in_flight: Option<(u32, u32)>,
    /// Whether the segment acknowledged one or had its bytes in flight counted: either makes
    /// Wireshark keep an analysis record for it.
    recorded: bool,
}

impl Conversation {
    /// Remembers the segment as unacknowledged, applies its acknowledgment number to the other
    /// direction's segments and counts this direction's bytes in flight, in Wireshark's order.
    /// `seq` is relative to this direction's base, `ack` to the other's; `found` are the
    /// segment's analysis flags.
    fn round_trips(
        &mut self,
        (fwd, rev): (usize, usize),
        segment: &Segment,
        header: &tcp::Header<'_>,
        seq: u32,
        ack: u32,
        found: u16,
    ) -> RoundTrips {
        let flags = header.flags();
        let len = header.segment_len() as u32;
        // SYN and FIN use one sequence number, even together, as Wireshark counts them.
        let syn_or_fin = u32::from(flags & (flag::SYN | flag::FIN) != 0);
        if found & analysis::LOST_SEGMENT != 0 {
            self.directions[fwd].valid_in_flight = false;
        }
        // A retransmission's timeout, from the eldest segment still unacknowledged (likely the
        // one sent again), or else from the segment that sent the highest sequence number.
        let rto = (found & analysis::RETRANSMISSION != 0)
            .then(|| {
                let direction = &self.directions[fwd];
                let (frame, sent_ns) = self.unacked[fwd]
                    .eldest()
                    .map_or((direction.next_seq_frame, direction.next_seq_ns), |eldest| {
                        (eldest.frame, eldest.ts_ns)
                    });
                (frame, segment.ts_ns.saturating_sub(sent_ns))
            })
            .filter(|&(_, rto_ns)| rto_ns != 0);
        if len > 0 || syn_or_fin > 0 {
            self.unacked[fwd].sent(seq, len.wrapping_add(syn_or_fin), segment.frame, segment.ts_ns);
        }
        let acks = self.unacked[rev]
            .acknowledge(ack)
            .map(|acked| (acked.frame, segment.ts_ns.saturating_sub(acked.ts_ns)));
        let mut in_flight = None;
        let mut recorded = acks.is_some();
        let delivered = self.directions[rev].sack_delivered;
        let direction = &mut self.directions[fwd];
        if len > 0
            && direction.valid_in_flight
            && let Some(span) = self.unacked[fwd].span()
        {
            recorded = true;
            direction.push_bytes_sent =
                if direction.push_set_last { len } else { direction.push_bytes_sent.wrapping_add(len) };
            direction.push_set_last = flags & flag::PSH != 0;
            let bytes = span.wrapping_sub(delivered);
            if bytes > 0 && bytes < MAX_IN_FLIGHT && bytes - syn_or_fin > 0 {
                in_flight = Some((bytes - syn_or_fin, direction.push_bytes_sent));
            }
        }
        direction.sack_delivered = sack_delivered(header);
        RoundTrips { acks, in_flight, recorded, rto }
    }
}

/// The bytes a segment's SACK option covers, over the blocks Wireshark counts: the first
/// [`SACK_BLOCKS_COUNTED`] of the last SACK option.
fn sack_delivered(header: &tcp::Header<'_>) -> u32 {
    let sack = header.options().map_while(Result::ok).filter(|option| option.kind == kind::SACK).last();
    sack.map_or(0, |option| {
        option
            .sack_blocks()
            .take(SACK_BLOCKS_COUNTED)
            .fold(0u32, |sum, (left, right)| sum.wrapping_add(right.wrapping_sub(left)))
    })
}

/// The `tcp.completeness` bits a segment adds, as Wireshark 4.0 counts them: a conversation's
/// first segment adds SYN (and data, for a SYN with data) if it is a SYN and nothing
/// otherwise; a later one adds SYN-ACK, ACK for an ACK without SYN or data, data for one with
/// data, FIN only with ACK, and RST.
fn completeness_bits(flags: u16, len: usize, first: bool) -> u8 {
    let syn_ack = flags & (flag::SYN | flag::ACK);
    if first {
        return match (syn_ack == flag::SYN, len > 0) {
            (true, true) => 1 | 8,
            (true, false) => 1,
            (false, _) => 0,
        };
    }
    let mut bits = 0;
    if syn_ack == flag::SYN | flag::ACK {
        bits |= 2;
    }
    if syn_ack == flag::ACK {
        bits |= if len > 0 { 8 } else { 4 };
    }
    if flags & (flag::FIN | flag::ACK) == flag::FIN | flag::ACK {
        bits |= 16;
    }
    if flags & flag::RST != 0 {
        bits |= 32;
    }
    bits
}

/// Records a SYN's window scale option, and concludes when scaling is not used.
fn window_scaling(
    directions: &mut [Direction; 2],
    fwd: usize,
    rev: usize,
    shift: Option<u8>,
    is_syn_ack: bool,
) {
    if let Some(shift) = shift {
        directions[fwd].win_scale = shift.min(14) as i8;
    }
    if directions[fwd].win_scale == SCALE_UNKNOWN {
        // A SYN without the option, or a SYN-ACK without it: neither side scales.
        directions[fwd].win_scale = SCALE_NOT_USED;
        directions[rev].win_scale = SCALE_NOT_USED;
    } else if is_syn_ack && directions[rev].win_scale == SCALE_NOT_USED {
        directions[fwd].win_scale = SCALE_NOT_USED;
    }
}

#[cfg(test)]
mod tests;
