//! The demo over an emulated link, read back by the timeline: a round trip costs what the link
//! says, the one-way delays measured at both ends are half of it, a lost packet shows as lost
//! and costs a retransmission timeout, the same seed loses the same packets, and no packet is
//! bigger than the MTU. Each test records real traffic between two network namespaces, so
//! each needs root.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use common::{rttscope, stderr, stdout};
use serde_json::Value;

/// One link at a time: two cores shared by several links and their generators would measure
/// the machine's load, not the link.
static ONE_LINK: Mutex<()> = Mutex::new(());

/// Runs `demo VARIANT --headless` over a link with `flags`; returns the capture's path.
fn demo(dir: &Path, variant: &str, flags: &[&str]) -> PathBuf {
    // The first run after a build pages the binary in and builds the first link from cold:
    // one untimed run first, so no timed one pays for that.
    static WARM: std::sync::Once = std::sync::Once::new();
    WARM.call_once(|| {
        let warm = dir.join("warm-up.pcapng");
        rttscope(&["demo", "udp", "--headless", "--rtt", "2ms", "-w", warm.to_str().expect("a path")]);
    });
    let capture = dir.join(format!("{variant}.pcapng"));
    let mut args = vec!["demo", variant, "--headless", "-w", capture.to_str().expect("a path")];
    args.extend_from_slice(flags);
    let output = rttscope(&args);
    assert!(
        !stderr(&output).contains("cannot build the emulated link"),
        "{variant}: no link: {}",
        stderr(&output)
    );
    assert!(capture.is_file(), "{variant}: no capture\n{}\n{}", stdout(&output), stderr(&output));
    capture
}

/// The timeline JSON's connections.
fn connections(capture: &Path) -> Vec<Value> {
    let output = rttscope(&["timeline", capture.to_str().expect("a path"), "-T", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let document: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    document["connections"].as_array().expect("connections").clone()
}

fn number(value: &Value, key: &str) -> f64 {
    value[key].as_f64().unwrap_or_else(|| panic!("no {key} in {value}"))
}

/// Within 10% plus 3 ms of what `rounds` round trips of `rtt_ms` cost.
fn near(measured: f64, rounds: f64, rtt_ms: f64) -> bool {
    let expected = rounds * rtt_ms;
    (measured - expected).abs() <= expected * 0.1 + 3.0
}

const HTTPS: [&str; 8] =
    ["http", "tls12", "tls13", "tls13-0rtt", "tfo-tls13", "tfo-tls13-0rtt", "quic", "quic-0rtt"];

#[test]
#[ignore = "needs root: builds network namespaces for the emulated link"]
fn over_a_40ms_link_each_round_trip_costs_40ms_and_each_one_way_delay_20ms() {
    let _alone = ONE_LINK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = tempfile::tempdir().expect("temp dir");
    let mut one_way = Vec::new();
    for variant in HTTPS {
        let capture = demo(dir.path(), variant, &["--rtt", "40ms"]);
        let all = connections(&capture);
        // Variants that fetch a ticket or a cookie first show themselves on their last connection.
        let shown = all
            .iter()
            .rev()
            .find(|c| c["variant"] == variant)
            .unwrap_or_else(|| panic!("{variant}: {all:?}"));
        let (request, response) = (number(shown, "request_rtts"), number(shown, "response_rtts"));
        let (request_ms, response_ms) = (number(shown, "request_ms"), number(shown, "response_ms"));
        assert!(
            near(request_ms, request, 40.0),
            "{variant}: request at {request_ms} ms after {request} round trips"
        );
        assert!(
            near(response_ms, response, 40.0),
            "{variant}: response at {response_ms} ms after {response}"
        );
        let rtt = number(shown, "rtt_ms");
        assert!((rtt - 40.0).abs() <= 4.0, "{variant}: measured RTT {rtt} ms");
        assert_eq!(shown["vantage"], "both");
        for connection in &all {
            for event in connection["events"].as_array().expect("events") {
                one_way.push(number(event, "arrived_ms") - number(event, "sent_ms"));
            }
        }
    }
    // Measured at both ends, each one-way delay is half the round trip. The median holds to
    // the emulator's accuracy; single packets can be a few milliseconds late when the
    // emulator's thread is woken late (two cores, a kernel without preemption: see
    // scripts/bench-link.sh for the distribution), never early.
    one_way.sort_by(f64::total_cmp);
    let median = one_way[one_way.len() / 2];
    assert!((median - 20.0).abs() < 1.0, "median one-way delay {median} ms");
    assert!(one_way.iter().all(|d| (19.9..25.0).contains(d)), "one-way delays {one_way:?}");
}

#[test]
#[ignore = "needs root: builds network namespaces for the emulated link"]
fn a_dropped_client_hello_or_first_initial_is_shown_lost_and_the_request_waits_for_the_timeout() {
    let _alone = ONE_LINK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = tempfile::tempdir().expect("temp dir");
    for (variant, drop, rounds) in [("tls13", "client-hello", 2.0), ("quic", "first-initial", 1.0)] {
        let capture = demo(dir.path(), variant, &["--rtt", "40ms", "--drop", drop]);
        let all = connections(&capture);
        let shown = &all[0];
        let events = shown["events"].as_array().expect("events");
        let lost: Vec<&Value> = events.iter().filter(|e| e.get("arrived_ms").is_none()).collect();
        assert_eq!(lost.len(), 1, "{variant}: {events:?}");
        let label = lost[0]["label"].as_str().expect("label");
        assert!(label.contains("ClientHello") && label.ends_with("(lost on the link)"), "{label}");
        assert!(lost[0]["explain"].as_str().expect("text").contains("retransmission timer"));
        assert!(
            events.iter().any(|e| e["label"].as_str().is_some_and(|l| l.contains("retransmission"))),
            "{variant}: the copy sent again is shown as one: {events:?}"
        );
        // The rounds do not count the loss; the clock does: the request is late by at least
        // one retransmission timeout (TCP's is at least 200 ms, QUIC's probe timeout more).
        assert_eq!(number(shown, "request_rtts"), rounds, "{variant}");
        let request_ms = number(shown, "request_ms");
        assert!(request_ms >= rounds * 40.0 + 150.0, "{variant}: the request at {request_ms} ms");
    }
}

/// The payload sizes of the client side's frames, in order, and how many the link lost.
fn lost_by_position(capture: &Path) -> (Vec<usize>, usize) {
    let all = connections(capture);
    let mut lost = Vec::new();
    let mut at = 0;
    for connection in &all {
        for event in connection["events"].as_array().expect("events") {
            if event["dir"] == "c2s" {
                if event.get("arrived_ms").is_none() {
                    lost.push(at);
                }
                at += 1;
            }
        }
    }
    let count = lost.len();
    (lost, count)
}

#[test]
#[ignore = "needs root: builds network namespaces for the emulated link"]
fn the_same_seed_loses_the_same_packets_and_the_rounds_still_count_as_the_textbook() {
    let _alone = ONE_LINK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = tempfile::tempdir().expect("temp dir");
    let first = demo(&dir.path().join(""), "tls12", &["--rtt", "20ms", "--loss", "15", "--seed", "7"]);
    let first_lost = lost_by_position(&first);
    let again_dir = dir.path().join("again");
    std::fs::create_dir_all(&again_dir).expect("dir");
    let again = demo(&again_dir, "tls12", &["--rtt", "20ms", "--loss", "15", "--seed", "7"]);
    assert_eq!(lost_by_position(&again), first_lost, "the same seed, the same losses");
    assert!(first_lost.1 > 0, "15% of a TLS 1.2 exchange loses something");
    let shown = &connections(&first)[0];
    assert_eq!((number(shown, "request_rtts"), number(shown, "response_rtts")), (3.0, 4.0));
}

#[test]
#[ignore = "needs root: builds network namespaces for the emulated link"]
fn on_a_1280_byte_link_no_packet_is_bigger_than_1280_bytes() {
    let _alone = ONE_LINK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = tempfile::tempdir().expect("temp dir");
    let capture = demo(dir.path(), "all", &["--rtt", "10ms", "--mtu", "1280"]);
    let output = rttscope(&[
        "dissect",
        capture.to_str().expect("path"),
        "-T",
        "fields",
        "-e",
        "ip.len",
        "-e",
        "ipv6.plen",
    ]);
    assert!(output.status.success());
    let sizes: Vec<u64> =
        stdout(&output).lines().filter_map(|line| line.split('\t').next()?.parse().ok()).collect();
    assert!(sizes.len() > 100, "{} packets", sizes.len());
    let largest = sizes.iter().max().copied().unwrap_or(0);
    assert!(largest <= 1280, "an IP packet of {largest} bytes crossed a 1280-byte link");
    assert!(largest > 1200, "QUIC's 1200-byte Initials crossed: {largest}");
}

#[test]
#[ignore = "needs root: builds network namespaces for the emulated link"]
fn a_dropped_server_hello_is_shown_lost_at_the_server_and_arrives_late() {
    let _alone = ONE_LINK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = tempfile::tempdir().expect("temp dir");
    let capture = demo(dir.path(), "tls13", &["--rtt", "40ms", "--drop", "server-hello"]);
    let shown = &connections(&capture)[0];
    let events = shown["events"].as_array().expect("events");
    let lost: Vec<&Value> = events.iter().filter(|e| e.get("arrived_ms").is_none()).collect();
    assert_eq!(lost.len(), 1, "{events:?}");
    assert_eq!(lost[0]["dir"], "s2c");
    assert!(lost[0]["label"].as_str().expect("label").ends_with("bytes (lost on the link)"));
    assert!(lost[0]["explain"].as_str().expect("text").contains("never reached the client"));
    // The rounds stay the textbook's; the request waits for the server's retransmission.
    assert_eq!((number(shown, "request_rtts"), number(shown, "response_rtts")), (2.0, 3.0));
    assert!(number(shown, "request_ms") >= 80.0 + 150.0, "{shown}");
}
