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
use super::payload::{Part, read};
use super::{Body, Frame, FrameType, field, flag};
use crate::dissect::field::{Emitter, Value};
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

/// Emits a frame's fields; returns whether tshark would call it malformed.
pub(super) fn frame_fields(
    frame: &Frame<'_>,
    out: &mut Emitter<'_>,
    headers: Option<&HeaderBlock>,
    body: Body<'_>,
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
    if let (FrameType::Headers, true, Body::Whole(body)) = (header.kind, header.has(flag::END_STREAM), body) {
        out.computed(super::name::DATA_DATA, Value::Bytes(body));
    }
    let mut emit = |range: Range<usize>, part: Part<'_>| part_fields(frame, out, headers, body, range, part);
    read(frame, &mut emit).is_err()
}

/// Whether tshark would call the frame malformed.
pub(super) fn is_malformed(frame: &Frame<'_>) -> bool {
    read(frame, &mut |_, _| {}).is_err()
}

/// Emits the fields of one part of the payload.
fn part_fields(
    frame: &Frame<'_>,
    out: &mut Emitter<'_>,
    headers: Option<&HeaderBlock>,
    body: Body<'_>,
    range: Range<usize>,
    part: Part<'_>,
) {
    let kind = frame.kind();
    let flags = frame.header.flags;
    match part {
        Part::PadLength(None) => out.at(super::name::PAD_LENGTH, range, Value::Uint(0)),
        Part::PadLength(Some(pad)) => {
            out.at(super::name::PADDING, range.clone(), Value::hex8(pad));
            out.at(super::name::PAD_LENGTH, range, Value::Uint(pad.into()));
        }
        Part::Dependency { exclusive, dependency } => {
            out.at(super::name::EXCLUSIVE, range.clone(), Value::Bool(exclusive));
            out.at(super::name::STREAM_DEPENDENCY, range, Value::Uint(dependency.into()));
        }
        Part::Weight(weight) => {
            out.at(super::name::HEADERS_WEIGHT, range.clone(), Value::Uint(weight.into()));
            out.at(super::name::HEADERS_WEIGHT_REAL, range, Value::Uint(u64::from(weight) + 1));
        }
        Part::Data(data) => match (flags & flag::END_STREAM != 0, body) {
            // The stream's body, reassembled from several frames.
            (true, Body::Whole(body)) => out.at(super::name::DATA_DATA, range, Value::Bytes(body)),
            (true, Body::Elsewhere) => {}
            // A body in one frame: tshark shows the rest of the frame, padding included.
            (true, Body::Own) => {
                let rest = range.start..frame.bytes.len();
                if !rest.is_empty() {
                    out.at(super::name::DATA_DATA, rest.clone(), Value::Bytes(&frame.bytes[rest]));
                }
            }
            (false, _) if !data.is_empty() => out.at(super::name::DATA_DATA, range, Value::Bytes(data)),
            (false, _) => {}
        },
        Part::Fragment(fragment) => {
            if !fragment.is_empty() {
                match kind {
                    FrameType::PushPromise => {
                        out.at(super::name::PUSH_PROMISE_HEADER, range.clone(), Value::Bytes(fragment));
                    }
                    FrameType::Continuation => {
                        out.at(
                            super::name::CONTINUATION_HEADER,
                            range.clone(),
                            Value::Lazy(&AsciiText(fragment)),
                        );
                    }
                    _ => out.at(super::name::HEADERS, range.clone(), Value::Bytes(fragment)),
                }
            }
            decoded_fields(out, headers, range.start);
        }
        Part::Padding(padding) if !padding.is_empty() => {
            let name = match kind {
                FrameType::Data => super::name::DATA_PADDING,
                FrameType::PushPromise => super::name::PUSH_PROMISE_PADDING,
                FrameType::Continuation => super::name::CONTINUATION_PADDING,
                _ => super::name::HEADERS_PADDING,
            };
            out.at(name, range, Value::Bytes(padding));
        }
        Part::Padding(_) => {}
        Part::Setting => out.at(super::name::SETTINGS, range, Value::Present),
        Part::SettingId(id) => out.at(super::name::SETTINGS_ID, range, Value::Uint(id.into())),
        Part::SettingValue { id, value } => out.at(setting_field(id), range, Value::Uint(value.into())),
        Part::Reserved31 { reserved, value } => {
            let (reserved_name, value_name) = match kind {
                FrameType::PushPromise => {
                    (super::name::PUSH_PROMISE_R, super::name::PUSH_PROMISE_PROMISED_STREAM_ID)
                }
                FrameType::Goaway => (super::name::GOWAY_R, super::name::GOAWAY_LAST_STREAM_ID),
                _ => (super::name::WINDOW_UPDATE_R, super::name::WINDOW_UPDATE_WINDOW_SIZE_INCREMENT),
            };
            out.at(reserved_name, range.clone(), Value::hex32(reserved.into()));
            out.at(value_name, range, Value::Uint(value.into()));
        }
        Part::ErrorCode(code) => {
            let name = if kind == FrameType::Goaway {
                super::name::GOAWAY_ERROR
            } else {
                super::name::RST_STREAM_ERROR
            };
            out.at(name, range, Value::Uint(code.into()));
        }
        Part::Opaque(opaque) => {
            let name = if flags & flag::ACK != 0 { super::name::PONG } else { super::name::PING };
            out.at(name, range, Value::Bytes(opaque));
        }
        Part::Debug(debug) if !debug.is_empty() => {
            out.at(super::name::GOAWAY_ADDATA, range, Value::Bytes(debug))
        }
        Part::Unknown(bytes) if !bytes.is_empty() => out.at(super::name::UNKNOWN, range, Value::Bytes(bytes)),
        Part::Debug(_) | Part::Unknown(_) => {}
    }
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
    // A CONNECT's URI is its authority, extended CONNECT (RFC 8441) included, as tshark 4.0
    // shows it (RFC 9113 8.5: its :scheme and :path are absent, or name the protocol's).
    let connect = block.get(":method") == Some(b"CONNECT".as_slice());
    match (block.get(":scheme"), block.get(":authority"), block.get(":path")) {
        (_, Some(authority), _) if connect => {
            out.computed(super::name::REQUEST_FULL_URI, Value::Lazy(&AsciiText(authority)));
        }
        (Some(scheme), Some(authority), Some(path)) => {
            let uri = PseudoUri { scheme, authority, path };
            out.computed(super::name::REQUEST_FULL_URI, Value::Lazy(&uri));
        }
        _ => {}
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
