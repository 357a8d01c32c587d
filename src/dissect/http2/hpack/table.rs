//! The dynamic table kept a second time, beside loona-hpack's, so that a decoder can be copied.
//!
//! loona-hpack neither shows nor copies its dynamic table. A tracker copied for a checkpoint
//! must decode the next header block exactly as the original will, so [`super::HeaderDecoder`]
//! writes here every entry loona-hpack adds and every size limit it applies, by the same rules
//! (RFC 7541 section 4.4: an entry costs its octets and 32, the oldest go first, an entry
//! larger than the limit empties the table). A copy is then a new loona-hpack decoder handed
//! one block that sets the limit and adds the same entries, oldest first.
//!
//! The invariant: while `in_step`, the entries here are loona-hpack's, newest first.
//! A block loona-hpack stops on (a bad index, a string that does not decode) may have changed
//! its table up to a point this side does not know, so the table is out of step from then on
//! and a copy of the decoder is not exact (`track::snapshot`).

use std::collections::VecDeque;

use loona_hpack::decoder::Decoder;

use super::MAX_TABLE_SIZE;
use super::raw::push_length;

/// What an entry costs beyond its name's and value's octets (RFC 7541 section 4.1).
const ENTRY_OVERHEAD: usize = 32;
/// A literal field with incremental indexing and a new name (RFC 7541 section 6.2.1).
const INCREMENTAL_NEW_NAME: u8 = 0x40;

/// A field's name and value, as the table keeps them.
type Entry = (Box<[u8]>, Box<[u8]>);

/// The dynamic table's entries and size limit.
#[derive(Clone, Debug)]
pub(super) struct Table {
    /// Newest first, as the table's indexes count them.
    entries: VecDeque<Entry>,
    /// The entries' size as RFC 7541 counts it.
    size: usize,
    limit: usize,
    in_step: bool,
}

impl Table {
    pub(super) fn new(limit: usize) -> Self {
        Self { entries: VecDeque::new(), size: 0, limit, in_step: true }
    }

    /// An entry loona-hpack added.
    pub(super) fn add(&mut self, name: &[u8], value: &[u8]) {
        self.size += name.len() + value.len() + ENTRY_OVERHEAD;
        self.entries.push_front((name.into(), value.into()));
        self.evict();
    }

    /// A size limit loona-hpack applied.
    pub(super) fn resize(&mut self, limit: usize) {
        self.limit = limit;
        self.evict();
    }

    /// loona-hpack stopped inside a block: its table is no longer known here.
    pub(super) fn lose_step(&mut self) {
        self.in_step = false;
        self.entries = VecDeque::new();
        self.size = 0;
    }

    fn evict(&mut self) {
        while self.size > self.limit {
            let Some((name, value)) = self.entries.pop_back() else { break };
            self.size -= name.len() + value.len() + ENTRY_OVERHEAD;
        }
    }

    /// A loona-hpack decoder whose dynamic table is this one; `None` when out of step.
    pub(super) fn decoder(&self) -> Option<Decoder<'static>> {
        if !self.in_step || self.limit > MAX_TABLE_SIZE {
            return None;
        }
        let mut decoder = Decoder::new();
        decoder.set_max_allowed_table_size(MAX_TABLE_SIZE);
        decoder.set_max_table_size(self.limit);
        let mut block = Vec::with_capacity(self.size);
        for (name, value) in self.entries.iter().rev() {
            block.push(INCREMENTAL_NEW_NAME);
            for string in [name, value] {
                push_length(&mut block, string.len());
                block.extend_from_slice(string);
            }
        }
        decoder.decode_with_cb(&block, |_, _| {}).ok()?;
        Some(decoder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(table: &Table) -> Vec<&[u8]> {
        table.entries.iter().map(|(name, _)| &name[..]).collect()
    }

    #[test]
    fn entries_are_evicted_oldest_first_as_the_limit_requires() {
        // Each entry costs 32 + 2 octets.
        let mut table = Table::new(3 * 34);
        for name in [b"a", b"b", b"c", b"d"] {
            table.add(name, b"1");
        }
        assert_eq!(names(&table), [b"d", b"c", b"b"]);
        table.resize(34);
        assert_eq!(names(&table), [b"d"]);
        // An entry larger than the limit empties the table, itself included.
        table.add(b"long name", b"1");
        assert!(table.entries.is_empty());
        assert_eq!(table.size, 0);
    }

    #[test]
    fn its_decoder_indexes_the_same_entries() {
        let mut table = Table::new(4096);
        table.add(b"custom-key", b"custom-value");
        table.add(b":path", b"/index.html");
        let mut decoder = table.decoder().expect("in step");
        // Indexed 62 is the newest entry, 63 the one before it.
        let fields = decoder.decode(&[0xbe, 0xbf]).expect("both indexes are in the table");
        assert_eq!(
            fields,
            [
                (b":path".to_vec(), b"/index.html".to_vec()),
                (b"custom-key".to_vec(), b"custom-value".to_vec())
            ]
        );
        table.lose_step();
        assert!(table.decoder().is_none());
    }
}
