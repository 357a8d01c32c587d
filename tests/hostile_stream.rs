//! Hostile captures against TCP reassembly, IP defragmentation and the conversation tables
//! (src/testing/hostile/stream.rs writes them): each is decoded whole, in linear time, within
//! the memory budget. Each test generates its capture at a size where the old code failed
//! clearly (a counter drift past the reassembly cap at about 3,200 requests, a held segment
//! replaced by a shorter one at once, fragments walked and re-sorted per duplicate, a state
//! per SYN kept for ever), runs the binary and checks what it decoded and its peak memory.

mod common;

use std::io::Write;
use std::path::Path;

use common::rttscope_measured;
use rttscope::capture::CaptureFile;
use rttscope::dissect::Annotation;
use rttscope::osi::Protocol;
use rttscope::testing::hostile::Pcap;
use rttscope::testing::hostile::stream;
use rttscope::track::{Scratch, Tracker};

type Generator = fn(&mut Pcap<&mut dyn Write>, u64) -> std::io::Result<u64>;

/// Writes a capture of about `megabytes` with `write` to `path`; returns its unit count.
fn generate(write: Generator, megabytes: f64, path: &Path) -> u64 {
    let file = std::fs::File::create(path).expect("capture file");
    let mut out = std::io::BufWriter::new(file);
    let mut pcap = Pcap::new(&mut out as &mut dyn Write).expect("pcap header");
    let units = write(&mut pcap, (megabytes * 1e6) as u64).expect("capture written");
    out.flush().expect("capture flushed");
    units
}

/// The URIs of the HTTP requests `rttscope dissect` decodes in `capture`, one per request.
fn decoded_uris(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|line| !line.is_empty())
        .flat_map(|line| line.split(','))
        .map(str::to_owned)
        .collect()
}

/// The binary's peak memory may not pass this on any of these captures: each needs a few tens
/// of megabytes, and the old code's failures were hundreds.
const PEAK_BOUND: u64 = 200 << 20;

fn requests_are_all_decoded(write: Generator, megabytes: f64) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("capture.pcap");
    let requests = generate(write, megabytes, &path);
    let path = path.to_string_lossy();
    let run = rttscope_measured(&["dissect", &path, "-T", "fields", "-e", "http.request.uri"]);
    assert!(run.success, "{}", run.stderr);
    let expected: Vec<String> = (0..requests).map(|index| format!("/r/{index}")).collect();
    let decoded = decoded_uris(&run.stdout);
    assert_eq!(decoded.len(), expected.len(), "every request is decoded");
    assert_eq!(decoded, expected, "in order, each on its own frame");
    let json = rttscope_measured(&["dissect", &path, "-T", "json", "-Y", "tcp.srcport == 40000"]);
    assert!(json.success, "{}", json.stderr);
    assert!(!json.stdout.contains("given up"), "no gap is given up");
    assert!(!json.stdout.contains("memory limit"), "nothing is shed");
    assert!(run.peak_bytes < PEAK_BOUND, "peak {} bytes", run.peak_bytes);
}

#[test]
fn tcp_reorder_retransmitted_half() {
    // 5 MB: 3,800 requests, past the 3,200 at which the old counter drift reached the cap.
    requests_are_all_decoded(stream::reorder_retransmitted_half, 5.0);
}

#[test]
fn tcp_shorter_retransmission() {
    requests_are_all_decoded(stream::shorter_retransmission, 2.0);
}

#[test]
fn ip_duplicate_fragments() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("capture.pcap");
    // 8 MB: 8 datagrams of 16,000 fragments each, IPv4 and IPv6 in turn.
    let datagrams = generate(stream::duplicate_fragments, 8.0, &path);
    assert!(datagrams >= 4);
    let path = path.to_string_lossy();
    let fields = ["-e", "ip.version", "-e", "ipv6.nxt", "-e", "udp.length"];
    let args = [&["dissect", &path, "-T", "fields", "-Y", "udp"][..], &fields[..]].concat();
    let run = rttscope_measured(&args);
    assert!(run.success, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let v4 = lines.iter().filter(|line| line.starts_with("4\t") && line.ends_with("\t65008")).count();
    let v6 = lines.iter().filter(|line| line.ends_with("\t65008") && line.contains("\t44\t")).count();
    assert_eq!((v4 + v6, lines.len()), (datagrams as usize, datagrams as usize), "{lines:?}");
    assert_eq!(v4 as u64, datagrams.div_ceil(2), "{lines:?}");
    assert!(run.peak_bytes < PEAK_BOUND, "peak {} bytes", run.peak_bytes);
}

#[test]
fn syn_flood() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("capture.pcap");
    let syns = generate(stream::syn_flood, 7.0, &path);
    let path = path.to_string_lossy();
    let run =
        rttscope_measured(&["dissect", &path, "-T", "fields", "-e", "tcp.stream", "-e", "http.request.uri"]);
    assert!(run.success, "{}", run.stderr);
    let last_request = run.stdout.lines().rev().find(|line| line.contains("/r/"));
    assert_eq!(last_request, Some(format!("{syns}\t/r/{syns}").as_str()), "the real exchange is decoded");
    assert!(run.peak_bytes < PEAK_BOUND, "peak {} bytes", run.peak_bytes);
}

/// The TCP stream number and the problems of each frame of `capture`, tracked within `limit`
/// bytes; checks after every frame that the tracker holds no more than the limit.
fn track_within(capture: Vec<u8>, limit: usize) -> Vec<(Option<u32>, Vec<String>, bool)> {
    let capture = CaptureFile::from_vec(capture, "hostile").expect("capture");
    let mut tracker = Tracker::new().with_memory_limit(limit);
    let mut scratch = Scratch::new();
    let mut frames = Vec::new();
    for frame in capture.frames() {
        let frame = frame.expect("frame");
        let packet = tracker.handle_frame(&frame, &mut scratch);
        let stream = packet.layers.iter().find_map(|layer| match layer.annotation {
            Annotation::Tcp(analysis) => Some(analysis.stream),
            _ => None,
        });
        let http = packet.layers.iter().any(|layer| layer.protocol() == Protocol::Http);
        let problems = packet.problems.iter().map(|problem| problem.message.clone()).collect();
        frames.push((stream, problems, http));
        drop(packet);
        let held = tracker.memory_held();
        assert!(held <= limit, "{held} bytes held, over the {limit}-byte limit");
    }
    frames
}

#[test]
fn a_syn_flood_stays_within_a_small_budget_and_keeps_stream_numbers() {
    let mut bytes = Vec::new();
    let mut pcap = Pcap::new(&mut bytes as &mut dyn Write).expect("pcap header");
    let syns = stream::syn_flood(&mut pcap, 3_000_000).expect("written");
    let ts_us = pcap.ts_us;
    let _ = pcap.into_inner();
    // The first SYN again, its state long given up: it keeps its number.
    let first_len = u32::from_le_bytes(bytes[32..36].try_into().expect("4 bytes")) as usize;
    let first_syn = bytes[40..40 + first_len].to_vec();
    let mut tail = Pcap::new(Vec::new()).expect("pcap header");
    tail.ts_us = ts_us;
    tail.frame(&first_syn).expect("written");
    bytes.extend_from_slice(&tail.into_inner()[24..]);
    let limit = 8 << 20;
    let frames = track_within(bytes, limit);
    let shed: Vec<&String> =
        frames.iter().flat_map(|(_, problems, _)| problems).filter(|p| p.contains("memory limit")).collect();
    assert!(shed.len() as u64 > syns / 2, "the oldest states are given up, each with a note");
    assert!(shed[0].contains("gave up the sequence analysis of tcp.stream 0"), "{}", shed[0]);
    let (request, _, http) = &frames[frames.len() - 3];
    assert_eq!((*request, *http), (Some(syns as u32), true), "the real exchange is decoded");
    assert_eq!(frames.last().map(|frame| frame.0), Some(Some(0)), "a shed conversation keeps its number");
}
