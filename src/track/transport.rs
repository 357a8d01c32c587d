//! Following each transport layer of a packet: numbering its TCP or UDP conversation,
//! analysing its TCP segment, answering its ICMP echo, and keeping where its payload is for
//! the application side.
//!
//! Every transport layer is followed, the outer ones of an encapsulation as well as the inner
//! (IP-in-IP, IPv6 in IP), each with the IP addresses of the IP header just outside it; a
//! header quoted inside an ICMP error is looked up without being analysed as a segment of its
//! own.

use std::net::IpAddr;

use smallvec::SmallVec;

use super::Tracker;
use super::conversation::{Endpoint, Key};
use super::tcp::Segment;
use crate::capture::Frame;
use crate::dissect::field::Span;
use crate::dissect::tcp::{analysis as tcp_analysis, flag};
use crate::dissect::{Annotation, Content, Packet};

/// A UDP datagram's place in the packet, kept while its layers are being tracked.
pub(super) struct UdpPayload<'a> {
    pub(super) layer: usize,
    pub(super) src: Endpoint,
    pub(super) dst: Endpoint,
    pub(super) payload: Span<'a>,
}

/// A TCP segment's place in the packet, kept while its layers are being tracked.
pub(super) struct TcpPayload<'a> {
    pub(super) layer: usize,
    pub(super) stream: u32,
    pub(super) dir: usize,
    pub(super) seq: u32,
    pub(super) syn: bool,
    pub(super) ack: Option<u32>,
    pub(super) fin: bool,
    pub(super) rst: bool,
    pub(super) ports: (u16, u16),
    pub(super) payload: Span<'a>,
}

/// One transport layer whose payload the application side may read.
pub(super) enum Transport<'a> {
    Tcp(TcpPayload<'a>),
    Udp(UdpPayload<'a>),
}

impl Transport<'_> {
    /// The transport's layer in the packet.
    pub(super) fn layer(&self) -> usize {
        match self {
            Self::Tcp(tcp) => tcp.layer,
            Self::Udp(udp) => udp.layer,
        }
    }

    /// Whether the payload is still unread: no layer after the transport's, or only its data.
    /// A payload the chain already walked (an encapsulation over UDP, say) is not read again.
    pub(super) fn payload_unread(&self, packet: &Packet<'_>) -> bool {
        let rest = packet.layers.get(self.layer() + 1..).unwrap_or(&[]);
        matches!(rest, [] | [crate::dissect::Layer { content: Content::Data(_), .. }])
    }
}

impl Tracker {
    /// Numbers TCP and UDP conversations. As in Wireshark, a whole TCP or UDP header quoted
    /// inside an ICMP error is looked up (or starts a conversation), without being analysed as
    /// a segment of its own; a quote cut short of a whole header is left alone.
    pub(super) fn track_conversations<'a>(
        &mut self,
        frame: &Frame<'a>,
        packet: &mut Packet<'a>,
    ) -> SmallVec<[Transport<'a>; 2]> {
        let mut addresses: Option<(IpAddr, IpAddr)> = None;
        let mut out_of_sequence = false;
        let mut transports = SmallVec::new();
        for (index, layer) in packet.layers.iter_mut().enumerate() {
            match &layer.content {
                Content::Ipv4(ip) => addresses = Some((ip.src().into(), ip.dst().into())),
                Content::Ipv6(ip) => addresses = Some((ip.src().into(), ip.dst().into())),
                Content::Tcp(header) => {
                    let Some((src, dst)) = addresses else {
                        continue;
                    };
                    let segment = Segment {
                        frame: frame.number,
                        ts_ns: frame.ts_ns,
                        src: Endpoint { addr: src, port: header.src_port() },
                        dst: Endpoint { addr: dst, port: header.dst_port() },
                    };
                    if layer.is_quoted() {
                        layer.annotation = Annotation::Tcp(Box::new(self.tcp.quoted(&segment, header)));
                        continue;
                    }
                    let analysis = self.tcp.handle(&segment, header);
                    out_of_sequence =
                        analysis.flags & (tcp_analysis::RETRANSMISSION | tcp_analysis::OUT_OF_ORDER) != 0;
                    let stream = analysis.stream;
                    layer.annotation = Annotation::Tcp(Box::new(analysis));
                    let (_, from_low) = Key::of(segment.src, segment.dst);
                    let offset = layer.offset + header.header_len();
                    transports.push(Transport::Tcp(TcpPayload {
                        layer: index,
                        stream,
                        dir: usize::from(!from_low),
                        seq: header.seq(),
                        syn: header.has(flag::SYN),
                        ack: header.has(flag::ACK).then(|| header.ack()),
                        fin: header.has(flag::FIN),
                        rst: header.has(flag::RST),
                        ports: (header.src_port(), header.dst_port()),
                        payload: Span::new(header.payload, layer.source, offset),
                    }));
                }
                Content::Icmp(message) if !layer.is_quoted() && message.is_echo() => {
                    let Some((src, dst)) = addresses else { continue };
                    let reply = message.kind() == 0;
                    layer.annotation = self.echo(src, dst, message.ident(), message.seq(), reply, frame);
                }
                Content::Icmpv6(message) if !layer.is_quoted() && message.is_echo() => {
                    let (Some((src, dst)), Some((ident, seq))) = (addresses, message.echo_ident_seq()) else {
                        continue;
                    };
                    let reply = message.kind() == 129;
                    layer.annotation = self.echo(src, dst, ident, seq, reply, frame);
                }
                Content::Udp(header) => {
                    let Some((src, dst)) = addresses else {
                        continue;
                    };
                    let src = Endpoint { addr: src, port: header.src_port() };
                    let dst = Endpoint { addr: dst, port: header.dst_port() };
                    let conversation = self.udp.handle(src, dst, frame.ts_ns, layer.is_quoted());
                    layer.annotation = Annotation::Udp(conversation);
                    if !layer.is_quoted() {
                        let offset = layer.offset + crate::dissect::udp::HEADER_LEN;
                        transports.push(Transport::Udp(UdpPayload {
                            layer: index,
                            src,
                            dst,
                            payload: Span::new(header.payload, layer.source, offset),
                        }));
                    }
                }
                _ => {}
            }
        }
        // Like Wireshark, do not decode the data of a retransmitted or out-of-order segment as
        // if it came next in the stream.
        if out_of_sequence && matches!(packet.layers.last().map(|l| &l.content), Some(Content::Data(_))) {
            packet.layers.pop();
        }
        transports
    }

    /// Remembers an echo request, or finds the request an echo reply answers.
    fn echo(
        &mut self,
        src: IpAddr,
        dst: IpAddr,
        ident: u16,
        seq: u16,
        reply: bool,
        frame: &Frame<'_>,
    ) -> Annotation {
        if !reply {
            self.echo.request(src, dst, ident, seq, frame.number, frame.ts_ns);
            return Annotation::None;
        }
        match self.echo.reply(src, dst, ident, seq, frame.ts_ns) {
            Some(answered) => Annotation::EchoReply {
                request_frame: answered.request_frame,
                response_ns: answered.response_ns,
            },
            None => Annotation::None,
        }
    }
}
