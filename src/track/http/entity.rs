//! A body's `Content-Encoding` undone, as Wireshark undoes it before handing the body on, the
//! output copied to the arena for the frame's layers to show: an HTTP/1.x body de-chunked then
//! decoded (gzip, deflate, brotli) as its HTTP dissector does ([`undo`]); an HTTP/2 stream's
//! whole body as its HTTP/2 dissector does ([`undo_stream`]), through the same decoder
//! ([`decode_into`]). A body that does not decode is copied as sent (de-chunked), which
//! Wireshark hands on undecoded.
//!
//! Bounds: each body decodes to at most [`MAX_MESSAGE`] bytes, and the bodies one call of
//! [`super::Reader::feed`] completes to at most [`MAX_DECODED`] between them; past either the
//! output stops there, marked cut, so a gzip bomb costs no more than its bound.

use std::ops::Range;

use super::MAX_MESSAGE;
use super::coding::{self, Scheme};
use crate::dissect::http1::{self, dechunked};

/// The most output the bodies of one feed decode to, between them.
pub const MAX_DECODED: usize = 4 * MAX_MESSAGE;

/// What a message's encoded body shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityOut {
    /// The message's place in [`super::Output::messages`].
    pub message: usize,
    /// In the arena: the decoded body, or, when it did not decode, the body as sent.
    pub bytes: Range<usize>,
    /// Whether it decoded.
    pub decoded: bool,
    /// It decoded to more than its bound: `bytes` are the first of it.
    pub cut: bool,
}

/// Undoes the Content-Encoding of `message`'s `body` (as sent: chunked if it is), spending
/// `budget`; None when it has none (or identity) or no body.
pub fn undo(
    message: &http1::Message<'_>,
    body: &[u8],
    index: usize,
    budget: &mut usize,
    arena: &mut Vec<u8>,
) -> Option<EntityOut> {
    let encoding = message.header("content-encoding")?;
    if body.is_empty() || encoding.trim_ascii().eq_ignore_ascii_case(b"identity") {
        return None;
    }
    let joined: Vec<u8>;
    let entity = if message.is_chunked() {
        joined = dechunked(body).flatten().copied().collect();
        &joined[..]
    } else {
        body
    };
    let undone = decode_into(coding::http1_scheme(encoding), entity, budget, arena);
    Some(EntityOut { message: index, bytes: undone.bytes, decoded: undone.decoded, cut: undone.cut })
}

/// A body undone, in the arena.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undone {
    /// In the arena: the decoded body, or, when it did not decode, the body as sent.
    pub bytes: Range<usize>,
    /// Whether it decoded.
    pub decoded: bool,
    /// It decoded to more than its bound: `bytes` are the first of it.
    pub cut: bool,
}

/// Decodes `body` by `scheme` (None: no decoder) into the arena, to at most [`MAX_MESSAGE`]
/// bytes and what is left of `budget`, which it spends; a body that does not decode is copied
/// as sent. The one decoder of every HTTP version.
pub fn decode_into(scheme: Option<Scheme>, body: &[u8], budget: &mut usize, arena: &mut Vec<u8>) -> Undone {
    let start = arena.len();
    let (decoded, cut) =
        match scheme.and_then(|scheme| coding::decode(scheme, body, MAX_MESSAGE.min(*budget))) {
            Some(decoded) => {
                *budget -= decoded.bytes.len();
                arena.extend_from_slice(&decoded.bytes);
                (true, decoded.cut)
            }
            None => {
                arena.extend_from_slice(body);
                (false, false)
            }
        };
    Undone { bytes: start..arena.len(), decoded, cut }
}

/// An HTTP/2 stream's body with its `content-encoding` undone, or tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamEntity {
    /// The `content-encoding` as sent.
    pub encoding: Vec<u8>,
    /// The body's length as sent.
    pub encoded_len: usize,
    pub undone: Undone,
}

/// Undoes the `content-encoding` of an HTTP/2 (or HTTP/3) stream's whole `body`, spending
/// `budget`; None when Wireshark's HTTP/2 dissector would not try ([`coding::http2_scheme`]):
/// the body is then shown as sent.
pub fn undo_stream(
    encoding: &[u8],
    body: &[u8],
    budget: &mut usize,
    arena: &mut Vec<u8>,
) -> Option<StreamEntity> {
    let scheme = coding::http2_scheme(encoding)?;
    let undone = decode_into(Some(scheme), body, budget, arena);
    Some(StreamEntity { encoding: encoding.to_vec(), encoded_len: body.len(), undone })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(bytes).expect("in memory");
        encoder.finish().expect("in memory")
    }

    fn head(fields: &str) -> Vec<u8> {
        format!("HTTP/1.1 200 OK\r\n{fields}\r\n").into_bytes()
    }

    #[test]
    fn a_chunked_gzip_body_is_dechunked_then_inflated() {
        let text = b"a body in two chunks";
        let gzip = gzip(text);
        let (first, second) = gzip.split_at(gzip.len() / 2);
        let mut body = format!("{:x}\r\n", first.len()).into_bytes();
        body.extend_from_slice(first);
        body.extend_from_slice(format!("\r\n{:x}\r\n", second.len()).as_bytes());
        body.extend_from_slice(second);
        body.extend_from_slice(b"\r\n0\r\n\r\n");
        let head = head("Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n");
        let (_, message) = http1::parse(&head).expect("a head");
        let (mut budget, mut arena) = (MAX_DECODED, vec![0; 3]);
        let out = undo(&message, &body, 1, &mut budget, &mut arena).expect("encoded");
        assert_eq!(out, EntityOut { message: 1, bytes: 3..3 + text.len(), decoded: true, cut: false });
        assert_eq!(&arena[out.bytes], text);
        assert_eq!(budget, MAX_DECODED - text.len());
    }

    #[test]
    fn a_body_that_does_not_decode_is_kept_as_sent_and_identity_is_no_encoding() {
        let (mut budget, mut arena) = (MAX_DECODED, Vec::new());
        for encoding in ["x-rttscope", "gzip", "br"] {
            let head = head(&format!("Content-Encoding: {encoding}\r\n"));
            let (_, message) = http1::parse(&head).expect("a head");
            let out = undo(&message, b"plain text", 0, &mut budget, &mut arena).expect("encoded");
            assert!(!out.decoded && !out.cut, "{encoding}");
            assert_eq!(&arena[out.bytes], b"plain text", "{encoding}");
        }
        let head = head("Content-Encoding: Identity\r\n");
        let (_, message) = http1::parse(&head).expect("a head");
        assert_eq!(undo(&message, b"plain text", 0, &mut budget, &mut arena), None);
        let head = self::head("Content-Type: text/plain\r\n");
        let (_, message) = http1::parse(&head).expect("a head");
        assert_eq!(undo(&message, b"plain text", 0, &mut budget, &mut arena), None);
    }

    #[test]
    fn bombs_stop_at_each_bodys_bound_and_at_the_feeds() {
        let bomb = gzip(&vec![0; MAX_MESSAGE + 1]);
        let head = head("Content-Encoding: gzip\r\n");
        let (_, message) = http1::parse(&head).expect("a head");
        let (mut budget, mut arena) = (MAX_DECODED, Vec::new());
        for index in 0..5 {
            let out = undo(&message, &bomb, index, &mut budget, &mut arena).expect("encoded");
            assert!(out.decoded && out.cut, "bomb {index}");
            let expected = if index < 4 { MAX_MESSAGE } else { 0 };
            assert_eq!(out.bytes.len(), expected, "bomb {index}");
        }
        assert_eq!((budget, arena.len()), (0, MAX_DECODED));
    }

    #[test]
    fn a_stream_bomb_stops_at_each_bodys_bound_and_at_the_feeds() {
        let bomb = gzip(&vec![0; MAX_MESSAGE + 1]);
        let (mut budget, mut arena) = (MAX_DECODED, Vec::new());
        for index in 0..5 {
            let out = undo_stream(b"gzip", &bomb, &mut budget, &mut arena).expect("gzip is tried");
            assert!(out.undone.decoded && out.undone.cut, "bomb {index}");
            assert_eq!(out.encoded_len, bomb.len());
            let expected = if index < 4 { MAX_MESSAGE } else { 0 };
            assert_eq!(out.undone.bytes.len(), expected, "bomb {index}");
        }
        assert_eq!((budget, arena.len()), (0, MAX_DECODED));
    }

    #[test]
    fn a_cut_stream_body_shows_what_inflated_and_a_name_http2_does_not_decode_is_left_alone() {
        // Text that compresses little, so that half the stream inflates to part of it.
        let mut state = 1u32;
        let text: Vec<u8> = (0..4000)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                b'a' + (state >> 16) as u8 % 26
            })
            .collect();
        let gzip = gzip(&text);
        let (mut budget, mut arena) = (MAX_DECODED, Vec::new());
        let out = undo_stream(b"gzip", &gzip[..gzip.len() / 2], &mut budget, &mut arena).expect("tried");
        assert!(out.undone.decoded && !out.undone.cut);
        let inflated = &arena[out.undone.bytes];
        assert!(!inflated.is_empty() && inflated.len() < text.len() && text.starts_with(inflated));
        // Cut inside the header: nothing inflated, the body is kept as sent.
        let out = undo_stream(b"deflate", &gzip[..5], &mut budget, &mut arena).expect("tried");
        assert!(!out.undone.decoded);
        assert_eq!(&arena[out.undone.bytes], &gzip[..5]);
        // Bytes that are no brotli stream do not decode.
        let out = undo_stream(b"br", &gzip, &mut budget, &mut arena).expect("tried");
        assert!(!out.undone.decoded);
        for name in [&b"x-gzip"[..], b"GZIP", b"x-rttscope", b"identity"] {
            assert_eq!(undo_stream(name, &gzip, &mut budget, &mut arena), None, "{name:?}");
        }
    }

    #[test]
    fn a_truncated_gzip_body_shows_what_inflated() {
        let text = vec![b'x'; 1000];
        let gzip = gzip(&text);
        let head = head("Content-Encoding: gzip\r\n");
        let (_, message) = http1::parse(&head).expect("a head");
        let (mut budget, mut arena) = (MAX_DECODED, Vec::new());
        let out = undo(&message, &gzip[..gzip.len() - 8], 0, &mut budget, &mut arena).expect("encoded");
        assert!(out.decoded && !out.cut);
        assert_eq!(&arena[out.bytes], &text[..]);
        let out = undo(&message, &gzip[..5], 0, &mut budget, &mut arena).expect("encoded");
        assert!(!out.decoded, "a cut header inflates nothing");
    }
}
