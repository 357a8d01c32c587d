//! TLS sessions over TCP: records framed from each direction's stream, handshake messages
//! reassembled across records, the session they describe (randoms, version, suite, ALPN), and
//! records decrypted with the key log's secrets.
//!
//! Sans-IO like the rest of `track`: the tracker hands over each direction's stream bytes as
//! reassembly delivers them, with a per-frame arena to copy into, and gets back each record the
//! frame completed with the locations of its bytes. Which keys apply follows the protocol:
//! - TLS 1.2: the key block from `CLIENT_RANDOM`'s master secret, from each side's
//!   ChangeCipherSpec on;
//! - TLS 1.3: the server's handshake keys from its ServerHello on and its application keys
//!   after its Finished; the client's early keys for 0-RTT records, its handshake keys after
//!   EndOfEarlyData (or when the early keys no longer open a record, as when the server rejected
//!   early data), and application keys after its Finished; a KeyUpdate moves a side to its next
//!   generation. Sequence numbers start at 0 with every new key.
//!
//! Buffers are bounded: one record (the framer) and one handshake message
//! ([`handshake::MAX_MESSAGE_LEN`]) per direction.

mod budget;
pub mod facts;
pub mod framer;
mod keys;
mod late;
mod loc;

use std::borrow::Cow;
use std::ops::Range;

use smallvec::SmallVec;

use super::keylog::{KeyLog, Secrets};
use crate::crypto::RecordKeys;
use crate::dissect::tls::extension;
use crate::dissect::tls::handshake::{self, KeyExchange, kind};
use crate::dissect::tls::record::{RecordHeader, content_type};
use crate::dissect::tls::{Undecrypted, record, sslv2};
use framer::{Framed, Framer};
pub use loc::{Arenas, Loc};
use loc::{copy_into, offset_loc, offset_range};

/// How many sequence numbers past the expected one are tried after a gap in the stream.
const RESYNC_WINDOW: u64 = 32;
/// How many decryptions in all may be tried after one gap before only the expected sequence
/// number is: a gap then costs a bounded amount of work however many records follow it that
/// no key opens.
const RESYNC_ATTEMPTS: u32 = 8 * RESYNC_WINDOW as u32;

/// One record the frame completed.
#[derive(Debug)]
pub struct RecordOut {
    pub header: RecordHeader,
    pub loc: Loc,
    /// Frames and byte counts the record was collected from, when it spans segments.
    pub segments: SmallVec<[(u64, usize); 4]>,
    pub opaque: bool,
    pub content: ContentOut,
    pub messages: SmallVec<[Loc; 2]>,
    /// A server's ChangeCipherSpec in a session Wireshark calls resumed.
    pub resumed: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ContentOut {
    Clear,
    Decrypted { content_type: u8, plaintext: Loc },
    Encrypted(Undecrypted),
}

/// What one frame's share of a direction's stream produced.
#[derive(Debug, Default)]
pub struct Output {
    pub records: Vec<RecordOut>,
    pub problems: Vec<String>,
    /// Bytes of the segment's payload that finished a record begun in earlier segments.
    pub pdu_head: Option<Range<usize>>,
    /// Bytes at the end of the segment's payload that begin (or continue) a record finished
    /// in a later segment.
    pub pdu_tail: Option<Range<usize>>,
    /// The segment begins a record that it does not finish, and holds nothing else.
    pub only_begins_record: bool,
    /// Picked up mid-stream: the segment is the rest of a record begun before the capture
    /// (Wireshark's "Continuation Data").
    pub continuation: bool,
    /// Picked up mid-stream: the segment starts with text, which is not TLS.
    pub not_tls: bool,
    /// A gap in the stream lost the record boundary (a gap inside a record whose length was
    /// read keeps it).
    pub lost_boundary: bool,
    /// Picked up mid-stream, once the version is known: the segment does not start with a
    /// record type ("Ignored Unknown Record").
    pub ignored: bool,
    /// The continuation data or ignored bytes were read from these segments (a segment too
    /// short for a record header, then the next): their frames and byte counts.
    pub joined: Option<Box<Vec<(u64, usize)>>>,
}

/// One side's keys: the current ones first, then those it may move to.
#[derive(Clone)]
struct Candidate {
    keys: RecordKeys,
    epoch: Epoch,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Epoch {
    Early,
    Handshake,
    Application,
}

#[derive(Clone, Default)]
struct Direction {
    framer: Framer,
    /// The start of a handshake message that continues in the next record.
    handshake: Vec<u8>,
    /// From now on every record but ChangeCipherSpec is protected.
    protected: bool,
    candidates: SmallVec<[Candidate; 2]>,
    /// TLS 1.2 keys waiting for this side's ChangeCipherSpec.
    pending: Option<RecordKeys>,
    seq: u64,
    /// Records may have been missed, so `seq` is a lower bound.
    unsynced: bool,
    /// Decryptions still to try past `seq` since the last gap.
    resync_attempts: u32,
    /// Keys were set up for this side once: secrets that come later are only looked for
    /// while it never had any.
    had_keys: bool,
}

/// One TLS connection.
#[derive(Clone, Default)]
pub struct Session {
    directions: [Direction; 2],
    /// Index of the client's direction, once a ClientHello was seen.
    client: Option<usize>,
    client_random: Option<[u8; 32]>,
    server_random: Option<[u8; 32]>,
    pub version: Option<u16>,
    pub cipher_suite: Option<u16>,
    /// The chosen suite's key exchange, which a ClientKeyExchange is read by.
    pub key_exchange: KeyExchange,
    client_offered_etm: bool,
    client_offered_tls13: bool,
    encrypt_then_mac: bool,
    early_data_offered: bool,
    secrets: Option<Secrets>,
    pub server_name: Option<String>,
    pub alpn: Option<Vec<u8>>,
    pub hello_retry: bool,
    resumption: Resumption,
    /// The version Wireshark settles the session on from the first record that says it (any
    /// but a ClientHello's): what it reads a stream picked up mid-stream by.
    record_version: Option<u16>,
}

/// What Wireshark calls a resumed session by (before TLS 1.3): the server changes cipher
/// spec before its ServerHelloDone, in a session that has a ticket or a session ID.
#[derive(Clone, Copy, Debug, Default)]
struct Resumption {
    /// The client offered a ticket, or the server sent one.
    ticket: bool,
    /// The server's hello has a session ID.
    session_id: bool,
    server_hello_done: bool,
    resumed: bool,
}

/// The bytes fed for one frame: the payload of the segment, or a copy held from an earlier
/// out-of-order one.
pub enum Feed<'p> {
    Payload {
        bytes: &'p [u8],
        start: usize,
    },
    Held(&'p [u8]),
    /// This many bytes of the stream are not in the capture.
    Gap(u64),
}

impl Session {
    pub fn new() -> Self {
        Self::default()
    }

    /// A session on a port registered for TLS, whose stream may have been picked up in the
    /// middle of a record: each direction looks for its first record boundary at the start of
    /// a segment.
    pub fn midstream() -> Self {
        let mut session = Self::default();
        for direction in &mut session.directions {
            direction.framer = Framer::midstream();
        }
        session
    }

    /// Takes one direction's newly delivered stream bytes for frame `frame`.
    pub fn feed(
        &mut self,
        dir: usize,
        frame: u64,
        feeds: &[Feed<'_>],
        keylog: &KeyLog,
        arenas: &mut Arenas,
    ) -> Output {
        let mut output = Output::default();
        for feed in feeds {
            let mut framed = Vec::new();
            let (bytes, base) = match feed {
                Feed::Gap(missing) => {
                    let direction = &mut self.directions[dir];
                    output.lost_boundary |= !direction.framer.gap_of(*missing);
                    direction.handshake.clear();
                    direction.unsynced = true;
                    direction.resync_attempts = RESYNC_ATTEMPTS;
                    continue;
                }
                Feed::Payload { bytes, start } => {
                    self.directions[dir].framer.version_known = self.version_known();
                    let at_record_start = self.directions[dir].framer.at_record_start();
                    let kept = self.directions[dir].framer.feed(bytes, frame, *start == 0, &mut framed);
                    output.only_begins_record = at_record_start && framed.is_empty() && kept == bytes.len();
                    let end = start + bytes.len();
                    if let Some(Framed::Collected { parts, .. }) = framed.first()
                        && let Some(&(last, len)) = parts.last()
                        && last == frame
                    {
                        output.pdu_head = Some(*start..start + len);
                    }
                    if kept > 0 {
                        output.pdu_tail = Some(end - kept..end);
                    }
                    (*bytes, Some(*start))
                }
                Feed::Held(bytes) => {
                    self.directions[dir].framer.feed(bytes, frame, true, &mut framed);
                    (*bytes, None)
                }
            };
            for item in framed {
                let (header, loc, segments, record_bytes) = match item {
                    Framed::Whole { header, start, len } => {
                        // A whole record is read where it is; only one collected from several
                        // segments was copied, by the framer.
                        let record_bytes = Cow::Borrowed(&bytes[start..start + len]);
                        let loc = match base {
                            Some(offset) => Loc::Payload(offset + start..offset + start + len),
                            None => copy_into(&mut arenas.stream, &record_bytes, Loc::Stream),
                        };
                        (header, loc, SmallVec::new(), record_bytes)
                    }
                    Framed::Collected { header, bytes, parts } => {
                        (header, copy_into(&mut arenas.stream, &bytes, Loc::Stream), parts, Cow::Owned(bytes))
                    }
                    Framed::Malformed(reason) => {
                        output.problems.push(format!(
                            "not a TLS record ({reason}); the stream is skipped up to the next record"
                        ));
                        continue;
                    }
                    Framed::Continuation => {
                        output.continuation = true;
                        continue;
                    }
                    Framed::NotTls => {
                        output.not_tls = true;
                        continue;
                    }
                    Framed::Ignored => {
                        output.ignored = true;
                        continue;
                    }
                    Framed::Joined { ignored, parts } => {
                        output.ignored = ignored;
                        output.continuation = !ignored;
                        if let (Some(offset), Some(&(_, len))) = (base, parts.last()) {
                            output.pdu_head = Some(offset..offset + len);
                        }
                        output.joined = Some(Box::new(parts.into_vec()));
                        continue;
                    }
                };
                let record =
                    self.record(dir, header, loc, segments, &record_bytes, keylog, arenas, &mut output);
                output.records.push(record);
            }
        }
        output
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        dir: usize,
        header: RecordHeader,
        loc: Loc,
        segments: SmallVec<[(u64, usize); 4]>,
        record_bytes: &[u8],
        keylog: &KeyLog,
        arenas: &mut Arenas,
        output: &mut Output,
    ) -> RecordOut {
        // An SSL 2.0-compatible ClientHello: its sender is the client; nothing in it is read
        // for the session (its challenge is no TLS client random).
        if header.version == sslv2::VERSION {
            self.client.get_or_insert(dir);
            let (opaque, content, messages) = (false, ContentOut::Clear, SmallVec::new());
            return RecordOut { header, loc, segments, opaque, content, messages, resumed: false };
        }
        let body = &record_bytes[record::HEADER_LEN..];
        if self.record_version.is_none()
            && matches!(header.version, 0x0300..=0x0304 | 0x0101)
            && authoritative(header.content_type, body.first().copied())
        {
            self.record_version = Some(header.version);
        }
        let direction = &self.directions[dir];
        let protected = header.content_type != content_type::CHANGE_CIPHER_SPEC
            && (header.content_type == content_type::APPLICATION_DATA || direction.protected);
        // A TLS 1.3 record hides its type; so do 0-RTT records, sent before the version is
        // settled by a client that offered TLS 1.3.
        let opaque = protected
            && (self.version == Some(0x0304) || (self.version.is_none() && self.client_offered_tls13));
        let direction = &mut self.directions[dir];
        direction.had_keys |= !direction.candidates.is_empty();
        if protected && !direction.had_keys {
            self.late_keys(dir, keylog);
        }
        let (content, content_loc, plaintext) = if protected {
            match self.decrypt(dir, &header, body, &mut arenas.decrypted) {
                Ok((content_type, range)) => {
                    // Handshake plaintext is read while the arena grows, so it is taken out;
                    // application data is only located.
                    let plaintext = if content_type == content_type::HANDSHAKE {
                        arenas.decrypted[range.clone()].to_vec()
                    } else {
                        Vec::new()
                    };
                    let loc = Loc::Decrypted(range);
                    (
                        ContentOut::Decrypted { content_type, plaintext: loc.clone() },
                        Some(loc),
                        Some(plaintext),
                    )
                }
                Err(reason) => (ContentOut::Encrypted(reason), None, None),
            }
        } else {
            (ContentOut::Clear, Some(offset_loc(&loc, record::HEADER_LEN)), None)
        };
        if let ContentOut::Encrypted(Undecrypted::Failed(reason)) = &content {
            output.problems.push(reason.clone());
        }
        let real_type = match &content {
            ContentOut::Decrypted { content_type, .. } => Some(*content_type),
            ContentOut::Clear => Some(header.content_type),
            ContentOut::Encrypted(_) => None,
        };
        let mut messages = SmallVec::new();
        let mut resumed = false;
        match (real_type, content_loc) {
            (Some(content_type::HANDSHAKE), Some(content_loc)) => {
                let decrypted = plaintext.is_some();
                let content = plaintext.as_deref().unwrap_or(body);
                messages = self.handshake(dir, content, content_loc, decrypted, keylog, arenas, output);
            }
            (Some(content_type::CHANGE_CIPHER_SPEC), _) => {
                let direction = &mut self.directions[dir];
                // Before TLS 1.3 (and never before the ServerHello, where only TLS 1.3's
                // compatibility ChangeCipherSpec can come) the side encrypts from here on; so
                // it does in a session picked up mid-stream, whose hellos were never seen.
                let mid_stream = self.client_random.is_none() && self.server_random.is_none();
                if self.version.map_or(mid_stream, |version| version < 0x0304) {
                    let resumption = &mut self.resumption;
                    if Some(dir) != self.client {
                        resumption.resumed |=
                            !resumption.server_hello_done && (resumption.ticket || resumption.session_id);
                        resumed = resumption.resumed;
                    }
                    direction.protected = true;
                    direction.candidates.clear();
                    if let Some(keys) = direction.pending.take() {
                        direction.candidates.push(Candidate { keys, epoch: Epoch::Application });
                    }
                    direction.seq = 0;
                }
            }
            _ => {}
        }
        RecordOut { header, loc, segments, opaque, content, messages, resumed }
    }

    /// Reassembles handshake messages from one record's content, follows the session through
    /// them, and returns where the messages this record completed are.
    #[allow(clippy::too_many_arguments)]
    fn handshake(
        &mut self,
        dir: usize,
        content: &[u8],
        content_loc: Loc,
        decrypted: bool,
        keylog: &KeyLog,
        arenas: &mut Arenas,
        output: &mut Output,
    ) -> SmallVec<[Loc; 2]> {
        let mut locs = SmallVec::new();
        let mut at = 0;
        let pending = &mut self.directions[dir].handshake;
        let mut completed: Vec<Vec<u8>> = Vec::new();
        if !pending.is_empty() {
            // Finish the message begun in an earlier record first.
            let mut need = handshake::announced_len(pending).unwrap_or(handshake::HEADER_LEN);
            while pending.len() < need && at < content.len() {
                let take = (need - pending.len()).min(content.len() - at);
                pending.extend_from_slice(&content[at..at + take]);
                at += take;
                need = handshake::announced_len(pending).unwrap_or(handshake::HEADER_LEN);
                if need > handshake::MAX_MESSAGE_LEN {
                    output.problems.push(format!(
                        "handshake message of {need} bytes is over the {} limit",
                        handshake::MAX_MESSAGE_LEN
                    ));
                    pending.clear();
                    return locs;
                }
            }
            if pending.len() == need && need >= handshake::HEADER_LEN {
                completed.push(std::mem::take(pending));
            } else {
                return locs;
            }
        }
        for message in completed {
            let arena = if decrypted { &mut arenas.decrypted } else { &mut arenas.stream };
            let loc = copy_into(arena, &message, if decrypted { Loc::Decrypted } else { Loc::Stream });
            self.message(dir, &message, keylog);
            locs.push(loc);
        }
        let (messages, rest) = handshake::split_messages(&content[at..]);
        for message in &messages {
            let start = at + crate::dissect::field_offset(&content[at..], message.bytes);
            locs.push(offset_range(&content_loc, start, message.bytes.len()));
            self.message(dir, message.bytes, keylog);
        }
        if !rest.is_empty() {
            let too_long = handshake::announced_len(rest).is_some_and(|len| len > handshake::MAX_MESSAGE_LEN);
            if too_long {
                output
                    .problems
                    .push("a handshake message's length overruns the limit; it is skipped".to_owned());
            } else {
                self.directions[dir].handshake.extend_from_slice(rest);
            }
        }
        locs
    }

    /// Follows the session through one whole handshake message.
    fn message(&mut self, dir: usize, bytes: &[u8], keylog: &KeyLog) {
        let Some(&message_kind) = bytes.first() else { return };
        let message = handshake::Message { kind: message_kind, bytes };
        match message_kind {
            kind::CLIENT_HELLO => {
                let Some(hello) = message.hello() else { return };
                self.client = Some(dir);
                self.client_random = hello.client_random();
                self.client_offered_etm = hello.extension(extension::kind::ENCRYPT_THEN_MAC).is_some();
                self.early_data_offered = hello.extension(extension::kind::EARLY_DATA).is_some();
                self.client_offered_tls13 = hello
                    .extension(extension::kind::SUPPORTED_VERSIONS)
                    .and_then(|versions| versions.data.get(1..))
                    .is_some_and(|list| list.chunks_exact(2).any(|pair| pair == [0x03, 0x04]));
                self.server_name = hello.server_name().map(str::to_owned);
                self.resumption.ticket = hello
                    .extension(extension::kind::SESSION_TICKET)
                    .is_some_and(|ticket| !ticket.data.is_empty());
                self.resumption.server_hello_done = false;
                self.refresh_secrets(keylog);
                if self.early_data_offered && self.directions[dir].candidates.is_empty() {
                    self.early_keys(dir);
                }
            }
            kind::SERVER_HELLO => {
                let Some(hello) = message.hello() else { return };
                let version = hello.selected_version();
                self.version = Some(version);
                if message.is_hello_retry_request() {
                    self.hello_retry = true;
                    return;
                }
                let client = self.client.unwrap_or(1 - dir);
                self.client = Some(client);
                self.server_random = hello.client_random();
                self.resumption.session_id = !hello.session_id.is_empty();
                self.cipher_suite = hello.cipher_suite();
                self.key_exchange = KeyExchange::of_suite(self.cipher_suite);
                self.encrypt_then_mac =
                    self.client_offered_etm && hello.extension(extension::kind::ENCRYPT_THEN_MAC).is_some();
                if let Some(protocol) = hello.alpn().next() {
                    self.alpn = Some(protocol.to_vec());
                }
                // A key log followed live may have gained the secrets since the ClientHello.
                self.refresh_secrets(keylog);
                self.server_hello_keys(dir, client, &hello);
            }
            kind::ENCRYPTED_EXTENSIONS => {
                let block = handshake_extensions(message.body());
                if let Some(alpn) = extension::walk(block).find(|e| e.kind == extension::kind::ALPN) {
                    self.alpn = alpn.alpn().next().map(<[u8]>::to_vec);
                }
            }
            kind::SERVER_HELLO_DONE => self.resumption.server_hello_done = true,
            kind::NEW_SESSION_TICKET if self.version.is_some_and(|version| version < 0x0304) => {
                self.resumption.ticket = true;
            }
            kind::END_OF_EARLY_DATA => {
                let direction = &mut self.directions[dir];
                if direction.candidates.first().is_some_and(|c| c.epoch == Epoch::Early) {
                    direction.candidates.remove(0);
                    direction.seq = 0;
                }
            }
            kind::FINISHED if self.version == Some(0x0304) => {
                self.refresh_secrets(keylog);
                let secret = self.secrets.as_ref().and_then(|secrets| {
                    if Some(dir) == self.client {
                        secrets.client_traffic.clone()
                    } else {
                        secrets.server_traffic.clone()
                    }
                });
                let keys = self.tls13_keys(secret.as_deref());
                let direction = &mut self.directions[dir];
                direction.candidates.clear();
                direction.candidates.extend(keys.map(|keys| Candidate { keys, epoch: Epoch::Application }));
                direction.seq = 0;
            }
            kind::KEY_UPDATE => {
                let direction = &mut self.directions[dir];
                if let Some(current) = direction.candidates.first_mut()
                    && current.keys.update()
                {
                    direction.seq = 0;
                }
            }
            _ => {}
        }
    }

    /// Whether the session's version, as Wireshark keeps it, is TLS 1.0 to 1.2 or TLCP: the
    /// negotiated one, else the first record's that says one.
    fn version_known(&self) -> bool {
        matches!(self.version.or(self.record_version), Some(0x0301..=0x0303 | 0x0101))
    }

    /// How many of `len` bytes held `ahead` bytes past what direction `dir` delivered belong
    /// to the record in progress (see [`Framer::inside_record`]).
    pub fn inside_record(&self, dir: usize, ahead: u64, len: usize) -> usize {
        self.directions[dir].framer.inside_record(ahead, len)
    }

    /// The direction of the client, once known.
    pub fn client(&self) -> Option<usize> {
        self.client
    }

    /// Bytes buffered for records and messages in progress.
    pub fn buffered(&self) -> usize {
        self.directions.iter().map(|d| d.framer.pending() + d.handshake.len()).sum()
    }
}

/// Whether a record's version is the session's for Wireshark (`ssl_try_set_version`): any
/// record type it knows but handshake, and a handshake record whose first message is of a
/// known type other than ClientHello.
fn authoritative(content_type: u8, first_byte: Option<u8>) -> bool {
    match content_type {
        content_type::HANDSHAKE => {
            matches!(first_byte, Some(0 | 2 | 4..=6 | 8 | 11..=16 | 20..=25 | 67))
        }
        20..=25 => true,
        _ => false,
    }
}

/// The extensions block of an EncryptedExtensions body.
fn handshake_extensions(body: &[u8]) -> &[u8] {
    let Some(len) = body.get(..2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]]))) else { return &[] };
    body.get(2..2 + len).unwrap_or(&[])
}

#[cfg(test)]
mod tests;
