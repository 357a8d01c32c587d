//! Which `--drop` rule, if any, an Ethernet frame crossing the link matches, read from its bytes.
//!
//! The emulator sees whole frames, so this reads just enough of Ethernet, IPv4, TCP, TLS and
//! QUIC to tell a SYN, a SYN-ACK, a segment starting with a ClientHello or ServerHello record,
//! and a client or server QUIC Initial apart. It never allocates and never panics: a frame too
//! short or of another kind matches nothing.

use super::config::DropRule;
use super::schedule::Direction;

/// Ethernet header: destination(6) source(6) EtherType(2).
pub const ETHERNET_HEADER_LEN: usize = 14;
const ETHERTYPE_IPV4: u16 = 0x0800;
const IP_PROTOCOL_TCP: u8 = 6;
const IP_PROTOCOL_UDP: u8 = 17;
const TCP_FLAG_SYN: u8 = 0x02;
const TCP_FLAG_ACK: u8 = 0x10;
const TLS_CONTENT_HANDSHAKE: u8 = 22;
const TLS_CLIENT_HELLO: u8 = 1;
const TLS_SERVER_HELLO: u8 = 2;
/// QUIC version 2 (RFC 9369) numbers its long-header packet types differently from version 1.
const QUIC_VERSION_2: u32 = 0x6b33_43cf;

/// Whether `frame`, travelling in `direction`, is a packet of the kind `rule` names.
pub fn matches(rule: DropRule, direction: Direction, frame: &[u8]) -> bool {
    let Some(transport) = transport(frame) else { return false };
    match (rule, direction, transport) {
        (DropRule::Syn, Direction::ClientToServer, Transport::Tcp { flags, .. }) => {
            flags & (TCP_FLAG_SYN | TCP_FLAG_ACK) == TCP_FLAG_SYN
        }
        (DropRule::SynAck, Direction::ServerToClient, Transport::Tcp { flags, .. }) => {
            flags & (TCP_FLAG_SYN | TCP_FLAG_ACK) == TCP_FLAG_SYN | TCP_FLAG_ACK
        }
        (DropRule::ClientHello, Direction::ClientToServer, Transport::Tcp { payload, .. }) => {
            first_handshake_message(payload) == Some(TLS_CLIENT_HELLO)
        }
        (DropRule::ServerHello, Direction::ServerToClient, Transport::Tcp { payload, .. }) => {
            first_handshake_message(payload) == Some(TLS_SERVER_HELLO)
        }
        (DropRule::FirstInitial, Direction::ClientToServer, Transport::Udp { payload })
        | (DropRule::ServerInitial, Direction::ServerToClient, Transport::Udp { payload }) => {
            is_quic_initial(payload)
        }
        _ => false,
    }
}

/// The length of the IP packet a frame carries: everything after the Ethernet header.
pub fn ip_packet_len(frame: &[u8]) -> usize {
    frame.len().saturating_sub(ETHERNET_HEADER_LEN)
}

/// The transport layer of an unfragmented IPv4 packet (or its first fragment).
enum Transport<'a> {
    Tcp { flags: u8, payload: &'a [u8] },
    Udp { payload: &'a [u8] },
}

/// ```text
/// IPv4 (RFC 791 3.1): version(4) IHL(4) ... total length(16) @2, flags+fragment offset(16) @6,
///                     protocol(8) @9, header IHL*4 bytes
/// TCP (RFC 9293 3.1): ports(32) seq(32) ack(32) data offset(4) rsvd(4) flags(8) @13
/// UDP (RFC 768):      ports(32) length(16) checksum(16), payload @8
/// ```
fn transport(frame: &[u8]) -> Option<Transport<'_>> {
    let ethertype = u16::from_be_bytes([*frame.get(12)?, *frame.get(13)?]);
    if ethertype != ETHERTYPE_IPV4 {
        return None;
    }
    let ip = frame.get(ETHERNET_HEADER_LEN..)?;
    let version_ihl = *ip.first()?;
    if version_ihl >> 4 != 4 {
        return None;
    }
    let header_len = usize::from(version_ihl & 0x0f) * 4;
    let total_len = usize::from(u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?]));
    // A later fragment carries no transport header.
    let fragment_offset = u16::from_be_bytes([*ip.get(6)?, *ip.get(7)?]) & 0x1fff;
    if fragment_offset != 0 || header_len < 20 {
        return None;
    }
    // Ethernet pads short frames: the IP total length says where the packet ends.
    let body = ip.get(header_len..total_len.min(ip.len()))?;
    match *ip.get(9)? {
        IP_PROTOCOL_TCP => {
            let data_offset = usize::from(*body.get(12)? >> 4) * 4;
            let flags = *body.get(13)?;
            Some(Transport::Tcp { flags, payload: body.get(data_offset..)? })
        }
        IP_PROTOCOL_UDP => Some(Transport::Udp { payload: body.get(8..)? }),
        _ => None,
    }
}

/// The type of the first handshake message in a TLS record at the start of a TCP payload.
///
/// ```text
/// TLSPlaintext (RFC 8446 5.1): content_type(8) legacy_record_version(16) length(16) fragment
/// Handshake (RFC 8446 4):      msg_type(8) length(24) ...
/// ```
fn first_handshake_message(payload: &[u8]) -> Option<u8> {
    let [content_type, major, _minor, _, _, msg_type, ..] = *payload else { return None };
    (content_type == TLS_CONTENT_HANDSHAKE && major == 3).then_some(msg_type)
}

/// Whether a UDP payload starts with a QUIC long-header Initial packet.
///
/// ```text
/// Long Header (RFC 9000 17.2): header form(1)=1 fixed bit(1)=1 long packet type(2) ...
///                              version(32); Initial is type 0 in version 1, 1 in version 2
/// ```
fn is_quic_initial(payload: &[u8]) -> bool {
    let [first, v0, v1, v2, v3, ..] = *payload else { return false };
    let version = u32::from_be_bytes([v0, v1, v2, v3]);
    let long_header_fixed = first & 0xc0 == 0xc0;
    let packet_type = (first >> 4) & 0x03;
    // Version 0 is Version Negotiation, which has no packet type.
    let initial_type = match version {
        0 => return false,
        QUIC_VERSION_2 => 1,
        _ => 0,
    };
    long_header_fixed && packet_type == initial_type
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An Ethernet + IPv4 frame around `transport` (a TCP or UDP header and its payload).
    pub(crate) fn ipv4_frame(protocol: u8, transport: &[u8]) -> Vec<u8> {
        let total_len = u16::try_from(20 + transport.len()).expect("small");
        let mut frame = vec![
            2, 0, 0, 0, 0, 2, // destination MAC
            2, 0, 0, 0, 0, 1, // source MAC
            0x08, 0x00, // EtherType IPv4
            0x45, 0, // version 4, IHL 5, DSCP
        ];
        frame.extend_from_slice(&total_len.to_be_bytes());
        frame.extend_from_slice(&[0, 1, 0x40, 0, 64, protocol, 0, 0]); // id, DF, TTL, proto, csum
        frame.extend_from_slice(&[10, 77, 0, 1, 10, 77, 0, 2]); // source, destination
        frame.extend_from_slice(transport);
        frame
    }

    /// A TCP segment with `flags` and `payload`, 20-byte header.
    pub(crate) fn tcp_frame(flags: u8, payload: &[u8]) -> Vec<u8> {
        let mut segment = vec![
            0xc3, 0x50, 0x01, 0xbb, // ports 50000 -> 443
            0, 0, 0, 1, 0, 0, 0, 0, // seq, ack
            0x50, flags, 0xff, 0xff, // data offset 5, flags, window
            0, 0, 0, 0, // checksum, urgent pointer
        ];
        segment.extend_from_slice(payload);
        ipv4_frame(IP_PROTOCOL_TCP, &segment)
    }

    pub(crate) fn udp_frame(payload: &[u8]) -> Vec<u8> {
        let length = u16::try_from(8 + payload.len()).expect("small");
        let mut datagram = vec![0xc3, 0x50, 0x01, 0xbb];
        datagram.extend_from_slice(&length.to_be_bytes());
        datagram.extend_from_slice(&[0, 0]);
        datagram.extend_from_slice(payload);
        ipv4_frame(IP_PROTOCOL_UDP, &datagram)
    }

    /// A TLS handshake record whose first message is `msg_type`.
    pub(crate) fn tls_handshake(msg_type: u8) -> Vec<u8> {
        // content type 22, version 3.1, length 4; msg_type, length 0
        vec![22, 3, 1, 0, 4, msg_type, 0, 0, 0]
    }

    /// A QUIC long header: first byte, version, then a little of the rest.
    pub(crate) fn quic_long(first: u8, version: u32) -> Vec<u8> {
        let mut packet = vec![first];
        packet.extend_from_slice(&version.to_be_bytes());
        packet.extend_from_slice(&[8, 1, 2, 3, 4, 5, 6, 7, 8, 0]);
        packet
    }

    use Direction::{ClientToServer as C2S, ServerToClient as S2C};

    #[test]
    fn syn_and_syn_ack_are_told_apart_by_flags_and_direction() {
        let syn = tcp_frame(0x02, &[]);
        let syn_ack = tcp_frame(0x12, &[]);
        let ack = tcp_frame(0x10, &[]);
        assert!(matches(DropRule::Syn, C2S, &syn));
        assert!(!matches(DropRule::Syn, S2C, &syn));
        assert!(!matches(DropRule::Syn, C2S, &syn_ack));
        assert!(matches(DropRule::SynAck, S2C, &syn_ack));
        assert!(!matches(DropRule::SynAck, C2S, &syn_ack));
        assert!(!matches(DropRule::SynAck, S2C, &ack));
    }

    #[test]
    fn tls_hellos_are_found_at_the_start_of_a_segment() {
        let client_hello = tcp_frame(0x18, &tls_handshake(1));
        let server_hello = tcp_frame(0x18, &tls_handshake(2));
        assert!(matches(DropRule::ClientHello, C2S, &client_hello));
        assert!(!matches(DropRule::ClientHello, C2S, &server_hello));
        assert!(matches(DropRule::ServerHello, S2C, &server_hello));
        assert!(!matches(DropRule::ServerHello, C2S, &server_hello));
        // Application data (content type 23) and a plain HTTP request are not hellos.
        assert!(!matches(DropRule::ClientHello, C2S, &tcp_frame(0x18, &[23, 3, 3, 0, 4, 1, 0, 0, 0])));
        assert!(!matches(DropRule::ClientHello, C2S, &tcp_frame(0x18, b"GET / HTTP/1.1\r\n")));
        // A SYN carrying a ClientHello (TCP Fast Open) matches too.
        assert!(matches(DropRule::ClientHello, C2S, &tcp_frame(0x02, &tls_handshake(1))));
    }

    #[test]
    fn quic_initials_of_both_versions_match_and_other_long_headers_do_not() {
        let initial_v1 = udp_frame(&quic_long(0xc3, 1));
        let handshake_v1 = udp_frame(&quic_long(0xe3, 1));
        let initial_v2 = udp_frame(&quic_long(0xd3, QUIC_VERSION_2));
        let version_negotiation = udp_frame(&quic_long(0xc0, 0));
        let short_header = udp_frame(&[0x40, 1, 2, 3, 4, 5, 6]);
        assert!(matches(DropRule::FirstInitial, C2S, &initial_v1));
        assert!(matches(DropRule::ServerInitial, S2C, &initial_v1));
        assert!(!matches(DropRule::FirstInitial, S2C, &initial_v1));
        assert!(matches(DropRule::FirstInitial, C2S, &initial_v2));
        for other in [handshake_v1, version_negotiation, short_header] {
            assert!(!matches(DropRule::FirstInitial, C2S, &other));
        }
    }

    #[test]
    fn a_frame_cut_before_the_bytes_a_rule_reads_matches_nothing() {
        // Each frame with the length up to and including the last byte its rule reads:
        // Ethernet 14 + IPv4 20 + TCP flags at 13; + TCP 20 + TLS msg_type at 5; + UDP 8 + 5.
        let cases = [
            (tcp_frame(0x02, &[]), DropRule::Syn, 14 + 20 + 14),
            (tcp_frame(0x18, &tls_handshake(1)), DropRule::ClientHello, 14 + 20 + 20 + 6),
            (udp_frame(&quic_long(0xc3, 1)), DropRule::FirstInitial, 14 + 20 + 8 + 5),
        ];
        for (frame, rule, needed) in cases {
            assert!(matches(rule, C2S, &frame));
            for cut in 0..needed {
                assert!(!matches(rule, C2S, &frame[..cut]), "{rule:?} cut at {cut}");
            }
        }
    }

    #[test]
    fn a_later_fragment_is_not_read_as_a_transport_header() {
        let mut syn = tcp_frame(0x02, &[]);
        syn[14 + 6] = 0x00;
        syn[14 + 7] = 0x10; // fragment offset 16 (x8 bytes)
        assert!(!matches(DropRule::Syn, C2S, &syn));
    }
}
