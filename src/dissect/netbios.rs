//! The NetBIOS datagram service's header (UDP port 138), as tshark's `nbdgm` shows it; the
//! user data after it (an SMB browser announcement, or anything else) is handed on as data.
//!
//! ```text
//! RFC 1002 section 4.4.1, every datagram: msg_type(1) flags(1: more, first, node type)
//!   dgm_id(2) source_ip(4) source_port(2)
//! section 4.4.2, direct unique (0x10), direct group (0x11), broadcast (0x12):
//!   dgm_length(2) packet_offset(2) source_name destination_name user_data
//! section 4.4.3, error (0x13): error_code(1)
//! section 4.4.4, query request and responses (0x14-0x16): destination_name
//! RFC 1001 section 14.1, a name: one 32-byte label, each nibble of the 16-byte name as
//!   'A' + nibble, then the scope's labels and a zero byte
//! ```
//! The invariant: a name is read only as the 32-byte label and a scope within the datagram,
//! at most [`MAX_NAME_LEN`] bytes; a datagram whose names overrun it is malformed.

use std::fmt;

use super::Content;
use super::error::{Error, IResult, be16, into_error, take_bytes};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::dispatch::Next;
use crate::osi::Protocol;

/// The header every datagram starts with.
pub const HEADER_LEN: usize = 10;
/// The longest encoded name, scope included (RFC 1002 section 4.1: as a DNS name).
pub const MAX_NAME_LEN: usize = 255;

mod field {
    use std::ops::Range;
    pub const TYPE: Range<usize> = 0..1;
    pub const FLAGS: Range<usize> = 1..2;
    pub const DGRAM_ID: Range<usize> = 2..4;
    pub const SRC_IP: Range<usize> = 4..8;
    pub const SRC_PORT: Range<usize> = 8..10;
    pub const DGRAM_LEN: Range<usize> = 10..12;
    pub const PKT_OFFSET: Range<usize> = 12..14;
}

/// A datagram's header and the names it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Datagram<'a> {
    /// From the first byte to the end of the last name.
    bytes: &'a [u8],
    /// The source name's encoded bytes (types 0x10-0x12).
    source_name: Option<&'a [u8]>,
    /// The destination name's encoded bytes.
    destination_name: Option<&'a [u8]>,
}

/// Reads a datagram as the stateless chain's entry for the NetBIOS datagram service: its
/// user data follows, as data.
pub fn dissect(input: &[u8]) -> Result<(Content<'_>, Next<'_>), Error> {
    let (rest, datagram) = parse(input).map_err(into_error)?;
    Ok((Content::Nbdgm(datagram), Next::End { trailer: rest }))
}

pub fn parse(input: &[u8]) -> IResult<'_, Datagram<'_>> {
    let (mut rest, _) = take_bytes(HEADER_LEN)(input)?;
    let (mut source_name, mut destination_name) = (None, None);
    match input[field::TYPE.start] {
        0x10..=0x12 => {
            (rest, _) = take_bytes(4)(rest)?;
            let (after, source) = encoded_name(rest)?;
            let (after, destination) = encoded_name(after)?;
            (rest, source_name, destination_name) = (after, Some(source), Some(destination));
        }
        0x13 => (rest, _) = take_bytes(1)(rest)?,
        0x14..=0x16 => {
            let (after, destination) = encoded_name(rest)?;
            (rest, destination_name) = (after, Some(destination));
        }
        _ => {}
    }
    let len = input.len() - rest.len();
    Ok((rest, Datagram { bytes: &input[..len], source_name, destination_name }))
}

/// An encoded name: a 32-byte label, the scope's labels, and the zero byte that ends them.
fn encoded_name(input: &[u8]) -> IResult<'_, &[u8]> {
    let mut at = 0;
    loop {
        let (_, len) = take_bytes(at + 1)(input).map(|(_, bytes)| (bytes, usize::from(bytes[at])))?;
        if at == 0 && len != 32 {
            return Err(Error::malformed(format!("a NetBIOS name's first label is {len} bytes, not 32")));
        }
        if len > 63 {
            return Err(Error::malformed("a NetBIOS scope label is longer than 63 bytes"));
        }
        at += 1 + len;
        if at > MAX_NAME_LEN {
            return Err(Error::malformed("a NetBIOS name is longer than 255 bytes"));
        }
        if len == 0 {
            return take_bytes(at)(input);
        }
    }
}

/// A name as tshark writes it: the 15 characters without their trailing spaces, the suffix
/// byte in hex (`WORKGROUP<1d>`), then the scope (`.scope`), if there is one.
struct Name<'a>(&'a [u8]);

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = self.0.get(1..33).unwrap_or(&[]);
        let mut decoded = [0u8; 16];
        for (byte, pair) in decoded.iter_mut().zip(label.chunks_exact(2)) {
            *byte = (pair[0].wrapping_sub(b'A') & 0x0f) << 4 | (pair[1].wrapping_sub(b'A') & 0x0f);
        }
        let name = &decoded[..15];
        let end = name.iter().rposition(|&byte| byte != b' ').map_or(0, |last| last + 1);
        for &byte in &name[..end] {
            let shown = if byte.is_ascii_graphic() || byte == b' ' { char::from(byte) } else { '.' };
            write!(f, "{shown}")?;
        }
        write!(f, "<{:02x}>", decoded[15])?;
        let mut at = 33;
        while let Some(&len) = self.0.get(at).filter(|&&len| len != 0) {
            let label = self.0.get(at + 1..at + 1 + usize::from(len)).unwrap_or(&[]);
            write!(f, ".{}", String::from_utf8_lossy(label))?;
            at += 1 + usize::from(len);
        }
        Ok(())
    }
}

/// The names tshark gives datagram types.
pub fn type_name(kind: u8) -> &'static str {
    match kind {
        0x10 => "Direct_unique datagram",
        0x11 => "Direct_group datagram",
        0x12 => "Broadcast datagram",
        0x13 => "Datagram error",
        0x14 => "Datagram query request",
        0x15 => "Datagram positive query response",
        0x16 => "Datagram negative query response",
        _ => "Unknown message type",
    }
}

impl Datagram<'_> {
    pub fn kind(&self) -> u8 {
        self.bytes[field::TYPE.start]
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        let b = self.bytes;
        out.at(name::TYPE, field::TYPE, Value::Uint(self.kind().into()));
        let flags = b[field::FLAGS.start];
        out.at(name::FLAGS, field::FLAGS, Value::hex8(flags));
        out.at(name::NEXT, field::FLAGS, Value::Bool(flags & 0x01 != 0));
        out.at(name::FIRST, field::FLAGS, Value::Bool(flags & 0x02 != 0));
        out.at(name::NODE_TYPE, field::FLAGS, Value::Uint(((flags >> 2) & 0x03).into()));
        out.at(name::DGRAM_ID, field::DGRAM_ID, Value::hex16(be16(b, field::DGRAM_ID.start)));
        let source: [u8; 4] = [b[4], b[5], b[6], b[7]];
        out.at(name::SRC_IP, field::SRC_IP, Value::Ipv4(source.into()));
        out.at(name::SRC_PORT, field::SRC_PORT, Value::Uint(be16(b, field::SRC_PORT.start).into()));
        let mut at = HEADER_LEN;
        if matches!(self.kind(), 0x10..=0x12) {
            out.at(name::DGRAM_LEN, field::DGRAM_LEN, Value::Uint(be16(b, field::DGRAM_LEN.start).into()));
            out.at(name::PKT_OFFSET, field::PKT_OFFSET, Value::Uint(be16(b, field::PKT_OFFSET.start).into()));
            at = field::PKT_OFFSET.end;
        }
        if let Some(source) = self.source_name {
            let shown = Name(source);
            out.at(name::SOURCE_NAME, at..at + source.len(), Value::Lazy(&shown));
            at += source.len();
        }
        if let Some(destination) = self.destination_name {
            let shown = Name(destination);
            out.at(name::DESTINATION_NAME, at..at + destination.len(), Value::Lazy(&shown));
        }
    }

    /// tshark's Info column: the datagram's type.
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        out.write_str(type_name(self.kind()))
    }
}

impl LayerHeader for Datagram<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Nbdgm
    }

    fn header_len(&self) -> usize {
        self.bytes.len()
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Datagram::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Datagram::summary(self, out)
    }
}

pub mod name {
    //! The fields of a NetBIOS datagram, by Wireshark's names: the registry's rows for them,
    //! and the names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Nbdgm;
        TYPE "nbdgm.type" Uint "message type (0x11 direct group)" names NBDGM_TYPE;
        FLAGS "nbdgm.flags" Hex "flags";
        NEXT "nbdgm.next" Bool "more fragments follow";
        FIRST "nbdgm.first" Bool "first fragment";
        NODE_TYPE "nbdgm.node_type" Uint "sender's node type (0 B, 1 P, 2 M)";
        DGRAM_ID "nbdgm.dgram_id" Hex "datagram ID";
        SRC_IP "nbdgm.src.ip" Ipv4 "sender's address";
        SRC_PORT "nbdgm.src.port" Uint "sender's port";
        DGRAM_LEN "nbdgm.dgram_len" Uint "length of names and user data";
        PKT_OFFSET "nbdgm.pkt_offset" Uint "offset of this fragment";
        SOURCE_NAME "nbdgm.source_name" Text "source NetBIOS name";
        DESTINATION_NAME "nbdgm.destination_name" Text "destination NetBIOS name";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::field::Field;

    /// `name` with `suffix`, first-level encoded (RFC 1001 section 14.1).
    fn encoded(name: &str, suffix: u8) -> Vec<u8> {
        let mut raw = format!("{name:<15}").into_bytes();
        raw.push(suffix);
        let mut out = vec![32];
        for byte in raw {
            out.extend([b'A' + (byte >> 4), b'A' + (byte & 0x0f)]);
        }
        out.push(0);
        out
    }

    /// A direct group datagram from 10.0.17.2:138, RTTSCOPE<00> to WORKGROUP<1d>, "hi".
    fn direct_group() -> Vec<u8> {
        let mut bytes = vec![0x11, 0x02, 0x42, 0x42, 10, 0, 17, 2, 0, 138, 0, 70, 0, 0];
        bytes.extend(encoded("RTTSCOPE", 0x00));
        bytes.extend(encoded("WORKGROUP", 0x1d));
        bytes.extend(b"hi");
        bytes
    }

    #[test]
    fn reads_a_direct_group_datagram_and_leaves_its_user_data() {
        let bytes = direct_group();
        let (rest, datagram) = parse(&bytes).expect("a whole datagram");
        assert_eq!(rest, b"hi");
        let mut seen = Vec::new();
        let mut sink = |field: Field<'_>| seen.push((field.name, field.value.to_string()));
        datagram.fields(&mut Emitter::new(&mut sink, 0, Default::default()));
        let value = |name: &str| seen.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
        assert_eq!(value("nbdgm.source_name").as_deref(), Some("RTTSCOPE<00>"));
        assert_eq!(value("nbdgm.destination_name").as_deref(), Some("WORKGROUP<1d>"));
        assert_eq!(value("nbdgm.first").as_deref(), Some("1"));
        assert_eq!(value("nbdgm.dgram_id").as_deref(), Some("0x4242"));
        let mut summary = String::new();
        datagram.summary(&mut summary).expect("formatting");
        assert_eq!(summary, "Direct_group datagram");
    }

    #[test]
    fn a_name_whose_first_label_is_not_32_bytes_is_malformed() {
        let mut bytes = direct_group();
        bytes[14] = 31;
        assert!(matches!(parse(&bytes), Err(nom::Err::Error(Error::Malformed(_)))));
    }

    #[test]
    fn every_truncation_is_reported() {
        let bytes = direct_group();
        let names_end = bytes.len() - 2;
        for cut in 0..names_end {
            assert!(
                matches!(parse(&bytes[..cut]), Err(nom::Err::Error(Error::Truncated { .. }))),
                "cut at {cut}"
            );
        }
        for cut in names_end..=bytes.len() {
            assert!(parse(&bytes[..cut]).is_ok(), "cut at {cut}: only user data is missing");
        }
    }
}
