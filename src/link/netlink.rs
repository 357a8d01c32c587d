//! A small synchronous rtnetlink client: just the requests the link needs (a veth pair with its
//! peer in another namespace, a link's state and MTU, an IPv4 address, a permanent neighbour).
//!
//! Hand-written rather than a crate because these five requests are a few dozen bytes each, and
//! reading them beside the kernel's headers is easier than reading a generic message model.
//! A [`Netlink`] socket belongs to the network namespace of the thread that opened it, and every
//! request it sends applies there (a veth peer excepted, which goes where its request says).
//!
//! Invariant: each request waits for the kernel's acknowledgement, so when a call returns `Ok`
//! the change is made; when it returns an error, the kernel's errno is in it.

use std::io;
use std::mem;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use libc::c_void;

// <linux/netlink.h>
const NLMSG_HEADER_LEN: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_EXCL: u16 = 0x200;
const NLM_F_CREATE: u16 = 0x400;
// <linux/rtnetlink.h>
const RTM_NEWLINK: u16 = 16;
const RTM_NEWADDR: u16 = 20;
const RTM_NEWNEIGH: u16 = 28;
// <linux/if_link.h>
const IFLA_ADDRESS: u16 = 1;
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFLA_LINKINFO: u16 = 18;
const IFLA_NET_NS_FD: u16 = 28;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
// <linux/veth.h>
const VETH_INFO_PEER: u16 = 1;
// <linux/if_addr.h>
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
// <linux/neighbour.h>
const NDA_DST: u16 = 1;
const NDA_LLADDR: u16 = 2;
const NUD_PERMANENT: u16 = 0x80;

/// One end of a veth pair to create.
pub struct VethEnd<'a> {
    pub name: &'a str,
    pub mtu: u32,
    /// A fixed MAC address, or `None` for a random one.
    pub mac: Option<[u8; 6]>,
}

/// An open rtnetlink socket in the calling thread's network namespace.
pub struct Netlink {
    fd: OwnedFd,
    sequence: u32,
}

impl Netlink {
    pub fn open() -> io::Result<Self> {
        // SAFETY: plain system call with constant arguments.
        let fd = unsafe {
            libc::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, libc::NETLINK_ROUTE)
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: sockaddr_nl is plain data, for which all zeroes is valid (pid 0: the kernel
        // picks one; no multicast groups).
        let mut address: libc::sockaddr_nl = unsafe { mem::zeroed() };
        address.nl_family = libc::AF_NETLINK as u16;
        // SAFETY: `address` is a sockaddr_nl and the length says so.
        let bound = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&raw const address).cast::<libc::sockaddr>(),
                mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if bound != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Self { fd, sequence: 0 })
    }

    /// Creates a veth pair: `local` here, `peer` in the namespace `peer_namespace`.
    pub fn add_veth(
        &mut self,
        local: &VethEnd<'_>,
        peer: &VethEnd<'_>,
        peer_namespace: BorrowedFd<'_>,
    ) -> io::Result<()> {
        let mut message = Message::new(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        message.push(&if_info_msg(0, 0, 0));
        link_attributes(&mut message, local);
        let link_info = message.begin(IFLA_LINKINFO);
        message.attribute(IFLA_INFO_KIND, b"veth");
        let info_data = message.begin(IFLA_INFO_DATA);
        let veth_peer = message.begin(VETH_INFO_PEER);
        message.push(&if_info_msg(0, 0, 0));
        link_attributes(&mut message, peer);
        message.attribute(IFLA_NET_NS_FD, &peer_namespace.as_raw_fd().to_ne_bytes());
        message.end(veth_peer);
        message.end(info_data);
        message.end(link_info);
        self.request(message)
    }

    /// Brings the interface `index` up, and sets its MTU if one is given.
    pub fn set_up(&mut self, index: u32, mtu: Option<u32>) -> io::Result<()> {
        let mut message = Message::new(RTM_NEWLINK, 0);
        let up = libc::IFF_UP as u32;
        message.push(&if_info_msg(index, up, up));
        if let Some(mtu) = mtu {
            message.attribute(IFLA_MTU, &mtu.to_ne_bytes());
        }
        self.request(message)
    }

    /// Gives the interface `index` the address `address/prefix_len`.
    pub fn add_address(&mut self, index: u32, address: Ipv4Addr, prefix_len: u8) -> io::Result<()> {
        let mut message = Message::new(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
        // struct ifaddrmsg: family(8) prefixlen(8) flags(8) scope(8, universe) index(32)
        message.push(&[libc::AF_INET as u8, prefix_len, 0, 0]);
        message.push(&index.to_ne_bytes());
        message.attribute(IFA_LOCAL, &address.octets());
        message.attribute(IFA_ADDRESS, &address.octets());
        self.request(message)
    }

    /// Adds a permanent neighbour entry: `address` on interface `index` is at `mac`, so the
    /// kernel never asks for it with ARP.
    pub fn add_neighbour(&mut self, index: u32, address: Ipv4Addr, mac: [u8; 6]) -> io::Result<()> {
        let mut message = Message::new(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL);
        // struct ndmsg: family(8) pad(8) pad(16) ifindex(32) state(16) flags(8) type(8)
        message.push(&[libc::AF_INET as u8, 0, 0, 0]);
        message.push(&index.to_ne_bytes());
        let [state_0, state_1] = NUD_PERMANENT.to_ne_bytes();
        message.push(&[state_0, state_1, 0, 0]);
        message.attribute(NDA_DST, &address.octets());
        message.attribute(NDA_LLADDR, &mac);
        self.request(message)
    }

    /// Sends a request and waits for its acknowledgement.
    fn request(&mut self, mut message: Message) -> io::Result<()> {
        self.sequence = self.sequence.wrapping_add(1);
        let bytes = message.finish(self.sequence);
        // SAFETY: `bytes` is a readable buffer of the length given.
        let sent =
            unsafe { libc::send(self.fd.as_raw_fd(), bytes.as_ptr().cast::<c_void>(), bytes.len(), 0) };
        if usize::try_from(sent).ok() != Some(bytes.len()) {
            return Err(io::Error::last_os_error());
        }
        let mut reply = [0u8; 4096];
        loop {
            // SAFETY: `reply` is a writable buffer of the length given.
            let received = unsafe {
                libc::recv(self.fd.as_raw_fd(), reply.as_mut_ptr().cast::<c_void>(), reply.len(), 0)
            };
            let Ok(received) = usize::try_from(received) else {
                let error = io::Error::last_os_error();
                if error.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(error);
            };
            if let Some(outcome) = acknowledgement(reply.get(..received).unwrap_or_default(), self.sequence) {
                return outcome;
            }
        }
    }
}

/// The outcome an acknowledgement carries, if `reply` holds the one for request `sequence`.
///
/// ```text
/// nlmsghdr: len(32) type(16) flags(16) seq(32) pid(32); NLMSG_ERROR's body: error(i32) ...
/// ```
fn acknowledgement(reply: &[u8], sequence: u32) -> Option<io::Result<()>> {
    let mut rest = reply;
    while rest.len() >= NLMSG_HEADER_LEN {
        let word =
            |at: usize| rest.get(at..at + 4).and_then(|bytes| bytes.try_into().ok()).map(u32::from_ne_bytes);
        let len = usize::try_from(word(0)?).ok()?;
        let kind = u16::from_ne_bytes([*rest.get(4)?, *rest.get(5)?]);
        if kind == NLMSG_ERROR && word(8)? == sequence {
            let error = i32::from_ne_bytes(rest.get(16..20)?.try_into().ok()?);
            return Some(match error {
                0 => Ok(()),
                negative => Err(io::Error::from_raw_os_error(negative.saturating_neg())),
            });
        }
        rest = rest.get(align(len.max(NLMSG_HEADER_LEN))..)?;
    }
    None
}

/// struct ifinfomsg: family(8) pad(8) type(16) index(32) flags(32) change(32).
fn if_info_msg(index: u32, flags: u32, change: u32) -> [u8; 16] {
    let mut body = [0u8; 16];
    body[0] = libc::AF_UNSPEC as u8;
    body[4..8].copy_from_slice(&index.to_ne_bytes());
    body[8..12].copy_from_slice(&flags.to_ne_bytes());
    body[12..16].copy_from_slice(&change.to_ne_bytes());
    body
}

fn link_attributes(message: &mut Message, end: &VethEnd<'_>) {
    let mut name = end.name.as_bytes().to_vec();
    name.push(0);
    message.attribute(IFLA_IFNAME, &name);
    message.attribute(IFLA_MTU, &end.mtu.to_ne_bytes());
    if let Some(mac) = end.mac {
        message.attribute(IFLA_ADDRESS, &mac);
    }
}

/// Netlink aligns every header and attribute to 4 bytes.
fn align(len: usize) -> usize {
    len.saturating_add(3) & !3
}

/// A request being built: header, fixed body, then attributes (`rtattr`: len(16) type(16)
/// value, padded to 4), nested ones closed with [`Message::end`].
struct Message {
    bytes: Vec<u8>,
}

impl Message {
    fn new(kind: u16, flags: u16) -> Self {
        let mut bytes = vec![0u8; NLMSG_HEADER_LEN];
        bytes[4..6].copy_from_slice(&kind.to_ne_bytes());
        bytes[6..8].copy_from_slice(&(flags | NLM_F_REQUEST | NLM_F_ACK).to_ne_bytes());
        Self { bytes }
    }

    fn push(&mut self, body: &[u8]) {
        self.bytes.extend_from_slice(body);
        self.bytes.resize(align(self.bytes.len()), 0);
    }

    fn attribute(&mut self, kind: u16, value: &[u8]) {
        let len = u16::try_from(4 + value.len()).unwrap_or(u16::MAX);
        self.bytes.extend_from_slice(&len.to_ne_bytes());
        self.bytes.extend_from_slice(&kind.to_ne_bytes());
        self.push(value);
    }

    /// Opens a nested attribute; returns where it starts, for [`Message::end`].
    fn begin(&mut self, kind: u16) -> usize {
        let start = self.bytes.len();
        self.attribute(kind, &[]);
        start
    }

    fn end(&mut self, start: usize) {
        let len = u16::try_from(self.bytes.len() - start).unwrap_or(u16::MAX);
        if let Some(slot) = self.bytes.get_mut(start..start + 2) {
            slot.copy_from_slice(&len.to_ne_bytes());
        }
    }

    fn finish(&mut self, sequence: u32) -> &[u8] {
        let len = u32::try_from(self.bytes.len()).unwrap_or(u32::MAX);
        self.bytes[0..4].copy_from_slice(&len.to_ne_bytes());
        self.bytes[8..12].copy_from_slice(&sequence.to_ne_bytes());
        &self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nested_attribute_counts_everything_inside_it() {
        let mut message = Message::new(RTM_NEWLINK, NLM_F_CREATE);
        message.push(&if_info_msg(0, 0, 0));
        let outer = message.begin(IFLA_LINKINFO);
        message.attribute(IFLA_INFO_KIND, b"veth"); // 4 + 4 bytes
        let inner = message.begin(IFLA_INFO_DATA);
        message.attribute(IFLA_MTU, &1500u32.to_ne_bytes()); // 4 + 4 bytes
        message.end(inner);
        message.end(outer);
        let bytes = message.finish(7).to_vec();
        assert_eq!(bytes.len(), 16 + 16 + 4 + 8 + 4 + 8);
        assert_eq!(u32::from_ne_bytes(bytes[0..4].try_into().unwrap()), bytes.len() as u32);
        assert_eq!(u16::from_ne_bytes([bytes[6], bytes[7]]), NLM_F_CREATE | NLM_F_REQUEST | NLM_F_ACK);
        assert_eq!(u32::from_ne_bytes(bytes[8..12].try_into().unwrap()), 7);
        // IFLA_LINKINFO at 32: length 4 + 8 + 12.
        assert_eq!(u16::from_ne_bytes([bytes[32], bytes[33]]), 24);
        assert_eq!(u16::from_ne_bytes([bytes[34], bytes[35]]), IFLA_LINKINFO);
        // IFLA_INFO_DATA at 44: length 4 + 8.
        assert_eq!(u16::from_ne_bytes([bytes[44], bytes[45]]), 12);
    }

    #[test]
    fn an_acknowledgement_is_read_for_its_own_request_only() {
        let ack = |sequence: u32, error: i32| {
            let mut reply = 36u32.to_ne_bytes().to_vec();
            reply.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
            reply.extend_from_slice(&[0, 0]);
            reply.extend_from_slice(&sequence.to_ne_bytes());
            reply.extend_from_slice(&[0; 4]);
            reply.extend_from_slice(&error.to_ne_bytes());
            reply.extend_from_slice(&[0; 16]); // the request's header, echoed
            reply
        };
        assert!(matches!(acknowledgement(&ack(3, 0), 3), Some(Ok(()))));
        let failed = acknowledgement(&ack(3, -libc::EEXIST), 3);
        assert_eq!(failed.and_then(Result::err).and_then(|error| error.raw_os_error()), Some(libc::EEXIST));
        assert!(acknowledgement(&ack(2, 0), 3).is_none());
        let mut two = ack(2, 0);
        two.extend(ack(3, -libc::EPERM));
        assert!(matches!(acknowledgement(&two, 3), Some(Err(_))));
        // Truncated replies are not acknowledgements.
        for cut in 0..20 {
            assert!(acknowledgement(&ack(3, 0)[..cut], 3).is_none());
        }
    }
}
