//! Stateful, sans-IO tracking across frames: IP reassembly and TCP/UDP conversations.
//!
//! [`Tracker::handle_frame`] takes frames in capture order, with their timestamps as the only
//! clock, and returns each one dissected and annotated: reassembled datagrams appear on the
//! frame that completes them, TCP and UDP layers carry their stream numbers and analysis. The
//! same code serves files, live capture and replay, and tests drive it with byte fixtures.

pub mod app;
pub mod conversation;
pub mod defrag;
pub mod echo;
pub mod http;
pub mod keylog;
mod layers;
pub mod quic;
pub mod stream;
pub mod tcp;
pub mod tls;

use std::net::IpAddr;

use conversation::{Endpoint, Key, UdpTable};
use defrag::{Defragmenter, Outcome};
use keylog::KeyLog;
use tcp::{Segment, TcpTable};
use tls::Arenas;

use crate::capture::Frame;
use crate::dissect::field::Span;
use crate::dissect::tcp::{analysis as tcp_analysis, flag};
use crate::dissect::{self, Annotation, FrameTimes, Header, Packet};
use crate::osi::Protocol;

/// The buffers one frame's packet borrows from: a datagram reassembled from fragments, and
/// stream bytes reassembled or decrypted. Reuse one per frame, or make a new one each time.
#[derive(Debug, Default)]
pub struct Scratch {
    datagram: Option<Vec<u8>>,
    arenas: Arenas,
}

impl Scratch {
    pub fn new() -> Self {
        Self::default()
    }
}

/// A UDP datagram's place in the packet, kept while its layers are being tracked.
struct UdpPayload<'a> {
    layer: usize,
    src: Endpoint,
    dst: Endpoint,
    payload: Span<'a>,
}

/// A TCP segment's place in the packet, kept while its layers are being tracked.
struct TcpPayload<'a> {
    layer: usize,
    stream: u32,
    dir: usize,
    seq: u32,
    syn: bool,
    ack: Option<u32>,
    fin: bool,
    rst: bool,
    ports: (u16, u16),
    payload: Span<'a>,
}

/// Everything learned from the frames so far.
#[derive(Default)]
pub struct Tracker {
    defrag: Defragmenter,
    tcp: TcpTable,
    udp: UdpTable,
    echo: echo::EchoTable,
    apps: app::Connections,
    quic: quic::QuicTable,
    keylog: KeyLog,
    /// Capture times of the first frame and of the one before this.
    first_ns: Option<i64>,
    previous_ns: Option<i64>,
}

impl Tracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// A tracker that decrypts with the secrets of `keylog`.
    pub fn with_keylog(keylog: KeyLog) -> Self {
        Self { keylog, ..Self::default() }
    }

    /// Adds key log text, such as a pcapng Decryption Secrets Block's; returns the warnings
    /// of lines that were skipped.
    pub fn add_key_log_text(&mut self, text: &[u8]) -> Vec<keylog::Warning> {
        self.keylog.add_text(text)
    }

    /// Dissects and tracks one frame. Bytes the packet needs beyond the frame's own (a
    /// reassembled datagram, reassembled or decrypted stream bytes) are kept in `scratch`,
    /// which the returned packet borrows.
    pub fn handle_frame<'a>(&mut self, frame: &Frame<'a>, scratch: &'a mut Scratch) -> Packet<'a> {
        let Scratch { datagram: reassembled, arenas } = scratch;
        reassembled.take();
        arenas.stream.clear();
        arenas.decrypted.clear();
        let mut packet = dissect::dissect(frame);
        let first = *self.first_ns.get_or_insert(frame.ts_ns);
        let previous = self.previous_ns.replace(frame.ts_ns).unwrap_or(frame.ts_ns);
        packet.times =
            Some(FrameTimes { relative_ns: frame.ts_ns - first, delta_ns: frame.ts_ns - previous });
        if let Some(fragment) = packet.fragment {
            match self.defrag.add(frame.number, frame.ts_ns, &fragment) {
                Outcome::Waiting => {}
                Outcome::Rejected(reason) => {
                    let protocol =
                        packet.layers.get(fragment.layer).map_or(Protocol::Ipv4, |layer| layer.protocol());
                    packet.problem(protocol, reason);
                }
                Outcome::Complete { payload, reassembly } => {
                    let payload: &'a [u8] = reassembled.insert(payload);
                    let annotation = Annotation::Reassembled(Box::new(reassembly));
                    dissect::continue_reassembled(&mut packet, frame, payload, annotation);
                }
            }
        }
        let (tcp_payload, udp_payload) = self.track_conversations(frame, &mut packet);
        if let Some(udp) = udp_payload {
            let bytes = udp.payload.bytes;
            if quic::looks_like_quic(bytes) || self.quic.knows_short(bytes, udp.src, udp.dst) {
                let output = self.quic.datagram(bytes, udp.src, udp.dst, &self.keylog, arenas);
                let arenas: &'a Arenas = arenas;
                packet.stream = &arenas.stream;
                packet.decrypted = &arenas.decrypted;
                layers::quic_layers(&mut packet, udp.layer, udp.payload, output);
            }
            return packet;
        }
        if let Some(tcp_payload) = tcp_payload {
            let produced = self.apps.segment(
                &app::Segment {
                    stream: tcp_payload.stream,
                    dir: tcp_payload.dir,
                    seq: tcp_payload.seq,
                    syn: tcp_payload.syn,
                    ack: tcp_payload.ack,
                    frame: frame.number,
                    ts_ns: frame.ts_ns,
                    ports: tcp_payload.ports,
                    fin: tcp_payload.fin,
                    rst: tcp_payload.rst,
                    payload: tcp_payload.payload.bytes,
                },
                &self.keylog,
                arenas,
            );
            let arenas: &'a Arenas = arenas;
            packet.stream = &arenas.stream;
            packet.decrypted = &arenas.decrypted;
            if let Some(produced) = produced {
                layers::application_layers(&mut packet, &tcp_payload, produced);
            }
        }
        packet
    }

    /// Numbers TCP and UDP conversations. As in Wireshark, a whole TCP or UDP header quoted
    /// inside an ICMP error is looked up (or starts a conversation), without being analysed as
    /// a segment of its own; a quote cut short of a whole header is left alone.
    fn track_conversations<'a>(
        &mut self,
        frame: &Frame<'a>,
        packet: &mut Packet<'a>,
    ) -> (Option<TcpPayload<'a>>, Option<UdpPayload<'a>>) {
        let mut addresses: Option<(IpAddr, IpAddr)> = None;
        let mut out_of_sequence = false;
        let mut tcp_payload = None;
        let mut udp_payload = None;
        for (index, layer) in packet.layers.iter_mut().enumerate() {
            match &layer.header {
                Header::Ipv4(ip) => addresses = Some((ip.src().into(), ip.dst().into())),
                Header::Ipv6(ip) => addresses = Some((ip.src().into(), ip.dst().into())),
                Header::Tcp(header) => {
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
                        layer.annotation = Annotation::Tcp(self.tcp.quoted(&segment, header));
                        continue;
                    }
                    let analysis = self.tcp.handle(&segment, header);
                    out_of_sequence =
                        analysis.flags & (tcp_analysis::RETRANSMISSION | tcp_analysis::OUT_OF_ORDER) != 0;
                    layer.annotation = Annotation::Tcp(analysis);
                    let (_, from_low) = Key::of(segment.src, segment.dst);
                    let offset = layer.offset + header.header_len();
                    tcp_payload = Some(TcpPayload {
                        layer: index,
                        stream: analysis.stream,
                        dir: usize::from(!from_low),
                        seq: header.seq(),
                        syn: header.has(flag::SYN),
                        ack: header.has(flag::ACK).then(|| header.ack()),
                        fin: header.has(flag::FIN),
                        rst: header.has(flag::RST),
                        ports: (header.src_port(), header.dst_port()),
                        payload: Span::new(header.payload, layer.source, offset),
                    });
                }
                Header::Icmp(message) if !layer.is_quoted() && message.is_echo() => {
                    let Some((src, dst)) = addresses else { continue };
                    let reply = message.kind() == 0;
                    layer.annotation = self.echo(src, dst, message.ident(), message.seq(), reply, frame);
                }
                Header::Icmpv6(message) if !layer.is_quoted() && message.is_echo() => {
                    let (Some((src, dst)), Some((ident, seq))) = (addresses, message.echo_ident_seq()) else {
                        continue;
                    };
                    let reply = message.kind() == 129;
                    layer.annotation = self.echo(src, dst, ident, seq, reply, frame);
                }
                Header::Udp(header) => {
                    let Some((src, dst)) = addresses else {
                        continue;
                    };
                    let src = Endpoint { addr: src, port: header.src_port() };
                    let dst = Endpoint { addr: dst, port: header.dst_port() };
                    let conversation = self.udp.handle(src, dst, frame.ts_ns, layer.is_quoted());
                    layer.annotation = Annotation::Udp(conversation);
                    if !layer.is_quoted() {
                        let offset = layer.offset + crate::dissect::udp::HEADER_LEN;
                        udp_payload = Some(UdpPayload {
                            layer: index,
                            src,
                            dst,
                            payload: Span::new(header.payload, layer.source, offset),
                        });
                    }
                }
                _ => {}
            }
        }
        // Like Wireshark, do not decode the data of a retransmitted or out-of-order segment as
        // if it came next in the stream.
        if out_of_sequence && matches!(packet.layers.last().map(|l| &l.header), Some(Header::Data(_))) {
            packet.layers.pop();
        }
        (tcp_payload, udp_payload)
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

    /// How many fragmented datagrams are still waiting for fragments.
    pub fn pending_fragments(&self) -> usize {
        self.defrag.pending()
    }
}
