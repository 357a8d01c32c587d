//! The one table of protocols: every protocol rttscope decodes is one row here, and the row is
//! all the rest of the program knows of it.
//!
//! A row gives the protocol's names (for filters and `frame.protocols`, for the Protocol column,
//! and in full), its OSI layer and what it does on other layers, one sentence on what it is
//! for, and the field tables its module exports. [`Protocol`], [`Protocol::ALL`], the display
//! filter's protocol names, the field registry (`crate::registry`), the OSI view and the
//! tshark differential's list of known protocols are all generated from this table, so a
//! protocol declared here is known everywhere without another edit. What rides on what is not
//! here but in the dispatch tables, one entry per protocol.

use crate::dissect;
use crate::osi::OsiLayer;
use crate::registry::FieldInfo;

/// Declares [`Protocol`] and everything read from its table.
macro_rules! protocols {
    ($(
        $(#[$doc:meta])*
        $variant:ident {
            filter: $filter:literal,
            column: $column:literal,
            full: $full:literal,
            layer: $layer:ident,
            $(roles: [$($role_layer:ident => $role:literal),* $(,)?],)?
            $(also_lists: [$($also:literal),* $(,)?],)?
            fields: [$($table:expr),* $(,)?],
            explanation: $explanation:expr,
        }
    )*) => {
        /// Every protocol a layer can be.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Protocol {
            $($(#[$doc])* $variant,)*
        }

        impl Protocol {
            /// How many protocols there are.
            pub const COUNT: usize = [$(stringify!($variant)),*].len();

            /// Every protocol, in the table's order (the outside in).
            pub const ALL: [Self; Self::COUNT] = [$(Self::$variant),*];

            /// The OSI layer the protocol sits on.
            pub const fn osi(self) -> OsiLayer {
                match self {
                    $(Self::$variant => OsiLayer::$layer,)*
                }
            }

            /// The name display filters and `frame.protocols` use, as in Wireshark.
            pub const fn filter_name(self) -> &'static str {
                match self {
                    $(Self::$variant => $filter,)*
                }
            }

            /// The short name shown in the Protocol column.
            pub const fn column_name(self) -> &'static str {
                match self {
                    $(Self::$variant => $column,)*
                }
            }

            /// The protocol's full name.
            pub const fn full_name(self) -> &'static str {
                match self {
                    $(Self::$variant => $full,)*
                }
            }

            /// What the protocol is for, in one line.
            pub const fn explanation(self) -> &'static str {
                match self {
                    $(Self::$variant => $explanation,)*
                }
            }

            /// What the protocol does on layers other than its own, for a tree that shows it
            /// there (DESIGN section 2: TCP's connection state sits on the session layer).
            pub const fn roles(self) -> &'static [(OsiLayer, &'static str)] {
                match self {
                    $(Self::$variant => &[$($((OsiLayer::$role_layer, $role)),*)?],)*
                }
            }

            /// Names besides [`Self::filter_name`] that Wireshark lists in `frame.protocols`
            /// for parts of this protocol's header or payload (`ethertype`, `ipv6.hopopts`,
            /// `x509sat` for a certificate's names). Those no field table declares are
            /// known to `-e` and `-Y` all the same ([`crate::registry::lookup`]).
            pub const fn also_lists(self) -> &'static [&'static str] {
                match self {
                    $(Self::$variant => &[$($($also),*)?],)*
                }
            }

            /// The field tables the protocol's module exports.
            pub const fn field_tables(self) -> &'static [&'static [FieldInfo]] {
                match self {
                    $(Self::$variant => &[$($table),*],)*
                }
            }
        }
    };
}

protocols! {
    Frame {
        filter: "frame",
        column: "Frame",
        full: "Frame",
        layer: Physical,
        fields: [dissect::frame::name::FIELDS],
        explanation: "the packet as captured: when, how long on the wire, how much was kept",
    }
    Null {
        filter: "null",
        column: "Null",
        full: "BSD loopback",
        layer: DataLink,
        fields: [dissect::null::name::FIELDS],
        explanation: "the loopback interface's header: only the address family of what follows",
    }
    Ethernet {
        filter: "eth",
        column: "Ethernet",
        full: "Ethernet II",
        layer: DataLink,
        also_lists: ["ethertype", "llc"],
        fields: [dissect::ethernet::name::FIELDS],
        explanation: "carries a frame between two network cards on the same link",
    }
    Vlan {
        filter: "vlan",
        column: "802.1Q",
        full: "802.1Q virtual LAN",
        layer: DataLink,
        fields: [dissect::vlan::name::FIELDS],
        explanation: "a tag that splits one physical link into several virtual ones",
    }
    Ieee8021ad {
        filter: "ieee8021ad",
        column: "802.1ad",
        full: "IEEE 802.1ad provider bridging",
        layer: DataLink,
        fields: [dissect::vlan::service_name::FIELDS],
        explanation: "a provider's outer VLAN tag, wrapped around a customer's (QinQ)",
    }
    Sll {
        filter: "sll",
        column: "SLL",
        full: "Linux cooked capture",
        layer: DataLink,
        fields: [dissect::sll::name::FIELDS],
        explanation: "a header Linux writes when capturing on several interfaces at once",
    }
    Raw {
        filter: "raw",
        column: "Raw",
        full: "Raw packet data",
        layer: DataLink,
        fields: [],
        explanation: "the capture starts directly with the IP header, with no link header",
    }
    Arp {
        filter: "arp",
        column: "ARP",
        full: "Address Resolution Protocol",
        layer: Network,
        fields: [dissect::arp::name::FIELDS],
        explanation: "finds the hardware address that owns an IPv4 address (it sits between layers 2 and 3)",
    }
    Ipv4 {
        filter: "ip",
        column: "IPv4",
        full: "Internet Protocol version 4",
        layer: Network,
        fields: [dissect::ipv4::name::FIELDS],
        explanation: "addresses and routes a datagram between hosts, fragmenting it if needed",
    }
    Ipv6 {
        filter: "ipv6",
        column: "IPv6",
        full: "Internet Protocol version 6",
        layer: Network,
        also_lists: ["ipv6.hopopts", "ipv6.routing", "ipv6.fraghdr", "ipv6.dstopts"],
        fields: [dissect::ipv6::name::FIELDS],
        explanation: "addresses and routes a datagram between hosts, with 128-bit addresses",
    }
    Icmp {
        filter: "icmp",
        column: "ICMP",
        full: "Internet Control Message Protocol",
        layer: Network,
        fields: [dissect::icmp::name::FIELDS],
        explanation: "IPv4's error and diagnostic messages: ping, unreachable, time exceeded",
    }
    Icmpv6 {
        filter: "icmpv6",
        column: "ICMPv6",
        full: "Internet Control Message Protocol v6",
        layer: Network,
        fields: [dissect::icmpv6::name::FIELDS],
        explanation: "IPv6's errors and diagnostics, and neighbour discovery in place of ARP",
    }
    Udp {
        filter: "udp",
        column: "UDP",
        full: "User Datagram Protocol",
        layer: Transport,
        fields: [dissect::udp::name::FIELDS],
        explanation: "a datagram between two ports: no connection, no ordering, no retransmission",
    }
    Tcp {
        filter: "tcp",
        column: "TCP",
        full: "Transmission Control Protocol",
        layer: Transport,
        roles: [Session => "TCP connection state"],
        fields: [dissect::tcp::name::FIELDS],
        explanation: "a reliable, ordered byte stream between two ports, with a handshake",
    }
    Quic {
        filter: "quic",
        column: "QUIC",
        full: "QUIC IETF",
        layer: Transport,
        roles: [
            Session => "QUIC handshake and connection IDs",
            Presentation => "QUIC packet protection",
        ],
        fields: [dissect::quic::name::FIELDS],
        explanation: "reliable, encrypted streams over UDP: transport and TLS 1.3 handshake in one, so fewer round trips",
    }
    Tls {
        filter: "tls",
        column: "TLS",
        full: "Transport Layer Security",
        layer: Presentation,
        roles: [Session => "TLS handshake"],
        also_lists: ["x509sat", "x509ce", "pkcs-1"],
        fields: [dissect::tls::name::FIELDS, dissect::tls::sslv2::name::FIELDS],
        explanation: "encrypts and authenticates a stream; its handshake agrees on keys and proves the server's identity",
    }
    Http {
        filter: "http",
        column: "HTTP",
        full: "Hypertext Transfer Protocol",
        layer: Application,
        fields: [dissect::http1::name::FIELDS],
        explanation: "requests and responses, one at a time per connection, as text",
    }
    Http2 {
        filter: "http2",
        column: "HTTP2",
        full: "HyperText Transfer Protocol 2",
        layer: Application,
        fields: [dissect::http2::name::FIELDS, dissect::http1::names::HTTP2_HEADER_FIELDS],
        explanation: "HTTP's requests and responses as binary frames, many streams on one connection",
    }
    Http3 {
        filter: "http3",
        column: "HTTP3",
        full: "Hypertext Transfer Protocol Version 3",
        layer: Application,
        fields: [dissect::http3::name::FIELDS, dissect::http1::names::HTTP3_HEADER_FIELDS],
        explanation: "HTTP over QUIC: each request on its own QUIC stream, headers compressed with QPACK",
    }
    TextLines {
        filter: "data-text-lines",
        column: "HTTP",
        full: "Line-based text data",
        layer: Application,
        fields: [],
        explanation: "a text body, shown line by line",
    }
    Data {
        filter: "data",
        column: "Data",
        full: "Data",
        layer: Application,
        fields: [dissect::data::name::FIELDS],
        explanation: "payload that rttscope does not decode",
    }
    Vxlan {
        filter: "vxlan",
        column: "VXLAN",
        full: "Virtual eXtensible Local Area Network",
        layer: DataLink,
        fields: [dissect::vxlan::name::FIELDS],
        explanation: "a tunnel: an Ethernet frame carried over UDP, tagged with its virtual network",
    }
    Geneve {
        filter: "geneve",
        column: "Geneve",
        full: "Generic Network Virtualization Encapsulation",
        layer: DataLink,
        fields: [dissect::geneve::name::FIELDS],
        explanation: "a tunnel: a frame carried over UDP with its virtual network and a list of options",
    }
    Gre {
        filter: "gre",
        column: "GRE",
        full: "Generic Routing Encapsulation",
        layer: Network,
        fields: [dissect::gre::name::FIELDS],
        explanation: "a tunnel: a packet of any protocol carried directly over IP, with an optional key and sequence number",
    }
    Erspan {
        filter: "erspan",
        column: "ERSPAN",
        full: "Encapsulated Remote Switch Packet ANalysis",
        layer: DataLink,
        fields: [dissect::erspan::name::FIELDS],
        explanation: "a copy of a frame a switch mirrored to a remote analyser, over GRE",
    }
    Mpls {
        filter: "mpls",
        column: "MPLS",
        full: "MultiProtocol Label Switching",
        layer: Network,
        fields: [dissect::mpls::name::FIELDS],
        explanation: "labels a provider's routers switch a packet by, stacked in front of it",
    }
    // ---- the chatter of every LAN (issue 17)
    Ntp {
        filter: "ntp",
        column: "NTP",
        full: "Network Time Protocol",
        layer: Application,
        fields: [dissect::ntp::name::FIELDS],
        explanation: "sets clocks: a client's request and a server's answer carry four timestamps",
    }
    Dhcp {
        filter: "dhcp",
        column: "DHCP",
        full: "Dynamic Host Configuration Protocol",
        layer: Application,
        fields: [dissect::dhcp::name::FIELDS],
        explanation: "gives a host its IPv4 address, router and DNS servers: discover, offer, request, acknowledge",
    }
    Dhcpv6 {
        filter: "dhcpv6",
        column: "DHCPv6",
        full: "DHCPv6",
        layer: Application,
        fields: [dissect::dhcpv6::name::FIELDS],
        explanation: "gives a host its IPv6 addresses and DNS servers: solicit, advertise, request, reply",
    }
    Nbdgm {
        filter: "nbdgm",
        column: "NBDS",
        full: "NetBIOS Datagram Service",
        layer: Session,
        fields: [dissect::netbios::name::FIELDS],
        explanation: "carries a datagram between NetBIOS names, such as Windows' browser announcements",
    }
    Socks {
        filter: "socks",
        column: "Socks",
        full: "Socks Protocol",
        layer: Session,
        fields: [dissect::socks::name::FIELDS],
        explanation: "asks a proxy to open a connection on the client's behalf, then relays its stream",
    }
    Dns {
        filter: "dns",
        column: "DNS",
        full: "Domain Name System",
        layer: Application,
        fields: [dissect::dns::name::FIELDS],
        explanation: "asks for the records of a name (its addresses, mail servers, aliases) and answers",
    }
    Mdns {
        filter: "mdns",
        column: "MDNS",
        full: "Multicast Domain Name System",
        layer: Application,
        fields: [],
        explanation: "DNS on the local link without a server: each host answers for its own names (.local)",
    }
    Llmnr {
        filter: "llmnr",
        column: "LLMNR",
        full: "Link-local Multicast Name Resolution",
        layer: Application,
        fields: [],
        explanation: "Windows' DNS on the local link: a multicast question that the named host answers",
    }
    // ---- the course's other protocols (issue 18)
    WebSocket {
        filter: "websocket",
        column: "WebSocket",
        full: "WebSocket",
        layer: Application,
        fields: [dissect::websocket::name::FIELDS],
        explanation: "a two-way message channel an HTTP/1.1 Upgrade opens: text, binary, ping, pong and close frames",
    }
    // ---- issue 17: the rest of the LAN's chatter
    Nbns {
        filter: "nbns",
        column: "NBNS",
        full: "NetBIOS Name Service",
        layer: Session,
        fields: [dissect::nbns::name::FIELDS],
        explanation: "finds the address of a NetBIOS name (a Windows host or workgroup) and registers names",
    }
    Ssdp {
        filter: "ssdp",
        column: "SSDP",
        full: "Simple Service Discovery Protocol",
        layer: Application,
        fields: [],
        explanation: "HTTP over UDP: a device announces itself (NOTIFY) and answers a search (M-SEARCH)",
    }
    Ssh {
        filter: "ssh",
        column: "SSH",
        full: "SSH Protocol",
        layer: Session,
        roles: [Presentation => "SSH packet encryption and MAC after NEWKEYS"],
        fields: [dissect::ssh::name::FIELDS],
        explanation: "opens an encrypted remote shell: version lines, KEXINIT, a key exchange and NEWKEYS in the clear; every packet after NEWKEYS is encrypted and cannot be read without the session keys, which SSH never logs",
    }
    // ---- issue 18: DTLS
    Dtls {
        filter: "dtls",
        column: "DTLS",
        full: "Datagram Transport Layer Security",
        layer: Presentation,
        roles: [Session => "DTLS handshake"],
        fields: [dissect::dtls::name::FIELDS],
        explanation: "TLS over datagrams: records carry an epoch and a sequence number, handshake messages are cut into fragments that fit a datagram, and a server may first ask for a cookie (HelloVerifyRequest) to prove the client's address",
    }
    // ---- issue 18: gRPC
    Grpc {
        filter: "grpc",
        column: "GRPC",
        full: "GRPC Message",
        layer: Application,
        fields: [dissect::grpc::name::FIELDS],
        explanation: "remote procedure calls over HTTP/2: the request's :path names the method, each message is a compressed flag and a length before its bytes, and grpc-status ends the call",
    }
    Protobuf {
        filter: "protobuf",
        column: "ProtoBuf",
        full: "Protocol Buffers",
        layer: Presentation,
        fields: [dissect::protobuf::name::FIELDS],
        explanation: "the binary encoding of gRPC messages: numbered fields, each a varint, a fixed 32- or 64-bit number or length-delimited bytes (a string or a nested message)",
    }
    // ---- issue 18: STUN/TURN and what RFC 7983 demultiplexes beside it
    Stun {
        filter: "stun",
        column: "STUN",
        full: "Session Traversal Utilities for NAT",
        layer: Application,
        fields: [dissect::stun::name::FIELDS],
        explanation: "asks a server which address and port a NAT gave the client (Binding), and TURN asks it to relay (Allocate, channels); WebRTC's ICE checks each candidate pair with it",
    }
    Rtp {
        filter: "rtp",
        column: "RTP",
        full: "Real-Time Transport Protocol",
        layer: Application,
        fields: [dissect::rtp::name::FIELDS],
        explanation: "carries audio and video: each packet's payload type, sequence number, timestamp and source; SRTP encrypts the payload",
    }
    Rtcp {
        filter: "rtcp",
        column: "RTCP",
        full: "Real-time Transport Control Protocol",
        layer: Application,
        fields: [dissect::rtp::rtcp_name::FIELDS],
        explanation: "RTP's reports: what each source sent and received, and goodbyes; SRTCP encrypts all but the first header",
    }
}

impl Protocol {
    /// Looks a protocol up by its filter name.
    pub fn from_filter_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|protocol| protocol.filter_name() == name)
    }

    /// What the protocol does on `layer`, when that is not its own layer.
    pub fn role(self, layer: OsiLayer) -> Option<&'static str> {
        self.roles().iter().find(|(on, _)| *on == layer).map(|&(_, role)| role)
    }

    /// The protocol's fields, from all its tables.
    pub fn fields(self) -> impl Iterator<Item = &'static FieldInfo> {
        self.field_tables().iter().flat_map(|table| table.iter())
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.column_name())
    }
}
