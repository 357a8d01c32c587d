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
//! This file is longer than the usual limit because it is tables and little else: the cipher
//! suite registry alone has over three hundred entries, and splitting a registry across files
//! would make it harder, not easier, to check against IANA's list.

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

/// The TLS Cipher Suites registry, by IANA name (which Wireshark also shows).
pub fn cipher_suite(value: u16) -> Option<&'static str> {
    if is_grease(value) {
        return Some(GREASE);
    }
    Some(match value {
        0x0000 => "TLS_NULL_WITH_NULL_NULL",
        0x0001 => "TLS_RSA_WITH_NULL_MD5",
        0x0002 => "TLS_RSA_WITH_NULL_SHA",
        0x0003 => "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
        0x0004 => "TLS_RSA_WITH_RC4_128_MD5",
        0x0005 => "TLS_RSA_WITH_RC4_128_SHA",
        0x0006 => "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5",
        0x0007 => "TLS_RSA_WITH_IDEA_CBC_SHA",
        0x0008 => "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA",
        0x0009 => "TLS_RSA_WITH_DES_CBC_SHA",
        0x000a => "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        0x000b => "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA",
        0x000c => "TLS_DH_DSS_WITH_DES_CBC_SHA",
        0x000d => "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA",
        0x000e => "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA",
        0x000f => "TLS_DH_RSA_WITH_DES_CBC_SHA",
        0x0010 => "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA",
        0x0011 => "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA",
        0x0012 => "TLS_DHE_DSS_WITH_DES_CBC_SHA",
        0x0013 => "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA",
        0x0014 => "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA",
        0x0015 => "TLS_DHE_RSA_WITH_DES_CBC_SHA",
        0x0016 => "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
        0x0017 => "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5",
        0x0018 => "TLS_DH_anon_WITH_RC4_128_MD5",
        0x0019 => "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA",
        0x001a => "TLS_DH_anon_WITH_DES_CBC_SHA",
        0x001b => "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA",
        // IANA reserves 0x001c and 0x001d for SSL 3.0's Fortezza suites.
        0x001c => "SSL_FORTEZZA_KEA_WITH_NULL_SHA",
        0x001d => "SSL_FORTEZZA_KEA_WITH_FORTEZZA_CBC_SHA",
        0x001e => "TLS_KRB5_WITH_DES_CBC_SHA",
        0x001f => "TLS_KRB5_WITH_3DES_EDE_CBC_SHA",
        0x0020 => "TLS_KRB5_WITH_RC4_128_SHA",
        0x0021 => "TLS_KRB5_WITH_IDEA_CBC_SHA",
        0x0022 => "TLS_KRB5_WITH_DES_CBC_MD5",
        0x0023 => "TLS_KRB5_WITH_3DES_EDE_CBC_MD5",
        0x0024 => "TLS_KRB5_WITH_RC4_128_MD5",
        0x0025 => "TLS_KRB5_WITH_IDEA_CBC_MD5",
        0x0026 => "TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA",
        0x0027 => "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA",
        0x0028 => "TLS_KRB5_EXPORT_WITH_RC4_40_SHA",
        0x0029 => "TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5",
        0x002a => "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5",
        0x002b => "TLS_KRB5_EXPORT_WITH_RC4_40_MD5",
        0x002c => "TLS_PSK_WITH_NULL_SHA",
        0x002d => "TLS_DHE_PSK_WITH_NULL_SHA",
        0x002e => "TLS_RSA_PSK_WITH_NULL_SHA",
        0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0030 => "TLS_DH_DSS_WITH_AES_128_CBC_SHA",
        0x0031 => "TLS_DH_RSA_WITH_AES_128_CBC_SHA",
        0x0032 => "TLS_DHE_DSS_WITH_AES_128_CBC_SHA",
        0x0033 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        0x0034 => "TLS_DH_anon_WITH_AES_128_CBC_SHA",
        0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x0036 => "TLS_DH_DSS_WITH_AES_256_CBC_SHA",
        0x0037 => "TLS_DH_RSA_WITH_AES_256_CBC_SHA",
        0x0038 => "TLS_DHE_DSS_WITH_AES_256_CBC_SHA",
        0x0039 => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        0x003a => "TLS_DH_anon_WITH_AES_256_CBC_SHA",
        0x003b => "TLS_RSA_WITH_NULL_SHA256",
        0x003c => "TLS_RSA_WITH_AES_128_CBC_SHA256",
        0x003d => "TLS_RSA_WITH_AES_256_CBC_SHA256",
        0x003e => "TLS_DH_DSS_WITH_AES_128_CBC_SHA256",
        0x003f => "TLS_DH_RSA_WITH_AES_128_CBC_SHA256",
        0x0040 => "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256",
        0x0041 => "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA",
        0x0042 => "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA",
        0x0043 => "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA",
        0x0044 => "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA",
        0x0045 => "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA",
        0x0046 => "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA",
        // 0x0060 to 0x0066 are reserved by IANA; these are the 1999 export drafts' suites
        // that old SSL stacks still offered.
        0x0060 => "TLS_RSA_EXPORT1024_WITH_RC4_56_MD5",
        0x0061 => "TLS_RSA_EXPORT1024_WITH_RC2_CBC_56_MD5",
        0x0062 => "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA",
        0x0063 => "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA",
        0x0064 => "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA",
        0x0065 => "TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA",
        0x0066 => "TLS_DHE_DSS_WITH_RC4_128_SHA",
        0x0067 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
        0x0068 => "TLS_DH_DSS_WITH_AES_256_CBC_SHA256",
        0x0069 => "TLS_DH_RSA_WITH_AES_256_CBC_SHA256",
        0x006a => "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256",
        0x006b => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
        0x006c => "TLS_DH_anon_WITH_AES_128_CBC_SHA256",
        0x006d => "TLS_DH_anon_WITH_AES_256_CBC_SHA256",
        // Unregistered GOST suites of draft-chudov-cryptopro-cptls.
        0x0080 => "TLS_GOSTR341094_WITH_28147_CNT_IMIT",
        0x0081 => "TLS_GOSTR341001_WITH_28147_CNT_IMIT",
        0x0082 => "TLS_GOSTR341094_WITH_NULL_GOSTR3411",
        0x0083 => "TLS_GOSTR341001_WITH_NULL_GOSTR3411",
        0x0084 => "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA",
        0x0085 => "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA",
        0x0086 => "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA",
        0x0087 => "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA",
        0x0088 => "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA",
        0x0089 => "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA",
        0x008a => "TLS_PSK_WITH_RC4_128_SHA",
        0x008b => "TLS_PSK_WITH_3DES_EDE_CBC_SHA",
        0x008c => "TLS_PSK_WITH_AES_128_CBC_SHA",
        0x008d => "TLS_PSK_WITH_AES_256_CBC_SHA",
        0x008e => "TLS_DHE_PSK_WITH_RC4_128_SHA",
        0x008f => "TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA",
        0x0090 => "TLS_DHE_PSK_WITH_AES_128_CBC_SHA",
        0x0091 => "TLS_DHE_PSK_WITH_AES_256_CBC_SHA",
        0x0092 => "TLS_RSA_PSK_WITH_RC4_128_SHA",
        0x0093 => "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA",
        0x0094 => "TLS_RSA_PSK_WITH_AES_128_CBC_SHA",
        0x0095 => "TLS_RSA_PSK_WITH_AES_256_CBC_SHA",
        0x0096 => "TLS_RSA_WITH_SEED_CBC_SHA",
        0x0097 => "TLS_DH_DSS_WITH_SEED_CBC_SHA",
        0x0098 => "TLS_DH_RSA_WITH_SEED_CBC_SHA",
        0x0099 => "TLS_DHE_DSS_WITH_SEED_CBC_SHA",
        0x009a => "TLS_DHE_RSA_WITH_SEED_CBC_SHA",
        0x009b => "TLS_DH_anon_WITH_SEED_CBC_SHA",
        0x009c => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x009d => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0x009e => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        0x009f => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        0x00a0 => "TLS_DH_RSA_WITH_AES_128_GCM_SHA256",
        0x00a1 => "TLS_DH_RSA_WITH_AES_256_GCM_SHA384",
        0x00a2 => "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256",
        0x00a3 => "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384",
        0x00a4 => "TLS_DH_DSS_WITH_AES_128_GCM_SHA256",
        0x00a5 => "TLS_DH_DSS_WITH_AES_256_GCM_SHA384",
        0x00a6 => "TLS_DH_anon_WITH_AES_128_GCM_SHA256",
        0x00a7 => "TLS_DH_anon_WITH_AES_256_GCM_SHA384",
        0x00a8 => "TLS_PSK_WITH_AES_128_GCM_SHA256",
        0x00a9 => "TLS_PSK_WITH_AES_256_GCM_SHA384",
        0x00aa => "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256",
        0x00ab => "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384",
        0x00ac => "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256",
        0x00ad => "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384",
        0x00ae => "TLS_PSK_WITH_AES_128_CBC_SHA256",
        0x00af => "TLS_PSK_WITH_AES_256_CBC_SHA384",
        0x00b0 => "TLS_PSK_WITH_NULL_SHA256",
        0x00b1 => "TLS_PSK_WITH_NULL_SHA384",
        0x00b2 => "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256",
        0x00b3 => "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384",
        0x00b4 => "TLS_DHE_PSK_WITH_NULL_SHA256",
        0x00b5 => "TLS_DHE_PSK_WITH_NULL_SHA384",
        0x00b6 => "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256",
        0x00b7 => "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384",
        0x00b8 => "TLS_RSA_PSK_WITH_NULL_SHA256",
        0x00b9 => "TLS_RSA_PSK_WITH_NULL_SHA384",
        0x00ba => "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        0x00bb => "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256",
        0x00bc => "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        0x00bd => "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256",
        0x00be => "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        0x00bf => "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256",
        0x00c0 => "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256",
        0x00c1 => "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256",
        0x00c2 => "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256",
        0x00c3 => "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256",
        0x00c4 => "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256",
        0x00c5 => "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256",
        0x00c6 => "TLS_SM4_GCM_SM3",
        0x00c7 => "TLS_SM4_CCM_SM3",
        0x00ff => "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
        0x1301 => "TLS_AES_128_GCM_SHA256",
        0x1302 => "TLS_AES_256_GCM_SHA384",
        0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
        0x1304 => "TLS_AES_128_CCM_SHA256",
        0x1305 => "TLS_AES_128_CCM_8_SHA256",
        0x1306 => "TLS_AEGIS_256_SHA512",
        0x1307 => "TLS_AEGIS_128L_SHA256",
        0x5600 => "TLS_FALLBACK_SCSV",
        0xc001 => "TLS_ECDH_ECDSA_WITH_NULL_SHA",
        0xc002 => "TLS_ECDH_ECDSA_WITH_RC4_128_SHA",
        0xc003 => "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA",
        0xc004 => "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA",
        0xc005 => "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA",
        0xc006 => "TLS_ECDHE_ECDSA_WITH_NULL_SHA",
        0xc007 => "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
        0xc008 => "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
        0xc009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xc00a => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xc00b => "TLS_ECDH_RSA_WITH_NULL_SHA",
        0xc00c => "TLS_ECDH_RSA_WITH_RC4_128_SHA",
        0xc00d => "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA",
        0xc00e => "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA",
        0xc00f => "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA",
        0xc010 => "TLS_ECDHE_RSA_WITH_NULL_SHA",
        0xc011 => "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
        0xc012 => "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        0xc013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xc014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0xc015 => "TLS_ECDH_anon_WITH_NULL_SHA",
        0xc016 => "TLS_ECDH_anon_WITH_RC4_128_SHA",
        0xc017 => "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA",
        0xc018 => "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
        0xc019 => "TLS_ECDH_anon_WITH_AES_256_CBC_SHA",
        0xc01a => "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA",
        0xc01b => "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA",
        0xc01c => "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA",
        0xc01d => "TLS_SRP_SHA_WITH_AES_128_CBC_SHA",
        0xc01e => "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA",
        0xc01f => "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA",
        0xc020 => "TLS_SRP_SHA_WITH_AES_256_CBC_SHA",
        0xc021 => "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA",
        0xc022 => "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA",
        0xc023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        0xc024 => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        0xc025 => "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256",
        0xc026 => "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384",
        0xc027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        0xc028 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        0xc029 => "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256",
        0xc02a => "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384",
        0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xc02d => "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256",
        0xc02e => "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384",
        0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xc031 => "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256",
        0xc032 => "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384",
        0xc033 => "TLS_ECDHE_PSK_WITH_RC4_128_SHA",
        0xc034 => "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA",
        0xc035 => "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA",
        0xc036 => "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA",
        0xc037 => "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256",
        0xc038 => "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384",
        0xc039 => "TLS_ECDHE_PSK_WITH_NULL_SHA",
        0xc03a => "TLS_ECDHE_PSK_WITH_NULL_SHA256",
        0xc03b => "TLS_ECDHE_PSK_WITH_NULL_SHA384",
        0xc03c => "TLS_RSA_WITH_ARIA_128_CBC_SHA256",
        0xc03d => "TLS_RSA_WITH_ARIA_256_CBC_SHA384",
        0xc03e => "TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256",
        0xc03f => "TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384",
        0xc040 => "TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256",
        0xc041 => "TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384",
        0xc042 => "TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256",
        0xc043 => "TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384",
        0xc044 => "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256",
        0xc045 => "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384",
        0xc046 => "TLS_DH_anon_WITH_ARIA_128_CBC_SHA256",
        0xc047 => "TLS_DH_anon_WITH_ARIA_256_CBC_SHA384",
        0xc048 => "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256",
        0xc049 => "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384",
        0xc04a => "TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256",
        0xc04b => "TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384",
        0xc04c => "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256",
        0xc04d => "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384",
        0xc04e => "TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256",
        0xc04f => "TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384",
        0xc050 => "TLS_RSA_WITH_ARIA_128_GCM_SHA256",
        0xc051 => "TLS_RSA_WITH_ARIA_256_GCM_SHA384",
        0xc052 => "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256",
        0xc053 => "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384",
        0xc054 => "TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256",
        0xc055 => "TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384",
        0xc056 => "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256",
        0xc057 => "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384",
        0xc058 => "TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256",
        0xc059 => "TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384",
        0xc05a => "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256",
        0xc05b => "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384",
        0xc05c => "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256",
        0xc05d => "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384",
        0xc05e => "TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256",
        0xc05f => "TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384",
        0xc060 => "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256",
        0xc061 => "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
        0xc062 => "TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256",
        0xc063 => "TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384",
        0xc064 => "TLS_PSK_WITH_ARIA_128_CBC_SHA256",
        0xc065 => "TLS_PSK_WITH_ARIA_256_CBC_SHA384",
        0xc066 => "TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256",
        0xc067 => "TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384",
        0xc068 => "TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256",
        0xc069 => "TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384",
        0xc06a => "TLS_PSK_WITH_ARIA_128_GCM_SHA256",
        0xc06b => "TLS_PSK_WITH_ARIA_256_GCM_SHA384",
        0xc06c => "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256",
        0xc06d => "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384",
        0xc06e => "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256",
        0xc06f => "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384",
        0xc070 => "TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256",
        0xc071 => "TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384",
        0xc072 => "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
        0xc073 => "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
        0xc074 => "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
        0xc075 => "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
        0xc076 => "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        0xc077 => "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
        0xc078 => "TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        0xc079 => "TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384",
        0xc07a => "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256",
        0xc07b => "TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384",
        0xc07c => "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
        0xc07d => "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384",
        0xc07e => "TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256",
        0xc07f => "TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384",
        0xc080 => "TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256",
        0xc081 => "TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384",
        0xc082 => "TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256",
        0xc083 => "TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384",
        0xc084 => "TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256",
        0xc085 => "TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384",
        0xc086 => "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256",
        0xc087 => "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384",
        0xc088 => "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256",
        0xc089 => "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384",
        0xc08a => "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
        0xc08b => "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384",
        0xc08c => "TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256",
        0xc08d => "TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384",
        0xc08e => "TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256",
        0xc08f => "TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384",
        0xc090 => "TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256",
        0xc091 => "TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384",
        0xc092 => "TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256",
        0xc093 => "TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384",
        0xc094 => "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256",
        0xc095 => "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384",
        0xc096 => "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256",
        0xc097 => "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384",
        0xc098 => "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256",
        0xc099 => "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384",
        0xc09a => "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256",
        0xc09b => "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384",
        0xc09c => "TLS_RSA_WITH_AES_128_CCM",
        0xc09d => "TLS_RSA_WITH_AES_256_CCM",
        0xc09e => "TLS_DHE_RSA_WITH_AES_128_CCM",
        0xc09f => "TLS_DHE_RSA_WITH_AES_256_CCM",
        0xc0a0 => "TLS_RSA_WITH_AES_128_CCM_8",
        0xc0a1 => "TLS_RSA_WITH_AES_256_CCM_8",
        0xc0a2 => "TLS_DHE_RSA_WITH_AES_128_CCM_8",
        0xc0a3 => "TLS_DHE_RSA_WITH_AES_256_CCM_8",
        0xc0a4 => "TLS_PSK_WITH_AES_128_CCM",
        0xc0a5 => "TLS_PSK_WITH_AES_256_CCM",
        0xc0a6 => "TLS_DHE_PSK_WITH_AES_128_CCM",
        0xc0a7 => "TLS_DHE_PSK_WITH_AES_256_CCM",
        0xc0a8 => "TLS_PSK_WITH_AES_128_CCM_8",
        0xc0a9 => "TLS_PSK_WITH_AES_256_CCM_8",
        0xc0aa => "TLS_PSK_DHE_WITH_AES_128_CCM_8",
        0xc0ab => "TLS_PSK_DHE_WITH_AES_256_CCM_8",
        0xc0ac => "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
        0xc0ad => "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
        0xc0ae => "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
        0xc0af => "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8",
        0xc0b0 => "TLS_ECCPWD_WITH_AES_128_GCM_SHA256",
        0xc0b1 => "TLS_ECCPWD_WITH_AES_256_GCM_SHA384",
        0xc0b2 => "TLS_ECCPWD_WITH_AES_128_CCM_SHA256",
        0xc0b3 => "TLS_ECCPWD_WITH_AES_256_CCM_SHA384",
        0xc0b4 => "TLS_SHA256_SHA256",
        0xc0b5 => "TLS_SHA384_SHA384",
        0xc100 => "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC",
        0xc101 => "TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC",
        0xc102 => "TLS_GOSTR341112_256_WITH_28147_CNT_IMIT",
        0xc103 => "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L",
        0xc104 => "TLS_GOSTR341112_256_WITH_MAGMA_MGM_L",
        0xc105 => "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_S",
        0xc106 => "TLS_GOSTR341112_256_WITH_MAGMA_MGM_S",
        // Unregistered: Thread's EC-JPAKE suite.
        0xc0ff => "TLS_ECJPAKE_WITH_AES_128_CCM_8",
        // ChaCha20-Poly1305 as Chrome shipped it before RFC 7905 gave it 0xcca8 onwards.
        0xcc13 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcc14 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcc15 => "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xccaa => "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xccab => "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
        0xccac => "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
        0xccad => "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
        0xccae => "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256",
        0xd001 => "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256",
        0xd002 => "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384",
        0xd003 => "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256",
        0xd005 => "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256",
        // Netscape's SSL 3.0 FIPS suites, never registered.
        0xfefe => "SSL_RSA_FIPS_WITH_DES_CBC_SHA",
        0xfeff => "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA",
        0xffe0 => "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA",
        0xffe1 => "SSL_RSA_FIPS_WITH_DES_CBC_SHA",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sixteen GREASE values of RFC 8701, spelled out rather than computed.
    const GREASE_VALUES: [u16; 16] = [
        0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba,
        0xcaca, 0xdada, 0xeaea, 0xfafa,
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
}
