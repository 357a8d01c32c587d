//! IPv6 headers and the extension headers that may follow them.
//!
//! ```text
//! RFC 8200 section 3:
//! |Version| Traffic Class |           Flow Label                  |
//! |         Payload Length        |  Next Header  |   Hop Limit   |
//! |                     Source Address (128)                      |
//! |                  Destination Address (128)                    |
//! RFC 8200 section 4 (extension headers, in the payload, chained by Next Header):
//!   hop-by-hop (0), routing (43), destination options (60):
//!       next_header(1) hdr_ext_len(1, in 8-octet units, not counting the first 8) data
//!   fragment (44), 8 bytes:
//!       next_header(1) reserved(1) fragment_offset(13 bits) res(2) M(1) identification(4)
//! RFC 4302 section 2 (authentication header, 51): like the others, but hdr_ext_len counts
//!   4-octet units minus 2.
//! ```
//! Only the complete extension headers are kept; a chain cut short ends with an error that the
//! layer chain reports, while the fixed header stays decoded.

use std::fmt;
use std::net::Ipv6Addr;

use super::error::{Error, IResult, be16, be32, take_bytes};
use super::field::{Emitter, Value};
use super::ip_protocol::IpProtocol;
use super::ipv4;
use super::layer::{LayerHeader, Tracked};
use crate::osi::Protocol;

pub const HEADER_LEN: usize = 40;

/// More extension headers than this in one packet is an attack, not a packet.
const MAX_EXTENSION_HEADERS: usize = 16;

mod field {
    use std::ops::Range;
    pub const VERSION_CLASS_FLOW: Range<usize> = 0..4;
    pub const PAYLOAD_LEN: Range<usize> = 4..6;
    pub const NEXT_HEADER: Range<usize> = 6..7;
    pub const HOP_LIMIT: Range<usize> = 7..8;
    pub const SRC: Range<usize> = 8..24;
    pub const DST: Range<usize> = 24..40;
}

/// The extension header types followed here.
mod next {
    pub const HOP_BY_HOP: u8 = 0;
    pub const ROUTING: u8 = 43;
    pub const FRAGMENT: u8 = 44;
    pub const AUTHENTICATION: u8 = 51;
    pub const DESTINATION: u8 = 60;
}

fn is_extension(next_header: u8) -> bool {
    matches!(
        next_header,
        next::HOP_BY_HOP | next::ROUTING | next::FRAGMENT | next::AUTHENTICATION | next::DESTINATION
    )
}

/// An IPv6 header, its extension headers and the upper-layer payload after them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    bytes: &'a [u8],
    extensions: &'a [u8],
    /// The protocol of the payload, after every extension header.
    pub upper_protocol: u8,
    /// The captured part of the upper-layer payload.
    pub payload: &'a [u8],
    /// Payload bytes the payload length promises but the capture does not hold.
    pub missing: usize,
    /// Why the extension-header chain could not be followed to its end, if it could not.
    pub extension_error: Option<Error>,
}

pub fn parse(input: &[u8]) -> IResult<'_, Header<'_>> {
    let (after, bytes) = take_bytes(HEADER_LEN)(input)?;
    let version = bytes[0] >> 4;
    if version != 6 {
        return Err(Error::malformed(format!("version {version} in an IPv6 header")));
    }
    let declared = usize::from(be16(bytes, field::PAYLOAD_LEN.start));
    // A payload length of 0 is a jumbogram (RFC 2675) or offloaded segment: use what was captured.
    let payload_len = if declared == 0 { after.len() } else { declared };
    let end = payload_len.min(after.len());
    let (region, trailer) = after.split_at(end);
    let mut missing = payload_len - end;

    let mut upper_protocol = bytes[field::NEXT_HEADER.start];
    let mut rest = region;
    let mut extension_error = None;
    let mut count = 0;
    while is_extension(upper_protocol) {
        count += 1;
        if count > MAX_EXTENSION_HEADERS {
            extension_error =
                Some(Error::Malformed(format!("more than {MAX_EXTENSION_HEADERS} extension headers").into()));
            break;
        }
        match extension_len(upper_protocol, rest) {
            Ok(len) => {
                upper_protocol = rest[0];
                rest = &rest[len..];
            }
            Err(error) => {
                extension_error = Some(error);
                break;
            }
        }
    }
    if extension_error.is_some() {
        // Nothing after a broken chain can be placed; none of it is payload.
        missing = 0;
    }
    let extensions_len = region.len() - rest.len();
    let (extensions, payload) = region.split_at(extensions_len);
    let header = Header {
        bytes,
        extensions,
        upper_protocol,
        payload: if extension_error.is_some() { &[] } else { payload },
        missing,
        extension_error,
    };
    Ok((trailer, header))
}

/// The length of the extension header of type `kind` at the start of `input`, once it is known
/// to be complete.
fn extension_len(kind: u8, input: &[u8]) -> Result<usize, Error> {
    let length_byte = || {
        input.get(1).map(|&byte| usize::from(byte)).ok_or(Error::Truncated { needed: 2 - input.len().min(2) })
    };
    let len = match kind {
        next::FRAGMENT => 8,
        next::AUTHENTICATION => (length_byte()? + 2) * 4,
        _ => (length_byte()? + 1) * 8,
    };
    if input.len() < len {
        return Err(Error::Truncated { needed: len - input.len() });
    }
    Ok(len)
}

/// One extension header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extension<'a> {
    pub kind: u8,
    pub bytes: &'a [u8],
    /// Offset from the start of the IPv6 header.
    pub offset: usize,
}

impl Extension<'_> {
    pub fn next_header(&self) -> u8 {
        self.bytes[0]
    }

    /// The `frame.protocols` name Wireshark gives this header.
    pub fn protocol_name(&self) -> &'static str {
        match self.kind {
            next::HOP_BY_HOP => name::HOPOPTS,
            next::ROUTING => name::ROUTING,
            next::FRAGMENT => name::FRAGHDR,
            next::DESTINATION => name::DSTOPTS,
            _ => "ah",
        }
    }

    fn fields(&self, out: &mut Emitter<'_>) {
        let mut out = out.nested(self.offset);
        let b = self.bytes;
        out.at(self.protocol_name(), 0..b.len(), Value::Str(self.protocol_name()));
        match self.kind {
            next::FRAGMENT => {
                let word = be16(b, 2);
                out.at(name::FRAGHDR_NXT, 0..1, Value::Uint(b[0].into()));
                out.at(name::FRAGHDR_RESERVED_OCTET, 1..2, Value::hex8(b[1]));
                out.at(name::FRAGHDR_OFFSET, 2..4, Value::Uint((word >> 3).into()));
                out.at(name::FRAGHDR_RESERVED_BITS, 2..4, Value::Uint(((word >> 1) & 3).into()));
                out.at(name::FRAGHDR_MORE, 2..4, Value::Bool(word & 1 != 0));
                out.at(name::FRAGHDR_IDENT, 4..8, Value::hex32(be32(b, 4)));
            }
            next::AUTHENTICATION => {
                out.at(name::AH_NEXT_HEADER, 0..1, Value::Uint(b[0].into()));
                out.at(name::AH_LENGTH, 1..2, Value::Uint(b[1].into()));
            }
            kind => {
                let (nxt, len, len_oct) = match kind {
                    next::HOP_BY_HOP => (name::HOPOPTS_NXT, name::HOPOPTS_LEN, name::HOPOPTS_LEN_OCT),
                    next::ROUTING => (name::ROUTING_NXT, name::ROUTING_LEN, name::ROUTING_LEN_OCT),
                    _ => (name::DSTOPTS_NXT, name::DSTOPTS_LEN, name::DSTOPTS_LEN_OCT),
                };
                out.at(nxt, 0..1, Value::Uint(b[0].into()));
                out.at(len, 1..2, Value::Uint(b[1].into()));
                out.at(len_oct, 1..2, Value::Uint(b.len() as u64));
                if kind == next::ROUTING {
                    out.at(name::ROUTING_TYPE, 2..3, Value::Uint(b[2].into()));
                    out.at(name::ROUTING_SEGLEFT, 3..4, Value::Uint(b[3].into()));
                } else {
                    options_fields(&mut out, &b[2..]);
                }
            }
        }
    }

    /// The fragment header's fields, when this is one.
    pub fn as_fragment(&self) -> Option<Fragment> {
        (self.kind == next::FRAGMENT).then(|| {
            let word = be16(self.bytes, 2);
            Fragment { offset: usize::from(word >> 3) * 8, more: word & 1 != 0, ident: be32(self.bytes, 4) }
        })
    }
}

/// Hop-by-hop and destination options: `type(1)` for Pad1, else `type(1) len(1) data(len)`;
/// each option's type with its three parts (what to do with an unknown one, whether it may
/// change on the way, the rest), as tshark draws them.
fn options_fields(out: &mut Emitter<'_>, mut options: &[u8]) {
    let mut at = 2;
    while let Some(&kind) = options.first() {
        let len = if kind == 0 {
            1
        } else {
            match options.get(1) {
                Some(&len) if 2 + usize::from(len) <= options.len() => 2 + usize::from(len),
                _ => return,
            }
        };
        out.at(name::OPT, at..at + len, Value::Present);
        out.at(name::OPT_TYPE, at..at + 1, Value::hex8(kind));
        if kind == 0 {
            // Pad1 is the type byte alone, its parts not drawn.
            out.at(name::OPT_PAD1, at..at + 1, Value::Present);
        } else {
            out.at(name::OPT_TYPE_ACTION, at..at + 1, Value::Uint((kind >> 6).into()));
            out.at(name::OPT_TYPE_CHANGE, at..at + 1, Value::Bool(kind & 0x20 != 0));
            out.at(name::OPT_TYPE_REST, at..at + 1, Value::hex8(kind & 0x1f));
            out.at(name::OPT_LENGTH, at + 1..at + 2, Value::Uint((len - 2) as u64));
        }
        match (kind, len) {
            // No padding beyond the option's own two bytes is `<none>` to tshark.
            (1, 2) => out.at(name::OPT_PADN, at + 2..at + 2, Value::Str("<none>")),
            (1, _) => out.at(name::OPT_PADN, at + 2..at + len, Value::Bytes(&options[2..len])),
            (5, 4) => out.at(name::OPT_ROUTER_ALERT, at + 2..at + 4, Value::Uint(be16(options, 2).into())),
            _ => {}
        }
        options = &options[len..];
        at += len;
    }
}

/// What a fragment header says about its fragment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fragment {
    /// Byte offset of this fragment's data in the original payload.
    pub offset: usize,
    pub more: bool,
    pub ident: u32,
}

impl<'a> Header<'a> {
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The fixed header and the complete extension headers.
    pub fn header_len(&self) -> usize {
        HEADER_LEN + self.extensions.len()
    }

    fn first_word(&self) -> u32 {
        be32(self.bytes, 0)
    }

    pub fn traffic_class(&self) -> u8 {
        ((self.first_word() >> 20) & 0xff) as u8
    }

    pub fn flow_label(&self) -> u32 {
        self.first_word() & 0x000f_ffff
    }

    /// The protocol of the payload after every extension header, from the registry.
    pub fn next_protocol(&self) -> IpProtocol {
        IpProtocol::from(self.upper_protocol)
    }

    pub fn payload_len(&self) -> u16 {
        be16(self.bytes, field::PAYLOAD_LEN.start)
    }

    /// The next-header field of the fixed header.
    pub fn next_header(&self) -> u8 {
        self.bytes[field::NEXT_HEADER.start]
    }

    pub fn hop_limit(&self) -> u8 {
        self.bytes[field::HOP_LIMIT.start]
    }

    pub fn src(&self) -> Ipv6Addr {
        address(&self.bytes[field::SRC])
    }

    pub fn dst(&self) -> Ipv6Addr {
        address(&self.bytes[field::DST])
    }

    /// The extension headers, in order.
    pub fn extensions(&self) -> impl Iterator<Item = Extension<'a>> + 'a {
        let mut kind = self.next_header();
        let mut rest = self.extensions;
        let mut offset = HEADER_LEN;
        std::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            let len = extension_len(kind, rest).ok()?;
            let extension = Extension { kind, bytes: &rest[..len], offset };
            kind = rest[0];
            rest = &rest[len..];
            offset += len;
            Some(extension)
        })
    }

    /// The fragment header, if this packet is a fragment.
    pub fn fragment(&self) -> Option<Fragment> {
        self.extensions().find_map(|extension| extension.as_fragment())
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        let word = self.first_word();
        let class = self.traffic_class();
        out.at(name::VERSION, 0..1, Value::Uint((word >> 28).into()));
        // Wireshark also files the version under the protocol-independent name.
        out.at(ipv4::name::VERSION, 0..1, Value::Uint((word >> 28).into()));
        out.at(name::TCLASS, field::VERSION_CLASS_FLOW, Value::hex32(class.into()));
        out.at(name::TCLASS_DSCP, 0..2, Value::Uint((class >> 2).into()));
        out.at(name::TCLASS_ECN, 0..2, Value::Uint((class & 3).into()));
        out.at(name::FLOW, 1..4, Value::Hex { value: self.flow_label().into(), digits: 6 });
        out.at(name::PLEN, field::PAYLOAD_LEN, Value::Uint(self.payload_len().into()));
        out.at(name::NXT, field::NEXT_HEADER, Value::Uint(self.next_header().into()));
        out.at(name::HLIM, field::HOP_LIMIT, Value::Uint(self.hop_limit().into()));
        let addresses = [
            (name::SRC, name::SRC_HOST, field::SRC, self.src()),
            (name::DST, name::DST_HOST, field::DST, self.dst()),
        ];
        for (name, host, range, address) in addresses {
            out.at(name, range.clone(), Value::Ipv6(address));
            out.at(name::ADDR, range.clone(), Value::Ipv6(address));
            out.at(host, range.clone(), Value::Host(address.into()));
            out.at(name::HOST, range, Value::Host(address.into()));
        }
        for extension in self.extensions() {
            extension.fields(out);
        }
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        write!(out, "Internet Protocol Version 6, Src: {}, Dst: {}", self.src(), self.dst())
    }
}

fn address(bytes: &[u8]) -> Ipv6Addr {
    let mut octets = [0u8; 16];
    octets.copy_from_slice(bytes);
    Ipv6Addr::from(octets)
}

impl LayerHeader for Header<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Ipv6
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

    /// Wireshark shows an IPv6 header's version as `ip.version` too.
    fn also_emits(&self) -> &'static [&'static str] {
        &["ip"]
    }
}

pub mod name {
    //! The fields of an IPv6 header and its extension headers, by Wireshark's names: the registry's
    //! rows for them, and the names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Ipv6;
        VERSION "ipv6.version" Uint "IP version";
        TCLASS "ipv6.tclass" Hex "traffic class";
        TCLASS_DSCP "ipv6.tclass.dscp" Uint "DSCP";
        TCLASS_ECN "ipv6.tclass.ecn" Uint "ECN";
        FLOW "ipv6.flow" Hex "flow label";
        PLEN "ipv6.plen" Uint "payload length";
        NXT "ipv6.nxt" Uint "next header" names IP_PROTOCOL;
        HLIM "ipv6.hlim" Uint "hop limit";
        SRC "ipv6.src" Ipv6 "source address";
        DST "ipv6.dst" Ipv6 "destination address";
        ADDR "ipv6.addr" Ipv6 "either address";
        SRC_HOST "ipv6.src_host" Text "source host";
        DST_HOST "ipv6.dst_host" Text "destination host";
        HOST "ipv6.host" Text "either host";
        HOPOPTS "ipv6.hopopts" Protocol "hop-by-hop options header";
        HOPOPTS_NXT "ipv6.hopopts.nxt" Uint "next header" names IP_PROTOCOL;
        HOPOPTS_LEN "ipv6.hopopts.len" Uint "length in 8-byte units after the first";
        HOPOPTS_LEN_OCT "ipv6.hopopts.len_oct" Uint "length in bytes";
        DSTOPTS "ipv6.dstopts" Protocol "destination options header";
        DSTOPTS_NXT "ipv6.dstopts.nxt" Uint "next header" names IP_PROTOCOL;
        DSTOPTS_LEN "ipv6.dstopts.len" Uint "length in 8-byte units after the first";
        DSTOPTS_LEN_OCT "ipv6.dstopts.len_oct" Uint "length in bytes";
        ROUTING "ipv6.routing" Protocol "routing header";
        ROUTING_NXT "ipv6.routing.nxt" Uint "next header" names IP_PROTOCOL;
        ROUTING_LEN "ipv6.routing.len" Uint "length in 8-byte units after the first";
        ROUTING_LEN_OCT "ipv6.routing.len_oct" Uint "length in bytes";
        ROUTING_TYPE "ipv6.routing.type" Uint "routing type";
        ROUTING_SEGLEFT "ipv6.routing.segleft" Uint "segments left";
        OPT "ipv6.opt" Present "one option";
        OPT_TYPE "ipv6.opt.type" Hex "option type" names IPV6_OPTION;
        OPT_TYPE_ACTION "ipv6.opt.type.action" Uint "what a node that does not know the option does"
            names IPV6_OPTION_ACTION;
        OPT_TYPE_CHANGE "ipv6.opt.type.change" Bool "whether the option's data may change on the way";
        OPT_TYPE_REST "ipv6.opt.type.rest" Hex "the type's low-order five bits";
        OPT_LENGTH "ipv6.opt.length" Uint "option length";
        OPT_PAD1 "ipv6.opt.pad1" Present "a Pad1 option";
        OPT_PADN "ipv6.opt.padn" Bytes "a PadN option's padding";
        OPT_ROUTER_ALERT "ipv6.opt.router_alert" Uint "router alert value" names IPV6_ROUTER_ALERT;
        FRAGHDR "ipv6.fraghdr" Protocol "fragment header";
        FRAGHDR_NXT "ipv6.fraghdr.nxt" Uint "next header" names IP_PROTOCOL;
        FRAGHDR_RESERVED_OCTET "ipv6.fraghdr.reserved_octet" Hex "reserved byte";
        FRAGHDR_OFFSET "ipv6.fraghdr.offset" Uint "fragment offset in 8-byte units";
        FRAGHDR_RESERVED_BITS "ipv6.fraghdr.reserved_bits" Uint "reserved bits";
        FRAGHDR_MORE "ipv6.fraghdr.more" Bool "more fragments";
        FRAGHDR_IDENT "ipv6.fraghdr.ident" Hex "identification";
        FRAGMENT "ipv6.fragment" Uint "frame holding a fragment";
        FRAGMENT_COUNT "ipv6.fragment.count" Uint "number of fragments";
        REASSEMBLED_LENGTH "ipv6.reassembled.length" Uint "reassembled payload length";
        AH_NEXT_HEADER "ah.next_header" Uint "next header";
        AH_LENGTH "ah.length" Uint "length";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fragment of an ICMPv6 echo: fixed header, fragment header, 8 bytes of data.
    const FRAGMENT: [u8; 56] = [
        0x60, 0x00, 0x00, 0x00, // version 6, class 0, flow 0
        0x00, 0x10, // payload length 16
        44, 64, // next: fragment; hop limit 64
        0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // source fd00::1
        0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, // destination fd00::2
        58, 0, // fragment header: next ICMPv6, reserved
        0x05, 0xa9, // offset 181 (1448 bytes), M = 1
        0xca, 0xfe, 0xba, 0xbe, // identification
        1, 2, 3, 4, 5, 6, 7, 8, // fragment data
    ];

    #[test]
    fn follows_the_fragment_header_to_the_payload() {
        let (rest, ip) = parse(&FRAGMENT).expect("valid packet");
        assert!(rest.is_empty());
        assert_eq!((ip.next_header(), ip.upper_protocol, ip.hop_limit()), (44, 58, 64));
        assert_eq!(ip.header_len(), 48);
        assert_eq!(ip.payload, &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(ip.fragment(), Some(Fragment { offset: 1448, more: true, ident: 0xcafe_babe }));
        assert_eq!(ip.src().to_string(), "fd00::1");
    }

    #[test]
    fn every_truncation_keeps_the_fixed_header_or_reports_it() {
        for cut in 0..FRAGMENT.len() {
            match parse(&FRAGMENT[..cut]) {
                Err(nom::Err::Error(Error::Truncated { needed })) => {
                    assert!(cut < HEADER_LEN, "cut at {cut}");
                    assert_eq!(needed, HEADER_LEN - cut);
                }
                Ok((_, ip)) if cut < 48 => {
                    assert_eq!(
                        ip.extension_error,
                        Some(Error::Truncated { needed: 48 - cut }),
                        "cut at {cut}"
                    );
                    assert!(ip.payload.is_empty());
                }
                Ok((_, ip)) => {
                    assert_eq!(ip.extension_error, None);
                    assert_eq!((ip.payload.len(), ip.missing), (cut - 48, 56 - cut));
                }
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
    }

    #[test]
    fn an_endless_chain_of_extension_headers_is_refused() {
        let mut packet = FRAGMENT[..40].to_vec();
        packet[6] = 60; // destination options
        let chain = 20;
        packet[4..6].copy_from_slice(&((chain * 8) as u16).to_be_bytes());
        for _ in 0..chain {
            packet.extend_from_slice(&[60, 0, 1, 4, 0, 0, 0, 0]); // next: dstopts, PadN
        }
        let (_, ip) = parse(&packet).expect("fixed header is fine");
        assert!(matches!(ip.extension_error, Some(Error::Malformed(_))));
    }
}
