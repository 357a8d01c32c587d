//! The few socket calls that live capture, the emulated link and the generators all make,
//! wrapped once: an integer socket option, and the kernel's receive time of a packet read with
//! `recvmsg`. Each keeps its `unsafe` to the call itself.

use std::io;
use std::mem;
use std::os::fd::{AsFd, AsRawFd};

/// Sets an integer socket option.
pub(crate) fn set_option(
    fd: impl AsFd,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    // SAFETY: `value` is a readable c_int, its size is passed with it, and the descriptor is
    // borrowed for the call.
    let result = unsafe {
        libc::setsockopt(
            fd.as_fd().as_raw_fd(),
            level,
            name,
            (&raw const value).cast::<libc::c_void>(),
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if result == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// The kernel's receive time of a packet, in nanoseconds since the epoch, from the
/// SCM_TIMESTAMPNS control message of a `recvmsg` on a socket with SO_TIMESTAMPNS set.
pub(crate) fn received_at(message: &libc::msghdr) -> Option<i64> {
    // SAFETY: CMSG_LEN only computes a length from its argument.
    let wanted = unsafe { libc::CMSG_LEN(mem::size_of::<libc::timespec>() as u32) } as usize;
    // SAFETY: `message` was filled by recvmsg, which set msg_controllen to the bytes of
    // control messages it wrote; the CMSG_* functions stay within that length.
    let mut header = unsafe { libc::CMSG_FIRSTHDR(message) };
    while !header.is_null() {
        // SAFETY: a non-null header from CMSG_FIRSTHDR/CMSG_NXTHDR lies inside the buffer.
        let cmsg = unsafe { &*header };
        if cmsg.cmsg_level == libc::SOL_SOCKET
            && cmsg.cmsg_type == libc::SCM_TIMESTAMPNS
            && cmsg.cmsg_len as usize >= wanted
        {
            // SAFETY: the message's data holds a timespec (its length was checked above);
            // it may be unaligned, hence read_unaligned.
            let time = unsafe { std::ptr::read_unaligned(libc::CMSG_DATA(header).cast::<libc::timespec>()) };
            #[allow(clippy::useless_conversion, reason = "time_t and long are 32 bits on 32-bit targets")]
            let (seconds, nanos) = (i64::from(time.tv_sec), i64::from(time.tv_nsec));
            return Some(seconds.saturating_mul(1_000_000_000).saturating_add(nanos));
        }
        // SAFETY: as for CMSG_FIRSTHDR; `header` is a header of this message.
        header = unsafe { libc::CMSG_NXTHDR(message, header) };
    }
    None
}
