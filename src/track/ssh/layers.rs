//! Turning what the SSH reading of a segment produced into the packet's SSH layer, borrowed
//! from the segment's payload or the frame's stream arena.

use super::{Kind, Output};
use crate::dissect::field::{Source, Span};
use crate::dissect::ssh::{Item, Ssh};
use crate::dissect::{Annotation, Content, Layer, Packet, PendingInfo};
use crate::osi::Protocol;
use crate::track::TcpPayload;
use crate::track::tls::Loc;

/// Adds the SSH layer of the items a segment completed; a segment that only begins an item
/// is a TCP segment of a PDU finished later, as tshark calls it; bytes that are not SSH
/// become an undecoded layer with their reason.
pub(in crate::track) fn push<'a>(packet: &mut Packet<'a>, tcp: &TcpPayload<'a>, output: Output) {
    for problem in &output.problems {
        packet.problem(Protocol::Ssh, problem.clone());
    }
    let stream = packet.stream;
    let span = |loc: &Loc| -> Span<'a> {
        match loc {
            Loc::Payload(range) => tcp.payload.slice(range.start, range.end),
            Loc::Stream(range) | Loc::Decrypted(range) => {
                Span::new(stream.get(range.clone()).unwrap_or(&[]), Source::Stream, range.start)
            }
        }
    };
    let items: smallvec::SmallVec<[Item<'a>; 2]> = output
        .items
        .iter()
        .map(|completed| {
            let at = span(&completed.loc);
            match completed.kind {
                Kind::Version => {
                    let line = at.bytes.strip_suffix(b"\n").unwrap_or(at.bytes);
                    Item::Version { line: line.strip_suffix(b"\r").unwrap_or(line), span: at }
                }
                Kind::Packet(kex) => Item::Packet { span: at, kex },
                Kind::Encrypted => Item::Encrypted(at),
            }
        })
        .collect();
    if let Some(first) = items.first().map(Item::span) {
        let known = output.items.into_iter().map(|completed| completed.known).collect();
        let ssh = Ssh {
            from_server: output.from_server,
            version_known: output.version_known,
            items,
            known,
            shortest_encrypted: output.shortest,
        };
        packet.layers.push(Layer {
            content: Content::Ssh(Box::new(ssh)),
            offset: first.offset,
            source: first.source,
            quoted_by: None,
            annotation: Annotation::None,
        });
    } else if output.pending && output.malformed.is_none() {
        packet.pending_info = Some(PendingInfo::Segment);
    }
    if let Some((reason, loc)) = output.malformed {
        let at = span(&loc);
        packet.problem(Protocol::Ssh, reason.clone());
        packet.layers.push(Layer {
            content: Content::Undecoded { protocol: Protocol::Ssh, bytes: at.bytes, reason },
            offset: at.offset,
            source: at.source,
            quoted_by: None,
            annotation: Annotation::None,
        });
    }
}
