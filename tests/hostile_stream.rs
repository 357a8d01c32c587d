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
use rttscope::testing::hostile::Pcap;
use rttscope::testing::hostile::stream;

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
/// of megabytes. (The peak `wait4` reports includes this test process's own peak, which the
/// child inherits when spawned, so nothing heavy runs in-process here.)
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
    let json = rttscope_measured(&["dissect", &path, "-T", "jsonl", "-Y", "tcp.srcport == 40000"]);
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
    // 3 MB: 42,000 SYNs. The budget itself is tested with a small limit beside the
    // generator (src/testing/hostile/stream.rs), in-process, where it can be read after every
    // frame.
    let syns = generate(stream::syn_flood, 3.0, &path);
    let path = path.to_string_lossy();
    let run =
        rttscope_measured(&["dissect", &path, "-T", "fields", "-e", "tcp.stream", "-e", "http.request.uri"]);
    assert!(run.success, "{}", run.stderr);
    let last_request = run.stdout.lines().rev().find(|line| line.contains("/r/"));
    assert_eq!(last_request, Some(format!("{syns}\t/r/{syns}").as_str()), "the real exchange is decoded");
    assert!(run.peak_bytes < PEAK_BOUND, "peak {} bytes", run.peak_bytes);
}

/// The HTTP and TLS fields of each frame, from rttscope and from tshark (which reassembles
/// segments out of order only when asked to, as rttscope always does).
const DECODED_FIELDS: &[&str] = &[
    "frame.number",
    "tls.record.content_type",
    "tls.handshake.type",
    "http.request.method",
    "http.request.uri",
    "http.response.code",
];

/// Derives a capture from the interop capture `name` with `scripts/split-segment.py`: frame
/// `frame`'s segment arrives as its second half, a shorter retransmission of that half, then
/// its first half. Returns what rttscope and tshark decode in it.
fn split_and_decode(name: &str, frame: u32, keys: Option<&str>) -> (String, String) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let derived = dir.path().join(format!("split-{name}"));
    let source = common::root().join("fixtures/interop").join(name);
    let script = common::root().join("scripts/split-segment.py");
    let status = std::process::Command::new("python3")
        .arg(&script)
        .arg(&source)
        .arg(&derived)
        .arg(frame.to_string())
        .status()
        .expect("python3 runs");
    assert!(status.success(), "split-segment.py derives the capture");
    let derived = derived.to_string_lossy().into_owned();
    let fields: Vec<&str> = DECODED_FIELDS.iter().flat_map(|field| ["-e", *field]).collect();
    let keys =
        keys.map(|keys| common::root().join("fixtures/interop").join(keys).to_string_lossy().into_owned());
    let mut ours = vec!["dissect", derived.as_str(), "-T", "fields"];
    ours.extend(&fields);
    let keylog_pref = keys.as_ref().map(|keys| format!("tls.keylog_file:{keys}"));
    if let Some(keys) = &keys {
        ours.extend(["--keylog", keys.as_str()]);
    }
    let output = common::rttscope(&ours);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let mut theirs = std::process::Command::new("tshark");
    theirs.args(["-r", &derived, "-o", "tcp.reassemble_out_of_order:TRUE", "-T", "fields"]).args(&fields);
    if let Some(pref) = &keylog_pref {
        theirs.args(["-o", pref]);
    }
    let tshark = theirs.output().expect("tshark runs");
    assert!(tshark.status.success(), "{}", common::stderr(&tshark));
    (common::stdout(&output), common::stdout(&tshark))
}

#[test]
#[ignore = "needs tshark"]
fn a_retransmitted_half_segment_in_a_real_http_capture_decodes_as_tshark_does() {
    // lo-http.pcap frame 6: curl's server's 186-byte response head.
    let (ours, theirs) = split_and_decode("lo-http.pcap", 6, None);
    assert_eq!(ours, theirs);
    assert_eq!(ours.lines().filter(|line| line.ends_with("\t200")).count(), 2, "{ours}");
}

#[test]
#[ignore = "needs tshark"]
fn a_retransmitted_half_segment_in_a_real_tls_capture_decodes_as_tshark_does() {
    // tls13-openssl.pcap frame 8: s_server's 1,374-byte flight, ServerHello to Finished.
    let (ours, theirs) = split_and_decode("tls13-openssl.pcap", 8, Some("tls13-openssl.keys"));
    assert_eq!(ours, theirs);
    assert!(
        ours.lines().any(|line| line.contains("\t2,8,11,15,20\t")),
        "the server flight is decrypted: {ours}"
    );
    assert!(ours.contains("/hello.txt"), "and the request after it: {ours}");
}
