//! `--keylog` on `capture` and `live`: the key log followed while the capture runs, its new
//! lines checked, counted and handed on (to the pcapng being written, to the UI's trackers).
//!
//! Invariant: each complete line the file gains is handed on once, by the poll that first
//! sees it; a poll made after a packet was received sees every line written before that
//! packet was sent, so secrets logged before the traffic they protect (as TLS libraries log
//! them) go before that traffic.

use std::path::Path;

use crate::capture::KeyLogFollower;
use crate::track::keylog::KeyLog;

/// A followed key log and what it has given so far.
pub struct FollowedKeyLog {
    follower: KeyLogFollower,
    /// The secrets it gave, to count the sessions they open.
    secrets: KeyLog,
    /// Lines handed on, and in how many pieces.
    pub lines: u64,
    pub pieces: u64,
    /// Lines of the file's current version read, to number the skipped ones as the file does.
    file_lines: usize,
    /// Polls that found lines to skip and said so; after [`WARNINGS`] they are only counted.
    warned: usize,
    /// Every line skipped.
    skipped: u64,
    /// A read that failed was reported; the next ones are not, until one works.
    failing: bool,
}

/// How many polls say which lines they skipped: a file of junk growing all along is not
/// reported line by line.
const WARNINGS: usize = 3;

impl FollowedKeyLog {
    /// Starts following `path` and reads what it holds already. The second value says, once,
    /// that the file does not exist yet and is waited for.
    pub fn start(path: &Path) -> (Self, Option<String>) {
        let followed = Self {
            follower: KeyLogFollower::new(path),
            secrets: KeyLog::new(),
            lines: 0,
            pieces: 0,
            file_lines: 0,
            warned: 0,
            skipped: 0,
            failing: false,
        };
        let waiting = (!path.exists()).then(|| {
            format!(
                "the key log {} does not exist yet; waiting for it, and taking its secrets as they appear",
                path.display()
            )
        });
        (followed, waiting)
    }

    /// Keeps the key log open (creating it, owned by `target`, if it does not exist yet), so
    /// that it can still be read once the process has dropped to `target`. A failure is said
    /// once on standard error; the path is then followed as well as the dropped user may.
    pub fn hold_open_for(&mut self, target: Option<crate::privilege::Target>) {
        let owner = target.map(|target| (target.uid, target.gid));
        if let Err(error) = self.follower.hold_open_for(owner) {
            eprintln!(
                "rttscope: warning: cannot open the key log {}: {error}",
                self.follower.path().display()
            );
        }
    }

    /// The complete lines added since the last poll, or `None` when there are none. What
    /// went wrong (an unreadable file, lines that are not key log lines) goes to `say`.
    pub fn poll(&mut self, say: &mut dyn FnMut(String)) -> Option<Vec<u8>> {
        let polled = match self.follower.poll() {
            Ok(polled) => polled,
            Err(error) => {
                if !std::mem::replace(&mut self.failing, true) {
                    say(format!("cannot read the key log {}: {error}", self.follower.path().display()));
                }
                return None;
            }
        };
        self.failing = false;
        if polled.started_over {
            self.file_lines = 0;
            say(format!(
                "key log {} truncated or replaced: read again from its start",
                self.follower.path().display()
            ));
        }
        if polled.lines.is_empty() {
            return None;
        }
        let mut skipped = self.secrets.add_text(&polled.lines);
        for warning in &mut skipped.first {
            warning.line += self.file_lines;
        }
        self.skipped += skipped.count;
        if !skipped.is_empty() && self.warned < WARNINGS {
            self.warned += 1;
            say(format!("key log {}: {skipped}; the rest of it is used", self.follower.path().display()));
        }
        let lines = polled.lines.iter().filter(|byte| **byte == b'\n').count();
        self.file_lines += lines;
        self.lines += lines as u64;
        self.pieces += 1;
        Some(polled.lines)
    }

    /// How many TLS sessions (client randoms) the secrets so far are for.
    pub fn sessions(&self) -> usize {
        self.secrets.len()
    }

    /// One line on what was taken: `12 key log lines (secrets for 3 TLS sessions) from K`.
    pub fn summary(&self) -> String {
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        let sessions = self.sessions() as u64;
        let skipped = match self.skipped {
            0 => String::new(),
            n => format!(", {n} of them not key log lines"),
        };
        format!(
            "{} key log line{}{skipped} (secrets for {} TLS session{}) from {}",
            self.lines,
            plural(self.lines),
            sessions,
            plural(sessions),
            self.follower.path().display()
        )
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const RANDOM: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn new_lines_are_counted_and_junk_is_named_by_its_line_in_the_file() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("keys");
        let (mut followed, waiting) = FollowedKeyLog::start(&path);
        assert!(waiting.is_some_and(|text| text.contains("does not exist yet")));
        let mut said = Vec::new();
        assert_eq!(followed.poll(&mut |text| said.push(text)), None);
        let mut file = std::fs::File::create(&path).expect("creates");
        let good = format!("CLIENT_RANDOM {RANDOM} {}\n", "aa".repeat(48));
        write!(file, "{good}junk\n{good}").expect("writes");
        let lines = followed.poll(&mut |text| said.push(text)).expect("three lines");
        assert_eq!(lines.len(), 2 * good.len() + 5);
        file.write_all(b"more junk\n").expect("writes");
        assert!(followed.poll(&mut |text| said.push(text)).is_some());
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(said[0].ends_with("1 line skipped (line 2: expected three words: LABEL CLIENT_RANDOM SECRET); the rest of it is used"), "{}", said[0]);
        assert!(said[1].contains("(line 4: "), "{}", said[1]);
        assert_eq!((followed.lines, followed.pieces, followed.sessions()), (4, 2, 1));
        assert!(
            followed.summary().starts_with(
                "4 key log lines, 2 of them not key log lines (secrets for 1 TLS session) from "
            )
        );
    }
}
