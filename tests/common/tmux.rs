//! The real binary in a private tmux server, for the terminal UI's end-to-end tests: a pane of
//! a given size running `rttscope` with the arguments asked for, in a directory of the test's
//! choosing (where exports land), pressed keys by tmux's names and read back with
//! `capture-pane`. The server is killed when the value is dropped, whatever the test did.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long the screen may take to show what a key should bring.
pub const TIMEOUT: Duration = Duration::from_secs(15);
const SESSION: &str = "rttscope";

/// A private tmux server running rttscope in one pane.
pub struct Tmux {
    socket: String,
    /// The socket's file, which `kill-server` leaves behind.
    socket_path: Option<PathBuf>,
}

impl Tmux {
    /// Starts `binary arguments…` in a pane `width` x `height`, its working directory `dir`.
    pub fn start(binary: &str, dir: &Path, (width, height): (u16, u16), arguments: &[&str]) -> Self {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_nanos());
        let mut tmux =
            Self { socket: format!("rttscope-test-{}-{nanos}", std::process::id()), socket_path: None };
        let (width, height) = (width.to_string(), height.to_string());
        let dir = dir.to_string_lossy();
        let mut command =
            vec!["new-session", "-d", "-s", SESSION, "-x", &width, "-y", &height, "-c", &dir, "--", binary];
        command.extend_from_slice(arguments);
        tmux.run(&command);
        let path = tmux.run(&["display-message", "-p", "#{socket_path}"]).stdout;
        tmux.socket_path = Some(PathBuf::from(String::from_utf8_lossy(&path).trim()));
        tmux
    }

    /// Runs a tmux command against this server; panics if it fails.
    pub fn run(&self, arguments: &[&str]) -> Output {
        let output = Command::new("tmux")
            // No configuration file, so the user's cannot change what the test sees; -u for
            // UTF-8 whatever the locale.
            .args(["-u", "-f", "/dev/null", "-L", &self.socket])
            .args(arguments)
            .env_remove("TMUX")
            .output()
            .expect("tmux runs (apt-get install tmux)");
        assert!(output.status.success(), "tmux {arguments:?}: {}", String::from_utf8_lossy(&output.stderr));
        output
    }

    /// Whether the pane's program still runs (its session ends with it).
    pub fn is_running(&self) -> bool {
        Command::new("tmux")
            .args(["-L", &self.socket, "has-session", "-t", SESSION])
            .env_remove("TMUX")
            .output()
            .is_ok_and(|output| output.status.success())
    }

    /// Sends keys by tmux's names: `q`, `Enter`, `Escape`, `C-f`, `Tab`.
    pub fn press(&self, keys: &[&str]) {
        let mut arguments = vec!["send-keys", "-t", SESSION];
        arguments.extend_from_slice(keys);
        self.run(&arguments);
    }

    /// Types text literally, so `tcp.port` is not taken for key names.
    pub fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", SESSION, "-l", text]);
    }

    /// The pane's visible screen, one line a row.
    pub fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", SESSION]).stdout).into_owned()
    }

    /// The pane's visible screen with its colours and attributes, as escape sequences.
    pub fn capture_styled(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-e", "-p", "-t", SESSION]).stdout).into_owned()
    }

    /// Polls the screen until `ready` holds and returns it; panics with the last screen if it
    /// does not within [`TIMEOUT`].
    pub fn wait_for(&self, what: &str, mut ready: impl FnMut(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.capture();
            if ready(&screen) {
                return screen;
            }
            assert!(started.elapsed() < TIMEOUT, "waited {TIMEOUT:?} for {what}; the pane shows:\n{screen}");
            thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).output();
        if let Some(path) = &self.socket_path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The status bar: the screen's last line.
pub fn status(screen: &str) -> &str {
    screen.lines().last().unwrap_or_default().trim()
}

/// The frame numbers of the packet list's rows on screen: the lines between the column
/// headings and the layer tree's title.
pub fn listed(screen: &str) -> Vec<u64> {
    screen
        .lines()
        .skip_while(|line| !(line.contains("No.") && line.contains("Info")))
        .skip(1)
        .take_while(|line| !line.trim_start().starts_with("Layers"))
        .filter_map(|line| line.split_whitespace().next()?.parse().ok())
        .collect()
}

/// The selected packet, as the layer tree's title names it (`Layers of frame N`).
pub fn selected_frame(screen: &str) -> Option<u64> {
    let title = screen.lines().find_map(|line| line.split("Layers of frame ").nth(1))?;
    title.split(|character: char| !character.is_ascii_digit()).next()?.parse().ok()
}

/// The packet list's highlighted row (drawn in reverse video), by its frame number, on a
/// screen captured with [`Tmux::capture_styled`].
pub fn highlighted_row(styled: &str) -> Option<u64> {
    styled
        .lines()
        .skip_while(|line| !(line.contains("No.") && line.contains("Info")))
        .skip(1)
        .take_while(|line| !without_escapes(line).trim_start().starts_with("Layers"))
        .filter(|line| line.starts_with("\x1b[7m"))
        .find_map(|line| without_escapes(line).split_whitespace().next()?.parse().ok())
}

/// A line without its CSI escape sequences.
fn without_escapes(line: &str) -> String {
    let mut text = String::with_capacity(line.len());
    let mut characters = line.chars();
    while let Some(character) = characters.next() {
        if character == '\x1b' {
            // ESC [ parameters, then one final byte in @..~.
            for next in characters.by_ref() {
                if ('@'..='~').contains(&next) && next != '[' {
                    break;
                }
            }
        } else {
            text.push(character);
        }
    }
    text
}
