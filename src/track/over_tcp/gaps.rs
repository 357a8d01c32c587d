//! What bytes of a stream that the capture lost do: the notes they leave on the packet, and the
//! message in the making they end in the reader of the protocol inside TLS.

use super::Inner;
use crate::track::stream::{Chunk, Reassembler};

/// Bytes of direction `dir` that the capture lost (a gap among `chunks`) end the message in
/// the making of the protocol inside TLS.
pub(super) fn inner_gap(inner: &mut Inner, dir: usize, chunks: &[Chunk]) {
    if !chunks.iter().any(|chunk| matches!(chunk, Chunk::Gap(_))) {
        return;
    }
    match inner {
        Inner::Http(http) => http.gap(dir),
        Inner::Dns(dns) => dns.gap(dir),
        _ => {}
    }
}

/// Tells a direction's reassembly that the peer acknowledged `ack`. A FIN takes a sequence
/// number of its own: once the direction has sent one (`finished`), the acknowledgment of it
/// is not a byte the capture missed.
pub(super) fn acknowledged(stream: &mut Reassembler, finished: bool, ack: u32) -> Vec<Chunk> {
    stream.acknowledged(if finished { ack.wrapping_sub(1) } else { ack })
}

/// What a lost stretch of the stream, or a given-up gap, says in the packet's problems.
pub(super) fn gap_notes(chunks: &[Chunk], overflowed: bool, notes: &mut Vec<String>) {
    if overflowed {
        notes.push(format!(
            "over {} bytes arrived out of order behind a gap; the gap is given up",
            crate::track::stream::MAX_HELD
        ));
    }
    for chunk in chunks {
        if let Chunk::Gap(missing) = chunk {
            notes
                .push(format!("{missing} bytes of the stream were not captured; reading resumes after them"));
        }
    }
}
