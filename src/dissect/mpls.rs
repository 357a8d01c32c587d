//! MultiProtocol Label Switching (MPLS) label stacks (EtherType 0x8847, or 0x8848 multicast):
//! the labels a provider's routers switch a packet by, in front of the packet.
//!
//! ```text
//! RFC 3032 section 2.1, each label stack entry:
//! |                Label (20)                 | TC(3) |S|   TTL (8)     |
//! ```
//! Entries follow one another until the one whose S (bottom of stack) bit is set. What follows
//! the stack carries no type: as Wireshark guesses, a first nibble of 4 is IPv4 and 6 is IPv6,
//! anything else is data. The invariant: a stack is at most [`MAX_ENTRIES`] entries; a longer
//! one is malformed, and one cut off before its bottom is truncated.

use std::fmt;

use super::Content;
use super::error::{Error, IResult, be32, into_error, take_bytes};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::dispatch::Next;
use crate::osi::Protocol;

pub const ENTRY_LEN: usize = 4;
/// The most label stack entries one stack may hold here.
pub const MAX_ENTRIES: usize = 16;

mod field {
    pub const LABEL: u32 = 0xffff_f000;
    pub const TRAFFIC_CLASS: u32 = 0x0000_0e00;
    pub const BOTTOM: u32 = 0x0000_0100;
    pub const TTL: u32 = 0x0000_00ff;
}

/// A label stack, from the top entry to the bottom one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stack<'a> {
    bytes: &'a [u8],
}

/// One label stack entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub label: u32,
    pub traffic_class: u8,
    pub bottom: bool,
    pub ttl: u8,
}

pub fn parse(input: &[u8]) -> IResult<'_, Stack<'_>> {
    for count in 1..=MAX_ENTRIES {
        let (_, bytes) = take_bytes(count * ENTRY_LEN)(input)?;
        if be32(bytes, (count - 1) * ENTRY_LEN) & field::BOTTOM != 0 {
            let (payload, bytes) = take_bytes(count * ENTRY_LEN)(input)?;
            return Ok((payload, Stack { bytes }));
        }
    }
    Err(Error::malformed(format!("more than {MAX_ENTRIES} MPLS labels with no bottom of stack")))
}

/// Reads a stack as the stateless chain's entry for MPLS: an IPv4 or IPv6 datagram follows it
/// if its first nibble says so, data otherwise.
pub fn dissect(input: &[u8]) -> Result<(Content<'_>, Next<'_>), Error> {
    let (payload, stack) = parse(input).map_err(into_error)?;
    let next = match payload.first().map(|byte| byte >> 4) {
        Some(4 | 6) => Next::Ip(payload),
        _ => Next::Data(payload),
    };
    Ok((Content::Mpls(stack), next))
}

impl Stack<'_> {
    pub fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        self.bytes.chunks_exact(ENTRY_LEN).map(|entry| {
            let word = be32(entry, 0);
            Entry {
                label: (word & field::LABEL) >> 12,
                traffic_class: ((word & field::TRAFFIC_CLASS) >> 9) as u8,
                bottom: word & field::BOTTOM != 0,
                ttl: (word & field::TTL) as u8,
            }
        })
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        for (index, entry) in self.entries().enumerate() {
            let at = index * ENTRY_LEN..(index + 1) * ENTRY_LEN;
            out.at(name::LABEL, at.clone(), Value::Uint(entry.label.into()));
            out.at(name::EXP, at.clone(), Value::Uint(entry.traffic_class.into()));
            out.at(name::BOTTOM, at.clone(), Value::Uint(entry.bottom.into()));
            out.at(name::TTL, at, Value::Uint(entry.ttl.into()));
        }
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        out.write_str("MPLS Label Switched Packet")
    }
}

impl LayerHeader for Stack<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Mpls
    }

    fn header_len(&self) -> usize {
        self.bytes.len()
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Stack::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Stack::summary(self, out)
    }
}

pub mod name {
    //! The fields of an MPLS label stack, by Wireshark's names: the registry's rows for them,
    //! and the names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Mpls;
        LABEL "mpls.label" Uint "label";
        EXP "mpls.exp" Uint "traffic class (formerly experimental bits)";
        BOTTOM "mpls.bottom" Uint "bottom of the label stack";
        TTL "mpls.ttl" Uint "time to live";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACKET: [u8; 10] = [
        0x00, 0x01, 0x00, 0x40, // label 16, TC 0, S 0, TTL 64
        0x00, 0x3e, 0x8b, 0x3f, // label 1000, TC 5, S 1, TTL 63
        0x45, 0x00, // the IPv4 datagram's first bytes
    ];

    #[test]
    fn reads_the_stack_down_to_its_bottom() {
        let (content, next) = dissect(&PACKET).expect("a whole stack");
        let Content::Mpls(stack) = content else { panic!("not MPLS: {content:?}") };
        let entries: Vec<_> = stack.entries().collect();
        assert_eq!(
            entries,
            [
                Entry { label: 16, traffic_class: 0, bottom: false, ttl: 64 },
                Entry { label: 1000, traffic_class: 5, bottom: true, ttl: 63 },
            ]
        );
        assert_eq!(next, Next::Ip(&PACKET[8..]));
    }

    #[test]
    fn what_is_not_ip_after_the_stack_is_data() {
        let mut packet = PACKET;
        packet[8] = 0x00;
        let (_, next) = dissect(&packet).expect("a whole stack");
        assert_eq!(next, Next::Data(&packet[8..]));
    }

    #[test]
    fn every_truncation_is_reported() {
        for cut in 0..8 {
            let needed = if cut < 4 { 4 - cut } else { 8 - cut };
            assert_eq!(parse(&PACKET[..cut]), Err(Error::truncated(needed)), "cut at {cut}");
        }
    }

    #[test]
    fn a_stack_with_no_bottom_is_bounded() {
        let endless = [0x00, 0x01, 0x00, 0x40].repeat(MAX_ENTRIES + 1);
        assert!(matches!(parse(&endless), Err(nom::Err::Error(Error::Malformed(_)))));
    }
}
