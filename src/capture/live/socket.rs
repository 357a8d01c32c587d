//! The AF_PACKET socket under a live capture, and the few libc calls around it.
//!
//! libc is used directly rather than pnet's datalink channel because a capture needs what that
//! channel hides: each packet's direction (`sll_pkttype`, to drop loopback's outgoing copy),
//! the kernel's nanosecond timestamp, its counters (`PACKET_STATISTICS`), a capture filter
//! (`SO_ATTACH_FILTER`) and a receive ring ([`ring`](super::ring)). The socket is opened on
//! the calling thread, so it belongs to that thread's network namespace.
//!
//! Invariants: a received packet never holds more than [`SNAPLEN`] bytes, link header
//! included; the filter and the ring are in place before the socket is bound, so no packet
//! is ever queued unfiltered or outside the ring.

use std::ffi::{CStr, CString};
use std::io;
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libc::{c_int, c_void, socklen_t};

use super::LiveError;
use super::ring::{Block, Ring, RingPacket};
use crate::capture::LinkType;
use crate::capture::filter::{self, BpfProgram};
use crate::sys::set_option;

/// Most bytes kept of one packet, link header included: tcpdump's default snapshot length,
/// and the largest record the crate's readers accept. A packet longer than this (a 64 KiB
/// GSO segment on loopback is the usual one) keeps its first bytes and its length on the wire.
pub const SNAPLEN: u32 = 262_144;

/// The Linux cooked (SLL v1) header put in front of packets of interfaces whose own link
/// header rttscope cannot describe.
const SLL_HEADER_LEN: usize = 16;

/// The interface name meaning "every interface", as in tcpdump.
pub const ANY: &str = "any";

const ARPHRD_RAWIP: u16 = 519;
const ARPHRD_TUNNEL: u16 = 768;
const ARPHRD_TUNNEL6: u16 = 769;
const ARPHRD_SIT: u16 = 776;

/// How packets of an interface begin, and so which kind of packet socket reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Framing {
    /// The kernel's bytes as they are (`SOCK_RAW`): Ethernet, or IP for tunnels.
    AsIs(LinkType),
    /// The network-layer packet (`SOCK_DGRAM`) behind a cooked header built here.
    Cooked,
}

impl Framing {
    /// The framing libpcap picks for a hardware type (`map_arphrd_to_dlt`), for the types
    /// rttscope dissects; every other type is read cooked.
    pub(super) fn for_hardware(arphrd: u16) -> Self {
        match arphrd {
            libc::ARPHRD_ETHER | libc::ARPHRD_LOOPBACK => Self::AsIs(LinkType::Ethernet),
            // tun devices and IP-in-IP tunnels have no link header: the bytes start with IP.
            libc::ARPHRD_NONE | ARPHRD_RAWIP | ARPHRD_TUNNEL | ARPHRD_TUNNEL6 | ARPHRD_SIT => {
                Self::AsIs(LinkType::Raw)
            }
            _ => Self::Cooked,
        }
    }

    pub(super) fn linktype(self) -> LinkType {
        match self {
            Self::AsIs(linktype) => linktype,
            Self::Cooked => LinkType::LinuxSll,
        }
    }

    fn socket_type(self) -> c_int {
        match self {
            Self::AsIs(_) => libc::SOCK_RAW,
            Self::Cooked => libc::SOCK_DGRAM,
        }
    }

    fn header_len(self) -> usize {
        match self {
            Self::AsIs(_) => 0,
            Self::Cooked => SLL_HEADER_LEN,
        }
    }
}

/// One packet as the kernel handed it over, borrowed from the ring.
pub(super) struct Received<'a> {
    pub ts_ns: i64,
    pub orig_len: u32,
    /// The Linux cooked header to put before `data`, for a socket that reads cooked.
    pub cooked_header: Option<[u8; SLL_HEADER_LEN]>,
    /// The bytes kept, at most [`SNAPLEN`] with the cooked header.
    pub data: &'a [u8],
    /// The kernel's copy of a packet this host sent (`PACKET_OUTGOING`) on a loopback device,
    /// which also shows the same packet again as received.
    pub loopback_echo: bool,
}

/// A bound packet socket and its receive ring.
pub(super) struct PacketSocket {
    /// Declared before `fd`: unmapped before the socket is closed.
    ring: Ring,
    fd: OwnedFd,
    framing: Framing,
}

/// Counters the kernel keeps for a packet socket since they were last read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct KernelCounts {
    /// Packets that passed the filter (`tp_packets`), dropped ones included.
    pub received: u64,
    /// Packets that passed the filter but found no room in the ring (`tp_drops`).
    pub dropped: u64,
}

impl PacketSocket {
    /// Opens a packet socket bound to `interface` (or to every interface for [`ANY`]), with
    /// nanosecond timestamps, a receive ring, and the capture filter `filter` (tcpdump's
    /// syntax) if one is given. Packets are queued from the moment this returns.
    pub(super) fn open(interface: &str, filter: Option<&str>) -> Result<Self, LiveError> {
        let os_error = |step| move |source| LiveError::os(interface, step, source);
        let index = interface_index(interface)?;
        // Protocol 0 receives nothing until `bind` names the protocol and the interface, so no
        // packet of another interface slips in before the bind.
        let probe = new_socket(libc::SOCK_RAW, interface)?;
        let framing = match index {
            0 => Framing::Cooked,
            _ => {
                let arphrd =
                    hardware_type(&probe, interface).map_err(os_error("reading the hardware type"))?;
                Framing::for_hardware(arphrd)
            }
        };
        let fd = match framing.socket_type() {
            libc::SOCK_RAW => probe,
            other => new_socket(other, interface)?,
        };
        // The ring stamps each packet with the time the kernel received it, once any socket has
        // asked for receive timestamps; this one does.
        set_option(&fd, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1)
            .map_err(os_error("enabling nanosecond timestamps"))?;
        if let Some(expression) = filter {
            let program = filter::compile(expression, framing.linktype(), SNAPLEN)?;
            let program = match framing {
                Framing::Cooked => program.for_cooked_socket(expression)?,
                Framing::AsIs(_) => program,
            };
            attach_filter(&fd, &program).map_err(os_error("attaching the capture filter"))?;
        }
        let ring = Ring::new(&fd).map_err(os_error("setting up the receive ring"))?;
        bind(&fd, index).map_err(os_error("binding to the interface"))?;
        match pending_error(&fd) {
            Ok(None) => {}
            Ok(Some(error)) if error.raw_os_error() == Some(libc::ENETDOWN) => {
                return Err(LiveError::InterfaceDown(interface.to_owned()));
            }
            Ok(Some(error)) | Err(error) => return Err(os_error("binding to the interface")(error)),
        }
        Ok(Self { ring, fd, framing })
    }

    pub(super) fn linktype(&self) -> LinkType {
        self.framing.linktype()
    }

    /// Waits up to `timeout` for a block of packets to read; `false` when none came (or a
    /// signal interrupted the wait, which the caller treats alike).
    pub(super) fn wait_readable(&self, timeout: Duration) -> io::Result<bool> {
        if self.ring.ready() {
            return Ok(true);
        }
        let mut poll = libc::pollfd { fd: self.fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        let millis = c_int::try_from(timeout.as_millis()).unwrap_or(c_int::MAX);
        // SAFETY: `poll` points to one valid pollfd, and the count says one.
        let ready = unsafe { libc::poll(&mut poll, 1, millis) };
        match ready {
            -1 => match io::Error::last_os_error() {
                error if error.kind() == io::ErrorKind::Interrupted => Ok(false),
                error => Err(error),
            },
            // An error the kernel set on the socket (the interface went away or down) ends
            // the capture, rather than waking every poll.
            _ if poll.revents & (libc::POLLERR | libc::POLLNVAL) != 0 => match pending_error(&self.fd)? {
                Some(error) => Err(error),
                None => Ok(self.ring.ready()),
            },
            _ => Ok(self.ring.ready()),
        }
    }

    /// The oldest block of packets the kernel has handed over, without waiting; `None` when
    /// there is none yet. The block goes back to the kernel when the result is dropped.
    pub(super) fn next_block(&mut self) -> Option<ReceivedBlock<'_>> {
        let framing = self.framing;
        self.ring.next_block().map(|block| ReceivedBlock { block, framing })
    }

    /// The kernel's counters since the last call (reading them resets them).
    pub(super) fn take_counts(&self) -> io::Result<KernelCounts> {
        let mut stats = libc::tpacket_stats_v3 { tp_packets: 0, tp_drops: 0, tp_freeze_q_cnt: 0 };
        let mut length = mem::size_of_val(&stats) as socklen_t;
        // SAFETY: `stats` is a writable tpacket_stats_v3 (what a TPACKET_V3 socket fills) and
        // `length` its size.
        let result = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_STATISTICS,
                (&raw mut stats).cast::<c_void>(),
                &mut length,
            )
        };
        if result != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(KernelCounts { received: u64::from(stats.tp_packets), dropped: u64::from(stats.tp_drops) })
    }
}

/// A block of the ring, read as packets of this socket's framing.
pub(super) struct ReceivedBlock<'r> {
    block: Block<'r>,
    framing: Framing,
}

impl ReceivedBlock<'_> {
    /// The block's packets, in arrival order.
    pub(super) fn packets(&self) -> impl Iterator<Item = Received<'_>> {
        let framing = self.framing;
        self.block.packets().map(move |packet| received(framing, packet))
    }
}

/// A packet of the ring as rttscope keeps it: cooked header added where the socket reads
/// cooked, cut to [`SNAPLEN`].
fn received(framing: Framing, packet: RingPacket<'_>) -> Received<'_> {
    let header_len = framing.header_len();
    let kept = packet.data.len().min(SNAPLEN as usize - header_len);
    Received {
        ts_ns: packet.ts_ns,
        orig_len: u32::try_from(packet.len as usize + header_len).unwrap_or(u32::MAX),
        cooked_header: (header_len > 0).then(|| cooked_header(&packet.from)),
        data: &packet.data[..kept],
        loopback_echo: packet.from.sll_pkttype == libc::PACKET_OUTGOING
            && packet.from.sll_hatype == libc::ARPHRD_LOOPBACK,
    }
}

/// Attaches a classic BPF program: the kernel runs it on each packet before the ring.
fn attach_filter(fd: &OwnedFd, program: &BpfProgram) -> io::Result<()> {
    let mut instructions: Vec<libc::sock_filter> =
        program.instructions().iter().copied().map(libc::sock_filter::from).collect();
    let len = u16::try_from(instructions.len())
        .map_err(|_| io::Error::other("the compiled filter is longer than the kernel takes"))?;
    let program = libc::sock_fprog { len, filter: instructions.as_mut_ptr() };
    // SAFETY: `program` points to `len` instructions that outlive the call, and the length
    // says it is a sock_fprog; the kernel copies the program.
    let result = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            (&raw const program).cast::<c_void>(),
            mem::size_of::<libc::sock_fprog>() as socklen_t,
        )
    };
    if result == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// The current time in nanoseconds since the Unix epoch, on the clock the kernel stamps
/// packets with (CLOCK_REALTIME).
pub(super) fn now_ns() -> i64 {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since_epoch.as_nanos()).unwrap_or(i64::MAX)
}

/// The Linux cooked header libpcap writes for a packet read from a `SOCK_DGRAM` packet socket.
///
/// ```text
/// packet_type(2) arphrd_type(2) address_length(2) address(8) protocol(2), big-endian
/// ```
/// (tcpdump.org linktypes/LINKTYPE_LINUX_SLL.html.)
fn cooked_header(from: &libc::sockaddr_ll) -> [u8; SLL_HEADER_LEN] {
    let mut header = [0; SLL_HEADER_LEN];
    header[0..2].copy_from_slice(&u16::from(from.sll_pkttype).to_be_bytes());
    header[2..4].copy_from_slice(&from.sll_hatype.to_be_bytes());
    header[4..6].copy_from_slice(&u16::from(from.sll_halen).to_be_bytes());
    let address_len = usize::from(from.sll_halen).min(from.sll_addr.len());
    header[6..6 + address_len].copy_from_slice(&from.sll_addr[..address_len]);
    // sll_protocol is already in network byte order.
    header[14..16].copy_from_slice(&from.sll_protocol.to_ne_bytes());
    header
}

/// The index of an interface, 0 for [`ANY`].
fn interface_index(interface: &str) -> Result<c_int, LiveError> {
    if interface == ANY {
        return Ok(0);
    }
    let missing = || LiveError::NoSuchInterface { name: interface.to_owned(), available: interface_names() };
    // A name with a NUL byte or longer than the kernel allows cannot name an interface.
    let name = CString::new(interface).map_err(|_| missing())?;
    if name.as_bytes().len() >= libc::IFNAMSIZ {
        return Err(missing());
    }
    // SAFETY: `name` is a NUL-terminated string that outlives the call.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if index != 0 {
        return c_int::try_from(index).map_err(|_| missing());
    }
    let error = io::Error::last_os_error();
    match error.raw_os_error() {
        Some(libc::ENODEV | libc::ENXIO) => Err(missing()),
        _ => Err(LiveError::os(interface, "looking up the interface", error)),
    }
}

/// The names of the interfaces in this thread's network namespace, in index order.
pub(super) fn interface_names() -> Vec<String> {
    // SAFETY: no arguments; returns a list to free with if_freenameindex, or null.
    let list = unsafe { libc::if_nameindex() };
    if list.is_null() {
        return Vec::new();
    }
    let mut names = Vec::new();
    let mut entry = list;
    loop {
        // SAFETY: the list ends with an entry whose index is 0 and name null; `entry` has not
        // gone past it.
        let current = unsafe { &*entry };
        if current.if_index == 0 || current.if_name.is_null() {
            break;
        }
        // SAFETY: a listed name is a NUL-terminated string owned by the list.
        names.push(unsafe { CStr::from_ptr(current.if_name) }.to_string_lossy().into_owned());
        // SAFETY: the terminating entry has not been reached, so the next one exists.
        entry = unsafe { entry.add(1) };
    }
    // SAFETY: `list` came from if_nameindex and is freed once; `names` holds copies.
    unsafe { libc::if_freenameindex(list) };
    names
}

fn new_socket(kind: c_int, interface: &str) -> Result<OwnedFd, LiveError> {
    // SAFETY: plain system call with constant arguments.
    let fd = unsafe { libc::socket(libc::AF_PACKET, kind | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        let error = io::Error::last_os_error();
        return Err(match error.raw_os_error() {
            Some(libc::EPERM | libc::EACCES) => LiveError::no_permission(interface),
            _ => LiveError::os(interface, "opening a packet socket", error),
        });
    }
    // SAFETY: `fd` is a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The ARPHRD_* hardware type of an interface, which says how its packets begin.
fn hardware_type(fd: &OwnedFd, interface: &str) -> io::Result<u16> {
    // SAFETY: ifreq is plain data, for which all zeroes is a valid value.
    let mut request: libc::ifreq = unsafe { mem::zeroed() };
    // The caller checked the name is shorter than IFNAMSIZ, so the NUL after it stays.
    for (slot, byte) in request.ifr_name.iter_mut().zip(interface.bytes()) {
        *slot = byte as libc::c_char;
    }
    // SAFETY: SIOCGIFHWADDR reads the name from and writes the address into `request`.
    let result = unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCGIFHWADDR, &mut request) };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: SIOCGIFHWADDR filled the union's hardware-address member.
    Ok(unsafe { request.ifr_ifru.ifru_hwaddr }.sa_family)
}

/// Binds the socket to every protocol (ETH_P_ALL) on one interface, or on all for index 0.
fn bind(fd: &OwnedFd, index: c_int) -> io::Result<()> {
    // SAFETY: sockaddr_ll is plain data, for which all zeroes is a valid value.
    let mut address: libc::sockaddr_ll = unsafe { mem::zeroed() };
    address.sll_family = libc::AF_PACKET as u16;
    address.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
    address.sll_ifindex = index;
    // SAFETY: `address` is a sockaddr_ll and the length says so.
    let result = unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&raw const address).cast::<libc::sockaddr>(),
            mem::size_of::<libc::sockaddr_ll>() as socklen_t,
        )
    };
    if result == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// An error the kernel set on the socket without failing a call: binding to an interface
/// that is down succeeds but leaves ENETDOWN here.
fn pending_error(fd: &OwnedFd) -> io::Result<Option<io::Error>> {
    let mut value: c_int = 0;
    let mut length = mem::size_of::<c_int>() as socklen_t;
    // SAFETY: `value` is a writable c_int and `length` its size.
    let result = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            (&raw mut value).cast::<c_void>(),
            &mut length,
        )
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((value != 0).then(|| io::Error::from_raw_os_error(value)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::sll;

    #[test]
    fn hardware_types_map_to_link_types_as_in_libpcap() {
        assert_eq!(Framing::for_hardware(libc::ARPHRD_ETHER).linktype(), LinkType::Ethernet);
        assert_eq!(Framing::for_hardware(libc::ARPHRD_LOOPBACK).linktype(), LinkType::Ethernet);
        // tun: no link header at all.
        assert_eq!(Framing::for_hardware(libc::ARPHRD_NONE).linktype(), LinkType::Raw);
        assert_eq!(Framing::for_hardware(ARPHRD_SIT).linktype(), LinkType::Raw);
        // PPP, IP-over-GRE, Wi-Fi monitor headers: read cooked.
        for arphrd in [libc::ARPHRD_PPP, libc::ARPHRD_IPGRE, libc::ARPHRD_IEEE80211_RADIOTAP] {
            assert_eq!(Framing::for_hardware(arphrd), Framing::Cooked);
            assert_eq!(Framing::Cooked.linktype(), LinkType::LinuxSll);
        }
    }

    #[test]
    fn a_cooked_header_reads_back_as_linux_sll() {
        // SAFETY: sockaddr_ll is plain data, for which all zeroes is a valid value.
        let mut from: libc::sockaddr_ll = unsafe { mem::zeroed() };
        from.sll_pkttype = libc::PACKET_OUTGOING;
        from.sll_hatype = libc::ARPHRD_PPP;
        from.sll_halen = 6;
        from.sll_addr = [2, 0xfc, 0, 0, 0, 1, 0xee, 0xee];
        from.sll_protocol = 0x86ddu16.to_be();
        let header = cooked_header(&from);
        assert_eq!(header, [0, 4, 0x02, 0x00, 0, 6, 2, 0xfc, 0, 0, 0, 1, 0, 0, 0x86, 0xdd]);
        let (rest, parsed) = sll::parse_v1(&header).expect("16 bytes");
        assert!(rest.is_empty());
        assert_eq!(
            (parsed.packet_type(), parsed.arphrd_type(), parsed.address_len(), parsed.protocol()),
            (4, 512, 6, 0x86dd)
        );
    }

    #[test]
    fn an_unknown_interface_lists_the_known_ones() {
        let names = interface_names();
        assert!(names.iter().any(|name| name == "lo"), "{names:?}");
        for bad in ["rttscope-none0", "a-name-longer-than-ifnamsiz", "nul\0"] {
            match interface_index(bad) {
                Err(LiveError::NoSuchInterface { name, available }) => {
                    assert_eq!((name.as_str(), &available), (bad, &names));
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert_eq!(interface_index(ANY).ok(), Some(0));
        assert!(interface_index("lo").is_ok_and(|index| index > 0));
    }
}
