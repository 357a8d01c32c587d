//! ICMP for IPv4: echo, and the error messages that quote the datagram they answer.
//!
//! ```text
//! RFC 792:
//!   every message:        type(1) code(1) checksum(2) rest_of_header(4) body
//!   echo (8) / reply (0): identifier(2) sequence(2) data
//!   unreachable (3), source quench (4), time exceeded (11):
//!                         unused(2) next_hop_mtu(2, RFC 1191, code 4 only)
//!                         internet header + at least 64 bits of the original datagram
//!   redirect (5):         gateway(4) quoted datagram
//!   parameter problem (12): pointer(1) unused(3) quoted datagram
//! ```
//! The checksum covers the whole message; it is verified when the message was captured whole.
//!
//! Ping programs put their send time at the start of the echo data (a `struct timeval`). As
//! Wireshark does, the first 8 bytes are read as seconds and microseconds, big-endian and then
//! little-endian, and taken for a timestamp when they fall within a day of the capture time.

use std::fmt;

use super::checksum;
use super::error::{IResult, be16, take_bytes};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::osi::Protocol;

pub const HEADER_LEN: usize = 8;

mod field {
    use std::ops::Range;
    pub const TYPE: Range<usize> = 0..1;
    pub const CODE: Range<usize> = 1..2;
    pub const CHECKSUM: Range<usize> = 2..4;
    pub const IDENT: Range<usize> = 4..6;
    pub const SEQ: Range<usize> = 6..8;
    pub const UNUSED: Range<usize> = 4..8;
    pub const MTU: Range<usize> = 6..8;
    pub const GATEWAY: Range<usize> = 4..8;
    pub const POINTER: Range<usize> = 4..5;
}

mod kind {
    pub const ECHO_REPLY: u8 = 0;
    pub const UNREACHABLE: u8 = 3;
    pub const SOURCE_QUENCH: u8 = 4;
    pub const REDIRECT: u8 = 5;
    pub const ECHO_REQUEST: u8 = 8;
    pub const TIME_EXCEEDED: u8 = 11;
    pub const PARAMETER_PROBLEM: u8 = 12;
}

/// An ICMP message: the 8-byte header and the body after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    bytes: &'a [u8],
    /// Echo data, or the quoted datagram of an error.
    pub body: &'a [u8],
    /// Whether the checksum verified; `None` when part of the message was not captured.
    pub checksum_ok: Option<bool>,
    /// The sender's timestamp at the start of echo data, and its age at capture time, in
    /// nanoseconds; set by [`Message::find_timestamp`].
    pub timestamp: Option<(i64, i64)>,
}

/// How far a ping timestamp may be from the capture time and still be believed.
const TIMESTAMP_WINDOW_S: i32 = 86_400;

/// Parses a message; `missing` is how many of its bytes the capture lacks.
pub fn parse(input: &[u8], missing: usize) -> IResult<'_, Message<'_>> {
    let (body, bytes) = take_bytes(HEADER_LEN)(input)?;
    let checksum_ok = (missing == 0).then(|| checksum::verifies(0, input));
    Ok((&[], Message { bytes, body, checksum_ok, timestamp: None }))
}

impl<'a> Message<'a> {
    pub fn kind(&self) -> u8 {
        self.bytes[field::TYPE.start]
    }

    pub fn code(&self) -> u8 {
        self.bytes[field::CODE.start]
    }

    pub fn checksum(&self) -> u16 {
        be16(self.bytes, field::CHECKSUM.start)
    }

    /// Looks for a ping timestamp at the start of echo data captured at `frame_ns`.
    pub fn find_timestamp(&mut self, frame_ns: i64) {
        if !self.is_echo() || self.body.len() < 8 {
            return;
        }
        let frame_s = frame_ns.div_euclid(1_000_000_000);
        let plausible = |secs: u32, micros: u32| {
            // The difference is taken in 32 bits, as Wireshark takes it.
            let offset = (i64::from(secs) - frame_s) as i32;
            offset.unsigned_abs() < TIMESTAMP_WINDOW_S as u32 && micros < 1_000_000
        };
        let word = |at: usize| [self.body[at], self.body[at + 1], self.body[at + 2], self.body[at + 3]];
        let big = (u32::from_be_bytes(word(0)), u32::from_be_bytes(word(4)));
        let little = (u32::from_le_bytes(word(0)), u32::from_le_bytes(word(4)));
        let found = [big, little].into_iter().find(|&(secs, micros)| plausible(secs, micros));
        if let Some((secs, micros)) = found {
            let sent = i64::from(secs) * 1_000_000_000 + i64::from(micros) * 1000;
            self.timestamp = Some((sent, frame_ns.saturating_sub(sent)));
        }
    }

    /// The echo data after the timestamp, if one was found.
    pub fn data(&self) -> &'a [u8] {
        if self.timestamp.is_some() { &self.body[8..] } else { self.body }
    }

    pub fn is_echo(&self) -> bool {
        matches!(self.kind(), kind::ECHO_REQUEST | kind::ECHO_REPLY)
    }

    pub fn ident(&self) -> u16 {
        be16(self.bytes, field::IDENT.start)
    }

    pub fn seq(&self) -> u16 {
        be16(self.bytes, field::SEQ.start)
    }

    /// Whether the body quotes the IPv4 datagram that caused this error.
    pub fn quotes_datagram(&self) -> bool {
        matches!(
            self.kind(),
            kind::UNREACHABLE
                | kind::SOURCE_QUENCH
                | kind::REDIRECT
                | kind::TIME_EXCEEDED
                | kind::PARAMETER_PROBLEM
        )
    }

    /// The time a ping wrote at the front of its data, after what the header says and, in a
    /// reply, after its request's frame and the response time, as tshark orders them.
    pub fn data_time_fields(&self, out: &mut Emitter<'_>) {
        if let (kind::ECHO_REQUEST | kind::ECHO_REPLY, Some((sent, age))) = (self.kind(), self.timestamp) {
            out.at(name::DATA_TIME, HEADER_LEN..HEADER_LEN + 8, Value::Date(sent));
            out.at(name::DATA_TIME_RELATIVE, HEADER_LEN..HEADER_LEN + 8, Value::Seconds(age));
        }
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        out.at(name::TYPE, field::TYPE, Value::Uint(self.kind().into()));
        out.at(name::CODE, field::CODE, Value::Uint(self.code().into()));
        out.at(name::CHECKSUM, field::CHECKSUM, Value::hex16(self.checksum()));
        let status = match self.checksum_ok {
            Some(true) => 1,
            Some(false) => 0,
            None => 2,
        };
        out.at(name::CHECKSUM_STATUS, field::CHECKSUM, Value::Uint(status));
        match self.kind() {
            kind::ECHO_REQUEST | kind::ECHO_REPLY => {
                let (ident, seq) = (self.ident(), self.seq());
                out.at(name::IDENT, field::IDENT, Value::Uint(ident.into()));
                out.at(name::IDENT_LE, field::IDENT, Value::Uint(ident.swap_bytes().into()));
                out.at(name::SEQ, field::SEQ, Value::Uint(seq.into()));
                out.at(name::SEQ_LE, field::SEQ, Value::Uint(seq.swap_bytes().into()));
            }
            kind::UNREACHABLE if self.code() == 4 => {
                out.at(name::UNUSED, 4..6, Value::Bytes(&self.bytes[4..6]));
                out.at(name::MTU, field::MTU, Value::Uint(be16(self.bytes, 6).into()));
            }
            kind::REDIRECT => {
                let g = &self.bytes[field::GATEWAY];
                let gateway = std::net::Ipv4Addr::new(g[0], g[1], g[2], g[3]);
                out.at(name::REDIR_GW, field::GATEWAY, Value::Ipv4(gateway));
            }
            kind::PARAMETER_PROBLEM => {
                out.at(name::POINTER, field::POINTER, Value::Uint(self.bytes[4].into()));
            }
            kind::UNREACHABLE | kind::SOURCE_QUENCH | kind::TIME_EXCEEDED => {
                out.at(name::UNUSED, field::UNUSED, Value::Bytes(&self.bytes[field::UNUSED]));
            }
            _ => {}
        }
    }

    /// The Info-column text, as tshark words it.
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        self.write_info(out, None, None)
    }

    /// The Info-column text; an echo adds the datagram's TTL and, for a reply, the frame of its
    /// request, as tshark adds them.
    pub fn write_info(
        &self,
        out: &mut dyn fmt::Write,
        ttl: Option<u8>,
        request_in: Option<u64>,
    ) -> fmt::Result {
        let name = describe(self.kind(), self.code());
        if !self.is_echo() {
            return out.write_str(name);
        }
        let (ident, seq) = (self.ident(), self.seq());
        write!(out, "{name:<21}id=0x{ident:04x}, seq={seq}/{}", seq.swap_bytes())?;
        if let Some(ttl) = ttl {
            write!(out, ", ttl={ttl}")?;
        }
        if let Some(frame) = request_in {
            write!(out, " (request in {frame})")?;
        }
        Ok(())
    }
}

/// Names a type and code the way Wireshark's Info column does.
pub fn describe(kind: u8, code: u8) -> &'static str {
    match (kind, code) {
        (kind::ECHO_REPLY, _) => "Echo (ping) reply",
        (kind::UNREACHABLE, 0) => "Destination unreachable (Network unreachable)",
        (kind::UNREACHABLE, 1) => "Destination unreachable (Host unreachable)",
        (kind::UNREACHABLE, 2) => "Destination unreachable (Protocol unreachable)",
        (kind::UNREACHABLE, 3) => "Destination unreachable (Port unreachable)",
        (kind::UNREACHABLE, 4) => "Destination unreachable (Fragmentation needed)",
        (kind::UNREACHABLE, 13) => "Destination unreachable (Communication administratively filtered)",
        (kind::UNREACHABLE, _) => "Destination unreachable",
        (kind::SOURCE_QUENCH, _) => "Source quench (flow control)",
        (kind::REDIRECT, _) => "Redirect",
        (kind::ECHO_REQUEST, _) => "Echo (ping) request",
        (kind::TIME_EXCEEDED, 0) => "Time-to-live exceeded (Time to live exceeded in transit)",
        (kind::TIME_EXCEEDED, 1) => "Time-to-live exceeded (Fragment reassembly time exceeded)",
        (kind::TIME_EXCEEDED, _) => "Time-to-live exceeded",
        (kind::PARAMETER_PROBLEM, _) => "Parameter problem",
        (13, _) => "Timestamp request",
        (14, _) => "Timestamp reply",
        (17, _) => "Address mask request",
        (18, _) => "Address mask reply",
        _ => "Unknown ICMP type",
    }
}

impl LayerHeader for Message<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Icmp
    }

    fn header_len(&self) -> usize {
        HEADER_LEN
    }

    fn fields(&self, out: &mut Emitter<'_>, tracked: &Tracked<'_>) {
        Message::fields(self, out);
        tracked.echo_fields(out, name::RESP_TO, name::RESPTIME);
        self.data_time_fields(out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Message::summary(self, out)
    }
}

pub mod name {
    //! The fields of an ICMP message, by Wireshark's names: the registry's rows for them, and the
    //! names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Icmp;
        TYPE "icmp.type" Uint "message type" names ICMP_TYPE;
        CODE "icmp.code" Uint "message code" names ICMP_CODE;
        CHECKSUM "icmp.checksum" Hex "checksum";
        CHECKSUM_STATUS "icmp.checksum.status" Uint "checksum status (1 good, 0 bad, 2 unverified)";
        IDENT "icmp.ident" Uint "echo identifier";
        IDENT_LE "icmp.ident_le" Uint "echo identifier read little-endian";
        SEQ "icmp.seq" Uint "echo sequence number";
        SEQ_LE "icmp.seq_le" Uint "echo sequence number read little-endian";
        DATA_TIME "icmp.data_time" Time "ping's send time, from the echo data";
        DATA_TIME_RELATIVE "icmp.data_time_relative" Time "time from the ping's send time to capture";
        RESP_TO "icmp.resp_to" Uint "frame of the request this reply answers";
        RESPTIME "icmp.resptime" Time "milliseconds from the request to this reply";
        UNUSED "icmp.unused" Bytes "unused bytes";
        MTU "icmp.mtu" Uint "next-hop MTU";
        REDIR_GW "icmp.redir_gw" Ipv4 "gateway to redirect to";
        POINTER "icmp.pointer" Uint "pointer to the problem";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::error::Error;

    const ECHO: [u8; 12] = [
        8, 0, // echo request, code 0
        0x06, 0xfa, // checksum
        0x12, 0x34, // identifier
        0x00, 0x01, // sequence 1
        b'p', b'i', b'n', b'g', // data
    ];

    #[test]
    fn parses_an_echo_request_and_verifies_its_checksum() {
        let (_, icmp) = parse(&ECHO, 0).expect("valid message");
        assert!(icmp.is_echo() && !icmp.quotes_datagram());
        assert_eq!((icmp.ident(), icmp.seq()), (0x1234, 1));
        assert_eq!(icmp.body, b"ping");
        assert_eq!(icmp.checksum_ok, Some(true));
        let mut summary = String::new();
        icmp.summary(&mut summary).expect("formatting");
        assert_eq!(summary, "Echo (ping) request  id=0x1234, seq=1/256");
        let mut reply = ECHO;
        reply[0] = 0;
        let (_, icmp) = parse(&reply, 0).expect("valid message");
        let mut info = String::new();
        icmp.write_info(&mut info, Some(63), Some(3)).expect("formatting");
        assert_eq!(info, "Echo (ping) reply    id=0x1234, seq=1/256, ttl=63 (request in 3)");
    }

    #[test]
    fn a_damaged_message_fails_its_checksum_and_a_partial_one_is_unverified() {
        let mut damaged = ECHO;
        damaged[11] ^= 0xff;
        assert_eq!(parse(&damaged, 0).map(|(_, m)| m.checksum_ok), Ok(Some(false)));
        assert_eq!(parse(&ECHO[..10], 2).map(|(_, m)| m.checksum_ok), Ok(None));
    }

    #[test]
    fn a_ping_timestamp_is_found_in_either_byte_order_near_the_capture_time() {
        let frame_ns = 1_795_330_220_790_921_485;
        // Linux ping: a 64-bit little-endian struct timeval.
        let mut echo = ECHO[..8].to_vec();
        echo.extend_from_slice(&1_795_330_220u64.to_le_bytes());
        echo.extend_from_slice(&250_000u64.to_le_bytes());
        let (_, mut message) = parse(&echo, 0).expect("valid");
        message.find_timestamp(frame_ns);
        assert_eq!(message.timestamp, Some((1_795_330_220_000_000_000, 790_921_485)));
        assert_eq!(message.data().len(), 8);
        // A day away, it is just data.
        message.timestamp = None;
        message.find_timestamp(frame_ns + 2 * 86_400 * 1_000_000_000);
        assert_eq!(message.timestamp, None);
        assert_eq!(message.data().len(), 16);
    }

    #[test]
    fn every_truncation_is_reported() {
        for cut in 0..HEADER_LEN {
            assert_eq!(parse(&ECHO[..cut], 0), Err(Error::truncated(HEADER_LEN - cut)));
        }
    }
}
