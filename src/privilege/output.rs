//! The one directory a dropped process may still create files in: where `rttscope live` exports
//! what the user marks (issue 19), opened before the drop (the current directory, or a
//! directory the command names) and confined with Landlock once the drop is done.
//!
//! Why Landlock and not the seccomp filter alone: a filter sees the system call's arguments as
//! numbers, never the path a pointer points to. It could insist that `openat`'s directory
//! argument is this directory's descriptor and that the flags say `O_CREAT | O_EXCL`, but
//! `openat(dirfd, "/etc/cron.d/x", ...)` ignores `dirfd` for an absolute path, and
//! `"../../etc/x"` climbs out of it; `openat2`'s `RESOLVE_BENEATH` would stop both, but its
//! flags sit in a structure behind a pointer, which a filter cannot read either. Landlock is
//! checked by the kernel on the file hierarchy itself, however the path is spelled (absolute,
//! `..`, a symbolic link, `/proc/self/fd/N`), after the ordinary permission checks. So the
//! filter lets `openat` write and create only on a thread where a Landlock ruleset is in force,
//! and the ruleset allows writing and creating regular files beneath this directory alone.
//!
//! Invariants:
//! - The ruleset handles writing only (writing and truncating files, making and removing
//!   anything, renaming across directories): reading stays as the dropped user's permissions
//!   allow, so key logs and captures can still be opened; files already open before the drop
//!   stay writable (Landlock checks at open time).
//! - Where the kernel has no Landlock, nothing is relaxed: the filter keeps `openat` read-only
//!   and [`OutputDir::create`] fails with EPERM, which the caller reports in one line.
//! - [`OutputDir::create`] takes a file name, never a path, and never replaces a file
//!   (`O_CREAT | O_EXCL | O_NOFOLLOW`, mode 0600: an export may hold decrypted traffic).
//! - The directory must be writable by the user the drop becomes (the invoking user under
//!   sudo, or `nobody`): the drop changes who writes, Landlock only narrows where.

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use landlock::{ABI, AccessFs, PathBeneath, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus};

use super::PrivilegeError;

/// The process's output directory, once [`OutputDir::open`] has named it.
static OUTPUT: OnceLock<OutputDir> = OnceLock::new();

/// The directory files may be created in after the drop.
#[derive(Debug)]
pub struct OutputDir {
    path: PathBuf,
    directory: OwnedFd,
}

impl OutputDir {
    /// Names the output directory, before the drop (the drop then confines writing to it). One
    /// per process: naming another afterwards is refused.
    pub fn open(path: &Path) -> Result<(), PrivilegeError> {
        let refuse = |reason: String| {
            PrivilegeError::NotDropped(format!("the output directory {}: {reason}", path.display()))
        };
        let directory = open_directory(path).map_err(|error| refuse(error.to_string()))?;
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        OUTPUT.set(Self { path, directory }).map_err(|_| {
            refuse(format!(
                "{} is already the output directory",
                Self::path().unwrap_or(Path::new("?")).display()
            ))
        })
    }

    /// Where files go, if an output directory was named.
    pub fn path() -> Option<&'static Path> {
        OUTPUT.get().map(|dir| dir.path.as_path())
    }

    /// Creates the new file `name` (a name, not a path) in the output directory, mode 0600,
    /// for writing. Fails with `AlreadyExists` for a name taken, with EPERM where no output
    /// directory was named or the kernel cannot confine writes to it.
    pub fn create(name: &str) -> io::Result<File> {
        if name.is_empty() || name == "." || name == ".." || name.contains('/') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{name:?} is not a file name (no directories, no `..`)"),
            ));
        }
        let name = CString::new(name.as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a file name with a NUL byte"))?;
        let Some(dir) = OUTPUT.get() else {
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, "no output directory was named"));
        };
        let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: openat(2) with an open directory descriptor and a NUL-terminated name; the
        // descriptor it returns is owned right away.
        let fd =
            unsafe { libc::openat(dir.directory.as_raw_fd(), name.as_ptr(), flags, 0o600 as libc::c_uint) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is fresh and owned by nothing else.
        Ok(File::from(unsafe { OwnedFd::from_raw_fd(fd) }))
    }
}

/// Opens `path` as a directory to create files in.
fn open_directory(path: &Path) -> io::Result<OwnedFd> {
    let name = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a path with a NUL byte"))?;
    // SAFETY: open(2) of a NUL-terminated path; the descriptor it returns is owned right away.
    let fd = unsafe { libc::open(name.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is fresh and owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// On the calling thread (and the threads it starts): when an output directory was named,
/// a Landlock ruleset that allows writing only there. Returns whether writes are confined, so
/// the seccomp filter may let `openat` write; `false` where there is nothing to confine to, or
/// the kernel has no Landlock or refuses it (a container's own filter, say): then the thread
/// stays under the read-only filter, which is safe, and only [`OutputDir::create`] fails.
pub(super) fn confine_writes() -> bool {
    let Some(dir) = OUTPUT.get() else { return false };
    // Version 3 adds truncation to what a ruleset can handle; an older kernel handles less
    // (best effort), and one without Landlock none, which the status below says.
    let handled = AccessFs::from_write(ABI::V3);
    let allowed = AccessFs::WriteFile | AccessFs::MakeReg | AccessFs::Truncate;
    let restricted = Ruleset::default()
        .handle_access(handled)
        .and_then(|ruleset| ruleset.create())
        .and_then(|ruleset| ruleset.add_rule(PathBeneath::new(&dir.directory, allowed)))
        .and_then(|ruleset| ruleset.restrict_self());
    // An error at any step leaves the thread unrestricted by Landlock: say writes are not
    // confined.
    matches!(restricted, Ok(status) if status.ruleset != RulesetStatus::NotEnforced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_is_a_path_is_refused_before_any_system_call() {
        // Whether or not a directory was named, these never reach openat.
        for name in ["", ".", "..", "../x", "/etc/passwd", "a/b"] {
            let error = OutputDir::create(name).expect_err(name);
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{name}: {error}");
        }
    }
}
