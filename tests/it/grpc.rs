//! gRPC (issue 18) on the interop captures of Python's `grpcio`: every field agrees with
//! tshark's, over cleartext HTTP/2 and inside TLS with the key log, and the timeline counts
//! the rounds grpcio really spends.

use crate::common;

use common::tshark::{compare, compared_fields};

#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn grpc_fields_agree_with_tshark_over_h2c_and_tls() {
    let fields = compared_fields();
    let mut present = std::collections::HashMap::new();
    // The interop captures, and the course capture of rttscope's own generator (keys embedded).
    for name in ["fixtures/interop/grpc.pcap", "fixtures/interop/grpc-tls.pcap", "captures/grpc.pcapng"] {
        let capture = common::root().join(name);
        let keys = common::tshark::key_log_of(&capture);
        for keylog in [None, keys.as_deref()] {
            let tally = compare(&capture, keylog, &fields);
            println!(
                "{name} (key log: {}): {} frames, {} values present",
                keylog.is_some(),
                tally.frames,
                tally.present
            );
            assert!(tally.frames > 20, "{name}: {} frames", tally.frames);
            tally.assert_agrees(name);
            for (field, count) in tally.present_by_field {
                *present.entry(field).or_insert(0) += count;
            }
        }
    }
    // What tshark showed was compared: each message's prefix and body, the gzip-compressed
    // one inflated, and the body's fields of every wire type.
    for field in [
        "grpc.frame_type",
        "grpc.compressed_flag",
        "grpc.message_length",
        "grpc.message_data",
        "protobuf.message.name",
        "protobuf.field.name",
        "protobuf.field.number",
        "protobuf.field.wiretype",
        "protobuf.field.value.length",
        "protobuf.field.value",
        "protobuf.field.value.uint32",
        "protobuf.field.value.uint64",
        "_ws.col.Info",
        "frame.protocols",
    ] {
        assert!(present.get(field).is_some_and(|count| *count > 0), "tshark showed no {field}");
    }
}

/// grpcio over TLS 1.3: the client's preface goes with its Finished (round 2), and grpcio
/// then waits for the server's SETTINGS before its first call, so the call comes one round
/// after the textbook's (which lets a client send it right after its preface): 3 and 4, not
/// 2 and 3. Without the key log it is plain TLS 1.3 (the preface taken for the request).
/// Over cleartext HTTP/2 the same wait makes 2 and 3, where plain HTTP's textbook says 1 and 2.
#[test]
fn grpcio_waits_for_the_servers_settings_on_the_interop_captures() {
    let interop = common::root().join("fixtures/interop");
    let textbook = |name: &str| -> (u64, u64) {
        let (request, response) = rttscope::timeline::Variant::from_name(name)
            .and_then(rttscope::timeline::textbook)
            .expect("a textbook variant");
        (request.into(), response.into())
    };
    assert_eq!(textbook("grpc"), (2, 3));
    let tls = interop.join("grpc-tls.pcap");
    let keys = common::tshark::key_log_of(&tls).expect("the key log is beside the capture");
    let waited = |(request, response): (u64, u64)| (request + 1, response + 1);
    let (request, response) = waited(textbook("grpc"));
    assert_eq!(
        common::timeline_rounds(&tls, Some(&keys)),
        [("grpc".to_owned(), Some(request), Some(response))]
    );
    let (request, response) = textbook("tls13");
    assert_eq!(common::timeline_rounds(&tls, None), [("tls13".to_owned(), Some(request), Some(response))]);
    let plain = interop.join("grpc.pcap");
    let (request, response) = waited(textbook("http"));
    assert_eq!(common::timeline_rounds(&plain, None), [("http".to_owned(), Some(request), Some(response))]);

    // The text timeline labels HTTP/2's start, the calls and their status.
    let output = common::rttscope(&[
        "timeline",
        &tls.to_string_lossy(),
        "--keylog",
        &keys.to_string_lossy(),
        "--connection",
        "0",
        "--width",
        "200",
    ]);
    let shown = common::stdout(&output);
    for label in [
        "HTTP/2 preface + SETTINGS",
        "HTTP/2 SETTINGS",
        "gRPC /rttscope.Echo/Unary",
        "gRPC /rttscope.Echo/ServerStream",
        "grpc-status 0",
        "grpc-status 3",
    ] {
        assert!(shown.contains(label), "{label} is not in\n{shown}");
    }
}

/// `gen grpc` under a live capture: the calls happened on the wire (the requests' paths, the
/// messages both ways and each call's `grpc-status: 0`, read with the key log the demo embeds)
/// and the connection is a `grpc` one with the textbook's rounds (h2 sends its call right
/// after its preface).
#[test]
#[ignore = "needs root: a raw socket to capture loopback"]
fn gen_grpc_makes_calls_seen_in_the_capture() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let capture = dir.path().join("grpc.pcapng");
    let output = common::rttscope(&["demo", "grpc", "--headless", "-w", &capture.to_string_lossy()]);
    assert!(output.status.success(), "{}\n{}", common::stdout(&output), common::stderr(&output));
    let field = |filter: &str, field: &str| -> Vec<String> {
        let output = common::rttscope(&[
            "dissect",
            &capture.to_string_lossy(),
            "-Y",
            filter,
            "-T",
            "fields",
            "-e",
            field,
        ]);
        assert!(output.status.success(), "{}", common::stderr(&output));
        common::stdout(&output).lines().filter(|line| !line.is_empty()).map(str::to_owned).collect()
    };
    let paths = field("http2.headers.path", "http2.headers.path");
    assert_eq!(paths, ["/rttscope.Echo/Unary", "/rttscope.Echo/ServerStream"]);
    // One request each, one reply to the unary call and three to the streaming one.
    let lengths: usize =
        field("grpc", "grpc.message_length").iter().map(|line| line.split(',').count()).sum();
    assert_eq!(lengths, 2 + 1 + 3);
    assert!(!field("protobuf", "protobuf.field.number").is_empty());
    let statuses = field("http2.header.name == \"grpc-status\"", "frame.number");
    assert_eq!(statuses.len(), 2, "each call ends with grpc-status");
    let (request, response) = rttscope::timeline::Variant::from_name("grpc")
        .and_then(rttscope::timeline::textbook)
        .expect("a textbook variant");
    assert_eq!(
        common::timeline_rounds(&capture, None),
        [("grpc".to_owned(), Some(u64::from(request)), Some(u64::from(response)))]
    );
}
