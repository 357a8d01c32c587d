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
}
