//! ICMPv6: errors that quote the packet they answer, echo, neighbour discovery and MLD.
//!
//! ```text
//! RFC 4443 section 2.1, every message: type(1) code(1) checksum(2) body
//!   unreachable (1), time exceeded (3): unused(4) as much of the invoking packet as fits
//!   packet too big (2): mtu(4) invoking packet;  parameter problem (4): pointer(4) ...
//!   echo request (128) / reply (129): identifier(2) sequence(2) data
//! RFC 4861 section 4 (neighbour discovery), options type(1) length(1, 8-octet units) ...:
//!   router solicitation (133): reserved(4) options
//!   router advertisement (134): hop_limit(1) flags(1) lifetime(2) reachable(4) retrans(4) options
//!   neighbour solicitation (135): reserved(4) target(16) options
//!   neighbour advertisement (136): flags R S O (3 bits) reserved(29 bits) target(16) options
//!   redirect (137): reserved(4) target(16) destination(16) options
//! RFC 2710 (MLD 130-132): max_delay(2) reserved(2) address(16);
//! RFC 3810 section 5.2 (MLDv2 report, 143): reserved(2) records(2) then records.
//! ```
//! The checksum covers an IPv6 pseudo-header; it is verified when the message is whole.

use std::fmt;
use std::net::Ipv6Addr;

use super::checksum;
use super::error::{IResult, be16, be32, take_bytes};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::osi::Protocol;

pub const HEADER_LEN: usize = 4;

mod field {
    use std::ops::Range;
    pub const TYPE: Range<usize> = 0..1;
    pub const CODE: Range<usize> = 1..2;
    pub const CHECKSUM: Range<usize> = 2..4;
}

mod kind {
    pub const UNREACHABLE: u8 = 1;
    pub const PACKET_TOO_BIG: u8 = 2;
    pub const TIME_EXCEEDED: u8 = 3;
    pub const PARAMETER_PROBLEM: u8 = 4;
    pub const ECHO_REQUEST: u8 = 128;
    pub const ECHO_REPLY: u8 = 129;
    pub const MLD_QUERY: u8 = 130;
    pub const MLD_REPORT: u8 = 131;
    pub const MLD_DONE: u8 = 132;
    pub const ROUTER_SOLICITATION: u8 = 133;
    pub const ROUTER_ADVERTISEMENT: u8 = 134;
    pub const NEIGHBOR_SOLICITATION: u8 = 135;
    pub const NEIGHBOR_ADVERTISEMENT: u8 = 136;
    pub const REDIRECT: u8 = 137;
    pub const MLD2_REPORT: u8 = 143;
}

/// An ICMPv6 message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    bytes: &'a [u8],
    /// Whether the checksum verified; `None` when it could not be checked.
    pub checksum_ok: Option<bool>,
}

/// Parses a message. `pseudo_header` is the running checksum of the IPv6 pseudo-header, when
/// the message is whole and not quoted inside another.
pub fn parse(input: &[u8], pseudo_header: Option<u32>) -> IResult<'_, Message<'_>> {
    take_bytes(HEADER_LEN)(input)?;
    let checksum_ok = pseudo_header.map(|sum| checksum::verifies(sum, input));
    Ok((&[], Message { bytes: input, checksum_ok }))
}

/// The pseudo-header sum for a message carried by this IPv6 header.
pub fn pseudo_header(src: Ipv6Addr, dst: Ipv6Addr, len: usize) -> u32 {
    checksum::ipv6_pseudo_header(src, dst, len as u32, 58)
}

impl<'a> Message<'a> {
    pub fn kind(&self) -> u8 {
        self.bytes[field::TYPE.start]
    }

    pub fn code(&self) -> u8 {
        self.bytes[field::CODE.start]
    }

    pub fn is_echo(&self) -> bool {
        matches!(self.kind(), kind::ECHO_REQUEST | kind::ECHO_REPLY)
    }

    /// The identifier and sequence number of an echo request or reply.
    pub fn echo_ident_seq(&self) -> Option<(u16, u16)> {
        (self.is_echo() && self.bytes.len() >= 8).then(|| (be16(self.bytes, 4), be16(self.bytes, 6)))
    }

    /// Whether the body quotes the packet that caused this error.
    pub fn quotes_packet(&self) -> bool {
        matches!(
            self.kind(),
            kind::UNREACHABLE | kind::PACKET_TOO_BIG | kind::TIME_EXCEEDED | kind::PARAMETER_PROBLEM
        )
    }

    /// The quoted packet of an error, or the data of an echo.
    pub fn body(&self) -> &'a [u8] {
        if self.quotes_packet() || self.is_echo() { self.bytes.get(8..).unwrap_or(&[]) } else { &[] }
    }

    fn address_at(&self, at: usize) -> Option<Ipv6Addr> {
        let bytes: [u8; 16] = self.bytes.get(at..at + 16)?.try_into().ok()?;
        Some(Ipv6Addr::from(bytes))
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        let b = self.bytes;
        out.at(name::TYPE, field::TYPE, Value::Uint(self.kind().into()));
        out.at(name::CODE, field::CODE, Value::Uint(self.code().into()));
        out.at(name::CHECKSUM, field::CHECKSUM, Value::hex16(be16(b, 2)));
        let status = match self.checksum_ok {
            Some(true) => 1,
            Some(false) => 0,
            None => 2,
        };
        out.at(name::CHECKSUM_STATUS, field::CHECKSUM, Value::Uint(status));
        if b.len() < 8 {
            return;
        }
        match self.kind() {
            kind::UNREACHABLE | kind::TIME_EXCEEDED => {
                out.at(name::RESERVED, 4..8, Value::Bytes(&b[4..8]));
            }
            kind::PACKET_TOO_BIG => out.at(name::MTU, 4..8, Value::Uint(be32(b, 4).into())),
            kind::PARAMETER_PROBLEM => out.at(name::POINTER, 4..8, Value::Uint(be32(b, 4).into())),
            kind::ECHO_REQUEST | kind::ECHO_REPLY => {
                out.at(name::ECHO_IDENTIFIER, 4..6, Value::hex16(be16(b, 4)));
                out.at(name::ECHO_SEQUENCE_NUMBER, 6..8, Value::Uint(be16(b, 6).into()));
            }
            kind::MLD_QUERY | kind::MLD_REPORT | kind::MLD_DONE => {
                out.at(name::MLD_MAXIMUM_RESPONSE_DELAY, 4..6, Value::Uint(be16(b, 4).into()));
                out.at(name::RESERVED, 6..8, Value::Bytes(&b[6..8]));
                if let Some(address) = self.address_at(8) {
                    out.at(name::MLD_MULTICAST_ADDRESS, 8..24, Value::Ipv6(address));
                }
            }
            kind::MLD2_REPORT => self.mld2_report_fields(out),
            kind::ROUTER_SOLICITATION => {
                out.at(name::RESERVED, 4..8, Value::Bytes(&b[4..8]));
                options_fields(out, b, 8);
            }
            kind::ROUTER_ADVERTISEMENT if b.len() >= 16 => {
                out.at(name::ND_RA_CUR_HOP_LIMIT, 4..5, Value::Uint(b[4].into()));
                let flags = b[5];
                out.at(name::ND_RA_FLAG, 5..6, Value::hex8(flags));
                out.at(name::ND_RA_FLAG_M, 5..6, Value::Bool(flags & 0x80 != 0));
                out.at(name::ND_RA_FLAG_O, 5..6, Value::Bool(flags & 0x40 != 0));
                out.at(name::ND_RA_FLAG_H, 5..6, Value::Bool(flags & 0x20 != 0));
                out.at(name::ND_RA_FLAG_PRF, 5..6, Value::Uint(((flags >> 3) & 3).into()));
                out.at(name::ND_RA_FLAG_P, 5..6, Value::Bool(flags & 0x04 != 0));
                out.at(name::ND_RA_FLAG_RSV, 5..6, Value::Uint((flags & 3).into()));
                out.at(name::ND_RA_ROUTER_LIFETIME, 6..8, Value::Uint(be16(b, 6).into()));
                out.at(name::ND_RA_REACHABLE_TIME, 8..12, Value::Uint(be32(b, 8).into()));
                out.at(name::ND_RA_RETRANS_TIMER, 12..16, Value::Uint(be32(b, 12).into()));
                options_fields(out, b, 16);
            }
            kind::NEIGHBOR_SOLICITATION => {
                out.at(name::RESERVED, 4..8, Value::Bytes(&b[4..8]));
                if let Some(target) = self.address_at(8) {
                    out.at(name::ND_NS_TARGET_ADDRESS, 8..24, Value::Ipv6(target));
                    options_fields(out, b, 24);
                }
            }
            kind::NEIGHBOR_ADVERTISEMENT => {
                let flags = be32(b, 4);
                out.at(name::ND_NA_FLAG, 4..8, Value::hex32(flags));
                out.at(name::ND_NA_FLAG_R, 4..8, Value::Bool(flags & 0x8000_0000 != 0));
                out.at(name::ND_NA_FLAG_S, 4..8, Value::Bool(flags & 0x4000_0000 != 0));
                out.at(name::ND_NA_FLAG_O, 4..8, Value::Bool(flags & 0x2000_0000 != 0));
                out.at(name::ND_NA_FLAG_RSV, 4..8, Value::Uint((flags & 0x1fff_ffff).into()));
                if let Some(target) = self.address_at(8) {
                    out.at(name::ND_NA_TARGET_ADDRESS, 8..24, Value::Ipv6(target));
                    options_fields(out, b, 24);
                }
            }
            kind::REDIRECT => {
                out.at(name::RESERVED, 4..8, Value::Bytes(&b[4..8]));
                if let Some(target) = self.address_at(8) {
                    out.at(name::ND_RD_TARGET_ADDRESS, 8..24, Value::Ipv6(target));
                    options_fields(out, b, 40);
                }
            }
            _ => {}
        }
    }

    fn mld2_report_fields(&self, out: &mut Emitter<'_>) {
        let b = self.bytes;
        out.at(name::RESERVED, 4..6, Value::Bytes(&b[4..6]));
        let records = be16(b, 6);
        out.at(name::MLDR_NB_MCAST_RECORDS, 6..8, Value::Uint(records.into()));
        let mut at = 8;
        for _ in 0..records {
            // record: type(1) aux_len(1, 4-octet units) sources(2) address(16) sources aux
            let Some(head) = b.get(at..at + 20) else {
                return;
            };
            let sources = usize::from(be16(head, 2));
            let len = 20 + sources * 16 + usize::from(head[1]) * 4;
            if b.len() < at + len {
                return;
            }
            out.at(name::MLDR_MAR_RECORD_TYPE, at..at + 1, Value::Uint(head[0].into()));
            out.at(name::MLDR_MAR_AUX_DATA_LEN, at + 1..at + 2, Value::Uint(head[1].into()));
            out.at(name::MLDR_MAR_NB_SOURCES, at + 2..at + 4, Value::Uint(sources as u64));
            if let Some(address) = self.address_at(at + 4) {
                out.at(name::MLDR_MAR_MULTICAST_ADDRESS, at + 4..at + 20, Value::Ipv6(address));
            }
            at += len;
        }
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        self.write_info(out, None, None)
    }

    /// The Info-column text, as tshark words it: an echo adds the hop limit and, for a reply,
    /// the frame of its request; neighbour discovery names the link-layer address it carries.
    pub fn write_info(
        &self,
        out: &mut dyn fmt::Write,
        hop_limit: Option<u8>,
        request_in: Option<u64>,
    ) -> fmt::Result {
        let b = self.bytes;
        match self.kind() {
            kind::ECHO_REQUEST | kind::ECHO_REPLY if b.len() >= 8 => {
                let name = if self.kind() == kind::ECHO_REQUEST { "request" } else { "reply" };
                let (ident, seq) = (be16(b, 4), be16(b, 6));
                write!(out, "Echo (ping) {name} id=0x{ident:04x}, seq={seq}")?;
                if let Some(hop_limit) = hop_limit {
                    write!(out, ", hop limit={hop_limit}")?;
                }
                if let Some(frame) = request_in {
                    write!(out, " (request in {frame})")?;
                }
                Ok(())
            }
            kind::ROUTER_SOLICITATION => {
                out.write_str("Router Solicitation")?;
                self.write_link_address(out, " from ", 8, 1)
            }
            kind::ROUTER_ADVERTISEMENT => {
                out.write_str("Router Advertisement")?;
                self.write_link_address(out, " from ", 16, 1)
            }
            kind::NEIGHBOR_SOLICITATION => {
                let Some(target) = self.address_at(8) else { return out.write_str("Neighbor Solicitation") };
                write!(out, "Neighbor Solicitation for {target}")?;
                self.write_link_address(out, " from ", 24, 1)
            }
            kind::NEIGHBOR_ADVERTISEMENT => {
                let Some(target) = self.address_at(8) else { return out.write_str("Neighbor Advertisement") };
                write!(out, "Neighbor Advertisement {target}")?;
                let flags = b[4];
                let names: Vec<&str> = [(0x80, "rtr"), (0x40, "sol"), (0x20, "ovr")]
                    .into_iter()
                    .filter(|(bit, _)| flags & bit != 0)
                    .map(|(_, name)| name)
                    .collect();
                if !names.is_empty() {
                    write!(out, " ({})", names.join(", "))?;
                }
                self.write_link_address(out, " is at ", 24, 2)
            }
            other => out.write_str(describe(other, self.code())),
        }
    }

    /// Writes `label` and the link-layer address option of `kind`, when the message has one.
    fn write_link_address(
        &self,
        out: &mut dyn fmt::Write,
        label: &str,
        start: usize,
        kind: u8,
    ) -> fmt::Result {
        match self.link_address(start, kind) {
            Some(address) => write!(out, "{label}{}", Value::BytesColon(address)),
            None => Ok(()),
        }
    }

    /// The link-layer address in the first neighbour-discovery option of `kind` (1 source,
    /// 2 target) among the options from `start`.
    fn link_address(&self, start: usize, kind: u8) -> Option<&'a [u8]> {
        let b = self.bytes;
        let mut at = start;
        while let (Some(&option), Some(&units)) = (b.get(at), b.get(at + 1)) {
            let len = usize::from(units) * 8;
            if len == 0 || at + len > b.len() {
                return None;
            }
            if option == kind && len == 8 {
                return Some(&b[at + 2..at + 8]);
            }
            at += len;
        }
        None
    }
}

/// Walks neighbour-discovery options from `start` to the end of the message.
fn options_fields(out: &mut Emitter<'_>, message: &[u8], start: usize) {
    let mut at = start;
    while let (Some(&kind), Some(&units)) = (message.get(at), message.get(at + 1)) {
        let len = usize::from(units) * 8;
        if len == 0 || at + len > message.len() {
            return;
        }
        out.at(name::OPT, at..at + len, Value::Present);
        out.at(name::OPT_TYPE, at..at + 1, Value::Uint(kind.into()));
        out.at(name::OPT_LENGTH, at + 1..at + 2, Value::Uint(units.into()));
        let data = at + 2..at + len;
        match kind {
            1 | 2 if len == 8 => {
                let address = &message[data.start..data.start + 6];
                out.at(name::OPT_LINKADDR, data.start..data.start + 6, Value::BytesColon(address));
                let name = if kind == 1 { name::OPT_SRC_LINKADDR } else { name::OPT_TARGET_LINKADDR };
                out.at(name, data.start..data.start + 6, Value::BytesColon(address));
            }
            3 if len == 32 => {
                out.at(name::OPT_PREFIX_LENGTH, at + 2..at + 3, Value::Uint(message[at + 2].into()));
                let flags = message[at + 3];
                out.at(name::OPT_PREFIX_FLAG, at + 3..at + 4, Value::hex8(flags));
                out.at(name::OPT_PREFIX_FLAG_L, at + 3..at + 4, Value::Bool(flags & 0x80 != 0));
                out.at(name::OPT_PREFIX_FLAG_A, at + 3..at + 4, Value::Bool(flags & 0x40 != 0));
                out.at(name::OPT_PREFIX_FLAG_R, at + 3..at + 4, Value::Bool(flags & 0x20 != 0));
                out.at(name::OPT_PREFIX_FLAG_RESERVED, at + 3..at + 4, Value::Uint((flags & 0x1f).into()));
                let valid = be32(message, at + 4);
                out.at(name::OPT_PREFIX_VALID_LIFETIME, at + 4..at + 8, Value::Uint(valid.into()));
                let preferred = be32(message, at + 8);
                out.at(name::OPT_PREFIX_PREFERRED_LIFETIME, at + 8..at + 12, Value::Uint(preferred.into()));
                out.at(name::OPT_RESERVED, at + 12..at + 16, Value::Present);
                let prefix: [u8; 16] = message[at + 16..at + 32].try_into().unwrap_or([0; 16]);
                out.at(name::OPT_PREFIX, at + 16..at + 32, Value::Ipv6(Ipv6Addr::from(prefix)));
            }
            5 if len == 8 => {
                out.at(name::OPT_RESERVED, at + 2..at + 4, Value::Present);
                out.at(name::OPT_MTU, at + 4..at + 8, Value::Uint(be32(message, at + 4).into()));
            }
            // RFC 4191 section 2.3, route information: prefix length(1) flags(1) lifetime(4)
            // and 0, 8 or 16 bytes of the prefix.
            24 if (8..=24).contains(&len) => {
                out.at(name::OPT_PREFIX_LENGTH, at + 2..at + 3, Value::Uint(message[at + 2].into()));
                let flags = message[at + 3];
                out.at(name::OPT_ROUTE_INFO_FLAG, at + 3..at + 4, Value::hex8(flags));
                let preference = Value::Uint(((flags >> 3) & 3).into());
                out.at(name::OPT_ROUTE_INFO_FLAG_ROUTE_PREFERENCE, at + 3..at + 4, preference);
                out.at(
                    name::OPT_ROUTE_INFO_FLAG_RESERVED,
                    at + 3..at + 4,
                    Value::Uint((flags & 0xe7).into()),
                );
                out.at(name::OPT_ROUTE_LIFETIME, at + 4..at + 8, Value::Uint(be32(message, at + 4).into()));
                let mut prefix = [0; 16];
                prefix[..len - 8].copy_from_slice(&message[at + 8..at + len]);
                out.at(name::OPT_PREFIX, at + 8..at + len, Value::Ipv6(Ipv6Addr::from(prefix)));
            }
            // RFC 8106 section 5.1, recursive DNS servers: reserved(2) lifetime(4) addresses.
            25 if len >= 8 => {
                out.at(name::OPT_RESERVED, at + 2..at + 4, Value::Present);
                out.at(name::OPT_RDNSS_LIFETIME, at + 4..at + 8, Value::Uint(be32(message, at + 4).into()));
                for (index, octets) in message[at + 8..at + len].chunks_exact(16).enumerate() {
                    let address: [u8; 16] = octets.try_into().unwrap_or([0; 16]);
                    let from = at + 8 + index * 16;
                    out.at(name::OPT_RDNSS, from..from + 16, Value::Ipv6(Ipv6Addr::from(address)));
                }
            }
            // RFC 8106 section 5.2, DNS search list: reserved(2) lifetime(4) names, padded.
            31 if len >= 8 => {
                out.at(name::OPT_RESERVED, at + 2..at + 4, Value::Present);
                out.at(name::OPT_DNSSL_LIFETIME, at + 4..at + 8, Value::Uint(be32(message, at + 4).into()));
                search_list_fields(out, message, at + 8, at + len);
            }
            // RFC 3971 section 5.3.2, a nonce.
            14 => out.at(name::OPT_NONCE, data.clone(), Value::Bytes(&message[data])),
            _ => {}
        }
        at += len;
    }
}

/// The longest name a DNS search list holds (RFC 1035 section 2.3.4).
const MAX_NAME_LEN: usize = 255;

/// The domain names of a DNS search list option in `message[start..end]`, uncompressed labels
/// each ended by a zero-length label; the zero bytes after the last are padding. A name that
/// overruns the option or [`MAX_NAME_LEN`] ends the list.
fn search_list_fields(out: &mut Emitter<'_>, message: &[u8], start: usize, end: usize) {
    let mut at = start;
    while at < end && message[at] != 0 {
        let first = at;
        let mut name = String::new();
        loop {
            let Some(&len) = message.get(at).filter(|_| at < end) else { return };
            let len = usize::from(len);
            if len == 0 {
                at += 1;
                break;
            }
            let Some(label) = message.get(at + 1..at + 1 + len).filter(|_| at + 1 + len <= end) else {
                return;
            };
            if !name.is_empty() {
                name.push('.');
            }
            name.push_str(&String::from_utf8_lossy(label));
            if name.len() > MAX_NAME_LEN {
                return;
            }
            at += 1 + len;
        }
        out.at(name::OPT_DNSSL, first..at, Value::Str(&name));
    }
}

/// Names a type and code the way Wireshark's Info column does.
pub fn describe(kind: u8, code: u8) -> &'static str {
    match (kind, code) {
        (kind::UNREACHABLE, 0) => "Destination Unreachable (no route to destination)",
        (kind::UNREACHABLE, 1) => "Destination Unreachable (Administratively prohibited)",
        (kind::UNREACHABLE, 3) => "Destination Unreachable (Address unreachable)",
        (kind::UNREACHABLE, 4) => "Destination Unreachable (Port unreachable)",
        (kind::UNREACHABLE, _) => "Destination Unreachable",
        (kind::PACKET_TOO_BIG, _) => "Packet Too Big",
        (kind::TIME_EXCEEDED, 0) => "Time Exceeded (hop limit exceeded in transit)",
        (kind::TIME_EXCEEDED, _) => "Time Exceeded (fragment reassembly time exceeded)",
        (kind::PARAMETER_PROBLEM, _) => "Parameter Problem",
        (kind::ECHO_REQUEST, _) => "Echo (ping) request",
        (kind::ECHO_REPLY, _) => "Echo (ping) reply",
        (kind::MLD_QUERY, _) => "Multicast Listener Query",
        (kind::MLD_REPORT, _) => "Multicast Listener Report",
        (kind::MLD_DONE, _) => "Multicast Listener Done",
        (kind::ROUTER_SOLICITATION, _) => "Router Solicitation",
        (kind::ROUTER_ADVERTISEMENT, _) => "Router Advertisement",
        (kind::NEIGHBOR_SOLICITATION, _) => "Neighbor Solicitation",
        (kind::NEIGHBOR_ADVERTISEMENT, _) => "Neighbor Advertisement",
        (kind::REDIRECT, _) => "Redirect",
        (kind::MLD2_REPORT, _) => "Multicast Listener Report Message v2",
        _ => "Unknown ICMPv6 type",
    }
}

impl LayerHeader for Message<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Icmpv6
    }

    fn header_len(&self) -> usize {
        HEADER_LEN
    }

    fn fields(&self, out: &mut Emitter<'_>, tracked: &Tracked<'_>) {
        Message::fields(self, out);
        tracked.echo_fields(out, name::RESP_TO, name::RESPTIME);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Message::summary(self, out)
    }
}

pub mod name {
    //! The fields of an ICMPv6 message, by Wireshark's names: the registry's rows for them, and the
    //! names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Icmpv6;
        TYPE "icmpv6.type" Uint "message type" names ICMPV6_TYPE;
        CODE "icmpv6.code" Uint "message code" names ICMPV6_CODE;
        CHECKSUM "icmpv6.checksum" Hex "checksum";
        CHECKSUM_STATUS "icmpv6.checksum.status" Uint "checksum status (1 good, 0 bad, 2 unverified)";
        RESERVED "icmpv6.reserved" Bytes "reserved bytes";
        MTU "icmpv6.mtu" Uint "MTU of the next link";
        POINTER "icmpv6.pointer" Uint "pointer to the problem";
        ECHO_IDENTIFIER "icmpv6.echo.identifier" Hex "echo identifier";
        ECHO_SEQUENCE_NUMBER "icmpv6.echo.sequence_number" Uint "echo sequence number";
        RESP_TO "icmpv6.resp_to" Uint "frame of the request this reply answers";
        RESPTIME "icmpv6.resptime" Time "milliseconds from the request to this reply";
        MLD_MAXIMUM_RESPONSE_DELAY "icmpv6.mld.maximum_response_delay" Uint "maximum response delay";
        MLD_MULTICAST_ADDRESS "icmpv6.mld.multicast_address" Ipv6 "multicast address";
        MLDR_NB_MCAST_RECORDS "icmpv6.mldr.nb_mcast_records" Uint "number of multicast address records";
        MLDR_MAR_RECORD_TYPE "icmpv6.mldr.mar.record_type" Uint "record type" names MLD_RECORD_TYPE;
        MLDR_MAR_AUX_DATA_LEN "icmpv6.mldr.mar.aux_data_len" Uint "auxiliary data length";
        MLDR_MAR_NB_SOURCES "icmpv6.mldr.mar.nb_sources" Uint "number of sources";
        MLDR_MAR_MULTICAST_ADDRESS "icmpv6.mldr.mar.multicast_address" Ipv6 "multicast address";
        ND_RA_CUR_HOP_LIMIT "icmpv6.nd.ra.cur_hop_limit" Uint "hop limit to use";
        ND_RA_FLAG "icmpv6.nd.ra.flag" Hex "router advertisement flags";
        ND_RA_FLAG_M "icmpv6.nd.ra.flag.m" Bool "addresses come from DHCPv6 (managed)";
        ND_RA_FLAG_O "icmpv6.nd.ra.flag.o" Bool "other configuration comes from DHCPv6";
        ND_RA_FLAG_H "icmpv6.nd.ra.flag.h" Bool "the router is a Mobile IPv6 home agent";
        ND_RA_FLAG_PRF "icmpv6.nd.ra.flag.prf" Uint "default router preference (0 medium, 1 high, 3 low)";
        ND_RA_FLAG_P "icmpv6.nd.ra.flag.p" Bool "proxied advertisement";
        ND_RA_FLAG_RSV "icmpv6.nd.ra.flag.rsv" Uint "reserved flag bits";
        ND_RA_ROUTER_LIFETIME "icmpv6.nd.ra.router_lifetime" Uint "router lifetime";
        ND_RA_REACHABLE_TIME "icmpv6.nd.ra.reachable_time" Uint "reachable time";
        ND_RA_RETRANS_TIMER "icmpv6.nd.ra.retrans_timer" Uint "retransmission timer";
        ND_NS_TARGET_ADDRESS "icmpv6.nd.ns.target_address" Ipv6 "address being resolved";
        ND_NA_FLAG "icmpv6.nd.na.flag" Hex "advertisement flags";
        ND_NA_FLAG_R "icmpv6.nd.na.flag.r" Bool "sender is a router";
        ND_NA_FLAG_S "icmpv6.nd.na.flag.s" Bool "answers a solicitation";
        ND_NA_FLAG_O "icmpv6.nd.na.flag.o" Bool "overrides cached address";
        ND_NA_FLAG_RSV "icmpv6.nd.na.flag.rsv" Uint "reserved flag bits";
        ND_NA_TARGET_ADDRESS "icmpv6.nd.na.target_address" Ipv6 "address advertised";
        ND_RD_TARGET_ADDRESS "icmpv6.nd.rd.target_address" Ipv6 "better first hop";
        OPT "icmpv6.opt" Present "a neighbour discovery option";
        OPT_TYPE "icmpv6.opt.type" Uint "option type" names ICMPV6_OPTION;
        OPT_RESERVED "icmpv6.opt.reserved" Present "an option's reserved bytes";
        OPT_NONCE "icmpv6.opt.nonce" Bytes "nonce of a solicitation (RFC 3971)";
        OPT_LENGTH "icmpv6.opt.length" Uint "option length in 8-byte units";
        OPT_LINKADDR "icmpv6.opt.linkaddr" Bytes "link-layer address";
        OPT_SRC_LINKADDR "icmpv6.opt.src_linkaddr" Bytes "source link-layer address";
        OPT_TARGET_LINKADDR "icmpv6.opt.target_linkaddr" Bytes "target link-layer address";
        OPT_PREFIX_LENGTH "icmpv6.opt.prefix.length" Uint "prefix length";
        OPT_PREFIX "icmpv6.opt.prefix" Ipv6 "prefix";
        OPT_MTU "icmpv6.opt.mtu" Uint "link MTU";
        OPT_PREFIX_FLAG "icmpv6.opt.prefix.flag" Hex "prefix flags (on-link, autonomous)";
        OPT_PREFIX_FLAG_L "icmpv6.opt.prefix.flag.l" Bool "the prefix is on-link";
        OPT_PREFIX_FLAG_A "icmpv6.opt.prefix.flag.a" Bool "the prefix serves address autoconfiguration";
        OPT_PREFIX_FLAG_R "icmpv6.opt.prefix.flag.r" Bool "the prefix is the router's address";
        OPT_PREFIX_FLAG_RESERVED "icmpv6.opt.prefix.flag.reserved" Uint "reserved prefix flag bits";
        OPT_PREFIX_VALID_LIFETIME "icmpv6.opt.prefix.valid_lifetime" Uint "prefix valid lifetime";
        OPT_PREFIX_PREFERRED_LIFETIME "icmpv6.opt.prefix.preferred_lifetime" Uint "prefix preferred lifetime";
        OPT_ROUTE_INFO_FLAG "icmpv6.opt.route_info.flag" Hex "route preference flags";
        OPT_ROUTE_INFO_FLAG_ROUTE_PREFERENCE "icmpv6.opt.route_info.flag.route_preference" Uint "route preference (0 medium, 1 high, 3 low)";
        OPT_ROUTE_INFO_FLAG_RESERVED "icmpv6.opt.route_info.flag.reserved" Uint "reserved route flag bits";
        OPT_ROUTE_LIFETIME "icmpv6.opt.route_lifetime" Uint "route lifetime";
        OPT_RDNSS_LIFETIME "icmpv6.opt.rdnss.lifetime" Uint "DNS servers' lifetime";
        OPT_RDNSS "icmpv6.opt.rdnss" Ipv6 "recursive DNS server";
        OPT_DNSSL_LIFETIME "icmpv6.opt.dnssl.lifetime" Uint "search list's lifetime";
        OPT_DNSSL "icmpv6.opt.dnssl" Text "DNS search domain";
    }
}

#[cfg(test)]
mod tests;
