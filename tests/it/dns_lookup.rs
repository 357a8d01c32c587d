//! A lookup is part of the handshake, on a capture from real peers: curl resolving names
//! through dnsmasq, then fetching over HTTPS and plain HTTP (`fixtures/interop/dns-lookup-curl.pcap`,
//! recorded by `scripts/interop/dns.sh`). Each connection's timeline begins with the lookup
//! that gave it its server's address, which took exactly the response's `dns.time`, and its own
//! round trips are those it has when no lookup is known.

use crate::common;

use std::path::PathBuf;

use rttscope::capture::CaptureFile;
use rttscope::dissect::Content;
use rttscope::timeline::rounds::Side;
use rttscope::timeline::{Builder, Connection, Transport};
use rttscope::track::keylog::KeyLog;
use rttscope::track::{Scratch, Tracker};

fn capture() -> PathBuf {
    common::root().join("fixtures/interop/dns-lookup-curl.pcap")
}

/// The TCP connections' timelines; with `lookups` false, the timeline is not shown the DNS
/// frames (the tracker still is), so that no lookup is known.
fn timelines(lookups: bool) -> Vec<Connection> {
    let path = capture();
    let file = CaptureFile::open(&path).expect("the capture");
    let mut keylog = KeyLog::new();
    let keys = std::fs::read(path.with_extension("keys")).expect("the key log");
    keylog.add_text(&keys);
    let (mut tracker, mut scratch, mut builder) =
        (Tracker::with_keylog(keylog), Scratch::new(), Builder::new());
    for frame in file.frames() {
        let frame = frame.expect("a frame");
        let packet = tracker.handle_frame(&frame, &mut scratch);
        let dns = packet.layers.iter().any(|layer| matches!(layer.content, Content::Dns(_)));
        if lookups || !dns {
            builder.handle_packet(&frame, &packet);
        }
    }
    builder.finish().into_iter().filter(|connection| connection.transport == Transport::Tcp).collect()
}

/// Each DNS response's frame and `dns.time` in seconds, as `rttscope dissect` gives them.
fn dns_times() -> Vec<(u64, f64)> {
    let path = capture().to_string_lossy().into_owned();
    let args = ["dissect", path.as_str(), "-T", "fields", "-e", "frame.number", "-e", "dns.time"];
    let output = common::rttscope(&args);
    assert!(output.status.success(), "{}", common::stderr(&output));
    common::stdout(&output)
        .lines()
        .filter_map(|line| {
            let (frame, time) = line.split_once('\t')?;
            Some((frame.parse().ok()?, time.split(',').next()?.parse().ok()?))
        })
        .collect()
}

#[test]
fn each_connection_begins_with_the_lookup_of_its_name() {
    let connections = timelines(true);
    assert_eq!(connections.len(), 2, "HTTPS, then plain HTTP");
    let times = dns_times();
    for (connection, name, sni) in
        [(&connections[0], "server.test", Some("server.test")), (&connections[1], "web.server.test", None)]
    {
        let lookup = connection.lookup.as_ref().expect("a lookup");
        assert_eq!(lookup.name, name);
        assert_eq!(lookup.address, "10.0.54.3");
        assert_eq!(lookup.resolver, "10.0.54.2:53");
        assert_eq!(connection.sni.as_deref(), sni);
        let [query, answer, syn, ..] = connection.events.as_slice() else { panic!("too few events") };
        assert_eq!((query.dir, query.round, query.frame), (Side::Client, 0, lookup.query_frame));
        assert_eq!((answer.dir, answer.round, answer.frame), (Side::Server, 0, lookup.answer_frame));
        assert!(query.label().starts_with(&format!("lookup {name}: DNS query")), "{}", query.label());
        assert!(answer.label().starts_with(&format!("lookup {name}: ")), "{}", answer.label());
        assert_eq!(syn.label(), "SYN");
        assert!(query.t_ms < answer.t_ms && answer.t_ms < 0.0, "the lookup is over before the SYN");
        // The lookup took the response's dns.time.
        let dns_time = times.iter().find(|(frame, _)| *frame == lookup.answer_frame).map(|(_, time)| *time);
        let dns_time_ms = dns_time.expect("dns.time on the answer") * 1e3;
        assert!(
            (lookup.time_ms - dns_time_ms).abs() < 1e-6,
            "{} ms, dns.time {dns_time_ms} ms",
            lookup.time_ms
        );
        assert!(answer.label().ends_with(&format!("in {dns_time_ms:.3} ms")), "{}", answer.label());
    }
    let alias = connections[1].lookup.as_ref().and_then(|lookup| lookup.canonical.as_deref());
    assert_eq!(alias, Some("server.test"), "web.server.test is a CNAME of server.test");
}

#[test]
fn the_connections_own_rounds_do_not_change_with_the_lookup() {
    let with = timelines(true);
    let without = timelines(false);
    assert_eq!(with.len(), without.len());
    let own = |connection: &Connection| {
        let skip = if connection.lookup.is_some() { 2 } else { 0 };
        let events = connection.events.iter().skip(skip);
        events
            .map(|event| (event.frame, event.round, event.dir, event.label(), event.t_ms))
            .collect::<Vec<_>>()
    };
    for (with, without) in with.iter().zip(&without) {
        assert!(without.lookup.is_none());
        assert_eq!(own(with), own(without));
        let counted =
            |c: &Connection| (c.variant, c.request_rtts, c.response_rtts, c.request_ms, c.response_ms);
        assert_eq!(counted(with), counted(without));
    }
    assert_eq!(
        (with[0].variant.to_string().as_str(), with[0].request_rtts, with[0].response_rtts),
        ("tls13", Some(2), Some(3))
    );
    assert_eq!(
        (with[1].variant.to_string().as_str(), with[1].request_rtts, with[1].response_rtts),
        ("http", Some(1), Some(2))
    );
}

#[test]
fn the_text_timeline_and_json_show_the_lookup_end_to_end() {
    let path = capture().to_string_lossy().into_owned();
    let keys = capture().with_extension("keys").to_string_lossy().into_owned();
    // Wide enough that no heading or verdict wraps.
    let output = common::rttscope(&["timeline", path.as_str(), "--keylog", keys.as_str(), "--width", "200"]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let text = common::stdout(&output);
    assert!(text.contains("http · name web.server.test (DNS) ·"), "{text}");
    assert!(text.contains("looking up server.test took"), "{text}");
    let output = common::rttscope(&["timeline", path.as_str(), "--keylog", keys.as_str(), "-T", "json"]);
    let json: serde_json::Value = serde_json::from_str(&common::stdout(&output)).expect("JSON");
    let https = &json["connections"][1];
    assert_eq!(https["lookup"]["name"], "server.test");
    let (t, response, total) = (
        https["lookup"]["t_ms"].as_f64(),
        https["response_ms"].as_f64(),
        https["lookup"]["to_response_ms"].as_f64(),
    );
    let (t, response, total) =
        (t.expect("t_ms"), response.expect("response_ms"), total.expect("to_response_ms"));
    assert!((total - (response - t)).abs() < 1e-9, "lookup + handshake + request, end to end");
}

#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn the_lookup_took_what_tshark_calls_dns_time() {
    let output = std::process::Command::new("tshark")
        .args(["-r"])
        .arg(capture())
        .args(["-Y", "dns.time", "-T", "fields", "-e", "frame.number", "-e", "dns.time"])
        .output()
        .expect("tshark");
    let tshark: Vec<(u64, f64)> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let (frame, time) = line.split_once('\t')?;
            Some((frame.parse().ok()?, time.parse().ok()?))
        })
        .collect();
    for connection in timelines(true) {
        let lookup = connection.lookup.expect("a lookup");
        let time = tshark.iter().find(|(frame, _)| *frame == lookup.answer_frame).map(|(_, time)| time * 1e3);
        let time = time.expect("tshark's dns.time on the answer");
        assert!((lookup.time_ms - time).abs() < 1e-6, "{} ms, tshark {time} ms", lookup.time_ms);
    }
}

#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn every_field_of_the_lookup_capture_agrees_with_tshark() {
    let fields = common::tshark::compared_fields();
    let path = capture();
    let keys = common::tshark::key_log_of(&path);
    for keylog in [None, keys.as_deref()] {
        let tally = common::tshark::compare(&path, keylog, &fields);
        eprintln!(
            "{} (keys: {}): {} frames, {} values compared, {} present in tshark, {} differences",
            path.display(),
            keylog.is_some(),
            tally.frames,
            tally.values,
            tally.present,
            tally.mismatches.len()
        );
        assert!(tally.frames > 0, "no frames");
        tally.assert_agrees(format_args!("{} (keys: {})", path.display(), keylog.is_some()));
    }
}

#[test]
fn a_lookup_over_udp_is_the_dns_variant_one_round_trip_labelled_as_its_info() {
    let path = capture();
    let file = CaptureFile::open(&path).expect("the capture");
    let (mut tracker, mut scratch, mut builder) = (Tracker::new(), Scratch::new(), Builder::new());
    for frame in file.frames() {
        let frame = frame.expect("a frame");
        let packet = tracker.handle_frame(&frame, &mut scratch);
        builder.handle_packet(&frame, &packet);
    }
    let lookups: Vec<Connection> = builder
        .finish()
        .into_iter()
        .filter(|connection| connection.transport == Transport::Udp && connection.server.ends_with(":53"))
        .collect();
    assert!(!lookups.is_empty(), "curl asked dnsmasq over UDP");
    // Each message is labelled with the Info column `dissect` gives its frame.
    let path = path.to_string_lossy().into_owned();
    let output = common::rttscope(&[
        "dissect",
        path.as_str(),
        "-Y",
        "dns",
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "_ws.col.Info",
    ]);
    let info: Vec<(u64, String)> = common::stdout(&output)
        .lines()
        .filter_map(|line| {
            let (frame, info) = line.split_once('\t')?;
            Some((frame.parse().ok()?, info.to_owned()))
        })
        .collect();
    for connection in &lookups {
        assert_eq!(connection.variant.name(), "dns");
        assert_eq!((connection.request_rtts, connection.response_rtts), (Some(0), Some(1)), "textbook 0/1");
        for event in &connection.events {
            let shown =
                info.iter().find(|(frame, _)| *frame == event.frame).map(|(_, info)| format!("DNS {info}"));
            assert_eq!(Some(event.label()), shown, "frame {}", event.frame);
            let round = if event.dir == Side::Client { 0 } else { 1 };
            assert_eq!(event.round, round, "a query in round 0, its answer in round 1");
        }
    }
}
