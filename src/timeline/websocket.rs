//! WebSocket in a TCP connection's timeline (issue 18): the HTTP/1.1 Upgrade request, the
//! server's 101 Switching Protocols, then the frames of the open channel.
//!
//! The round rule (DESIGN section 3) reads the Upgrade as a handshake step of the client and
//! the 101 as a gating server message: the client may send no frame before it has the 101,
//! so the Upgrade costs one round trip after TCP's (and TLS's, for wss), and the first
//! WebSocket data frame is the request the round count measures. A connection whose server
//! answered 101 to WebSocket is a `ws` or, over TLS, a `wss` connection.
//!
//! Over HTTP/2 (RFC 8441) the extended CONNECT with `:protocol websocket` is the client's
//! handshake step and the server's 2xx to it the gating answer, as the Upgrade and the 101
//! are; the client must also have the server's SETTINGS (SETTINGS_ENABLE_CONNECT_PROTOCOL)
//! before it may send the CONNECT, so those gate it too (`grpc::GrpcSteps::mark`). Such a
//! connection is a `ws-h2` or, over TLS, a `wss-h2` connection.

use super::Pending;
use super::message::Message;
use super::rounds::{Answers, Side, Step};
use crate::dissect::websocket::opcode;
use crate::dissect::{Content, Packet, http1};
use crate::osi::OsiLayer;
use crate::track::http;
use crate::track::websocket::switches_to_websocket;

impl Pending {
    /// Reads the packet's WebSocket hand-off and frames: turns the Upgrade request and the 101
    /// among `http` (the packet's HTTP messages, already labelled) into handshake steps, and
    /// adds a message for each frame.
    pub(super) fn websocket_events(
        &mut self,
        packet: &Packet<'_>,
        step: &mut Step,
        osi: &mut OsiLayer,
        http: &mut Vec<Message>,
    ) {
        let mut upgrade = false;
        let mut switched = false;
        let mut frames = Vec::new();
        for layer in &packet.layers {
            match &layer.content {
                Content::Http(layer) => {
                    for message in &layer.messages {
                        let head = message.span.bytes.get(..message.head_len).unwrap_or(&[]);
                        upgrade |= asks_for_websocket(head);
                        switched |= switches_to_websocket(head);
                    }
                }
                Content::WebSocket(frame) => frames.push(frame.header.opcode),
                Content::Http2(layer) => {
                    for headers in layer.frames.iter().filter_map(|frame| frame.headers.as_ref()) {
                        if step.side == Side::Client && http::websocket::asks_for_websocket(headers) {
                            upgrade = true;
                            self.grpc.extended_connect = true;
                            self.grpc.first_call.get_or_insert(self.events.len());
                        }
                        let accepted =
                            headers.get(":status").is_some_and(|status| status.first() == Some(&b'2'));
                        if accepted
                            && step.side == Side::Server
                            && self.grpc.extended_connect
                            && !self.websocket
                        {
                            switched = true;
                            self.websocket_h2 = true;
                        }
                    }
                }
                _ => {}
            }
        }
        if !(upgrade || switched || !frames.is_empty()) {
            return;
        }
        for message in http.iter_mut() {
            let Message::Http1 { start_line } = message else { continue };
            if upgrade && step.side == Side::Client {
                *message = Message::WebSocketUpgrade { request: std::mem::take(start_line) };
            } else if switched && step.side == Side::Server && start_line.starts_with("101") {
                *message = Message::SwitchingProtocols;
            }
        }
        // The Upgrade, the 101 and the frames are all the application's, inside TLS or not.
        *osi = OsiLayer::Application;
        step.application = frames.iter().any(|code| !opcode::is_control(*code));
        if upgrade && step.side == Side::Client {
            step.handshake = true;
        }
        if switched && step.side == Side::Server {
            step.gating = Some(Answers::Handshake);
            self.websocket = true;
        }
        http.extend(frames.into_iter().map(|opcode| Message::WebSocket { opcode }));
    }
}

/// Whether an HTTP/1.x head is a request to upgrade to WebSocket (RFC 6455 section 4.1: an
/// Upgrade field naming websocket).
fn asks_for_websocket(head: &[u8]) -> bool {
    let Ok((_, message)) = http1::parse(head) else { return false };
    message.is_request()
        && message
            .header("upgrade")
            .is_some_and(|upgrade| upgrade.trim_ascii().eq_ignore_ascii_case(b"websocket"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upgrade_request_is_told_from_other_requests() {
        let upgrade =
            b"GET /chat HTTP/1.1\r\nHost: server.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
        assert!(asks_for_websocket(upgrade));
        assert!(!asks_for_websocket(b"GET /chat HTTP/1.1\r\nHost: server.test\r\n\r\n"));
        assert!(!asks_for_websocket(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"));
    }

    #[test]
    fn the_upgrade_costs_one_round_trip_before_the_first_message() {
        use super::super::rounds::count;
        let client = |syn, handshake, application| Step {
            side: Side::Client,
            syn,
            handshake,
            application,
            gating: None,
            retransmission: false,
        };
        let server = |gating, application| Step {
            side: Side::Server,
            gating,
            application,
            ..client(false, false, false)
        };
        let steps = [
            client(true, false, false),              // SYN
            server(Some(Answers::Syn), false),       // SYN-ACK
            client(false, true, false),              // WebSocket Upgrade
            server(Some(Answers::Handshake), false), // 101 Switching Protocols
            client(false, false, true),              // the first message
            server(None, true),                      // its echo
        ];
        let rounds = count(&steps);
        assert_eq!((rounds.request, rounds.response), (Some(2), Some(3)));
    }
}
