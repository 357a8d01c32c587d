//! HTTP conversations: messages (HTTP/1.x) and frames (HTTP/2) put together from a stream's
//! bytes — TCP's own, or the plaintext of TLS records — and what ties them to each other.
//!
//! Each direction buffers only the message or frame in progress: an HTTP/1.x message is at
//! most [`MAX_MESSAGE`] bytes (head and body), an HTTP/2 frame at most its 2^24-1 length but
//! here [`MAX_MESSAGE`]; beyond that the direction stops being read, with a problem noted. A
//! unit is reported on the frame that completes it, as Wireshark does.
//!
//! Reading keeps its place: a head is searched for its end only in the bytes that are new, and
//! a body is read by a [`BodyReader`] that is fed each byte once, so a message that arrives a
//! byte at a time costs the same per byte as one that arrives whole. HTTP/2 streams are kept
//! by `streams::Streams`, bounded in number and in what each body keeps. [`Reader::cost`]
//! says, in O(1), what the reader holds, for the tracker's memory budget.

pub mod coding;
pub mod entity;
pub mod grpc;
mod head;
pub(crate) mod ledger;
mod streams;
pub mod websocket;

use std::collections::VecDeque;
use std::mem::size_of;
use std::ops::Range;

use smallvec::SmallVec;

use crate::dissect::error::Error;
use crate::dissect::http1::{self, BodyReader, Conversation};
use crate::dissect::http2::{self, HeaderBlock, HeaderDecoder};
use head::HeadScan;
use ledger::Ledger;
use streams::Streams;

/// The most one direction buffers for one message or frame.
pub const MAX_MESSAGE: usize = 4 << 20;

/// An HTTP/2 frame completed in one direction's new bytes.
#[derive(Debug)]
pub struct CompletedFrame {
    /// Where the frame's bytes were copied to in the arena.
    pub range: Range<usize>,
    /// The header fields its header block fragment completed.
    pub headers: Option<HeaderBlock>,
    /// Where the stream's whole body was copied to in the arena, when the frame ends the
    /// stream after several DATA frames.
    pub body: Option<Range<usize>>,
    /// With `body`: the capture frames the stream's DATA frames ended in and the bytes each
    /// brought.
    pub fragments: Vec<(u64, usize)>,
    /// The stream's whole body with its `content-encoding` undone (or tried), on the frame
    /// that ends the stream.
    pub entity: Option<entity::StreamEntity>,
    /// The body's media type, when the frame ends a stream that had a body.
    pub body_type: Option<Vec<u8>>,
    /// The gRPC messages a DATA frame completed.
    pub grpc: Option<grpc::GrpcOut>,
    /// The frame's stream is a gRPC call in the frame's direction.
    pub grpc_stream: bool,
    /// The frame's stream is a tunnel (an extended CONNECT).
    pub tunnelled: bool,
    /// The WebSocket frames a DATA frame of an extended CONNECT stream completed (RFC 8441).
    pub websocket: Option<crate::track::websocket::Output>,
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
    /// What the bodies of the messages above with a Content-Encoding show, undone.
    pub entities: Vec<entity::EntityOut>,
}

#[derive(Clone, Default)]
struct Direction {
    buffer: Vec<u8>,
    /// The frames the buffered bytes came from, and how many each gave, oldest first.
    parts: VecDeque<(u64, usize)>,
    /// How far the message at the start of the buffer has been read.
    progress: Progress,
    decoder: Option<HeaderDecoder>,
    preface_done: bool,
    /// The head of the message in progress was already shown.
    head_shown: bool,
    /// The stream stopped being HTTP.
    lost: bool,
    /// Bytes of the stream were missed: what follows is passed over until a segment starts
    /// like an HTTP/1.x message.
    resync: bool,
    /// A message too large to keep: its head, and the reader that finds where its body ends
    /// while the body's bytes are passed over.
    oversized: Option<(Vec<u8>, BodyReader)>,
    /// A 101 response switched the connection to another protocol: what follows it is not
    /// HTTP, and waits in the buffer for [`Reader::take_switched`].
    switched: bool,
}

/// How far an HTTP/1.x message at the start of a direction's buffer has been read, so that
/// the next bytes are read from there and not from the message's start.
#[derive(Clone)]
enum Progress {
    /// Its head has not ended yet; the scan says how far it was searched.
    Head(HeadScan),
    /// Its head is `head_len` bytes and says the body is framed so; `reader` has read `read`
    /// bytes of the body after it; a chunked body's head is shown again (Wireshark reads it
    /// again) once `read` reaches `again_at`.
    Body { head_len: usize, framing: http1::Framing, reader: BodyReader, read: usize, again_at: usize },
}

impl Default for Progress {
    fn default() -> Self {
        Self::Head(HeadScan::default())
    }
}

/// Reads the HTTP/1.x or HTTP/2 one TCP connection carries, both directions, keeping what
/// spans segments (a message in progress, HPACK tables, each stream's body).
#[derive(Clone, Default)]
pub struct Reader {
    directions: [Direction; 2],
    tls: bool,
    http2: bool,
    ledger: Ledger,
    streams: Streams,
    calls: grpc::Calls,
    tunnels: websocket::Tunnels,
}

/// Spare capacity a direction's buffer may keep beyond twice what it holds.
const SPARE_CAPACITY: usize = 64 * 1024;

impl Reader {
    pub fn new(tls: bool, http2: bool) -> Self {
        Self { tls, http2, ..Self::default() }
    }

    /// Whether the connection is read as HTTP/2.
    pub fn is_http2(&self) -> bool {
        self.http2
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
        if direction.lost || direction.switched || nothing_new {
            return output;
        }
        if direction.resync {
            if !http1::starts_like_http(bytes) {
                return output;
            }
            direction.resync = false;
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
            match direction.parts.back_mut() {
                Some((last, len)) if *last == frame => *len += bytes.len(),
                _ => direction.parts.push_back((frame, bytes.len())),
            }
        }
        let consumed = if self.http2 {
            self.http2_units(dir, frame, arena, &mut output)
        } else {
            self.http1_messages(dir, frame, ts_ns, fin, arena, &mut output)
        };
        let direction = &mut self.directions[dir];
        direction.buffer.drain(..consumed);
        // A buffer that held a large message gives its memory back once the message is read.
        if direction.buffer.capacity() > SPARE_CAPACITY + 2 * direction.buffer.len() {
            direction.buffer.shrink_to(direction.buffer.len() * 2);
        }
        let mut left = consumed;
        let mut first_parts = SmallVec::new();
        while left > 0 {
            let Some(front) = direction.parts.front_mut() else { break };
            let (part_frame, len) = *front;
            let take = len.min(left);
            if output.segments.is_empty() {
                first_parts.push((part_frame, take));
            }
            left -= take;
            if take == len {
                direction.parts.pop_front();
            } else {
                front.1 -= take;
            }
        }
        if direction.parts.capacity() > 64 && direction.parts.len() < direction.parts.capacity() / 4 {
            direction.parts.shrink_to_fit();
        }
        if first_parts.len() > 1 {
            output.segments = first_parts;
        }
        output.pending = !direction.buffer.is_empty() && !direction.switched;
        output.pending_len = if direction.switched { 0 } else { direction.buffer.len() };
        output
    }

    /// The bytes after a 101 response that switched the connection to another protocol, in
    /// the direction that sent it; the reader reads no more of that direction.
    pub fn take_switched(&mut self, dir: usize) -> Vec<u8> {
        let direction = &mut self.directions[dir];
        direction.switched = true;
        direction.parts = VecDeque::new();
        std::mem::take(&mut direction.buffer)
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
            direction.buffer = Vec::new();
            direction.parts = VecDeque::new();
            direction.progress = Progress::default();
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
        direction.head_shown = false;
        // The message is shown with its head only, on the frame its body ends in.
        if let Ok((_, message)) = http1::parse(&head) {
            let conversation = self.ledger.context(&message, self.tls, frame, ts_ns);
            output.messages.push((copy(arena, &head), head.len(), conversation));
        }
        Some(&bytes[progress.consumed.min(bytes.len())..])
    }

    /// Reads the HTTP/1.x messages the buffer completes, from where the last call left off;
    /// returns how many bytes they took.
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
        let mut budget = entity::MAX_DECODED;
        loop {
            let direction = &mut self.directions[dir];
            let input = &direction.buffer[at..];
            if input.is_empty() {
                return at;
            }
            if let Progress::Head(scan) = &mut direction.progress {
                let parsed = loop {
                    if !scan.next_candidate(input) {
                        break None;
                    }
                    match http1::parse(input) {
                        Err(nom::Err::Error(Error::Truncated { .. })) => continue,
                        parsed => break Some(parsed),
                    }
                };
                let message = match parsed {
                    None => return at,
                    Some(Ok((_, message))) => message,
                    Some(Err(_)) => {
                        output.problems.push("the stream stopped looking like HTTP".to_owned());
                        direction.lost = true;
                        return direction.buffer.len();
                    }
                };
                let method = if message.is_request() { None } else { self.ledger.next_method() };
                let framing = message.framing(method.as_deref());
                let reader = BodyReader::new(framing);
                direction.progress =
                    Progress::Body { head_len: message.head_len(), framing, reader, read: 0, again_at: 0 };
            }
            let Progress::Body { head_len, framing, reader, read, again_at } = &mut direction.progress else {
                return at;
            };
            let head_len = *head_len;
            let progress = match reader.feed(&input[head_len + *read..]) {
                Ok(progress) => progress,
                Err(_) => {
                    output.problems.push("an HTTP body's chunk framing is malformed".to_owned());
                    direction.lost = true;
                    return direction.buffer.len();
                }
            };
            *read += progress.consumed;
            let until_close = *framing == http1::Framing::UntilClose && fin;
            if !(progress.complete || until_close) {
                let reread = *framing == http1::Framing::Chunked && *read >= *again_at;
                if !direction.head_shown || reread {
                    output.pending_head = Some(copy(arena, &input[..head_len]));
                    direction.head_shown = true;
                    let wanted = usize::try_from(reader.wanted_before_reread()).unwrap_or(usize::MAX);
                    *again_at = read.saturating_add(wanted);
                }
                return at;
            }
            let total = head_len + *read;
            direction.progress = Progress::default();
            direction.head_shown = false;
            // The head is read again, once, for what the ledger needs of it.
            let Ok((_, message)) = http1::parse(&input[..head_len]) else { return at + total };
            let context = self.ledger.context(&message, self.tls, frame, ts_ns);
            let switches = message.status() == Some(101);
            let range = copy(arena, &input[..total]);
            let body = &input[head_len..total];
            let index = output.messages.len();
            output.entities.extend(entity::undo(&message, body, index, &mut budget, arena));
            output.messages.push((range, head_len, context));
            drop(message);
            at += total;
            // What follows a 101 is the protocol it switched to, left for the hand-off.
            if switches {
                self.directions[dir].switched = true;
                return at;
            }
        }
    }

    /// Reads the HTTP/2 preface and frames the buffer completes, the last bytes coming in frame
    /// `number`; returns how many bytes they took.
    fn http2_units(&mut self, dir: usize, number: u64, arena: &mut Vec<u8>, output: &mut Output) -> usize {
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
        let mut budget = entity::MAX_DECODED;
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
            let ended = self.streams.frame(dir, number, &frame, headers.as_ref(), &mut output.problems);
            let range = copy(arena, &direction.buffer[at..at + len]);
            let (is_grpc, grpc) =
                self.calls.frame(dir, &frame, headers.as_ref(), arena, &mut output.problems);
            // A gRPC stream's body is its messages, and a WebSocket stream's (an extended
            // CONNECT's) is tunneled data, frame by frame as tshark shows it: HTTP/2 shows
            // neither whole.
            let tunnelled = self.tunnels.holds(frame.stream_id());
            let ended = if is_grpc || tunnelled { streams::Ended::default() } else { ended };
            let whole = ended.body.as_deref().unwrap_or(frame.data());
            let entity =
                ended.encoding.and_then(|encoding| entity::undo_stream(&encoding, whole, &mut budget, arena));
            let body = ended.body.map(|body| copy(arena, &body));
            let fragments = ended.fragments;
            let body_type = ended.body_type;
            let websocket =
                self.tunnels.frame(dir, &frame, headers.as_ref(), number, arena, &mut output.problems);
            output.frames.push(CompletedFrame {
                range,
                headers,
                body,
                fragments,
                entity,
                body_type,
                grpc,
                grpc_stream: is_grpc,
                tunnelled,
                websocket,
            });
            at += len;
        }
    }

    /// The bytes the reader holds now, as the tracker's budget counts them: its buffers,
    /// header tables, streams and the requests waiting for responses. O(1).
    pub fn cost(&self) -> usize {
        let directions: usize = self
            .directions
            .iter()
            .map(|direction| {
                direction.buffer.capacity()
                    + direction.parts.capacity() * size_of::<(u64, usize)>()
                    + direction.decoder.as_ref().map_or(0, HeaderDecoder::cost)
                    + direction.oversized.as_ref().map_or(0, |(head, _)| head.capacity())
            })
            .sum();
        size_of::<Self>()
            + directions
            + self.streams.cost()
            + self.calls.cost()
            + self.tunnels.cost()
            + self.ledger.cost()
    }

    /// What the reader buffers for messages and streams in progress, in bytes. O(1).
    pub fn buffered(&self) -> usize {
        let directions: usize = self
            .directions
            .iter()
            .map(|direction| {
                direction.buffer.len() + direction.oversized.as_ref().map_or(0, |(head, _)| head.len())
            })
            .sum();
        directions + self.streams.cost() + self.calls.cost() + self.tunnels.cost()
    }

    /// Told that bytes of direction `dir` were not captured: the message in progress is given
    /// up, and reading resumes at the next segment that starts an HTTP/1.x message. HTTP/2
    /// cannot find its frames again: that direction stops being read.
    pub fn gap(&mut self, dir: usize) {
        let direction = &mut self.directions[dir];
        direction.buffer = Vec::new();
        direction.parts = VecDeque::new();
        direction.progress = Progress::default();
        direction.oversized = None;
        direction.head_shown = false;
        if self.http2 {
            direction.lost = true;
        } else {
            direction.resync = true;
        }
    }

    /// Gives up what the reader buffers for messages and streams in progress, to stay within
    /// the memory budget. Each direction resumes at the next segment that starts a message
    /// (HTTP/1.x), or stops being read (HTTP/2, whose frames cannot be found again). What it
    /// held is given up only if it held something.
    pub fn shed(&mut self) {
        for dir in 0..2 {
            let direction = &self.directions[dir];
            if !direction.buffer.is_empty() || direction.oversized.is_some() {
                self.gap(dir);
            }
        }
        self.streams = Streams::default();
        self.calls = grpc::Calls::default();
        self.tunnels = websocket::Tunnels::default();
    }
}

fn copy(arena: &mut Vec<u8>, bytes: &[u8]) -> Range<usize> {
    let start = arena.len();
    arena.extend_from_slice(bytes);
    start..arena.len()
}

#[cfg(test)]
mod tests;
