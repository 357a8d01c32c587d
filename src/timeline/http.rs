//! HTTP in a TCP connection's timeline: the requests and responses a packet completed, over
//! TLS or in the clear, placed where the application data that carried them was on the wire.

use super::Pending;
use super::message::Message;
use super::rounds::{Answers, Side, Step};
use super::variant::Proxy;
use crate::dissect::socks::{self, Socks};
use crate::dissect::{Content, Packet};
use crate::osi::OsiLayer;

impl Pending {
    /// The HTTP messages the packet completed, in order.
    pub(super) fn http_events(
        &mut self,
        packet: &Packet<'_>,
        step: &mut Step,
        osi: &mut OsiLayer,
    ) -> Vec<Message> {
        let mut messages = Vec::new();
        // A proxy's handshake (an HTTP CONNECT and its answer, SOCKS messages) comes before the
        // TLS handshake: the client's messages are handshake steps, the proxy's answers gate.
        let mut proxy = false;
        for layer in &packet.layers {
            match &layer.content {
                Content::Http(http) => {
                    for message in &http.messages {
                        let head = message.span.bytes.get(..message.head_len).unwrap_or(&[]);
                        let line = head.split(|byte| *byte == b'\r' || *byte == b'\n').next().unwrap_or(&[]);
                        let start_line = without_version(String::from_utf8_lossy(line).trim_end());
                        if start_line.starts_with("CONNECT ") {
                            self.proxy_waiting = true;
                            self.proxy = Some(Proxy::HttpConnect);
                            proxy = true;
                            messages.push(Message::Proxy { label: format!("HTTP {start_line}") });
                        } else if self.proxy_waiting && step.side == Side::Server {
                            self.proxy_waiting = false;
                            self.proxy_answers += 1;
                            self.proxy_refused |= !start_line.starts_with('2');
                            proxy = true;
                            messages.push(Message::Proxy { label: format!("HTTP {start_line}") });
                        } else {
                            messages.push(Message::Http1 { start_line });
                        }
                    }
                }
                Content::Socks(socks @ Socks::Message { version, message, .. }) => {
                    self.proxy_refused |= match *message {
                        socks::Message::V4Reply { result, .. } => result != socks::code::V4_GRANTED,
                        socks::Message::V5Reply { reply, .. } => reply != socks::code::V5_SUCCEEDED,
                        socks::Message::V5AuthReply { status, .. } => status != 0,
                        socks::Message::V5MethodChoice { method } => method == 0xff,
                        _ => false,
                    };
                    let mut label = String::from("SOCKS");
                    let _ = socks.summary(&mut label);
                    let label = label.replacen("SOCKSVersion: ", "SOCKS", 1);
                    messages.push(Message::Proxy { label });
                    self.proxy = Some(if *version == 4 { Proxy::Socks4 } else { Proxy::Socks5 });
                    if step.side == Side::Server {
                        self.proxy_answers += 1;
                    }
                    proxy = true;
                }
                Content::Http2(http2) => {
                    for frame in http2.frames.iter().filter_map(|frame| frame.headers.as_ref()) {
                        let text = |value: &[u8]| String::from_utf8_lossy(value).into_owned();
                        match (frame.get(":method"), frame.get(":path"), frame.get(":status")) {
                            (Some(method), Some(path), _) => messages
                                .push(Message::Http2Request { method: text(method), path: text(path) }),
                            (_, _, Some(status)) => {
                                messages.push(Message::Http2Response { status: text(status) })
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        if proxy {
            *osi = OsiLayer::Session;
            match step.side {
                Side::Client => step.handshake = true,
                Side::Server => step.gating = Some(Answers::Handshake),
            }
        } else if !messages.is_empty() {
            *osi = OsiLayer::Application;
            step.application = true;
        }
        messages
    }
}

/// Puts a packet's HTTP messages where the TLS application data that carried them was on the
/// wire ("HTTP 200 OK · Alert(Close Notify)" for a response record and then an alert), or
/// after its other messages when there was no TLS; the application data they name is not
/// shown besides.
pub(super) fn in_place_of_application_data(messages: &mut Vec<Message>, http: Vec<Message>) {
    if http.is_empty() {
        return;
    }
    let at = messages.iter().position(|message| *message == Message::ApplicationData);
    messages.retain(|message| *message != Message::ApplicationData);
    let at = at.unwrap_or(messages.len());
    messages.splice(at..at, http);
}

/// An HTTP/1.x start line without its version: "GET /x HTTP/1.1" as "GET /x", "HTTP/1.1 200 OK"
/// as "200 OK".
fn without_version(line: &str) -> String {
    let line = line.strip_suffix(" HTTP/1.1").or_else(|| line.strip_suffix(" HTTP/1.0")).unwrap_or(line);
    line.strip_prefix("HTTP/1.1 ").or_else(|| line.strip_prefix("HTTP/1.0 ")).unwrap_or(line).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_keeps_the_wire_place_of_the_record_that_carried_it() {
        let response = || Message::Http1 { start_line: "200 OK".to_owned() };
        let close_notify = Message::Alert(Some("Close Notify"));
        // A response record, then a close_notify alert, in one segment.
        let mut messages = vec![Message::ApplicationData, close_notify.clone()];
        in_place_of_application_data(&mut messages, vec![response()]);
        assert_eq!(messages, [response(), close_notify.clone()]);
        assert_eq!(crate::timeline::message::label(&messages, &[]), "HTTP 200 OK · Alert(Close Notify)");
        // The alert first, then the response.
        let mut messages = vec![close_notify.clone(), Message::ApplicationData];
        in_place_of_application_data(&mut messages, vec![response()]);
        assert_eq!(messages, [close_notify, response()]);
        // Plain HTTP: after what TCP showed.
        let mut messages = vec![Message::Syn { ack: false, fast_open: None }];
        in_place_of_application_data(&mut messages, vec![response()]);
        assert_eq!(messages.last(), Some(&response()));
        // No HTTP: the application data stays.
        let mut messages = vec![Message::ApplicationData];
        in_place_of_application_data(&mut messages, Vec::new());
        assert_eq!(messages, [Message::ApplicationData]);
    }

    #[test]
    fn the_version_is_dropped_from_start_lines() {
        assert_eq!(without_version("GET /x HTTP/1.1"), "GET /x");
        assert_eq!(without_version("HTTP/1.0 404 Not Found"), "404 Not Found");
        assert_eq!(without_version("PRI * HTTP/2.0"), "PRI * HTTP/2.0");
    }
}
