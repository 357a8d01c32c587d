//! What rides on what: the one place that decides which protocol a layer's payload is handed
//! to, in the spirit of Wireshark's dissector tables and heuristic lists.
//!
//! Four tables map a number in a header to the [`Protocol`] that reads the payload after it:
//! [`ETHERTYPES`] (Ethernet, SLL and VLAN type fields), [`IP_PROTOCOLS`] (IPv4's Protocol and
//! IPv6's last Next Header), [`UDP_PORTS`] and [`TCP_PORTS`]. Where no number says, ordered
//! heuristic lists ([`UDP_HEURISTICS`], [`TCP_HEURISTICS`], and [`STREAM_HEURISTICS`] for
//! what TLS decrypts) try each entry's test on the first payload bytes, in order; the first
//! that accepts names the protocol. A [`Dispatch`] is the tables plus the user's
//! `--decode-as` entries, which replace a port's table entry as tshark's `-d` does; the
//! stateless chain in `dissect` asks the tables, and `track` asks its tracker's `Dispatch`.
//! The invariant: no other module matches on an EtherType, IP protocol number or port to
//! choose a protocol.

use std::fmt;

use crate::dissect::error::Error;
use crate::dissect::ethernet::EtherType;
use crate::dissect::ip_protocol::IpProtocol;
use crate::dissect::{
    Content, arp, dhcp, dhcpv6, dns, geneve, gre, http1, http2, mpls, netbios, ntp, quic, tls, vxlan,
};
use crate::osi::Protocol;

/// What an EtherType hands its payload to.
pub const ETHERTYPES: &[(EtherType, Protocol)] = &[
    (EtherType::Ipv4, Protocol::Ipv4),
    (EtherType::Ipv6, Protocol::Ipv6),
    (EtherType::Arp, Protocol::Arp),
    (EtherType::Vlan, Protocol::Vlan),
    (EtherType::QinQ, Protocol::Ieee8021ad),
    // The pre-standard QinQ outer tag is read as an 802.1Q tag, as Wireshark reads it.
    (EtherType::QinQLegacy, Protocol::Vlan),
    // Tunnels: an Ethernet frame (transparent Ethernet bridging, GRE's and Geneve's protocol
    // type for it), MPLS unicast and multicast, ERSPAN types I and II, and type III.
    (EtherType::Unknown(0x6558), Protocol::Ethernet),
    (EtherType::Unknown(0x8847), Protocol::Mpls),
    (EtherType::Unknown(0x8848), Protocol::Mpls),
    (EtherType::Unknown(0x88be), Protocol::Erspan),
    (EtherType::Unknown(0x22eb), Protocol::Erspan),
];

/// What an IP protocol number hands its payload to. IP-in-IP (4) and IPv6 in IP (41) hand
/// to another IP layer: the encapsulated datagram is read like any other.
pub const IP_PROTOCOLS: &[(IpProtocol, Protocol)] = &[
    (IpProtocol::Icmp, Protocol::Icmp),
    (IpProtocol::Ipv4, Protocol::Ipv4),
    (IpProtocol::Tcp, Protocol::Tcp),
    (IpProtocol::Udp, Protocol::Udp),
    (IpProtocol::Ipv6, Protocol::Ipv6),
    (IpProtocol::Icmpv6, Protocol::Icmpv6),
    (IpProtocol::Unknown(47), Protocol::Gre),
];

/// UDP ports registered to a protocol rttscope reads: QUIC on 443, as Wireshark registers it
/// (elsewhere QUIC is found by its heuristic, or by `--decode-as udp.port==N,quic`); VXLAN on
/// 4789 and Geneve on 6081 (their IANA ports).
pub const UDP_PORTS: &[(u16, Protocol)] = &[
    (443, Protocol::Quic),
    (4789, Protocol::Vxlan),
    (6081, Protocol::Geneve),
    // the chatter of every LAN (issue 17)
    (123, Protocol::Ntp),
    (67, Protocol::Dhcp),
    (68, Protocol::Dhcp),
    (546, Protocol::Dhcpv6),
    (547, Protocol::Dhcpv6),
    (138, Protocol::Nbdgm),
    // issue 17: DNS, mDNS and LLMNR
    (53, Protocol::Dns),
    (5353, Protocol::Mdns),
    (5355, Protocol::Llmnr),
    // issue 17: the rest of the LAN's chatter
    (137, Protocol::Nbns),
    (1900, Protocol::Ssdp),
    // issue 18: DTLS, on the ports Wireshark 4.0 registers it (DNS over DTLS, CoAP, Diameter,
    // CIP), and 4433, OpenSSL's s_server default; elsewhere its heuristic finds it
    (853, Protocol::Dtls),
    (2221, Protocol::Dtls),
    (4433, Protocol::Dtls),
    (5684, Protocol::Dtls),
    (5868, Protocol::Dtls),
    // issue 18: STUN and TURN (RFC 8489 section 18.6)
    (3478, Protocol::Stun),
];

/// TCP ports registered to a protocol: the ports Wireshark gives its HTTP dissector, and the
/// others below. TLS is found by its heuristic on any port (and before HTTP on these); its
/// own ports only add what Wireshark does with a stream picked up in the middle of a record.
pub const TCP_PORTS: &[(u16, Protocol)] = &[
    (80, Protocol::Http),
    (631, Protocol::Http),
    (1900, Protocol::Http),
    (2710, Protocol::Http),
    (2869, Protocol::Http),
    (3128, Protocol::Http),
    (3132, Protocol::Http),
    (3689, Protocol::Http),
    (5985, Protocol::Http),
    (8080, Protocol::Http),
    (8088, Protocol::Http),
    (11371, Protocol::Http),
    (1080, Protocol::Socks),
    // issue 17: DNS over TCP
    (53, Protocol::Dns),
    // issue 18: SSH
    (22, Protocol::Ssh),
    // issue 18: STUN and TURN over TCP, messages back to back (RFC 8489 section 6.2.2)
    (3478, Protocol::Stun),
    // issue 17: the ports Wireshark 4.0 registers TLS on (`tshark -G decodes`), where a
    // connection whose first data is no TLS record is TLS picked up mid-stream
    (443, Protocol::Tls),
    (465, Protocol::Tls),
    (636, Protocol::Tls),
    (853, Protocol::Tls),
    (993, Protocol::Tls),
    (995, Protocol::Tls),
    (324, Protocol::Tls),
    (802, Protocol::Tls),
    (1300, Protocol::Tls),
    (2221, Protocol::Tls),
    (2443, Protocol::Tls),
    (3249, Protocol::Tls),
    (3250, Protocol::Tls),
    (3251, Protocol::Tls),
    (3252, Protocol::Tls),
    (3496, Protocol::Tls),
    (5061, Protocol::Tls),
    (5671, Protocol::Tls),
    (5684, Protocol::Tls),
    (5868, Protocol::Tls),
    (8883, Protocol::Tls),
    (11207, Protocol::Tls),
    (19999, Protocol::Tls),
    (27017, Protocol::Tls),
];

/// What TLS on a registered port carries, as Wireshark's `tls.port` table says (issue 17:
/// DNS over TLS on 853). Elsewhere the decrypted stream goes through [`STREAM_HEURISTICS`].
pub const TLS_PORTS: &[(u16, Protocol)] = &[(853, Protocol::Dns)];

/// What the decrypted stream of a TLS connection between `ports` carries, by its port.
pub fn over_tls_port(ports: (u16, u16)) -> Option<Protocol> {
    let (low, high) = (ports.0.min(ports.1), ports.0.max(ports.1));
    lookup(TLS_PORTS, low).or_else(|| lookup(TLS_PORTS, high))
}

/// A heuristic: the protocol it names, and its test on the first payload bytes.
pub type Heuristic = (Protocol, fn(&[u8]) -> bool);

/// Tried on a UDP datagram no conversation or port claims.
pub const UDP_HEURISTICS: &[Heuristic] = &[
    (Protocol::Quic, quic::starts_like_quic),
    // issue 18
    (Protocol::Dtls, crate::dissect::dtls::record::starts_like_dtls),
];

/// Tried on the first data of a TCP connection, in order, before its ports are looked up.
pub const TCP_HEURISTICS: &[Heuristic] = &[
    (Protocol::Tls, tls::record::starts_like_tls),
    (Protocol::Http2, starts_http2),
    (Protocol::Http, http1::starts_like_http),
    // issue 17: an SSL 2.0-compatible ClientHello, as Wireshark's TLS heuristic knows it
    (Protocol::Tls, tls::sslv2::starts_like_tls),
];

/// Tried on the first application data TLS decrypts.
pub const STREAM_HEURISTICS: &[Heuristic] =
    &[(Protocol::Http2, starts_http2), (Protocol::Http, http1::starts_like_http)];

/// The HTTP/2 client connection preface (RFC 9113 section 3.4).
fn starts_http2(payload: &[u8]) -> bool {
    payload.starts_with(http2::PREFACE)
}

/// What an EtherType hands its payload to, if rttscope reads it.
pub fn by_ethertype(ethertype: EtherType) -> Option<Protocol> {
    lookup(ETHERTYPES, ethertype)
}

/// What an IP protocol number hands its payload to, if rttscope reads it.
pub fn by_ip_protocol(protocol: IpProtocol) -> Option<Protocol> {
    lookup(IP_PROTOCOLS, protocol)
}

/// The stateless protocol the built-in UDP port table hands a datagram between `ports` to,
/// with its parser: what the stateless chain reads after a UDP header. Of the two ports the
/// lower is tried first, as Wireshark does. A protocol that needs state (QUIC) is left to
/// `track`, which also applies `--decode-as`.
pub fn stateless_by_udp_ports(ports: (u16, u16)) -> Option<(Protocol, Parse)> {
    let (low, high) = (ports.0.min(ports.1), ports.0.max(ports.1));
    let protocol = lookup(UDP_PORTS, low).or_else(|| lookup(UDP_PORTS, high))?;
    stateless(protocol).map(|parse| (protocol, parse))
}

/// A stateless protocol's parser: the layer it read from the front of the bytes a table handed
/// it, and what follows that layer.
pub type Parse = for<'a> fn(&'a [u8]) -> Result<(Content<'a>, Next<'a>), Error>;

/// What follows a stateless layer. A protocol that carries another (a tunnel's Ethernet
/// frame, a payload named by a port) adds the variant that says so, and the chain's one arm
/// that follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next<'a> {
    /// Nothing more of the datagram; `trailer` is what the frame holds after it.
    End { trailer: &'a [u8] },
    /// An Ethernet frame, without its FCS (VXLAN's payload).
    Ethernet(&'a [u8]),
    /// A payload named by an EtherType (Geneve's and GRE's protocol type): what
    /// [`by_ethertype`] hands it to reads it.
    EtherType { ethertype: u16, payload: &'a [u8] },
    /// An IP datagram whose version nibble says which IP (after MPLS's bottom of stack).
    Ip(&'a [u8]),
    /// Bytes nothing here reads.
    Data(&'a [u8]),
}

/// The protocols the stateless chain reads by their parser alone: wherever a table above hands
/// to one of these, `dissect`'s chain calls its parser and follows its [`Next`]. A protocol
/// that needs its own walk (IP and its fragments, VLAN tags, the transports) or state across
/// frames (QUIC, TLS, HTTP) is not here.
pub const STATELESS: &[(Protocol, Parse)] = &[
    (Protocol::Arp, arp::dissect),
    (Protocol::Vxlan, vxlan::dissect),
    (Protocol::Geneve, geneve::dissect),
    (Protocol::Gre, gre::dissect),
    (Protocol::Mpls, mpls::dissect),
    // the chatter of every LAN (issue 17)
    (Protocol::Ntp, ntp::dissect),
    (Protocol::Dhcp, dhcp::dissect),
    (Protocol::Dhcpv6, dhcpv6::dissect),
    (Protocol::Nbdgm, netbios::dissect),
    // issue 17: DNS, mDNS and LLMNR
    (Protocol::Dns, dns::dissect),
    (Protocol::Mdns, dns::dissect_mdns),
    (Protocol::Llmnr, dns::dissect_llmnr),
    // issue 17: the rest of the LAN's chatter
    (Protocol::Nbns, crate::dissect::nbns::dissect),
    (Protocol::Ssdp, crate::dissect::ssdp::dissect),
    // issue 18: STUN on its port (a message or TURN ChannelData; anything else is data)
    (Protocol::Stun, crate::dissect::stun::dissect),
];

/// A heuristic of the stateless chain: the protocol, its test, and its parser.
pub type StatelessHeuristic = (Protocol, fn(&[u8]) -> bool, Parse);

/// Tried by the stateless chain on a UDP payload no port claims, in order: tshark's STUN
/// heuristic (a whole message with the magic cookie; never ChannelData).
pub const STATELESS_UDP_HEURISTICS: &[StatelessHeuristic] =
    &[(Protocol::Stun, crate::dissect::stun::starts_like_stun, crate::dissect::stun::dissect_message)];

/// The stateless protocol a UDP payload no port claims is handed to by a heuristic, with its
/// parser.
pub fn stateless_by_udp_heuristic(payload: &[u8]) -> Option<(Protocol, Parse)> {
    STATELESS_UDP_HEURISTICS
        .iter()
        .find(|(_, test, _)| test(payload))
        .map(|&(protocol, _, parse)| (protocol, parse))
}

/// RFC 7983 section 7: on a flow that carries STUN or DTLS (WebRTC's one port), the first byte
/// of a datagram says what it is. A range whose protocol rttscope does not read stays data;
/// DTLS's row (20..=63) is the DTLS unit's to add. Read by `track::stun`.
pub const DEMUX_7983: &[(std::ops::RangeInclusive<u8>, Protocol)] =
    &[(0..=3, Protocol::Stun), (64..=79, Protocol::Stun), (128..=191, Protocol::Rtp)];

/// What RFC 7983 hands a datagram on a demultiplexed flow to, by its first byte.
pub fn demux_7983(payload: &[u8]) -> Option<Protocol> {
    let first = *payload.first()?;
    DEMUX_7983.iter().find(|(range, _)| range.contains(&first)).map(|(_, protocol)| *protocol)
}

/// The parser of a stateless protocol.
pub fn stateless(protocol: Protocol) -> Option<Parse> {
    STATELESS.iter().find(|(entry, _)| *entry == protocol).map(|&(_, parse)| parse)
}

/// The first heuristic of `list` that accepts `payload`.
pub fn heuristic(list: &[Heuristic], payload: &[u8]) -> Option<Protocol> {
    list.iter().find(|(_, test)| test(payload)).map(|(protocol, _)| *protocol)
}

fn lookup<K: PartialEq + Copy>(table: &[(K, Protocol)], key: K) -> Option<Protocol> {
    table.iter().find(|(entry, _)| *entry == key).map(|(_, protocol)| *protocol)
}

/// A table `--decode-as` can change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    TcpPort,
    UdpPort,
}

impl Table {
    /// The protocols an entry of this table can hand to.
    fn accepts(self) -> &'static [(&'static str, Protocol)] {
        match self {
            Self::TcpPort => &[("tls", Protocol::Tls), ("http", Protocol::Http), ("http2", Protocol::Http2)],
            Self::UdpPort => &[("quic", Protocol::Quic), ("dtls", Protocol::Dtls)],
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::TcpPort => "tcp.port",
            Self::UdpPort => "udp.port",
        }
    }
}

/// One `--decode-as` entry: traffic on `port` of `table` is read as `protocol`. As with
/// tshark's `-d`, HTTP/2 and QUIC take every byte on the port; TLS takes a connection whose
/// first data is a TLS record, leaves one the heuristics name (HTTP) to them, and reads any
/// other as TLS picked up mid-stream, as on its registered ports; HTTP holds what is not HTTP
/// yet, as on its registered ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeAs {
    pub table: Table,
    pub port: u16,
    pub protocol: Protocol,
}

/// Why a `--decode-as` value was refused: one line, naming what is accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeAsError(String);

impl fmt::Display for DecodeAsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeAsError {}

impl std::str::FromStr for DecodeAs {
    type Err = DecodeAsError;

    /// Reads tshark's `-d` syntax, `TABLE==PORT,PROTOCOL`, also with `:` before the protocol.
    fn from_str(value: &str) -> Result<Self, DecodeAsError> {
        const ACCEPTED: &str = "tcp.port==PORT,tls|http|http2 or udp.port==PORT,quic|dtls";
        let refuse =
            |why: String| DecodeAsError(format!("--decode-as {value:?}: {why}; expected {ACCEPTED}"));
        let Some((table, rest)) = value.split_once("==") else {
            return Err(refuse("no `==`".into()));
        };
        let table = match table.trim() {
            "tcp.port" => Table::TcpPort,
            "udp.port" => Table::UdpPort,
            other => return Err(refuse(format!("unknown table {other:?}"))),
        };
        let Some((port, protocol)) = rest.split_once([',', ':']) else {
            return Err(refuse("no protocol after the port".into()));
        };
        let port = match port.trim().parse::<u32>() {
            Ok(port @ 1..=65535) => port as u16,
            _ => return Err(refuse(format!("port {:?} is not 1 to 65535", port.trim()))),
        };
        let name = protocol.trim().to_ascii_lowercase();
        let Some(&(_, protocol)) = table.accepts().iter().find(|(accepted, _)| *accepted == name) else {
            return Err(refuse(format!("{} cannot hand to {name:?}", table.name())));
        };
        Ok(Self { table, port, protocol })
    }
}

/// The tables above, with the user's `--decode-as` entries over them: what `track` asks.
#[derive(Clone, Debug, Default)]
pub struct Dispatch {
    decode_as: Vec<DecodeAs>,
}

impl Dispatch {
    /// The built-in tables only.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tables with `entries` replacing their ports' entries (a later entry for the same
    /// port wins, as tshark's last `-d` does).
    pub fn with_decode_as(entries: Vec<DecodeAs>) -> Self {
        Self { decode_as: entries }
    }

    /// Reads every `--decode-as` value; the first bad one is the error.
    pub fn parse<S: AsRef<str>>(values: &[S]) -> Result<Self, DecodeAsError> {
        let entries = values.iter().map(|value| value.as_ref().parse()).collect::<Result<_, _>>()?;
        Ok(Self::with_decode_as(entries))
    }

    /// What a port of `table` hands to: a `--decode-as` entry, else the built-in table. Of
    /// the two ports, the lower is tried first, as Wireshark does.
    fn by_port(&self, table: Table, ports: (u16, u16)) -> Option<Protocol> {
        let builtin = match table {
            Table::TcpPort => TCP_PORTS,
            Table::UdpPort => UDP_PORTS,
        };
        let one = |port: u16| {
            let chosen = self.decode_as.iter().rev().find(|entry| entry.table == table && entry.port == port);
            chosen.map(|entry| entry.protocol).or_else(|| lookup(builtin, port))
        };
        let (low, high) = (ports.0.min(ports.1), ports.0.max(ports.1));
        one(low).or_else(|| one(high))
    }

    /// What a UDP datagram between `ports` is handed to, when no conversation claims it: its
    /// ports, then the heuristics.
    pub fn udp(&self, ports: (u16, u16), payload: &[u8]) -> Option<Protocol> {
        // A DTLS port takes only what can be DTLS, RFC 7983's first bytes 20 to 63, so QUIC
        // on the same port (4433 is both OpenSSL's and aioquic's default) is not taken for it.
        let by_port = self.by_port(Table::UdpPort, ports);
        let not_dtls = !matches!(payload.first(), Some(20..=63));
        let by_port = by_port.filter(|protocol| *protocol != Protocol::Dtls || !not_dtls);
        by_port.or_else(|| heuristic(UDP_HEURISTICS, payload))
    }

    /// What the ports of a TCP connection hand its stream to, before its data is seen.
    pub fn tcp_port(&self, ports: (u16, u16)) -> Option<Protocol> {
        self.by_port(Table::TcpPort, ports)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_hand_each_number_to_its_protocol() {
        assert_eq!(by_ethertype(EtherType::from(0x0800)), Some(Protocol::Ipv4));
        assert_eq!(by_ethertype(EtherType::from(0x88a8)), Some(Protocol::Ieee8021ad));
        assert_eq!(by_ethertype(EtherType::from(0x9100)), Some(Protocol::Vlan));
        assert_eq!(by_ethertype(EtherType::from(0x88cc)), None);
        assert_eq!(by_ip_protocol(IpProtocol::from(4)), Some(Protocol::Ipv4));
        assert_eq!(by_ip_protocol(IpProtocol::from(41)), Some(Protocol::Ipv6));
        assert_eq!(by_ip_protocol(IpProtocol::from(6)), Some(Protocol::Tcp));
        assert_eq!(by_ip_protocol(IpProtocol::from(47)), Some(Protocol::Gre));
        assert_eq!(by_ip_protocol(IpProtocol::from(50)), None, "ESP is not read");
        assert_eq!(by_ethertype(EtherType::from(0x6558)), Some(Protocol::Ethernet));
        assert_eq!(by_ethertype(EtherType::from(0x8847)), Some(Protocol::Mpls));
        assert_eq!(by_ethertype(EtherType::from(0x22eb)), Some(Protocol::Erspan));
        assert_eq!(stateless_by_udp_ports((4789, 50000)).map(|(p, _)| p), Some(Protocol::Vxlan));
        assert_eq!(stateless_by_udp_ports((50000, 6081)).map(|(p, _)| p), Some(Protocol::Geneve));
        assert!(stateless_by_udp_ports((50000, 443)).is_none(), "QUIC needs state");
        let dispatch = Dispatch::new();
        assert_eq!(dispatch.tcp_port((50000, 8080)), Some(Protocol::Http));
        assert_eq!(dispatch.tcp_port((443, 50000)), Some(Protocol::Tls), "Wireshark's TLS port");
        assert_eq!(dispatch.tcp_port((50000, 27017)), Some(Protocol::Tls));
        assert_eq!(dispatch.tcp_port((4433, 50000)), None, "elsewhere TLS is found by its heuristic");
        assert_eq!(dispatch.udp((50000, 443), b"\x40 short header"), Some(Protocol::Quic));
    }

    #[test]
    fn a_stateless_protocol_is_read_by_its_parser_and_says_what_follows() {
        assert!(stateless(Protocol::Tcp).is_none(), "TCP needs its own walk");
        let parse = stateless(Protocol::Arp).expect("ARP is stateless");
        // An ARP request (Ethernet, IPv4) followed by two bytes of the frame's padding.
        let mut bytes = vec![0, 1, 8, 0, 6, 4, 0, 1];
        bytes.extend([2, 0, 0, 0, 0, 0x0a, 10, 0, 0, 1]);
        bytes.extend([0, 0, 0, 0, 0, 0, 10, 0, 0, 2]);
        bytes.extend([0xee, 0xee]);
        let (header, next) = parse(&bytes).expect("a whole request");
        assert_eq!(header.protocol(), Protocol::Arp);
        assert_eq!(next, Next::End { trailer: &[0xee, 0xee] });
        assert!(matches!(parse(&bytes[..10]), Err(Error::Truncated { .. })));
    }

    #[test]
    fn heuristics_are_tried_in_order() {
        // A TLS 1.0 handshake record header.
        assert_eq!(heuristic(TCP_HEURISTICS, b"\x16\x03\x01\x00\xc4\x01"), Some(Protocol::Tls));
        assert_eq!(heuristic(TCP_HEURISTICS, http2::PREFACE), Some(Protocol::Http2));
        assert_eq!(heuristic(TCP_HEURISTICS, b"GET / HTTP/1.1\r\n"), Some(Protocol::Http));
        assert_eq!(heuristic(TCP_HEURISTICS, b"\x00\x01binary"), None);
        // A QUIC v1 Initial's first bytes: long header, version 1, DCID length 8...
        let mut initial = vec![0xc0, 0, 0, 0, 1, 8];
        initial.extend([0x11; 8]);
        initial.extend([0, 0, 0x41, 0x00]);
        initial.resize(1200, 0);
        assert_eq!(Dispatch::new().udp((50000, 4433), &initial), Some(Protocol::Quic));
        assert_eq!(Dispatch::new().udp((50000, 4433), b"rttscope"), None);
        // On DTLS's port, what starts as DTLS can (a DTLS 1.3 unified header, 0x2c)
        assert_eq!(Dispatch::new().udp((50000, 4433), &[0x2c, 0, 1, 0, 0]), Some(Protocol::Dtls));
        assert_eq!(Dispatch::new().udp((50000, 9999), &[0x2c, 0, 1, 0, 0]), None);
    }

    #[test]
    fn decode_as_reads_tsharks_syntax_and_the_issues() {
        let entry = |value: &str| value.parse::<DecodeAs>();
        let quic = DecodeAs { table: Table::UdpPort, port: 8443, protocol: Protocol::Quic };
        assert_eq!(entry("udp.port==8443,quic"), Ok(quic));
        assert_eq!(entry("udp.port==8443:quic"), Ok(quic));
        assert_eq!(entry("udp.port == 8443, QUIC"), Ok(quic));
        let http2 = DecodeAs { table: Table::TcpPort, port: 9000, protocol: Protocol::Http2 };
        assert_eq!(entry("tcp.port==9000,http2"), Ok(http2));
    }

    #[test]
    fn a_bad_decode_as_says_what_is_accepted() {
        for (value, why) in [
            ("sctp.port==9,http", "unknown table \"sctp.port\""),
            ("udp.port==8443,tls", "udp.port cannot hand to \"tls\""),
            ("tcp.port==8443,quic", "tcp.port cannot hand to \"quic\""),
            ("tcp.port==70000,http", "port \"70000\" is not 1 to 65535"),
            ("tcp.port==0,http", "port \"0\" is not 1 to 65535"),
            ("tcp.port==x,http", "port \"x\" is not 1 to 65535"),
            ("tcp.port=80,http", "no `==`"),
            ("tcp.port==80", "no protocol after the port"),
            ("tcp.port==80,ftp", "tcp.port cannot hand to \"ftp\""),
        ] {
            let error = value.parse::<DecodeAs>().expect_err(value).to_string();
            assert!(error.starts_with("--decode-as"), "{error}");
            assert!(error.contains(why), "{value}: {error}");
            assert!(
                error.ends_with("expected tcp.port==PORT,tls|http|http2 or udp.port==PORT,quic|dtls"),
                "{error}"
            );
            assert!(!error.contains('\n'));
        }
        assert!(Dispatch::parse(&["tcp.port==80,tls", "udp.port==1,http"]).is_err());
    }

    #[test]
    fn decode_as_replaces_a_ports_entry_and_the_last_one_wins() {
        let dispatch =
            Dispatch::parse(&["tcp.port==8080,tls", "udp.port==9001,quic", "tcp.port==8080,http2"])
                .expect("valid entries");
        assert_eq!(dispatch.tcp_port((8080, 50000)), Some(Protocol::Http2));
        assert_eq!(dispatch.tcp_port((80, 50000)), Some(Protocol::Http), "other ports keep the table's");
        assert_eq!(dispatch.udp((50000, 9001), b"rttscope"), Some(Protocol::Quic));
        assert_eq!(dispatch.tcp_port((9001, 50000)), None, "a UDP entry is not a TCP one");
    }
}
