//! Linux cooked capture headers, versions 1 and 2, written by `tcpdump -i any`.
//!
//! ```text
//! LINKTYPE_LINUX_SLL (113), 16 bytes:
//!   packet_type(2) arphrd_type(2) address_length(2) address(8) protocol(2)
//! LINKTYPE_LINUX_SLL2 (276), 20 bytes:
//!   protocol(2) reserved(2) interface_index(4) arphrd_type(2) packet_type(1)
//!   address_length(1) address(8)
//! ```
//! (tcpdump.org linktypes/LINKTYPE_LINUX_SLL.html and LINKTYPE_LINUX_SLL2.html.) The protocol
//! is an EtherType when it is at least 0x0600, otherwise a Linux `ETH_P_*` pseudo-type.

use std::fmt;
use std::ops::Range;

use super::error::{IResult, be16, be32, take_bytes};
use super::ethernet::{EtherType, mac};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::osi::Protocol;

pub const V1_HEADER_LEN: usize = 16;
pub const V2_HEADER_LEN: usize = 20;

mod field {
    use std::ops::Range;
    pub mod v1 {
        use super::Range;
        pub const PACKET_TYPE: Range<usize> = 0..2;
        pub const ARPHRD: Range<usize> = 2..4;
        pub const ADDRESS_LEN: Range<usize> = 4..6;
        pub const ADDRESS: Range<usize> = 6..14;
        pub const PROTOCOL: Range<usize> = 14..16;
    }
    pub mod v2 {
        use super::Range;
        pub const PROTOCOL: Range<usize> = 0..2;
        pub const INTERFACE: Range<usize> = 4..8;
        pub const ARPHRD: Range<usize> = 8..10;
        pub const PACKET_TYPE: Range<usize> = 10..11;
        pub const ADDRESS_LEN: Range<usize> = 11..12;
        pub const ADDRESS: Range<usize> = 12..20;
    }
}

/// `ARPHRD_ETHER` and `ARPHRD_LOOPBACK`: hardware types whose address is a MAC address.
const ARPHRD_WITH_MAC: [u16; 2] = [1, 772];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    V1,
    V2,
}

/// A cooked header of either version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    bytes: &'a [u8],
    pub version: Version,
}

pub fn parse_v1(input: &[u8]) -> IResult<'_, Header<'_>> {
    let (payload, bytes) = take_bytes(V1_HEADER_LEN)(input)?;
    Ok((payload, Header { bytes, version: Version::V1 }))
}

pub fn parse_v2(input: &[u8]) -> IResult<'_, Header<'_>> {
    let (payload, bytes) = take_bytes(V2_HEADER_LEN)(input)?;
    Ok((payload, Header { bytes, version: Version::V2 }))
}

impl Header<'_> {
    fn ranges(&self) -> [Range<usize>; 4] {
        match self.version {
            Version::V1 => {
                [field::v1::PACKET_TYPE, field::v1::ARPHRD, field::v1::ADDRESS_LEN, field::v1::PROTOCOL]
            }
            Version::V2 => {
                [field::v2::PACKET_TYPE, field::v2::ARPHRD, field::v2::ADDRESS_LEN, field::v2::PROTOCOL]
            }
        }
    }

    /// Who the packet was for: 0 to us, 1 broadcast, 2 multicast, 3 another host, 4 sent by us.
    pub fn packet_type(&self) -> u16 {
        match self.version {
            Version::V1 => be16(self.bytes, field::v1::PACKET_TYPE.start),
            Version::V2 => self.bytes[field::v2::PACKET_TYPE.start].into(),
        }
    }

    pub fn arphrd_type(&self) -> u16 {
        be16(self.bytes, self.ranges()[1].start)
    }

    pub fn address_len(&self) -> u16 {
        match self.version {
            Version::V1 => be16(self.bytes, field::v1::ADDRESS_LEN.start),
            Version::V2 => self.bytes[field::v2::ADDRESS_LEN.start].into(),
        }
    }

    pub fn protocol(&self) -> u16 {
        be16(self.bytes, self.ranges()[3].start)
    }

    /// The EtherType of the payload, when the protocol field is one.
    pub fn ethertype(&self) -> Option<EtherType> {
        let protocol = self.protocol();
        (protocol >= 0x0600).then(|| EtherType::from(protocol))
    }

    pub fn interface_index(&self) -> Option<u32> {
        (self.version == Version::V2).then(|| be32(self.bytes, field::v2::INTERFACE.start))
    }

    fn address_range(&self) -> Range<usize> {
        match self.version {
            Version::V1 => field::v1::ADDRESS,
            Version::V2 => field::v2::ADDRESS,
        }
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        let [packet_type, arphrd, address_len, protocol] = self.ranges();
        if self.version == Version::V2 {
            self.protocol_field(out, protocol.clone());
            out.at(
                name::IFINDEX,
                field::v2::INTERFACE,
                Value::Uint(be32(self.bytes, field::v2::INTERFACE.start).into()),
            );
            out.at(name::HATYPE, arphrd, Value::Uint(self.arphrd_type().into()));
            out.at(name::PKTTYPE, packet_type, Value::Uint(self.packet_type().into()));
            out.at(name::HALEN, address_len, Value::Uint(self.address_len().into()));
            self.address_field(out);
        } else {
            out.at(name::PKTTYPE, packet_type, Value::Uint(self.packet_type().into()));
            out.at(name::HATYPE, arphrd, Value::Uint(self.arphrd_type().into()));
            out.at(name::HALEN, address_len, Value::Uint(self.address_len().into()));
            self.address_field(out);
            self.protocol_field(out, protocol);
        }
    }

    fn address_field(&self, out: &mut Emitter<'_>) {
        let range = self.address_range();
        let address_len = usize::from(self.address_len());
        if address_len == 6 && ARPHRD_WITH_MAC.contains(&self.arphrd_type()) {
            let mac_range = range.start..range.start + 6;
            out.at(name::SRC_ETH, mac_range, Value::Mac(mac(&self.bytes[range.start..])));
        } else if address_len > 0 && address_len <= 8 {
            let used = range.start..range.start + address_len;
            out.at(name::SRC_OTHER, used.clone(), Value::Bytes(&self.bytes[used]));
        }
        // The rest of the eight address bytes.
        let unused = range.start + address_len.min(8)..range.end;
        if !unused.is_empty() {
            out.at(name::UNUSED, unused.clone(), Value::Bytes(&self.bytes[unused]));
        }
    }

    fn protocol_field(&self, out: &mut Emitter<'_>, range: Range<usize>) {
        if self.ethertype().is_some() {
            out.at(name::ETYPE, range, Value::hex16(self.protocol()));
        } else {
            out.at(name::LTYPE, range, Value::hex16(self.protocol()));
        }
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let direction = match self.packet_type() {
            0 => "Unicast to us",
            1 => "Broadcast",
            2 => "Multicast",
            3 => "Unicast to another host",
            4 => "Sent by us",
            _ => "Unknown packet type",
        };
        let version = if self.version == Version::V2 { " v2" } else { "" };
        write!(out, "Linux cooked capture{version}, {direction}")?;
        if let Some(index) = self.interface_index() {
            write!(out, ", interface {index}")?;
        }
        Ok(())
    }
}

impl LayerHeader for Header<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Sll
    }

    fn header_len(&self) -> usize {
        match self.version {
            Version::V1 => V1_HEADER_LEN,
            Version::V2 => V2_HEADER_LEN,
        }
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Header::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Header::summary(self, out)
    }
}

pub mod name {
    //! The fields of a Linux cooked-capture header, by Wireshark's names: the registry's rows for
    //! them, and the names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Sll;
        PKTTYPE "sll.pkttype" Uint "who the packet was for (0 us, 4 sent by us)" names SLL_PACKET_TYPE;
        HATYPE "sll.hatype" Uint "ARPHRD hardware type" names SLL_HARDWARE_TYPE;
        HALEN "sll.halen" Uint "link-layer address length";
        SRC_ETH "sll.src.eth" Mac "source MAC address";
        SRC_OTHER "sll.src.other" Bytes "source link-layer address";
        UNUSED "sll.unused" Bytes "the address bytes beyond its length";
        ETYPE "sll.etype" Hex "EtherType of the payload" names ETHERTYPE;
        LTYPE "sll.ltype" Hex "Linux protocol of the payload";
        IFINDEX "sll.ifindex" Uint "interface index";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::error::Error;

    const V1: [u8; 16] = [
        0x00, 0x04, // packet type: sent by us
        0x03, 0x04, // ARPHRD_LOOPBACK (772)
        0x00, 0x06, // address length 6
        0, 0, 0, 0, 0, 0, 0, 0, // address, padded to 8
        0x08, 0x00, // protocol: IPv4
    ];

    const V2: [u8; 20] = [
        0x86, 0xdd, // protocol: IPv6
        0x00, 0x00, // reserved
        0x00, 0x00, 0x00, 0x01, // interface index 1
        0x00, 0x01, // ARPHRD_ETHER
        0x00, // packet type: to us
        0x06, // address length
        0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0, // address
    ];

    #[test]
    fn parses_both_versions() {
        let (_, v1) = parse_v1(&V1).expect("valid v1");
        assert_eq!((v1.packet_type(), v1.arphrd_type(), v1.address_len()), (4, 772, 6));
        assert_eq!(v1.ethertype(), Some(EtherType::Ipv4));
        let (_, v2) = parse_v2(&V2).expect("valid v2");
        assert_eq!((v2.packet_type(), v2.arphrd_type(), v2.interface_index()), (0, 1, Some(1)));
        assert_eq!(v2.ethertype(), Some(EtherType::Ipv6));
    }

    #[test]
    fn every_truncation_is_reported() {
        for cut in 0..V1.len() {
            assert_eq!(parse_v1(&V1[..cut]), Err(Error::truncated(V1.len() - cut)));
        }
        for cut in 0..V2.len() {
            assert_eq!(parse_v2(&V2[..cut]), Err(Error::truncated(V2.len() - cut)));
        }
    }
}
