//! QUIC (RFC 9000, RFC 9369): a datagram's packets, their headers and, once `track` has
//! removed their protection, their frames.
//!
//! Reading a QUIC packet takes state: the length of a short header's connection ID, the keys,
//! the largest packet number seen in its space. `track::quic` holds that state and builds a
//! [`Quic`] layer per datagram from what it found; this module is the stateless part, and what
//! the layer shows. Fields and the Info column follow Wireshark's QUIC dissector: the Info
//! column describes the datagram's last packet, `quic.connection.number` is shown once per
//! datagram, and bytes after the packets that belong to no packet are "coalesced padding".

pub mod frame;
pub mod header;
pub mod name;
pub mod varint;

use std::fmt;

use smallvec::SmallVec;

use super::field::{Emitter, Span, Value};
use super::http3::Http3;
use crate::dissect::{LayerHeader, Tracked};
use crate::osi::Protocol;
use header::{Header, Kind};

/// Whether a datagram starts like a QUIC packet rttscope reads without knowing the
/// connection (UDP's heuristic): a long header of a version it can decrypt, Version
/// Negotiation, or a version reserved to force one (RFC 9000 section 15), whose header is
/// shown as tshark's heuristic shows it and whose payload stays unread.
pub fn starts_like_quic(payload: &[u8]) -> bool {
    let Some(&first) = payload.first() else { return false };
    if first & 0x80 == 0 || payload.len() < 7 {
        return false;
    }
    let version = u32::from_be_bytes([payload[1], payload[2], payload[3], payload[4]]);
    (version == 0 || crate::crypto::quic::is_supported(version) || header::is_grease_version(version))
        && header::parse(payload, 0).is_ok()
}

/// The QUIC packets of one UDP datagram.
#[derive(Clone, Debug, Default)]
pub struct Quic<'a> {
    /// The connection's number, in order of first appearance, once one is known.
    pub connection: Option<u32>,
    pub packets: SmallVec<[Packet<'a>; 2]>,
    /// Bytes after the packets that start no packet of the same connection.
    pub padding: Option<Span<'a>>,
}

/// One packet of a datagram.
#[derive(Clone, Debug)]
pub struct Packet<'a> {
    /// The packet's bytes in the datagram.
    pub span: Span<'a>,
    pub header: Header,
    /// What header protection hid, once removed: the first byte, the full packet number and
    /// the length of its encoding.
    pub unprotected: Option<Unprotected>,
    /// The decrypted payload.
    pub plaintext: Option<Span<'a>>,
    /// Why the payload was not decrypted.
    pub undecrypted: Option<Undecrypted>,
    /// Retry packets: whether the integrity tag verified against the client's first DCID.
    pub retry_verified: Option<bool>,
    /// The frames of the decrypted payload, as the tracker read them.
    pub frames: SmallVec<[FrameFact; 2]>,
}

/// One frame of a decrypted packet as the tracker read it: what later stages (the timeline)
/// need of it, so that they do not parse the plaintext again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FrameFact {
    /// The frame type.
    pub kind: u64,
    /// Where the frame starts in the packet's plaintext.
    pub start: usize,
    /// A STREAM frame's stream ID, when its fields could be read.
    pub stream_id: Option<u64>,
    /// The HTTP/3 frames a STREAM frame completed, in order.
    pub http3: Vec<Http3Fact>,
}

/// One HTTP/3 frame as the tracker read it: a HEADERS frame's decoded pseudo-header fields,
/// another frame's type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Http3Fact {
    /// HEADERS with `:method` (and `:path`, if there is one): a request.
    Request { method: Vec<u8>, path: Option<Vec<u8>> },
    /// HEADERS with `:status` and no `:method`: a response.
    Response { status: Vec<u8> },
    /// HEADERS with neither (trailers, or a section that did not decode).
    Headers,
    /// Another frame, by type.
    Other(u64),
}

/// The header fields under header protection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unprotected {
    pub first: u8,
    pub packet_number: u64,
    pub pn_len: usize,
}

/// Why a packet's payload stayed encrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Undecrypted {
    /// No secret for the packet's encryption level (no key log, or none for this connection).
    NoKey,
    /// The packet's connection is not known (a short header never seen in a handshake).
    UnknownConnection,
    /// The key did not open the packet.
    Failed(String),
}

impl fmt::Display for Undecrypted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Undecrypted::NoKey => f.write_str("no key"),
            Undecrypted::UnknownConnection => f.write_str("unknown connection"),
            Undecrypted::Failed(reason) => f.write_str(reason),
        }
    }
}

impl<'a> Packet<'a> {
    /// The frames of the decrypted payload.
    pub fn frames(&self) -> SmallVec<[frame::Frame<'a>; 4]> {
        self.plaintext.map(|plaintext| frame::parse_all(plaintext.bytes)).unwrap_or_default()
    }

    fn fields(&self, out: &mut Emitter<'_>) {
        let header = &self.header;
        let bytes = self.span.bytes;
        let mut packet_out = out.within(&self.span);
        let out = &mut packet_out;
        out.computed(name::PACKET_LENGTH, Value::Uint(bytes.len() as u64));
        let first = header.first;
        match header.kind {
            Kind::Short => self.short_fields(out),
            Kind::VersionNegotiation => {
                out.at(name::HEADER_FORM, 0..1, Value::Uint(1));
                out.at(name::VN_UNUSED, 0..1, Value::hex8(first & 0x7f));
                self.long_common(out);
                let mut at = header.pn_offset;
                while let Some(version) = bytes.get(at..at + 4) {
                    let version = u32::from_be_bytes([version[0], version[1], version[2], version[3]]);
                    out.at(name::SUPPORTED_VERSION, at..at + 4, Value::hex32(version));
                    at += 4;
                }
            }
            Kind::Retry => {
                out.at(name::HEADER_FORM, 0..1, Value::Uint(1));
                self.long_type(out);
                self.long_common(out);
                let token_end = bytes.len().saturating_sub(16).max(header.pn_offset);
                out.at(
                    name::RETRY_TOKEN,
                    header.pn_offset..token_end,
                    Value::Bytes(&bytes[header.pn_offset..token_end]),
                );
                out.at(name::RETRY_INTEGRITY_TAG, token_end..bytes.len(), Value::Bytes(&bytes[token_end..]));
            }
            Kind::Initial | Kind::ZeroRtt | Kind::Handshake => {
                out.at(name::HEADER_FORM, 0..1, Value::Uint(1));
                out.at(name::FIXED_BIT, 0..1, Value::Bool(first & 0x40 != 0));
                self.long_type(out);
                if let Some(unprotected) = self.unprotected {
                    out.at(name::LONG_RESERVED, 0..1, Value::Uint((unprotected.first >> 2 & 0x03).into()));
                    out.at(name::PACKET_NUMBER_LENGTH, 0..1, Value::Uint((unprotected.first & 0x03).into()));
                }
                self.long_common(out);
                if let Some((length, range, token)) = &header.token {
                    out.at(name::TOKEN_LENGTH, range.clone(), Value::Uint(*length));
                    if *length > 0 {
                        out.at(name::TOKEN, token.clone(), Value::Bytes(&bytes[token.clone()]));
                    }
                }
                if let Some((length, range)) = &header.length {
                    out.at(name::LENGTH, range.clone(), Value::Uint(*length));
                }
                self.payload_fields(out, name::PAYLOAD);
            }
        }
    }

    fn long_type(&self, out: &mut Emitter<'_>) {
        let name = if self.header.version == crate::crypto::quic::VERSION_2 {
            name::LONG_PACKET_TYPE_V2
        } else {
            name::LONG_PACKET_TYPE
        };
        out.at(name, 0..1, Value::Uint((self.header.first >> 4 & 0x03).into()));
    }

    fn long_common(&self, out: &mut Emitter<'_>) {
        let header = &self.header;
        let bytes = self.span.bytes;
        out.at(name::VERSION, 1..5, Value::hex32(header.version));
        let dcid = header.dcid.clone();
        out.at(name::DCIL, 5..6, Value::Uint(dcid.len() as u64));
        if !dcid.is_empty() {
            out.at(name::DCID, dcid.clone(), Value::Bytes(&bytes[dcid.clone()]));
        }
        if let Some(scid) = &header.scid {
            out.at(name::SCIL, dcid.end..dcid.end + 1, Value::Uint(scid.len() as u64));
            if !scid.is_empty() {
                out.at(name::SCID, scid.clone(), Value::Bytes(&bytes[scid.clone()]));
            }
        }
    }

    fn short_fields(&self, out: &mut Emitter<'_>) {
        let (first, bytes) = (self.header.first, self.span.bytes);
        out.computed(name::SHORT, Value::Present);
        out.at(name::HEADER_FORM, 0..1, Value::Uint(0));
        out.at(name::FIXED_BIT, 0..1, Value::Bool(first & 0x40 != 0));
        out.at(name::SPIN_BIT, 0..1, Value::Bool(first & 0x20 != 0));
        if let Some(unprotected) = self.unprotected {
            out.at(name::SHORT_RESERVED, 0..1, Value::Uint((unprotected.first >> 3 & 0x03).into()));
            out.at(name::KEY_PHASE, 0..1, Value::Bool(unprotected.first & 0x04 != 0));
            out.at(name::PACKET_NUMBER_LENGTH, 0..1, Value::Uint((unprotected.first & 0x03).into()));
        }
        let dcid = self.header.dcid.clone();
        if !dcid.is_empty() {
            out.at(name::DCID, dcid.clone(), Value::Bytes(&bytes[dcid]));
        }
        self.payload_fields(out, name::PROTECTED_PAYLOAD);
    }

    /// The packet number, the protected payload and the frames; or, when header protection
    /// stayed on, the rest of the packet as Wireshark's "remaining payload".
    fn payload_fields(&self, out: &mut Emitter<'_>, payload_name: &'static str) {
        let bytes = self.span.bytes;
        let pn_offset = self.header.pn_offset.min(bytes.len());
        let Some(unprotected) = self.unprotected else {
            if pn_offset < bytes.len() {
                out.at(name::REMAINING_PAYLOAD, pn_offset..bytes.len(), Value::Bytes(&bytes[pn_offset..]));
            }
            return;
        };
        let payload_at = (pn_offset + unprotected.pn_len).min(bytes.len());
        out.at(name::PACKET_NUMBER, pn_offset..payload_at, Value::Uint(unprotected.packet_number));
        out.at(payload_name, payload_at..bytes.len(), Value::Bytes(&bytes[payload_at..]));
        let Some(plaintext) = self.plaintext else { return };
        let mut plain_out = out.within(&plaintext);
        for frame in self.frames() {
            let range = frame.range.clone();
            plain_out.at(name::FRAME, range.clone(), Value::Present);
            plain_out.at(name::FRAME_TYPE, range.start..range.start + 1, Value::Uint(frame.kind));
            for (name, range, value) in &frame.fields {
                let value = match value {
                    frame::Val::Uint(value) => Value::Uint(*value),
                    frame::Val::Bool(flag) => Value::Bool(*flag),
                    frame::Val::Bytes(bytes) => Value::Bytes(bytes),
                    frame::Val::Text(text) => Value::Str(std::str::from_utf8(text).unwrap_or("")),
                    frame::Val::Present => Value::Present,
                };
                plain_out.at(name, range.clone(), value);
            }
        }
    }

    /// The packet's part of the Info column, as Wireshark writes it: `http3` holds the HTTP/3
    /// layers of the datagram, whose frames follow the STREAM frame that carried them.
    fn write_info(&self, index: usize, out: &mut dyn fmt::Write, http3: &[&Http3<'_>]) -> fmt::Result {
        let header = &self.header;
        let bytes = self.span.bytes;
        let cid = |out: &mut dyn fmt::Write, label: &str, range: &std::ops::Range<usize>| -> fmt::Result {
            if range.is_empty() {
                return Ok(());
            }
            write!(out, ", {label}=")?;
            super::field::write_hex(out, bytes.get(range.clone()).unwrap_or(&[]))
        };
        match header.kind {
            Kind::Short => {
                let key_phase = self.unprotected.map_or(0, |u| u8::from(u.first & 0x04 != 0));
                write!(out, "Protected Payload (KP{key_phase})")?;
                cid(out, "DCID", &header.dcid)?;
            }
            kind => {
                out.write_str(kind.name())?;
                cid(out, "DCID", &header.dcid)?;
                if let Some(scid) = &header.scid {
                    cid(out, "SCID", scid)?;
                }
            }
        }
        if let Some(unprotected) = self.unprotected {
            write!(out, ", PKN: {}", unprotected.packet_number)?;
        }
        for frame in self.frames() {
            frame.write_info(out)?;
            if let Some(layer) = http3.iter().find(|layer| layer.anchor == (index, frame.range.start)) {
                layer.write_info(out)?;
            }
        }
        Ok(())
    }
}

impl<'a> Quic<'a> {
    pub fn fields(&self, out: &mut Emitter<'_>) {
        if let Some(number) = self.connection {
            out.computed(name::CONNECTION_NUMBER, Value::Uint(number.into()));
        }
        for packet in &self.packets {
            packet.fields(out);
        }
        if let Some(padding) = &self.padding {
            let mut padding_out = out.within(padding);
            padding_out.at(name::COALESCED_PADDING_DATA, 0..padding.bytes.len(), Value::Present);
        }
    }

    /// The Info column: Wireshark's QUIC dissector rewrites it for each packet, so the last
    /// packet of the datagram names it.
    pub fn write_info(&self, out: &mut dyn fmt::Write, http3: &[&Http3<'_>]) -> fmt::Result {
        match self.packets.last() {
            Some(packet) => packet.write_info(self.packets.len() - 1, out, http3),
            None => Ok(()),
        }
    }

    /// One line: each packet's type, number and frames, and why any stayed encrypted.
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        out.write_str("QUIC")?;
        if let Some(number) = self.connection {
            write!(out, " connection {number}")?;
        }
        for (index, packet) in self.packets.iter().enumerate() {
            out.write_str(if index == 0 { ": " } else { "; " })?;
            packet.write_info(index, out, &[])?;
            if let Some(reason) = &packet.undecrypted {
                write!(out, " (encrypted: {reason})")?;
            }
            if packet.retry_verified == Some(false) {
                out.write_str(" (integrity tag does not verify)")?;
            }
        }
        Ok(())
    }

    /// The layer's length: its packets and any padding after them.
    #[allow(clippy::len_without_is_empty, reason = "a layer is built only with a packet")]
    pub fn len(&self) -> usize {
        self.packets.iter().map(|packet| packet.span.bytes.len()).sum::<usize>()
            + self.padding.map_or(0, |padding| padding.bytes.len())
    }
}

/// TLS handshake messages carried by one CRYPTO frame: those it completed, reassembled from
/// the CRYPTO stream of its encryption level.
#[derive(Clone, Debug, Default)]
pub struct CryptoTls<'a> {
    /// Which packet of the datagram the CRYPTO frame is in.
    pub packet: usize,
    pub messages: SmallVec<[Span<'a>; 2]>,
    /// How many pieces of messages the frame held that it did not hold whole (see
    /// `track::quic::crypto_stream::Delivered::fragments`).
    pub fragments: usize,
    /// One of those pieces starts a message the frame does not finish.
    pub unfinished: bool,
    /// What the tracker read in those messages (see [`super::tls::Fact`]).
    pub facts: super::tls::Facts<'a>,
}

impl CryptoTls<'_> {
    pub fn fields(&self, out: &mut Emitter<'_>) {
        for _ in 0..self.fragments {
            out.computed(super::tls::name::HANDSHAKE, Value::Present);
        }
        for message in &self.messages {
            let layout = super::tls::handshake::Layout { tls13: true, ..Default::default() };
            super::tls::handshake::fields(out, message, layout);
        }
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        out.write_str("TLS handshake in QUIC CRYPTO")?;
        if self.messages.is_empty() {
            return out.write_str(": part of a message");
        }
        for (index, message) in self.messages.iter().enumerate() {
            out.write_str(if index == 0 { ": " } else { ", " })?;
            let kind = message.bytes.first().copied().unwrap_or(0);
            out.write_str(super::tls::handshake::info_name(kind))?;
        }
        Ok(())
    }
}

impl LayerHeader for Quic<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Quic
    }

    fn header_len(&self) -> usize {
        Quic::len(self)
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Quic::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Quic::summary(self, out)
    }
}

impl LayerHeader for CryptoTls<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Tls
    }

    fn header_len(&self) -> usize {
        self.messages.iter().map(|message| message.bytes.len()).sum()
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        CryptoTls::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        CryptoTls::summary(self, out)
    }
}
