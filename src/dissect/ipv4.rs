//! IPv4 headers, with options and fragmentation fields.
//!
//! ```text
//! RFC 791 section 3.1:
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! |Version|  IHL  |Type of Service|          Total Length         |
//! |         Identification        |Flags|      Fragment Offset    |
//! |  Time to Live |    Protocol   |         Header Checksum       |
//! |                       Source Address                          |
//! |                    Destination Address                        |
//! |                    Options                    |    Padding    |
//! ```
//! Options are `type(1)` alone for End of Options (0) and No Operation (1), otherwise
//! `type(1) length(1) data(length - 2)` (section 3.1, "Options").
//!
//! The total length bounds the payload: bytes after it are the link layer's padding, bytes
//! missing before it were cut by the capture. A total length of 0 is what a sender's
//! segmentation offload leaves in captured outgoing packets; as Wireshark does, the captured
//! length is used instead.

use std::fmt;
use std::net::Ipv4Addr;

use super::error::{Error, IResult, be16, be32, take_bytes};
use super::field::{Emitter, Value};
use super::ip_protocol::IpProtocol;
use super::layer::{LayerHeader, Tracked};
use super::options::OptionList;
use crate::osi::Protocol;

pub const MIN_HEADER_LEN: usize = 20;

mod field {
    use std::ops::Range;
    pub const VERSION_IHL: Range<usize> = 0..1;
    pub const DSFIELD: Range<usize> = 1..2;
    pub const TOTAL_LEN: Range<usize> = 2..4;
    pub const IDENT: Range<usize> = 4..6;
    pub const FLAGS_FRAG: Range<usize> = 6..8;
    pub const TTL: Range<usize> = 8..9;
    pub const PROTOCOL: Range<usize> = 9..10;
    pub const CHECKSUM: Range<usize> = 10..12;
    pub const SRC: Range<usize> = 12..16;
    pub const DST: Range<usize> = 16..20;
    pub const FLAG_RESERVED: u16 = 0x8000;
    pub const FLAG_DF: u16 = 0x4000;
    pub const FLAG_MF: u16 = 0x2000;
    pub const FRAG_OFFSET_MASK: u16 = 0x1fff;
}

/// Option types with a pointer byte and a list of addresses after it.
mod option {
    pub const END: u8 = 0;
    pub const NOP: u8 = 1;
    pub const RECORD_ROUTE: u8 = 7;
    pub const TIMESTAMP: u8 = 68;
    pub const LOOSE_ROUTE: u8 = 131;
    pub const STRICT_ROUTE: u8 = 137;
    pub const ROUTER_ALERT: u8 = 148;
}

/// An IPv4 header and the payload its total length covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    bytes: &'a [u8],
    /// The captured part of the payload.
    pub payload: &'a [u8],
    /// Payload bytes the total length promises but the capture does not hold.
    pub missing: usize,
}

pub fn parse(input: &[u8]) -> IResult<'_, Header<'_>> {
    let (_, fixed) = take_bytes(MIN_HEADER_LEN)(input)?;
    let version = fixed[0] >> 4;
    if version != 4 {
        return Err(Error::malformed(format!("version {version} in an IPv4 header")));
    }
    let header_len = usize::from(fixed[0] & 0x0f) * 4;
    if header_len < MIN_HEADER_LEN {
        return Err(Error::malformed(format!("header length {header_len} is below the 20-byte minimum")));
    }
    let (_, bytes) = take_bytes(header_len)(input)?;
    let declared = usize::from(be16(fixed, field::TOTAL_LEN.start));
    let total_len = if declared == 0 { input.len() } else { declared };
    if total_len < header_len {
        return Err(Error::malformed(format!(
            "total length {total_len} is less than the {header_len}-byte header"
        )));
    }
    let end = total_len.min(input.len());
    let header = Header { bytes, payload: &input[header_len..end], missing: total_len - end };
    Ok((&input[end..], header))
}

impl<'a> Header<'a> {
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    pub fn header_len(&self) -> usize {
        self.bytes.len()
    }

    pub fn dsfield(&self) -> u8 {
        self.bytes[field::DSFIELD.start]
    }

    pub fn total_len(&self) -> u16 {
        be16(self.bytes, field::TOTAL_LEN.start)
    }

    /// Length of the payload as the header declares it, whether captured or not.
    pub fn payload_len(&self) -> usize {
        self.payload.len() + self.missing
    }

    pub fn ident(&self) -> u16 {
        be16(self.bytes, field::IDENT.start)
    }

    fn flags_frag(&self) -> u16 {
        be16(self.bytes, field::FLAGS_FRAG.start)
    }

    pub fn dont_fragment(&self) -> bool {
        self.flags_frag() & field::FLAG_DF != 0
    }

    pub fn more_fragments(&self) -> bool {
        self.flags_frag() & field::FLAG_MF != 0
    }

    /// Offset of this fragment's data in the original datagram, in bytes.
    pub fn fragment_offset(&self) -> usize {
        usize::from(self.flags_frag() & field::FRAG_OFFSET_MASK) * 8
    }

    /// Whether this is one fragment of a larger datagram.
    pub fn is_fragment(&self) -> bool {
        self.more_fragments() || self.fragment_offset() != 0
    }

    pub fn ttl(&self) -> u8 {
        self.bytes[field::TTL.start]
    }

    pub fn protocol(&self) -> u8 {
        self.bytes[field::PROTOCOL.start]
    }

    /// The protocol of the payload, from the registry.
    pub fn next_protocol(&self) -> IpProtocol {
        IpProtocol::from(self.protocol())
    }

    pub fn checksum(&self) -> u16 {
        be16(self.bytes, field::CHECKSUM.start)
    }

    pub fn src(&self) -> Ipv4Addr {
        let b = &self.bytes[field::SRC];
        Ipv4Addr::new(b[0], b[1], b[2], b[3])
    }

    pub fn dst(&self) -> Ipv4Addr {
        let b = &self.bytes[field::DST];
        Ipv4Addr::new(b[0], b[1], b[2], b[3])
    }

    /// The options, in order; an impossible one ends the walk with an error.
    pub fn options(&self) -> impl Iterator<Item = Result<IpOption<'a>, Error>> + 'a {
        OptionList::new(&self.bytes[MIN_HEADER_LEN..], MIN_HEADER_LEN)
            .map(|option| option.map(|raw| IpOption { kind: raw.kind, bytes: raw.bytes, offset: raw.offset }))
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        let first = self.bytes[0];
        out.at(name::VERSION, field::VERSION_IHL, Value::Uint((first >> 4).into()));
        out.at(name::HDR_LEN, field::VERSION_IHL, Value::Uint(self.header_len() as u64));
        out.at(name::DSFIELD, field::DSFIELD, Value::hex8(self.dsfield()));
        out.at(name::DSFIELD_DSCP, field::DSFIELD, Value::Uint((self.dsfield() >> 2).into()));
        out.at(name::DSFIELD_ECN, field::DSFIELD, Value::Uint((self.dsfield() & 3).into()));
        out.at(name::LEN, field::TOTAL_LEN, Value::Uint(self.total_len().into()));
        out.at(name::ID, field::IDENT, Value::hex16(self.ident()));
        let flags = self.flags_frag();
        out.at(name::FLAGS, field::FLAGS_FRAG.start..7, Value::hex8((flags >> 13) as u8));
        out.at(name::FLAGS_RB, field::FLAGS_FRAG.start..7, Value::Bool(flags & field::FLAG_RESERVED != 0));
        out.at(name::FLAGS_DF, field::FLAGS_FRAG.start..7, Value::Bool(self.dont_fragment()));
        out.at(name::FLAGS_MF, field::FLAGS_FRAG.start..7, Value::Bool(self.more_fragments()));
        // Wireshark shows the offset as the field holds it, in 8-byte units.
        let units = flags & field::FRAG_OFFSET_MASK;
        out.at(name::FRAG_OFFSET, field::FLAGS_FRAG, Value::Uint(units.into()));
        out.at(name::TTL, field::TTL, Value::Uint(self.ttl().into()));
        out.at(name::PROTO, field::PROTOCOL, Value::Uint(self.protocol().into()));
        out.at(name::CHECKSUM, field::CHECKSUM, Value::hex16(self.checksum()));
        out.at(name::CHECKSUM_STATUS, field::CHECKSUM, Value::Uint(2));
        let addresses = [
            (name::SRC, name::SRC_HOST, field::SRC, self.src()),
            (name::DST, name::DST_HOST, field::DST, self.dst()),
        ];
        for (name, host, range, address) in addresses {
            out.at(name, range.clone(), Value::Ipv4(address));
            out.at(name::ADDR, range.clone(), Value::Ipv4(address));
            out.at(host, range.clone(), Value::Host(address.into()));
            out.at(name::HOST, range, Value::Host(address.into()));
        }
        for option in self.options() {
            match option {
                // tshark reads no option after the end of the list.
                Ok(option) if option.kind == option::END => {
                    option.fields(out);
                    break;
                }
                Ok(option) => option.fields(out),
                Err(_) => break,
            }
        }
    }

    /// Why the options could not all be read, if they could not.
    pub fn options_problem(&self) -> Option<String> {
        self.options().find_map(Result::err).map(|error| format!("IPv4 options {error}"))
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        write!(out, "Internet Protocol Version 4, Src: {}, Dst: {}", self.src(), self.dst())
    }
}

/// One IPv4 option, its type and length bytes included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpOption<'a> {
    pub kind: u8,
    pub bytes: &'a [u8],
    /// Offset of the option within the IPv4 header.
    pub offset: usize,
}

impl IpOption<'_> {
    fn fields(&self, out: &mut Emitter<'_>) {
        let mut out = out.nested(self.offset);
        let kind = self.kind;
        out.at(name::OPT_TYPE, 0..1, Value::Uint(kind.into()));
        out.at(name::OPT_TYPE_COPY, 0..1, Value::Bool(kind & 0x80 != 0));
        out.at(name::OPT_TYPE_CLASS, 0..1, Value::Uint(((kind >> 5) & 3).into()));
        out.at(name::OPT_TYPE_NUMBER, 0..1, Value::Uint((kind & 0x1f).into()));
        if matches!(kind, option::END | option::NOP) {
            return;
        }
        out.at(name::OPT_LEN, 1..2, Value::Uint(self.bytes.len() as u64));
        match kind {
            option::RECORD_ROUTE | option::LOOSE_ROUTE | option::STRICT_ROUTE if self.bytes.len() >= 3 => {
                let pointer = usize::from(self.bytes[2]);
                out.at(name::OPT_PTR, 2..3, Value::Uint(pointer as u64));
                for (index, address) in self.bytes[3..].chunks_exact(4).enumerate() {
                    let at = 3 + index * 4;
                    // The pointer (1-based, counted from the option's start) marks the first
                    // empty slot; slots before it hold recorded addresses.
                    let name = if at + 1 < pointer { name::REC_RT } else { name::EMPTY_RT };
                    let value = Ipv4Addr::new(address[0], address[1], address[2], address[3]);
                    out.at(name, at..at + 4, Value::Ipv4(value));
                }
            }
            option::TIMESTAMP if self.bytes.len() >= 4 => {
                out.at(name::OPT_PTR, 2..3, Value::Uint(self.bytes[2].into()));
                out.at(name::OPT_OVERFLOW, 3..4, Value::Uint((self.bytes[3] >> 4).into()));
                let flag = self.bytes[3] & 0x0f;
                out.at(name::OPT_FLAG, 3..4, Value::hex8(flag));
                // Time stamps alone, or each after the address that stamped it (flags 1 and 3).
                let with_address = matches!(flag, 1 | 3);
                let entry = if with_address { 8 } else { 4 };
                for (index, slot) in self.bytes[4..].chunks_exact(entry).enumerate() {
                    let at = 4 + index * entry;
                    if with_address {
                        let address = Ipv4Addr::new(slot[0], slot[1], slot[2], slot[3]);
                        out.at(name::OPT_TIME_STAMP_ADDR, at..at + 4, Value::Ipv4(address));
                    }
                    let stamp = be32(slot, entry - 4);
                    out.at(name::OPT_TIME_STAMP, at + entry - 4..at + entry, Value::Uint(stamp.into()));
                }
            }
            option::ROUTER_ALERT if self.bytes.len() == 4 => {
                out.at(name::OPT_RA, 2..4, Value::Uint(be16(self.bytes, 2).into()));
            }
            _ => {}
        }
    }
}

impl LayerHeader for Header<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Ipv4
    }

    fn header_len(&self) -> usize {
        Header::header_len(self)
    }

    fn fields(&self, out: &mut Emitter<'_>, tracked: &Tracked<'_>) {
        Header::fields(self, out);
        tracked.reassembly_fields(out, [name::FRAGMENT, name::FRAGMENT_COUNT, name::REASSEMBLED_LENGTH]);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Header::summary(self, out)
    }
}

pub mod name {
    //! The fields of an IPv4 header, by Wireshark's names: the registry's rows for them, and the
    //! names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Ipv4;
        VERSION "ip.version" Uint "IP version";
        HDR_LEN "ip.hdr_len" Uint "header length in bytes";
        DSFIELD "ip.dsfield" Hex "differentiated services byte";
        DSFIELD_DSCP "ip.dsfield.dscp" Uint "DSCP";
        DSFIELD_ECN "ip.dsfield.ecn" Uint "ECN";
        LEN "ip.len" Uint "total length";
        ID "ip.id" Hex "identification";
        FLAGS "ip.flags" Hex "flags";
        FLAGS_RB "ip.flags.rb" Bool "reserved bit";
        FLAGS_DF "ip.flags.df" Bool "don't fragment";
        FLAGS_MF "ip.flags.mf" Bool "more fragments";
        FRAG_OFFSET "ip.frag_offset" Uint "fragment offset in 8-byte units";
        TTL "ip.ttl" Uint "time to live";
        PROTO "ip.proto" Uint "protocol of the payload" names IP_PROTOCOL;
        CHECKSUM "ip.checksum" Hex "header checksum";
        CHECKSUM_STATUS "ip.checksum.status" Uint "checksum status (2 unverified)";
        SRC "ip.src" Ipv4 "source address";
        DST "ip.dst" Ipv4 "destination address";
        ADDR "ip.addr" Ipv4 "either address";
        SRC_HOST "ip.src_host" Text "source host";
        DST_HOST "ip.dst_host" Text "destination host";
        HOST "ip.host" Text "either host";
        OPT_TYPE "ip.opt.type" Uint "option type";
        OPT_TYPE_COPY "ip.opt.type.copy" Bool "option copied into fragments";
        OPT_TYPE_CLASS "ip.opt.type.class" Uint "option class" names IPV4_OPTION_CLASS;
        OPT_TYPE_NUMBER "ip.opt.type.number" Uint "option number" names IPV4_OPTION_NUMBER;
        OPT_LEN "ip.opt.len" Uint "option length";
        OPT_PTR "ip.opt.ptr" Uint "option pointer";
        OPT_OVERFLOW "ip.opt.overflow" Uint "timestamp overflow count";
        OPT_FLAG "ip.opt.flag" Hex "timestamp flag" names IPV4_TIMESTAMP_FLAG;
        OPT_TIME_STAMP "ip.opt.time_stamp" Uint "a time stamp, in milliseconds since midnight UTC";
        OPT_TIME_STAMP_ADDR "ip.opt.time_stamp_addr" Ipv4 "the address that wrote the time stamp after it";
        OPT_RA "ip.opt.ra" Uint "router alert value" names IPV4_ROUTER_ALERT;
        REC_RT "ip.rec_rt" Ipv4 "recorded route address";
        EMPTY_RT "ip.empty_rt" Ipv4 "empty route slot";
        FRAGMENT "ip.fragment" Uint "frame holding a fragment";
        FRAGMENT_COUNT "ip.fragment.count" Uint "number of fragments";
        REASSEMBLED_LENGTH "ip.reassembled.length" Uint "reassembled payload length";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ICMP echo datagram with a record-route option and 4 payload bytes.
    const DATAGRAM: [u8; 32] = [
        0x47, 0x00, // version 4, IHL 7 (28 bytes); DSCP 0
        0x00, 0x20, // total length 32
        0x12, 0x34, // identification
        0x40, 0x00, // DF, offset 0
        0x40, 0x01, // TTL 64, protocol ICMP
        0x00, 0x00, // checksum
        10, 0, 0, 1, // source
        10, 0, 0, 2, // destination
        0x07, 0x07, 0x04, // record route, length 7, pointer 4 (first slot empty)
        0, 0, 0, 0,    // empty slot
        0x01, // NOP padding
        0xde, 0xad, 0xbe, 0xef, // payload
    ];

    #[test]
    fn parses_header_options_and_payload() {
        let (rest, ip) = parse(&DATAGRAM).expect("valid datagram");
        assert!(rest.is_empty());
        assert_eq!((ip.header_len(), ip.total_len(), ip.ident()), (28, 32, 0x1234));
        assert!(ip.dont_fragment() && !ip.is_fragment());
        assert_eq!((ip.ttl(), ip.protocol()), (64, 1));
        assert_eq!((ip.src(), ip.dst()), (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2)));
        assert_eq!(ip.payload, &[0xde, 0xad, 0xbe, 0xef]);
        let kinds: Vec<u8> = ip.options().map(|o| o.map(|o| o.kind).unwrap_or(255)).collect();
        assert_eq!(kinds, [7, 1]);
        assert_eq!(ip.options_problem(), None);
    }

    #[test]
    fn trailing_bytes_are_left_for_the_link_layer() {
        let mut padded = DATAGRAM.to_vec();
        padded.extend_from_slice(&[0; 6]);
        let (rest, ip) = parse(&padded).expect("valid datagram");
        assert_eq!(rest, &[0; 6]);
        assert_eq!(ip.payload.len(), 4);
    }

    #[test]
    fn every_truncation_is_reported_or_keeps_a_short_payload() {
        for cut in 0..DATAGRAM.len() {
            match parse(&DATAGRAM[..cut]) {
                Err(nom::Err::Error(Error::Truncated { needed })) => {
                    let header = if cut < MIN_HEADER_LEN { MIN_HEADER_LEN } else { 28 };
                    assert_eq!(needed, header - cut, "cut at {cut}");
                }
                Ok((_, ip)) => {
                    assert!(cut >= 28, "cut at {cut}");
                    assert_eq!(ip.payload.len() + ip.missing, 4);
                    assert_eq!(ip.payload.len(), cut - 28);
                }
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
    }

    #[test]
    fn inconsistent_lengths_are_malformed() {
        let mut short_ihl = DATAGRAM;
        short_ihl[0] = 0x44;
        assert!(matches!(parse(&short_ihl), Err(nom::Err::Error(Error::Malformed(_)))));
        let mut short_total = DATAGRAM;
        short_total[2..4].copy_from_slice(&10u16.to_be_bytes());
        assert!(matches!(parse(&short_total), Err(nom::Err::Error(Error::Malformed(_)))));
        let mut version6 = DATAGRAM;
        version6[0] = 0x67;
        assert!(matches!(parse(&version6), Err(nom::Err::Error(Error::Malformed(_)))));
    }

    #[test]
    fn bad_option_lengths_stop_the_options_walk_but_not_the_header() {
        let mut bad = DATAGRAM;
        bad[21] = 0x01; // record route claiming length 1
        let (_, ip) = parse(&bad).expect("header still valid");
        assert!(ip.options_problem().is_some_and(|p| p.contains("length 1")));
        bad[21] = 0x30; // length 48: longer than the options area
        let (_, ip) = parse(&bad).expect("header still valid");
        assert!(ip.options_problem().is_some_and(|p| p.contains("truncated")));
    }

    #[test]
    fn zero_total_length_uses_the_captured_length() {
        let mut offloaded = DATAGRAM;
        offloaded[2..4].copy_from_slice(&[0, 0]);
        let (rest, ip) = parse(&offloaded).expect("valid");
        assert!(rest.is_empty());
        assert_eq!(ip.payload.len(), 4);
    }
}
