//! Where an HTTP/1.1 message body ends, so a stream reader knows where the next message starts.
//!
//! ```text
//! RFC 9112 section 7.1:
//! chunked-body   = *chunk last-chunk trailer-section CRLF
//! chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//! chunk-size     = 1*HEXDIG
//! last-chunk     = 1*("0") [ chunk-ext ] CRLF
//! chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//! trailer-section = *( field-line CRLF )
//! ```
//! [`BodyReader`] is fed a body's bytes in as many pieces as they arrive and never buffers:
//! it keeps only where it is in the chunk syntax, so a chunk-size line split between two TCP
//! segments is no problem. [`Chunks`] walks a complete chunked body for display. Bare LF is
//! accepted wherever CRLF is expected, as tshark accepts it.

use std::fmt;

use crate::dissect::error::Error;

/// A chunk-size line (size and extensions) longer than this is malformed.
pub const MAX_CHUNK_LINE: usize = 4096;
/// A trailer section longer than this is malformed.
pub const MAX_TRAILER: usize = 64 * 1024;

/// What became of a body's Content-Encoding (other than identity), which tracking undoes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Entity {
    /// No encoding to undo: the body's data is shown as sent.
    #[default]
    AsSent,
    /// Undone: the decoded body is shown apart (`http.file_data` and what it is handed to).
    Decoded { empty: bool },
    /// It did not decode: Wireshark hands it to its data dissector, with no File Data and no
    /// media type in the Info column.
    Undecoded,
}

/// How a message's body is delimited (RFC 9112 section 6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// No body: a request without Content-Length or chunked coding, a response to HEAD, a
    /// 1xx (other than 101), 204 or 304 response, or a Content-Length of zero.
    None,
    /// Exactly this many bytes.
    Length(u64),
    /// Chunked transfer coding: the body ends after its last chunk and trailer section.
    Chunked,
    /// The body runs until the connection closes.
    UntilClose,
    /// No body, and the connection stops carrying HTTP/1.1 after this head: a 101 Switching
    /// Protocols response (an `h2c` or WebSocket upgrade) or a 2xx answer to CONNECT.
    Tunnel,
}

/// How far [`BodyReader::feed`] got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// How many of the bytes fed belong to the body; the rest start the next message.
    pub consumed: usize,
    /// Whether the body has ended.
    pub complete: bool,
}

/// Where a chunked body's reader is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chunked {
    /// In a chunk-size line: the size so far, how many hex digits, whether the extensions
    /// (or white space after the digits) have begun, and the line's length so far.
    SizeLine { size: u64, digits: u8, in_extension: bool, line_len: usize },
    /// In a chunk's data, with this many bytes to go.
    Data(u64),
    /// After a chunk's data: expecting CRLF (`seen_cr` once the CR has passed).
    DataEnd { seen_cr: bool },
    /// At the start of a trailer line, or of the final empty line.
    TrailerStart { seen_cr: bool, total: usize },
    /// Inside a trailer line.
    TrailerLine { total: usize },
}

/// Where a body reader is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Remaining(u64),
    Chunked(Chunked),
    UntilClose,
    Done,
}

/// Finds the end of one message body in bytes fed to it piece by piece.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyReader {
    state: State,
}

impl BodyReader {
    pub fn new(framing: Framing) -> Self {
        let state = match framing {
            Framing::None | Framing::Tunnel | Framing::Length(0) => State::Done,
            Framing::Length(length) => State::Remaining(length),
            Framing::Chunked => {
                State::Chunked(Chunked::SizeLine { size: 0, digits: 0, in_extension: false, line_len: 0 })
            }
            Framing::UntilClose => State::UntilClose,
        };
        Self { state }
    }

    /// Whether the body has ended.
    pub fn is_complete(&self) -> bool {
        self.state == State::Done
    }

    /// How many more bytes Wireshark's HTTP reassembly asks TCP for before it reads the message
    /// again, at this point in a chunked body: the rest of a chunk's data and the CR after it
    /// while in the data, else one more segment (counted as one byte). Wireshark reads the
    /// message again, and writes its start line in the Info column, on each segment that
    /// brings what it asked for.
    pub fn wanted_before_reread(&self) -> u64 {
        match self.state {
            State::Chunked(Chunked::Data(remaining)) => remaining.saturating_add(1),
            _ => 1,
        }
    }

    /// Reads the next bytes of the body. A malformed chunk syntax is an error; the reader then
    /// stays where it was, and the caller should give up on the stream as HTTP/1.1.
    pub fn feed(&mut self, input: &[u8]) -> Result<Progress, Error> {
        let mut at = 0;
        loop {
            let state = match self.state {
                State::Done => return Ok(Progress { consumed: at, complete: true }),
                State::UntilClose => return Ok(Progress { consumed: input.len(), complete: false }),
                _ if at == input.len() => return Ok(Progress { consumed: at, complete: false }),
                State::Remaining(remaining) => {
                    let available = (input.len() - at) as u64;
                    let taken = remaining.min(available);
                    at += taken as usize;
                    if taken == remaining { State::Done } else { State::Remaining(remaining - taken) }
                }
                State::Chunked(chunked) => {
                    let (next, used) = step_chunked(chunked, &input[at..])?;
                    at += used;
                    next
                }
            };
            self.state = state;
        }
    }
}

/// Advances a chunked reader over `input` (not empty); returns the new state and how many
/// bytes it used.
fn step_chunked(state: Chunked, input: &[u8]) -> Result<(State, usize), Error> {
    let malformed = |reason: &'static str| Error::Malformed(reason.into());
    match state {
        Chunked::SizeLine { mut size, mut digits, mut in_extension, mut line_len } => {
            for (index, &byte) in input.iter().enumerate() {
                line_len += 1;
                if line_len > MAX_CHUNK_LINE {
                    return Err(malformed("chunk-size line longer than 4096 bytes"));
                }
                if byte == b'\n' {
                    if digits == 0 {
                        return Err(malformed("chunk-size line without a size"));
                    }
                    let next = if size == 0 {
                        State::Chunked(Chunked::TrailerStart { seen_cr: false, total: 0 })
                    } else {
                        State::Chunked(Chunked::Data(size))
                    };
                    return Ok((next, index + 1));
                }
                if in_extension {
                    continue;
                }
                match char::from(byte).to_digit(16) {
                    Some(digit) => {
                        if digits == 16 {
                            return Err(malformed("chunk size does not fit in 64 bits"));
                        }
                        size = size << 4 | u64::from(digit);
                        digits += 1;
                    }
                    None if digits > 0 && matches!(byte, b';' | b' ' | b'\t' | b'\r') => in_extension = true,
                    None => return Err(malformed("chunk size is not hexadecimal")),
                }
            }
            let next = Chunked::SizeLine { size, digits, in_extension, line_len };
            Ok((State::Chunked(next), input.len()))
        }
        Chunked::Data(remaining) => {
            let taken = remaining.min(input.len() as u64);
            let next = if taken == remaining {
                Chunked::DataEnd { seen_cr: false }
            } else {
                Chunked::Data(remaining - taken)
            };
            Ok((State::Chunked(next), taken as usize))
        }
        Chunked::DataEnd { seen_cr } => match input[0] {
            b'\r' if !seen_cr => Ok((State::Chunked(Chunked::DataEnd { seen_cr: true }), 1)),
            b'\n' => Ok((
                State::Chunked(Chunked::SizeLine { size: 0, digits: 0, in_extension: false, line_len: 0 }),
                1,
            )),
            _ => Err(malformed("chunk data not followed by CRLF")),
        },
        Chunked::TrailerStart { seen_cr, total } => match input[0] {
            b'\n' => Ok((State::Done, 1)),
            b'\r' if !seen_cr => Ok((State::Chunked(Chunked::TrailerStart { seen_cr: true, total }), 1)),
            _ if seen_cr => Err(malformed("CR not followed by LF after the last chunk")),
            _ => Ok((State::Chunked(Chunked::TrailerLine { total }), 0)),
        },
        Chunked::TrailerLine { total } => {
            let line_end = input.iter().position(|&byte| byte == b'\n');
            let used = line_end.map_or(input.len(), |end| end + 1);
            let total = total + used;
            if total > MAX_TRAILER {
                return Err(malformed("trailer section longer than 64 KiB"));
            }
            let next = match line_end {
                Some(_) => Chunked::TrailerStart { seen_cr: false, total },
                None => Chunked::TrailerLine { total },
            };
            Ok((State::Chunked(next), used))
        }
    }
}

/// How much of the bytes after a head is the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyLen {
    /// The body is complete and this long; the next message starts after it.
    Complete(usize),
    /// The body needs more bytes than there are: at least this many more.
    Incomplete { needed: usize },
    /// The body runs until the connection closes: all bytes so far belong to it.
    UntilClose,
}

/// Says how many of `after_head` belong to the body of a message with this framing, in one
/// call. A caller that receives a long body in pieces should keep a [`BodyReader`] instead,
/// which does not read the same bytes twice.
pub fn body_len(framing: Framing, after_head: &[u8]) -> Result<BodyLen, Error> {
    let mut reader = BodyReader::new(framing);
    let progress = reader.feed(after_head)?;
    Ok(match reader.state {
        State::Done => BodyLen::Complete(progress.consumed),
        State::UntilClose => BodyLen::UntilClose,
        State::Remaining(remaining) => {
            BodyLen::Incomplete { needed: usize::try_from(remaining).unwrap_or(usize::MAX) }
        }
        State::Chunked(Chunked::Data(remaining)) => {
            // The data, its CRLF and at least a last chunk's "0\r\n\r\n".
            let needed = usize::try_from(remaining).unwrap_or(usize::MAX).saturating_add(7);
            BodyLen::Incomplete { needed }
        }
        State::Chunked(_) => BodyLen::Incomplete { needed: 1 },
    })
}

/// One piece of a complete chunked body, as tshark lays it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkPart<'a> {
    /// A chunk: its size line (with extensions and line end), size, data and the CRLF after it.
    Data { size_line: &'a [u8], size: u64, data: &'a [u8], boundary: &'a [u8] },
    /// The last chunk's size line (`0\r\n`).
    Last { size_line: &'a [u8] },
    /// One trailer field line, with its line end.
    Trailer(&'a [u8]),
    /// The empty line that ends the body.
    End(&'a [u8]),
}

/// Walks a chunked body for display; stops at the first thing that does not parse or is cut
/// short.
#[derive(Clone, Debug)]
pub struct Chunks<'a> {
    rest: &'a [u8],
    in_trailer: bool,
    done: bool,
}

/// The parts of a chunked body.
pub fn chunks(body: &[u8]) -> Chunks<'_> {
    Chunks { rest: body, in_trailer: false, done: false }
}

/// Splits off one line, its end (LF) included.
fn split_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = bytes.iter().position(|&byte| byte == b'\n')?;
    Some(bytes.split_at(end + 1))
}

impl<'a> Iterator for Chunks<'a> {
    type Item = ChunkPart<'a>;

    fn next(&mut self) -> Option<ChunkPart<'a>> {
        if self.done {
            return None;
        }
        let Some((line, after)) = split_line(self.rest) else {
            self.done = true;
            return None;
        };
        if self.in_trailer {
            self.rest = after;
            if line == b"\r\n" || line == b"\n" {
                self.done = true;
                return Some(ChunkPart::End(line));
            }
            return Some(ChunkPart::Trailer(line));
        }
        let digits = line.iter().take_while(|byte| byte.is_ascii_hexdigit()).count();
        let size =
            std::str::from_utf8(&line[..digits]).ok().and_then(|hex| u64::from_str_radix(hex, 16).ok());
        let Some(size) = size.filter(|_| digits > 0) else {
            self.done = true;
            return None;
        };
        if size == 0 {
            self.rest = after;
            self.in_trailer = true;
            return Some(ChunkPart::Last { size_line: line });
        }
        let data_len = match usize::try_from(size) {
            Ok(len) if len <= after.len() => len,
            _ => {
                self.done = true;
                return None;
            }
        };
        let (data, after_data) = after.split_at(data_len);
        let boundary_len =
            if after_data.starts_with(b"\r\n") { 2 } else { usize::from(after_data.starts_with(b"\n")) };
        let (boundary, rest) = after_data.split_at(boundary_len);
        self.rest = rest;
        Some(ChunkPart::Data { size_line: line, size, data, boundary })
    }
}

/// The data of a chunked body with the chunk syntax taken out (what tshark calls File Data).
pub fn dechunked(body: &[u8]) -> impl Iterator<Item = &[u8]> + Clone {
    chunks(body).filter_map(|part| match part {
        ChunkPart::Data { data, .. } => Some(data),
        _ => None,
    })
}

impl fmt::Display for Framing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("no body"),
            Self::Length(length) => write!(f, "{length} bytes"),
            Self::Chunked => f.write_str("chunked"),
            Self::UntilClose => f.write_str("until the connection closes"),
            Self::Tunnel => f.write_str("switches protocol"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chunked body: two chunks (one with an extension), the last chunk and one trailer.
    const CHUNKED: &[u8] = b"5\r\n\
        hello\r\n\
        7;ext=1\r\n\
        , world\r\n\
        0\r\n\
        X-Trailer: yes\r\n\
        \r\n";

    #[test]
    fn a_chunked_body_ends_after_its_trailer() {
        let mut after = CHUNKED.to_vec();
        after.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
        assert_eq!(body_len(Framing::Chunked, &after), Ok(BodyLen::Complete(CHUNKED.len())));
    }

    #[test]
    fn a_chunked_body_fed_one_byte_at_a_time_ends_at_the_same_place() {
        let mut reader = BodyReader::new(Framing::Chunked);
        for (index, byte) in CHUNKED.iter().enumerate() {
            let progress = reader.feed(std::slice::from_ref(byte)).expect("valid chunk syntax");
            assert_eq!(progress.consumed, 1, "byte {index}");
            assert_eq!(progress.complete, index == CHUNKED.len() - 1, "byte {index}");
        }
        assert_eq!(reader.feed(b"next"), Ok(Progress { consumed: 0, complete: true }));
    }

    #[test]
    fn a_chunked_body_split_at_every_point_ends_at_the_same_place() {
        for cut in 0..=CHUNKED.len() {
            let mut reader = BodyReader::new(Framing::Chunked);
            let first = reader.feed(&CHUNKED[..cut]).expect("valid prefix");
            assert_eq!(first.consumed, cut);
            assert_eq!(first.complete, cut == CHUNKED.len());
            let second = reader.feed(&CHUNKED[cut..]).expect("valid rest");
            assert_eq!((second.consumed, second.complete), (CHUNKED.len() - cut, true), "cut at {cut}");
            if cut < CHUNKED.len() {
                assert!(matches!(
                    body_len(Framing::Chunked, &CHUNKED[..cut]),
                    Ok(BodyLen::Incomplete { .. })
                ));
            }
        }
    }

    #[test]
    fn a_chunked_body_is_reread_after_each_chunk_or_line_that_arrives() {
        let mut reader = BodyReader::new(Framing::Chunked);
        assert_eq!(reader.wanted_before_reread(), 1, "no size line yet");
        reader.feed(b"5\r\nhe").expect("valid");
        assert_eq!(reader.wanted_before_reread(), 4, "three bytes of data and the CR");
        reader.feed(b"llo\r").expect("valid");
        assert_eq!(reader.wanted_before_reread(), 1, "the LF");
        reader.feed(b"\n").expect("valid");
        assert_eq!(reader.wanted_before_reread(), 1, "the next size line");
    }

    #[test]
    fn lengths_and_other_framings() {
        assert_eq!(body_len(Framing::Length(4), b"abcdef"), Ok(BodyLen::Complete(4)));
        assert_eq!(body_len(Framing::Length(4), b"ab"), Ok(BodyLen::Incomplete { needed: 2 }));
        assert_eq!(body_len(Framing::None, b"abc"), Ok(BodyLen::Complete(0)));
        assert_eq!(body_len(Framing::Tunnel, b"abc"), Ok(BodyLen::Complete(0)));
        assert_eq!(body_len(Framing::UntilClose, b"abc"), Ok(BodyLen::UntilClose));
    }

    #[test]
    fn bad_chunk_syntax_is_malformed() {
        for bad in [&b"x\r\n"[..], b"\r\n", b"5\r\nhelloXX", b"11111111111111111\r\n", b"0\r\n\rX"] {
            assert!(matches!(body_len(Framing::Chunked, bad), Err(Error::Malformed(_))), "{bad:?}");
        }
        let long_line = [b"1;".as_slice(), &[b'a'; MAX_CHUNK_LINE]].concat();
        assert!(matches!(body_len(Framing::Chunked, &long_line), Err(Error::Malformed(_))));
    }

    #[test]
    fn bare_lf_line_ends_are_accepted() {
        assert_eq!(body_len(Framing::Chunked, b"3\nabc\n0\n\n"), Ok(BodyLen::Complete(9)));
    }

    #[test]
    fn chunks_walk_the_parts_in_order() {
        let parts: Vec<_> = chunks(CHUNKED).collect();
        assert_eq!(
            parts,
            [
                ChunkPart::Data { size_line: b"5\r\n", size: 5, data: b"hello", boundary: b"\r\n" },
                ChunkPart::Data { size_line: b"7;ext=1\r\n", size: 7, data: b", world", boundary: b"\r\n" },
                ChunkPart::Last { size_line: b"0\r\n" },
                ChunkPart::Trailer(b"X-Trailer: yes\r\n"),
                ChunkPart::End(b"\r\n"),
            ]
        );
        assert_eq!(dechunked(CHUNKED).collect::<Vec<_>>().concat(), b"hello, world");
        // A body cut short yields what it has and stops.
        assert_eq!(chunks(&CHUNKED[..12]).count(), 1);
    }
}
