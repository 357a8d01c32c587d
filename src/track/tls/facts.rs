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
    let message = handshake::Message { kind: *bytes.first()?, bytes };
    match message.kind {
        kind::CLIENT_HELLO => {
            let hello = message.hello()?;
            Some(Fact::ClientHello {
                sni: hello.server_name(),
                session_id: hello.session_id,
                early_data: hello.extension(extension::kind::EARLY_DATA).is_some(),
                alpn: hello.alpn().collect(),
            })
        }
        kind::SERVER_HELLO if message.is_hello_retry_request() => Some(Fact::HelloRetryRequest),
        kind::SERVER_HELLO => {
            let hello = message.hello()?;
            Some(Fact::ServerHello {
                version: hello.selected_version(),
                psk: hello.extension(extension::kind::PRE_SHARED_KEY).is_some(),
                session_id: hello.session_id,
                alpn: hello.alpn().next(),
            })
        }
        kind::ENCRYPTED_EXTENSIONS => {
            // The block as the timeline always read it: everything after the length.
            let block = message.body().get(2..).unwrap_or(&[]);
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
