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
    /// A read that failed was reported; the next ones are not, until one works.
    failing: bool,
}

impl FollowedKeyLog {
    /// Starts following `path` and reads what it holds already. The second value says, once,
    /// that the file does not exist yet and is waited for.
    pub fn start(path: &Path) -> (Self, Option<String>) {
        let followed = Self {
            follower: KeyLogFollower::new(path),
            secrets: KeyLog::new(),
            lines: 0,
            pieces: 0,
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
            say(format!(
                "the key log {} was truncated or replaced; reading it again from its start",
                self.follower.path().display()
            ));
        }
        if polled.lines.is_empty() {
            return None;
        }
        let skipped = self.secrets.add_text(&polled.lines);
        if !skipped.is_empty() {
            say(format!("key log {}: {skipped}; the rest of it is used", self.follower.path().display()));
        }
        self.lines += polled.lines.iter().filter(|byte| **byte == b'\n').count() as u64;
        self.pieces += 1;
        Some(polled.lines)
    }

    /// How many TLS sessions (client randoms) the secrets so far are for.
    pub fn sessions(&self) -> usize {
        self.secrets.len()
    }

    /// One line on what was taken: `12 key log lines (secrets for 3 sessions) from K`.
    pub fn summary(&self) -> String {
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        let sessions = self.sessions() as u64;
        format!(
            "{} key log line{} (secrets for {} TLS session{}) from {}",
            self.lines,
            plural(self.lines),
            sessions,
            plural(sessions),
            self.follower.path().display()
        )
    }
}
