//! Lookups read from a capture: a DNS exchange, then connections to the address it gave and
//! to one it did not.

use super::*;
use crate::capture::CaptureFile;
use crate::testing::hostile::{Pcap, Side as Sender, TcpConnection};
use crate::testing::{IPV4, UDP, ethernet, ipv4, udp};
use crate::timeline::{Builder, Connection};
use crate::track::{Scratch, Tracker};

const CLIENT: [u8; 4] = [10, 0, 0, 1];
const RESOLVER: [u8; 4] = [10, 0, 0, 53];
const SERVER: [u8; 4] = [10, 0, 0, 2];

/// A query for `www.a.test` A (ID 0x1234), and with `response` its answer: `www.a.test`
/// CNAME `web.a.test`, `web.a.test` A 10.0.0.2.
fn dns(response: bool) -> Vec<u8> {
    let mut bytes = vec![
        0x12,
        0x34, // ID
        if response { 0x81 } else { 0x01 },
        if response { 0x80 } else { 0x00 }, // flags
        0,
        1, // QDCOUNT
        0,
        if response { 2 } else { 0 }, // ANCOUNT
        0,
        0,
        0,
        0, // NSCOUNT, ARCOUNT
    ];
    // Question at 12: www.a.test A IN.
    bytes.extend([3, b'w', b'w', b'w', 1, b'a', 4, b't', b'e', b's', b't', 0, 0, 1, 0, 1]);
    if response {
        // www.a.test CNAME web.a.test (web, then a pointer to a.test at 16); its data at 40.
        bytes.extend([0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6, 3, b'w', b'e', b'b', 0xc0, 16]);
        // web.a.test A 10.0.0.2.
        bytes.extend([0xc0, 40, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        bytes.extend(SERVER);
    }
    bytes
}

/// The capture: with `lookup`, the DNS exchange first (the answer 700 µs after the query);
/// then an HTTP connection to the address it gave, one to an address nobody looked up, and
/// a DNS query over TCP to the address looked up (a lookup itself).
pub(crate) fn capture(lookup: bool) -> CaptureFile {
    let mut pcap = Pcap::new(Vec::new()).unwrap();
    if lookup {
        pcap.step_us = 700;
        let query = udp(40_053, 53, &dns(false));
        pcap.frame(&ethernet(IPV4, &ipv4(UDP, CLIENT, RESOLVER, &query))).unwrap();
        pcap.step_us = 300;
        let response = udp(53, 40_053, &dns(true));
        pcap.frame(&ethernet(IPV4, &ipv4(UDP, RESOLVER, CLIENT, &response))).unwrap();
    }
    pcap.step_us = 10;
    for server in [SERVER, [10, 0, 0, 3]] {
        let mut connection = TcpConnection::new((CLIENT, 41_000), (server, 80));
        connection.handshake(&mut pcap).unwrap();
        connection.send(&mut pcap, Sender::Client, b"GET / HTTP/1.1\r\n\r\n").unwrap();
        connection.send(&mut pcap, Sender::Server, b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
    }
    let mut over_tcp = TcpConnection::new((CLIENT, 41_001), (SERVER, 53));
    over_tcp.handshake(&mut pcap).unwrap();
    let mut framed = vec![0, dns(false).len() as u8];
    framed.extend(dns(false));
    over_tcp.send(&mut pcap, Sender::Client, &framed).unwrap();
    CaptureFile::from_vec(pcap.into_inner(), "lookup").unwrap()
}

/// The TCP connections' timelines.
pub(crate) fn timelines(lookup: bool) -> Vec<Connection> {
    let capture = capture(lookup);
    let (mut builder, mut tracker, mut scratch) = (Builder::new(), Tracker::new(), Scratch::new());
    for frame in capture.frames() {
        let frame = frame.unwrap();
        let packet = tracker.handle_frame(&frame, &mut scratch);
        builder.handle_packet(&frame, &packet);
    }
    let all = builder.finish();
    all.into_iter().filter(|connection| connection.transport == super::super::Transport::Tcp).collect()
}

#[test]
fn a_connection_begins_with_the_lookup_that_gave_its_address() {
    let with = timelines(true);
    let without = timelines(false);
    assert_eq!(with.len(), 3);
    let connection = &with[0];
    let lookup = connection.lookup.as_ref().expect("the lookup of 10.0.0.2");
    assert_eq!(lookup.name, "www.a.test");
    assert_eq!(lookup.canonical.as_deref(), Some("web.a.test"));
    assert_eq!(lookup.address, "10.0.0.2");
    assert_eq!(lookup.resolver, "10.0.0.53:53");
    assert_eq!((lookup.query_frame, lookup.answer_frame), (1, 2));
    assert!((lookup.time_ms - 0.7).abs() < 1e-9, "dns.time: {}", lookup.time_ms);
    assert!((lookup.t_ms + 1.0).abs() < 1e-9, "the query left 1 ms before the SYN: {}", lookup.t_ms);
    let first: Vec<(Side, u32, String)> =
        connection.events.iter().take(3).map(|event| (event.dir, event.round, event.label())).collect();
    assert_eq!(
        first,
        [
            (Side::Client, 0, "lookup www.a.test: DNS query to 10.0.0.53:53".to_owned()),
            (Side::Server, 0, "lookup www.a.test: CNAME web.a.test, 10.0.0.2 in 0.700 ms".to_owned()),
            (Side::Client, 0, "SYN".to_owned()),
        ]
    );
    // The connection's own rounds and times are those it has without the lookup.
    let rounds = |connection: &Connection| {
        let skip = if connection.lookup.is_some() { 2 } else { 0 };
        let events = connection.events.iter().skip(skip);
        events.map(|event| (event.frame, event.round, event.label(), event.t_ms)).collect::<Vec<_>>()
    };
    let shifted: Vec<_> =
        rounds(&without[0]).into_iter().map(|(frame, r, l, t)| (frame + 2, r, l, t)).collect();
    assert_eq!(rounds(connection), shifted);
    assert_eq!(
        (connection.request_rtts, connection.response_rtts, connection.request_ms, connection.response_ms),
        (without[0].request_rtts, without[0].response_rtts, without[0].request_ms, without[0].response_ms)
    );
    let response_ms = connection.response_ms.expect("a response");
    assert_eq!(lookup.to_response_ms, Some(response_ms + 1.0));
}

#[test]
fn a_connection_to_an_address_nobody_looked_up_is_unchanged() {
    let with = timelines(true);
    let without = timelines(false);
    let json = |connection: &Connection| serde_json::to_string(connection).unwrap();
    assert!(with[1].lookup.is_none());
    // The DNS frames come before it, and their conversation takes an id: all else is the same.
    let mut unshifted = without[1].clone();
    unshifted.id = with[1].id;
    for event in &mut unshifted.events {
        event.frame += 2;
    }
    assert_eq!(json(&with[1]), json(&unshifted));
    assert!(!json(&without[0]).contains("lookup"), "no lookup key without a lookup");
    assert!(with[2].lookup.is_none(), "a DNS query over TCP is not itself looked up");
}
