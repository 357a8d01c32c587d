//! WebSocket (issue 18) on the interop captures of Python's `websockets`: every field agrees
//! with tshark's, over plain TCP and inside TLS with the key log.

use crate::common;

use common::tshark::{compare, compared_fields};

#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn websocket_fields_agree_with_tshark_over_tcp_and_tls() {
    let fields = compared_fields();
    let mut present = std::collections::HashMap::new();
    // The interop captures, and the course captures of rttscope's own generators (keys embedded).
    for name in [
        "fixtures/interop/websocket.pcap",
        "fixtures/interop/websocket-tls.pcap",
        "captures/ws.pcapng",
        "captures/wss.pcapng",
    ] {
        let capture = common::root().join(name);
        let keys = common::tshark::key_log_of(&capture);
        for keylog in [None, keys.as_deref()] {
            let tally = compare(&capture, keylog, &fields);
            assert!(tally.frames > 10, "{name}: {} frames", tally.frames);
            tally.assert_agrees(name);
            for (field, count) in tally.present_by_field {
                *present.entry(field).or_insert(0) += count;
            }
        }
    }
    // What tshark showed was compared: the frames, a close's code and reason, a ping, the
    // text of a message put back together, and permessage-deflate's bit.
    for field in [
        "websocket.opcode",
        "websocket.masking_key",
        "websocket.payload.text",
        "websocket.payload.close.status_code",
        "websocket.payload.close.reason",
        "websocket.payload.ping",
        "websocket.payload.pong",
        "websocket.payload.continue",
        "websocket.fragment",
        "websocket.reassembled.length",
        "websocket.pmc",
        "data.data",
    ] {
        assert!(present.get(field).is_some_and(|count| *count > 0), "tshark showed no {field}");
    }
}

/// The Upgrade costs one round trip after TCP's (ws) and TLS 1.3's (wss): the first message
/// after 2 and 3 round trips, its echo after 3 and 4, the textbook values. Without the key
/// log the Upgrade is encrypted application data, so the connection is plain TLS 1.3.
#[test]
fn the_upgrade_costs_one_round_trip_on_the_interop_captures() {
    let interop = common::root().join("fixtures/interop");
    let textbook = |name: &str| -> common::Counted {
        let (request, response) = rttscope::timeline::Variant::from_name(name)
            .and_then(rttscope::timeline::textbook)
            .expect("a textbook variant");
        (name.to_owned(), Some(request.into()), Some(response.into()))
    };
    assert_eq!(textbook("ws"), ("ws".to_owned(), Some(2), Some(3)));
    assert_eq!(textbook("wss"), ("wss".to_owned(), Some(3), Some(4)));
    let plain = interop.join("websocket.pcap");
    assert_eq!(common::timeline_rounds(&plain, None), [textbook("ws"), textbook("ws")]);
    let tls = interop.join("websocket-tls.pcap");
    let keys = common::tshark::key_log_of(&tls).expect("the key log is beside the capture");
    assert_eq!(common::timeline_rounds(&tls, Some(&keys)), [textbook("wss")]);
    assert_eq!(common::timeline_rounds(&tls, None), [textbook("tls13")]);

    // The text timeline labels the hand-off and the first message.
    let output =
        common::rttscope(&["timeline", &plain.to_string_lossy(), "--connection", "0", "--width", "200"]);
    let shown = common::stdout(&output);
    for label in ["WebSocket Upgrade (GET /echo)", "HTTP 101 Switching Protocols", "WebSocket Text"] {
        assert!(shown.contains(label), "{label} is not in\n{shown}");
    }
}

/// WebSocket over HTTP/2 (RFC 8441 extended CONNECT) on the interop captures of Hypercorn and
/// a client of `h2` and `wsproto`, plain (h2c) and inside TLS with the key log. Every HTTP/2
/// field equals tshark's; tshark 4.0 leaves the stream's DATA as tunneled data where rttscope
/// also reads the WebSocket frames in it: those frames' WebSocket layers, their fields and
/// the two columns are the one named difference, counted frame by frame.
#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn websocket_over_http2_agrees_with_tshark_and_adds_only_the_websocket_layers() {
    let fields = compared_fields();
    let mut present = std::collections::HashMap::new();
    // Each capture: its key log or none, and the frames whose DATA holds WebSocket frames:
    // the text, binary and fragmented messages and their echoes, ping, pong, both closes, in
    // 11 frames (the second and third fragments share one). The interop captures hold 30 and
    // 35 frames: the client's SETTINGS ACK and CONNECT share a segment (two records over TLS).
    let plain = common::root().join("fixtures/interop/websocket-h2.pcap");
    let tls = common::root().join("fixtures/interop/websocket-h2-tls.pcap");
    let keys = common::tshark::key_log_of(&tls).expect("the key log is beside the capture");
    // The course captures of `gen ws-h2` and `gen wss-h2` (keys embedded), 21 and 29 frames:
    // a text message, its echo and both closes.
    let ws_h2 = common::root().join("captures/ws-h2.pcapng");
    let wss_h2 = common::root().join("captures/wss-h2.pcapng");
    for (capture, keylog, added, frames) in [
        (&plain, None, 11, 29),
        (&tls, None, 0, 34),
        (&tls, Some(keys.as_path()), 11, 34),
        (&ws_h2, None, 4, 20),
        (&wss_h2, None, 4, 28),
    ] {
        let tally = compare(capture, keylog, &fields);
        let name = capture.display();
        assert!(tally.frames > frames, "{name}: {} frames", tally.frames);
        tally.assert_agrees(&name);
        assert_eq!(tally.websocket_over_http2, added, "{name} with key log {keylog:?}");
        for (field, count) in tally.present_by_field {
            *present.entry(field).or_insert(0) += count;
        }
    }
    for field in
        ["http2.settings.extended_connect", "http2.headers.method", "http2.headers.status", "http2.data.data"]
    {
        assert!(present.get(field).is_some_and(|count| *count > 0), "tshark showed no {field}");
    }
}

/// WebSocket over HTTP/2: the server's SETTINGS, then the CONNECT's 200, gate the first
/// message. In the clear that is the textbook 3 and 4 (`ws-h2`). Over TLS Hypercorn sends its
/// SETTINGS only after the client's Finished, one round more than the textbook's 3 and 4
/// (`wss-h2`); without the key log the connection is plain TLS 1.3.
#[test]
fn websocket_over_http2_waits_for_the_settings_and_the_200() {
    let interop = common::root().join("fixtures/interop");
    let named = |name: &str, request: u32, response: u32| -> common::Counted {
        (name.to_owned(), Some(request.into()), Some(response.into()))
    };
    let textbook =
        |name: &str| rttscope::timeline::Variant::from_name(name).and_then(rttscope::timeline::textbook);
    assert_eq!(textbook("ws-h2"), Some((3, 4)));
    assert_eq!(textbook("wss-h2"), Some((3, 4)));
    let plain = interop.join("websocket-h2.pcap");
    assert_eq!(common::timeline_rounds(&plain, None), [named("ws-h2", 3, 4)]);
    let tls = interop.join("websocket-h2-tls.pcap");
    let keys = common::tshark::key_log_of(&tls).expect("the key log is beside the capture");
    assert_eq!(common::timeline_rounds(&tls, Some(&keys)), [named("wss-h2", 4, 5)]);
    assert_eq!(common::timeline_rounds(&tls, None), [named("tls13", 2, 3)]);

    let output =
        common::rttscope(&["timeline", &plain.to_string_lossy(), "--connection", "0", "--width", "200"]);
    let shown = common::stdout(&output);
    for label in ["HTTP/2 CONNECT /echo", "HTTP/2 200", "WebSocket Text", "WebSocket Connection Close"] {
        assert!(shown.contains(label), "{label} is not in\n{shown}");
    }
}

/// Every record of a WebSocket-over-HTTP/2 connection is named for what it carries, with or
/// without TLS: HTTP/2's SETTINGS acknowledgements and GOAWAY as such, never as bare
/// "ApplicationData" (Hypercorn's capture, and the course captures of `gen ws-h2` and
/// `gen wss-h2`, whose rounds `tests/it/generate.rs` checks).
#[test]
fn websocket_over_http2_names_every_record() {
    let interop = common::root().join("fixtures/interop/websocket-h2-tls.pcap");
    let keys = common::tshark::key_log_of(&interop).expect("the key log is beside the capture");
    let (interop, keys) = (interop.to_string_lossy(), keys.to_string_lossy());
    let course = |name: &str| common::root().join(format!("captures/{name}.pcapng")).display().to_string();
    for (args, path) in [
        (vec![interop.to_string(), "--keylog".to_owned(), keys.to_string()], "/echo"),
        (vec![course("ws-h2")], "/ws-h2"),
        (vec![course("wss-h2")], "/wss-h2"),
    ] {
        let mut command = vec!["timeline"];
        command.extend(args.iter().map(String::as_str));
        command.extend(["--connection", "0", "--width", "200"]);
        let shown = common::stdout(&common::rttscope(&command));
        let connect = format!("HTTP/2 CONNECT {path}");
        for label in
            ["HTTP/2 SETTINGS ACK", &connect, "HTTP/2 200", "WebSocket Text", "WebSocket Connection Close"]
        {
            assert!(shown.contains(label), "{label} is not in\n{shown}");
        }
        assert!(!shown.contains("ApplicationData"), "{shown}");
    }
}
