//! Handshake timelines: each TCP or QUIC connection's messages in order, with the round the client was
//! in when it sent each one, and what kind of HTTPS (or plain) connection it was.
//!
//! Sans-IO: [`Builder::handle_packet`] takes the packets the tracker produced, in capture order;
//! [`Builder::finish`] returns the connections, or a streaming builder gives each one as it
//! ends ([`ending`]). Events are read off the layers a packet
//! already has (TCP flags and analysis, TLS records and messages, HTTP messages), one event per
//! packet and direction, so a timeline never disagrees with what `dissect` shows. Each event
//! holds its typed [`Message`]s in wire order; its label is theirs joined, and its explanation
//! that of the most telling one ([`explain`]). Rounds come from [`rounds::count`].

mod datagram;
pub mod ending;
pub mod explain;
mod frozen;
mod grpc;
mod http;
pub mod lookup;
pub mod message;
mod pending;
mod quic;
pub mod rounds;
pub mod ssh;
// issue 18
mod dns;
mod dtls;
pub mod stored;
mod stun;
mod tls;
mod vantage;
mod variant;
mod websocket;

use serde::Serialize;

use crate::capture::Frame;
use crate::dissect::tcp::{analysis, flag};
use crate::dissect::{Annotation, Content, Packet};
use crate::osi::OsiLayer;
pub use message::{Message, Note};
use rounds::{Answers, Side, Step};
pub use vantage::{Timelines, Vantage};
pub use variant::{EarlyData, Proxy, Tfo, Transport, Variant};

/// The most events a connection's timeline keeps. A handshake and its first requests take a
/// few dozen; a connection that goes on for hours would otherwise grow without bound, so what
/// comes after these is counted ([`Omitted`]) rather than kept.
pub const MAX_EVENTS: usize = 1024;

/// The events of a connection past [`MAX_EVENTS`]: counted, not kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Omitted {
    pub events: u64,
    /// Of them, those the server sent.
    pub from_server: u64,
}

impl Omitted {
    pub fn is_none(&self) -> bool {
        self.events == 0
    }
}

/// One message of a connection.
#[derive(Clone, Debug)]
pub struct Event {
    pub frame: u64,
    /// When the capture saw it (with two vantage points: at the client's side), in
    /// milliseconds since the connection's first packet.
    pub t_ms: f64,
    /// With two vantage points: when it was sent and when it arrived (see [`Event::sent_ms`]).
    /// Boxed, as few captures have two vantage points and every connection's events are kept.
    link: Option<Box<Link>>,
    pub dir: Side,
    pub round: u32,
    /// The highest OSI layer the packet's messages play on.
    pub osi: OsiLayer,
    /// What the packet carried in this direction, in wire order.
    pub messages: Vec<Message>,
    /// What befell the packet (a retransmission, a loss), in the order it was learnt.
    pub notes: Vec<Note>,
    pub step: Step,
    /// Application data the client sent before the ServerHello: 0-RTT early data.
    pub early: bool,
    /// The capture time, in nanoseconds since the epoch.
    at_ns: i64,
    /// What finds the copy of this message captured at the link's other end.
    copy: u64,
}

/// When a message was sent and when it arrived, seen from both ends of a link.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct Link {
    sent_ms: Option<f64>,
    arrived_ms: Option<f64>,
}

impl Link {
    /// An event's link times, boxed; none when neither is known.
    fn boxed(sent_ms: Option<f64>, arrived_ms: Option<f64>) -> Option<Box<Link>> {
        (sent_ms.is_some() || arrived_ms.is_some()).then(|| Box::new(Link { sent_ms, arrived_ms }))
    }
}

impl Event {
    /// With two vantage points: when the sender sent it, on the same clock as `t_ms`.
    pub fn sent_ms(&self) -> Option<f64> {
        self.link.as_ref().and_then(|link| link.sent_ms)
    }

    /// With two vantage points: when the receiver got it; less [`Event::sent_ms`], the
    /// one-way delay, measured.
    pub fn arrived_ms(&self) -> Option<f64> {
        self.link.as_ref().and_then(|link| link.arrived_ms)
    }

    fn set_link(&mut self, sent_ms: Option<f64>, arrived_ms: Option<f64>) {
        self.link = Link::boxed(sent_ms, arrived_ms);
    }

    /// Its messages' labels joined with " · ", then its notes.
    pub fn label(&self) -> String {
        message::label(&self.messages, &self.notes)
    }

    /// Why the event's most telling message exists; empty when none is explained.
    pub fn explanation(&self) -> &'static str {
        explain::explain(&self.messages, &self.notes, self.dir)
    }
}

impl Serialize for Event {
    /// DESIGN section 5's event: the OSI layer as its number, the label and explanation as text.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shown {
            frame: u64,
            t_ms: f64,
            #[serde(skip_serializing_if = "Option::is_none")]
            sent_ms: Option<f64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            arrived_ms: Option<f64>,
            dir: Side,
            round: u32,
            osi: u8,
            label: String,
            explain: &'static str,
        }
        Shown {
            frame: self.frame,
            t_ms: self.t_ms,
            sent_ms: self.sent_ms(),
            arrived_ms: self.arrived_ms(),
            dir: self.dir,
            round: self.round,
            osi: self.osi.number(),
            label: self.label(),
            explain: self.explanation(),
        }
        .serialize(serializer)
    }
}

/// DESIGN section 3's textbook round trips of a variant: `(request_rtts, response_rtts)`.
pub fn textbook(variant: Variant) -> Option<(u32, u32)> {
    variant.textbook()
}

impl Connection {
    /// Round trips this connection's own choices add to its variant's textbook count: a
    /// proxy's handshake, and an SSH key exchange by DH group exchange (RFC 4419), whose
    /// request and group take one before the exchange the textbook counts.
    pub fn chosen_rounds(&self) -> u32 {
        self.proxy_rtts.unwrap_or(0)
            + u32::from(self.events.iter().any(|event| ssh::is_group_request(&event.messages)))
    }
}

/// A connection's timeline and what it was.
#[derive(Clone, Debug, Serialize)]
pub struct Connection {
    pub id: u32,
    /// The number the conversation had while its packets went by ([`Timelines::latest`]): in
    /// order of first packet, counting the conversations the timeline shows nothing of.
    #[serde(skip)]
    pub serial: u64,
    pub transport: Transport,
    pub client: String,
    pub server: String,
    pub variant: Variant,
    pub tls_version: Option<&'static str>,
    pub alpn: Option<String>,
    pub sni: Option<String>,
    pub tfo: Tfo,
    pub early_data: EarlyData,
    pub resumed: bool,
    pub hello_retry: bool,
    /// QUIC: the server answered the first Initial with a Retry.
    pub retry: bool,
    /// QUIC: the server answered the first Initial with Version Negotiation.
    pub version_negotiation: bool,
    /// The proxy the connection went through ("tls13 via proxy").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<Proxy>,
    /// The round trips the proxy's handshake took (its answers that gated the client).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_rtts: Option<u32>,
    /// The proxy refused the tunnel (a CONNECT answered 403 or 407, a SOCKS failure).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub proxy_refused: bool,
    pub joined_mid_stream: bool,
    /// Where the capture saw the connection, which decides what its times mean.
    pub vantage: Vantage,
    pub rtt_ms: Option<f64>,
    pub request_rtts: Option<u32>,
    pub response_rtts: Option<u32>,
    pub request_ms: Option<f64>,
    pub response_ms: Option<f64>,
    /// Frames that belong to the connection, and their bytes on the wire.
    pub packets: u64,
    pub bytes: u64,
    /// The first [`MAX_EVENTS`] events.
    pub events: Vec<Event>,
    /// The events after them.
    #[serde(skip_serializing_if = "Omitted::is_none")]
    pub omitted: Omitted,
    /// The DNS lookup that gave the server's address, whose query and answer the events
    /// begin with (round 0). Boxed: most connections have none, and the UI keeps every one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lookup: Option<Box<lookup::Lookup>>,
    /// An open connection's snapshot given without its events, though it has some
    /// ([`Builder::open_snapshot`]): `events` is empty until a snapshot gives it whole.
    #[serde(skip)]
    pub withheld: bool,
}

/// What is learnt of a connection while its packets go by.
#[derive(Clone, Default)]
struct Pending {
    stream: u32,
    /// Its number in order of first packet, given when it begins.
    serial: u64,
    transport: Transport,
    first_frame: u64,
    /// For pings: the time from each request to its reply, the first one kept.
    echo_rtt_ns: Option<i64>,
    client: Option<(String, u16)>,
    endpoints: Option<(String, String)>,
    first_ns: i64,
    syn_ns: Option<i64>,
    syn_ack_ns: Option<i64>,
    /// The client's first message after the server's answer to its first flight: with
    /// `syn_ns` and `syn_ack_ns`, it tells at which end the capture was taken.
    reply_ns: Option<i64>,
    saw_syn: bool,
    /// The client's bare ACK that completes the handshake is shown already: later ones are not.
    handshake_acked: bool,
    syn_data: bool,
    cookie_request: bool,
    tls_version: Option<u16>,
    alpn: Option<String>,
    sni: Option<String>,
    client_session_id: Vec<u8>,
    resumed: bool,
    hello_retry: bool,
    early_offered: bool,
    /// Whether the server took the early data: from EncryptedExtensions, or guessed from the
    /// client's records when that stays encrypted.
    early_accepted: Option<bool>,
    /// The client sent data before the ServerHello.
    early_sent: bool,
    /// An HTTP CONNECT waits for the proxy's answer.
    proxy_waiting: bool,
    proxy: Option<Proxy>,
    /// The proxy's answers seen.
    proxy_answers: u32,
    proxy_refused: bool,
    /// The server switched the connection to WebSocket (a 101 to an Upgrade, or a 2xx to an
    /// HTTP/2 extended CONNECT).
    websocket: bool,
    /// That WebSocket rides on an HTTP/2 stream (RFC 8441).
    websocket_h2: bool,
    /// HTTP/2's start and the gRPC calls seen (issue 18).
    grpc: grpc::GrpcSteps,
    server_hello_seen: bool,
    client_opaque_after_hello: u32,
    quic_retry: bool,
    quic_version_negotiation: bool,
    /// The QUIC connection's number (`quic.connection.number`), once a packet names it.
    quic_number: Option<u32>,
    /// The UDP conversation and the ping exchange that find it, to forget them with it.
    udp_stream: Option<u32>,
    ping: Option<(std::net::IpAddr, std::net::IpAddr, u16)>,
    /// The capture time of its latest frame.
    last_ns: i64,
    /// FIN seen from each side (client, server).
    fin: [bool; 2],
    /// Closed: FIN both ways, a reset, or CONNECTION_CLOSE.
    closed: bool,
    /// Over: its timeline may be given out.
    ended: bool,
    packets: u64,
    bytes: u64,
    events: Vec<Event>,
    /// Its events encoded, `events` empty, while it waits, ended, for an earlier connection
    /// (`frozen.rs`).
    frozen: Option<Box<[u8]>>,
    omitted: Omitted,
    /// Where its SSH session is, once an SSH layer was seen (issue 18).
    ssh: Option<Box<ssh::State>>,
    /// The latest DNS answer that gave the client the server's address, at the connection's
    /// first packet; not shown when the connection carries DNS itself.
    lookup: Option<std::sync::Arc<lookup::Answer>>,
    carries_dns: bool,
    /// The conversation carries DTLS (issue 18), and its server asked for a cookie.
    dtls: bool,
    dtls_cookie: bool,
    /// A UDP conversation that carried a STUN message (issue 18).
    stun: bool,
    /// A UDP conversation that carried a DNS message (issue 17).
    dns: bool,
    /// How many times it was taken to be changed (`Pendings`' `IndexMut`).
    changes: u64,
}

/// Collects connections from packets.
#[derive(Clone, Default)]
pub struct Builder {
    /// TCP connections by `tcp.stream`.
    connections: ending::Pendings,
    /// UDP conversations by `udp.stream`, and ping exchanges by addresses and identifier.
    others: ending::Pendings,
    /// UDP conversations by `udp.stream`: the latest one, QUIC connections among them (a
    /// client may run several QUIC connections, one after the other, from one socket).
    udp: rustc_hash::FxHashMap<u32, usize>,
    /// QUIC connections by their number.
    quic: rustc_hash::FxHashMap<u32, usize>,
    pings: rustc_hash::FxHashMap<(std::net::IpAddr, std::net::IpAddr, u16), usize>,
    /// With two vantage points: the capture times of the frames seen at the server's side.
    far: vantage::FarSide,
    /// The order connections come out in, and (streaming) when each is over.
    ending: ending::Ending,
    /// The serial number of the conversation the latest packet belonged to, and the side
    /// that sent it.
    latest: Option<(u64, Side)>,
    /// The latest DNS answer for each address, for the lookups connections begin with.
    answers: lookup::Answers,
}

impl Builder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder for a capture taken at both ends of a link: the packets it is given are the
    /// client side's, and [`Builder::handle_far_copy`] takes the server side's frames.
    pub fn two_sided() -> Self {
        Self { far: vantage::FarSide::new(), ..Self::default() }
    }

    /// The same builder, giving each connection's timeline out ([`Builder::take_ended`]) once
    /// it has ended, and keeping only the connections still open.
    pub fn streaming(mut self) -> Self {
        self.ending.streaming = true;
        self
    }

    /// Takes a frame captured at the server's end of the link, the copy of one the client
    /// side sent or will receive: it gives that message its other time.
    pub fn handle_far_copy(&mut self, frame: &Frame<'_>) {
        self.far.add(frame);
    }

    /// Takes one tracked packet.
    pub fn handle_packet(&mut self, frame: &Frame<'_>, packet: &Packet<'_>) {
        self.latest = None;
        self.end_what_is_over(frame.ts_ns);
        self.far.seen_near(frame);
        let Some((src, dst)) = packet.addresses() else { return };
        self.answers.handle_packet(frame, packet);
        self.datagram(frame, packet, src, dst);
        let Some((tcp, tcp_analysis)) =
            packet.layers.iter().find_map(|layer| match (&layer.content, &layer.annotation) {
                (Content::Tcp(tcp), Annotation::Tcp(analysis)) if !layer.is_quoted() => Some((tcp, analysis)),
                _ => None,
            })
        else {
            return;
        };
        let index = tcp_analysis.stream as usize;
        if !self.connections.contains(index) {
            let stream = tcp_analysis.stream;
            let (first_ns, first_frame) = (frame.ts_ns, frame.number);
            let pending = Pending {
                stream,
                transport: Transport::Tcp,
                first_ns,
                first_frame,
                last_ns: first_ns,
                lookup: self.answers.latest(src, dst),
                ..Pending::default()
            };
            self.connections.insert(index, pending);
            self.begun(ending::Table::Tcp, index);
        }
        let connection = &mut self.connections[index];
        connection.count(frame);
        connection.carries_dns |= packet.layers.iter().any(|layer| matches!(layer.content, Content::Dns(_)));
        let flags = tcp.flags();
        let source = (src.to_string(), tcp.src_port());
        if flags & (flag::SYN | flag::ACK) == flag::SYN && connection.client.is_none() {
            connection.client = Some(source.clone());
            connection.saw_syn = true;
        }
        let endpoint = |(addr, port): &(String, u16)| {
            if addr.contains(':') { format!("[{addr}]:{port}") } else { format!("{addr}:{port}") }
        };
        let destination = (dst.to_string(), tcp.dst_port());
        if connection.endpoints.is_none() {
            connection.endpoints = Some((endpoint(&source), endpoint(&destination)));
        }
        let side = match &connection.client {
            Some(client) if *client == source => Side::Client,
            Some(_) => Side::Server,
            // Joined mid-stream: the side that sends a ClientHello is the client; until then,
            // the first sender stands in.
            None => {
                connection.client = Some(source.clone());
                Side::Client
            }
        };
        self.latest = Some((connection.serial, side));
        let retransmission =
            tcp_analysis.flags & (analysis::RETRANSMISSION | analysis::FAST_RETRANSMISSION) != 0;
        let mut messages: Vec<Message> = Vec::new();
        let mut step =
            Step { side, syn: false, handshake: false, application: false, gating: None, retransmission };
        let mut osi = OsiLayer::Transport;
        if flags & flag::SYN != 0 {
            use crate::dissect::tcp::FastOpen as TcpFastOpen;
            let fast_open = match (tcp.fast_open(), side) {
                (Some(TcpFastOpen::CookieRequest), Side::Client) => {
                    connection.cookie_request = true;
                    Some(message::FastOpen::CookieRequest)
                }
                (Some(TcpFastOpen::Cookie(_)), _) => Some(message::FastOpen::Cookie),
                _ => None,
            };
            if side == Side::Client && !tcp.payload.is_empty() {
                connection.syn_data = true;
            }
            messages.push(Message::Syn { ack: flags & flag::ACK != 0, fast_open });
            if flags & flag::ACK == 0 && side == Side::Client {
                step.syn = true;
                connection.syn_ns.get_or_insert(frame.ts_ns);
            } else if side == Side::Server {
                step.gating = Some(Answers::Syn);
                connection.syn_ack_ns.get_or_insert(frame.ts_ns);
            }
        }
        let before_tls = messages.len();
        connection.tls_events(packet, &mut messages, &mut step, &mut osi);
        connection.ssh_events(packet, &mut messages, &mut step, &mut osi);
        let mut http = connection.http_events(packet, &mut step, &mut osi);
        connection.websocket_events(packet, &mut step, &mut osi, &mut http);
        connection.grpc_events(packet, &mut step, &mut osi, &mut http);
        // A segment TCP calls a retransmission whose records are read here for the first time
        // is the first copy to reach this point of the path (the earlier one was lost on the
        // way): it counts as the message, not as a copy of it.
        let first_copy_here = retransmission && (messages.len() > before_tls || !http.is_empty());
        if first_copy_here {
            step.retransmission = false;
        }
        http::in_place_of_application_data(&mut messages, http);
        if flags & flag::FIN != 0 {
            messages.push(Message::Fin);
            connection.fin[side as usize] = true;
        }
        if flags & flag::RST != 0 {
            messages.push(Message::Rst);
        }
        if flags & flag::RST != 0 || connection.fin == [true, true] {
            self.closed(ending::Table::Tcp, index);
        }
        let connection = &mut self.connections[index];
        // The ACK that completes the handshake is a message of its own; other bare ACKs are not.
        let completes_handshake = side == Side::Client
            && flags & (flag::SYN | flag::ACK) == flag::ACK
            && connection.syn_ack_ns.is_some()
            && !connection.handshake_acked;
        if messages.is_empty() && completes_handshake {
            messages.push(Message::Ack);
            connection.handshake_acked = true;
        }
        // A retransmitted segment is not decoded again: it is shown for what it is.
        if messages.is_empty() && retransmission && !tcp.payload.is_empty() {
            messages.push(Message::Segment { len: tcp.payload.len() });
        }
        if messages.is_empty() {
            return;
        }
        let note = if first_copy_here {
            Some(Note::SentAgain)
        } else {
            retransmission.then_some(Note::Retransmission)
        };
        let early = side == Side::Client && step.application && !connection.server_hello_seen;
        connection.push(frame, osi, messages, note, step, early);
    }
}

/// Milliseconds from `from_ns` to `to_ns`, without overflow whatever the capture's clock says.
fn millis_between(from_ns: i64, to_ns: i64) -> f64 {
    (i128::from(to_ns) - i128::from(from_ns)) as f64 / 1e6
}

/// A TLS version as a number, "1.3", from the registry's "TLS 1.3".
fn version_number(version: u16) -> Option<&'static str> {
    crate::dissect::tls::names::version(version)?.strip_prefix("TLS ")
}

#[cfg(test)]
mod tests;
