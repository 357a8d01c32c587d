//! Hostile captures for HTTP over TCP: messages sent a byte at a time (a Content-Length body,
//! a chunked body, a head), a keep-alive connection with one segment missing, and HTTP/2 with
//! prior knowledge whose DATA never ends or whose frames each open a new stream. Each would
//! cost time growing with the square of its size, or memory without bound, in a reader that
//! re-reads from a message's start or keeps every stream.

use std::io::{self, Write};

use super::{Pcap, Side, TcpConnection};
use crate::dissect::http2::PREFACE;

/// The connection every generator uses: a client on 10.0.0.1 and a server on port 80.
fn connection() -> TcpConnection {
    TcpConnection::new(([10, 0, 0, 1], 40_000), ([10, 0, 0, 2], 80))
}

/// What one frame of a one-byte segment costs in the capture: record header, Ethernet, IPv4
/// and TCP headers, the byte.
const ONE_BYTE_FRAME: u64 = 16 + 14 + 20 + 20 + 1;

/// The most body one message of a one-byte class carries: under the 4 MiB a message may keep,
/// so that every body is reassembled whole.
const BODY_PER_MESSAGE: u64 = 2 << 20;

/// POST requests whose Content-Length bodies come one byte per segment.
pub fn content_length_1byte(pcap: &mut Pcap<&mut dyn Write>, size: u64) -> io::Result<()> {
    let mut tcp = connection();
    tcp.handshake(pcap)?;
    while pcap.written < size {
        let body = ((size - pcap.written) / ONE_BYTE_FRAME).clamp(1, BODY_PER_MESSAGE);
        let head = format!("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: {body}\r\n\r\n");
        tcp.send(pcap, Side::Client, head.as_bytes())?;
        for _ in 0..body {
            tcp.send(pcap, Side::Client, b"x")?;
        }
    }
    Ok(())
}

/// POST requests with chunked bodies, one small chunk per segment.
pub fn chunked(pcap: &mut Pcap<&mut dyn Write>, size: u64) -> io::Result<()> {
    let mut tcp = connection();
    tcp.handshake(pcap)?;
    let chunk = b"4\r\nabcd\r\n";
    let frame = ONE_BYTE_FRAME - 1 + chunk.len() as u64;
    while pcap.written < size {
        let head = b"POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
        tcp.send(pcap, Side::Client, head)?;
        let chunks =
            (size.saturating_sub(pcap.written) / frame).clamp(1, BODY_PER_MESSAGE / chunk.len() as u64);
        for _ in 0..chunks {
            tcp.send(pcap, Side::Client, chunk)?;
        }
        tcp.send(pcap, Side::Client, b"0\r\n\r\n")?;
    }
    Ok(())
}

/// The length of the field each request of [`head_1byte`] carries.
pub const LONG_FIELD: usize = 60_000;

/// GET requests whose heads, each with a [`LONG_FIELD`]-byte field, come one byte per segment
/// (the first request's start line whole, so that the connection is known to carry HTTP).
pub fn head_1byte(pcap: &mut Pcap<&mut dyn Write>, size: u64) -> io::Result<()> {
    let mut tcp = connection();
    tcp.handshake(pcap)?;
    let start_line = b"GET /long HTTP/1.1\r\n";
    tcp.send(pcap, Side::Client, start_line)?;
    let mut skip = start_line.len();
    let head = [
        b"GET /long HTTP/1.1\r\nHost: h\r\nX-Long: ".as_slice(),
        &[b'a'; LONG_FIELD],
        b"\r\nX-After: 1\r\n\r\n",
    ]
    .concat();
    while pcap.written < size {
        for byte in &head[skip..] {
            tcp.send(pcap, Side::Client, std::slice::from_ref(byte))?;
        }
        skip = 0;
    }
    Ok(())
}

/// How many requests come before the one whose segment the capture misses.
pub const MISSING_AFTER: u32 = 100;

/// A keep-alive connection with many requests and their responses; the capture misses the
/// segment of request number [`MISSING_AFTER`] + 1, which the server acknowledges.
pub fn missing_packet(pcap: &mut Pcap<&mut dyn Write>, size: u64) -> io::Result<()> {
    let mut tcp = connection();
    tcp.handshake(pcap)?;
    let mut number = 0u32;
    while pcap.written < size {
        number += 1;
        let request = format!("GET /r{number} HTTP/1.1\r\nHost: h\r\n\r\n");
        if number == MISSING_AFTER + 1 {
            // Sent, not captured.
            tcp.next[0] = tcp.next[0].wrapping_add(request.len() as u32);
        } else {
            tcp.send(pcap, Side::Client, request.as_bytes())?;
        }
        let body = format!("response {number}\n");
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        tcp.send(pcap, Side::Server, response.as_bytes())?;
    }
    Ok(())
}

/// An HTTP/2 frame: 24-bit length, type, flags, stream id, payload (RFC 9113 section 4.1).
fn http2_frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = (payload.len() as u32).to_be_bytes();
    [&len[1..], &[kind, flags], &stream.to_be_bytes(), payload].concat()
}

const DATA: u8 = 0;
const HEADERS: u8 = 1;
const SETTINGS: u8 = 4;
const END_HEADERS: u8 = 4;

/// The client's preface and an empty SETTINGS frame, then a request on stream 1 whose
/// DATA frames (16 KiB each) never end it.
pub fn http2_endless_data(pcap: &mut Pcap<&mut dyn Write>, size: u64) -> io::Result<()> {
    let mut tcp = connection();
    tcp.handshake(pcap)?;
    let start = [PREFACE.as_slice(), &http2_frame(SETTINGS, 0, 0, &[])].concat();
    tcp.send(pcap, Side::Client, &start)?;
    // :method POST (static index 3), :path / (4), :scheme http (6), then content-type (31)
    // as a literal with incremental indexing: "text/plain".
    let block = [&[0x83, 0x84, 0x86, 0x5f, 10][..], b"text/plain"].concat();
    tcp.send(pcap, Side::Client, &http2_frame(HEADERS, END_HEADERS, 1, &block))?;
    let data = http2_frame(DATA, 0, 1, &[b'd'; 16_384]);
    while pcap.written < size {
        tcp.send(pcap, Side::Client, &data)?;
    }
    Ok(())
}

/// The client's preface, then small DATA frames each on a new stream id, none ending its
/// stream, sixteen to a segment as a sender that coalesces writes would send them.
pub fn http2_new_stream_ids(pcap: &mut Pcap<&mut dyn Write>, size: u64) -> io::Result<()> {
    let mut tcp = connection();
    tcp.handshake(pcap)?;
    let start = [PREFACE.as_slice(), &http2_frame(SETTINGS, 0, 0, &[])].concat();
    tcp.send(pcap, Side::Client, &start)?;
    let mut stream = 1u32;
    let mut frames = Vec::new();
    while pcap.written < size {
        frames.clear();
        for _ in 0..16 {
            frames.extend(http2_frame(DATA, 0, stream, b"0123456789abcdef"));
            stream = stream.wrapping_add(2) & 0x7fff_ffff;
        }
        tcp.send(pcap, Side::Client, &frames)?;
    }
    Ok(())
}
