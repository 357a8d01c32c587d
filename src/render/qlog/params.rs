//! QUIC transport parameters (RFC 9000 section 18) from the quic_transport_parameters
//! extension (57) of a client's ClientHello or a server's EncryptedExtensions, decrypted by
//! the tracker: what qlog's `parameters_set` logs.
//!
//! ```text
//! Transport Parameter {                    Transport Parameters {
//!   Transport Parameter ID (i),              Transport Parameter (..) ...,
//!   Transport Parameter Length (i),        }
//!   Transport Parameter Value (..),
//! }
//! ```
//! A parameter whose length runs past the extension ends the list; an integer parameter whose
//! value is not one varint is logged as unknown, with its bytes.

use serde_json::{Map, Value, json};

use super::write::hex;
use crate::dissect::quic::varint;
use crate::dissect::tls::extension::{self, kind as extension_kind};
use crate::dissect::tls::handshake::{Hello, kind};
use crate::dissect::tls::quic_parameters;

/// One side's transport parameters, in the order they were sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parameters {
    pub known: Vec<(&'static str, Value)>,
    /// Unknown (and GREASE) parameters: ID and value.
    pub unknown: Vec<(u64, Vec<u8>)>,
}

/// qlog's name of a parameter, and whether its value is a varint (else connection ID or
/// token bytes; `disable_active_migration` is a flag).
fn name(id: u64) -> Option<(&'static str, Form)> {
    Some(match id {
        0x00 => ("original_destination_connection_id", Form::Bytes),
        0x01 => ("max_idle_timeout", Form::Integer),
        0x02 => ("stateless_reset_token", Form::Bytes),
        0x03 => ("max_udp_payload_size", Form::Integer),
        0x04 => ("initial_max_data", Form::Integer),
        0x05 => ("initial_max_stream_data_bidi_local", Form::Integer),
        0x06 => ("initial_max_stream_data_bidi_remote", Form::Integer),
        0x07 => ("initial_max_stream_data_uni", Form::Integer),
        0x08 => ("initial_max_streams_bidi", Form::Integer),
        0x09 => ("initial_max_streams_uni", Form::Integer),
        0x0a => ("ack_delay_exponent", Form::Integer),
        0x0b => ("max_ack_delay", Form::Integer),
        0x0c => ("disable_active_migration", Form::Flag),
        0x0e => ("active_connection_id_limit", Form::Integer),
        0x0f => ("initial_source_connection_id", Form::Bytes),
        0x10 => ("retry_source_connection_id", Form::Bytes),
        0x20 => ("max_datagram_frame_size", Form::Integer),
        0x2ab2 => ("grease_quic_bit", Form::Flag),
        _ => return None,
    })
}

#[derive(Clone, Copy)]
enum Form {
    Integer,
    Bytes,
    Flag,
}

/// The transport parameters of a whole handshake message (its 4-byte header included), if
/// it is a ClientHello or EncryptedExtensions that carries them.
pub(super) fn of_message(message: &[u8]) -> Option<Parameters> {
    let (&message_kind, rest) = message.split_first()?;
    let body = rest.get(3..)?;
    let block = match message_kind {
        kind::CLIENT_HELLO => Hello::parse(message_kind, body).ok()?.extensions?,
        kind::ENCRYPTED_EXTENSIONS => {
            let length = usize::from(u16::from_be_bytes([*body.first()?, *body.get(1)?]));
            body.get(2..2 + length)?
        }
        _ => return None,
    };
    let found =
        extension::walk(block).find(|found| found.kind == extension_kind::QUIC_TRANSPORT_PARAMETERS)?;
    Some(parse(found.data))
}

/// Reads a transport parameters block.
pub fn parse(block: &[u8]) -> Parameters {
    let mut parameters = Parameters::default();
    for parameter in quic_parameters::walk(block) {
        let (id, Some(value)) = (parameter.id, parameter.value) else { break };
        let known = match name(id) {
            Some((name, Form::Integer)) => match varint::read(value) {
                Some((number, used)) if used == value.len() => Some((name, json!(number))),
                _ => None,
            },
            Some((name, Form::Bytes)) => Some((name, json!(hex(value)))),
            Some((name, Form::Flag)) => Some((name, json!(true))),
            None => None,
        };
        match known {
            Some(known) => parameters.known.push(known),
            None => parameters.unknown.push((id, value.to_vec())),
        }
    }
    parameters
}

impl Parameters {
    /// The sender's ack_delay_exponent, if it sent one.
    pub fn ack_delay_exponent(&self) -> Option<u64> {
        self.known
            .iter()
            .find(|(name, _)| *name == "ack_delay_exponent")
            .and_then(|(_, value)| value.as_u64())
    }

    /// The `parameters_set` data: `owner` (qlog 0.3) or `initiator` (the draft) first, then
    /// the parameters, then the unknown ones.
    pub fn to_json(&self, initiator_field: &str, initiator: &str) -> Value {
        let mut map = Map::new();
        map.insert(initiator_field.into(), json!(initiator));
        for (name, value) in &self.known {
            map.insert((*name).into(), value.clone());
        }
        let unknown: Vec<Value> =
            self.unknown.iter().map(|(id, value)| json!({"id": id, "value": hex(value)})).collect();
        map.insert("unknown_parameters".into(), Value::Array(unknown));
        Value::Object(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_named_and_unknown_ones_kept() {
        let block = [
            0x01, 0x02, 0x40, 0x64, // max_idle_timeout: 2 bytes, 100
            0x0f, 0x02, 0xab, 0xcd, // initial_source_connection_id: ab cd
            0x0c, 0x00, // disable_active_migration: empty
            0x1b, 0x01, 0x07, // unknown 0x1b (GREASE-like): 07
            0x03, 0x02, 0x45, // max_udp_payload_size: length 2 runs past the block
        ];
        let parameters = parse(&block);
        assert_eq!(
            parameters.known,
            [
                ("max_idle_timeout", json!(100)),
                ("initial_source_connection_id", json!("abcd")),
                ("disable_active_migration", json!(true)),
            ]
        );
        assert_eq!(parameters.unknown, [(0x1b, vec![0x07])]);
        assert_eq!(
            parameters.to_json("owner", "local"),
            json!({"owner": "local", "max_idle_timeout": 100, "initial_source_connection_id": "abcd",
                   "disable_active_migration": true, "unknown_parameters": [{"id": 27, "value": "07"}]})
        );
    }

    #[test]
    fn encrypted_extensions_carry_the_servers_parameters() {
        // EncryptedExtensions (8), length 10: extensions length 8, extension 57 length 4,
        // ack_delay_exponent (0x0a) = 2, max_ack_delay (0x0b) = 25.
        let message = [0x08, 0, 0, 10, 0, 8, 0, 57, 0, 4, 0x0a, 0x01, 0x02, 0x0b];
        // The last parameter is cut: only the exponent is read.
        let parameters = of_message(&message).expect("parameters");
        assert_eq!(parameters.ack_delay_exponent(), Some(2));
        assert_eq!(of_message(&[0x0b, 0, 0, 0]), None, "a Certificate has none");
    }
}
