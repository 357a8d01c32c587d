//! Stateless dissection: a frame's bytes in, a [`Packet`] of borrowed layers out.
//!
//! Each protocol has its own file with a nom-style `parse` that borrows from the input; this
//! module holds the types every layer shares and `chain`, which walks a frame from its link
//! layer inwards. Dissection never panics and never allocates per payload byte: a layer that
//! cannot be read becomes an [`Content::Undecoded`] layer with its reason, and the layers
//! outside it stay. What needs more than one frame (reassembly, stream numbers, relative
//! sequence numbers) is `track`'s job; it fills in each layer's [`Annotation`].

pub mod arp;
mod chain;
pub mod checksum;
pub mod data;
pub mod dhcp;
pub mod dhcpv6;
pub mod dns;
pub mod error;
pub mod erspan;
pub mod ethernet;
pub mod field;
pub mod frame;
pub mod geneve;
pub mod gre;
pub mod http;
pub mod http1;
pub mod http2;
pub mod http3;
pub mod icmp;
pub mod icmpv6;
mod info;
pub mod ip_protocol;
pub mod ipv4;
pub mod ipv6;
mod layer;
pub mod mpls;
pub mod netbios;
pub mod ntp;
pub mod null;
pub mod options;
pub mod qpack;
pub mod quic;
pub mod quote;
pub mod rtp;
pub mod sll;
pub mod socks;
pub mod ssh;
pub mod stun;
pub mod tcp;
pub mod tls;
pub mod udp;
pub mod vlan;
pub mod vxlan;
pub mod websocket;
// issue 17: the rest of the LAN's chatter
pub mod nbns;
pub mod ssdp;
// issue 18: DTLS
pub mod dtls;
// issue 18: gRPC
pub mod grpc;
pub mod protobuf;

use std::fmt;
use std::net::IpAddr;

pub use chain::{continue_reassembled, dissect};
use field::{FieldSink, NameFilter, Source};
pub use info::write_info;
pub use layer::{LayerHeader, Tracked, lines_of};

use crate::capture::Frame;
use crate::osi::Protocol;

/// A dissected frame: its layers from the outside in, and what went wrong on the way.
#[derive(Clone, Debug, Default)]
pub struct Packet<'a> {
    pub layers: Vec<Layer<'a>>,
    pub problems: Vec<Problem>,
    /// Set when the packet is an IP fragment, for reassembly by `track`.
    pub fragment: Option<Fragment<'a>>,
    /// The reassembled datagram payload that layers with [`Source::Reassembled`] come from.
    pub reassembled: Option<&'a [u8]>,
    /// Stream bytes reassembled from several TCP segments ([`Source::Stream`]).
    pub stream: &'a [u8],
    /// Plaintext decrypted from TLS records ([`Source::Decrypted`]).
    pub decrypted: &'a [u8],
    /// Where the frame sits in the capture's time, once `track` has seen the frames before it.
    pub times: Option<FrameTimes>,
    /// The frame only carries part of a message finished in a later frame.
    pub pending_info: Option<PendingInfo>,
    /// Since the frame shown before this one (`frame.time_delta_displayed`), set by what
    /// decides which frames are shown, just before it asks whether this one is; unset, every
    /// frame is taken as shown and it is [`FrameTimes::delta_ns`].
    pub displayed_delta_ns: std::cell::Cell<Option<i64>>,
}

/// What the Info column says of a frame that only carries part of an application message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PendingInfo {
    /// An HTTP head is complete but its body is not: its start line, then the TCP note.
    Head(Vec<u8>),
    /// A TCP segment that begins a message or record finished later, and holds nothing else.
    Segment,
    /// A TLS record in the middle of a message.
    TlsSegment,
}

impl Packet<'_> {
    /// Notes when the frame shown before this one was captured (`None`: none was), for
    /// `frame.time_delta_displayed`, before the display filter looks at this one.
    pub fn shown_after(&self, frame: &Frame<'_>, last_shown_ns: Option<i64>) {
        let delta = last_shown_ns.map_or(0, |last| frame.ts_ns.saturating_sub(last));
        self.displayed_delta_ns.set(Some(delta));
    }
}

/// A frame's time relative to the capture, which only the frames before it can tell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameTimes {
    /// Since the first frame of the capture.
    pub relative_ns: i64,
    /// Since the frame before this one.
    pub delta_ns: i64,
}

/// Something wrong with one layer of a packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub protocol: Protocol,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.protocol.column_name(), self.message)
    }
}

/// One decoded layer and where its bytes are.
#[derive(Clone, Debug)]
pub struct Layer<'a> {
    /// What the layer holds.
    pub content: Content<'a>,
    /// Offset of the layer's first byte within its source.
    pub offset: usize,
    pub source: Source,
    /// The ICMP or ICMPv6 error that quotes this layer's datagram, if it is quoted.
    pub quoted_by: Option<Protocol>,
    pub annotation: Annotation,
}

/// Declares [`Content`]: one variant per protocol's decoded type, each implementing
/// [`LayerHeader`], and the four that are not a protocol's.
macro_rules! contents {
    ($($(#[$doc:meta])* $variant:ident($type:ty),)*) => {
        /// What a layer holds: a protocol's header, or the records or messages of a protocol
        /// over a stream that a frame completed (TLS records, HTTP messages, QUIC packets).
        #[derive(Clone, Debug)]
        pub enum Content<'a> {
            $($(#[$doc])* $variant($type),)*
            /// A raw-IP link type: no header bytes, only a marker of where the capture began.
            Raw,
            /// A text body, as Wireshark's line-based text dissector shows it, with the media
            /// type the message carrying it gave (lower case, without parameters).
            TextLines { bytes: &'a [u8], media: Option<Box<str>> },
            /// Payload that is not decoded further.
            Data(&'a [u8]),
            /// A layer that could not be decoded, with its bytes and the reason.
            Undecoded { protocol: Protocol, bytes: &'a [u8], reason: String },
        }

        impl Content<'_> {
            /// The header as its protocol's type, which says what it is; `None` for the four
            /// kinds of layer that are not a protocol's header.
            pub fn decoded(&self) -> Option<&dyn LayerHeader> {
                match self {
                    $(Self::$variant(header) => Some(header),)*
                    Self::Raw | Self::TextLines { .. } | Self::Data(_) | Self::Undecoded { .. } => None,
                }
            }
        }
    };
}

contents! {
    Null(null::Header<'a>),
    Ethernet(ethernet::Header<'a>),
    Vlan(vlan::Tag<'a>),
    Sll(sll::Header<'a>),
    Arp(arp::Packet<'a>),
    Ipv4(ipv4::Header<'a>),
    Ipv6(ipv6::Header<'a>),
    Icmp(icmp::Message<'a>),
    Icmpv6(icmpv6::Message<'a>),
    Udp(udp::Header<'a>),
    Tcp(tcp::Header<'a>),
    /// TLS records completed by this frame.
    Tls(Box<tls::Tls<'a>>),
    /// HTTP/1.x messages completed by this frame.
    Http(Box<http::Http<'a>>),
    /// HTTP/2 frames completed by this frame.
    Http2(Box<http::Http2<'a>>),
    /// The QUIC packets of a datagram.
    Quic(Box<quic::Quic<'a>>),
    /// TLS handshake messages completed by a QUIC CRYPTO frame.
    QuicTls(Box<quic::CryptoTls<'a>>),
    /// HTTP/3 carried by a QUIC STREAM frame.
    Http3(Box<http3::Http3<'a>>),
    /// A TCP or UDP header cut short inside an ICMP error's quote.
    Quote(quote::Quote<'a>),
    Vxlan(vxlan::Header<'a>),
    Geneve(geneve::Header<'a>),
    Gre(gre::Header<'a>),
    Erspan(erspan::Header<'a>),
    Mpls(mpls::Stack<'a>),
    Ntp(ntp::Header<'a>),
    Dhcp(dhcp::Message<'a>),
    Dhcpv6(dhcpv6::Message<'a>),
    Nbdgm(netbios::Datagram<'a>),
    /// A SOCKS handshake message, or the mark on a segment SOCKS relays.
    Socks(socks::Socks<'a>),
    /// A DNS, mDNS or LLMNR message.
    Dns(dns::Message<'a>),
    /// A WebSocket frame (issue 18); boxed, as it is larger than most layers.
    WebSocket(Box<websocket::Frame<'a>>),
    /// A NetBIOS name service message.
    Nbns(nbns::Message<'a>),
    /// An HTTP message over UDP (SSDP); boxed, as it is larger than most layers.
    Ssdp(Box<ssdp::Message<'a>>),
    /// The SSH identification lines and binary packets a segment completed (issue 18).
    Ssh(Box<ssh::Ssh<'a>>),
    /// The DTLS records of a datagram (issue 18).
    Dtls(Box<dtls::Dtls<'a>>),
    /// The gRPC messages an HTTP/2 DATA frame completed (issue 18).
    Grpc(Box<grpc::Messages<'a>>),
    /// A gRPC message's body read as Protocol Buffers without a schema (issue 18).
    Protobuf(protobuf::Message<'a>),
    /// A STUN message or TURN ChannelData header (issue 18).
    Stun(stun::Stun<'a>),
    /// An RTP header, its payload encrypted when SRTP (issue 18).
    Rtp(rtp::Rtp<'a>),
    /// An RTCP header, the rest encrypted when SRTCP (issue 18).
    Rtcp(rtp::Rtcp<'a>),
}

/// What `track` learned about a layer from the frames before it.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Annotation {
    #[default]
    None,
    /// Boxed: the analysis is more than twice the size of any other annotation, and every layer
    /// of every packet holds an annotation.
    Tcp(Box<tcp::Analysis>),
    Udp(udp::Conversation),
    /// This IP layer completed a fragmented datagram.
    Reassembled(Box<Reassembly>),
    /// This echo reply answers the request in `request_frame`, `response_ns` later.
    EchoReply {
        request_frame: u64,
        response_ns: i64,
    },
    /// This DNS message's match with a request in its conversation (`track/dns.rs`).
    Dns(dns::Matched),
    /// This STUN message's match with the rest of its transaction (`track/stun.rs`).
    Stun(stun::Matched),
}

/// The fragments an IP datagram was reassembled from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reassembly {
    /// Frame numbers of the fragments, in offset order.
    pub frames: Vec<u64>,
    /// Fragment sizes, in the same order.
    pub sizes: Vec<usize>,
    /// Length of the reassembled payload.
    pub len: usize,
}

/// What identifies an IP datagram whose fragments belong together (RFC 791, RFC 8200).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FragmentKey {
    V4 { src: [u8; 4], dst: [u8; 4], protocol: u8, ident: u16 },
    V6 { src: [u8; 16], dst: [u8; 16], ident: u32 },
}

/// One fragment of an IP datagram, as dissection found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fragment<'a> {
    pub key: FragmentKey,
    /// Byte offset of `data` in the reassembled payload.
    pub offset: usize,
    pub more: bool,
    /// The fragment's captured data.
    pub data: &'a [u8],
    /// Whether all of the fragment's data was captured.
    pub complete: bool,
    /// The protocol of the reassembled payload.
    pub protocol: ip_protocol::IpProtocol,
    /// Index of the IP layer in [`Packet::layers`].
    pub layer: usize,
}

/// Offset of `part` within `whole`, both borrowed from the same buffer; 0 when `part` is empty.
pub(crate) fn field_offset(whole: &[u8], part: &[u8]) -> usize {
    if part.is_empty() {
        return 0;
    }
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

impl<'a> Packet<'a> {
    /// The innermost network-layer addresses outside any quoted datagram.
    pub fn addresses(&self) -> Option<(IpAddr, IpAddr)> {
        self.layers.iter().rev().filter(|layer| !layer.is_quoted()).find_map(|layer| match &layer.content {
            Content::Ipv4(ip) => Some((IpAddr::V4(ip.src()), IpAddr::V4(ip.dst()))),
            Content::Ipv6(ip) => Some((IpAddr::V6(ip.src()), IpAddr::V6(ip.dst()))),
            _ => None,
        })
    }

    /// The layer the Protocol and Info columns describe: the innermost one that is not quoted
    /// and not plain data.
    pub fn top_layer(&self) -> Option<&Layer<'a>> {
        let mut top = None;
        for layer in &self.layers {
            if layer.is_quoted() {
                continue;
            }
            match layer.content {
                Content::Data(_) | Content::TextLines { .. } if top.is_some() => {}
                // gRPC names the frame in HTTP/2's Info column, which says where it rode.
                Content::Grpc(_) | Content::Protobuf(_) if top.is_some() => {}
                // TLS inside QUIC does not name the frame: Wireshark's QUIC dissector does.
                Content::QuicTls(_) => {}
                // An HTTP message names the frame even when TLS records follow it; the mark
                // of an HTTP CONNECT tunnel does not.
                Content::Tls(_)
                    if top.is_some_and(|top: &Layer<'_>| match &top.content {
                        Content::Http(http) => http.proxy_connect.is_none(),
                        Content::Http2(_) => true,
                        _ => false,
                    }) => {}
                _ => top = Some(layer),
            }
        }
        top
    }

    /// The Protocol column: the top layer's name, except for a segment that only begins a
    /// record of the protocol above TCP, which Wireshark still calls TCP.
    pub fn column_protocol(&self) -> &'static str {
        if self.pending_info == Some(PendingInfo::Segment) {
            return Protocol::Tcp.column_name();
        }
        match self.top_layer() {
            Some(Layer { content: Content::Http2(_), .. }) => http::column_of(
                self.http2_parts().flat_map(|http2| http2.frames.iter().map(|frame| frame.grpc.is_some())),
            ),
            top => top.map_or("", Layer::column_name),
        }
    }

    /// The packet's HTTP/2 layers outside any quoted datagram: one, or several when gRPC
    /// messages sit between its frames, as they do in tshark's tree.
    pub fn http2_parts(&self) -> impl Iterator<Item = &http::Http2<'a>> {
        self.layers.iter().filter(|layer| !layer.is_quoted()).filter_map(|layer| match &layer.content {
            Content::Http2(http2) => Some(&**http2),
            _ => None,
        })
    }

    /// The layer stack as Wireshark's `frame.protocols` lists it: `eth:ethertype:ip:tcp`.
    pub fn protocols(&self) -> String {
        let mut names = String::with_capacity(32);
        // Writing into a String cannot fail.
        let _ = self.write_protocols(&mut names);
        names
    }

    /// Writes the layer stack as `frame.protocols` lists it.
    pub fn write_protocols(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let mut first = true;
        let mut push = |name: &str| -> fmt::Result {
            if !first {
                out.write_char(':')?;
            }
            first = false;
            out.write_str(name)
        };
        let mut previous: Option<&Content<'_>> = None;
        for layer in &self.layers {
            // Several DNS messages of one TCP segment are listed once, as Wireshark lists them.
            let again = matches!(
                (previous, &layer.content),
                (Some(Content::Dns(_)), Content::Dns(_))
                    | (Some(Content::Stun(_)), Content::Stun(_))
                    // HTTP/2 frames after a gRPC message are the same HTTP/2 to tshark's list.
                    | (Some(Content::Grpc(_) | Content::Protobuf(_)), Content::Http2(_))
            ) || matches!(&layer.content, Content::Grpc(grpc) if grpc.continued)
                // And the frames after a text body, when they go on the same packet's HTTP/2.
                || (matches!(previous, Some(Content::TextLines { .. }))
                    && matches!(&layer.content, Content::Http2(http2) if !http2.clears_info));
            previous = Some(&layer.content);
            if again {
                continue;
            }
            push(layer.protocol().filter_name())?;
            match &layer.content {
                Content::Ethernet(header) if header.ethertype().is_some() => push("ethertype")?,
                Content::Ethernet(_) => push("llc")?,
                Content::Vlan(_) => push("ethertype")?,
                Content::Sll(header) if header.ethertype().is_some() => push("ethertype")?,
                Content::Ipv6(header) => {
                    for extension in header.extensions() {
                        push(extension.protocol_name())?;
                    }
                }
                Content::Tls(tls) => {
                    let messages = tls.records.iter().flat_map(|record| &record.messages);
                    certificate_protocols(messages.map(|message| message.bytes), &mut push)?;
                }
                Content::QuicTls(crypto) => {
                    certificate_protocols(crypto.messages.iter().map(|message| message.bytes), &mut push)?;
                }
                Content::Dtls(dtls) => {
                    for (kind, body) in dtls.messages() {
                        if kind == tls::handshake::kind::CERTIFICATE {
                            for der in tls::handshake::certificates_of_body(body.bytes) {
                                tls::cert::protocols(der, &mut push)?;
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Walks every field of the frame and its layers into `sink`.
    pub fn fields(&self, frame: &Frame<'_>, sink: &mut dyn FieldSink) {
        self.fields_with_prefixes(frame, sink, &|_| true);
    }

    /// Walks only the layers that can emit a field whose name starts with a prefix `wanted`
    /// accepts: a renderer asking for two fields need not walk every layer.
    pub fn fields_with_prefixes(
        &self,
        frame: &Frame<'_>,
        sink: &mut dyn FieldSink,
        wanted: &dyn Fn(&str) -> bool,
    ) {
        self.walk_fields(frame, sink, wanted, None);
    }

    /// As [`Packet::fields_with_prefixes`], for a sink that wants only the names `filter`
    /// lets through: the layers drop most other fields before they reach it.
    pub fn fields_filtered(
        &self,
        frame: &Frame<'_>,
        sink: &mut dyn FieldSink,
        wanted: &dyn Fn(&str) -> bool,
        filter: &NameFilter,
    ) {
        self.walk_fields(frame, sink, wanted, Some(filter));
    }

    fn walk_fields(
        &self,
        frame: &Frame<'_>,
        sink: &mut dyn FieldSink,
        wanted: &dyn Fn(&str) -> bool,
        filter: Option<&NameFilter>,
    ) {
        if wanted("frame") || wanted("_ws") {
            frame::fields(self, frame, sink);
        }
        for layer in &self.layers {
            let also = layer.content.decoded().map_or(&[][..], LayerHeader::also_emits);
            if wanted(layer.protocol().filter_name()) || also.iter().any(|prefix| wanted(prefix)) {
                match filter {
                    Some(filter) => layer.fields_filtered(sink, filter),
                    None => layer.fields(sink),
                }
            }
        }
    }

    /// The bytes from layer `index`'s first byte to the end of its source: what a display filter
    /// searches when it says `tcp contains ...`.
    pub fn span(&self, index: usize, frame: &Frame<'a>) -> &'a [u8] {
        let Some(layer) = self.layers.get(index) else { return &[] };
        self.source(layer.source, frame).get(layer.offset..).unwrap_or(&[])
    }

    /// The bytes of one of the packet's sources, whose offsets its fields' ranges are.
    pub fn source<'s>(&self, source: Source, frame: &Frame<'s>) -> &'s [u8]
    where
        'a: 's,
    {
        match source {
            Source::Frame => frame.data,
            Source::Reassembled => self.reassembled.unwrap_or(&[]),
            Source::Stream => self.stream,
            Source::Decrypted => self.decrypted,
        }
    }

    pub(crate) fn problem(&mut self, protocol: Protocol, message: impl Into<String>) {
        self.problems.push(Problem { protocol, message: message.into() });
    }
}

/// The usual name of an IP protocol number.
pub fn ip_protocol_name(protocol: u8) -> &'static str {
    match protocol {
        1 => "ICMP",
        2 => "IGMP",
        4 => "IPIP",
        6 => "TCP",
        17 => "UDP",
        41 => "IPv6",
        47 => "GRE",
        50 => "ESP",
        51 => "AH",
        58 => "ICMPv6",
        132 => "SCTP",
        _ => "Unknown",
    }
}

/// What the certificates of the Certificate messages among `messages` add to `frame.protocols`
/// (see [`tls::cert::protocols`]).
fn certificate_protocols<'m>(
    messages: impl Iterator<Item = &'m [u8]>,
    push: &mut dyn FnMut(&'static str) -> fmt::Result,
) -> fmt::Result {
    for message in messages.filter(|message| message.first() == Some(&tls::handshake::kind::CERTIFICATE)) {
        for der in tls::handshake::certificates(message) {
            tls::cert::protocols(der, push)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod size_tests {
    use std::mem::size_of;

    use super::*;

    /// Every frame's packet is moved from the dissector to the tracker to the renderer (and
    /// through the pipeline's batches), so it must not silently regrow: it was 2272 bytes (344
    /// a layer) before its largest, rarely used parts (a WebSocket frame, an SSDP message, the
    /// TCP analysis) were boxed, and 1136 while it kept six layers inline; its layers are now
    /// allocated once, and pushed there.
    #[test]
    fn a_packet_stays_small_enough_to_move() {
        let (packet, layer) = (size_of::<Packet<'_>>(), size_of::<Layer<'_>>());
        eprintln!("Packet {packet} bytes, Layer {layer}, Content {}", size_of::<Content<'_>>());
        assert!(layer <= 176, "a layer is {layer} bytes");
        assert!(packet <= 256, "a packet is {packet} bytes");
    }
}
