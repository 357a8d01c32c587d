//! IEEE 802.1Q VLAN tags, and the 802.1ad service tags stacked outside them (QinQ).
//!
//! ```text
//! IEEE 802.1Q-2018 clause 9.6 (the tag after the 0x8100 / 0x88a8 TPID):
//! +-----+-----+------------+----------------+
//! | PCP | DEI |  VID (12)  | EtherType (2)  |
//! | (3) | (1) |            |                |
//! +-----+-----+------------+----------------+
//! ```
//! A service tag (TPID 0x88a8) has the same layout; Wireshark files it under its own protocol,
//! `ieee8021ad`, so its fields are named that way here too.

use std::fmt;

use super::error::{IResult, be16, take_bytes};
use super::ethernet::EtherType;
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::osi::Protocol;

pub const HEADER_LEN: usize = 4;

mod field {
    use std::ops::Range;
    pub const TCI: Range<usize> = 0..2;
    pub const TYPE: Range<usize> = 2..4;
    pub const PCP_MASK: u16 = 0xe000;
    pub const DEI_MASK: u16 = 0x1000;
    pub const VID_MASK: u16 = 0x0fff;
}

/// One VLAN tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag<'a> {
    bytes: &'a [u8],
    /// Whether this is an 802.1ad service tag rather than an 802.1Q customer tag.
    pub service: bool,
}

/// Parses a tag; `service` says whether its TPID was 802.1ad's 0x88a8.
pub fn parse(input: &[u8], service: bool) -> IResult<'_, Tag<'_>> {
    let (payload, bytes) = take_bytes(HEADER_LEN)(input)?;
    Ok((payload, Tag { bytes, service }))
}

impl Tag<'_> {
    fn tci(&self) -> u16 {
        be16(self.bytes, field::TCI.start)
    }

    pub fn priority(&self) -> u8 {
        ((self.tci() & field::PCP_MASK) >> 13) as u8
    }

    pub fn drop_eligible(&self) -> bool {
        self.tci() & field::DEI_MASK != 0
    }

    pub fn id(&self) -> u16 {
        self.tci() & field::VID_MASK
    }

    /// The type field after the tag: an EtherType, or an 802.3 length when at most 1500.
    pub fn type_field(&self) -> u16 {
        be16(self.bytes, field::TYPE.start)
    }

    pub fn ethertype(&self) -> EtherType {
        EtherType::from(self.type_field())
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        if self.service {
            out.at(service_name::PRIORITY, field::TCI, Value::Uint(self.priority().into()));
            out.at(service_name::DEI, field::TCI, Value::Uint(self.drop_eligible().into()));
            out.at(service_name::ID, field::TCI, Value::Uint(self.id().into()));
            // Wireshark's 802.1ad hands its type to the 802.1ah dissector's field.
            out.at(service_name::ETYPE, field::TYPE, Value::hex16(self.type_field()));
            return;
        }
        out.at(name::PRIORITY, field::TCI, Value::Uint(self.priority().into()));
        out.at(name::DEI, field::TCI, Value::Bool(self.drop_eligible()));
        out.at(name::ID, field::TCI, Value::Uint(self.id().into()));
        if self.type_field() > 1500 {
            out.at(name::ETYPE, field::TYPE, Value::hex16(self.type_field()));
        } else {
            out.at(name::LEN, field::TYPE, Value::Uint(self.type_field().into()));
        }
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        if self.service {
            return write!(out, "IEEE 802.1ad, ID: {}", self.id());
        }
        write!(
            out,
            "802.1Q Virtual LAN, PRI: {}, DEI: {}, ID: {}",
            self.priority(),
            u8::from(self.drop_eligible()),
            self.id()
        )
    }
}

impl LayerHeader for Tag<'_> {
    fn protocol(&self) -> Protocol {
        if self.service { Protocol::Ieee8021ad } else { Protocol::Vlan }
    }

    fn header_len(&self) -> usize {
        HEADER_LEN
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Tag::fields(self, out);
    }

    /// A service tag's type is `ieee8021ah.etype`, as Wireshark files it.
    fn also_emits(&self) -> &'static [&'static str] {
        if self.service { &["ieee8021ah"] } else { &[] }
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Tag::summary(self, out)
    }
}

pub mod name {
    //! The fields of an 802.1Q tag, by Wireshark's names: the registry's rows for them, and the
    //! names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Vlan;
        PRIORITY "vlan.priority" Uint "802.1p priority" names VLAN_PRIORITY;
        DEI "vlan.dei" Bool "drop eligible";
        ID "vlan.id" Uint "VLAN identifier";
        ETYPE "vlan.etype" Hex "EtherType after the tag" names ETHERTYPE;
        LEN "vlan.len" Uint "802.3 length after the tag";
    }
}

pub mod service_name {
    //! The fields of an 802.1ad service tag, by Wireshark's names: the registry's rows for them,
    //! and the names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Ieee8021ad;
        PRIORITY "ieee8021ad.priority" Uint "802.1p priority of the service tag";
        DEI "ieee8021ad.dei" Uint "drop eligible (service tag)";
        ID "ieee8021ad.id" Uint "service VLAN identifier";
        ETYPE "ieee8021ah.etype" Hex "EtherType after the service tag" names ETHERTYPE;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::error::Error;

    const TAG: [u8; 4] = [
        0xa0, 0x0a, // PCP 5, DEI 0, VID 10
        0x08, 0x00, // EtherType: IPv4
    ];

    #[test]
    fn parses_priority_id_and_type() {
        let (rest, tag) = parse(&TAG, false).expect("valid tag");
        assert!(rest.is_empty());
        assert_eq!((tag.priority(), tag.drop_eligible(), tag.id()), (5, false, 10));
        assert_eq!(tag.ethertype(), EtherType::Ipv4);
    }

    #[test]
    fn every_truncation_is_reported() {
        for cut in 0..HEADER_LEN {
            assert_eq!(parse(&TAG[..cut], true), Err(Error::truncated(HEADER_LEN - cut)));
        }
    }
}
