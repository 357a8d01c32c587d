//! Where tshark's tree puts the TLS that QUIC carries: the handshake messages a CRYPTO frame
//! completed sit inside that frame, under a record title of their own (`TLSv1.3 Record Layer:
//! Handshake Protocol: Client Hello`), in the `QUIC IETF` item of their packet, where rttscope
//! keeps them as a layer after the QUIC layer.
//!
//! The invariant: a TLS-in-QUIC layer's lines move, one level deeper, to the end of the last
//! CRYPTO frame of its packet, and its own title gives way to the record title; only the lines
//! marking a piece of an unfinished message are dropped. A layer whose place cannot be found
//! stays where it was, whole.

use super::record::handshake_name;
use crate::dissect::quic::CryptoTls;
use crate::dissect::{Content, Layer};
use crate::render::nest::quic::TITLE;

/// How the TLS layer titles a piece of a handshake message.
const PIECE: &str = "Handshake Protocol: Encrypted Handshake Message";

/// Moves each TLS-in-QUIC layer's text in `texts` (each layer's index and lines, in order) into
/// the text of the QUIC layer before it.
pub(super) fn nest_crypto(layers: &[Layer<'_>], texts: &mut Vec<(usize, String)>) {
    let mut at = 0;
    while at < texts.len() {
        let (index, _) = texts[at];
        let Some(Content::QuicTls(crypto)) = layers.get(index).map(|layer| &layer.content) else {
            at += 1;
            continue;
        };
        let title = record_title(crypto);
        let quic = texts[..at].iter().rposition(|(before, _)| {
            layers.get(*before).is_some_and(|layer| matches!(layer.content, Content::Quic(_)))
        });
        let place = quic.zip(title).and_then(|(quic, title)| {
            let end = crypto_frame_end(&texts[quic].1, crypto.packet)?;
            Some((quic, title, end))
        });
        let Some((quic, title, end)) = place else {
            at += 1;
            continue;
        };
        let (_, tls) = texts.remove(at);
        let mut moved = format!("        {title}\n");
        // The layer's title goes; its lines move one level in. A piece of a message the frame
        // did not finish is left out: tshark shows the piece that finishes it, as a `(last
        // fragment)` with its reassembly, which rttscope does not draw.
        for line in tls.lines().skip(1).filter(|line| line.trim_start() != PIECE) {
            moved.push_str("    ");
            moved.push_str(line);
            moved.push('\n');
        }
        texts[quic].1.insert_str(end, &moved);
    }
}

/// The record title tshark gives the handshake messages a CRYPTO frame completed: `TLSv1.3
/// Record Layer: Handshake Protocol: Client Hello`; none where the frame completed none.
pub(super) fn record_title(crypto: &CryptoTls<'_>) -> Option<String> {
    // tshark counts the start of a message the frame does not finish as a message.
    let messages = match (crypto.messages.as_slice(), crypto.unfinished) {
        ([], _) => return None,
        ([only], false) => handshake_name(only.bytes),
        _ => "Multiple Handshake Messages",
    };
    Some(format!("TLSv1.3 Record Layer: Handshake Protocol: {messages}"))
}

/// Where the last CRYPTO frame of the `packet`-th packet in a QUIC layer's `text` ends: the
/// byte offset after its last line.
fn crypto_frame_end(text: &str, packet: usize) -> Option<usize> {
    let mut offset = 0;
    let mut packets = 0;
    let mut in_crypto = false;
    let mut end = None;
    for (number, line) in text.split_inclusive('\n').enumerate() {
        let bare = line.trim_end_matches('\n');
        if number > 0 && bare == TITLE {
            packets += 1;
            in_crypto = false;
        }
        if packets == packet {
            let depth_one = bare.starts_with("    ") && !bare.starts_with("     ");
            if depth_one {
                in_crypto = bare == "    CRYPTO";
            }
            if in_crypto {
                end = Some(offset + line.len());
            }
        }
        offset += line.len();
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_PACKETS: &str = "QUIC IETF\n\
        \x20   [Packet Length: 177]\n\
        \x20   CRYPTO\n\
        \x20       Crypto Data\n\
        \x20   ACK\n\
        \x20       Frame Type: ACK (0x0000000000000002)\n\
        QUIC IETF\n\
        \x20   [Packet Length: 1023]\n\
        \x20   CRYPTO\n\
        \x20       Crypto Data\n";

    #[test]
    fn the_last_crypto_frame_of_the_packet_ends_before_the_next_frame_or_packet() {
        let first = crypto_frame_end(TWO_PACKETS, 0).map(|end| &TWO_PACKETS[..end]);
        assert!(first.is_some_and(|text| text.ends_with("        Crypto Data\n") && !text.contains("ACK")));
        let second = crypto_frame_end(TWO_PACKETS, 1);
        assert_eq!(second, Some(TWO_PACKETS.len()));
        assert_eq!(crypto_frame_end(TWO_PACKETS, 2), None);
        assert_eq!(crypto_frame_end("QUIC IETF\n    PING\n", 0), None);
    }
}
