//! qlog two ways: `rttscope timeline --format sqlog|qlog` on captures, checked for shape, and
//! the QUIC generators' own qlog (quinn's) set against rttscope's qlog of the capture the demo
//! recorded of the same run: each packet the client logged as sent is one rttscope saw go from
//! client to server, with the same type and number, and the same for the server.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{rttscope, stderr, stdout};
use serde_json::Value;

/// The records of a JSON-SEQ text: each starts with RS (0x1E) and is one JSON text.
fn records(text: &[u8]) -> Vec<Value> {
    assert_eq!(text.first(), Some(&0x1e), "the first record starts with RS");
    text.split(|byte| *byte == 0x1e)
        .skip(1)
        .map(|record| serde_json::from_slice(record).unwrap_or_else(|error| panic!("{error}: {record:?}")))
        .collect()
}

/// How many times each (packet type, packet number) was logged under `name`.
type Packets = BTreeMap<(String, u64), usize>;

fn packets(events: &[Value], name: &str) -> Packets {
    let mut packets = Packets::new();
    for event in events.iter().filter(|event| event["name"] == name) {
        let header = &event["data"]["header"];
        let kind = header["packet_type"].as_str().expect("packet_type").to_owned();
        let number = header["packet_number"].as_u64().expect("packet_number");
        *packets.entry((kind, number)).or_insert(0) += 1;
    }
    packets
}

#[test]
fn sqlog_of_a_quic_capture_is_json_seq_with_the_required_fields() {
    let capture = common::root().join("captures/quic-0rtt.pcapng");
    let output = rttscope(&["timeline", capture.to_str().expect("a path"), "--format", "sqlog"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let records = records(&output.stdout);
    let header = &records[0];
    assert_eq!(header["qlog_version"], "0.3");
    assert_eq!(header["qlog_format"], "JSON-SEQ");
    assert_eq!(header["trace"]["vantage_point"]["type"], "network");
    let events = &records[1..];
    for event in events {
        for field in ["time", "name", "data", "group_id"] {
            assert!(!event[field].is_null(), "no {field} in {event}");
        }
    }
    let groups: std::collections::BTreeSet<&str> =
        events.iter().filter_map(|event| event["group_id"].as_str()).collect();
    assert_eq!(groups.len(), 2, "the capture's two connections");
    let names = |name: &str| events.iter().filter(|event| event["name"] == name).count();
    assert_eq!(names("recovery:metrics_updated"), 2, "one RTT per connection");
    assert_eq!(names("transport:parameters_set"), 4, "both sides of both connections");
    assert!(names("transport:packet_sent") > 0 && names("transport:packet_received") > 0);
    // 0-RTT went from the client to the server in the second connection.
    assert!(packets(events, "transport:packet_sent").keys().any(|(kind, _)| kind == "0RTT"));
}

#[test]
fn qlog_is_the_drafts_contained_json_and_a_tcp_capture_gets_a_note() {
    let capture = common::root().join("captures/quic.pcapng");
    let output = rttscope(&["timeline", capture.to_str().expect("a path"), "-T", "qlog"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let file: Value = serde_json::from_str(&stdout(&output)).expect("one JSON text");
    assert_eq!(file["file_schema"], "urn:ietf:params:qlog:file:contained");
    assert_eq!(file["serialization_format"], "application/qlog+json");
    let traces = file["traces"].as_array().expect("traces");
    assert_eq!(traces.len(), 1);
    assert!(traces[0]["title"].as_str().is_some_and(|title| title.starts_with("connection 0: QUIC")));
    let events = traces[0]["events"].as_array().expect("events");
    assert!(events.iter().any(|event| event["name"] == "quic:recovery_metrics_updated"));
    assert!(
        events
            .iter()
            .any(|event| event["name"] == "quic:parameters_set" && event["data"]["initiator"] == "remote")
    );

    let tcp = common::root().join("captures/tls13.pcapng");
    let output = rttscope(&["timeline", tcp.to_str().expect("a path"), "-T", "qlog"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("has no QUIC connection"), "{}", stderr(&output));
    let file: Value = serde_json::from_str(&stdout(&output)).expect("still one JSON text");
    assert_eq!(file["traces"], Value::Array(Vec::new()));
}

/// Runs the demo of `variant` with `link` flags into `dir`; returns rttscope's qlog of the
/// capture and the generators' own (client, server) events.
fn demo_qlogs(dir: &Path, variant: &str, link: &[&str]) -> (Vec<Value>, Vec<Value>, Vec<Value>) {
    let capture = dir.join("demo.pcapng");
    let mut args = vec!["demo", variant, "--headless", "-w", capture.to_str().expect("a path")];
    args.extend_from_slice(link);
    let output = rttscope(&args);
    assert!(output.status.success(), "{}\n{}", stdout(&output), stderr(&output));
    assert!(stderr(&output).contains("own qlog written to"), "{}", stderr(&output));
    assert!(!stderr(&output).contains("loopback instead"), "no link: {}", stderr(&output));
    let own = |side: &str| {
        let path = dir.join(format!("demo.{variant}.{side}.sqlog"));
        let text = std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let records = records(&text);
        assert_eq!(records[0]["qlog_version"], "0.3");
        records[1..].to_vec()
    };
    let ours = rttscope(&["timeline", capture.to_str().expect("a path"), "--format", "sqlog"]);
    assert!(ours.status.success(), "{}", stderr(&ours));
    (records(&ours.stdout)[1..].to_vec(), own("client"), own("server"))
}

/// quinn's and rttscope's qlog agree on every packet's type and number, per direction.
fn assert_agree(ours: &[Value], client: &[Value], server: &[Value]) {
    let client_to_server = packets(ours, "transport:packet_sent");
    let server_to_client = packets(ours, "transport:packet_received");
    assert!(!client_to_server.is_empty() && !server_to_client.is_empty());
    assert_eq!(packets(client, "transport:packet_sent"), client_to_server, "the client's packets");
    assert_eq!(packets(server, "transport:packet_sent"), server_to_client, "the server's packets");
    // What each received, the other sent; not the other way round: a packet that arrives
    // once its receiver is closing, or has dropped that packet number space's keys, is on the
    // wire but never processed (and so never logged as received).
    let within = |received: &Packets, sent: &Packets| {
        received.iter().all(|(packet, count)| sent.get(packet) >= Some(count))
    };
    assert!(
        within(&packets(server, "transport:packet_received"), &client_to_server),
        "the server received only what the client sent"
    );
    assert!(
        within(&packets(client, "transport:packet_received"), &server_to_client),
        "the client received only what the server sent"
    );
}

#[test]
#[ignore = "needs root"]
fn the_generators_own_qlog_and_rttscopes_agree_on_loopback() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (ours, client, server) = demo_qlogs(dir.path(), "quic", &["--rtt", "0"]);
    assert_agree(&ours, &client, &server);
    // The handshake's packet types all appear, each direction.
    let sent = packets(&ours, "transport:packet_sent");
    for kind in ["initial", "handshake", "1RTT"] {
        assert!(sent.keys().any(|(logged, _)| logged == kind), "the client sent no {kind} packet");
    }
}

#[test]
#[ignore = "needs root"]
fn the_generators_own_qlog_and_rttscopes_agree_with_0_rtt_over_a_link() {
    // Over a link the capture holds both ends: each packet once in rttscope's qlog all the same.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (ours, client, server) = demo_qlogs(dir.path(), "quic-0rtt", &["--rtt", "20ms"]);
    assert_agree(&ours, &client, &server);
    assert!(packets(&ours, "transport:packet_sent").keys().any(|(kind, _)| kind == "0RTT"));
}

/// tshark's reading of a capture's QUIC packets: (from the client, qlog packet type, number).
fn tshark_packets(capture: &Path, keys: &Path) -> BTreeMap<(bool, String, u64), usize> {
    let keylog = format!("tls.keylog_file:{}", keys.display());
    let output = std::process::Command::new("tshark")
        .args(["-r", capture.to_str().expect("a path"), "-o", &keylog, "-T", "fields", "-E", "occurrence=a"])
        .args(["-e", "udp.srcport", "-e", "udp.dstport", "-e", "quic.header_form"])
        .args(["-e", "quic.long.packet_type", "-e", "quic.packet_number"])
        .output()
        .expect("tshark runs");
    let mut packets = BTreeMap::new();
    let mut server_port = None;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let columns: Vec<&str> = line.split('\t').collect();
        let [source, destination, forms, types, numbers] = columns[..] else { continue };
        if forms.is_empty() {
            continue;
        }
        let server = server_port.get_or_insert_with(|| destination.to_owned()).clone();
        let (mut types, mut numbers) = (types.split(','), numbers.split(','));
        for form in forms.split(',') {
            // Version 1's long packet types (RFC 9000 section 17.2).
            let kind = match (form, types.next()) {
                ("0", _) => "1RTT",
                (_, Some("0")) => "initial",
                (_, Some("1")) => "0RTT",
                (_, Some("2")) => "handshake",
                _ => continue,
            };
            let number = numbers.next().and_then(|number| number.parse().ok()).expect("a packet number");
            *packets.entry((source != server, kind.to_owned(), number)).or_insert(0) += 1;
        }
    }
    packets
}

#[test]
#[ignore = "needs tshark"]
fn rttscopes_qlog_has_the_packets_tshark_decrypts() {
    for name in ["quic-h3-aioquic", "quic-0rtt-aioquic", "quic-loss-aioquic", "quic-mtu-aioquic"] {
        let capture = common::root().join(format!("fixtures/interop/{name}.pcap"));
        let keys = common::root().join(format!("fixtures/interop/{name}.keys"));
        let path = |path: &Path| path.to_str().expect("a path").to_owned();
        let output = rttscope(&["timeline", &path(&capture), "--keylog", &path(&keys), "-T", "sqlog"]);
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        let events = records(&output.stdout);
        let mut ours = BTreeMap::new();
        for (name, from_client) in [("transport:packet_sent", true), ("transport:packet_received", false)] {
            for ((kind, number), count) in packets(&events, name) {
                ours.insert((from_client, kind, number), count);
            }
        }
        assert_eq!(ours, tshark_packets(&capture, &keys), "{name}");
    }
}
