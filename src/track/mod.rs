//! Stateful, sans-IO tracking across frames: IP reassembly and TCP/UDP conversations.
//!
//! [`Tracker::handle_frame`] takes frames in capture order, with their timestamps as the only
//! clock, and returns each one dissected and annotated: reassembled datagrams appear on the
//! frame that completes them, TCP and UDP layers carry their stream numbers and analysis. The
//! same code serves files, live capture and replay, and tests drive it with byte fixtures.

pub mod app;
pub mod conversation;
pub mod defrag;
pub mod echo;
pub mod http;
pub mod keylog;
pub mod stream;
pub mod tcp;
pub mod tls;

use std::net::IpAddr;

use conversation::{Endpoint, Key, UdpTable};
use defrag::{Defragmenter, Outcome};
use keylog::KeyLog;
use tcp::{Segment, TcpTable};
use tls::{Arenas, ContentOut, Loc, RecordOut};

use crate::capture::Frame;
use crate::dissect::field::{Source, Span};
use crate::dissect::tcp::{analysis as tcp_analysis, flag};
use crate::dissect::tls::{Content, Record, Tls};
use crate::dissect::{self, Annotation, FrameTimes, Header, Layer, Packet, PendingInfo};
use crate::osi::Protocol;

/// The buffers one frame's packet borrows from: a datagram reassembled from fragments, and
/// stream bytes reassembled or decrypted. Reuse one per frame, or make a new one each time.
#[derive(Debug, Default)]
pub struct Scratch {
    datagram: Option<Vec<u8>>,
    arenas: Arenas,
}

impl Scratch {
    pub fn new() -> Self {
        Self::default()
    }
}

/// A TCP segment's place in the packet, kept while its layers are being tracked.
struct TcpPayload<'a> {
    layer: usize,
    stream: u32,
    dir: usize,
    seq: u32,
    syn: bool,
    ack: Option<u32>,
    fin: bool,
    ports: (u16, u16),
    payload: Span<'a>,
}

/// Everything learned from the frames so far.
#[derive(Default)]
pub struct Tracker {
    defrag: Defragmenter,
    tcp: TcpTable,
    udp: UdpTable,
    echo: echo::EchoTable,
    apps: app::Connections,
    keylog: KeyLog,
    /// Capture times of the first frame and of the one before this.
    first_ns: Option<i64>,
    previous_ns: Option<i64>,
}

impl Tracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// A tracker that decrypts with the secrets of `keylog`.
    pub fn with_keylog(keylog: KeyLog) -> Self {
        Self { keylog, ..Self::default() }
    }

    /// Adds key log text, such as a pcapng Decryption Secrets Block's; returns the warnings
    /// of lines that were skipped.
    pub fn add_key_log_text(&mut self, text: &[u8]) -> Vec<keylog::Warning> {
        self.keylog.add_text(text)
    }

    /// Dissects and tracks one frame. Bytes the packet needs beyond the frame's own (a
    /// reassembled datagram, reassembled or decrypted stream bytes) are kept in `scratch`,
    /// which the returned packet borrows.
    pub fn handle_frame<'a>(&mut self, frame: &Frame<'a>, scratch: &'a mut Scratch) -> Packet<'a> {
        let Scratch { datagram: reassembled, arenas } = scratch;
        reassembled.take();
        arenas.stream.clear();
        arenas.decrypted.clear();
        let mut packet = dissect::dissect(frame);
        let first = *self.first_ns.get_or_insert(frame.ts_ns);
        let previous = self.previous_ns.replace(frame.ts_ns).unwrap_or(frame.ts_ns);
        packet.times =
            Some(FrameTimes { relative_ns: frame.ts_ns - first, delta_ns: frame.ts_ns - previous });
        if let Some(fragment) = packet.fragment {
            match self.defrag.add(frame.number, frame.ts_ns, &fragment) {
                Outcome::Waiting => {}
                Outcome::Rejected(reason) => {
                    let protocol =
                        packet.layers.get(fragment.layer).map_or(Protocol::Ipv4, |layer| layer.protocol());
                    packet.problem(protocol, reason);
                }
                Outcome::Complete { payload, reassembly } => {
                    let payload: &'a [u8] = reassembled.insert(payload);
                    let annotation = Annotation::Reassembled(Box::new(reassembly));
                    dissect::continue_reassembled(&mut packet, frame, payload, annotation);
                }
            }
        }
        let tcp_payload = self.track_conversations(frame, &mut packet);
        if let Some(tcp_payload) = tcp_payload {
            let produced = self.apps.segment(
                &app::Segment {
                    stream: tcp_payload.stream,
                    dir: tcp_payload.dir,
                    seq: tcp_payload.seq,
                    syn: tcp_payload.syn,
                    ack: tcp_payload.ack,
                    frame: frame.number,
                    ts_ns: frame.ts_ns,
                    ports: tcp_payload.ports,
                    fin: tcp_payload.fin,
                    payload: tcp_payload.payload.bytes,
                },
                &self.keylog,
                arenas,
            );
            let arenas: &'a Arenas = arenas;
            packet.stream = &arenas.stream;
            packet.decrypted = &arenas.decrypted;
            application_layers(&mut packet, &tcp_payload, produced);
        }
        packet
    }

    /// Numbers TCP and UDP conversations. As in Wireshark, a whole TCP or UDP header quoted
    /// inside an ICMP error is looked up (or starts a conversation), without being analysed as
    /// a segment of its own; a quote cut short of a whole header is left alone.
    fn track_conversations<'a>(
        &mut self,
        frame: &Frame<'a>,
        packet: &mut Packet<'a>,
    ) -> Option<TcpPayload<'a>> {
        let mut addresses: Option<(IpAddr, IpAddr)> = None;
        let mut out_of_sequence = false;
        let mut tcp_payload = None;
        for (index, layer) in packet.layers.iter_mut().enumerate() {
            match &layer.header {
                Header::Ipv4(ip) => addresses = Some((ip.src().into(), ip.dst().into())),
                Header::Ipv6(ip) => addresses = Some((ip.src().into(), ip.dst().into())),
                Header::Tcp(header) => {
                    let Some((src, dst)) = addresses else {
                        continue;
                    };
                    let segment = Segment {
                        frame: frame.number,
                        ts_ns: frame.ts_ns,
                        src: Endpoint { addr: src, port: header.src_port() },
                        dst: Endpoint { addr: dst, port: header.dst_port() },
                    };
                    if layer.is_quoted() {
                        layer.annotation = Annotation::Tcp(self.tcp.quoted(&segment));
                        continue;
                    }
                    let analysis = self.tcp.handle(&segment, header);
                    out_of_sequence =
                        analysis.flags & (tcp_analysis::RETRANSMISSION | tcp_analysis::OUT_OF_ORDER) != 0;
                    layer.annotation = Annotation::Tcp(analysis);
                    let (_, from_low) = Key::of(segment.src, segment.dst);
                    let offset = layer.offset + header.header_len();
                    tcp_payload = Some(TcpPayload {
                        layer: index,
                        stream: analysis.stream,
                        dir: usize::from(!from_low),
                        seq: header.seq(),
                        syn: header.has(flag::SYN),
                        ack: header.has(flag::ACK).then(|| header.ack()),
                        fin: header.has(flag::FIN),
                        ports: (header.src_port(), header.dst_port()),
                        payload: Span::new(header.payload, layer.source, offset),
                    });
                }
                Header::Icmp(message) if !layer.is_quoted() && message.is_echo() => {
                    let Some((src, dst)) = addresses else { continue };
                    let reply = message.kind() == 0;
                    layer.annotation = self.echo(src, dst, message.ident(), message.seq(), reply, frame);
                }
                Header::Icmpv6(message) if !layer.is_quoted() && message.is_echo() => {
                    let (Some((src, dst)), Some((ident, seq))) = (addresses, message.echo_ident_seq()) else {
                        continue;
                    };
                    let reply = message.kind() == 129;
                    layer.annotation = self.echo(src, dst, ident, seq, reply, frame);
                }
                Header::Udp(header) => {
                    let Some((src, dst)) = addresses else {
                        continue;
                    };
                    let src = Endpoint { addr: src, port: header.src_port() };
                    let dst = Endpoint { addr: dst, port: header.dst_port() };
                    let conversation = self.udp.handle(src, dst, frame.ts_ns, layer.is_quoted());
                    layer.annotation = Annotation::Udp(conversation);
                }
                _ => {}
            }
        }
        // Like Wireshark, do not decode the data of a retransmitted or out-of-order segment as
        // if it came next in the stream.
        if out_of_sequence && matches!(packet.layers.last().map(|l| &l.header), Some(Header::Data(_))) {
            packet.layers.pop();
        }
        tcp_payload
    }

    /// Remembers an echo request, or finds the request an echo reply answers.
    fn echo(
        &mut self,
        src: IpAddr,
        dst: IpAddr,
        ident: u16,
        seq: u16,
        reply: bool,
        frame: &Frame<'_>,
    ) -> Annotation {
        if !reply {
            self.echo.request(src, dst, ident, seq, frame.number, frame.ts_ns);
            return Annotation::None;
        }
        match self.echo.reply(src, dst, ident, seq, frame.ts_ns) {
            Some(answered) => Annotation::EchoReply {
                request_frame: answered.request_frame,
                response_ns: answered.response_ns,
            },
            None => Annotation::None,
        }
    }

    /// How many fragmented datagrams are still waiting for fragments.
    pub fn pending_fragments(&self) -> usize {
        self.defrag.pending()
    }
}

/// Replaces a TCP segment's plain data with what the application layer made of it: TLS
/// records (those reassembled from earlier segments first, then those in the segment), and the
/// decrypted application data they carry.
fn application_layers<'a>(packet: &mut Packet<'a>, tcp: &TcpPayload<'a>, produced: app::Produced) {
    for problem in &produced.tls.problems {
        packet.problem(Protocol::Tls, problem.clone());
    }
    if let Some(Layer { annotation: Annotation::Tcp(analysis), .. }) = packet.layers.get_mut(tcp.layer) {
        let range = |r: &std::ops::Range<usize>| (r.start as u32, r.end as u32);
        analysis.pdu_head = produced.tls.pdu_head.as_ref().map(range);
        analysis.pdu_tail = produced.tls.pdu_tail.as_ref().map(range);
    }
    if !produced.consumed {
        return;
    }
    if matches!(packet.layers.last().map(|layer| &layer.header), Some(Header::Data(_))) {
        packet.layers.truncate(tcp.layer + 1);
    }
    let (stream, decrypted) = (packet.stream, packet.decrypted);
    let span = |loc: &Loc| -> Span<'a> {
        match loc {
            Loc::Payload(range) => tcp.payload.slice(range.start, range.end),
            Loc::Stream(range) => {
                Span::new(stream.get(range.clone()).unwrap_or(&[]), Source::Stream, range.start)
            }
            Loc::Decrypted(range) => {
                Span::new(decrypted.get(range.clone()).unwrap_or(&[]), Source::Decrypted, range.start)
            }
        }
    };
    let mut group: Option<(Source, Tls<'a>)> = None;
    let mut data: Vec<Span<'a>> = Vec::new();
    let plain_data: Vec<Span<'a>> =
        produced.plain_data.iter().map(|range| span(&Loc::Decrypted(range.clone()))).collect();
    let flush = |packet: &mut Packet<'a>, group: Option<(Source, Tls<'a>)>, data: &mut Vec<Span<'a>>| {
        let Some((_, tls)) = group else { return };
        let first = tls.records.first().map(|record| record.span).unwrap_or_default();
        packet.layers.push(Layer {
            header: Header::Tls(Box::new(tls)),
            offset: first.offset,
            source: first.source,
            quoted_by: None,
            annotation: Annotation::None,
        });
        for plaintext in data.drain(..) {
            packet.layers.push(Layer {
                header: Header::Data(plaintext.bytes),
                offset: plaintext.offset,
                source: plaintext.source,
                quoted_by: None,
                annotation: Annotation::None,
            });
        }
    };
    for record in produced.tls.records {
        let RecordOut { header, loc, segments, opaque, content, messages } = record;
        let record_span = span(&loc);
        let mut application_data = None;
        let content = match content {
            ContentOut::Clear => Content::Clear,
            ContentOut::Decrypted { content_type, plaintext } => {
                let plaintext = span(&plaintext);
                application_data = plain_data.iter().find(|data| data.offset == plaintext.offset).copied();
                Content::Decrypted { content_type, plaintext }
            }
            ContentOut::Encrypted(reason) => Content::Encrypted(reason),
        };
        let record = Record {
            header,
            span: record_span,
            opaque,
            content,
            messages: messages.iter().map(span).collect(),
        };
        let source = record_span.source;
        match &mut group {
            Some((group_source, tls)) if *group_source == source && segments.is_empty() => {
                tls.records.push(record)
            }
            _ => {
                flush(packet, group.take(), &mut data);
                let mut tls = Tls { records: Default::default(), version: produced.version, segments };
                tls.records.push(record);
                group = Some((source, tls));
            }
        }
        data.extend(application_data);
    }
    let ends_reassembled = group.as_ref().is_some_and(|(source, _)| *source == Source::Stream);
    flush(packet, group, &mut data);
    for (source, output) in &produced.http {
        http_layers(packet, tcp, *source, output, produced.http_pending, produced.http2_via_http);
    }
    // After a record reassembled from earlier segments, the rest of the segment is read as TLS
    // again even when it only begins a record: Wireshark lists that second, empty TLS layer.
    if let (true, Some(tail)) = (ends_reassembled, &produced.tls.pdu_tail) {
        let span = tcp.payload.slice(tail.start, tail.end);
        let tls =
            Tls { records: Default::default(), version: produced.version, segments: Default::default() };
        packet.layers.push(Layer {
            header: Header::Tls(Box::new(tls)),
            offset: span.offset,
            source: span.source,
            quoted_by: None,
            annotation: Annotation::None,
        });
    }
}

/// Adds the HTTP layers of what a segment (or the TLS records it completed) finished.
fn http_layers<'a>(
    packet: &mut Packet<'a>,
    tcp: &TcpPayload<'a>,
    source: app::HttpSource,
    output: &http::Output,
    pending_in_segment: usize,
    http2_via_http: bool,
) {
    let (bytes, source) = match source {
        app::HttpSource::Stream => (packet.stream, Source::Stream),
        app::HttpSource::Decrypted => (packet.decrypted, Source::Decrypted),
    };
    let span = |range: &std::ops::Range<usize>| {
        Span::new(bytes.get(range.clone()).unwrap_or(&[]), source, range.start)
    };
    for problem in &output.problems {
        packet.problem(Protocol::Http, problem.clone());
    }
    let over_tcp = source == Source::Stream;
    if over_tcp
        && let Some(Layer { annotation: Annotation::Tcp(analysis), .. }) = packet.layers.get_mut(tcp.layer)
    {
        let len = tcp.payload.bytes.len() as u32;
        analysis.pdu_head = output.segments.last().map(|(_, part)| (0, *part as u32));
        analysis.pdu_tail = (pending_in_segment > 0).then(|| (len - pending_in_segment as u32, len));
    }
    let finished = !output.messages.is_empty() || !output.frames.is_empty() || output.preface.is_some();
    if !finished {
        if output.pending {
            packet.pending_info = Some(match (&output.pending_head, over_tcp) {
                (Some(head), true) => PendingInfo::Head(span(head).bytes.to_vec()),
                (_, true) => PendingInfo::Segment,
                (_, false) => PendingInfo::TlsSegment,
            });
        }
        return;
    }
    let push = |packet: &mut Packet<'a>, header: Header<'a>, at: Span<'a>| {
        packet.layers.push(Layer {
            header,
            offset: at.offset,
            source: at.source,
            quoted_by: None,
            annotation: Annotation::None,
        });
    };
    if !output.messages.is_empty() {
        let messages: Vec<crate::dissect::http::Message<'a>> = output
            .messages
            .iter()
            .map(|(range, head_len, context)| crate::dissect::http::Message {
                span: span(range),
                head_len: *head_len,
                context: context.clone(),
            })
            .collect();
        let first = messages[0].span;
        let texts: Vec<Span<'a>> = messages
            .iter()
            .filter(|message| message.body_media_type().is_some_and(|media| media.starts_with("text/")))
            .map(|message| message.span.slice(message.head_len, message.span.bytes.len()))
            .collect();
        let segments = if over_tcp { output.segments.clone() } else { Default::default() };
        let layer = crate::dissect::http::Http { messages, pending_head: None, segments };
        push(packet, Header::Http(Box::new(layer)), first);
        for text in texts {
            push(packet, Header::TextLines(text.bytes), text);
        }
    } else {
        let frames: Vec<crate::dissect::http::Frame2<'a>> = output
            .frames
            .iter()
            .map(|(range, headers, body, body_type)| crate::dissect::http::Frame2 {
                span: span(range),
                headers: headers.clone(),
                body: body.clone(),
                body_type: body_type.clone(),
            })
            .collect();
        let preface = output.preface.as_ref().map(span);
        let first = preface.or_else(|| frames.first().map(|frame| frame.span)).unwrap_or_default();
        let texts: Vec<Span<'a>> = frames
            .iter()
            .filter(|frame| {
                frame.body_type.as_ref().is_some_and(|media| media.to_ascii_lowercase().starts_with(b"text/"))
            })
            .filter_map(|frame| {
                let (_, parsed) = crate::dissect::http2::parse(frame.span.bytes).ok()?;
                let data = parsed.data();
                let at = crate::dissect::field_offset(frame.span.bytes, data);
                Some(frame.span.slice(at, at + data.len()))
            })
            .collect();
        if over_tcp && http2_via_http {
            push(packet, Header::Http(Box::default()), first);
        }
        let layer = crate::dissect::http::Http2 { preface, frames };
        push(packet, Header::Http2(Box::new(layer)), first);
        for text in texts {
            push(packet, Header::TextLines(text.bytes), text);
        }
    }
}
