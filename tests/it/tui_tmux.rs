//! The terminal UI end to end: the real binary in a real terminal, driven by keys through tmux.
//!
//! Each test runs `rttscope` in a pane of a private tmux server, presses the keys a user would
//! and reads the screen back with `capture-pane`. After the UI exits, the pane's shell prints
//! the exit code and `stty -a`, so the tests also see that the terminal was given back: cooked
//! mode, the main screen, the mouse released, the cursor shown.
//!
//! - `rttscope captures/all.pcapng`: the packet list, each view, help, a display filter that
//!   matches, one that does not parse, and quitting.
//! - `rttscope replay`: the packets arrive over time at the pace asked for, the status bar
//!   follows them, space pauses and resumes, the end is said. (A speed that is not above 0 is refused before any terminal
//!   is needed; that test needs no tmux.)
//! - `rttscope live -i lo -w FILE` (as root): the generators' UDP and TLS 1.3 traffic shows as
//!   it happens, its connections too, and the file written holds it.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The pane's width: wider than the 80 minimum, so the Info column has room.
const WIDTH: u16 = 100;
/// The pane's usual height; the Packets view lists 9 rows in it.
const HEIGHT: u16 = 30;
/// A taller pane, whose Packets view lists 21 rows: a whole TLS handshake stays in sight.
const TALL: u16 = 60;
/// How long the screen may take to show what a key should bring.
const TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);
/// Runs the UI (its program and arguments), then reports how it ended and how it left the
/// terminal, and stays open to be read.
const PANE_SCRIPT: &str = r#""$@"; echo "EXIT=$?"; stty -a; exec sleep 60"#;
const SESSION: &str = "rttscope";
const BINARY: &str = env!("CARGO_BIN_EXE_rttscope");
/// Frames in `captures/all.pcapng` (`scripts/make-captures.sh` regenerates it).
const PACKETS: usize = 374;
const GOOD_FILTER: &str = "tls.handshake.type == 1";
const BAD_FILTER: &str = "tcp.port == x";

/// `captures/tls13.pcapng`: one TLS 1.3 connection, 15 packets, the last 1.349453 ms after the
/// first.
const TLS13_PACKETS: u64 = 15;
const TLS13_SPAN: Duration = Duration::from_nanos(1_349_453);
/// Replayed 2000 times slower, the 15 packets take 2.7 s, in steps of a few hundred ms (no
/// gap comes near the 3 s a replay cuts pauses to).
const REPLAY_SPEED: &str = "0.0005";

#[test]
#[ignore = "needs tmux; .ci/run installs it"]
fn the_ui_answers_keys_in_a_terminal_and_gives_the_terminal_back() {
    let capture = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/all.pcapng");
    let tmux = Tmux::rttscope(HEIGHT, &[&capture.to_string_lossy()]);

    // Packets: the list from frame 1, the layers and bytes of the first frame, the count.
    let screen = tmux.wait_for("the packet list and frame 1 taken apart", |screen| {
        screen.contains(&format!(" {PACKETS} packets"))
            && !packet_rows(screen).is_empty()
            && screen.contains("Layers of frame 1 · L7 at the top")
            && screen.contains("Bytes · frame bytes (74 bytes)")
    });
    assert!(screen.lines().next().is_some_and(|top| top.contains("1 Packets │ 2 Connections")), "{screen}");
    let numbers: Vec<u64> = packet_rows(&screen).iter().map(|row| row.number).collect();
    assert_eq!(numbers, (1..=numbers.len() as u64).collect::<Vec<_>>(), "{screen}");
    assert!(screen.contains("▾ L4 Transport"), "{screen}");
    assert!(screen.lines().any(|line| line.starts_with("0000  00 00 ")), "{screen}");

    tmux.press(&["2"]);
    tmux.wait_for("the connections", |screen| {
        screen.contains("Connections · 24 · Enter opens the timeline") && screen.contains("quic-0rtt")
    });

    tmux.press(&["3"]);
    tmux.wait_for("the timeline of connection 0", |screen| {
        screen.contains("Timeline of connection 0 ·")
            && screen.contains("TLS 1.2 over TCP: request after 3 round trips")
            && screen.contains("─ SYN─")
            && screen.contains("SYN-ACK─")
            && screen.lines().any(|line| line.starts_with("R0 "))
            && screen.lines().any(|line| line.starts_with("R1 "))
    });

    tmux.press(&["4"]);
    tmux.wait_for("the comparison", |screen| {
        screen.contains("Compare · a race") && screen.contains("tls12 — TLS 1.2 over TCP · textbook 3 / 4")
    });

    // Help covers the view and any key closes it, even one with no binding (x).
    tmux.press(&["?"]);
    tmux.wait_for("help", |screen| screen.contains(" rttscope keys ") && screen.contains("any key closes"));
    tmux.press(&["x"]);
    tmux.wait_for("help to close on the comparison", |screen| {
        !screen.contains(" rttscope keys ") && screen.contains("textbook 3 / 4")
    });

    // Tab goes on to the last view, Statistics, and round from it to the first.
    tmux.press(&["Tab"]);
    tmux.wait_for("Tab to go on to the statistics", |screen| screen.contains("as capinfos gives them"));
    tmux.press(&["Tab"]);
    tmux.wait_for("Tab to wrap round to the packets", |screen| screen.contains("▶ Packets"));

    // A filter that matches: the count, and the rows `rttscope dissect -Y` lists, in order.
    let expected = dissect_matching(&capture, GOOD_FILTER);
    tmux.press(&["1", "/"]);
    tmux.wait_for("the filter line", |screen| filter_line(screen) == Some(""));
    tmux.type_text(GOOD_FILTER);
    tmux.press(&["Enter"]);
    let status = format!("{} of {PACKETS} packets match", expected.len());
    let screen = tmux.wait_for(&status, |screen| {
        filter_line(screen).is_none() && screen.contains(&status) && !packet_rows(screen).is_empty()
    });
    let rows = packet_rows(&screen);
    let numbers: Vec<u64> = rows.iter().map(|row| row.number).collect();
    assert!(
        expected.starts_with(&numbers),
        "the UI shows {numbers:?}, dissect -Y finds {expected:?}\n{screen}"
    );
    // TLS rows are the Client Hellos themselves; the others carry one inside (a QUIC Initial, or
    // a 0-RTT request in the same segment, whose Info is the request).
    let tls: Vec<&Row> = rows.iter().filter(|row| row.protocol.starts_with("TLS")).collect();
    assert!(!tls.is_empty(), "{screen}");
    assert!(tls.iter().all(|row| row.info.contains("Client Hello")), "{screen}");

    // A filter that does not parse: the error, its column, and the matching rows stay.
    tmux.press(&["/"]);
    tmux.wait_for("the filter line", |screen| filter_line(screen).is_some());
    tmux.press(&vec!["BSpace"; GOOD_FILTER.chars().count() + 5]);
    tmux.wait_for("the filter line to empty", |screen| filter_line(screen) == Some(""));
    tmux.type_text(BAD_FILTER);
    tmux.press(&["Enter"]);
    let screen = tmux.wait_for("the filter error", |screen| screen.contains(" filter error at column 13: "));
    assert_eq!(filter_line(&screen), Some(BAD_FILTER), "the line stays open to be corrected\n{screen}");
    // The open line takes a row from the list, so one row fewer shows.
    let still: Vec<u64> = packet_rows(&screen).iter().map(|row| row.number).collect();
    assert!(!still.is_empty() && numbers.starts_with(&still), "a bad filter changed the rows\n{screen}");
    tmux.press(&["Escape"]);
    let screen = tmux.wait_for("the filter line to close", |screen| {
        filter_line(screen).is_none() && screen.contains(&status) && !packet_rows(screen).is_empty()
    });
    let after: Vec<u64> = packet_rows(&screen).iter().map(|row| row.number).collect();
    assert_eq!(after, numbers, "Esc leaves the filter that was applied\n{screen}");

    tmux.quit();
}

#[test]
#[ignore = "needs tmux; .ci/run installs it"]
fn a_replay_shows_the_packets_as_they_come_and_pauses_on_space() {
    let capture = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/tls13.pcapng");
    let started = Instant::now();
    let tmux = Tmux::rttscope(HEIGHT, &["replay", &capture.to_string_lossy(), "--speed", REPLAY_SPEED]);
    let prefix = format!("replay ×{REPLAY_SPEED} · ");
    tmux.wait_for("the replay's status bar", |screen| {
        let status = status_bar(screen);
        status.starts_with(&prefix) && status.contains(" · following")
    });

    // The count grows as the frames come; space pauses following midway and resumes it.
    let mut counts: Vec<u64> = Vec::new();
    let mut record = |screen: &str| {
        let count = shown_packets(status_bar(screen));
        if let Some(count) = count
            && counts.last() != Some(&count)
        {
            counts.push(count);
        }
        count
    };
    tmux.wait_for("a replay midway", |screen| record(screen).is_some_and(|count| count < TLS13_PACKETS));
    tmux.press(&["Space"]);
    tmux.wait_for("the pause", |screen| {
        record(screen);
        status_bar(screen).contains(" · paused (space resumes)")
    });
    tmux.press(&["Space"]);
    tmux.wait_for("following again, or the end", |screen| {
        record(screen);
        let status = status_bar(screen);
        status.contains(" · following") || status.contains(" · replay ended")
    });
    // At the end the list shows the last packet and the bar says the replay is over.
    tmux.wait_for(&format!("all {TLS13_PACKETS} packets and the end"), |screen| {
        let status = status_bar(screen);
        record(screen) == Some(TLS13_PACKETS)
            && status.starts_with(&prefix)
            && status.contains(" · replay ended")
            && packet_rows(screen).last().is_some_and(|row| row.number == TLS13_PACKETS)
    });
    let took = started.elapsed();
    assert!(counts.is_sorted(), "the packet count went down: {counts:?}");
    assert!(
        counts.iter().any(|count| (1..TLS13_PACKETS).contains(count)),
        "no count between the first packet and the last: {counts:?}"
    );
    // The replay sleeps the recorded gaps, slowed down, before the last packet.
    let speed: f64 = REPLAY_SPEED.parse().expect("a number");
    let paced = TLS13_SPAN.div_f64(speed);
    assert!(
        took >= paced.mul_f64(0.99),
        "all packets shown after {took:?}; at ×{speed} that takes {paced:?}"
    );

    tmux.quit();
}

/// No terminal needed: the speed is checked before anything else, so the error is the speed's
/// even with standard input and output not a terminal.
#[test]
fn a_replay_refuses_a_speed_that_is_not_above_zero() {
    let capture = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/tls13.pcapng");
    for (speed, shown) in
        [("--speed=0", "0"), ("--speed=-2", "-2"), ("--speed=nan", "NaN"), ("--speed=inf", "inf")]
    {
        let output = Command::new(BINARY)
            .arg("replay")
            .arg(&capture)
            .arg(speed)
            .stdin(Stdio::null())
            .output()
            .expect("rttscope runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{speed}: {stderr}");
        assert!(
            output.stdout.is_empty(),
            "{speed} printed to stdout: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert_eq!(stderr.lines().count(), 1, "{speed}: one line, not {stderr:?}");
        assert!(stderr.contains(&format!("--speed {shown} ")), "{speed}: {stderr}");
    }
}

#[test]
#[ignore = "needs root (CAP_NET_RAW) to capture loopback, and tmux; .ci/run runs as root and installs tmux"]
fn live_capture_shows_the_generators_traffic_as_it_happens_and_writes_it() {
    let uid = Command::new("id").arg("-u").output().expect("id runs");
    assert_eq!(
        String::from_utf8_lossy(&uid.stdout).trim(),
        "0",
        "capturing loopback needs root (CAP_NET_RAW): run this test as root, as .ci/run does"
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    let written = dir.path().join("live.pcapng");
    let tmux = Tmux::rttscope(TALL, &["live", "-i", "lo", "-w", &written.to_string_lossy()]);
    let screen = tmux.wait_for("the live status bar", |screen| {
        let status = status_bar(screen);
        status.starts_with("live on lo · ") && captured(status).is_some() && status.contains(" · following")
    });
    let (before, _) = captured(status_bar(&screen)).expect("checked above");
    assert!(screen.contains(" rttscope · live on lo"), "the title names the interface\n{screen}");

    // Each packet captured is listed, once loopback is quiet again: the generators' traffic
    // is the newest, so it is in sight while the list follows.
    generate(dir.path(), "udp", "k.keys");
    let screen = tmux.wait_for("the UDP exchange, every packet captured listed", |screen| {
        all_listed(status_bar(screen)).is_some_and(|count| count > before)
            && packet_rows(screen).iter().filter(|row| row.protocol == "UDP").count() >= 2
    });
    let after_udp = all_listed(status_bar(&screen)).expect("checked above");
    generate(dir.path(), "tls13", "k2.keys");
    tmux.wait_for("the TLS 1.3 handshake, every packet captured listed", |screen| {
        let rows = packet_rows(screen);
        all_listed(status_bar(screen)).is_some_and(|count| count > after_udp)
            && rows.iter().any(|row| row.protocol.starts_with("TLS") && row.info.contains("Client Hello"))
    });

    tmux.press(&["2"]);
    tmux.wait_for("the tls13 and udp connections", |screen| {
        let variants = connection_variants(screen);
        screen.contains("▶ Connections · ")
            && variants.contains(&"tls13")
            && variants.contains(&"udp")
            && status_bar(screen).starts_with("live on lo · ")
    });

    // On quit the capture stops, and its file holds every packet: the handshake too.
    let screen = tmux.quit();
    let summary = format!(" dropped by the kernel, written to {}", written.display());
    let total: usize = screen
        .lines()
        .find_map(|line| line.strip_prefix("rttscope: ")?.strip_suffix(&summary))
        .and_then(|counts| counts.split(" packets captured, ").next()?.parse().ok())
        .unwrap_or_else(|| panic!("no line `rttscope: N packets captured, …{summary}`\n{screen}"));
    let output = Command::new(BINARY).arg("dissect").arg(&written).output().expect("rttscope dissect runs");
    assert!(
        output.status.success(),
        "dissect {}: {}",
        written.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<String> = String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), total, "the file holds {} packets, rttscope reported {total}", lines.len());
    assert!(lines.iter().any(|line| line.contains("Client Hello")), "{lines:#?}");
    assert!(lines.iter().filter(|line| line.contains(" UDP ")).count() >= 2, "{lines:#?}");
}

/// A tmux server of the test's own, on its own socket so a user's tmux is never touched, with
/// one session of a fixed size. Dropping it kills the server, also when the test fails.
struct Tmux {
    socket: String,
    /// The socket's file, which `kill-server` leaves behind.
    socket_path: Option<PathBuf>,
}

impl Tmux {
    /// Starts the server with a session of [`WIDTH`] by `height` running rttscope with
    /// `arguments`, under [`PANE_SCRIPT`].
    fn rttscope(height: u16, arguments: &[&str]) -> Self {
        let mut command = vec!["sh", "-c", PANE_SCRIPT, "sh", BINARY];
        command.extend_from_slice(arguments);
        Self::start(height, &command)
    }

    /// Starts the server with a session running `command` (a program and its arguments).
    fn start(height: u16, command: &[&str]) -> Self {
        match Command::new("tmux").arg("-V").output() {
            Err(error) if error.kind() == ErrorKind::NotFound => {
                panic!("tmux is not installed; this test drives the UI through it (apt-get install tmux)")
            }
            Err(error) => panic!("cannot run tmux: {error}"),
            Ok(_) => {}
        }
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_nanos());
        let mut tmux =
            Self { socket: format!("rttscope-test-{}-{nanos}", std::process::id()), socket_path: None };
        let (width, height) = (WIDTH.to_string(), height.to_string());
        let mut arguments = vec!["new-session", "-d", "-s", SESSION, "-x", &width, "-y", &height, "--"];
        arguments.extend_from_slice(command);
        tmux.run(&arguments);
        tmux.socket_path = Some(PathBuf::from(tmux.display("#{socket_path}")));
        tmux
    }

    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        // No configuration file, so the user's cannot change what the test sees; -u for UTF-8
        // whatever the locale.
        command.args(["-u", "-f", "/dev/null", "-L", &self.socket]).env_remove("TMUX");
        command
    }

    /// Runs a tmux command and returns its output; panics if it fails.
    fn run(&self, arguments: &[&str]) -> Output {
        let output = self.command().args(arguments).output().expect("tmux ran before, so it runs");
        assert!(
            output.status.success(),
            "tmux {} failed: {}",
            arguments.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// Sends keys by tmux's names: `q`, `Enter`, `Escape`, `BSpace`, `Tab`.
    fn press(&self, keys: &[&str]) {
        let mut arguments = vec!["send-keys", "-t", SESSION];
        arguments.extend_from_slice(keys);
        self.run(&arguments);
    }

    /// Types text literally, so `tcp.port` is not taken for key names.
    fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", SESSION, "-l", text]);
    }

    /// The pane's visible screen, one line a row, trailing blanks trimmed.
    fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", SESSION]).stdout).into_owned()
    }

    /// The screen with lines the terminal wrapped joined again, for text longer than a row.
    fn capture_joined(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-J", "-t", SESSION]).stdout).into_owned()
    }

    /// A tmux format about the pane, such as `#{alternate_on}`.
    fn display(&self, format: &str) -> String {
        let output = self.run(&["display-message", "-p", "-t", SESSION, format]);
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// Polls the screen until `ready` holds, and returns it; panics with the last screen if it
    /// does not within [`TIMEOUT`].
    fn wait_for(&self, what: &str, mut ready: impl FnMut(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.capture();
            if ready(&screen) {
                return screen;
            }
            if exited(&screen) {
                panic!("rttscope exited while the test waited for {what}; the pane shows:\n{screen}");
            }
            if started.elapsed() >= TIMEOUT {
                panic!("waited {TIMEOUT:?} for {what}; the pane shows:\n{screen}");
            }
            thread::sleep(POLL);
        }
    }

    /// Presses `q` and checks the UI exited with code 0 and gave the terminal back as it was;
    /// returns the screen it left, with wrapped lines joined.
    fn quit(&self) -> String {
        self.press(&["q"]);
        let screen = self.wait_for("the UI to exit and stty to report", exited);
        let code = screen.lines().find_map(|line| line.strip_prefix("EXIT=")).map(str::trim);
        assert_eq!(code, Some("0"), "rttscope's exit code\n{screen}");
        let settings = self.capture_joined();
        let flags: Vec<&str> = settings.split_whitespace().collect();
        for flag in ["icanon", "echo"] {
            assert!(flags.contains(&flag), "raw mode was left on: stty lacks {flag}\n{settings}");
        }
        assert_eq!(self.display("#{alternate_on}"), "0", "still on the alternate screen");
        assert_eq!(self.display("#{mouse_any_flag}"), "0", "the mouse is still captured");
        assert_eq!(self.display("#{cursor_flag}"), "1", "the cursor is still hidden");
        settings
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").output();
        if let Some(path) = &self.socket_path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Whether the UI has exited and the pane's script has reported how (see [`PANE_SCRIPT`]).
fn exited(screen: &str) -> bool {
    screen.lines().any(|line| line.starts_with("EXIT=")) && screen.contains("icanon")
}

/// One row of the packet list.
#[derive(Debug)]
struct Row {
    number: u64,
    protocol: String,
    info: String,
}

/// The rows of the packet list on a screen of the Packets view: the lines between the column
/// header and the layer tree's title (`Layers`, then `Layers of frame N` once it is ready).
fn packet_rows(screen: &str) -> Vec<Row> {
    screen
        .lines()
        .skip_while(|line| !(line.contains("No.") && line.contains("Protocol") && line.contains("Info")))
        .skip(1)
        .take_while(|line| !line.trim_start().starts_with("Layers"))
        .filter_map(|line| {
            // No., Time, Source, Destination, Protocol, Length, Info.
            let fields: Vec<&str> = line.split_whitespace().collect();
            let number = fields.first()?.parse().ok()?;
            fields.get(1)?.parse::<f64>().ok()?;
            let protocol = (*fields.get(4)?).to_owned();
            Some(Row { number, protocol, info: fields.get(6..).unwrap_or_default().join(" ") })
        })
        .collect()
}

/// What the open filter line holds, without the cursor; `None` when it is closed.
fn filter_line(screen: &str) -> Option<&str> {
    let line = screen.lines().find_map(|line| line.strip_prefix("filter: "))?;
    Some(line.trim_end().trim_end_matches('█'))
}

/// The status bar: the screen's last line, without the margin before it.
fn status_bar(screen: &str) -> &str {
    screen.lines().last().unwrap_or_default().trim_start()
}

/// The `N packets` the status bar counts (with no filter applied).
fn shown_packets(status: &str) -> Option<u64> {
    status.split(" · ").find_map(|part| number(part.strip_suffix(" packets")?))
}

/// The `captured N dropped N` of a live capture's status bar.
fn captured(status: &str) -> Option<(u64, u64)> {
    let part = status.split(" · ").find_map(|part| part.strip_prefix("captured "))?;
    let (captured, dropped) = part.split_once(" dropped ")?;
    Some((number(captured)?, number(dropped.split_whitespace().next()?)?))
}

/// The packets captured, when the list shows every one of them.
fn all_listed(status: &str) -> Option<u64> {
    let (captured, _) = captured(status)?;
    (shown_packets(status)? == captured).then_some(captured)
}

/// A count as the status bar writes it, thousands grouped with commas.
fn number(text: &str) -> Option<u64> {
    text.replace(',', "").parse().ok()
}

/// The variant of each connection row on a screen of the Connections view.
fn connection_variants(screen: &str) -> Vec<&str> {
    screen
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("# variant"))
        .skip(1)
        .take_while(|line| line.split_whitespace().next().is_some_and(|id| id.parse::<u64>().is_ok()))
        .filter_map(|line| line.split_whitespace().nth(1))
        .collect()
}

/// Runs `rttscope gen VARIANT` (a client and server on loopback) in `dir`; panics if it fails.
fn generate(dir: &Path, variant: &str, keylog: &str) {
    let output = Command::new(BINARY)
        .current_dir(dir)
        .args(["gen", variant, "--keylog", keylog])
        .output()
        .expect("rttscope gen runs");
    assert!(
        output.status.success(),
        "rttscope gen {variant}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The frame numbers `rttscope dissect -Y filter` prints for the capture.
fn dissect_matching(capture: &Path, filter: &str) -> Vec<u64> {
    let output = Command::new(BINARY)
        .arg("dissect")
        .arg(capture)
        .args(["-Y", filter])
        .output()
        .expect("rttscope dissect runs");
    assert!(output.status.success(), "dissect -Y {filter}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let number = line.split_whitespace().next().unwrap_or_default();
            number.parse().unwrap_or_else(|_| panic!("dissect prints the frame number first: {line}"))
        })
        .collect()
}
