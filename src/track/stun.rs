//! STUN across frames: each message matched with the rest of its transaction, as Wireshark's
//! STUN dissector matches them in one pass, and the RFC 7983 demultiplexer of the UDP flows
//! WebRTC shares between STUN, DTLS and SRTP; STUN over TCP read from each segment.
//!
//! Matching: a transaction is its conversation (the UDP or TCP stream) and its 96-bit ID; its
//! first message starts the clock (`stun.time` counts from it, as tshark's does). A response
//! names the first request (`stun.response-to`); a request or a non-request sent again names
//! the first copy (`stun.reqduplicate`). At most [`MAX_TRANSACTIONS`] are remembered, the
//! oldest forgotten first.
//!
//! Demultiplexing: once a UDP flow has carried STUN or DTLS, each datagram on it that the
//! chain left as data is handed on by its first byte ([`dispatch::demux_7983`]): TURN
//! ChannelData, RTP or RTCP (SRTP and SRTCP when the flow carried DTLS); DTLS itself is the
//! DTLS unit's. At most [`MAX_FLOWS`] flows are remembered. Both tables are [`Holder`]s.
//!
//! Over TCP (port 3478), a segment whose payload is whole messages back to back (ChannelData
//! padded to four bytes) is read as them; a message split across segments stays data.

use std::mem::size_of;

use super::budget::{self, Holder, Shed};
use super::cow::{Census, CowMap, CowQueue};
use crate::dispatch::{self, Dispatch};
use crate::dissect::stun::{self, Matched, Stun, class};
use crate::dissect::{Annotation, Content, Layer, Packet, rtp};
use crate::osi::Protocol;

/// How many transactions are remembered.
pub const MAX_TRANSACTIONS: usize = 65_536;
/// How many demultiplexed UDP flows are remembered.
pub const MAX_FLOWS: usize = 16_384;
/// How many messages one TCP segment is read as, at most.
const MAX_MESSAGES_PER_SEGMENT: usize = 64;

/// A transaction: its conversation and its ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    tcp: bool,
    stream: u32,
    id: [u8; 12],
}

/// The first request and the first other message of a transaction, and when it began.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Transaction {
    request_frame: Option<u64>,
    other_frame: Option<u64>,
    first_ns: i64,
}

/// What a demultiplexed flow has carried.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Flow {
    dtls: bool,
    /// The SRTP protection profile the DTLS ServerHello chose (use_srtp, RFC 5764).
    srtp_profile: Option<u16>,
}

const TRANSACTION_COST: usize = budget::entry_cost::<Key, Transaction>() + size_of::<Key>();
const FLOW_COST: usize = budget::entry_cost::<u32, Flow>() + size_of::<u32>();

#[derive(Clone, Default)]
pub struct StunTable {
    transactions: CowMap<Key, Transaction>,
    order: CowQueue<Key>,
    flows: CowMap<u32, Flow>,
    flow_order: CowQueue<u32>,
}

/// The conversation a layer rides in, and its ports.
#[derive(Clone, Copy)]
struct Carrier {
    tcp: bool,
    stream: u32,
    quoted: bool,
}

impl StunTable {
    /// Demultiplexes, reads STUN over TCP and matches every STUN message of `packet`.
    pub fn handle_packet(&mut self, packet: &mut Packet<'_>, frame: u64, ts_ns: i64, dispatch: &Dispatch) {
        self.read_payloads(packet, dispatch);
        let mut carrier = None;
        let mut problems = Vec::new();
        for layer in packet.layers.iter_mut() {
            match (&layer.annotation, &layer.content) {
                (Annotation::Udp(udp), _) => {
                    carrier =
                        Some(Carrier { tcp: false, stream: udp.stream, quoted: layer.quoted_by.is_some() })
                }
                (Annotation::Tcp(tcp), _) => {
                    carrier =
                        Some(Carrier { tcp: true, stream: tcp.stream, quoted: layer.quoted_by.is_some() })
                }
                (_, Content::Stun(Stun::Message(message))) => {
                    let Some(carrier) = carrier else { continue };
                    if !carrier.tcp && !carrier.quoted {
                        self.remember_flow(carrier.stream, false, None);
                    }
                    let key = Key { tcp: carrier.tcp, stream: carrier.stream, id: message.transaction_id() };
                    let matched = self.handle_message(key, message.class(), frame, ts_ns);
                    if let Some(bad) = message.attributes().find(|a| a.bad_fingerprint(message.bytes())) {
                        let crc =
                            u32::from_be_bytes([bad.value[0], bad.value[1], bad.value[2], bad.value[3]]);
                        let right = stun::attributes::fingerprint(message.bytes(), bad.offset);
                        problems.push(format!(
                            "FINGERPRINT 0x{crc:08x} is wrong: the message's CRC-32 XOR 0x5354554e is 0x{right:08x}"
                        ));
                    }
                    if matched != Matched::default() {
                        layer.annotation = Annotation::Stun(matched);
                    }
                }
                _ => {}
            }
        }
        for problem in problems {
            packet.problem(Protocol::Stun, problem);
        }
    }

    /// Tshark's bookkeeping of one message (packet-stun.c, first pass).
    fn handle_message(&mut self, key: Key, class: u8, frame: u64, ts_ns: i64) -> Matched {
        let transaction = match self.transactions.get_mut(&key) {
            Some(transaction) => transaction,
            None => {
                self.order.push_back(key);
                while self.order.len() > MAX_TRANSACTIONS {
                    let Some(oldest) = self.order.pop_front() else { break };
                    self.transactions.remove(&oldest);
                }
                self.transactions
                    .get_or_insert_with(key, || Transaction { first_ns: ts_ns, ..Transaction::default() })
            }
        };
        let mut matched = Matched::default();
        if class == class::REQUEST {
            let first = *transaction.request_frame.get_or_insert(frame);
            matched.duplicate_of = (first != frame).then_some(first);
        } else {
            let first = *transaction.other_frame.get_or_insert(frame);
            matched.duplicate_of = (first != frame).then_some(first);
            if matches!(class, class::SUCCESS_RESPONSE | class::ERROR_RESPONSE)
                && let Some(request) = transaction.request_frame
            {
                matched.response_to = Some(request);
                matched.time_ns = Some(ts_ns.saturating_sub(transaction.first_ns));
            }
        }
        matched
    }

    fn remember_flow(&mut self, stream: u32, dtls: bool, srtp_profile: Option<u16>) -> Flow {
        let flow = self.flows.get_or_insert_with(stream, || {
            self.flow_order.push_back(stream);
            Flow::default()
        });
        flow.dtls |= dtls;
        flow.srtp_profile = srtp_profile.or(flow.srtp_profile);
        let flow = *flow;
        while self.flow_order.len() > MAX_FLOWS {
            let Some(oldest) = self.flow_order.pop_front() else { break };
            self.flows.remove(&oldest);
        }
        flow
    }

    /// Reads the data after a UDP header on a demultiplexed flow, and STUN over TCP.
    fn read_payloads(&mut self, packet: &mut Packet<'_>, dispatch: &Dispatch) {
        // DTLS read on a UDP flow: its SRTP and SRTCP come later on the same flow.
        let dtls_on_udp =
            packet.layers.windows(2).find_map(|pair| match (&pair[0].annotation, &pair[1].content) {
                (Annotation::Udp(udp), Content::Dtls(dtls)) if pair[0].quoted_by.is_none() => {
                    Some((udp.stream, chosen_srtp_profile(dtls)))
                }
                _ => None,
            });
        if let Some((stream, srtp_profile)) = dtls_on_udp {
            self.remember_flow(stream, true, srtp_profile);
        }
        let Some(data) = packet.layers.len().checked_sub(1) else { return };
        let (Some(transport), Content::Data(payload)) = (data.checked_sub(1), &packet.layers[data].content)
        else {
            return;
        };
        let payload: &[u8] = payload;
        let below = &packet.layers[transport];
        if below.quoted_by.is_some() {
            return;
        }
        match (&below.annotation, &below.content) {
            (Annotation::Udp(udp), Content::Udp(_)) => {
                let stream = udp.stream;
                let starts_dtls = payload.len() >= 3
                    && (20..=63).contains(&payload[0])
                    && payload[1] == 0xfe
                    && matches!(payload[2], 0xfd | 0xff);
                if starts_dtls {
                    self.remember_flow(stream, true, None);
                }
                let Some(flow) = self.flows.get(&stream).copied() else { return };
                demux(packet, data, payload, flow);
            }
            (Annotation::Tcp(_), Content::Tcp(header)) => {
                let ports = (header.src_port(), header.dst_port());
                if dispatch.tcp_port(ports) == Some(Protocol::Stun) {
                    read_tcp(packet, data, payload);
                }
            }
            _ => {}
        }
    }
}

/// The SRTP protection profile a DTLS ServerHello in this datagram chose (its use_srtp
/// extension, RFC 5764 section 4.1.1), which says how SRTCP packets end.
fn chosen_srtp_profile(dtls: &crate::dissect::dtls::Dtls<'_>) -> Option<u16> {
    use crate::dissect::tls::handshake::{Hello, kind};
    dtls.messages().filter(|(message, _)| *message == kind::SERVER_HELLO).find_map(|(_, body)| {
        let hello = Hello::parse_with(kind::SERVER_HELLO, body.bytes, true).ok()?;
        let data = hello.extension(crate::dissect::tls::extension::kind::USE_SRTP)?.data;
        // A two-byte list length, then the one profile the server chose.
        Some(u16::from_be_bytes([*data.get(2)?, *data.get(3)?]))
    })
}

/// Replaces the data layer at `index` by what RFC 7983 says its first byte is.
fn demux<'a>(packet: &mut Packet<'a>, index: usize, payload: &'a [u8], flow: Flow) {
    let content = match dispatch::demux_7983(payload) {
        Some(Protocol::Stun) if stun::is_channel_data(payload, false) => {
            let Ok((_, (header, data))) = stun::parse_channel_data(payload) else { return };
            packet.layers[index].content = Content::Stun(Stun::ChannelData(header));
            if !data.is_empty() {
                let layer =
                    following(&packet.layers[index], stun::CHANNEL_DATA_HEADER_LEN, Content::Data(data));
                packet.layers.push(layer);
            }
            return;
        }
        Some(Protocol::Rtp) if rtp::is_rtcp(payload) => match rtp::parse_rtcp(payload, flow.dtls) {
            Ok((_, mut rtcp)) => {
                rtcp.encrypted = flow.srtp_profile.is_some_and(|profile| rtp::srtcp_e_flag(payload, profile));
                rtcp.tag_len = flow.srtp_profile.and_then(rtp::srtp_tag_len).unwrap_or(0);
                Content::Rtcp(rtcp)
            }
            Err(error) => undecoded(Protocol::Rtcp, payload, error),
        },
        Some(Protocol::Rtp) => match rtp::parse(payload, flow.dtls) {
            Ok((_, mut header)) => {
                header.tag_len = flow.srtp_profile.and_then(rtp::srtp_tag_len).unwrap_or(0);
                Content::Rtp(header)
            }
            Err(error) => undecoded(Protocol::Rtp, payload, error),
        },
        _ => return,
    };
    packet.layers[index].content = content;
}

fn undecoded<'a>(
    protocol: Protocol,
    bytes: &'a [u8],
    error: nom::Err<crate::dissect::error::Error>,
) -> Content<'a> {
    let reason = crate::dissect::error::into_error(error).to_string();
    Content::Undecoded { protocol, bytes, reason }
}

/// A layer `offset` bytes after `layer`, in the same source.
fn following<'a>(layer: &Layer<'a>, offset: usize, content: Content<'a>) -> Layer<'a> {
    Layer {
        content,
        offset: layer.offset + offset,
        source: layer.source,
        quoted_by: None,
        annotation: Annotation::None,
    }
}

/// Reads a TCP segment's payload as STUN messages and ChannelData back to back, if it is only
/// that; otherwise leaves it as data.
fn read_tcp<'a>(packet: &mut Packet<'a>, index: usize, payload: &'a [u8]) {
    let mut layers: Vec<(usize, Content<'a>)> = Vec::new();
    let mut at = 0;
    while at < payload.len() {
        if layers.len() >= MAX_MESSAGES_PER_SEGMENT {
            return;
        }
        let rest = &payload[at..];
        if rest.first().is_some_and(|byte| byte & 0xc0 == 0x40) {
            let Ok((_, (header, data))) = stun::parse_channel_data(rest) else { return };
            let whole = (stun::CHANNEL_DATA_HEADER_LEN + data.len()).div_ceil(4) * 4;
            if whole > rest.len() {
                return;
            }
            layers.push((at, Content::Stun(Stun::ChannelData(header))));
            if !data.is_empty() {
                layers.push((at + stun::CHANNEL_DATA_HEADER_LEN, Content::Data(data)));
            }
            at += whole;
            continue;
        }
        let Some(length) = rest.get(2..4).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]]))) else {
            return;
        };
        let Some(bytes) = rest.get(..stun::HEADER_LEN + length) else { return };
        if !stun::starts_like_stun(bytes) {
            return;
        }
        match stun::parse(bytes) {
            Ok((_, message)) => layers.push((at, Content::Stun(Stun::Message(message)))),
            Err(_) => return,
        }
        at += bytes.len();
    }
    let template = packet.layers[index].clone();
    packet.layers.truncate(index);
    for (offset, content) in layers {
        packet.layers.push(following(&template, offset, content));
    }
}

impl Holder for StunTable {
    fn held(&self) -> usize {
        self.order.len() * TRANSACTION_COST + self.flow_order.len() * FLOW_COST
    }

    fn freeze(&mut self) {
        self.transactions.freeze();
        self.flows.freeze();
    }

    fn census(&self, census: &mut Census) {
        self.transactions.census(census, |_, _| {});
        self.order.census(census);
        self.flows.census(census, |_, _| {});
        self.flow_order.census(census);
    }

    fn shed(&mut self) -> Option<Shed> {
        if let Some(oldest) = self.order.pop_front() {
            self.transactions.remove(&oldest);
            let transport = if oldest.tcp { "tcp" } else { "udp" };
            let id: String = oldest.id.iter().map(|byte| format!("{byte:02x}")).collect();
            let what = format!(
                "the STUN transaction {id} of {transport}.stream {} (a response to it will not be matched)",
                oldest.stream
            );
            return Some(Shed { protocol: Protocol::Stun, what });
        }
        let oldest = self.flow_order.pop_front()?;
        self.flows.remove(&oldest);
        let what = format!("the RFC 7983 demultiplexing of udp.stream {oldest} (its SRTP is shown as data)");
        Some(Shed { protocol: Protocol::Stun, what })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(stream: u32, id: u8) -> Key {
        Key { tcp: false, stream, id: [id; 12] }
    }

    #[test]
    fn a_response_names_its_request_and_the_time_since_the_first_message() {
        let mut table = StunTable::default();
        assert_eq!(table.handle_message(key(0, 1), class::REQUEST, 3, 1_000), Matched::default());
        let response = table.handle_message(key(0, 1), class::SUCCESS_RESPONSE, 4, 6_000);
        assert_eq!(response, Matched { response_to: Some(3), time_ns: Some(5_000), duplicate_of: None });
        // The response again (an ICMP error quoting it, as tshark counts it too).
        let again = table.handle_message(key(0, 1), class::SUCCESS_RESPONSE, 9, 7_000);
        assert_eq!(again, Matched { response_to: Some(3), time_ns: Some(6_000), duplicate_of: Some(4) });
        // The request sent again names its first copy.
        let retransmitted = table.handle_message(key(0, 1), class::REQUEST, 10, 8_000);
        assert_eq!(retransmitted.duplicate_of, Some(3));
        // Another conversation, same ID: a response with no request names nothing.
        assert_eq!(table.handle_message(key(1, 1), class::ERROR_RESPONSE, 11, 9_000), Matched::default());
        // An indication is not a response.
        assert_eq!(table.handle_message(key(0, 2), class::INDICATION, 12, 9_000), Matched::default());
    }

    #[test]
    fn remembered_state_is_bounded_and_shed_oldest_first() {
        let mut table = StunTable::default();
        for stream in 0..(MAX_TRANSACTIONS as u32 + 10) {
            table.handle_message(key(stream, 0), class::REQUEST, u64::from(stream), 0);
        }
        assert_eq!(table.transactions.len(), MAX_TRANSACTIONS);
        let forgotten = table.handle_message(key(0, 0), class::SUCCESS_RESPONSE, 1, 1);
        assert_eq!(forgotten.response_to, None, "the oldest was forgotten");
        for stream in 0..(MAX_FLOWS as u32 + 10) {
            table.remember_flow(stream, false, None);
        }
        assert_eq!(table.flows.len(), MAX_FLOWS);
        let held = table.held();
        let shed = table.shed().expect("something to give up");
        assert_eq!(shed.protocol, Protocol::Stun);
        assert!(shed.what.contains("STUN transaction"), "{}", shed.what);
        assert_eq!(table.held(), held - TRANSACTION_COST);
    }
}
