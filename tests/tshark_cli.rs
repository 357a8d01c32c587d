//! tshark's command line run through tshark and through `rttscope` (no subcommand, tshark's
//! flags) on the interop captures, and compared: identical for `-T fields` with `-E`, `-x`, and
//! `-z`; the same Time column for every `-t`; structurally equal for `-T json` and `-T ek`
//! (the same layers, and for every field rttscope writes the same name and values); and for
//! `-V`, each layer's title line, the `Label: value` lines of fields whose values both print
//! alike, and named values and TLS subtree titles whole, at tshark's depth in the tree.
//!
//! Not compared, and why: fields tshark nests under subtrees rttscope does not keep are
//! compared by name wherever they sit; HTTP/2 (tshark makes a layer of every frame, rttscope one of every record);
//! QUIC (tshark nests its TLS and frames in subtrees with names of their own); `-x` of
//! decrypted or decompressed bytes (tshark shows every TLS record and HPACK block as a source).

mod common;

use std::collections::HashMap;
use std::fmt;
use std::process::Command;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A capture of the interop set, with its key log when it has one.
fn capture(name: &str) -> (String, Option<String>) {
    let path = common::root().join("fixtures/interop").join(name);
    let keys = path.with_extension("keys");
    (path.display().to_string(), keys.exists().then(|| keys.display().to_string()))
}

/// The full command line after the program's name: `-r FILE`, the key log as tshark takes it,
/// then `args`.
fn command_line(name: &str, args: &[&str]) -> Vec<String> {
    let (path, keys) = capture(name);
    let mut line = vec!["-r".to_owned(), path];
    if let Some(keys) = keys {
        line.extend(["-o".to_owned(), format!("tls.keylog_file:{keys}")]);
    }
    line.extend(args.iter().map(|arg| (*arg).to_owned()));
    line
}

fn run(program: &str, args: &[String]) -> String {
    let mut command = Command::new(program);
    if program == "tshark" {
        command.arg("-n");
    }
    let output = command.args(args).output().expect("the program runs");
    assert!(
        output.status.success(),
        "{program} {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Both programs' output for the same command line.
fn both(name: &str, args: &[&str]) -> (String, String) {
    let line = command_line(name, args);
    (run(env!("CARGO_BIN_EXE_rttscope"), &line), run("tshark", &line))
}

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
    ("tls12-openssl.pcap", &["-q", "-z", "io,phs", "-z", "conv,tcp"]),
    ("tls13-openssl.pcap", &["-q", "-z", "conv,tcp"]),
    // Statistics count every packet read, whatever -Y shows, and follow the packets.
    ("lo-tcp-socat.pcap", &["-Y", "tcp.len > 0", "-T", "fields", "-e", "frame.number", "-z", "conv,tcp"]),
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

/// Compares one packet's layers: the same names in order, and for every field rttscope writes
/// the same values tshark writes under the same layer (a presence-only field may be a
/// subtree in tshark's). `name_of` turns a field's name into the key the format gives it.
fn compare_layers(ours: &Node, theirs: &Node, what: &str, differences: &mut Vec<String>) {
    compare_layers_as(ours, theirs, what, differences, false);
}

/// As [`compare_layers`]; `any_order` compares each field's values as a set (ek merges a key
/// met in several subtrees in an order of its own).
fn compare_layers_as(ours: &Node, theirs: &Node, what: &str, differences: &mut Vec<String>, any_order: bool) {
    let (ours, theirs) = (layers(ours), layers(theirs));
    let names = |list: &[(String, Node)]| list.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>();
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
            let mut theirs = their_values.get(&field).cloned().unwrap_or_default();
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

/// Captures whose every layer rttscope also shows as tshark does.
const STRUCTURED: &[&str] = &[
    "lo-udp-icmp.pcap",
    "lo-tcp-socat.pcap",
    "tcp-fastopen.pcap",
    "tcp-loss-sack.pcap",
    "cooked-sll.pcap",
    "cooked-sll2.pcap",
    "multi-if.pcapng",
    "lo-http.pcap",
    "tls12-openssl.pcap",
    "tls13-openssl.pcap",
    "vxlan-tls13.pcap",
];

#[test]
#[ignore = "needs tshark"]
fn json_has_tsharks_layers_names_and_values() {
    let mut differences = Vec::new();
    for name in STRUCTURED {
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
    assert!(differences.is_empty(), "{}", differences[..differences.len().min(40)].join("\n"));
}

#[test]
#[ignore = "needs tshark"]
fn ek_has_tsharks_index_lines_layers_names_and_values() {
    let mut differences = Vec::new();
    for name in STRUCTURED {
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
    assert!(differences.is_empty(), "{}", differences[..differences.len().min(40)].join("\n"));
}

/// Fields whose tree line reads the same in both: plain numbers, addresses and text.
const TREE_FIELDS: &[&str] = &[
    "Frame Number",
    "Epoch Time",
    "Frame Length",
    "Capture Length",
    "[Protocols in frame",
    "[Time since reference or first frame",
    "Destination",
    "Source",
    "Total Length",
    "Time to Live",
    "Source Address",
    "Destination Address",
    "Source Port",
    "Destination Port",
    "[Stream index",
    "Hop Limit",
    "Payload Length",
    "Window",
    "Sequence Number (raw)",
    "Acknowledgment number (raw)",
];

/// Labels of `-V` lines compared whole, indentation included, when rttscope names the value
/// (the line ends in `)`: `Protocol: TCP (6)`, `Cipher Suite: TLS_AES_128_GCM_SHA256 (0x1301)`),
/// so both the name and the depth in the tree must be tshark's.
const NAMED_FIELDS: &[&str] = &[
    "Type",
    "Code",
    "Protocol",
    "Next Header",
    "Flags",
    "Content Type",
    "Version",
    "Handshake Type",
    "Cipher Suite",
    "Compression Method",
    "Supported Group",
    "EC point format",
    "Supported Version",
];

/// Subtree titles rttscope writes as tshark does, compared whole with their indentation: TLS
/// record titles with the version tshark names (`TLSv1.3 Record Layer: Handshake Protocol:
/// Multiple Handshake Messages`, the ClientHello's `TLSv1`), and the subtrees inside extensions
/// and messages (`Server Name Indication extension`, `Key Share Entry: Group: x25519, Key
/// Exchange length: 32`, `ALPN Protocol`, `TLS Session Ticket`), TCP's options and analysis
/// (`Options: (20 bytes), Maximum segment size, …`, `TCP Option - Timestamps: TSval 1, TSecr
/// 0`, `[SEQ/ACK analysis]`, `[Timestamps]`) and IPv4's DS field. Every field drawn as bits
/// (`.... ...1 .... = Acknowledgment: Set`) is compared whole too. Not compared: the fields
/// under subtrees rttscope does not keep (each signature algorithm's hash and signature, a
/// certificate's X.509 parts, the expert info under TCP's analysis flags, IPv6's extension
/// headers). QUIC and HTTP/2 frames are compared in tests of their own.
const NESTED_TITLES: &[&str] = &[
    "TLSv1 Record Layer: ",
    "TLSv1.1 Record Layer: ",
    "TLSv1.2 Record Layer: ",
    "TLSv1.3 Record Layer: ",
    "TLS Record Layer: ",
    "Handshake Protocol: ",
    "Extension: ",
    "Cipher Suites (",
    "Compression Methods (",
    "Supported Groups (",
    "Elliptic curves point formats (",
    "Server Name Indication extension",
    "Key Share extension",
    "Key Share Entry: ",
    "ALPN Protocol",
    "Signature Hash Algorithms (",
    "Differentiated Services Field: ",
    "Options: (",
    "TCP Option - ",
    "[SEQ/ACK analysis]",
    "[Timestamps]",
    "STREAM id=",
    "PADDING Length: ",
    "CONNECTION_CLOSE (",
    "ACK",
    "CRYPTO",
    "PING",
    "NEW_CONNECTION_ID",
    "NEW_TOKEN",
    "HANDSHAKE_DONE",
    "MAX_DATA",
    "MAX_STREAM_DATA",
    "MAX_STREAMS",
    "RETIRE_CONNECTION_ID",
    "DATAGRAM",
];

/// Labels of `-V` lines compared whole, indentation included, whatever their value: the fields
/// inside the subtrees of an extension, so each sits at tshark's depth.
const PLACED_FIELDS: &[&str] = &[
    "Server Name list length",
    "Server Name Type",
    "Server Name length",
    "Server Name",
    "Client Key Share Length",
    "Group",
    "Key Exchange Length",
    "Key Exchange",
    "Selected Group",
    "ALPN Extension Length",
    "ALPN string length",
    "ALPN Next Protocol",
    "Signature Hash Algorithms Length",
    "Signature Algorithm",
    "Supported Versions length",
    "Address",
    "Identification",
    "Kind",
    "MSS Value",
    "Timestamp value",
    "Timestamp echo reply",
    "Shift count",
    "[Multiplier",
    "Fast Open Cookie",
    "left edge",
    "right edge",
    "[TCP SACK Count",
    "[TCP Flags",
    "[This is an ACK to the segment in frame",
    "[The RTT to ACK the segment was",
    "[iRTT",
    "[Bytes in flight",
    "[Bytes sent since last PSH flag",
    "[Time since first frame in this TCP stream",
    "[Time since previous frame in this TCP stream",
];

#[test]
#[ignore = "needs tshark"]
fn the_tree_titles_each_layer_and_labels_fields_as_tshark() {
    let mut differences = Vec::new();
    let mut compared = 0;
    let mut nested = 0;
    for name in STRUCTURED {
        let (ours, theirs) = both(name, &["-V"]);
        // A packet's tree starts at its `Frame N:` line.
        let packets = |text: &str| -> Vec<Vec<String>> {
            let mut packets: Vec<Vec<String>> = Vec::new();
            for line in text.lines().filter(|line| !line.is_empty()) {
                match packets.last_mut() {
                    Some(packet) if !line.starts_with("Frame ") => packet.push(line.to_owned()),
                    _ => packets.push(vec![line.to_owned()]),
                }
            }
            packets
        };
        let (ours, theirs) = (packets(&ours), packets(&theirs));
        assert_eq!(ours.len(), theirs.len(), "{name}: packets");
        for (index, (our, their)) in ours.iter().zip(&theirs).enumerate() {
            let titles = |lines: &[String]| -> Vec<String> {
                lines.iter().filter(|line| !line.starts_with(' ')).cloned().collect()
            };
            // Every title rttscope writes is one of tshark's (which may have more layers).
            let their_titles = titles(their);
            for title in titles(our) {
                if !their_titles.contains(&title)
                    && !title.starts_with("Line-based text data")
                    && !title.starts_with("Data (")
                {
                    differences.push(format!(
                        "{name} packet {}: title {title:?} not in {their_titles:?}",
                        index + 1
                    ));
                }
            }
            // Named values and subtree titles: the whole line, at tshark's depth.
            for line in our.iter().filter(|line| line.starts_with(' ')) {
                let trimmed = line.trim_start();
                let named = trimmed.ends_with(')')
                    && NAMED_FIELDS.iter().any(|label| trimmed.starts_with(&format!("{label}: ")));
                let placed = PLACED_FIELDS.iter().any(|label| {
                    [": ", " = "].iter().any(|then| trimmed.starts_with(&format!("{label}{then}")))
                });
                // A field drawn as bits (`.... ...1 .... = Acknowledgment: Set`).
                let bits = trimmed
                    .split_once(" = ")
                    .is_some_and(|(bits, _)| bits.chars().all(|c| matches!(c, '0' | '1' | '.' | ' ')));
                if named || placed || bits || NESTED_TITLES.iter().any(|title| trimmed.starts_with(title)) {
                    nested += 1;
                    if !their.contains(line) {
                        differences
                            .push(format!("{name} packet {}: {line:?} not in tshark's tree", index + 1));
                    }
                }
            }
            let their_lines: Vec<&str> = their.iter().map(|line| line.trim()).collect();
            for line in our.iter().filter(|line| line.starts_with(' ')).map(|line| line.trim()) {
                if TREE_FIELDS.iter().any(|label| line.starts_with(&format!("{label}:"))) {
                    compared += 1;
                    if !their_lines.contains(&line) {
                        differences
                            .push(format!("{name} packet {}: {line:?} not in tshark's tree", index + 1));
                    }
                }
            }
        }
    }
    assert!(compared > 1000, "only {compared} field lines compared");
    eprintln!("-V: {compared} field lines and {nested} named or nested lines compared");
    assert!(nested > 500, "only {nested} named or nested lines compared");
    assert!(differences.is_empty(), "{}", differences[..differences.len().min(40)].join("\n"));
}

/// The QUIC captures, whose frames the tree titles as tshark does.
const QUIC: &[&str] = &[
    "quic-h3-aioquic.pcap",
    "quic-0rtt-aioquic.pcap",
    "quic-chrome-aioquic.pcap",
    "quic-loss-aioquic.pcap",
    "quic-mtu-aioquic.pcap",
    "quic-retry-aioquic.pcap",
    "quic-v2-aioquic.pcap",
    "quic-vn-aioquic.pcap",
];

/// How many packets of [`QUIC`] tshark 4.0 cannot decrypt where rttscope does (after a Retry
/// or a Version Negotiation it finds no secrets and shows a `Remaining Payload`; a forced
/// Version Negotiation's Initial fails its check): their frames are not compared.
const QUIC_UNDECRYPTED_BY_TSHARK: usize = 23;

/// Compares, packet by packet, the lines inside the layers titled `layer` that are subtree
/// titles (`titles`) or fields drawn as bits, whole and at tshark's depth; a packet whose
/// tshark tree has a line `skip` accepts is counted and not compared. Returns the lines
/// compared, the packets skipped and the differences.
fn compare_layer_trees(
    captures: &[&str],
    layer: &str,
    titles: &[&str],
    skip: &dyn Fn(&str) -> bool,
) -> (usize, usize, Vec<String>) {
    let (mut compared, mut skipped, mut differences) = (0, 0, Vec::new());
    for name in captures {
        let (ours, theirs) = both(name, &["-V"]);
        // Each packet's lines inside its layers titled `layer`.
        let layer_lines = |text: &str| -> Vec<Vec<String>> {
            let (mut packets, mut inside): (Vec<Vec<String>>, bool) = (Vec::new(), false);
            for line in text.lines().filter(|line| !line.is_empty()) {
                if line.starts_with("Frame ") {
                    packets.push(Vec::new());
                    inside = false;
                } else if !line.starts_with(' ') {
                    inside = line.starts_with(layer);
                } else if let (true, Some(packet)) = (inside, packets.last_mut()) {
                    packet.push(line.to_owned());
                }
            }
            packets
        };
        let (ours, theirs) = (layer_lines(&ours), layer_lines(&theirs));
        assert_eq!(ours.len(), theirs.len(), "{name}: packets");
        for (index, (our, their)) in ours.iter().zip(&theirs).enumerate() {
            if their.iter().any(|line| skip(line)) {
                skipped += 1;
                continue;
            }
            for line in our {
                let trimmed = line.trim_start();
                let title = titles.iter().any(|title| trimmed.starts_with(title));
                let bits = trimmed
                    .split_once(" = ")
                    .is_some_and(|(bits, _)| bits.chars().all(|c| matches!(c, '0' | '1' | '.' | ' ')));
                if title || bits {
                    compared += 1;
                    if !their.contains(line) {
                        differences
                            .push(format!("{name} packet {}: {line:?} not in tshark's tree", index + 1));
                    }
                }
            }
        }
    }
    (compared, skipped, differences)
}

#[test]
#[ignore = "needs tshark"]
fn quic_frames_are_titled_and_drawn_as_tsharks() {
    let undecrypted = |line: &str| {
        line.contains("Decryption failed") || line.trim_start().starts_with("Remaining Payload:")
    };
    let (compared, skipped, differences) =
        compare_layer_trees(QUIC, "QUIC IETF", NESTED_TITLES, &undecrypted);
    eprintln!(
        "-V QUIC: {compared} frame titles and bit lines compared, {skipped} packets tshark cannot decrypt"
    );
    assert!(compared > 500, "only {compared} QUIC lines compared");
    assert_eq!(skipped, QUIC_UNDECRYPTED_BY_TSHARK, "packets tshark cannot decrypt");
    assert!(differences.is_empty(), "{}", differences[..differences.len().min(40)].join("\n"));
}

#[test]
#[ignore = "needs tshark"]
fn http2_frames_headers_and_settings_are_titled_and_drawn_as_tsharks() {
    let titles = ["Stream: ", "Header: ", "Settings - ", "Magic: "];
    let (compared, _, differences) =
        compare_layer_trees(&["h2-tls.pcap", "h2c.pcap"], "HyperText Transfer Protocol 2", &titles, &|_| {
            false
        });
    eprintln!("-V HTTP/2: {compared} frame, header and setting titles and bit lines compared");
    assert!(compared > 300, "only {compared} HTTP/2 lines compared");
    assert!(differences.is_empty(), "{}", differences[..differences.len().min(40)].join("\n"));
}
