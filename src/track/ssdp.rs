//! SSDP's HTTP messages over UDP numbered and matched as Wireshark's HTTP matches them: by the
//! UDP conversation that carries them, each response answering the latest request if that
//! one has none yet, requests and the responses that pair with them sharing a number. A
//! NOTIFY is a notification, which Wireshark neither numbers nor matches.
//!
//! A conversation keeps its counts and its latest request only (the only one a response can
//! answer); at most [`MAX_CONVERSATIONS`] are remembered, the oldest forgotten first, and the
//! table is a [`Holder`] of the tracker's budget.

use std::collections::VecDeque;
use std::mem::size_of;

use rustc_hash::FxHashMap;

use super::budget::{self, Holder, Shed};
use super::http::ledger::{Request, answer};
use crate::dissect::http1::Conversation;
use crate::dissect::{Annotation, Content, Packet};
use crate::osi::Protocol;

/// How many UDP conversations are remembered.
pub const MAX_CONVERSATIONS: usize = 4096;

/// What one UDP conversation has carried so far.
#[derive(Clone, Debug, Default)]
struct Ledger {
    /// Requests, and responses that answer none, counted together.
    count: u32,
    last_request_frame: Option<u64>,
    last_response_frame: Option<u64>,
    latest: Option<Request>,
}

const LEDGER_COST: usize = budget::entry_cost::<u32, Ledger>() + size_of::<u32>();

impl Ledger {
    fn cost(&self) -> usize {
        LEDGER_COST + self.latest.as_ref().map_or(0, Request::text_bytes)
    }

    /// Numbers a message and ties a response to its request.
    fn context(
        &mut self,
        message: &crate::dissect::http1::Message<'_>,
        frame: u64,
        ts_ns: i64,
    ) -> Conversation {
        let mut context = Conversation::default();
        if message.is_notification() {
            return context;
        }
        if message.is_request() {
            self.count += 1;
            context.number = Some(self.count);
            context.prev_request_in = self.last_request_frame;
            let uri = message.full_uri(false).map(|uri| uri.to_string());
            self.latest =
                Some(Request::new(frame, ts_ns, self.count, Vec::new(), uri, self.last_request_frame));
            self.last_request_frame = Some(frame);
        } else if let Some(status) = message.status() {
            context.prev_response_in = self.last_response_frame;
            self.last_response_frame = Some(frame);
            answer(&mut context, self.latest.as_mut(), status, ts_ns, &mut self.count);
        }
        context
    }
}

#[derive(Default, Clone)]
pub struct SsdpTable {
    conversations: FxHashMap<u32, Ledger>,
    order: VecDeque<u32>,
    held: usize,
}

impl SsdpTable {
    /// Fills in the conversation of every SSDP layer of `packet` (outside ICMP quotes).
    pub fn handle_packet(&mut self, packet: &mut Packet<'_>, frame: u64, ts_ns: i64) {
        let mut stream = None;
        for layer in packet.layers.iter_mut().filter(|layer| !layer.is_quoted()) {
            match (&layer.annotation, &mut layer.content) {
                (Annotation::Udp(udp), _) => stream = Some(udp.stream),
                (_, Content::Ssdp(message)) => {
                    let (Some(stream), Some(http)) = (stream, message.http()) else { continue };
                    message.context = self.ledger(stream, |ledger| ledger.context(&http, frame, ts_ns));
                }
                _ => {}
            }
        }
    }

    /// Runs `update` on the ledger of `stream`, made if new, keeping the count of what is held.
    fn ledger<T>(&mut self, stream: u32, update: impl FnOnce(&mut Ledger) -> T) -> T {
        if !self.conversations.contains_key(&stream) {
            if self.order.len() == MAX_CONVERSATIONS {
                self.forget_oldest();
            }
            self.conversations.insert(stream, Ledger::default());
            self.order.push_back(stream);
            self.held += LEDGER_COST;
        }
        let ledger = self.conversations.entry(stream).or_default();
        let before = ledger.cost();
        let result = update(ledger);
        self.held = self.held - before + ledger.cost();
        result
    }

    fn forget_oldest(&mut self) -> Option<u32> {
        let oldest = self.order.pop_front()?;
        if let Some(ledger) = self.conversations.remove(&oldest) {
            self.held -= ledger.cost();
        }
        Some(oldest)
    }
}

impl Holder for SsdpTable {
    fn held(&self) -> usize {
        self.held
    }

    fn shed(&mut self) -> Option<Shed> {
        let oldest = self.forget_oldest()?;
        let what =
            format!("the HTTP over UDP requests of udp.stream {oldest} (a response will not be matched)");
        Some(Shed { protocol: Protocol::Ssdp, what })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::http1;

    fn context(table: &mut SsdpTable, stream: u32, bytes: &[u8], frame: u64) -> Conversation {
        let (_, message) = http1::parse(bytes).expect("a head");
        table.ledger(stream, |ledger| ledger.context(&message, frame, frame as i64 * 1_000))
    }

    const SEARCH: &[u8] = b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n";
    const OK: &[u8] = b"HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\n\r\n";
    const NOTIFY: &[u8] = b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n";

    #[test]
    fn a_response_answers_the_search_of_its_conversation() {
        let mut table = SsdpTable::default();
        let search = context(&mut table, 0, SEARCH, 1);
        assert_eq!(search.number, Some(1));
        let other = context(&mut table, 1, OK, 2);
        assert_eq!(other.request_in, None, "another conversation");
        let answer = context(&mut table, 0, OK, 3);
        assert_eq!(answer.request_in, Some(1));
        assert_eq!(answer.number, Some(1));
        assert_eq!(answer.time_since_request_ns, Some(2_000));
        assert_eq!(answer.request_uri.as_deref(), Some("http://239.255.255.250:1900*"));
        let again = context(&mut table, 0, OK, 4);
        assert_eq!(again.request_in, None, "the search was answered already");
        assert_eq!(again.prev_response_in, Some(3));
    }

    #[test]
    fn a_notify_is_neither_numbered_nor_matched() {
        let mut table = SsdpTable::default();
        assert_eq!(context(&mut table, 0, NOTIFY, 1), Conversation::default());
        assert_eq!(context(&mut table, 0, SEARCH, 2).prev_request_in, None);
    }

    #[test]
    fn the_table_is_bounded_and_sheds_its_oldest() {
        let mut table = SsdpTable::default();
        for stream in 0..MAX_CONVERSATIONS as u32 + 10 {
            context(&mut table, stream, SEARCH, 1);
        }
        assert_eq!(table.conversations.len(), MAX_CONVERSATIONS);
        let held = table.held();
        assert!(table.shed().is_some());
        assert!(table.held() < held);
        while table.shed().is_some() {}
        assert_eq!(table.held(), 0);
    }
}
