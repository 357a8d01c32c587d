use super::*;
use crate::dissect::field::{Field, Source};
use crate::testing::tls_message as message;

/// A small ClientHello: TLS 1.2 legacy version, random 00..1f, empty session id, two suites,
/// null compression, and server_name "localhost", ALPN "h2", supported_versions [1.3, 1.2].
fn client_hello() -> Vec<u8> {
    let mut body = vec![0x03, 0x03];
    body.extend(0u8..32); // random
    body.push(0); // session id length
    body.extend([0x00, 0x04, 0x13, 0x01, 0x13, 0x02]); // cipher suites
    body.extend([0x01, 0x00]); // compression methods: null
    let extensions: &[u8] = &[
        0x00, 0x00, 0x00, 0x0e, 0x00, 0x0c, 0x00, 0x00, 0x09, b'l', b'o', b'c', b'a', b'l', b'h', b'o', b's',
        b't', // server_name
        0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, b'h', b'2', // ALPN
        0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03, // supported_versions
    ];
    body.extend((extensions.len() as u16).to_be_bytes());
    body.extend(extensions);
    let mut message = vec![kind::CLIENT_HELLO, 0, 0, body.len() as u8];
    message.extend(body);
    message
}

fn field_values(bytes: &[u8], name: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut sink = |field: Field<'_>| {
        if field.name == name {
            values.push(field.value.to_string());
        }
    };
    let mut out = Emitter::new(&mut sink, 0, Source::Frame);
    fields(&mut out, &Span::new(bytes, Source::Decrypted, 0), Layout::default());
    values
}

#[test]
fn a_client_hello_is_read_for_the_session_and_for_its_fields() {
    let bytes = client_hello();
    let (messages, rest) = split_messages(&bytes);
    assert!(rest.is_empty());
    let hello = messages[0].hello().expect("a hello");
    assert_eq!(hello.server_name(), Some("localhost"));
    assert_eq!(hello.alpn().collect::<Vec<_>>(), [b"h2"]);
    assert_eq!(hello.random, (0u8..32).collect::<Vec<_>>());
    assert_eq!(field_values(&bytes, "tls.handshake.ciphersuite"), ["0x1301", "0x1302"]);
    assert_eq!(field_values(&bytes, "tls.handshake.extension.type"), ["0", "16", "43"]);
    assert_eq!(field_values(&bytes, "tls.handshake.extensions.supported_version"), ["0x0304", "0x0303"]);
    assert_eq!(field_values(&bytes, "tls.handshake.extensions_server_name"), ["localhost"]);
    assert_eq!(field_values(&bytes, "tls.handshake.session_id"), Vec::<String>::new());
}

#[test]
fn a_message_cut_anywhere_waits_for_the_rest_and_never_panics() {
    let bytes = client_hello();
    for cut in 0..bytes.len() {
        let (messages, rest) = split_messages(&bytes[..cut]);
        assert!(messages.is_empty(), "cut at {cut}");
        assert_eq!(rest.len(), cut);
        // The fields of a cut message show what they can.
        let _ = field_values(&bytes[..cut], "tls.handshake.type");
        let _ = Hello::parse(kind::CLIENT_HELLO, &bytes[HEADER_LEN.min(cut)..cut]);
    }
}

#[test]
fn a_hello_retry_request_is_told_from_a_server_hello() {
    let mut body = vec![0x03, 0x03];
    body.extend(HELLO_RETRY_REQUEST_RANDOM);
    body.extend([0, 0x13, 0x01, 0]); // session id, suite, compression
    let mut bytes = vec![kind::SERVER_HELLO, 0, 0, body.len() as u8];
    bytes.extend(body);
    let message = Message { kind: kind::SERVER_HELLO, bytes: &bytes };
    assert!(message.is_hello_retry_request());
    assert_eq!(message.info_name(), "Hello Retry Request");
}

/// One of every message kind the fields walk, with the fields each is expected to show.
fn every_message() -> Vec<(Vec<u8>, bool, &'static str, &'static str)> {
    let certificate = [0x30, 0x03, 0x02, 0x01, 0x05]; // a stand-in DER blob, 5 bytes
    let mut tls12_certificates = vec![0, 0, 8, 0, 0, 5];
    tls12_certificates.extend(certificate);
    // TLS 1.3: empty request context, list of one entry with empty extensions
    let mut tls13_certificates = vec![0, 0, 0, 10, 0, 0, 5];
    tls13_certificates.extend(certificate);
    tls13_certificates.extend([0, 0]);
    let mut server_hello = vec![0x03, 0x03];
    server_hello.extend([7u8; 32]);
    server_hello.extend([0, 0x13, 0x02, 0]); // session id, suite, compression
    // extensions: supported_versions TLS 1.3; key_share x25519 with a 2-byte key
    server_hello.extend([0, 16, 0, 43, 0, 2, 3, 4, 0, 51, 0, 6, 0, 29, 0, 2, 0xab, 0xcd]);
    vec![
        (message(kind::SERVER_HELLO, &server_hello), true, "tls.handshake.extensions_key_share_group", "29"),
        (message(kind::CERTIFICATE, &tls12_certificates), false, "tls.handshake.certificate_length", "5"),
        (message(kind::CERTIFICATE, &tls13_certificates), true, "tls.handshake.certificates_length", "10"),
        // lifetime 7200, age add, nonce of 1, ticket of 2, no extensions
        (
            message(kind::NEW_SESSION_TICKET, &[0, 0, 0x1c, 0x20, 1, 2, 3, 4, 1, 0, 0, 2, 9, 9, 0, 0]),
            true,
            "tls.handshake.session_ticket_lifetime_hint",
            "7200",
        ),
        // EncryptedExtensions with ALPN "h2"
        (
            message(kind::ENCRYPTED_EXTENSIONS, &[0, 9, 0, 16, 0, 5, 0, 3, 2, b'h', b'2']),
            true,
            "tls.handshake.extensions_alpn_str",
            "h2",
        ),
        // ECDHE ServerKeyExchange: named curve x25519, 2-byte point, rsa_pss_rsae_sha256, 1-byte signature
        (
            message(kind::SERVER_KEY_EXCHANGE, &[3, 0, 29, 2, 1, 2, 0x08, 0x04, 0, 1, 0xee]),
            false,
            "tls.handshake.sig_hash_alg",
            "0x0804",
        ),
        (
            message(kind::CERTIFICATE_VERIFY, &[0x04, 0x03, 0, 1, 0xee]),
            true,
            "tls.handshake.sig_hash_alg",
            "0x0403",
        ),
        // TLS 1.2 CertificateRequest: one type (rsa_sign), two algorithms, no names
        (
            message(kind::CERTIFICATE_REQUEST, &[1, 1, 0, 4, 0x04, 0x01, 0x08, 0x04, 0, 0]),
            false,
            "tls.handshake.sig_hash_alg_len",
            "4",
        ),
        (message(kind::FINISHED, &[0x55; 32]), true, "tls.handshake.verify_data", "1"),
        (message(kind::KEY_UPDATE, &[1]), true, "tls.handshake.type", "24"),
    ]
}

fn message_fields(bytes: &[u8], tls13: bool, name: &str) -> Vec<String> {
    laid_out_fields(bytes, Layout { tls13, ..Layout::default() }, name)
}

fn laid_out_fields(bytes: &[u8], layout: Layout, name: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut sink = |field: Field<'_>| {
        if field.name == name {
            values.push(field.value.to_string());
        }
    };
    let mut out = Emitter::new(&mut sink, 0, Source::Frame);
    fields(&mut out, &Span::new(bytes, Source::Decrypted, 0), layout);
    values
}

#[test]
fn a_server_key_exchange_shows_its_curve_and_point_or_its_dh_parameters() {
    let ecdhe = message(kind::SERVER_KEY_EXCHANGE, &[3, 0, 29, 2, 1, 2, 0x08, 0x04, 0, 1, 0xee]);
    assert_eq!(message_fields(&ecdhe, false, "tls.handshake.server_curve_type"), ["0x03"]);
    assert_eq!(message_fields(&ecdhe, false, "tls.handshake.server_named_curve"), ["0x001d"]);
    assert_eq!(message_fields(&ecdhe, false, "tls.handshake.server_point"), ["0102"]);
    assert_eq!(message_fields(&ecdhe, false, "tls.handshake.sig"), ["ee"]);
    // DHE before TLS 1.2: p, g, Ys, then the signature with no algorithm before it.
    let dhe = message(kind::SERVER_KEY_EXCHANGE, &[0, 1, 0x17, 0, 1, 2, 0, 2, 9, 8, 0, 1, 0xee]);
    assert_eq!(message_fields(&dhe, false, "tls.handshake.p"), ["17"]);
    assert_eq!(message_fields(&dhe, false, "tls.handshake.g"), ["02"]);
    assert_eq!(message_fields(&dhe, false, "tls.handshake.ys"), ["0908"]);
    assert_eq!(message_fields(&dhe, false, "tls.handshake.sig"), ["ee"]);
    assert!(message_fields(&dhe, false, "tls.handshake.server_curve_type").is_empty());
}

#[test]
fn a_certificate_request_shows_its_types_algorithms_and_names_length() {
    // GnuTLS's over DTLS 1.2: rsa_sign and ecdsa_sign, one algorithm, one 3-byte name.
    let request =
        message(kind::CERTIFICATE_REQUEST, &[2, 1, 64, 0, 2, 0x04, 0x03, 0, 5, 0, 3, 0x30, 0x01, 0x00]);
    assert_eq!(message_fields(&request, false, "tls.handshake.cert_types_count"), ["2"]);
    assert_eq!(message_fields(&request, false, "tls.handshake.cert_type"), ["1", "64"]);
    assert_eq!(message_fields(&request, false, "tls.handshake.sig_hash_alg"), ["0x0403"]);
    assert_eq!(message_fields(&request, false, "tls.handshake.dnames_len"), ["5"]);
    // Cut in the names' length: what came before is still shown.
    let cut = message(kind::CERTIFICATE_REQUEST, &[1, 1, 0, 2, 0x04, 0x03, 0]);
    assert_eq!(message_fields(&cut, false, "tls.handshake.cert_type"), ["1"]);
    assert!(message_fields(&cut, false, "tls.handshake.dnames_len").is_empty());
}

#[test]
fn a_client_key_exchange_is_read_by_the_sessions_key_exchange_and_not_without_it() {
    let layout = |key_exchange| Layout { key_exchange, ..Layout::default() };
    let point = message(kind::CLIENT_KEY_EXCHANGE, &[2, 0xab, 0xcd]);
    let ecdhe = layout(KeyExchange::Ecdhe);
    assert_eq!(laid_out_fields(&point, ecdhe, "tls.handshake.client_point_len"), ["2"]);
    assert_eq!(laid_out_fields(&point, ecdhe, "tls.handshake.client_point"), ["abcd"]);
    // The same two-byte vector is an encrypted premaster secret or a DH public value.
    let vector = message(kind::CLIENT_KEY_EXCHANGE, &[0, 2, 0xab, 0xcd]);
    assert_eq!(laid_out_fields(&vector, layout(KeyExchange::Rsa), "tls.handshake.epms"), ["abcd"]);
    assert_eq!(laid_out_fields(&vector, layout(KeyExchange::Dhe), "tls.handshake.yc"), ["abcd"]);
    assert!(laid_out_fields(&vector, layout(KeyExchange::Dhe), "tls.handshake.epms").is_empty());
    // Unknown: only the header, as tshark before it knows the suite.
    assert_eq!(laid_out_fields(&vector, Layout::default(), "tls.handshake.type"), ["16"]);
    for name in ["tls.handshake.epms_len", "tls.handshake.yc_len", "tls.handshake.client_point_len"] {
        assert!(laid_out_fields(&vector, Layout::default(), name).is_empty(), "{name}");
    }
    // Cut short: what was there is shown, nothing past the end.
    let cut = message(kind::CLIENT_KEY_EXCHANGE, &[0, 9, 0xab]);
    assert!(laid_out_fields(&cut, layout(KeyExchange::Rsa), "tls.handshake.epms").is_empty());
}

#[test]
fn every_message_kind_shows_its_fields() {
    for (bytes, tls13, name, expected) in every_message() {
        assert_eq!(message_fields(&bytes, tls13, name), [expected], "{name} of {bytes:02x?}");
    }
    let (tls12, _, _, _) = &every_message()[1];
    assert_eq!(certificates(tls12).collect::<Vec<_>>(), [&[0x30, 0x03, 0x02, 0x01, 0x05][..]]);
    let (tls13, _, _, _) = &every_message()[2];
    assert_eq!(certificates(tls13).count(), 1);
}

#[test]
fn every_message_kind_cut_anywhere_shows_what_it_has_and_never_panics() {
    for (bytes, tls13, _, _) in every_message() {
        for cut in 0..bytes.len() {
            let part = &bytes[..cut];
            for version in [tls13, !tls13] {
                let _ = message_fields(part, version, "tls.handshake.type");
            }
            let _ = certificates(part).count();
            let _ = Message { kind: bytes[0], bytes: part }.hello();
            let _ = split_messages(part);
        }
    }
}

/// Chrome's ordering: a GREASE extension first (empty), status_request (5) after it, a
/// zero-length extension (extended_master_secret), and a one-byte GREASE extension last.
/// Every extension is listed, in order, with its length.
#[test]
fn every_extension_of_a_chrome_like_hello_is_listed_grease_and_empty_ones_included() {
    let mut body = vec![0x03, 0x03];
    body.extend(0u8..32); // random
    body.push(0); // session id length
    body.extend([0x00, 0x04, 0x0a, 0x0a, 0x13, 0x01]); // cipher suites: GREASE, TLS_AES_128_GCM_SHA256
    body.extend([0x01, 0x00]); // compression methods: null
    let extensions: &[u8] = &[
        0x0a, 0x0a, 0x00, 0x00, // GREASE, empty
        0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, // status_request: OCSP, no ids
        0x00, 0x17, 0x00, 0x00, // extended_master_secret, empty
        0x1a, 0x1a, 0x00, 0x01, 0x00, // GREASE, one byte
    ];
    body.extend((extensions.len() as u16).to_be_bytes());
    body.extend(extensions);
    let bytes = message(kind::CLIENT_HELLO, &body);
    assert_eq!(field_values(&bytes, "tls.handshake.extension.type"), ["2570", "5", "23", "6682"]);
    assert_eq!(field_values(&bytes, "tls.handshake.extension.len"), ["0", "5", "0", "1"]);
}
