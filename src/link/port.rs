//! One side of the emulator: an AF_PACKET socket bound to a veth end in the middle namespace,
//! reading every frame that arrives on it and writing frames out of it.
//!
//! Invariant: a port never reads back a frame it wrote (PACKET_IGNORE_OUTGOING), so every frame
//! it reads came from the host at the other end of its veth pair.

use std::io;
use std::mem;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use libc::{c_int, c_void, socklen_t};

use crate::sys::{received_at, set_option};

/// <linux/if_packet.h>: drop the socket's own transmitted frames from its receive queue.
const PACKET_IGNORE_OUTGOING: c_int = 23;

/// Room asked for in each direction: a few thousand frames of burst.
const BUFFER_BYTES: c_int = 4 << 20;

/// A bound packet socket, made in the calling thread's namespace.
pub struct Port {
    fd: OwnedFd,
}

/// A frame read: how many bytes landed in the buffer, how long it was on the wire, and when
/// the kernel received it (`CLOCK_REALTIME` nanoseconds), if it said.
pub struct Read {
    pub captured: usize,
    pub orig_len: usize,
    pub received_ns: Option<i64>,
}

impl Port {
    /// Opens a raw packet socket on interface `index` (which must be up), non-blocking.
    pub fn open(index: u32) -> io::Result<Self> {
        let kind = libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK;
        // Protocol 0 receives nothing until `bind` names protocol and interface.
        // SAFETY: plain system call with constant arguments.
        let fd = unsafe { libc::socket(libc::AF_PACKET, kind, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        set_option(&fd, libc::SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)?;
        // The kernel's receive time is when the frame reached the link, however late the
        // emulator thread wakes to read it.
        set_option(&fd, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1)?;
        // SO_*BUFFORCE needs CAP_NET_ADMIN over the host; in a user namespace the plain
        // options still raise the buffers up to the host's limits.
        set_option(&fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, BUFFER_BYTES)
            .or_else(|_| set_option(&fd, libc::SOL_SOCKET, libc::SO_RCVBUF, BUFFER_BYTES))?;
        set_option(&fd, libc::SOL_SOCKET, libc::SO_SNDBUFFORCE, BUFFER_BYTES)
            .or_else(|_| set_option(&fd, libc::SOL_SOCKET, libc::SO_SNDBUF, BUFFER_BYTES))?;
        // SAFETY: sockaddr_ll is plain data, for which all zeroes is valid.
        let mut address: libc::sockaddr_ll = unsafe { mem::zeroed() };
        address.sll_family = libc::AF_PACKET as u16;
        address.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
        address.sll_ifindex = c_int::try_from(index).map_err(io::Error::other)?;
        // SAFETY: `address` is a sockaddr_ll and the length says so.
        let bound = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&raw const address).cast::<libc::sockaddr>(),
                mem::size_of::<libc::sockaddr_ll>() as socklen_t,
            )
        };
        if bound != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Self { fd })
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        // `as_fd` through the trait would need an import at every caller.
        std::os::fd::AsFd::as_fd(&self.fd)
    }

    /// Reads the next waiting frame into `buffer`; `None` when none is waiting.
    pub fn recv(&self, buffer: &mut [u8]) -> io::Result<Option<Read>> {
        let mut iov = libc::iovec { iov_base: buffer.as_mut_ptr().cast::<c_void>(), iov_len: buffer.len() };
        // Room for one SCM_TIMESTAMPNS message, in u64s so the headers in it are aligned.
        let mut control = [0u64; 8];
        // SAFETY: msghdr is plain data, for which all zeroes is a valid value.
        let mut message: libc::msghdr = unsafe { mem::zeroed() };
        message.msg_iov = &mut iov;
        message.msg_iovlen = 1;
        message.msg_control = control.as_mut_ptr().cast::<c_void>();
        message.msg_controllen = mem::size_of_val(&control) as _;
        loop {
            // MSG_TRUNC makes the result the frame's whole length even when the buffer is short.
            // SAFETY: every pointer in `message` points to a live buffer of the length stated
            // beside it, all of which outlive the call.
            let length = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut message, libc::MSG_TRUNC) };
            match usize::try_from(length) {
                Ok(orig_len) => {
                    let captured = orig_len.min(buffer.len());
                    return Ok(Some(Read { captured, orig_len, received_ns: received_at(&message) }));
                }
                Err(_) => match io::Error::last_os_error() {
                    error if error.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                    error if error.kind() == io::ErrorKind::Interrupted => continue,
                    error => return Err(error),
                },
            }
        }
    }

    /// Writes `frame` (a whole Ethernet frame) out of the interface.
    pub fn send(&self, frame: &[u8]) -> io::Result<()> {
        loop {
            // SAFETY: `frame` is readable for its length.
            let sent =
                unsafe { libc::send(self.fd.as_raw_fd(), frame.as_ptr().cast::<c_void>(), frame.len(), 0) };
            if sent >= 0 {
                return Ok(());
            }
            match io::Error::last_os_error() {
                error if error.kind() == io::ErrorKind::Interrupted => continue,
                error => return Err(error),
            }
        }
    }
}
