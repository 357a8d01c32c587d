//! The TLS 1.2 pseudorandom function and the key block it expands the master secret into.
//!
//! ```text
//! RFC 5246 5:
//!   P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) +
//!                          HMAC_hash(secret, A(2) + seed) + ...
//!   A(0) = seed,  A(i) = HMAC_hash(secret, A(i-1))
//!   PRF(secret, label, seed) = P_<hash>(secret, label + seed)
//! RFC 5246 6.3:
//!   key_block = PRF(SecurityParameters.master_secret, "key expansion",
//!                   SecurityParameters.server_random + SecurityParameters.client_random);
//!   client_write_MAC_key[mac_key_length]  server_write_MAC_key[mac_key_length]
//!   client_write_key[enc_key_length]      server_write_key[enc_key_length]
//!   client_write_IV[fixed_iv_length]      server_write_IV[fixed_iv_length]
//! ```
//! Only TLS 1.2's PRF is here: TLS 1.0 and 1.1 use an MD5 and SHA-1 combination instead.

use ring::hmac;

use super::Hash;
use super::suite::{Cipher, Mac, Suite};

/// `PRF(secret, label, seed)` truncated to `len` bytes, with `P_hash` over `hash`.
pub fn tls12_prf(hash: Hash, secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let key = hmac::Key::new(hash.hmac_algorithm(), secret);
    let mut out = Vec::with_capacity(len);
    // A(1) = HMAC(secret, label + seed).
    let mut a = sign(&key, &[label, seed]);
    while out.len() < len {
        let chunk = sign(&key, &[a.as_ref(), label, seed]);
        let wanted = (len - out.len()).min(chunk.as_ref().len());
        out.extend_from_slice(&chunk.as_ref()[..wanted]);
        a = hmac::sign(&key, a.as_ref());
    }
    out
}

/// The HMAC of several buffers, as if concatenated.
fn sign(key: &hmac::Key, parts: &[&[u8]]) -> hmac::Tag {
    let mut context = hmac::Context::with_key(key);
    for part in parts {
        context.update(part);
    }
    context.sign()
}

/// `fixed_iv_length` for TLS 1.2: the 4-byte salt of AES-GCM (RFC 5288 section 3), the 12-byte
/// IV of ChaCha20-Poly1305 (RFC 7905 section 2), and none for CBC, whose IV travels in each
/// record (RFC 5246 section 6.2.3.2).
pub(super) const fn fixed_iv_len(cipher: Cipher) -> usize {
    match cipher {
        Cipher::Aes128Gcm | Cipher::Aes256Gcm => 4,
        Cipher::ChaCha20Poly1305 => 12,
        Cipher::Aes128Cbc(_) | Cipher::Aes256Cbc(_) => 0,
    }
}

/// One direction's share of the key block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct WriteKeys<'a> {
    /// Empty for AEAD suites.
    pub mac_key: &'a [u8],
    pub key: &'a [u8],
    /// Empty for CBC suites.
    pub iv: &'a [u8],
}

/// The key block of a TLS 1.2 connection, split as RFC 5246 section 6.3 lays it out.
pub(super) struct KeyBlock {
    bytes: Vec<u8>,
    mac_len: usize,
    key_len: usize,
    iv_len: usize,
}

impl KeyBlock {
    pub(super) fn new(
        suite: &Suite,
        master_secret: &[u8],
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> KeyBlock {
        let mac_len = suite.cipher.mac().map_or(0, Mac::len);
        let key_len = suite.cipher.key_len();
        let iv_len = fixed_iv_len(suite.cipher);
        let mut seed = [0u8; 64];
        seed[..32].copy_from_slice(server_random);
        seed[32..].copy_from_slice(client_random);
        let len = 2 * (mac_len + key_len + iv_len);
        let bytes = tls12_prf(suite.hash, master_secret, b"key expansion", &seed, len);
        KeyBlock { bytes, mac_len, key_len, iv_len }
    }

    pub(super) fn client(&self) -> WriteKeys<'_> {
        self.direction(0)
    }

    pub(super) fn server(&self) -> WriteKeys<'_> {
        self.direction(1)
    }

    /// Direction 0 is the client's, 1 the server's. The block is exactly twice the three
    /// lengths long, so every range below is inside it.
    fn direction(&self, index: usize) -> WriteKeys<'_> {
        let (mac_len, key_len, iv_len) = (self.mac_len, self.key_len, self.iv_len);
        let mac_start = index * mac_len;
        let key_start = 2 * mac_len + index * key_len;
        let iv_start = 2 * (mac_len + key_len) + index * iv_len;
        WriteKeys {
            mac_key: &self.bytes[mac_start..mac_start + mac_len],
            key: &self.bytes[key_start..key_start + key_len],
            iv: &self.bytes[iv_start..iv_start + iv_len],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{hex, suite::suite};

    /// PRF inputs for the known answers: secret a0 a1 .. cf (48 bytes), label "test label",
    /// seed 10 11 .. 2f (32 bytes), all made up for these tests.
    fn prf_inputs() -> (Vec<u8>, Vec<u8>) {
        ((0xa0..0xd0).collect(), (0x10..0x30).collect())
    }

    #[test]
    fn prf_sha256_matches_openssl() {
        // openssl kdf -keylen 100 -kdfopt digest:SHA256 -kdfopt hexsecret:a0a1..cf
        //   -kdfopt hexseed:74657374206c6162656c1011..2f TLS1-PRF
        // (OpenSSL takes label and seed as one seed: "test label" in hex, then the seed.)
        let (secret, seed) = prf_inputs();
        let expected = hex("5bb84ec2d7e4a553b554d025aa534e05edbded0218afa7cc1d62609c25bd0245
             eb9a4f4505be248b6aee7db89a0e3fc2ca82e87ec4e5d7ec0013680918870a04
             2e408f38799c878b4288f403c5db66d24852ad574b45fd73a89a994154595c57
             a97d764d");
        assert_eq!(tls12_prf(Hash::Sha256, &secret, b"test label", &seed, 100), expected);
    }

    #[test]
    fn prf_sha384_matches_openssl() {
        // As above with -kdfopt digest:SHA384.
        let (secret, seed) = prf_inputs();
        let expected = hex("29eb09c4ea12e51e4d843c1507401e2ff44e4f8d841afe1108f89bfc7e5bc0bf
             f6bfa54eb16f38659db439553c53c170631724e30e28c01fa8e820be27964718
             c68bb71d37474e2de6689f80eaf581a46d023a24b44e92a7fe42345065b7a8f6
             c58fce30");
        assert_eq!(tls12_prf(Hash::Sha384, &secret, b"test label", &seed, 100), expected);
    }

    #[test]
    fn prf_shorter_outputs_are_prefixes() {
        let (secret, seed) = prf_inputs();
        let long = tls12_prf(Hash::Sha256, &secret, b"test label", &seed, 100);
        for len in [0, 1, 31, 32, 33, 64, 99] {
            assert_eq!(tls12_prf(Hash::Sha256, &secret, b"test label", &seed, len), long[..len]);
        }
    }

    #[test]
    fn key_block_layout() {
        // Master secret 40 41 .. 6f, client random 80 81 .. 9f, server random c0 c1 .. df
        // (made up). The expected keys are slices of
        //   openssl kdf -keylen 104 -kdfopt digest:SHA256 -kdfopt hexsecret:4041..6f
        //     -kdfopt hexseed:<"key expansion" in hex>c0c1..df8081..9f TLS1-PRF
        // cut as 20 + 20 + 16 + 16 bytes for TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (TLS 1.2 CBC
        // has no fixed IV, so the rest is unused), and of the 40-byte output cut as
        // 16 + 16 + 4 + 4 for TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.
        let master: Vec<u8> = (0x40..0x70).collect();
        let client_random: [u8; 32] = std::array::from_fn(|i| 0x80 + i as u8);
        let server_random: [u8; 32] = std::array::from_fn(|i| 0xc0 + i as u8);

        let cbc = suite(0xc013).expect("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
        let block = KeyBlock::new(&cbc, &master, &client_random, &server_random);
        assert_eq!(
            block.client(),
            WriteKeys {
                mac_key: &hex("9bf3221eb9c5000c7f00aa9c0e16d71274684edb"),
                key: &hex("0aebd829c7dcbaae105dbfa5e4f5fc94"),
                iv: &[],
            }
        );
        assert_eq!(
            block.server(),
            WriteKeys {
                mac_key: &hex("93a3e02da6f47efab572d8a266095cc3cede0579"),
                key: &hex("f67b1c188e590dc1d659be2874aed19c"),
                iv: &[],
            }
        );

        let gcm = suite(0xc02f).expect("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        let block = KeyBlock::new(&gcm, &master, &client_random, &server_random);
        assert_eq!(
            block.client(),
            WriteKeys { mac_key: &[], key: &hex("9bf3221eb9c5000c7f00aa9c0e16d712"), iv: &hex("66095cc3") }
        );
        assert_eq!(
            block.server(),
            WriteKeys { mac_key: &[], key: &hex("74684edb93a3e02da6f47efab572d8a2"), iv: &hex("cede0579") }
        );
    }
}
