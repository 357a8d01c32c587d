//! TCP Fast Open (RFC 7413) through the Linux socket API: the server's `TCP_FASTOPEN` queue,
//! the client's `TCP_FASTOPEN_CONNECT`, and `TCP_INFO` to check that the SYN's data was taken.

use std::fmt;
use std::io;
use std::mem;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;

use socket2::Socket;

use crate::sys::set_option;

/// Where the kernel keeps the setting.
const SYSCTL: &str = "/proc/sys/net/ipv4/tcp_fastopen";

/// `tcpi_options` bit: the SYN-ACK acknowledged the data sent in the SYN (linux/tcp.h).
const TCPI_OPT_SYN_DATA: u8 = 32;

/// The value of `net.ipv4.tcp_fastopen` in the calling thread's network namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FastOpenSetting(pub Option<u32>);

impl FastOpenSetting {
    /// Bit 1 lets clients send data in the SYN; bit 2 lets servers accept it.
    pub fn server_enabled(self) -> bool {
        self.0.is_some_and(|value| value & 2 != 0)
    }

    /// Both bits: a client and a server of this host can both use Fast Open.
    pub fn both_enabled(self) -> bool {
        self.0.is_some_and(|value| value & 3 == 3)
    }
}

impl fmt::Display for FastOpenSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(value) => write!(f, "{value}"),
            None => f.write_str("unreadable"),
        }
    }
}

/// Reads `net.ipv4.tcp_fastopen` as the calling thread sees it.
pub fn host_fast_open() -> FastOpenSetting {
    FastOpenSetting(std::fs::read_to_string(SYSCTL).ok().and_then(|text| text.trim().parse().ok()))
}

/// Sets `net.ipv4.tcp_fastopen` in the calling thread's namespace. Only ever called inside a
/// private namespace.
pub(super) fn set_fast_open(value: u32) -> io::Result<()> {
    std::fs::write(SYSCTL, format!("{value}\n"))
}

/// Lets a listening socket accept data in SYNs, queueing at most 16 such connections.
pub(super) fn enable_on_listener(listener: &TcpListener) -> io::Result<()> {
    set_option(listener, libc::IPPROTO_TCP, libc::TCP_FASTOPEN, 16)
}

/// Connects a client socket so that its first write goes out in the SYN (with the cookie the
/// kernel holds for `addr`; without one, the SYN asks for a cookie and the data follows the
/// handshake). With TCP_FASTOPEN_CONNECT the connect returns at once.
pub(super) fn connect(socket: Socket, addr: SocketAddr) -> io::Result<TcpStream> {
    set_option(&socket, libc::IPPROTO_TCP, libc::TCP_FASTOPEN_CONNECT, 1)?;
    socket.connect(&addr.into())?;
    Ok(socket.into())
}

/// True when the SYN-ACK acknowledged the data the client sent in its SYN.
pub(super) fn syn_data_acked(stream: &TcpStream) -> io::Result<bool> {
    // SAFETY: tcp_info is plain data; all zeroes is a valid value.
    let mut info: libc::tcp_info = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: `info` and `len` are valid for writes and `len` holds the buffer's size.
    let result = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&raw mut info).cast(),
            &raw mut len,
        )
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(info.tcpi_options & TCPI_OPT_SYN_DATA != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_bit_is_the_second() {
        assert!(FastOpenSetting(Some(3)).server_enabled());
        assert!(FastOpenSetting(Some(2)).server_enabled());
        assert!(!FastOpenSetting(Some(1)).server_enabled());
        assert!(!FastOpenSetting(None).server_enabled());
        assert!(FastOpenSetting(Some(3)).both_enabled());
        assert!(!FastOpenSetting(Some(2)).both_enabled());
        assert_eq!(FastOpenSetting(None).to_string(), "unreadable");
    }
}
