//! Ethernet II frames, and the EtherType registry shared by every header that names one.
//!
//! ```text
//! IEEE 802.3 clause 3.1.1 (Ethernet II framing, as captured: no preamble, no FCS):
//! +----------------+----------------+-----------+-----------------------+
//! | destination(6) |   source(6)    | type(2)   | payload (46-1500)     |
//! +----------------+----------------+-----------+-----------------------+
//! type >= 0x0600 is an EtherType; type <= 1500 is an 802.3 length followed by LLC.
//! ```
//! Frames shorter than 60 bytes are padded on the wire; the padding (or any trailer) is the
//! bytes left after the payload's own length, and is reported on this layer.

use std::fmt;

use super::error::{IResult, be16, take_bytes};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::osi::Protocol;

pub const HEADER_LEN: usize = 14;

mod field {
    use std::ops::Range;
    pub const DST: Range<usize> = 0..6;
    pub const SRC: Range<usize> = 6..12;
    pub const TYPE: Range<usize> = 12..14;
}

/// The largest value of the type field that is an 802.3 length rather than an EtherType.
const MAX_8023_LENGTH: u16 = 1500;

/// EtherType values rttscope follows; others are kept by number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EtherType {
    Ipv4,
    Arp,
    Vlan,
    Ipv6,
    QinQ,
    /// 0x9100, the pre-standard QinQ outer tag some switches still send.
    QinQLegacy,
    Unknown(u16),
}

impl From<u16> for EtherType {
    fn from(value: u16) -> Self {
        match value {
            0x0800 => Self::Ipv4,
            0x0806 => Self::Arp,
            0x8100 => Self::Vlan,
            0x86dd => Self::Ipv6,
            0x88a8 => Self::QinQ,
            0x9100 => Self::QinQLegacy,
            other => Self::Unknown(other),
        }
    }
}

impl From<EtherType> for u16 {
    fn from(value: EtherType) -> Self {
        match value {
            EtherType::Ipv4 => 0x0800,
            EtherType::Arp => 0x0806,
            EtherType::Vlan => 0x8100,
            EtherType::Ipv6 => 0x86dd,
            EtherType::QinQ => 0x88a8,
            EtherType::QinQLegacy => 0x9100,
            EtherType::Unknown(other) => other,
        }
    }
}

impl EtherType {
    /// Whether a VLAN tag follows.
    pub fn is_vlan_tag(self) -> bool {
        matches!(self, Self::Vlan | Self::QinQ | Self::QinQLegacy)
    }
}

impl fmt::Display for EtherType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Ipv4 => "IPv4",
            Self::Arp => "ARP",
            Self::Vlan => "802.1Q Virtual LAN",
            Self::Ipv6 => "IPv6",
            Self::QinQ => "802.1ad Provider Bridge (Q-in-Q)",
            Self::QinQLegacy => "QinQ (0x9100)",
            Self::Unknown(number) => return write!(f, "Unknown (0x{number:04x})"),
        };
        f.write_str(name)
    }
}

/// An Ethernet header, with the frame's trailer once the payload's length is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    bytes: &'a [u8],
    /// Bytes after the payload: padding to the 60-byte minimum, or a trailer.
    pub trailer: &'a [u8],
}

/// Parses the 14-byte header; the rest is the payload.
pub fn parse(input: &[u8]) -> IResult<'_, Header<'_>> {
    let (payload, bytes) = take_bytes(HEADER_LEN)(input)?;
    Ok((payload, Header { bytes, trailer: &[] }))
}

pub(crate) fn mac(bytes: &[u8]) -> [u8; 6] {
    [bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]]
}

impl<'a> Header<'a> {
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    pub fn dst(&self) -> [u8; 6] {
        mac(&self.bytes[field::DST])
    }

    pub fn src(&self) -> [u8; 6] {
        mac(&self.bytes[field::SRC])
    }

    /// The raw type field: an EtherType, or an 802.3 length when at most 1500.
    pub fn type_field(&self) -> u16 {
        be16(self.bytes, field::TYPE.start)
    }

    /// The EtherType, or `None` for an 802.3 frame whose type field is a length.
    pub fn ethertype(&self) -> Option<EtherType> {
        let value = self.type_field();
        (value > MAX_8023_LENGTH).then(|| EtherType::from(value))
    }

    pub fn fields(&self, out: &mut Emitter<'_>, trailer_offset: usize) {
        address_fields(out, name::DST, field::DST, self.dst());
        address_fields(out, name::SRC, field::SRC, self.src());
        match self.ethertype() {
            Some(_) => out.at(name::TYPE, field::TYPE, Value::hex16(self.type_field())),
            None => out.at(name::LEN, field::TYPE, Value::Uint(self.type_field().into())),
        }
        if !self.trailer.is_empty() {
            let range = trailer_offset..trailer_offset + self.trailer.len();
            let name = if self.trailer.iter().all(|byte| *byte == 0) { name::PADDING } else { name::TRAILER };
            out.at(name, range, Value::Bytes(self.trailer));
        }
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        write!(out, "Ethernet II, Src: ")?;
        super::field::write_mac(out, &self.src())?;
        write!(out, ", Dst: ")?;
        super::field::write_mac(out, &self.dst())
    }
}

/// The fields Wireshark gives every MAC address: the address, the hidden `eth.addr`, and the
/// locally-administered and group bits.
fn address_fields(out: &mut Emitter<'_>, name: &'static str, range: std::ops::Range<usize>, mac: [u8; 6]) {
    let (lg, ig) =
        if name == name::DST { (name::DST_LG, name::DST_IG) } else { (name::SRC_LG, name::SRC_IG) };
    out.at(name, range.clone(), Value::Mac(mac));
    out.at(name::ADDR, range.clone(), Value::Mac(mac));
    out.at(lg, range.start..range.start + 3, Value::Bool(mac[0] & 0x02 != 0));
    out.at(ig, range.start..range.start + 3, Value::Bool(mac[0] & 0x01 != 0));
}

impl LayerHeader for Header<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Ethernet
    }

    fn header_len(&self) -> usize {
        HEADER_LEN
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        let trailer_at = super::field_offset(self.bytes(), self.trailer);
        Header::fields(self, out, trailer_at);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Header::summary(self, out)
    }
}

pub mod name {
    //! The fields of an Ethernet header, by Wireshark's names: the registry's rows for them, and
    //! the names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Ethernet;
        DST "eth.dst" Mac "destination MAC address";
        SRC "eth.src" Mac "source MAC address";
        ADDR "eth.addr" Mac "either MAC address";
        DST_LG "eth.dst.lg" Bool "destination is locally administered";
        DST_IG "eth.dst.ig" Bool "destination is a group address";
        SRC_LG "eth.src.lg" Bool "source is locally administered";
        SRC_IG "eth.src.ig" Bool "source is a group address";
        TYPE "eth.type" Hex "EtherType of the payload" names ETHERTYPE;
        LEN "eth.len" Uint "802.3 length";
        PADDING "eth.padding" Bytes "zero padding up to the minimum frame size";
        TRAILER "eth.trailer" Bytes "bytes after the payload that are not padding";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::error::Error;

    /// A frame header: broadcast destination, a locally administered source, IPv4.
    const FRAME: [u8; 16] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // destination: broadcast
        0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, // source
        0x08, 0x00, // EtherType: IPv4
        0x45, 0x00, // first payload bytes
    ];

    #[test]
    fn parses_addresses_and_ethertype() {
        let (payload, header) = parse(&FRAME).expect("valid header");
        assert_eq!(payload, &[0x45, 0x00]);
        assert_eq!(header.dst(), [0xff; 6]);
        assert_eq!(header.src(), [0x02, 0x00, 0x5e, 0x10, 0x20, 0x30]);
        assert_eq!(header.ethertype(), Some(EtherType::Ipv4));
    }

    #[test]
    fn a_small_type_field_is_an_8023_length() {
        let mut frame = FRAME;
        frame[12..14].copy_from_slice(&46u16.to_be_bytes());
        let (_, header) = parse(&frame).expect("valid header");
        assert_eq!(header.ethertype(), None);
        assert_eq!(header.type_field(), 46);
    }

    #[test]
    fn every_truncation_is_reported_with_the_shortfall() {
        for cut in 0..HEADER_LEN {
            assert_eq!(parse(&FRAME[..cut]), Err(Error::truncated(HEADER_LEN - cut)), "cut at {cut}");
        }
    }

    #[test]
    fn ethertypes_round_trip_and_keep_unknown_values() {
        for value in [0x0800u16, 0x0806, 0x8100, 0x86dd, 0x88a8, 0x9100, 0x88cc] {
            assert_eq!(u16::from(EtherType::from(value)), value);
        }
        assert_eq!(EtherType::from(0x88cc).to_string(), "Unknown (0x88cc)");
    }
}
