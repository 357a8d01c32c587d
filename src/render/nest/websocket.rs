//! WebSocket's place in tshark's `-V` tree: a message's text under its `Payload`, a
//! continuation fragment's bytes (`Continue: …`) as a line of the packet's own after the layer,
//! and the fragments a message was put back together from as tshark's reassembly subtree, also
//! after the layer: `[3 Reassembled websocket Fragments (23 bytes): #14(11), #15(5), #17(7)]`,
//! each fragment under it as `[Frame: 14, payload: 0-10 (11 bytes)]`, then the count and the
//! length.
//!
//! The invariant: every field is written once; the reassembly's lines move after the layer's
//! others, in their own order, as tshark draws them; a fragment's size is the bytes its field
//! covers.

use super::Item;

/// The fields of the reassembly subtree.
const REASSEMBLY: &[&str] = &[
    "websocket.fragments",
    "websocket.fragment",
    "websocket.fragment.count",
    "websocket.reassembled.length",
];

/// Writes a WebSocket layer's fields through `push(depth, line)`.
pub fn write(push: &mut impl FnMut(usize, &str), items: &[Item<'_>]) {
    for item in items.iter().filter(|item| !REASSEMBLY.contains(&item.name)) {
        let depth = match item.name {
            "websocket.payload.continue" => 0,
            "websocket.payload.close.status_code" | "websocket.payload.close.reason" => 3,
            name if name.starts_with("websocket.payload.") => 2,
            _ => 1,
        };
        push(depth, item.line);
    }
    let fragments: Vec<&Item<'_>> = items.iter().filter(|item| item.name == "websocket.fragment").collect();
    let Some(title) = items.iter().find(|item| item.name == "websocket.fragments") else { return };
    let length = items.iter().find(|item| item.name == "websocket.reassembled.length");
    let total = length.and_then(|item| item.number).unwrap_or(0) as usize;
    super::fragments(push, 0, title.line.trim_matches(['[', ']']), total, &fragments);
    for item in items
        .iter()
        .filter(|item| matches!(item.name, "websocket.fragment.count" | "websocket.reassembled.length"))
    {
        push(1, item.line);
    }
}

#[cfg(test)]
mod tests {
    use super::super::indented;
    use super::*;

    fn item(name: &'static str, number: Option<u64>, size: usize, line: &'static str) -> Item<'static> {
        Item { name, number, size, raw: &[], line }
    }

    #[test]
    fn a_reassembled_message_draws_its_fragments_after_the_layer() {
        let items = [
            item("websocket.fin", Some(1), 1, "1... .... = Fin: True"),
            item("websocket.payload", None, 7, "Payload"),
            item("websocket.fragments", None, 0, "[Reassembled websocket Fragments]"),
            item("websocket.fragment", Some(14), 11, "Websocket Fragment: 14"),
            item("websocket.fragment", Some(15), 5, "Websocket Fragment: 15"),
            item("websocket.fragment", Some(17), 7, "Websocket Fragment: 17"),
            item("websocket.fragment.count", Some(3), 0, "[Fragment count: 3]"),
            item("websocket.reassembled.length", Some(23), 0, "[Reassembled websocket Payload length: 23]"),
            item("websocket.payload.text", None, 23, "Text: fragmented text message"),
        ];
        let text = indented(|push| write(&mut |depth, line| push(depth, line), &items));
        assert_eq!(
            text,
            "    1... .... = Fin: True
    Payload
        Text: fragmented text message
[3 Reassembled websocket Fragments (23 bytes): #14(11), #15(5), #17(7)]
    [Frame: 14, payload: 0-10 (11 bytes)]
    [Frame: 15, payload: 11-15 (5 bytes)]
    [Frame: 17, payload: 16-22 (7 bytes)]
    [Fragment count: 3]
    [Reassembled websocket Payload length: 23]
"
        );
    }

    #[test]
    fn a_continuation_fragment_is_a_line_of_the_packet() {
        let items = [
            item("websocket.payload", None, 5, "Payload"),
            item("websocket.payload.continue", None, 5, "Continue: 7465787420"),
        ];
        let text = indented(|push| write(&mut |depth, line| push(depth, line), &items));
        assert_eq!(text, "    Payload\nContinue: 7465787420\n");
    }
}
