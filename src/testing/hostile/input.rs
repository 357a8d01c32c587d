//! Hostile inputs aimed at reading a capture rather than at tracking it: a gzip bomb, a pcapng
//! whose Decryption Secrets Blocks hold megabytes of junk key log lines, and a pcapng whose
//! interface options put frame times at the two ends of the i64 range.
//!
//! Their frames are written as every class writes them, to a classic [`Pcap`]; what makes them
//! hostile is the container around those frames, which [`container`] names by class and
//! [`super::write_class`] applies: gzip compression, or a pcapng made from the pcap stream as
//! it is written (one record at a time, so memory stays flat at any size).

use std::io::{self, Write};

use flate2::Compression;
use flate2::write::GzEncoder;

use super::{Pcap, Side, TcpConnection};
use crate::testing::{IPV4, UDP, ethernet, ipv4, ipv4_fragment, udp};

/// How a class's frames are packaged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    /// A classic pcap, as written.
    Pcap,
    /// The pcap, gzip-compressed.
    Gzip,
    /// A pcapng of the same frames: one section, `interfaces` (each with its `if_tsoffset` in
    /// seconds, if any), frame `n` on interface `n % interfaces.len()`; before the frames,
    /// Decryption Secrets Blocks of junk key log lines, as many bytes as the class's size.
    Pcapng { tsoffsets: &'static [Option<i64>], junk_secrets: bool },
}

/// The container of the class called `name`; a classic pcap unless this file says otherwise.
pub fn container(name: &str) -> Container {
    match name {
        "gzip-bomb" => Container::Gzip,
        "keylog-junk" => Container::Pcapng { tsoffsets: &[None], junk_secrets: true },
        "pcapng-time-extremes" => Container::Pcapng { tsoffsets: &TIME_EXTREMES, junk_secrets: false },
        _ => Container::Pcap,
    }
}

/// `if_tsoffset`s past what nanoseconds in an i64 can hold, either way: frames on the first
/// interface are stamped near i64::MIN, on the second at i64::MAX.
const TIME_EXTREMES: [Option<i64>; 2] = [Some(-9_300_000_000), Some(9_300_000_000)];

/// Writes `write`'s frames into `out` in `container`; `size` is the class's size (for a junk
/// key log, the bytes of junk).
pub fn package(
    container: Container,
    size: u64,
    out: &mut dyn Write,
    write: fn(&mut Pcap<&mut dyn Write>, u64) -> io::Result<()>,
) -> io::Result<()> {
    match container {
        Container::Pcap => {
            let mut pcap = Pcap::new(out)?;
            write(&mut pcap, size)
        }
        Container::Gzip => {
            let mut gzip = GzEncoder::new(out, Compression::best());
            write(&mut Pcap::new(&mut gzip as &mut dyn Write)?, size)?;
            gzip.finish()?;
            Ok(())
        }
        Container::Pcapng { tsoffsets, junk_secrets } => {
            let mut pcapng = PcapngFromPcap::new(out, tsoffsets)?;
            if junk_secrets {
                pcapng.junk_secrets(size)?;
            }
            write(&mut Pcap::new(&mut pcapng as &mut dyn Write)?, size)?;
            pcapng.finish()
        }
    }
}

/// gzip-bomb: the same 1,442-byte UDP frame at the same instant, `size` bytes of them, which
/// gzip compresses about a thousandfold.
pub fn gzip_bomb(pcap: &mut Pcap<&mut dyn Write>, size: u64) -> io::Result<()> {
    pcap.step_us = 0;
    let frame = ethernet(IPV4, &ipv4(UDP, [10, 0, 0, 1], [10, 0, 0, 2], &udp(40_000, 9, &[0; 1400])));
    while pcap.written < size {
        pcap.frame(&frame)?;
    }
    Ok(())
}

/// keylog-junk: an HTTP exchange on one connection (the junk is in the secrets blocks the
/// container writes before it).
pub fn keylog_junk(pcap: &mut Pcap<&mut dyn Write>, _size: u64) -> io::Result<()> {
    http_exchange(pcap, 40_000)
}

/// pcapng-time-extremes: HTTP exchanges, UDP datagrams and a fragmented datagram, until `size`,
/// their frames alternating between an interface whose clock sits near i64::MIN and one whose
/// clock sits at i64::MAX, so every difference between two frame times overflows an i64.
pub fn time_extremes(pcap: &mut Pcap<&mut dyn Write>, size: u64) -> io::Result<()> {
    let mut port = 40_000u16;
    while pcap.written < size {
        http_exchange(pcap, port)?;
        for _ in 0..2 {
            pcap.frame(&ethernet(IPV4, &ipv4(UDP, [10, 0, 0, 1], [10, 0, 0, 2], &udp(port, 53, b"query"))))?;
        }
        let datagram = udp(port, 53, &[0x42; 24]);
        let ident = port;
        for (offset, more) in [(0, true), (16, false)] {
            let part = &datagram[offset..if more { 16 } else { datagram.len() }];
            let fragment = ipv4_fragment(UDP, [10, 0, 0, 1], [10, 0, 0, 2], ident, (offset, more), part);
            pcap.frame(&ethernet(IPV4, &fragment))?;
        }
        port = port.wrapping_add(1).max(1024);
    }
    Ok(())
}

/// A handshake, a GET and its response, on a connection from `port`.
fn http_exchange(pcap: &mut Pcap<&mut dyn Write>, port: u16) -> io::Result<()> {
    let mut connection = TcpConnection::new(([10, 0, 0, 1], port), ([10, 0, 0, 2], 80));
    connection.handshake(pcap)?;
    connection.send(pcap, Side::Client, b"GET /extreme HTTP/1.1\r\nHost: example\r\n\r\n")?;
    connection.send(pcap, Side::Server, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")?;
    connection.send(pcap, Side::Client, b"")
}

/// Junk key log lines of several kinds: unknown labels (whose warning would repeat them), bad
/// hex, and text that is not a key log at all.
const JUNK: &[&[u8]] = &[
    b"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX 0000000000000000000000000000000000000000000000000000000000000000 00\n",
    b"CLIENT_RANDOM zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz 00\n",
    b"this line is not a key log line\n",
];

/// How much junk goes in one Decryption Secrets Block.
const JUNK_BLOCK: usize = 1 << 20;

/// A pcapng made from a classic pcap as it is written: the pcap header is dropped, each record
/// becomes an Enhanced Packet Block. Only one record is ever held.
struct PcapngFromPcap<'a> {
    out: &'a mut dyn Write,
    interfaces: u32,
    /// Bytes of the pcap stream not yet made into a block.
    pending: Vec<u8>,
    header_seen: bool,
    frames: u64,
}

impl<'a> PcapngFromPcap<'a> {
    fn new(out: &'a mut dyn Write, tsoffsets: &[Option<i64>]) -> io::Result<Self> {
        let mut section = Vec::new();
        section.extend(0x1a2b_3c4d_u32.to_le_bytes());
        section.extend(1u16.to_le_bytes());
        section.extend(0u16.to_le_bytes());
        section.extend((-1i64).to_le_bytes());
        block(out, 0x0a0d_0d0a, &section)?;
        for tsoffset in tsoffsets {
            let mut interface = Vec::new();
            interface.extend(1u16.to_le_bytes()); // Ethernet
            interface.extend(0u16.to_le_bytes());
            interface.extend(262_144u32.to_le_bytes());
            if let Some(seconds) = tsoffset {
                interface.extend(14u16.to_le_bytes()); // if_tsoffset
                interface.extend(8u16.to_le_bytes());
                interface.extend(seconds.to_le_bytes());
                interface.extend([0; 4]); // opt_endofopt
            }
            block(out, 1, &interface)?;
        }
        Ok(Self {
            out,
            interfaces: tsoffsets.len() as u32,
            pending: Vec::new(),
            header_seen: false,
            frames: 0,
        })
    }

    /// Writes `size` bytes of junk key log lines, in blocks of [`JUNK_BLOCK`].
    fn junk_secrets(&mut self, size: u64) -> io::Result<()> {
        let mut written = 0u64;
        let mut kind = 0;
        while written < size {
            let mut text = Vec::with_capacity(JUNK_BLOCK + 128);
            while text.len() < JUNK_BLOCK && written + (text.len() as u64) < size {
                text.extend_from_slice(JUNK[kind % JUNK.len()]);
                kind += 1;
            }
            written += text.len() as u64;
            let mut secrets = Vec::with_capacity(text.len() + 8);
            secrets.extend(0x544c_534b_u32.to_le_bytes()); // TLSK
            secrets.extend((text.len() as u32).to_le_bytes());
            secrets.extend(&text);
            secrets.resize(secrets.len().next_multiple_of(4), 0);
            block(self.out, 10, &secrets)?;
        }
        Ok(())
    }

    /// Writes every whole record taken so far as an Enhanced Packet Block.
    fn drain(&mut self) -> io::Result<()> {
        if !self.header_seen {
            if self.pending.len() < 24 {
                return Ok(());
            }
            self.pending.drain(..24);
            self.header_seen = true;
        }
        let mut at = 0;
        while self.pending.len() >= at + 16 {
            let word = |index: usize| {
                let bytes = &self.pending[at + index * 4..at + index * 4 + 4];
                u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
            };
            let (seconds, micros, caplen) = (word(0), word(1), word(2) as usize);
            if self.pending.len() < at + 16 + caplen {
                break;
            }
            let units = u64::from(seconds) * 1_000_000 + u64::from(micros);
            let data = &self.pending[at + 16..at + 16 + caplen];
            let mut packet = Vec::with_capacity(20 + caplen + 3);
            packet.extend(((self.frames % u64::from(self.interfaces)) as u32).to_le_bytes());
            packet.extend(((units >> 32) as u32).to_le_bytes());
            packet.extend((units as u32).to_le_bytes());
            packet.extend((caplen as u32).to_le_bytes());
            packet.extend((caplen as u32).to_le_bytes());
            packet.extend(data);
            packet.resize(packet.len().next_multiple_of(4), 0);
            block(self.out, 6, &packet)?;
            self.frames += 1;
            at += 16 + caplen;
        }
        self.pending.drain(..at);
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        self.drain()?;
        if !self.pending.is_empty() {
            return Err(io::Error::other("the pcap stream ended inside a record"));
        }
        self.out.flush()
    }
}

impl Write for PcapngFromPcap<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(bytes);
        self.drain()?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Writes one little-endian pcapng block around `body` (already padded to 4 bytes).
fn block(out: &mut dyn Write, kind: u32, body: &[u8]) -> io::Result<()> {
    let len = u32::try_from(12 + body.len()).map_err(|_| io::Error::other("a block past 4 GiB"))?;
    out.write_all(&kind.to_le_bytes())?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(body)?;
    out.write_all(&len.to_le_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{CaptureFile, SecretsKind};
    use crate::track::keylog::KeyLog;

    fn packaged(
        name: &str,
        size: u64,
        write: fn(&mut Pcap<&mut dyn Write>, u64) -> io::Result<()>,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        package(container(name), size, &mut out, write).unwrap();
        out
    }

    #[test]
    fn a_gzip_bomb_compresses_a_thousandfold_and_reads_back_whole() {
        let bytes = packaged("gzip-bomb", 4_000_000, gzip_bomb);
        assert!(bytes.len() < 20_000, "{} bytes", bytes.len());
        let capture = CaptureFile::from_vec(bytes, "bomb").unwrap();
        assert!(capture.compressed());
        assert!(capture.len() >= 4_000_000);
        let frames = capture.frames().map(|frame| frame.unwrap().data.len()).collect::<Vec<_>>();
        assert!(frames.iter().all(|len| *len == 1442));
        assert_eq!(frames.len(), (capture.len() - 24) / (16 + 1442));
    }

    #[test]
    fn junk_secrets_come_before_the_frames_in_blocks_of_a_megabyte() {
        let bytes = packaged("keylog-junk", 3_000_000, keylog_junk);
        let capture = CaptureFile::from_vec(bytes, "junk").unwrap();
        let secrets = capture.secrets();
        assert_eq!(secrets.len(), 3);
        assert!(secrets.iter().all(|secrets| secrets.kind == SecretsKind::TlsKeyLog));
        let text: usize = secrets.iter().map(|secrets| secrets.data.len()).sum();
        assert!((3_000_000..3_001_000).contains(&text), "{text}");
        let skipped = KeyLog::new().add_text(secrets[0].data);
        assert!(skipped.count > 10_000);
        assert_eq!(capture.frames().count(), 6);
    }

    #[test]
    fn time_extremes_alternate_between_the_ends_of_the_i64_range() {
        let bytes = packaged("pcapng-time-extremes", 10_000, time_extremes);
        let capture = CaptureFile::from_vec(bytes, "extremes").unwrap();
        let frames: Vec<_> = capture.frames().map(|frame| frame.unwrap()).collect();
        assert!(frames.len() > 20);
        for (index, frame) in frames.iter().enumerate() {
            assert_eq!(frame.interface, Some(index as u32 % 2));
            if index % 2 == 0 {
                assert!(frame.ts_ns < i64::MIN / 2, "{}", frame.ts_ns);
            } else {
                assert_eq!(frame.ts_ns, i64::MAX);
            }
        }
    }
}
