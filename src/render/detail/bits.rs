//! tshark's lines for fields that are some bits of a wider field: the bits drawn over the
//! field's width, `.` for the bits not in the field, groups of four apart, then the label and
//! the value (`.... ...1 .... = Acknowledgment: Set`, `010. .... = Flags: 0x2, Don't
//! fragment`, `.... 0101 = Header Length: 20 bytes (5)`), as Wireshark's proto.c draws a
//! field with a bitmask; and the IP headers' service fields as tshark sums them up
//! (`Differentiated Services Field: 0x00 (DSCP: CS0, ECN: Not-ECT)`).
//!
//! The invariant: a field's bits are its value shifted to its mask; the value shown is the one
//! rttscope holds (a header length in bytes is drawn as the header's count of 32-bit words).

use std::fmt::Write as _;

use crate::dissect::field::Value;
use crate::registry::values;

mod table;
use table::FIELDS;

/// How a field's value reads after its bits.
#[derive(Clone, Copy)]
enum Show {
    /// The value as rttscope prints it.
    Plain,
    /// A flag: the first text when set, the second when not.
    Flag(&'static str, &'static str),
    /// One of two names, the value after it: `Server-initiated (1)`.
    Choice(&'static str, &'static str),
    /// A header length in bytes, drawn and shown in 32-bit words too: `20 bytes (5)`.
    Words,
    /// A value named as tshark names it: `Default (0)`.
    Named(values::Names),
    /// In hex with this many digits.
    Hex(usize),
    /// A fragment offset in 8-byte units, shown in bytes.
    Eights,
    /// IPv4's flags: `0x2, Don't fragment`.
    IpFlags,
    /// A traffic class or DS field summed up: `0x00 (DSCP: CS0, ECN: Not-ECT)`.
    Service,
    /// A WebSocket payload length, with the extended length that 126 and 127 announce.
    PayloadLength,
    /// A value named as tshark names it, in hex after the name: `Required (0x0)`.
    NamedHex(values::Names),
    /// A value worded by a protocol's own function (a STUN message's class and method).
    Worded(fn(u64) -> String),
}

/// Writes `Label: value` when tshark sums the field's value up in a way of its own; false,
/// having written nothing, when it does not.
pub fn write_summary(text: &mut String, name: &str, label: &str, value: &Value<'_>) -> bool {
    match (name, value.as_u64()) {
        ("ip.dsfield", Some(field)) => {
            let _ = write!(text, "{label}: ");
            write_service(text, field);
            true
        }
        // `0x8180 Standard query response, No error`: the operation, and a response's code.
        ("dns.flags", Some(flags)) => {
            let name = |table: &'static str, number: u64| {
                values::name_first(table).name(number).unwrap_or("Unknown")
            };
            let _ = write!(text, "{label}: 0x{flags:04x} {}", name("dns.flags.opcode", (flags >> 11) & 0xf));
            if flags & 0x8000 != 0 {
                let _ = write!(text, " response, {}", name("dns.flags.rcode", flags & 0xf));
            }
            true
        }
        // BOOTP's flags by their one defined bit: named after the value when set, as
        // `proto_tree_add_bitmask` names a set flag, then worded as the DHCP dissector adds.
        ("dhcp.flags", Some(flags)) => {
            let (set, how) =
                if flags & 0x8000 != 0 { (", Broadcast flag", "Broadcast") } else { ("", "Unicast") };
            let _ = write!(text, "{label}: 0x{flags:04x}{set} ({how})");
            true
        }
        _ => false,
    }
}

/// Flag words tshark sums up from the bits it draws under them (Wireshark's
/// `proto_tree_add_bitmask`): after the word's value, each set flag's label and each named
/// field's `label: name`, in the order drawn; the name of a bit not drawn is not written.
const SUMMED: &[&str] = &[
    "nbns.flags",
    "nbns.nb_flags",
    "nbns.name_flags",
    "nbdgm.flags",
    "http2.flags",
    "icmpv6.nd.ra.flag",
    "icmpv6.nd.na.flag",
    "icmpv6.opt.prefix.flag",
    "icmpv6.opt.route_info.flag",
    "vxlan.flags",
    "ntp.flags",
];

/// What tshark adds after a summed-up flag word's value (`, Response, Opcode: Name query`),
/// given the fields after the word in its layer (`later`: their names and numbers, the
/// word's bits first); None for a word not summed up. An NB entry's flags also say what
/// node owns the name (` (B-node, unique)`), its ONT named from the flags unshifted, as
/// tshark names it.
pub fn summary_after(word: &str, word_value: Option<u64>, later: &[(&str, Option<u64>)]) -> Option<String> {
    if !SUMMED.contains(&word) {
        return None;
    }
    let mut text = String::new();
    for (name, number) in later {
        let Some(&(_, _, _, show)) = FIELDS.iter().find(|(field, ..)| field == name) else { break };
        let (label, number) = (super::label(name).unwrap_or(name), number.unwrap_or(0));
        match show {
            Show::Flag(..) if number != 0 => {
                let _ = write!(text, ", {label}");
            }
            Show::Named(names) => {
                let _ = write!(text, ", {label}: {}", names.name(number).unwrap_or("Unknown"));
            }
            _ => {}
        }
    }
    if let ("nbns.nb_flags", Some(flags)) = (word, word_value) {
        let owner = values::name_first("nbns.nb_flags.ont").name(flags & 0x6000).unwrap_or("Unknown");
        let _ = write!(text, " ({owner}, {})", if flags & 0x8000 != 0 { "group" } else { "unique" });
    }
    Some(text)
}

/// Writes `field` as tshark draws a field with a bitmask, `label` after the bits; false,
/// having written nothing, for a field not drawn so.
pub fn write(text: &mut String, name: &str, label: &str, value: &Value<'_>) -> bool {
    let Some(&(_, width, mask, show)) = FIELDS.iter().find(|(field, ..)| *field == name) else {
        return false;
    };
    let Some(number) = value.as_u64() else { return false };
    let shifted = match show {
        Show::Words => number / 4,
        _ => number,
    };
    write_pattern(text, width, mask, shifted << mask.trailing_zeros());
    let _ = write!(text, " = {label}: ");
    let _ = match show {
        Show::Plain => write!(text, "{value}"),
        Show::Flag(set, clear) => write!(text, "{}", if number != 0 { set } else { clear }),
        Show::Choice(set, clear) => write!(text, "{} ({number})", if number != 0 { set } else { clear }),
        Show::Words => write!(text, "{number} bytes ({shifted})"),
        Show::Eights => write!(text, "{}", number.saturating_mul(8)),
        Show::Named(names) => write!(text, "{} ({number})", names.name(number).unwrap_or("Unknown")),
        Show::NamedHex(names) => write!(text, "{} (0x{number:x})", names.name(number).unwrap_or("Unknown")),
        Show::Worded(words) => write!(text, "{}", words(number)),
        Show::Hex(digits) => write!(text, "0x{number:0digits$x}"),
        Show::IpFlags => {
            let _ = write!(text, "0x{number:x}");
            for (bit, flag) in [(4, "Reserved bit"), (2, "Don't fragment"), (1, "More fragments")] {
                if number & bit != 0 {
                    let _ = write!(text, ", {flag}");
                }
            }
            Ok(())
        }
        Show::Service => {
            write_service(text, number);
            Ok(())
        }
        Show::PayloadLength => match number {
            126 => write!(text, "{number} Extended Payload Length (16 bits)"),
            127 => write!(text, "{number} Extended Payload Length (64 bits)"),
            _ => write!(text, "{number}"),
        },
    };
    true
}

/// Writes a Protocol Buffers field number as tshark draws it from its tag, a varint of
/// `tag_len` bytes (proto.c's varint bitfield): the decoded tag's bits over the tag's width,
/// `.` for each byte's top bit (a varint's continuation bit) and for the three wire type
/// bits, then `= label: number` (a two-byte tag checked against tshark on a crafted capture).
pub fn write_field_number(text: &mut String, label: &str, number: u64, tag_len: usize) {
    let width = (tag_len.clamp(1, 8) * 8) as u32;
    let tag = number << 3;
    for index in 0..width {
        if index > 0 && index % 4 == 0 {
            text.push(' ');
        }
        let bit = width - 1 - index;
        text.push(match (index % 8 == 0 || bit < 3, tag >> bit & 1) {
            (true, _) => '.',
            (false, 1) => '1',
            (false, _) => '0',
        });
    }
    let _ = write!(text, " = {label}: {number}");
}

/// The bits of `raw` under `mask`, over `width` bits, most significant first: `.... ..1.`.
fn write_pattern(text: &mut String, width: u32, mask: u64, raw: u64) {
    for index in 0..width {
        if index > 0 && index % 4 == 0 {
            text.push(' ');
        }
        let bit = 1u64 << (width - 1 - index);
        text.push(match (mask & bit != 0, raw & bit != 0) {
            (false, _) => '.',
            (true, true) => '1',
            (true, false) => '0',
        });
    }
}

/// `0x00 (DSCP: CS0, ECN: Not-ECT)`: a DS field or traffic class with its two parts' short
/// names.
fn write_service(text: &mut String, field: u64) {
    let (dscp, ecn) = (field >> 2, field & 3);
    let dscp_name = DSCP_SHORT.iter().find(|(code, _)| *code == dscp).map(|(_, name)| *name);
    let ecn_name = ["Not-ECT", "ECT(1)", "ECT(0)", "CE"][(ecn & 3) as usize];
    let _ = match dscp_name {
        Some(name) => write!(text, "0x{field:02x} (DSCP: {name}, ECN: {ecn_name})"),
        None => write!(text, "0x{field:02x} (DSCP: Unknown, ECN: {ecn_name})"),
    };
}

/// tshark's short DSCP names (`dscp_short_vals`).
const DSCP_SHORT: &[(u64, &str)] = &[
    (0, "CS0"),
    (1, "LE"),
    (8, "CS1"),
    (10, "AF11"),
    (12, "AF12"),
    (14, "AF13"),
    (16, "CS2"),
    (18, "AF21"),
    (20, "AF22"),
    (22, "AF23"),
    (24, "CS3"),
    (26, "AF31"),
    (28, "AF32"),
    (30, "AF33"),
    (32, "CS4"),
    (34, "AF41"),
    (36, "AF42"),
    (38, "AF43"),
    (40, "CS5"),
    (44, "VA"),
    (46, "EF"),
    (48, "CS6"),
    (56, "CS7"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn drawn(name: &str, label: &str, value: Value<'_>) -> String {
        let mut text = String::new();
        assert!(write(&mut text, name, label, &value));
        text
    }

    #[test]
    fn bits_are_drawn_as_tsharks() {
        assert_eq!(
            drawn("tcp.flags.ack", "Acknowledgment", Value::Bool(true)),
            ".... ...1 .... = Acknowledgment: Set"
        );
        assert_eq!(drawn("tcp.flags.res", "Reserved", Value::Uint(0)), "000. .... .... = Reserved: Not set");
        assert_eq!(
            drawn("ip.hdr_len", "Header Length", Value::Uint(20)),
            ".... 0101 = Header Length: 20 bytes (5)"
        );
        assert_eq!(
            drawn("tcp.hdr_len", "Header Length", Value::Uint(40)),
            "1010 .... = Header Length: 40 bytes (10)"
        );
        let flags = Value::Hex { value: 2, digits: 2 };
        assert_eq!(drawn("ip.flags", "Flags", flags), "010. .... = Flags: 0x2, Don't fragment");
        assert_eq!(
            drawn("ip.frag_offset", "Fragment Offset", Value::Uint(0)),
            "...0 0000 0000 0000 = Fragment Offset: 0"
        );
        let offset = drawn("ip.frag_offset", "Fragment Offset", Value::Uint(185));
        assert_eq!(offset, "...0 0000 1011 1001 = Fragment Offset: 1480");
        let flow = Value::Hex { value: 0x45839, digits: 6 };
        assert_eq!(
            drawn("ipv6.flow", "Flow Label", flow),
            ".... 0100 0101 1000 0011 1001 = Flow Label: 0x45839"
        );
        assert_eq!(
            drawn("ipv6.tclass.ecn", "Explicit Congestion Notification", Value::Uint(0)),
            ".... .... ..00 .... .... .... .... .... = Explicit Congestion Notification: Not ECN-Capable Transport (0)"
        );
        assert!(!write(&mut String::new(), "ip.ttl", "Time to Live", &Value::Uint(64)));
    }

    /// tshark 4's words for BOOTP's flags, checked on a Discover whose broadcast bit is set
    /// (a crafted frame: the recorded DHCP clients here leave it clear).
    #[test]
    fn bootp_flags_name_the_broadcast_bit_when_it_is_set() {
        let summed = |flags: u64| {
            let mut text = String::new();
            assert!(write_summary(
                &mut text,
                "dhcp.flags",
                "Bootp flags",
                &Value::Hex { value: flags, digits: 4 }
            ));
            text
        };
        assert_eq!(summed(0x8000), "Bootp flags: 0x8000, Broadcast flag (Broadcast)");
        assert_eq!(summed(0), "Bootp flags: 0x0000 (Unicast)");
    }

    #[test]
    fn tunnel_dns_netbios_and_websocket_bits_are_drawn_as_tsharks() {
        assert_eq!(
            drawn("gre.flags.version", "Version", Value::Uint(0)),
            ".... .... .... .000 = Version: GRE (0)"
        );
        assert_eq!(
            drawn("gre.flags.key", "Key Bit", Value::Bool(true)),
            "..1. .... .... .... = Key Bit: Yes"
        );
        assert_eq!(
            drawn("erspan.gra", "Timestamp granularity", Value::Uint(1)),
            ".... .... .... .01. = Timestamp granularity: 100 nanoseconds (1)"
        );
        assert_eq!(
            drawn("dns.flags.opcode", "Opcode", Value::Uint(0)),
            ".000 0... .... .... = Opcode: Standard query (0)"
        );
        assert_eq!(
            drawn("nbns.flags.broadcast", "Broadcast", Value::Bool(false)),
            ".... .... ...0 .... = Broadcast: Not a broadcast packet"
        );
        assert_eq!(
            drawn("websocket.payload_length", "Payload length", Value::Uint(126)),
            ".111 1110 = Payload length: 126 Extended Payload Length (16 bits)"
        );
        assert_eq!(
            drawn("websocket.payload_length", "Payload length", Value::Uint(5)),
            ".000 0101 = Payload length: 5"
        );
    }

    #[test]
    fn netbios_flag_words_are_summed_up_from_the_bits_drawn() {
        let response = [
            ("nbns.flags.response", Some(1)),
            ("nbns.flags.opcode", Some(0)),
            ("nbns.flags.authoritative", Some(1)),
            ("nbns.flags.truncated", Some(0)),
            ("nbns.flags.recdesired", Some(1)),
            ("nbns.flags.recavail", Some(0)),
            ("nbns.flags.broadcast", Some(0)),
            ("nbns.flags.rcode", Some(0)),
            ("nbns.count.queries", Some(0)),
        ];
        assert_eq!(
            summary_after("nbns.flags", Some(0x8500), &response).as_deref(),
            Some(", Response, Opcode: Name query, Authoritative, Recursion desired, Reply code: No error")
        );
        let entry = [("nbns.nb_flags.group", Some(0)), ("nbns.nb_flags.ont", Some(1))];
        assert_eq!(
            summary_after("nbns.nb_flags", Some(0x2000), &entry).as_deref(),
            Some(", ONT: Unknown (P-node, unique)")
        );
        let datagram = [("nbdgm.next", Some(0)), ("nbdgm.first", Some(1)), ("nbdgm.node_type", Some(0))];
        assert_eq!(
            summary_after("nbdgm.flags", Some(2), &datagram).as_deref(),
            Some(", This is first fragment, Node Type: B node")
        );
        assert_eq!(
            drawn("nbdgm.node_type", "Node Type", Value::Uint(0)),
            ".... 00.. = Node Type: B node (0)"
        );
        assert_eq!(summary_after("dns.flags", Some(0x8180), &[]), None);
    }

    #[test]
    fn grpc_and_protobuf_bits_and_http2_flags_are_drawn_as_tsharks() {
        assert_eq!(
            drawn("grpc.frame_type", "Frame Type", Value::Uint(0)),
            "0... .... = Frame Type: Data (0)"
        );
        assert_eq!(
            drawn("grpc.compressed_flag", "Compressed Flag", Value::Uint(1)),
            ".... ...1 = Compressed Flag: Compressed (1)"
        );
        assert_eq!(
            drawn("protobuf.field.wiretype", "Wire Type", Value::Uint(2)),
            ".... .010 = Wire Type: Length-delimited (2)"
        );
        let mut text = String::new();
        write_field_number(&mut text, "Field Number", 5, 1);
        assert_eq!(text, ".010 1... = Field Number: 5");
        // A two-byte tag (field 16): each byte's top bit is a continuation bit, not drawn.
        text.clear();
        write_field_number(&mut text, "Field Number", 16, 2);
        assert_eq!(text, ".000 0000 .000 0... = Field Number: 16");
        // A HEADERS frame's flags: the bits set, in the order drawn.
        let headers = [
            ("http2.flags.unused_headers", Some(0)),
            ("http2.flags.priority", Some(0)),
            ("http2.flags.padded", Some(0)),
            ("http2.flags.eh", Some(1)),
            ("http2.flags.end_stream", Some(1)),
            ("http2.r", Some(0)),
            ("http2.streamid", Some(3)),
        ];
        assert_eq!(
            summary_after("http2.flags", Some(5), &headers).as_deref(),
            Some(", End Headers, End Stream")
        );
    }

    #[test]
    fn service_fields_name_their_dscp_and_ecn() {
        let mut text = String::new();
        write_service(&mut text, 0xb8 | 1);
        assert_eq!(text, "0xb9 (DSCP: EF, ECN: ECT(1))");
        // A codepoint without a short name (OpenSSH's 4, for its session) is only `Unknown`.
        text.clear();
        write_service(&mut text, 0x10);
        assert_eq!(text, "0x10 (DSCP: Unknown, ECN: Not-ECT)");
    }
}
