//! The link's namespaces and interfaces: client `c0` <-> `mc` middle `ms` <-> `s0` server.
//!
//! The client (10.77.0.1/24) and the server (10.77.0.2/24) share one subnet; the middle has no
//! address and forwards nothing itself: the emulator's two ports bridge its `mc` and `ms`.
//!
//! Invariant: nothing crosses but what the hosts send each other. IPv6 is off everywhere (no
//! duplicate address detection, no router solicitation), each host knows the other's MAC
//! address from a permanent neighbour entry (no ARP), and offloads are off on all four veth
//! ends, so every frame is at most MTU-sized with valid checksums.

use std::io;
use std::net::Ipv4Addr;
use std::os::fd::{AsFd, OwnedFd};

use super::netlink::{Netlink, VethEnd};
use super::netns;
use super::port::Port;
use super::{LinkConfig, LinkError};

pub const CLIENT_ADDR: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
pub const SERVER_ADDR: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 2);
const PREFIX_LEN: u8 = 24;
/// Locally administered MAC addresses ("rtt" in the middle bytes), fixed so that each host's
/// neighbour entry for the other can be written before any frame.
pub const CLIENT_MAC: [u8; 6] = [0x02, 0x72, 0x74, 0x74, 0x00, 0x01];
pub const SERVER_MAC: [u8; 6] = [0x02, 0x72, 0x74, 0x74, 0x00, 0x02];
pub const CLIENT_INTERFACE: &str = "c0";
pub const MIDDLE_CLIENT_INTERFACE: &str = "mc";
pub const MIDDLE_SERVER_INTERFACE: &str = "ms";
pub const SERVER_INTERFACE: &str = "s0";
/// The middle's ends take any frame a host could send; the link applies the MTU itself.
const MIDDLE_MTU: u32 = 65_535;

/// The namespaces built, and the emulator's two ports in the middle one.
pub struct Topology {
    pub client: OwnedFd,
    pub middle: OwnedFd,
    pub server: OwnedFd,
    pub client_port: Port,
    pub server_port: Port,
}

/// Builds the three namespaces and the two veth pairs between them.
pub fn build(config: &LinkConfig) -> Result<Topology, LinkError> {
    let client = new_namespace()?;
    let middle = new_namespace()?;
    let server = new_namespace()?;
    let failed = |step: &'static str| move |error: io::Error| LinkError::Failed(format!("{step}: {error}"));

    for (namespace, host) in [(&client, true), (&middle, false), (&server, true)] {
        netns::within(namespace, || {
            netns::disable_ipv6()?;
            if host {
                // TCP Fast Open as client and server, inside the namespace only.
                netns::set_sysctl("net.ipv4.tcp_fastopen", "3")
            } else {
                netns::set_sysctl("net.ipv4.ip_forward", "0")
            }
        })
        .map_err(failed("setting the link's sysctls"))?;
    }

    let (client_port, server_port) = netns::within(&middle, || {
        let mut netlink = Netlink::open()?;
        let pairs = [
            (MIDDLE_CLIENT_INTERFACE, CLIENT_INTERFACE, CLIENT_MAC, &client),
            (MIDDLE_SERVER_INTERFACE, SERVER_INTERFACE, SERVER_MAC, &server),
        ];
        let mut ports = Vec::with_capacity(2);
        for (middle_end, host_end, host_mac, host_namespace) in pairs {
            let local = VethEnd { name: middle_end, mtu: MIDDLE_MTU, mac: None };
            let peer = VethEnd { name: host_end, mtu: config.mtu, mac: Some(host_mac) };
            netlink
                .add_veth(&local, &peer, host_namespace.as_fd())
                .map_err(context("creating the veth pair"))?;
            netns::offloads_off(middle_end)?;
            let index = netns::interface_index(middle_end)?;
            netlink.set_up(index, None)?;
            ports.push(Port::open(index).map_err(context("opening the emulator's packet socket"))?);
        }
        let server_port = ports.pop().ok_or_else(|| io::Error::other("no server port"))?;
        let client_port = ports.pop().ok_or_else(|| io::Error::other("no client port"))?;
        Ok((client_port, server_port))
    })
    .map_err(failed("building the middle of the link"))?;

    let hosts = [
        (&client, CLIENT_INTERFACE, CLIENT_ADDR, SERVER_ADDR, SERVER_MAC),
        (&server, SERVER_INTERFACE, SERVER_ADDR, CLIENT_ADDR, CLIENT_MAC),
    ];
    for (namespace, interface, own_addr, peer_addr, peer_mac) in hosts {
        netns::within(namespace, || {
            let mut netlink = Netlink::open()?;
            netlink.set_up(netns::interface_index("lo")?, None).map_err(context("bringing lo up"))?;
            netns::offloads_off(interface)?;
            let index = netns::interface_index(interface)?;
            netlink.add_address(index, own_addr, PREFIX_LEN).map_err(context("adding the address"))?;
            netlink.add_neighbour(index, peer_addr, peer_mac).map_err(context("adding the neighbour"))?;
            netlink.set_up(index, None).map_err(context("bringing the interface up"))
        })
        .map_err(failed("configuring a host of the link"))?;
    }
    Ok(Topology { client, middle, server, client_port, server_port })
}

/// A new namespace; a refusal is reported as what is missing.
fn new_namespace() -> Result<OwnedFd, LinkError> {
    netns::create().map_err(|error| match error.raw_os_error() {
        Some(libc::EPERM | libc::EACCES) => LinkError::Unavailable(
            "making network namespaces needs root, or a user namespace of its own \
             (rttscope makes one for an ordinary user where the system allows it): run as root"
                .into(),
        ),
        _ => LinkError::Failed(format!("making a network namespace: {error}")),
    })
}

fn context(step: &'static str) -> impl Fn(io::Error) -> io::Error {
    move |error| io::Error::new(error.kind(), format!("{step}: {error}"))
}
