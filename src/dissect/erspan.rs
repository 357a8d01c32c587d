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
//! section 4.3, the subheader: |Platf ID (6)| platform-specific (26) | platform-specific (32) |
//!   ID 1: reserved(14) VSM ID(12) | port index        ID 3: reserved(12) port index(14) | timestamp
//!   ID 4: reserved(26) | reserved                    ID 5: switch ID(10) port index(16) | timestamp
//!   ID 7: reserved(6) source index(20) | timestamp  (as Wireshark reads them; others: the ID alone)
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
        if self.bytes.len() >= TYPE_III_LEN + PLATFORM_LEN {
            platform_fields(out, &self.bytes[TYPE_III_LEN..TYPE_III_LEN + PLATFORM_LEN]);
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

/// A platform-specific subheader's fields: its platform ID, then each part of its two words
/// that ID defines, as (field, word, mask).
fn platform_fields(out: &mut Emitter<'_>, subheader: &[u8]) {
    let at = TYPE_III_LEN;
    let words = [be32(subheader, 0), be32(subheader, 4)];
    let platform = words[0] >> 26;
    out.at(name::PLATID, at..at + 4, Value::Uint(platform.into()));
    const WHOLE: u32 = u32::MAX;
    let parts: &[(&'static str, usize, u32)] = match platform {
        1 => &[
            (name::PID1_RSVD1, 0, 0x03ff_f000),
            (name::PID1_VSMID, 0, 0x0fff),
            (name::PID1_PORT_INDEX, 1, WHOLE),
        ],
        3 => &[
            (name::PID3_RSVD1, 0, 0x03ff_c000),
            (name::PID3_PORT_INDEX, 0, 0x3fff),
            (name::PID3_TIMESTAMP, 1, WHOLE),
        ],
        4 => {
            &[(name::PID4_RSVD1, 0, 0x03ff_c000), (name::PID4_RSVD2, 0, 0x3fff), (name::PID4_RSVD3, 1, WHOLE)]
        }
        5 => &[
            (name::PID5_SWITCHID, 0, 0x03ff_0000),
            (name::PID5_PORT_INDEX, 0, 0xffff),
            (name::PID5_TIMESTAMP, 1, WHOLE),
        ],
        7 => &[
            (name::PID7_RSVD1, 0, 0x03f0_0000),
            (name::PID7_SOURCE_INDEX, 0, 0x000f_ffff),
            (name::PID7_TIMESTAMP, 1, WHOLE),
        ],
        _ => &[],
    };
    for &(field, word, mask) in parts {
        let value = (words[word] & mask) >> mask.trailing_zeros();
        out.at(field, at + 4 * word..at + 4 * word + 4, Value::Uint(value.into()));
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
        PID1_RSVD1 "erspan.pid1.rsvd1" Uint "reserved (platform 1)";
        PID1_VSMID "erspan.pid1.vsmid" Uint "VSM ID (platform 1)";
        PID1_PORT_INDEX "erspan.pid1.port_index" Uint "port index (platform 1)";
        PID3_RSVD1 "erspan.pid3.rsvd1" Uint "reserved (platform 3)";
        PID3_PORT_INDEX "erspan.pid3.port_index" Uint "port ID or index (platform 3)";
        PID3_TIMESTAMP "erspan.pid3.timestamp" Uint "timestamp, upper 32 bits (platform 3)";
        PID4_RSVD1 "erspan.pid4.rsvd1" Uint "reserved (platform 4)";
        PID4_RSVD2 "erspan.pid4.rsvd2" Uint "reserved (platform 4)";
        PID4_RSVD3 "erspan.pid4.rsvd3" Uint "reserved (platform 4)";
        PID5_SWITCHID "erspan.pid5.switchid" Uint "switch ID (platform 5)";
        PID5_PORT_INDEX "erspan.pid5.port_index" Uint "port index (platform 5)";
        PID5_TIMESTAMP "erspan.pid5.timestamp" Uint "timestamp, seconds (platform 5)";
        PID7_RSVD1 "erspan.pid7.rsvd1" Uint "reserved (platform 7)";
        PID7_SOURCE_INDEX "erspan.pid7.source_index" Uint "source index (platform 7)";
        PID7_TIMESTAMP "erspan.pid7.timestamp" Uint "timestamp, seconds (platform 7)";
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
    fn reads_the_platform_specific_subheader() {
        // O set; platform 5: switch ID 42, port index 257 | timestamp 0x5e000003
        let mut bytes = TYPE_III[..12].to_vec();
        bytes[11] |= 1;
        bytes.extend([0x14, 0x2a, 0x01, 0x01, 0x5e, 0x00, 0x00, 0x03, 0x02, 0x00]);
        let (frame, header) = parse(&bytes, true).expect("a type III header and subheader");
        assert_eq!(frame, [0x02, 0x00]);
        let mut seen = Vec::new();
        let mut sink =
            |field: crate::dissect::field::Field<'_>| seen.push((field.name, field.value.to_string()));
        header.fields(&mut Emitter::new(&mut sink, 0, Default::default()));
        let value = |name: &str| seen.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
        assert_eq!(value("erspan.platid").as_deref(), Some("5"));
        assert_eq!(value("erspan.pid5.switchid").as_deref(), Some("42"));
        assert_eq!(value("erspan.pid5.port_index").as_deref(), Some("257"));
        assert_eq!(value("erspan.pid5.timestamp").as_deref(), Some("1577058307"));
        for cut in 12..20 {
            assert!(
                matches!(parse(&bytes[..cut], true), Err(nom::Err::Error(Error::Truncated { .. }))),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn an_unknown_version_is_malformed() {
        let mut header = TYPE_II;
        header[0] = 0x30;
        assert!(matches!(parse(&header, true), Err(nom::Err::Error(Error::Malformed(_)))));
    }
}
