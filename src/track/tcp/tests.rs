//! The TCP analysis driven by hand-built segments on a fake clock.

use std::net::IpAddr;

use super::*;
use crate::dissect::tcp::flag::{ACK, FIN, PSH, SYN};
use crate::track::budget::Holder;

const CLIENT: u16 = 40000;
const SERVER: u16 = 443;
const CLIENT_ISN: u32 = 1_000_000;
const SERVER_ISN: u32 = 5_000_000;

fn endpoint(port: u16) -> Endpoint {
    Endpoint { addr: IpAddr::from([127, 0, 0, 1]), port }
}

/// A TCP header: ports, numbers, flags, window and options; `len` bytes of data follow.
fn header_bytes(
    from_client: bool,
    seq: u32,
    ack: u32,
    flags: u16,
    window: u16,
    options: &[u8],
    len: usize,
) -> Vec<u8> {
    let (src, dst) = if from_client { (CLIENT, SERVER) } else { (SERVER, CLIENT) };
    let header_len = 20 + options.len();
    let mut bytes = Vec::with_capacity(header_len + len);
    bytes.extend_from_slice(&src.to_be_bytes());
    bytes.extend_from_slice(&dst.to_be_bytes());
    bytes.extend_from_slice(&seq.to_be_bytes());
    bytes.extend_from_slice(&ack.to_be_bytes());
    bytes.extend_from_slice(&((((header_len / 4) as u16) << 12) | flags).to_be_bytes());
    bytes.extend_from_slice(&window.to_be_bytes());
    bytes.extend_from_slice(&[0, 0, 0, 0]);
    bytes.extend_from_slice(options);
    bytes.resize(header_len + len, b'x');
    bytes
}

/// Drives one conversation, numbering frames and advancing the clock by `step_ns` each time.
struct Conversation {
    table: TcpTable,
    frame: u64,
    now_ns: i64,
}

impl Conversation {
    fn new() -> Self {
        Self { table: TcpTable::default(), frame: 0, now_ns: 0 }
    }

    #[allow(clippy::too_many_arguments)]
    fn send(
        &mut self,
        from_client: bool,
        seq: u32,
        ack: u32,
        flags: u16,
        len: usize,
        after_ns: i64,
    ) -> Analysis {
        self.send_with(from_client, seq, ack, flags, len, after_ns, 1000, &[])
    }

    #[allow(clippy::too_many_arguments)]
    fn send_with(
        &mut self,
        from_client: bool,
        seq: u32,
        ack: u32,
        flags: u16,
        len: usize,
        after_ns: i64,
        window: u16,
        options: &[u8],
    ) -> Analysis {
        self.frame += 1;
        self.now_ns += after_ns;
        let bytes = header_bytes(from_client, seq, ack, flags, window, options, len);
        let (_, header) = tcp::parse(&bytes, 0).expect("valid test segment");
        let (src, dst) = if from_client { (CLIENT, SERVER) } else { (SERVER, CLIENT) };
        let segment =
            Segment { frame: self.frame, ts_ns: self.now_ns, src: endpoint(src), dst: endpoint(dst) };
        self.table.handle(&segment, &header)
    }

    /// SYN, SYN-ACK, ACK with window scaling 7 both ways.
    fn handshake(&mut self) {
        let scale = [3, 3, 7, 1];
        self.send_with(true, CLIENT_ISN, 0, SYN, 0, 0, 65535, &scale);
        self.send_with(false, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, 0, 100_000, 65535, &scale);
        self.send(true, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, 0, 10_000);
    }
}

#[test]
fn relative_numbers_start_at_zero_after_the_syn() {
    let mut c = Conversation::new();
    let syn = c.send(true, CLIENT_ISN, 0, SYN, 0, 0);
    assert_eq!((syn.stream, syn.seq_base, syn.flags), (0, CLIENT_ISN, 0));
    let syn_ack = c.send(false, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, 0, 1000);
    assert_eq!((syn_ack.seq_base, syn_ack.ack_base), (SERVER_ISN, CLIENT_ISN));
    let data = c.send(true, CLIENT_ISN + 1, SERVER_ISN + 1, PSH | ACK, 100, 1000);
    assert_eq!(CLIENT_ISN + 1 - data.seq_base, 1);
    assert_eq!(SERVER_ISN + 1 - data.ack_base, 1);
    assert_eq!((data.time_relative_ns, data.time_delta_ns), (2000, 1000));
    assert_eq!(data.completeness, 3, "SYN and SYN-ACK seen before the data");
}

#[test]
fn a_stream_joined_mid_way_starts_at_one() {
    let mut c = Conversation::new();
    let first = c.send(true, 777, 888, ACK, 10, 0);
    assert_eq!((777 - first.seq_base, 888 - first.ack_base), (1, 1));
    assert_eq!(first.window, WindowScaling::Unknown);
}

#[test]
fn window_scaling_applies_after_the_handshake_only() {
    let mut c = Conversation::new();
    c.handshake();
    let data = c.send(true, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, 10, 1000);
    assert_eq!(data.window, WindowScaling::Shift(7));
    let mut unscaled = Conversation::new();
    unscaled.send(true, CLIENT_ISN, 0, SYN, 0, 0);
    let syn_ack = unscaled.send(false, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, 0, 1000);
    assert_eq!(syn_ack.window, WindowScaling::NotUsed);
    let ack = unscaled.send(true, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, 0, 1000);
    assert_eq!(ack.window, WindowScaling::NotUsed);
}

#[test]
fn resent_data_is_a_retransmission() {
    let mut c = Conversation::new();
    c.handshake();
    let seq = CLIENT_ISN + 1;
    assert_eq!(c.send(true, seq, SERVER_ISN + 1, PSH | ACK, 100, 1000).flags, 0);
    // 200 ms later, well past the out-of-order threshold, the same bytes again.
    let again = c.send(true, seq, SERVER_ISN + 1, PSH | ACK, 100, 200_000_000);
    assert_eq!(again.flags, analysis::RETRANSMISSION);
}

/// A capture of both ends of a link sees each FIN twice within microseconds: the copy ends
/// where the stream does (a FIN takes one sequence number), so tshark calls it a
/// retransmission, not a segment out of order, however soon it comes.
#[test]
fn a_copy_of_the_last_fin_is_a_retransmission_even_at_once() {
    let mut c = Conversation::new();
    c.handshake();
    let seq = CLIENT_ISN + 1;
    assert_eq!(c.send(true, seq, SERVER_ISN + 1, FIN | ACK, 0, 1000).flags, 0);
    let copy = c.send(true, seq, SERVER_ISN + 1, FIN | ACK, 0, 20);
    assert_eq!(copy.flags, analysis::RETRANSMISSION);
}

#[test]
fn a_retransmitted_syn_is_a_retransmission_not_a_new_stream() {
    let mut c = Conversation::new();
    c.send(true, CLIENT_ISN, 0, SYN, 0, 0);
    let again = c.send(true, CLIENT_ISN, 0, SYN, 0, 1_000_000_000);
    assert_eq!((again.stream, again.flags), (0, analysis::RETRANSMISSION));
}

#[test]
fn a_new_syn_on_used_ports_starts_a_new_stream() {
    let mut c = Conversation::new();
    c.handshake();
    c.send(true, CLIENT_ISN + 1, SERVER_ISN + 1, FIN | ACK, 0, 1000);
    let reuse = c.send(true, CLIENT_ISN + 50_000, 0, SYN, 0, 1_000_000);
    assert_eq!((reuse.stream, reuse.flags), (1, analysis::PORTS_REUSED));
    assert_eq!(reuse.seq_base, CLIENT_ISN + 50_000);
}

#[test]
fn three_identical_acks_are_two_duplicates_and_the_resend_is_fast() {
    let mut c = Conversation::new();
    c.handshake();
    let (client, server) = (CLIENT_ISN + 1, SERVER_ISN + 1);
    c.send(false, server, client, ACK | PSH, 100, 1000);
    // The client acknowledges the first 100 bytes three times: the last two are duplicates.
    assert_eq!(c.send(true, client, server + 100, ACK, 0, 1000).flags, 0);
    c.send(false, server + 200, client, ACK | PSH, 100, 1000);
    let first = c.send(true, client, server + 100, ACK, 0, 1000);
    let second = c.send(true, client, server + 100, ACK, 0, 1000);
    assert_eq!((first.flags, second.flags), (analysis::DUPLICATE_ACK, analysis::DUPLICATE_ACK));
    let fast = c.send(false, server + 100, client, ACK | PSH, 100, 1_000_000);
    assert_eq!(fast.flags, analysis::FAST_RETRANSMISSION);
}

#[test]
fn a_gap_is_a_lost_segment_and_its_late_arrival_is_out_of_order() {
    let mut c = Conversation::new();
    c.handshake();
    let (client, server) = (CLIENT_ISN + 1, SERVER_ISN + 1);
    let gap = c.send(true, client + 100, server, ACK | PSH, 100, 1000);
    assert_eq!(gap.flags, analysis::LOST_SEGMENT);
    let late = c.send(true, client, server, ACK | PSH, 100, 1000);
    assert_eq!(late.flags, analysis::OUT_OF_ORDER);
}

#[test]
fn an_ack_past_data_sent_after_a_gap_acknowledges_an_unseen_segment() {
    let mut c = Conversation::new();
    c.handshake();
    let (client, server) = (CLIENT_ISN + 1, SERVER_ISN + 1);
    c.send(false, server, client, ACK, 100, 1000);
    // 100 bytes the capture missed, then two segments after them.
    assert_eq!(c.send(false, server + 200, client, ACK, 100, 1000).flags, analysis::LOST_SEGMENT);
    assert_eq!(c.send(false, server + 300, client, ACK, 100, 1000).flags, 0);
    // The highest byte to be acknowledged stayed where the gap began: this ACK is past it.
    let ack = c.send(true, client, server + 400, ACK, 0, 1000);
    assert_eq!(ack.flags, analysis::ACK_LOST_SEGMENT);
    // Data that follows in order moves it on again.
    c.send(false, server + 400, client, ACK, 100, 1000);
    assert_eq!(c.send(true, client, server + 500, ACK, 0, 1000).flags, 0);
    // An ACK past everything sent is flagged once, not again while the side repeats nothing.
    assert_eq!(c.send(true, client, server + 600, ACK, 0, 1000).flags, analysis::ACK_LOST_SEGMENT);
    assert_eq!(c.send(true, client, server + 700, ACK, 0, 1000).flags & analysis::ACK_LOST_SEGMENT, 0);
}

#[test]
fn a_changed_window_on_a_bare_ack_is_a_window_update() {
    let mut c = Conversation::new();
    c.handshake();
    let (client, server) = (CLIENT_ISN + 1, SERVER_ISN + 1);
    let update = c.send_with(true, client, server, ACK, 0, 1000, 2000, &[]);
    assert_eq!(update.flags, analysis::WINDOW_UPDATE);
}

#[test]
fn a_keep_alive_is_one_byte_behind_and_not_a_retransmission() {
    let mut c = Conversation::new();
    c.handshake();
    let (client, server) = (CLIENT_ISN + 1, SERVER_ISN + 1);
    c.send(true, client, server, ACK | PSH, 10, 1000);
    let probe = c.send(true, client + 9, server, ACK, 0, 5_000_000_000);
    assert_eq!(probe.flags, analysis::KEEP_ALIVE);
}

#[test]
fn data_acknowledged_later_names_its_frame_and_round_trip() {
    let mut c = Conversation::new();
    c.handshake();
    let (client, server) = (CLIENT_ISN + 1, SERVER_ISN + 1);
    let data = c.send(true, client, server, PSH | ACK, 100, 1000);
    assert_eq!(data.acks, None, "data acknowledges nothing new");
    let ack = c.send(false, server, client + 100, ACK, 0, 250_000);
    assert_eq!(ack.acks, Some((4, 250_000)));
    assert!(ack.analysed);
}

#[test]
fn a_cumulative_ack_names_the_segment_ending_where_it_points() {
    let mut c = Conversation::new();
    c.handshake();
    let (client, server) = (CLIENT_ISN + 1, SERVER_ISN + 1);
    // Frames 4, 5 and 6 carry 100 bytes each; one ACK covers all three.
    for index in 0..3 {
        c.send(true, client + index * 100, server, ACK, 100, 1000);
    }
    let ack = c.send(false, server, client + 300, ACK, 0, 50_000);
    assert_eq!(ack.acks, Some((6, 50_000)), "the last segment, sent 50 µs before");
    // An ACK that ends inside a segment acknowledges none of them.
    for index in 3..5 {
        c.send(true, client + index * 100, server, ACK, 100, 1000);
    }
    let partial = c.send(false, server, client + 450, ACK, 0, 1000);
    assert_eq!((partial.acks, partial.analysed), (None, false));
    let rest = c.send(false, server, client + 500, ACK, 0, 1000);
    assert_eq!(rest.acks, Some((9, 2000)));
}

#[test]
fn an_ack_of_resent_data_names_the_original_segment() {
    let mut c = Conversation::new();
    c.handshake();
    let (client, server) = (CLIENT_ISN + 1, SERVER_ISN + 1);
    c.send(true, client, server, PSH | ACK, 100, 1000);
    let again = c.send(true, client, server, PSH | ACK, 100, 200_000_000);
    assert_eq!(again.flags, analysis::RETRANSMISSION);
    assert_eq!(again.in_flight, Some((100, 100)), "the two copies cover the same bytes");
    // Wireshark's walk over its newest-first list ends on the original, frame 4.
    let ack = c.send(false, server, client + 100, ACK, 0, 1000);
    assert_eq!(ack.acks, Some((4, 200_001_000)));
}

#[test]
fn the_initial_rtt_runs_from_syn_to_the_handshakes_ack_and_shows_from_then_on() {
    let mut c = Conversation::new();
    let syn = c.send(true, CLIENT_ISN, 0, SYN, 0, 0);
    assert!(!syn.analysed, "a first SYN has nothing to analyse");
    let syn_ack = c.send(false, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, 0, 100_000);
    assert_eq!((syn_ack.acks, syn_ack.initial_rtt_ns), (Some((1, 100_000)), None));
    let ack = c.send(true, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, 0, 10_000);
    assert_eq!((ack.acks, ack.initial_rtt_ns), (Some((2, 10_000)), Some(110_000)));
    let (client, server) = (CLIENT_ISN + 1, SERVER_ISN + 1);
    let response = c.send(false, server, client, PSH | ACK, 200, 1000);
    assert_eq!(response.initial_rtt_ns, Some(110_000), "either direction shows it");
    // An ACK that acknowledges part of a segment gets no analysis record, so no initial RTT.
    let partial = c.send(true, client, server + 100, ACK, 0, 1000);
    assert_eq!((partial.analysed, partial.initial_rtt_ns), (false, None));
}

#[test]
fn bytes_in_flight_grow_with_data_and_shrink_with_acks() {
    let mut c = Conversation::new();
    c.handshake();
    let (client, server) = (CLIENT_ISN + 1, SERVER_ISN + 1);
    let in_flight = |analysis: Analysis| analysis.in_flight;
    // 100, 200, 300 bytes out; the third has PSH, ending a run of 300 bytes.
    assert_eq!(in_flight(c.send(true, client, server, ACK, 100, 1000)), Some((100, 100)));
    assert_eq!(in_flight(c.send(true, client + 100, server, ACK, 100, 1000)), Some((200, 200)));
    assert_eq!(in_flight(c.send(true, client + 200, server, PSH | ACK, 100, 1000)), Some((300, 300)));
    // The server acknowledges the first 200: the next 100 bytes leave 200 in flight.
    let ack = c.send(false, server, client + 200, ACK, 0, 1000);
    assert_eq!((ack.acks, ack.in_flight), (Some((5, 2000)), None), "an empty ACK shows none");
    assert_eq!(in_flight(c.send(true, client + 300, server, ACK, 100, 1000)), Some((200, 100)));
    // All acknowledged: the next segment is alone in flight.
    c.send(false, server, client + 400, ACK, 0, 1000);
    assert_eq!(in_flight(c.send(true, client + 400, server, ACK, 50, 1000)), Some((50, 150)));
    // A FIN's sequence number is not a byte in flight.
    assert_eq!(in_flight(c.send(true, client + 450, server, FIN | ACK, 10, 1000)), Some((60, 160)));
}

#[test]
fn bytes_selectively_acknowledged_are_not_in_flight() {
    let mut c = Conversation::new();
    c.handshake();
    let (client, server) = (CLIENT_ISN + 1, SERVER_ISN + 1);
    for index in 0..3 {
        c.send(true, client + index * 100, server, ACK, 100, 1000);
    }
    // The second segment is lost: the server acknowledges the first and SACKs the third.
    let mut sack = vec![1, 1, 5, 10];
    sack.extend_from_slice(&(client + 200).to_be_bytes());
    sack.extend_from_slice(&(client + 300).to_be_bytes());
    let ack = c.send_with(false, server, client + 100, ACK, 0, 1000, 1000, &sack);
    assert_eq!(ack.acks, Some((4, 3000)));
    // Bytes 100..400 are unacknowledged, 100 of them SACKed.
    let next = c.send(true, client + 300, server, ACK, 100, 1000);
    assert_eq!(next.in_flight, Some((200, 400)));
}

#[test]
fn after_a_gap_bytes_in_flight_wait_for_the_other_sides_ack() {
    let mut c = Conversation::new();
    c.handshake();
    let (client, server) = (CLIENT_ISN + 1, SERVER_ISN + 1);
    c.send(true, client, server, ACK, 100, 1000);
    let gap = c.send(true, client + 200, server, ACK, 100, 1000);
    assert_eq!((gap.flags, gap.in_flight), (analysis::LOST_SEGMENT, None));
    let after = c.send(true, client + 300, server, ACK, 100, 1000);
    assert_eq!((after.in_flight, after.analysed), (None, false));
    c.send(false, server, client + 100, ACK, 0, 1000);
    let counted = c.send(true, client + 400, server, ACK, 100, 1000);
    // Bytes 200..500 are in flight; the PSH run counts only segments whose flight was counted.
    assert_eq!(counted.in_flight, Some((300, 200)));
}

#[test]
fn unacknowledged_segments_are_capped_per_direction() {
    let mut c = Conversation::new();
    c.handshake();
    let (client, server) = (CLIENT_ISN + 1, SERVER_ISN + 1);
    let total = unacked::MAX_UNACKED as u32 + 10;
    for index in 0..total {
        c.send(true, client + index * 10, server, ACK, 10, 1000);
    }
    assert_eq!(c.table.unacked_len(0, false), unacked::MAX_UNACKED);
    // Segments past the cap are never named by an ACK; those before it still are.
    let past = c.send(false, server, client + total * 10, ACK, 0, 1000);
    assert_eq!(past.acks, None);
    assert_eq!(c.table.unacked_len(0, false), 0);
}

/// Regression: `tcp.completeness` counted an ACK carrying data as an ACK, needed the SYN-ACK
/// before counting ACKs, and counted a conversation's first segment when it was not a SYN;
/// tshark 4.0 does none of these (fixtures/crafted/tcp-round-trips.pcap).
#[test]
fn completeness_counts_as_tshark_4_0_does() {
    let mut c = Conversation::new();
    c.send(true, CLIENT_ISN, 0, SYN, 0, 0);
    // No SYN-ACK captured: the ACK still counts, and data on an ACK counts as data only.
    c.send(true, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, 0, 1000);
    c.send(true, CLIENT_ISN + 1, SERVER_ISN + 1, ACK | PSH, 10, 1000);
    let after = c.send(true, CLIENT_ISN + 11, SERVER_ISN + 1, FIN, 0, 1000);
    assert_eq!(after.completeness, 1 | 4 | 8);
    // A FIN without ACK does not count.
    assert_eq!(c.send(false, SERVER_ISN + 1, CLIENT_ISN + 12, ACK, 0, 1000).completeness, 1 | 4 | 8);

    let mut joined = Conversation::new();
    joined.send(true, 777, 888, ACK | PSH, 10, 0);
    let next = joined.send(false, 888, 787, ACK | PSH, 10, 1000);
    assert_eq!(next.completeness, 0, "a first segment that is not a SYN counts for nothing");
    assert_eq!(joined.send(true, 787, 898, ACK, 0, 1000).completeness, 8);
}

/// A SYN from client port `port` to the server, analysed by `table`.
fn syn_from(table: &mut TcpTable, port: u16, frame: u64) -> Analysis {
    let mut bytes = header_bytes(true, CLIENT_ISN, 0, SYN, 1000, &[], 0);
    bytes[..2].copy_from_slice(&port.to_be_bytes());
    let (_, header) = tcp::parse(&bytes, 0).expect("valid test segment");
    let segment = Segment { frame, ts_ns: frame as i64, src: endpoint(port), dst: endpoint(SERVER) };
    table.handle(&segment, &header)
}

/// What the table's parts cost, added up from scratch.
fn cost_from_scratch(table: &TcpTable) -> usize {
    let states: usize = table.states.values().into_iter().map(|c| STATE_COST + c.unacked_cost()).sum();
    states
        + table.by_key.len() * KEY_COST
        + table.order.len() * std::mem::size_of::<u32>()
        + table.tombstones.len() * std::mem::size_of::<(Key, u32)>()
}

#[test]
fn what_the_table_holds_is_a_running_total() {
    let mut c = Conversation::new();
    assert_eq!(c.table.held(), 0);
    c.handshake();
    for index in 0..50 {
        c.send(true, CLIENT_ISN + 1 + index * 100, SERVER_ISN + 1, ACK | PSH, 100, 1000);
        assert_eq!(c.table.held(), cost_from_scratch(&c.table));
    }
    assert!(c.table.states[&0].unacked_cost() > 0, "50 segments wait for their ACK");
    c.send(false, SERVER_ISN + 1, CLIENT_ISN + 5001, ACK, 0, 1000);
    assert_eq!(c.table.states[&0].unacked_cost(), 0);
    assert_eq!(c.table.held(), cost_from_scratch(&c.table));
}

#[test]
fn shed_state_keeps_its_stream_number_until_the_tombstones_go_too() {
    let mut table = TcpTable::default();
    for port in 0..3 {
        assert_eq!(syn_from(&mut table, 50_000 + port, u64::from(port)).stream, u32::from(port));
    }
    let shed = table.shed().expect("a state to give up");
    assert!(shed.what.contains("tcp.stream 0"), "{}", shed.what);
    assert_eq!(table.len(), 2);
    assert_eq!(table.held(), cost_from_scratch(&table));
    // Seen again, the first conversation keeps its number.
    assert_eq!(syn_from(&mut table, 50_000, 10).stream, 0);
    // Shed all states, then the tombstones: the oldest conversation's number goes first.
    let mut numbers_given_up = Vec::new();
    while let Some(shed) = table.shed() {
        if shed.what.starts_with("the stream number") {
            numbers_given_up.push(shed.what);
        }
    }
    assert_eq!(numbers_given_up.len(), 3, "{numbers_given_up:?}");
    assert!(numbers_given_up[0].contains("tcp.stream 0"), "{numbers_given_up:?}");
    assert_eq!(table.held(), 0);
    assert_eq!(syn_from(&mut table, 50_001, 11).stream, 3, "a forgotten conversation is new");
}

#[test]
fn a_reused_conversation_lets_go_of_its_old_state() {
    let mut c = Conversation::new();
    c.handshake();
    c.send(true, CLIENT_ISN + 1, SERVER_ISN + 1, FIN | ACK, 0, 1000);
    c.send(true, CLIENT_ISN + 50_000, 0, SYN, 0, 1_000_000);
    assert_eq!(c.table.len(), 1);
    assert_eq!(c.table.held(), cost_from_scratch(&c.table));
}

/// A copy of the table (a checkpoint's) shares each conversation's state until one of them
/// changes it; then only the one that changed has the new state, and the other goes on from
/// the old one exactly.
#[test]
fn a_copy_shares_each_state_until_one_side_changes_it() {
    let mut c = Conversation::new();
    c.handshake();
    let sent = c.send(true, CLIENT_ISN + 1, SERVER_ISN + 1, ACK | PSH, 100, 1000);
    let copy = c.table.clone();
    assert!(copy.states[&0].is_same(&c.table.states[&0]), "shared, not copied");
    let ack = |c: &mut Conversation| c.send(false, SERVER_ISN + 1, CLIENT_ISN + 101, ACK, 0, 1000);
    let original = ack(&mut c);
    assert!(!copy.states[&0].is_same(&c.table.states[&0]), "the one that changed has its own");
    assert_eq!(original.acks.map(|(frame, _)| frame), Some(c.frame - 1), "it acknowledges the data");
    // The copy goes on from where it was: the same ACK, the same analysis.
    let mut again = Conversation { table: copy, frame: c.frame - 1, now_ns: c.now_ns - 1000 };
    assert_eq!(ack(&mut again), original);
    assert_eq!(sent.stream, 0);
}
