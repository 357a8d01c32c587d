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
    /// Mid-stream, before the first record boundary, once the session's version is known as
    /// TLS 1.0 to 1.2: the segment does not start with a record type, and Wireshark ignores it
    /// whole ("Ignored Unknown Record").
    Ignored,
    /// Mid-stream, a segment too short to hold a record header was read with the next one, as
    /// Wireshark reads it (one more segment), and the two are [`Framed::Continuation`] or
    /// [`Framed::Ignored`] (`ignored`): the frames and byte counts they came from.
    Joined { ignored: bool, parts: SmallVec<[(u64, usize); 4]> },
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
    /// Bytes still to come of a record that a gap in the stream cut: they are passed over,
    /// and the record boundary after them is kept.
    skip: usize,
    /// The session's version is known to be TLS 1.0 to 1.2 (or TLCP): Wireshark then ignores
    /// a segment looked at for a record that does not start with a record type.
    pub version_known: bool,
}

/// The record types Wireshark's `ssl_is_valid_content_type` accepts: ChangeCipherSpec, alert,
/// handshake, application data, heartbeat and TLS 1.2's connection ID record (25).
fn valid_content_type(byte: u8) -> bool {
    (record::content_type::CHANGE_CIPHER_SPEC..=25).contains(&byte)
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
    /// What a segment seen before the first record boundary is, or `None` if it starts one.
    fn classify(&self, bytes: &[u8]) -> Option<Framed> {
        let verdict = classify_midstream(bytes);
        match bytes.first() {
            Some(&first)
                if self.version_known && verdict != Some(Framed::NotTls) && !valid_content_type(first) =>
            {
                Some(Framed::Ignored)
            }
            _ => verdict,
        }
    }

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
            let held = self.partial.len();
            if held + bytes.len() < record::HEADER_LEN {
                // Too short to tell: read with the next segment.
                self.partial.extend_from_slice(bytes);
                self.parts.push((frame, bytes.len()));
                return bytes.len();
            }
            let verdict = if held == 0 {
                self.classify(bytes)
            } else {
                let mut joined = self.partial.clone();
                joined.extend_from_slice(bytes);
                self.classify(&joined)
            };
            match verdict {
                Some(skipped) if held > 0 => {
                    let mut parts = std::mem::take(&mut self.parts);
                    parts.push((frame, bytes.len()));
                    self.partial.clear();
                    out.push(match skipped {
                        Framed::Continuation => Framed::Joined { ignored: false, parts },
                        Framed::Ignored => Framed::Joined { ignored: true, parts },
                        other => other,
                    });
                    return 0;
                }
                Some(skipped) => {
                    out.push(skipped);
                    return 0;
                }
                None => {}
            }
            self.midstream = false;
            self.lost = false;
        }
        let mut at = 0;
        if self.skip > 0 {
            at = self.skip.min(bytes.len());
            self.skip -= at;
            if self.skip > 0 || at == bytes.len() {
                // The whole feed is the rest of the cut record, which nothing completes.
                return bytes.len();
            }
        }
        if self.lost {
            if !(segment_start && record::parse_header(bytes).is_ok()) {
                return 0;
            }
            self.lost = false;
        }
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
        self.skip = 0;
        self.lost = true;
    }

    /// `missing` bytes of the stream are not in the capture. A record whose header was read
    /// and whose end the gap does not pass is lost, but its end is still a record boundary, as
    /// Wireshark's TCP keeps a PDU's end across missing segments: the bytes up to it are passed
    /// over and reading goes on from there. Returns whether the boundary was kept; otherwise
    /// it is lost, as after [`Framer::gap`].
    pub fn gap_of(&mut self, missing: u64) -> bool {
        let rest = self.record_rest();
        self.reset();
        match rest.and_then(|rest| rest.checked_sub(usize::try_from(missing).ok()?)) {
            Some(skip) => {
                self.skip = skip;
                true
            }
            None => {
                self.gap();
                false
            }
        }
    }

    /// How many bytes of the stream, from where it was delivered up to, belong to the record
    /// in progress, when its length is known.
    fn record_rest(&self) -> Option<usize> {
        if self.skip > 0 {
            return Some(self.skip);
        }
        if self.lost {
            return None;
        }
        let header = record::parse_header(&self.partial).ok()?;
        Some(header.total_len() - self.partial.len().min(header.total_len()))
    }

    /// How many of `len` bytes that start `ahead` bytes past the delivered end of the stream
    /// (a segment held behind a gap) belong to the record in progress: Wireshark shows them as
    /// segment data of that record when they arrive.
    pub fn inside_record(&self, ahead: u64, len: usize) -> usize {
        let Some(rest) = self.record_rest() else { return 0 };
        let ahead = usize::try_from(ahead).unwrap_or(usize::MAX);
        rest.saturating_sub(ahead).min(len)
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
        self.partial.len() < record::HEADER_LEN && self.skip == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::tls_record as record;

    fn next_header() -> RecordHeader {
        RecordHeader { content_type: 21, version: 0x0303, length: 2 }
    }

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
    fn a_gap_inside_a_record_whose_length_was_read_keeps_the_boundary_after_it() {
        let first = record(23, &[0x5a; 40]);
        let next = record(21, b"al");
        for cut in 0..first.len() {
            let rest = first.len() - cut;
            for missing in 1..=rest + 1 {
                let mut framer = Framer::default();
                let mut out = Vec::new();
                framer.feed(&first[..cut], 1, true, &mut out);
                let kept = framer.gap_of(missing as u64);
                // The length is known once the header is read, and the gap must end by the
                // record's end.
                assert_eq!(
                    kept,
                    cut >= record::HEADER_LEN && missing <= rest,
                    "cut {cut}, missing {missing}"
                );
                if !kept {
                    assert!(!framer.at_record_start() || framer.pending() == 0);
                    continue;
                }
                // What is left of the record is passed over, and the next record read.
                let after = &first[(cut + missing).min(first.len())..];
                assert_eq!(framer.inside_record(0, after.len() + 9), after.len());
                let mut stream = after.to_vec();
                stream.extend(&next);
                assert_eq!(framer.feed(&stream, 2, true, &mut out), 0, "cut {cut}, missing {missing}");
                assert_eq!(
                    out,
                    [Framed::Whole { header: next_header(), start: after.len(), len: next.len() }],
                    "cut {cut}, missing {missing}"
                );
            }
        }
    }

    #[test]
    fn the_rest_of_a_record_cut_by_a_gap_is_passed_over_across_segments() {
        let first = record(23, &[0x5a; 40]);
        let mut framer = Framer::default();
        let mut out = Vec::new();
        framer.feed(&first[..10], 1, true, &mut out);
        assert!(framer.gap_of(10));
        // 25 bytes of the record are left: one held 5 bytes past the delivered end has 20 of
        // them, and one past the record's end none.
        assert_eq!(framer.inside_record(5, 100), 20);
        assert_eq!(framer.inside_record(25, 100), 0);
        assert!(!framer.at_record_start());
        assert_eq!(framer.feed(&first[20..30], 2, true, &mut out), 10, "all of it is the cut record's");
        assert_eq!(framer.inside_record(0, 100), 15);
        assert_eq!(framer.feed(&first[30..], 3, true, &mut out), first.len() - 30);
        assert!(out.is_empty());
        assert!(framer.at_record_start(), "the next byte starts a record");
        // A second gap past the record's end loses the boundary.
        framer.feed(&record(23, b"abc")[..6], 4, true, &mut out);
        assert!(!framer.gap_of(100));
        assert_eq!(framer.inside_record(0, 10), 0);
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
        // ...and bytes that do not start a segment. (One too short to hold a record header is
        // read with the next: see below.)
        out.clear();
        framer.feed(&record(23, b"x"), 3, false, &mut out);
        assert!(out.is_empty());
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
    fn mid_stream_a_segment_too_short_for_a_header_is_read_with_the_next() {
        let next = record(23, b"application bytes");
        for short in 1..record::HEADER_LEN {
            // The tail of a record begun before the capture, then a segment starting a record:
            // read together, they start with no record type.
            let tail = vec![0xf2; short];
            for version_known in [false, true] {
                let mut framer = Framer::midstream();
                framer.version_known = version_known;
                let mut out = Vec::new();
                assert!(framer.at_record_start());
                assert_eq!(framer.feed(&tail, 1, true, &mut out), short, "kept for the next segment");
                assert!(out.is_empty());
                assert_eq!(framer.feed(&next, 2, true, &mut out), 0);
                let parts: SmallVec<[(u64, usize); 4]> = [(1, short), (2, next.len())].into_iter().collect();
                assert_eq!(out, [Framed::Joined { ignored: version_known, parts }], "{short} bytes");
                assert!(framer.is_midstream(), "the next segment is tried from its start");
            }
            // Bytes that start a record, cut short, are its header's start.
            let mut framer = Framer::midstream();
            let mut out = Vec::new();
            assert_eq!(framer.feed(&next[..short], 1, true, &mut out), short);
            framer.feed(&next[short..], 2, true, &mut out);
            assert!(matches!(out.as_slice(), [Framed::Collected { bytes, .. }] if bytes == &next), "{out:?}");
        }
    }

    #[test]
    fn mid_stream_once_the_version_is_known_a_segment_with_no_record_type_is_ignored() {
        let mut framer = Framer::midstream();
        framer.version_known = true;
        let mut out = Vec::new();
        framer.feed(&[0x9c, 0x41, 0x07, 0xee, 0x10, 0x00], 1, true, &mut out);
        // A record type with no TLS version is still continuation data, and text is not TLS.
        framer.feed(&[23, 0x7f, 0x03, 0x00, 0x01, 0x00], 2, true, &mut out);
        framer.feed(b"GET / HTTP/1.1", 3, true, &mut out);
        assert_eq!(out, [Framed::Ignored, Framed::Continuation, Framed::NotTls]);
    }

    #[test]
    fn mid_stream_text_is_not_tls() {
        let mut framer = Framer::midstream();
        let mut out = Vec::new();
        framer.feed(b"GET / HTTP/1.1\r\n", 1, true, &mut out);
        assert_eq!(out, [Framed::NotTls]);
        // Four printable bytes and no more are not enough to say so: they are read with the
        // next segment.
        out.clear();
        assert_eq!(framer.feed(b"GET ", 2, true, &mut out), 4);
        assert!(out.is_empty());
        framer.feed(b"/ HTTP/1.1\r\n", 3, true, &mut out);
        assert_eq!(out, [Framed::NotTls]);
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
