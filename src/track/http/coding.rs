//! Undoing a body's compression: gRPC's `grpc-encoding` and HTTP's `Content-Encoding`, gzip or
//! deflate, never to more than a caller's bound (a small body may claim to inflate to gigabytes).

use std::io::Read;

use flate2::read::{DeflateDecoder, GzDecoder, ZlibDecoder};

/// A compression a body may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    /// A zlib stream (RFC 1950): HTTP's and gRPC's "deflate".
    Zlib,
    /// A bare deflate stream (RFC 1951), which some servers send as HTTP's "deflate".
    RawDeflate,
}

/// Inflates `body`, to at most `limit` bytes.
pub fn inflate(coding: Coding, body: &[u8], limit: usize) -> Result<Vec<u8>, &'static str> {
    let mut inflated = Vec::new();
    let cap = limit as u64 + 1;
    let read = match coding {
        Coding::Gzip => GzDecoder::new(body).take(cap).read_to_end(&mut inflated),
        Coding::Zlib => ZlibDecoder::new(body).take(cap).read_to_end(&mut inflated),
        Coding::RawDeflate => DeflateDecoder::new(body).take(cap).read_to_end(&mut inflated),
    };
    match read {
        Err(_) => Err("inflating failed"),
        Ok(len) if len > limit => Err("inflated, it would pass the size bound"),
        Ok(_) => Ok(inflated),
    }
}

/// A body as its `Content-Encoding` says it was before encoding, as Wireshark undoes it:
/// gzip and deflate (and their `x-` names, any case; deflate as a zlib stream, else bare) are
/// inflated, identity is the body itself. None when it cannot be undone: an encoding Wireshark
/// has no decoder for, a body that does not inflate, or one that would pass `limit`; and, for
/// now, brotli (`br`), which Wireshark undoes where it is built with it.
pub fn decode_content(encoding: &[u8], body: &[u8], limit: usize) -> Option<Vec<u8>> {
    let encoding = encoding.trim_ascii();
    let named = |name: &str| encoding.eq_ignore_ascii_case(name.as_bytes());
    if named("identity") {
        Some(body[..body.len().min(limit)].to_vec())
    } else if named("gzip") || named("x-gzip") {
        inflate(Coding::Gzip, body, limit).ok()
    } else if named("deflate") || named("x-deflate") {
        inflate(Coding::Zlib, body, limit).or_else(|_| inflate(Coding::RawDeflate, body, limit)).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};

    use super::*;

    const TEXT: &[u8] = b"an encoded body, an encoded body, an encoded body";

    fn gzip() -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(TEXT).expect("in memory");
        encoder.finish().expect("in memory")
    }

    #[test]
    fn gzip_and_deflate_in_either_wrapping_are_undone_and_any_case_of_their_names() {
        assert_eq!(decode_content(b"gzip", &gzip(), 1000).as_deref(), Some(TEXT));
        assert_eq!(decode_content(b" X-GZIP ", &gzip(), 1000).as_deref(), Some(TEXT));
        let mut zlib = ZlibEncoder::new(Vec::new(), Compression::fast());
        zlib.write_all(TEXT).expect("in memory");
        let zlib = zlib.finish().expect("in memory");
        assert_eq!(decode_content(b"deflate", &zlib, 1000).as_deref(), Some(TEXT));
        let mut raw = DeflateEncoder::new(Vec::new(), Compression::fast());
        raw.write_all(TEXT).expect("in memory");
        let raw = raw.finish().expect("in memory");
        assert_eq!(decode_content(b"x-deflate", &raw, 1000).as_deref(), Some(TEXT));
        assert_eq!(decode_content(b"identity", TEXT, 1000).as_deref(), Some(TEXT));
    }

    #[test]
    fn what_cannot_be_undone_is_none() {
        assert_eq!(decode_content(b"br", TEXT, 1000), None, "no decoder");
        assert_eq!(decode_content(b"gzip", TEXT, 1000), None, "not gzip");
        let gzip = gzip();
        for cut in 0..gzip.len() {
            assert_eq!(decode_content(b"gzip", &gzip[..cut], 1000), None, "cut at {cut}");
        }
        assert_eq!(decode_content(b"gzip", &gzip, TEXT.len() - 1), None, "past the bound");
        assert_eq!(decode_content(b"gzip", &gzip, TEXT.len()).as_deref(), Some(TEXT), "at the bound");
    }
}
