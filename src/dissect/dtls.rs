//! DTLS (RFC 6347 for 1.2, RFC 9147 for 1.3): the records of one datagram, the handshake
//! fragments they carry, and how Wireshark names it all.
//!
//! A datagram holds whole records; a handshake message may be cut into fragments over several
//! records and datagrams. The tracker reads the datagram, reassembles the messages and
//! decrypts what it has keys for, then hands this module the result: a [`Dtls`] layer is the
//! records of one datagram, each with its fragments, and each fragment with its message's
//! body when this fragment completed it. The bodies are read by TLS's handshake code
//! (`tls::handshake::body_fields`), under DTLS's names. This module only reads what it is given.

pub mod name;
pub mod record;

use std::fmt;

use smallvec::SmallVec;

use super::field::{Emitter, Span, Value};
use super::tls::handshake::{self, Layout};
use super::tls::record::content_type;
use super::tls::{Content, names};
use crate::dissect::{LayerHeader, Tracked};
use crate::osi::Protocol;
use record::{FRAGMENT_HEADER_LEN, FragmentHeader, Header};

/// The records of one datagram.
#[derive(Clone, Debug)]
pub struct Dtls<'a> {
    pub records: SmallVec<[Record<'a>; 2]>,
    /// The session's version as Wireshark follows it (the first record that is not a
    /// ClientHello, then the ServerHello's), which names the Protocol column.
    pub version: Option<u16>,
    /// The key exchange of the suite the session chose, which a ClientKeyExchange is read by.
    pub key_exchange: handshake::KeyExchange,
}

/// One record.
#[derive(Clone, Debug)]
pub struct Record<'a> {
    pub header: Header<'a>,
    /// The record as it was on the wire: header and body.
    pub span: Span<'a>,
    pub header_len: usize,
    /// The body as sent, or as decrypted.
    pub content: Content<'a>,
    /// The handshake fragments of a handshake record whose content can be read.
    pub fragments: SmallVec<[Fragment<'a>; 2]>,
    /// The session's version when the record was read (before a ServerHello in it), as
    /// Wireshark follows it: the version its title names.
    pub session_version: Option<u16>,
}

/// One handshake fragment, and what it did to its message.
#[derive(Clone, Debug)]
pub struct Fragment<'a> {
    pub header: FragmentHeader,
    /// The fragment's header and bytes, where they are (the frame, or decrypted plaintext).
    pub span: Span<'a>,
    pub assembly: Assembly<'a>,
}

/// What a fragment did to its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assembly<'a> {
    /// The fragment is the whole message.
    Whole,
    /// Part of a message still incomplete.
    Part,
    /// The fragment completed its message: the body, reassembled, and each fragment's frame
    /// and length, in order of offset.
    Reassembled { body: Span<'a>, pieces: SmallVec<[(u64, usize); 4]> },
    /// The fragment cannot belong to its message, and why; nothing of it is kept.
    Outside(String),
}

impl<'a> Fragment<'a> {
    /// The message's body, when this fragment completed it.
    pub fn body(&self) -> Option<Span<'a>> {
        match &self.assembly {
            Assembly::Whole => Some(self.span.slice(FRAGMENT_HEADER_LEN, self.span.bytes.len())),
            Assembly::Reassembled { body, .. } => Some(*body),
            Assembly::Part | Assembly::Outside(_) => None,
        }
    }

    /// The message's name as the Info column and the record's title write it.
    pub fn name(&self) -> &'static str {
        let kind = self.header.kind;
        let hello_retry = kind == handshake::kind::SERVER_HELLO
            && self.body().and_then(|body| body.bytes.get(2..34))
                == Some(&handshake::HELLO_RETRY_REQUEST_RANDOM[..]);
        if hello_retry { "Hello Retry Request" } else { handshake::info_name(kind) }
    }

    /// What follows the name: ` (Fragment)` for part of a message, ` (Reassembled)` for the
    /// fragment that completed one.
    pub fn suffix(&self) -> &'static str {
        match self.assembly {
            Assembly::Part | Assembly::Outside(_) => " (Fragment)",
            Assembly::Reassembled { .. } => " (Reassembled)",
            Assembly::Whole => "",
        }
    }

    fn write_info(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        out.write_str(self.name())?;
        out.write_str(self.suffix())
    }

    fn fields(&self, out: &mut Emitter<'_>, layout: Layout) {
        let header = self.header;
        let mut fragment_out = out.within(&self.span);
        fragment_out.at(name::HANDSHAKE, 0..self.span.bytes.len(), Value::Present);
        fragment_out.at(name::HANDSHAKE_TYPE, 0..1, Value::Uint(header.kind.into()));
        fragment_out.at(name::HANDSHAKE_LENGTH, 1..4, Value::Uint(header.length.into()));
        fragment_out.at(name::HANDSHAKE_MESSAGE_SEQ, 4..6, Value::Uint(header.message_seq.into()));
        fragment_out.at(name::HANDSHAKE_FRAGMENT_OFFSET, 6..9, Value::Uint(header.fragment_offset.into()));
        fragment_out.at(name::HANDSHAKE_FRAGMENT_LENGTH, 9..12, Value::Uint(header.fragment_length.into()));
        let Some(body) = self.body() else { return };
        let mut body_out = out.within(&body);
        body_out.with_names(name::twin, |body_out| {
            handshake::body_fields(body_out, header.kind, body.bytes, layout)
        });
        if let Assembly::Reassembled { pieces, .. } = &self.assembly {
            body_out.computed(name::FRAGMENTS, Value::Present);
            // Each fragment covers the bytes of the message it brought.
            let mut at = 0;
            for &(frame, size) in pieces {
                let end = (at + size).min(body.bytes.len());
                body_out.at(name::FRAGMENT, at..end, Value::Uint(frame));
                at = end;
            }
            body_out.computed(name::FRAGMENT_COUNT, Value::Uint(pieces.len() as u64));
            body_out.computed(name::REASSEMBLED_LENGTH, Value::Uint(body.bytes.len() as u64));
        }
    }
}

/// A session's version as the Protocol column and the records' titles name it, or `DTLS`
/// before it is known.
pub fn version_name(version: Option<u16>) -> &'static str {
    match version {
        Some(record::version::DTLS_1_0 | record::version::DTLS_1_0_OPENSSL) => "DTLSv1.0",
        Some(record::version::DTLS_1_2) => "DTLSv1.2",
        Some(record::version::DTLS_1_3) => "DTLSv1.3",
        _ => "DTLS",
    }
}

impl<'a> Record<'a> {
    /// The body as sent (ciphertext, for a protected record).
    pub fn body(&self) -> Span<'a> {
        self.span.slice(self.header_len, self.span.bytes.len())
    }

    /// The content type as far as it is known: a decrypted record's inner type, `None` for a
    /// unified header's record still encrypted.
    pub fn content_type(&self) -> Option<u8> {
        match &self.content {
            Content::Decrypted { content_type, .. } => Some(*content_type),
            _ => self.header.content_type(),
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

    fn header_fields(&self, out: &mut Emitter<'_>) {
        out.at(name::RECORD, 0..self.span.bytes.len(), Value::Present);
        match self.header {
            Header::Plain { content_type, version, epoch, sequence_number, length } => {
                out.at(name::RECORD_CONTENT_TYPE, 0..1, Value::Uint(content_type.into()));
                out.at(name::RECORD_VERSION, 1..3, Value::hex16(version));
                out.at(name::RECORD_EPOCH, 3..5, Value::Uint(epoch.into()));
                out.at(name::RECORD_SEQUENCE_NUMBER, 5..11, Value::Uint(sequence_number));
                out.at(name::RECORD_LENGTH, 11..13, Value::Uint(length.into()));
            }
            Header::Unified { flags, connection_id, sequence_number, length } => {
                let (fixed, cid, seq16, has_length, epoch) = Header::unified_flags(flags);
                out.at(name::UNIFIED_HEADER_BITMASK, 0..1, Value::hex8(flags));
                out.at(name::UNIFIED_HEADER_FIXED, 0..1, Value::Uint(fixed.into()));
                out.at(name::UNIFIED_HEADER_CID_PRESENT, 0..1, Value::Bool(cid));
                out.at(name::UNIFIED_HEADER_SEQ_SIZE, 0..1, Value::Bool(seq16));
                out.at(name::UNIFIED_HEADER_LENGTH, 0..1, Value::Bool(has_length));
                out.at(name::UNIFIED_HEADER_EPOCH_BITS, 0..1, Value::Uint(epoch.into()));
                let mut at = 1;
                if cid {
                    out.at(
                        name::RECORD_CONNECTION_ID,
                        at..at + connection_id.len(),
                        Value::Bytes(connection_id),
                    );
                    at += connection_id.len();
                }
                let seq_len = if seq16 { 2 } else { 1 };
                out.at(name::RECORD_SEQUENCE_NUMBER, at..at + seq_len, Value::Uint(sequence_number.into()));
                if let Some(length) = length {
                    out.at(name::RECORD_LENGTH, at + seq_len..at + seq_len + 2, Value::Uint(length.into()));
                }
            }
        }
    }

    fn fields(&self, out: &mut Emitter<'_>, layout: Layout) {
        let mut record_out = out.within(&self.span);
        self.header_fields(&mut record_out);
        let body = self.body();
        let body_range = self.header_len..self.span.bytes.len();
        match self.content_type() {
            Some(content_type::HANDSHAKE) if self.plaintext().is_none() => {
                record_out.at(name::HANDSHAKE, body_range, Value::Present);
            }
            Some(content_type::HANDSHAKE) => {
                for fragment in &self.fragments {
                    fragment.fields(out, layout);
                }
            }
            Some(content_type::CHANGE_CIPHER_SPEC) => {
                record_out.at(name::CHANGE_CIPHER_SPEC, body_range, Value::Present);
            }
            Some(content_type::ALERT) => {
                if let Some(plaintext) = self.plaintext().filter(|p| p.bytes.len() >= 2) {
                    let mut alert_out = out.within(&plaintext);
                    alert_out.at(name::ALERT_MESSAGE, 0..2, Value::Present);
                    alert_out.at(name::ALERT_MESSAGE_LEVEL, 0..1, Value::Uint(plaintext.bytes[0].into()));
                    alert_out.at(name::ALERT_MESSAGE_DESC, 1..2, Value::Uint(plaintext.bytes[1].into()));
                } else {
                    record_out.at(name::ALERT_MESSAGE, body_range, Value::Present);
                }
            }
            Some(content_type::APPLICATION_DATA) => {
                record_out.at(name::APP_DATA, body_range, Value::Bytes(body.bytes));
            }
            Some(record::content_type::ACK) => {
                if let Some(plaintext) = self.plaintext() {
                    ack_fields(&mut out.within(&plaintext), plaintext.bytes);
                }
            }
            None => record_out.at(name::ENC_CONTENT, body_range, Value::Bytes(body.bytes)),
            Some(_) => {}
        }
    }

    /// Writes what the record carries for the Info column.
    pub fn write_info(&self, out: &mut dyn fmt::Write, first: &mut bool) -> fmt::Result {
        let mut separate = |out: &mut dyn fmt::Write| -> fmt::Result {
            if !std::mem::replace(first, false) {
                out.write_str(", ")?;
            }
            Ok(())
        };
        match self.content_type() {
            Some(content_type::HANDSHAKE) if self.plaintext().is_none() => {
                separate(out)?;
                out.write_str("Encrypted Handshake Message")
            }
            Some(content_type::HANDSHAKE) => {
                for fragment in &self.fragments {
                    separate(out)?;
                    fragment.write_info(out)?;
                }
                Ok(())
            }
            Some(content_type::CHANGE_CIPHER_SPEC) => {
                separate(out)?;
                out.write_str("Change Cipher Spec")
            }
            Some(content_type::ALERT) => {
                separate(out)?;
                match self.plaintext().filter(|p| p.bytes.len() >= 2) {
                    Some(alert) => write!(
                        out,
                        "Alert (Level: {}, Description: {})",
                        names::alert_level(alert.bytes[0]).unwrap_or("Unknown"),
                        names::alert_description(alert.bytes[1]).unwrap_or("Unknown")
                    ),
                    None => out.write_str("Encrypted Alert"),
                }
            }
            Some(content_type::HEARTBEAT) => {
                separate(out)?;
                out.write_str("Heartbeat")
            }
            Some(record::content_type::ACK) => {
                separate(out)?;
                out.write_str("Ack")
            }
            None => {
                separate(out)?;
                out.write_str("Encrypted Record")
            }
            _ => {
                separate(out)?;
                out.write_str("Application Data")
            }
        }
    }
}

/// A DTLS 1.3 ACK's fields (RFC 9147 section 7): `struct { RecordNumber
/// record_numbers<0..2^16-1>; } ACK`, each RecordNumber a 64-bit epoch and sequence number.
/// The list is shown as far as the record holds it.
fn ack_fields(out: &mut Emitter<'_>, ack: &[u8]) {
    out.at(name::ACK_MESSAGE, 0..ack.len(), Value::Present);
    let Some(&[high, low]) = ack.get(..2) else { return };
    let length = u16::from_be_bytes([high, low]);
    out.at(name::ACK_RECORD_NUMBERS_LENGTH, 0..2, Value::Uint(length.into()));
    let end = (2 + usize::from(length)).min(ack.len());
    out.at(name::ACK_RECORD_NUMBERS, 2..end, Value::Present);
}

impl Dtls<'_> {
    /// Writes the records' Info text.
    pub fn write_info(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let mut first = true;
        for record in &self.records {
            record.write_info(out, &mut first)?;
        }
        Ok(())
    }

    /// The Protocol column: the session's version, or `DTLS` before it is known.
    pub fn column_name(&self) -> &'static str {
        version_name(self.version)
    }

    /// The handshake messages whose bodies this datagram completed: each kind and body.
    pub fn messages(&self) -> impl Iterator<Item = (u8, Span<'_>)> {
        self.records
            .iter()
            .flat_map(|record| &record.fragments)
            .filter_map(|fragment| Some((fragment.header.kind, fragment.body()?)))
    }
}

impl LayerHeader for Dtls<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Dtls
    }

    fn header_len(&self) -> usize {
        self.records.iter().map(|record| record.span.bytes.len()).sum()
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        let layout = Layout {
            tls13: self.version == Some(record::version::DTLS_1_3),
            dtls: true,
            key_exchange: self.key_exchange,
        };
        for record in &self.records {
            record.fields(out, layout);
        }
    }

    /// One line: the version, then each record's messages, then why anything stayed encrypted.
    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        write!(out, "{}: ", self.column_name())?;
        self.write_info(out)?;
        let reason = self.records.iter().find_map(|record| match &record.content {
            Content::Encrypted(reason) => Some(reason),
            _ => None,
        });
        if let Some(reason) = reason {
            write!(out, " (encrypted: {reason})")?;
        }
        Ok(())
    }

    fn column_name(&self) -> &'static str {
        Dtls::column_name(self)
    }
}

#[cfg(test)]
mod tests;
