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
//! Everything is bounded: at most [`MAX_CONNECTIONS`] connections and [`MAX_CIDS`] IDs each,
//! and each CRYPTO stream holds what `crypto_stream` allows.

mod crypto_stream;

use std::ops::Range;

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use super::conversation::Endpoint;
use super::keylog::KeyLog;
use super::tls::{Arenas, Loc};
use crate::crypto::quic::{self as quic_crypto, Keys, PacketKey, SAMPLE_LEN};
use crate::crypto::{Suite, suite};
use crate::dissect::quic::header::{self, Header, Kind};
use crate::dissect::quic::{Undecrypted, Unprotected, frame};
use crate::dissect::tls::extension;
use crate::dissect::tls::handshake::{Hello, kind as hs};
use crypto_stream::CryptoStream;

/// Connections kept at once; datagrams of further new connections are shown undecrypted.
pub const MAX_CONNECTIONS: usize = 4096;
/// Connection IDs kept per connection.
pub const MAX_CIDS: usize = 32;

const CLIENT: usize = 0;
const SERVER: usize = 1;

/// Packet number spaces (RFC 9000 section 12.3), which are also the CRYPTO streams' levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Space {
    Initial = 0,
    Handshake = 1,
    Application = 2,
}

/// One side's 1-RTT keys: header protection, and the packet keys of the current key phase.
struct OneRtt {
    header: quic_crypto::HeaderKey,
    phase: bool,
    current: PacketKey,
    next: Option<PacketKey>,
}

#[derive(Default)]
struct Connection {
    number: u32,
    version: u32,
    /// The Destination Connection ID the Initial keys come from.
    initial_dcid: Vec<u8>,
    /// The client's very first one, which a Retry's integrity tag is computed over.
    original_dcid: Vec<u8>,
    retried: bool,
    /// Length of the IDs each side chose for itself (its Source Connection ID).
    cid_len: [Option<usize>; 2],
    cid_count: usize,
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
}

/// What one CRYPTO or STREAM frame carried up to the layers above QUIC.
#[derive(Debug)]
pub enum Carried {
    /// The TLS handshake messages a CRYPTO frame completed.
    Tls(SmallVec<[Loc; 2]>),
    /// The HTTP/3 content of a STREAM frame.
    Http3(Http3Out),
}

/// The HTTP/3 content of one STREAM frame.
#[derive(Debug)]
pub struct Http3Out {
    /// The packet (index in the datagram) and the STREAM frame's start in its plaintext.
    pub anchor: (usize, usize),
    pub stream_id: u64,
    pub stream_type: Option<(u64, Loc)>,
    pub frames: SmallVec<[Loc; 2]>,
}

/// One direction of an HTTP/3 stream, put back together.
#[derive(Debug, Default)]
struct H3Stream {
    next: u64,
    typed: bool,
    /// Bytes of a frame not yet complete.
    pending: Vec<u8>,
    /// The stream carries no frames (QPACK encoder or decoder, or an unknown type).
    opaque: bool,
}

/// The most bytes of one HTTP/3 frame kept while it is incomplete; a longer frame is skipped.
const MAX_H3_FRAME: usize = 1 << 20;
/// Streams followed per connection.
const MAX_H3_STREAMS: usize = 64;

/// Every QUIC connection seen so far.
#[derive(Default)]
pub struct QuicTable {
    connections: Vec<Connection>,
    /// Connection IDs: whose they are (connection, side).
    by_cid: FxHashMap<Vec<u8>, (usize, usize)>,
    /// The IDs a client made up for the server before knowing its own: connection.
    by_initial_dcid: FxHashMap<Vec<u8>, usize>,
    /// Connections whose IDs are empty, by client and server endpoints.
    by_endpoints: FxHashMap<(Endpoint, Endpoint), usize>,
    /// Lengths of the IDs seen, to try on short headers.
    cid_lengths: SmallVec<[usize; 4]>,
}

/// Whether a datagram starts like a QUIC packet rttscope reads without knowing the
/// connection: a long header of a known version, or Version Negotiation.
pub fn looks_like_quic(payload: &[u8]) -> bool {
    let Some(&first) = payload.first() else { return false };
    if first & 0x80 == 0 || payload.len() < 7 {
        return false;
    }
    let version = u32::from_be_bytes([payload[1], payload[2], payload[3], payload[4]]);
    (version == 0 || quic_crypto::is_supported(version)) && header::parse(payload, 0).is_ok()
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
        let found = self.find(payload, src, dst);
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
            let packet =
                self.packet(connection, dir, index, rest, header, at, src, keylog, arenas, &mut output);
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
            });
        }
    }

    /// Finds the datagram's connection and direction, or starts one for a client's Initial.
    fn find(&mut self, payload: &[u8], src: Endpoint, dst: Endpoint) -> Option<(usize, usize)> {
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
            self.learn(connection, dir, &header, scid, src, dst);
            return Some((connection, dir));
        }
        if !dcid.is_empty()
            && let Some(&connection) = self.by_initial_dcid.get(dcid)
        {
            self.learn(connection, CLIENT, &header, scid, src, dst);
            return Some((connection, CLIENT));
        }
        if let Some(found) = self
            .by_endpoints
            .get(&(src, dst))
            .map(|&c| (c, CLIENT))
            .or_else(|| self.by_endpoints.get(&(dst, src)).map(|&c| (c, SERVER)))
        {
            self.learn(found.0, found.1, &header, scid, src, dst);
            return Some(found);
        }
        if header.kind != Kind::Initial || self.connections.len() >= MAX_CONNECTIONS {
            return None;
        }
        let connection = self.connections.len();
        self.connections.push(Connection {
            number: connection as u32,
            version: header.version,
            initial_dcid: dcid.to_vec(),
            original_dcid: dcid.to_vec(),
            ..Connection::default()
        });
        self.by_initial_dcid.insert(dcid.to_vec(), connection);
        self.by_endpoints.insert((src, dst), connection);
        self.learn(connection, CLIENT, &header, scid, src, dst);
        Some((connection, CLIENT))
    }

    /// Remembers the Source Connection ID a long header announces for its sender.
    fn learn(
        &mut self,
        connection: usize,
        dir: usize,
        header: &Header,
        scid: &[u8],
        _src: Endpoint,
        _dst: Endpoint,
    ) {
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
            self.by_initial_dcid.insert(scid.to_vec(), connection);
        }
    }

    fn add_cid(&mut self, connection: usize, owner: usize, cid: &[u8]) {
        if cid.is_empty()
            || self.by_cid.contains_key(cid)
            || self.connections[connection].cid_count >= MAX_CIDS
        {
            return;
        }
        self.connections[connection].cid_count += 1;
        self.by_cid.insert(cid.to_vec(), (connection, owner));
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
        _src: Endpoint,
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
                state.crypto[CLIENT][Space::Initial as usize] = CryptoStream::default();
                return out;
            }
            _ => {}
        }
        self.prepare_keys(connection, dir, &out.header, bytes, keylog);
        let space = match kind {
            Kind::Initial => Space::Initial,
            Kind::Handshake => Space::Handshake,
            _ => Space::Application,
        };
        let state = &mut self.connections[connection];
        let largest = state.largest_pn[dir][space as usize];
        let result = match kind {
            Kind::Initial => open(
                state.initial[dir].as_ref().map(|k| (&k.header, &k.packet)),
                &out.header,
                bytes,
                largest,
                arenas,
            ),
            Kind::Handshake => open(
                state.handshake[dir].as_ref().map(|k| (&k.header, &k.packet)),
                &out.header,
                bytes,
                largest,
                arenas,
            ),
            Kind::ZeroRtt => open_zero_rtt(state, keylog, &out.header, bytes, largest, arenas),
            _ => open_one_rtt(state.one_rtt[dir].as_mut(), &out.header, bytes, largest, arenas),
        };
        match result {
            Opened::Plain(unprotected, range) => {
                out.unprotected = Some(unprotected);
                state.largest_pn[dir][space as usize] =
                    Some(largest.map_or(unprotected.packet_number, |l| l.max(unprotected.packet_number)));
                out.plaintext = Some(Loc::Decrypted(range.clone()));
                self.frames(connection, dir, index, space, range, keylog, arenas, output);
            }
            Opened::HeaderOnly(unprotected, reason) => {
                out.unprotected = Some(unprotected);
                out.undecrypted = Some(reason);
            }
            Opened::Nothing(reason) => out.undecrypted = Some(reason),
        }
        out
    }

    /// Sets up the keys a packet needs, when what they come from is known.
    fn prepare_keys(
        &mut self,
        connection: usize,
        dir: usize,
        header: &Header,
        bytes: &[u8],
        keylog: &KeyLog,
    ) {
        let state = &mut self.connections[connection];
        if header.kind == Kind::Initial {
            let dcid = &bytes[header.dcid.clone()];
            // The client's Initial after a Retry (or a new client Initial of a version the
            // server switched to) starts the Initial keys again.
            let restart = dir == CLIENT && state.retried && dcid != state.initial_dcid.as_slice();
            if restart || state.version != header.version {
                if restart {
                    state.initial_dcid = dcid.to_vec();
                    state.retried = false;
                }
                state.version = header.version;
                state.initial = [None, None];
            }
            if state.initial[dir].is_none() {
                state.initial[dir] = Keys::initial(header.version, &state.initial_dcid, dir == SERVER);
            }
        }
        let _ = keylog;
    }

    /// Reads a decrypted payload's frames: CRYPTO data into the handshake, new IDs into the
    /// table.
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
    ) {
        let base = range.start;
        let plaintext = arenas.decrypted[range].to_vec();
        for frame in frame::parse_all(&plaintext) {
            if let Some((offset, data)) = &frame.crypto {
                let delivered = self.connections[connection].crypto[dir][space as usize]
                    .feed(*offset, &plaintext[data.clone()]);
                output.problems.extend(delivered.problem);
                let mut locs = SmallVec::new();
                for message in delivered.messages {
                    self.handshake_message(connection, dir, &message, keylog);
                    let start = arenas.stream.len();
                    arenas.stream.extend_from_slice(&message);
                    locs.push(Loc::Stream(start..arenas.stream.len()));
                }
                output.carried.push(Carried::Tls(locs));
            }
            if let Some((stream_id, offset, data, _)) = &frame.stream {
                let anchor = (index, frame.range.start);
                let data = data.clone();
                let located = |range: Range<usize>| Loc::Decrypted(base + range.start..base + range.end);
                if let Some(out) = self
                    .http3(connection, dir, *stream_id, *offset, &plaintext, data, anchor, located, arenas)
                {
                    output.carried.push(Carried::Http3(out));
                }
            }
            if frame.kind == frame::kind::NEW_CONNECTION_ID
                && let Some((_, range, frame::Val::Bytes(cid))) =
                    frame.fields.iter().find(|(name, ..)| *name == "quic.nci.connection_id")
            {
                let _ = range;
                self.add_cid(connection, dir, cid);
            }
        }
    }

    /// Puts a STREAM frame's data into its HTTP/3 stream and returns the frames it completed.
    #[allow(clippy::too_many_arguments)]
    fn http3(
        &mut self,
        connection: usize,
        dir: usize,
        stream_id: u64,
        offset: u64,
        plaintext: &[u8],
        data: Range<usize>,
        anchor: (usize, usize),
        located: impl Fn(Range<usize>) -> Loc,
        arenas: &mut Arenas,
    ) -> Option<Http3Out> {
        let state = &mut self.connections[connection];
        if state.alpn.as_deref().is_some_and(|alpn| !alpn.starts_with(b"h3")) {
            return None;
        }
        let streams = state.h3.len();
        let stream = match state.h3.entry((dir, stream_id)) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) if streams < MAX_H3_STREAMS => {
                entry.insert(H3Stream::default())
            }
            std::collections::hash_map::Entry::Vacant(_) => return None,
        };
        let mut out = Http3Out { anchor, stream_id, stream_type: None, frames: SmallVec::new() };
        // Only data that follows on is read; a gap or a repeat leaves the stream as it was.
        if offset != stream.next {
            return Some(out);
        }
        stream.next += data.len() as u64;
        let mut at = data.start;
        let unidirectional = stream_id & 0x02 != 0;
        if unidirectional && !stream.typed {
            stream.typed = true;
            if let Some((kind, len)) = crate::dissect::quic::varint::read(&plaintext[at..data.end]) {
                out.stream_type = Some((kind, located(at..at + len)));
                stream.opaque = kind != 0x00;
                at += len;
            }
        }
        if stream.opaque {
            return Some(out);
        }
        // Whole frames are read where they are; a frame that spans STREAM frames is copied
        // together and shown on the one that completes it.
        let mut bytes: &[u8] = &plaintext[at..data.end];
        let joined;
        let from_pending = !stream.pending.is_empty();
        if from_pending {
            stream.pending.extend_from_slice(bytes);
            joined = std::mem::take(&mut stream.pending);
            bytes = &joined;
        }
        let mut used = 0;
        while let Some(len) = h3_frame_len(&bytes[used..]) {
            if bytes.len() - used < len {
                break;
            }
            let frame = used..used + len;
            out.frames.push(if from_pending {
                let start = arenas.stream.len();
                arenas.stream.extend_from_slice(&bytes[frame]);
                Loc::Stream(start..arenas.stream.len())
            } else {
                located(at + frame.start..at + frame.end)
            });
            used += len;
        }
        let rest = &bytes[used..];
        if rest.len() <= MAX_H3_FRAME {
            stream.pending = rest.to_vec();
        } else {
            stream.opaque = true;
        }
        Some(out)
    }

    /// Follows the TLS handshake: the hellos give the random, the suite, the names; with them
    /// the key log's secrets give the keys.
    fn handshake_message(&mut self, connection: usize, dir: usize, message: &[u8], keylog: &KeyLog) {
        let Some(&kind) = message.first() else { return };
        if kind == hs::ENCRYPTED_EXTENSIONS && dir == SERVER {
            let extensions = message.get(6..).unwrap_or(&[]);
            self.connections[connection].alpn = extension::walk(extensions)
                .find(|extension| extension.kind == extension::kind::ALPN)
                .and_then(|extension| extension.alpn().next().map(<[u8]>::to_vec));
            return;
        }
        if kind != hs::CLIENT_HELLO && kind != hs::SERVER_HELLO {
            return;
        }
        let Ok(hello) = Hello::parse(kind, &message[4..]) else { return };
        let state = &mut self.connections[connection];
        if kind == hs::CLIENT_HELLO && dir == CLIENT {
            state.client_random = hello.client_random();
            state.server_name = hello.server_name().map(str::to_owned);
        } else if kind == hs::SERVER_HELLO && dir == SERVER {
            state.suite = hello.cipher_suite().and_then(suite);
            let (Some(random), Some(suite)) = (state.client_random, state.suite) else { return };
            let Some(secrets) = keylog.get(&random) else { return };
            let version = state.version;
            let keys = |secret: &Option<Vec<u8>>| {
                secret.as_deref().and_then(|secret| Keys::new(&suite, version, secret))
            };
            state.handshake = [keys(&secrets.client_handshake), keys(&secrets.server_handshake)];
            state.one_rtt = [one_rtt(keys(&secrets.client_traffic)), one_rtt(keys(&secrets.server_traffic))];
        }
    }

    /// The connection's server name and ALPN, for the timeline.
    pub fn names(&self, number: u32) -> (Option<&str>, Option<&[u8]>) {
        self.connections
            .get(number as usize)
            .map_or((None, None), |c| (c.server_name.as_deref(), c.alpn.as_deref()))
    }
}

/// The whole length of the HTTP/3 frame at the start of `bytes`, once its type and length are
/// there.
fn h3_frame_len(bytes: &[u8]) -> Option<usize> {
    let (_, type_len) = crate::dissect::quic::varint::read(bytes)?;
    let (length, length_len) = crate::dissect::quic::varint::read(&bytes[type_len..])?;
    usize::try_from(length).ok()?.checked_add(type_len + length_len)
}

fn one_rtt(keys: Option<Keys>) -> Option<OneRtt> {
    keys.map(|keys| OneRtt { header: keys.header, phase: false, current: keys.packet, next: None })
}

/// What removing a packet's protection gave.
enum Opened {
    Plain(Unprotected, Range<usize>),
    HeaderOnly(Unprotected, Undecrypted),
    Nothing(Undecrypted),
}

/// Removes header protection: the unprotected first byte, the packet number's encoding and the
/// AAD (the header with both in the clear).
fn unprotect(
    hp: &quic_crypto::HeaderKey,
    header: &Header,
    bytes: &[u8],
) -> Option<(u8, u64, usize, Vec<u8>)> {
    let pn_offset = header.pn_offset;
    let sample = bytes.get(pn_offset + 4..pn_offset + 4 + SAMPLE_LEN)?;
    let mask = hp.mask(sample)?;
    let first =
        if header.is_long() { header.first ^ (mask[0] & 0x0f) } else { header.first ^ (mask[0] & 0x1f) };
    let pn_len = usize::from(first & 0x03) + 1;
    let mut aad = bytes.get(..pn_offset + pn_len)?.to_vec();
    aad[0] = first;
    let mut truncated = 0u64;
    for index in 0..pn_len {
        aad[pn_offset + index] ^= mask[1 + index];
        truncated = truncated << 8 | u64::from(aad[pn_offset + index]);
    }
    Some((first, truncated, pn_len, aad))
}

/// The full packet number from its truncated encoding and the largest one seen in its space
/// (RFC 9000 appendix A.3).
pub fn expand_packet_number(largest: Option<u64>, truncated: u64, pn_len: usize) -> u64 {
    let expected = largest.map_or(0, |largest| largest + 1);
    let window = 1u64 << (pn_len * 8);
    let half = window / 2;
    let mask = window - 1;
    let candidate = (expected & !mask) | truncated;
    if candidate + half <= expected && candidate < (1 << 62) - window {
        candidate + window
    } else if candidate > expected + half && candidate >= window {
        candidate - window
    } else {
        candidate
    }
}

fn open(
    keys: Option<(&quic_crypto::HeaderKey, &PacketKey)>,
    header: &Header,
    bytes: &[u8],
    largest: Option<u64>,
    arenas: &mut Arenas,
) -> Opened {
    let Some((hp, packet)) = keys else { return Opened::Nothing(Undecrypted::NoKey) };
    let Some((first, truncated, pn_len, aad)) = unprotect(hp, header, bytes) else {
        return Opened::Nothing(Undecrypted::Failed("packet too short to remove header protection".into()));
    };
    let number = expand_packet_number(largest, truncated, pn_len);
    let unprotected = Unprotected { first, packet_number: number, pn_len };
    let start = arenas.decrypted.len();
    match packet.decrypt(number, &aad, &bytes[aad.len()..], &mut arenas.decrypted) {
        Ok(()) => Opened::Plain(unprotected, start..arenas.decrypted.len()),
        Err(error) => Opened::HeaderOnly(unprotected, Undecrypted::Failed(error.to_string())),
    }
}

fn open_zero_rtt(
    state: &mut Connection,
    keylog: &KeyLog,
    header: &Header,
    bytes: &[u8],
    largest: Option<u64>,
    arenas: &mut Arenas,
) -> Opened {
    if state.zero_rtt.is_none() {
        let Some(secret) = state.client_random.and_then(|random| keylog.get(&random)?.client_early.clone())
        else {
            return Opened::Nothing(Undecrypted::NoKey);
        };
        // The suite is not known before the ServerHello: try those the secret's length allows.
        let candidates: &[u16] = if secret.len() == 48 { &[0x1302] } else { &[0x1301, 0x1303] };
        for id in state.suite.map(|s| vec![s.id]).unwrap_or_else(|| candidates.to_vec()) {
            let Some(keys) = suite(id).and_then(|suite| Keys::new(&suite, state.version, &secret)) else {
                continue;
            };
            if let Opened::Plain(..) =
                open(Some((&keys.header, &keys.packet)), header, bytes, largest, &mut Arenas::default())
            {
                state.zero_rtt = Some(keys);
                break;
            }
        }
    }
    open(state.zero_rtt.as_ref().map(|k| (&k.header, &k.packet)), header, bytes, largest, arenas)
}

fn open_one_rtt(
    keys: Option<&mut OneRtt>,
    header: &Header,
    bytes: &[u8],
    largest: Option<u64>,
    arenas: &mut Arenas,
) -> Opened {
    let Some(keys) = keys else { return Opened::Nothing(Undecrypted::NoKey) };
    let Some((first, _, _, _)) = unprotect(&keys.header, header, bytes) else {
        return Opened::Nothing(Undecrypted::Failed("packet too short to remove header protection".into()));
    };
    let phase = first & 0x04 != 0;
    if phase == keys.phase {
        return open(Some((&keys.header, &keys.current)), header, bytes, largest, arenas);
    }
    // A key update: the next generation, kept once it opens a packet.
    if keys.next.is_none() {
        keys.next = keys.current.next();
    }
    let opened = match &keys.next {
        Some(next) => open(Some((&keys.header, next)), header, bytes, largest, arenas),
        None => Opened::Nothing(Undecrypted::NoKey),
    };
    if let (Opened::Plain(..), Some(next)) = (&opened, keys.next.take()) {
        keys.current = next;
        keys.phase = phase;
    }
    opened
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_numbers_expand_as_rfc_9000_a3_shows() {
        // The example of RFC 9000 A.3: largest 0xa82f30ea, a 16-bit 0x9b32 is 0xa82f9b32.
        assert_eq!(expand_packet_number(Some(0xa82f_30ea), 0x9b32, 2), 0xa82f_9b32);
        assert_eq!(expand_packet_number(None, 0, 1), 0);
        assert_eq!(expand_packet_number(Some(255), 0x00, 1), 256);
        assert_eq!(expand_packet_number(Some(300), 0xff, 1), 255, "a late packet just below");
        assert_eq!(expand_packet_number(Some(654_360_563), 0xbff4, 3), 654_360_564, "RFC 9001 A.5");
    }
}
