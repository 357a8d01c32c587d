//! QUIC and HTTP/3 from the command line, on the aioquic interop captures: what the key log
//! opens, what stays encrypted without it, and the connections tshark 4.0.17 cannot follow
//! (after a Retry, after Version Negotiation, and the 0-RTT request), which the differential
//! test compares only below QUIC.

use crate::common;

use std::path::PathBuf;

use common::{rttscope, stdout};

fn capture(name: &str) -> PathBuf {
    common::root().join("fixtures/interop").join(format!("{name}.pcap"))
}

/// The frame numbers that pass `filter`, with the capture's key log or without.
fn frames(name: &str, keys: bool, filter: &str) -> Vec<String> {
    let path = capture(name);
    let keylog = path.with_extension("keys");
    let mut args = vec!["dissect".to_owned(), path.display().to_string(), "-Y".into(), filter.into()];
    args.extend(["-e".into(), "frame.number".into()]);
    if keys {
        args.extend(["--keylog".into(), keylog.display().to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = rttscope(&args);
    assert!(output.status.success(), "{name}: {}", common::stderr(&output));
    stdout(&output).lines().map(str::to_owned).collect()
}

#[test]
fn without_keys_the_initial_handshake_is_read_and_the_rest_says_why_not() {
    assert_eq!(frames("quic-h3-aioquic", false, "tls.handshake.type == 1").len(), 1, "the ClientHello");
    assert!(!frames("quic-h3-aioquic", false, "tls.handshake.type == 2").is_empty(), "the ServerHello");
    assert!(frames("quic-h3-aioquic", false, "http3").is_empty(), "nothing above 1-RTT");
    assert!(!frames("quic-h3-aioquic", false, "quic.remaining_payload").is_empty());
    let path = capture("quic-h3-aioquic");
    let output = rttscope(&["dissect", &path.to_string_lossy(), "-T", "jsonl", "-Y", "quic.short"]);
    assert!(stdout(&output).contains("(encrypted: no key)"));
}

#[test]
fn with_keys_every_level_opens_and_http3_is_read() {
    let name = "quic-h3-aioquic";
    assert!(
        !frames(name, true, "quic.long.packet_type == 2 && quic.frame_type == 6").is_empty(),
        "Handshake CRYPTO"
    );
    assert!(!frames(name, true, "tls.handshake.type == 11").is_empty(), "the Certificate inside QUIC");
    assert_eq!(frames(name, true, "http3.frame_type == 1").len(), 2, "request and response HEADERS");
    assert_eq!(frames(name, true, "http3.frame_type == 0").len(), 1, "the response DATA");
    assert!(!frames(name, true, "http3.settings.qpack.max_table_capacity").is_empty());
    // QPACK: the request and the status are readable.
    let request =
        r#"http3.headers.method == "GET" && http3.request.full_uri == "https://server.test/hello.txt""#;
    assert_eq!(frames(name, true, request).len(), 1);
    assert_eq!(
        frames(name, true, "http3.headers.status == 200 && http3.headers.content_length == 44").len(),
        1
    );
}

#[test]
fn the_server_flight_over_several_datagrams_is_reassembled() {
    // The 4096-bit chain does not fit one datagram: its Certificate completes in a later one.
    let certificates = frames("quic-mtu-aioquic", true, "tls.handshake.type == 11");
    let hellos = frames("quic-mtu-aioquic", true, "tls.handshake.type == 2");
    assert_eq!(certificates.len(), 1);
    assert_ne!(certificates, hellos, "the Certificate ends in a later datagram than the ServerHello");
}

#[test]
fn a_retry_is_verified_and_the_connection_after_it_is_read() {
    let name = "quic-retry-aioquic";
    let path = capture(name);
    let output =
        rttscope(&["dissect", &path.to_string_lossy(), "-T", "jsonl", "-Y", "quic.retry_integrity_tag"]);
    let json = stdout(&output);
    assert!(json.contains("Retry"), "{json}");
    assert!(!json.contains("does not verify"), "the integrity tag verifies against the first DCID");
    // aioquic sends a new ClientHello after the Retry; its secrets open the handshake.
    assert_eq!(frames(name, true, "tls.handshake.type == 1").len(), 2);
    assert!(!frames(name, true, "quic.long.packet_type == 2 && quic.frame_type == 6").is_empty());
    assert_eq!(frames(name, true, "http3.frame_type == 1").len(), 2);
}

#[test]
fn after_version_negotiation_the_v1_connection_is_read() {
    let name = "quic-vn-aioquic";
    // The first Initial, in a version reserved to force the negotiation: QUIC to tshark's
    // heuristic and to rttscope's, its header read and its payload left alone.
    let forcing = "quic.version == 0x1a2a3a4a && quic.long.packet_type == 0 && quic.remaining_payload";
    assert_eq!(frames(name, false, forcing), ["3"]);
    assert_eq!(frames(name, false, "quic.supported_version").len(), 1);
    assert_eq!(frames(name, true, "tls.handshake.type == 1").len(), 1, "the v1 ClientHello");
    assert_eq!(frames(name, true, "http3.frame_type == 1").len(), 2);
}

#[test]
fn the_early_request_is_read_from_0rtt_packets() {
    let early = frames("quic-0rtt-aioquic", true, "quic.long.packet_type == 1 && http3.frame_type == 1");
    assert_eq!(early.len(), 1, "the GET sent as 0-RTT");
    let get = r#"quic.long.packet_type == 1 && http3.headers.method == "GET" && http3.headers.path == "/hello.txt""#;
    assert_eq!(frames("quic-0rtt-aioquic", true, get), early);
    assert!(frames("quic-0rtt-aioquic", false, "quic.long.packet_type == 1 && http3").is_empty());
}

#[test]
fn version_2_is_decrypted_with_its_own_salt_and_labels() {
    let name = "quic-v2-aioquic";
    assert!(!frames(name, false, "quic.version == 0x6b3343cf && tls.handshake.type == 1").is_empty());
    assert!(!frames(name, true, "quic.version == 0x6b3343cf && quic.long.packet_type_v2 == 3").is_empty());
    assert!(!frames(name, true, "http3.frame_type == 0").is_empty());
}

#[test]
fn a_damaged_packet_fails_alone_and_the_rest_is_still_read() {
    // Flip the last byte (inside the AEAD tag) of the capture's last datagram.
    let mut bytes = std::fs::read(capture("quic-h3-aioquic")).expect("capture");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    let dir = tempfile::tempdir().expect("temporary directory");
    let damaged = dir.path().join("damaged.pcap");
    std::fs::write(&damaged, &bytes).expect("written");
    let keys = capture("quic-h3-aioquic").with_extension("keys");
    let output = rttscope(&[
        "dissect",
        &damaged.to_string_lossy(),
        "--keylog",
        &keys.to_string_lossy(),
        "-T",
        "jsonl",
    ]);
    assert!(output.status.success());
    let json = stdout(&output);
    assert!(json.contains("decryption failed"), "the damaged packet says so");
    let text =
        stdout(&rttscope(&["dissect", &damaged.to_string_lossy(), "--keylog", &keys.to_string_lossy()]));
    assert!(text.contains("HEADERS, DATA"), "the other packets are still read: {text}");
}

#[test]
fn crypto_data_sent_again_is_not_read_again() {
    // The client's Finished was dropped once and sent again; the server's Handshake flight was
    // sent again too. Each TLS message is reported on its first copy; the copies carry no TLS.
    let name = "quic-loss-aioquic";
    let crypto = frames(name, true, "quic.long.packet_type == 2 && quic.frame_type == 6");
    let with_tls = frames(name, true, "quic.long.packet_type == 2 && quic.frame_type == 6 && tls");
    assert!(crypto.len() > with_tls.len(), "some Handshake CRYPTO frames are copies: {crypto:?}");
    assert_eq!(frames(name, true, "tls.handshake.type == 20").len(), 2, "one Finished per side");
    // The request's STREAM data was lost with the Finished and sent again: like tshark,
    // rttscope reads the HTTP/3 in both copies.
    assert_eq!(frames(name, true, "http3.frame_type == 1 && udp.dstport == 443").len(), 2);
    assert_eq!(frames(name, true, "http3.frame_type == 1 && udp.srcport == 443").len(), 1, "one answer");
}

#[test]
fn json_makes_a_layer_of_each_coalesced_packet_with_its_crypto_frames_tls_inside() {
    let path = capture("quic-h3-aioquic");
    let keylog = path.with_extension("keys");
    let (path, keylog) = (path.display().to_string(), keylog.display().to_string());
    // ek, whose repeated layers are arrays (json repeats the key, which serde_json collapses).
    let layers = |frame: u32| -> serde_json::Value {
        let filter = format!("frame.number == {frame}");
        let output = rttscope(&["dissect", &path, "--keylog", &keylog, "-Y", &filter, "-T", "ek"]);
        assert!(output.status.success(), "{}", common::stderr(&output));
        let text = stdout(&output);
        let document = text.lines().nth(1).expect("an index line and a document");
        let json: serde_json::Value = serde_json::from_str(document).expect("ek parses");
        json["layers"].clone()
    };
    // Frame 4: the server's Initial (ACK, CRYPTO with the ServerHello) and Handshake
    // (CRYPTO with EncryptedExtensions and the Certificate) packets in one datagram.
    let four = layers(4);
    let packets = four["quic"].as_array().expect("a layer of each QUIC packet");
    let types: Vec<&serde_json::Value> =
        packets.iter().map(|packet| &packet["quic_quic_long_packet_type"]).collect();
    assert_eq!(types, ["0", "2"], "the Initial, then the Handshake packet");
    assert_eq!(packets[0]["tls"]["tls_tls_handshake_type"], "2", "the ServerHello in the Initial");
    assert_eq!(packets[1]["tls"]["tls_tls_handshake_type"], serde_json::json!(["8", "11"]));
    assert!(four.get("tls").is_none(), "no TLS beside the QUIC packets");
    // Frame 6: two ACK-only packets, then the datagram's padding as a layer of its own.
    let six = layers(6);
    let packets = six["quic"].as_array().cloned().unwrap_or_default();
    assert_eq!(packets.len(), 3);
    let padding: Vec<&String> =
        packets[2].as_object().map(|padding| padding.keys().collect()).unwrap_or_default();
    assert_eq!(padding, ["quic_quic_coalesced_padding_data"]);
}
