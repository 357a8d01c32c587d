//! Cryptography for reading protected TLS records from a key log: the TLS 1.2 PRF (RFC 5246
//! section 5), the TLS 1.3 key schedule (RFC 8446 section 7), the cipher suites rttscope can
//! decrypt, and record decryption for both versions (and DTLS 1.3's, `dtls13.rs`).
//!
//! Everything here is a pure function of its inputs: no I/O, no clock, and no state beyond one
//! direction's keys (sequence numbers are the caller's to count). Records are hostile input:
//! every length is checked before it is used, nothing panics, and a record that fails to decrypt
//! leaves the caller's output buffer exactly as it was, so a failure can be reported but garbage
//! is never shown. HKDF, HMAC, digests and AEADs come from ring; AES-CBC for the old TLS 1.2 suites comes
//! from RustCrypto's `aes` and `cbc`, as ring has no CBC mode.

mod cbc;
pub mod dtls13;
pub mod quic;
mod record;
#[cfg(test)]
mod rfc8448;
mod suite;
mod tls12;
mod tls13;

use ring::{digest, hkdf, hmac};

pub use record::{KEY_BYTES, RecordKeys};
pub use suite::{Cipher, Mac, Suite, null_cipher_mac_len, suite};
pub use tls12::tls12_prf;
pub use tls13::{derive_secret, hkdf_expand_label, hkdf_extract, next_traffic_secret};

/// The hash a suite's key derivation uses: the TLS 1.2 PRF's `P_hash`, or the TLS 1.3 HKDF
/// and transcript hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    Sha256,
    Sha384,
}

impl Hash {
    /// Output length in bytes (`Hash.length` in RFC 8446).
    #[allow(clippy::len_without_is_empty, reason = "a hash output is never empty")]
    pub const fn len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
        }
    }

    /// `Transcript-Hash` of one buffer: the digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        digest::digest(self.digest_algorithm(), data).as_ref().to_vec()
    }

    fn digest_algorithm(self) -> &'static digest::Algorithm {
        match self {
            Hash::Sha256 => &digest::SHA256,
            Hash::Sha384 => &digest::SHA384,
        }
    }

    fn hmac_algorithm(self) -> hmac::Algorithm {
        match self {
            Hash::Sha256 => hmac::HMAC_SHA256,
            Hash::Sha384 => hmac::HMAC_SHA384,
        }
    }

    fn hkdf_algorithm(self) -> hkdf::Algorithm {
        match self {
            Hash::Sha256 => hkdf::HKDF_SHA256,
            Hash::Sha384 => hkdf::HKDF_SHA384,
        }
    }
}

/// Why a record could not be decrypted. The output buffer is untouched in every case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    /// The AEAD tag or the MAC did not verify, or (MAC-then-encrypt CBC, where RFC 5246 section
    /// 6.2.3.2 treats the two alike) the decrypted padding was not valid: a wrong key, a wrong
    /// sequence number, or a corrupted record.
    #[error(
        "decryption failed: the record does not authenticate (wrong key or sequence number, or corrupted)"
    )]
    Authentication,
    /// The record cannot be what the suite produces, whatever the key: too short for its nonce,
    /// tag, IV or MAC, not a whole number of blocks, a length field that disagrees, padding
    /// that disagrees after a verified MAC, or a TLS 1.3 record with no content type.
    #[error("decryption failed: malformed record: {0}")]
    Malformed(&'static str),
}

/// Decodes a hex string, ignoring whitespace, for spelling out fixtures.
#[cfg(test)]
pub(crate) fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len().is_multiple_of(2), "odd number of hex digits");
    digits
        .chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair).expect("ASCII hex");
            u8::from_str_radix(pair, 16).expect("hex digit")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_lengths_match_ring() {
        for hash in [Hash::Sha256, Hash::Sha384] {
            assert_eq!(hash.len(), hash.digest(b"").len());
            assert_eq!(hash.len(), hash.digest_algorithm().output_len());
        }
    }

    #[test]
    fn empty_transcript_hash() {
        // SHA-256(""), the context of Derive-Secret(., "derived", "") in RFC 8446 7.1.
        assert_eq!(
            Hash::Sha256.digest(b""),
            hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
    }

    #[test]
    fn errors_start_with_decryption_failed() {
        for error in [DecryptError::Authentication, DecryptError::Malformed("shorter than its tag")] {
            assert!(error.to_string().starts_with("decryption failed"), "{error}");
        }
    }

    #[test]
    fn hex_helper_ignores_whitespace() {
        assert_eq!(hex("00 ff\n1a"), [0x00, 0xff, 0x1a]);
    }
}
