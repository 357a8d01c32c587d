//! pcapng files: a sequence of sections, each a Section Header Block followed by Interface
//! Description Blocks and packet blocks.
//!
//! ```text
//! every block:    block_type(4) block_total_length(4) body(...) block_total_length(4)
//! EPB (6):        interface_id(4) ts_high(4) ts_low(4) captured_len(4) original_len(4)
//!                 packet_data(captured_len, padded to 4) options
//! SPB (3):        original_len(4) packet_data(min(original_len, snaplen), padded to 4)
//! PB (2, old):    interface_id(2) drops_count(2) ts_high(4) ts_low(4) captured_len(4)
//!                 original_len(4) packet_data options
//! DSB (10):       secrets_type(4) secrets_length(4) secrets_data(padded to 4) options
//! ```
//! (draft-ietf-opsawg-pcapng, sections 4.1 to 4.7.) pcap-file frames the blocks and parses the
//! section and interface headers; the packet bodies are read here because pcap-file 2.0
//! assumes nanosecond timestamps whatever `if_tsresol` says, keeps the padding of a Simple
//! Packet Block as packet data, does not know Decryption Secrets Blocks, and drops a whole
//! packet over one odd option.

use pcap_file::pcapng::PcapNgParser;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::{Endianness, PcapError};

use super::file::{ReadError, Record, Secrets, SecretsKind};
use super::pcap::MAX_RECORD;
use super::{Frame, LinkType, TsResolution};

/// The block type of a Section Header Block, which also starts every pcapng file.
pub(super) const MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

mod block_type {
    pub const SECTION_HEADER: u32 = 0x0a0d_0d0a;
    pub const INTERFACE_DESCRIPTION: u32 = 1;
    pub const PACKET: u32 = 2;
    pub const SIMPLE_PACKET: u32 = 3;
    pub const ENHANCED_PACKET: u32 = 6;
    pub const DECRYPTION_SECRETS: u32 = 10;
}

/// What a packet block needs to know about the interface it was captured on.
#[derive(Clone, Debug)]
pub(super) struct Interface {
    /// `if_name`, when the interface block gives one.
    name: Option<String>,
    linktype: LinkType,
    snaplen: u32,
    resolution: TsResolution,
    offset_s: i64,
}

/// Reads the blocks of a pcapng file in order. The reader keeps the current section's byte
/// order and interfaces and how far it has come; the bytes are the caller's, a whole mapped
/// file or, for a stream, one block at a time.
pub(super) struct Reader {
    parser: PcapNgParser,
    /// How many bytes of the file have been read.
    offset: u64,
    interfaces: Vec<Interface>,
    /// Where the current section's header block starts.
    section_start: u64,
}

/// Where a walk of a pcapng file stands: enough to go on from there with [`Reader::resume`].
#[derive(Clone, Debug)]
pub(super) struct Mark {
    offset: u64,
    section_start: u64,
    interfaces: Vec<Interface>,
}

/// The most bytes one block may take when read from a stream, which must hold a whole block
/// before reading it: a packet block of the largest packet with room for options, or a large
/// Decryption Secrets Block.
pub(super) const MAX_STREAMED_BLOCK: u32 = 16 << 20;

impl Reader {
    /// Checks the Section Header Block at the front of `bytes`; the walk then starts at
    /// `bytes`' first byte, so that block is seen like any later one.
    pub(super) fn new(bytes: &[u8]) -> Result<Self, String> {
        let (_, parser) = PcapNgParser::new(bytes).map_err(|error| match error {
            PcapError::IncompleteBuffer => "the pcapng section header is cut short".to_owned(),
            other => format!("unreadable pcapng section header: {other}"),
        })?;
        Ok(Self { parser, offset: 0, interfaces: Vec::new(), section_start: 0 })
    }

    pub(super) fn offset(&self) -> u64 {
        self.offset
    }

    /// Where this reader stands, to go on from there later.
    pub(super) fn mark(&self) -> Mark {
        Mark { offset: self.offset, section_start: self.section_start, interfaces: self.interfaces.clone() }
    }

    /// A reader of the whole file `bytes` that goes on where `mark` was taken by an earlier
    /// reader of the same file, and the bytes from there.
    pub(super) fn resume<'b>(bytes: &'b [u8], mark: &Mark) -> Result<(Self, &'b [u8]), String> {
        let at = |offset: u64| usize::try_from(offset).ok().and_then(|at| bytes.get(at..)).unwrap_or(&[]);
        let reader = Self::new(at(mark.section_start))?;
        let resumed = Self {
            offset: mark.offset,
            interfaces: mark.interfaces.clone(),
            section_start: mark.section_start,
            ..reader
        };
        Ok((resumed, at(mark.offset)))
    }

    pub(super) fn big_endian(&self) -> bool {
        self.parser.section().endianness == Endianness::Big
    }

    /// The byte order of the block starting with `head`: a section header's own, else the
    /// section's.
    pub(super) fn byte_order(head: &[u8], section_big_endian: bool, offset: u64) -> Result<bool, ReadError> {
        if head[..4] != MAGIC {
            return Ok(section_big_endian);
        }
        match [head[8], head[9], head[10], head[11]] {
            [0x1a, 0x2b, 0x3c, 0x4d] => Ok(true),
            [0x4d, 0x3c, 0x2b, 0x1a] => Ok(false),
            [a, b, c, d] => {
                let reason = format!(
                    "a section header's byte-order magic is {a:02x} {b:02x} {c:02x} {d:02x}, not 1a 2b 3c 4d"
                );
                Err(ReadError::Malformed { offset, reason })
            }
        }
    }

    pub(super) fn check_len(len: u32, offset: u64) -> Result<(), ReadError> {
        let malformed = |reason: String| Err(ReadError::Malformed { offset, reason });
        if len < 12 {
            return malformed(format!("a block's length {len} is below the 12-byte minimum"));
        }
        if !len.is_multiple_of(4) {
            return malformed(format!("a block's length {len} is not a multiple of 4"));
        }
        Ok(())
    }

    /// Reads the blocks at the front of `rest` up to the next packet or secrets, moving `rest`
    /// past them; after an error, `rest` is empty.
    pub(super) fn next_record<'b>(&mut self, rest: &mut &'b [u8]) -> Option<Result<Record<'b>, ReadError>> {
        loop {
            let block_start: &'b [u8] = rest;
            if block_start.is_empty() {
                return None;
            }
            let offset = self.offset;
            let framed = self.check_framing(block_start, offset).and_then(|()| {
                self.parser.next_raw_block(block_start).map_err(|error| ReadError::Malformed {
                    offset,
                    reason: format!("unreadable block: {error}"),
                })
            });
            let (after, raw) = match framed {
                Ok(parsed) => parsed,
                Err(error) => {
                    *rest = &[];
                    return Some(Err(error));
                }
            };
            *rest = after;
            self.offset += (block_start.len() - after.len()) as u64;
            // The body lies between the 8-byte block header and the 4-byte trailer.
            let body = &block_start[8..raw.initial_len as usize - 4];
            let result = match raw.type_ {
                block_type::SECTION_HEADER => {
                    self.interfaces.clear();
                    self.section_start = offset;
                    continue;
                }
                block_type::INTERFACE_DESCRIPTION => {
                    self.add_interface();
                    continue;
                }
                block_type::ENHANCED_PACKET => self.enhanced_packet(body),
                block_type::SIMPLE_PACKET => self.simple_packet(body),
                block_type::PACKET => self.obsolete_packet(body),
                block_type::DECRYPTION_SECRETS => self.decryption_secrets(body),
                // Name resolution, statistics, journal, custom and unknown blocks carry no
                // packets; skip them.
                _ => continue,
            };
            return Some(result.map_err(|reason| {
                *rest = &[];
                ReadError::Malformed { offset, reason }
            }));
        }
    }

    /// Checks a block's framing before pcap-file reads it, so that a damaged or cut block is
    /// reported in plain words with the numbers that matter.
    fn check_framing(&self, block: &[u8], offset: u64) -> Result<(), ReadError> {
        let available = block.len() as u64;
        if block.len() < 12 {
            return Err(ReadError::Truncated { offset, needed: 12, available });
        }
        let big_endian = Self::byte_order(block, self.big_endian(), offset)?;
        let len = word(block, 4, big_endian);
        Self::check_len(len, offset)?;
        if len as usize > block.len() {
            return Err(ReadError::Truncated { offset, needed: len.into(), available });
        }
        let closing = word(block, len as usize - 4, big_endian);
        if closing != len {
            let reason = format!("a block's closing length {closing} differs from its opening length {len}");
            return Err(ReadError::Malformed { offset, reason });
        }
        Ok(())
    }

    fn add_interface(&mut self) {
        let Some(description) = self.parser.interfaces().last() else {
            return;
        };
        let mut interface = Interface {
            name: None,
            linktype: LinkType::from(u32::from(description.linktype)),
            snaplen: description.snaplen,
            resolution: TsResolution::MICRO,
            offset_s: 0,
        };
        for option in &description.options {
            match option {
                InterfaceDescriptionOption::IfTsResol(byte) => {
                    interface.resolution = TsResolution::from_option(*byte);
                }
                // if_tsoffset is a signed count of seconds stored in a 64-bit word.
                InterfaceDescriptionOption::IfTsOffset(seconds) => {
                    interface.offset_s = *seconds as i64;
                }
                InterfaceDescriptionOption::IfName(name) => interface.name = Some(name.to_string()),
                _ => {}
            }
        }
        self.interfaces.push(interface);
    }

    /// The names (`if_name`) of the first section's interfaces, read up to its first packet,
    /// by interface id: what a capture says about where it was taken.
    pub(super) fn interface_names(mut self, mut rest: &[u8]) -> Vec<Option<String>> {
        while let Some(Ok(record)) = self.next_record(&mut rest) {
            if matches!(record, Record::Frame(_)) {
                break;
            }
        }
        self.names()
    }

    /// How many decimal digits of a second the first section's interfaces record (six for
    /// microseconds, nine for nanoseconds or a binary clock), read up to its first packet, by
    /// interface id: the precision tshark prints their times with.
    pub(super) fn interface_time_digits(mut self, mut rest: &[u8]) -> Vec<u8> {
        while let Some(Ok(record)) = self.next_record(&mut rest) {
            if matches!(record, Record::Frame(_)) {
                break;
            }
        }
        self.time_digits()
    }

    /// The names of the interfaces described so far, by interface id.
    pub(super) fn names(&self) -> Vec<Option<String>> {
        self.interfaces.iter().map(|interface| interface.name.clone()).collect()
    }

    /// How many decimal digits of a second the interfaces described so far record (six for
    /// microseconds, nine for nanoseconds or a binary clock), by interface id.
    pub(super) fn time_digits(&self) -> Vec<u8> {
        let digits = |resolution| match resolution {
            TsResolution::Decimal(exponent) => exponent.min(9),
            TsResolution::Binary(_) => 9,
        };
        self.interfaces.iter().map(|interface| digits(interface.resolution)).collect()
    }

    fn interface(&self, id: u32) -> Result<&Interface, String> {
        self.interfaces.get(id as usize).ok_or_else(|| {
            format!(
                "a packet names interface {id}, but its section describes {} interface(s)",
                self.interfaces.len()
            )
        })
    }

    fn u32_at(&self, bytes: &[u8], at: usize) -> u32 {
        word(bytes, at, self.big_endian())
    }

    fn frame<'b>(
        &self,
        interface_id: u32,
        units: Option<u64>,
        orig_len: u32,
        data: &'b [u8],
    ) -> Result<Record<'b>, String> {
        let interface = self.interface(interface_id)?;
        if data.len() > MAX_RECORD as usize {
            return Err(format!(
                "a packet claims {} captured bytes, more than the {MAX_RECORD} any packet can have",
                data.len()
            ));
        }
        let ts_ns = units.map_or(0, |units| {
            interface
                .resolution
                .to_nanos(units)
                .saturating_add(interface.offset_s.saturating_mul(1_000_000_000))
        });
        Ok(Record::Frame(Frame {
            number: 0,
            ts_ns,
            linktype: interface.linktype,
            interface: Some(interface_id),
            orig_len,
            data,
        }))
    }

    fn enhanced_packet<'b>(&self, body: &'b [u8]) -> Result<Record<'b>, String> {
        self.timestamped_packet("an Enhanced Packet Block", body, |body| self.u32_at(body, 0))
    }

    /// The obsolete Packet Block: an EPB whose first word is a 16-bit interface id and a
    /// 16-bit drop count.
    fn obsolete_packet<'b>(&self, body: &'b [u8]) -> Result<Record<'b>, String> {
        self.timestamped_packet("a Packet Block", body, |body| {
            let half = [body[0], body[1]];
            u32::from(if self.big_endian() { u16::from_be_bytes(half) } else { u16::from_le_bytes(half) })
        })
    }

    /// Reads the layout EPB and PB share after their first word: timestamp high and low,
    /// captured length, original length, packet data.
    fn timestamped_packet<'b>(
        &self,
        what: &str,
        body: &'b [u8],
        interface_id: impl Fn(&[u8]) -> u32,
    ) -> Result<Record<'b>, String> {
        if body.len() < 20 {
            return Err(format!("{what} body of {} bytes is shorter than its 20-byte header", body.len()));
        }
        let units = (u64::from(self.u32_at(body, 4)) << 32) | u64::from(self.u32_at(body, 8));
        let captured = self.u32_at(body, 12) as usize;
        let orig_len = self.u32_at(body, 16);
        let data = body.get(20..20 + captured).ok_or_else(|| {
            format!("{what} claims {captured} captured bytes but holds {}", body.len() - 20)
        })?;
        self.frame(interface_id(body), Some(units), orig_len, data)
    }

    fn simple_packet<'b>(&self, body: &'b [u8]) -> Result<Record<'b>, String> {
        if body.len() < 4 {
            return Err("a Simple Packet Block has no room for its length".to_owned());
        }
        let orig_len = self.u32_at(body, 0);
        let snaplen = self.interface(0)?.snaplen;
        let mut captured = (orig_len as usize).min(body.len() - 4);
        if snaplen != 0 {
            captured = captured.min(snaplen as usize);
        }
        self.frame(0, None, orig_len, &body[4..4 + captured])
    }

    fn decryption_secrets<'b>(&self, body: &'b [u8]) -> Result<Record<'b>, String> {
        if body.len() < 8 {
            return Err("a Decryption Secrets Block is shorter than its 8-byte header".to_owned());
        }
        let kind = SecretsKind::from(self.u32_at(body, 0));
        let length = self.u32_at(body, 4) as usize;
        let data = body.get(8..8 + length).ok_or_else(|| {
            format!(
                "a Decryption Secrets Block claims {length} bytes of secrets but holds {}",
                body.len() - 8
            )
        })?;
        Ok(Record::Secrets(Secrets { kind, data }))
    }
}

/// How many bytes the block whose first 12 bytes are `head` takes in all, in a section of the
/// given byte order (a section header says its own), or why it cannot be read: what a stream
/// reads before it has the block.
pub(super) fn block_len(head: &[u8], section_big_endian: bool, offset: u64) -> Result<usize, ReadError> {
    if head.len() < 12 {
        return Err(ReadError::Truncated { offset, needed: 12, available: head.len() as u64 });
    }
    let big_endian = Reader::byte_order(head, section_big_endian, offset)?;
    let len = word(head, 4, big_endian);
    Reader::check_len(len, offset)?;
    if len > MAX_STREAMED_BLOCK {
        let reason =
            format!("a block of {len} bytes is larger than the {MAX_STREAMED_BLOCK} a stream may hold");
        return Err(ReadError::Malformed { offset, reason });
    }
    Ok(len as usize)
}

/// Whether a whole block of a section in the given byte order holds a packet or secrets (a
/// record), not a section header, an interface or a block rttscope skips: exactly the blocks
/// for which [`Reader::next_record`] yields a record or an error.
pub(super) fn holds_record(block: &[u8], big_endian: bool) -> bool {
    block.len() >= 4
        && matches!(
            word(block, 0, big_endian),
            block_type::ENHANCED_PACKET
                | block_type::SIMPLE_PACKET
                | block_type::PACKET
                | block_type::DECRYPTION_SECRETS
        )
}

/// Reads a 32-bit word at `at` in the given byte order; callers have checked the length.
fn word(bytes: &[u8], at: usize, big_endian: bool) -> u32 {
    let word = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
    if big_endian { u32::from_be_bytes(word) } else { u32::from_le_bytes(word) }
}
