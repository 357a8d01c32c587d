//! A WebSocket connection (RFC 6455) after the HTTP/1.1 Upgrade that opened it: the frames
//! each direction's stream carries, unmasked, fragmented messages put back together and
//! permessage-deflate messages (RFC 7692) inflated.
//!
//! Everything held is bounded: a direction buffers only the frame in progress, at most
//! [`MAX_FRAME`] bytes; a fragmented message keeps at most [`MAX_MESSAGE`] bytes and
//! [`MAX_FRAGMENTS`] frame numbers; an inflated message is cut at [`MAX_INFLATED`] bytes. Past
//! a bound the frame or message is given up with a problem, never grown. [`Session::cost`]
//! says in O(1) what the session holds, for the tracker's memory budget. A frame whose header
//! is malformed (a 64-bit length with its top bit set) ends its direction's reading: what
//! follows cannot be framed again.

pub(super) mod layers;

use std::cell::RefCell;
use std::mem::size_of;
use std::ops::Range;

use miniz_oxide::inflate::stream::{InflateState, inflate};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};
use smallvec::SmallVec;

use crate::dissect::error::Error;
use crate::dissect::http1;
use crate::dissect::websocket::{self, Fragments, Header, opcode};

/// The longest frame a direction buffers, header included.
pub const MAX_FRAME: usize = 4 << 20;

/// The most a fragmented message keeps while its fragments come.
pub const MAX_MESSAGE: usize = 4 << 20;

/// The most frames a fragmented message is put back together from.
pub const MAX_FRAGMENTS: usize = 4096;

/// The most bytes one compressed message inflates to.
pub const MAX_INFLATED: usize = 4 << 20;

/// How much is inflated at a time.
const INFLATE_CHUNK: usize = 64 << 10;

/// What an inflater holds: its 32 KiB window and its decoding tables.
const INFLATER_COST: usize = 48 << 10;

thread_local! {
    /// Where a message is inflated, a chunk at a time, before it is copied to the arena.
    static INFLATED: RefCell<Vec<u8>> = RefCell::new(vec![0; INFLATE_CHUNK]);
}

/// A frame a direction's new bytes completed, with ranges into the arena they were copied to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameOut {
    pub header: Header,
    /// The frame as sent.
    pub range: Range<usize>,
    /// Its payload, unmasked.
    pub payload: Range<usize>,
    pub message: Option<MessageOut>,
}

/// A data message a frame completed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageOut {
    pub opcode: u8,
    /// Its application data in the arena: reassembled, inflated.
    pub data: Range<usize>,
    /// The frames it came in, each with the bytes it carried, and those bytes in all, when
    /// more than one.
    pub fragments: Option<(Fragments, usize)>,
}

/// What one direction's new bytes completed.
#[derive(Debug, Default)]
pub struct Output {
    pub frames: Vec<FrameOut>,
    /// Bytes wait for the rest of a frame.
    pub pending: usize,
    /// A frame header that cannot be read, its bytes in the arena, and why.
    pub malformed: Option<(Range<usize>, String)>,
    pub problems: Vec<String>,
    /// The connection negotiated permessage-deflate.
    pub deflate: bool,
}

/// permessage-deflate as the 101 response accepted it (RFC 7692 section 7.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Deflate {
    /// By direction: each message starts a new window (`*_no_context_takeover`).
    pub no_context_takeover: [bool; 2],
}

/// A fragmented message in progress.
#[derive(Clone, Default)]
struct Assembly {
    opcode: u8,
    compressed: bool,
    data: Vec<u8>,
    /// Each fragment's frame and the bytes it carried.
    frames: Fragments,
    /// It grew past a bound: its fragments are shown, the message is not.
    given_up: bool,
}

/// One direction's frames. miniz_oxide's inflater copies with its window, so a copy of a
/// direction (for a checkpoint of the tracker) inflates the next message as the original does.
#[derive(Clone, Default)]
struct Direction {
    buffer: Vec<u8>,
    assembly: Option<Assembly>,
    inflater: Option<Box<InflateState>>,
    /// The stream stopped being readable as frames.
    lost: bool,
}

/// One WebSocket connection, both directions.
#[derive(Clone)]
pub struct Session {
    directions: [Direction; 2],
    deflate: Option<Deflate>,
}

impl Session {
    /// A session whose server answered from direction `server` with the 101 response `head`.
    pub fn new(server: usize, head: &[u8]) -> Self {
        let parsed = http1::parse(head).ok();
        let extensions = parsed.as_ref().and_then(|(_, message)| message.header("sec-websocket-extensions"));
        Self::accepted(server, extensions)
    }

    /// A session whose server answered from direction `server`, accepting the extensions
    /// `extensions` (its `sec-websocket-extensions` field): a 101 over HTTP/1.1 or a 2xx to an
    /// extended CONNECT over HTTP/2 (RFC 8441).
    pub fn accepted(server: usize, extensions: Option<&[u8]>) -> Self {
        let deflate = extensions.and_then(|extensions| {
            let text = String::from_utf8_lossy(extensions).to_ascii_lowercase();
            text.contains("permessage-deflate").then(|| {
                // What the server sends is inflated with its own setting, and the client's so.
                let mut no_context_takeover = [false; 2];
                no_context_takeover[server] = text.contains("server_no_context_takeover");
                no_context_takeover[1 - server] = text.contains("client_no_context_takeover");
                Deflate { no_context_takeover }
            })
        });
        Self { directions: Default::default(), deflate }
    }

    /// Takes a direction's next stream bytes: the frames they complete are copied to `arena`.
    pub fn feed(&mut self, dir: usize, frame: u64, bytes: &[u8], arena: &mut Vec<u8>) -> Output {
        let mut output = Output { deflate: self.deflate.is_some(), ..Output::default() };
        let deflate = self.deflate;
        let direction = &mut self.directions[dir];
        if direction.lost || bytes.is_empty() {
            return output;
        }
        direction.buffer.extend_from_slice(bytes);
        let mut at = 0;
        loop {
            let input = &direction.buffer[at..];
            if input.is_empty() {
                break;
            }
            let header = match websocket::parse_header(input) {
                Ok((_, header)) => header,
                Err(nom::Err::Error(Error::Truncated { .. })) => break,
                Err(nom::Err::Error(Error::Malformed(reason))) => {
                    let shown = input.len().min(14);
                    output.malformed = Some((copy(arena, &input[..shown]), reason.into_owned()));
                    direction.lost = true;
                    direction.buffer = Vec::new();
                    return output;
                }
                Err(_) => break,
            };
            let total = usize::try_from(header.payload_len)
                .ok()
                .and_then(|len| len.checked_add(header.len))
                .filter(|total| *total <= MAX_FRAME);
            let Some(total) = total else {
                output.problems.push(format!(
                    "a WebSocket frame of {} bytes is over the {MAX_FRAME} bytes rttscope keeps; the \
                     rest of this direction is not read",
                    header.payload_len
                ));
                direction.lost = true;
                direction.buffer = Vec::new();
                return output;
            };
            if input.len() < total {
                break;
            }
            let range = copy(arena, &input[..total]);
            let payload = match header.masking_key {
                Some(key) => {
                    let start = arena.len();
                    arena.extend_from_slice(&input[header.len..total]);
                    websocket::unmask(&mut arena[start..], key);
                    start..arena.len()
                }
                None => range.start + header.len..range.end,
            };
            let no_context_takeover = deflate.map(|deflate| deflate.no_context_takeover[dir]);
            let message =
                direction.message(&header, frame, &payload, no_context_takeover, arena, &mut output);
            output.frames.push(FrameOut { header, range, payload, message });
            at += total;
        }
        let direction = &mut self.directions[dir];
        direction.buffer.drain(..at);
        output.pending = direction.buffer.len();
        output
    }

    /// Told that bytes of direction `dir` were not captured, or asked to give up what it
    /// buffers: frames cannot be found again, so the direction stops being read.
    pub fn gap(&mut self, dir: usize) {
        let direction = &mut self.directions[dir];
        *direction = Direction { lost: true, ..Direction::default() };
    }

    /// Gives up what it buffers, to stay within the memory budget.
    pub fn shed(&mut self) {
        for dir in 0..2 {
            if self.directions[dir].buffered() > 0 {
                self.gap(dir);
            }
        }
    }

    /// What it buffers for frames and messages in progress, in bytes. O(1).
    pub fn buffered(&self) -> usize {
        self.directions.iter().map(Direction::buffered).sum()
    }

    /// What it holds, as the budget counts it. O(1).
    pub fn cost(&self) -> usize {
        size_of::<Self>()
            + self
                .directions
                .iter()
                .map(|direction| {
                    direction.buffer.capacity()
                        + direction.assembly.as_ref().map_or(0, |assembly| {
                            assembly.data.capacity() + assembly.frames.capacity() * size_of::<(u64, usize)>()
                        })
                        + if direction.inflater.is_some() { INFLATER_COST } else { 0 }
                })
                .sum::<usize>()
    }
}

impl Direction {
    fn buffered(&self) -> usize {
        self.buffer.len() + self.assembly.as_ref().map_or(0, |assembly| assembly.data.len())
    }

    /// What a data frame completes: the message it ends, put back together and inflated;
    /// `None` for a control frame or a fragment that does not end its message.
    fn message(
        &mut self,
        header: &Header,
        frame: u64,
        payload: &Range<usize>,
        no_context_takeover: Option<bool>,
        arena: &mut Vec<u8>,
        output: &mut Output,
    ) -> Option<MessageOut> {
        if opcode::is_control(header.opcode) {
            return None;
        }
        let bytes = arena.get(payload.clone())?.to_vec();
        let fragmented = !header.fin || header.opcode == opcode::CONTINUATION;
        if !fragmented {
            let compressed = header.rsv1() && no_context_takeover.is_some();
            let data = self.inflate_into(compressed, no_context_takeover, &bytes, arena, output);
            return Some(MessageOut {
                opcode: header.opcode,
                data: data.unwrap_or(payload.clone()),
                fragments: None,
            });
        }
        if header.opcode != opcode::CONTINUATION {
            if self.assembly.is_some() {
                output.problems.push("a new message began before the last one's final fragment".to_owned());
            }
            self.assembly = Some(Assembly {
                opcode: header.opcode,
                compressed: header.rsv1() && no_context_takeover.is_some(),
                ..Assembly::default()
            });
        }
        let Some(assembly) = self.assembly.as_mut() else {
            output.problems.push("a continuation frame with no message begun".to_owned());
            return None;
        };
        if !assembly.given_up {
            if assembly.data.len() + bytes.len() > MAX_MESSAGE || assembly.frames.len() >= MAX_FRAGMENTS {
                output.problems.push(format!(
                    "a fragmented message over {MAX_MESSAGE} bytes or {MAX_FRAGMENTS} frames is not put \
                     back together"
                ));
                assembly.given_up = true;
                assembly.data = Vec::new();
                assembly.frames = SmallVec::new();
            } else {
                assembly.data.extend_from_slice(&bytes);
                assembly.frames.push((frame, bytes.len()));
            }
        }
        if !header.fin {
            return None;
        }
        let assembly = self.assembly.take()?;
        if assembly.given_up {
            return None;
        }
        let whole = copy(arena, &assembly.data);
        let data = self.inflate_into(assembly.compressed, no_context_takeover, &assembly.data, arena, output);
        Some(MessageOut {
            opcode: assembly.opcode,
            data: data.unwrap_or(whole),
            fragments: Some((assembly.frames, assembly.data.len())),
        })
    }

    /// Inflates a compressed message into the arena (RFC 7692 section 7.2.2: its bytes, then
    /// 00 00 ff ff); `None` when it is not compressed or does not inflate.
    fn inflate_into(
        &mut self,
        compressed: bool,
        no_context_takeover: Option<bool>,
        bytes: &[u8],
        arena: &mut Vec<u8>,
        output: &mut Output,
    ) -> Option<Range<usize>> {
        if !compressed {
            return None;
        }
        let fresh = no_context_takeover == Some(true);
        if fresh || self.inflater.is_none() {
            self.inflater = Some(InflateState::new_boxed(DataFormat::Raw));
        }
        let inflater = self.inflater.as_mut()?;
        let start = arena.len();
        let input = [bytes, &[0, 0, 0xff, 0xff][..]].concat();
        let ok = INFLATED.with_borrow_mut(|chunk| {
            let mut consumed = 0;
            loop {
                let room = (MAX_INFLATED - (arena.len() - start)).min(chunk.len());
                if room == 0 {
                    return true;
                }
                let result = inflate(inflater, &input[consumed..], &mut chunk[..room], MZFlush::Sync);
                consumed = (consumed + result.bytes_consumed).min(input.len());
                arena.extend_from_slice(&chunk[..result.bytes_written]);
                match result.status {
                    // Out of input or of room is not an error: the checks below say which.
                    Ok(MZStatus::Ok) | Err(MZError::Buf) => {}
                    Ok(MZStatus::StreamEnd) => return true,
                    Ok(MZStatus::NeedDict) | Err(_) => return false,
                }
                // All read and the output had room to spare: nothing more is coming.
                if consumed == input.len() && result.bytes_written < room {
                    return true;
                }
                if result.bytes_written == 0 && result.bytes_consumed == 0 {
                    return true;
                }
            }
        });
        if !ok {
            output.problems.push("a compressed message does not inflate (permessage-deflate)".to_owned());
            self.inflater = None;
            arena.truncate(start);
            return None;
        }
        if arena.len() - start >= MAX_INFLATED {
            output.problems.push(format!("a message inflates to over {MAX_INFLATED} bytes; it is cut there"));
            // The window is no longer what the sender's is: later messages cannot be inflated.
            self.inflater = None;
        }
        if fresh {
            self.inflater = None;
        }
        Some(start..arena.len())
    }
}

/// Whether an HTTP/1.x message completed on a connection is the 101 response that switches it
/// to WebSocket (its Upgrade field names websocket, as Wireshark's HTTP checks).
pub fn switches_to_websocket(head: &[u8]) -> bool {
    let Ok((_, message)) = http1::parse(head) else { return false };
    message.status() == Some(101)
        && message
            .header("upgrade")
            .is_some_and(|upgrade| upgrade.trim_ascii().eq_ignore_ascii_case(b"websocket"))
}

fn copy(arena: &mut Vec<u8>, bytes: &[u8]) -> Range<usize> {
    let start = arena.len();
    arena.extend_from_slice(bytes);
    start..arena.len()
}

#[cfg(test)]
mod tests;
