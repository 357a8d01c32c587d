//! The error every parser returns, and the nom parsers that read bytes with it.
//!
//! Truncated is not malformed: a header cut off by the capture's snapshot length or by a short
//! file is `Truncated` and says how many more bytes it needed; a header whose own fields
//! contradict each other is `Malformed` with the reason; bytes that are plainly another
//! protocol are `NotThisProtocol`. The layer chain turns any of them into an undecoded layer
//! that keeps the bytes and the reason, so the outer layers are still shown.

use std::borrow::Cow;
use std::fmt;

use nom::error::{ErrorKind as NomErrorKind, ParseError};

/// Why a parser stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The input ended this many bytes before the structure did.
    Truncated { needed: usize },
    /// The structure contradicts itself or its specification.
    Malformed(Cow<'static, str>),
    /// The bytes are not this protocol at all.
    NotThisProtocol,
}

impl Error {
    pub fn malformed(reason: impl Into<Cow<'static, str>>) -> nom::Err<Self> {
        nom::Err::Error(Self::Malformed(reason.into()))
    }

    pub fn truncated(needed: usize) -> nom::Err<Self> {
        nom::Err::Error(Self::Truncated { needed })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed: 1 } => f.write_str("truncated: 1 more byte needed"),
            Self::Truncated { needed } => write!(f, "truncated: {needed} more bytes needed"),
            Self::Malformed(reason) => write!(f, "malformed: {reason}"),
            Self::NotThisProtocol => f.write_str("not this protocol"),
        }
    }
}

impl<I> ParseError<I> for Error {
    /// nom's own combinators only fail here when a complete parser runs out of input.
    fn from_error_kind(_input: I, kind: NomErrorKind) -> Self {
        match kind {
            NomErrorKind::Eof | NomErrorKind::Complete => Self::Truncated { needed: 1 },
            other => Self::Malformed(Cow::Owned(format!("unexpected bytes ({other:?})"))),
        }
    }

    fn append(_input: I, _kind: NomErrorKind, other: Self) -> Self {
        other
    }
}

/// The result type of every datagram parser.
pub type IResult<'a, T> = nom::IResult<&'a [u8], T, Error>;

/// Takes exactly `count` bytes, or reports how many are missing.
pub fn take_bytes<'a>(count: usize) -> impl Fn(&'a [u8]) -> IResult<'a, &'a [u8]> {
    move |input: &'a [u8]| {
        if input.len() < count {
            Err(Error::truncated(count - input.len()))
        } else {
            Ok((&input[count..], &input[..count]))
        }
    }
}

/// A big-endian number of `N` bytes, or how many bytes it lacks (nom's own `be_u16` and
/// friends say only "end of input").
fn be_uint<'a, const N: usize>(input: &'a [u8]) -> IResult<'a, u64> {
    let (rest, bytes) = take_bytes(N)(input)?;
    Ok((rest, bytes.iter().fold(0, |value, &byte| value << 8 | u64::from(byte))))
}

pub fn be_u8(input: &[u8]) -> IResult<'_, u8> {
    let (rest, bytes) = take_bytes(1)(input)?;
    Ok((rest, bytes[0]))
}

pub fn be_u16(input: &[u8]) -> IResult<'_, u16> {
    let (rest, value) = be_uint::<2>(input)?;
    Ok((rest, value as u16))
}

pub fn be_u24(input: &[u8]) -> IResult<'_, u32> {
    let (rest, value) = be_uint::<3>(input)?;
    Ok((rest, value as u32))
}

pub fn be_u32(input: &[u8]) -> IResult<'_, u32> {
    let (rest, value) = be_uint::<4>(input)?;
    Ok((rest, value as u32))
}

/// The bytes a length prefix read by `length` announces (`length_data(be_u16)` for a
/// `opaque x<0..2^16-1>`); a short input says how many bytes the content lacks.
pub fn length_data<'a, N: Into<u64>>(
    length: impl Fn(&'a [u8]) -> IResult<'a, N>,
) -> impl Fn(&'a [u8]) -> IResult<'a, &'a [u8]> {
    move |input: &'a [u8]| {
        let (rest, len) = length(input)?;
        let len =
            usize::try_from(len.into()).map_err(|_| Error::malformed("length beyond the address space"))?;
        take_bytes(len)(rest)
    }
}

/// Runs `content` on exactly the bytes a length prefix announces (nom's `map_parser` under
/// `length_data`): content that would read past its prefix, or leaves bytes of it unread, is
/// `Malformed`, since the bytes were all there.
pub fn length_value<'a, N: Into<u64>, T>(
    length: impl Fn(&'a [u8]) -> IResult<'a, N>,
    content: impl Fn(&'a [u8]) -> IResult<'a, T>,
) -> impl Fn(&'a [u8]) -> IResult<'a, T> {
    let data = length_data(length);
    move |input: &'a [u8]| {
        let (rest, bytes) = data(input)?;
        let (unread, value) = content(bytes).map_err(|error| match into_error(error) {
            Error::Truncated { needed } => {
                Error::malformed(format!("content overruns its length prefix by {needed} bytes"))
            }
            other => nom::Err::Error(other),
        })?;
        if !unread.is_empty() {
            return Err(Error::malformed(format!("{} bytes left inside a length prefix", unread.len())));
        }
        Ok((rest, value))
    }
}

/// Flattens a nom result's error into the parser error.
pub fn into_error(error: nom::Err<Error>) -> Error {
    match error {
        nom::Err::Error(error) | nom::Err::Failure(error) => error,
        nom::Err::Incomplete(nom::Needed::Size(needed)) => Error::Truncated { needed: needed.get() },
        nom::Err::Incomplete(nom::Needed::Unknown) => Error::Truncated { needed: 1 },
    }
}

/// Lets `?` turn a nom parser's failure into the parser error.
impl From<nom::Err<Error>> for Error {
    fn from(error: nom::Err<Error>) -> Self {
        into_error(error)
    }
}

/// Big-endian `u16`s to the end of `bytes` (a list whose length prefix was read already); an
/// odd byte at the end is not read.
pub fn be_u16_list(bytes: &[u8]) -> impl Iterator<Item = u16> + '_ {
    bytes.chunks_exact(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
}

/// Reads a big-endian `u16` at `at`; callers have checked the length.
pub(crate) fn be16(bytes: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([bytes[at], bytes[at + 1]])
}

/// Reads a big-endian `u32` at `at`; callers have checked the length.
pub(crate) fn be32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_bytes_reports_the_shortfall() {
        assert_eq!(take_bytes(4)(&[1, 2, 3, 4, 5][..]), Ok((&[5][..], &[1, 2, 3, 4][..])));
        assert_eq!(take_bytes(4)(&[1][..]), Err(Error::truncated(3)));
        assert_eq!(Error::Truncated { needed: 3 }.to_string(), "truncated: 3 more bytes needed");
    }

    #[test]
    fn numbers_are_big_endian_and_report_the_shortfall() {
        assert_eq!(be_u8(&[7, 8][..]), Ok((&[8][..], 7)));
        assert_eq!(be_u16(&[1, 2, 3][..]), Ok((&[3][..], 0x0102)));
        assert_eq!(be_u24(&[1, 2, 3][..]), Ok((&[][..], 0x01_0203)));
        assert_eq!(be_u32(&[0xff, 0, 0, 1][..]), Ok((&[][..], 0xff00_0001)));
        assert_eq!(be_u8(&[][..]), Err(Error::truncated(1)));
        assert_eq!(be_u24(&[1][..]), Err(Error::truncated(2)));
        assert_eq!(be_u32(&[1, 2, 3][..]), Err(Error::truncated(1)));
    }

    #[test]
    fn a_length_prefix_bounds_its_content() {
        // opaque<0..2^8-1> of 3 bytes, then one byte after it.
        let input = &[3, b'a', b'b', b'c', 9][..];
        assert_eq!(length_data(be_u8)(input), Ok((&[9][..], &b"abc"[..])));
        // The content claims 5 bytes: the prefix says how many are missing.
        assert_eq!(length_data(be_u16)(&[0, 5, 1, 2][..]), Err(Error::truncated(3)));
        // A u16 inside a 3-byte prefix leaves one byte unread: malformed, not skipped.
        assert!(matches!(
            length_value(be_u8, be_u16)(&[3, 0, 1, 2, 9][..]),
            Err(nom::Err::Error(Error::Malformed(_)))
        ));
        // A content that wants more than the prefix holds cannot read past it.
        assert!(matches!(
            length_value(be_u8, be_u32)(&[2, 0, 1, 2, 3][..]),
            Err(nom::Err::Error(Error::Malformed(_)))
        ));
        assert_eq!(length_value(be_u8, be_u16)(&[2, 0, 1, 9][..]), Ok((&[9][..], 1)));
    }
}
