//! UDP headers.
//!
//! ```text
//! RFC 768:
//! |     Source Port (16)     |   Destination Port (16)  |
//! |       Length (16)        |      Checksum (16)       |
//! |                  data octets ...                    |
//! ```
//! The length covers header and data. A length below 8 or beyond the IP payload is reported as
//! a problem; the ports are still shown, and the payload is what both lengths allow.

use std::fmt;

use super::error::{IResult, be16, take_bytes};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::osi::Protocol;

pub const HEADER_LEN: usize = 8;

mod field {
    use std::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const LENGTH: Range<usize> = 4..6;
    pub const CHECKSUM: Range<usize> = 6..8;
}

/// A UDP header and the payload its length covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    bytes: &'a [u8],
    /// The captured part of the payload.
    pub payload: &'a [u8],
    /// Payload bytes the length promises but the capture does not hold.
    pub missing: usize,
    /// The IP payload length this datagram arrived in (captured or not).
    ip_payload_len: usize,
}

/// What tracking knows about a datagram's conversation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Conversation {
    pub stream: u32,
    /// Time since the conversation's first and previous datagrams; `None` for a header quoted
    /// in an ICMP error, which is not itself part of the conversation's timeline.
    pub times: Option<(i64, i64)>,
}

/// Parses a header. `missing` is how many bytes of the IP payload the capture lacks.
pub fn parse(input: &[u8], missing: usize) -> IResult<'_, Header<'_>> {
    let (after, bytes) = take_bytes(HEADER_LEN)(input)?;
    let ip_payload_len = input.len() + missing;
    let length = usize::from(be16(bytes, field::LENGTH.start));
    let declared = length.clamp(HEADER_LEN, ip_payload_len) - HEADER_LEN;
    let captured = declared.min(after.len());
    let header = Header { bytes, payload: &after[..captured], missing: declared - captured, ip_payload_len };
    Ok((&after[captured..], header))
}

impl<'a> Header<'a> {
    pub fn src_port(&self) -> u16 {
        be16(self.bytes, field::SRC_PORT.start)
    }

    pub fn dst_port(&self) -> u16 {
        be16(self.bytes, field::DST_PORT.start)
    }

    pub fn length(&self) -> u16 {
        be16(self.bytes, field::LENGTH.start)
    }

    pub fn checksum(&self) -> u16 {
        be16(self.bytes, field::CHECKSUM.start)
    }

    /// What is wrong with the length field, if anything.
    pub fn length_problem(&self) -> Option<String> {
        let length = usize::from(self.length());
        if length < HEADER_LEN {
            Some(format!("UDP length {length} is below the 8-byte header"))
        } else if length > self.ip_payload_len {
            Some(format!("UDP length {length} exceeds the IP payload length {}", self.ip_payload_len))
        } else {
            None
        }
    }

    pub fn fields(&self, out: &mut Emitter<'_>, conversation: Option<&Conversation>) {
        out.at(name::SRCPORT, field::SRC_PORT, Value::Uint(self.src_port().into()));
        out.at(name::DSTPORT, field::DST_PORT, Value::Uint(self.dst_port().into()));
        out.at(name::PORT, field::SRC_PORT, Value::Uint(self.src_port().into()));
        out.at(name::PORT, field::DST_PORT, Value::Uint(self.dst_port().into()));
        out.at(name::LENGTH, field::LENGTH, Value::Uint(self.length().into()));
        out.at(name::CHECKSUM, field::CHECKSUM, Value::hex16(self.checksum()));
        // A zero checksum means the sender computed none (RFC 768): "not present" (3), rather
        // than "unverified" (2).
        let status = if self.checksum() == 0 { 3 } else { 2 };
        out.at(name::CHECKSUM_STATUS, field::CHECKSUM, Value::Uint(status));
        if let Some(conversation) = conversation {
            out.computed(name::STREAM, Value::Uint(conversation.stream.into()));
            if let Some((relative, delta)) = conversation.times {
                out.computed(name::TIME_RELATIVE, Value::Seconds(relative));
                out.computed(name::TIME_DELTA, Value::Seconds(delta));
            }
        }
        if !self.payload.is_empty() {
            let range = HEADER_LEN..HEADER_LEN + self.payload.len();
            out.at(name::PAYLOAD, range, Value::Bytes(self.payload));
        }
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let len = self.payload.len() + self.missing;
        write!(out, "{} → {} Len={len}", self.src_port(), self.dst_port())
    }
}

impl LayerHeader for Header<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Udp
    }

    fn header_len(&self) -> usize {
        HEADER_LEN
    }

    fn fields(&self, out: &mut Emitter<'_>, tracked: &Tracked<'_>) {
        Header::fields(self, out, tracked.udp());
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Header::summary(self, out)
    }
}

pub mod name {
    //! The fields of a UDP header, by Wireshark's names: the registry's rows for them, and the
    //! names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Udp;
        SRCPORT "udp.srcport" Uint "source port";
        DSTPORT "udp.dstport" Uint "destination port";
        PORT "udp.port" Uint "either port";
        LENGTH "udp.length" Uint "length of header and data";
        CHECKSUM "udp.checksum" Hex "checksum";
        CHECKSUM_STATUS "udp.checksum.status" Uint "checksum status (2 unverified, 3 not present)";
        STREAM "udp.stream" Uint "conversation number";
        TIME_RELATIVE "udp.time_relative" Time "seconds since the conversation's first datagram";
        TIME_DELTA "udp.time_delta" Time "seconds since the conversation's previous datagram";
        PAYLOAD "udp.payload" Bytes "payload";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::error::Error;

    const DATAGRAM: [u8; 12] = [
        0xc3, 0x50, // source port 50000
        0x00, 0x35, // destination port 53
        0x00, 0x0c, // length 12
        0x12, 0x34, // checksum
        1, 2, 3, 4, // payload
    ];

    #[test]
    fn parses_ports_length_and_payload() {
        let (rest, udp) = parse(&DATAGRAM, 0).expect("valid datagram");
        assert!(rest.is_empty());
        assert_eq!((udp.src_port(), udp.dst_port(), udp.length()), (50000, 53, 12));
        assert_eq!(udp.payload, &[1, 2, 3, 4]);
        assert_eq!(udp.length_problem(), None);
    }

    #[test]
    fn bad_lengths_keep_the_ports_and_say_why() {
        let mut short = DATAGRAM;
        short[5] = 4;
        let (_, udp) = parse(&short, 0).expect("ports still readable");
        assert!(udp.payload.is_empty());
        assert_eq!(udp.length_problem().as_deref(), Some("UDP length 4 is below the 8-byte header"));
        let mut long = DATAGRAM;
        long[5] = 40;
        let (_, udp) = parse(&long, 0).expect("ports still readable");
        assert_eq!(udp.payload.len(), 4);
        assert!(udp.length_problem().is_some_and(|p| p.contains("exceeds")));
    }

    #[test]
    fn every_truncation_is_reported_or_counted_as_missing() {
        for cut in 0..DATAGRAM.len() {
            match parse(&DATAGRAM[..cut], DATAGRAM.len() - cut) {
                Ok((_, udp)) => {
                    assert!(cut >= HEADER_LEN);
                    assert_eq!(udp.payload.len() + udp.missing, 4);
                    assert_eq!(udp.length_problem(), None);
                }
                Err(error) => assert_eq!(error, Error::truncated(HEADER_LEN - cut)),
            }
        }
    }
}
