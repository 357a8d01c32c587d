//! BSD loopback headers: a 4-byte address family before the packet.
//!
//! ```text
//! LINKTYPE_NULL (0):  family(4), in the byte order of the host that captured
//! LINKTYPE_LOOP (108): family(4), in network byte order
//! family: 2 = IPv4; 24, 28 or 30 = IPv6 (NetBSD/OpenBSD, FreeBSD, Darwin); 10 = Linux IPv6
//! ```
//! (tcpdump.org linktypes/LINKTYPE_NULL.html.) For `NULL` the byte order is unknown; as
//! Wireshark does, a value whose upper 16 bits are set is taken to be byte-swapped.

use std::fmt;

use super::error::{IResult, take_bytes};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::osi::Protocol;

pub const HEADER_LEN: usize = 4;

mod field {
    use std::ops::Range;
    pub const FAMILY: Range<usize> = 0..4;
}

/// What the family number says follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Ipv4,
    Ipv6,
    Unknown(u32),
}

impl From<u32> for Family {
    fn from(value: u32) -> Self {
        match value {
            2 => Self::Ipv4,
            10 | 24 | 28 | 30 => Self::Ipv6,
            other => Self::Unknown(other),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    bytes: &'a [u8],
    family: u32,
}

/// Parses a `LINKTYPE_NULL` header, guessing its byte order.
pub fn parse_null(input: &[u8]) -> IResult<'_, Header<'_>> {
    let (payload, bytes) = take_bytes(HEADER_LEN)(input)?;
    let little = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let family = if little & 0xffff_0000 != 0 { little.swap_bytes() } else { little };
    Ok((payload, Header { bytes, family }))
}

/// Parses a `LINKTYPE_LOOP` header, always big-endian.
pub fn parse_loop(input: &[u8]) -> IResult<'_, Header<'_>> {
    let (payload, bytes) = take_bytes(HEADER_LEN)(input)?;
    let family = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    Ok((payload, Header { bytes, family }))
}

impl Header<'_> {
    pub fn family_number(&self) -> u32 {
        self.family
    }

    pub fn family(&self) -> Family {
        Family::from(self.family)
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        out.at(name::FAMILY, field::FAMILY, Value::Uint(self.family.into()));
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let name = match self.family() {
            Family::Ipv4 => "IP",
            Family::Ipv6 => "IPv6",
            Family::Unknown(_) => "unknown",
        };
        write!(out, "Null/Loopback, family {} ({name})", self.family)
    }
}

impl LayerHeader for Header<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Null
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
    //! The fields of a BSD loopback header, by Wireshark's names: the registry's rows for them, and
    //! the names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Null;
        FAMILY "null.family" Uint "address family of the payload" names NULL_FAMILY;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::error::Error;

    #[test]
    fn null_guesses_byte_order_and_loop_is_big_endian() {
        let (_, little) = parse_null(&[2, 0, 0, 0]).expect("valid");
        assert_eq!(little.family(), Family::Ipv4);
        let (_, swapped) = parse_null(&[0, 0, 0, 30]).expect("valid");
        assert_eq!((swapped.family_number(), swapped.family()), (30, Family::Ipv6));
        let (_, looped) = parse_loop(&[0, 0, 0, 24]).expect("valid");
        assert_eq!(looped.family(), Family::Ipv6);
        assert_eq!(parse_loop(&[0, 0, 0, 99]).map(|(_, h)| h.family()), Ok(Family::Unknown(99)));
    }

    #[test]
    fn every_truncation_is_reported() {
        for cut in 0..HEADER_LEN {
            assert_eq!(parse_null(&[2, 0, 0, 0][..cut]), Err(Error::truncated(HEADER_LEN - cut)));
            assert_eq!(parse_loop(&[0, 0, 0, 2][..cut]), Err(Error::truncated(HEADER_LEN - cut)));
        }
    }
}
