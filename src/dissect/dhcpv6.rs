//! DHCPv6 on UDP ports 546 and 547, as tshark shows it: the message type, the transaction ID
//! and the options, nested ones (an IA_NA's addresses, their status) included.
//!
//! ```text
//! RFC 8415 section 8, a client or server message: msg-type(1) transaction-id(3) options
//! RFC 8415 section 9, a relay message: msg-type(1) hop-count(1) link-address(16)
//!   peer-address(16) options
//! section 21.1, an option: option-code(2) option-len(2) option-data(option-len)
//!   client id (1), server id (2): a DUID (section 11): type(2), then for DUID-LLT (1)
//!     hardware type(2) time(4, seconds since 2000) address; for DUID-LL (3) hardware type(2)
//!     address
//!   IA_NA (3): IAID(4) T1(4) T2(4) options;  IA address (5): address(16) preferred(4)
//!     valid(4) options;  option request (6): codes(2 each);  preference (7): value(1)
//!   elapsed time (8): hundredths of a second(2);  status code (13): code(2) message
//!   DNS servers (23, RFC 3646): addresses(16 each);  domain search list (24): DNS names,
//!     uncompressed, each ending in the root label
//! ```
//! The invariant: each option is read inside its parent's bytes and its own length; options
//! nest at most [`MAX_DEPTH`] deep; an option that overruns its parent ends that level's walk.

use std::fmt;
use std::net::Ipv6Addr;

use super::Content;
use super::error::{Error, IResult, be16, be32, into_error, take_bytes};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::dispatch::Next;
use crate::osi::Protocol;
use crate::registry::values;

/// A client or server message's header: type and transaction ID.
pub const HEADER_LEN: usize = 4;
/// How deep options may nest (IA_NA, IA address, status code need three).
pub const MAX_DEPTH: usize = 4;
/// Seconds from 1970 to 2000-01-01, the epoch of a DUID-LLT's time.
const DUID_EPOCH: i64 = 946_684_800;

mod option {
    pub const CLIENT_ID: u16 = 1;
    pub const SERVER_ID: u16 = 2;
    pub const IA_NA: u16 = 3;
    pub const IA_ADDRESS: u16 = 5;
    pub const OPTION_REQUEST: u16 = 6;
    pub const PREFERENCE: u16 = 7;
    pub const ELAPSED_TIME: u16 = 8;
    pub const STATUS_CODE: u16 = 13;
    pub const DNS_SERVERS: u16 = 23;
    pub const DOMAIN_LIST: u16 = 24;
}

/// A DHCPv6 message: its whole datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    bytes: &'a [u8],
}

/// Reads a message as the stateless chain's entry for DHCPv6: the options run to the end of
/// the datagram, so nothing follows.
pub fn dissect(input: &[u8]) -> Result<(Content<'_>, Next<'_>), Error> {
    let (trailer, message) = parse(input).map_err(into_error)?;
    Ok((Content::Dhcpv6(message), Next::End { trailer }))
}

pub fn parse(input: &[u8]) -> IResult<'_, Message<'_>> {
    take_bytes(HEADER_LEN)(input)?;
    Ok((&[], Message { bytes: input }))
}

/// One option: its code's offset, code and data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Item<'a> {
    at: usize,
    code: u16,
    data: &'a [u8],
}

/// The options in `bytes[start..end]`, until one overruns `end`.
fn options(bytes: &[u8], start: usize, end: usize) -> impl Iterator<Item = Item<'_>> {
    let mut at = start;
    std::iter::from_fn(move || {
        let head = bytes.get(at..at + 4).filter(|_| at + 4 <= end)?;
        let (code, len) = (be16(head, 0), usize::from(be16(head, 2)));
        let data = bytes.get(at + 4..at + 4 + len).filter(|_| at + 4 + len <= end)?;
        let item = Item { at, code, data };
        at += 4 + len;
        Some(item)
    })
}

fn ipv6(bytes: &[u8]) -> Option<Ipv6Addr> {
    let octets: [u8; 16] = bytes.get(..16)?.try_into().ok()?;
    Some(Ipv6Addr::from(octets))
}

fn is_relay(kind: u8) -> bool {
    matches!(kind, 12 | 13)
}

impl<'a> Message<'a> {
    pub fn message_type(&self) -> u8 {
        self.bytes[0]
    }

    pub fn transaction_id(&self) -> u32 {
        u32::from_be_bytes([0, self.bytes[1], self.bytes[2], self.bytes[3]])
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        out.at(name::MSGTYPE, 0..1, Value::Uint(self.message_type().into()));
        if is_relay(self.message_type()) {
            // A relay's header and the message it carries are not read.
            return;
        }
        out.at(name::XID, 1..4, Value::Hex { value: self.transaction_id().into(), digits: 6 });
        option_fields(out, self.bytes, HEADER_LEN, self.bytes.len(), 1);
    }

    /// tshark's Info column: `Request XID: 0x503dda CID: 0001… IAA: fd00:17::1b8 `.
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let kind = self.message_type();
        out.write_str(message_type_name(kind))?;
        if is_relay(kind) {
            return Ok(());
        }
        write!(out, " XID: 0x{:06x} ", self.transaction_id())?;
        let b = self.bytes;
        for item in options(b, HEADER_LEN, b.len()) {
            match item.code {
                option::CLIENT_ID => write!(out, "CID: {} ", Value::Bytes(item.data))?,
                option::IA_NA if item.data.len() >= 12 => {
                    let (from, to) = (item.at + 16, item.at + 4 + item.data.len());
                    for inner in options(b, from, to).filter(|inner| inner.code == option::IA_ADDRESS) {
                        if let Some(address) = ipv6(inner.data) {
                            write!(out, "IAA: {address} ")?;
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Where the options an option encloses begin in its data, for the options rttscope reads
/// inside: after an IA_NA's IAID, T1 and T2, and after an IA address's address and lifetimes.
pub fn enclosed_after(code: u16) -> Option<usize> {
    match code {
        option::IA_NA => Some(12),
        option::IA_ADDRESS => Some(24),
        _ => None,
    }
}

/// The fields of the options in `b[start..end]`, nested ones depth first.
fn option_fields(out: &mut Emitter<'_>, b: &[u8], start: usize, end: usize, depth: usize) {
    for Item { at, code, data } in options(b, start, end) {
        out.at(name::OPTION_TYPE, at..at + 2, Value::Uint(code.into()));
        out.at(name::OPTION_LENGTH, at + 2..at + 4, Value::Uint(data.len() as u64));
        let from = at + 4;
        let to = from + data.len();
        match code {
            option::CLIENT_ID | option::SERVER_ID => duid_fields(out, from, data),
            option::IA_NA if data.len() >= 12 => {
                out.at(name::IAID, from..from + 4, Value::Bytes(&data[..4]));
                out.at(name::IAID_T1, from + 4..from + 8, Value::Uint(be32(data, 4).into()));
                out.at(name::IAID_T2, from + 8..from + 12, Value::Uint(be32(data, 8).into()));
                if depth < MAX_DEPTH {
                    option_fields(out, b, from + enclosed_after(code).unwrap_or(data.len()), to, depth + 1);
                }
            }
            option::IA_ADDRESS if data.len() >= 24 => {
                if let Some(address) = ipv6(data) {
                    out.at(name::IAADDR_IP, from..from + 16, Value::Ipv6(address));
                }
                out.at(name::IAADDR_PREF_LIFETIME, from + 16..from + 20, Value::Uint(be32(data, 16).into()));
                out.at(name::IAADDR_VALID_LIFETIME, from + 20..from + 24, Value::Uint(be32(data, 20).into()));
                if depth < MAX_DEPTH {
                    option_fields(out, b, from + enclosed_after(code).unwrap_or(data.len()), to, depth + 1);
                }
            }
            option::OPTION_REQUEST => {
                for (index, pair) in data.chunks_exact(2).enumerate() {
                    let code = u16::from_be_bytes([pair[0], pair[1]]);
                    let at = from + index * 2;
                    out.at(name::REQUESTED_OPTION_CODE, at..at + 2, Value::Uint(code.into()));
                }
            }
            option::PREFERENCE if data.len() == 1 => {
                out.at(name::OPTION_PREFERENCE, from..to, Value::Uint(data[0].into()));
            }
            // Sent in hundredths of a second; tshark's value is in milliseconds.
            option::ELAPSED_TIME if data.len() == 2 => {
                out.at(name::ELAPSED_TIME, from..to, Value::Uint(u64::from(be16(data, 0)) * 10));
            }
            option::STATUS_CODE if data.len() >= 2 => {
                out.at(name::STATUS_CODE, from..from + 2, Value::Uint(be16(data, 0).into()));
                if let Ok(message) = std::str::from_utf8(&data[2..]) {
                    out.at(name::STATUS_MSG, from + 2..to, Value::Str(message));
                }
            }
            option::DNS_SERVERS => {
                for (index, octets) in data.chunks_exact(16).enumerate() {
                    if let Some(address) = ipv6(octets) {
                        let at = from + index * 16;
                        out.at(name::DNS_SERVER, at..at + 16, Value::Ipv6(address));
                    }
                }
            }
            option::DOMAIN_LIST => {
                for (range, entry) in domain_names(data) {
                    out.at(
                        name::SEARCH_LIST_ENTRY,
                        from + range.start..from + range.end,
                        Value::Lazy(&entry),
                    );
                }
            }
            _ => {}
        }
    }
}

/// The names of a domain search list (RFC 8415 section 10), each with its bytes' range and
/// written with the root's dot (`lan.test.`), as tshark lists them: names of two labels or
/// more, until a label overruns the list, is longer than 63 bytes or a name is left
/// unfinished (tshark reports those otherwise, and so a lone top-level name).
fn domain_names(data: &[u8]) -> Vec<(std::ops::Range<usize>, String)> {
    let mut names = Vec::new();
    let (mut start, mut at, mut name) = (0, 0, String::new());
    let mut labels = 0;
    while let Some(&len) = data.get(at) {
        let len = usize::from(len);
        if len > 63 {
            break;
        }
        if len == 0 {
            at += 1;
            if labels >= 2 {
                name.push('.');
                names.push((start..at, std::mem::take(&mut name)));
            } else if labels == 0 {
                break;
            }
            (start, labels) = (at, 0);
            name.clear();
            continue;
        }
        let Some(label) = data.get(at + 1..at + 1 + len) else { break };
        if labels > 0 {
            name.push('.');
        }
        name.push_str(&String::from_utf8_lossy(label));
        (at, labels) = (at + 1 + len, labels + 1);
    }
    names
}

/// A DUID (RFC 8415 section 11): its bytes, its type, and for DUID-LLT (what dnsmasq and
/// dhclient make) the hardware type, time and link-layer address.
fn duid_fields(out: &mut Emitter<'_>, from: usize, duid: &[u8]) {
    out.at(name::DUID_BYTES, from..from + duid.len(), Value::Bytes(duid));
    if duid.len() < 2 {
        return;
    }
    let kind = be16(duid, 0);
    out.at(name::DUID_TYPE, from..from + 2, Value::Uint(kind.into()));
    match kind {
        1 if duid.len() >= 8 => {
            out.at(name::DUIDLLT_HWTYPE, from + 2..from + 4, Value::Uint(be16(duid, 2).into()));
            let seconds = DUID_EPOCH + i64::from(be32(duid, 4));
            out.at(name::DUIDLLT_TIME, from + 4..from + 8, Value::Date(seconds * 1_000_000_000));
            let address = &duid[8..];
            out.at(name::DUIDLLT_LINK_LAYER_ADDR, from + 8..from + duid.len(), Value::BytesColon(address));
        }
        _ => {}
    }
}

/// The name tshark gives a DHCPv6 message type (RFC 8415 section 7.3 and later).
pub fn message_type_name(kind: u8) -> &'static str {
    values::DHCPV6_MESSAGE_TYPE.name(kind.into()).unwrap_or("Unknown")
}

impl LayerHeader for Message<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Dhcpv6
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
}

pub mod name {
    //! The fields of a DHCPv6 message, by Wireshark's names: the registry's rows for them, and
    //! the names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Dhcpv6;
        MSGTYPE "dhcpv6.msgtype" Uint "message type" names DHCPV6_MESSAGE_TYPE;
        XID "dhcpv6.xid" Hex "transaction ID";
        OPTION_TYPE "dhcpv6.option.type" Uint "option code" names DHCPV6_OPTION;
        OPTION_LENGTH "dhcpv6.option.length" Uint "option length";
        DUID_BYTES "dhcpv6.duid.bytes" Bytes "DUID";
        DUID_TYPE "dhcpv6.duid.type" Uint "DUID type (1 link-layer and time, 3 link-layer)" names DHCPV6_DUID_TYPE;
        DUIDLLT_HWTYPE "dhcpv6.duidllt.hwtype" Uint "hardware type" names ARP_HARDWARE;
        DUIDLLT_TIME "dhcpv6.duidllt.time" Time "when the DUID was made";
        DUIDLLT_LINK_LAYER_ADDR "dhcpv6.duidllt.link_layer_addr" Bytes "link-layer address";
        IAID "dhcpv6.iaid" Bytes "identity association ID";
        IAID_T1 "dhcpv6.iaid.t1" Uint "renew after (T1), seconds";
        IAID_T2 "dhcpv6.iaid.t2" Uint "rebind after (T2), seconds";
        IAADDR_IP "dhcpv6.iaaddr.ip" Ipv6 "address";
        IAADDR_PREF_LIFETIME "dhcpv6.iaaddr.pref_lifetime" Uint "preferred lifetime, seconds";
        IAADDR_VALID_LIFETIME "dhcpv6.iaaddr.valid_lifetime" Uint "valid lifetime, seconds";
        REQUESTED_OPTION_CODE "dhcpv6.requested_option_code" Uint "option the client asks for" names DHCPV6_OPTION;
        OPTION_PREFERENCE "dhcpv6.option_preference" Uint "server preference";
        ELAPSED_TIME "dhcpv6.elapsed_time" Uint "time since the client began, milliseconds";
        STATUS_CODE "dhcpv6.status_code" Uint "status code (0 success)" names DHCPV6_STATUS;
        STATUS_MSG "dhcpv6.status_msg" Text "status message";
        DNS_SERVER "dhcpv6.dns_server" Ipv6 "DNS server";
        SEARCH_LIST_ENTRY "dhcpv6.search_list_entry" Text "domain search list entry";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::field::Field;

    /// A Reply with a client id (DUID-LLT), an IA_NA holding one address and its status, and
    /// a DNS server.
    fn reply() -> Vec<u8> {
        let mut bytes = vec![7, 0x50, 0x3d, 0xda]; // reply, transaction id
        bytes.extend([0, 1, 0, 14]); // client id, 14 bytes
        bytes.extend([0, 1, 0, 1, 0x32, 0xa6, 0x6d, 0xc4, 2, 0, 0, 0, 0x17, 2]); // DUID-LLT
        bytes.extend([0, 3, 0, 46]); // IA_NA, 46 bytes
        bytes.extend([0, 0, 0x17, 2, 0, 0, 0x07, 0x08, 0, 0, 0x0c, 0x4e]); // IAID, T1, T2
        bytes.extend([0, 5, 0, 30]); // IA address, 30 bytes
        bytes.extend([0xfd, 0, 0, 0x17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xb8]); // address
        bytes.extend([0, 0, 0x0e, 0x10, 0, 0, 0x0e, 0x10]); // preferred, valid
        bytes.extend([0, 13, 0, 2, 0, 0]); // status: success
        bytes.extend([0, 23, 0, 16]); // DNS servers
        bytes.extend([0xfd, 0, 0, 0x17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        bytes
    }

    fn fields(message: &Message<'_>) -> Vec<(&'static str, String)> {
        let mut seen = Vec::new();
        let mut sink = |field: Field<'_>| seen.push((field.name, field.value.to_string()));
        message.fields(&mut Emitter::new(&mut sink, 0, Default::default()));
        seen
    }

    fn all(fields: &[(&'static str, String)], name: &str) -> Vec<String> {
        fields.iter().filter(|(n, _)| *n == name).map(|(_, v)| v.clone()).collect()
    }

    #[test]
    fn elapsed_time_is_in_milliseconds_as_tshark_gives_it() {
        let bytes = [1, 0x19, 0x57, 0x72, 0, 8, 0, 2, 0, 12]; // solicit, elapsed time 0.12 s
        let (_, message) = parse(&bytes).expect("a whole message");
        assert_eq!(all(&fields(&message), "dhcpv6.elapsed_time"), ["120"]);
    }

    #[test]
    fn a_search_list_holds_its_whole_names() {
        let list = b"\x03lan\x04test\x00\x01a\x02bc\x00";
        let names = domain_names(list);
        assert_eq!(names, [(0..10, "lan.test.".to_owned()), (10..16, "a.bc.".to_owned())]);
        // A lone top-level name, an unfinished name and an overrunning label are not entries.
        assert!(domain_names(b"\x03com\x00").is_empty());
        assert_eq!(domain_names(b"\x03lan\x04test\x00\x03lan").len(), 1);
        assert!(domain_names(b"\x03lan\x09test\x00").is_empty());
        assert!(domain_names(b"\x00").is_empty());
    }

    #[test]
    fn reads_a_reply_and_its_nested_options() {
        let bytes = reply();
        let (_, message) = parse(&bytes).expect("a whole message");
        let fields = fields(&message);
        assert_eq!(all(&fields, "dhcpv6.xid"), ["0x503dda"]);
        assert_eq!(all(&fields, "dhcpv6.option.type"), ["1", "3", "5", "13", "23"]);
        assert_eq!(all(&fields, "dhcpv6.duidllt.time"), ["Dec  5, 2026 06:37:56.000000000 UTC"]);
        assert_eq!(all(&fields, "dhcpv6.duidllt.link_layer_addr"), ["02:00:00:00:17:02"]);
        assert_eq!(all(&fields, "dhcpv6.iaid"), ["00001702"]);
        assert_eq!(all(&fields, "dhcpv6.iaaddr.ip"), ["fd00:17::1b8"]);
        assert_eq!(all(&fields, "dhcpv6.status_code"), ["0"]);
        assert_eq!(all(&fields, "dhcpv6.dns_server"), ["fd00:17::1"]);
        let mut summary = String::new();
        message.summary(&mut summary).expect("formatting");
        assert_eq!(summary, "Reply XID: 0x503dda CID: 0001000132a66dc4020000001702 IAA: fd00:17::1b8 ");
    }

    #[test]
    fn an_option_longer_than_its_parent_ends_that_level() {
        let mut bytes = reply();
        bytes[41] = 200; // the IA address's length now overruns the IA_NA
        let (_, message) = parse(&bytes).expect("a whole message");
        let fields = fields(&message);
        assert_eq!(all(&fields, "dhcpv6.option.type"), ["1", "3", "23"]);
        assert!(all(&fields, "dhcpv6.iaaddr.ip").is_empty());
    }

    #[test]
    fn every_truncation_parses_or_reports_the_shortfall() {
        let bytes = reply();
        for cut in 0..bytes.len() {
            match parse(&bytes[..cut]) {
                Ok((_, message)) => {
                    assert!(cut >= HEADER_LEN);
                    assert!(fields(&message).len() >= 2);
                    let mut summary = String::new();
                    message.summary(&mut summary).expect("formatting");
                }
                Err(error) => assert_eq!(error, Error::truncated(HEADER_LEN - cut), "cut at {cut}"),
            }
        }
    }
}
