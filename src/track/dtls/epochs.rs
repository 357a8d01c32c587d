//! DTLS 1.3's protected records in one direction (RFC 9147): which epoch a unified header's
//! two epoch bits name, the record number under its encryption, and the keys of each epoch
//! from the key log's traffic secrets.
//!
//! Epoch 1 is 0-RTT data (the client's early secret), 2 the handshake, 3 the first
//! application traffic secret, and each KeyUpdate moves its sender one epoch up. A header's
//! epoch is the one of the four nearest the highest epoch opened so far whose low bits it
//! carries; a record number is the one nearest one more than the highest opened in its epoch.
//! Keys of an epoch after a KeyUpdate are derived when a record of that epoch first opens.
//! What is held is bounded: three epochs' keys and a few epochs' record numbers.

use std::fmt;

use smallvec::SmallVec;

use crate::crypto::dtls13::{Dtls13Keys, reconstruct_sequence};

/// How many epochs' next record numbers are kept.
const MAX_EPOCHS_KEPT: usize = 4;
const HANDSHAKE_EPOCH: u16 = 2;
const FIRST_APPLICATION_EPOCH: u16 = 3;

/// One direction's DTLS 1.3 keys and record numbers.
#[derive(Clone, Default)]
pub(super) struct Epochs {
    early: Option<Dtls13Keys>,
    handshake: Option<Dtls13Keys>,
    /// The application epoch whose keys these are, and the keys.
    application: Option<(u16, Dtls13Keys)>,
    /// Each epoch seen, with one more than its highest record number opened.
    next: SmallVec<[(u16, u64); MAX_EPOCHS_KEPT]>,
    /// The highest epoch a record opened in.
    highest: u16,
}

impl fmt::Debug for Epochs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Epochs")
            .field("handshake", &self.handshake.is_some())
            .field("application", &self.application.as_ref().map(|(epoch, _)| *epoch))
            .field("highest", &self.highest)
            .finish_non_exhaustive()
    }
}

impl Epochs {
    /// Keys from the traffic secrets, once both hellos named the suite.
    pub(super) fn new(
        early: Option<Dtls13Keys>,
        handshake: Option<Dtls13Keys>,
        application: Option<Dtls13Keys>,
    ) -> Epochs {
        Epochs {
            early,
            handshake,
            application: application.map(|keys| (FIRST_APPLICATION_EPOCH, keys)),
            ..Epochs::default()
        }
    }

    pub(super) fn has_keys(&self) -> bool {
        self.keys() > 0
    }

    /// How many epochs' keys it holds.
    pub(super) fn keys(&self) -> usize {
        usize::from(self.early.is_some())
            + usize::from(self.handshake.is_some())
            + usize::from(self.application.is_some())
    }

    /// The epoch a header's two bits name.
    fn epoch(&self, bits: u8) -> u16 {
        let highest = self.highest.max(HANDSHAKE_EPOCH);
        (highest.saturating_sub(1)..highest.saturating_add(3))
            .find(|epoch| epoch & 3 == u16::from(bits & 3))
            .unwrap_or(highest)
    }

    /// Opens a record: `record` is the whole record, its unified header `header_len` bytes long
    /// with its `sequence_len` (1 or 2) record number bytes at `sequence_at`. The content is
    /// appended to `out` and its inner content type returned; on failure `out` is as it was and
    /// the reason is returned.
    pub(super) fn open(
        &mut self,
        record: &[u8],
        header_len: usize,
        sequence_at: usize,
        sequence_len: usize,
        out: &mut Vec<u8>,
    ) -> Result<u8, String> {
        let (Some(&flags), Some(body)) = (record.first(), record.get(header_len..)) else {
            return Err("record shorter than its header".into());
        };
        let epoch = self.epoch(flags);
        let mut derived = None;
        let keys = match (epoch, &self.application) {
            (1, _) => self.early.as_ref(),
            (HANDSHAKE_EPOCH, _) => self.handshake.as_ref(),
            (_, Some((current, keys))) if *current == epoch => Some(keys),
            (_, Some((current, keys))) if current.checked_add(1) == Some(epoch) => {
                derived = keys.next();
                derived.as_ref()
            }
            _ => None,
        };
        let keys = keys.ok_or_else(|| format!("no keys for epoch {epoch}"))?;
        let mask = keys
            .sequence_mask(body)
            .ok_or("record too short for its record number mask (16 bytes of ciphertext)")?;
        let mut header: SmallVec<[u8; 8]> = SmallVec::from_slice(record.get(..header_len).unwrap_or(&[]));
        let number = header
            .get_mut(sequence_at..sequence_at + sequence_len)
            .ok_or("record number outside the header")?;
        let mut low = 0u64;
        for (byte, mask) in number.iter_mut().zip(mask) {
            *byte ^= mask;
            low = low << 8 | u64::from(*byte);
        }
        let expected = self.next.iter().find(|(e, _)| *e == epoch).map_or(0, |(_, next)| *next);
        let sequence = reconstruct_sequence(expected, low, 8 * sequence_len as u32);
        let content_type = keys.decrypt(sequence, &header, body, out).map_err(|error| error.to_string())?;
        if let Some(keys) = derived {
            self.application = Some((epoch, keys));
        }
        self.opened(epoch, sequence);
        Ok(content_type)
    }

    /// Notes a record opened.
    fn opened(&mut self, epoch: u16, sequence: u64) {
        self.highest = self.highest.max(epoch);
        let next = sequence.saturating_add(1);
        match self.next.iter_mut().find(|(e, _)| *e == epoch) {
            Some((_, kept)) => *kept = (*kept).max(next),
            None => {
                if self.next.len() >= MAX_EPOCHS_KEPT {
                    self.next.remove(0);
                }
                self.next.push((epoch, next));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{hex, suite};
    use crate::dissect::dtls::record;

    /// fixtures/interop/dtls13-wolfssl.pcap's frame 5 (the server's EncryptedExtensions,
    /// epoch 2) and its SERVER_HANDSHAKE_TRAFFIC_SECRET.
    const RECORD: &str = "2e1dc3001f6722cfa7a8a0840778adc8e8f508e13cd61f8b6e86d847d035b05a9121b1f3";
    const SECRET: &str =
        "3023f774776849cae53b6058bcf23d9ed40113d278db5e698a09e5c989d4b6ada52c14a1c52b34d090352171fd4aa6c3";

    fn epochs() -> Epochs {
        let suite = suite(0x1302).expect("TLS_AES_256_GCM_SHA384");
        Epochs::new(None, Dtls13Keys::new(&suite, &hex(SECRET)), None)
    }

    #[test]
    fn the_record_opens_once_whole_and_at_no_truncation_point() {
        let bytes = hex(RECORD);
        let mut out = Vec::new();
        assert_eq!(epochs().open(&bytes, 5, 1, 2, &mut out), Ok(22));
        assert_eq!(out[0], 8, "EncryptedExtensions");
        for cut in 0..bytes.len() {
            let datagram = &bytes[..cut];
            // The header's length says 31 bytes: every cut is refused by the parser, and
            // opening the cut record anyway fails and adds nothing.
            assert!(record::parse(datagram, 0).is_err(), "cut at {cut}");
            let mut out = vec![7];
            assert!(epochs().open(datagram, 5.min(cut), 1, 2, &mut out).is_err(), "cut at {cut}");
            assert_eq!(out, [7], "cut at {cut}");
        }
    }

    #[test]
    fn epochs_follow_the_highest_opened_and_keys_beyond_are_refused() {
        let mut epochs = epochs();
        assert_eq!(epochs.epoch(2), 2);
        assert_eq!(epochs.epoch(1), 1, "early data below the handshake");
        assert_eq!(epochs.epoch(3), 3);
        assert_eq!(epochs.epoch(0), 4);
        epochs.opened(5, 9);
        assert_eq!((epochs.epoch(1), epochs.epoch(2), epochs.epoch(0)), (5, 6, 4));
        for epoch in 0..10 {
            epochs.opened(epoch, 1);
        }
        assert!(epochs.next.len() <= MAX_EPOCHS_KEPT, "record numbers of a few epochs only");
        let mut out = Vec::new();
        let mut bytes = hex(RECORD);
        bytes[0] = 0x2c; // epoch bits 0: epoch 8 here, with no keys
        assert_eq!(epochs.open(&bytes, 5, 1, 2, &mut out), Err("no keys for epoch 8".into()));
    }
}
