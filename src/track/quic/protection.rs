//! Removing a QUIC packet's protection: header protection first (the first byte's low bits and
//! the packet number), then the payload's AEAD with the header in the clear as its AAD
//! (RFC 9001 section 5). Plaintext goes into the frame's decrypted arena; a packet that does
//! not open leaves it as it was. A connection's Handshake and 1-RTT keys come from the key
//! log at the ServerHello, or later, from secrets a key log followed live gains afterwards.

use std::ops::Range;

use crate::crypto::quic::{HeaderKey, Keys, PacketKey, SAMPLE_LEN};
use crate::crypto::{Suite, suite};
use crate::dissect::quic::header::Header;
use crate::dissect::quic::{Undecrypted, Unprotected};
use crate::track::keylog::KeyLog;

use super::Connection;

/// One side's 1-RTT keys: header protection, and the packet keys of the current key phase.
#[derive(Clone)]
pub(super) struct OneRtt {
    header: HeaderKey,
    phase: bool,
    current: PacketKey,
    next: Option<PacketKey>,
}

impl OneRtt {
    pub(super) fn new(keys: Keys) -> Self {
        OneRtt { header: keys.header, phase: false, current: keys.packet, next: None }
    }
}

/// What removing a packet's protection gave.
pub(super) enum Opened {
    Plain(Unprotected, Range<usize>),
    HeaderOnly(Unprotected, Undecrypted),
    Nothing(Undecrypted),
}

/// A header with its protection removed.
struct Cleared {
    first: u8,
    truncated: u64,
    pn_len: usize,
    /// The header with the first byte and the packet number in the clear: the AEAD's AAD.
    aad: Vec<u8>,
}

fn too_short() -> Opened {
    Opened::Nothing(Undecrypted::Failed("packet too short to remove header protection".into()))
}

/// Removes header protection.
fn unprotect(hp: &HeaderKey, header: &Header, bytes: &[u8]) -> Option<Cleared> {
    let pn_offset = header.pn_offset;
    let sample = bytes.get(pn_offset + 4..pn_offset + 4 + SAMPLE_LEN)?;
    let mask = hp.mask(sample)?;
    let first =
        if header.is_long() { header.first ^ (mask[0] & 0x0f) } else { header.first ^ (mask[0] & 0x1f) };
    let pn_len = usize::from(first & 0x03) + 1;
    let mut aad = bytes.get(..pn_offset + pn_len)?.to_vec();
    aad[0] = first;
    let mut truncated = 0u64;
    for index in 0..pn_len {
        aad[pn_offset + index] ^= mask[1 + index];
        truncated = truncated << 8 | u64::from(aad[pn_offset + index]);
    }
    Some(Cleared { first, truncated, pn_len, aad })
}

/// The full packet number from its truncated encoding and the largest one seen in its space
/// (RFC 9000 appendix A.3).
pub fn expand_packet_number(largest: Option<u64>, truncated: u64, pn_len: usize) -> u64 {
    let expected = largest.map_or(0, |largest| largest + 1);
    let window = 1u64 << (pn_len * 8);
    let half = window / 2;
    let mask = window - 1;
    let candidate = (expected & !mask) | truncated;
    if candidate + half <= expected && candidate < (1 << 62) - window {
        candidate + window
    } else if candidate > expected + half && candidate >= window {
        candidate - window
    } else {
        candidate
    }
}

/// Decrypts the payload of a packet whose header is cleared.
fn decrypt(
    packet: &PacketKey,
    cleared: &Cleared,
    bytes: &[u8],
    largest: Option<u64>,
    decrypted: &mut Vec<u8>,
) -> Opened {
    let number = expand_packet_number(largest, cleared.truncated, cleared.pn_len);
    let unprotected = Unprotected { first: cleared.first, packet_number: number, pn_len: cleared.pn_len };
    let start = decrypted.len();
    match packet.decrypt(number, &cleared.aad, &bytes[cleared.aad.len()..], decrypted) {
        Ok(()) => Opened::Plain(unprotected, start..decrypted.len()),
        Err(error) => Opened::HeaderOnly(unprotected, Undecrypted::Failed(error.to_string())),
    }
}

/// Opens a packet with one level's keys.
pub(super) fn open(
    keys: Option<&Keys>,
    header: &Header,
    bytes: &[u8],
    largest: Option<u64>,
    decrypted: &mut Vec<u8>,
) -> Opened {
    let Some(keys) = keys else { return Opened::Nothing(Undecrypted::NoKey) };
    match unprotect(&keys.header, header, bytes) {
        Some(cleared) => decrypt(&keys.packet, &cleared, bytes, largest, decrypted),
        None => too_short(),
    }
}

/// Opens a 0-RTT packet. Before the ServerHello the suite is not known, so the first packet
/// tries those the early secret's length allows, and the keys that open it are kept.
#[allow(clippy::too_many_arguments)]
pub(super) fn open_zero_rtt(
    keys: &mut Option<Keys>,
    secret: Option<&[u8]>,
    known_suite: Option<Suite>,
    version: u32,
    header: &Header,
    bytes: &[u8],
    largest: Option<u64>,
    decrypted: &mut Vec<u8>,
) -> Opened {
    if keys.is_some() {
        return open(keys.as_ref(), header, bytes, largest, decrypted);
    }
    let Some(secret) = secret else { return Opened::Nothing(Undecrypted::NoKey) };
    let candidates: &[u16] = match known_suite {
        Some(ref known) => std::slice::from_ref(&known.id),
        None if secret.len() == 48 => &[0x1302],
        None => &[0x1301, 0x1303],
    };
    let mut last = Opened::Nothing(Undecrypted::NoKey);
    for id in candidates {
        let Some(candidate) = suite(*id).and_then(|suite| Keys::new(&suite, version, secret)) else {
            continue;
        };
        last = open(Some(&candidate), header, bytes, largest, decrypted);
        if let Opened::Plain(..) = last {
            *keys = Some(candidate);
            break;
        }
    }
    last
}

/// Opens a 1-RTT packet with the keys of its key phase: a flipped phase is a key update, whose
/// next generation is kept once it opens a packet.
pub(super) fn open_one_rtt(
    keys: Option<&mut OneRtt>,
    header: &Header,
    bytes: &[u8],
    largest: Option<u64>,
    decrypted: &mut Vec<u8>,
) -> Opened {
    let Some(keys) = keys else { return Opened::Nothing(Undecrypted::NoKey) };
    let Some(cleared) = unprotect(&keys.header, header, bytes) else { return too_short() };
    let phase = cleared.first & 0x04 != 0;
    if phase == keys.phase {
        return decrypt(&keys.current, &cleared, bytes, largest, decrypted);
    }
    if keys.next.is_none() {
        keys.next = keys.current.next();
    }
    let Some(next) = &keys.next else { return Opened::Nothing(Undecrypted::NoKey) };
    let opened = decrypt(next, &cleared, bytes, largest, decrypted);
    if let (Opened::Plain(..), Some(next)) = (&opened, keys.next.take()) {
        keys.current = next;
        keys.phase = phase;
    }
    opened
}

impl Connection {
    /// Keys for the Handshake and 1-RTT levels that have none yet, from the key log's secrets
    /// for the client random: at the ServerHello, and again for a packet with no key, since a
    /// key log followed live may have gained them since.
    pub(super) fn late_keys(&mut self, keylog: &KeyLog) {
        let (Some(random), Some(suite)) = (self.client_random, self.suite) else { return };
        let Some(secrets) = keylog.get(&random) else { return };
        let version = self.version;
        let keys = |secret: &Option<Vec<u8>>| {
            secret.as_deref().and_then(|secret| Keys::new(&suite, version, secret))
        };
        for (dir, (handshake, traffic)) in [
            (&secrets.client_handshake, &secrets.client_traffic),
            (&secrets.server_handshake, &secrets.server_traffic),
        ]
        .into_iter()
        .enumerate()
        {
            if self.handshake[dir].is_none() {
                self.handshake[dir] = keys(handshake);
            }
            if self.one_rtt[dir].is_none() {
                self.one_rtt[dir] = keys(traffic).map(OneRtt::new);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_numbers_expand_as_rfc_9000_a3_shows() {
        // The example of RFC 9000 A.3: largest 0xa82f30ea, a 16-bit 0x9b32 is 0xa82f9b32.
        assert_eq!(expand_packet_number(Some(0xa82f_30ea), 0x9b32, 2), 0xa82f_9b32);
        assert_eq!(expand_packet_number(None, 0, 1), 0);
        assert_eq!(expand_packet_number(Some(255), 0x00, 1), 256);
        assert_eq!(expand_packet_number(Some(300), 0xff, 1), 255, "a late packet just below");
        assert_eq!(expand_packet_number(Some(654_360_563), 0xbff4, 3), 654_360_564, "RFC 9001 A.5");
    }
}
