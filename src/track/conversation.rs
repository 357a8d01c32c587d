//! Conversations: the pair of endpoints a TCP or UDP segment belongs to, numbered from 0 in
//! order of first appearance as Wireshark numbers `tcp.stream` and `udp.stream`.

use std::net::IpAddr;

use rustc_hash::FxHashMap;

use crate::dissect::udp;

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

struct UdpConversation {
    stream: u32,
    first_ns: i64,
    last_ns: i64,
}

/// UDP conversations.
#[derive(Default)]
pub struct UdpTable {
    conversations: FxHashMap<Key, UdpConversation>,
}

impl UdpTable {
    /// Finds or starts the conversation of a datagram seen at `ts_ns`. A header quoted in an
    /// ICMP error finds its conversation but does not count as one of its datagrams.
    pub fn handle(&mut self, src: Endpoint, dst: Endpoint, ts_ns: i64, quoted: bool) -> udp::Conversation {
        let next = self.conversations.len() as u32;
        let (key, _) = Key::of(src, dst);
        let conversation = self.conversations.entry(key).or_insert(UdpConversation {
            stream: next,
            first_ns: ts_ns,
            last_ns: ts_ns,
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
}
