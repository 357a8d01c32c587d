//! Anonymous network namespaces, and the per-namespace settings made from inside them
//! (sysctls, interface offloads).
//!
//! A namespace is made on a short-lived thread that `unshare(CLONE_NEWNET)`s and opens
//! `/proc/thread-self/ns/net`; the returned descriptor is then the only thing keeping it alive.
//! Nothing is bind-mounted, so a namespace vanishes with its last descriptor, socket or thread:
//! a crash, Ctrl-C or SIGTERM leaves nothing behind.
//!
//! Invariant: every thread made here has ended when its function returns; work "inside" a
//! namespace runs on a scoped thread that joined it, never on the caller's.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::thread;

use libc::c_void;

/// Makes a new network namespace and returns the descriptor that keeps it.
pub fn create() -> io::Result<OwnedFd> {
    thread::scope(|scope| {
        let made = thread::Builder::new().name("link-netns".into()).spawn_scoped(scope, || {
            // SAFETY: unshare(2) with a flag constant; it moves only this thread, which ends
            // right after.
            if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(OwnedFd::from(File::open("/proc/thread-self/ns/net")?))
        })?;
        made.join().map_err(|_| io::Error::other("the namespace's thread panicked"))?
    })
}

/// Runs `work` on a thread inside `namespace`, and returns what it returned.
pub fn within<T: Send>(namespace: &OwnedFd, work: impl FnOnce() -> io::Result<T> + Send) -> io::Result<T> {
    thread::scope(|scope| {
        let joined = thread::Builder::new().name("link-setup".into()).spawn_scoped(scope, || {
            // SAFETY: setns(2) with an open namespace descriptor; it moves only this thread.
            if unsafe { libc::setns(namespace.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
                return Err(io::Error::last_os_error());
            }
            work()
        })?;
        joined.join().map_err(|_| io::Error::other("a thread inside the link's namespace panicked"))?
    })
}

/// Writes a sysctl of the calling thread's network namespace (`/proc/sys/net/...` shows the
/// namespace of the thread that opens it).
pub fn set_sysctl(name: &str, value: &str) -> io::Result<()> {
    let path = format!("/proc/sys/{}", name.replace('.', "/"));
    let mut file = OpenOptions::new().write(true).open(&path)?;
    file.write_all(value.as_bytes()).map_err(|error| io::Error::new(error.kind(), format!("{path}: {error}")))
}

/// Turns IPv6 off for every interface made from now on in the calling thread's namespace, so
/// none of them sends duplicate address detection or router solicitations. A kernel without
/// IPv6 has nothing to turn off.
pub fn disable_ipv6() -> io::Result<()> {
    for name in ["net.ipv6.conf.all.disable_ipv6", "net.ipv6.conf.default.disable_ipv6"] {
        match set_sysctl(name, "1") {
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
            other => other?,
        }
    }
    Ok(())
}

/// The index of interface `name` in the calling thread's namespace.
pub fn interface_index(name: &str) -> io::Result<u32> {
    let name = std::ffi::CString::new(name).map_err(io::Error::other)?;
    // SAFETY: `name` is a NUL-terminated string that outlives the call.
    match unsafe { libc::if_nametoindex(name.as_ptr()) } {
        0 => Err(io::Error::last_os_error()),
        index => Ok(index),
    }
}

// <linux/ethtool.h>: the legacy one-value set commands, and their argument.
const ETHTOOL_STXCSUM: u32 = 0x17;
const ETHTOOL_STSO: u32 = 0x1f;
const ETHTOOL_SGSO: u32 = 0x24;
const ETHTOOL_SGRO: u32 = 0x2c;

/// struct ethtool_value { cmd: u32, data: u32 }.
#[repr(C)]
struct EthtoolValue {
    cmd: u32,
    data: u32,
}

/// Turns off transmit checksumming, TSO, GSO and GRO on interface `name` in the calling
/// thread's namespace: the kernel then cuts every packet to the MTU and fills its checksums
/// before the link sees it, so each frame read is a whole, valid wire frame.
pub fn offloads_off(name: &str) -> io::Result<()> {
    // SAFETY: a plain datagram socket, owned right away, used only for the ioctls below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is fresh and owned by nothing else.
    let socket = unsafe { OwnedFd::from_raw_fd(fd) };
    for cmd in [ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_SGRO, ETHTOOL_STXCSUM] {
        let mut value = EthtoolValue { cmd, data: 0 };
        // SAFETY: ifreq is plain data; all zeroes is valid.
        let mut request: libc::ifreq = unsafe { mem::zeroed() };
        // Names are checked shorter than IFNAMSIZ by the caller's constants; the NUL stays.
        for (slot, byte) in request.ifr_name.iter_mut().take(libc::IFNAMSIZ - 1).zip(name.bytes()) {
            *slot = byte as libc::c_char;
        }
        request.ifr_ifru.ifru_data = (&raw mut value).cast::<c_void>().cast();
        // SAFETY: SIOCETHTOOL reads the name and the ethtool_value that ifru_data points to,
        // both alive for the call.
        if unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCETHTOOL, &raw mut request) } != 0 {
            let error = io::Error::last_os_error();
            return Err(io::Error::new(error.kind(), format!("ethtool command {cmd:#x} on {name}: {error}")));
        }
    }
    Ok(())
}
