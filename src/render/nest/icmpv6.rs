//! ICMPv6's subtrees in tshark's `-V` tree: a flags word's bits under it (a router or
//! neighbour advertisement's, a prefix's, a route's), and each neighbour-discovery option a
//! subtree titled with its type and what it holds (`ICMPv6 Option (Prefix information :
//! fd00:17::/64)`, `ICMPv6 Option (Recursive DNS Server fd00:17::1 fd00:17::53)`), and each of
//! an MLDv2 report's records one titled with its type and address (`Multicast Address Record
//! Changed to exclude: ff02::1:ff00:2`).
//!
//! The invariant: every field keeps its place in the order and is written once; nesting only
//! adds title lines and indentation.

use super::Item;
use crate::registry::values;

/// Writes an ICMPv6 layer's fields through `push(depth, line)`.
pub fn write(push: &mut impl FnMut(usize, &str), items: &[Item<'_>]) {
    // Inside an option's or a multicast address record's subtree, and under a flags word.
    let (mut option, mut word) = (false, None::<&str>);
    for (index, item) in items.iter().enumerate() {
        if item.name == "icmpv6.opt" {
            let fields = items[index + 1..].iter().take_while(|later| later.name != "icmpv6.opt");
            push(1, &option_title(fields));
            (option, word) = (true, None);
            continue;
        }
        if item.name == "icmpv6.mldr.mar.record_type" {
            let address = items[index + 1..]
                .iter()
                .take_while(|later| later.name != item.name)
                .find(|later| later.name == "icmpv6.mldr.mar.multicast_address");
            let kind = values::MLD_RECORD_TYPE.name(item.number.unwrap_or(0)).unwrap_or("Unknown");
            let address =
                address.map_or("", |address| address.line.split_once(": ").map_or("", |(_, value)| value));
            push(1, &format!("Multicast Address Record {kind}: {address}"));
            (option, word) = (true, None);
        }
        let bit =
            word.is_some_and(|word| item.name.strip_prefix(word).is_some_and(|rest| rest.starts_with('.')));
        if !bit {
            word = FLAG_WORDS.contains(&item.name).then_some(item.name);
        }
        push(1 + usize::from(option) + usize::from(bit), item.line);
    }
}

/// Flags words whose bits follow them, each named after the word.
const FLAG_WORDS: &[&str] =
    &["icmpv6.nd.ra.flag", "icmpv6.nd.na.flag", "icmpv6.opt.prefix.flag", "icmpv6.opt.route_info.flag"];

/// `ICMPv6 Option (Source link-layer address : 02:00:00:00:17:01)`: the option's type named,
/// then what tshark adds for it from its fields.
fn option_title<'a>(fields: impl Iterator<Item = &'a Item<'a>>) -> String {
    let fields: Vec<&Item<'_>> = fields.collect();
    let number = |name: &str| fields.iter().find(|item| item.name == name).and_then(|item| item.number);
    // A field's value as its line shows it, after the label.
    let shown = |item: &&Item<'_>| item.line.split_once(": ").map_or("", |(_, value)| value).to_owned();
    let first = |name: &str| fields.iter().find(|item| item.name == name).map(shown).unwrap_or_default();
    let all = |name: &str| -> String {
        fields.iter().filter(|item| item.name == name).map(|item| format!(" {}", shown(item))).collect()
    };
    let kind = number("icmpv6.opt.type").unwrap_or(0);
    let name = values::ICMPV6_OPTION.name(kind).map_or_else(|| format!("Unknown {kind}"), str::to_owned);
    let prefix =
        || format!("{}/{}", first("icmpv6.opt.prefix"), number("icmpv6.opt.prefix.length").unwrap_or(0));
    let what = match kind {
        1 | 2 => format!(" : {}", first("icmpv6.opt.linkaddr")),
        3 => format!(" : {}", prefix()),
        5 => format!(" : {}", number("icmpv6.opt.mtu").unwrap_or(0)),
        24 => {
            let preference = number("icmpv6.opt.route_info.flag.route_preference").unwrap_or(0);
            let preference = values::ICMPV6_ROUTE_PREFERENCE.name(preference).unwrap_or("Unknown");
            format!(" : {preference} {}", prefix())
        }
        25 => all("icmpv6.opt.rdnss"),
        31 => all("icmpv6.opt.dnssl"),
        _ => String::new(),
    };
    format!("ICMPv6 Option ({name}{what})")
}

#[cfg(test)]
mod tests {
    use super::super::item;
    use super::*;

    #[test]
    fn each_multicast_address_record_is_a_subtree_titled_by_its_type_and_address() {
        let items = [
            item("icmpv6.mldr.nb_mcast_records", Some(2), "Number of Multicast Address Records: 2"),
            item("icmpv6.mldr.mar.record_type", Some(4), "Record Type: Changed to exclude (4)"),
            item("icmpv6.mldr.mar.nb_sources", Some(0), "Number of Sources: 0"),
            item("icmpv6.mldr.mar.multicast_address", None, "Multicast Address: ff02::1:ff00:2"),
            item("icmpv6.mldr.mar.record_type", Some(1), "Record Type: Include (1)"),
            item("icmpv6.mldr.mar.multicast_address", None, "Multicast Address: ff02::fb"),
        ];
        let text =
            crate::render::nest::indented(|push| write(&mut |depth, line: &str| push(depth, line), &items));
        assert_eq!(
            text,
            "    Number of Multicast Address Records: 2\n\
             \x20   Multicast Address Record Changed to exclude: ff02::1:ff00:2\n\
             \x20       Record Type: Changed to exclude (4)\n\
             \x20       Number of Sources: 0\n\
             \x20       Multicast Address: ff02::1:ff00:2\n\
             \x20   Multicast Address Record Include: ff02::fb\n\
             \x20       Record Type: Include (1)\n\
             \x20       Multicast Address: ff02::fb\n"
        );
    }

    #[test]
    fn options_are_subtrees_titled_by_what_they_hold_and_flags_hold_their_bits() {
        let items = [
            item("icmpv6.nd.ra.flag", Some(0), "Flags: 0x00, Prf (Default Router Preference): Medium"),
            item("icmpv6.nd.ra.flag.m", Some(0), "0... .... = Managed address configuration: Not set"),
            item("icmpv6.nd.ra.router_lifetime", Some(180), "Router lifetime (s): 180"),
            item("icmpv6.opt", None, "ICMPv6 Option"),
            item("icmpv6.opt.type", Some(24), "Type: Route Information (24)"),
            item("icmpv6.opt.prefix.length", Some(48), "Prefix Length: 48"),
            item("icmpv6.opt.route_info.flag", Some(8), "Flag: 0x08, Route Preference: High"),
            item(
                "icmpv6.opt.route_info.flag.route_preference",
                Some(1),
                "...0 1... = Route Preference: High (1)",
            ),
            item("icmpv6.opt.prefix", None, "Prefix: fd00:99::"),
            item("icmpv6.opt", None, "ICMPv6 Option"),
            item("icmpv6.opt.type", Some(25), "Type: Recursive DNS Server (25)"),
            item("icmpv6.opt.rdnss", None, "Recursive DNS Servers: fd00:17::1"),
            item("icmpv6.opt.rdnss", None, "Recursive DNS Servers: fd00:17::53"),
        ];
        let text =
            crate::render::nest::indented(|push| write(&mut |depth, line: &str| push(depth, line), &items));
        assert_eq!(
            text,
            "    Flags: 0x00, Prf (Default Router Preference): Medium\n\
             \x20       0... .... = Managed address configuration: Not set\n\
             \x20   Router lifetime (s): 180\n\
             \x20   ICMPv6 Option (Route Information : High fd00:99::/48)\n\
             \x20       Type: Route Information (24)\n\
             \x20       Prefix Length: 48\n\
             \x20       Flag: 0x08, Route Preference: High\n\
             \x20           ...0 1... = Route Preference: High (1)\n\
             \x20       Prefix: fd00:99::\n\
             \x20   ICMPv6 Option (Recursive DNS Server fd00:17::1 fd00:17::53)\n\
             \x20       Type: Recursive DNS Server (25)\n\
             \x20       Recursive DNS Servers: fd00:17::1\n\
             \x20       Recursive DNS Servers: fd00:17::53\n"
        );
    }
}
