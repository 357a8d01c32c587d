//! TLS 1.2 records protected with AES-CBC and an HMAC, in either order.
//!
//! ```text
//! RFC 5246 6.2.3.2 (MAC-then-encrypt, the default):
//!   struct {
//!       opaque IV[SecurityParameters.record_iv_length];
//!       block-ciphered struct {
//!           opaque content[TLSCompressed.length];
//!           opaque MAC[SecurityParameters.mac_length];
//!           uint8 padding[GenericBlockCipher.padding_length];
//!           uint8 padding_length;
//!       };
//!   } GenericBlockCipher;
//!   MAC = HMAC(MAC_write_key, seq_num + type + version + TLSCompressed.length + content)
//!   each padding byte holds padding_length
//! RFC 7366 3 (encrypt-then-MAC, when both hellos carry the extension):
//!   the MAC follows the IV and ciphertext and covers them:
//!   MAC(MAC_write_key, seq_num + type + version + length(IV + ciphertext) + IV + ciphertext)
//! ```
//! With MAC-then-encrypt, padding that disagrees is reported like a bad MAC, as RFC 5246 asks:
//! it is what a wrong key looks like. With encrypt-then-MAC the MAC is checked first, so a bad
//! padding after a good MAC is a malformed record. The MAC comparison need not be constant-time:
//! a passive reader answers nobody, so there is no oracle to protect.

use aes::cipher::{BlockModeDecrypt, InnerIvInit, KeyInit};
use ring::hmac;

use super::DecryptError;
use super::record::tls12_additional_data;
use super::suite::{Cipher, Mac};

/// The AES block, and the length of the explicit IV at the start of each record.
const BLOCK_LEN: usize = 16;

/// One direction's CBC keys.
#[derive(Clone)]
pub(super) struct CbcKeys {
    cipher: BlockCipher,
    mac_key: hmac::Key,
    mac_len: usize,
    encrypt_then_mac: bool,
}

/// The expanded AES decryption key; a fresh CBC decryptor is made from it for each record.
#[derive(Clone)]
enum BlockCipher {
    Aes128(aes::Aes128Dec),
    Aes256(aes::Aes256Dec),
}

impl CbcKeys {
    /// `None` unless `cipher` is a CBC cipher and the keys have its lengths.
    pub(super) fn new(
        cipher: Cipher,
        mac: Mac,
        key: &[u8],
        mac_key: &[u8],
        encrypt_then_mac: bool,
    ) -> Option<CbcKeys> {
        let cipher = match cipher {
            Cipher::Aes128Cbc(_) => BlockCipher::Aes128(aes::Aes128Dec::new_from_slice(key).ok()?),
            Cipher::Aes256Cbc(_) => BlockCipher::Aes256(aes::Aes256Dec::new_from_slice(key).ok()?),
            Cipher::Aes128Gcm | Cipher::Aes256Gcm | Cipher::ChaCha20Poly1305 => return None,
        };
        if mac_key.len() != mac.len() {
            return None;
        }
        let mac_key = hmac::Key::new(mac.hmac_algorithm(), mac_key);
        Some(CbcKeys { cipher, mac_key, mac_len: mac.len(), encrypt_then_mac })
    }

    /// Decrypts and authenticates one record body; see [`super::RecordKeys::decrypt`].
    pub(super) fn decrypt(
        &self,
        seq: u64,
        header: &[u8; 5],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<u8, DecryptError> {
        if self.encrypt_then_mac {
            self.decrypt_encrypt_then_mac(seq, header, body, out)?;
        } else {
            self.decrypt_mac_then_encrypt(seq, header, body, out)?;
        }
        Ok(header[0])
    }

    fn decrypt_mac_then_encrypt(
        &self,
        seq: u64,
        header: &[u8; 5],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), DecryptError> {
        let (iv, ciphertext) = split_iv(body)?;
        if ciphertext.len() < self.mac_len + 1 {
            return Err(DecryptError::Malformed("shorter than its MAC and padding length"));
        }
        let start = out.len();
        out.extend_from_slice(ciphertext);
        let checked = self.decrypt_blocks(iv, &mut out[start..]);
        let checked = checked.and_then(|()| {
            let decrypted = &out[start..];
            let content_len = strip_padding(decrypted)
                .and_then(|unpadded| unpadded.checked_sub(self.mac_len))
                .ok_or(DecryptError::Authentication)?;
            let (content, rest) = decrypted.split_at(content_len);
            // `rest` holds the MAC, the padding and its length byte: more than `mac_len`.
            let mac = &rest[..self.mac_len];
            self.verify_mac(seq, header, content, mac)?;
            Ok(content_len)
        });
        settle(out, start, checked)
    }

    fn decrypt_encrypt_then_mac(
        &self,
        seq: u64,
        header: &[u8; 5],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), DecryptError> {
        let protected_len =
            body.len().checked_sub(self.mac_len).ok_or(DecryptError::Malformed("shorter than its MAC"))?;
        let (protected, mac) = body.split_at(protected_len);
        self.verify_mac(seq, header, protected, mac)?;
        let (iv, ciphertext) = split_iv(protected)?;
        let start = out.len();
        out.extend_from_slice(ciphertext);
        let checked = self.decrypt_blocks(iv, &mut out[start..]).and_then(|()| {
            strip_padding(&out[start..])
                .ok_or(DecryptError::Malformed("the padding disagrees with its length byte"))
        });
        settle(out, start, checked)
    }

    /// Checks `mac` against the HMAC of the 13-byte pseudo-header and `covered`.
    fn verify_mac(&self, seq: u64, header: &[u8; 5], covered: &[u8], mac: &[u8]) -> Result<(), DecryptError> {
        let mut context = hmac::Context::with_key(&self.mac_key);
        context.update(&tls12_additional_data(seq, header, covered.len()));
        context.update(covered);
        if context.sign().as_ref() == mac { Ok(()) } else { Err(DecryptError::Authentication) }
    }

    /// Decrypts whole blocks in place. The caller has checked that `data` is a non-empty whole
    /// number of blocks; anything else is refused rather than half-decrypted.
    fn decrypt_blocks(&self, iv: &[u8; BLOCK_LEN], data: &mut [u8]) -> Result<(), DecryptError> {
        let (blocks, tail) = aes::Block::slice_as_chunks_mut(data);
        if !tail.is_empty() {
            return Err(NOT_WHOLE_BLOCKS);
        }
        let iv = aes::Block::from(*iv);
        match &self.cipher {
            BlockCipher::Aes128(key) => {
                ::cbc::Decryptor::<aes::Aes128Dec>::inner_iv_init(key.clone(), &iv).decrypt_blocks(blocks)
            }
            BlockCipher::Aes256(key) => {
                ::cbc::Decryptor::<aes::Aes256Dec>::inner_iv_init(key.clone(), &iv).decrypt_blocks(blocks)
            }
        }
        Ok(())
    }
}

/// Keeps the first `content_len` of the bytes appended to `out` at `start`, or on an error
/// drops all of them, so `out` is as it was before.
fn settle(out: &mut Vec<u8>, start: usize, checked: Result<usize, DecryptError>) -> Result<(), DecryptError> {
    out.truncate(start + checked.unwrap_or(0));
    checked.map(drop)
}

const NOT_WHOLE_BLOCKS: DecryptError =
    DecryptError::Malformed("the ciphertext is not a whole number of blocks");

/// Splits the explicit IV off a record and checks the rest is a non-empty whole number of
/// blocks.
fn split_iv(body: &[u8]) -> Result<(&[u8; BLOCK_LEN], &[u8]), DecryptError> {
    let (iv, ciphertext) = body
        .split_first_chunk::<BLOCK_LEN>()
        .ok_or(DecryptError::Malformed("shorter than its explicit IV"))?;
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(BLOCK_LEN) {
        return Err(NOT_WHOLE_BLOCKS);
    }
    Ok((iv, ciphertext))
}

/// The length of `decrypted` without its padding, if the padding is valid: the last byte is
/// `padding_length`, and it and the `padding_length` bytes before it all hold that value.
fn strip_padding(decrypted: &[u8]) -> Option<usize> {
    let (&padding_length, _) = decrypted.split_last()?;
    let unpadded = decrypted.len().checked_sub(usize::from(padding_length) + 1)?;
    decrypted[unpadded..].iter().all(|&byte| byte == padding_length).then_some(unpadded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding() {
        // padding_length 0: just the length byte.
        assert_eq!(strip_padding(b"abc\x00"), Some(3));
        // padding_length 2: two padding bytes and the length byte, all 2.
        assert_eq!(strip_padding(b"abc\x02\x02\x02"), Some(3));
        // A padding byte that disagrees with the length byte.
        assert_eq!(strip_padding(b"abc\x02\x01\x02"), None);
        // Padding longer than the plaintext.
        assert_eq!(strip_padding(b"\x05\x05"), None);
        // All padding: an empty record, which is valid.
        assert_eq!(strip_padding(b"\x01\x01"), Some(0));
        assert_eq!(strip_padding(b""), None);
    }

    #[test]
    fn explicit_iv_and_whole_blocks() {
        assert!(split_iv(&[0; 15]).is_err());
        assert!(split_iv(&[0; 16]).is_err());
        assert!(split_iv(&[0; 17]).is_err());
        assert!(split_iv(&[0; 31]).is_err());
        assert_eq!(split_iv(&[0; 32]).map(|(_, ciphertext)| ciphertext.len()), Ok(16));
        assert!(split_iv(&[0; 40]).is_err());
    }

    #[test]
    fn keys_must_fit_the_suite() {
        let cipher = Cipher::Aes128Cbc(Mac::Sha1);
        assert!(CbcKeys::new(cipher, Mac::Sha1, &[0; 16], &[0; 20], false).is_some());
        assert!(CbcKeys::new(cipher, Mac::Sha1, &[0; 32], &[0; 20], false).is_none());
        assert!(CbcKeys::new(cipher, Mac::Sha1, &[0; 16], &[0; 32], false).is_none());
        assert!(CbcKeys::new(Cipher::Aes128Gcm, Mac::Sha1, &[0; 16], &[0; 20], false).is_none());
    }
}
