//! The HTTP layers a frame shows once tracking has put a message (HTTP/1.x) or frames
//! (HTTP/2) together: the bytes, and what only the conversation knows about them (which
//! request a response answers, the header decoder's state, a stream's whole body).
//!
//! The parsers are `http1` and `http2`; these layers keep their input and re-read it when the
//! fields are asked for, so a packet stays a view over bytes.

use std::fmt;

use super::field::{Emitter, Span, Value};
use super::http1::{self, Conversation};
use super::http2::{self, HeaderBlock};
use super::layer::{LayerHeader, Tracked};
use crate::osi::Protocol;

/// One HTTP/1.x message this frame completed.
#[derive(Clone, Debug)]
pub struct Message<'a> {
    /// The head and body.
    pub span: Span<'a>,
    pub head_len: usize,
    /// What the conversation knows: numbers, the request a response answers.
    pub context: Conversation,
    /// When the body has a Content-Encoding (not identity): what tracking made of it.
    pub entity: Option<EntityBody<'a>>,
}

/// A body whose Content-Encoding tracking undid, or tried to.
#[derive(Clone, Copy, Debug)]
pub struct EntityBody<'a> {
    /// The decoded body, or, when it did not decode, the body as sent (de-chunked).
    pub bytes: Span<'a>,
    pub decoded: bool,
}

/// The HTTP/1.x messages of one frame.
#[derive(Clone, Debug, Default)]
pub struct Http<'a> {
    pub messages: Vec<Message<'a>>,
    /// For a message reassembled from several TCP segments: each segment's frame and how many
    /// of its bytes the message holds.
    pub segments: smallvec::SmallVec<[(u64, usize); 4]>,
    /// On a segment that rides in an HTTP CONNECT tunnel: where the tunnel goes, which
    /// Wireshark repeats on each of them.
    pub proxy_connect: Option<(String, u16)>,
}

impl<'a> Message<'a> {
    fn parsed(&self) -> Option<http1::Message<'a>> {
        let (_, message) = http1::parse(self.span.bytes).ok()?;
        let entity = match self.entity {
            None => http1::Entity::AsSent,
            Some(entity) if entity.decoded => http1::Entity::Decoded { empty: entity.bytes.bytes.is_empty() },
            Some(_) => http1::Entity::Undecoded,
        };
        Some(message.with_body(self.span.bytes.get(self.head_len..).unwrap_or(&[])).with_entity(entity))
    }

    /// The body the layers after HTTP show, and whether as text: the decoded body by its media
    /// type; a body that did not decode as data, whatever its type.
    pub fn body_layer(&self) -> Option<(Option<String>, Span<'a>)> {
        match self.entity {
            Some(entity) if !entity.decoded => Some((None, entity.bytes)),
            Some(entity) if entity.bytes.bytes.is_empty() => None,
            entity => {
                let media = self.body_media_type()?;
                let body = match entity {
                    Some(entity) => entity.bytes,
                    None => self.span.slice(self.head_len, self.span.bytes.len()),
                };
                Some((media.starts_with("text/").then_some(media), body))
            }
        }
    }

    /// The media type of a non-empty body, lower case, without parameters.
    pub fn body_media_type(&self) -> Option<String> {
        let message = self.parsed()?;
        if self.span.bytes.len() <= self.head_len {
            return None;
        }
        Some(http1::names::lower_media_type(message.header("content-type")?))
    }
}

impl Http<'_> {
    pub fn fields(&self, out: &mut Emitter<'_>) {
        super::tcp::reassembly_fields(out, &self.segments);
        if let Some((host, port)) = &self.proxy_connect {
            out.computed(http1::name::PROXY_CONNECT_HOST, super::field::Value::Str(host));
            out.computed(http1::name::PROXY_CONNECT_PORT, super::field::Value::Uint((*port).into()));
        }
        for message in &self.messages {
            let Some(parsed) = message.parsed() else { continue };
            parsed.fields(&mut out.within(&message.span), &message.context);
            // A decoded body is its File Data; one that did not decode, an expert item over it.
            match &message.entity {
                Some(EntityBody { bytes, decoded: true }) => {
                    let text = http1::AsciiText(bytes.bytes);
                    out.within(bytes).at(http1::name::FILE_DATA, 0..bytes.bytes.len(), Value::Lazy(&text));
                }
                Some(EntityBody { bytes, decoded: false }) => {
                    let range = 0..bytes.bytes.len();
                    out.within(bytes).at(http1::name::DECOMPRESSION_FAILED, range, Value::Present);
                }
                None => {}
            }
        }
    }

    /// The Info column: each message's start line (and body type), one after the other.
    pub fn write_info(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        for message in &self.messages {
            if let Some(parsed) = message.parsed() {
                parsed.summary(out)?;
            }
        }
        Ok(())
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        self.write_info(out)
    }
}

/// One HTTP/2 frame this frame completed, with what the connection knew of it.
#[derive(Clone, Debug)]
pub struct Frame2<'a> {
    pub span: Span<'a>,
    /// The header fields its fragment decoded to.
    pub headers: Option<HeaderBlock>,
    /// On a frame that ends a stream whose body came in several DATA frames: the whole body.
    pub body: Option<Span<'a>>,
    /// With `body`: the capture frames the stream's DATA frames ended in and the bytes each
    /// brought, which tshark lists as the body's fragments.
    pub fragments: Vec<(u64, usize)>,
    /// On a frame that ends a stream whose body has a content-encoding Wireshark's HTTP/2
    /// dissector tries to undo: what tracking made of it.
    pub entity: Option<StreamEntity<'a>>,
    /// On a frame that ends a stream with a body: the body's media type, for the Info column.
    pub body_type: Option<Vec<u8>>,
    /// On a DATA frame that completed gRPC messages: how many of them went on to Protocol
    /// Buffers, each `(PROTOBUF)` in the Info column after its `(GRPC)`.
    pub grpc: Option<u8>,
    /// The frame's stream is a gRPC call in its direction.
    pub grpc_stream: bool,
    /// The frame's stream is a tunnel (an extended CONNECT).
    pub tunnelled: bool,
}

/// An HTTP/2 stream's body whose content-encoding tracking undid, or tried to.
#[derive(Clone, Debug)]
pub struct StreamEntity<'a> {
    /// The `content-encoding` as sent.
    pub encoding: Vec<u8>,
    /// The body's length as sent.
    pub encoded_len: usize,
    pub body: EntityBody<'a>,
}

impl Frame2<'_> {
    /// What tshark appends to a DATA frame's `Stream:` title when the frame does not end its
    /// stream: `(partial entity body)`, and `(tunneled data)` on a tunnel; a gRPC stream's
    /// DATA, reassembled message by message, gets nothing.
    pub fn partial_suffix(&self) -> &'static str {
        let Ok((_, parsed)) = http2::parse(self.span.bytes) else { return "" };
        if parsed.kind() != http2::FrameType::Data || parsed.ends_stream() || self.grpc_stream {
            ""
        } else if self.tunnelled {
            " (partial entity body) (tunneled data)"
        } else {
            " (partial entity body)"
        }
    }
}

impl StreamEntity<'_> {
    /// Its `-V` title: `Content-encoded entity body (gzip): 76 bytes -> 401 bytes`, without
    /// the decoded length when it did not decode.
    pub fn title(&self) -> String {
        let mut title = format!(
            "Content-encoded entity body ({}): {} bytes",
            String::from_utf8_lossy(&self.encoding),
            self.encoded_len
        );
        if self.body.decoded {
            title.push_str(&format!(" -> {} bytes", self.body.bytes.bytes.len()));
        }
        title
    }
}

/// The fragments a stream's `body` was put together from, as tshark lists them on the DATA
/// frame that ends the stream: each fragment covers the bytes it brought, in order, then the
/// count, the length and the whole body.
fn body_fragments(out: &mut Emitter<'_>, body: Span<'_>, fragments: &[(u64, usize)]) {
    if fragments.is_empty() {
        return;
    }
    out.computed(http2::name::BODY_FRAGMENTS, Value::Present);
    let mut within = out.within(&body);
    let mut at = 0;
    for &(frame, size) in fragments {
        let end = (at + size).min(body.bytes.len());
        within.at(http2::name::BODY_FRAGMENT, at..end, Value::Uint(frame));
        at = end;
    }
    out.computed(http2::name::BODY_FRAGMENT_COUNT, Value::Uint(fragments.len() as u64));
    out.computed(http2::name::BODY_REASSEMBLED_LENGTH, Value::Uint(body.bytes.len() as u64));
    out.within(&body).at(http2::name::BODY_REASSEMBLED_DATA, 0..body.bytes.len(), Value::Bytes(body.bytes));
}

/// The HTTP/2 frames (and the client's preface) of one frame.
#[derive(Clone, Debug, Default)]
pub struct Http2<'a> {
    pub preface: Option<Span<'a>>,
    pub frames: Vec<Frame2<'a>>,
    /// The first part of what one TLS record (or, in the clear, one TCP segment) completed:
    /// tshark hands each to HTTP/2 separately, and HTTP/2 clears the Info column each time,
    /// so the Info column shows only the frames of the last of them.
    pub clears_info: bool,
}

impl Http2<'_> {
    pub fn fields(&self, out: &mut Emitter<'_>) {
        if let Some(preface) = &self.preface {
            http2::preface_fields(&mut out.within(preface));
        }
        for frame in &self.frames {
            let Ok((_, parsed)) = http2::parse(frame.span.bytes) else { continue };
            // A DATA frame that ends a stream shows the stream's whole body, in the bytes it was
            // put together in: undone when it has a content-encoding tshark undoes (whether it
            // decoded or not, tshark titles it `Content-encoded entity body`), else joined.
            let shown = frame.entity.as_ref().map(|entity| entity.body.bytes);
            let shown = shown.or(frame.body.filter(|_| parsed.kind() == http2::FrameType::Data));
            let body = match (shown, frame.body) {
                (Some(_), _) => http2::Body::Elsewhere,
                (None, Some(body)) => http2::Body::Whole(body.bytes),
                (None, None) => http2::Body::Own,
            };
            parsed.fields(&mut out.within(&frame.span), frame.headers.as_ref(), body);
            if let (Some(body), true) = (frame.body, parsed.kind() == http2::FrameType::Data) {
                body_fragments(out, body, &frame.fragments);
            }
            if let Some(bytes) = shown {
                out.within(&bytes).at(
                    http2::name::DATA_DATA,
                    0..bytes.bytes.len(),
                    Value::Bytes(bytes.bytes),
                );
            }
            // tshark reassembles a gRPC stream's DATA as a stream: the empty DATA frame that
            // ends it hands on an empty reassembled body, which `-T fields` prints so.
            if frame.grpc_stream
                && parsed.ends_stream()
                && parsed.kind() == http2::FrameType::Data
                && parsed.data().is_empty()
            {
                let end = frame.span.bytes.len();
                out.within(&frame.span).at(http2::name::DATA_DATA, end..end, Value::Str("<MISSING>"));
            }
        }
    }

    pub fn write_info(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        self.write_info_after(out, &mut true)
    }

    /// Writes the Info column's part for these frames, after the parts of the HTTP/2 layers
    /// before it in the packet unless `first` (gRPC messages split a packet's frames into
    /// several layers); clears `first` once something is written.
    pub fn write_info_after(&self, out: &mut dyn fmt::Write, first: &mut bool) -> fmt::Result {
        if self.preface.is_some() {
            out.write_str(http2::PREFACE_SUMMARY)?;
            *first = false;
        }
        for frame in &self.frames {
            let Ok((_, parsed)) = http2::parse(frame.span.bytes) else { continue };
            if !*first {
                out.write_str(", ")?;
            }
            *first = false;
            parsed.summary(out, frame.headers.as_ref())?;
            if let Some(media_type) = &frame.body_type {
                http1::write_body_suffix(out, media_type)?;
            }
            if let Some(protobuf) = frame.grpc {
                out.write_str(" (GRPC)")?;
                for _ in 0..protobuf {
                    out.write_str(" (PROTOBUF)")?;
                }
            }
        }
        Ok(())
    }

    /// The Protocol column as tshark 4.0 leaves it: gRPC names the frame and fences the
    /// column, so each later HTTP/2 frame appends `HTTP2` after the fence and each later gRPC
    /// DATA frame `GRPC`: `GRPC` when the gRPC frame is the last, `GRPCHTTP2` when others
    /// follow it.
    fn column(&self) -> &'static str {
        column_of(self.frames.iter().map(|frame| frame.grpc.is_some()))
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        self.write_info(out)
    }
}

/// The Protocol column for a packet's HTTP/2 frames, given whether each completed gRPC
/// messages (see `Http2::column`).
pub fn column_of(grpc: impl Iterator<Item = bool>) -> &'static str {
    const NAMES: [[&str; 2]; 4] = [
        ["GRPC", "GRPCHTTP2"],
        ["GRPCGRPC", "GRPCGRPCHTTP2"],
        ["GRPCGRPCGRPC", "GRPCGRPCGRPCHTTP2"],
        ["GRPCGRPCGRPCGRPC", "GRPCGRPCGRPCGRPCHTTP2"],
    ];
    let (mut count, mut after) = (0, false);
    for grpc in grpc {
        count += usize::from(grpc);
        after = !grpc && count > 0;
    }
    if count == 0 {
        return Protocol::Http2.column_name();
    }
    NAMES[count.clamp(1, NAMES.len()) - 1][usize::from(after)]
}

impl LayerHeader for Http<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Http
    }

    fn header_len(&self) -> usize {
        self.messages.iter().map(|message| message.span.bytes.len()).sum()
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Http::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Http::summary(self, out)
    }

    fn also_emits(&self) -> &'static [&'static str] {
        &["tcp"]
    }
}

impl LayerHeader for Http2<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Http2
    }

    fn header_len(&self) -> usize {
        self.preface.map_or(0, |p| p.bytes.len())
            + self.frames.iter().map(|f| f.span.bytes.len()).sum::<usize>()
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Http2::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Http2::summary(self, out)
    }

    fn column_name(&self) -> &'static str {
        self.column()
    }

    /// HTTP/2 on an HTTP port names the request's parts in `http.*`, as tshark does.
    fn also_emits(&self) -> &'static [&'static str] {
        &["http"]
    }
}
