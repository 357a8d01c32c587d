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

use std::fmt::Write as _;

use super::rounds::{Answers, Side, Step};
use super::{Builder, Pending, explain};
use crate::capture::Frame;
use crate::dissect::http3::{self, Http3};
use crate::dissect::quic::CryptoTls;
use crate::dissect::quic::frame::{self, kind};
use crate::dissect::quic::header::Kind;
use crate::dissect::tls::handshake;
use crate::dissect::{Header, Packet, qpack};

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
        let quic = packet.layers.iter().find_map(|layer| match &layer.header {
            Header::Quic(quic) if !layer.is_quoted() => Some(quic.as_ref()),
            _ => None,
        });
        // A long header of a version rttscope does not read: the start of a Version Negotiation.
        let unknown_version = match payload {
            [first, version @ ..] if first & 0x80 != 0 && version.len() >= 4 && quic.is_none() => {
                let version = u32::from_be_bytes([version[0], version[1], version[2], version[3]]);
                (version != 0 && !crate::crypto::quic::is_supported(version)).then_some(version)
            }
            _ => None,
        };
        let known = self.udp.get(&stream).is_some_and(|&index| self.others[index].transport == "quic");
        if quic.is_none() && unknown_version.is_none() && !known {
            return false;
        }
        let crypto: Vec<&CryptoTls<'_>> = packet
            .layers
            .iter()
            .filter_map(|layer| match &layer.header {
                Header::QuicTls(tls) => Some(tls.as_ref()),
                _ => None,
            })
            .collect();
        let http3: Vec<&Http3<'_>> = packet
            .layers
            .iter()
            .filter_map(|layer| match &layer.header {
                Header::Http3(http3) => Some(http3.as_ref()),
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
                endpoints: Some((source.to_owned(), destination.to_owned())),
                client: Some((source.to_owned(), 0)),
                saw_syn: started,
                ..Pending::default()
            });
        }
        let connection = &mut self.others[index];
        connection.count(frame);
        if let Some(number) = quic.and_then(|quic| quic.connection) {
            connection.quic_number = Some(number);
            self.quic.insert(number, index);
        }
        let connection = &mut self.others[index];
        connection.transport = "quic";
        connection.tls_version = Some(0x0304);
        let connection = &mut self.others[index];
        let side = match &connection.client {
            Some((client, _)) if client == source => Side::Client,
            _ => Side::Server,
        };
        let mut step = Step {
            side,
            syn: false,
            handshake: false,
            application: false,
            gating: None,
            retransmission: false,
        };
        let mut parts = Vec::new();
        let mut sent_again = 0;
        let mut new_data = false;
        if let Some(version) = unknown_version {
            parts.push(format!("long header of version {version:#010x}, which rttscope does not read"));
            if side == Side::Client {
                step.handshake = true;
                connection.syn_ns.get_or_insert(frame.ts_ns);
            }
        }
        let packets = quic.map(|quic| quic.packets.as_slice()).unwrap_or_default();
        let mut only_acks = !packets.is_empty();
        for (at, quic_packet) in packets.iter().enumerate() {
            let kind = quic_packet.header.kind;
            let mut label = kind.name().to_owned();
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
                    parts.push(label);
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
            let Some(plaintext) = &quic_packet.plaintext else {
                only_acks = false;
                label.push_str(" (encrypted)");
                match (kind, side) {
                    (Kind::Handshake, Side::Client) => step.handshake = true,
                    (Kind::ZeroRtt | Kind::Short, _) => step.application = true,
                    _ => {}
                }
                parts.push(label);
                continue;
            };
            let mut shown = Vec::new();
            let mut acks = false;
            for quic_frame in frame::parse_all(plaintext.bytes) {
                match quic_frame.kind {
                    kind::CRYPTO => {
                        let carried = crypto.iter().filter(|tls| tls.packet == at);
                        let messages: Vec<String> = carried
                            .flat_map(|tls| tls.messages.iter())
                            .filter_map(|message| {
                                let message_kind = *message.bytes.first()?;
                                let message = handshake::Message { kind: message_kind, bytes: message.bytes };
                                Some(connection.message(&message, &mut step))
                            })
                            .collect();
                        if crypto.iter().any(|tls| tls.packet == at) {
                            new_data = true;
                        } else {
                            sent_again += 1;
                        }
                        if messages.is_empty() {
                            shown.push("CRYPTO".to_owned());
                        } else {
                            shown.push(format!("CRYPTO: {}", messages.join(" · ")));
                        }
                        if side == Side::Client && kind != Kind::Short {
                            step.handshake = true;
                        }
                    }
                    kind::STREAM..=kind::STREAM_LAST => {
                        let Some((stream_id, ..)) = quic_frame.stream else { continue };
                        new_data = true;
                        if side == Side::Client || stream_id & 0x02 == 0 {
                            step.application = true;
                        }
                        shown.push(stream_label(stream_id, &http3, (at, quic_frame.range.start)));
                    }
                    kind::HANDSHAKE_DONE => shown.push("HANDSHAKE_DONE".to_owned()),
                    kind::CONNECTION_CLOSE | kind::CONNECTION_CLOSE_APP => {
                        shown.push("CONNECTION_CLOSE".to_owned())
                    }
                    kind::NEW_TOKEN => shown.push("NEW_TOKEN".to_owned()),
                    kind::NEW_CONNECTION_ID => push_counted(&mut shown, "NEW_CONNECTION_ID"),
                    kind::RETIRE_CONNECTION_ID => push_counted(&mut shown, "RETIRE_CONNECTION_ID"),
                    kind::PATH_CHALLENGE => shown.push("PATH_CHALLENGE".to_owned()),
                    kind::PATH_RESPONSE => shown.push("PATH_RESPONSE".to_owned()),
                    kind::DATAGRAM | kind::DATAGRAM_LENGTH => {
                        step.application = true;
                        shown.push("DATAGRAM".to_owned())
                    }
                    kind::ACK | kind::ACK_ECN => acks = true,
                    _ => {}
                }
            }
            if shown.is_empty() && acks {
                shown.push("ACK".to_owned());
            } else {
                only_acks = false;
            }
            if !shown.is_empty() {
                let _ = write!(label, "[{}]", shown.join(", "));
            }
            parts.push(label);
        }
        step.retransmission = sent_again > 0 && !new_data;
        // Acknowledgements alone move nothing forward: like bare TCP ACKs, they are not shown.
        if parts.is_empty() || only_acks {
            return true;
        }
        let mut label = parts.join(" · ");
        if step.retransmission {
            label.push_str(" (retransmission)");
        }
        let early = side == Side::Client
            && step.application
            && packets.iter().any(|packet| packet.header.kind == Kind::ZeroRtt);
        if early {
            connection.early_sent = true;
        }
        let osi = if step.application { 7 } else { 5 };
        let explain = explain::explain(&label, side);
        connection.push(frame, osi, label, explain, step, early);
        true
    }
}

/// Adds a frame name, or counts it again when the last one shown was the same: "NEW_CONNECTION_ID
/// ×4" rather than four names.
fn push_counted(shown: &mut Vec<String>, name: &str) {
    if let Some(last) = shown.last_mut()
        && let Some(rest) = last.strip_prefix(name)
    {
        let count = rest.strip_prefix(" ×").and_then(|n| n.parse::<u32>().ok()).unwrap_or(1);
        *last = format!("{name} ×{}", count + 1);
        return;
    }
    shown.push(name.to_owned());
}

/// "STREAM 0: HTTP/3 GET https://server.test/hello.txt", or the stream's HTTP/3 frame names.
fn stream_label(stream_id: u64, http3: &[&Http3<'_>], anchor: (usize, usize)) -> String {
    let mut label = format!("STREAM {stream_id}");
    let Some(layer) = http3.iter().find(|layer| layer.anchor == anchor) else { return label };
    let mut names = Vec::new();
    for frame in &layer.frames {
        let Some((frame_kind, _, payload)) = http3::parse_frame(frame.bytes) else { continue };
        if frame_kind == http3::frame_type::HEADERS {
            let section = qpack::decode(&frame.bytes[payload]);
            let mut text = String::from("HTTP/3");
            if let Some(method) = section.get(":method") {
                let path = section.get(":path").unwrap_or(b"");
                let _ =
                    write!(text, " {} {}", String::from_utf8_lossy(method), String::from_utf8_lossy(path));
            } else if let Some(status) = section.get(":status") {
                let _ = write!(text, " {}", String::from_utf8_lossy(status));
            } else {
                text.push_str(" HEADERS");
            }
            names.push(text);
        } else {
            names.push(http3::frame_name(frame_kind).to_owned());
        }
    }
    if !names.is_empty() {
        let _ = write!(label, ": {}", names.join(", "));
    }
    label
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
        (number.is_none() || pending.quic_number.is_none() && pending.transport == "quic").then_some(latest)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn repeated_frames_are_counted() {
        let mut shown = vec!["ACK".to_owned()];
        for _ in 0..3 {
            super::push_counted(&mut shown, "NEW_CONNECTION_ID");
        }
        super::push_counted(&mut shown, "RETIRE_CONNECTION_ID");
        assert_eq!(shown, ["ACK", "NEW_CONNECTION_ID ×3", "RETIRE_CONNECTION_ID"]);
    }
}
