//! HTTP/2 frames (RFC 9113), read one at a time from a stream's in-order bytes.
//!
//! ```text
//! RFC 9113 section 4.1:
//! HTTP Frame {
//!   Length (24), Type (8), Flags (8),
//!   Reserved (1), Stream Identifier (31),
//!   Frame Payload (..),
//! }
//! ```
//! [`parse`] is a streaming parser: `Truncated` says how many more bytes the frame needs. A
//! length above the default SETTINGS_MAX_FRAME_SIZE (16384) still parses, since a peer may
//! have raised it; [`FrameHeader::exceeds_default_max`] tells. A caller that does not want to
//! buffer a large DATA frame reads its header with [`parse_header`] and skips the payload.
//! A frame whose payload contradicts its type (a short PING, padding longer than the payload)
//! still has a known length, so the frames after it are read: [`Frame::payload`] says what
//! is wrong with it. A payload has one reader, `payload` (nom parsers), that serves both
//! [`Frame::payload`] and the fields. Header blocks are decoded by a per-direction
//! [`HeaderDecoder`] that the caller feeds; fields and the Info column follow tshark 4.0 (see
//! `fields`).

mod fields;
pub mod hpack;
pub mod name;
mod payload;

use std::fmt;

use super::error::{Error, IResult, be32, take_bytes};
use super::field::Emitter;
pub use hpack::{DecodeError, Entry, HeaderBlock, HeaderDecoder, Representation};

/// The client connection preface (RFC 9113 section 3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
pub const FRAME_HEADER_LEN: usize = 9;
/// SETTINGS_MAX_FRAME_SIZE until a peer raises it.
pub const DEFAULT_MAX_FRAME_SIZE: u32 = 16_384;
/// The largest length the 24-bit field can carry.
pub const MAX_FRAME_SIZE: u32 = (1 << 24) - 1;

mod field {
    use std::ops::Range;
    pub const LENGTH: Range<usize> = 0..3;
    pub const TYPE: Range<usize> = 3..4;
    pub const FLAGS: Range<usize> = 4..5;
    pub const STREAM_ID: Range<usize> = 5..9;
}

/// Flag bits (RFC 9113 section 6).
pub mod flag {
    pub const END_STREAM: u8 = 0x01;
    /// SETTINGS and PING acknowledgements.
    pub const ACK: u8 = 0x01;
    pub const END_HEADERS: u8 = 0x04;
    pub const PADDED: u8 = 0x08;
    pub const PRIORITY: u8 = 0x20;
}

/// Frame types; unknown ones are kept by number (RFC 9113 section 5.5 says to ignore them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameType {
    Data,
    Headers,
    Priority,
    RstStream,
    Settings,
    PushPromise,
    Ping,
    Goaway,
    WindowUpdate,
    Continuation,
    Unknown(u8),
}

impl From<u8> for FrameType {
    fn from(value: u8) -> Self {
        match value {
            0 => Self::Data,
            1 => Self::Headers,
            2 => Self::Priority,
            3 => Self::RstStream,
            4 => Self::Settings,
            5 => Self::PushPromise,
            6 => Self::Ping,
            7 => Self::Goaway,
            8 => Self::WindowUpdate,
            9 => Self::Continuation,
            other => Self::Unknown(other),
        }
    }
}

impl From<FrameType> for u8 {
    fn from(kind: FrameType) -> Self {
        match kind {
            FrameType::Data => 0,
            FrameType::Headers => 1,
            FrameType::Priority => 2,
            FrameType::RstStream => 3,
            FrameType::Settings => 4,
            FrameType::PushPromise => 5,
            FrameType::Ping => 6,
            FrameType::Goaway => 7,
            FrameType::WindowUpdate => 8,
            FrameType::Continuation => 9,
            FrameType::Unknown(other) => other,
        }
    }
}

impl fmt::Display for FrameType {
    /// The name tshark's Info column gives the type.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Data => "DATA",
            Self::Headers => "HEADERS",
            Self::Priority => "PRIORITY",
            Self::RstStream => "RST_STREAM",
            Self::Settings => "SETTINGS",
            Self::PushPromise => "PUSH_PROMISE",
            Self::Ping => "PING",
            Self::Goaway => "GOAWAY",
            Self::WindowUpdate => "WINDOW_UPDATE",
            Self::Continuation => "CONTINUATION",
            Self::Unknown(other) => return write!(f, "Unknown type ({other})"),
        })
    }
}

/// Reads the client preface at the start of `input`: `Truncated` while what is there could
/// still be it, `NotThisProtocol` as soon as it cannot.
pub fn parse_preface(input: &[u8]) -> IResult<'_, &[u8]> {
    let len = input.len().min(PREFACE.len());
    if input[..len] != PREFACE[..len] {
        return Err(nom::Err::Error(Error::NotThisProtocol));
    }
    take_bytes(PREFACE.len())(input)
}

/// A frame's nine-byte header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    pub length: u32,
    pub kind: FrameType,
    pub flags: u8,
    pub stream_id: u32,
    /// The reserved bit before the stream identifier (RFC 9113: must be ignored).
    pub reserved: bool,
}

impl FrameHeader {
    /// The frame's whole length, header included.
    pub fn frame_len(&self) -> usize {
        FRAME_HEADER_LEN + self.length as usize
    }

    /// Whether the length passes SETTINGS_MAX_FRAME_SIZE's default: fine if the receiver
    /// announced a larger one, a FRAME_SIZE_ERROR if not.
    pub fn exceeds_default_max(&self) -> bool {
        self.length > DEFAULT_MAX_FRAME_SIZE
    }

    pub fn has(&self, bits: u8) -> bool {
        self.flags & bits == bits
    }
}

/// Reads a frame header.
pub fn parse_header(input: &[u8]) -> IResult<'_, FrameHeader> {
    let (rest, bytes) = take_bytes(FRAME_HEADER_LEN)(input)?;
    let length = u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]);
    let word = be32(bytes, field::STREAM_ID.start);
    let header = FrameHeader {
        length,
        kind: FrameType::from(bytes[field::TYPE.start]),
        flags: bytes[field::FLAGS.start],
        stream_id: word & 0x7fff_ffff,
        reserved: word & 0x8000_0000 != 0,
    };
    Ok((rest, header))
}

/// Reads one whole frame; `Truncated` says how many bytes it still lacks.
pub fn parse(input: &[u8]) -> IResult<'_, Frame<'_>> {
    let (_, header) = parse_header(input)?;
    let (rest, bytes) = take_bytes(header.frame_len())(input)?;
    Ok((rest, Frame { header, bytes }))
}

/// What a frame that ends its stream shows as the stream's body (`http2.data.data`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body<'b> {
    /// The frame's own data: a DATA frame that holds the whole body (tshark shows the rest of
    /// the frame, padding included), or a stream with no body.
    Own,
    /// The data of the stream's DATA frames, joined, when there were several.
    Whole(&'b [u8]),
    /// The body with its content-encoding undone (or tried), which the caller emits.
    Elsewhere,
}

/// One frame, borrowed from the stream's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    pub header: FrameHeader,
    /// Header and payload.
    bytes: &'a [u8],
}

/// Stream priority, in HEADERS and PRIORITY frames (RFC 9113 section 5.3.2, deprecated but
/// still sent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Priority {
    pub exclusive: bool,
    pub dependency: u32,
    /// The weight field; the weight is one more.
    pub weight: u8,
}

/// A frame's payload, by type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload<'a> {
    Data { data: &'a [u8], padding: Option<&'a [u8]> },
    Headers { priority: Option<Priority>, fragment: &'a [u8], padding: Option<&'a [u8]> },
    Priority(Priority),
    RstStream { error: u32 },
    Settings(Settings<'a>),
    PushPromise { promised_stream_id: u32, reserved: bool, fragment: &'a [u8], padding: Option<&'a [u8]> },
    Ping { opaque: [u8; 8] },
    Goaway { last_stream_id: u32, reserved: bool, error: u32, debug: &'a [u8] },
    WindowUpdate { increment: u32, reserved: bool },
    Continuation { fragment: &'a [u8] },
    Unknown(&'a [u8]),
}

/// The parameters of a SETTINGS frame, six bytes each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings<'a>(&'a [u8]);

impl<'a> Settings<'a> {
    /// Each (identifier, value), in order.
    pub fn iter(&self) -> impl Iterator<Item = (u16, u32)> + 'a {
        self.0.chunks_exact(6).map(|entry| (u16::from_be_bytes([entry[0], entry[1]]), be32(entry, 2)))
    }
}

/// The name of a settings identifier (RFC 9113 section 6.5.2, RFC 8441, RFC 9218).
pub fn setting_name(id: u16) -> Option<&'static str> {
    Some(match id {
        1 => "SETTINGS_HEADER_TABLE_SIZE",
        2 => "SETTINGS_ENABLE_PUSH",
        3 => "SETTINGS_MAX_CONCURRENT_STREAMS",
        4 => "SETTINGS_INITIAL_WINDOW_SIZE",
        5 => "SETTINGS_MAX_FRAME_SIZE",
        6 => "SETTINGS_MAX_HEADER_LIST_SIZE",
        8 => "SETTINGS_ENABLE_CONNECT_PROTOCOL",
        9 => "SETTINGS_NO_RFC7540_PRIORITIES",
        _ => return None,
    })
}

/// The name of an error code (RFC 9113 section 7).
pub fn error_name(code: u32) -> Option<&'static str> {
    const NAMES: [&str; 14] = [
        "NO_ERROR",
        "PROTOCOL_ERROR",
        "INTERNAL_ERROR",
        "FLOW_CONTROL_ERROR",
        "SETTINGS_TIMEOUT",
        "STREAM_CLOSED",
        "FRAME_SIZE_ERROR",
        "REFUSED_STREAM",
        "CANCEL",
        "COMPRESSION_ERROR",
        "CONNECT_ERROR",
        "ENHANCE_YOUR_CALM",
        "INADEQUATE_SECURITY",
        "HTTP_1_1_REQUIRED",
    ];
    NAMES.get(code as usize).copied()
}

impl<'a> Frame<'a> {
    /// Header and payload.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    pub fn kind(&self) -> FrameType {
        self.header.kind
    }

    pub fn stream_id(&self) -> u32 {
        self.header.stream_id
    }

    /// The payload as it travels, padding and all.
    pub fn payload_bytes(&self) -> &'a [u8] {
        &self.bytes[FRAME_HEADER_LEN..]
    }

    pub fn ends_stream(&self) -> bool {
        matches!(self.kind(), FrameType::Data | FrameType::Headers) && self.header.has(flag::END_STREAM)
    }

    pub fn ends_headers(&self) -> bool {
        matches!(self.kind(), FrameType::Headers | FrameType::PushPromise | FrameType::Continuation)
            && self.header.has(flag::END_HEADERS)
    }

    /// The payload read by type, or what is wrong with it (RFC 9113 section 6's length rules).
    pub fn payload(&self) -> Result<Payload<'a>, Error> {
        payload::strict(self)
    }

    /// The header block fragment a HEADERS, PUSH_PROMISE or CONTINUATION frame carries, for
    /// the direction's [`HeaderDecoder`]; `None` for other frames or a malformed payload.
    pub fn header_block_fragment(&self) -> Option<&'a [u8]> {
        match self.payload().ok()? {
            Payload::Headers { fragment, .. }
            | Payload::PushPromise { fragment, .. }
            | Payload::Continuation { fragment } => Some(fragment),
            _ => None,
        }
    }

    /// Emits the frame's fields in tshark's tree order. `headers` is what the direction's
    /// decoder made of this frame's header block fragment. `body` matters only on a frame
    /// with END_STREAM: tshark shows the stream's whole body there as `http2.data.data` (on a
    /// DATA frame, in place of the frame's own data); see [`Body`].
    pub fn fields(&self, out: &mut Emitter<'_>, headers: Option<&HeaderBlock>, body: Body<'_>) {
        fields::frame_fields(self, out, headers, body);
    }

    /// The data of a DATA frame without its padding; empty for other frames or when the
    /// padding does not fit.
    pub fn data(&self) -> &'a [u8] {
        match self.payload() {
            Ok(Payload::Data { data, .. }) => data,
            _ => &[],
        }
    }

    /// The frame's entry in the Info column: `HEADERS[1]: GET /index.html`, `DATA[1]`,
    /// `SETTINGS[0]`, with `[Malformed Packet]` where tshark gives up on the frame. tshark
    /// joins a segment's frames with `, ` (after `Magic` for the preface), and appends the
    /// body's media type (see [`super::http1::write_body_suffix`]) after the frame that ends
    /// a stream whose body was not empty.
    pub fn summary(&self, out: &mut dyn fmt::Write, headers: Option<&HeaderBlock>) -> fmt::Result {
        fields::summary(self, out, headers)
    }
}

/// Emits the client preface's fields (`http2.stream`, `http2.magic`).
pub fn preface_fields(out: &mut Emitter<'_>) {
    fields::preface_fields(out);
}

/// The preface's entry in the Info column.
pub const PREFACE_SUMMARY: &str = "Magic";

#[cfg(test)]
mod tests;
