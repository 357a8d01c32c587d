//! HTTP conversations: messages (HTTP/1.x) and frames (HTTP/2) put together from a stream's
//! bytes — TCP's own, or the plaintext of TLS records — and what ties them to each other.
//!
//! Each direction buffers only the message or frame in progress: an HTTP/1.x message is at
//! most [`MAX_MESSAGE`] bytes (head and body), an HTTP/2 frame at most its 2^24-1 length but
//! here [`MAX_MESSAGE`]; beyond that the direction stops being read, with a problem noted. A
//! unit is reported on the frame that completes it, as Wireshark does.

use std::collections::VecDeque;
use std::ops::Range;

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::dissect::error::Error;
use crate::dissect::http1::{self, BodyLen, BodyReader, Conversation};
use crate::dissect::http2::{self, FrameType, HeaderBlock, HeaderDecoder, Payload};

/// The most one direction buffers for one message or frame.
pub const MAX_MESSAGE: usize = 4 << 20;

/// An HTTP/2 frame completed in one direction's new bytes.
#[derive(Debug)]
pub struct CompletedFrame {
    /// Where the frame's bytes were copied to in the arena.
    pub range: Range<usize>,
    /// The header fields its header block fragment completed.
    pub headers: Option<HeaderBlock>,
    /// The stream's whole body, when the frame ends the stream after several DATA frames.
    pub body: Option<Vec<u8>>,
    /// The body's media type, when the frame ends a stream that had a body.
    pub body_type: Option<Vec<u8>>,
}

/// What one direction's new bytes completed, with ranges into the arena they were copied to.
#[derive(Debug, Default)]
pub struct Output {
    pub messages: Vec<(Range<usize>, usize, Conversation)>,
    /// Frames and byte counts of a first message collected from several segments.
    pub segments: SmallVec<[(u64, usize); 4]>,
    /// A head whose body is still to come, when first seen.
    pub pending_head: Option<Range<usize>>,
    /// Bytes wait for the rest of a unit finished later.
    pub pending: bool,
    /// How many bytes wait.
    pub pending_len: usize,
    pub preface: Option<Range<usize>>,
    pub frames: Vec<CompletedFrame>,
    pub problems: Vec<String>,
}

#[derive(Default)]
struct Direction {
    buffer: Vec<u8>,
    parts: SmallVec<[(u64, usize); 4]>,
    decoder: Option<HeaderDecoder>,
    preface_done: bool,
    /// The head of the message in progress was already shown.
    head_shown: bool,
    /// The stream stopped being HTTP.
    lost: bool,
    /// A message too large to keep: its head, and the reader that finds where its body ends
    /// while the body's bytes are passed over.
    oversized: Option<(Vec<u8>, BodyReader)>,
}

struct Request {
    frame: u64,
    ts_ns: i64,
    number: u32,
    answered: bool,
    method: Vec<u8>,
    uri: Option<String>,
    prev_request_in: Option<u64>,
}

#[derive(Default)]
struct StreamBody {
    data: Vec<u8>,
    data_frames: u32,
    content_type: Vec<u8>,
    has_data: bool,
}

/// Reads the HTTP/1.x or HTTP/2 one TCP connection carries, both directions, keeping what
/// spans segments (a message in progress, HPACK tables, each stream's body).
#[derive(Default)]
pub struct Reader {
    directions: [Direction; 2],
    tls: bool,
    http2: bool,
    ledger: Ledger,
    streams: FxHashMap<(usize, u32), StreamBody>,
}

/// The requests and responses of an HTTP/1.x connection so far.
#[derive(Default)]
struct Ledger {
    requests: VecDeque<Request>,
    /// Requests, and responses that answer none, counted together.
    count: u32,
    last_request_frame: Option<u64>,
    last_response_frame: Option<u64>,
}

/// How many requests may wait for their responses before the oldest is forgotten.
const MAX_OUTSTANDING: usize = 1024;

impl Reader {
    pub fn new(tls: bool, http2: bool) -> Self {
        Self { tls, http2, ..Self::default() }
    }

    /// Takes a direction's next stream bytes; `fin` says the direction has ended, which
    /// completes a body delimited by the connection's close.
    #[allow(clippy::too_many_arguments)]
    pub fn feed(
        &mut self,
        dir: usize,
        frame: u64,
        ts_ns: i64,
        bytes: &[u8],
        fin: bool,
        arena: &mut Vec<u8>,
    ) -> Output {
        let mut output = Output::default();
        let direction = &mut self.directions[dir];
        let nothing_new = bytes.is_empty() && (!fin || direction.buffer.is_empty());
        if direction.lost || nothing_new {
            return output;
        }
        let mut bytes = bytes;
        if direction.oversized.is_some() || direction.buffer.len() + bytes.len() > MAX_MESSAGE {
            match self.pass_over(dir, frame, ts_ns, bytes, fin, arena, &mut output) {
                Some(rest) => bytes = rest,
                None => return output,
            }
        }
        let direction = &mut self.directions[dir];
        direction.buffer.extend_from_slice(bytes);
        if !bytes.is_empty() {
            match direction.parts.last_mut() {
                Some((last, len)) if *last == frame => *len += bytes.len(),
                _ => direction.parts.push((frame, bytes.len())),
            }
        }
        let consumed = if self.http2 {
            self.http2_units(dir, arena, &mut output)
        } else {
            self.http1_messages(dir, frame, ts_ns, fin, arena, &mut output)
        };
        let direction = &mut self.directions[dir];
        direction.buffer.drain(..consumed);
        let mut left = consumed;
        let mut first_parts = SmallVec::new();
        while left > 0 && !direction.parts.is_empty() {
            let (part_frame, len) = direction.parts[0];
            let take = len.min(left);
            if output.segments.is_empty() {
                first_parts.push((part_frame, take));
            }
            left -= take;
            if take == len {
                direction.parts.remove(0);
            } else {
                direction.parts[0].1 -= take;
            }
        }
        if first_parts.len() > 1 {
            output.segments = first_parts;
        }
        output.pending = !direction.buffer.is_empty();
        output.pending_len = direction.buffer.len();
        output
    }

    /// Passes over the body of a message too large to keep, without copying it; returns the
    /// bytes after its end once it ends, `None` while it goes on. What cannot be passed over
    /// (an HTTP/2 frame, or a head that does not end) stops the direction with a problem.
    #[allow(clippy::too_many_arguments)]
    fn pass_over<'b>(
        &mut self,
        dir: usize,
        frame: u64,
        ts_ns: i64,
        bytes: &'b [u8],
        fin: bool,
        arena: &mut Vec<u8>,
        output: &mut Output,
    ) -> Option<&'b [u8]> {
        let direction = &mut self.directions[dir];
        if direction.oversized.is_none() {
            let parsed = match (self.http2, http1::parse(&direction.buffer)) {
                (false, Ok((_, message))) => {
                    let method = if message.is_request() { None } else { self.ledger.next_method() };
                    Some((message.head_len(), BodyReader::new(message.framing(method.as_deref()))))
                }
                _ => None,
            };
            let Some((head_len, reader)) = parsed else {
                output
                    .problems
                    .push(format!("HTTP unit over {MAX_MESSAGE} bytes; the rest of the stream is not read"));
                direction.lost = true;
                direction.buffer = Vec::new();
                return None;
            };
            let head = (direction.buffer[..head_len].to_vec(), reader);
            let mut reader = head.1;
            // What of the body was already buffered is read first.
            let buffered = direction.buffer.split_off(head.0.len());
            direction.buffer.clear();
            direction.parts.clear();
            let _ = reader.feed(&buffered);
            direction.oversized = Some((head.0, reader));
            output.problems.push(format!("an HTTP body over {MAX_MESSAGE} bytes is passed over, not kept"));
        }
        let (_, reader) = direction.oversized.as_mut()?;
        let progress = match reader.feed(bytes) {
            Ok(progress) => progress,
            Err(_) => {
                output.problems.push("an HTTP body's chunk framing is malformed".to_owned());
                direction.lost = true;
                direction.oversized = None;
                return None;
            }
        };
        if !(progress.complete || fin) {
            output.pending = true;
            return None;
        }
        let (head, _) = direction.oversized.take()?;
        // The message is shown with its head only, on the frame its body ends in.
        if let Ok((_, message)) = http1::parse(&head) {
            let conversation = self.ledger.context(&message, self.tls, frame, ts_ns);
            output.messages.push((copy(arena, &head), head.len(), conversation));
        }
        Some(&bytes[progress.consumed.min(bytes.len())..])
    }

    fn http1_messages(
        &mut self,
        dir: usize,
        frame: u64,
        ts_ns: i64,
        fin: bool,
        arena: &mut Vec<u8>,
        output: &mut Output,
    ) -> usize {
        let mut at = 0;
        loop {
            let head_shown = self.directions[dir].head_shown;
            let input = &self.directions[dir].buffer[at..];
            if input.is_empty() {
                return at;
            }
            let (rest, message) = match http1::parse(input) {
                Ok(parsed) => parsed,
                Err(nom::Err::Error(Error::Truncated { .. })) => return at,
                Err(_) => {
                    output.problems.push("the stream stopped looking like HTTP".to_owned());
                    self.directions[dir].lost = true;
                    return self.directions[dir].buffer.len();
                }
            };
            let head_len = message.head_len();
            let method = if message.is_request() { None } else { self.ledger.next_method() };
            let body = match http1::body_len(message.framing(method.as_deref()), rest) {
                Ok(BodyLen::Complete(len)) => len,
                Ok(BodyLen::UntilClose) if fin => rest.len(),
                Ok(_) => {
                    if !head_shown {
                        output.pending_head = Some(copy(arena, &input[..head_len]));
                        self.directions[dir].head_shown = true;
                    }
                    return at;
                }
                Err(_) => {
                    output.problems.push("an HTTP body's chunk framing is malformed".to_owned());
                    self.directions[dir].lost = true;
                    return self.directions[dir].buffer.len();
                }
            };
            let total = head_len + body;
            let context = self.ledger.context(&message, self.tls, frame, ts_ns);
            let range = copy(arena, &input[..total]);
            output.messages.push((range, head_len, context));
            self.directions[dir].head_shown = false;
            at += total;
        }
    }

    fn http2_units(&mut self, dir: usize, arena: &mut Vec<u8>, output: &mut Output) -> usize {
        let direction = &mut self.directions[dir];
        let mut at = 0;
        if !direction.preface_done
            && direction.buffer.starts_with(&http2::PREFACE[..direction.buffer.len().min(24)])
        {
            if direction.buffer.len() < http2::PREFACE.len() {
                return 0;
            }
            output.preface = Some(copy(arena, &direction.buffer[..http2::PREFACE.len()]));
            at = http2::PREFACE.len();
        }
        direction.preface_done = true;
        let decoder = direction.decoder.get_or_insert_with(HeaderDecoder::new);
        loop {
            let frame = match http2::parse(&direction.buffer[at..]) {
                Ok((_, frame)) => frame,
                Err(nom::Err::Error(Error::Truncated { .. })) => return at,
                Err(_) => {
                    output.problems.push("the stream stopped looking like HTTP/2".to_owned());
                    direction.lost = true;
                    return direction.buffer.len();
                }
            };
            let len = frame.bytes().len();
            let headers =
                frame.header_block_fragment().map(|fragment| decoder.decode(fragment, frame.ends_headers()));
            let stream = self.streams.entry((dir, frame.stream_id())).or_default();
            if frame.kind() == FrameType::Data {
                stream.data.extend_from_slice(frame.data());
                stream.data_frames += 1;
                if let Ok(Payload::Data { data, .. }) = frame.payload()
                    && !data.is_empty()
                {
                    stream.has_data = true;
                }
            }
            if let Some(content_type) = headers.as_ref().and_then(|block| block.get("content-type")) {
                stream.content_type = content_type.to_vec();
            }
            let single_data = frame.kind() == FrameType::Data && stream.data_frames == 1;
            let body =
                (frame.ends_stream() && !single_data && !stream.data.is_empty()).then(|| stream.data.clone());
            let body_type = (frame.ends_stream() && stream.has_data).then(|| stream.content_type.clone());
            let range = copy(arena, &direction.buffer[at..at + len]);
            output.frames.push(CompletedFrame { range, headers, body, body_type });
            if frame.ends_stream() {
                self.streams.remove(&(dir, frame.stream_id()));
            }
            at += len;
        }
    }
}

impl Ledger {
    /// The method of the request a response would answer, which decides whether the
    /// response has a body (HEAD, CONNECT).
    fn next_method(&self) -> Option<Vec<u8>> {
        self.requests.back().filter(|request| !request.answered).map(|request| request.method.clone())
    }

    /// Numbers a message and ties a response to its request. As in Wireshark, a response
    /// answers the latest request if that one has no response yet; requests and responses
    /// that pair up share a number, counted across the connection.
    fn context(&mut self, message: &http1::Message<'_>, tls: bool, frame: u64, ts_ns: i64) -> Conversation {
        let mut context = Conversation { tls, ..Conversation::default() };
        if let Some(method) = message.method() {
            self.count += 1;
            context.number = Some(self.count);
            context.prev_request_in = self.last_request_frame;
            if self.requests.len() == MAX_OUTSTANDING {
                self.requests.pop_front();
            }
            self.requests.push_back(Request {
                frame,
                ts_ns,
                number: self.count,
                method: method.to_vec(),
                uri: message.full_uri(tls).map(|uri| uri.to_string()),
                prev_request_in: self.last_request_frame,
                answered: false,
            });
            self.last_request_frame = Some(frame);
        } else if let Some(status) = message.status() {
            context.prev_response_in = self.last_response_frame;
            self.last_response_frame = Some(frame);
            let request = self.requests.back_mut().filter(|request| !request.answered && status >= 100);
            match request {
                Some(request) => {
                    // An interim (1xx) response leaves the request waiting for its final one.
                    request.answered = status >= 200;
                    context.number = Some(request.number);
                    context.request_in = Some(request.frame);
                    context.time_since_request_ns = Some(ts_ns.saturating_sub(request.ts_ns));
                    context.request_uri = request.uri.clone();
                    context.prev_request_in = request.prev_request_in;
                }
                None => {
                    self.count += 1;
                    context.number = Some(self.count);
                }
            }
        }
        context
    }
}

fn copy(arena: &mut Vec<u8>, bytes: &[u8]) -> Range<usize> {
    let start = arena.len();
    arena.extend_from_slice(bytes);
    start..arena.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(connection: &mut Reader, dir: usize, frame: u64, bytes: &[u8]) -> Output {
        let mut arena = Vec::new();
        connection.feed(dir, frame, 0, bytes, false, &mut arena)
    }

    #[test]
    fn a_response_is_shown_on_the_frame_that_completes_it_and_tied_to_its_request() {
        let mut connection = Reader::new(false, false);
        let request = feed(&mut connection, 0, 1, b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(request.messages.len(), 1);
        let head = feed(&mut connection, 1, 2, b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab");
        assert!(head.messages.is_empty() && head.pending_head.is_some() && head.pending);
        let rest = feed(&mut connection, 1, 3, b"cd");
        let [(_, head_len, conversation)] = rest.messages.as_slice() else { panic!("{rest:?}") };
        assert_eq!(*head_len, 38);
        assert_eq!(conversation.request_in, Some(1));
        assert_eq!(conversation.request_uri.as_deref(), Some("http://h/a"));
        assert_eq!(rest.segments.as_slice(), [(2, 40), (3, 2)]);
    }

    #[test]
    fn a_body_over_the_cap_is_passed_over_and_the_connection_is_still_read() {
        let mut connection = Reader::new(false, false);
        feed(&mut connection, 0, 1, b"GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
        let length = MAX_MESSAGE + 100_000;
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {length}\r\n\r\n");
        feed(&mut connection, 1, 2, head.as_bytes());
        let block = vec![b'x'; 65536];
        let mut sent = 0;
        let mut frame = 3;
        let mut shown = None;
        while sent < length {
            let take = block.len().min(length - sent);
            let output = feed(&mut connection, 1, frame, &block[..take]);
            assert!(connection.directions[1].buffer.len() <= MAX_MESSAGE, "never buffers past the cap");
            if !output.messages.is_empty() {
                shown = Some(frame);
            }
            sent += take;
            frame += 1;
        }
        assert_eq!(shown, Some(frame - 1), "the response is shown where its body ends");
        // The next exchange on the connection is read as usual.
        assert_eq!(
            feed(&mut connection, 0, frame, b"GET /next HTTP/1.1\r\nHost: h\r\n\r\n").messages.len(),
            1
        );
    }
}
