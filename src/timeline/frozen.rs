//! A connection that has ended while an earlier one is still open keeps its events encoded
//! until its turn comes.
//!
//! A streaming builder gives timelines out in order of first frame (`ending.rs`), so one
//! long-lived connection holds back every connection that began after it, up to
//! [`super::ending::MAX_OPEN`]. On a big capture those waiting connections were most of what
//! the indexer held (60,000 of them with 750,000 events on the 3 GB bench capture). Their
//! events are encoded as `stored.rs` writes them, a fraction of their size in memory, and
//! decoded when the connection is given out, shown, or, should a later packet of it come
//! while it waits, taken to be changed: the timelines are the same as if nothing had been
//! encoded.

use super::Pending;
use super::stored::{read_events, write_events};

impl Pending {
    /// Encodes its events, to wait small.
    pub(super) fn freeze(&mut self) {
        if self.frozen.is_some() || self.events.is_empty() {
            return;
        }
        let mut bytes = Vec::new();
        if write_events(&self.events, &mut bytes).is_ok() {
            self.frozen = Some(bytes.into_boxed_slice());
            self.events = Vec::new();
        }
    }

    /// Decodes its events, if they were encoded. They were encoded here from events that
    /// decode, so they decode; should that ever fail, the connection goes on without them
    /// rather than not at all.
    pub(super) fn thaw(&mut self) {
        if let Some(bytes) = self.frozen.take() {
            self.events = read_events(&bytes).unwrap_or_default();
        }
    }

    /// Whether it has events, encoded or not.
    pub(super) fn has_events(&self) -> bool {
        !self.events.is_empty() || self.frozen.is_some()
    }

    /// Whether its events are encoded.
    #[cfg(test)]
    pub(super) fn is_frozen(&self) -> bool {
        self.frozen.is_some() && self.events.is_empty()
    }
}
