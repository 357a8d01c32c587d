use super::*;

// Made by the openssl commands in fixtures/certs/README.md.
const EC_P256: &[u8] = include_bytes!("../../../../fixtures/certs/ec-p256.der");
const RSA_SAN: &[u8] = include_bytes!("../../../../fixtures/certs/rsa2048-san.der");
const CA_P384: &[u8] = include_bytes!("../../../../fixtures/certs/ca-p384.der");
const ED25519: &[u8] = include_bytes!("../../../../fixtures/certs/ed25519.der");
const LEAF: &[u8] = include_bytes!("../../../../fixtures/certs/leaf-signed-by-ca.der");
const LONG_NAMES: &[u8] = include_bytes!("../../../../fixtures/certs/long-names.der");
const ALL: [&[u8]; 6] = [EC_P256, RSA_SAN, CA_P384, ED25519, LEAF, LONG_NAMES];

/// The subtree as `(depth, line)` pairs.
fn tree(der: &[u8]) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    write(&mut |depth, line| lines.push((depth, line.to_owned())), 0, der);
    lines
}

fn text(der: &[u8]) -> String {
    tree(der).iter().map(|(depth, line)| format!("{}{line}\n", "    ".repeat(*depth))).collect()
}

/// The EC certificate's tree as tshark 4.0.17 draws it (its `-V` of the certificate in a
/// Certificate message), keys and signature cut at 36 bytes.
#[test]
fn an_ec_certificate_is_drawn_as_tshark_draws_it() {
    let expected = "\
signedCertificate
    version: v3 (2)
    serialNumber: 0x6d5d38d5574a63899df99639010ea534e2e95cfd
    signature (ecdsa-with-SHA256)
        Algorithm Id: 1.2.840.10045.4.3.2 (ecdsa-with-SHA256)
    issuer: rdnSequence (0)
        rdnSequence: 1 item (id-at-commonName=ec.rttscope.test)
            RDNSequence item: 1 item (id-at-commonName=ec.rttscope.test)
                RelativeDistinguishedName item (id-at-commonName=ec.rttscope.test)
                    Object Id: 2.5.4.3 (id-at-commonName)
                    DirectoryString: uTF8String (4)
                        uTF8String: ec.rttscope.test
    validity
        notBefore: utcTime (0)
            utcTime: 2026-11-22 08:12:40 (UTC)
        notAfter: utcTime (0)
            utcTime: 2036-11-19 08:12:40 (UTC)
    subject: rdnSequence (0)
        rdnSequence: 1 item (id-at-commonName=ec.rttscope.test)
            RDNSequence item: 1 item (id-at-commonName=ec.rttscope.test)
                RelativeDistinguishedName item (id-at-commonName=ec.rttscope.test)
                    Object Id: 2.5.4.3 (id-at-commonName)
                    DirectoryString: uTF8String (4)
                        uTF8String: ec.rttscope.test
    subjectPublicKeyInfo
        algorithm (id-ecPublicKey)
            Algorithm Id: 1.2.840.10045.2.1 (id-ecPublicKey)
            ECParameters: namedCurve (1)
                namedCurve: 1.2.840.10045.3.1.7 (secp256r1)
        Padding: 0
        subjectPublicKey: 04f98159903efff9ee9249878bf52439ead5b4c7ef741b69952a3ccd10fd9d8c5d648a48…
    extensions: 4 items
        Extension (id-ce-subjectKeyIdentifier)
            Extension Id: 2.5.29.14 (id-ce-subjectKeyIdentifier)
            SubjectKeyIdentifier: 099b3f004c4bdf45c5e3264e302c8f2e1764189f
        Extension (id-ce-authorityKeyIdentifier)
            Extension Id: 2.5.29.35 (id-ce-authorityKeyIdentifier)
            AuthorityKeyIdentifier
                keyIdentifier: 099b3f004c4bdf45c5e3264e302c8f2e1764189f
        Extension (id-ce-basicConstraints)
            Extension Id: 2.5.29.19 (id-ce-basicConstraints)
            critical: True
            BasicConstraintsSyntax
                cA: True
        Extension (id-ce-subjectAltName)
            Extension Id: 2.5.29.17 (id-ce-subjectAltName)
            GeneralNames: 1 item
                GeneralName: dNSName (2)
                    dNSName: ec.rttscope.test
algorithmIdentifier (ecdsa-with-SHA256)
    Algorithm Id: 1.2.840.10045.4.3.2 (ecdsa-with-SHA256)
Padding: 0
encrypted: 3045022100d3105526299e9847c20544f05a637ef9f7e10cfe778adf52f840057ee0bad6…
";
    assert_eq!(text(EC_P256), expected);
    assert_eq!(subject(EC_P256).as_deref(), Some("id-at-commonName=ec.rttscope.test"));
}

/// An RSA key is drawn as its modulus and exponent, with no padding line; a two-valued RDN,
/// a country and a GeneralizedTime are worded as tshark words them; IP addresses are addresses.
#[test]
fn rsa_keys_names_times_and_addresses_are_worded_as_tshark_words_them() {
    let rsa = text(RSA_SAN);
    assert!(rsa.contains("\n        subjectPublicKey: 3082010a"), "{rsa}");
    assert!(rsa.contains("\n            modulus: 0x00"), "{rsa}");
    assert!(rsa.contains("\n            publicExponent: 65537\n"), "{rsa}");
    assert!(!rsa.contains("\n        Padding:"), "{rsa}");
    assert!(rsa.contains("\n                    iPAddress: 127.0.0.1\n"), "{rsa}");
    assert!(rsa.contains("\n                    iPAddress: ::1\n"), "{rsa}");
    let ca = text(CA_P384);
    let rdn =
        "RDNSequence item: 2 items (id-at-organizationalUnitName=fixtures+id-at-commonName=rttscope root)";
    assert!(ca.contains(rdn), "{ca}");
    assert!(ca.contains("CountryName: SE\n"), "{ca}");
    assert!(ca.contains("notAfter: generalizedTime (1)\n"), "{ca}");
    assert!(ca.contains("generalizedTime: Oct 29, 2126 08:12:40.000000000 UTC\n"), "{ca}");
    assert!(ca.contains("namedCurve: 1.3.132.0.34 (secp384r1)\n"), "{ca}");
    // Wireshark 4.0 has no name for Ed25519.
    assert!(text(ED25519).contains("Algorithm Id: 1.3.101.112 (iso.3.101.112)\n"));
}

/// A certificate cut anywhere draws what its bytes still hold and nothing else: the lines
/// before the cut element are the whole certificate's, none panics, and a longer cut never
/// draws fewer lines.
#[test]
fn a_cut_certificate_draws_what_can_be_read() {
    for der in ALL {
        let whole = tree(der);
        let mut drawn = 0;
        for cut in 0..der.len() {
            let lines = tree(&der[..cut]);
            assert!(lines.len() >= drawn, "a cut at {cut} drew fewer lines than the one before");
            drawn = lines.len();
            assert!(lines.len() <= whole.len());
            // The cut lies in the last element read, so all but the last few lines are whole,
            // but for the titles that count a list's items, which count what could be read.
            let settled = lines.len().saturating_sub(12);
            for ((depth, line), (whole_depth, whole_line)) in lines[..settled].iter().zip(&whole) {
                assert_eq!(depth, whole_depth, "cut at {cut}: {line}");
                assert!(
                    line == whole_line || line.contains(" item"),
                    "cut at {cut}: {line} for {whole_line}"
                );
            }
            let _ = subject(&der[..cut]);
        }
        assert_eq!(tree(der).len(), whole.len());
    }
    // Half a certificate still has its version, serial and issuer.
    let half = text(&RSA_SAN[..RSA_SAN.len() / 2]);
    assert!(half.starts_with("signedCertificate\n    version: v3 (2)\n    serialNumber: 0x"), "{half}");
    assert!(half.contains("issuer: rdnSequence (0)"), "{half}");
    assert!(!half.contains("encrypted:"), "{half}");
}

/// Headers that cannot be read end the walk; lengths past the bytes there are read as far as
/// they go; nothing panics.
#[test]
fn malformed_der_draws_nothing_it_cannot_read() {
    assert!(tree(&[]).is_empty());
    assert!(tree(&[0x30]).is_empty());
    // A length of five bytes is not DER.
    assert!(tree(&[0x30, 0x85, 1, 0, 0, 0, 0, 0x30, 0]).is_empty());
    // A SEQUENCE announcing 4 GiB around an empty TBSCertificate.
    assert_eq!(
        tree(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x00]),
        [(0, "signedCertificate".to_owned())]
    );
    // Every byte value in every position of a short certificate.
    for at in 0..EC_P256.len().min(200) {
        for value in [0x00, 0x30, 0x80, 0x84, 0xa3, 0xff] {
            let mut der = EC_P256.to_vec();
            der[at] = value;
            let _ = tree(&der);
            let _ = subject(&der);
        }
    }
}

#[test]
fn object_identifiers_are_dotted_and_overlong_arcs_are_marked() {
    assert_eq!(dotted(&[0x55, 0x1d, 0x13]), "2.5.29.19");
    assert_eq!(dotted(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]), "1.2.840.113549.1.1.11");
    // 2.999: a first byte past 80 belongs to arc 2.
    assert_eq!(dotted(&[0x88, 0x37]), "2.999");
    // A last arc cut short, and an arc longer than 64 bits.
    assert_eq!(dotted(&[0x55, 0x86]), "2.5…");
    assert!(dotted(&[0xff; 20]).ends_with('…'));
}

/// Lines too long for tshark's label buffer are cut as tshark 4.0.17 cuts them: a `Name: value`
/// field marked `[truncated]` and cut to 238 bytes, a title with a name appended cut to 239
/// bytes unmarked.
#[test]
fn lines_too_long_for_tsharks_labels_are_cut_as_tshark_cuts_them() {
    let certificate = crate::render::nest::Item {
        name: "tls.handshake.certificate",
        number: None,
        size: 0,
        raw: LONG_NAMES,
        line: "Certificate: 30",
    };
    let mut lines = Vec::new();
    write_certificate(&mut |_, line| lines.push(line.to_owned()), 0, &certificate);
    let a60 = "a".repeat(60);
    let dns = format!("dNSName [truncated]: {a60}.{a60}.{a60}.{}", "a".repeat(34));
    assert!(lines.contains(&dns), "{lines:#?}");
    let name = format!(
        "rdnSequence: 4 items (id-at-localityName={},id-at-commonName={},id-at-organizationalUnitName={}",
        "l".repeat(60),
        "c".repeat(60),
        "u".repeat(30)
    );
    assert_eq!(name.len(), 239);
    assert!(lines.contains(&name), "{lines:#?}");
    assert!(
        lines[0].starts_with("Certificate: 30 (id-at-localityName=ll") && lines[0].len() == 239,
        "{}",
        lines[0]
    );
    assert!(lines.iter().all(|line| line.len() <= 239));
}
