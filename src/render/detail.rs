//! tshark's `-V` and `-x`: each packet's tree (a line per layer, then an indented
//! `Label: value` line per field, with Wireshark's labels) and its bytes in hex and ASCII, in
//! tshark's layout, a blank line after each. Fields rttscope does not read are not invented:
//! the tree holds the fields rttscope registers, under the labels tshark gives them, drawn as
//! bits where tshark draws them so (`bits`), nested as tshark nests them (`nest`), TLS records
//! titled with the version tshark names (`record`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;

mod bits;
mod hex;
mod line;
mod quic_tree;
mod record;
mod status;
mod title;

use super::{Render, nest};
use crate::capture::Frame;
use crate::dissect::field::Field;
use crate::dissect::grpc::Compression;
use crate::dissect::stun::Stun;
use crate::dissect::{Content, Layer, Packet};
use crate::osi::Protocol;
use line::write_field;
pub(crate) use line::{byte_count, duration_words, mark_truncated};
pub use line::{label, write_value};

/// A field written into a layer's lines: its name, its number, how many bytes it covers,
/// those bytes (empty where they are not the field's own) and where its line is.
type Written<'a> = (&'static str, Option<u64>, usize, &'a [u8], std::ops::Range<usize>);

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
    write_frame_title(text, frame, interfaces);
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
        let mut fields: Vec<Written<'_>> = Vec::new();
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
            let raw = packet.source(field.source, frame).get(field.range.clone()).unwrap_or(&[]);
            // tshark names a retransmission's data for what it is.
            if retransmitted && field.name == "tcp.segment_data" {
                let _ =
                    writeln!(lines, "    Retransmitted TCP segment data ({})", byte_count(field.range.len()));
            } else {
                write_field(&mut lines, &field, message_type.map(|(_, kind)| *kind), raw);
            }
            if lines.len() > start {
                // The bytes go with a field only where the range is the field's own.
                let raw = if raw.len() == field.range.len() { raw } else { &[] };
                fields.push((field.name, field.value.as_u64(), field.range.len(), raw, start..lines.len()));
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
        let indent = if undone || undecoded_body || (echoed && layer.is_quoted()) {
            "        "
        } else if http2.is_some()
            || echoed
            || (layer.is_quoted() && !matches!(layer.content, Content::Data(_) | Content::Stun(_)))
        {
            "    "
        } else {
            ""
        };
        // A PDU put together from several TCP segments: tshark draws the segments as a subtree
        // of its own before the layer.
        let reassembly: Vec<nest::Item<'_>> = fields
            .iter()
            .filter(|(name, ..)| nest::TCP_REASSEMBLY.contains(name))
            .map(|(name, number, size, raw, range)| nest::Item {
                name,
                number: *number,
                size: *size,
                raw,
                line: unindented(&lines[range.clone()]),
            })
            .collect();
        nest::write_tcp_reassembly(text, indent, &reassembly);
        text.push_str(indent);
        write_title(text, packet, index, &number);
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
        let quoted_icmp = layer.is_quoted() && matches!(layer.content, Content::Icmp(_) | Content::Icmpv6(_));
        let finished: Vec<Option<String>> = fields
            .iter()
            .enumerate()
            .map(|(at, (name, number, _, _, range))| {
                let (line, later) = (unindented(&lines[range.clone()]), &later[at + 1..]);
                let finished = status::rename(name, *number, later)
                    .or_else(|| status::finish(name, line, *number, later).map(|end| format!("{line}{end}")));
                // tshark does not check the checksum of an ICMP message an ICMP error quotes.
                if quoted_icmp && matches!(*name, "icmp.checksum" | "icmpv6.checksum") {
                    return Some(format!("{} [in ICMP error packet]", finished.as_deref().unwrap_or(line)));
                }
                finished
            })
            .collect();
        let items: Vec<nest::Item<'_>> = fields
            .iter()
            .zip(&finished)
            .filter(|((name, ..), _)| !nest::TCP_REASSEMBLY.contains(name))
            .map(|((name, number, size, raw, range), finished)| nest::Item {
                name,
                number: *number,
                size: *size,
                raw,
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
            // Two an item: its packet's title and its key exchange's (see `nest::ssh`).
            Content::Ssh(ssh) => ssh
                .items
                .iter()
                .zip(&ssh.known)
                .filter(|(item, _)| !matches!(item, crate::dissect::ssh::Item::Version { .. }))
                .flat_map(|(_, known)| nest::ssh_titles(known))
                .collect(),
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

/// The frame's first line: `Frame 1: 76 bytes on wire (608 bits), …`, with its interface
/// where the capture names one.
pub fn write_frame_title(text: &mut String, frame: &Frame<'_>, interfaces: &[Option<String>]) {
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
}

/// The first line of the packet's `index`th layer, as the tree writes it.
pub fn write_layer_title(text: &mut String, packet: &Packet<'_>, index: usize) {
    let Some(layer) = packet.layers.get(index) else { return };
    let mut numbers: Vec<(&'static str, u64)> = Vec::new();
    layer.fields(&mut |field: Field<'_>| {
        if let Some(number) = field.value.as_u64() {
            numbers.push((field.name, number));
        }
    });
    let number = |name: &str| numbers.iter().find(|(field, _)| *field == name).map(|(_, value)| *value);
    write_title(text, packet, index, &number);
}

/// How many items tshark's tree draws for a layer, each of which `-e PROTO` prints: one for
/// each HTTP/2 frame (the preface its own) and each packet of a QUIC datagram (and its
/// padding); one for the TLS a QUIC CRYPTO frame completes, none for a piece of a message;
/// none for the HTTP a connection was upgraded from, which tshark lists but does not draw.
pub fn protocol_items(layer: &Layer<'_>) -> usize {
    match &layer.content {
        _ if layer.is_protocols_only() => 0,
        Content::Http2(http2) => usize::from(http2.preface.is_some()) + http2.frames.len(),
        Content::Quic(quic) => quic.packets.len() + usize::from(quic.padding.is_some()),
        Content::QuicTls(crypto) => usize::from(quic_tree::record_title(crypto).is_some()),
        _ => 1,
    }
}

/// What `-e PROTO` prints for an item of the packet's `index`th layer, as tshark prints its
/// tree item: the layer's first line where tshark gives the item text of its own, the
/// protocol's filter name where the line is only the protocol's name, and undecoded data's
/// bytes in hex.
pub fn write_protocol_value(text: &mut String, packet: &Packet<'_>, index: usize) {
    let Some(layer) = packet.layers.get(index) else { return };
    let start = text.len();
    match &layer.content {
        Content::Data(bytes) => {
            for byte in *bytes {
                let _ = write!(text, "{byte:02x}");
            }
            return;
        }
        Content::QuicTls(crypto) => text.push_str(&quic_tree::record_title(crypto).unwrap_or_default()),
        _ => write_layer_title(text, packet, index),
    }
    if title::PLAIN.contains(&&text[start..]) {
        text.truncate(start);
        text.push_str(layer.protocol().filter_name());
    }
}

/// A layer's first line, read from its fields' numbers.
fn write_title(text: &mut String, packet: &Packet<'_>, index: usize, number: &dyn Fn(&str) -> Option<u64>) {
    let Some(layer) = packet.layers.get(index) else { return };
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
        _ => title::write(text, layer, number),
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
