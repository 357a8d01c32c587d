//! Address Resolution Protocol.
//!
//! ```text
//! RFC 826 (packet format), RFC 5227 (probes and announcements):
//!   hardware_type(2) protocol_type(2) hardware_size(1) protocol_size(1) opcode(2)
//!   sender_hardware(hardware_size) sender_protocol(protocol_size)
//!   target_hardware(hardware_size) target_protocol(protocol_size)
//! ```

use std::fmt;
use std::net::Ipv4Addr;

use super::Content;
use super::error::{Error, IResult, be16, into_error, take_bytes};
use super::ethernet::mac;
use super::field::{Emitter, Value, write_mac};
use super::layer::{LayerHeader, Tracked};
use crate::dispatch::Next;
use crate::osi::Protocol;

pub const FIXED_LEN: usize = 8;

mod field {
    use std::ops::Range;
    pub const HARDWARE_TYPE: Range<usize> = 0..2;
    pub const PROTOCOL_TYPE: Range<usize> = 2..4;
    pub const HARDWARE_SIZE: Range<usize> = 4..5;
    pub const PROTOCOL_SIZE: Range<usize> = 5..6;
    pub const OPCODE: Range<usize> = 6..8;
}

const ETHERNET: u16 = 1;
const IPV4: u16 = 0x0800;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet<'a> {
    bytes: &'a [u8],
}

/// Reads a packet as the stateless chain's entry for ARP: nothing follows it but the frame's
/// trailer.
pub fn dissect(input: &[u8]) -> Result<(Content<'_>, Next<'_>), Error> {
    let (trailer, packet) = parse(input).map_err(into_error)?;
    Ok((Content::Arp(packet), Next::End { trailer }))
}

pub fn parse(input: &[u8]) -> IResult<'_, Packet<'_>> {
    let (_, fixed) = take_bytes(FIXED_LEN)(input)?;
    let hardware_size = usize::from(fixed[field::HARDWARE_SIZE.start]);
    let protocol_size = usize::from(fixed[field::PROTOCOL_SIZE.start]);
    let total = FIXED_LEN + 2 * (hardware_size + protocol_size);
    let (rest, bytes) = take_bytes(total)(input)?;
    Ok((rest, Packet { bytes }))
}

/// The four addresses of an ARP packet, in wire order.
#[derive(Clone, Copy)]
enum Address {
    SenderHardware,
    SenderProtocol,
    TargetHardware,
    TargetProtocol,
}

impl Packet<'_> {
    pub fn hardware_type(&self) -> u16 {
        be16(self.bytes, field::HARDWARE_TYPE.start)
    }

    pub fn protocol_type(&self) -> u16 {
        be16(self.bytes, field::PROTOCOL_TYPE.start)
    }

    fn hardware_size(&self) -> usize {
        self.bytes[field::HARDWARE_SIZE.start].into()
    }

    fn protocol_size(&self) -> usize {
        self.bytes[field::PROTOCOL_SIZE.start].into()
    }

    /// 1 request, 2 reply (RFC 826); 3 and 4 are RARP.
    pub fn opcode(&self) -> u16 {
        be16(self.bytes, field::OPCODE.start)
    }

    fn range(&self, address: Address) -> std::ops::Range<usize> {
        let (hardware, protocol) = (self.hardware_size(), self.protocol_size());
        let start = FIXED_LEN
            + match address {
                Address::SenderHardware => 0,
                Address::SenderProtocol => hardware,
                Address::TargetHardware => hardware + protocol,
                Address::TargetProtocol => 2 * hardware + protocol,
            };
        let len = match address {
            Address::SenderHardware | Address::TargetHardware => hardware,
            Address::SenderProtocol | Address::TargetProtocol => protocol,
        };
        start..start + len
    }

    /// Whether the addresses are Ethernet MACs and IPv4 addresses, the usual case.
    fn is_ethernet_ipv4(&self) -> bool {
        self.hardware_type() == ETHERNET
            && self.protocol_type() == IPV4
            && self.hardware_size() == 6
            && self.protocol_size() == 4
    }

    fn ipv4(&self, address: Address) -> Ipv4Addr {
        let range = self.range(address);
        let b = &self.bytes[range];
        Ipv4Addr::new(b[0], b[1], b[2], b[3])
    }

    fn mac(&self, address: Address) -> [u8; 6] {
        mac(&self.bytes[self.range(address)])
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        out.at(name::HW_TYPE, field::HARDWARE_TYPE, Value::Uint(self.hardware_type().into()));
        out.at(name::PROTO_TYPE, field::PROTOCOL_TYPE, Value::hex16(self.protocol_type()));
        out.at(name::HW_SIZE, field::HARDWARE_SIZE, Value::Uint(self.hardware_size() as u64));
        out.at(name::PROTO_SIZE, field::PROTOCOL_SIZE, Value::Uint(self.protocol_size() as u64));
        out.at(name::OPCODE, field::OPCODE, Value::Uint(self.opcode().into()));
        // What tshark works out from the addresses, marked as its tree marks them.
        let kind = self.kind();
        if matches!(kind, Kind::Gratuitous | Kind::Announcement) {
            out.at(name::IS_GRATUITOUS, 0..0, Value::Bool(true));
        }
        match kind {
            Kind::Probe => out.at(name::IS_PROBE, 0..0, Value::Bool(true)),
            Kind::Announcement => out.at(name::IS_ANNOUNCEMENT, 0..0, Value::Bool(true)),
            Kind::Plain | Kind::Gratuitous => {}
        }
        let names = [
            (Address::SenderHardware, name::SRC_HW_MAC, name::SRC_HW),
            (Address::SenderProtocol, name::SRC_PROTO_IPV4, name::SRC_PROTO),
            (Address::TargetHardware, name::DST_HW_MAC, name::DST_HW),
            (Address::TargetProtocol, name::DST_PROTO_IPV4, name::DST_PROTO),
        ];
        for (address, typed, raw) in names {
            let range = self.range(address);
            if !self.is_ethernet_ipv4() {
                out.at(raw, range.clone(), Value::Bytes(&self.bytes[range]));
            } else if matches!(address, Address::SenderHardware | Address::TargetHardware) {
                out.at(typed, range, Value::Mac(self.mac(address)));
            } else {
                out.at(typed, range, Value::Ipv4(self.ipv4(address)));
            }
        }
    }

    /// What the request or reply is, read from its addresses as tshark reads them.
    fn kind(&self) -> Kind {
        let (sender, target) = (self.range(Address::SenderProtocol), self.range(Address::TargetProtocol));
        let unknown_target = self
            .bytes
            .get(self.range(Address::TargetHardware))
            .is_some_and(|mac| mac.len() == 6 && mac.iter().all(|&byte| byte == 0));
        let opcode = self.opcode();
        if matches!(opcode, 1 | 2) && self.bytes.get(sender.clone()) == self.bytes.get(target) {
            // RFC 5227 section 2.3: an announcement asks for its own address, knowing no one.
            if opcode == 1 && unknown_target { Kind::Announcement } else { Kind::Gratuitous }
        } else if opcode == 1
            && unknown_target
            && self.bytes.get(sender).is_some_and(|address| address.iter().all(|&byte| byte == 0))
        {
            Kind::Probe
        } else {
            Kind::Plain
        }
    }

    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        if !self.is_ethernet_ipv4() {
            return write!(out, "ARP opcode {}", self.opcode());
        }
        let (sender, target) = (self.ipv4(Address::SenderProtocol), self.ipv4(Address::TargetProtocol));
        match (self.opcode(), self.kind()) {
            (1, Kind::Announcement) => write!(out, "ARP Announcement for {sender}"),
            (1, Kind::Gratuitous) => write!(out, "Gratuitous ARP for {sender} (Request)"),
            (2, Kind::Gratuitous) => write!(out, "Gratuitous ARP for {sender} (Reply)"),
            (1, Kind::Probe) => write!(out, "Who has {target}? (ARP Probe)"),
            (1, _) => write!(out, "Who has {target}? Tell {sender}"),
            (2, _) => {
                write!(out, "{sender} is at ")?;
                write_mac(out, &self.mac(Address::SenderHardware))
            }
            (other, _) => write!(out, "ARP opcode {other}"),
        }
    }
}

/// Requests and replies tshark names apart from their opcode (RFC 5227).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Plain,
    /// The sender's address is also the target's.
    Gratuitous,
    /// A gratuitous request to no known hardware address.
    Announcement,
    /// A request from the unspecified address to no known hardware address.
    Probe,
}

impl LayerHeader for Packet<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Arp
    }

    fn header_len(&self) -> usize {
        FIXED_LEN
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Packet::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Packet::summary(self, out)
    }
}

pub mod name {
    //! The fields of an ARP packet, by Wireshark's names: the registry's rows for them, and the
    //! names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Arp;
        HW_TYPE "arp.hw.type" Uint "hardware type" names ARP_HARDWARE;
        PROTO_TYPE "arp.proto.type" Hex "protocol type" names ETHERTYPE;
        HW_SIZE "arp.hw.size" Uint "hardware address size";
        PROTO_SIZE "arp.proto.size" Uint "protocol address size";
        OPCODE "arp.opcode" Uint "operation (1 request, 2 reply)" names ARP_OPCODE;
        IS_GRATUITOUS "arp.isgratuitous" Bool "the sender asks for or announces its own address";
        IS_PROBE "arp.isprobe" Bool "a request from 0.0.0.0 checking an address is free (RFC 5227)";
        IS_ANNOUNCEMENT "arp.isannouncement" Bool "a gratuitous request to no one (RFC 5227)";
        SRC_HW_MAC "arp.src.hw_mac" Mac "sender MAC address";
        SRC_PROTO_IPV4 "arp.src.proto_ipv4" Ipv4 "sender IPv4 address";
        DST_HW_MAC "arp.dst.hw_mac" Mac "target MAC address";
        DST_PROTO_IPV4 "arp.dst.proto_ipv4" Ipv4 "target IPv4 address";
        SRC_HW "arp.src.hw" Bytes "sender hardware address";
        SRC_PROTO "arp.src.proto" Bytes "sender protocol address";
        DST_HW "arp.dst.hw" Bytes "target hardware address";
        DST_PROTO "arp.dst.proto" Bytes "target protocol address";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::error::Error;

    const REQUEST: [u8; 28] = [
        0x00, 0x01, // hardware: Ethernet
        0x08, 0x00, // protocol: IPv4
        6, 4, // sizes
        0x00, 0x01, // opcode: request
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // sender MAC
        10, 0, 0, 1, // sender IP
        0, 0, 0, 0, 0, 0, // target MAC: unknown
        10, 0, 0, 2, // target IP
    ];

    #[test]
    fn parses_a_request() {
        let (rest, arp) = parse(&REQUEST).expect("valid ARP");
        assert!(rest.is_empty());
        assert_eq!(arp.opcode(), 1);
        let mut summary = String::new();
        arp.summary(&mut summary).expect("formatting");
        assert_eq!(summary, "Who has 10.0.0.2? Tell 10.0.0.1");
    }

    /// The request with its sender's address, target MAC and target address replaced.
    fn request(sender: [u8; 4], target_mac: [u8; 6], target: [u8; 4]) -> [u8; 28] {
        let mut bytes = REQUEST;
        bytes[14..18].copy_from_slice(&sender);
        bytes[18..24].copy_from_slice(&target_mac);
        bytes[24..28].copy_from_slice(&target);
        bytes
    }

    #[test]
    fn probes_announcements_and_gratuitous_requests_are_told_apart_as_tshark_does() {
        let cases = [
            (request([10, 0, 0, 1], [0; 6], [10, 0, 0, 2]), Kind::Plain, "Who has 10.0.0.2? Tell 10.0.0.1"),
            (request([0; 4], [0; 6], [10, 0, 0, 2]), Kind::Probe, "Who has 10.0.0.2? (ARP Probe)"),
            (
                request([10, 0, 0, 2], [0; 6], [10, 0, 0, 2]),
                Kind::Announcement,
                "ARP Announcement for 10.0.0.2",
            ),
            (
                request([10, 0, 0, 2], [2; 6], [10, 0, 0, 2]),
                Kind::Gratuitous,
                "Gratuitous ARP for 10.0.0.2 (Request)",
            ),
            // A probe asks no one in particular.
            (request([0; 4], [2; 6], [10, 0, 0, 2]), Kind::Plain, "Who has 10.0.0.2? Tell 0.0.0.0"),
        ];
        for (bytes, kind, info) in cases {
            let (_, arp) = parse(&bytes).expect("valid ARP");
            assert_eq!(arp.kind(), kind, "{info}");
            let mut summary = String::new();
            arp.summary(&mut summary).expect("formatting");
            assert_eq!(summary, info);
        }
    }

    #[test]
    fn every_truncation_is_reported() {
        for cut in 0..REQUEST.len() {
            let needed = if cut < FIXED_LEN { FIXED_LEN - cut } else { REQUEST.len() - cut };
            assert_eq!(parse(&REQUEST[..cut]), Err(Error::truncated(needed)), "cut at {cut}");
        }
    }
}
