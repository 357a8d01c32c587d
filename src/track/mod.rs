//! Stateful, sans-IO tracking across frames: IP reassembly and TCP/UDP conversations.
//!
//! [`Tracker::handle_frame`] takes frames in capture order, with their timestamps as the only
//! clock, and returns each one dissected and annotated: reassembled datagrams appear on the
//! frame that completes them, TCP and UDP layers carry their stream numbers and analysis, and
//! every transport layer's payload (an encapsulated one too) goes where [`Dispatch`] hands it. The
//! same code serves files, live capture and replay, and tests drive it with byte fixtures.

pub mod budget;
pub mod conversation;
pub mod cow;
pub mod defrag;
pub mod dns;
pub mod dtls;
pub mod echo;
pub mod follow;
pub mod http;
pub mod keylog;
mod layers;
pub mod over_tcp;
mod pdu;
pub mod quic;
pub mod snapshot;
pub mod ssdp;
pub mod ssh;
pub mod stream;
pub mod stun;
pub mod tcp;
pub mod tls;
mod transport;
pub mod websocket;

use budget::Holder;
use conversation::UdpTable;
use defrag::{Defragmenter, Outcome};
use keylog::KeyLog;
use smallvec::SmallVec;
use tcp::TcpTable;
use tls::Arenas;
use transport::{TcpPayload, Transport, UdpPayload};

use crate::capture::Frame;
use crate::dispatch::Dispatch;
use crate::dissect::{self, Annotation, FrameTimes, Packet};
use crate::osi::Protocol;

/// What the application side made of one transport layer's payload.
enum Read {
    Quic(quic::Output),
    Dtls(dtls::Output),
    Application(over_tcp::Produced),
}

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

    /// The bytes its buffers have room for.
    pub fn capacity(&self) -> usize {
        let datagram = self.datagram.as_ref().map_or(0, Vec::capacity);
        datagram + self.arenas.stream.capacity() + self.arenas.decrypted.capacity()
    }
}

/// Everything learned from the frames so far.
#[derive(Default, Clone)]
pub struct Tracker {
    defrag: Defragmenter,
    tcp: TcpTable,
    udp: UdpTable,
    echo: echo::EchoTable,
    over_tcp: over_tcp::Applications,
    quic: quic::QuicTable,
    /// DNS requests waiting for their responses (issue 17).
    dns: dns::DnsTable,
    /// HTTP over UDP (SSDP) requests waiting for their responses (issue 17).
    ssdp: ssdp::SsdpTable,
    /// DTLS sessions (issue 18).
    dtls: dtls::DtlsTable,
    /// STUN transactions and the RFC 7983 demultiplexed flows (issue 18).
    stun: stun::StunTable,
    keylog: KeyLog,
    /// What each UDP and TCP payload is handed to.
    dispatch: Dispatch,
    /// Capture times of the first frame and of the one before this.
    first_ns: Option<i64>,
    previous_ns: Option<i64>,
    /// The most all holders together may keep, in bytes.
    memory_limit: Limit,
    /// Whether a frame was told that what cannot be given up is over the limit on its own.
    told_over_floor: bool,
    /// What a follow-stream observer is handed: each payload's bytes as tracked.
    follow: follow::Follower,
}

/// The tracker's memory limit, [`budget::DEFAULT_LIMIT`] unless set.
#[derive(Clone, Copy, Debug)]
struct Limit(usize);

impl Default for Limit {
    fn default() -> Self {
        Self(budget::DEFAULT_LIMIT)
    }
}

impl Tracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// A tracker that decrypts with the secrets of `keylog`.
    pub fn with_keylog(keylog: KeyLog) -> Self {
        Self { keylog, ..Self::default() }
    }

    /// The same tracker, handing payloads on as `dispatch` says (its `--decode-as` entries).
    pub fn with_dispatch(self, dispatch: Dispatch) -> Self {
        Self { over_tcp: over_tcp::Applications::new(dispatch.clone()), dispatch, ..self }
    }

    /// The same tracker, keeping at most `bytes` of state (`--memory-limit`).
    pub fn with_memory_limit(self, bytes: usize) -> Self {
        Self { memory_limit: Limit(bytes), ..self }
    }

    /// The same tracker, handing every TCP payload, TLS application data it decrypts and QUIC
    /// STREAM frame's data to `sink` as it tracks them (the UI's follow stream).
    pub fn with_stream_sink(self, sink: Box<dyn follow::StreamSink>) -> Self {
        Self { follow: follow::Follower::new(sink), ..self }
    }

    /// The bytes the tracker's tables hold now, as the budget counts them.
    pub fn memory_held(&mut self) -> usize {
        self.holders().iter().map(|holder| holder.held()).sum()
    }

    /// Makes every table shareable by a copy made next (see [`cow`]): a copy made just after
    /// shares all of their entries.
    pub fn freeze(&mut self) {
        self.holders().into_iter().for_each(Holder::freeze);
    }

    /// Counts what the tracker's tables hold into `census`, each part a copy shares once (it
    /// takes `&mut` only to list them as the budget does).
    pub fn census(&mut self, census: &mut cow::Census) {
        self.holders().into_iter().for_each(|holder| holder.census(census));
    }

    /// Every table that grows with the input.
    fn holders(&mut self) -> [&mut dyn Holder; 10] {
        [
            &mut self.defrag,
            &mut self.tcp,
            &mut self.udp,
            &mut self.echo,
            &mut self.over_tcp,
            &mut self.quic,
            &mut self.dns,
            &mut self.ssdp,
            &mut self.dtls,
            &mut self.stun,
        ]
    }

    /// Brings the holders back within the limit: while over it, the one holding most gives up
    /// its oldest state, and `packet` says what was given up.
    fn keep_within_budget(&mut self, packet: &mut Packet<'_>) {
        let limit = self.memory_limit.0;
        let mut holders = self.holders();
        let mut held: usize = holders.iter().map(|holder| holder.held()).sum();
        while held > limit {
            holders.sort_by_key(|holder| std::cmp::Reverse(holder.held()));
            let shed = holders.iter_mut().find_map(|holder| {
                let before = holder.held();
                let shed = holder.shed()?;
                Some((shed, before, holder.held()))
            });
            let Some((shed, before, after)) = shed else {
                // Only the tables' own indexes are left, and they alone are over: say so
                // once, rather than on every frame after.
                if !self.told_over_floor {
                    self.told_over_floor = true;
                    packet.problem(
                        Protocol::Frame,
                        format!(
                            "memory limit reached: the tables' own indexes alone take {} bytes, more \
                             than the limit; new state is given up as it comes (raise --memory-limit)",
                            held
                        ),
                    );
                }
                return;
            };
            packet.problem(shed.protocol, format!("memory limit reached: gave up {}", shed.what));
            held = held - before + after;
        }
    }

    /// Adds key log text, such as a pcapng Decryption Secrets Block's; returns the lines that
    /// were skipped.
    pub fn add_key_log_text(&mut self, text: &[u8]) -> keylog::Skipped {
        self.keylog.add_text(text)
    }

    /// Dissects and tracks one frame. Bytes the packet needs beyond the frame's own (a
    /// reassembled datagram, reassembled or decrypted stream bytes) are kept in `scratch`,
    /// which the returned packet borrows.
    pub fn handle_frame<'a>(&mut self, frame: &Frame<'a>, scratch: &'a mut Scratch) -> Packet<'a> {
        self.handle_dissected(frame, dissect::dissect(frame), scratch)
    }

    /// Tracks one frame that `dissect::dissect` has already taken apart (on another thread,
    /// ahead of the tracker: `crate::pipeline`); the same as [`Tracker::handle_frame`].
    pub fn handle_dissected<'a>(
        &mut self,
        frame: &Frame<'a>,
        mut packet: Packet<'a>,
        scratch: &'a mut Scratch,
    ) -> Packet<'a> {
        let Scratch { datagram: reassembled, arenas } = scratch;
        reassembled.take();
        arenas.stream.clear();
        arenas.decrypted.clear();
        let first = *self.first_ns.get_or_insert(frame.ts_ns);
        let previous = self.previous_ns.replace(frame.ts_ns).unwrap_or(frame.ts_ns);
        packet.times = Some(FrameTimes {
            relative_ns: frame.ts_ns.saturating_sub(first),
            delta_ns: frame.ts_ns.saturating_sub(previous),
        });
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
        // Every transport layer's payload is read first, while the arenas take what it
        // produces; then the packet's layers are made from it, innermost first so that the
        // layers of an outer one keep their places.
        let mut read: SmallVec<[(Transport<'a>, Read); 2]> = SmallVec::new();
        for transport in self.track_conversations(frame, &mut packet) {
            if !transport.payload_unread(&packet) {
                continue;
            }
            let output = match &transport {
                Transport::Udp(udp) => self.udp_payload(udp, frame.number, arenas),
                Transport::Tcp(tcp) => self.tcp_payload(frame, tcp, arenas).map(Read::Application),
            };
            if let Some(sink) = self.follow.sink() {
                let (tcp, quic) = match &output {
                    Some(Read::Application(produced)) => (Some(produced), None),
                    Some(Read::Quic(output)) => (None, Some(output)),
                    Some(Read::Dtls(_)) | None => (None, None),
                };
                follow::hand_on(sink, frame.number, &transport, tcp, quic, arenas);
            }
            read.extend(output.map(|output| (transport, output)));
        }
        let arenas: &'a Arenas = arenas;
        packet.stream = &arenas.stream;
        packet.decrypted = &arenas.decrypted;
        for (transport, output) in read.into_iter().rev() {
            match (transport, output) {
                (Transport::Udp(udp), Read::Quic(output)) => {
                    layers::quic_layers(&mut packet, udp.layer, udp.payload, output)
                }
                (Transport::Udp(udp), Read::Dtls(output)) => {
                    dtls::layers::push(&mut packet, udp.layer, udp.payload, output)
                }
                (Transport::Tcp(tcp), Read::Application(produced)) => {
                    layers::application_layers(&mut packet, &tcp, produced)
                }
                _ => {}
            }
        }
        self.stun.handle_packet(&mut packet, frame.number, frame.ts_ns, &self.dispatch);
        pdu::note_sizes(&mut packet);
        self.dns.handle_packet(&mut packet, frame.number, frame.ts_ns);
        self.ssdp.handle_packet(&mut packet, frame.number, frame.ts_ns);
        self.keep_within_budget(&mut packet);
        if self.keylog.is_followed() {
            for (protocol, _) in keylog::hellos_without_secrets(&packet, &self.keylog) {
                packet.problem(protocol, keylog::NO_SECRET_YET);
            }
        }
        packet
    }

    /// Reads a UDP payload that a QUIC or DTLS session, a port or a heuristic hands to QUIC or
    /// DTLS.
    fn udp_payload(&mut self, udp: &UdpPayload<'_>, frame: u64, arenas: &mut Arenas) -> Option<Read> {
        let bytes = udp.payload.bytes;
        let handed = if self.quic.knows_short(bytes, udp.src, udp.dst) {
            Some(Protocol::Quic)
        } else if self.dtls.knows(udp.src, udp.dst) && matches!(bytes.first(), Some(20..=63)) {
            // A known session claims only what RFC 7983 says is DTLS: on a WebRTC port the
            // same flow also carries STUN (0-3) and SRTP (128-191).
            Some(Protocol::Dtls)
        } else {
            self.dispatch.udp((udp.src.port, udp.dst.port), bytes)
        };
        match handed {
            Some(Protocol::Quic) => {
                Some(Read::Quic(self.quic.datagram(bytes, udp.src, udp.dst, &self.keylog, arenas)))
            }
            Some(Protocol::Dtls) => {
                Some(Read::Dtls(self.dtls_datagram(bytes, udp.src, udp.dst, frame, arenas)))
            }
            _ => None,
        }
    }

    /// Reads a UDP payload as DTLS: what the RFC 7983 demultiplexer calls for a datagram whose
    /// first byte is 20 to 63.
    pub(super) fn dtls_datagram(
        &mut self,
        bytes: &[u8],
        src: conversation::Endpoint,
        dst: conversation::Endpoint,
        frame: u64,
        arenas: &mut Arenas,
    ) -> dtls::Output {
        self.dtls.datagram(bytes, src, dst, frame, &self.keylog, arenas)
    }

    /// Gives a TCP segment to its connection's application side.
    fn tcp_payload(
        &mut self,
        frame: &Frame<'_>,
        tcp: &TcpPayload<'_>,
        arenas: &mut Arenas,
    ) -> Option<over_tcp::Produced> {
        let segment = over_tcp::Segment {
            stream: tcp.stream,
            dir: tcp.dir,
            seq: tcp.seq,
            syn: tcp.syn,
            ack: tcp.ack,
            frame: frame.number,
            ts_ns: frame.ts_ns,
            ports: tcp.ports,
            fin: tcp.fin,
            rst: tcp.rst,
            payload: tcp.payload.bytes,
        };
        let produced = self.over_tcp.segment(&segment, &self.keylog, arenas);
        // Wireshark's SOCKS takes a TCP conversation of its own for each tunnel it relays.
        for _ in 0..self.over_tcp.take_stream_numbers() {
            self.tcp.skip_stream();
        }
        produced
    }

    /// How many fragmented datagrams are still waiting for fragments.
    pub fn pending_fragments(&self) -> usize {
        self.defrag.pending()
    }
}
