//! QUIC frames (RFC 9000 section 19), DATAGRAM (RFC 9221) and the ACK_FREQUENCY and
//! IMMEDIATE_ACK frames of the ack-frequency extension that quinn sends.
//!
//! A frame is read once into its type, its extent and the fields it shows, by Wireshark's
//! names; the tracker takes the CRYPTO and STREAM data from the same reading. A frame whose
//! varints or lengths run past the payload is malformed, and the rest of the payload is not
//! read; an unknown type is reported and, as in Wireshark, reading goes on after its type.

use std::ops::Range;

use smallvec::SmallVec;

use super::varint::Cursor;

pub mod kind {
    pub const PADDING: u64 = 0x00;
    pub const PING: u64 = 0x01;
    pub const ACK: u64 = 0x02;
    pub const ACK_ECN: u64 = 0x03;
    pub const RESET_STREAM: u64 = 0x04;
    pub const STOP_SENDING: u64 = 0x05;
    pub const CRYPTO: u64 = 0x06;
    pub const NEW_TOKEN: u64 = 0x07;
    pub const STREAM: u64 = 0x08;
    pub const STREAM_LAST: u64 = 0x0f;
    pub const MAX_DATA: u64 = 0x10;
    pub const MAX_STREAM_DATA: u64 = 0x11;
    pub const MAX_STREAMS_BIDI: u64 = 0x12;
    pub const MAX_STREAMS_UNI: u64 = 0x13;
    pub const DATA_BLOCKED: u64 = 0x14;
    pub const STREAM_DATA_BLOCKED: u64 = 0x15;
    pub const STREAMS_BLOCKED_BIDI: u64 = 0x16;
    pub const STREAMS_BLOCKED_UNI: u64 = 0x17;
    pub const NEW_CONNECTION_ID: u64 = 0x18;
    pub const RETIRE_CONNECTION_ID: u64 = 0x19;
    pub const PATH_CHALLENGE: u64 = 0x1a;
    pub const PATH_RESPONSE: u64 = 0x1b;
    pub const CONNECTION_CLOSE: u64 = 0x1c;
    pub const CONNECTION_CLOSE_APP: u64 = 0x1d;
    pub const HANDSHAKE_DONE: u64 = 0x1e;
    pub const IMMEDIATE_ACK: u64 = 0x1f;
    pub const DATAGRAM: u64 = 0x30;
    pub const DATAGRAM_LENGTH: u64 = 0x31;
    pub const ACK_FREQUENCY: u64 = 0xaf;
}

/// A field value as a frame shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Val<'a> {
    Uint(u64),
    Bool(bool),
    Bytes(&'a [u8]),
    Text(&'a [u8]),
    Present,
}

/// One frame of a decrypted payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    pub kind: u64,
    pub range: Range<usize>,
    /// Wireshark's fields for the frame, in tree order, after `quic.frame` and
    /// `quic.frame_type`.
    pub fields: SmallVec<[(&'static str, Range<usize>, Val<'a>); 6]>,
    /// STREAM frames: the stream, the offset, the data and whether it ends the stream.
    pub stream: Option<(u64, u64, Range<usize>, bool)>,
    /// CRYPTO frames: the offset and the data.
    pub crypto: Option<(u64, Range<usize>)>,
    /// Why the frame could not be read whole.
    pub malformed: Option<&'static str>,
}

impl Frame<'_> {
    /// The frame's name in the Info column, with its stream where Wireshark adds one.
    pub fn write_info(&self, out: &mut dyn std::fmt::Write) -> std::fmt::Result {
        let name = match self.kind {
            kind::PADDING => "PADDING",
            kind::PING => "PING",
            kind::ACK => "ACK",
            kind::ACK_ECN => "ACK_ECN",
            kind::RESET_STREAM => "RS",
            kind::STOP_SENDING => "SS",
            kind::CRYPTO => "CRYPTO",
            kind::NEW_TOKEN => "NT",
            kind::STREAM..=kind::STREAM_LAST => "STREAM",
            kind::MAX_DATA => "MD",
            kind::MAX_STREAM_DATA => "MSD",
            kind::MAX_STREAMS_BIDI | kind::MAX_STREAMS_UNI => "MS",
            kind::DATA_BLOCKED => "DB",
            kind::STREAM_DATA_BLOCKED => "SDB",
            kind::STREAMS_BLOCKED_BIDI | kind::STREAMS_BLOCKED_UNI => "SB",
            kind::NEW_CONNECTION_ID => "NCI",
            kind::RETIRE_CONNECTION_ID => "RC",
            kind::PATH_CHALLENGE => "PC",
            kind::PATH_RESPONSE => "PR",
            kind::CONNECTION_CLOSE | kind::CONNECTION_CLOSE_APP => "CC",
            kind::HANDSHAKE_DONE => "DONE",
            kind::IMMEDIATE_ACK => "IA",
            kind::DATAGRAM | kind::DATAGRAM_LENGTH => "DG",
            kind::ACK_FREQUENCY => "AF",
            _ => return Ok(()),
        };
        write!(out, ", {name}")?;
        let id = match self.kind {
            kind::STREAM..=kind::STREAM_LAST => self.stream.as_ref().map(|(id, ..)| *id),
            kind::RESET_STREAM | kind::STOP_SENDING | kind::MAX_STREAM_DATA | kind::STREAM_DATA_BLOCKED => {
                self.fields.first().and_then(|(_, _, value)| match value {
                    Val::Uint(id) => Some(*id),
                    _ => None,
                })
            }
            _ => None,
        };
        match id {
            Some(id) => write!(out, "({id})"),
            None => Ok(()),
        }
    }

    /// Whether the frame's type is one rttscope knows.
    pub fn is_known(&self) -> bool {
        matches!(self.kind, 0x00..=0x1f | 0x30 | 0x31 | 0xaf)
    }
}

/// Reads every frame of a decrypted payload.
pub fn parse_all(payload: &[u8]) -> SmallVec<[Frame<'_>; 4]> {
    let mut frames = SmallVec::new();
    let mut at = 0;
    while at < payload.len() {
        let frame = parse_one(payload, at);
        let (end, malformed) = (frame.range.end, frame.malformed.is_some());
        frames.push(frame);
        if malformed || end <= at {
            break;
        }
        at = end;
    }
    frames
}

/// Reads the frame at `at`.
pub fn parse_one(payload: &[u8], at: usize) -> Frame<'_> {
    let mut cursor = Cursor::new(payload, at);
    let mut frame = Frame {
        kind: 0,
        range: at..payload.len(),
        fields: SmallVec::new(),
        stream: None,
        crypto: None,
        malformed: None,
    };
    let Some((kind, _)) = cursor.varint() else {
        frame.malformed = Some("frame type cut short");
        return frame;
    };
    frame.kind = kind;
    match read_body(&mut frame, &mut cursor, payload, at) {
        Some(()) => frame.range = at..cursor.pos(),
        None => frame.malformed = Some("frame runs past the end of the packet"),
    }
    frame
}

fn read_body<'a>(frame: &mut Frame<'a>, cursor: &mut Cursor<'a>, payload: &'a [u8], at: usize) -> Option<()> {
    let fields = &mut frame.fields;
    let mut uint = |cursor: &mut Cursor<'a>, name: &'static str| -> Option<u64> {
        let (value, range) = cursor.varint()?;
        fields.push((name, range, Val::Uint(value)));
        Some(value)
    };
    match frame.kind {
        kind::PADDING => {
            let zeros = payload[cursor.pos()..].iter().take_while(|byte| **byte == 0).count();
            let start = cursor.pos();
            cursor.take(zeros as u64)?;
            frame.fields.push(("quic.padding_length", start..start, Val::Uint(zeros as u64 + 1)));
        }
        kind::PING | kind::HANDSHAKE_DONE | kind::IMMEDIATE_ACK => {}
        kind::ACK | kind::ACK_ECN => {
            uint(cursor, "quic.ack.largest_acknowledged")?;
            uint(cursor, "quic.ack.ack_delay")?;
            let ranges = uint(cursor, "quic.ack.ack_range_count")?;
            uint(cursor, "quic.ack.first_ack_range")?;
            // Each range takes at least two bytes, which bounds the loop by the payload.
            for _ in 0..ranges.min(payload.len() as u64) {
                uint(cursor, "quic.ack.gap")?;
                uint(cursor, "quic.ack.ack_range")?;
            }
            if frame.kind == kind::ACK_ECN {
                uint(cursor, "quic.ack.ect0_count")?;
                uint(cursor, "quic.ack.ect1_count")?;
                uint(cursor, "quic.ack.ecn_ce_count")?;
            }
        }
        kind::RESET_STREAM => {
            uint(cursor, "quic.rsts.stream_id")?;
            uint(cursor, "quic.rsts.application_error_code")?;
            uint(cursor, "quic.rsts.final_size")?;
        }
        kind::STOP_SENDING => {
            uint(cursor, "quic.ss.stream_id")?;
            uint(cursor, "quic.ss.application_error_code")?;
        }
        kind::CRYPTO => {
            let offset = uint(cursor, "quic.crypto.offset")?;
            let length = uint(cursor, "quic.crypto.length")?;
            let (_, data) = cursor.take(length)?;
            frame.fields.push(("quic.crypto.crypto_data", data.clone(), Val::Present));
            frame.crypto = Some((offset, data));
        }
        kind::NEW_TOKEN => {
            let length = uint(cursor, "quic.nt.length")?;
            let (token, range) = cursor.take(length)?;
            frame.fields.push(("quic.nt.token", range, Val::Bytes(token)));
        }
        kind::STREAM..=kind::STREAM_LAST => {
            let bits = frame.kind as u8;
            let type_byte = at..at + 1;
            frame.fields.push(("quic.stream.fin", type_byte.clone(), Val::Bool(bits & 0x01 != 0)));
            frame.fields.push(("quic.stream.len", type_byte.clone(), Val::Bool(bits & 0x02 != 0)));
            frame.fields.push(("quic.stream.off", type_byte, Val::Bool(bits & 0x04 != 0)));
            let (id, id_range) = cursor.varint()?;
            frame.fields.push(("quic.stream.stream_id", id_range.clone(), Val::Uint(id)));
            frame.fields.push(("quic.stream.initiator", id_range.clone(), Val::Uint(id & 1)));
            frame.fields.push(("quic.stream.direction", id_range, Val::Uint(id >> 1 & 1)));
            let mut offset = 0;
            if bits & 0x04 != 0 {
                let (value, range) = cursor.varint()?;
                frame.fields.push(("quic.stream.offset", range, Val::Uint(value)));
                offset = value;
            }
            let length = if bits & 0x02 != 0 {
                let (value, range) = cursor.varint()?;
                frame.fields.push(("quic.stream.length", range, Val::Uint(value)));
                value
            } else {
                cursor.remaining() as u64
            };
            let (data, range) = cursor.take(length)?;
            frame.fields.push(("quic.stream_data", range.clone(), Val::Bytes(data)));
            frame.stream = Some((id, offset, range, bits & 0x01 != 0));
        }
        kind::MAX_DATA => {
            uint(cursor, "quic.md.maximum_data")?;
        }
        kind::MAX_STREAM_DATA => {
            uint(cursor, "quic.msd.stream_id")?;
            uint(cursor, "quic.msd.maximum_stream_data")?;
        }
        kind::MAX_STREAMS_BIDI | kind::MAX_STREAMS_UNI => {
            uint(cursor, "quic.ms.max_streams")?;
        }
        kind::DATA_BLOCKED => {
            uint(cursor, "quic.sb.stream_data_limit")?;
        }
        kind::STREAM_DATA_BLOCKED => {
            uint(cursor, "quic.sdb.stream_id")?;
            uint(cursor, "quic.sb.stream_data_limit")?;
        }
        kind::STREAMS_BLOCKED_BIDI | kind::STREAMS_BLOCKED_UNI => {
            uint(cursor, "quic.sib.stream_limit")?;
        }
        kind::NEW_CONNECTION_ID => {
            uint(cursor, "quic.nci.sequence")?;
            uint(cursor, "quic.nci.retire_prior_to")?;
            let (length, range) = cursor.u8()?;
            frame.fields.push(("quic.nci.connection_id.length", range, Val::Uint(length.into())));
            let (id, range) = cursor.take(length.into())?;
            frame.fields.push(("quic.nci.connection_id", range, Val::Bytes(id)));
            let (token, range) = cursor.take(16)?;
            frame.fields.push(("quic.nci.stateless_reset_token", range, Val::Bytes(token)));
        }
        kind::RETIRE_CONNECTION_ID => {
            uint(cursor, "quic.rci.sequence")?;
        }
        kind::PATH_CHALLENGE | kind::PATH_RESPONSE => {
            let name = if frame.kind == kind::PATH_CHALLENGE {
                "quic.path_challenge.data"
            } else {
                "quic.path_response.data"
            };
            let (data, range) = cursor.take(8)?;
            frame.fields.push((name, range, Val::Bytes(data)));
        }
        kind::CONNECTION_CLOSE | kind::CONNECTION_CLOSE_APP => {
            if frame.kind == kind::CONNECTION_CLOSE {
                let (code, range) = cursor.varint()?;
                frame.fields.push(("quic.cc.error_code", range.clone(), Val::Uint(code)));
                // CRYPTO_ERROR (0x1XX) carries a TLS alert in its low byte.
                if code >> 8 == 1
                    && crate::dissect::tls::names::alert_description((code & 0xff) as u8).is_some()
                {
                    frame.fields.push((
                        "quic.cc.error_code.tls_alert",
                        range.end - 1..range.end,
                        Val::Uint(code & 0xff),
                    ));
                }
                let (frame_type, range) = cursor.varint()?;
                frame.fields.push(("quic.cc.frame_type", range, Val::Uint(frame_type)));
            } else {
                let (code, range) = cursor.varint()?;
                frame.fields.push(("quic.cc.error_code.app", range, Val::Uint(code)));
            }
            let (length, range) = cursor.varint()?;
            frame.fields.push(("quic.cc.reason_phrase.length", range, Val::Uint(length)));
            let (reason, range) = cursor.take(length)?;
            frame.fields.push(("quic.cc.reason_phrase", range, Val::Text(reason)));
        }
        kind::DATAGRAM | kind::DATAGRAM_LENGTH => {
            let length = if frame.kind == kind::DATAGRAM_LENGTH {
                let (value, range) = cursor.varint()?;
                frame.fields.push(("quic.dg.length", range, Val::Uint(value)));
                value
            } else {
                cursor.remaining() as u64
            };
            let (data, range) = cursor.take(length)?;
            frame.fields.push(("quic.dg", range, Val::Bytes(data)));
        }
        kind::ACK_FREQUENCY => {
            uint(cursor, "quic.af.sequence_number")?;
            uint(cursor, "quic.af.ack_eliciting_threshold")?;
            uint(cursor, "quic.af.request_max_ack_delay")?;
            // The reordering threshold of draft-ietf-quic-ack-frequency-04 and later.
            cursor.varint()?;
        }
        _ => {}
    }
    Some(())
}

#[cfg(test)]
mod tests;
