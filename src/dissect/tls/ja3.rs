//! JA3 and JA3S: a ClientHello's and a ServerHello's fingerprints as tshark 4.0 computes them
//! (`tls.handshake.ja3_full`, `tls.handshake.ja3`, and the `ja3s` pair), each a string of the
//! hello's decimal values and its MD5 in hex.
//!
//! ```text
//! JA3  = legacy_version,cipher_suites,extension_types,supported_groups,ec_point_formats
//! JA3S = legacy_version,cipher_suite,extension_types
//! ```
//! Lists are joined by `-`. GREASE values (RFC 8701: 0x?a?a with both bytes equal) are left out
//! of the suites, extension types and groups, but not of the point formats, as Wireshark's
//! packet-tls-utils.c does. A ClientHello with no extensions block ends in `,,,`.

use std::fmt::Write as _;

use md5::{Digest, Md5};

use super::extension;
use super::handshake::{Hello, kind};
use crate::dissect::field::{Emitter, Value};

/// Whether `value` is a GREASE value (RFC 8701 section 2).
pub fn is_grease(value: u16) -> bool {
    value & 0x0f0f == 0x0a0a && value >> 8 == value & 0xff
}

/// The fingerprint string of a hello: JA3 for a ClientHello, JA3S for a ServerHello.
pub fn full_string(hello: &Hello<'_>) -> String {
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = write!(text, "{}", hello.legacy_version);
    let pairs = |bytes: &[u8]| {
        bytes.chunks_exact(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]])).collect::<Vec<_>>()
    };
    let suites: Vec<u16> =
        pairs(hello.cipher_suites).into_iter().filter(|suite| !is_grease(*suite)).collect();
    text.push(',');
    push_list(&mut text, suites.iter().map(|suite| u64::from(*suite)));
    text.push(',');
    let types = hello.extensions().map(|extension| extension.kind).filter(|kind| !is_grease(*kind));
    push_list(&mut text, types.map(u64::from));
    if hello.kind != kind::CLIENT_HELLO {
        return text;
    }
    if hello.extensions.is_none() {
        text.push_str(",,");
        return text;
    }
    text.push(',');
    if let Some(groups) = hello.extension(extension::kind::SUPPORTED_GROUPS) {
        let list = groups.data.get(2..).unwrap_or(&[]);
        push_list(&mut text, pairs(list).into_iter().filter(|group| !is_grease(*group)).map(u64::from));
    }
    text.push(',');
    if let Some(formats) = hello.extension(extension::kind::EC_POINT_FORMATS) {
        let list = formats.data.get(1..).unwrap_or(&[]);
        push_list(&mut text, list.iter().map(|format| u64::from(*format)));
    }
    text
}

/// The MD5 of `full` in lowercase hex.
pub fn digest(full: &str) -> String {
    let mut text = String::with_capacity(32);
    for byte in Md5::digest(full.as_bytes()) {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// Emits a hello's fingerprint and its digest after its other fields, as tshark adds them; a
/// hello too short to read has none.
pub fn fields(out: &mut Emitter<'_>, kind: u8, body: &[u8], dtls: bool) {
    let (full, hash) = match kind {
        kind::CLIENT_HELLO => (super::name::HANDSHAKE_JA3_FULL, super::name::HANDSHAKE_JA3),
        kind::SERVER_HELLO => (super::name::HANDSHAKE_JA3S_FULL, super::name::HANDSHAKE_JA3S),
        _ => return,
    };
    let Ok(hello) = Hello::parse_with(kind, body, dtls) else { return };
    let text = full_string(&hello);
    out.computed(full, Value::Str(&text));
    out.computed(hash, Value::Str(&digest(&text)));
}

/// `a-b-c` of `values`, appended to `text`.
fn push_list(text: &mut String, values: impl Iterator<Item = u64>) {
    for (index, value) in values.enumerate() {
        if index > 0 {
            text.push('-');
        }
        let _ = write!(text, "{value}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grease_values_are_the_sixteen_of_rfc_8701() {
        let grease: Vec<u16> = (0..=u16::MAX).filter(|value| is_grease(*value)).collect();
        assert_eq!(grease.len(), 16);
        assert_eq!(grease.first(), Some(&0x0a0a));
        assert_eq!(grease.last(), Some(&0xfafa));
        assert!(!is_grease(0x0a1a));
    }

    /// A ClientHello: version 0x0303, a GREASE suite and two real ones, extensions GREASE,
    /// supported_groups (GREASE, x25519, secp256r1) and ec_point_formats (0).
    #[test]
    fn a_client_hello_leaves_grease_out_but_for_point_formats() {
        let mut body = vec![0x03, 0x03];
        body.extend([0; 32]); // random
        body.push(0); // session ID length
        body.extend([0x00, 0x06, 0x3a, 0x3a, 0x13, 0x01, 0x00, 0xff]); // suites
        body.extend([0x01, 0x00]); // compression methods: null
        let extensions: &[u8] = &[
            0x2a, 0x2a, 0x00, 0x00, // GREASE, empty
            0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x1a, 0x1a, 0x00, 0x1d, 0x00, 0x17, // groups
            0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, // point formats: uncompressed
        ];
        body.extend((extensions.len() as u16).to_be_bytes());
        body.extend(extensions);
        let hello = Hello::parse(kind::CLIENT_HELLO, &body).expect("a ClientHello");
        let full = full_string(&hello);
        assert_eq!(full, "771,4865-255,10-11,29-23,0");
        // `echo -n '771,4865-255,10-11,29-23,0' | md5sum`
        assert_eq!(digest(&full), "543c0429b9d8fe213d19ac2b47800aec");
    }

    #[test]
    fn a_client_hello_without_extensions_ends_in_empty_lists() {
        let mut body = vec![0x03, 0x01];
        body.extend([0; 32]);
        body.extend([0, 0x00, 0x02, 0x00, 0x2f, 0x01, 0x00]);
        let hello = Hello::parse(kind::CLIENT_HELLO, &body).expect("a ClientHello");
        assert_eq!(full_string(&hello), "769,47,,,");
    }

    #[test]
    fn a_server_hello_gives_its_version_suite_and_extension_types() {
        let mut body = vec![0x03, 0x03];
        body.extend([0; 32]);
        body.extend([0, 0x13, 0x02, 0x00]); // no session ID, suite, null compression
        body.extend([0x00, 0x0a, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x00]);
        let hello = Hello::parse(kind::SERVER_HELLO, &body).expect("a ServerHello");
        assert_eq!(full_string(&hello), "771,4866,43-51");
        assert_eq!(digest("771,4866,43-51"), "15af977ce25de452b96affa2addb1036");
    }
}
