//! TCP sequence numbers, which wrap at 2^32 (RFC 9293 section 3.4).
//!
//! Which of two numbers comes first is decided by serial-number arithmetic (RFC 1982 section
//! 3.2): `a` is after `b` when `a - b`, taken modulo 2^32, is below 2^31. That is not an
//! order (each number is after half of the others), so [`SeqNumber`] has no `Ord`; compare
//! with [`SeqNumber::is_after`] and friends, and measure with [`SeqNumber::since`].

use std::fmt;
use std::ops::{Add, Sub};

/// A sequence or acknowledgment number, absolute or relative to a connection's first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SeqNumber(pub u32);

impl SeqNumber {
    /// How far after `earlier` this number is, negative when it is before it.
    pub fn since(self, earlier: Self) -> i32 {
        self.0.wrapping_sub(earlier.0) as i32
    }

    pub fn is_after(self, other: Self) -> bool {
        self.since(other) > 0
    }

    pub fn is_before(self, other: Self) -> bool {
        self.since(other) < 0
    }

    pub fn is_at_or_before(self, other: Self) -> bool {
        !self.is_after(other)
    }
}

/// Moving on by a number of bytes wraps around.
impl Add<u32> for SeqNumber {
    type Output = Self;

    fn add(self, bytes: u32) -> Self {
        Self(self.0.wrapping_add(bytes))
    }
}

/// Going back by a number of bytes wraps around.
impl Sub<u32> for SeqNumber {
    type Output = Self;

    fn sub(self, bytes: u32) -> Self {
        Self(self.0.wrapping_sub(bytes))
    }
}

/// The distance from `base` forward to this number: a number relative to `base`.
impl Sub for SeqNumber {
    type Output = u32;

    fn sub(self, base: Self) -> u32 {
        self.0.wrapping_sub(base.0)
    }
}

impl fmt::Display for SeqNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_hold_across_the_wrap() {
        let last = SeqNumber(u32::MAX);
        let first = last + 1;
        assert_eq!(first, SeqNumber(0));
        assert!(first.is_after(last) && last.is_before(first));
        assert_eq!(first.since(last), 1);
        assert_eq!(last.since(first), -1);
        assert_eq!(SeqNumber(5) - SeqNumber(u32::MAX - 4), 10);
        assert_eq!(SeqNumber(3) - 5, SeqNumber(u32::MAX - 1));
        assert!(last.is_at_or_before(last) && !first.is_at_or_before(last));
    }

    #[test]
    fn half_the_space_away_counts_as_before() {
        // RFC 1982: exactly 2^31 apart, the comparison is undefined; here it says "before",
        // as a signed 32-bit difference does (Wireshark's GT_SEQ/LT_SEQ too).
        let zero = SeqNumber(0);
        let half = SeqNumber(1 << 31);
        assert!(!half.is_after(zero) && half.is_before(zero));
        assert!(SeqNumber((1 << 31) - 1).is_after(zero));
    }
}
