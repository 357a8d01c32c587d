//! HTTP/3 (RFC 9114) as Wireshark shows it: the type of each unidirectional stream, and the
//! frames of the control and request streams with their type, length and payload; SETTINGS
//! with each setting; the header lines of HEADERS, read by [`super::qpack`], with the names
//! later Wireshark versions give them (tshark 4.0 does not read QPACK).
//!
//! ```text
//! Unidirectional stream: Stream Type (i): 0x00 control, 0x01 push, 0x02 QPACK encoder,
//!                        0x03 QPACK decoder, then the stream's content
//! HTTP/3 Frame {         Type (i), Length (i), Frame Payload (..)  }
//!   0x00 DATA, 0x01 HEADERS, 0x03 CANCEL_PUSH, 0x04 SETTINGS, 0x05 PUSH_PROMISE,
//!   0x07 GOAWAY, 0x0d MAX_PUSH_ID; 0x1f * N + 0x21 reserved
//! Setting {              Identifier (i), Value (i)  }
//! ```
//! One HTTP/3 layer stands for the data of one QUIC STREAM frame; the tracker puts the stream
//! back together, and a frame is shown on the STREAM frame that completes it.

use std::fmt;

use smallvec::SmallVec;

use super::field::{Emitter, Span, Value};
use super::http1::{AsciiText, PseudoUri, http3_header_field, write_status};
use super::layer::{LayerHeader, Tracked};
use super::qpack::{self, FieldSection};
use nom::Parser;

use super::error::{length_data, take_bytes};
use super::quic::varint::varint;
use crate::osi::Protocol;
use crate::registry::{self, Kind};

pub mod frame_type {
    pub const DATA: u64 = 0x00;
    pub const HEADERS: u64 = 0x01;
    pub const CANCEL_PUSH: u64 = 0x03;
    pub const SETTINGS: u64 = 0x04;
    pub const PUSH_PROMISE: u64 = 0x05;
    pub const GOAWAY: u64 = 0x07;
    pub const MAX_PUSH_ID: u64 = 0x0d;
    pub const PRIORITY_UPDATE_REQUEST: u64 = 0xf0700;
    pub const PRIORITY_UPDATE_PUSH: u64 = 0xf0701;
}

/// The HTTP/3 content of one QUIC STREAM frame.
#[derive(Clone, Debug, Default)]
pub struct Http3<'a> {
    /// Which packet of the datagram, and where in its plaintext the STREAM frame starts.
    pub anchor: (usize, usize),
    pub stream_id: u64,
    /// The stream's type, when this STREAM frame begins a unidirectional stream.
    pub stream_type: Option<(u64, Span<'a>)>,
    /// Frames this STREAM frame completed, each whole.
    pub frames: SmallVec<[Span<'a>; 2]>,
}

/// Whether a code is one of the reserved ones that exercise the rule that unknown types are
/// ignored (RFC 9114 sections 6.2.3, 7.2.8 and 7.2.4.1: `0x1f * N + 0x21`), computed as
/// Wireshark does, in wrapping arithmetic, so that 0x11 counts too.
pub fn is_reserved(code: u64) -> bool {
    code.wrapping_sub(0x21).is_multiple_of(0x1f)
}

/// A frame's name, as Wireshark 4.0's table of frame types gives it: the types HTTP/2 had
/// and HTTP/3 does not use are "Reserved", the greased ones too.
pub fn frame_name(kind: u64) -> &'static str {
    match kind {
        frame_type::DATA => "DATA",
        frame_type::HEADERS => "HEADERS",
        frame_type::CANCEL_PUSH => "CANCEL_PUSH",
        frame_type::SETTINGS => "SETTINGS",
        frame_type::PUSH_PROMISE => "PUSH_PROMISE",
        frame_type::GOAWAY => "GOAWAY",
        frame_type::MAX_PUSH_ID => "MAX_PUSH_ID",
        frame_type::PRIORITY_UPDATE_REQUEST | frame_type::PRIORITY_UPDATE_PUSH => "PRIORITY_UPDATE",
        0x02 | 0x06 | 0x08 | 0x09 | 0x0e => "Reserved",
        kind if is_reserved(kind) => "Reserved",
        _ => "Unknown",
    }
}

/// A stream type's name; a greased type is "reserved", and any other is "unknown" (its
/// content cannot be read: RFC 9114 section 6.2).
pub fn stream_type_name(kind: u64) -> &'static str {
    match kind {
        0x00 => "control",
        0x01 => "push",
        0x02 => "QPACK encoder",
        0x03 => "QPACK decoder",
        kind if is_reserved(kind) => "reserved",
        _ => "unknown",
    }
}

/// The type, the length and the payload of a whole frame.
pub fn parse_frame(bytes: &[u8]) -> Option<(u64, u64, std::ops::Range<usize>)> {
    let (rest, (kind, length)) = (varint, varint).parse(bytes).ok()?;
    let start = bytes.len() - rest.len();
    let (_, payload) = take_bytes(usize::try_from(length).ok()?)(rest).ok()?;
    Some((kind, length, start..start + payload.len()))
}

impl Http3<'_> {
    pub fn fields(&self, out: &mut Emitter<'_>) {
        if let Some((kind, span)) = &self.stream_type {
            out.within(span).at(name::STREAM_TYPE, 0..span.bytes.len(), Value::Uint(*kind));
        }
        for frame in &self.frames {
            let mut frame_out = out.within(frame);
            let bytes = frame.bytes;
            let at = |rest: &[u8]| bytes.len() - rest.len();
            let Ok((after_kind, kind)) = varint(bytes) else { continue };
            let Ok((after_length, length)) = varint(after_kind) else { continue };
            frame_out.at(name::FRAME_TYPE, 0..at(after_kind), Value::Uint(kind));
            frame_out.at(name::FRAME_LENGTH, at(after_kind)..at(after_length), Value::Uint(length));
            let Ok((_, payload)) = length_data(varint)(after_kind) else { continue };
            let payload_range = at(after_length)..at(after_length) + payload.len();
            if !payload.is_empty() {
                frame_out.at(name::FRAME_PAYLOAD, payload_range.clone(), Value::Bytes(payload));
            }
            if kind == frame_type::DATA && !payload.is_empty() {
                frame_out.at(name::DATA, payload_range.clone(), Value::Bytes(payload));
            }
            if kind == frame_type::HEADERS {
                header_fields(&mut frame_out, &qpack::decode(payload), payload_range.start);
            }
            if kind == frame_type::SETTINGS {
                // Offsets within the frame of what is left of the payload.
                let at = |rest: &[u8]| payload_range.end - rest.len();
                let mut settings = payload;
                while !settings.is_empty() {
                    let Ok((after_id, id)) = varint(settings) else { break };
                    let Ok((after_value, value)) = varint(after_id) else { break };
                    let (id_range, value_range) = (at(settings)..at(after_id), at(after_id)..at(after_value));
                    settings = after_value;
                    frame_out.at(name::SETTINGS, id_range.start..value_range.end, Value::Present);
                    frame_out.at(name::SETTINGS_ID, id_range, Value::Uint(id));
                    frame_out.at(name::SETTINGS_VALUE, value_range.clone(), Value::Uint(value));
                    let named = match id {
                        0x01 => Some(name::SETTINGS_QPACK_MAX_TABLE_CAPACITY),
                        0x06 => Some(name::SETTINGS_MAX_FIELD_SECTION_SIZE),
                        0x07 => Some(name::SETTINGS_QPACK_BLOCKED_STREAMS),
                        0x08 => Some(name::SETTINGS_EXTENDED_CONNECT),
                        _ => None,
                    };
                    if let Some(name) = named {
                        frame_out.at(name, value_range, Value::Uint(value));
                    }
                }
            }
        }
    }

    /// The frames' names for the Info column, each after a comma; a greased frame is left out,
    /// as Wireshark leaves it out.
    pub fn write_info(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        for frame in &self.frames {
            if let Some((kind, ..)) = parse_frame(frame.bytes)
                && !is_reserved(kind)
            {
                write!(out, ", {}", frame_name(kind))?;
            }
        }
        Ok(())
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        write!(out, "HTTP/3 on stream {}", self.stream_id)?;
        if let Some((kind, _)) = &self.stream_type {
            match stream_type_name(*kind) {
                name @ ("reserved" | "unknown") => write!(out, " ({name} stream type {kind:#x}, not read)")?,
                name => write!(out, " ({name} stream)")?,
            }
        }
        for (index, frame) in self.frames.iter().enumerate() {
            out.write_str(if index == 0 { ": " } else { ", " })?;
            match parse_frame(frame.bytes) {
                Some((frame_type::HEADERS, _, payload)) => {
                    out.write_str("HEADERS")?;
                    write_headers(out, &qpack::decode(&frame.bytes[payload]))?;
                }
                Some((kind, length, _)) if is_reserved(kind) => {
                    write!(out, "Reserved {kind:#x} ({length} bytes)")?
                }
                Some((kind, length, _)) => write!(out, "{} ({length} bytes)", frame_name(kind))?,
                None => out.write_str("malformed frame")?,
            }
        }
        Ok(())
    }
}

/// The fields of a HEADERS frame's field section, which starts `at` bytes into the frame.
fn header_fields(out: &mut Emitter<'_>, section: &FieldSection, at: usize) {
    out.computed(name::HEADERS_COUNT, Value::Uint(section.lines.len() as u64));
    for line in &section.lines {
        let range = at + line.bytes.start..at + line.bytes.end;
        out.at(name::HEADERS_HEADER, range.clone(), Value::Present);
        if let Some(name) = &line.name {
            out.at(name::HEADERS_HEADER_NAME_LENGTH, range.clone(), Value::Uint(name.len() as u64));
            out.at(name::HEADER_HEADER_NAME, range.clone(), Value::Lazy(&AsciiText(name)));
        }
        if let Some(value) = &line.value {
            out.at(name::HEADERS_HEADER_VALUE_LENGTH, range.clone(), Value::Uint(value.len() as u64));
            out.at(name::HEADERS_HEADER_VALUE, range.clone(), Value::Lazy(&AsciiText(value)));
        }
        let (Some(name), Some(value)) = (&line.name, &line.value) else { continue };
        let Some(field) = http3_header_field(name) else { continue };
        if registry::lookup(field).is_some_and(|info| info.kind == Kind::Uint) {
            let number = std::str::from_utf8(value).ok().and_then(|text| text.parse::<u64>().ok());
            if let Some(number) = number {
                out.at(field, range, Value::Uint(number));
            }
        } else {
            out.at(field, range, Value::Lazy(&AsciiText(value)));
        }
    }
    if let (Some(scheme), Some(authority), Some(path)) =
        (section.get(":scheme"), section.get(":authority"), section.get(":path"))
    {
        let uri = PseudoUri { scheme, authority, path };
        out.computed(name::REQUEST_FULL_URI, Value::Lazy(&uri));
    }
}

/// A request's method and target or a response's status, after a colon; or why the field
/// section could not be read.
pub fn write_headers(out: &mut dyn fmt::Write, section: &FieldSection) -> fmt::Result {
    if let Some(method) = section.get(":method") {
        write!(out, ": {}", AsciiText(method))?;
        if let (Some(scheme), Some(authority), Some(path)) =
            (section.get(":scheme"), section.get(":authority"), section.get(":path"))
        {
            write!(out, " {}", PseudoUri { scheme, authority, path })?;
        } else if let Some(path) = section.get(":path") {
            write!(out, " {}", AsciiText(path))?;
        }
    } else if let Some(status) = section.get(":status") {
        write_status(out, status)?;
    }
    if section.uses_dynamic_table() {
        out.write_str(" (refers to the QPACK dynamic table, which rttscope does not follow)")?;
    }
    if let Some(error) = section.error {
        write!(out, " [QPACK: {error}]")?;
    }
    Ok(())
}

impl LayerHeader for Http3<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Http3
    }

    fn header_len(&self) -> usize {
        self.frames.iter().map(|frame| frame.bytes.len()).sum()
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Http3::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Http3::summary(self, out)
    }
}

pub mod name {
    //! The fields of HTTP/3 frames, by Wireshark's names: the registry's rows for them, and the
    //! names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Http3;
        STREAM_TYPE "http3.stream_type" Uint "HTTP/3 unidirectional stream type" names HTTP3_STREAM_TYPE;
        FRAME_TYPE "http3.frame_type" Uint "HTTP/3 frame type" names HTTP3_FRAME_TYPE;
        FRAME_LENGTH "http3.frame_length" Uint "HTTP/3 frame length";
        FRAME_PAYLOAD "http3.frame_payload" Bytes "HTTP/3 frame payload";
        SETTINGS "http3.settings" Present "an HTTP/3 setting";
        SETTINGS_ID "http3.settings.id" Uint "HTTP/3 setting identifier" names HTTP3_SETTING;
        SETTINGS_VALUE "http3.settings.value" Uint "HTTP/3 setting value";
        SETTINGS_QPACK_MAX_TABLE_CAPACITY "http3.settings.qpack.max_table_capacity" Uint "QPACK maximum dynamic table capacity";
        SETTINGS_MAX_FIELD_SECTION_SIZE "http3.settings.max_field_section_size" Uint "maximum field section size";
        SETTINGS_QPACK_BLOCKED_STREAMS "http3.settings.qpack.blocked_streams" Uint "QPACK blocked streams";
        SETTINGS_EXTENDED_CONNECT "http3.settings.extended_connect" Uint "extended CONNECT enabled";
        DATA "http3.data" Bytes "HTTP/3 DATA payload";
        HEADERS_COUNT "http3.headers.count" Uint "header count";
        HEADERS_HEADER "http3.headers.header" Present "header";
        HEADERS_HEADER_NAME_LENGTH "http3.headers.header.name.length" Uint "name length";
        HEADER_HEADER_NAME "http3.header.header.name" Text "name";
        HEADERS_HEADER_VALUE_LENGTH "http3.headers.header.value.length" Uint "value length";
        HEADERS_HEADER_VALUE "http3.headers.header.value" Text "value";
        REQUEST_FULL_URI "http3.request.full_uri" Text "full request uri";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::hex;
    use crate::dissect::field::Field;

    #[test]
    fn settings_show_each_setting_by_name() {
        let bytes = hex("04 09 015000071008012101");
        let layer = Http3 {
            frames: smallvec::smallvec![Span::new(&bytes, Default::default(), 0)],
            ..Http3::default()
        };
        let mut fields = Vec::new();
        layer.fields(&mut Emitter::new(
            &mut |field: Field<'_>| fields.push((field.name, field.value.to_string())),
            0,
            Default::default(),
        ));
        let names: Vec<String> = fields.iter().map(|(name, value)| format!("{name}={value}")).collect();
        assert_eq!(
            names,
            [
                "http3.frame_type=4",
                "http3.frame_length=9",
                "http3.frame_payload=015000071008012101",
                "http3.settings=1",
                "http3.settings.id=1",
                "http3.settings.value=4096",
                "http3.settings.qpack.max_table_capacity=4096",
                "http3.settings=1",
                "http3.settings.id=7",
                "http3.settings.value=16",
                "http3.settings.qpack.blocked_streams=16",
                "http3.settings=1",
                "http3.settings.id=8",
                "http3.settings.value=1",
                "http3.settings.extended_connect=1",
                "http3.settings=1",
                "http3.settings.id=33",
                "http3.settings.value=1",
            ]
        );
        let mut info = String::new();
        layer.write_info(&mut info).expect("writes");
        assert_eq!(info, ", SETTINGS");
    }

    fn fields_of(layer: &Http3<'_>) -> Vec<String> {
        let mut fields = Vec::new();
        layer.fields(&mut Emitter::new(
            &mut |field: Field<'_>| fields.push(format!("{}={}", field.name, field.value)),
            0,
            Default::default(),
        ));
        fields
    }

    #[test]
    fn headers_are_read_through_qpack() {
        // aioquic's response: :status 200, content-type text/plain, content-length 44.
        let bytes = hex("01 08 0000d9f554023434");
        let layer = Http3 {
            frames: smallvec::smallvec![Span::new(&bytes, Default::default(), 0)],
            ..Http3::default()
        };
        let fields = fields_of(&layer);
        for expected in [
            "http3.headers.count=3",
            "http3.header.header.name=:status",
            "http3.headers.header.value=200",
            "http3.headers.status=200",
            "http3.headers.content_type=text/plain",
            "http3.headers.content_length=44",
        ] {
            assert!(fields.iter().any(|field| field == expected), "{expected} in {fields:?}");
        }
        let mut summary = String::new();
        layer.summary(&mut summary).expect("writes");
        assert_eq!(summary, "HTTP/3 on stream 0: HEADERS: 200 OK");
    }

    #[test]
    fn a_request_shows_its_full_uri_and_a_bad_section_its_problem_in_the_summary() {
        let bytes = hex("01 0c 0000 d1 d7 50 03 612e62 c1 ff24");
        let layer = Http3 {
            stream_id: 4,
            frames: smallvec::smallvec![Span::new(&bytes, Default::default(), 0)],
            ..Http3::default()
        };
        let fields = fields_of(&layer);
        assert!(fields.iter().any(|field| field == "http3.request.full_uri=https://a.b/"), "{fields:?}");
        assert!(fields.iter().any(|field| field == "http3.headers.method=GET"));
        let mut summary = String::new();
        layer.summary(&mut summary).expect("writes");
        assert_eq!(
            summary,
            "HTTP/3 on stream 4: HEADERS: GET https://a.b/ [QPACK: static table index 99 does not exist]"
        );
    }

    #[test]
    fn frame_names_include_reserved_types() {
        assert_eq!(frame_name(0x21), "Reserved");
        assert_eq!(frame_name(0x21 + 0x1f * 3), "Reserved");
        // Chrome's greased frame type, which looks invented unless read as reserved.
        assert_eq!(frame_name(32_167_772_141), "Reserved");
        assert_eq!(frame_name(0x0d), "MAX_PUSH_ID");
        // HTTP/2's PRIORITY, kept out of HTTP/3, is reserved in Wireshark's table.
        assert_eq!(frame_name(0x02), "Reserved");
        assert_eq!(frame_name(0x0a), "Unknown");
        assert_eq!(frame_name(0xf0700), "PRIORITY_UPDATE");
        // Wireshark's test wraps below 0x21: 0x11 - 0x21 is 2^64 - 16, a multiple of 0x1f.
        assert!(is_reserved(0x11) && !is_reserved(0x12) && !is_reserved(0x00));
        assert_eq!(stream_type_name(0x537), "reserved");
        assert_eq!(stream_type_name(0x54), "unknown");
        for cut in 0..4 {
            assert_eq!(parse_frame(&hex("00 02 6869")[..cut]), None);
        }
    }

    #[test]
    fn a_greased_frame_has_its_fields_but_no_place_in_the_info_column() {
        // A GREASE frame (type 0xfa: 0x40fa as a two-byte varint, length 6, "grease"), then
        // HEADERS (type 1, length 2, an empty field section's prefix).
        let grease = hex("40fa 06 677265617365");
        let headers = hex("01 02 0000");
        let layer = Http3 {
            stream_id: 2,
            frames: smallvec::smallvec![
                Span::new(&grease, Default::default(), 0),
                Span::new(&headers, Default::default(), 0)
            ],
            ..Http3::default()
        };
        let fields = fields_of(&layer);
        assert_eq!(
            fields[..3],
            ["http3.frame_type=250", "http3.frame_length=6", "http3.frame_payload=677265617365"]
        );
        let mut info = String::new();
        layer.write_info(&mut info).expect("writes");
        assert_eq!(info, ", HEADERS");
        let mut summary = String::new();
        layer.summary(&mut summary).expect("writes");
        assert!(summary.starts_with("HTTP/3 on stream 2: Reserved 0xfa (6 bytes), HEADERS"), "{summary}");
    }

    #[test]
    fn a_greased_stream_says_so_in_its_summary() {
        let kind = hex("4537");
        let layer = Http3 {
            stream_id: 14,
            stream_type: Some((0x537, Span::new(&kind, Default::default(), 0))),
            ..Http3::default()
        };
        assert_eq!(fields_of(&layer), ["http3.stream_type=1335"]);
        let mut summary = String::new();
        layer.summary(&mut summary).expect("writes");
        assert_eq!(summary, "HTTP/3 on stream 14 (reserved stream type 0x537, not read)");
    }
}
