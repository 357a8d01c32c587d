//! One memory budget for everything the tracker holds.
//!
//! Each table that grows with its input (IP reassembly, TCP and UDP conversations, stream
//! reassembly and what reads the streams, QUIC connections) is a [`Holder`]: it says, in O(1),
//! how many bytes it has allocated, entry overhead included, and it can give up the state it
//! has held longest. After every frame the tracker adds the holders up; while the sum is over
//! the limit, the holder that holds the most gives up its oldest state, and the frame carries a
//! note saying what was given up. Nothing is dropped without a note, and the sum stays within
//! the limit plus what one frame can add.

use std::mem::size_of;

use super::cow::Census;
use crate::osi::Protocol;

/// The default limit: what `--memory-limit` says when it is not given.
pub const DEFAULT_LIMIT: usize = 256 << 20;

/// A part of the tracker's state that grows with the input.
pub trait Holder {
    /// The bytes it has allocated now, entry overhead included. Must be O(1): it is asked
    /// after every frame.
    fn held(&self) -> usize;

    /// Gives up the state it has held longest, to bring memory back under the budget, and says
    /// what was given up; `None` when it holds nothing it can give up.
    fn shed(&mut self) -> Option<Shed>;

    /// Makes what it holds shareable by a copy made next (see [`super::cow`]).
    fn freeze(&mut self) {}

    /// Counts what it holds into `census`, each shared part once: all of it as its own,
    /// unless its tables share ([`super::cow`]).
    fn census(&self, census: &mut Census) {
        census.own(self.held());
    }
}

/// State given up to stay within the budget, for the note on the frame where it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shed {
    pub protocol: Protocol,
    /// What was given up, such as "reassembly of tcp.stream 7".
    pub what: String,
}

/// What a `Vec` costs: its header and its capacity.
pub fn vec_cost<T>(vec: &Vec<T>) -> usize {
    size_of::<Vec<T>>() + vec.capacity() * size_of::<T>()
}

/// What one entry of a hash map or B-tree costs beyond its key and value: the control byte and
/// spare capacity of a hash table, or a B-tree node's share, rounded up.
pub const ENTRY_OVERHEAD: usize = 16;

/// What one map entry of `K` and `V` costs, its own heap data aside.
pub const fn entry_cost<K, V>() -> usize {
    size_of::<K>() + size_of::<V>() + ENTRY_OVERHEAD
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vec_costs_its_capacity_not_its_length() {
        let mut vec: Vec<u32> = Vec::with_capacity(100);
        vec.push(1);
        assert_eq!(vec_cost(&vec), size_of::<Vec<u32>>() + 400);
    }

    #[test]
    fn an_entry_costs_more_than_its_key_and_value() {
        assert_eq!(entry_cost::<u64, [u8; 8]>(), 16 + ENTRY_OVERHEAD);
    }

    #[test]
    fn a_limit_below_what_cannot_be_given_up_is_told_once_and_still_sheds_new_state() {
        use crate::capture::CaptureFile;
        use crate::testing::hostile::{Pcap, Side, TcpConnection};
        use crate::track::{Scratch, Tracker};

        // Forty HTTP connections, each sending a head in two halves.
        let mut pcap = Pcap::new(Vec::new()).expect("a pcap");
        for client in 0..40u16 {
            let mut tcp = TcpConnection::new(([10, 0, 0, 1], 40_000 + client), ([10, 0, 0, 2], 80));
            tcp.handshake(&mut pcap).expect("written");
            tcp.send(&mut pcap, Side::Client, b"GET / HTTP/1.1\r\n").expect("written");
            tcp.send(&mut pcap, Side::Client, b"Host: x\r\n\r\n").expect("written");
        }
        let capture = CaptureFile::from_vec(pcap.into_inner(), "floor").expect("a capture");
        let mut tracker = Tracker::new().with_memory_limit(64);
        let (mut told, mut gave_up, mut requests) = (0, 0, 0);
        for frame in capture.frames() {
            let frame = frame.expect("a frame");
            let mut scratch = Scratch::new();
            let packet = tracker.handle_frame(&frame, &mut scratch);
            told += packet.problems.iter().filter(|p| p.message.contains("indexes alone take")).count();
            gave_up += packet.problems.iter().filter(|p| p.message.contains("gave up")).count();
            requests += usize::from(packet.layers.iter().any(|layer| layer.protocol() == Protocol::Http));
        }
        assert_eq!(told, 1, "told once, on the first frame that could not get under the limit");
        assert!(gave_up >= 40, "each connection's state given up as it came: {gave_up}");
        assert_eq!(requests, 0, "no head survives a frame");
    }
}
