//! When a connection's timeline is over, and the order timelines come out in.
//!
//! Timelines come out in order of their connection's first frame, numbered in that order
//! (those with no event are skipped), exactly as [`super::Builder::finish`] would give them
//! all at the end. A builder made with [`super::Builder::streaming`] lets a connection go as
//! soon as it has ended (FIN both ways or a reset for TCP, CONNECTION_CLOSE for QUIC, then
//! [`LINGER_NS`] of quiet in capture time for what still trails; or [`IDLE_NS`] of quiet) and
//! every connection that began before it has gone too: an ordering buffer by first frame. So
//! a capture of many connections holds only those open at once. Past [`MAX_OPEN`] of them
//! (a flood of SYNs never answered), the one that began first is ended early and counted, and
//! a packet of it that comes later starts a new timeline.
//!
//! Invariant: every pending connection has an entry in `order` (by first frame) and at least
//! one in `deadlines` (a min-heap, entries made stale by activity are re-pushed when they come
//! due), so that each frame costs O(log n) here, not a walk over all connections.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::ops::{Index, IndexMut};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::{Builder, Connection, Pending};

/// Quiet, in capture time, after which a connection that has not closed is over.
pub const IDLE_NS: i64 = 600 * 1_000_000_000;
/// Quiet after a connection closed, for its last ACKs and retransmissions.
pub const LINGER_NS: i64 = 60 * 1_000_000_000;
/// Connections followed at once by a streaming builder.
pub const MAX_OPEN: usize = 65_536;

/// Which table a pending connection is in: TCP (by `tcp.stream`) before the others (UDP,
/// QUIC, pings, by creation) when two begin in the same frame, as the final sort has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Table {
    Tcp,
    Other,
}

/// Where a pending connection comes in the output: first frame, table, key in the table.
pub(super) type OrderKey = (u64, Table, usize);

/// Pending connections by key, with a stand-in for a key that holds none (what is written to
/// it goes nowhere).
#[derive(Clone, Default)]
pub(super) struct Pendings {
    /// Boxed, so that a table's spare capacity costs a pointer a slot, not a whole connection.
    map: FxHashMap<usize, Box<Pending>>,
    /// The key the next [`Pendings::push`] takes.
    next: usize,
    vacant: Pending,
}

impl Pendings {
    /// The key the next connection pushed gets.
    pub(super) fn len(&self) -> usize {
        self.next
    }

    pub(super) fn push(&mut self, pending: Pending) {
        self.map.insert(self.next, Box::new(pending));
        self.next += 1;
    }

    pub(super) fn contains(&self, key: usize) -> bool {
        self.map.contains_key(&key)
    }

    pub(super) fn insert(&mut self, key: usize, pending: Pending) {
        self.map.insert(key, Box::new(pending));
        self.next = self.next.max(key + 1);
    }

    pub(super) fn open(&self) -> usize {
        self.map.len()
    }

    /// The pending connection, to mark it closed or ended: marks a timeline does not show, so
    /// its last snapshot stays good (unlike [`IndexMut`]).
    fn marks_mut(&mut self, key: usize) -> &mut Pending {
        self.map.get_mut(&key).map_or(&mut self.vacant, |pending| pending)
    }
}

impl Index<usize> for Pendings {
    type Output = Pending;

    fn index(&self, key: usize) -> &Pending {
        self.map.get(&key).map_or(&self.vacant, |pending| pending)
    }
}

impl IndexMut<usize> for Pendings {
    fn index_mut(&mut self, key: usize) -> &mut Pending {
        let vacant = &mut self.vacant;
        match self.map.get_mut(&key) {
            Some(pending) => {
                // Whatever takes it to change it may change it: its last snapshot is stale.
                pending.changes += 1;
                pending
            }
            None => vacant,
        }
    }
}

/// What a streaming builder keeps to let connections go.
#[derive(Clone, Default)]
pub(super) struct Ending {
    pub(super) streaming: bool,
    /// Every pending connection, in output order.
    order: BTreeMap<OrderKey, ()>,
    /// When each pending connection may be over, soonest first.
    deadlines: BinaryHeap<Reverse<(i64, Table, usize)>>,
    /// Timelines let go, in output order, not yet taken.
    ready: VecDeque<Arc<Connection>>,
    /// The id the next timeline let go gets.
    next_id: u32,
    /// The serial number the next conversation begun gets.
    next_serial: u64,
    /// Connections ended early because too many were open.
    pub(super) ended_early: u64,
    /// Each pending connection's timeline as the last [`Builder::open_snapshot`] gave it, and
    /// its `changes` then: one that has not changed since is shared, not made again.
    shown: FxHashMap<(Table, usize), Shown>,
}

/// A pending connection's timeline as a snapshot gave it.
#[derive(Clone)]
struct Shown {
    changes: u64,
    connection: Arc<Connection>,
}

impl Shown {
    /// Still what the connection would give: nothing changed and no id went before it.
    fn holds(&self, changes: u64, id: u32) -> bool {
        self.changes == changes && self.connection.id == id
    }
}

impl Builder {
    /// Puts a connection just begun in order, and (streaming) its first deadline.
    pub(super) fn begun(&mut self, table: Table, key: usize) {
        let serial = self.ending.next_serial;
        self.ending.next_serial += 1;
        self.pending_mut(table, key).serial = serial;
        let pending = self.pending(table, key);
        let (first_frame, deadline) = (pending.first_frame, pending.deadline());
        self.ending.order.insert((first_frame, table, key), ());
        if self.ending.streaming {
            self.push_deadline(deadline, table, key);
        }
    }

    /// Adds a deadline; when most of them are stale (their connections let go), first keeps
    /// only the others, which is amortised over the pushes since the last time.
    fn push_deadline(&mut self, deadline: i64, table: Table, key: usize) {
        let open = self.connections.open() + self.others.open();
        if self.ending.deadlines.len() > 2 * open + 64 {
            let (tcp, others) = (&self.connections, &self.others);
            self.ending.deadlines.retain(|Reverse((_, table, key))| match table {
                Table::Tcp => tcp.contains(*key),
                Table::Other => others.contains(*key),
            });
        }
        self.ending.deadlines.push(Reverse((deadline, table, key)));
    }

    /// Marks a connection closed: it ends after [`LINGER_NS`] of quiet.
    pub(super) fn closed(&mut self, table: Table, key: usize) {
        let pending = self.marks_mut(table, key);
        if pending.closed {
            return;
        }
        pending.closed = true;
        let deadline = pending.deadline();
        if self.ending.streaming {
            self.push_deadline(deadline, table, key);
        }
    }

    fn pending(&self, table: Table, key: usize) -> &Pending {
        match table {
            Table::Tcp => &self.connections[key],
            Table::Other => &self.others[key],
        }
    }

    /// The pending connection, to set its `closed` and `ended` marks only.
    fn marks_mut(&mut self, table: Table, key: usize) -> &mut Pending {
        match table {
            Table::Tcp => self.connections.marks_mut(key),
            Table::Other => self.others.marks_mut(key),
        }
    }

    fn pending_mut(&mut self, table: Table, key: usize) -> &mut Pending {
        match table {
            Table::Tcp => &mut self.connections[key],
            Table::Other => &mut self.others[key],
        }
    }

    fn is_pending(&self, table: Table, key: usize) -> bool {
        match table {
            Table::Tcp => self.connections.contains(key),
            Table::Other => self.others.contains(key),
        }
    }

    /// Streaming: ends the connections quiet long enough at `now_ns`, and the oldest ones
    /// past [`MAX_OPEN`]; lets go of those whose turn it is.
    pub(super) fn end_what_is_over(&mut self, now_ns: i64) {
        if !self.ending.streaming {
            return;
        }
        while let Some(&Reverse((deadline, table, key))) = self.ending.deadlines.peek() {
            if deadline >= now_ns {
                break;
            }
            self.ending.deadlines.pop();
            if !self.is_pending(table, key) {
                continue;
            }
            let pending = self.marks_mut(table, key);
            let due = pending.deadline();
            if due < now_ns {
                pending.ended = true;
            } else if due > deadline {
                self.push_deadline(due, table, key);
            }
        }
        self.let_go();
        while self.connections.open() + self.others.open() > MAX_OPEN {
            let Some((&(_, table, key), _)) = self.ending.order.first_key_value() else { break };
            let pending = self.marks_mut(table, key);
            pending.ended = true;
            let early = !pending.events.is_empty();
            self.ending.ended_early += u64::from(early);
            self.let_go();
        }
    }

    /// Lets go, in order, of the ended connections that every earlier one has gone before.
    fn let_go(&mut self) {
        while let Some((&(first_frame, table, key), _)) = self.ending.order.first_key_value() {
            if !self.pending(table, key).ended {
                break;
            }
            self.ending.order.remove(&(first_frame, table, key));
            self.release(table, key);
        }
    }

    /// Takes a pending connection out of every table; gives its timeline to `ready` when it
    /// has events.
    fn release(&mut self, table: Table, key: usize) {
        let pending = match table {
            Table::Tcp => self.connections.map.remove(&key),
            Table::Other => self.others.map.remove(&key),
        };
        let shown = self.ending.shown.remove(&(table, key));
        let Some(mut pending) = pending.map(|pending| *pending) else { return };
        if table == Table::Other {
            if let Some(stream) = pending.udp_stream
                && self.udp.get(&stream) == Some(&key)
            {
                self.udp.remove(&stream);
            }
            if let Some(number) = pending.quic_number
                && self.quic.get(&number) == Some(&key)
            {
                self.quic.remove(&number);
            }
            if let Some(ping) = pending.ping
                && self.pings.get(&ping) == Some(&key)
            {
                self.pings.remove(&ping);
            }
        }
        if pending.events.is_empty() {
            return;
        }
        let id = self.ending.next_id;
        self.ending.next_id += 1;
        // The timeline the last snapshot gave, when nothing changed since: the UI holds it
        // already, and now holds it once.
        let connection = match shown {
            Some(shown) if shown.holds(pending.changes, id) && !shown.connection.withheld => shown.connection,
            _ => {
                pending.stream = id;
                Arc::new(pending.finish(&mut self.far))
            }
        };
        self.ending.ready.push_back(connection);
    }

    /// The timelines let go so far, in order; a streaming builder gives each connection once
    /// it has ended and every earlier one has been given.
    pub fn take_ended(&mut self) -> impl Iterator<Item = Connection> + '_ {
        self.ending.ready.drain(..).map(Arc::unwrap_or_clone)
    }

    /// [`Builder::take_ended`], each timeline shared with the open snapshot that gave it
    /// before it ended, if one did and it has not changed since.
    pub fn take_ended_shared(&mut self) -> impl Iterator<Item = Arc<Connection>> + '_ {
        self.ending.ready.drain(..)
    }

    /// Every timeline not yet given, in order: the connections still open end here.
    pub fn finish(self) -> Vec<Connection> {
        self.finish_shared().into_iter().map(Arc::unwrap_or_clone).collect()
    }

    /// [`Builder::finish`], each timeline shared as [`Builder::take_ended_shared`] shares it.
    pub fn finish_shared(mut self) -> Vec<Arc<Connection>> {
        let keys: Vec<OrderKey> = self.ending.order.keys().copied().collect();
        for (_, table, key) in keys {
            self.marks_mut(table, key).ended = true;
        }
        self.let_go();
        self.ending.ready.into_iter().collect()
    }

    /// The timelines of the connections still open, as [`Builder::finish`] would end them
    /// now, numbered after those given out before; the builder goes on taking packets. Only
    /// the open connections are made, so that a streaming builder's live views cost what is
    /// open, not the whole capture; and only those that changed since the last snapshot, the
    /// others shared with it, so that a capture with a long-lived connection (which holds back
    /// every later one, up to [`MAX_OPEN`]) is not copied whole on every redraw.
    ///
    /// Only the connections whose id `whole` picks come with their events; the others are
    /// `withheld` (a UI shows one connection's events, and keeping every open one's twice,
    /// here and in the snapshot, was the most memory a big capture's indexing held).
    pub fn open_snapshot(&mut self, whole: impl Fn(u32) -> bool) -> Vec<Arc<Connection>> {
        // Only a capture of both ends has a far side to take lost frames from; the far side
        // changes without the connection, so nothing is shared then.
        let two_sided = self.far.is_two_sided();
        let mut far = if two_sided { self.far.clone() } else { Default::default() };
        let mut next_id = self.ending.next_id;
        let mut open = Vec::new();
        let keys: Vec<(Table, usize)> =
            self.ending.order.keys().map(|&(_, table, key)| (table, key)).collect();
        for (table, key) in keys {
            let pending = self.pending(table, key);
            if pending.events.is_empty() {
                continue;
            }
            let (id, changes) = (next_id, pending.changes);
            next_id += 1;
            let whole = whole(id);
            let shared = |shown: &&Shown| shown.holds(changes, id) && (!whole || !shown.connection.withheld);
            if !two_sided && let Some(shown) = self.ending.shown.get(&(table, key)).filter(shared) {
                open.push(Arc::clone(&shown.connection));
                continue;
            }
            let mut pending = pending.clone();
            pending.stream = id;
            let mut connection = pending.finish(&mut far);
            if !whole {
                connection.events = Vec::new();
                connection.withheld = true;
            }
            let connection = Arc::new(connection);
            if !two_sided {
                self.ending
                    .shown
                    .insert((table, key), Shown { changes, connection: Arc::clone(&connection) });
            }
            open.push(connection);
        }
        open
    }

    /// How many connections a streaming builder ended early, because more than [`MAX_OPEN`]
    /// were open at once.
    pub fn ended_early(&self) -> u64 {
        self.ending.ended_early
    }
}

impl Pending {
    /// When the connection is over if nothing more comes.
    fn deadline(&self) -> i64 {
        self.last_ns.saturating_add(if self.closed { LINGER_NS } else { IDLE_NS })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::CaptureFile;
    use crate::dissect::tcp::flag;
    use crate::testing::hostile::{Pcap, Side, TcpConnection};
    use crate::track::{Scratch, Tracker};

    /// Three HTTP connections, each closed both ways and followed by two minutes of quiet,
    /// and a fourth left open.
    fn capture() -> CaptureFile {
        let mut pcap = Pcap::new(Vec::new()).unwrap();
        for index in 0..4u8 {
            let mut connection =
                TcpConnection::new(([10, 0, 0, 1], 40_000 + u16::from(index)), ([10, 0, 0, 2], 80));
            connection.handshake(&mut pcap).unwrap();
            connection.send(&mut pcap, Side::Client, b"GET / HTTP/1.1\r\n\r\n").unwrap();
            connection.send(&mut pcap, Side::Server, b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
            if index < 3 {
                for side in [Side::Client, Side::Server] {
                    let seq = connection.next[side as usize];
                    connection.segment_at(&mut pcap, side, seq, flag::FIN | flag::ACK, &[]).unwrap();
                    connection.next[side as usize] += 1;
                }
            }
            pcap.ts_us += 120_000_000;
        }
        CaptureFile::from_vec(pcap.into_inner(), "ending").unwrap()
    }

    /// Hands each frame of [`capture`], tracked, to `handle`.
    fn each_packet(mut handle: impl FnMut(&crate::capture::Frame<'_>, &crate::dissect::Packet<'_>)) {
        let capture = capture();
        let (mut tracker, mut scratch) = (Tracker::new(), Scratch::new());
        for frame in capture.frames() {
            let frame = frame.unwrap();
            let packet = tracker.handle_frame(&frame, &mut scratch);
            handle(&frame, &packet);
        }
    }

    /// The builder's timelines: those given out after each frame (with the frame's number),
    /// then those at the end.
    fn run(builder: Builder) -> (Vec<(u64, u32)>, Vec<Connection>) {
        let mut builder = builder;
        let mut given = Vec::new();
        let mut all = Vec::new();
        each_packet(|frame, packet| {
            builder.handle_packet(frame, packet);
            for connection in builder.take_ended() {
                given.push((frame.number, connection.id));
                all.push(connection);
            }
        });
        all.extend(builder.finish());
        (given, all)
    }

    #[test]
    fn a_closed_connection_is_given_out_after_its_quiet_and_the_whole_list_is_unchanged() {
        let (given, streamed) = run(Builder::new().streaming());
        // Each connection is 7 frames; the first frame after a quiet gives the one before.
        assert_eq!(given, [(8, 0), (15, 1), (22, 2)]);
        let (none, whole) = run(Builder::new());
        assert!(none.is_empty(), "a builder that does not stream gives nothing before the end");
        let json = |connections: &[Connection]| serde_json::to_string(connections).unwrap();
        assert_eq!(json(&streamed), json(&whole));
        assert_eq!(streamed.len(), 4);
    }

    #[test]
    fn the_open_snapshot_with_those_given_out_is_the_whole_list_at_every_frame() {
        let (mut streaming, mut whole) = (Builder::new().streaming(), Builder::new());
        let json = |connections: &[Connection]| serde_json::to_string(connections).unwrap();
        let mut given = Vec::new();
        let mut open_counts = Vec::new();
        each_packet(|frame, packet| {
            streaming.handle_packet(frame, packet);
            whole.handle_packet(frame, packet);
            given.extend(streaming.take_ended());
            let open = streaming.open_snapshot(|_| true);
            open_counts.push(open.len());
            let so_far: Vec<Connection> =
                given.iter().cloned().chain(open.iter().map(|open| (**open).clone())).collect();
            assert_eq!(json(&so_far), json(&whole.clone().finish()), "after frame {}", frame.number);
        });
        // Only what is open is copied: one connection at a time (each is let go by the frame
        // that begins the next), of the four.
        assert_eq!(given.len(), 3);
        assert_eq!(open_counts.iter().max(), Some(&1));
        assert_eq!(open_counts.last(), Some(&1));
    }

    #[test]
    fn a_snapshot_and_the_timelines_given_share_each_timeline_that_did_not_change_and_make_the_others() {
        let mut builder = Builder::new().streaming();
        let mut last: Vec<Arc<Connection>> = Vec::new();
        let (mut shared, mut made, mut given) = (0, 0, 0);
        each_packet(|frame, packet| {
            builder.handle_packet(frame, packet);
            for ended in builder.take_ended_shared() {
                // Ended by the quiet before this frame, of another connection: unchanged since.
                let before = last.iter().find(|before| before.id == ended.id);
                assert!(before.is_some_and(|before| Arc::ptr_eq(before, &ended)), "connection {}", ended.id);
                given += 1;
            }
            let open = builder.open_snapshot(|_| true);
            for connection in &open {
                let before = last.iter().find(|before| before.id == connection.id);
                // Every frame of this capture is one of the open connection's.
                assert!(
                    before.is_none_or(|before| !Arc::ptr_eq(before, connection)),
                    "frame {} changed connection {}, which was shared",
                    frame.number,
                    connection.id
                );
                made += usize::from(before.is_some());
            }
            let again = builder.open_snapshot(|_| true);
            assert_eq!(again.len(), open.len());
            for (connection, again) in open.iter().zip(&again) {
                assert!(
                    Arc::ptr_eq(connection, again),
                    "nothing came between: connection {} shared",
                    again.id
                );
                shared += 1;
            }
            last = open;
        });
        assert!(shared >= 20 && made >= 16, "{shared} shared, {made} made again");
        assert_eq!(given, 3, "the three closed connections were given as the snapshot had them");
    }

    #[test]
    fn a_snapshot_withholds_the_events_of_the_connections_not_asked_for_and_what_ends_comes_whole() {
        let (mut builder, mut whole) = (Builder::new().streaming(), Builder::new().streaming());
        let (mut withheld, mut asked) = (0, 0);
        each_packet(|frame, packet| {
            builder.handle_packet(frame, packet);
            whole.handle_packet(frame, packet);
            for (ended, expected) in builder.take_ended_shared().zip(whole.take_ended_shared()) {
                assert!(!ended.withheld);
                assert_eq!(format!("{ended:?}"), format!("{expected:?}"), "connection {}", ended.id);
            }
            // Connection 1 is asked for whole, the others not.
            let open = builder.open_snapshot(|id| id == 1);
            for (connection, expected) in open.iter().zip(whole.open_snapshot(|_| true)) {
                if connection.id == 1 {
                    assert_eq!(format!("{connection:?}"), format!("{expected:?}"));
                    asked += 1;
                    continue;
                }
                assert!(connection.withheld && connection.events.is_empty() && !expected.events.is_empty());
                let summary = Connection { events: Vec::new(), withheld: true, ..(*expected).clone() };
                assert_eq!(format!("{connection:?}"), format!("{summary:?}"));
                withheld += 1;
            }
        });
        assert!(withheld > 10 && asked > 3, "{withheld} withheld, {asked} asked for");
    }

    #[test]
    fn past_the_open_limit_the_connection_that_began_first_is_given_out_as_it_stands() {
        let mut builder = Builder::new().streaming();
        let mut pcap = Pcap::new(Vec::new()).unwrap();
        let count = MAX_OPEN as u32 + 10;
        for index in 0..count {
            let [_, a, b, c] = index.to_be_bytes();
            let connection = TcpConnection::new(([10, a, b, c], 1024), ([10, 255, 255, 254], 443));
            connection.segment_at(&mut pcap, Side::Client, 1_000, flag::SYN, &[]).unwrap();
        }
        let capture = CaptureFile::from_vec(pcap.into_inner(), "syns").unwrap();
        let (mut tracker, mut scratch) = (Tracker::new(), Scratch::new());
        let mut ids = Vec::new();
        for frame in capture.frames() {
            let frame = frame.unwrap();
            let packet = tracker.handle_frame(&frame, &mut scratch);
            builder.handle_packet(&frame, &packet);
            ids.extend(builder.take_ended().map(|connection| connection.id));
            assert!(builder.connections.open() <= MAX_OPEN + 1, "the limit, and the frame's own");
        }
        assert_eq!(ids, (0..9).collect::<Vec<_>>(), "given out first, in order");
        assert_eq!(builder.ended_early(), 9);
        let rest = builder.finish();
        assert_eq!(rest.len(), MAX_OPEN + 1);
        assert_eq!(rest.first().map(|connection| connection.id), Some(9));
    }
}
