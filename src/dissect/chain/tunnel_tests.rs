//! Frames inside tunnels through the layer chain: VXLAN, Geneve, GRE (with transparent
//! Ethernet bridging and ERSPAN) and MPLS, their repeated fields listed outer first as tshark
//! lists them, and the one depth limit over any mix of them.

use super::*;
use crate::dissect::field::Field;
use crate::testing::*;

const GRE: u8 = 47;
const TEB: u16 = 0x6558;
const MPLS: u16 = 0x8847;

fn values(packet: &Packet<'_>, frame: &Frame<'_>, name: &str) -> Vec<String> {
    let mut found = Vec::new();
    packet.fields(frame, &mut |field: Field<'_>| {
        if field.name == name {
            found.push(field.value.to_string());
        }
    });
    found
}

/// A VXLAN header of `vni` (flags: I) around an Ethernet frame.
fn vxlan(vni: u32, frame: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0x08, 0, 0, 0];
    bytes.extend(&(vni << 8).to_be_bytes());
    bytes.extend(frame);
    bytes
}

/// A GRE header with only a protocol type.
fn gre(protocol: u16, payload: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0];
    bytes.extend(protocol.to_be_bytes());
    bytes.extend(payload);
    bytes
}

fn inner_udp() -> Vec<u8> {
    ipv4(UDP, [10, 0, 0, 1], [10, 0, 0, 2], &udp(1000, 2000, b"payload"))
}

#[test]
fn vxlan_carries_an_ethernet_frame_and_both_layers_are_listed() {
    let inner = ethernet(IPV4, &inner_udp());
    let outer = ipv4(UDP, [192, 0, 2, 1], [198, 51, 100, 1], &udp(50000, 4789, &vxlan(4242, &inner)));
    let data = ethernet(IPV4, &outer);
    let frame = frame(1, 0, LinkType::Ethernet, &data);
    let packet = dissect(&frame);
    assert_eq!(packet.protocols(), "eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:udp:data");
    assert_eq!(values(&packet, &frame, "vxlan.vni"), ["4242"]);
    assert_eq!(values(&packet, &frame, "ip.src"), ["192.0.2.1", "10.0.0.1"]);
    assert_eq!(values(&packet, &frame, "udp.dstport"), ["4789", "2000"]);
    assert_eq!(values(&packet, &frame, "eth.type"), ["0x0800", "0x0800"]);
    assert!(packet.problems.is_empty(), "{:?}", packet.problems);
}

#[test]
fn a_truncated_vxlan_header_keeps_the_outer_layers() {
    let outer = ipv4(UDP, [192, 0, 2, 1], [198, 51, 100, 1], &udp(50000, 4789, &[0x08, 0, 0]));
    let data = ethernet(IPV4, &outer);
    let packet = dissect(&frame(1, 0, LinkType::Ethernet, &data));
    assert_eq!(packet.protocols(), "eth:ethertype:ip:udp:vxlan");
    assert!(matches!(packet.layers.last().map(|l| &l.content), Some(Content::Undecoded { .. })));
    assert!(packet.problems[0].message.contains("truncated"), "{:?}", packet.problems);
}

#[test]
fn gre_bridges_an_ethernet_frame_with_its_vlan_tag() {
    let inner = ethernet(VLAN, &vlan(100, IPV4, &inner_udp()));
    let data = ethernet(IPV4, &ipv4(GRE, [192, 0, 2, 1], [198, 51, 100, 1], &gre(TEB, &inner)));
    let frame = frame(1, 0, LinkType::Ethernet, &data);
    let packet = dissect(&frame);
    assert_eq!(packet.protocols(), "eth:ethertype:ip:gre:eth:ethertype:vlan:ethertype:ip:udp:data");
    assert_eq!(values(&packet, &frame, "gre.proto"), ["0x6558"]);
    assert_eq!(values(&packet, &frame, "vlan.id"), ["100"]);
}

#[test]
fn erspan_is_read_only_after_gre() {
    let mirrored = ethernet(IPV4, &inner_udp());
    // GRE without a sequence number: type I, the mirrored frame straight after it.
    let data = ethernet(IPV4, &ipv4(GRE, [192, 0, 2, 1], [198, 51, 100, 1], &gre(0x88be, &mirrored)));
    let packet = dissect(&frame(1, 0, LinkType::Ethernet, &data));
    assert_eq!(packet.protocols(), "eth:ethertype:ip:gre:erspan:eth:ethertype:ip:udp:data");
    // The same EtherType straight on Ethernet is not ERSPAN.
    let data = ethernet(0x88be, &mirrored);
    let packet = dissect(&frame(2, 0, LinkType::Ethernet, &data));
    assert_eq!(packet.protocols(), "eth:ethertype:data");
}

#[test]
fn an_mpls_stack_leads_to_ip_and_the_frame_keeps_its_padding() {
    // label 16, S 1, TTL 64
    let mut labelled = vec![0x00, 0x01, 0x01, 0x40];
    labelled.extend(ipv4(UDP, [10, 0, 0, 1], [10, 0, 0, 2], &udp(1, 2, b"")));
    let mut data = ethernet(MPLS, &labelled);
    data.resize(60, 0);
    let frame = frame(1, 0, LinkType::Ethernet, &data);
    let packet = dissect(&frame);
    assert_eq!(packet.protocols(), "eth:ethertype:mpls:ip:udp");
    assert_eq!(values(&packet, &frame, "mpls.label"), ["16"]);
    assert_eq!(values(&packet, &frame, "eth.padding"), ["00".repeat(14)]);
}

#[test]
fn tunnels_of_every_kind_nested_past_the_limit_are_shown_as_data() {
    // Round after round of IP in GRE, an Ethernet frame in VXLAN, IP under MPLS, in one frame.
    let mut datagram = inner_udp();
    for _ in 0..30 {
        let labelled = [&[0x00, 0x01, 0x01, 0x40][..], &datagram].concat();
        let in_vxlan = udp(50000, 4789, &vxlan(1, &ethernet(MPLS, &labelled)));
        let in_gre = gre(IPV4, &ipv4(UDP, [192, 0, 2, 1], [198, 51, 100, 1], &in_vxlan));
        datagram = ipv4(GRE, [192, 0, 2, 1], [198, 51, 100, 1], &in_gre);
    }
    let data = ethernet(IPV4, &datagram);
    let packet = dissect(&frame(1, 0, LinkType::Ethernet, &data));
    // Eight encapsulations are entered; the ninth tunnel header is read, what it carries is not.
    let headers = packet
        .layers
        .iter()
        .filter(|layer| matches!(layer.content, Content::Gre(_) | Content::Vxlan(_) | Content::Mpls(_)))
        .count();
    assert_eq!(headers, MAX_TUNNEL_DEPTH + 1, "{}", packet.protocols());
    assert!(matches!(packet.layers.last().map(|layer| &layer.content), Some(Content::Data(_))));
    assert_eq!(packet.problems.len(), 1, "{:?}", packet.problems);
    assert!(packet.problems[0].message.contains("nested more than 8 deep"), "{:?}", packet.problems);
}
