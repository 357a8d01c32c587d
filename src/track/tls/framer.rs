//! Cuts one direction of a TCP stream into TLS records.
//!
//! Whole records inside one segment are reported where they are, borrowed from the frame. A
//! record that spans segments is collected (header and body, never more than
//! [`record::MAX_BODY_LEN`] + 5 bytes) and reported on the segment that completes it, with the
//! frames it came from. A header that cannot be TLS, or a gap in the stream, loses the record
//! boundary: the framer then waits for a segment that starts with a plausible record header.
//!
//! A connection picked up mid-stream on a port registered for TLS ([`Framer::midstream`]) is
//! read the way Wireshark's TLS dissector reads one whose version it does not know yet: each
//! segment is tried from its first byte; one that does not start like an SSL 3 or TLS record
//! is "Continuation Data" as a whole ([`Framed::Continuation`]), one that starts with four
//! printable characters is not TLS at all ([`Framed::NotTls`]), and the first that starts like
//! a record puts the framer back on the record boundaries.
//!
//! Where a record starts, an SSL 2.0-compatible ClientHello held whole by the bytes fed is
//! framed too, with [`sslv2::VERSION`] as its header's version and its two-byte header's
//! length; one cut across segments is not (such hellos are a few hundred bytes at most).

use smallvec::SmallVec;

use crate::dissect::error::Error;
use crate::dissect::tls::record::{self, RecordHeader};
use crate::dissect::tls::sslv2;

/// A record found in the stream.
#[derive(Debug, PartialEq, Eq)]
pub enum Framed {
    /// A whole record at `start..start + len` of the bytes just fed.
    Whole { header: RecordHeader, start: usize, len: usize },
    /// A record collected from several segments: its bytes, and how many came from each
    /// frame, in order.
    Collected { header: RecordHeader, bytes: Vec<u8>, parts: SmallVec<[(u64, usize); 4]> },
    /// The stream stopped looking like TLS here.
    Malformed(String),
    /// Mid-stream, before the first record boundary: the segment's bytes are the rest of a
    /// record begun before the capture, shown as TLS continuation data.
    Continuation,
    /// Mid-stream, before the first record boundary: the segment starts with text, which TLS
    /// leaves to other protocols.
    NotTls,
}

#[derive(Clone, Debug, Default)]
pub struct Framer {
    partial: Vec<u8>,
    parts: SmallVec<[(u64, usize); 4]>,
    /// The record boundary is lost; wait for a segment that starts a record.
    lost: bool,
    /// Picked up mid-stream and not yet on a record boundary: every segment that does not
    /// start one is reported as continuation data.
    midstream: bool,
}

/// The record versions Wireshark's `ssl_looks_like_sslv3` accepts: SSL 3.0, TLS 1.0 to 1.2
/// (TLS 1.3 records say 1.2) and TLCP's 0x0101.
const LOOKS_LIKE_SSLV3: [u16; 5] = [0x0300, 0x0301, 0x0302, 0x0303, 0x0101];

/// What a segment seen before the first record boundary starts with.
fn classify_midstream(bytes: &[u8]) -> Option<Framed> {
    // Wireshark's TLS dissector gives up a payload of more than four bytes whose first four
    // are printable ASCII: it is unencrypted text, not TLS.
    if bytes.len() > 4 && bytes[..4].iter().all(|byte| (0x20..0x7f).contains(byte)) {
        return Some(Framed::NotTls);
    }
    let looks_like_record = match bytes {
        [content_type, major, minor, ..] => {
            (record::content_type::CHANGE_CIPHER_SPEC..=record::content_type::HEARTBEAT)
                .contains(content_type)
                && LOOKS_LIKE_SSLV3.contains(&u16::from_be_bytes([*major, *minor]))
        }
        _ => false,
    };
    match record::parse_header(bytes) {
        Ok(_) if looks_like_record => None,
        _ if whole_sslv2_hello(bytes).is_some() => None,
        _ => Some(Framed::Continuation),
    }
}

/// The header and length of an SSL 2.0-compatible ClientHello at the start of `bytes`, if they
/// hold it whole.
fn whole_sslv2_hello(bytes: &[u8]) -> Option<(RecordHeader, usize)> {
    let len = sslv2::record_len(bytes)?;
    let hello = sslv2::parse(bytes.get(..len)?).ok()?;
    let header = RecordHeader {
        content_type: record::content_type::HANDSHAKE,
        version: sslv2::VERSION,
        length: hello.length,
    };
    Some((header, len))
}

impl Framer {
    /// A framer for a stream picked up at an unknown place: it looks for the first record
    /// boundary at the start of each segment, as Wireshark does on a TLS port.
    pub fn midstream() -> Self {
        Self { lost: true, midstream: true, ..Self::default() }
    }

    /// Feeds the next bytes of the stream, which start a segment's delivered data when
    /// `segment_start` is true; appends what it finds to `out`. Returns how many bytes at the
    /// end were kept for a record that continues.
    pub fn feed(&mut self, bytes: &[u8], frame: u64, segment_start: bool, out: &mut Vec<Framed>) -> usize {
        if self.midstream {
            if !segment_start || bytes.is_empty() {
                return 0;
            }
            if let Some(skipped) = classify_midstream(bytes) {
                out.push(skipped);
                return 0;
            }
            self.midstream = false;
            self.lost = false;
        }
        if self.lost {
            if !(segment_start && record::parse_header(bytes).is_ok()) {
                return 0;
            }
            self.lost = false;
        }
        let mut at = 0;
        if !self.partial.is_empty() {
            at = self.continue_partial(bytes, frame, out);
            if !self.partial.is_empty() || self.lost {
                return if self.lost { 0 } else { bytes.len() };
            }
        }
        while at < bytes.len() {
            let rest = &bytes[at..];
            if let Some((header, len)) = whole_sslv2_hello(rest) {
                out.push(Framed::Whole { header, start: at, len });
                at += len;
                continue;
            }
            match record::parse_header(rest) {
                Ok(header) if rest.len() >= header.total_len() => {
                    out.push(Framed::Whole { header, start: at, len: header.total_len() });
                    at += header.total_len();
                }
                Ok(_) | Err(Error::Truncated { .. }) => {
                    self.partial.extend_from_slice(rest);
                    self.parts.push((frame, rest.len()));
                    return rest.len();
                }
                Err(error) => {
                    out.push(Framed::Malformed(error.to_string()));
                    self.lost = true;
                    return 0;
                }
            }
        }
        0
    }

    /// Adds bytes to the record being collected; returns how many of `bytes` it used.
    fn continue_partial(&mut self, bytes: &[u8], frame: u64, out: &mut Vec<Framed>) -> usize {
        let mut used = 0;
        if self.partial.len() < record::HEADER_LEN {
            let take = (record::HEADER_LEN - self.partial.len()).min(bytes.len());
            self.partial.extend_from_slice(&bytes[..take]);
            used = take;
        }
        let header = match record::parse_header(&self.partial) {
            Ok(header) => header,
            Err(Error::Truncated { .. }) => {
                self.push_part(frame, used);
                return used;
            }
            Err(error) => {
                out.push(Framed::Malformed(error.to_string()));
                self.reset();
                self.lost = true;
                return bytes.len();
            }
        };
        let take = (header.total_len() - self.partial.len()).min(bytes.len() - used);
        self.partial.extend_from_slice(&bytes[used..used + take]);
        used += take;
        self.push_part(frame, used);
        if self.partial.len() == header.total_len() {
            let bytes = std::mem::take(&mut self.partial);
            let parts = std::mem::take(&mut self.parts);
            out.push(Framed::Collected { header, bytes, parts });
        }
        used
    }

    fn push_part(&mut self, frame: u64, len: usize) {
        if len == 0 {
            return;
        }
        match self.parts.last_mut() {
            Some((last, count)) if *last == frame => *count += len,
            _ => self.parts.push((frame, len)),
        }
    }

    /// The bytes it holds for a record in progress, for the memory budget.
    pub fn cost(&self) -> usize {
        self.partial.capacity()
            + if self.parts.spilled() {
                self.parts.capacity() * std::mem::size_of::<(u64, usize)>()
            } else {
                0
            }
    }

    /// Bytes of the stream are missing: whatever record was in progress is lost.
    pub fn gap(&mut self) {
        self.reset();
        self.lost = true;
    }

    /// Whether no record boundary has been found yet on a stream picked up mid-stream.
    pub fn is_midstream(&self) -> bool {
        self.midstream
    }

    fn reset(&mut self) {
        self.partial.clear();
        self.parts.clear();
    }

    /// Bytes of a record waiting for the rest.
    pub fn pending(&self) -> usize {
        self.partial.len()
    }

    /// Whether the next bytes fed are read as the start of a record: nothing of one is held,
    /// or not yet enough to know its length (then, as in Wireshark, the record is read afresh
    /// with the next segment).
    pub fn at_record_start(&self) -> bool {
        self.partial.len() < record::HEADER_LEN && (!self.lost || self.midstream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::tls_record as record;

    #[test]
    fn whole_records_are_found_where_they_are() {
        let mut stream = record(22, b"hello");
        stream.extend(record(20, &[1]));
        let mut framer = Framer::default();
        let mut out = Vec::new();
        assert_eq!(framer.feed(&stream, 1, true, &mut out), 0);
        let header = |content_type, length| RecordHeader { content_type, version: 0x0303, length };
        assert_eq!(
            out,
            [
                Framed::Whole { header: header(22, 5), start: 0, len: 10 },
                Framed::Whole { header: header(20, 1), start: 10, len: 6 }
            ]
        );
    }

    #[test]
    fn a_record_cut_at_any_byte_is_collected_from_its_segments() {
        let stream = record(23, b"application bytes");
        for cut in 1..stream.len() {
            let mut framer = Framer::default();
            let mut out = Vec::new();
            assert_eq!(framer.feed(&stream[..cut], 1, true, &mut out), cut);
            assert!(out.is_empty(), "cut at {cut}");
            framer.feed(&stream[cut..], 2, true, &mut out);
            let Some(Framed::Collected { bytes, parts, .. }) = out.first() else {
                panic!("cut at {cut}: {out:?}")
            };
            assert_eq!(bytes, &stream);
            assert_eq!(parts.as_slice(), [(1, cut), (2, stream.len() - cut)]);
        }
    }

    #[test]
    fn a_malformed_header_loses_the_boundary_until_a_segment_starts_a_record() {
        let mut framer = Framer::default();
        let mut out = Vec::new();
        framer.feed(b"\x63\x03\x03\x00\x01x", 1, true, &mut out);
        assert!(matches!(out.as_slice(), [Framed::Malformed(_)]));
        out.clear();
        framer.feed(&record(23, b"a"), 2, false, &mut out);
        assert!(out.is_empty());
        framer.feed(&record(23, b"b"), 3, true, &mut out);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn mid_stream_each_segment_is_continuation_data_until_one_starts_a_record() {
        let mut framer = Framer::midstream();
        let mut out = Vec::new();
        // The tail of an application data record begun before the capture...
        assert!(framer.at_record_start(), "each segment is tried from its start");
        framer.feed(&[0x9c, 0x41, 0x07, 0xee, 0x10, 0x00], 1, true, &mut out);
        assert_eq!(out, [Framed::Continuation]);
        // ...a segment whose first bytes read as a type but no SSL 3 or TLS version...
        out.clear();
        framer.feed(&[23, 0x7f, 0x03, 0x00, 0x01, 0x00], 2, true, &mut out);
        assert_eq!(out, [Framed::Continuation]);
        // ...one too short to hold a record header, and bytes that do not start a segment.
        out.clear();
        framer.feed(&[23, 3, 3], 3, true, &mut out);
        framer.feed(&record(23, b"x"), 3, false, &mut out);
        assert_eq!(out, [Framed::Continuation]);
        assert!(framer.is_midstream());
        // A segment that starts a record puts the framer on the boundaries: a record cut by
        // the segment's end is collected from the next, which starts mid-record.
        out.clear();
        let mut stream = record(21, b"al");
        stream.extend(record(23, b"application bytes"));
        assert_eq!(framer.feed(&stream[..12], 4, true, &mut out), 5);
        assert!(!framer.is_midstream());
        assert!(matches!(out.as_slice(), [Framed::Whole { start: 0, len: 7, .. }]));
        out.clear();
        framer.feed(&stream[12..], 5, true, &mut out);
        assert!(matches!(out.as_slice(), [Framed::Collected { bytes, .. }] if bytes == &stream[7..]));
    }

    #[test]
    fn mid_stream_text_is_not_tls() {
        let mut framer = Framer::midstream();
        let mut out = Vec::new();
        framer.feed(b"GET / HTTP/1.1\r\n", 1, true, &mut out);
        assert_eq!(out, [Framed::NotTls]);
        // Four printable bytes and no more are not enough to say so.
        out.clear();
        framer.feed(b"GET ", 2, true, &mut out);
        assert_eq!(out, [Framed::Continuation]);
    }

    #[test]
    fn an_sslv2_format_client_hello_is_framed_where_a_record_starts() {
        // RFC 5246 E.2: 2-byte header (top bit set, 47 bytes follow), client_hello, TLS 1.0,
        // 6 bytes of cipher specs, a 16-byte session ID and a 16-byte challenge.
        let mut hello = vec![0x80, 47, 1, 3, 1, 0, 6, 0, 16, 0, 16, 0, 0, 0x2f, 1, 0, 0x80];
        hello.extend([0xab; 32]);
        let mut stream = hello.clone();
        stream.extend(record(22, b"next"));
        for mut framer in [Framer::default(), Framer::midstream()] {
            let mut out = Vec::new();
            assert_eq!(framer.feed(&stream, 1, true, &mut out), 0);
            let v2 = RecordHeader { content_type: 22, version: sslv2::VERSION, length: 47 };
            assert_eq!(out[0], Framed::Whole { header: v2, start: 0, len: 49 });
            assert!(matches!(out[1], Framed::Whole { start: 49, len: 9, .. }), "{out:?}");
        }
        // Cut short, it is not taken for a hello.
        let mut out = Vec::new();
        Framer::midstream().feed(&hello[..30], 1, true, &mut out);
        assert_eq!(out, [Framed::Continuation]);
    }
}
