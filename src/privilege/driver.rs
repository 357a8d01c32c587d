//! The namespace driver: the one thread of `gen` and `demo` that keeps privilege while their
//! generators run, because it makes and removes network namespaces, veth pairs and the
//! emulator's packet sockets, opens the loopback captures and starts the threads that drop.
//! It parses nothing it receives. [`narrow_to_namespace_driver`] takes everything else from
//! it before the first generator runs.
//!
//! What it keeps, and why each ([`DRIVER_CAPABILITIES`]):
//! - CAP_SYS_ADMIN: `unshare(CLONE_NEWNET)` and `setns` into the link's namespaces.
//! - CAP_NET_ADMIN: netlink (veth pairs, addresses, neighbours, links up), ethtool offloads,
//!   a private namespace's loopback up.
//! - CAP_NET_RAW: the emulator's packet sockets, the loopback captures, and ping's raw ICMP
//!   socket where `net.ipv4.ping_group_range` leaves no datagram one.
//! - CAP_SYS_NICE: the emulator thread's real-time priority, set before that thread drops.
//! - CAP_SYS_CHROOT: for `gen ssh`'s OpenSSH `sshd`, which the driver starts in the server's
//!   namespace and which chroots its pre-authentication child (OpenSSH's own privilege
//!   separation); without it that child fails and the login with it.
//! - CAP_NET_BIND_SERVICE: for that `sshd` to listen on port 22, where SSH is read.
//! - CAP_DAC_OVERRIDE and CAP_FOWNER: the capture, key log and qlog files the driver writes
//!   for the user, under sudo in a directory of the invoking user that root does not own, and
//!   an old capture or key log of that user's set to mode 0600 (as it always is).
//! - CAP_SETUID, CAP_SETGID, CAP_SETPCAP: for the threads it starts to drop to the target
//!   user and empty their bounding sets (a thread inherits its creator's capabilities), and
//!   for its own final drop (`demo` drops the whole process before it reads its capture).
//!
//! Invariants: the bounding set loses every other capability too, so no later `execve` or
//! capset gets one back; the user id stays what it was (root's `/proc/sys` files in the new
//! namespaces are written as their owner); `--no-drop` narrows nothing.

use std::io;
use std::sync::atomic::Ordering;

use super::{CAPABILITY_VERSION_3, CapabilityData, CapabilityHeader, KEEP, PrivilegeError, failed};

// linux/capability.h
const CAP_DAC_OVERRIDE: u32 = 1;
const CAP_FOWNER: u32 = 3;
const CAP_SETGID: u32 = 6;
const CAP_SETUID: u32 = 7;
const CAP_SETPCAP: u32 = 8;
const CAP_NET_BIND_SERVICE: u32 = 10;
const CAP_NET_ADMIN: u32 = 12;
const CAP_SYS_CHROOT: u32 = 18;
const CAP_NET_RAW: u32 = 13;
const CAP_SYS_ADMIN: u32 = 21;
const CAP_SYS_NICE: u32 = 23;

/// The capabilities the namespace driver keeps, as a mask of capability numbers.
pub const DRIVER_CAPABILITIES: u64 = 1 << CAP_DAC_OVERRIDE
    | 1 << CAP_FOWNER
    | 1 << CAP_SETGID
    | 1 << CAP_SETUID
    | 1 << CAP_SETPCAP
    | 1 << CAP_NET_ADMIN
    | 1 << CAP_NET_RAW
    | 1 << CAP_SYS_ADMIN
    | 1 << CAP_SYS_CHROOT
    | 1 << CAP_NET_BIND_SERVICE
    | 1 << CAP_SYS_NICE;

/// Narrows the calling thread (the driver) to [`DRIVER_CAPABILITIES`]: its effective and
/// permitted sets keep those of them it holds, its inheritable and ambient sets are emptied,
/// and its bounding set loses every other capability. Threads it starts afterwards inherit
/// the narrowed sets. Returns the capabilities kept.
pub fn narrow_to_namespace_driver() -> Result<u64, PrivilegeError> {
    if KEEP.load(Ordering::SeqCst) {
        return Ok(u64::MAX);
    }
    let held = capabilities().map_err(failed("reading the capabilities"))?;
    let kept = held & DRIVER_CAPABILITIES;
    // The bounding set first: dropping from it needs CAP_SETPCAP, which is kept.
    for capability in 0..64 {
        if DRIVER_CAPABILITIES & 1 << capability != 0 {
            continue;
        }
        // SAFETY: prctl(2) with an option and a capability number; it reads this thread's set.
        if unsafe { libc::prctl(libc::PR_CAPBSET_READ, capability, 0, 0, 0) } < 0 {
            break; // past the last capability this kernel knows
        }
        // SAFETY: as above; refused without CAP_SETPCAP (a user with file capabilities), in
        // which case the bounding set stays and the sets below are what limit the thread.
        unsafe { libc::prctl(libc::PR_CAPBSET_DROP, capability, 0, 0, 0) };
    }
    // SAFETY: prctl(2) with constant arguments; it only empties this thread's ambient set.
    unsafe { libc::prctl(libc::PR_CAP_AMBIENT, libc::PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) };
    set_capabilities(kept).map_err(failed("narrowing the capabilities"))?;
    if capabilities().map_err(failed("reading the capabilities"))? & !DRIVER_CAPABILITIES != 0 {
        return Err(PrivilegeError::NotDropped("the namespace driver still holds other capabilities".into()));
    }
    Ok(kept)
}

/// This thread's permitted set, as a mask.
fn capabilities() -> io::Result<u64> {
    let mut header = CapabilityHeader { version: CAPABILITY_VERSION_3, pid: 0 };
    let mut data = [CapabilityData::default(); 2];
    // SAFETY: capget(2) writes two data words for a version-3 header; pid 0 is this thread.
    let result = unsafe { libc::syscall(libc::SYS_capget, &raw mut header, data.as_mut_ptr()) };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    let [low, high] = data;
    Ok(u64::from(low.permitted | low.effective) | u64::from(high.permitted | high.effective) << 32)
}

/// Sets this thread's effective and permitted sets to `mask`, its inheritable set empty.
fn set_capabilities(mask: u64) -> io::Result<()> {
    let mut header = CapabilityHeader { version: CAPABILITY_VERSION_3, pid: 0 };
    let word = |shift: u32| {
        let bits = (mask >> shift) as u32;
        CapabilityData { effective: bits, permitted: bits, inheritable: 0 }
    };
    let data = [word(0), word(32)];
    // SAFETY: capset(2) reads a version-3 header and two data words; pid 0 is this thread.
    let result = unsafe { libc::syscall(libc::SYS_capset, &raw mut header, data.as_ptr()) };
    if result == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_driver_keeps_what_namespaces_links_and_captures_need_and_nothing_broader() {
        assert_eq!(DRIVER_CAPABILITIES.count_ones(), 11);
        for capability in [CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_NET_RAW, CAP_SETUID, CAP_SYS_CHROOT] {
            assert_ne!(DRIVER_CAPABILITIES & 1 << capability, 0, "{capability}");
        }
        // CAP_SYS_PTRACE (19), CAP_SYS_MODULE (16), CAP_DAC_READ_SEARCH (2), CAP_CHOWN (0),
        // CAP_SYS_RAWIO (17), CAP_BPF (39): none of them.
        for capability in [19, 16, 2, 0, 17, 39] {
            assert_eq!(DRIVER_CAPABILITIES & 1 << capability, 0, "{capability}");
        }
    }

    #[test]
    #[ignore = "needs root"]
    fn a_narrowed_thread_keeps_only_the_driver_set_and_its_bounding_set_shrinks() {
        let (kept, status, bounding) = std::thread::spawn(|| {
            let kept = narrow_to_namespace_driver().expect("narrowing");
            let status = std::fs::read_to_string("/proc/thread-self/status").expect("status");
            let bounding = status
                .lines()
                .find_map(|line| line.strip_prefix("CapBnd:"))
                .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
                .expect("CapBnd");
            (kept, super::super::ThreadStatus::parse(&status).expect("status"), bounding)
        })
        .join()
        .expect("the thread");
        assert_eq!(kept, DRIVER_CAPABILITIES);
        assert_eq!((status.cap_effective, status.cap_permitted), (DRIVER_CAPABILITIES, DRIVER_CAPABILITIES));
        assert_eq!(bounding, DRIVER_CAPABILITIES);
        assert_eq!(status.uids, [0; 4], "the driver keeps root's user id");
    }
}
