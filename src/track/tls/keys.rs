//! The keys a TLS session decrypts with: set up from the key log's secrets when a hello says
//! which suite and randoms apply, and tried on each protected record (past a gap, on a window
//! of sequence numbers).

use std::ops::Range;

use super::{Candidate, Epoch, RESYNC_WINDOW, Session};
use crate::crypto::{self, RecordKeys};
use crate::dissect::tls::Undecrypted;
use crate::dissect::tls::handshake::Hello;
use crate::dissect::tls::record::RecordHeader;

impl Session {
    /// Tries the side's keys on a protected record.
    pub(super) fn decrypt(
        &mut self,
        dir: usize,
        header: &RecordHeader,
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(u8, Range<usize>), Undecrypted> {
        let direction = &mut self.directions[dir];
        // A NULL cipher: the record is its plaintext and a MAC, read without keys.
        let null_mac = self.cipher_suite.and_then(crate::crypto::null_cipher_mac_len);
        if let Some(mac_len) = null_mac.filter(|_| direction.protected && self.version < Some(0x0304)) {
            let plaintext =
                body.len().checked_sub(mac_len).and_then(|len| body.get(..len)).ok_or_else(|| {
                    Undecrypted::Failed(format!(
                        "a NULL-cipher record of {} bytes is shorter than its MAC",
                        body.len()
                    ))
                })?;
            out.extend_from_slice(plaintext);
            return Ok((header.content_type, out.len() - plaintext.len()..out.len()));
        }
        if direction.candidates.is_empty() {
            return Err(if self.client_random.is_none() && self.server_random.is_none() {
                Undecrypted::Unsynchronised
            } else {
                Undecrypted::NoKey
            });
        }
        let header_bytes = header.to_bytes();
        let start = out.len();
        let mut first_error = None;
        for index in 0..direction.candidates.len() {
            let base = if index == 0 { direction.seq } else { 0 };
            let tries = if direction.unsynced && direction.resync_attempts > 0 { RESYNC_WINDOW } else { 1 };
            for seq in base..base + tries {
                if seq > base {
                    direction.resync_attempts = direction.resync_attempts.saturating_sub(1);
                }
                match direction.candidates[index].keys.decrypt(seq, &header_bytes, body, out) {
                    Ok(content_type) => {
                        direction.candidates.drain(..index);
                        direction.seq = seq + 1;
                        direction.unsynced = false;
                        return Ok((content_type, start..out.len()));
                    }
                    Err(error) => {
                        first_error.get_or_insert(error);
                    }
                }
            }
        }
        let reason = first_error.map_or_else(|| "decryption failed".to_owned(), |error| error.to_string());
        Err(Undecrypted::Failed(reason))
    }

    /// The client's 0-RTT keys. The suite is the resumed session's, not known until the
    /// ServerHello, so every TLS 1.3 suite whose hash fits the secret is a candidate.
    pub(super) fn early_keys(&mut self, client: usize) {
        let Some(secret) = self.secrets.as_ref().and_then(|secrets| secrets.client_early.clone()) else {
            return;
        };
        for id in [0x1301, 0x1302, 0x1303] {
            if let Some(keys) = crypto::suite(id).and_then(|suite| RecordKeys::tls13(&suite, &secret)) {
                self.directions[client].candidates.push(Candidate { keys, epoch: Epoch::Early });
            }
        }
    }

    pub(super) fn tls13_keys(&self, secret: Option<&[u8]>) -> Option<RecordKeys> {
        let suite = crypto::suite(self.cipher_suite?)?;
        RecordKeys::tls13(&suite, secret?)
    }

    pub(super) fn server_hello_keys(&mut self, server: usize, client: usize, hello: &Hello<'_>) {
        let Some(secrets) = self.secrets.clone() else { return };
        if self.version == Some(0x0304) {
            let server_keys = self.tls13_keys(secrets.server_handshake.as_deref());
            let client_keys = self.tls13_keys(secrets.client_handshake.as_deref());
            let server_direction = &mut self.directions[server];
            server_direction.protected = true;
            server_direction.candidates.clear();
            server_direction
                .candidates
                .extend(server_keys.map(|keys| Candidate { keys, epoch: Epoch::Handshake }));
            server_direction.seq = 0;
            let client_direction = &mut self.directions[client];
            client_direction.candidates.retain(|candidate| candidate.epoch == Epoch::Early);
            client_direction
                .candidates
                .extend(client_keys.map(|keys| Candidate { keys, epoch: Epoch::Handshake }));
            return;
        }
        let (Some(master), Some(suite), Some(client_random), Some(server_random)) = (
            secrets.master_secret.as_deref(),
            self.cipher_suite.and_then(crypto::suite),
            self.client_random,
            hello.client_random(),
        ) else {
            return;
        };
        if let Some((client_keys, server_keys)) =
            RecordKeys::tls12(&suite, master, &client_random, &server_random, self.encrypt_then_mac)
        {
            self.directions[client].pending = Some(client_keys);
            self.directions[server].pending = Some(server_keys);
        }
    }
}
