//! Hostile captures against QUIC and the timeline: junk Initials before a real connection,
//! CRYPTO data in one-byte pieces, many pipelined HTTP/1.1 requests, and a flood of SYNs.
//!
//! The real QUIC connection is the interop capture `fixtures/interop/quic-h3-aioquic.pcap`
//! (aioquic client and server, one HTTP/3 GET), written again frame by frame at the end of a
//! capture: its key log beside it decrypts it. Initials made here are protected with the
//! Initial keys of their Destination Connection ID (RFC 9001 section 5), as a client would.

use std::io::{self, Write};

use ring::aead::{self, quic as hp};

use super::{Pcap, Side, TcpConnection};
use crate::capture::CaptureFile;
use crate::crypto::quic::initial_secrets;
use crate::crypto::{Hash, hkdf_expand_label};
use crate::dissect::tcp::flag;
use crate::testing::{IPV4, UDP, ethernet, ipv4, udp};

/// The recorded HTTP/3 connection, and the key log that decrypts it.
const REAL_QUIC: &[u8] = include_bytes!("../../../fixtures/interop/quic-h3-aioquic.pcap");
/// Where the key log of `REAL_QUIC` is, from the repository's root.
pub const REAL_QUIC_KEYS: &str = "fixtures/interop/quic-h3-aioquic.keys";

const CLIENT: [u8; 4] = [10, 0, 27, 1];
const SERVER: [u8; 4] = [10, 0, 27, 2];

/// Bytes of the real connection as written here, so that generators stop in time for it.
fn real_quic_len() -> u64 {
    REAL_QUIC.len() as u64
}

/// Writes the recorded HTTP/3 connection's frames.
pub fn write_real_quic<W: Write + ?Sized>(pcap: &mut Pcap<&mut W>) -> io::Result<()> {
    let capture =
        CaptureFile::from_vec(REAL_QUIC.to_vec(), "quic-h3-aioquic.pcap").map_err(io::Error::other)?;
    for frame in capture.frames() {
        let frame = frame.map_err(io::Error::other)?;
        pcap.frame(frame.data)?;
    }
    Ok(())
}

/// A UDP datagram from the client's side (port `port`) to the server's port 443.
fn datagram<W: Write + ?Sized>(pcap: &mut Pcap<&mut W>, port: u16, payload: &[u8]) -> io::Result<()> {
    pcap.frame(&ethernet(IPV4, &ipv4(UDP, CLIENT, SERVER, &udp(port, 443, payload))))
}

/// The Destination Connection ID of junk connection `index`.
fn dcid(index: u64) -> [u8; 8] {
    (index ^ 0x6a75_6e6b_0000_0000).to_be_bytes()
}

/// A client Initial to `dcid` with a made-up payload: it never decrypts. 59 bytes.
fn junk_initial(dcid: [u8; 8]) -> Vec<u8> {
    // Long header, Initial, packet number length 4; version 1; DCID and SCID of 8 bytes.
    let mut packet = vec![0xc3, 0, 0, 0, 1, 8];
    packet.extend(dcid);
    packet.push(8);
    packet.extend(dcid.map(|byte| !byte));
    // No token; Length 34: packet number and payload.
    packet.extend([0x00, 34]);
    packet.extend((0..34u8).map(|byte| byte.wrapping_mul(37) ^ dcid[7]));
    packet
}

/// quic-junk-initials-then-real: Initials to new Destination Connection IDs, each from a new
/// port, whose payloads never decrypt, then a real HTTP/3 connection.
pub fn junk_initials_then_real(pcap: &mut Pcap<&mut dyn Write>, size: u64) -> io::Result<()> {
    let mut index = 0u64;
    while pcap.written + real_quic_len() < size {
        datagram(pcap, 1024 + (index % 60_000) as u16, &junk_initial(dcid(index)))?;
        index += 1;
    }
    write_real_quic(pcap)
}

/// A client's Initial packet protection, from its Destination Connection ID.
struct InitialSealer {
    key: aead::LessSafeKey,
    iv: [u8; 12],
    hp: hp::HeaderProtectionKey,
}

impl InitialSealer {
    fn new(dcid: &[u8]) -> io::Result<Self> {
        let (client, _) = initial_secrets(1, dcid).ok_or_else(|| io::Error::other("no Initial secrets"))?;
        Self::from_secret(&client)
    }

    /// Packet protection from a traffic secret of TLS_AES_128_GCM_SHA256.
    fn from_secret(secret: &[u8]) -> io::Result<Self> {
        let fail = || io::Error::other("cannot derive QUIC keys");
        let expand = |label: &[u8], len| hkdf_expand_label(Hash::Sha256, secret, label, b"", len);
        let key = expand(b"quic key", 16).ok_or_else(fail)?;
        let iv = expand(b"quic iv", 12).ok_or_else(fail)?;
        let hp_key = expand(b"quic hp", 16).ok_or_else(fail)?;
        Ok(Self {
            key: aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_128_GCM, &key).map_err(|_| fail())?),
            iv: iv.try_into().map_err(|_| fail())?,
            hp: hp::HeaderProtectionKey::new(&hp::AES_128, &hp_key).map_err(|_| fail())?,
        })
    }

    /// A protected Initial from `scid` to `dcid` with packet number `pn` carrying `frames`.
    fn seal(&self, dcid: &[u8], scid: &[u8], pn: u32, frames: &[u8]) -> io::Result<Vec<u8>> {
        let mut packet = vec![0xc3, 0, 0, 0, 1, dcid.len() as u8];
        packet.extend_from_slice(dcid);
        packet.push(scid.len() as u8);
        packet.extend_from_slice(scid);
        // No token; Length (two-byte varint): packet number, payload and tag.
        packet.push(0);
        let length = 4 + frames.len() + 16;
        packet.extend_from_slice(&(0x4000 | length as u16).to_be_bytes());
        self.protect(packet, 0x0f, pn, frames)
    }

    /// A protected 1-RTT packet (short header, key phase 0) to `dcid`.
    fn seal_short(&self, dcid: &[u8], pn: u32, frames: &[u8]) -> io::Result<Vec<u8>> {
        let mut packet = vec![0x43];
        packet.extend_from_slice(dcid);
        self.protect(packet, 0x1f, pn, frames)
    }

    /// Appends the four-byte packet number `pn` and the sealed `frames` to `packet`, a header
    /// up to its packet number, and protects the header (`first_bits` of its first byte).
    fn protect(&self, mut packet: Vec<u8>, first_bits: u8, pn: u32, frames: &[u8]) -> io::Result<Vec<u8>> {
        let fail = || io::Error::other("cannot protect a QUIC packet");
        let pn_offset = packet.len();
        packet.extend_from_slice(&pn.to_be_bytes());
        let mut nonce = self.iv;
        for (byte, pn_byte) in nonce[8..].iter_mut().zip(pn.to_be_bytes()) {
            *byte ^= pn_byte;
        }
        let mut payload = frames.to_vec();
        let nonce = aead::Nonce::assume_unique_for_key(nonce);
        let tag = self.key.seal_in_place_separate_tag(nonce, aead::Aad::from(&packet), &mut payload);
        packet.extend_from_slice(&payload);
        packet.extend_from_slice(tag.map_err(|_| fail())?.as_ref());
        let sample = packet.get(pn_offset + 4..pn_offset + 20).ok_or_else(fail)?;
        let mask = self.hp.new_mask(sample).map_err(|_| fail())?;
        packet[0] ^= mask[0] & first_bits;
        for (index, byte) in packet[pn_offset..pn_offset + 4].iter_mut().enumerate() {
            *byte ^= mask[1 + index];
        }
        Ok(packet)
    }
}

/// CRYPTO pieces offered to one connection: a 64 KiB stream's worth of one-byte pieces.
const PIECES_PER_CONNECTION: u32 = 64 * 1024;

/// quic-crypto-1byte: connections whose client Initials decrypt and carry CRYPTO data in
/// one-byte frames, never the first byte, so that every piece waits; a new connection for each
/// 64 KiB of pieces; then a real HTTP/3 connection.
pub fn crypto_one_byte(pcap: &mut Pcap<&mut dyn Write>, size: u64) -> io::Result<()> {
    let mut connection = 0u64;
    'connections: while pcap.written + real_quic_len() < size {
        let dcid = dcid(connection);
        let sealer = InitialSealer::new(&dcid)?;
        let port = 2048 + (connection % 60_000) as u16;
        let mut offset = 1u32;
        let mut pn = 0;
        while offset <= PIECES_PER_CONNECTION {
            if pcap.written + real_quic_len() >= size {
                break 'connections;
            }
            // CRYPTO frames: type, offset (four-byte varint), length 1, one byte.
            let mut frames = Vec::with_capacity(1200);
            while frames.len() < 1150 && offset <= PIECES_PER_CONNECTION {
                frames.push(0x06);
                frames.extend_from_slice(&(0x8000_0000 | offset).to_be_bytes());
                frames.extend_from_slice(&[1, offset as u8]);
                offset += 1;
            }
            datagram(pcap, port, &sealer.seal(&dcid, &dcid.map(|byte| !byte), pn, &frames)?)?;
            pn += 1;
        }
        connection += 1;
    }
    write_real_quic(pcap)
}

/// Where the key log of [`http3_many_requests`] is, from the repository's root.
pub const MANY_REQUESTS_KEYS: &str = "fixtures/hostile/http3-many-requests.keys";
/// The ClientHello's random and the 1-RTT secrets that key log gives for it.
const MANY_REQUESTS_RANDOM: [u8; 32] = [0x42; 32];
const CLIENT_TRAFFIC_SECRET: [u8; 32] = [0x11; 32];
const SERVER_TRAFFIC_SECRET: [u8; 32] = [0x22; 32];

/// A CRYPTO frame at offset 0 carrying one handshake message of `kind`.
fn crypto_message(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut message = vec![kind, 0, (body.len() >> 8) as u8, body.len() as u8];
    message.extend_from_slice(body);
    let mut frame = vec![0x06, 0x00];
    frame.extend_from_slice(&(0x4000 | message.len() as u16).to_be_bytes());
    frame.extend_from_slice(&message);
    frame
}

/// A STREAM frame (LEN and FIN) that is all of stream `stream_id`: one HTTP/3 HEADERS frame.
fn finished_stream(stream_id: u64, headers: &[u8]) -> Vec<u8> {
    // Type (STREAM with LEN and FIN), stream ID (four-byte varint), length, data.
    let mut frame = vec![0x0b];
    frame.extend_from_slice(&(0x8000_0000 | stream_id as u32).to_be_bytes());
    frame.push(2 + headers.len() as u8);
    frame.extend_from_slice(&[0x01, headers.len() as u8]);
    frame.extend_from_slice(headers);
    frame
}

/// http3-many-requests: one HTTP/3 connection (TLS_AES_128_GCM_SHA256, its 1-RTT secrets in
/// [`MANY_REQUESTS_KEYS`]) making request after request, each on a new stream, each answered
/// and finished both ways: a page load of very many resources.
pub fn http3_many_requests(pcap: &mut Pcap<&mut dyn Write>, size: u64) -> io::Result<()> {
    let (client_cid, server_cid, first_dcid) = ([0xc1; 8], [0x5e; 8], [0xd0; 8]);
    let (client_initial, server_initial) =
        initial_secrets(1, &first_dcid).ok_or_else(|| io::Error::other("no Initial secrets"))?;
    // ClientHello: legacy version, random, no session ID, TLS_AES_128_GCM_SHA256, null
    // compression, no extensions.
    let mut hello = vec![0x03, 0x03];
    hello.extend_from_slice(&MANY_REQUESTS_RANDOM);
    hello.extend_from_slice(&[0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00]);
    let client_hello = crypto_message(1, &hello);
    let sealer = InitialSealer::from_secret(&client_initial)?;
    datagram(pcap, 50_000, &sealer.seal(&first_dcid, &client_cid, 0, &client_hello)?)?;
    // ServerHello: legacy version, random, no session ID, the suite, null compression.
    let mut hello = vec![0x03, 0x03];
    hello.extend_from_slice(&[0x53; 32]);
    hello.extend_from_slice(&[0x00, 0x13, 0x01, 0x00]);
    let server_hello = crypto_message(2, &hello);
    let sealer = InitialSealer::from_secret(&server_initial)?;
    let packet = sealer.seal(&client_cid, &server_cid, 0, &server_hello)?;
    pcap.frame(&ethernet(IPV4, &ipv4(UDP, SERVER, CLIENT, &udp(443, 50_000, &packet))))?;
    let client = InitialSealer::from_secret(&CLIENT_TRAFFIC_SECRET)?;
    let server = InitialSealer::from_secret(&SERVER_TRAFFIC_SECRET)?;
    // HEADERS: required insert count 0, base 0, :method GET (static 17), :path / (static 1);
    // and :status 200 (static 25).
    let (request, response) = ([0x00, 0x00, 0xd1, 0xc1], [0x00, 0x00, 0xd9]);
    let mut index = 0u32;
    while pcap.written < size {
        let stream_id = u64::from(index) * 4;
        datagram(
            pcap,
            50_000,
            &client.seal_short(&server_cid, index, &finished_stream(stream_id, &request))?,
        )?;
        let packet = server.seal_short(&client_cid, index, &finished_stream(stream_id, &response))?;
        pcap.frame(&ethernet(IPV4, &ipv4(UDP, SERVER, CLIENT, &udp(443, 50_000, &packet))))?;
        index += 1;
    }
    Ok(())
}

/// The key log line of [`http3_many_requests`]'s connection, as [`MANY_REQUESTS_KEYS`] holds it.
pub fn many_requests_key_log() -> String {
    let hex = |bytes: &[u8]| bytes.iter().map(|byte| format!("{byte:02x}")).collect::<String>();
    let random = hex(&MANY_REQUESTS_RANDOM);
    format!(
        "CLIENT_TRAFFIC_SECRET_0 {random} {}\nSERVER_TRAFFIC_SECRET_0 {random} {}\n",
        hex(&CLIENT_TRAFFIC_SECRET),
        hex(&SERVER_TRAFFIC_SECRET)
    )
}

/// The request each pipelined segment carries.
const PIPELINED_REQUEST: &[u8] = b"GET /item HTTP/1.1\r\nHost: example.test\r\n\r\n";
/// The response the server sends to each.
const PIPELINED_RESPONSE: &[u8] = b"HTTP/1.1 204 No Content\r\n\r\n";

/// timeline-pipelined: one HTTP/1.1 connection, its handshake without the client's bare ACK,
/// then request after request, each answered, every client segment carrying data.
pub fn pipelined(pcap: &mut Pcap<&mut dyn Write>, size: u64) -> io::Result<()> {
    let mut connection = TcpConnection::new(([10, 0, 0, 1], 40_000), ([10, 0, 0, 2], 80));
    connection.segment_at(pcap, Side::Client, connection.next[0], flag::SYN, &[])?;
    connection.next[0] += 1;
    connection.segment_at(pcap, Side::Server, connection.next[1], flag::SYN | flag::ACK, &[])?;
    connection.next[1] += 1;
    while pcap.written < size {
        connection.send(pcap, Side::Client, PIPELINED_REQUEST)?;
        connection.send(pcap, Side::Server, PIPELINED_RESPONSE)?;
    }
    Ok(())
}

/// timeline-syn-flood: SYNs from ever new client ports and addresses, none answered.
pub fn syn_flood(pcap: &mut Pcap<&mut dyn Write>, size: u64) -> io::Result<()> {
    let mut index = 0u32;
    while pcap.written < size {
        let [_, a, b, c] = index.to_be_bytes();
        let client = ([10, a, b, c], 1024 + (index % 60_000) as u16);
        let connection = TcpConnection::new(client, ([10, 255, 255, 254], 443));
        connection.segment_at(pcap, Side::Client, 1_000, flag::SYN, &[])?;
        index = index.wrapping_add(1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::track::Tracker;

    #[test]
    fn a_sealed_initial_opens_with_the_keys_its_destination_id_gives() {
        let mut bytes = Vec::new();
        let mut pcap = Pcap::new(&mut bytes as &mut dyn Write).unwrap();
        crypto_one_byte(&mut pcap, 3_000 + real_quic_len()).unwrap();
        let _ = pcap.into_inner();
        let capture = CaptureFile::from_vec(bytes, "crypto-1byte").unwrap();
        let mut tracker = Tracker::new();
        let mut scratch = crate::track::Scratch::new();
        let frame = capture.frames().next().unwrap().unwrap();
        let packet = tracker.handle_frame(&frame, &mut scratch);
        let quic = packet.layers.iter().find_map(|layer| match &layer.content {
            crate::dissect::Content::Quic(quic) => Some(quic),
            _ => None,
        });
        let first = quic.and_then(|quic| quic.packets.first()).unwrap();
        assert!(first.plaintext.is_some(), "{:?}", first.undecrypted);
        assert!(first.frames.len() > 100, "one-byte CRYPTO frames");
        assert!(first.frames.iter().all(|frame| frame.kind == 0x06));
    }

    #[test]
    fn the_many_requests_key_log_in_the_repository_is_the_generators() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/hostile/http3-many-requests.keys");
        assert_eq!(std::fs::read_to_string(path).unwrap(), many_requests_key_log());
    }

    #[test]
    fn a_junk_initial_is_a_well_formed_header() {
        let packet = junk_initial(dcid(7));
        assert_eq!(packet.len(), 59);
        let header = crate::dissect::quic::header::parse(&packet, 0).unwrap();
        assert_eq!(header.len, packet.len());
    }
}
