//! Builders for test frames: each wraps a payload in one protocol's header, so a test spells
//! out a frame from the inside out, `ethernet(IPV4, ipv4(UDP, ..., udp(..., b"hi")))`.

use crate::capture::{Frame, LinkType};
use crate::dissect::checksum;

pub mod hostile;

pub const IPV4: u16 = 0x0800;
pub const IPV6: u16 = 0x86dd;
pub const VLAN: u16 = 0x8100;
pub const ICMP: u8 = 1;
pub const TCP: u8 = 6;
pub const UDP: u8 = 17;
pub const ICMPV6: u8 = 58;

pub const MAC_A: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0a];
pub const MAC_B: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0b];

pub fn ethernet(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(14 + payload.len());
    frame.extend_from_slice(&MAC_B);
    frame.extend_from_slice(&MAC_A);
    frame.extend_from_slice(&ethertype.to_be_bytes());
    frame.extend_from_slice(payload);
    frame
}

pub fn vlan(id: u16, ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut tag = id.to_be_bytes().to_vec();
    tag.extend_from_slice(&ethertype.to_be_bytes());
    tag.extend_from_slice(payload);
    tag
}

/// An IPv4 header with a valid checksum. `fragment` is (offset in bytes, more fragments).
pub fn ipv4_fragment(
    protocol: u8,
    src: [u8; 4],
    dst: [u8; 4],
    ident: u16,
    fragment: (usize, bool),
    payload: &[u8],
) -> Vec<u8> {
    let total = 20 + payload.len();
    let flags_offset = ((fragment.0 / 8) as u16) | if fragment.1 { 0x2000 } else { 0 };
    let mut header = vec![0x45, 0];
    header.extend_from_slice(&(total as u16).to_be_bytes());
    header.extend_from_slice(&ident.to_be_bytes());
    header.extend_from_slice(&flags_offset.to_be_bytes());
    header.extend_from_slice(&[64, protocol, 0, 0]);
    header.extend_from_slice(&src);
    header.extend_from_slice(&dst);
    let sum = !checksum::fold(checksum::add(0, &header));
    header[10..12].copy_from_slice(&sum.to_be_bytes());
    header.extend_from_slice(payload);
    header
}

pub fn ipv4(protocol: u8, src: [u8; 4], dst: [u8; 4], payload: &[u8]) -> Vec<u8> {
    ipv4_fragment(protocol, src, dst, 0x1234, (0, false), payload)
}

pub fn ipv6(next_header: u8, src: [u8; 16], dst: [u8; 16], payload: &[u8]) -> Vec<u8> {
    let mut header = vec![0x60, 0, 0, 0];
    header.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    header.extend_from_slice(&[next_header, 64]);
    header.extend_from_slice(&src);
    header.extend_from_slice(&dst);
    header.extend_from_slice(payload);
    header
}

pub fn udp(src: u16, dst: u16, payload: &[u8]) -> Vec<u8> {
    let mut header = src.to_be_bytes().to_vec();
    header.extend_from_slice(&dst.to_be_bytes());
    header.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    header.extend_from_slice(&[0, 0]);
    header.extend_from_slice(payload);
    header
}

/// A TCP header without options.
pub fn tcp(src: u16, dst: u16, seq: u32, ack: u32, flags: u16, payload: &[u8]) -> Vec<u8> {
    let mut header = src.to_be_bytes().to_vec();
    header.extend_from_slice(&dst.to_be_bytes());
    header.extend_from_slice(&seq.to_be_bytes());
    header.extend_from_slice(&ack.to_be_bytes());
    header.extend_from_slice(&((5u16 << 12) | flags).to_be_bytes());
    header.extend_from_slice(&[0xff, 0xff, 0, 0, 0, 0]);
    header.extend_from_slice(payload);
    header
}

/// An ICMP message with a valid checksum; `rest` is the 4 bytes after the checksum.
pub fn icmp(kind: u8, code: u8, rest: [u8; 4], body: &[u8]) -> Vec<u8> {
    let mut message = vec![kind, code, 0, 0];
    message.extend_from_slice(&rest);
    message.extend_from_slice(body);
    let sum = !checksum::fold(checksum::add(0, &message));
    message[2..4].copy_from_slice(&sum.to_be_bytes());
    message
}

/// A frame at `number` with timestamp `ts_ns`.
pub fn frame(number: u64, ts_ns: i64, linktype: LinkType, data: &[u8]) -> Frame<'_> {
    Frame { number, ts_ns, linktype, interface: None, orig_len: data.len() as u32, data }
}

/// A TLS record of `content_type` around `body`, with the TLS 1.2 record version.
pub fn tls_record(content_type: u8, body: &[u8]) -> Vec<u8> {
    let mut bytes = vec![content_type, 3, 3];
    bytes.extend((body.len() as u16).to_be_bytes());
    bytes.extend(body);
    bytes
}

/// A TLS handshake message of `kind` around `body`.
pub fn tls_message(kind: u8, body: &[u8]) -> Vec<u8> {
    let len = body.len() as u32;
    let mut bytes = vec![kind, (len >> 16) as u8, (len >> 8) as u8, len as u8];
    bytes.extend(body);
    bytes
}
