//! Hostile inputs to reading a capture (src/testing/hostile/input.rs): each is generated into a
//! temporary directory at a size where holding it whole, or a warning per junk line, would show
//! clearly in the peak memory, and run through `rttscope dissect` with its peak measured.

mod common;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use common::rttscope_measured;
use rttscope::testing::hostile::{class, write_class};

const MB: u64 = 1 << 20;

/// Writes the class `name` at `size` bytes into `dir`.
fn generate(dir: &Path, name: &str, size: u64) -> PathBuf {
    let path = dir.join(format!("{name}.capture"));
    let mut out = BufWriter::new(File::create(&path).expect("capture file"));
    write_class(class(name).expect("a class"), size, &mut out).expect("written");
    out.flush().expect("flushed");
    path
}

#[test]
fn a_gzip_bomb_is_decompressed_to_a_file_and_walked_in_flat_memory() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let size = 256 * MB;
    let path = generate(dir.path(), "gzip-bomb", size);
    let compressed = std::fs::metadata(&path).expect("metadata").len();
    assert!(compressed < MB, "the bomb is small: {compressed} bytes");
    let path = path.to_str().expect("a UTF-8 path");
    let run = rttscope_measured(&["dissect", path, "-T", "fields", "-e", "frame.number", "-e", "udp.length"]);
    assert!(run.success, "{}", run.stderr);
    assert_eq!(run.stderr, "", "a whole gzip stream gives no warning");
    // Every frame of the decompressed capture, each a 1,442-byte UDP frame after the header.
    let frames = (size - 24).div_ceil(16 + 1442);
    assert_eq!(run.stdout.lines().count() as u64, frames);
    assert_eq!(run.stdout.lines().last(), Some(format!("{frames}\t1408").as_str()));
    // Decompressed whole into memory, it took more than its 256 MiB.
    assert!(run.peak_bytes < 128 * MB, "peak {} MB", run.peak_bytes / MB);
}

#[test]
fn a_gzip_bomb_cut_short_keeps_its_frames_and_says_where_it_broke_off() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = generate(dir.path(), "gzip-bomb", 16 * MB);
    let bytes = std::fs::read(&path).expect("read");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("cut");
    let run =
        rttscope_measured(&["dissect", path.to_str().expect("path"), "-T", "fields", "-e", "frame.number"]);
    // Exit 2: a capture cut short, everything readable shown.
    assert!(!run.success, "{}", run.stderr);
    assert!(
        run.stderr.contains("the gzip stream of") && run.stderr.contains("breaks off after"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.lines().count() > 1000, "the frames before the damage are shown");
}

#[test]
fn junk_key_log_lines_in_a_capture_are_counted_on_one_line_in_flat_memory() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = generate(dir.path(), "keylog-junk", 16 * MB);
    let path = path.to_str().expect("a UTF-8 path");
    let run = rttscope_measured(&[
        "dissect",
        path,
        "-T",
        "fields",
        "-e",
        "http.request.method",
        "-e",
        "http.response.code",
    ]);
    assert!(run.success, "{}", run.stderr);
    // The HTTP exchange after the junk is decoded.
    let decoded: Vec<&str> = run.stdout.lines().filter(|line| !line.trim().is_empty()).collect();
    assert_eq!(decoded, ["GET\t", "\t200"]);
    // One line for all sixteen blocks: how many lines, and the first three.
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    let line = run.stderr.trim_end();
    assert!(line.starts_with("rttscope: warning: key log in the capture: "), "{line}");
    let count: u64 = line
        .trim_start_matches("rttscope: warning: key log in the capture: ")
        .split(' ')
        .next()
        .and_then(|count| count.parse().ok())
        .expect("a count of lines");
    assert!(count > 200_000, "{line}");
    assert!(line.contains("(line 1: unknown label XXXX"), "{line}");
    assert!(line.contains("; line 2: the client random of CLIENT_RANDOM is not 32 bytes of hex"), "{line}");
    assert!(line.contains("; line 3: expected three words"), "{line}");
    assert!(line.ends_with("; …); the rest of it is used"), "{line}");
    // A warning string per line took about fifty times the junk.
    assert!(run.peak_bytes < 128 * MB, "peak {} MB", run.peak_bytes / MB);
}

/// No real peer can make this capture: its interfaces' if_tsoffset put frames at both ends of
/// the i64 nanosecond range, so every difference of two frame times overflows.
#[test]
fn frame_times_at_the_ends_of_the_i64_range_saturate_instead_of_overflowing() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = generate(dir.path(), "pcapng-time-extremes", MB);
    let path = path.to_str().expect("a UTF-8 path");
    let fields = ["frame.time_relative", "frame.time_delta", "tcp.time_relative", "udp.time_relative"];
    let mut args = vec!["dissect", path, "-T", "fields"];
    args.extend(fields.iter().flat_map(|field| ["-e", *field]));
    let run = rttscope_measured(&args);
    // Before, a debug build panicked on the first subtraction and a release build wrapped.
    assert!(run.success, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines.len() > 10_000, "{} frames", lines.len());
    const MAX: &str = "9223372036.854775807";
    const MIN: &str = "-9223372036.854775808";
    for (index, line) in lines.iter().enumerate() {
        let values: Vec<&str> = line.split('\t').collect();
        let (relative, delta) = (values[0], values[1]);
        // Every frame is at or after the first: relative times never go negative.
        assert!(!relative.starts_with('-'), "frame {}: {line}", index + 1);
        for conversation_relative in &values[2..] {
            assert!(!conversation_relative.starts_with('-'), "frame {}: {line}", index + 1);
        }
        match index {
            0 => assert_eq!(delta, "0.000000000"),
            // Odd frames jump forward from near i64::MIN to i64::MAX, even ones back.
            _ if index % 2 == 1 => assert_eq!((relative, delta), (MAX, MAX), "frame {}", index + 1),
            _ => assert_eq!(delta, MIN, "frame {}", index + 1),
        }
    }
    let timeline = rttscope_measured(&["timeline", path]);
    assert!(timeline.success, "{}", timeline.stderr);
    assert!(timeline.stdout.contains("Connection 0: 10.0.0.1:40000"), "{}", timeline.stdout);
    assert!(run.peak_bytes < 256 * MB, "peak {} MB", run.peak_bytes / MB);
}
