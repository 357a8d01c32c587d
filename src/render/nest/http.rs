//! An HTTP/1.x message's subtrees in tshark's `-V` tree: the request or status line as its
//! own item (`GET /hello.txt HTTP/1.1\r\n`) with its expert info and its parts under it, each
//! header as the line it was sent as (`Content-type: text/plain\r\n`, a content length's
//! number under it), then the blank line that ends the headers, then what tshark works out
//! about the message (`[Request in frame: 4]`). A body whose Content-Encoding tracking undid
//! is titled `Content-encoded entity body (gzip): 74 bytes -> 385 bytes` before its File Data;
//! one that did not decode, `Content-encoded entity body (x-foo): 385 bytes` with its expert
//! item under it. The encoded size is the Content-Length, or the chunks' sizes added up.
//!
//! The invariant: every field keeps its place in the order; a header's own fields (`Host`,
//! `Server`) are shown as the header's line, which tshark's tree shows in their stead.

use std::borrow::Cow;

use super::Item;
use super::expert::{self, Group, Severity};

/// The fields of a request or status line, in the order they are sent.
const REQUEST_LINE: &[&str] = &["http.request.method", "http.request.uri", "http.request.version"];
const STATUS_LINE: &[&str] = &["http.response.version", "http.response.code", "http.response.phrase"];

/// Writes an HTTP/1.x layer's fields through `push(depth, line)`.
pub fn write(push: &mut impl FnMut(usize, &str), items: &[Item<'_>]) {
    // The fields since the last header line, by name and line: a header's own fields, or,
    // after the last header, what tshark works out about the message.
    let mut pending: Vec<(&str, usize, Cow<'_, str>)> = Vec::new();
    let mut in_message = false;
    // The message's Content-Encoding (not identity) and its encoded body's size so far.
    let (mut encoding, mut encoded): (Option<&str>, u64) = (None, 0);
    for (index, item) in items.iter().enumerate() {
        let name = item.name;
        if name == REQUEST_LINE[0] || name == STATUS_LINE[0] {
            finish(push, &mut pending, in_message);
            in_message = true;
            (encoding, encoded) = (None, 0);
            let parts = if name == REQUEST_LINE[0] { REQUEST_LINE } else { STATUS_LINE };
            let line = first_line(&items[index..], parts);
            push(1, &line);
            expert::push(push, 2, Severity::Chat, Group::Sequence, &line);
        }
        match name {
            _ if !in_message => push(1, item.line),
            "http.request.line" | "http.response.line" => {
                // The line as sent, its own line end shown escaped as tshark shows it.
                let sent = item.line.split_once(": ").map_or(item.line, |(_, sent)| sent);
                push(1, &format!("{}\\r\\n", sent.trim_end_matches(['\r', '\n'])));
                for (own, _, line) in pending.drain(..) {
                    if own == "http.content_length" {
                        push(2, &format!("[{}]", line.trim_matches(['[', ']'])));
                    }
                }
            }
            _ if name.starts_with("http.request.uri.") => push(3, item.line),
            _ if REQUEST_LINE.contains(&name) || STATUS_LINE.contains(&name) => push(2, item.line),
            "http.response.code.desc" => push(2, &format!("[{}]", item.line.trim_matches(['[', ']']))),
            // tshark hides that the message is a request or a response, and numbers it among
            // the conversation's so far.
            "http.request" | "http.response" => {}
            "http.request_number" | "http.response_number" => {
                let kind = if name == "http.request_number" { "request" } else { "response" };
                let number = item.number.unwrap_or(0);
                pending.push((name, 1, format!("[HTTP {kind} {number}/{number}]").into()));
            }
            "http.file_data" => {
                if let Some(encoding) = encoding {
                    let title = format!(
                        "Content-encoded entity body ({encoding}): {encoded} bytes -> {} bytes",
                        item.size
                    );
                    pending.push((name, 1, title.into()));
                }
                pending.push((name, 1, format!("File Data: {} bytes", item.size).into()));
            }
            "http.decompression_failed" => {
                let encoding = encoding.unwrap_or_default();
                pending.push((
                    name,
                    1,
                    format!("Content-encoded entity body ({encoding}): {} bytes", item.size).into(),
                ));
                let mut hold = |depth, line: &str| pending.push((name, depth, line.to_owned().into()));
                expert::push(&mut hold, 2, Severity::Warning, Group::Undecoded, "Decompression failed");
            }
            _ => {
                match name {
                    "http.content_encoding" => {
                        let value = item.line.split_once(": ").map_or("", |(_, value)| value);
                        encoding = (!value.trim().eq_ignore_ascii_case("identity")).then_some(value);
                    }
                    "http.content_length" | "http.chunk_size" => encoded += item.number.unwrap_or(0),
                    _ => {}
                }
                pending.push((name, 1, item.line.into()));
            }
        }
    }
    finish(push, &mut pending, in_message);
}

/// After a message's last header: the blank line that ends the headers, then the fields
/// that came after it.
fn finish(
    push: &mut impl FnMut(usize, &str),
    pending: &mut Vec<(&str, usize, Cow<'_, str>)>,
    in_message: bool,
) {
    if in_message {
        push(1, "\\r\\n");
    }
    for (_, depth, line) in pending.drain(..) {
        push(depth, &line);
    }
}

/// `GET /hello.txt HTTP/1.1\r\n`: a request or status line from its parts' values, as
/// written in their lines (`Request Method: GET`).
fn first_line(items: &[Item<'_>], parts: &[&str]) -> String {
    let values: Vec<&str> = parts
        .iter()
        .filter_map(|part| items.iter().find(|item| item.name == *part))
        .map(|item| item.line.split_once(": ").map_or("", |(_, value)| value))
        .collect();
    format!("{}\\r\\n", values.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::nest::indented;

    fn item(name: &'static str, line: &'static str) -> Item<'static> {
        Item { name, number: None, size: 0, raw: &[], line }
    }

    #[test]
    fn a_response_is_its_status_line_its_headers_as_sent_and_the_blank_line() {
        let items = [
            item("http.response.version", "Response Version: HTTP/1.0"),
            item("http.response.code", "Status Code: 200"),
            item("http.response.code.desc", "Status Code Description: OK"),
            item("http.response.phrase", "Response Phrase: OK"),
            item("http.server", "Server: SimpleHTTP/0.6"),
            item("http.response.line", "Response line: Server: SimpleHTTP/0.6"),
            item("http.content_length_header", "Content-Length: 42"),
            item("http.content_length", "Content length: 42"),
            item("http.response.line", "Response line: Content-Length: 42"),
            item("http.request_in", "[Request in frame: 4]"),
        ];
        let text = indented(|draw| write(&mut |depth, line| draw(depth, line), &items));
        assert_eq!(
            text,
            "    HTTP/1.0 200 OK\\r\\n\n\
             \x20       [Expert Info (Chat/Sequence): HTTP/1.0 200 OK\\r\\n]\n\
             \x20           [HTTP/1.0 200 OK\\r\\n]\n\
             \x20           [Severity level: Chat]\n\
             \x20           [Group: Sequence]\n\
             \x20       Response Version: HTTP/1.0\n\
             \x20       Status Code: 200\n\
             \x20       [Status Code Description: OK]\n\
             \x20       Response Phrase: OK\n\
             \x20   Server: SimpleHTTP/0.6\\r\\n\n\
             \x20   Content-Length: 42\\r\\n\n\
             \x20       [Content length: 42]\n\
             \x20   \\r\\n\n\
             \x20   [Request in frame: 4]\n"
        );
    }

    #[test]
    fn a_request_is_numbered_among_the_conversations_and_its_body_counted() {
        let items = [
            item("http.request.method", "Request Method: GET"),
            item("http.request.uri", "Request URI: /a?b=c"),
            item("http.request.uri.path", "Request URI Path: /a"),
            item("http.request.version", "Request Version: HTTP/1.1"),
            item("http.request", "[Request: 1]"),
            Item {
                name: "http.request_number",
                number: Some(2),
                size: 0,
                raw: &[],
                line: "[Request number: 2]",
            },
            Item { name: "http.file_data", number: None, size: 5, raw: &[], line: "File Data: hello" },
        ];
        let text = indented(|draw| write(&mut |depth, line| draw(depth, line), &items));
        let lines: Vec<&str> = text.lines().map(str::trim_start).collect();
        assert_eq!(lines[0], "GET /a?b=c HTTP/1.1\\r\\n");
        assert!(text.contains("\n            Request URI Path: /a\n"), "under the URI: {text}");
        assert_eq!(lines[lines.len() - 3..], ["\\r\\n", "[HTTP request 2/2]", "File Data: 5 bytes"]);
    }

    #[test]
    fn an_encoded_body_is_titled_before_its_file_data_or_its_failure() {
        let message = |encoding: &'static str, last: Item<'static>| {
            let items = [
                item("http.response.version", "Response Version: HTTP/1.1"),
                item("http.content_encoding", encoding),
                item("http.response.line", "Response line: Content-Encoding: gzip"),
                Item {
                    name: "http.content_length",
                    number: Some(74),
                    size: 0,
                    raw: &[],
                    line: "Content length: 74",
                },
                item("http.response.line", "Response line: Content-Length: 74"),
                last,
            ];
            let text = indented(|draw| write(&mut |depth, line| draw(depth, line), &items));
            // The lines after the one that ends the headers.
            let lines: Vec<String> = text.lines().map(str::to_owned).collect();
            let end = lines.iter().position(|line| line == "    \\r\\n").expect("the blank line");
            lines[end + 1..].to_vec()
        };
        let file_data =
            || Item { name: "http.file_data", number: None, size: 385, raw: &[], line: "File Data: text" };
        assert_eq!(
            message("Content-Encoding: gzip", file_data()),
            ["    Content-encoded entity body (gzip): 74 bytes -> 385 bytes", "    File Data: 385 bytes"]
        );
        assert_eq!(message("Content-Encoding: identity", file_data()), ["    File Data: 385 bytes"]);
        let failed = Item { name: "http.decompression_failed", number: None, size: 74, raw: &[], line: "" };
        assert_eq!(
            message("Content-Encoding: x-foo", failed),
            [
                "    Content-encoded entity body (x-foo): 74 bytes",
                "        [Expert Info (Warning/Undecoded): Decompression failed]",
                "            [Decompression failed]",
                "            [Severity level: Warning]",
                "            [Group: Undecoded]",
            ]
        );
    }

    #[test]
    fn fields_before_a_message_stay_where_they_are() {
        let items = [item("tcp.segment", "TCP Segment: 6"), item("http.file_data", "File Data: 4 bytes")];
        let text = indented(|draw| write(&mut |depth, line| draw(depth, line), &items));
        assert_eq!(text, "    TCP Segment: 6\n    File Data: 4 bytes\n");
    }
}
