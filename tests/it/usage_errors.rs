//! Usage errors as a user meets them: one line on stderr and exit 1, whoever finds them (clap
//! or rttscope), before any socket is opened or any traffic generated; `--help` and
//! `--version` exit 0; standard input is named in words.

use crate::common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{rttscope, stderr, stdout};

/// Usage errors are one line and exit 1, whether clap or rttscope finds them, and come before
/// any socket is opened (so they read the same without the privilege to capture).
#[test]
fn usage_errors_are_one_line_and_exit_1() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("x.pcapng");
    let file = file.to_string_lossy();
    let missing_dir = dir.path().join("no/such/dir/x.pcapng");
    let missing_dir = missing_dir.to_string_lossy();
    let cases: [(&[&str], &str); 10] = [
        (&["capture", "-w", &file, "-c", "0"], "rttscope: The specified packet count is zero"),
        (&["live", "-c", "0"], "rttscope: The specified packet count is zero"),
        (&["dissect", "-", "-c", "0"], "rttscope: The specified packet count is zero"),
        (&["dissect", "--no-such-flag", "x"], "rttscope: unrecognized option: --no-such-flag"),
        (&["capture", "-c", "many", "-w", &file], "rttscope: invalid value 'many' for '--count <N>'"),
        (&["capture"], "rttscope: --write <FILE> must be given too"),
        (&["capture", "-w", &missing_dir], "rttscope: cannot write -w "),
        (&["live", "-w", &missing_dir], "rttscope: cannot write -w "),
        (&["live", "-w", "-"], "rttscope: live -w - would mix pcapng into its text output"),
        (&["gen", "tls13", "--keylog", &missing_dir], "rttscope: cannot write --keylog "),
    ];
    for (args, start) in cases {
        let output = rttscope(args);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {text}");
        assert_eq!(text.lines().count(), 1, "{args:?}: {text}");
        assert!(text.starts_with(start), "{args:?}: {text}");
    }
    assert!(!Path::new(&*file).exists(), "nothing written");
    for flag in ["--help", "--version"] {
        let output = rttscope(&[flag]);
        assert_eq!(output.status.code(), Some(0), "{flag}");
        assert!(!stdout(&output).is_empty(), "{flag}");
    }
    // Standard input is named in words.
    let empty = Command::new(env!("CARGO_BIN_EXE_rttscope"))
        .args(["dissect", "-"])
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    assert_eq!(stderr(&empty), "rttscope: standard input is empty\n");
}

/// An invalid capture filter gets libpcap's own words on one line, exit 1, before a socket is
/// opened: as nobody, the filter is still what is refused, not the missing privilege.
#[test]
#[ignore = "needs libpcap (libpcap0.8)"]
fn an_invalid_capture_filter_is_libpcaps_one_line() {
    for args in
        [&["capture", "-w", "/tmp/never.pcapng", "-f", "udp prot 5"][..], &["live", "-f", "udp prot 5"]]
    {
        let output = rttscope(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert_eq!(
            stderr(&output),
            "rttscope: capture filter \"udp prot 5\": can't parse filter expression: syntax error\n"
        );
    }
    assert!(!Path::new("/tmp/never.pcapng").exists());
    let as_nobody = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_rttscope")])
        .args(["live", "-f", "tcp port 99999"])
        .output()
        .expect("setpriv (util-linux) runs");
    assert_eq!(as_nobody.status.code(), Some(1), "{}", stderr(&as_nobody));
    assert!(stderr(&as_nobody).ends_with("illegal port number 99999 > 65535\n"), "{}", stderr(&as_nobody));
}

/// `demo` with the privilege to capture refuses an output it could not write before any
/// traffic, instead of after the run (without the privilege it shows its bundled capture and
/// writes nothing, see tests/it/generate.rs).
#[test]
#[ignore = "needs root (CAP_NET_RAW), with which the demo would capture"]
fn the_demo_refuses_an_unwritable_output_before_any_traffic() {
    let started = std::time::Instant::now();
    let output = rttscope(&["demo", "udp", "--rtt", "0", "--headless", "-w", "/nonexistent/dir/demo.pcapng"]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert_eq!(
        text,
        "rttscope: cannot write -w /nonexistent/dir/demo.pcapng: there is no directory /nonexistent/dir\n"
    );
    assert!(stdout(&output).is_empty(), "nothing ran");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}
