//! QUIC's subtrees in tshark's `-V` tree: each frame titled as tshark titles it, with what
//! some frames carry (`STREAM id=0 fin=1 off=0 len=38 dir=Bidirectional origin=Client-initiated`,
//! `PADDING Length: 1162`, `CONNECTION_CLOSE (Application) Error code: 256`), the STREAM type's
//! bits under the frame type and the stream ID's under the stream ID.
//!
//! The invariant: every field keeps its place in the order and is written once; nesting only
//! adds title lines and indentation.

use super::Item;
use super::expert::{self, Group, Severity};
use crate::registry::values;

/// Writes a QUIC layer's fields through `push(depth, line)`, each frame a subtree until the
/// next frame or a packet's own field.
pub fn write(push: &mut impl FnMut(usize, &str), items: &[Item<'_>]) {
    let mut in_frame = false;
    // Inside a short header's subtree: its fields sit a level deeper.
    let mut in_short = false;
    let mut packets = 0;
    for (index, item) in items.iter().enumerate() {
        match item.name {
            // Each packet after the first, and padding after the last, is a `QUIC IETF` of
            // its own in tshark's tree.
            "quic.packet_length" => {
                if packets > 0 {
                    push(0, TITLE);
                }
                packets += 1;
            }
            "quic.coalesced_padding_data" => {
                push(0, TITLE);
                expert::push(push, 1, Severity::Note, Group::Protocol, PADDING);
                in_frame = false;
                continue;
            }
            "quic.connection.number" => {
                push(1, "QUIC Connection information");
                push(2, item.line);
                in_frame = false;
                continue;
            }
            "quic.short" => {
                let header = items[index + 1..].iter().take_while(|later| SHORT_HEADER.contains(&later.name));
                push(1, &short_header_title(header));
                (in_frame, in_short) = (false, true);
                continue;
            }
            name if in_short && SHORT_HEADER.contains(&name) => {
                push(2, item.line);
                continue;
            }
            _ => in_short = false,
        }
        if item.name == "quic.frame" {
            let frame: Vec<&Item<'_>> = items[index + 1..]
                .iter()
                .take_while(|later| later.name != "quic.frame" && !PACKET_FIELDS.contains(&later.name))
                .collect();
            push(1, &frame_title(&frame));
            in_frame = true;
            continue;
        }
        // A packet's own fields (a coalesced packet's header, the padding after it) end a frame.
        if PACKET_FIELDS.contains(&item.name) {
            in_frame = false;
        }
        let under_parent = matches!(
            item.name,
            "quic.stream.fin"
                | "quic.stream.len"
                | "quic.stream.off"
                | "quic.stream.initiator"
                | "quic.stream.direction"
        );
        push(usize::from(in_frame) + usize::from(under_parent) + 1, item.line);
    }
}

/// `QUIC Short Header DCID=8ea5c52c9edc0597 PKN=3`: the connection ID and the packet number,
/// each when the header shows it.
fn short_header_title<'a>(header: impl Iterator<Item = &'a Item<'a>>) -> String {
    let mut title = "QUIC Short Header".to_owned();
    for item in header {
        match item.name {
            "quic.dcid" => {
                let id = item.line.split_once(": ").map_or("", |(_, id)| id);
                title.push_str(&format!(" DCID={id}"));
            }
            "quic.packet_number" => title.push_str(&format!(" PKN={}", item.number.unwrap_or(0))),
            _ => {}
        }
    }
    title
}

/// A QUIC layer's title, which each packet of a datagram has.
pub const TITLE: &str = "QUIC IETF";

/// What tshark says of bytes after a datagram's packets.
const PADDING: &str = "(Random) padding data appended to the datagram";

/// The fields of a short header, in its subtree.
const SHORT_HEADER: &[&str] = &[
    "quic.header_form",
    "quic.fixed_bit",
    "quic.spin_bit",
    "quic.short.reserved",
    "quic.key_phase",
    "quic.packet_number_length",
    "quic.dcid",
    "quic.packet_number",
    "quic.protected_payload",
];

/// A frame's title from its fields: its type's name and, for some, what it carries.
fn frame_title(frame: &[&Item<'_>]) -> String {
    let number = |name: &str| frame.iter().find(|item| item.name == name).and_then(|item| item.number);
    let kind = number("quic.frame_type");
    let name = kind.and_then(|kind| values::QUIC_FRAME_TYPE.name(kind)).unwrap_or("Unknown");
    match kind {
        Some(0x00) => format!("{name} Length: {}", number("quic.padding_length").unwrap_or(0)),
        Some(0x08..=0x0f) => format!(
            "{name} id={} fin={} off={} len={} dir={} origin={}",
            number("quic.stream.stream_id").unwrap_or(0),
            number("quic.stream.fin").unwrap_or(0),
            number("quic.stream.offset").unwrap_or(0),
            number("quic.stream.length").unwrap_or(0),
            if number("quic.stream.direction") == Some(1) { "Unidirectional" } else { "Bidirectional" },
            if number("quic.stream.initiator") == Some(1) { "Server-initiated" } else { "Client-initiated" },
        ),
        // The type's name says which: `CONNECTION_CLOSE (Application)`.
        Some(0x1c) => format!("{name} Error code: {}", number("quic.cc.error_code").unwrap_or(0)),
        Some(0x1d) => format!("{name} Error code: {}", number("quic.cc.error_code.app").unwrap_or(0)),
        _ => name.to_owned(),
    }
}

/// The QUIC fields of a packet rather than of a frame in it.
const PACKET_FIELDS: &[&str] = &[
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
    use super::super::item;
    use super::*;

    #[test]
    fn each_quic_frame_is_a_subtree_until_the_next_packet_and_padding_is_an_item_of_its_own() {
        let items = [
            item("quic.packet_number", Some(0), "Packet Number: 0"),
            item("quic.frame", None, "Frame"),
            item("quic.frame_type", Some(6), "Frame Type: CRYPTO (0x0000000000000006)"),
            item("quic.crypto.offset", Some(0), "Offset: 0"),
            item("quic.frame", None, "Frame"),
            item("quic.frame_type", Some(1), "Frame Type: PING (0x0000000000000001)"),
            item("quic.coalesced_padding_data", None, "Coalesced Padding Data"),
        ];
        let text =
            crate::render::nest::indented(|push| write(&mut |depth, line: &str| push(depth, line), &items));
        assert_eq!(
            text,
            "    Packet Number: 0\n\
             \x20   CRYPTO\n\
             \x20       Frame Type: CRYPTO (0x0000000000000006)\n\
             \x20       Offset: 0\n\
             \x20   PING\n\
             \x20       Frame Type: PING (0x0000000000000001)\n\
             QUIC IETF\n\
             \x20   [Expert Info (Note/Protocol): (Random) padding data appended to the datagram]\n\
             \x20       [(Random) padding data appended to the datagram]\n\
             \x20       [Severity level: Note]\n\
             \x20       [Group: Protocol]\n"
        );
    }
}
