//! tshark's two JSON shapes, for scripts written against tshark: `-T json` (one array of
//! `{"_index", "_type", "_score", "_source": {"layers": {...}}}`, two-space indents, every value
//! a string, a field met twice an array as `--no-duplicate-keys` writes it) and `-T ek` (an
//! index line and a one-line document per packet, keys `layer_field` with `.` written `_`,
//! flags as booleans). Each layer holds the fields rttscope registers, flat: rttscope keeps no
//! subtrees, so where tshark nests a field under `ip.flags_tree` it sits beside `ip.flags`.
//! As tshark, every HTTP/2 frame is a layer of its own (`"http2"` met again, an array here as
//! `--no-duplicate-keys` writes it) and the body a DATA frame ends sits inside that frame's
//! layer (`"data-text-lines"`). So is every QUIC packet of a datagram (and the padding after
//! them), with the TLS its CRYPTO frames complete inside it.

use std::io;

use super::Render;
use super::time::{TimeFormat, write_time};
use crate::capture::Frame;
use crate::dissect::field::{Field, Value};
use crate::dissect::{Content, Packet};
use crate::osi::Protocol;
use crate::registry;
use crate::render::fields::Fields as Selection;

/// One value as tshark's JSON writes it.
#[derive(Clone, Debug, PartialEq)]
enum Scalar {
    Text(String),
    Bool(bool),
    /// A presence-only field: `""` in json, `null` in ek.
    Present,
    /// A date: tshark's json writes it as its tree does, ek as ISO 8601.
    Date {
        shown: String,
        iso: String,
    },
    /// A layer quoted inside this one (the datagram an ICMP error carries), by its layer name.
    Layer(Fields),
}

/// How tshark's text shows a byte field with no bytes.
const MISSING: &str = "<MISSING>";

impl Scalar {
    fn of(value: &Value<'_>) -> Self {
        match value {
            Value::Present => Self::Present,
            Value::Bool(flag) => Self::Bool(*flag),
            // tshark's JSON writes bytes with colons, where -T fields writes none; and no bytes
            // as nothing, where its text writes `<MISSING>`.
            Value::Bytes(bytes) => Self::Text(Value::BytesColon(bytes).to_string()),
            Value::Str(MISSING) => Self::Text(String::new()),
            Value::Date(nanos) => {
                let mut iso = String::new();
                write_time(&mut iso, TimeFormat::Date { utc: true }, *nanos, 9);
                Self::Date { shown: value.to_string(), iso: format!("{}Z", iso.replacen(' ', "T", 1)) }
            }
            other => Self::Text(other.to_string()),
        }
    }
}

/// A layer's fields in the order first met, each with its values.
type Fields = Vec<(&'static str, Vec<Scalar>)>;

/// The packet's layers in order (the frame first), each with its fields.
fn collect(frame: &Frame<'_>, packet: &Packet<'_>) -> Vec<(&'static str, Fields)> {
    fn push(fields: &mut Fields, field: &Field<'_>) {
        let scalar = Scalar::of(&field.value);
        match fields.iter_mut().find(|(name, _)| *name == field.name) {
            Some((_, values)) => values.push(scalar),
            None => fields.push((field.name, vec![scalar])),
        }
    }
    let mut layers: Vec<(&'static str, Fields)> = Vec::with_capacity(packet.layers.len() + 1);
    let mut frame_fields = Fields::new();
    packet.fields_with_prefixes(
        frame,
        &mut |field: Field<'_>| {
            if field.name.starts_with("frame.") {
                push(&mut frame_fields, &field);
            }
        },
        &|prefix| prefix == "frame",
    );
    layers.push(("frame", frame_fields));
    // The layer a quoted one goes into: the last not quoted, as tshark nests them.
    let mut quoting: Option<usize> = None;
    let mut previous: Option<Protocol> = None;
    // Where the layers of the last datagram's QUIC packets begin.
    let mut quic_packets: Option<usize> = None;
    for layer in packet.layers.iter().filter(|layer| !layer.is_protocols_only()) {
        // tshark makes a layer of every HTTP/2 frame: each frame after the first is a layer
        // of its own after this one.
        let mut frames = vec![Fields::new()];
        // So does it of every QUIC packet of a datagram, and of the padding after them.
        let starts_anew = |field: &str| match layer.protocol() {
            Protocol::Http2 => (field == "http2.stream").then_some("http2.stream"),
            Protocol::Quic if field == "quic.coalesced_padding_data" => Some(""),
            Protocol::Quic => (field == "quic.packet_length").then_some("quic.packet_length"),
            _ => None,
        };
        layer.fields(&mut |field: Field<'_>| {
            let has = |frame: &Fields, wanted: &str| frame.iter().any(|(name, _)| *name == wanted);
            if let Some(first) = starts_anew(field.name)
                && frames.last().is_some_and(|frame| first.is_empty() || has(frame, first))
            {
                frames.push(Fields::new());
            }
            if let Some(frame) = frames.last_mut() {
                push(frame, &field);
            }
        });
        let mut later_frames = frames.split_off(1);
        let fields = frames.pop().unwrap_or_default();
        let name = layer.protocol().filter_name();
        // An echo's payload is part of the ICMP message in tshark's tree.
        let echo_data = matches!(layer.content, Content::Data(_))
            && matches!(previous, Some(Protocol::Icmp | Protocol::Icmpv6));
        previous = (!layer.is_quoted()).then(|| layer.protocol());
        // A quoted datagram's payload is a layer of the frame in tshark's tree.
        let quoted = layer.is_quoted() && !matches!(layer.content, Content::Data(_));
        // A body an HTTP/2 stream ends with is part of the frame that ends it in tshark's tree.
        let body_of = (layer.protocol() == Protocol::TextLines)
            .then(|| {
                layers.iter().position(|(layer, frame)| *layer == "http2" && ends_stream_unfilled(frame))
            })
            .flatten();
        if let Some(index) = body_of {
            layers[index].1.push((name, vec![Scalar::Layer(fields)]));
            continue;
        }
        // A body that did not decode is data inside the HTTP message in tshark's tree.
        if matches!(layer.content, Content::Data(_))
            && let Some((previous, http)) = layers.last_mut()
            && *previous == "http"
            && http.iter().any(|(field, _)| *field == "http.decompression_failed")
        {
            http.push((name, vec![Scalar::Layer(fields)]));
            continue;
        }
        // The TLS a CRYPTO frame completes is part of its QUIC packet in tshark's tree.
        if let (Content::QuicTls(crypto), Some(first)) = (&layer.content, quic_packets)
            && let Some((_, packet)) = layers.get_mut(first + crypto.packet)
        {
            packet.push((name, vec![Scalar::Layer(fields)]));
            continue;
        }
        match (quoted || echo_data, quoting) {
            (true, Some(index)) => {
                let parent: &mut Fields = &mut layers[index].1;
                parent.push((name, vec![Scalar::Layer(fields)]));
            }
            _ => {
                // tshark lists the segments a PDU was reassembled from as a layer of their own
                // before it; rttscope gives them to the PDU's layer.
                let (segments, own): (Fields, Fields) =
                    fields.into_iter().partition(|(field, _)| name != "tcp" && field.starts_with("tcp."));
                if !segments.is_empty() {
                    layers.push(("tcp.segments", segments));
                }
                quoting = Some(layers.len());
                if layer.protocol() == Protocol::Quic {
                    quic_packets = Some(layers.len());
                }
                layers.push((name, own));
                layers.extend(later_frames.drain(..).map(|frame| (name, frame)));
            }
        }
    }
    layers
}

/// Whether an HTTP/2 frame's fields are a DATA frame that ends its stream and holds no body yet.
fn ends_stream_unfilled(frame: &Fields) -> bool {
    let text = |wanted: &str| {
        frame.iter().find(|(name, _)| *name == wanted).and_then(|(_, values)| match values.first() {
            Some(Scalar::Text(text)) => Some(text.as_str()),
            _ => None,
        })
    };
    let flags =
        text("http2.flags").and_then(|flags| u8::from_str_radix(flags.trim_start_matches("0x"), 16).ok());
    text("http2.type") == Some("0")
        && flags.is_some_and(|flags| flags & 0x01 != 0)
        && !frame.iter().any(|(name, _)| *name == "data-text-lines")
}

/// The layers grouped by name in order of first appearance, as `-T ek` writes them: a
/// protocol met twice (IP in IP, several TLS records) is one key with several objects.
fn grouped(layers: Vec<(&'static str, Fields)>) -> Vec<(&'static str, Vec<Fields>)> {
    let mut groups: Vec<(&'static str, Vec<Fields>)> = Vec::new();
    for (name, fields) in layers {
        match groups.iter_mut().find(|(group, _)| *group == name) {
            Some((_, list)) => list.push(fields),
            None => groups.push((name, vec![fields])),
        }
    }
    groups
}

/// The day the packet was captured, as tshark names its index: `packets-2026-11-22`.
fn index_name(frame: &Frame<'_>) -> String {
    let mut date = String::from("packets-");
    write_time(&mut date, TimeFormat::Date { utc: false }, frame.ts_ns, 0);
    date.truncate("packets-YYYY-MM-DD".len());
    date
}

fn quoted(text: &str) -> String {
    // A string always serialises.
    serde_json::to_string(text).unwrap_or_default()
}

/// `-T json`.
#[derive(Default)]
pub struct TsharkJson {
    any: bool,
    text: String,
    /// With `-e`: only these fields, each an array of its occurrences.
    fields: Option<Selection>,
}

impl TsharkJson {
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the fields `-e` named: `"layers": {"ip.src": ["10.0.0.1"], ...}`, a field the
    /// packet lacks left out, as tshark writes them.
    pub fn with_fields(fields: Selection) -> Self {
        Self { fields: Some(fields), ..Self::default() }
    }
}

/// The values `fields` gathered, as `-T json -e` (`.` kept, `indent` spaces in) or `-T ek -e`
/// (`.` written `_`, on one line) writes them: each field met an array of its values as
/// `-T fields` writes each, in `-e` order.
fn write_selected(text: &mut String, fields: &Selection, indent: Option<usize>) {
    let mut any = false;
    for (index, name) in fields.names().iter().enumerate() {
        let mut values = fields.values(index).peekable();
        if values.peek().is_none() {
            continue;
        }
        if any {
            text.push(',');
        }
        any = true;
        match indent {
            Some(indent) => {
                let pad = " ".repeat(indent + 2);
                text.push_str(&format!("\n{pad}{}: [", quoted(name)));
                for (at, value) in values.enumerate() {
                    text.push_str(if at > 0 { ",\n" } else { "\n" });
                    text.push_str(&format!("{pad}  {}", quoted(value)));
                }
                text.push_str(&format!("\n{pad}]"));
            }
            None => {
                text.push_str(&format!("{}:[", quoted(&name.replace('.', "_"))));
                for (at, value) in values.enumerate() {
                    if at > 0 {
                        text.push(',');
                    }
                    text.push_str(&quoted(value));
                }
                text.push(']');
            }
        }
    }
    if let (true, Some(indent)) = (any, indent) {
        text.push_str(&format!("\n{}", " ".repeat(indent)));
    }
}

impl Render for TsharkJson {
    fn begin(&mut self, out: &mut dyn io::Write) -> io::Result<()> {
        out.write_all(b"[")
    }

    fn packet(&mut self, out: &mut dyn io::Write, frame: &Frame<'_>, packet: &Packet<'_>) -> io::Result<()> {
        let text = &mut self.text;
        text.clear();
        text.push_str(if self.any { ",\n" } else { "\n" });
        self.any = true;
        text.push_str("  {\n");
        text.push_str(&format!("    \"_index\": {},\n", quoted(&index_name(frame))));
        text.push_str(
            "    \"_type\": \"doc\",\n    \"_score\": null,\n    \"_source\": {\n      \"layers\": {",
        );
        if let Some(fields) = &mut self.fields {
            fields.gather(frame, packet);
            write_selected(text, fields, Some(6));
            text.push_str("}\n    }\n  }");
            return out.write_all(text.as_bytes());
        }
        // A protocol met twice (a tunnel's inner Ethernet and IP, several HTTP/2 layers) is
        // its key again, in order, as tshark writes it without `--no-duplicate-keys`.
        for (index, (name, fields)) in collect(frame, packet).iter().enumerate() {
            text.push_str(if index > 0 { ",\n" } else { "\n" });
            text.push_str(&format!("        {}: ", quoted(name)));
            write_object(text, fields, 8);
        }
        text.push_str("\n      }\n    }\n  }");
        out.write_all(text.as_bytes())
    }

    fn end(&mut self, out: &mut dyn io::Write) -> io::Result<()> {
        out.write_all(if self.any { b"\n]\n" } else { b"]\n" })
    }
}

/// Writes `{ "name": "value", ... }` with its members `indent + 2` spaces in.
fn write_object(text: &mut String, fields: &Fields, indent: usize) {
    if fields.is_empty() {
        text.push_str("{}");
        return;
    }
    let pad = " ".repeat(indent + 2);
    text.push_str("{\n");
    for (index, (name, values)) in fields.iter().enumerate() {
        if index > 0 {
            text.push_str(",\n");
        }
        text.push_str(&format!("{pad}{}: ", quoted(name)));
        let string = |scalar: &Scalar| match scalar {
            Scalar::Text(value) | Scalar::Date { shown: value, .. } => quoted(value),
            Scalar::Bool(flag) => quoted(if *flag { "1" } else { "0" }),
            Scalar::Present | Scalar::Layer(_) => quoted(""),
        };
        match values.as_slice() {
            [Scalar::Layer(fields)] => write_object(text, fields, indent + 2),
            [one] => text.push_str(&string(one)),
            many => {
                text.push_str("[\n");
                for (index, value) in many.iter().enumerate() {
                    if index > 0 {
                        text.push_str(",\n");
                    }
                    text.push_str(&format!("{pad}  {}", string(value)));
                }
                text.push_str(&format!("\n{pad}]"));
            }
        }
    }
    text.push_str(&format!("\n{}}}", " ".repeat(indent)));
}

/// `-T ek`.
#[derive(Default)]
pub struct Ek {
    text: String,
    /// With `-e`: only these fields, each an array of its occurrences.
    fields: Option<Selection>,
}

impl Ek {
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the fields `-e` named: `"layers":{"ip_src":["10.0.0.1"],...}`, as tshark writes
    /// them.
    pub fn with_fields(fields: Selection) -> Self {
        Self { fields: Some(fields), ..Self::default() }
    }
}

impl Render for Ek {
    fn packet(&mut self, out: &mut dyn io::Write, frame: &Frame<'_>, packet: &Packet<'_>) -> io::Result<()> {
        let text = &mut self.text;
        text.clear();
        text.push_str(&format!(
            "{{\"index\":{{\"_index\":{},\"_type\":\"doc\"}}}}\n",
            quoted(&index_name(frame))
        ));
        let millis = frame.ts_ns.div_euclid(1_000_000);
        text.push_str(&format!("{{\"timestamp\":\"{millis}\",\"layers\":{{"));
        if let Some(fields) = &mut self.fields {
            fields.gather(frame, packet);
            write_selected(text, fields, None);
            text.push_str("}}\n");
            return out.write_all(text.as_bytes());
        }
        for (index, (name, objects)) in grouped(collect(frame, packet)).iter().enumerate() {
            if index > 0 {
                text.push(',');
            }
            // tshark's ek writes the reassembly's fields among the layers, named as TCP's.
            if *name == "tcp.segments" {
                let mut fields = String::new();
                for object in objects {
                    write_ek_object(&mut fields, "tcp", object);
                }
                text.push_str(fields.trim_start_matches('{').trim_end_matches('}'));
                continue;
            }
            text.push_str(&quoted(name));
            text.push(':');
            match objects.as_slice() {
                [one] => write_ek_object(text, name, one),
                many => {
                    text.push('[');
                    for (index, object) in many.iter().enumerate() {
                        if index > 0 {
                            text.push(',');
                        }
                        write_ek_object(text, name, object);
                    }
                    text.push(']');
                }
            }
        }
        text.push_str("}}\n");
        out.write_all(text.as_bytes())
    }
}

/// The name ek gives a field of a layer: `ip` and `ip.flags.df` make `ip_ip_flags_df`.
fn ek_name(layer: &str, field: &str) -> String {
    format!("{layer}_{field}").replace('.', "_")
}

/// A field registered as a protocol of its own, such as a TCP option as a whole
/// (`tcp.options.mss`, not `tcp.options.mss_val`): ek leaves out the value of an item that
/// heads a subtree, and these do in tshark's tree.
fn is_option_subtree(name: &str) -> bool {
    registry::lookup(name).is_some_and(|field| field.kind == registry::Kind::Protocol)
}

fn write_ek_object(text: &mut String, layer: &str, fields: &Fields) {
    text.push('{');
    let mut first = true;
    for (name, values) in fields {
        let layer_inside = matches!(values.as_slice(), [Scalar::Layer(_)]);
        if is_option_subtree(name) && !layer_inside {
            continue;
        }
        if !first {
            text.push(',');
        }
        first = false;
        if let [Scalar::Layer(fields)] = values.as_slice() {
            text.push_str(&quoted(name));
            text.push(':');
            write_ek_object(text, name, fields);
            continue;
        }
        text.push_str(&quoted(&ek_name(layer, name)));
        text.push(':');
        let scalar = |scalar: &Scalar| match scalar {
            Scalar::Text(value) | Scalar::Date { iso: value, .. } => quoted(value),
            Scalar::Bool(flag) => flag.to_string(),
            Scalar::Present | Scalar::Layer(_) => "null".to_owned(),
        };
        match values.as_slice() {
            [one] => text.push_str(&scalar(one)),
            many => {
                text.push('[');
                text.push_str(&many.iter().map(scalar).collect::<Vec<_>>().join(","));
                text.push(']');
            }
        }
    }
    text.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ek_leaves_out_the_items_that_head_a_subtree() {
        assert!(is_option_subtree("tcp.options.mss"));
        assert!(!is_option_subtree("tcp.options.mss_val"));
        assert!(!is_option_subtree("tcp.options"));
    }

    #[test]
    fn ek_names_join_layer_and_field_with_underscores() {
        assert_eq!(ek_name("ip", "ip.flags.df"), "ip_ip_flags_df");
        assert_eq!(ek_name("frame", "frame.number"), "frame_frame_number");
    }

    #[test]
    fn an_object_indents_as_tshark_and_repeats_as_an_array() {
        let fields: Fields = vec![
            ("ip.src", vec![Scalar::Text("127.0.0.1".into())]),
            ("ip.addr", vec![Scalar::Text("a".into()), Scalar::Text("b".into())]),
            ("tcp.analysis.retransmission", vec![Scalar::Present]),
            ("ip.flags.df", vec![Scalar::Bool(true)]),
        ];
        let mut text = String::new();
        write_object(&mut text, &fields, 8);
        assert_eq!(
            text,
            "{\n          \"ip.src\": \"127.0.0.1\",\n          \"ip.addr\": [\n            \"a\",\n            \"b\"\n          ],\n          \"tcp.analysis.retransmission\": \"\",\n          \"ip.flags.df\": \"1\"\n        }"
        );
        let mut ek = String::new();
        write_ek_object(&mut ek, "ip", &fields);
        assert_eq!(
            ek,
            r#"{"ip_ip_src":"127.0.0.1","ip_ip_addr":["a","b"],"ip_tcp_analysis_retransmission":null,"ip_ip_flags_df":true}"#
        );
    }

    #[test]
    fn a_body_goes_into_the_data_frame_that_ends_its_stream() {
        let frame = |kind: &str, flags: &str| -> Fields {
            vec![
                ("http2.type", vec![Scalar::Text(kind.to_owned())]),
                ("http2.flags", vec![Scalar::Text(flags.to_owned())]),
            ]
        };
        assert!(ends_stream_unfilled(&frame("0", "0x01")));
        assert!(!ends_stream_unfilled(&frame("0", "0x00")));
        assert!(!ends_stream_unfilled(&frame("1", "0x05")));
        let mut filled = frame("0", "0x01");
        filled.push(("data-text-lines", vec![Scalar::Layer(Fields::new())]));
        assert!(!ends_stream_unfilled(&filled));
    }
}
