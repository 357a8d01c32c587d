//! Every frame of every test capture parsed by etherparse too: the L2-L4 header values the two
//! parsers read must be the same.
//!
//! etherparse is an independent implementation, so this catches offset and bit-field mistakes
//! that a comparison with our own expectations would share. Only the outermost headers are
//! compared (etherparse does not follow ICMP quotes, IP-in-IP or reassemble fragments), and frames
//! etherparse rejects are counted; most frames must be compared for the test to pass.

use crate::common;

use etherparse::{LinkExtSlice, LinkSlice, NetSlice, SlicedPacket, TransportSlice};
use rttscope::capture::{CaptureFile, LinkType};
use rttscope::dissect::field::Source;
use rttscope::dissect::{Content, Packet};
use rttscope::track::Tracker;

/// One header value, named after the field it is.
type Fact = (&'static str, String);

fn facts_from_etherparse(sliced: &SlicedPacket<'_>) -> Vec<Fact> {
    let mut facts = Vec::new();
    if let Some(LinkSlice::Ethernet2(ethernet)) = &sliced.link {
        facts.push(("eth.src", format!("{:?}", ethernet.source())));
        facts.push(("eth.dst", format!("{:?}", ethernet.destination())));
        facts.push(("eth.type", ethernet.ether_type().0.to_string()));
    }
    for ext in &sliced.link_exts {
        if let LinkExtSlice::Vlan(vlan) = ext {
            facts.push(("vlan", vlan.vlan_identifier().value().to_string()));
        }
    }
    match &sliced.net {
        Some(NetSlice::Ipv4(ipv4)) => {
            let header = ipv4.header();
            facts.push(("ip.src", header.source_addr().to_string()));
            facts.push(("ip.dst", header.destination_addr().to_string()));
            facts.push(("ip.ttl", header.ttl().to_string()));
            facts.push(("ip.proto", header.protocol().0.to_string()));
            facts.push(("ip.id", header.identification().to_string()));
            facts.push(("ip.len", header.total_len().to_string()));
            facts.push(("ip.df", header.dont_fragment().to_string()));
            facts.push(("ip.mf", header.more_fragments().to_string()));
            facts.push(("ip.offset", header.fragments_offset().value().to_string()));
            facts.push(("ip.checksum", header.header_checksum().to_string()));
        }
        Some(NetSlice::Ipv6(ipv6)) => {
            let header = ipv6.header();
            facts.push(("ipv6.src", header.source_addr().to_string()));
            facts.push(("ipv6.dst", header.destination_addr().to_string()));
            facts.push(("ipv6.nxt", header.next_header().0.to_string()));
            facts.push(("ipv6.hlim", header.hop_limit().to_string()));
            facts.push(("ipv6.plen", header.payload_length().to_string()));
        }
        _ => {}
    }
    match &sliced.transport {
        Some(TransportSlice::Tcp(tcp)) => {
            facts.push(("tcp.srcport", tcp.source_port().to_string()));
            facts.push(("tcp.dstport", tcp.destination_port().to_string()));
            facts.push(("tcp.seq", tcp.sequence_number().to_string()));
            facts.push(("tcp.ack", tcp.acknowledgment_number().to_string()));
            let flags =
                [tcp.fin(), tcp.syn(), tcp.rst(), tcp.psh(), tcp.ack(), tcp.urg(), tcp.ece(), tcp.cwr()];
            facts.push(("tcp.flags", format!("{flags:?}")));
            facts.push(("tcp.window", tcp.window_size().to_string()));
            facts.push(("tcp.hdr_len", (usize::from(tcp.data_offset()) * 4).to_string()));
        }
        Some(TransportSlice::Udp(udp)) => {
            facts.push(("udp.srcport", udp.source_port().to_string()));
            facts.push(("udp.dstport", udp.destination_port().to_string()));
            facts.push(("udp.length", udp.length().to_string()));
        }
        Some(TransportSlice::Icmpv4(icmp)) => {
            facts.push(("icmp.type", icmp.type_u8().to_string()));
            facts.push(("icmp.code", icmp.code_u8().to_string()));
        }
        Some(TransportSlice::Icmpv6(icmp)) => {
            facts.push(("icmpv6.type", icmp.type_u8().to_string()));
            facts.push(("icmpv6.code", icmp.code_u8().to_string()));
        }
        _ => {}
    }
    facts
}

/// The same facts from rttscope's layers: outer ones only, from the frame's own bytes.
fn facts_from_rttscope(packet: &Packet<'_>, with_link: bool) -> Vec<Fact> {
    let mut facts = Vec::new();
    let layers = packet.layers.iter().filter(|layer| !layer.is_quoted() && layer.source == Source::Frame);
    let (mut network, mut transport) = (false, false);
    for layer in layers {
        match &layer.content {
            Content::Ethernet(ethernet) if with_link => {
                facts.push(("eth.src", format!("{:?}", ethernet.src())));
                facts.push(("eth.dst", format!("{:?}", ethernet.dst())));
                facts.push(("eth.type", ethernet.type_field().to_string()));
            }
            Content::Vlan(tag) if with_link => facts.push(("vlan", tag.id().to_string())),
            // An encapsulated datagram (IP-in-IP, IPv6 in IP): etherparse stops at the outer
            // one, and so does the comparison.
            Content::Ipv4(_) | Content::Ipv6(_) if network => break,
            // What a tunnel carries, likewise (etherparse reads no tunnel header).
            Content::Vxlan(_)
            | Content::Geneve(_)
            | Content::Gre(_)
            | Content::Erspan(_)
            | Content::Mpls(_) => {
                break;
            }
            Content::Ipv4(ip) => {
                network = true;
                facts.push(("ip.src", ip.src().to_string()));
                facts.push(("ip.dst", ip.dst().to_string()));
                facts.push(("ip.ttl", ip.ttl().to_string()));
                facts.push(("ip.proto", ip.protocol().to_string()));
                facts.push(("ip.id", ip.ident().to_string()));
                facts.push(("ip.len", ip.total_len().to_string()));
                facts.push(("ip.df", ip.dont_fragment().to_string()));
                facts.push(("ip.mf", ip.more_fragments().to_string()));
                facts.push(("ip.offset", (ip.fragment_offset() / 8).to_string()));
                facts.push(("ip.checksum", ip.checksum().to_string()));
            }
            Content::Ipv6(ip) => {
                network = true;
                facts.push(("ipv6.src", ip.src().to_string()));
                facts.push(("ipv6.dst", ip.dst().to_string()));
                facts.push(("ipv6.nxt", ip.next_header().to_string()));
                facts.push(("ipv6.hlim", ip.hop_limit().to_string()));
                facts.push(("ipv6.plen", ip.payload_len().to_string()));
            }
            Content::Tcp(tcp) if !transport => {
                transport = true;
                use rttscope::dissect::tcp::flag;
                let bits =
                    [flag::FIN, flag::SYN, flag::RST, flag::PSH, flag::ACK, flag::URG, flag::ECE, flag::CWR];
                let flags = bits.map(|bit| tcp.has(bit));
                facts.push(("tcp.srcport", tcp.src_port().to_string()));
                facts.push(("tcp.dstport", tcp.dst_port().to_string()));
                facts.push(("tcp.seq", tcp.seq().to_string()));
                facts.push(("tcp.ack", tcp.ack().to_string()));
                facts.push(("tcp.flags", format!("{flags:?}")));
                facts.push(("tcp.window", tcp.window().to_string()));
                facts.push(("tcp.hdr_len", tcp.header_len().to_string()));
            }
            Content::Udp(udp) if !transport => {
                transport = true;
                facts.push(("udp.srcport", udp.src_port().to_string()));
                facts.push(("udp.dstport", udp.dst_port().to_string()));
                facts.push(("udp.length", udp.length().to_string()));
            }
            Content::Icmp(icmp) if !transport => {
                transport = true;
                facts.push(("icmp.type", icmp.kind().to_string()));
                facts.push(("icmp.code", icmp.code().to_string()));
            }
            Content::Icmpv6(icmp) if !transport => {
                transport = true;
                facts.push(("icmpv6.type", icmp.kind().to_string()));
                facts.push(("icmpv6.code", icmp.code().to_string()));
            }
            _ => {}
        }
    }
    facts
}

/// Parses a frame with etherparse from where its link type says the known headers start.
fn etherparse(linktype: LinkType, data: &[u8]) -> Option<(SlicedPacket<'_>, bool)> {
    let parsed = match linktype {
        LinkType::Ethernet => SlicedPacket::from_ethernet(data).map(|p| (p, true)),
        LinkType::LinuxSll => SlicedPacket::from_linux_sll(data).map(|p| (p, false)),
        LinkType::LinuxSll2 => SlicedPacket::from_ip(data.get(20..)?).map(|p| (p, false)),
        LinkType::Null | LinkType::Loop => SlicedPacket::from_ip(data.get(4..)?).map(|p| (p, false)),
        LinkType::Raw | LinkType::Ipv4 | LinkType::Ipv6 => SlicedPacket::from_ip(data).map(|p| (p, false)),
        LinkType::Unknown(_) => return None,
    };
    parsed.ok()
}

#[test]
fn l2_to_l4_headers_agree_with_etherparse() {
    let captures = common::all_captures();
    assert!(!captures.is_empty(), "no test captures found");
    let (mut frames, mut compared, mut facts_compared) = (0, 0, 0);
    let mut differences = Vec::new();
    for path in &captures {
        let capture = CaptureFile::open(path).expect("test capture opens");
        let mut tracker = Tracker::new();
        for frame in capture.frames() {
            let frame = frame.expect("test capture is whole");
            frames += 1;
            let mut scratch = rttscope::track::Scratch::new();
            let packet = tracker.handle_frame(&frame, &mut scratch);
            let Some((sliced, with_link)) = etherparse(frame.linktype, frame.data) else { continue };
            compared += 1;
            let expected = facts_from_etherparse(&sliced);
            let actual = facts_from_rttscope(&packet, with_link);
            facts_compared += expected.len();
            if expected != actual {
                differences.push(format!(
                    "{} frame {}:\n  etherparse {expected:?}\n  rttscope   {actual:?}",
                    path.display(),
                    frame.number
                ));
            }
        }
    }
    println!("{frames} frames, {compared} parsed by etherparse too, {facts_compared} header values compared");
    assert!(differences.is_empty(), "{}", differences[..differences.len().min(10)].join("\n"));
    assert!(compared * 10 >= frames * 9, "etherparse parsed only {compared} of {frames} frames");
}
