//! QUIC connections: one event per datagram, labelled packet by packet with what each carried
//! ("Initial[CRYPTO: ClientHello]", "0-RTT[STREAM 0: HTTP/3 GET /hello.txt]"), and the steps
//! the round count needs.
//!
//! A client's Initial, and its Handshake packets, are handshake steps; a server's Retry, its
//! Version Negotiation and its ServerHello answer the client's latest Initial (the rest of the
//! server's flight arrives in the same round). STREAM data is application data: any stream
//! from the client, a request stream (bidirectional) from the server, so that the server's
//! control stream, sent before the request, is not taken for the response. CRYPTO data sent
//! again, with nothing new beside it, is a retransmission. Without a key log, a client's
//! Handshake packets are its handshake, 0-RTT and 1-RTT packets application data.
//!
//! Frames, handshake messages and HTTP/3 heads are read from the facts the tracker recorded
//! ([`crate::dissect::quic::FrameFact`], [`crate::dissect::tls::Fact`]): nothing is parsed
//! or decoded here.

use super::ending::Table;
use super::message::{Http3Frame, Message, Note, QuicFrame, QuicPacket};
use super::rounds::{Answers, Side, Step};
use super::{Builder, Pending, Transport};
use crate::capture::Frame;
use crate::dissect::http3;
use crate::dissect::quic::frame::kind;
use crate::dissect::quic::header::Kind;
use crate::dissect::quic::{CryptoTls, Http3Fact};
use crate::dissect::tls::Fact;
use crate::dissect::{Content, Packet};
use crate::osi::{OsiLayer, Protocol};

impl Builder {
    /// A datagram of a QUIC connection, found by its UDP conversation (the first Initial, a
    /// Version Negotiation and the Initial after it share one): one event. Returns false when
    /// the datagram is not QUIC.
    pub(super) fn quic(
        &mut self,
        frame: &Frame<'_>,
        packet: &Packet<'_>,
        stream: u32,
        payload: &[u8],
        (source, destination): (&str, &str),
    ) -> bool {
        let quic = packet.layers.iter().find_map(|layer| match &layer.content {
            Content::Quic(quic) if !layer.is_quoted() => Some(quic.as_ref()),
            _ => None,
        });
        // A long header of a version rttscope does not read: the start of a Version Negotiation,
        // whether the datagram was shown as QUIC (a version reserved to force one, as tshark's
        // heuristic takes it, or on QUIC's port) or not. A datagram another protocol took is
        // not one: a DNS message whose ID has its top bit set, RTP or RTCP (whose first byte
        // RFC 7983 puts in 128..=191).
        let udp = packet.layers.iter().rposition(|layer| layer.protocol() == Protocol::Udp);
        let other = udp.is_some_and(|at| {
            packet.layers[at + 1..]
                .iter()
                .any(|layer| !matches!(layer.protocol(), Protocol::Quic | Protocol::Data))
        });
        let unknown_version = match payload {
            [first, version @ ..] if first & 0x80 != 0 && version.len() >= 4 && !other => {
                let version = u32::from_be_bytes([version[0], version[1], version[2], version[3]]);
                (version != 0 && !crate::crypto::quic::is_supported(version)).then_some(version)
            }
            _ => None,
        };
        let known =
            self.udp.get(&stream).is_some_and(|&index| self.others[index].transport == Transport::Quic);
        if quic.is_none() && unknown_version.is_none() && !known {
            return false;
        }
        let crypto: Vec<&CryptoTls<'_>> = packet
            .layers
            .iter()
            .filter_map(|layer| match &layer.content {
                Content::QuicTls(tls) => Some(tls.as_ref()),
                _ => None,
            })
            .collect();
        let next = self.others.len();
        let index = self.quic_connection(stream, quic.and_then(|quic| quic.connection)).unwrap_or(next);
        self.udp.insert(stream, index);
        if index == next {
            // The first datagram is the client's Initial, unless the capture joined late.
            let started = unknown_version.is_some()
                || quic
                    .and_then(|quic| quic.packets.first())
                    .is_some_and(|first| first.header.kind == Kind::Initial);
            self.others.push(Pending {
                first_ns: frame.ts_ns,
                first_frame: frame.number,
                last_ns: frame.ts_ns,
                endpoints: Some((source.to_owned(), destination.to_owned())),
                client: Some((source.to_owned(), 0)),
                saw_syn: started,
                lookup: packet.addresses().and_then(|(src, dst)| self.answers.latest(src, dst)),
                ..Pending::default()
            });
            self.begun(Table::Other, index);
        }
        let connection = &mut self.others[index];
        connection.udp_stream = Some(stream);
        connection.count(frame);
        if let Some(number) = quic.and_then(|quic| quic.connection) {
            connection.quic_number = Some(number);
            self.quic.insert(number, index);
        }
        let connection = &mut self.others[index];
        connection.transport = Transport::Quic;
        connection.tls_version = Some(0x0304);
        let connection = &mut self.others[index];
        let side = match &connection.client {
            Some((client, _)) if client == source => Side::Client,
            _ => Side::Server,
        };
        self.latest = Some((connection.serial, side));
        let mut step = Step {
            side,
            syn: false,
            handshake: false,
            application: false,
            gating: None,
            retransmission: false,
        };
        let mut messages = Vec::new();
        let mut sent_again = 0;
        let mut new_data = false;
        let mut closed = false;
        if let Some(version) = unknown_version {
            messages.push(Message::UnreadVersion(version));
            if side == Side::Client {
                step.handshake = true;
                connection.syn_ns.get_or_insert(frame.ts_ns);
            }
        }
        // The packets of a version rttscope does not read say nothing it could count.
        let packets = quic.filter(|_| unknown_version.is_none()).map(|quic| quic.packets.as_slice());
        let packets = packets.unwrap_or_default();
        let mut only_acks = !packets.is_empty();
        for (at, quic_packet) in packets.iter().enumerate() {
            let kind = quic_packet.header.kind;
            match kind {
                Kind::Retry | Kind::VersionNegotiation => {
                    if side == Side::Server {
                        step.gating = Some(Answers::Handshake);
                        // The round trip is measured from the Initial the server answers.
                        connection.syn_ns = None;
                        if kind == Kind::Retry {
                            connection.quic_retry = true;
                        } else {
                            connection.quic_version_negotiation = true;
                        }
                    }
                    only_acks = false;
                    messages.push(Message::Quic(QuicPacket { kind, frames: None }));
                    continue;
                }
                Kind::Initial if side == Side::Client => {
                    connection.syn_ns.get_or_insert(frame.ts_ns);
                }
                Kind::Initial => {
                    connection.syn_ack_ns.get_or_insert(frame.ts_ns);
                }
                _ => {}
            }
            if quic_packet.plaintext.is_none() {
                only_acks = false;
                match (kind, side) {
                    (Kind::Handshake, Side::Client) => step.handshake = true,
                    (Kind::ZeroRtt | Kind::Short, _) => step.application = true,
                    _ => {}
                }
                messages.push(Message::Quic(QuicPacket { kind, frames: None }));
                continue;
            }
            let mut shown = Vec::new();
            let mut acks = false;
            for quic_frame in &quic_packet.frames {
                match quic_frame.kind {
                    kind::CRYPTO => {
                        let carried = crypto.iter().filter(|tls| tls.packet == at);
                        let handshake = carried
                            .flat_map(|tls| {
                                tls.messages
                                    .iter()
                                    .enumerate()
                                    .map(move |(index, message)| (tls, index, message))
                            })
                            .filter_map(|(tls, index, message)| {
                                let message_kind = *message.bytes.first()?;
                                Some(connection.message(message_kind, Fact::of(&tls.facts, index), &mut step))
                            })
                            .collect();
                        if crypto.iter().any(|tls| tls.packet == at) {
                            new_data = true;
                        } else {
                            sent_again += 1;
                        }
                        shown.push(QuicFrame::Crypto(handshake));
                        if side == Side::Client && kind != Kind::Short {
                            step.handshake = true;
                        }
                    }
                    kind::STREAM..=kind::STREAM_LAST => {
                        let Some(stream_id) = quic_frame.stream_id else { continue };
                        new_data = true;
                        if side == Side::Client || stream_id & 0x02 == 0 {
                            step.application = true;
                        }
                        let http3 = quic_frame.http3.iter().map(http3_frame).collect();
                        shown.push(QuicFrame::Stream { stream_id, http3 });
                    }
                    kind::HANDSHAKE_DONE => shown.push(QuicFrame::HandshakeDone),
                    kind::CONNECTION_CLOSE | kind::CONNECTION_CLOSE_APP => {
                        closed = true;
                        shown.push(QuicFrame::ConnectionClose)
                    }
                    kind::NEW_TOKEN => shown.push(QuicFrame::NewToken),
                    kind::NEW_CONNECTION_ID => {
                        QuicFrame::push_counted(&mut shown, QuicFrame::NewConnectionId(1))
                    }
                    kind::RETIRE_CONNECTION_ID => {
                        QuicFrame::push_counted(&mut shown, QuicFrame::RetireConnectionId(1))
                    }
                    kind::PATH_CHALLENGE => shown.push(QuicFrame::PathChallenge),
                    kind::PATH_RESPONSE => shown.push(QuicFrame::PathResponse),
                    kind::DATAGRAM | kind::DATAGRAM_LENGTH => {
                        step.application = true;
                        shown.push(QuicFrame::Datagram)
                    }
                    kind::ACK | kind::ACK_ECN => acks = true,
                    _ => {}
                }
            }
            if shown.is_empty() && acks {
                shown.push(QuicFrame::Ack);
            } else {
                only_acks = false;
            }
            messages.push(Message::Quic(QuicPacket { kind, frames: Some(shown) }));
        }
        step.retransmission = sent_again > 0 && !new_data;
        if closed {
            self.closed(Table::Other, index);
        }
        let connection = &mut self.others[index];
        // Acknowledgements alone move nothing forward: like bare TCP ACKs, they are not shown.
        if messages.is_empty() || only_acks {
            return true;
        }
        let note = step.retransmission.then_some(Note::Retransmission);
        let early = side == Side::Client
            && step.application
            && packets.iter().any(|packet| packet.header.kind == Kind::ZeroRtt);
        if early {
            connection.early_sent = true;
        }
        let osi = if step.application { OsiLayer::Application } else { OsiLayer::Session };
        connection.push(frame, osi, messages, note, step, early);
        true
    }
}

/// How the timeline shows an HTTP/3 frame the tracker read: requests and responses from
/// their HEADERS, other frames by name.
fn http3_frame(fact: &Http3Fact) -> Http3Frame {
    let text = |value: &[u8]| String::from_utf8_lossy(value).into_owned();
    match fact {
        Http3Fact::Request { method, path } => {
            Http3Frame::Request { method: text(method), path: text(path.as_deref().unwrap_or(b"")) }
        }
        Http3Fact::Response { status } => Http3Frame::Response { status: text(status) },
        Http3Fact::Headers => Http3Frame::Headers,
        Http3Fact::Other(kind) => Http3Frame::Other(http3::frame_name(*kind)),
    }
}

impl Builder {
    /// The timeline connection a QUIC datagram belongs to: the one of its QUIC connection
    /// number, else the latest on its UDP conversation when that one has no number yet (it
    /// began with a version rttscope does not read, answered by Version Negotiation) or the
    /// datagram names none. None starts a new one.
    fn quic_connection(&self, stream: u32, number: Option<u32>) -> Option<usize> {
        if let Some(&index) = number.and_then(|number| self.quic.get(&number)) {
            return Some(index);
        }
        let latest = *self.udp.get(&stream)?;
        let pending = &self.others[latest];
        (number.is_none() || pending.quic_number.is_none() && pending.transport == Transport::Quic)
            .then_some(latest)
    }
}
