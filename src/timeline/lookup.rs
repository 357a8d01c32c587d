//! A lookup is part of the handshake: the DNS query and answer that gave a connection its
//! server's address, shown before the connection as round 0 of the page load, so that the time
//! to the first byte reads end to end (lookup, TCP, TLS, request).
//!
//! `Answers` keeps, for each host that asked and each address it was given, the latest
//! successful answer seen (the query's frame and time, the answer's, and the name asked for,
//! through its CNAME chain), read off the DNS layers and the match the tracker recorded on them
//! (`dns.time`): nothing is parsed here. A connection takes the answer its client was given for
//! its server's address as it stands at the connection's first packet, so an answer that came
//! later, or went to another host, never claims it; a connection that carries DNS itself (a
//! query over TCP or TLS to the resolver) is a lookup, not something looked up, and takes none.
//! At most [`MAX_ADDRESSES`] pairs are remembered, the one answered longest ago forgotten first:
//! what this keeps across frames is bounded by a constant, whatever the capture holds. A
//! connection with no answer for its server's address is left exactly as it was.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::message::{Message, Resolved};
use super::rounds::{Side, Step};
use super::{Event, millis_between};
use crate::capture::Frame;
use crate::dissect::dns::Matched;
use crate::dissect::{Annotation, Content, Packet};
use crate::osi::OsiLayer;

/// How many (host that asked, address given) pairs' latest answers are remembered.
pub const MAX_ADDRESSES: usize = 4096;

/// One successful answer that named an address.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Answer {
    /// The name the client asked for.
    asked: String,
    /// Where its CNAME chain ended, when it had one.
    canonical: Option<String>,
    address: IpAddr,
    /// The resolver that answered, with its port.
    resolver: String,
    query_frame: u64,
    query_ns: i64,
    answer_frame: u64,
    answer_ns: i64,
}

/// The host that asked, and an address it was given.
type Pair = (IpAddr, IpAddr);

/// The latest answer for each host and address, bounded.
#[derive(Clone, Default)]
pub(super) struct Answers {
    /// Each pair's answer, and the number of the answer that put it there.
    by_address: FxHashMap<Pair, (u64, Arc<Answer>)>,
    /// Pairs in the order they were answered, with the answer's number; an entry whose number
    /// is no longer the pair's is stale (a later answer replaced it).
    order: VecDeque<(Pair, u64)>,
    next: u64,
}

impl Answers {
    /// Remembers the addresses each first, successful DNS response of `packet` names.
    pub(super) fn handle_packet(&mut self, frame: &Frame<'_>, packet: &Packet<'_>) {
        let mut port = None;
        for layer in packet.layers.iter().filter(|layer| !layer.is_quoted()) {
            match (&layer.content, &layer.annotation) {
                (Content::Udp(udp), _) => port = Some(udp.src_port()),
                (Content::Tcp(tcp), _) => port = Some(tcp.src_port()),
                (Content::Dns(message), Annotation::Dns(Matched::Response { request_frame, time_ns })) => {
                    let Some(resolution) = message.resolution() else { continue };
                    let Some((resolver_address, asker)) = packet.addresses() else { continue };
                    let resolver = match (Some((resolver_address, asker)), port) {
                        (Some((IpAddr::V6(addr), _)), Some(port)) => format!("[{addr}]:{port}"),
                        (Some((addr, _)), Some(port)) => format!("{addr}:{port}"),
                        (Some((addr, _)), None) => addr.to_string(),
                        (None, _) => String::new(),
                    };
                    let canonical = (!resolution.canonical.eq_ignore_ascii_case(&resolution.asked))
                        .then_some(resolution.canonical);
                    for address in resolution.addresses {
                        self.remember(
                            asker,
                            Answer {
                                asked: resolution.asked.clone(),
                                canonical: canonical.clone(),
                                address,
                                resolver: resolver.clone(),
                                query_frame: *request_frame,
                                query_ns: frame.ts_ns.saturating_sub(*time_ns),
                                answer_frame: frame.number,
                                answer_ns: frame.ts_ns,
                            },
                        );
                    }
                }
                _ => {}
            }
        }
    }

    fn remember(&mut self, asker: IpAddr, answer: Answer) {
        let (address, number) = ((asker, answer.address), self.next);
        self.next += 1;
        self.by_address.insert(address, (number, Arc::new(answer)));
        self.order.push_back((address, number));
        while self.by_address.len() > MAX_ADDRESSES {
            let Some((oldest, number)) = self.order.pop_front() else { break };
            if self.by_address.get(&oldest).is_some_and(|(current, _)| *current == number) {
                self.by_address.remove(&oldest);
            }
        }
        // Stale entries of addresses answered again: dropped once they are most of the queue.
        if self.order.len() > 2 * MAX_ADDRESSES {
            let by_address = &self.by_address;
            self.order.retain(|(address, number)| by_address.get(address).is_some_and(|(n, _)| n == number));
        }
    }

    /// The latest answer that gave `client` the address `server`.
    pub(super) fn latest(&self, client: IpAddr, server: IpAddr) -> Option<Arc<Answer>> {
        self.by_address.get(&(client, server)).map(|(_, answer)| Arc::clone(answer))
    }
}

/// The lookup a connection's timeline begins with.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lookup {
    /// The name the client asked for.
    pub name: String,
    /// Where the name's CNAME chain ended, when it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical: Option<String>,
    /// The server's address, as the answer gave it.
    pub address: String,
    pub resolver: String,
    pub query_frame: u64,
    pub answer_frame: u64,
    /// When the query left, in milliseconds since the connection's first packet (so negative).
    pub t_ms: f64,
    /// How long the lookup took: the response's `dns.time`.
    pub time_ms: f64,
    /// From the query to the first byte of the server's response: lookup, handshake and
    /// request end to end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_response_ms: Option<f64>,
}

impl Lookup {
    /// The name the connection was looked up as, with where it came from: "www.a.test (DNS)".
    pub fn shown_name(&self) -> String {
        format!("{} (DNS)", self.name)
    }
}

/// Puts the lookup's query and answer before a connection's `events` (which began at
/// `first_ns`), as round 0, and says what the lookup was; `response_ms` is when the response's
/// first byte came, since the connection's first packet.
pub(super) fn prepend(
    events: &mut Vec<Event>,
    first_ns: i64,
    answer: &Answer,
    response_ms: Option<f64>,
) -> Lookup {
    let name = answer.asked.clone();
    let time_ns = answer.answer_ns.saturating_sub(answer.query_ns);
    let event = |side: Side, frame: u64, at_ns: i64, message: Message| Event {
        frame,
        t_ms: millis_between(first_ns, at_ns),
        link: None,
        dir: side,
        round: 0,
        osi: OsiLayer::Application,
        messages: vec![message],
        notes: Vec::new(),
        step: Step {
            side,
            syn: false,
            handshake: false,
            application: false,
            gating: None,
            retransmission: false,
        },
        early: false,
        at_ns,
        copy: 0,
    };
    let query = event(
        Side::Client,
        answer.query_frame,
        answer.query_ns,
        Message::LookupQuery { name: name.clone(), resolver: answer.resolver.clone() },
    );
    let answered = event(
        Side::Server,
        answer.answer_frame,
        answer.answer_ns,
        Message::LookupAnswer(Box::new(Resolved {
            name: name.clone(),
            canonical: answer.canonical.clone(),
            address: answer.address,
            time_ns,
        })),
    );
    events.splice(0..0, [query, answered]);
    let t_ms = millis_between(first_ns, answer.query_ns);
    Lookup {
        name,
        canonical: answer.canonical.clone(),
        address: answer.address.to_string(),
        resolver: answer.resolver.clone(),
        query_frame: answer.query_frame,
        answer_frame: answer.answer_frame,
        t_ms,
        time_ms: time_ns as f64 / 1e6,
        to_response_ms: response_ms.map(|response| response - t_ms),
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));

    fn answer(address: [u8; 4], asked: &str, at_ns: i64) -> Answer {
        Answer {
            asked: asked.to_owned(),
            canonical: None,
            address: IpAddr::V4(Ipv4Addr::from(address)),
            resolver: "10.0.0.53:53".to_owned(),
            query_frame: 1,
            query_ns: at_ns - 500_000,
            answer_frame: 2,
            answer_ns: at_ns,
        }
    }

    #[test]
    fn the_latest_answer_for_an_address_is_the_one_kept() {
        let mut answers = Answers::default();
        answers.remember(CLIENT, answer([10, 0, 0, 2], "a.test", 1_000_000));
        answers.remember(CLIENT, answer([10, 0, 0, 2], "b.test", 2_000_000));
        let other = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9));
        answers.remember(other, answer([10, 0, 0, 2], "c.test", 3_000_000));
        let latest = answers.latest(CLIENT, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2))).expect("answered");
        assert_eq!(latest.asked, "b.test", "the latest answer to this client, not another's");
        assert_eq!(answers.latest(CLIENT, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3))), None);
    }

    #[test]
    fn remembered_addresses_are_bounded_and_the_oldest_forgotten_first() {
        let mut answers = Answers::default();
        for index in 0..(3 * MAX_ADDRESSES as u32) {
            let [_, a, b, c] = index.to_be_bytes();
            answers.remember(CLIENT, answer([10, a, b, c], "flood.test", i64::from(index)));
            // One address answered again and again stays, however many others come.
            answers.remember(CLIENT, answer([192, 0, 2, 1], "kept.test", i64::from(index)));
        }
        assert_eq!(answers.by_address.len(), MAX_ADDRESSES);
        assert!(answers.order.len() <= 2 * MAX_ADDRESSES + 1);
        assert!(answers.latest(CLIENT, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0))).is_none(), "forgotten");
        assert!(answers.latest(CLIENT, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))).is_some());
        let last = 3 * MAX_ADDRESSES as u32 - 1;
        let [_, a, b, c] = last.to_be_bytes();
        assert!(answers.latest(CLIENT, IpAddr::V4(Ipv4Addr::new(10, a, b, c))).is_some(), "the latest stays");
    }

    #[test]
    fn the_lookup_comes_first_as_round_0_before_the_connection_began() {
        let mut events = Vec::new();
        let first_ns = 10_000_000;
        let lookup =
            prepend(&mut events, first_ns, &answer([10, 0, 0, 2], "www.a.test", 9_000_000), Some(3.0));
        assert_eq!(events.len(), 2);
        assert_eq!((events[0].dir, events[0].round, events[0].frame), (Side::Client, 0, 1));
        assert_eq!((events[1].dir, events[1].round, events[1].frame), (Side::Server, 0, 2));
        assert_eq!(events[0].t_ms, -1.5);
        assert_eq!(events[1].t_ms, -1.0);
        assert_eq!(events[0].label(), "lookup www.a.test: DNS query to 10.0.0.53:53");
        assert_eq!(events[1].label(), "lookup www.a.test: 10.0.0.2 in 0.500 ms");
        assert_eq!(lookup.time_ms, 0.5);
        assert_eq!(lookup.t_ms, -1.5);
        assert_eq!(lookup.to_response_ms, Some(4.5));
        assert_eq!(lookup.shown_name(), "www.a.test (DNS)");
    }
}

#[cfg(test)]
#[path = "lookup_tests.rs"]
pub(crate) mod capture_tests;
