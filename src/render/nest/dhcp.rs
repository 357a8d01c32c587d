//! DHCP's place in tshark's `-V` tree: the BOOTP flags' two parts under the flags, and each
//! option a subtree titled with its code and name (`Option: (53) DHCP Message Type
//! (Discover)`, an address option's address after its name), holding its length and what was
//! decoded from its value; the option's raw value is shown only when nothing was decoded from
//! it, as tshark hides it then. The header's words tshark puts for what is empty or known are
//! written here too: `Server host name not given`, `Magic cookie: DHCP`, a lease time as
//! `(3600s) 1 hour`, a classless static route as ` 192.168.50.0/24-10.0.17.254`.
//!
//! The invariant: every field keeps its place in the order and is written once, except an
//! option's raw value where a decoded field follows it; nesting only adds indentation, and the
//! pad and end options' titles.

use super::Item;
use super::expert::{self, Group, Severity};
use crate::dissect::dhcp::{classless_route_words, message_type_title, option_expert};
use crate::render::detail::duration_words;

/// Writes a DHCP layer's fields through `push(depth, line)`.
pub fn write(push: &mut impl FnMut(usize, &str), items: &[Item<'_>]) {
    // Inside an option's subtree; past the end option, padding is the message's own again.
    let (mut option, mut ended) = (false, false);
    // What tshark's expert says of the open option's value, written as its subtree closes.
    let mut expert: Option<String> = None;
    for (index, item) in items.iter().enumerate() {
        let depth = 1 + usize::from(option);
        if item.name == "dhcp.option.type" {
            close_option(push, expert.take());
            let mut option = items[index + 1..].iter().take_while(|later| later.name != "dhcp.option.type");
            let value = option.find(|later| later.name == "dhcp.option.value");
            expert = value.and_then(|value| option_expert(u8::try_from(item.number?).ok()?, value.raw));
        }
        match item.name {
            "dhcp.flags.bc" | "dhcp.flags.reserved" => push(2, item.line),
            "dhcp.server" if item.raw.first().is_none_or(|&byte| byte == 0) => {
                push(1, "Server host name not given");
            }
            "dhcp.file" if item.raw.first().is_none_or(|&byte| byte == 0) => {
                push(1, "Boot file name not given");
            }
            "dhcp.cookie" => push(1, "Magic cookie: DHCP"),
            "dhcp.option.type" => {
                let fields = items[index + 1..].iter().take_while(|later| later.name != "dhcp.option.type");
                push(1, &option_title(item, fields));
                option = true;
            }
            "dhcp.option.end" => {
                push(depth, item.line);
                (option, ended) = (false, true);
            }
            "dhcp.option.padding" if ended => push(1, item.line),
            // The raw value, when a field decoded from it follows in the same option.
            "dhcp.option.value" if decoded(&items[index + 1..]) => {}
            "dhcp.option.ip_address_lease_time"
            | "dhcp.option.renewal_time_value"
            | "dhcp.option.rebinding_time_value" => {
                let label = item.line.split_once(": ").map_or(item.line, |(label, _)| label);
                push(depth, &format!("{label}: {}", lease_time(item.number.unwrap_or(0))));
            }
            // tshark writes each route alone, after a space, in place of label and value.
            "dhcp.option.classless_static_route" => match classless_route_words(item.raw) {
                Some(words) => push(depth, &format!(" {words}")),
                None => push(depth, item.line),
            },
            _ => push(depth, item.line),
        }
    }
    close_option(push, expert.take());
}

/// Closes an option's subtree: the expert item tshark writes last in it, if any.
fn close_option(push: &mut impl FnMut(usize, &str), expert: Option<String>) {
    let Some(message) = expert else { return };
    expert::push(push, 2, Severity::Error, Group::Protocol, &message);
}

/// Whether a field decoded from an option's value follows it, before the next option.
fn decoded(later: &[Item<'_>]) -> bool {
    later.iter().take_while(|item| item.name != "dhcp.option.type").next().is_some()
}

/// `Option: (54) DHCP Server Identifier (10.0.17.1)`: the option's code and name, then what
/// tshark adds from its value: the message type's name, or an address option's address.
/// The pad and end options carry the code 0; the end option is known by its field after.
fn option_title<'a>(item: &Item<'_>, mut fields: impl Iterator<Item = &'a Item<'a>>) -> String {
    let first = fields.find(|field| !matches!(field.name, "dhcp.option.length" | "dhcp.option.value"));
    if first.is_some_and(|field| field.name == "dhcp.option.end") {
        return "Option: (255) End".to_owned();
    }
    let mut title = item.line.to_owned();
    let shown = |field: &Item<'_>| field.line.split_once(": ").map_or("", |(_, value)| value).to_owned();
    if let Some(field) = first {
        match field.name {
            "dhcp.option.dhcp" => {
                let kind = message_type_title(field.number.unwrap_or(0));
                title.push_str(&format!(" ({kind})"));
            }
            "dhcp.option.subnet_mask"
            | "dhcp.option.broadcast_address"
            | "dhcp.option.requested_ip_address"
            | "dhcp.option.dhcp_server_id" => title.push_str(&format!(" ({})", shown(field))),
            _ => {}
        }
    }
    title
}

/// A lease's time as tshark words it: `(1800s) 30 minutes`, all ones meaning `infinity`.
fn lease_time(seconds: u64) -> String {
    let words = if seconds == u64::from(u32::MAX) { "infinity".to_owned() } else { duration_words(seconds) };
    format!("({seconds}s) {words}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item<'a>(name: &'static str, number: Option<u64>, raw: &'a [u8], line: &'a str) -> Item<'a> {
        Item { name, number, size: raw.len(), raw, line }
    }

    #[test]
    fn each_option_is_a_subtree_titled_as_tshark_titles_it() {
        let items = [
            item("dhcp.cookie", None, &[99, 130, 83, 99], "Magic cookie: 99.130.83.99"),
            item("dhcp.option.type", Some(53), &[53], "Option: (53) DHCP Message Type"),
            item("dhcp.option.length", Some(1), &[1], "Length: 1"),
            item("dhcp.option.value", None, &[1], "Value: 01"),
            item("dhcp.option.dhcp", Some(1), &[1], "DHCP: Discover (1)"),
            item("dhcp.option.type", Some(54), &[54], "Option: (54) DHCP Server Identifier"),
            item("dhcp.option.length", Some(4), &[4], "Length: 4"),
            item("dhcp.option.value", None, &[10, 0, 0, 1], "Value: 0a000001"),
            item("dhcp.option.dhcp_server_id", None, &[10, 0, 0, 1], "DHCP Server Identifier: 10.0.0.1"),
            item("dhcp.option.type", Some(51), &[51], "Option: (51) IP Address Lease Time"),
            item("dhcp.option.length", Some(4), &[4], "Length: 4"),
            item("dhcp.option.ip_address_lease_time", Some(3660), &[], "IP Address Lease Time: 3660"),
            item("dhcp.option.type", Some(77), &[77], "Option: (77) User Class Information"),
            item("dhcp.option.length", Some(1), &[1], "Length: 1"),
            item("dhcp.option.value", None, &[7], "Value: 07"),
            item("dhcp.option.type", Some(0), &[255], "Option: (0) Padding"),
            item("dhcp.option.end", Some(255), &[255], "Option End: 255"),
            item("dhcp.option.padding", None, &[0, 0], "Padding: 0000"),
        ];
        let drawn = super::super::indented(|push| write(&mut |depth, line| push(depth, line), &items));
        assert_eq!(
            drawn,
            "    Magic cookie: DHCP
    Option: (53) DHCP Message Type (Discover)
        Length: 1
        DHCP: Discover (1)
    Option: (54) DHCP Server Identifier (10.0.0.1)
        Length: 4
        DHCP Server Identifier: 10.0.0.1
    Option: (51) IP Address Lease Time
        Length: 4
        IP Address Lease Time: (3660s) 1 hour, 1 minute
    Option: (77) User Class Information
        Length: 1
        Value: 07
    Option: (255) End
        Option End: 255
    Padding: 0000
"
        );
    }

    #[test]
    fn empty_names_are_said_not_given_and_times_can_be_infinite() {
        let items = [
            item("dhcp.server", None, &[0; 64], "Server host name: "),
            item("dhcp.file", None, b"pxelinux.0\0", "Boot file name: pxelinux.0"),
        ];
        let drawn = super::super::indented(|push| write(&mut |depth, line| push(depth, line), &items));
        assert_eq!(drawn, "    Server host name not given\n    Boot file name: pxelinux.0\n");
        assert_eq!(lease_time(0xffff_ffff), "(4294967295s) infinity");
        assert_eq!(lease_time(0), "(0s) 0 seconds");
    }
}
