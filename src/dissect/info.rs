//! The Info column: what tshark writes for a packet, built from its top layer, with the extras
//! tshark adds (fragments, echo replies, TLS records continuing after an HTTP message, notes
//! for segments of a message finished later).

use std::fmt;

use smallvec::SmallVec;

use super::{Annotation, Content, FragmentKey, Packet, PendingInfo, http1, ip_protocol_name, tls};

/// Displays a packet's Info column when formatted, not before.
pub(super) struct InfoColumn<'p, 'a>(pub(super) &'p Packet<'a>);

impl fmt::Display for InfoColumn<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_info(self.0, f)
    }
}

/// Writes the Info column: the top layer's summary, with the extras tshark adds.
pub fn write_info(packet: &Packet<'_>, out: &mut dyn fmt::Write) -> fmt::Result {
    let Some(top) = packet.top_layer() else {
        return out.write_str("(no layers)");
    };
    if let (Some(fragment), Content::Ipv4(_) | Content::Ipv6(_)) = (&packet.fragment, &top.content) {
        let (protocol, offset) = (u8::from(fragment.protocol), fragment.offset);
        match fragment.key {
            FragmentKey::V4 { ident, .. } => write!(
                out,
                "Fragmented IP protocol (proto={} {protocol}, off={offset}, ID={ident:04x})",
                ip_protocol_name(protocol)
            )?,
            FragmentKey::V6 { ident, .. } => {
                let more = if fragment.more { "y" } else { "n" };
                write!(out, "IPv6 fragment (off={offset} more={more} ident=0x{ident:08x} nxt={protocol})")?
            }
        }
        return write_first_problem(packet, out);
    }
    let request_in = match top.annotation {
        Annotation::EchoReply { request_frame, .. } => Some(request_frame),
        _ => None,
    };
    // An echo's line carries the hop count of the datagram it came in.
    let hops =
        packet.layers.iter().filter(|layer| !layer.is_quoted()).find_map(|layer| match &layer.content {
            Content::Ipv4(ip) => Some(ip.ttl()),
            Content::Ipv6(ip) => Some(ip.hop_limit()),
            _ => None,
        });
    // What TCP's analysis found leads the line whichever protocol above it writes the rest.
    let mut labelled = false;
    if matches!(top.content, Content::Tls(_) | Content::Http(_) | Content::Http2(_))
        && let Some(analysis) = packet.layers.iter().find_map(|layer| match &layer.annotation {
            Annotation::Tcp(analysis) if !layer.is_quoted() => Some(analysis),
            _ => None,
        })
        && (analysis.flags != 0 || analysis.duplicate_of.is_some())
    {
        super::tcp::write_analysis_labels(out, analysis)?;
        labelled = true;
    }
    // DTLS writes the line for its records, whatever they carried above them (decrypted
    // data, a fragment that could not be placed).
    if let Some(dtls) = packet.layers.iter().find_map(|layer| match &layer.content {
        Content::Dtls(dtls) => Some(dtls),
        _ => None,
    }) && matches!(top.content, Content::Dtls(_) | Content::Data(_))
    {
        dtls.write_info(out)?;
        return write_first_problem(packet, out);
    }
    match &top.content {
        Content::Icmp(message) => return message.write_info(out, hops, request_in),
        Content::Quic(_) | Content::Http3(_) => {
            let http3: SmallVec<[&super::http3::Http3<'_>; 4]> = packet
                .layers
                .iter()
                .filter_map(|layer| match &layer.content {
                    Content::Http3(http3) => Some(&**http3),
                    _ => None,
                })
                .collect();
            return match packet.layers.iter().find_map(|layer| match &layer.content {
                Content::Quic(quic) => Some(quic),
                _ => None,
            }) {
                Some(quic) => quic.write_info(out, &http3),
                None => Ok(()),
            };
        }
        Content::Icmpv6(message) => return message.write_info(out, hops, request_in),
        Content::Http(http) => {
            http.write_info(out)?;
            return write_records_after_application_data(packet, out);
        }
        Content::Http2(_) => {
            let mut first = true;
            // What HTTP/2 was handed last, from where it last cleared the column.
            let parts: SmallVec<[&super::http::Http2<'_>; 4]> = packet.http2_parts().collect();
            let last = parts.iter().rposition(|http2| http2.clears_info).unwrap_or(0);
            for http2 in &parts[last..] {
                http2.write_info_after(out, &mut first)?;
            }
            return write_records_after_application_data(packet, out);
        }
        // Every TLS layer of the frame adds its records to one list.
        // After analysis labels, the note keeps the space that separates it from other text.
        Content::Tls(_) if packet.pending_info == Some(PendingInfo::Segment) => {
            let separator = if labelled { " " } else { "" };
            return write!(out, "{separator}[TCP segment of a reassembled PDU]");
        }
        Content::Tls(_) if packet.pending_info == Some(PendingInfo::TlsSegment) => {
            return out.write_str("[TLS segment of a reassembled PDU]");
        }
        Content::Tcp(_) if matches!(packet.pending_info, Some(PendingInfo::Head(_))) => {
            if let Some(PendingInfo::Head(head)) = &packet.pending_info
                && let Ok((_, message)) = http1::parse(head)
            {
                message.summary(out)?;
            }
            return out.write_str(" [TCP segment of a reassembled PDU]");
        }
        Content::Tls(_) => {
            let mut first = true;
            for layer in &packet.layers {
                if let Content::Tls(tls) = &layer.content {
                    tls.write_info(out, &mut first)?;
                }
            }
        }
        _ => top.summary(out)?,
    }
    // An undecoded layer's summary already says what is wrong with it.
    if matches!(top.content, Content::Undecoded { .. }) {
        return Ok(());
    }
    write_first_problem(packet, out)
}

/// The packet's first problem, in brackets after the rest of the line.
fn write_first_problem(packet: &Packet<'_>, out: &mut dyn fmt::Write) -> fmt::Result {
    match packet.problems.first() {
        Some(problem) => write!(out, " [{problem}]"),
        None => Ok(()),
    }
}

/// After an application message replaced the Info column, the TLS records that came after the
/// last application data still add their names, as they do in Wireshark.
fn write_records_after_application_data(packet: &Packet<'_>, out: &mut dyn fmt::Write) -> fmt::Result {
    let records: SmallVec<[&tls::Record<'_>; 4]> = packet
        .layers
        .iter()
        .filter_map(|layer| match &layer.content {
            Content::Tls(tls) => Some(tls.records.iter()),
            _ => None,
        })
        .flatten()
        .collect();
    let application_data = tls::record::content_type::APPLICATION_DATA;
    let Some(last) = records.iter().rposition(|record| record.content_type() == Some(application_data))
    else {
        return Ok(());
    };
    let mut first = false;
    for record in &records[last + 1..] {
        record.write_info(out, &mut first)?;
    }
    Ok(())
}
