//! The subtrees of IPv4 and IPv6 in tshark's `-V` tree: the bits of the DS field, the flags and
//! the traffic class under them; IPv4's options under `Options: (40 bytes), Record Route`,
//! each under its own title (`IP Option - Record Route (39 bytes)`) with its type's bits under
//! `Type`; each IPv6 extension header under its title (`Fragment Header for IPv6`) and each of
//! its options under the option's name; the fragments of a reassembled datagram under `[3 IPv4
//! Fragments (4008 bytes): #3(1480), …]`; and a low TTL's expert info under the TTL.
//!
//! The invariant: every field keeps its place in the order and is written once; nesting only
//! adds title lines and expert items, marks the next free slot of a route, and indents.

use std::fmt::Write as _;

use super::Item;
use super::expert::{self, Group, Severity};
use super::transport::UNDER_PARENT;
use crate::registry::values;

/// Writes an IPv4 or IPv6 layer's fields through `push(depth, line)`.
pub fn write(push: &mut impl FnMut(usize, &str), items: &[Item<'_>]) {
    let number = |name: &str| items.iter().find(|item| item.name == name).and_then(|item| item.number);
    let mut place = Place::Header;
    // The route slot marked as the next to fill has been written.
    let mut next_marked = false;
    for (index, item) in items.iter().enumerate() {
        let name = item.name;
        match name {
            "ip.opt.type" => {
                if place != Place::Ipv4Options {
                    push(1, &options_line(items, number("ip.hdr_len")));
                    place = Place::Ipv4Options;
                }
                push(2, &ipv4_option_title(item.number, length_after(&items[index + 1..])));
                push(3, item.line);
                next_marked = false;
                continue;
            }
            "ipv6.hopopts" | "ipv6.dstopts" | "ipv6.routing" | "ipv6.fraghdr" | "ah" => {
                push(1, extension_title(name));
                place = Place::Extension;
                continue;
            }
            "ipv6.opt" => {
                let kind = items.get(index + 1).and_then(|next| next.number).unwrap_or(0);
                let option = values::IPV6_OPTION.name(kind);
                let title = option.map_or_else(|| format!("Unknown IPv6 Option ({kind})"), str::to_owned);
                push(2, &title);
                place = Place::Ipv6Option;
                continue;
            }
            "ip.fragment" | "ipv6.fragment" => {
                if items[..index].iter().all(|before| before.name != name) {
                    fragments(push, items, name);
                }
                continue;
            }
            "ip.fragment.count"
            | "ip.reassembled.length"
            | "ipv6.fragment.count"
            | "ipv6.reassembled.length" => {
                continue;
            }
            _ => {}
        }
        let depth = match (place, name) {
            (Place::Ipv4Options, "ip.opt.type.copy" | "ip.opt.type.class" | "ip.opt.type.number") => 4,
            // The first free slot is the next to fill when the pointer points at it.
            (Place::Ipv4Options, "ip.empty_rt") if !next_marked => {
                next_marked = true;
                if pointer_before(&items[..index]).is_multiple_of(4) {
                    push(3, &format!("{} <- (next)", item.line));
                    continue;
                }
                3
            }
            (Place::Ipv4Options, _) if name.starts_with("ip.") && is_option_field(name) => 3,
            (Place::Ipv6Option, "ipv6.opt.type.action" | "ipv6.opt.type.change" | "ipv6.opt.type.rest") => 4,
            (Place::Ipv6Option, _) if name.starts_with("ipv6.opt.") => 3,
            (Place::Extension | Place::Ipv6Option, _) if is_extension_field(name) => {
                place = Place::Extension;
                2
            }
            _ if UNDER_PARENT.contains(&name) => 2,
            _ => 1,
        };
        push(depth, item.line);
        if name == "ip.ttl"
            && let Some(message) = low_ttl(item.number, items)
        {
            expert::push(push, 2, Severity::Note, Group::Sequence, &message);
        }
    }
}

/// Which subtree the fields being written belong to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Header,
    Ipv4Options,
    Extension,
    Ipv6Option,
}

/// The fields an IPv4 option's subtree holds.
fn is_option_field(name: &str) -> bool {
    name.starts_with("ip.opt.") || matches!(name, "ip.rec_rt" | "ip.empty_rt")
}

/// The fields of an IPv6 extension header (not of its options).
fn is_extension_field(name: &str) -> bool {
    ["ipv6.hopopts.", "ipv6.dstopts.", "ipv6.routing.", "ipv6.fraghdr.", "ah."]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// `Options: (40 bytes), Record Route`: the options area's size (the header's beyond its 20
/// fixed bytes) and the name of each option other than the end of the list and padding.
fn options_line(items: &[Item<'_>], header_len: Option<u64>) -> String {
    let mut line = format!("Options: ({} bytes)", header_len.unwrap_or(20).saturating_sub(20));
    for option in items.iter().filter(|item| item.name == "ip.opt.type") {
        if let Some(name) = option.number.and_then(ipv4_option_name).filter(|_| option.number > Some(1)) {
            let _ = write!(line, ", {name}");
        }
    }
    line
}

/// The length an option states, from its `ip.opt.len` before the next option.
fn length_after(after: &[Item<'_>]) -> Option<u64> {
    after
        .iter()
        .take_while(|item| item.name != "ip.opt.type")
        .find(|item| item.name == "ip.opt.len")
        .and_then(|item| item.number)
}

/// The pointer of the option a route slot belongs to: the last one before it.
fn pointer_before(before: &[Item<'_>]) -> u64 {
    before.iter().rev().find(|item| item.name == "ip.opt.ptr").and_then(|item| item.number).unwrap_or(0)
}

/// `IP Option - Record Route (39 bytes)`, `IP Option - No-Operation (NOP)`, or for a kind
/// tshark has no dissector for, `Unknown (0x63) (4 bytes)`.
fn ipv4_option_title(kind: Option<u64>, length: Option<u64>) -> String {
    let kind = kind.unwrap_or(0);
    let bytes = |length: u64| if length == 1 { "1 byte".to_owned() } else { format!("{length} bytes") };
    match (ipv4_option_name(kind), kind) {
        (Some(name), 0 | 1) => format!("IP Option - {name}"),
        (Some(name), _) => format!("IP Option - {name} ({})", bytes(length.unwrap_or(0))),
        (None, _) => format!("Unknown (0x{kind:02x}) ({})", bytes(length.unwrap_or(0))),
    }
}

/// The name tshark's IPv4 option dissectors register under, by the option's type byte.
fn ipv4_option_name(kind: u64) -> Option<&'static str> {
    Some(match kind {
        0 => "End of Options List (EOL)",
        1 => "No-Operation (NOP)",
        7 => "Record Route",
        11 => "MTU Probe",
        12 => "MTU Reply",
        25 => "Quick-Start",
        68 => "Time Stamp",
        82 => "Traceroute",
        130 => "Security",
        131 => "Loose Source Route",
        133 => "Extended Security",
        134 => "Commercial Security",
        136 => "Stream ID",
        137 => "Strict Source Route",
        148 => "Router Alert",
        149 => "Selective Directed Broadcast",
        _ => return None,
    })
}

/// An IPv6 extension header's subtree title, by its protocol field.
fn extension_title(name: &str) -> &'static str {
    match name {
        "ipv6.hopopts" => "IPv6 Hop-by-Hop Option",
        "ipv6.dstopts" => "Destination Options for IPv6",
        "ipv6.routing" => "Routing Header for IPv6",
        "ipv6.fraghdr" => "Fragment Header for IPv6",
        _ => "Authentication Header",
    }
}

/// The fragments of a reassembled datagram (`ip.fragment` or `ipv6.fragment`) under their
/// subtree, with the count, the length and the datagram's first bytes.
fn fragments(push: &mut impl FnMut(usize, &str), items: &[Item<'_>], name: &str) {
    let (version, prefix) = if name == "ip.fragment" { ("IPv4", "ip") } else { ("IPv6", "ipv6") };
    let pieces: Vec<&Item<'_>> = items.iter().filter(|item| item.name == name).collect();
    let total: usize = pieces.iter().map(|piece| piece.size).sum();
    super::fragments(push, 1, &format!("{version} Fragments"), total, &pieces);
    for field in [format!("{prefix}.fragment.count"), format!("{prefix}.reassembled.length")] {
        if let Some(item) = items.iter().find(|item| item.name == field) {
            push(2, item.line);
        }
    }
    push(2, &format!("[Reassembled {version} data: {}]", super::first_bytes(&pieces, total)));
}

/// tshark's note on an IPv4 TTL too low for the packet to get far: below 5 for a packet to a
/// unicast address (not PIM or OSPF), or other than the one a packet to the Local Network
/// Control Block (224.0.0.0/24) must have.
fn low_ttl(ttl: Option<u64>, items: &[Item<'_>]) -> Option<String> {
    let ttl = ttl?;
    let destination = items.iter().find(|item| item.name == "ip.dst").map(|item| item.raw)?;
    let &[a, b, c, d] = destination else { return None };
    let protocol = items.iter().find(|item| item.name == "ip.proto").and_then(|item| item.number);
    if [a, b, c] == [224, 0, 0] {
        // IGMP always 1; VRRP (.18) and mDNS (.251) 255; LLMNR (.252) any; GLBP (.102) 255.
        let valid = match (protocol, d) {
            (Some(2), _) => Some(1),
            (_, 18 | 102 | 251) => Some(255),
            (_, 252) => None,
            _ => Some(1),
        };
        return valid.filter(|&valid| valid != ttl).map(|valid| {
            format!("\"Time To Live\" != {valid} for a packet sent to the Local Network Control Block (see RFC 3171)")
        });
    }
    let multicast = (224..240).contains(&a);
    (ttl < 5 && !multicast && !matches!(protocol, Some(103 | 89)))
        .then(|| format!("\"Time To Live\" only {ttl}"))
}

#[cfg(test)]
mod tests {
    use super::super::indented;
    use super::*;

    fn item<'a>(
        name: &'static str,
        number: Option<u64>,
        size: usize,
        raw: &'a [u8],
        line: &'a str,
    ) -> Item<'a> {
        Item { name, number, size, raw, line }
    }

    #[test]
    fn options_sit_under_their_titles_and_the_next_route_slot_is_marked() {
        let items = [
            item("ip.hdr_len", Some(32), 1, &[], "Header Length: 32 bytes (8)"),
            item("ip.ttl", Some(64), 1, &[], "Time to Live: 64"),
            item("ip.opt.type", Some(1), 1, &[], "Type: 1"),
            item("ip.opt.type.copy", Some(0), 1, &[], "0... .... = Copy on fragmentation: No"),
            item("ip.opt.type", Some(7), 1, &[], "Type: 7"),
            item("ip.opt.type.number", Some(7), 1, &[], "...0 0111 = Number: Record route (7)"),
            item("ip.opt.len", Some(11), 1, &[], "Length: 11"),
            item("ip.opt.ptr", Some(8), 1, &[], "Pointer: 8"),
            item("ip.rec_rt", None, 4, &[], "Recorded Route: 10.0.3.1"),
            item("ip.empty_rt", None, 4, &[], "Empty Route: 0.0.0.0"),
        ];
        let text = indented(|push| write(&mut |depth, line| push(depth, line), &items));
        assert_eq!(
            text,
            "    Header Length: 32 bytes (8)\n    Time to Live: 64\n    Options: (12 bytes), Record Route\n\
             \x20       IP Option - No-Operation (NOP)\n            Type: 1\n\
             \x20               0... .... = Copy on fragmentation: No\n\
             \x20       IP Option - Record Route (11 bytes)\n            Type: 7\n\
             \x20               ...0 0111 = Number: Record route (7)\n            Length: 11\n\
             \x20           Pointer: 8\n            Recorded Route: 10.0.3.1\n\
             \x20           Empty Route: 0.0.0.0 <- (next)\n"
        );
    }

    #[test]
    fn fragments_are_summed_up_with_the_datagrams_first_bytes() {
        let (first, second) = ([0xabu8; 24], [0xcdu8; 20]);
        let items = [
            item("ip.fragment", Some(3), 24, &first, "[IPv4 Fragment: 3]"),
            item("ip.fragment", Some(4), 20, &second, "[IPv4 Fragment: 4]"),
            item("ip.fragment.count", Some(2), 0, &[], "[Fragment count: 2]"),
            item("ip.reassembled.length", Some(44), 0, &[], "[Reassembled IPv4 length: 44]"),
        ];
        let text = indented(|push| write(&mut |depth, line| push(depth, line), &items));
        let data = format!("{}{}…", "ab".repeat(24), "cd".repeat(12));
        assert_eq!(
            text,
            format!(
                "    [2 IPv4 Fragments (44 bytes): #3(24), #4(20)]\n\
                 \x20       [Frame: 3, payload: 0-23 (24 bytes)]\n\
                 \x20       [Frame: 4, payload: 24-43 (20 bytes)]\n\
                 \x20       [Fragment count: 2]\n        [Reassembled IPv4 length: 44]\n\
                 \x20       [Reassembled IPv4 data: {data}]\n"
            )
        );
    }

    #[test]
    fn a_low_ttl_is_noted_unless_multicast_and_the_control_block_wants_its_own() {
        let with = |ttl, destination: &'static [u8], protocol| {
            let items = [
                item("ip.ttl", Some(ttl), 1, &[], ""),
                item("ip.proto", Some(protocol), 1, &[], ""),
                item("ip.dst", None, 4, destination, ""),
            ];
            low_ttl(Some(ttl), &items)
        };
        assert_eq!(with(1, &[10, 0, 0, 2], 17).as_deref(), Some("\"Time To Live\" only 1"));
        assert_eq!(with(5, &[10, 0, 0, 2], 17), None);
        assert_eq!(with(1, &[239, 255, 255, 250], 17), None);
        assert_eq!(with(2, &[10, 0, 0, 2], 89), None);
        assert_eq!(with(255, &[224, 0, 0, 251], 17), None);
        assert!(with(64, &[224, 0, 0, 1], 17).is_some_and(|note| note.starts_with("\"Time To Live\" != 1 ")));
        assert_eq!(with(7, &[224, 0, 0, 252], 17), None);
    }
}
