//! The OSI model as the course teaches it, and where each protocol rttscope decodes sits on it.
//!
//! Every layer of every packet names its [`Protocol`]; the protocol knows its OSI layer, the
//! names tools use for it, and one sentence on what it is for. Views colour and order layers
//! by this table only, so a protocol is placed on the model in exactly one spot: here.

use std::fmt;

/// The seven OSI layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OsiLayer {
    Physical = 1,
    DataLink = 2,
    Network = 3,
    Transport = 4,
    Session = 5,
    Presentation = 6,
    Application = 7,
}

impl OsiLayer {
    pub const ALL: [Self; 7] = [
        Self::Physical,
        Self::DataLink,
        Self::Network,
        Self::Transport,
        Self::Session,
        Self::Presentation,
        Self::Application,
    ];

    /// The layer numbered 1 to 7.
    pub fn from_number(number: u8) -> Option<Self> {
        Self::ALL.get(usize::from(number.checked_sub(1)?)).copied()
    }

    /// The layer's number, 1 to 7.
    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Physical => "Physical",
            Self::DataLink => "Data link",
            Self::Network => "Network",
            Self::Transport => "Transport",
            Self::Session => "Session",
            Self::Presentation => "Presentation",
            Self::Application => "Application",
        }
    }

    /// What the layer does, in one line.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::Physical => "bits on the medium: here, the frame's length and capture time",
            Self::DataLink => "delivery between neighbours on one link, by hardware address",
            Self::Network => "delivery between hosts across networks, by IP address",
            Self::Transport => "delivery between programs, by port: streams or datagrams",
            Self::Session => "the life of a conversation: setting it up, keeping it, ending it",
            Self::Presentation => "how the bytes are encoded and protected: encryption",
            Self::Application => "what the programs say to each other",
        }
    }
}

impl fmt::Display for OsiLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "L{} {}", self.number(), self.name())
    }
}

/// Every protocol a layer can be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    Frame,
    Null,
    Ethernet,
    Vlan,
    Ieee8021ad,
    Sll,
    Raw,
    Arp,
    Ipv4,
    Ipv6,
    Icmp,
    Icmpv6,
    Udp,
    Tcp,
    Quic,
    Tls,
    Http,
    Http2,
    Http3,
    TextLines,
    Data,
}

impl Protocol {
    pub const ALL: [Self; 21] = [
        Self::Frame,
        Self::Null,
        Self::Ethernet,
        Self::Vlan,
        Self::Ieee8021ad,
        Self::Sll,
        Self::Raw,
        Self::Arp,
        Self::Ipv4,
        Self::Ipv6,
        Self::Icmp,
        Self::Icmpv6,
        Self::Udp,
        Self::Tcp,
        Self::Quic,
        Self::Tls,
        Self::Http,
        Self::Http2,
        Self::Http3,
        Self::TextLines,
        Self::Data,
    ];

    pub fn osi(self) -> OsiLayer {
        match self {
            Self::Frame => OsiLayer::Physical,
            Self::Null | Self::Ethernet | Self::Vlan | Self::Ieee8021ad | Self::Sll | Self::Raw => {
                OsiLayer::DataLink
            }
            Self::Arp | Self::Ipv4 | Self::Ipv6 | Self::Icmp | Self::Icmpv6 => OsiLayer::Network,
            Self::Udp | Self::Tcp | Self::Quic => OsiLayer::Transport,
            Self::Tls => OsiLayer::Presentation,
            Self::Http | Self::Http2 | Self::Http3 | Self::TextLines => OsiLayer::Application,
            Self::Data => OsiLayer::Application,
        }
    }

    /// The name display filters and `frame.protocols` use, as in Wireshark.
    pub fn filter_name(self) -> &'static str {
        match self {
            Self::Frame => "frame",
            Self::Null => "null",
            Self::Ethernet => "eth",
            Self::Vlan => "vlan",
            Self::Ieee8021ad => "ieee8021ad",
            Self::Sll => "sll",
            Self::Raw => "raw",
            Self::Arp => "arp",
            Self::Ipv4 => "ip",
            Self::Ipv6 => "ipv6",
            Self::Icmp => "icmp",
            Self::Icmpv6 => "icmpv6",
            Self::Udp => "udp",
            Self::Tcp => "tcp",
            Self::Quic => "quic",
            Self::Tls => "tls",
            Self::Http => "http",
            Self::Http2 => "http2",
            Self::Http3 => "http3",
            Self::TextLines => "data-text-lines",
            Self::Data => "data",
        }
    }

    /// The short name shown in the Protocol column.
    pub fn column_name(self) -> &'static str {
        match self {
            Self::Frame => "Frame",
            Self::Null => "Null",
            Self::Ethernet => "Ethernet",
            Self::Vlan => "802.1Q",
            Self::Ieee8021ad => "802.1ad",
            Self::Sll => "SLL",
            Self::Raw => "Raw",
            Self::Arp => "ARP",
            Self::Ipv4 => "IPv4",
            Self::Ipv6 => "IPv6",
            Self::Icmp => "ICMP",
            Self::Icmpv6 => "ICMPv6",
            Self::Udp => "UDP",
            Self::Tcp => "TCP",
            Self::Quic => "QUIC",
            Self::Tls => "TLS",
            Self::Http => "HTTP",
            Self::Http2 => "HTTP2",
            Self::Http3 => "HTTP3",
            Self::TextLines => "HTTP",
            Self::Data => "Data",
        }
    }

    /// The protocol's full name.
    pub fn full_name(self) -> &'static str {
        match self {
            Self::Frame => "Frame",
            Self::Null => "BSD loopback",
            Self::Ethernet => "Ethernet II",
            Self::Vlan => "802.1Q virtual LAN",
            Self::Ieee8021ad => "IEEE 802.1ad provider bridging",
            Self::Sll => "Linux cooked capture",
            Self::Raw => "Raw packet data",
            Self::Arp => "Address Resolution Protocol",
            Self::Ipv4 => "Internet Protocol version 4",
            Self::Ipv6 => "Internet Protocol version 6",
            Self::Icmp => "Internet Control Message Protocol",
            Self::Icmpv6 => "Internet Control Message Protocol v6",
            Self::Udp => "User Datagram Protocol",
            Self::Tcp => "Transmission Control Protocol",
            Self::Quic => "QUIC IETF",
            Self::Tls => "Transport Layer Security",
            Self::Http => "Hypertext Transfer Protocol",
            Self::Http2 => "HyperText Transfer Protocol 2",
            Self::Http3 => "Hypertext Transfer Protocol Version 3",
            Self::TextLines => "Line-based text data",
            Self::Data => "Data",
        }
    }

    /// What the protocol is for, in one line.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::Frame => "the packet as captured: when, how long on the wire, how much was kept",
            Self::Null => "the loopback interface's header: only the address family of what follows",
            Self::Ethernet => "carries a frame between two network cards on the same link",
            Self::Vlan => "a tag that splits one physical link into several virtual ones",
            Self::Ieee8021ad => "a provider's outer VLAN tag, wrapped around a customer's (QinQ)",
            Self::Sll => "a header Linux writes when capturing on several interfaces at once",
            Self::Raw => "the capture starts directly with the IP header, with no link header",
            Self::Arp => {
                "finds the hardware address that owns an IPv4 address (it sits between layers 2 and 3)"
            }
            Self::Ipv4 => "addresses and routes a datagram between hosts, fragmenting it if needed",
            Self::Ipv6 => "addresses and routes a datagram between hosts, with 128-bit addresses",
            Self::Icmp => "IPv4's error and diagnostic messages: ping, unreachable, time exceeded",
            Self::Icmpv6 => "IPv6's errors and diagnostics, and neighbour discovery in place of ARP",
            Self::Udp => "a datagram between two ports: no connection, no ordering, no retransmission",
            Self::Tcp => "a reliable, ordered byte stream between two ports, with a handshake",
            Self::Quic => {
                "reliable, encrypted streams over UDP: transport and TLS 1.3 handshake in one, so fewer round trips"
            }
            Self::Tls => {
                "encrypts and authenticates a stream; its handshake agrees on keys and proves the server's identity"
            }
            Self::Http => "requests and responses, one at a time per connection, as text",
            Self::Http2 => "HTTP's requests and responses as binary frames, many streams on one connection",
            Self::Http3 => {
                "HTTP over QUIC: each request on its own QUIC stream, headers compressed with QPACK"
            }
            Self::TextLines => "a text body, shown line by line",
            Self::Data => "payload that rttscope does not decode",
        }
    }

    /// Looks a protocol up by its filter name.
    pub fn from_filter_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|protocol| protocol.filter_name() == name)
    }
}

/// The OSI layer a field plays on. Most fields sit on their protocol's layer; those of
/// protocols that span layers (DESIGN section 2) are placed by what they describe: a TCP
/// stream's state and a TLS or QUIC handshake on the session layer, record and packet
/// protection on the presentation layer.
pub fn field_layer(field: &str, protocol: Protocol) -> OsiLayer {
    let session = match protocol {
        Protocol::Tcp => {
            field == "tcp.stream"
                || field.starts_with("tcp.analysis")
                || field.starts_with("tcp.completeness")
                || field.starts_with("tcp.time_")
        }
        Protocol::Tls => field.starts_with("tls.handshake") || field.starts_with("tls.alert_message"),
        Protocol::Quic => {
            [
                "quic.connection.number",
                "quic.dcil",
                "quic.dcid",
                "quic.scil",
                "quic.scid",
                "quic.token",
                "quic.token_length",
                "quic.retry_token",
                "quic.retry_integrity_tag",
                "quic.supported_version",
            ]
            .contains(&field)
                || field.starts_with("quic.crypto")
                || field.starts_with("quic.nci")
                || field.starts_with("quic.rci")
                || field.starts_with("quic.nt.")
                || field.starts_with("quic.cc.")
        }
        _ => false,
    };
    if session {
        return OsiLayer::Session;
    }
    let presentation = protocol == Protocol::Quic
        && ["quic.key_phase", "quic.protected_payload", "quic.remaining_payload"].contains(&field);
    if presentation { OsiLayer::Presentation } else { protocol.osi() }
}

/// What a protocol does on a layer other than its own, for a tree that shows it there.
pub fn role(protocol: Protocol, layer: OsiLayer) -> Option<&'static str> {
    Some(match (protocol, layer) {
        (Protocol::Tcp, OsiLayer::Session) => "TCP connection state",
        (Protocol::Tls, OsiLayer::Session) => "TLS handshake",
        (Protocol::Quic, OsiLayer::Session) => "QUIC handshake and connection IDs",
        (Protocol::Quic, OsiLayer::Presentation) => "QUIC packet protection",
        _ => return None,
    })
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.column_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protocol_sits_on_one_layer_and_is_found_by_name() {
        for protocol in Protocol::ALL {
            assert_eq!(Protocol::from_filter_name(protocol.filter_name()), Some(protocol));
            assert!(!protocol.explanation().is_empty());
        }
        assert_eq!(Protocol::Tcp.osi(), OsiLayer::Transport);
        assert_eq!(Protocol::Arp.osi(), OsiLayer::Network);
        assert_eq!(OsiLayer::Transport.to_string(), "L4 Transport");
        for layer in OsiLayer::ALL {
            assert_eq!(OsiLayer::from_number(layer.number()), Some(layer));
        }
        assert_eq!((OsiLayer::from_number(0), OsiLayer::from_number(8)), (None, None));
    }

    #[test]
    fn fields_of_protocols_that_span_layers_sit_where_they_play() {
        assert_eq!(field_layer("tcp.srcport", Protocol::Tcp), OsiLayer::Transport);
        assert_eq!(field_layer("tcp.stream", Protocol::Tcp), OsiLayer::Session);
        assert_eq!(field_layer("tcp.analysis.retransmission", Protocol::Tcp), OsiLayer::Session);
        assert_eq!(field_layer("tls.handshake.type", Protocol::Tls), OsiLayer::Session);
        assert_eq!(field_layer("tls.record.content_type", Protocol::Tls), OsiLayer::Presentation);
        assert_eq!(field_layer("quic.dcid", Protocol::Quic), OsiLayer::Session);
        assert_eq!(field_layer("quic.crypto.offset", Protocol::Quic), OsiLayer::Session);
        assert_eq!(field_layer("quic.protected_payload", Protocol::Quic), OsiLayer::Presentation);
        assert_eq!(field_layer("quic.stream.stream_id", Protocol::Quic), OsiLayer::Transport);
        assert_eq!(field_layer("http.request.method", Protocol::Http), OsiLayer::Application);
        for layer in [OsiLayer::Session, OsiLayer::Presentation] {
            assert!(role(Protocol::Quic, layer).is_some());
        }
        assert_eq!(role(Protocol::Tcp, OsiLayer::Transport), None);
    }
}
