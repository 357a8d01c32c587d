//! The Network Time Protocol's packet header (UDP port 123), as tshark shows it.
//!
//! ```text
//! RFC 5905 section 7.3, the header (48 bytes):
//!   li(2 bits) vn(3 bits) mode(3 bits) | stratum(1) | poll(1) | precision(1)
//!   root_delay(4) root_dispersion(4) reference_id(4)
//!   reference_timestamp(8) origin_timestamp(8) receive_timestamp(8) transmit_timestamp(8)
//!   [extension fields] [key_id(4) digest(16 or 20)]
//! a timestamp: seconds since 1900 (32 bits, era 0 when the top bit is set, else era 1 from
//! 2036) and a binary fraction of a second (32 bits)
//! ```
//! The invariant: only the 48-byte header is read; what follows it (extensions, a MAC) is
//! left as the layer's trailer, never guessed at.

use std::fmt;

use super::Content;
use super::error::{Error, IResult, be32, into_error, take_bytes};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::dispatch::Next;
use crate::osi::Protocol;

pub const HEADER_LEN: usize = 48;

mod field {
    use std::ops::Range;
    pub const FLAGS: Range<usize> = 0..1;
    pub const STRATUM: Range<usize> = 1..2;
    pub const POLL: Range<usize> = 2..3;
    pub const PRECISION: Range<usize> = 3..4;
    pub const ROOT_DELAY: Range<usize> = 4..8;
    pub const ROOT_DISPERSION: Range<usize> = 8..12;
    pub const REFERENCE_ID: Range<usize> = 12..16;
    pub const REFERENCE_TIMESTAMP: usize = 16;
    pub const ORIGIN_TIMESTAMP: usize = 24;
    pub const RECEIVE_TIMESTAMP: usize = 32;
    pub const TRANSMIT_TIMESTAMP: usize = 40;
}

/// Seconds from 1970 to the start of NTP era 1 (2036-02-07 06:28:16 UTC).
const ERA1_FROM_UNIX: i64 = 2_085_978_496;
/// Seconds from 1900 (NTP era 0) to 1970.
const ERA0_TO_UNIX: i64 = 2_208_988_800;

/// An NTP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    bytes: &'a [u8],
}

/// Reads a header as the stateless chain's entry for NTP: what follows it is not read.
pub fn dissect(input: &[u8]) -> Result<(Content<'_>, Next<'_>), Error> {
    let (trailer, header) = parse(input).map_err(into_error)?;
    Ok((Content::Ntp(header), Next::End { trailer }))
}

pub fn parse(input: &[u8]) -> IResult<'_, Header<'_>> {
    let (rest, bytes) = take_bytes(HEADER_LEN)(input)?;
    Ok((rest, Header { bytes }))
}

/// A timestamp as nanoseconds since 1970, or `None` for the all-zero "unknown" timestamp
/// (tshark prints it `NULL`). The era is chosen as tshark chooses it: era 0 when the top bit
/// of the seconds is set, era 1 otherwise.
pub fn timestamp_nanos(seconds: u32, fraction: u32) -> Option<i64> {
    if seconds == 0 && fraction == 0 {
        return None;
    }
    let seconds = if seconds & 0x8000_0000 != 0 {
        i64::from(seconds) - ERA0_TO_UNIX
    } else {
        i64::from(seconds) + ERA1_FROM_UNIX
    };
    // tshark's conversion of the fraction: through a double, truncated.
    let nanos = (1_000_000_000.0 * (f64::from(fraction) / 4_294_967_296.0)) as i64;
    Some(seconds * 1_000_000_000 + nanos)
}

/// A timestamp as tshark prints it: a UTC date, or `NULL` for the unknown timestamp. (A text
/// field, since the date and `NULL` are both what a filter compares.)
struct Timestamp(Option<i64>);

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(nanos) => Value::Date(nanos).fmt(f),
            None => f.write_str("NULL"),
        }
    }
}

impl Header<'_> {
    pub fn leap_indicator(&self) -> u8 {
        self.bytes[0] >> 6
    }

    pub fn version(&self) -> u8 {
        (self.bytes[0] >> 3) & 0x07
    }

    pub fn mode(&self) -> u8 {
        self.bytes[0] & 0x07
    }

    pub fn stratum(&self) -> u8 {
        self.bytes[field::STRATUM.start]
    }

    fn timestamp(&self, at: usize) -> Option<i64> {
        timestamp_nanos(be32(self.bytes, at), be32(self.bytes, at + 4))
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        let b = self.bytes;
        out.at(name::FLAGS, field::FLAGS, Value::hex8(b[0]));
        out.at(name::FLAGS_LI, field::FLAGS, Value::Uint(self.leap_indicator().into()));
        out.at(name::FLAGS_VN, field::FLAGS, Value::Uint(self.version().into()));
        out.at(name::FLAGS_MODE, field::FLAGS, Value::Uint(self.mode().into()));
        if matches!(self.mode(), 6 | 7) {
            // Control (6) and private (7) messages have another layout after the flags.
            return;
        }
        out.at(name::STRATUM, field::STRATUM, Value::Uint(self.stratum().into()));
        out.at(name::PPOLL, field::POLL, Value::Uint(b[field::POLL.start].into()));
        out.at(name::PRECISION, field::PRECISION, Value::Uint(b[field::PRECISION.start].into()));
        out.at(name::ROOTDELAY, field::ROOT_DELAY, Value::Uint(be32(b, field::ROOT_DELAY.start).into()));
        let dispersion = be32(b, field::ROOT_DISPERSION.start);
        out.at(name::ROOTDISPERSION, field::ROOT_DISPERSION, Value::Uint(dispersion.into()));
        out.at(name::REFID, field::REFERENCE_ID, Value::Bytes(&b[field::REFERENCE_ID]));
        for (name, at) in [
            (name::REFTIME, field::REFERENCE_TIMESTAMP),
            (name::ORG, field::ORIGIN_TIMESTAMP),
            (name::REC, field::RECEIVE_TIMESTAMP),
            (name::XMT, field::TRANSMIT_TIMESTAMP),
        ] {
            let timestamp = Timestamp(self.timestamp(at));
            out.at(name, at..at + 8, Value::Lazy(&timestamp));
        }
    }

    /// tshark's Info column: `NTP Version 4, client`.
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let version = match self.version() {
            1 => "NTP Version 1",
            2 => "NTP Version 2",
            3 => "NTP Version 3",
            4 => "NTP Version 4",
            _ => "reserved",
        };
        let mode = match self.mode() {
            1 => "symmetric active",
            2 => "symmetric passive",
            3 => "client",
            4 => "server",
            5 => "broadcast",
            6 => "reserved for NTP control message",
            7 => "reserved for private use",
            _ => "reserved",
        };
        write!(out, "{version}, {mode}")
    }
}

impl LayerHeader for Header<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Ntp
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
    //! The fields of an NTP header, by Wireshark's names: the registry's rows for them, and the
    //! names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Ntp;
        FLAGS "ntp.flags" Hex "leap indicator, version and mode";
        FLAGS_LI "ntp.flags.li" Uint "leap indicator (3: clock not synchronised)";
        FLAGS_VN "ntp.flags.vn" Uint "version number";
        FLAGS_MODE "ntp.flags.mode" Uint "mode (3 client, 4 server)";
        STRATUM "ntp.stratum" Uint "distance from a reference clock";
        PPOLL "ntp.ppoll" Uint "polling interval, log2 seconds";
        PRECISION "ntp.precision" Uint "clock precision, log2 seconds (as a byte)";
        ROOTDELAY "ntp.rootdelay" Uint "round trip to the reference clock (16.16 seconds)";
        ROOTDISPERSION "ntp.rootdispersion" Uint "dispersion to the reference clock (16.16 seconds)";
        REFID "ntp.refid" Bytes "reference clock identifier";
        REFTIME "ntp.reftime" Text "when the clock was last set";
        ORG "ntp.org" Text "origin timestamp: the request's transmit time";
        REC "ntp.rec" Text "receive timestamp";
        XMT "ntp.xmt" Text "transmit timestamp";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::field::Field;

    /// A chronyd server's answer (frame 2 of fixtures/interop/lan-ntp.pcap's kind).
    const SERVER: [u8; 48] = [
        0x24, // li 0, version 4, mode 4 (server)
        8,    // stratum
        6,    // poll
        0xe7, // precision -25
        0, 0, 0, 0, // root delay
        0, 0, 0, 0, // root dispersion
        0x7f, 0x7f, 0x01, 0x01, // reference id 127.127.1.1
        0xec, 0xdd, 0x3a, 0x09, 0x25, 0x9d, 0x1c, 0x80, // reference timestamp
        0, 0, 0, 0, 0, 0, 0, 0, // origin timestamp: unknown
        0x80, 0, 0, 0, 0x80, 0, 0, 0, // receive timestamp: era 0, half a second
        0x00, 0, 0, 1, 0, 0, 0, 0, // transmit timestamp: era 1
    ];

    fn fields(header: &Header<'_>) -> Vec<(String, String)> {
        let mut seen = Vec::new();
        let mut sink = |field: Field<'_>| seen.push((field.name.to_owned(), field.value.to_string()));
        header.fields(&mut Emitter::new(&mut sink, 0, Default::default()));
        seen
    }

    #[test]
    fn reads_a_server_answer_as_tshark_shows_it() {
        let (rest, header) = parse(&SERVER).expect("a whole header");
        assert!(rest.is_empty());
        let fields = fields(&header);
        let value = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        assert_eq!(value("ntp.flags"), Some("0x24"));
        assert_eq!(value("ntp.flags.mode"), Some("4"));
        assert_eq!(value("ntp.precision"), Some("231"));
        assert_eq!(value("ntp.refid"), Some("7f7f0101"));
        assert_eq!(value("ntp.org"), Some("NULL"));
        assert_eq!(value("ntp.rec"), Some("Jan 20, 1968 03:14:08.500000000 UTC"));
        assert_eq!(value("ntp.xmt"), Some("Feb  7, 2036 06:28:17.000000000 UTC"));
        let mut summary = String::new();
        header.summary(&mut summary).expect("formatting");
        assert_eq!(summary, "NTP Version 4, server");
    }

    #[test]
    fn control_messages_show_only_their_flags() {
        let mut control = SERVER;
        control[0] = 0x1e; // version 3, mode 6
        let (_, header) = parse(&control).expect("48 bytes");
        let names: Vec<String> = fields(&header).into_iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["ntp.flags", "ntp.flags.li", "ntp.flags.vn", "ntp.flags.mode"]);
    }

    #[test]
    fn a_timestamp_keeps_tsharks_eras() {
        assert_eq!(timestamp_nanos(0, 0), None);
        assert_eq!(timestamp_nanos(0x8000_0000, 0), Some((0x8000_0000 - ERA0_TO_UNIX) * 1_000_000_000));
        assert_eq!(timestamp_nanos(1, 0), Some((1 + ERA1_FROM_UNIX) * 1_000_000_000));
        assert_eq!(
            timestamp_nanos(0x8000_0000, u32::MAX),
            timestamp_nanos(0x8000_0000, 0).map(|t| t + 999_999_999)
        );
    }

    #[test]
    fn every_truncation_is_reported() {
        for cut in 0..SERVER.len() {
            assert_eq!(parse(&SERVER[..cut]), Err(Error::truncated(HEADER_LEN - cut)), "cut at {cut}");
        }
        let mut longer = SERVER.to_vec();
        longer.extend([0, 0, 0, 1]);
        assert_eq!(parse(&longer).map(|(rest, _)| rest.len()), Ok(4), "a key id is left as a trailer");
    }
}
