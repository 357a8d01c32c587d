//! HPACK header blocks (RFC 7541), decoded with loona-hpack, one decoder per direction.
//!
//! ```text
//! RFC 7541 section 6: the first bits of each representation say what it is
//!   1xxxxxxx  indexed field                        (7-bit index)
//!   01xxxxxx  literal, incremental indexing        (6-bit name index, 0 = literal name)
//!   001xxxxx  dynamic table size update            (5-bit size)
//!   0001xxxx  literal, never indexed               (4-bit name index)
//!   0000xxxx  literal, without indexing            (4-bit name index)
//! string literal: H bit, 7-bit prefixed length, then the (Huffman-coded if H) octets
//! ```
//! tshark decodes a header block as its fragments arrive: the fields a HEADERS frame holds
//! whole are shown on that frame, the rest on the CONTINUATION that completes them. To show
//! the same, [`HeaderDecoder::decode`] takes one fragment at a time: it walks the
//! representations itself (without decoding strings) to find the ones the fragment holds
//! whole, hands those to loona-hpack, and keeps the incomplete tail for the next fragment.
//! The walk also gives what loona-hpack does not tell: each field's representation, index and
//! bytes. A whole block may be passed at once too.
//!
//! Limits: a carried-over tail is capped at [`MAX_PENDING`]; decoded fields beyond
//! [`MAX_DECODED_LEN`] bytes or [`MAX_FIELDS`] fields in one fragment are dropped (still
//! decoded, so the dynamic table stays right) and the block says so; the dynamic table may not
//! grow beyond [`MAX_TABLE_SIZE`]. A decoding error is reported in the block and the decoder
//! goes on with the next block: its dynamic table may then be out of step with the encoder's.

mod raw;
mod table;

use std::fmt;
use std::ops::Range;

use loona_hpack::decoder::{Decoder, DecoderError};

use crate::dissect::error::{Error, IResult, be_u8, into_error, length_data};
use table::Table;

/// Encoded bytes of an unfinished field carried from one fragment to the next, at most.
pub const MAX_PENDING: usize = 256 * 1024;
/// Decoded bytes (name, value and 8 per field, as tshark counts `http2.header.length`) kept
/// from one fragment, at most: Wireshark's own limit.
pub const MAX_DECODED_LEN: usize = 256 * 1024;
/// Fields kept from one fragment, at most: Wireshark's own limit.
pub const MAX_FIELDS: usize = 200;
/// The dynamic table's size limit until a size update changes it (SETTINGS_HEADER_TABLE_SIZE's
/// initial value, RFC 9113 section 6.5.2).
const DEFAULT_TABLE_SIZE: usize = 4096;
/// The largest dynamic table a size update may ask for.
pub const MAX_TABLE_SIZE: usize = 64 * 1024;

/// How a field is represented (RFC 7541 section 6), named as tshark names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Representation {
    Indexed,
    IncrementalIndexedName,
    IncrementalNewName,
    WithoutIndexingIndexedName,
    WithoutIndexingNewName,
    NeverIndexedIndexedName,
    NeverIndexedNewName,
    SizeUpdate,
}

impl Representation {
    /// tshark's `http2.header.repr` text.
    pub fn name(self) -> &'static str {
        match self {
            Self::Indexed => "Indexed Header Field",
            Self::IncrementalIndexedName => "Literal Header Field with Incremental Indexing - Indexed Name",
            Self::IncrementalNewName => "Literal Header Field with Incremental Indexing - New Name",
            Self::WithoutIndexingIndexedName => "Literal Header Field without Indexing - Indexed Name",
            Self::WithoutIndexingNewName => "Literal Header Field without Indexing - New Name",
            Self::NeverIndexedIndexedName => "Literal Header Field never Indexed - Indexed Name",
            Self::NeverIndexedNewName => "Literal Header Field never Indexed - New Name",
            Self::SizeUpdate => "Maximum Header Table Size Change",
        }
    }
}

impl fmt::Display for Representation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One representation found by walking a block, before decoding.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Found {
    representation: Representation,
    /// The index (of the field or its name), or the new table size; 0 for a literal name.
    number: u64,
    bytes: Range<usize>,
}

/// An HPACK integer with a `prefix`-bit prefix, as loona-hpack reads one (at most 5 octets):
/// `Truncated` when the bytes end inside it, `Malformed` when it is longer.
fn integer<'a>(prefix: u8) -> impl Fn(&'a [u8]) -> IResult<'a, u64> {
    move |input: &'a [u8]| {
        let (mut rest, first) = be_u8(input)?;
        let mask = ((1u16 << prefix) - 1) as u8;
        let mut value = u64::from(first & mask);
        if value < u64::from(mask) {
            return Ok((rest, value));
        }
        for shift in [0, 7, 14, 21] {
            let (after, byte) = be_u8(rest)?;
            rest = after;
            value += u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok((rest, value));
            }
        }
        Err(Error::malformed("HPACK integer longer than five octets"))
    }
}

/// Walks the whole representations at the start of `bytes`; says why it stopped short.
fn walk(bytes: &[u8]) -> (Vec<Found>, Option<Error>) {
    let mut found = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        match representation(rest) {
            Ok((after, (representation, number))) => {
                let at = bytes.len() - rest.len();
                found.push(Found { representation, number, bytes: at..bytes.len() - after.len() });
                rest = after;
            }
            Err(error) => return (found, Some(into_error(error))),
        }
    }
    (found, None)
}

/// One representation, without decoding its strings: what it is and its number.
fn representation(input: &[u8]) -> IResult<'_, (Representation, u64)> {
    let string = length_data(integer(7));
    let Some(&first) = input.first() else { return Err(Error::truncated(1)) };
    let (prefix, indexed_name, new_name) = match first {
        0x80..=0xff => {
            return integer(7)(input).map(|(rest, index)| (rest, (Representation::Indexed, index)));
        }
        0x40..=0x7f => (6, Representation::IncrementalIndexedName, Representation::IncrementalNewName),
        0x20..=0x3f => {
            return integer(5)(input).map(|(rest, size)| (rest, (Representation::SizeUpdate, size)));
        }
        0x10..=0x1f => (4, Representation::NeverIndexedIndexedName, Representation::NeverIndexedNewName),
        _ => (4, Representation::WithoutIndexingIndexedName, Representation::WithoutIndexingNewName),
    };
    let (rest, index) = integer(prefix)(input)?;
    let rest = if index == 0 { string(rest)?.0 } else { rest };
    let (rest, _value) = string(rest)?;
    Ok((rest, (if index == 0 { new_name } else { indexed_name }, index)))
}

/// Why a header block could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// loona-hpack refused a representation (a bad index, bad Huffman code, a table size
    /// update above the limit).
    Hpack(String),
    /// An integer longer than five octets.
    IntegerTooLong,
    /// The block ended (END_HEADERS) inside a representation.
    EndsInsideField,
    /// The unfinished field carried between fragments grew past [`MAX_PENDING`].
    PendingTooLong,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hpack(reason) => write!(f, "HPACK decoding failed: {reason}"),
            Self::IntegerTooLong => f.write_str("HPACK integer longer than 5 octets"),
            Self::EndsInsideField => f.write_str("header block ends inside a field"),
            Self::PendingTooLong => f.write_str("header field longer than 256 KiB"),
        }
    }
}

/// One decoded entry of a header block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry<'b> {
    Field {
        name: &'b [u8],
        value: &'b [u8],
        representation: Representation,
        /// The table index of the field or of its name; `None` for a literal name.
        index: Option<u64>,
        /// Where the representation's bytes are in the fragment decoded (a field begun in an
        /// earlier fragment starts at 0).
        bytes: Range<usize>,
    },
    TableSizeUpdate {
        size: u64,
        bytes: Range<usize>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Stored {
    Field {
        name: Range<usize>,
        value: Range<usize>,
        representation: Representation,
        index: Option<u64>,
        bytes: Range<usize>,
    },
    TableSizeUpdate {
        size: u64,
        bytes: Range<usize>,
    },
}

/// What one fragment of a header block decoded to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderBlock {
    /// Names and values, one after the other.
    text: Vec<u8>,
    entries: Vec<Stored>,
    /// Fields dropped because the fragment passed [`MAX_DECODED_LEN`] or [`MAX_FIELDS`].
    pub dropped: usize,
    pub error: Option<DecodeError>,
}

impl HeaderBlock {
    pub fn entries(&self) -> impl Iterator<Item = Entry<'_>> + '_ {
        self.entries.iter().map(|stored| match stored {
            Stored::Field { name, value, representation, index, bytes } => Entry::Field {
                name: &self.text[name.clone()],
                value: &self.text[value.clone()],
                representation: *representation,
                index: *index,
                bytes: bytes.clone(),
            },
            Stored::TableSizeUpdate { size, bytes } => {
                Entry::TableSizeUpdate { size: *size, bytes: bytes.clone() }
            }
        })
    }

    /// The decoded fields as (name, value) pairs.
    pub fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.entries().filter_map(|entry| match entry {
            Entry::Field { name, value, .. } => Some((name, value)),
            Entry::TableSizeUpdate { .. } => None,
        })
    }

    /// The value of the first field with this name.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.fields().find(|(field, _)| *field == name.as_bytes()).map(|(_, value)| value)
    }

    /// Entries, table size updates included (`http2.header.count`).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Decoded length as tshark counts it (`http2.header.length`): name, value and 8 bytes of
    /// length prefixes per field.
    pub fn decoded_len(&self) -> usize {
        self.fields().map(|(name, value)| name.len() + value.len() + 8).sum()
    }
}

/// The HPACK state of one direction of a connection.
pub struct HeaderDecoder {
    decoder: Decoder<'static>,
    /// Its dynamic table again, so that the decoder can be copied.
    table: Table,
    /// The start of a field whose end is in a fragment still to come.
    pending: Vec<u8>,
    /// How long `pending` must grow before walking it again can get further: until then a
    /// CONTINUATION's fragment is only appended, so a field split over many fragments is
    /// walked a bounded number of times, not once per fragment.
    awaiting: usize,
    /// The dynamic table's size limit as the last size update set it (RFC 7541 section 4.2):
    /// the most its entries hold.
    table_size: usize,
}

impl Default for HeaderDecoder {
    fn default() -> Self {
        Self::new()
    }
}

/// The HPACK crate cannot copy its dynamic table: a copy is a new decoder given the entries
/// kept beside it (`table.rs`). Once those are out of step (a block that did not decode), a
/// copy starts with an empty table and says it is not exact (`track::snapshot`), so a tracker
/// copied with it is not kept.
impl Clone for HeaderDecoder {
    fn clone(&self) -> Self {
        let decoder = self.table.decoder().unwrap_or_else(|| {
            crate::track::snapshot::note_inexact();
            Self::new().decoder
        });
        Self {
            decoder,
            table: self.table.clone(),
            pending: self.pending.clone(),
            awaiting: self.awaiting,
            table_size: self.table_size,
        }
    }
}

impl fmt::Debug for HeaderDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeaderDecoder").field("pending", &self.pending.len()).finish_non_exhaustive()
    }
}

impl HeaderDecoder {
    pub fn new() -> Self {
        let mut decoder = Decoder::new();
        decoder.set_max_allowed_table_size(MAX_TABLE_SIZE);
        Self {
            decoder,
            table: Table::new(DEFAULT_TABLE_SIZE),
            pending: Vec::new(),
            awaiting: 0,
            table_size: DEFAULT_TABLE_SIZE,
        }
    }

    /// Decodes the header block fragment a frame carries, if it carries one. A HEADERS or
    /// PUSH_PROMISE frame starts a new block: the unfinished end of a block whose last
    /// CONTINUATION never came (a capture that lost it) is dropped, and the block says so.
    pub fn decode_frame(&mut self, frame: &super::Frame<'_>) -> Option<HeaderBlock> {
        let fragment = frame.header_block_fragment()?;
        let starts_block = matches!(frame.kind(), super::FrameType::Headers | super::FrameType::PushPromise);
        let cut_short = starts_block && !self.pending.is_empty();
        if cut_short {
            self.pending.clear();
        }
        let mut block = self.decode(fragment, frame.ends_headers());
        if cut_short {
            block.error.get_or_insert(DecodeError::EndsInsideField);
        }
        Some(block)
    }

    /// Decodes a whole header block (HEADERS or PUSH_PROMISE and its CONTINUATIONs' fragments,
    /// concatenated).
    pub fn decode_block(&mut self, block: &[u8]) -> HeaderBlock {
        self.decode(block, true)
    }

    /// The bytes the decoder holds, as the tracker's memory budget counts them: itself, the
    /// carried-over tail, and its dynamic table (held twice, see `table.rs`) at the most its
    /// size limit lets it hold.
    pub fn cost(&self) -> usize {
        std::mem::size_of::<Self>() + self.pending.capacity() + 2 * self.table_size
    }

    /// Decodes the fields that `fragment` completes; `end_headers` says whether it is the
    /// block's last (the frame had END_HEADERS).
    pub fn decode(&mut self, fragment: &[u8], end_headers: bool) -> HeaderBlock {
        let mut block = HeaderBlock::default();
        let carried = self.pending.len();
        if carried + fragment.len() > MAX_PENDING && carried > 0 {
            self.pending.clear();
            block.error = Some(DecodeError::PendingTooLong);
            return block;
        }
        if carried > 0 && !end_headers && carried + fragment.len() < self.awaiting {
            self.pending.extend_from_slice(fragment);
            return block;
        }
        let joined = match carried {
            0 => None,
            _ => {
                let mut buffer = std::mem::take(&mut self.pending);
                buffer.extend_from_slice(fragment);
                Some(buffer)
            }
        };
        let bytes: &[u8] = joined.as_deref().unwrap_or(fragment);
        let (found, end) = walk(bytes);
        let whole_len = found.last().map_or(0, |last| last.bytes.end);
        for update in found.iter().filter(|found| found.representation == Representation::SizeUpdate) {
            self.table_size = usize::try_from(update.number).unwrap_or(usize::MAX).min(MAX_TABLE_SIZE);
        }
        match end {
            Some(Error::Truncated { .. }) if end_headers => block.error = Some(DecodeError::EndsInsideField),
            Some(Error::Truncated { .. }) if bytes.len() - whole_len > MAX_PENDING => {
                block.error = Some(DecodeError::PendingTooLong);
            }
            Some(Error::Truncated { needed }) => {
                let tail = bytes.len() - whole_len;
                self.awaiting = tail.saturating_add(needed.max(1));
                if whole_len == 0
                    && let Some(joined) = joined
                {
                    // Nothing of the joined bytes was whole: they are the tail, kept without
                    // a copy.
                    self.pending = joined;
                    return block;
                }
                self.pending = bytes[whole_len..].to_vec();
            }
            // The walk's only other stop: an integer longer than loona-hpack reads.
            Some(_) => block.error = Some(DecodeError::IntegerTooLong),
            None => {}
        }
        self.decode_found(&bytes[..whole_len], &found, carried, &mut block);
        block
    }

    /// Hands the whole representations to loona-hpack (their Huffman-coded strings already
    /// decoded, `raw`) and stores what it decodes beside what
    /// the walk found. `carried` bytes at the start came from earlier fragments.
    fn decode_found(&mut self, bytes: &[u8], found: &[Found], carried: usize, block: &mut HeaderBlock) {
        let in_fragment =
            |range: &Range<usize>| range.start.saturating_sub(carried)..range.end.saturating_sub(carried);
        let mut fields = found.iter().filter(|found| found.representation != Representation::SizeUpdate);
        let mut updates = found.iter().filter(|found| found.representation == Representation::SizeUpdate);
        let mut decoded_len = 0usize;
        let mut next_update = updates.next();
        // Huffman-coded strings decoded here once, not by loona-hpack with a table each.
        let rewritten = raw::without_huffman(bytes, found);
        let table = &mut self.table;
        let result = self.decoder.decode_with_cb(&rewritten, |name, value| {
            let Some(field) = fields.next() else {
                table.lose_step();
                return;
            };
            // Size updates come first in a block; keep them in their place among the fields.
            while let Some(update) = next_update.filter(|update| update.bytes.start < field.bytes.start) {
                table.resize(table_limit(update.number));
                block
                    .entries
                    .push(Stored::TableSizeUpdate { size: update.number, bytes: in_fragment(&update.bytes) });
                next_update = updates.next();
            }
            if matches!(
                field.representation,
                Representation::IncrementalIndexedName | Representation::IncrementalNewName
            ) {
                table.add(&name, &value);
            }
            decoded_len += name.len() + value.len() + 8;
            if decoded_len > MAX_DECODED_LEN || block.entries.len() >= MAX_FIELDS {
                block.dropped += 1;
                return;
            }
            let name_at = block.text.len();
            block.text.extend_from_slice(&name);
            let value_at = block.text.len();
            block.text.extend_from_slice(&value);
            let index = (field.number != 0).then_some(field.number);
            block.entries.push(Stored::Field {
                name: name_at..value_at,
                value: value_at..block.text.len(),
                representation: field.representation,
                index,
                bytes: in_fragment(&field.bytes),
            });
        });
        // Updates after the last field decoded (a block of updates only, or a fragment ending
        // with one) were applied by loona-hpack all the same.
        let decoded_all = !matches!(result, Err(ref error) if *error != DecoderError::SizeUpdateAtEnd);
        if decoded_all {
            for update in next_update.into_iter().chain(updates) {
                self.table.resize(table_limit(update.number));
                block
                    .entries
                    .push(Stored::TableSizeUpdate { size: update.number, bytes: in_fragment(&update.bytes) });
            }
        }
        match result {
            Ok(()) | Err(DecoderError::SizeUpdateAtEnd) => {}
            Err(error) => {
                self.pending.clear();
                self.table.lose_step();
                block.error.get_or_insert(DecodeError::Hpack(error.to_string()));
            }
        }
    }
}

/// A size update's number as a table limit: one over [`MAX_TABLE_SIZE`] stops loona-hpack, so
/// what it becomes here does not matter then.
fn table_limit(number: u64) -> usize {
    usize::try_from(number).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_end_inside_or_run_too_long() {
        // RFC 7541 C.1.2: 1337 with a 5-bit prefix.
        assert_eq!(integer(5)(&[0x1f, 0x9a, 0x0a, 0xff][..]), Ok((&[0xff][..], 1337)));
        assert_eq!(integer(5)(&[0x1f, 0x9a][..]), Err(Error::truncated(1)));
        assert!(matches!(
            integer(7)(&[0x7f, 0xff, 0xff, 0xff, 0xff, 0x01][..]),
            Err(nom::Err::Error(Error::Malformed(_)))
        ));
    }

    #[test]
    fn a_walk_keeps_whole_representations_and_says_why_it_stopped() {
        // Indexed 2, then a literal with a new name whose value is cut short.
        let (found, end) = walk(&[0x82, 0x40, 0x01, b'a', 0x03, b'x']);
        assert_eq!(found, [Found { representation: Representation::Indexed, number: 2, bytes: 0..1 }]);
        assert_eq!(end, Some(Error::Truncated { needed: 2 }));
        // A string length longer than five octets stops the walk as malformed.
        let (found, end) = walk(&[0x82, 0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        assert_eq!(found.len(), 1);
        assert!(matches!(end, Some(Error::Malformed(_))));
    }

    #[test]
    fn a_long_field_in_one_byte_continuations_is_appended_not_walked_again() {
        // A literal without indexing, new name "x-long", and a 100,000-byte value (length as a
        // 7-bit prefixed integer: 127, then 99,873 in base-128 continuation bytes).
        let value = vec![b'v'; 100_000];
        let mut block = vec![0x00, 6];
        block.extend(b"x-long");
        block.extend([0x7f, 0xa1, 0x8c, 0x06]);
        block.extend(&value);
        let mut decoder = HeaderDecoder::new();
        let mut fields = Vec::new();
        for (at, byte) in block.iter().enumerate() {
            let decoded = decoder.decode(std::slice::from_ref(byte), at + 1 == block.len());
            assert_eq!(decoded.error, None, "at {at}");
            fields.extend(decoded.fields().map(|(name, value)| (name.to_vec(), value.to_vec())));
            // Once the value's length is known, the tail waits for all of it without a walk.
            if at > 20 && at + 1 < block.len() {
                assert_eq!(decoder.awaiting, block.len(), "at {at}");
            }
        }
        assert_eq!(fields, [(b"x-long".to_vec(), value)]);
    }
}
