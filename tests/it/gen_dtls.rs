//! The DTLS 1.2 generators (issue 18) under a live capture: `demo dtls12` (GnuTLS's
//! `gnutls-serv --nocookie`) and `demo dtls12-cookie` (OpenSSL's `s_server`), both against
//! OpenSSL's `s_client`. Each capture must show its variant (a HelloVerifyRequest with the
//! cookie, none without), the lines exchanged decrypted with the key log the generator
//! appended from s_client's (embedded in the capture), and the textbook's rounds. And the
//! course capture of `gen dtls13` (dimpl's peers in-process).

use crate::common;

/// The lines the client sends and reads back, as `data.data` shows them.
const LINES: [&str; 2] = ["hello from rttscope's DTLS client\n", "and a second line\n"];

fn hex(text: &str) -> String {
    text.bytes().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
#[ignore = "needs root, openssl and gnutls-bin"]
fn each_dtls_generator_makes_its_variant_with_the_data_decrypted_and_the_textbook_rounds() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for (variant, hello_verify_requests, client_hellos) in [("dtls12", 0, 1), ("dtls12-cookie", 1, 2)] {
        let path = dir.path().join(format!("{variant}.pcapng"));
        let written = path.to_str().expect("a UTF-8 path");
        let output = common::rttscope(&["demo", variant, "--rtt", "0", "--headless", "-w", written]);
        assert!(
            output.status.success(),
            "{variant}: {}\n{}",
            common::stdout(&output),
            common::stderr(&output)
        );
        let fields = |filter: &str, field: &str| -> Vec<String> {
            let output = common::rttscope(&["dissect", written, "-Y", filter, "-T", "fields", "-e", field]);
            assert!(output.status.success(), "{}", common::stderr(&output));
            common::stdout(&output).lines().filter(|line| !line.is_empty()).map(str::to_owned).collect()
        };
        let count = |filter: &str| fields(filter, "frame.number").len();
        assert_eq!(count("dtls.handshake.type == 3"), hello_verify_requests, "{variant}: HelloVerifyRequest");
        assert_eq!(count("dtls.handshake.type == 1"), client_hellos, "{variant}: ClientHello");
        assert_eq!(
            count("dtls.handshake.cookie_length > 0"),
            hello_verify_requests * 2,
            "{variant}: cookies"
        );
        assert_eq!(count("dtls.handshake.type == 20"), 2, "{variant}: both Finished messages");
        // Each line goes to the server and comes back, decrypted with the embedded key log.
        let data = fields("data", "data.data");
        let expected: Vec<String> = LINES.iter().flat_map(|line| [hex(line), hex(line)]).collect();
        assert_eq!(data, expected, "{variant}: the application data, decrypted");
        let (request, response) = rttscope::timeline::Variant::from_name(variant)
            .and_then(rttscope::timeline::textbook)
            .expect("a textbook value");
        assert_eq!(
            common::timeline_rounds(&path, None),
            [(variant.to_owned(), Some(u64::from(request)), Some(u64::from(response)))],
            "{variant}"
        );
    }
}

/// The course captures the generators made (`captures/dtls12*.pcapng`, keys embedded) agree
/// with tshark field by field: the handshake (with the cookie where there is one) and the
/// application data tshark decrypts with the embedded keys.
#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn the_course_dtls_captures_agree_with_tshark_field_by_field() {
    let fields = common::tshark::compared_fields();
    for (name, cookies) in [("dtls12.pcapng", 0), ("dtls12-cookie.pcapng", 2)] {
        let path = common::root().join("captures").join(name);
        let tally = common::tshark::compare(&path, None, &fields);
        tally.assert_agrees(name);
        assert_eq!(
            tally.seen("dtls.handshake.cookie"),
            cookies,
            "{name}: the cookie, in the HelloVerifyRequest and the ClientHello again"
        );
        assert_eq!(tally.seen("data.data"), 4, "{name}: each line both ways, decrypted");
        eprintln!(
            "{name}: {} frames, {} values compared ({} present), 0 differences",
            tally.frames, tally.values, tally.present
        );
    }
}

/// `captures/dtls13.pcapng`, made by `gen dtls13` (dimpl's client and server in-process, the
/// key log noted from the client's own HKDF and embedded): tshark 4.0 reads the ClientHello
/// and leaves every later datagram as UDP data (the server's first one holds its plaintext
/// ServerHello before the unified-header records it cannot read, and tshark gives up on the
/// whole datagram); those are compared below DTLS only, and counted.
#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn the_course_dtls13_capture_agrees_with_tshark_where_tshark_reads_it() {
    let fields = common::tshark::compared_fields();
    let path = common::root().join("captures/dtls13.pcapng");
    let tally = common::tshark::compare(&path, None, &fields);
    tally.assert_agrees(path.display());
    assert_eq!(tally.frames, 8);
    assert_eq!(tally.dtls13_unread, 7, "every datagram after the ClientHello");
    assert_eq!(tally.seen("dtls.handshake.type"), 1, "the ClientHello");
    assert!(tally.seen("dtls.handshake.extension.type") > 0, "the ClientHello's extensions compared");
    eprintln!(
        "dtls13.pcapng: {} frames, {} values compared ({} present), 0 differences",
        tally.frames, tally.values, tally.present
    );
}

/// The same capture, decrypted with the key log the generator embedded: the server's flight,
/// the client's Finished, the server's ACK of it, the line each way and both close_notify
/// alerts, and the timeline's textbook DTLS 1.3 rounds (1 and 2: no cookie exchange).
#[test]
fn the_course_dtls13_capture_decrypts_with_its_key_log() {
    let path = common::root().join("captures/dtls13.pcapng");
    let path = path.to_str().expect("a UTF-8 path");
    let output = common::rttscope(&[
        "dissect",
        path,
        "-e",
        "_ws.col.Protocol",
        "-e",
        "_ws.col.Info",
        "-e",
        "data.data",
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let shown = common::stdout(&output);
    let rows: Vec<Vec<&str>> = shown.lines().map(|line| line.split('\t').collect()).collect();
    let info: Vec<&str> = rows.iter().map(|row| row[1]).collect();
    assert_eq!(
        info,
        [
            "Client Hello",
            "Server Hello, Encrypted Extensions, Certificate, Certificate Verify, Finished",
            "Finished",
            "Ack",
            "Application Data",
            "Application Data",
            "Alert (Level: Warning, Description: Close Notify)",
            "Alert (Level: Warning, Description: Close Notify)",
        ]
    );
    assert!(rows[1..].iter().all(|row| row[0] == "DTLSv1.3"), "{rows:?}");
    let line = hex("hello from rttscope's DTLS 1.3 client");
    assert_eq!([rows[4][2], rows[5][2]], [line.as_str(), line.as_str()], "the line and its echo");

    let output = common::rttscope(&["timeline", path, "--format", "json"]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let timeline: serde_json::Value = serde_json::from_str(&common::stdout(&output)).expect("JSON");
    let connection = &timeline["connections"][0];
    assert_eq!(connection["variant"], "dtls13", "{timeline}");
    assert_eq!(
        (connection["request_rtts"].as_u64(), connection["response_rtts"].as_u64()),
        (Some(1), Some(2))
    );
}
