//! TLS in a TCP connection's timeline: one label per record or handshake message, what each
//! tells of the session (version, ALPN, SNI, resumption, early data), and which server
//! messages gate the client's next step.
//!
//! What the handshake messages say is read from the facts the tracker recorded of them
//! ([`Fact`]); the timeline never parses a message.

use super::Pending;
use super::message::{Handshake, Message};
use super::rounds::{Answers, Side, Step};
use crate::dissect::tls::Fact;
use crate::dissect::tls::handshake::kind;
use crate::dissect::tls::record::content_type;
use crate::dissect::{Content, Packet};
use crate::osi::OsiLayer;

impl Pending {
    pub(super) fn tls_events(
        &mut self,
        packet: &Packet<'_>,
        messages: &mut Vec<Message>,
        step: &mut Step,
        osi: &mut OsiLayer,
    ) {
        let mut opaque = 0u32;
        for layer in &packet.layers {
            let Content::Tls(tls) = &layer.content else { continue };
            if let Some(version) = tls.version {
                self.tls_version = Some(version);
            }
            for record in &tls.records {
                *osi = (*osi).max(OsiLayer::Session);
                match record.content_type() {
                    Some(content_type::HANDSHAKE) if record.plaintext().is_some() => {
                        for (index, span) in record.messages.iter().enumerate() {
                            let Some(&message_kind) = span.bytes.first() else { continue };
                            let fact = Fact::of(&record.facts, index);
                            messages.push(Message::Handshake(self.message(message_kind, fact, step)));
                        }
                    }
                    Some(content_type::HANDSHAKE) => {
                        messages.push(Message::EncryptedHandshake);
                        self.encrypted_handshake(step);
                    }
                    Some(content_type::CHANGE_CIPHER_SPEC) => {
                        messages.push(Message::ChangeCipherSpec);
                        if self.tls_version.is_some_and(|v| v < 0x0304) {
                            if step.side == Side::Server {
                                step.gating = Some(Answers::Handshake);
                            } else {
                                step.handshake = true;
                            }
                        }
                    }
                    Some(content_type::ALERT) => messages.push(alert(record)),
                    Some(_) => {
                        *osi = (*osi).max(OsiLayer::Presentation);
                        step.application = true;
                        if !messages.contains(&Message::ApplicationData) {
                            messages.push(Message::ApplicationData);
                        }
                    }
                    None => {
                        // TLS 1.3 without keys: the real type is hidden.
                        opaque += 1;
                    }
                }
            }
        }
        if opaque > 0 {
            self.opaque_records(opaque, step);
            messages.push(Message::Protected { application: step.application, records: opaque });
        }
    }

    /// What a frame's protected TLS 1.3 records most likely are, from where they fall: before
    /// the ServerHello a client's can only be early data. The client's first frame after it
    /// holds its Finished, behind EndOfEarlyData when the server took the early data: so
    /// when early data was sent, two records there say it was accepted and one that it was
    /// rejected (the key log, when given, says so for sure); otherwise a second record is the
    /// request. Later client records are data. A server's are its flight, then tickets and
    /// data.
    fn opaque_records(&mut self, count: u32, step: &mut Step) {
        match step.side {
            Side::Client if !self.server_hello_seen => {
                step.application = true;
                self.early_sent = true;
            }
            Side::Client if self.client_opaque_after_hello == 0 => {
                self.client_opaque_after_hello += count;
                step.handshake = true;
                if self.early_sent {
                    self.early_accepted.get_or_insert(count >= 2);
                } else if count >= 2 {
                    step.application = true;
                }
            }
            Side::Client => {
                self.client_opaque_after_hello += count;
                step.application = true;
            }
            Side::Server if self.client_opaque_after_hello > 1 || self.early_sent => step.application = true,
            Side::Server => {}
        }
    }

    fn encrypted_handshake(&mut self, step: &mut Step) {
        match step.side {
            Side::Client => step.handshake = true,
            Side::Server => step.gating = Some(Answers::Handshake),
        }
    }

    /// Follows one handshake message, of kind `message_kind`, through what the tracker read
    /// in it, and returns what the timeline shows of it.
    pub(super) fn message(
        &mut self,
        message_kind: u8,
        fact: Option<&Fact<'_>>,
        step: &mut Step,
    ) -> Handshake {
        let text = |protocol: &[u8]| String::from_utf8_lossy(protocol).into_owned();
        match (message_kind, step.side) {
            (kind::CLIENT_HELLO, _) => {
                step.handshake = true;
                if let Some(Fact::ClientHello { sni, session_id, early_data, alpn }) = fact {
                    self.sni = sni.map(str::to_owned).or(self.sni.take());
                    self.client_session_id = session_id.to_vec();
                    self.early_offered |= early_data;
                    if self.alpn.is_none() && !alpn.is_empty() {
                        let offered: Vec<String> = alpn.iter().map(|protocol| text(protocol)).collect();
                        self.alpn = Some(offered.join(","));
                    }
                }
            }
            (kind::SERVER_HELLO, Side::Server) => {
                step.gating = Some(Answers::Handshake);
                match fact {
                    Some(Fact::HelloRetryRequest) => self.hello_retry = true,
                    Some(&Fact::ServerHello { version, psk, session_id, alpn }) => {
                        self.server_hello_seen = true;
                        self.tls_version = Some(version);
                        let tls12_resumed =
                            !self.client_session_id.is_empty() && session_id == self.client_session_id;
                        self.resumed = psk || (version < 0x0304 && tls12_resumed);
                        if let Some(protocol) = alpn {
                            self.alpn = Some(text(protocol));
                        }
                    }
                    _ => {}
                }
            }
            (kind::ENCRYPTED_EXTENSIONS, Side::Server) => {
                if let Some(&Fact::EncryptedExtensions { early_data, alpn }) = fact {
                    self.early_accepted = Some(early_data);
                    if let Some(protocol) = alpn {
                        self.alpn = protocol.map(text);
                    }
                }
            }
            (kind::NEW_SESSION_TICKET | kind::KEY_UPDATE, _) => {}
            (_, Side::Client) => step.handshake = true,
            (_, Side::Server) => {
                if step.gating.is_none() && self.tls_version.is_some_and(|v| v < 0x0304) {
                    step.gating = Some(Answers::Handshake);
                }
            }
        }
        Handshake { kind: message_kind, hello_retry: matches!(fact, Some(Fact::HelloRetryRequest)) }
    }
}

/// An alert record, with its description once decrypted.
fn alert(record: &crate::dissect::tls::Record<'_>) -> Message {
    Message::Alert(record.plaintext().and_then(|alert| match alert.bytes {
        [_, description, ..] => {
            Some(crate::dissect::tls::names::alert_description(*description).unwrap_or("Unknown"))
        }
        _ => None,
    }))
}
