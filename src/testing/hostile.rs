//! Captures built to exhaust time or memory, one generator per class of attack, for the tests
//! and benchmarks that keep the tracker linear and within its budget (`examples/hostile.rs`
//! writes them; `scripts/bench-hostile.sh` times them at two sizes).
//!
//! A generator writes a classic pcap to any `Write`, frame by frame, so that a capture of
//! hundreds of megabytes costs no memory to make. Sizes are the approximate capture size in
//! bytes; each generator stops at the first frame past it.

pub mod http;
pub mod input;
pub mod quic;
pub mod stream;

use std::io::{self, Write};

use super::{IPV4, TCP, ethernet, ipv4, tcp};
use crate::dissect::tcp::flag;

/// One class of hostile capture: its name on the command line, what it attacks, and its
/// generator.
pub struct Class {
    pub name: &'static str,
    pub about: &'static str,
    /// The rttscope subcommand (and its flags) the benchmark runs on it, before the file name.
    pub command: &'static [&'static str],
    pub write: fn(&mut Pcap<&mut dyn Write>, u64) -> io::Result<()>,
}

/// Every class, in the order the benchmark script runs them.
pub const CLASSES: &[Class] = &[
    Class {
        name: "tcp-reorder-retransmitted-half",
        about: "HTTP requests whose second half comes first and twice, then the first half",
        command: &["dissect"],
        write: |pcap, size| stream::reorder_retransmitted_half(pcap, size).map(drop),
    },
    Class {
        name: "tcp-shorter-retransmission",
        about: "HTTP requests whose second half comes first, then a shorter copy of it",
        command: &["dissect"],
        write: |pcap, size| stream::shorter_retransmission(pcap, size).map(drop),
    },
    Class {
        name: "ip-duplicate-fragments",
        about: "64 KB UDP datagrams (IPv4, IPv6) in 8-byte fragments, half sent three times first",
        command: &["dissect"],
        write: |pcap, size| stream::duplicate_fragments(pcap, size).map(drop),
    },
    Class {
        name: "syn-flood",
        about: "SYNs from different endpoints, a conversation each, then one HTTP exchange",
        command: &["dissect"],
        write: |pcap, size| stream::syn_flood(pcap, size).map(drop),
    },
    Class {
        name: "http1-content-length-1byte",
        about: "HTTP/1.1 Content-Length bodies in one-byte segments",
        command: &["dissect"],
        write: http::content_length_1byte,
    },
    Class {
        name: "http1-chunked",
        about: "HTTP/1.1 chunked bodies, one small chunk per segment",
        command: &["dissect"],
        write: http::chunked,
    },
    Class {
        name: "http1-head-1byte",
        about: "HTTP/1.1 heads of 60 kB in one-byte segments",
        command: &["dissect"],
        write: http::head_1byte,
    },
    Class {
        name: "http1-missing-packet",
        about: "a keep-alive connection with many requests, one segment missing and acknowledged",
        command: &["dissect"],
        write: http::missing_packet,
    },
    Class {
        name: "http2-endless-data",
        about: "an HTTP/2 stream whose DATA never ends",
        command: &["dissect"],
        write: http::http2_endless_data,
    },
    Class {
        name: "http2-new-stream-ids",
        about: "HTTP/2 frames each on a new stream id, none ending its stream",
        command: &["dissect"],
        write: http::http2_new_stream_ids,
    },
    Class {
        name: "quic-junk-initials-then-real",
        about: "Initials to new connection IDs that never decrypt, then a real HTTP/3 connection",
        command: &["dissect", "--keylog", quic::REAL_QUIC_KEYS],
        write: quic::junk_initials_then_real,
    },
    Class {
        name: "quic-crypto-1byte",
        about: "QUIC connections whose CRYPTO data comes in one-byte frames, all waiting, then a real one",
        command: &["dissect", "--keylog", quic::REAL_QUIC_KEYS],
        write: quic::crypto_one_byte,
    },
    Class {
        name: "http3-many-requests",
        about: "one HTTP/3 connection making request after request, each on a stream of its own",
        command: &["dissect", "--keylog", quic::MANY_REQUESTS_KEYS],
        write: quic::http3_many_requests,
    },
    Class {
        name: "timeline-pipelined",
        about: "one HTTP/1.1 connection of pipelined requests and no bare client ACK",
        command: &["timeline"],
        write: quic::pipelined,
    },
    Class {
        name: "timeline-syn-flood",
        about: "SYNs from ever new clients, none answered",
        command: &["timeline"],
        write: quic::syn_flood,
    },
    Class {
        name: "gzip-bomb",
        about: "a gzip of a capture of identical frames, about a thousand times smaller (MB: decompressed)",
        command: &["dissect"],
        write: input::gzip_bomb,
    },
    Class {
        name: "keylog-junk",
        about: "a pcapng whose Decryption Secrets Blocks hold MB of junk key log lines",
        command: &["dissect"],
        write: input::keylog_junk,
    },
    Class {
        name: "pcapng-time-extremes",
        about: "a pcapng whose if_tsoffset puts frames at both ends of the i64 nanosecond range",
        command: &["dissect"],
        write: input::time_extremes,
    },
];

/// Writes the class `class` at about `size` bytes into `out`, in the container it needs (a
/// classic pcap unless [`input::container`] says otherwise).
pub fn write_class(class: &Class, size: u64, out: &mut dyn Write) -> io::Result<()> {
    input::package(input::container(class.name), size, out, class.write)
}

/// The class called `name`.
pub fn class(name: &str) -> Option<&'static Class> {
    CLASSES.iter().find(|class| class.name == name)
}

/// A classic pcap (Ethernet, microsecond timestamps) written as frames come.
pub struct Pcap<W: Write> {
    out: W,
    /// Bytes written so far, header included.
    pub written: u64,
    /// The next frame's capture time; each frame advances it by `step_us`.
    pub ts_us: u64,
    pub step_us: u64,
}

impl<W: Write> Pcap<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        let mut header = Vec::with_capacity(24);
        header.extend(0xa1b2_c3d4_u32.to_le_bytes());
        header.extend(2u16.to_le_bytes());
        header.extend(4u16.to_le_bytes());
        header.extend([0; 8]);
        header.extend(262_144u32.to_le_bytes());
        header.extend(1u32.to_le_bytes());
        out.write_all(&header)?;
        Ok(Self { out, written: 24, ts_us: 1_700_000_000_000_000, step_us: 10 })
    }

    /// Writes one Ethernet frame.
    pub fn frame(&mut self, data: &[u8]) -> io::Result<()> {
        let mut record = Vec::with_capacity(16);
        record.extend(((self.ts_us / 1_000_000) as u32).to_le_bytes());
        record.extend(((self.ts_us % 1_000_000) as u32).to_le_bytes());
        record.extend((data.len() as u32).to_le_bytes());
        record.extend((data.len() as u32).to_le_bytes());
        self.out.write_all(&record)?;
        self.out.write_all(data)?;
        self.written += 16 + data.len() as u64;
        self.ts_us += self.step_us;
        Ok(())
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// One TCP connection between two IPv4 endpoints, keeping each side's sequence number.
pub struct TcpConnection {
    pub client: ([u8; 4], u16),
    pub server: ([u8; 4], u16),
    /// The next sequence number each side sends: client, server.
    pub next: [u32; 2],
}

/// Which side sends a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Client = 0,
    Server = 1,
}

impl TcpConnection {
    pub fn new(client: ([u8; 4], u16), server: ([u8; 4], u16)) -> Self {
        Self { client, server, next: [1_000, 50_000] }
    }

    /// Writes the three-way handshake.
    pub fn handshake<W: Write>(&mut self, pcap: &mut Pcap<W>) -> io::Result<()> {
        self.segment_at(pcap, Side::Client, self.next[0], flag::SYN, &[])?;
        self.next[0] += 1;
        self.segment_at(pcap, Side::Server, self.next[1], flag::SYN | flag::ACK, &[])?;
        self.next[1] += 1;
        self.segment_at(pcap, Side::Client, self.next[0], flag::ACK, &[])
    }

    /// Writes `payload` from `side` at its next sequence number, and moves it on.
    pub fn send<W: Write>(&mut self, pcap: &mut Pcap<W>, side: Side, payload: &[u8]) -> io::Result<()> {
        let seq = self.next[side as usize];
        self.segment_at(pcap, side, seq, flag::ACK | flag::PSH, payload)?;
        self.next[side as usize] = seq.wrapping_add(payload.len() as u32);
        Ok(())
    }

    /// Writes a segment from `side` at `seq` with `flags`, acknowledging all the other side
    /// sent; it does not move the sequence number on.
    pub fn segment_at<W: Write>(
        &self,
        pcap: &mut Pcap<W>,
        side: Side,
        seq: u32,
        flags: u16,
        payload: &[u8],
    ) -> io::Result<()> {
        let (src, dst) = match side {
            Side::Client => (self.client, self.server),
            Side::Server => (self.server, self.client),
        };
        let ack = if flags & flag::ACK != 0 { self.next[1 - side as usize] } else { 0 };
        let segment = tcp(src.1, dst.1, seq, ack, flags, payload);
        pcap.frame(&ethernet(IPV4, &ipv4(TCP, src.0, dst.0, &segment)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::CaptureFile;

    #[test]
    fn a_written_connection_reads_back_with_its_sequence_numbers() {
        let mut pcap = Pcap::new(Vec::new()).unwrap();
        let mut connection = TcpConnection::new(([10, 0, 0, 1], 40_000), ([10, 0, 0, 2], 80));
        connection.handshake(&mut pcap).unwrap();
        connection.send(&mut pcap, Side::Client, b"GET / HTTP/1.1\r\n\r\n").unwrap();
        let written = pcap.written;
        let bytes = pcap.into_inner();
        assert_eq!(written, bytes.len() as u64);
        let capture = CaptureFile::from_vec(bytes, "hostile").unwrap();
        let frames: Vec<_> = capture.frames().map(|frame| frame.unwrap().data.len()).collect();
        assert_eq!(frames, [54, 54, 54, 72]);
        assert_eq!(connection.next, [1_019, 50_001]);
    }
}
