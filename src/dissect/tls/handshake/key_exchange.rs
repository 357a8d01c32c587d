//! The key exchange messages of TLS 1.2 and before: what a ServerKeyExchange offers (RFC 8422
//! section 5.4, RFC 5246 section 7.4.3) and what a ClientKeyExchange answers (RFC 8422
//! section 5.7, RFC 5246 section 7.4.7), as tshark names their parts.
//!
//! ```text
//! ServerKeyExchange, ECDHE:  curve_type(1) = 3, named_curve(2), point<1..2^8-1>, signature
//! ServerKeyExchange, DHE:    dh_p<1..2^16-1>, dh_g<1..2^16-1>, dh_Ys<1..2^16-1>, signature
//! signature (TLS 1.2):       SignatureScheme(2), signature<0..2^16-1>; before 1.2, no scheme
//! ClientKeyExchange:         ECDHE: point<1..2^8-1> | DHE: dh_Yc<1..2^16-1>
//!                            | RSA: EncryptedPreMasterSecret<0..2^16-1>
//! ```
//!
//! A ClientKeyExchange does not say which it is: the cipher suite the ServerHello chose does,
//! so its fields are only read once the session knows the suite, as tshark reads them.

use nom::Parser;

use super::super::name;
use super::{extension, signature_fields};
use crate::dissect::error::{Error, be_u8, be_u16, length_data};
use crate::dissect::field::{Emitter, Value};
use crate::registry::values;

/// How a cipher suite agrees on its premaster secret, as far as a ClientKeyExchange shows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyExchange {
    /// Not known: no ServerHello seen, or a suite whose exchange rttscope does not read
    /// (PSK, SRP, TLS 1.3's).
    #[default]
    Unknown,
    Ecdhe,
    Dhe,
    Rsa,
}

impl KeyExchange {
    /// The exchange of `suite`, by its IANA name (`TLS_ECDHE_RSA_WITH_…`).
    pub fn of_suite(suite: Option<u16>) -> Self {
        let Some(name) = suite.and_then(|suite| values::TLS_CIPHER_SUITE.name(suite.into())) else {
            return Self::Unknown;
        };
        if name.contains("_PSK_") || name.contains("_SRP_") || name.contains("_anon_") {
            return Self::Unknown;
        }
        if name.starts_with("TLS_ECDHE_") {
            Self::Ecdhe
        } else if name.starts_with("TLS_DHE_") {
            Self::Dhe
        } else if name.starts_with("TLS_RSA_WITH_") {
            Self::Rsa
        } else {
            Self::Unknown
        }
    }
}

/// An ECDHE or DHE ServerKeyExchange: the parameters, then the signature's algorithm (TLS 1.2)
/// and the signature.
pub(super) fn server_fields(out: &mut Emitter<'_>, body: &[u8]) -> Result<(), Error> {
    const NAMED_CURVE: u8 = 3;
    let rest = if body.first() == Some(&NAMED_CURVE) {
        out.at(name::HANDSHAKE_SERVER_CURVE_TYPE, 0..1, Value::hex8(NAMED_CURVE));
        let (rest, curve) = be_u16(&body[1..])?;
        out.at(name::HANDSHAKE_SERVER_NAMED_CURVE, 1..3, Value::hex16(curve));
        let (rest, point) = length_data(be_u8).parse(rest)?;
        out.at(name::HANDSHAKE_SERVER_POINT_LEN, 3..4, Value::Uint(point.len() as u64));
        out.at(name::HANDSHAKE_SERVER_POINT, 4..4 + point.len(), Value::Bytes(point));
        rest
    } else {
        let mut rest = body;
        for (length_name, value_name) in [
            (name::HANDSHAKE_P_LEN, name::HANDSHAKE_P),
            (name::HANDSHAKE_G_LEN, name::HANDSHAKE_G),
            (name::HANDSHAKE_YS_LEN, name::HANDSHAKE_YS),
        ] {
            rest = vector16(out, body, rest, (length_name, value_name))?;
        }
        rest
    };
    let at = body.len() - rest.len();
    // Before TLS 1.2 the signature has no algorithm in front of it: then what is left is the
    // signature's length and the signature, exactly.
    let unprefixed = rest.len() >= 2 && usize::from(u16::from_be_bytes([rest[0], rest[1]])) + 2 == rest.len();
    let at = if unprefixed {
        at
    } else {
        let (_, scheme) = be_u16(rest)?;
        extension::signature_algorithm(out, at, scheme);
        at + 2
    };
    signature_fields(out, body, at, (name::HANDSHAKE_SIG_LEN, name::HANDSHAKE_SIG))
}

/// A ClientKeyExchange under the session's `exchange`; nothing when that is not known.
pub(super) fn client_fields(out: &mut Emitter<'_>, body: &[u8], exchange: KeyExchange) -> Result<(), Error> {
    match exchange {
        KeyExchange::Unknown => Ok(()),
        KeyExchange::Ecdhe => {
            let (_, point) = length_data(be_u8).parse(body)?;
            out.at(name::HANDSHAKE_CLIENT_POINT_LEN, 0..1, Value::Uint(point.len() as u64));
            out.at(name::HANDSHAKE_CLIENT_POINT, 1..1 + point.len(), Value::Bytes(point));
            Ok(())
        }
        KeyExchange::Dhe => {
            vector16(out, body, body, (name::HANDSHAKE_YC_LEN, name::HANDSHAKE_YC)).map(|_| ())
        }
        KeyExchange::Rsa => {
            vector16(out, body, body, (name::HANDSHAKE_EPMS_LEN, name::HANDSHAKE_EPMS)).map(|_| ())
        }
    }
}

/// A vector with a two-byte length at the front of `input`, a tail of `body`, under the
/// `names` of its length and its bytes; returns what follows it.
fn vector16<'a>(
    out: &mut Emitter<'_>,
    body: &[u8],
    input: &'a [u8],
    (length_name, value_name): (&'static str, &'static str),
) -> Result<&'a [u8], Error> {
    let at = body.len() - input.len();
    let (rest, value) = length_data(be_u16).parse(input)?;
    out.at(length_name, at..at + 2, Value::Uint(value.len() as u64));
    out.at(value_name, at + 2..at + 2 + value.len(), Value::Bytes(value));
    Ok(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suite_names_its_key_exchange() {
        assert_eq!(KeyExchange::of_suite(Some(0xc02f)), KeyExchange::Ecdhe);
        assert_eq!(KeyExchange::of_suite(Some(0x009e)), KeyExchange::Dhe);
        assert_eq!(KeyExchange::of_suite(Some(0x009c)), KeyExchange::Rsa);
        // ECDHE_PSK's ClientKeyExchange starts with the PSK identity; TLS 1.3's has none.
        assert_eq!(KeyExchange::of_suite(Some(0xc037)), KeyExchange::Unknown);
        assert_eq!(KeyExchange::of_suite(Some(0x1301)), KeyExchange::Unknown);
        assert_eq!(KeyExchange::of_suite(None), KeyExchange::Unknown);
    }
}
