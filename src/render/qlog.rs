//! qlog of a capture's QUIC connections, from rttscope's own decryption: one trace per QUIC
//! connection, seen from the network (vantage point `network`, flow `client`, as pcap2qlog
//! and the draft's VantagePointFlow have it: what the client sends is `packet_sent`, what the
//! server sends `packet_received`).
//!
//! [`Builder`] is sans-IO: it takes the packets the tracker annotated, in capture order, and
//! keeps for each QUIC connection (`quic.connection.number`) its packets' headers and frames,
//! read off the layers (the plaintext's frames are read again with the dissector's frame
//! parser; nothing is decrypted here), and the transport parameters each side's TLS hello
//! carried. The timeline's connection, when it ends, gives its trace the handshake's round
//! trip ([`Trace::set_rtt`]); [`write`](mod@write) then serialises traces in one of two shapes: the
//! JSON-SEQ `qlog_version` 0.3 that qvis and quinn read, or the contained JSON of
//! draft-ietf-quic-qlog-main-schema-14 with the `quic` events of
//! draft-ietf-quic-qlog-quic-events-13. A trace holds at most [`MAX_PACKETS`] events (about
//! 200 bytes each), so a hostile capture cannot grow one without bound; the packets past that
//! are counted and left out.

mod frames;
mod params;
pub mod write;

use rustc_hash::FxHashMap;

use crate::capture::Frame;
use crate::dissect::quic::header::Kind;
use crate::dissect::{Content, Packet};
pub use frames::QuicFrame;
pub use params::Parameters;
pub use write::{Shape, Writer};

/// The most events (packets, mostly) one trace keeps; later packets are counted, not kept.
pub const MAX_PACKETS: usize = 1 << 17;

/// The most clients whose Version Negotiation is kept waiting for their next Initial.
const MAX_NEGOTIATIONS: usize = 1024;

/// One QUIC packet as the network saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct PacketEvent {
    /// Capture time, nanoseconds since the epoch.
    pub at_ns: i64,
    pub frame: u64,
    /// Sent by the client (`packet_sent` from the network's client-flow point of view).
    pub from_client: bool,
    pub kind: Kind,
    /// None for Retry and Version Negotiation, and when header protection stayed on.
    pub packet_number: Option<u64>,
    pub version: u32,
    pub dcid: Vec<u8>,
    pub scid: Option<Vec<u8>>,
    /// The long header's Length field: packet number and payload.
    pub length: Option<u64>,
    /// The whole packet's bytes on the wire.
    pub size: usize,
    /// The frames, when the payload was decrypted.
    pub frames: Option<Vec<QuicFrame>>,
    /// Version Negotiation: the versions the server offers.
    pub supported_versions: Vec<u32>,
}

/// What a trace records, in capture order.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Packet(PacketEvent),
    /// One side's transport parameters, from its ClientHello or EncryptedExtensions.
    Parameters {
        at_ns: i64,
        from_client: bool,
        parameters: Parameters,
    },
    /// The handshake's round trip as the timeline measured it.
    Rtt {
        at_ns: i64,
        rtt_ms: f64,
    },
}

/// One QUIC connection's events.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// `quic.connection.number`.
    pub number: u32,
    /// The timeline's id of the connection (what `--connection` takes), once it is known.
    pub timeline_id: Option<u32>,
    /// The client's and server's address and port, as the timeline writes them.
    pub client: String,
    pub server: String,
    pub first_ns: i64,
    /// The destination connection ID of the client's first Initial: the group ID.
    pub original_dcid: Option<Vec<u8>>,
    pub events: Vec<Event>,
    /// Packets past [`MAX_PACKETS`], left out.
    pub left_out: u64,
    /// Frame numbers of the packets kept, in order: what finds the timeline's connection.
    frames: Vec<u64>,
    /// Each side's ack_delay_exponent (client, server), once its parameters were read.
    ack_delay_exponents: [Option<u64>; 2],
}

impl Trace {
    /// Whether the trace holds the packet of frame `number`.
    pub fn has_frame(&self, number: u64) -> bool {
        self.frames.binary_search(&number).is_ok()
    }

    /// Records the handshake's round trip, after the client's first packet that follows the
    /// server's first: by then the round trip is known wherever the capture was taken.
    pub fn set_rtt(&mut self, rtt_ms: f64) {
        let from = |event: &Event, client: bool| matches!(event, Event::Packet(p) if p.from_client == client);
        let answered = self.events.iter().position(|event| from(event, false));
        let at = answered.and_then(|server| {
            (server..self.events.len()).find(|&at| from(&self.events[at], true)).or(Some(server))
        });
        let index = at.map_or(self.events.len(), |at| at + 1);
        let at_ns = match at.map(|at| &self.events[at]) {
            Some(Event::Packet(packet)) => packet.at_ns,
            _ => self.first_ns,
        };
        self.events.insert(index, Event::Rtt { at_ns, rtt_ms });
    }

    /// The ack_delay_exponent of the side that sent a packet (RFC 9000 section 18.2: 3 unless
    /// its transport parameters say otherwise).
    pub fn ack_delay_exponent(&self, from_client: bool) -> u64 {
        self.ack_delay_exponents[usize::from(!from_client)].unwrap_or(3)
    }
}

/// Collects the QUIC connections of a capture into traces.
#[derive(Debug, Default)]
pub struct Builder {
    /// With a capture of both ends of a link, the client side's interface: only its frames
    /// are read, as the timeline does, so that no packet is logged twice.
    only_interface: Option<u32>,
    traces: FxHashMap<u32, Trace>,
    /// Version Negotiation packets, which belong to no QUIC connection the tracker numbers,
    /// by (client, server) until the client's next Initial starts one.
    negotiations: FxHashMap<(String, String), Vec<PacketEvent>>,
    /// Which trace holds each frame kept: what finds a timeline connection's trace at once.
    owners: FxHashMap<u64, u32>,
    /// The capture's first frame time, the reference of JSON-SEQ times.
    pub first_ns: Option<i64>,
}

impl Builder {
    /// A builder for a capture whose interfaces are named `names` (pcapng `if_name`).
    pub fn new(names: &[Option<String>]) -> Self {
        let find = |wanted: &str| names.iter().position(|name| name.as_deref() == Some(wanted));
        let two_sided = find(crate::generate::SERVER_SIDE).is_some();
        let only_interface =
            find(crate::generate::CLIENT_SIDE).filter(|_| two_sided).and_then(|at| u32::try_from(at).ok());
        Self { only_interface, ..Self::default() }
    }

    /// Reads one packet, in capture order.
    pub fn handle(&mut self, frame: &Frame<'_>, packet: &Packet<'_>) {
        self.first_ns.get_or_insert(frame.ts_ns);
        if self.only_interface.is_some() && frame.interface != self.only_interface {
            return;
        }
        let Some(quic) = packet.layers.iter().find_map(|layer| match &layer.content {
            Content::Quic(quic) if !layer.is_quoted() => Some(quic.as_ref()),
            _ => None,
        }) else {
            return;
        };
        let Some((source, destination)) = endpoints(packet) else { return };
        let Some(number) = quic.connection else {
            self.negotiation(frame, quic, destination, source);
            return;
        };
        let (negotiations, owners) = (&mut self.negotiations, &mut self.owners);
        let trace = self.traces.entry(number).or_insert_with(|| {
            let earlier = negotiations.remove(&(source.clone(), destination.clone())).unwrap_or_default();
            owners.extend(earlier.iter().map(|packet| (packet.frame, number)));
            Trace {
                number,
                client: source.clone(),
                server: destination.clone(),
                first_ns: earlier.first().map_or(frame.ts_ns, |packet| packet.at_ns),
                frames: earlier.iter().map(|packet| packet.frame).collect(),
                events: earlier.into_iter().map(Event::Packet).collect(),
                ..Trace::default()
            }
        });
        let from_client = trace.client == source;
        for (at, quic_packet) in quic.packets.iter().enumerate() {
            if trace.events.len() >= MAX_PACKETS {
                trace.left_out += 1;
                continue;
            }
            let header = &quic_packet.header;
            let bytes = quic_packet.span.bytes;
            let cid = |range: &std::ops::Range<usize>| bytes.get(range.clone()).map(<[u8]>::to_vec);
            let dcid = cid(&header.dcid).unwrap_or_default();
            if from_client && header.kind == Kind::Initial && trace.original_dcid.is_none() {
                trace.original_dcid = Some(dcid.clone());
            }
            let frames = quic_packet.plaintext.map(|plaintext| {
                let exponent = trace.ack_delay_exponent(from_client);
                crate::dissect::quic::frame::parse_all(plaintext.bytes)
                    .iter()
                    .map(|frame| frames::read(frame, exponent))
                    .collect::<Vec<_>>()
            });
            trace.events.push(Event::Packet(PacketEvent {
                at_ns: frame.ts_ns,
                frame: frame.number,
                from_client,
                kind: header.kind,
                packet_number: quic_packet.unprotected.map(|unprotected| unprotected.packet_number),
                version: header.version,
                dcid,
                scid: header.scid.as_ref().and_then(cid),
                length: header.length.as_ref().map(|(length, _)| *length),
                size: bytes.len(),
                frames: frames.map(frames::merge_padding),
                supported_versions: supported_versions(quic_packet),
            }));
            if trace.frames.last() != Some(&frame.number) {
                trace.frames.push(frame.number);
                self.owners.insert(frame.number, number);
            }
            let hellos = packet.layers.iter().filter_map(|layer| match &layer.content {
                Content::QuicTls(tls) if tls.packet == at => Some(tls.as_ref()),
                _ => None,
            });
            for message in hellos.flat_map(|tls| tls.messages.iter()) {
                if let Some(parameters) = params::of_message(message.bytes) {
                    trace.ack_delay_exponents[usize::from(!from_client)] = parameters.ack_delay_exponent();
                    trace.events.push(Event::Parameters { at_ns: frame.ts_ns, from_client, parameters });
                }
            }
        }
    }

    /// Keeps a server's Version Negotiation to `client` for the connection the client starts
    /// next (at most [`MAX_NEGOTIATIONS`] clients' at a time).
    fn negotiation(
        &mut self,
        frame: &Frame<'_>,
        quic: &crate::dissect::quic::Quic<'_>,
        client: String,
        server: String,
    ) {
        for quic_packet in quic.packets.iter().filter(|packet| packet.header.kind == Kind::VersionNegotiation)
        {
            let header = &quic_packet.header;
            let bytes = quic_packet.span.bytes;
            let packet = PacketEvent {
                at_ns: frame.ts_ns,
                frame: frame.number,
                from_client: false,
                kind: header.kind,
                packet_number: None,
                version: 0,
                dcid: bytes.get(header.dcid.clone()).unwrap_or_default().to_vec(),
                scid: header.scid.as_ref().and_then(|scid| bytes.get(scid.clone())).map(<[u8]>::to_vec),
                length: None,
                size: bytes.len(),
                frames: None,
                supported_versions: supported_versions(quic_packet),
            };
            let key = (client.clone(), server.clone());
            if self.negotiations.len() >= MAX_NEGOTIATIONS && !self.negotiations.contains_key(&key) {
                return;
            }
            let kept = self.negotiations.entry(key).or_default();
            if kept.len() < 4 {
                kept.push(packet);
            }
        }
    }

    /// Takes the trace that holds the packet of frame `number`.
    pub fn take_with_frame(&mut self, number: u64) -> Option<Trace> {
        let key = *self.owners.get(&number)?;
        let trace = self.traces.remove(&key)?;
        for frame in &trace.frames {
            self.owners.remove(frame);
        }
        Some(trace)
    }

    /// Every trace not taken yet, in order of first packet.
    pub fn finish(self) -> Vec<Trace> {
        let mut traces: Vec<Trace> = self.traces.into_values().collect();
        traces.sort_by_key(|trace| (trace.first_ns, trace.number));
        traces
    }
}

/// The versions a Version Negotiation offers (none for any other packet).
fn supported_versions(quic_packet: &crate::dissect::quic::Packet<'_>) -> Vec<u32> {
    if quic_packet.header.kind != Kind::VersionNegotiation {
        return Vec::new();
    }
    let bytes = quic_packet.span.bytes;
    let after_ids = quic_packet.header.scid.as_ref().map_or(bytes.len(), |scid| scid.end);
    let versions = bytes.get(after_ids..).unwrap_or_default().chunks_exact(4);
    versions.map(|v| u32::from_be_bytes([v[0], v[1], v[2], v[3]])).collect()
}

/// A packet's UDP source and destination, written as the timeline writes them.
fn endpoints(packet: &Packet<'_>) -> Option<(String, String)> {
    let (source, destination) = packet.addresses()?;
    let udp = packet.layers.iter().rev().find_map(|layer| match &layer.content {
        Content::Udp(udp) if !layer.is_quoted() => Some(udp),
        _ => None,
    })?;
    let endpoint = |addr: std::net::IpAddr, port: u16| match addr {
        std::net::IpAddr::V6(_) => format!("[{addr}]:{port}"),
        std::net::IpAddr::V4(_) => format!("{addr}:{port}"),
    };
    Some((endpoint(source, udp.src_port()), endpoint(destination, udp.dst_port())))
}

#[cfg(test)]
mod tests;
