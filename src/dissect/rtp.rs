//! RTP and RTCP headers (RFC 3550) as they cross a WebRTC flow: SRTP and SRTCP (RFC 3711)
//! leave these headers in the clear and encrypt the rest, so only the headers are read and the
//! layer says its payload is encrypted. Which datagram of a flow is RTP or RTCP is not decided
//! here but by the RFC 7983 demultiplexer (`track::stun`), RTCP by its packet type 192..=223
//! (RFC 5761 section 4).
//!
//! ```text
//! RFC 3550 section 5.1, RTP: V=2 (2) P (1) X (1) CC (4) | M (1) PT (7) | sequence number (16)
//!   timestamp (32) | SSRC (32) | CSRC list (CC x 32) | [profile (16) length (16, words) ...]
//! section 6.4.1, RTCP: V=2 (2) P (1) RC (5) | PT (8) | length (16, words minus one) | SSRC (32)
//! ```
//! The invariant: nothing past the fixed header, its CSRC list and the extension's header is
//! read; a header cut short is `Truncated`.

use std::fmt;

use super::error::{Error, IResult, be16, be32, take_bytes};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::osi::Protocol;
use crate::registry::values;

/// The fixed RTP header.
pub const HEADER_LEN: usize = 12;
/// The fixed RTCP header with its sender's SSRC.
pub const RTCP_HEADER_LEN: usize = 8;

/// An RTP header, and the whole packet it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rtp<'a> {
    packet: &'a [u8],
    /// The fixed header, CSRCs and the extension's 4-byte header.
    header_len: usize,
    /// The flow carries DTLS-SRTP: the payload is encrypted (tshark's column says SRTP).
    pub srtp: bool,
    /// The length of the authentication tag the flow's SRTP profile appends; 0 when the
    /// handshake named no profile rttscope knows.
    pub tag_len: usize,
}

/// The first RTCP header of a compound packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rtcp<'a> {
    packet: &'a [u8],
    pub srtcp: bool,
    /// SRTCP whose E flag says all after the first header's sender SSRC is encrypted.
    pub encrypted: bool,
    /// As [`Rtp::tag_len`].
    pub tag_len: usize,
}

/// Whether the second byte of a packet on a demultiplexed flow (first byte 128..=191) makes it
/// RTCP rather than RTP (RFC 5761 section 4).
pub fn is_rtcp(packet: &[u8]) -> bool {
    packet.get(1).is_some_and(|pt| (192..=223).contains(pt))
}

/// Reads an RTP header at the start of `packet`; the layer spans the whole packet.
pub fn parse(packet: &[u8], srtp: bool) -> IResult<'_, Rtp<'_>> {
    let (_, fixed) = take_bytes(HEADER_LEN)(packet)?;
    if fixed[0] >> 6 != 2 {
        return Err(Error::malformed(format!("RTP version {} (only 2 exists)", fixed[0] >> 6)));
    }
    let csrcs = usize::from(fixed[0] & 0x0f) * 4;
    let mut header_len = HEADER_LEN + csrcs;
    take_bytes(header_len)(packet)?;
    if fixed[0] & 0x10 != 0 {
        take_bytes(header_len + 4)(packet)?;
        header_len += 4;
    }
    Ok((&[], Rtp { packet, header_len, srtp, tag_len: 0 }))
}

/// Reads the first RTCP header of `packet`; the layer spans the whole packet.
pub fn parse_rtcp(packet: &[u8], srtcp: bool) -> IResult<'_, Rtcp<'_>> {
    let (_, fixed) = take_bytes(RTCP_HEADER_LEN)(packet)?;
    if fixed[0] >> 6 != 2 {
        return Err(Error::malformed(format!("RTCP version {} (only 2 exists)", fixed[0] >> 6)));
    }
    Ok((&[], Rtcp { packet, srtcp, encrypted: false, tag_len: 0 }))
}

/// Whether an SRTCP packet protected by DTLS-SRTP `profile` (RFC 5764 section 4.1.2) has its
/// E flag set, read where tshark 4.0 reads it: the 4 bytes before the profile's
/// authentication tag, the place RFC 3711 section 3.4 gives the E flag and SRTCP index. An AEAD
/// profile (RFC 7714 section 9.1) puts them after its 16-byte tag instead, so there tshark
/// reads the tag's or the ciphertext's bits; this reads the same bits, so that what is shown
/// is what tshark shows. A profile without encryption never sets it.
pub fn srtcp_e_flag(packet: &[u8], profile: u16) -> bool {
    let Some(tag_len) = srtp_tag_len(profile) else { return false };
    packet.len().checked_sub(tag_len + 4).and_then(|at| packet.get(at)).is_some_and(|byte| byte & 0x80 != 0)
}

/// The authentication tag's length under DTLS-SRTP `profile`, as tshark 4.0 takes it (for
/// an AEAD profile, its 16-byte tag at the end, where RFC 7714 puts it); none for the NULL
/// ciphers and the profiles tshark does not know.
pub fn srtp_tag_len(profile: u16) -> Option<usize> {
    match profile {
        // SRTP_AES128_CM_HMAC_SHA1_80 and _32.
        0x0001 => Some(10),
        0x0002 => Some(4),
        // SRTP_AEAD_AES_128_GCM and _256_GCM.
        0x0007 | 0x0008 => Some(16),
        _ => None,
    }
}

impl Rtp<'_> {
    pub fn marker(&self) -> bool {
        self.packet[1] & 0x80 != 0
    }

    pub fn payload_type(&self) -> u8 {
        self.packet[1] & 0x7f
    }

    pub fn sequence(&self) -> u16 {
        be16(self.packet, 2)
    }

    pub fn timestamp(&self) -> u32 {
        be32(self.packet, 4)
    }

    pub fn ssrc(&self) -> u32 {
        be32(self.packet, 8)
    }

    /// Where the payload starts: after the header and the extension's words, as far as the
    /// packet goes.
    fn payload_start(&self) -> usize {
        let extension = if self.packet[0] & 0x10 != 0 {
            usize::from(be16(self.packet, self.header_len - 2)) * 4
        } else {
            0
        };
        (self.header_len + extension).min(self.packet.len())
    }

    /// The bytes after the header: encrypted media and the authentication tag under SRTP.
    pub fn payload_len(&self) -> usize {
        self.packet.len().saturating_sub(self.header_len)
    }
}

/// The name tshark gives a static payload type (RFC 3551 section 6), or its dynamic range.
pub struct PayloadType(pub u8);

impl fmt::Display for PayloadType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.0 {
            0 => "ITU-T G.711 PCMU",
            3 => "GSM 06.10",
            4 => "ITU-T G.723",
            8 => "ITU-T G.711 PCMA",
            9 => "ITU-T G.722",
            13 => "Comfort noise (CN)",
            18 => "ITU-T G.729",
            26 => "JPEG compressed video",
            31 => "ITU-T H.261",
            32 => "MPEG-I/II Video",
            34 => "ITU-T H.263",
            96..=127 => return write!(f, "DynamicRTP-Type-{}", self.0),
            other => return write!(f, "Unknown ({other})"),
        };
        f.write_str(name)
    }
}

impl LayerHeader for Rtp<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Rtp
    }

    fn also_emits(&self) -> &'static [&'static str] {
        &["srtp"]
    }

    fn header_len(&self) -> usize {
        self.packet.len()
    }

    fn column_name(&self) -> &'static str {
        if self.srtp { "SRTP" } else { "RTP" }
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        let p = self.packet;
        out.at(name::VERSION, 0..1, Value::Uint(u64::from(p[0] >> 6)));
        out.at(name::PADDING, 0..1, Value::Bool(p[0] & 0x20 != 0));
        out.at(name::EXT, 0..1, Value::Bool(p[0] & 0x10 != 0));
        out.at(name::CC, 0..1, Value::Uint(u64::from(p[0] & 0x0f)));
        out.at(name::MARKER, 1..2, Value::Bool(self.marker()));
        out.at(name::P_TYPE, 1..2, Value::Uint(self.payload_type().into()));
        out.at(name::SEQ, 2..4, Value::Uint(self.sequence().into()));
        out.at(name::TIMESTAMP, 4..8, Value::Uint(self.timestamp().into()));
        out.at(name::SSRC, 8..12, Value::hex32(self.ssrc()));
        if p[0] & 0x10 != 0 {
            let at = self.header_len - 4;
            out.at(name::EXT_PROFILE, at..at + 2, Value::hex16(be16(p, at)));
            out.at(name::EXT_LEN, at + 2..at + 4, Value::Uint(be16(p, at + 2).into()));
        }
        // Under SRTP, the encrypted payload (after any header extension) and the tag.
        let (start, tag_at) = (self.payload_start(), p.len().checked_sub(self.tag_len));
        if let Some(tag_at) = tag_at.filter(|tag_at| self.tag_len > 0 && *tag_at >= start) {
            out.at(name::ENC_PAYLOAD, start..tag_at, Value::Bytes(&p[start..tag_at]));
            out.at(name::AUTH_TAG, tag_at..p.len(), Value::Bytes(&p[tag_at..]));
        }
    }

    /// tshark's Info column: `PT=DynamicRTP-Type-96, SSRC=0x9DE99B38, Seq=20955, Time=3578544864, Mark`.
    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        write!(
            out,
            "PT={}, SSRC=0x{:X}, Seq={}, Time={}",
            PayloadType(self.payload_type()),
            self.ssrc(),
            self.sequence(),
            self.timestamp()
        )?;
        if self.marker() {
            out.write_str(", Mark")?;
        }
        Ok(())
    }
}

impl Rtcp<'_> {
    pub fn packet_type(&self) -> u8 {
        self.packet[1]
    }

    /// The packet type's name from tshark's table, or `Unknown` as its Info column says.
    fn type_name(&self) -> &'static str {
        values::RTCP_PACKET_TYPE.name(self.packet_type().into()).unwrap_or("Unknown")
    }
}

impl LayerHeader for Rtcp<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Rtcp
    }

    fn also_emits(&self) -> &'static [&'static str] {
        &["srtcp"]
    }

    fn header_len(&self) -> usize {
        self.packet.len()
    }

    fn column_name(&self) -> &'static str {
        if self.srtcp { "SRTCP" } else { "RTCP" }
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        let p = self.packet;
        out.at(rtcp_name::VERSION, 0..1, Value::Uint(u64::from(p[0] >> 6)));
        out.at(rtcp_name::PADDING, 0..1, Value::Bool(p[0] & 0x20 != 0));
        let count = Value::Uint(u64::from(p[0] & 0x1f));
        let packet_type = self.packet_type();
        match packet_type {
            202 | 203 => out.at(rtcp_name::SC, 0..1, count),
            _ => out.at(rtcp_name::RC, 0..1, count),
        }
        out.at(rtcp_name::PT, 1..2, Value::Uint(packet_type.into()));
        out.at(rtcp_name::LENGTH, 2..4, Value::Uint(be16(p, 2).into()));
        match packet_type {
            200 | 201 | 205 | 206 => out.at(rtcp_name::SENDERSSRC, 4..8, Value::hex32(be32(p, 4))),
            203 if p[0] & 0x1f > 0 => out.at(rtcp_name::SSRC_IDENTIFIER, 4..8, Value::hex32(be32(p, 4))),
            _ => {}
        }
        // Each reception report block (24 bytes, after the sender info in a Sender Report)
        // starts with the SSRC it reports on, as far as the packet holds them; SRTCP that says
        // it is encrypted has none to read.
        if self.encrypted {
            self.srtcp_trailer(out);
            return;
        }
        let first_block = match packet_type {
            200 => 28,
            201 => 8,
            _ => return,
        };
        for block in 0..usize::from(p[0] & 0x1f) {
            let at = first_block + 24 * block;
            if at + 4 > p.len() {
                break;
            }
            out.at(rtcp_name::SSRC_IDENTIFIER, at..at + 4, Value::hex32(be32(p, at)));
        }
    }

    /// tshark's Info column: the packet type's name and three spaces (`Sender Report   `).
    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        write!(out, "{}   ", self.type_name())
    }
}

impl Rtcp<'_> {
    /// Encrypted SRTCP's rest, not taken apart, then its E flag and index and the
    /// authentication tag after them (RFC 3711 section 3.4), where the flow's profile puts
    /// them. SRTCP whose E flag is clear tshark reads on as RTCP, and shows none of these:
    /// neither does this.
    fn srtcp_trailer(&self, out: &mut Emitter<'_>) {
        let p = self.packet;
        if !self.srtcp || !self.encrypted || self.tag_len == 0 {
            return;
        }
        let Some(at) = p.len().checked_sub(self.tag_len + 4).filter(|at| *at >= 8) else { return };
        out.at(rtcp_name::ENCRYPTED_PAYLOAD, 8..at, Value::Present);
        out.at(rtcp_name::E, at..at + 4, Value::Bool(p[at] & 0x80 != 0));
        out.at(rtcp_name::INDEX, at..at + 4, Value::Uint((be32(p, at) & 0x7fff_ffff).into()));
        out.at(rtcp_name::AUTH_TAG, at + 4..p.len(), Value::Bytes(&p[at + 4..]));
    }
}

pub mod name {
    //! The RTP header's fields, by Wireshark's names.

    crate::registry::field_table! {
        protocol Rtp;
        VERSION "rtp.version" Uint "version (2)" names RTP_VERSION;
        PADDING "rtp.padding" Bool "padding at the end";
        EXT "rtp.ext" Bool "an extension header follows the fixed header";
        CC "rtp.cc" Uint "number of contributing sources (CSRC)";
        MARKER "rtp.marker" Bool "marker (the first packet of a talkspurt or the last of a frame)";
        P_TYPE "rtp.p_type" Uint "payload type (96-127 dynamic, named in the SDP)";
        SEQ "rtp.seq" Uint "sequence number";
        TIMESTAMP "rtp.timestamp" Uint "media timestamp, in the payload's clock rate";
        SSRC "rtp.ssrc" Hex "synchronization source: the stream";
        EXT_PROFILE "rtp.ext.profile" Hex "extension profile (0xbede: RFC 8285 one-byte headers)";
        EXT_LEN "rtp.ext.len" Uint "extension length, in 32-bit words";
        ENC_PAYLOAD "srtp.enc_payload" Bytes "SRTP's encrypted payload";
        AUTH_TAG "srtp.auth_tag" Bytes "SRTP's authentication tag";
    }
}

pub mod rtcp_name {
    //! The RTCP header's fields, by Wireshark's names.

    crate::registry::field_table! {
        protocol Rtcp;
        VERSION "rtcp.version" Uint "version (2)" names RTP_VERSION;
        PADDING "rtcp.padding" Bool "padding at the end";
        RC "rtcp.rc" Uint "reception report count";
        SC "rtcp.sc" Uint "source count (SDES, BYE)";
        PT "rtcp.pt" Uint "packet type (200 SR, 201 RR, 202 SDES, 203 BYE)" names RTCP_PACKET_TYPE;
        LENGTH "rtcp.length" Uint "length in 32-bit words, minus one";
        SENDERSSRC "rtcp.senderssrc" Hex "the sender's SSRC";
        SSRC_IDENTIFIER "rtcp.ssrc.identifier" Hex "the SSRC saying goodbye";
        ENCRYPTED_PAYLOAD "srtcp.encrypted_payload" Present "SRTCP's encrypted rest, not taken apart";
        E "srtcp.e" Bool "SRTCP's E flag: the rest is encrypted";
        INDEX "srtcp.index" Uint "SRTCP's index, counting the packets";
        AUTH_TAG "srtcp.auth_tag" Bytes "SRTCP's authentication tag";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::Annotation;
    use crate::dissect::field::Field;

    fn fields(header: &dyn LayerHeader) -> Vec<(String, String)> {
        let mut seen = Vec::new();
        let mut sink = |field: Field<'_>| seen.push((field.name.to_owned(), field.value.to_string()));
        let tracked = Tracked { annotation: &Annotation::None, quoted_by: None };
        header.fields(&mut Emitter::new(&mut sink, 0, Default::default()), &tracked);
        seen
    }

    fn summary(header: &dyn LayerHeader) -> String {
        let mut line = String::new();
        let tracked = Tracked { annotation: &Annotation::None, quoted_by: None };
        header.summary(&mut line, &tracked).expect("formatting");
        line
    }

    /// An SRTP packet of aiortc's (frame 9 of fixtures/interop/webrtc-aiortc.pcap).
    const SRTP: [u8; 39] = [
        0x90, // version 2, no padding, extension, no CSRC
        0xe0, // marker, payload type 96
        0x51, 0xdb, // sequence number 20955
        0xd5, 0x4c, 0x42, 0xe0, // timestamp 3578544864
        0x9d, 0xe9, 0x9b, 0x38, // SSRC
        0xbe, 0xde, 0x00, 0x01, // one-byte extension headers, one word
        0x10, 0x30, 0x20, 0x7f, // two elements
        0xdd, 0x65, 0xf9, // encrypted Opus
        0x1a, 0x8c, 0x98, 0x8e, 0xa2, 0x84, 0x14, 0x6a, 0x2a, 0x33, 0xe7, 0xa1, 0xcb, 0x9f, 0x5a,
        0x9d, // authentication tag
    ];

    #[test]
    fn reads_an_srtp_header_as_tshark_shows_it() {
        let (_, rtp) = parse(&SRTP, true).expect("a whole header");
        assert_eq!(rtp.header_len, 16);
        assert_eq!(rtp.payload_len(), 23);
        let fields = fields(&rtp);
        let value = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        assert_eq!(value("rtp.version"), Some("2"));
        assert_eq!(value("rtp.ext"), Some("1"));
        assert_eq!(value("rtp.marker"), Some("1"));
        assert_eq!(value("rtp.seq"), Some("20955"));
        assert_eq!(value("rtp.timestamp"), Some("3578544864"));
        assert_eq!(value("rtp.ssrc"), Some("0x9de99b38"));
        assert_eq!(value("rtp.ext.profile"), Some("0xbede"));
        assert_eq!(value("rtp.ext.len"), Some("1"));
        assert_eq!(summary(&rtp), "PT=DynamicRTP-Type-96, SSRC=0x9DE99B38, Seq=20955, Time=3578544864, Mark");
        assert_eq!(rtp.column_name(), "SRTP");
    }

    #[test]
    fn a_header_cut_before_its_csrcs_or_extension_is_truncated() {
        for cut in [0, 11, 12, 15] {
            assert!(
                matches!(parse(&SRTP[..cut], true), Err(nom::Err::Error(Error::Truncated { .. }))),
                "{cut}"
            );
        }
        let mut csrcs = SRTP;
        csrcs[0] = 0x8f; // fifteen CSRCs: 72 bytes of header in a 39-byte packet
        assert!(matches!(parse(&csrcs, false), Err(nom::Err::Error(Error::Truncated { needed: 33 }))));
        let mut version1 = SRTP;
        version1[0] = 0x50;
        assert!(matches!(parse(&version1, false), Err(nom::Err::Error(Error::Malformed(_)))));
    }

    #[test]
    fn reads_srtcp_sender_reports_and_goodbyes() {
        // A sender report's first header (length 6 words), then SRTCP's encrypted rest.
        let report = [0x80, 200, 0x00, 0x06, 0x9d, 0xe9, 0x9b, 0x38, 0x5e, 0x92];
        assert!(is_rtcp(&report));
        let (_, rtcp) = parse_rtcp(&report, true).expect("a header");
        let emitted = fields(&rtcp);
        assert!(emitted.contains(&("rtcp.rc".into(), "0".into())));
        assert!(emitted.contains(&("rtcp.senderssrc".into(), "0x9de99b38".into())));
        assert_eq!(summary(&rtcp), "Sender Report   ");
        assert_eq!(rtcp.column_name(), "SRTCP");
        // A goodbye from one source.
        let bye = [0x81, 203, 0x00, 0x01, 0x92, 0x2c, 0x33, 0xe4];
        let (_, rtcp) = parse_rtcp(&bye, true).expect("a header");
        let emitted = fields(&rtcp);
        assert!(emitted.contains(&("rtcp.sc".into(), "1".into())));
        assert!(emitted.contains(&("rtcp.ssrc.identifier".into(), "0x922c33e4".into())));
        assert_eq!(summary(&rtcp), "Goodbye   ");
        // The types past the six a WebRTC peer sends are named from the same table as tshark's.
        let extended = [0x80, 207, 0x00, 0x01, 0x92, 0x2c, 0x33, 0xe4];
        let (_, rtcp) = parse_rtcp(&extended, true).expect("a header");
        assert_eq!(summary(&rtcp), "Extended report (RFC 3611)   ");
        assert!(!is_rtcp(&SRTP));
        assert!(matches!(parse_rtcp(&bye[..7], true), Err(nom::Err::Error(Error::Truncated { needed: 1 }))));
        // A Receiver Report with one report block: the block's SSRC, as tshark reads it; a
        // second block the packet does not hold is not made up.
        let mut receiver = vec![0x82, 201, 0x00, 0x07, 0xc8, 0x51, 0x66, 0x31, 0xf4, 0x35, 0x55, 0xae];
        receiver.extend([0; 20]);
        let (_, rtcp) = parse_rtcp(&receiver, true).expect("a header");
        let blocks: Vec<_> =
            fields(&rtcp).into_iter().filter(|(name, _)| name == "rtcp.ssrc.identifier").collect();
        assert_eq!(blocks, [("rtcp.ssrc.identifier".to_owned(), "0xf43555ae".to_owned())]);
    }

    /// Two Receiver Reports of aiortc's under SRTP_AEAD_AES_128_GCM, each with one block: the
    /// first header, 24 encrypted bytes, the 16-byte tag, then the E flag and SRTCP index
    /// (0x80000001). tshark 4.0 reads the E flag 16 + 4 bytes from the end, in the tag.
    #[test]
    fn srtcp_is_encrypted_where_tshark_reads_its_e_flag() {
        let hex = |text: &str| -> Vec<u8> {
            (0..text.len()).step_by(2).map(|at| u8::from_str_radix(&text[at..at + 2], 16).unwrap()).collect()
        };
        // That byte is 0x85 here: tshark shows no block.
        let encrypted = hex(
            "81c900070ac83901ea0c5d701f0558794ea73f53fc92181ff51494f2738fa1f385b642749b54d652932ed6c8f211305480000001",
        );
        // And 0x46 here: tshark reads the encrypted block's first word as its SSRC.
        let read = hex(
            "81c900079bdd58d37544262b2a0a2878fc9de9f6783e0ffbda838b73f54aebdd6e1d466d46a1f2c62232d850ffd2c26080000001",
        );
        const GCM: u16 = 0x0007;
        assert!(srtcp_e_flag(&encrypted, GCM));
        assert!(!srtcp_e_flag(&read, GCM));
        // Under SRTP_AES128_CM_HMAC_SHA1_80 the flag is 10 + 4 bytes from the end; the NULL
        // cipher never encrypts, and a packet too short for the tag has no flag.
        assert!(srtcp_e_flag(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0x0001));
        assert!(!srtcp_e_flag(&encrypted, 0x0005));
        assert!(!srtcp_e_flag(&[0x80; 19], GCM));
        let identifiers = |packet: &[u8], encrypted: bool| -> Vec<String> {
            let (_, mut rtcp) = parse_rtcp(packet, true).expect("a header");
            rtcp.encrypted = encrypted;
            fields(&rtcp)
                .into_iter()
                .filter(|(name, _)| name == "rtcp.ssrc.identifier")
                .map(|(_, value)| value)
                .collect()
        };
        assert_eq!(identifiers(&encrypted, true), Vec::<String>::new());
        assert_eq!(identifiers(&read, false), ["0x7544262b"]);
    }
}
