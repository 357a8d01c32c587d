//! A TCP or UDP header cut short inside an ICMP error.
//!
//! RFC 792 only promises the IP header and the first 64 bits of the datagram in an error's
//! quote: the ports, and for TCP the sequence number. What of the header is there is shown, as
//! Wireshark shows it; the rest is not missing data but a quote that ends.

use std::fmt;

use super::error::{be16, be32};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use super::{tcp, udp};
use crate::osi::Protocol;

/// The bytes of a partial transport header: at least the two ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quote<'a> {
    pub protocol: Protocol,
    bytes: &'a [u8],
}

/// The shortest quote worth showing: both ports.
pub const MIN_LEN: usize = 4;

impl<'a> Quote<'a> {
    /// A partial TCP or UDP header, if `bytes` holds at least the ports.
    pub fn new(protocol: Protocol, bytes: &'a [u8]) -> Option<Self> {
        (bytes.len() >= MIN_LEN && matches!(protocol, Protocol::Tcp | Protocol::Udp))
            .then_some(Self { protocol, bytes })
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn src_port(&self) -> u16 {
        be16(self.bytes, 0)
    }

    pub fn dst_port(&self) -> u16 {
        be16(self.bytes, 2)
    }

    /// The TCP sequence number, when the quote reaches it.
    pub fn seq(&self) -> Option<u32> {
        (self.protocol == Protocol::Tcp && self.bytes.len() >= 8).then(|| be32(self.bytes, 4))
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        let (src, dst, port) = match self.protocol {
            Protocol::Tcp => (tcp::name::SRCPORT, tcp::name::DSTPORT, tcp::name::PORT),
            _ => (udp::name::SRCPORT, udp::name::DSTPORT, udp::name::PORT),
        };
        out.at(src, 0..2, Value::Uint(self.src_port().into()));
        out.at(dst, 2..4, Value::Uint(self.dst_port().into()));
        out.at(port, 0..2, Value::Uint(self.src_port().into()));
        out.at(port, 2..4, Value::Uint(self.dst_port().into()));
        if let Some(seq) = self.seq() {
            out.at(tcp::name::SEQ, 4..8, Value::Uint(seq.into()));
        }
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        write!(
            out,
            "{} → {} (first {} bytes of the header, as quoted)",
            self.src_port(),
            self.dst_port(),
            self.len()
        )
    }
}

impl LayerHeader for Quote<'_> {
    fn protocol(&self) -> Protocol {
        self.protocol
    }

    fn header_len(&self) -> usize {
        Quote::len(self)
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Quote::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Quote::summary(self, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_shows_what_it_holds() {
        let eight = [0x9c, 0x40, 0x01, 0xbb, 0x07, 0x5b, 0xcd, 0x15];
        let quote = Quote::new(Protocol::Tcp, &eight).expect("ports are there");
        assert_eq!((quote.src_port(), quote.dst_port(), quote.seq()), (40000, 443, Some(123_456_789)));
        assert_eq!(Quote::new(Protocol::Tcp, &eight[..6]).and_then(|q| q.seq()), None);
        assert_eq!(Quote::new(Protocol::Udp, &eight).and_then(|q| q.seq()), None);
        assert_eq!(Quote::new(Protocol::Tcp, &eight[..3]), None);
        assert_eq!(Quote::new(Protocol::Icmp, &eight), None);
    }
}
