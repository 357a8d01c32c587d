//! The Community ID flow hash, version 1: the same string Zeek, Suricata and Arkime write for a
//! flow, so rows rttscope exports can be joined with their logs.
//!
//! ```text
//! sha1( seed(2, big-endian) · source address · destination address · protocol(1) · 0(1)
//!       · source port(2) · destination port(2) )      ports only for TCP, UDP, SCTP, ICMP(v6)
//! "1:" + base64(digest)
//! ```
//! Both directions of a flow hash alike: the endpoints are put in order, the smaller address
//! (then port) first. ICMP has no ports: its type stands for the source port and, for a
//! message with an answer (echo and its reply, a solicitation and its advertisement), the
//! answer's type for the destination port, so a request and its reply share one ID; a message
//! with no answer uses its code and is hashed one way, as sent.

use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::dissect::{Content, Packet};

const TCP: u8 = 6;
const UDP: u8 = 17;
const ICMP: u8 = 1;
const ICMPV6: u8 = 58;
const SCTP: u8 = 132;

/// A flow as Community ID sees it: two addresses, the IP protocol and, where the protocol has
/// them, two ports (or ICMP's stand-ins).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Flow {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub protocol: u8,
    pub ports: Option<(u16, u16)>,
}

impl Flow {
    /// The flow of a packet's innermost IP header (outside any quoted datagram) and the
    /// transport header that follows it.
    pub fn of(packet: &Packet<'_>) -> Option<Self> {
        let layers = &packet.layers;
        let ip = layers.iter().rposition(|layer| {
            !layer.is_quoted() && matches!(layer.content, Content::Ipv4(_) | Content::Ipv6(_))
        })?;
        let (src, dst, mut protocol) = match &layers[ip].content {
            Content::Ipv4(header) => (IpAddr::V4(header.src()), IpAddr::V4(header.dst()), header.protocol()),
            Content::Ipv6(header) => {
                (IpAddr::V6(header.src()), IpAddr::V6(header.dst()), header.next_header())
            }
            _ => return None,
        };
        let mut ports = None;
        if let Some(transport) = layers.get(ip + 1) {
            match &transport.content {
                Content::Tcp(tcp) => (protocol, ports) = (TCP, Some((tcp.src_port(), tcp.dst_port()))),
                Content::Udp(udp) => (protocol, ports) = (UDP, Some((udp.src_port(), udp.dst_port()))),
                Content::Icmp(icmp) => {
                    (protocol, ports) = (ICMP, Some((icmp.kind().into(), icmp.code().into())))
                }
                Content::Icmpv6(icmp) => {
                    (protocol, ports) = (ICMPV6, Some((icmp.kind().into(), icmp.code().into())));
                }
                _ => {}
            }
        }
        Some(Self { src, dst, protocol, ports })
    }

    /// The flow's Community ID with the default seed, 0.
    pub fn community_id(&self) -> String {
        self.community_id_seeded(0)
    }

    pub fn community_id_seeded(&self, seed: u16) -> String {
        let (mut src, mut dst) = (self.src, self.dst);
        let (mut src_port, mut dst_port, one_way) = match (self.protocol, self.ports) {
            (ICMP | ICMPV6, Some((kind, code))) => match answer(self.protocol, kind) {
                Some(answer) => (kind, answer, false),
                None => (kind, code, true),
            },
            (_, Some((src_port, dst_port))) => (src_port, dst_port, false),
            (_, None) => (0, 0, false),
        };
        // Addresses of different families never meet in one flow; compare bytes as the
        // reference implementations do.
        let ordered = match octets(src).cmp(&octets(dst)) {
            std::cmp::Ordering::Less => true,
            std::cmp::Ordering::Equal => src_port <= dst_port,
            std::cmp::Ordering::Greater => false,
        };
        if !one_way && !ordered {
            std::mem::swap(&mut src, &mut dst);
            std::mem::swap(&mut src_port, &mut dst_port);
        }
        let mut input = Vec::with_capacity(2 + 16 + 16 + 2 + 4);
        input.extend_from_slice(&seed.to_be_bytes());
        input.extend_from_slice(&octets(src));
        input.extend_from_slice(&octets(dst));
        input.extend_from_slice(&[self.protocol, 0]);
        if self.ports.is_some() && matches!(self.protocol, TCP | UDP | SCTP | ICMP | ICMPV6) {
            input.extend_from_slice(&src_port.to_be_bytes());
            input.extend_from_slice(&dst_port.to_be_bytes());
        }
        let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &input);
        format!("1:{}", STANDARD.encode(digest.as_ref()))
    }
}

fn octets(address: IpAddr) -> Vec<u8> {
    match address {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

/// The type of the message that answers an ICMP message of type `kind`, for the types that
/// have one (RFC 792, 950, 1256; RFC 4443, 4861, 2710, 4620, 6275).
fn answer(protocol: u8, kind: u16) -> Option<u16> {
    let pairs: &[(u16, u16)] = match protocol {
        ICMP => &[(8, 0), (13, 14), (15, 16), (10, 9), (17, 18)],
        _ => &[(128, 129), (133, 134), (135, 136), (130, 131), (139, 140), (144, 145)],
    };
    pairs.iter().find_map(|&(a, b)| match kind {
        _ if kind == a => Some(b),
        _ if kind == b => Some(a),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    fn v4(a: [u8; 4]) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(a))
    }

    #[test]
    fn both_directions_of_a_flow_hash_alike() {
        let there =
            Flow { src: v4([10, 0, 0, 2]), dst: v4([10, 0, 0, 1]), protocol: TCP, ports: Some((51234, 443)) };
        let back = Flow { src: there.dst, dst: there.src, protocol: TCP, ports: Some((443, 51234)) };
        assert_eq!(there.community_id(), back.community_id());
        assert!(there.community_id().starts_with("1:"));
        assert_eq!(there.community_id().len(), 2 + 28, "base64 of a 20-byte SHA-1");
        assert_ne!(there.community_id(), there.community_id_seeded(1));
        let other_port = Flow { ports: Some((51235, 443)), ..there };
        assert_ne!(there.community_id(), other_port.community_id());
    }

    #[test]
    fn a_flow_hashes_as_the_reference_implementation_hashes_it() {
        // Computed with the `communityid` package (the specification's Python implementation):
        // `CommunityID().calc(FlowTuple.make_tcp("10.0.0.2", "10.0.0.1", 51234, 443))`.
        let flow =
            Flow { src: v4([10, 0, 0, 2]), dst: v4([10, 0, 0, 1]), protocol: TCP, ports: Some((51234, 443)) };
        assert_eq!(flow.community_id(), "1:ee6oL5+dTPKMmgXQDCHFO1paWC4=");
        // And, the same way, `make_icmp`, `make_icmp6`, `make_udp` and `FlowTuple(47, ..)`.
        let (a, b) = (v4([192, 168, 0, 1]), v4([192, 168, 0, 2]));
        let icmp = |src, dst, kind, code| Flow { src, dst, protocol: ICMP, ports: Some((kind, code)) };
        assert_eq!(icmp(a, b, 8, 0).community_id(), "1:fVyMFC5i8lT03k6ii5FxBWyCFYQ=");
        assert_eq!(icmp(b, a, 0, 0).community_id(), "1:fVyMFC5i8lT03k6ii5FxBWyCFYQ=");
        assert_eq!(icmp(b, a, 3, 1).community_id(), "1:bNfFNuWTXo30fOmRNU6h26nNNaU=");
        assert_eq!(icmp(a, b, 3, 1).community_id(), "1:siu8tOTQkocnykCnXRiQNKXFMow=");
        let link_local = |last: u16| IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, last));
        let solicit =
            Flow { src: link_local(1), dst: link_local(2), protocol: ICMPV6, ports: Some((135, 0)) };
        assert_eq!(solicit.community_id(), "1:7IIPGNVAHI2udmsuJVpA3RMOAqc=");
        let gre = Flow { src: v4([1, 1, 1, 1]), dst: v4([2, 2, 2, 2]), protocol: 47, ports: None };
        assert_eq!(gre.community_id(), "1:Z/19O7bkIOPCMQpQwH4v5KTGHZ8=");
        let local = IpAddr::V6(Ipv6Addr::LOCALHOST);
        let dns = Flow { src: local, dst: local, protocol: UDP, ports: Some((5353, 53)) };
        assert_eq!(dns.community_id(), "1:WZ30zOwJJSUFy1VkfKdgMFatXTM=");
    }

    #[test]
    fn the_hashed_bytes_are_the_specifications() {
        // Spelled out: seed 0, 1.2.3.4 -> 5.6.7.8, TCP, pad, ports 1122 -> 3344.
        let flow =
            Flow { src: v4([1, 2, 3, 4]), dst: v4([5, 6, 7, 8]), protocol: TCP, ports: Some((1122, 3344)) };
        let bytes = [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 6, 0, 0x04, 0x62, 0x0d, 0x10];
        let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &bytes);
        assert_eq!(flow.community_id(), format!("1:{}", STANDARD.encode(digest.as_ref())));
    }

    #[test]
    fn an_echo_and_its_reply_share_an_id_and_an_unanswerable_message_is_one_way() {
        let (a, b) = (v4([192, 168, 0, 1]), v4([192, 168, 0, 2]));
        let request = Flow { src: a, dst: b, protocol: ICMP, ports: Some((8, 0)) };
        let reply = Flow { src: b, dst: a, protocol: ICMP, ports: Some((0, 0)) };
        assert_eq!(request.community_id(), reply.community_id());
        let unreachable = Flow { src: b, dst: a, protocol: ICMP, ports: Some((3, 1)) };
        let reversed = Flow { src: a, dst: b, ..unreachable };
        assert_ne!(unreachable.community_id(), reversed.community_id());
        let (c, d) = (IpAddr::V6(Ipv6Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        let solicit = Flow { src: c, dst: d, protocol: ICMPV6, ports: Some((135, 0)) };
        let advert = Flow { src: d, dst: c, protocol: ICMPV6, ports: Some((136, 0)) };
        assert_eq!(solicit.community_id(), advert.community_id());
    }

    #[test]
    fn a_protocol_without_ports_hashes_its_addresses_alone() {
        let gre = Flow { src: v4([1, 1, 1, 1]), dst: v4([2, 2, 2, 2]), protocol: 47, ports: None };
        let back = Flow { src: gre.dst, dst: gre.src, ..gre };
        assert_eq!(gre.community_id(), back.community_id());
    }
}
