//! The sequence analysis of one TCP segment, as Wireshark's single pass does it: whether it
//! retransmits, arrives out of order, follows lost data, repeats an ACK, probes or fills a zero
//! window, or keeps the connection alive. It reads and updates only the two directions' state,
//! so each segment costs the same however long the conversation is.

use super::{Direction, SCALE_UNKNOWN, UNKNOWN};
use crate::dissect::tcp::seq::SeqNumber;
use crate::dissect::tcp::{analysis, flag};

/// How soon after the last duplicate ACK a retransmission counts as fast.
const FAST_RETRANSMISSION_NS: i64 = 20_000_000;

/// A segment in relative sequence numbers, with its window field as sent.
pub(super) struct Observed {
    pub(super) frame: u64,
    pub(super) ts_ns: i64,
    pub(super) seq: SeqNumber,
    pub(super) ack: SeqNumber,
    pub(super) len: u32,
    pub(super) flags: u16,
    pub(super) window: u32,
}

/// The sequence analysis of one segment; returns its analysis flags, with the count and
/// original frame when it is a duplicate ACK, and updates the state.
pub(super) fn analyse(
    directions: &mut [Direction; 2],
    (fwd, rev): (usize, usize),
    s: Observed,
    ooo_threshold: i64,
) -> (u16, Option<(u32, u64)>) {
    let control = flag::SYN | flag::FIN | flag::RST;
    let (f, r) = (directions[fwd], directions[rev]);
    let mut result = 0;
    let mut duplicate_of = None;

    let zero_window_probe = s.len == 1 && s.seq == f.next_seq && r.window == 0;
    if zero_window_probe {
        result |= analysis::ZERO_WINDOW_PROBE;
    } else {
        if s.window == 0 && s.flags & control == 0 {
            result |= analysis::ZERO_WINDOW;
        }
        if f.next_seq != UNKNOWN && s.seq.is_after(f.next_seq) && s.flags & flag::RST == 0 {
            result |= analysis::LOST_SEGMENT;
        }
        if s.len <= 1 && s.seq == f.next_seq - 1 && s.flags & control == 0 {
            result |= analysis::KEEP_ALIVE;
        }
        let repeats = s.len == 0 && s.seq == f.next_seq && s.ack == f.last_ack && s.flags & control == 0;
        if repeats && s.window != 0 && s.window != f.window {
            result |= analysis::WINDOW_UPDATE;
        }
        if s.len > 0 && r.win_scale != SCALE_UNKNOWN && s.flags & control == 0 {
            let shift = if r.window_from_syn || r.win_scale < 0 { 0 } else { r.win_scale as u32 };
            let edge = r.last_ack + r.window.wrapping_shl(shift);
            if s.seq + s.len == edge {
                result |= analysis::WINDOW_FULL;
            }
        }
        let same_window = s.window == f.window;
        if repeats && s.window != 0 && same_window && r.last_flags & analysis::KEEP_ALIVE != 0 {
            result |= analysis::KEEP_ALIVE_ACK;
        } else if s.len == 0
            && s.window == 0
            && same_window
            && s.seq == f.next_seq
            && (s.ack == f.last_ack || s.ack == f.last_ack + 1)
            && r.last_flags & analysis::ZERO_WINDOW_PROBE != 0
            && s.flags & control == 0
        {
            result |= analysis::ZERO_WINDOW_PROBE_ACK;
        } else if repeats && s.window != 0 && same_window {
            // A repeat after an ACK of unseen data counts from one again.
            let direction = &mut directions[fwd];
            direction.dup_acks =
                if std::mem::take(&mut direction.acked_unseen) { 1 } else { direction.dup_acks + 1 };
            result |= analysis::DUPLICATE_ACK;
            duplicate_of = Some((directions[fwd].dup_acks, f.last_non_dup_ack));
        }
    }
    // A window update neither ends a run of duplicate ACKs nor becomes the ACK they repeat.
    if result & (analysis::DUPLICATE_ACK | analysis::WINDOW_UPDATE) == 0 {
        directions[fwd].last_non_dup_ack = s.frame;
        directions[fwd].dup_acks = 0;
        directions[fwd].acked_unseen = false;
    }

    // An acknowledgment past the highest in-order byte the other side sent: that side's data
    // was missed. The flag is raised once per stretch: once the highest byte seen is reached, a
    // later one is flagged only while the other side has not repeated an ACK since (Wireshark's
    // duplicate ACK count, which it sets to -1 for this: `acked_unseen`).
    if r.max_seq_to_be_acked != UNKNOWN && s.ack.is_after(r.max_seq_to_be_acked) && s.flags & flag::ACK != 0 {
        if r.max_seq_to_be_acked.is_before(r.next_seq) {
            result |= analysis::ACK_LOST_SEGMENT;
            directions[rev].max_seq_to_be_acked = r.next_seq;
        } else {
            if r.dup_acks == 0 && !r.acked_unseen {
                result |= analysis::ACK_LOST_SEGMENT;
            }
            directions[rev].dup_acks = 0;
            directions[rev].acked_unseen = true;
        }
    }

    if (s.len > 0 || s.flags & (flag::SYN | flag::FIN) != 0) && result & analysis::KEEP_ALIVE == 0 {
        let not_advanced = f.next_seq != UNKNOWN && s.seq.is_before(f.next_seq);
        let since_dup_ack = s.ts_ns.saturating_sub(r.last_ack_ns);
        let since_highest = s.ts_ns.saturating_sub(f.next_seq_ns);
        if not_advanced && r.dup_acks >= 2 && r.last_ack == s.seq && since_dup_ack < FAST_RETRANSMISSION_NS {
            result |= analysis::FAST_RETRANSMISSION;
        } else if not_advanced
            && since_highest < ooo_threshold
            // A SYN or FIN takes one sequence number: a copy of the last FIN ends where the
            // stream does, a retransmission, not a segment out of order (as tshark decides).
            && f.next_seq != s.seq + s.len + u32::from(s.flags & (flag::SYN | flag::FIN) != 0)
        {
            result |= analysis::OUT_OF_ORDER;
        } else if s.len > 0 && r.last_ack != UNKNOWN && (s.seq + s.len).is_at_or_before(r.last_ack) {
            result |= analysis::SPURIOUS_RETRANSMISSION;
        } else if not_advanced {
            result |= analysis::RETRANSMISSION;
        }
    }

    let direction = &mut directions[fwd];
    let mut next_seq = s.seq + s.len;
    if s.flags & (flag::SYN | flag::FIN) != 0 {
        next_seq = next_seq + 1;
    }
    // The highest sequence number seen moves on with every segment, empty ones included, so
    // that after a gap only the first segment is flagged as following lost data.
    if next_seq.is_after(direction.next_seq) || direction.next_seq == UNKNOWN {
        direction.next_seq = next_seq;
        direction.next_seq_ns = s.ts_ns;
        direction.next_seq_frame = s.frame;
    }
    // The highest byte to be acknowledged moves on only with segments that continue from it:
    // after a gap it stays where the gap began, so an ACK past the gap is flagged.
    if (s.len > 0 || s.flags & (flag::SYN | flag::FIN) != 0)
        && (s.seq == direction.max_seq_to_be_acked || direction.max_seq_to_be_acked == UNKNOWN)
        && result & analysis::ZERO_WINDOW_PROBE == 0
    {
        direction.max_seq_to_be_acked = direction.next_seq;
    }
    direction.window = s.window;
    direction.window_from_syn = s.flags & flag::SYN != 0;
    direction.last_ack = s.ack;
    direction.last_ack_ns = s.ts_ns;
    direction.last_flags = result;
    (result, duplicate_of)
}
