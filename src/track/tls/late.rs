//! Secrets that come after the hellos: a key log followed live (`live --keylog`) gains a
//! session's lines only once its client has logged them, and a pcapng Decryption Secrets Block
//! may sit mid-connection. A side that never had keys takes them from the key log when its
//! next protected record arrives.
//!
//! Invariant: a side that had keys once is never given others here, so a key log read whole
//! decrypts exactly as before; only sides that would stay encrypted for want of a secret gain.

use smallvec::SmallVec;

use super::{Candidate, Epoch, RESYNC_ATTEMPTS, Session};
use crate::crypto::{self, RecordKeys};
use crate::track::keylog::KeyLog;

impl Session {
    /// Takes the key log's secrets for the session's client random, which a key log followed
    /// live may have gained since they were last looked at.
    pub(super) fn refresh_secrets(&mut self, keylog: &KeyLog) {
        let Some(secrets) = self.client_random.and_then(|random| keylog.get(&random)) else { return };
        if self.secrets.as_ref() != Some(secrets) {
            self.secrets = Some(secrets.clone());
        }
    }

    /// Keys for a protected side that never had any, from secrets that came after the
    /// hellos (a key log followed live, a Decryption Secrets Block written mid-connection).
    /// Which records were missed is unknown, so the handshake and the application keys are
    /// both candidates and the record sequence is searched, as after a gap.
    pub(super) fn late_keys(&mut self, dir: usize, keylog: &KeyLog) {
        if self.version.is_none() {
            return;
        }
        self.refresh_secrets(keylog);
        let Some(secrets) = self.secrets.clone() else { return };
        let client = self.client.is_some_and(|client| client == dir);
        let mut candidates: SmallVec<[Candidate; 2]> = SmallVec::new();
        if self.version == Some(0x0304) {
            let (handshake, traffic) = if client {
                (&secrets.client_handshake, &secrets.client_traffic)
            } else {
                (&secrets.server_handshake, &secrets.server_traffic)
            };
            candidates.extend(
                self.tls13_keys(handshake.as_deref()).map(|keys| Candidate { keys, epoch: Epoch::Handshake }),
            );
            candidates.extend(
                self.tls13_keys(traffic.as_deref()).map(|keys| Candidate { keys, epoch: Epoch::Application }),
            );
        } else if let (Some(master), Some(suite), Some(client_random), Some(server_random)) = (
            secrets.master_secret.as_deref(),
            self.cipher_suite.and_then(crypto::suite),
            self.client_random,
            self.server_random,
        ) && let Some((client_keys, server_keys)) =
            RecordKeys::tls12(&suite, master, &client_random, &server_random, self.encrypt_then_mac)
        {
            let keys = if client { client_keys } else { server_keys };
            candidates.push(Candidate { keys, epoch: Epoch::Application });
        }
        if candidates.is_empty() {
            return;
        }
        let direction = &mut self.directions[dir];
        direction.candidates = candidates;
        direction.unsynced = true;
        direction.resync_attempts = RESYNC_ATTEMPTS;
    }
}
