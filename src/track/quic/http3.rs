//! One direction of an HTTP/3 stream, put back together from STREAM frames: the type of a
//! unidirectional stream, then whole HTTP/3 frames. Frames are located where they lie in the
//! decrypted packet; one that spans STREAM frames is copied together into the stream arena and
//! shown on the STREAM frame that completes it. Only data that follows on is read.

use std::ops::Range;

use smallvec::SmallVec;

use super::Loc;
use crate::dissect::quic::varint;

/// The most bytes of one HTTP/3 frame kept while it is incomplete; a longer frame ends the
/// stream's reading.
const MAX_H3_FRAME: usize = 1 << 20;
/// Streams followed per connection.
pub(super) const MAX_H3_STREAMS: usize = 64;

/// The HTTP/3 content of one STREAM frame.
#[derive(Debug)]
pub struct Http3Out {
    /// The packet (index in the datagram) and the STREAM frame's start in its plaintext.
    pub anchor: (usize, usize),
    pub stream_id: u64,
    pub stream_type: Option<(u64, Loc)>,
    pub frames: SmallVec<[Loc; 2]>,
}

#[derive(Debug, Default)]
pub(super) struct H3Stream {
    next: u64,
    typed: bool,
    /// Bytes of a frame not yet complete.
    pending: Vec<u8>,
    /// The stream carries no frames (QPACK encoder or decoder, or an unknown type).
    opaque: bool,
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
        // A gap or a repeat leaves the stream as it was.
        if offset != self.next {
            return;
        }
        self.next += data.len() as u64;
        let located = |range: Range<usize>| Loc::Decrypted(base + range.start..base + range.end);
        let mut at = data.start;
        let unidirectional = out.stream_id & 0x02 != 0;
        if unidirectional && !self.typed {
            self.typed = true;
            if let Some((kind, len)) = varint::read(&plaintext[at..data.end]) {
                out.stream_type = Some((kind, located(at..at + len)));
                self.opaque = kind != 0x00;
                at += len;
            }
        }
        if self.opaque {
            return;
        }
        let joined;
        let mut bytes = &plaintext[at..data.end];
        let from_pending = !self.pending.is_empty();
        if from_pending {
            self.pending.extend_from_slice(bytes);
            joined = std::mem::take(&mut self.pending);
            bytes = &joined;
        }
        let mut used = 0;
        while let Some(len) = frame_len(&bytes[used..]) {
            if bytes.len() - used < len {
                break;
            }
            let frame = used..used + len;
            out.frames.push(if from_pending {
                let start = stream_arena.len();
                stream_arena.extend_from_slice(&bytes[frame]);
                Loc::Stream(start..stream_arena.len())
            } else {
                located(at + frame.start..at + frame.end)
            });
            used += len;
        }
        let rest = &bytes[used..];
        if rest.len() <= MAX_H3_FRAME {
            self.pending = rest.to_vec();
        } else {
            self.opaque = true;
        }
    }
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
        // A repeat of old data changes nothing.
        let mut again = out(0);
        stream.take(0, &plaintext, 0..3, 100, &mut arena, &mut again);
        assert!(again.frames.is_empty());
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
}
