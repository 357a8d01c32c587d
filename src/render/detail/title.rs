//! The first line of each layer in tshark's `-V` tree: `Internet Protocol Version 4, Src: …,
//! Dst: …`, `Transmission Control Protocol, Src Port: …`, and the like.

use std::fmt::Write as _;

use crate::dissect::stun::Stun;
use crate::dissect::{Content, Layer};
use crate::osi::Protocol;
use crate::registry::values::{ARP_OPCODE, RTCP_PACKET_TYPE};

/// Titles that are the protocol's name and nothing more: tshark's tree item for these has no
/// text of its own, so `-e PROTO` prints the protocol's filter name for it instead.
pub(super) const PLAIN: &[&str] = &[
    "Null/Loopback",
    "Raw packet data",
    "Internet Control Message Protocol",
    "Internet Control Message Protocol v6",
    "Transport Layer Security",
    "Datagram Transport Layer Security",
    "QUIC IETF",
    "Hypertext Transfer Protocol",
    "Simple Service Discovery Protocol",
    "HyperText Transfer Protocol 2",
    "Hypertext Transfer Protocol Version 3",
    "Virtual eXtensible Local Area Network",
    "NetBIOS Name Service",
    "DHCPv6",
    "NetBIOS Datagram Service",
    "SSH Protocol",
    "Socks Protocol",
    "WebSocket",
    "Session Traversal Utilities for NAT",
    "Dynamic Host Configuration Protocol",
];

/// Writes a layer's first line as tshark's tree titles it; rttscope's own summary where
/// tshark's title needs what rttscope does not keep.
pub(super) fn write(text: &mut String, layer: &Layer<'_>, number: &dyn Fn(&str) -> Option<u64>) {
    let ports = |protocol: &str| {
        let (source, destination) =
            (number(&format!("{protocol}.srcport")), number(&format!("{protocol}.dstport")));
        format!("Src Port: {}, Dst Port: {}", source.unwrap_or(0), destination.unwrap_or(0))
    };
    let _ = match layer.protocol() {
        Protocol::Udp => write!(text, "User Datagram Protocol, {}", ports("udp")),
        Protocol::Tcp => {
            let _ = write!(
                text,
                "Transmission Control Protocol, {}, Seq: {}",
                ports("tcp"),
                number("tcp.seq").unwrap_or(0)
            );
            if number("tcp.flags.ack") == Some(1) {
                let _ = write!(text, ", Ack: {}", number("tcp.ack").unwrap_or(0));
            }
            // A header an ICMP error quotes has no segment length.
            match number("tcp.len") {
                Some(len) => write!(text, ", Len: {len}"),
                None => Ok(()),
            }
        }
        Protocol::Arp => {
            let gratuitous = number("arp.isgratuitous") == Some(1);
            let opcode = number("arp.opcode").unwrap_or(0);
            let kind = match opcode {
                _ if number("arp.isannouncement") == Some(1) => "ARP Announcement",
                _ if number("arp.isprobe") == Some(1) => "ARP Probe",
                1 if gratuitous => "request/gratuitous ARP",
                2 if gratuitous => "reply/gratuitous ARP",
                _ => ARP_OPCODE.name(opcode).unwrap_or(""),
            };
            if kind.is_empty() {
                write!(text, "Address Resolution Protocol (opcode 0x{opcode:04x})")
            } else {
                write!(text, "Address Resolution Protocol ({kind})")
            }
        }
        Protocol::Sll if layer.summary_string().starts_with("Linux cooked capture v2") => {
            write!(text, "Linux cooked capture v2")
        }
        Protocol::Sll => write!(text, "Linux cooked capture v1"),
        Protocol::Null => write!(text, "Null/Loopback"),
        Protocol::Icmp => write!(text, "Internet Control Message Protocol"),
        Protocol::Icmpv6 => write!(text, "Internet Control Message Protocol v6"),
        Protocol::Tls => write!(text, "Transport Layer Security"),
        Protocol::Dtls => write!(text, "Datagram Transport Layer Security"),
        Protocol::Quic => write!(text, "QUIC IETF"),
        Protocol::Http => write!(text, "Hypertext Transfer Protocol"),
        Protocol::Ssdp => write!(text, "Simple Service Discovery Protocol"),
        Protocol::Http2 => write!(text, "HyperText Transfer Protocol 2"),
        Protocol::Http3 => write!(text, "Hypertext Transfer Protocol Version 3"),
        Protocol::Vxlan => write!(text, "Virtual eXtensible Local Area Network"),
        Protocol::Dns if number("dns.flags.response") == Some(1) => {
            write!(text, "Domain Name System (response)")
        }
        Protocol::Dns => write!(text, "Domain Name System (query)"),
        Protocol::Nbns => write!(text, "NetBIOS Name Service"),
        Protocol::Ntp => write!(text, "Network Time Protocol ({})", layer.summary_string()),
        Protocol::Dhcpv6 => write!(text, "DHCPv6"),
        // A DHCP message is titled with its type (option 53); BOOTP's is not.
        Protocol::Dhcp => match &layer.content {
            Content::Dhcp(message) if let Some(kind) = message.message_type() => {
                let kind = crate::dissect::dhcp::message_type_title(kind.into());
                write!(text, "Dynamic Host Configuration Protocol ({kind})")
            }
            _ => write!(text, "Dynamic Host Configuration Protocol"),
        },
        Protocol::Nbdgm => write!(text, "NetBIOS Datagram Service"),
        Protocol::Ssh => write!(text, "SSH Protocol"),
        Protocol::Socks => write!(text, "Socks Protocol"),
        Protocol::WebSocket => write!(text, "WebSocket"),
        Protocol::Rtp => write!(text, "Real-Time Transport Protocol"),
        Protocol::Rtcp => {
            let secure =
                if matches!(&layer.content, Content::Rtcp(rtcp) if rtcp.srtcp) { "Secure " } else { "" };
            let kind = number("rtcp.pt").and_then(|kind| RTCP_PACKET_TYPE.name(kind));
            write!(text, "{secure}Real-time Transport Control Protocol ({})", kind.unwrap_or("Unknown"))
        }
        Protocol::Stun => match &layer.content {
            Content::Stun(Stun::ChannelData(_)) => {
                write!(text, "Session Traversal Utilities for NAT, TURN ChannelData Message")
            }
            _ => write!(text, "Session Traversal Utilities for NAT"),
        },
        // tshark titles each message with its call, a gRPC-Web trailer marked so.
        Protocol::Grpc => match &layer.content {
            Content::Grpc(grpc) => {
                let direction = if grpc.is_request { "Request" } else { "Response" };
                let _ = write!(text, "GRPC Message: {}, {direction}", grpc.path);
                let trailer = grpc.messages.iter().any(|message| message.flags & 0x80 != 0);
                if trailer { write!(text, " (Trailer)") } else { Ok(()) }
            }
            _ => write!(text, "{}", layer.summary_string()),
        },
        Protocol::Gre => {
            let summary = layer.summary_string();
            let carried = summary.strip_prefix("Encapsulated ").unwrap_or(&summary);
            write!(text, "Generic Routing Encapsulation ({carried})")
        }
        // tshark titles each label stack entry; rttscope's one layer holds the stack, titled by
        // its top entry.
        Protocol::Mpls => write!(
            text,
            "MultiProtocol Label Switching Header, Label: {}, Exp: {}, S: {}, TTL: {}",
            number("mpls.label").unwrap_or(0),
            number("mpls.exp").unwrap_or(0),
            number("mpls.bottom").unwrap_or(0),
            number("mpls.ttl").unwrap_or(0)
        ),
        _ => write!(text, "{}", layer.summary_string()),
    };
}
