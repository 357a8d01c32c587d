//! The subtrees of tshark's `-V` tree that rttscope's flat field list holds the structure for:
//! in TLS, each record, each handshake message in it, each extension, and the lists a
//! ClientHello offers (cipher suites, compression methods, groups, point formats); in QUIC,
//! each frame. Given a layer's fields in
//! order, it says how deep each sits and which subtree titles come before it, with tshark's
//! titles where rttscope knows what they say.
//!
//! The invariant: every field keeps its place in the order and is written once; nesting only
//! adds title lines and indentation. Layers other than TLS and QUIC stay one level deep.

use crate::osi::Protocol;
use crate::registry::values;

/// One field of a layer, as the tree needs it.
pub struct Item<'a> {
    pub name: &'static str,
    pub number: Option<u64>,
    /// The field's written line, without its indentation.
    pub line: &'a str,
}

/// Appends the layer's field lines to `text`, four spaces a level, with subtree titles.
pub fn write(text: &mut String, protocol: Protocol, items: &[Item<'_>], indent: &str) {
    let mut push = |depth: usize, line: &str| {
        text.push_str(indent);
        for _ in 0..depth {
            text.push_str("    ");
        }
        text.push_str(line);
        text.push('\n');
    };
    match protocol {
        Protocol::Tls => {}
        Protocol::Quic => return quic(&mut push, items),
        _ => {
            for item in items {
                push(1, item.line);
            }
            return;
        }
    }
    // The depth of the open record (1), handshake message (2) and extension (3).
    let mut open = 0;
    let mut index = 0;
    while index < items.len() {
        let item = &items[index];
        // The first value of `name` before the next subtree that `stops` names opens.
        let next_before = |name: &str, stops: &[&str]| {
            items[index + 1..]
                .iter()
                .take_while(|later| !stops.contains(&later.name))
                .find(|later| later.name == name)
                .and_then(|later| later.number)
        };
        let next = |name: &str| next_before(name, &["tls.record", "tls.handshake"]);
        match item.name {
            "tls.record" => {
                let handshake = handshake_name(
                    next_before("tls.handshake.type", &["tls.record"]),
                    next_before(SELECTED_GROUP, &["tls.record"]).is_some(),
                );
                push(1, &record_title(next("tls.record.content_type"), handshake));
                open = 1;
            }
            "tls.handshake" => {
                let name = handshake_name(next("tls.handshake.type"), next(SELECTED_GROUP).is_some());
                push(2, &format!("Handshake Protocol: {}", name.unwrap_or("Unknown")));
                open = 2;
            }
            "tls.handshake.extension.type" if open >= 2 => {
                let kind = item.number.and_then(|kind| values::TLS_EXTENSION.name(kind));
                let length = next("tls.handshake.extension.len").unwrap_or(0);
                push(3, &format!("Extension: {} (len={length})", kind.unwrap_or("Unknown")));
                push(4, item.line);
                open = 3;
            }
            name => {
                let depth = depth(name, open);
                open = open.min(depth.saturating_sub(1));
                // A list after its length gets tshark's title, its items a level deeper.
                let previous = index.checked_sub(1).map(|previous| items[previous].name);
                match list_title(name, previous) {
                    Some(title) => {
                        let count = items[index..].iter().take_while(|later| later.name == name).count();
                        push(depth, &title(count));
                        for later in &items[index..index + count] {
                            push(depth + 1, later.line);
                        }
                        index += count;
                        continue;
                    }
                    None => push(depth, item.line),
                }
            }
        }
        index += 1;
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

/// The field only a HelloRetryRequest carries.
const SELECTED_GROUP: &str = "tls.handshake.extensions_key_share_selected_group";

/// A handshake message's name as tshark titles it: a ServerHello that selects a key share
/// group is a HelloRetryRequest.
fn handshake_name(kind: Option<u64>, selects_group: bool) -> Option<&'static str> {
    match kind.and_then(|kind| values::TLS_HANDSHAKE_TYPE.name(kind)) {
        Some("Server Hello") if selects_group => Some("Hello Retry Request"),
        name => name,
    }
}

/// How deep a TLS field sits, given the subtree open before it.
fn depth(name: &str, open: usize) -> usize {
    let in_handshake = name.starts_with("tls.handshake.");
    let handshake_level = matches!(name, "tls.handshake.type" | "tls.handshake.length")
        || name.starts_with("tls.handshake.ja3");
    match open {
        3 if in_handshake && !handshake_level => 4,
        2 | 3 if in_handshake => 3,
        0 => 1,
        _ => 2,
    }
}

/// `TLS Record Layer: Handshake Protocol: Client Hello`, as tshark titles a record (tshark
/// puts the connection's version first, `TLSv1.3 Record Layer`, which one record does not say).
fn record_title(content_type: Option<u64>, handshake: Option<&str>) -> String {
    let content = content_type.and_then(|kind| values::TLS_CONTENT_TYPE.name(kind)).unwrap_or("Unknown");
    let mut title = format!("TLS Record Layer: {content} Protocol");
    if content_type == Some(20) {
        title.push_str(": Change Cipher Spec");
    } else if let Some(name) = handshake {
        title.push_str(": ");
        title.push_str(name);
    }
    title
}

/// tshark's title of a ClientHello's list, when `name`'s items follow the list's length.
fn list_title(name: &str, previous: Option<&str>) -> Option<fn(usize) -> String> {
    let title: fn(usize) -> String = match (name, previous?) {
        ("tls.handshake.ciphersuite", "tls.handshake.cipher_suites_length") => {
            |count| format!("Cipher Suites ({count} suite{})", if count == 1 { "" } else { "s" })
        }
        ("tls.handshake.comp_method", "tls.handshake.comp_methods_length") => {
            |count| format!("Compression Methods ({count} method{})", if count == 1 { "" } else { "s" })
        }
        ("tls.handshake.extensions_supported_group", "tls.handshake.extensions_supported_groups_length") => {
            |count| format!("Supported Groups ({count} group{})", if count == 1 { "" } else { "s" })
        }
        ("tls.handshake.extensions_ec_point_format", "tls.handshake.extensions_ec_point_formats_length") => {
            |count| format!("Elliptic curves point formats ({count})")
        }
        _ => return None,
    };
    Some(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &'static str, number: Option<u64>, line: &'static str) -> Item<'static> {
        Item { name, number, line }
    }

    #[test]
    fn a_client_hello_nests_as_tsharks() {
        let items = [
            item("tls.record", None, "tls.record"),
            item("tls.record.content_type", Some(22), "Content Type: Handshake (22)"),
            item("tls.handshake", None, "tls.handshake"),
            item("tls.handshake.type", Some(1), "Handshake Type: Client Hello (1)"),
            item("tls.handshake.cipher_suites_length", Some(4), "Cipher Suites Length: 4"),
            item("tls.handshake.ciphersuite", Some(0x1301), "Cipher Suite: A"),
            item("tls.handshake.ciphersuite", Some(0x00ff), "Cipher Suite: B"),
            item("tls.handshake.extension.type", Some(43), "Type: supported_versions (43)"),
            item("tls.handshake.extension.len", Some(3), "Length: 3"),
            item("tls.handshake.extensions.supported_version", Some(0x304), "Supported Version: X"),
            item("tls.record", None, "tls.record"),
            item("tls.record.content_type", Some(23), "Content Type: Application Data (23)"),
        ];
        let mut text = String::new();
        write(&mut text, Protocol::Tls, &items, "");
        assert_eq!(
            text,
            "    TLS Record Layer: Handshake Protocol: Client Hello\n\
             \x20       Content Type: Handshake (22)\n\
             \x20       Handshake Protocol: Client Hello\n\
             \x20           Handshake Type: Client Hello (1)\n\
             \x20           Cipher Suites Length: 4\n\
             \x20           Cipher Suites (2 suites)\n\
             \x20               Cipher Suite: A\n\
             \x20               Cipher Suite: B\n\
             \x20           Extension: supported_versions (len=3)\n\
             \x20               Type: supported_versions (43)\n\
             \x20               Length: 3\n\
             \x20               Supported Version: X\n\
             \x20   TLS Record Layer: Application Data Protocol\n\
             \x20       Content Type: Application Data (23)\n"
        );
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
        write(&mut text, Protocol::Quic, &items, "");
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
        write(&mut text, Protocol::Ipv4, &items, "  ");
        assert_eq!(text, "      Time to Live: 64\n");
    }
}
