//! The HTTP/2 streams one connection's reader keeps between frames: each open stream's body
//! so far (to show it whole on the frame that ends the stream), its media type and its
//! `content-encoding` (to undo it on that frame, as Wireshark's HTTP/2 dissector does).
//!
//! Invariants: at most [`MAX_STREAMS`] streams are kept, as a peer's
//! SETTINGS_MAX_CONCURRENT_STREAMS would bound them; a stream beyond that makes the oldest
//! (lowest stream id, since a peer opens streams in increasing order) be forgotten, with a
//! note. A body keeps at most [`MAX_MESSAGE`] bytes; beyond that its bytes are counted, not
//! kept, with a note. A stream is only kept while it has something to keep (data, or a media
//! type); it goes when it ends or is reset. [`Streams::cost`] is a running total.

use std::collections::BTreeMap;

use super::MAX_MESSAGE;
use crate::dissect::http2::{Frame, FrameType, HeaderBlock, Payload};
use crate::track::budget;

/// The most streams kept per connection: what servers commonly announce as
/// SETTINGS_MAX_CONCURRENT_STREAMS (100 to 256), with room for both directions.
pub const MAX_STREAMS: usize = 512;

/// One stream's body so far, in one direction.
#[derive(Clone, Debug, Default)]
struct StreamBody {
    data: Vec<u8>,
    data_frames: u32,
    /// Each DATA frame that brought some of `data`: the capture frame it ended in, and how
    /// many bytes it brought.
    fragments: Vec<(u64, usize)>,
    content_type: Vec<u8>,
    /// The first `content-encoding` of the stream's headers in this direction.
    encoding: Option<Vec<u8>>,
    /// A `:status` of 206: a part of a body, which Wireshark does not try to decode.
    partial: bool,
    has_data: bool,
    /// Bytes of the body past [`MAX_MESSAGE`], counted and not kept.
    passed_over: u64,
}

impl StreamBody {
    fn heap(&self) -> usize {
        self.data.capacity()
            + self.fragments.capacity() * std::mem::size_of::<(u64, usize)>()
            + self.content_type.capacity()
            + self.encoding.as_ref().map_or(0, Vec::capacity)
    }
}

/// What the frame that ends a stream shows of its body.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Ended {
    /// The stream's whole body, when it came in several DATA frames.
    pub body: Option<Vec<u8>>,
    /// With `body`: the capture frames its DATA frames ended in, in order, and the bytes each
    /// brought (those that brought none left out), as tshark lists a body's fragments.
    pub fragments: Vec<(u64, usize)>,
    /// The body's media type, when the stream had a body.
    pub body_type: Option<Vec<u8>>,
    /// The `content-encoding` to undo the body by, when the stream had a whole body (not a
    /// 206's part) that was kept.
    pub encoding: Option<Vec<u8>>,
}

/// A connection's open streams, by stream id and direction.
#[derive(Clone, Debug, Default)]
pub struct Streams {
    by_id: BTreeMap<(u32, usize), StreamBody>,
    /// What `by_id` holds, entries and bodies.
    cost: usize,
}

const ENTRY: usize = budget::entry_cost::<(u32, usize), StreamBody>();

impl Streams {
    /// Takes a frame of direction `dir`, ended in capture frame `number`, and the header fields
    /// its fragment completed; returns what the frame shows of the body when it ends its stream.
    pub fn frame(
        &mut self,
        dir: usize,
        number: u64,
        frame: &Frame<'_>,
        headers: Option<&HeaderBlock>,
        problems: &mut Vec<String>,
    ) -> Ended {
        let key = (frame.stream_id(), dir);
        let content_type = headers.and_then(|block| block.get("content-type"));
        let encoding = headers.and_then(|block| block.get("content-encoding"));
        let partial = headers.and_then(|block| block.get(":status")) == Some(b"206");
        let is_data = frame.kind() == FrameType::Data;
        if !(is_data
            || content_type.is_some()
            || encoding.is_some()
            || partial
            || self.by_id.contains_key(&key))
        {
            return Ended::default();
        }
        if !self.by_id.contains_key(&key) {
            self.make_room(problems);
            self.cost += ENTRY;
        }
        let stream = self.by_id.entry(key).or_default();
        let before = stream.heap();
        if is_data {
            let data = frame.data();
            if stream.passed_over == 0 && stream.data.len() + data.len() <= MAX_MESSAGE {
                stream.data.extend_from_slice(data);
                if !data.is_empty() {
                    stream.fragments.push((number, data.len()));
                }
            } else {
                if stream.passed_over == 0 {
                    problems.push(format!(
                        "HTTP/2 stream {}: a body over {MAX_MESSAGE} bytes is counted, not kept",
                        key.0
                    ));
                    stream.passed_over = stream.data.len() as u64;
                    stream.data = Vec::new();
                    stream.fragments = Vec::new();
                }
                stream.passed_over += data.len() as u64;
            }
            stream.data_frames += 1;
            if let Ok(Payload::Data { data, .. }) = frame.payload()
                && !data.is_empty()
            {
                stream.has_data = true;
            }
        }
        if let Some(content_type) = content_type {
            stream.content_type = content_type.to_vec();
        }
        if stream.encoding.is_none() {
            stream.encoding = encoding.map(<[u8]>::to_vec);
        }
        stream.partial |= partial;
        self.cost = self.cost + stream.heap() - before;
        if !(frame.ends_stream() || frame.kind() == FrameType::RstStream) {
            return Ended::default();
        }
        let Some(stream) = self.by_id.remove(&key) else { return Ended::default() };
        self.cost -= ENTRY + stream.heap();
        if !frame.ends_stream() {
            return Ended::default();
        }
        if stream.passed_over > 0 {
            problems.push(format!(
                "HTTP/2 stream {}: its body of {} bytes was not kept",
                key.0, stream.passed_over
            ));
        }
        let single_data = is_data && stream.data_frames == 1;
        let encoding =
            stream.encoding.filter(|_| stream.has_data && !stream.partial && stream.passed_over == 0);
        let body = (!single_data && !stream.data.is_empty()).then_some(stream.data);
        let fragments = if body.is_some() { stream.fragments } else { Vec::new() };
        let body_type = stream.has_data.then_some(stream.content_type);
        Ended { body, fragments, body_type, encoding }
    }

    /// Forgets the oldest stream when [`MAX_STREAMS`] are kept.
    fn make_room(&mut self, problems: &mut Vec<String>) {
        if self.by_id.len() < MAX_STREAMS {
            return;
        }
        if let Some(((id, _), oldest)) = self.by_id.pop_first() {
            self.cost -= ENTRY + oldest.heap();
            problems.push(format!(
                "over {MAX_STREAMS} HTTP/2 streams open: stream {id}, the oldest, is forgotten"
            ));
        }
    }

    /// What the streams hold, in bytes, entries included. O(1).
    pub fn cost(&self) -> usize {
        self.cost
    }

    /// How many streams are kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_id.len()
    }
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

    fn feed(streams: &mut Streams, bytes: &[u8], problems: &mut Vec<String>) -> Option<Vec<u8>> {
        let (_, frame) = http2::parse(bytes).expect("a whole frame");
        streams.frame(0, 1, &frame, None, problems).body
    }

    #[test]
    fn a_body_that_never_ends_keeps_at_most_the_cap() {
        let mut streams = Streams::default();
        let mut problems = Vec::new();
        let data = frame_bytes(0, 0, 1, &[b'x'; 16_384]);
        for _ in 0..(MAX_MESSAGE / 16_384 + 10) {
            feed(&mut streams, &data, &mut problems);
        }
        assert!(streams.cost() < MAX_MESSAGE + 4096, "{}", streams.cost());
        assert_eq!(problems.len(), 1, "noted once: {problems:?}");
        assert!(problems[0].contains("counted, not kept"));
        // END_STREAM: no body shown, and the count noted.
        let end = frame_bytes(0, 1, 1, b"y");
        assert_eq!(feed(&mut streams, &end, &mut problems), None);
        assert!(problems[1].contains("bytes was not kept"), "{problems:?}");
        assert_eq!((streams.len(), streams.cost()), (0, 0));
    }

    #[test]
    fn a_frame_on_each_new_stream_keeps_at_most_max_streams() {
        let mut streams = Streams::default();
        let mut problems = Vec::new();
        for id in 0..(MAX_STREAMS as u32 + 10) {
            feed(&mut streams, &frame_bytes(0, 0, 2 * id + 1, b"abc"), &mut problems);
        }
        assert_eq!(streams.len(), MAX_STREAMS);
        assert_eq!(problems.len(), 10);
        assert!(problems[0].contains("stream 1, the oldest, is forgotten"), "{problems:?}");
        // The streams kept are the newest: the last one still ends with its whole body.
        let last = 2 * (MAX_STREAMS as u32 + 9) + 1;
        assert_eq!(
            feed(&mut streams, &frame_bytes(0, 1, last, b"def"), &mut problems),
            Some(b"abcdef".to_vec())
        );
    }

    #[test]
    fn a_body_in_several_data_frames_lists_the_frames_that_brought_its_bytes() {
        let mut streams = Streams::default();
        let mut problems = Vec::new();
        let mut at = |number: u64, bytes: &[u8]| {
            let (_, frame) = http2::parse(bytes).expect("a whole frame");
            streams.frame(0, number, &frame, None, &mut problems)
        };
        assert_eq!(at(16, &frame_bytes(0, 0, 1, b"abc")), Ended::default());
        // An empty DATA frame brings nothing: it is not a fragment.
        at(17, &frame_bytes(0, 0, 1, b""));
        at(20, &frame_bytes(0, 0, 1, b"de"));
        let ended = at(22, &frame_bytes(0, 1, 1, b""));
        assert_eq!(ended.body.as_deref(), Some(&b"abcde"[..]));
        assert_eq!(ended.fragments, [(16, 3), (20, 2)]);
        // A body in the one frame that ends its stream is not put together: no fragments.
        let ended = at(30, &frame_bytes(0, 1, 3, b"whole"));
        assert_eq!((ended.body, ended.fragments), (None, Vec::new()));
    }

    #[test]
    fn frames_without_a_body_keep_nothing() {
        let mut streams = Streams::default();
        let mut problems = Vec::new();
        // SETTINGS on stream 0, then WINDOW_UPDATE on a new stream.
        feed(&mut streams, &frame_bytes(4, 0, 0, &[]), &mut problems);
        feed(&mut streams, &frame_bytes(8, 0, 3, &[0, 0, 1, 0]), &mut problems);
        assert_eq!((streams.len(), streams.cost()), (0, 0));
    }
}
