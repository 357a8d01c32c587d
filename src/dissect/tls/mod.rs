//! TLS (RFC 8446, RFC 5246): the records of one TCP segment's worth of stream, what they carry,
//! and how Wireshark names it all.
//!
//! Records span segments and handshake messages span records, so the tracker frames them and
//! hands this module finished pieces: a [`Tls`] layer is the records that one frame completed,
//! from one buffer (the frame itself, or a PDU reassembled from several segments), each with
//! its handshake messages completed in it and, when a key was known, its plaintext. This module
//! only reads what it is given: no state, no keys.

pub mod cert;
pub mod extension;
pub mod handshake;
pub mod ja3;
pub mod name;
pub mod names;
pub mod quic_parameters;
pub mod record;
pub mod sslv2;

use std::fmt;

use smallvec::SmallVec;

use super::field::{Emitter, Span, Value};
use crate::dissect::{LayerHeader, Tracked};
use crate::osi::Protocol;
use record::{RecordHeader, content_type};

/// The records one frame completed, from one buffer.
#[derive(Clone, Debug)]
pub struct Tls<'a> {
    pub records: SmallVec<[Record<'a>; 2]>,
    /// The version the session negotiated, once the ServerHello said; it names the protocol
    /// in the Protocol column.
    pub version: Option<u16>,
    /// The key exchange of the suite the session chose, which a ClientKeyExchange is read by.
    pub key_exchange: handshake::KeyExchange,
    /// For a record reassembled from several TCP segments: each segment's frame and how many
    /// of its bytes the record holds.
    pub segments: SmallVec<[(u64, usize); 4]>,
    /// A stream picked up mid-stream on a TLS port, before its first record boundary: the
    /// segment is the rest of a record begun before the capture, which Wireshark calls
    /// "Continuation Data" (and the layer has no records).
    pub continuation: bool,
    /// A stream picked up mid-stream whose version is known, before its first record
    /// boundary: the segment does not start with a record type, and Wireshark ignores it
    /// ("Ignored Unknown Record"; the layer has no records).
    pub ignored: bool,
}

/// One record.
#[derive(Clone, Debug)]
pub struct Record<'a> {
    pub header: RecordHeader,
    /// The record as it was on the wire: header and body.
    pub span: Span<'a>,
    /// Whether the record is protected under TLS 1.3, where the header's type is only a
    /// disguise (`opaque_type`) and the real one is inside the encryption.
    pub opaque: bool,
    pub content: Content<'a>,
    /// Handshake messages that this record's content completed (whole, perhaps reassembled
    /// from earlier records).
    pub messages: SmallVec<[Span<'a>; 2]>,
    /// What the tracker read in those messages, for the hellos and EncryptedExtensions:
    /// which message (its index in `messages`) and the fact.
    pub facts: Facts<'a>,
    /// Pieces of the plaintext that belong to a message spanning records (DNS over TLS's):
    /// the end of one begun in an earlier record, the start of one a later record ends.
    pub segment_data: SmallVec<[Span<'a>; 2]>,
    /// A server's ChangeCipherSpec in a session Wireshark calls resumed.
    pub resumed: bool,
}

/// The facts of a layer's handshake messages, each with the index of its message; most
/// records carry none.
pub type Facts<'a> = SmallVec<[(usize, Fact<'a>); 1]>;

/// What a handshake message tells of the session, as the tracker read it, so that later
/// stages (the timeline) need not parse the message again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact<'a> {
    /// A ClientHello that could be read.
    ClientHello {
        /// The server_name extension's host name.
        sni: Option<&'a str>,
        session_id: &'a [u8],
        /// Whether the early_data extension is there (0-RTT offered).
        early_data: bool,
        /// The protocols the ALPN extension offers, in order.
        alpn: SmallVec<[&'a [u8]; 2]>,
    },
    /// A ServerHello that is a HelloRetryRequest.
    HelloRetryRequest,
    /// A ServerHello that could be read (and is not a HelloRetryRequest).
    ServerHello {
        /// The version chosen: supported_versions' when there, else the legacy field.
        version: u16,
        /// Whether the pre_shared_key extension is there (TLS 1.3 resumption).
        psk: bool,
        session_id: &'a [u8],
        /// The first protocol of the ALPN extension: the one chosen.
        alpn: Option<&'a [u8]>,
    },
    /// An EncryptedExtensions message.
    EncryptedExtensions {
        /// Whether the early_data extension is there (0-RTT accepted).
        early_data: bool,
        /// None without an ALPN extension; else its first protocol, if it names one.
        alpn: Option<Option<&'a [u8]>>,
    },
}

impl<'a> Fact<'a> {
    /// The fact of message `index` among `facts`.
    pub fn of<'f>(facts: &'f [(usize, Fact<'a>)], index: usize) -> Option<&'f Fact<'a>> {
        facts.iter().find(|(at, _)| *at == index).map(|(_, fact)| fact)
    }
}

/// What is known of a record's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content<'a> {
    /// Sent in the clear: the body is the content.
    Clear,
    /// Decrypted with a key from the key log.
    Decrypted { content_type: u8, plaintext: Span<'a> },
    /// Still encrypted, and why.
    Encrypted(Undecrypted),
}

/// Why a protected record was not decrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Undecrypted {
    /// No key log entry matched the session.
    NoKey,
    /// The key did not open it.
    Failed(String),
    /// Earlier records of the stream were not seen, so its sequence number is unknown.
    Unsynchronised,
}

impl fmt::Display for Undecrypted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoKey => f.write_str("no key for this session"),
            Self::Failed(reason) => f.write_str(reason),
            Self::Unsynchronised => f.write_str("earlier records were not captured"),
        }
    }
}

impl<'a> Record<'a> {
    /// The body as sent (ciphertext, for a protected record).
    pub fn body(&self) -> Span<'a> {
        self.span.slice(record::HEADER_LEN, self.span.bytes.len())
    }

    /// The content type as far as it is known: the inner type of a decrypted TLS 1.3 record,
    /// `None` for one still encrypted.
    pub fn content_type(&self) -> Option<u8> {
        match &self.content {
            Content::Decrypted { content_type, .. } => Some(*content_type),
            Content::Encrypted(_) if self.opaque => None,
            _ => Some(self.header.content_type),
        }
    }

    /// The content in the clear, if it can be read.
    pub fn plaintext(&self) -> Option<Span<'a>> {
        match &self.content {
            Content::Clear => Some(self.body()),
            Content::Decrypted { plaintext, .. } => Some(*plaintext),
            Content::Encrypted(_) => None,
        }
    }

    /// Whether the record is an SSL 2.0-compatible ClientHello.
    pub fn is_sslv2(&self) -> bool {
        self.header.version == sslv2::VERSION
    }

    fn fields(&self, out: &mut Emitter<'_>, layout: handshake::Layout) {
        if self.is_sslv2() {
            return sslv2::fields(out, &self.span);
        }
        let mut record_out = out.within(&self.span);
        let header = self.header;
        record_out.at(name::RECORD, 0..self.span.bytes.len(), Value::Present);
        let type_name = if self.opaque { name::RECORD_OPAQUE_TYPE } else { name::RECORD_CONTENT_TYPE };
        record_out.at(type_name, 0..1, Value::Uint(header.content_type.into()));
        record_out.at(name::RECORD_VERSION, 1..3, Value::hex16(header.version));
        record_out.at(name::RECORD_LENGTH, 3..5, Value::Uint(header.length.into()));
        if let (true, Content::Decrypted { content_type, .. }) = (self.opaque, &self.content) {
            record_out.computed(name::RECORD_CONTENT_TYPE, Value::Uint((*content_type).into()));
        }
        let body = self.body();
        match self.content_type() {
            // A handshake record still encrypted (TLS 1.2's Finished without keys) is one
            // message, as tshark counts it.
            Some(content_type::HANDSHAKE) if self.messages.is_empty() && !body.bytes.is_empty() => {
                record_out.at(name::HANDSHAKE, 5..5 + body.bytes.len(), Value::Present);
            }
            Some(content_type::HANDSHAKE) => {
                for message in &self.messages {
                    handshake::fields(out, message, layout);
                }
            }
            Some(content_type::CHANGE_CIPHER_SPEC) => {
                record_out.at(name::CHANGE_CIPHER_SPEC, 5..6, Value::Present);
                if self.resumed {
                    record_out.computed(name::RESUMED, Value::Present);
                }
            }
            // An alert is two bytes: a longer one is still encrypted (its ChangeCipherSpec was
            // before the capture), which tshark shows as an "Encrypted Alert" message alone.
            Some(content_type::ALERT) => {
                if let Some(plaintext) = self.plaintext().filter(|p| p.bytes.len() == 2) {
                    let mut alert_out = out.within(&plaintext);
                    alert_out.at(name::ALERT_MESSAGE, 0..2, Value::Present);
                    alert_out.at(name::ALERT_MESSAGE_LEVEL, 0..1, Value::Uint(plaintext.bytes[0].into()));
                    alert_out.at(name::ALERT_MESSAGE_DESC, 1..2, Value::Uint(plaintext.bytes[1].into()));
                } else {
                    record_out.at(name::ALERT_MESSAGE, 5..5 + body.bytes.len(), Value::Present);
                }
            }
            Some(content_type::APPLICATION_DATA) | None => {
                record_out.at(name::APP_DATA, 5..5 + body.bytes.len(), Value::Bytes(body.bytes));
            }
            Some(_) => {}
        }
        for piece in &self.segment_data {
            out.within(piece).at(name::SEGMENT_DATA, 0..piece.bytes.len(), Value::Bytes(piece.bytes));
        }
    }

    /// Writes what the record carries for the Info column.
    pub fn write_info(&self, out: &mut dyn fmt::Write, first: &mut bool) -> fmt::Result {
        let mut name = |out: &mut dyn fmt::Write, text: &str| -> fmt::Result {
            if !*first {
                out.write_str(", ")?;
            }
            *first = false;
            out.write_str(text)
        };
        if self.is_sslv2() {
            return name(out, "Client Hello");
        }
        match self.content_type() {
            Some(content_type::HANDSHAKE) => {
                if self.plaintext().is_none() {
                    return name(out, "Encrypted Handshake Message");
                }
                for span in &self.messages {
                    let Some(&kind) = span.bytes.first() else { continue };
                    let message = handshake::Message { kind, bytes: span.bytes };
                    name(out, message.info_name())?;
                }
                Ok(())
            }
            Some(content_type::CHANGE_CIPHER_SPEC) => name(out, "Change Cipher Spec"),
            Some(content_type::ALERT) => match self.plaintext().filter(|p| p.bytes.len() == 2) {
                Some(alert) => {
                    let text = format!(
                        "Alert (Level: {}, Description: {})",
                        names::alert_level(alert.bytes[0]).unwrap_or("Unknown"),
                        names::alert_description(alert.bytes[1]).unwrap_or("Unknown")
                    );
                    name(out, &text)
                }
                None => name(out, "Encrypted Alert"),
            },
            Some(content_type::HEARTBEAT) => name(out, "Heartbeat"),
            _ => name(out, "Application Data"),
        }
    }
}

impl<'a> Tls<'a> {
    pub fn fields(&self, out: &mut Emitter<'_>) {
        super::tcp::reassembly_fields(out, &self.segments);
        let layout = handshake::Layout {
            tls13: self.version == Some(0x0304),
            dtls: false,
            key_exchange: self.key_exchange,
        };
        for record in &self.records {
            record.fields(out, layout);
        }
    }

    /// Writes the records' Info text, continuing a list that `first` says has begun or not.
    pub fn write_info(&self, out: &mut dyn fmt::Write, first: &mut bool) -> fmt::Result {
        if self.continuation {
            if !*first {
                out.write_str(", ")?;
            }
            *first = false;
            out.write_str("Continuation Data")?;
        }
        if self.ignored {
            if !*first {
                out.write_str(", ")?;
            }
            *first = false;
            out.write_str("Ignored Unknown Record")?;
        }
        for record in &self.records {
            record.write_info(out, first)?;
        }
        Ok(())
    }

    /// One line: the version, then each record's messages with what matters in them (server
    /// name, ALPN, suite, certificate names), then why anything stayed encrypted.
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        write!(out, "{}: ", self.column_name())?;
        let mut first = true;
        if self.continuation || self.ignored {
            self.write_info(out, &mut first)?;
        }
        for record in &self.records {
            if record.is_sslv2() {
                record.write_info(out, &mut first)?;
                out.write_str(" (SSLv2 format)")?;
                continue;
            }
            if record.content_type() != Some(content_type::HANDSHAKE) || record.plaintext().is_none() {
                record.write_info(out, &mut first)?;
                continue;
            }
            for span in &record.messages {
                if !first {
                    out.write_str(", ")?;
                }
                first = false;
                describe_message(out, span.bytes)?;
            }
        }
        let reasons: SmallVec<[&Undecrypted; 2]> = self
            .records
            .iter()
            .filter_map(|record| match &record.content {
                Content::Encrypted(reason) => Some(reason),
                _ => None,
            })
            .collect();
        if let Some(reason) = reasons.first() {
            write!(out, " (encrypted: {reason})")?;
        }
        Ok(())
    }

    /// The Protocol column: the negotiated version, or before it is known, the version of the
    /// first record; continuation data with neither is Wireshark's "SSL".
    pub fn column_name(&self) -> &'static str {
        let version = self.version.or_else(|| self.records.first().map(|record| record.header.version));
        if self.continuation && version.is_none() {
            return "SSL";
        }
        version_column_name(version.unwrap_or(0x0303))
    }
}

/// Writes a handshake message's name and, for the messages that shape a session, its gist.
fn describe_message(out: &mut dyn fmt::Write, bytes: &[u8]) -> fmt::Result {
    let Some(&kind) = bytes.first() else { return Ok(()) };
    let message = handshake::Message { kind, bytes };
    out.write_str(message.info_name())?;
    if let Some(hello) = message.hello() {
        let mut details: SmallVec<[String; 4]> = SmallVec::new();
        if kind == handshake::kind::CLIENT_HELLO {
            if let Some(name) = hello.server_name() {
                details.push(format!("SNI {name}"));
            }
            let alpn: Vec<String> = hello.alpn().map(|p| String::from_utf8_lossy(p).into_owned()).collect();
            if !alpn.is_empty() {
                details.push(format!("ALPN {}", alpn.join(",")));
            }
        } else {
            let version = hello.selected_version();
            details.push(names::version(version).map_or_else(|| format!("0x{version:04x}"), str::to_owned));
            if let Some(suite) = hello.cipher_suite() {
                details
                    .push(names::cipher_suite(suite).map_or_else(|| format!("0x{suite:04x}"), str::to_owned));
            }
            if let Some(protocol) = hello.alpn().next() {
                details.push(format!("ALPN {}", String::from_utf8_lossy(protocol)));
            }
        }
        if !details.is_empty() {
            write!(out, " ({})", details.join(", "))?;
        }
    } else if kind == handshake::kind::CERTIFICATE {
        let names: SmallVec<[String; 2]> = handshake::certificates(bytes)
            .filter_map(|der| cert::summarize(der).ok())
            .map(|summary| summary.short_name().to_owned())
            .collect();
        if !names.is_empty() {
            write!(out, " ({})", names.join(" < "))?;
        }
    }
    Ok(())
}

/// How the Protocol column names a TLS version.
pub fn version_column_name(version: u16) -> &'static str {
    match version {
        sslv2::VERSION => "SSLv2",
        0x0300 => "SSLv3",
        0x0301 => "TLSv1",
        0x0302 => "TLSv1.1",
        0x0303 => "TLSv1.2",
        0x0304 => "TLSv1.3",
        _ => "TLS",
    }
}

impl LayerHeader for Tls<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Tls
    }

    fn header_len(&self) -> usize {
        self.records.iter().map(|record| record.span.bytes.len()).sum()
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Tls::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Tls::summary(self, out)
    }

    /// The record version's name: `TLSv1.3`.
    fn column_name(&self) -> &'static str {
        Tls::column_name(self)
    }

    fn also_emits(&self) -> &'static [&'static str] {
        &["tcp"]
    }
}
