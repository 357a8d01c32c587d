use super::*;

// Made by the openssl commands in fixtures/certs/README.md.
const RSA_SAN: &[u8] = include_bytes!("../../../../fixtures/certs/rsa2048-san.der");
const EC_P256: &[u8] = include_bytes!("../../../../fixtures/certs/ec-p256.der");
const ED25519: &[u8] = include_bytes!("../../../../fixtures/certs/ed25519.der");
const CA_P384: &[u8] = include_bytes!("../../../../fixtures/certs/ca-p384.der");
const LEAF: &[u8] = include_bytes!("../../../../fixtures/certs/leaf-signed-by-ca.der");
const ALL: [&[u8]; 5] = [RSA_SAN, EC_P256, ED25519, CA_P384, LEAF];

/// The CA's name as tshark 4.0 prints it: last RDN first, the two-valued RDN joined by `+`.
const CA_NAME: &str = "id-at-organizationalUnitName=fixtures+id-at-commonName=rttscope root,\
                       id-at-organizationName=rttscope test CA,id-at-countryName=SE";

#[test]
fn rsa_certificate_with_dns_and_ip_alt_names() {
    let cert = summarize(RSA_SAN).expect("valid certificate");
    assert_eq!(cert.subject, "id-at-commonName=localhost,id-at-organizationName=rttscope");
    assert_eq!(cert.issuer, cert.subject);
    assert_eq!(cert.dns_names, ["localhost", "rttscope.test"]);
    let loopbacks: [IpAddr; 2] = [Ipv4Addr::LOCALHOST.into(), Ipv6Addr::LOCALHOST.into()];
    assert_eq!(cert.ip_addresses, loopbacks);
    assert_eq!(cert.omitted_alt_names, 0);
    assert_eq!(cert.not_before, "2026-11-22 08:12:40 (UTC)");
    assert_eq!(cert.not_after, "2036-11-19 08:12:40 (UTC)");
    assert_eq!(cert.public_key, "RSA 2048 bits");
    assert_eq!(cert.signature_algorithm, "sha256WithRSAEncryption");
    assert!(cert.self_signed);
    assert_eq!(cert.short_name(), "localhost");
}

#[test]
fn ec_p256_certificate() {
    let cert = summarize(EC_P256).expect("valid certificate");
    assert_eq!(cert.subject, "id-at-commonName=ec.rttscope.test");
    assert_eq!(cert.dns_names, ["ec.rttscope.test"]);
    assert!(cert.ip_addresses.is_empty());
    assert_eq!(cert.public_key, "EC P-256");
    assert_eq!(cert.signature_algorithm, "ecdsa-with-SHA256");
    assert!(cert.self_signed);
}

#[test]
fn ed25519_certificate_without_alt_names() {
    let cert = summarize(ED25519).expect("valid certificate");
    assert_eq!(cert.subject, "id-at-commonName=ed25519.rttscope.test");
    assert!(cert.dns_names.is_empty() && cert.ip_addresses.is_empty());
    assert_eq!(cert.public_key, "Ed25519");
    assert_eq!(cert.signature_algorithm, "id-Ed25519");
    assert_eq!(cert.short_name(), "ed25519.rttscope.test");
}

#[test]
fn ca_with_multi_valued_rdn_and_generalized_time() {
    let cert = summarize(CA_P384).expect("valid certificate");
    assert_eq!(cert.subject, CA_NAME);
    assert_eq!(cert.common_name.as_deref(), Some("rttscope root"));
    assert_eq!(cert.not_before, "2026-11-22 08:12:40 (UTC)");
    // Valid past 2049, so a GeneralizedTime, which Wireshark prints differently.
    assert_eq!(cert.not_after, "Oct 29, 2126 08:12:40.000000000 UTC");
    assert_eq!(cert.public_key, "EC P-384");
    assert_eq!(cert.signature_algorithm, "ecdsa-with-SHA384");
    assert!(cert.self_signed);
}

#[test]
fn leaf_signed_by_the_ca() {
    let cert = summarize(LEAF).expect("valid certificate");
    assert_eq!(cert.subject, "id-at-commonName=leaf.rttscope.test");
    assert_eq!(cert.issuer, CA_NAME);
    assert!(!cert.self_signed);
    assert_eq!(cert.dns_names, ["leaf.rttscope.test", "*.leaf.rttscope.test"]);
    assert_eq!(cert.not_after, "2029-02-24 08:12:41 (UTC)");
    assert_eq!(cert.public_key, "RSA 2048 bits");
    assert_eq!(cert.signature_algorithm, "ecdsa-with-SHA384");
}

#[test]
fn every_truncation_is_an_error() {
    for der in ALL {
        for cut in 0..der.len() {
            let error = summarize(&der[..cut]).expect_err("a cut certificate");
            assert!(matches!(error, CertError::Truncated { .. }), "cut at {cut}: {error}");
            // Past the 4-byte outer header, the shortfall is known exactly.
            if cut >= 4 {
                assert_eq!(error, CertError::Truncated { needed: der.len() - cut });
            }
        }
        assert!(summarize(der).is_ok());
    }
    assert_eq!(summarize(&[]), Err(CertError::Truncated { needed: 2 }));
    assert_eq!(summarize(&LEAF[..LEAF.len() - 3]), Err(CertError::Truncated { needed: 3 }));
    // 30 82 02 cd: a SEQUENCE of 717 bytes, of which only the length's first byte came.
    assert_eq!(summarize(&LEAF[..3]), Err(CertError::Truncated { needed: 1 }));
    assert_eq!(CertError::Truncated { needed: 1 }.to_string(), "certificate truncated: 1 more byte needed");
    assert_eq!(summarize(&LEAF[..4]), Err(CertError::Truncated { needed: 717 }));
}

#[test]
fn garbage_is_malformed_in_one_line() {
    let error = summarize(b"GET / HTTP/1.1\r\n\r\n").expect_err("not DER");
    assert!(matches!(error, CertError::Malformed(_)), "{error:?}");
    assert!(!error.to_string().contains('\n'));
}

#[test]
fn flipped_bytes_never_panic() {
    for der in ALL {
        let mut copy = der.to_vec();
        for at in 0..copy.len() {
            let original = copy[at];
            for replacement in [original ^ 0xff, original ^ 0x01, 0x00, 0x80, 0xff] {
                copy[at] = replacement;
                if let Ok(cert) = summarize(&copy) {
                    assert!(cert.subject.chars().count() <= MAX_NAME_CHARS + 1);
                    assert!(cert.dns_names.len() <= MAX_ALT_NAMES);
                }
            }
            copy[at] = original;
        }
    }
}

#[test]
fn control_characters_in_names_are_escaped() {
    // Overwrite the first byte of the subject's CN "ed25519.rttscope.test" (the second of
    // the two, after the issuer's) with ESC: still a valid UTF8String of the same length.
    let mut copy = ED25519.to_vec();
    let at = copy.windows(7).rposition(|w| w == b"ed25519").expect("the CN is in the DER");
    copy[at] = 0x1b;
    let cert = summarize(&copy).expect("still a certificate");
    assert_eq!(cert.common_name.as_deref(), Some("\\u{1b}d25519.rttscope.test"));
    assert_eq!(cert.subject, "id-at-commonName=\\u{1b}d25519.rttscope.test");
    assert!(!cert.self_signed);
}

/// DER type-length-value with the length in short or long form.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// An Ed25519 certificate (unsigned: the signature is zeros) with the given commonName
/// and `dns_count` dNSName entries, to test the bounds.
fn hostile_certificate(common_name: &str, dns_count: usize) -> Vec<u8> {
    let ed25519 = tlv(0x30, &tlv(0x06, &[0x2b, 0x65, 0x70])); // AlgorithmIdentifier 1.3.101.112
    let cn = tlv(0x30, &[tlv(0x06, &[0x55, 0x04, 0x03]), tlv(0x0c, common_name.as_bytes())].concat());
    let name = tlv(0x30, &tlv(0x31, &cn)); // Name: one RDN holding the CN
    let validity = tlv(0x30, &[tlv(0x17, b"250101000000Z"), tlv(0x17, b"260101000000Z")].concat());
    let spki = tlv(0x30, &[ed25519.clone(), tlv(0x03, &[0; 33])].concat());
    let dns: Vec<u8> = (0..dns_count).flat_map(|i| tlv(0x82, format!("host{i}.test").as_bytes())).collect();
    let san = tlv(0x30, &[tlv(0x06, &[0x55, 0x1d, 0x11]), tlv(0x04, &tlv(0x30, &dns))].concat());
    let tbs = tlv(
        0x30,
        &[
            tlv(0xa0, &tlv(0x02, &[2])), // version v3
            tlv(0x02, &[1]),             // serialNumber
            ed25519.clone(),             // signature
            name.clone(),                // issuer
            validity,
            name, // subject
            spki,
            tlv(0xa3, &tlv(0x30, &san)), // extensions
        ]
        .concat(),
    );
    tlv(0x30, &[tbs, ed25519, tlv(0x03, &[0; 65])].concat())
}

#[test]
fn hostile_sizes_are_bounded() {
    let der = hostile_certificate(&"a".repeat(5000), MAX_ALT_NAMES + 10);
    let cert = summarize(&der).expect("well-formed if hostile");
    let common_name = cert.common_name.as_deref().unwrap_or_default();
    assert_eq!(common_name.chars().count(), MAX_VALUE_CHARS + 1);
    assert!(common_name.ends_with('…'));
    assert!(cert.subject.chars().count() <= MAX_NAME_CHARS + 1);
    assert_eq!(cert.dns_names.len(), MAX_ALT_NAMES);
    assert_eq!(cert.omitted_alt_names, 10);
    assert_eq!(cert.dns_names[0], "host0.test");
    assert_eq!(cert.not_before, "2025-01-01 00:00:00 (UTC)");
    assert_eq!(cert.short_name(), common_name);
}

#[test]
fn short_name_falls_back_to_the_first_dns_name() {
    let mut cert = summarize(RSA_SAN).expect("valid certificate");
    cert.common_name = None;
    assert_eq!(cert.short_name(), "localhost");
    cert.dns_names.clear();
    assert_eq!(cert.short_name(), cert.subject);
}

#[test]
fn bounded_text_counts_escapes_and_marks_the_cut() {
    let mut text = Bounded::new(10);
    // "ab" (2), BEL as the 5 characters \u{7}, "cde" (3): 10, then the cut.
    text.push_str("ab\u{7}cdefghijkl");
    assert!(text.is_full());
    assert_eq!(text.finish(), "ab\\u{7}cde…");
    let mut text = Bounded::new(10);
    text.push_str("0123456789");
    assert!(!text.is_full());
    assert_eq!(text.finish(), "0123456789");
}

#[test]
fn significant_bits_ignore_leading_zeros() {
    assert_eq!(significant_bits(&[0x00, 0x80, 0x00]), 16);
    assert_eq!(significant_bits(&[0x01, 0xff]), 9);
    assert_eq!(significant_bits(&[0, 0]), 0);
    assert_eq!(significant_bits(&[]), 0);
}
