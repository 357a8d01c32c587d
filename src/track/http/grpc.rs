//! The gRPC calls one HTTP/2 connection carries: which streams are gRPC (their request said
//! `content-type: application/grpc…`), each call's method (`:path`), and each direction's
//! length-prefixed messages put together from its DATA frames, inflated when compressed with
//! the direction's `grpc-encoding` (gzip or deflate).
//!
//! Invariants: at most [`MAX_CALLS`] calls are kept (a new one past that forgets the oldest,
//! with a note); a direction buffers at most one message in progress, of at most
//! [`MAX_MESSAGE`] bytes, and a message announcing more is not kept (the direction stops being
//! read as gRPC, with a note); an inflated message is at most [`MAX_MESSAGE`] bytes, past which
//! it is shown compressed with the reason. [`Calls::cost`] is a running total.

use std::collections::BTreeMap;
use std::ops::Range;

use super::coding::{self, Coding};
use super::{MAX_MESSAGE, copy};
use crate::dissect::grpc::{self, Compression, PREFIX_LEN};
use crate::dissect::http2::{Frame, FrameType, HeaderBlock};
use crate::track::budget;

/// The most calls kept per connection, as `MAX_STREAMS` bounds streams.
pub const MAX_CALLS: usize = 512;

/// The longest `:path` kept; a longer one is cut.
const MAX_PATH: usize = 1024;

/// A message one DATA frame completed, with ranges into the arena its bytes were copied to.
#[derive(Debug, Clone)]
pub struct MessageOut {
    pub prefix: Range<usize>,
    pub flags: u8,
    pub length: u32,
    /// The body as sent, or inflated.
    pub data: Range<usize>,
    pub compression: Compression,
    pub protobuf: bool,
}

/// The gRPC messages one DATA frame completed.
#[derive(Debug, Clone)]
pub struct GrpcOut {
    pub path: String,
    pub is_request: bool,
    pub messages: Vec<MessageOut>,
}

/// One direction of a call.
#[derive(Debug, Default, Clone)]
struct Side {
    /// The direction's own headers said `application/grpc…`.
    grpc: bool,
    protobuf: bool,
    /// `grpc-encoding`, lowercased.
    encoding: Vec<u8>,
    /// The message in progress: its prefix and as much of its body as came.
    buffer: Vec<u8>,
    /// A message too large to keep was announced: the rest of the direction is not read.
    lost: bool,
    ended: bool,
}

#[derive(Debug, Default, Clone)]
struct Call {
    path: String,
    /// The direction the request went in.
    request_dir: usize,
    sides: [Side; 2],
}

impl Call {
    fn heap(&self) -> usize {
        self.path.capacity()
            + self.sides.iter().map(|side| side.buffer.capacity() + side.encoding.capacity()).sum::<usize>()
    }
}

/// A connection's gRPC calls, by stream id.
#[derive(Debug, Default, Clone)]
pub struct Calls {
    by_stream: BTreeMap<u32, Call>,
    cost: usize,
}

const ENTRY: usize = budget::entry_cost::<u32, Call>();

impl Calls {
    /// Takes a frame of direction `dir` and the header fields its fragment completed; returns
    /// the gRPC messages a DATA frame completed, their bytes copied to `arena`. Says whether
    /// the frame's stream is a gRPC call in this direction (its body is then gRPC's, not shown
    /// as a whole by HTTP/2).
    pub fn frame(
        &mut self,
        dir: usize,
        frame: &Frame<'_>,
        headers: Option<&HeaderBlock>,
        arena: &mut Vec<u8>,
        problems: &mut Vec<String>,
    ) -> (bool, Option<GrpcOut>) {
        let id = frame.stream_id();
        if let Some(headers) = headers {
            self.headers(dir, id, headers, problems);
        }
        let Some(call) = self.by_stream.get_mut(&id) else { return (false, None) };
        let before = call.heap();
        let side = &mut call.sides[dir];
        let is_grpc = side.grpc;
        let mut out = None;
        if frame.kind() == FrameType::Data && side.grpc && !side.lost {
            let messages = read_messages(side, id, frame.data(), arena, problems);
            if !messages.is_empty() {
                out =
                    Some(GrpcOut { path: call.path.clone(), is_request: dir == call.request_dir, messages });
            }
        }
        let side = &mut call.sides[dir];
        if frame.ends_stream() || frame.kind() == FrameType::RstStream {
            if !side.buffer.is_empty() {
                problems.push(format!("gRPC stream {id}: a message cut short by the stream's end"));
            }
            side.buffer = Vec::new();
            side.ended = true;
        }
        let done = frame.kind() == FrameType::RstStream || call.sides.iter().all(|side| side.ended);
        self.cost = self.cost + call.heap() - before;
        if done && let Some(call) = self.by_stream.remove(&id) {
            self.cost -= ENTRY + call.heap();
        }
        (is_grpc, out)
    }

    /// Notes what a header block says of a call: a request with a gRPC content type opens
    /// one; each direction's content type and `grpc-encoding`.
    fn headers(&mut self, dir: usize, id: u32, headers: &HeaderBlock, problems: &mut Vec<String>) {
        let content_type = headers.get("content-type");
        let grpc_type = content_type.is_some_and(grpc::is_grpc_content_type);
        if let Some(path) = headers.get(":path").filter(|_| grpc_type && !self.by_stream.contains_key(&id)) {
            self.make_room(problems);
            let path = String::from_utf8_lossy(&path[..path.len().min(MAX_PATH)]).into_owned();
            let call = Call { path, request_dir: dir, ..Call::default() };
            self.cost += ENTRY + call.heap();
            self.by_stream.insert(id, call);
        }
        let Some(call) = self.by_stream.get_mut(&id) else { return };
        let before = call.heap();
        let side = &mut call.sides[dir];
        if let Some(content_type) = content_type {
            side.grpc = grpc_type;
            side.protobuf = grpc::is_protobuf_content_type(content_type);
        }
        if let Some(encoding) = headers.get("grpc-encoding") {
            side.encoding = encoding.iter().take(16).map(u8::to_ascii_lowercase).collect();
        }
        self.cost = self.cost + call.heap() - before;
    }

    /// Forgets the oldest call when [`MAX_CALLS`] are kept.
    fn make_room(&mut self, problems: &mut Vec<String>) {
        if self.by_stream.len() < MAX_CALLS {
            return;
        }
        if let Some((id, oldest)) = self.by_stream.pop_first() {
            self.cost -= ENTRY + oldest.heap();
            problems.push(format!("over {MAX_CALLS} gRPC calls open: stream {id}, the oldest, is forgotten"));
        }
    }

    /// What the calls hold, in bytes, entries included. O(1).
    pub fn cost(&self) -> usize {
        self.cost
    }
}

/// Adds a DATA frame's bytes to the message in progress and takes out each message they
/// complete.
fn read_messages(
    side: &mut Side,
    id: u32,
    data: &[u8],
    arena: &mut Vec<u8>,
    problems: &mut Vec<String>,
) -> Vec<MessageOut> {
    let mut messages = Vec::new();
    let mut input = data;
    while !input.is_empty() {
        // The prefix first, then as much of the body as it announces.
        let want = match grpc::parse_prefix(&side.buffer) {
            None => PREFIX_LEN - side.buffer.len(),
            Some((_, length)) if length as usize > MAX_MESSAGE => {
                problems.push(format!(
                    "gRPC stream {id}: a message of {length} bytes is over {MAX_MESSAGE}; the rest of the stream is not read as gRPC"
                ));
                side.lost = true;
                side.buffer = Vec::new();
                return messages;
            }
            Some((_, length)) => PREFIX_LEN + length as usize - side.buffer.len(),
        };
        let take = want.min(input.len());
        side.buffer.extend_from_slice(&input[..take]);
        input = &input[take..];
        let Some((flags, length)) = grpc::parse_prefix(&side.buffer) else { continue };
        if side.buffer.len() < PREFIX_LEN + length as usize {
            continue;
        }
        let whole = std::mem::take(&mut side.buffer);
        messages.push(message_out(side, &whole, flags, length, arena));
    }
    messages
}

/// Copies a whole message to the arena, inflating its body when it is compressed with an
/// encoding known here.
fn message_out(side: &Side, whole: &[u8], flags: u8, length: u32, arena: &mut Vec<u8>) -> MessageOut {
    let prefix = copy(arena, &whole[..PREFIX_LEN]);
    let body = &whole[PREFIX_LEN..];
    let compressed = flags & 1 != 0 && !body.is_empty();
    let (data, compression) = if !compressed {
        (copy(arena, body), Compression::None)
    } else {
        match inflate(&side.encoding, body) {
            Ok((inflated, encoding)) => (copy(arena, &inflated), Compression::Inflated(encoding)),
            Err((encoding, reason)) => (copy(arena, body), Compression::Kept { encoding, reason }),
        }
    };
    let protobuf = side.protobuf
        && !body.is_empty()
        && !matches!(compression, Compression::Kept { .. })
        && !looks_like_json(&arena[data.clone()]);
    MessageOut { prefix, flags, length, data, compression, protobuf }
}

/// Inflates a body compressed with `encoding`, to at most [`MAX_MESSAGE`] bytes; with the
/// encoding's name, which a failure also gives when it is one inflating was tried with.
type Inflated = Result<(Vec<u8>, &'static str), (Option<&'static str>, &'static str)>;

fn inflate(encoding: &[u8], body: &[u8]) -> Inflated {
    let (coding, name) = match encoding {
        b"gzip" => (Coding::Gzip, "gzip"),
        b"deflate" => (Coding::Zlib, "deflate"),
        _ => return Err((None, "grpc-encoding is not gzip or deflate")),
    };
    match coding::inflate(coding, body, MAX_MESSAGE) {
        Ok(inflated) => Ok((inflated, name)),
        Err(reason) => Err((Some(name), reason)),
    }
}

/// tshark reads a body that starts with `{` and ends with `}` (or `}` and up to two more
/// bytes) as JSON, whatever the content type says.
fn looks_like_json(body: &[u8]) -> bool {
    body.len() > 3 && body.first() == Some(&b'{') && body[body.len() - 3..].contains(&b'}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::http2;

    /// A frame's bytes: 24-bit length, type, flags, stream id, payload.
    fn frame_bytes(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let len = (payload.len() as u32).to_be_bytes();
        [&len[1..], &[kind, flags], &stream.to_be_bytes(), payload].concat()
    }

    /// A header block of literal fields without indexing (RFC 7541 section 6.2.2), decoded.
    fn request_headers(encoding: Option<&str>) -> HeaderBlock {
        let mut fields = vec![(":path", "/pkg.Svc/Call"), ("content-type", "application/grpc")];
        fields.extend(encoding.map(|encoding| ("grpc-encoding", encoding)));
        let mut block = Vec::new();
        for (name, value) in fields {
            block.push(0x00);
            block.push(name.len() as u8);
            block.extend_from_slice(name.as_bytes());
            block.push(value.len() as u8);
            block.extend_from_slice(value.as_bytes());
        }
        http2::HeaderDecoder::new().decode(&block, true)
    }

    fn feed(
        calls: &mut Calls,
        dir: usize,
        bytes: &[u8],
        headers: Option<&HeaderBlock>,
        arena: &mut Vec<u8>,
    ) -> (bool, Option<GrpcOut>, Vec<String>) {
        let (_, frame) = http2::parse(bytes).expect("a whole frame");
        let mut problems = Vec::new();
        let (grpc, out) = calls.frame(dir, &frame, headers, arena, &mut problems);
        (grpc, out, problems)
    }

    /// A length-prefixed message: compressed flag, 4-byte length, body.
    fn message(flag: u8, body: &[u8]) -> Vec<u8> {
        [&[flag][..], &(body.len() as u32).to_be_bytes(), body].concat()
    }

    #[test]
    fn a_message_split_over_data_frames_is_put_together_on_the_last() {
        let mut calls = Calls::default();
        let mut arena = Vec::new();
        let headers = request_headers(None);
        feed(&mut calls, 0, &frame_bytes(1, 4, 1, &[]), Some(&headers), &mut arena);
        let whole = message(0, b"\x08\x96\x01");
        // Cut at every point, the prefix included.
        for cut in 1..whole.len() {
            let (grpc, out, _) = feed(&mut calls, 0, &frame_bytes(0, 0, 1, &whole[..cut]), None, &mut arena);
            assert!(grpc);
            assert!(out.is_none(), "cut at {cut}");
            let (_, out, _) = feed(&mut calls, 0, &frame_bytes(0, 0, 1, &whole[cut..]), None, &mut arena);
            let out = out.expect("completed");
            assert_eq!((out.path.as_str(), out.is_request, out.messages.len()), ("/pkg.Svc/Call", true, 1));
            assert_eq!(&arena[out.messages[0].data.clone()], b"\x08\x96\x01");
            assert!(out.messages[0].protobuf);
        }
        assert!(calls.cost() > 0);
    }

    #[test]
    fn two_messages_in_one_frame_and_a_gzip_one_inflated() {
        use flate2::{Compression as Level, write::GzEncoder};
        use std::io::Write;
        let mut gzip = GzEncoder::new(Vec::new(), Level::fast());
        gzip.write_all(b"\x08\x01").expect("in memory");
        let gzipped = gzip.finish().expect("in memory");
        let mut calls = Calls::default();
        let mut arena = Vec::new();
        feed(&mut calls, 0, &frame_bytes(1, 4, 3, &[]), Some(&request_headers(Some("gzip"))), &mut arena);
        let payload = [message(0, b"\x08\x02"), message(1, &gzipped)].concat();
        let (_, out, _) = feed(&mut calls, 0, &frame_bytes(0, 1, 3, &payload), None, &mut arena);
        let out = out.expect("two messages");
        assert_eq!(out.messages.len(), 2);
        assert_eq!(out.messages[1].compression, Compression::Inflated("gzip"));
        assert_eq!(&arena[out.messages[1].data.clone()], b"\x08\x01");
        assert_eq!(out.messages[1].length as usize, gzipped.len());
    }

    #[test]
    fn a_message_announcing_too_much_is_not_kept() {
        let mut calls = Calls::default();
        let mut arena = Vec::new();
        feed(&mut calls, 0, &frame_bytes(1, 4, 1, &[]), Some(&request_headers(None)), &mut arena);
        let (_, out, problems) =
            feed(&mut calls, 0, &frame_bytes(0, 0, 1, &[0, 0xff, 0xff, 0xff, 0xff, 1]), None, &mut arena);
        assert!(out.is_none());
        assert!(problems[0].contains("is over"), "{problems:?}");
        let (_, out, _) = feed(&mut calls, 0, &frame_bytes(0, 0, 1, &message(0, b"x")), None, &mut arena);
        assert!(out.is_none(), "the direction is no longer read");
        assert!(calls.cost() < 4096);
    }

    #[test]
    fn a_bad_gzip_body_is_kept_compressed_with_its_reason() {
        let mut calls = Calls::default();
        let mut arena = Vec::new();
        feed(&mut calls, 0, &frame_bytes(1, 4, 1, &[]), Some(&request_headers(Some("gzip"))), &mut arena);
        let (_, out, _) =
            feed(&mut calls, 0, &frame_bytes(0, 0, 1, &message(1, b"not gzip")), None, &mut arena);
        let out = out.expect("a message");
        let failed = Compression::Kept { encoding: Some("gzip"), reason: "inflating failed" };
        assert_eq!(out.messages[0].compression, failed);
        assert!(!out.messages[0].protobuf);
    }

    #[test]
    fn calls_are_bounded_and_end_with_their_streams() {
        let mut calls = Calls::default();
        let mut arena = Vec::new();
        let headers = request_headers(None);
        for id in 0..(MAX_CALLS as u32 + 3) {
            feed(&mut calls, 0, &frame_bytes(1, 4, 2 * id + 1, &[]), Some(&headers), &mut arena);
        }
        assert_eq!(calls.by_stream.len(), MAX_CALLS);
        // Both directions end: the call goes.
        let last = 2 * (MAX_CALLS as u32 + 2) + 1;
        feed(&mut calls, 0, &frame_bytes(0, 1, last, &[]), None, &mut arena);
        feed(&mut calls, 1, &frame_bytes(1, 5, last, &[]), None, &mut arena);
        assert_eq!(calls.by_stream.len(), MAX_CALLS - 1);
        let heap: usize = calls.by_stream.values().map(|call| ENTRY + call.heap()).sum();
        assert_eq!(calls.cost(), heap);
    }
}
