//! The TLS record header, and what a record's content type says about its body.
//!
//! ```text
//! RFC 8446 section 5.1 (RFC 5246 section 6.2.1 is the same on the wire):
//! struct {
//!     ContentType type;                 20 change_cipher_spec, 21 alert,
//!                                       22 handshake, 23 application_data
//!     ProtocolVersion legacy_record_version;
//!     uint16 length;                    at most 2^14 (+256 protected in 1.3, +2048 in 1.2)
//!     opaque fragment[TLSPlaintext.length];
//! } TLSPlaintext;
//! ```
//! A stream parser: a header that is not all there yet is `Truncated`, which over TCP means
//! "wait for the next segment"; a header whose type, version or length cannot be TLS is
//! `Malformed`, and the stream stops being read as TLS until it resynchronises.

use crate::dissect::error::Error;

pub const HEADER_LEN: usize = 5;
/// The largest record body any version allows: TLS 1.2's ciphertext limit (RFC 5246 6.2.3).
pub const MAX_BODY_LEN: usize = (1 << 14) + 2048;

pub mod content_type {
    pub const CHANGE_CIPHER_SPEC: u8 = 20;
    pub const ALERT: u8 = 21;
    pub const HANDSHAKE: u8 = 22;
    pub const APPLICATION_DATA: u8 = 23;
    pub const HEARTBEAT: u8 = 24;
}

/// The five bytes in front of every record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    pub content_type: u8,
    pub version: u16,
    pub length: u16,
}

impl RecordHeader {
    pub fn to_bytes(self) -> [u8; HEADER_LEN] {
        let [v0, v1] = self.version.to_be_bytes();
        let [l0, l1] = self.length.to_be_bytes();
        [self.content_type, v0, v1, l0, l1]
    }

    pub fn total_len(&self) -> usize {
        HEADER_LEN + usize::from(self.length)
    }
}

/// Reads a record header from the start of `input`.
pub fn parse_header(input: &[u8]) -> Result<RecordHeader, Error> {
    if input.len() < HEADER_LEN {
        return Err(Error::Truncated { needed: HEADER_LEN - input.len() });
    }
    let header = RecordHeader {
        content_type: input[0],
        version: u16::from_be_bytes([input[1], input[2]]),
        length: u16::from_be_bytes([input[3], input[4]]),
    };
    if !(content_type::CHANGE_CIPHER_SPEC..=content_type::HEARTBEAT).contains(&header.content_type) {
        return Err(Error::Malformed(
            format!("record content type {} is not a TLS one", header.content_type).into(),
        ));
    }
    if header.version >> 8 != 3 {
        return Err(Error::Malformed(
            format!("record version 0x{:04x} is not SSL 3 or TLS", header.version).into(),
        ));
    }
    if usize::from(header.length) > MAX_BODY_LEN {
        return Err(Error::Malformed(
            format!("record length {} exceeds the maximum of {MAX_BODY_LEN}", header.length).into(),
        ));
    }
    Ok(header)
}

/// Whether a TCP stream that starts with `payload` looks like TLS: a plausible record header,
/// as Wireshark's TLS heuristic asks.
pub fn starts_like_tls(payload: &[u8]) -> bool {
    match parse_header(payload) {
        Ok(header) => header.version <= 0x0304 && header.length > 0,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_header_and_rejects_what_cannot_be_tls() {
        // handshake, TLS 1.0 record version, 512-byte body
        assert_eq!(
            parse_header(&[22, 3, 1, 2, 0]),
            Ok(RecordHeader { content_type: 22, version: 0x0301, length: 512 })
        );
        assert_eq!(parse_header(&[22, 3]), Err(Error::Truncated { needed: 3 }));
        assert!(matches!(parse_header(&[99, 3, 3, 0, 1]), Err(Error::Malformed(_))));
        assert!(matches!(parse_header(&[23, 4, 3, 0, 1]), Err(Error::Malformed(_))));
        // 0x4801 = 18433 bytes: over the 18432 limit
        assert!(matches!(parse_header(&[23, 3, 3, 0x48, 0x01]), Err(Error::Malformed(_))));
        assert!(parse_header(&[23, 3, 3, 0x48, 0x00]).is_ok());
        assert!(starts_like_tls(b"\x16\x03\x01\x00\xc4\x01"));
        assert!(!starts_like_tls(b"GET / HTTP/1.1\r\n"));
    }
}
