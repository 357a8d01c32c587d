//! Classic libpcap files: a 24-byte global header, then 16-byte record headers each followed by
//! the captured bytes.
//!
//! ```text
//! global header:  magic(4) version_major(2) version_minor(2) thiszone(4) sigfigs(4)
//!                 snaplen(4) linktype(4)
//! record header:  ts_sec(4) ts_frac(4) incl_len(4) orig_len(4)
//! ```
//! (draft-ietf-opsawg-pcap, sections 4 and 5.) The magic gives both the byte order and
//! whether `ts_frac` counts micro- or nanoseconds. pcap-file reads the global header and frames
//! the records; the checks here are the ones Wireshark applies (a record may not exceed the
//! largest packet any link type produces), not pcap-file's stricter snapshot-length ones,
//! which would reject every capture taken with a small `-s`.

use pcap_file::pcap::PcapParser;
use pcap_file::{Endianness, PcapError, TsResolution};

use super::file::{Format, ReadError, Record};
use super::{Frame, LinkType};

/// Largest record accepted, as in Wireshark (`WTAP_MAX_PACKET_SIZE_STANDARD`).
pub(super) const MAX_RECORD: u32 = 262_144;

/// The length of a record's header.
pub(super) const RECORD_HEADER_LEN: usize = 16;

/// Recognises a pcap magic number in either byte order.
pub(super) fn detect(bytes: &[u8]) -> Option<Format> {
    let magic: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    let (nanosecond, big_endian) = match magic {
        [0xa1, 0xb2, 0xc3, 0xd4] => (false, true),
        [0xd4, 0xc3, 0xb2, 0xa1] => (false, false),
        [0xa1, 0xb2, 0x3c, 0x4d] => (true, true),
        [0x4d, 0x3c, 0xb2, 0xa1] => (true, false),
        _ => return None,
    };
    Some(Format::Pcap { nanosecond, big_endian })
}

/// Reads the records of a pcap file in order. The reader keeps only the global header's
/// facts and how far it has come; the bytes are the caller's, a whole mapped file or, for a
/// stream, one record at a time.
pub(super) struct Reader {
    parser: PcapParser,
    /// How many bytes of the file have been read, the global header included.
    offset: u64,
    linktype: LinkType,
    nanosecond: bool,
}

impl Reader {
    /// Reads the global header at the front of `bytes`; returns the reader and what follows
    /// the header.
    pub(super) fn new(bytes: &[u8]) -> Result<(Self, &[u8]), String> {
        let (rest, parser) = PcapParser::new(bytes).map_err(|error| match error {
            PcapError::IncompleteBuffer => {
                format!("the pcap global header needs 24 bytes, the file has {}", bytes.len())
            }
            other => format!("unreadable pcap header: {other}"),
        })?;
        let header = parser.header();
        if header.version_major != 2 {
            return Err(format!(
                "pcap version {}.{} is not supported (expected 2.4)",
                header.version_major, header.version_minor
            ));
        }
        // The upper bits of the link-type word carry FCS information; the type is the low 16.
        let linktype = LinkType::from(u32::from(header.datalink) & 0xffff);
        let reader = Self {
            offset: (bytes.len() - rest.len()) as u64,
            linktype,
            nanosecond: header.ts_resolution == TsResolution::NanoSecond,
            parser,
        };
        Ok((reader, rest))
    }

    pub(super) fn offset(&self) -> u64 {
        self.offset
    }

    /// A reader of the whole file `bytes` that goes on from `offset`, a record's start where
    /// an earlier reader of the same file stood; returns it and the bytes from there.
    pub(super) fn resume(bytes: &[u8], offset: u64) -> Result<(Self, &[u8]), String> {
        let (mut reader, _) = Self::new(bytes)?;
        reader.offset = offset;
        Ok((reader, usize::try_from(offset).ok().and_then(|at| bytes.get(at..)).unwrap_or(&[])))
    }

    /// Whether timestamps count nanoseconds (else microseconds).
    pub(super) fn nanosecond(&self) -> bool {
        self.nanosecond
    }

    fn read_u32(&self, bytes: &[u8], at: usize) -> u32 {
        let word = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
        match self.parser.header().endianness {
            Endianness::Big => u32::from_be_bytes(word),
            Endianness::Little => u32::from_le_bytes(word),
        }
    }

    /// How many bytes a record takes in all, from its 16-byte header, or why it cannot be
    /// read: what a stream reads before it has the record.
    pub(super) fn record_len(&self, header: &[u8]) -> Result<usize, ReadError> {
        if header.len() < RECORD_HEADER_LEN {
            let (needed, available) = (RECORD_HEADER_LEN as u64, header.len() as u64);
            return Err(ReadError::Truncated { offset: self.offset, needed, available });
        }
        let incl_len = self.read_u32(header, 8);
        self.check_captured(incl_len)?;
        Ok(RECORD_HEADER_LEN + incl_len as usize)
    }

    fn check_captured(&self, incl_len: u32) -> Result<(), ReadError> {
        if incl_len > MAX_RECORD {
            return Err(ReadError::Malformed {
                offset: self.offset,
                reason: format!(
                    "a record claims {incl_len} captured bytes, more than the {MAX_RECORD} any packet can have"
                ),
            });
        }
        Ok(())
    }

    /// Reads the record at the front of `rest` and moves `rest` past it; after an error,
    /// `rest` is empty.
    pub(super) fn next_record<'b>(&mut self, rest: &mut &'b [u8]) -> Option<Result<Record<'b>, ReadError>> {
        let bytes: &'b [u8] = rest;
        if bytes.is_empty() {
            return None;
        }
        *rest = &[];
        let offset = self.offset;
        let available = bytes.len() as u64;
        if bytes.len() < RECORD_HEADER_LEN {
            return Some(Err(ReadError::Truncated { offset, needed: RECORD_HEADER_LEN as u64, available }));
        }
        let incl_len = self.read_u32(bytes, 8);
        if let Err(error) = self.check_captured(incl_len) {
            return Some(Err(error));
        }
        let (after, raw) = match self.parser.next_raw_packet(bytes) {
            Ok(parsed) => parsed,
            Err(PcapError::IncompleteBuffer) => {
                return Some(Err(ReadError::Truncated {
                    offset,
                    needed: RECORD_HEADER_LEN as u64 + u64::from(incl_len),
                    available,
                }));
            }
            Err(other) => return Some(Err(ReadError::Malformed { offset, reason: other.to_string() })),
        };
        let data = &bytes[RECORD_HEADER_LEN..RECORD_HEADER_LEN + raw.data.len()];
        self.offset += (bytes.len() - after.len()) as u64;
        *rest = after;
        let frac_ns = if self.nanosecond { i64::from(raw.ts_frac) } else { i64::from(raw.ts_frac) * 1000 };
        Some(Ok(Record::Frame(Frame {
            number: 0,
            ts_ns: i64::from(raw.ts_sec) * 1_000_000_000 + frac_ns,
            linktype: self.linktype,
            interface: None,
            orig_len: raw.orig_len,
            data,
        })))
    }
}
