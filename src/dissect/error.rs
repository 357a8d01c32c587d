//! The error every parser returns, and the few byte-taking helpers that produce it.
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

/// Flattens a nom result's error into the parser error.
pub fn into_error(error: nom::Err<Error>) -> Error {
    match error {
        nom::Err::Error(error) | nom::Err::Failure(error) => error,
        nom::Err::Incomplete(nom::Needed::Size(needed)) => Error::Truncated { needed: needed.get() },
        nom::Err::Incomplete(nom::Needed::Unknown) => Error::Truncated { needed: 1 },
    }
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
}
