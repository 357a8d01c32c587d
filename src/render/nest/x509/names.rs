//! The names tshark gives the object identifiers of a certificate (Wireshark's OID table as
//! its x509 and pkcs-1 dissectors fill it), and how it writes one it has no name for.

use crate::dissect::tls::cert;

/// rsaEncryption: the key algorithm whose key tshark draws as its modulus and exponent.
pub const RSA: &str = "1.2.840.113549.1.1.1";
/// id-ecPublicKey: the key algorithm whose parameters name its curve.
pub const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";

/// `name` from `table`, else the dotted form with its first arc named, as Wireshark resolves
/// an OID it does not know (`iso.3.101.112`).
pub fn oid_name(dotted: &str, table: fn(&str) -> Option<&'static str>) -> String {
    if let Some(name) = table(dotted) {
        return name.to_owned();
    }
    let (first, rest) = dotted.split_once('.').unwrap_or((dotted, ""));
    let first = match first {
        "0" => "itu-t",
        "1" => "iso",
        "2" => "joint-iso-itu-t",
        other => other,
    };
    if rest.is_empty() { first.to_owned() } else { format!("{first}.{rest}") }
}

/// Key and signature algorithms; the ones Wireshark 4.0 has no name for are left out
/// (Ed25519, Ed448, ML-DSA).
pub fn algorithm_name(dotted: &str) -> Option<&'static str> {
    match dotted {
        RSA => Some("rsaEncryption"),
        EC_PUBLIC_KEY => Some("id-ecPublicKey"),
        "1.3.101.112" | "1.3.101.113" => None,
        "2.16.840.1.101.3.4.3.17" | "2.16.840.1.101.3.4.3.18" | "2.16.840.1.101.3.4.3.19" => None,
        _ => cert::signature_name(dotted),
    }
}

/// The attribute types of names.
pub fn attribute_name(dotted: &str) -> Option<&'static str> {
    cert::attribute_name(dotted)
}

/// Named curves, by their SEC 2 names as Wireshark's table has them.
pub fn curve_name(dotted: &str) -> Option<&'static str> {
    Some(match dotted {
        "1.2.840.10045.3.1.1" => "secp192r1",
        "1.3.132.0.33" => "secp224r1",
        "1.2.840.10045.3.1.7" => "secp256r1",
        "1.3.132.0.34" => "secp384r1",
        "1.3.132.0.35" => "secp521r1",
        "1.3.132.0.10" => "secp256k1",
        _ => return None,
    })
}

/// Certificate extensions (RFC 5280 section 4.2).
pub fn extension_name(dotted: &str) -> Option<&'static str> {
    Some(match dotted {
        "2.5.29.14" => "id-ce-subjectKeyIdentifier",
        "2.5.29.15" => "id-ce-keyUsage",
        "2.5.29.17" => "id-ce-subjectAltName",
        "2.5.29.18" => "id-ce-issuerAltName",
        "2.5.29.19" => "id-ce-basicConstraints",
        "2.5.29.30" => "id-ce-nameConstraints",
        "2.5.29.31" => "id-ce-cRLDistributionPoints",
        "2.5.29.32" => "id-ce-certificatePolicies",
        "2.5.29.35" => "id-ce-authorityKeyIdentifier",
        "2.5.29.37" => "id-ce-extKeyUsage",
        "1.3.6.1.5.5.7.1.1" => "id-pe-authorityInfoAccess",
        _ => return None,
    })
}

/// Key purposes of extKeyUsage (RFC 5280 section 4.2.1.12).
pub fn purpose_name(dotted: &str) -> Option<&'static str> {
    Some(match dotted {
        "1.3.6.1.5.5.7.3.1" => "id-kp-serverAuth",
        "1.3.6.1.5.5.7.3.2" => "id-kp-clientAuth",
        "1.3.6.1.5.5.7.3.3" => "id-kp-codeSigning",
        "1.3.6.1.5.5.7.3.4" => "id-kp-emailProtection",
        "1.3.6.1.5.5.7.3.8" => "id-kp-timeStamping",
        "1.3.6.1.5.5.7.3.9" => "id-kp-OCSPSigning",
        _ => return None,
    })
}
