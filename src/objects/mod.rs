//! HTTP objects, as Wireshark's File → Export Objects → HTTP gives them: every response body
//! the tracker put together (HTTP/1.x, HTTP/2 and HTTP/3, decrypted where the key log allows),
//! with the path of the request it answers and its media type, gathered from tracked packets
//! in capture order and written one file each into a directory (`write.rs`).
//!
//! Nothing is reassembled or decrypted here. An HTTP/1.x body is the one the tracker completed
//! with its message, de-chunked; an HTTP/2 body is the stream's body the tracker gathered (or
//! the one DATA frame that ends the stream); an HTTP/3 body is the DATA frames of its request
//! stream, in order. Content-Encoding is not undone (the tracker does not undo it): a body is
//! written as the server sent it. Request bodies and gRPC calls are not objects.
//!
//! The invariant: what is held is bounded. Each body is at most [`MAX_BODY`] bytes (the
//! tracker's own cap on a message); at most [`MAX_STREAMS`] HTTP/2 or HTTP/3 responses wait
//! for the rest of their body, holding at most [`MAX_PENDING`] bytes between them (a response
//! that would pass it is left out, and counted); finished objects wait only until the caller
//! [`Collector::take`]s them, and at most [`MAX_OBJECTS`] are handed on (the rest are counted).

pub mod names;
mod write;

use std::collections::HashMap;

pub use write::{Exporter, ObjectWriter, Sink, Written, new_directory, write_objects};

use crate::dissect::http::{Http, Http2};
use crate::dissect::http1;
use crate::dissect::http2::{self, FrameType};
use crate::dissect::http3::Http3;
use crate::dissect::quic::varint::varint;
use crate::dissect::{Content, Packet, qpack};
use crate::osi::Protocol;
use crate::track::http::coding::{Decoded, decode_content};

/// The most objects one export writes.
pub const MAX_OBJECTS: usize = 1000;
/// The most bytes of one body: what the tracker buffers of one HTTP message.
pub const MAX_BODY: usize = crate::track::http::MAX_MESSAGE;
/// The most HTTP/2 and HTTP/3 responses waiting for their body's end at once.
pub const MAX_STREAMS: usize = 4096;
/// The most bytes those responses hold between them.
pub const MAX_PENDING: usize = 64 << 20;

/// The HTTP version an object came over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Http1,
    Http2,
    Http3,
}

/// One response body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    /// The frame that completed it.
    pub frame: u64,
    pub version: Version,
    /// The request's path (or full URI), as the request wrote it; empty when unknown.
    pub path: String,
    /// The response's Content-Type, as sent.
    pub content_type: Option<String>,
    /// The body with its Content-Encoding undone.
    pub body: Vec<u8>,
}

/// Which conversation an HTTP/2 or HTTP/3 stream belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Conversation {
    Tcp(u64),
    Quic(u64),
}

/// An HTTP/2 or HTTP/3 stream whose response is being gathered.
#[derive(Debug, Default)]
struct Stream {
    path: String,
    /// A final status (2xx–5xx) was seen: DATA from now on is the response's.
    responding: bool,
    content_type: Option<String>,
    /// The response's Content-Encoding, if it has one.
    content_encoding: Option<Vec<u8>>,
    body: Vec<u8>,
    frame: u64,
    grpc: bool,
    /// The request was a CONNECT (a WebSocket's, RFC 8441): what follows is a tunnel's bytes,
    /// not a body.
    tunnel: bool,
    /// Some of the body did not fit in [`MAX_PENDING`]: the object is left out.
    cut: bool,
}

/// Gathers the objects of a capture, one tracked packet after another.
#[derive(Debug, Default)]
pub struct Collector {
    objects: Vec<Object>,
    streams: HashMap<(Conversation, u64), Stream>,
    /// Bytes the open streams hold.
    pending: usize,
    /// Objects handed on so far.
    kept: usize,
    /// Objects not handed on, and why.
    left_out: LeftOut,
}

/// What a capture held.
#[derive(Debug, Default)]
pub struct Objects {
    /// In the order their bodies ended.
    pub objects: Vec<Object>,
    /// How many were left out, and why.
    pub left_out: LeftOut,
}

/// The objects not handed on, by why.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LeftOut {
    /// Past [`MAX_OBJECTS`], [`MAX_STREAMS`] or [`MAX_PENDING`], or a body that decodes to
    /// more than [`MAX_BODY`].
    pub over_limits: usize,
    /// Bodies whose Content-Encoding cannot be undone: no decoder for it, or nothing of them
    /// decodes (tshark exports none of them either; a gzip or deflate body cut short is
    /// exported as far as it inflates, as tshark exports it).
    pub undecoded: usize,
}

impl LeftOut {
    /// How many, whatever the reason.
    pub fn total(self) -> usize {
        self.over_limits + self.undecoded
    }

    /// `2 left out: …` for a message, naming each reason; empty when none were.
    pub fn describe(self) -> String {
        let mut reasons = Vec::new();
        if self.over_limits > 0 {
            reasons.push(format!(
                "{} past the limits (at most {MAX_OBJECTS} files, {} MiB held at once)",
                self.over_limits,
                MAX_PENDING >> 20
            ));
        }
        if self.undecoded > 0 {
            reasons.push(format!("{} whose Content-Encoding cannot be undone", self.undecoded));
        }
        if reasons.is_empty() {
            String::new()
        } else {
            format!("{} left out: {}", self.total(), reasons.join(", "))
        }
    }
}

impl Collector {
    /// Reads one tracked packet's HTTP layers.
    pub fn packet(&mut self, frame: u64, packet: &Packet<'_>) {
        let mut conversation = None;
        for layer in &packet.layers {
            match &layer.content {
                Content::Http(http) => self.http1(frame, http),
                Content::Http2(http2) => {
                    if let Some(conversation) = conversation {
                        self.http2(frame, conversation, http2);
                    }
                }
                Content::Http3(http3) => {
                    if let Some(conversation) = conversation {
                        self.http3(frame, conversation, http3);
                    }
                }
                _ => match layer.protocol() {
                    Protocol::Tcp => conversation = number_of(layer, "tcp.stream").map(Conversation::Tcp),
                    Protocol::Quic => {
                        conversation = number_of(layer, "quic.connection.number").map(Conversation::Quic)
                    }
                    _ => {}
                },
            }
        }
    }

    /// The objects finished since the last call, in the order their bodies ended.
    pub fn take(&mut self) -> Vec<Object> {
        std::mem::take(&mut self.objects)
    }

    /// The objects not taken yet, and how many were left out; an HTTP/3 response still open
    /// at the end (its stream's end is not something its layers say) is taken as it stands.
    pub fn finish(mut self) -> Objects {
        let mut open: Vec<Stream> = self.streams.drain().map(|(_, stream)| stream).collect();
        open.sort_by_key(|stream| stream.frame);
        for stream in open {
            self.end(stream, Version::Http3);
        }
        Objects { objects: self.objects, left_out: self.left_out }
    }

    fn keep(&mut self, object: Object) {
        if object.body.is_empty() {
            return;
        }
        if self.kept >= MAX_OBJECTS {
            self.left_out.over_limits += 1;
        } else {
            self.kept += 1;
            self.objects.push(object);
        }
    }

    fn http1(&mut self, frame: u64, http: &Http<'_>) {
        for message in &http.messages {
            let Ok((_, parsed)) = http1::parse(message.span.bytes) else { continue };
            let body = message.span.bytes.get(message.head_len..).unwrap_or_default();
            let parsed = parsed.with_body(body);
            if parsed.is_request() || parsed.status().is_some_and(|status| status < 200) {
                continue;
            }
            let body: Vec<u8> = if parsed.is_chunked() {
                http1::dechunked(body).flatten().copied().take(MAX_BODY).collect()
            } else {
                body[..body.len().min(MAX_BODY)].to_vec()
            };
            let Some(body) = decoded(parsed.header("content-encoding"), body, &mut self.left_out) else {
                continue;
            };
            let content_type =
                parsed.header("content-type").map(|value| String::from_utf8_lossy(value).into_owned());
            let path = message.context.request_uri.clone().unwrap_or_default();
            self.keep(Object { frame, version: Version::Http1, path, content_type, body });
        }
    }

    fn http2(&mut self, frame: u64, conversation: Conversation, http2: &Http2<'_>) {
        for frame2 in &http2.frames {
            let Ok((_, parsed)) = http2::parse(frame2.span.bytes) else { continue };
            let id = u64::from(parsed.stream_id());
            if id == 0 {
                continue;
            }
            let Some(stream) = stream_of(&mut self.streams, conversation, id, frame) else {
                self.left_out.over_limits += 1;
                continue;
            };
            stream.grpc |= frame2.grpc_stream;
            if let Some(headers) = &frame2.headers {
                let text =
                    |name: &str| headers.get(name).map(|value| String::from_utf8_lossy(value).into_owned());
                if let Some(path) = text(":path") {
                    stream.path = path;
                }
                stream.tunnel |= text(":method").is_some_and(|method| method == "CONNECT");
                if text(":status").is_some_and(|status| is_final(&status)) {
                    stream.responding = true;
                    stream.content_type = text("content-type");
                    stream.content_encoding = headers.get("content-encoding").map(<[u8]>::to_vec);
                }
            }
            if !stream.responding || stream.tunnel {
                continue;
            }
            if parsed.kind() == FrameType::Data {
                append(stream, parsed.data(), &mut self.pending);
            }
            if parsed.ends_stream() {
                // The tracker's whole body, where it gathered one from several frames.
                // It goes out at once, so it is no longer held against the budget.
                if let Some(body) = &frame2.body {
                    self.pending -= stream.body.len();
                    stream.body = body.bytes[..body.bytes.len().min(MAX_BODY)].to_vec();
                    stream.cut = false;
                    self.pending += stream.body.len();
                }
                if let Some(stream) = self.streams.remove(&(conversation, id)) {
                    self.end(stream, Version::Http2);
                }
            }
        }
    }

    fn http3(&mut self, frame: u64, conversation: Conversation, http3: &Http3<'_>) {
        // Requests and responses travel on client-initiated bidirectional streams alone.
        if !http3.stream_id.is_multiple_of(4) {
            return;
        }
        let Some(stream) = stream_of(&mut self.streams, conversation, http3.stream_id, frame) else {
            self.left_out.over_limits += 1;
            return;
        };
        for span in &http3.frames {
            let Ok((rest, kind)) = varint(span.bytes) else { continue };
            let Ok((rest, length)) = varint(rest) else { continue };
            let Some(payload) = usize::try_from(length).ok().and_then(|length| rest.get(..length)) else {
                continue;
            };
            match kind {
                0x01 => {
                    let section = qpack::decode(payload);
                    let text = |name: &str| {
                        section.get(name).map(|value| String::from_utf8_lossy(value).into_owned())
                    };
                    if let Some(path) = text(":path") {
                        stream.path = path;
                    }
                    if text(":status").is_some_and(|status| is_final(&status)) {
                        stream.responding = true;
                        stream.content_type = text("content-type");
                        stream.content_encoding = section.get("content-encoding").map(<[u8]>::to_vec);
                    }
                }
                0x00 if stream.responding => append(stream, payload, &mut self.pending),
                _ => {}
            }
        }
    }

    fn end(&mut self, stream: Stream, version: Version) {
        self.pending = self.pending.saturating_sub(stream.body.len());
        if stream.cut {
            self.left_out.over_limits += 1;
        } else if stream.responding && !stream.grpc && !stream.tunnel {
            let Stream { path, content_type, content_encoding, body, frame, .. } = stream;
            if let Some(body) = decoded(content_encoding.as_deref(), body, &mut self.left_out) {
                self.keep(Object { frame, version, path, content_type, body });
            }
        }
    }
}

/// A body with its Content-Encoding (if any) undone; None, counted in `left_out`, when it
/// cannot be or when it decodes past [`MAX_BODY`].
fn decoded(encoding: Option<&[u8]>, body: Vec<u8>, left_out: &mut LeftOut) -> Option<Vec<u8>> {
    let Some(encoding) = encoding else { return Some(body) };
    match decode_content(encoding, &body, MAX_BODY) {
        Some(Decoded { bytes, cut: false }) => Some(bytes),
        Some(Decoded { cut: true, .. }) => {
            left_out.over_limits += 1;
            None
        }
        None => {
            left_out.undecoded += 1;
            None
        }
    }
}

/// The stream `id` of `conversation`, begun if new; `None` when too many are open.
fn stream_of(
    streams: &mut HashMap<(Conversation, u64), Stream>,
    conversation: Conversation,
    id: u64,
    frame: u64,
) -> Option<&mut Stream> {
    let key = (conversation, id);
    if !streams.contains_key(&key) && streams.len() >= MAX_STREAMS {
        return None;
    }
    let stream = streams.entry(key).or_default();
    stream.frame = frame;
    Some(stream)
}

/// A status line's code is final (not 1xx).
fn is_final(status: &str) -> bool {
    status.trim().parse::<u16>().is_ok_and(|code| code >= 200)
}

/// Appends to a stream's body up to [`MAX_BODY`], while the open streams hold less than
/// [`MAX_PENDING`] between them (`pending`); past that the stream is cut, and let go.
fn append(stream: &mut Stream, data: &[u8], pending: &mut usize) {
    if stream.cut {
        return;
    }
    let data = &data[..data.len().min(MAX_BODY.saturating_sub(stream.body.len()))];
    if *pending + data.len() > MAX_PENDING {
        stream.cut = true;
        *pending -= stream.body.len();
        stream.body = Vec::new();
        return;
    }
    *pending += data.len();
    stream.body.extend_from_slice(data);
}

/// The unsigned field `name` of a layer (`tcp.stream`, `quic.connection.number`).
fn number_of(layer: &crate::dissect::Layer<'_>, name: &str) -> Option<u64> {
    let mut found = None;
    layer.fields(&mut |field: crate::dissect::field::Field<'_>| {
        if found.is_none()
            && field.name == name
            && let crate::dissect::field::Value::Uint(value) = field.value
        {
            found = Some(value);
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_left_out_says_why() {
        assert_eq!(LeftOut::default().describe(), "");
        let left = LeftOut { over_limits: 2, undecoded: 1 };
        assert_eq!(
            left.describe(),
            format!(
                "3 left out: 2 past the limits (at most {MAX_OBJECTS} files, {} MiB held at once), \
                 1 whose Content-Encoding cannot be undone",
                MAX_PENDING >> 20
            )
        );
    }

    #[test]
    fn an_encoded_body_is_undone_or_left_out() {
        let mut left_out = LeftOut::default();
        assert_eq!(decoded(None, b"as sent".to_vec(), &mut left_out).as_deref(), Some(&b"as sent"[..]));
        assert_eq!(decoded(Some(b"x-unknown"), b"as sent".to_vec(), &mut left_out), None);
        assert_eq!(decoded(Some(b"br"), b"not brotli".to_vec(), &mut left_out), None);
        assert_eq!(left_out, LeftOut { over_limits: 0, undecoded: 2 });
        let big = vec![b'a'; MAX_BODY + 1];
        assert_eq!(decoded(Some(b"identity"), big, &mut left_out), None);
        assert_eq!(left_out, LeftOut { over_limits: 1, undecoded: 2 });
    }

    #[test]
    fn a_response_past_the_pending_budget_is_cut_let_go_and_counted() {
        let mut pending = MAX_PENDING - 10;
        let mut stream = Stream { responding: true, ..Default::default() };
        append(&mut stream, &[1; 8], &mut pending);
        assert_eq!((stream.body.len(), pending), (8, MAX_PENDING - 2));
        append(&mut stream, &[1; 8], &mut pending);
        assert!(stream.cut && stream.body.is_empty());
        assert_eq!(pending, MAX_PENDING - 10, "its bytes are given back");
        append(&mut stream, &[1], &mut pending);
        assert!(stream.body.is_empty(), "a cut stream takes nothing more");
        let mut collector = Collector { pending, ..Default::default() };
        collector.end(stream, Version::Http2);
        let objects = collector.finish();
        assert!(objects.objects.is_empty());
        assert_eq!(objects.left_out.over_limits, 1);
    }

    #[test]
    fn a_body_stops_at_the_trackers_cap() {
        let mut pending = 0;
        let mut stream = Stream::default();
        append(&mut stream, &vec![0; MAX_BODY + 5], &mut pending);
        append(&mut stream, &[0; 5], &mut pending);
        assert_eq!((stream.body.len(), pending), (MAX_BODY, MAX_BODY));
    }

    #[test]
    fn past_the_most_objects_the_rest_are_counted() {
        let mut collector = Collector::default();
        for frame in 0..(MAX_OBJECTS as u64 + 3) {
            let body = vec![1];
            collector.keep(Object {
                frame,
                version: Version::Http1,
                path: String::new(),
                content_type: None,
                body,
            });
        }
        assert_eq!(collector.take().len(), MAX_OBJECTS);
        collector.keep(Object {
            frame: 0,
            version: Version::Http1,
            path: String::new(),
            content_type: None,
            body: vec![1],
        });
        assert!(collector.take().is_empty(), "taking does not reset the count");
        assert_eq!(collector.finish().left_out.over_limits, 4);
    }
}
