//! QUIC connections: which datagrams belong together, their keys, their packet numbers, and
//! the TLS handshake their CRYPTO frames carry.
//!
//! Connections are found by connection ID, as RFC 9000 section 5.2 routes packets: a long
//! header's Destination Connection ID names the receiver's ID (or, for a client's first
//! packets, the ID it made up for the server), and a short header carries only the receiver's
//! ID, whose length the handshake told. Keys follow the encryption levels of RFC 9001:
//! - Initial: derived from the client's first Destination Connection ID (the one a Retry gave,
//!   after a Retry), per version, with no key log;
//! - 0-RTT, Handshake, 1-RTT: the TLS 1.3 secrets of the key log (or a pcapng Decryption
//!   Secrets Block) for the ClientHello's random, with the ServerHello's suite; 0-RTT packets,
//!   which may come before the ServerHello, try the suites the secret's length allows;
//! - 1-RTT key updates: a flipped key phase bit moves to the next generation.
//!
//! Everything is bounded: at most [`MAX_CONNECTIONS`] connections (those none of whose packets
//! decrypted go first, see `table`) and [`MAX_CIDS`] IDs each, each CRYPTO stream holds what
//! `crypto_stream` allows and each HTTP/3 stream what `http3` allows, counted as what they
//! allocate, and all of them together at most [`MAX_BUFFERED`] bytes: past that, the stream
//! that would hold more is no longer read, with a note. An HTTP/3 stream's direction is let go
//! once its FIN is read (or it is reset), so a page load of many requests stays within
//! [`MAX_H3_STREAMS`] open at once; past it, a new stream is not read, with a note. The table is
//! a [`crate::track::budget::Holder`]: under the tracker's budget it gives up connections,
//! unconfirmed ones first, then the oldest.

mod budget;
mod crypto_stream;
pub mod facts;
mod http3;
mod keys;
mod protection;
mod table;

use std::ops::Range;

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use budget::Budget;
use table::{Queue, Slots};

use super::conversation::Endpoint;
use super::keylog::KeyLog;
use super::tls::{Arenas, Loc};
use crate::crypto::Suite;
use crate::crypto::quic::{self as quic_crypto, Keys};
use crate::dissect::quic::header::{self, Header, Kind};
use crate::dissect::quic::{FrameFact, Undecrypted, Unprotected, frame};
use crypto_stream::CryptoStream;
use http3::{H3Found, H3Stream, http3_stream};
pub use http3::{Http3Out, MAX_H3_STREAMS};
use protection::{OneRtt, Opened, open, open_one_rtt, open_zero_rtt};

/// Connections kept at once; datagrams of further new connections are shown undecrypted.
pub const MAX_CONNECTIONS: usize = 4096;
/// Connection IDs kept per connection.
pub const MAX_CIDS: usize = 32;
/// The bytes all CRYPTO and HTTP/3 streams of a capture hold, together, while they wait for
/// the rest of a message or frame.
pub const MAX_BUFFERED: usize = 64 << 20;

const CLIENT: usize = 0;
const SERVER: usize = 1;

/// Packet number spaces (RFC 9000 section 12.3), which are also the CRYPTO streams' levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Space {
    Initial = 0,
    Handshake = 1,
    Application = 2,
}

#[derive(Clone, Default)]
struct Connection {
    number: u32,
    /// A connection in the table (not the stand-in for an empty slot).
    alive: bool,
    /// One of its packets decrypted: it is not junk an Initial made up.
    confirmed: bool,
    /// Its IDs in the table's indexes, to remove them when it is given up.
    cids: Vec<Vec<u8>>,
    initial_dcids: Vec<Vec<u8>>,
    endpoints: Option<(Endpoint, Endpoint)>,
    version: u32,
    /// The Destination Connection ID the Initial keys come from.
    initial_dcid: Vec<u8>,
    /// The client's very first one, which a Retry's integrity tag is computed over.
    original_dcid: Vec<u8>,
    retried: bool,
    /// Length of the IDs each side chose for itself (its Source Connection ID).
    cid_len: [Option<usize>; 2],
    initial: [Option<Keys>; 2],
    handshake: [Option<Keys>; 2],
    zero_rtt: Option<Keys>,
    one_rtt: [Option<OneRtt>; 2],
    largest_pn: [[Option<u64>; 3]; 2],
    crypto: [[CryptoStream; 3]; 2],
    client_random: Option<[u8; 32]>,
    suite: Option<Suite>,
    h3: FxHashMap<(usize, u64), H3Stream>,
    pub server_name: Option<String>,
    pub alpn: Option<Vec<u8>>,
}

impl Connection {
    /// What a connection costs the memory budget: itself and room for every key schedule it
    /// may hold (each boxed): Initial, Handshake and 1-RTT each way, 0-RTT, and a 1-RTT key
    /// update each way.
    const COST: usize = size_of::<Connection>() + 9 * crate::crypto::KEY_BYTES;
}

/// A packet of a datagram, as the tracker read it.
#[derive(Debug)]
pub struct PacketOut {
    /// The packet's bytes in the datagram.
    pub range: Range<usize>,
    pub header: Header,
    pub unprotected: Option<Unprotected>,
    pub plaintext: Option<Loc>,
    pub undecrypted: Option<Undecrypted>,
    pub retry_verified: Option<bool>,
    /// The frames of the decrypted payload (their HTTP/3 is filled in with the layers).
    pub frames: SmallVec<[FrameFact; 2]>,
}

/// What one datagram gave.
#[derive(Debug, Default)]
pub struct Output {
    pub connection: Option<u32>,
    pub packets: Vec<PacketOut>,
    /// Bytes after the packets that belong to none of the connection's packets.
    pub padding: Option<Range<usize>>,
    /// What the CRYPTO and STREAM frames carried, in frame order.
    pub carried: Vec<Carried>,
    pub problems: Vec<String>,
    /// Every STREAM frame's data, where it lies in the decrypted arena, for a follow-stream
    /// observer ([`super::follow`]): HTTP/3 or not, in the order the frames came.
    pub stream_data: Vec<StreamData>,
}

/// One STREAM frame's data as it came (not put in stream order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamData {
    pub stream_id: u64,
    /// 0 for the client, 1 for the server.
    pub dir: usize,
    /// The data's bytes in the frame's decrypted arena.
    pub range: Range<usize>,
}

/// What one CRYPTO or STREAM frame carried up to the layers above QUIC.
#[derive(Debug)]
pub enum Carried {
    /// The TLS handshake messages a CRYPTO frame completed, and the frame's packet (its index
    /// in the datagram).
    /// The packet's index, the messages completed, how many fragments of messages the
    /// CRYPTO frame held, and whether one starts a message it does not finish.
    Tls(usize, SmallVec<[Loc; 2]>, usize, bool),
    /// The HTTP/3 content of a STREAM frame.
    Http3(Http3Out),
}

/// The QUIC connections being followed.
#[derive(Clone, Default)]
pub struct QuicTable {
    connections: Slots,
    /// The number the next connection gets (`quic.connection.number`).
    next_number: u32,
    /// Connections kept, and how many of them are unconfirmed.
    live: usize,
    unconfirmed_live: usize,
    /// Slots in the order their connections began: all of them, and the unconfirmed ones.
    created: Queue,
    unconfirmed: Queue,
    /// Bytes the connections and index entries take, their streams aside.
    held: usize,
    /// HTTP/3 stream entries, over all connections.
    h3_streams: usize,
    /// What the connections' streams hold, together.
    buffered: Budget,
    /// Connection IDs: whose they are (slot, side).
    by_cid: FxHashMap<Vec<u8>, (usize, usize)>,
    /// The IDs a client made up for the server before knowing its own: connection.
    by_initial_dcid: FxHashMap<Vec<u8>, usize>,
    /// Connections whose IDs are empty, by client and server endpoints.
    by_endpoints: FxHashMap<(Endpoint, Endpoint), usize>,
    /// Lengths of the IDs seen, to try on short headers.
    cid_lengths: SmallVec<[usize; 4]>,
}

impl QuicTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a short-header datagram belongs to a known connection.
    pub fn knows_short(&self, payload: &[u8], src: Endpoint, dst: Endpoint) -> bool {
        self.find_short(payload, src, dst).is_some()
    }

    fn find_short(&self, payload: &[u8], src: Endpoint, dst: Endpoint) -> Option<(usize, usize)> {
        if payload.first().is_none_or(|first| first & 0x80 != 0) {
            return None;
        }
        for &len in &self.cid_lengths {
            if let Some(cid) = payload.get(1..1 + len)
                && let Some(&(connection, owner)) = self.by_cid.get(cid)
            {
                return Some((connection, 1 - owner));
            }
        }
        self.by_endpoints
            .get(&(src, dst))
            .map(|&connection| (connection, CLIENT))
            .or_else(|| self.by_endpoints.get(&(dst, src)).map(|&connection| (connection, SERVER)))
    }

    /// Reads one datagram's packets. `payload` is the UDP payload; locations in the output are
    /// relative to it, or in the frame's arenas.
    pub fn datagram(
        &mut self,
        payload: &[u8],
        src: Endpoint,
        dst: Endpoint,
        keylog: &KeyLog,
        arenas: &mut Arenas,
    ) -> Output {
        let mut output = Output::default();
        let found = self.find(payload, src, dst, &mut output.problems);
        let (connection, dir) = match found {
            Some(found) => found,
            None => {
                self.read_without_connection(payload, &mut output);
                return output;
            }
        };
        output.connection = Some(self.connections[connection].number);
        let mut at = 0;
        let mut first_dcid: Option<Vec<u8>> = None;
        while at < payload.len() {
            let rest = &payload[at..];
            let dcid_len = self.connections[connection].cid_len[1 - dir].unwrap_or(0);
            let Ok(header) = header::parse(rest, dcid_len) else {
                output.problems.push("a QUIC packet is cut short inside its header".into());
                break;
            };
            let dcid = rest[header.dcid.clone()].to_vec();
            match &first_dcid {
                None => first_dcid = Some(dcid),
                Some(first) if *first != dcid => {
                    output.padding = Some(at..payload.len());
                    break;
                }
                Some(_) => {}
            }
            let len = header.len.max(1);
            let index = output.packets.len();
            let packet = self.packet(connection, dir, index, rest, header, at, keylog, arenas, &mut output);
            output.packets.push(packet);
            at += len;
        }
        output
    }

    /// A datagram of no known connection: its first packet's header, undecrypted.
    fn read_without_connection(&mut self, payload: &[u8], output: &mut Output) {
        if let Ok(header) = header::parse(payload, 0) {
            output.packets.push(PacketOut {
                range: 0..payload.len(),
                header,
                unprotected: None,
                plaintext: None,
                undecrypted: Some(Undecrypted::UnknownConnection),
                retry_verified: None,
                frames: SmallVec::new(),
            });
        }
    }

    /// Finds the datagram's connection and direction, or starts one for a client's Initial.
    fn find(
        &mut self,
        payload: &[u8],
        src: Endpoint,
        dst: Endpoint,
        problems: &mut Vec<String>,
    ) -> Option<(usize, usize)> {
        let first = *payload.first()?;
        if first & 0x80 == 0 {
            return self.find_short(payload, src, dst);
        }
        let header = header::parse(payload, 0).ok()?;
        let dcid = &payload[header.dcid.clone()];
        let scid = header.scid.clone().map(|range| &payload[range]).unwrap_or(&[]);
        if !dcid.is_empty()
            && let Some(&(connection, owner)) = self.by_cid.get(dcid)
        {
            let dir = 1 - owner;
            self.learn(connection, dir, &header, scid);
            return Some((connection, dir));
        }
        if !dcid.is_empty()
            && let Some(&connection) = self.by_initial_dcid.get(dcid)
        {
            self.learn(connection, CLIENT, &header, scid);
            return Some((connection, CLIENT));
        }
        // A client's Initial to a Destination Connection ID no connection knows starts a new
        // connection, even on a 4-tuple that had one before (as tshark counts them): a client
        // may reuse its socket for its next connection.
        let fresh_initial = header.kind == Kind::Initial && !dcid.is_empty();
        if let Some(found) = self
            .by_endpoints
            .get(&(src, dst))
            .map(|&c| (c, CLIENT))
            .or_else(|| self.by_endpoints.get(&(dst, src)).map(|&c| (c, SERVER)))
            .filter(|&(_, dir)| !(fresh_initial && dir == CLIENT))
        {
            self.learn(found.0, found.1, &header, scid);
            return Some(found);
        }
        if header.kind != Kind::Initial {
            return None;
        }
        let fresh = Connection {
            alive: true,
            version: header.version,
            initial_dcid: dcid.to_vec(),
            original_dcid: dcid.to_vec(),
            ..Connection::default()
        };
        let connection = self.add_connection(fresh, problems);
        self.index_initial_dcid(connection, dcid);
        self.index_endpoints(connection, (src, dst));
        self.learn(connection, CLIENT, &header, scid);
        Some((connection, CLIENT))
    }

    /// Remembers the Source Connection ID a long header announces for its sender.
    fn learn(&mut self, connection: usize, dir: usize, header: &Header, scid: &[u8]) {
        if header.kind == Kind::VersionNegotiation {
            return;
        }
        let state = &mut self.connections[connection];
        if state.cid_len[dir].is_none() {
            state.cid_len[dir] = Some(scid.len());
        }
        self.add_cid(connection, dir, scid);
        if header.kind == Kind::Retry {
            // The client's next Initial goes to the ID the Retry gave, and its keys come
            // from it.
            self.index_initial_dcid(connection, scid);
        }
    }

    fn add_cid(&mut self, connection: usize, owner: usize, cid: &[u8]) {
        if cid.is_empty()
            || self.by_cid.contains_key(cid)
            || self.connections[connection].cids.len() >= MAX_CIDS
        {
            return;
        }
        self.index_cid(connection, owner, cid);
        if !self.cid_lengths.contains(&cid.len()) {
            self.cid_lengths.push(cid.len());
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn packet(
        &mut self,
        connection: usize,
        dir: usize,
        index: usize,
        bytes: &[u8],
        header: Header,
        at: usize,
        keylog: &KeyLog,
        arenas: &mut Arenas,
        output: &mut Output,
    ) -> PacketOut {
        let bytes = &bytes[..header.len.min(bytes.len())];
        let mut out = PacketOut {
            range: at..at + bytes.len(),
            header,
            unprotected: None,
            plaintext: None,
            undecrypted: None,
            retry_verified: None,
            frames: SmallVec::new(),
        };
        let kind = out.header.kind;
        match kind {
            Kind::VersionNegotiation => return out,
            Kind::Retry => {
                let state = &mut self.connections[connection];
                out.retry_verified =
                    quic_crypto::retry_tag_is_valid(out.header.version, &state.original_dcid, bytes);
                state.retried = true;
                // The client starts its Initial CRYPTO stream again, possibly with a new
                // ClientHello.
                let restarted = std::mem::take(&mut state.crypto[CLIENT][Space::Initial as usize]);
                self.buffered.moved(restarted.buffered(), 0);
                return out;
            }
            _ => {}
        }
        self.prepare_keys(connection, dir, &out.header, bytes);
        let space = match kind {
            Kind::Initial => Space::Initial,
            Kind::Handshake => Space::Handshake,
            _ => Space::Application,
        };
        let state = &mut self.connections[connection];
        let keyless = match kind {
            Kind::Handshake => state.handshake[dir].is_none(),
            Kind::Short => state.one_rtt[dir].is_none(),
            _ => false,
        };
        if keyless {
            state.late_keys(keylog);
        }
        let largest = state.largest_pn[dir][space as usize];
        let decrypted = &mut arenas.decrypted;
        let result = match kind {
            Kind::Initial => open(state.initial[dir].as_ref(), &out.header, bytes, largest, decrypted),
            Kind::Handshake => open(state.handshake[dir].as_ref(), &out.header, bytes, largest, decrypted),
            Kind::ZeroRtt => {
                let secret =
                    state.client_random.and_then(|random| keylog.get(&random)?.client_early.as_deref());
                let (suite, version) = (state.suite, state.version);
                open_zero_rtt(
                    &mut state.zero_rtt,
                    secret,
                    suite,
                    version,
                    &out.header,
                    bytes,
                    largest,
                    decrypted,
                )
            }
            _ => open_one_rtt(state.one_rtt[dir].as_mut(), &out.header, bytes, largest, decrypted),
        };
        match result {
            Opened::Plain(unprotected, range) => {
                self.confirm(connection);
                let state = &mut self.connections[connection];
                out.unprotected = Some(unprotected);
                state.largest_pn[dir][space as usize] =
                    Some(largest.map_or(unprotected.packet_number, |l| l.max(unprotected.packet_number)));
                out.plaintext = Some(Loc::Decrypted(range.clone()));
                out.frames = self.frames(connection, dir, index, space, range, keylog, arenas, output);
            }
            Opened::HeaderOnly(unprotected, reason) => {
                out.unprotected = Some(unprotected);
                out.undecrypted = Some(reason);
            }
            Opened::Nothing(reason) => out.undecrypted = Some(reason),
        }
        out
    }

    /// Reads a decrypted payload's frames: CRYPTO data into the handshake, new IDs into the
    /// table. Returns what each frame is, for the layers.
    #[allow(clippy::too_many_arguments)]
    fn frames(
        &mut self,
        connection: usize,
        dir: usize,
        index: usize,
        space: Space,
        range: Range<usize>,
        keylog: &KeyLog,
        arenas: &mut Arenas,
        output: &mut Output,
    ) -> SmallVec<[FrameFact; 2]> {
        let Arenas { stream: stream_arena, decrypted } = arenas;
        let base = range.start;
        let plaintext = &decrypted[range];
        let mut facts = SmallVec::new();
        for frame in frame::parse_all(plaintext) {
            facts.push(FrameFact {
                kind: frame.kind,
                start: frame.range.start,
                stream_id: frame.stream.as_ref().map(|(stream_id, ..)| *stream_id),
                http3: Vec::new(),
            });
            if let Some((offset, data)) = &frame.crypto {
                let crypto = &mut self.connections[connection].crypto[dir][space as usize];
                let before = crypto.buffered();
                let delivered = crypto.feed(*offset, &plaintext[data.clone()]);
                if !self.buffered.moved(before, crypto.buffered()) {
                    crypto.give_up();
                    output.problems.push(self.buffered.note("a CRYPTO stream"));
                }
                output.problems.extend(delivered.problem);
                if delivered.retransmission || delivered.held {
                    // Nothing new for the handshake, or data ahead of a gap that the frame
                    // filling the gap delivers: tshark shows no TLS layer for either.
                    continue;
                }
                let mut locs = SmallVec::new();
                let (fragments, unfinished) = (delivered.fragments, delivered.unfinished);
                for message in delivered.messages {
                    self.handshake_message(connection, dir, &message, keylog);
                    let start = stream_arena.len();
                    stream_arena.extend_from_slice(&message);
                    locs.push(Loc::Stream(start..stream_arena.len()));
                }
                output.carried.push(Carried::Tls(index, locs, fragments, unfinished));
            }
            if let Some((stream_id, offset, data, fin)) = &frame.stream {
                output.stream_data.push(StreamData {
                    stream_id: *stream_id,
                    dir,
                    range: base + data.start..base + data.end,
                });
                let state = &mut self.connections[connection];
                let (stream, created) = match http3_stream(state, dir, *stream_id) {
                    H3Found::Stream(stream, created) => (stream, created),
                    H3Found::NotHttp3 => continue,
                    H3Found::TooMany => {
                        output.problems.push(format!(
                            "HTTP/3 stream {stream_id} is not read: {MAX_H3_STREAMS} streams of the connection are open already"
                        ));
                        continue;
                    }
                };
                self.h3_streams += usize::from(created);
                let mut out = Http3Out {
                    anchor: (index, frame.range.start),
                    stream_id: *stream_id,
                    stream_type: None,
                    frames: SmallVec::new(),
                };
                let before = stream.buffered();
                stream.take(*offset, plaintext, data.clone(), base, stream_arena, &mut out);
                if !self.buffered.moved(before, stream.buffered()) {
                    stream.give_up();
                    output.problems.push(self.buffered.note(&format!("HTTP/3 stream {stream_id}")));
                }
                // A direction read to its FIN is over: what comes again of it is read on its own.
                let end = offset.saturating_add(data.len() as u64);
                if *fin && stream.read_to(end) {
                    self.release_h3(connection, dir, *stream_id);
                }
                output.carried.push(Carried::Http3(out));
            }
            if frame.kind == frame::kind::RESET_STREAM
                && let Some((_, _, frame::Val::Uint(stream_id))) =
                    frame.fields.iter().find(|(name, ..)| *name == "quic.rsts.stream_id")
            {
                self.release_h3(connection, dir, *stream_id);
            }
            if frame.kind == frame::kind::NEW_CONNECTION_ID
                && let Some((_, _, frame::Val::Bytes(cid))) =
                    frame.fields.iter().find(|(name, ..)| *name == "quic.nci.connection_id")
            {
                self.add_cid(connection, dir, cid);
            }
        }
        facts
    }
}

impl QuicTable {
    /// Lets go of one direction of an HTTP/3 stream.
    fn release_h3(&mut self, connection: usize, dir: usize, stream_id: u64) {
        if let Some(stream) = self.connections[connection].h3.remove(&(dir, stream_id)) {
            self.buffered.moved(stream.buffered(), 0);
            self.h3_streams -= 1;
        }
    }
}

impl Connection {
    /// What its CRYPTO and HTTP/3 streams hold, as the budget counted it.
    fn streams_held(&self) -> usize {
        let crypto: usize = self.crypto.iter().flatten().map(CryptoStream::buffered).sum();
        crypto + self.h3.values().map(H3Stream::buffered).sum::<usize>()
    }
}

#[cfg(test)]
mod tests;
