//! A key log followed while a capture runs, as `tail -f` follows a file: what `capture` and
//! `live` read `--keylog` with, since a browser or `rttscope gen` writes its secrets while the
//! traffic they decrypt goes by.
//!
//! The file may not exist yet (it is read once it appears), it grows (only what was added is
//! read), and it may be truncated or replaced (it is read again from its start). Each
//! [`poll`](KeyLogFollower::poll) costs one `stat` when nothing changed, and hands back only
//! complete lines: a last line still being written is held until its newline arrives.
//!
//! A capture drops its privileges once its socket is open, and a key log written by root (mode
//! 0600, as `rttscope gen` and browsers make them) is then out of reach by its path. So before
//! the drop, [`hold_open_for`](KeyLogFollower::hold_open_for) opens the file and keeps it open,
//! or, when it does not exist yet, creates it empty, owned by the user rttscope becomes, for
//! the program that logs secrets to append to. The held file is read for as long as the path
//! names it; a file put in its place later is opened by path, if the dropped user may.
//!
//! Invariant: every complete line the file held at a poll is handed back exactly once per
//! version of the file (a truncated or replaced file starts a new version), in file order, and
//! never a partial line. Memory is bounded: a line longer than [`MAX_LINE`] is dropped, up to
//! its newline, as no key log line is that long.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The longest line kept: a key log line is a label, 32 bytes and at most 64 bytes in hex.
pub const MAX_LINE: usize = 4096;
/// The most read in one poll, so one poll of a huge file does not hold it all at once.
const READ_AT_MOST: u64 = 16 << 20;

/// What one poll found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Polled {
    /// The complete lines added since the last poll, each with its newline.
    pub lines: Vec<u8>,
    /// The file appeared since the last poll (or is there at the first).
    pub appeared: bool,
    /// The file was truncated or replaced: `lines` start from its beginning again.
    pub started_over: bool,
}

/// A key log file followed as it grows.
#[derive(Debug)]
pub struct KeyLogFollower {
    path: PathBuf,
    /// The file read so far (device and inode), while it exists.
    identity: Option<(u64, u64)>,
    /// Bytes of the file read, complete lines and the partial one.
    offset: u64,
    /// The start of a line whose newline has not arrived.
    partial: Vec<u8>,
    /// A line grew past [`MAX_LINE`]: skip up to its newline.
    overlong: bool,
    /// The file, open, with its identity: read while the path still names it.
    held: Option<(File, (u64, u64))>,
}

impl KeyLogFollower {
    /// Follows `path`, which need not exist yet. Nothing is read until the first poll.
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            identity: None,
            offset: 0,
            partial: Vec::new(),
            overlong: false,
            held: None,
        }
    }

    /// Opens the file now and keeps it open, so it can be read after this process gives up
    /// the right to open it. A file that does not exist yet is created empty (mode 0600) and,
    /// with `owner` (the user and group a privilege drop will become), given to that user.
    pub fn hold_open_for(&mut self, owner: Option<(u32, u32)>) -> io::Result<()> {
        let file = match File::open(&self.path) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                let file = OpenOptions::new().append(true).create_new(true).mode(0o600).open(&self.path)?;
                if let Some((uid, gid)) = owner {
                    std::os::unix::fs::fchown(&file, Some(uid), Some(gid))?;
                }
                // Read through a descriptor of its own, as for a file that was there.
                File::open(&self.path)?
            }
            Err(error) => return Err(error),
        };
        let metadata = file.metadata()?;
        self.held = Some((file, (metadata.dev(), metadata.ino())));
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file existed at the last poll.
    pub fn exists(&self) -> bool {
        self.identity.is_some()
    }

    /// Reads what was added to the file since the last poll. A file that does not exist
    /// (yet, or any more) is no error: it is waited for.
    pub fn poll(&mut self) -> io::Result<Polled> {
        let mut polled = Polled::default();
        let metadata = match std::fs::metadata(&self.path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                self.identity = None;
                return Ok(polled);
            }
            // A directory the dropped user may not search: the file held open is followed.
            Err(error) if error.kind() == io::ErrorKind::PermissionDenied => match &self.held {
                Some((file, _)) => file.metadata()?,
                None => return Err(error),
            },
            Err(error) => return Err(error),
        };
        let identity = (metadata.dev(), metadata.ino());
        match self.identity {
            None => {
                polled.appeared = true;
                polled.started_over = self.offset > 0;
                self.start_over();
            }
            Some(known) if known != identity || metadata.len() < self.offset => {
                polled.started_over = true;
                self.start_over();
            }
            Some(_) => {}
        }
        self.identity = Some(identity);
        if metadata.len() > self.offset {
            self.read_to(metadata.len().min(self.offset + READ_AT_MOST), &mut polled.lines)?;
        }
        Ok(polled)
    }

    fn start_over(&mut self) {
        self.offset = 0;
        self.partial.clear();
        self.overlong = false;
    }

    /// Reads the file from the offset to `end`, handing complete lines to `lines`.
    fn read_to(&mut self, end: u64, lines: &mut Vec<u8>) -> io::Result<()> {
        let identity = self.identity;
        let file = match &self.held {
            Some((file, held)) if Some(*held) == identity => file,
            _ => {
                let file = File::open(&self.path)?;
                let metadata = file.metadata()?;
                &self.held.insert((file, (metadata.dev(), metadata.ino()))).0
            }
        };
        let mut added = vec![0; usize::try_from(end - self.offset).unwrap_or(0)];
        let mut filled = 0;
        while filled < added.len() {
            match file.read_at(&mut added[filled..], self.offset + filled as u64)? {
                0 => break,
                read => filled += read,
            }
        }
        added.truncate(filled);
        self.offset += added.len() as u64;
        for piece in added.split_inclusive(|byte| *byte == b'\n') {
            let complete = piece.ends_with(b"\n");
            if self.overlong {
                self.overlong = !complete;
                continue;
            }
            if self.partial.len() + piece.len() > MAX_LINE {
                self.partial.clear();
                self.overlong = !complete;
                continue;
            }
            if complete {
                lines.extend_from_slice(&self.partial);
                lines.extend_from_slice(piece);
                self.partial.clear();
            } else {
                self.partial.extend_from_slice(piece);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::fs::OpenOptions;
    use std::io::Write;

    use super::*;

    fn append(path: &Path, text: &str) {
        let mut file = OpenOptions::new().append(true).create(true).open(path).expect("opens");
        file.write_all(text.as_bytes()).expect("writes");
    }

    fn lines(follower: &mut KeyLogFollower) -> String {
        String::from_utf8(follower.poll().expect("polls").lines).expect("text")
    }

    #[test]
    fn a_file_that_appears_later_is_read_from_its_start() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("keys");
        let mut follower = KeyLogFollower::new(&path);
        assert_eq!(follower.poll().expect("polls"), Polled::default());
        assert!(!follower.exists());
        append(&path, "A 1 2\nB 3 4\n");
        let polled = follower.poll().expect("polls");
        assert_eq!(polled, Polled { lines: b"A 1 2\nB 3 4\n".to_vec(), appeared: true, started_over: false });
        assert!(follower.exists());
        assert_eq!(follower.poll().expect("polls"), Polled::default(), "nothing new");
    }

    #[test]
    fn lines_appended_in_pieces_come_once_each_and_whole() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("keys");
        append(&path, "CLIENT_RANDOM aa");
        let mut follower = KeyLogFollower::new(&path);
        assert_eq!(lines(&mut follower), "", "a partial line is held");
        append(&path, "aa bb");
        assert_eq!(lines(&mut follower), "");
        append(&path, "bb\nSERVER_");
        assert_eq!(lines(&mut follower), "CLIENT_RANDOM aaaa bbbb\n");
        append(&path, "TRAFFIC_SECRET_0 cc dd\r\nEXPORTER_SECRET ee ff\n");
        assert_eq!(lines(&mut follower), "SERVER_TRAFFIC_SECRET_0 cc dd\r\nEXPORTER_SECRET ee ff\n");
        assert_eq!(lines(&mut follower), "");
    }

    #[test]
    fn a_truncated_file_is_read_again_from_its_start() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("keys");
        append(&path, "first run line one\nfirst run line two\n");
        let mut follower = KeyLogFollower::new(&path);
        assert_eq!(lines(&mut follower), "first run line one\nfirst run line two\n");
        // Truncated and rewritten shorter, as `>` in a shell or a fresh SSLKEYLOGFILE does.
        std::fs::write(&path, "second\n").expect("rewrites");
        let polled = follower.poll().expect("polls");
        assert_eq!(polled, Polled { lines: b"second\n".to_vec(), appeared: false, started_over: true });
        append(&path, "third\n");
        assert_eq!(lines(&mut follower), "third\n");
    }

    #[test]
    fn a_replaced_or_removed_file_starts_over() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("keys");
        append(&path, "old one\nold two\n");
        let mut follower = KeyLogFollower::new(&path);
        assert_eq!(lines(&mut follower), "old one\nold two\n");
        // Another file renamed over it, longer than the old one: a new inode, read whole.
        let other = dir.path().join("keys.new");
        append(&other, "new one\nnew two\nnew three\n");
        std::fs::rename(&other, &path).expect("renames");
        let polled = follower.poll().expect("polls");
        assert_eq!(polled.lines, b"new one\nnew two\nnew three\n");
        assert!(polled.started_over);
        std::fs::remove_file(&path).expect("removes");
        assert_eq!(lines(&mut follower), "");
        assert!(!follower.exists());
        append(&path, "again\n");
        let polled = follower.poll().expect("polls");
        assert_eq!(polled, Polled { lines: b"again\n".to_vec(), appeared: true, started_over: true });
    }

    #[test]
    fn an_overlong_line_is_dropped_up_to_its_newline() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("keys");
        append(&path, &"x".repeat(MAX_LINE));
        let mut follower = KeyLogFollower::new(&path);
        assert_eq!(lines(&mut follower), "");
        append(&path, &"y".repeat(MAX_LINE));
        assert_eq!(lines(&mut follower), "");
        assert!(follower.partial.len() <= MAX_LINE);
        append(&path, "zzz\nkept\n");
        assert_eq!(lines(&mut follower), "kept\n");
    }

    #[test]
    #[ignore = "needs root: drops a thread to nobody"]
    fn a_key_log_held_open_is_read_after_the_drop_though_only_root_may_open_it() {
        use std::os::unix::fs::PermissionsExt;

        // A directory only root may search, as tempdir makes it, and a file only root may read.
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod");
        let (root, missing) = (dir.path().join("root.keys"), dir.path().join("later.keys"));
        append(&root, "A 1 2\n");
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let nobody = Some((65534, 65534));
        let (mut held, mut created, mut by_path) =
            (KeyLogFollower::new(&root), KeyLogFollower::new(&missing), KeyLogFollower::new(&root));
        held.hold_open_for(nobody).expect("opens");
        created.hold_open_for(nobody).expect("creates");
        let metadata = std::fs::metadata(&missing).expect("created");
        assert_eq!((metadata.uid(), metadata.mode() & 0o777), (65534, 0o600));
        let (dropped, appended) = (std::sync::mpsc::channel(), std::sync::mpsc::channel::<()>());
        let reader = std::thread::spawn(move || {
            crate::privilege::drop_this_thread().expect("drops");
            dropped.0.send(()).expect("told");
            appended.1.recv().expect("root has written");
            assert_eq!(lines(&mut held), "A 1 2\nB 3 4\n");
            assert_eq!(lines(&mut created), "C 5 6\n");
            assert!(by_path.poll().is_err(), "not readable by its path once dropped");
        });
        // This thread keeps root, and writes to both files after the reader has dropped.
        dropped.1.recv().expect("the reader has dropped");
        append(&root, "B 3 4\n");
        append(&missing, "C 5 6\n");
        appended.0.send(()).expect("told");
        reader.join().expect("the dropped thread's checks hold");
    }
}
