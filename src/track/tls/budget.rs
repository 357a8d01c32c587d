//! What a TLS session holds, for the tracker's memory budget, and how it gives its buffered
//! state up: the records and handshake messages in progress, as after a gap in the stream.

use super::{RESYNC_ATTEMPTS, Session};

impl Session {
    /// What the records and handshake messages in progress hold in memory. O(1).
    fn buffer_cost(&self) -> usize {
        self.directions.iter().map(|direction| direction.framer.cost() + direction.handshake.capacity()).sum()
    }

    /// What the session holds, as the memory budget counts it: itself, what it buffers, and
    /// its keys and names at their usual sizes. O(1).
    pub fn cost(&self) -> usize {
        // A candidate, its boxed key schedule and a traffic secret's usual length.
        const KEYS: usize = size_of::<super::Candidate>() + crate::crypto::KEY_BYTES + 48;
        let keys: usize = self.directions.iter().map(|direction| direction.candidates.len() * KEYS).sum();
        std::mem::size_of::<Self>()
            + self.buffer_cost()
            + keys
            + self.server_name.as_ref().map_or(0, String::capacity)
            + self.alpn.as_ref().map_or(0, Vec::capacity)
    }

    /// Gives up the records and handshake messages in progress, as after a gap in both
    /// directions: each resumes at a segment that starts a record.
    pub fn shed(&mut self) {
        for direction in &mut self.directions {
            direction.framer.gap();
            direction.handshake = Vec::new();
            direction.unsynced = true;
            direction.resync_attempts = RESYNC_ATTEMPTS;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Arenas, Candidate, Epoch, Feed, RESYNC_WINDOW};
    use super::*;
    use crate::crypto::{RecordKeys, suite};
    use crate::dissect::tls::record::content_type;
    use crate::testing::tls_record as record;
    use crate::track::keylog::KeyLog;

    #[test]
    fn after_a_gap_records_no_key_opens_cost_a_bounded_number_of_tries() {
        let keys = || {
            let suite = suite(0x1301).expect("TLS_AES_128_GCM_SHA256");
            RecordKeys::tls13(&suite, &[7; 32]).expect("keys")
        };
        let mut session = Session::new();
        session.directions[0].candidates.push(Candidate { keys: keys(), epoch: Epoch::Application });
        session.directions[0].candidates.push(Candidate { keys: keys(), epoch: Epoch::Application });
        let keylog = KeyLog::new();
        let mut arenas = Arenas::default();
        let junk = record(content_type::APPLICATION_DATA, &[0x55; 40]);
        session.feed(0, 1, &[Feed::Gap(1)], &keylog, &mut arenas);
        assert_eq!(session.directions[0].resync_attempts, RESYNC_ATTEMPTS);
        // Each record tries the window for each key until the gap's allowance is spent.
        let records_with_window = RESYNC_ATTEMPTS as u64 / (2 * (RESYNC_WINDOW - 1));
        for frame in 0..records_with_window + 10 {
            let output =
                session.feed(0, 2 + frame, &[Feed::Payload { bytes: &junk, start: 0 }], &keylog, &mut arenas);
            assert_eq!(output.records.len(), 1);
        }
        assert_eq!(session.directions[0].resync_attempts, 0, "spent, so later records try one number each");
        assert!(session.directions[0].unsynced);
        // A new gap gives a new allowance.
        session.feed(0, 100, &[Feed::Gap(1)], &keylog, &mut arenas);
        assert_eq!(session.directions[0].resync_attempts, RESYNC_ATTEMPTS);
    }
}
