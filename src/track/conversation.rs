//! Conversations: the pair of endpoints a TCP or UDP segment belongs to, numbered from 0 in
//! order of first appearance as Wireshark numbers `tcp.stream` and `udp.stream`.
//!
//! The UDP table is a [`Holder`] of the tracker's budget: its conversations are given up
//! oldest first when the budget is reached, and one seen again after that gets a new number.
//! A UDP conversation's state is its number and two times, so a tombstone would cost as much.

use std::mem::size_of;
use std::net::IpAddr;

use super::budget::{Holder, Shed};
use super::cow::{Census, CowMap, CowQueue};
use crate::dissect::udp;
use crate::osi::Protocol;

/// One side of a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Endpoint {
    pub addr: IpAddr,
    pub port: u16,
}

/// The two endpoints in a fixed order, so both directions find the same conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub low: Endpoint,
    pub high: Endpoint,
}

impl Key {
    /// The key for a segment from `src` to `dst`, and whether `src` is the key's low side.
    pub fn of(src: Endpoint, dst: Endpoint) -> (Self, bool) {
        if src <= dst { (Self { low: src, high: dst }, true) } else { (Self { low: dst, high: src }, false) }
    }
}

#[derive(Clone)]
struct UdpConversation {
    stream: u32,
    first_ns: i64,
    last_ns: i64,
}

/// What one UDP conversation costs: its entry, with the hash map's spare room (a table is
/// between 7/16 and 7/8 full, so an entry and its control byte count twice), and its place in
/// the age queue.
const UDP_COST: usize = 2 * (size_of::<Key>() + size_of::<UdpConversation>() + 1) + size_of::<(Key, u32)>();

/// UDP conversations.
#[derive(Clone, Default)]
pub struct UdpTable {
    conversations: CowMap<Key, UdpConversation>,
    /// The number the next new conversation gets.
    next_stream: u32,
    /// Keys in the order their conversations started, with their numbers.
    order: CowQueue<(Key, u32)>,
}

impl UdpTable {
    /// Finds or starts the conversation of a datagram seen at `ts_ns`. A header quoted in an
    /// ICMP error finds its conversation but does not count as one of its datagrams.
    pub fn handle(&mut self, src: Endpoint, dst: Endpoint, ts_ns: i64, quoted: bool) -> udp::Conversation {
        let (key, _) = Key::of(src, dst);
        let conversation = self.conversations.get_or_insert_with(key, || {
            let stream = self.next_stream;
            self.next_stream += 1;
            self.order.push_back((key, stream));
            UdpConversation { stream, first_ns: ts_ns, last_ns: ts_ns }
        });
        if quoted {
            return udp::Conversation { stream: conversation.stream, times: None };
        }
        let times = (ts_ns.saturating_sub(conversation.first_ns), ts_ns.saturating_sub(conversation.last_ns));
        conversation.last_ns = ts_ns;
        udp::Conversation { stream: conversation.stream, times: Some(times) }
    }

    pub fn len(&self) -> usize {
        self.conversations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.conversations.is_empty()
    }
}

impl Holder for UdpTable {
    fn held(&self) -> usize {
        self.order.len() * UDP_COST
    }

    fn freeze(&mut self) {
        self.conversations.freeze();
    }

    fn census(&self, census: &mut Census) {
        self.conversations.census(census, |_, _| {});
        self.order.census(census);
    }

    fn shed(&mut self) -> Option<Shed> {
        let (key, stream) = self.order.pop_front()?;
        self.conversations.remove(&key);
        let what = format!("udp.stream {stream} (a later datagram of it gets a new number)");
        Some(Shed { protocol: Protocol::Udp, what })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(last: u8, port: u16) -> Endpoint {
        Endpoint { addr: IpAddr::from([10, 0, 0, last]), port }
    }

    #[test]
    fn both_directions_share_a_stream_and_new_pairs_count_up() {
        let mut table = UdpTable::default();
        let (a, b, c) = (endpoint(1, 5000), endpoint(2, 53), endpoint(3, 53));
        assert_eq!(table.handle(a, b, 100, false).stream, 0);
        let reply = table.handle(b, a, 150, false);
        assert_eq!((reply.stream, reply.times), (0, Some((50, 50))));
        assert_eq!(table.handle(a, c, 200, false).stream, 1);
        assert_eq!(table.handle(c, a, 230, true), udp::Conversation { stream: 1, times: None });
        assert_eq!(table.handle(c, a, 260, false).times, Some((60, 60)));
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn the_oldest_conversation_is_shed_first_and_comes_back_with_a_new_number() {
        let mut table = UdpTable::default();
        let (a, b, c) = (endpoint(1, 5000), endpoint(2, 53), endpoint(3, 53));
        table.handle(a, b, 100, false);
        table.handle(a, c, 200, false);
        assert_eq!(table.held(), 2 * UDP_COST);
        let shed = table.shed().expect("a conversation to give up");
        assert_eq!(shed.what, "udp.stream 0 (a later datagram of it gets a new number)");
        assert_eq!(table.held(), UDP_COST);
        assert_eq!(table.handle(b, a, 300, false).stream, 2);
        assert_eq!(table.handle(c, a, 300, false).stream, 1, "the others keep theirs");
        assert!(table.shed().is_some() && table.shed().is_some());
        assert_eq!((table.shed(), table.held(), table.len()), (None, 0, 0));
    }
}
