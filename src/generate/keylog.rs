//! The generators' TLS secrets, in the NSS key log format, shared by every client and server
//! of a run, written to disk with mode 0600 and embedded in captures.

use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::{self, Write as _};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// A key log that rustls (and quinn through it) writes to, cheap to clone and share.
#[derive(Clone, Debug, Default)]
pub struct KeyLog {
    text: Arc<Mutex<String>>,
}

impl KeyLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// The lines logged so far, one `LABEL CLIENT_RANDOM SECRET` per line.
    pub fn contents(&self) -> String {
        self.lock().clone()
    }

    /// True when nothing has been logged.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Writes the key log to `path`, readable by its owner only: these secrets decrypt the
    /// traffic.
    pub fn write_to(&self, path: &Path) -> io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)?;
        // `mode` applies only to a new file: an old one keeps its permissions unless told.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(self.lock().as_bytes())?;
        file.sync_all()
    }

    fn lock(&self) -> MutexGuard<'_, String> {
        // A generator thread that panicked while logging leaves whole lines behind; keep them.
        self.text.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl rustls::KeyLog for KeyLog {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let mut text = self.lock();
        text.push_str(label);
        for bytes in [client_random, secret] {
            text.push(' ');
            for byte in bytes {
                let _ = write!(text, "{byte:02x}");
            }
        }
        text.push('\n');
    }

    fn will_log(&self, _label: &str) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use rustls::KeyLog as _;

    use super::*;

    #[test]
    fn lines_are_nss_format_and_the_file_is_private() {
        let log = KeyLog::new();
        log.log("CLIENT_RANDOM", &[0x01, 0xab], &[0xff; 3]);
        log.clone().log("SERVER_TRAFFIC_SECRET_0", &[0], &[0x10]);
        assert_eq!(log.contents(), "CLIENT_RANDOM 01ab ffffff\nSERVER_TRAFFIC_SECRET_0 00 10\n");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        std::fs::write(&path, "old, world-readable").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        log.write_to(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), log.contents());
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
