//! Helpers shared by the integration tests: where the test captures are, and how to run the
//! binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod flow;
pub mod tmux;
pub mod tshark;

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The interop captures recorded from real peers by `scripts/record-interop.sh`: every file
/// `scripts/interop/manifest.tsv` lists, in `fixtures/interop/`, sorted.
pub fn interop_captures() -> Vec<PathBuf> {
    let dir = root().join("fixtures/interop");
    let mut captures: Vec<PathBuf> = interop_manifest().iter().map(|name| dir.join(name)).collect();
    captures.sort();
    captures
}

/// The file names of the captures `scripts/interop/manifest.tsv` lists (its `capture` rows,
/// TAB-separated, the name second), in its order: the captures the recording script makes.
pub fn interop_manifest() -> Vec<String> {
    let path = root().join("scripts/interop/manifest.tsv");
    let manifest = std::fs::read_to_string(&path).expect("scripts/interop/manifest.tsv is readable");
    manifest
        .lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            (fields.next() == Some("capture")).then(|| fields.next()).flatten()
        })
        .map(str::to_owned)
        .collect()
}

/// The public teaching captures beside the repository, when they are there.
pub fn public_captures() -> Vec<PathBuf> {
    captures_in(&root().join("../shared/captures-public"))
}

/// Well-formed captures made by hand for cases real peers here do not produce.
pub fn crafted_captures() -> Vec<PathBuf> {
    captures_in(&root().join("fixtures/crafted"))
}

/// The course captures `rttscope demo` recorded (scripts/make-captures.sh), keys embedded.
pub fn course_captures() -> Vec<PathBuf> {
    captures_in(&root().join("captures"))
}

/// Every capture the differential tests use.
pub fn all_captures() -> Vec<PathBuf> {
    let mut captures = interop_captures();
    captures.extend(course_captures());
    captures.extend(crafted_captures());
    captures.extend(public_captures());
    captures
}

pub fn captures_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut captures: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            let name = path.to_string_lossy();
            name.ends_with(".pcap") || name.ends_with(".pcapng") || name.ends_with(".gz")
        })
        .collect();
    captures.sort();
    captures
}

/// Runs the rttscope binary with `args`.
pub fn rttscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rttscope")).args(args).output().expect("the rttscope binary runs")
}

/// What a run of the binary printed, and its peak memory.
pub struct Measured {
    pub stdout: String,
    pub stderr: String,
    pub success: bool,
    /// The child's peak resident set, in bytes, as the kernel counted it.
    pub peak_bytes: u64,
}

/// Runs the rttscope binary with `args`, its output written to files (so that a large output
/// cannot block it), and reads its peak memory from `wait4`. The binary runs under a shell that
/// forks it: a process's peak carries over `exec`, so a child spawned straight from the test
/// would report the test process's own peak if that were larger.
#[allow(clippy::zombie_processes, reason = "wait4 reaps the child, which Child cannot see")]
pub fn rttscope_measured(args: &[&str]) -> Measured {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out_path = dir.path().join("stdout");
    let err_path = dir.path().join("stderr");
    let child = Command::new("sh")
        .args(["-c", r#""$0" "$@"; status=$?; exit $status"#, env!("CARGO_BIN_EXE_rttscope")])
        .args(args)
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("the rttscope binary runs");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our own child's, waited for once; both pointers are to live locals.
    let waited = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(waited, child.id() as libc::pid_t, "wait4 reaps the child");
    let read = |path: &Path| String::from_utf8_lossy(&std::fs::read(path).expect("output file")).into_owned();
    Measured {
        stdout: read(&out_path),
        stderr: read(&err_path),
        success: std::process::ExitStatus::from_raw(status).success(),
        peak_bytes: usage.ru_maxrss as u64 * 1024,
    }
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Writers for capture containers, to turn one capture into its other possible encodings.
pub mod write {
    use rttscope::capture::Frame;

    /// A classic pcap file.
    pub fn pcap(frames: &[Frame<'_>], linktype: u32, big_endian: bool, nanosecond: bool) -> Vec<u8> {
        let word = |value: u32| if big_endian { value.to_be_bytes() } else { value.to_le_bytes() };
        let half = |value: u16| if big_endian { value.to_be_bytes() } else { value.to_le_bytes() };
        let magic: u32 = if nanosecond { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        let mut out = Vec::new();
        out.extend_from_slice(&word(magic));
        out.extend_from_slice(&half(2));
        out.extend_from_slice(&half(4));
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&word(262_144));
        out.extend_from_slice(&word(linktype));
        for frame in frames {
            let secs = frame.ts_ns.div_euclid(1_000_000_000) as u32;
            let nanos = frame.ts_ns.rem_euclid(1_000_000_000) as u32;
            out.extend_from_slice(&word(secs));
            out.extend_from_slice(&word(if nanosecond { nanos } else { nanos / 1000 }));
            out.extend_from_slice(&word(frame.data.len() as u32));
            out.extend_from_slice(&word(frame.orig_len));
            out.extend_from_slice(frame.data);
        }
        out
    }

    /// Builds pcapng blocks in one byte order.
    pub struct PcapNg {
        pub big_endian: bool,
        pub out: Vec<u8>,
    }

    impl PcapNg {
        pub fn new(big_endian: bool) -> Self {
            let mut writer = Self { big_endian, out: Vec::new() };
            writer.section();
            writer
        }

        fn word(&self, value: u32) -> [u8; 4] {
            if self.big_endian { value.to_be_bytes() } else { value.to_le_bytes() }
        }

        fn half(&self, value: u16) -> [u8; 2] {
            if self.big_endian { value.to_be_bytes() } else { value.to_le_bytes() }
        }

        pub fn block(&mut self, kind: u32, mut body: Vec<u8>) {
            body.resize(body.len().next_multiple_of(4), 0);
            let len = 12 + body.len() as u32;
            let (kind, len_bytes) = (self.word(kind), self.word(len));
            self.out.extend_from_slice(&kind);
            self.out.extend_from_slice(&len_bytes);
            self.out.extend_from_slice(&body);
            self.out.extend_from_slice(&len_bytes);
        }

        pub fn section(&mut self) {
            let mut body = self.word(0x1a2b_3c4d).to_vec();
            body.extend_from_slice(&self.half(1));
            body.extend_from_slice(&self.half(0));
            body.extend_from_slice(&[0xff; 8]);
            self.block(0x0a0d_0d0a, body);
        }

        /// An interface; `tsresol` is the raw option byte, absent for the microsecond default.
        pub fn interface(&mut self, linktype: u16, snaplen: u32, tsresol: Option<u8>) {
            let mut body = self.half(linktype).to_vec();
            body.extend_from_slice(&[0, 0]);
            body.extend_from_slice(&self.word(snaplen));
            if let Some(resolution) = tsresol {
                body.extend_from_slice(&self.half(9));
                body.extend_from_slice(&self.half(1));
                body.extend_from_slice(&[resolution, 0, 0, 0]);
                body.extend_from_slice(&[0; 4]);
            }
            self.block(1, body);
        }

        /// An enhanced packet block with the timestamp in `units_per_second`.
        pub fn enhanced(&mut self, interface: u32, frame: &Frame<'_>, units: u64) {
            let mut body = self.word(interface).to_vec();
            body.extend_from_slice(&self.word((units >> 32) as u32));
            body.extend_from_slice(&self.word(units as u32));
            body.extend_from_slice(&self.word(frame.data.len() as u32));
            body.extend_from_slice(&self.word(frame.orig_len));
            body.extend_from_slice(frame.data);
            self.block(6, body);
        }

        pub fn simple(&mut self, frame: &Frame<'_>) {
            let mut body = self.word(frame.orig_len).to_vec();
            body.extend_from_slice(frame.data);
            self.block(3, body);
        }

        /// The obsolete packet block (type 2).
        pub fn obsolete(&mut self, interface: u16, frame: &Frame<'_>, units: u64) {
            let mut body = self.half(interface).to_vec();
            body.extend_from_slice(&self.half(0));
            body.extend_from_slice(&self.word((units >> 32) as u32));
            body.extend_from_slice(&self.word(units as u32));
            body.extend_from_slice(&self.word(frame.data.len() as u32));
            body.extend_from_slice(&self.word(frame.orig_len));
            body.extend_from_slice(frame.data);
            self.block(2, body);
        }

        pub fn secrets(&mut self, key_log: &[u8]) {
            let mut body = self.word(0x544c_534b).to_vec();
            body.extend_from_slice(&self.word(key_log.len() as u32));
            body.extend_from_slice(key_log);
            self.block(10, body);
        }
    }
}

/// A connection's variant, request_rtts and response_rtts.
pub type Counted = (String, Option<u64>, Option<u64>);

/// What `Counted` says of every connection in a capture, from `rttscope timeline -T json`.
pub fn timeline_rounds(capture: &Path, keys: Option<&Path>) -> Vec<Counted> {
    let capture = capture.to_string_lossy();
    let mut args = vec!["timeline", capture.as_ref(), "-T", "json"];
    let keys = keys.map(|keys| keys.to_string_lossy().into_owned());
    if let Some(keys) = &keys {
        args.extend(["--keylog", keys.as_str()]);
    }
    let output = rttscope(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let document: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    document["connections"]
        .as_array()
        .expect("connections")
        .iter()
        .map(|c| {
            (
                c["variant"].as_str().unwrap_or_default().to_owned(),
                c["request_rtts"].as_u64(),
                c["response_rtts"].as_u64(),
            )
        })
        .collect()
}
