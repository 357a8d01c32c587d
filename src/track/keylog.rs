//! Key material from an NSS key log (`SSLKEYLOGFILE`) or a pcapng Decryption Secrets Block,
//! by client random: the one place TLS over TCP and QUIC look up their secrets.
//!
//! ```text
//! <label> <client_random in hex> <secret in hex>
//! CLIENT_RANDOM                    TLS 1.2: the 48-byte master secret
//! CLIENT_EARLY_TRAFFIC_SECRET      TLS 1.3 (and QUIC): 0-RTT
//! CLIENT_HANDSHAKE_TRAFFIC_SECRET  SERVER_HANDSHAKE_TRAFFIC_SECRET
//! CLIENT_TRAFFIC_SECRET_0          SERVER_TRAFFIC_SECRET_0
//! EARLY_EXPORTER_SECRET  EXPORTER_SECRET  (exporters: read, not needed to decrypt)
//! RSA                              the pre-master secret by encrypted prefix: skipped
//! ```
//! Lines starting with `#` and blank lines are skipped. A line that does not parse is skipped
//! and counted, the first few kept with their numbers and reasons for the user; the rest of the
//! log is still used. Memory is bounded by the input: one entry per distinct client random,
//! and a fixed few warnings however many lines are junk.

use std::fmt;

use rustc_hash::FxHashMap;

use crate::dissect::field::Span;
use crate::dissect::tls::handshake;
use crate::dissect::{Content, Packet};
use crate::osi::Protocol;

/// The secrets logged for one connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Secrets {
    /// TLS 1.2 and earlier: the master secret.
    pub master_secret: Option<Vec<u8>>,
    pub client_early: Option<Vec<u8>>,
    pub client_handshake: Option<Vec<u8>>,
    pub server_handshake: Option<Vec<u8>>,
    pub client_traffic: Option<Vec<u8>>,
    pub server_traffic: Option<Vec<u8>>,
}

/// A key log line that could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Line number, from 1.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The lines of key log text that were skipped: how many, and the first few with why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Every line skipped.
    pub count: u64,
    /// The first [`Skipped::KEPT`] of them, in order.
    pub first: Vec<Warning>,
}

impl Skipped {
    /// How many skipped lines are kept to show.
    pub const KEPT: usize = 3;

    /// Counts one more skipped line, keeping it while fewer than [`Skipped::KEPT`] are kept.
    /// The reason is only made for a line that is kept.
    pub fn push(&mut self, line: usize, message: impl FnOnce() -> String) {
        self.count += 1;
        if self.first.len() < Self::KEPT {
            self.first.push(Warning { line, message: message() });
        }
    }

    /// Adds the lines another text skipped.
    pub fn merge(&mut self, other: Self) {
        self.count += other.count;
        let room = Self::KEPT.saturating_sub(self.first.len());
        self.first.extend(other.first.into_iter().take(room));
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

impl fmt::Display for Skipped {
    /// `2 lines skipped (line 3: unknown label X; line 9: ...)`, with `…` when more were.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.count == 1 { "" } else { "s" };
        write!(f, "{} line{plural} skipped (", self.count)?;
        for (index, warning) in self.first.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{warning}")?;
        }
        if self.count > self.first.len() as u64 {
            f.write_str("; …")?;
        }
        f.write_str(")")
    }
}

/// Every secret known, by client random.
#[derive(Clone, Debug, Default)]
pub struct KeyLog {
    by_random: FxHashMap<[u8; 32], Secrets>,
    /// The key log grows while the capture is read (`live --keylog`, followed as `tail -f`).
    followed: bool,
}

impl KeyLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty key log that will grow while the capture runs: a ClientHello whose client
    /// random it has no secret for is noted as such, since its secrets may still come.
    pub fn followed() -> Self {
        Self { followed: true, ..Self::default() }
    }

    /// Whether the key log grows while the capture runs.
    pub fn is_followed(&self) -> bool {
        self.followed
    }

    /// Adds the entries of key log text; returns the lines that were skipped.
    pub fn add_text(&mut self, text: &[u8]) -> Skipped {
        let mut skipped = Skipped::default();
        for (index, line) in text.split(|byte| *byte == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if let Err(message) = self.add_line(line) {
                skipped.push(index + 1, || message);
            }
        }
        skipped
    }

    fn add_line(&mut self, line: &[u8]) -> Result<(), String> {
        let text = std::str::from_utf8(line).map_err(|_| "not text".to_owned())?;
        let text = text.trim();
        if text.is_empty() || text.starts_with('#') {
            return Ok(());
        }
        let mut words = text.split_ascii_whitespace();
        // `RSA <first 8 bytes of the encrypted pre-master secret> <pre-master secret>`: logged
        // beside CLIENT_RANDOM by some clients; the master secret is what decryption uses.
        if words.clone().next() == Some("RSA") {
            return Ok(());
        }
        let (Some(label), Some(random), Some(secret), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return Err("expected three words: LABEL CLIENT_RANDOM SECRET".to_owned());
        };
        let random: [u8; 32] = decode_hex(random)
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| format!("the client random of {label} is not 32 bytes of hex"))?;
        let secret = decode_hex(secret).ok_or_else(|| format!("the secret of {label} is not hex"))?;
        if secret.is_empty() || secret.len() > 64 {
            return Err(format!("the secret of {label} is {} bytes long", secret.len()));
        }
        let entry = self.by_random.entry(random).or_default();
        let slot = match label {
            "CLIENT_RANDOM" => &mut entry.master_secret,
            "CLIENT_EARLY_TRAFFIC_SECRET" => &mut entry.client_early,
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET" => &mut entry.client_handshake,
            "SERVER_HANDSHAKE_TRAFFIC_SECRET" => &mut entry.server_handshake,
            "CLIENT_TRAFFIC_SECRET_0" => &mut entry.client_traffic,
            "SERVER_TRAFFIC_SECRET_0" => &mut entry.server_traffic,
            "EARLY_EXPORTER_SECRET" | "EXPORTER_SECRET" => return Ok(()),
            other => return Err(format!("unknown label {other}")),
        };
        *slot = Some(secret);
        Ok(())
    }

    pub fn get(&self, client_random: &[u8; 32]) -> Option<&Secrets> {
        self.by_random.get(client_random)
    }

    pub fn is_empty(&self) -> bool {
        self.by_random.is_empty()
    }

    /// How many connections have secrets.
    pub fn len(&self) -> usize {
        self.by_random.len()
    }

    /// The secrets as NSS key log text, a line per secret, by client random: what an export
    /// embeds in its Decryption Secrets Block.
    pub fn to_text(&self) -> String {
        let hex = |bytes: &[u8]| bytes.iter().map(|byte| format!("{byte:02x}")).collect::<String>();
        let mut randoms: Vec<&[u8; 32]> = self.by_random.keys().collect();
        randoms.sort();
        let mut text = String::new();
        for random in randoms {
            let secrets = &self.by_random[random];
            let labelled = [
                ("CLIENT_RANDOM", &secrets.master_secret),
                ("CLIENT_EARLY_TRAFFIC_SECRET", &secrets.client_early),
                ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", &secrets.client_handshake),
                ("SERVER_HANDSHAKE_TRAFFIC_SECRET", &secrets.server_handshake),
                ("CLIENT_TRAFFIC_SECRET_0", &secrets.client_traffic),
                ("SERVER_TRAFFIC_SECRET_0", &secrets.server_traffic),
            ];
            for (label, secret) in labelled {
                if let Some(secret) = secret {
                    text.push_str(&format!("{label} {} {}\n", hex(random), hex(secret)));
                }
            }
        }
        text
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| {
            let digit = |byte: u8| (byte as char).to_digit(16);
            Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
        })
        .collect()
}

/// The note on a ClientHello (TLS over TCP, or in a QUIC Initial) whose client random a
/// followed key log has no secret for yet.
pub const NO_SECRET_YET: &str = "no secret for this client random in the key log yet";

/// Client randoms of the ClientHellos a packet completed (over TCP or in QUIC CRYPTO frames)
/// that `keylog` has no secret for.
pub fn hellos_without_secrets(packet: &Packet<'_>, keylog: &KeyLog) -> Vec<(Protocol, [u8; 32])> {
    let mut unknown = Vec::new();
    for layer in &packet.layers {
        let (protocol, messages): (Protocol, Vec<&Span<'_>>) = match &layer.content {
            Content::Tls(tls) => {
                (Protocol::Tls, tls.records.iter().flat_map(|record| record.messages.iter()).collect())
            }
            Content::QuicTls(tls) => (Protocol::Quic, tls.messages.iter().collect()),
            _ => continue,
        };
        for span in messages {
            if let Some(random) = client_random(span)
                && keylog.get(&random).is_none()
            {
                unknown.push((protocol, random));
            }
        }
    }
    unknown
}

/// The client random of a ClientHello message; `None` for any other message.
fn client_random(span: &Span<'_>) -> Option<[u8; 32]> {
    let kind = span.bytes.first().copied()?;
    if kind != handshake::kind::CLIENT_HELLO {
        return None;
    }
    handshake::Message { kind, bytes: span.bytes }.hello()?.client_random()
}

/// How many TLS ClientHellos went by, and how many of their client randoms a key log knows: a
/// key log that knows none of them was written for another capture, which a user should hear
/// of rather than wonder why nothing is decrypted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HelloMatches {
    pub client_hellos: u64,
    pub matched: u64,
}

impl HelloMatches {
    /// Counts the ClientHellos a packet completed (over TCP or in QUIC CRYPTO frames).
    pub fn check(&mut self, packet: &Packet<'_>, keylog: &KeyLog) {
        if keylog.is_empty() {
            return;
        }
        for layer in &packet.layers {
            let messages: &[Span<'_>] = match &layer.content {
                Content::Tls(tls) => {
                    for record in &tls.records {
                        self.count(&record.messages, keylog);
                    }
                    continue;
                }
                Content::QuicTls(tls) => &tls.messages,
                _ => continue,
            };
            self.count(messages, keylog);
        }
    }

    fn count(&mut self, messages: &[Span<'_>], keylog: &KeyLog) {
        for span in messages {
            let kind = span.bytes.first().copied().unwrap_or(0);
            if kind != handshake::kind::CLIENT_HELLO {
                continue;
            }
            self.client_hellos += 1;
            let message = handshake::Message { kind, bytes: span.bytes };
            if let Some(random) = message.hello().and_then(|hello| hello.client_random())
                && keylog.get(&random).is_some()
            {
                self.matched += 1;
            }
        }
    }

    /// What to tell the user when the key log matched none of the ClientHellos seen.
    pub fn warning(&self) -> Option<String> {
        (self.client_hellos > 0 && self.matched == 0).then(|| {
            format!(
                "the key log matched none of the {} TLS ClientHellos: nothing decrypted with it",
                self.client_hellos
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RANDOM: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn every_label_is_filed_under_its_client_random() {
        let text = format!(
            "# a comment\n\nCLIENT_RANDOM {RANDOM} {}\r\nSERVER_HANDSHAKE_TRAFFIC_SECRET {RANDOM} {}\n\
             CLIENT_TRAFFIC_SECRET_0 {RANDOM} {}\nEXPORTER_SECRET {RANDOM} {}\n",
            "aa".repeat(48),
            "bb".repeat(32),
            "cc".repeat(48),
            "dd".repeat(32)
        );
        let mut log = KeyLog::new();
        assert!(log.add_text(text.as_bytes()).is_empty());
        let random: [u8; 32] = std::array::from_fn(|index| index as u8);
        let secrets = log.get(&random).expect("an entry");
        assert_eq!(secrets.master_secret, Some(vec![0xaa; 48]));
        assert_eq!(secrets.server_handshake, Some(vec![0xbb; 32]));
        assert_eq!(secrets.client_traffic, Some(vec![0xcc; 48]));
        assert_eq!(secrets.client_handshake, None);
    }

    #[test]
    fn a_bad_line_is_named_and_the_rest_is_used() {
        let text = format!(
            "CLIENT_RANDOM {RANDOM}\nCLIENT_RANDOM 0102 {}\nSOMETHING {RANDOM} 00\nCLIENT_RANDOM {RANDOM} zz\n\
             CLIENT_RANDOM {RANDOM} {}\n",
            "aa".repeat(48),
            "ab".repeat(48)
        );
        let mut log = KeyLog::new();
        let skipped = log.add_text(text.as_bytes());
        let lines: Vec<usize> = skipped.first.iter().map(|warning| warning.line).collect();
        assert_eq!((skipped.count, lines.as_slice()), (4, &[1, 2, 3][..]));
        assert_eq!(skipped.first[2].to_string(), "line 3: unknown label SOMETHING");
        assert_eq!(log.len(), 1);
        let random: [u8; 32] = std::array::from_fn(|index| index as u8);
        assert_eq!(log.get(&random).and_then(|s| s.master_secret.clone()), Some(vec![0xab; 48]));
    }

    /// Regression: every junk line made a warning string, so 52 MB of junk held 2.5 GB.
    #[test]
    fn junk_lines_are_counted_and_only_the_first_few_kept() {
        let junk = "this is not a key log line\n".repeat(100_000);
        let mut log = KeyLog::new();
        let skipped = log.add_text(junk.as_bytes());
        assert_eq!(skipped.count, 100_000);
        assert_eq!(skipped.first.len(), Skipped::KEPT);
        assert_eq!(skipped.first[1].line, 2);
        assert_eq!(
            skipped.to_string(),
            "100000 lines skipped (line 1: expected three words: LABEL CLIENT_RANDOM SECRET; \
             line 2: expected three words: LABEL CLIENT_RANDOM SECRET; \
             line 3: expected three words: LABEL CLIENT_RANDOM SECRET; …)"
        );
    }

    #[test]
    fn skipped_lines_of_several_texts_add_up_keeping_the_first() {
        let mut all = Skipped::default();
        all.merge(KeyLog::new().add_text(b"x\n"));
        all.merge(KeyLog::new().add_text(b"a\nb\nc\n"));
        assert_eq!(all.count, 4);
        let first: Vec<usize> = all.first.iter().map(|warning| warning.line).collect();
        assert_eq!(first, [1, 1, 2]);
        assert_eq!(
            KeyLog::new().add_text(b"one\n").to_string(),
            "1 line skipped (line 1: expected three words: LABEL CLIENT_RANDOM SECRET)"
        );
    }
}
