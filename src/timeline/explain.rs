//! One sentence per message: why it exists and what the client may do once it has it.
//!
//! Each [`Message`] names its [`Explanation`] from what it is, never from its label. An event
//! may join several messages; it is explained by the one that matters most for the round
//! count: [`Explanation`]'s variants are declared most telling first, and a lost or
//! retransmitted packet is explained as such whatever it carried.

use super::message::{FastOpen, Handshake, Http3Frame, Message, Note, QuicFrame, QuicPacket};
use super::rounds::Side;
use crate::dissect::quic::header::Kind;
use crate::dissect::tls::handshake::kind;

/// What an event is explained as, most telling first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Explanation {
    LostOnLink,
    LostBeforeClient,
    Retransmission,
    VersionNegotiation,
    UnreadVersion,
    ZeroRtt,
    HelloRetryRequest,
    HelloVerifyRequest,
    Retry,
    SynAck,
    ProxyRequest,
    ProxyAnswer,
    WebSocketUpgrade,
    SwitchingProtocols,
    TfoCookieRequest,
    /// A SYN with a Fast Open cookie and data.
    TfoData,
    Syn,
    EndOfEarlyData,
    ClientHello,
    ServerHello,
    ServerHelloDone,
    ClientKeyExchange,
    NewSessionTicket,
    ClientFinished,
    ServerFinished,
    ServerEncryptedHandshake,
    ClientEncryptedHandshake,
    EncryptedData,
    Http3Request,
    Http3Response,
    HandshakeDone,
    QuicServerHandshake,
    QuicClientHandshake,
    QuicOneRtt,
    Stream,
    QuicAck,
    DtlsAck,
    Http2Request,
    Http2Response,
    GrpcCall,
    GrpcStatus,
    GrpcMessage,
    Http2Preface,
    Http2Settings,
    Http2Control,
    HttpRequest,
    HttpResponse,
    WebSocketMessage,
    ApplicationData,
    ChangeCipherSpec,
    Alert,
    Ack,
    Rst,
    Fin,
    EchoRequest,
    EchoReply,
    Datagram,
    /// A STUN request (issue 18).
    StunRequest,
    StunResponse,
    /// Part of a DTLS handshake message split across datagrams.
    HandshakeFragment,
    /// A DNS query over UDP and its response (issue 17).
    DnsQuery,
    DnsResponse,
    SshVersion,
    SshKexInit,
    SshClientKeyExchange,
    SshServerKeyExchange,
    SshNewKeys,
    SshClientEncrypted,
    SshServerAnswer,
    SshUnsolicited,
    SshShellRequest,
    SshShellData,
    LookupQuery,
    LookupAnswer,
}

impl Explanation {
    pub fn text(self) -> &'static str {
        match self {
            Self::LostOnLink => {
                "lost on the link: it never reached the server, so nothing answers it until the \
                 client's retransmission timer fires and sends it again, and that wait is time the handshake loses"
            }
            Self::LostBeforeClient => {
                "lost on the link: it never reached the client, which waits, unanswered, until \
                 the server's retransmission timer fires and sends it again"
            }
            Self::Retransmission => "a copy of a message that seemed lost: shown, but it starts no new round",
            Self::VersionNegotiation => {
                "the server does not speak the client's QUIC version and lists the ones it does: the client starts again, one more round trip"
            }
            Self::UnreadVersion => {
                "a QUIC packet in a version rttscope does not read, such as one made up to test version negotiation"
            }
            Self::ZeroRtt => {
                "QUIC 0-RTT: the request goes with the ClientHello, under keys from an earlier connection; no round trip to wait for"
            }
            Self::HelloRetryRequest => {
                "the server wants a key share for another group: the client must send a second ClientHello, one more round trip"
            }
            Self::HelloVerifyRequest => {
                "the DTLS server wants proof that the client owns its address: the client sends its ClientHello again with this cookie, one more round trip"
            }
            Self::Retry => {
                "the server wants proof that the client owns its address: the client sends its Initial again with this token, one more round trip"
            }
            Self::SynAck => {
                "the server accepts the connection and acknowledges the SYN: the client may now send (one round trip spent)"
            }
            Self::ProxyRequest => {
                "the client asks the proxy to open a tunnel to the server (HTTP CONNECT, or a SOCKS \
                 greeting or request): the TLS handshake waits for the answer"
            }
            Self::ProxyAnswer => {
                "the proxy answers: only now may the client go on, so each exchange with the proxy \
                 costs one round trip before the TLS handshake; once the tunnel is granted, the \
                 client's next bytes reach the server as if it had connected directly"
            }
            Self::TfoCookieRequest => {
                "a SYN asking for a Fast Open cookie, so that the next connection can carry data in its SYN"
            }
            Self::TfoData => {
                "TCP Fast Open: the SYN already carries data, saving the round trip of the TCP handshake"
            }
            Self::Syn => {
                "the client opens a TCP connection: nothing else may be sent until the SYN-ACK comes back (round 0)"
            }
            Self::EndOfEarlyData => {
                "the client's 0-RTT data is over; what follows is protected with the handshake keys"
            }
            Self::ClientHello => {
                "the client proposes versions, cipher suites and key shares: the TLS handshake starts"
            }
            Self::ServerHello => {
                "the server picks the version, suite and key share: from here both sides can compute handshake keys"
            }
            Self::ServerHelloDone => {
                "TLS 1.2: the server's flight is complete, the client may now send its key exchange"
            }
            Self::ClientKeyExchange => {
                "TLS 1.2: the client's share of the key exchange; with the server's Finished still to come, it must wait another round trip"
            }
            Self::NewSessionTicket => {
                "a ticket for resuming later: not needed now, so it adds no round trip even when it arrives first"
            }
            Self::ClientFinished => {
                "the client proves it saw the same handshake; it may send its request right behind it"
            }
            Self::ServerFinished => {
                "the server proves it saw the same handshake: the client can now trust the keys"
            }
            Self::ServerEncryptedHandshake => {
                "the rest of the server's handshake flight, encrypted (no key log given)"
            }
            Self::ClientEncryptedHandshake => "the client's handshake messages, encrypted (no key log given)",
            Self::EncryptedData => "application data, encrypted (no key log given)",
            Self::Http3Request => "the HTTP/3 request: the application finally speaks",
            Self::Http3Response => "the HTTP/3 response: the first answer to the request",
            Self::HandshakeDone => {
                "QUIC: the server confirms the handshake; the client already sent its request, so no round trip is added"
            }
            Self::QuicServerHandshake => {
                "the rest of the server's QUIC handshake flight, encrypted (no key log given)"
            }
            Self::QuicClientHandshake => "the client's QUIC Finished, encrypted (no key log given)",
            Self::QuicOneRtt => "QUIC application data, encrypted (no key log given)",
            Self::Stream => "QUIC stream data: HTTP/3 control and request streams",
            Self::QuicAck => "acknowledgements: they keep loss recovery going and start no round",
            Self::DtlsAck => {
                "DTLS 1.3's acknowledgement of the handshake records received, so the other side \
                 stops sending them again; it starts no round"
            }
            Self::GrpcCall => {
                "the gRPC call: an HTTP/2 request whose :path names the service and method, its \
                 content-type application/grpc"
            }
            Self::GrpcStatus => {
                "grpc-status in the trailers ends the call: 0 is OK, anything else an error with \
                 grpc-message saying why"
            }
            Self::GrpcMessage => {
                "gRPC messages: each a compressed flag and a 4-byte length before its Protocol Buffers bytes"
            }
            Self::Http2Preface => {
                "the client's HTTP/2 preface and SETTINGS: it may send its request right after \
                 them, or wait for the server's SETTINGS first (a round trip, as grpcio does)"
            }
            Self::Http2Settings => {
                "the server's HTTP/2 SETTINGS: it gates the client only if the client waits for \
                 it before its first request"
            }
            Self::Http2Control => {
                "HTTP/2's own bookkeeping (a SETTINGS acknowledgement, flow control, the end of the \
                 connection): no request or response, and no round of its own"
            }
            Self::Http2Request => "the HTTP/2 request: the application finally speaks",
            Self::Http2Response => "the HTTP/2 response: the first answer to the request",
            Self::WebSocketUpgrade => {
                "the client asks the server to switch this HTTP/1.1 connection to WebSocket (RFC \
                 6455): it may send no frame before the server agrees, so the Upgrade costs one \
                 more round trip after the TCP (and TLS) handshake"
            }
            Self::SwitchingProtocols => {
                "the server agrees (101 Switching Protocols): from here the stream carries \
                 WebSocket frames both ways, and the client may send its first message"
            }
            Self::WebSocketMessage => {
                "a WebSocket frame on the open channel: a text or binary message (or a fragment \
                 of one), or a ping, pong or close"
            }
            Self::HttpRequest => "the HTTP request: the application finally speaks",
            Self::HttpResponse => "the HTTP response: the first answer to the request",
            Self::ApplicationData => "application data, protected by the session's keys",
            Self::ChangeCipherSpec => "from here this side encrypts (in TLS 1.3 only a compatibility signal)",
            Self::Alert => {
                "a TLS alert: a warning such as close_notify, or a fatal error that ends the session"
            }
            Self::Ack => "the client acknowledges the SYN-ACK: the TCP handshake is complete",
            Self::Rst => "the connection is reset",
            Self::Fin => "this side has nothing more to send",
            Self::EchoRequest => "an echo request: does the host answer, and how long does it take?",
            Self::EchoReply => "the echo reply: one round trip, measured",
            Self::Datagram => "a datagram: no handshake, no connection, nothing to wait for",
            Self::StunRequest => {
                "a STUN request: a Binding asks the server which address and port it sees the client \
                 at (through any NAT); ICE checks a candidate pair with one"
            }
            Self::HandshakeFragment => {
                "part of a handshake message too long for one datagram: DTLS cuts it into fragments, \
                 each saying where it goes, and the message is read when its last fragment arrives"
            }
            Self::DnsQuery => {
                "a DNS query: the client asks a resolver for a name's records (its address, for a \
                 connection to follow), in one datagram with no handshake"
            }
            Self::DnsResponse => {
                "the DNS response, one round trip after the query: the records asked for, or why \
                 there are none (NXDOMAIN, SERVFAIL)"
            }
            Self::StunResponse => {
                "the STUN response: XOR-MAPPED-ADDRESS is the client's address as the server saw it, \
                 one round trip after the request"
            }
            Self::SshVersion => {
                "an SSH identification line (protocol and software version); each side sends its own \
                 without waiting for the other's, so the two cross in one round trip"
            }
            Self::SshKexInit => {
                "KEXINIT: each side lists the key exchange, host key, cipher, MAC and compression \
                 algorithms it takes; the key exchange cannot start before the client has the server's"
            }
            Self::SshClientKeyExchange => {
                "the client's half of the key exchange (its ephemeral public key, or its group request): \
                 it must wait for the server's answer, one round trip"
            }
            Self::SshServerKeyExchange => {
                "the server's half of the key exchange, signed with its host key (or the group to \
                 use): the client can now compute the session keys, or send its half"
            }
            Self::SshNewKeys => {
                "NEWKEYS: from the next packet on, this direction is encrypted; without the session \
                 keys, which SSH never writes to a key log, its packets cannot be read, only counted and sized"
            }
            Self::SshClientEncrypted => {
                "an encrypted step of the client's (a service request, a user authentication, a channel \
                 open), named by where it falls: each waits for the server's answer, one round trip"
            }
            Self::SshServerAnswer => {
                "the server's encrypted answer (service accept, authentication reply or success, channel \
                 confirmation): only now may the client take its next step"
            }
            Self::SshUnsolicited => {
                "encrypted bytes the client does not wait for (such as OpenSSH's EXT_INFO): no round trip"
            }
            Self::SshShellRequest => {
                "the client asks for its command or shell on the open channel: the first byte of the \
                 session's own work"
            }
            Self::SshShellData => "the command's or shell's output comes back: the first shell byte",
            Self::LookupQuery => {
                "before any connection, the client asks a DNS resolver for the server's address: \
                 nothing can go to the server until the answer is back"
            }
            Self::LookupAnswer => {
                "the resolver gives the server's address: only now may the client open the \
                 connection, so the lookup's time adds to the time to the first byte (round 0, \
                 before the connection's own round trips)"
            }
        }
    }
}

/// Picks one of two explanations by who sent the message.
pub(super) fn by_side(side: Side, client: Explanation, server: Explanation) -> Explanation {
    match side {
        Side::Client => client,
        Side::Server => server,
    }
}

impl Message {
    /// The sentence that explains this message sent by `side`; empty when there is none.
    pub fn explanation(&self, side: Side) -> &'static str {
        self.explained(side, false).map_or("", Explanation::text)
    }

    /// What explains this message sent by `side`; `followed` tells whether more messages
    /// come after it in its packet (a Fast Open SYN followed by data saves a round trip).
    pub fn explained(&self, side: Side, followed: bool) -> Option<Explanation> {
        Some(match self {
            Self::Syn { ack: true, .. } => Explanation::SynAck,
            Self::Syn { fast_open: Some(FastOpen::CookieRequest), .. } => Explanation::TfoCookieRequest,
            Self::Syn { fast_open: Some(FastOpen::Cookie), .. } if followed => Explanation::TfoData,
            Self::Syn { .. } => Explanation::Syn,
            Self::Ack => Explanation::Ack,
            Self::Fin => Explanation::Fin,
            Self::Rst => Explanation::Rst,
            Self::Segment { .. } => return None,
            Self::Handshake(message) => return message.explained(side),
            Self::EncryptedHandshake | Self::Protected { application: false, .. } => {
                by_side(side, Explanation::ClientEncryptedHandshake, Explanation::ServerEncryptedHandshake)
            }
            Self::Protected { application: true, .. } => Explanation::EncryptedData,
            Self::ChangeCipherSpec => Explanation::ChangeCipherSpec,
            Self::Alert(_) => Explanation::Alert,
            Self::ApplicationData => Explanation::ApplicationData,
            Self::DtlsAck => Explanation::DtlsAck,
            Self::Http1 { .. } => by_side(side, Explanation::HttpRequest, Explanation::HttpResponse),
            Self::Proxy { .. } => by_side(side, Explanation::ProxyRequest, Explanation::ProxyAnswer),
            Self::WebSocketUpgrade { .. } => Explanation::WebSocketUpgrade,
            Self::SwitchingProtocols => Explanation::SwitchingProtocols,
            Self::WebSocket { .. } => Explanation::WebSocketMessage,
            Self::Http2Request { .. } | Self::Http2Response { .. } => {
                by_side(side, Explanation::Http2Request, Explanation::Http2Response)
            }
            Self::Quic(packet) => return packet.explained(side),
            Self::UnreadVersion(_) => Explanation::UnreadVersion,
            Self::Datagram { .. } => Explanation::Datagram,
            Self::HandshakeFragment(_) => Explanation::HandshakeFragment,
            Self::EchoRequest { .. } => Explanation::EchoRequest,
            Self::EchoReply { .. } => Explanation::EchoReply,
            Self::Ssh(message) => return message.explained(side),
            Self::Http2Start { preface: true } => Explanation::Http2Preface,
            Self::Http2Start { preface: false } => Explanation::Http2Settings,
            Self::Http2Control(_) => Explanation::Http2Control,
            Self::GrpcCall { .. } => Explanation::GrpcCall,
            Self::GrpcMessages { .. } => Explanation::GrpcMessage,
            Self::GrpcStatus { .. } => Explanation::GrpcStatus,
            Self::Stun(message) => return message.explained(side),
            Self::Dns(message) => return message.explained(side),
            Self::LookupQuery { .. } => Explanation::LookupQuery,
            Self::LookupAnswer(_) => Explanation::LookupAnswer,
        })
    }
}

impl Handshake {
    fn explained(self, side: Side) -> Option<Explanation> {
        Some(match self.kind {
            kind::CLIENT_HELLO => Explanation::ClientHello,
            kind::SERVER_HELLO if self.hello_retry => Explanation::HelloRetryRequest,
            crate::dissect::tls::handshake::HELLO_VERIFY_REQUEST => Explanation::HelloVerifyRequest,
            // The ServerHelloDone has kept the ServerHello's sentence since the days when
            // labels were matched by substring ("ServerHelloDone" holds "ServerHello"); its own,
            // Explanation::ServerHelloDone, waits for a change that may alter explanations.
            kind::SERVER_HELLO | kind::SERVER_HELLO_DONE => Explanation::ServerHello,
            kind::END_OF_EARLY_DATA => Explanation::EndOfEarlyData,
            kind::CLIENT_KEY_EXCHANGE => Explanation::ClientKeyExchange,
            kind::NEW_SESSION_TICKET => Explanation::NewSessionTicket,
            kind::FINISHED => by_side(side, Explanation::ClientFinished, Explanation::ServerFinished),
            _ => return None,
        })
    }
}

impl QuicPacket {
    fn explained(&self, side: Side) -> Option<Explanation> {
        let Some(frames) = &self.frames else {
            return match (self.kind, side) {
                (Kind::VersionNegotiation, _) => Some(Explanation::VersionNegotiation),
                (Kind::Retry, _) => Some(Explanation::Retry),
                (Kind::Handshake, _) => {
                    Some(by_side(side, Explanation::QuicClientHandshake, Explanation::QuicServerHandshake))
                }
                (Kind::Short, _) => Some(Explanation::QuicOneRtt),
                _ => None,
            };
        };
        let zero_rtt = (self.kind == Kind::ZeroRtt && side == Side::Client && !frames.is_empty())
            .then_some(Explanation::ZeroRtt);
        let acks = (frames.as_slice() == [QuicFrame::Ack]).then_some(Explanation::QuicAck);
        let carried = frames.iter().filter_map(|frame| frame.explained(side));
        zero_rtt.into_iter().chain(acks).chain(carried).min()
    }
}

impl QuicFrame {
    fn explained(&self, side: Side) -> Option<Explanation> {
        match self {
            Self::Crypto(messages) => messages.iter().filter_map(|message| message.explained(side)).min(),
            Self::Stream { http3, .. } => {
                http3.iter().filter_map(|frame| frame.explained(side)).chain([Explanation::Stream]).min()
            }
            Self::HandshakeDone => Some(Explanation::HandshakeDone),
            _ => None,
        }
    }
}

impl Http3Frame {
    fn explained(&self, side: Side) -> Option<Explanation> {
        match (self, side) {
            // A client's request other than a GET has kept the sentence of the stream that
            // carries it, as when labels were matched by substring ("HTTP/3 GET").
            (Self::Request { method, .. }, Side::Client) if method == "GET" => {
                Some(Explanation::Http3Request)
            }
            (Self::Request { .. } | Self::Response { .. } | Self::Headers, Side::Server) => {
                Some(Explanation::Http3Response)
            }
            _ => None,
        }
    }
}

impl Note {
    fn explained(self) -> Option<Explanation> {
        match self {
            Self::Retransmission => Some(Explanation::Retransmission),
            Self::LostOnLink => Some(Explanation::LostOnLink),
            Self::LostBeforeClient => Some(Explanation::LostBeforeClient),
            Self::SentAgain | Self::EarlyDataRejected => None,
        }
    }
}

/// The explanation of an event of `messages` sent by `side`, with `notes`: that of the most
/// telling of them; empty when none explains it.
pub fn explain(messages: &[Message], notes: &[Note], side: Side) -> &'static str {
    let told = messages
        .iter()
        .enumerate()
        .filter_map(|(at, message)| message.explained(side, at + 1 < messages.len()));
    notes.iter().filter_map(|note| note.explained()).chain(told).min().map_or("", Explanation::text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::quic::header::Kind;

    fn handshake(kind: u8) -> Message {
        Message::Handshake(Handshake { kind, hello_retry: false })
    }

    #[test]
    fn each_message_explains_itself() {
        assert!(handshake(kind::NEW_SESSION_TICKET).explanation(Side::Server).contains("adds no round trip"));
        assert!(handshake(kind::CLIENT_HELLO).explanation(Side::Client).contains("handshake starts"));
        assert!(handshake(kind::FINISHED).explanation(Side::Client).starts_with("the client proves"));
        assert!(handshake(kind::FINISHED).explanation(Side::Server).starts_with("the server proves"));
        let hello_retry = Message::Handshake(Handshake { kind: kind::SERVER_HELLO, hello_retry: true });
        assert!(hello_retry.explanation(Side::Server).contains("key share"));
        let retry = Message::Quic(QuicPacket { kind: Kind::Retry, frames: None });
        assert!(retry.explanation(Side::Server).contains("owns its address"));
        assert!(Message::Http1 { start_line: "GET /".into() }.explanation(Side::Client).contains("request"));
        assert!(
            Message::Http1 { start_line: "200 OK".into() }.explanation(Side::Server).contains("response")
        );
        assert!(Message::Alert(Some("Close Notify")).explanation(Side::Server).starts_with("a TLS alert"));
        assert_eq!(handshake(kind::CERTIFICATE).explanation(Side::Server), "");
        assert_eq!(Message::Segment { len: 10 }.explanation(Side::Client), "");
    }

    #[test]
    fn the_message_that_decides_the_round_explains_the_event() {
        let server_flight =
            [handshake(kind::SERVER_HELLO), Message::ChangeCipherSpec, handshake(kind::ENCRYPTED_EXTENSIONS)];
        assert!(explain(&server_flight, &[], Side::Server).starts_with("the server picks"));
        let syn = Message::Syn { ack: false, fast_open: None };
        assert!(
            explain(std::slice::from_ref(&syn), &[Note::Retransmission], Side::Client)
                .contains("starts no new round")
        );
        assert!(explain(&[syn], &[Note::LostOnLink], Side::Client).contains("never reached the server"));
        // The HTTP response explains its segment, wherever the alert beside it falls.
        let response = Message::Http1 { start_line: "200 OK".into() };
        let close = Message::Alert(Some("Close Notify"));
        assert!(explain(&[response.clone(), close.clone()], &[], Side::Server).contains("HTTP response"));
        assert!(explain(&[close, response], &[], Side::Server).contains("HTTP response"));
        assert_eq!(explain(&[Message::Segment { len: 1 }], &[Note::SentAgain], Side::Client), "");
    }

    #[test]
    fn a_fast_open_syn_saves_a_round_trip_only_with_data_behind_it() {
        let syn = Message::Syn { ack: false, fast_open: Some(FastOpen::Cookie) };
        assert!(explain(std::slice::from_ref(&syn), &[], Side::Client).starts_with("the client opens"));
        assert!(
            explain(&[syn, handshake(kind::CLIENT_HELLO)], &[], Side::Client).starts_with("TCP Fast Open")
        );
        let asking = Message::Syn { ack: false, fast_open: Some(FastOpen::CookieRequest) };
        assert!(asking.explanation(Side::Client).contains("asking for a Fast Open cookie"));
    }

    #[test]
    fn quic_packets_are_explained_by_what_they_carry() {
        let hello = QuicFrame::Crypto(vec![Handshake { kind: kind::CLIENT_HELLO, hello_retry: false }]);
        let get = QuicFrame::Stream {
            stream_id: 0,
            http3: vec![Http3Frame::Request { method: "GET".into(), path: "/".into() }],
        };
        let initial = Message::Quic(QuicPacket { kind: Kind::Initial, frames: Some(vec![hello]) });
        let zero_rtt = Message::Quic(QuicPacket { kind: Kind::ZeroRtt, frames: Some(vec![get.clone()]) });
        // The request in 0-RTT wins over the ClientHello beside it.
        assert!(explain(&[initial.clone(), zero_rtt], &[], Side::Client).contains("0-RTT"));
        assert!(explain(&[initial], &[], Side::Client).contains("handshake starts"));
        let one_rtt = Message::Quic(QuicPacket { kind: Kind::Short, frames: Some(vec![get]) });
        assert!(one_rtt.explanation(Side::Client).starts_with("the HTTP/3 request"));
        let acks = Message::Quic(QuicPacket { kind: Kind::Short, frames: Some(vec![QuicFrame::Ack]) });
        assert!(acks.explanation(Side::Client).contains("start no round"));
        let control = QuicFrame::Stream { stream_id: 3, http3: vec![Http3Frame::Other("SETTINGS")] };
        let settings = Message::Quic(QuicPacket { kind: Kind::Short, frames: Some(vec![control]) });
        assert!(settings.explanation(Side::Server).starts_with("QUIC stream data"));
        let sealed = Message::Quic(QuicPacket { kind: Kind::Handshake, frames: None });
        assert!(sealed.explanation(Side::Client).contains("client's QUIC Finished"));
    }
}
