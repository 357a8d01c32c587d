//! TLS handshake messages: their framing, the hellos every session is read from, and the
//! fields of each message as Wireshark names them.
//!
//! ```text
//! RFC 8446 section 4:
//! struct {
//!     HandshakeType msg_type;    1 client_hello, 2 server_hello, 4 new_session_ticket, 5
//!                                end_of_early_data, 8 encrypted_extensions, 11 certificate,
//!                                12 server_key_exchange, 13 certificate_request, 14
//!                                server_hello_done, 15 certificate_verify, 16
//!                                client_key_exchange, 20 finished, 22 certificate_status,
//!                                24 key_update
//!     uint24 length;
//!     ...body of msg_type...
//! } Handshake;
//!
//! struct {                                  (ServerHello: one cipher_suite, one
//!     ProtocolVersion legacy_version;        compression method, extensions optional
//!     Random random;                         before TLS 1.3)
//!     opaque legacy_session_id<0..32>;
//!     CipherSuite cipher_suites<2..2^16-2>;
//!     opaque legacy_compression_methods<1..2^8-1>;
//!     Extension extensions<8..2^16-1>;
//! } ClientHello;
//! ```
//! Messages may be cut across records and records across segments; the tracker reassembles
//! them, and what reaches this module is always one whole message.

use super::extension::{self, Extension, bytes_or_missing};
pub use key_exchange::KeyExchange;
use nom::Parser;

use crate::dissect::error::{
    Error, be_u8, be_u16, be_u16_list, be_u24, be_u32, into_error, length_data, take_bytes,
};
use crate::dissect::field::{Emitter, Span, Value};

pub const HEADER_LEN: usize = 4;
/// The largest handshake message the tracker reassembles: certificate chains beyond this are
/// not seen in practice, and a hostile length must not make it buffer more.
pub const MAX_MESSAGE_LEN: usize = 1 << 18;

/// The ServerHello random that marks a HelloRetryRequest (RFC 8446 section 4.1.3).
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2,
    0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

pub mod kind {
    pub const HELLO_REQUEST: u8 = 0;
    pub const CLIENT_HELLO: u8 = 1;
    pub const SERVER_HELLO: u8 = 2;
    pub const NEW_SESSION_TICKET: u8 = 4;
    pub const END_OF_EARLY_DATA: u8 = 5;
    pub const ENCRYPTED_EXTENSIONS: u8 = 8;
    pub const CERTIFICATE: u8 = 11;
    pub const SERVER_KEY_EXCHANGE: u8 = 12;
    pub const CERTIFICATE_REQUEST: u8 = 13;
    pub const SERVER_HELLO_DONE: u8 = 14;
    pub const CERTIFICATE_VERIFY: u8 = 15;
    pub const CLIENT_KEY_EXCHANGE: u8 = 16;
    pub const FINISHED: u8 = 20;
    pub const CERTIFICATE_STATUS: u8 = 22;
    pub const KEY_UPDATE: u8 = 24;
}

/// One whole handshake message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    pub kind: u8,
    /// The header and body, as they were sent.
    pub bytes: &'a [u8],
}

impl<'a> Message<'a> {
    pub fn body(&self) -> &'a [u8] {
        self.bytes.get(HEADER_LEN..).unwrap_or(&[])
    }

    /// Whether this ServerHello is a HelloRetryRequest.
    pub fn is_hello_retry_request(&self) -> bool {
        self.kind == kind::SERVER_HELLO && self.body().get(2..34) == Some(&HELLO_RETRY_REQUEST_RANDOM[..])
    }

    /// The hello this message is, if it is a ClientHello or ServerHello that can be read.
    pub fn hello(&self) -> Option<Hello<'a>> {
        match self.kind {
            kind::CLIENT_HELLO | kind::SERVER_HELLO => Hello::parse(self.kind, self.body()).ok(),
            _ => None,
        }
    }

    /// The message's name as Wireshark writes it in the Info column.
    pub fn info_name(&self) -> &'static str {
        if self.is_hello_retry_request() {
            return "Hello Retry Request";
        }
        info_name(self.kind)
    }
}

/// The name Wireshark's Info column gives a handshake type.
pub fn info_name(kind: u8) -> &'static str {
    super::names::handshake_type(kind).unwrap_or("Unknown Handshake Message")
}

/// The DER certificates of a Certificate message (either version's layout), in order.
pub fn certificates(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    certificates_of_body(bytes.get(HEADER_LEN..).unwrap_or(&[]))
}

/// The DER certificates of a Certificate message's body (either version's layout), in order:
/// for DTLS, whose handshake header is not TLS's.
pub fn certificates_of_body(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    // TLS 1.3 puts a request context (usually empty) first and extensions after each
    // certificate; TLS 1.2 has neither. The list length tells which layout it is.
    let tls13 = body.first().is_some_and(|&context| {
        let at = 1 + usize::from(context);
        body.get(at..at + 3).is_some_and(|len| {
            u32::from_be_bytes([0, len[0], len[1], len[2]]) as usize + at + 3 == body.len()
        })
    });
    let context = |input| if tls13 { length_data(be_u8)(input) } else { Ok((input, &[][..])) };
    let mut list =
        context(body).and_then(|(rest, _)| length_data(be_u24)(rest)).map_or(&[][..], |(_, list)| list);
    std::iter::from_fn(move || {
        if list.is_empty() {
            return None;
        }
        let (rest, certificate) = length_data(be_u24)(list).ok()?;
        list = rest;
        if tls13 {
            let (rest, _extensions) = length_data(be_u16)(list).ok()?;
            list = rest;
        }
        Some(certificate)
    })
}

/// Splits handshake content into whole messages; returns them and the bytes of an unfinished
/// message at the end, which belong with the next record's content.
pub fn split_messages(content: &[u8]) -> (smallvec::SmallVec<[Message<'_>; 4]>, &[u8]) {
    let mut messages = smallvec::SmallVec::new();
    let mut rest = content;
    while rest.len() >= HEADER_LEN {
        let len = u32::from_be_bytes([0, rest[1], rest[2], rest[3]]) as usize;
        if rest.len() < HEADER_LEN + len {
            break;
        }
        let (bytes, after) = rest.split_at(HEADER_LEN + len);
        messages.push(Message { kind: bytes[0], bytes });
        rest = after;
    }
    (messages, rest)
}

/// The length a message's header announces, once its four header bytes are there.
pub fn announced_len(header: &[u8]) -> Option<usize> {
    (header.len() >= HEADER_LEN)
        .then(|| HEADER_LEN + u32::from_be_bytes([0, header[1], header[2], header[3]]) as usize)
}

/// A ClientHello or ServerHello, read far enough to follow the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hello<'a> {
    pub kind: u8,
    pub legacy_version: u16,
    pub random: &'a [u8],
    pub session_id: &'a [u8],
    /// A DTLS ClientHello's cookie (empty in TLS, and in the first DTLS ClientHello).
    pub cookie: &'a [u8],
    /// The client's offered suites (pairs of bytes), or the server's one choice.
    pub cipher_suites: &'a [u8],
    pub compression_methods: &'a [u8],
    /// The extensions block without its length prefix, if the hello has one.
    pub extensions: Option<&'a [u8]>,
}

impl<'a> Hello<'a> {
    pub fn parse(kind: u8, body: &'a [u8]) -> Result<Self, Error> {
        Self::parse_with(kind, body, false)
    }

    /// Reads a hello of TLS or, if `dtls`, of DTLS, whose ClientHello has a cookie after the
    /// session ID (RFC 6347 section 4.2.1).
    pub fn parse_with(kind: u8, body: &'a [u8], dtls: bool) -> Result<Self, Error> {
        let (rest, (legacy_version, random, session_id)) =
            (be_u16, take_bytes(32), length_data(be_u8)).parse(body)?;
        let (rest, cookie) =
            if dtls && kind == kind::CLIENT_HELLO { length_data(be_u8)(rest)? } else { (rest, &[][..]) };
        let (rest, (cipher_suites, compression_methods)) = if kind == kind::CLIENT_HELLO {
            (length_data(be_u16), length_data(be_u8)).parse(rest)?
        } else {
            (take_bytes(2), take_bytes(1)).parse(rest)?
        };
        let extensions = if rest.is_empty() { None } else { Some(length_data(be_u16)(rest)?.1) };
        Ok(Self {
            kind,
            legacy_version,
            random,
            session_id,
            cookie,
            cipher_suites,
            compression_methods,
            extensions,
        })
    }

    pub fn extensions(&self) -> impl Iterator<Item = Extension<'a>> + 'a {
        extension::walk(self.extensions.unwrap_or(&[]))
    }

    pub fn extension(&self, kind: u16) -> Option<Extension<'a>> {
        self.extensions().find(|extension| extension.kind == kind)
    }

    /// The server's chosen suite.
    pub fn cipher_suite(&self) -> Option<u16> {
        be_u16_list(self.cipher_suites).next()
    }

    pub fn client_random(&self) -> Option<[u8; 32]> {
        self.random.try_into().ok()
    }

    /// The version the server chose: supported_versions if present (TLS 1.3), else the
    /// legacy field.
    pub fn selected_version(&self) -> u16 {
        self.extension(extension::kind::SUPPORTED_VERSIONS)
            .and_then(|extension| extension.data.get(..2))
            .map_or(self.legacy_version, |bytes| u16::from_be_bytes([bytes[0], bytes[1]]))
    }

    pub fn server_name(&self) -> Option<&'a str> {
        self.extension(extension::kind::SERVER_NAME).and_then(|extension| extension.server_name())
    }

    pub fn alpn(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.extension(extension::kind::ALPN).into_iter().flat_map(Extension::alpn)
    }
}

/// Emits a message's fields; `span` holds the message's bytes, `layout` says which version's
/// layout the ambiguous messages (Certificate, NewSessionTicket, ClientKeyExchange) have.
pub fn fields(out: &mut Emitter<'_>, span: &Span<'_>, layout: Layout) {
    let mut out = out.within(span);
    let bytes = span.bytes;
    let Some(&kind) = bytes.first() else { return };
    out.at(super::name::HANDSHAKE, 0..bytes.len(), Value::Present);
    out.at(super::name::HANDSHAKE_TYPE, 0..1, Value::Uint(kind.into()));
    if bytes.len() < HEADER_LEN {
        return;
    }
    let length = u32::from_be_bytes([0, bytes[1], bytes[2], bytes[3]]);
    out.at(super::name::HANDSHAKE_LENGTH, 1..4, Value::Uint(length.into()));
    let body = &bytes[HEADER_LEN..];
    body_fields(&mut out.nested(HEADER_LEN), kind, body, layout);
}

/// Which protocol's layout a handshake body has: TLS 1.3's or before (Certificate,
/// NewSessionTicket), and DTLS's (a cookie in the ClientHello, HelloVerifyRequest).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    pub tls13: bool,
    pub dtls: bool,
    /// The session's key exchange, which a ClientKeyExchange's layout depends on.
    pub key_exchange: KeyExchange,
}

/// The DTLS handshake type that carries the server's cookie (RFC 6347 section 4.2.1).
pub const HELLO_VERIFY_REQUEST: u8 = 3;

/// Emits the fields of a message's body, `out` placed at the body's first byte; shared by TLS
/// and DTLS, whose handshake headers differ (4 bytes, 12 bytes) but whose bodies do not, but
/// for the ClientHello's cookie and the HelloVerifyRequest. DTLS's names are TLS's with a
/// `d` in front: its layer emits through [`Emitter::with_names`](crate::dissect::field::Emitter::with_names).
pub fn body_fields(body_out: &mut Emitter<'_>, kind: u8, body: &[u8], layout: Layout) {
    let tls13 = layout.tls13;
    // A body that ends early still shows what it had; the rest is simply not there.
    let _ = match kind {
        kind::CLIENT_HELLO | kind::SERVER_HELLO => {
            let read = hello_fields(body_out, kind, body, layout);
            super::ja3::fields(body_out, kind, body, layout.dtls);
            read
        }
        HELLO_VERIFY_REQUEST if layout.dtls => hello_verify_request_fields(body_out, body),
        kind::CERTIFICATE => certificate_fields(body_out, body, layout),
        kind::NEW_SESSION_TICKET => ticket_fields(body_out, body, layout),
        kind::ENCRYPTED_EXTENSIONS => extensions_fields(body_out, body, body, kind, layout.dtls).map(|_| ()),
        kind::FINISHED => {
            body_out.at(super::name::HANDSHAKE_VERIFY_DATA, 0..body.len(), Value::Present);
            Ok(())
        }
        kind::SERVER_KEY_EXCHANGE => key_exchange::server_fields(body_out, body),
        kind::CLIENT_KEY_EXCHANGE => key_exchange::client_fields(body_out, body, layout.key_exchange),
        kind::CERTIFICATE_REQUEST if !tls13 => certificate_request_fields(body_out, body),
        kind::CERTIFICATE_VERIFY => be_u16(body)
            .map(|(_, scheme)| extension::signature_algorithm(body_out, 0, scheme))
            .map_err(into_error)
            .and_then(|()| {
                let names = (
                    super::name::HANDSHAKE_CLIENT_CERT_VRFY_SIG_LEN,
                    super::name::HANDSHAKE_CLIENT_CERT_VRFY_SIG,
                );
                signature_fields(body_out, body, 2, names)
            }),
        _ => Ok(()),
    };
}

/// A HelloVerifyRequest's body: the server's version and the cookie (RFC 6347 4.2.1).
fn hello_verify_request_fields(out: &mut Emitter<'_>, body: &[u8]) -> Result<(), Error> {
    let (rest, version) = be_u16(body)?;
    out.at(super::name::HANDSHAKE_VERSION, 0..2, Value::hex16(version));
    cookie_fields(out, body, rest).map(|_| ())
}

/// The cookie at the front of `input`, a tail of `body`; returns what follows it.
fn cookie_fields<'a>(out: &mut Emitter<'_>, body: &[u8], input: &'a [u8]) -> Result<&'a [u8], Error> {
    use crate::dissect::dtls::name as dtls;
    let start = body.len() - input.len();
    let (rest, cookie) = length_data(be_u8)(input)?;
    out.at(dtls::HANDSHAKE_COOKIE_LENGTH, start..start + 1, Value::Uint(cookie.len() as u64));
    if !cookie.is_empty() {
        out.at(dtls::HANDSHAKE_COOKIE, start + 1..start + 1 + cookie.len(), Value::Bytes(cookie));
    }
    Ok(rest)
}

/// A hello's fields. Its random is also read as a time and 28 bytes, as TLS 1.2 laid it out,
/// unless the session is already TLS 1.3's (a ServerHello that chose it, or a ClientHello
/// after a HelloRetryRequest), as tshark reads it; DTLS's always is, for tshark 4.0 never
/// takes a DTLS session for TLS 1.3.
fn hello_fields(out: &mut Emitter<'_>, kind: u8, body: &[u8], layout: Layout) -> Result<(), Error> {
    let dtls = layout.dtls;
    let at = |rest: &[u8]| body.len() - rest.len();
    let (rest, version) = be_u16(body)?;
    out.at(super::name::HANDSHAKE_VERSION, 0..2, Value::hex16(version));
    let (rest, random) = take_bytes(32)(rest)?;
    out.at(super::name::HANDSHAKE_RANDOM, 2..34, Value::Bytes(random));
    if dtls || !layout.tls13 {
        let seconds = u32::from_be_bytes([random[0], random[1], random[2], random[3]]);
        out.at(super::name::HANDSHAKE_RANDOM_TIME, 2..6, Value::Date(i64::from(seconds) * 1_000_000_000));
        out.at(super::name::HANDSHAKE_RANDOM_BYTES, 6..34, Value::Bytes(&random[4..]));
    }
    let start = at(rest);
    let (rest, session_id) = length_data(be_u8)(rest)?;
    out.at(super::name::HANDSHAKE_SESSION_ID_LENGTH, start..start + 1, Value::Uint(session_id.len() as u64));
    if !session_id.is_empty() {
        out.at(super::name::HANDSHAKE_SESSION_ID, start + 1..at(rest), Value::Bytes(session_id));
    }
    let rest = if dtls && kind == kind::CLIENT_HELLO { cookie_fields(out, body, rest)? } else { rest };
    let rest = if kind == kind::CLIENT_HELLO {
        let start = at(rest);
        let (rest, suites) = length_data(be_u16)(rest)?;
        out.at(
            super::name::HANDSHAKE_CIPHER_SUITES_LENGTH,
            start..start + 2,
            Value::Uint(suites.len() as u64),
        );
        for (index, suite) in be_u16_list(suites).enumerate() {
            let from = start + 2 + index * 2;
            out.at(super::name::HANDSHAKE_CIPHERSUITE, from..from + 2, Value::hex16(suite));
        }
        let start = at(rest);
        let (rest, methods) = length_data(be_u8)(rest)?;
        out.at(
            super::name::HANDSHAKE_COMP_METHODS_LENGTH,
            start..start + 1,
            Value::Uint(methods.len() as u64),
        );
        for (index, method) in methods.iter().enumerate() {
            let from = start + 1 + index;
            out.at(super::name::HANDSHAKE_COMP_METHOD, from..from + 1, Value::Uint((*method).into()));
        }
        rest
    } else {
        let start = at(rest);
        let (rest, suite) = be_u16(rest)?;
        out.at(super::name::HANDSHAKE_CIPHERSUITE, start..start + 2, Value::hex16(suite));
        let (rest, method) = be_u8(rest)?;
        out.at(super::name::HANDSHAKE_COMP_METHOD, start + 2..start + 3, Value::Uint(method.into()));
        rest
    };
    if rest.is_empty() {
        return Ok(());
    }
    let message_kind = if kind == kind::SERVER_HELLO && random == HELLO_RETRY_REQUEST_RANDOM {
        extension::HELLO_RETRY_REQUEST
    } else {
        kind
    };
    extensions_fields(out, body, rest, message_kind, layout.dtls).map(|_| ())
}

/// The fields of the extensions block at the front of `input`, a tail of `body` that the
/// offsets are relative to; returns what follows the block.
fn extensions_fields<'a>(
    out: &mut Emitter<'_>,
    body: &[u8],
    input: &'a [u8],
    kind: u8,
    dtls: bool,
) -> Result<&'a [u8], Error> {
    let start = body.len() - input.len();
    let (rest, block) = length_data(be_u16)(input)?;
    out.at(super::name::HANDSHAKE_EXTENSIONS_LENGTH, start..start + 2, Value::Uint(block.len() as u64));
    let mut block_out = out.nested(start + 2);
    for extension in extension::walk(block) {
        extension.fields(&mut block_out, block, kind, dtls);
    }
    Ok(rest)
}

fn certificate_fields(out: &mut Emitter<'_>, body: &[u8], layout: Layout) -> Result<(), Error> {
    let tls13 = layout.tls13;
    // TLS 1.3 (RFC 8446 section 4.4.2): the request context comes first.
    let rest = if tls13 {
        let (rest, context) = length_data(be_u8)(body)?;
        out.at(
            super::name::HANDSHAKE_CERTIFICATE_REQUEST_CONTEXT_LENGTH,
            0..1,
            Value::Uint(context.len() as u64),
        );
        rest
    } else {
        body
    };
    let start = body.len() - rest.len();
    let (_, list) = length_data(be_u24)(rest)?;
    out.at(super::name::HANDSHAKE_CERTIFICATES_LENGTH, start..start + 3, Value::Uint(list.len() as u64));
    let list_start = start + 3;
    let mut entries = list;
    while !entries.is_empty() {
        let from = list_start + (list.len() - entries.len());
        let (rest, certificate) = length_data(be_u24)(entries)?;
        entries = rest;
        out.at(
            super::name::HANDSHAKE_CERTIFICATE_LENGTH,
            from..from + 3,
            Value::Uint(certificate.len() as u64),
        );
        out.at(
            super::name::HANDSHAKE_CERTIFICATE,
            from + 3..from + 3 + certificate.len(),
            Value::Bytes(certificate),
        );
        if tls13 {
            let mut entry_out = out.nested(list_start);
            entries = extensions_fields(&mut entry_out, list, entries, kind::CERTIFICATE, layout.dtls)?;
        }
    }
    Ok(())
}

/// The signature's length and bytes at `at` in `body` (after its algorithm, if it has one),
/// under the `names` of the message's fields for them.
fn signature_fields(
    out: &mut Emitter<'_>,
    body: &[u8],
    at: usize,
    (length_name, signature_name): (&'static str, &'static str),
) -> Result<(), Error> {
    let (_, signature) = length_data(be_u16)(body.get(at..).unwrap_or(&[]))?;
    out.at(length_name, at..at + 2, Value::Uint(signature.len() as u64));
    out.at(signature_name, at + 2..at + 2 + signature.len(), Value::Bytes(signature));
    Ok(())
}

/// A TLS 1.2 CertificateRequest (RFC 5246 section 7.4.4): the certificate types, then the
/// signature algorithms the server accepts.
fn certificate_request_fields(out: &mut Emitter<'_>, body: &[u8]) -> Result<(), Error> {
    let (rest, types) = length_data(be_u8)(body)?;
    out.at(super::name::HANDSHAKE_CERT_TYPES_COUNT, 0..1, Value::Uint(types.len() as u64));
    for (index, kind) in types.iter().enumerate() {
        out.at(super::name::HANDSHAKE_CERT_TYPE, 1 + index..2 + index, Value::Uint((*kind).into()));
    }
    let start = body.len() - rest.len();
    let (rest, algorithms) = length_data(be_u16)(rest)?;
    out.at(super::name::HANDSHAKE_SIG_HASH_ALG_LEN, start..start + 2, Value::Uint(algorithms.len() as u64));
    for (index, algorithm) in be_u16_list(algorithms).enumerate() {
        extension::signature_algorithm(out, start + 2 + index * 2, algorithm);
    }
    // The certificate authorities the server accepts; tshark takes each name apart as X.509's
    // DistinguishedName, which rttscope does not draw here (none of the captures it is
    // compared on names one).
    let start = body.len() - rest.len();
    let (_, names) = length_data(be_u16)(rest)?;
    out.at(super::name::HANDSHAKE_DNAMES_LEN, start..start + 2, Value::Uint(names.len() as u64));
    Ok(())
}

/// A NewSessionTicket's body: the lifetime hint; in TLS 1.3 the age obfuscator and the nonce;
/// the ticket; in TLS 1.3 its extensions.
fn ticket_fields(out: &mut Emitter<'_>, body: &[u8], layout: Layout) -> Result<(), Error> {
    let tls13 = layout.tls13;
    let at = |rest: &[u8]| body.len() - rest.len();
    let (mut rest, lifetime) = be_u32(body)?;
    out.at(super::name::HANDSHAKE_SESSION_TICKET_LIFETIME_HINT, 0..4, Value::Uint(lifetime.into()));
    if tls13 {
        let (after, age_add) = be_u32(rest)?;
        out.at(super::name::HANDSHAKE_SESSION_TICKET_AGE_ADD, 4..8, Value::Uint(age_add.into()));
        let (after, nonce) = length_data(be_u8)(after)?;
        out.at(super::name::HANDSHAKE_SESSION_TICKET_NONCE_LENGTH, 8..9, Value::Uint(nonce.len() as u64));
        out.at(super::name::HANDSHAKE_SESSION_TICKET_NONCE, 9..at(after), bytes_or_missing(nonce));
        rest = after;
    }
    let start = at(rest);
    let (rest, ticket) = length_data(be_u16)(rest)?;
    out.at(super::name::HANDSHAKE_SESSION_TICKET_LENGTH, start..start + 2, Value::Uint(ticket.len() as u64));
    out.at(super::name::HANDSHAKE_SESSION_TICKET, start + 2..at(rest), bytes_or_missing(ticket));
    if tls13 {
        extensions_fields(out, body, rest, kind::NEW_SESSION_TICKET, layout.dtls)?;
    }
    Ok(())
}

mod key_exchange;
#[cfg(test)]
mod tests;
