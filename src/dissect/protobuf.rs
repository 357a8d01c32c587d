//! Protocol Buffers' wire format without a schema, as tshark 4.0 shows a gRPC message it has no
//! `.proto` for: each field's number, wire type and value (a varint or a fixed 32- or 64-bit
//! number as an unsigned integer, a length-delimited value as its bytes), and, for the summary
//! line only, a length-delimited value read as a nested message where its bytes parse as one.
//!
//! Invariants: nothing is copied, a [`Message`] borrows the bytes it reads; a length prefix
//! bounds its value (a value announced past the message's end is a malformed field, and the
//! fields before it stay); nested messages are read at most [`MAX_DEPTH`] deep, past which a
//! value says it was not decoded and why. tshark emits no field for nested messages, so neither
//! does this: they appear in the summary.

use std::fmt;

use super::field::{Emitter, Span, Value};
use super::layer::{LayerHeader, Tracked};
use crate::osi::Protocol;

/// How deep nested messages are read for the summary.
pub const MAX_DEPTH: usize = 8;

/// The longest varint: 10 bytes carry 64 bits.
const MAX_VARINT: usize = 10;

/// The wire types of the Protocol Buffers encoding guide ("Message Structure").
pub mod wire_type {
    pub const VARINT: u8 = 0;
    pub const I64: u8 = 1;
    pub const LEN: u8 = 2;
    pub const I32: u8 = 5;
}

/// A varint from the start of `input`: its value and length, `None` when it does not end
/// within `input` or within ten bytes.
pub fn varint(input: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (index, &byte) in input.iter().take(MAX_VARINT).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            return Some((value, index + 1));
        }
    }
    None
}

/// One field as the wire has it:
///
/// ```text
/// field  := tag value
/// tag    := varint (field_number << 3 | wire_type)
/// value  := varint                  wire type 0
///         | 8 bytes, little-endian  wire type 1
///         | len:varint len bytes    wire type 2
///         | 4 bytes, little-endian  wire type 5
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field<'a> {
    pub number: u64,
    pub wire_type: u8,
    /// Where the field starts in its message.
    pub offset: usize,
    pub tag_len: usize,
    /// The length prefix's own length (wire type 2 only).
    pub len_len: usize,
    /// The number a varint or fixed value holds; a length-delimited value's length.
    pub number_value: u64,
    /// The value's bytes (after the length prefix, for wire type 2).
    pub value: &'a [u8],
}

impl Field<'_> {
    /// Where the value's bytes start in the message.
    pub fn value_offset(&self) -> usize {
        self.offset + self.tag_len + self.len_len
    }
}

/// Why a field could not be read; the fields before it stay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The tag is not a varint that ends within the message.
    Tag,
    /// A wire type this reader does not know (the deprecated groups 3 and 4, or 6 and 7).
    WireType { number: u64, wire_type: u8, tag_len: usize },
    /// The value runs past the message's end.
    Value { number: u64, wire_type: u8, tag_len: usize },
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tag => f.write_str("a field's tag is not a varint that ends within the message"),
            Self::WireType { number, wire_type, .. } => {
                write!(f, "field {number} has wire type {wire_type}, which is not read")
            }
            Self::Value { number, .. } => write!(f, "field {number}'s value runs past the message's end"),
        }
    }
}

/// Reads the fields of a message one by one; after a [`Stop`] it yields nothing more.
pub struct Fields<'a> {
    input: &'a [u8],
    at: usize,
    stopped: bool,
}

/// The fields of `message`, in wire order.
pub fn fields(message: &[u8]) -> Fields<'_> {
    Fields { input: message, at: 0, stopped: false }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<Field<'a>, Stop>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.stopped || self.at >= self.input.len() {
            return None;
        }
        let result = read_field(self.input, self.at);
        match &result {
            Ok(field) => self.at = field.value_offset() + field.value.len(),
            Err(_) => self.stopped = true,
        }
        Some(result)
    }
}

fn read_field(input: &[u8], offset: usize) -> Result<Field<'_>, Stop> {
    let rest = input.get(offset..).unwrap_or(&[]);
    let (tag, tag_len) = varint(rest).ok_or(Stop::Tag)?;
    let (number, wire_type) = (tag >> 3, (tag & 7) as u8);
    let after = &rest[tag_len..];
    let short = Stop::Value { number, wire_type, tag_len };
    let (len_len, number_value, value) = match wire_type {
        wire_type::VARINT => {
            let (value, len) = varint(after).ok_or(short)?;
            (0, value, &after[..len])
        }
        wire_type::I64 => {
            let bytes: [u8; 8] = after.get(..8).and_then(|b| b.try_into().ok()).ok_or(short)?;
            (0, u64::from_le_bytes(bytes), &after[..8])
        }
        wire_type::I32 => {
            let bytes: [u8; 4] = after.get(..4).and_then(|b| b.try_into().ok()).ok_or(short)?;
            (0, u64::from(u32::from_le_bytes(bytes)), &after[..4])
        }
        wire_type::LEN => {
            let (len, len_len) = varint(after).ok_or(short)?;
            let end = usize::try_from(len).ok().and_then(|len| len.checked_add(len_len)).ok_or(short)?;
            (len_len, len, after.get(len_len..end).ok_or(short)?)
        }
        _ => return Err(Stop::WireType { number, wire_type, tag_len }),
    };
    Ok(Field { number, wire_type, offset, tag_len, len_len, number_value, value })
}

/// Whether `bytes` read whole as a message: every field well formed up to the last byte.
pub fn is_message(bytes: &[u8]) -> bool {
    !bytes.is_empty() && fields(bytes).all(|field| field.is_ok())
}

/// One gRPC message's body read as Protocol Buffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    pub span: Span<'a>,
}

/// What tshark 4.0 calls a message and a field it has no schema for.
const UNKNOWN_MESSAGE: &str = "<UNKNOWN> Message Type";
const UNKNOWN_FIELD: &str = "<UNKNOWN>";

impl Message<'_> {
    /// Its fields, by tshark 4.0's names and in its tree's order: a field's name, number, wire
    /// type, a length-delimited value's length, the value's bytes, and a number as `uint32`
    /// (up to 2^32-1) or `uint64`. Fields stop at the first that cannot be read, a field of a
    /// wire type not read given by its number and wire type only.
    pub fn fields(&self, out: &mut Emitter<'_>) {
        let bytes = self.span.bytes;
        out.at(name::MESSAGE_NAME, 0..bytes.len(), Value::Str(UNKNOWN_MESSAGE));
        let mut next = 0;
        for field in fields(bytes) {
            let field = match field {
                Ok(field) => field,
                // tshark shows a field of a wire type it cannot read by its tag, then stops.
                Err(Stop::WireType { number, wire_type, tag_len }) => {
                    out.computed(name::FIELD_NAME, Value::Str(UNKNOWN_FIELD));
                    out.at(name::FIELD_NUMBER, next..next + tag_len, Value::Uint(number));
                    out.at(name::WIRE_TYPE, next..next + 1, Value::Uint(wire_type.into()));
                    break;
                }
                Err(_) => break,
            };
            next = field.value_offset() + field.value.len();
            let start = field.offset;
            let tag = start..start + field.tag_len;
            out.computed(name::FIELD_NAME, Value::Str(UNKNOWN_FIELD));
            out.at(name::FIELD_NUMBER, tag.clone(), Value::Uint(field.number));
            out.at(name::WIRE_TYPE, start..start + 1, Value::Uint(field.wire_type.into()));
            let value_at = field.value_offset();
            if field.wire_type == wire_type::LEN {
                out.at(name::VALUE_LENGTH, tag.end..value_at, Value::Uint(field.number_value));
            }
            let value = value_at..value_at + field.value.len();
            out.at(name::VALUE, value.clone(), Value::Bytes(field.value));
            if field.wire_type != wire_type::LEN {
                let number =
                    if field.number_value <= u64::from(u32::MAX) { name::UINT32 } else { name::UINT64 };
                out.at(number, value, Value::Uint(field.number_value));
            }
        }
    }

    /// One line: each field as `number=value`, a nested message in braces.
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        out.write_str("Protocol Buffers: ")?;
        write_message(out, self.span.bytes, 0)
    }
}

/// Writes a message's fields as `1=7 2="text" 3={1=2}`, nested messages at most
/// [`MAX_DEPTH`] deep; a field that cannot be read ends the line with why.
fn write_message(out: &mut dyn fmt::Write, bytes: &[u8], depth: usize) -> fmt::Result {
    let mut first = true;
    for field in fields(bytes) {
        if !first {
            out.write_char(' ')?;
        }
        first = false;
        let field = match field {
            Ok(field) => field,
            Err(stop) => return write!(out, "[undecoded: {stop}]"),
        };
        write!(out, "{}=", field.number)?;
        match field.wire_type {
            wire_type::LEN if is_message(field.value) && depth + 1 >= MAX_DEPTH => {
                write!(out, "{{[undecoded: nested past depth {MAX_DEPTH}]}}")?
            }
            wire_type::LEN if is_message(field.value) => {
                out.write_char('{')?;
                write_message(out, field.value, depth + 1)?;
                out.write_char('}')?;
            }
            wire_type::LEN => match std::str::from_utf8(field.value) {
                Ok(text) if !text.chars().any(char::is_control) => write!(out, "{text:?}")?,
                _ => {
                    for byte in field.value {
                        write!(out, "{byte:02x}")?;
                    }
                }
            },
            wire_type::VARINT => write!(out, "{}", field.number_value)?,
            _ => write!(out, "0x{:x}", field.number_value)?,
        }
    }
    Ok(())
}

impl LayerHeader for Message<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Protobuf
    }

    fn header_len(&self) -> usize {
        self.span.bytes.len()
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Message::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Message::summary(self, out)
    }
}

pub mod name {
    //! The fields of Protocol Buffers, by tshark 4.0's names.

    crate::registry::field_table! {
        protocol Protobuf;
        MESSAGE_NAME "protobuf.message.name" Text "message type (<UNKNOWN> without a schema)";
        FIELD_NAME "protobuf.field.name" Text "field name (<UNKNOWN> without a schema)";
        FIELD_NUMBER "protobuf.field.number" Uint "field number";
        WIRE_TYPE "protobuf.field.wiretype" Uint "wire type (0 varint, 1 64-bit, 2 length-delimited, 5 32-bit)";
        VALUE_LENGTH "protobuf.field.value.length" Uint "length of a length-delimited value";
        VALUE "protobuf.field.value" Bytes "the value's bytes";
        UINT32 "protobuf.field.value.uint32" Uint "a number up to 2^32-1";
        UINT64 "protobuf.field.value.uint64" Uint "a number over 2^32-1";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A message of every wire type (grpc_peer.py's): 1 varint 7, 2 "hello", 3 nested
    /// {1 varint 307, 2 "inner"}, 4 fixed64 1.5, 5 fixed32 0xdeadbeef.
    const MESSAGE: &[u8] = &[
        0x08, 0x07, // field 1, varint: 7
        0x12, 0x05, b'h', b'e', b'l', b'l', b'o', // field 2, length 5
        0x1a, 0x0a, 0x08, 0xb3, 0x02, 0x12, 0x05, b'i', b'n', b'n', b'e', b'r', // field 3, length 10
        0x21, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, // field 4, fixed64
        0x2d, 0xef, 0xbe, 0xad, 0xde, // field 5, fixed32
    ];

    #[test]
    fn every_wire_type_is_read() {
        let read: Vec<_> = fields(MESSAGE).map(|field| field.expect("well formed")).collect();
        let numbers: Vec<_> = read.iter().map(|f| (f.number, f.wire_type, f.number_value)).collect();
        assert_eq!(
            numbers,
            [(1, 0, 7), (2, 2, 5), (3, 2, 10), (4, 1, 0x3ff8_0000_0000_0000), (5, 5, 0xdead_beef)]
        );
        assert_eq!(read[1].value, b"hello");
        assert_eq!(read[2].value_offset(), 11);
    }

    #[test]
    fn the_summary_reads_nested_messages() {
        let mut line = String::new();
        let message = Message { span: Span::new(MESSAGE, Default::default(), 0) };
        message.summary(&mut line).expect("a string");
        assert_eq!(
            line,
            "Protocol Buffers: 1=7 2=\"hello\" 3={1=307 2=\"inner\"} 4=0x3ff8000000000000 5=0xdeadbeef"
        );
    }

    #[test]
    fn nesting_past_the_depth_is_undecoded_with_its_reason() {
        // Field 1 holding field 1 holding ... twenty deep, then a varint.
        let mut bytes = vec![0x08, 0x01];
        for _ in 0..20 {
            let mut outer = vec![0x0a, bytes.len() as u8];
            outer.extend_from_slice(&bytes);
            bytes = outer;
        }
        let mut line = String::new();
        write_message(&mut line, &bytes, 0).expect("a string");
        assert_eq!(line.matches('{').count(), MAX_DEPTH, "{line}");
        assert!(line.contains("[undecoded: nested past depth 8]"), "{line}");
    }

    #[test]
    fn every_truncation_keeps_the_fields_before_it() {
        for cut in 0..MESSAGE.len() {
            let read: Vec<_> = fields(&MESSAGE[..cut]).collect();
            let whole = read.iter().take_while(|field| field.is_ok()).count();
            // The fields that end at or before the cut are read; at most one error follows.
            let ends = [2, 9, 21, 30, 35];
            assert_eq!(whole, ends.iter().filter(|end| **end <= cut).count(), "cut at {cut}");
            assert!(read.len() <= whole + 1);
        }
    }

    #[test]
    fn a_length_past_the_end_or_an_unknown_wire_type_stops_with_a_reason() {
        // Field 2 announcing 2^63 bytes.
        let huge = [0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
        let read: Vec<_> = fields(&huge).collect();
        assert_eq!(read, [Err(Stop::Value { number: 2, wire_type: 2, tag_len: 1 })]);
        // A start-group (wire type 3) after a good field.
        let group = [0x08, 0x01, 0x0b];
        let read: Vec<_> = fields(&group).collect();
        assert!(read[0].is_ok());
        assert_eq!(read[1], Err(Stop::WireType { number: 1, wire_type: 3, tag_len: 1 }));
        assert!(!is_message(&group));
        // A tag that never ends.
        assert_eq!(fields(&[0xff; 12]).next(), Some(Err(Stop::Tag)));
    }
}
