//! Hostile captures against QUIC and the timeline (issue 15): each class is generated into a
//! temporary directory at a size where an unbounded or quadratic implementation fails clearly,
//! run through the binary, and checked for what it decoded, the note it gave and its peak
//! memory (against a bound far above what it needs, so that it cannot flake).

mod common;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use common::{Measured, root, rttscope_measured};
use rttscope::testing::hostile::{Pcap, class};

const MB: u64 = 1 << 20;

/// Writes class `name` at about `bytes` into `dir`.
fn generate(dir: &Path, name: &str, bytes: u64) -> PathBuf {
    let path = dir.join(format!("{name}.pcap"));
    let class = class(name).expect("the class exists");
    let mut out = BufWriter::new(File::create(&path).expect("capture file"));
    let mut pcap = Pcap::new(&mut out as &mut dyn Write).expect("pcap header");
    (class.write)(&mut pcap, bytes).expect("the capture is written");
    let _ = pcap.into_inner();
    out.flush().expect("flushed");
    path
}

fn keys() -> String {
    root().join("fixtures/interop/quic-h3-aioquic.keys").display().to_string()
}

/// The HTTP/3 frame types of each frame that has any, and the QUIC connection numbers, of a
/// capture with the real connection's key log.
fn http3_fields(capture: &str) -> Measured {
    let keys = keys();
    rttscope_measured(&[
        "dissect",
        "--keylog",
        &keys,
        capture,
        "--format",
        "fields",
        "-e",
        "http3.frame_type",
    ])
}

fn non_empty_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|line| !line.is_empty()).collect()
}

#[test]
fn a_real_quic_connection_is_decrypted_after_many_junk_initials() {
    let dir = tempfile::tempdir().unwrap();
    // 2 MB is about 30,000 junk Initials, seven times what the table once kept for ever.
    let capture = generate(dir.path(), "quic-junk-initials-then-real", 2 * MB);
    let real = root().join("fixtures/interop/quic-h3-aioquic.pcap");
    let expected = http3_fields(real.to_str().unwrap());
    assert!(expected.success);
    let alone = non_empty_lines(&expected.stdout);
    assert!(alone.len() >= 4, "the real connection carries HTTP/3: {alone:?}");

    let run = http3_fields(capture.to_str().unwrap());
    assert!(run.success, "{}", run.stderr);
    assert_eq!(non_empty_lines(&run.stdout), alone, "the same HTTP/3, however much junk came first");
    let keys = keys();
    let text =
        rttscope_measured(&["dissect", "--keylog", &keys, capture.to_str().unwrap(), "--format", "jsonl"]);
    assert!(
        text.stdout.contains("none of its packets decrypted, and more than 256 such connections came"),
        "junk given up with a note"
    );
    assert!(run.peak_bytes < 200 * MB, "peak {} bytes", run.peak_bytes);
}

#[test]
fn one_byte_crypto_frames_are_held_as_what_they_cost_and_decoding_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    // 12 MB of one-byte CRYPTO frames: counted by payload they once held about 15 times
    // their size in memory.
    let capture = generate(dir.path(), "quic-crypto-1byte", 12 * MB);
    let keys = keys();
    let run =
        rttscope_measured(&["dissect", "--keylog", &keys, capture.to_str().unwrap(), "--format", "jsonl"]);
    assert!(run.success, "{}", run.stderr);
    let given_up = run.stdout.matches("too much CRYPTO data out of order").count();
    assert!(given_up >= 20, "each connection's stream is given up with a note ({given_up})");
    assert!(run.stdout.contains("\"proto\":\"http3\""), "the real connection after them is decoded");
    assert!(run.peak_bytes < 300 * MB, "peak {} bytes", run.peak_bytes);
}

#[test]
fn an_http3_connection_of_thousands_of_requests_is_decoded_to_the_last() {
    let dir = tempfile::tempdir().unwrap();
    // About 6,000 requests, each answered: once, decoding stopped after 32 of them.
    let capture = generate(dir.path(), "http3-many-requests", MB);
    let keys = root().join("fixtures/hostile/http3-many-requests.keys").display().to_string();
    let run = rttscope_measured(&[
        "dissect",
        "--keylog",
        &keys,
        capture.to_str().unwrap(),
        "--format",
        "fields",
        "-e",
        "quic.stream.stream_id",
        "-e",
        "http3.frame_type",
    ]);
    assert!(run.success, "{}", run.stderr);
    let streams: Vec<(&str, &str)> = run
        .stdout
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .filter(|(id, _)| !id.is_empty())
        .collect();
    assert!(streams.len() > 10_000, "{} STREAM frames", streams.len());
    let undecoded: Vec<_> = streams.iter().filter(|(_, http3)| *http3 != "1").take(3).collect();
    assert!(undecoded.is_empty(), "every STREAM frame shows its HEADERS: {undecoded:?}");
    let last = streams.last().map(|(id, _)| id.parse::<u64>().unwrap());
    assert_eq!(last, Some((streams.len() as u64 / 2 - 1) * 4), "the last request's stream");
    assert!(run.peak_bytes < 200 * MB, "peak {} bytes", run.peak_bytes);
}

#[test]
fn a_timeline_of_many_pipelined_requests_keeps_the_first_and_counts_every_other() {
    let dir = tempfile::tempdir().unwrap();
    // About 70,000 requests and as many responses: scanning the events for each segment once
    // took minutes here, and keeping them all grew without bound.
    let capture = generate(dir.path(), "timeline-pipelined", 16 * MB);
    let run = rttscope_measured(&["timeline", capture.to_str().unwrap()]);
    assert!(run.success, "{}", run.stderr);
    let kept_requests = run.stdout.matches("HTTP GET /item").count() as u64;
    let kept_responses = run.stdout.matches("HTTP 204 No Content").count() as u64;
    let dissected = rttscope_measured(&[
        "dissect",
        capture.to_str().unwrap(),
        "--format",
        "fields",
        "-e",
        "http.request.method",
    ]);
    let sent = non_empty_lines(&dissected.stdout).len() as u64;
    assert!(sent > 60_000, "{sent} requests in the capture");
    // The SYN and SYN-ACK, then requests and responses in turn, up to the cap.
    let kept = rttscope::timeline::MAX_EVENTS as u64;
    assert_eq!(kept_requests + kept_responses + 2, kept, "{kept_requests} requests kept");
    let counted = |what: &str| -> u64 {
        let at = run.stdout.find(what).unwrap_or_else(|| panic!("no {what:?} in the verdict"));
        let digits = run.stdout[..at].rsplit(|c: char| !c.is_ascii_digit()).next().unwrap();
        digits.parse().unwrap()
    };
    assert_eq!(kept_requests + counted(" from the client"), sent, "every request is counted");
    assert_eq!(kept_responses + counted(" from the server"), sent, "every response is counted");
    assert!(run.peak_bytes < 400 * MB, "peak {} bytes", run.peak_bytes);
}

#[test]
fn a_timeline_of_a_syn_flood_lists_every_attempt_within_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    // About 400,000 SYNs: kept whole, their timelines took some 300 MB beyond the tracker's.
    let capture = generate(dir.path(), "timeline-syn-flood", 28 * MB);
    let syns = (std::fs::metadata(&capture).unwrap().len() - 24) / (16 + 54);
    let run = rttscope_measured(&["timeline", "--format", "json", capture.to_str().unwrap()]);
    assert!(run.success, "{}", run.stderr);
    let connections = run.stdout.matches("\"transport\":\"tcp\"").count() as u64;
    assert_eq!(connections, syns, "every SYN is a connection of its own");
    assert!(run.stdout.contains(&format!("\"id\":{}", syns - 1)), "numbered in order");
    assert!(
        run.stderr.contains("more than 65536 connections were open at once"),
        "the connections ended early are told: {}",
        run.stderr
    );
    // What the tracker itself keeps of the flood is its own budget's matter: the timeline
    // adds a bounded amount to it.
    let dissect = rttscope_measured(&["dissect", capture.to_str().unwrap()]);
    let added = run.peak_bytes.saturating_sub(dissect.peak_bytes);
    assert!(added < 180 * MB, "the timeline added {added} bytes to the tracker's {}", dissect.peak_bytes);
}

/// Every connection's timeline of `capture`, gathered whole by the library (no connection let
/// go before the end), as `rttscope timeline -T json` would print them.
fn whole_list_json(capture: &Path, keys: Option<&Path>) -> String {
    use rttscope::capture::{CaptureFile, SecretsKind};
    use rttscope::timeline::Timelines;
    use rttscope::track::keylog::KeyLog;
    use rttscope::track::{Scratch, Tracker};
    let mut keylog = KeyLog::new();
    if let Some(keys) = keys {
        keylog.add_text(&std::fs::read(keys).unwrap());
    }
    let file = CaptureFile::open(capture).unwrap();
    let mut timelines = Timelines::new(&file.interface_names(), &keylog);
    let mut tracker = Tracker::with_keylog(keylog.clone());
    let mut scratch = Scratch::new();
    let mut frames = file.frames();
    while let Some(Ok(frame)) = frames.next() {
        for secrets in frames.take_secrets() {
            if secrets.kind == SecretsKind::TlsKeyLog {
                tracker.add_key_log_text(secrets.data);
                timelines.add_key_log_text(secrets.data);
            }
        }
        let packet = tracker.handle_frame(&frame, &mut scratch);
        timelines.handle(&frame, &packet);
    }
    let mut out = Vec::new();
    rttscope::render::timeline::write_json(&mut out, &timelines.finish()).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn timelines_written_as_connections_end_are_those_of_the_whole_list() {
    let mut compared = 0;
    for capture in common::all_captures() {
        let keys = capture.with_extension("keys");
        let keys = keys.exists().then_some(keys);
        let mut args = vec!["timeline".to_owned(), capture.display().to_string(), "-T".into(), "json".into()];
        if let Some(keys) = &keys {
            args.extend(["--keylog".to_owned(), keys.display().to_string()]);
        }
        let output = common::rttscope(&args.iter().map(String::as_str).collect::<Vec<_>>());
        if !output.status.success() {
            continue;
        }
        assert_eq!(
            common::stdout(&output),
            whole_list_json(&capture, keys.as_deref()),
            "{}",
            capture.display()
        );
        compared += 1;
    }
    assert!(compared >= 30, "{compared} captures compared");
}

#[test]
fn a_crypto_piece_received_again_and_again_out_of_order_is_held_once() {
    // quic-mtu-aioquic.pcap, recorded from aioquic: the server's Handshake flight spans frames
    // 4 (with the ServerHello), 5 and 6. Frame 6 (the flight's last CRYPTO piece) arrives a
    // hundred times before frame 5: each copy of its 721 bytes was once counted again against
    // the stream's 64 KiB of out-of-order data, so the rest of the handshake went unread.
    use rttscope::capture::CaptureFile;
    let real = root().join("fixtures/interop/quic-mtu-aioquic.pcap");
    let file = CaptureFile::open(&real).unwrap();
    let frames: Vec<_> = file.frames().map(Result::unwrap).collect();
    let mut reordered: Vec<_> = frames[..4].to_vec();
    reordered.extend(std::iter::repeat_n(frames[5], 100));
    reordered.push(frames[4]);
    reordered.extend_from_slice(&frames[6..]);
    let dir = tempfile::tempdir().unwrap();
    let derived = dir.path().join("quic-mtu-repeated.pcap");
    std::fs::write(&derived, common::write::pcap(&reordered, 1, false, false)).unwrap();

    let keys = root().join("fixtures/interop/quic-mtu-aioquic.keys").display().to_string();
    let fields = |capture: &Path, field: &str| {
        let run = rttscope_measured(&[
            "dissect",
            "--keylog",
            &keys,
            capture.to_str().unwrap(),
            "--format",
            "fields",
            "-e",
            field,
        ]);
        assert!(run.success, "{}", run.stderr);
        non_empty_lines(&run.stdout).into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let original = fields(&real, "tls.handshake.type");
    assert!(original.contains(&"11,15,20".to_owned()), "Certificate, CertificateVerify, Finished");
    assert_eq!(fields(&derived, "tls.handshake.type"), original, "every handshake message, once");
}
