//! STUN's and TURN's place in tshark's `-V` tree: a message type's class and method bits under
//! the type, the attributes under `Attributes`, each in a subtree of its own titled as tshark
//! titles it (`XOR-MAPPED-ADDRESS: 10.0.96.1:54134`, `LIFETIME 600`, `SOFTWARE`), holding its
//! `Attribute Type` (named, its two bits under it), its length and its own fields; an address
//! tshark computes from an XOR-d one is in brackets, as tshark marks what it computed.
//!
//! An attribute tshark does not name is an expert item (`Unknown attribute 0x7f00`, Warning,
//! Undecoded) with its length under it.
//!
//! The invariant: every field is written once, in its order; only the attribute's item line
//! becomes its title, the type's line names the attribute, and a computed address is
//! bracketed; titles are taken one an attribute, in order.

use super::Item;
use super::expert::{self, Group, Severity};
use crate::dissect::stun::attribute_name;

/// Writes a STUN layer's fields through `push(depth, line)`; `titles` are the subtree titles
/// of the message's attributes, in order (an unnamed one's `Unknown attribute 0x7f00`).
pub fn write(push: &mut impl FnMut(usize, &str), items: &[Item<'_>], titles: &[String]) {
    let mut titles = titles.iter();
    let mut before = "";
    for item in items {
        let depth = match item.name {
            "stun.type.class" | "stun.type.method" | "stun.type.method-assignment" => 2,
            "stun.attribute" => 2,
            "stun.att.type.comprehension" | "stun.att.type.assignment" => 4,
            name if name.starts_with("stun.att.") => 3,
            _ => 1,
        };
        // An attribute tshark does not name: its subtree is an expert item, length under it.
        if item.name == "stun.att.length" && before != "stun.att.type.assignment" {
            let title = titles.next().map_or("Unknown attribute", String::as_str);
            push(2, title);
            expert::push(push, 3, Severity::Warning, Group::Undecoded, title);
        }
        let line = match item.name {
            "stun.attribute" => titles.next().map_or_else(|| item.line.to_owned(), String::clone),
            "stun.att.type" => {
                let kind = item.number.and_then(|kind| u16::try_from(kind).ok());
                match kind.and_then(attribute_name) {
                    Some(name) => format!("Attribute Type: {name}"),
                    None => item.line.to_owned(),
                }
            }
            // The port and address in the clear, which tshark computes from the XOR-d ones.
            "stun.att.port" | "stun.att.ipv4" | "stun.att.ipv6" if before.ends_with("-xord") => {
                format!("[{}]", item.line)
            }
            _ => item.line.to_owned(),
        };
        push(depth, &line);
        before = item.name;
    }
}

#[cfg(test)]
mod tests {
    use super::super::indented;
    use super::super::item;
    use super::*;

    #[test]
    fn attributes_are_subtrees_titled_as_tsharks() {
        let items = [
            item("stun.type", Some(0x0101), "Message Type: 0x0101 (Binding Success Response)"),
            item(
                "stun.type.class",
                Some(0x10),
                ".... ...1 ...0 .... = Message Class: 0x10 Success Response (2)",
            ),
            item("stun.length", Some(12), "Message Length: 12"),
            item("stun.attributes", None, "Attributes"),
            item("stun.attribute", Some(0x0020), "Attribute Type: 0x0020"),
            item("stun.att.type", Some(0x0020), "Attribute Type: 0x0020"),
            item(
                "stun.att.type.comprehension",
                Some(0),
                "0... .... .... .... = Attribute Type Comprehension: Required (0x0)",
            ),
            item(
                "stun.att.type.assignment",
                Some(0),
                ".0.. .... .... .... = Attribute Type Assignment: IETF Review (0x0)",
            ),
            item("stun.att.length", Some(8), "Attribute Length: 8"),
            item("stun.att.port-xord", None, "Port (XOR-d): f264"),
            item("stun.att.port", Some(54134), "Port: 54134"),
            item("stun.att.ipv4-xord", None, "IP (XOR-d): 2b12c443"),
            item("stun.att.ipv4", None, "IP: 10.0.96.1"),
        ];
        let titles = ["XOR-MAPPED-ADDRESS: 10.0.96.1:54134".to_owned()];
        let text = indented(|push| write(&mut |depth, line| push(depth, line), &items, &titles));
        assert_eq!(
            text,
            "    Message Type: 0x0101 (Binding Success Response)
        .... ...1 ...0 .... = Message Class: 0x10 Success Response (2)
    Message Length: 12
    Attributes
        XOR-MAPPED-ADDRESS: 10.0.96.1:54134
            Attribute Type: XOR-MAPPED-ADDRESS
                0... .... .... .... = Attribute Type Comprehension: Required (0x0)
                .0.. .... .... .... = Attribute Type Assignment: IETF Review (0x0)
            Attribute Length: 8
            Port (XOR-d): f264
            [Port: 54134]
            IP (XOR-d): 2b12c443
            [IP: 10.0.96.1]
"
        );
    }

    #[test]
    fn an_unnamed_attribute_is_an_expert_item() {
        let items = [
            item("stun.attributes", None, "Attributes"),
            item("stun.att.length", Some(3), "Attribute Length: 3"),
            item("stun.att.padding", Some(1), "Padding: 1"),
        ];
        let titles = ["Unknown attribute 0x7f00".to_owned()];
        let text = indented(|push| write(&mut |depth, line| push(depth, line), &items, &titles));
        assert_eq!(
            text,
            "    Attributes
        Unknown attribute 0x7f00
            [Expert Info (Warning/Undecoded): Unknown attribute 0x7f00]
                [Unknown attribute 0x7f00]
                [Severity level: Warning]
                [Group: Undecoded]
            Attribute Length: 3
            Padding: 1
"
        );
    }

    #[test]
    fn channel_data_stays_one_level_deep() {
        let items = [
            item("stun.channel", Some(0x4001), "Channel Number: 0x4001"),
            item("stun.length", Some(64), "Message Length: 64"),
        ];
        let text = indented(|push| write(&mut |depth, line| push(depth, line), &items, &[]));
        assert_eq!(text, "    Channel Number: 0x4001\n    Message Length: 64\n");
    }
}
