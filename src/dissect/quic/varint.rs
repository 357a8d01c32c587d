//! QUIC's variable-length integers (RFC 9000 section 16) as a nom parser, and the two helpers
//! the QUIC frame and header parsers read with: bytes of a varint-given length, and a parser's
//! value with the byte range it read (positions are always relative to the whole input given
//! to `spanned`, so field ranges do not depend on how the input was split).
//!
//! ```text
//! 2MSB  Length  Usable Bits  Range
//! 00    1       6            0-63
//! 01    2       14           0-16383
//! 10    4       30           0-1073741823
//! 11    8       62           0-4611686018427387903
//! ```

use std::ops::Range;

use crate::dissect::error::{Error, IResult, be_u8, take_bytes};

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

/// Exactly `len` bytes, as a nom parser, for a length a varint announced; a length beyond the
/// address space is malformed.
pub fn take_len<'a>(len: u64) -> impl Fn(&'a [u8]) -> IResult<'a, &'a [u8]> {
    move |input: &'a [u8]| {
        let len = usize::try_from(len).map_err(|_| Error::malformed("length beyond the address space"))?;
        take_bytes(len)(input)
    }
}

/// Runs `parser` on a tail of `whole` and returns its value with the bytes it read, as a range
/// of `whole`: the positions the QUIC header and frame fields are shown at.
pub fn spanned<'a, T>(
    whole: &'a [u8],
    parser: impl Fn(&'a [u8]) -> IResult<'a, T>,
) -> impl Fn(&'a [u8]) -> IResult<'a, (T, Range<usize>)> {
    move |input: &'a [u8]| {
        let (rest, value) = parser(input)?;
        Ok((rest, (value, whole.len() - input.len()..whole.len() - rest.len())))
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
        assert_eq!(varint(&[0x40][..]), Err(Error::truncated(1)));
        assert_eq!(take_len(2)(&[0x40][..]), Err(Error::truncated(1)));
        assert!(take_len(u64::MAX)(&[0x40][..]).is_err());
    }

    #[test]
    fn a_spanned_value_is_placed_within_the_whole_input() {
        let whole = [0xff, 0x40, 0x25, 0x09];
        let (rest, (value, range)) = spanned(&whole, varint)(&whole[1..]).expect("a varint");
        assert_eq!((rest, value, range), (&[0x09][..], 37, 1..3));
        let (_, (bytes, range)) = spanned(&whole, take_len(0))(&whole[4..]).expect("nothing");
        assert_eq!((bytes, range), (&[][..], 4..4), "an empty field keeps its place");
    }
}
