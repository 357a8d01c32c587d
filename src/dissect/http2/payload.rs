//! The one reading of a frame's payload, front to back, as tshark reads it.
//!
//! [`read`] hands each part it reads to a visitor with its place in the frame, and stops at
//! the first part that does not fit: the fields module emits tshark's fields from the parts (so
//! a malformed frame shows what was read before it), and [`strict`] gathers them into a
//! [`Payload`] and adds RFC 9113's rules tshark does not apply (exact lengths of fixed
//! payloads, an empty SETTINGS acknowledgement, no padding on CONTINUATION). Every part is
//! read by the nom parsers of `dissect::error`.

use std::ops::Range;

use super::{FRAME_HEADER_LEN, Frame, FrameType, Payload, Priority, Settings, flag};
use crate::dissect::error::{Error, IResult, be_u8, be_u16, be_u32, into_error, take_bytes};

/// One part of a payload, in reading order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Part<'a> {
    /// The Pad Length octet; `None` (zero bytes wide) when PADDED is not set.
    PadLength(Option<u8>),
    /// The exclusive bit and stream dependency of a priority.
    Dependency {
        exclusive: bool,
        dependency: u32,
    },
    /// The weight field of a priority (the weight is one more).
    Weight(u8),
    /// A DATA frame's data, padding excluded.
    Data(&'a [u8]),
    /// A header block fragment.
    Fragment(&'a [u8]),
    /// The padding after the content; empty when there is none.
    Padding(&'a [u8]),
    /// A settings entry begins (six bytes, or what is left of the payload).
    Setting,
    SettingId(u16),
    SettingValue {
        id: u16,
        value: u32,
    },
    /// A reserved bit and a 31-bit value: the promised stream, GOAWAY's last stream, a
    /// window increment.
    Reserved31 {
        reserved: bool,
        value: u32,
    },
    /// An error code (RST_STREAM, GOAWAY).
    ErrorCode(u32),
    /// PING's opaque data.
    Opaque(&'a [u8]),
    /// GOAWAY's additional debug data.
    Debug(&'a [u8]),
    /// The payload of an unknown frame type.
    Unknown(&'a [u8]),
}

/// The payload still to read, and where it sits in the frame.
struct Input<'a> {
    rest: &'a [u8],
    /// Offset of `rest` in the frame.
    at: usize,
}

impl<'a> Input<'a> {
    /// Runs `parser` on what is left; returns what it read and where it sits in the frame.
    fn parse<T>(&mut self, parser: impl Fn(&'a [u8]) -> IResult<'a, T>) -> Result<(Range<usize>, T), Error> {
        let (rest, value) = parser(self.rest).map_err(into_error)?;
        let start = self.at;
        self.at += self.rest.len() - rest.len();
        self.rest = rest;
        Ok((start..self.at, value))
    }

    /// Where reading stands, as a zero-width range.
    fn here(&self) -> Range<usize> {
        self.at..self.at
    }
}

/// Reads a frame's payload, visiting each part; returns how many bytes tshark leaves unread
/// after a fixed-size payload, or why it stopped.
pub(super) fn read<'a>(
    frame: &Frame<'a>,
    visit: &mut dyn FnMut(Range<usize>, Part<'a>),
) -> Result<usize, Error> {
    let flags = frame.header.flags;
    let mut input = Input { rest: frame.payload_bytes(), at: FRAME_HEADER_LEN };
    let input = &mut input;
    match frame.kind() {
        FrameType::Data => padded(input, visit, flags, Part::Data)?,
        FrameType::Headers => {
            let padding = pad_length(input, visit, flags)?;
            if flags & flag::PRIORITY != 0 {
                priority(input, visit)?;
            }
            content(input, visit, padding, Part::Fragment)?;
        }
        FrameType::Priority => priority(input, visit)?,
        FrameType::RstStream => {
            let (range, code) = input.parse(be_u32)?;
            visit(range, Part::ErrorCode(code));
        }
        FrameType::Settings => {
            while !input.rest.is_empty() {
                visit(input.at..input.at + input.rest.len().min(6), Part::Setting);
                let (range, id) = input.parse(be_u16)?;
                visit(range, Part::SettingId(id));
                let (range, value) = input.parse(be_u32)?;
                visit(range, Part::SettingValue { id, value });
            }
        }
        FrameType::PushPromise => {
            let padding = pad_length(input, visit, flags)?;
            reserved31(input, visit)?;
            content(input, visit, padding, Part::Fragment)?;
        }
        FrameType::Ping => {
            let (range, opaque) = input.parse(take_bytes(8))?;
            visit(range, Part::Opaque(opaque));
        }
        FrameType::Goaway => {
            reserved31(input, visit)?;
            let (range, code) = input.parse(be_u32)?;
            visit(range, Part::ErrorCode(code));
            let (range, debug) = input.parse(take_bytes(input.rest.len()))?;
            visit(range, Part::Debug(debug));
        }
        FrameType::WindowUpdate => reserved31(input, visit)?,
        // tshark reads PADDED here too, though RFC 9113 defines no such flag on CONTINUATION.
        FrameType::Continuation => padded(input, visit, flags, Part::Fragment)?,
        FrameType::Unknown(_) => {
            let (range, bytes) = input.parse(take_bytes(input.rest.len()))?;
            visit(range, Part::Unknown(bytes));
        }
    }
    Ok(input.rest.len())
}

type Visit<'v, 'a> = &'v mut dyn FnMut(Range<usize>, Part<'a>);

/// The Pad Length octet when PADDED is set; returns the padding's length.
fn pad_length(input: &mut Input<'_>, visit: Visit<'_, '_>, flags: u8) -> Result<usize, Error> {
    if flags & flag::PADDED == 0 {
        visit(input.here(), Part::PadLength(None));
        return Ok(0);
    }
    let (range, pad) = input.parse(be_u8)?;
    visit(range, Part::PadLength(Some(pad)));
    Ok(usize::from(pad))
}

/// Pad Length, content, padding.
fn padded<'a>(
    input: &mut Input<'a>,
    visit: Visit<'_, 'a>,
    flags: u8,
    part: fn(&'a [u8]) -> Part<'a>,
) -> Result<(), Error> {
    let padding = pad_length(input, visit, flags)?;
    content(input, visit, padding, part)
}

/// The rest of the payload but `padding` bytes, then the padding.
fn content<'a>(
    input: &mut Input<'a>,
    visit: Visit<'_, 'a>,
    padding: usize,
    part: fn(&'a [u8]) -> Part<'a>,
) -> Result<(), Error> {
    let len = input
        .rest
        .len()
        .checked_sub(padding)
        .ok_or_else(|| Error::Malformed("padding longer than the payload".into()))?;
    let (range, bytes) = input.parse(take_bytes(len))?;
    visit(range, part(bytes));
    let (range, bytes) = input.parse(take_bytes(padding))?;
    visit(range, Part::Padding(bytes));
    Ok(())
}

/// Exclusive bit, stream dependency, weight.
fn priority(input: &mut Input<'_>, visit: Visit<'_, '_>) -> Result<(), Error> {
    let (range, word) = input.parse(be_u32)?;
    visit(range, Part::Dependency { exclusive: word & 0x8000_0000 != 0, dependency: word & 0x7fff_ffff });
    let (range, weight) = input.parse(be_u8)?;
    visit(range, Part::Weight(weight));
    Ok(())
}

fn reserved31(input: &mut Input<'_>, visit: Visit<'_, '_>) -> Result<(), Error> {
    let (range, word) = input.parse(be_u32)?;
    visit(range, Part::Reserved31 { reserved: word & 0x8000_0000 != 0, value: word & 0x7fff_ffff });
    Ok(())
}

/// What [`read`] found, gathered.
#[derive(Default)]
struct Parts<'a> {
    padded: bool,
    dependency: Option<(bool, u32)>,
    priority: Option<Priority>,
    content: &'a [u8],
    padding: &'a [u8],
    word: (bool, u32),
    code: u32,
}

/// The payload by type, or what is wrong with it (RFC 9113 section 6's length rules).
pub(super) fn strict<'a>(frame: &Frame<'a>) -> Result<Payload<'a>, Error> {
    let kind = frame.kind();
    if kind == FrameType::Continuation {
        // No PADDED flag is defined on CONTINUATION: the whole payload is the fragment.
        return Ok(Payload::Continuation { fragment: frame.payload_bytes() });
    }
    let mut parts = Parts::default();
    let unread = read(frame, &mut |_, part| match part {
        Part::PadLength(pad) => parts.padded = pad.is_some(),
        Part::Dependency { exclusive, dependency } => parts.dependency = Some((exclusive, dependency)),
        Part::Weight(weight) => {
            parts.priority =
                parts.dependency.map(|(exclusive, dependency)| Priority { exclusive, dependency, weight });
        }
        Part::Data(bytes)
        | Part::Fragment(bytes)
        | Part::Opaque(bytes)
        | Part::Debug(bytes)
        | Part::Unknown(bytes) => {
            parts.content = bytes;
        }
        Part::Padding(bytes) => parts.padding = bytes,
        Part::Reserved31 { reserved, value } => parts.word = (reserved, value),
        Part::ErrorCode(code) => parts.code = code,
        Part::Setting | Part::SettingId(_) | Part::SettingValue { .. } => {}
    })
    .map_err(|error| match error {
        Error::Truncated { needed } => {
            Error::Malformed(format!("{kind} payload {needed} bytes short").into())
        }
        other => other,
    })?;
    if unread != 0 {
        return Err(Error::Malformed(format!("{kind} payload {unread} bytes too long").into()));
    }
    let padding = parts.padded.then_some(parts.padding);
    let (reserved, value) = parts.word;
    Ok(match kind {
        FrameType::Data => Payload::Data { data: parts.content, padding },
        FrameType::Headers => Payload::Headers { priority: parts.priority, fragment: parts.content, padding },
        FrameType::Priority => Payload::Priority(
            parts.priority.ok_or_else(|| Error::Malformed("PRIORITY without a weight".into()))?,
        ),
        FrameType::RstStream => Payload::RstStream { error: parts.code },
        FrameType::Settings => {
            if frame.header.has(flag::ACK) && !frame.payload_bytes().is_empty() {
                return Err(Error::Malformed("SETTINGS acknowledgement with a payload".into()));
            }
            Payload::Settings(Settings(frame.payload_bytes()))
        }
        FrameType::PushPromise => {
            Payload::PushPromise { promised_stream_id: value, reserved, fragment: parts.content, padding }
        }
        FrameType::Ping => Payload::Ping {
            opaque: parts
                .content
                .try_into()
                .map_err(|_| Error::Malformed("PING payload is not 8 bytes".into()))?,
        },
        FrameType::Goaway => {
            Payload::Goaway { last_stream_id: value, reserved, error: parts.code, debug: parts.content }
        }
        FrameType::WindowUpdate => Payload::WindowUpdate { increment: value, reserved },
        FrameType::Continuation => Payload::Continuation { fragment: frame.payload_bytes() },
        FrameType::Unknown(_) => Payload::Unknown(parts.content),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(kind: u8, flags: u8, payload: &[u8]) -> Vec<u8> {
        let length = (payload.len() as u32).to_be_bytes();
        let mut bytes = vec![length[1], length[2], length[3], kind, flags, 0, 0, 0, 1];
        bytes.extend_from_slice(payload);
        bytes
    }

    /// Each part with its range, and how reading ended.
    type Read<'a> = (Vec<(Range<usize>, Part<'a>)>, Result<usize, Error>);

    fn read_all(bytes: &[u8]) -> Read<'_> {
        let (_, frame) = super::super::parse(bytes).expect("a whole frame");
        let mut parts = Vec::new();
        let result = read(&frame, &mut |range, part| parts.push((range, part)));
        (parts, result)
    }

    #[test]
    fn each_part_says_where_it_sits_in_the_frame() {
        // HEADERS, PADDED | PRIORITY: Pad Length 1, dependency, weight, fragment "ab", padding.
        let bytes = frame(1, 0x28, &[1, 0x80, 0, 0, 3, 7, b'a', b'b', 0]);
        let (parts, result) = read_all(&bytes);
        assert_eq!(result, Ok(0));
        assert_eq!(
            parts,
            [
                (9..10, Part::PadLength(Some(1))),
                (10..14, Part::Dependency { exclusive: true, dependency: 3 }),
                (14..15, Part::Weight(7)),
                (15..17, Part::Fragment(b"ab")),
                (17..18, Part::Padding(&[0])),
            ]
        );
    }

    #[test]
    fn reading_stops_at_the_first_part_that_does_not_fit() {
        // PUSH_PROMISE with 2 bytes of padding announced and none left after the stream.
        let bytes = frame(5, 0x08, &[2, 0, 0, 0, 4]);
        let (parts, result) = read_all(&bytes);
        assert_eq!(parts.last(), Some(&(10..14, Part::Reserved31 { reserved: false, value: 4 })));
        assert!(matches!(result, Err(Error::Malformed(_))));
        // A SETTINGS entry cut after its identifier: the entry and the identifier are read.
        let bytes = frame(4, 0, &[0, 1, 0, 0]);
        let (parts, result) = read_all(&bytes);
        assert_eq!(parts, [(9..13, Part::Setting), (9..11, Part::SettingId(1))]);
        assert_eq!(result, Err(Error::Truncated { needed: 2 }));
    }

    #[test]
    fn strict_adds_the_rules_tshark_does_not_apply() {
        fn both(bytes: &[u8]) -> (Result<usize, Error>, Result<Payload<'_>, bool>) {
            let (_, frame) = super::super::parse(bytes).expect("a whole frame");
            let strict = frame.payload().map_err(|error| matches!(error, Error::Malformed(_)));
            (read(&frame, &mut |_, _| {}), strict)
        }
        // A PRIORITY of 6 bytes: tshark reads 5 and leaves one; RFC 9113 wants exactly 5.
        assert_eq!(both(&frame(2, 0, &[0, 0, 0, 3, 15, 0])), (Ok(1), Err(true)));
        // A SETTINGS acknowledgement with a parameter.
        assert_eq!(both(&frame(4, 0x01, &[0, 1, 0, 0, 0x10, 0])), (Ok(0), Err(true)));
        // CONTINUATION with the PADDED bit: tshark strips padding, the HPACK fragment is all of it.
        let continuation = frame(9, 0x08, &[1, 0x82, 0]);
        assert_eq!(both(&continuation), (Ok(0), Ok(Payload::Continuation { fragment: &[1, 0x82, 0] })));
        // A short PING is malformed both ways; an exact one is read.
        assert!(matches!(both(&frame(6, 0, &[1; 7])), (Err(Error::Truncated { needed: 1 }), Err(true))));
        let ping = frame(6, 0, &[1; 8]);
        assert_eq!(both(&ping), (Ok(0), Ok(Payload::Ping { opaque: [1; 8] })));
    }
}
