//! Cuts one direction of a TCP stream into TLS records.
//!
//! Whole records inside one segment are reported where they are, borrowed from the frame. A
//! record that spans segments is collected (header and body, never more than
//! [`record::MAX_BODY_LEN`] + 5 bytes) and reported on the segment that completes it, with the
//! frames it came from. A header that cannot be TLS, or a gap in the stream, loses the record
//! boundary: the framer then waits for a segment that starts with a plausible record header.

use smallvec::SmallVec;

use crate::dissect::error::Error;
use crate::dissect::tls::record::{self, RecordHeader};

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
}

#[derive(Clone, Debug, Default)]
pub struct Framer {
    partial: Vec<u8>,
    parts: SmallVec<[(u64, usize); 4]>,
    /// The record boundary is lost; wait for a segment that starts a record.
    lost: bool,
}

impl Framer {
    /// Feeds the next bytes of the stream, which start a segment's delivered data when
    /// `segment_start` is true; appends what it finds to `out`. Returns how many bytes at the
    /// end were kept for a record that continues.
    pub fn feed(&mut self, bytes: &[u8], frame: u64, segment_start: bool, out: &mut Vec<Framed>) -> usize {
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

    /// Bytes of the stream are missing: whatever record was in progress is lost.
    /// The bytes it holds for a record in progress, for the memory budget.
    pub fn cost(&self) -> usize {
        self.partial.capacity()
            + if self.parts.spilled() {
                self.parts.capacity() * std::mem::size_of::<(u64, usize)>()
            } else {
                0
            }
    }

    pub fn gap(&mut self) {
        self.reset();
        self.lost = true;
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
        self.partial.len() < record::HEADER_LEN && !self.lost
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
}
