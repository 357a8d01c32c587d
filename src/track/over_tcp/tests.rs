//! The application side over TCP: gaps, endings, ports handed to a protocol.

use super::*;
use crate::testing::tls_record as record;

pub(super) fn segment(dir: usize, seq: u32, ack: Option<u32>, frame: u64, payload: &[u8]) -> Segment<'_> {
    Segment {
        stream: 0,
        dir,
        seq,
        syn: false,
        ack,
        frame,
        ts_ns: 0,
        ports: (50000, 443),
        fin: false,
        rst: false,
        payload,
    }
}

#[test]
fn a_segment_the_capture_missed_is_noted_and_the_records_after_it_are_read() {
    let keylog = KeyLog::new();
    let mut connections = Applications::default();
    let mut arenas = Arenas::default();
    let alert = record(record::content_type::ALERT, &[1, 0]);
    // The client's stream: a record, then one the capture missed, then one more.
    let first = record(record::content_type::HANDSHAKE, &[14, 0, 0, 0]);
    let produced = connections.segment(&segment(0, 1, None, 1, &first), &keylog, &mut arenas).expect("TLS");
    assert_eq!(produced.tls.records.len(), 1);
    let missed = 1 + first.len() as u32;
    let after = missed + alert.len() as u32;
    let held = connections.segment(&segment(0, after, None, 3, &alert), &keylog, &mut arenas).expect("TLS");
    assert!(held.tls.records.is_empty(), "held until the gap is known to be lost");
    // The server acknowledges everything: the gap was sent, but not captured.
    let end = after + alert.len() as u32;
    let produced = connections.segment(&segment(1, 1, Some(end), 4, &[]), &keylog, &mut arenas).expect("TLS");
    assert_eq!(produced.tls.problems.len(), 1, "{:?}", produced.tls.problems);
    assert!(produced.tls.problems[0].contains("7 bytes of the stream were not captured"));
    assert_eq!(produced.tls.records.len(), 1, "the record after the gap is read");
}

#[test]
fn a_connection_that_ended_lets_go_of_what_it_held() {
    let keylog = KeyLog::new();
    let mut connections = Applications::default();
    let mut arenas = Arenas::default();
    let first = record(record::content_type::HANDSHAKE, &[14, 0, 0, 0]);
    connections.segment(&segment(0, 1, None, 1, &first), &keylog, &mut arenas);
    // Out-of-order data held, then a reset.
    connections.segment(&segment(0, 5000, None, 2, &[1; 1000]), &keylog, &mut arenas);
    let held = |connections: &Applications| match &connections.by_stream[0] {
        Slot::Open(c) => c.streams.iter().map(Reassembler::held_bytes).sum(),
        _ => 0,
    };
    assert_eq!(held(&connections), 1000);
    let reset = Segment { rst: true, ..segment(1, 1, None, 3, &[]) };
    connections.segment(&reset, &keylog, &mut arenas);
    assert_eq!(held(&connections), 0);
    assert!(connections.tls(0).is_none());
    // What still comes is passed through untouched.
    assert!(connections.segment(&segment(0, 6000, None, 4, &first), &keylog, &mut arenas).is_none());
}

#[test]
fn a_port_decoded_as_tls_or_http2_reads_it() {
    let keylog = KeyLog::new();
    let dispatch = Dispatch::parse(&["tcp.port==9000,tls"]).expect("a valid entry");
    let mut connections = Applications::new(dispatch);
    let mut arenas = Arenas::default();
    let hello = record(record::content_type::HANDSHAKE, &[1, 0, 0, 0]);
    let tls = Segment { ports: (50000, 9000), ..segment(0, 1, None, 1, &hello) };
    let produced = connections.segment(&tls, &keylog, &mut arenas).expect("TLS");
    assert_eq!(produced.tls.records.len(), 1);
    // What is not TLS goes through the heuristics, as tshark's TLS refuses it.
    let plain =
        Segment { stream: 1, ports: (50001, 9000), ..segment(0, 1, None, 2, b"GET / HTTP/1.1\r\n\r\n") };
    let produced = connections.segment(&plain, &keylog, &mut arenas).expect("HTTP");
    assert!(produced.tls.records.is_empty() && produced.consumed);
    // HTTP/2 from the first byte, preface or not: here a SETTINGS frame's header.
    let dispatch = Dispatch::parse(&["tcp.port==9000,http2"]).expect("a valid entry");
    let mut connections = Applications::new(dispatch);
    let frame = Segment { ports: (50000, 9000), ..segment(0, 1, None, 1, &[0, 0, 0, 4, 0, 0, 0, 0, 0]) };
    let produced = connections.segment(&frame, &keylog, &mut arenas).expect("HTTP/2");
    assert!(produced.consumed);
    assert!(Applications::default().segment(&frame, &keylog, &mut arenas).is_none(), "not without the entry");
}

#[test]
fn a_stream_that_is_not_tls_or_http_is_never_held() {
    let keylog = KeyLog::new();
    let mut connections = Applications::default();
    let mut arenas = Arenas::default();
    let mut ports = segment(0, 1, None, 1, b"\x00\x01binary protocol");
    ports.ports = (50000, 9000);
    for frame in 0..DETECTION_SEGMENTS as u64 + 2 {
        let produced = connections.segment(&Segment { frame, ..ports }, &keylog, &mut arenas);
        assert!(produced.is_none(), "nothing to read in a stream of unknown bytes");
    }
    // Out-of-order data of an undecided or other stream is not copied anywhere.
    let ahead = connections.segment(&segment(0, 5000, None, 20, &[7; 100]), &keylog, &mut arenas);
    assert!(ahead.is_none() && arenas.stream.is_empty());
}

#[test]
fn tls_after_a_socks5_reply_is_read_as_if_it_started_the_connection() {
    let keylog = KeyLog::new();
    let mut connections = Applications::default();
    let mut arenas = Arenas::default();
    let on_1080 = |dir: usize, seq: u32, frame: u64, payload: &'static [u8]| Segment {
        ports: if dir == 0 { (50000, 1080) } else { (1080, 50000) },
        ..segment(dir, seq, None, frame, payload)
    };
    let greeting: &[u8] = &[5, 1, 0]; // one method: none
    let choice: &[u8] = &[5, 0];
    let request: &[u8] = &[5, 1, 0, 1, 10, 0, 0, 2, 1, 187]; // CONNECT 10.0.0.2:443
    let reply: &[u8] = &[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]; // succeeded
    let mut kinds = Vec::new();
    for (dir, seq, frame, bytes) in
        [(0, 1, 1, greeting), (1, 1, 2, choice), (0, 4, 3, request), (1, 3, 4, reply)]
    {
        let produced =
            connections.segment(&on_1080(dir, seq, frame, bytes), &keylog, &mut arenas).expect("SOCKS");
        assert!(produced.consumed && produced.tunnel.is_none());
        kinds.extend(produced.socks.iter().map(|completed| completed.kind));
    }
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    assert_eq!(connections.take_stream_numbers(), 0, "taken with the first relayed byte");
    // The ClientHello's record, right after the reply: TLS, with the tunnel's mark.
    let hello = Box::leak(record(record::content_type::HANDSHAKE, &[1, 0, 0, 0]).into_boxed_slice());
    let produced = connections.segment(&on_1080(0, 14, 5, hello), &keylog, &mut arenas).expect("TLS");
    assert_eq!(produced.tls.records.len(), 1);
    assert!(matches!(produced.tunnel, Some(proxy::Mark::Socks(tunnel)) if tunnel.port == 443));
    assert_eq!(connections.take_stream_numbers(), 1, "Wireshark's SOCKS takes one stream number");
}

#[test]
fn nothing_after_a_refused_socks4_request_is_read() {
    let keylog = KeyLog::new();
    let mut connections = Applications::default();
    let mut arenas = Arenas::default();
    let request: &[u8] = &[4, 1, 1, 187, 10, 0, 0, 2, 0];
    let refused: &[u8] = &[0, 91, 0, 0, 0, 0, 0, 0];
    let first = Segment { ports: (50000, 1080), ..segment(0, 1, None, 1, request) };
    assert_eq!(connections.segment(&first, &keylog, &mut arenas).expect("SOCKS").socks.len(), 1);
    let answer = Segment { ports: (1080, 50000), ..segment(1, 1, None, 2, refused) };
    assert_eq!(connections.segment(&answer, &keylog, &mut arenas).expect("SOCKS").socks.len(), 1);
    // A TLS record after the refusal is not guessed at.
    let hello = record(record::content_type::HANDSHAKE, &[1, 0, 0, 0]);
    let after = Segment { ports: (50000, 1080), ..segment(0, 10, None, 3, &hello) };
    assert!(connections.segment(&after, &keylog, &mut arenas).is_none());
}

#[test]
fn on_a_tls_port_a_stream_picked_up_mid_record_is_continuation_data_until_a_record_starts() {
    let keylog = KeyLog::new();
    let mut arenas = Arenas::default();
    // The tail of a record begun before the capture, then a segment that starts a record.
    let tail = [0x9c, 0x41, 0x07, 0xee, 0x10, 0x00, 0x42];
    let next = record(record::content_type::APPLICATION_DATA, b"after");
    let mut connections = Applications::default();
    let produced =
        connections.segment(&segment(1, 1, None, 1, &tail), &keylog, &mut arenas).expect("TLS port");
    assert!(produced.consumed && produced.tls.continuation && produced.tls.records.is_empty());
    let at = 1 + tail.len() as u32;
    let produced = connections.segment(&segment(1, at, None, 2, &next), &keylog, &mut arenas).expect("TLS");
    assert!(!produced.tls.continuation);
    assert_eq!(produced.tls.records.len(), 1, "read from the first record boundary");
    // Elsewhere the same bytes match no heuristic and are left as they are.
    let mut elsewhere = Applications::default();
    let other_port = Segment { ports: (50000, 4433), ..segment(1, 1, None, 1, &tail) };
    assert!(elsewhere.segment(&other_port, &keylog, &mut arenas).is_none());
    // Text on the TLS port is not TLS: it stays data, as tshark leaves it.
    let mut text = Applications::default();
    let binary = b"\x01\x02 not a record";
    let produced = text.segment(&segment(1, 1, None, 1, binary), &keylog, &mut arenas).expect("TLS port");
    assert!(produced.tls.continuation);
    let at = 1 + binary.len() as u32;
    let produced =
        text.segment(&segment(1, at, None, 2, b"plain text"), &keylog, &mut arenas).expect("TLS port");
    assert!(!produced.consumed && !produced.tls.continuation, "{produced:?}");
}
