//! Link-layer header types (the tcpdump.org LINKTYPE registry), for the ones rttscope decodes.

use std::fmt;

/// How a frame's bytes begin. Values outside the supported set are kept as `Unknown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// 0: BSD loopback, a 4-byte address family in the capturing host's byte order.
    Null,
    /// 1: Ethernet II / IEEE 802.3.
    Ethernet,
    /// 101: raw IP, version taken from the first nibble.
    Raw,
    /// 108: OpenBSD loopback, a 4-byte address family in network byte order.
    Loop,
    /// 113: Linux cooked capture v1 (`tcpdump -i any`).
    LinuxSll,
    /// 228: raw IPv4.
    Ipv4,
    /// 229: raw IPv6.
    Ipv6,
    /// 276: Linux cooked capture v2.
    LinuxSll2,
    /// Any other link type, by its number.
    Unknown(u32),
}

impl From<u32> for LinkType {
    fn from(value: u32) -> Self {
        match value {
            0 => Self::Null,
            1 => Self::Ethernet,
            101 => Self::Raw,
            108 => Self::Loop,
            113 => Self::LinuxSll,
            228 => Self::Ipv4,
            229 => Self::Ipv6,
            276 => Self::LinuxSll2,
            other => Self::Unknown(other),
        }
    }
}

impl From<LinkType> for u32 {
    fn from(value: LinkType) -> Self {
        match value {
            LinkType::Null => 0,
            LinkType::Ethernet => 1,
            LinkType::Raw => 101,
            LinkType::Loop => 108,
            LinkType::LinuxSll => 113,
            LinkType::Ipv4 => 228,
            LinkType::Ipv6 => 229,
            LinkType::LinuxSll2 => 276,
            LinkType::Unknown(other) => other,
        }
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Null => "BSD loopback",
            Self::Ethernet => "Ethernet",
            Self::Raw => "raw IP",
            Self::Loop => "OpenBSD loopback",
            Self::LinuxSll => "Linux cooked",
            Self::Ipv4 => "raw IPv4",
            Self::Ipv6 => "raw IPv6",
            Self::LinuxSll2 => "Linux cooked v2",
            Self::Unknown(number) => return write!(f, "link type {number}"),
        };
        write!(f, "{name} ({})", u32::from(*self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        for number in [0, 1, 101, 108, 113, 228, 229, 276, 147, 65535] {
            assert_eq!(u32::from(LinkType::from(number)), number);
        }
        assert_eq!(LinkType::from(147), LinkType::Unknown(147));
        assert_eq!(LinkType::Loop.to_string(), "OpenBSD loopback (108)");
        assert_eq!(LinkType::Unknown(147).to_string(), "link type 147");
    }
}
