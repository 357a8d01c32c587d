//! Least privilege: once the packet socket is open (and, for `demo` and `gen` over a link, the
//! namespaces and devices are built), rttscope gives up everything it was started with before
//! it reads a packet, because packets are hostile input and the parsers are large.
//!
//! What is dropped: the user and group ids (to the invoking user under sudo, from `SUDO_UID`
//! and `SUDO_GID`; otherwise to `nobody` when running as root; a user who started rttscope
//! keeps their own ids), the supplementary groups (cleared), every capability (effective,
//! permitted, inheritable, ambient, and the bounding set where the thread may change it;
//! CAP_NET_RAW included, the socket being open already). Then `PR_SET_NO_NEW_PRIVS`, and a
//! seccomp filter (`filter.rs`) that allows what capture, dissection, writing the files
//! already open and drawing the terminal UI need. Files are opened before the drop; the one
//! exception is the output directory ([`OutputDir`], `output.rs`), where a dropped process may
//! still create new files, and nowhere else (Landlock).
//!
//! When: [`drop_process`] on the main thread, after the socket and the output files are open
//! and before any thread that reads or parses packets is started, so every such thread
//! inherits the dropped state. Where a command must keep privilege on one thread while others
//! read packets (`demo` and `gen` drive namespaces while their generators run), those threads
//! call [`drop_this_thread`] (a thread that reads packets) or [`drop_peer_thread`] (a
//! generator's TLS, QUIC, TCP or echo client or server, once its sockets are made: it may
//! still connect and accept on them): ids, capabilities, no_new_privs, Landlock and the filter
//! are per thread in Linux when set with raw system calls (the C library's `setresuid` would
//! change every thread), so the thread drops for itself and the one that builds namespaces
//! keeps its own. That one, the namespace driver, first narrows what it keeps to what building
//! namespaces, links and captures needs ([`narrow_to_namespace_driver`], `driver.rs`).
//!
//! A limit worth saying: threads share one address space, so a parser that an attacker took
//! over could in principle reach the driver's memory; the per-thread drop takes away what an
//! exploited parser could do by itself (system calls, files, ids), not that. The driver keeps
//! root's user id and the few capabilities listed in `driver.rs`, no more.
//!
//! Invariants:
//! - After a drop returns `Ok`, the calling thread has no user id 0 and no capability, and
//!   taking root back fails; a drop that cannot get there returns an error, and the commands
//!   refuse to go on rather than parse as root.
//! - [`drop_this_thread`] drops whenever the thread holds any privilege, whichever command
//!   runs; only `--no-drop` ([`keep_privileges`]) skips it, and every other drop or narrowing.

mod driver;
mod filter;
mod output;
mod status;

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use thiserror::Error;

pub use driver::{DRIVER_CAPABILITIES, narrow_to_namespace_driver};
pub use output::OutputDir;
pub use status::{ThreadStatus, threads_of};

/// Why privileges could not be dropped. Each says what to do, `--no-drop` last.
#[derive(Debug, Error)]
pub enum PrivilegeError {
    #[error(
        "cannot drop root privileges: there is no user `nobody` to become; create one, run \
         rttscope under sudo, or pass --no-drop to parse packets as root"
    )]
    NoNobody,
    #[error(
        "cannot drop root privileges: {name}={value:?} is not a user or group id; unset it or \
         pass --no-drop to parse packets as root"
    )]
    BadSudo { name: &'static str, value: String },
    #[error("cannot drop privileges: {step} failed: {source}; pass --no-drop to keep them (not advised)")]
    Failed { step: &'static str, source: io::Error },
    #[error("cannot drop privileges: {0}; pass --no-drop to keep them (not advised)")]
    NotDropped(String),
}

fn failed(step: &'static str) -> impl FnOnce(io::Error) -> PrivilegeError {
    move |source| PrivilegeError::Failed { step, source }
}

/// Set by `--no-drop`: keep whatever the process was started with.
static KEEP: AtomicBool = AtomicBool::new(false);

/// `--no-drop`: the drops below do nothing from now on, in every thread.
pub fn keep_privileges() {
    KEEP.store(true, Ordering::SeqCst);
}

/// The user and group a drop becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    pub uid: libc::uid_t,
    pub gid: libc::gid_t,
}

impl Target {
    /// Whom this process becomes: as root (real user id 0), the invoking user under sudo
    /// (`SUDO_UID`, `SUDO_GID`) or `nobody`; as a set-user-id program, its real user; as an
    /// ordinary user (with file capabilities, say), that same user. `None` where the ids
    /// cannot change: in a user namespace that maps one user, whose root is that user outside.
    pub fn for_this_process() -> Result<Option<Self>, PrivilegeError> {
        let (real_uid, real_gid) = (current_ids(libc::SYS_getresuid)[0], current_ids(libc::SYS_getresgid)[0]);
        if real_uid != 0 {
            return Ok(Some(Self { uid: real_uid, gid: real_gid }));
        }
        if !ids_can_change() {
            return Ok(None);
        }
        match sudo_target(|name| std::env::var(name).ok())? {
            Some(target) => Ok(Some(target)),
            None => nobody().map(Some),
        }
    }
}

/// The invoking user from sudo's variables, if they name a user other than root.
fn sudo_target(var: impl Fn(&'static str) -> Option<String>) -> Result<Option<Target>, PrivilegeError> {
    let parse = |name: &'static str| -> Result<Option<u32>, PrivilegeError> {
        var(name)
            .map(|value| {
                value.trim().parse().map_err(|_| PrivilegeError::BadSudo { name, value: value.clone() })
            })
            .transpose()
    };
    let Some(uid) = parse("SUDO_UID")?.filter(|&uid| uid != 0) else { return Ok(None) };
    let gid = match parse("SUDO_GID")? {
        Some(gid) => gid,
        None => return Err(PrivilegeError::BadSudo { name: "SUDO_GID", value: String::new() }),
    };
    Ok(Some(Target { uid, gid }))
}

/// `nobody` and its group (65534 and `nogroup` on most systems), from the user database.
fn nobody() -> Result<Target, PrivilegeError> {
    let name = c"nobody";
    // SAFETY: passwd is plain data, for which all zeroes is a valid value.
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call, the buffer's length is passed with it, and
    // `found` is set to `&mut entry` or null.
    let result =
        unsafe { libc::getpwnam_r(name.as_ptr(), &mut entry, buffer.as_mut_ptr(), buffer.len(), &mut found) };
    if result != 0 || found.is_null() || entry.pw_uid == 0 {
        return Err(PrivilegeError::NoNobody);
    }
    Ok(Target { uid: entry.pw_uid, gid: entry.pw_gid })
}

/// Whether this process's user namespace maps more than one user (the initial namespace
/// does): a namespace of one user cannot become another.
fn ids_can_change() -> bool {
    std::fs::read_to_string("/proc/self/uid_map").map_or(true, |map| {
        map.lines().any(|line| line.split_whitespace().nth(2).is_some_and(|count| count != "1"))
    })
}

/// What a drop did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dropped {
    /// Privileges dropped to this user and group (or, `None`, capabilities only).
    To(Option<Target>),
    /// The thread had nothing to drop; the filter is on all the same.
    Nothing,
    /// `--no-drop`: everything kept.
    Kept,
}

/// The whole-process drop, on the main thread after the socket and the output files are open
/// and before any thread that reads packets starts. Threads started before it must hold no
/// privilege (it checks, and refuses to go on otherwise).
pub fn drop_process() -> Result<Dropped, PrivilegeError> {
    if KEEP.load(Ordering::SeqCst) {
        return Ok(Dropped::Kept);
    }
    let dropped = drop_credentials()?;
    sandbox(false)?;
    // SAFETY: gettid(2) has no preconditions and cannot fail.
    let me = unsafe { libc::gettid() } as u32;
    let threads = threads_of("self").map_err(failed("reading /proc/self/task"))?;
    if let Some((tid, _)) = threads.iter().find(|(tid, status)| *tid != me && status.is_privileged()) {
        return Err(PrivilegeError::NotDropped(format!(
            "thread {tid} was started before the drop and still holds privileges"
        )));
    }
    Ok(dropped)
}

/// The drop for a thread that reads or parses packets while another thread of the process
/// keeps privilege: when this thread holds any, it drops them for itself alone. A thread that
/// inherited a dropped state has nothing to do.
pub fn drop_this_thread() -> Result<Dropped, PrivilegeError> {
    drop_thread(false)
}

/// The drop for a generator's peer (a TLS, QUIC, TCP or echo client or server), on its own
/// thread once the sockets it needs are made in their namespaces: as [`drop_this_thread`],
/// and the filter also lets it connect, accept and set options on those sockets (never make
/// one, or enter a namespace).
pub fn drop_peer_thread() -> Result<Dropped, PrivilegeError> {
    drop_thread(true)
}

fn drop_thread(peer: bool) -> Result<Dropped, PrivilegeError> {
    if KEEP.load(Ordering::SeqCst) {
        return Ok(Dropped::Kept);
    }
    let status = ThreadStatus::current().map_err(failed("reading /proc/thread-self/status"))?;
    if !status.is_privileged() && status.seccomp == 2 {
        return Ok(Dropped::Nothing);
    }
    let dropped = drop_credentials()?;
    sandbox(peer)?;
    Ok(dropped)
}

/// Ids and capabilities, for the calling thread only.
fn drop_credentials() -> Result<Dropped, PrivilegeError> {
    let target = Target::for_this_process()?;
    let holds = ThreadStatus::current().map_err(failed("reading /proc/thread-self/status"))?.is_privileged();
    if !holds {
        return Ok(Dropped::Nothing);
    }
    drop_bounding_set();
    // SAFETY: prctl(2) with constant arguments; it only empties this thread's ambient set.
    // Kernels before 4.3 have no ambient set (EINVAL), which is as good as an empty one.
    unsafe { libc::prctl(libc::PR_CAP_AMBIENT, libc::PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) };
    if let Some(target) = target
        && current_ids(libc::SYS_getresuid) != [target.uid; 3]
    {
        // Groups, then the group, then the user: each step needs the privilege the next one
        // takes away. Raw system calls, so only this thread changes.
        raw_syscall(libc::SYS_setgroups, [0, 0, 0]).map_err(failed("clearing the supplementary groups"))?;
        let gid = libc::c_long::from(target.gid);
        raw_syscall(libc::SYS_setresgid, [gid; 3]).map_err(failed("setting the group id"))?;
        let uid = libc::c_long::from(target.uid);
        raw_syscall(libc::SYS_setresuid, [uid; 3]).map_err(failed("setting the user id"))?;
    }
    clear_capabilities().map_err(failed("clearing the capabilities"))?;
    check_dropped(target)?;
    Ok(Dropped::To(target))
}

/// Drops every capability from this thread's bounding set, where it may (it needs
/// CAP_SETPCAP, which a user with file capabilities usually lacks: then the set stays, and
/// no_new_privs makes it moot).
fn drop_bounding_set() {
    for capability in 0..64 {
        // SAFETY: prctl(2) with an option and a capability number; it reads this thread's set.
        if unsafe { libc::prctl(libc::PR_CAPBSET_READ, capability, 0, 0, 0) } < 0 {
            break; // past the last capability this kernel knows
        }
        // SAFETY: as above; refused without CAP_SETPCAP, which is fine (see above).
        unsafe { libc::prctl(libc::PR_CAPBSET_DROP, capability, 0, 0, 0) };
    }
}

/// `_LINUX_CAPABILITY_VERSION_3`: two 32-bit words per set.
const CAPABILITY_VERSION_3: u32 = 0x2008_0522;

#[repr(C)]
struct CapabilityHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapabilityData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// Empties this thread's effective, permitted and inheritable sets.
fn clear_capabilities() -> io::Result<()> {
    let mut header = CapabilityHeader { version: CAPABILITY_VERSION_3, pid: 0 };
    let data = [CapabilityData::default(); 2];
    // SAFETY: capset(2) reads a version-3 header and two data words; pid 0 is this thread.
    let result = unsafe { libc::syscall(libc::SYS_capset, &raw mut header, data.as_ptr()) };
    if result == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// This thread's capability sets, or-ed together.
fn any_capability() -> io::Result<bool> {
    let mut header = CapabilityHeader { version: CAPABILITY_VERSION_3, pid: 0 };
    let mut data = [CapabilityData::default(); 2];
    // SAFETY: capget(2) writes two data words for a version-3 header; pid 0 is this thread.
    let result = unsafe { libc::syscall(libc::SYS_capget, &raw mut header, data.as_mut_ptr()) };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(data.iter().any(|set| set.effective | set.permitted | set.inheritable != 0))
}

/// Checks the drop took: no capability left, the target's ids, and root out of reach.
fn check_dropped(target: Option<Target>) -> Result<(), PrivilegeError> {
    if any_capability().map_err(failed("reading the capabilities"))? {
        return Err(PrivilegeError::NotDropped("a capability is still held after clearing them all".into()));
    }
    let Some(target) = target else { return Ok(()) };
    let (uids, gids) = (current_ids(libc::SYS_getresuid), current_ids(libc::SYS_getresgid));
    if uids != [target.uid; 3] || gids != [target.gid; 3] {
        return Err(PrivilegeError::NotDropped(format!(
            "the ids are {uids:?}/{gids:?}, not {}/{}",
            target.uid, target.gid
        )));
    }
    if target.uid != 0 && raw_syscall(libc::SYS_setresuid, [0; 3]).is_ok() {
        return Err(PrivilegeError::NotDropped("user id 0 could be taken back".into()));
    }
    Ok(())
}

/// `PR_SET_NO_NEW_PRIVS`, Landlock where there is an output directory, then the seccomp
/// filters (a peer's when `peer`), on this thread (and the threads it starts).
fn sandbox(peer: bool) -> Result<(), PrivilegeError> {
    // SAFETY: prctl(2) with constant arguments; it only sets this thread's no_new_privs.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(failed("setting no_new_privs")(io::Error::last_os_error()));
    }
    let writes = output::confine_writes();
    let Some(programs) = filter::programs(filter::Profile { peer, writes }) else {
        return Err(PrivilegeError::NotDropped("seccomp filters are not built for this architecture".into()));
    };
    let programs = programs.map_err(|error| {
        PrivilegeError::NotDropped(format!("the seccomp filter did not compile: {error}"))
    })?;
    for program in &programs {
        seccompiler::apply_filter(program).map_err(|error| {
            PrivilegeError::NotDropped(format!("installing the seccomp filter failed: {error}"))
        })?;
    }
    Ok(())
}

/// This thread's real, effective and saved ids, by `getresuid` or `getresgid`.
fn current_ids(call: libc::c_long) -> [u32; 3] {
    let mut ids = [0u32; 3];
    let [real, effective, saved] = &mut ids;
    // SAFETY: getresuid/getresgid write three ids to valid pointers and cannot fail so.
    unsafe { libc::syscall(call, real as *mut u32, effective as *mut u32, saved as *mut u32) };
    ids
}

/// A three-argument system call on this thread alone (the C library's set*id wrappers change
/// every thread of the process).
fn raw_syscall(call: libc::c_long, [a, b, c]: [libc::c_long; 3]) -> io::Result<()> {
    // SAFETY: used for setgroups(0, NULL), setresgid and setresuid, which take integers (and a
    // null pointer with a zero count).
    if unsafe { libc::syscall(call, a, b, c) } == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'static str, &'a str)]) -> impl Fn(&'static str) -> Option<String> + 'a {
        move |name| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned())
    }

    #[test]
    fn sudo_names_the_user_to_become() {
        let target = sudo_target(vars(&[("SUDO_UID", "1000"), ("SUDO_GID", "100")])).expect("valid");
        assert_eq!(target, Some(Target { uid: 1000, gid: 100 }));
        // Not under sudo, or sudo from root: nobody instead.
        assert_eq!(sudo_target(vars(&[])).expect("valid"), None);
        assert_eq!(sudo_target(vars(&[("SUDO_UID", "0"), ("SUDO_GID", "0")])).expect("valid"), None);
    }

    #[test]
    fn a_bad_sudo_variable_refuses_the_drop_in_one_line() {
        let error = sudo_target(vars(&[("SUDO_UID", "alice"), ("SUDO_GID", "100")])).expect_err("refused");
        assert_eq!(
            error.to_string(),
            "cannot drop root privileges: SUDO_UID=\"alice\" is not a user or group id; unset it or pass \
             --no-drop to parse packets as root"
        );
        assert!(matches!(
            sudo_target(vars(&[("SUDO_UID", "1000")])),
            Err(PrivilegeError::BadSudo { name: "SUDO_GID", .. })
        ));
    }

    #[test]
    fn a_missing_nobody_says_what_to_do() {
        let text = PrivilegeError::NoNobody.to_string();
        assert!(text.contains("no user `nobody`") && text.contains("--no-drop"), "{text}");
        assert!(!text.contains('\n'));
    }

    #[test]
    fn under_the_filter_a_thread_reads_and_starts_threads_but_creates_and_runs_nothing() {
        use std::os::fd::AsRawFd;
        // Its own thread: the filter stays on it and ends with it. No privilege is needed.
        let outcome = std::thread::spawn(|| {
            sandbox(false).expect("the filter installs");
            let status = ThreadStatus::current().expect("reading a file still works");
            let thread = std::thread::spawn(|| 7).join().map_err(|_| "a thread");
            let created =
                std::fs::File::create("/tmp/rttscope-filter-must-not-exist").map_err(|e| e.raw_os_error());
            let spawned = std::process::Command::new("/bin/true").status().is_err();
            let socket = std::net::UdpSocket::bind("127.0.0.1:0").is_err();
            let stdin = std::io::stdin();
            let byte: libc::c_char = 0;
            // SAFETY: TIOCSTI reads one byte from a valid pointer; the filter refuses it first.
            let pushed = unsafe { libc::ioctl(stdin.as_raw_fd(), libc::TIOCSTI, &byte) };
            let pushed = (pushed, io::Error::last_os_error().raw_os_error());
            (status, thread, created, spawned, socket, pushed)
        })
        .join()
        .expect("the sandboxed thread");
        let (status, thread, created, spawned, socket, pushed) = outcome;
        assert!(status.no_new_privs && status.seccomp == 2);
        assert_eq!(thread, Ok(7));
        assert_eq!(created.err(), Some(Some(libc::EPERM)));
        assert!(spawned && socket, "a process or a socket was allowed");
        assert_eq!(pushed, (-1, Some(libc::EPERM)));
        assert!(!std::path::Path::new("/tmp/rttscope-filter-must-not-exist").exists());
    }

    #[test]
    #[ignore = "needs root"]
    fn a_parsing_thread_drops_to_nobody_with_nothing_left() {
        // A thread of its own: the drop is per thread, and the test harness's threads stay root.
        let status = std::thread::spawn(|| {
            let dropped = drop_this_thread().expect("the drop");
            (dropped, ThreadStatus::current().expect("status"))
        })
        .join()
        .expect("the thread");
        let nobody = nobody().expect("a nobody user");
        assert_eq!(status.0, Dropped::To(Some(nobody)));
        let status = status.1;
        assert_eq!(status.uids, [nobody.uid; 4]);
        assert_eq!((status.cap_effective, status.cap_permitted), (0, 0));
        assert!(status.no_new_privs && status.seccomp == 2);
        // This thread kept root.
        assert_eq!(ThreadStatus::current().expect("status").uids[0], 0);
    }
}
