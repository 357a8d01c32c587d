//! What rides on each TCP connection: the stream each direction carries, reassembled, and the
//! application protocol read from it.
//!
//! A connection's protocol is decided from the first data either side sends: a plausible TLS
//! record makes it TLS (as Wireshark's heuristic does, on any port). Until a connection is
//! known to carry a protocol rttscope reads, nothing of it is copied or held; a connection
//! that carries something else is never reassembled at all.

use rustc_hash::FxHashMap;

use super::keylog::KeyLog;
use super::stream::{Chunk, Reassembler};
use super::tls::{self, Arenas, Feed, Session};
use crate::dissect::tls::record;

/// One TCP segment, as the application layer needs it.
pub struct Segment<'p> {
    pub stream: u32,
    /// 0 for the conversation key's low endpoint, 1 for the other.
    pub dir: usize,
    pub seq: u32,
    pub syn: bool,
    /// The acknowledgment number, if the ACK flag is set.
    pub ack: Option<u32>,
    pub frame: u64,
    pub payload: &'p [u8],
}

/// What a segment produced.
#[derive(Debug, Default)]
pub struct Produced {
    pub tls: tls::Output,
    /// The session's negotiated version, for naming its records.
    pub version: Option<u16>,
    /// The segment's data belongs to a stream rttscope reads: do not show it as plain data.
    pub consumed: bool,
    /// The segment repeats data already delivered.
    pub duplicate: bool,
}

enum Protocol {
    Undecided,
    Tls(Box<Session>),
    Other,
}

struct Connection {
    streams: [Reassembler; 2],
    protocol: Protocol,
}

/// The application side of every TCP connection, by `tcp.stream`.
#[derive(Default)]
pub struct Connections {
    by_stream: FxHashMap<u32, Connection>,
}

impl Connections {
    pub fn segment(&mut self, segment: &Segment<'_>, keylog: &KeyLog, arenas: &mut Arenas) -> Produced {
        let connection = self
            .by_stream
            .entry(segment.stream)
            .or_insert_with(|| Connection { streams: Default::default(), protocol: Protocol::Undecided });
        if matches!(connection.protocol, Protocol::Undecided) && !segment.payload.is_empty() {
            connection.protocol = if record::starts_like_tls(segment.payload) {
                Protocol::Tls(Box::default())
            } else {
                Protocol::Other
            };
        }
        let mut produced = Produced::default();
        let Protocol::Tls(session) = &mut connection.protocol else {
            return produced;
        };
        produced.consumed = !segment.payload.is_empty();
        // Data the peer acknowledged but the capture never held is given up first.
        if let Some(ack) = segment.ack {
            let other = 1 - segment.dir;
            let chunks = connection.streams[other].acknowledged(ack);
            if !chunks.is_empty() {
                let feeds = feeds(&chunks, segment.payload);
                let output = session.feed(other, segment.frame, &feeds, keylog, arenas);
                produced.tls.records.extend(output.records);
                produced.tls.problems.extend(output.problems);
            }
        }
        let accepted =
            connection.streams[segment.dir].accept(segment.seq, segment.syn, segment.frame, segment.payload);
        produced.duplicate = accepted.duplicate;
        if !accepted.chunks.is_empty() {
            let feeds = feeds(&accepted.chunks, segment.payload);
            let output = session.feed(segment.dir, segment.frame, &feeds, keylog, arenas);
            produced.tls.records.extend(output.records);
            produced.tls.problems.extend(output.problems);
            produced.tls.pdu_head = output.pdu_head;
            produced.tls.pdu_tail = output.pdu_tail;
        }
        produced.version = session.version;
        produced
    }

    /// The TLS session of a connection, if it carries one.
    pub fn tls(&self, stream: u32) -> Option<&Session> {
        match &self.by_stream.get(&stream)?.protocol {
            Protocol::Tls(session) => Some(session),
            _ => None,
        }
    }
}

fn feeds<'c>(chunks: &'c [Chunk], payload: &'c [u8]) -> Vec<Feed<'c>> {
    chunks
        .iter()
        .map(|chunk| match chunk {
            Chunk::Segment { start, len } => {
                Feed::Payload { bytes: &payload[*start..start + len], start: *start }
            }
            Chunk::Held { bytes, .. } => Feed::Held(bytes),
            Chunk::Gap(_) => Feed::Gap,
        })
        .collect()
}
