//! HTTP/2 fields and Info text as tshark 4.0 shows them.
//!
//! What tshark does that the RFC would not suggest, and rttscope repeats:
//! - every DATA, HEADERS, PUSH_PROMISE and CONTINUATION frame has `http2.pad_length`, 0 and
//!   zero bytes wide when PADDED is not set; with PADDED, `http2.padding` (the same octet, in
//!   hex) comes first. tshark also reads PADDED on CONTINUATION frames.
//! - the `unused` flag fields are shifted right past their mask's low zero bits
//!   (`http2.flags.unused_settings` of flags 0xff is `0x7f`), as is the reserved bit `http2.r`.
//! - a frame tshark cannot read to the end shows the fields it could read, and the Info column
//!   gets `[Malformed Packet]` right after the frame's entry; the frames after it are read.
//! - decoded header fields (`http2.header.*`) sit on the frame whose fragment completed them;
//!   `http2.header.count` counts table size updates too, `http2.header.length` counts name,
//!   value and 8 bytes per field.
//! - CONTINUATION shows its fragment as text (`http2.continuation.header`).

use std::fmt;
use std::ops::Range;

use super::hpack::{Entry, HeaderBlock};
use super::{FRAME_HEADER_LEN, Frame, FrameType, field, flag};
use crate::dissect::field::{Emitter, Field, Value};
use crate::dissect::http1::{self, AsciiText, PercentDecoded, PseudoUri, http2_header_field, write_status};

/// The preface's fields.
pub(super) fn preface_fields(out: &mut Emitter<'_>) {
    let range = 0..super::PREFACE.len();
    out.at(super::name::STREAM, range.clone(), Value::Present);
    out.at(super::name::MAGIC, range, Value::Lazy(&AsciiText(super::PREFACE)));
}

/// The flag bits tshark shows for a type: the mask of its `unused` field, and each named bit.
fn flag_fields(kind: FrameType) -> (&'static str, u8, &'static [(&'static str, u8)]) {
    const PADDED: (&str, u8) = (super::name::FLAGS_PADDED, flag::PADDED);
    const END_HEADERS: (&str, u8) = (super::name::FLAGS_EH, flag::END_HEADERS);
    const END_STREAM: (&str, u8) = (super::name::FLAGS_END_STREAM, flag::END_STREAM);
    match kind {
        FrameType::Data => (super::name::FLAGS_UNUSED_DATA, 0xf6, &[PADDED, END_STREAM]),
        FrameType::Headers => (
            super::name::FLAGS_UNUSED_HEADERS,
            0xd2,
            &[(super::name::FLAGS_PRIORITY, flag::PRIORITY), PADDED, END_HEADERS, END_STREAM],
        ),
        FrameType::Settings => {
            (super::name::FLAGS_UNUSED_SETTINGS, 0xfe, &[(super::name::FLAGS_ACK_SETTINGS, flag::ACK)])
        }
        FrameType::PushPromise => (super::name::FLAGS_UNUSED_PUSH_PROMISE, 0xf3, &[PADDED, END_HEADERS]),
        FrameType::Ping => {
            (super::name::FLAGS_UNUSED_PING, 0xfe, &[(super::name::FLAGS_ACK_PING, flag::ACK)])
        }
        FrameType::Continuation => (super::name::FLAGS_UNUSED_CONTINUATION, 0xfb, &[PADDED, END_HEADERS]),
        _ => (super::name::FLAGS_UNUSED, 0xff, &[]),
    }
}

/// Reads a payload front to back as tshark does; running out is tshark's "malformed".
struct Cursor<'a> {
    payload: &'a [u8],
    at: usize,
}

/// tshark stopped reading the frame here.
struct Malformed;

impl<'a> Cursor<'a> {
    fn remaining(&self) -> usize {
        self.payload.len() - self.at
    }

    /// Takes `len` bytes; returns their range within the frame and the bytes.
    fn take(&mut self, len: usize) -> Result<(Range<usize>, &'a [u8]), Malformed> {
        let bytes = self.payload.get(self.at..self.at.checked_add(len).ok_or(Malformed)?).ok_or(Malformed)?;
        let start = FRAME_HEADER_LEN + self.at;
        self.at += len;
        Ok((start..start + len, bytes))
    }

    fn word(&mut self) -> Result<(Range<usize>, u32), Malformed> {
        let (range, bytes) = self.take(4)?;
        Ok((range, u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])))
    }

    /// Where the cursor is, as a zero-width range in the frame.
    fn here(&self) -> Range<usize> {
        FRAME_HEADER_LEN + self.at..FRAME_HEADER_LEN + self.at
    }
}

/// Emits a frame's fields; returns whether tshark would call it malformed.
pub(super) fn frame_fields(
    frame: &Frame<'_>,
    out: &mut Emitter<'_>,
    headers: Option<&HeaderBlock>,
    body: Option<&[u8]>,
) -> bool {
    let header = frame.header;
    out.at(super::name::STREAM, 0..frame.bytes.len(), Value::Present);
    out.at(super::name::LENGTH, field::LENGTH, Value::Uint(header.length.into()));
    out.at(super::name::TYPE, field::TYPE, Value::Uint(u8::from(header.kind).into()));
    out.at(super::name::FLAGS, field::FLAGS, Value::hex8(header.flags));
    let (unused_name, unused_mask, bits) = flag_fields(header.kind);
    let unused = (header.flags & unused_mask) >> unused_mask.trailing_zeros();
    out.at(unused_name, field::FLAGS, Value::hex8(unused));
    for &(name, bit) in bits {
        out.at(name, field::FLAGS, Value::Bool(header.flags & bit != 0));
    }
    out.at(super::name::R, field::STREAM_ID, Value::hex32(header.reserved.into()));
    out.at(super::name::STREAMID, field::STREAM_ID, Value::Uint(header.stream_id.into()));
    let mut cursor = Cursor { payload: frame.payload_bytes(), at: 0 };
    payload_fields(frame, &mut cursor, out, headers, body).is_err()
}

/// Whether tshark would call the frame malformed.
pub(super) fn is_malformed(frame: &Frame<'_>) -> bool {
    let mut ignore = |_: Field<'_>| {};
    frame_fields(frame, &mut Emitter::new(&mut ignore, 0, Default::default()), None, None)
}

fn payload_fields(
    frame: &Frame<'_>,
    cursor: &mut Cursor<'_>,
    out: &mut Emitter<'_>,
    headers: Option<&HeaderBlock>,
    body: Option<&[u8]>,
) -> Result<(), Malformed> {
    let flags = frame.header.flags;
    let ends_stream = flags & flag::END_STREAM != 0;
    match frame.kind() {
        FrameType::Data => {
            let padding = padding_fields(cursor, out, flags)?;
            let data_len = cursor.remaining().checked_sub(padding).ok_or(Malformed)?;
            let own_data = cursor.here().start..cursor.here().start + cursor.remaining();
            let (range, data) = cursor.take(data_len)?;
            match (ends_stream, body) {
                // The stream's body, reassembled from several frames.
                (true, Some(body)) => out.at(super::name::DATA_DATA, range, Value::Bytes(body)),
                // A body in one frame: tshark shows the rest of the frame, padding included.
                (true, None) => {
                    let rest = &frame.bytes[own_data.clone()];
                    if !rest.is_empty() {
                        out.at(super::name::DATA_DATA, own_data, Value::Bytes(rest));
                    }
                }
                (false, _) if !data.is_empty() => out.at(super::name::DATA_DATA, range, Value::Bytes(data)),
                (false, _) => {}
            }
            trailing_padding(cursor, out, super::name::DATA_PADDING, padding)
        }
        FrameType::Headers => {
            if let (true, Some(body)) = (ends_stream, body) {
                out.computed(super::name::DATA_DATA, Value::Bytes(body));
            }
            let padding = padding_fields(cursor, out, flags)?;
            if flags & flag::PRIORITY != 0 {
                priority_fields(cursor, out)?;
            }
            let fragment_len = cursor.remaining().checked_sub(padding).ok_or(Malformed)?;
            let (range, fragment) = cursor.take(fragment_len)?;
            if !fragment.is_empty() {
                out.at(super::name::HEADERS, range.clone(), Value::Bytes(fragment));
            }
            decoded_fields(out, headers, range.start);
            trailing_padding(cursor, out, super::name::HEADERS_PADDING, padding)
        }
        FrameType::Priority => priority_fields(cursor, out),
        FrameType::RstStream => {
            let (range, error) = cursor.word()?;
            out.at(super::name::RST_STREAM_ERROR, range, Value::Uint(error.into()));
            Ok(())
        }
        FrameType::Settings => {
            while cursor.remaining() > 0 {
                let entry = cursor.here().start..cursor.here().start + 6.min(cursor.remaining());
                out.at(super::name::SETTINGS, entry, Value::Present);
                let (range, id) = cursor.take(2)?;
                let id = u16::from_be_bytes([id[0], id[1]]);
                out.at(super::name::SETTINGS_ID, range, Value::Uint(id.into()));
                let (range, value) = cursor.word()?;
                out.at(setting_field(id), range, Value::Uint(value.into()));
            }
            Ok(())
        }
        FrameType::PushPromise => {
            let padding = padding_fields(cursor, out, flags)?;
            let (range, word) = cursor.word()?;
            out.at(super::name::PUSH_PROMISE_R, range.clone(), Value::hex32(word >> 31));
            out.at(
                super::name::PUSH_PROMISE_PROMISED_STREAM_ID,
                range,
                Value::Uint((word & 0x7fff_ffff).into()),
            );
            let fragment_len = cursor.remaining().checked_sub(padding).ok_or(Malformed)?;
            let (range, fragment) = cursor.take(fragment_len)?;
            if !fragment.is_empty() {
                out.at(super::name::PUSH_PROMISE_HEADER, range.clone(), Value::Bytes(fragment));
            }
            decoded_fields(out, headers, range.start);
            trailing_padding(cursor, out, super::name::PUSH_PROMISE_PADDING, padding)
        }
        FrameType::Ping => {
            let (range, opaque) = cursor.take(8)?;
            let name = if flags & flag::ACK != 0 { super::name::PONG } else { super::name::PING };
            out.at(name, range, Value::Bytes(opaque));
            Ok(())
        }
        FrameType::Goaway => {
            let (range, word) = cursor.word()?;
            out.at(super::name::GOWAY_R, range.clone(), Value::hex32(word >> 31));
            out.at(super::name::GOAWAY_LAST_STREAM_ID, range, Value::Uint((word & 0x7fff_ffff).into()));
            let (range, error) = cursor.word()?;
            out.at(super::name::GOAWAY_ERROR, range, Value::Uint(error.into()));
            let (range, debug) = cursor.take(cursor.remaining())?;
            if !debug.is_empty() {
                out.at(super::name::GOAWAY_ADDATA, range, Value::Bytes(debug));
            }
            Ok(())
        }
        FrameType::WindowUpdate => {
            let (range, word) = cursor.word()?;
            out.at(super::name::WINDOW_UPDATE_R, range.clone(), Value::hex32(word >> 31));
            out.at(
                super::name::WINDOW_UPDATE_WINDOW_SIZE_INCREMENT,
                range,
                Value::Uint((word & 0x7fff_ffff).into()),
            );
            Ok(())
        }
        FrameType::Continuation => {
            let padding = padding_fields(cursor, out, flags)?;
            let fragment_len = cursor.remaining().checked_sub(padding).ok_or(Malformed)?;
            let (range, fragment) = cursor.take(fragment_len)?;
            if !fragment.is_empty() {
                out.at(super::name::CONTINUATION_HEADER, range.clone(), Value::Lazy(&AsciiText(fragment)));
            }
            decoded_fields(out, headers, range.start);
            trailing_padding(cursor, out, super::name::CONTINUATION_PADDING, padding)
        }
        FrameType::Unknown(_) => {
            let (range, bytes) = cursor.take(cursor.remaining())?;
            if !bytes.is_empty() {
                out.at(super::name::UNKNOWN, range, Value::Bytes(bytes));
            }
            Ok(())
        }
    }
}

/// The Pad Length fields; returns the padding's length.
fn padding_fields(cursor: &mut Cursor<'_>, out: &mut Emitter<'_>, flags: u8) -> Result<usize, Malformed> {
    if flags & flag::PADDED == 0 {
        out.at(super::name::PAD_LENGTH, cursor.here(), Value::Uint(0));
        return Ok(0);
    }
    let (range, pad) = cursor.take(1)?;
    out.at(super::name::PADDING, range.clone(), Value::hex8(pad[0]));
    out.at(super::name::PAD_LENGTH, range, Value::Uint(pad[0].into()));
    Ok(usize::from(pad[0]))
}

fn trailing_padding(
    cursor: &mut Cursor<'_>,
    out: &mut Emitter<'_>,
    name: &'static str,
    len: usize,
) -> Result<(), Malformed> {
    let (range, padding) = cursor.take(len)?;
    if !padding.is_empty() {
        out.at(name, range, Value::Bytes(padding));
    }
    Ok(())
}

fn priority_fields(cursor: &mut Cursor<'_>, out: &mut Emitter<'_>) -> Result<(), Malformed> {
    let (range, word) = cursor.word()?;
    out.at(super::name::EXCLUSIVE, range.clone(), Value::Bool(word & 0x8000_0000 != 0));
    out.at(super::name::STREAM_DEPENDENCY, range, Value::Uint((word & 0x7fff_ffff).into()));
    let (range, weight) = cursor.take(1)?;
    out.at(super::name::HEADERS_WEIGHT, range.clone(), Value::Uint(weight[0].into()));
    out.at(super::name::HEADERS_WEIGHT_REAL, range, Value::Uint(u64::from(weight[0]) + 1));
    Ok(())
}

/// The value field of a settings identifier.
fn setting_field(id: u16) -> &'static str {
    match id {
        1 => super::name::SETTINGS_HEADER_TABLE_SIZE,
        2 => super::name::SETTINGS_ENABLE_PUSH,
        3 => super::name::SETTINGS_MAX_CONCURRENT_STREAMS,
        4 => super::name::SETTINGS_INITIAL_WINDOW_SIZE,
        5 => super::name::SETTINGS_MAX_FRAME_SIZE,
        6 => super::name::SETTINGS_MAX_HEADER_LIST_SIZE,
        8 => super::name::SETTINGS_EXTENDED_CONNECT,
        _ => super::name::SETTINGS_UNKNOWN,
    }
}

/// The decoded header fields of a fragment that starts `fragment_at` bytes into the frame.
fn decoded_fields(out: &mut Emitter<'_>, headers: Option<&HeaderBlock>, fragment_at: usize) {
    let Some(block) = headers.filter(|block| !block.is_empty()) else { return };
    out.computed(super::name::HEADER_LENGTH, Value::Uint(block.decoded_len() as u64));
    out.computed(super::name::HEADER_COUNT, Value::Uint(block.len() as u64));
    for entry in block.entries() {
        match entry {
            Entry::TableSizeUpdate { size, bytes } => {
                let range = fragment_at + bytes.start..fragment_at + bytes.end;
                out.at(super::name::HEADER_TABLE_SIZE_UPDATE, range.clone(), Value::Present);
                out.at(super::name::HEADER_TABLE_SIZE_UPDATE_HEADER_TABLE_SIZE, range, Value::Uint(size));
            }
            Entry::Field { name, value, representation, index, bytes } => {
                let range = fragment_at + bytes.start..fragment_at + bytes.end;
                out.at(super::name::HEADER, range.clone(), Value::Present);
                out.at(super::name::HEADER_NAME_LENGTH, range.clone(), Value::Uint(name.len() as u64));
                out.at(super::name::HEADER_NAME, range.clone(), Value::Lazy(&AsciiText(name)));
                out.at(super::name::HEADER_VALUE_LENGTH, range.clone(), Value::Uint(value.len() as u64));
                out.at(super::name::HEADER_VALUE, range.clone(), Value::Lazy(&AsciiText(value)));
                if let Some(field) = http2_header_field(name) {
                    out.at(field, range.clone(), Value::Lazy(&AsciiText(value)));
                }
                let query_at = value.iter().position(|&byte| byte == b'?');
                if let (b":path", Some(query_at)) = (name, query_at) {
                    out.at(
                        http1::name::PATH_SEGMENT,
                        range.clone(),
                        Value::Lazy(&AsciiText(&value[..query_at])),
                    );
                    for part in value[query_at + 1..].split(|&byte| byte == b'&') {
                        out.at(http1::name::PATH_SUB_SEGMENT, range.clone(), Value::Lazy(&AsciiText(part)));
                    }
                }
                out.at(super::name::HEADER_UNESCAPED, range.clone(), Value::Lazy(&PercentDecoded(value)));
                out.at(super::name::HEADER_REPR, range.clone(), Value::Str(representation.name()));
                if let Some(index) = index {
                    out.at(super::name::HEADER_INDEX, range, Value::Uint(index));
                }
            }
        }
    }
    if let (Some(scheme), Some(authority), Some(path)) =
        (block.get(":scheme"), block.get(":authority"), block.get(":path"))
    {
        let uri = PseudoUri { scheme, authority, path };
        out.computed(super::name::REQUEST_FULL_URI, Value::Lazy(&uri));
    }
}

/// The frame's Info entry.
pub(super) fn summary(
    frame: &Frame<'_>,
    out: &mut dyn fmt::Write,
    headers: Option<&HeaderBlock>,
) -> fmt::Result {
    write!(out, "{}[{}]", frame.kind(), frame.stream_id())?;
    if let (FrameType::Headers | FrameType::PushPromise, Some(block)) = (frame.kind(), headers) {
        if let Some(method) = block.get(":method") {
            write!(out, ": {}", AsciiText(method))?;
            if let Some(path) = block.get(":path") {
                write!(out, " {}", AsciiText(path))?;
            }
        } else if let Some(status) = block.get(":status") {
            write_status(out, status)?;
        }
    }
    if is_malformed(frame) {
        out.write_str("[Malformed Packet]")?;
    }
    Ok(())
}
