//! The layer chain: from a frame's link type inwards, each parser's remainder handed to the
//! parser its header names.
//!
//! Each step pushes one layer. A step that fails pushes an undecoded layer with the failure's
//! reason and ends the walk; everything already pushed stays. Offsets are computed from where
//! each header's bytes sit in the buffer being walked, so no step has to count them.

use std::net::IpAddr;

use super::error::{Error, into_error};
use super::field::Source;
use super::ip_protocol::IpProtocol;
use super::layer::LayerHeader;
use super::{
    Annotation, Content, Fragment, FragmentKey, Layer, Packet, erspan, ethernet, icmp, icmpv6, ipv4, ipv6,
    null, quote, sll, tcp, udp, vlan,
};
use crate::capture::{Frame, LinkType};
use crate::dispatch::{self, Next};
use crate::osi::Protocol;

/// How many VLAN tags one frame may stack before it is called malformed.
const MAX_VLAN_TAGS: usize = 8;

/// How many encapsulations one frame may nest (IP in IP, what a VXLAN, Geneve, GRE, ERSPAN or
/// MPLS header carries, an Ethernet frame bridged inside another) before what is inside is
/// shown as data, with a note.
const MAX_TUNNEL_DEPTH: usize = 8;

/// The layers a packet has room for from the start.
const LAYERS: usize = 6;

/// Dissects one frame.
pub fn dissect<'a>(frame: &Frame<'a>) -> Packet<'a> {
    // Room for what nearly every frame holds (link, network, transport, and what rides on
    // them), so the layers are allocated once.
    let mut packet = Packet { layers: Vec::with_capacity(LAYERS), ..Packet::default() };
    let mut chain = Chain {
        packet: &mut packet,
        base: frame.data,
        source: Source::Frame,
        quoted_by: None,
        ts_ns: frame.ts_ns,
        depth: 0,
    };
    chain.link(frame.linktype, frame.data);
    packet
}

/// Continues a fragmented packet with its reassembled payload, replacing the fragment's data
/// layer with the layers decoded from `payload`.
pub fn continue_reassembled<'a>(
    packet: &mut Packet<'a>,
    frame: &Frame<'_>,
    payload: &'a [u8],
    annotation: Annotation,
) {
    let Some(fragment) = packet.fragment else {
        return;
    };
    packet.layers.truncate(fragment.layer + 1);
    let Some(ip_layer) = packet.layers.get_mut(fragment.layer) else {
        return;
    };
    let addresses = match &ip_layer.content {
        Content::Ipv4(ip) => (IpAddr::V4(ip.src()), IpAddr::V4(ip.dst())),
        Content::Ipv6(ip) => (IpAddr::V6(ip.src()), IpAddr::V6(ip.dst())),
        _ => return,
    };
    ip_layer.annotation = annotation;
    packet.fragment = None;
    packet.reassembled = Some(payload);
    // The reassembled datagram is at least as deep as the headers around its first fragment.
    let depth = packet.layers.iter().filter(|layer| is_encapsulation(&layer.content)).count();
    let mut chain = Chain {
        packet,
        base: payload,
        source: Source::Reassembled,
        quoted_by: None,
        ts_ns: frame.ts_ns,
        depth,
    };
    chain.ip_payload(fragment.protocol, payload, 0, addresses);
}

struct Chain<'p, 'a> {
    packet: &'p mut Packet<'a>,
    /// The buffer being walked, for offsets.
    base: &'a [u8],
    source: Source,
    /// The ICMP or ICMPv6 error whose quoted datagram the walk is inside, if any.
    quoted_by: Option<Protocol>,
    /// The frame's capture time, for timestamps carried in payloads.
    ts_ns: i64,
    /// How many encapsulations the walk is inside.
    depth: usize,
}

/// Whether a layer is a header that carries another packet or frame (the outermost IP header
/// counts too: it is an upper bound).
fn is_encapsulation(content: &Content<'_>) -> bool {
    matches!(
        content,
        Content::Ipv4(_)
            | Content::Ipv6(_)
            | Content::Vxlan(_)
            | Content::Geneve(_)
            | Content::Gre(_)
            | Content::Erspan(_)
            | Content::Mpls(_)
    )
}

impl<'a> Chain<'_, 'a> {
    fn push(&mut self, content: Content<'a>, start: &'a [u8]) -> usize {
        let offset = super::field_offset(self.base, start);
        self.packet.layers.push(Layer {
            content,
            offset,
            source: self.source,
            quoted_by: self.quoted_by,
            annotation: Annotation::None,
        });
        self.packet.layers.len() - 1
    }

    /// Records a failed layer: an undecoded layer holding its bytes, and a problem.
    fn fail(&mut self, protocol: Protocol, bytes: &'a [u8], error: Error) {
        let reason = error.to_string();
        if self.quoted_by.is_none() || !matches!(error, Error::Truncated { .. }) {
            self.packet.problem(protocol, reason.clone());
        }
        self.push(Content::Undecoded { protocol, bytes, reason }, bytes);
    }

    fn data(&mut self, bytes: &'a [u8]) {
        if !bytes.is_empty() {
            self.push(Content::Data(bytes), bytes);
        }
    }

    fn link(&mut self, linktype: LinkType, data: &'a [u8]) {
        match linktype {
            LinkType::Ethernet => self.ethernet(data),
            LinkType::Null | LinkType::Loop => self.null(linktype, data),
            LinkType::LinuxSll | LinkType::LinuxSll2 => self.sll(linktype, data),
            LinkType::Raw => {
                self.push(Content::Raw, data);
                self.raw_ip(data);
            }
            LinkType::Ipv4 => {
                self.push(Content::Raw, data);
                self.ipv4(data);
            }
            LinkType::Ipv6 => {
                self.push(Content::Raw, data);
                self.ipv6(data);
            }
            LinkType::Unknown(number) => {
                self.packet.problem(
                    Protocol::Frame,
                    format!("link type {number} is not supported; showing the raw bytes"),
                );
                self.data(data);
            }
        }
    }

    fn ethernet(&mut self, data: &'a [u8]) {
        let (payload, header) = match ethernet::parse(data) {
            Ok(parsed) => parsed,
            Err(error) => return self.fail(Protocol::Ethernet, data, into_error(error)),
        };
        let index = self.push(Content::Ethernet(header), data);
        let trailer = match header.ethertype() {
            Some(ethertype) => self.ethertype(u16::from(ethertype), payload),
            None => {
                self.data(payload);
                &[]
            }
        };
        if let Some(Layer { content: Content::Ethernet(header), .. }) = self.packet.layers.get_mut(index) {
            header.trailer = trailer;
        }
    }

    /// Dispatches on an EtherType; returns the bytes after the network-layer datagram.
    fn ethertype(&mut self, ethertype: u16, payload: &'a [u8]) -> &'a [u8] {
        match dispatch::by_ethertype(ethernet::EtherType::from(ethertype)) {
            Some(Protocol::Ipv4) => self.ipv4(payload),
            Some(Protocol::Ipv6) => self.ipv6(payload),
            Some(Protocol::Vlan) => self.vlan(payload, false),
            Some(Protocol::Ieee8021ad) => self.vlan(payload, true),
            Some(Protocol::Ethernet) => self.enter(Protocol::Ethernet, payload, |chain, frame| {
                chain.ethernet(frame);
                &[]
            }),
            Some(Protocol::Erspan) => self.erspan(payload),
            Some(protocol) if let Some(parse) = dispatch::stateless(protocol) => {
                self.stateless(protocol, parse, payload)
            }
            _ => {
                self.data(payload);
                &[]
            }
        }
    }

    /// Reads a stateless protocol with its parser and follows what it says comes next;
    /// returns the bytes after the datagram.
    fn stateless(&mut self, protocol: Protocol, parse: dispatch::Parse, bytes: &'a [u8]) -> &'a [u8] {
        match parse(bytes) {
            Ok((header, next)) => {
                if let Some(problem) = header.decoded().and_then(LayerHeader::problem) {
                    self.packet.problem(protocol, problem);
                }
                self.push(header, bytes);
                self.follow(protocol, next)
            }
            Err(error) => {
                self.fail(protocol, bytes, error);
                &[]
            }
        }
    }

    /// Follows what a stateless layer of `protocol` says comes after it; returns the bytes
    /// after the datagram.
    fn follow(&mut self, protocol: Protocol, next: Next<'a>) -> &'a [u8] {
        match next {
            Next::End { trailer } => trailer,
            Next::Data(payload) => {
                self.data(payload);
                &[]
            }
            Next::Ethernet(frame) => self.enter(protocol, frame, |chain, frame| {
                chain.ethernet(frame);
                &[]
            }),
            // An Ethernet frame counts once, where the EtherType table hands to it.
            Next::EtherType { ethertype, payload }
                if dispatch::by_ethertype(ethernet::EtherType::from(ethertype))
                    == Some(Protocol::Ethernet) =>
            {
                self.ethertype(ethertype, payload)
            }
            Next::EtherType { ethertype, payload } => {
                self.enter(protocol, payload, |chain, payload| chain.ethertype(ethertype, payload))
            }
            Next::Ip(datagram) => self.enter(protocol, datagram, |chain, datagram| match datagram.first() {
                Some(byte) if byte >> 4 == 6 => chain.ipv6(datagram),
                _ => chain.ipv4(datagram),
            }),
        }
    }

    /// Walks what an encapsulation of `protocol` carries, one level deeper; past
    /// [`MAX_TUNNEL_DEPTH`] it is shown as data, with a note. Returns the bytes after it.
    fn enter(
        &mut self,
        protocol: Protocol,
        payload: &'a [u8],
        walk: impl FnOnce(&mut Self, &'a [u8]) -> &'a [u8],
    ) -> &'a [u8] {
        if self.depth >= MAX_TUNNEL_DEPTH {
            let note = format!("tunnels nested more than {MAX_TUNNEL_DEPTH} deep: the rest is shown as data");
            self.packet.problem(protocol, note);
            self.data(payload);
            return &[];
        }
        self.depth += 1;
        let rest = walk(self, payload);
        self.depth -= 1;
        rest
    }

    /// ERSPAN, which only GRE carries: whether the GRE header just read has a sequence number
    /// tells type I from the others. Anywhere else, the payload is data.
    fn erspan(&mut self, payload: &'a [u8]) -> &'a [u8] {
        let Some(Layer { content: Content::Gre(gre), .. }) = self.packet.layers.last() else {
            self.data(payload);
            return &[];
        };
        match erspan::parse(payload, gre.has_sequence()) {
            Ok((frame, header)) => {
                self.push(Content::Erspan(header), payload);
                let next = if header.carries_ethernet() { Next::Ethernet(frame) } else { Next::Data(frame) };
                self.follow(Protocol::Erspan, next)
            }
            Err(error) => {
                self.fail(Protocol::Erspan, payload, into_error(error));
                &[]
            }
        }
    }

    fn vlan(&mut self, payload: &'a [u8], service: bool) -> &'a [u8] {
        let depth = self.packet.layers.iter().filter(|l| matches!(l.content, Content::Vlan(_))).count();
        if depth >= MAX_VLAN_TAGS {
            let error = Error::Malformed(format!("more than {MAX_VLAN_TAGS} stacked VLAN tags").into());
            self.fail(Protocol::Vlan, payload, error);
            return &[];
        }
        match vlan::parse(payload, service) {
            Ok((inner, tag)) => {
                self.push(Content::Vlan(tag), payload);
                if tag.type_field() <= 1500 {
                    self.data(inner);
                    return &[];
                }
                self.ethertype(tag.type_field(), inner)
            }
            Err(error) => {
                self.fail(Protocol::Vlan, payload, into_error(error));
                &[]
            }
        }
    }

    fn null(&mut self, linktype: LinkType, data: &'a [u8]) {
        let parsed = if linktype == LinkType::Loop { null::parse_loop(data) } else { null::parse_null(data) };
        match parsed {
            Ok((payload, header)) => {
                self.push(Content::Null(header), data);
                match header.family() {
                    null::Family::Ipv4 => {
                        self.ipv4(payload);
                    }
                    null::Family::Ipv6 => {
                        self.ipv6(payload);
                    }
                    null::Family::Unknown(_) => self.data(payload),
                }
            }
            Err(error) => self.fail(Protocol::Null, data, into_error(error)),
        }
    }

    fn sll(&mut self, linktype: LinkType, data: &'a [u8]) {
        let parsed = if linktype == LinkType::LinuxSll2 { sll::parse_v2(data) } else { sll::parse_v1(data) };
        match parsed {
            Ok((payload, header)) => {
                self.push(Content::Sll(header), data);
                match header.ethertype() {
                    Some(ethertype) => {
                        self.ethertype(u16::from(ethertype), payload);
                    }
                    None => self.data(payload),
                }
            }
            Err(error) => self.fail(Protocol::Sll, data, into_error(error)),
        }
    }

    /// Raw IP: the version nibble says which.
    fn raw_ip(&mut self, data: &'a [u8]) {
        match data.first().map(|byte| byte >> 4) {
            Some(4) => {
                self.ipv4(data);
            }
            Some(6) => {
                self.ipv6(data);
            }
            _ => self.data(data),
        }
    }

    fn ipv4(&mut self, data: &'a [u8]) -> &'a [u8] {
        let (rest, ip) = match ipv4::parse(data) {
            Ok(parsed) => parsed,
            Err(error) => {
                self.fail(Protocol::Ipv4, data, into_error(error));
                return &[];
            }
        };
        let index = self.push(Content::Ipv4(ip), data);
        if let Some(problem) = ip.options_problem() {
            self.packet.problem(Protocol::Ipv4, problem);
        }
        if ip.is_fragment() && self.quoted_by.is_none() {
            self.packet.fragment = Some(Fragment {
                key: FragmentKey::V4 {
                    src: ip.src().octets(),
                    dst: ip.dst().octets(),
                    protocol: ip.protocol(),
                    ident: ip.ident(),
                },
                offset: ip.fragment_offset(),
                more: ip.more_fragments(),
                data: ip.payload,
                complete: ip.missing == 0,
                protocol: ip.next_protocol(),
                layer: index,
            });
            self.data(ip.payload);
        } else if ip.fragment_offset() != 0 {
            // A quoted non-first fragment holds no upper-layer header.
            self.data(ip.payload);
        } else {
            let addresses = (IpAddr::V4(ip.src()), IpAddr::V4(ip.dst()));
            self.ip_payload(ip.next_protocol(), ip.payload, ip.missing, addresses);
        }
        rest
    }

    fn ipv6(&mut self, data: &'a [u8]) -> &'a [u8] {
        let (rest, ip) = match ipv6::parse(data) {
            Ok(parsed) => parsed,
            Err(error) => {
                self.fail(Protocol::Ipv6, data, into_error(error));
                return &[];
            }
        };
        let index = self.push(Content::Ipv6(ip.clone()), data);
        if let Some(error) = ip.extension_error.clone() {
            let unreadable = &data[ip.header_len().min(data.len())..data.len() - rest.len()];
            self.fail(Protocol::Ipv6, unreadable, error);
            return rest;
        }
        let addresses = (IpAddr::V6(ip.src()), IpAddr::V6(ip.dst()));
        match ip.fragment() {
            Some(fragment) if self.quoted_by.is_none() && (fragment.more || fragment.offset != 0) => {
                self.packet.fragment = Some(Fragment {
                    key: FragmentKey::V6 {
                        src: ip.src().octets(),
                        dst: ip.dst().octets(),
                        ident: fragment.ident,
                    },
                    offset: fragment.offset,
                    more: fragment.more,
                    data: ip.payload,
                    complete: ip.missing == 0,
                    protocol: ip.next_protocol(),
                    layer: index,
                });
                self.data(ip.payload);
            }
            Some(fragment) if fragment.offset != 0 => self.data(ip.payload),
            _ => self.ip_payload(ip.next_protocol(), ip.payload, ip.missing, addresses),
        }
        rest
    }

    /// Dispatches on an IP protocol number. `missing` counts payload bytes not captured.
    /// An encapsulated datagram (IP-in-IP, IPv6 in IP) is walked like the outer one, up to its
    /// own length: bytes after it in the outer payload are not part of it.
    fn ip_payload(
        &mut self,
        protocol: IpProtocol,
        payload: &'a [u8],
        missing: usize,
        addresses: (IpAddr, IpAddr),
    ) {
        match dispatch::by_ip_protocol(protocol) {
            Some(Protocol::Icmp) => self.icmp(payload, missing),
            Some(Protocol::Tcp) => self.tcp(payload, missing),
            Some(Protocol::Udp) => self.udp(payload, missing),
            Some(Protocol::Icmpv6) => self.icmpv6(payload, missing, addresses),
            Some(Protocol::Ipv4) => {
                self.enter(Protocol::Ipv4, payload, Self::ipv4);
            }
            Some(Protocol::Ipv6) => {
                self.enter(Protocol::Ipv6, payload, Self::ipv6);
            }
            Some(protocol) if let Some(parse) = dispatch::stateless(protocol) => {
                self.stateless(protocol, parse, payload);
            }
            _ => self.data(payload),
        }
    }

    fn icmp(&mut self, payload: &'a [u8], missing: usize) {
        // A quoted message is never checked: the quote is usually cut short anyway.
        let missing = if self.quoted_by.is_some() { missing.max(1) } else { missing };
        match icmp::parse(payload, missing) {
            Ok((_, mut message)) => {
                message.find_timestamp(self.ts_ns);
                self.push(Content::Icmp(message), payload);
                if message.quotes_datagram() {
                    self.quoted_datagram(Protocol::Icmp, message.body, |chain, body| {
                        chain.ipv4(body);
                    });
                } else {
                    self.data(message.data());
                }
            }
            Err(error) => self.fail(Protocol::Icmp, payload, into_error(error)),
        }
    }

    fn icmpv6(&mut self, payload: &'a [u8], missing: usize, addresses: (IpAddr, IpAddr)) {
        let pseudo_header = match addresses {
            (IpAddr::V6(src), IpAddr::V6(dst)) if missing == 0 && self.quoted_by.is_none() => {
                Some(icmpv6::pseudo_header(src, dst, payload.len()))
            }
            _ => None,
        };
        match icmpv6::parse(payload, pseudo_header) {
            Ok((_, message)) => {
                self.push(Content::Icmpv6(message), payload);
                if message.quotes_packet() {
                    self.quoted_datagram(Protocol::Icmpv6, message.body(), |chain, body| {
                        chain.ipv6(body);
                    });
                } else {
                    self.data(message.body());
                }
            }
            Err(error) => self.fail(Protocol::Icmpv6, payload, into_error(error)),
        }
    }

    /// Dissects the datagram an ICMP error quotes, marking its layers as quoted.
    /// Only one level is followed: an error quoting an error quoting an error could otherwise
    /// nest as deep as the frame is long.
    fn quoted_datagram(&mut self, by: Protocol, body: &'a [u8], dissect: impl FnOnce(&mut Self, &'a [u8])) {
        if body.is_empty() {
            return;
        }
        if self.quoted_by.is_some() {
            return self.data(body);
        }
        self.quoted_by = Some(by);
        dissect(self, body);
        self.quoted_by = None;
    }

    fn udp(&mut self, payload: &'a [u8], missing: usize) {
        match udp::parse(payload, missing) {
            Ok((_, header)) => {
                self.push(Content::Udp(header), payload);
                if let Some(problem) = header.length_problem()
                    && self.quoted_by.is_none()
                {
                    self.packet.problem(Protocol::Udp, problem);
                }
                let ports = (header.src_port(), header.dst_port());
                let handed = dispatch::stateless_by_udp_ports(ports)
                    .or_else(|| dispatch::stateless_by_udp_heuristic(header.payload));
                match handed {
                    Some((protocol, parse)) if !header.payload.is_empty() => {
                        let rest = self.stateless(protocol, parse, header.payload);
                        self.data(rest);
                    }
                    _ => self.data(header.payload),
                }
            }
            Err(error) => self.fail_transport(Protocol::Udp, payload, into_error(error)),
        }
    }

    /// A transport header that cannot be read: inside an ICMP quote, what of it is there (the
    /// ports, perhaps the sequence number) is shown; elsewhere it is undecoded.
    fn fail_transport(&mut self, protocol: Protocol, payload: &'a [u8], error: Error) {
        match quote::Quote::new(protocol, payload) {
            Some(quote) if self.quoted_by.is_some() && matches!(error, Error::Truncated { .. }) => {
                self.push(Content::Quote(quote), payload);
            }
            _ => self.fail(protocol, payload, error),
        }
    }

    fn tcp(&mut self, payload: &'a [u8], missing: usize) {
        match tcp::parse(payload, missing) {
            Ok((_, header)) => {
                self.push(Content::Tcp(header), payload);
                if let Some(problem) = header.options_problem() {
                    self.packet.problem(Protocol::Tcp, problem);
                }
                self.data(header.payload);
            }
            Err(error) => self.fail_transport(Protocol::Tcp, payload, into_error(error)),
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tunnel_tests;
