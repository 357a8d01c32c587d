//! One direction of an HTTP/3 stream, put back together from STREAM frames: the type of a
//! unidirectional stream, then whole HTTP/3 frames. Frames are located where they lie in the
//! decrypted packet; one that spans STREAM frames is copied together into the stream arena and
//! shown on the STREAM frame that completes it. Data that follows on is read in order; data
//! sent again is read again on its own, as tshark does, unless it lies inside a frame that
//! spanned STREAM frames (tshark then takes it for a piece of that frame).

use std::ops::Range;

use smallvec::SmallVec;

use std::collections::hash_map::Entry;

use super::{Connection, Loc};
use crate::dissect::quic::varint;

/// The most bytes of one HTTP/3 frame kept while it is incomplete; a longer frame ends the
/// stream's reading.
const MAX_H3_FRAME: usize = 1 << 20;
/// Stream directions followed at once per connection; one read to its FIN is let go.
pub const MAX_H3_STREAMS: usize = 128;
/// Frames that spanned STREAM frames remembered per stream, for data sent again.
const MAX_SPANNED: usize = 16;

/// The HTTP/3 content of one STREAM frame.
#[derive(Debug)]
pub struct Http3Out {
    /// The packet (index in the datagram) and the STREAM frame's start in its plaintext.
    pub anchor: (usize, usize),
    pub stream_id: u64,
    pub stream_type: Option<(u64, Loc)>,
    pub frames: SmallVec<[Loc; 2]>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct H3Stream {
    next: u64,
    typed: bool,
    /// Bytes of a frame not yet complete.
    pending: Vec<u8>,
    /// The stream carries no frames (QPACK encoder or decoder, or an unknown type).
    opaque: bool,
    /// Where the stream bytes of the last frames that spanned STREAM frames lie.
    spanned: SmallVec<[Range<u64>; 2]>,
}

impl H3Stream {
    /// Takes the data of a STREAM frame at stream offset `offset`: `data` within `plaintext`,
    /// which starts `base` bytes into the frame's decrypted arena.
    pub(super) fn take(
        &mut self,
        offset: u64,
        plaintext: &[u8],
        data: Range<usize>,
        base: usize,
        stream_arena: &mut Vec<u8>,
        out: &mut Http3Out,
    ) {
        if offset != self.next {
            // A gap leaves the stream as it was; data sent again is read on its own.
            let end = offset.saturating_add(data.len() as u64);
            if end <= self.next && !self.spanned.iter().any(|range| range.contains(&offset)) {
                self.read_again(offset, plaintext, data, base, out);
            }
            return;
        }
        self.next += data.len() as u64;
        let mut at = data.start;
        if out.stream_id & 0x02 != 0 && !self.typed {
            self.typed = true;
            at = stream_type(plaintext, data.clone(), base, out);
            self.opaque = out.stream_type.as_ref().is_some_and(|(kind, _)| *kind != 0x00);
        }
        if self.opaque {
            return;
        }
        if self.pending.is_empty() {
            let used = whole_frames(plaintext, at..data.end, base, out);
            self.pending.extend_from_slice(&plaintext[at + used..data.end]);
            self.check_pending();
            return;
        }
        // The first frame started in an earlier STREAM frame: copy it together into the arena.
        let start = self.next - (data.end - at) as u64 - self.pending.len() as u64;
        self.pending.extend_from_slice(&plaintext[at..data.end]);
        let mut used = 0;
        while let Some(len) = frame_len(&self.pending[used..]).filter(|&len| self.pending.len() - used >= len)
        {
            if used == 0 {
                if self.spanned.len() == MAX_SPANNED {
                    self.spanned.remove(0);
                }
                self.spanned.push(start..start + len as u64);
            }
            let from = stream_arena.len();
            stream_arena.extend_from_slice(&self.pending[used..used + len]);
            out.frames.push(Loc::Stream(from..stream_arena.len()));
            used += len;
        }
        self.pending.drain(..used);
        self.check_pending();
    }

    /// The bytes held until more data comes, as allocated.
    pub(super) fn buffered(&self) -> usize {
        self.pending.capacity()
    }

    /// Whether the stream has been read in order up to `end` (a FIN's final size).
    pub(super) fn read_to(&self, end: u64) -> bool {
        self.next >= end
    }

    /// Stops reading the stream and lets go of what it holds.
    pub(super) fn give_up(&mut self) {
        self.opaque = true;
        self.pending = Vec::new();
    }

    /// Gives up on the stream when the frame being put together is longer than
    /// [`MAX_H3_FRAME`], as soon as its header says so.
    fn check_pending(&mut self) {
        let announced = frame_len(&self.pending).unwrap_or(0);
        if announced.max(self.pending.len()) > MAX_H3_FRAME {
            self.give_up();
        }
    }

    /// Reads data sent again by itself: the stream type at offset 0, then the frames it holds
    /// whole. The stream's state is left as it was.
    fn read_again(&self, offset: u64, plaintext: &[u8], data: Range<usize>, base: usize, out: &mut Http3Out) {
        let mut at = data.start;
        let mut opaque = self.opaque;
        if out.stream_id & 0x02 != 0 && offset == 0 {
            at = stream_type(plaintext, data.clone(), base, out);
            opaque = out.stream_type.as_ref().is_some_and(|(kind, _)| *kind != 0x00);
        }
        if !opaque {
            whole_frames(plaintext, at..data.end, base, out);
        }
    }
}

/// What [`http3_stream`] found.
pub(super) enum H3Found<'a> {
    /// The stream, and whether it was made now.
    Stream(&'a mut H3Stream, bool),
    /// The connection is not HTTP/3.
    NotHttp3,
    /// The connection follows [`MAX_H3_STREAMS`] already.
    TooMany,
}

/// The HTTP/3 stream a STREAM frame belongs to.
pub(super) fn http3_stream(state: &mut Connection, dir: usize, stream_id: u64) -> H3Found<'_> {
    if state.alpn.as_deref().is_some_and(|alpn| !alpn.starts_with(b"h3")) {
        return H3Found::NotHttp3;
    }
    let streams = state.h3.len();
    match state.h3.entry((dir, stream_id)) {
        Entry::Occupied(entry) => H3Found::Stream(entry.into_mut(), false),
        Entry::Vacant(entry) if streams < MAX_H3_STREAMS => {
            H3Found::Stream(entry.insert(H3Stream::default()), true)
        }
        Entry::Vacant(_) => H3Found::TooMany,
    }
}

/// Reads the stream type at the start of `data` into `out`; returns where the frames start.
fn stream_type(plaintext: &[u8], data: Range<usize>, base: usize, out: &mut Http3Out) -> usize {
    match varint::read(&plaintext[data.clone()]) {
        Some((kind, len)) => {
            out.stream_type = Some((kind, located(base, data.start..data.start + len)));
            data.start + len
        }
        None => data.start,
    }
}

/// Puts the HTTP/3 frames that lie whole in `data` into `out`; returns the bytes they take.
fn whole_frames(plaintext: &[u8], data: Range<usize>, base: usize, out: &mut Http3Out) -> usize {
    let bytes = &plaintext[data.clone()];
    let mut used = 0;
    while let Some(len) = frame_len(&bytes[used..]).filter(|&len| bytes.len() - used >= len) {
        out.frames.push(located(base, data.start + used..data.start + used + len));
        used += len;
    }
    used
}

/// Where bytes of a packet's plaintext lie in the frame's decrypted arena.
fn located(base: usize, range: Range<usize>) -> Loc {
    Loc::Decrypted(base + range.start..base + range.end)
}

/// The whole length of the HTTP/3 frame at the start of `bytes`, once its type and length are
/// there.
fn frame_len(bytes: &[u8]) -> Option<usize> {
    let (_, type_len) = varint::read(bytes)?;
    let (length, length_len) = varint::read(&bytes[type_len..])?;
    usize::try_from(length).ok()?.checked_add(type_len + length_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(stream_id: u64) -> Http3Out {
        Http3Out { anchor: (0, 0), stream_id, stream_type: None, frames: SmallVec::new() }
    }

    #[test]
    fn a_frame_split_over_stream_frames_is_shown_once_complete() {
        // HEADERS of 3 bytes, cut after its first payload byte.
        let plaintext = [0x01, 0x03, 0xaa, 0xbb, 0xcc];
        let (mut stream, mut arena) = (H3Stream::default(), Vec::new());
        let mut first = out(0);
        stream.take(0, &plaintext, 0..3, 100, &mut arena, &mut first);
        assert!(first.frames.is_empty());
        let mut second = out(0);
        stream.take(3, &plaintext, 3..5, 100, &mut arena, &mut second);
        assert_eq!(second.frames.as_slice(), [Loc::Stream(0..5)]);
        assert_eq!(arena, plaintext);
        // A repeat of a piece of that frame shows nothing.
        let mut again = out(0);
        stream.take(0, &plaintext, 0..3, 100, &mut arena, &mut again);
        assert!(again.frames.is_empty());
    }

    #[test]
    fn a_long_frame_is_put_together_once_and_an_overlong_one_is_given_up_at_once() {
        // DATA of 100,000 bytes (length varint 0x80_01_86_a0) in 1,000-byte STREAM frames.
        let mut stream_bytes = vec![0x00, 0x80, 0x01, 0x86, 0xa0];
        stream_bytes.resize(5 + 100_000, 0x61);
        let (mut stream, mut arena) = (H3Stream::default(), Vec::new());
        let mut shown = Vec::new();
        for (index, piece) in stream_bytes.chunks(1000).enumerate() {
            let mut piece_out = out(0);
            stream.take((index * 1000) as u64, piece, 0..piece.len(), 0, &mut arena, &mut piece_out);
            shown.extend(piece_out.frames);
        }
        assert_eq!(shown, [Loc::Stream(0..stream_bytes.len())]);
        assert_eq!(arena, stream_bytes);
        assert!(stream.pending.is_empty());
        // A frame that says it is 2 MiB long is not kept at all.
        let overlong = [0x00, 0x80, 0x20, 0x00, 0x00, 0x61];
        let mut stream = H3Stream::default();
        stream.take(0, &overlong, 0..overlong.len(), 0, &mut Vec::new(), &mut out(0));
        assert!(stream.opaque && stream.pending.is_empty());
    }

    #[test]
    fn data_sent_again_is_read_again_on_its_own() {
        // A control stream: its type, SETTINGS (empty), then a GOAWAY sent twice.
        let plaintext = [0x00, 0x04, 0x00, 0x07, 0x01, 0x00];
        let (mut stream, mut arena) = (H3Stream::default(), Vec::new());
        let mut first = out(2);
        stream.take(0, &plaintext, 0..6, 0, &mut arena, &mut first);
        assert_eq!(first.frames.as_slice(), [Loc::Decrypted(1..3), Loc::Decrypted(3..6)]);
        let mut whole = out(2);
        stream.take(0, &plaintext, 0..6, 40, &mut arena, &mut whole);
        assert_eq!(whole.stream_type, Some((0, Loc::Decrypted(40..41))));
        assert_eq!(whole.frames.as_slice(), [Loc::Decrypted(41..43), Loc::Decrypted(43..46)]);
        let mut tail = out(2);
        stream.take(3, &plaintext, 3..6, 80, &mut arena, &mut tail);
        assert_eq!(tail.stream_type, None, "the type is read at offset 0 only");
        assert_eq!(tail.frames.as_slice(), [Loc::Decrypted(83..86)]);
        // The stream goes on from where it was.
        let more = [0x07, 0x01, 0x04];
        let mut next = out(2);
        stream.take(6, &more, 0..3, 0, &mut arena, &mut next);
        assert_eq!(next.frames.as_slice(), [Loc::Decrypted(0..3)]);
        assert!(arena.is_empty(), "nothing copied");
    }

    #[test]
    fn a_unidirectional_stream_says_its_type_and_qpack_streams_carry_no_frames() {
        let control = [0x00, 0x04, 0x00];
        let mut stream = H3Stream::default();
        let mut first = out(3);
        stream.take(0, &control, 0..3, 10, &mut Vec::new(), &mut first);
        assert_eq!(first.stream_type, Some((0, Loc::Decrypted(10..11))));
        assert_eq!(first.frames.as_slice(), [Loc::Decrypted(11..13)]);
        let encoder = [0x02, 0x3f, 0xe1];
        let mut stream = H3Stream::default();
        let mut first = out(7);
        stream.take(0, &encoder, 0..3, 0, &mut Vec::new(), &mut first);
        assert_eq!(first.stream_type.map(|(kind, _)| kind), Some(2));
        assert!(first.frames.is_empty());
    }

    #[test]
    fn a_greased_unidirectional_stream_yields_no_http3_frame() {
        // Stream type 0x537 (0x1f * 42 + 0x21, a two-byte varint), then bytes that would read
        // as frames: a HEADERS frame of 2 bytes, and more in a second STREAM frame.
        let first = [0x45, 0x37, 0x01, 0x02, 0x00, 0x00];
        let second = [0x00, 0x01, 0x61];
        let (mut stream, mut arena) = (H3Stream::default(), Vec::new());
        let mut shown = out(14);
        stream.take(0, &first, 0..first.len(), 0, &mut arena, &mut shown);
        assert_eq!(shown.stream_type, Some((0x537, Loc::Decrypted(0..2))));
        assert!(shown.frames.is_empty(), "{:?}", shown.frames);
        let mut later = out(14);
        stream.take(first.len() as u64, &second, 0..second.len(), 0, &mut arena, &mut later);
        assert!(later.stream_type.is_none() && later.frames.is_empty());
        // Sent again from its start, it is still not read as frames.
        let mut again = out(14);
        stream.take(0, &first, 0..first.len(), 0, &mut arena, &mut again);
        assert!(again.frames.is_empty());
        assert!(arena.is_empty() && stream.pending.is_empty(), "nothing held");
        // An unknown, not greased, type (WebTransport's 0x54) is not read either.
        let webtransport = [0x40, 0x54, 0x00, 0x01, 0x61];
        let mut stream = H3Stream::default();
        let mut shown = out(18);
        stream.take(0, &webtransport, 0..webtransport.len(), 0, &mut arena, &mut shown);
        assert_eq!(shown.stream_type.map(|(kind, _)| kind), Some(0x54));
        assert!(shown.frames.is_empty());
    }
}
