//! `--threads`: a capture dissected or exported with its frames taken apart on a second thread
//! and its packets written on a third (`src/pipeline/`) gives the same bytes, the same warnings
//! and the same exit status as on one thread, for every test capture, in every output format.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::root;

/// Every capture under `captures/`, `fixtures/` and `../shared/captures-public/`, sorted.
fn every_capture() -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in ["captures", "fixtures", "../shared/captures-public"] {
        walk(&root().join(dir), &mut found);
    }
    found.sort();
    found
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for path in entries.map(|entry| entry.unwrap().path()) {
        let name = path.to_string_lossy();
        if path.is_dir() {
            walk(&path, found);
        } else if name.ends_with(".pcap") || name.ends_with(".pcapng") || name.ends_with(".gz") {
            found.push(path);
        }
    }
}

fn run(args: &[&str], stdin: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rttscope"));
    command.args(args);
    if let Some(path) = stdin {
        command.stdin(Stdio::from(std::fs::File::open(path).unwrap()));
    }
    command.output().unwrap()
}

/// The output formats compared, as dissect's flags.
const FORMATS: &[&[&str]] = &[
    &[],
    &[
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "ip.src",
        "-e",
        "tcp.stream",
        "-e",
        "tcp.seq",
        "-e",
        "tls.handshake.type",
        "-e",
        "quic.packet_number",
        "-e",
        "http.request.uri",
        "-e",
        "_ws.col.Info",
    ],
    &["-T", "json"],
    &["-T", "jsonl"],
    &["-V"],
    &["-Y", "tcp || quic", "-c", "7"],
    &["-q", "-z", "conv,tcp"],
];

/// Runs dissect on `capture` with one thread and with two, in every format, and says where
/// the two differ.
fn differences(capture: &Path, extra: &[&str]) -> Vec<String> {
    let path = capture.to_str().unwrap();
    let keys = capture.with_extension("keys");
    let mut base = vec!["dissect", path];
    if keys.exists() {
        base.extend(["--keylog", keys.to_str().unwrap()]);
    }
    base.extend(extra);
    let mut differ = Vec::new();
    for format in FORMATS {
        let with = |threads: &'static str| {
            let mut args = base.clone();
            args.extend(*format);
            args.extend(["--threads", threads]);
            run(&args, None)
        };
        let (one, two) = (with("1"), with("2"));
        if one.stdout != two.stdout || one.stderr != two.stderr || one.status.code() != two.status.code() {
            differ.push(format!("{} {format:?}", capture.display()));
        }
    }
    differ
}

#[test]
fn dissect_on_two_threads_writes_what_one_writes_for_every_capture() {
    let captures = every_capture();
    assert!(captures.len() > 50, "only {} captures found", captures.len());
    let differ: Vec<String> = captures.iter().flat_map(|capture| differences(capture, &[])).collect();
    assert!(differ.is_empty(), "differ with --threads 2:\n{}", differ.join("\n"));
}

/// A capture of many batches: the interop captures' records repeated, each copy later in time.
fn many_batches(dir: &Path) -> PathBuf {
    let source = root().join("fixtures/interop");
    let mut records = Vec::new();
    for path in common::captures_in(&source) {
        let bytes = std::fs::read(&path).unwrap();
        // Little-endian microsecond pcap of Ethernet frames only.
        if bytes.len() < 24 || bytes[..4] != [0xd4, 0xc3, 0xb2, 0xa1] || bytes[20..24] != [1, 0, 0, 0] {
            continue;
        }
        let mut at = 24;
        while at + 16 <= bytes.len() {
            let caplen = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
            records.push(bytes[at..at + 16 + caplen].to_vec());
            at += 16 + caplen;
        }
    }
    assert!(records.len() > 200, "{} records", records.len());
    let mut out = std::fs::read(common::captures_in(&source)[0].clone()).unwrap()[..24].to_vec();
    out[20..24].copy_from_slice(&1u32.to_le_bytes());
    for copy in 0..6u32 {
        for record in &records {
            let mut record = record.clone();
            let seconds = u32::from_le_bytes(record[..4].try_into().unwrap()) + copy * 1000;
            record[..4].copy_from_slice(&seconds.to_le_bytes());
            out.extend(record);
        }
    }
    let path = dir.join("many.pcap");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn a_capture_of_many_batches_cut_short_or_read_from_standard_input_is_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let many = many_batches(dir.path());
    assert_eq!(differences(&many, &[]), Vec::<String>::new());
    // Cut in its last record: the same warning after the same packets, exit 2.
    let bytes = std::fs::read(&many).unwrap();
    let cut = dir.path().join("cut.pcap");
    std::fs::write(&cut, &bytes[..bytes.len() - 5]).unwrap();
    let one = run(&["dissect", cut.to_str().unwrap(), "--threads", "1"], None);
    let two = run(&["dissect", cut.to_str().unwrap(), "--threads", "2"], None);
    assert_eq!(one.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&one.stderr).contains("cut short"), "{one:?}");
    assert_eq!((one.stdout, one.stderr, one.status.code()), (two.stdout, two.stderr, two.status.code()));
    // A count reached before the cut: no warning and exit 0 on either, though on two threads
    // the tracker may have read on to the cut before the writer stopped.
    for count in ["5", "1000"] {
        let counted =
            |threads| run(&["dissect", cut.to_str().unwrap(), "-c", count, "--threads", threads], None);
        let (one, two) = (counted("1"), counted("2"));
        assert_eq!(one.status.code(), Some(0), "{one:?}");
        assert!(one.stderr.is_empty(), "{one:?}");
        assert_eq!((one.stdout, one.stderr, one.status.code()), (two.stdout, two.stderr, two.status.code()));
    }
    // -c stops the reader too: the first packets only.
    let first = run(&["dissect", many.to_str().unwrap(), "-c", "3", "--threads", "2"], None);
    assert_eq!(String::from_utf8_lossy(&first.stdout).lines().count(), 3);
    // Standard input is read on one thread, as it comes, and says the same.
    let file = run(&["dissect", many.to_str().unwrap(), "--threads", "1"], None);
    let piped = run(&["dissect", "-r", "-", "--threads", "2"], Some(&many));
    assert_eq!(file.stdout, piped.stdout);
    assert!(piped.status.success());
}

/// Notes and warnings about what lies past `-c`'s count are not given, on any number of
/// threads, though the tracker on two threads reads on past the count: an interface of a link
/// type rttscope does not decode and an embedded key log with a line it cannot use, both
/// after the first frame.
#[test]
fn what_lies_past_the_count_is_not_warned_of() {
    use common::write::PcapNg;
    use rttscope::capture::{Frame, LinkType};
    let dir = tempfile::tempdir().unwrap();
    let ethernet = [[0xff; 6].as_slice(), &[2, 0, 0, 0, 0, 1], &[0x88, 0xb5], b"local experiment"].concat();
    fn frame(number: u64, data: &[u8]) -> Frame<'_> {
        Frame {
            number,
            ts_ns: 1_000_000 * number as i64,
            linktype: LinkType::Ethernet,
            interface: None,
            orig_len: data.len() as u32,
            data,
        }
    }
    let mut writer = PcapNg::new(false);
    writer.interface(1, 0, None);
    writer.interface(4321, 0, None);
    writer.enhanced(0, &frame(1, &ethernet), 1_000);
    writer.secrets(b"CLIENT_RANDOM not-hex-at-all 00\n");
    writer.enhanced(1, &frame(2, &ethernet), 2_000);
    let path = dir.path().join("later.pcapng");
    std::fs::write(&path, &writer.out).unwrap();
    let path = path.to_str().unwrap();
    for threads in ["1", "2"] {
        let whole = run(&["dissect", path, "--threads", threads], None);
        let said = String::from_utf8_lossy(&whole.stderr);
        assert!(said.contains("link type 4321 is not decoded"), "{threads} threads: {said}");
        assert!(said.contains("key log in the capture: 1 line skipped"), "{threads} threads: {said}");
        let counted = run(&["dissect", path, "-c", "1", "--threads", threads], None);
        assert_eq!(String::from_utf8_lossy(&counted.stdout).lines().count(), 1, "{counted:?}");
        assert_eq!(String::from_utf8_lossy(&counted.stderr), "", "{threads} threads");
    }
}

#[cfg(feature = "parquet")]
#[test]
fn export_on_two_threads_writes_the_tables_one_writes() {
    let dir = tempfile::tempdir().unwrap();
    let mut captures = every_capture();
    captures.push(many_batches(dir.path()));
    let mut differ = Vec::new();
    for capture in &captures {
        let mut tables = Vec::new();
        for threads in ["1", "2"] {
            let out = dir.path().join(format!("out{threads}"));
            let _ = std::fs::remove_dir_all(&out);
            let mut args = vec!["export", capture.to_str().unwrap(), "-o", out.to_str().unwrap()];
            let keys = capture.with_extension("keys");
            if keys.exists() {
                args.extend(["--keylog", keys.to_str().unwrap()]);
            }
            args.extend(["--threads", threads]);
            let output = run(&args, None);
            let mut files = Vec::new();
            collect(&out, &mut files);
            files.sort();
            let files: Vec<(String, Vec<u8>)> = files
                .into_iter()
                .map(|path| {
                    (path.strip_prefix(&out).unwrap().display().to_string(), std::fs::read(&path).unwrap())
                })
                .collect();
            tables.push((output.stdout, output.stderr, output.status.code(), files));
        }
        if tables[0] != tables[1] {
            differ.push(capture.display().to_string());
        }
    }
    assert!(differ.is_empty(), "export differs with --threads 2:\n{}", differ.join("\n"));
}

#[cfg(feature = "parquet")]
fn collect(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for path in entries.map(|entry| entry.unwrap().path()) {
        if path.is_dir() {
            collect(&path, found);
        } else {
            found.push(path);
        }
    }
}
