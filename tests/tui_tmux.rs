//! The terminal UI end to end: the real binary in a real terminal, driven by keys through tmux.
//!
//! `rttscope captures/all.pcapng` runs in a pane of a private tmux server, the test presses the
//! keys a user would and reads the screen back with `capture-pane`: the packet list, each view,
//! help, a display filter that matches, one that does not parse, and quitting. After the UI
//! exits, the pane's shell prints the exit code and `stty -a`, so the test also sees that the
//! terminal was given back: cooked mode, the main screen, the mouse released, the cursor shown.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The pane's size: wider than the 80x24 minimum, so the Info column has room.
const WIDTH: u16 = 100;
const HEIGHT: u16 = 30;
/// How long the screen may take to show what a key should bring.
const TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);
/// Runs the UI, then reports how it ended and how it left the terminal, and stays open to be read.
const PANE_SCRIPT: &str = r#""$1" "$2"; echo "EXIT=$?"; stty -a; exec sleep 60"#;
const SESSION: &str = "rttscope";
const PACKETS: usize = 172;
const GOOD_FILTER: &str = "tls.handshake.type == 1";
const BAD_FILTER: &str = "tcp.port == x";

#[test]
#[ignore = "needs tmux; .ci/run installs it"]
fn the_ui_answers_keys_in_a_terminal_and_gives_the_terminal_back() {
    let capture = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/all.pcapng");
    let binary = env!("CARGO_BIN_EXE_rttscope");
    let tmux = Tmux::start(&["sh", "-c", PANE_SCRIPT, "sh", binary, &capture.to_string_lossy()]);

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
        screen.contains("Connections · 14 · Enter opens the timeline") && screen.contains("quic-0rtt")
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
        screen.contains("Compare · round trips")
            && screen.contains("tls12 — TLS 1.2 over TCP · textbook 3 / 4")
    });

    // Help covers the view and any key closes it, even one with no binding (x).
    tmux.press(&["?"]);
    tmux.wait_for("help", |screen| screen.contains(" rttscope keys ") && screen.contains("any key closes"));
    tmux.press(&["x"]);
    tmux.wait_for("help to close on the comparison", |screen| {
        !screen.contains(" rttscope keys ") && screen.contains("textbook 3 / 4")
    });

    // Tab goes round from the last view to the first.
    tmux.press(&["Tab"]);
    tmux.wait_for("Tab to wrap round to the packets", |screen| screen.contains("▶ Packets"));

    // A filter that matches: the count, and the rows `rttscope dissect -Y` lists, in order.
    let expected = dissect_matching(binary, &capture, GOOD_FILTER);
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

    // Quit: exit code 0, and the terminal as it was.
    tmux.press(&["q"]);
    let screen = tmux.wait_for("the UI to exit and stty to report", exited);
    let code = screen.lines().find_map(|line| line.strip_prefix("EXIT=")).map(str::trim);
    assert_eq!(code, Some("0"), "rttscope's exit code\n{screen}");
    let settings = tmux.capture_joined();
    let flags: Vec<&str> = settings.split_whitespace().collect();
    for flag in ["icanon", "echo"] {
        assert!(flags.contains(&flag), "raw mode was left on: stty lacks {flag}\n{settings}");
    }
    assert_eq!(tmux.display("#{alternate_on}"), "0", "still on the alternate screen");
    assert_eq!(tmux.display("#{mouse_any_flag}"), "0", "the mouse is still captured");
    assert_eq!(tmux.display("#{cursor_flag}"), "1", "the cursor is still hidden");
}

/// A tmux server of the test's own, on its own socket so a user's tmux is never touched, with
/// one session of a fixed size. Dropping it kills the server, also when the test fails.
struct Tmux {
    socket: String,
    /// The socket's file, which `kill-server` leaves behind.
    socket_path: Option<PathBuf>,
}

impl Tmux {
    /// Starts the server with a session running `command` (a program and its arguments).
    fn start(command: &[&str]) -> Self {
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
        let (width, height) = (WIDTH.to_string(), HEIGHT.to_string());
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
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
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

/// The frame numbers `rttscope dissect -Y filter` prints for the capture.
fn dissect_matching(binary: &str, capture: &Path, filter: &str) -> Vec<u64> {
    let output = Command::new(binary)
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
