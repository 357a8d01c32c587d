//! Generic Routing Encapsulation (GRE): a packet of any protocol carried over IP (protocol 47),
//! named by an EtherType, with an optional checksum, key and sequence number.
//!
//! ```text
//! RFC 2784 section 2.1, with RFC 2890 section 2's key and sequence number:
//! |C| |K|S| Reserved0 (9) | Ver(3) |       Protocol Type (16)      |
//! |      Checksum (optional)       |      Reserved1 (optional)     |
//! |                          Key (optional)                        |
//! |                  Sequence Number (optional)                    |
//! RFC 2637 section 4.1 (PPTP's enhanced GRE, version 1): K is always set and the key is
//! Payload Length (16) and Call ID (16); the A bit adds an Acknowledgment Number (32).
//! ```
//! RFC 1701's routing (the R bit, and its Source Route Entries) is not read: such a header is
//! malformed here. The invariant: what follows the optional words is the payload the Protocol
//! Type names, handed to the chain through the EtherType table.

use std::fmt;

use super::Content;
use super::checksum;
use super::error::{Error, IResult, be16, be32, into_error, take_bytes};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::dispatch::Next;
use crate::osi::Protocol;

pub const FIXED_LEN: usize = 4;

mod field {
    use std::ops::Range;
    pub const FLAGS_AND_VERSION: Range<usize> = 0..2;
    pub const PROTOCOL_TYPE: Range<usize> = 2..4;
    pub const CHECKSUM: u16 = 0x8000;
    pub const ROUTING: u16 = 0x4000;
    pub const KEY: u16 = 0x2000;
    pub const SEQUENCE: u16 = 0x1000;
    pub const STRICT_SOURCE_ROUTE: u16 = 0x0800;
    pub const RECURSION: u16 = 0x0700;
    pub const ACK: u16 = 0x0080;
    pub const RESERVED: u16 = 0x00f8;
    pub const RESERVED_V1: u16 = 0x0078;
    pub const VERSION: u16 = 0x0007;
}

/// A GRE header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    bytes: &'a [u8],
    /// Whether the checksum (over the header and payload) is right, when one is present.
    checksum_good: bool,
}

pub fn parse(input: &[u8]) -> IResult<'_, Header<'_>> {
    let (_, fixed) = take_bytes(FIXED_LEN)(input)?;
    let flags = be16(fixed, field::FLAGS_AND_VERSION.start);
    if flags & field::ROUTING != 0 {
        return Err(Error::malformed("GRE routing (RFC 1701 source routes) is not read"));
    }
    let version = flags & field::VERSION;
    if version > 1 {
        return Err(Error::malformed(format!("GRE version {version} is unknown (0 and 1 are defined)")));
    }
    let words = [
        flags & field::CHECKSUM != 0,
        flags & field::KEY != 0,
        flags & field::SEQUENCE != 0,
        version == 1 && flags & field::ACK != 0,
    ];
    let len = FIXED_LEN + 4 * words.iter().filter(|present| **present).count();
    let (payload, bytes) = take_bytes(len)(input)?;
    // RFC 2784 section 2.5: the one's complement sum of the header and the payload.
    let checksum_good = flags & field::CHECKSUM != 0 && checksum::verifies(0, input);
    Ok((payload, Header { bytes, checksum_good }))
}

/// Reads a header as the stateless chain's entry for GRE: the payload its Protocol Type names
/// follows it.
pub fn dissect(input: &[u8]) -> Result<(Content<'_>, Next<'_>), Error> {
    let (payload, header) = parse(input).map_err(into_error)?;
    Ok((Content::Gre(header), Next::EtherType { ethertype: header.protocol_type(), payload }))
}

impl Header<'_> {
    pub fn flags_and_version(&self) -> u16 {
        be16(self.bytes, field::FLAGS_AND_VERSION.start)
    }

    fn has(&self, flag: u16) -> bool {
        self.flags_and_version() & flag != 0
    }

    pub fn version(&self) -> u16 {
        self.flags_and_version() & field::VERSION
    }

    pub fn protocol_type(&self) -> u16 {
        be16(self.bytes, field::PROTOCOL_TYPE.start)
    }

    /// Whether the header carries a sequence number (ERSPAN type I has none).
    pub fn has_sequence(&self) -> bool {
        self.has(field::SEQUENCE)
    }

    /// The optional words in wire order, each with its offset.
    fn optional(&self) -> (Option<usize>, Option<usize>, Option<usize>, Option<usize>) {
        let mut at = FIXED_LEN;
        let mut word = |present: bool| {
            present.then(|| {
                at += 4;
                at - 4
            })
        };
        let checksum = word(self.has(field::CHECKSUM));
        let key = word(self.has(field::KEY));
        let sequence = word(self.has(field::SEQUENCE));
        let ack = word(self.version() == 1 && self.has(field::ACK));
        (checksum, key, sequence, ack)
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        let flags = self.flags_and_version();
        let bit = |flag: u16| Value::Bool(flags & flag != 0);
        let at = field::FLAGS_AND_VERSION;
        out.at(name::FLAGS_AND_VERSION, at.clone(), Value::hex16(flags));
        out.at(name::FLAGS_CHECKSUM, at.clone(), bit(field::CHECKSUM));
        out.at(name::FLAGS_ROUTING, at.clone(), bit(field::ROUTING));
        out.at(name::FLAGS_KEY, at.clone(), bit(field::KEY));
        out.at(name::FLAGS_SEQUENCE_NUMBER, at.clone(), bit(field::SEQUENCE));
        out.at(name::FLAGS_STRICT_SOURCE_ROUTE, at.clone(), bit(field::STRICT_SOURCE_ROUTE));
        let recursion = (flags & field::RECURSION) >> 8;
        out.at(name::FLAGS_RECURSION_CONTROL, at.clone(), Value::Uint(recursion.into()));
        let reserved = if self.version() == 1 {
            out.at(name::FLAGS_ACK, at.clone(), bit(field::ACK));
            (flags & field::RESERVED_V1) >> 3
        } else {
            (flags & field::RESERVED) >> 3
        };
        out.at(name::FLAGS_RESERVED, at.clone(), Value::Uint(reserved.into()));
        out.at(name::FLAGS_VERSION, at, Value::Uint(self.version().into()));
        out.at(name::PROTO, field::PROTOCOL_TYPE, Value::hex16(self.protocol_type()));
        let (checksum, key, sequence, ack) = self.optional();
        if let Some(at) = checksum {
            out.at(name::CHECKSUM, at..at + 2, Value::hex16(be16(self.bytes, at)));
            // Wireshark's checksum status: 0 bad, 1 good.
            out.at(name::CHECKSUM_STATUS, at..at + 2, Value::Uint(self.checksum_good.into()));
            out.at(name::OFFSET, at + 2..at + 4, Value::Uint(be16(self.bytes, at + 2).into()));
        }
        if let Some(at) = key {
            if self.version() == 1 {
                out.at(name::KEY_PAYLOAD_LENGTH, at..at + 2, Value::Uint(be16(self.bytes, at).into()));
                out.at(name::KEY_CALL_ID, at + 2..at + 4, Value::Uint(be16(self.bytes, at + 2).into()));
            } else {
                out.at(name::KEY, at..at + 4, Value::hex32(be32(self.bytes, at)));
            }
        }
        if let Some(at) = sequence {
            out.at(name::SEQUENCE_NUMBER, at..at + 4, Value::Uint(be32(self.bytes, at).into()));
        }
        if let Some(at) = ack {
            out.at(name::ACK_NUMBER, at..at + 4, Value::Uint(be32(self.bytes, at).into()));
        }
    }

    /// Wireshark's name for the protocol type, as its Info column says it.
    fn protocol_type_name(&self) -> Option<&'static str> {
        Some(match self.protocol_type() {
            0x0800 => "IP",
            0x86dd => "IPv6",
            0x6558 => "Transparent Ethernet bridging",
            0x88be => "ERSPAN",
            0x22eb => "ERSPAN III",
            0x8847 => "MPLS label switched packet",
            0x8848 => "MPLS multicast label switched packet",
            0x880b => "PPP",
            _ => return None,
        })
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        match self.protocol_type_name() {
            Some(name) => write!(out, "Encapsulated {name}"),
            None => write!(out, "Encapsulated 0x{:04X}", self.protocol_type()),
        }
    }
}

impl LayerHeader for Header<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Gre
    }

    fn header_len(&self) -> usize {
        self.bytes.len()
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Header::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Header::summary(self, out)
    }
}

pub mod name {
    //! The fields of a GRE header, by Wireshark's names: the registry's rows for them, and the
    //! names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Gre;
        FLAGS_AND_VERSION "gre.flags_and_version" Hex "flags and version";
        FLAGS_CHECKSUM "gre.flags.checksum" Bool "checksum present";
        FLAGS_ROUTING "gre.flags.routing" Bool "routing present";
        FLAGS_KEY "gre.flags.key" Bool "key present";
        FLAGS_SEQUENCE_NUMBER "gre.flags.sequence_number" Bool "sequence number present";
        FLAGS_STRICT_SOURCE_ROUTE "gre.flags.strict_source_route" Bool "strict source route";
        FLAGS_RECURSION_CONTROL "gre.flags.recursion_control" Uint "recursion control";
        FLAGS_ACK "gre.flags.ack" Bool "acknowledgment number present (version 1)";
        FLAGS_RESERVED "gre.flags.reserved" Uint "reserved flag bits";
        FLAGS_VERSION "gre.flags.version" Uint "version";
        PROTO "gre.proto" Hex "protocol type (an EtherType)";
        CHECKSUM "gre.checksum" Hex "checksum";
        CHECKSUM_STATUS "gre.checksum.status" Uint "checksum status (0 bad, 1 good)";
        OFFSET "gre.offset" Uint "offset (reserved1)";
        KEY "gre.key" Hex "key";
        KEY_PAYLOAD_LENGTH "gre.key.payload_length" Uint "payload length (version 1)";
        KEY_CALL_ID "gre.key.call_id" Uint "call ID (version 1)";
        SEQUENCE_NUMBER "gre.sequence_number" Uint "sequence number";
        ACK_NUMBER "gre.ack_number" Uint "acknowledgment number (version 1)";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header with checksum, key and sequence number around 4 bytes of an IPv4 datagram.
    fn packet() -> Vec<u8> {
        let mut bytes = vec![
            0xb0, 0x00, // C, K, S; version 0
            0x08, 0x00, // protocol type: IPv4
            0x00, 0x00, 0x00, 0x00, // checksum (filled in below), reserved1
            0x00, 0x00, 0x00, 0x2a, // key
            0x00, 0x00, 0x00, 0x07, // sequence number
            0x45, 0x00, 0x00, 0x14, // the IPv4 datagram's first bytes
        ];
        let sum = !checksum::fold(checksum::add(0, &bytes));
        bytes[4..6].copy_from_slice(&sum.to_be_bytes());
        bytes
    }
    const HEADER_LEN: usize = 16;

    #[test]
    fn reads_checksum_key_and_sequence_number() {
        let bytes = packet();
        let (content, next) = dissect(&bytes).expect("a whole header");
        let Content::Gre(header) = content else { panic!("not GRE: {content:?}") };
        assert!(header.checksum_good, "the checksum covers header and payload");
        assert!(header.has_sequence());
        assert_eq!(header.optional(), (Some(4), Some(8), Some(12), None));
        assert_eq!(next, Next::EtherType { ethertype: 0x0800, payload: &bytes[HEADER_LEN..] });
        let mut summary = String::new();
        header.summary(&mut summary).expect("formatting");
        assert_eq!(summary, "Encapsulated IP");
        let mut bad = packet();
        bad[19] ^= 1;
        let (_, header) = parse(&bad).expect("still a header");
        assert!(!header.checksum_good);
    }

    #[test]
    fn a_bare_header_is_four_bytes() {
        let bytes = [0x00, 0x00, 0x65, 0x58, 0x02];
        let (payload, header) = parse(&bytes).expect("a whole header");
        assert_eq!((header.bytes.len(), payload), (FIXED_LEN, &bytes[4..]));
        assert!(!header.has_sequence());
    }

    #[test]
    fn every_truncation_is_reported() {
        let bytes = packet();
        for cut in 0..HEADER_LEN {
            let needed = if cut < FIXED_LEN { FIXED_LEN - cut } else { HEADER_LEN - cut };
            assert_eq!(parse(&bytes[..cut]), Err(Error::truncated(needed)), "cut at {cut}");
        }
    }

    #[test]
    fn routing_and_unknown_versions_are_malformed() {
        for first in [[0x40, 0x00], [0x00, 0x02]] {
            let mut bytes = packet();
            bytes[..2].copy_from_slice(&first);
            assert!(matches!(parse(&bytes), Err(nom::Err::Error(Error::Malformed(_)))), "{first:?}");
        }
    }

    #[test]
    fn version_one_has_an_acknowledgment_number() {
        // PPTP: K, S, A; version 1; protocol PPP; payload length, call ID, sequence, ack
        let bytes = [0x30, 0x81, 0x88, 0x0b, 0, 4, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2];
        let (payload, header) = parse(&bytes).expect("a whole header");
        assert!(payload.is_empty());
        assert_eq!(header.optional(), (None, Some(4), Some(8), Some(12)));
    }
}
