//! QUIC's variable-length integers (RFC 9000 section 16): a nom parser, and a cursor that
//! reads them for the QUIC frame and header readers.
//!
//! ```text
//! 2MSB  Length  Usable Bits  Range
//! 00    1       6            0-63
//! 01    2       14           0-16383
//! 10    4       30           0-1073741823
//! 11    8       62           0-4611686018427387903
//! ```

use std::ops::Range;

use crate::dissect::error::{IResult, be_u8, take_bytes};

/// One variable-length integer, as a nom parser; `Truncated` says how many bytes it lacks.
pub fn varint(input: &[u8]) -> IResult<'_, u64> {
    let (_, first) = be_u8(input)?;
    let (rest, encoded) = take_bytes(1 << (first >> 6))(input)?;
    let value =
        encoded[1..].iter().fold(u64::from(first & 0x3f), |value, byte| value << 8 | u64::from(*byte));
    Ok((rest, value))
}

/// Reads one variable-length integer: its value and how many bytes it took. `None` if the
/// bytes end before it does.
pub fn read(bytes: &[u8]) -> Option<(u64, usize)> {
    let (rest, value) = varint(bytes).ok()?;
    Some((value, bytes.len() - rest.len()))
}

/// Reads forward through bytes, remembering where each value was.
#[derive(Clone, Copy, Debug)]
pub struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(bytes: &'a [u8], pos: usize) -> Self {
        Self { bytes, pos }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// A variable-length integer and where it was.
    pub fn varint(&mut self) -> Option<(u64, Range<usize>)> {
        let (value, len) = read(self.bytes.get(self.pos..)?)?;
        let range = self.pos..self.pos + len;
        self.pos += len;
        Some((value, range))
    }

    pub fn u8(&mut self) -> Option<(u8, Range<usize>)> {
        let byte = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some((byte, self.pos - 1..self.pos))
    }

    /// `len` bytes and where they were; `None` if fewer remain.
    pub fn take(&mut self, len: u64) -> Option<(&'a [u8], Range<usize>)> {
        let len = usize::try_from(len).ok()?;
        let end = self.pos.checked_add(len)?;
        let bytes = self.bytes.get(self.pos..end)?;
        let range = self.pos..end;
        self.pos = end;
        Some((bytes, range))
    }

    /// Everything left.
    pub fn rest(&mut self) -> (&'a [u8], Range<usize>) {
        let start = self.pos.min(self.bytes.len());
        self.pos = self.bytes.len();
        (&self.bytes[start..], start..self.bytes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_examples_of_rfc_9000_a1_and_every_boundary() {
        assert_eq!(
            read(&[0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c]),
            Some((151_288_809_941_952_652, 8))
        );
        assert_eq!(read(&[0x9d, 0x7f, 0x3e, 0x7d]), Some((494_878_333, 4)));
        assert_eq!(read(&[0x7b, 0xbd]), Some((15_293, 2)));
        assert_eq!(read(&[0x25]), Some((37, 1)));
        assert_eq!(read(&[0x40, 0x25]), Some((37, 2)), "a longer encoding of the same value");
        assert_eq!(read(&[0x3f]), Some((63, 1)));
        assert_eq!(read(&[0x7f, 0xff]), Some((16_383, 2)));
        assert_eq!(read(&[0xbf, 0xff, 0xff, 0xff]), Some((1_073_741_823, 4)));
        assert_eq!(read(&[0xff; 8]), Some(((1 << 62) - 1, 8)));
    }

    #[test]
    fn a_varint_cut_short_is_none_at_every_point() {
        let encoded = [0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c];
        for cut in 0..encoded.len() {
            assert_eq!(read(&encoded[..cut]), None, "cut at {cut}");
        }
        let mut cursor = Cursor::new(&[0x40], 0);
        assert_eq!(cursor.varint(), None);
        assert_eq!(cursor.take(2), None);
        assert_eq!(cursor.take(u64::MAX), None);
    }
}
