//! The quic_transport_parameters extension (57): each parameter's ID, length and value, and
//! what the value says for the kinds tshark reads.
//!
//! ```text
//! RFC 9000 section 18:
//! Transport Parameters {                   Transport Parameter {
//!   Transport Parameter (..) ...,            Transport Parameter ID (i),
//! }                                          Transport Parameter Length (i),
//!                                            Transport Parameter Value (..),
//!                                          }
//! ```
//! Reserved IDs (`31 * N + 27`, section 18.1) are GREASE. A parameter whose ID or length is cut,
//! or whose value runs past the extension, ends the list after what could be read.

use std::ops::Range;

use super::name;
use crate::dissect::field::{Emitter, Value};
use crate::dissect::quic::varint;

pub mod id {
    pub const ORIGINAL_DESTINATION_CONNECTION_ID: u64 = 0x00;
    pub const MAX_IDLE_TIMEOUT: u64 = 0x01;
    pub const ACK_DELAY_EXPONENT: u64 = 0x0a;
    pub const VERSION_INFORMATION: u64 = 0x11;
}

/// One parameter as far as it could be read: the ranges are relative to the extension's data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parameter<'a> {
    pub id: u64,
    pub id_at: Range<usize>,
    /// The length and where it is; `None` if the list ends inside it.
    pub length: Option<(u64, Range<usize>)>,
    /// The value, at `value_at`; `None` if it runs past the extension.
    pub value: Option<&'a [u8]>,
    pub value_at: usize,
}

/// Walks a transport parameters block; the parameter that cannot be read whole is the last.
pub fn walk(block: &[u8]) -> impl Iterator<Item = Parameter<'_>> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let rest = block.get(at..).filter(|rest| !rest.is_empty())?;
        let (id, id_len) = varint::read(rest)?;
        let id_at = at..at + id_len;
        let length = rest.get(id_len..).and_then(varint::read);
        let value_at = id_at.end + length.map_or(0, |(_, used)| used);
        let value = length.and_then(|(length, _)| {
            let end = value_at.checked_add(usize::try_from(length).ok()?)?;
            block.get(value_at..end)
        });
        // A parameter cut short ends the walk after it.
        at = match value {
            Some(value) => value_at + value.len(),
            None => block.len(),
        };
        let length = length.map(|(length, used)| (length, id_at.end..id_at.end + used));
        Some(Parameter { id, id_at, length, value, value_at })
    })
}

/// How tshark reads a parameter's value, and the field it puts it in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// One varint.
    Integer(&'static str),
    /// Its bytes (a connection ID, a token).
    Bytes(&'static str),
    /// A chosen version, then other versions, four bytes each.
    Versions,
}

/// tshark's name of a parameter kind (RFC 9000 section 18.2 and the registry's later ones),
/// and how it reads the value.
fn kind(id: u64) -> Option<(&'static str, Option<Form>)> {
    use Form::{Bytes, Integer};
    Some(match id {
        0x00 => ("original_destination_connection_id", Some(Bytes(name::QUIC_PARAMETER_ODCID))),
        0x01 => ("max_idle_timeout", Some(Integer(name::QUIC_PARAMETER_MAX_IDLE_TIMEOUT))),
        0x02 => ("stateless_reset_token", Some(Bytes(name::QUIC_PARAMETER_STATELESS_RESET_TOKEN))),
        0x03 => ("max_udp_payload_size", Some(Integer(name::QUIC_PARAMETER_MAX_UDP_PAYLOAD_SIZE))),
        0x04 => ("initial_max_data", Some(Integer(name::QUIC_PARAMETER_INITIAL_MAX_DATA))),
        0x05 => (
            "initial_max_stream_data_bidi_local",
            Some(Integer(name::QUIC_PARAMETER_MAX_STREAM_DATA_BIDI_LOCAL)),
        ),
        0x06 => (
            "initial_max_stream_data_bidi_remote",
            Some(Integer(name::QUIC_PARAMETER_MAX_STREAM_DATA_BIDI_REMOTE)),
        ),
        0x07 => ("initial_max_stream_data_uni", Some(Integer(name::QUIC_PARAMETER_MAX_STREAM_DATA_UNI))),
        0x08 => ("initial_max_streams_bidi", Some(Integer(name::QUIC_PARAMETER_INITIAL_MAX_STREAMS_BIDI))),
        0x09 => ("initial_max_streams_uni", Some(Integer(name::QUIC_PARAMETER_INITIAL_MAX_STREAMS_UNI))),
        0x0a => ("ack_delay_exponent", Some(Integer(name::QUIC_PARAMETER_ACK_DELAY_EXPONENT))),
        0x0b => ("max_ack_delay", Some(Integer(name::QUIC_PARAMETER_MAX_ACK_DELAY))),
        0x0c => ("disable_active_migration", None),
        0x0d => ("preferred_address", None),
        0x0e => {
            ("active_connection_id_limit", Some(Integer(name::QUIC_PARAMETER_ACTIVE_CONNECTION_ID_LIMIT)))
        }
        0x0f => ("initial_source_connection_id", Some(Bytes(name::QUIC_PARAMETER_ISCID))),
        0x10 => ("retry_source_connection_id", Some(Bytes(name::QUIC_PARAMETER_RSCID))),
        0x11 => ("version_information", Some(Form::Versions)),
        0x20 => ("max_datagram_frame_size", Some(Integer(name::QUIC_PARAMETER_MAX_DATAGRAM_FRAME_SIZE))),
        0x1000 => ("cibir_encoding", None),
        0x1057 => ("loss_bits", None),
        0x2ab2 => ("grease_quic_bit", None),
        0x7157 => ("enable_time_stamp", None),
        0x7158 => ("enable_time_stamp_v2", None),
        0xde1a | 0xff03_de1a => ("min_ack_delay", None),
        0x3127 => ("google_initial_rtt", None),
        0x3128 => ("google_connection_options", None),
        0x3129 => ("google_user_agent", None),
        0x312a => ("google_support_handshake_done", None),
        0x312b => ("google_key_update_not_yet_supported", None),
        0x4751 => ("google_quic_params", None),
        0x4752 => ("google_quic_version", None),
        0xff00 => ("facebook_partial_reliability", None),
        _ => return None,
    })
}

/// Reserved parameter IDs (RFC 9000 section 18.1).
pub fn is_grease(id: u64) -> bool {
    id > 27 && (id - 27).is_multiple_of(31)
}

/// A parameter's name as tshark's `Type` line shows it: `GREASE`, its name, or `Unknown`.
pub fn type_name(id: u64) -> &'static str {
    if is_grease(id) {
        return "GREASE";
    }
    kind(id).map_or("Unknown", |(name, _)| name)
}

/// The field of a kind's varint value, whose value tshark adds to the parameter's title.
pub fn integer_field(id: u64) -> Option<&'static str> {
    match kind(id) {
        Some((_, Some(Form::Integer(field)))) => Some(field),
        _ => None,
    }
}

/// tshark's title of a parameter: `Parameter: max_idle_timeout (len=4) 60000 ms`, from its ID,
/// length and the varint value read from it, if its kind has one.
pub fn title(id: u64, length: u64, value: Option<u64>) -> String {
    let name = if is_grease(id) {
        "GREASE".to_owned()
    } else {
        match kind(id) {
            Some((name, _)) => name.to_owned(),
            None if id > u64::from(u32::MAX) => format!("Unknown 0x{id:08x}"),
            None => format!("Unknown 0x{id:04x}"),
        }
    };
    let mut title = format!("Parameter: {name} (len={length})");
    match value {
        // tshark leaves the exponent's value out of the title.
        Some(_) if id == id::ACK_DELAY_EXPONENT => {}
        Some(value) if id == id::MAX_IDLE_TIMEOUT => title.push_str(&format!(" {value} ms")),
        Some(value) => title.push_str(&format!(" {value}")),
        None => {}
    }
    title
}

/// Emits each parameter of the extension's `data`: its type, length and value, then what its
/// kind reads from the value.
pub fn fields(out: &mut Emitter<'_>, data: &[u8]) {
    for parameter in walk(data) {
        out.at(name::QUIC_PARAMETER_TYPE, parameter.id_at.clone(), Value::Uint(parameter.id));
        let Some((length, length_at)) = parameter.length else { return };
        out.at(name::QUIC_PARAMETER_LENGTH, length_at, Value::Uint(length));
        let Some(value) = parameter.value else { return };
        let at = parameter.value_at;
        out.at(name::QUIC_PARAMETER_VALUE, at..at + value.len(), Value::Bytes(value));
        match kind(parameter.id).and_then(|(_, form)| form) {
            Some(Form::Integer(field)) => {
                if let Some((number, used)) = varint::read(value) {
                    out.at(field, at..at + used, Value::Uint(number));
                }
            }
            Some(Form::Bytes(field)) => out.at(field, at..at + value.len(), Value::Bytes(value)),
            Some(Form::Versions) => {
                for (index, version) in value.chunks_exact(4).enumerate() {
                    let field = match index {
                        0 => name::QUIC_PARAMETER_CHOSEN_VERSION,
                        _ => name::QUIC_PARAMETER_OTHER_VERSION,
                    };
                    let number = u32::from_be_bytes([version[0], version[1], version[2], version[3]]);
                    let from = at + index * 4;
                    out.at(field, from..from + 4, Value::hex32(number));
                }
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::field::Field;

    /// Each field's name, value and range.
    fn read(data: &[u8]) -> Vec<(&'static str, String, Range<usize>)> {
        let mut seen = Vec::new();
        let mut sink = |field: Field<'_>| seen.push((field.name, field.value.to_string(), field.range));
        fields(&mut Emitter::new(&mut sink, 0, Default::default()), data);
        seen
    }

    fn names(seen: &[(&'static str, String, Range<usize>)]) -> Vec<&'static str> {
        seen.iter().map(|(name, ..)| *name).collect()
    }

    #[test]
    fn integers_connection_ids_and_versions_are_read() {
        let data = [
            0x01, 0x04, 0x80, 0x00, 0xea, 0x60, // max_idle_timeout: 60000
            0x0f, 0x02, 0xab, 0xcd, // initial_source_connection_id: ab cd
            0x11, 0x08, 0, 0, 0, 1, 0x6b, 0x33, 0x43, 0xcf, // version_information: 1, then 2
        ];
        let seen = read(&data);
        let value = |name: &str| {
            seen.iter().find(|(n, ..)| *n == name).map(|(_, value, range)| (value.as_str(), range.clone()))
        };
        assert_eq!(value(name::QUIC_PARAMETER_MAX_IDLE_TIMEOUT), Some(("60000", 2..6)));
        assert_eq!(value(name::QUIC_PARAMETER_ISCID), Some(("abcd", 8..10)));
        assert_eq!(value(name::QUIC_PARAMETER_CHOSEN_VERSION), Some(("0x00000001", 12..16)));
        assert_eq!(value(name::QUIC_PARAMETER_OTHER_VERSION), Some(("0x6b3343cf", 16..20)));
        let types: Vec<&str> = seen
            .iter()
            .filter(|(n, ..)| *n == name::QUIC_PARAMETER_TYPE)
            .map(|(_, v, _)| v.as_str())
            .collect();
        assert_eq!(types, ["1", "15", "17"]);
        assert_eq!(title(0x01, 4, Some(60000)), "Parameter: max_idle_timeout (len=4) 60000 ms");
        assert_eq!(title(0x0a, 1, Some(3)), "Parameter: ack_delay_exponent (len=1)");
        assert_eq!(title(0x0e, 1, Some(8)), "Parameter: active_connection_id_limit (len=1) 8");
        assert_eq!(title(0x0f, 8, None), "Parameter: initial_source_connection_id (len=8)");
    }

    #[test]
    fn a_grease_type_is_named_grease_and_an_unknown_one_by_its_number() {
        // 31 * 5 + 27 = 182 (0x40 0xb6 as a two-byte varint), then an unknown 0x1234.
        let data = [0x40, 0xb6, 0x01, 0x07, 0x52, 0x34, 0x00];
        let seen = read(&data);
        assert_eq!(
            names(&seen),
            [
                name::QUIC_PARAMETER_TYPE,
                name::QUIC_PARAMETER_LENGTH,
                name::QUIC_PARAMETER_VALUE,
                name::QUIC_PARAMETER_TYPE,
                name::QUIC_PARAMETER_LENGTH,
                name::QUIC_PARAMETER_VALUE,
            ]
        );
        assert_eq!(seen[0].1, "182");
        assert!(is_grease(182) && !is_grease(27) && !is_grease(0x01));
        assert_eq!(type_name(182), "GREASE");
        assert_eq!(title(182, 1, None), "Parameter: GREASE (len=1)");
        assert_eq!(type_name(0x1234), "Unknown");
        assert_eq!(title(0x1234, 0, None), "Parameter: Unknown 0x1234 (len=0)");
        assert_eq!(title(0x1_0000_0000, 0, None), "Parameter: Unknown 0x100000000 (len=0)");
        assert_eq!(integer_field(182), None);
    }

    #[test]
    fn a_cut_varint_ends_the_list_after_what_was_read() {
        // max_ack_delay: 25, then a type whose two-byte varint is cut after one byte.
        let seen = read(&[0x0b, 0x01, 0x19, 0x40]);
        assert_eq!(
            names(&seen),
            [
                name::QUIC_PARAMETER_TYPE,
                name::QUIC_PARAMETER_LENGTH,
                name::QUIC_PARAMETER_VALUE,
                name::QUIC_PARAMETER_MAX_ACK_DELAY,
            ]
        );
        // A whole type whose length is cut: the type alone.
        let seen = read(&[0x0b, 0x01, 0x19, 0x0e, 0x80, 0x00]);
        assert_eq!(names(&seen[4..]), [name::QUIC_PARAMETER_TYPE]);
        assert_eq!(seen[4].2, 3..4);
    }

    #[test]
    fn a_length_past_the_extension_shows_the_type_and_length_only() {
        // initial_max_data announcing 8 bytes of which 2 are there; a huge length too.
        for data in
            [&[0x04, 0x08, 0x80, 0x10][..], &[0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1]]
        {
            let seen = read(data);
            assert_eq!(names(&seen), [name::QUIC_PARAMETER_TYPE, name::QUIC_PARAMETER_LENGTH]);
            let parameters: Vec<_> = walk(data).collect();
            assert_eq!(parameters.len(), 1);
            assert_eq!(parameters[0].value, None);
        }
    }

    #[test]
    fn thousands_of_parameters_are_each_read_once_and_truncations_do_not_panic() {
        // 20000 empty disable_active_migration parameters: two bytes each.
        let data: Vec<u8> = std::iter::repeat_n([0x0c, 0x00], 20_000).flatten().collect();
        assert_eq!(walk(&data).count(), 20_000);
        assert_eq!(read(&data).len(), 60_000);
        let sample = [0x01, 0x04, 0x80, 0x00, 0xea, 0x60, 0x11, 0x06, 0, 0, 0, 1, 0, 0];
        for cut in 0..sample.len() {
            let _ = read(&sample[..cut]);
        }
    }
}
