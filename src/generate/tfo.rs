//! TCP Fast Open (RFC 7413) through the Linux socket API: the server's `TCP_FASTOPEN` queue,
//! the client's `TCP_FASTOPEN_CONNECT`, and `TCP_INFO` to check that the SYN's data was taken.

use std::fmt;
use std::io;
use std::mem;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

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

fn setsockopt_int(fd: RawFd, level: libc::c_int, name: libc::c_int, value: libc::c_int) -> io::Result<()> {
    // SAFETY: `value` outlives the call and its size is passed with it.
    let result = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&raw const value).cast(),
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if result == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// Lets a listening socket accept data in SYNs, queueing at most 16 such connections.
pub(super) fn enable_on_listener(listener: &TcpListener) -> io::Result<()> {
    setsockopt_int(listener.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_FASTOPEN, 16)
}

/// Opens a client socket whose first write goes out in the SYN (with the cookie the kernel
/// holds for `addr`; without one, the SYN asks for a cookie and the data follows the
/// handshake).
pub(super) fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let SocketAddr::V4(v4) = addr else {
        return Err(io::Error::new(io::ErrorKind::Unsupported, "Fast Open generator speaks IPv4"));
    };
    // SAFETY: plain socket(2); the descriptor is owned right away.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh descriptor that nothing else owns.
    let socket = unsafe { OwnedFd::from_raw_fd(fd) };
    setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_FASTOPEN_CONNECT, 1)?;
    let sockaddr = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: v4.port().to_be(),
        sin_addr: libc::in_addr { s_addr: u32::from(*v4.ip()).to_be() },
        sin_zero: [0; 8],
    };
    // SAFETY: `sockaddr` is a valid sockaddr_in and its size is passed with it. With
    // TCP_FASTOPEN_CONNECT this returns at once; the SYN leaves with the first write.
    let result = unsafe {
        libc::connect(
            fd,
            (&raw const sockaddr).cast(),
            mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(TcpStream::from(socket))
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
