//! Turning the WebSocket frames a segment (or the TLS records it completed) finished into the
//! packet's layers, borrowed from the frame's arenas: the `http` mark Wireshark lists before
//! them (its HTTP dissector hands the upgraded stream on), each frame, and after a frame that
//! completes a message, its text as line-based text or its bytes as data.

use super::Output;
use crate::dissect::field::{Source, Span};
use crate::dissect::websocket::{Frame, Message};
use crate::dissect::{Annotation, Content, Layer, Packet, PendingInfo};
use crate::osi::Protocol;

/// Adds the layers of what a segment's WebSocket streams finished.
pub(in crate::track) fn push<'a>(packet: &mut Packet<'a>, outputs: &[(Source, Output)]) {
    let any = push_frames(packet, outputs.iter().map(|(source, output)| (*source, output)), true);
    // A segment that only began a frame is, as Wireshark says, a segment of a PDU to come.
    let waiting = outputs.iter().any(|(source, output)| *source == Source::Stream && output.pending > 0);
    if !any && waiting {
        packet.pending_info = Some(PendingInfo::Segment);
    }
}

/// Adds the layers of the WebSocket frames `outputs` completed, after the `http` mark when
/// `mark` (an HTTP/1.1 Upgrade; not over HTTP/2, whose DATA frame is the layer before them);
/// says whether any was added.
pub(in crate::track) fn push_frames<'a, 'o>(
    packet: &mut Packet<'a>,
    outputs: impl Iterator<Item = (Source, &'o Output)>,
    mark: bool,
) -> bool {
    let mut marked = !mark;
    let mut any = false;
    for (source, output) in outputs {
        for problem in &output.problems {
            packet.problem(Protocol::WebSocket, problem.clone());
        }
        let (bytes, source) = match source {
            Source::Decrypted => (packet.decrypted, Source::Decrypted),
            _ => (packet.stream, Source::Stream),
        };
        let span = |range: &std::ops::Range<usize>| {
            Span::new(bytes.get(range.clone()).unwrap_or(&[]), source, range.start)
        };
        let mut push = |packet: &mut Packet<'a>, content: Content<'a>, at: Span<'a>| {
            if !marked {
                marked = true;
                packet.layers.push(layer(Content::Http(Box::default()), at));
            }
            packet.layers.push(layer(content, at));
        };
        for out in &output.frames {
            let message = out.message.as_ref().map(|message| Message {
                opcode: message.opcode,
                data: span(&message.data),
                fragments: message.fragments.clone(),
            });
            let frame = Frame {
                header: out.header,
                span: span(&out.range),
                payload: span(&out.payload),
                deflate: output.deflate,
                message,
            };
            let carried = frame.carried();
            let at = frame.span;
            push(packet, Content::WebSocket(Box::new(frame)), at);
            any = true;
            match carried {
                Some((true, text)) if !text.bytes.is_empty() => {
                    packet.layers.push(layer(Content::TextLines { bytes: text.bytes, media: None }, text))
                }
                Some((false, data)) if !data.bytes.is_empty() => {
                    packet.layers.push(layer(Content::Data(data.bytes), data))
                }
                _ => {}
            }
        }
        if let Some((range, reason)) = &output.malformed {
            let at = span(range);
            let content =
                Content::Undecoded { protocol: Protocol::WebSocket, bytes: at.bytes, reason: reason.clone() };
            push(packet, content, at);
            any = true;
        }
    }
    any
}

fn layer<'a>(content: Content<'a>, at: Span<'a>) -> Layer<'a> {
    Layer { content, offset: at.offset, source: at.source, quoted_by: None, annotation: Annotation::None }
}
