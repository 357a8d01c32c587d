//! What every layer can say of itself, whatever its protocol: its protocol and OSI layer, its
//! length, the fields it emits and its one-line summary.

use std::fmt;

use super::field::{Emitter, FieldSink, Value};
use super::{
    Annotation, Header, Layer, arp, ethernet, field_offset, icmp, icmpv6, ipv4, ipv6, null, sll, udp, vlan,
};
use crate::osi::{OsiLayer, Protocol};

impl Header<'_> {
    pub fn protocol(&self) -> Protocol {
        match self {
            Self::Null(_) => Protocol::Null,
            Self::Ethernet(_) => Protocol::Ethernet,
            Self::Vlan(tag) if tag.service => Protocol::Ieee8021ad,
            Self::Vlan(_) => Protocol::Vlan,
            Self::Sll(_) => Protocol::Sll,
            Self::Raw => Protocol::Raw,
            Self::Arp(_) => Protocol::Arp,
            Self::Ipv4(_) => Protocol::Ipv4,
            Self::Ipv6(_) => Protocol::Ipv6,
            Self::Icmp(_) => Protocol::Icmp,
            Self::Icmpv6(_) => Protocol::Icmpv6,
            Self::Udp(_) => Protocol::Udp,
            Self::Tcp(_) => Protocol::Tcp,
            Self::Tls(_) => Protocol::Tls,
            Self::Http(_) => Protocol::Http,
            Self::Http2(_) => Protocol::Http2,
            Self::TextLines(_) => Protocol::TextLines,
            Self::Quic(_) => Protocol::Quic,
            Self::QuicTls(_) => Protocol::Tls,
            Self::Http3(_) => Protocol::Http3,
            Self::Quote(quote) => quote.protocol,
            Self::Data(_) => Protocol::Data,
            Self::Undecoded { protocol, .. } => *protocol,
        }
    }
}

impl<'a> Layer<'a> {
    pub fn protocol(&self) -> Protocol {
        self.header.protocol()
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
        match &self.header {
            Header::Tls(tls) => tls.column_name(),
            header => header.protocol().column_name(),
        }
    }

    /// The number of bytes of this layer's own header (or of the whole layer for data).
    pub fn len(&self) -> usize {
        match &self.header {
            Header::Null(_) => null::HEADER_LEN,
            Header::Ethernet(_) => ethernet::HEADER_LEN,
            Header::Vlan(_) => vlan::HEADER_LEN,
            Header::Sll(header) => match header.version {
                sll::Version::V1 => sll::V1_HEADER_LEN,
                sll::Version::V2 => sll::V2_HEADER_LEN,
            },
            Header::Raw => 0,
            Header::Arp(_) => arp::FIXED_LEN,
            Header::Ipv4(header) => header.header_len(),
            Header::Ipv6(header) => header.header_len(),
            Header::Icmp(_) => icmp::HEADER_LEN,
            Header::Icmpv6(_) => icmpv6::HEADER_LEN,
            Header::Udp(_) => udp::HEADER_LEN,
            Header::Tcp(header) => header.header_len(),
            Header::Tls(tls) => tls.records.iter().map(|record| record.span.bytes.len()).sum(),
            Header::Http(http) => http.messages.iter().map(|message| message.span.bytes.len()).sum(),
            Header::Http2(http2) => {
                http2.preface.map_or(0, |p| p.bytes.len())
                    + http2.frames.iter().map(|f| f.span.bytes.len()).sum::<usize>()
            }
            Header::TextLines(bytes) => bytes.len(),
            Header::Quic(quic) => quic.len(),
            Header::QuicTls(tls) => tls.messages.iter().map(|message| message.bytes.len()).sum(),
            Header::Http3(http3) => http3.frames.iter().map(|frame| frame.bytes.len()).sum(),
            Header::Quote(quote) => quote.len(),
            Header::Data(bytes) | Header::Undecoded { bytes, .. } => bytes.len(),
        }
    }

    /// Whether the layer covers no bytes (only the raw-IP marker).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the layer can emit fields whose name starts with `prefix` (the part before the
    /// first dot): its own protocol's, and those it reports for a layer below (a PDU
    /// reassembled from TCP segments names the segments in `tcp.*`).
    pub fn emits(&self, prefix: &str) -> bool {
        prefix == self.protocol().filter_name()
            || match &self.header {
                Header::Tls(_) | Header::Http(_) => prefix == "tcp",
                Header::Http2(_) => prefix == "http",
                // Wireshark shows an IPv6 header's version as `ip.version` too.
                Header::Ipv6(_) => prefix == "ip",
                Header::Data(_) => prefix == "data",
                _ => false,
            }
    }

    /// Walks the layer's fields into `sink`, in Wireshark's tree order.
    pub fn fields(&self, sink: &mut dyn FieldSink) {
        let mut out = Emitter::new(sink, self.offset, self.source);
        match &self.header {
            Header::Null(header) => header.fields(&mut out),
            Header::Ethernet(header) => {
                let trailer_at = field_offset(header.bytes(), header.trailer);
                header.fields(&mut out, trailer_at);
            }
            Header::Vlan(tag) => tag.fields(&mut out),
            Header::Sll(header) => header.fields(&mut out),
            Header::Raw => {}
            Header::Arp(packet) => packet.fields(&mut out),
            Header::Ipv4(header) => {
                header.fields(&mut out);
                self.reassembly_fields(&mut out, "ip");
            }
            Header::Ipv6(header) => {
                header.fields(&mut out);
                self.reassembly_fields(&mut out, "ipv6");
            }
            Header::Icmp(message) => {
                message.fields(&mut out);
                self.echo_fields(&mut out, icmp::name::RESP_TO, icmp::name::RESPTIME);
            }
            Header::Icmpv6(message) => {
                message.fields(&mut out);
                self.echo_fields(&mut out, icmpv6::name::RESP_TO, icmpv6::name::RESPTIME);
            }
            Header::Udp(header) => {
                let conversation = match &self.annotation {
                    Annotation::Udp(conversation) => Some(conversation),
                    _ => None,
                };
                header.fields(&mut out, conversation);
            }
            Header::Tcp(header) => {
                let analysis = match &self.annotation {
                    Annotation::Tcp(analysis) => Some(analysis),
                    _ => None,
                };
                header.fields(&mut out, analysis, self.quoted_by);
            }
            Header::Quote(quote) => quote.fields(&mut out),
            Header::Tls(tls) => tls.fields(&mut out),
            Header::Http(http) => http.fields(&mut out),
            Header::Http2(http2) => http2.fields(&mut out),
            Header::TextLines(_) => {}
            Header::Quic(quic) => quic.fields(&mut out),
            Header::QuicTls(tls) => tls.fields(&mut out),
            Header::Http3(http3) => http3.fields(&mut out),
            Header::Data(bytes) => super::data::fields(bytes, &mut out),
            Header::Undecoded { .. } => {}
        }
    }

    fn echo_fields(&self, out: &mut Emitter<'_>, request: &'static str, time: &'static str) {
        if let Annotation::EchoReply { request_frame, response_ns } = self.annotation {
            out.computed(request, Value::Uint(request_frame));
            out.computed(time, Value::Millis(response_ns));
        }
    }

    fn reassembly_fields(&self, out: &mut Emitter<'_>, prefix: &str) {
        let Annotation::Reassembled(reassembly) = &self.annotation else {
            return;
        };
        let (fragment, count, length) = if prefix == "ip" {
            (ipv4::name::FRAGMENT, ipv4::name::FRAGMENT_COUNT, ipv4::name::REASSEMBLED_LENGTH)
        } else {
            (ipv6::name::FRAGMENT, ipv6::name::FRAGMENT_COUNT, ipv6::name::REASSEMBLED_LENGTH)
        };
        for frame in &reassembly.frames {
            out.computed(fragment, Value::Uint(*frame));
        }
        out.computed(count, Value::Uint(reassembly.frames.len() as u64));
        out.computed(length, Value::Uint(reassembly.len as u64));
    }

    /// One line that says what this layer is.
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        match &self.header {
            Header::Null(header) => header.summary(out),
            Header::Ethernet(header) => header.summary(out),
            Header::Vlan(tag) => tag.summary(out),
            Header::Sll(header) => header.summary(out),
            Header::Raw => out.write_str("Raw packet data"),
            Header::Arp(packet) => packet.summary(out),
            Header::Ipv4(header) => header.summary(out),
            Header::Ipv6(header) => header.summary(out),
            Header::Icmp(message) => message.summary(out),
            Header::Icmpv6(message) => message.summary(out),
            Header::Udp(header) => header.summary(out),
            Header::Tcp(header) => {
                let analysis = match &self.annotation {
                    Annotation::Tcp(analysis) => Some(analysis),
                    _ => None,
                };
                header.summary(out, analysis)
            }
            Header::Quote(quote) => quote.summary(out),
            Header::Tls(tls) => tls.summary(out),
            Header::Http(http) => http.summary(out),
            Header::Http2(http2) => http2.summary(out),
            Header::TextLines(bytes) => write!(out, "Line-based text data ({} bytes)", bytes.len()),
            Header::Quic(quic) => quic.summary(out),
            Header::QuicTls(tls) => tls.summary(out),
            Header::Http3(http3) => http3.summary(out),
            Header::Data(bytes) => write!(out, "Data ({} bytes)", bytes.len()),
            Header::Undecoded { protocol, bytes, reason } => {
                write!(out, "{} ({} bytes) not decoded: {reason}", protocol.column_name(), bytes.len())
            }
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
