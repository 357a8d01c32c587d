//! The fields of TLS records and handshake messages, by Wireshark's names: the registry's rows for
//! them, and the names the emitter uses, so a name emitted is a name registered.

crate::registry::field_table! {
    protocol Tls;
    RECORD "tls.record" Present "a TLS record";
    RECORD_CONTENT_TYPE "tls.record.content_type" Uint "record content type (20 CCS, 21 alert, 22 handshake, 23 data)" names TLS_CONTENT_TYPE;
    RECORD_OPAQUE_TYPE "tls.record.opaque_type" Uint "outer content type of a TLS 1.3 protected record" names TLS_CONTENT_TYPE;
    RECORD_VERSION "tls.record.version" Hex "record layer version" names TLS_VERSION;
    RECORD_LENGTH "tls.record.length" Uint "record length";
    CHANGE_CIPHER_SPEC "tls.change_cipher_spec" Present "ChangeCipherSpec message";
    ALERT_MESSAGE_LEVEL "tls.alert_message.level" Uint @Session "alert level (1 warning, 2 fatal)" names TLS_ALERT_LEVEL;
    ALERT_MESSAGE_DESC "tls.alert_message.desc" Uint @Session "alert description" names TLS_ALERT_DESCRIPTION;
    APP_DATA "tls.app_data" Bytes "encrypted application data";
    HANDSHAKE "tls.handshake" Present @Session "a handshake message (one still encrypted too)";
    HANDSHAKE_TYPE "tls.handshake.type" Uint @Session "handshake message type" names TLS_HANDSHAKE_TYPE;
    HANDSHAKE_LENGTH "tls.handshake.length" Uint @Session "handshake message length";
    HANDSHAKE_VERSION "tls.handshake.version" Hex @Session "hello version (legacy_version)" names TLS_VERSION;
    HANDSHAKE_RANDOM "tls.handshake.random" Bytes @Session "hello random";
    HANDSHAKE_SESSION_ID_LENGTH "tls.handshake.session_id_length" Uint @Session "session ID length";
    HANDSHAKE_SESSION_ID "tls.handshake.session_id" Bytes @Session "session ID";
    HANDSHAKE_CIPHER_SUITES_LENGTH "tls.handshake.cipher_suites_length" Uint @Session "length of the offered cipher suites";
    HANDSHAKE_CIPHERSUITE "tls.handshake.ciphersuite" Hex @Session "cipher suite (offered or chosen)" names TLS_CIPHER_SUITE;
    HANDSHAKE_COMP_METHODS_LENGTH "tls.handshake.comp_methods_length" Uint @Session "length of the offered compression methods";
    HANDSHAKE_COMP_METHOD "tls.handshake.comp_method" Uint @Session "compression method" names TLS_COMPRESSION;
    HANDSHAKE_EXTENSIONS_LENGTH "tls.handshake.extensions_length" Uint @Session "length of the extensions";
    HANDSHAKE_EXTENSION_TYPE "tls.handshake.extension.type" Uint @Session "extension type" names TLS_EXTENSION;
    HANDSHAKE_EXTENSION_LEN "tls.handshake.extension.len" Uint @Session "extension length";
    HANDSHAKE_EXTENSIONS_SERVER_NAME_LIST_LEN "tls.handshake.extensions_server_name_list_len" Uint @Session "server name list length";
    HANDSHAKE_EXTENSIONS_SERVER_NAME_TYPE "tls.handshake.extensions_server_name_type" Uint @Session "server name type (0 host name)" names TLS_SERVER_NAME_TYPE;
    HANDSHAKE_EXTENSIONS_SERVER_NAME_LEN "tls.handshake.extensions_server_name_len" Uint @Session "server name length";
    HANDSHAKE_EXTENSIONS_SERVER_NAME "tls.handshake.extensions_server_name" Text @Session "server name (SNI)";
    HANDSHAKE_EXTENSIONS_SUPPORTED_GROUPS_LENGTH "tls.handshake.extensions_supported_groups_length" Uint @Session "supported groups length";
    HANDSHAKE_EXTENSIONS_SUPPORTED_GROUP "tls.handshake.extensions_supported_group" Hex @Session "supported group" names TLS_GROUP;
    HANDSHAKE_EXTENSIONS_EC_POINT_FORMATS_LENGTH "tls.handshake.extensions_ec_point_formats_length" Uint @Session "EC point formats length";
    HANDSHAKE_EXTENSIONS_EC_POINT_FORMAT "tls.handshake.extensions_ec_point_format" Uint @Session "EC point format" names TLS_EC_POINT_FORMAT;
    HANDSHAKE_SIG_HASH_ALG_LEN "tls.handshake.sig_hash_alg_len" Uint @Session "signature algorithms length";
    HANDSHAKE_SIG_HASH_ALG "tls.handshake.sig_hash_alg" Hex @Session "signature algorithm" names TLS_SIGNATURE_SCHEME;
    HANDSHAKE_SIG_HASH_HASH "tls.handshake.sig_hash_hash" Uint @Session "a signature algorithm's first byte, its hash as TLS 1.2 numbered them" names TLS_SIG_HASH;
    HANDSHAKE_SIG_HASH_SIG "tls.handshake.sig_hash_sig" Uint @Session "a signature algorithm's second byte, its signature as TLS 1.2 numbered them" names TLS_SIG_SIGNATURE;
    HANDSHAKE_EXTENSIONS_ALPN_LEN "tls.handshake.extensions_alpn_len" Uint @Session "ALPN extension length";
    HANDSHAKE_EXTENSIONS_ALPN_STR_LEN "tls.handshake.extensions_alpn_str_len" Uint @Session "ALPN protocol name length";
    HANDSHAKE_EXTENSIONS_ALPN_STR "tls.handshake.extensions_alpn_str" Text @Session "ALPN protocol";
    HANDSHAKE_EXTENSIONS_SUPPORTED_VERSIONS_LEN "tls.handshake.extensions.supported_versions_len" Uint @Session "supported versions length";
    HANDSHAKE_EXTENSIONS_SUPPORTED_VERSION "tls.handshake.extensions.supported_version" Hex @Session "supported (or selected) version" names TLS_VERSION;
    HANDSHAKE_EXTENSIONS_KEY_SHARE_CLIENT_LENGTH "tls.handshake.extensions_key_share_client_length" Uint @Session "client key shares length";
    HANDSHAKE_EXTENSIONS_KEY_SHARE_GROUP "tls.handshake.extensions_key_share_group" Uint @Session "key share group" names TLS_GROUP;
    HANDSHAKE_EXTENSIONS_KEY_SHARE_KEY_EXCHANGE_LENGTH "tls.handshake.extensions_key_share_key_exchange_length" Uint @Session "key share length";
    HANDSHAKE_EXTENSIONS_KEY_SHARE_KEY_EXCHANGE "tls.handshake.extensions_key_share_key_exchange" Bytes @Session "key share";
    HANDSHAKE_EXTENSIONS_KEY_SHARE_SELECTED_GROUP "tls.handshake.extensions_key_share_selected_group" Uint @Session "group a HelloRetryRequest asks for" names TLS_GROUP;
    HANDSHAKE_CERTIFICATES_LENGTH "tls.handshake.certificates_length" Uint @Session "certificate chain length";
    HANDSHAKE_CERTIFICATE_LENGTH "tls.handshake.certificate_length" Uint @Session "certificate length";
    HANDSHAKE_CERTIFICATE "tls.handshake.certificate" Bytes @Session "certificate (DER)";
    HANDSHAKE_SESSION_TICKET_LIFETIME_HINT "tls.handshake.session_ticket_lifetime_hint" Uint @Session "session ticket lifetime, seconds";
    HANDSHAKE_VERIFY_DATA "tls.handshake.verify_data" Present @Session "Finished verify data";
    SEGMENT "tls.segment" Uint "frame of a record whose plaintext gave bytes to a PDU spanning records";
    SEGMENT_COUNT "tls.segment.count" Uint "how many records the PDU was reassembled from";
    REASSEMBLED_LENGTH "tls.reassembled.length" Uint "length of the PDU reassembled from records";
}
