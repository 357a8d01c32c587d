//! Captures that cannot be mapped as they are (gzip-compressed files, pipes, standard input)
//! are copied, decompressing on the way, into an unlinked temporary file, which is then mapped.
//!
//! Nothing is held whole in memory: the copy goes through a fixed buffer, the file's pages sit
//! in the page cache (not in this process), and the walk over the mapping releases what it has
//! read. The file has no name from the moment it exists (`O_TMPFILE`, or created and unlinked
//! at once where that flag is refused), so it disappears when the mapping ends, whatever way
//! the process does. A copy stops at [`MAX_SPILLED`] bytes.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use flate2::bufread::MultiGzDecoder;
use memmap2::Mmap;

/// The most a capture may hold once decompressed (or read from a pipe).
pub(super) const MAX_SPILLED: u64 = 8 << 30;

/// The start of a gzip stream.
pub(super) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// How much is copied at a time.
const COPY_BUFFER: usize = 1 << 16;

/// A capture copied into a temporary file and mapped.
pub(super) struct Spilled {
    /// The mapping; `None` when nothing was copied (an empty input cannot be mapped).
    pub map: Option<Mmap>,
    /// Whether the input was gzip-compressed.
    pub compressed: bool,
    /// Why decompression stopped early, after `map` got what came before.
    pub broken_off: Option<io::Error>,
}

/// Why a copy failed.
pub(super) enum SpillError {
    /// Reading the input, or writing or mapping the temporary file, failed.
    Io(io::Error),
    /// The input holds more than [`MAX_SPILLED`] bytes.
    TooLarge,
    /// The input starts as gzip but not one byte of it decompresses.
    NotGzip(io::Error),
}

/// Copies `input` into a temporary file, decompressing it if it starts as gzip, and maps it.
pub(super) fn spill(input: impl Read) -> Result<Spilled, SpillError> {
    let mut input = BufReader::with_capacity(COPY_BUFFER, input);
    let head = input.fill_buf().map_err(SpillError::Io)?;
    let compressed = head.starts_with(&GZIP_MAGIC);
    let mut file = temporary_file(&std::env::temp_dir()).map_err(SpillError::Io)?;
    let (copied, broken_off) = if compressed {
        let (copied, outcome) = copy_limited(&mut MultiGzDecoder::new(input), &mut file)?;
        match outcome {
            Err(error) if copied == 0 => return Err(SpillError::NotGzip(error)),
            Err(error) => (copied, Some(error)),
            Ok(()) => (copied, None),
        }
    } else {
        let (copied, outcome) = copy_limited(&mut input, &mut file)?;
        outcome.map_err(SpillError::Io)?;
        (copied, None)
    };
    let map = if copied == 0 {
        None
    } else {
        // SAFETY: the file has no name, so no other process can open it to change it; this
        // process only reads the map.
        Some(unsafe { Mmap::map(&file) }.map_err(SpillError::Io)?)
    };
    Ok(Spilled { map, compressed, broken_off })
}

/// Copies `from` into `to` until it ends, fails, or passes the limit. Returns how much was
/// copied and how reading ended; failing to write is an error of its own.
fn copy_limited(from: &mut impl Read, to: &mut File) -> Result<(u64, io::Result<()>), SpillError> {
    let mut buffer = vec![0; COPY_BUFFER];
    let mut copied = 0u64;
    loop {
        let read = match from.read(&mut buffer) {
            Ok(0) => return Ok((copied, Ok(()))),
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Ok((copied, Err(error))),
        };
        copied += read as u64;
        if copied > MAX_SPILLED {
            return Err(SpillError::TooLarge);
        }
        to.write_all(&buffer[..read]).map_err(SpillError::Io)?;
    }
}

/// A new file in `dir` that has no name: `O_TMPFILE` where the file system takes it, else a
/// fresh name that is unlinked as soon as the file is open.
fn temporary_file(dir: &Path) -> io::Result<File> {
    let unnamed =
        OpenOptions::new().read(true).write(true).custom_flags(libc::O_TMPFILE).mode(0o600).open(dir);
    if let Ok(file) = unnamed {
        return Ok(file);
    }
    for attempt in 0..100u32 {
        let path = fresh_name(dir, attempt);
        match OpenOptions::new().read(true).write(true).create_new(true).mode(0o600).open(&path) {
            Ok(file) => {
                std::fs::remove_file(&path)?;
                return Ok(file);
            }
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::other(format!("cannot create a temporary file in {}", dir.display())))
}

fn fresh_name(dir: &Path, attempt: u32) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    dir.join(format!(".rttscope-{}-{nanos}-{attempt}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn plain_input_is_copied_as_it_is() {
        let spilled = spill(&b"plain bytes"[..]).ok().unwrap();
        assert_eq!(spilled.map.as_deref(), Some(&b"plain bytes"[..]));
        assert!(!spilled.compressed);
        assert!(spilled.broken_off.is_none());
    }

    #[test]
    fn gzip_input_is_decompressed_into_the_file() {
        let plain: Vec<u8> = (0..200_000u32).flat_map(u32::to_le_bytes).collect();
        let spilled = spill(gzip(&plain).as_slice()).ok().unwrap();
        assert_eq!(spilled.map.as_deref(), Some(plain.as_slice()));
        assert!(spilled.compressed);
    }

    #[test]
    fn a_gzip_stream_cut_short_keeps_what_came_before_and_says_why() {
        let plain = vec![7u8; 1 << 20];
        let compressed = gzip(&plain);
        let spilled = spill(&compressed[..compressed.len() - 4]).ok().unwrap();
        assert!(spilled.broken_off.is_some());
        assert_eq!(spilled.map.as_deref(), Some(plain.as_slice()));
    }

    #[test]
    fn the_temporary_file_has_no_name() {
        let dir = std::env::temp_dir().join(format!("rttscope-spill-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = temporary_file(&dir).unwrap();
        drop(file);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir(&dir).unwrap();
    }
}
