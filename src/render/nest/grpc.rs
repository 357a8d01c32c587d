//! gRPC's and Protocol Buffers' places in tshark's `-V` tree. A gRPC message's prefix and
//! body sit one level deep, a compressed body's `Message-encoded entity body (gzip): 56 bytes
//! -> 271 bytes` line before the inflated data. A Protocol Buffers layer holds its message's
//! subtree (`Message: <UNKNOWN> Message Type`) and, under it, a subtree per field titled
//! `Field(1): 7 (uint32)` (a length-delimited one just `Field(2):`), its number, wire type,
//! length and bytes under the title, and the number read from the bytes under those; a
//! field of a wire type that cannot be read carries tshark's warning under its wire type.
//!
//! The invariant: every field keeps its place in the order and is written once; nesting only
//! adds title lines and indentation (the message's name becomes its subtree's title, as tshark
//! shows it).

use super::Item;
use super::expert::{self, Group, Severity};

/// Writes a gRPC layer's fields through `push(depth, line)`; `titles` holds its message's
/// encoded-entity line (empty when its body was not compressed with gzip or deflate), then
/// anything when inflating failed, which tshark says under that line.
pub fn write_grpc(push: &mut impl FnMut(usize, &str), items: &[Item<'_>], titles: &[String]) {
    for item in items {
        if item.name == "grpc.message_data"
            && let Some(title) = titles.first().filter(|title| !title.is_empty())
        {
            push(1, title);
            if titles.get(1).is_some_and(|failed| !failed.is_empty()) {
                const FAILED: &str = "Body decompression failed";
                push(2, FAILED);
                expert::push(push, 3, Severity::Warning, Group::Undecoded, FAILED);
            }
        }
        push(1, item.line);
    }
}

/// The line tshark writes for a gRPC message's compressed body: `Message-encoded entity body
/// (gzip): 56 bytes -> 271 bytes`, without the arrow when it did not inflate.
pub fn entity_title(encoding: &str, sent: u32, inflated: Option<usize>) -> String {
    let inflated = inflated.map_or(String::new(), |inflated| format!(" -> {inflated} bytes"));
    format!("Message-encoded entity body ({encoding}): {sent} bytes{inflated}")
}

/// Writes a Protocol Buffers layer's fields through `push(depth, line)`.
pub fn write_protobuf(push: &mut impl FnMut(usize, &str), items: &[Item<'_>]) {
    for (index, item) in items.iter().enumerate() {
        match item.name {
            "protobuf.message.name" => {
                let name = item.line.split_once(": ").map_or(item.line, |(_, name)| name);
                push(1, &format!("Message: {name}"));
            }
            "protobuf.field.name" => {
                let rest = &items[index + 1..];
                let end = rest.iter().position(|later| later.name == "protobuf.field.name");
                push(2, &field_title(&rest[..end.unwrap_or(rest.len())]));
                push(3, item.line);
            }
            "protobuf.field.value.uint32" | "protobuf.field.value.uint64" => push(4, item.line),
            // A wire type tshark cannot read ends the message with a warning under it.
            "protobuf.field.wiretype" if !matches!(item.number, Some(0 | 1 | 2 | 5)) => {
                push(3, item.line);
                let message = "Unknown or unsupported wiretype";
                expert::push(push, 4, Severity::Warning, Group::Protocol, message);
            }
            _ => push(3, item.line),
        }
    }
}

/// `Field(1): 7 (uint32)`, or `Field(2):` for a value not read as a number, from the field's
/// items after its name.
fn field_title(field: &[Item<'_>]) -> String {
    let number = field.iter().find(|item| item.name == "protobuf.field.number").and_then(|item| item.number);
    let mut title = format!("Field({}):", number.unwrap_or(0));
    let value = field.iter().find_map(|item| match item.name {
        "protobuf.field.value.uint32" => Some(("uint32", item.number)),
        "protobuf.field.value.uint64" => Some(("uint64", item.number)),
        _ => None,
    });
    if let Some((kind, value)) = value {
        title.push_str(&format!(" {} ({kind})", value.unwrap_or(0)));
    }
    title
}

/// `Protocol Buffers: /rttscope.Echo/Unary,request`: the call's path and direction, as gRPC
/// hands them to tshark's Protocol Buffers dissector.
pub fn protobuf_title(path: &str, is_request: bool) -> String {
    format!("Protocol Buffers: {path},{}", if is_request { "request" } else { "response" })
}

#[cfg(test)]
mod tests {
    use super::super::indented;
    use super::super::item;
    use super::*;

    #[test]
    fn each_field_is_a_subtree_titled_with_its_number_and_value() {
        let items = [
            item("protobuf.message.name", None, "Message Name: <UNKNOWN> Message Type"),
            item("protobuf.field.name", None, "[Field Name: <UNKNOWN>]"),
            item("protobuf.field.number", Some(1), ".000 1... = Field Number: 1"),
            item("protobuf.field.wiretype", Some(0), ".... .000 = Wire Type: varint (0)"),
            item("protobuf.field.value", None, "Value: 07"),
            item("protobuf.field.value.uint32", Some(7), "Uint32: 7"),
            item("protobuf.field.name", None, "[Field Name: <UNKNOWN>]"),
            item("protobuf.field.number", Some(2), ".001 0... = Field Number: 2"),
            item("protobuf.field.wiretype", Some(2), ".... .010 = Wire Type: Length-delimited (2)"),
            item("protobuf.field.value.length", Some(1), "Value Length: 1"),
            item("protobuf.field.value", None, "Value: 68"),
            item("protobuf.field.name", None, "[Field Name: <UNKNOWN>]"),
            item("protobuf.field.number", Some(13), ".110 1... = Field Number: 13"),
            item("protobuf.field.wiretype", Some(7), ".... .111 = Wire Type: Unknown (7)"),
        ];
        let text = indented(|push| write_protobuf(&mut |depth, line| push(depth, line), &items));
        assert_eq!(
            text,
            "    Message: <UNKNOWN> Message Type
        Field(1): 7 (uint32)
            [Field Name: <UNKNOWN>]
            .000 1... = Field Number: 1
            .... .000 = Wire Type: varint (0)
            Value: 07
                Uint32: 7
        Field(2):
            [Field Name: <UNKNOWN>]
            .001 0... = Field Number: 2
            .... .010 = Wire Type: Length-delimited (2)
            Value Length: 1
            Value: 68
        Field(13):
            [Field Name: <UNKNOWN>]
            .110 1... = Field Number: 13
            .... .111 = Wire Type: Unknown (7)
                [Expert Info (Warning/Protocol): Unknown or unsupported wiretype]
                    [Unknown or unsupported wiretype]
                    [Severity level: Warning]
                    [Group: Protocol]
"
        );
    }

    #[test]
    fn an_inflated_body_is_announced_before_its_data() {
        let items = [
            item("grpc.compressed_flag", Some(1), ".... ...1 = Compressed Flag: Compressed (1)"),
            item("grpc.message_length", Some(56), "Message Length: 56"),
            item("grpc.message_data", None, "Message Data: 271 bytes"),
        ];
        let titles = [entity_title("gzip", 56, Some(271)), String::new()];
        let text = indented(|push| write_grpc(&mut |depth, line| push(depth, line), &items, &titles));
        assert_eq!(
            text,
            "    .... ...1 = Compressed Flag: Compressed (1)
    Message Length: 56
    Message-encoded entity body (gzip): 56 bytes -> 271 bytes
    Message Data: 271 bytes
"
        );
        assert_eq!(protobuf_title("/a.B/C", false), "Protocol Buffers: /a.B/C,response");
        let titles = [entity_title("gzip", 56, None), "failed".to_owned()];
        let text = indented(|push| write_grpc(&mut |depth, line| push(depth, line), &items[1..], &titles));
        assert_eq!(
            text,
            "    Message Length: 56
    Message-encoded entity body (gzip): 56 bytes
        Body decompression failed
            [Expert Info (Warning/Undecoded): Body decompression failed]
                [Body decompression failed]
                [Severity level: Warning]
                [Group: Undecoded]
    Message Data: 271 bytes
"
        );
    }
}
