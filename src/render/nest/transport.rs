//! The subtrees of Ethernet, IP and TCP in tshark's `-V` tree: an address's bits under the
//! address, the bits of IPv4's DS field and flags and of IPv6's traffic class under them, and
//! in TCP the flags' bits, each option (`TCP Option - Timestamps: TSval 1, TSecr 0`) under
//! `Options: (20 bytes), …`, the sequence analysis under `[SEQ/ACK analysis]` and the stream's
//! times under `[Timestamps]`.
//!
//! TCP's expert info sits under the item it is about (`expert`): a SYN, FIN or RST under its
//! flag's bit, the closing under the flags' string, each analysis flag in place of its line.
//!
//! The invariant: every field keeps its place in the order and is written once (an analysis
//! flag as its expert item, a duplicate ACK's second mention not at all, as tshark); nesting
//! only adds title lines and expert items, rewrites the options' line as tshark sums it up,
//! and indents.

use super::Item;
use super::expert::{self, Group, Severity};

/// Which side of a TCP connection's close a FIN is, as tshark tells them apart: the first
/// side to send one initiates it, the other undergoes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closing {
    Initiates,
    Undergoes,
}

/// Writes an Ethernet, IPv4, IPv6 or TCP layer's fields through `push(depth, line)`;
/// `closing`: a FIN's side of the close.
pub fn write(push: &mut impl FnMut(usize, &str), items: &[Item<'_>], closing: Option<Closing>) {
    let number = |name: &str| items.iter().find(|item| item.name == name).and_then(|item| item.number);
    // Whether the fields under an option, the analysis' flags or the times are open.
    let (mut in_option, mut in_flags, mut in_times) = (false, false, false);
    let mut duplicate_ack_seen = false;
    for (index, item) in items.iter().enumerate() {
        let name = item.name;
        if OPTIONS.iter().any(|(option, _)| *option == name) {
            push(2, &option_title(item, &items[index + 1..]));
            in_option = true;
            continue;
        }
        in_option &= name.starts_with("tcp.option");
        in_flags &= name.starts_with("tcp.analysis.") && !name.starts_with("tcp.analysis.duplicate_ack_");
        let set = item.number == Some(1);
        match name {
            "tcp.flags.syn" | "tcp.flags.fin" | "tcp.flags.reset" if set => {
                push(2, item.line);
                let message = match name {
                    "tcp.flags.syn" if number("tcp.flags.ack") == Some(1) => format!(
                        "Connection establish acknowledge (SYN+ACK): server port {}",
                        number("tcp.srcport").unwrap_or(0)
                    ),
                    "tcp.flags.syn" => format!(
                        "Connection establish request (SYN): server port {}",
                        number("tcp.dstport").unwrap_or(0)
                    ),
                    "tcp.flags.fin" => "Connection finish (FIN)".to_owned(),
                    _ => "Connection reset (RST)".to_owned(),
                };
                let severity = if name == "tcp.flags.reset" { Severity::Warning } else { Severity::Chat };
                expert::push(push, 3, severity, Group::Sequence, &message);
                continue;
            }
            "tcp.flags.str" => {
                push(2, item.line);
                let message = match closing {
                    Some(Closing::Initiates) => "This frame initiates the connection closing",
                    Some(Closing::Undergoes) => "This frame undergoes the connection closing",
                    None => continue,
                };
                expert::push(push, 3, Severity::Note, Group::Sequence, message);
                continue;
            }
            // A SYN-ACK that acknowledges more than the SYN took the SYN's Fast Open data.
            "tcp.ack" if number("tcp.flags.syn") == Some(1) && item.number.is_some_and(|ack| ack > 1) => {
                push(1, item.line);
                expert::push(push, 2, Severity::Note, Group::Sequence, "TCP SYN-ACK accepting TFO data");
                continue;
            }
            // A block reporting data received twice: tshark's warning after its edges.
            "tcp.options.sack.dsack_re" => {
                push(3, item.line);
                push(3, "D-SACK Sequence");
                expert::push(push, 4, Severity::Warning, Group::Sequence, "D-SACK Sequence");
                continue;
            }
            // Ports from LBL traceroute's first, three tries to a hop.
            "udp.srcport" | "udp.dstport" if let Some(port @ 33435..=33464) = item.number => {
                push(1, item.line);
                let (hop, attempt) = ((port - 33435) / 3 + 1, (port - 33435) % 3 + 1);
                let message = format!("Possible traceroute: hop #{hop}, attempt #{attempt}");
                expert::push(push, 2, Severity::Chat, Group::Sequence, &message);
                continue;
            }
            "tcp.options.tfo.cookie" if number("tcp.flags.ack") == Some(0) => {
                push(3, item.line);
                expert::push(push, 4, Severity::Note, Group::Sequence, "TCP SYN with TFO Cookie");
                continue;
            }
            "tcp.analysis.duplicate_ack" => {
                if !duplicate_ack_seen {
                    push(3, "[This is a TCP duplicate ack]");
                }
                duplicate_ack_seen = true;
                continue;
            }
            "tcp.analysis.duplicate_ack_frame" => {
                push(2, item.line);
                let count = number("tcp.analysis.duplicate_ack_num").unwrap_or(0);
                expert::push(push, 3, Severity::Note, Group::Sequence, &format!("Duplicate ACK (#{count})"));
                continue;
            }
            _ if in_flags => {
                if let Some((severity, message)) = expert::analysis(name) {
                    expert::push(push, 3, severity, Group::Sequence, message);
                    continue;
                }
            }
            _ => {}
        }
        match name {
            "tcp.options" => {
                let names: Vec<&str> = items[index + 1..]
                    .iter()
                    .filter_map(|later| OPTIONS.iter().find(|(option, _)| *option == later.name))
                    .map(|(_, summary)| *summary)
                    .collect();
                push(1, &format!("Options: ({} bytes), {}", item.size, names.join(", ")));
            }
            "tcp.time_relative" | "tcp.time_delta" | "udp.time_relative" | "udp.time_delta" => {
                if !in_times {
                    push(1, "[Timestamps]");
                    in_times = true;
                }
                push(2, item.line);
            }
            "tcp.analysis.flags" => {
                push(2, item.line);
                in_flags = true;
            }
            _ if in_option => push(3, item.line),
            _ if in_flags => push(3, item.line),
            _ if name.starts_with("tcp.analysis.") || UNDER_PARENT.contains(&name) => push(2, item.line),
            _ => push(1, item.line),
        }
    }
}

/// Fields tshark puts under the field before them (an address, a DS field, the flags).
pub(super) const UNDER_PARENT: &[&str] = &[
    "eth.addr",
    "eth.dst.lg",
    "eth.dst.ig",
    "eth.src.lg",
    "eth.src.ig",
    "ip.dsfield.dscp",
    "ip.dsfield.ecn",
    "ip.flags.rb",
    "ip.flags.df",
    "ip.flags.mf",
    "ipv6.tclass.dscp",
    "ipv6.tclass.ecn",
    "tcp.flags.res",
    "tcp.flags.ae",
    "tcp.flags.cwr",
    "tcp.flags.ece",
    "tcp.flags.urg",
    "tcp.flags.ack",
    "tcp.flags.push",
    "tcp.flags.reset",
    "tcp.flags.syn",
    "tcp.flags.fin",
    "tcp.flags.str",
];

/// Each TCP option's field and how tshark names it in the options' line.
const OPTIONS: &[(&str, &str)] = &[
    ("tcp.options.eol", "End of Option List (EOL)"),
    ("tcp.options.nop", "No-Operation (NOP)"),
    ("tcp.options.mss", "Maximum segment size"),
    ("tcp.options.wscale", "Window scale"),
    ("tcp.options.sack_perm", "SACK permitted"),
    ("tcp.options.sack", "SACK"),
    ("tcp.options.timestamp", "Timestamps"),
    ("tcp.options.tfo", "TCP Fast Open"),
    ("tcp.options.experimental", "Experimental"),
    ("tcp.options.md5", "TCP MD5 signature"),
    ("tcp.options.ao", "TCP Authentication Option"),
    ("tcp.options.user_to", "User Timeout"),
    ("tcp.options.unknown", "Unknown"),
    ("mptcp", "Multipath TCP"),
];

/// `TCP Option - Timestamps: TSval 1, TSecr 0`: an option's title, from the fields under it.
fn option_title(option: &Item<'_>, after: &[Item<'_>]) -> String {
    let under: Vec<&Item<'_>> = after
        .iter()
        .take_while(|item| {
            item.name.starts_with("tcp.option") && !OPTIONS.iter().any(|(o, _)| *o == item.name)
        })
        .collect();
    let number = |name: &str| under.iter().find(|item| item.name == name).and_then(|item| item.number);
    let value = |name: &str| number(name).unwrap_or(0);
    let summary =
        OPTIONS.iter().find(|(name, _)| *name == option.name).map_or("Unknown", |(_, summary)| summary);
    match option.name {
        "tcp.options.mss" => format!("TCP Option - {summary}: {} bytes", value("tcp.options.mss_val")),
        "tcp.options.wscale" => format!(
            "TCP Option - {summary}: {} (multiply by {})",
            value("tcp.options.wscale.shift"),
            value("tcp.options.wscale.multiplier")
        ),
        "tcp.options.timestamp" => format!(
            "TCP Option - {summary}: TSval {}, TSecr {}",
            value("tcp.options.timestamp.tsval"),
            value("tcp.options.timestamp.tsecr")
        ),
        "tcp.options.sack" => {
            let edges: Vec<String> = under
                .iter()
                .filter(|item| item.name == "tcp.options.sack_le")
                .zip(under.iter().filter(|item| item.name == "tcp.options.sack_re"))
                .map(|(left, right)| format!("{}-{}", left.number.unwrap_or(0), right.number.unwrap_or(0)))
                .collect();
            format!("TCP Option - {summary} {}", edges.join(" "))
        }
        _ => format!("TCP Option - {summary}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &'static str, number: Option<u64>, size: usize, line: &'static str) -> Item<'static> {
        Item { name, number, size, raw: &[], line }
    }

    #[test]
    fn options_flags_and_analysis_nest_as_tsharks() {
        let items = [
            item("tcp.flags", Some(0x10), 2, "Flags: 0x010 (ACK)"),
            item("tcp.flags.ack", Some(1), 2, ".... ...1 .... = Acknowledgment: Set"),
            item("tcp.options", None, 12, "TCP Options: 0101080a"),
            item("tcp.options.nop", None, 1, "tcp.options.nop: 01"),
            item("tcp.option_kind", Some(1), 1, "Kind: No-Operation (1)"),
            item("tcp.options.timestamp", None, 10, "tcp.options.timestamp: 080a"),
            item("tcp.option_kind", Some(8), 1, "Kind: Time Stamp Option (8)"),
            item("tcp.options.timestamp.tsval", Some(7), 4, "Timestamp value: 7"),
            item("tcp.options.timestamp.tsecr", Some(9), 4, "Timestamp echo reply: 9"),
            item("tcp.analysis", None, 0, "[SEQ/ACK analysis]"),
            item("tcp.analysis.acks_frame", Some(3), 0, "[This is an ACK to the segment in frame: 3]"),
            item("tcp.time_relative", None, 0, "[Time since first frame in this TCP stream: 0.1 seconds]"),
            item("tcp.payload", None, 5, "TCP payload: 0102030405"),
        ];
        let text = crate::render::nest::indented(|push| {
            write(&mut |depth, line: &str| push(depth, line), &items, None)
        });
        assert_eq!(
            text,
            "    Flags: 0x010 (ACK)\n\
             \x20       .... ...1 .... = Acknowledgment: Set\n\
             \x20   Options: (12 bytes), No-Operation (NOP), Timestamps\n\
             \x20       TCP Option - No-Operation (NOP)\n\
             \x20           Kind: No-Operation (1)\n\
             \x20       TCP Option - Timestamps: TSval 7, TSecr 9\n\
             \x20           Kind: Time Stamp Option (8)\n\
             \x20           Timestamp value: 7\n\
             \x20           Timestamp echo reply: 9\n\
             \x20   [SEQ/ACK analysis]\n\
             \x20       [This is an ACK to the segment in frame: 3]\n\
             \x20   [Timestamps]\n\
             \x20       [Time since first frame in this TCP stream: 0.1 seconds]\n\
             \x20   TCP payload: 0102030405\n"
        );
    }
}
