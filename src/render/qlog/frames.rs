//! A QUIC frame as qlog logs it: read from the dissector's reading of the frame (its fields by
//! Wireshark's names), and written in either shape. The shapes differ in how lengths are
//! logged: qlog 0.3 gives CRYPTO, STREAM and DATAGRAM a `length` and PADDING a
//! `payload_length`, draft-ietf-quic-qlog-quic-events-13 puts them in `raw`.
//!
//! ACK ranges (RFC 9000 section 19.3.1) are turned from gaps and range lengths counted down
//! from the largest acknowledged into `[smallest, largest]` pairs, highest first, and the
//! ACK Delay is scaled by the sender's ack_delay_exponent into milliseconds.

use serde_json::{Map, Value, json};

use super::write::{Shape, hex};
use crate::dissect::quic::frame::{Frame, Val, kind};
use crate::dissect::quic::name;

/// One frame of a decrypted packet.
#[derive(Clone, Debug, PartialEq)]
pub enum QuicFrame {
    /// A run of PADDING bytes (each byte a frame; logged once, with their count).
    Padding {
        length: u64,
    },
    Ping,
    Ack {
        delay_ms: f64,
        ranges: Vec<(u64, u64)>,
        ecn: Option<[u64; 3]>,
    },
    ResetStream {
        stream_id: u64,
        error_code: u64,
        final_size: u64,
    },
    StopSending {
        stream_id: u64,
        error_code: u64,
    },
    Crypto {
        offset: u64,
        length: u64,
    },
    NewToken {
        length: u64,
    },
    Stream {
        stream_id: u64,
        offset: u64,
        length: u64,
        fin: bool,
    },
    MaxData {
        maximum: u64,
    },
    MaxStreamData {
        stream_id: u64,
        maximum: u64,
    },
    MaxStreams {
        bidirectional: bool,
        maximum: u64,
    },
    DataBlocked {
        limit: u64,
    },
    StreamDataBlocked {
        stream_id: u64,
        limit: u64,
    },
    StreamsBlocked {
        bidirectional: bool,
        limit: u64,
    },
    NewConnectionId {
        sequence_number: u64,
        retire_prior_to: u64,
        connection_id: Vec<u8>,
        reset_token: Vec<u8>,
    },
    RetireConnectionId {
        sequence_number: u64,
    },
    PathChallenge {
        data: Vec<u8>,
    },
    PathResponse {
        data: Vec<u8>,
    },
    /// `application`: type 0x1d. `trigger`: the frame type a transport error names.
    ConnectionClose {
        application: bool,
        error_code: u64,
        trigger: Option<u64>,
        reason: String,
    },
    HandshakeDone,
    Datagram {
        length: u64,
    },
    /// A type rttscope does not log (ACK_FREQUENCY, IMMEDIATE_ACK, unknown) or a frame that
    /// could not be read whole.
    Unknown {
        frame_type: u64,
    },
}

/// The first unsigned field of that name.
fn uint(frame: &Frame<'_>, wanted: &str) -> Option<u64> {
    frame.fields.iter().find_map(|(name, _, value)| match value {
        Val::Uint(value) if *name == wanted => Some(*value),
        _ => None,
    })
}

fn bytes<'a>(frame: &Frame<'a>, wanted: &str) -> Vec<u8> {
    frame
        .fields
        .iter()
        .find_map(|(name, _, value)| match value {
            Val::Bytes(bytes) | Val::Text(bytes) if *name == wanted => Some(bytes.to_vec()),
            _ => None,
        })
        .unwrap_or_default()
}

/// The acknowledged ranges, `[smallest, largest]`, highest first. A range that would go
/// below packet 0 ends the list (the frame is malformed there).
fn ack_ranges(frame: &Frame<'_>) -> Vec<(u64, u64)> {
    let Some(largest) = uint(frame, name::ACK_LARGEST_ACKNOWLEDGED) else { return Vec::new() };
    let Some(first) = uint(frame, name::ACK_FIRST_ACK_RANGE) else { return Vec::new() };
    let Some(smallest) = largest.checked_sub(first) else { return Vec::new() };
    let mut ranges = vec![(smallest, largest)];
    let mut gaps = frame.fields.iter().filter_map(|(name, _, value)| match value {
        Val::Uint(value) if *name == name::ACK_GAP || *name == name::ACK_ACK_RANGE => Some(*value),
        _ => None,
    });
    let mut previous_smallest = smallest;
    while let (Some(gap), Some(length)) = (gaps.next(), gaps.next()) {
        // Largest = previous smallest - gap - 2 (RFC 9000 section 19.3.1).
        let Some(largest) = previous_smallest.checked_sub(gap.saturating_add(2)) else { break };
        let Some(smallest) = largest.checked_sub(length) else { break };
        ranges.push((smallest, largest));
        previous_smallest = smallest;
    }
    ranges
}

/// A frame as the dissector read it, its ACK Delay scaled by `ack_delay_exponent`.
pub(super) fn read(frame: &Frame<'_>, ack_delay_exponent: u64) -> QuicFrame {
    let get = |wanted| uint(frame, wanted).unwrap_or(0);
    if frame.malformed.is_some() {
        return QuicFrame::Unknown { frame_type: frame.kind };
    }
    match frame.kind {
        kind::PADDING => QuicFrame::Padding { length: get(name::PADDING_LENGTH) },
        kind::PING => QuicFrame::Ping,
        kind::ACK | kind::ACK_ECN => {
            let scaled = get(name::ACK_ACK_DELAY).saturating_mul(1 << ack_delay_exponent.min(20));
            QuicFrame::Ack {
                delay_ms: scaled as f64 / 1000.0,
                ranges: ack_ranges(frame),
                ecn: (frame.kind == kind::ACK_ECN).then(|| {
                    [get(name::ACK_ECT1_COUNT), get(name::ACK_ECT0_COUNT), get(name::ACK_ECN_CE_COUNT)]
                }),
            }
        }
        kind::RESET_STREAM => QuicFrame::ResetStream {
            stream_id: get(name::RSTS_STREAM_ID),
            error_code: get(name::RSTS_APPLICATION_ERROR_CODE),
            final_size: get(name::RSTS_FINAL_SIZE),
        },
        kind::STOP_SENDING => QuicFrame::StopSending {
            stream_id: get(name::SS_STREAM_ID),
            error_code: get(name::SS_APPLICATION_ERROR_CODE),
        },
        kind::CRYPTO => {
            let (offset, data) = frame.crypto.clone().unwrap_or_default();
            QuicFrame::Crypto { offset, length: data.len() as u64 }
        }
        kind::NEW_TOKEN => QuicFrame::NewToken { length: get(name::NT_LENGTH) },
        kind::STREAM..=kind::STREAM_LAST => {
            let (stream_id, offset, data, fin) = frame.stream.clone().unwrap_or_default();
            QuicFrame::Stream { stream_id, offset, length: data.len() as u64, fin }
        }
        kind::MAX_DATA => QuicFrame::MaxData { maximum: get(name::MD_MAXIMUM_DATA) },
        kind::MAX_STREAM_DATA => QuicFrame::MaxStreamData {
            stream_id: get(name::MSD_STREAM_ID),
            maximum: get(name::MSD_MAXIMUM_STREAM_DATA),
        },
        kind::MAX_STREAMS_BIDI | kind::MAX_STREAMS_UNI => QuicFrame::MaxStreams {
            bidirectional: frame.kind == kind::MAX_STREAMS_BIDI,
            maximum: get(name::MS_MAX_STREAMS),
        },
        kind::DATA_BLOCKED => QuicFrame::DataBlocked { limit: get(name::SB_STREAM_DATA_LIMIT) },
        kind::STREAM_DATA_BLOCKED => QuicFrame::StreamDataBlocked {
            stream_id: get(name::SDB_STREAM_ID),
            limit: get(name::SB_STREAM_DATA_LIMIT),
        },
        kind::STREAMS_BLOCKED_BIDI | kind::STREAMS_BLOCKED_UNI => QuicFrame::StreamsBlocked {
            bidirectional: frame.kind == kind::STREAMS_BLOCKED_BIDI,
            limit: get(name::SIB_STREAM_LIMIT),
        },
        kind::NEW_CONNECTION_ID => QuicFrame::NewConnectionId {
            sequence_number: get(name::NCI_SEQUENCE),
            retire_prior_to: get(name::NCI_RETIRE_PRIOR_TO),
            connection_id: bytes(frame, name::NCI_CONNECTION_ID),
            reset_token: bytes(frame, name::NCI_STATELESS_RESET_TOKEN),
        },
        kind::RETIRE_CONNECTION_ID => {
            QuicFrame::RetireConnectionId { sequence_number: get(name::RCI_SEQUENCE) }
        }
        kind::PATH_CHALLENGE => QuicFrame::PathChallenge { data: bytes(frame, name::PATH_CHALLENGE_DATA) },
        kind::PATH_RESPONSE => QuicFrame::PathResponse { data: bytes(frame, name::PATH_RESPONSE_DATA) },
        kind::CONNECTION_CLOSE | kind::CONNECTION_CLOSE_APP => {
            let application = frame.kind == kind::CONNECTION_CLOSE_APP;
            let code = if application { name::CC_ERROR_CODE_APP } else { name::CC_ERROR_CODE };
            QuicFrame::ConnectionClose {
                application,
                error_code: get(code),
                trigger: uint(frame, name::CC_FRAME_TYPE),
                reason: String::from_utf8_lossy(&bytes(frame, name::CC_REASON_PHRASE)).into_owned(),
            }
        }
        kind::HANDSHAKE_DONE => QuicFrame::HandshakeDone,
        kind::DATAGRAM | kind::DATAGRAM_LENGTH => {
            QuicFrame::Datagram { length: bytes(frame, name::DG).len() as u64 }
        }
        frame_type => QuicFrame::Unknown { frame_type },
    }
}

/// Logs the PADDING of a packet once, with the count of all its bytes (the draft's advice).
pub(super) fn merge_padding(frames: Vec<QuicFrame>) -> Vec<QuicFrame> {
    let padding: u64 = frames
        .iter()
        .map(|frame| match frame {
            QuicFrame::Padding { length } => *length,
            _ => 0,
        })
        .sum();
    let mut merged: Vec<QuicFrame> =
        frames.into_iter().filter(|frame| !matches!(frame, QuicFrame::Padding { .. })).collect();
    if padding > 0 {
        merged.push(QuicFrame::Padding { length: padding });
    }
    merged
}

/// RFC 9000 section 20.1's name of a transport error code, as qlog spells it.
fn transport_error(code: u64) -> Option<&'static str> {
    Some(match code {
        0x00 => "no_error",
        0x01 => "internal_error",
        0x02 => "connection_refused",
        0x03 => "flow_control_error",
        0x04 => "stream_limit_error",
        0x05 => "stream_state_error",
        0x06 => "final_size_error",
        0x07 => "frame_encoding_error",
        0x08 => "transport_parameter_error",
        0x09 => "connection_id_limit_error",
        0x0a => "protocol_violation",
        0x0b => "invalid_token",
        0x0c => "application_error",
        0x0d => "crypto_buffer_exceeded",
        0x0e => "key_update_error",
        0x0f => "aead_limit_reached",
        0x10 => "no_viable_path",
        _ => return None,
    })
}

fn stream_type(bidirectional: bool) -> &'static str {
    if bidirectional { "bidirectional" } else { "unidirectional" }
}

impl QuicFrame {
    /// The frame as a qlog `QuicFrame` object of `shape`.
    pub fn to_json(&self, shape: Shape) -> Value {
        let draft = shape == Shape::Draft;
        // A length: 0.3's own field, the draft's `raw.length` (`raw.payload_length` for
        // PADDING).
        let sized = |mut object: Value, field: &str, length: u64| {
            if let Some(map) = object.as_object_mut() {
                if draft {
                    let raw_field = if field == "payload_length" { "payload_length" } else { "length" };
                    map.insert("raw".into(), json!({ raw_field: length }));
                } else {
                    map.insert(field.into(), json!(length));
                }
            }
            object
        };
        match self {
            Self::Padding { length } => sized(json!({"frame_type": "padding"}), "payload_length", *length),
            Self::Ping => json!({"frame_type": "ping"}),
            Self::Ack { delay_ms, ranges, ecn } => {
                let mut map = Map::new();
                map.insert("frame_type".into(), json!("ack"));
                map.insert("ack_delay".into(), json!(delay_ms));
                let ranges: Vec<Value> = ranges
                    .iter()
                    .map(|&(low, high)| if low == high { json!([low]) } else { json!([low, high]) })
                    .collect();
                map.insert("acked_ranges".into(), Value::Array(ranges));
                if let Some([ect1, ect0, ce]) = ecn {
                    map.insert("ect1".into(), json!(ect1));
                    map.insert("ect0".into(), json!(ect0));
                    map.insert("ce".into(), json!(ce));
                }
                Value::Object(map)
            }
            Self::ResetStream { stream_id, error_code, final_size } if draft => json!({
                "frame_type": "reset_stream", "stream_id": stream_id, "error": "unknown",
                "error_code": error_code, "final_size": final_size,
            }),
            Self::ResetStream { stream_id, error_code, final_size } => json!({
                "frame_type": "reset_stream", "stream_id": stream_id, "error_code": error_code,
                "final_size": final_size,
            }),
            Self::StopSending { stream_id, error_code } if draft => json!({
                "frame_type": "stop_sending", "stream_id": stream_id, "error": "unknown",
                "error_code": error_code,
            }),
            Self::StopSending { stream_id, error_code } => {
                json!({"frame_type": "stop_sending", "stream_id": stream_id, "error_code": error_code})
            }
            Self::Crypto { offset, length } => {
                sized(json!({"frame_type": "crypto", "offset": offset}), "length", *length)
            }
            Self::NewToken { length } => {
                json!({"frame_type": "new_token", "token": {"raw": {"length": length}}})
            }
            Self::Stream { stream_id, offset, length, fin } => sized(
                json!({"frame_type": "stream", "stream_id": stream_id, "offset": offset, "fin": fin}),
                "length",
                *length,
            ),
            Self::MaxData { maximum } => json!({"frame_type": "max_data", "maximum": maximum}),
            Self::MaxStreamData { stream_id, maximum } => {
                json!({"frame_type": "max_stream_data", "stream_id": stream_id, "maximum": maximum})
            }
            Self::MaxStreams { bidirectional, maximum } => json!({
                "frame_type": "max_streams", "stream_type": stream_type(*bidirectional), "maximum": maximum,
            }),
            Self::DataBlocked { limit } => json!({"frame_type": "data_blocked", "limit": limit}),
            Self::StreamDataBlocked { stream_id, limit } => {
                json!({"frame_type": "stream_data_blocked", "stream_id": stream_id, "limit": limit})
            }
            Self::StreamsBlocked { bidirectional, limit } => json!({
                "frame_type": "streams_blocked", "stream_type": stream_type(*bidirectional), "limit": limit,
            }),
            Self::NewConnectionId { sequence_number, retire_prior_to, connection_id, reset_token } => json!({
                "frame_type": "new_connection_id",
                "sequence_number": sequence_number,
                "retire_prior_to": retire_prior_to,
                "connection_id_length": connection_id.len(),
                "connection_id": hex(connection_id),
                "stateless_reset_token": hex(reset_token),
            }),
            Self::RetireConnectionId { sequence_number } => {
                json!({"frame_type": "retire_connection_id", "sequence_number": sequence_number})
            }
            Self::PathChallenge { data } => json!({"frame_type": "path_challenge", "data": hex(data)}),
            Self::PathResponse { data } => json!({"frame_type": "path_response", "data": hex(data)}),
            Self::ConnectionClose { application, error_code, trigger, reason } => {
                let mut map = Map::new();
                map.insert("frame_type".into(), json!("connection_close"));
                let space = match (application, draft) {
                    (true, true) => "application",
                    (false, true) => "transport",
                    (true, false) => "application_error",
                    (false, false) => "transport_error",
                };
                map.insert("error_space".into(), json!(space));
                if draft {
                    let named = if *application { None } else { transport_error(*error_code) };
                    map.insert("error".into(), json!(named.unwrap_or("unknown")));
                    if named.is_none() {
                        map.insert("error_code".into(), json!(error_code));
                    }
                } else {
                    map.insert("error_code".into(), json!(error_code));
                }
                map.insert("reason".into(), json!(reason));
                if let Some(trigger) = trigger.filter(|_| !application) {
                    map.insert("trigger_frame_type".into(), json!(trigger));
                }
                Value::Object(map)
            }
            Self::HandshakeDone => json!({"frame_type": "handshake_done"}),
            Self::Datagram { length } => sized(json!({"frame_type": "datagram"}), "length", *length),
            Self::Unknown { frame_type } if draft => {
                json!({"frame_type": "unknown", "frame_type_bytes": frame_type})
            }
            Self::Unknown { frame_type } => json!({"frame_type": "unknown", "raw_frame_type": frame_type}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::quic::frame::parse_one;

    #[test]
    fn ack_ranges_count_down_from_the_largest() {
        // ACK: largest 10, delay 25 (x 2^3 us = 0.2 ms), 1 more range, first range 2 (8..=10),
        // gap 1 and range 3: largest 8 - 1 - 2 = 5, smallest 5 - 3 = 2.
        let payload = [0x02, 10, 25, 1, 2, 1, 3];
        let frame = read(&parse_one(&payload, 0), 3);
        assert_eq!(frame, QuicFrame::Ack { delay_ms: 0.2, ranges: vec![(8, 10), (2, 5)], ecn: None });
        assert_eq!(
            frame.to_json(Shape::Seq03),
            json!({"frame_type": "ack", "ack_delay": 0.2, "acked_ranges": [[8, 10], [2, 5]]})
        );
    }

    #[test]
    fn an_ack_range_below_packet_zero_ends_the_list() {
        // Largest 1, first range 1 (0..=1), then a gap that would go below 0.
        let payload = [0x02, 1, 0, 1, 1, 0, 0];
        assert_eq!(ack_ranges(&parse_one(&payload, 0)), [(0, 1)]);
    }

    #[test]
    fn lengths_are_fields_in_0_3_and_raw_in_the_draft() {
        // STREAM with OFF, LEN and FIN (0x0f): stream 4, offset 2, length 3, "abc".
        let payload = [0x0f, 4, 2, 3, b'a', b'b', b'c'];
        let frame = read(&parse_one(&payload, 0), 3);
        assert_eq!(frame, QuicFrame::Stream { stream_id: 4, offset: 2, length: 3, fin: true });
        assert_eq!(
            frame.to_json(Shape::Seq03),
            json!({"frame_type": "stream", "stream_id": 4, "offset": 2, "fin": true, "length": 3})
        );
        assert_eq!(
            frame.to_json(Shape::Draft),
            json!({"frame_type": "stream", "stream_id": 4, "offset": 2, "fin": true, "raw": {"length": 3}})
        );
        // CRYPTO: offset 0, length 2.
        let crypto = read(&parse_one(&[0x06, 0, 2, 1, 2], 0), 3);
        assert_eq!(crypto.to_json(Shape::Seq03), json!({"frame_type": "crypto", "offset": 0, "length": 2}));
    }

    #[test]
    fn padding_is_logged_once_with_its_bytes() {
        let frames =
            vec![QuicFrame::Padding { length: 3 }, QuicFrame::Ping, QuicFrame::Padding { length: 5 }];
        assert_eq!(merge_padding(frames), [QuicFrame::Ping, QuicFrame::Padding { length: 8 }]);
    }

    #[test]
    fn a_transport_close_names_its_error_in_the_draft() {
        // CONNECTION_CLOSE: PROTOCOL_VIOLATION (0x0a), frame type 0x06, reason "x".
        let frame = read(&parse_one(&[0x1c, 0x0a, 0x06, 1, b'x'], 0), 3);
        assert_eq!(
            frame.to_json(Shape::Draft),
            json!({"frame_type": "connection_close", "error_space": "transport",
                   "error": "protocol_violation", "reason": "x", "trigger_frame_type": 6})
        );
        assert_eq!(
            frame.to_json(Shape::Seq03),
            json!({"frame_type": "connection_close", "error_space": "transport_error",
                   "error_code": 10, "reason": "x", "trigger_frame_type": 6})
        );
    }
}
