//! DTLS sessions across datagrams: which side is the client, the session's version, its
//! handshake messages reassembled from their fragments, and its records decrypted with the
//! key log: DTLS 1.2's with the master secret, DTLS 1.3's with the traffic secrets
//! (`epochs.rs`: its epochs and record numbers).
//!
//! A session is one UDP conversation, found by its endpoints; it starts at a ClientHello (or
//! at the first record a port or the heuristic handed to DTLS). What it holds across frames is
//! bounded: a few incomplete messages a direction (`reassembly.rs`), the hello randoms and the
//! record keys; the table is a [`Holder`] under the memory budget. The output names ranges of
//! the datagram and of the frame's arenas, from which `layers.rs` builds the `Dtls` layer.
//!
//! Left out: DTLS 1.2 renegotiation (keys beyond epoch 1), connection IDs negotiated for the
//! unified header.

mod epochs;
pub(super) mod layers;
mod reassembly;

use std::ops::Range;

use smallvec::SmallVec;

use super::budget::{ENTRY_OVERHEAD, Holder, Shed};
use super::conversation::{Endpoint, Key};
use super::cow::{Census, CowMap, CowQueue};
use super::keylog::KeyLog;
use super::tls::Arenas;
use crate::crypto::dtls13::Dtls13Keys;
use crate::crypto::{self, RecordKeys};
use crate::dissect::dtls::record::{self, FRAGMENT_HEADER_LEN, FragmentHeader, Header, version};
use crate::dissect::tls::Undecrypted;
use crate::dissect::tls::extension;
use crate::dissect::tls::handshake::{self, Hello, KeyExchange};
use crate::dissect::tls::record::content_type;
use crate::osi::Protocol;
use epochs::Epochs;
use reassembly::{Added, Reassembly};

/// How many sessions the table keeps before it forgets the oldest.
const MAX_SESSIONS: usize = 4096;

/// Where bytes of the output are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Loc {
    /// In the datagram (the UDP payload).
    Payload(Range<usize>),
    /// In the frame's arena of reassembled bytes.
    Stream(Range<usize>),
    /// In the frame's arena of decrypted bytes.
    Decrypted(Range<usize>),
}

/// What became of a record's content.
#[derive(Debug, PartialEq, Eq)]
pub enum ContentOut {
    Clear,
    Decrypted { content_type: u8, plaintext: Loc },
    Encrypted(Undecrypted),
}

/// What a fragment did to its message.
#[derive(Debug, PartialEq, Eq)]
pub enum AssemblyOut {
    Whole,
    Part,
    Reassembled { body: Loc, pieces: SmallVec<[(u64, usize); 4]> },
    Outside(String),
}

/// One handshake fragment of a record.
#[derive(Debug)]
pub struct FragmentOut {
    pub header: FragmentHeader,
    /// The fragment's header and bytes.
    pub loc: Loc,
    pub assembly: AssemblyOut,
}

/// One record of the datagram.
#[derive(Debug)]
pub struct RecordOut {
    /// The record in the datagram.
    pub range: Range<usize>,
    pub header_len: usize,
    pub content: ContentOut,
    pub fragments: SmallVec<[FragmentOut; 2]>,
    /// The session's version as it stood when the record was read, before any ServerHello
    /// in it: the version tshark names the record by.
    pub session_version: Option<u16>,
}

/// What one datagram produced.
#[derive(Debug, Default)]
pub struct Output {
    pub records: Vec<RecordOut>,
    /// The session's version after each record, as the Protocol column follows it.
    pub version: Option<u16>,
    /// The key exchange of the suite the session chose, for reading a ClientKeyExchange.
    pub key_exchange: KeyExchange,
    /// The connection ID length the unified headers were read with.
    pub connection_id_len: usize,
    /// Bytes after the last record that could be read, and why they could not.
    pub undecoded: Option<(usize, String)>,
    /// Handshake fragments that could not be placed: where and why.
    pub outside: Vec<(Loc, String)>,
    /// Decrypted application data, to be shown as the layer above.
    pub application_data: Vec<Loc>,
}

/// One direction of a session.
#[derive(Debug, Default, Clone)]
struct Direction {
    reassembly: Reassembly,
    /// Keys for epoch 1, once the key log and both hellos gave them.
    keys: Option<RecordKeys>,
    /// DTLS 1.3's keys and record numbers.
    epochs: Epochs,
}

/// One DTLS session.
#[derive(Debug, Default, Clone)]
struct Session {
    directions: [Direction; 2],
    /// Index of the client's direction (0: from the key's low side), once a ClientHello was seen.
    client: Option<usize>,
    client_random: Option<[u8; 32]>,
    server_random: Option<[u8; 32]>,
    cipher_suite: Option<u16>,
    /// The chosen suite's key exchange, which a ClientKeyExchange is read by.
    key_exchange: KeyExchange,
    client_offered_etm: bool,
    encrypt_then_mac: bool,
    version: Option<u16>,
    /// The keys were looked for and are not there.
    no_key: bool,
}

impl Session {
    /// Its bytes: itself, its handshake messages in reassembly, and its key schedules (boxed).
    fn held(&self) -> usize {
        let held = |direction: &Direction| {
            let keys = usize::from(direction.keys.is_some()) + direction.epochs.keys();
            direction.reassembly.held() + keys * crate::crypto::KEY_BYTES
        };
        size_of::<Self>() + self.directions.iter().map(held).sum::<usize>()
    }
}

/// Every DTLS session seen.
#[derive(Debug, Default, Clone)]
pub struct DtlsTable {
    sessions: CowMap<Key, Session>,
    /// Sessions in the order they began, for shedding the oldest.
    order: CowQueue<Key>,
    held: usize,
}

impl DtlsTable {
    /// Whether a session between these endpoints is known (so a datagram that the heuristic
    /// would not accept, such as a DTLS 1.3 unified header, is still DTLS).
    pub fn knows(&self, src: Endpoint, dst: Endpoint) -> bool {
        self.sessions.contains_key(&Key::of(src, dst).0)
    }

    /// Reads one datagram between `src` and `dst`, seen in `frame`.
    pub fn datagram(
        &mut self,
        payload: &[u8],
        src: Endpoint,
        dst: Endpoint,
        frame: u64,
        keylog: &KeyLog,
        arenas: &mut Arenas,
    ) -> Output {
        let (key, from_low) = Key::of(src, dst);
        let dir = usize::from(!from_low);
        if !self.sessions.contains_key(&key) {
            if self.order.len() >= MAX_SESSIONS {
                self.forget_oldest();
            }
            self.order.push_back(key);
            let session = Session::default();
            self.held += session.held() + size_of::<Key>() * 2 + ENTRY_OVERHEAD;
            self.sessions.insert(key, session);
        }
        let Some(session) = self.sessions.get_mut(&key) else { return Output::default() };
        let before = session.held();
        let output = session.datagram(payload, dir, frame, keylog, arenas);
        self.held = self.held + session.held() - before;
        output
    }

    fn forget_oldest(&mut self) -> Option<Key> {
        let key = self.order.pop_front()?;
        if let Some(session) = self.sessions.remove(&key) {
            self.held = self.held.saturating_sub(session.held() + size_of::<Key>() * 2 + ENTRY_OVERHEAD);
        }
        Some(key)
    }
}

impl Holder for DtlsTable {
    fn held(&self) -> usize {
        self.held
    }

    fn freeze(&mut self) {
        self.sessions.freeze();
    }

    fn census(&self, census: &mut Census) {
        // A session's own size is in its entry; what it holds besides is its own.
        self.sessions.census(census, |session, census| census.own(session.held() - size_of::<Session>()));
        self.order.census(census);
    }

    /// Gives up the handshake messages in reassembly first, then the oldest session.
    fn shed(&mut self) -> Option<Shed> {
        // Looked at before it is changed: changing a session a copy shares copies it.
        let reassembling = |session: &Session| session.directions.iter().any(|d| d.reassembly.held() > 0);
        let key = self.order.iter().find(|key| self.sessions.get(key).is_some_and(reassembling)).copied();
        if let Some(session) = key.and_then(|key| self.sessions.get_mut(&key)) {
            let before = session.held();
            session.directions.iter_mut().for_each(|direction| _ = direction.reassembly.clear());
            self.held = self.held + session.held() - before;
            return Some(Shed { protocol: Protocol::Dtls, what: "DTLS handshake reassembly".into() });
        }
        self.forget_oldest()
            .map(|_| Shed { protocol: Protocol::Dtls, what: "the oldest DTLS session".into() })
    }
}

impl Session {
    fn datagram(
        &mut self,
        payload: &[u8],
        dir: usize,
        frame: u64,
        keylog: &KeyLog,
        arenas: &mut Arenas,
    ) -> Output {
        let mut output = Output::default();
        let mut at = 0;
        while at < payload.len() {
            let parsed = match record::parse(&payload[at..], 0) {
                Ok(parsed) => parsed,
                Err(error) => {
                    output.undecoded = Some((at, error.to_string()));
                    break;
                }
            };
            let range = at..at + parsed.total_len();
            let body_at = at + parsed.header_len;
            at = range.end;
            let content = match parsed.header {
                Header::Unified { .. } => {
                    self.open_unified(&payload[range.clone()], &parsed, dir, keylog, arenas)
                }
                Header::Plain { .. } => self.content(&parsed, dir, keylog, arenas),
            };
            // Wireshark takes the session's version from the first record that is not a
            // ClientHello, until a ServerHello says.
            if let (None, Header::Plain { content_type, version, .. }) = (self.version, parsed.header)
                && takes_version(content_type, parsed.body.first().copied())
                && matches!(version, version::DTLS_1_0 | version::DTLS_1_2 | version::DTLS_1_0_OPENSSL)
            {
                self.version = Some(version);
            }
            let mut out = RecordOut {
                range,
                header_len: parsed.header_len,
                content,
                fragments: SmallVec::new(),
                session_version: self.version,
            };
            let readable = match &out.content {
                ContentOut::Clear => parsed
                    .header
                    .content_type()
                    .map(|kind| (kind, Loc::Payload(body_at..body_at + parsed.body.len()))),
                ContentOut::Decrypted { content_type, plaintext } => Some((*content_type, plaintext.clone())),
                ContentOut::Encrypted(_) => None,
            };
            match readable {
                Some((content_type::HANDSHAKE, loc)) => {
                    self.fragments(&mut out, payload, loc, dir, frame, arenas, &mut output);
                }
                Some((content_type::APPLICATION_DATA, loc @ Loc::Decrypted(_))) => {
                    output.application_data.push(loc)
                }
                _ => {}
            }
            output.version = self.version;
            output.records.push(out);
        }
        output.version = self.version;
        output.key_exchange = self.key_exchange;
        output
    }

    /// Decrypts a record's body when its epoch is protected and the keys are known.
    fn content(
        &mut self,
        parsed: &record::Parsed<'_>,
        dir: usize,
        keylog: &KeyLog,
        arenas: &mut Arenas,
    ) -> ContentOut {
        let (content_type, record_version, epoch, sequence_number, length) = match parsed.header {
            Header::Plain { content_type, version, epoch, sequence_number, length } => {
                (content_type, version, epoch, sequence_number, length)
            }
            Header::Unified { .. } => return ContentOut::Encrypted(Undecrypted::NoKey),
        };
        if epoch == 0 {
            return ContentOut::Clear;
        }
        if epoch > 1 {
            return ContentOut::Encrypted(Undecrypted::Failed(format!(
                "epoch {epoch}: renegotiation is not followed"
            )));
        }
        if self.directions[dir].keys.is_none() {
            self.set_up_keys(keylog);
        }
        let Some(keys) = &self.directions[dir].keys else { return ContentOut::Encrypted(Undecrypted::NoKey) };
        let [v0, v1] = record_version.to_be_bytes();
        let [l0, l1] = length.to_be_bytes();
        let seq = (u64::from(epoch) << 48) | sequence_number;
        let start = arenas.decrypted.len();
        match keys.decrypt(seq, &[content_type, v0, v1, l0, l1], parsed.body, &mut arenas.decrypted) {
            Ok(inner) => ContentOut::Decrypted {
                content_type: inner,
                plaintext: Loc::Decrypted(start..arenas.decrypted.len()),
            },
            Err(error) => ContentOut::Encrypted(Undecrypted::Failed(error.to_string())),
        }
    }

    /// Opens a DTLS 1.3 record with a unified header, once the key log gave the session's
    /// traffic secrets.
    fn open_unified(
        &mut self,
        bytes: &[u8],
        parsed: &record::Parsed<'_>,
        dir: usize,
        keylog: &KeyLog,
        arenas: &mut Arenas,
    ) -> ContentOut {
        let Header::Unified { flags, connection_id, .. } = parsed.header else { return ContentOut::Clear };
        if !self.directions[dir].epochs.has_keys() {
            self.set_up_tls13_keys(keylog);
        }
        if !self.directions[dir].epochs.has_keys() {
            return ContentOut::Encrypted(Undecrypted::NoKey);
        }
        let (_, _, seq16, _, _) = Header::unified_flags(flags);
        let sequence_at = 1 + connection_id.len();
        let start = arenas.decrypted.len();
        let opened = self.directions[dir].epochs.open(
            bytes,
            parsed.header_len,
            sequence_at,
            if seq16 { 2 } else { 1 },
            &mut arenas.decrypted,
        );
        match opened {
            Ok(content_type) => ContentOut::Decrypted {
                content_type,
                plaintext: Loc::Decrypted(start..arenas.decrypted.len()),
            },
            Err(reason) => ContentOut::Encrypted(Undecrypted::Failed(reason)),
        }
    }

    /// Derives both directions' DTLS 1.3 keys from the key log's traffic secrets.
    fn set_up_tls13_keys(&mut self, keylog: &KeyLog) {
        let (Some(client_random), Some(id), Some(client)) =
            (self.client_random, self.cipher_suite, self.client)
        else {
            return;
        };
        let (Some(secrets), Some(suite)) = (keylog.get(&client_random), crypto::suite(id)) else {
            self.no_key = true;
            return;
        };
        let keys = |secret: &Option<Vec<u8>>| secret.as_deref().and_then(|s| Dtls13Keys::new(&suite, s));
        self.directions[client].epochs = Epochs::new(
            keys(&secrets.client_early),
            keys(&secrets.client_handshake),
            keys(&secrets.client_traffic),
        );
        self.directions[1 - client].epochs =
            Epochs::new(None, keys(&secrets.server_handshake), keys(&secrets.server_traffic));
    }

    /// Derives both directions' epoch-1 keys from the key log, once both hellos were seen.
    fn set_up_keys(&mut self, keylog: &KeyLog) {
        let (Some(client_random), Some(server_random), Some(id), Some(client)) =
            (self.client_random, self.server_random, self.cipher_suite, self.client)
        else {
            return;
        };
        let Some(master) = keylog.get(&client_random).and_then(|secrets| secrets.master_secret.as_deref())
        else {
            self.no_key = true;
            return;
        };
        let Some(suite) = crypto::suite(id) else { return };
        if let Some((client_keys, server_keys)) =
            RecordKeys::tls12(&suite, master, &client_random, &server_random, self.encrypt_then_mac)
        {
            self.directions[client].keys = Some(client_keys);
            self.directions[1 - client].keys = Some(server_keys);
        }
    }

    /// Reads the handshake fragments of a record's content at `loc` (in `payload`, or in the
    /// decrypted arena), reassembling the messages they cut.
    #[allow(clippy::too_many_arguments)]
    fn fragments(
        &mut self,
        out: &mut RecordOut,
        payload: &[u8],
        loc: Loc,
        dir: usize,
        frame: u64,
        arenas: &mut Arenas,
        output: &mut Output,
    ) {
        let (range, decrypted) = match &loc {
            Loc::Payload(range) => (range.clone(), false),
            Loc::Decrypted(range) => (range.clone(), true),
            Loc::Stream(_) => return,
        };
        let at_loc =
            |range: Range<usize>| if decrypted { Loc::Decrypted(range) } else { Loc::Payload(range) };
        let mut at = range.start;
        while at < range.end {
            let content =
                if decrypted { arenas.decrypted.get(at..range.end) } else { payload.get(at..range.end) };
            let Some(content) = content else { return };
            let (header, bytes) = match record::parse_fragment(content) {
                Ok(parsed) => parsed,
                Err(error) => {
                    output.outside.push((at_loc(at..range.end), error.to_string()));
                    return;
                }
            };
            let fragment_range = at..at + FRAGMENT_HEADER_LEN + bytes.len();
            at = fragment_range.end;
            let assembly = if header.is_whole() {
                self.message(header.kind, bytes, dir);
                AssemblyOut::Whole
            } else {
                match self.directions[dir].reassembly.add(&header, bytes, frame) {
                    Added::Part => AssemblyOut::Part,
                    Added::Outside(reason) => {
                        output.outside.push((at_loc(fragment_range.clone()), reason.clone()));
                        AssemblyOut::Outside(reason)
                    }
                    Added::Complete { body, pieces } => {
                        self.message(header.kind, &body, dir);
                        let start = arenas.stream.len();
                        arenas.stream.extend_from_slice(&body);
                        AssemblyOut::Reassembled { body: Loc::Stream(start..arenas.stream.len()), pieces }
                    }
                }
            };
            out.fragments.push(FragmentOut { header, loc: at_loc(fragment_range), assembly });
        }
    }

    /// Learns what a whole handshake message says of the session: the hellos' randoms, the
    /// suite, the version, encrypt-then-MAC.
    fn message(&mut self, kind: u8, body: &[u8], dir: usize) {
        let Ok(hello) = Hello::parse_with(kind, body, true) else { return };
        match kind {
            handshake::kind::CLIENT_HELLO => {
                self.client = Some(dir);
                self.client_random = hello.client_random();
                self.client_offered_etm = hello.extension(extension::kind::ENCRYPT_THEN_MAC).is_some();
                // A new handshake (after a HelloVerifyRequest, the same randoms) takes new keys.
                for direction in &mut self.directions {
                    direction.keys = None;
                    direction.epochs = Epochs::default();
                }
            }
            handshake::kind::SERVER_HELLO => {
                self.server_random = hello.client_random();
                self.cipher_suite = hello.cipher_suite();
                self.key_exchange = KeyExchange::of_suite(self.cipher_suite);
                self.encrypt_then_mac =
                    self.client_offered_etm && hello.extension(extension::kind::ENCRYPT_THEN_MAC).is_some();
                self.version = Some(hello.selected_version());
            }
            _ => {}
        }
    }
}

/// Whether Wireshark takes the session's version from a record of `content_type` whose body
/// begins with `first`: a handshake record of a known message type other than a ClientHello,
/// or a record of any other known type (`ssl_is_authoritative_version_message`).
fn takes_version(content_type: u8, first: Option<u8>) -> bool {
    match content_type {
        content_type::HANDSHAKE => first.is_some_and(|kind| {
            kind != handshake::kind::CLIENT_HELLO && matches!(kind, 0..=6 | 8 | 11..=16 | 20..=25 | 67)
        }),
        content_type::CHANGE_CIPHER_SPEC
        | content_type::ALERT
        | content_type::APPLICATION_DATA
        | content_type::HEARTBEAT
        | record::content_type::TLS12_CID => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_record_but_a_client_hello_or_an_unknown_kind_gives_the_session_its_version() {
        assert!(!takes_version(content_type::HANDSHAKE, Some(handshake::kind::CLIENT_HELLO)));
        assert!(takes_version(content_type::HANDSHAKE, Some(handshake::kind::SERVER_HELLO)));
        assert!(takes_version(content_type::HANDSHAKE, Some(handshake::HELLO_VERIFY_REQUEST)));
        // An encrypted Finished whose first byte names no message, and an empty record.
        assert!(!takes_version(content_type::HANDSHAKE, Some(0x77)));
        assert!(!takes_version(content_type::HANDSHAKE, None));
        assert!(takes_version(content_type::ALERT, None));
        assert!(!takes_version(30, Some(2)));
    }

    /// Key schedules are boxed (half a kilobyte each, and most sessions have none), so the
    /// budget counts each one a session holds, on top of the session itself.
    #[test]
    fn a_session_with_keys_counts_each_key_schedule_it_holds() {
        use crate::capture::CaptureFile;
        use crate::track::{KeyLog, Scratch, Tracker};
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/interop");
        for name in ["dtls12-openssl", "dtls13-wolfssl"] {
            let capture = CaptureFile::open(&fixtures.join(format!("{name}.pcap"))).expect("the capture");
            let mut keylog = KeyLog::new();
            keylog.add_text(&std::fs::read(fixtures.join(format!("{name}.keys"))).expect("its key log"));
            let mut tracker = Tracker::with_keylog(keylog);
            for frame in capture.frames() {
                tracker.handle_frame(&frame.expect("a frame"), &mut Scratch::new());
            }
            let table = &tracker.dtls;
            let keys: usize = table
                .sessions
                .values()
                .into_iter()
                .flat_map(|session| &session.directions)
                .map(|direction| usize::from(direction.keys.is_some()) + direction.epochs.keys())
                .sum();
            assert!(keys >= 2, "{name}: both sides' keys: {keys}");
            let sessions = table.sessions.len() * size_of::<Session>();
            assert!(
                table.held() >= sessions + keys * crate::crypto::KEY_BYTES,
                "{name}: {} bytes",
                table.held()
            );
        }
    }
}
