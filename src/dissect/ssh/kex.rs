//! The messages of SSH's key exchange, as they travel in the clear before NEWKEYS: KEXINIT
//! (RFC 4253 7.1), the method's own messages (RFC 5656 4 for ECDH and curve25519, RFC 4253 8
//! for Diffie-Hellman, RFC 4419 3 for Diffie-Hellman group exchange) and NEWKEYS.
//!
//! Message numbers 30 to 49 are reused by each key exchange method, so a message is read with
//! the [`Kex`] method both KEXINITs agreed. Every string is read inside the payload it sits
//! in: a length past the payload is malformed, never a read past it.

use std::borrow::Cow;

use super::name;
use crate::dissect::field::{Emitter, Value};
use crate::dissect::field_offset;

/// RFC 4250 4.1.2: the message numbers read here.
pub mod code {
    pub const KEXINIT: u8 = 20;
    pub const NEWKEYS: u8 = 21;
    pub const KEX_30: u8 = 30;
    pub const KEX_31: u8 = 31;
    pub const KEX_DH_GEX_INIT: u8 = 32;
    pub const KEX_DH_GEX_REPLY: u8 = 33;
    pub const KEX_DH_GEX_REQUEST: u8 = 34;
}

/// The key exchange method, which says what messages 30 to 34 are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Kex {
    /// Not yet agreed (both KEXINITs not yet seen), or one rttscope does not know: read as
    /// Diffie-Hellman, as tshark does.
    #[default]
    Unknown,
    /// `diffie-hellman-group1-sha1`, `-group14-sha256`, ...: RFC 4253 8.
    Dh,
    /// `diffie-hellman-group-exchange-sha256`: RFC 4419.
    DhGex,
    /// `curve25519-sha256`, `ecdh-sha2-nistp256`, ...: RFC 5656 and RFC 8731.
    Ecdh,
}

impl Kex {
    /// The method a KEXINIT algorithm name names.
    pub fn from_name(algorithm: &[u8]) -> Self {
        if algorithm.starts_with(b"diffie-hellman-group-exchange-") {
            Kex::DhGex
        } else if algorithm.starts_with(b"diffie-hellman-group") {
            Kex::Dh
        } else if algorithm.starts_with(b"curve25519-sha256")
            || algorithm.starts_with(b"curve448-sha512")
            || algorithm.starts_with(b"ecdh-sha2-")
        {
            Kex::Ecdh
        } else {
            Kex::Unknown
        }
    }
}

/// A host key or signature blob (RFC 4253 6.6): its type, and for Ed25519 the key itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blob<'a> {
    pub whole: &'a [u8],
    pub kind: &'a [u8],
    pub eddsa_key: Option<&'a [u8]>,
}

/// A message read from a packet's payload (which starts with its number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    KexInit {
        cookie: &'a [u8],
        lists: [&'a [u8]; 10],
        first_kex_packet_follows: u8,
        reserved: &'a [u8],
    },
    NewKeys,
    /// RFC 5656 4: `string Q_C`.
    EcdhInit {
        q_c: &'a [u8],
    },
    /// `string K_S, string Q_S, string signature`.
    EcdhReply {
        host_key: Blob<'a>,
        q_s: &'a [u8],
        signature: Blob<'a>,
    },
    /// RFC 4253 8 and RFC 4419 3: `mpint e`.
    DhInit {
        e: &'a [u8],
    },
    /// `string K_S, mpint f, string signature`.
    DhReply {
        host_key: Blob<'a>,
        f: &'a [u8],
        signature: Blob<'a>,
    },
    /// RFC 4419 3: `uint32 min, n, max`.
    GexRequest {
        min: u32,
        nbits: u32,
        max: u32,
    },
    /// `mpint p, mpint g`.
    GexGroup {
        p: &'a [u8],
        g: &'a [u8],
    },
    /// Any other message: its number.
    Other(u8),
}

/// Reads the message in `payload` with key exchange method `kex`.
pub fn parse_message(kex: Kex, payload: &[u8]) -> Result<Message<'_>, &'static str> {
    let mut reader = Reader { payload, at: 1 };
    let &number = payload.first().ok_or("an empty payload has no message number")?;
    let message = match (number, kex) {
        (code::KEXINIT, _) => {
            let cookie = reader.take(16)?;
            let mut lists: [&[u8]; 10] = [&[]; 10];
            for list in &mut lists {
                *list = reader.string()?;
            }
            let first_kex_packet_follows = reader.take(1)?[0];
            let reserved = reader.take(4)?;
            Message::KexInit { cookie, lists, first_kex_packet_follows, reserved }
        }
        (code::NEWKEYS, _) => Message::NewKeys,
        (code::KEX_30, Kex::Ecdh) => Message::EcdhInit { q_c: reader.string()? },
        (code::KEX_31, Kex::Ecdh) => {
            let host_key = blob(reader.string()?)?;
            let q_s = reader.string()?;
            Message::EcdhReply { host_key, q_s, signature: blob(reader.string()?)? }
        }
        (code::KEX_30, Kex::Dh | Kex::Unknown) | (code::KEX_DH_GEX_INIT, Kex::DhGex) => {
            Message::DhInit { e: reader.string()? }
        }
        (code::KEX_31, Kex::Dh | Kex::Unknown) | (code::KEX_DH_GEX_REPLY, Kex::DhGex) => {
            let host_key = blob(reader.string()?)?;
            let f = reader.string()?;
            Message::DhReply { host_key, f, signature: blob(reader.string()?)? }
        }
        (code::KEX_DH_GEX_REQUEST, Kex::DhGex) => {
            Message::GexRequest { min: reader.uint32()?, nbits: reader.uint32()?, max: reader.uint32()? }
        }
        (code::KEX_31, Kex::DhGex) => Message::GexGroup { p: reader.string()?, g: reader.string()? },
        _ => Message::Other(number),
    };
    Ok(message)
}

/// A host key or signature: `string type` then what the type says (Ed25519: `string key`).
fn blob(whole: &[u8]) -> Result<Blob<'_>, &'static str> {
    let mut reader = Reader { payload: whole, at: 0 };
    let kind = reader.string()?;
    let eddsa_key = if kind == b"ssh-ed25519" { reader.string().ok() } else { None };
    Ok(Blob { whole, kind, eddsa_key })
}

/// RFC 4251 5: `uint32` and `string` (and `mpint`, `name-list`: a string too) in a payload.
struct Reader<'a> {
    payload: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], &'static str> {
        let end = self.at.checked_add(len).ok_or("a length overflows")?;
        let bytes = self.payload.get(self.at..end).ok_or("a field runs past the end of its packet")?;
        self.at = end;
        Ok(bytes)
    }

    fn uint32(&mut self) -> Result<u32, &'static str> {
        let bytes = self.take(4)?;
        Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn string(&mut self) -> Result<&'a [u8], &'static str> {
        let len = self.uint32()? as usize;
        self.take(len)
    }
}

/// tshark's name for message `number` under key exchange method `kex` (its Info column).
pub fn message_name(kex: Kex, number: u8) -> Cow<'static, str> {
    let named = match (number, kex) {
        (code::KEX_30, Kex::Ecdh) => "Elliptic Curve Diffie-Hellman Key Exchange Init",
        (code::KEX_31, Kex::Ecdh) => "Elliptic Curve Diffie-Hellman Key Exchange Reply",
        (code::KEX_30, Kex::DhGex) => "Diffie-Hellman Group Exchange Request (Old)",
        (code::KEX_31, Kex::DhGex) => "Diffie-Hellman Group Exchange Group",
        (code::KEX_DH_GEX_INIT, Kex::DhGex) => "Diffie-Hellman Group Exchange Init",
        (code::KEX_DH_GEX_REPLY, Kex::DhGex) => "Diffie-Hellman Group Exchange Reply",
        (code::KEX_DH_GEX_REQUEST, Kex::DhGex) => "Diffie-Hellman Group Exchange Request",
        (code::KEX_30, _) => "Diffie-Hellman Key Exchange Init",
        (code::KEX_31, _) => "Diffie-Hellman Key Exchange Reply",
        (1, _) => "Disconnect",
        (2, _) => "Ignore",
        (3, _) => "Unimplemented",
        (4, _) => "Debug",
        (5, _) => "Service Request",
        (6, _) => "Service Accept",
        (code::KEXINIT, _) => "Key Exchange Init",
        (code::NEWKEYS, _) => "New Keys",
        _ => return Cow::Owned(format!("Unknown ({number})")),
    };
    Cow::Borrowed(named)
}

/// The KEXINIT name-lists in order, each with its length field and its string field.
const LISTS: [(&str, &str); 10] = [
    (name::KEX_ALGORITHMS_LENGTH, name::KEX_ALGORITHMS),
    (name::SERVER_HOST_KEY_ALGORITHMS_LENGTH, name::SERVER_HOST_KEY_ALGORITHMS),
    (name::ENCRYPTION_C2S_LENGTH, name::ENCRYPTION_C2S),
    (name::ENCRYPTION_S2C_LENGTH, name::ENCRYPTION_S2C),
    (name::MAC_C2S_LENGTH, name::MAC_C2S),
    (name::MAC_S2C_LENGTH, name::MAC_S2C),
    (name::COMPRESSION_C2S_LENGTH, name::COMPRESSION_C2S),
    (name::COMPRESSION_S2C_LENGTH, name::COMPRESSION_S2C),
    (name::LANGUAGES_C2S_LENGTH, name::LANGUAGES_C2S),
    (name::LANGUAGES_S2C_LENGTH, name::LANGUAGES_S2C),
];

/// A message's fields, offsets from the start of the packet (`packet`, which holds them).
pub(super) fn message_fields(message: &Message<'_>, packet: &[u8], out: &mut Emitter<'_>) {
    let at = |part: &[u8]| field_offset(packet, part);
    // A string's length field and its bytes.
    let string = |out: &mut Emitter<'_>, length: &'static str, value: &'static str, bytes: &[u8]| {
        let start = at(bytes);
        out.at(length, start.saturating_sub(4)..start, Value::Uint(bytes.len() as u64));
        out.at(value, start..start + bytes.len(), Value::Bytes(bytes));
    };
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    match *message {
        Message::KexInit { cookie, lists, first_kex_packet_follows, reserved } => {
            out.at(name::COOKIE, at(cookie)..at(cookie) + 16, Value::Bytes(cookie));
            // Walked from the cookie, so an empty list still has its place.
            let mut start = at(cookie) + 16;
            for ((length, value), list) in LISTS.iter().zip(lists) {
                out.at(length, start..start + 4, Value::Uint(list.len() as u64));
                start += 4;
                out.at(value, start..start + list.len(), Value::Str(&text(list)));
                start += list.len();
            }
            let flag = start;
            out.at(
                name::FIRST_KEX_PACKET_FOLLOWS,
                flag..flag + 1,
                Value::Uint(first_kex_packet_follows.into()),
            );
            out.at(name::KEX_RESERVED, at(reserved)..at(reserved) + 4, Value::Bytes(reserved));
        }
        Message::EcdhInit { q_c } => string(out, name::ECDH_Q_C_LENGTH, name::ECDH_Q_C, q_c),
        Message::EcdhReply { host_key, q_s, signature } => {
            blob_fields(&host_key, packet, true, out);
            string(out, name::ECDH_Q_S_LENGTH, name::ECDH_Q_S, q_s);
            blob_fields(&signature, packet, false, out);
        }
        Message::DhInit { e } => string(out, name::MPINT_LENGTH, name::DH_E, e),
        Message::DhReply { host_key, f, signature } => {
            blob_fields(&host_key, packet, true, out);
            string(out, name::MPINT_LENGTH, name::DH_F, f);
            blob_fields(&signature, packet, false, out);
        }
        Message::GexRequest { min, nbits, max } => {
            out.at(name::DH_GEX_MIN, 6..10, Value::Uint(min.into()));
            out.at(name::DH_GEX_NBITS, 10..14, Value::Uint(nbits.into()));
            out.at(name::DH_GEX_MAX, 14..18, Value::Uint(max.into()));
        }
        Message::GexGroup { p, g } => {
            string(out, name::MPINT_LENGTH, name::DH_GEX_P, p);
            string(out, name::MPINT_LENGTH, name::DH_GEX_G, g);
        }
        Message::NewKeys | Message::Other(_) => {}
    }
}

/// A host key's (`host`) or a signature's fields: its length, its type, an Ed25519 key.
fn blob_fields(blob: &Blob<'_>, packet: &[u8], host: bool, out: &mut Emitter<'_>) {
    let at = |part: &[u8]| field_offset(packet, part);
    let start = at(blob.whole);
    let (length, type_length, kind) = if host {
        (name::HOST_KEY_LENGTH, name::HOST_KEY_TYPE_LENGTH, name::HOST_KEY_TYPE)
    } else {
        (name::HOST_SIG_LENGTH, name::HOST_SIG_TYPE_LENGTH, name::HOST_SIG_TYPE)
    };
    out.at(length, start.saturating_sub(4)..start, Value::Uint(blob.whole.len() as u64));
    out.at(type_length, start..start + 4, Value::Uint(blob.kind.len() as u64));
    let kind_at = start + 4;
    out.at(kind, kind_at..kind_at + blob.kind.len(), Value::Str(&String::from_utf8_lossy(blob.kind)));
    if let (true, Some(key)) = (host, blob.eddsa_key) {
        let key_at = at(key);
        out.at(
            name::HOST_KEY_EDDSA_KEY_LENGTH,
            key_at.saturating_sub(4)..key_at,
            Value::Uint(key.len() as u64),
        );
        out.at(name::HOST_KEY_EDDSA_KEY, key_at..key_at + key.len(), Value::Bytes(key));
    }
}
