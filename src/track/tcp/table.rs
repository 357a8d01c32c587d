//! How the TCP table starts and lets go of conversation state, and how it gives up the
//! oldest within the tracker's budget: state first (a tombstone keeps the stream number), then
//! the tombstones, each in the order it was made.

use std::mem::size_of;

use super::{Conversation, KEY_COST, STATE_COST, TcpTable};
use crate::osi::Protocol;
use crate::track::budget::{Holder, Shed};
use crate::track::conversation::Key;
use crate::track::cow::Census;
use crate::track::snapshot::Shared;

impl TcpTable {
    /// Starts the state of the conversation of `key` as `stream`: the next new number, or the
    /// one a tombstone kept.
    pub(super) fn start(&mut self, key: Key, stream: u32, ts_ns: i64) -> u32 {
        if stream == self.next_stream {
            self.next_stream += 1;
        }
        self.states.insert(stream, Shared::new(Conversation::new(key, stream, ts_ns)));
        self.states_cost += STATE_COST;
        self.order.push_back(stream);
        self.by_key.insert(key, stream);
        stream
    }

    /// Gives the next new stream number to no conversation, as Wireshark's SOCKS takes one for
    /// each tunnel it relays.
    pub fn skip_stream(&mut self) {
        self.next_stream += 1;
    }

    /// Lets go of a conversation's state.
    pub(super) fn forget(&mut self, stream: u32) -> Option<Shared<Conversation>> {
        let conversation = self.states.remove(&stream)?;
        self.states_cost -= STATE_COST + conversation.unacked_cost();
        Some(conversation)
    }

    /// How many conversations have their state kept.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }
}

impl Holder for TcpTable {
    fn held(&self) -> usize {
        self.states_cost
            + self.by_key.len() * KEY_COST
            + self.order.len() * size_of::<u32>()
            + self.tombstones.len() * size_of::<(Key, u32)>()
    }

    fn freeze(&mut self) {
        self.by_key.freeze();
        self.states.freeze();
    }

    fn census(&self, census: &mut Census) {
        self.by_key.census(census, |_, _| {});
        self.states.census(census, |state, census| {
            state.census(census, size_of::<Conversation>() + state.unacked_cost());
        });
        self.order.census(census);
        self.tombstones.census(census);
    }

    /// Gives up the oldest conversation's state, keeping its number; once no state is left,
    /// the oldest number.
    fn shed(&mut self) -> Option<Shed> {
        while let Some(stream) = self.order.pop_front() {
            if let Some(conversation) = self.forget(stream) {
                self.tombstones.push_back((conversation.key, stream));
                let what = format!(
                    "the sequence analysis of tcp.stream {stream} (a later segment of it starts \
                     the analysis over, with the same stream number)"
                );
                return Some(Shed { protocol: Protocol::Tcp, what });
            }
        }
        while let Some((key, stream)) = self.tombstones.pop_front() {
            if self.by_key.get(&key) == Some(&stream) && !self.states.contains_key(&stream) {
                self.by_key.remove(&key);
                let what = format!(
                    "the stream number of tcp.stream {stream} (a later segment of it gets a new one)"
                );
                return Some(Shed { protocol: Protocol::Tcp, what });
            }
        }
        None
    }
}
