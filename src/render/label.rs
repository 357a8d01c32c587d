//! Event labels that fit a width, shortened by importance: the one rule the text timeline, the
//! ladder and the terminal UI all follow when a label is longer than the room it has.
//!
//! What matters first is the exchange: the request and the response (`HTTP GET /x`,
//! `HTTP/2 200`, `HTTP/3 GET /quic/1`). Then the handshake (SYN, ClientHello, a QUIC Initial's
//! CRYPTO). Last comes bookkeeping: QUIC control streams and ACK-only, connection-ID and token
//! frames, a bare TCP ACK or FIN. A label that does not fit is shortened in [`LEVELS`] steps,
//! each giving up more of the least important, until it fits: bookkeeping frames are counted
//! (`+3 control frames`), a request's stream number and DATA frames go, bookkeeping messages
//! are counted, the handshake's words shorten, and last the handshake itself is counted.
//!
//! The invariant: at every step the exchange's own words ([`exchanges`]) are kept whole, so a
//! shortened label still shows the request or the response; only when even the last step is
//! too long is the text wrapped ([`fit_lines`]) or, on one line, cut ([`fit_line`]).

use std::fmt::Write as _;

use crate::timeline::Event;
use crate::timeline::message::{self, Http3Frame, Message, Note, QuicFrame, QuicPacket};

/// The steps of shortening, from the label as it is (0) to the exchange alone (6).
pub const LEVELS: u8 = 7;
/// The steps a label that may wrap takes: it keeps every handshake message it names.
const LEVELS_BEFORE_WRAPPING: u8 = 5;

/// How much a message matters to the reader of a timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Weight {
    Bookkeeping,
    Handshake,
    Exchange,
}

/// The request and response words an event carries, each as its label writes it whole.
pub fn exchanges(event: &Event) -> Vec<String> {
    let mut found = Vec::new();
    for message in &event.messages {
        match message {
            Message::Http1 { .. }
            | Message::Http2Request { .. }
            | Message::Http2Response { .. }
            | Message::GrpcCall { .. }
            | Message::GrpcStatus { .. } => found.push(message.to_string()),
            Message::Quic(QuicPacket { frames: Some(frames), .. }) => {
                for frame in frames {
                    if let QuicFrame::Stream { http3, .. } = frame {
                        found
                            .extend(http3.iter().filter(|frame| is_exchange(frame)).map(ToString::to_string));
                    }
                }
            }
            _ => {}
        }
    }
    found
}

fn is_exchange(frame: &Http3Frame) -> bool {
    matches!(frame, Http3Frame::Request { .. } | Http3Frame::Response { .. })
}

/// A QUIC frame that only keeps the connection going: shown last, counted first.
fn is_control(frame: &QuicFrame) -> bool {
    match frame {
        QuicFrame::Stream { http3, .. } => !http3.iter().any(is_exchange),
        QuicFrame::Ack
        | QuicFrame::NewConnectionId(_)
        | QuicFrame::RetireConnectionId(_)
        | QuicFrame::NewToken
        | QuicFrame::PathChallenge
        | QuicFrame::PathResponse => true,
        QuicFrame::Crypto(_)
        | QuicFrame::HandshakeDone
        | QuicFrame::ConnectionClose
        | QuicFrame::Datagram => false,
    }
}

/// How many frames a control frame stands for (NEW_CONNECTION_ID ×4 is four).
fn frame_count(frame: &QuicFrame) -> u32 {
    match frame {
        QuicFrame::NewConnectionId(count) | QuicFrame::RetireConnectionId(count) => *count,
        _ => 1,
    }
}

fn weight(message: &Message) -> Weight {
    match message {
        Message::Http1 { .. }
        | Message::Http2Request { .. }
        | Message::Http2Response { .. }
        | Message::GrpcCall { .. }
        | Message::GrpcStatus { .. } => Weight::Exchange,
        Message::Quic(QuicPacket { frames: Some(frames), .. }) => {
            let carries_exchange = |frame: &QuicFrame| matches!(frame, QuicFrame::Stream { http3, .. } if http3.iter().any(is_exchange));
            if frames.iter().any(carries_exchange) {
                Weight::Exchange
            } else if !frames.is_empty() && frames.iter().all(is_control) {
                Weight::Bookkeeping
            } else {
                Weight::Handshake
            }
        }
        Message::Ack | Message::Fin => Weight::Bookkeeping,
        _ => Weight::Handshake,
    }
}

/// A QUIC packet's words at a step of shortening.
fn quic_words(packet: &QuicPacket, level: u8) -> String {
    let Some(frames) = packet.frames.as_ref().filter(|_| level >= 1) else { return packet.to_string() };
    let mut shown: Vec<String> = Vec::new();
    let mut control = 0u32;
    for frame in frames {
        match frame {
            frame if is_control(frame) => control += frame_count(frame),
            QuicFrame::Stream { http3, .. } if level >= 2 => {
                shown.extend(http3.iter().filter(|frame| is_exchange(frame)).map(ToString::to_string))
            }
            QuicFrame::Crypto(messages) if level >= 4 && !messages.is_empty() => {
                shown.push(messages.iter().map(ToString::to_string).collect::<Vec<_>>().join(" · "))
            }
            frame => shown.push(frame.to_string()),
        }
    }
    if control > 0 {
        let plural = if control == 1 { "" } else { "s" };
        shown.push(match (level >= 4, shown.is_empty()) {
            (true, _) => format!("+{control}"),
            (false, true) => format!("{control} control frame{plural}"),
            (false, false) => format!("+{control} control frame{plural}"),
        });
    }
    let mut words = packet.kind.name().to_owned();
    if !shown.is_empty() {
        let _ = write!(words, "[{}]", shown.join(", "));
    }
    words
}

/// An event's label at a step of shortening; step 0 is the label itself.
pub fn shortened(messages: &[Message], notes: &[Note], level: u8) -> String {
    if level == 0 {
        return message::label(messages, notes);
    }
    let has_exchange = messages.iter().any(|message| weight(message) == Weight::Exchange);
    let mut parts: Vec<String> = Vec::new();
    let mut left_out = 0;
    for (at, message) in messages.iter().enumerate() {
        let weight = weight(message);
        // Bookkeeping beside something else, then the handshake beside the exchange (but for
        // the packet's first message, which says what the packet is), then all of the
        // handshake, are counted.
        let beside_more = messages.len() > 1;
        let handshake_goes = match level {
            5 => at > 0,
            6.. => true,
            _ => false,
        };
        if (level >= 3 && weight == Weight::Bookkeeping && beside_more)
            || (handshake_goes && weight == Weight::Handshake && has_exchange)
        {
            left_out += 1;
            continue;
        }
        parts.push(match message {
            Message::Quic(packet) => quic_words(packet, level),
            message => message.to_string(),
        });
    }
    let mut label = parts.join(" · ");
    if left_out > 0 {
        let _ = write!(label, " +{left_out} more");
    }
    for note in notes {
        label.push_str(note.suffix());
    }
    label
}

/// The label of `event` in at most `room` columns, on one line: the first step of shortening
/// that fits, or the last one cut with `…`.
pub fn fit_line(event: &Event, room: usize) -> String {
    let last = match fitting(event, room, LEVELS) {
        Ok(label) => return label,
        Err(last) => last,
    };
    let mut cut: String = last.chars().take(room.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The label of `event` in lines of at most `room` columns: one line when a step of
/// shortening fits, else the last step wrapped between its messages or frames.
pub fn fit_lines(event: &Event, room: usize) -> Vec<String> {
    match fitting(event, room, LEVELS_BEFORE_WRAPPING) {
        Ok(label) => vec![label],
        Err(last) => wrap_keeping(&last, room, &exchanges(event)),
    }
}

/// The first of `levels` steps of shortening that fits `room`, or the last step when none does.
fn fitting(event: &Event, room: usize, levels: u8) -> Result<String, String> {
    let mut last = String::new();
    for level in 0..levels {
        last = shortened(&event.messages, &event.notes, level);
        if last.chars().count() <= room {
            return Ok(last);
        }
    }
    Err(last)
}

/// Prose in lines of at most `room` columns, broken after the last space that fits, else
/// anywhere.
pub fn wrap(text: &str, room: usize) -> Vec<String> {
    wrap_at(text, room, &[], false)
}

/// A list (of facts, of messages) in lines of at most `room` columns, broken after its
/// separators (` · `, `, `) first.
pub fn wrap_list(text: &str, room: usize) -> Vec<String> {
    wrap_at(text, room, &[], true)
}

/// A label in lines of at most `room` columns, broken after a separator between messages or
/// frames (` · `, `, `) where one leaves the line at least half full, else after a space or a
/// `[`, else anywhere; never inside one of `whole` (unless it alone is longer than a line).
fn wrap_keeping(text: &str, room: usize, whole: &[String]) -> Vec<String> {
    wrap_at(text, room, whole, true)
}

fn wrap_at(text: &str, room: usize, whole: &[String], separators_first: bool) -> Vec<String> {
    let room = room.max(1);
    let mut lines = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    while rest.len() > room {
        // Where each of `whole` sits in what is left: no break inside it.
        let line_text: String = rest.iter().collect();
        let inside: Vec<(usize, usize)> = whole
            .iter()
            .filter(|word| !word.is_empty())
            .flat_map(|word| {
                line_text.match_indices(word.as_str()).map(|(byte, _)| {
                    let start = line_text[..byte].chars().count();
                    (start, start + word.chars().count())
                })
            })
            .collect();
        let allowed = |at: usize| inside.iter().all(|&(start, end)| at <= start || at >= end);
        let breaks_after = |good: &dyn Fn(&[char]) -> bool| {
            (room / 2..=room)
                .rev()
                .find(|&at| at >= 1 && at < rest.len() && allowed(at) && good(&rest[..at]))
                .or_else(|| {
                    (1..room / 2).rev().find(|&at| at < rest.len() && allowed(at) && good(&rest[..at]))
                })
        };
        let separator = |before: &[char]| {
            before.ends_with(&[' ']) && matches!(before.get(before.len().wrapping_sub(2)), Some('·' | ','))
        };
        let space = |before: &[char]| matches!(before.last(), Some(' ' | '['));
        let cut = separators_first
            .then(|| breaks_after(&separator))
            .flatten()
            .or_else(|| breaks_after(&space))
            .unwrap_or(room);
        let line: String = rest[..cut].iter().collect();
        lines.push(line.trim_end().to_owned());
        rest.drain(..cut);
        while rest.first() == Some(&' ') {
            rest.remove(0);
        }
    }
    if !rest.is_empty() || lines.is_empty() {
        lines.push(rest.into_iter().collect());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::quic::header::Kind;
    use crate::dissect::tls::handshake::kind;
    use crate::timeline::message::Handshake;

    fn stream(stream_id: u64, http3: Vec<Http3Frame>) -> QuicFrame {
        QuicFrame::Stream { stream_id, http3 }
    }

    /// The client's first 1-RTT packet of an HTTP/3 connection: three control streams opened,
    /// then the request.
    fn request_packet() -> Vec<Message> {
        vec![Message::Quic(QuicPacket {
            kind: Kind::Short,
            frames: Some(vec![
                stream(2, vec![Http3Frame::Other("SETTINGS")]),
                stream(10, vec![]),
                stream(6, vec![]),
                stream(0, vec![Http3Frame::Request { method: "GET".into(), path: "/quic/1".into() }]),
            ]),
        })]
    }

    #[test]
    fn control_frames_are_counted_before_the_request_is_touched() {
        let messages = request_packet();
        let full = "1-RTT[STREAM 2: SETTINGS, STREAM 10, STREAM 6, STREAM 0: HTTP/3 GET /quic/1]";
        assert_eq!(shortened(&messages, &[], 0), full);
        assert_eq!(shortened(&messages, &[], 1), "1-RTT[STREAM 0: HTTP/3 GET /quic/1, +3 control frames]");
        assert_eq!(shortened(&messages, &[], 2), "1-RTT[HTTP/3 GET /quic/1, +3 control frames]");
        assert_eq!(shortened(&messages, &[], 4), "1-RTT[HTTP/3 GET /quic/1, +3]");
    }

    #[test]
    fn a_packet_of_control_frames_alone_is_counted() {
        let messages = vec![Message::Quic(QuicPacket {
            kind: Kind::Short,
            frames: Some(vec![
                stream(3, vec![Http3Frame::Other("SETTINGS")]),
                stream(11, vec![]),
                QuicFrame::Ack,
            ]),
        })];
        assert_eq!(shortened(&messages, &[], 1), "1-RTT[3 control frames]");
        assert_eq!(shortened(&messages, &[], 4), "1-RTT[+3]");
    }

    #[test]
    fn the_handshake_beside_a_request_goes_last_and_is_counted() {
        let hello = Handshake { kind: kind::CLIENT_HELLO, hello_retry: false };
        let messages = vec![
            Message::Syn { ack: false, fast_open: Some(message::FastOpen::Cookie) },
            Message::Handshake(hello),
            Message::ChangeCipherSpec,
            Message::Http1 { start_line: "GET /tfo-tls13-0rtt/2".into() },
        ];
        assert_eq!(shortened(&messages, &[], 3), message::label(&messages, &[]));
        assert_eq!(shortened(&messages, &[], 5), "SYN (TFO cookie) · HTTP GET /tfo-tls13-0rtt/2 +2 more");
        assert_eq!(shortened(&messages, &[], 6), "HTTP GET /tfo-tls13-0rtt/2 +3 more");
        let response = vec![Message::Http1 { start_line: "200 OK".into() }, Message::Fin];
        assert_eq!(shortened(&response, &[Note::Retransmission], 3), "HTTP 200 OK +1 more (retransmission)");
    }

    #[test]
    fn every_step_keeps_the_exchange_whole() {
        let messages = request_packet();
        for level in 0..LEVELS {
            assert!(shortened(&messages, &[], level).contains("HTTP/3 GET /quic/1"), "step {level}");
        }
    }

    #[test]
    fn text_wraps_after_separators_and_cuts_only_what_has_none() {
        assert_eq!(
            wrap_keeping("ClientHello · ChangeCipherSpec · HTTP GET /x", 20, &[]),
            ["ClientHello ·", "ChangeCipherSpec ·", "HTTP GET /x"]
        );
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(
            wrap("request after 1 round trip, response after", 30),
            ["request after 1 round trip,", "response after"]
        );
        assert_eq!(wrap("", 4), [""]);
        let kept = ["HTTP/3 GET /quic-0rtt/2".to_owned()];
        assert_eq!(
            wrap_keeping("0-RTT[HTTP/3 GET /quic-0rtt/2, +3] +1 more", 30, &kept),
            ["0-RTT[", "HTTP/3 GET /quic-0rtt/2,", "+3] +1 more"]
        );
    }
}
