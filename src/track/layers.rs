//! Turning what the application side of a TCP connection produced (TLS records, HTTP messages
//! and frames, decrypted data) into the packet's layers, borrowed from the frame or from the
//! frame's arenas.

use super::tls::{ContentOut, Loc, RecordOut};
use super::{TcpPayload, http, over_tcp};
use crate::dissect::field::{Source, Span};
use crate::dissect::tls::{Content as RecordContent, Record, Tls};
use crate::dissect::{Annotation, Content, Layer, Packet, PendingInfo};
use crate::osi::Protocol;

/// Replaces a TCP segment's plain data with what the application layer made of it: TLS
/// records (those reassembled from earlier segments first, then those in the segment), and the
/// decrypted application data they carry.
pub(super) fn application_layers<'a>(
    packet: &mut Packet<'a>,
    tcp: &TcpPayload<'a>,
    produced: over_tcp::Produced,
) {
    for problem in &produced.tls.problems {
        packet.problem(Protocol::Tls, problem.clone());
    }
    if let Some(Layer { annotation: Annotation::Tcp(analysis), .. }) = packet.layers.get_mut(tcp.layer) {
        let range = |r: &std::ops::Range<usize>| (clamp16(r.start), clamp16(r.end));
        let (head, tail) = match &produced.dns_stream {
            Some(fed) => (&fed.pdu_head, &fed.pdu_tail),
            None => (&produced.tls.pdu_head, &produced.tls.pdu_tail),
        };
        analysis.pdu_head = head.as_ref().map(range);
        analysis.pdu_tail = tail.as_ref().map(range);
    }
    if !produced.consumed {
        return;
    }
    if matches!(packet.layers.last().map(|layer| &layer.content), Some(Content::Data(_))) {
        packet.layers.truncate(tcp.layer + 1);
    }
    if let Some(fed) = produced.dns_stream {
        super::dns::push_stream(packet, tcp.payload, *fed);
        return;
    }
    proxy_layers(packet, tcp, &produced);
    if let Some(ssh) = produced.ssh {
        return super::ssh::layers::push(packet, tcp, *ssh);
    }
    if produced.dns && produced.tls.records.is_empty() && super::dns::push_framed(packet, tcp.payload) {
        return;
    }
    // DNS over TLS whose records fed messages but completed none: Wireshark calls the frame a
    // TLS segment of a reassembled PDU.
    if !produced.dns_over_tls.is_empty()
        && produced.dns_over_tls.iter().all(|(_, messages, _)| messages.is_empty())
    {
        packet.pending_info = Some(PendingInfo::TlsSegment);
    }
    // The DNS messages each record completed, and its pieces of messages spanning records, by
    // where its plaintext starts.
    let mut dns_by_record: rustc_hash::FxHashMap<usize, _> = (produced.dns_over_tls.into_iter())
        .map(|(offset, messages, pieces)| (offset, (messages, pieces)))
        .collect();
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
    let mut dns: Vec<super::dns::stream::Framed> = Vec::new();
    // Decrypted data that is not HTTP, by where its plaintext starts: each record finds its
    // own in O(1), however many records the segment completed.
    let plain_data: rustc_hash::FxHashMap<usize, Span<'a>> =
        produced.plain_data.iter().map(|range| (range.start, span(&Loc::Decrypted(range.clone())))).collect();
    let flush = |packet: &mut Packet<'a>,
                 group: Option<(Source, Tls<'a>)>,
                 data: &mut Vec<Span<'a>>,
                 dns: &mut Vec<super::dns::stream::Framed>| {
        let Some((_, tls)) = group else { return };
        let first = tls.records.first().map(|record| record.span).unwrap_or_default();
        packet.layers.push(Layer {
            content: Content::Tls(Box::new(tls)),
            offset: first.offset,
            source: first.source,
            quoted_by: None,
            annotation: Annotation::None,
        });
        for plaintext in data.drain(..) {
            packet.layers.push(Layer {
                content: Content::Data(plaintext.bytes),
                offset: plaintext.offset,
                source: plaintext.source,
                quoted_by: None,
                annotation: Annotation::None,
            });
        }
        super::dns::push_over_tls(packet, std::mem::take(dns));
    };
    for record in produced.tls.records {
        let RecordOut { header, loc, segments, opaque, content, messages, resumed } = record;
        let record_span = span(&loc);
        let mut application_data = None;
        let mut record_dns = Vec::new();
        let mut segment_data = smallvec::SmallVec::new();
        let content = match content {
            ContentOut::Clear => RecordContent::Clear,
            ContentOut::Decrypted { content_type, plaintext } => {
                let plaintext = span(&plaintext);
                application_data = plain_data.get(&plaintext.offset).copied();
                let (dns, pieces) = dns_by_record.remove(&plaintext.offset).unwrap_or_default();
                record_dns = dns;
                segment_data =
                    pieces.into_iter().flatten().map(|piece| span(&Loc::Decrypted(piece))).collect();
                RecordContent::Decrypted { content_type, plaintext }
            }
            ContentOut::Encrypted(reason) => RecordContent::Encrypted(reason),
        };
        let messages: smallvec::SmallVec<[Span<'a>; 2]> = messages.iter().map(span).collect();
        let facts = super::tls::facts::of(&messages);
        let record =
            Record { header, span: record_span, opaque, content, messages, facts, segment_data, resumed };
        let source = record_span.source;
        match &mut group {
            Some((group_source, tls)) if *group_source == source && segments.is_empty() => {
                tls.records.push(record)
            }
            _ => {
                flush(packet, group.take(), &mut data, &mut dns);
                let mut tls = Tls {
                    records: Default::default(),
                    version: produced.version,
                    key_exchange: produced.key_exchange,
                    segments,
                    continuation: false,
                    ignored: false,
                };
                tls.records.push(record);
                group = Some((source, tls));
            }
        }
        data.extend(application_data);
        dns.extend(record_dns);
    }
    // A segment that only begins a record is read as TLS far enough to know it must wait:
    // Wireshark lists the protocol and calls the frame a TCP segment of a reassembled PDU.
    if produced.tls.only_begins_record && group.is_none() {
        if let Some(tail) = &produced.tls.pdu_tail {
            push_empty_tls(packet, tcp.payload.slice(tail.start, tail.end), produced.version, false);
            packet.pending_info = Some(PendingInfo::Segment);
        }
        return;
    }
    // A stream picked up mid-stream, before its first record boundary: the whole segment is
    // continuation data of a record begun before the capture.
    if (produced.tls.continuation || produced.tls.ignored) && group.is_none() {
        let tls = Tls {
            records: Default::default(),
            version: produced.version,
            key_exchange: produced.key_exchange,
            segments: produced.tls.joined.map(|parts| parts.into_iter().collect()).unwrap_or_default(),
            continuation: produced.tls.continuation,
            ignored: produced.tls.ignored,
        };
        push_tls(packet, tcp.payload, tls);
        return;
    }
    let ends_reassembled = group.as_ref().is_some_and(|(source, _)| *source == Source::Stream);
    flush(packet, group, &mut data, &mut dns);
    // HTTP comes right after the TLS layer whose records carried it, before later records'.
    let after_application_data = packet
        .layers
        .iter()
        .rposition(|layer| match &layer.content {
            Content::Tls(tls) => tls.records.iter().any(|record| {
                record.content_type() == Some(crate::dissect::tls::record::content_type::APPLICATION_DATA)
            }),
            _ => false,
        })
        .map(|index| index + 1);
    let start = packet.layers.len();
    for (source, output) in &produced.http {
        http_layers(packet, tcp, *source, output, produced.http_pending, produced.http2_via_http);
    }
    super::websocket::layers::push(packet, &produced.websocket);
    if let Some(at) = after_application_data.filter(|at| *at < start) {
        let added = packet.layers.len() - start;
        packet.layers[at..].rotate_right(added);
    }
    // After a record reassembled from earlier segments, the rest of the segment is read as TLS
    // again even when it only begins a record: Wireshark lists that second, empty TLS layer.
    if let (true, Some(tail)) = (ends_reassembled, &produced.tls.pdu_tail) {
        push_empty_tls(packet, tcp.payload.slice(tail.start, tail.end), produced.version, false);
    }
}

/// The SOCKS messages a segment completed, and the mark of a proxy's tunnel on a segment
/// that rides in one (before what it carries, as Wireshark lists it).
fn proxy_layers<'a>(packet: &mut Packet<'a>, tcp: &TcpPayload<'a>, produced: &over_tcp::Produced) {
    for problem in &produced.proxy_problems {
        packet.problem(Protocol::Socks, problem.clone());
    }
    let stream = packet.stream;
    for completed in &produced.socks {
        let bytes = stream.get(completed.range.clone()).unwrap_or(&[]);
        let Ok((_, message)) = crate::dissect::socks::parse(completed.kind, bytes) else { continue };
        let span = Span::new(bytes, Source::Stream, completed.range.start);
        let socks = crate::dissect::socks::Socks::Message { version: completed.version, message, span };
        packet.layers.push(Layer {
            content: Content::Socks(socks),
            offset: span.offset,
            source: span.source,
            quoted_by: None,
            annotation: Annotation::None,
        });
    }
    let Some(mark) = &produced.tunnel else { return };
    let content = match mark {
        over_tcp::proxy::Mark::Socks(tunnel) => {
            Content::Socks(crate::dissect::socks::Socks::Tunnel { tunnel: *tunnel, payload: tcp.payload })
        }
        over_tcp::proxy::Mark::Connect { host, port } => {
            Content::Http(Box::new(crate::dissect::http::Http {
                proxy_connect: Some((host.clone(), *port)),
                ..Default::default()
            }))
        }
    };
    packet.layers.push(Layer {
        content,
        offset: tcp.payload.offset,
        source: tcp.payload.source,
        quoted_by: None,
        annotation: Annotation::None,
    });
}

/// A TLS layer with no record yet: the start of one, at `span`, that a later segment finishes.
fn push_empty_tls<'a>(packet: &mut Packet<'a>, span: Span<'a>, version: Option<u16>, continuation: bool) {
    let tls = Tls {
        records: Default::default(),
        version,
        key_exchange: Default::default(),
        segments: Default::default(),
        continuation,
        ignored: false,
    };
    push_tls(packet, span, tls);
}

/// A TLS layer at `span`.
fn push_tls<'a>(packet: &mut Packet<'a>, span: Span<'a>, tls: Tls<'a>) {
    packet.layers.push(Layer {
        content: Content::Tls(Box::new(tls)),
        offset: span.offset,
        source: span.source,
        quoted_by: None,
        annotation: Annotation::None,
    });
}

/// Adds the HTTP layers of what a segment (or the TLS records it completed) finished.
fn http_layers<'a>(
    packet: &mut Packet<'a>,
    tcp: &TcpPayload<'a>,
    source: Source,
    output: &http::Output,
    pending_in_segment: usize,
    http2_via_http: bool,
) {
    let (bytes, source) = match source {
        Source::Decrypted => (packet.decrypted, Source::Decrypted),
        // HTTP over plain TCP is put together in the stream arena.
        _ => (packet.stream, Source::Stream),
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
        let len = tcp.payload.bytes.len();
        analysis.pdu_head = output.segments.last().map(|(_, part)| (0, clamp16(*part)));
        analysis.pdu_tail =
            (pending_in_segment > 0).then(|| (clamp16(len - pending_in_segment), clamp16(len)));
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
    let push = |packet: &mut Packet<'a>, content: Content<'a>, at: Span<'a>| {
        packet.layers.push(Layer {
            content,
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
            .enumerate()
            .map(|(index, (range, head_len, context))| crate::dissect::http::Message {
                span: span(range),
                head_len: *head_len,
                context: context.clone(),
                entity: output.entities.iter().find(|entity| entity.message == index).map(|entity| {
                    crate::dissect::http::EntityBody { bytes: span(&entity.bytes), decoded: entity.decoded }
                }),
            })
            .collect();
        if output.entities.iter().any(|entity| entity.cut) {
            let bound = http::MAX_MESSAGE;
            packet.problem(
                Protocol::Http,
                format!("a decoded body is cut at {bound} bytes (or the frame's bound)"),
            );
        }
        let first = messages[0].span;
        // Bodies as Wireshark hands them on: text line by line, other media as data.
        let bodies: Vec<(Option<String>, Span<'a>)> =
            messages.iter().filter_map(crate::dissect::http::Message::body_layer).collect();
        let segments = if over_tcp { output.segments.clone() } else { Default::default() };
        let layer = crate::dissect::http::Http { messages, segments, proxy_connect: None };
        push(packet, Content::Http(Box::new(layer)), first);
        for (text, body) in bodies {
            let header = match text {
                Some(media) => Content::TextLines { bytes: body.bytes, media: Some(media.into()) },
                None => Content::Data(body.bytes),
            };
            push(packet, header, body);
        }
    } else {
        let frames: Vec<crate::dissect::http::Frame2<'a>> = output
            .frames
            .iter()
            .map(|frame| crate::dissect::http::Frame2 {
                span: span(&frame.range),
                headers: frame.headers.clone(),
                body: frame.body.as_ref().map(span),
                fragments: frame.fragments.clone(),
                entity: frame.entity.as_ref().map(|entity| crate::dissect::http::StreamEntity {
                    encoding: entity.encoding.clone(),
                    encoded_len: entity.encoded_len,
                    body: crate::dissect::http::EntityBody {
                        bytes: span(&entity.undone.bytes),
                        decoded: entity.undone.decoded,
                    },
                }),
                body_type: frame.body_type.clone(),
                grpc: frame.grpc.as_ref().map(|grpc| {
                    grpc.messages.iter().filter(|message| message.protobuf).count().min(usize::from(u8::MAX))
                        as u8
                }),
                grpc_stream: frame.grpc_stream,
                tunnelled: frame.tunnelled,
            })
            .collect();
        if output.frames.iter().any(|frame| frame.entity.as_ref().is_some_and(|entity| entity.undone.cut)) {
            let bound = http::MAX_MESSAGE;
            packet.problem(
                Protocol::Http2,
                format!("a decoded body is cut at {bound} bytes (or the frame's bound)"),
            );
        }
        let preface = output.preface.as_ref().map(span);
        let first = preface.or_else(|| frames.first().map(|frame| frame.span)).unwrap_or_default();
        // Each frame's text body, if it ends a stream that had one.
        let texts: Vec<Option<(String, Span<'a>)>> = frames
            .iter()
            .map(|frame| {
                let media = crate::dissect::http1::names::lower_media_type(frame.body_type.as_deref()?);
                if !media.starts_with("text/") {
                    return None;
                }
                // The body tshark hands to its media type: undone, else whole, else the frame's.
                if let Some(body) = frame.entity.as_ref().map(|entity| entity.body.bytes).or(frame.body) {
                    return Some((media, body));
                }
                let (_, parsed) = crate::dissect::http2::parse(frame.span.bytes).ok()?;
                let data = parsed.data();
                let at = crate::dissect::field_offset(frame.span.bytes, data);
                Some((media, frame.span.slice(at, at + data.len())))
            })
            .collect();
        if over_tcp && http2_via_http {
            push(packet, Content::Http(Box::default()), first);
        }
        // As tshark's tree has them: the HTTP/2 frames up to a DATA frame that completed gRPC
        // messages or a text body, then those messages or that text, then the frames after it,
        // and so on.
        use crate::dissect::http::Http2;
        let push_http2 = |packet: &mut Packet<'a>, part: Http2<'a>| {
            let at = part.preface.or_else(|| part.frames.first().map(|frame| frame.span));
            push(packet, Content::Http2(Box::new(part)), at.unwrap_or(first));
        };
        let mut part = Http2 { preface, frames: Vec::new(), clears_info: true };
        for ((frame, tracked), text) in frames.into_iter().zip(&output.frames).zip(texts) {
            part.frames.push(frame);
            if tracked.grpc.is_none() && text.is_none() {
                continue;
            }
            let next = Http2 { preface: None, frames: Vec::new(), clears_info: false };
            push_http2(packet, std::mem::replace(&mut part, next));
            if let Some(grpc) = &tracked.grpc {
                grpc_layers(packet, grpc, &span);
            }
            if let Some((media, text)) = text {
                push(packet, Content::TextLines { bytes: text.bytes, media: Some(media.into()) }, text);
            }
        }
        if part.preface.is_some() || !part.frames.is_empty() {
            push_http2(packet, part);
        }
        // WebSocket over an extended CONNECT stream (RFC 8441), after the DATA frames.
        let websocket = output.frames.iter().filter_map(|frame| frame.websocket.as_ref());
        super::websocket::layers::push_frames(packet, websocket.map(|output| (source, output)), false);
    }
}

/// A gRPC layer for each message one DATA frame completed, each followed by its Protocol
/// Buffers layer when it was handed on, as tshark's tree has them (`grpc`, `protobuf`, `grpc`, ...).
fn grpc_layers<'a>(
    packet: &mut Packet<'a>,
    grpc: &http::grpc::GrpcOut,
    span: &dyn Fn(&std::ops::Range<usize>) -> Span<'a>,
) {
    use crate::dissect::grpc::{Message, Messages};
    let push = |packet: &mut Packet<'a>, content: Content<'a>, at: Span<'a>| {
        packet.layers.push(Layer {
            content,
            offset: at.offset,
            source: at.source,
            quoted_by: None,
            annotation: Annotation::None,
        });
    };
    // One copy of the path for all the frame's messages, however many it packs.
    let path: std::sync::Arc<str> = grpc.path.as_str().into();
    for (index, message) in grpc.messages.iter().enumerate() {
        let message = Message {
            prefix: span(&message.prefix),
            flags: message.flags,
            length: message.length,
            data: span(&message.data),
            compression: message.compression,
            protobuf: message.protobuf,
        };
        let (prefix, body, protobuf) = (message.prefix, message.data, message.protobuf);
        let messages = std::iter::once(message).collect();
        let layer =
            Messages { path: path.clone(), is_request: grpc.is_request, messages, continued: index > 0 };
        push(packet, Content::Grpc(Box::new(layer)), prefix);
        if protobuf {
            push(packet, Content::Protobuf(crate::dissect::protobuf::Message { span: body }), body);
        }
    }
}

/// A payload offset in the 16 bits a TCP analysis keeps (an IP datagram is never longer).
fn clamp16(offset: usize) -> u16 {
    offset.min(usize::from(u16::MAX)) as u16
}

/// Replaces a UDP datagram's plain data with its QUIC packets, and after them a TLS layer for
/// each CRYPTO frame (with the handshake messages it completed).
pub(super) fn quic_layers<'a>(
    packet: &mut Packet<'a>,
    udp_layer: usize,
    payload: Span<'a>,
    output: super::quic::Output,
) {
    use super::quic::Carried;
    use crate::dissect::http3::Http3;
    use crate::dissect::quic::{CryptoTls, Packet as QuicPacket, Quic};
    if output.packets.is_empty() {
        return;
    }
    for problem in &output.problems {
        packet.problem(Protocol::Quic, problem.clone());
    }
    packet.layers.truncate(udp_layer + 1);
    let (stream, decrypted) = (packet.stream, packet.decrypted);
    let span = |loc: &Loc| -> Span<'a> {
        match loc {
            Loc::Payload(range) => payload.slice(range.start, range.end),
            Loc::Stream(range) => {
                Span::new(stream.get(range.clone()).unwrap_or(&[]), Source::Stream, range.start)
            }
            Loc::Decrypted(range) => {
                Span::new(decrypted.get(range.clone()).unwrap_or(&[]), Source::Decrypted, range.start)
            }
        }
    };
    let mut packets: smallvec::SmallVec<[QuicPacket<'a>; 2]> = output
        .packets
        .into_iter()
        .map(|out| QuicPacket {
            span: payload.slice(out.range.start, out.range.end),
            header: out.header,
            unprotected: out.unprotected,
            plaintext: out.plaintext.as_ref().map(span),
            undecrypted: out.undecrypted,
            retry_verified: out.retry_verified,
            frames: out.frames,
        })
        .collect();
    let mut carried = Vec::with_capacity(output.carried.len());
    for item in output.carried {
        let (content, first) = match item {
            Carried::Tls(packet, messages, fragments, unfinished) => {
                let messages: smallvec::SmallVec<[Span<'a>; 2]> = messages.iter().map(span).collect();
                let first = messages.first().copied().unwrap_or(payload);
                let facts = super::tls::facts::of(&messages);
                (
                    Content::QuicTls(Box::new(CryptoTls { packet, messages, fragments, unfinished, facts })),
                    first,
                )
            }
            Carried::Http3(out) => {
                let stream_type = out.stream_type.map(|(kind, loc)| (kind, span(&loc)));
                let frames: smallvec::SmallVec<[Span<'a>; 2]> = out.frames.iter().map(span).collect();
                let first = stream_type.map(|(_, at)| at).or(frames.first().copied()).unwrap_or(payload);
                let layer = Http3 { anchor: out.anchor, stream_id: out.stream_id, stream_type, frames };
                let (facts, problem) = super::quic::facts::http3(&layer);
                if let Some(problem) = problem {
                    packet.problem(Protocol::Http3, problem);
                }
                let (at, start) = layer.anchor;
                let stream_frame = packets
                    .get_mut(at)
                    .and_then(|quic_packet| quic_packet.frames.iter_mut().find(|frame| frame.start == start));
                if let Some(stream_frame) = stream_frame {
                    stream_frame.http3 = facts;
                }
                (Content::Http3(Box::new(layer)), first)
            }
        };
        carried.push(Layer {
            content,
            offset: first.offset,
            source: first.source,
            quoted_by: None,
            annotation: Annotation::None,
        });
    }
    let quic = Quic {
        connection: output.connection,
        packets,
        padding: output.padding.map(|range| payload.slice(range.start, range.end)),
    };
    packet.layers.push(Layer {
        content: Content::Quic(Box::new(quic)),
        offset: payload.offset,
        source: payload.source,
        quoted_by: None,
        annotation: Annotation::None,
    });
    packet.layers.extend(carried);
}
