//! Hostile captures for HTTP over TCP (issue 15): each class is generated at a size where a
//! reader that re-reads from a message's start, or keeps every stream, fails clearly, and the
//! test asserts what was decoded, the note given, and a peak memory far above what a linear,
//! bounded reader needs. One regression test on a real capture with one packet removed
//! compares the requests and responses with tshark's.

mod common;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rttscope::testing::hostile::{Pcap, class, http};

/// Writes class `name` at about `megabytes` into `dir`.
fn generate(dir: &Path, name: &str, megabytes: u64) -> PathBuf {
    let path = dir.join(format!("{name}.pcap"));
    let file = std::fs::File::create(&path).expect("a capture file");
    let mut out = BufWriter::new(file);
    let mut pcap = Pcap::new(&mut out as &mut dyn Write).expect("the pcap header");
    let class = class(name).expect("a known class");
    (class.write)(&mut pcap, megabytes * 1_000_000).expect("the capture is written");
    pcap.into_inner();
    out.flush().expect("the capture is flushed");
    path
}

/// Runs `dissect` with `args` before the capture, checks it succeeded, and returns what it
/// printed and its peak memory.
fn dissect(capture: &Path, args: &[&str]) -> common::Measured {
    let capture = capture.to_str().expect("a UTF-8 path");
    let args: Vec<&str> = ["dissect"].iter().chain(args).copied().chain([capture]).collect();
    let measured = common::rttscope_measured(&args);
    assert!(measured.success, "rttscope failed: {}", measured.stderr);
    measured
}

const MB: u64 = 1 << 20;

#[test]
fn http1_content_length_1byte_bodies_are_read_whole_in_linear_time() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // 20 MB: about 280,000 one-byte segments in two requests.
    let capture = generate(dir.path(), "http1-content-length-1byte", 20);
    let measured = dissect(&capture, &["-Y", "http.request", "-T", "fields", "-e", "http.content_length"]);
    let lengths: Vec<u64> = measured.stdout.lines().map(|line| line.parse().expect("a length")).collect();
    assert_eq!(lengths.len(), 1, "one request, its body sized to the capture: {lengths:?}");
    let total: u64 = lengths.iter().sum();
    assert!(total > 250_000, "its body is read whole: {lengths:?}");
    assert!(measured.peak_bytes < 200 * MB, "peak {} bytes", measured.peak_bytes);
}

#[test]
fn http1_chunked_bodies_are_read_once() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // 10 MB: about 120,000 chunks of 4 bytes.
    let capture = generate(dir.path(), "http1-chunked", 10);
    let measured = dissect(&capture, &["-Y", "http.request", "-T", "fields", "-e", "http.request.method"]);
    let requests = measured.stdout.lines().filter(|line| *line == "POST").count();
    assert!(requests >= 1, "{}", measured.stdout);
    assert!(!measured.stdout.contains("malformed"));
    assert!(measured.peak_bytes < 200 * MB, "peak {} bytes", measured.peak_bytes);
}

#[test]
fn http1_heads_in_one_byte_segments_are_not_parsed_again_per_byte() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // Four heads of 60 kB, one byte a segment.
    let capture = generate(dir.path(), "http1-head-1byte", 13);
    let measured = dissect(&capture, &["-Y", "http.request", "-T", "fields", "-e", "http.request.uri"]);
    let uris: Vec<&str> = measured.stdout.lines().collect();
    assert_eq!(uris, ["/long"; 4], "every head is read");
    assert!(measured.peak_bytes < 200 * MB, "peak {} bytes", measured.peak_bytes);
}

#[test]
fn http1_a_missing_packet_stops_only_the_request_it_carried() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let capture = generate(dir.path(), "http1-missing-packet", 2);
    let requests = dissect(&capture, &["-Y", "http.request", "-T", "fields", "-e", "http.request.uri"]);
    let uris: Vec<&str> = requests.stdout.lines().collect();
    let responses = dissect(&capture, &["-Y", "http.response", "-T", "fields", "-e", "http.response.code"]);
    let answered = responses.stdout.lines().count();
    assert!(answered > 5_000, "many exchanges: {answered}");
    let missing = format!("/r{}", http::MISSING_AFTER + 1);
    assert_eq!(uris.len(), answered - 1, "all requests but the missing one are decoded");
    assert!(!uris.contains(&missing.as_str()));
    assert!(uris.contains(&format!("/r{answered}").as_str()), "the last request is decoded");
    // The packet where the gap was given up, which acknowledges the missing segment, says so.
    let notes = dissect(&capture, &["-Y", "tcp.analysis.ack_lost_segment", "-T", "jsonl"]);
    assert!(notes.stdout.contains("HTTP: 31 bytes of the stream were not captured"), "{}", notes.stdout);
}

#[test]
fn http2_endless_data_keeps_at_most_the_message_cap() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let capture = generate(dir.path(), "http2-endless-data", 64);
    let measured = dissect(&capture, &[]);
    // The note is on the frame whose DATA passes 4 MiB: the 257th DATA frame, after the
    // handshake, the preface and the HEADERS.
    let notes = dissect(&capture, &["-Y", "frame.number >= 255 && frame.number <= 265", "-T", "jsonl"]);
    assert!(notes.stdout.contains("a body over 4194304 bytes is counted, not kept"), "the note is given");
    // The 64 MB of DATA are not kept: the 4 MiB cap and the reading's own needs.
    assert!(measured.peak_bytes < 60 * MB, "peak {} bytes", measured.peak_bytes);
    let frames = dissect(&capture, &["-Y", "http2.type == 0", "-T", "fields", "-e", "http2.streamid"]);
    assert!(frames.stdout.lines().count() > 3_000, "every DATA frame is still shown");
}

#[test]
fn a_walk_on_either_number_of_threads_holds_a_window_of_the_file_not_the_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // Large frames, so the file's own pages are most of what a walk touches.
    let capture = generate(dir.path(), "http2-endless-data", 192);
    for threads in ["1", "2"] {
        let measured = dissect(&capture, &["--threads", threads]);
        assert!(measured.stdout.lines().count() > 11_000, "every frame is read");
        // The pages behind the thread that reads the frames last are released; released
        // behind the one ahead instead, they were read in again and stayed (120 MB here).
        assert!(measured.peak_bytes < 64 * MB, "{threads} threads: peak {} bytes", measured.peak_bytes);
    }
}

#[test]
fn http2_new_stream_ids_keep_a_bounded_number_of_streams() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // About 370,000 streams.
    let capture = generate(dir.path(), "http2-new-stream-ids", 24);
    let measured = dissect(&capture, &[]);
    // Sixteen streams a frame: the 513th stream comes in frame 37.
    let notes = dissect(&capture, &["-Y", "frame.number == 37", "-T", "jsonl"]);
    assert!(notes.stdout.contains("over 512 HTTP/2 streams open: stream 1, the oldest"), "{}", notes.stdout);
    assert!(measured.peak_bytes < 100 * MB, "peak {} bytes", measured.peak_bytes);
}

/// The frames and URIs of the requests, and the frames, codes and request frames of the
/// responses, as `tool` (tshark or rttscope) reads `capture`.
fn exchanges(tool: &str, capture: &Path) -> (String, String) {
    let run = |filter: &str, fields: &[&str]| {
        let mut command = match tool {
            "tshark" => {
                let mut command = std::process::Command::new("tshark");
                command.arg("-r").arg(capture);
                command
            }
            _ => {
                let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_rttscope"));
                command.arg("dissect").arg(capture);
                command
            }
        };
        command.args(["-Y", filter, "-T", "fields"]);
        for field in fields {
            command.args(["-e", field]);
        }
        let output = command.output().expect("the tool runs");
        assert!(output.status.success(), "{tool} failed");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    (
        run("http.request", &["frame.number", "http.request.uri"]),
        run("http.response", &["frame.number", "http.response.code", "http.request_in"]),
    )
}

#[test]
#[ignore = "needs tshark"]
fn a_real_capture_with_one_packet_removed_decodes_the_requests_tshark_does() {
    // curl fetching 200 files over one keep-alive connection (scripts/record-http-keepalive.sh).
    let original = common::root().join("fixtures/http/keepalive-curl.pcap");
    let dir = tempfile::tempdir().expect("a temporary directory");
    // Frame 251 is the request for /f50.txt, 252 the head of the response to /f50.txt.
    for (dropped, what) in [(251, "a request"), (252, "a response's head")] {
        let capture = dir.path().join(format!("without-{dropped}.pcap"));
        let status = std::process::Command::new("editcap")
            .arg(&original)
            .arg(&capture)
            .arg(dropped.to_string())
            .status()
            .expect("editcap runs");
        assert!(status.success());
        let (tshark_requests, tshark_responses) = exchanges("tshark", &capture);
        let (requests, responses) = exchanges("rttscope", &capture);
        assert_eq!(requests, tshark_requests, "without {what}");
        assert_eq!(responses, tshark_responses, "without {what}");
        let count = requests.lines().count();
        assert!(count >= 199, "without {what}: {count} requests");
    }
}
