//! A frame's crossing of the link, read back from the two-sided capture: when its sender's side
//! saw it leave and when the receiver's side saw it arrive, so one-way delays are measured.
//!
//! Invariant: the emulator forwards frames unchanged and in order, so a frame sent is matched
//! with the first not-yet-matched identical frame on the other side; a frame the link dropped
//! has no match and no crossing.

use std::collections::{HashMap, VecDeque};

use super::LinkCapture;
use super::schedule::Direction;
use super::topology::CLIENT_MAC;
use crate::capture::LivePacket;

/// One frame that crossed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crossing {
    pub direction: Direction,
    /// When the sender's side recorded it, in nanoseconds since the Unix epoch.
    pub sent_ns: i64,
    /// When the receiver's side recorded it.
    pub arrived_ns: i64,
    /// Its length in bytes, Ethernet header included.
    pub len: usize,
}

impl Crossing {
    pub fn delay_ns(&self) -> i64 {
        self.arrived_ns - self.sent_ns
    }
}

/// Which way a recorded frame went, from its Ethernet source address.
pub fn direction(frame: &[u8]) -> Direction {
    if frame.get(6..12) == Some(&CLIENT_MAC[..]) {
        Direction::ClientToServer
    } else {
        Direction::ServerToClient
    }
}

/// Every frame that crossed, in the order it was sent on each side (client's frames first).
pub fn crossings(capture: &LinkCapture) -> Vec<Crossing> {
    let mut crossings = match_side(&capture.client_side, &capture.server_side, Direction::ClientToServer);
    crossings.extend(match_side(&capture.server_side, &capture.client_side, Direction::ServerToClient));
    crossings
}

/// The frames `sender_side` sent going `direction`, matched with their arrival on the other.
fn match_side(
    sender_side: &[LivePacket],
    receiver_side: &[LivePacket],
    direction: Direction,
) -> Vec<Crossing> {
    let mut arrivals: HashMap<&[u8], VecDeque<i64>> = HashMap::new();
    for packet in receiver_side.iter().filter(|packet| self::direction(&packet.data) == direction) {
        arrivals.entry(&packet.data).or_default().push_back(packet.ts_ns);
    }
    sender_side
        .iter()
        .filter(|packet| self::direction(&packet.data) == direction)
        .filter_map(|packet| {
            let arrived_ns = arrivals.get_mut(&packet.data[..])?.pop_front()?;
            Some(Crossing { direction, sent_ns: packet.ts_ns, arrived_ns, len: packet.data.len() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::topology::SERVER_MAC;

    fn frame(source: [u8; 6], tag: u8) -> Vec<u8> {
        let mut frame = vec![0; 6];
        frame.extend_from_slice(&source);
        frame.extend_from_slice(&[0x08, 0x00, tag]);
        frame
    }

    fn packet(ts_ns: i64, data: Vec<u8>) -> LivePacket {
        LivePacket { ts_ns, orig_len: data.len() as u32, data }
    }

    #[test]
    fn identical_frames_are_matched_in_order_and_dropped_ones_have_no_crossing() {
        let capture = LinkCapture {
            client_side: vec![
                packet(100, frame(CLIENT_MAC, 1)),
                packet(110, frame(CLIENT_MAC, 1)), // a retransmission, same bytes
                packet(120, frame(CLIENT_MAC, 2)), // dropped by the link
                packet(190, frame(SERVER_MAC, 9)),
            ],
            server_side: vec![
                packet(150, frame(CLIENT_MAC, 1)),
                packet(160, frame(CLIENT_MAC, 1)),
                packet(170, frame(SERVER_MAC, 9)),
            ],
            stats: Default::default(),
        };
        let found = crossings(&capture);
        let summary: Vec<_> = found.iter().map(|c| (c.direction, c.sent_ns, c.delay_ns())).collect();
        assert_eq!(
            summary,
            [
                (Direction::ClientToServer, 100, 50),
                (Direction::ClientToServer, 110, 50),
                (Direction::ServerToClient, 170, 20),
            ]
        );
    }
}
