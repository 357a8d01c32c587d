//! Generic Network Virtualization Encapsulation (Geneve): a frame carried in a UDP datagram to
//! port 6081, with its virtual network and a list of type-length-value options.
//!
//! ```text
//! RFC 8926 section 3.4 (the header after the outer UDP header):
//! |Ver(2)|Opt Len(6)|O|C| Rsvd.(6) |      Protocol Type (16)       |
//! |      Virtual Network Identifier (VNI) (24)    | Reserved (8)  |
//! |                  Variable-Length Options                      |
//! section 3.5, each option:
//! |      Option Class (16)        |   Type (8)    |R|R|R| Length(5)|
//! |                Variable-Length Option Data (Length * 4)       |
//! ```
//! Opt Len and each option's Length count 4-byte words, so the options are at most 252 bytes
//! and 63 options; an option that runs past the options' length is malformed. The invariant:
//! what follows the options is the payload the Protocol Type names (an EtherType; 0x6558 for
//! an Ethernet frame), handed to the chain through the EtherType table.

use std::fmt;

use super::Content;
use super::error::{Error, IResult, be16, be32, into_error, take_bytes};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::dispatch::Next;
use crate::osi::Protocol;

pub const FIXED_LEN: usize = 8;
/// Each option's own header: class, type, length.
const OPTION_HEADER_LEN: usize = 4;

mod field {
    use std::ops::Range;
    pub const VERSION_OPT_LEN: Range<usize> = 0..1;
    pub const FLAGS: Range<usize> = 1..2;
    pub const PROTOCOL_TYPE: Range<usize> = 2..4;
    pub const VNI: Range<usize> = 4..7;
    pub const RESERVED: Range<usize> = 7..8;
    pub const OPT_LEN_MASK: u8 = 0x3f;
    pub const FLAG_OAM: u8 = 0x80;
    pub const FLAG_CRITICAL: u8 = 0x40;
    pub const FLAGS_RESERVED: u8 = 0x3f;
    pub const OPTION_CRITICAL: u8 = 0x80;
    pub const OPTION_RESERVED: u8 = 0xe0;
    pub const OPTION_LEN_MASK: u8 = 0x1f;
}

/// A Geneve header and its options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// The fixed header and the options.
    bytes: &'a [u8],
}

/// One option: its class, type and data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GeneveOption<'a> {
    /// The option's header and data.
    pub bytes: &'a [u8],
    /// Where the option starts in the Geneve header.
    pub offset: usize,
}

pub fn parse(input: &[u8]) -> IResult<'_, Header<'_>> {
    let (_, fixed) = take_bytes(FIXED_LEN)(input)?;
    let version = fixed[field::VERSION_OPT_LEN.start] >> 6;
    if version != 0 {
        return Err(Error::malformed(format!("Geneve version {version} is unknown (only 0 is defined)")));
    }
    let options_len = usize::from(fixed[field::VERSION_OPT_LEN.start] & field::OPT_LEN_MASK) * 4;
    let (payload, bytes) = take_bytes(FIXED_LEN + options_len)(input)?;
    let header = Header { bytes };
    let mut at = FIXED_LEN;
    while at < bytes.len() {
        let option_header = &bytes[at..];
        if option_header.len() < OPTION_HEADER_LEN {
            return Err(Error::malformed("a Geneve option header runs past the options' length"));
        }
        let len = OPTION_HEADER_LEN + usize::from(option_header[3] & field::OPTION_LEN_MASK) * 4;
        if option_header.len() < len {
            return Err(Error::malformed(format!(
                "a Geneve option of {len} bytes runs past the options' length ({options_len} bytes)"
            )));
        }
        at += len;
    }
    Ok((payload, header))
}

/// Reads a header as the stateless chain's entry for Geneve: the payload its Protocol Type
/// names follows it.
pub fn dissect(input: &[u8]) -> Result<(Content<'_>, Next<'_>), Error> {
    let (payload, header) = parse(input).map_err(into_error)?;
    Ok((Content::Geneve(header), Next::EtherType { ethertype: header.protocol_type(), payload }))
}

impl<'a> Header<'a> {
    fn first(&self) -> u8 {
        self.bytes[field::VERSION_OPT_LEN.start]
    }

    pub fn version(&self) -> u8 {
        self.first() >> 6
    }

    /// The options' length in bytes.
    pub fn options_len(&self) -> usize {
        self.bytes.len() - FIXED_LEN
    }

    pub fn flags(&self) -> u8 {
        self.bytes[field::FLAGS.start]
    }

    pub fn protocol_type(&self) -> u16 {
        be16(self.bytes, field::PROTOCOL_TYPE.start)
    }

    pub fn vni(&self) -> u32 {
        be32(self.bytes, field::VNI.start) >> 8
    }

    /// The options, in wire order (each whole: `parse` checked their lengths).
    pub fn options(&self) -> impl Iterator<Item = GeneveOption<'a>> + use<'a> {
        let bytes = self.bytes;
        let mut at = FIXED_LEN;
        std::iter::from_fn(move || {
            let rest = bytes.get(at..).filter(|rest| rest.len() >= OPTION_HEADER_LEN)?;
            let len = OPTION_HEADER_LEN + usize::from(rest[3] & field::OPTION_LEN_MASK) * 4;
            let option = GeneveOption { bytes: rest.get(..len)?, offset: at };
            at += len;
            Some(option)
        })
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        let flags = self.flags();
        out.at(name::VERSION, field::VERSION_OPT_LEN, Value::Uint(self.version().into()));
        out.at(name::OPTION_LENGTH, field::VERSION_OPT_LEN, Value::Uint(self.options_len() as u64));
        out.at(name::FLAGS, field::FLAGS, Value::hex8(flags));
        out.at(name::FLAGS_OAM, field::FLAGS, Value::Bool(flags & field::FLAG_OAM != 0));
        out.at(name::FLAGS_CRITICAL, field::FLAGS, Value::Bool(flags & field::FLAG_CRITICAL != 0));
        out.at(name::FLAGS_RESERVED, field::FLAGS, Value::Bool(flags & field::FLAGS_RESERVED != 0));
        out.at(name::PROTO_TYPE, field::PROTOCOL_TYPE, Value::hex16(self.protocol_type()));
        out.at(name::VNI, field::VNI, Value::Hex { value: self.vni().into(), digits: 6 });
        out.at(name::RESERVED, field::RESERVED, Value::hex8(self.bytes[field::RESERVED.start]));
        if self.options_len() > 0 {
            out.at(name::OPTIONS, FIXED_LEN..self.bytes.len(), Value::Bytes(&self.bytes[FIXED_LEN..]));
        }
        for option in self.options() {
            let at = option.offset;
            let (class, kind, flags) = (be16(option.bytes, 0), option.bytes[2], option.bytes[3]);
            out.at(name::OPTION, at..at + option.bytes.len(), Value::Bytes(option.bytes));
            out.at(name::OPTION_CLASS, at..at + 2, Value::hex16(class));
            out.at(name::OPTION_TYPE, at + 2..at + 3, Value::hex8(kind));
            out.at(
                name::OPTION_TYPE_CRITICAL,
                at + 2..at + 3,
                Value::Bool(kind & field::OPTION_CRITICAL != 0),
            );
            out.at(name::OPTION_FLAGS, at + 3..at + 4, Value::hex8(flags & field::OPTION_RESERVED));
            let reserved = flags & field::OPTION_RESERVED != 0;
            out.at(name::OPTION_FLAGS_RESERVED, at + 3..at + 4, Value::Bool(reserved));
            out.at(name::OPTION_LENGTH, at + 3..at + 4, Value::Uint(option.bytes.len() as u64));
            let data = &option.bytes[OPTION_HEADER_LEN..];
            if !data.is_empty() {
                let range = at + OPTION_HEADER_LEN..at + option.bytes.len();
                out.at(name::OPTION_UNKNOWN_DATA, range, Value::Bytes(data));
            }
        }
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        write!(out, "Generic Network Virtualization Encapsulation, VNI: 0x{:06x}", self.vni())
    }
}

impl LayerHeader for Header<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Geneve
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
    //! The fields of a Geneve header, by Wireshark's names: the registry's rows for them, and
    //! the names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Geneve;
        VERSION "geneve.version" Uint "version";
        OPTION_LENGTH "geneve.option.length" Uint "length of the options, then of each option, in bytes";
        FLAGS "geneve.flags" Hex "flags";
        FLAGS_OAM "geneve.flags.oam" Bool "OAM frame";
        FLAGS_CRITICAL "geneve.flags.critical" Bool "critical options present";
        FLAGS_RESERVED "geneve.flags.reserved" Bool "reserved flag bits set";
        PROTO_TYPE "geneve.proto_type" Hex "protocol type (an EtherType)";
        VNI "geneve.vni" Hex "virtual network identifier";
        RESERVED "geneve.reserved" Hex "reserved";
        OPTIONS "geneve.options" Bytes "options";
        OPTION "geneve.option" Bytes "one option";
        OPTION_CLASS "geneve.option.class" Hex "option class";
        OPTION_TYPE "geneve.option.type" Hex "option type";
        OPTION_TYPE_CRITICAL "geneve.option.type.critical" Bool "critical option";
        OPTION_FLAGS "geneve.option.flags" Hex "option flags";
        OPTION_FLAGS_RESERVED "geneve.option.flags.reserved" Bool "reserved option flag bits set";
        OPTION_UNKNOWN_DATA "geneve.option.unknown.data" Bytes "option data";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATAGRAM: [u8; 30] = [
        0x03, // version 0, Opt Len 3 (12 bytes of options)
        0x40, // C: critical options present
        0x65, 0x58, // protocol type: transparent Ethernet bridging
        0x12, 0x34, 0x56, // VNI 0x123456
        0x00, // reserved
        // option: class 0x0102, type 0x80 (critical), length 1 word, data
        0x01, 0x02, 0x80, 0x01, 0x0a, 0x0b, 0x0c, 0x0d,
        // option: class 0xffff, type 0x01, length 0
        0xff, 0xff, 0x01, 0x00, // the Ethernet frame's first bytes
        0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0,
    ];
    const HEADER_LEN: usize = 20;

    #[test]
    fn reads_the_vni_the_options_and_the_protocol_type() {
        let (content, next) = dissect(&DATAGRAM).expect("a whole header");
        let Content::Geneve(header) = content else { panic!("not Geneve: {content:?}") };
        assert_eq!((header.version(), header.options_len(), header.flags()), (0, 12, 0x40));
        assert_eq!(header.vni(), 0x123456);
        assert_eq!(next, Next::EtherType { ethertype: 0x6558, payload: &DATAGRAM[HEADER_LEN..] });
        let options: Vec<_> = header.options().collect();
        assert_eq!(options.len(), 2);
        assert_eq!((options[0].offset, options[0].bytes), (8, &DATAGRAM[8..16]));
        assert_eq!((options[1].offset, options[1].bytes), (16, &DATAGRAM[16..20]));
    }

    #[test]
    fn every_truncation_is_reported() {
        for cut in 0..HEADER_LEN {
            let needed = if cut < FIXED_LEN { FIXED_LEN - cut } else { HEADER_LEN - cut };
            assert_eq!(parse(&DATAGRAM[..cut]), Err(Error::truncated(needed)), "cut at {cut}");
        }
        assert!(parse(&DATAGRAM[..HEADER_LEN]).is_ok());
    }

    #[test]
    fn an_option_longer_than_the_options_is_malformed() {
        let mut datagram = DATAGRAM;
        datagram[11] = 0x03; // the first option says 3 words of data: 16 bytes, past the 12
        assert!(matches!(parse(&datagram), Err(nom::Err::Error(Error::Malformed(_)))));
        let mut datagram = DATAGRAM;
        datagram[0] = 0x01; // Opt Len 1: the first option's data is cut off
        assert!(matches!(parse(&datagram), Err(nom::Err::Error(Error::Malformed(_)))));
    }

    #[test]
    fn an_unknown_version_is_malformed() {
        let mut datagram = DATAGRAM;
        datagram[0] |= 0x40;
        assert!(matches!(parse(&datagram), Err(nom::Err::Error(Error::Malformed(_)))));
    }
}
