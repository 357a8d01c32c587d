//! A pcapng writer: what `rttscope capture` and the generators save their packets with.
//!
//! ```text
//! every block:    block_type(4) block_total_length(4) body(...) block_total_length(4)
//! SHB (0x0a0d0d0a): byte_order_magic(4) major(2) minor(2) section_length(8) options
//! IDB (1):        linktype(2) reserved(2) snaplen(4) options
//! DSB (10):       secrets_type(4) secrets_length(4) secrets_data(padded to 4) options
//! EPB (6):        interface_id(4) ts_high(4) ts_low(4) captured_len(4) original_len(4)
//!                 packet_data(captured_len, padded to 4) options
//! option:         code(2) length(2) value(padded to 4); the list ends with code 0, length 0
//! ```
//! (draft-ietf-opsawg-pcapng, sections 3.1, 4.1 to 4.3 and 4.7.) The file is one section in
//! the writing host's usual little-endian order. Every interface says `if_tsresol` = 9, so
//! timestamps keep their nanoseconds, and a key log goes in a Decryption Secrets Block, so a
//! capture carries what it takes to decrypt it; a key log followed while capturing goes in
//! several, each before the packets captured after its lines arrived (tshark and rttscope
//! apply each from where it stands).
//!
//! Invariant: everything written is a file the crate's own reader accepts. Each length is
//! checked before a byte of its block is written, so a refused packet leaves the file intact.

use std::io::{self, Write};

use thiserror::Error;

use super::LinkType;
use super::pcap::MAX_RECORD;

mod block_type {
    pub const SECTION_HEADER: u32 = 0x0a0d_0d0a;
    pub const INTERFACE_DESCRIPTION: u32 = 1;
    pub const ENHANCED_PACKET: u32 = 6;
    pub const DECRYPTION_SECRETS: u32 = 10;
}

mod option {
    pub const END_OF_OPTIONS: u16 = 0;
    pub const SHB_USERAPPL: u16 = 4;
    pub const IF_NAME: u16 = 2;
    pub const IF_TSRESOL: u16 = 9;
}

const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
/// `if_tsresol` of 9: one timestamp unit is 10^-9 seconds.
const NANOSECONDS: u8 = 9;
/// `secrets_type` of a TLS key log (`TLSK`) in the NSS key log format.
const TLS_KEY_LOG: u32 = 0x544c_534b;
/// The block type, length and closing length that frame every block's body.
const BLOCK_OVERHEAD: usize = 12;

/// Why a block could not be written.
#[derive(Debug, Error)]
pub enum WriteError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("a packet names interface {id}, but {count} interface(s) were described")]
    UnknownInterface { id: u32, count: usize },
    #[error("{0} does not fit the 16 bits a pcapng interface gives its link type")]
    LinkType(LinkType),
    #[error("a packet of {0} captured bytes is longer than the {MAX_RECORD} a capture may hold")]
    PacketTooLong(usize),
    #[error("a packet of {captured} captured bytes claims only {orig_len} bytes on the wire")]
    LongerThanOriginal { captured: usize, orig_len: u32 },
    #[error("a packet of {captured} captured bytes exceeds its interface's snapshot length {snaplen}")]
    LongerThanSnaplen { captured: usize, snaplen: u32 },
    #[error("the timestamp {0} ns lies before 1970, which pcapng cannot express")]
    BeforeEpoch(i64),
    #[error("{what} of {len} bytes does not fit a pcapng block")]
    TooLong { what: &'static str, len: usize },
}

/// Writes one pcapng section: interfaces, key material and packets, in the order given.
pub struct PcapngWriter<W: Write> {
    out: W,
    /// The snapshot length of each interface described so far, by interface id.
    snaplens: Vec<u32>,
}

impl<W: Write> PcapngWriter<W> {
    /// Starts a section: writes its Section Header Block, naming rttscope as the writer. Wrap a
    /// file in a `BufWriter`: every block is written in a few small pieces.
    pub fn new(out: W) -> Result<Self, WriteError> {
        let mut writer = Self { out, snaplens: Vec::new() };
        let mut body = Vec::with_capacity(48);
        body.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
        body.extend_from_slice(&1u16.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        // Section length -1: not known in advance, so readers walk the blocks instead.
        body.extend_from_slice(&(-1i64).to_le_bytes());
        let application = concat!("rttscope ", env!("CARGO_PKG_VERSION"));
        push_option(&mut body, option::SHB_USERAPPL, application.as_bytes())?;
        push_option(&mut body, option::END_OF_OPTIONS, &[])?;
        writer.block(block_type::SECTION_HEADER, &body, &[])?;
        Ok(writer)
    }

    /// Describes an interface and returns its id for [`write_packet`](Self::write_packet). A
    /// `snaplen` of 0 means no limit.
    pub fn add_interface(&mut self, name: &str, linktype: LinkType, snaplen: u32) -> Result<u32, WriteError> {
        let number = u16::try_from(u32::from(linktype)).map_err(|_| WriteError::LinkType(linktype))?;
        let id = u32::try_from(self.snaplens.len())
            .map_err(|_| WriteError::TooLong { what: "the interface list", len: self.snaplens.len() })?;
        let mut body = Vec::with_capacity(32 + name.len());
        body.extend_from_slice(&number.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&snaplen.to_le_bytes());
        push_option(&mut body, option::IF_NAME, name.as_bytes())?;
        push_option(&mut body, option::IF_TSRESOL, &[NANOSECONDS])?;
        push_option(&mut body, option::END_OF_OPTIONS, &[])?;
        self.block(block_type::INTERFACE_DESCRIPTION, &body, &[])?;
        self.snaplens.push(snaplen);
        Ok(id)
    }

    /// Embeds a TLS key log (NSS key log text) in a Decryption Secrets Block. Readers apply it
    /// to the packets after it, so write it before them.
    pub fn write_secrets(&mut self, key_log: &[u8]) -> Result<(), WriteError> {
        let too_long = || WriteError::TooLong { what: "a key log", len: key_log.len() };
        let length = u32::try_from(key_log.len()).map_err(|_| too_long())?;
        let mut head = [0; 8];
        head[..4].copy_from_slice(&TLS_KEY_LOG.to_le_bytes());
        head[4..].copy_from_slice(&length.to_le_bytes());
        self.block(block_type::DECRYPTION_SECRETS, &head, key_log)
    }

    /// Writes one packet in an Enhanced Packet Block: `ts_ns` nanoseconds since the Unix
    /// epoch, `orig_len` bytes on the wire, of which `data` holds the captured ones.
    pub fn write_packet(
        &mut self,
        interface: u32,
        ts_ns: i64,
        orig_len: u32,
        data: &[u8],
    ) -> Result<(), WriteError> {
        self.check_packet(interface, orig_len, data)?;
        let units = u64::try_from(ts_ns).map_err(|_| WriteError::BeforeEpoch(ts_ns))?;
        // Checked against MAX_RECORD above, so the length fits in 32 bits.
        let captured = data.len() as u32;
        let mut head = [0; 20];
        head[..4].copy_from_slice(&interface.to_le_bytes());
        head[4..8].copy_from_slice(&((units >> 32) as u32).to_le_bytes());
        head[8..12].copy_from_slice(&(units as u32).to_le_bytes());
        head[12..16].copy_from_slice(&captured.to_le_bytes());
        head[16..].copy_from_slice(&orig_len.to_le_bytes());
        self.block(block_type::ENHANCED_PACKET, &head, data)
    }

    /// Passes everything written so far on to the output (a pipe's reader sees it now).
    pub fn flush(&mut self) -> Result<(), WriteError> {
        Ok(self.out.flush()?)
    }

    /// Flushes everything written and gives the output back.
    pub fn finish(mut self) -> Result<W, WriteError> {
        self.out.flush()?;
        Ok(self.out)
    }

    fn check_packet(&self, interface: u32, orig_len: u32, data: &[u8]) -> Result<(), WriteError> {
        let snaplen = *self
            .snaplens
            .get(interface as usize)
            .ok_or(WriteError::UnknownInterface { id: interface, count: self.snaplens.len() })?;
        let captured = data.len();
        if captured > MAX_RECORD as usize {
            return Err(WriteError::PacketTooLong(captured));
        }
        if captured > orig_len as usize {
            return Err(WriteError::LongerThanOriginal { captured, orig_len });
        }
        if snaplen != 0 && captured > snaplen as usize {
            return Err(WriteError::LongerThanSnaplen { captured, snaplen });
        }
        Ok(())
    }

    /// Writes a block whose body is `head` then `tail`, padded together to 4 bytes. Only the
    /// last field of a body is ever of variable length, so padding the whole is padding it.
    fn block(&mut self, kind: u32, head: &[u8], tail: &[u8]) -> Result<(), WriteError> {
        let body_len = head.len() + tail.len();
        let padding = body_len.next_multiple_of(4) - body_len;
        let total = u32::try_from(BLOCK_OVERHEAD + body_len + padding)
            .map_err(|_| WriteError::TooLong { what: "a block", len: body_len })?;
        self.out.write_all(&kind.to_le_bytes())?;
        self.out.write_all(&total.to_le_bytes())?;
        self.out.write_all(head)?;
        self.out.write_all(tail)?;
        self.out.write_all(&[0; 3][..padding])?;
        self.out.write_all(&total.to_le_bytes())?;
        Ok(())
    }
}

/// Appends an option, its value padded to 4 bytes.
fn push_option(body: &mut Vec<u8>, code: u16, value: &[u8]) -> Result<(), WriteError> {
    let length = u16::try_from(value.len())
        .map_err(|_| WriteError::TooLong { what: "an option", len: value.len() })?;
    body.extend_from_slice(&code.to_le_bytes());
    body.extend_from_slice(&length.to_le_bytes());
    body.extend_from_slice(value);
    body.resize(body.len().next_multiple_of(4), 0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{CaptureFile, Format, SecretsKind};

    const KEY_LOG: &[u8] = b"CLIENT_RANDOM 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff \
        000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f\n";

    fn written(build: impl FnOnce(&mut PcapngWriter<Vec<u8>>) -> Result<(), WriteError>) -> Vec<u8> {
        let mut writer = PcapngWriter::new(Vec::new()).expect("a Vec takes the header");
        build(&mut writer).expect("the blocks are valid");
        writer.finish().expect("a Vec flushes")
    }

    #[test]
    fn two_interfaces_secrets_and_packets_read_back() {
        // A loopback Ethernet frame (zero MACs, EtherType IPv4) and a raw IPv4 header start.
        let ethernet = [[0u8; 12].as_slice(), &[0x08, 0x00, 0x45, 0x00, 0x00, 0x14]].concat();
        let raw_ip = [0x45, 0x00, 0x00, 0x14, 0x00];
        let bytes = written(|writer| {
            assert_eq!(writer.add_interface("lo", LinkType::Ethernet, 262_144)?, 0);
            assert_eq!(writer.add_interface("tun0", LinkType::Raw, 0)?, 1);
            writer.write_secrets(KEY_LOG)?;
            writer.write_packet(0, 1_795_327_948_599_307_123, 60, &ethernet)?;
            writer.write_packet(1, 1_795_327_948_599_307_124, 5, &raw_ip)?;
            writer.write_packet(0, 1_795_327_949_000_000_001, 1500, &ethernet)
        });
        assert_eq!(bytes.len() % 4, 0);
        let capture = CaptureFile::from_vec(bytes, "written.pcapng").expect("opens");
        assert_eq!(capture.format(), Format::PcapNg);
        let frames: Vec<_> = capture.frames().collect::<Result<_, _>>().expect("every frame reads");
        assert_eq!(frames.len(), 3);
        assert_eq!(capture.interface_names(), [Some("lo".to_owned()), Some("tun0".to_owned())]);
        let seen: Vec<_> =
            frames.iter().map(|f| (f.number, f.ts_ns, f.linktype, f.interface, f.orig_len, f.data)).collect();
        assert_eq!(
            seen,
            [
                (1, 1_795_327_948_599_307_123, LinkType::Ethernet, Some(0), 60, ethernet.as_slice()),
                (2, 1_795_327_948_599_307_124, LinkType::Raw, Some(1), 5, raw_ip.as_slice()),
                (3, 1_795_327_949_000_000_001, LinkType::Ethernet, Some(0), 1500, ethernet.as_slice()),
            ]
        );
        let secrets = capture.secrets();
        assert_eq!(secrets.len(), 1);
        assert_eq!(secrets[0].kind, SecretsKind::TlsKeyLog);
        assert_eq!(secrets[0].data, KEY_LOG);
    }

    #[test]
    fn the_secrets_precede_the_first_packet_that_needs_them() {
        let bytes = written(|writer| {
            writer.add_interface("lo", LinkType::Ethernet, 0)?;
            writer.write_secrets(b"odd length")?;
            writer.write_packet(0, 1, 1, &[0xaa])
        });
        let capture = CaptureFile::from_vec(bytes, "written.pcapng").expect("opens");
        let mut frames = capture.frames();
        assert!(frames.next().is_some_and(|frame| frame.is_ok()));
        let secrets = frames.take_secrets();
        assert_eq!(secrets.iter().map(|s| s.data).collect::<Vec<_>>(), [b"odd length".as_slice()]);
    }

    /// A key log followed while capturing is embedded piece by piece, each piece before the
    /// packets captured after it arrived.
    #[test]
    fn several_secrets_blocks_each_precede_the_packets_after_them() {
        let bytes = written(|writer| {
            writer.add_interface("lo", LinkType::Ethernet, 0)?;
            writer.write_secrets(b"first piece\n")?;
            writer.write_packet(0, 1, 1, &[1])?;
            writer.write_packet(0, 2, 1, &[2])?;
            writer.write_secrets(b"second piece\nand its second line\n")?;
            writer.write_packet(0, 3, 1, &[3])
        });
        let capture = CaptureFile::from_vec(bytes, "written.pcapng").expect("opens");
        let mut frames = capture.frames();
        let mut seen = Vec::new();
        while let Some(frame) = frames.next() {
            let data = frame.expect("reads").data[0];
            let pieces: Vec<Vec<u8>> = frames.take_secrets().iter().map(|s| s.data.to_vec()).collect();
            seen.push((data, pieces));
        }
        assert_eq!(
            seen,
            [
                (1, vec![b"first piece\n".to_vec()]),
                (2, vec![]),
                (3, vec![b"second piece\nand its second line\n".to_vec()]),
            ]
        );
        assert_eq!(capture.secrets().len(), 2);
    }

    #[test]
    fn blocks_are_laid_out_as_the_specification_says() {
        let bytes = written(|writer| {
            writer.add_interface("eth0", LinkType::Ethernet, 65_535)?;
            writer.write_packet(0, 0x0000_0001_0000_0002, 3, &[1, 2, 3])
        });
        // The section header: type, length 40, byte-order magic, version 1.0, length -1, then
        // shb_userappl "rttscope x.y.z" and the end of options.
        assert_eq!(bytes[..4], [0x0a, 0x0d, 0x0d, 0x0a]);
        let shb_len = u32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes")) as usize;
        assert_eq!(bytes[8..12], [0x4d, 0x3c, 0x2b, 0x1a]);
        assert_eq!(bytes[12..16], [1, 0, 0, 0]);
        assert_eq!(bytes[16..24], [0xff; 8]);
        assert_eq!(bytes[shb_len - 4..shb_len], bytes[4..8]);
        // The interface: type 1, length 40, link type 1, reserved, snaplen 65535, if_name
        // "eth0" (code 2, length 4), if_tsresol 9 (code 9, length 1, 3 bytes of padding), end.
        let idb = &bytes[shb_len..shb_len + 40];
        assert_eq!(
            idb,
            [
                [1, 0, 0, 0, 40, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0, 0].as_slice(),
                &[2, 0, 4, 0, b'e', b't', b'h', b'0', 9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0, 40, 0, 0, 0],
            ]
            .concat()
        );
        // The packet: type 6, length 36, interface 0, timestamp high 1 and low 2, captured and
        // original length 3, the data padded to 4 bytes.
        let epb = &bytes[shb_len + 40..];
        assert_eq!(
            epb,
            [
                6, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 1, 2, 3,
                0, 36, 0, 0, 0
            ]
        );
    }

    #[test]
    fn a_refused_packet_writes_nothing() {
        let mut writer = PcapngWriter::new(Vec::new()).expect("header");
        writer.add_interface("lo", LinkType::Ethernet, 4).expect("interface");
        let before = writer.out.len();
        let refusals = [
            writer.write_packet(1, 0, 1, &[0]).map_err(|e| e.to_string()),
            writer.write_packet(0, -1, 1, &[0]).map_err(|e| e.to_string()),
            writer.write_packet(0, 0, 1, &[0, 0]).map_err(|e| e.to_string()),
            writer.write_packet(0, 0, 9, &[0; 5]).map_err(|e| e.to_string()),
        ];
        assert_eq!(
            refusals.map(|result| result.expect_err("refused")),
            [
                "a packet names interface 1, but 1 interface(s) were described",
                "the timestamp -1 ns lies before 1970, which pcapng cannot express",
                "a packet of 2 captured bytes claims only 1 bytes on the wire",
                "a packet of 5 captured bytes exceeds its interface's snapshot length 4",
            ]
        );
        let huge = vec![0; MAX_RECORD as usize + 1];
        let mut unlimited = PcapngWriter::new(Vec::new()).expect("header");
        unlimited.add_interface("lo", LinkType::Ethernet, 0).expect("interface");
        assert!(matches!(unlimited.write_packet(0, 0, u32::MAX, &huge), Err(WriteError::PacketTooLong(_))));
        assert_eq!(writer.out.len(), before);
    }

    #[test]
    fn a_link_type_beyond_16_bits_is_refused() {
        let mut writer = PcapngWriter::new(Vec::new()).expect("header");
        let error = writer.add_interface("x", LinkType::Unknown(70_000), 0).expect_err("too wide");
        assert_eq!(
            error.to_string(),
            "link type 70000 does not fit the 16 bits a pcapng interface gives its link type"
        );
        let name = "n".repeat(70_000);
        assert!(matches!(
            writer.add_interface(&name, LinkType::Ethernet, 0),
            Err(WriteError::TooLong { what: "an option", .. })
        ));
    }
}
