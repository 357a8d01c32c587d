//! One packet taken apart for the Packets view: its layers as a tree ordered L7 to L1, and the
//! bytes each node points into.
//!
//! A [`Detail`] owns everything it shows (the frame's bytes, any reassembled or decrypted
//! bytes, the formatted fields), so the view can draw it long after the tracker that made it
//! has moved on. Every node that was read from bytes knows which buffer and which range, so
//! the hex dump can highlight it.

use std::ops::Range;

use crate::capture::Frame;
use crate::dissect::Packet;
use crate::dissect::field::{Field, Source, Value, format_into};
use crate::osi::{self, OsiLayer};
use crate::render::detail::write_value;

/// Longest value text kept for a field; longer ones (certificates, payloads) end in `…`.
const VALUE_CHARS: usize = 200;

/// What a line of the tree is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// An OSI layer's heading.
    Osi,
    /// A protocol's part on that layer.
    Layer,
    Field,
}

/// One line of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    pub osi: OsiLayer,
    pub text: String,
    /// Where the node's bytes are, if it was read from bytes.
    pub bytes: Option<(Source, Range<usize>)>,
    /// A field's name and value, for a filter made from it or a copy of it.
    pub field: Option<FieldValue>,
}

/// A field of the tree as filters and copies take it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldValue {
    pub name: &'static str,
    /// The value as `dissect -T fields` prints it (not the shown name of a coded value).
    pub value: String,
    /// The display filter that keeps packets with this value (tshark's "Apply as Filter").
    pub expression: Option<String>,
}

/// Bytes a packet's nodes point into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Buffer {
    pub source: Source,
    pub bytes: Vec<u8>,
}

impl Buffer {
    /// What the hex dump calls these bytes.
    pub fn title(&self) -> &'static str {
        match self.source {
            Source::Frame => "frame bytes",
            Source::Reassembled => "reassembled IP datagram",
            Source::Stream => "reassembled TCP stream",
            Source::Decrypted => "decrypted plaintext (TLS record or QUIC packet)",
        }
    }
}

/// A packet's tree and bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detail {
    pub number: u64,
    pub nodes: Vec<Node>,
    pub buffers: Vec<Buffer>,
    pub problems: Vec<String>,
}

/// A field as the tree keeps it.
struct Collected {
    name: &'static str,
    text: String,
    range: Range<usize>,
    source: Source,
    field: FieldValue,
}

fn collect(walk: impl FnOnce(&mut dyn FnMut(Field<'_>))) -> Vec<Collected> {
    let mut fields = Vec::new();
    let mut value = String::new();
    // An ICMP code is named by the message type before it.
    let mut message_type = None;
    walk(&mut |field: Field<'_>| {
        value.clear();
        if !write_value(&mut value, field.name, &field.value, message_type) {
            format_into(&mut value, &field.value);
        }
        if matches!(field.name, "icmp.type" | "icmpv6.type") {
            message_type = field.value.as_u64();
        }
        let selected = FieldValue {
            name: field.name,
            value: field.value.to_string(),
            expression: super::filter_from::field_expression(field.name, &field.value),
        };
        let mut text = String::with_capacity(field.name.len() + 3 + value.len().min(VALUE_CHARS));
        text.push_str(field.name);
        // A field that is only there (a TLS record, a TCP analysis flag) has no value to show.
        if matches!(field.value, Value::Present) {
            value.clear();
        } else {
            text.push_str(" = ");
        }
        match value.char_indices().nth(VALUE_CHARS) {
            Some((cut, _)) => {
                text.push_str(&value[..cut]);
                text.push('…');
            }
            None => text.push_str(&value),
        }
        fields.push(Collected {
            name: field.name,
            text,
            range: field.range,
            source: field.source,
            field: selected,
        });
    });
    fields
}

/// Frame fields tshark writes that say nothing true in the UI: its marks are the UI's own (the
/// packet list shows them), its display filter changes what was shown before, and nothing
/// shifts time.
const NOT_IN_THE_UI: &[&str] =
    &["frame.marked", "frame.ignored", "frame.time_delta_displayed", "frame.offset_shift"];

impl Detail {
    /// Takes apart a tracked packet.
    pub fn new(frame: &Frame<'_>, packet: &Packet<'_>) -> Self {
        let frame_fields = collect(|sink| {
            let mut sink = |field: Field<'_>| {
                if field.name.starts_with("frame.") && !NOT_IN_THE_UI.contains(&field.name) {
                    sink(field);
                }
            };
            packet.fields_with_prefixes(frame, &mut sink, &|prefix| prefix == "frame");
        });
        let layer_fields: Vec<Vec<Collected>> =
            packet.layers.iter().map(|layer| collect(|mut sink| layer.fields(&mut sink))).collect();

        let mut nodes = Vec::new();
        for osi in OsiLayer::ALL.into_iter().rev() {
            let heading = nodes.len();
            for (layer, fields) in packet.layers.iter().zip(&layer_fields).rev() {
                let protocol = layer.protocol();
                let here: Vec<&Collected> =
                    fields.iter().filter(|field| osi::field_layer(field.name, protocol) == osi).collect();
                let primary = layer.osi() == osi;
                if !primary && here.is_empty() {
                    continue;
                }
                let mut text = match (primary, osi::role(protocol, osi)) {
                    (true, _) => layer.summary_string(),
                    (false, Some(role)) => role.to_owned(),
                    (false, None) => format!("{} on {}", protocol.column_name(), osi.name()),
                };
                if let Some(by) = layer.quoted_by {
                    text = format!("quoted by {}: {text}", by.column_name());
                }
                let bytes = primary.then(|| (layer.source, layer.offset..layer.offset + layer.len()));
                nodes.push(Node { kind: NodeKind::Layer, osi, text, bytes, field: None });
                nodes.extend(here.into_iter().map(|field| field_node(field, osi)));
            }
            if osi == OsiLayer::Physical {
                let text = format!(
                    "Frame {}: {} bytes on the wire, {} captured",
                    frame.number,
                    frame.orig_len,
                    frame.data.len()
                );
                nodes.push(Node {
                    kind: NodeKind::Layer,
                    osi,
                    text,
                    bytes: Some((Source::Frame, 0..frame.data.len())),
                    field: None,
                });
                nodes.extend(frame_fields.iter().map(|field| field_node(field, osi)));
            }
            if nodes.len() > heading {
                let text = format!("{osi} · {}", osi.explanation());
                nodes.insert(heading, Node { kind: NodeKind::Osi, osi, text, bytes: None, field: None });
            }
        }

        let mut buffers = vec![Buffer { source: Source::Frame, bytes: frame.data.to_vec() }];
        let others = [
            (Source::Reassembled, packet.reassembled.unwrap_or(&[])),
            (Source::Stream, packet.stream),
            (Source::Decrypted, packet.decrypted),
        ];
        for (source, bytes) in others {
            if !bytes.is_empty() {
                buffers.push(Buffer { source, bytes: bytes.to_vec() });
            }
        }
        let problems = packet.problems.iter().map(ToString::to_string).collect();
        Self { number: frame.number, nodes, buffers, problems }
    }

    /// The buffer a source's bytes are in; the frame's when the packet has no such bytes.
    pub fn buffer(&self, source: Source) -> &Buffer {
        self.buffers.iter().find(|buffer| buffer.source == source).unwrap_or(&self.buffers[0])
    }
}

fn field_node(field: &Collected, osi: OsiLayer) -> Node {
    let bytes = (!field.range.is_empty()).then(|| (field.source, field.range.clone()));
    Node { kind: NodeKind::Field, osi, text: field.text.clone(), bytes, field: Some(field.field.clone()) }
}

/// Tests look nodes up by their text.
#[cfg(test)]
impl Detail {
    pub fn find(&self, starts: &str) -> Option<&Node> {
        self.nodes.iter().find(|node| node.text.starts_with(starts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::LinkType;
    use crate::dissect::dissect;

    /// Ethernet, IPv4 and TCP: a SYN from 10.0.0.1:40000 to 10.0.0.2:443, no options.
    const SYN: [u8; 54] = [
        0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00, // Ethernet: dst, src, IPv4
        0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, // IPv4: length 40, DF, TTL 64, TCP
        10, 0, 0, 1, 10, 0, 0, 2, // addresses
        0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, // TCP: ports, seq 1, ack 0
        0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0, // data offset 5, SYN, window, checksum, urgent
    ];

    #[test]
    fn layers_run_from_l7_down_to_l1_with_their_bytes() {
        let frame = Frame {
            number: 7,
            ts_ns: 0,
            linktype: LinkType::Ethernet,
            interface: None,
            orig_len: 54,
            data: &SYN,
        };
        let detail = Detail::new(&frame, &dissect(&frame));
        let headings: Vec<OsiLayer> =
            detail.nodes.iter().filter(|node| node.kind == NodeKind::Osi).map(|node| node.osi).collect();
        // Stateless dissection has no stream number, so TCP plays no session part here.
        assert_eq!(
            headings,
            [OsiLayer::Transport, OsiLayer::Network, OsiLayer::DataLink, OsiLayer::Physical]
        );
        let port = detail.find("tcp.dstport = 443").expect("the destination port");
        assert_eq!(port.bytes, Some((Source::Frame, 36..38)));
        let ttl = detail.find("ip.ttl = 64").expect("the TTL");
        assert_eq!((ttl.osi, ttl.bytes.clone()), (OsiLayer::Network, Some((Source::Frame, 22..23))));
        let frame_node = detail.find("Frame 7: 54 bytes").expect("the frame");
        assert_eq!(frame_node.osi, OsiLayer::Physical);
        assert!(detail.find("frame.len = 54").is_some());
        assert!(detail.find("frame.time = Jan  1, 1970 00:00:00.000000000 UTC").is_some());
        // tshark's marks and display deltas are not the UI's.
        assert!(detail.find("frame.marked").is_none() && detail.find("frame.time_delta_displayed").is_none());
        // Coded values carry their names, as tshark's shownames do.
        assert!(detail.find("ip.proto = TCP (6)").is_some());
        assert!(detail.find("tcp.flags = 0x002 (SYN)").is_some());
        assert_eq!(detail.buffers.len(), 1);
        assert_eq!(detail.buffer(Source::Decrypted).source, Source::Frame);
    }

    #[test]
    fn long_values_are_cut_with_an_ellipsis() {
        let fields = collect(|sink| {
            let long = vec![0xab; 300];
            sink(Field {
                name: "data.data",
                value: crate::dissect::field::Value::Bytes(&long),
                range: 0..300,
                source: Source::Frame,
            });
        });
        assert_eq!(fields[0].text.chars().count(), "data.data = ".len() + VALUE_CHARS + 1);
        assert!(fields[0].text.ends_with('…'));
    }
}
