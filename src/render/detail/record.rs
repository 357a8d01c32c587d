//! The title tshark gives each TLS record in its `-V` tree: `TLSv1.3 Record Layer: Handshake
//! Protocol: Client Hello`, `TLSv1.2 Record Layer: Alert (Level: Warning, Description: Close
//! Notify)`, `TLSv1.3 Record Layer: Application Data Protocol: Hypertext Transfer Protocol`.
//!
//! tshark names the version its session holds when the record is read, and before the session
//! has one, the record's own: a record other than a ClientHello sets it to the record's
//! version, and a ServerHello (a HelloRetryRequest too) to the version it selects. So a
//! ClientHello is `TLSv1`, the ServerHello that follows `TLSv1.2` and the records after it
//! `TLSv1.3`. The invariant: titles are worked out from the records and the session's version
//! as rttscope's tracker saw it, plus what the packets shown before said; an application
//! protocol is named from ALPN when it was seen, else from the layer the records carry, else
//! from the server's port, as tshark's association does.

use std::collections::HashMap;

use crate::dissect::dtls::{self, Dtls};
use crate::dissect::tls::handshake::{self, Message};
use crate::dissect::tls::record::content_type;
use crate::dissect::tls::{Fact, Record, Tls};
use crate::registry::values;

/// What one TLS session, keyed by its TCP stream, said in the packets shown so far.
#[derive(Default)]
pub struct Sessions {
    by_stream: HashMap<u64, Session>,
}

#[derive(Clone, Copy, Default)]
struct Session {
    version: Option<u16>,
    /// The application protocol ALPN chose.
    application: Option<&'static str>,
}

/// Where a TLS layer sits: its TCP stream and ports, and the protocol of the layer after it.
pub struct Place {
    pub stream: Option<u64>,
    pub ports: [Option<u64>; 2],
    pub carried: Option<&'static str>,
}

impl Sessions {
    /// Each record's title, in order, and what the records tell of their session.
    pub fn titles(&mut self, tls: &Tls<'_>, place: &Place) -> Vec<String> {
        let known = place.stream.and_then(|stream| self.by_stream.get(&stream)).copied().unwrap_or_default();
        let selects = tls.records.iter().any(|record| record.messages.iter().any(|m| server_hello(m.bytes)));
        // Without a ServerHello here, the session's version did not change in this frame.
        let mut version = if selects { known.version } else { tls.version.or(known.version) };
        let mut application = known.application;
        for record in &tls.records {
            for (_, fact) in &record.facts {
                if let Some(alpn) = match fact {
                    Fact::ServerHello { alpn, .. } => *alpn,
                    Fact::EncryptedExtensions { alpn, .. } => alpn.flatten(),
                    _ => None,
                } {
                    application = alpn_protocol(alpn).or(application);
                }
            }
        }
        let application = application
            .or(place.carried)
            .or_else(|| place.ports.iter().flatten().find_map(|port| port_protocol(*port)))
            .unwrap_or("Application Data");
        let mut titles = Vec::with_capacity(tls.records.len());
        for record in &tls.records {
            titles.push(title(record, version.unwrap_or(record.header.version), application));
            if version.is_none() && authoritative(record) {
                version = Some(record.header.version);
            }
            // A ClientHello that offers early data makes tshark take TLS 1.3 at once, to read
            // the 0-RTT records after it.
            if record.facts.iter().any(|(_, fact)| matches!(fact, Fact::ClientHello { early_data: true, .. }))
            {
                version = Some(0x0304);
            }
            for message in &record.messages {
                if server_hello(message.bytes) {
                    let hello = Message { kind: handshake::kind::SERVER_HELLO, bytes: message.bytes }.hello();
                    version = hello.map(|hello| hello.selected_version()).or(version);
                }
            }
        }
        if let Some(stream) = place.stream {
            let application = (application != "Application Data").then_some(application);
            self.by_stream.insert(stream, Session { version, application });
        }
        titles
    }
}

/// Each DTLS record's title, by the version its session had when the record was read:
/// `DTLSv1.2 Record Layer: Handshake Protocol: Certificate (Fragment)`. Empty when a record
/// has DTLS 1.3's unified header, which tshark 4.0 does not read as DTLS: those keep the
/// titles the tree gives from their fields.
pub fn dtls_titles(dtls: &Dtls<'_>) -> Vec<String> {
    if dtls.records.iter().any(|record| record.header.is_unified()) {
        return Vec::new();
    }
    dtls.records.iter().map(dtls_title).collect()
}

fn dtls_title(record: &dtls::Record<'_>) -> String {
    let prefix = format!("{} Record Layer", dtls::version_name(record.session_version));
    match record.content_type() {
        // tshark leaves an encrypted message's record untitled, and names a HelloRetryRequest
        // by its type, a ServerHello.
        Some(content_type::HANDSHAKE) => match record.fragments.as_slice() {
            [] => "Record Layer".to_owned(),
            [only] => {
                format!(
                    "{prefix}: Handshake Protocol: {}{}",
                    handshake::info_name(only.header.kind),
                    only.suffix()
                )
            }
            [.., last] => {
                format!("{prefix}: Handshake Protocol: Multiple Handshake Messages{}", last.suffix())
            }
        },
        Some(content_type::CHANGE_CIPHER_SPEC) => {
            format!("{prefix}: Change Cipher Spec Protocol: Change Cipher Spec")
        }
        Some(content_type::ALERT) => alert_title(&prefix, record.plaintext().map(|alert| alert.bytes)),
        Some(content_type::APPLICATION_DATA) => {
            format!("{prefix}: Application Data Protocol: Application Data")
        }
        kind => {
            let name = kind.and_then(|kind| values::TLS_CONTENT_TYPE.name(kind.into())).unwrap_or("unknown");
            format!("{prefix}: {name} Protocol")
        }
    }
}

/// An alert record's title: its level and description when they can be read.
fn alert_title(prefix: &str, plaintext: Option<&[u8]>) -> String {
    match plaintext {
        Some([level, description, ..]) => format!(
            "{prefix}: Alert (Level: {}, Description: {})",
            values::TLS_ALERT_LEVEL.name((*level).into()).unwrap_or("Unknown"),
            values::TLS_ALERT_DESCRIPTION.name((*description).into()).unwrap_or("Unknown")
        ),
        _ => format!("{prefix}: Encrypted Alert"),
    }
}

fn server_hello(bytes: &[u8]) -> bool {
    bytes.first() == Some(&handshake::kind::SERVER_HELLO)
}

/// Whether tshark takes the record's version as the session's: any record but a ClientHello.
fn authoritative(record: &Record<'_>) -> bool {
    match record.content_type() {
        Some(content_type::HANDSHAKE) => {
            record.messages.first().and_then(|message| message.bytes.first())
                != Some(&handshake::kind::CLIENT_HELLO)
        }
        _ => true,
    }
}

/// `TLSv1.3 Record Layer: …` for one record, given the version tshark names.
fn title(record: &Record<'_>, version: u16, application: &str) -> String {
    let prefix = format!("{} Record Layer", version_name(version));
    let kind = record.content_type();
    match kind {
        Some(content_type::HANDSHAKE) => {
            let name = match (record.plaintext(), record.messages.as_slice()) {
                (None, _) => "Encrypted Handshake Message",
                (Some(_), [only]) => handshake_name(only.bytes),
                (Some(_), []) => "Encrypted Handshake Message",
                (Some(_), _) => "Multiple Handshake Messages",
            };
            format!("{prefix}: Handshake Protocol: {name}")
        }
        Some(content_type::CHANGE_CIPHER_SPEC) => {
            format!("{prefix}: Change Cipher Spec Protocol: Change Cipher Spec")
        }
        Some(content_type::ALERT) => alert_title(&prefix, record.plaintext().map(|alert| alert.bytes)),
        Some(content_type::APPLICATION_DATA) | None => {
            format!("{prefix}: Application Data Protocol: {application}")
        }
        Some(other) => {
            let name = values::TLS_CONTENT_TYPE.name(other.into()).unwrap_or("unknown");
            format!("{prefix}: {name} Protocol")
        }
    }
}

/// A handshake message's name as tshark titles it: a ServerHello that is a
/// HelloRetryRequest is one.
pub fn handshake_name(bytes: &[u8]) -> &'static str {
    let Some(&kind) = bytes.first() else { return "Unknown" };
    if (Message { kind, bytes }).is_hello_retry_request() {
        return "Hello Retry Request";
    }
    values::TLS_HANDSHAKE_TYPE.name(kind.into()).unwrap_or("Unknown")
}

/// tshark's short name of a version (`ssl_version_short_names`).
fn version_name(version: u16) -> &'static str {
    match version {
        0x0300 => "SSLv3",
        0x0301 => "TLSv1",
        0x0302 => "TLSv1.1",
        0x0303 => "TLSv1.2",
        0x0304 => "TLSv1.3",
        _ => "TLS",
    }
}

/// The protocol an ALPN identifier names, by its dissector's long name.
fn alpn_protocol(alpn: &[u8]) -> Option<&'static str> {
    match alpn {
        b"h2" => Some(HTTP2),
        b"http/1.1" | b"http/1.0" => Some(HTTP),
        b"dot" => Some(DNS),
        _ => None,
    }
}

/// The protocol tshark associates with a TLS port.
fn port_protocol(port: u64) -> Option<&'static str> {
    match port {
        443 | 8443 => Some(HTTP),
        853 => Some(DNS),
        _ => None,
    }
}

pub const HTTP: &str = "Hypertext Transfer Protocol";
pub const HTTP2: &str = "HyperText Transfer Protocol 2";
pub const DNS: &str = "Domain Name System";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_tsharks_short_names() {
        assert_eq!(version_name(0x0301), "TLSv1");
        assert_eq!(version_name(0x0304), "TLSv1.3");
        assert_eq!(version_name(0x7f1c), "TLS");
    }

    #[test]
    fn alpn_and_ports_name_the_application() {
        assert_eq!(alpn_protocol(b"h2"), Some(HTTP2));
        assert_eq!(alpn_protocol(b"spdy/3"), None);
        assert_eq!(port_protocol(853), Some(DNS));
        assert_eq!(port_protocol(4433), None);
    }
}
