//! SOCKS's lines in tshark's `-V` tree: a SOCKS 5 greeting's methods under `Client
//! Authentication Methods`, each numbered and named (`Method[0]: 0 (No authentication)`), the
//! method the server accepts named after its value in hex, and a reply's code labelled by the
//! version that sent it (`Results(V5): Succeeded (0)`).
//!
//! The invariant: every field keeps its place in the order and is written once; nesting only
//! adds title lines and indentation.

use super::Item;

/// Writes a SOCKS layer's fields through `push(depth, line)`.
pub fn write(push: &mut impl FnMut(usize, &str), items: &[Item<'_>]) {
    let version = items.iter().find(|item| item.name == "socks.version").and_then(|item| item.number);
    let mut method = 0;
    for item in items {
        let value = item.number.unwrap_or(0);
        match item.name {
            "socks.auth_method_count" => {
                push(1, "Client Authentication Methods");
                push(2, item.line);
            }
            "socks.auth_method" => {
                push(2, &format!("Method[{method}]: {value} ({})", method_name(value)));
                method += 1;
            }
            "socks.auth_accepted_method" => {
                push(1, &format!("Accepted Auth Method: 0x{value:x} ({})", method_name(value)));
            }
            // Any status but 0 fails the username/password check (RFC 1929 section 2).
            "socks.auth_status" => {
                push(1, &format!("{} ({})", item.line, if value == 0 { "success" } else { "failure" }));
            }
            "socks.results" if version == Some(5) => {
                push(1, &item.line.replacen("Results(V4)", "Results(V5)", 1))
            }
            _ => push(1, item.line),
        }
    }
}

/// An authentication method's name (RFC 1928 section 3), as tshark words it.
fn method_name(method: u64) -> &'static str {
    match method {
        0 => "No authentication",
        1 => "GSSAPI",
        2 => "Username/Password",
        3 => "Chap",
        4..=0x7f => "IANA assigned",
        0x80..=0xfe => "private method",
        0xff => "no acceptable method",
        _ => "Bad method number (not 0-0xff)",
    }
}

#[cfg(test)]
mod tests {
    use super::super::item;
    use super::*;

    #[test]
    fn a_greeting_lists_its_methods_and_a_reply_says_its_version() {
        let items = [
            item("socks.version", Some(5), "Version: 5"),
            item("socks.auth_method_count", Some(2), "Authentication Method Count: 2"),
            item("socks.auth_method", Some(0), "Method: 0"),
            item("socks.auth_method", Some(0x80), "Method: 128"),
            item("socks.auth_accepted_method", Some(0xff), "Accepted Auth Method: 255"),
            item("socks.auth_status", Some(1), "Status: 1"),
            item("socks.results", Some(0), "Results(V4): Succeeded (0)"),
        ];
        let text =
            crate::render::nest::indented(|push| write(&mut |depth, line: &str| push(depth, line), &items));
        assert_eq!(
            text,
            "    Version: 5\n\
             \x20   Client Authentication Methods\n\
             \x20       Authentication Method Count: 2\n\
             \x20       Method[0]: 0 (No authentication)\n\
             \x20       Method[1]: 128 (private method)\n\
             \x20   Accepted Auth Method: 0xff (no acceptable method)\n\
             \x20   Status: 1 (failure)\n\
             \x20   Results(V5): Succeeded (0)\n"
        );
    }
}
