//! tshark's command line run through tshark and through `rttscope` (no subcommand, tshark's
//! flags) on the interop captures, and compared: identical for `-T fields` with `-E`, `-x`, and
//! `-z`; the same Time column for every `-t`; structurally equal for `-T json` and `-T ek`
//! (the same layers, and for every field rttscope writes the same name and values). The `-V`
//! tree is compared in `tshark_tree.rs`.
//!
//! QUIC is compared in json and ek as tshark writes it: a layer of every coalesced QUIC packet
//! and of the padding after them, the TLS of a CRYPTO frame inside its packet's layer; not in
//! the captures tshark 4.0 cannot follow (after a Retry or a Version Negotiation), and not the
//! HTTP/3 of 0-RTT packets, which tshark 4.0 does not read (both named in
//! `tests/common/tshark.rs`). Not compared, and why: `-x` of decrypted or decompressed bytes
//! (tshark shows every TLS record and HPACK block as a source). HTTP/2 over TLS and h2c are compared in json
//! and ek: a layer of every frame, the body a frame ends nested in it, and no `http` layer
//! before an upgraded connection's HTTP/2 (tshark lists `http` in `frame.protocols` only), as
//! tshark writes them.

use crate::common;
use std::collections::HashMap;
use std::fmt;

use crate::tshark_line::{STRUCTURED, both};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Command lines whose output must be byte for byte tshark's.
const IDENTICAL: &[(&str, &[&str])] = &[
    (
        "lo-tcp-socat.pcap",
        &["-Y", "tcp.len > 0", "-T", "fields", "-e", "frame.number", "-e", "ip.src", "-e", "ipv6.src"],
    ),
    (
        "lo-tcp-socat.pcap",
        &[
            "-Y",
            "tcp",
            "-T",
            "fields",
            "-e",
            "tcp.srcport",
            "-e",
            "tcp.seq",
            "-e",
            "tcp.len",
            "-e",
            "tcp.options.mss_val",
            "-E",
            "header=y",
        ],
    ),
    (
        "tls12-openssl.pcap",
        &[
            "-Y",
            "http",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "http.request.method",
            "-e",
            "http.response.code",
            "-E",
            "header=y",
            "-E",
            "separator=,",
            "-E",
            "quote=d",
        ],
    ),
    (
        "lo-udp-icmp.pcap",
        &["-T", "fields", "-e", "frame.number", "-e", "ip.addr", "-E", "occurrence=f", "-E", "separator=/s"],
    ),
    (
        "lo-tcp-socat.pcap",
        &["-c", "3", "-T", "fields", "-e", "tcp.option_kind", "-E", "occurrence=l", "-E", "quote=s"],
    ),
    ("lo-tcp-socat.pcap", &["-c", "3", "-T", "fields", "-e", "tcp.option_kind", "-E", "aggregator=/s"]),
    ("lo-udp-icmp.pcap", &["-x"]),
    ("multi-if.pcapng", &["-x"]),
    ("tcp-fastopen.pcap", &["-x"]),
    ("cooked-sll2.pcap", &["-x", "-c", "5"]),
    ("lo-tcp-socat.pcap", &["-q", "-z", "conv,tcp"]),
    ("tcp-loss-sack.pcap", &["-q", "-z", "conv,tcp", "-z", "io,phs"]),
    ("lo-udp-icmp.pcap", &["-q", "-z", "io,phs"]),
    // The hierarchy follows tshark's tree: an echo's payload and a quoted echo's are inside
    // ICMP.
    ("routed-icmp.pcap", &["-q", "-z", "io,phs"]),
    ("tls12-openssl.pcap", &["-q", "-z", "io,phs", "-z", "conv,tcp"]),
    ("tls13-openssl.pcap", &["-q", "-z", "conv,tcp"]),
    // tshark's tree has an HTTP/2 item a frame, and each gRPC message (and its Protocol
    // Buffers) right after the DATA frame that carried it; the hierarchy nests them so.
    // (grpc-tls.pcap's also lists tshark's `tcp.segments`, which rttscope's does not.)
    ("grpc.pcap", &["-q", "-z", "io,phs"]),
    ("grpc.pcapng", &["-q", "-z", "io,phs"]),
    // Statistics count every packet read, whatever -Y shows, and follow the packets.
    ("lo-tcp-socat.pcap", &["-Y", "tcp.len > 0", "-T", "fields", "-e", "frame.number", "-z", "conv,tcp"]),
    // With -e, json and ek hold only the fields named, each an array of its occurrences, a
    // field the packet lacks left out (a packet with none is `"layers": {}`); a protocol is
    // one occurrence a tree item (an HTTP/2 frame each).
    (
        "h2c.pcap",
        &["-T", "json", "-e", "frame.number", "-e", "http2.header.name", "-e", "http2", "-e", "tcp.flags"],
    ),
    ("h2c.pcap", &["-T", "ek", "-e", "ip.src", "-e", "http2.header.name", "-e", "tcp.flags.syn"]),
    ("h2c.pcap", &["-T", "json", "-E", "occurrence=l", "-e", "http2.header.name"]),
    (
        "h2-encoded-tls.pcap",
        &["-T", "json", "-e", "http2.body.fragment", "-e", "http2.body.reassembled.length"],
    ),
    ("h2c.pcap", &["-T", "fields", "-e", "http2", "-e", "frame.number"]),
    // Names frame.protocols lists with no item in the tree: taken, printed empty, matching
    // no packet (a certificate's x509sat, as the ethertype of every Ethernet frame).
    (
        "tls12-dhe-openssl.pcap",
        &[
            "-Y",
            "tls || x509sat || ethertype",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "x509sat",
            "-e",
            "ethertype",
        ],
    ),
    (
        "tls12-dhe-openssl.pcap",
        &["-Y", "x509ce || pkcs-1 || llc || tcp.flags.syn == 1", "-T", "fields", "-e", "frame.number"],
    ),
];

#[test]
#[ignore = "needs tshark"]
fn fields_hex_and_statistics_are_tsharks_byte_for_byte() {
    let mut differences = Vec::new();
    for (name, args) in IDENTICAL {
        let (ours, theirs) = both(name, args);
        assert!(!theirs.is_empty(), "tshark printed nothing for {name} {args:?}");
        if ours != theirs {
            differences
                .push(format!("{name} {}:\n--- rttscope\n{ours}\n--- tshark\n{theirs}", args.join(" ")));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
#[ignore = "needs tshark"]
fn every_time_format_writes_tsharks_time_column() {
    // A nanosecond pcapng and a microsecond pcap: the digits follow the capture.
    for name in ["multi-if.pcapng", "lo-udp-icmp.pcap"] {
        for format in ["r", "a", "ad", "adoy", "d", "dd", "e", "u", "ud", "udoy"] {
            // -Y leaves packets out, so `dd` (since the packet shown before) differs from `d`.
            let (ours, theirs) = both(name, &["-t", format, "-Y", "frame.number != 2"]);
            let words = if ["ad", "adoy", "ud", "udoy"].contains(&format) { 3 } else { 2 };
            let column = |text: &str| -> Vec<String> {
                text.lines()
                    .map(|line| line.split_whitespace().take(words).collect::<Vec<_>>().join(" "))
                    .collect()
            };
            assert_eq!(column(&ours), column(&theirs), "{name} -t {format}");
            assert!(!theirs.is_empty());
        }
    }
}

/// A JSON value with every key kept in order, duplicates included, as tshark writes them.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Scalar(String),
    List(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NodeVisitor;
        impl<'de> Visitor<'de> for NodeVisitor {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Node, E> {
                Ok(Node::Scalar(value.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, value: bool) -> Result<Node, E> {
                Ok(Node::Scalar(value.to_string()))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Node, E> {
                Ok(Node::Scalar(value.to_string()))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Node, E> {
                Ok(Node::Scalar(value.to_string()))
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Node, E> {
                Ok(Node::Scalar(value.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Scalar("null".to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Node::Object(entries))
            }
        }
        deserializer.deserialize_any(NodeVisitor)
    }
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Object(entries) => entries.iter().find(|(name, _)| name == key).map(|(_, node)| node),
            _ => None,
        }
    }

    /// Every scalar under this node by key, wherever it is nested, and the keys of subtrees.
    fn flatten(&self, key: &str, values: &mut HashMap<String, Vec<String>>, subtrees: &mut Vec<String>) {
        match self {
            Node::Scalar(value) => values.entry(key.to_owned()).or_default().push(value.clone()),
            Node::List(items) => items.iter().for_each(|item| item.flatten(key, values, subtrees)),
            Node::Object(entries) => {
                subtrees.push(key.to_owned());
                entries.iter().for_each(|(name, node)| node.flatten(name, values, subtrees));
            }
        }
    }
}

/// A packet's layers in order, a layer met twice (an array in rttscope's) listed twice. ek
/// writes the fields of a TCP reassembly among the layers: they are gathered into a layer
/// `tcp.segments`, as json has it.
fn layers(layers: &Node) -> Vec<(String, Node)> {
    let Node::Object(entries) = layers else { panic!("layers is an object: {layers:?}") };
    let mut list: Vec<(String, Node)> = Vec::new();
    for (name, node) in entries {
        let is_layer = |node: &Node| match node {
            Node::Object(_) => true,
            Node::List(items) => items.iter().all(|item| matches!(item, Node::Object(_))),
            Node::Scalar(_) => false,
        };
        // A layer tshark writes as text (`"raw": "Raw packet data"`) is a layer all the same.
        if !is_layer(node) && name.starts_with("tcp_") {
            match list.last_mut() {
                Some((last, Node::Object(fields))) if last == "tcp.segments" => {
                    fields.push((name.clone(), node.clone()))
                }
                _ => list.push(("tcp.segments".to_owned(), Node::Object(vec![(name.clone(), node.clone())]))),
            }
            continue;
        }
        match node {
            Node::List(objects) => list.extend(objects.iter().map(|object| (name.clone(), object.clone()))),
            object => list.push((name.clone(), object.clone())),
        }
    }
    list
}

/// Captures compared in json and ek beside [`STRUCTURED`]: an HTTP/1.1 connection upgraded to
/// HTTP/2, whose upgraded segments carry no `http` layer.
const JSON_ALSO: &[&str] = &[
    "h2c.pcap",
    "quic-h3-aioquic.pcap",
    "quic-0rtt-aioquic.pcap",
    "quic-loss-aioquic.pcap",
    "quic-mtu-aioquic.pcap",
    "quic-v2-aioquic.pcap",
    "quic-chrome-aioquic.pcap",
];

/// Compares one packet's layers: the same names in order, and for every field rttscope writes
/// the same values tshark writes under the same layer (a presence-only field may be a
/// subtree in tshark's). `name_of` turns a field's name into the key the format gives it.
fn compare_layers(ours: &Node, theirs: &Node, what: &str, differences: &mut Vec<String>) {
    compare_layers_as(ours, theirs, what, differences, false);
}

/// As [`compare_layers`]; `any_order` compares each field's values as a set (ek merges a key
/// met in several subtrees in an order of its own).
fn compare_layers_as(ours: &Node, theirs: &Node, what: &str, differences: &mut Vec<String>, any_order: bool) {
    let (mut ours, theirs) = (layers(ours), layers(theirs));
    let names = |list: &[(String, Node)]| list.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>();
    // tshark 4.0 does not hand 0-RTT STREAM data to HTTP/3 (tests/common/tshark.rs): in a
    // datagram with a 0-RTT packet, rttscope's extra HTTP/3 layers are left out.
    let zero_rtt = theirs.iter().any(|(name, layer)| {
        let (mut values, mut subtrees) = (HashMap::new(), Vec::new());
        layer.flatten(name, &mut values, &mut subtrees);
        let key = if any_order { "quic_quic_long_packet_type" } else { "quic.long.packet_type" };
        name == "quic" && values.get(key).is_some_and(|types| types.iter().any(|kind| kind == "1"))
    });
    if zero_rtt && names(&ours) != names(&theirs) {
        let http3 = |list: &[(String, Node)]| list.iter().filter(|(name, _)| name == "http3").count();
        let mut extra = http3(&ours).saturating_sub(http3(&theirs));
        ours.retain(|(name, _)| {
            let drop = name == "http3" && extra > 0;
            extra -= usize::from(drop);
            !drop
        });
    }
    if names(&ours) != names(&theirs) {
        differences.push(format!("{what}: layers {:?} against tshark's {:?}", names(&ours), names(&theirs)));
        return;
    }
    for ((name, our_layer), (_, their_layer)) in ours.iter().zip(&theirs) {
        let (mut our_values, mut their_values) = (HashMap::new(), HashMap::new());
        let (mut ignored, mut their_subtrees) = (Vec::new(), Vec::new());
        our_layer.flatten(name, &mut our_values, &mut ignored);
        their_layer.flatten(name, &mut their_values, &mut their_subtrees);
        for (field, mut values) in our_values {
            // Fields tshark 4.0 does not have: nothing to compare them with.
            if newer_than_tshark(&field) {
                continue;
            }
            let mut theirs = their_values.get(&field).cloned().unwrap_or_default();
            if zero_rtt && (field == "frame.protocols" || field == "frame_frame_protocols") {
                values = values.iter().map(|protocols| protocols.replace(":http3", "")).collect();
            }
            if any_order {
                values.sort();
                theirs.sort();
            }
            let presence = values.iter().all(|value| value.is_empty() || value == "null");
            if values == theirs || (presence && their_subtrees.contains(&field)) {
                continue;
            }
            differences.push(format!("{what}: {name} {field} {values:?} against tshark's {theirs:?}"));
        }
    }
}

/// Whether a json key or an ek key names a field tshark 4.0 does not have.
fn newer_than_tshark(key: &str) -> bool {
    let newer = common::tshark::newer_than_tshark_4_0;
    newer(key)
        || rttscope::registry::fields().any(|field| {
            let layer = field.name.split('.').next().unwrap_or_default();
            newer(field.name) && format!("{layer}_{}", field.name).replace('.', "_") == key
        })
}

#[test]
#[ignore = "needs tshark"]
fn json_has_tsharks_layers_names_and_values() {
    let mut differences = Vec::new();
    for name in STRUCTURED.iter().chain(JSON_ALSO) {
        let (ours, theirs) = both(name, &["-T", "json"]);
        let ours: Node = serde_json::from_str(&ours).expect("rttscope's -T json parses");
        let theirs: Node = serde_json::from_str(&theirs).expect("tshark's -T json parses");
        let (Node::List(ours), Node::List(theirs)) = (ours, theirs) else { panic!("{name}: not arrays") };
        assert_eq!(ours.len(), theirs.len(), "{name}: packets");
        for (index, (our, their)) in ours.iter().zip(&theirs).enumerate() {
            for key in ["_index", "_type", "_score"] {
                assert_eq!(our.get(key), their.get(key), "{name} packet {}: {key}", index + 1);
            }
            let path = |packet: &Node| packet.get("_source").and_then(|source| source.get("layers")).cloned();
            let (Some(our), Some(their)) = (path(our), path(their)) else { panic!("{name}: no layers") };
            compare_layers(&our, &their, &format!("{name} packet {}", index + 1), &mut differences);
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences[..differences.len().min(40)].join("\n")
    );
}

#[test]
#[ignore = "needs tshark"]
fn ek_has_tsharks_index_lines_layers_names_and_values() {
    let mut differences = Vec::new();
    for name in STRUCTURED.iter().chain(JSON_ALSO) {
        let (ours, theirs) = both(name, &["-T", "ek"]);
        let (ours, theirs): (Vec<&str>, Vec<&str>) = (ours.lines().collect(), theirs.lines().collect());
        assert_eq!(ours.len(), theirs.len(), "{name}: lines");
        for (index, (our, their)) in ours.iter().zip(&theirs).enumerate() {
            let our: Node = serde_json::from_str(our).expect("rttscope's ek line parses");
            let their: Node = serde_json::from_str(their).expect("tshark's ek line parses");
            if index % 2 == 0 {
                assert_eq!(our, their, "{name}: index line {}", index + 1);
                continue;
            }
            assert_eq!(our.get("timestamp"), their.get("timestamp"), "{name}: document {}", index / 2 + 1);
            let (Some(our), Some(their)) = (our.get("layers"), their.get("layers")) else {
                panic!("no layers")
            };
            compare_layers_as(
                our,
                their,
                &format!("{name} packet {}", index / 2 + 1),
                &mut differences,
                true,
            );
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences[..differences.len().min(40)].join("\n")
    );
}

/// Where `-e PROTO` differs from tshark's, and why: rttscope decodes what tshark 4.0 does not,
/// or tshark's item is another protocol's.
const PROTOCOL_COLUMN_DIFFERENCES: &[(&str, &str)] = &[
    // tshark 4.0 does not decode DTLS 1.3: its records are `data` there.
    ("dtls13-wolfssl.pcap", "dtls"),
    ("dtls13-wolfssl.pcap", "data"),
    ("dtls13.pcapng", "dtls"),
    ("dtls13.pcapng", "data"),
    // Nor HTTP/3 in 0-RTT packets.
    ("quic-0rtt-aioquic.pcap", "http3"),
    ("quic-0rtt.pcapng", "http3"),
    // A CRYPTO frame holding only a piece of a message: tshark draws a record for the piece
    // (`Certificate (fragment)`), rttscope shows the message once, complete.
    ("quic-chrome-aioquic.pcap", "tls"),
    ("quic-mtu-aioquic.pcap", "tls"),
    // tshark 4.0 loses the connection after a Retry or a Version Negotiation, and with it the
    // handshake.
    ("quic-retry-aioquic.pcap", "tls"),
    ("quic-vn-aioquic.pcap", "tls"),
    // tshark's item is SRTCP's (`-e srtcp`), and it leaves SRTP as data; rttscope decodes the
    // RTP header (RFC 7983).
    ("webrtc-aiortc.pcap", "rtcp"),
    ("webrtc-aiortc.pcap", "data"),
    // An HTML body tshark hands to its XML dissector.
    ("proxy-refused.pcap", "data-text-lines"),
];

#[test]
#[ignore = "needs tshark"]
fn every_protocol_column_prints_what_tshark_prints() {
    let root = crate::common::root();
    let mut names: Vec<String> = std::fs::read_dir(root.join("fixtures/interop"))
        .expect("interop captures")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".pcap") || name.ends_with(".pcapng"))
        .collect();
    names.sort();
    // The course's captures but the one holding them all, whose differences are theirs.
    names.extend(
        ["tls13-0rtt.pcapng", "quic-0rtt.pcapng", "dtls13.pcapng", "ws.pcapng", "grpc.pcapng"]
            .map(String::from),
    );
    let (mut differences, mut compared) = (Vec::new(), 0);
    for name in &names {
        let line = crate::tshark_line::command_line(name, &["-T", "fields", "-e", "frame.protocols"]);
        let listed = crate::tshark_line::run("tshark", &line);
        let mut protocols: Vec<&str> = listed.lines().flat_map(|line| line.split(':')).collect();
        protocols.sort_unstable();
        protocols.dedup();
        protocols.retain(|protocol| {
            rttscope::registry::lookup(protocol).is_some()
                && !PROTOCOL_COLUMN_DIFFERENCES.contains(&(name.as_str(), *protocol))
        });
        let mut args = vec!["-T", "fields", "-e", "frame"];
        for protocol in &protocols {
            args.extend(["-e", protocol]);
        }
        let (ours, theirs) = crate::tshark_line::both(name, &args);
        assert_eq!(ours.lines().count(), theirs.lines().count(), "{name}: packets");
        for (row, (ours, theirs)) in ours.lines().zip(theirs.lines()).enumerate() {
            let columns = ["frame"].iter().chain(&protocols);
            for (protocol, (ours, theirs)) in columns.zip(ours.split('\t').zip(theirs.split('\t'))) {
                compared += usize::from(!theirs.is_empty());
                if ours != theirs {
                    differences
                        .push(format!("{name} frame {} -e {protocol}:\n  {ours}\n  {theirs}", row + 1));
                }
            }
        }
    }
    assert!(compared > 5_000, "only {compared} protocol values compared");
    assert!(differences.is_empty(), "{} differences:\n{}", differences.len(), differences.join("\n"));
}
