//! Filters from what the user sees: a field of the layer tree or a connection made into the
//! display filter tshark's "Apply as Filter" and "Conversation Filter" would write, combined
//! with the filter in force, and field names completed with Tab from the registry.
//!
//! The invariant: every expression built here is one [`Filter::parse`] accepts, and it keeps
//! the packets whose field has the value shown (a test parses and runs each kind of value).

use std::net::{IpAddr, SocketAddr};

use super::action::Action;
use super::app::{App, View};
use super::state::Focus;
use crate::dissect::field::Value;
use crate::filter::Filter;
use crate::registry;
use crate::timeline::Connection;
use crate::timeline::Transport;

/// How a new expression joins the filter in force, as Wireshark's "Apply as Filter" submenu
/// names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Combine {
    /// "Selected": the expression alone.
    Selected,
    /// "Not Selected": `!(expression)`.
    NotSelected,
    /// "… and Selected".
    AndSelected,
    /// "… or Selected".
    OrSelected,
    /// "… and not Selected".
    AndNotSelected,
    /// "… or not Selected".
    OrNotSelected,
}

impl Combine {
    /// The filter after joining `expression` to `current` (the filter in force, if any).
    pub fn join(self, current: Option<&str>, expression: &str) -> String {
        let current = current.map(str::trim).filter(|text| !text.is_empty());
        let negated = || format!("!({expression})");
        match (self, current) {
            (Self::Selected, _) => expression.to_owned(),
            (Self::NotSelected, _) => negated(),
            (Self::AndSelected | Self::OrSelected, None) => expression.to_owned(),
            (Self::AndNotSelected | Self::OrNotSelected, None) => negated(),
            (Self::AndSelected, Some(current)) => format!("({current}) && ({expression})"),
            (Self::OrSelected, Some(current)) => format!("({current}) || ({expression})"),
            (Self::AndNotSelected, Some(current)) => format!("({current}) && !({expression})"),
            (Self::OrNotSelected, Some(current)) => format!("({current}) || !({expression})"),
        }
    }

    /// What help and the status line call it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Selected => "selected",
            Self::NotSelected => "not selected",
            Self::AndSelected => "… and selected",
            Self::OrSelected => "… or selected",
            Self::AndNotSelected => "… and not selected",
            Self::OrNotSelected => "… or not selected",
        }
    }

    /// In the order of the menu.
    pub const ALL: [Self; 6] = [
        Self::Selected,
        Self::NotSelected,
        Self::AndSelected,
        Self::OrSelected,
        Self::AndNotSelected,
        Self::OrNotSelected,
    ];
}

/// The expression tshark's "Apply as Filter → Selected" writes for a field and its value:
/// numbers as they are, hex numbers in hex, addresses as addresses, bytes with colons, text
/// quoted, a presence-only field by its name alone. `None` for a value no filter can name.
pub fn field_expression(name: &str, value: &Value<'_>) -> Option<String> {
    let equals = |text: String| Some(format!("{name} == {text}"));
    match value {
        Value::Present => Some(name.to_owned()),
        Value::Uint(number) => equals(number.to_string()),
        Value::Int(number) => equals(number.to_string()),
        Value::Hex { .. } | Value::Bool(_) | Value::Mac(_) | Value::Ipv4(_) | Value::Ipv6(_) => {
            equals(value.to_string())
        }
        Value::Host(address) => equals(address.to_string()),
        Value::Bytes(bytes) | Value::BytesColon(bytes) if !bytes.is_empty() => {
            equals(bytes.iter().map(|byte| format!("{byte:02x}")).collect::<Vec<_>>().join(":"))
        }
        Value::Bytes(_) | Value::BytesColon(_) => None,
        Value::Str(text) => equals(quoted(text)),
        Value::Lazy(text) => equals(quoted(&text.to_string())),
        // Times and flag drawings: tshark compares their text.
        Value::FlagString(_) | Value::Date(_) => equals(quoted(&value.to_string())),
        Value::Epoch(_) | Value::Seconds(_) | Value::Millis(_) => equals(value.to_string()),
    }
}

/// Text as a display filter's string literal: in double quotes, `"` and `\` escaped.
pub fn quoted(text: &str) -> String {
    let mut literal = String::with_capacity(text.len() + 2);
    literal.push('"');
    for character in text.chars() {
        match character {
            '"' | '\\' => {
                literal.push('\\');
                literal.push(character);
            }
            '\n' => literal.push_str("\\n"),
            '\r' => literal.push_str("\\r"),
            '\t' => literal.push_str("\\t"),
            other => literal.push(other),
        }
    }
    literal.push('"');
    literal
}

/// The filter on one conversation, as Wireshark's "Conversation Filter" writes it: both
/// addresses and both ports (`ip.addr==A && tcp.port==P && ip.addr==B && tcp.port==Q`); for
/// ICMP, the two addresses.
pub fn conversation_expression(connection: &Connection) -> Option<String> {
    let port_field = match connection.transport {
        Transport::Tcp => Some("tcp.port"),
        Transport::Udp | Transport::Quic => Some("udp.port"),
        Transport::Icmp => None,
    };
    conversation(connection.client.as_str(), connection.server.as_str(), port_field)
}

/// The conversation filter between two endpoints written `address:port` (`[v6]:port`) or a
/// bare address, the ports named by `port_field` (none for address-only conversations).
pub fn conversation(a: &str, b: &str, port_field: Option<&str>) -> Option<String> {
    let parse = |text: &str| -> Option<(IpAddr, Option<u16>)> {
        match text.parse::<SocketAddr>() {
            Ok(socket) => Some((socket.ip(), Some(socket.port()))),
            Err(_) => text.trim_matches(['[', ']']).parse::<IpAddr>().ok().map(|address| (address, None)),
        }
    };
    let (a, b) = (parse(a)?, parse(b)?);
    let address_field = |address: IpAddr| if address.is_ipv4() { "ip.addr" } else { "ipv6.addr" };
    let mut terms = Vec::new();
    for (address, port) in [a, b] {
        terms.push(format!("{}=={address}", address_field(address)));
        if let (Some(field), Some(port)) = (port_field, port) {
            terms.push(format!("{field}=={port}"));
        }
    }
    Some(terms.join(" && "))
}

/// Completes the field or protocol name being typed at the end of `input` from the registry:
/// to the whole name when one name starts so, to the longest start they share when several
/// do. `None` when nothing would change.
pub fn complete(input: &str) -> Option<String> {
    let start = input.rfind(|character: char| !is_name_char(character)).map_or(0, |at| at + 1);
    let typed = &input[start..];
    if typed.is_empty() {
        return None;
    }
    let names = registry::fields()
        .map(|field| field.name)
        .chain(crate::osi::Protocol::ALL.into_iter().map(|protocol| protocol.filter_name()));
    let mut shared: Option<&str> = None;
    for name in names.filter(|name| name.starts_with(typed)) {
        shared = Some(match shared {
            None => name,
            Some(before) => {
                let common = before.bytes().zip(name.bytes()).take_while(|(x, y)| x == y).count();
                &before[..common]
            }
        });
    }
    let shared = shared?;
    (shared.len() > typed.len()).then(|| format!("{}{shared}", &input[..start]))
}

fn is_name_char(character: char) -> bool {
    character.is_ascii_alphanumeric() || matches!(character, '.' | '_' | '-')
}

/// Whether the filter line's text parses, for its colour: `None` while it is empty.
pub fn parses(text: &str) -> Option<bool> {
    let text = text.trim();
    (!text.is_empty()).then(|| Filter::parse(text).is_ok())
}

impl App {
    /// The filter made from what is selected, joined to the filter in force, applied: the
    /// tree's field in Packets, the conversation in Connections.
    pub(super) fn filter_from_selection(&mut self, combine: Combine) {
        let expression = match (self.view, self.packets.focus) {
            (View::Packets, Focus::Tree) => {
                let Some(node) = self.selected_node() else { return };
                match node.field.as_ref().and_then(|field| field.expression.clone()) {
                    Some(expression) => expression,
                    None => {
                        self.notes.push("this line of the tree is not a field with a value".to_owned());
                        return;
                    }
                }
            }
            (View::Connections | View::Compare | View::Timeline, _) => {
                let Some(connection) = self.selected_connection() else { return };
                match conversation_expression(&connection) {
                    Some(expression) => expression,
                    None => return,
                }
            }
            _ => {
                self.notes.push("select a field in the tree (→) to filter on it".to_owned());
                return;
            }
        };
        let current = self.filter.applied.as_ref().map(|applied| applied.text.clone());
        self.apply_filter_text(combine.join(current.as_deref(), &expression));
    }

    /// Applies `text` as the display filter, as if typed, and shows the packet list.
    pub(super) fn apply_filter_text(&mut self, text: String) {
        self.filter.input = Some(text.clone());
        self.filter.checked = None;
        self.apply_filter();
        if self.filter.error.is_none() {
            // The filter line closes once applied: the status line names the filter made.
            self.notes.push(format!("filter: {text}"));
            self.view = View::Packets;
            self.packets.focus = Focus::List;
        }
    }

    /// The filter line's keys of this module: Tab completes; any edit re-checks the text.
    pub(super) fn edit_filter_more(&mut self, action: &Action) {
        let Some(input) = &mut self.filter.input else { return };
        if matches!(action, Action::LineTab)
            && let Some(completed) = complete(input)
        {
            *input = completed;
        }
        self.filter.checked = parses(input);
    }
}

#[cfg(test)]
#[path = "filter_from_tests.rs"]
mod tests;
