use super::*;

/// The sixteen GREASE values of RFC 8701, spelled out rather than computed.
const GREASE_VALUES: [u16; 16] = [
    0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba, 0xcaca,
    0xdada, 0xeaea, 0xfafa,
];

#[test]
fn grease_is_exactly_the_sixteen_reserved_values() {
    let found: Vec<u16> = (0..=u16::MAX).filter(|&value| is_grease(value)).collect();
    assert_eq!(found, GREASE_VALUES);
    let modes: Vec<u8> = (0..=u8::MAX).filter(|&value| is_grease_psk_key_exchange_mode(value)).collect();
    assert_eq!(modes, [0x0b, 0x2a, 0x49, 0x68, 0x87, 0xa6, 0xc5, 0xe4]);
}

#[test]
fn every_registry_that_carries_grease_names_it() {
    for value in GREASE_VALUES {
        assert_eq!(cipher_suite(value), Some(GREASE));
        assert_eq!(extension_type(value), Some(GREASE));
        assert_eq!(named_group(value), Some(GREASE));
        assert_eq!(signature_scheme(value), Some(GREASE));
        assert_eq!(version(value), Some(GREASE));
    }
    assert_eq!(psk_key_exchange_mode(0x2a), Some(GREASE));
    // Near misses are not GREASE.
    assert!(!is_grease(0x0a1a) && !is_grease(0x0b0b) && !is_grease(0xaaab));
    assert_eq!(cipher_suite(0x0a1a), None);
}

#[test]
fn record_and_handshake_names_read_as_in_wireshark() {
    assert_eq!(content_type(20), Some("Change Cipher Spec"));
    assert_eq!(content_type(22), Some("Handshake"));
    assert_eq!(content_type(23), Some("Application Data"));
    assert_eq!(content_type(24), Some("Heartbeat"));
    assert_eq!(content_type(0), None);
    assert_eq!(handshake_type(1), Some("Client Hello"));
    assert_eq!(handshake_type(6), Some("Hello Retry Request"));
    assert_eq!(handshake_type(8), Some("Encrypted Extensions"));
    assert_eq!(handshake_type(14), Some("Server Hello Done"));
    assert_eq!(handshake_type(21), Some("Client Certificate URL"));
    assert_eq!(handshake_type(25), Some("Compressed Certificate"));
    assert_eq!(handshake_type(254), Some("Message Hash"));
    assert_eq!(handshake_type(7), None);
    assert_eq!(handshake_type(255), None);
}

#[test]
fn alerts() {
    assert_eq!(alert_level(1), Some("Warning"));
    assert_eq!(alert_level(2), Some("Fatal"));
    assert_eq!(alert_level(3), None);
    assert_eq!(alert_description(0), Some("Close Notify"));
    assert_eq!(alert_description(20), Some("Bad Record MAC"));
    assert_eq!(alert_description(40), Some("Handshake Failure"));
    assert_eq!(alert_description(48), Some("Unknown CA"));
    assert_eq!(alert_description(112), Some("Unrecognized Name"));
    assert_eq!(alert_description(120), Some("No application Protocol"));
    assert_eq!(alert_description(121), Some("ECH Required"));
    assert_eq!(alert_description(2), None);
    assert_eq!(alert_description(255), None);
}

#[test]
fn versions() {
    assert_eq!(version(0x0300), Some("SSL 3.0"));
    assert_eq!(version(0x0301), Some("TLS 1.0"));
    assert_eq!(version(0x0302), Some("TLS 1.1"));
    assert_eq!(version(0x0303), Some("TLS 1.2"));
    assert_eq!(version(0x0304), Some("TLS 1.3"));
    assert_eq!(version(0x7f17), Some("TLS 1.3 (draft 23)"));
    assert_eq!(version(0xfefd), Some("DTLS 1.2"));
    assert_eq!(version(0x0305), None);
}

#[test]
fn cipher_suites_by_iana_name() {
    // As tshark shows them for the illustrated TLS 1.2 and 1.3 captures.
    assert_eq!(cipher_suite(0x1301), Some("TLS_AES_128_GCM_SHA256"));
    assert_eq!(cipher_suite(0x1302), Some("TLS_AES_256_GCM_SHA384"));
    assert_eq!(cipher_suite(0x1303), Some("TLS_CHACHA20_POLY1305_SHA256"));
    assert_eq!(cipher_suite(0x00ff), Some("TLS_EMPTY_RENEGOTIATION_INFO_SCSV"));
    assert_eq!(cipher_suite(0xc013), Some("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"));
    assert_eq!(cipher_suite(0xc02f), Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
    assert_eq!(cipher_suite(0xcca9), Some("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"));
    assert_eq!(cipher_suite(0x009d), Some("TLS_RSA_WITH_AES_256_GCM_SHA384"));
    assert_eq!(cipher_suite(0x000a), Some("TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
    assert_eq!(cipher_suite(0x5600), Some("TLS_FALLBACK_SCSV"));
    assert_eq!(cipher_suite(0x0000), Some("TLS_NULL_WITH_NULL_NULL"));
    assert_eq!(cipher_suite(0x0034), Some("TLS_DH_anon_WITH_AES_128_CBC_SHA"));
    assert_eq!(cipher_suite(0xd005), Some("TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256"));
    // Unassigned.
    assert_eq!(cipher_suite(0x0047), None);
    assert_eq!(cipher_suite(0x1308), None);
    assert_eq!(cipher_suite(0xd004), None);
    assert_eq!(cipher_suite(0xffff), None);
}

#[test]
fn extensions() {
    assert_eq!(extension_type(0), Some("server_name"));
    assert_eq!(extension_type(10), Some("supported_groups"));
    assert_eq!(extension_type(16), Some("application_layer_protocol_negotiation"));
    assert_eq!(extension_type(21), Some("padding"));
    assert_eq!(extension_type(35), Some("session_ticket"));
    assert_eq!(extension_type(43), Some("supported_versions"));
    assert_eq!(extension_type(51), Some("key_share"));
    assert_eq!(extension_type(57), Some("quic_transport_parameters"));
    assert_eq!(extension_type(17513), Some("application_settings"));
    assert_eq!(extension_type(0xfe0d), Some("encrypted_client_hello"));
    assert_eq!(extension_type(0xff01), Some("renegotiation_info"));
    assert_eq!(extension_type(63), None);
    assert_eq!(extension_type(0xffff), None);
}

#[test]
fn groups_and_signature_schemes() {
    assert_eq!(named_group(23), Some("secp256r1"));
    assert_eq!(named_group(25), Some("secp521r1"));
    assert_eq!(named_group(29), Some("x25519"));
    assert_eq!(named_group(30), Some("x448"));
    assert_eq!(named_group(256), Some("ffdhe2048"));
    assert_eq!(named_group(260), Some("ffdhe8192"));
    assert_eq!(named_group(0x11ec), Some("X25519MLKEM768"));
    assert_eq!(named_group(0x11eb), Some("SecP256r1MLKEM768"));
    assert_eq!(named_group(0x6399), Some("X25519Kyber768Draft00"));
    assert_eq!(named_group(0), None);
    assert_eq!(named_group(261), None);
    assert_eq!(signature_scheme(0x0401), Some("rsa_pkcs1_sha256"));
    assert_eq!(signature_scheme(0x0403), Some("ecdsa_secp256r1_sha256"));
    assert_eq!(signature_scheme(0x0804), Some("rsa_pss_rsae_sha256"));
    assert_eq!(signature_scheme(0x0807), Some("ed25519"));
    assert_eq!(signature_scheme(0x080b), Some("rsa_pss_pss_sha512"));
    assert_eq!(signature_scheme(0x0201), Some("rsa_pkcs1_sha1"));
    assert_eq!(signature_scheme(0x0203), Some("ecdsa_sha1"));
    // TLS 1.2 pairs without an IANA name, as tshark writes them.
    assert_eq!(signature_scheme(0x0301), Some("SHA224 RSA"));
    assert_eq!(signature_scheme(0x0202), Some("SHA1 DSA"));
    assert_eq!(signature_scheme(0x0103), Some("MD5 ECDSA"));
    assert_eq!((hash_algorithm(4), signature_algorithm(3)), (Some("SHA256"), Some("ECDSA")));
    assert_eq!((hash_algorithm(8), signature_algorithm(7)), (None, None));
    assert_eq!(signature_scheme(0x0000), None);
    assert_eq!(signature_scheme(0x0810), None);
}

#[test]
fn small_registries() {
    assert_eq!(psk_key_exchange_mode(0), Some("PSK-only key establishment (psk_ke)"));
    assert_eq!(psk_key_exchange_mode(1), Some("PSK with (EC)DHE key establishment (psk_dhe_ke)"));
    assert_eq!(psk_key_exchange_mode(2), None);
    assert_eq!(ec_point_format(0), Some("uncompressed"));
    assert_eq!(ec_point_format(2), Some("ansiX962_compressed_char2"));
    assert_eq!(ec_point_format(3), None);
    assert_eq!(certificate_compression(1), Some("zlib"));
    assert_eq!(certificate_compression(2), Some("brotli"));
    assert_eq!(certificate_compression(3), Some("zstd"));
    assert_eq!(certificate_compression(0), None);
    assert_eq!(certificate_status_type(1), Some("OCSP"));
    assert_eq!(certificate_status_type(2), Some("OCSP Multi"));
    assert_eq!(certificate_status_type(0), None);
}

#[test]
fn no_name_is_empty_or_padded() {
    type Lookup = fn(u16) -> Option<&'static str>;
    let tables: [(&str, Lookup); 4] = [
        ("cipher_suite", cipher_suite),
        ("extension_type", extension_type),
        ("named_group", named_group),
        ("signature_scheme", signature_scheme),
    ];
    for (table, lookup) in tables {
        for value in 0..=u16::MAX {
            if let Some(name) = lookup(value) {
                assert!(!name.is_empty() && name.trim() == name, "{table} {value:#06x}: {name:?}");
            }
        }
    }
}
