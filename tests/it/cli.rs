//! The command line as a user meets it: formats, filters, errors and exit codes.

use crate::common;

use common::{rttscope, stderr, stdout};

fn capture(name: &str) -> String {
    common::root().join("fixtures/interop").join(name).to_string_lossy().into_owned()
}

#[test]
fn text_output_has_one_line_per_packet() {
    let output = rttscope(&["dissect", &capture("lo-udp-icmp.pcap")]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 16);
    let first = text.lines().next().unwrap_or_default();
    assert!(first.trim_start().starts_with("1 0.000000"), "{first}");
    assert!(text.contains("Destination unreachable (Port unreachable)"), "{text}");
    // A bare file argument into a pipe does the same; on a terminal it opens the UI.
    assert_eq!(stdout(&rttscope(&[&capture("lo-udp-icmp.pcap")])), text);
}

#[test]
fn the_terminal_ui_refuses_bad_input_on_one_line_before_it_starts() {
    let missing = rttscope(&["open", "/nonexistent/capture.pcapng"]);
    assert_eq!(missing.status.code(), Some(1));
    let message = stderr(&missing);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("/nonexistent/capture.pcapng"), "{message}");
    let replay = rttscope(&["replay", &capture("lo-udp-icmp.pcap"), "--speed", "0"]);
    assert_eq!(replay.status.code(), Some(1));
    assert!(stderr(&replay).contains("--speed 0 is not a speed"), "{}", stderr(&replay));
    // A readable file, but no terminal to draw on (the test's output is a pipe).
    let piped = rttscope(&["open", &capture("lo-udp-icmp.pcap")]);
    assert_eq!(piped.status.code(), Some(1));
    assert!(stderr(&piped).contains("needs a terminal"), "{}", stderr(&piped));
    assert!(stdout(&piped).is_empty());
    // An interface that does not exist: named on one line (as root, with the real ones listed;
    // without the privilege, with what to do about that first).
    let live = rttscope(&["live", "-i", "nosuch0"]);
    assert_eq!(live.status.code(), Some(1));
    assert_eq!(stderr(&live).lines().count(), 1, "{}", stderr(&live));
    assert!(stderr(&live).contains("nosuch0"), "{}", stderr(&live));
}

/// Every subcommand that reads packets takes `--decode-as` (and tshark's `-d`); a bad value is
/// refused on one line naming the flag and what it accepts, exit 1, before the capture is even
/// opened (the file named here does not exist) or a socket is.
#[test]
fn a_bad_decode_as_is_refused_by_every_reader_before_any_packet() {
    let missing = "/nonexistent/capture.pcap";
    for (flag, value, why) in [
        ("--decode-as", "sctp.port==9,http", "unknown table"),
        ("-d", "udp.port==8443,tls", "udp.port cannot hand to \"tls\""),
        ("-d", "tcp.port==65536:http", "is not 1 to 65535"),
    ] {
        for args in [
            vec!["dissect", missing, flag, value],
            vec!["timeline", missing, flag, value],
            vec!["open", missing, flag, value],
            vec!["replay", missing, flag, value],
            vec!["live", "-i", "nosuch0", flag, value],
            vec![flag, value, missing],
        ] {
            let output = rttscope(&args);
            let message = stderr(&output);
            assert_eq!(output.status.code(), Some(1), "{args:?}: {message}");
            assert_eq!(message.lines().count(), 1, "{args:?}: {message}");
            assert!(message.starts_with("rttscope: --decode-as"), "{args:?}: {message}");
            assert!(message.contains(why), "{args:?}: {message}");
            assert!(message.contains("tcp.port==PORT,tls|http|http2 or udp.port==PORT,quic"), "{message}");
        }
    }
    // A good value is taken by the same subcommands, in either spelling.
    let good = rttscope(&["dissect", &capture("lo-udp-icmp.pcap"), "-d", "udp.port==9001:quic", "-c", "1"]);
    assert!(good.status.success(), "{}", stderr(&good));
    assert!(stdout(&good).contains("QUIC"), "{}", stdout(&good));
    let timeline =
        rttscope(&["timeline", &capture("lo-tcp-socat.pcap"), "--decode-as", "tcp.port==9000,http"]);
    assert!(timeline.status.success(), "{}", stderr(&timeline));
}

#[test]
fn json_output_follows_the_documented_schema() {
    let output = rttscope(&["dissect", &capture("veth-basic.pcap"), "--format", "jsonl", "-c", "40"]);
    assert!(output.status.success());
    let lines: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 40);
    for line in &lines {
        let packet: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        let frame = &packet["frame"];
        assert!(frame["number"].is_u64() && frame["len"].is_u64() && frame["cap_len"].is_u64());
        assert!(frame["time_epoch"].as_str().is_some_and(|t| t.len() == "1795327948.599307000".len()));
        let layers = packet["layers"].as_array().expect("layers");
        let mut previous_osi = 0;
        for layer in layers {
            let osi = layer["osi"].as_u64().expect("osi");
            assert!((1..=7).contains(&osi));
            assert!(osi >= previous_osi || layer["quoted"] == true || layer["source"] == "reassembled");
            previous_osi = osi;
            assert!(layer["proto"].is_string() && layer["summary"].is_string());
            for field in layer["fields"].as_array().expect("fields") {
                assert!(field["name"].is_string() && field["value"].is_string());
                assert!(field["offset"].is_u64() && field["len"].is_u64());
            }
        }
        assert!(packet["problems"].is_array());
    }
    // Field byte ranges point at the bytes they describe: the first eth.type is at 12..14.
    let first: serde_json::Value = serde_json::from_str(&lines[0]).expect("JSON");
    let eth_type = first["layers"][0]["fields"]
        .as_array()
        .and_then(|fields| fields.iter().find(|f| f["name"] == "eth.type"))
        .expect("eth.type");
    assert_eq!((eth_type["offset"].as_u64(), eth_type["len"].as_u64()), (Some(12), Some(2)));
}

#[test]
fn fields_output_selects_filters_and_counts() {
    let output = rttscope(&[
        "dissect",
        &capture("tcp-fastopen.pcap"),
        "-Y",
        "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.len > 0",
        "-e",
        "tcp.stream",
        "-e",
        "tcp.options.tfo.cookie",
        "-e",
        "tcp.len",
        "--header",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("tcp.stream\ttcp.options.tfo.cookie\ttcp.len"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "one SYN with data per address family: {text}");
    for row in rows {
        let columns: Vec<&str> = row.split('\t').collect();
        assert_eq!(columns[1].len(), 16, "an 8-byte cookie in hex: {row}");
        assert!(columns[2].parse::<u32>().is_ok_and(|len| len > 0));
    }
}

#[test]
fn a_bad_filter_points_at_its_column() {
    let output = rttscope(&["dissect", &capture("tun-raw.pcap"), "-Y", "ip.addr == 10.0.0.300"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("column 12"), "{message}");
    assert!(message.contains("ip.addr == 10.0.0.300\n           ^"), "{message}");
    assert!(stdout(&output).is_empty());
}

#[test]
fn unknown_fields_and_missing_files_are_one_clear_line() {
    let output = rttscope(&["dissect", &capture("tun-raw.pcap"), "-e", "ip.src", "-e", "tcp.prot"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output).trim(),
        "rttscope: unknown field(s): tcp.prot; run `rttscope fields` for the list"
    );

    let output = rttscope(&["dissect", "/nonexistent/capture.pcap"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output).lines().count(), 1);
    assert!(stderr(&output).contains("cannot read /nonexistent/capture.pcap"));

    let output = rttscope(&["dissect", &capture("tun-raw.pcap"), "--format", "fields"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("needs at least one -e"));

    let output = rttscope(&[]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn fields_lists_every_name_the_output_uses() {
    let output = rttscope(&["fields"]);
    assert!(output.status.success());
    let listed: Vec<String> = stdout(&output)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    for name in ["frame.protocols", "ip.frag_offset", "tcp.options.tfo.cookie", "tcp.analysis.retransmission"]
    {
        assert!(listed.iter().any(|listed| listed == name), "{name}");
    }
}

#[test]
fn a_filter_keeps_times_relative_to_the_capture_not_to_the_first_match() {
    let path = capture("tcp-loss-sack.pcap");
    let filtered = rttscope(&["dissect", &path, "-Y", "tcp.analysis.retransmission", "-c", "1"]);
    let line = stdout(&filtered);
    let mut words = line.split_whitespace();
    let (number, time) = (words.next().unwrap_or_default(), words.next().unwrap_or_default());
    let all = rttscope(&["dissect", &path, "-e", "frame.number", "-e", "frame.time_relative"]);
    let expected = stdout(&all)
        .lines()
        .find_map(|row| {
            row.split_once('\t').filter(|(n, _)| *n == number).map(|(_, t)| t[..t.len() - 3].to_owned())
        })
        .expect("the frame is in the unfiltered output");
    assert_ne!(time, "0.000000", "{line}");
    assert_eq!(time, expected, "{line}");
}

/// Every bad link flag value: the flag and the phrase its one line must carry.
const BAD_LINK_FLAGS: [(&str, &str, &str); 10] = [
    ("--rtt", "-5ms", "from 0 to 1s"),
    ("--rtt", "100", "with its unit"),
    ("--jitter", "2s", "from 0 to 500ms"),
    ("--loss", "150", "from 0 to 100"),
    ("--rate", "0", "from 64kbit to 100gbit"),
    ("--rate", "10 parsecs", "bits per second"),
    ("--mtu", "100", "from 576 to 9000 bytes"),
    ("--queue", "0", "from 1 to 100000 packets"),
    ("--seed", "-1", "whole number"),
    ("--drop", "fin", "syn, syn-ack, client-hello, server-hello, first-initial, server-initial"),
];

#[test]
fn each_bad_link_flag_is_one_line_naming_it_and_nothing_runs() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let keys = dir.path().join("keys");
    let capture = dir.path().join("demo.pcapng");
    let (keys_arg, capture_arg) = (keys.to_string_lossy(), capture.to_string_lossy());
    for (flag, value, expected) in BAD_LINK_FLAGS {
        let runs: [Vec<&str>; 2] = [
            vec!["gen", "tls13", "--keylog", &keys_arg, flag, value],
            vec!["demo", "quic", "--headless", "-w", &capture_arg, flag, value],
        ];
        for args in runs {
            let output = rttscope(&args);
            let message = stderr(&output);
            assert_eq!(output.status.code(), Some(1), "{args:?}: {message}");
            assert_eq!(message.lines().count(), 1, "{args:?}: {message}");
            assert!(message.starts_with(&format!("rttscope: {flag} {value}: ")), "{args:?}: {message}");
            assert!(message.contains(expected), "{args:?}: {message}");
            assert!(stdout(&output).is_empty(), "no generator ran: {}", stdout(&output));
            assert!(!keys.exists() && !capture.exists(), "{args:?} wrote nothing");
        }
    }
}

#[test]
fn a_drop_naming_a_packet_the_variant_never_sends_is_refused_before_any_traffic() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let keys = dir.path().join("keys");
    let keys_arg = keys.to_string_lossy();
    for (variant, drop) in [("tls13", "first-initial"), ("quic", "client-hello"), ("http", "server-hello")] {
        let output = rttscope(&["gen", variant, "--keylog", &keys_arg, "--rtt", "10ms", "--drop", drop]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{variant} {drop}: {message}");
        assert_eq!(message.lines().count(), 1, "{message}");
        assert!(message.starts_with(&format!("rttscope: --drop {drop}: {variant} never sends")), "{message}");
        assert!(stdout(&output).is_empty() && !keys.exists(), "nothing ran");
    }
}

#[test]
fn gen_writes_a_capture_only_over_a_link() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let capture = dir.path().join("gen.pcapng");
    let output = rttscope(&["gen", "udp", "-w", &capture.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("over an emulated link only (give --rtt)"), "{message}");
    assert!(stdout(&output).is_empty() && !capture.exists());
}

#[test]
fn the_link_flags_are_documented_with_their_ranges() {
    for command in ["gen", "demo"] {
        let help = stdout(&rttscope(&[command, "--help"]));
        for flag in ["--rtt", "--jitter", "--loss", "--rate", "--mtu", "--queue", "--seed", "--drop"] {
            assert!(help.contains(flag), "{command} --help lacks {flag}:\n{help}");
        }
        assert!(help.contains("576 to 9000 bytes") && help.contains("64kbit to 100gbit"), "{help}");
    }
}

#[test]
fn a_key_log_that_matches_no_client_hello_gets_the_warning_the_ui_gives() {
    let root = common::root().join("../shared/captures-public");
    let capture = root.join("illustrated-tls13.pcap");
    let capture = capture.to_str().expect("a UTF-8 path");
    let dir = tempfile::tempdir().expect("temporary directory");
    let strangers = dir.path().join("strangers.keys");
    let line = format!("CLIENT_RANDOM {} {}\n", "11".repeat(32), "22".repeat(48));
    std::fs::write(&strangers, line).expect("writes");
    let warning = "warning: the key log matched none of the 1 TLS ClientHellos: nothing decrypted with it";
    for command in ["dissect", "timeline"] {
        let output = rttscope(&[command, capture, "--keylog", strangers.to_str().expect("path")]);
        assert!(output.status.success(), "{command}: {}", stderr(&output));
        assert!(stderr(&output).contains(warning), "{command}: {}", stderr(&output));
        let own_keys = root.join("illustrated-tls13.keys");
        let output = rttscope(&[command, capture, "--keylog", own_keys.to_str().expect("path")]);
        assert!(output.status.success(), "{command}: {}", stderr(&output));
        assert!(!stderr(&output).contains("matched none"), "{command}: {}", stderr(&output));
    }
}

#[test]
fn a_bad_memory_limit_is_refused_by_every_tracking_command_before_any_packet() {
    let missing = "/nonexistent/capture.pcap";
    for (value, why) in [("lots", "is not a size"), ("12X", "is not a size"), ("0", "would keep nothing")] {
        for args in [
            vec!["dissect", missing, "--memory-limit", value],
            vec!["timeline", missing, "--memory-limit", value],
            vec!["open", missing, "--memory-limit", value],
            vec!["replay", missing, "--memory-limit", value],
            vec!["live", "-i", "nosuch0", "--memory-limit", value],
            vec!["--memory-limit", value, missing],
        ] {
            let output = rttscope(&args);
            let message = stderr(&output);
            assert_eq!(output.status.code(), Some(1), "{args:?}: {message}");
            assert_eq!(message.lines().count(), 1, "{args:?}: {message}");
            assert!(message.starts_with("rttscope: --memory-limit"), "{args:?}: {message}");
            assert!(message.contains(why), "{args:?}: {message}");
        }
    }
    // A good value is taken, in any of its spellings.
    for value in ["64M", "1G", "1048576", "512k"] {
        let good = rttscope(&["dissect", &capture("lo-udp-icmp.pcap"), "--memory-limit", value]);
        assert!(good.status.success(), "{value}: {}", stderr(&good));
        assert_eq!(stdout(&good).lines().count(), 16);
    }
    for command in ["dissect", "timeline", "open", "live", "replay"] {
        let help = stdout(&rttscope(&[command, "--help"]));
        assert!(
            help.contains("--memory-limit <SIZE>") && help.contains("default 256M"),
            "{command}:\n{help}"
        );
    }
}

/// Writes a capture of `count` first fragments of IPv4 datagrams that never complete, 1,000
/// bytes each: state the defragmenter holds until it gives it up.
fn incomplete_fragments(path: &std::path::Path, count: u16) {
    use rttscope::testing::hostile::Pcap;
    use rttscope::testing::{IPV4, UDP, ethernet, ipv4_fragment};
    let mut pcap = Pcap::new(Vec::new()).expect("a pcap in memory");
    for ident in 0..count {
        let fragment = ipv4_fragment(UDP, [10, 0, 0, 1], [10, 0, 0, 2], ident, (0, true), &[0x55; 1000]);
        pcap.frame(&ethernet(IPV4, &fragment)).expect("written");
    }
    std::fs::write(path, pcap.into_inner()).expect("capture written");
}

#[test]
fn a_small_memory_limit_gives_up_the_oldest_state_with_a_note() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("fragments.pcap");
    incomplete_fragments(&path, 400);
    let path = path.to_str().expect("a UTF-8 path");
    // The text line of a packet ends with its first problem, in brackets.
    let tight = rttscope(&["dissect", path, "--memory-limit", "16K"]);
    assert!(tight.status.success(), "{}", stderr(&tight));
    let text = stdout(&tight);
    assert_eq!(text.lines().count(), 400, "every packet is still shown");
    let noted = text.lines().filter(|line| line.contains("memory limit reached: gave up")).count();
    assert!(noted > 300, "past the first few fragments, each one gives up the oldest: {noted}\n{text}");
    // Under the default limit, the same capture keeps everything and says nothing of it.
    let roomy = rttscope(&["dissect", path]);
    assert!(!stdout(&roomy).contains("memory limit reached"), "{}", stdout(&roomy));
}

#[test]
fn tshark_flags_without_a_subcommand_dissect_as_dissect_does() {
    let path = capture("lo-tcp-socat.pcap");
    let fields = ["-Y", "tcp.len > 0", "-T", "fields", "-e", "frame.number", "-e", "tcp.len"];
    let dissected = rttscope(&[&["dissect", &path][..], &fields].concat());
    assert!(dissected.status.success(), "{}", stderr(&dissected));
    assert_eq!(stdout(&dissected).lines().count(), 4, "{}", stdout(&dissected));
    // -r, the positional file, and tshark's no-op flags all read the same.
    for form in [
        [&["-r", &path][..], &fields].concat(),
        [&[path.as_str()][..], &fields].concat(),
        [&["-n", "-2", "-r", &path][..], &fields].concat(),
        [&["dissect", "-r", &path][..], &fields].concat(),
    ] {
        let output = rttscope(&form);
        assert!(output.status.success(), "{form:?}: {}", stderr(&output));
        assert_eq!(stdout(&output), stdout(&dissected), "{form:?}");
    }
    // -q keeps the packet lines back, not the statistics.
    let quiet = stdout(&rttscope(&["-r", &path, "-q", "-z", "conv,tcp"]));
    assert!(quiet.starts_with("====") && quiet.contains("TCP Conversations"), "{quiet}");
    assert_eq!(quiet.lines().count(), 8, "{quiet}");
}

#[test]
fn o_tls_keylog_file_decrypts_as_keylog_does() {
    let path = capture("tls13-openssl.pcap");
    let keys = capture("tls13-openssl.keys");
    let fields = ["-Y", "http", "-T", "fields", "-e", "http.request.uri"];
    let with_flag = stdout(&rttscope(&[&["-r", &path, "--keylog", &keys][..], &fields].concat()));
    assert!(with_flag.contains("/hello.txt"), "{with_flag}");
    for name in ["tls.keylog_file", "ssl.keylog_file"] {
        let preference = format!("{name}:{keys}");
        let output = rttscope(&[&["-r", &path, "-o", &preference][..], &fields].concat());
        assert!(output.status.success(), "{}", stderr(&output));
        assert_eq!(stdout(&output), with_flag, "{name}");
    }
    let other = rttscope(&[&["-r", &path, "-o", "gui.column.format:x"][..], &fields].concat());
    assert!(other.status.success());
    assert!(
        stderr(&other).contains("-o gui.column.format: rttscope has no such preference"),
        "{}",
        stderr(&other)
    );
}

#[test]
fn json_is_tsharks_shape_and_jsonl_is_rttscopes_own() {
    let path = capture("lo-udp-icmp.pcap");
    let json = stdout(&rttscope(&["-r", &path, "-c", "2", "-T", "json"]));
    let document: serde_json::Value = serde_json::from_str(&json).expect("one JSON array");
    let packets = document.as_array().expect("an array");
    assert_eq!(packets.len(), 2);
    assert_eq!(packets[0]["_type"], "doc");
    assert!(packets[0]["_score"].is_null());
    let layers = &packets[0]["_source"]["layers"];
    assert_eq!(layers["frame"]["frame.number"], "1");
    assert_eq!(layers["udp"]["udp.srcport"], "54708");
    assert_eq!(layers["ip"]["ip.addr"], serde_json::json!(["127.0.0.1", "127.0.0.1"]));
    let ek = stdout(&rttscope(&["-r", &path, "-c", "2", "-T", "ek"]));
    assert_eq!(ek.lines().count(), 4);
    let index: serde_json::Value = serde_json::from_str(ek.lines().next().unwrap_or_default()).expect("JSON");
    assert_eq!(index["index"]["_type"], "doc");
    let document: serde_json::Value =
        serde_json::from_str(ek.lines().nth(1).unwrap_or_default()).expect("JSON");
    assert_eq!(document["layers"]["ip"]["ip_ip_flags_df"], true);
    let jsonl = stdout(&rttscope(&["-r", &path, "-c", "2", "-T", "jsonl"]));
    assert_eq!(jsonl.lines().count(), 2);
    let first: serde_json::Value =
        serde_json::from_str(jsonl.lines().next().unwrap_or_default()).expect("JSON");
    assert_eq!(first["frame"]["number"], 1);
}

#[test]
fn time_formats_keep_the_captures_digits() {
    // A nanosecond pcapng: nine digits, where a microsecond pcap has six.
    let nano = stdout(&rttscope(&["-r", &capture("multi-if.pcapng"), "-c", "2"]));
    assert!(nano.lines().nth(1).is_some_and(|line| line.contains(" 0.000083519 ")), "{nano}");
    let micro = stdout(&rttscope(&["-r", &capture("lo-udp-icmp.pcap"), "-c", "2", "-t", "ud"]));
    assert!(
        micro.lines().next().is_some_and(|line| line.contains(" 2026-11-22 08:28:05.938858 ")),
        "{micro}"
    );
    let epoch = stdout(&rttscope(&["-r", &capture("lo-udp-icmp.pcap"), "-c", "1", "-t", "e"]));
    assert!(epoch.contains(" 1795336085.938858 "), "{epoch}");
}

#[test]
fn a_bad_tshark_flag_is_one_line_and_exit_1() {
    let path = capture("lo-udp-icmp.pcap");
    for (args, expected) in [
        (vec!["-r", &path, "--bogus"], "unrecognized option: --bogus"),
        (vec!["-r", &path, "-J"], "unrecognized option: -J"),
        (vec!["-r"], "option requires an argument"),
        (vec!["-r", &path, "-T", "pdml"], "\"pdml\" is not one of text, fields, json, ek, jsonl"),
        (vec!["-r", &path, "-t", "x"], "-t \"x\": not a time format"),
        (
            vec!["-r", &path, "-T", "fields", "-e", "ip.src", "-E", "quote=x"],
            "-E quote=x: not a field output option",
        ),
        (vec!["-r", &path, "-z", "conv,udp"], "-z \"conv,udp\": not a statistic rttscope has"),
        (vec!["-r", &path, "-o", "nocolon"], "-o \"nocolon\": not a preference"),
        (vec!["-f", "port 443", &path], "--interface <IFACE> must be given too"),
        (vec!["dissect"], "give a capture file"),
        (vec!["-r", &path, "-c", "0"], "The specified packet count is zero"),
    ] {
        let output = rttscope(&args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {message}");
        assert_eq!(message.lines().count(), 1, "{args:?}: {message}");
        assert!(message.starts_with("rttscope: ") && message.contains(expected), "{args:?}: {message}");
        assert!(stdout(&output).is_empty(), "{args:?}");
    }
}

/// `rttscope capture -w - | rttscope dissect -`: each packet is printed as soon as it has come
/// through the pipe, not when the writer closes it, and the whole output is what the file
/// gives. Here the test is the writer: it sends the header and the first packet, reads the
/// first line while the pipe is still open, then sends the rest.
#[test]
fn dissect_of_standard_input_prints_each_packet_as_it_arrives() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Command, Stdio};
    use std::sync::mpsc;
    use std::time::Duration;

    let capture = common::root().join("fixtures/interop/lo-udp-icmp.pcap");
    let bytes = std::fs::read(&capture).expect("the capture");
    let expected = stdout(&rttscope(&["dissect", &capture.to_string_lossy()]));
    let mut child = Command::new(env!("CARGO_BIN_EXE_rttscope"))
        .args(["dissect", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("rttscope runs");
    let mut input = child.stdin.take().expect("its input");
    let first_len = u32::from_le_bytes(bytes[24 + 8..24 + 12].try_into().expect("four bytes")) as usize;
    input.write_all(&bytes[..24 + 16 + first_len]).expect("the header and the first packet");
    input.flush().expect("flushed");
    let mut output = BufReader::new(child.stdout.take().expect("its output"));
    let (sender, received) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut first = String::new();
        output.read_line(&mut first).expect("a line");
        let _ = sender.send(first.clone());
        let mut rest = String::new();
        output.read_to_string(&mut rest).expect("the rest");
        first + &rest
    });
    let first =
        received.recv_timeout(Duration::from_secs(60)).expect("the first line, with the pipe still open");
    assert_eq!(Some(first.as_str()), expected.split_inclusive('\n').next());
    input.write_all(&bytes[24 + 16 + first_len..]).expect("the rest");
    drop(input);
    let all = reader.join().expect("the output ends");
    assert!(child.wait().expect("rttscope ends").success());
    assert_eq!(all, expected);
}
