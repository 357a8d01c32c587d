//! The cipher suites rttscope can decrypt, and what each one means for record protection.
//!
//! Only the parts decryption needs are kept: the hash of the PRF or HKDF, the record cipher and
//! its MAC. Key exchange does not matter when the secrets come from a key log, so the ECDHE_RSA,
//! ECDHE_ECDSA, DHE_RSA and RSA variants of one cipher map to the same protection. Identifiers
//! are from the IANA TLS Cipher Suites registry; the TLS 1.3 ones from RFC 8446 appendix B.4.

use super::Hash;

/// A cipher suite as decryption sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suite {
    /// The two-byte identifier from the ServerHello.
    pub id: u16,
    /// The PRF hash (TLS 1.2) or HKDF and transcript hash (TLS 1.3).
    pub hash: Hash,
    pub cipher: Cipher,
    /// A TLS 1.3 suite (`TLS_AES_128_GCM_SHA256` and friends), keyed by the key schedule
    /// rather than the PRF.
    pub tls13: bool,
}

/// The bulk cipher protecting records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cipher {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
    /// AES-128 in CBC mode with an HMAC (TLS 1.2 only).
    Aes128Cbc(Mac),
    /// AES-256 in CBC mode with an HMAC (TLS 1.2 only).
    Aes256Cbc(Mac),
}

/// The HMAC of a CBC suite (`SecurityParameters.mac_algorithm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mac {
    Sha1,
    Sha256,
    Sha384,
}

impl Cipher {
    /// `enc_key_length` in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            Cipher::Aes128Gcm | Cipher::Aes128Cbc(_) => 16,
            Cipher::Aes256Gcm | Cipher::ChaCha20Poly1305 | Cipher::Aes256Cbc(_) => 32,
        }
    }

    /// The MAC, for CBC suites; AEAD suites have none.
    pub const fn mac(self) -> Option<Mac> {
        match self {
            Cipher::Aes128Cbc(mac) | Cipher::Aes256Cbc(mac) => Some(mac),
            Cipher::Aes128Gcm | Cipher::Aes256Gcm | Cipher::ChaCha20Poly1305 => None,
        }
    }
}

impl Mac {
    /// `mac_length`, which is also `mac_key_length`, in bytes.
    #[allow(clippy::len_without_is_empty, reason = "a MAC is never empty")]
    pub const fn len(self) -> usize {
        match self {
            Mac::Sha1 => 20,
            Mac::Sha256 => 32,
            Mac::Sha384 => 48,
        }
    }

    pub(super) fn hmac_algorithm(self) -> ring::hmac::Algorithm {
        match self {
            Mac::Sha1 => ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Mac::Sha256 => ring::hmac::HMAC_SHA256,
            Mac::Sha384 => ring::hmac::HMAC_SHA384,
        }
    }
}

/// The suite with this identifier, if rttscope can decrypt it.
///
/// Suites whose name ends in `_SHA` use SHA-1 for the MAC but, in TLS 1.2, SHA-256 for the PRF
/// (RFC 5246 section 5); `_SHA384` suites use SHA-384 for both.
pub fn suite(id: u16) -> Option<Suite> {
    use Cipher::{Aes128Cbc, Aes128Gcm, Aes256Cbc, Aes256Gcm, ChaCha20Poly1305};
    use Hash::{Sha256, Sha384};

    let tls13 = |hash, cipher| Some(Suite { id, hash, cipher, tls13: true });
    let tls12 = |hash, cipher| Some(Suite { id, hash, cipher, tls13: false });
    match id {
        // TLS 1.3 (RFC 8446 B.4).
        0x1301 => tls13(Sha256, Aes128Gcm),        // TLS_AES_128_GCM_SHA256
        0x1302 => tls13(Sha384, Aes256Gcm),        // TLS_AES_256_GCM_SHA384
        0x1303 => tls13(Sha256, ChaCha20Poly1305), // TLS_CHACHA20_POLY1305_SHA256

        // AES-GCM (RFC 5288, RFC 5289).
        0x009c => tls12(Sha256, Aes128Gcm), // TLS_RSA_WITH_AES_128_GCM_SHA256
        0x009d => tls12(Sha384, Aes256Gcm), // TLS_RSA_WITH_AES_256_GCM_SHA384
        0x009e => tls12(Sha256, Aes128Gcm), // TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
        0x009f => tls12(Sha384, Aes256Gcm), // TLS_DHE_RSA_WITH_AES_256_GCM_SHA384
        0xc02b => tls12(Sha256, Aes128Gcm), // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        0xc02c => tls12(Sha384, Aes256Gcm), // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        0xc02f => tls12(Sha256, Aes128Gcm), // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        0xc030 => tls12(Sha384, Aes256Gcm), // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

        // ChaCha20-Poly1305 (RFC 7905).
        0xcca8 => tls12(Sha256, ChaCha20Poly1305), // TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
        0xcca9 => tls12(Sha256, ChaCha20Poly1305), // TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
        0xccaa => tls12(Sha256, ChaCha20Poly1305), // TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256

        // AES-CBC with HMAC-SHA1 (RFC 5246 appendix A.5, RFC 4492).
        0x002f => tls12(Sha256, Aes128Cbc(Mac::Sha1)), // TLS_RSA_WITH_AES_128_CBC_SHA
        0x0033 => tls12(Sha256, Aes128Cbc(Mac::Sha1)), // TLS_DHE_RSA_WITH_AES_128_CBC_SHA
        0x0035 => tls12(Sha256, Aes256Cbc(Mac::Sha1)), // TLS_RSA_WITH_AES_256_CBC_SHA
        0x0039 => tls12(Sha256, Aes256Cbc(Mac::Sha1)), // TLS_DHE_RSA_WITH_AES_256_CBC_SHA
        0xc009 => tls12(Sha256, Aes128Cbc(Mac::Sha1)), // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA
        0xc00a => tls12(Sha256, Aes256Cbc(Mac::Sha1)), // TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA
        0xc013 => tls12(Sha256, Aes128Cbc(Mac::Sha1)), // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
        0xc014 => tls12(Sha256, Aes256Cbc(Mac::Sha1)), // TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA

        // AES-CBC with HMAC-SHA256 or SHA384 (RFC 5246 appendix A.5, RFC 5289).
        0x003c => tls12(Sha256, Aes128Cbc(Mac::Sha256)), // TLS_RSA_WITH_AES_128_CBC_SHA256
        0x003d => tls12(Sha256, Aes256Cbc(Mac::Sha256)), // TLS_RSA_WITH_AES_256_CBC_SHA256
        0x0067 => tls12(Sha256, Aes128Cbc(Mac::Sha256)), // TLS_DHE_RSA_WITH_AES_128_CBC_SHA256
        0x006b => tls12(Sha256, Aes256Cbc(Mac::Sha256)), // TLS_DHE_RSA_WITH_AES_256_CBC_SHA256
        0xc023 => tls12(Sha256, Aes128Cbc(Mac::Sha256)), // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
        0xc024 => tls12(Sha384, Aes256Cbc(Mac::Sha384)), // TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384
        0xc027 => tls12(Sha256, Aes128Cbc(Mac::Sha256)), // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256
        0xc028 => tls12(Sha384, Aes256Cbc(Mac::Sha384)), // TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384

        _ => None,
    }
}

/// The MAC length of a TLS 1.2 suite with the NULL cipher (IANA's `_WITH_NULL_` suites), whose
/// records after ChangeCipherSpec are their plaintext followed by the MAC (RFC 5246 section
/// 6.2.3.1): they are read without keys.
pub fn null_cipher_mac_len(id: u16) -> Option<usize> {
    match id {
        0x0001 => Some(16), // TLS_RSA_WITH_NULL_MD5
        // TLS_RSA_WITH_NULL_SHA, TLS_PSK_WITH_NULL_SHA, TLS_DHE_PSK_WITH_NULL_SHA,
        // TLS_RSA_PSK_WITH_NULL_SHA, TLS_ECDH(E)_{ECDSA,RSA,anon}_WITH_NULL_SHA,
        // TLS_ECDHE_PSK_WITH_NULL_SHA
        0x0002 | 0x002c..=0x002e | 0xc001 | 0xc006 | 0xc00b | 0xc010 | 0xc015 | 0xc039 => Some(20),
        // TLS_RSA_WITH_NULL_SHA256, TLS_{,DHE_,RSA_}PSK_WITH_NULL_SHA256,
        // TLS_ECDHE_PSK_WITH_NULL_SHA256
        0x003b | 0x00b0 | 0x00b4 | 0x00b8 | 0xc03a => Some(32),
        // TLS_{,DHE_,RSA_}PSK_WITH_NULL_SHA384, TLS_ECDHE_PSK_WITH_NULL_SHA384
        0x00b1 | 0x00b5 | 0x00b9 | 0xc03b => Some(48),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls13_suites() {
        let aes128 = suite(0x1301).expect("TLS_AES_128_GCM_SHA256");
        assert_eq!((aes128.hash, aes128.cipher, aes128.tls13), (Hash::Sha256, Cipher::Aes128Gcm, true));
        let aes256 = suite(0x1302).expect("TLS_AES_256_GCM_SHA384");
        assert_eq!((aes256.hash, aes256.cipher, aes256.tls13), (Hash::Sha384, Cipher::Aes256Gcm, true));
        let chacha = suite(0x1303).expect("TLS_CHACHA20_POLY1305_SHA256");
        assert_eq!(
            (chacha.hash, chacha.cipher, chacha.tls13),
            (Hash::Sha256, Cipher::ChaCha20Poly1305, true)
        );
    }

    #[test]
    fn tls12_suites_named_in_the_design() {
        // (id, PRF hash, cipher) for the suites real captures carry most often.
        let expected = [
            (0xc013, Hash::Sha256, Cipher::Aes128Cbc(Mac::Sha1)),
            (0xc014, Hash::Sha256, Cipher::Aes256Cbc(Mac::Sha1)),
            (0xc027, Hash::Sha256, Cipher::Aes128Cbc(Mac::Sha256)),
            (0xc028, Hash::Sha384, Cipher::Aes256Cbc(Mac::Sha384)),
            (0x002f, Hash::Sha256, Cipher::Aes128Cbc(Mac::Sha1)),
            (0x0035, Hash::Sha256, Cipher::Aes256Cbc(Mac::Sha1)),
            (0x003c, Hash::Sha256, Cipher::Aes128Cbc(Mac::Sha256)),
            (0x003d, Hash::Sha256, Cipher::Aes256Cbc(Mac::Sha256)),
            (0x009c, Hash::Sha256, Cipher::Aes128Gcm),
            (0x009d, Hash::Sha384, Cipher::Aes256Gcm),
            (0xc02f, Hash::Sha256, Cipher::Aes128Gcm),
            (0xc030, Hash::Sha384, Cipher::Aes256Gcm),
            (0xc02b, Hash::Sha256, Cipher::Aes128Gcm),
            (0xc02c, Hash::Sha384, Cipher::Aes256Gcm),
            (0xcca8, Hash::Sha256, Cipher::ChaCha20Poly1305),
            (0xcca9, Hash::Sha256, Cipher::ChaCha20Poly1305),
            (0xccaa, Hash::Sha256, Cipher::ChaCha20Poly1305),
        ];
        for (id, hash, cipher) in expected {
            assert_eq!(suite(id), Some(Suite { id, hash, cipher, tls13: false }), "{id:#06x}");
        }
    }

    #[test]
    fn unsupported_suites_are_none() {
        // TLS_NULL_WITH_NULL_NULL, TLS_RSA_WITH_RC4_128_SHA, TLS_RSA_WITH_3DES_EDE_CBC_SHA,
        // TLS_AES_128_CCM_SHA256, TLS_EMPTY_RENEGOTIATION_INFO_SCSV, a GREASE value.
        for id in [0x0000, 0x0005, 0x000a, 0x1304, 0x00ff, 0x0a0a] {
            assert_eq!(suite(id), None, "{id:#06x}");
        }
    }

    #[test]
    fn null_cipher_suites_say_their_mac_length() {
        assert_eq!(null_cipher_mac_len(0x003b), Some(32), "TLS_RSA_WITH_NULL_SHA256");
        assert_eq!(null_cipher_mac_len(0x0002), Some(20), "TLS_RSA_WITH_NULL_SHA");
        assert_eq!(null_cipher_mac_len(0x0001), Some(16), "TLS_RSA_WITH_NULL_MD5");
        assert_eq!(null_cipher_mac_len(0xc03b), Some(48), "TLS_ECDHE_PSK_WITH_NULL_SHA384");
        // TLS_NULL_WITH_NULL_NULL protects nothing before ChangeCipherSpec and is never agreed.
        for id in [0x0000, 0x002f, 0xc02f, 0x1301] {
            assert_eq!(null_cipher_mac_len(id), None, "{id:#06x}");
        }
    }

    #[test]
    fn key_and_mac_lengths() {
        assert_eq!(Cipher::Aes128Gcm.key_len(), 16);
        assert_eq!(Cipher::Aes256Gcm.key_len(), 32);
        assert_eq!(Cipher::ChaCha20Poly1305.key_len(), 32);
        assert_eq!(Cipher::Aes128Cbc(Mac::Sha1).key_len(), 16);
        assert_eq!(Cipher::Aes256Cbc(Mac::Sha384).key_len(), 32);
        assert_eq!([Mac::Sha1.len(), Mac::Sha256.len(), Mac::Sha384.len()], [20, 32, 48]);
        assert_eq!(Cipher::Aes128Gcm.mac(), None);
        assert_eq!(Cipher::Aes256Cbc(Mac::Sha256).mac(), Some(Mac::Sha256));
    }
}
