//! The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of
//! 16-bit words, used by IPv4, ICMP, ICMPv6, UDP and TCP.

use std::net::Ipv6Addr;

/// Adds `bytes` to a running 32-bit sum of big-endian words (an odd last byte is padded).
pub fn add(mut sum: u32, bytes: &[u8]) -> u32 {
    let mut words = bytes.chunks_exact(2);
    for word in &mut words {
        sum = sum.wrapping_add(u32::from(u16::from_be_bytes([word[0], word[1]])));
    }
    if let [last] = words.remainder() {
        sum = sum.wrapping_add(u32::from(*last) << 8);
    }
    sum
}

/// Folds a running sum into the 16-bit ones' complement sum.
pub fn fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// Whether `bytes`, checksum field included, sum to all ones.
pub fn verifies(initial: u32, bytes: &[u8]) -> bool {
    fold(add(initial, bytes)) == 0xffff
}

/// The running sum of the IPv6 pseudo-header (RFC 8200 section 8.1).
pub fn ipv6_pseudo_header(src: Ipv6Addr, dst: Ipv6Addr, upper_len: u32, next_header: u8) -> u32 {
    let mut sum = add(0, &src.octets());
    sum = add(sum, &dst.octets());
    sum = add(sum, &upper_len.to_be_bytes());
    add(sum, &[0, 0, 0, next_header])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example_sums_to_the_documented_value() {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
        let bytes = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(fold(add(0, &bytes)), 0xddf2);
        let mut with_checksum = bytes.to_vec();
        with_checksum.extend_from_slice(&(!0xddf2u16).to_be_bytes());
        assert!(verifies(0, &with_checksum));
        with_checksum[0] ^= 1;
        assert!(!verifies(0, &with_checksum));
    }

    #[test]
    fn odd_lengths_pad_with_zero() {
        assert_eq!(fold(add(0, &[0xab])), 0xab00);
    }
}
