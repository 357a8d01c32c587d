//! STUN/TURN and the RFC 7983 demultiplexer (issue 18) on the interop captures of coturn and
//! aiortc: every field agrees with tshark's; SRTP, which tshark 4.0 leaves as data unless its
//! RTP heuristic is on, is compared with tshark run with that heuristic, and counted.

use crate::common;

use common::tshark::{compare, compared_fields};

#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn stun_turn_and_srtp_fields_agree_with_tshark() {
    let fields = compared_fields();
    let mut present = std::collections::HashMap::new();
    let mut srtp = 0;
    for name in ["fixtures/interop/stun-coturn.pcap", "fixtures/interop/webrtc-aiortc.pcap"] {
        let capture = common::root().join(name);
        let tally = compare(&capture, None, &fields);
        assert!(tally.frames > 50, "{name}: {} frames", tally.frames);
        tally.assert_agrees(name);
        println!(
            "{name}: {} frames, {} values present, {} SRTP frames read with tshark's rtp_udp heuristic",
            tally.frames, tally.present, tally.srtp_heuristic
        );
        srtp += tally.srtp_heuristic;
        for (field, count) in tally.present_by_field {
            *present.entry(field).or_insert(0) += count;
        }
    }
    assert!(srtp >= 50, "only {srtp} SRTP frames compared");
    // What tshark showed was compared.
    for field in [
        "stun.type",
        "stun.id",
        "stun.attribute",
        "stun.response-to",
        "stun.time",
        "stun.att.ipv4",
        "stun.att.ipv6",
        "stun.att.port-xord",
        "stun.att.username",
        "stun.att.hmac",
        "stun.att.crc32.status",
        "stun.att.error",
        "stun.att.realm",
        "stun.att.nonce",
        "stun.att.priority",
        "stun.att.tie-breaker",
        "stun.att.lifetime",
        "stun.att.channelnum",
        "stun.channel",
        "rtcp.pt",
        "rtcp.senderssrc",
    ] {
        assert!(present.get(field).is_some_and(|count| *count > 0), "tshark showed no {field}");
    }
}

/// The demultiplexer hands aiortc's SRTP to RTP, its SRTCP to RTCP, and matches each ICE
/// check's response to its request.
#[test]
fn webrtc_flows_are_demultiplexed_and_checks_matched() {
    let capture = common::root().join("fixtures/interop/webrtc-aiortc.pcap");
    let output = common::rttscope(&[
        "dissect",
        capture.to_str().expect("a UTF-8 path"),
        "--format",
        "fields",
        "-e",
        "frame.protocols",
        "-e",
        "_ws.col.Protocol",
        "-e",
        "stun.response-to",
    ]);
    let text = String::from_utf8_lossy(&output.stdout);
    let rows: Vec<Vec<&str>> = text.lines().map(|line| line.split('\t').collect()).collect();
    let count = |protocols: &str, column: &str| {
        rows.iter().filter(|row| row[0].ends_with(protocols) && row.get(1) == Some(&column)).count()
    };
    assert!(count(":udp:rtp", "SRTP") >= 50, "{text}");
    assert!(count(":udp:rtcp", "SRTCP") >= 2, "{text}");
    let responses = rows.iter().filter(|row| row.get(2).is_some_and(|frame| !frame.is_empty())).count();
    assert!(responses >= 2, "{text}");
}

/// Where tshark takes an AEAD SRTCP packet for unencrypted (it reads the E flag inside the
/// tag) and reads its ciphertext as more RTCP packets, rttscope shows the first packet as
/// tshark does and stops: the comparison accepts tshark's extra values after rttscope's, and
/// counts those frames. `scripts/make-srtcp-ciphertext.py` makes two such frames.
#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn srtcp_ciphertext_tshark_reads_as_rtcp_is_accepted_and_counted() {
    let capture = common::root().join("fixtures/crafted/srtcp-ciphertext-as-rtcp.pcap");
    let fields = compared_fields();
    let tally = compare(&capture, None, &fields);
    tally.assert_agrees(capture.display());
    assert_eq!(tally.srtcp_ciphertext, 2, "frames 69 and 110");
    // tshark read a second packet in each; rttscope one.
    let path = capture.to_string_lossy().into_owned();
    let args =
        ["-r", &path, "-Y", "frame.number == 69 || frame.number == 110", "-T", "fields", "-e", "rtcp.pt"];
    let tshark = std::process::Command::new("tshark").args(args).output().expect("tshark runs");
    assert_eq!(common::stdout(&tshark), "200,203\n203,201\n");
    let ours = common::rttscope(&[&["dissect", &path], &args[2..]].concat());
    assert_eq!(common::stdout(&ours), "200\n203\n");
}

/// SRTP and SRTCP, whose first byte has its top bit set as a QUIC long header's does, leave
/// aiortc's flow the DTLS 1.2 connection it is: the timeline reads none of them as a QUIC
/// packet of a version it does not know.
#[test]
fn a_webrtc_flow_is_dtls_in_the_timeline_not_quic() {
    let capture = common::root().join("fixtures/interop/webrtc-aiortc.pcap");
    let output = common::rttscope(&["timeline", capture.to_str().expect("a UTF-8 path"), "-T", "json"]);
    let connections: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let connections = connections["connections"].as_array().expect("a list of connections");
    assert_eq!(connections.len(), 1, "one flow");
    let flow = &connections[0];
    assert_eq!((flow["variant"].as_str(), flow["transport"].as_str()), (Some("dtls12"), Some("udp")));
    assert_eq!(flow["tls_version"].as_str(), Some("1.2"));
    let events = flow["events"].as_array().expect("events");
    assert!(events.len() > 20, "{} events", events.len());
    for event in events {
        let label = event["label"].as_str().unwrap_or_default();
        assert!(!label.contains("long header"), "frame {}: {label}", event["frame"]);
    }
    // The media beside the handshake is named as the Protocol column names it, not bare UDP:
    // frame 9 is an SRTP packet of 39 bytes.
    let label = |frame: u64| {
        let event = events.iter().find(|event| event["frame"].as_u64() == Some(frame));
        event.and_then(|event| event["label"].as_str()).unwrap_or_default()
    };
    assert_eq!(label(9), "SRTP 39 bytes");
    // At the application layer, as the packet list puts RTP.
    let osi = events.iter().find(|event| event["frame"].as_u64() == Some(9)).map(|event| &event["osi"]);
    assert_eq!(osi.and_then(serde_json::Value::as_u64), Some(7));
    let named = |prefix: &str| {
        events.iter().filter(|e| e["label"].as_str().unwrap_or_default().starts_with(prefix)).count()
    };
    assert!(named("SRTCP ") > 0, "some SRTCP");
    assert_eq!(named("UDP "), 0, "every datagram named");
}
