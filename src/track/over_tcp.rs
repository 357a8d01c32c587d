//! What rides on each TCP connection: the stream each direction carries, reassembled, and the
//! application protocol read from it.
//!
//! A connection's protocol is decided by [`crate::dispatch`]: a `--decode-as` entry for its
//! port, else the first data either side sends through the TCP heuristics (a plausible TLS
//! record makes it TLS, as Wireshark's heuristic does, on any port), else its port (on a port
//! registered for TLS, data no heuristic names is TLS picked up mid-stream). Until a
//! connection is known to carry a protocol rttscope reads, nothing of it is copied or held; a
//! connection that carries something else is never reassembled at all.
//!
//! [`Applications`] is a [`Holder`](super::budget::Holder) of the memory budget: it keeps a
//! running total of what its open connections hold (reassembly, TLS and HTTP state) and,
//! asked to shed, gives up the buffered state of the connection that has held some longest;
//! that connection then goes on from its next message or record, as after a segment the
//! capture missed. A connection that is over, or that carries nothing rttscope reads, costs
//! only its slot.

mod feed;
mod gaps;
mod holder;
pub mod proxy;
mod websocket;

use feed::{completes, feed_http, feeds, is_close_notify, merge};

use std::ops::Range;

use super::cow::{CowQueue, CowVec};
use super::http;
use super::keylog::KeyLog;
use super::snapshot::Shared;
use super::stream::{Chunk, Reassembler};
use super::tls::{self, Arenas, ContentOut, Feed, Loc, Session};
use crate::dispatch::{self, Dispatch};
use crate::dissect::field::Source;
use crate::dissect::tls::handshake::KeyExchange;
use crate::dissect::tls::record;
use crate::osi::Protocol as Handoff;
use gaps::{acknowledged, gap_notes, inner_gap};

/// One TCP segment, as the application layer needs it.
pub struct Segment<'p> {
    pub stream: u32,
    /// 0 for the conversation key's low endpoint, 1 for the other.
    pub dir: usize,
    pub seq: u32,
    pub syn: bool,
    /// The acknowledgment number, if the ACK flag is set.
    pub ack: Option<u32>,
    pub frame: u64,
    pub ts_ns: i64,
    /// Source and destination ports.
    pub ports: (u16, u16),
    /// The segment ends its direction (FIN).
    pub fin: bool,
    /// The segment resets the connection (RST).
    pub rst: bool,
    pub payload: &'p [u8],
}

/// One decrypted record read as DNS: where its plaintext starts (in the decrypted arena), the
/// messages it completed, and the bytes of it (in the decrypted arena) that are a piece of a
/// message spanning records: the end of one begun before, the start of one a later record ends.
pub type DnsRecord = (usize, Vec<super::dns::stream::Framed>, [Option<Range<usize>>; 2]);

/// What a segment produced.
#[derive(Debug, Default)]
pub struct Produced {
    pub tls: tls::Output,
    /// The session's negotiated version, for naming its records.
    pub version: Option<u16>,
    /// The key exchange of the suite the session chose, for reading a ClientKeyExchange.
    pub key_exchange: KeyExchange,
    /// The segment's data belongs to a stream rttscope reads: do not show it as plain data.
    pub consumed: bool,
    /// The segment repeats data already delivered.
    pub duplicate: bool,
    /// HTTP messages and frames completed, and where their bytes are.
    pub http: Vec<(Source, http::Output)>,
    /// Decrypted application data that is not HTTP, shown as data.
    pub plain_data: Vec<Range<usize>>,
    /// For HTTP over plain TCP: bytes of the segment left waiting for the rest of a message.
    pub http_pending: usize,
    /// HTTP/2 on a port registered for HTTP, which Wireshark reads through its HTTP dissector
    /// (and lists both).
    pub http2_via_http: bool,
    /// SOCKS handshake messages completed, in the stream arena.
    pub socks: Vec<proxy::Completed>,
    /// The segment rides in a proxy's tunnel: the mark Wireshark shows before what it carries.
    pub tunnel: Option<proxy::Mark>,
    /// What went wrong in a proxy's handshake.
    pub proxy_problems: Vec<String>,
    /// The connection carries DNS (on TCP port 53, or inside TLS on 853): the segment's
    /// payload, or its decrypted data, is read as length-prefixed DNS messages.
    pub dns: bool,
    /// WebSocket frames completed, and where their bytes are.
    pub websocket: Vec<(Source, super::websocket::Output)>,
    /// The SSH lines and packets the segment completed (issue 18).
    pub ssh: Option<Box<super::ssh::Output>>,
    /// DNS over TCP: the messages the segment completed, wherever they began.
    pub dns_stream: Option<Box<super::dns::stream::Fed>>,
    /// DNS over TLS: for each decrypted record read as DNS, where its plaintext starts, the
    /// messages it completed (none while it only carries part of one), and its pieces of
    /// messages that span records (see [`DnsRecord`]).
    pub dns_over_tls: Vec<DnsRecord>,
}

/// How many segments with data a connection may carry before rttscope stops looking for a
/// protocol it reads (a server that speaks first sends what matches nothing).
const DETECTION_SEGMENTS: u8 = 8;

#[derive(Clone)]
enum Protocol {
    Undecided,
    Tls(Box<Session>),
    Http(Box<http::Reader>),
    /// A SOCKS handshake, until the proxy grants or refuses the tunnel.
    Socks(Box<proxy::Socks>),
    /// WebSocket, after an HTTP/1.1 Upgrade.
    WebSocket(Box<super::websocket::Session>),
    /// SSH on its TCP port (issue 18).
    Ssh(Box<super::ssh::Reader>),
    /// DNS on its TCP port: each direction's stream cut into messages by their lengths.
    Dns(Box<super::dns::stream::DnsStream>),
    Other,
}

/// What the plaintext inside a TLS connection turned out to be.
#[derive(Clone)]
enum Inner {
    Undecided,
    Http(Box<http::Reader>),
    /// DNS over TLS (port 853): the records' plaintext of each direction, cut into messages
    /// by their lengths, whatever the records' boundaries.
    Dns(Box<super::dns::stream::DnsStream>),
    /// WebSocket over TLS (wss), after an HTTP/1.1 Upgrade.
    WebSocket(Box<super::websocket::Session>),
    Other,
}

/// What a `tcp.stream` number's slot holds.
#[derive(Clone, Default)]
enum Slot {
    /// No segment that needs remembering yet.
    #[default]
    Empty,
    /// Over, or carrying nothing rttscope reads: its segments are passed through untouched.
    Passed,
    /// Shared with the tracker's copies until one of them changes it.
    Open(Shared<Application>),
}

#[derive(Clone)]
struct Application {
    streams: [Reassembler; 2],
    protocol: Protocol,
    inner: Inner,
    /// Segments with data seen while the protocol was undecided.
    looked_at: u8,
    /// Which directions have sent their FIN.
    finished: [bool; 2],
    on_http_port: bool,
    /// Its port is registered for TLS (or handed to it by `--decode-as`): first data that
    /// no heuristic names is TLS picked up mid-stream.
    on_tls_port: bool,
    /// The connection is in [`Applications`]' queue of those holding buffered state.
    queued: bool,
    /// An HTTP CONNECT waiting for the proxy's answer.
    connect: proxy::Connect,
    /// The proxy's tunnel the stream rides in, once granted.
    tunnel: Option<proxy::Mark>,
    /// A SOCKS tunnel whose first relayed byte is still to come, when it takes a stream
    /// number as Wireshark's SOCKS does.
    takes_stream_number: bool,
}

/// What every TCP connection carries (its application side), by `tcp.stream`.
#[derive(Clone, Default)]
pub struct Applications {
    /// By `tcp.stream`, which numbers connections densely from 0.
    by_stream: CowVec<Slot>,
    /// What decides a connection's protocol.
    dispatch: Dispatch,
    /// What the open connections hold, kept as a running total.
    held: usize,
    /// Open connections holding buffered state, in the order they began to: the first is
    /// given up first. An entry whose connection no longer holds any is skipped.
    holding: CowQueue<u32>,
    /// How many open connections are queued in `holding`.
    queued: usize,
    /// Every connection in the order it opened: when none holds buffered state, the first still
    /// open is given up whole. An entry whose connection is over is skipped.
    opened: CowQueue<u32>,
    /// How many connections are open.
    open: usize,
    /// Stream numbers SOCKS tunnels took since the tracker last asked.
    stream_numbers_taken: u32,
}

impl Applications {
    /// No connections yet; their protocols are decided by `dispatch`.
    pub fn new(dispatch: Dispatch) -> Self {
        Self { dispatch, ..Self::default() }
    }

    /// Takes one segment; `None` when its connection carries nothing rttscope reads, so the
    /// packet keeps its layers as they are. Once a connection is over (reset, or finished both
    /// ways), what it buffered is let go: memory follows the open connections, not the
    /// capture's length.
    pub fn segment(
        &mut self,
        segment: &Segment<'_>,
        keylog: &KeyLog,
        arenas: &mut Arenas,
    ) -> Option<Produced> {
        let index = segment.stream as usize;
        let before = self.cost_of(index);
        let produced = self.read(segment, keylog, arenas);
        // Looked at first: changing a slot copies its chunk if a copy of the tracker shares it.
        if matches!(self.by_stream.get(index), Some(Slot::Open(_)))
            && let Some(slot) = self.by_stream.get_mut(index)
            && let Slot::Open(connection) = slot
        {
            let connection = connection.make_mut();
            connection.finished[segment.dir] |= segment.fin;
            let other = matches!(connection.protocol, Protocol::Other);
            if other || segment.rst || connection.finished == [true, true] {
                self.queued -= usize::from(connection.queued);
                self.open -= 1;
                *slot = Slot::Passed;
            }
        }
        self.account(index, before);
        produced
    }

    fn read(&mut self, segment: &Segment<'_>, keylog: &KeyLog, arenas: &mut Arenas) -> Option<Produced> {
        let index = segment.stream as usize;
        if self.by_stream.len() <= index {
            self.by_stream.resize_with(index + 1, Slot::default);
        }
        // A connection passed through is not changed: its slot's chunk stays shared.
        if matches!(self.by_stream.get(index), Some(Slot::Passed)) {
            return None;
        }
        let dispatch = &self.dispatch;
        let slot = self.by_stream.get_mut(index)?;
        if let Slot::Empty = slot {
            // A port handed to HTTP/2 (by --decode-as) is read so from its first byte. One
            // handed to TLS is read as TLS if its first data is a TLS record, which the TLS
            // heuristic tries first anyway (tshark's TLS refuses other bytes, which then go
            // through the heuristics as on any port); one handed to HTTP (its registered
            // ports) waits for the heuristics first. A segment that brings nothing to
            // remember (a SYN or an ACK of a connection not yet read) makes nothing.
            let by_port = dispatch.tcp_port(segment.ports);
            let protocol = match by_port {
                Some(Handoff::Http2) => Protocol::Http(Box::new(http::Reader::new(false, true))),
                Some(Handoff::Socks) => Protocol::Socks(Box::default()),
                Some(Handoff::Dns) => Protocol::Dns(Box::default()),
                Some(Handoff::Ssh) => {
                    // The client is the side that sends to SSH's port.
                    let to_server =
                        dispatch.tcp_port((segment.ports.1, segment.ports.1)) == Some(Handoff::Ssh);
                    let client = if to_server { segment.dir } else { 1 - segment.dir.min(1) };
                    Protocol::Ssh(Box::new(super::ssh::Reader::new(client)))
                }
                _ => Protocol::Undecided,
            };
            let remembered = !segment.payload.is_empty() || segment.fin || segment.rst;
            if !remembered && matches!(protocol, Protocol::Undecided) {
                return None;
            }
            *slot = Slot::Open(Shared::new(Application {
                streams: Default::default(),
                protocol,
                inner: Inner::Undecided,
                looked_at: 0,
                finished: [false; 2],
                on_http_port: by_port == Some(Handoff::Http),
                on_tls_port: by_port == Some(Handoff::Tls),
                queued: false,
                connect: proxy::Connect::default(),
                tunnel: None,
                takes_stream_number: false,
            }));
            self.opened.push_back(index as u32);
            self.open += 1;
        }
        let Slot::Open(connection) = slot else { return None };
        let connection = connection.make_mut();
        if connection.takes_stream_number && !segment.payload.is_empty() {
            connection.takes_stream_number = false;
            self.stream_numbers_taken += 1;
        }
        if matches!(connection.protocol, Protocol::Undecided) && !segment.payload.is_empty() {
            connection.looked_at += 1;
            let found = dispatch::heuristic(dispatch::TCP_HEURISTICS, segment.payload);
            connection.protocol = match found {
                Some(Handoff::Tls) => Protocol::Tls(Box::default()),
                Some(Handoff::Http2) => Protocol::Http(Box::new(http::Reader::new(false, true))),
                Some(Handoff::Http) => Protocol::Http(Box::new(http::Reader::new(false, false))),
                // On a TLS port, as in Wireshark, what no heuristic names is TLS whose start the
                // capture missed: each segment is tried for a record boundary.
                _ if connection.on_tls_port => Protocol::Tls(Box::new(tls::Session::midstream())),
                _ if connection.looked_at >= DETECTION_SEGMENTS => Protocol::Other,
                _ => Protocol::Undecided,
            };
        }
        match connection.protocol {
            Protocol::Other => return None,
            Protocol::Undecided if !connection.on_http_port => return None,
            _ => {}
        }
        let mut produced = Produced::default();
        if let Protocol::Socks(_) = connection.protocol {
            proxy::read_socks(connection, segment, &mut arenas.stream, &mut produced);
            return Some(produced);
        }
        if let Protocol::WebSocket(_) = connection.protocol {
            websocket::read(connection, segment, &mut arenas.stream, &mut produced);
            return Some(produced);
        }
        if let Protocol::Ssh(reader) = &mut connection.protocol {
            produced.consumed = !segment.payload.is_empty();
            let accepted = connection.streams[segment.dir].accept(
                segment.seq,
                segment.syn,
                segment.frame,
                segment.payload,
            );
            produced.duplicate = accepted.duplicate;
            if !accepted.chunks.is_empty() || accepted.overflowed {
                let mut output =
                    reader.feed(segment.dir, segment.payload, &accepted.chunks, &mut arenas.stream);
                gap_notes(&accepted.chunks, accepted.overflowed, &mut output.problems);
                produced.ssh = Some(Box::new(output));
            }
            return Some(produced);
        }
        if let Protocol::Dns(dns) = &mut connection.protocol {
            produced.dns = true;
            produced.consumed = !segment.payload.is_empty();
            let accepted = connection.streams[segment.dir].accept(
                segment.seq,
                segment.syn,
                segment.frame,
                segment.payload,
            );
            produced.duplicate = accepted.duplicate;
            gap_notes(&accepted.chunks, accepted.overflowed, &mut produced.tls.problems);
            let fed =
                dns.feed(segment.dir, segment.frame, &accepted.chunks, segment.payload, &mut arenas.stream);
            produced.dns_stream = Some(Box::new(fed));
            return Some(produced);
        }
        // Wireshark's HTTP dissector owns the HTTP ports: bytes there that are not (yet) HTTP
        // are not shown as data either.
        if matches!(connection.protocol, Protocol::Undecided) {
            produced.consumed = !segment.payload.is_empty();
            return Some(produced);
        }
        if let Protocol::Http(http) = &mut connection.protocol {
            produced.consumed = !segment.payload.is_empty();
            // Data the peer acknowledged but the capture never held is given up first: what
            // it released of the other direction is shown on this packet.
            if let Some(ack) = segment.ack {
                let other = 1 - segment.dir;
                let chunks = acknowledged(&mut connection.streams[other], connection.finished[other], ack);
                if !chunks.is_empty() {
                    let mut released = http::Output::default();
                    gap_notes(&chunks, false, &mut released.problems);
                    feed_http(http, other, segment, &chunks, &mut arenas.stream, &mut released);
                    released.pending = false;
                    released.pending_head = None;
                    produced.http.push((Source::Stream, released));
                }
            }
            let accepted = connection.streams[segment.dir].accept(
                segment.seq,
                segment.syn,
                segment.frame,
                segment.payload,
            );
            produced.duplicate = accepted.duplicate;
            let mut output = http::Output::default();
            gap_notes(&accepted.chunks, accepted.overflowed, &mut output.problems);
            feed_http(http, segment.dir, segment, &accepted.chunks, &mut arenas.stream, &mut output);
            if segment.fin {
                let more =
                    http.feed(segment.dir, segment.frame, segment.ts_ns, &[], true, &mut arenas.stream);
                merge(&mut output, more);
            }
            // A message that only the close completes is shown on the FIN, payload or not.
            produced.consumed |= !output.messages.is_empty();
            produced.http_pending =
                if output.pending { output.pending_len.min(segment.payload.len()) } else { 0 };
            produced.http2_via_http = connection.on_http_port;
            proxy::after_http(connection, segment.dir, &output, &arenas.stream);
            websocket::after_http(connection, segment, &output, &mut arenas.stream, &mut produced);
            produced.http.push((Source::Stream, output));
            return Some(produced);
        }
        let Protocol::Tls(session) = &mut connection.protocol else {
            return Some(produced);
        };
        produced.consumed = !segment.payload.is_empty();
        if produced.consumed {
            produced.tunnel = connection.tunnel.clone();
        }
        // Data the peer acknowledged but the capture never held is given up first.
        if let Some(ack) = segment.ack {
            let other = 1 - segment.dir;
            let chunks = acknowledged(&mut connection.streams[other], connection.finished[other], ack);
            inner_gap(&mut connection.inner, other, &chunks);
            if !chunks.is_empty() {
                let feeds = feeds(&chunks, segment.payload);
                let output = session.feed(other, segment.frame, &feeds, keylog, arenas);
                // A gap inside a record whose end is known costs only that record, as in
                // Wireshark: nothing is said of it.
                if output.lost_boundary {
                    gap_notes(&chunks, false, &mut produced.tls.problems);
                }
                produced.tls.records.extend(output.records);
                produced.tls.problems.extend(output.problems);
            }
        }
        // Records before this index came from the other direction, released by this ACK.
        let released = produced.tls.records.len();
        let accepted =
            connection.streams[segment.dir].accept(segment.seq, segment.syn, segment.frame, segment.payload);
        produced.duplicate = accepted.duplicate;
        inner_gap(&mut connection.inner, segment.dir, &accepted.chunks);
        if accepted.held
            && let Some(ahead) = connection.streams[segment.dir].ahead(segment.seq, segment.syn)
        {
            // Held behind a gap: the bytes that fall inside the record in progress are shown
            // as its segment data when they arrive, as Wireshark shows them.
            let inside = session.inside_record(segment.dir, ahead, segment.payload.len());
            produced.tls.pdu_tail = (inside > 0).then_some(0..inside);
        }
        if !accepted.chunks.is_empty() {
            let feeds = feeds(&accepted.chunks, segment.payload);
            let output = session.feed(segment.dir, segment.frame, &feeds, keylog, arenas);
            if output.lost_boundary || accepted.overflowed {
                gap_notes(&accepted.chunks, accepted.overflowed, &mut produced.tls.problems);
            }
            produced.tls.records.extend(output.records);
            produced.tls.problems.extend(output.problems);
            produced.tls.pdu_head = output.pdu_head;
            produced.tls.pdu_tail = output.pdu_tail;
            produced.tls.only_begins_record = output.only_begins_record;
            produced.tls.continuation = output.continuation;
            produced.tls.ignored = output.ignored;
            produced.tls.joined = output.joined;
            // Text where a record boundary was looked for is left to show as data.
            produced.consumed &= !output.not_tls;
        }
        produced.version = session.version;
        produced.key_exchange = session.key_exchange;
        let dns_over_tls = dispatch::over_tls_port(segment.ports) == Some(Handoff::Dns);
        produced.dns = dns_over_tls;
        let alpn_h2 = session.alpn.as_deref() == Some(b"h2".as_slice());
        let records: Vec<(usize, Range<usize>)> = produced
            .tls
            .records
            .iter()
            .enumerate()
            .filter_map(|(index, record)| match &record.content {
                ContentOut::Decrypted {
                    content_type: record::content_type::APPLICATION_DATA,
                    plaintext: Loc::Decrypted(range),
                } => Some((if index < released { 1 - segment.dir } else { segment.dir }, range.clone())),
                _ => None,
            })
            .collect();
        let mut output = http::Output::default();
        // tshark hands each record's plaintext to HTTP/2 on its own: a record that completes
        // frames is an http2 layer of its own, even when one segment carries several.
        let mut per_record = Vec::new();
        let fed = !records.is_empty();
        for (dir, range) in records {
            if range.is_empty() {
                continue;
            }
            let plaintext = arenas.decrypted[range.clone()].to_vec();
            if let Inner::Undecided = connection.inner {
                connection.inner = match dispatch::heuristic(dispatch::STREAM_HEURISTICS, &plaintext) {
                    Some(Handoff::Http2) => Inner::Http(Box::new(http::Reader::new(true, true))),
                    Some(Handoff::Http) => Inner::Http(Box::new(http::Reader::new(true, alpn_h2))),
                    _ if alpn_h2 => Inner::Http(Box::new(http::Reader::new(true, true))),
                    _ if dns_over_tls => Inner::Dns(Box::default()),
                    _ => Inner::Other,
                };
            }
            match &mut connection.inner {
                Inner::Http(http) => {
                    let more = http.feed(
                        dir,
                        segment.frame,
                        segment.ts_ns,
                        &plaintext,
                        false,
                        &mut arenas.decrypted,
                    );
                    let switched =
                        websocket::switched(http, dir, segment.frame, &more, &mut arenas.decrypted);
                    merge(&mut output, more);
                    if http.is_http2() && completes(&output) {
                        per_record.push(std::mem::take(&mut output));
                    }
                    if let Some((session, frames)) = switched {
                        connection.inner = Inner::WebSocket(session);
                        produced.websocket.push((Source::Decrypted, frames));
                    }
                }
                Inner::WebSocket(session) => {
                    let frames = session.feed(dir, segment.frame, &plaintext, &mut arenas.decrypted);
                    produced.websocket.push((Source::Decrypted, frames));
                }
                Inner::Dns(dns) => {
                    let fed =
                        dns.feed_record(dir, segment.frame, &plaintext, range.start, &mut arenas.decrypted);
                    let pieces = [fed.pdu_head, fed.pdu_tail];
                    produced.dns_over_tls.push((range.start, fed.messages, pieces));
                }
                _ => produced.plain_data.push(range),
            }
        }
        // A body that runs until the connection closes ends at the sender's close_notify, as
        // Wireshark ends it, when the alert comes in the frame that brought the last data.
        if let (true, Inner::Http(http)) = (fed, &mut connection.inner)
            && produced
                .tls
                .records
                .iter()
                .any(|record| is_close_notify(record, segment.payload, &arenas.decrypted))
        {
            let more = http.feed(segment.dir, segment.frame, segment.ts_ns, &[], true, &mut arenas.decrypted);
            merge(&mut output, more);
        }
        let earlier = !per_record.is_empty();
        produced.http.extend(per_record.into_iter().map(|done| (Source::Decrypted, done)));
        if completes(&output) || (output.pending && !earlier) {
            produced.http.push((Source::Decrypted, output));
        } else if let Some((_, last)) = produced.http.last_mut().filter(|_| earlier) {
            // Bytes left waiting after records that completed frames: their problems still show.
            last.problems.extend(output.problems);
        }
        Some(produced)
    }

    /// How many stream numbers SOCKS tunnels took since the last call.
    pub fn take_stream_numbers(&mut self) -> u32 {
        std::mem::take(&mut self.stream_numbers_taken)
    }

    /// The TLS session of a connection, if it carries one.
    pub fn tls(&self, stream: u32) -> Option<&Session> {
        match self.by_stream.get(stream as usize)? {
            Slot::Open(connection) => match &connection.protocol {
                Protocol::Tls(session) => Some(session),
                _ => None,
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
