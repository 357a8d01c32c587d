//! QPACK field sections (RFC 9204): the header block of an HTTP/3 HEADERS frame, read with
//! the static table and the literals, so that requests and statuses are readable.
//!
//! ```text
//! Field section prefix:  Required Insert Count (8+), S (1), Delta Base (7+)
//! 1Txxxxxx               Indexed field line, index (6+); T=1 static table
//! 0001xxxx               Indexed field line, post-base index (4+)
//! 01NTxxxx               Literal with name reference, index (4+), value string (7+)
//! 0000Nxxx               Literal with post-base name reference, index (3+), value (7+)
//! 001NHxxx               Literal with literal name, name string (3+), value string (7+)
//! String:                H (1), length (7+), bytes; H=1 Huffman-coded (RFC 7541 appendix B)
//! ```
//! (`8+` is a prefixed integer with an 8-bit prefix, RFC 7541 section 5.1.)
//!
//! The bytes are read with the shared nom parsers (`dissect::error`), whose errors map into
//! QPACK's own [`Error`], the reason the section's problem shows.
//!
//! Entries of the dynamic table live on the QPACK encoder stream, which this reader does not
//! follow: a line that refers to one is kept with its index and shown as such, and the lines
//! after it are still read.

use std::cell::RefCell;
use std::fmt;
use std::ops::Range;

use loona_hpack::huffman::HuffmanDecoder;

use super::error::{self, be_u8, take_bytes};

/// The most lines read from one field section.
pub const MAX_LINES: usize = 256;

/// How a field line is represented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repr {
    /// The whole field from a table.
    Indexed,
    /// The name from a table, the value literal.
    NameReference,
    /// Name and value literal.
    Literal,
}

/// Where a table reference points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Static(u64),
    /// Relative to the section's base (RFC 9204 section 3.2.5).
    Dynamic(u64),
    DynamicPostBase(u64),
}

/// One field line, as far as it can be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub repr: Repr,
    pub table: Option<Table>,
    /// `None` when it is in the dynamic table.
    pub name: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    /// The line's bytes in the field section.
    pub bytes: Range<usize>,
}

/// Why a field section could not be read to its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The section ends inside a line or its prefix.
    Truncated,
    /// An integer longer than 62 bits.
    IntegerOverflow,
    /// A static table index past its 99 entries.
    NoSuchStaticEntry(u64),
    /// A Huffman-coded string that does not decode.
    BadHuffman,
    TooManyLines,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated => f.write_str("the field section ends inside a field line"),
            Error::IntegerOverflow => f.write_str("an integer longer than 62 bits"),
            Error::NoSuchStaticEntry(index) => write!(f, "static table index {index} does not exist"),
            Error::BadHuffman => f.write_str("a Huffman-coded string does not decode"),
            Error::TooManyLines => write!(f, "more than {MAX_LINES} field lines"),
        }
    }
}

/// A decoded field section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSection {
    pub required_insert_count: u64,
    pub lines: Vec<Line>,
    pub error: Option<Error>,
}

impl FieldSection {
    /// The value of the first line named `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.lines
            .iter()
            .find(|line| line.name.as_deref() == Some(name.as_bytes()))
            .and_then(|line| line.value.as_deref())
    }

    /// Whether a line refers to the dynamic table.
    pub fn uses_dynamic_table(&self) -> bool {
        self.lines
            .iter()
            .any(|line| matches!(line.table, Some(Table::Dynamic(_) | Table::DynamicPostBase(_))))
    }
}

/// Reads a field section; what comes before an error is kept.
pub fn decode(bytes: &[u8]) -> FieldSection {
    let mut section = FieldSection::default();
    let prefix = integer(8, bytes).and_then(|(rest, count)| Ok((integer(7, rest)?.0, count)));
    let mut input = match prefix {
        Ok((rest, count)) => {
            section.required_insert_count = count;
            rest
        }
        Err(error) => {
            section.error = Some(error);
            return section;
        }
    };
    while !input.is_empty() {
        if section.lines.len() == MAX_LINES {
            section.error = Some(Error::TooManyLines);
            break;
        }
        let start = bytes.len() - input.len();
        match line(input) {
            Ok((rest, mut line)) => {
                line.bytes = start..bytes.len() - rest.len();
                section.lines.push(line);
                input = rest;
            }
            Err(error) => {
                section.error = Some(error);
                break;
            }
        }
    }
    section
}

/// What a QPACK parser returns: the rest of the input and the value, as nom's parsers do, or
/// QPACK's own error.
type Parsed<'a, T> = Result<(&'a [u8], T), Error>;

/// The shared parsers fail here only for want of bytes: a length past the address space is
/// past the end of the section too.
fn truncated(_: nom::Err<error::Error>) -> Error {
    Error::Truncated
}

/// One field line.
fn line(input: &[u8]) -> Parsed<'_, Line> {
    let (_, first) = be_u8(input).map_err(truncated)?;
    let line = |repr, table: Table, value| {
        let entry = match table {
            Table::Static(index) => Some(static_entry(index)?),
            _ => None,
        };
        let name = entry.map(|(name, _)| name.as_bytes().to_vec());
        let value = match repr {
            Repr::Indexed => entry.map(|(_, value)| value.as_bytes().to_vec()),
            _ => value,
        };
        Ok(Line { repr, table: Some(table), name, value, bytes: 0..0 })
    };
    if first & 0x80 != 0 {
        let (rest, index) = integer(6, input)?;
        let table = if first & 0x40 != 0 { Table::Static(index) } else { Table::Dynamic(index) };
        Ok((rest, line(Repr::Indexed, table, None)?))
    } else if first & 0x40 != 0 {
        let (rest, index) = integer(4, input)?;
        let table = if first & 0x10 != 0 { Table::Static(index) } else { Table::Dynamic(index) };
        let (rest, value) = string(7, rest)?;
        Ok((rest, line(Repr::NameReference, table, Some(value))?))
    } else if first & 0x20 != 0 {
        let (rest, name) = string(3, input)?;
        let (rest, value) = string(7, rest)?;
        let line =
            Line { repr: Repr::Literal, table: None, name: Some(name), value: Some(value), bytes: 0..0 };
        Ok((rest, line))
    } else if first & 0x10 != 0 {
        let (rest, index) = integer(4, input)?;
        Ok((rest, line(Repr::Indexed, Table::DynamicPostBase(index), None)?))
    } else {
        let (rest, index) = integer(3, input)?;
        let (rest, value) = string(7, rest)?;
        Ok((rest, line(Repr::NameReference, Table::DynamicPostBase(index), Some(value))?))
    }
}

/// A prefixed integer whose prefix is the low `bits` bits of the first byte.
fn integer(bits: u32, input: &[u8]) -> Parsed<'_, u64> {
    let max = (1u64 << bits) - 1;
    let (mut input, first) = be_u8(input).map_err(truncated)?;
    let mut value = u64::from(first) & max;
    if value < max {
        return Ok((input, value));
    }
    let mut shift = 0;
    loop {
        let (rest, byte) = be_u8(input).map_err(truncated)?;
        input = rest;
        let part = u64::from(byte & 0x7f);
        if shift > 56 || (shift == 56 && part > 0x3f) {
            return Err(Error::IntegerOverflow);
        }
        value += part << shift;
        if byte & 0x80 == 0 {
            return Ok((input, value));
        }
        shift += 7;
    }
}

/// A string literal whose Huffman bit sits just above a `bits`-bit length prefix.
fn string(bits: u32, input: &[u8]) -> Parsed<'_, Vec<u8>> {
    let (_, first) = be_u8(input).map_err(truncated)?;
    let huffman = first & (1 << bits) != 0;
    let (input, len) = integer(bits, input)?;
    let len = usize::try_from(len).map_err(|_| Error::Truncated)?;
    let (rest, raw) = take_bytes(len)(input).map_err(truncated)?;
    if !huffman {
        return Ok((rest, raw.to_vec()));
    }
    thread_local! {
        static HUFFMAN: RefCell<HuffmanDecoder> = RefCell::new(HuffmanDecoder::new());
    }
    let decoded = HUFFMAN.with(|decoder| decoder.borrow_mut().decode(raw)).map_err(|_| Error::BadHuffman)?;
    Ok((rest, decoded))
}

/// An entry of the static table.
fn static_entry(index: u64) -> Result<(&'static str, &'static str), Error> {
    usize::try_from(index)
        .ok()
        .and_then(|index| STATIC_TABLE.get(index))
        .copied()
        .ok_or(Error::NoSuchStaticEntry(index))
}

/// RFC 9204 appendix A.
pub const STATIC_TABLE: [(&str, &str); 99] = [
    (":authority", ""),
    (":path", "/"),
    ("age", "0"),
    ("content-disposition", ""),
    ("content-length", "0"),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("referer", ""),
    ("set-cookie", ""),
    (":method", "CONNECT"),
    (":method", "DELETE"),
    (":method", "GET"),
    (":method", "HEAD"),
    (":method", "OPTIONS"),
    (":method", "POST"),
    (":method", "PUT"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "103"),
    (":status", "200"),
    (":status", "304"),
    (":status", "404"),
    (":status", "503"),
    ("accept", "*/*"),
    ("accept", "application/dns-message"),
    ("accept-encoding", "gzip, deflate, br"),
    ("accept-ranges", "bytes"),
    ("access-control-allow-headers", "cache-control"),
    ("access-control-allow-headers", "content-type"),
    ("access-control-allow-origin", "*"),
    ("cache-control", "max-age=0"),
    ("cache-control", "max-age=2592000"),
    ("cache-control", "max-age=604800"),
    ("cache-control", "no-cache"),
    ("cache-control", "no-store"),
    ("cache-control", "public, max-age=31536000"),
    ("content-encoding", "br"),
    ("content-encoding", "gzip"),
    ("content-type", "application/dns-message"),
    ("content-type", "application/javascript"),
    ("content-type", "application/json"),
    ("content-type", "application/x-www-form-urlencoded"),
    ("content-type", "image/gif"),
    ("content-type", "image/jpeg"),
    ("content-type", "image/png"),
    ("content-type", "text/css"),
    ("content-type", "text/html; charset=utf-8"),
    ("content-type", "text/plain"),
    ("content-type", "text/plain;charset=utf-8"),
    ("range", "bytes=0-"),
    ("strict-transport-security", "max-age=31536000"),
    ("strict-transport-security", "max-age=31536000; includesubdomains"),
    ("strict-transport-security", "max-age=31536000; includesubdomains; preload"),
    ("vary", "accept-encoding"),
    ("vary", "origin"),
    ("x-content-type-options", "nosniff"),
    ("x-xss-protection", "1; mode=block"),
    (":status", "100"),
    (":status", "204"),
    (":status", "206"),
    (":status", "302"),
    (":status", "400"),
    (":status", "403"),
    (":status", "421"),
    (":status", "425"),
    (":status", "500"),
    ("accept-language", ""),
    ("access-control-allow-credentials", "FALSE"),
    ("access-control-allow-credentials", "TRUE"),
    ("access-control-allow-headers", "*"),
    ("access-control-allow-methods", "get"),
    ("access-control-allow-methods", "get, post, options"),
    ("access-control-allow-methods", "options"),
    ("access-control-expose-headers", "content-length"),
    ("access-control-request-headers", "content-type"),
    ("access-control-request-method", "get"),
    ("access-control-request-method", "post"),
    ("alt-svc", "clear"),
    ("authorization", ""),
    ("content-security-policy", "script-src 'none'; object-src 'none'; base-uri 'none'"),
    ("early-data", "1"),
    ("expect-ct", ""),
    ("forwarded", ""),
    ("if-range", ""),
    ("origin", ""),
    ("purpose", "prefetch"),
    ("server", ""),
    ("timing-allow-origin", "*"),
    ("upgrade-insecure-requests", "1"),
    ("user-agent", ""),
    ("x-forwarded-for", ""),
    ("x-frame-options", "deny"),
    ("x-frame-options", "sameorigin"),
];

#[cfg(test)]
mod tests;
