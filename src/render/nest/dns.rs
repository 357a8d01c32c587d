//! DNS's subtrees in tshark's `-V` tree: the flags word's bits under it, each section
//! (`Queries`, `Answers`, `Authoritative nameservers`, `Additional records`) a subtree holding
//! each question or record as a subtree of its own, titled as tshark titles it
//! (`www.example.test: type A, class IN, addr 10.0.53.2`, `<Root>: type OPT`), and an OPT
//! record's Z bits under its Z.
//!
//! The invariant: every field keeps its place in the order and is written once; nesting only
//! adds title lines and indentation. A record's section comes from the header's counts, in
//! order, as the message lays its records out.

use super::Item;
use crate::registry::values;

/// The sections after the questions, in the message's order, under tshark's titles.
const SECTIONS: [(&str, &str); 3] = [
    ("dns.count.answers", "Answers"),
    ("dns.count.auth_rr", "Authoritative nameservers"),
    ("dns.count.add_rr", "Additional records"),
];

/// Writes a DNS layer's fields through `push(depth, line)`.
pub fn write(push: &mut impl FnMut(usize, &str), items: &[Item<'_>]) {
    let count = |name: &str| items.iter().find(|item| item.name == name).and_then(|item| item.number);
    let sizes: Vec<(u64, &str)> =
        SECTIONS.iter().map(|(name, title)| (count(name).unwrap_or(0), *title)).collect();
    let (mut in_entry, mut questions, mut records) = (false, 0usize, 0u64);
    for (index, item) in items.iter().enumerate() {
        let entry: Vec<&Item<'_>> = items[index + 1..]
            .iter()
            .take_while(|later| later.name != "dns.qry.name" && later.name != "dns.resp.name")
            .filter(|later| in_record(later.name))
            .collect();
        if item.name == "dns.qry.name" {
            if questions == 0 {
                push(1, "Queries");
            }
            questions += 1;
            push(2, &question_title(item, &entry));
            in_entry = true;
        } else if item.name == "dns.resp.name" {
            // The section this record opens, if it is the first of its section.
            let mut start = 0;
            for (size, title) in &sizes {
                if *size > 0 && records == start {
                    push(1, title);
                    break;
                }
                start += size;
            }
            records += 1;
            push(2, &record_title(item, &entry));
            in_entry = true;
        } else if !in_record(item.name) {
            in_entry = false;
        }
        // tshark draws the AD bit of a query under a label of its own.
        if item.name == "dns.flags.authenticated" && count("dns.flags.response") == Some(0) {
            let bit = item.line.split(" = ").next().unwrap_or_default();
            let set = if item.number == Some(1) { "Set" } else { "Not set" };
            push(2, &format!("{bit} = AD bit: {set}"));
            continue;
        }
        let depth = match item.name {
            name if name.starts_with("dns.flags.") => 2,
            name if name.starts_with("dns.resp.z.") => 4,
            name if in_entry && in_record(name) => 3,
            _ => 1,
        };
        push(depth, item.line);
    }
}

/// Whether a field belongs to a question or a record.
fn in_record(name: &str) -> bool {
    const HEADER: &[&str] = &[
        "dns.id",
        "dns.flags",
        "dns.count.queries",
        "dns.count.answers",
        "dns.count.auth_rr",
        "dns.count.add_rr",
        "dns.count.zones",
        "dns.count.prerequisites",
        "dns.count.updates",
        "dns.response_in",
        "dns.response_to",
        "dns.time",
        "dns.unsolicited",
        "dns.length",
    ];
    name.starts_with("dns.") && !name.starts_with("dns.flags") && !HEADER.contains(&name)
}

/// What a line says after its label.
fn value<'a>(item: &Item<'a>) -> &'a str {
    item.line.split_once(": ").map_or("", |(_, value)| value)
}

/// A type's short name as tshark's titles use it: `A`, `AAAA`, `OPT`.
fn type_name(number: Option<u64>) -> String {
    match number.and_then(|kind| values::DNS_TYPE.name(kind)) {
        Some(name) => name.split(" (").next().unwrap_or(name).to_owned(),
        None => format!("Unknown ({})", number.unwrap_or(0)),
    }
}

fn class_name(number: Option<u64>) -> String {
    match number.and_then(|class| values::DNS_CLASS.name(class)) {
        Some(name) => name.to_owned(),
        None => format!("Unknown ({})", number.unwrap_or(0)),
    }
}

/// `www.example.test: type A, class IN`.
fn question_title(name: &Item<'_>, fields: &[&Item<'_>]) -> String {
    let number = |field: &str| fields.iter().find(|item| item.name == field).and_then(|item| item.number);
    format!(
        "{}: type {}, class {}",
        value(name),
        type_name(number("dns.qry.type")),
        class_name(number("dns.qry.class"))
    )
}

/// `www.example.test: type A, class IN, addr 10.0.53.2`, with what the record's data says
/// as tshark sums it up; an OPT record has no class.
fn record_title(name: &Item<'_>, fields: &[&Item<'_>]) -> String {
    let find = |field: &str| fields.iter().find(|item| item.name == field);
    let kind = find("dns.resp.type").and_then(|item| item.number);
    let mut title = format!("{}: type {}", value(name), type_name(kind));
    if kind == Some(41) {
        return title;
    }
    title.push_str(&format!(", class {}", class_name(find("dns.resp.class").and_then(|item| item.number))));
    let data = |field: &str| find(field).map(|item| value(item));
    let summary = match kind {
        Some(1) => data("dns.a").map(|address| format!("addr {address}")),
        Some(28) => data("dns.aaaa").map(|address| format!("addr {address}")),
        Some(5) => data("dns.cname").map(|cname| format!("cname {cname}")),
        Some(2) => data("dns.ns").map(|ns| format!("ns {ns}")),
        Some(12) => data("dns.ptr.domain_name").map(str::to_owned),
        Some(15) => match (data("dns.mx.preference"), data("dns.mx.mail_exchange")) {
            (Some(preference), Some(exchange)) => Some(format!("preference {preference}, mx {exchange}")),
            _ => None,
        },
        Some(6) => data("dns.soa.mname").map(|mname| format!("mname {mname}")),
        _ => None,
    };
    if let Some(summary) = summary {
        title.push_str(", ");
        title.push_str(&summary);
    }
    title
}

#[cfg(test)]
mod tests {
    use super::super::indented;
    use super::*;

    fn item(name: &'static str, number: Option<u64>, line: &'static str) -> Item<'static> {
        Item { name, number, size: 0, line }
    }

    #[test]
    fn questions_and_records_are_subtrees_of_their_sections() {
        let items = [
            item("dns.id", Some(0xb365), "Transaction ID: 0xb365"),
            item("dns.flags", Some(0x8180), "Flags: 0x8180 Standard query response, No error"),
            item("dns.flags.response", Some(1), "1... .... .... .... = Response: Message is a response"),
            item("dns.count.queries", Some(1), "Questions: 1"),
            item("dns.count.answers", Some(1), "Answer RRs: 1"),
            item("dns.count.auth_rr", Some(0), "Authority RRs: 0"),
            item("dns.count.add_rr", Some(1), "Additional RRs: 1"),
            item("dns.qry.name", None, "Name: www.example.test"),
            item("dns.qry.type", Some(1), "Type: A (Host Address) (1)"),
            item("dns.qry.class", Some(1), "Class: IN (0x0001)"),
            item("dns.resp.name", None, "Name: www.example.test"),
            item("dns.resp.type", Some(1), "Type: A (Host Address) (1)"),
            item("dns.resp.class", Some(1), "Class: IN (0x0001)"),
            item("dns.a", None, "Address: 10.0.53.2"),
            item("dns.resp.name", None, "Name: <Root>"),
            item("dns.resp.type", Some(41), "Type: OPT (41)"),
            item("dns.resp.z", Some(0), "Z: 0x0000"),
            item("dns.resp.z.do", Some(0), "0... .... .... .... = DO bit: Cannot handle DNSSEC security RRs"),
            item("dns.response_to", Some(3), "[Request In: 3]"),
        ];
        let text = indented(|push| write(&mut |depth, line| push(depth, line), &items));
        assert_eq!(
            text,
            "    Transaction ID: 0xb365
    Flags: 0x8180 Standard query response, No error
        1... .... .... .... = Response: Message is a response
    Questions: 1
    Answer RRs: 1
    Authority RRs: 0
    Additional RRs: 1
    Queries
        www.example.test: type A, class IN
            Name: www.example.test
            Type: A (Host Address) (1)
            Class: IN (0x0001)
    Answers
        www.example.test: type A, class IN, addr 10.0.53.2
            Name: www.example.test
            Type: A (Host Address) (1)
            Class: IN (0x0001)
            Address: 10.0.53.2
    Additional records
        <Root>: type OPT
            Name: <Root>
            Type: OPT (41)
            Z: 0x0000
                0... .... .... .... = DO bit: Cannot handle DNSSEC security RRs
    [Request In: 3]
"
        );
    }
}
