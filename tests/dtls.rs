//! DTLS (issue 18) on the OpenSSL and GnuTLS interop captures: every field compared with
//! tshark, with and without the key log, and the handshake's rounds.

mod common;

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
            assert!(tally.mismatches.is_empty(), "{name} {keylog:?}:\n{}", tally.mismatches.join("\n"));
            let seen = |field: &str| tally.present_by_field.get(field).copied().unwrap_or(0);
            assert!(seen("dtls.handshake.fragment_offset") > 0, "{name}: no fragment compared");
            assert!(seen("dtls.fragment.count") > 0, "{name}: no reassembled message compared");
            if keylog.is_some() {
                assert!(seen("data.data") >= 2, "{name}: the application data is decrypted");
            }
        }
    }
}

/// Rounds of each interop capture's handshake, against the textbook: without a cookie the
/// ClientHello is answered at once (2 rounds before the request, 3 to the response); with
/// OpenSSL's HelloVerifyRequest the ClientHello goes again, one more round (3 and 4).
#[test]
fn the_interop_captures_count_the_textbook_rounds() {
    for (name, variant, request, response) in
        [("dtls12-gnutls", "dtls12", 2, 3), ("dtls12-openssl", "dtls12-cookie", 3, 4)]
    {
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
        let text = common::stdout(&output);
        let timeline: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let connection = &timeline["connections"][0];
        assert_eq!(connection["variant"], variant, "{name}: {text}");
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
        let labels: Vec<String> = timeline["connections"][0]["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter_map(|event| event["label"].as_str().map(str::to_owned))
            .collect();
        assert!(labels.iter().any(|label| label.contains("Certificate (fragment)")), "{name}: {labels:?}");
        assert!(!labels.iter().any(|label| label.starts_with("UDP ")), "{name}: {labels:?}");
    }
}
