//! Key logs that grow while traffic goes by (issue 16): secrets that reach the tracker after
//! the hellos still decrypt the records after them; `gen` appends to its key log; and, as
//! root, `rttscope capture --keylog K` follows K while `rttscope gen` writes it, so the file it
//! writes decrypts alone, in rttscope and in tshark.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::tmux::Tmux;
use common::{rttscope, stderr, stdout};
use rttscope::capture::CaptureFile;
use rttscope::filter::Filter;
use rttscope::track::keylog::{KeyLog, NO_SECRET_YET};
use rttscope::track::{Scratch, Tracker};

fn interop(name: &str) -> PathBuf {
    common::root().join("fixtures/interop").join(name)
}

/// The frames of an interop capture that pass `filter`, its key log given to the tracker
/// before frame `keys_at` (from the start when `None`).
fn matching(name: &str, filter: &str, keys_at: Option<u64>) -> Vec<u64> {
    let capture = CaptureFile::open(&interop(&format!("{name}.pcap"))).expect("the capture opens");
    let keys = std::fs::read(interop(&format!("{name}.keys"))).expect("the key log reads");
    let filter = Filter::parse(filter).expect("the filter parses");
    let mut tracker = Tracker::with_keylog(KeyLog::new());
    let mut scratch = Scratch::new();
    let mut numbers = Vec::new();
    for frame in capture.frames() {
        let frame = frame.expect("the frame reads");
        if frame.number == keys_at.unwrap_or(1) {
            assert!(tracker.add_key_log_text(&keys).is_empty());
        }
        let packet = tracker.handle_frame(&frame, &mut scratch);
        if filter.matches(&packet, &frame) {
            numbers.push(frame.number);
        }
    }
    numbers
}

/// Secrets given at frame `at` decrypt every record from there on that they decrypt when
/// given from the start.
fn late_secrets_decrypt_what_follows(name: &str, filter: &str, at: u64) {
    let all = matching(name, filter, None);
    let after: Vec<u64> = all.iter().copied().filter(|number| *number >= at).collect();
    assert!(!after.is_empty(), "{name}: nothing to decrypt after frame {at}: {all:?}");
    assert_eq!(matching(name, filter, Some(at)), after, "{name}, secrets from frame {at}");
}

#[test]
fn tls13_secrets_that_arrive_after_the_client_hello_decrypt_the_session() {
    // Frame 6 is the ClientHello, 8 the server's whole flight from its ServerHello.
    late_secrets_decrypt_what_follows("tls13-openssl", "http", 7);
}

#[test]
fn tls13_secrets_that_arrive_after_the_servers_flight_decrypt_the_application_data() {
    // Frame 8, the ServerHello and the encrypted flight, went by without keys; 10 is the
    // client's Finished, 11 its request.
    late_secrets_decrypt_what_follows("tls13-openssl", "http", 9);
    assert_eq!(matching("tls13-openssl", "http && frame.number <= 20", Some(9)), [11, 14]);
}

#[test]
fn tls12_secrets_that_arrive_after_the_server_hello_decrypt_after_change_cipher_spec() {
    late_secrets_decrypt_what_follows("tls12-openssl", "http", 9);
}

#[test]
fn quic_secrets_that_arrive_after_the_server_hello_decrypt_the_1rtt_packets() {
    // Frame 4 holds the server's Initial (its ServerHello) and Handshake packets.
    late_secrets_decrypt_what_follows("quic-h3-aioquic", "http3", 5);
}

/// The frames of tls13-openssl whose ClientHello a followed key log noted as having no
/// secret yet, the key log's lines given before frame `keys_at`.
fn noted_hellos(keylog: KeyLog, keys_at: u64) -> Vec<u64> {
    let capture = CaptureFile::open(&interop("tls13-openssl.pcap")).expect("the capture opens");
    let keys = std::fs::read(interop("tls13-openssl.keys")).expect("the key log reads");
    let mut tracker = Tracker::with_keylog(keylog);
    let mut scratch = Scratch::new();
    let mut noted = Vec::new();
    for frame in capture.frames() {
        let frame = frame.expect("the frame reads");
        if frame.number == keys_at {
            tracker.add_key_log_text(&keys);
        }
        let packet = tracker.handle_frame(&frame, &mut scratch);
        if packet.problems.iter().any(|problem| problem.message == NO_SECRET_YET) {
            noted.push(frame.number);
        }
    }
    noted
}

#[test]
fn a_client_hello_a_followed_key_log_has_no_secret_for_yet_says_so() {
    // ClientHellos in frames 6, 24, 42, ...; the secrets come after the first.
    assert_eq!(noted_hellos(KeyLog::followed(), 7), [6]);
    assert_eq!(noted_hellos(KeyLog::followed(), 1), Vec::<u64>::new());
    // A key log read once whole says nothing per ClientHello (the count at the end does).
    assert_eq!(noted_hellos(KeyLog::new(), 7), Vec::<u64>::new());
}

#[test]
fn gen_appends_to_its_key_log() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let keys = dir.path().join("gen.keys");
    let keys_arg = keys.to_string_lossy();
    let first = rttscope(&["gen", "tls13", "--keylog", &keys_arg]);
    assert!(first.status.success(), "{}", stderr(&first));
    let after_first = std::fs::read_to_string(&keys).expect("the key log");
    let second = rttscope(&["gen", "tls12", "--keylog", &keys_arg]);
    assert!(second.status.success(), "{}", stderr(&second));
    let after_second = std::fs::read_to_string(&keys).expect("the key log");
    let added = after_second.strip_prefix(&after_first).expect("the first run's lines are kept, first");
    assert!(after_first.contains("CLIENT_TRAFFIC_SECRET_0 "), "tls13 logs TLS 1.3 secrets: {after_first}");
    assert!(!after_first.contains("CLIENT_RANDOM "), "{after_first}");
    assert!(added.starts_with("CLIENT_RANDOM ") && added.ends_with('\n'), "tls12 adds its own: {added}");
    assert!(!added.contains("TRAFFIC_SECRET"), "{added}");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&keys).expect("meta").permissions());
    assert_eq!(mode & 0o777, 0o600);
    assert!(stderr(&second).contains("TLS secrets appended to"), "{}", stderr(&second));
}

/// `rttscope capture -i lo -w FILE --keylog KEYS`, KEYS not existing yet, once it says it is
/// capturing.
fn start_capture(file: &Path, keys: &Path) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_rttscope"))
        .args(["capture", "-i", "lo", "-w", &file.to_string_lossy(), "--keylog", &keys.to_string_lossy()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the rttscope binary runs");
    // The socket is open before the file exists; give the capture thread a moment to start.
    let started = Instant::now();
    while !file.exists() && started.elapsed() < Duration::from_secs(5) {
        thread::sleep(Duration::from_millis(20));
    }
    thread::sleep(Duration::from_millis(300));
    child
}

/// Stops the capture as Ctrl-C does; returns what it said.
fn stop_capture(child: Child) -> String {
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    // SAFETY: sends a signal to the child started by this test.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let output = child.wait_with_output().expect("the capture ends");
    let text = stderr(&output);
    assert!(output.status.success(), "{text}");
    text
}

/// The tests that generate traffic on loopback and capture it run one at a time: the live UI
/// shows the newest packets, and another test's flow would push this one's off the screen.
fn one_on_loopback() -> std::sync::MutexGuard<'static, ()> {
    static LOOPBACK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOOPBACK.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Captures `gen VARIANT` with the key log followed; returns the file and what capture said.
fn capture_gen(variant: &str, dir: &Path) -> (PathBuf, String) {
    let file = dir.join(format!("{variant}.pcapng"));
    let keys = dir.join(format!("{variant}.keys"));
    let capture = start_capture(&file, &keys);
    let generated = rttscope(&["gen", variant, "--keylog", &keys.to_string_lossy()]);
    assert!(generated.status.success(), "{}", stderr(&generated));
    thread::sleep(Duration::from_millis(300));
    let said = stop_capture(capture);
    (file, said)
}

#[test]
#[ignore = "needs root (CAP_NET_RAW) for a raw socket"]
fn a_followed_key_log_is_embedded_before_the_packets_it_decrypts() {
    let _alone = one_on_loopback();
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (variant, filter, request) in
        [("tls13", "http", "GET /tls13/1 HTTP/1.1"), ("quic", "http3", "HEADERS")]
    {
        let (file, said) = capture_gen(variant, dir.path());
        assert!(said.contains("does not exist yet"), "{said}");
        assert!(said.contains("(secrets for 1 TLS session)"), "{said}");
        let capture = CaptureFile::open(&file).expect("the capture opens");
        let mut frames = capture.frames();
        let mut blocks = 0;
        while let Some(frame) = frames.next() {
            frame.expect("the frame reads");
            blocks += frames.take_secrets().len();
        }
        assert!(blocks >= 1, "{variant}: {blocks} Decryption Secrets Blocks");
        let output = rttscope(&["dissect", &file.to_string_lossy(), "-Y", filter]);
        assert!(output.status.success(), "{}", stderr(&output));
        let text = stdout(&output);
        assert!(text.lines().count() >= 2, "{variant}: decrypted, with no key log given:\n{text}");
        assert!(text.contains(request), "{variant}:\n{text}");
    }
}

#[test]
#[ignore = "needs root (CAP_NET_RAW) and tshark"]
fn tshark_decrypts_a_followed_capture_from_its_own_secrets() {
    let _alone = one_on_loopback();
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (variant, filter) in [("tls13", "http"), ("quic", "http3")] {
        let (file, _) = capture_gen(variant, dir.path());
        let output = Command::new("tshark")
            .args(["-n", "-r", &file.to_string_lossy(), "-Y", filter])
            .output()
            .expect("tshark runs");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(text.lines().count() >= 2, "{variant}: tshark -Y {filter}:\n{text}");
    }
}

#[test]
#[ignore = "needs root (CAP_NET_RAW) for a raw socket"]
fn live_into_a_pipe_decrypts_with_a_key_log_that_appears_while_it_runs() {
    let _alone = one_on_loopback();
    // In a directory only root may search, with a key log only root may read, as a root
    // client writes it: rttscope has dropped to nobody by the time the secrets arrive.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (file, keys) = (dir.path().join("live.pcapng"), dir.path().join("live.keys"));
    let child = Command::new(env!("CARGO_BIN_EXE_rttscope"))
        .args(["live", "-i", "lo", "-f", "tcp", "-Y", "http", "-w", &file.to_string_lossy()])
        .args(["--keylog", &keys.to_string_lossy()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the rttscope binary runs");
    let started = Instant::now();
    while !file.exists() && started.elapsed() < Duration::from_secs(5) {
        thread::sleep(Duration::from_millis(20));
    }
    thread::sleep(Duration::from_millis(300));
    let generated = rttscope(&["gen", "tls13", "--keylog", &keys.to_string_lossy()]);
    assert!(generated.status.success(), "{}", stderr(&generated));
    thread::sleep(Duration::from_millis(300));
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    // SAFETY: sends a signal to the child started by this test.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let output = child.wait_with_output().expect("live ends");
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = stdout(&output);
    assert!(
        printed.contains("GET /tls13/1 HTTP/1.1"),
        "decrypted as it went by:\n{printed}\n{}",
        stderr(&output)
    );
    assert!(printed.contains("HTTP/1.1 200 OK"), "{printed}");
    // The file decrypts alone: the secrets went in before the packets.
    let dissected = rttscope(&["dissect", &file.to_string_lossy(), "-Y", "http"]);
    assert!(stdout(&dissected).contains("GET /tls13/1 HTTP/1.1"), "{}", stdout(&dissected));
}

#[test]
#[ignore = "needs root (CAP_NET_RAW) and tmux"]
fn live_decrypts_with_a_key_log_that_appears_while_it_runs() {
    let _alone = one_on_loopback();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (file, keys) = (dir.path().join("live.pcapng"), dir.path().join("live.keys"));
    let (file_arg, keys_arg) = (file.to_string_lossy(), keys.to_string_lossy());
    // Other tests use loopback at the same time (QUIC ones above all): TCP only, and a pane
    // tall enough that their rows do not push the request off the screen.
    let arguments = ["live", "-i", "lo", "-f", "tcp", "-w", &file_arg, "--keylog", &keys_arg];
    let pane = Tmux::start(env!("CARGO_BIN_EXE_rttscope"), dir.path(), (240, 80), &arguments);
    pane.wait_for("note that the key log is waited for", |screen| {
        screen.contains("(it did not exist at the start)") && screen.contains("keys for 0 sessions")
    });
    let generated = rttscope(&["gen", "tls13", "--keylog", &keys_arg]);
    assert!(generated.status.success(), "{}", stderr(&generated));
    pane.wait_for("the request decrypted and the secrets counted", |screen| {
        screen.contains("GET /tls13/1 HTTP/1.1") && screen.contains("keys for 1 session ")
    });
    // Whether the ClientHello is noted as having no secret yet depends on whether its frame
    // was passed on before the secrets were logged (one batch may hold both): the note itself
    // is tested on a capture, in a_client_hello_a_followed_key_log_has_no_secret_for_yet_says_so.
    // Truncated, as a new browser session does to SSLKEYLOGFILE: read again from its start.
    std::fs::write(&keys, "").expect("truncates");
    pane.wait_for("the note that the key log was rewritten", |screen| {
        screen.contains("live.keys truncated or replaced: read again from its start")
    });
    pane.press(&["q"]);
    let started = Instant::now();
    while pane.is_running() && started.elapsed() < Duration::from_secs(5) {
        thread::sleep(Duration::from_millis(100));
    }
    let output = rttscope(&["dissect", &file_arg, "-Y", "http"]);
    let text = stdout(&output);
    assert!(text.contains("GET /tls13/1 HTTP/1.1") && text.contains("HTTP/1.1 200 OK"), "{text}");
}
