//! The hand-off from HTTP/1.1 to WebSocket: a 101 response whose Upgrade field names websocket
//! switches the connection (or, inside TLS, its plaintext), and the bytes after the response
//! are WebSocket frames from then on, read by [`crate::track::websocket::Session`]. The hand-off
//! keeps what the HTTP reader buffered after the 101, so a frame in the same segment as the
//! response is not lost.

use super::{Application, Produced, Protocol, Segment, acknowledged, gap_notes};
use crate::dissect::field::Source;
use crate::track::http;
use crate::track::stream::Chunk;
use crate::track::websocket::{Output, Session, switches_to_websocket};

/// The head of a 101 response that switches to WebSocket among the messages `output` holds.
fn switching_head(output: &http::Output, arena: &[u8]) -> Option<Vec<u8>> {
    output.messages.iter().find_map(|(range, head_len, _)| {
        let head = arena.get(range.start..range.start.saturating_add(*head_len))?;
        switches_to_websocket(head).then(|| head.to_vec())
    })
}

/// After a segment of a connection read as HTTP/1.x: a 101 to WebSocket among the messages of
/// direction `segment.dir` switches the connection, and what followed the response is read
/// as frames.
pub(super) fn after_http(
    connection: &mut Application,
    segment: &Segment<'_>,
    output: &http::Output,
    arena: &mut Vec<u8>,
    produced: &mut Produced,
) {
    let Protocol::Http(reader) = &mut connection.protocol else { return };
    if let Some((session, frames)) = switched(reader, segment.dir, segment.frame, output, arena) {
        connection.protocol = Protocol::WebSocket(session);
        produced.websocket.push((Source::Stream, frames));
    }
}

/// The WebSocket session a 101 among `output`'s messages (direction `dir`) opens, with the
/// frames of the bytes that followed it; `None` when nothing switches.
pub(super) fn switched(
    reader: &mut http::Reader,
    dir: usize,
    frame: u64,
    output: &http::Output,
    arena: &mut Vec<u8>,
) -> Option<(Box<Session>, Output)> {
    let head = switching_head(output, arena)?;
    let rest = reader.take_switched(dir);
    let mut session = Box::new(Session::new(dir, &head));
    let frames = session.feed(dir, frame, &rest, arena);
    Some((session, frames))
}

/// Reads a segment of a connection switched to WebSocket: what the peer acknowledged of the
/// other direction first, then the segment's own bytes.
pub(super) fn read(
    connection: &mut Application,
    segment: &Segment<'_>,
    arena: &mut Vec<u8>,
    produced: &mut Produced,
) {
    let Protocol::WebSocket(session) = &mut connection.protocol else { return };
    produced.consumed = !segment.payload.is_empty();
    let mut problems = Vec::new();
    if let Some(ack) = segment.ack {
        let other = 1 - segment.dir;
        let chunks = acknowledged(&mut connection.streams[other], connection.finished[other], ack);
        gap_notes(&chunks, false, &mut problems);
        feed(session, other, segment, &chunks, arena, produced);
    }
    let accepted =
        connection.streams[segment.dir].accept(segment.seq, segment.syn, segment.frame, segment.payload);
    produced.duplicate = accepted.duplicate;
    gap_notes(&accepted.chunks, accepted.overflowed, &mut problems);
    feed(session, segment.dir, segment, &accepted.chunks, arena, produced);
    if let Some((_, output)) = produced.websocket.last_mut() {
        output.problems.extend(problems);
    } else if !problems.is_empty() {
        produced.websocket.push((Source::Stream, Output { problems, ..Output::default() }));
    }
}

/// Feeds the stream bytes of `chunks` to the session; a gap ends the direction's reading.
fn feed(
    session: &mut Session,
    dir: usize,
    segment: &Segment<'_>,
    chunks: &[Chunk],
    arena: &mut Vec<u8>,
    produced: &mut Produced,
) {
    for chunk in chunks {
        let bytes = match chunk {
            Chunk::Segment { start, len } => segment.payload.get(*start..start + len).unwrap_or(&[]),
            Chunk::Held { bytes, .. } => bytes.as_slice(),
            Chunk::Gap(_) => {
                session.gap(dir);
                continue;
            }
        };
        let output = session.feed(dir, segment.frame, bytes, arena);
        let completed =
            !output.frames.is_empty() || output.malformed.is_some() || !output.problems.is_empty();
        // A segment of this direction that only begins a frame says so too.
        if completed || (dir == segment.dir && output.pending > 0) {
            produced.websocket.push((Source::Stream, output));
        }
    }
}
