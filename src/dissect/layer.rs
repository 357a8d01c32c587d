//! What every layer can say of itself, whatever its protocol: its protocol and OSI layer, its
//! length, the fields it emits and its one-line summary.
//!
//! Each protocol's header type says it through [`LayerHeader`], in the protocol's own file;
//! [`Layer`] only forwards, with what tracking learnt of the layer ([`Tracked`]). So a new
//! protocol's header is one variant of `Content` and one `impl LayerHeader`, and nothing here.

use std::fmt;

use super::field::{Emitter, FieldSink, NameFilter, Source, Span, Value};
use super::{Annotation, Content, Layer, Reassembly};
use crate::osi::{OsiLayer, Protocol};

/// What a protocol's decoded header says of itself.
pub trait LayerHeader {
    /// The protocol the header is (a VLAN tag is 802.1Q or 802.1ad by its TPID).
    fn protocol(&self) -> Protocol;

    /// The number of bytes of the header itself (of all its records or messages, for a layer
    /// of TLS records or HTTP messages).
    fn header_len(&self) -> usize;

    /// Walks its fields into `out`, in Wireshark's tree order.
    fn fields(&self, out: &mut Emitter<'_>, tracked: &Tracked<'_>);

    /// One line that says what the header is.
    fn summary(&self, out: &mut dyn fmt::Write, tracked: &Tracked<'_>) -> fmt::Result;

    /// Its name in the Protocol column.
    fn column_name(&self) -> &'static str {
        self.protocol().column_name()
    }

    /// Field-name prefixes it emits besides its own protocol's: a PDU reassembled from TCP
    /// segments names the segments in `tcp.*`.
    fn also_emits(&self) -> &'static [&'static str] {
        &[]
    }

    /// What is wrong in a header that was still read (a part that breaks its specification
    /// while the rest stands), as one line for the packet's problems; `None` when nothing is.
    /// The stateless chain asks each layer its parser read (`dispatch::STATELESS`).
    fn problem(&self) -> Option<String> {
        None
    }
}

impl<T: LayerHeader + ?Sized> LayerHeader for Box<T> {
    fn protocol(&self) -> Protocol {
        (**self).protocol()
    }

    fn header_len(&self) -> usize {
        (**self).header_len()
    }

    fn fields(&self, out: &mut Emitter<'_>, tracked: &Tracked<'_>) {
        (**self).fields(out, tracked);
    }

    fn summary(&self, out: &mut dyn fmt::Write, tracked: &Tracked<'_>) -> fmt::Result {
        (**self).summary(out, tracked)
    }

    fn problem(&self) -> Option<String> {
        (**self).problem()
    }

    fn column_name(&self) -> &'static str {
        (**self).column_name()
    }

    fn also_emits(&self) -> &'static [&'static str] {
        (**self).also_emits()
    }
}

/// What tracking learnt of a layer from the frames before it.
#[derive(Clone, Copy, Debug)]
pub struct Tracked<'l> {
    pub annotation: &'l Annotation,
    /// The ICMP or ICMPv6 error that quotes the layer's datagram, if it is quoted.
    pub quoted_by: Option<Protocol>,
}

impl<'l> Tracked<'l> {
    /// The TCP analysis of the segment, if tracking made one.
    pub fn tcp(&self) -> Option<&'l super::tcp::Analysis> {
        match self.annotation {
            Annotation::Tcp(analysis) => Some(analysis),
            _ => None,
        }
    }

    /// The UDP conversation of the datagram, if tracking found one.
    pub fn udp(&self) -> Option<&'l super::udp::Conversation> {
        match self.annotation {
            Annotation::Udp(conversation) => Some(conversation),
            _ => None,
        }
    }

    /// The fragments the IP datagram was reassembled from, on the frame that completed it.
    pub fn reassembly(&self) -> Option<&'l Reassembly> {
        match self.annotation {
            Annotation::Reassembled(reassembly) => Some(reassembly),
            _ => None,
        }
    }

    /// The echo reply's request frame and response time, in `request` and `time`.
    pub fn echo_fields(&self, out: &mut Emitter<'_>, request: &'static str, time: &'static str) {
        if let Annotation::EchoReply { request_frame, response_ns } = *self.annotation {
            out.computed(request, Value::Uint(request_frame));
            out.computed(time, Value::Millis(response_ns));
        }
    }

    /// The fragments of a reassembled IP datagram, in the IP version's `fragment`, `count` and
    /// `length` fields; each fragment covers its bytes of the reassembled datagram.
    pub fn reassembly_fields(&self, out: &mut Emitter<'_>, [fragment, count, length]: [&'static str; 3]) {
        let Some(reassembly) = self.reassembly() else { return };
        let mut within = out.within(&Span::new(&[], Source::Reassembled, 0));
        let mut at = 0;
        for (frame, size) in reassembly.frames.iter().zip(&reassembly.sizes) {
            within.at(fragment, at..at + size, Value::Uint(*frame));
            at += size;
        }
        out.computed(count, Value::Uint(reassembly.frames.len() as u64));
        out.computed(length, Value::Uint(reassembly.len as u64));
    }
}

impl Content<'_> {
    pub fn protocol(&self) -> Protocol {
        match self {
            Self::Raw => Protocol::Raw,
            Self::TextLines { .. } => Protocol::TextLines,
            Self::Data(_) => Protocol::Data,
            Self::Undecoded { protocol, .. } => *protocol,
            content => content.decoded().map_or(Protocol::Data, LayerHeader::protocol),
        }
    }
}

impl<'a> Layer<'a> {
    pub fn protocol(&self) -> Protocol {
        self.content.protocol()
    }

    /// Whether the layer only names its protocol in `frame.protocols`: the HTTP that an
    /// upgraded connection (h2c, WebSocket) was upgraded from, which tshark lists among the
    /// protocols but writes no tree, `-T json` or `-T ek` layer for.
    pub fn is_protocols_only(&self) -> bool {
        matches!(&self.content, Content::Http(http)
            if http.messages.is_empty() && http.segments.is_empty() && http.proxy_connect.is_none())
    }

    /// Whether the layer is part of a datagram quoted inside an ICMP error.
    pub fn is_quoted(&self) -> bool {
        self.quoted_by.is_some()
    }

    pub fn osi(&self) -> OsiLayer {
        self.protocol().osi()
    }

    /// The layer's name in the Protocol column, which for TLS says the version.
    pub fn column_name(&self) -> &'static str {
        self.content.decoded().map_or(self.protocol().column_name(), LayerHeader::column_name)
    }

    /// The number of bytes of this layer's own header (or of the whole layer for data).
    pub fn len(&self) -> usize {
        match &self.content {
            Content::Raw => 0,
            Content::TextLines { bytes, .. } | Content::Data(bytes) | Content::Undecoded { bytes, .. } => {
                bytes.len()
            }
            content => content.decoded().map_or(0, LayerHeader::header_len),
        }
    }

    /// Whether the layer covers no bytes (only the raw-IP marker).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the layer can emit fields whose name starts with `prefix` (the part before the
    /// first dot): its own protocol's, and those it reports for a layer below.
    pub fn emits(&self, prefix: &str) -> bool {
        prefix == self.protocol().filter_name()
            || self.content.decoded().is_some_and(|header| header.also_emits().contains(&prefix))
    }

    fn tracked(&self) -> Tracked<'_> {
        Tracked { annotation: &self.annotation, quoted_by: self.quoted_by }
    }

    /// Walks the layer's fields into `sink`, in Wireshark's tree order.
    pub fn fields(&self, sink: &mut dyn FieldSink) {
        self.emit(&mut Emitter::new(sink, self.offset, self.source));
    }

    /// Walks into `sink` the layer's fields whose names `filter` lets through (and perhaps a
    /// few others), in Wireshark's tree order.
    pub fn fields_filtered(&self, sink: &mut dyn FieldSink, filter: &NameFilter) {
        self.emit(&mut Emitter::filtered(sink, self.offset, self.source, filter));
    }

    fn emit(&self, out: &mut Emitter<'_>) {
        match &self.content {
            Content::Data(bytes) => super::data::fields(bytes, out),
            Content::Raw | Content::TextLines { .. } | Content::Undecoded { .. } => {}
            content => {
                if let Some(header) = content.decoded() {
                    header.fields(out, &self.tracked());
                }
            }
        }
    }

    /// One line that says what this layer is.
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        match &self.content {
            Content::Raw => out.write_str("Raw packet data"),
            // As tshark titles it: the media type, then the lines.
            Content::TextLines { bytes, media } => {
                out.write_str("Line-based text data")?;
                if let Some(media) = media {
                    write!(out, ": {media}")?;
                }
                write!(out, " ({} lines)", text_lines(bytes))
            }
            Content::Data(bytes) => write!(out, "Data ({} bytes)", bytes.len()),
            Content::Undecoded { protocol, bytes, reason } => {
                write!(out, "{} ({} bytes) not decoded: {reason}", protocol.column_name(), bytes.len())
            }
            content => match content.decoded() {
                Some(header) => header.summary(out, &self.tracked()),
                None => Ok(()),
            },
        }
    }

    /// The summary as a new string.
    pub fn summary_string(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = self.summary(&mut text);
        text
    }
}

/// How many lines Wireshark's line-based text dissector counts in `bytes`.
fn text_lines(bytes: &[u8]) -> usize {
    lines_of(bytes).count()
}

/// The lines of a text body as Wireshark's line-based text dissector splits it, each with its
/// end: a line ends at a CR, an LF or a CR LF, and text after the last end is a line too.
pub fn lines_of(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = match rest.iter().position(|&byte| matches!(byte, b'\r' | b'\n')) {
            Some(end) => end + 1 + usize::from(rest[end] == b'\r' && rest.get(end + 1) == Some(&b'\n')),
            None => rest.len(),
        };
        let (line, after) = rest.split_at(end);
        rest = after;
        Some(line)
    })
}

#[cfg(test)]
mod tests {
    use super::text_lines;

    #[test]
    fn text_lines_end_at_cr_lf_or_both_and_count_a_last_unended_line() {
        for (text, lines) in [
            (&b""[..], 0),
            (b"one", 1),
            (b"one\n", 1),
            (b"one\r\ntwo", 2),
            (b"one\r\rtwo\n", 3),
            (b"\n\n", 2),
            (b"a\n\rb", 3),
        ] {
            assert_eq!(text_lines(text), lines, "{:?}", String::from_utf8_lossy(text));
        }
    }
}
