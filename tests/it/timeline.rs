//! `rttscope timeline` on captures from real peers: every connection's variant and round
//! counts against DESIGN section 3's textbook table, with and without key logs; the JSON
//! schema; a connection joined mid-stream; and a snapshot of the text diagram.

use crate::common;

use std::path::{Path, PathBuf};

use common::{Counted, rttscope, stderr, stdout};

fn interop(name: &str) -> PathBuf {
    common::root().join("fixtures/interop").join(name)
}

/// Every connection's variant and round counts.
fn rounds(capture: &Path, keys: Option<&Path>) -> Vec<Counted> {
    common::timeline_rounds(capture, keys)
}

fn expect(variant: &str, request: u64, response: u64) -> Counted {
    (variant.to_owned(), Some(request), Some(response))
}

#[test]
fn the_textbook_table_holds_on_captures_from_real_peers() {
    let tls12 = expect("tls12", 3, 4);
    let tls13 = expect("tls13", 2, 3);
    let cases: Vec<(&str, Vec<Counted>)> = vec![
        ("lo-http", vec![expect("http", 1, 2); 2]),
        // The request is lost once and retransmitted: shown, not counted.
        ("tcp-rto", vec![expect("http", 1, 2)]),
        // curl --tcp-fastopen twice per address: the cookie request, then the request in the SYN.
        (
            "tcp-fastopen",
            vec![expect("http", 1, 2), expect("http", 0, 1), expect("http", 1, 2), expect("http", 0, 1)],
        ),
        ("tls12-openssl", vec![tls12.clone(); 7]),
        // Three suites, a HelloRetryRequest (one more round), a rejected certificate (no request).
        (
            "tls13-openssl",
            vec![
                tls13.clone(),
                tls13.clone(),
                tls13.clone(),
                expect("tls13", 3, 4),
                ("tls13".to_owned(), None, None),
            ],
        ),
        // A full handshake, 0-RTT accepted, and a pair whose early data the server rejected.
        ("tls13-0rtt", vec![tls13.clone(), expect("tls13-0rtt", 1, 2), tls13.clone(), tls13.clone()]),
        ("tls-python", vec![tls13.clone(), tls13.clone(), tls12.clone(), expect("tls12-resumed", 2, 3)]),
        ("tls-rsa4096", vec![tls12, tls13.clone()]),
        // curl --tcp-fastopen twice per address: the cookie request, then the ClientHello in the SYN.
        (
            "tfo-tls13",
            vec![tls13.clone(), expect("tfo-tls13", 1, 2), tls13.clone(), expect("tfo-tls13", 1, 2)],
        ),
        ("h2-tls", vec![expect("tls13", 3, 4)]),
        // aioquic: HTTP/3 over QUIC, and a resumption whose request goes in 0-RTT packets.
        ("quic-h3-aioquic", vec![expect("quic", 1, 2)]),
        ("quic-0rtt-aioquic", vec![expect("quic", 1, 2), expect("quic-0rtt", 0, 1)]),
        // The server flight over three datagrams, and a lost client Finished sent again:
        // neither adds a round.
        ("quic-mtu-aioquic", vec![expect("quic", 1, 2)]),
        ("quic-loss-aioquic", vec![expect("quic", 1, 2)]),
        ("quic-v2-aioquic", vec![expect("quic", 1, 2); 2]),
        // A Retry and a Version Negotiation each add one round.
        ("quic-retry-aioquic", vec![expect("quic", 2, 3)]),
        ("quic-vn-aioquic", vec![expect("quic", 2, 3)]),
    ];
    for (name, expected) in cases {
        let capture = interop(&format!("{name}.pcap"));
        let keys = interop(&format!("{name}.keys"));
        let keys = keys.exists().then_some(keys);
        assert_eq!(rounds(&capture, keys.as_deref()), expected, "{name} with its key log");
        // Without the key log, what stays encrypted is still counted from what is visible.
        assert_eq!(rounds(&capture, None), expected, "{name} without a key log");
    }
}

#[test]
fn the_public_teaching_captures_count_as_the_textbook_says() {
    let public = common::root().join("../shared/captures-public");
    for (name, expected) in [
        ("illustrated-tls12", expect("tls12", 3, 4)),
        ("illustrated-tls13", expect("tls13", 2, 3)),
        ("illustrated-quic", expect("quic", 1, 2)),
    ] {
        let capture = public.join(format!("{name}.pcap"));
        if !capture.exists() {
            continue;
        }
        let keys = public.join(format!("{name}.keys"));
        assert_eq!(rounds(&capture, Some(&keys)), std::slice::from_ref(&expected), "{name}");
        assert_eq!(rounds(&capture, None), [expected], "{name} without keys");
    }
}

#[test]
fn json_follows_the_documented_schema() {
    let output = rttscope(&[
        "timeline",
        &interop("tls13-0rtt.pcap").to_string_lossy(),
        "-T",
        "json",
        "--connection",
        "1",
    ]);
    assert!(output.status.success());
    let document: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let connection = &document["connections"][0];
    for key in [
        "id",
        "transport",
        "client",
        "server",
        "variant",
        "tls_version",
        "alpn",
        "sni",
        "tfo",
        "early_data",
        "resumed",
        "rtt_ms",
        "request_rtts",
        "response_rtts",
        "request_ms",
        "response_ms",
    ] {
        assert!(connection.get(key).is_some(), "{key} missing: {connection}");
    }
    assert_eq!(connection["early_data"], "accepted");
    assert_eq!(connection["resumed"], true);
    let first = &connection["events"][0];
    assert_eq!(
        (first["dir"].as_str(), first["round"].as_u64(), first["label"].as_str()),
        (Some("c2s"), Some(0), Some("SYN"))
    );
    assert!(first["explain"].as_str().is_some_and(|text| !text.is_empty()));
}

#[test]
fn a_label_keeps_the_wire_order_of_its_messages() {
    // Frame 11 of the TLS 1.3 course capture holds the response's record, then a close_notify.
    let capture = common::root().join("captures/tls13.pcapng");
    let output = rttscope(&["timeline", &capture.to_string_lossy(), "-T", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let document: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let events = document["connections"][0]["events"].as_array().expect("events");
    let response = events.iter().find(|event| event["frame"] == 11).expect("frame 11");
    assert_eq!(response["label"], "HTTP 200 OK · Alert(Close Notify)");
    assert!(response["explain"].as_str().is_some_and(|text| text.starts_with("the HTTP response")));
}

#[test]
fn a_connection_joined_mid_stream_has_no_round_counts() {
    let capture = rttscope::capture::CaptureFile::open(&interop("tls13-openssl.pcap")).expect("opens");
    // Drop the first connection's handshake: its first seven frames.
    let frames: Vec<_> = capture.frames().map(|frame| frame.expect("whole")).skip(7).collect();
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("joined.pcap");
    std::fs::write(&path, common::write::pcap(&frames, 1, false, false)).expect("written");
    let output = rttscope(&["timeline", &path.to_string_lossy(), "--connection", "0"]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.contains("joined mid-stream, so its round trips cannot be counted"), "{text}");
    assert_eq!(rounds(&path, None)[0].1, None);
}

#[test]
fn a_retransmission_is_shown_as_one() {
    let output = rttscope(&["timeline", &interop("tcp-rto.pcap").to_string_lossy()]);
    let text = stdout(&output);
    let line = text
        .lines()
        .find(|line| line.contains("(retransmission)"))
        .expect("the retransmitted request is drawn");
    assert!(line.trim_start().starts_with('1'), "still in round 1: {line}");
}

#[test]
fn an_unknown_connection_is_a_usage_error() {
    let output = rttscope(&["timeline", &interop("lo-http.pcap").to_string_lossy(), "--connection", "99"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("no connection 99"), "{}", stderr(&output));
}

/// The diagram of a TLS 1.2 connection, compact and to scale, as committed (insta).
#[test]
fn the_text_diagram_matches_its_snapshot() {
    let keys = interop("tls12-openssl.keys");
    for (name, extra) in [("timeline_tls12_text", None), ("timeline_tls12_text_to_scale", Some("--to-scale"))]
    {
        let mut args = vec![
            "timeline".to_owned(),
            interop("tls12-openssl.pcap").to_string_lossy().into_owned(),
            "--keylog".to_owned(),
            keys.to_string_lossy().into_owned(),
            "--connection".to_owned(),
            "0".to_owned(),
            // As wide as the diagram was drawn before it learnt to fit a terminal.
            "--width".to_owned(),
            "200".to_owned(),
        ];
        args.extend(extra.map(str::to_owned));
        let output = rttscope(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(output.status.success(), "{}", stderr(&output));
        insta::assert_snapshot!(name, stdout(&output));
    }
}

/// The SVG and Mermaid renderings of the 0-RTT connection, as committed (insta).
#[test]
fn the_svg_and_mermaid_diagrams_match_their_snapshots() {
    let keys = interop("tls13-0rtt.keys");
    let capture = interop("tls13-0rtt.pcap");
    let (capture, keys) = (capture.to_string_lossy(), keys.to_string_lossy());
    let base = ["timeline", &capture, "--keylog", &keys, "--connection", "1"];
    for (name, extra) in [
        ("timeline_0rtt_svg", &["-T", "svg"][..]),
        ("timeline_0rtt_svg_to_scale", &["-T", "svg", "--to-scale"][..]),
        ("timeline_0rtt_mermaid", &["-T", "mermaid"][..]),
    ] {
        let output = rttscope(&[&base[..], extra].concat());
        assert!(output.status.success(), "{}", stderr(&output));
        let text = stdout(&output);
        if name.contains("svg") {
            assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"));
            assert!(text.contains("request after 1 round trip, response after 2 round trips"));
        }
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn quic_timelines_say_what_each_datagram_carried_and_flag_retry_and_version_negotiation() {
    let capture = interop("quic-retry-aioquic.pcap");
    let keys = interop("quic-retry-aioquic.keys");
    let output = rttscope(&["timeline", &capture.to_string_lossy(), "--keylog", &keys.to_string_lossy()]);
    let text = stdout(&output);
    assert!(text.contains("Initial[CRYPTO: ClientHello]"), "{text}");
    assert!(text.contains("Retry"), "{text}");
    assert!(text.contains("STREAM 0: HTTP/3 GET /hello.txt"), "{text}");
    assert!(text.contains("HTTP/3 over QUIC (after a Retry): request after 2 round trips"), "{text}");
    let json = rttscope(&["timeline", &capture.to_string_lossy(), "--format", "json"]);
    assert!(stdout(&json).contains(r#""retry":true"#));
    let vn = interop("quic-vn-aioquic.pcap");
    let text = stdout(&rttscope(&["timeline", &vn.to_string_lossy()]));
    assert!(text.contains("Version Negotiation"), "{text}");
    assert!(text.contains("(after Version Negotiation)"), "{text}");
    // The copies of lost CRYPTO data are marked, and count for nothing.
    let loss = interop("quic-loss-aioquic.pcap");
    let keys = interop("quic-loss-aioquic.keys");
    let text = stdout(&rttscope(&["timeline", &loss.to_string_lossy(), "--keylog", &keys.to_string_lossy()]));
    assert!(text.contains("Handshake[CRYPTO] (retransmission)"), "{text}");
}

/// Rewrites a one-sided capture as if taken at both ends of a link with a one-way delay of
/// `one_way_ns`: each frame on a "client side" interface at its own time, and its copy on a
/// "server side" interface `one_way_ns` later when the client sent it, earlier when the
/// server did. The client is whoever sent the first SYN (or the first datagram).
fn two_sided(capture: &Path, one_way_ns: i64, lost: Option<u64>) -> Vec<u8> {
    use rttscope::capture::{CaptureFile, PcapngWriter};
    use rttscope::dissect::{Content, dissect};
    let file = CaptureFile::open(capture).expect("opens");
    // Servers are what a SYN, or a conversation's first datagram, is sent to.
    let mut servers = std::collections::HashSet::new();
    let mut copies = Vec::new();
    for frame in file.frames() {
        let frame = frame.expect("reads");
        let packet = dissect(&frame);
        let (src, dst) = packet.addresses().expect("IP");
        let (ports, opens) = packet
            .layers
            .iter()
            .find_map(|layer| match &layer.content {
                Content::Tcp(tcp) => Some(((tcp.src_port(), tcp.dst_port()), tcp.flags() & 0x12 == 0x02)),
                Content::Udp(udp) => Some(((udp.src_port(), udp.dst_port()), true)),
                _ => None,
            })
            .unwrap_or(((0, 0), true));
        let (source, destination) = ((src, ports.0), (dst, ports.1));
        if opens && !servers.contains(&source) {
            servers.insert(destination);
        }
        let from_client = servers.contains(&destination);
        let far = if from_client { frame.ts_ns + one_way_ns } else { frame.ts_ns - one_way_ns };
        copies.push((0, frame.ts_ns, frame.orig_len, frame.data.to_vec()));
        if lost != Some(frame.number) {
            copies.push((1, far, frame.orig_len, frame.data.to_vec()));
        }
    }
    copies.sort_by_key(|copy| copy.1);
    let mut writer = PcapngWriter::new(Vec::new()).expect("writer");
    writer.add_interface("client side", rttscope::capture::LinkType::Ethernet, 65_535).expect("interface");
    writer.add_interface("server side", rttscope::capture::LinkType::Ethernet, 65_535).expect("interface");
    for secrets in file.secrets() {
        writer.write_secrets(secrets.data).expect("secrets");
    }
    for (interface, ts_ns, orig_len, data) in &copies {
        writer.write_packet(*interface, *ts_ns, *orig_len, data).expect("packet");
    }
    writer.finish().expect("written")
}

#[test]
fn a_capture_of_both_ends_gives_each_message_its_send_and_arrival_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    for variant in ["tls13", "tls12", "quic-0rtt", "tfo-tls13-0rtt"] {
        let original = common::root().join("captures").join(format!("{variant}.pcapng"));
        let both = dir.path().join(format!("{variant}-both.pcapng"));
        std::fs::write(&both, two_sided(&original, 20_000_000, None)).expect("written");
        // The round counts are the client side's, the same as the one-sided capture's.
        assert_eq!(rounds(&both, None), rounds(&original, None), "{variant}");
        let output = rttscope(&["timeline", both.to_str().expect("path"), "-T", "json"]);
        assert!(output.status.success(), "{}", stderr(&output));
        let document: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
        let connections = document["connections"].as_array().expect("connections");
        let single = rttscope(&["timeline", original.to_str().expect("path"), "-T", "json"]);
        let single: serde_json::Value = serde_json::from_str(&stdout(&single)).expect("JSON");
        for (connection, alone) in
            connections.iter().zip(single["connections"].as_array().expect("connections"))
        {
            assert_eq!(connection["vantage"], "both");
            assert_eq!(alone["vantage"], "local", "{variant}: a loopback capture");
            let events = connection["events"].as_array().expect("events");
            assert_eq!(events.len(), alone["events"].as_array().expect("events").len(), "{variant}");
            for event in events {
                let sent = event["sent_ms"].as_f64().expect("a send time");
                let arrived = event["arrived_ms"]
                    .as_f64()
                    .unwrap_or_else(|| panic!("{variant}: no arrival time: {event}"));
                assert!((arrived - sent - 20.0).abs() < 1e-6, "{variant}: {event}");
                let here = event["t_ms"].as_f64().expect("t_ms");
                let client_side = if event["dir"] == "c2s" { sent } else { arrived };
                assert!((here - client_side).abs() < 1e-9, "{variant}: t_ms is the client side's time");
            }
        }
    }
}

#[test]
fn a_message_with_no_copy_at_the_far_end_was_lost_on_the_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    let original = common::root().join("captures/tls13.pcapng");
    let both = dir.path().join("lost.pcapng");
    // Frame 4 is the ClientHello: the server's side never saw it.
    std::fs::write(&both, two_sided(&original, 20_000_000, Some(4))).expect("written");
    let output = rttscope(&["timeline", both.to_str().expect("path"), "-T", "json"]);
    let document: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let events = document["connections"][0]["events"].as_array().expect("events");
    let lost: Vec<&serde_json::Value> =
        events.iter().filter(|event| event.get("arrived_ms").is_none()).collect();
    assert_eq!(lost.len(), 1, "{events:?}");
    assert_eq!(lost[0]["label"], "ClientHello (lost on the link)");
    assert!(lost[0]["explain"].as_str().expect("text").contains("retransmission timer"));
    let text = rttscope(&["timeline", both.to_str().expect("path"), "--to-scale"]);
    assert!(stdout(&text).contains("✗"), "the ladder marks where it was lost:\n{}", stdout(&text));
}

/// The ladders of a capture of both ends of a 40 ms link, as committed (insta): TLS 1.3 and
/// QUIC with 0-RTT as text, TLS 1.2 as SVG.
#[test]
fn ladders_of_a_capture_of_both_ends_match_their_snapshots() {
    let capture = common::root().join("fixtures/link/all-40ms.pcapng");
    let capture = capture.to_string_lossy();
    for (name, connection, format) in [
        ("link_tls13_to_scale", "1", "text"),
        ("link_quic_0rtt_to_scale", "11", "text"),
        ("link_tls12_svg_to_scale", "0", "svg"),
    ] {
        let output = rttscope(&[
            "timeline",
            &capture,
            "--connection",
            connection,
            "-T",
            format,
            "--to-scale",
            "--width",
            "200",
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        insta::assert_snapshot!(name, stdout(&output));
    }
}

/// A connection inside a tunnel is the timeline's like any other, its round trips counted from
/// its inner packets, and the datagrams that carry the tunnel are not conversations of their
/// own: on the VXLAN capture recorded over the kernel's vxlan devices (a ping, an HTTP GET, a
/// TLS 1.3 GET), and on each crafted tunnel around the TLS 1.3 interop capture, which must
/// count exactly as the capture it wraps.
#[test]
fn connections_inside_tunnels_count_their_round_trips() {
    let capture = interop("vxlan-tls13.pcap");
    let keys = interop("vxlan-tls13.keys");
    let expected = [expect("icmp", 0, 1), expect("http", 1, 2), expect("tls13", 2, 3)];
    assert_eq!(rounds(&capture, Some(&keys)), expected, "VXLAN with its key log");
    assert_eq!(rounds(&capture, None), expected, "VXLAN without a key log");
    let unwrapped = rounds(&interop("tls13-openssl.pcap"), None);
    assert_eq!(unwrapped.len(), 5);
    let crafted = common::root().join("fixtures/crafted");
    for name in ["ipip", "ip6tnl", "gre", "gretap", "erspan", "geneve", "mpls"] {
        let capture = crafted.join(format!("{name}-tls13-openssl.pcap"));
        assert_eq!(rounds(&capture, None), unwrapped, "{name}");
    }
}

/// Into a pipe the text fits 80 columns, `--width` sets another width, and the request and
/// response of the HTTP/3 connection stay whole either way.
#[test]
fn the_text_fits_80_columns_into_a_pipe_and_width_sets_another() {
    let capture = common::root().join("captures/quic.pcapng");
    let capture = capture.to_string_lossy();
    for (width, args) in [(80, vec!["timeline", &capture]), (60, vec!["timeline", &capture, "--width", "60"])]
    {
        let output = rttscope(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        let text = stdout(&output);
        for line in text.lines() {
            assert!(line.chars().count() <= width, "wider than {width}: {line:?}");
        }
        assert!(text.contains("HTTP/3 GET /quic/"), "{text}");
        assert!(text.contains("HTTP/3 200"), "{text}");
    }
    let narrow = rttscope(&["timeline", &capture, "--width", "20"]);
    assert_eq!(narrow.status.code(), Some(1), "a width below 40 is a usage error");
}
