//! When a connection's timeline is over, and the order timelines come out in.
//!
//! Timelines come out in order of their connection's first frame, numbered in that order
//! (those with no event are skipped), exactly as [`super::Builder::finish`] would give them
//! all at the end. A builder made with [`super::Builder::streaming`] lets a connection go as
//! soon as it has ended (FIN both ways or a reset for TCP, CONNECTION_CLOSE for QUIC, then
//! [`LINGER_NS`] of quiet in capture time for what still trails; or [`IDLE_NS`] of quiet) and
//! every connection that began before it has gone too: an ordering buffer by first frame. So
//! a capture of many connections holds only those open at once, and, with their events
//! encoded (`frozen.rs`), those that ended behind one still open. Past [`MAX_OPEN`] of them
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
                // Whatever takes it to change it may change it: its last snapshot is stale,
                // and its events must be at hand.
                pending.changes += 1;
                pending.thaw();
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
        let mut ended = Vec::new();
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
                ended.push((table, key));
            } else if due > deadline {
                self.push_deadline(due, table, key);
            }
        }
        self.let_go();
        // Those that wait for an earlier connection wait small.
        for (table, key) in ended {
            self.marks_mut(table, key).freeze();
        }
        while self.connections.open() + self.others.open() > MAX_OPEN {
            let Some((&(_, table, key), _)) = self.ending.order.first_key_value() else { break };
            let pending = self.marks_mut(table, key);
            pending.ended = true;
            let early = pending.has_events();
            self.ending.ended_early += u64::from(early);
            self.let_go();
        }
    }

    /// Lets go, in order, of the ended connections that every earlier one has gone before.
    fn let_go(&mut self) {
        self.let_go_until(usize::MAX);
    }

    /// [`Builder::let_go`], stopping once `ready` holds `most` timelines.
    fn let_go_until(&mut self, most: usize) {
        while let Some((&(first_frame, table, key), _)) = self.ending.order.first_key_value() {
            if !self.pending(table, key).ended || self.ending.ready.len() >= most {
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
        pending.thaw();
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
        self.end_all();
        self.let_go();
        self.ending.ready.into_iter().collect()
    }

    /// Ends every connection still open, to be given out by [`Builder::take_ended_at_most`].
    pub fn end_all(&mut self) {
        let keys: Vec<OrderKey> = self.ending.order.keys().copied().collect();
        for (_, table, key) in keys {
            self.marks_mut(table, key).ended = true;
        }
    }

    /// At most `most` of the timelines let go so far, in order (more are let go as these are
    /// taken): after [`Builder::end_all`], the connections that waited come out a batch at a
    /// time, rather than all of them decoded at once as [`Builder::finish_shared`] gives them.
    pub fn take_ended_at_most(&mut self, most: usize) -> Vec<Arc<Connection>> {
        self.let_go_until(most);
        let taken = most.min(self.ending.ready.len());
        self.ending.ready.drain(..taken).collect()
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
            if !pending.has_events() {
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
            pending.thaw();
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
#[path = "ending_tests.rs"]
mod tests;
