//! Least privilege, checked from inside a parsing thread and from outside the process: once
//! `rttscope capture` or `rttscope live` has read its first packet, no thread has user id 0 or
//! a capability, every thread has no_new_privs and a seccomp filter, and the capture still
//! holds every packet. While `rttscope demo` runs its generators, every thread but the
//! namespace driver's holds nothing, and the driver only what namespaces need; the demo's round
//! trips are what they were. After the drop, files can be created in the output directory and
//! nowhere else. These need root (a packet socket, and something to drop), so they are
//! ignored unless run with `--include-ignored`.
//!
//! Other programs may use loopback at the same time; each test counts its own flow, picked out
//! by its random ports.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::flow::Flow;
use common::{rttscope, stderr, stdout};
use rttscope::capture::{Limits, LinkType, LiveCapture};
use rttscope::dissect::dissect;
use rttscope::privilege::{self, DRIVER_CAPABILITIES, OutputDir, ThreadStatus, threads_of};

const ROOT: &str = "needs root";

/// Asserts that a thread holds nothing: no user id 0, no capability, no_new_privs, a filter.
fn assert_dropped(what: &str, status: &ThreadStatus) {
    assert!(!status.uids.contains(&0), "{what}: user ids {:?}", status.uids);
    assert!(!status.gids.contains(&0), "{what}: group ids {:?}", status.gids);
    assert_eq!((status.cap_effective, status.cap_permitted), (0, 0), "{what}: capabilities");
    assert_eq!((status.cap_inheritable, status.cap_ambient), (0, 0), "{what}: capabilities");
    assert!(status.no_new_privs, "{what}: NoNewPrivs");
    assert_eq!(status.seccomp, 2, "{what}: Seccomp");
}

#[test]
#[ignore = "needs root"]
fn a_parsing_thread_holds_no_privilege_while_this_thread_keeps_root() {
    let flow = Flow::new();
    let capture = LiveCapture::open("lo").expect(ROOT);
    assert_eq!(capture.linktype(), LinkType::Ethernet);
    let (sender, packets) = mpsc::channel();
    let handle = capture.start_streaming(Limits::default(), sender).expect("start");
    // The parsing thread drops for itself, as the ones that demo starts beside its namespaces do.
    let parser = thread::spawn(move || {
        privilege::drop_this_thread().expect("the drop");
        let mut dissected = 0;
        for packet in packets.iter().take(10) {
            let frame = packet.frame(dissected + 1, LinkType::Ethernet);
            assert!(!dissect(&frame).layers.is_empty());
            dissected += 1;
        }
        let status = ThreadStatus::current().expect("/proc/thread-self/status");
        // The filter refuses what an exploited parser would try first.
        let created = std::fs::File::create("/tmp/rttscope-privilege-must-not-exist");
        let spawned = Command::new("/bin/true").status();
        (dissected, status, created.is_err(), spawned.is_err())
    });
    for number in 0..10 {
        flow.send(number);
    }
    let (dissected, status, refused_create, refused_spawn) = parser.join().expect("the parsing thread");
    // The reading thread dropped too, before its first packet.
    let reading = threads_of("self")
        .expect("/proc/self/task")
        .into_iter()
        .map(|(_, status)| status)
        .find(|status| status.uids[0] != 0)
        .expect("a dropped thread besides the parser, the one reading lo");
    drop(handle.stop());
    assert_eq!(dissected, 10);
    assert_dropped("the parsing thread", &status);
    assert_dropped("the reading thread", &reading);
    assert!(refused_create && refused_spawn, "create refused: {refused_create}, spawn: {refused_spawn}");
    assert!(!Path::new("/tmp/rttscope-privilege-must-not-exist").exists());
    // The test's own thread kept root: the drop was the parsing thread's alone.
    assert_eq!(ThreadStatus::current().expect("status").uids, [0; 4]);
}

/// A command running in the background, its standard error read line by line on a thread.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Running {
    fn start(command: &mut Command) -> Self {
        let mut child = command.stderr(Stdio::piped()).spawn().expect("the command runs");
        let stderr = child.stderr.take().expect("its standard error");
        let (sender, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        Self { child, lines }
    }

    /// Waits for a line of standard error containing `text`.
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(text) => return line,
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        panic!("no {text:?} on standard error; it said {seen:?}");
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

fn rttscope_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rttscope"));
    command.args(args).stdin(Stdio::null()).stdout(Stdio::piped());
    command
}

/// The pid of the rttscope that `script` runs in its terminal.
fn child_of(parent: u32) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let children =
            std::fs::read_to_string(format!("/proc/{parent}/task/{parent}/children")).unwrap_or_default();
        let rttscope = children.split_whitespace().filter_map(|pid| pid.parse().ok()).find(|pid: &u32| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|comm| comm.trim() == "rttscope")
        });
        if let Some(pid) = rttscope {
            return pid;
        }
        thread::sleep(Duration::from_millis(20));
    }
    panic!("script started no rttscope");
}

/// Every thread of `pid`, checked; returns how many threads were seen.
fn check_threads(what: &str, pid: u32) -> usize {
    let threads = threads_of(&pid.to_string()).unwrap_or_else(|error| panic!("{what}: {error}"));
    for (tid, status) in &threads {
        assert_dropped(&format!("{what}, thread {tid}"), status);
    }
    threads.len()
}

#[test]
#[ignore = "needs root"]
fn capture_and_live_hold_no_privilege_in_any_thread_and_keep_every_packet() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("dropped.pcapng");
    let file_name = file.to_string_lossy().into_owned();
    let mut capture = Running::start(&mut rttscope_command(&["capture", "-i", "lo", "-w", &file_name]));
    capture.wait_for("capturing on lo");
    // `live` needs a terminal: `script` gives it one, and passes a `q` on to it at the end.
    // `exec`: a shell that would otherwise stay as script's child (dash, when SHELL is unset).
    let live_command = format!("exec {} live -i lo", env!("CARGO_BIN_EXE_rttscope"));
    let mut script = Command::new("script")
        .args(["-qfec", &live_command, "/dev/null"])
        .env("TERM", "xterm-256color")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("script (util-linux) runs");
    let live = child_of(script.id());
    // Live starts its reading thread once the socket is open and the drop done.
    let deadline = Instant::now() + Duration::from_secs(10);
    while threads_of(&live.to_string()).map_or(0, |threads| threads.len()) < 2 {
        assert!(Instant::now() < deadline, "live started no reading thread");
        thread::sleep(Duration::from_millis(10));
    }
    // The generator: rttscope's own UDP exchange, and a numbered flow of ours to count.
    let keys = dir.path().join("gen.keys");
    let generator = rttscope(&["gen", "udp", "--keylog", &keys.to_string_lossy()]);
    assert!(generator.status.success(), "{}", stderr(&generator));
    let flow = Flow::new();
    let mut seen = (0, 0);
    for number in 0..200 {
        flow.send(number);
        thread::sleep(Duration::from_millis(2));
        // From the first packet on, every few packets: every thread of both, as it is now.
        if number % 10 == 0 {
            seen.0 = seen.0.max(check_threads("capture", capture.pid()));
            seen.1 = seen.1.max(check_threads("live", live));
        }
    }
    // The reading thread, and for live the UI's workers, were among those checked.
    assert!(seen.0 >= 2 && seen.1 >= 3, "threads seen: {seen:?}");
    thread::sleep(Duration::from_millis(200));
    // SAFETY: sends SIGINT to the capture started above, which then completes its file.
    assert_eq!(unsafe { libc::kill(capture.pid() as libc::pid_t, libc::SIGINT) }, 0);
    let status = capture.child.wait().expect("the capture ends");
    assert!(status.success(), "capture: {status}");
    script.stdin.as_mut().expect("script's input").write_all(b"q").expect("q to live");
    let status = script.wait().expect("live ends");
    assert!(status.success(), "live: {status}");

    let counted = rttscope(&["dissect", &file_name, "-Y", &flow.filter()]);
    assert!(counted.status.success(), "{}", stderr(&counted));
    assert_eq!(stdout(&counted).lines().count(), 200, "every datagram of the flow in {file_name}");
}

/// A user from /etc/passwd other than root and nobody, to play the one who ran sudo.
fn some_user() -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").expect("/etc/passwd");
    passwd
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            Some((fields.get(2)?.parse().ok()?, fields.get(3)?.parse().ok()?))
        })
        .find(|&(uid, gid)| uid != 0 && uid != 65534 && gid != 0)
        .expect("a user besides root and nobody")
}

#[test]
#[ignore = "needs root"]
fn under_sudo_every_thread_becomes_the_invoking_user() {
    let (uid, gid) = some_user();
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("sudo.pcapng");
    let mut command = rttscope_command(&["capture", "-i", "lo", "-w", &file.to_string_lossy()]);
    command.env("SUDO_UID", uid.to_string()).env("SUDO_GID", gid.to_string());
    let mut capture = Running::start(&mut command);
    capture.wait_for("capturing on lo");
    let flow = Flow::new();
    flow.send(0);
    thread::sleep(Duration::from_millis(100));
    let threads = threads_of(&capture.pid().to_string()).expect("its threads");
    let _ = capture.child.kill();
    let _ = capture.child.wait();
    assert!(threads.len() >= 2, "the main thread and the reading thread");
    for (tid, status) in &threads {
        assert_dropped(&format!("thread {tid}"), status);
        assert_eq!((status.uids, status.gids), ([uid; 4], [gid; 4]), "thread {tid}");
    }
}

#[test]
#[ignore = "needs root"]
fn no_drop_keeps_root_and_a_bad_sudo_variable_refuses_to_capture() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("kept.pcapng");
    let mut capture = Running::start(&mut rttscope_command(&[
        "capture",
        "-i",
        "lo",
        "--no-drop",
        "-w",
        &file.to_string_lossy(),
    ]));
    capture.wait_for("capturing on lo");
    let threads = threads_of(&capture.pid().to_string()).expect("its threads");
    let _ = capture.child.kill();
    let _ = capture.child.wait();
    assert!(threads.iter().all(|(_, status)| status.uids == [0; 4] && status.seccomp == 0), "{threads:?}");

    let refused = Command::new(env!("CARGO_BIN_EXE_rttscope"))
        .args(["capture", "-i", "lo", "-c", "1", "-w", &file.to_string_lossy()])
        .env("SUDO_UID", "alice")
        .env("SUDO_GID", "100")
        .output()
        .expect("rttscope runs");
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        stderr(&refused).trim_end(),
        "rttscope: cannot drop root privileges: SUDO_UID=\"alice\" is not a user or group id; unset it \
         or pass --no-drop to parse packets as root"
    );
}

#[test]
#[ignore = "needs root (to set a file capability and run as nobody)"]
fn a_file_capability_is_dropped_once_the_socket_is_open() {
    let dir = tempfile::tempdir().expect("temporary directory");
    // The copy must be where nobody can run it, and write beside it.
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o777)).expect("chmod");
    let binary = dir.path().join("rttscope");
    std::fs::copy(env!("CARGO_BIN_EXE_rttscope"), &binary).expect("a copy of the binary");
    let set = Command::new("setcap").args(["cap_net_raw+ep"]).arg(&binary).status().expect("setcap runs");
    assert!(set.success(), "setcap cap_net_raw+ep");
    let file = dir.path().join("capability.pcapng");
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--"])
        .arg(&binary)
        .args(["capture", "-i", "lo", "-w", &file.to_string_lossy()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let mut capture = Running::start(&mut command);
    capture.wait_for("capturing on lo");
    Flow::new().send(0);
    thread::sleep(Duration::from_millis(100));
    let threads = threads_of(&capture.pid().to_string()).expect("its threads");
    // SAFETY: sends SIGINT to the capture started above, which then completes its file.
    unsafe { libc::kill(capture.pid() as libc::pid_t, libc::SIGINT) };
    let status = capture.child.wait().expect("the capture ends");
    assert!(status.success(), "{status}");
    assert!(threads.len() >= 2, "{threads:?}");
    for (tid, status) in &threads {
        assert_dropped(&format!("thread {tid}"), status);
        assert_eq!(status.uids, [65534; 4]);
    }
}

/// The threads of the namespace driver in `gen` and `demo`: the main thread, and the short
/// ones it starts to make a namespace, set one up, or make a socket inside one.
const DRIVER_THREADS: [&str; 4] = ["link-netns", "link-setup", "rttscope-host", "rttscope-netns"];

/// How much CPU time thread `tid` of `pid` has had since it started (the first field of its
/// `schedstat`, in nanoseconds), or `None` once it has ended.
fn cpu_time(pid: u32, tid: u32) -> Option<Duration> {
    let schedstat = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/schedstat")).ok()?;
    let nanoseconds = schedstat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanoseconds))
}

/// Runs `rttscope demo --headless` with `extra` arguments, reading every thread's status from
/// outside until it ends; asserts that only the driver ever holds privilege (a peer is allowed
/// the work of its own drop: while not yet sandboxed it has had less than `GRACE` of CPU time,
/// measured on the CPU so that a loaded machine's waits do not count), that the driver
/// holds only the capabilities it keeps, and that the demo shows every textbook round trip.
/// Returns the names of the dropped threads seen.
fn demo_threads_hold_nothing(extra: &[&str]) -> Vec<String> {
    /// More CPU time than a drop takes (a debug build compiles its filter), far less than a
    /// peer would spend if it went on to its handshakes unsandboxed.
    const GRACE: Duration = Duration::from_millis(60);
    let dir = tempfile::tempdir().expect("temporary directory");
    let output = dir.path().join("demo.pcapng");
    let mut args = vec!["demo", "--headless", "-w", output.to_str().expect("a UTF-8 path")];
    args.extend_from_slice(extra);
    let mut demo = rttscope_command(&args).stderr(Stdio::piped()).spawn().expect("demo runs");
    let pid = demo.id();
    let mut dropped = std::collections::BTreeSet::new();
    let mut peers_started = false;
    let deadline = Instant::now() + Duration::from_secs(120);
    while demo.try_wait().expect("waiting for demo").is_none() {
        assert!(Instant::now() < deadline, "demo did not end");
        // A thread that ends while its status is read can fail the whole read (ESRCH): the
        // next sample sees the rest; the loop ends when demo does.
        let Ok(threads) = threads_of(&pid.to_string()) else { continue };
        for (tid, status) in threads {
            let name = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/comm")).unwrap_or_default();
            let name = name.trim().to_owned();
            if name.is_empty() {
                continue; // ended between the two reads
            }
            let driver = tid == pid || DRIVER_THREADS.contains(&name.as_str());
            if driver {
                // Once a peer has started, the driver has narrowed what it holds (or, at the
                // end, dropped it all).
                if peers_started {
                    let held = status.cap_effective | status.cap_permitted;
                    assert_eq!(
                        held & !DRIVER_CAPABILITIES,
                        0,
                        "driver thread {tid} ({name}) holds {held:#x}"
                    );
                    assert_eq!(status.cap_ambient | status.cap_inheritable, 0, "driver thread {tid}");
                }
                continue;
            }
            peers_started = true;
            if status.is_privileged() || status.seccomp != 2 || !status.no_new_privs {
                // Just started and dropping: it inherited the driver's narrowed set.
                let held = status.cap_effective | status.cap_permitted;
                assert_eq!(held & !DRIVER_CAPABILITIES, 0, "thread {tid} ({name}) holds {held:#x}");
                // Ended since its status was read: nothing left to hold.
                let Some(spent) = cpu_time(pid, tid) else { continue };
                assert!(
                    spent < GRACE,
                    "thread {tid} ({name}) still privileged after {spent:?} on the CPU: {status:?}"
                );
            } else {
                assert_dropped(&format!("thread {tid} ({name})"), &status);
                dropped.insert(name);
            }
        }
        thread::sleep(Duration::from_millis(1));
    }
    let finished = demo.wait_with_output().expect("demo's output");
    let (out, err) = (String::from_utf8_lossy(&finished.stdout), String::from_utf8_lossy(&finished.stderr));
    assert!(finished.status.success(), "demo {extra:?}: {}\n{out}\n{err}", finished.status);
    // The same rounds as before the per-thread drops: each run shows its textbook round trips.
    let runs =
        format!("All {} generator run(s) happened as intended", rttscope::generate::Variant::ALL.len());
    assert!(out.contains(&runs), "{out}\n{err}");
    // Every TLS, HTTP, QUIC, WebSocket, gRPC, STUN and DTLS connection matches its textbook
    // round trips; SSH its textbook's plus OpenSSH's own two, and WebSocket over HTTP/2
    // over TLS its textbook's plus the round its server holds the SETTINGS back.
    let ticks = out.lines().filter(|line| line.trim_end().ends_with('✓')).count();
    assert_eq!(ticks, 20, "every connection matches its textbook round trips:\n{out}");
    assert!(out.lines().any(|line| line.trim_end().ends_with("6/7 +2")), "{out}");
    assert!(out.lines().any(|line| line.trim_end().ends_with("3/4 +1")), "{out}");
    dropped.into_iter().collect()
}

#[test]
#[ignore = "needs root"]
fn over_the_link_every_thread_but_the_namespace_driver_holds_nothing_and_the_rounds_are_unchanged() {
    let dropped = demo_threads_hold_nothing(&[]);
    // The longest-lived of each kind (a sample may miss a thread of a few milliseconds).
    for name in ["link-emulator", "tls12 server", "tls12 client", "quic peers", "ping client"] {
        assert!(dropped.iter().any(|seen| seen == name), "no dropped {name:?} seen among {dropped:?}");
    }
}

#[test]
#[ignore = "needs root"]
fn on_loopback_every_thread_but_the_namespace_driver_holds_nothing_and_the_rounds_are_unchanged() {
    let dropped = demo_threads_hold_nothing(&["--rtt", "0"]);
    assert!(dropped.iter().any(|seen| seen == "capture lo"), "no dropped capture seen among {dropped:?}");
    // On loopback an exchange takes milliseconds, and a sample may miss any one of them.
    let peers = dropped
        .iter()
        .filter(|seen| seen.contains("serv") || seen.contains("clie") || seen.contains("peers"));
    assert!(peers.count() >= 3, "few dropped clients and servers seen among {dropped:?}");
}

#[test]
#[ignore = "needs root"]
fn after_the_drop_files_are_created_in_the_output_directory_and_nowhere_else() {
    use std::os::unix::fs::PermissionsExt;
    // Both directories writable by nobody: only Landlock tells them apart.
    let (inside, outside) =
        (tempfile::tempdir().expect("a directory"), tempfile::tempdir().expect("another"));
    for dir in [inside.path(), outside.path()] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    }
    let old = outside.path().join("old");
    std::fs::write(&old, "kept").expect("a file outside");
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    OutputDir::open(inside.path()).expect("the output directory");
    let (inside_path, outside_path) = (inside.path().to_owned(), outside.path().to_owned());
    let outcome = thread::spawn(move || {
        privilege::drop_this_thread().expect("the drop");
        let created = OutputDir::create("export.pcapng").and_then(|mut file| file.write_all(b"marked"));
        let again = OutputDir::create("export.pcapng").map(drop).map_err(|error| error.kind());
        let climbed = OutputDir::create("../escaped").map(drop).map_err(|error| error.kind());
        let errno =
            |result: std::io::Result<std::fs::File>| result.map(drop).map_err(|error| error.raw_os_error());
        let in_dir = errno(std::fs::File::create(inside_path.join("beside")));
        let out_dir = errno(std::fs::File::create(outside_path.join("new")));
        let rewrite = errno(std::fs::OpenOptions::new().write(true).open(outside_path.join("old")));
        let tmp = errno(std::fs::File::create("/tmp/rttscope-output-dir-must-not-exist"));
        let shadow = errno(std::fs::File::open("/etc/shadow"));
        let status = ThreadStatus::current().expect("status");
        (created, again, climbed, in_dir, out_dir, rewrite, tmp, shadow, status)
    })
    .join()
    .expect("the dropped thread");
    let (created, again, climbed, in_dir, out_dir, rewrite, tmp, shadow, status) = outcome;
    assert_dropped("the dropped thread", &status);
    created.expect("a new file in the output directory");
    assert_eq!(std::fs::read(inside.path().join("export.pcapng")).expect("it is there"), b"marked");
    assert_eq!(again, Err(std::io::ErrorKind::AlreadyExists), "an existing file is never replaced");
    assert_eq!(climbed, Err(std::io::ErrorKind::InvalidInput));
    assert_eq!(in_dir, Ok(()));
    let refused = |result: Result<(), Option<i32>>| matches!(result, Err(Some(libc::EACCES | libc::EPERM)));
    assert!(refused(out_dir), "creating outside: {out_dir:?}");
    assert!(refused(rewrite), "writing a file outside that nobody may write: {rewrite:?}");
    assert!(refused(tmp), "creating in /tmp: {tmp:?}");
    assert!(refused(shadow), "reading /etc/shadow: {shadow:?}");
    assert!(
        !outside.path().join("new").exists()
            && !Path::new("/tmp/rttscope-output-dir-must-not-exist").exists()
    );
    assert_eq!(std::fs::read_to_string(&old).expect("the old file"), "kept");
}
