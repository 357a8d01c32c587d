//! Hostile captures for TCP reassembly, IP defragmentation and the conversation tables: each
//! generator writes frames until the capture passes its size and returns how many units (HTTP
//! requests, datagrams, SYNs) it wrote, so a test knows what must be decoded.
//!
//! - `tcp-reorder-retransmitted-half`: HTTP requests on one connection, each after the first
//!   sent as two halves, the second half first and twice (a retransmission while the first is
//!   missing), as ordinary reordering and loss do;
//! - `tcp-shorter-retransmission`: the same, but the second half's retransmission is shorter
//!   than the copy held, at the same sequence number;
//! - `ip-duplicate-fragments`: the largest UDP datagrams, IPv4 and IPv6 in turn, in 8-byte
//!   fragments, every other fragment first and three times over, then the rest;
//! - `syn-flood`: SYNs from as many different endpoints, each a conversation of its own, then
//!   one real HTTP exchange that must still be decoded.

use std::io::{self, Write};

use super::{Pcap, Side, TcpConnection};
use crate::dissect::tcp::flag;
use crate::testing::{IPV4, IPV6, TCP, UDP, ethernet, ipv4, ipv4_fragment, ipv6, tcp};

/// The client and server every generated connection here runs between, unless said otherwise.
pub const CLIENT: ([u8; 4], u16) = ([10, 0, 0, 1], 40_000);
pub const SERVER: ([u8; 4], u16) = ([10, 0, 0, 2], 80);

/// The HTTP request number `index`: about 700 bytes, its URI naming its index.
pub fn request(index: u64) -> Vec<u8> {
    let padding = "p".repeat(600);
    format!("GET /r/{index} HTTP/1.1\r\nHost: example.test\r\nX-Padding: {padding}\r\n\r\n").into_bytes()
}

/// The response each request gets.
pub const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// How a request's second half is sent again before its first half.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resend {
    /// The same bytes at the same sequence number.
    Whole,
    /// The first half of them at the same sequence number.
    Shorter,
}

/// Requests whose second half arrives first and twice; returns how many requests.
pub fn reorder_retransmitted_half(pcap: &mut Pcap<&mut dyn Write>, size: u64) -> io::Result<u64> {
    halves_out_of_order(pcap, size, Resend::Whole)
}

/// Requests whose second half arrives first, then a shorter copy of it; returns how many.
pub fn shorter_retransmission(pcap: &mut Pcap<&mut dyn Write>, size: u64) -> io::Result<u64> {
    halves_out_of_order(pcap, size, Resend::Shorter)
}

fn halves_out_of_order(pcap: &mut Pcap<&mut dyn Write>, size: u64, resend: Resend) -> io::Result<u64> {
    let mut connection = TcpConnection::new(CLIENT, SERVER);
    connection.handshake(pcap)?;
    // The first request comes in order, so that the connection is known to carry HTTP.
    connection.send(pcap, Side::Client, &request(0))?;
    connection.send(pcap, Side::Server, RESPONSE)?;
    let mut requests = 1;
    while pcap.written < size {
        let request = request(requests);
        let (first, second) = request.split_at(request.len() / 2);
        let seq = connection.next[Side::Client as usize];
        let second_seq = seq.wrapping_add(first.len() as u32);
        let push = flag::ACK | flag::PSH;
        connection.segment_at(pcap, Side::Client, second_seq, push, second)?;
        let again = match resend {
            Resend::Whole => second,
            Resend::Shorter => &second[..second.len() / 2],
        };
        connection.segment_at(pcap, Side::Client, second_seq, push, again)?;
        connection.segment_at(pcap, Side::Client, seq, flag::ACK, first)?;
        connection.next[Side::Client as usize] = second_seq.wrapping_add(second.len() as u32);
        connection.send(pcap, Side::Server, RESPONSE)?;
        requests += 1;
    }
    Ok(requests)
}

/// The UDP payload of each fragmented datagram: as large as an IPv4 datagram allows.
pub const DATAGRAM_PAYLOAD: usize = 65_000;
/// How many times each of the first-sent fragments is sent.
const COPIES: usize = 3;

/// Fragmented UDP datagrams, IPv4 and IPv6 in turn, with duplicate fragments; returns how
/// many datagrams.
pub fn duplicate_fragments(pcap: &mut Pcap<&mut dyn Write>, size: u64) -> io::Result<u64> {
    let mut datagrams = 0u64;
    while pcap.written < size {
        let ident = datagrams as u16;
        let mut udp = Vec::with_capacity(8 + DATAGRAM_PAYLOAD);
        udp.extend(9u16.to_be_bytes());
        udp.extend(9u16.to_be_bytes());
        udp.extend(((8 + DATAGRAM_PAYLOAD) as u16).to_be_bytes());
        udp.extend([0, 0]);
        udp.extend((0..DATAGRAM_PAYLOAD).map(|index| b'a' + (index % 26) as u8));
        let pieces: Vec<&[u8]> = udp.chunks(8).collect();
        let last = pieces.len() - 1;
        let order = (0..pieces.len()).step_by(2).flat_map(|index| [index; COPIES]);
        let order = order.chain((1..pieces.len()).step_by(2));
        for index in order {
            let (offset, more) = (index * 8, index != last);
            let frame = if datagrams.is_multiple_of(2) {
                let packet = ipv4_fragment(UDP, CLIENT.0, SERVER.0, ident, (offset, more), pieces[index]);
                ethernet(IPV4, &packet)
            } else {
                let mut fragment = vec![UDP, 0];
                fragment.extend(((offset as u16) | u16::from(more)).to_be_bytes());
                fragment.extend(u32::from(ident).to_be_bytes());
                fragment.extend(pieces[index]);
                ethernet(IPV6, &ipv6(44, V6_CLIENT, V6_SERVER, &fragment))
            };
            pcap.frame(&frame)?;
        }
        datagrams += 1;
    }
    Ok(datagrams)
}

/// The IPv6 endpoints of the fragmented datagrams.
pub const V6_CLIENT: [u8; 16] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
pub const V6_SERVER: [u8; 16] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

/// SYNs from different endpoints to one server, then one real HTTP exchange; returns how many
/// SYNs (so the exchange is `tcp.stream` that number).
pub fn syn_flood(pcap: &mut Pcap<&mut dyn Write>, size: u64) -> io::Result<u64> {
    let exchange = 1_000;
    let mut syns = 0u64;
    while pcap.written + exchange < size {
        let host = syns / 50_000;
        let client = [10, 100 + (host >> 16) as u8, (host >> 8) as u8, host as u8];
        let port = 10_000 + (syns % 50_000) as u16;
        let segment = tcp(port, SERVER.1, (syns as u32).wrapping_mul(2_654_435_761), 0, flag::SYN, &[]);
        pcap.frame(&ethernet(IPV4, &ipv4(TCP, client, SERVER.0, &segment)))?;
        syns += 1;
    }
    let mut connection = TcpConnection::new(CLIENT, SERVER);
    connection.handshake(pcap)?;
    connection.send(pcap, Side::Client, &request(syns))?;
    connection.send(pcap, Side::Server, RESPONSE)?;
    Ok(syns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::CaptureFile;
    use crate::dissect::Annotation;
    use crate::osi::Protocol;
    use crate::track::{Scratch, Tracker};

    fn written(write: fn(&mut Pcap<&mut dyn Write>, u64) -> io::Result<u64>, size: u64) -> (Vec<u8>, u64) {
        let mut bytes = Vec::new();
        let mut pcap = Pcap::new(&mut bytes as &mut dyn Write).unwrap();
        let units = write(&mut pcap, size).unwrap();
        (bytes, units)
    }

    #[test]
    fn each_request_takes_three_client_segments_and_a_response() {
        let (bytes, requests) = written(reorder_retransmitted_half, 10_000);
        let frames = CaptureFile::from_vec(bytes, "hostile").unwrap().frames().count() as u64;
        assert_eq!(frames, 3 + 2 + 4 * (requests - 1));
    }

    #[test]
    fn every_datagram_is_sent_with_duplicates() {
        let (bytes, datagrams) = written(duplicate_fragments, 25);
        assert_eq!(datagrams, 1);
        let pieces = (8 + DATAGRAM_PAYLOAD).div_ceil(8);
        let frames = CaptureFile::from_vec(bytes, "hostile").unwrap().frames().count();
        assert_eq!(frames, pieces.div_ceil(2) * COPIES + pieces / 2);
    }

    /// The TCP stream number and the problems of each frame of `capture`, tracked within `limit`
    /// bytes; checks after every frame that the tracker holds no more than the limit.
    fn track_within(capture: Vec<u8>, limit: usize) -> Vec<(Option<u32>, Vec<String>, bool)> {
        let capture = CaptureFile::from_vec(capture, "hostile").unwrap();
        let mut tracker = Tracker::new().with_memory_limit(limit);
        let mut scratch = Scratch::new();
        let mut frames = Vec::new();
        for frame in capture.frames() {
            let frame = frame.unwrap();
            let packet = tracker.handle_frame(&frame, &mut scratch);
            let stream = packet.layers.iter().find_map(|layer| match &layer.annotation {
                Annotation::Tcp(analysis) => Some(analysis.stream),
                _ => None,
            });
            let http = packet.layers.iter().any(|layer| layer.protocol() == Protocol::Http);
            let problems = packet.problems.iter().map(|problem| problem.message.clone()).collect();
            frames.push((stream, problems, http));
            drop(packet);
            let held = tracker.memory_held();
            assert!(held <= limit, "{held} bytes held, over the {limit}-byte limit");
        }
        frames
    }

    #[test]
    fn a_syn_flood_stays_within_a_small_budget_and_keeps_stream_numbers() {
        let mut bytes = Vec::new();
        let mut pcap = Pcap::new(&mut bytes as &mut dyn Write).unwrap();
        let syns = syn_flood(&mut pcap, 3_000_000).unwrap();
        let ts_us = pcap.ts_us;
        let _ = pcap.into_inner();
        // The first SYN again, its state long given up: it keeps its number.
        let first_len = u32::from_le_bytes(bytes[32..36].try_into().unwrap()) as usize;
        let first_syn = bytes[40..40 + first_len].to_vec();
        let mut tail = Pcap::new(Vec::new()).unwrap();
        tail.ts_us = ts_us;
        tail.frame(&first_syn).unwrap();
        bytes.extend_from_slice(&tail.into_inner()[24..]);
        let limit = 8 << 20;
        let frames = track_within(bytes, limit);
        let shed: Vec<&String> = frames
            .iter()
            .flat_map(|(_, problems, _)| problems)
            .filter(|p| p.contains("memory limit"))
            .collect();
        assert!(shed.len() as u64 > syns / 2, "the oldest states are given up, each with a note");
        assert!(shed[0].contains("gave up the sequence analysis of tcp.stream 0"), "{}", shed[0]);
        let (request, _, http) = &frames[frames.len() - 3];
        assert_eq!((*request, *http), (Some(syns as u32), true), "the real exchange is decoded");
        assert_eq!(frames.last().map(|frame| frame.0), Some(Some(0)), "a shed conversation keeps its number");
    }
}
