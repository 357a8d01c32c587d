//! The generators' TLS secrets, in the NSS key log format, shared by every client and server
//! of a run and embedded in captures. A run given a file appends each line to it the moment
//! it is logged, before the packets it decrypts are sent, as a browser's `SSLKEYLOGFILE`
//! does: so `rttscope capture --keylog` following that file has each secret in time.
//!
//! Invariant: the file is created with mode 0600 (an old one is set to 0600) and only ever
//! appended to, whole lines at a time; nothing is created until a generator that speaks TLS
//! is about to run ([`KeyLog::open_file`], by the thread that may still open files: the
//! clients and servers that log hold no privilege and may create no file).

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// A key log that rustls (and quinn through it) writes to, cheap to clone and share.
#[derive(Clone, Debug, Default)]
pub struct KeyLog {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    /// This run's lines.
    text: String,
    /// Where each line is appended as it is logged, if anywhere.
    file: Option<Appended>,
}

#[derive(Debug)]
struct Appended {
    path: PathBuf,
    /// Opened at the first line.
    file: Option<File>,
    /// The first write that failed; later lines are not tried.
    error: Option<io::Error>,
}

impl KeyLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// A key log that also appends each line to `path` as it is logged, creating the file
    /// (mode 0600) at the first line.
    pub fn appending_to(path: &Path) -> Self {
        let log = Self::default();
        log.lock().file = Some(Appended { path: path.to_owned(), file: None, error: None });
        log
    }

    /// Opens the file [`appending_to`](Self::appending_to) named, if it is not open yet, so
    /// that the threads that log only write to it. A file that cannot be opened is the error
    /// [`file_result`](Self::file_result) gives, as a write that failed would be.
    pub fn open_file(&self) {
        let mut inner = self.lock();
        if let Some(appended) = inner.file.as_mut()
            && appended.file.is_none()
            && appended.error.is_none()
        {
            match open_private(&appended.path) {
                Ok(file) => appended.file = Some(file),
                Err(error) => appended.error = Some(error),
            }
        }
    }

    /// This run's lines so far, one `LABEL CLIENT_RANDOM SECRET` per line.
    pub fn contents(&self) -> String {
        self.lock().text.clone()
    }

    /// True when nothing has been logged.
    pub fn is_empty(&self) -> bool {
        self.lock().text.is_empty()
    }

    /// Whether every line reached the file [`appending_to`](Self::appending_to) named: the
    /// first write that failed, if one did.
    pub fn file_result(&self) -> io::Result<()> {
        let mut inner = self.lock();
        match inner.file.as_mut().and_then(|appended| appended.error.take()) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Appends this run's lines to `path`, creating it readable by its owner only: these
    /// secrets decrypt the traffic.
    pub fn write_to(&self, path: &Path) -> io::Result<()> {
        let mut file = open_private(path)?;
        file.write_all(self.lock().text.as_bytes())?;
        file.sync_all()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A generator thread that panicked while logging leaves whole lines behind; keep them.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Opens `path` to append to, mode 0600 whether it is new or old, not through a symbolic link.
fn open_private(path: &Path) -> io::Result<File> {
    let file =
        OpenOptions::new().append(true).create(true).mode(0o600).custom_flags(libc::O_NOFOLLOW).open(path)?;
    // `mode` applies only to a new file: an old one keeps its permissions unless told.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

impl Appended {
    /// Appends one whole line in one write, so a reader following the file sees it whole.
    fn append(&mut self, line: &str) {
        if self.error.is_some() {
            return;
        }
        let written = match &mut self.file {
            Some(file) => file.write_all(line.as_bytes()),
            None => open_private(&self.path)
                .and_then(|file| (&*self.file.insert(file)).write_all(line.as_bytes())),
        };
        if let Err(error) = written {
            self.error = Some(error);
        }
    }
}

impl rustls::KeyLog for KeyLog {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let mut line = String::with_capacity(label.len() + 2 * (client_random.len() + secret.len()) + 3);
        line.push_str(label);
        for bytes in [client_random, secret] {
            line.push(' ');
            for byte in bytes {
                let _ = write!(line, "{byte:02x}");
            }
        }
        line.push('\n');
        let mut inner = self.lock();
        if let Some(appended) = &mut inner.file {
            appended.append(&line);
        }
        inner.text.push_str(&line);
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
    fn lines_are_nss_format_and_the_file_is_private_and_appended_to() {
        let log = KeyLog::new();
        log.log("CLIENT_RANDOM", &[0x01, 0xab], &[0xff; 3]);
        log.clone().log("SERVER_TRAFFIC_SECRET_0", &[0], &[0x10]);
        assert_eq!(log.contents(), "CLIENT_RANDOM 01ab ffffff\nSERVER_TRAFFIC_SECRET_0 00 10\n");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        std::fs::write(&path, "# an earlier run\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        log.write_to(&path).unwrap();
        let expected = format!("# an earlier run\n{}", log.contents());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn each_line_reaches_the_file_as_it_is_logged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        let log = KeyLog::appending_to(&path);
        assert!(!path.exists(), "nothing logged, nothing created");
        log.log("CLIENT_HANDSHAKE_TRAFFIC_SECRET", &[0xaa], &[0x01]);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "CLIENT_HANDSHAKE_TRAFFIC_SECRET aa 01\n");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        // A second run's key log, on the same file: appended after the first's.
        let second = KeyLog::appending_to(&path);
        second.log("CLIENT_TRAFFIC_SECRET_0", &[0xbb], &[0x02]);
        log.log("SERVER_TRAFFIC_SECRET_0", &[0xaa], &[0x03]);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET aa 01\nCLIENT_TRAFFIC_SECRET_0 bb 02\nSERVER_TRAFFIC_SECRET_0 aa 03\n"
        );
        assert_eq!(second.contents(), "CLIENT_TRAFFIC_SECRET_0 bb 02\n", "each run keeps only its own");
        assert!(log.file_result().is_ok());

        let nowhere = KeyLog::appending_to(&dir.path().join("missing/keys"));
        nowhere.log("CLIENT_RANDOM", &[0], &[0]);
        assert_eq!(nowhere.file_result().map_err(|error| error.kind()), Err(io::ErrorKind::NotFound));
        assert_eq!(nowhere.contents(), "CLIENT_RANDOM 00 00\n", "the run still has its lines");
    }
}
