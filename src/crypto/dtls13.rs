//! DTLS 1.3's record protection (RFC 9147): TLS 1.3's AEADs and traffic secrets, with the label
//! prefix `"dtls13"` in place of `"tls13 "`, and record number encryption.
//!
//! ```text
//! RFC 9147 5.9:   key    = HKDF-Expand-Label(secret, "key", "", key_length)  (label "dtls13key")
//!                 iv     = HKDF-Expand-Label(secret, "iv", "", 12)           ("dtls13iv")
//!                 sn_key = HKDF-Expand-Label(secret, "sn", "", key_length)   ("dtls13sn")
//! RFC 9147 4.2.3: AES:      Mask = AES-ECB(sn_key, Ciphertext[0..15])
//!                 ChaCha20: Mask = ChaCha20(sn_key, counter = Ciphertext[0..3],
//!                                           nonce = Ciphertext[4..15], zeros)
//!                 the 8 or 16 sequence number bits are XORed with the mask's first bytes;
//!                 the AEAD's additional data is the unified header with them in the clear
//! RFC 9147 4:     the nonce takes the 64-bit sequence number alone: "unlike DTLS 1.2, the
//!                 epoch is not included"
//! ```
//! The mask is QUIC's header protection mask (RFC 9001 section 5.4.3) on the same sample, so
//! ring's QUIC header protection keys compute it.

use std::sync::Arc;

use ring::aead::{self, quic as hp};

use super::DecryptError;
use super::record::{aead_key, decrypt_tls13};
use super::suite::{Cipher, Suite};
use super::tls13::expand_label_with_prefix;

/// DTLS 1.3's label prefix (no space, unlike TLS 1.3's).
const LABEL_PREFIX: &[u8] = b"dtls13";
/// The ciphertext sample the record number mask is made from.
pub const SAMPLE_LEN: usize = 16;
const NONCE_LEN: usize = 12;

/// One direction's keys for one epoch.
#[derive(Clone)]
pub struct Dtls13Keys {
    suite: Suite,
    key: Box<aead::LessSafeKey>,
    iv: [u8; NONCE_LEN],
    sn: Arc<hp::HeaderProtectionKey>,
    secret: Vec<u8>,
}

impl Dtls13Keys {
    /// Keys from a traffic secret (a key log's); `None` for a suite that is not TLS 1.3's or a
    /// secret that is not one hash long.
    pub fn new(suite: &Suite, secret: &[u8]) -> Option<Dtls13Keys> {
        if !suite.tls13 || secret.len() != suite.hash.len() {
            return None;
        }
        let expand =
            |label: &[u8], len| expand_label_with_prefix(LABEL_PREFIX, suite.hash, secret, label, b"", len);
        let key_len = suite.cipher.key_len();
        let algorithm = match suite.cipher {
            Cipher::Aes128Gcm => &hp::AES_128,
            Cipher::Aes256Gcm => &hp::AES_256,
            Cipher::ChaCha20Poly1305 => &hp::CHACHA20,
            Cipher::Aes128Cbc(_) | Cipher::Aes256Cbc(_) => return None,
        };
        let sn = hp::HeaderProtectionKey::new(algorithm, &expand(b"sn", key_len)?).ok()?;
        Some(Dtls13Keys {
            suite: *suite,
            key: aead_key(suite.cipher, &expand(b"key", key_len)?)?,
            iv: expand(b"iv", NONCE_LEN)?.try_into().ok()?,
            sn: Arc::new(sn),
            secret: secret.to_vec(),
        })
    }

    /// The keys of the next epoch after a KeyUpdate: the secret expanded with "traffic upd"
    /// under DTLS's prefix (RFC 9147 section 5.9, RFC 8446 section 7.2).
    pub fn next(&self) -> Option<Dtls13Keys> {
        let hash = self.suite.hash;
        let secret =
            expand_label_with_prefix(LABEL_PREFIX, hash, &self.secret, b"traffic upd", b"", hash.len())?;
        Dtls13Keys::new(&self.suite, &secret)
    }

    /// The record number mask for a record whose ciphertext starts with `ciphertext`; `None`
    /// when it is shorter than the 16-byte sample.
    pub fn sequence_mask(&self, ciphertext: &[u8]) -> Option<[u8; 2]> {
        let mask = self.sn.new_mask(ciphertext.get(..SAMPLE_LEN)?).ok()?;
        Some([mask[0], mask[1]])
    }

    /// Opens one record: `header` is the unified header with its sequence number bits in the
    /// clear, `sequence` the record's whole sequence number. Appends the content to `out` and
    /// returns the inner content type; on error `out` is left as it was.
    pub fn decrypt(
        &self,
        sequence: u64,
        header: &[u8],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<u8, DecryptError> {
        decrypt_tls13(&self.key, &self.iv, sequence, header, body, out)
    }
}

/// The whole sequence number nearest `expected` whose low `bits` bits are `low` (RFC 9147
/// section 4.2.2: the one closest to one more than the highest deprotected so far).
pub fn reconstruct_sequence(expected: u64, low: u64, bits: u32) -> u64 {
    let window = 1u64 << bits.min(48);
    let candidate = (expected & !(window - 1)) | (low & (window - 1));
    let half = window / 2;
    if candidate.saturating_add(half) < expected
        && let Some(above) = candidate.checked_add(window)
    {
        above
    } else if candidate > expected.saturating_add(half) && candidate >= window {
        candidate - window
    } else {
        candidate
    }
}

#[cfg(test)]
mod tests;
