//! The subtrees of tshark's `-V` tree that rttscope's flat field list holds the structure for,
//! one module a protocol family: TLS's records, messages, extensions and lists (`tls`), with the
//! X.509 subtree of each certificate a Certificate message carries (`x509`), QUIC's
//! frames (`quic`), an HTTP/1.x message's lines (`http`), HTTP/2's frames, headers and
//! settings (`http2`), HTTP/3's settings (`http3`), DNS's sections and records (`dns`), the NetBIOS name service's
//! (`nbns`), WebSocket's payload and reassembly
//! (`websocket`), gRPC's messages and Protocol Buffers' fields (`grpc`), STUN's and TURN's
//! message types and attributes (`stun`), NTP's flags and reference ID (`ntp`), DHCP's and DHCPv6's
//! options (`dhcp`, `dhcpv6`), SSH's packets and key exchange (`ssh`), IPv4's options,
//! IPv6's extension headers and a reassembled datagram's fragments (`ip`), and the subtrees of
//! Ethernet and TCP (`transport`), with tshark's expert info under the items it is about
//! (`expert`); a PDU reassembled from TCP segments gets its segments' subtree before its layer
//! ([`write_tcp_reassembly`]).
//! Given a layer's fields in order, each says how deep each sits and which subtree titles come
//! before it, with tshark's titles where rttscope knows what they say.
//!
//! The invariant: every field keeps its place in the order and is written once; nesting only
//! adds title lines and indentation (and, for HTTP/2, a layer title before each frame after the
//! first, as tshark makes a layer of every frame; for WebSocket, a reassembly's lines after the
//! layer's others, as tshark makes the reassembly a layer of its own). Other layers stay one
//! level deep.

mod dhcp;
mod dhcpv6;
mod dns;
mod expert;
mod grpc;
mod http;
mod http2;
mod http3;
mod icmpv6;
mod ip;
mod nbns;
mod ntp;
pub(crate) mod quic;
mod socks;
mod ssh;
mod stun;
mod tls;
mod transport;
mod websocket;
mod x509;

pub use grpc::{entity_title as grpc_entity_title, protobuf_title};
pub use ssh::titles as ssh_titles;
pub use transport::Closing;

use crate::osi::Protocol;

/// One field of a layer, as the tree needs it.
pub struct Item<'a> {
    pub name: &'static str,
    pub number: Option<u64>,
    /// How many bytes the field covers.
    pub size: usize,
    /// The bytes the field covers, where the tree needs them (a certificate's DER); may be
    /// empty.
    pub raw: &'a [u8],
    /// The field's written line, without its indentation.
    pub line: &'a str,
}

/// Appends the layer's field lines to `text`, four spaces a level, with subtree titles;
/// `record_titles` titles a TLS layer's records in order (`TLS Record Layer: …` for any
/// without one), or, two a frame, an HTTP/2 layer's `Stream:` title suffixes and undone
/// bodies' titles (see `http2::write`), or a gRPC message's inflated body's, or a STUN
/// message's attributes' titles; `closing` says which side of a TCP close a FIN is.
pub fn write(
    text: &mut String,
    protocol: Protocol,
    items: &[Item<'_>],
    indent: &str,
    record_titles: &[String],
    closing: Option<Closing>,
) {
    let mut push = |depth: usize, line: &str| {
        text.push_str(indent);
        for _ in 0..depth {
            text.push_str("    ");
        }
        text.push_str(line);
        text.push('\n');
    };
    match protocol {
        Protocol::Tls => tls::write(&mut push, items, record_titles, "TLS"),
        // DTLS's tree is TLS's with its own record header fields: nested by the TLS twins'
        // names.
        Protocol::Dtls => {
            let as_tls: Vec<Item<'_>> = items
                .iter()
                .map(|item| Item {
                    name: item
                        .name
                        .strip_prefix('d')
                        .filter(|tls| tls.starts_with("tls."))
                        .unwrap_or(item.name),
                    number: item.number,
                    size: item.size,
                    raw: item.raw,
                    line: item.line,
                })
                .collect();
            tls::write(&mut push, &as_tls, record_titles, "DTLS")
        }
        Protocol::Quic => quic::write(&mut push, items),
        // SSDP is HTTP over UDP, drawn as HTTP is.
        Protocol::Http | Protocol::Ssdp => http::write(&mut push, items),
        Protocol::Http2 => http2::write(&mut push, items, record_titles),
        Protocol::Http3 => http3::write(&mut push, items),
        Protocol::Dns => dns::write(&mut push, items),
        Protocol::WebSocket => websocket::write(&mut push, items),
        Protocol::Grpc => grpc::write_grpc(&mut push, items, record_titles),
        Protocol::Protobuf => grpc::write_protobuf(&mut push, items),
        Protocol::Nbns => nbns::write(&mut push, items),
        Protocol::Ntp => ntp::write(&mut push, items),
        Protocol::Dhcp => dhcp::write(&mut push, items),
        Protocol::Dhcpv6 => dhcpv6::write(&mut push, items),
        Protocol::Icmpv6 => icmpv6::write(&mut push, items),
        Protocol::Socks => socks::write(&mut push, items),
        Protocol::Ssh => ssh::write(&mut push, items, record_titles),
        Protocol::Stun => stun::write(&mut push, items, record_titles),
        Protocol::Ipv4 | Protocol::Ipv6 => ip::write(&mut push, items),
        // SRTCP's encrypted rest carries tshark's note that it is not taken apart.
        Protocol::Rtcp => {
            for item in items {
                push(1, item.line);
                if item.name == "srtcp.encrypted_payload" {
                    let (severity, group) = (expert::Severity::Warning, expert::Group::Undecoded);
                    expert::push(&mut push, 2, severity, group, item.line.trim_start());
                }
            }
        }
        Protocol::Ethernet | Protocol::Tcp | Protocol::Udp => transport::write(&mut push, items, closing),
        _ => {
            // A flags word's bits sit one level under the word.
            let mut word: Option<&[&str]> = None;
            for item in items {
                let bit = word.is_some_and(|bits| bits.iter().any(|prefix| item.name.starts_with(prefix)));
                push(if bit { 2 } else { 1 }, item.line);
                if !bit {
                    word = FLAG_WORDS.iter().find(|(name, _)| *name == item.name).map(|(_, bits)| *bits);
                }
            }
        }
    }
}

/// The fields of a PDU's reassembly from TCP segments, which tshark draws as a subtree of the
/// frame's own before the PDU's layer.
pub const TCP_REASSEMBLY: &[&str] = &["tcp.segment", "tcp.segment.count", "tcp.reassembled.length"];

/// Writes the TCP segments a layer's PDU was put together from, `items` being the layer's
/// [`TCP_REASSEMBLY`] fields (nothing when there are none): `[2 Reassembled TCP Segments (228
/// bytes): #6(186), #8(42)]` at the layer's own depth, each segment, the count and length, and
/// the PDU's first bytes under it.
pub fn write_tcp_reassembly(text: &mut String, indent: &str, items: &[Item<'_>]) {
    let segments: Vec<&Item<'_>> = items.iter().filter(|item| item.name == "tcp.segment").collect();
    if segments.is_empty() {
        return;
    }
    let mut push = |depth: usize, line: &str| {
        text.push_str(indent);
        text.push_str(&"    ".repeat(depth));
        text.push_str(line);
        text.push('\n');
    };
    let total: usize = segments.iter().map(|segment| segment.size).sum();
    fragments(&mut push, 0, "Reassembled TCP Segments", total, &segments);
    for item in items.iter().filter(|item| item.name != "tcp.segment") {
        push(1, item.line);
    }
    push(1, &format!("[Reassembled TCP Data: {}]", first_bytes(&segments, total)));
}

/// The first bytes of what `pieces` (of `total` bytes) were put together into, in hex, as
/// tshark shows a reassembled value: 36 bytes at most, then an ellipsis.
fn first_bytes(pieces: &[&Item<'_>], total: usize) -> String {
    use std::fmt::Write as _;
    const SHOWN_BYTES: usize = 36;
    let mut data = String::new();
    for byte in pieces.iter().flat_map(|piece| piece.raw).take(SHOWN_BYTES) {
        let _ = write!(data, "{byte:02x}");
    }
    if total > SHOWN_BYTES {
        data.push('…');
    }
    data
}

/// A reassembly's subtree title at `depth`, `[3 Reassembled websocket Fragments (23 bytes):
/// #14(11), #15(5), #17(7)]` (`what` names the pieces), and under it each piece as `[Frame: 14,
/// payload: 0-10 (11 bytes)]`; a piece's size is the bytes its field covers.
fn fragments(
    push: &mut impl FnMut(usize, &str),
    depth: usize,
    what: &str,
    total: usize,
    pieces: &[&Item<'_>],
) {
    use std::fmt::Write as _;
    let bytes = crate::render::detail::byte_count;
    let mut summary = format!("[{} {what} ({})", pieces.len(), bytes(total));
    for (index, piece) in pieces.iter().enumerate() {
        let _ = write!(
            summary,
            "{}#{}({})",
            if index == 0 { ": " } else { ", " },
            piece.number.unwrap_or(0),
            piece.size
        );
    }
    summary.push(']');
    push(depth, &summary);
    let mut at = 0;
    for piece in pieces {
        let end = (at + piece.size).saturating_sub(1);
        let line =
            format!("[Frame: {}, payload: {at}-{end} ({})]", piece.number.unwrap_or(0), bytes(piece.size));
        push(depth + 1, &line);
        at += piece.size;
    }
}

/// Flag words whose bits tshark draws in a subtree under the word: the word's field, and the
/// prefixes of its bits' names.
const FLAG_WORDS: &[(&str, &[&str])] = &[
    ("gre.flags_and_version", &["gre.flags."]),
    ("vxlan.flags", &["vxlan.flag_", "vxlan.flags_reserved"]),
    ("nbdgm.flags", &["nbdgm.next", "nbdgm.first", "nbdgm.node_type"]),
    ("dns.flags", &["dns.flags."]),
    ("dns.resp.z", &["dns.resp.z."]),
];
/// What a subtree writer draws, each line indented four spaces per level: for the tests of
/// the writers beside this module.
#[cfg(test)]
fn indented(draw: impl FnOnce(&mut dyn FnMut(usize, &str))) -> String {
    let mut text = String::new();
    draw(&mut |depth, line| {
        text.push_str(&"    ".repeat(depth));
        text.push_str(line);
        text.push('\n');
    });
    text
}

/// A field as the subtree writers' tests give it: no bytes, only its name, number and line.
#[cfg(test)]
fn item(name: &'static str, number: Option<u64>, line: &'static str) -> Item<'static> {
    Item { name, number, size: 0, raw: &[], line }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_layers_stay_flat() {
        let items = [item("ip.ttl", Some(64), "Time to Live: 64")];
        let mut text = String::new();
        write(&mut text, Protocol::Ipv4, &items, "  ", &[], None);
        assert_eq!(text, "      Time to Live: 64\n");
    }
}
