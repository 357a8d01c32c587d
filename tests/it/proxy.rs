//! Proxies against tshark: curl through tinyproxy (HTTP CONNECT), microsocks (SOCKS5) and
//! Dante (SOCKS4), recorded by `scripts/interop/proxy.sh`. Every field agrees with tshark's,
//! with and without the key log, and the TLS inside each tunnel is followed and decrypted.

use crate::common;

use common::tshark::{compare, compared_fields, key_log_of};

const CAPTURES: [&str; 4] =
    ["proxy-connect.pcap", "proxy-refused.pcap", "proxy-socks5.pcap", "proxy-socks4.pcap"];

#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn every_field_of_the_proxy_captures_agrees_with_tshark() {
    let fields = compared_fields();
    for name in CAPTURES {
        let capture = common::root().join("fixtures/interop").join(name);
        let keys = key_log_of(&capture);
        for keylog in [None, keys.as_deref()] {
            let tally = compare(&capture, keylog, &fields);
            assert!(tally.frames > 0, "{name}: no frames");
            tally.assert_agrees(format_args!("{name} (keys: {})", keylog.is_some()));
        }
    }
}

/// Each connection of a capture's timeline, as `rttscope timeline --format json` gives it.
fn timeline(name: &str) -> Vec<serde_json::Value> {
    let capture = common::root().join("fixtures/interop").join(name);
    let path = capture.to_string_lossy().into_owned();
    let mut args = vec!["timeline", path.as_str(), "--format", "json"];
    let keys = key_log_of(&capture).map(|keys| keys.to_string_lossy().into_owned());
    if let Some(keys) = &keys {
        args.extend(["--keylog", keys.as_str()]);
    }
    let output = common::rttscope(&args);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&common::stdout(&output)).expect("JSON");
    json["connections"].as_array().expect("connections").clone()
}

/// What a connection says of its proxy and its rounds: variant, proxy, the proxy's round
/// trips, request and response round trips, whether the proxy refused.
fn summary(connection: &serde_json::Value) -> (String, String, u64, Option<u64>, Option<u64>, bool) {
    (
        connection["variant"].as_str().unwrap_or("").to_owned(),
        connection["proxy"].as_str().unwrap_or("-").to_owned(),
        connection["proxy_rtts"].as_u64().unwrap_or(0),
        connection["request_rtts"].as_u64(),
        connection["response_rtts"].as_u64(),
        connection["proxy_refused"].as_bool().unwrap_or(false),
    )
}

fn expect(variant: &str, proxy: &str, proxy_rtts: u64, rounds: Option<(u64, u64)>, refused: bool) -> Summary {
    let (request, response) = rounds.unzip();
    (variant.to_owned(), proxy.to_owned(), proxy_rtts, request, response, refused)
}

type Summary = (String, String, u64, Option<u64>, Option<u64>, bool);

#[test]
fn a_connect_costs_one_round_trip_before_the_tls_handshake() {
    let connections: Vec<Summary> = timeline("proxy-connect.pcap").iter().map(summary).collect();
    assert_eq!(
        connections,
        [
            // TLS 1.3's 2 and 3 round trips, one more each for the CONNECT
            expect("tls13", "http-connect", 1, Some((3, 4)), false),
            // TLS 1.2's 3 and 4, one more each
            expect("tls12", "http-connect", 1, Some((4, 5)), false),
        ]
    );
    let first = &timeline("proxy-connect.pcap")[0];
    let labels: Vec<&str> =
        first["events"].as_array().expect("events").iter().filter_map(|e| e["label"].as_str()).collect();
    assert!(labels.contains(&"HTTP CONNECT server.test:443"), "{labels:?}");
    assert!(
        labels.contains(&"HTTP GET /hello.txt"),
        "the request inside the tunnel is decrypted: {labels:?}"
    );
}

#[test]
fn a_socks5_greeting_and_request_cost_two_round_trips_and_a_password_one_more() {
    let connections: Vec<Summary> = timeline("proxy-socks5.pcap").iter().map(summary).collect();
    assert_eq!(
        connections,
        [
            expect("tls13", "socks5", 2, Some((4, 5)), false), // a name
            expect("tls13", "socks5", 2, Some((4, 5)), false), // an IPv4 address
            expect("tls13", "socks5", 2, Some((4, 5)), false), // an IPv6 address
            expect("tcp", "socks5", 2, None, true),            // nothing listens: refused
            expect("tls13", "socks5", 3, Some((5, 6)), false), // username and password
        ]
    );
}

#[test]
fn a_socks4_request_costs_one_round_trip_and_a_refusal_says_so() {
    let connections: Vec<Summary> = timeline("proxy-socks4.pcap").iter().map(summary).collect();
    assert_eq!(
        connections,
        [
            expect("tls13", "socks4", 1, Some((3, 4)), false),
            expect("tcp", "socks4", 1, None, true), // 4a, refused by Dante
            expect("tcp", "socks4", 1, None, true), // nothing listens
        ]
    );
}

/// A refused CONNECT is shown as such, and nothing after it is read as TLS or guessed at.
#[test]
fn a_refused_connect_is_shown_and_nothing_after_it_is_read() {
    let connections = timeline("proxy-refused.pcap");
    assert_eq!(connections.len(), 2);
    for connection in &connections {
        let (variant, proxy, ..) = summary(connection);
        assert_eq!((variant.as_str(), proxy.as_str()), ("tcp", "http-connect"));
        assert!(connection["tls_version"].is_null());
    }
    // tinyproxy's refusal completes when it closes first; curl may reset before the last one.
    assert!(connections.iter().any(|connection| summary(connection).5), "{connections:?}");
}
