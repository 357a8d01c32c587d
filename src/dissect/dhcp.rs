//! DHCP (and the BOOTP header it rides in) on UDP ports 67 and 68, as tshark shows it.
//!
//! ```text
//! RFC 2131 section 2 (BOOTP, RFC 951), 236 bytes, then the options (RFC 2132):
//!   op(1) htype(1) hlen(1) hops(1) xid(4) secs(2) flags(2, the top bit broadcast)
//!   ciaddr(4) yiaddr(4) siaddr(4) giaddr(4) chaddr(16) sname(64) file(128)
//!   magic cookie 99.130.83.99 (4), then options: code(1) length(1) value(length),
//!   except pad (0) and end (255), which are one byte
//! ```
//! The invariant: every option is read inside the bytes its length gives and inside the
//! datagram; an option that overruns it ends the walk, and the header before it stays (with
//! its type and claimed length, as tshark shows them, when the length byte is there). Such an
//! option, or a message type (option 53) with no byte, is a problem of the packet, as tshark
//! calls either a malformed packet. Options not decoded keep their bytes (`dhcp.option.value`);
//! a decoded option keeps them too, and `-V` hides them as tshark does. A length its format
//! does not allow is not malformed: tshark's expert names it, and `option_expert` says what.

use std::fmt;
use std::net::Ipv4Addr;

use super::Content;
use super::error::{Error, IResult, be16, be32, into_error, take_bytes};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::dispatch::Next;
use crate::osi::Protocol;
use crate::registry::values;

/// The fixed BOOTP header.
pub const HEADER_LEN: usize = 236;
const COOKIE: [u8; 4] = [99, 130, 83, 99];

mod field {
    use std::ops::Range;
    pub const OP: Range<usize> = 0..1;
    pub const HTYPE: Range<usize> = 1..2;
    pub const HLEN: Range<usize> = 2..3;
    pub const HOPS: Range<usize> = 3..4;
    pub const XID: Range<usize> = 4..8;
    pub const SECS: Range<usize> = 8..10;
    pub const FLAGS: Range<usize> = 10..12;
    pub const CIADDR: Range<usize> = 12..16;
    pub const YIADDR: Range<usize> = 16..20;
    pub const SIADDR: Range<usize> = 20..24;
    pub const GIADDR: Range<usize> = 24..28;
    pub const CHADDR: Range<usize> = 28..44;
    pub const SNAME: Range<usize> = 44..108;
    pub const FILE: Range<usize> = 108..236;
    pub const COOKIE: Range<usize> = 236..240;
}

mod option {
    pub const PAD: u8 = 0;
    pub const SUBNET_MASK: u8 = 1;
    pub const ROUTER: u8 = 3;
    pub const DOMAIN_NAME_SERVER: u8 = 6;
    pub const HOST_NAME: u8 = 12;
    pub const DOMAIN_NAME: u8 = 15;
    pub const INTERFACE_MTU: u8 = 26;
    pub const BROADCAST_ADDRESS: u8 = 28;
    pub const STATIC_ROUTE: u8 = 33;
    pub const NTP_SERVERS: u8 = 42;
    pub const REQUESTED_IP_ADDRESS: u8 = 50;
    pub const LEASE_TIME: u8 = 51;
    pub const MESSAGE_TYPE: u8 = 53;
    pub const SERVER_ID: u8 = 54;
    pub const PARAMETER_REQUEST_LIST: u8 = 55;
    pub const MAX_MESSAGE_SIZE: u8 = 57;
    pub const RENEWAL_TIME: u8 = 58;
    pub const REBINDING_TIME: u8 = 59;
    pub const VENDOR_CLASS_ID: u8 = 60;
    pub const CLIENT_ID: u8 = 61;
    pub const DOMAIN_SEARCH: u8 = 119;
    pub const CLASSLESS_STATIC_ROUTE: u8 = 121;
    pub const END: u8 = 255;
}

/// A BOOTP or DHCP message: the header and the options after it, to the datagram's end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    bytes: &'a [u8],
}

/// Reads a message as the stateless chain's entry for DHCP: the options run to the end of
/// the datagram, so nothing follows.
pub fn dissect(input: &[u8]) -> Result<(Content<'_>, Next<'_>), Error> {
    let (trailer, message) = parse(input).map_err(into_error)?;
    Ok((Content::Dhcp(message), Next::End { trailer }))
}

pub fn parse(input: &[u8]) -> IResult<'_, Message<'_>> {
    take_bytes(HEADER_LEN)(input)?;
    Ok((&[], Message { bytes: input }))
}

/// One option as the walk found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Item<'a> {
    /// A run of pad bytes from `at`.
    Pad { at: usize, len: usize },
    /// An option with its code and value; `at` is its code's offset.
    Option { at: usize, code: u8, value: &'a [u8] },
    /// The end option at `at`.
    End { at: usize },
    /// An option at `at` whose value (or length byte, when `claimed` is `None`) runs past the
    /// datagram's end: the last item of the walk.
    Overrun { at: usize, code: u8, claimed: Option<u8> },
}

/// Walks the options from `start` until the end option, the datagram's end, or an option
/// that overruns it.
fn options(bytes: &[u8], start: usize) -> impl Iterator<Item = Item<'_>> {
    let mut at = start;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let code = *bytes.get(at)?;
        match code {
            option::PAD => {
                let len = bytes[at..].iter().take_while(|&&byte| byte == 0).count();
                let item = Item::Pad { at, len };
                at += len;
                Some(item)
            }
            option::END => {
                done = true;
                Some(Item::End { at })
            }
            _ => {
                let claimed = bytes.get(at + 1).copied();
                let value = claimed.and_then(|len| bytes.get(at + 2..at + 2 + usize::from(len)));
                let Some(value) = value else {
                    done = true;
                    return Some(Item::Overrun { at, code, claimed });
                };
                let len = value.len();
                let item = Item::Option { at, code, value };
                at += 2 + len;
                Some(item)
            }
        }
    })
}

fn ipv4(bytes: &[u8]) -> Option<Ipv4Addr> {
    let octets: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    Some(Ipv4Addr::from(octets))
}

/// A NUL-terminated text: what is before the first NUL.
fn text(bytes: &[u8]) -> &[u8] {
    bytes.split(|&byte| byte == 0).next().unwrap_or(&[])
}

impl<'a> Message<'a> {
    /// 1 request, 2 reply.
    pub fn op(&self) -> u8 {
        self.bytes[field::OP.start]
    }

    pub fn transaction_id(&self) -> u32 {
        be32(self.bytes, field::XID.start)
    }

    fn has_cookie(&self) -> bool {
        self.bytes.get(field::COOKIE) == Some(&COOKIE[..])
    }

    /// The DHCP message type (option 53), if the message has one.
    pub fn message_type(&self) -> Option<u8> {
        if !self.has_cookie() {
            return None;
        }
        options(self.bytes, field::COOKIE.end).find_map(|item| match item {
            Item::Option { code: option::MESSAGE_TYPE, value: [kind, ..], .. } => Some(*kind),
            _ => None,
        })
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        let b = self.bytes;
        out.at(name::TYPE, field::OP, Value::Uint(self.op().into()));
        let (htype, hlen) = (b[field::HTYPE.start], b[field::HLEN.start]);
        out.at(name::HW_TYPE, field::HTYPE, Value::hex8(htype));
        out.at(name::HW_LEN, field::HLEN, Value::Uint(hlen.into()));
        out.at(name::HOPS, field::HOPS, Value::Uint(b[field::HOPS.start].into()));
        out.at(name::ID, field::XID, Value::hex32(self.transaction_id()));
        out.at(name::SECS, field::SECS, Value::Uint(be16(b, field::SECS.start).into()));
        let flags = be16(b, field::FLAGS.start);
        out.at(name::FLAGS, field::FLAGS, Value::hex16(flags));
        out.at(name::FLAGS_BC, field::FLAGS, Value::Bool(flags & 0x8000 != 0));
        out.at(name::FLAGS_RESERVED, field::FLAGS, Value::hex16(flags & 0x7fff));
        for (name, range) in [
            (name::IP_CLIENT, field::CIADDR),
            (name::IP_YOUR, field::YIADDR),
            (name::IP_SERVER, field::SIADDR),
            (name::IP_RELAY, field::GIADDR),
        ] {
            if let Some(address) = ipv4(&b[range.clone()]) {
                out.at(name, range, Value::Ipv4(address));
            }
        }
        // An Ethernet (or IEEE 802) client's address; other hardware's is not shown yet.
        let chaddr = field::CHADDR.start;
        if is_ethernet(htype) && hlen == 6 {
            out.at(name::HW_MAC_ADDR, chaddr..chaddr + 6, Value::Mac(mac(&b[chaddr..chaddr + 6])));
            let padding = chaddr + 6..field::CHADDR.end;
            out.at(name::HW_ADDR_PADDING, padding.clone(), Value::Bytes(&b[padding]));
        }
        // The server's and boot file's names, NUL-terminated in their fixed fields (empty when
        // not given).
        for (name, range) in [(name::SERVER, field::SNAME), (name::FILE, field::FILE)] {
            if let Ok(name_text) = std::str::from_utf8(text(&b[range.clone()])) {
                out.at(name, range, Value::Str(name_text));
            }
        }
        // Without the magic cookie, what follows is BOOTP's vendor area, not options.
        if !self.has_cookie() {
            return;
        }
        out.at(name::COOKIE, field::COOKIE, Value::Ipv4(Ipv4Addr::from(COOKIE)));
        let mut end = None;
        for item in options(b, field::COOKIE.end) {
            match item {
                Item::Pad { at, len } => {
                    out.at(name::OPTION_TYPE, at..at + 1, Value::Uint(0));
                    out.at(name::OPTION_PADDING, at..at + len, Value::Bytes(&b[at..at + len]));
                }
                Item::End { at } => {
                    // tshark gives the end option's type item the value 0 ("(255) End").
                    out.at(name::OPTION_TYPE, at..at + 1, Value::Uint(0));
                    out.at(name::OPTION_END, at..at + 1, Value::Uint(option::END.into()));
                    end = Some(at + 1);
                }
                Item::Option { at, code, value } => option_fields(out, at, code, value),
                // tshark reads a code and its length together: a code with no length after it
                // shows nothing.
                Item::Overrun { at, code, claimed: Some(claimed) } => {
                    out.at(name::OPTION_TYPE, at..at + 1, Value::Uint(code.into()));
                    out.at(name::OPTION_LENGTH, at + 1..at + 2, Value::Uint(claimed.into()));
                }
                Item::Overrun { claimed: None, .. } => {}
            }
        }
        if let Some(end) = end.filter(|&end| end < b.len()) {
            out.at(name::OPTION_PADDING, end..b.len(), Value::Bytes(&b[end..]));
        }
    }

    /// What tshark calls malformed in the options: one that runs past the datagram's end, a
    /// message type (option 53) without its byte, or a classless static route cut short;
    /// `None` when there is none of these (or no options: BOOTP's vendor area is not read).
    pub fn problem(&self) -> Option<String> {
        if !self.has_cookie() {
            return None;
        }
        options(self.bytes, field::COOKIE.end).find_map(|item| match item {
            Item::Overrun { code, claimed: Some(claimed), at } => Some(format!(
                "malformed: option {code} claims {claimed} bytes, only {} follow its length",
                self.bytes.len() - (at + 2)
            )),
            Item::Overrun { code, claimed: None, .. } => {
                Some(format!("malformed: option {code} has no length byte before the datagram ends"))
            }
            Item::Option { code: option::MESSAGE_TYPE, value: [], .. } => Some(
                "malformed: option 53 (DHCP Message Type) is empty; it must hold the type's byte".to_owned(),
            ),
            Item::Option { code: option::CLASSLESS_STATIC_ROUTE, value, .. } => {
                let read: usize = classless_routes(value).map(|route| route.len()).sum();
                // A width over 32 ends the list too, and tshark says so without calling it
                // malformed; a route cut short by the option's end is an exception to it.
                let cut = value.get(read).is_some_and(|&width| width <= 32);
                cut.then(|| {
                    format!(
                        "malformed: option 121 (Classless Static Route): the route at byte {read} \
                         runs past the option's {} bytes",
                        value.len()
                    )
                })
            }
            _ => None,
        })
    }

    /// tshark's Info column: `DHCP Discover - Transaction ID 0x…`, or the BOOTP operation.
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        match self.message_type() {
            Some(kind) => {
                let name = message_type_name(kind);
                write!(out, "DHCP {name:<8} - Transaction ID 0x{:x}", self.transaction_id())
            }
            None if self.op() == 2 => out.write_str("Boot Reply"),
            None => out.write_str("Boot Request"),
        }
    }
}

fn mac(bytes: &[u8]) -> [u8; 6] {
    let mut address = [0; 6];
    address.copy_from_slice(&bytes[..6]);
    address
}

/// An option's type, length and value, then its decoded value under tshark's name.
fn option_fields(out: &mut Emitter<'_>, at: usize, code: u8, value: &[u8]) {
    out.at(name::OPTION_TYPE, at..at + 1, Value::Uint(code.into()));
    out.at(name::OPTION_LENGTH, at + 1..at + 2, Value::Uint(value.len() as u64));
    let start = at + 2;
    out.at(name::OPTION_VALUE, start..start + value.len(), Value::Bytes(value));
    let addresses = |out: &mut Emitter<'_>, name| {
        for (index, quad) in value.chunks_exact(4).enumerate() {
            if let Some(address) = ipv4(quad) {
                let from = start + index * 4;
                out.at(name, from..from + 4, Value::Ipv4(address));
            }
        }
    };
    let seconds = |out: &mut Emitter<'_>, name| {
        if let [a, b, c, d] = value {
            out.at(name, start..start + 4, Value::Uint(u32::from_be_bytes([*a, *b, *c, *d]).into()));
        }
    };
    let string = |out: &mut Emitter<'_>, name| {
        if let Ok(text) = std::str::from_utf8(text(value)) {
            out.at(name, start..start + value.len(), Value::Str(text));
        }
    };
    match code {
        option::SUBNET_MASK if value.len() == 4 => addresses(out, name::OPTION_SUBNET_MASK),
        option::ROUTER => addresses(out, name::OPTION_ROUTER),
        option::DOMAIN_NAME_SERVER => addresses(out, name::OPTION_DOMAIN_NAME_SERVER),
        option::HOST_NAME => string(out, name::OPTION_HOSTNAME),
        option::DOMAIN_NAME => string(out, name::OPTION_DOMAIN_NAME),
        option::BROADCAST_ADDRESS if value.len() == 4 => addresses(out, name::OPTION_BROADCAST_ADDRESS),
        option::REQUESTED_IP_ADDRESS if value.len() == 4 => {
            addresses(out, name::OPTION_REQUESTED_IP_ADDRESS);
        }
        option::LEASE_TIME => seconds(out, name::OPTION_IP_ADDRESS_LEASE_TIME),
        option::RENEWAL_TIME => seconds(out, name::OPTION_RENEWAL_TIME_VALUE),
        option::REBINDING_TIME => seconds(out, name::OPTION_REBINDING_TIME_VALUE),
        option::MESSAGE_TYPE if value.len() == 1 => {
            out.at(name::OPTION_DHCP, start..start + 1, Value::Uint(value[0].into()));
        }
        option::SERVER_ID if value.len() == 4 => addresses(out, name::OPTION_DHCP_SERVER_ID),
        option::PARAMETER_REQUEST_LIST => {
            for (index, &item) in value.iter().enumerate() {
                let from = start + index;
                out.at(name::OPTION_REQUEST_LIST_ITEM, from..from + 1, Value::Uint(item.into()));
            }
        }
        option::MAX_MESSAGE_SIZE if value.len() == 2 => {
            let size = u16::from_be_bytes([value[0], value[1]]);
            out.at(name::OPTION_DHCP_MAX_MESSAGE_SIZE, start..start + 2, Value::Uint(size.into()));
        }
        option::VENDOR_CLASS_ID => string(out, name::OPTION_VENDOR_CLASS_ID),
        option::INTERFACE_MTU if value.len() == 2 => {
            let mtu = u16::from_be_bytes([value[0], value[1]]);
            out.at(name::OPTION_INTERFACE_MTU, start..start + 2, Value::Uint(mtu.into()));
        }
        option::NTP_SERVERS => addresses(out, name::OPTION_NTP_SERVER),
        // RFC 2132 section 5.8: destination and router, four bytes each, pair after pair.
        option::STATIC_ROUTE => {
            for (index, pair) in value.chunks_exact(8).enumerate() {
                let from = start + index * 8;
                for (half, name) in [(0, name::OPTION_STATIC_ROUTE_IP), (4, name::OPTION_STATIC_ROUTE_ROUTER)]
                {
                    if let Some(address) = ipv4(&pair[half..]) {
                        out.at(name, from + half..from + half + 4, Value::Ipv4(address));
                    }
                }
            }
        }
        option::DOMAIN_SEARCH => {
            for (range, found) in search_list(value) {
                let range = start + range.start..start + range.end;
                out.at(name::OPTION_DOMAIN_SEARCH_FQDN, range, Value::Str(&found));
            }
        }
        option::CLASSLESS_STATIC_ROUTE => {
            for range in classless_routes(value) {
                let bytes = &value[range.clone()];
                out.at(
                    name::OPTION_CLASSLESS_STATIC_ROUTE,
                    start + range.start..start + range.end,
                    Value::Bytes(bytes),
                );
            }
        }
        // RFC 2132 section 9.14: seven bytes from a hardware type tshark knows (1 to 47) are
        // read as that type and an address, a MAC address for Ethernet and IEEE 802.
        option::CLIENT_ID if value.len() == 7 && (1..48).contains(&value[0]) => {
            out.at(name::HW_TYPE, start..start + 1, Value::hex8(value[0]));
            if is_ethernet(value[0]) {
                out.at(name::HW_MAC_ADDR, start + 1..start + 7, Value::Mac(mac(&value[1..])));
            }
        }
        _ => {}
    }
}

/// What tshark's expert says of an option's value that its format does not allow (an error,
/// not a malformed packet: the value is shown raw, or its whole items decoded): `length isn't
/// 4` for a fixed-size one, `Option length isn't a multiple of 4` for a list, `Mask width (33) >
/// 32` where a classless static route's list stops.
pub fn option_expert(code: u8, value: &[u8]) -> Option<String> {
    use option::*;
    let fixed = match code {
        SUBNET_MASK | BROADCAST_ADDRESS | REQUESTED_IP_ADDRESS | SERVER_ID => 4,
        LEASE_TIME | RENEWAL_TIME | REBINDING_TIME => 4,
        MAX_MESSAGE_SIZE | INTERFACE_MTU => 2,
        _ => 0,
    };
    let multiple = match code {
        ROUTER | DOMAIN_NAME_SERVER | NTP_SERVERS => 4,
        STATIC_ROUTE => 8,
        _ => 0,
    };
    if fixed > 0 && value.len() != fixed {
        Some(format!("length isn't {fixed}"))
    } else if multiple > 0 && !value.len().is_multiple_of(multiple) {
        Some(format!("Option length isn't a multiple of {multiple}"))
    } else if code == CLASSLESS_STATIC_ROUTE {
        let read: usize = classless_routes(value).map(|route| route.len()).sum();
        value.get(read).filter(|&&width| width > 32).map(|width| format!("Mask width ({width}) > 32"))
    } else {
        None
    }
}

/// The names of a domain search list (RFC 3397): DNS names one after another, compressed
/// with pointers into the option's own bytes, each with its bytes' range. A last name whose
/// whole labels run to the option's end without the root label is read as ended there, as
/// tshark reads it; otherwise the list ends where a name cannot be read (a label past the
/// option, or a pointer that does not point backwards).
fn search_list(value: &[u8]) -> Vec<(std::ops::Range<usize>, String)> {
    let mut names = Vec::new();
    let mut at = 0;
    while at < value.len() {
        match super::dns::domain::read(value, at) {
            Ok((found, end)) => {
                names.push((at..end, found.to_string()));
                at = end;
            }
            Err(_) => {
                names.extend(unterminated_name(&value[at..]).map(|name| (at..value.len(), name)));
                break;
            }
        }
    }
    names
}

/// Labels that fill `bytes` exactly, with no root label after them, joined by dots.
fn unterminated_name(mut bytes: &[u8]) -> Option<String> {
    let mut labels = Vec::new();
    while let Some((&len, rest)) = bytes.split_first() {
        let label = rest.get(..usize::from(len)).filter(|_| (1..64).contains(&len))?;
        labels.push(String::from_utf8_lossy(label));
        bytes = &rest[label.len()..];
    }
    (!labels.is_empty()).then(|| labels.join("."))
}

/// The routes of a classless static route option (RFC 3442): each a mask width (0 to 32), the
/// destination's significant bytes (the width in bytes, rounded up) and the router's four
/// bytes, as ranges of the option's value. The list ends at a width over 32 or a route that
/// runs past the option.
fn classless_routes(value: &[u8]) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let width = *value.get(at)?;
        if width > 32 {
            return None;
        }
        let end = at + 1 + usize::from(width).div_ceil(8) + 4;
        if end > value.len() {
            return None;
        }
        let route = at..end;
        at = end;
        Some(route)
    })
}

/// A classless static route as tshark's tree writes it: `192.168.50.0/24-10.0.17.254`, or
/// `default-10.0.17.1` for width 0; `None` for bytes that are not one route.
pub fn classless_route_words(route: &[u8]) -> Option<String> {
    let (&width, rest) = route.split_first()?;
    let significant = usize::from(width).div_ceil(8);
    let (destination, router) = rest.split_at_checked(significant)?;
    let router = ipv4(router).filter(|_| router.len() == 4 && width <= 32)?;
    if width == 0 {
        return Some(format!("default-{router}"));
    }
    let mut octets = [0; 4];
    octets[..significant].copy_from_slice(destination);
    Some(format!("{}/{width}-{router}", Ipv4Addr::from(octets)))
}

/// The name tshark gives a DHCP message type (RFC 2132 section 9.6 and later).
fn message_type_name(kind: u8) -> &'static str {
    values::DHCP_MESSAGE_TYPE.name(kind.into()).unwrap_or("Unknown Message Type")
}

/// A message type as tshark's tree words it in the message's title and option 53's:
/// `Discover`, or `Unknown Message Type (0x2a)`.
pub fn message_type_title(kind: u64) -> String {
    match values::DHCP_MESSAGE_TYPE.name(kind) {
        Some(name) => name.to_owned(),
        None => format!("Unknown Message Type (0x{kind:02x})"),
    }
}

/// Hardware types whose addresses are MAC addresses: Ethernet (1) and IEEE 802 (6).
fn is_ethernet(htype: u8) -> bool {
    matches!(htype, 1 | 6)
}

impl LayerHeader for Message<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Dhcp
    }

    fn header_len(&self) -> usize {
        self.bytes.len()
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Message::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Message::summary(self, out)
    }

    fn problem(&self) -> Option<String> {
        Message::problem(self)
    }
}

pub mod name {
    //! The fields of a DHCP message, by Wireshark's names: the registry's rows for them, and
    //! the names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Dhcp;
        TYPE "dhcp.type" Uint "message op (1 request, 2 reply)" names DHCP_OP;
        HW_TYPE "dhcp.hw.type" Hex "hardware type" names DHCP_HARDWARE;
        HW_LEN "dhcp.hw.len" Uint "hardware address length";
        HOPS "dhcp.hops" Uint "relay hops";
        ID "dhcp.id" Hex "transaction ID";
        SECS "dhcp.secs" Uint "seconds since the client began";
        FLAGS "dhcp.flags" Hex "flags";
        FLAGS_BC "dhcp.flags.bc" Bool "answer by broadcast";
        FLAGS_RESERVED "dhcp.flags.reserved" Hex "reserved flags";
        IP_CLIENT "dhcp.ip.client" Ipv4 "client's current address";
        IP_YOUR "dhcp.ip.your" Ipv4 "address offered to the client";
        IP_SERVER "dhcp.ip.server" Ipv4 "next server's address";
        IP_RELAY "dhcp.ip.relay" Ipv4 "relay agent's address";
        HW_MAC_ADDR "dhcp.hw.mac_addr" Mac "client MAC address";
        HW_ADDR_PADDING "dhcp.hw.addr_padding" Bytes "padding after the hardware address";
        SERVER "dhcp.server" Text "server host name (empty: not given)";
        FILE "dhcp.file" Text "boot file name (empty: not given)";
        COOKIE "dhcp.cookie" Ipv4 "magic cookie (99.130.83.99: options follow)";
        OPTION_TYPE "dhcp.option.type" Uint "option code (0 for the pad and end options)" names DHCP_OPTION;
        OPTION_LENGTH "dhcp.option.length" Uint "option length";
        OPTION_VALUE "dhcp.option.value" Bytes "option value";
        OPTION_PADDING "dhcp.option.padding" Bytes "pad bytes";
        OPTION_SUBNET_MASK "dhcp.option.subnet_mask" Ipv4 "subnet mask";
        OPTION_ROUTER "dhcp.option.router" Ipv4 "router";
        OPTION_DOMAIN_NAME_SERVER "dhcp.option.domain_name_server" Ipv4 "DNS server";
        OPTION_HOSTNAME "dhcp.option.hostname" Text "host name";
        OPTION_DOMAIN_NAME "dhcp.option.domain_name" Text "domain name";
        OPTION_BROADCAST_ADDRESS "dhcp.option.broadcast_address" Ipv4 "broadcast address";
        OPTION_REQUESTED_IP_ADDRESS "dhcp.option.requested_ip_address" Ipv4 "address the client asks for";
        OPTION_IP_ADDRESS_LEASE_TIME "dhcp.option.ip_address_lease_time" Uint "lease time, seconds";
        OPTION_DHCP "dhcp.option.dhcp" Uint "DHCP message type" names DHCP_MESSAGE_TYPE;
        OPTION_DHCP_SERVER_ID "dhcp.option.dhcp_server_id" Ipv4 "server identifier";
        OPTION_REQUEST_LIST_ITEM "dhcp.option.request_list_item" Uint "option the client asks for" names DHCP_OPTION;
        OPTION_DHCP_MAX_MESSAGE_SIZE "dhcp.option.dhcp_max_message_size" Uint "largest message the client takes";
        OPTION_RENEWAL_TIME_VALUE "dhcp.option.renewal_time_value" Uint "renewal time (T1), seconds";
        OPTION_REBINDING_TIME_VALUE "dhcp.option.rebinding_time_value" Uint "rebinding time (T2), seconds";
        OPTION_VENDOR_CLASS_ID "dhcp.option.vendor_class_id" Text "vendor class identifier";
        OPTION_INTERFACE_MTU "dhcp.option.interface_mtu" Uint "MTU of the client's interface";
        OPTION_STATIC_ROUTE_IP "dhcp.option.static_route.ip" Ipv4 "static route's destination";
        OPTION_STATIC_ROUTE_ROUTER "dhcp.option.static_route.router" Ipv4 "static route's router";
        OPTION_NTP_SERVER "dhcp.option.ntp_server" Ipv4 "NTP server";
        OPTION_DOMAIN_SEARCH_FQDN "dhcp.option.dhcp_dns_domain_search_list_fqdn" Text "domain search list entry";
        OPTION_CLASSLESS_STATIC_ROUTE "dhcp.option.classless_static_route" Bytes "classless static route (width, destination, router)";
        OPTION_END "dhcp.option.end" Uint "end of the options";
    }
}

#[cfg(test)]
mod tests;
