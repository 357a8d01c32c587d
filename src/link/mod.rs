//! An emulated network link, so a round trip costs real milliseconds.
//!
//! This kernel has no netem, so the link is built in user space: the client and the server each
//! live in a network namespace of their own, joined through a middle namespace where one
//! emulator thread moves every frame from one side to the other after the configured delay,
//! jitter, rate and queue, dropping what the loss draw, the queue, the MTU or a `--drop` rule
//! says to drop. The emulator is also the capture: it records each frame on the client side and
//! on the server side, on one clock, so a message's send and arrival times are both measured.
//!
//! Invariant: everything [`Link::start`] builds (namespaces, interfaces, threads) is gone once the
//! [`Link`] is dropped or finished, whatever happened in between; a [`Host`] cloned from it
//! keeps its own namespace (and the veth end in it) until that clone is dropped too. Nothing is
//! named in the file system, so even a killed process leaves nothing behind.

mod classify;
pub mod config;
pub mod crossing;
mod emulator;
mod host;
mod netlink;
mod netns;
mod port;
pub mod schedule;
mod topology;
mod userns;

use std::net::IpAddr;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::thread::JoinHandle;

use thiserror::Error;

pub use config::{DropRule, LinkConfig};
pub use host::{Host, Hosts};
pub use topology::{
    CLIENT_ADDR, CLIENT_INTERFACE, CLIENT_MAC, MIDDLE_CLIENT_INTERFACE, MIDDLE_SERVER_INTERFACE, SERVER_ADDR,
    SERVER_INTERFACE, SERVER_MAC,
};

use crate::capture::LivePacket;

/// Why a link could not be built or run.
#[derive(Debug, Error)]
pub enum LinkError {
    /// The kernel or the privileges at hand do not allow it; the message says what is missing.
    #[error("cannot build the emulated link: {0}")]
    Unavailable(String),
    #[error("the emulated link failed: {0}")]
    Failed(String),
}

/// What the emulator did with the frames it saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Frames delivered to the other side.
    pub forwarded: u64,
    /// Frames dropped by the `--loss` draw.
    pub lost: u64,
    /// Frames dropped because the queue was full.
    pub queue_drops: u64,
    /// Frames longer than the MTU, never delivered.
    pub too_big: u64,
    /// Frames dropped by the `--drop` rule.
    pub dropped_by_rule: u64,
}

/// The frames the emulator recorded, on each side of the link, on one clock.
#[derive(Debug, Default)]
pub struct LinkCapture {
    /// Frames as the client's interface sent and received them (Ethernet).
    pub client_side: Vec<LivePacket>,
    /// Frames as the server's interface sent and received them (Ethernet).
    pub server_side: Vec<LivePacket>,
    pub stats: LinkStats,
}

/// A running emulated link between a client host and a server host.
pub struct Link {
    hosts: Hosts,
    /// The emulator, until the link is finished.
    running: Option<Running>,
}

struct Running {
    stop: Arc<OwnedFd>,
    emulator: JoinHandle<Result<LinkCapture, LinkError>>,
    /// Keeps the middle namespace for as long as the link runs (the emulator's sockets do too).
    _middle: OwnedFd,
}

impl Link {
    /// Builds the namespaces and interfaces and starts the emulator.
    pub fn start(config: &LinkConfig) -> Result<Self, LinkError> {
        if !(68..=65_535).contains(&config.mtu) {
            return Err(LinkError::Failed(format!("an MTU of {} bytes is outside 68 to 65535", config.mtu)));
        }
        let built = topology::build(config)?;
        let stop = Arc::new(
            emulator::stop_event()
                .map_err(|error| LinkError::Failed(format!("making the stop event: {error}")))?,
        );
        let clock = emulator::Clock::start();
        let schedule = schedule::Schedule::new(config);
        let emulator =
            emulator::Emulator::new(built.client_port, built.server_port, schedule, clock, stop.clone())
                .spawn()
                .map_err(|error| LinkError::Failed(format!("starting the emulator thread: {error}")))?;
        let hosts = Hosts {
            client: Host::in_namespace(IpAddr::V4(CLIENT_ADDR), built.client),
            server: Host::in_namespace(IpAddr::V4(SERVER_ADDR), built.server),
        };
        Ok(Self { hosts, running: Some(Running { stop, emulator, _middle: built.middle }) })
    }

    /// Where the client and the server live.
    pub fn hosts(&self) -> &Hosts {
        &self.hosts
    }

    /// Stops the emulator, takes the link down, and returns what it recorded.
    pub fn finish(mut self) -> Result<LinkCapture, LinkError> {
        match self.running.take() {
            Some(running) => running.stop(),
            None => Ok(LinkCapture::default()),
        }
    }
}

impl Running {
    fn stop(self) -> Result<LinkCapture, LinkError> {
        emulator::signal_stop(&self.stop);
        self.emulator.join().map_err(|_| LinkError::Failed("the emulator thread panicked".into()))?
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.stop();
        }
    }
}

/// Moves the whole process into a new user namespace where it may build network namespaces,
/// for a user without root. Must run before the process starts any thread; as root it does
/// nothing.
pub fn enter_user_namespace() -> Result<(), LinkError> {
    userns::enter()
}
