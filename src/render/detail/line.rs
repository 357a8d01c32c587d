//! One field's line in tshark's `-V` tree: its label (Wireshark's, from `labels.tsv`), whether
//! tshark brackets it as computed, and its value as tshark words it (`Protocol: UDP (17)`,
//! `Session Ticket Lifetime Hint: 7200 seconds (2 hours)`, `Length: 1 (8 bytes)`); the fields
//! tshark keeps out of its tree are written as nothing.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use super::{bits, status};
use crate::dissect::field::{Field, Value};
use crate::dissect::{quic, rtp, tls};
use crate::registry;

/// Wireshark's label of every field rttscope registers, `name<TAB>label` a line (from
/// `tshark -G fields`).
const LABELS: &str = include_str!("../labels.tsv");

/// Fields tshark keeps out of its tree (filter helpers such as `ip.addr`) and the columns.
const HIDDEN: &[&str] = &[
    // tshark's hidden copies of a link-layer address option's address.
    "icmpv6.opt.src_linkaddr",
    "icmpv6.opt.target_linkaddr",
    "ip.addr",
    "ip.host",
    "ip.src_host",
    "ip.dst_host",
    "ipv6.addr",
    "ipv6.host",
    "ipv6.src_host",
    "ipv6.dst_host",
    "tcp.port",
    "udp.port",
    "_ws.col.Protocol",
    "_ws.col.Info",
];

/// Fields tshark's tree shows in hex, then in decimal (`BASE_HEX_DEC`): `0x1c46 (7238)`; their
/// values print in hex already, as `-T fields` prints them.
const HEX_THEN_DECIMAL: &[&str] = &["ip.id", "rtp.ssrc", "rtcp.senderssrc", "rtcp.ssrc.identifier"];

/// How many bytes of a value tshark's tree shows (`MAX_BYTE_STR_LEN`, 72 hex digits).
const SHOWN_BYTES: usize = 36;

/// Wireshark's label for a field name, if rttscope's table has one.
pub fn label(name: &str) -> Option<&'static str> {
    static TABLE: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    let table = TABLE.get_or_init(|| LABELS.lines().filter_map(|line| line.split_once('\t')).collect());
    // A DTLS field is labelled as its TLS twin (`dtls.record.length`, `tls.record.length`),
    // and an HTTP/3 header's field as its HTTP/2 twin, by the header's name (`:method`), as
    // later Wireshark labels both.
    let twin = || match name.strip_prefix("http3.headers.") {
        Some(header) => table.get(format!("http2.headers.{header}").as_str()),
        None => name.strip_prefix('d').filter(|tls| tls.starts_with("tls.")).and_then(|tls| table.get(tls)),
    };
    table.get(name).or_else(twin).copied()
}

/// Writes one field as tshark's tree shows it: `    Label: value`, in brackets when the
/// dissector computed it rather than read it, a coded value with its name as tshark's
/// showname gives it (`Protocol: UDP (17)`); `message_type` names an ICMP code, `raw` holds the
/// bytes the field covers (empty where not known).
pub(super) fn write_field(text: &mut String, field: &Field<'_>, message_type: Option<u64>, raw: &[u8]) {
    if HIDDEN.contains(&field.name) {
        return;
    }
    // The frame's own fields are all computed; tshark brackets only those that compare frames.
    let computed = match field.name {
        "frame.time_delta" | "frame.time_delta_displayed" | "frame.time_relative" | "frame.protocols" => true,
        "frame.offset_shift" | "frame.marked" | "frame.ignored" => true,
        "tcp.flags.str" | "tcp.options.wscale.multiplier" | "http2.header.unescaped" => true,
        "http2.headers.weight_real" | "http2.body.reassembled.data" => true,
        "dns.qry.name.len" | "dns.count.labels" | "icmp.data_time_relative" => true,
        name if name.ends_with("checksum.status") => true,
        "stun.att.crc32.status" => true,
        "ipv6.hopopts.len_oct" | "ipv6.dstopts.len_oct" | "ipv6.routing.len_oct" => true,
        name if name.starts_with("frame.") => false,
        // An empty user ID is still read from the request (its NUL ends it), and empty padding
        // from its option.
        "socks.username" | "ipv6.opt.padn" => false,
        // And an SSH packet's sequence number, which tshark 4.0 does not mark.
        "ssh.seq_num" => false,
        // And an extension's data, a ticket's nonce and a close's reason, when they are empty.
        "tls.handshake.extension.data" | "dtls.handshake.extension.data" => false,
        "tls.handshake.session_ticket_nonce" | "quic.cc.reason_phrase" => false,
        // And SRTCP's encrypted rest, however short.
        "srtcp.encrypted_payload" => false,
        // And an empty name-list from a KEXINIT (its languages, mostly).
        name if name.starts_with("ssh.")
            && !name.starts_with("ssh.kex.")
            && (name.ends_with("_algorithms") || name.contains("_to_"))
            && !name.ends_with("_length") =>
        {
            false
        }
        _ => field.range.is_empty(),
    };
    text.push_str("    ");
    if computed {
        text.push('[');
    }
    let _ = match (field.name, &field.value) {
        (name, value) if bits::write(text, name, label(name).unwrap_or(name), value) => Ok(()),
        (name, value) if status::write(text, name, label(name).unwrap_or(name), value, raw) => Ok(()),
        ("tcp.payload" | "tcp.segment_data" | "udp.payload" | "tls.segment.data", Value::Bytes(bytes)) => {
            write!(text, "{} ({})", label(field.name).unwrap_or(field.name), byte_count(bytes.len()))
        }
        // tshark counts a gRPC message's bytes (in the plural, whatever their number).
        ("grpc.message_data", Value::Bytes(bytes)) => {
            write!(text, "{}: {} bytes", label(field.name).unwrap_or(field.name), bytes.len())
        }
        ("protobuf.field.number", value) => {
            bits::write_field_number(
                text,
                label(field.name).unwrap_or(field.name),
                value.as_u64().unwrap_or(0),
                raw.len(),
            );
            Ok(())
        }
        // A ServerHello whose random marks it a HelloRetryRequest.
        ("tls.handshake.random", Value::Bytes(random))
            if *random == tls::handshake::HELLO_RETRY_REQUEST_RANDOM =>
        {
            write!(
                text,
                "{}: {} (HelloRetryRequest magic)",
                label(field.name).unwrap_or(field.name),
                field.value
            )
        }
        ("tcp.options.sack_le", value) => write!(text, "left edge = {value} (relative)"),
        ("tcp.options.sack_re", value) => write!(text, "right edge = {value} (relative)"),
        ("tcp.options.sack.dsack_le", value) => write!(text, "D-SACK Left Edge = {value} (relative)"),
        ("tcp.options.sack.dsack_re", value) => write!(text, "D-SACK Right Edge = {value} (relative)"),
        // tshark escapes the preface's line ends.
        ("http2.magic", value) => {
            let magic = value.to_string().replace('\r', "\\r").replace('\n', "\\n");
            write!(text, "{}: {magic}", label("http2.magic").unwrap_or("Magic"))
        }
        ("ipv6.hopopts.len_oct" | "ipv6.dstopts.len_oct" | "ipv6.routing.len_oct", value) => {
            write!(text, "{}: {value} bytes", label(field.name).unwrap_or(field.name))
        }
        // A time stamp's slot not yet written to.
        ("ip.opt.time_stamp_addr", Value::Ipv4(address)) if address.is_unspecified() => {
            write!(text, "{}: -", label(field.name).unwrap_or(field.name))
        }
        // NTP's stratum by its range, the poll interval and precision as powers of two, and the
        // root delay and dispersion as 16.16 fixed-point seconds.
        ("ntp.stratum", value) => {
            let stratum = value.as_u64().unwrap_or(0);
            let name = match stratum {
                0 => "unspecified or invalid",
                1 => "primary reference",
                2..=15 => "secondary reference",
                16 => "unsynchronized",
                _ => "reserved",
            };
            write!(text, "{}: {name} ({stratum})", label(field.name).unwrap_or(field.name))
        }
        ("ntp.ppoll", value) => {
            let label = label(field.name).unwrap_or(field.name);
            match value.as_u64().unwrap_or(0) {
                poll @ 4..=17 => write!(text, "{label}: {poll} ({} seconds)", 1u64 << poll),
                poll => write!(text, "{label}: invalid ({poll})"),
            }
        }
        ("ntp.precision", value) => {
            let exponent = value.as_u64().and_then(|byte| u8::try_from(byte).ok()).unwrap_or(0) as i8;
            let seconds = 2f64.powi(exponent.into());
            write!(text, "{}: {seconds:8.6} seconds", label(field.name).unwrap_or(field.name))
        }
        ("ntp.rootdelay" | "ntp.rootdispersion", value) => {
            let fixed = value.as_u64().unwrap_or(0);
            let seconds = (fixed >> 16) as f64 + (fixed & 0xffff) as f64 / 65536.0;
            write!(text, "{}: {seconds:8.6} seconds", label(field.name).unwrap_or(field.name))
        }
        // A window whose scale the capture did not see, or that is not scaled at all.
        ("tcp.window_size_scalefactor", Value::Int(factor @ (-1 | -2))) => {
            let why = if *factor == -1 { "unknown" } else { "no window scaling used" };
            write!(text, "{}: {factor} ({why})", label(field.name).unwrap_or(field.name))
        }
        // RTP's payload types, a dynamic one named by its number.
        ("rtp.p_type", value) => {
            let kind = u8::try_from(value.as_u64().unwrap_or(0)).unwrap_or(u8::MAX);
            // An unknown one is `Unknown (N)` already.
            let name = rtp::PayloadType(kind).to_string();
            match name.starts_with("Unknown") {
                true => write!(text, "{}: {name}", label(field.name).unwrap_or(field.name)),
                false => write!(text, "{}: {name} ({kind})", label(field.name).unwrap_or(field.name)),
            }
        }
        (name, value) if HEX_THEN_DECIMAL.contains(&name) => {
            write!(text, "{}: {value} ({})", label(name).unwrap_or(name), value.as_u64().unwrap_or(0))
        }
        // tshark 4.0 names two profiles (ED-137's), neither of them a WebRTC one.
        ("rtp.ext.profile", value) => {
            write!(
                text,
                "{}: Unknown (0x{:04x})",
                label(field.name).unwrap_or(field.name),
                value.as_u64().unwrap_or(0)
            )
        }
        ("rtcp.length", value) => {
            let words = value.as_u64().unwrap_or(0);
            write!(text, "{}: {words} ({} bytes)", label(field.name).unwrap_or(field.name), (words + 1) * 4)
        }
        // A ticket's lifetime in seconds, and from a minute up in words too.
        (
            "tls.handshake.session_ticket_lifetime_hint" | "dtls.handshake.session_ticket_lifetime_hint",
            value,
        ) => {
            let seconds = value.as_u64().unwrap_or(0);
            let _ =
                write!(text, "{}: {}", label(field.name).unwrap_or(field.name), plural(seconds, "second"));
            if seconds >= 60 {
                let _ = write!(text, " ({})", duration_words(seconds));
            }
            Ok(())
        }
        ("quic.version", value) => {
            let version = u32::try_from(value.as_u64().unwrap_or(0)).unwrap_or(u32::MAX);
            write!(
                text,
                "{}: {}",
                label(field.name).unwrap_or(field.name),
                quic::header::version_name(version)
            )
        }
        ("icmpv6.opt.length", value) => {
            let units = value.as_u64().unwrap_or(0);
            write!(text, "{}: {units} ({} bytes)", label(field.name).unwrap_or(field.name), units * 8)
        }
        // A transport parameter's ID, named as tshark names it, and a version it lists.
        ("tls.quic.parameter.type", value) => {
            let id = value.as_u64().unwrap_or(0);
            write!(text, "Type: {} (0x{id:02x})", tls::quic_parameters::type_name(id))
        }
        (
            "quic.supported_version"
            | "tls.quic.parameter.vi.chosen_version"
            | "tls.quic.parameter.vi.other_version",
            value,
        ) => {
            let version = u32::try_from(value.as_u64().unwrap_or(0)).unwrap_or(u32::MAX);
            let grease = if quic::header::is_grease_version(version) { " (GREASE)" } else { "" };
            let label = label(field.name).unwrap_or(field.name);
            write!(text, "{label}: {}{grease}", quic::header::version_label(version))
        }
        // An echo's numbers, read either way round, in decimal and in hex.
        ("icmp.ident" | "icmp.ident_le" | "icmp.seq" | "icmp.seq_le", value) => {
            let number = value.as_u64().unwrap_or(0);
            write!(text, "{}: {number} (0x{number:04x})", label(field.name).unwrap_or(field.name))
        }
        (name, value) if bits::write_summary(text, name, label(name).unwrap_or(name), value) => Ok(()),
        ("frame.len", value) => write!(text, "Frame Length: {value} bytes ({} bits)", bits(value)),
        (
            "frame.marked" | "frame.ignored" | "arp.isgratuitous" | "arp.isprobe" | "arp.isannouncement",
            Value::Bool(set),
        ) => {
            write!(
                text,
                "{}: {}",
                label(field.name).unwrap_or(field.name),
                if *set { "True" } else { "False" }
            )
        }
        ("frame.cap_len", value) => write!(text, "Capture Length: {value} bytes ({} bits)", bits(value)),
        (name, value @ (Value::Seconds(_) | Value::Epoch(_))) => {
            write!(text, "{}: {value} seconds", label(name).unwrap_or(name))
        }
        // A response time: tshark's tree rounds it to microseconds.
        (name, Value::Millis(nanos)) => {
            write!(text, "{}: {:.3} ms", label(name).unwrap_or(name), *nanos as f64 / 1e6)
        }
        (name, Value::Present) => write!(text, "{}", label(name).unwrap_or(name)),
        // tshark shows the first 36 bytes of a longer value, then an ellipsis.
        (name, Value::Bytes(bytes)) if bytes.len() > SHOWN_BYTES => {
            write!(text, "{}: {}…", label(name).unwrap_or(name), Value::Bytes(&bytes[..SHOWN_BYTES]))
        }
        (name, value) => {
            let (begin, label) = (text.len(), label(name).unwrap_or(name));
            let _ = write!(text, "{label}: ");
            if !write_value(text, name, value, message_type) {
                let _ = write!(text, "{value}");
            }
            mark_truncated(text, begin, label.len());
            Ok(())
        }
    };
    if computed {
        text.push(']');
    }
    text.push('\n');
}

/// The longest label tshark's tree holds, its NUL included (`ITEM_LABEL_LENGTH`).
const ITEM_LABEL_LENGTH: usize = 240;

/// Cuts the label `text[begin..]` as tshark cuts one that does not fit its buffer: ` [truncated]`
/// after the field's name (`name_len` bytes), and the whole kept to the characters that end
/// before the buffer's last two bytes.
pub(crate) fn mark_truncated(text: &mut String, begin: usize, name_len: usize) {
    const MARK: &str = " [truncated]";
    if text.len() - begin < ITEM_LABEL_LENGTH || name_len >= ITEM_LABEL_LENGTH - MARK.len() {
        return;
    }
    text.insert_str(begin + name_len, MARK);
    let mut end = begin + ITEM_LABEL_LENGTH - 2;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
}

/// Writes a coded value with its name (`UDP (17)`) if its field names its values, or a value
/// tshark's tree words its own way rather than as `-T fields` prints it; false, having written
/// nothing, if neither.
pub fn write_value(text: &mut String, name: &str, value: &Value<'_>, message_type: Option<u64>) -> bool {
    if let Some(words) = worded(name, value) {
        text.push_str(&words);
        return true;
    }
    registry::lookup(name)
        .and_then(|info| info.names)
        .is_some_and(|names| names.write(text, value, message_type))
}

/// A value whose bytes tshark's tree turns into words: a classless static route,
/// `192.168.50.0/24-10.0.17.254`.
fn worded(name: &str, value: &Value<'_>) -> Option<String> {
    match (name, value) {
        ("dhcp.option.classless_static_route", Value::Bytes(route)) => {
            crate::dissect::dhcp::classless_route_words(route)
        }
        _ => None,
    }
}

/// `1 byte`, `87 bytes`.
pub(crate) fn byte_count(count: usize) -> String {
    plural(count as u64, "byte")
}

/// `1 second`, `2 seconds`.
fn plural(count: u64, unit: &str) -> String {
    if count == 1 { format!("1 {unit}") } else { format!("{count} {unit}s") }
}

/// A number of seconds in days, hours, minutes and seconds, leaving out the parts that are
/// nought: `2 hours`, `1 day, 30 seconds`, as Wireshark words a time.
pub(crate) fn duration_words(seconds: u64) -> String {
    let parts = [
        (seconds / 86_400, "day"),
        (seconds / 3600 % 24, "hour"),
        (seconds / 60 % 60, "minute"),
        (seconds % 60, "second"),
    ];
    let words: Vec<String> =
        parts.iter().filter(|(count, _)| *count > 0).map(|(count, unit)| plural(*count, unit)).collect();
    if words.is_empty() { plural(0, "second") } else { words.join(", ") }
}

fn bits(value: &Value<'_>) -> u64 {
    value.as_u64().unwrap_or(0).saturating_mul(8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_tshark_words_its_own_way_is_written_in_its_words() {
        let mut text = String::new();
        let route = Value::Bytes(&[24, 192, 168, 50, 10, 0, 17, 254]);
        assert!(write_value(&mut text, "dhcp.option.classless_static_route", &route, None));
        assert_eq!(text, "192.168.50.0/24-10.0.17.254");
        // Bytes that are not one route stay bytes.
        let mut text = String::new();
        let cut = Value::Bytes(&[24, 192, 168]);
        assert!(!write_value(&mut text, "dhcp.option.classless_static_route", &cut, None));
        assert!(text.is_empty());
    }

    #[test]
    fn labels_are_wiresharks() {
        assert_eq!(label("ip.ttl"), Some("Time to Live"));
        assert_eq!(label("tcp.srcport"), Some("Source Port"));
        assert_eq!(label("no.such.field"), None);
        assert_eq!(label("dtls.record.length"), label("tls.record.length"));
        assert_eq!(label("http3.headers.method"), Some(":method"));
        assert_eq!(label("http3.headers.user_agent"), Some("user-agent"));
    }

    /// tshark's label buffer holds 239 bytes; a longer `Name: value` is marked after the
    /// name and cut to 238 bytes, at a character's start.
    #[test]
    fn a_label_too_long_for_tsharks_buffer_is_marked_and_cut() {
        let mut text = format!("    JA3 Fullstring: {}", "1-".repeat(150));
        mark_truncated(&mut text, 4, "JA3 Fullstring".len());
        assert_eq!(text.len(), 4 + 238);
        assert!(text.starts_with("    JA3 Fullstring [truncated]: 1-1-"), "{text}");
        let mut short = format!("    JA3: {}", "a".repeat(230));
        mark_truncated(&mut short, 4, 3);
        assert_eq!(short.len(), 4 + 5 + 230);
        // A two-byte character across the cut is left out whole.
        let mut wide = format!("    N: {}", "é".repeat(130));
        mark_truncated(&mut wide, 4, 1);
        assert_eq!(wide.len() - 4, 237);
        assert!(wide.starts_with("    N [truncated]: é"));
    }

    #[test]
    fn durations_are_worded_by_their_parts_that_are_not_nought() {
        assert_eq!(duration_words(7200), "2 hours");
        assert_eq!(duration_words(86_400), "1 day");
        assert_eq!(duration_words(90_061), "1 day, 1 hour, 1 minute, 1 second");
        assert_eq!(duration_words(172_830), "2 days, 30 seconds");
        assert_eq!(duration_words(0), "0 seconds");
    }
}
