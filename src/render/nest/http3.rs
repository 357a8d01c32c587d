//! HTTP/3's place in tshark's `-V` tree: each decoded header a subtree holding its name and
//! value (tshark 4.0 decodes none; later Wireshark does), each setting of a SETTINGS frame a
//! subtree titled
//! with its name and value (`Settings - Max Table Capacity: 4096`, `Settings - GREASE` for a
//! reserved identifier, whose line reads `Type: GREASE (0x21)`), and a reserved stream type
//! or frame type said to be one (`Stream Type: Reserved (0x537)`, `Type: Reserved (0xfa)`).
//!
//! The invariant: every field keeps its place in the order and is written once; nesting only
//! adds indentation, and a setting's line becomes its subtree's title.

use super::Item;
use crate::dissect::http3::is_reserved;
use crate::registry::values;

/// A setting's fields after its identifier that tshark names in the setting's title.
const NAMED_VALUES: &[&str] = &[
    "http3.settings.qpack.max_table_capacity",
    "http3.settings.max_field_section_size",
    "http3.settings.qpack.blocked_streams",
    "http3.settings.extended_connect",
];

/// Writes an HTTP/3 layer's fields through `push(depth, line)`.
pub fn write(push: &mut impl FnMut(usize, &str), items: &[Item<'_>]) {
    let (mut in_setting, mut in_header) = (false, false);
    for (index, item) in items.iter().enumerate() {
        // A decoded header's name and value, and the field its name has, sit under it.
        if item.name == "http3.headers.header" {
            push(1, item.line);
            in_header = true;
            continue;
        }
        in_header &= item.name == "http3.header.header.name"
            || (item.name.starts_with("http3.headers.") && item.name != "http3.headers.count");
        if in_header {
            push(2, item.line);
            continue;
        }
        let depth = if in_setting && item.name.starts_with("http3.settings.") { 2 } else { 1 };
        match item.name {
            "http3.settings" => {
                let setting = items[index + 1..].iter().take_while(|later| later.name != item.name);
                push(1, &setting_title(setting));
                in_setting = true;
            }
            "http3.settings.id" if item.number.is_some_and(is_reserved) => {
                push(depth, &format!("Type: GREASE ({:#x})", item.number.unwrap_or(0)));
            }
            "http3.stream_type" if item.number.is_some_and(is_reserved) => {
                push(depth, &format!("Stream Type: Reserved ({:#x})", item.number.unwrap_or(0)));
            }
            "http3.frame_type" if item.number.is_some_and(is_reserved) => {
                in_setting = false;
                push(1, &format!("Type: Reserved ({:#x})", item.number.unwrap_or(0)));
            }
            _ => {
                in_setting &= item.name.starts_with("http3.settings.");
                push(if in_setting { 2 } else { 1 }, item.line);
            }
        }
    }
}

/// `Settings - Blocked Streams: 16`: the setting's name (tshark's, `Unknown` for one its table
/// lacks), then the value its own field holds; `Settings - GREASE` for a reserved one.
fn setting_title<'a>(fields: impl Iterator<Item = &'a Item<'a>>) -> String {
    let fields: Vec<&Item<'_>> = fields.collect();
    let Some(id) = fields.iter().find(|item| item.name == "http3.settings.id").and_then(|item| item.number)
    else {
        return "Settings".to_owned();
    };
    if is_reserved(id) {
        return "Settings - GREASE".to_owned();
    }
    let mut title = format!("Settings - {}", values::HTTP3_SETTING.name(id).unwrap_or("Unknown"));
    if let Some(value) =
        fields.iter().find(|item| NAMED_VALUES.contains(&item.name)).and_then(|item| item.number)
    {
        title.push_str(&format!(": {value}"));
    }
    title
}

#[cfg(test)]
mod tests {
    use super::super::item;
    use super::*;

    #[test]
    fn each_setting_is_a_subtree_titled_with_its_name_and_value() {
        let items = [
            item("http3.stream_type", Some(0), "Stream Type: Control Stream (0x0000000000000000)"),
            item("http3.frame_type", Some(4), "Type: SETTINGS (0x0000000000000004)"),
            item("http3.settings", None, "Settings"),
            item("http3.settings.id", Some(7), "Settings Identifier: Blocked Streams (0x0000000000000007)"),
            item("http3.settings.value", Some(16), "Settings Value: 16"),
            item("http3.settings.qpack.blocked_streams", Some(16), "Blocked Streams: 16"),
            item("http3.settings", None, "Settings"),
            item("http3.settings.id", Some(8), "Settings Identifier: Unknown (0x0000000000000008)"),
            item("http3.settings.value", Some(1), "Settings Value: 1"),
            item("http3.settings.extended_connect", Some(1), "Extended CONNECT: 1"),
            item("http3.settings", None, "Settings"),
            item("http3.settings.id", Some(0x21), "Settings Identifier: Unknown (0x0000000000000021)"),
            item("http3.settings.value", Some(1), "Settings Value: 1"),
            item("http3.frame_type", Some(13), "Type: MAX_PUSH_ID (0x000000000000000d)"),
            item("http3.frame_type", Some(1), "Type: HEADERS (0x0000000000000001)"),
            item("http3.headers.count", Some(1), "[Headers Count: 1]"),
            item("http3.headers.header", None, "Header"),
            item("http3.header.header.name", None, "Name: :method"),
            item("http3.headers.header.value", None, "Value: GET"),
            item("http3.headers.method", None, ":method: GET"),
            item("http3.request.full_uri", None, "[Full request URI: https://server.test/]"),
        ];
        let drawn = super::super::indented(|push| write(&mut |depth, line| push(depth, line), &items));
        assert_eq!(
            drawn,
            "    Stream Type: Control Stream (0x0000000000000000)
    Type: SETTINGS (0x0000000000000004)
    Settings - Blocked Streams: 16
        Settings Identifier: Blocked Streams (0x0000000000000007)
        Settings Value: 16
        Blocked Streams: 16
    Settings - Unknown: 1
        Settings Identifier: Unknown (0x0000000000000008)
        Settings Value: 1
        Extended CONNECT: 1
    Settings - GREASE
        Type: GREASE (0x21)
        Settings Value: 1
    Type: MAX_PUSH_ID (0x000000000000000d)
    Type: HEADERS (0x0000000000000001)
    [Headers Count: 1]
    Header
        Name: :method
        Value: GET
        :method: GET
    [Full request URI: https://server.test/]
"
        );
        let reserved = [
            item("http3.stream_type", Some(0x537), "Stream Type: Unknown (0x0000000000000537)"),
            item("http3.frame_type", Some(0xfa), "Type: Unknown (0x00000000000000fa)"),
        ];
        let drawn = super::super::indented(|push| write(&mut |depth, line| push(depth, line), &reserved));
        assert_eq!(drawn, "    Stream Type: Reserved (0x537)\n    Type: Reserved (0xfa)\n");
    }
}
