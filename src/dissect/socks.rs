//! SOCKS 4, 4a and 5 (RFC 1928, RFC 1929): the handshake a client makes with a proxy before
//! the proxy relays its stream, and the marker Wireshark puts on every segment of the
//! relayed stream after it.
//!
//! A SOCKS message does not say what it is: a SOCKS5 greeting and a SOCKS5 request both
//! start with 5. Which message comes next is known only to the handshake's state machine
//! (`track::over_tcp::proxy`), which names the [`Kind`] it expects; [`parse`] then reads that
//! kind. The parser is a streaming one: `Incomplete` means the message goes on in a later
//! segment; every length is one byte, so a message is at most [`MAX_MESSAGE`] bytes and a
//! SOCKS4 user ID or 4a name is cut off at [`MAX_NAME`].

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::field::{Emitter, Span, Value};
use super::layer::{LayerHeader, Tracked};
use crate::osi::Protocol;

/// The longest SOCKS message: a SOCKS5 username/password request (1 + 1 + 255 + 1 + 255), or
/// a SOCKS4a request with a user ID and a name of [`MAX_NAME`] bytes each.
pub const MAX_MESSAGE: usize = 8 + 2 * (MAX_NAME + 1);

/// The longest SOCKS4 user ID or SOCKS4a domain name read (the protocol sets no limit).
pub const MAX_NAME: usize = 255;

/// Which message of the handshake a run of bytes is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    V4Request,
    V4Reply,
    V5Greeting,
    V5MethodChoice,
    V5AuthRequest,
    V5AuthReply,
    V5Request,
    V5Reply,
}

/// Why bytes are not yet, or not at all, the message expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The message goes on: at least this many bytes in all are needed.
    Incomplete(usize),
    Malformed(&'static str),
}

/// RFC 1928 section 5: an address as a request or reply carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Address<'a> {
    Ipv4(Ipv4Addr),
    Domain(&'a [u8]),
    Ipv6(Ipv6Addr),
}

/// A SOCKS message, read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// SOCKS4 (and 4a, when the address is 0.0.0.x with x non-zero and a name follows):
    /// `VN=4 | CD | DSTPORT(2) | DSTIP(4) | USERID | NUL [| DOMAIN | NUL]`.
    V4Request { command: u8, port: u16, address: Ipv4Addr, user: &'a [u8], domain: Option<&'a [u8]> },
    /// `VN=0 | CD (90 granted, 91..93 refused) | DSTPORT(2) | DSTIP(4)`.
    V4Reply { version: u8, result: u8, port: u16, address: Ipv4Addr },
    /// RFC 1928 section 3: `VER=5 | NMETHODS | METHODS(NMETHODS)`.
    V5Greeting { methods: &'a [u8] },
    /// `VER=5 | METHOD` (0 none, 2 username/password, 0xFF none acceptable).
    V5MethodChoice { method: u8 },
    /// RFC 1929 section 2: `VER=1 | ULEN | UNAME | PLEN | PASSWD`.
    V5AuthRequest { version: u8, user: &'a [u8], password: &'a [u8] },
    /// `VER=1 | STATUS` (0 success).
    V5AuthReply { version: u8, status: u8 },
    /// RFC 1928 section 4: `VER=5 | CMD | RSV | ATYP | DST.ADDR | DST.PORT(2)`.
    V5Request { command: u8, reserved: u8, address: Address<'a>, port: u16 },
    /// RFC 1928 section 6: `VER=5 | REP | RSV | ATYP | BND.ADDR | BND.PORT(2)`.
    V5Reply { reply: u8, reserved: u8, address: Address<'a>, port: u16 },
}

/// SOCKS4 command codes and SOCKS4 reply codes.
pub mod code {
    pub const CONNECT: u8 = 1;
    pub const V4_GRANTED: u8 = 90;
    pub const V5_SUCCEEDED: u8 = 0;
    pub const METHOD_USER_PASSWORD: u8 = 2;
}

/// Reads one message of `kind` from the start of `input`; returns it and its length.
pub fn parse(kind: Kind, input: &[u8]) -> Result<(usize, Message<'_>), Failure> {
    let need = |len: usize| if input.len() < len { Err(Failure::Incomplete(len)) } else { Ok(()) };
    let byte = |at: usize| input.get(at).copied().unwrap_or(0);
    let port = |at: usize| u16::from_be_bytes([byte(at), byte(at + 1)]);
    let ipv4 = |at: usize| Ipv4Addr::new(byte(at), byte(at + 1), byte(at + 2), byte(at + 3));
    match kind {
        Kind::V4Request => {
            need(9)?;
            if byte(0) != 4 {
                return Err(Failure::Malformed("a SOCKS4 request starts with version 4"));
            }
            let address = ipv4(4);
            let (user, after_user) = nul_terminated(input, 8)?;
            let octets = address.octets();
            let v4a = octets[..3] == [0, 0, 0] && octets[3] != 0;
            let (domain, end) = if v4a {
                let (domain, end) = nul_terminated(input, after_user)?;
                (Some(domain), end)
            } else {
                (None, after_user)
            };
            Ok((end, Message::V4Request { command: byte(1), port: port(2), address, user, domain }))
        }
        Kind::V4Reply => {
            need(8)?;
            Ok((8, Message::V4Reply { version: byte(0), result: byte(1), port: port(2), address: ipv4(4) }))
        }
        Kind::V5Greeting => {
            need(2)?;
            if byte(0) != 5 {
                return Err(Failure::Malformed("a SOCKS5 greeting starts with version 5"));
            }
            let end = 2 + usize::from(byte(1));
            need(end)?;
            Ok((end, Message::V5Greeting { methods: &input[2..end] }))
        }
        Kind::V5MethodChoice => {
            need(2)?;
            Ok((2, Message::V5MethodChoice { method: byte(1) }))
        }
        Kind::V5AuthRequest => {
            need(2)?;
            let user_end = 2 + usize::from(byte(1));
            need(user_end + 1)?;
            let end = user_end + 1 + usize::from(byte(user_end));
            need(end)?;
            let (user, password) = (&input[2..user_end], &input[user_end + 1..end]);
            Ok((end, Message::V5AuthRequest { version: byte(0), user, password }))
        }
        Kind::V5AuthReply => {
            need(2)?;
            Ok((2, Message::V5AuthReply { version: byte(0), status: byte(1) }))
        }
        Kind::V5Request | Kind::V5Reply => {
            need(5)?;
            if byte(0) != 5 {
                return Err(Failure::Malformed("a SOCKS5 request or reply starts with version 5"));
            }
            let (address, end) = match byte(3) {
                1 => (Address::Ipv4(ipv4(4)), 8),
                3 => {
                    let end = 5 + usize::from(byte(4));
                    need(end)?;
                    (Address::Domain(&input[5..end]), end)
                }
                4 => {
                    need(20)?;
                    let mut octets = [0; 16];
                    octets.copy_from_slice(&input[4..20]);
                    (Address::Ipv6(Ipv6Addr::from(octets)), 20)
                }
                _ => return Err(Failure::Malformed("a SOCKS5 address type is 1, 3 or 4")),
            };
            need(end + 2)?;
            let (code, reserved, port) = (byte(1), byte(2), port(end));
            let message = if kind == Kind::V5Request {
                Message::V5Request { command: code, reserved, address, port }
            } else {
                Message::V5Reply { reply: code, reserved, address, port }
            };
            Ok((end + 2, message))
        }
    }
}

/// A NUL-terminated string starting at `at`, of at most [`MAX_NAME`] bytes, and where the
/// bytes after its NUL start.
fn nul_terminated(input: &[u8], at: usize) -> Result<(&[u8], usize), Failure> {
    let rest = input.get(at..).unwrap_or(&[]);
    match rest.iter().take(MAX_NAME + 1).position(|&byte| byte == 0) {
        Some(len) => Ok((&rest[..len], at + len + 1)),
        None if rest.len() > MAX_NAME => Err(Failure::Malformed("a SOCKS4 user ID or name over 255 bytes")),
        None => Err(Failure::Incomplete(input.len() + 1)),
    }
}

/// Where a relayed stream goes, as Wireshark repeats it on each of its segments: the
/// version, the command, the address (for SOCKS4 Wireshark shows the request's first four
/// bytes here, which `address` then holds) and the port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tunnel {
    pub version: u8,
    pub command: u8,
    pub ipv4: Option<Ipv4Addr>,
    pub ipv6: Option<Ipv6Addr>,
    pub port: u16,
}

/// A SOCKS layer: one handshake message, or the marker on a relayed segment.
#[derive(Clone, Copy, Debug)]
pub enum Socks<'a> {
    Message {
        version: u8,
        message: Message<'a>,
        span: Span<'a>,
    },
    /// A relayed segment: where the tunnel goes, and the segment's payload, which Wireshark's
    /// SOCKS hands on as a TCP payload again (a second `tcp.payload`).
    Tunnel {
        tunnel: Tunnel,
        payload: Span<'a>,
    },
}

impl Socks<'_> {
    pub fn fields(&self, out: &mut Emitter<'_>) {
        match self {
            Socks::Tunnel { tunnel, payload } => {
                out.computed(name::VERSION, Value::Uint(tunnel.version.into()));
                out.computed(name::COMMAND, Value::Uint(tunnel.command.into()));
                if let Some(address) = tunnel.ipv4 {
                    out.computed(name::DST, Value::Ipv4(address));
                }
                if let Some(address) = tunnel.ipv6 {
                    out.computed(name::DST_V6, Value::Ipv6(address));
                }
                out.computed(name::DSTPORT, Value::Uint(tunnel.port.into()));
                let len = payload.bytes.len();
                out.within(payload).at(super::tcp::name::PAYLOAD, 0..len, Value::Bytes(payload.bytes));
            }
            Socks::Message { version, message, span } => {
                message_fields(*version, message, &mut out.within(span));
            }
        }
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let Socks::Message { version, message, .. } = self else { return Ok(()) };
        write!(out, "Version: {version} ")?;
        out.write_str(match message {
            Message::V4Request { .. } => "Connect to server request",
            Message::V4Reply { .. } => "Connect Response",
            Message::V5Greeting { .. } => "Connect to server request",
            Message::V5MethodChoice { .. } => "Connect to server response",
            Message::V5AuthRequest { .. } => "User authentication request",
            Message::V5AuthReply { .. } => "User authentication reply",
            Message::V5Request { .. } => "Command Request - Connect",
            Message::V5Reply { .. } => "Command Response - Connect",
        })
    }
}

/// A message's fields in Wireshark's order, offsets from the message's start.
fn message_fields(version: u8, message: &Message<'_>, out: &mut Emitter<'_>) {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    match *message {
        Message::V4Request { command, port, address, user, domain } => {
            out.at(name::VERSION, 0..1, Value::Uint(4));
            out.at(name::COMMAND, 1..2, Value::Uint(command.into()));
            out.at(name::DSTPORT, 2..4, Value::Uint(port.into()));
            out.at(name::DST, 4..8, Value::Ipv4(address));
            out.at(name::USERNAME, 8..8 + user.len(), Value::Str(&text(user)));
            if let Some(domain) = domain {
                let at = 9 + user.len();
                out.at(name::V4A_DNS_NAME, at..at + domain.len(), Value::Str(&text(domain)));
            }
        }
        Message::V4Reply { version, result, port, address } => {
            out.at(name::VERSION, 0..1, Value::Uint(version.into()));
            out.at(name::RESULTS, 1..2, Value::Uint(result.into()));
            out.at(name::DSTPORT, 2..4, Value::Uint(port.into()));
            out.at(name::DST, 4..8, Value::Ipv4(address));
        }
        Message::V5Greeting { methods } => {
            out.at(name::VERSION, 0..1, Value::Uint(5));
            out.at(name::AUTH_METHOD_COUNT, 1..2, Value::Uint(methods.len() as u64));
            for (index, method) in methods.iter().enumerate() {
                out.at(name::AUTH_METHOD, 2 + index..3 + index, Value::Uint((*method).into()));
            }
        }
        Message::V5MethodChoice { method } => {
            out.at(name::VERSION, 0..1, Value::Uint(5));
            out.at(name::AUTH_ACCEPTED_METHOD, 1..2, Value::Uint(method.into()));
        }
        Message::V5AuthRequest { version: sub, user, password } => {
            out.computed(name::VERSION, Value::Uint(version.into()));
            out.at(name::SUBNEGOTIATION_VERSION, 0..1, Value::Uint(sub.into()));
            out.at(name::USERNAME, 2..2 + user.len(), Value::Str(&text(user)));
            let at = 3 + user.len();
            out.at(name::PASSWORD, at..at + password.len(), Value::Str(&text(password)));
        }
        Message::V5AuthReply { version: sub, status } => {
            out.computed(name::VERSION, Value::Uint(version.into()));
            out.at(name::SUBNEGOTIATION_VERSION, 0..1, Value::Uint(sub.into()));
            out.at(name::AUTH_STATUS, 1..2, Value::Uint(status.into()));
        }
        Message::V5Request { command: code, reserved, address, port }
        | Message::V5Reply { reply: code, reserved, address, port } => {
            out.at(name::VERSION, 0..1, Value::Uint(5));
            let request = matches!(message, Message::V5Request { .. });
            out.at(if request { name::COMMAND } else { name::RESULTS }, 1..2, Value::Uint(code.into()));
            out.at(name::RESERVED, 2..3, Value::Uint(reserved.into()));
            let end = match address {
                Address::Ipv4(address) => {
                    out.at(name::ADDRESS_TYPE, 3..4, Value::Uint(1));
                    out.at(name::DST, 4..8, Value::Ipv4(address));
                    8
                }
                Address::Domain(domain) => {
                    out.at(name::ADDRESS_TYPE, 3..4, Value::Uint(3));
                    out.at(name::REMOTE_NAME, 5..5 + domain.len(), Value::Str(&text(domain)));
                    5 + domain.len()
                }
                Address::Ipv6(address) => {
                    out.at(name::ADDRESS_TYPE, 3..4, Value::Uint(4));
                    out.at(name::DST_V6, 4..20, Value::Ipv6(address));
                    20
                }
            };
            out.at(name::PORT, end..end + 2, Value::Uint(port.into()));
        }
    }
}

impl LayerHeader for Socks<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Socks
    }

    fn header_len(&self) -> usize {
        match self {
            Socks::Message { span, .. } => span.bytes.len(),
            Socks::Tunnel { .. } => 0,
        }
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Socks::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Socks::summary(self, out)
    }

    fn also_emits(&self) -> &'static [&'static str] {
        &["tcp"]
    }
}

pub mod name {
    //! The fields of SOCKS, by Wireshark's names.

    crate::registry::field_table! {
        protocol Socks;
        VERSION "socks.version" Uint "version";
        COMMAND "socks.command" Uint "command (1 connect)" names SOCKS_COMMAND;
        RESULTS "socks.results" Uint "reply code (SOCKS4 90 granted; SOCKS5 0 succeeded)" names SOCKS_RESULTS;
        AUTH_METHOD_COUNT "socks.auth_method_count" Uint "authentication method count";
        AUTH_METHOD "socks.auth_method" Uint "authentication method offered";
        AUTH_ACCEPTED_METHOD "socks.auth_accepted_method" Uint "authentication method chosen";
        SUBNEGOTIATION_VERSION "socks.subnegotiation_version" Uint "username/password subnegotiation version";
        USERNAME "socks.username" Text "user name (SOCKS4 user ID)";
        PASSWORD "socks.password" Text "password";
        AUTH_STATUS "socks.auth_status" Uint "authentication status (0 success)";
        RESERVED "socks.reserved" Uint "reserved";
        ADDRESS_TYPE "socks.address_type" Uint "address type (1 IPv4, 3 name, 4 IPv6)" names SOCKS_ADDRESS_TYPE;
        DST "socks.dst" Ipv4 "remote address";
        DST_V6 "socks.dstV6" Ipv6 "remote address (IPv6)";
        REMOTE_NAME "socks.remote_name" Text "remote name";
        V4A_DNS_NAME "socks.v4a_dns_name" Text "SOCKS4a remote domain name";
        DSTPORT "socks.dstport" Uint "remote port";
        PORT "socks.port" Uint "port";
    }
}

#[cfg(test)]
mod tests;
