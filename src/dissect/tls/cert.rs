//! A summary of one X.509 certificate from a TLS Certificate message.
//!
//! ```text
//! RFC 5280 section 4.1:
//! Certificate  ::=  SEQUENCE  { tbsCertificate, signatureAlgorithm, signatureValue }
//! TBSCertificate  ::=  SEQUENCE  { version [0], serialNumber, signature, issuer Name,
//!      validity { notBefore Time, notAfter Time }, subject Name,
//!      subjectPublicKeyInfo, ..., extensions [3] }
//! ```
//! Parsing is x509-parser's; this module only turns the parsed certificate into the few
//! strings a packet view shows, written as Wireshark writes them: names as its `rdnSequence`
//! line (`id-at-commonName=localhost,id-at-organizationName=rttscope`, last RDN first), times
//! as its `utcTime` and `generalizedTime` lines, algorithms by their ASN.1 names. The
//! certificate comes from the network, so every string is bounded ([`MAX_NAME_CHARS`] and
//! friends) with control characters escaped, and no input makes [`summarize`] panic.

use std::fmt::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use x509_parser::asn1_rs::{Any, Oid, Tag};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::nom::{Err as NomErr, Needed};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::RSAPublicKey;
use x509_parser::time::ASN1Time;
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

/// The most characters kept of a subject or issuer name.
pub const MAX_NAME_CHARS: usize = 1024;
/// The most characters kept of one attribute value or one DNS name (a DNS name has at most
/// 253; anything longer is not a host name anyway).
pub const MAX_VALUE_CHARS: usize = 256;
/// The most DNS names, and separately the most IP addresses, kept from subjectAltName.
pub const MAX_ALT_NAMES: usize = 64;
/// The most characters kept of a dotted OID that has no name here.
const MAX_OID_CHARS: usize = 64;
/// The most characters kept of the parser's reason for rejecting a certificate.
const MAX_REASON_CHARS: usize = 120;

/// What a one-screen view needs to know about a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateSummary {
    /// The subject as Wireshark's `rdnSequence` line shows it.
    pub subject: String,
    /// The issuer, in the same form.
    pub issuer: String,
    /// The subject's last commonName, if it has one.
    pub common_name: Option<String>,
    /// dNSName entries of subjectAltName, in order, at most [`MAX_ALT_NAMES`].
    pub dns_names: Vec<String>,
    /// iPAddress entries of subjectAltName, in order, at most [`MAX_ALT_NAMES`].
    pub ip_addresses: Vec<IpAddr>,
    /// subjectAltName entries left out of the two lists above because they were full.
    pub omitted_alt_names: usize,
    /// `2018-10-05 01:38:17 (UTC)` for a UTCTime; a GeneralizedTime reads as Wireshark writes
    /// it, `Oct 29, 2126 08:12:40.000000000 UTC`.
    pub not_before: String,
    /// The end of the validity period, in the same form.
    pub not_after: String,
    /// The key's type and size: "RSA 2048 bits", "EC P-256", "Ed25519".
    pub public_key: String,
    /// The certificate's signatureAlgorithm: "sha256WithRSAEncryption", "ecdsa-with-SHA256".
    pub signature_algorithm: String,
    /// Whether the issuer name is the subject name (a self-issued certificate, as roots and
    /// test certificates are). The signature is not checked.
    pub self_signed: bool,
}

/// Why a certificate could not be summarised, in one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertError {
    /// The DER ended this many bytes before the certificate's outer SEQUENCE did.
    Truncated { needed: usize },
    /// The DER is not a certificate x509-parser accepts; the reason is its own.
    Malformed(String),
}

impl fmt::Display for CertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed: 1 } => f.write_str("certificate truncated: 1 more byte needed"),
            Self::Truncated { needed } => write!(f, "certificate truncated: {needed} more bytes needed"),
            Self::Malformed(reason) => write!(f, "malformed certificate: {reason}"),
        }
    }
}

impl std::error::Error for CertError {}

/// Summarises one DER certificate. Bytes after the certificate's outer SEQUENCE are ignored;
/// the caller knows from the TLS length whether there should be any.
pub fn summarize(der: &[u8]) -> Result<CertificateSummary, CertError> {
    if let Some(needed) = missing_bytes(der) {
        return Err(CertError::Truncated { needed });
    }
    let (_, cert) = X509Certificate::from_der(der).map_err(|error| match error {
        NomErr::Incomplete(needed) => {
            let needed = match needed {
                Needed::Size(size) => size.get(),
                Needed::Unknown => 1,
            };
            CertError::Truncated { needed }
        }
        NomErr::Error(reason) | NomErr::Failure(reason) => {
            let mut text = Bounded::new(MAX_REASON_CHARS);
            text.push_str(&reason.to_string());
            CertError::Malformed(text.finish())
        }
    })?;
    let (dns_names, ip_addresses, omitted_alt_names) = alt_names(&cert);
    let subject = cert.subject();
    Ok(CertificateSummary {
        subject: distinguished_name(subject),
        issuer: distinguished_name(cert.issuer()),
        common_name: common_name(subject),
        dns_names,
        ip_addresses,
        omitted_alt_names,
        not_before: time(&cert.validity().not_before),
        not_after: time(&cert.validity().not_after),
        public_key: public_key(&cert),
        signature_algorithm: oid_name(&cert.signature_algorithm.algorithm, signature_name),
        self_signed: subject.as_raw() == cert.issuer().as_raw(),
    })
}

/// The protocols Wireshark's BER dissector enters inside a certificate, in the order
/// `frame.protocols` lists them: `x509sat` for each attribute of the issuer's and the
/// subject's names (the 2.5.4 attribute types), `pkcs-1` for an elliptic-curve key's
/// parameters, and `x509ce` for each certificate extension of the 2.5.29 arc. A certificate
/// x509-parser cannot read adds nothing.
pub fn protocols(der: &[u8], push: &mut dyn FnMut(&'static str) -> fmt::Result) -> fmt::Result {
    const ATTRIBUTE_TYPES: &str = "2.5.4.";
    const EXTENSIONS: &str = "2.5.29.";
    const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
    let Ok((_, cert)) = X509Certificate::from_der(der) else { return Ok(()) };
    for name in [cert.issuer(), cert.subject()] {
        for attribute in name.iter_attributes() {
            if attribute.attr_type().to_id_string().starts_with(ATTRIBUTE_TYPES) {
                push("x509sat")?;
            }
        }
    }
    if cert.public_key().algorithm.algorithm.to_id_string() == EC_PUBLIC_KEY {
        push("pkcs-1")?;
    }
    for extension in cert.extensions() {
        if extension.oid.to_id_string().starts_with(EXTENSIONS) {
            push("x509ce")?;
        }
    }
    Ok(())
}

/// How many bytes `der` lacks of the SEQUENCE its first bytes announce, if it is short:
/// x509-parser reports a cut certificate as whichever inner field the cut fell in, so the
/// outer length is what tells truncated from malformed. Anything but a SEQUENCE is left to the
/// parser to reject.
fn missing_bytes(der: &[u8]) -> Option<usize> {
    const SEQUENCE: u8 = 0x30;
    let (header_len, content_len) = match der {
        [] => return Some(2),
        [SEQUENCE] => return Some(1),
        [SEQUENCE, short, ..] if short & 0x80 == 0 => (2, usize::from(*short)),
        [SEQUENCE, long, rest @ ..] => {
            let count = usize::from(long & 0x7f);
            // Indefinite (0x80) or more than 4 length bytes: not DER this module will read,
            // so leave the verdict to the parser.
            if count == 0 || count > 4 {
                return None;
            }
            let Some(bytes) = rest.get(..count) else {
                return Some(count - rest.len());
            };
            let content_len = bytes.iter().fold(0usize, |len, &byte| (len << 8) | usize::from(byte));
            (2 + count, content_len)
        }
        _ => return None,
    };
    let total = content_len.saturating_add(header_len);
    (der.len() < total).then(|| total - der.len())
}

impl CertificateSummary {
    /// The name for a one-line summary: the commonName, else the first DNS name, else the
    /// whole subject.
    pub fn short_name(&self) -> &str {
        self.common_name.as_deref().or(self.dns_names.first().map(String::as_str)).unwrap_or(&self.subject)
    }
}

/// A string that stops growing at `limit` characters and marks the cut with `…` (so it holds
/// at most `limit + 1`), and writes control characters as escapes (`\u{1b}`) so a certificate
/// cannot drive the terminal.
struct Bounded {
    text: String,
    left: usize,
    cut: bool,
}

impl Bounded {
    fn new(limit: usize) -> Self {
        Self { text: String::new(), left: limit, cut: false }
    }

    fn push(&mut self, c: char) {
        if self.cut {
            return;
        }
        let mut escape = String::new();
        if c.is_control() {
            // Writing into a String cannot fail.
            let _ = write!(escape, "\\u{{{:x}}}", u32::from(c));
        }
        let width = if escape.is_empty() { 1 } else { escape.len() };
        if width > self.left {
            self.text.push('…');
            self.cut = true;
            return;
        }
        self.left -= width;
        if escape.is_empty() {
            self.text.push(c);
        } else {
            self.text.push_str(&escape);
        }
    }

    fn push_str(&mut self, s: &str) {
        for c in s.chars() {
            if self.cut {
                break;
            }
            self.push(c);
        }
    }

    fn is_full(&self) -> bool {
        self.cut
    }

    fn finish(self) -> String {
        self.text
    }
}

/// A Name as Wireshark's `rdnSequence` line shows it: RDNs from last to first, separated by
/// `,`; the attributes of a multi-valued RDN in encoded order, separated by `+`.
fn distinguished_name(name: &X509Name<'_>) -> String {
    let mut out = Bounded::new(MAX_NAME_CHARS);
    let rdns: Vec<_> = name.iter().collect();
    for (i, rdn) in rdns.iter().rev().enumerate() {
        if out.is_full() {
            break;
        }
        if i > 0 {
            out.push(',');
        }
        for (j, attribute) in rdn.iter().enumerate() {
            if out.is_full() {
                break;
            }
            if j > 0 {
                out.push('+');
            }
            out.push_str(&oid_name(attribute.attr_type(), attribute_name));
            out.push('=');
            out.push_str(&attribute_value(attribute));
        }
    }
    out.finish()
}

/// The last commonName of a name: the most specific one when there are several.
fn common_name(name: &X509Name<'_>) -> Option<String> {
    name.iter_common_name().last().map(attribute_value)
}

/// An attribute's value as text: the DirectoryString decoded from whichever of its encodings
/// the certificate used, or `#` and hex for a value that is not a string.
fn attribute_value(attribute: &AttributeTypeAndValue<'_>) -> String {
    let value: &Any<'_> = attribute.attr_value();
    let bytes = value.as_bytes();
    let mut out = Bounded::new(MAX_VALUE_CHARS);
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::NumericString | Tag::VisibleString => {
            out.push_str(&String::from_utf8_lossy(bytes))
        }
        // T.61 in practice carries Latin-1.
        Tag::TeletexString => bytes.iter().for_each(|&b| out.push(char::from(b))),
        Tag::BmpString => {
            let units = bytes.chunks(2).map(|pair| match pair {
                [high, low] => u16::from_be_bytes([*high, *low]),
                _ => 0xfffd,
            });
            char::decode_utf16(units).for_each(|c| out.push(c.unwrap_or(char::REPLACEMENT_CHARACTER)));
        }
        Tag::UniversalString => bytes.chunks(4).for_each(|quad| {
            let code = match quad {
                [a, b, c, d] => u32::from_be_bytes([*a, *b, *c, *d]),
                _ => 0xfffd,
            };
            out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
        }),
        _ => {
            out.push('#');
            for byte in bytes {
                if out.is_full() {
                    break;
                }
                out.push_str(&format!("{byte:02x}"));
            }
        }
    }
    out.finish()
}

/// The dNSName and iPAddress entries of subjectAltName, and how many did not fit. A missing,
/// duplicated or unreadable extension gives empty lists: the rest of the summary still stands.
fn alt_names(cert: &X509Certificate<'_>) -> (Vec<String>, Vec<IpAddr>, usize) {
    let (mut dns_names, mut ip_addresses, mut omitted) = (Vec::new(), Vec::new(), 0);
    let Ok(Some(extension)) = cert.subject_alternative_name() else {
        return (dns_names, ip_addresses, omitted);
    };
    for name in &extension.value.general_names {
        match name {
            GeneralName::DNSName(host) if dns_names.len() < MAX_ALT_NAMES => {
                let mut text = Bounded::new(MAX_VALUE_CHARS);
                text.push_str(host);
                dns_names.push(text.finish());
            }
            GeneralName::IPAddress(bytes) if ip_addresses.len() < MAX_ALT_NAMES => {
                if let Ok(octets) = <[u8; 4]>::try_from(*bytes) {
                    ip_addresses.push(IpAddr::V4(Ipv4Addr::from(octets)));
                } else if let Ok(octets) = <[u8; 16]>::try_from(*bytes) {
                    ip_addresses.push(IpAddr::V6(Ipv6Addr::from(octets)));
                }
            }
            GeneralName::DNSName(_) | GeneralName::IPAddress(_) => omitted += 1,
            _ => {}
        }
    }
    (dns_names, ip_addresses, omitted)
}

/// A validity time the way Wireshark's tree shows it. Its UTCTime and GeneralizedTime lines
/// differ (the second goes through its absolute-time formatter), and so do these.
fn time(time: &ASN1Time) -> String {
    let at = time.to_datetime();
    let (year, day) = (at.year(), at.day());
    let (hour, minute, second) = (at.hour(), at.minute(), at.second());
    if time.is_utctime() {
        let month = u8::from(at.month());
        format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02} (UTC)")
    } else {
        const MONTHS: [&str; 12] =
            ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let month = MONTHS.get(usize::from(u8::from(at.month())).saturating_sub(1)).unwrap_or(&"???");
        let nanos = at.nanosecond();
        format!("{month} {day:>2}, {year} {hour:02}:{minute:02}:{second:02}.{nanos:09} UTC")
    }
}

/// The key's algorithm and size.
fn public_key(cert: &X509Certificate<'_>) -> String {
    let spki = cert.public_key();
    let algorithm = spki.algorithm.algorithm.to_id_string();
    let key: &[u8] = &spki.subject_public_key.data;
    // rsaEncryption and id-RSASSA-PSS both hold an RSAPublicKey.
    let rsa = |kind: &str| match RSAPublicKey::from_der(key) {
        Ok((_, rsa)) => format!("{kind} {} bits", significant_bits(rsa.modulus)),
        Err(_) => format!("{kind} (unreadable key)"),
    };
    match algorithm.as_str() {
        "1.2.840.113549.1.1.1" => rsa("RSA"),
        "1.2.840.113549.1.1.10" => rsa("RSA-PSS"),
        "1.2.840.10045.2.1" => {
            let curve =
                spki.algorithm.parameters.as_ref().and_then(|parameters| Oid::try_from(parameters).ok());
            match curve {
                Some(curve) => format!("EC {}", oid_name(&curve, curve_name)),
                None => "EC (explicit parameters)".to_owned(),
            }
        }
        "1.3.101.110" => "X25519".to_owned(),
        "1.3.101.111" => "X448".to_owned(),
        "1.3.101.112" => "Ed25519".to_owned(),
        "1.3.101.113" => "Ed448".to_owned(),
        "1.2.840.10040.4.1" => "DSA".to_owned(),
        "2.16.840.1.101.3.4.3.17" => "ML-DSA-44".to_owned(),
        "2.16.840.1.101.3.4.3.18" => "ML-DSA-65".to_owned(),
        "2.16.840.1.101.3.4.3.19" => "ML-DSA-87".to_owned(),
        _ => oid_name(&spki.algorithm.algorithm, |_| None),
    }
}

/// The size in bits of a big-endian unsigned integer, leading zeros not counted.
fn significant_bits(integer: &[u8]) -> usize {
    let digits = match integer.iter().position(|&byte| byte != 0) {
        Some(first) => &integer[first..],
        None => return 0,
    };
    let top = digits.first().map_or(0, |&byte| 8 - byte.leading_zeros() as usize);
    (digits.len() - 1) * 8 + top
}

/// An OID's name from `table`, or its dotted form (bounded) when the table does not know it.
fn oid_name(oid: &Oid<'_>, table: fn(&str) -> Option<&'static str>) -> String {
    let dotted = oid.to_id_string();
    match table(&dotted) {
        Some(name) => name.to_owned(),
        None => {
            let mut text = Bounded::new(MAX_OID_CHARS);
            text.push_str(&dotted);
            text.finish()
        }
    }
}

/// Attribute types of names, by the ASN.1 names Wireshark shows (X.520, PKCS #9, RFC 4519).
pub(crate) fn attribute_name(dotted: &str) -> Option<&'static str> {
    Some(match dotted {
        "2.5.4.3" => "id-at-commonName",
        "2.5.4.4" => "id-at-surname",
        "2.5.4.5" => "id-at-serialNumber",
        "2.5.4.6" => "id-at-countryName",
        "2.5.4.7" => "id-at-localityName",
        "2.5.4.8" => "id-at-stateOrProvinceName",
        "2.5.4.9" => "id-at-streetAddress",
        "2.5.4.10" => "id-at-organizationName",
        "2.5.4.11" => "id-at-organizationalUnitName",
        "2.5.4.12" => "id-at-title",
        "2.5.4.13" => "id-at-description",
        "2.5.4.15" => "id-at-businessCategory",
        "2.5.4.17" => "id-at-postalCode",
        "2.5.4.41" => "id-at-name",
        "2.5.4.42" => "id-at-givenName",
        "2.5.4.43" => "id-at-initials",
        "2.5.4.44" => "id-at-generationQualifier",
        "2.5.4.46" => "id-at-dnQualifier",
        "2.5.4.65" => "id-at-pseudonym",
        "2.5.4.97" => "id-at-organizationIdentifier",
        "1.2.840.113549.1.9.1" => "pkcs-9-at-emailAddress",
        "0.9.2342.19200300.100.1.1" => "userid",
        "0.9.2342.19200300.100.1.25" => "dc",
        "1.3.6.1.4.1.311.60.2.1.1" => "jurisdictionOfIncorporationLocalityName",
        "1.3.6.1.4.1.311.60.2.1.2" => "jurisdictionOfIncorporationStateOrProvinceName",
        "1.3.6.1.4.1.311.60.2.1.3" => "jurisdictionOfIncorporationCountryName",
        _ => return None,
    })
}

/// Certificate signature algorithms (RFC 3279, 4055, 5758, 8410, 9881), by ASN.1 name.
pub(crate) fn signature_name(dotted: &str) -> Option<&'static str> {
    Some(match dotted {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "id-RSASSA-PSS",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10040.4.3" => "id-dsa-with-sha1",
        "2.16.840.1.101.3.4.3.1" => "id-dsa-with-sha224",
        "2.16.840.1.101.3.4.3.2" => "id-dsa-with-sha256",
        // Wireshark 4.0 knows no name for these two and shows iso.3.101.112 and so on.
        "1.3.101.112" => "id-Ed25519",
        "1.3.101.113" => "id-Ed448",
        "1.2.156.10197.1.501" => "SM2-with-SM3",
        "2.16.840.1.101.3.4.3.17" => "id-ml-dsa-44",
        "2.16.840.1.101.3.4.3.18" => "id-ml-dsa-65",
        "2.16.840.1.101.3.4.3.19" => "id-ml-dsa-87",
        _ => return None,
    })
}

/// Named curves of EC keys (RFC 5480, RFC 5639), by their NIST name where they have one.
fn curve_name(dotted: &str) -> Option<&'static str> {
    Some(match dotted {
        "1.2.840.10045.3.1.1" => "P-192",
        "1.3.132.0.33" => "P-224",
        "1.2.840.10045.3.1.7" => "P-256",
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        "1.3.132.0.10" => "secp256k1",
        "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1",
        "1.3.36.3.3.2.8.1.1.11" => "brainpoolP384r1",
        "1.3.36.3.3.2.8.1.1.13" => "brainpoolP512r1",
        "1.2.156.10197.1.301" => "SM2",
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
