//! A STUN message's attributes (RFC 8489 section 14, RFC 8656 section 18, RFC 8445 section
//! 16.1): each one's fields and its words in the Info column, as tshark 4.0 writes them.
//!
//! ```text
//! MAPPED-ADDRESS: reserved (8) | family (8: 1 IPv4, 2 IPv6) | port (16) | address (32 or 128)
//! XOR-MAPPED-ADDRESS (and XOR-PEER-, XOR-RELAYED-): the same, the port XOR the cookie's high
//!   16 bits, the address XOR the cookie (IPv4) or the cookie and transaction ID (IPv6)
//! ERROR-CODE: reserved (21 bits) | class (3) | number (8) | reason phrase (UTF-8)
//! FINGERPRINT: CRC-32 of the message up to this attribute, XOR 0x5354554e
//! ```
//!
//! The invariant: an attribute's value is only read under its own length (tshark's checks of
//! each length are kept: a MAPPED-ADDRESS of 4 bytes shows its port and no address); the
//! message parser has already checked every attribute ends inside the message.

use std::fmt::{self, Write as _};
use std::net::{Ipv4Addr, Ipv6Addr};

use super::name;
use crate::dissect::error::{be16, be32};
use crate::dissect::field::{Emitter, Value};

/// One attribute: its type, its value (without padding), and where its header starts in the
/// message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attribute<'a> {
    pub kind: u16,
    pub value: &'a [u8],
    pub offset: usize,
}

/// The attribute types rttscope names, with tshark's names (IANA's STUN Attributes registry).
mod kind {
    pub const MAPPED_ADDRESS: u16 = 0x0001;
    pub const USERNAME: u16 = 0x0006;
    pub const MESSAGE_INTEGRITY: u16 = 0x0008;
    pub const ERROR_CODE: u16 = 0x0009;
    pub const CHANNEL_NUMBER: u16 = 0x000c;
    pub const LIFETIME: u16 = 0x000d;
    pub const XOR_PEER_ADDRESS: u16 = 0x0012;
    pub const DATA: u16 = 0x0013;
    pub const REALM: u16 = 0x0014;
    pub const NONCE: u16 = 0x0015;
    pub const XOR_RELAYED_ADDRESS: u16 = 0x0016;
    pub const REQUESTED_TRANSPORT: u16 = 0x0019;
    pub const XOR_MAPPED_ADDRESS: u16 = 0x0020;
    pub const XOR_RESPONSE_TARGET: u16 = 0x0027;
    pub const PRIORITY: u16 = 0x0024;
    pub const SOFTWARE: u16 = 0x8022;
    pub const ALTERNATE_SERVER: u16 = 0x8023;
    pub const FINGERPRINT: u16 = 0x8028;
    pub const ICE_CONTROLLED: u16 = 0x8029;
    pub const ICE_CONTROLLING: u16 = 0x802a;
    pub const RESPONSE_ORIGIN: u16 = 0x802b;
    pub const OTHER_ADDRESS: u16 = 0x802c;
}

/// An attribute type's name, if tshark knows it: only a known attribute gets `stun.attribute`
/// and `stun.att.type`.
pub fn attribute_name(kind: u16) -> Option<&'static str> {
    Some(match kind {
        0x0001 => "MAPPED-ADDRESS",
        // tshark 4.0 spells four of RFC 3489's with underscores.
        0x0002 => "RESPONSE_ADDRESS",
        0x0003 => "CHANGE_REQUEST",
        0x0004 => "SOURCE_ADDRESS",
        0x0005 => "CHANGED_ADDRESS",
        0x0006 => "USERNAME",
        0x0007 => "PASSWORD",
        0x0008 => "MESSAGE-INTEGRITY",
        0x0009 => "ERROR-CODE",
        0x000a => "UNKNOWN-ATTRIBUTES",
        0x000b => "REFLECTED-FROM",
        0x000c => "CHANNEL-NUMBER",
        0x000d => "LIFETIME",
        0x0010 => "BANDWIDTH",
        0x0012 => "XOR-PEER-ADDRESS",
        0x0013 => "DATA",
        0x0014 => "REALM",
        0x0015 => "NONCE",
        0x0016 => "XOR-RELAYED-ADDRESS",
        0x0017 => "REQUESTED-ADDRESS-FAMILY",
        0x0018 => "EVEN-PORT",
        0x0019 => "REQUESTED-TRANSPORT",
        0x001a => "DONT-FRAGMENT",
        0x001c => "MESSAGE-INTEGRITY-SHA256",
        0x001d => "PASSWORD-ALGORITHM",
        0x001e => "USERHASH",
        0x0020 => "XOR-MAPPED-ADDRESS",
        0x0022 => "RESERVATION-TOKEN",
        0x0024 => "PRIORITY",
        0x0025 => "USE-CANDIDATE",
        0x0026 => "PADDING",
        // tshark 4.0 still reads 0x0027 as the draft's XOR-RESPONSE-TARGET (RFC 5780 made it
        // RESPONSE-PORT): as tshark shows it, an XOR address.
        0x0027 => "XOR-RESPONSE-TARGET",
        0x002a => "CONNECTION-ID",
        0x8002 => "PASSWORD-ALGORITHMS",
        0x8003 => "ALTERNATE-DOMAIN",
        0x8022 => "SOFTWARE",
        0x8023 => "ALTERNATE-SERVER",
        0x8027 => "CACHE-TIMEOUT",
        0x8028 => "FINGERPRINT",
        0x8029 => "ICE-CONTROLLED",
        0x802a => "ICE-CONTROLLING",
        0x802b => "RESPONSE-ORIGIN",
        0x802c => "OTHER-ADDRESS",
        _ => return None,
    })
}

/// The attributes of a whole message (`message` as [`super::parse`] checked it).
pub fn attributes(message: &[u8]) -> impl Iterator<Item = Attribute<'_>> + '_ {
    let mut at = super::HEADER_LEN;
    std::iter::from_fn(move || {
        let head = message.get(at..at + 4)?;
        let (kind, len) = (be16(head, 0), usize::from(be16(head, 2)));
        let value = message.get(at + 4..at + 4 + len)?;
        let attribute = Attribute { kind, value, offset: at };
        at += 4 + len.div_ceil(4) * 4;
        Some(attribute)
    })
}

/// An address attribute's address, in the clear.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Address {
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::V4(address) => address.fmt(f),
            Self::V6(address) => address.fmt(f),
        }
    }
}

/// Bytes shown as UTF-8 text, as tshark shows a string (invalid sequences replaced).
struct Text<'a>(&'a [u8]);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.0))
    }
}

/// The CRC-32 of ISO-HDLC (the one FINGERPRINT uses, RFC 8489 section 14.7).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// What FINGERPRINT must hold for `message`'s bytes before the attribute at `offset`.
pub fn fingerprint(message: &[u8], offset: usize) -> u32 {
    crc32(&message[..offset.min(message.len())]) ^ 0x5354_554e
}

impl Attribute<'_> {
    fn is_xor_address(&self) -> bool {
        matches!(
            self.kind,
            kind::XOR_MAPPED_ADDRESS
                | kind::XOR_PEER_ADDRESS
                | kind::XOR_RELAYED_ADDRESS
                | kind::XOR_RESPONSE_TARGET
        )
    }

    fn is_plain_address(&self) -> bool {
        matches!(
            self.kind,
            kind::MAPPED_ADDRESS | kind::ALTERNATE_SERVER | kind::RESPONSE_ORIGIN | kind::OTHER_ADDRESS
        )
    }

    /// An address attribute's port and address in the clear, if it holds a whole one.
    fn address(&self, message: &[u8]) -> Option<(u16, Address)> {
        let v = self.value;
        let xor = self.is_xor_address();
        if !xor && !self.is_plain_address() || v.len() < 4 {
            return None;
        }
        let cookie = be32(message, 4);
        let port = if xor { be16(v, 2) ^ (cookie >> 16) as u16 } else { be16(v, 2) };
        let address = match v[1] {
            1 if v.len() >= 8 => {
                let raw = be32(v, 4);
                Address::V4(Ipv4Addr::from(if xor { raw ^ cookie } else { raw }))
            }
            2 if v.len() >= 20 => {
                let mut raw = [0u8; 16];
                raw.copy_from_slice(&v[4..20]);
                if xor {
                    for (byte, key) in raw.iter_mut().zip(&message[4..20]) {
                        *byte ^= key;
                    }
                }
                Address::V6(Ipv6Addr::from(raw))
            }
            _ => return None,
        };
        Some((port, address))
    }

    /// The attribute's fields; `message` is the whole message it is in.
    pub fn fields(&self, out: &mut Emitter<'_>, message: &[u8]) {
        let (at, v, len) = (self.offset, self.value, self.value.len());
        let value_at = at + 4;
        let range = |from: usize, to: usize| value_at + from..value_at + to;
        if attribute_name(self.kind).is_some() {
            out.at(name::ATTRIBUTE, at..at + 2, Value::hex16(self.kind));
            out.at(name::ATT_TYPE, at..at + 2, Value::hex16(self.kind));
            out.at(name::ATT_TYPE_COMPREHENSION, at..at + 2, Value::hex16((self.kind & 0x8000) >> 15));
            out.at(name::ATT_TYPE_ASSIGNMENT, at..at + 2, Value::hex16((self.kind & 0x4000) >> 14));
        }
        out.at(name::ATT_LENGTH, at + 2..at + 4, Value::Uint(len as u64));
        match self.kind {
            _ if self.is_plain_address() || self.is_xor_address() => self.address_fields(out, message),
            kind::USERNAME => out.at(name::ATT_USERNAME, range(0, len), Value::Lazy(&Text(v))),
            kind::MESSAGE_INTEGRITY if len >= 20 => out.at(name::ATT_HMAC, range(0, len), Value::Bytes(v)),
            kind::ERROR_CODE if len >= 2 => {
                out.at(name::ATT_RESERVED, range(0, 2), Value::Bytes(&v[..2]));
                if len >= 3 {
                    out.at(name::ATT_ERROR_CLASS, range(2, 3), Value::Uint(u64::from(v[2] & 0x07)));
                }
                if len >= 4 {
                    out.at(name::ATT_ERROR, range(3, 4), Value::Uint(u64::from(v[3])));
                }
                if len >= 5 {
                    out.at(name::ATT_ERROR_REASON, range(4, len), Value::Lazy(&Text(&v[4..])));
                }
            }
            kind::REALM => out.at(name::ATT_REALM, range(0, len), Value::Lazy(&Text(v))),
            kind::NONCE => out.at(name::ATT_NONCE, range(0, len), Value::Lazy(&Text(v))),
            kind::SOFTWARE => out.at(name::ATT_SOFTWARE, range(0, len), Value::Lazy(&Text(v))),
            kind::PRIORITY if len >= 4 => {
                out.at(name::ATT_PRIORITY, range(0, 4), Value::Uint(be32(v, 0).into()))
            }
            kind::ICE_CONTROLLED | kind::ICE_CONTROLLING if len >= 8 => {
                out.at(name::ATT_TIE_BREAKER, range(0, 8), Value::Bytes(&v[..8]))
            }
            kind::FINGERPRINT if len >= 4 => {
                let crc = be32(v, 0);
                out.at(name::ATT_CRC32, range(0, 4), Value::hex32(crc));
                let good = crc == fingerprint(message, at);
                out.at(name::ATT_CRC32_STATUS, range(0, 4), Value::Uint(u64::from(good)));
            }
            kind::LIFETIME if len >= 4 => {
                out.at(name::ATT_LIFETIME, range(0, 4), Value::Uint(be32(v, 0).into()))
            }
            kind::REQUESTED_TRANSPORT if len >= 1 => {
                out.at(name::ATT_TRANSPORT, range(0, 1), Value::hex8(v[0]));
                if len >= 4 {
                    out.at(name::ATT_RESERVED, range(1, 4), Value::Bytes(&v[1..4]));
                }
            }
            kind::CHANNEL_NUMBER if len >= 4 => {
                out.at(name::ATT_CHANNEL_NUMBER, range(0, 2), Value::hex16(be16(v, 0)));
                out.at(name::ATT_RESERVED, range(2, 4), Value::Bytes(&v[2..4]));
            }
            // RFC 5780's CHANGE-REQUEST: two flags of a 32-bit word.
            0x0003 if len >= 4 => {
                let word = be32(v, 0);
                out.at(name::ATT_CHANGE_IP, range(0, 4), Value::Bool(word & 0x4 != 0));
                out.at(name::ATT_CHANGE_PORT, range(0, 4), Value::Bool(word & 0x2 != 0));
            }
            // RFC 8656's EVEN-PORT: its first bit asks for the next port to be kept.
            0x0018 if len >= 1 => {
                out.at(name::ATT_RESERVE_NEXT, range(0, 1), Value::Uint(u64::from(v[0] >> 7)))
            }
            // RFC 5780's PADDING: tshark shows its length as `stun.att.padding`.
            0x0026 => out.at(name::ATT_PADDING, range(0, len), Value::Uint(len as u64)),
            // Named attributes tshark reads with fields rttscope does not register.
            kind::MESSAGE_INTEGRITY
            | kind::ERROR_CODE
            | kind::PRIORITY
            | kind::ICE_CONTROLLED
            | kind::ICE_CONTROLLING
            | kind::FINGERPRINT
            | kind::LIFETIME
            | kind::REQUESTED_TRANSPORT
            | kind::CHANNEL_NUMBER
            | kind::DATA => {}
            0x0002..=0x0005
            | 0x0007
            | 0x000a
            | 0x000b
            | 0x0010
            | 0x0017
            | 0x0018
            | 0x001d
            | 0x0022
            | 0x8002
            | 0x8027 => {}
            // An unknown attribute (and DATA) is kept with its type and length; tshark's
            // `stun.value` is not registered until a capture here shows one.
            _ => {}
        }
        let padding = len.div_ceil(4) * 4 - len;
        if padding > 0 {
            out.at(name::ATT_PADDING, range(len, len + padding), Value::Uint(padding as u64));
        }
    }

    fn address_fields(&self, out: &mut Emitter<'_>, message: &[u8]) {
        let (v, len, value_at) = (self.value, self.value.len(), self.offset + 4);
        let range = |from: usize, to: usize| value_at + from..value_at + to;
        if len < 1 {
            return;
        }
        out.at(name::ATT_RESERVED, range(0, 1), Value::Bytes(&v[..1]));
        if len < 2 {
            return;
        }
        out.at(name::ATT_FAMILY, range(1, 2), Value::hex8(v[1]));
        if len < 4 {
            return;
        }
        let xor = self.is_xor_address();
        let cookie = be32(message, 4);
        if xor {
            out.at(name::ATT_PORT_XORD, range(2, 4), Value::Bytes(&v[2..4]));
            out.at(name::ATT_PORT, range(2, 4), Value::Uint(u64::from(be16(v, 2) ^ (cookie >> 16) as u16)));
            if len < 8 {
                return;
            }
        } else {
            out.at(name::ATT_PORT, range(2, 4), Value::Uint(be16(v, 2).into()));
        }
        match self.address(message) {
            Some((_, Address::V4(address))) => {
                if xor {
                    out.at(name::ATT_IPV4_XORD, range(4, 8), Value::Bytes(&v[4..8]));
                }
                out.at(name::ATT_IPV4, range(4, 8), Value::Ipv4(address));
            }
            Some((_, Address::V6(address))) => {
                if xor {
                    out.at(name::ATT_IPV6_XORD, range(4, 20), Value::Bytes(&v[4..20]));
                }
                out.at(name::ATT_IPV6, range(4, 20), Value::Ipv6(address));
            }
            None => {}
        }
    }

    /// What the attribute adds to the Info column.
    pub fn summary(&self, out: &mut dyn fmt::Write, message: &[u8]) -> fmt::Result {
        let (v, len) = (self.value, self.value.len());
        if let Some((port, address)) = self.address(message) {
            let name = attribute_name(self.kind).unwrap_or("");
            return write!(out, " {name}: {address}:{port}");
        }
        match self.kind {
            kind::USERNAME => write!(out, " user: {}", Text(v)),
            kind::ERROR_CODE if len >= 4 => {
                let code = u16::from(v[2]) * 100 + u16::from(v[3]);
                write!(out, " error-code: {code} ({})", error_name(code))?;
                if len >= 5 {
                    write!(out, " {}", Text(&v[4..]))?;
                }
                Ok(())
            }
            kind::REALM => write!(out, " realm: {}", Text(v)),
            kind::NONCE => out.write_str(" with nonce"),
            kind::REQUESTED_TRANSPORT if len >= 4 => match v[0] {
                17 => out.write_str(" UDP"),
                6 => out.write_str(" TCP"),
                other => write!(out, " Unknown (0x{other:8x})"),
            },
            kind::CHANNEL_NUMBER if len >= 4 => write!(out, " ChannelNumber=0x{:x}", be16(v, 0)),
            kind::LIFETIME if len >= 4 => write!(out, " lifetime: {}", be32(v, 0) as i32),
            0x0010 if len >= 4 => write!(out, " bandwidth: {}", be32(v, 0) as i32),
            _ => Ok(()),
        }
    }

    /// The attribute's subtree title in tshark's tree: its name, then what it holds for the
    /// attributes tshark sums up (`XOR-MAPPED-ADDRESS: 10.0.0.1:5000`, `LIFETIME 600`,
    /// `ERROR-CODE 401 (Unauthenticated): Unauthorized`); None for one tshark does not name.
    pub fn title(&self, message: &[u8]) -> Option<String> {
        let name = attribute_name(self.kind)?;
        let (v, len) = (self.value, self.value.len());
        let mut title = name.to_owned();
        if let Some((port, address)) = self.address(message) {
            let _ = write!(title, ": {address}:{port}");
            return Some(title);
        }
        let _ = match self.kind {
            // RFC 3489's RESPONSE-ADDRESS, SOURCE-ADDRESS, CHANGED-ADDRESS and REFLECTED-FROM:
            // an IPv4 one is marked deprecated.
            0x0002 | 0x0004 | 0x0005 | 0x000b if len >= 8 && v[1] == 1 => {
                write!(title, " (Deprecated): {}:{}", Ipv4Addr::from(be32(v, 4)), be16(v, 2))
            }
            kind::USERNAME | kind::REALM | kind::NONCE => write!(title, ": {}", Text(v)),
            kind::ERROR_CODE if len >= 4 => {
                let code = u16::from(v[2]) * 100 + u16::from(v[3]);
                let _ = write!(title, " {code} ({})", error_name(code));
                if len >= 5 { write!(title, ": {}", Text(&v[4..])) } else { Ok(()) }
            }
            kind::REQUESTED_TRANSPORT if len >= 4 => match v[0] {
                17 => write!(title, ": UDP"),
                6 => write!(title, ": TCP"),
                other => write!(title, ": Unknown (0x{other:8x})"),
            },
            kind::CHANNEL_NUMBER if len >= 4 => write!(title, ": 0x{:x}", be16(v, 0)),
            kind::LIFETIME | 0x0010 if len >= 4 => write!(title, " {}", be32(v, 0) as i32),
            _ => Ok(()),
        };
        Some(title)
    }

    /// Whether this is a FINGERPRINT whose CRC is not the message's.
    pub fn bad_fingerprint(&self, message: &[u8]) -> bool {
        self.kind == kind::FINGERPRINT
            && self.value.len() >= 4
            && be32(self.value, 0) != fingerprint(message, self.offset)
    }
}

/// tshark's name of an ERROR-CODE (RFC 8489 section 14.8, RFC 8656 section 18.9).
fn error_name(code: u16) -> &'static str {
    match code {
        300 => "Try Alternate",
        400 => "Bad Request",
        401 => "Unauthenticated",
        403 => "Forbidden",
        405 => "Mobility Forbidden",
        420 => "Unknown Attribute",
        437 => "Allocation Mismatch",
        438 => "Stale Nonce",
        440 => "Address Family not Supported",
        441 => "Wrong Credentials",
        442 => "Unsupported Transport Protocol",
        443 => "Peer Address Family Mismatch",
        446 => "Connection Already Exists",
        447 => "Connection Timeout or Failure",
        486 => "Allocation Quota Reached",
        487 => "Role Conflict",
        500 => "Server Error",
        508 => "Insufficient Capacity",
        _ => "*Unknown error code*",
    }
}
