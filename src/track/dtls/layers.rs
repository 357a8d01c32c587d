//! Turning what the DTLS tracker made of a datagram into the packet's layers: the [`Dtls`]
//! layer of its records, the decrypted application data above it, and an undecoded layer for
//! what could not be read (a fragment outside its message, a record cut short), so the
//! layers before it stay.

use smallvec::SmallVec;

use super::{AssemblyOut, ContentOut, Loc, Output};
use crate::dissect::dtls::{Assembly, Dtls, Fragment, Record, record};
use crate::dissect::field::{Source, Span};
use crate::dissect::tls::Content as RecordContent;
use crate::dissect::{Annotation, Content, Layer, Packet};
use crate::osi::Protocol;

/// Replaces a UDP datagram's plain data with its DTLS records and what they carry.
pub(in crate::track) fn push<'a>(
    packet: &mut Packet<'a>,
    udp_layer: usize,
    payload: Span<'a>,
    output: Output,
) {
    if output.records.is_empty() && output.undecoded.is_none() {
        return;
    }
    packet.layers.truncate(udp_layer + 1);
    let (stream, decrypted) = (packet.stream, packet.decrypted);
    let span = |loc: &Loc| -> Span<'a> {
        match loc {
            Loc::Payload(range) => payload.slice(range.start, range.end),
            Loc::Stream(range) => {
                Span::new(stream.get(range.clone()).unwrap_or(&[]), Source::Stream, range.start)
            }
            Loc::Decrypted(range) => {
                Span::new(decrypted.get(range.clone()).unwrap_or(&[]), Source::Decrypted, range.start)
            }
        }
    };
    let mut records: SmallVec<[Record<'a>; 2]> = SmallVec::new();
    for out in output.records {
        let record_span = payload.slice(out.range.start, out.range.end);
        let Ok(parsed) = record::parse(record_span.bytes, output.connection_id_len) else { continue };
        let content = match out.content {
            ContentOut::Clear => RecordContent::Clear,
            ContentOut::Decrypted { content_type, plaintext } => {
                RecordContent::Decrypted { content_type, plaintext: span(&plaintext) }
            }
            ContentOut::Encrypted(reason) => RecordContent::Encrypted(reason),
        };
        let fragments = out
            .fragments
            .into_iter()
            .map(|fragment| Fragment {
                header: fragment.header,
                span: span(&fragment.loc),
                assembly: match fragment.assembly {
                    AssemblyOut::Whole => Assembly::Whole,
                    AssemblyOut::Part => Assembly::Part,
                    AssemblyOut::Reassembled { body, pieces } => {
                        Assembly::Reassembled { body: span(&body), pieces }
                    }
                    AssemblyOut::Outside(reason) => Assembly::Outside(reason),
                },
            })
            .collect();
        records.push(Record {
            header: parsed.header,
            span: record_span,
            header_len: out.header_len,
            content,
            fragments,
            session_version: out.session_version,
        });
    }
    if let Some(first) = records.first().map(|record| record.span) {
        let dtls = Dtls { records, version: output.version, key_exchange: output.key_exchange };
        packet.layers.push(layer(Content::Dtls(Box::new(dtls)), first));
    }
    for plaintext in output.application_data.iter().map(span) {
        packet.layers.push(layer(Content::Data(plaintext.bytes), plaintext));
    }
    for (loc, reason) in &output.outside {
        let bytes = span(loc);
        packet.problem(Protocol::Dtls, reason.clone());
        packet.layers.push(layer(
            Content::Undecoded { protocol: Protocol::Dtls, bytes: bytes.bytes, reason: reason.clone() },
            bytes,
        ));
    }
    if let Some((at, reason)) = output.undecoded {
        let bytes = payload.slice(at, payload.bytes.len());
        packet
            .layers
            .push(layer(Content::Undecoded { protocol: Protocol::Dtls, bytes: bytes.bytes, reason }, bytes));
    }
}

fn layer<'a>(content: Content<'a>, span: Span<'a>) -> Layer<'a> {
    Layer { content, offset: span.offset, source: span.source, quoted_by: None, annotation: Annotation::None }
}
