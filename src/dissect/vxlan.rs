//! Virtual eXtensible Local Area Network (VXLAN): an Ethernet frame carried in a UDP datagram
//! to port 4789, tagged with the 24-bit network it belongs to.
//!
//! ```text
//! RFC 7348 section 5 (the header after the outer UDP header):
//! |R|R|R|R|I|R|R|R|            Reserved (24)                      |
//! |                VXLAN Network Identifier (VNI) (24) | Reserved   |
//! then the inner Ethernet frame, without its FCS
//! ```
//! The Group Based Policy extension (draft-smith-vxlan-group-policy) gives the first word's
//! G, D and A bits and its low 16 bits (the group policy ID); Wireshark reads them on every
//! VXLAN header, and so does this parser. The invariant: the header is 8 bytes and all that
//! follows it is the inner frame, handed to Ethernet.

use std::fmt;

use super::Content;
use super::error::{Error, IResult, be16, be32, into_error, take_bytes};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::dispatch::Next;
use crate::osi::Protocol;

pub const HEADER_LEN: usize = 8;

mod field {
    use std::ops::Range;
    pub const FLAGS: Range<usize> = 0..2;
    pub const GROUP_POLICY_ID: Range<usize> = 2..4;
    pub const VNI: Range<usize> = 4..7;
    pub const RESERVED: Range<usize> = 7..8;
    pub const FLAG_G: u16 = 0x8000;
    pub const FLAG_I: u16 = 0x0800;
    pub const FLAG_D: u16 = 0x0040;
    pub const FLAG_A: u16 = 0x0008;
    pub const FLAGS_RESERVED: u16 = 0x77b7;
}

/// A VXLAN header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    bytes: &'a [u8],
}

pub fn parse(input: &[u8]) -> IResult<'_, Header<'_>> {
    let (frame, bytes) = take_bytes(HEADER_LEN)(input)?;
    Ok((frame, Header { bytes }))
}

/// Reads a header as the stateless chain's entry for VXLAN: an Ethernet frame follows it.
pub fn dissect(input: &[u8]) -> Result<(Content<'_>, Next<'_>), Error> {
    let (frame, header) = parse(input).map_err(into_error)?;
    Ok((Content::Vxlan(header), Next::Ethernet(frame)))
}

impl Header<'_> {
    pub fn flags(&self) -> u16 {
        be16(self.bytes, field::FLAGS.start)
    }

    pub fn group_policy_id(&self) -> u16 {
        be16(self.bytes, field::GROUP_POLICY_ID.start)
    }

    /// The VXLAN Network Identifier.
    pub fn vni(&self) -> u32 {
        be32(self.bytes, field::VNI.start) >> 8
    }

    fn reserved(&self) -> u8 {
        self.bytes[field::RESERVED.start]
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        let flags = self.flags();
        out.at(name::FLAGS, field::FLAGS, Value::hex16(flags));
        out.at(name::FLAG_G, field::FLAGS, Value::Bool(flags & field::FLAG_G != 0));
        out.at(name::FLAG_I, field::FLAGS, Value::Bool(flags & field::FLAG_I != 0));
        out.at(name::FLAG_D, field::FLAGS, Value::Bool(flags & field::FLAG_D != 0));
        out.at(name::FLAG_A, field::FLAGS, Value::Bool(flags & field::FLAG_A != 0));
        out.at(name::FLAGS_RESERVED, field::FLAGS, Value::hex16(flags & field::FLAGS_RESERVED));
        out.at(name::GBP, field::GROUP_POLICY_ID, Value::Uint(self.group_policy_id().into()));
        out.at(name::VNI, field::VNI, Value::Uint(self.vni().into()));
        out.at(name::RESERVED8, field::RESERVED, Value::Uint(self.reserved().into()));
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        write!(out, "Virtual eXtensible Local Area Network, VNI: {}", self.vni())
    }
}

impl LayerHeader for Header<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Vxlan
    }

    fn header_len(&self) -> usize {
        HEADER_LEN
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Header::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Header::summary(self, out)
    }
}

pub mod name {
    //! The fields of a VXLAN header, by Wireshark's names: the registry's rows for them, and the
    //! names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Vxlan;
        FLAGS "vxlan.flags" Hex "flags";
        FLAG_G "vxlan.flag_g" Bool "GBP extension";
        FLAG_I "vxlan.flag_i" Bool "VNI present";
        FLAG_D "vxlan.flag_d" Bool "don't learn";
        FLAG_A "vxlan.flag_a" Bool "policy applied";
        FLAGS_RESERVED "vxlan.flags_reserved" Hex "reserved flag bits";
        GBP "vxlan.gbp" Uint "group policy ID";
        VNI "vxlan.vni" Uint "VXLAN network identifier";
        RESERVED8 "vxlan.reserved8" Uint "reserved";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATAGRAM: [u8; 22] = [
        0x08, 0x00, // flags: I (VNI present)
        0x00, 0x00, // group policy ID
        0x00, 0x10, 0x92, // VNI 4242
        0x00, // reserved
        // the inner Ethernet frame's first bytes: destination, source, EtherType
        0x02, 0, 0, 0, 0x50, 0xb2, 0x02, 0, 0, 0, 0x50, 0xb1, 0x08, 0x00,
    ];

    #[test]
    fn reads_the_vni_and_hands_the_rest_to_ethernet() {
        let (content, next) = dissect(&DATAGRAM).expect("a whole header");
        let Content::Vxlan(header) = content else { panic!("not VXLAN: {content:?}") };
        assert_eq!(header.vni(), 4242);
        assert_eq!(header.flags(), 0x0800);
        assert_eq!(header.group_policy_id(), 0);
        assert_eq!(next, Next::Ethernet(&DATAGRAM[HEADER_LEN..]));
        let mut summary = String::new();
        header.summary(&mut summary).expect("formatting");
        assert_eq!(summary, "Virtual eXtensible Local Area Network, VNI: 4242");
    }

    #[test]
    fn every_truncation_is_reported() {
        for cut in 0..HEADER_LEN {
            assert_eq!(parse(&DATAGRAM[..cut]), Err(Error::truncated(HEADER_LEN - cut)), "cut at {cut}");
        }
        let (frame, _) = parse(&DATAGRAM[..HEADER_LEN]).expect("a header with no frame after it");
        assert!(frame.is_empty());
    }
}
