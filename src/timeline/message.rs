//! What a timeline event carries, typed: the messages of one packet and direction, in the
//! order they were on the wire, and what befell the packet (a retransmission, a loss).
//!
//! A [`Message`] gives both the words that label it and the sentence that explains it
//! ([`super::explain`]), so rewording a label can never change an explanation. An event's
//! label is its messages' labels joined with " · ", then its [`Note`]s.

use std::fmt::{self, Write as _};

use crate::dissect::quic::header::Kind;
use crate::dissect::tls::handshake::{self, kind};

use super::stored::Name;

/// One message of an event.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Message {
    /// A TCP SYN, or with `ack` a SYN-ACK, and the Fast Open option shown with it.
    Syn {
        ack: bool,
        fast_open: Option<FastOpen>,
    },
    /// The client's ACK that completes the TCP handshake.
    Ack,
    Fin,
    Rst,
    /// TCP payload sent again and not decoded again, or a far-side frame lost on the link: its
    /// length.
    Segment {
        len: usize,
    },
    /// A TLS handshake message, over TCP or in QUIC CRYPTO frames.
    Handshake(Handshake),
    /// A TLS handshake record rttscope has no keys for.
    EncryptedHandshake,
    ChangeCipherSpec,
    /// A TLS alert and its description; None when it stays encrypted.
    Alert(#[serde(with = "super::stored::interned_option")] Option<Name>),
    /// A TLS application-data record (when no HTTP message was read from it).
    ApplicationData,
    /// A DTLS 1.3 ACK record, decrypted (RFC 9147 section 7).
    DtlsAck,
    /// TLS 1.3 records whose real type is hidden (no keys): `records` of them, taken for
    /// application data or for the handshake by where they fall.
    Protected {
        application: bool,
        records: u32,
    },
    /// A message of a proxy's handshake: an HTTP CONNECT or its answer, a SOCKS message.
    Proxy {
        label: String,
    },
    /// An HTTP/1.x message: its start line without the version ("GET /x", "200 OK").
    Http1 {
        start_line: String,
    },
    Http2Request {
        method: String,
        path: String,
    },
    /// The client's HTTP/1.1 request to switch to WebSocket: its start line without the
    /// version.
    WebSocketUpgrade {
        request: String,
    },
    /// The server's 101 Switching Protocols to WebSocket.
    SwitchingProtocols,
    /// A WebSocket frame, by its opcode.
    WebSocket {
        opcode: u8,
    },
    Http2Response {
        status: String,
    },
    /// A QUIC packet of the datagram.
    Quic(QuicPacket),
    /// A QUIC long header of a version rttscope does not read.
    UnreadVersion(u32),
    /// Part of a DTLS handshake message that a later datagram completes (its type).
    HandshakeFragment(u8),
    /// A UDP datagram that is not QUIC: what it carries, and its payload length.
    Datagram {
        carries: Carried,
        len: usize,
    },
    EchoRequest {
        seq: u16,
    },
    EchoReply {
        seq: u16,
    },
    /// An SSH message, or encrypted SSH bytes taken for one by where they fall (issue 18).
    Ssh(super::ssh::SshMessage),
    /// HTTP/2's start: the client's preface and SETTINGS, or the server's first SETTINGS
    /// (issue 18, shown on every HTTP/2 connection; a round only on a gRPC one).
    Http2Start {
        preface: bool,
    },
    /// An HTTP/2 control frame in a packet that carries nothing else HTTP/2 names ("SETTINGS
    /// ACK", "WINDOW_UPDATE", "GOAWAY"), as tshark's Info column names it.
    Http2Control(#[serde(with = "super::stored::interned")] Name),
    /// A gRPC call's request: its method's path.
    GrpcCall {
        path: String,
    },
    /// The gRPC messages a packet completed.
    GrpcMessages {
        count: usize,
    },
    /// The `grpc-status` that ends a call.
    GrpcStatus {
        status: String,
    },
    /// A STUN message (issue 18).
    Stun(super::stun::StunMessage),
    /// A DNS message over UDP (issue 17).
    Dns(super::dns::DnsMessage),
    /// The DNS query that looked up the server's address, before the connection.
    LookupQuery {
        name: String,
        /// The resolver asked, with its port.
        resolver: String,
    },
    /// The DNS answer that gave the server's address, and how long after the query it came;
    /// boxed, as the largest variant would make every message of every timeline larger.
    LookupAnswer(Box<Resolved>),
}

/// What a DNS lookup before a connection found.
/// What a datagram with no message of its own carries, named as the Protocol column names it:
/// media beside a WebRTC handshake, DTLS records after it, or nothing rttscope reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Carried {
    Udp,
    Dtls,
    Rtp,
    Srtp,
    Rtcp,
    Srtcp,
}

impl Carried {
    pub fn name(self) -> &'static str {
        match self {
            Self::Udp => "UDP",
            Self::Dtls => "DTLS",
            Self::Rtp => "RTP",
            Self::Srtp => "SRTP",
            Self::Rtcp => "RTCP",
            Self::Srtcp => "SRTCP",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Resolved {
    pub name: String,
    /// Where the name's CNAME chain ended, when it had one.
    pub canonical: Option<String>,
    pub address: std::net::IpAddr,
    pub time_ns: i64,
}

/// The TCP Fast Open option of a SYN, as the timeline names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FastOpen {
    /// A client's empty option: asking for a cookie.
    CookieRequest,
    Cookie,
}

/// A TLS handshake message: its type, and for a ServerHello whether it is a HelloRetryRequest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Handshake {
    pub kind: u8,
    pub hello_retry: bool,
}

/// A QUIC packet: its type and, once decrypted, the frames the timeline shows.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QuicPacket {
    pub kind: Kind,
    /// None while it stays encrypted (and for Retry and Version Negotiation, which have no
    /// frames).
    pub frames: Option<Vec<QuicFrame>>,
}

/// A QUIC frame worth showing.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum QuicFrame {
    /// CRYPTO data and the TLS handshake messages it completed (none when sent again).
    Crypto(Vec<Handshake>),
    /// STREAM data and the HTTP/3 frames read from it.
    Stream {
        stream_id: u64,
        http3: Vec<Http3Frame>,
    },
    HandshakeDone,
    ConnectionClose,
    NewToken,
    /// NEW_CONNECTION_ID frames in a row, counted.
    NewConnectionId(u32),
    RetireConnectionId(u32),
    PathChallenge,
    PathResponse,
    Datagram,
    /// Only acknowledgements: shown when a packet carries nothing else.
    Ack,
}

/// An HTTP/3 frame of a stream.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Http3Frame {
    Request {
        method: String,
        path: String,
    },
    Response {
        status: String,
    },
    /// A HEADERS frame with neither a method nor a status.
    Headers,
    /// Another frame, by its name ("SETTINGS", "DATA").
    Other(#[serde(with = "super::stored::interned")] Name),
}

/// What befell an event's packet, written after its messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Note {
    /// A copy of a message already sent.
    Retransmission,
    /// TCP called it a retransmission, but this is the first copy to reach this point of the
    /// path.
    SentAgain,
    /// Seen leaving the client, never seen arriving at the server.
    LostOnLink,
    /// Seen leaving the server, never seen arriving at the client.
    LostBeforeClient,
    /// Early data the server turned down.
    EarlyDataRejected,
}

impl Note {
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Retransmission => " (retransmission)",
            Self::SentAgain => " (sent again: the first copy was lost)",
            Self::LostOnLink | Self::LostBeforeClient => " (lost on the link)",
            Self::EarlyDataRejected => " (0-RTT rejected: sent again later)",
        }
    }
}

impl QuicFrame {
    /// Adds `frame` to `frames`, counting it with the last one when both are NEW_CONNECTION_ID
    /// or RETIRE_CONNECTION_ID: "NEW_CONNECTION_ID ×4" rather than four names.
    pub fn push_counted(frames: &mut Vec<QuicFrame>, frame: QuicFrame) {
        match (frames.last_mut(), &frame) {
            (Some(Self::NewConnectionId(count)), Self::NewConnectionId(_))
            | (Some(Self::RetireConnectionId(count)), Self::RetireConnectionId(_)) => *count += 1,
            _ => frames.push(frame),
        }
    }
}

impl Message {
    /// The words an event shows for this message.
    pub fn label(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syn { ack, fast_open } => {
                f.write_str(if *ack { "SYN-ACK" } else { "SYN" })?;
                match fast_open {
                    Some(FastOpen::CookieRequest) => f.write_str(" (TFO cookie request)"),
                    Some(FastOpen::Cookie) => f.write_str(" (TFO cookie)"),
                    None => Ok(()),
                }
            }
            Self::Ack => f.write_str("ACK"),
            Self::Fin => f.write_str("FIN"),
            Self::Rst => f.write_str("RST"),
            Self::Segment { len } => write!(f, "{len} bytes"),
            Self::Handshake(message) => message.fmt(f),
            Self::EncryptedHandshake => f.write_str("encrypted handshake"),
            Self::ChangeCipherSpec => f.write_str("ChangeCipherSpec"),
            Self::Alert(Some(description)) => write!(f, "Alert({description})"),
            Self::Alert(None) => f.write_str("encrypted Alert"),
            Self::ApplicationData => f.write_str("ApplicationData"),
            Self::DtlsAck => f.write_str("DTLS ACK"),
            Self::Protected { application, records } => {
                let what = if *application { "encrypted data" } else { "encrypted handshake" };
                let plural = if *records == 1 { "" } else { "s" };
                write!(f, "{what}, {records} record{plural}")
            }
            Self::Http1 { start_line } => write!(f, "HTTP {start_line}"),
            Self::Proxy { label } => f.write_str(label),
            Self::Http2Request { method, path } => write!(f, "HTTP/2 {method} {path}"),
            Self::WebSocketUpgrade { request } => write!(f, "WebSocket Upgrade ({request})"),
            Self::SwitchingProtocols => f.write_str("HTTP 101 Switching Protocols"),
            Self::WebSocket { opcode } => {
                write!(f, "WebSocket {}", crate::dissect::websocket::opcode::name(*opcode))
            }
            Self::Http2Response { status } => write!(f, "HTTP/2 {status}"),
            Self::Quic(packet) => packet.fmt(f),
            Self::UnreadVersion(version) => {
                write!(f, "long header of version {version:#010x}, which rttscope does not read")
            }
            Self::HandshakeFragment(kind) => {
                write!(
                    f,
                    "{} (fragment)",
                    crate::dissect::tls::names::handshake_type(*kind).unwrap_or("Handshake")
                )
            }
            Self::Datagram { carries, len } => write!(f, "{} {len} bytes", carries.name()),
            Self::EchoRequest { seq } => write!(f, "Echo request seq={seq}"),
            Self::EchoReply { seq } => write!(f, "Echo reply seq={seq}"),
            Self::Ssh(message) => message.fmt(f),
            Self::Http2Start { preface: true } => f.write_str("HTTP/2 preface + SETTINGS"),
            Self::Http2Start { preface: false } => f.write_str("HTTP/2 SETTINGS"),
            Self::Http2Control(name) => write!(f, "HTTP/2 {name}"),
            Self::GrpcCall { path } => write!(f, "gRPC {path}"),
            Self::GrpcMessages { count: 1 } => f.write_str("gRPC message"),
            Self::GrpcMessages { count } => write!(f, "gRPC {count} messages"),
            Self::GrpcStatus { status } => write!(f, "grpc-status {status}"),
            Self::Stun(message) => message.fmt(f),
            Self::Dns(message) => message.fmt(f),
            Self::LookupQuery { name, resolver } => write!(f, "lookup {name}: DNS query to {resolver}"),
            Self::LookupAnswer(resolved) => {
                let Resolved { name, canonical, address, time_ns } = &**resolved;
                write!(f, "lookup {name}: ")?;
                if let Some(canonical) = canonical {
                    write!(f, "CNAME {canonical}, ")?;
                }
                write!(f, "{address} in {:.3} ms", *time_ns as f64 / 1e6)
            }
        }
    }
}

impl fmt::Display for Handshake {
    /// Its name without spaces, as the protocol's specification writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match (self.kind, self.hello_retry) {
            (kind::END_OF_EARLY_DATA, _) => "EndOfEarlyData",
            (_, true) => "Hello Retry Request",
            (kind, false) => handshake::info_name(kind),
        };
        name.split(' ').try_for_each(|word| f.write_str(word))
    }
}

impl fmt::Display for QuicPacket {
    /// "Initial[CRYPTO: ClientHello]", "Handshake (encrypted)", "Retry".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.name())?;
        match &self.frames {
            None if matches!(self.kind, Kind::Retry | Kind::VersionNegotiation) => Ok(()),
            None => f.write_str(" (encrypted)"),
            Some(frames) if frames.is_empty() => Ok(()),
            Some(frames) => {
                f.write_char('[')?;
                for (at, frame) in frames.iter().enumerate() {
                    if at > 0 {
                        f.write_str(", ")?;
                    }
                    frame.fmt(f)?;
                }
                f.write_char(']')
            }
        }
    }
}

impl fmt::Display for QuicFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counted = |f: &mut fmt::Formatter<'_>, name: &str, count: u32| {
            if count > 1 { write!(f, "{name} ×{count}") } else { f.write_str(name) }
        };
        match self {
            Self::Crypto(messages) if messages.is_empty() => f.write_str("CRYPTO"),
            Self::Crypto(messages) => {
                f.write_str("CRYPTO: ")?;
                join(f, messages, " · ")
            }
            Self::Stream { stream_id, http3 } if http3.is_empty() => write!(f, "STREAM {stream_id}"),
            Self::Stream { stream_id, http3 } => {
                write!(f, "STREAM {stream_id}: ")?;
                join(f, http3, ", ")
            }
            Self::HandshakeDone => f.write_str("HANDSHAKE_DONE"),
            Self::ConnectionClose => f.write_str("CONNECTION_CLOSE"),
            Self::NewToken => f.write_str("NEW_TOKEN"),
            Self::NewConnectionId(count) => counted(f, "NEW_CONNECTION_ID", *count),
            Self::RetireConnectionId(count) => counted(f, "RETIRE_CONNECTION_ID", *count),
            Self::PathChallenge => f.write_str("PATH_CHALLENGE"),
            Self::PathResponse => f.write_str("PATH_RESPONSE"),
            Self::Datagram => f.write_str("DATAGRAM"),
            Self::Ack => f.write_str("ACK"),
        }
    }
}

impl fmt::Display for Http3Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Request { method, path } => write!(f, "HTTP/3 {method} {path}"),
            Self::Response { status } => write!(f, "HTTP/3 {status}"),
            Self::Headers => f.write_str("HTTP/3 HEADERS"),
            Self::Other(name) => f.write_str(name),
        }
    }
}

/// Writes `items` with `separator` between them.
fn join<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T], separator: &str) -> fmt::Result {
    for (at, item) in items.iter().enumerate() {
        if at > 0 {
            f.write_str(separator)?;
        }
        item.fmt(f)?;
    }
    Ok(())
}

/// An event's label: its messages' labels in wire order, then its notes.
pub fn label(messages: &[Message], notes: &[Note]) -> String {
    let mut label = String::new();
    for (at, message) in messages.iter().enumerate() {
        if at > 0 {
            label.push_str(" · ");
        }
        let _ = write!(label, "{message}");
    }
    for note in notes {
        label.push_str(note.suffix());
    }
    label
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_labelled_as_the_protocols_name_them() {
        let client_hello = Handshake { kind: kind::CLIENT_HELLO, hello_retry: false };
        let retry = Handshake { kind: kind::SERVER_HELLO, hello_retry: true };
        let end = Handshake { kind: kind::END_OF_EARLY_DATA, hello_retry: false };
        assert_eq!(Message::Handshake(client_hello).label(), "ClientHello");
        assert_eq!(Message::Handshake(retry).label(), "HelloRetryRequest");
        assert_eq!(Message::Handshake(end).label(), "EndOfEarlyData");
        let syn = Message::Syn { ack: false, fast_open: Some(FastOpen::CookieRequest) };
        assert_eq!(syn.label(), "SYN (TFO cookie request)");
        assert_eq!(
            Message::Syn { ack: true, fast_open: Some(FastOpen::Cookie) }.label(),
            "SYN-ACK (TFO cookie)"
        );
        assert_eq!(Message::Alert(Some("Close Notify")).label(), "Alert(Close Notify)");
        assert_eq!(Message::Alert(None).label(), "encrypted Alert");
        assert_eq!(Message::Protected { application: true, records: 1 }.label(), "encrypted data, 1 record");
        assert_eq!(
            Message::Protected { application: false, records: 3 }.label(),
            "encrypted handshake, 3 records"
        );
        assert_eq!(Message::Http1 { start_line: "200 OK".into() }.label(), "HTTP 200 OK");
        assert_eq!(Message::Http2Request { method: "GET".into(), path: "/".into() }.label(), "HTTP/2 GET /");
        assert_eq!(
            Message::UnreadVersion(0x1a2a_3a4a).label(),
            "long header of version 0x1a2a3a4a, which rttscope does not read"
        );
    }

    #[test]
    fn quic_packets_list_their_frames() {
        let initial = QuicPacket {
            kind: Kind::Initial,
            frames: Some(vec![QuicFrame::Crypto(vec![Handshake {
                kind: kind::SERVER_HELLO,
                hello_retry: false,
            }])]),
        };
        assert_eq!(Message::Quic(initial).label(), "Initial[CRYPTO: ServerHello]");
        let request = QuicFrame::Stream {
            stream_id: 0,
            http3: vec![
                Http3Frame::Request { method: "GET".into(), path: "/x".into() },
                Http3Frame::Other("DATA"),
            ],
        };
        let zero_rtt = QuicPacket { kind: Kind::ZeroRtt, frames: Some(vec![request]) };
        assert_eq!(zero_rtt.to_string(), "0-RTT[STREAM 0: HTTP/3 GET /x, DATA]");
        assert_eq!(QuicPacket { kind: Kind::Handshake, frames: None }.to_string(), "Handshake (encrypted)");
        assert_eq!(QuicPacket { kind: Kind::Retry, frames: None }.to_string(), "Retry");
        assert_eq!(QuicPacket { kind: Kind::Initial, frames: Some(vec![]) }.to_string(), "Initial");
    }

    #[test]
    fn repeated_frames_are_counted() {
        let mut frames = vec![QuicFrame::Ack];
        for _ in 0..3 {
            QuicFrame::push_counted(&mut frames, QuicFrame::NewConnectionId(1));
        }
        QuicFrame::push_counted(&mut frames, QuicFrame::RetireConnectionId(1));
        let shown: Vec<String> = frames.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["ACK", "NEW_CONNECTION_ID ×3", "RETIRE_CONNECTION_ID"]);
    }

    #[test]
    fn an_event_label_joins_its_messages_then_its_notes() {
        let messages = [
            Message::Http1 { start_line: "200 OK".into() },
            Message::Alert(Some("Close Notify")),
            Message::Fin,
        ];
        assert_eq!(
            label(&messages, &[Note::Retransmission, Note::LostOnLink]),
            "HTTP 200 OK · Alert(Close Notify) · FIN (retransmission) (lost on the link)"
        );
    }
}
