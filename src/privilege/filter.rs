//! The seccomp filter a thread runs under once it has dropped its privileges: the system calls
//! that reading packets, dissecting them, writing the files already open and drawing the
//! terminal UI make, and nothing that creates a file, runs a program, opens a socket or
//! reaches the kernel's privileged interfaces.
//!
//! Invariants:
//! - A call outside the list fails with EPERM instead of killing the process, so a need the
//!   list missed shows as one error line, not a crash; it is still refused.
//! - `open`-like calls only read: `openat` without a write access mode or `O_CREAT`.
//! - New threads only: `clone` must carry `CLONE_THREAD`; `clone3`, whose flags a filter
//!   cannot see, answers ENOSYS, and the C library then falls back to `clone`.
//! - `ioctl` only reads and sets the terminal's modes and size (never `TIOCSTI`, which would
//!   push keystrokes into the shell the user returns to).
//! - A peer ([`Profile::Peer`], a generator's TLS, QUIC, TCP or echo client or server) may in
//!   addition connect, accept and set options on the sockets it was given, never make one:
//!   `socket` and `bind` stay refused, so it reaches only the namespaces its sockets live in.
//! - Files are created only where Landlock allows it (`output.rs`): `openat` may ask to write
//!   or create only when a Landlock ruleset that confines writing is on the thread
//!   ([`Profile`]'s `writes` flag); otherwise it only reads.

use std::collections::BTreeMap;

use seccompiler::{
    BackendError, BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

#[cfg(target_arch = "x86_64")]
const ARCH: Option<TargetArch> = Some(TargetArch::x86_64);
#[cfg(target_arch = "aarch64")]
const ARCH: Option<TargetArch> = Some(TargetArch::aarch64);
#[cfg(target_arch = "riscv64")]
const ARCH: Option<TargetArch> = Some(TargetArch::riscv64);
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64", target_arch = "riscv64")))]
const ARCH: Option<TargetArch> = None;

/// Calls allowed whatever their arguments.
const ALWAYS: &[libc::c_long] = &[
    // Files already open, and the terminal.
    libc::SYS_read,
    libc::SYS_write,
    libc::SYS_readv,
    libc::SYS_writev,
    libc::SYS_pread64,
    libc::SYS_pwrite64,
    libc::SYS_lseek,
    libc::SYS_close,
    libc::SYS_close_range,
    libc::SYS_fstat,
    libc::SYS_newfstatat,
    libc::SYS_statx,
    libc::SYS_fstatfs,
    libc::SYS_fcntl,
    libc::SYS_dup,
    libc::SYS_dup3,
    libc::SYS_fsync,
    libc::SYS_fdatasync,
    libc::SYS_getdents64,
    libc::SYS_readlinkat,
    libc::SYS_faccessat,
    libc::SYS_faccessat2,
    libc::SYS_getcwd,
    // The packet socket and the UI's wake-ups (poll, epoll, eventfd, the SIGWINCH pipe).
    libc::SYS_recvfrom,
    libc::SYS_recvmsg,
    libc::SYS_recvmmsg,
    libc::SYS_sendto,
    libc::SYS_sendmsg,
    libc::SYS_getsockopt,
    libc::SYS_getsockname,
    libc::SYS_shutdown,
    libc::SYS_ppoll,
    libc::SYS_pselect6,
    libc::SYS_epoll_create1,
    libc::SYS_epoll_ctl,
    libc::SYS_epoll_pwait,
    libc::SYS_epoll_pwait2,
    libc::SYS_eventfd2,
    libc::SYS_pipe2,
    libc::SYS_timerfd_create,
    libc::SYS_timerfd_settime,
    libc::SYS_timerfd_gettime,
    // Following a key log as it grows.
    libc::SYS_inotify_init1,
    libc::SYS_inotify_add_watch,
    libc::SYS_inotify_rm_watch,
    // Memory.
    libc::SYS_mmap,
    libc::SYS_munmap,
    libc::SYS_mremap,
    libc::SYS_mprotect,
    libc::SYS_madvise,
    libc::SYS_brk,
    libc::SYS_membarrier,
    // Threads, their locks and their ends (clone3 is allowed here and made ENOSYS by the
    // second filter, see `program`).
    libc::SYS_clone3,
    libc::SYS_futex,
    libc::SYS_set_robust_list,
    libc::SYS_rseq,
    libc::SYS_set_tid_address,
    libc::SYS_sched_yield,
    libc::SYS_sched_getaffinity,
    libc::SYS_exit,
    libc::SYS_exit_group,
    libc::SYS_restart_syscall,
    // Signals (Ctrl-C, SIGWINCH) and time.
    libc::SYS_rt_sigaction,
    libc::SYS_rt_sigprocmask,
    libc::SYS_rt_sigreturn,
    libc::SYS_sigaltstack,
    libc::SYS_clock_gettime,
    libc::SYS_clock_getres,
    libc::SYS_clock_nanosleep,
    libc::SYS_nanosleep,
    libc::SYS_gettimeofday,
    libc::SYS_getrandom,
    // Who am I. The set* calls can only keep the ids a thread has once its capabilities are
    // gone, and capset can only lower them; they stay allowed so that a drop repeated on an
    // already dropped thread, or the C library's all-threads set*id, agrees everywhere.
    libc::SYS_getpid,
    libc::SYS_gettid,
    libc::SYS_getuid,
    libc::SYS_geteuid,
    libc::SYS_getgid,
    libc::SYS_getegid,
    libc::SYS_getresuid,
    libc::SYS_getresgid,
    libc::SYS_getgroups,
    libc::SYS_setresuid,
    libc::SYS_setresgid,
    libc::SYS_setgroups,
    libc::SYS_capget,
    libc::SYS_capset,
    libc::SYS_seccomp,
    libc::SYS_uname,
    libc::SYS_sysinfo,
];

/// The older calls x86-64's C library and crates still make.
#[cfg(target_arch = "x86_64")]
const ALWAYS_X86_64: &[libc::c_long] = &[
    libc::SYS_poll,
    libc::SYS_select,
    libc::SYS_epoll_wait,
    libc::SYS_dup2,
    libc::SYS_readlink,
    libc::SYS_access,
    libc::SYS_stat,
    libc::SYS_lstat,
    libc::SYS_getrlimit,
    libc::SYS_time,
];
#[cfg(not(target_arch = "x86_64"))]
const ALWAYS_X86_64: &[libc::c_long] = &[];

/// The terminal requests `ioctl` may make: modes (raw mode, `isatty`), size, bytes waiting.
const TERMINAL_IOCTLS: &[libc::c_ulong] = &[
    libc::TCGETS,
    libc::TCSETS,
    libc::TCSETSW,
    libc::TCSETSF,
    // The termios2 forms, which newer C libraries use for tcgetattr and tcsetattr.
    libc::TCGETS2,
    libc::TCSETS2,
    libc::TCSETSW2,
    libc::TCSETSF2,
    libc::TIOCGWINSZ,
    libc::TIOCGPGRP,
    libc::FIONREAD,
    libc::FIONBIO,
    libc::FIOCLEX,
];

/// The `prctl` options allowed: thread names, and the ones a drop itself uses (which can only
/// take privileges away).
const PRCTL_OPTIONS: &[libc::c_int] = &[
    libc::PR_SET_NAME,
    libc::PR_GET_NAME,
    libc::PR_SET_NO_NEW_PRIVS,
    libc::PR_GET_NO_NEW_PRIVS,
    libc::PR_CAPBSET_READ,
    libc::PR_CAPBSET_DROP,
    libc::PR_CAP_AMBIENT,
    libc::PR_GET_DUMPABLE,
    libc::PR_SET_TIMERSLACK,
];

/// What a peer adds: talking on the sockets it was handed (connect and accept, their options,
/// batches of datagrams), never making one.
const PEER: &[libc::c_long] =
    &[libc::SYS_connect, libc::SYS_accept4, libc::SYS_setsockopt, libc::SYS_sendmmsg, libc::SYS_getpeername];

/// Which threads a filter is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Profile {
    /// A generator's peer: [`PEER`] besides what every dropped thread may do.
    pub peer: bool,
    /// Landlock confines writing on this thread, so `openat` may write and create (where
    /// Landlock allows: the output directories).
    pub writes: bool,
}

/// The two filters to install, in order: the allow list, then the one that turns `clone3`
/// into ENOSYS. `None` on an architecture seccompiler does not know.
pub(super) fn programs(profile: Profile) -> Option<Result<[BpfProgram; 2], BackendError>> {
    let arch = ARCH?;
    Some(allow_list(arch, profile).and_then(|allow| Ok([allow, no_clone3(arch)?])))
}

fn allow_list(arch: TargetArch, profile: Profile) -> Result<BpfProgram, BackendError> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    let peer = if profile.peer { PEER } else { &[] };
    for &call in ALWAYS.iter().chain(ALWAYS_X86_64).chain(peer) {
        rules.insert(call, Vec::new());
    }
    let arg = |index, value| SeccompCondition::new(index, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, value);
    let one_of = |index, values: &mut dyn Iterator<Item = u64>| -> Result<Vec<SeccompRule>, BackendError> {
        values.map(|value| SeccompRule::new(vec![arg(index, value)?])).collect()
    };
    #[allow(clippy::unnecessary_cast, reason = "c_ulong is 32 bits on 32-bit targets")]
    let requests = &mut TERMINAL_IOCTLS.iter().map(|&request| request as u64);
    rules.insert(libc::SYS_ioctl, one_of(1, requests)?);
    rules.insert(libc::SYS_prctl, one_of(0, &mut PRCTL_OPTIONS.iter().map(|&option| option as u64))?);
    // openat(dirfd, path, flags, mode): reading only, unless Landlock confines the writes (a
    // filter cannot read the path, so it cannot tell the output directory from /etc).
    if profile.writes {
        rules.insert(libc::SYS_openat, Vec::new());
    } else {
        let read_only = (libc::O_ACCMODE | libc::O_CREAT | libc::O_TRUNC) as u64;
        rules.insert(
            libc::SYS_openat,
            vec![SeccompRule::new(vec![SeccompCondition::new(
                2,
                SeccompCmpArgLen::Dword,
                SeccompCmpOp::MaskedEq(read_only),
                libc::O_RDONLY as u64,
            )?])?],
        );
    }
    // clone(flags, ...): a thread of this process, never a new process.
    let thread = libc::CLONE_THREAD as u64;
    rules.insert(
        libc::SYS_clone,
        vec![SeccompRule::new(vec![SeccompCondition::new(
            0,
            SeccompCmpArgLen::Qword,
            SeccompCmpOp::MaskedEq(thread),
            thread,
        )?])?],
    );
    // socketpair(AF_UNIX, ...): the UI's resize notification; no network socket.
    rules.insert(libc::SYS_socketpair, vec![SeccompRule::new(vec![arg(0, libc::AF_UNIX as u64)?])?]);
    // tgkill(this process, ...): a thread's abort; no signal to another process.
    // SAFETY: getpid(2) has no preconditions and cannot fail.
    let pid = unsafe { libc::getpid() } as u64;
    rules.insert(libc::SYS_tgkill, vec![SeccompRule::new(vec![arg(0, pid)?])?]);
    // prlimit64(0, resource, NULL, old): reading a limit, never setting one.
    rules.insert(
        libc::SYS_prlimit64,
        vec![SeccompRule::new(vec![
            arg(0, 0)?,
            SeccompCondition::new(2, SeccompCmpArgLen::Qword, SeccompCmpOp::Eq, 0)?,
        ])?],
    );
    let denied = SeccompAction::Errno(libc::EPERM as u32);
    SeccompFilter::new(rules, denied, SeccompAction::Allow, arch)?.try_into()
}

/// `clone3` answers ENOSYS, so that the C library creates threads with `clone`, whose flags the
/// allow list can check. Everything else is left to the allow list.
fn no_clone3(arch: TargetArch) -> Result<BpfProgram, BackendError> {
    let rules = BTreeMap::from([(libc::SYS_clone3, Vec::new())]);
    SeccompFilter::new(rules, SeccompAction::Allow, SeccompAction::Errno(libc::ENOSYS as u32), arch)?
        .try_into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_filters_compile_here() {
        for peer in [false, true] {
            for writes in [false, true] {
                let [allow, clone3] = programs(Profile { peer, writes })
                    .expect("a known architecture")
                    .expect("filters that compile");
                assert!(allow.len() > ALWAYS.len(), "one test per allowed call at least");
                assert!(!clone3.is_empty());
                // The kernel refuses a program longer than BPF_MAXINSNS (4096).
                assert!(allow.len() < 4096, "{} instructions", allow.len());
            }
        }
    }

    #[test]
    fn nothing_that_creates_or_runs_is_listed() {
        for call in [
            libc::SYS_execve,
            libc::SYS_execveat,
            libc::SYS_socket,
            libc::SYS_connect,
            libc::SYS_bind,
            libc::SYS_ptrace,
            libc::SYS_unshare,
            libc::SYS_setns,
            libc::SYS_mount,
            libc::SYS_unlinkat,
            libc::SYS_renameat2,
            libc::SYS_mkdirat,
            libc::SYS_kill,
        ] {
            assert!(!ALWAYS.contains(&call) && !ALWAYS_X86_64.contains(&call), "{call}");
        }
        // A peer talks on the sockets it was given; it makes none and binds none.
        for call in [libc::SYS_socket, libc::SYS_bind, libc::SYS_listen, libc::SYS_setns, libc::SYS_unshare] {
            assert!(!PEER.contains(&call), "{call}");
        }
        assert!(!TERMINAL_IOCTLS.contains(&libc::TIOCSTI));
    }
}
