//! Undoing a body's compression: gRPC's `grpc-encoding` (gzip or deflate) and HTTP's
//! `Content-Encoding` (gzip, deflate, brotli), never to more than a caller's bound (a small body
//! may claim to inflate to gigabytes).

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

/// A body with its `Content-Encoding` undone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// What the body decoded to: all of it, or, for a gzip or deflate body cut short or
    /// corrupt part way, what came out before the damage (as Wireshark shows it).
    pub bytes: Vec<u8>,
    /// The body decodes to more than the caller's bound: `bytes` are its first `limit` bytes.
    pub cut: bool,
}

/// How a body's `Content-Encoding` is undone, once its name is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Nothing to undo.
    Identity,
    /// gzip or deflate: inflated as gzip when the body starts with gzip's magic, else as a
    /// zlib stream, else as bare deflate (Wireshark's `tvb_uncompress`).
    Inflate,
    /// brotli (RFC 7932).
    Brotli,
}

/// The scheme of an HTTP/1.x `Content-Encoding`, as Wireshark 4.0's HTTP dissector reads the
/// name: gzip and deflate and their `x-` names, br and identity, any case, spaces around
/// ignored. None for an encoding it has no decoder for.
pub fn http1_scheme(encoding: &[u8]) -> Option<Scheme> {
    let encoding = encoding.trim_ascii();
    let named = |name: &str| encoding.eq_ignore_ascii_case(name.as_bytes());
    if named("identity") {
        Some(Scheme::Identity)
    } else if named("gzip") || named("x-gzip") || named("deflate") || named("x-deflate") {
        Some(Scheme::Inflate)
    } else if named("br") {
        Some(Scheme::Brotli)
    } else {
        None
    }
}

/// The scheme of an HTTP/2 (or HTTP/3) `content-encoding`, as Wireshark 4.0's HTTP/2 dissector
/// reads the name: by how it starts, case and all (`gzip`, `deflate` and `br` and anything
/// longer that starts so; `x-gzip` or `GZIP` is not decoded). None for any other name.
pub fn http2_scheme(encoding: &[u8]) -> Option<Scheme> {
    if encoding.starts_with(b"gzip") || encoding.starts_with(b"deflate") {
        Some(Scheme::Inflate)
    } else if encoding.starts_with(b"br") {
        Some(Scheme::Brotli)
    } else {
        None
    }
}

/// A body as its `Content-Encoding` says it was before encoding, as Wireshark 4.0's HTTP
/// dissector undoes it ([`http1_scheme`] reads the name; [`decode`] undoes the body).
pub fn decode_content(encoding: &[u8], body: &[u8], limit: usize) -> Option<Decoded> {
    decode(http1_scheme(encoding)?, body, limit)
}

/// A body undone by `scheme`, as Wireshark 4.0 undoes it for every HTTP version: a gzip or
/// deflate body cut short (or damaged part way) gives what inflated before the damage, and
/// fails only when nothing did; a brotli body must be one whole stream and nothing after it;
/// identity is the body itself. Never more than `limit` bytes are made (a small body may claim
/// to inflate to gigabytes): past it the output stops, marked `cut`. None when the body does
/// not decode.
pub fn decode(scheme: Scheme, body: &[u8], limit: usize) -> Option<Decoded> {
    match scheme {
        Scheme::Identity => {
            let cut = body.len() > limit;
            Some(Decoded { bytes: body[..body.len().min(limit)].to_vec(), cut })
        }
        Scheme::Inflate => inflate_content(body, limit),
        Scheme::Brotli => brotli(body, limit),
    }
}

/// Reads `reader` to its end, an error or `limit` bytes, keeping what it gave before an
/// error; whether it ended cleanly.
fn read_bounded(reader: impl Read, limit: usize) -> (Decoded, bool) {
    let mut bytes = Vec::new();
    let clean = reader.take(limit as u64 + 1).read_to_end(&mut bytes).is_ok();
    let cut = bytes.len() > limit;
    bytes.truncate(limit);
    (Decoded { bytes, cut }, clean)
}

/// gzip, zlib or bare deflate, tried as Wireshark's `tvb_uncompress` tries them.
fn inflate_content(body: &[u8], limit: usize) -> Option<Decoded> {
    let usable = |(decoded, clean): (Decoded, bool)| (clean || !decoded.bytes.is_empty()).then_some(decoded);
    if body.starts_with(&[0x1f, 0x8b]) {
        return usable(read_bounded(GzDecoder::new(body), limit));
    }
    usable(read_bounded(ZlibDecoder::new(body), limit))
        .or_else(|| usable(read_bounded(DeflateDecoder::new(body), limit)))
}

/// A brotli stream (RFC 7932), decoded in steps of [`BROTLI_STEP`] bytes of output up to
/// `limit`; a stream cut short, damaged or followed by more bytes does not decode.
fn brotli(body: &[u8], limit: usize) -> Option<Decoded> {
    use brotli_decompressor::{BrotliDecompressStream, BrotliResult, BrotliState, StandardAlloc};
    let mut state =
        BrotliState::new_strict(StandardAlloc::default(), StandardAlloc::default(), StandardAlloc::default());
    let (mut available_in, mut input_offset, mut total_out) = (body.len(), 0, 0);
    let mut bytes = Vec::new();
    let mut step = [0u8; BROTLI_STEP];
    loop {
        let (mut available_out, mut output_offset) = (step.len(), 0);
        let result = BrotliDecompressStream(
            &mut available_in,
            &mut input_offset,
            body,
            &mut available_out,
            &mut output_offset,
            &mut step,
            &mut total_out,
            &mut state,
        );
        let room = limit - bytes.len();
        bytes.extend_from_slice(&step[..output_offset.min(room)]);
        if output_offset > room {
            return Some(Decoded { bytes, cut: true });
        }
        match result {
            BrotliResult::NeedsMoreOutput => continue,
            BrotliResult::ResultSuccess if available_in == 0 => return Some(Decoded { bytes, cut: false }),
            _ => return None,
        }
    }
}

/// How much brotli output is made at a time.
const BROTLI_STEP: usize = 16 * 1024;

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

    /// Made by PyPI's `brotli` 1.2.1 (`brotli.compress`): TEXT, and 8 MiB of zeros.
    const BROTLI_TEXT: &str = "1b3000f8c5636c5d7df790cd5695d45320f4433d7abc9c10";
    const BROTLI_ZEROS: &str = "cbffff3ff82700e2b14020f7fe6f";

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len()).step_by(2).map(|at| u8::from_str_radix(&text[at..at + 2], 16).expect("hex")).collect()
    }

    fn whole(bytes: &[u8]) -> Option<Decoded> {
        Some(Decoded { bytes: bytes.to_vec(), cut: false })
    }

    #[test]
    fn gzip_and_deflate_in_any_wrapping_are_undone_and_any_case_of_their_names() {
        assert_eq!(decode_content(b"gzip", &gzip(), 1000), whole(TEXT));
        assert_eq!(decode_content(b" X-GZIP ", &gzip(), 1000), whole(TEXT));
        let mut zlib = ZlibEncoder::new(Vec::new(), Compression::fast());
        zlib.write_all(TEXT).expect("in memory");
        let zlib = zlib.finish().expect("in memory");
        assert_eq!(decode_content(b"deflate", &zlib, 1000), whole(TEXT));
        // Wireshark inflates either name's body whatever its wrapping.
        assert_eq!(decode_content(b"gzip", &zlib, 1000), whole(TEXT));
        assert_eq!(decode_content(b"deflate", &gzip(), 1000), whole(TEXT));
        let mut raw = DeflateEncoder::new(Vec::new(), Compression::fast());
        raw.write_all(TEXT).expect("in memory");
        let raw = raw.finish().expect("in memory");
        assert_eq!(decode_content(b"x-deflate", &raw, 1000), whole(TEXT));
        assert_eq!(decode_content(b"identity", TEXT, 1000), whole(TEXT));
    }

    #[test]
    fn brotli_is_undone_only_whole() {
        let brotli = hex(BROTLI_TEXT);
        assert_eq!(decode_content(b"br", &brotli, 1000), whole(TEXT));
        assert_eq!(decode_content(b"BR", &brotli, 1000), whole(TEXT));
        // As tshark (built with brotli) shows them: a stream cut short, or followed by more
        // bytes, does not decode at all.
        for cut in 0..brotli.len() {
            assert_eq!(decode_content(b"br", &brotli[..cut], 1000), None, "cut at {cut}");
        }
        assert_eq!(decode_content(b"br", &[brotli.as_slice(), b"junk"].concat(), 1000), None);
        assert_eq!(decode_content(b"br", TEXT, 1000), None, "not brotli");
    }

    #[test]
    fn a_gzip_body_cut_short_gives_what_inflated_before_the_cut_as_wireshark() {
        let gzip = gzip();
        let mut partial = 0;
        for cut in 0..gzip.len() {
            match decode_content(b"gzip", &gzip[..cut], 1000) {
                // Only the 10-byte header and no data: nothing inflated.
                None => assert!(partial == 0, "cut at {cut}: nothing after something"),
                Some(decoded) => {
                    assert!(!decoded.cut && TEXT.starts_with(&decoded.bytes), "cut at {cut}: {decoded:?}");
                    assert!(decoded.bytes.len() >= partial, "cut at {cut}: less than before");
                    partial = decoded.bytes.len();
                }
            }
        }
        assert!(decode_content(b"gzip", &gzip[..10], 1000).is_none(), "header only");
        // Without its 8-byte trailer (CRC and size) the whole text has inflated.
        assert_eq!(decode_content(b"gzip", &gzip[..gzip.len() - 8], 1000), whole(TEXT));
        // A wrong CRC is not checked, as zlib in Wireshark does not check it.
        let mut wrong_crc = gzip.clone();
        let crc_at = gzip.len() - 8;
        wrong_crc[crc_at] ^= 0xff;
        assert_eq!(decode_content(b"gzip", &wrong_crc, 1000), whole(TEXT));
    }

    #[test]
    fn a_bomb_stops_at_the_bound() {
        let mut bomb = GzEncoder::new(Vec::new(), Compression::best());
        bomb.write_all(&vec![0; 8 << 20]).expect("in memory");
        let bomb = bomb.finish().expect("in memory");
        assert!(bomb.len() < 16 * 1024, "{} bytes", bomb.len());
        let limit = 1 << 20;
        for (encoding, body) in [(&b"gzip"[..], bomb), (b"br", hex(BROTLI_ZEROS))] {
            let decoded = decode_content(encoding, &body, limit).expect("decodes");
            assert!(decoded.cut, "{encoding:?}");
            assert_eq!(decoded.bytes.len(), limit, "{encoding:?}");
            assert!(decoded.bytes.capacity() <= 2 * limit + BROTLI_STEP, "{encoding:?}");
        }
        assert_eq!(decode_content(b"gzip", &gzip(), TEXT.len()), whole(TEXT), "at the bound");
        let over = decode_content(b"gzip", &gzip(), TEXT.len() - 1).expect("decodes");
        assert!(over.cut && over.bytes == TEXT[..TEXT.len() - 1], "past the bound");
    }

    #[test]
    fn http2_names_are_read_by_their_start_and_case_as_wiresharks_http2_dissector_reads_them() {
        assert_eq!(http2_scheme(b"gzip"), Some(Scheme::Inflate));
        assert_eq!(http2_scheme(b"deflate"), Some(Scheme::Inflate));
        assert_eq!(http2_scheme(b"br"), Some(Scheme::Brotli));
        assert_eq!(http2_scheme(b"gzip, br"), Some(Scheme::Inflate), "the first name's start");
        for other in [&b"x-gzip"[..], b"GZIP", b"Br", b" gzip", b"identity", b"x-rttscope", b""] {
            assert_eq!(http2_scheme(other), None, "{other:?}");
        }
        // The HTTP/1.x names, by contrast, are whole names in any case.
        assert_eq!(http1_scheme(b" X-GZIP "), Some(Scheme::Inflate));
        assert_eq!(http1_scheme(b"gzip, br"), None);
        assert_eq!(decode(Scheme::Inflate, &gzip(), 1000), whole(TEXT));
    }

    #[test]
    fn what_cannot_be_undone_is_none() {
        assert_eq!(decode_content(b"compress", TEXT, 1000), None, "no decoder");
        assert_eq!(decode_content(b"x-rttscope", TEXT, 1000), None, "no decoder");
        assert_eq!(decode_content(b"gzip", TEXT, 1000), None, "not gzip");
    }
}
