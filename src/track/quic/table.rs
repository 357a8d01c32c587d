//! Where the QUIC connections live, and which one gives way when there are too many or memory
//! runs short.
//!
//! Connections sit in slots (a freed slot is reused, and costs a pointer); the indexes that
//! find them (by connection ID, by the client's first Destination Connection ID, by endpoints)
//! name slots. A connection none of whose packets has decrypted yet is *unconfirmed*: anyone
//! can send an Initial to a new Destination Connection ID, so such connections are the first
//! to go, at most [`MAX_UNCONFIRMED`] are kept, and a real connection is decoded however many
//! junk Initials came before it. Past [`super::MAX_CONNECTIONS`], or when the tracker's memory
//! budget asks, the oldest unconfirmed connection goes, else the oldest connection; each time
//! with a note. Giving up a connection removes every index entry that names it.
//!
//! Invariant: `held` (with the streams' [`super::budget::Budget`] and the count of HTTP/3
//! streams) is what the table has allocated, kept by delta as connections and index entries
//! come and go, so that [`Holder::held`] is O(1); both queues of
//! slots are compacted when most of their entries are stale, so each operation is amortised
//! O(1).

use std::collections::VecDeque;
use std::mem::size_of;
use std::ops::{Index, IndexMut};

use super::http3::H3Stream;
use super::{Connection, QuicTable};
use crate::osi::Protocol;
use crate::track::budget::{ENTRY_OVERHEAD, Holder, Shed};
use crate::track::conversation::Endpoint;

/// Connections none of whose packets decrypted, kept at once.
pub const MAX_UNCONFIRMED: usize = 256;

/// The longest connection ID (RFC 9000 section 17.2), which the index entries are costed at.
const MAX_CID_LEN: usize = 20;

/// What one index entry by connection ID costs: the key's heap bytes, its copy in the
/// connection's list, and the entry.
const CID_ENTRY_COST: usize =
    2 * (size_of::<Vec<u8>>() + MAX_CID_LEN) + size_of::<(usize, usize)>() + ENTRY_OVERHEAD;

/// What one index entry by endpoints costs.
const ENDPOINTS_ENTRY_COST: usize = size_of::<((Endpoint, Endpoint), usize)>() + ENTRY_OVERHEAD;

/// What one HTTP/3 stream's entry costs, what it holds aside.
const H3_ENTRY_COST: usize = size_of::<((usize, u64), H3Stream)>() + ENTRY_OVERHEAD;

/// The connections, by slot.
#[derive(Clone, Default)]
pub(super) struct Slots {
    slots: Vec<Option<Box<Connection>>>,
    free: Vec<usize>,
    /// Stands in for a slot that holds no connection: what is written to it goes nowhere.
    vacant: Box<Connection>,
}

impl Slots {
    fn put(&mut self, connection: Connection) -> usize {
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some(Box::new(connection));
                slot
            }
            None => {
                self.slots.push(Some(Box::new(connection)));
                self.slots.len() - 1
            }
        }
    }

    fn take(&mut self, slot: usize) -> Option<Box<Connection>> {
        let taken = self.slots.get_mut(slot)?.take();
        if taken.is_some() {
            self.free.push(slot);
        }
        taken
    }

    /// Whether `slot` holds the connection numbered `number`.
    fn holds(&self, slot: usize, number: u32) -> bool {
        self.slots.get(slot).and_then(Option::as_deref).is_some_and(|state| state.number == number)
    }

    /// What the slots themselves cost, connections aside.
    fn cost(&self) -> usize {
        self.slots.capacity() * size_of::<Option<Box<Connection>>>()
            + self.free.capacity() * size_of::<usize>()
    }
}

impl Index<usize> for Slots {
    type Output = Connection;

    fn index(&self, slot: usize) -> &Connection {
        self.slots.get(slot).and_then(Option::as_deref).unwrap_or(&self.vacant)
    }
}

impl IndexMut<usize> for Slots {
    fn index_mut(&mut self, slot: usize) -> &mut Connection {
        let vacant = &mut self.vacant;
        match self.slots.get_mut(slot) {
            Some(Some(state)) => state,
            _ => vacant,
        }
    }
}

/// Slots in the order their connections began, with the number each held then: an entry
/// whose slot now holds another connection (or none) is stale and skipped.
#[derive(Clone, Default)]
pub(super) struct Queue(VecDeque<(usize, u32)>);

impl Queue {
    /// Adds a slot; when most entries are stale (more than twice `live`), first keeps only
    /// those `keep` says are not, which is amortised over the pushes since the last time.
    fn push(&mut self, slot: usize, number: u32, live: usize, keep: impl Fn(usize, u32) -> bool) {
        if self.0.len() > 2 * live + 64 {
            self.0.retain(|&(slot, number)| keep(slot, number));
        }
        self.0.push_back((slot, number));
    }

    fn cost(&self) -> usize {
        self.0.capacity() * size_of::<(usize, u32)>()
    }
}

/// Which connections [`QuicTable::give_up_oldest`] may choose from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Among {
    Unconfirmed,
    Any,
}

impl QuicTable {
    /// Keeps a new connection (its indexes are added by the caller); gives way first as the
    /// limits say, with a note in `problems` for each connection given up.
    pub(super) fn add_connection(&mut self, mut connection: Connection, problems: &mut Vec<String>) -> usize {
        if self.unconfirmed_live >= MAX_UNCONFIRMED
            && let Some(number) = self.give_up_oldest(Among::Unconfirmed)
        {
            problems.push(format!(
                "gave up QUIC connection {number}: none of its packets decrypted, and more than {MAX_UNCONFIRMED} such connections came"
            ));
        }
        if self.live >= super::MAX_CONNECTIONS
            && let Some(number) =
                self.give_up_oldest(Among::Unconfirmed).or_else(|| self.give_up_oldest(Among::Any))
        {
            problems.push(format!(
                "gave up QUIC connection {number}: more than {} connections at once",
                super::MAX_CONNECTIONS
            ));
        }
        connection.number = self.next_number;
        self.next_number = self.next_number.wrapping_add(1);
        let number = connection.number;
        let slot = self.connections.put(connection);
        self.live += 1;
        self.unconfirmed_live += 1;
        self.held += Connection::COST;
        let slots = &self.connections;
        self.created.push(slot, number, self.live, |slot, number| slots.holds(slot, number));
        self.unconfirmed.push(slot, number, self.unconfirmed_live, |slot, number| {
            slots.holds(slot, number) && !slots[slot].confirmed
        });
        slot
    }

    /// Marks a connection one of whose packets decrypted.
    pub(super) fn confirm(&mut self, slot: usize) {
        let state = &mut self.connections[slot];
        if state.alive && !state.confirmed {
            state.confirmed = true;
            self.unconfirmed_live -= 1;
        }
    }

    /// Indexes `cid` as `slot`'s, side `owner`.
    pub(super) fn index_cid(&mut self, slot: usize, owner: usize, cid: &[u8]) {
        self.by_cid.insert(cid.to_vec(), (slot, owner));
        self.connections[slot].cids.push(cid.to_vec());
        self.held += CID_ENTRY_COST;
    }

    /// Indexes `dcid` as an ID `slot`'s client made up for the server.
    pub(super) fn index_initial_dcid(&mut self, slot: usize, dcid: &[u8]) {
        let state = &mut self.connections[slot];
        if state.initial_dcids.len() >= super::MAX_CIDS {
            return;
        }
        state.initial_dcids.push(dcid.to_vec());
        if self.by_initial_dcid.insert(dcid.to_vec(), slot).is_none() {
            self.held += CID_ENTRY_COST;
        }
    }

    /// Indexes the endpoints of `slot`'s first packet.
    pub(super) fn index_endpoints(&mut self, slot: usize, endpoints: (Endpoint, Endpoint)) {
        self.connections[slot].endpoints = Some(endpoints);
        if self.by_endpoints.insert(endpoints, slot).is_none() {
            self.held += ENDPOINTS_ENTRY_COST;
        }
    }

    /// Gives up the oldest connection `among` allows; returns its number.
    pub(super) fn give_up_oldest(&mut self, among: Among) -> Option<u32> {
        loop {
            let queue = match among {
                Among::Unconfirmed => &mut self.unconfirmed,
                Among::Any => &mut self.created,
            };
            let (slot, number) = queue.0.pop_front()?;
            let confirmed = self.connections[slot].confirmed;
            if self.connections.holds(slot, number) && !(among == Among::Unconfirmed && confirmed) {
                self.give_up(slot);
                return Some(number);
            }
        }
    }

    /// Forgets the connection in `slot` and every index entry that names it.
    fn give_up(&mut self, slot: usize) {
        let Some(state) = self.connections.take(slot) else { return };
        for cid in &state.cids {
            if self.by_cid.get(cid.as_slice()).is_some_and(|&(owner, _)| owner == slot) {
                self.by_cid.remove(cid.as_slice());
            }
            self.held = self.held.saturating_sub(CID_ENTRY_COST);
        }
        for dcid in &state.initial_dcids {
            if self.by_initial_dcid.get(dcid.as_slice()) == Some(&slot) {
                self.by_initial_dcid.remove(dcid.as_slice());
                self.held = self.held.saturating_sub(CID_ENTRY_COST);
            }
        }
        if let Some(endpoints) = state.endpoints
            && self.by_endpoints.get(&endpoints) == Some(&slot)
        {
            self.by_endpoints.remove(&endpoints);
            self.held = self.held.saturating_sub(ENDPOINTS_ENTRY_COST);
        }
        self.buffered.moved(state.streams_held(), 0);
        self.h3_streams -= state.h3.len();
        self.held = self.held.saturating_sub(Connection::COST);
        self.live -= 1;
        if !state.confirmed {
            self.unconfirmed_live -= 1;
        }
    }

    /// How many connections are kept now.
    pub fn connections_kept(&self) -> usize {
        self.live
    }
}

impl Holder for QuicTable {
    fn held(&self) -> usize {
        self.held
            + self.buffered.held()
            + self.h3_streams * H3_ENTRY_COST
            + self.connections.cost()
            + self.created.cost()
            + self.unconfirmed.cost()
    }

    fn shed(&mut self) -> Option<Shed> {
        let number = self.give_up_oldest(Among::Unconfirmed).or_else(|| self.give_up_oldest(Among::Any))?;
        Some(Shed { protocol: Protocol::Quic, what: format!("QUIC connection {number}") })
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;
    use crate::track::keylog::KeyLog;
    use crate::track::tls::Arenas;

    /// A client Initial to `dcid` whose payload is junk: it never decrypts.
    fn junk_initial(dcid: [u8; 8]) -> Vec<u8> {
        // Long header, Initial, packet number length 4; version 1.
        let mut packet = vec![0xc3, 0, 0, 0, 1];
        // DCID and SCID, 8 bytes each.
        packet.push(8);
        packet.extend(dcid);
        packet.push(8);
        packet.extend([0x5c; 8]);
        // No token; Length 1,162 (two-byte varint): packet number and payload.
        packet.extend([0x00, 0x44, 0x8a]);
        packet.resize(packet.len() + 1162, 0xa5);
        packet
    }

    fn endpoint(port: u16) -> Endpoint {
        Endpoint { addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), port }
    }

    fn send(table: &mut QuicTable, index: u32) -> super::super::Output {
        let mut dcid = [0u8; 8];
        dcid[..4].copy_from_slice(&index.to_be_bytes());
        let server = endpoint(443);
        let (keylog, mut arenas) = (KeyLog::default(), Arenas::default());
        table.datagram(
            &junk_initial(dcid),
            endpoint(10_000 + (index % 50_000) as u16),
            server,
            &keylog,
            &mut arenas,
        )
    }

    #[test]
    fn junk_initials_are_kept_few_and_the_oldest_goes_first_with_a_note() {
        let mut table = QuicTable::new();
        for index in 0..MAX_UNCONFIRMED as u32 {
            let output = send(&mut table, index);
            assert_eq!(output.connection, Some(index), "each new DCID starts a connection");
            assert!(output.problems.is_empty());
        }
        let first_held = table.held();
        for index in MAX_UNCONFIRMED as u32..5_000 {
            let output = send(&mut table, index);
            assert_eq!(output.connection, Some(index), "a new Initial is still followed");
            let expected = format!("gave up QUIC connection {}: none of its packets decrypted", index - 256);
            assert!(
                output.problems.iter().any(|problem| problem.starts_with(&expected)),
                "{:?}",
                output.problems
            );
        }
        assert_eq!(table.connections_kept(), MAX_UNCONFIRMED);
        assert!(table.held() <= first_held + 64 * 1024, "{} then {}", first_held, table.held());
        assert!(table.by_cid.len() <= MAX_UNCONFIRMED && table.by_initial_dcid.len() <= MAX_UNCONFIRMED);
        assert!(table.created.0.len() <= 2 * MAX_UNCONFIRMED + 65, "stale entries are compacted");
    }

    #[test]
    fn a_confirmed_connection_outlives_any_number_of_junk_initials() {
        let mut table = QuicTable::new();
        send(&mut table, 0);
        table.confirm(0);
        for index in 1..3_000 {
            send(&mut table, index);
        }
        assert!(table.connections.holds(0, 0), "the confirmed connection is kept");
        assert_eq!(table.connections_kept(), MAX_UNCONFIRMED + 1);
    }

    #[test]
    fn shedding_gives_up_unconfirmed_connections_first_and_releases_their_memory() {
        let mut table = QuicTable::new();
        for index in 0..10 {
            send(&mut table, index);
        }
        table.confirm(0);
        let before = table.held();
        let shed = table.shed();
        assert_eq!(shed.map(|shed| shed.what), Some("QUIC connection 1".to_owned()));
        assert!(table.held() < before);
        for _ in 0..8 {
            assert!(table.shed().is_some());
        }
        assert_eq!(table.shed().map(|shed| shed.what), Some("QUIC connection 0".to_owned()));
        assert_eq!(table.shed(), None);
        assert_eq!(table.connections_kept(), 0);
        assert!(table.by_cid.is_empty() && table.by_initial_dcid.is_empty() && table.by_endpoints.is_empty());
    }
}
