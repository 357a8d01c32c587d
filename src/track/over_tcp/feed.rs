//! How the chunks TCP reassembled for a connection are fed to the readers above it: HTTP's
//! bytes (a gap makes it give up the message it was in), what one frame's feeds completed,
//! merged, and TLS's chunks, with the close_notify that ends a direction.

use super::*;

/// Feeds the stream bytes of `chunks` (from `dir`, for `segment`'s frame) to an HTTP reader; a
/// gap makes the reader give up the message it was in and wait for the next one.
pub(super) fn feed_http(
    http: &mut http::Reader,
    dir: usize,
    segment: &Segment<'_>,
    chunks: &[Chunk],
    arena: &mut Vec<u8>,
    output: &mut http::Output,
) {
    for chunk in chunks {
        let bytes = match chunk {
            Chunk::Segment { start, len } => &segment.payload[*start..start + len],
            Chunk::Held { bytes, .. } => bytes.as_slice(),
            Chunk::Gap(_) => {
                http.gap(dir);
                continue;
            }
        };
        let more = http.feed(dir, segment.frame, segment.ts_ns, bytes, false, arena);
        merge(output, more);
    }
}

/// Whether a record is a close_notify alert, in the clear or decrypted.
pub(super) fn is_close_notify(record: &tls::RecordOut, payload: &[u8], decrypted: &[u8]) -> bool {
    let alert = match (&record.content, &record.loc) {
        (
            ContentOut::Decrypted {
                content_type: record::content_type::ALERT,
                plaintext: Loc::Decrypted(range),
            },
            _,
        ) => decrypted.get(range.clone()),
        (ContentOut::Clear, Loc::Payload(range))
            if record.header.content_type == record::content_type::ALERT =>
        {
            payload.get(range.start + record::HEADER_LEN..range.end)
        }
        _ => None,
    };
    alert.is_some_and(|alert| alert.get(1) == Some(&0))
}

/// Whether an output completed a message, a frame or the preface.
pub(super) fn completes(output: &http::Output) -> bool {
    !output.messages.is_empty() || !output.frames.is_empty() || output.preface.is_some()
}

/// Adds what a later feed of the same frame completed.
pub(super) fn merge(output: &mut http::Output, more: http::Output) {
    let before = output.messages.len();
    output.entities.extend(
        more.entities
            .into_iter()
            .map(|entity| http::entity::EntityOut { message: entity.message + before, ..entity }),
    );
    output.messages.extend(more.messages);
    if output.segments.is_empty() {
        output.segments = more.segments;
    }
    output.pending_head = output.pending_head.take().or(more.pending_head);
    output.pending = more.pending;
    output.pending_len = more.pending_len;
    output.preface = output.preface.take().or(more.preface);
    output.frames.extend(more.frames);
    output.problems.extend(more.problems);
}

/// The chunks of a segment as a TLS reader takes them.
pub(super) fn feeds<'c>(chunks: &'c [Chunk], payload: &'c [u8]) -> Vec<Feed<'c>> {
    chunks
        .iter()
        .map(|chunk| match chunk {
            Chunk::Segment { start, len } => {
                Feed::Payload { bytes: &payload[*start..start + len], start: *start }
            }
            Chunk::Held { bytes, .. } => Feed::Held(bytes),
            Chunk::Gap(missing) => Feed::Gap(*missing),
        })
        .collect()
}
