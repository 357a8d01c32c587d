//! QUIC frames (RFC 9000 section 19), DATAGRAM (RFC 9221) and the ACK_FREQUENCY and
//! IMMEDIATE_ACK frames of the ack-frequency extension that quinn sends.
//!
//! A frame is read once into its type, its extent and the fields it shows, by Wireshark's
//! names; the tracker takes the CRYPTO and STREAM data from the same reading. A frame whose
//! varints or lengths run past the payload is malformed, and the rest of the payload is not
//! read; an unknown type is reported and, as in Wireshark, reading goes on after its type.
//! Each frame is a nom parser over the rest of the payload; every field's range is its place
//! in the whole payload.

use std::ops::Range;

use smallvec::SmallVec;

use super::varint::{spanned, take_len, varint};
use crate::dissect::error::{IResult, be_u8};

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
    let mut frame = Frame {
        kind: 0,
        range: at..payload.len(),
        fields: SmallVec::new(),
        stream: None,
        crypto: None,
        malformed: None,
    };
    let Some(Ok((input, kind))) = payload.get(at..).map(varint) else {
        frame.malformed = Some("frame type cut short");
        return frame;
    };
    frame.kind = kind;
    match read_body(&mut frame, payload, at, input) {
        Ok((rest, ())) => frame.range = at..payload.len() - rest.len(),
        Err(_) => frame.malformed = Some("frame runs past the end of the packet"),
    }
    frame
}

/// Reads the fields after the frame's type, which starts at `at`; ranges are within `payload`.
fn read_body<'a>(frame: &mut Frame<'a>, payload: &'a [u8], at: usize, input: &'a [u8]) -> IResult<'a, ()> {
    let fields = &mut frame.fields;
    let mut uint = |input: &'a [u8], name: &'static str| -> IResult<'a, u64> {
        let (rest, (value, range)) = spanned(payload, varint)(input)?;
        fields.push((name, range, Val::Uint(value)));
        Ok((rest, value))
    };
    let spanned_varint = spanned(payload, varint);
    let spanned_take = |len: u64| spanned(payload, take_len(len));
    let input = match frame.kind {
        kind::PADDING => {
            let zeros = input.iter().take_while(|byte| **byte == 0).count();
            let start = payload.len() - input.len();
            frame.fields.push((super::name::PADDING_LENGTH, start..start, Val::Uint(zeros as u64 + 1)));
            &input[zeros..]
        }
        kind::PING | kind::HANDSHAKE_DONE | kind::IMMEDIATE_ACK => input,
        kind::ACK | kind::ACK_ECN => {
            let (input, _) = uint(input, super::name::ACK_LARGEST_ACKNOWLEDGED)?;
            let (input, _) = uint(input, super::name::ACK_ACK_DELAY)?;
            let (input, ranges) = uint(input, super::name::ACK_ACK_RANGE_COUNT)?;
            let (mut input, _) = uint(input, super::name::ACK_FIRST_ACK_RANGE)?;
            // Each range takes at least two bytes, which bounds the loop by the payload.
            for _ in 0..ranges.min(payload.len() as u64) {
                let (rest, _) = uint(input, super::name::ACK_GAP)?;
                (input, _) = uint(rest, super::name::ACK_ACK_RANGE)?;
            }
            if frame.kind == kind::ACK_ECN {
                let (rest, _) = uint(input, super::name::ACK_ECT0_COUNT)?;
                let (rest, _) = uint(rest, super::name::ACK_ECT1_COUNT)?;
                (input, _) = uint(rest, super::name::ACK_ECN_CE_COUNT)?;
            }
            input
        }
        kind::RESET_STREAM => {
            let (input, _) = uint(input, super::name::RSTS_STREAM_ID)?;
            let (input, _) = uint(input, super::name::RSTS_APPLICATION_ERROR_CODE)?;
            uint(input, super::name::RSTS_FINAL_SIZE)?.0
        }
        kind::STOP_SENDING => {
            let (input, _) = uint(input, super::name::SS_STREAM_ID)?;
            uint(input, super::name::SS_APPLICATION_ERROR_CODE)?.0
        }
        kind::CRYPTO => {
            let (input, offset) = uint(input, super::name::CRYPTO_OFFSET)?;
            let (input, length) = uint(input, super::name::CRYPTO_LENGTH)?;
            let (input, (_, data)) = spanned_take(length)(input)?;
            frame.fields.push((super::name::CRYPTO_CRYPTO_DATA, data.clone(), Val::Present));
            frame.crypto = Some((offset, data));
            input
        }
        kind::NEW_TOKEN => {
            let (input, length) = uint(input, super::name::NT_LENGTH)?;
            let (input, (token, range)) = spanned_take(length)(input)?;
            frame.fields.push((super::name::NT_TOKEN, range, Val::Bytes(token)));
            input
        }
        kind::STREAM..=kind::STREAM_LAST => {
            let bits = frame.kind as u8;
            let type_byte = at..at + 1;
            frame.fields.push((super::name::STREAM_FIN, type_byte.clone(), Val::Bool(bits & 0x01 != 0)));
            frame.fields.push((super::name::STREAM_LEN, type_byte.clone(), Val::Bool(bits & 0x02 != 0)));
            frame.fields.push((super::name::STREAM_OFF, type_byte, Val::Bool(bits & 0x04 != 0)));
            let (mut input, (id, id_range)) = spanned_varint(input)?;
            frame.fields.push((super::name::STREAM_STREAM_ID, id_range.clone(), Val::Uint(id)));
            frame.fields.push((super::name::STREAM_INITIATOR, id_range.clone(), Val::Uint(id & 1)));
            frame.fields.push((super::name::STREAM_DIRECTION, id_range, Val::Uint(id >> 1 & 1)));
            let mut offset = 0;
            if bits & 0x04 != 0 {
                let (rest, (value, range)) = spanned_varint(input)?;
                frame.fields.push((super::name::STREAM_OFFSET, range, Val::Uint(value)));
                (input, offset) = (rest, value);
            }
            let length = if bits & 0x02 != 0 {
                let (rest, (value, range)) = spanned_varint(input)?;
                frame.fields.push((super::name::STREAM_LENGTH, range, Val::Uint(value)));
                input = rest;
                value
            } else {
                input.len() as u64
            };
            let (input, (data, range)) = spanned_take(length)(input)?;
            frame.fields.push((super::name::STREAM_DATA, range.clone(), Val::Bytes(data)));
            frame.stream = Some((id, offset, range, bits & 0x01 != 0));
            input
        }
        kind::MAX_DATA => uint(input, super::name::MD_MAXIMUM_DATA)?.0,
        kind::MAX_STREAM_DATA => {
            let (input, _) = uint(input, super::name::MSD_STREAM_ID)?;
            uint(input, super::name::MSD_MAXIMUM_STREAM_DATA)?.0
        }
        kind::MAX_STREAMS_BIDI | kind::MAX_STREAMS_UNI => uint(input, super::name::MS_MAX_STREAMS)?.0,
        kind::DATA_BLOCKED => uint(input, super::name::SB_STREAM_DATA_LIMIT)?.0,
        kind::STREAM_DATA_BLOCKED => {
            let (input, _) = uint(input, super::name::SDB_STREAM_ID)?;
            uint(input, super::name::SB_STREAM_DATA_LIMIT)?.0
        }
        kind::STREAMS_BLOCKED_BIDI | kind::STREAMS_BLOCKED_UNI => {
            uint(input, super::name::SIB_STREAM_LIMIT)?.0
        }
        kind::NEW_CONNECTION_ID => {
            let (input, _) = uint(input, super::name::NCI_SEQUENCE)?;
            let (input, _) = uint(input, super::name::NCI_RETIRE_PRIOR_TO)?;
            let (input, (length, range)) = spanned(payload, be_u8)(input)?;
            frame.fields.push((super::name::NCI_CONNECTION_ID_LENGTH, range, Val::Uint(length.into())));
            let (input, (id, range)) = spanned_take(length.into())(input)?;
            frame.fields.push((super::name::NCI_CONNECTION_ID, range, Val::Bytes(id)));
            let (input, (token, range)) = spanned_take(16)(input)?;
            frame.fields.push((super::name::NCI_STATELESS_RESET_TOKEN, range, Val::Bytes(token)));
            input
        }
        kind::RETIRE_CONNECTION_ID => uint(input, super::name::RCI_SEQUENCE)?.0,
        kind::PATH_CHALLENGE | kind::PATH_RESPONSE => {
            let name = if frame.kind == kind::PATH_CHALLENGE {
                super::name::PATH_CHALLENGE_DATA
            } else {
                super::name::PATH_RESPONSE_DATA
            };
            let (input, (data, range)) = spanned_take(8)(input)?;
            frame.fields.push((name, range, Val::Bytes(data)));
            input
        }
        kind::CONNECTION_CLOSE | kind::CONNECTION_CLOSE_APP => {
            let input = if frame.kind == kind::CONNECTION_CLOSE {
                let (input, (code, range)) = spanned_varint(input)?;
                frame.fields.push((super::name::CC_ERROR_CODE, range.clone(), Val::Uint(code)));
                // CRYPTO_ERROR (0x1XX) carries a TLS alert in its low byte.
                if code >> 8 == 1
                    && crate::dissect::tls::names::alert_description((code & 0xff) as u8).is_some()
                {
                    frame.fields.push((
                        super::name::CC_ERROR_CODE_TLS_ALERT,
                        range.end - 1..range.end,
                        Val::Uint(code & 0xff),
                    ));
                }
                let (input, (frame_type, range)) = spanned_varint(input)?;
                frame.fields.push((super::name::CC_FRAME_TYPE, range, Val::Uint(frame_type)));
                input
            } else {
                let (input, (code, range)) = spanned_varint(input)?;
                frame.fields.push((super::name::CC_ERROR_CODE_APP, range, Val::Uint(code)));
                input
            };
            let (input, (length, range)) = spanned_varint(input)?;
            frame.fields.push((super::name::CC_REASON_PHRASE_LENGTH, range, Val::Uint(length)));
            let (input, (reason, range)) = spanned_take(length)(input)?;
            frame.fields.push((super::name::CC_REASON_PHRASE, range, Val::Text(reason)));
            input
        }
        kind::DATAGRAM | kind::DATAGRAM_LENGTH => {
            let (input, length) = if frame.kind == kind::DATAGRAM_LENGTH {
                let (input, (value, range)) = spanned_varint(input)?;
                frame.fields.push((super::name::DG_LENGTH, range, Val::Uint(value)));
                (input, value)
            } else {
                (input, input.len() as u64)
            };
            let (input, (data, range)) = spanned_take(length)(input)?;
            frame.fields.push((super::name::DG, range, Val::Bytes(data)));
            input
        }
        kind::ACK_FREQUENCY => {
            let (input, _) = uint(input, super::name::AF_SEQUENCE_NUMBER)?;
            let (input, _) = uint(input, super::name::AF_ACK_ELICITING_THRESHOLD)?;
            let (input, _) = uint(input, super::name::AF_REQUEST_MAX_ACK_DELAY)?;
            // The reordering threshold of draft-ietf-quic-ack-frequency-04 and later.
            varint(input)?.0
        }
        _ => input,
    };
    Ok((input, ()))
}

#[cfg(test)]
mod tests;
