//! The IP protocol number registry (IANA "Assigned Internet Protocol Numbers"), shared by
//! IPv4's Protocol field and IPv6's Next Header once its extension headers are walked.
//!
//! Like [`super::ethernet::EtherType`], it keeps what it does not know: a number rttscope does
//! not follow is `Unknown(n)`, and `u8::from` gives back the number it was made from.

use std::fmt;

/// IP protocol numbers rttscope follows; others are kept by number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IpProtocol {
    /// 1: ICMP (RFC 792).
    Icmp,
    /// 4: IPv4 encapsulated in IP, "IP-in-IP" (RFC 2003).
    Ipv4,
    /// 6: TCP.
    Tcp,
    /// 17: UDP.
    Udp,
    /// 41: IPv6 encapsulated in IP (RFC 2473, RFC 4213).
    Ipv6,
    /// 58: ICMPv6 (RFC 4443).
    Icmpv6,
    Unknown(u8),
}

impl From<u8> for IpProtocol {
    fn from(value: u8) -> Self {
        match value {
            1 => Self::Icmp,
            4 => Self::Ipv4,
            6 => Self::Tcp,
            17 => Self::Udp,
            41 => Self::Ipv6,
            58 => Self::Icmpv6,
            other => Self::Unknown(other),
        }
    }
}

impl From<IpProtocol> for u8 {
    fn from(value: IpProtocol) -> Self {
        match value {
            IpProtocol::Icmp => 1,
            IpProtocol::Ipv4 => 4,
            IpProtocol::Tcp => 6,
            IpProtocol::Udp => 17,
            IpProtocol::Ipv6 => 41,
            IpProtocol::Icmpv6 => 58,
            IpProtocol::Unknown(other) => other,
        }
    }
}

impl fmt::Display for IpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Icmp => "ICMP",
            Self::Ipv4 => "IPIP",
            Self::Tcp => "TCP",
            Self::Udp => "UDP",
            Self::Ipv6 => "IPv6",
            Self::Icmpv6 => "ICMPv6",
            Self::Unknown(number) => return write!(f, "Unknown ({number})"),
        };
        f.write_str(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_number_comes_back_as_it_went_in() {
        for value in 0..=u8::MAX {
            assert_eq!(u8::from(IpProtocol::from(value)), value);
        }
        assert_eq!(IpProtocol::from(4), IpProtocol::Ipv4);
        assert_eq!(IpProtocol::from(41), IpProtocol::Ipv6);
        assert_eq!(IpProtocol::from(132).to_string(), "Unknown (132)");
    }
}
