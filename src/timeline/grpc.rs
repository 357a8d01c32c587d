//! HTTP/2's connection start and gRPC calls in a TCP connection's timeline (issue 18): the
//! client's preface and SETTINGS, the server's SETTINGS, each call's request (`gRPC
//! /pkg.Service/Method`), its messages, and the `grpc-status` that ends it.
//!
//! The round rule (DESIGN section 3) reads the client's preface as a handshake step. HTTP/2
//! lets a client send its first request right after its preface, without the server's
//! SETTINGS (RFC 9113 section 3.4), so the server's SETTINGS gates the client only when the
//! capture shows the client waited for it: when it arrived before the client's first gRPC
//! request (grpcio's chttp2 waits for it; a client that does not is not charged a round).
//! Which it was is only known once the request is seen, so the preface and the SETTINGS are
//! noted as they pass and marked when the connection ends ([`GrpcSteps::mark`]). A connection
//! that made a gRPC call over TLS is a `grpc` connection.

use super::message::Message;
use super::rounds::{Answers, Side, Step};
use super::{Event, Pending};
use crate::dissect::http2::{FrameType, parse};
use crate::dissect::{Content, Packet, grpc};
use crate::osi::OsiLayer;

/// What the timeline notes of a connection's HTTP/2 start and gRPC calls.
#[derive(Clone, Debug, Default)]
pub(super) struct GrpcSteps {
    /// A gRPC request was seen.
    pub called: bool,
    /// An extended CONNECT for WebSocket (RFC 8441) was seen: the client had to wait for the
    /// server's SETTINGS before it, so they gate it as they gate a call the client held back.
    pub extended_connect: bool,
    /// The event of the client's preface.
    preface: Option<usize>,
    /// The event of the server's first SETTINGS, while no gRPC request had gone yet.
    settings: Option<usize>,
    settings_seen: bool,
    /// The event of the first gRPC request.
    pub(super) first_call: Option<usize>,
}

impl GrpcSteps {
    /// Marks the preface as the client's handshake step and, when the client waited for it,
    /// the server's SETTINGS as gating; only on a connection that made a gRPC call.
    pub(super) fn mark(&self, events: &mut [Event]) {
        if !(self.called || self.extended_connect) {
            return;
        }
        if let Some(event) = self.preface.and_then(|index| events.get_mut(index)) {
            event.step.handshake = true;
        }
        // The request the rounds measure is the call: HTTP/2's own frames before it (the
        // preface, a SETTINGS acknowledgement), though application data to TLS, are not.
        let before_call = self.first_call.unwrap_or(events.len()).min(events.len());
        for event in &mut events[..before_call] {
            if event.step.side == Side::Client {
                event.step.application = false;
            }
        }
        if let Some(event) = self.settings.and_then(|index| events.get_mut(index)) {
            event.step.gating = Some(Answers::Handshake);
        }
    }
}

impl Pending {
    /// Reads the packet's HTTP/2 preface, SETTINGS and gRPC calls: labels them among `http`
    /// (the packet's HTTP messages, already labelled), the request as `gRPC /service/method`.
    pub(super) fn grpc_events(
        &mut self,
        packet: &Packet<'_>,
        step: &mut Step,
        osi: &mut OsiLayer,
        http: &mut Vec<Message>,
    ) {
        let mut start = Vec::new();
        let mut requests = Vec::new();
        let mut statuses = Vec::new();
        let mut messages = 0usize;
        let mut control = Vec::new();
        for layer in &packet.layers {
            match &layer.content {
                Content::Http2(http2) => {
                    if http2.preface.is_some() && step.side == Side::Client {
                        start.push(Message::Http2Start { preface: true });
                        self.grpc.preface.get_or_insert(self.events.len());
                    }
                    for frame in &http2.frames {
                        let Ok((_, parsed)) = parse(frame.span.bytes) else { continue };
                        // SETTINGS without ACK (flag 0x1, RFC 9113 section 6.5).
                        let settings = parsed.kind() == FrameType::Settings
                            && frame.span.bytes.get(4).is_some_and(|flags| flags & 1 == 0);
                        if settings && step.side == Side::Server && !self.grpc.settings_seen {
                            self.grpc.settings_seen = true;
                            start.push(Message::Http2Start { preface: false });
                            if !self.grpc.called && !self.grpc.extended_connect {
                                self.grpc.settings = Some(self.events.len());
                            }
                        } else if let Some(name) = control_name(parsed.kind(), frame.span.bytes) {
                            control.push(name);
                        }
                        let Some(headers) = &frame.headers else { continue };
                        let is_grpc = headers.get("content-type").is_some_and(grpc::is_grpc_content_type);
                        if let (Some(path), true) = (headers.get(":path"), is_grpc) {
                            requests.push(String::from_utf8_lossy(path).into_owned());
                        }
                        if let Some(status) = headers.get("grpc-status") {
                            statuses.push(String::from_utf8_lossy(status).into_owned());
                        }
                    }
                }
                Content::Grpc(grpc) => messages += grpc.messages.len(),
                _ => {}
            }
        }
        if start.is_empty() && requests.is_empty() && statuses.is_empty() && messages == 0 {
            // Only HTTP/2's bookkeeping: named for what it is, not left as application data.
            if http.is_empty() && !control.is_empty() {
                control.dedup();
                *osi = OsiLayer::Application;
                http.extend(control.into_iter().map(Message::Http2Control));
            }
            return;
        }
        *osi = OsiLayer::Application;
        if !requests.is_empty() && step.side == Side::Client {
            self.grpc.called = true;
            self.grpc.first_call.get_or_insert(self.events.len());
        }
        // The request's HEADERS was labelled as HTTP/2's: it is the call's.
        let mut paths = requests.into_iter();
        for message in http.iter_mut() {
            if let Message::Http2Request { path, .. } = message
                && let Some(call) = paths.next()
                && *path == call
            {
                *message = Message::GrpcCall { path: call };
            }
        }
        if messages > 0 {
            http.push(Message::GrpcMessages { count: messages });
        }
        http.extend(statuses.into_iter().map(|status| Message::GrpcStatus { status }));
        step.application |=
            messages > 0 || http.iter().any(|message| matches!(message, Message::GrpcStatus { .. }));
        http.splice(0..0, start);
    }
}

/// The name tshark's Info column gives an HTTP/2 control frame (RFC 9113 section 6), its ACK
/// flag (0x1) said for SETTINGS and PING; None for the frames that carry a stream's headers
/// or data, which are named by what they carry.
fn control_name(kind: FrameType, bytes: &[u8]) -> Option<&'static str> {
    let ack = bytes.get(4).is_some_and(|flags| flags & 1 != 0);
    Some(match kind {
        FrameType::Settings if ack => "SETTINGS ACK",
        FrameType::Settings => "SETTINGS",
        FrameType::Ping if ack => "PING ACK",
        FrameType::Ping => "PING",
        FrameType::Goaway => "GOAWAY",
        FrameType::WindowUpdate => "WINDOW_UPDATE",
        FrameType::RstStream => "RST_STREAM",
        FrameType::Priority => "PRIORITY",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_frames_are_named_as_tshark_names_them() {
        // A frame header: length (3), type, flags, stream (4).
        let header = |kind: u8, flags: u8| [0, 0, 0, kind, flags, 0, 0, 0, 0];
        let named = |kind: u8, flags: u8| control_name(FrameType::from(kind), &header(kind, flags));
        assert_eq!(named(4, 1), Some("SETTINGS ACK"));
        assert_eq!(named(4, 0), Some("SETTINGS"));
        assert_eq!(named(6, 1), Some("PING ACK"));
        assert_eq!(named(7, 0), Some("GOAWAY"));
        assert_eq!(named(8, 0), Some("WINDOW_UPDATE"));
        assert_eq!(named(3, 0), Some("RST_STREAM"));
        // DATA, HEADERS and CONTINUATION are named by what they carry.
        assert_eq!(named(0, 1), None);
        assert_eq!(named(1, 4), None);
        assert_eq!(named(9, 4), None);
        // A header cut before its flags: no ACK read.
        assert_eq!(control_name(FrameType::Settings, &[0, 0, 0, 4]), Some("SETTINGS"));
    }
}
