//! Names from the IANA TLS registries, spelled the way Wireshark shows them.
//!
//! Each lookup takes a registry's code point and gives the name Wireshark prints beside the
//! number, or `None` when the value is unassigned or unknown here, so the caller shows the bare
//! number instead of inventing a name. Wireshark uses the IANA names for the registries that
//! have identifier-like names (cipher suites, extensions, groups, signature schemes) and its own
//! title-case labels for the small record-layer registries (`Handshake`, `Client Hello`,
//! `Close Notify`); each function says which it follows. Values that RFC 8701 reserves for
//! GREASE read "Reserved (GREASE)" in every registry that can carry them.
//!
//! The cipher suite registry, over three hundred entries, has a file of its own (`suites.rs`),
//! whole, so it can be checked against IANA's list in one place.

/// What Wireshark calls a value that RFC 8701 reserves for GREASE.
pub const GREASE: &str = "Reserved (GREASE)";

/// Whether a 16-bit code point is one of the sixteen GREASE values of RFC 8701 section 2:
/// `0x0a0a`, `0x1a1a`, ... `0xfafa`, both bytes equal and ending in `a`. They appear in cipher
/// suites, extensions, named groups, signature algorithms, versions and ALPN.
pub fn is_grease(value: u16) -> bool {
    let [high, low] = value.to_be_bytes();
    high == low && low & 0x0f == 0x0a
}

/// Whether a PskKeyExchangeMode is one of the eight GREASE values of RFC 8701 section 2
/// (`0x0b`, `0x2a`, ... `0xe4`: `0x0b` plus a multiple of `0x1f`).
pub fn is_grease_psk_key_exchange_mode(value: u8) -> bool {
    value >= 0x0b && (value - 0x0b).is_multiple_of(0x1f)
}

/// The record layer's ContentType (RFC 8446 section 5.1, RFC 6520, RFC 9146), as Wireshark
/// labels it: "Handshake" where IANA says `handshake`.
pub fn content_type(value: u8) -> Option<&'static str> {
    Some(match value {
        20 => "Change Cipher Spec",
        21 => "Alert",
        22 => "Handshake",
        23 => "Application Data",
        24 => "Heartbeat",
        25 => "Connection ID",
        26 => "ACK",
        _ => return None,
    })
}

/// The HandshakeType (RFC 8446 section 4 and the TLS 1.2 messages it retired), as Wireshark
/// labels it: "Client Hello" where IANA says `client_hello`.
pub fn handshake_type(value: u8) -> Option<&'static str> {
    Some(match value {
        0 => "Hello Request",
        1 => "Client Hello",
        2 => "Server Hello",
        3 => "Hello Verify Request",
        4 => "New Session Ticket",
        5 => "End of Early Data",
        6 => "Hello Retry Request",
        8 => "Encrypted Extensions",
        9 => "Request Connection ID",
        10 => "New Connection ID",
        11 => "Certificate",
        12 => "Server Key Exchange",
        13 => "Certificate Request",
        14 => "Server Hello Done",
        15 => "Certificate Verify",
        16 => "Client Key Exchange",
        17 => "Client Certificate Request",
        20 => "Finished",
        21 => "Client Certificate URL",
        22 => "Certificate Status",
        23 => "Supplemental Data",
        24 => "Key Update",
        25 => "Compressed Certificate",
        26 => "EKT Key",
        // NextProtocol from the never-standardised NPN draft, still in old captures.
        67 => "Next Protocol",
        254 => "Message Hash",
        _ => return None,
    })
}

/// The AlertLevel (RFC 5246 section 7.2), as Wireshark labels it.
pub fn alert_level(value: u8) -> Option<&'static str> {
    Some(match value {
        1 => "Warning",
        2 => "Fatal",
        _ => return None,
    })
}

/// The AlertDescription registry, as Wireshark labels it: "Handshake Failure" where IANA says
/// `handshake_failure`.
pub fn alert_description(value: u8) -> Option<&'static str> {
    Some(match value {
        0 => "Close Notify",
        // An alert in TLS 1.3 drafts before end_of_early_data became a handshake message.
        1 => "End of Early Data",
        10 => "Unexpected Message",
        20 => "Bad Record MAC",
        21 => "Decryption Failed",
        22 => "Record Overflow",
        30 => "Decompression Failure",
        40 => "Handshake Failure",
        41 => "No Certificate",
        42 => "Bad Certificate",
        43 => "Unsupported Certificate",
        44 => "Certificate Revoked",
        45 => "Certificate Expired",
        46 => "Certificate Unknown",
        47 => "Illegal Parameter",
        48 => "Unknown CA",
        49 => "Access Denied",
        50 => "Decode Error",
        51 => "Decrypt Error",
        52 => "Too Many CIDs Requested",
        60 => "Export Restriction",
        70 => "Protocol Version",
        71 => "Insufficient Security",
        80 => "Internal Error",
        86 => "Inappropriate Fallback",
        90 => "User Canceled",
        100 => "No Renegotiation",
        109 => "Missing Extension",
        110 => "Unsupported Extension",
        111 => "Certificate Unobtainable",
        112 => "Unrecognized Name",
        113 => "Bad Certificate Status Response",
        114 => "Bad Certificate Hash Value",
        115 => "Unknown PSK Identity",
        116 => "Certificate Required",
        117 => "General Error",
        // Wireshark's spelling, lower-case "application" and all.
        120 => "No application Protocol",
        121 => "ECH Required",
        _ => return None,
    })
}

/// A ProtocolVersion as it appears in records, hellos and `supported_versions`, including
/// DTLS and the TLS 1.3 drafts that shipped in browsers.
pub fn version(value: u16) -> Option<&'static str> {
    if is_grease(value) {
        return Some(GREASE);
    }
    Some(match value {
        0x0002 => "SSL 2.0",
        // DTLS 1.0 as OpenSSL sent it before 0.9.8f, and China's GM/T 0024 "GMTLS".
        0x0100 => "DTLS 1.0 (OpenSSL pre 0.9.8f)",
        0x0101 => "GMTLS",
        0x0300 => "SSL 3.0",
        0x0301 => "TLS 1.0",
        0x0302 => "TLS 1.1",
        0x0303 => "TLS 1.2",
        0x0304 => "TLS 1.3",
        0x7f0e => "TLS 1.3 (draft 14)",
        0x7f0f => "TLS 1.3 (draft 15)",
        0x7f10 => "TLS 1.3 (draft 16)",
        0x7f11 => "TLS 1.3 (draft 17)",
        0x7f12 => "TLS 1.3 (draft 18)",
        0x7f13 => "TLS 1.3 (draft 19)",
        0x7f14 => "TLS 1.3 (draft 20)",
        0x7f15 => "TLS 1.3 (draft 21)",
        0x7f16 => "TLS 1.3 (draft 22)",
        0x7f17 => "TLS 1.3 (draft 23)",
        0x7f18 => "TLS 1.3 (draft 24)",
        0x7f19 => "TLS 1.3 (draft 25)",
        0x7f1a => "TLS 1.3 (draft 26)",
        0x7f1b => "TLS 1.3 (draft 27)",
        0x7f1c => "TLS 1.3 (draft 28)",
        // Facebook's Fizz used its own code points for the drafts it deployed.
        0xfb17 => "TLS 1.3 (Facebook draft 23)",
        0xfb1a => "TLS 1.3 (Facebook draft 26)",
        0xfeff => "DTLS 1.0",
        0xfefd => "DTLS 1.2",
        0xfefc => "DTLS 1.3",
        _ => return None,
    })
}

/// The TLS ExtensionType Values registry, with the IANA names Wireshark also uses, plus the
/// unregistered code points that browsers send (NPN, Channel ID, ALPS).
pub fn extension_type(value: u16) -> Option<&'static str> {
    if is_grease(value) {
        return Some(GREASE);
    }
    Some(match value {
        0 => "server_name",
        1 => "max_fragment_length",
        2 => "client_certificate_url",
        3 => "trusted_ca_keys",
        4 => "truncated_hmac",
        5 => "status_request",
        6 => "user_mapping",
        7 => "client_authz",
        8 => "server_authz",
        9 => "cert_type",
        10 => "supported_groups",
        11 => "ec_point_formats",
        12 => "srp",
        13 => "signature_algorithms",
        14 => "use_srtp",
        15 => "heartbeat",
        16 => "application_layer_protocol_negotiation",
        17 => "status_request_v2",
        18 => "signed_certificate_timestamp",
        19 => "client_certificate_type",
        20 => "server_certificate_type",
        21 => "padding",
        22 => "encrypt_then_mac",
        23 => "extended_master_secret",
        24 => "token_binding",
        25 => "cached_info",
        26 => "tls_lts",
        27 => "compress_certificate",
        28 => "record_size_limit",
        29 => "pwd_protect",
        30 => "pwd_clear",
        31 => "password_salt",
        32 => "ticket_pinning",
        33 => "tls_cert_with_extern_psk",
        // IANA: delegated_credential (RFC 9345); Wireshark keeps the draft's plural.
        34 => "delegated_credentials",
        35 => "session_ticket",
        36 => "TLMSP",
        37 => "TLMSP_proxying",
        38 => "TLMSP_delegate",
        39 => "supported_ekt_ciphers",
        // Code points of TLS 1.3 drafts, reserved since.
        40 => "Reserved (key_share)",
        41 => "pre_shared_key",
        42 => "early_data",
        43 => "supported_versions",
        44 => "cookie",
        45 => "psk_key_exchange_modes",
        46 => "Reserved (ticket_early_data_info)",
        47 => "certificate_authorities",
        48 => "oid_filters",
        49 => "post_handshake_auth",
        50 => "signature_algorithms_cert",
        51 => "key_share",
        52 => "transparency_info",
        53 => "connection_id (deprecated)",
        54 => "connection_id",
        55 => "external_id_hash",
        56 => "external_session_id",
        57 => "quic_transport_parameters",
        58 => "ticket_request",
        59 => "dnssec_chain",
        // Unregistered: NPN, Chrome's ALPS (old and new code points) and Channel ID.
        13172 => "next_protocol_negotiation",
        17513 | 17613 => "application_settings",
        30031 => "channel_id_old",
        30032 => "channel_id",
        // QUIC transport parameters as the QUIC drafts (before RFC 9001) carried them.
        0xffa5 => "quic_transport_parameters (drafts version)",
        0xfd00 => "ech_outer_extensions",
        0xfe0d => "encrypted_client_hello",
        // The ESNI drafts' code point, before ECH replaced it.
        0xffce => "encrypted_server_name",
        0xff01 => "renegotiation_info",
        _ => return None,
    })
}

/// The TLS Supported Groups registry (named curves in TLS 1.2): IANA names, which Wireshark
/// also uses, and the hybrid post-quantum groups browsers send.
pub fn named_group(value: u16) -> Option<&'static str> {
    if is_grease(value) {
        return Some(GREASE);
    }
    Some(match value {
        1 => "sect163k1",
        2 => "sect163r1",
        3 => "sect163r2",
        4 => "sect193r1",
        5 => "sect193r2",
        6 => "sect233k1",
        7 => "sect233r1",
        8 => "sect239k1",
        9 => "sect283k1",
        10 => "sect283r1",
        11 => "sect409k1",
        12 => "sect409r1",
        13 => "sect571k1",
        14 => "sect571r1",
        15 => "secp160k1",
        16 => "secp160r1",
        17 => "secp160r2",
        18 => "secp192k1",
        19 => "secp192r1",
        20 => "secp224k1",
        21 => "secp224r1",
        22 => "secp256k1",
        23 => "secp256r1",
        24 => "secp384r1",
        25 => "secp521r1",
        26 => "brainpoolP256r1",
        27 => "brainpoolP384r1",
        28 => "brainpoolP512r1",
        29 => "x25519",
        30 => "x448",
        31 => "brainpoolP256r1tls13",
        32 => "brainpoolP384r1tls13",
        33 => "brainpoolP512r1tls13",
        34 => "GC256A",
        35 => "GC256B",
        36 => "GC256C",
        37 => "GC256D",
        38 => "GC512A",
        39 => "GC512B",
        40 => "GC512C",
        41 => "curveSM2",
        256 => "ffdhe2048",
        257 => "ffdhe3072",
        258 => "ffdhe4096",
        259 => "ffdhe6144",
        260 => "ffdhe8192",
        0x0200 => "MLKEM512",
        0x0201 => "MLKEM768",
        0x0202 => "MLKEM1024",
        0x11eb => "SecP256r1MLKEM768",
        0x11ec => "X25519MLKEM768",
        0x11ed => "SecP384r1MLKEM1024",
        // Pre-standard hybrids from draft-tls-westerbaan-xyber768d00, sent by Chrome and
        // Cloudflare before ML-KEM was final.
        0x6399 => "X25519Kyber768Draft00",
        0x639a => "SecP256r1Kyber768Draft00",
        0xff01 => "arbitrary_explicit_prime_curves",
        0xff02 => "arbitrary_explicit_char2_curves",
        _ => return None,
    })
}

/// The TLS SignatureScheme registry, and the TLS 1.2 hash/signature pairs (RFC 5246 section
/// 7.4.1.4.1) it grew out of. The pairs that TLS 1.3 did not keep have no IANA name; Wireshark
/// writes them as [`hash_algorithm`] and [`signature_algorithm`] side by side, "SHA224 RSA",
/// and so does this.
pub fn signature_scheme(value: u16) -> Option<&'static str> {
    if is_grease(value) {
        return Some(GREASE);
    }
    Some(match value {
        0x0101 => "MD5 RSA",
        0x0102 => "MD5 DSA",
        0x0103 => "MD5 ECDSA",
        0x0201 => "rsa_pkcs1_sha1",
        0x0202 => "SHA1 DSA",
        0x0203 => "ecdsa_sha1",
        0x0301 => "SHA224 RSA",
        0x0302 => "SHA224 DSA",
        0x0303 => "SHA224 ECDSA",
        0x0401 => "rsa_pkcs1_sha256",
        0x0402 => "SHA256 DSA",
        0x0403 => "ecdsa_secp256r1_sha256",
        0x0420 => "rsa_pkcs1_sha256_legacy",
        0x0501 => "rsa_pkcs1_sha384",
        0x0502 => "SHA384 DSA",
        0x0503 => "ecdsa_secp384r1_sha384",
        0x0520 => "rsa_pkcs1_sha384_legacy",
        0x0601 => "rsa_pkcs1_sha512",
        0x0602 => "SHA512 DSA",
        0x0603 => "ecdsa_secp521r1_sha512",
        0x0620 => "rsa_pkcs1_sha512_legacy",
        0x0704 => "eccsi_sha256",
        0x0705 => "iso_ibs1",
        0x0706 => "iso_ibs2",
        0x0707 => "iso_chinese_ibs",
        0x0708 => "sm2sig_sm3",
        0x0709 => "gostr34102012_256a",
        0x070a => "gostr34102012_256b",
        0x070b => "gostr34102012_256c",
        0x070c => "gostr34102012_256d",
        0x070d => "gostr34102012_512a",
        0x070e => "gostr34102012_512b",
        0x070f => "gostr34102012_512c",
        0x0804 => "rsa_pss_rsae_sha256",
        0x0805 => "rsa_pss_rsae_sha384",
        0x0806 => "rsa_pss_rsae_sha512",
        0x0807 => "ed25519",
        0x0808 => "ed448",
        0x0809 => "rsa_pss_pss_sha256",
        0x080a => "rsa_pss_pss_sha384",
        0x080b => "rsa_pss_pss_sha512",
        0x081a => "ecdsa_brainpoolP256r1tls13_sha256",
        0x081b => "ecdsa_brainpoolP384r1tls13_sha384",
        0x081c => "ecdsa_brainpoolP512r1tls13_sha512",
        0x0904 => "mldsa44",
        0x0905 => "mldsa65",
        0x0906 => "mldsa87",
        _ => return None,
    })
}

/// The TLS 1.2 HashAlgorithm, the high byte of a signature scheme (RFC 5246 section
/// 7.4.1.4.1), as Wireshark labels it under every signature algorithm. 7 is China's SM3, which
/// Wireshark names though IANA does not; 8 (IANA's "Intrinsic") it leaves unnamed.
pub fn hash_algorithm(value: u8) -> Option<&'static str> {
    Some(match value {
        0 => "None",
        1 => "MD5",
        2 => "SHA1",
        3 => "SHA224",
        4 => "SHA256",
        5 => "SHA384",
        6 => "SHA512",
        7 => "SM3",
        _ => return None,
    })
}

/// The TLS 1.2 SignatureAlgorithm, the low byte of a signature scheme, as Wireshark labels it.
/// 4 is China's SM2; IANA's 7 and 8 (ed25519, ed448) Wireshark leaves unnamed.
pub fn signature_algorithm(value: u8) -> Option<&'static str> {
    Some(match value {
        0 => "Anonymous",
        1 => "RSA",
        2 => "DSA",
        3 => "ECDSA",
        4 => "SM2",
        _ => return None,
    })
}

/// The PskKeyExchangeMode (RFC 8446 section 4.2.9), with Wireshark's description before the
/// IANA name.
pub fn psk_key_exchange_mode(value: u8) -> Option<&'static str> {
    if is_grease_psk_key_exchange_mode(value) {
        return Some(GREASE);
    }
    Some(match value {
        0 => "PSK-only key establishment (psk_ke)",
        1 => "PSK with (EC)DHE key establishment (psk_dhe_ke)",
        _ => return None,
    })
}

/// The ECPointFormat of the `ec_point_formats` extension (RFC 8422 section 5.1.2).
pub fn ec_point_format(value: u8) -> Option<&'static str> {
    Some(match value {
        0 => "uncompressed",
        1 => "ansiX962_compressed_prime",
        2 => "ansiX962_compressed_char2",
        _ => return None,
    })
}

/// The CertificateCompressionAlgorithm of `compress_certificate` (RFC 8879 section 7.3).
pub fn certificate_compression(value: u16) -> Option<&'static str> {
    Some(match value {
        1 => "zlib",
        2 => "brotli",
        3 => "zstd",
        _ => return None,
    })
}

/// The CertificateStatusType of `status_request` (RFC 6066, RFC 6961), as Wireshark labels it.
pub fn certificate_status_type(value: u8) -> Option<&'static str> {
    Some(match value {
        1 => "OCSP",
        2 => "OCSP Multi",
        _ => return None,
    })
}

mod suites;
pub use suites::cipher_suite;

#[cfg(test)]
mod tests;
