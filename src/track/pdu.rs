//! The size of each length-framed message a TCP segment completes, as Wireshark's
//! `tcp_dissect_pdus` counts them in `tcp.pdu.size`: the protocols whose dissector frames its
//! messages by a length of their own call it, and it adds one size for each message it finds
//! whole, in the segment or put together from several. Of what rttscope reads, those are
//! HTTP/2's connection preface and frames, WebSocket frames (but not those inside HTTP/2, which
//! tshark 4.0 leaves as tunneled data), DNS messages over TCP or TLS, and STUN messages over
//! TCP. TLS records, HTTP/1.x messages and SSH packets are framed another way and add none.

use crate::dissect::stun::{CHANNEL_DATA_HEADER_LEN, Stun};
use crate::dissect::{Annotation, Content, Layer, Packet};

/// Notes on the packet's TCP layer (not one an ICMP error quotes) the size of each such
/// message the layers above it hold, in order.
pub(super) fn note_sizes(packet: &mut Packet<'_>) {
    let tcp = |layer: &Layer<'_>| matches!(layer.content, Content::Tcp(_)) && !layer.is_quoted();
    let Some(tcp_layer) = packet.layers.iter().position(tcp) else { return };
    let mut sizes = Vec::new();
    let mut in_http2 = false;
    for layer in packet.layers.iter().skip(tcp_layer + 1) {
        match &layer.content {
            Content::Http2(http2) => {
                in_http2 = true;
                sizes.extend(http2.preface.iter().map(|preface| preface.bytes.len()));
                sizes.extend(http2.frames.iter().map(|frame| frame.span.bytes.len()));
            }
            Content::WebSocket(frame) if !in_http2 => sizes.push(frame.span.bytes.len()),
            Content::Dns(message) if message.is_length_framed() => sizes.push(layer.len()),
            // ChannelData's header, its data, and the padding to four bytes TCP requires.
            Content::Stun(Stun::ChannelData(channel)) => {
                sizes.push((CHANNEL_DATA_HEADER_LEN + usize::from(channel.length())).div_ceil(4) * 4)
            }
            Content::Stun(Stun::Message(_)) => sizes.push(layer.len()),
            _ => {}
        }
    }
    if let Some(Layer { annotation: Annotation::Tcp(analysis), .. }) = packet.layers.get_mut(tcp_layer) {
        analysis.pdu_sizes = sizes.into_iter().map(|size| u32::try_from(size).unwrap_or(u32::MAX)).collect();
    }
}
