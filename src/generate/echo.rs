//! The two generators that are not HTTP: ICMP echo (ping) and a UDP echo exchange, three
//! round trips each. The client's socket is made in the client host's namespace, the UDP
//! server's in the server host's, by the calling thread; the exchange then runs on a thread
//! that holds no privilege. Ping's replies come from the server host's kernel.

use std::io;
use std::mem;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::{Flow, GenError, Host, Hosts, Report, STEP_TIMEOUT, step_failed};
use crate::dissect::checksum;

/// Echo requests (or datagrams) per run.
const ROUNDS: u16 = 3;

/// UDP: a client sends three numbered datagrams; the server sends each back.
pub(super) fn udp(report: &mut Report, hosts: &Hosts) -> Result<(), GenError> {
    let variant = report.variant;
    let fail = |step: &'static str| move |error: io::Error| GenError::new(variant, step, step_failed(&error));
    let server = bind_udp(&hosts.server).map_err(fail("binding the server"))?;
    let client = bind_udp(&hosts.client).map_err(fail("binding the client"))?;
    for socket in [&server, &client] {
        socket.set_read_timeout(Some(STEP_TIMEOUT)).map_err(fail("setting a timeout"))?;
    }
    let addr = server.local_addr().map_err(fail("binding the server"))?;
    report.flows.push(Flow::Udp(addr.port()));
    // The exchange reads what the other side sent: on a thread that holds no privilege.
    let exchange = super::as_peer(format!("{variant} peers"), || {
        let mut buf = [0u8; 64];
        for seq in 1..=ROUNDS {
            let message = format!("rttscope echo {seq}");
            client.send_to(message.as_bytes(), addr).map_err(fail("sending a datagram"))?;
            let (n, from) = server.recv_from(&mut buf).map_err(fail("receiving at the server"))?;
            server.send_to(&buf[..n], from).map_err(fail("echoing"))?;
            let n = client.recv(&mut buf).map_err(fail("receiving the echo"))?;
            if &buf[..n] != message.as_bytes() {
                return Err(GenError::new(
                    variant,
                    "receiving the echo",
                    "the echo differs from what was sent",
                ));
            }
            report.connections += 1;
        }
        report.evidence.push(format!("{ROUNDS} datagrams echoed"));
        Ok(())
    });
    exchange.unwrap_or_else(|(step, detail)| Err(GenError::new(variant, step, detail)))
}

/// A UDP socket made in `host`'s namespace, on its address and a port the kernel picks.
fn bind_udp(host: &Host) -> io::Result<UdpSocket> {
    let addr = SocketAddr::new(host.addr, 0);
    host.enter(|| UdpSocket::bind(addr))?
}

/// The IPv4 address ICMP echo needs.
fn ipv4(addr: IpAddr) -> io::Result<Ipv4Addr> {
    match addr {
        IpAddr::V4(addr) => Ok(addr),
        IpAddr::V6(_) => Err(io::Error::new(io::ErrorKind::Unsupported, "the ping generator speaks IPv4")),
    }
}

/// Ping the server host: three echo requests, each waiting for its reply, answered by the
/// server host's kernel. Uses an unprivileged ICMP socket where `net.ipv4.ping_group_range`
/// allows it, else a raw socket (root or CAP_NET_RAW).
pub(super) fn ping(report: &mut Report, hosts: &Hosts) -> Result<(), GenError> {
    let variant = report.variant;
    let fail = |step: &'static str| move |error: io::Error| GenError::new(variant, step, step_failed(&error));
    let (from, to) = ipv4(hosts.client.addr)
        .and_then(|from| Ok((from, ipv4(hosts.server.addr)?)))
        .map_err(fail("opening an ICMP socket"))?;
    let opened = hosts.client.enter(|| match icmp_socket(libc::SOCK_DGRAM, from) {
        Ok(socket) => Ok((socket, false)),
        Err(_) => icmp_socket(libc::SOCK_RAW, from).map(|socket| (socket, true)),
    });
    let (socket, raw) = match opened.and_then(|opened| opened) {
        Ok(opened) => opened,
        Err(error) => {
            return Err(GenError::new(
                variant,
                "opening an ICMP socket",
                format!(
                    "{error} (needs net.ipv4.ping_group_range to include this group, or \
                     CAP_NET_RAW: run as root)"
                ),
            ));
        }
    };
    // A datagram ICMP socket has its identifier set by the kernel; a raw one uses ours.
    let ident = if raw {
        (std::process::id() & 0xffff) as u16
    } else {
        local_port(&socket).map_err(fail("opening an ICMP socket"))?
    };
    report.flows.push(Flow::Echo(ident));
    // Replies are read (a raw socket reads every ICMP message of its namespace) on a thread
    // that holds no privilege; the socket is made already.
    let exchange = super::as_peer(format!("{variant} client"), || {
        for seq in 1..=ROUNDS {
            let request = echo_request(ident, seq);
            send_to(&socket, to, &request).map_err(fail("sending an echo request"))?;
            wait_for_reply(&socket, raw, ident, seq).map_err(fail("waiting for the echo reply"))?;
            report.connections += 1;
        }
        report.evidence.push(format!("{ROUNDS} echo replies"));
        Ok(())
    });
    exchange.unwrap_or_else(|(step, detail)| Err(GenError::new(variant, step, detail)))
}

/// An ICMP socket of `kind`; a datagram one is bound to `from`.
fn icmp_socket(kind: libc::c_int, from: Ipv4Addr) -> io::Result<UdpSocket> {
    // SAFETY: plain socket(2); the descriptor is owned right away.
    let fd = unsafe { libc::socket(libc::AF_INET, kind | libc::SOCK_CLOEXEC, libc::IPPROTO_ICMP) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is fresh and owned by nothing else. UdpSocket is only a datagram-socket
    // wrapper here: send, recv and timeouts work the same on ICMP sockets.
    let socket = UdpSocket::from(unsafe { OwnedFd::from_raw_fd(fd) });
    socket.set_read_timeout(Some(STEP_TIMEOUT))?;
    if kind == libc::SOCK_DGRAM {
        // Bind so the kernel picks the identifier now, and we can read it back.
        bind(&socket, from)?;
    }
    Ok(socket)
}

fn sockaddr(addr: Ipv4Addr, port: u16) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr { s_addr: u32::from(addr).to_be() },
        sin_zero: [0; 8],
    }
}

fn bind(socket: &UdpSocket, from: Ipv4Addr) -> io::Result<()> {
    let addr = sockaddr(from, 0);
    // SAFETY: `addr` is a valid sockaddr_in and its size is passed with it.
    let result = unsafe {
        libc::bind(socket.as_raw_fd(), (&raw const addr).cast(), mem::size_of_val(&addr) as libc::socklen_t)
    };
    if result == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

fn local_port(socket: &UdpSocket) -> io::Result<u16> {
    // SAFETY: sockaddr_in is plain data; all zeroes is valid.
    let mut addr: libc::sockaddr_in = unsafe { mem::zeroed() };
    let mut len = mem::size_of_val(&addr) as libc::socklen_t;
    // SAFETY: `addr` and `len` are valid for writes; `len` holds the buffer's size.
    let result = unsafe { libc::getsockname(socket.as_raw_fd(), (&raw mut addr).cast(), &raw mut len) };
    if result == 0 { Ok(u16::from_be(addr.sin_port)) } else { Err(io::Error::last_os_error()) }
}

fn send_to(socket: &UdpSocket, to: Ipv4Addr, message: &[u8]) -> io::Result<()> {
    let addr = sockaddr(to, 0);
    // SAFETY: `message` and `addr` are valid for reads of the lengths passed.
    let sent = unsafe {
        libc::sendto(
            socket.as_raw_fd(),
            message.as_ptr().cast(),
            message.len(),
            0,
            (&raw const addr).cast(),
            mem::size_of_val(&addr) as libc::socklen_t,
        )
    };
    if sent < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
}

/// An echo request as Linux's ping makes it: the send time (struct timeval, 16 bytes) then
/// the bytes 0x10, 0x11, ... up to 56 bytes of data.
fn echo_request(ident: u16, seq: u16) -> Vec<u8> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let mut message = vec![8, 0, 0, 0];
    message.extend_from_slice(&ident.to_be_bytes());
    message.extend_from_slice(&seq.to_be_bytes());
    message.extend_from_slice(&now.as_secs().to_le_bytes());
    message.extend_from_slice(&u64::from(now.subsec_micros()).to_le_bytes());
    message.extend((0x10u8..).take(56 - 16));
    let checksum = !checksum::fold(checksum::add(0, &message));
    message[2..4].copy_from_slice(&checksum.to_be_bytes());
    message
}

/// Reads until the reply to `seq` arrives. A raw socket also sees our own requests (and any
/// other ICMP on the host) and each packet with its IP header; a datagram socket sees only
/// replies to itself, without the IP header.
fn wait_for_reply(socket: &UdpSocket, raw: bool, ident: u16, seq: u16) -> io::Result<()> {
    let mut buf = [0u8; 1500];
    // One deadline for the reply: other ICMP on the host must not keep the wait going.
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        socket.set_read_timeout(Some(left))?;
        let n = socket.recv(&mut buf)?;
        let icmp = if raw {
            let header = usize::from(buf[0] & 0x0f) * 4;
            buf.get(header..n).unwrap_or_default()
        } else {
            &buf[..n]
        };
        let reply = icmp.len() >= 8 && icmp[0] == 0;
        // A datagram socket only ever sees its own replies.
        let ours = !raw || icmp.get(4..6) == Some(&ident.to_be_bytes()[..]);
        if reply && ours && icmp.get(6..8) == Some(&seq.to_be_bytes()[..]) {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_requests_carry_a_valid_checksum() {
        let request = echo_request(0x1234, 7);
        assert_eq!(request.len(), 64);
        assert_eq!(&request[4..8], &[0x12, 0x34, 0, 7]);
        assert!(checksum::verifies(0, &request), "a correct checksum sums to zero");
        assert_eq!(request[24], 0x10);
    }
}
