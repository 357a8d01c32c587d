//! Stateful, sans-IO tracking across frames: IP reassembly and TCP/UDP conversations.
//!
//! [`Tracker::handle_frame`] takes frames in capture order, with their timestamps as the only
//! clock, and returns each one dissected and annotated: reassembled datagrams appear on the
//! frame that completes them, TCP and UDP layers carry their stream numbers and analysis. The
//! same code serves files, live capture and replay, and tests drive it with byte fixtures.

pub mod conversation;
pub mod defrag;
pub mod echo;
pub mod tcp;

use std::net::IpAddr;

use conversation::{Endpoint, UdpTable};
use defrag::{Defragmenter, Outcome};
use tcp::{Segment, TcpTable};

use crate::capture::Frame;
use crate::dissect::tcp::analysis as tcp_analysis;
use crate::dissect::{self, Annotation, FrameTimes, Header, Packet};
use crate::osi::Protocol;

/// Everything learned from the frames so far.
#[derive(Default)]
pub struct Tracker {
    defrag: Defragmenter,
    tcp: TcpTable,
    udp: UdpTable,
    echo: echo::EchoTable,
    /// Capture times of the first frame and of the one before this.
    first_ns: Option<i64>,
    previous_ns: Option<i64>,
}

impl Tracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Dissects and tracks one frame. When the frame completes a fragmented datagram, the
    /// reassembled payload is kept in `reassembled`, which the returned packet borrows.
    pub fn handle_frame<'a>(
        &mut self,
        frame: &Frame<'a>,
        reassembled: &'a mut Option<Vec<u8>>,
    ) -> Packet<'a> {
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
        self.track_conversations(frame, &mut packet);
        packet
    }

    /// Numbers TCP and UDP conversations. As in Wireshark, a whole TCP or UDP header quoted
    /// inside an ICMP error is looked up (or starts a conversation), without being analysed as
    /// a segment of its own; a quote cut short of a whole header is left alone.
    fn track_conversations(&mut self, frame: &Frame<'_>, packet: &mut Packet<'_>) {
        let mut addresses: Option<(IpAddr, IpAddr)> = None;
        let mut out_of_sequence = false;
        for layer in packet.layers.iter_mut() {
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
                        layer.annotation = Annotation::Tcp(self.tcp.quoted(&segment));
                        continue;
                    }
                    let analysis = self.tcp.handle(&segment, header);
                    out_of_sequence =
                        analysis.flags & (tcp_analysis::RETRANSMISSION | tcp_analysis::OUT_OF_ORDER) != 0;
                    layer.annotation = Annotation::Tcp(analysis);
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
                }
                _ => {}
            }
        }
        // Like Wireshark, do not decode the data of a retransmitted or out-of-order segment as
        // if it came next in the stream.
        if out_of_sequence && matches!(packet.layers.last().map(|l| &l.header), Some(Header::Data(_))) {
            packet.layers.pop();
        }
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
