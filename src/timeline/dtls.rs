//! DTLS in a UDP conversation's timeline (issue 18): one event per datagram, labelled with
//! its handshake messages, and the steps the round count needs.
//!
//! DTLS has no transport handshake: the client's first ClientHello is round 0, as a QUIC
//! Initial is. The server's answers gate as TLS's do (DESIGN section 3): a HelloVerifyRequest
//! answers the ClientHello and sends the client back with the cookie, one more round; the
//! ServerHello flight and, in DTLS 1.2, the server's ChangeCipherSpec and Finished. A
//! handshake message the datagram only began (a fragment) is shown when it is complete. What
//! the hellos say is read from the facts the tracker recorded of the reassembled bodies
//! ([`fact_of_body`](crate::track::tls::facts::fact_of_body)): nothing is parsed here.

use super::ending::Table;
use super::message::{Carried, Handshake, Message};
use super::rounds::{Answers, Side, Step};
use super::{Builder, Pending, Transport};
use crate::capture::Frame;
use crate::dissect::dtls::Dtls;
use crate::dissect::dtls::record::{self, version};
use crate::dissect::tls::handshake::HELLO_VERIFY_REQUEST;
use crate::dissect::tls::record::content_type;
use crate::dissect::{Content, Packet};
use crate::osi::OsiLayer;
use crate::track::tls::facts::fact_of_body;

/// The TLS version a DTLS version follows, as the TLS timeline reads versions.
pub(super) fn tls_version(dtls_version: u16) -> u16 {
    match dtls_version {
        version::DTLS_1_3 | 0x0304 => 0x0304,
        version::DTLS_1_2 | 0x0303 => 0x0303,
        _ => 0x0302,
    }
}

impl Builder {
    /// A datagram of a DTLS session, found by its UDP conversation: one event. Returns false
    /// when the datagram carries no DTLS.
    pub(super) fn dtls(
        &mut self,
        frame: &Frame<'_>,
        packet: &Packet<'_>,
        stream: u32,
        (source, destination): (&str, &str),
    ) -> bool {
        let Some(dtls) = packet.layers.iter().find_map(|layer| match &layer.content {
            Content::Dtls(dtls) if !layer.is_quoted() => Some(dtls.as_ref()),
            _ => None,
        }) else {
            return false;
        };
        let next = self.others.len();
        let index = *self.udp.entry(stream).or_insert(next);
        if index == next {
            self.others.push(Pending {
                transport: Transport::Udp,
                first_ns: frame.ts_ns,
                first_frame: frame.number,
                last_ns: frame.ts_ns,
                endpoints: Some((source.to_owned(), destination.to_owned())),
                client: Some((source.to_owned(), 0)),
                saw_syn: true,
                udp_stream: Some(stream),
                lookup: packet.addresses().and_then(|(src, dst)| self.answers.latest(src, dst)),
                ..Pending::default()
            });
            self.begun(Table::Other, index);
        }
        let connection = &mut self.others[index];
        connection.count(frame);
        connection.dtls = true;
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
        let messages = connection.dtls_messages(dtls, &mut step);
        if side == Side::Client && step.handshake {
            connection.syn_ns.get_or_insert(frame.ts_ns);
        }
        if side == Side::Server && step.gating.is_some() {
            connection.syn_ack_ns.get_or_insert(frame.ts_ns);
        }
        let messages = if messages.is_empty() {
            let len = dtls.records.iter().map(|record| record.span.bytes.len()).sum();
            vec![Message::Datagram { carries: Carried::Dtls, len }]
        } else {
            messages
        };
        connection.push(frame, OsiLayer::Session, messages, None, step, false);
        true
    }
}

impl Pending {
    /// The messages of a datagram's records, and what they make of its step.
    fn dtls_messages(&mut self, dtls: &Dtls<'_>, step: &mut Step) -> Vec<Message> {
        let mut messages = Vec::new();
        if let Some(version) = dtls.version {
            self.tls_version = Some(tls_version(version));
        }
        for record in &dtls.records {
            match record.content_type() {
                Some(content_type::HANDSHAKE) if record.plaintext().is_some() => {
                    for fragment in &record.fragments {
                        let Some(body) = fragment.body() else {
                            // A message begun here is shown whole when its last fragment comes;
                            // a client's part is still a handshake step, a server's still gates.
                            self.dtls_flight(step);
                            let part = Message::HandshakeFragment(fragment.header.kind);
                            if !messages.contains(&part) {
                                messages.push(part);
                            }
                            continue;
                        };
                        let kind = fragment.header.kind;
                        if kind == HELLO_VERIFY_REQUEST && step.side == Side::Server {
                            step.gating = Some(Answers::Handshake);
                            self.dtls_cookie = true;
                            messages.push(Message::Handshake(Handshake { kind, hello_retry: false }));
                            continue;
                        }
                        let fact = fact_of_body(kind, body.bytes, true);
                        let mut handshake = self.message(kind, fact.as_ref(), step);
                        if let Some(version) = self.tls_version.filter(|_| kind == 2) {
                            self.tls_version = Some(tls_version(version));
                        }
                        handshake.kind = kind;
                        messages.push(Message::Handshake(handshake));
                    }
                }
                Some(content_type::HANDSHAKE) => {
                    messages.push(Message::EncryptedHandshake);
                    self.dtls_flight(step);
                }
                Some(content_type::CHANGE_CIPHER_SPEC) => {
                    messages.push(Message::ChangeCipherSpec);
                    self.dtls_flight(step);
                }
                Some(content_type::ALERT) => messages.push(Message::Alert(
                    record.plaintext().and_then(|alert| alert.bytes.get(1).copied()).map(|description| {
                        crate::dissect::tls::names::alert_description(description).unwrap_or("Unknown")
                    }),
                )),
                Some(content_type::APPLICATION_DATA) => {
                    step.application = true;
                    if !messages.contains(&Message::ApplicationData) {
                        messages.push(Message::ApplicationData);
                    }
                }
                Some(record::content_type::ACK) => messages.push(Message::DtlsAck),
                // DTLS 1.3 without keys: the real type is hidden; after the handshake it is
                // most likely data.
                None if step.side == Side::Client && self.server_hello_seen => {
                    step.handshake = true;
                    messages.push(Message::Protected { application: false, records: 1 });
                }
                _ => messages.push(Message::Protected { application: false, records: 1 }),
            }
        }
        messages
    }

    /// A handshake step of the client, or a gating message of the server (the server's
    /// flight, its ChangeCipherSpec and Finished).
    fn dtls_flight(&mut self, step: &mut Step) {
        match step.side {
            Side::Client => step.handshake = true,
            Side::Server => step.gating = Some(Answers::Handshake),
        }
    }
}
