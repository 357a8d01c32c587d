//! The TLS 1.3 key schedule's building blocks (RFC 8446 section 7.1), general enough for QUIC's
//! own labels (RFC 9001 section 5) to reuse.
//!
//! ```text
//! RFC 8446 7.1:
//!   HKDF-Expand-Label(Secret, Label, Context, Length) =
//!        HKDF-Expand(Secret, HkdfLabel, Length)
//!   struct {
//!       uint16 length = Length;
//!       opaque label<7..255> = "tls13 " + Label;
//!       opaque context<0..255> = Context;
//!   } HkdfLabel;
//!   Derive-Secret(Secret, Label, Messages) =
//!        HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages), Hash.length)
//! RFC 8446 7.2:
//!   application_traffic_secret_N+1 =
//!        HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length)
//! ```
//! Secrets are plain byte vectors: a key log hands them over as bytes, and the tracker keeps
//! them to derive the next generation after a KeyUpdate.

use ring::{hkdf, hmac};

use super::Hash;

/// The prefix RFC 8446 puts before every label.
const LABEL_PREFIX: &[u8] = b"tls13 ";

/// `HKDF-Extract(salt, IKM)` (RFC 5869 section 2.2): the HMAC of `ikm` keyed with `salt`. An
/// empty salt is the same as `Hash.length` zero bytes, as RFC 8446's "0" salt means.
pub fn hkdf_extract(hash: Hash, salt: &[u8], ikm: &[u8]) -> Vec<u8> {
    let key = hmac::Key::new(hash.hmac_algorithm(), salt);
    hmac::sign(&key, ikm).as_ref().to_vec()
}

/// `HKDF-Expand-Label(secret, label, context, len)`. `label` is given without the `"tls13 "`
/// prefix, which this adds: `b"key"`, `b"iv"`, `b"c hs traffic"`, or QUIC's `b"quic key"`.
///
/// `None` when the arguments cannot be encoded in an `HkdfLabel` or expanded by HKDF: a label
/// longer than 249 bytes, a context longer than 255 bytes, or more than 255 × `Hash.length`
/// bytes of output. Every label and length TLS and QUIC use is well within these limits.
pub fn hkdf_expand_label(
    hash: Hash,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    len: usize,
) -> Option<Vec<u8>> {
    expand_label_with_prefix(LABEL_PREFIX, hash, secret, label, context, len)
}

/// `HKDF-Expand-Label` with another protocol's prefix in place of `"tls13 "`: DTLS 1.3's
/// `"dtls13"` (RFC 9147 section 5.9).
pub(super) fn expand_label_with_prefix(
    prefix: &[u8],
    hash: Hash,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    len: usize,
) -> Option<Vec<u8>> {
    let length = u16::try_from(len).ok()?.to_be_bytes();
    let label_len = [u8::try_from(prefix.len() + label.len()).ok()?];
    let context_len = [u8::try_from(context.len()).ok()?];
    let hkdf_label = [&length[..], &label_len, prefix, label, &context_len, context];

    let prk = hkdf::Prk::new_less_safe(hash.hkdf_algorithm(), secret);
    let okm = prk.expand(&hkdf_label, OutputLen(len)).ok()?;
    let mut out = vec![0; len];
    okm.fill(&mut out).ok()?;
    Some(out)
}

/// `Derive-Secret(secret, label, messages)`: the transcript hash of `messages` (the handshake
/// messages concatenated; empty for the `"derived"` steps) expanded to `Hash.length` bytes.
pub fn derive_secret(hash: Hash, secret: &[u8], label: &[u8], messages: &[u8]) -> Vec<u8> {
    let transcript_hash = hash.digest(messages);
    expand_to_hash_len(hash, secret, label, &transcript_hash)
}

/// The traffic secret of the next generation after a KeyUpdate (RFC 8446 section 7.2).
pub fn next_traffic_secret(hash: Hash, secret: &[u8]) -> Vec<u8> {
    expand_to_hash_len(hash, secret, b"traffic upd", b"")
}

/// `HKDF-Expand-Label` to `Hash.length` bytes with a label of this module's own and a context
/// of at most one hash: always encodable, so the `None` branch is unreachable.
fn expand_to_hash_len(hash: Hash, secret: &[u8], label: &[u8], context: &[u8]) -> Vec<u8> {
    hkdf_expand_label(hash, secret, label, context, hash.len()).unwrap_or_default()
}

/// An output length for ring's HKDF, which asks for it through a trait.
struct OutputLen(usize);

impl hkdf::KeyType for OutputLen {
    fn len(&self) -> usize {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::hex;

    // The RFC 8448 section 3 key schedule is tested in `rfc8448.rs`, beside the records it
    // decrypts; these tests cover SHA-384 and the edges of the label encoding.

    /// A SHA-384 traffic secret of 48 bytes 0x00, 0x01, .., 0x2f (made up for these tests).
    fn sha384_secret() -> Vec<u8> {
        (0u8..48).collect()
    }

    #[test]
    fn sha384_expand_label_matches_openssl() {
        // openssl kdf -keylen 32 -kdfopt digest:SHA384 -kdfopt mode:EXPAND_ONLY
        //   -kdfopt hexkey:000102..2f -kdfopt hexprefix:746c73313320 -kdfopt label:key TLS13-KDF
        // (and -keylen 12 with label:iv, -keylen 48 with label:"traffic upd")
        let secret = sha384_secret();
        assert_eq!(
            hkdf_expand_label(Hash::Sha384, &secret, b"key", b"", 32),
            Some(hex("6877d022f1c61d24ebb7487c16752d9a4798e40431c75b39320e537c90e23225"))
        );
        assert_eq!(
            hkdf_expand_label(Hash::Sha384, &secret, b"iv", b"", 12),
            Some(hex("42822531a0fe88648fc09e9f"))
        );
        assert_eq!(
            next_traffic_secret(Hash::Sha384, &secret),
            hex("401331b63e9d59f202e8f041042d9516f4cd7fa2e2ee1463
                 1d3b49fc340d7af37fc2c0c9f252d8036f81ec5b85cbe5db")
        );
    }

    #[test]
    fn sha384_extract_matches_openssl() {
        // openssl kdf -keylen 48 -kdfopt digest:SHA384 -kdfopt mode:EXTRACT_ONLY
        //   -kdfopt hexkey:000102..2f -kdfopt hexsalt:(48 zero bytes) HKDF
        let secret = sha384_secret();
        assert_eq!(
            hkdf_extract(Hash::Sha384, &[0; 48], &secret),
            hex("360732e7447a7e51164ebc696c02061ead7f37c94691c4c8
                 30c8bb5ccc75ad69aa72ba3bc5d8112486c6d0c5c6b9e0be")
        );
        // An empty salt is the same as Hash.length zero bytes.
        assert_eq!(hkdf_extract(Hash::Sha384, &[], &secret), hkdf_extract(Hash::Sha384, &[0; 48], &secret));
    }

    #[test]
    fn expand_label_refuses_what_hkdf_label_cannot_encode() {
        let secret = [7u8; 32];
        // "tls13 " plus 249 bytes is the longest label; one more does not fit its length byte.
        assert!(hkdf_expand_label(Hash::Sha256, &secret, &[b'a'; 249], b"", 32).is_some());
        assert_eq!(hkdf_expand_label(Hash::Sha256, &secret, &[b'a'; 250], b"", 32), None);
        assert!(hkdf_expand_label(Hash::Sha256, &secret, b"key", &[1; 255], 32).is_some());
        assert_eq!(hkdf_expand_label(Hash::Sha256, &secret, b"key", &[1; 256], 32), None);
        // HKDF's limit is 255 hash lengths.
        assert_eq!(
            hkdf_expand_label(Hash::Sha256, &secret, b"key", b"", 255 * 32).map(|v| v.len()),
            Some(8160)
        );
        assert_eq!(hkdf_expand_label(Hash::Sha256, &secret, b"key", b"", 255 * 32 + 1), None);
        assert_eq!(hkdf_expand_label(Hash::Sha256, &secret, b"key", b"", 0), Some(Vec::new()));
    }
}
