//! HTTP/2's subtrees in tshark's `-V` tree. tshark makes a layer of every frame; rttscope's
//! one layer holds a record's frames, so each frame after the first opens a new
//! `HyperText Transfer Protocol 2` title. Each frame is titled as tshark's (`Stream: HEADERS,
//! Stream ID: 1, Length 37, GET /hello.txt`), its flags' bits sit under its flags, and each
//! header (`Header: :method: GET`) and setting (`Settings - Max concurrent streams : 100`) is a
//! subtree of its own. A stream's body whose content-encoding was undone sits under its
//! `Content-encoded entity body (gzip): 76 bytes -> 401 bytes` title.
//!
//! The invariant: every field keeps its place in the order and is written once; nesting only
//! adds title lines and indentation.

use super::Item;
use crate::registry::values;

/// How many strings [`write`]'s `titles` hold a frame.
pub const TITLES_PER_FRAME: usize = 3;

/// Writes an HTTP/2 layer's fields through `push(depth, line)`; `titles` holds
/// [`TITLES_PER_FRAME`] strings a frame, in frame order (the preface's `Stream: Magic`
/// counted): what its `Stream:` title ends with (` (partial entity body)`), its undone body's
/// title, and, when a streaming dissector (gRPC) takes its data, anything (its data is then
/// `DATA payload (30 bytes)`, as tshark writes it); each empty where none.
pub fn write(push: &mut impl FnMut(usize, &str), items: &[Item<'_>], titles: &[String]) {
    let (mut frames, mut in_entry) = (0usize, false);
    for (index, item) in items.iter().enumerate() {
        let name = item.name;
        let title = |slot: usize| {
            frames
                .checked_sub(1)
                .and_then(|frame| titles.get(TITLES_PER_FRAME * frame + slot))
                .filter(|title| !title.is_empty())
        };
        if let (true, Some(title)) = (name == "http2.data.data", title(1)) {
            push(2, title);
            push(3, item.line);
            in_entry = false;
            continue;
        }
        if name == "http2.data.data" && title(2).is_some() {
            push(2, &format!("DATA payload ({})", crate::render::detail::byte_count(item.size)));
            in_entry = false;
            continue;
        }
        match name {
            "http2.stream" => {
                if frames > 0 {
                    push(0, "HyperText Transfer Protocol 2");
                }
                frames += 1;
                let end = items[index + 1..].iter().position(|later| later.name == "http2.stream");
                let frame = &items[index + 1..end.map_or(items.len(), |end| index + 1 + end)];
                let suffix = titles.get(TITLES_PER_FRAME * (frames - 1)).map_or("", String::as_str);
                push(1, &format!("{}{suffix}", stream_title(frame)));
                in_entry = false;
            }
            "http2.header" | "http2.settings" => {
                let rest = &items[index + 1..];
                let end = rest.iter().position(|later| {
                    matches!(later.name, "http2.header" | "http2.settings" | "http2.stream")
                });
                push(2, &entry_title(name, &rest[..end.unwrap_or(rest.len())]));
                in_entry = true;
            }
            // The fragments a body was put together from, as tshark's reassembly subtree.
            "http2.body.fragments" => {
                let pieces: Vec<&Item<'_>> = items[index + 1..]
                    .iter()
                    .take_while(|later| later.name == "http2.body.fragment")
                    .collect();
                let what = if pieces.len() == 1 { "Body fragment" } else { "Body fragments" };
                let total = pieces.iter().map(|piece| piece.size).sum();
                super::fragments(push, 2, what, total, &pieces);
                in_entry = false;
            }
            "http2.body.fragment" => {}
            "http2.body.fragment.count" | "http2.body.reassembled.length" | "http2.body.reassembled.data" => {
                push(3, item.line)
            }
            // tshark's own subtree, titled with the field's line, as a header's is.
            "http2.header_table_size_update" => {
                push(2, item.line);
                in_entry = true;
            }
            _ if name.starts_with("http2.flags.") => push(3, item.line),
            _ if in_entry
                && (name.starts_with("http2.header.")
                    || name.starts_with("http2.header_table_size_update.")
                    || name.starts_with("http2.headers.")
                    || name.starts_with("http2.settings.")
                    || !name.starts_with("http2.")) =>
            {
                push(3, item.line)
            }
            _ => {
                in_entry = false;
                push(2, item.line);
            }
        }
    }
}

/// The text of a field's line after its label: `GET` of `Value: GET`.
fn text<'a>(items: &[Item<'a>], name: &str) -> Option<&'a str> {
    let line = items.iter().find(|item| item.name == name)?.line;
    Some(line.split_once(": ").map_or(line, |(_, value)| value))
}

/// `Stream: HEADERS, Stream ID: 1, Length 37, GET /hello.txt`, or `Stream: Magic`.
fn stream_title(frame: &[Item<'_>]) -> String {
    let number = |name: &str| frame.iter().find(|item| item.name == name).and_then(|item| item.number);
    let Some(kind) = number("http2.type") else {
        return "Stream: Magic".to_owned();
    };
    let mut title = format!(
        "Stream: {}, Stream ID: {}, Length {}",
        values::HTTP2_FRAME_TYPE.name(kind).unwrap_or("Unknown"),
        number("http2.streamid").unwrap_or(0),
        number("http2.length").unwrap_or(0)
    );
    // A HEADERS frame's title says the request or the status.
    let header = |wanted: &str| {
        frame.iter().enumerate().find_map(|(index, item)| {
            (item.name == "http2.header.name" && text(std::slice::from_ref(item), item.name) == Some(wanted))
                .then(|| text(&frame[index..], "http2.header.value"))
                .flatten()
        })
    };
    if let (Some(method), Some(path)) = (header(":method"), header(":path")) {
        title.push_str(&format!(", {method} {path}"));
    } else if let Some(status) = header(":status") {
        let reason = status.parse().ok().and_then(reason_phrase);
        title.push_str(&format!(", {status}{}", reason.map_or(String::new(), |reason| format!(" {reason}"))));
    }
    title
}

/// `Header: :method: GET` or `Settings - Max concurrent streams : 100`.
fn entry_title(name: &str, entry: &[Item<'_>]) -> String {
    if name == "http2.header" {
        let (header, value) = (text(entry, "http2.header.name"), text(entry, "http2.header.value"));
        let reason = value
            .filter(|_| header == Some(":status"))
            .and_then(|status| status.parse().ok())
            .and_then(reason_phrase);
        let reason = reason.map_or(String::new(), |reason| format!(" {reason}"));
        return format!("Header: {}: {}{reason}", header.unwrap_or(""), value.unwrap_or(""));
    }
    let id = entry.iter().find(|item| item.name == "http2.settings.id").and_then(|item| item.number);
    let setting = match id.and_then(|id| values::HTTP2_SETTINGS.name(id)) {
        Some(name) => name.to_owned(),
        None => format!("Unknown ({})", id.unwrap_or(0)),
    };
    let value = entry.iter().find(|item| item.name != "http2.settings.id").and_then(|item| item.number);
    format!("Settings - {setting} : {}", value.unwrap_or(0))
}

/// The reason phrase tshark adds to a status code.
fn reason_phrase(status: u16) -> Option<&'static str> {
    Some(match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::item;
    use super::*;

    #[test]
    fn each_frame_is_a_layer_titled_as_tsharks() {
        let items = [
            item("http2.stream", None, "Stream"),
            item("http2.length", Some(6), "Length: 6"),
            item("http2.type", Some(4), "Type: SETTINGS (4)"),
            item("http2.flags.ack.settings", Some(0), ".... ...0 = ACK: False"),
            item("http2.streamid", Some(0), "Stream Identifier: 0"),
            item("http2.settings", None, "Settings"),
            item("http2.settings.id", Some(3), "Settings Identifier: Max concurrent streams (3)"),
            item("http2.settings.max_concurrent_streams", Some(100), "Max concurrent streams: 100"),
            item("http2.stream", None, "Stream"),
            item("http2.length", Some(37), "Length: 37"),
            item("http2.type", Some(1), "Type: HEADERS (1)"),
            item("http2.streamid", Some(1), "Stream Identifier: 1"),
            item("http2.header", None, "Header"),
            item("http2.header.name", None, "Name: :method"),
            item("http2.header.value", None, "Value: GET"),
            item("http2.header", None, "Header"),
            item("http2.header.name", None, "Name: :path"),
            item("http2.header.value", None, "Value: /"),
        ];
        let text = crate::render::nest::indented(|push| {
            write(&mut |depth, line: &str| push(depth, line), &items, &[])
        });
        assert_eq!(
            text,
            "    Stream: SETTINGS, Stream ID: 0, Length 6\n\
             \x20       Length: 6\n\
             \x20       Type: SETTINGS (4)\n\
             \x20           .... ...0 = ACK: False\n\
             \x20       Stream Identifier: 0\n\
             \x20       Settings - Max concurrent streams : 100\n\
             \x20           Settings Identifier: Max concurrent streams (3)\n\
             \x20           Max concurrent streams: 100\n\
             HyperText Transfer Protocol 2\n\
             \x20   Stream: HEADERS, Stream ID: 1, Length 37, GET /\n\
             \x20       Length: 37\n\
             \x20       Type: HEADERS (1)\n\
             \x20       Stream Identifier: 1\n\
             \x20       Header: :method: GET\n\
             \x20           Name: :method\n\
             \x20           Value: GET\n\
             \x20       Header: :path: /\n\
             \x20           Name: :path\n\
             \x20           Value: /\n"
        );
    }

    #[test]
    fn a_partial_frame_and_an_undone_body_are_titled_as_tsharks() {
        let items = [
            item("http2.stream", None, "Stream"),
            item("http2.length", Some(76), "Length: 76"),
            item("http2.type", Some(0), "Type: DATA (0)"),
            item("http2.streamid", Some(1), "Stream Identifier: 1"),
            item("http2.data.data", None, "Data: 1f8b"),
            item("http2.stream", None, "Stream"),
            item("http2.length", Some(0), "Length: 0"),
            item("http2.type", Some(0), "Type: DATA (0)"),
            item("http2.streamid", Some(1), "Stream Identifier: 1"),
            item("http2.pad_length", Some(0), "[Pad Length: 0]"),
            item("http2.data.data", None, "Data: 7274"),
        ];
        let titles = [
            " (partial entity body)",
            "",
            "",
            "",
            "Content-encoded entity body (gzip): 76 bytes -> 401 bytes",
            "",
        ]
        .map(str::to_owned);
        let text = crate::render::nest::indented(|push| {
            write(&mut |depth, line: &str| push(depth, line), &items, &titles)
        });
        assert_eq!(
            text,
            "    Stream: DATA, Stream ID: 1, Length 76 (partial entity body)\n\
             \x20       Length: 76\n\
             \x20       Type: DATA (0)\n\
             \x20       Stream Identifier: 1\n\
             \x20       Data: 1f8b\n\
             HyperText Transfer Protocol 2\n\
             \x20   Stream: DATA, Stream ID: 1, Length 0\n\
             \x20       Length: 0\n\
             \x20       Type: DATA (0)\n\
             \x20       Stream Identifier: 1\n\
             \x20       [Pad Length: 0]\n\
             \x20       Content-encoded entity body (gzip): 76 bytes -> 401 bytes\n\
             \x20           Data: 7274\n"
        );
    }
}
