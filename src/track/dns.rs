//! DNS requests matched with their responses, as Wireshark matches them in one pass: by the
//! conversation that carries them (the UDP or TCP stream) and the transaction ID.
//!
//! A response names the request it answers (`dns.response_to`) and the time since it
//! (`dns.time`); a second response to the same request is a retransmission and names nothing;
//! a response no request in its conversation asked for is unsolicited. A request whose ID is
//! still unanswered in its conversation is a retransmission of it and starts nothing new.
//! At most [`MAX_TRANSACTIONS`] transactions are remembered, the oldest forgotten first; the
//! table is a [`Holder`] of the tracker's budget too.

#[path = "dns_stream.rs"]
pub mod stream;

use std::mem::size_of;

use smallvec::SmallVec;

use super::budget::{self, Holder, Shed};
use super::cow::{Census, CowMap, CowQueue};
use crate::dissect::dns::{self, Matched, Message};
use crate::dissect::field::{Source, Span};
use crate::dissect::{Annotation, Content, Layer, Packet};
use crate::osi::Protocol;

/// How many transactions are remembered.
pub const MAX_TRANSACTIONS: usize = 65_536;

/// What identifies a transaction: its conversation and its ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    /// The UDP or TCP stream number, and which of the two.
    stream: u32,
    tcp: bool,
    id: u16,
}

/// One request, and whether a response has matched it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Transaction {
    request_frame: u64,
    request_ns: i64,
    answered: bool,
}

const TRANSACTION_COST: usize = budget::entry_cost::<Key, Transaction>() + size_of::<Key>();

#[derive(Default, Clone)]
pub struct DnsTable {
    transactions: CowMap<Key, Transaction>,
    order: CowQueue<Key>,
}

impl DnsTable {
    /// Annotates every DNS layer of `packet` (outside ICMP quotes) with its match.
    pub fn handle_packet(&mut self, packet: &mut Packet<'_>, frame: u64, ts_ns: i64) {
        let mut conversation = None;
        for layer in packet.layers.iter_mut().filter(|layer| !layer.is_quoted()) {
            match (&layer.annotation, &layer.content) {
                (Annotation::Udp(udp), _) => conversation = Some((udp.stream, false)),
                (Annotation::Tcp(tcp), _) => conversation = Some((tcp.stream, true)),
                (_, Content::Dns(message)) => {
                    let Some((stream, tcp)) = conversation else { continue };
                    let key = Key { stream, tcp, id: message.id() };
                    let matched = if message.is_response() {
                        self.response(key, ts_ns)
                    } else {
                        self.request(key, frame, ts_ns);
                        None
                    };
                    if let Some(matched) = matched {
                        layer.annotation = Annotation::Dns(matched);
                    }
                }
                _ => {}
            }
        }
    }

    fn request(&mut self, key: Key, frame: u64, ts_ns: i64) {
        let transaction = Transaction { request_frame: frame, request_ns: ts_ns, answered: false };
        match self.transactions.get_mut(&key) {
            // A retransmission: the first request stays the one a response answers.
            Some(earlier) if !earlier.answered => {}
            Some(earlier) => *earlier = transaction,
            None => {
                self.transactions.insert(key, transaction);
                self.order.push_back(key);
            }
        }
        while self.transactions.len() > MAX_TRANSACTIONS {
            let Some(oldest) = self.order.pop_front() else { break };
            self.transactions.remove(&oldest);
        }
    }

    fn response(&mut self, key: Key, ts_ns: i64) -> Option<Matched> {
        let Some(transaction) = self.transactions.get_mut(&key) else {
            return Some(Matched::Unsolicited);
        };
        if std::mem::replace(&mut transaction.answered, true) {
            return None;
        }
        let time_ns = ts_ns.saturating_sub(transaction.request_ns);
        Some(Matched::Response { request_frame: transaction.request_frame, time_ns })
    }
}

/// Where the whole length-prefixed DNS messages of `bytes` are, if it holds nothing else (RFC
/// 7766 section 8): the plaintext of a DNS-over-TLS record. A message split across records is
/// not put together (over plain TCP, [`stream::DnsStream`] reads across segments).
pub fn framed(bytes: &[u8]) -> Option<SmallVec<[(usize, Message<'_>); 2]>> {
    let mut messages = SmallVec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (after, message) = dns::parse_framed(rest).ok()?;
        messages.push((bytes.len() - rest.len(), message));
        rest = after;
    }
    (!messages.is_empty()).then_some(messages)
}

/// Pushes the DNS messages of `span` as layers, if it holds whole messages and nothing else.
pub(super) fn push_framed<'a>(packet: &mut Packet<'a>, span: Span<'a>) -> bool {
    let Some(messages) = framed(span.bytes) else { return false };
    for (offset, message) in messages {
        packet.layers.push(Layer {
            content: Content::Dns(message),
            offset: span.offset + offset,
            source: span.source,
            quoted_by: None,
            annotation: Annotation::None,
        });
    }
    true
}

/// Pushes the DNS messages a segment of DNS over TCP completed ([`stream::DnsStream`]): those
/// whole in the segment from `payload`, those put together from the stream arena.
pub(super) fn push_stream<'a>(packet: &mut Packet<'a>, payload: Span<'a>, fed: stream::Fed) {
    let stream_bytes = packet.stream;
    let messages: Vec<(Span<'a>, Vec<(u64, usize)>)> = fed
        .messages
        .into_iter()
        .map(|framed| {
            let span = match &framed.place {
                stream::Place::Payload(range) => payload.slice(range.start, range.end),
                stream::Place::Stream(range) => {
                    Span::new(stream_bytes.get(range.clone()).unwrap_or(&[]), Source::Stream, range.start)
                }
            };
            (span, framed.segments)
        })
        .collect();
    push_messages(packet, messages, false);
}

/// Pushes the DNS messages that the plaintext of a TLS record completed
/// ([`stream::DnsStream::feed_record`]): every place is in the decrypted arena.
pub(super) fn push_over_tls(packet: &mut Packet<'_>, messages: Vec<stream::Framed>) {
    let decrypted = packet.decrypted;
    let messages: Vec<_> = messages
        .into_iter()
        .map(|framed| {
            let (stream::Place::Payload(range) | stream::Place::Stream(range)) = framed.place;
            let bytes = decrypted.get(range.clone()).unwrap_or(&[]);
            (Span::new(bytes, Source::Decrypted, range.start), framed.segments)
        })
        .collect();
    push_messages(packet, messages, true);
}

/// Pushes framed messages, each with the frames that gave its bytes (TCP segments, or TLS
/// records when `over_tls`). A message that cannot be read is shown as data, with why.
fn push_messages<'a>(packet: &mut Packet<'a>, messages: Vec<(Span<'a>, Vec<(u64, usize)>)>, over_tls: bool) {
    for (span, segments) in messages {
        let content = match dns::parse_framed(span.bytes) {
            Ok((_, message)) if over_tls => Content::Dns(message.with_tls_segments(segments)),
            Ok((_, message)) => Content::Dns(message.with_segments(segments)),
            Err(error) => {
                let reason = match error {
                    nom::Err::Error(error) | nom::Err::Failure(error) => error.to_string(),
                    nom::Err::Incomplete(_) => "cut short".to_owned(),
                };
                let over = if over_tls { "TLS" } else { "TCP" };
                packet.problem(
                    Protocol::Dns,
                    format!("a DNS message over {over} that cannot be read: {reason}"),
                );
                Content::Data(span.bytes)
            }
        };
        packet.layers.push(Layer {
            content,
            offset: span.offset,
            source: span.source,
            quoted_by: None,
            annotation: Annotation::None,
        });
    }
}

impl Holder for DnsTable {
    fn held(&self) -> usize {
        self.order.len() * TRANSACTION_COST
    }

    fn freeze(&mut self) {
        self.transactions.freeze();
    }

    fn census(&self, census: &mut Census) {
        self.transactions.census(census, |_, _| {});
        self.order.census(census);
    }

    fn shed(&mut self) -> Option<Shed> {
        let oldest = self.order.pop_front()?;
        self.transactions.remove(&oldest);
        let transport = if oldest.tcp { "tcp" } else { "udp" };
        let what = format!(
            "the DNS request 0x{:04x} of {transport}.stream {} (a response to it will not be matched)",
            oldest.id, oldest.stream
        );
        Some(Shed { protocol: Protocol::Dns, what })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(stream: u32, id: u16) -> Key {
        Key { stream, tcp: false, id }
    }

    #[test]
    fn a_response_finds_its_request_in_its_own_conversation() {
        let mut table = DnsTable::default();
        table.request(key(0, 0x1234), 3, 1_000);
        assert_eq!(table.response(key(1, 0x1234), 2_000), Some(Matched::Unsolicited), "another conversation");
        assert_eq!(table.response(key(0, 0x4321), 2_000), Some(Matched::Unsolicited), "another ID");
        assert_eq!(
            table.response(key(0, 0x1234), 2_500),
            Some(Matched::Response { request_frame: 3, time_ns: 1_500 })
        );
        assert_eq!(table.response(key(0, 0x1234), 3_000), None, "a second response is a retransmission");
        // The ID used again, once answered, is a new transaction.
        table.request(key(0, 0x1234), 9, 10_000);
        assert_eq!(
            table.response(key(0, 0x1234), 10_400),
            Some(Matched::Response { request_frame: 9, time_ns: 400 })
        );
    }

    #[test]
    fn a_segment_of_whole_framed_messages_is_read_and_a_partial_one_is_not() {
        // Two messages, each the bare 12-byte header of a query with no questions.
        let header = [0x12, 0x34, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];
        let mut segment = vec![0, 12];
        segment.extend(header);
        segment.extend([0, 12]);
        segment.extend(header);
        let messages = framed(&segment).expect("two whole messages");
        assert_eq!(messages.iter().map(|(offset, _)| *offset).collect::<Vec<_>>(), [0, 14]);
        assert_eq!(messages[1].1.id(), 0x1234);
        assert!(framed(&segment[..20]).is_none(), "the second message is cut");
        assert!(framed(&[]).is_none(), "no message at all");
    }

    #[test]
    fn a_retransmitted_request_keeps_the_first() {
        let mut table = DnsTable::default();
        table.request(key(0, 7), 1, 0);
        table.request(key(0, 7), 2, 1_000_000_000);
        assert_eq!(
            table.response(key(0, 7), 1_000_100_000),
            Some(Matched::Response { request_frame: 1, time_ns: 1_000_100_000 })
        );
    }

    #[test]
    fn remembered_transactions_are_bounded_and_the_oldest_shed_first() {
        let mut table = DnsTable::default();
        for stream in 0..2 {
            for id in 0..=u16::MAX {
                table.request(key(stream, id), u64::from(id), 0);
            }
        }
        assert_eq!(table.transactions.len(), MAX_TRANSACTIONS);
        assert_eq!(table.response(key(0, 5), 0), Some(Matched::Unsolicited), "the oldest were forgotten");
        assert!(matches!(table.response(key(1, 5), 0), Some(Matched::Response { .. })));
        assert_eq!(table.held(), MAX_TRANSACTIONS * TRANSACTION_COST);
        let shed = table.shed().expect("a transaction to give up");
        assert_eq!(shed.protocol, Protocol::Dns);
        assert!(shed.what.contains("0x0000 of udp.stream 1"), "{}", shed.what);
        assert_eq!(table.held(), (MAX_TRANSACTIONS - 1) * TRANSACTION_COST);
    }
}
