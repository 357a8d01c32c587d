//! tshark's `-V` and `-x`: each packet's tree (a line per layer, then an indented
//! `Label: value` line per field, with Wireshark's labels) and its bytes in hex and ASCII, in
//! tshark's layout, a blank line after each. Fields rttscope does not read are not invented:
//! the tree holds the fields rttscope registers, under the labels tshark gives them, drawn as
//! bits where tshark draws them so (`bits`), nested as tshark nests them (`nest`), TLS records
//! titled with the version tshark names (`record`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;
use std::sync::OnceLock;

mod bits;
mod hex;
mod quic_tree;
mod record;
mod status;
mod title;

use super::{Render, nest};
use crate::capture::Frame;
use crate::dissect::field::{Field, Value};
use crate::dissect::grpc::Compression;
use crate::dissect::stun::Stun;
use crate::dissect::{Content, Packet};
use crate::dissect::{quic, tls};
use crate::osi::Protocol;
use crate::registry;

/// Wireshark's label of every field rttscope registers, `name<TAB>label` a line (from
/// `tshark -G fields`).
const LABELS: &str = include_str!("labels.tsv");

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

/// How many bytes of a value tshark's tree shows (`MAX_BYTE_STR_LEN`, 72 hex digits).
const SHOWN_BYTES: usize = 36;

/// Wireshark's label for a field name, if rttscope's table has one.
pub fn label(name: &str) -> Option<&'static str> {
    static TABLE: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    let table = TABLE.get_or_init(|| LABELS.lines().filter_map(|line| line.split_once('\t')).collect());
    // A DTLS field is labelled as its TLS twin (`dtls.record.length`, `tls.record.length`).
    let twin = || name.strip_prefix('d').filter(|tls| tls.starts_with("tls.")).and_then(|tls| table.get(tls));
    table.get(name).or_else(twin).copied()
}

/// Prints no packets: tshark's `-q` with text output, when only statistics are wanted.
pub struct Quiet;

impl Render for Quiet {
    fn packet(
        &mut self,
        _out: &mut dyn io::Write,
        _frame: &Frame<'_>,
        _packet: &Packet<'_>,
    ) -> io::Result<()> {
        Ok(())
    }
}

/// The tree (`-V`), the bytes (`-x`), or both, per packet.
pub struct Detail {
    tree: bool,
    hex: bool,
    /// pcapng interface names by id, for the frame line.
    interfaces: Vec<Option<String>>,
    /// The TLS sessions of the packets shown, for their records' titles.
    sessions: record::Sessions,
    /// Which side of each TCP stream sent the first FIN.
    closers: Closers,
    text: String,
}

impl Detail {
    pub fn new(tree: bool, hex: bool, interfaces: Vec<Option<String>>) -> Self {
        Self {
            tree,
            hex,
            interfaces,
            sessions: record::Sessions::default(),
            closers: Closers::default(),
            text: String::new(),
        }
    }
}

impl Render for Detail {
    fn packet(&mut self, out: &mut dyn io::Write, frame: &Frame<'_>, packet: &Packet<'_>) -> io::Result<()> {
        self.text.clear();
        if self.tree {
            write_tree(
                &mut self.text,
                frame,
                packet,
                &self.interfaces,
                &mut self.sessions,
                &mut self.closers,
                !self.hex,
            );
            self.text.push('\n');
        }
        if self.hex {
            hex::write_sources(&mut self.text, frame, packet);
            self.text.push('\n');
        }
        out.write_all(self.text.as_bytes())
    }
}

/// Writes the frame's line and fields, then each layer's summary and fields; `data_hex` says
/// to dump undecoded data's bytes under its title, as tshark does when no `-x` dump of the
/// whole frame follows.
fn write_tree(
    text: &mut String,
    frame: &Frame<'_>,
    packet: &Packet<'_>,
    interfaces: &[Option<String>],
    sessions: &mut record::Sessions,
    closers: &mut Closers,
    data_hex: bool,
) {
    let (wire, captured) = (u64::from(frame.orig_len), frame.data.len() as u64);
    // Writing into a String cannot fail.
    let _ = write!(
        text,
        "Frame {}: {wire} bytes on wire ({} bits), {captured} bytes captured ({} bits)",
        frame.number,
        wire * 8,
        captured * 8
    );
    if let Some(id) = frame.interface {
        match interfaces.get(id as usize) {
            Some(Some(name)) => {
                let _ = write!(text, " on interface {name}, id {id}");
            }
            _ => {
                let _ = write!(text, " on interface {id}");
            }
        }
    }
    text.push('\n');
    let mut sink = |field: Field<'_>| {
        if field.name == "frame.interface_id"
            && let Some(id) = frame.interface
        {
            // A pcapng frame: its section and its interface, named as the interface block
            // names it. Frames do not carry their section's number: a file of several
            // sections (rare: mergecap writes one) shows 1 where tshark counts on.
            text.push_str("    Section number: 1\n");
            match interfaces.get(id as usize) {
                Some(Some(name)) => {
                    let _ = writeln!(text, "    Interface id: {id} ({name})\n        Interface name: {name}");
                }
                _ => {
                    let _ = writeln!(text, "    Interface id: {id}");
                }
            }
        } else if field.name.starts_with("frame.") {
            write_field(text, &field, None, &[]);
        }
    };
    packet.fields_with_prefixes(frame, &mut sink, &|prefix| prefix == "frame");
    let mut place = record::Place { stream: None, ports: [None, None], carried: None };
    // Each layer's lines, to be put together once the TLS a QUIC CRYPTO frame completed has
    // moved inside its QUIC packet.
    let mut texts: Vec<(usize, String)> = Vec::with_capacity(packet.layers.len());
    let outer = text;
    for (index, layer) in packet.layers.iter().enumerate() {
        if layer.is_protocols_only() {
            continue;
        }
        texts.push((index, String::new()));
        let Some((_, text)) = texts.last_mut() else { continue };
        let mut lines = String::new();
        let mut fields: Vec<(&'static str, Option<u64>, usize, std::ops::Range<usize>)> = Vec::new();
        let mut numbers: Vec<(&'static str, u64)> = Vec::new();
        let is_ipv6 = layer.protocol() == Protocol::Ipv6;
        let mut retransmitted = false;
        layer.fields(&mut |field: Field<'_>| {
            // tshark keeps IPv6's `ip.version` out of its tree.
            if is_ipv6 && field.name == "ip.version" {
                return;
            }
            // An ICMP code is named by the message type before it.
            let message_type =
                numbers.iter().rev().find(|(name, _)| matches!(*name, "icmp.type" | "icmpv6.type"));
            retransmitted |= field.name == "tcp.analysis.retransmission";
            let start = lines.len();
            // tshark names a retransmission's data for what it is.
            if retransmitted && field.name == "tcp.segment_data" {
                let _ =
                    writeln!(lines, "    Retransmitted TCP segment data ({})", byte_count(field.range.len()));
            } else {
                let raw = packet.source(field.source, frame).get(field.range.clone()).unwrap_or(&[]);
                write_field(&mut lines, &field, message_type.map(|(_, kind)| *kind), raw);
            }
            if lines.len() > start {
                fields.push((field.name, field.value.as_u64(), field.range.len(), start..lines.len()));
            }
            if let Some(number) = field.value.as_u64() {
                numbers.push((field.name, number));
            }
        });
        let number = |name: &str| numbers.iter().find(|(field, _)| *field == name).map(|(_, value)| *value);
        // A datagram an ICMP error quotes is a subtree of the ICMP message; its payload is
        // the frame's again, and so is a STUN message in it, as tshark draws it. A text body an HTTP/2 stream ends with is a subtree of HTTP/2.
        // Inside the stream's subtree, beside the item that undid it, when it was encoded.
        let http2 = match layer.content {
            Content::TextLines { .. } => packet.layers[..index]
                .iter()
                .rev()
                .find(|before| !matches!(before.content, Content::TextLines { .. }))
                .and_then(|before| match &before.content {
                    Content::Http2(http2) => Some(http2),
                    _ => None,
                }),
            _ => None,
        };
        let undone = http2.is_some_and(|http2| {
            http2.frames.iter().any(|frame| frame.entity.as_ref().is_some_and(|entity| entity.body.decoded))
        });
        // An echo's data is a subtree of its ICMP or ICMPv6 message.
        let echoed = matches!(layer.content, Content::Data(_))
            && index
                .checked_sub(1)
                .and_then(|before| packet.layers.get(before))
                .is_some_and(|before| matches!(before.content, Content::Icmp(_) | Content::Icmpv6(_)));
        // A body that did not decode is data inside the HTTP message's encoded-body item.
        let undecoded_body = matches!(layer.content, Content::Data(_))
            && index.checked_sub(1).and_then(|before| packet.layers.get(before)).is_some_and(|before| {
                matches!(&before.content, Content::Http(http)
                    if http.messages.iter().any(|message| message.entity.as_ref().is_some_and(|body| !body.decoded)))
            });
        let indent = if undone || undecoded_body {
            "        "
        } else if http2.is_some()
            || echoed
            || (layer.is_quoted() && !matches!(layer.content, Content::Data(_) | Content::Stun(_)))
        {
            "    "
        } else {
            ""
        };
        text.push_str(indent);
        match &layer.content {
            // The call the message belongs to, from the gRPC layer before it.
            Content::Protobuf(_) => {
                let grpc = packet.layers[..index].iter().rev().find_map(|before| match &before.content {
                    Content::Grpc(grpc) => Some(grpc),
                    _ => None,
                });
                let (path, is_request) = grpc.map_or(("", false), |grpc| (&*grpc.path, grpc.is_request));
                text.push_str(&nest::protobuf_title(path, is_request));
            }
            _ => title::write(text, layer, &number),
        }
        text.push('\n');
        match &layer.content {
            Content::TextLines { bytes, .. } => write_text_lines(text, bytes, indent),
            Content::Data(bytes) if data_hex => {
                text.push('\n');
                hex::write_hex(text, bytes);
            }
            _ => {}
        }
        // Lines that the fields after them finish (a checksum's status, the ACK flag).
        let later: Vec<(&str, Option<u64>)> =
            fields.iter().map(|(name, number, ..)| (*name, *number)).collect();
        let finished: Vec<Option<String>> = fields
            .iter()
            .enumerate()
            .map(|(at, (name, number, _, range))| {
                let (line, later) = (unindented(&lines[range.clone()]), &later[at + 1..]);
                status::rename(name, *number, later)
                    .or_else(|| status::finish(name, line, *number, later).map(|end| format!("{line}{end}")))
            })
            .collect();
        let items: Vec<nest::Item<'_>> = fields
            .iter()
            .zip(&finished)
            .map(|((name, number, size, range), finished)| nest::Item {
                name,
                number: *number,
                size: *size,
                line: finished.as_deref().unwrap_or_else(|| unindented(&lines[range.clone()])),
            })
            .collect();
        let mut closing = None;
        let record_titles = match &layer.content {
            Content::Tcp(_) => {
                place.stream = number("tcp.stream");
                place.ports = [number("tcp.srcport"), number("tcp.dstport")];
                if number("tcp.flags.fin") == Some(1) {
                    closing = closers.closing(place.stream, place.ports);
                }
                Vec::new()
            }
            Content::Tls(tls) => {
                place.carried = packet.layers.get(index + 1).and_then(|next| match next.protocol() {
                    Protocol::Http => Some(record::HTTP),
                    Protocol::Http2 => Some(record::HTTP2),
                    Protocol::Dns => Some(record::DNS),
                    _ => None,
                });
                sessions.titles(tls, &place)
            }
            Content::Dtls(dtls) => record::dtls_titles(dtls),
            // Each attribute's subtree title; an unnamed one's is tshark's expert item.
            Content::Stun(Stun::Message(message)) => message
                .attributes()
                .map(|attribute| {
                    attribute
                        .title(message.bytes())
                        .unwrap_or_else(|| format!("Unknown attribute 0x{:04x}", attribute.kind))
                })
                .collect(),
            Content::Http2(http2) => {
                let preface = http2.preface.map(|_| [String::new(), String::new(), String::new()]);
                let frames = http2.frames.iter().map(|frame| {
                    let body = frame.entity.as_ref().map(crate::dissect::http::StreamEntity::title);
                    let streamed = if frame.grpc_stream { "gRPC" } else { "" };
                    [frame.partial_suffix().to_owned(), body.unwrap_or_default(), streamed.to_owned()]
                });
                preface.into_iter().chain(frames).flatten().collect()
            }
            // The message's inflated body's title, and whether inflating failed.
            Content::Grpc(grpc) => grpc
                .messages
                .iter()
                .flat_map(|message| match message.compression {
                    Compression::Inflated(encoding) => {
                        let inflated = Some(message.data.bytes.len());
                        [nest::grpc_entity_title(encoding, message.length, inflated), String::new()]
                    }
                    Compression::Kept { encoding: Some(encoding), .. } => {
                        [nest::grpc_entity_title(encoding, message.length, None), "failed".to_owned()]
                    }
                    _ => [String::new(), String::new()],
                })
                .collect(),
            _ => Vec::new(),
        };
        nest::write(text, layer.protocol(), &items, indent, &record_titles, closing);
    }
    quic_tree::nest_crypto(&packet.layers, &mut texts);
    for (_, text) in texts {
        outer.push_str(&text);
    }
}

/// The side of each TCP stream that sent a FIN first (its source and destination ports), so
/// that a FIN can be told to initiate or undergo the close, as tshark tells them. Bounded:
/// past [`Closers::MOST`] streams the oldest knowledge is forgotten.
#[derive(Default)]
struct Closers {
    initiators: HashMap<u64, [Option<u64>; 2]>,
}

impl Closers {
    const MOST: usize = 1 << 20;

    /// A FIN on `stream` from `ports` (source, destination): it undergoes the close if the
    /// other side sent a FIN first, else it initiates it.
    fn closing(&mut self, stream: Option<u64>, ports: [Option<u64>; 2]) -> Option<nest::Closing> {
        let stream = stream?;
        let [source, destination] = ports;
        if self.initiators.get(&stream) == Some(&[destination, source]) && source != destination {
            return Some(nest::Closing::Undergoes);
        }
        if self.initiators.len() >= Self::MOST {
            self.initiators.clear();
        }
        self.initiators.insert(stream, ports);
        Some(nest::Closing::Initiates)
    }
}

/// A field's line without its indentation and its line end; a value's own trailing spaces
/// stay, as tshark prints them.
fn unindented(line: &str) -> &str {
    line.trim_start_matches(' ').trim_end_matches('\n')
}

/// Writes a text body's lines as tshark's line-based text dissector shows them: each escaped
/// as its Info column escapes text, and a line longer than a tree label can hold cut and
/// marked, as tshark marks it.
fn write_text_lines(text: &mut String, bytes: &[u8], indent: &str) {
    /// The longest label tshark's tree holds (`ITEM_LABEL_LENGTH` less its NUL), and how much
    /// of a longer line it keeps after its mark.
    const LABEL: usize = 239;
    const KEPT: usize = 226;
    for line in crate::dissect::lines_of(bytes) {
        let shown = crate::dissect::http1::InfoText(line).to_string();
        text.push_str(indent);
        if shown.chars().count() > LABEL {
            text.push_str("     [truncated]");
            text.extend(shown.chars().take(KEPT));
        } else {
            text.push_str("    ");
            text.push_str(&shown);
        }
        text.push('\n');
    }
}

/// Writes one field as tshark's tree shows it: `    Label: value`, in brackets when the
/// dissector computed it rather than read it, a coded value with its name as tshark's
/// showname gives it (`Protocol: UDP (17)`); `message_type` names an ICMP code, `raw` holds the
/// bytes the field covers (empty where not known).
fn write_field(text: &mut String, field: &Field<'_>, message_type: Option<u64>, raw: &[u8]) {
    if HIDDEN.contains(&field.name) {
        return;
    }
    // The frame's own fields are all computed; tshark brackets only those that compare frames.
    let computed = match field.name {
        "frame.time_delta" | "frame.time_delta_displayed" | "frame.time_relative" | "frame.protocols" => true,
        "frame.offset_shift" | "frame.marked" | "frame.ignored" => true,
        "tcp.flags.str" | "tcp.options.wscale.multiplier" | "http2.header.unescaped" => true,
        "dns.qry.name.len" | "dns.count.labels" | "icmp.data_time_relative" => true,
        name if name.ends_with("checksum.status") => true,
        "stun.att.crc32.status" => true,
        name if name.starts_with("frame.") => false,
        // An empty user ID is still read from the request (its NUL ends it).
        "socks.username" => false,
        _ => field.range.is_empty(),
    };
    text.push_str("    ");
    if computed {
        text.push('[');
    }
    let _ = match (field.name, &field.value) {
        (name, value) if bits::write(text, name, label(name).unwrap_or(name), value) => Ok(()),
        (name, value) if status::write(text, name, label(name).unwrap_or(name), value, raw) => Ok(()),
        ("tcp.payload" | "tcp.segment_data" | "udp.payload", Value::Bytes(bytes)) => {
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
        ("tcp.options.sack_le", value) => write!(text, "left edge = {value} (relative)"),
        ("tcp.options.sack_re", value) => write!(text, "right edge = {value} (relative)"),
        // tshark escapes the preface's line ends.
        ("http2.magic", value) => {
            let magic = value.to_string().replace('\r', "\\r").replace('\n', "\\n");
            write!(text, "{}: {magic}", label("http2.magic").unwrap_or("Magic"))
        }
        ("ip.id", value) => write!(text, "Identification: {value} ({})", value.as_u64().unwrap_or(0)),
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
        ("frame.marked" | "frame.ignored", Value::Bool(set)) => {
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
            let _ = write!(text, "{}: ", label(name).unwrap_or(name));
            if !write_value(text, name, value, message_type) {
                let _ = write!(text, "{value}");
            }
            Ok(())
        }
    };
    if computed {
        text.push(']');
    }
    text.push('\n');
}

/// Writes a coded value with its name (`UDP (17)`) if its field names its values; false, having
/// written nothing, if it does not.
pub fn write_value(text: &mut String, name: &str, value: &Value<'_>, message_type: Option<u64>) -> bool {
    registry::lookup(name)
        .and_then(|info| info.names)
        .is_some_and(|names| names.write(text, value, message_type))
}

/// `1 byte`, `87 bytes`.
pub(super) fn byte_count(count: usize) -> String {
    plural(count as u64, "byte")
}

/// `1 second`, `2 seconds`.
fn plural(count: u64, unit: &str) -> String {
    if count == 1 { format!("1 {unit}") } else { format!("{count} {unit}s") }
}

/// A number of seconds in days, hours, minutes and seconds, leaving out the parts that are
/// nought: `2 hours`, `1 day, 30 seconds`, as Wireshark words a time.
fn duration_words(seconds: u64) -> String {
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
    fn labels_are_wiresharks() {
        assert_eq!(label("ip.ttl"), Some("Time to Live"));
        assert_eq!(label("tcp.srcport"), Some("Source Port"));
        assert_eq!(label("no.such.field"), None);
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
