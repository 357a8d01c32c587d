//! Whole frames through the layer chain, and through the tracker where they span frames.

use super::*;
use crate::dissect::field::Field;
use crate::testing::*;
use crate::track::Tracker;

fn protocols(packet: &Packet<'_>) -> Vec<Protocol> {
    packet.layers.iter().map(|layer| layer.protocol()).collect()
}

/// Every value of field `name` in the packet, as tshark would print them.
fn values(packet: &Packet<'_>, frame: &Frame<'_>, name: &str) -> Vec<String> {
    let mut found = Vec::new();
    packet.fields(frame, &mut |field: Field<'_>| {
        if field.name == name {
            found.push(field.value.to_string());
        }
    });
    found
}

#[test]
fn stacked_vlan_tags_lead_to_the_ip_payload() {
    let datagram = ipv4(UDP, [10, 0, 0, 1], [10, 0, 0, 2], &udp(1000, 2000, b"payload"));
    let data = ethernet(0x88a8, &vlan(100, VLAN, &vlan(200, IPV4, &datagram)));
    let frame = frame(1, 0, LinkType::Ethernet, &data);
    let packet = dissect(&frame);
    assert_eq!(
        protocols(&packet),
        [
            Protocol::Ethernet,
            Protocol::Ieee8021ad,
            Protocol::Vlan,
            Protocol::Ipv4,
            Protocol::Udp,
            Protocol::Data
        ]
    );
    assert_eq!(packet.protocols(), "eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:ip:udp:data");
    assert_eq!(values(&packet, &frame, "ieee8021ad.id"), ["100"]);
    assert_eq!(values(&packet, &frame, "vlan.id"), ["200"]);
    assert_eq!(values(&packet, &frame, "eth.type"), ["0x88a8"]);
    assert_eq!(packet.layers[3].offset, 22);
}

#[test]
fn an_icmp_error_quotes_the_datagram_it_answers() {
    let quoted = ipv4(UDP, [10, 0, 0, 2], [10, 0, 0, 1], &udp(33434, 33435, b""));
    let data = ethernet(IPV4, &ipv4(ICMP, [10, 0, 0, 1], [10, 0, 0, 2], &icmp(3, 3, [0; 4], &quoted)));
    let frame = frame(1, 0, LinkType::Ethernet, &data);
    let packet = dissect(&frame);
    assert_eq!(
        protocols(&packet),
        [Protocol::Ethernet, Protocol::Ipv4, Protocol::Icmp, Protocol::Ipv4, Protocol::Udp]
    );
    assert!(packet.layers[3].is_quoted() && packet.layers[4].is_quoted() && !packet.layers[2].is_quoted());
    assert_eq!(packet.layers[4].quoted_by, Some(Protocol::Icmp));
    assert_eq!(packet.top_layer().map(|layer| layer.protocol()), Some(Protocol::Icmp));
    assert_eq!(values(&packet, &frame, "ip.src"), ["10.0.0.1", "10.0.0.2"]);
    assert_eq!(values(&packet, &frame, "icmp.checksum.status"), ["1"]);
    assert!(packet.problems.is_empty(), "{:?}", packet.problems);
}

#[test]
fn a_short_frame_keeps_its_padding_on_the_ethernet_layer() {
    let mut data = ethernet(IPV4, &ipv4(UDP, [10, 0, 0, 1], [10, 0, 0, 2], &udp(1, 2, b"")));
    data.resize(60, 0);
    let frame = frame(1, 0, LinkType::Ethernet, &data);
    let packet = dissect(&frame);
    assert_eq!(values(&packet, &frame, "eth.padding"), ["00".repeat(18)]);
    assert_eq!(protocols(&packet), [Protocol::Ethernet, Protocol::Ipv4, Protocol::Udp]);
}

#[test]
fn a_truncated_layer_is_undecoded_and_the_outer_layers_stay() {
    let mut data = ethernet(IPV4, &ipv4(TCP, [10, 0, 0, 1], [10, 0, 0, 2], &tcp(1, 2, 3, 4, 0x010, b"")));
    data.truncate(14 + 20 + 12);
    let frame = frame(1, 0, LinkType::Ethernet, &data);
    let packet = dissect(&frame);
    assert_eq!(protocols(&packet), [Protocol::Ethernet, Protocol::Ipv4, Protocol::Tcp]);
    assert!(matches!(packet.layers[2].content, Content::Undecoded { .. }));
    assert_eq!(packet.problems.len(), 1);
    assert_eq!(packet.problems[0].to_string(), "TCP: truncated: 8 more bytes needed");
    assert_eq!(values(&packet, &frame, "ip.dst"), ["10.0.0.2"]);
}

#[test]
fn an_unknown_link_type_shows_raw_bytes_with_a_note() {
    let data = [1, 2, 3, 4];
    let frame = frame(1, 0, LinkType::Unknown(147), &data);
    let packet = dissect(&frame);
    assert_eq!(protocols(&packet), [Protocol::Data]);
    assert!(packet.problems[0].message.contains("link type 147"));
}

#[test]
fn raw_ip_frames_start_with_the_ip_header() {
    let data = ipv6(UDP, [0xfd; 16], [0xfe; 16], &udp(1, 2, b"x"));
    let frame = frame(1, 0, LinkType::Raw, &data);
    let packet = dissect(&frame);
    assert_eq!(packet.protocols(), "raw:ipv6:udp:data");
}

#[test]
fn fragments_are_reassembled_on_the_frame_that_completes_them() {
    let echo = icmp(8, 0, [0, 1, 0, 1], &[0x5a; 40]);
    let (first, second) = echo.split_at(24);
    let frames = [
        ethernet(IPV4, &ipv4_fragment(ICMP, [10, 0, 0, 1], [10, 0, 0, 2], 77, (0, true), first)),
        ethernet(IPV4, &ipv4_fragment(ICMP, [10, 0, 0, 1], [10, 0, 0, 2], 77, (24, false), second)),
    ];
    let mut tracker = Tracker::new();
    let first_frame = frame(1, 0, LinkType::Ethernet, &frames[0]);
    let mut slot = crate::track::Scratch::new();
    let packet = tracker.handle_frame(&first_frame, &mut slot);
    assert_eq!(packet.protocols(), "eth:ethertype:ip:data");
    assert!(packet.fragment.is_some());

    let last_frame = frame(2, 1000, LinkType::Ethernet, &frames[1]);
    let mut slot = crate::track::Scratch::new();
    let packet = tracker.handle_frame(&last_frame, &mut slot);
    assert_eq!(packet.protocols(), "eth:ethertype:ip:icmp:data");
    assert_eq!(packet.layers[2].source, Source::Reassembled);
    assert_eq!(values(&packet, &last_frame, "ip.fragment"), ["1", "2"]);
    assert_eq!(values(&packet, &last_frame, "ip.reassembled.length"), ["48"]);
    assert_eq!(values(&packet, &last_frame, "icmp.checksum.status"), ["1"]);
    assert_eq!(tracker.pending_fragments(), 0);
}

#[test]
fn ipv6_fragments_are_reassembled_too() {
    let echo = [128u8, 0, 0, 0, 0, 1, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8];
    let fragment_header = |offset: u16, more: bool, data: &[u8]| {
        let mut header = vec![ICMPV6, 0];
        header.extend_from_slice(&((offset << 3) | u16::from(more)).to_be_bytes());
        header.extend_from_slice(&0xabcdu32.to_be_bytes());
        header.extend_from_slice(data);
        header
    };
    let (src, dst) = ([0xfd; 16], [0xfe; 16]);
    let frames = [
        ethernet(IPV6, &ipv6(44, src, dst, &fragment_header(0, true, &echo[..8]))),
        ethernet(IPV6, &ipv6(44, src, dst, &fragment_header(1, false, &echo[8..]))),
    ];
    let mut tracker = Tracker::new();
    let mut slot = crate::track::Scratch::new();
    tracker.handle_frame(&frame(1, 0, LinkType::Ethernet, &frames[0]), &mut slot);
    let last = frame(2, 0, LinkType::Ethernet, &frames[1]);
    let mut slot = crate::track::Scratch::new();
    let packet = tracker.handle_frame(&last, &mut slot);
    assert_eq!(packet.protocols(), "eth:ethertype:ipv6:ipv6.fraghdr:icmpv6:data");
    assert_eq!(values(&packet, &last, "ipv6.reassembled.length"), ["16"]);
    assert_eq!(values(&packet, &last, "icmpv6.echo.sequence_number"), ["1"]);
}

#[test]
fn errors_quoting_errors_are_followed_one_level_only() {
    // An ICMP error quoting an ICMP error quoting ... 2000 levels deep, in one frame.
    let mut datagram = ipv4(UDP, [10, 0, 0, 2], [10, 0, 0, 1], &udp(1, 2, b""));
    for _ in 0..2000 {
        datagram = ipv4(ICMP, [10, 0, 0, 1], [10, 0, 0, 2], &icmp(11, 0, [0; 4], &datagram));
    }
    let data = ethernet(IPV4, &datagram);
    let frame = frame(1, 0, LinkType::Ethernet, &data);
    let packet = dissect(&frame);
    assert_eq!(
        protocols(&packet),
        [Protocol::Ethernet, Protocol::Ipv4, Protocol::Icmp, Protocol::Ipv4, Protocol::Icmp, Protocol::Data]
    );
}

#[test]
fn ip_in_ip_and_ipv6_in_ip_lead_to_the_inner_transport() {
    const IPIP: u8 = 4;
    const IPV6_IN_IP: u8 = 41;
    let (tunnel_a, tunnel_b) = ([192, 0, 2, 1], [198, 51, 100, 1]);
    let inner = ipv4(UDP, [10, 0, 0, 1], [10, 0, 0, 2], &udp(1000, 2000, b"payload"));
    let data = ethernet(IPV4, &ipv4(IPIP, tunnel_a, tunnel_b, &inner));
    let frame_ipip = frame(1, 0, LinkType::Ethernet, &data);
    let packet = dissect(&frame_ipip);
    assert_eq!(packet.protocols(), "eth:ethertype:ip:ip:udp:data");
    // As tshark lists them: the outer header's value first, then the inner one's.
    assert_eq!(values(&packet, &frame_ipip, "ip.src"), ["192.0.2.1", "10.0.0.1"]);
    assert_eq!(values(&packet, &frame_ipip, "ip.proto"), ["4", "17"]);

    let inner = ipv6(UDP, [0xfd; 16], [0xfe; 16], &udp(1000, 2000, b"payload"));
    let data = ethernet(IPV4, &ipv4(IPV6_IN_IP, tunnel_a, tunnel_b, &inner));
    assert_eq!(
        dissect(&frame(2, 0, LinkType::Ethernet, &data)).protocols(),
        "eth:ethertype:ip:ipv6:udp:data"
    );
    let inner = ipv4(UDP, [10, 0, 0, 1], [10, 0, 0, 2], &udp(1000, 2000, b"payload"));
    let data = ethernet(IPV6, &ipv6(IPIP, [0x20; 16], [0x21; 16], &inner));
    assert_eq!(
        dissect(&frame(3, 0, LinkType::Ethernet, &data)).protocols(),
        "eth:ethertype:ipv6:ip:udp:data"
    );
}

#[test]
fn ip_headers_nested_past_the_limit_are_shown_as_data() {
    // 100 IP-in-IP headers around a UDP datagram, in one frame.
    let mut datagram = ipv4(UDP, [10, 0, 0, 1], [10, 0, 0, 2], &udp(1, 2, b""));
    for _ in 0..100 {
        datagram = ipv4(4, [192, 0, 2, 1], [198, 51, 100, 1], &datagram);
    }
    let data = ethernet(IPV4, &datagram);
    let packet = dissect(&frame(1, 0, LinkType::Ethernet, &data));
    // Ethernet, the outer IP header, one per encapsulation allowed, then the rest as data.
    assert_eq!(packet.layers.len(), 1 + 1 + MAX_TUNNEL_DEPTH + 1);
    assert!(matches!(packet.layers.last().map(|layer| &layer.content), Some(Content::Data(_))));
    assert_eq!(packet.problems.len(), 1);
    assert!(packet.problems[0].message.contains("nested more than 8 deep"), "{:?}", packet.problems);
}

#[test]
fn a_tcp_connection_inside_ip_in_ip_is_tracked_by_its_inner_addresses() {
    let (client, server) = ([10, 0, 0, 1], [10, 0, 0, 2]);
    let tunnel = |src, dst, segment: &[u8]| {
        let inner = ipv4(TCP, src, dst, segment);
        ethernet(IPV4, &ipv4(4, [192, 0, 2, 1], [198, 51, 100, 1], &inner))
    };
    const SYN: u16 = 0x002;
    const ACK: u16 = 0x010;
    let frames = [
        tunnel(client, server, &tcp(50000, 443, 100, 0, SYN, b"")),
        tunnel(server, client, &tcp(443, 50000, 900, 101, SYN | ACK, b"")),
    ];
    let mut tracker = Tracker::new();
    let mut slot = crate::track::Scratch::new();
    tracker.handle_frame(&frame(1, 0, LinkType::Ethernet, &frames[0]), &mut slot);
    let syn_ack = frame(2, 1_000_000, LinkType::Ethernet, &frames[1]);
    let mut slot = crate::track::Scratch::new();
    let packet = tracker.handle_frame(&syn_ack, &mut slot);
    assert_eq!(packet.protocols(), "eth:ethertype:ip:ip:tcp");
    assert_eq!(values(&packet, &syn_ack, "tcp.stream"), ["0"]);
    assert_eq!(values(&packet, &syn_ack, "tcp.analysis.acks_frame"), ["1"]);
    assert_eq!(values(&packet, &syn_ack, "tcp.ack"), ["1"]);
}
