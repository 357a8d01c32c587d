//! SSH over a TCP connection (RFC 4253): each direction's stream cut into identification
//! lines, binary packets in the clear and, after that direction's NEWKEYS, encrypted bytes.
//!
//! Each direction goes through three phases: its identification line, its packets in the
//! clear (KEXINIT, the key exchange, NEWKEYS), then encryption. In the clear a packet spanning
//! segments is held until it is whole, then copied into the frame's stream arena; several in
//! one segment are each reported. Once encrypted, a packet's length is encrypted too (with
//! chacha20-poly1305 or AES-CTR), so a direction's bytes can no longer be framed without the
//! session keys: what each segment carries is reported as one encrypted item, as tshark does.
//! The key exchange method both KEXINITs agree (RFC 4253 7.1: the client's first that the
//! server also offers) says what messages 30 to 34 are. What a direction holds is bounded:
//! one item in progress, at most [`ssh::MAX_PACKET_LENGTH`] + 4 bytes, and each side's
//! `kex_algorithms` list, inside its KEXINIT; a length over the bound ends the reading of that
//! direction with its reason.

pub(super) mod layers;

use std::sync::Arc;

use super::stream::Chunk;
use super::tls::Loc;
use crate::dissect::ssh::{self, Failure, Kex, Known, kex::code};

/// What one direction of the connection is reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    #[default]
    Version,
    Clear,
    Encrypted,
    /// Given up after bytes that are not SSH, or a gap in the stream.
    Stopped,
}

#[derive(Clone, Debug, Default)]
struct Side {
    phase: Phase,
    /// The start of an item a later segment finishes.
    held: Vec<u8>,
    /// Its KEXINIT's name-lists the reading needs: `kex_algorithms`, then the ciphers, MACs
    /// and compressions, each client to server and server to client.
    proposal: Option<[Vec<u8>; 7]>,
    /// What this direction was agreed to encrypt and compress with, as tshark words it in a
    /// packet's title (`encryption:chacha20-poly1305@openssh.com compression:none`), once the
    /// server's key exchange reply is read.
    cipher: Option<Arc<str>>,
    /// Packets this direction sent in the clear: the next one's sequence number (RFC 4253
    /// 6.4: the first packet is 0, each packet adds one). tshark 4.0 numbers them alike after
    /// a curve25519 or ECDH exchange, and miscounts a group exchange's (it adds one before
    /// numbering some of its messages).
    sent: u32,
}

/// What an item completed in a segment is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Version,
    Packet(Kex),
    Encrypted,
}

/// One item a segment completed, and where its bytes are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completed {
    pub kind: Kind,
    pub loc: Loc,
    /// The message number, for a packet in the clear.
    pub message: Option<u8>,
    /// What was known when the item began: see [`Known`].
    pub known: Known,
}

/// What a segment produced.
#[derive(Clone, Debug, Default)]
pub struct Output {
    /// Sent by the server.
    pub from_server: bool,
    /// An identification line was read before this segment.
    pub version_known: bool,
    pub items: Vec<Completed>,
    /// Bytes of the segment wait for a later one to finish their item.
    pub pending: bool,
    /// Why the reading of this direction stopped, and where the bytes it gave up are.
    pub malformed: Option<(String, Loc)>,
    /// Stretches of the stream the capture missed.
    pub problems: Vec<String>,
    /// The shortest encrypted packet the server can send (see [`shortest_packet`]).
    pub shortest: Option<usize>,
}

/// The SSH reading of one connection.
#[derive(Clone, Debug)]
pub struct Reader {
    sides: [Side; 2],
    /// The direction (0 or 1, the conversation's) the client sends in.
    client: usize,
    kex: Kex,
    /// The key exchange algorithm agreed, by name.
    method: Option<Arc<str>>,
    /// The shortest packet the server's agreed cipher and MAC can make, on the wire.
    shortest: Option<usize>,
    version_known: bool,
}

impl Reader {
    /// A connection whose client sends in direction `client`.
    pub fn new(client: usize) -> Self {
        Self {
            sides: Default::default(),
            client,
            kex: Kex::Unknown,
            method: None,
            shortest: None,
            version_known: false,
        }
    }

    /// The key exchange method agreed, once both KEXINITs are read.
    pub fn kex(&self) -> Kex {
        self.kex
    }

    /// Reads what a segment of direction `dir` brought in order (`chunks`, within `payload`);
    /// items not wholly in the payload are copied into `arena`.
    pub fn feed(&mut self, dir: usize, payload: &[u8], chunks: &[Chunk], arena: &mut Vec<u8>) -> Output {
        let mut output = Output {
            from_server: dir != self.client,
            shortest: self.shortest,
            version_known: self.version_known,
            ..Output::default()
        };
        for chunk in chunks {
            match chunk {
                Chunk::Segment { start, len } => {
                    let bytes = payload.get(*start..start + len).unwrap_or(&[]);
                    self.read(dir, bytes, Some(*start), arena, &mut output);
                }
                Chunk::Held { bytes, .. } => self.read(dir, bytes, None, arena, &mut output),
                Chunk::Gap(_) => {
                    // Where the next packet starts is lost with the gap (unless encrypted,
                    // where no packet is framed anyway).
                    let side = &mut self.sides[dir.min(1)];
                    side.held.clear();
                    if side.phase != Phase::Encrypted {
                        side.phase = Phase::Stopped;
                    }
                }
            }
        }
        output.pending = !self.sides[dir.min(1)].held.is_empty();
        output
    }

    /// Reads `bytes`, which sit at `at` in the segment's payload (`None`: they are not in it).
    fn read(
        &mut self,
        dir: usize,
        bytes: &[u8],
        at: Option<usize>,
        arena: &mut Vec<u8>,
        output: &mut Output,
    ) {
        let dir = dir.min(1);
        let mut pos = 0;
        while pos < bytes.len() {
            let phase = self.sides[dir].phase;
            if phase == Phase::Stopped {
                return;
            }
            if phase == Phase::Encrypted {
                let loc = place(&bytes[pos..], at.map(|at| at + pos), arena);
                let known = self.known(dir);
                output.items.push(Completed { kind: Kind::Encrypted, loc, message: None, known });
                return;
            }
            let side = &mut self.sides[dir];
            let (item, taken) = if side.held.is_empty() {
                match parse(phase, &bytes[pos..]) {
                    Ok(len) => {
                        let loc = place(&bytes[pos..pos + len], at.map(|at| at + pos), arena);
                        (loc, len)
                    }
                    Err(Failure::Incomplete(_)) => {
                        side.held.extend_from_slice(&bytes[pos..]);
                        return;
                    }
                    Err(Failure::Malformed(reason)) => {
                        let loc = place(&bytes[pos..], at.map(|at| at + pos), arena);
                        return self.stop(dir, reason, loc, output);
                    }
                }
            } else {
                // Finish the held item one step at a time: each step takes only the bytes its
                // parser said it needs, so nothing past the item is copied.
                let need = match parse(phase, &side.held) {
                    Err(Failure::Incomplete(need)) => need,
                    _ => side.held.len(),
                };
                let take = need.saturating_sub(side.held.len()).max(1).min(bytes.len() - pos);
                side.held.extend_from_slice(&bytes[pos..pos + take]);
                match parse(phase, &side.held) {
                    Ok(_) => {
                        let start = arena.len();
                        arena.extend_from_slice(&side.held);
                        side.held.clear();
                        (Loc::Stream(start..arena.len()), take)
                    }
                    Err(Failure::Incomplete(_)) => {
                        pos += take;
                        continue;
                    }
                    Err(Failure::Malformed(reason)) => {
                        let start = arena.len();
                        arena.append(&mut side.held);
                        return self.stop(dir, reason, Loc::Stream(start..arena.len()), output);
                    }
                }
            };
            pos += taken;
            let item_bytes = match &item {
                Loc::Payload(range) => bytes.get(range.start - at.unwrap_or(0)..range.end - at.unwrap_or(0)),
                Loc::Stream(range) | Loc::Decrypted(range) => arena.get(range.clone()),
            };
            let item_bytes = item_bytes.unwrap_or(&[]).to_vec();
            self.completed(dir, phase, &item_bytes, item, output);
        }
    }

    /// Takes note of an item completed in the clear: a version line moves its direction on to
    /// packets, a KEXINIT may settle the method, a NEWKEYS turns encryption on.
    fn completed(&mut self, dir: usize, phase: Phase, bytes: &[u8], loc: Loc, output: &mut Output) {
        if phase == Phase::Version {
            self.sides[dir].phase = Phase::Clear;
            self.version_known = true;
            output.items.push(Completed { kind: Kind::Version, loc, message: None, known: Known::default() });
            return;
        }
        let payload = ssh::parse_packet(bytes).map(|(_, packet)| packet.payload).unwrap_or(&[]);
        let message = payload.first().copied();
        let mut known = self.known(dir);
        let side = &mut self.sides[dir];
        known.sequence = Some(side.sent);
        side.sent = side.sent.wrapping_add(1);
        output.items.push(Completed { kind: Kind::Packet(self.kex), loc, message, known });
        let reply = match self.kex {
            Kex::DhGex => code::KEX_DH_GEX_REPLY,
            _ => code::KEX_31,
        };
        match message {
            Some(code::KEXINIT) => {
                if let Ok(ssh::Message::KexInit { lists, .. }) = ssh::parse_message(self.kex, payload) {
                    self.sides[dir].proposal = Some([0, 2, 3, 4, 5, 6, 7].map(|list| lists[list].to_vec()));
                    self.agree();
                }
            }
            Some(code::NEWKEYS) => self.sides[dir].phase = Phase::Encrypted,
            // The server's reply settles the keys; from the next packet on, each direction's
            // packets are titled with its cipher.
            Some(code) if code == reply && dir != self.client.min(1) => self.name_ciphers(),
            _ => {}
        }
    }

    fn known(&self, dir: usize) -> Known {
        Known { method: self.method.clone(), cipher: self.sides[dir.min(1)].cipher.clone(), sequence: None }
    }

    /// Each direction's agreed cipher, MAC and compression, in words (see [`cipher_words`]).
    fn name_ciphers(&mut self) {
        let client = self.client.min(1);
        let to_server = cipher_words(&self.sides, client, true);
        let to_client = cipher_words(&self.sides, client, false);
        self.sides[client].cipher = to_server;
        self.sides[1 - client].cipher = to_client;
    }

    /// RFC 4253 7.1: "the chosen key exchange algorithm MUST be the first algorithm on the
    /// client's name-list that is also supported by the server".
    fn agree(&mut self) {
        let Some(chosen) = chooser(&self.sides, self.client) else { return };
        self.kex = chosen(0).map(Kex::from_name).unwrap_or_default();
        self.method = chosen(0).map(|name| Arc::from(String::from_utf8_lossy(name)));
        self.shortest = chosen(2).and_then(|cipher| shortest_packet(cipher, chosen(4).unwrap_or_default()));
    }

    fn stop(&mut self, dir: usize, reason: &str, loc: Loc, output: &mut Output) {
        let side = &mut self.sides[dir];
        side.phase = Phase::Stopped;
        side.held = Vec::new();
        output.malformed = Some((reason.to_owned(), loc));
    }

    /// What the reading holds, in bytes.
    pub fn cost(&self) -> usize {
        size_of::<Self>()
            + self
                .sides
                .iter()
                .map(|side| {
                    let proposal =
                        side.proposal.as_ref().map_or(0, |lists| lists.iter().map(Vec::capacity).sum());
                    let cipher = side.cipher.as_ref().map_or(0, |cipher| cipher.len());
                    side.held.capacity() + proposal + cipher
                })
                .sum::<usize>()
    }

    /// Bytes of an item in progress.
    pub fn buffered(&self) -> usize {
        self.sides.iter().map(|side| side.held.len()).sum()
    }

    /// Gives up the items in progress; each direction goes on as after a gap.
    pub fn shed(&mut self) {
        for side in &mut self.sides {
            if !side.held.is_empty() {
                side.held = Vec::new();
                side.phase = Phase::Stopped;
            }
        }
    }
}

/// What both KEXINITs agree on, list by list (the index into `Side::proposal`), once both are
/// read (`client` is the client's side): RFC 4253 7.1, the first name on the client's list
/// that the server also offers.
fn chooser<'a>(sides: &'a [Side; 2], client: usize) -> Option<impl Fn(usize) -> Option<&'a [u8]> + 'a> {
    let client = client.min(1);
    let (Some(offered), Some(accepted)) = (&sides[client].proposal, &sides[1 - client].proposal) else {
        return None;
    };
    Some(move |index: usize| {
        let server: Vec<&[u8]> = accepted[index].split(|&byte| byte == b',').collect();
        offered[index].split(|&byte| byte == b',').find(|name| server.contains(name))
    })
}

/// A direction's agreed cipher, MAC and compression, in words: `encryption:…`, then `mac:…`
/// unless the cipher is an AEAD one that brings its own tag (tshark names no MAC for
/// chacha20-poly1305), then `compression:…`; `client` is the client's side.
fn cipher_words(sides: &[Side; 2], client: usize, to_server: bool) -> Option<Arc<str>> {
    let choose = chooser(sides, client)?;
    let chosen = |index: usize| choose(index).map(|name| String::from_utf8_lossy(name).into_owned());
    // Lists 1 to 6: ciphers, MACs, compressions, each client to server then server to client.
    let way = usize::from(!to_server);
    let mut words = Vec::new();
    let cipher = chosen(1 + way);
    if let Some(cipher) = &cipher {
        words.push(format!("encryption:{cipher}"));
    }
    let aead = cipher.as_deref().is_some_and(|cipher| AEAD.contains(&cipher));
    if let Some(mac) = chosen(3 + way).filter(|_| !aead) {
        words.push(format!("mac:{mac}"));
    }
    if let Some(compression) = chosen(5 + way) {
        words.push(format!("compression:{compression}"));
    }
    (!words.is_empty()).then(|| Arc::from(words.join(" ")))
}

/// Ciphers that authenticate what they encrypt, so that no MAC is agreed for them.
const AEAD: &[&str] = &["chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"];

/// The shortest packet `cipher` with `mac` puts on the wire: a one-byte message (such as
/// USERAUTH_SUCCESS, RFC 4252 5.1) with the least padding RFC 4253 6 allows (4 bytes, up to
/// the cipher's block; the length field counts in that block unless it travels apart: AEAD
/// ciphers and encrypt-then-MAC), then the tag or MAC. `None` for a cipher not listed here.
pub fn shortest_packet(cipher: &[u8], mac: &[u8]) -> Option<usize> {
    let mac = std::str::from_utf8(mac).unwrap_or_default();
    let etm = mac.ends_with("-etm@openssh.com");
    // An AEAD cipher ignores the MAC agreed.
    let mac_len = || match mac.trim_end_matches("-etm@openssh.com").trim_end_matches("@openssh.com") {
        "hmac-sha2-256" => Some(32),
        "hmac-sha2-512" => Some(64),
        "hmac-sha1" => Some(20),
        "hmac-md5" | "umac-128" => Some(16),
        "umac-64" => Some(8),
        _ => None,
    };
    let padded = |block: usize, length_apart: bool| {
        let least: usize = if length_apart { 1 + 1 + 4 } else { 4 + 1 + 1 + 4 };
        let body = least.div_ceil(block) * block;
        if length_apart { 4 + body } else { body }
    };
    Some(match cipher {
        b"chacha20-poly1305@openssh.com" => padded(8, true) + 16,
        b"aes128-gcm@openssh.com" | b"aes256-gcm@openssh.com" => padded(16, true) + 16,
        b"aes128-ctr" | b"aes192-ctr" | b"aes256-ctr" | b"aes128-cbc" | b"aes256-cbc" => {
            padded(16, etm) + mac_len()?
        }
        b"3des-cbc" => padded(8, etm) + mac_len()?,
        _ => return None,
    })
}

/// How many bytes the item at the start of `input` takes, in a direction's `phase`.
fn parse(phase: Phase, input: &[u8]) -> Result<usize, Failure> {
    match phase {
        Phase::Version => ssh::parse_version(input).map(|(len, _)| len),
        _ => ssh::parse_packet(input).map(|(len, _)| len),
    }
}

/// Where an item's bytes are: in the payload at `at`, or copied into the arena.
fn place(bytes: &[u8], at: Option<usize>, arena: &mut Vec<u8>) -> Loc {
    match at {
        Some(at) => Loc::Payload(at..at + bytes.len()),
        None => {
            let start = arena.len();
            arena.extend_from_slice(bytes);
            Loc::Stream(start..arena.len())
        }
    }
}

#[cfg(test)]
mod tests;
