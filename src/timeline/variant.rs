//! What a connection was: its transport, its kind of HTTPS (or plain) connection, whether TCP
//! Fast Open and TLS early data played a part. Each value serializes as the name DESIGN
//! section 5's JSON gives it, and displays as that same name, so the text, JSON and TUI views
//! can never spell a variant two ways.

use std::fmt;

use serde::Serialize;

/// What carried the connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    #[default]
    Tcp,
    Udp,
    Quic,
    /// ICMP echoes: a ping exchange.
    Icmp,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::Quic => "quic",
            Self::Icmp => "icmp",
        }
    }
}

/// DESIGN section 3's variants, and the conversations that are none of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Variant {
    /// Plain HTTP over TCP.
    #[serde(rename = "http")]
    Http,
    #[serde(rename = "tls12")]
    Tls12,
    /// A TLS 1.2 abbreviated handshake (session ID or ticket).
    #[serde(rename = "tls12-resumed")]
    Tls12Resumed,
    #[serde(rename = "tls13")]
    Tls13,
    /// TLS 1.3 resumption with early data over TCP.
    #[serde(rename = "tls13-0rtt")]
    Tls13ZeroRtt,
    /// TCP Fast Open, the ClientHello in the SYN.
    #[serde(rename = "tfo-tls13")]
    TfoTls13,
    /// TCP Fast Open and TLS 1.3 early data: the request in the SYN.
    #[serde(rename = "tfo-tls13-0rtt")]
    TfoTls13ZeroRtt,
    /// HTTP/3 over QUIC.
    #[serde(rename = "quic")]
    Quic,
    #[serde(rename = "quic-0rtt")]
    QuicZeroRtt,
    /// TCP that carried neither TLS nor HTTP.
    #[serde(rename = "tcp")]
    Tcp,
    #[serde(rename = "udp")]
    Udp,
    /// A ping exchange.
    #[serde(rename = "icmp")]
    Icmp,
    /// WebSocket over TCP: an HTTP/1.1 Upgrade, then frames (issue 18).
    #[serde(rename = "ws")]
    Ws,
    /// WebSocket over TLS.
    #[serde(rename = "wss")]
    Wss,
    /// WebSocket over an HTTP/2 stream's extended CONNECT (RFC 8441), HTTP/2 with prior
    /// knowledge.
    #[serde(rename = "ws-h2")]
    WsH2,
    /// The same over TLS.
    #[serde(rename = "wss-h2")]
    WssH2,
    /// An SSH login and its first command (issue 18).
    #[serde(rename = "ssh")]
    Ssh,
    /// DTLS 1.2, its server answering the first ClientHello (issue 18).
    #[serde(rename = "dtls12")]
    Dtls12,
    /// DTLS 1.2 with the cookie exchange: a HelloVerifyRequest first.
    #[serde(rename = "dtls12-cookie")]
    Dtls12Cookie,
    /// DTLS 1.3.
    #[serde(rename = "dtls13")]
    Dtls13,
    /// gRPC over HTTP/2 over TLS: the preface and SETTINGS, then a call (issue 18).
    #[serde(rename = "grpc")]
    Grpc,
    /// A STUN Binding request and its response: one round trip (issue 18).
    #[serde(rename = "stun")]
    Stun,
    /// A DNS query over UDP and its response: one round trip (issue 17).
    #[serde(rename = "dns")]
    Dns,
}

impl Variant {
    pub const ALL: [Self; 23] = [
        Self::Http,
        Self::Tls12,
        Self::Tls12Resumed,
        Self::Tls13,
        Self::Tls13ZeroRtt,
        Self::TfoTls13,
        Self::TfoTls13ZeroRtt,
        Self::Quic,
        Self::QuicZeroRtt,
        Self::Tcp,
        Self::Udp,
        Self::Icmp,
        Self::Ws,
        Self::Wss,
        Self::WsH2,
        Self::WssH2,
        Self::Ssh,
        Self::Dtls12,
        Self::Dtls12Cookie,
        Self::Dtls13,
        Self::Grpc,
        Self::Stun,
        Self::Dns,
    ];

    /// The name DESIGN section 3 gives it ("tls13-0rtt").
    pub fn name(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Tls12 => "tls12",
            Self::Tls12Resumed => "tls12-resumed",
            Self::Tls13 => "tls13",
            Self::Tls13ZeroRtt => "tls13-0rtt",
            Self::TfoTls13 => "tfo-tls13",
            Self::TfoTls13ZeroRtt => "tfo-tls13-0rtt",
            Self::Quic => "quic",
            Self::QuicZeroRtt => "quic-0rtt",
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::Icmp => "icmp",
            Self::Ws => "ws",
            Self::Wss => "wss",
            Self::WsH2 => "ws-h2",
            Self::WssH2 => "wss-h2",
            Self::Ssh => "ssh",
            Self::Dtls12 => "dtls12",
            Self::Dtls12Cookie => "dtls12-cookie",
            Self::Dtls13 => "dtls13",
            Self::Grpc => "grpc",
            Self::Stun => "stun",
            Self::Dns => "dns",
        }
    }

    /// The variant of that name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|variant| variant.name() == name)
    }

    /// Round trips the usual implementation adds to both textbook counts, and why, in a few
    /// words: OpenSSH's client asks which methods and which key the server accepts before it
    /// signs (`gen ssh` runs OpenSSH); a server that holds HTTP/2's SETTINGS until the client's Finished costs
    /// `wss-h2` one. A table shows such a count as the textbook's plus these, not as wrong.
    pub fn implementation_rounds(self) -> Option<(u32, &'static str)> {
        match self {
            Self::Ssh => Some((2, "OpenSSH probes \"none\" and the key before its signed request")),
            // Hypercorn's, and rustls's through tokio-rustls (`gen wss-h2`).
            Self::WssH2 => Some((1, "the server sends its HTTP/2 SETTINGS after the client's Finished")),
            _ => None,
        }
    }

    /// DESIGN section 3's textbook round trips: `(request_rtts, response_rtts)`.
    pub fn textbook(self) -> Option<(u32, u32)> {
        Some(match self {
            Self::Http => (1, 2),
            Self::Tls12 => (3, 4),
            Self::Tls12Resumed => (2, 3),
            Self::Tls13 => (2, 3),
            Self::Tls13ZeroRtt | Self::TfoTls13 | Self::Quic => (1, 2),
            Self::TfoTls13ZeroRtt | Self::QuicZeroRtt => (0, 1),
            // The Upgrade and its 101 cost one round trip after TCP's (ws) or TLS 1.3's (wss).
            Self::Ws => (2, 3),
            Self::Wss => (3, 4),
            // RFC 8441: the client must have the server's SETTINGS (ENABLE_CONNECT_PROTOCOL)
            // before its CONNECT, and its 2xx before the first frame. In the clear the server's
            // SETTINGS come after TCP's round, so the CONNECT goes in round 2; over TLS 1.3 a
            // server may send them with its Finished (0.5-RTT), so the CONNECT goes with the
            // client's Finished, in round 2 as well. A server that sends them only after the
            // client's Finished (Hypercorn) costs one more round over TLS.
            Self::WsH2 | Self::WssH2 => (3, 4),
            // Version lines and KEXINITs crossing in round 1, the key exchange, NEWKEYS with
            // the service request, one user authentication, the channel open, then the exec
            // or shell request; its first output byte comes back in the round after.
            Self::Ssh => (6, 7),
            // TLS 1.2's two rounds without TCP's (the ClientHello is the first datagram); the
            // cookie exchange (HelloVerifyRequest, ClientHello again) adds one; DTLS 1.3 as
            // TLS 1.3 without TCP, as QUIC.
            Self::Dtls12 => (2, 3),
            Self::Dtls12Cookie => (3, 4),
            Self::Dtls13 => (1, 2),
            // TLS 1.3's: HTTP/2 lets the client send its call right after its preface, without
            // the server's SETTINGS (RFC 9113 section 3.4). A client that waits for them (as
            // grpcio does) spends one more round.
            Self::Grpc => (2, 3),
            // The Binding request is the first flight; its response, the server's mapped
            // address, comes back one round trip later.
            Self::Stun => (0, 1),
            // The query is the first datagram; its answer comes back one round trip later.
            Self::Dns => (0, 1),
            Self::Tcp | Self::Udp | Self::Icmp => return None,
        })
    }

    /// What the variant is, in words.
    pub fn words(self) -> &'static str {
        match self {
            Self::Http => "plain HTTP over TCP",
            Self::Tls12 => "TLS 1.2 over TCP",
            Self::Tls12Resumed => "TLS 1.2 resumed over TCP",
            Self::Tls13 => "TLS 1.3 over TCP",
            Self::Tls13ZeroRtt => "TLS 1.3 with 0-RTT over TCP",
            Self::TfoTls13 => "TLS 1.3 over TCP Fast Open",
            Self::TfoTls13ZeroRtt => "TLS 1.3 with 0-RTT over TCP Fast Open",
            Self::Quic => "HTTP/3 over QUIC",
            Self::QuicZeroRtt => "HTTP/3 over QUIC with 0-RTT",
            Self::Udp => "UDP",
            Self::Icmp => "ping",
            Self::Tcp => "TCP",
            Self::Ws => "WebSocket over TCP",
            Self::Wss => "WebSocket over TLS",
            Self::WsH2 => "WebSocket over HTTP/2 (extended CONNECT)",
            Self::WssH2 => "WebSocket over HTTP/2 over TLS",
            Self::Ssh => "SSH login and command",
            Self::Dtls12 => "DTLS 1.2 over UDP",
            Self::Dtls12Cookie => "DTLS 1.2 with a cookie exchange",
            Self::Dtls13 => "DTLS 1.3 over UDP",
            Self::Grpc => "gRPC over HTTP/2 over TLS",
            Self::Stun => "STUN Binding over UDP",
            Self::Dns => "DNS lookup over UDP",
        }
    }
}

/// What TCP Fast Open did for the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tfo {
    None,
    /// The client asked for a cookie, for a later connection.
    CookieRequest,
    /// The client's SYN carried data.
    DataInSyn,
}

impl Tfo {
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::CookieRequest => "cookie-request",
            Self::DataInSyn => "data-in-syn",
        }
    }
}

/// What became of TLS 1.3 or QUIC early data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EarlyData {
    /// The client offered none.
    None,
    Accepted,
    /// The server turned it down: the request went again after the handshake.
    Rejected,
}

impl EarlyData {
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
        }
    }
}

macro_rules! display_by_name {
    ($($kind:ty),*) => {$(
        impl fmt::Display for $kind {
            /// The name, padded as the format asks (`{:<15}` in a table).
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.name())
            }
        }
    )*};
}
display_by_name!(Transport, Variant, Tfo, EarlyData);

/// The proxy a connection went through, whose own handshake comes before TLS's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Proxy {
    /// An HTTP proxy, asked with CONNECT.
    #[serde(rename = "http-connect")]
    HttpConnect,
    #[serde(rename = "socks4")]
    Socks4,
    #[serde(rename = "socks5")]
    Socks5,
}

impl Proxy {
    pub fn name(self) -> &'static str {
        match self {
            Self::HttpConnect => "http-connect",
            Self::Socks4 => "socks4",
            Self::Socks5 => "socks5",
        }
    }

    /// Why the proxy costs round trips, in words.
    pub fn words(self) -> &'static str {
        match self {
            Self::HttpConnect => {
                "through an HTTP proxy: its CONNECT costs one round trip before the TLS handshake"
            }
            Self::Socks4 => {
                "through a SOCKS4 proxy: its request costs one round trip before the TLS handshake"
            }
            Self::Socks5 => {
                "through a SOCKS5 proxy: its greeting and its request (and a password exchange, if asked) \
                 each cost one round trip before the TLS handshake"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_json_names() {
        for variant in Variant::ALL {
            assert_eq!(serde_json::to_value(variant).ok(), Some(variant.name().into()));
            assert_eq!(Variant::from_name(variant.name()), Some(variant));
            assert_eq!(variant.to_string(), variant.name());
        }
        assert_eq!(Variant::from_name("tls14"), None);
        for tfo in [Tfo::None, Tfo::CookieRequest, Tfo::DataInSyn] {
            assert_eq!(serde_json::to_value(tfo).ok(), Some(tfo.name().into()));
        }
        for early in [EarlyData::None, EarlyData::Accepted, EarlyData::Rejected] {
            assert_eq!(serde_json::to_value(early).ok(), Some(early.name().into()));
        }
        for transport in [Transport::Tcp, Transport::Udp, Transport::Quic, Transport::Icmp] {
            assert_eq!(serde_json::to_value(transport).ok(), Some(transport.name().into()));
        }
        assert_eq!(Tfo::DataInSyn.to_string(), "data-in-syn");
        assert_eq!(format!("{:<6}|", Variant::Quic), "quic  |");
    }

    #[test]
    fn every_https_variant_has_its_textbook_round_trips() {
        assert_eq!(Variant::Tls12.textbook(), Some((3, 4)));
        assert_eq!(Variant::QuicZeroRtt.textbook(), Some((0, 1)));
        assert_eq!(Variant::Tcp.textbook(), None);
        let counted = Variant::ALL.iter().filter(|variant| variant.textbook().is_some()).count();
        // The nine ways to HTTPS and plain HTTP, WebSocket over TCP and TLS and over HTTP/2 in
        // the clear and over TLS, SSH, DTLS 1.2 with and without the cookie exchange and DTLS
        // 1.3, gRPC, STUN and a DNS lookup.
        assert_eq!(counted, 20);
        assert_eq!(Variant::WsH2.textbook(), Some((3, 4)));
        assert_eq!(Variant::WssH2.textbook(), Some((3, 4)));
        assert_eq!(Variant::from_name("wss-h2"), Some(Variant::WssH2));
        assert_eq!(Variant::Stun.textbook(), Some((0, 1)));
        assert_eq!(Variant::Dns.textbook(), Some((0, 1)));
        assert_eq!(Variant::Ws.textbook(), Some((2, 3)));
        assert_eq!(Variant::Wss.textbook(), Some((3, 4)));
        assert_eq!(Variant::Ssh.textbook(), Some((6, 7)));
        assert_eq!(Variant::Dtls12.textbook(), Some((2, 3)));
        assert_eq!(Variant::Dtls12Cookie.textbook(), Some((3, 4)));
        assert_eq!(Variant::Dtls13.textbook(), Some((1, 2)));
        assert_eq!(Variant::Ws.textbook(), Some((2, 3)));
        assert_eq!(Variant::Wss.textbook(), Some((3, 4)));
        assert_eq!(Variant::Ssh.textbook(), Some((6, 7)));
        assert_eq!(Variant::Grpc.textbook(), Some((2, 3)));
    }
}
