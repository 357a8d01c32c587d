//! Encapsulated Remote Switch Port Analyzer (ERSPAN): a frame a switch mirrored, sent over GRE
//! to a remote analyser, with the session and VLAN it was mirrored from.
//!
//! ```text
//! draft-foschiano-erspan-03 (GRE protocol type 0x88be, or 0x22eb for type III):
//! type I:   no header; the GRE header has no sequence number; the mirrored frame follows
//! type II:  |Ver=1(4)| VLAN (12) |COS(3)|En(2)|T|  Session ID (10)  |
//!           |     Reserved (12)     |          Index (20)           |
//! type III: |Ver=2(4)| VLAN (12) |COS(3)|BSO(2)|T|  Session ID (10) |
//!           |                        Timestamp (32)                 |
//!           |          SGT (16)         |P| FT(5) | Hw ID(6) |D|Gra(2)|O|
//!           [ platform-specific subheader (8), when O is set ]
//! ```
//! As Wireshark tells them apart: a GRE header without a sequence number carries type I,
//! otherwise the version nibble says II or III. The invariant: what follows the header is the
//! mirrored Ethernet frame (type III's Frame Type other than 0 is not Ethernet, and is data).

use std::fmt;

use super::error::{Error, IResult, be16, be32, take_bytes};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::osi::Protocol;

pub const TYPE_II_LEN: usize = 8;
pub const TYPE_III_LEN: usize = 12;
/// Type III's optional platform-specific subheader.
const PLATFORM_LEN: usize = 8;

mod field {
    pub const VERSION: u16 = 0xf000;
    pub const VLAN: u16 = 0x0fff;
    pub const COS: u16 = 0xe000;
    pub const ENCAP: u16 = 0x1800;
    pub const TRUNCATED: u16 = 0x0400;
    pub const SPAN_ID: u16 = 0x03ff;
    pub const RESERVED: u32 = 0xfff0_0000;
    pub const INDEX: u32 = 0x000f_ffff;
    pub const P: u16 = 0x8000;
    pub const FRAME_TYPE: u16 = 0x7c00;
    pub const HARDWARE_ID: u16 = 0x03f0;
    pub const DIRECTION: u16 = 0x0008;
    pub const GRANULARITY: u16 = 0x0006;
    pub const OPTIONAL: u16 = 0x0001;
}

/// Which ERSPAN header a frame has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    I,
    II,
    III,
}

/// An ERSPAN header (none at all, for type I).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    pub kind: Kind,
    bytes: &'a [u8],
}

/// Parses the header after a GRE header; `sequenced` says whether that GRE header had a
/// sequence number (without one, the frame is type I).
pub fn parse(input: &[u8], sequenced: bool) -> IResult<'_, Header<'_>> {
    if !sequenced {
        return Ok((input, Header { kind: Kind::I, bytes: &[] }));
    }
    let (_, first) = take_bytes(2)(input)?;
    let (kind, len) = match be16(first, 0) >> 12 {
        1 => (Kind::II, TYPE_II_LEN),
        2 => {
            let (_, fixed) = take_bytes(TYPE_III_LEN)(input)?;
            let optional = be16(fixed, 10) & field::OPTIONAL != 0;
            (Kind::III, TYPE_III_LEN + if optional { PLATFORM_LEN } else { 0 })
        }
        version => {
            return Err(Error::malformed(format!(
                "ERSPAN version {version} is unknown (1 and 2 are defined)"
            )));
        }
    };
    let (frame, bytes) = take_bytes(len)(input)?;
    Ok((frame, Header { kind, bytes }))
}

impl Header<'_> {
    fn first(&self) -> u16 {
        be16(self.bytes, 0)
    }

    fn second(&self) -> u16 {
        be16(self.bytes, 2)
    }

    /// Whether the mirrored frame is Ethernet (type III says so in its Frame Type).
    pub fn carries_ethernet(&self) -> bool {
        self.kind != Kind::III || be16(self.bytes, 10) & field::FRAME_TYPE == 0
    }

    pub fn span_id(&self) -> Option<u16> {
        (self.kind != Kind::I).then(|| self.second() & field::SPAN_ID)
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        if self.kind == Kind::I {
            return;
        }
        let (first, second) = (self.first(), self.second());
        let masked = |word: u16, mask: u16| Value::Uint(u64::from((word & mask) >> mask.trailing_zeros()));
        out.at(name::VERSION, 0..2, masked(first, field::VERSION));
        out.at(name::VLAN, 0..2, masked(first, field::VLAN));
        out.at(name::COS, 2..4, masked(second, field::COS));
        let encap = if self.kind == Kind::II { name::ENCAP } else { name::BSO };
        out.at(encap, 2..4, masked(second, field::ENCAP));
        out.at(name::TRUNCATED, 2..4, masked(second, field::TRUNCATED));
        out.at(name::SPANID, 2..4, masked(second, field::SPAN_ID));
        if self.kind == Kind::II {
            let word = be32(self.bytes, 4);
            out.at(name::RESERVED, 4..8, Value::Uint(u64::from((word & field::RESERVED) >> 20)));
            out.at(name::INDEX, 4..8, Value::Uint(u64::from(word & field::INDEX)));
            return;
        }
        out.at(name::TIMESTAMP, 4..8, Value::Uint(be32(self.bytes, 4).into()));
        out.at(name::SGT, 8..10, Value::Uint(be16(self.bytes, 8).into()));
        let last = be16(self.bytes, 10);
        out.at(name::P, 10..12, masked(last, field::P));
        out.at(name::FT, 10..12, masked(last, field::FRAME_TYPE));
        out.at(name::HW, 10..12, masked(last, field::HARDWARE_ID));
        out.at(name::DIRECTION, 10..12, Value::Bool(last & field::DIRECTION != 0));
        out.at(name::GRA, 10..12, masked(last, field::GRANULARITY));
        out.at(name::O, 10..12, masked(last, field::OPTIONAL));
        if self.bytes.len() > TYPE_III_LEN {
            let platform = be32(self.bytes, TYPE_III_LEN);
            out.at(name::PLATID, TYPE_III_LEN..TYPE_III_LEN + 4, Value::Uint(u64::from(platform >> 26)));
        }
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let kind = match self.kind {
            Kind::I => "I",
            Kind::II => "II",
            Kind::III => "III",
        };
        write!(out, "Encapsulated Remote Switch Packet ANalysis Type {kind}")
    }
}

impl LayerHeader for Header<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Erspan
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
    //! The fields of an ERSPAN header, by Wireshark's names: the registry's rows for them, and
    //! the names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Erspan;
        VERSION "erspan.version" Uint "version (1 type II, 2 type III)";
        VLAN "erspan.vlan" Uint "VLAN the frame was mirrored from";
        COS "erspan.cos" Uint "class of service";
        ENCAP "erspan.encap" Uint "how the frame's VLAN tag was kept (type II)";
        BSO "erspan.bso" Uint "bad, short or oversized frame (type III)";
        TRUNCATED "erspan.truncated" Uint "frame truncated";
        SPANID "erspan.spanid" Uint "mirroring session ID";
        RESERVED "erspan.reserved" Uint "reserved (type II)";
        INDEX "erspan.index" Uint "port index (type II)";
        TIMESTAMP "erspan.timestamp" Uint "timestamp (type III)";
        SGT "erspan.sgt" Uint "security group tag (type III)";
        P "erspan.p" Uint "Ethernet PDU (type III)";
        FT "erspan.ft" Uint "frame type (type III; 0 Ethernet)";
        HW "erspan.hw" Uint "hardware ID (type III)";
        DIRECTION "erspan.direction" Bool "mirrored on egress (type III)";
        GRA "erspan.gra" Uint "timestamp granularity (type III)";
        O "erspan.o" Uint "platform-specific subheader present (type III)";
        PLATID "erspan.platid" Uint "platform ID of the subheader (type III)";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPE_II: [u8; 10] = [
        0x10, 0x64, // version 1, VLAN 100
        0xb9, 0x55, // COS 5, En 3, T 0, session 341
        0x00, 0x00, 0x00, 0x07, // reserved, index 7
        0x02, 0x00, // the mirrored frame's first bytes
    ];
    const TYPE_III: [u8; 14] = [
        0x20, 0x64, // version 2, VLAN 100
        0x42, 0xaa, // COS 2, BSO 0, T 0, session 682
        0x01, 0x02, 0x03, 0x04, // timestamp
        0xbe, 0xef, // security group tag
        0x02, 0x1a, // P 0, FT 0, hardware ID 33, D 1, granularity 1, O 0
        0x02, 0x00, // the mirrored frame's first bytes
    ];

    #[test]
    fn without_a_gre_sequence_number_the_frame_is_type_i() {
        let (frame, header) = parse(&TYPE_II, false).expect("type I has no header");
        assert_eq!((header.kind, frame, header.span_id()), (Kind::I, &TYPE_II[..], None));
    }

    #[test]
    fn reads_types_ii_and_iii() {
        let (frame, header) = parse(&TYPE_II, true).expect("a type II header");
        assert_eq!((header.kind, frame, header.span_id()), (Kind::II, &TYPE_II[8..], Some(341)));
        let (frame, header) = parse(&TYPE_III, true).expect("a type III header");
        assert_eq!((header.kind, frame, header.span_id()), (Kind::III, &TYPE_III[12..], Some(682)));
        assert!(header.carries_ethernet());
        let mut summary = String::new();
        header.summary(&mut summary).expect("formatting");
        assert_eq!(summary, "Encapsulated Remote Switch Packet ANalysis Type III");
    }

    #[test]
    fn every_truncation_is_reported() {
        for cut in 0..TYPE_II_LEN {
            let needed = if cut < 2 { 2 - cut } else { TYPE_II_LEN - cut };
            assert_eq!(parse(&TYPE_II[..cut], true), Err(Error::truncated(needed)), "type II cut at {cut}");
        }
        for cut in 0..TYPE_III_LEN {
            let needed = if cut < 2 { 2 - cut } else { TYPE_III_LEN - cut };
            assert_eq!(parse(&TYPE_III[..cut], true), Err(Error::truncated(needed)), "type III cut at {cut}");
        }
        // With O set, the platform subheader must be there too.
        let mut optional = TYPE_III;
        optional[11] |= 1;
        assert_eq!(parse(&optional, true), Err(Error::truncated(TYPE_III_LEN + PLATFORM_LEN - 14)));
    }

    #[test]
    fn an_unknown_version_is_malformed() {
        let mut header = TYPE_II;
        header[0] = 0x30;
        assert!(matches!(parse(&header, true), Err(nom::Err::Error(Error::Malformed(_)))));
    }
}
