//! The facts the tracker records of the handshake messages it hands on (hellos and
//! EncryptedExtensions), borrowed from the messages' bytes in the frame's layers, so that the
//! timeline reads them instead of parsing the messages again.
//!
//! Only those three kinds are read, and only once each: every other message has no fact, so
//! records without a hello cost nothing.

use crate::dissect::field::Span;
use crate::dissect::tls::extension;
use crate::dissect::tls::handshake::{self, kind};
use crate::dissect::tls::{Fact, Facts};

/// The facts of `messages`, each with its message's index.
pub fn of<'a>(messages: &[Span<'a>]) -> Facts<'a> {
    messages.iter().enumerate().filter_map(|(index, span)| Some((index, fact(span.bytes)?))).collect()
}

/// What one whole handshake message (header and body) tells, if it is a hello that can be read
/// or an EncryptedExtensions.
pub fn fact(bytes: &[u8]) -> Option<Fact<'_>> {
    fact_of_body(*bytes.first()?, bytes.get(handshake::HEADER_LEN..).unwrap_or(&[]), false)
}

/// What a message of `message_kind` tells from its `body`; `dtls` says the body is DTLS's
/// (a ClientHello with a cookie), whose handshake header is not TLS's.
pub fn fact_of_body(message_kind: u8, body: &[u8], dtls: bool) -> Option<Fact<'_>> {
    let hello = || handshake::Hello::parse_with(message_kind, body, dtls).ok();
    match message_kind {
        kind::CLIENT_HELLO => {
            let hello = hello()?;
            Some(Fact::ClientHello {
                sni: hello.server_name(),
                session_id: hello.session_id,
                early_data: hello.extension(extension::kind::EARLY_DATA).is_some(),
                alpn: hello.alpn().collect(),
            })
        }
        kind::SERVER_HELLO if body.get(2..34) == Some(&handshake::HELLO_RETRY_REQUEST_RANDOM[..]) => {
            Some(Fact::HelloRetryRequest)
        }
        kind::SERVER_HELLO => {
            let hello = hello()?;
            Some(Fact::ServerHello {
                version: hello.selected_version(),
                psk: hello.extension(extension::kind::PRE_SHARED_KEY).is_some(),
                session_id: hello.session_id,
                alpn: hello.alpn().next(),
            })
        }
        kind::ENCRYPTED_EXTENSIONS => {
            // The block as the timeline always read it: everything after the length.
            let block = body.get(2..).unwrap_or(&[]);
            let mut early_data = false;
            let mut alpn = None;
            for extension in extension::walk(block) {
                match extension.kind {
                    extension::kind::EARLY_DATA => early_data = true,
                    extension::kind::ALPN if alpn.is_none() => alpn = Some(extension.alpn().next()),
                    _ => {}
                }
            }
            Some(Fact::EncryptedExtensions { early_data, alpn })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A handshake message of `kind` with `body`.
    fn message(kind: u8, body: &[u8]) -> Vec<u8> {
        let len = body.len();
        let mut bytes = vec![kind, (len >> 16) as u8, (len >> 8) as u8, len as u8];
        bytes.extend_from_slice(body);
        bytes
    }

    /// An extension of `kind` with `data`.
    fn extension(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut bytes = kind.to_be_bytes().to_vec();
        bytes.extend_from_slice(&(data.len() as u16).to_be_bytes());
        bytes.extend_from_slice(data);
        bytes
    }

    /// A hello body: version 3.3, a random of 7s, `session_id`, then the suites and
    /// compression (a client's lists, a server's choice) and `extensions`.
    fn hello(kind: u8, session_id: &[u8], extensions: &[u8]) -> Vec<u8> {
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.push(session_id.len() as u8);
        body.extend_from_slice(session_id);
        if kind == kind::CLIENT_HELLO {
            body.extend_from_slice(&[0, 2, 0x13, 0x01, 1, 0]);
        } else {
            body.extend_from_slice(&[0x13, 0x01, 0]);
        }
        body.extend_from_slice(&(extensions.len() as u16).to_be_bytes());
        body.extend_from_slice(extensions);
        message(kind, &body)
    }

    #[test]
    fn a_client_hello_says_its_name_session_early_data_and_offered_protocols() {
        let mut extensions = extension(extension::kind::SERVER_NAME, &[0, 6, 0, 0, 3, b'a', b'.', b'b']);
        extensions.extend(extension(extension::kind::EARLY_DATA, &[]));
        extensions.extend(extension(extension::kind::ALPN, &[0, 6, 2, b'h', b'2', 2, b'h', b'3']));
        let bytes = hello(kind::CLIENT_HELLO, &[9, 9], &extensions);
        let Some(Fact::ClientHello { sni, session_id, early_data, alpn }) = fact(&bytes) else {
            panic!("{:?}", fact(&bytes))
        };
        assert_eq!((sni, session_id, early_data), (Some("a.b"), &[9, 9][..], true));
        assert_eq!(alpn.as_slice(), [&b"h2"[..], &b"h3"[..]]);
    }

    #[test]
    fn a_server_hello_says_the_chosen_version_resumption_and_protocol() {
        let mut extensions = extension(extension::kind::SUPPORTED_VERSIONS, &[3, 4]);
        extensions.extend(extension(extension::kind::PRE_SHARED_KEY, &[0, 0]));
        extensions.extend(extension(extension::kind::ALPN, &[0, 3, 2, b'h', b'2']));
        let bytes = hello(kind::SERVER_HELLO, &[], &extensions);
        assert_eq!(
            fact(&bytes),
            Some(Fact::ServerHello { version: 0x0304, psk: true, session_id: &[], alpn: Some(&b"h2"[..]) })
        );
        // Without supported_versions, the legacy version is the one chosen.
        let bytes = hello(kind::SERVER_HELLO, &[1], &[]);
        assert_eq!(
            fact(&bytes),
            Some(Fact::ServerHello { version: 0x0303, psk: false, session_id: &[1], alpn: None })
        );
    }

    #[test]
    fn facts_name_their_messages_by_index() {
        let finished = message(kind::FINISHED, &[0; 32]);
        let extensions = message(kind::ENCRYPTED_EXTENSIONS, &[0, 0]);
        let spans =
            [Span::new(&finished, Default::default(), 0), Span::new(&extensions, Default::default(), 0)];
        let facts = of(&spans);
        assert_eq!(Fact::of(&facts, 0), None);
        assert_eq!(Fact::of(&facts, 1), Some(&Fact::EncryptedExtensions { early_data: false, alpn: None }));
    }

    #[test]
    fn encrypted_extensions_say_early_data_and_the_chosen_protocol() {
        // early_data (42, empty), then ALPN (16) naming "h3".
        let extensions = [0, 42, 0, 0, 0, 16, 0, 5, 0, 3, 2, b'h', b'3'];
        let mut body = vec![0, extensions.len() as u8];
        body.extend_from_slice(&extensions);
        let bytes = message(kind::ENCRYPTED_EXTENSIONS, &body);
        assert_eq!(
            fact(&bytes),
            Some(Fact::EncryptedExtensions { early_data: true, alpn: Some(Some(&b"h3"[..])) })
        );
        let bare = message(kind::ENCRYPTED_EXTENSIONS, &[0, 0]);
        assert_eq!(fact(&bare), Some(Fact::EncryptedExtensions { early_data: false, alpn: None }));
    }

    #[test]
    fn a_hello_retry_request_is_told_apart_and_other_messages_have_no_fact() {
        let mut body = vec![3, 3];
        body.extend_from_slice(&handshake::HELLO_RETRY_REQUEST_RANDOM);
        assert_eq!(fact(&message(kind::SERVER_HELLO, &body)), Some(Fact::HelloRetryRequest));
        assert_eq!(fact(&message(kind::FINISHED, &[0; 32])), None);
        // A ClientHello too short to read has no fact.
        assert_eq!(fact(&message(kind::CLIENT_HELLO, &[3, 3])), None);
    }
}
