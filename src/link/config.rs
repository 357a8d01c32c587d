//! What the emulated link does to each packet: delay, jitter, loss, rate, MTU, queue, and one
//! chosen packet dropped once. Parsed and checked from the command line before any traffic.

use std::time::Duration;

/// The link's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkConfig {
    /// Round-trip time: each direction delays a packet by half of it.
    pub rtt: Duration,
    /// Up to this much more delay per packet, drawn from the seeded generator.
    pub jitter: Duration,
    /// Percentage of packets lost, 0 to 100, drawn from the seeded generator.
    pub loss_percent: f64,
    /// Bits per second each direction carries; `None` for no limit.
    pub rate_bps: Option<u64>,
    /// The largest IP packet the link carries, in bytes.
    pub mtu: u32,
    /// Packets each direction may hold waiting; more are tail-dropped.
    pub queue: usize,
    /// Seed of the loss and jitter draws: the same seed drops the same packets.
    pub seed: u64,
    /// One packet dropped once, to show a retransmission timeout.
    pub drop: Option<DropRule>,
}

impl Default for LinkConfig {
    fn default() -> Self {
        Self {
            rtt: Duration::ZERO,
            jitter: Duration::ZERO,
            loss_percent: 0.0,
            rate_bps: None,
            mtu: 1500,
            queue: 1000,
            seed: 1,
            drop: None,
        }
    }
}

/// A packet `--drop` can name: the first one of its kind crossing the link is dropped, once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropRule {
    /// The client's first TCP SYN.
    Syn,
    /// The server's first SYN-ACK.
    SynAck,
    /// The first TCP segment carrying a TLS ClientHello.
    ClientHello,
    /// The first TCP segment carrying a TLS ServerHello.
    ServerHello,
    /// The client's first QUIC Initial packet.
    FirstInitial,
    /// The server's first QUIC Initial packet.
    ServerInitial,
}
