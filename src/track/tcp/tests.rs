//! The TCP analysis driven by hand-built segments on a fake clock.

use std::net::IpAddr;

use super::*;
use crate::dissect::tcp::flag::{ACK, FIN, PSH, SYN};

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
