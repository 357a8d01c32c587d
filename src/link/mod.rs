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
//! [`Link`] is dropped or finished, whatever happened in between.

mod classify;
pub mod config;
mod host;
pub mod schedule;

use thiserror::Error;

pub use config::{DropRule, LinkConfig};
pub use host::{Host, Hosts};

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
}

impl Link {
    /// Builds the namespaces and interfaces and starts the emulator.
    pub fn start(config: &LinkConfig) -> Result<Self, LinkError> {
        let _ = config;
        Err(LinkError::Unavailable("not built yet".into()))
    }

    /// Where the client and the server live.
    pub fn hosts(&self) -> &Hosts {
        &self.hosts
    }

    /// Stops the emulator, takes the link down, and returns what it recorded.
    pub fn finish(self) -> Result<LinkCapture, LinkError> {
        Ok(LinkCapture::default())
    }
}

/// Moves the whole process into a new user namespace where it may build network namespaces,
/// for a user without root. Must run before the process starts any thread; as root it does
/// nothing.
pub fn enter_user_namespace() -> Result<(), LinkError> {
    Err(LinkError::Unavailable("not built yet".into()))
}
