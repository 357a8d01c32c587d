//! QUIC packet protection: Initial secrets, header protection, packet decryption, key updates
//! and the Retry integrity tag, for QUIC version 1 (RFC 9001) and version 2 (RFC 9369).
//!
//! ```text
//! RFC 9001 5.2:  initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id)
//!                client_initial_secret = HKDF-Expand-Label(initial_secret, "client in", "", 32)
//!                server_initial_secret = HKDF-Expand-Label(initial_secret, "server in", "", 32)
//! RFC 9001 5.1:  key = HKDF-Expand-Label(secret, "quic key", "", key_len)
//!                iv  = HKDF-Expand-Label(secret, "quic iv", "", 12)
//!                hp  = HKDF-Expand-Label(secret, "quic hp", "", key_len)
//! RFC 9001 5.3:  nonce = iv XOR packet number (left-padded); AAD = the unprotected header
//! RFC 9001 5.4:  mask = HP(hp, sample), the sample 16 bytes from 4 bytes after the PN starts
//! RFC 9001 6.1:  next secret = HKDF-Expand-Label(secret, "quic ku", "", Hash.length);
//!                the header protection key is not updated
//! RFC 9369 3.3:  version 2 uses "quicv2 key", "quicv2 iv", "quicv2 hp", "quicv2 ku",
//!                its own initial salt and its own Retry key and nonce
//! ```
//! Like the TLS record code, decryption writes into the caller's buffer and leaves it as it was
//! on failure.

use ring::aead::{self, quic as hp};

use super::record::{aead_key, xor_sequence_number};
use super::suite::{Cipher, Suite};
use super::tls13::{hkdf_expand_label, hkdf_extract};
use super::{DecryptError, Hash};

/// QUIC version 1 (RFC 9000).
pub const VERSION_1: u32 = 0x0000_0001;
/// QUIC version 2 (RFC 9369).
pub const VERSION_2: u32 = 0x6b33_43cf;

const TAG_LEN: usize = 16;
const NONCE_LEN: usize = 12;
/// The header protection sample's length (RFC 9001 section 5.4.2).
pub const SAMPLE_LEN: usize = 16;

/// What differs between the versions' packet protection.
struct Profile {
    initial_salt: [u8; 20],
    key: &'static [u8],
    iv: &'static [u8],
    hp: &'static [u8],
    ku: &'static [u8],
    retry_key: [u8; 16],
    retry_nonce: [u8; 12],
}

const V1: Profile = Profile {
    initial_salt: [
        0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc,
        0xbb, 0x7f, 0x0a,
    ],
    key: b"quic key",
    iv: b"quic iv",
    hp: b"quic hp",
    ku: b"quic ku",
    retry_key: [
        0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a, 0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68, 0xc8, 0x4e,
    ],
    retry_nonce: [0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb],
};

const V2: Profile = Profile {
    initial_salt: [
        0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9,
        0xbd, 0x2e, 0xd9,
    ],
    key: b"quicv2 key",
    iv: b"quicv2 iv",
    hp: b"quicv2 hp",
    ku: b"quicv2 ku",
    retry_key: [
        0x8f, 0xb4, 0xb0, 0x1b, 0x56, 0xac, 0x48, 0xe2, 0x60, 0xfb, 0xcb, 0xce, 0xad, 0x7c, 0xcc, 0x92,
    ],
    retry_nonce: [0xd8, 0x69, 0x69, 0xbc, 0x2d, 0x7c, 0x6d, 0x99, 0x90, 0xef, 0xb0, 0x4a],
};

fn profile(version: u32) -> Option<&'static Profile> {
    match version {
        VERSION_1 => Some(&V1),
        VERSION_2 => Some(&V2),
        _ => None,
    }
}

/// Whether rttscope can remove this version's protection.
pub fn is_supported(version: u32) -> bool {
    profile(version).is_some()
}

/// The Initial suite: TLS_AES_128_GCM_SHA256 (RFC 9001 section 5.2).
const INITIAL_SUITE: Suite = Suite { id: 0x1301, hash: Hash::Sha256, cipher: Cipher::Aes128Gcm, tls13: true };

/// The Initial secrets of a connection: the client's and the server's, from the Destination
/// Connection ID of the client's first Initial (or the one a Retry told it to use).
pub fn initial_secrets(version: u32, client_dcid: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let profile = profile(version)?;
    let initial = hkdf_extract(Hash::Sha256, &profile.initial_salt, client_dcid);
    let client = hkdf_expand_label(Hash::Sha256, &initial, b"client in", b"", 32)?;
    let server = hkdf_expand_label(Hash::Sha256, &initial, b"server in", b"", 32)?;
    Some((client, server))
}

/// One direction's keys at one encryption level: the header protection key, which stays for
/// the connection's life, and the packet key of the current generation.
#[derive(Clone)]
pub struct Keys {
    pub header: HeaderKey,
    pub packet: PacketKey,
}

impl Keys {
    /// Keys from a traffic secret (a key log's, or an Initial secret).
    pub fn new(suite: &Suite, version: u32, secret: &[u8]) -> Option<Keys> {
        Some(Keys {
            header: HeaderKey::new(suite, version, secret)?,
            packet: PacketKey::new(suite, version, secret)?,
        })
    }

    /// The Initial keys of one side.
    pub fn initial(version: u32, client_dcid: &[u8], server: bool) -> Option<Keys> {
        let (client, server_secret) = initial_secrets(version, client_dcid)?;
        Keys::new(&INITIAL_SUITE, version, if server { &server_secret } else { &client })
    }
}

/// Removes header protection. The key never changes once made, so copies share it.
#[derive(Clone)]
pub struct HeaderKey(std::sync::Arc<hp::HeaderProtectionKey>);

impl HeaderKey {
    fn new(suite: &Suite, version: u32, secret: &[u8]) -> Option<HeaderKey> {
        let profile = profile(version)?;
        let algorithm = match suite.cipher {
            Cipher::Aes128Gcm => &hp::AES_128,
            Cipher::Aes256Gcm => &hp::AES_256,
            Cipher::ChaCha20Poly1305 => &hp::CHACHA20,
            Cipher::Aes128Cbc(_) | Cipher::Aes256Cbc(_) => return None,
        };
        let bytes = hkdf_expand_label(suite.hash, secret, profile.hp, b"", suite.cipher.key_len())?;
        hp::HeaderProtectionKey::new(algorithm, &bytes).ok().map(|key| HeaderKey(std::sync::Arc::new(key)))
    }

    /// The five mask bytes for a 16-byte sample: the first for the header's first byte (its low
    /// four bits in a long header, five in a short one), the rest for the packet number.
    pub fn mask(&self, sample: &[u8]) -> Option<[u8; 5]> {
        self.0.new_mask(sample.get(..SAMPLE_LEN)?).ok()
    }
}

/// Decrypts packet payloads with one generation's key.
#[derive(Clone)]
pub struct PacketKey {
    suite: Suite,
    version: u32,
    key: Box<aead::LessSafeKey>,
    iv: [u8; NONCE_LEN],
    secret: Vec<u8>,
}

impl PacketKey {
    fn new(suite: &Suite, version: u32, secret: &[u8]) -> Option<PacketKey> {
        let profile = profile(version)?;
        if !suite.tls13 || secret.len() != suite.hash.len() {
            return None;
        }
        let key = hkdf_expand_label(suite.hash, secret, profile.key, b"", suite.cipher.key_len())?;
        let iv = hkdf_expand_label(suite.hash, secret, profile.iv, b"", NONCE_LEN)?;
        Some(PacketKey {
            suite: *suite,
            version,
            key: aead_key(suite.cipher, &key)?,
            iv: iv.try_into().ok()?,
            secret: secret.to_vec(),
        })
    }

    /// The key of the next generation, after a key update (the key phase bit flipped).
    pub fn next(&self) -> Option<PacketKey> {
        let profile = profile(self.version)?;
        let secret =
            hkdf_expand_label(self.suite.hash, &self.secret, profile.ku, b"", self.suite.hash.len())?;
        PacketKey::new(&self.suite, self.version, &secret)
    }

    /// Decrypts a payload (ciphertext and tag) protected under the unprotected `header`,
    /// appending the plaintext to `out`.
    pub fn decrypt(
        &self,
        packet_number: u64,
        header: &[u8],
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), DecryptError> {
        if payload.len() < TAG_LEN {
            return Err(DecryptError::Malformed("shorter than its tag"));
        }
        let nonce = aead::Nonce::assume_unique_for_key(xor_sequence_number(&self.iv, packet_number));
        let start = out.len();
        out.extend_from_slice(payload);
        match self.key.open_in_place(nonce, aead::Aad::from(header), &mut out[start..]) {
            Ok(plaintext) => {
                let len = plaintext.len();
                out.truncate(start + len);
                Ok(())
            }
            Err(_) => {
                out.truncate(start);
                Err(DecryptError::Authentication)
            }
        }
    }
}

/// Whether a Retry packet's integrity tag (its last 16 bytes) is right for the Destination
/// Connection ID the client first used (RFC 9001 section 5.8). `None` for an unknown version
/// or a packet too short to carry a tag.
pub fn retry_tag_is_valid(version: u32, original_dcid: &[u8], packet: &[u8]) -> Option<bool> {
    let profile = profile(version)?;
    let split = packet.len().checked_sub(TAG_LEN)?;
    let odcid_len = u8::try_from(original_dcid.len()).ok()?;
    let mut pseudo = Vec::with_capacity(1 + original_dcid.len() + split);
    pseudo.push(odcid_len);
    pseudo.extend_from_slice(original_dcid);
    pseudo.extend_from_slice(&packet[..split]);
    let key = aead_key(Cipher::Aes128Gcm, &profile.retry_key)?;
    let mut tag = packet[split..].to_vec();
    let nonce = aead::Nonce::assume_unique_for_key(profile.retry_nonce);
    Some(key.open_in_place(nonce, aead::Aad::from(&pseudo), &mut tag).is_ok())
}

#[cfg(test)]
mod tests;
