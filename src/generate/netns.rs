//! A private network namespace for the generators that need a kernel setting the host must
//! keep: TCP Fast Open's server side needs `net.ipv4.tcp_fastopen` = 3, and rttscope never
//! changes the host's value.
//!
//! `unshare(CLONE_NEWNET)` moves only the calling thread, so the namespace lives on one
//! thread made for it; threads it spawns, and sockets it opens (a capture's among them),
//! belong to the namespace. It disappears when the last of them is gone.

use std::io;
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::thread;

use thiserror::Error;

use super::tfo;

/// Why no private namespace could be made.
#[derive(Debug, Error)]
pub enum NetnsError {
    #[error("cannot make a private network namespace: {0}")]
    Unshare(io::Error),
    #[error("cannot bring up the namespace's loopback interface: {0}")]
    Loopback(io::Error),
    #[error("cannot set net.ipv4.tcp_fastopen inside the namespace: {0}")]
    Sysctl(io::Error),
    #[error("cannot start a thread for the namespace: {0}")]
    Thread(io::Error),
    #[error("the namespace's thread panicked")]
    Panicked,
}

/// Runs `work` on a new thread inside a new network namespace whose loopback is up and whose
/// `net.ipv4.tcp_fastopen` is 3.
pub fn in_private_netns<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, NetnsError> {
    let thread = thread::Builder::new()
        .name("rttscope-netns".into())
        .spawn(move || {
            enter_new_namespace()?;
            Ok(work())
        })
        .map_err(NetnsError::Thread)?;
    thread.join().map_err(|_| NetnsError::Panicked)?
}

fn enter_new_namespace() -> Result<(), NetnsError> {
    // SAFETY: unshare(2) with a flag constant; it affects only this thread.
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        return Err(NetnsError::Unshare(io::Error::last_os_error()));
    }
    loopback_up().map_err(NetnsError::Loopback)?;
    tfo::set_fast_open(3).map_err(NetnsError::Sysctl)
}

/// Sets IFF_UP on `lo`: a new namespace starts with its loopback down.
fn loopback_up() -> io::Result<()> {
    // SAFETY: a plain datagram socket, owned right away, used only for the ioctls below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is fresh and owned by nothing else.
    let socket = unsafe { OwnedFd::from_raw_fd(fd) };
    let fd = socket.as_raw_fd();
    // SAFETY: ifreq is plain data; all zeroes is valid.
    let mut request: libc::ifreq = unsafe { mem::zeroed() };
    for (slot, byte) in request.ifr_name.iter_mut().zip(b"lo\0") {
        *slot = *byte as libc::c_char;
    }
    // SAFETY: `request` names an interface and is valid for the kernel to read and write.
    if unsafe { libc::ioctl(fd, libc::SIOCGIFFLAGS, &raw mut request) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: SIOCGIFFLAGS filled the flags member of the union.
    unsafe { request.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short };
    // SAFETY: as above.
    if unsafe { libc::ioctl(fd, libc::SIOCSIFFLAGS, &raw mut request) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
