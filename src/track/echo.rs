//! Ping: each echo reply matched with the request it answers, by the addresses, identifier and
//! sequence number (RFC 792, RFC 4443 section 4), as Wireshark matches them in one pass.
//!
//! At most [`MAX_OUTSTANDING`] requests are remembered; beyond that the oldest are forgotten.
//! The table is a [`Holder`] of the tracker's budget too, giving up its oldest requests first.

use std::collections::VecDeque;
use std::mem::size_of;
use std::net::IpAddr;

use rustc_hash::FxHashMap;

use super::budget::{self, Holder, Shed};
use crate::osi::Protocol;

/// How many unanswered requests are remembered.
pub const MAX_OUTSTANDING: usize = 65_536;

/// What identifies a request, seen from its sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    sender: IpAddr,
    target: IpAddr,
    ident: u16,
    seq: u16,
}

/// The request a reply answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answered {
    pub request_frame: u64,
    /// Time from the request to the reply.
    pub response_ns: i64,
}

/// What one remembered request costs: its entry, and its place in the age queue.
const REQUEST_COST: usize = budget::entry_cost::<Key, (u64, i64, bool)>() + size_of::<Key>();

#[derive(Default, Clone)]
pub struct EchoTable {
    /// The latest request of each key: its frame, its time, and whether a reply matched it.
    requests: FxHashMap<Key, (u64, i64, bool)>,
    order: VecDeque<Key>,
}

impl EchoTable {
    /// Remembers a request sent from `src` to `dst` in `frame` at `ts_ns`.
    pub fn request(&mut self, src: IpAddr, dst: IpAddr, ident: u16, seq: u16, frame: u64, ts_ns: i64) {
        let key = Key { sender: src, target: dst, ident, seq };
        if self.requests.insert(key, (frame, ts_ns, false)).is_none() {
            self.order.push_back(key);
        }
        while self.requests.len() > MAX_OUTSTANDING {
            let Some(oldest) = self.order.pop_front() else { break };
            self.requests.remove(&oldest);
        }
    }

    /// Finds the request a reply from `src` to `dst` answers. As in Wireshark's single pass, a
    /// request is answered once: a second reply to it (a copy, as a capture of both ends of a
    /// link holds) names no request.
    pub fn reply(&mut self, src: IpAddr, dst: IpAddr, ident: u16, seq: u16, ts_ns: i64) -> Option<Answered> {
        let key = Key { sender: dst, target: src, ident, seq };
        let (request_frame, sent, answered) = self.requests.get_mut(&key)?;
        if std::mem::replace(answered, true) {
            return None;
        }
        Some(Answered { request_frame: *request_frame, response_ns: ts_ns.saturating_sub(*sent) })
    }
}

impl Holder for EchoTable {
    fn held(&self) -> usize {
        self.order.len() * REQUEST_COST
    }

    fn shed(&mut self) -> Option<Shed> {
        let oldest = self.order.pop_front()?;
        self.requests.remove(&oldest);
        let protocol = if oldest.sender.is_ipv4() { Protocol::Icmp } else { Protocol::Icmpv6 };
        let what = format!(
            "the echo request {} → {} id {} seq {} (a reply to it will not be matched)",
            oldest.sender, oldest.target, oldest.ident, oldest.seq
        );
        Some(Shed { protocol, what })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_finds_its_request_and_only_its_own() {
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let mut table = EchoTable::default();
        table.request(a, b, 7, 1, 3, 1_000);
        assert_eq!(table.reply(b, a, 7, 2, 93_000), None, "another sequence number");
        assert_eq!(table.reply(a, b, 7, 1, 93_000), None, "the wrong direction");
        assert_eq!(table.reply(b, a, 7, 1, 93_000), Some(Answered { request_frame: 3, response_ns: 92_000 }));
        assert_eq!(table.reply(b, a, 7, 1, 94_000), None, "a second reply answers nothing");
        table.request(a, b, 7, 1, 9, 100_000);
        assert_eq!(table.reply(b, a, 7, 1, 101_000), Some(Answered { request_frame: 9, response_ns: 1_000 }));
    }

    #[test]
    fn remembered_requests_are_bounded() {
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let mut table = EchoTable::default();
        for seq in 0..=u16::MAX {
            table.request(a, b, 1, seq, u64::from(seq), 0);
            table.request(a, b, 2, seq, u64::from(seq), 0);
        }
        assert_eq!(table.requests.len(), MAX_OUTSTANDING);
        assert_eq!(table.reply(b, a, 1, 5, 0), None, "the oldest were forgotten");
        assert_eq!(table.reply(b, a, 2, 5, 0), None, "the oldest were forgotten");
        assert!(table.reply(b, a, 1, 65_000, 0).is_some() && table.reply(b, a, 2, 65_000, 0).is_some());
        assert_eq!(table.held(), MAX_OUTSTANDING * REQUEST_COST);
    }

    #[test]
    fn the_oldest_request_is_shed_first() {
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let mut table = EchoTable::default();
        table.request(a, b, 7, 1, 1, 0);
        table.request(a, b, 7, 2, 2, 0);
        let shed = table.shed().expect("a request to give up");
        assert_eq!(shed.protocol, Protocol::Icmp);
        assert!(shed.what.contains("seq 1"), "{}", shed.what);
        assert_eq!(table.held(), REQUEST_COST);
        assert_eq!(table.reply(b, a, 7, 1, 5), None);
        assert!(table.reply(b, a, 7, 2, 5).is_some());
    }
}
