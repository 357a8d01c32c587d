//! The SSL 2.0-compatible ClientHello that SSL 3 and TLS clients once sent first, so that an
//! SSL 2.0 server could answer too: its record, its fields and how Wireshark names them.
//!
//! ```text
//! RFC 5246 appendix E.2 (RFC 6101 appendix E, the SSL 2.0 draft section 2.5):
//! struct {
//!     uint16 msg_length;          the top bit set: a two-byte record header; the length
//!                                 is of what follows it
//!     uint8 msg_type;             1, client_hello
//!     Version version;            the highest version the client supports
//!     uint16 cipher_spec_length;  a multiple of 3
//!     uint16 session_id_length;
//!     uint16 challenge_length;
//!     V2CipherSpec cipher_specs[V2ClientHello.cipher_spec_length];   3 bytes each
//!     opaque session_id[V2ClientHello.session_id_length];
//!     opaque challenge[V2ClientHello.challenge_length];
//! } V2ClientHello;
//! ```
//! Such a record is recognised only where a record starts, and only as a ClientHello (the top
//! bit set and message type 1, as Wireshark's `ssl_looks_like_sslv2` asks); it is read whole or
//! not at all: every length must fit in the record, and the record must end where they do.
//! In a [`super::Record`] it keeps [`VERSION`] as its header's version, which no SSL 3 or TLS
//! record can have.

use crate::dissect::error::Error;
use crate::dissect::field::{Emitter, Span, Value};

/// The fields only an SSL 2.0-format hello has (DTLS has no twin of them); the others it
/// shares with TLS's table.
pub mod name {
    crate::registry::field_table! {
        protocol Tls;
        HANDSHAKE_CIPHER_SPEC_LEN "tls.handshake.cipher_spec_len" Uint @Session "length of an SSL 2.0 hello's cipher specs";
        HANDSHAKE_CHALLENGE_LENGTH "tls.handshake.challenge_length" Uint @Session "length of an SSL 2.0 hello's challenge";
        HANDSHAKE_CIPHERSPEC "tls.handshake.cipherspec" Hex @Session "an SSL 2.0 hello's cipher spec (3 bytes)";
        HANDSHAKE_CHALLENGE "tls.handshake.challenge" Present @Session "an SSL 2.0 hello's challenge";
    }
}

/// The record version Wireshark gives an SSL 2.0 record (`tls.record.version` 0x0002).
pub const VERSION: u16 = 0x0002;
/// The two-byte record header.
pub const HEADER_LEN: usize = 2;
/// The fixed part after the header: type, version and the three lengths.
const FIXED_LEN: usize = 9;
/// SSL 2.0's client_hello message type.
const CLIENT_HELLO: u8 = 1;

/// A ClientHello in SSL 2.0's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientHello<'a> {
    /// What follows the two-byte header.
    pub length: u16,
    pub version: u16,
    pub cipher_specs: &'a [u8],
    pub session_id: &'a [u8],
    pub challenge: &'a [u8],
}

/// Whether `bytes` start like an SSL 2.0 ClientHello record: the top bit of the length set
/// and message type 1.
pub fn starts_like_client_hello(bytes: &[u8]) -> bool {
    matches!(bytes, [first, _, CLIENT_HELLO, ..] if first & 0x80 != 0)
}

/// How long the record at the start of `bytes` is, header included, if it starts like a
/// ClientHello and its header is all there.
pub fn record_len(bytes: &[u8]) -> Option<usize> {
    if !starts_like_client_hello(bytes) {
        return None;
    }
    Some(HEADER_LEN + usize::from(u16::from_be_bytes([bytes[0] & 0x7f, bytes[1]])))
}

/// Whether a TCP stream that starts with `payload` is TLS for its first SSL 2.0-format
/// ClientHello, as Wireshark's TLS heuristic (`is_sslv2_clienthello`) asks: a length under
/// 256, message type 1, cipher specs, a session ID of 0 or 16 bytes and a 32-byte challenge.
pub fn starts_like_tls(payload: &[u8]) -> bool {
    let be16 = |at: usize| payload.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    payload.len() >= 46
        && payload.first() == Some(&0x80)
        && payload.get(2) == Some(&CLIENT_HELLO)
        && be16(5).is_some_and(|len| len != 0 && len % 3 == 0)
        && be16(7).is_some_and(|len| len == 0 || len == 16)
        && be16(9) == Some(32)
}

/// Reads the ClientHello record at the start of `input`, which must hold it whole.
pub fn parse(input: &[u8]) -> Result<ClientHello<'_>, Error> {
    let truncated = |have: usize, need: usize| Error::Truncated { needed: need - have };
    if input.len() < HEADER_LEN + FIXED_LEN {
        return Err(truncated(input.len(), HEADER_LEN + FIXED_LEN));
    }
    if !starts_like_client_hello(input) {
        return Err(Error::Malformed("not an SSL 2.0 ClientHello".into()));
    }
    let be16 = |at: usize| u16::from_be_bytes([input[at], input[at + 1]]);
    let length = be16(0) & 0x7fff;
    let (specs_len, id_len, challenge_len) =
        (usize::from(be16(5)), usize::from(be16(7)), usize::from(be16(9)));
    if specs_len % 3 != 0 {
        return Err(Error::Malformed(
            format!("cipher spec length {specs_len} is not a multiple of 3").into(),
        ));
    }
    let end = HEADER_LEN + FIXED_LEN + specs_len + id_len + challenge_len;
    if end != HEADER_LEN + usize::from(length) {
        return Err(Error::Malformed(
            format!("the lengths inside add up to {} bytes, the record holds {length}", end - HEADER_LEN)
                .into(),
        ));
    }
    if input.len() < end {
        return Err(truncated(input.len(), end));
    }
    let specs_at = HEADER_LEN + FIXED_LEN;
    let id_at = specs_at + specs_len;
    let challenge_at = id_at + id_len;
    Ok(ClientHello {
        length,
        version: be16(3),
        cipher_specs: &input[specs_at..id_at],
        session_id: &input[id_at..challenge_at],
        challenge: &input[challenge_at..end],
    })
}

/// Emits the record's fields as tshark does: the record (version 0x0002, not on the wire),
/// then the hello's fields, with no content type and no handshake header.
pub fn fields(out: &mut Emitter<'_>, record: &Span<'_>) {
    let mut out = out.within(record);
    let bytes = record.bytes;
    out.at(super::name::RECORD, 0..bytes.len(), Value::Present);
    out.computed(super::name::RECORD_VERSION, Value::hex16(VERSION));
    let Ok(hello) = parse(bytes) else { return };
    out.at(super::name::RECORD_LENGTH, 0..2, Value::Uint(hello.length.into()));
    out.at(super::name::HANDSHAKE_TYPE, 2..3, Value::Uint(CLIENT_HELLO.into()));
    out.at(super::name::HANDSHAKE_VERSION, 3..5, Value::hex16(hello.version));
    out.at(name::HANDSHAKE_CIPHER_SPEC_LEN, 5..7, Value::Uint(hello.cipher_specs.len() as u64));
    out.at(super::name::HANDSHAKE_SESSION_ID_LENGTH, 7..9, Value::Uint(hello.session_id.len() as u64));
    out.at(name::HANDSHAKE_CHALLENGE_LENGTH, 9..11, Value::Uint(hello.challenge.len() as u64));
    let mut at = HEADER_LEN + FIXED_LEN;
    for spec in hello.cipher_specs.chunks_exact(3) {
        let value = u32::from_be_bytes([0, spec[0], spec[1], spec[2]]);
        out.at(name::HANDSHAKE_CIPHERSPEC, at..at + 3, Value::Hex { value: value.into(), digits: 6 });
        at += 3;
    }
    if !hello.session_id.is_empty() {
        out.at(
            super::name::HANDSHAKE_SESSION_ID,
            at..at + hello.session_id.len(),
            Value::Bytes(hello.session_id),
        );
        at += hello.session_id.len();
    }
    out.at(name::HANDSHAKE_CHALLENGE, at..at + hello.challenge.len(), Value::Present);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TLS 1.0 hello offering TLS_RSA_WITH_AES_128_CBC_SHA (0x00002f) and
    /// SSL2_RC4_128_WITH_MD5 (0x010080), a 16-byte session ID and a 16-byte challenge.
    fn hello() -> Vec<u8> {
        let mut bytes = vec![0x80, 47, 1, 3, 1, 0, 6, 0, 16, 0, 16];
        bytes.extend([0x00, 0x00, 0x2f, 0x01, 0x00, 0x80]);
        bytes.extend([0xa0; 16]);
        bytes.extend([0xc0; 16]);
        bytes
    }

    #[test]
    fn reads_a_hello_in_the_ssl2_format() {
        let bytes = hello();
        assert_eq!(record_len(&bytes), Some(49));
        let hello = parse(&bytes).expect("a whole hello");
        assert_eq!(hello.length, 47);
        assert_eq!(hello.version, 0x0301);
        assert_eq!(hello.cipher_specs, [0x00, 0x00, 0x2f, 0x01, 0x00, 0x80]);
        assert_eq!(hello.session_id, [0xa0; 16]);
        assert_eq!(hello.challenge, [0xc0; 16]);
    }

    #[test]
    fn a_hello_cut_at_any_byte_is_truncated() {
        let bytes = hello();
        for cut in 0..bytes.len() {
            assert_eq!(
                parse(&bytes[..cut]),
                Err(Error::Truncated { needed: if cut < 11 { 11 - cut } else { bytes.len() - cut } }),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn lengths_that_disagree_or_another_message_are_refused() {
        let mut bytes = hello();
        bytes[1] = 48;
        assert!(matches!(parse(&bytes), Err(Error::Malformed(_))), "the record is longer than its parts");
        let mut bytes = hello();
        bytes[6] = 5;
        assert!(matches!(parse(&bytes), Err(Error::Malformed(_))), "5 bytes of 3-byte cipher specs");
        let mut bytes = hello();
        bytes[2] = 4;
        assert!(!starts_like_client_hello(&bytes), "an SSL 2.0 ServerHello");
        assert!(matches!(parse(&bytes), Err(Error::Malformed(_))));
        assert!(!starts_like_client_hello(&[22, 3, 1, 0, 1]), "a TLS record");
        assert_eq!(record_len(&[0x80]), None);
    }

    #[test]
    fn the_tcp_heuristic_takes_what_wiresharks_takes() {
        let mut bytes = vec![0x80, 53, 1, 3, 1, 0, 12, 0, 0, 0, 32];
        bytes.extend([0x2f; 12]);
        bytes.extend([0xc0; 32]);
        assert!(starts_like_tls(&bytes));
        assert!(!starts_like_tls(&hello()), "a 16-byte challenge is not the heuristic's");
        assert!(!starts_like_tls(&bytes[..45]));
    }
}
