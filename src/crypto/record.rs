//! One direction's record protection keys, and record decryption with them.
//!
//! ```text
//! RFC 8446 5.2 (TLS 1.3):
//!   nonce = client_write_iv XOR (sequence number, left-padded to iv_length)
//!   additional_data = TLSCiphertext.opaque_type || legacy_record_version || length
//!   TLSInnerPlaintext = content || ContentType type || uint8 zeros[length_of_padding]
//! RFC 5288 3 (TLS 1.2 AES-GCM):
//!   GCMNonce = salt[4] (client_write_IV) || nonce_explicit[8] (first 8 bytes of the record)
//! RFC 7905 2 (TLS 1.2 ChaCha20-Poly1305):
//!   nonce = client_write_IV[12] XOR (sequence number, left-padded to 12 bytes)
//! RFC 5246 6.2.3.3 (TLS 1.2 AEAD):
//!   additional_data = seq_num(8) + type + version + length(plaintext)
//! ```
//! CBC suites are in `cbc.rs`. Decryption writes into the caller's buffer and, on any failure,
//! truncates it back to the length it had, so the buffer holds either the whole plaintext or
//! nothing new.

use std::fmt;

use ring::aead;

use super::DecryptError;
use super::cbc::CbcKeys;
use super::suite::{Cipher, Suite};
use super::tls12::{KeyBlock, WriteKeys};
use super::tls13::{hkdf_expand_label, next_traffic_secret};

/// The AEAD tag length of every suite here.
const TAG_LEN: usize = 16;
/// `iv_length` of TLS 1.3 and TLS 1.2 ChaCha20-Poly1305, and the AEAD nonce length.
const NONCE_LEN: usize = 12;
/// The explicit part of a TLS 1.2 AES-GCM nonce, carried at the start of each record.
const EXPLICIT_NONCE_LEN: usize = 8;
/// The master secret's length in TLS 1.2 (RFC 5246 section 8.1), as a key log gives it.
const MASTER_SECRET_LEN: usize = 48;

/// The keys that protect one direction of a connection, for one epoch.
///
/// TLS 1.3 keys also keep their suite and traffic secret, so that [`RecordKeys::update`] can
/// move to the next generation when a KeyUpdate arrives; the tracker does not need to keep the
/// secret itself.
#[derive(Clone)]
pub struct RecordKeys {
    suite: Suite,
    protection: Protection,
    /// The traffic secret the keys came from (TLS 1.3 only).
    traffic_secret: Option<Vec<u8>>,
}

#[derive(Clone)]
enum Protection {
    /// TLS 1.3: the AEAD and `write_iv`.
    Tls13 { key: Box<aead::LessSafeKey>, iv: [u8; NONCE_LEN] },
    /// TLS 1.2 AES-GCM: the AEAD and the 4-byte implicit salt.
    Tls12Gcm { key: Box<aead::LessSafeKey>, salt: [u8; 4] },
    /// TLS 1.2 ChaCha20-Poly1305: the AEAD and the 12-byte IV.
    Tls12ChaCha { key: Box<aead::LessSafeKey>, iv: [u8; NONCE_LEN] },
    /// TLS 1.2 AES-CBC with an HMAC.
    Tls12Cbc(Box<CbcKeys>),
}

impl RecordKeys {
    /// Keys for a TLS 1.3 suite from a traffic secret (RFC 8446 section 7.3):
    /// `key = HKDF-Expand-Label(secret, "key", "", key_length)` and
    /// `iv = HKDF-Expand-Label(secret, "iv", "", 12)`.
    ///
    /// `None` if the suite is not a TLS 1.3 suite, or the secret is not one hash long (a key
    /// log line that belongs to another suite).
    pub fn tls13(suite: &Suite, traffic_secret: &[u8]) -> Option<RecordKeys> {
        if !suite.tls13 || traffic_secret.len() != suite.hash.len() {
            return None;
        }
        let key_bytes = hkdf_expand_label(suite.hash, traffic_secret, b"key", b"", suite.cipher.key_len())?;
        let iv_bytes = hkdf_expand_label(suite.hash, traffic_secret, b"iv", b"", NONCE_LEN)?;
        let key = aead_key(suite.cipher, &key_bytes)?;
        let iv = iv_bytes.try_into().ok()?;
        Some(RecordKeys {
            suite: *suite,
            protection: Protection::Tls13 { key, iv },
            traffic_secret: Some(traffic_secret.to_vec()),
        })
    }

    /// The client's and the server's write keys for a TLS 1.2 suite, from the master secret
    /// (as a key log's `CLIENT_RANDOM` line gives it) and the hello randoms. The key block is
    /// `PRF(master_secret, "key expansion", server_random + client_random)`, cut into MAC keys,
    /// then encryption keys, then fixed IVs (RFC 5246 section 6.3).
    ///
    /// `encrypt_then_mac` is whether both hellos carried the encrypt_then_mac extension
    /// (RFC 7366); it matters only to CBC suites.
    ///
    /// `None` if the suite is a TLS 1.3 suite or the master secret is not 48 bytes long.
    pub fn tls12(
        suite: &Suite,
        master_secret: &[u8],
        client_random: &[u8; 32],
        server_random: &[u8; 32],
        encrypt_then_mac: bool,
    ) -> Option<(RecordKeys, RecordKeys)> {
        if suite.tls13 || master_secret.len() != MASTER_SECRET_LEN {
            return None;
        }
        let block = KeyBlock::new(suite, master_secret, client_random, server_random);
        let protection = |keys: WriteKeys<'_>| -> Option<Protection> {
            Some(match suite.cipher {
                Cipher::Aes128Gcm | Cipher::Aes256Gcm => Protection::Tls12Gcm {
                    key: aead_key(suite.cipher, keys.key)?,
                    salt: keys.iv.try_into().ok()?,
                },
                Cipher::ChaCha20Poly1305 => Protection::Tls12ChaCha {
                    key: aead_key(suite.cipher, keys.key)?,
                    iv: keys.iv.try_into().ok()?,
                },
                Cipher::Aes128Cbc(mac) | Cipher::Aes256Cbc(mac) => Protection::Tls12Cbc(Box::new(
                    CbcKeys::new(suite.cipher, mac, keys.key, keys.mac_key, encrypt_then_mac)?,
                )),
            })
        };
        let keys = |protection| RecordKeys { suite: *suite, protection, traffic_secret: None };
        Some((keys(protection(block.client())?), keys(protection(block.server())?)))
    }

    /// The suite these keys are for.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// Moves TLS 1.3 keys to the next generation after a KeyUpdate (RFC 8446 section 4.6.3):
    /// the traffic secret becomes `HKDF-Expand-Label(secret, "traffic upd", "", Hash.length)`
    /// and key and IV are derived from it again. The caller restarts the sequence number at 0.
    ///
    /// Returns false, changing nothing, for TLS 1.2 keys, which have no KeyUpdate.
    pub fn update(&mut self) -> bool {
        let Some(secret) = &self.traffic_secret else {
            return false;
        };
        let next = next_traffic_secret(self.suite.hash, secret);
        match RecordKeys::tls13(&self.suite, &next) {
            Some(keys) => {
                *self = keys;
                true
            }
            None => false,
        }
    }

    /// Decrypts one record's body (the bytes after the 5-byte `header`) with sequence number
    /// `seq`, appends the plaintext to `out`, and returns the content type: the inner one for
    /// TLS 1.3, the header's for TLS 1.2.
    ///
    /// On error `out` is left exactly as it was.
    pub fn decrypt(
        &self,
        seq: u64,
        header: &[u8; 5],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<u8, DecryptError> {
        let length = u16::from_be_bytes([header[3], header[4]]);
        if usize::from(length) != body.len() {
            return Err(DecryptError::Malformed("the record header's length disagrees with the record"));
        }
        match &self.protection {
            Protection::Tls13 { key, iv } => decrypt_tls13(key, iv, seq, header, body, out),
            Protection::Tls12Gcm { key, salt } => {
                let (explicit, sealed) = body
                    .split_first_chunk::<EXPLICIT_NONCE_LEN>()
                    .ok_or(DecryptError::Malformed("shorter than the explicit nonce"))?;
                let plaintext_len = sealed.len().checked_sub(TAG_LEN).ok_or(TOO_SHORT_FOR_TAG)?;
                let mut nonce = [0u8; NONCE_LEN];
                nonce[..4].copy_from_slice(salt);
                nonce[4..].copy_from_slice(explicit);
                open(key, nonce, &tls12_additional_data(seq, header, plaintext_len), sealed, out)?;
                Ok(header[0])
            }
            Protection::Tls12ChaCha { key, iv } => {
                let plaintext_len = body.len().checked_sub(TAG_LEN).ok_or(TOO_SHORT_FOR_TAG)?;
                let nonce = xor_sequence_number(iv, seq);
                open(key, nonce, &tls12_additional_data(seq, header, plaintext_len), body, out)?;
                Ok(header[0])
            }
            Protection::Tls12Cbc(keys) => keys.decrypt(seq, header, body, out),
        }
    }
}

impl fmt::Debug for RecordKeys {
    /// Names the suite and never prints key material.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordKeys")
            .field("suite", &format_args!("{:#06x}", self.suite.id))
            .finish_non_exhaustive()
    }
}

const TOO_SHORT_FOR_TAG: DecryptError = DecryptError::Malformed("shorter than the authentication tag");

/// TLS 1.3 (and DTLS 1.3, whose `header` is the unified header): open, then strip the zero
/// padding and take the inner content type.
pub(super) fn decrypt_tls13(
    key: &aead::LessSafeKey,
    iv: &[u8; NONCE_LEN],
    seq: u64,
    header: &[u8],
    body: &[u8],
    out: &mut Vec<u8>,
) -> Result<u8, DecryptError> {
    if body.len() < TAG_LEN {
        return Err(TOO_SHORT_FOR_TAG);
    }
    let start = out.len();
    open(key, xor_sequence_number(iv, seq), header, body, out)?;
    // The content type is the last non-zero byte; everything after it is padding.
    match out[start..].iter().rposition(|&byte| byte != 0) {
        Some(type_at) => {
            let content_type = out[start + type_at];
            out.truncate(start + type_at);
            Ok(content_type)
        }
        None => {
            out.truncate(start);
            Err(DecryptError::Malformed("the plaintext is all padding, with no content type"))
        }
    }
}

/// Appends `sealed` (ciphertext and tag) to `out` and opens it there; on failure `out` is
/// truncated back. The caller has checked that `sealed` holds at least a tag.
fn open(
    key: &aead::LessSafeKey,
    nonce: [u8; NONCE_LEN],
    additional_data: &[u8],
    sealed: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), DecryptError> {
    let start = out.len();
    out.extend_from_slice(sealed);
    let nonce = aead::Nonce::assume_unique_for_key(nonce);
    match key.open_in_place(nonce, aead::Aad::from(additional_data), &mut out[start..]) {
        Ok(plaintext) => {
            let plaintext_len = plaintext.len();
            out.truncate(start + plaintext_len);
            Ok(())
        }
        Err(_) => {
            out.truncate(start);
            Err(DecryptError::Authentication)
        }
    }
}

/// What one key's schedule takes on the heap: `aead_key` boxes it. Holders of keys count it
/// for each key they hold, for the tracker's memory budget.
pub const KEY_BYTES: usize = size_of::<aead::LessSafeKey>();

/// ring's AEAD key for an AEAD cipher; `None` for CBC or a key of the wrong length. Boxed: a
/// key schedule is over 500 bytes, and a table of sessions, most of them without keys, would
/// otherwise hold that inline for every session and every spare slot.
pub(super) fn aead_key(cipher: Cipher, key: &[u8]) -> Option<Box<aead::LessSafeKey>> {
    let algorithm = match cipher {
        Cipher::Aes128Gcm => &aead::AES_128_GCM,
        Cipher::Aes256Gcm => &aead::AES_256_GCM,
        Cipher::ChaCha20Poly1305 => &aead::CHACHA20_POLY1305,
        Cipher::Aes128Cbc(_) | Cipher::Aes256Cbc(_) => return None,
    };
    aead::UnboundKey::new(algorithm, key).ok().map(|key| Box::new(aead::LessSafeKey::new(key)))
}

/// The per-record nonce of TLS 1.3 and RFC 7905: the IV with the sequence number, big-endian
/// and left-padded with zeros, XORed into it.
pub(super) fn xor_sequence_number(iv: &[u8; NONCE_LEN], seq: u64) -> [u8; NONCE_LEN] {
    let mut nonce = *iv;
    for (byte, seq_byte) in nonce[NONCE_LEN - 8..].iter_mut().zip(seq.to_be_bytes()) {
        *byte ^= seq_byte;
    }
    nonce
}

/// `seq_num + TLSCompressed.type + TLSCompressed.version + length`: the TLS 1.2 AEAD additional
/// data, and the first 13 bytes of every TLS 1.2 MAC input. `length` is below the record's own
/// length, which the header's 16-bit field has already matched.
pub(super) fn tls12_additional_data(seq: u64, header: &[u8; 5], length: usize) -> [u8; 13] {
    let mut additional_data = [0u8; 13];
    additional_data[..8].copy_from_slice(&seq.to_be_bytes());
    additional_data[8..11].copy_from_slice(&header[..3]);
    let length = u16::try_from(length).unwrap_or(u16::MAX);
    additional_data[11..].copy_from_slice(&length.to_be_bytes());
    additional_data
}

#[cfg(test)]
mod tests;
