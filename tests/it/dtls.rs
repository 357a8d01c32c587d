//! DTLS (issue 18) on the OpenSSL and GnuTLS interop captures: every field compared with
//! tshark, with and without the key log, and the handshake's rounds.

use crate::common;

use common::tshark::{compare, compared_fields};

fn capture(name: &str) -> std::path::PathBuf {
    common::root().join("fixtures/interop").join(name)
}

const CAPTURES: [&str; 2] = ["dtls12-gnutls.pcap", "dtls12-openssl.pcap"];

#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn the_dtls_captures_agree_with_tshark_field_by_field_with_and_without_keys() {
    let fields = compared_fields();
    for name in CAPTURES {
        let path = capture(name);
        let keys = common::tshark::key_log_of(&path).expect("the key log is beside the capture");
        for keylog in [None, Some(keys.as_path())] {
            let tally = compare(&path, keylog, &fields);
            tally.assert_agrees(format_args!("{name} {keylog:?}"));
            assert!(tally.seen("dtls.handshake.fragment_offset") > 0, "{name}: no fragment compared");
            assert!(tally.seen("dtls.fragment.count") > 0, "{name}: no reassembled message compared");
            if keylog.is_some() {
                assert!(tally.seen("data.data") >= 2, "{name}: the application data is decrypted");
            }
        }
    }
}

/// `rttscope timeline --format json` of the interop capture NAME.pcap with its key log.
fn timeline_with_keys(name: &str) -> serde_json::Value {
    let path = capture(&format!("{name}.pcap"));
    let keys = capture(&format!("{name}.keys"));
    let output = common::rttscope(&[
        "timeline",
        path.to_str().expect("a UTF-8 path"),
        "--keylog",
        keys.to_str().expect("a UTF-8 path"),
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    serde_json::from_str(&common::stdout(&output)).expect("JSON")
}

/// The labels of a timeline's first connection's events.
fn event_labels(timeline: &serde_json::Value) -> Vec<String> {
    timeline["connections"][0]["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|event| event["label"].as_str().map(str::to_owned))
        .collect()
}

/// Rounds of each interop capture's handshake, against the textbook: without a cookie the
/// ClientHello is answered at once (2 rounds before the request, 3 to the response); with
/// OpenSSL's HelloVerifyRequest the ClientHello goes again, one more round (3 and 4); DTLS 1.3
/// takes 1 and 2, and wolfSSL's HelloRetryRequest with a cookie adds one (2 and 3).
#[test]
fn the_interop_captures_count_the_textbook_rounds() {
    for (name, variant, request, response) in [
        ("dtls12-gnutls", "dtls12", 2, 3),
        ("dtls12-openssl", "dtls12-cookie", 3, 4),
        ("dtls13-wolfssl", "dtls13", 2, 3),
    ] {
        let timeline = timeline_with_keys(name);
        let connection = &timeline["connections"][0];
        assert_eq!(connection["variant"], variant, "{name}: {timeline}");
        assert_eq!(connection["request_rtts"], request, "{name}");
        assert_eq!(connection["response_rtts"], response, "{name}");
    }
}

/// A datagram holding only part of a handshake message is labelled with the message it is
/// part of, as tshark's Info column says "Certificate (Fragment)", not as bare UDP bytes.
#[test]
fn a_datagram_of_fragments_names_the_message_it_is_part_of() {
    for name in CAPTURES {
        let path = capture(name);
        let output =
            common::rttscope(&["timeline", path.to_str().expect("a UTF-8 path"), "--format", "json"]);
        assert!(output.status.success(), "{}", common::stderr(&output));
        let timeline: serde_json::Value = serde_json::from_str(&common::stdout(&output)).expect("JSON");
        let labels = event_labels(&timeline);
        assert!(labels.iter().any(|label| label.contains("Certificate (fragment)")), "{name}: {labels:?}");
        assert!(!labels.iter().any(|label| label.starts_with("UDP ")), "{name}: {labels:?}");
    }
}

/// The DTLS 1.3 capture of two wolfSSL peers (scripts/interop/dtls13-peer).
const DTLS13: &str = "dtls13-wolfssl.pcap";

/// tshark 4.0 reads the plaintext records (the hellos and the HelloRetryRequest) but not the
/// unified header: those frames are compared below DTLS only, and counted; nor does it name the
/// hellos' version or the HelloRetryRequest in its columns (counted too).
#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn the_dtls13_capture_agrees_with_tshark_where_tshark_reads_it() {
    let fields = compared_fields();
    let path = capture(DTLS13);
    let keys = common::tshark::key_log_of(&path).expect("the key log is beside the capture");
    for keylog in [None, Some(keys.as_path())] {
        let tally = compare(&path, keylog, &fields);
        tally.assert_agrees(format_args!("{keylog:?}"));
        assert_eq!(tally.frames, 28);
        assert_eq!(tally.dtls13_unread, 24, "every datagram after the ServerHello is a unified header's");
        assert_eq!(tally.dtls13_hello, 3, "the HelloRetryRequest, the second ClientHello, the ServerHello");
        assert_eq!(
            tally.seen("dtls.handshake.type"),
            4,
            "two ClientHellos, the HelloRetryRequest, the ServerHello"
        );
        assert!(tally.seen("dtls.handshake.extension.type") > 0, "the hellos' extensions compared");
    }
}

/// The UDP payload of a record (a unified header, then ciphertext) that one of tshark 4.0's
/// UDP heuristics takes for R-GOOSE: found by giving frame 6 of a fresh recording random
/// ciphertext (3 in 20,000 such datagrams), after a clean-clone CI run met one.
const MISREAD_BY_A_HEURISTIC: &str = "2e4044005f2915f3ccd240f97c2129abf008f839c9726b476dffefc8f2008a50\
    2634b98607ae4a5400b2f1b5b99483a1fe0097d580908981556d9be5314067c7b0db1c36dc89d4c05f8168f9ab07\
    f18bb4331ac656f96bb04bd4a3a0d9651e3b6dbede89";

/// Where a tshark heuristic reads a DTLS 1.3 datagram's ciphertext as another protocol, the
/// frame is still compared below DTLS, counted, and the heuristic's layers named.
#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn a_dtls13_datagram_a_tshark_heuristic_misreads_is_compared_below_dtls() {
    let mut bytes = std::fs::read(capture(DTLS13)).expect("the capture");
    let payload: Vec<u8> = (0..MISREAD_BY_A_HEURISTIC.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&MISREAD_BY_A_HEURISTIC[at..at + 2], 16).expect("hex"))
        .collect();
    // Classic pcap: a 24-byte file header, then each record's 16-byte header and its frame.
    let mut at = 24;
    for _ in 0..5 {
        let length = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().expect("four bytes"));
        at += 16 + length as usize;
    }
    let frame_length = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().expect("four bytes")) as usize;
    // Ethernet, IPv4 without options, UDP: the payload starts 42 bytes into the frame.
    assert_eq!(frame_length, 42 + payload.len(), "frame 6 carries a 100-byte datagram");
    bytes[at + 16 + 42..at + 16 + frame_length].copy_from_slice(&payload);
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("dtls13-misread.pcap");
    std::fs::write(&path, bytes).expect("the crafted capture");

    let tally = compare(&path, None, &compared_fields());
    tally.assert_agrees(path.display());
    assert_eq!(tally.dtls13_unread, 24, "the misread datagram is still one of the unified header's");
    assert_eq!(tally.dtls13_heuristic, ["goose:cotp:goose"]);
}

/// Each column of `rttscope dissect` on the DTLS 1.3 capture, a row a frame.
fn dtls13_rows(keylog: bool, fields: &[&str]) -> Vec<Vec<String>> {
    let path = capture(DTLS13);
    let keys = capture("dtls13-wolfssl.keys");
    let mut args = vec!["dissect", path.to_str().expect("a UTF-8 path")];
    if keylog {
        args.extend(["--keylog", keys.to_str().expect("a UTF-8 path")]);
    }
    for field in fields {
        args.extend(["-e", field]);
    }
    let output = common::rttscope(&args);
    assert!(output.status.success(), "{}", common::stderr(&output));
    common::stdout(&output).lines().map(|line| line.split('\t').map(str::to_owned).collect()).collect()
}

/// With the client's key log every unified-header record opens (record number encryption
/// removed, the "dtls13" labels): the server's flight, the client's Finished, the server's
/// ACK (one record number), both lines each way and both close_notify alerts; without it
/// none does.
#[test]
fn the_dtls13_records_open_with_the_key_log_and_only_with_it() {
    let rows = dtls13_rows(
        true,
        &["_ws.col.Protocol", "_ws.col.Info", "data.data", "dtls.ack.record_numbers_length"],
    );
    assert_eq!(rows.len(), 28);
    let info: Vec<&str> = rows.iter().map(|row| row[1].as_str()).collect();
    assert!(rows.iter().all(|row| row[0] == "DTLSv1.3" || row[1] == "Client Hello"), "{rows:?}");
    assert_eq!(info[1], "Hello Retry Request");
    assert_eq!(info[4], "Encrypted Extensions");
    assert!(info[5..17].iter().all(|info| *info == "Certificate (Fragment)"), "{info:?}");
    assert_eq!(
        info[17..22],
        ["Certificate (Reassembled)", "Certificate Verify", "Finished", "Finished", "Ack"]
    );
    let hex = |text: &str| text.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let data: Vec<&str> = rows[22..26].iter().map(|row| row[2].as_str()).collect();
    let (first, second) = (hex("hello from wolfSSL\n"), hex("second line\n"));
    assert_eq!(data, [&first, &first, &second, &second]);
    assert!(info[26..].iter().all(|info| *info == "Alert (Level: Warning, Description: Close Notify)"));
    let acked: Vec<&str> =
        rows.iter().map(|row| row[3].as_str()).filter(|length| !length.is_empty()).collect();
    assert_eq!(acked, ["16"], "the ACK acknowledges one record: the client's Finished");

    let rows = dtls13_rows(false, &["_ws.col.Info", "data.data", "dtls.ack.record_numbers_length"]);
    assert!(
        rows[4..].iter().all(|row| row[0] == "Encrypted Record" && row[1].is_empty() && row[2].is_empty()),
        "{rows:?}"
    );
}

/// The timeline of the DTLS 1.3 capture names each decrypted message: the server's ACK of the
/// client's Finished is a DTLS ACK, not an encrypted handshake.
#[test]
fn the_dtls13_timeline_names_the_ack_and_the_decrypted_messages() {
    let timeline = timeline_with_keys("dtls13-wolfssl");
    let labels = event_labels(&timeline);
    for expected in ["HelloRetryRequest", "EncryptedExtensions", "CertificateVerify", "DTLS ACK"] {
        assert!(labels.iter().any(|label| label == expected), "{expected} in {labels:?}");
    }
    assert!(!labels.iter().any(|label| label.starts_with("encrypted")), "{labels:?}");
}
