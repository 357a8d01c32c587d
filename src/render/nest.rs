//! The subtrees of tshark's `-V` tree that rttscope's flat field list holds the structure for:
//! in TLS, each record, each handshake message in it, each extension, and the lists a
//! ClientHello offers (cipher suites, compression methods, groups, point formats); in QUIC,
//! each frame. Given a layer's fields in
//! order, it says how deep each sits and which subtree titles come before it, with tshark's
//! titles where rttscope knows what they say.
//!
//! The invariant: every field keeps its place in the order and is written once; nesting only
//! adds title lines and indentation. Layers other than TLS and QUIC stay one level deep.

mod tls;
mod transport;

use crate::osi::Protocol;
use crate::registry::values;

/// One field of a layer, as the tree needs it.
pub struct Item<'a> {
    pub name: &'static str,
    pub number: Option<u64>,
    /// How many bytes the field covers.
    pub size: usize,
    /// The field's written line, without its indentation.
    pub line: &'a str,
}

/// Appends the layer's field lines to `text`, four spaces a level, with subtree titles;
/// `record_titles` titles a TLS layer's records in order (`TLS Record Layer: …` for any
/// without one).
pub fn write(
    text: &mut String,
    protocol: Protocol,
    items: &[Item<'_>],
    indent: &str,
    record_titles: &[String],
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
        Protocol::Tls => tls::write(&mut push, items, record_titles),
        Protocol::Quic => quic(&mut push, items),
        Protocol::Ethernet | Protocol::Ipv4 | Protocol::Ipv6 | Protocol::Tcp => {
            transport::write(&mut push, items)
        }
        _ => {
            for item in items {
                push(1, item.line);
            }
        }
    }
}
/// A QUIC packet's fields, each frame a subtree titled by its type (tshark adds what some
/// frames carry to the title, `STREAM id=0 fin=1 …`; rttscope writes the type alone).
fn quic(push: &mut impl FnMut(usize, &str), items: &[Item<'_>]) {
    let mut in_frame = false;
    for (index, item) in items.iter().enumerate() {
        if item.name == "quic.frame" {
            let kind = items[index + 1..]
                .iter()
                .take_while(|later| later.name != "quic.frame")
                .find(|later| later.name == "quic.frame_type")
                .and_then(|later| later.number);
            push(1, kind.and_then(|kind| values::QUIC_FRAME_TYPE.name(kind)).unwrap_or("Unknown"));
            in_frame = true;
            continue;
        }
        // A packet's own fields (a coalesced packet's header, the padding after it) end a frame.
        if QUIC_PACKET_FIELDS.contains(&item.name) {
            in_frame = false;
        }
        push(if in_frame { 2 } else { 1 }, item.line);
    }
}

/// The QUIC fields of a packet rather than of a frame in it.
const QUIC_PACKET_FIELDS: &[&str] = &[
    "quic.connection.number",
    "quic.packet_length",
    "quic.header_form",
    "quic.fixed_bit",
    "quic.long.packet_type",
    "quic.long.packet_type_v2",
    "quic.long.reserved",
    "quic.packet_number_length",
    "quic.version",
    "quic.dcil",
    "quic.dcid",
    "quic.scil",
    "quic.scid",
    "quic.token_length",
    "quic.token",
    "quic.length",
    "quic.packet_number",
    "quic.payload",
    "quic.short",
    "quic.spin_bit",
    "quic.short.reserved",
    "quic.key_phase",
    "quic.protected_payload",
    "quic.remaining_payload",
    "quic.vn.unused",
    "quic.supported_version",
    "quic.retry_token",
    "quic.retry_integrity_tag",
    "quic.coalesced_padding_data",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &'static str, number: Option<u64>, line: &'static str) -> Item<'static> {
        Item { name, number, size: 0, line }
    }

    #[test]
    fn each_quic_frame_is_a_subtree_until_the_next_packet() {
        let items = [
            item("quic.packet_number", Some(0), "Packet Number: 0"),
            item("quic.frame", None, "Frame"),
            item("quic.frame_type", Some(6), "Frame Type: CRYPTO (0x0000000000000006)"),
            item("quic.crypto.offset", Some(0), "Offset: 0"),
            item("quic.frame", None, "Frame"),
            item("quic.frame_type", Some(1), "Frame Type: PING (0x0000000000000001)"),
            item("quic.coalesced_padding_data", None, "Coalesced Padding Data"),
        ];
        let mut text = String::new();
        write(&mut text, Protocol::Quic, &items, "", &[]);
        assert_eq!(
            text,
            "    Packet Number: 0\n\
             \x20   CRYPTO\n\
             \x20       Frame Type: CRYPTO (0x0000000000000006)\n\
             \x20       Offset: 0\n\
             \x20   PING\n\
             \x20       Frame Type: PING (0x0000000000000001)\n\
             \x20   Coalesced Padding Data\n"
        );
    }

    #[test]
    fn other_layers_stay_flat() {
        let items = [item("ip.ttl", Some(64), "Time to Live: 64")];
        let mut text = String::new();
        write(&mut text, Protocol::Ipv4, &items, "  ", &[]);
        assert_eq!(text, "      Time to Live: 64\n");
    }
}
