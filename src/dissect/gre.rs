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
//! RFC 1701 section 2.1's routing: the R bit brings the checksum and offset word (whether C is
//! set or not) and, after the sequence number, a list of Source Route Entries, each
//! |  Address Family (16)  | SRE Offset (8) | SRE Length (8) | Routing Information ...
//! ended by the null entry (address family 0, length 0); at most [`MAX_SRES`] are read, and a
//! list that does not end within them, or within the packet, is malformed or truncated. The
//! invariant: what follows the optional words and the routing is the payload the Protocol
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
/// The most Source Route Entries read before the null one that ends them.
pub const MAX_SRES: usize = 32;
/// A Source Route Entry's address family, offset and length.
const SRE_HEADER_LEN: usize = 4;

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
    let routing = flags & field::ROUTING != 0;
    let version = flags & field::VERSION;
    if version > 1 {
        return Err(Error::malformed(format!("GRE version {version} is unknown (0 and 1 are defined)")));
    }
    let words = [
        flags & field::CHECKSUM != 0 || routing,
        flags & field::KEY != 0,
        flags & field::SEQUENCE != 0,
        version == 1 && flags & field::ACK != 0,
    ];
    let mut len = FIXED_LEN + 4 * words.iter().filter(|present| **present).count();
    if routing {
        take_bytes(len)(input)?;
        len += routing_len(&input[len..])?;
    }
    let (payload, bytes) = take_bytes(len)(input)?;
    // RFC 2784 section 2.5: the one's complement sum of the header and the payload.
    let checksum_good = flags & field::CHECKSUM != 0 && checksum::verifies(0, input);
    Ok((payload, Header { bytes, checksum_good }))
}

/// The length of the Source Route Entries at the start of `input`, the null one included.
fn routing_len(input: &[u8]) -> Result<usize, nom::Err<Error>> {
    let mut at = 0;
    for _ in 0..=MAX_SRES {
        let (_, sre) = take_bytes(at + SRE_HEADER_LEN)(input)?;
        let (family, length) = (be16(sre, at), usize::from(sre[at + 3]));
        at += SRE_HEADER_LEN + length;
        if family == 0 && length == 0 {
            return Ok(at);
        }
    }
    Err(Error::malformed(format!("GRE routing of more than {MAX_SRES} source route entries")))
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

    /// The optional words in wire order, each with its offset (RFC 1701: routing brings the
    /// checksum word too).
    fn optional(&self) -> (Option<usize>, Option<usize>, Option<usize>, Option<usize>) {
        let mut at = FIXED_LEN;
        let mut word = |present: bool| {
            present.then(|| {
                at += 4;
                at - 4
            })
        };
        let checksum = word(self.has(field::CHECKSUM) || self.has(field::ROUTING));
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
            // Wireshark's checksum status: 0 bad, 1 good, 2 unverified (there only for routing).
            let status = if self.has(field::CHECKSUM) { u64::from(self.checksum_good) } else { 2 };
            out.at(name::CHECKSUM_STATUS, at..at + 2, Value::Uint(status));
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
        if self.has(field::ROUTING) {
            let at =
                [checksum, key, sequence, ack].into_iter().flatten().max().map_or(FIXED_LEN, |at| at + 4);
            self.routing_fields(out, at);
        }
    }

    /// Each Source Route Entry (checked when the header was read), the null one included.
    fn routing_fields(&self, out: &mut Emitter<'_>, mut at: usize) {
        while let Some(sre) = self.bytes.get(at..at + SRE_HEADER_LEN) {
            let (family, offset, length) = (be16(sre, 0), sre[2], usize::from(sre[3]));
            let end = (at + SRE_HEADER_LEN + length).min(self.bytes.len());
            out.at(name::ROUTING, at..end, Value::Present);
            out.at(name::ROUTING_ADDRESS_FAMILY, at..at + 2, Value::Uint(family.into()));
            out.at(name::ROUTING_SRE_OFFSET, at + 2..at + 3, Value::Uint(offset.into()));
            out.at(name::ROUTING_SRC_LENGTH, at + 3..at + 4, Value::Uint(length as u64));
            if length > 0 {
                let information = &self.bytes[at + SRE_HEADER_LEN..end];
                out.at(name::ROUTING_INFORMATION, at + SRE_HEADER_LEN..end, Value::Bytes(information));
            }
            if family == 0 && length == 0 {
                return;
            }
            at = end;
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
        PROTO "gre.proto" Hex "protocol type (an EtherType)" names GRE_PROTO;
        CHECKSUM "gre.checksum" Hex "checksum";
        CHECKSUM_STATUS "gre.checksum.status" Uint "checksum status (0 bad, 1 good)";
        OFFSET "gre.offset" Uint "offset (reserved1)";
        KEY "gre.key" Hex "key";
        KEY_PAYLOAD_LENGTH "gre.key.payload_length" Uint "payload length (version 1)";
        KEY_CALL_ID "gre.key.call_id" Uint "call ID (version 1)";
        SEQUENCE_NUMBER "gre.sequence_number" Uint "sequence number";
        ACK_NUMBER "gre.ack_number" Uint "acknowledgment number (version 1)";
        ROUTING "gre.routing" Present "a source route entry (RFC 1701 routing)";
        ROUTING_ADDRESS_FAMILY "gre.routing.address_family" Uint "the entry's address family (0x0800 IP, 0xfffe AS)";
        ROUTING_SRE_OFFSET "gre.routing.sre_offset" Uint "offset of the active entry in the routing information";
        ROUTING_SRC_LENGTH "gre.routing.src_length" Uint "length of the routing information";
        ROUTING_INFORMATION "gre.routing.information" Bytes "the route: addresses or AS numbers";
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
    fn unknown_versions_are_malformed() {
        let mut bytes = packet();
        bytes[..2].copy_from_slice(&[0x00, 0x02]);
        assert!(matches!(parse(&bytes), Err(nom::Err::Error(Error::Malformed(_)))));
    }

    /// RFC 1701 routing without a checksum: the offset word, an IP entry of two addresses,
    /// the null entry, then 2 bytes of payload.
    const ROUTED: [u8; 26] = [
        0x40, 0x00, 0x08, 0x00, // R; protocol type: IPv4
        0x00, 0x00, 0x00, 0x00, // checksum (not there: zero), offset
        0x08, 0x00, 4, 8, 198, 51, 100, 7, 198, 51, 100, 1, // address family, offset, length, route
        0x00, 0x00, 0, 0, // the null entry
        0x45, 0x00,
    ];

    #[test]
    fn reads_rfc_1701_routing() {
        let (payload, header) = parse(&ROUTED).expect("a whole header");
        assert_eq!(payload, [0x45, 0x00]);
        assert_eq!(header.bytes.len(), 24);
        let mut seen = Vec::new();
        let mut sink =
            |field: crate::dissect::field::Field<'_>| seen.push((field.name, field.value.to_string()));
        header.fields(&mut Emitter::new(&mut sink, 0, Default::default()));
        let values =
            |name: &str| seen.iter().filter(|(n, _)| *n == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
        assert_eq!(values("gre.routing.address_family"), ["2048", "0"]);
        assert_eq!(values("gre.routing.src_length"), ["8", "0"]);
        assert_eq!(values("gre.routing.information"), ["c6336407c6336401"]);
        assert_eq!(values("gre.checksum.status"), ["2"], "a checksum word brought by routing is unverified");
        for cut in FIXED_LEN..24 {
            assert!(
                matches!(parse(&ROUTED[..cut]), Err(nom::Err::Error(Error::Truncated { .. }))),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_routing_list_that_never_ends_is_malformed() {
        let mut bytes = ROUTED[..8].to_vec();
        for _ in 0..=MAX_SRES {
            bytes.extend([0xff, 0xfe, 0, 2, 0xfb, 0xf4]);
        }
        bytes.extend([0, 0, 0, 0]);
        assert!(matches!(parse(&bytes), Err(nom::Err::Error(Error::Malformed(_)))));
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
