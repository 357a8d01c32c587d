//! The fields of DTLS records and handshake messages, by Wireshark's names (`dtls.*`): the
//! registry's rows, and the names the emitter uses. DTLS shares TLS's handshake bodies, so most
//! rows here are the twins of `tls::name`'s, the same field with `d` in front; [`twin`] maps
//! one to the other for [`Emitter::with_names`](crate::dissect::field::Emitter::with_names).
//! The DTLS 1.3 unified header's fields are named as Wireshark after 4.0 names them.

use std::collections::HashMap;
use std::sync::OnceLock;

crate::registry::field_table! {
    protocol Dtls;
    RECORD "dtls.record" Present "a TLS record";
    RECORD_CONTENT_TYPE "dtls.record.content_type" Uint "record content type (20 CCS, 21 alert, 22 handshake, 23 data)" names TLS_CONTENT_TYPE;
    RECORD_VERSION "dtls.record.version" Hex "record layer version" names TLS_VERSION;
    RECORD_EPOCH "dtls.record.epoch" Uint "record epoch (0 until the first ChangeCipherSpec)";
    RECORD_SEQUENCE_NUMBER "dtls.record.sequence_number" Uint "record sequence number (48 bits; 8 or 16 in the DTLS 1.3 unified header)";
    RECORD_CONNECTION_ID "dtls.record.connection_id" Bytes "connection ID (DTLS 1.3 unified header, RFC 9146)";
    RECORD_LENGTH "dtls.record.length" Uint "record length";
    UNIFIED_HEADER_BITMASK "dtls.unified_header.bitmask" Hex "DTLS 1.3 unified header first byte (001CSLEE)";
    UNIFIED_HEADER_FIXED "dtls.unified_header.fixed" Uint "unified header fixed bits (001)";
    UNIFIED_HEADER_CID_PRESENT "dtls.unified_header.cid_present" Bool "unified header: connection ID present";
    UNIFIED_HEADER_SEQ_SIZE "dtls.unified_header.seq_size" Bool "unified header: 16-bit sequence number";
    UNIFIED_HEADER_LENGTH "dtls.unified_header.length" Bool "unified header: length present";
    UNIFIED_HEADER_EPOCH_BITS "dtls.unified_header.epoch_bits" Uint "unified header: the epoch's two low bits";
    ACK_MESSAGE "dtls.ack_message" Present @Session "DTLS 1.3 ACK (RFC 9147 section 7), decrypted";
    ACK_RECORD_NUMBERS_LENGTH "dtls.ack.record_numbers_length" Uint @Session "length of the ACK's record numbers (16 bytes each: epoch, sequence number)";
    ACK_RECORD_NUMBERS "dtls.ack.record_numbers" Present @Session "the record numbers an ACK acknowledges";
    ENC_CONTENT "dtls.enc_content" Bytes "encrypted record content (DTLS 1.3 unified header)";
    CHANGE_CIPHER_SPEC "dtls.change_cipher_spec" Present "ChangeCipherSpec message";
    ALERT_MESSAGE_LEVEL "dtls.alert_message.level" Uint @Session "alert level (1 warning, 2 fatal)" names TLS_ALERT_LEVEL;
    ALERT_MESSAGE_DESC "dtls.alert_message.desc" Uint @Session "alert description" names TLS_ALERT_DESCRIPTION;
    ALERT_MESSAGE "dtls.alert_message" Present @Session "an alert (still encrypted when its record is longer than two bytes)";
    APP_DATA "dtls.app_data" Bytes "encrypted application data";
    HANDSHAKE "dtls.handshake" Present @Session "a handshake message (one still encrypted too)";
    HANDSHAKE_TYPE "dtls.handshake.type" Uint @Session "handshake message type" names TLS_HANDSHAKE_TYPE;
    HANDSHAKE_LENGTH "dtls.handshake.length" Uint @Session "handshake message length";
    HANDSHAKE_MESSAGE_SEQ "dtls.handshake.message_seq" Uint @Session "handshake message sequence number";
    HANDSHAKE_FRAGMENT_OFFSET "dtls.handshake.fragment_offset" Uint @Session "where this fragment starts in its message";
    HANDSHAKE_FRAGMENT_LENGTH "dtls.handshake.fragment_length" Uint @Session "fragment length";
    HANDSHAKE_VERSION "dtls.handshake.version" Hex @Session "hello version (legacy_version)" names TLS_VERSION;
    HANDSHAKE_RANDOM "dtls.handshake.random" Bytes @Session "hello random";
    HANDSHAKE_RANDOM_TIME "dtls.handshake.random_time" Time @Session "a hello random's first four bytes read as a time (before TLS 1.3)";
    HANDSHAKE_RANDOM_BYTES "dtls.handshake.random_bytes" Bytes @Session "a hello random's last 28 bytes (before TLS 1.3)";
    HANDSHAKE_SESSION_ID_LENGTH "dtls.handshake.session_id_length" Uint @Session "session ID length";
    HANDSHAKE_SESSION_ID "dtls.handshake.session_id" Bytes @Session "session ID";
    HANDSHAKE_COOKIE_LENGTH "dtls.handshake.cookie_length" Uint @Session "cookie length (ClientHello, HelloVerifyRequest)";
    HANDSHAKE_COOKIE "dtls.handshake.cookie" Bytes @Session "the server's cookie";
    HANDSHAKE_CIPHER_SUITES_LENGTH "dtls.handshake.cipher_suites_length" Uint @Session "length of the offered cipher suites";
    HANDSHAKE_CIPHERSUITE "dtls.handshake.ciphersuite" Hex @Session "cipher suite (offered or chosen)" names TLS_CIPHER_SUITE;
    HANDSHAKE_COMP_METHODS_LENGTH "dtls.handshake.comp_methods_length" Uint @Session "length of the offered compression methods";
    HANDSHAKE_COMP_METHOD "dtls.handshake.comp_method" Uint @Session "compression method" names TLS_COMPRESSION;
    HANDSHAKE_EXTENSIONS_LENGTH "dtls.handshake.extensions_length" Uint @Session "length of the extensions";
    HANDSHAKE_EXTENSION_TYPE "dtls.handshake.extension.type" Uint @Session "extension type" names TLS_EXTENSION;
    HANDSHAKE_EXTENSION_LEN "dtls.handshake.extension.len" Uint @Session "extension length";
    HANDSHAKE_EXTENSIONS_SERVER_NAME_LIST_LEN "dtls.handshake.extensions_server_name_list_len" Uint @Session "server name list length";
    HANDSHAKE_EXTENSIONS_SERVER_NAME_TYPE "dtls.handshake.extensions_server_name_type" Uint @Session "server name type (0 host name)" names TLS_SERVER_NAME_TYPE;
    HANDSHAKE_EXTENSIONS_SERVER_NAME_LEN "dtls.handshake.extensions_server_name_len" Uint @Session "server name length";
    HANDSHAKE_EXTENSIONS_SERVER_NAME "dtls.handshake.extensions_server_name" Text @Session "server name (SNI)";
    HANDSHAKE_EXTENSIONS_SUPPORTED_GROUPS_LENGTH "dtls.handshake.extensions_supported_groups_length" Uint @Session "supported groups length";
    HANDSHAKE_EXTENSIONS_SUPPORTED_GROUP "dtls.handshake.extensions_supported_group" Hex @Session "supported group" names TLS_GROUP;
    HANDSHAKE_EXTENSIONS_EC_POINT_FORMATS_LENGTH "dtls.handshake.extensions_ec_point_formats_length" Uint @Session "EC point formats length";
    HANDSHAKE_EXTENSIONS_EC_POINT_FORMAT "dtls.handshake.extensions_ec_point_format" Uint @Session "EC point format" names TLS_EC_POINT_FORMAT;
    HANDSHAKE_CERT_TYPES_COUNT "dtls.handshake.cert_types_count" Uint @Session "CertificateRequest: how many certificate types it accepts (before DTLS 1.3)";
    HANDSHAKE_CERT_TYPE "dtls.handshake.cert_type" Uint @Session "CertificateRequest: a certificate type it accepts" names TLS_CERT_TYPE;
    HANDSHAKE_SIG_HASH_ALG_LEN "dtls.handshake.sig_hash_alg_len" Uint @Session "signature algorithms length";
    HANDSHAKE_SIG_HASH_ALG "dtls.handshake.sig_hash_alg" Hex @Session "signature algorithm" names TLS_SIGNATURE_SCHEME;
    HANDSHAKE_SIG_HASH_HASH "dtls.handshake.sig_hash_hash" Uint @Session "a signature algorithm's first byte, its hash as TLS 1.2 numbered them" names TLS_SIG_HASH;
    HANDSHAKE_SIG_HASH_SIG "dtls.handshake.sig_hash_sig" Uint @Session "a signature algorithm's second byte, its signature as TLS 1.2 numbered them" names TLS_SIG_SIGNATURE;
    HANDSHAKE_DNAMES_LEN "dtls.handshake.dnames_len" Uint @Session "CertificateRequest: length of the certificate authorities' names it accepts";
    HANDSHAKE_EXTENSIONS_ALPN_LEN "dtls.handshake.extensions_alpn_len" Uint @Session "ALPN extension length";
    HANDSHAKE_EXTENSIONS_ALPN_STR_LEN "dtls.handshake.extensions_alpn_str_len" Uint @Session "ALPN protocol name length";
    HANDSHAKE_EXTENSIONS_ALPN_STR "dtls.handshake.extensions_alpn_str" Text @Session "ALPN protocol";
    HANDSHAKE_EXTENSIONS_SUPPORTED_VERSIONS_LEN "dtls.handshake.extensions.supported_versions_len" Uint @Session "supported versions length";
    HANDSHAKE_EXTENSIONS_SUPPORTED_VERSION "dtls.handshake.extensions.supported_version" Hex @Session "supported (or selected) version" names TLS_VERSION;
    HANDSHAKE_EXTENSIONS_KEY_SHARE_CLIENT_LENGTH "dtls.handshake.extensions_key_share_client_length" Uint @Session "client key shares length";
    HANDSHAKE_EXTENSIONS_KEY_SHARE_GROUP "dtls.handshake.extensions_key_share_group" Uint @Session "key share group" names TLS_GROUP;
    HANDSHAKE_EXTENSIONS_KEY_SHARE_KEY_EXCHANGE_LENGTH "dtls.handshake.extensions_key_share_key_exchange_length" Uint @Session "key share length";
    HANDSHAKE_EXTENSIONS_KEY_SHARE_KEY_EXCHANGE "dtls.handshake.extensions_key_share_key_exchange" Bytes @Session "key share";
    HANDSHAKE_EXTENSIONS_KEY_SHARE_SELECTED_GROUP "dtls.handshake.extensions_key_share_selected_group" Uint @Session "group a HelloRetryRequest asks for" names TLS_GROUP;
    HANDSHAKE_EXTENSIONS_PADDING_DATA "dtls.handshake.extensions_padding_data" Bytes @Session "padding extension's bytes";
    HANDSHAKE_EXTENSIONS_RENEG_INFO_LEN "dtls.handshake.extensions_reneg_info_len" Uint @Session "renegotiated connection's verify data length (0 on a first handshake)";
    HANDSHAKE_EXTENSIONS_COOKIE_LEN "dtls.handshake.extensions.cookie_len" Uint @Session "cookie extension (RFC 8446 section 4.2.2): the cookie's length";
    HANDSHAKE_EXTENSIONS_COOKIE "dtls.handshake.extensions.cookie" Bytes @Session "cookie extension: the cookie a HelloRetryRequest gave, sent back in the second ClientHello";
    USE_SRTP_PROTECTION_PROFILES_LENGTH "dtls.use_srtp.protection_profiles_length" Uint @Session "use_srtp (RFC 5764): length of the SRTP protection profiles";
    USE_SRTP_PROTECTION_PROFILE "dtls.use_srtp.protection_profile" Hex @Session "use_srtp: an SRTP protection profile, offered or chosen" names SRTP_PROTECTION_PROFILE;
    USE_SRTP_MKI_LENGTH "dtls.use_srtp.mki_length" Uint @Session "use_srtp: length of the SRTP master key identifier";
    USE_SRTP_MKI "dtls.use_srtp.mki" Bytes @Session "use_srtp: the SRTP master key identifier";
    EXTENSION_PSK_KE_MODES_LENGTH "dtls.extension.psk_ke_modes_length" Uint @Session "PSK key exchange modes length";
    EXTENSION_PSK_KE_MODE "dtls.extension.psk_ke_mode" Uint @Session "PSK key exchange mode (1: with (EC)DHE)" names TLS_PSK_KE_MODE;
    EARLY_DATA_MAX_EARLY_DATA_SIZE "dtls.early_data.max_early_data_size" Uint @Session "most early data a ticket lets the client send, bytes";
    HANDSHAKE_JA3_FULL "dtls.handshake.ja3_full" Text @Session "a ClientHello's JA3 fingerprint string";
    HANDSHAKE_JA3 "dtls.handshake.ja3" Text @Session "the MD5 of the JA3 string";
    HANDSHAKE_JA3S_FULL "dtls.handshake.ja3s_full" Text @Session "a ServerHello's JA3S fingerprint string";
    HANDSHAKE_JA3S "dtls.handshake.ja3s" Text @Session "the MD5 of the JA3S string";
    HANDSHAKE_CERTIFICATE_REQUEST_CONTEXT_LENGTH "dtls.handshake.certificate_request_context_length" Uint @Session "TLS 1.3 Certificate: length of the request context it answers";
    HANDSHAKE_CERTIFICATES_LENGTH "dtls.handshake.certificates_length" Uint @Session "certificate chain length";
    HANDSHAKE_CERTIFICATE_LENGTH "dtls.handshake.certificate_length" Uint @Session "certificate length";
    HANDSHAKE_CERTIFICATE "dtls.handshake.certificate" Bytes @Session "certificate (DER)";
    HANDSHAKE_SERVER_CURVE_TYPE "dtls.handshake.server_curve_type" Hex @Session "ServerKeyExchange: how the curve is given (3 named)" names TLS_CURVE_TYPE;
    HANDSHAKE_SERVER_NAMED_CURVE "dtls.handshake.server_named_curve" Hex @Session "ServerKeyExchange: the named curve (group)" names TLS_GROUP;
    HANDSHAKE_SERVER_POINT_LEN "dtls.handshake.server_point_len" Uint @Session "ServerKeyExchange: the server's ECDH public key length";
    HANDSHAKE_SERVER_POINT "dtls.handshake.server_point" Bytes @Session "ServerKeyExchange: the server's ECDH public key";
    HANDSHAKE_P_LEN "dtls.handshake.p_len" Uint @Session "ServerKeyExchange: DH prime length";
    HANDSHAKE_P "dtls.handshake.p" Bytes @Session "ServerKeyExchange: DH prime";
    HANDSHAKE_G_LEN "dtls.handshake.g_len" Uint @Session "ServerKeyExchange: DH generator length";
    HANDSHAKE_G "dtls.handshake.g" Bytes @Session "ServerKeyExchange: DH generator";
    HANDSHAKE_YS_LEN "dtls.handshake.ys_len" Uint @Session "ServerKeyExchange: the server's DH public value length";
    HANDSHAKE_YS "dtls.handshake.ys" Bytes @Session "ServerKeyExchange: the server's DH public value";
    HANDSHAKE_CLIENT_POINT_LEN "dtls.handshake.client_point_len" Uint @Session "ClientKeyExchange: the client's ECDH public key length";
    HANDSHAKE_CLIENT_POINT "dtls.handshake.client_point" Bytes @Session "ClientKeyExchange: the client's ECDH public key";
    HANDSHAKE_YC_LEN "dtls.handshake.yc_len" Uint @Session "ClientKeyExchange: the client's DH public value length";
    HANDSHAKE_YC "dtls.handshake.yc" Bytes @Session "ClientKeyExchange: the client's DH public value";
    HANDSHAKE_EPMS_LEN "dtls.handshake.epms_len" Uint @Session "ClientKeyExchange: RSA-encrypted premaster secret length";
    HANDSHAKE_EPMS "dtls.handshake.epms" Bytes @Session "ClientKeyExchange: RSA-encrypted premaster secret";
    HANDSHAKE_EXTENSION_DATA "dtls.handshake.extension.data" Bytes @Session "an extension's bytes, where tshark shows them as data (session_ticket)";
    HANDSHAKE_EXTENSIONS_STATUS_REQUEST_TYPE "dtls.handshake.extensions_status_request_type" Uint @Session "certificate status type a ClientHello asks for (1 OCSP)" names TLS_CERT_STATUS_TYPE;
    HANDSHAKE_EXTENSIONS_STATUS_REQUEST_RESPONDER_IDS_LEN "dtls.handshake.extensions_status_request_responder_ids_len" Uint @Session "OCSP responder ID list length";
    HANDSHAKE_EXTENSIONS_STATUS_REQUEST_EXTS_LEN "dtls.handshake.extensions_status_request_exts_len" Uint @Session "OCSP request extensions length";
    RECORD_SIZE_LIMIT "dtls.record_size_limit" Uint @Session "largest record plaintext the sender takes (RFC 8449)";
    PSK_IDENTITIES_LENGTH "dtls.handshake.extensions.psk.identities.length" Uint @Session "pre_shared_key: identities length";
    PSK_IDENTITY_LENGTH "dtls.handshake.extensions.psk.identity.identity_length" Uint @Session "pre_shared_key: one identity's length";
    PSK_IDENTITY "dtls.handshake.extensions.psk.identity.identity" Bytes @Session "pre_shared_key: one identity (a ticket)";
    PSK_OBFUSCATED_TICKET_AGE "dtls.handshake.extensions.psk.identity.obfuscated_ticket_age" Uint @Session "pre_shared_key: the ticket's age, obfuscated";
    PSK_BINDERS_LEN "dtls.handshake.extensions.psk.binders_len" Uint @Session "pre_shared_key: binders length";
    PSK_BINDERS "dtls.handshake.extensions.psk.binders" Present @Session "pre_shared_key: the binders";
    PSK_SELECTED "dtls.handshake.extensions.psk.identity.selected" Uint @Session "pre_shared_key: the identity the server chose";
    HANDSHAKE_SIG_LEN "dtls.handshake.sig_len" Uint @Session "ServerKeyExchange signature length";
    HANDSHAKE_SIG "dtls.handshake.sig" Bytes @Session "ServerKeyExchange signature";
    HANDSHAKE_CLIENT_CERT_VRFY_SIG_LEN "dtls.handshake.client_cert_vrfy.sig_len" Uint @Session "CertificateVerify signature length";
    HANDSHAKE_CLIENT_CERT_VRFY_SIG "dtls.handshake.client_cert_vrfy.sig" Bytes @Session "CertificateVerify signature";
    HANDSHAKE_SESSION_TICKET_LIFETIME_HINT "dtls.handshake.session_ticket_lifetime_hint" Uint @Session "session ticket lifetime, seconds";
    HANDSHAKE_SESSION_TICKET_AGE_ADD "dtls.handshake.session_ticket_age_add" Uint @Session "TLS 1.3 ticket's obfuscation of its age";
    HANDSHAKE_SESSION_TICKET_NONCE_LENGTH "dtls.handshake.session_ticket_nonce_length" Uint @Session "TLS 1.3 ticket nonce length";
    HANDSHAKE_SESSION_TICKET_NONCE "dtls.handshake.session_ticket_nonce" Bytes @Session "TLS 1.3 ticket nonce";
    HANDSHAKE_SESSION_TICKET_LENGTH "dtls.handshake.session_ticket_length" Uint @Session "session ticket length";
    HANDSHAKE_SESSION_TICKET "dtls.handshake.session_ticket" Bytes @Session "session ticket (opaque to the client)";
    HANDSHAKE_VERIFY_DATA "dtls.handshake.verify_data" Present @Session "Finished verify data";
    FRAGMENTS "dtls.fragments" Present @Session "the fragments a handshake message was reassembled from";
    FRAGMENT "dtls.fragment" Uint @Session "a frame that held a fragment";
    FRAGMENT_COUNT "dtls.fragment.count" Uint @Session "how many fragments";
    REASSEMBLED_LENGTH "dtls.reassembled.length" Uint @Session "reassembled message length";
}

/// The DTLS twin of a TLS field name (`tls.handshake.type` → `dtls.handshake.type`); a
/// `dtls.*` name is its own twin. `None` for a TLS field DTLS does not have.
pub fn twin(name: &'static str) -> Option<&'static str> {
    static TWINS: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    if name.starts_with("dtls.") {
        return Some(name);
    }
    let twins = TWINS.get_or_init(|| {
        FIELDS.iter().filter_map(|field| Some((field.name.strip_prefix('d')?, field.name))).collect()
    });
    twins.get(name).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tls_field_but_the_opaque_type_the_stream_reassembly_and_quic_has_a_dtls_twin() {
        use crate::dissect::tls::name as tls;
        // DTLS lists no records a PDU spans (its reassembled length is a handshake message's).
        // Nor does it carry QUIC's transport parameters.
        let alone =
            [tls::RECORD_OPAQUE_TYPE, tls::SEGMENT, tls::SEGMENT_COUNT, tls::SEGMENT_DATA, tls::RESUMED];
        for field in tls::FIELDS {
            let twinned = !alone.contains(&field.name) && !field.name.starts_with("tls.quic.");
            let expected = twinned.then(|| format!("d{}", field.name));
            assert_eq!(twin(field.name).map(str::to_owned), expected, "{}", field.name);
        }
        assert_eq!(twin(HANDSHAKE_COOKIE), Some(HANDSHAKE_COOKIE));
        assert_eq!(twin("quic.frame"), None);
    }
}
