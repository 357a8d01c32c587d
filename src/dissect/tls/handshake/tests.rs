use super::*;
use crate::dissect::field::{Field, Source};

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
    fields(&mut out, &Span::new(bytes, Source::Decrypted, 0), false);
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
