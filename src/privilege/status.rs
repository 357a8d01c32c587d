//! What a thread holds, as the kernel reports it in `/proc/<pid>/task/<tid>/status`: its user
//! and group ids, its capability sets, no_new_privs and its seccomp mode. The drop checks the
//! other threads with it, and the tests check the threads that read packets.
//!
//! Invariant: a status that lacks a line this needs is an error, never read as "no privilege".

use std::io;
use std::path::Path;

/// One thread's privileges, from its `status` file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadStatus {
    /// Real, effective, saved and file-system user ids (`Uid:`).
    pub uids: [u32; 4],
    /// Real, effective, saved and file-system group ids (`Gid:`).
    pub gids: [u32; 4],
    /// `CapInh:`, the inheritable set.
    pub cap_inheritable: u64,
    /// `CapPrm:`, the permitted set.
    pub cap_permitted: u64,
    /// `CapEff:`, the effective set.
    pub cap_effective: u64,
    /// `CapAmb:`, the ambient set.
    pub cap_ambient: u64,
    /// `NoNewPrivs:`: execve can grant nothing.
    pub no_new_privs: bool,
    /// `Seccomp:`: 0 none, 1 strict, 2 filter.
    pub seccomp: u8,
}

impl ThreadStatus {
    /// The calling thread's status.
    pub fn current() -> io::Result<Self> {
        Self::read(Path::new("/proc/thread-self/status"))
    }

    /// The status in the file at `path`, such as `/proc/1234/task/1235/status`.
    pub fn read(path: &Path) -> io::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        Self::parse(&text).map_err(|line| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} has no usable {line} line", path.display()),
            )
        })
    }

    /// Reads a status file's text; the error names the line that is missing or unreadable.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let field = |name: &'static str| {
            text.lines().find_map(|line| line.strip_prefix(name)).map(str::trim).ok_or(name)
        };
        let ids = |name: &'static str| -> Result<[u32; 4], &'static str> {
            let values: Vec<u32> = field(name)?
                .split_whitespace()
                .map(str::parse)
                .collect::<Result<_, _>>()
                .map_err(|_| name)?;
            values.try_into().map_err(|_| name)
        };
        let mask = |name: &'static str| u64::from_str_radix(field(name)?, 16).map_err(|_| name);
        Ok(Self {
            uids: ids("Uid:")?,
            gids: ids("Gid:")?,
            cap_inheritable: mask("CapInh:")?,
            cap_permitted: mask("CapPrm:")?,
            cap_effective: mask("CapEff:")?,
            cap_ambient: mask("CapAmb:")?,
            no_new_privs: field("NoNewPrivs:")? == "1",
            seccomp: field("Seccomp:")?.parse().map_err(|_| "Seccomp:")?,
        })
    }

    /// Whether the thread could do what an ordinary user cannot: a user id of 0 (real,
    /// effective, saved or file-system) or any capability it may use or pass on.
    pub fn is_privileged(&self) -> bool {
        self.uids.contains(&0)
            || self.cap_effective != 0
            || self.cap_permitted != 0
            || self.cap_inheritable != 0
            || self.cap_ambient != 0
    }
}

/// Every thread of process `pid` (`"self"` for this one) with its status. A thread that ends
/// while the list is read is left out.
pub fn threads_of(pid: &str) -> io::Result<Vec<(u32, ThreadStatus)>> {
    let mut threads = Vec::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let entry = entry?;
        let Some(tid) = entry.file_name().to_str().and_then(|name| name.parse().ok()) else { continue };
        match ThreadStatus::read(&entry.path().join("status")) {
            Ok(status) => threads.push((tid, status)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
    }
    Ok(threads)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines of a root thread's status that matter, as Linux 6 prints them (others elided).
    const ROOT: &str = "Name:\trttscope\n\
        Uid:\t0\t0\t0\t0\n\
        Gid:\t0\t0\t0\t0\n\
        Groups:\t0 \n\
        CapInh:\t0000000000000000\n\
        CapPrm:\t000001ffffffffff\n\
        CapEff:\t000001ffffffffff\n\
        CapBnd:\t000001ffffffffff\n\
        CapAmb:\t0000000000000000\n\
        NoNewPrivs:\t0\n\
        Seccomp:\t0\n\
        Seccomp_filters:\t0\n";

    /// The same thread after the drop to nobody (65534), with the filter on.
    const DROPPED: &str = "Name:\tcapture lo\n\
        Uid:\t65534\t65534\t65534\t65534\n\
        Gid:\t65534\t65534\t65534\t65534\n\
        Groups:\t\n\
        CapInh:\t0000000000000000\n\
        CapPrm:\t0000000000000000\n\
        CapEff:\t0000000000000000\n\
        CapBnd:\t0000000000000000\n\
        CapAmb:\t0000000000000000\n\
        NoNewPrivs:\t1\n\
        Seccomp:\t2\n\
        Seccomp_filters:\t2\n";

    #[test]
    fn a_root_thread_is_privileged() {
        let status = ThreadStatus::parse(ROOT).expect("a status");
        assert_eq!(status.uids, [0; 4]);
        assert_eq!(status.cap_effective, 0x1ff_ffff_ffff);
        assert!(!status.no_new_privs);
        assert_eq!(status.seccomp, 0);
        assert!(status.is_privileged());
    }

    #[test]
    fn a_dropped_thread_holds_nothing() {
        let status = ThreadStatus::parse(DROPPED).expect("a status");
        assert_eq!((status.uids, status.gids), ([65534; 4], [65534; 4]));
        assert!(status.no_new_privs);
        assert_eq!(status.seccomp, 2);
        assert!(!status.is_privileged());
    }

    #[test]
    fn one_capability_or_one_root_id_is_a_privilege() {
        // cap_net_raw (13) kept by a user with `setcap cap_net_raw+ep`.
        let net_raw = DROPPED.replace("CapEff:\t0000000000000000", "CapEff:\t0000000000002000");
        assert!(ThreadStatus::parse(&net_raw).expect("a status").is_privileged());
        // A saved user id of 0 could be taken back.
        let saved_root = DROPPED.replace("Uid:\t65534\t65534\t65534", "Uid:\t65534\t65534\t0");
        assert!(ThreadStatus::parse(&saved_root).expect("a status").is_privileged());
    }

    #[test]
    fn a_missing_or_bad_line_is_an_error_not_no_privilege() {
        assert_eq!(ThreadStatus::parse(&ROOT.replace("CapAmb", "Other")), Err("CapAmb:"));
        assert_eq!(ThreadStatus::parse(&ROOT.replace("Uid:\t0\t0\t0\t0", "Uid:\t0\t0")), Err("Uid:"));
        assert_eq!(ThreadStatus::parse(&ROOT.replace("000001ffffffffff", "zz")), Err("CapPrm:"));
    }

    #[test]
    fn this_thread_and_this_process_can_be_read() {
        let status = ThreadStatus::current().expect("/proc/thread-self/status");
        // SAFETY: getuid(2) has no preconditions and cannot fail.
        assert_eq!(status.uids[0], unsafe { libc::getuid() });
        let threads = threads_of("self").expect("/proc/self/task");
        // SAFETY: gettid(2) has no preconditions and cannot fail.
        let me = unsafe { libc::gettid() } as u32;
        assert!(threads.iter().any(|(tid, _)| *tid == me));
    }
}
