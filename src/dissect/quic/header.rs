//! QUIC packet headers (RFC 9000 section 17, RFC 9369 section 3.2): the parts readable before
//! header protection is removed, and where each packet of a datagram ends.
//!
//! ```text
//! Long Header Packet {                     Short Header (1-RTT) Packet {
//!   Header Form (1) = 1,                     Header Form (1) = 0,
//!   Fixed Bit (1) = 1,                       Fixed Bit (1) = 1,
//!   Long Packet Type (2),                    Spin Bit (1),
//!   Type-Specific Bits (4),    (protected)   Reserved Bits (2),   (protected)
//!   Version (32),                            Key Phase (1),       (protected)
//!   DCID Length (8), DCID (0..160),          Packet Number Length (2), (protected)
//!   SCID Length (8), SCID (0..160),          Destination Connection ID (0..160),
//!   [Initial: Token Length (i), Token],      Packet Number (8..32), (protected)
//!   [Initial, 0-RTT, Handshake:              Packet Payload (8..),
//!     Length (i), Packet Number (8..32),   }
//!     Packet Payload],
//!   [Retry: Retry Token, Retry Integrity Tag (128)],
//!   [Version Negotiation (Version 0): Supported Version (32) ...],
//! }
//! ```
//! Long packet types are numbered Initial 0, 0-RTT 1, Handshake 2, Retry 3 in version 1 and
//! Retry 0, Initial 1, 0-RTT 2, Handshake 3 in version 2.

use std::ops::Range;

use super::varint::{spanned, take_len, varint};
use crate::crypto::quic::VERSION_2;
use crate::dissect::error::{be_u8, be_u32, take_bytes};

/// The largest connection ID version 1 and 2 allow (RFC 9000 section 17.2).
pub const MAX_CID_LEN: usize = 20;

/// What kind of packet a header starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    Initial,
    ZeroRtt,
    Handshake,
    Retry,
    VersionNegotiation,
    /// A short header: a 1-RTT packet.
    Short,
}

impl Kind {
    /// The name Wireshark gives the packet type in the Info column.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Initial => "Initial",
            Kind::ZeroRtt => "0-RTT",
            Kind::Handshake => "Handshake",
            Kind::Retry => "Retry",
            Kind::VersionNegotiation => "Version Negotiation",
            Kind::Short => "1-RTT",
        }
    }

    /// The long packet type of a version's first byte.
    fn of_long(first: u8, version: u32) -> Kind {
        if version == 0 {
            return Kind::VersionNegotiation;
        }
        match (version == VERSION_2, (first >> 4) & 0x03) {
            (false, 0) | (true, 1) => Kind::Initial,
            (false, 1) | (true, 2) => Kind::ZeroRtt,
            (false, 2) | (true, 3) => Kind::Handshake,
            _ => Kind::Retry,
        }
    }

    /// Whether the packet has a packet number and an encrypted payload.
    pub fn is_protected(self) -> bool {
        !matches!(self, Kind::Retry | Kind::VersionNegotiation)
    }
}

/// A packet's header as far as it can be read without keys, with positions relative to the
/// packet's first byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub first: u8,
    pub kind: Kind,
    /// 0 for a short header (and for Version Negotiation).
    pub version: u32,
    pub dcid: Range<usize>,
    pub scid: Option<Range<usize>>,
    /// Initial packets: the token length and where it was, and the token.
    pub token: Option<(u64, Range<usize>, Range<usize>)>,
    /// Initial, 0-RTT and Handshake packets: the Length field and where it was.
    pub length: Option<(u64, Range<usize>)>,
    /// Where the (protected) packet number starts.
    pub pn_offset: usize,
    /// The packet's extent within the datagram from its start.
    pub len: usize,
}

impl Header {
    pub fn is_long(&self) -> bool {
        self.first & 0x80 != 0
    }
}

/// Who uses a version, as Wireshark names the ranges of version numbers it knows
/// (`quic_version_vals`); the draft versions, `0xff0000NN`, are named by [`version_name`].
const VERSIONS: &[(u32, u32, &str)] = &[
    (0x0000_0000, 0x0000_0000, "Version Negotiation"),
    (0x0000_0001, 0x0000_0001, "1"),
    (0x4547_4700, 0x4547_47ff, "Quant"),
    (0x5043_5130, 0x5043_5131, "Picoquic internal"),
    (0x5052_4f58, 0x5052_4f58, "Proxied QUIC (PROX)"),
    (0x5130_3433, 0x5130_3433, "Google Q043"),
    (0x5130_3434, 0x5130_3434, "Google Q044"),
    (0x5130_3436, 0x5130_3436, "Google Q046"),
    (0x5130_3530, 0x5130_3530, "Google Q050"),
    (0x5147_4f00, 0x5147_4fff, "QGO (QUIC GO)"),
    (0x5430_3530, 0x5430_3530, "Google T050"),
    (0x5430_3531, 0x5430_3531, "Google T051"),
    (0x91c1_7000, 0x91c1_70ff, "Quicly"),
    (0xabcd_0000, 0xabcd_000f, "MsQuic"),
    (0xf0f0_f0f0, 0xf0f0_f0ff, "ETH Zürich (Measurability experiments)"),
    (0xf0f0_f1f0, 0xf0f0_f1ff, "Telecom Italia (Measurability experiments)"),
    (0xf123_f0c0, 0xf123_f0cf, "MozQuic"),
    (0xface_b001, 0xface_b001, "Facebook mvfst (draft-22)"),
    (0xface_b002, 0xface_b002, "Facebook mvfst (draft-27)"),
    (0xface_b003, 0xface_b00d, "Facebook mvfst"),
    (0xface_b00e, 0xface_b00e, "Facebook mvfst (Experimental)"),
    (0xface_b00f, 0xface_b00f, "Facebook mvfst"),
    (0xff02_0000, 0xff02_0000, "v2-draft-00"),
    (0x709a_50c4, 0x709a_50c4, "v2-draft-01"),
    (0x6b33_43cf, 0x6b33_43cf, "2"),
];

/// A version as tshark shows it: its name, the number in hex, and whether it is one of the
/// reserved versions (RFC 9000 section 15) a client sends to force a Version Negotiation:
/// `1 (0x00000001)`, `draft-29 (0xff00001d)`, `Unknown (0x1a2a3a4a) (Forcing Version
/// Negotiation)`.
pub fn version_name(version: u32) -> String {
    let forcing = if is_grease_version(version) { " (Forcing Version Negotiation)" } else { "" };
    format!("{}{forcing}", version_label(version))
}

/// A version reserved to exercise version negotiation (RFC 9000 section 15).
pub fn is_grease_version(version: u32) -> bool {
    version & 0x0f0f_0f0f == 0x0a0a_0a0a
}

/// A version's name and number, as a field naming versions shows one: `1 (0x00000001)`.
pub fn version_label(version: u32) -> String {
    let name = match version {
        0xff00_0004..=0xff00_0022 => format!("draft-{:02}", version - 0xff00_0000),
        _ => VERSIONS
            .iter()
            .find(|(low, high, _)| (*low..=*high).contains(&version))
            .map_or("Unknown", |(_, _, name)| name)
            .to_owned(),
    };
    format!("{name} (0x{version:08x})")
}

/// Reads the header of the packet at the start of `bytes` (the rest of a datagram).
/// `short_dcid_len` is the length of the connection ID a short header carries, which only the
/// connection's handshake tells. A long header whose lengths run past the datagram takes the
/// rest of it, as Wireshark does; fields that are not there are `None` or end the parse.
pub fn parse(bytes: &[u8], short_dcid_len: usize) -> Result<Header, &'static str> {
    let (input, first) = be_u8(bytes).map_err(|_| "empty packet")?;
    let at = |input: &[u8]| bytes.len() - input.len();
    if first & 0x80 == 0 {
        let (input, (_, dcid)) = spanned(bytes, take_bytes(short_dcid_len))(input)
            .map_err(|_| "short header cut inside its connection ID")?;
        return Ok(Header {
            first,
            kind: Kind::Short,
            version: 0,
            dcid,
            scid: None,
            token: None,
            length: None,
            pn_offset: at(input),
            len: bytes.len(),
        });
    }
    let (input, version) = be_u32(input).map_err(|_| "long header cut inside its version")?;
    let kind = Kind::of_long(first, version);
    let (input, dcil) = be_u8(input).map_err(|_| "long header cut before its DCID length")?;
    let (input, (_, dcid)) =
        spanned(bytes, take_bytes(dcil.into()))(input).map_err(|_| "long header cut inside its DCID")?;
    let (input, scil) = be_u8(input).map_err(|_| "long header cut before its SCID length")?;
    let (input, (_, scid)) =
        spanned(bytes, take_bytes(scil.into()))(input).map_err(|_| "long header cut inside its SCID")?;
    let mut header = Header {
        first,
        kind,
        version,
        dcid,
        scid: Some(scid),
        token: None,
        length: None,
        pn_offset: at(input),
        len: bytes.len(),
    };
    if !kind.is_protected() {
        return Ok(header);
    }
    let mut input = input;
    if kind == Kind::Initial {
        let (rest, (token_len, len_range)) =
            spanned(bytes, varint)(input).map_err(|_| "Initial cut inside its token length")?;
        let (rest, (_, token)) =
            spanned(bytes, take_len(token_len))(rest).map_err(|_| "Initial cut inside its token")?;
        header.token = Some((token_len, len_range, token));
        input = rest;
    }
    let (input, (length, length_range)) =
        spanned(bytes, varint)(input).map_err(|_| "long header cut inside its Length")?;
    header.length = Some((length, length_range));
    header.pn_offset = at(input);
    if let Some(end) = usize::try_from(length).ok().and_then(|length| header.pn_offset.checked_add(length))
        && end < bytes.len()
    {
        header.len = end;
    }
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::hex;

    #[test]
    fn the_client_initial_of_rfc_9001_a2_is_read_up_to_its_packet_number() {
        // The protected header of RFC 9001 A.2, then 1162 bytes of payload.
        let mut packet = hex("c000000001088394c8f03e5157080000449e7b9aec34");
        packet.resize(packet.len() + 1162 - 4, 0xaa);
        let header = parse(&packet, 0).expect("parses");
        assert_eq!(header.kind, Kind::Initial);
        assert_eq!(header.version, 1);
        assert_eq!(header.dcid, 6..14);
        assert_eq!(header.scid, Some(15..15));
        assert_eq!(header.token, Some((0, 15..16, 16..16)));
        assert_eq!(header.length, Some((1182, 16..18)));
        assert_eq!(header.pn_offset, 18);
        assert_eq!(header.len, packet.len(), "the Length runs to the end of the datagram");
        for cut in 0..18 {
            assert!(parse(&packet[..cut], 0).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn coalesced_packets_end_where_their_length_says() {
        let mut datagram = hex("e00000000105aaaaaaaaaa05bbbbbbbbbb0403010203");
        datagram.extend_from_slice(&hex("40ccccccccccdd"));
        let header = parse(&datagram, 0).expect("parses");
        assert_eq!(header.kind, Kind::Handshake);
        assert_eq!(header.len, 22);
        let short = parse(&datagram[header.len..], 5).expect("short");
        assert_eq!((short.kind, short.dcid.clone(), short.pn_offset), (Kind::Short, 1..6, 6));
    }

    #[test]
    fn version_2_numbers_its_long_types_differently() {
        assert_eq!(Kind::of_long(0xd0, VERSION_2), Kind::Initial);
        assert_eq!(Kind::of_long(0xe0, VERSION_2), Kind::ZeroRtt);
        assert_eq!(Kind::of_long(0xf0, VERSION_2), Kind::Handshake);
        assert_eq!(Kind::of_long(0xc0, VERSION_2), Kind::Retry);
        assert_eq!(Kind::of_long(0xc0, 1), Kind::Initial);
        assert_eq!(Kind::of_long(0xf0, 1), Kind::Retry);
        assert_eq!(Kind::of_long(0x80, 0), Kind::VersionNegotiation);
    }

    #[test]
    fn versions_are_named_as_tshark_names_them() {
        assert_eq!(version_name(1), "1 (0x00000001)");
        assert_eq!(version_name(0x6b33_43cf), "2 (0x6b3343cf)");
        assert_eq!(version_name(0), "Version Negotiation (0x00000000)");
        assert_eq!(version_name(0xff00_001d), "draft-29 (0xff00001d)");
        assert_eq!(version_name(0x5147_4f42), "QGO (QUIC GO) (0x51474f42)");
        assert_eq!(version_name(0x1a2a_3a4a), "Unknown (0x1a2a3a4a) (Forcing Version Negotiation)");
    }
}
