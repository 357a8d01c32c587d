//! Where a capture was taken, and what that makes of its times.
//!
//! A capture taken at one point sees each message once: at the client, a request's send time
//! and a response's arrival time; at the server, the other two. `rttscope demo` records both
//! ends of its emulated link, as pcapng interfaces named [`CLIENT_SIDE`] and [`SERVER_SIDE`],
//! so every message has a send time and an arrival time on one clock and one-way delays are
//! measured, not guessed. The client's side is the one the round trips are counted from (the
//! textbook's view: what the client waits for), so only its frames are tracked into events;
//! the server side's frames are matched to them by their bytes, which the link does not change.

use std::collections::VecDeque;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet, FxHasher};
use serde::Serialize;
use smallvec::SmallVec;

use super::message::{Message, Note};
use super::rounds::{Side, Step};
use super::{Builder, Connection, Event, Link, millis_between};
use crate::capture::Frame;
use crate::dispatch::Dispatch;
use crate::dissect::{Content, Packet, dissect};
use crate::osi::OsiLayer;
use crate::track::keylog::KeyLog;
use crate::track::{Scratch, Tracker};

/// The name of the interface that captured the client's end of an emulated link.
pub const CLIENT_SIDE: &str = "client side";
/// The name of the interface that captured the server's end.
pub const SERVER_SIDE: &str = "server side";

/// The most frames of the far side kept for matching; later ones go unmatched, so a huge
/// capture cannot grow this without bound.
const MAX_FAR_FRAMES: usize = 1 << 20;

/// Where the capture saw a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Vantage {
    /// At the client: its requests' send times, the server's answers' arrival times.
    Client,
    /// At the server: the other way round.
    Server,
    /// At both ends of the link, on one clock.
    Both,
    /// So close to both ends (one host, or the next one) that the side does not matter: what
    /// the times show is the hosts' processing.
    Local,
    /// Somewhere on the path, or the handshake was not seen.
    Unknown,
}

/// Waits shorter than this are a host's own scheduling, whatever the side.
const NOISE_NS: i64 = 100_000;
/// Two waits of about the same length that add up to less than this are the two hosts'
/// processing (a TLS or QUIC handshake's cryptography), not a network's round trip.
const LOCAL_RTT_NS: i64 = 2_000_000;

impl Vantage {
    /// Tells the side from the handshake's timing: at the client the wait is between its first
    /// message and the server's answer (a whole round trip), and the client's next message
    /// follows at once; at the server it is the other way round.
    pub(super) fn guess(first: Option<i64>, answer: Option<i64>, reply: Option<i64>) -> Self {
        let (Some(first), Some(answer), Some(reply)) = (first, answer, reply) else {
            return Self::Unknown;
        };
        let to_answer = answer.saturating_sub(first);
        let to_reply = reply.saturating_sub(answer);
        if to_answer.max(to_reply) < NOISE_NS {
            Self::Local
        } else if to_answer >= to_reply.saturating_mul(3) {
            Self::Client
        } else if to_reply >= to_answer.saturating_mul(3) {
            Self::Server
        } else if to_answer.saturating_add(to_reply) < LOCAL_RTT_NS {
            Self::Local
        } else {
            Self::Unknown
        }
    }

    /// Where the capture was taken, in words: "captured at the client".
    pub fn words(self) -> &'static str {
        match self {
            Self::Client => "captured at the client",
            Self::Server => "captured at the server",
            Self::Both => "captured at both ends of the link",
            Self::Local => "captured next to both ends: times are the hosts', not the network's",
            Self::Unknown => "captured somewhere on the path",
        }
    }
}

/// Which interfaces of a capture are the two ends of a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sides {
    pub client: u32,
    pub server: u32,
}

impl Sides {
    /// The ends, when the capture's interfaces (`if_name` by interface id) name both.
    pub fn of(names: &[Option<String>]) -> Option<Self> {
        let find = |wanted: &str| {
            names
                .iter()
                .position(|name| name.as_deref() == Some(wanted))
                .and_then(|at| u32::try_from(at).ok())
        };
        Some(Self { client: find(CLIENT_SIDE)?, server: find(SERVER_SIDE)? })
    }
}

/// What pairs a frame with its copy at the other end: its bytes, hashed.
pub(super) fn copy_key(frame: &Frame<'_>) -> u64 {
    let mut hasher = FxHasher::default();
    frame.data.hash(&mut hasher);
    hasher.finish()
}

/// The far side's frames: capture times by the key of their bytes, in time order; and what
/// is needed to show those that never reached the near side.
#[derive(Clone, Debug, Default)]
pub(super) struct FarSide {
    two_sided: bool,
    times: FxHashMap<u64, SmallVec<[i64; 1]>>,
    kept: usize,
    /// The keys of every frame the near side captured.
    near: FxHashSet<u64>,
    /// Far frames that carry data, by where they went (`from`, `to`), in capture order. Each
    /// connection takes its own when it ends, so no frame is looked at twice.
    carrying: FxHashMap<(String, String), VecDeque<FarFrame>>,
}

/// A frame the server side captured that carried data.
#[derive(Clone, Debug)]
struct FarFrame {
    key: u64,
    number: u64,
    ts_ns: i64,
    len: usize,
}

/// A transport endpoint as timelines write it: `10.0.0.1:443`, `[::1]:443`.
fn endpoint(addr: std::net::IpAddr, port: u16) -> String {
    match addr {
        std::net::IpAddr::V6(_) => format!("[{addr}]:{port}"),
        std::net::IpAddr::V4(_) => format!("{addr}:{port}"),
    }
}

impl FarSide {
    pub(super) fn new() -> Self {
        Self { two_sided: true, ..Self::default() }
    }

    pub(super) fn is_two_sided(&self) -> bool {
        self.two_sided
    }

    pub(super) fn add(&mut self, frame: &Frame<'_>) {
        if self.kept >= MAX_FAR_FRAMES {
            return;
        }
        self.kept += 1;
        let key = copy_key(frame);
        self.times.entry(key).or_default().push(frame.ts_ns);
        let packet = dissect(frame);
        let Some((src, dst)) = packet.addresses() else { return };
        let ports =
            packet.layers.iter().filter(|layer| !layer.is_quoted()).find_map(|layer| match &layer.content {
                Content::Tcp(tcp) => Some((tcp.src_port(), tcp.dst_port(), tcp.payload.len())),
                Content::Udp(udp) => Some((udp.src_port(), udp.dst_port(), udp.payload.len())),
                _ => None,
            });
        if let Some((from, to, len)) = ports.filter(|(_, _, len)| *len > 0) {
            let (from, to) = (endpoint(src, from), endpoint(dst, to));
            let far = FarFrame { key, number: frame.number, ts_ns: frame.ts_ns, len };
            self.carrying.entry((from, to)).or_default().push_back(far);
        }
    }

    /// Notes a frame the near side captured.
    pub(super) fn seen_near(&mut self, frame: &Frame<'_>) {
        if self.two_sided && self.near.len() < MAX_FAR_FRAMES {
            self.near.insert(copy_key(frame));
        }
    }

    /// The messages `server` sent `client` that carried data and never reached the near side:
    /// lost on the link, shown at their send time, arriving nowhere. The connection ran from
    /// `first_ns` to `last_ns`; what the server sent on these ports until then is its own, and
    /// is let go here.
    pub(super) fn lost_from(
        &mut self,
        server: &str,
        client: &str,
        first_ns: i64,
        last_ns: i64,
    ) -> Vec<Event> {
        let pair = (server.to_owned(), client.to_owned());
        let Some(frames) = self.carrying.get_mut(&pair) else { return Vec::new() };
        let mut lost = Vec::new();
        while let Some(far) = frames.pop_front_if(|far| far.ts_ns <= last_ns) {
            if far.ts_ns < first_ns || self.near.contains(&far.key) {
                continue;
            }
            let sent = millis_between(first_ns, far.ts_ns);
            lost.push(Event {
                frame: far.number,
                t_ms: sent,
                link: Link::boxed(Some(sent), None),
                dir: Side::Server,
                round: 0,
                osi: OsiLayer::Transport,
                messages: vec![Message::Segment { len: far.len }],
                notes: vec![Note::LostBeforeClient],
                step: Step {
                    side: Side::Server,
                    syn: false,
                    handshake: false,
                    application: false,
                    gating: None,
                    // Never seen by the client: it moves no round.
                    retransmission: true,
                },
                early: false,
                at_ns: far.ts_ns,
                copy: far.key,
            });
        }
        if frames.is_empty() {
            self.carrying.remove(&pair);
        }
        lost
    }

    /// Gives each event its send and arrival times: a client's message arrives at the server
    /// side after the client side saw it leave, a server's message left the server side
    /// before the client side saw it arrive. A message with no copy at the far end was lost
    /// on the link (or, from the server, never reached the client's side at all).
    pub(super) fn time_events(&self, first_ns: i64, events: &mut [Event]) {
        for event in events {
            let copies = self.times.get(&event.copy).map_or(&[][..], |times| times.as_slice());
            let here = event.at_ns;
            let there = match event.dir {
                Side::Client => copies.iter().copied().find(|&at| at >= here),
                Side::Server => copies.iter().copied().rev().find(|&at| at <= here),
            };
            let (sent, arrived) = match event.dir {
                Side::Client => (Some(here), there),
                Side::Server => (there, Some(here)),
            };
            event.set_link(
                sent.map(|at| millis_between(first_ns, at)),
                arrived.map(|at| millis_between(first_ns, at)),
            );
            if arrived.is_none() {
                event.notes.push(Note::LostOnLink);
            }
        }
    }
}

/// Timelines of a capture's frames, whichever way it was taken. Give it every frame with the
/// packet a tracker of every frame made of it (what `dissect` shows): for a capture of one
/// vantage point those packets are the events; for a capture of both ends of a link it tracks
/// the client side's frames again on its own and matches the server side's to them.
pub struct Timelines {
    builder: Builder,
    near: Option<NearSide>,
}

/// The client side of a two-sided capture, tracked on its own.
struct NearSide {
    sides: Sides,
    tracker: Tracker,
    scratch: Scratch,
}

impl Timelines {
    /// For a capture whose interfaces carry `names` (by interface id), decrypting with
    /// `keylog` besides the secrets the capture embeds.
    pub fn new(names: &[Option<String>], keylog: &KeyLog) -> Self {
        match Sides::of(names) {
            Some(sides) => Self {
                builder: Builder::two_sided(),
                near: Some(NearSide {
                    sides,
                    tracker: Tracker::with_keylog(keylog.clone()),
                    scratch: Scratch::new(),
                }),
            },
            None => Self { builder: Builder::new(), near: None },
        }
    }

    /// The same timelines, tracking the near side's payloads as `dispatch` hands them on.
    pub fn with_dispatch(mut self, dispatch: &Dispatch) -> Self {
        if let Some(near) = &mut self.near {
            near.tracker = std::mem::take(&mut near.tracker).with_dispatch(dispatch.clone());
        }
        self
    }

    /// Splits a memory limit of `total` bytes between the trackers: the near side's own
    /// tracker takes half for a two-sided capture, and the rest, returned, is for the tracker
    /// of every frame.
    pub fn share_memory(&mut self, total: usize) -> usize {
        match &mut self.near {
            Some(near) => {
                let half = (total / 2).max(1);
                near.tracker = std::mem::take(&mut near.tracker).with_memory_limit(half);
                half
            }
            None => total,
        }
    }

    /// Whether the capture holds both ends of a link.
    pub fn is_two_sided(&self) -> bool {
        self.near.is_some()
    }

    /// Key log text met in the capture (a Decryption Secrets Block), for the frames after it.
    pub fn add_key_log_text(&mut self, text: &[u8]) {
        if let Some(near) = &mut self.near {
            near.tracker.add_key_log_text(text);
        }
    }

    /// Takes one frame, and the packet a tracker of every frame made of it.
    pub fn handle(&mut self, frame: &Frame<'_>, packet: &Packet<'_>) {
        self.builder.latest = None;
        let Some(near) = &mut self.near else {
            return self.builder.handle_packet(frame, packet);
        };
        match frame.interface {
            Some(id) if id == near.sides.client => {
                let packet = near.tracker.handle_frame(frame, &mut near.scratch);
                self.builder.handle_packet(frame, &packet);
            }
            Some(id) if id == near.sides.server => self.builder.handle_far_copy(frame),
            // Another interface of the same capture is no part of the link.
            _ => {}
        }
    }

    /// The same timelines, each given out ([`Timelines::take_ended`]) once its connection has
    /// ended, so that only the connections still open are kept.
    pub fn streaming(mut self) -> Self {
        self.builder = self.builder.streaming();
        self
    }

    /// The timelines of connections that have ended, in order, not given out before.
    pub fn take_ended(&mut self) -> impl Iterator<Item = Connection> + '_ {
        self.builder.take_ended()
    }

    /// [`Timelines::take_ended`], sharing each timeline with the open snapshot that gave it
    /// last, when it has not changed since (the UI holds that one already).
    pub fn take_ended_shared(&mut self) -> impl Iterator<Item = Arc<Connection>> + '_ {
        self.builder.take_ended_shared()
    }

    /// The conversation the packet last handled belongs to, by its serial number (a
    /// connection's [`Connection::serial`], known before its timeline is), and the side that
    /// sent it; none for a packet of no conversation (or the far side's copy, in a capture of
    /// both ends).
    pub fn latest(&self) -> Option<(u64, Side)> {
        self.builder.latest
    }

    /// How many connections were ended early because too many were open at once.
    pub fn ended_early(&self) -> u64 {
        self.builder.ended_early()
    }

    /// The timelines of the connections still open, numbered after those given out; taking
    /// more frames goes on.
    pub fn open_snapshot(&mut self, whole: impl Fn(u32) -> bool) -> Vec<Arc<Connection>> {
        self.builder.open_snapshot(whole)
    }

    pub fn finish(self) -> Vec<Connection> {
        self.builder.finish()
    }

    /// [`Timelines::finish`], shared as [`Timelines::take_ended_shared`] shares.
    pub fn finish_shared(self) -> Vec<Arc<Connection>> {
        self.builder.finish_shared()
    }

    /// Ends every connection still open; [`Timelines::take_ended_at_most`] gives them out.
    pub fn end_all(&mut self) {
        self.builder.end_all();
    }

    /// At most `most` of the timelines that ended, in order, shared as
    /// [`Timelines::take_ended_shared`] shares; after [`Timelines::end_all`], a batch of
    /// those that were open.
    pub fn take_ended_at_most(&mut self, most: usize) -> Vec<Arc<Connection>> {
        self.builder.take_ended_at_most(most)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_side_is_told_from_where_the_handshake_waits() {
        const MS: i64 = 1_000_000;
        // At the client: 40 ms to the SYN-ACK, the ACK right after.
        assert_eq!(Vantage::guess(Some(0), Some(40 * MS), Some(40 * MS + 30_000)), Vantage::Client);
        // At the server: the SYN-ACK right after the SYN, the ACK a round trip later.
        assert_eq!(Vantage::guess(Some(0), Some(20_000), Some(40 * MS)), Vantage::Server);
        // Loopback: everything within microseconds, or the hosts' cryptography on both sides.
        assert_eq!(Vantage::guess(Some(0), Some(20_000), Some(45_000)), Vantage::Local);
        assert_eq!(Vantage::guess(Some(0), Some(500_000), Some(970_000)), Vantage::Local);
        // Halfway along the path: both waits half a round trip.
        assert_eq!(Vantage::guess(Some(0), Some(20 * MS), Some(40 * MS)), Vantage::Unknown);
        assert_eq!(Vantage::guess(Some(0), None, None), Vantage::Unknown);
    }

    #[test]
    fn both_ends_are_found_by_their_interface_names() {
        let names = [Some("lo".to_owned()), Some(SERVER_SIDE.to_owned()), Some(CLIENT_SIDE.to_owned())];
        assert_eq!(Sides::of(&names), Some(Sides { client: 2, server: 1 }));
        assert_eq!(Sides::of(&[Some(CLIENT_SIDE.to_owned()), None]), None);
        assert_eq!(Sides::of(&[]), None);
    }
}
