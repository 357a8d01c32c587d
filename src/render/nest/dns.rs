//! DNS's subtrees in tshark's `-V` tree: the flags word's bits under it, each section
//! (`Queries`, `Answers`, `Authoritative nameservers`, `Additional records`) a subtree holding
//! each question or record as a subtree of its own, titled as tshark titles it
//! (`www.example.test: type A, class IN, addr 10.0.53.2`, `<Root>: type OPT`), an OPT
//! record's Z bits under its Z, and an HTTPS or SVCB record's SvcParams and an OPT record's
//! options each a subtree titled by what it holds (`SvcParam: alpn=h2,h3`, `Option: PADDING`).
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
            .take_while(|later| later.name != "dns.qry.name" && !opens_record(later.name))
            .filter(|later| in_record(later.name))
            .collect();
        if item.name == "dns.qry.name" {
            if questions == 0 {
                push(1, "Queries");
            }
            questions += 1;
            push(2, &question_title(item, &entry));
            in_entry = true;
        } else if opens_record(item.name) {
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
        // An SvcParam or an EDNS option is a subtree titled by what it holds.
        let parts = |prefix: &str| -> Vec<&Item<'_>> {
            items[index + 1..].iter().take_while(|later| later.name.starts_with(prefix)).collect()
        };
        match item.name {
            "dns.svcb.svcparam" => {
                push(3, &svcparam_title(&parts("dns.svcb.svcparam.")));
                continue;
            }
            "dns.opt" => {
                push(3, &option_title(&parts("dns.opt.")));
                continue;
            }
            _ => {}
        }
        let depth = match item.name {
            name if name.starts_with("dns.flags.") => 2,
            name if name.starts_with("dns.resp.z.") => 4,
            name if name.starts_with("dns.svcb.svcparam.") || name.starts_with("dns.opt.") => 4,
            name if in_entry && in_record(name) => 3,
            _ => 1,
        };
        push(depth, item.line);
    }
}

/// `SvcParam: alpn=h2,h3`: an SvcParam's key by name (`key65000` for one without), then its
/// value as tshark sums it up (the ALPN ids, the port, the address hints, the mandatory keys;
/// nothing for other keys). `parts` are the SvcParam's fields after it.
fn svcparam_title(parts: &[&Item<'_>]) -> String {
    let key = parts.iter().find(|item| item.name == "dns.svcb.svcparam.key").and_then(|item| item.number);
    let mut title = format!("SvcParam: {}", svcparam_key(key.unwrap_or(0)));
    let shown: Vec<String> = parts
        .iter()
        .filter_map(|item| match item.name {
            "dns.svcb.svcparam.mandatory.key" => Some(svcparam_key(item.number.unwrap_or(0))),
            "dns.svcb.svcparam.alpn"
            | "dns.svcb.svcparam.port"
            | "dns.svcb.svcparam.ipv4hint.ip"
            | "dns.svcb.svcparam.ipv6hint.ip" => Some(value(item).to_owned()),
            _ => None,
        })
        .collect();
    if !shown.is_empty() {
        title.push('=');
        title.push_str(&shown.join(","));
    }
    title
}

/// An SvcParamKey's name (`alpn`), or `key` and its number.
fn svcparam_key(key: u64) -> String {
    values::DNS_SVCB_KEY.name(key).map_or_else(|| format!("key{key}"), str::to_owned)
}

/// `Option: PADDING`: an EDNS option titled by its code's name. `parts` are the option's
/// fields after it.
fn option_title(parts: &[&Item<'_>]) -> String {
    let code = parts.iter().find(|item| item.name == "dns.opt.code").and_then(|item| item.number);
    match code.map(|code| (code, values::DNS_OPT_CODE.name(code))) {
        Some((_, Some(name))) => format!("Option: {name}"),
        Some((code, None)) => format!("Option: Unknown ({code})"),
        None => "Option".to_owned(),
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

/// Whether a field opens a resource record: its owner name, or for an SRV record whose owner
/// tshark splits (`_https._tcp.example.test`), the service label it starts with.
fn opens_record(name: &str) -> bool {
    name == "dns.resp.name" || name == "dns.srv.service"
}

/// `www.example.test: type A, class IN, addr 10.0.53.2`, with what the record's data says
/// as tshark sums it up; an OPT record has no class. `name` is the field that opens the
/// record (see [`opens_record`]).
fn record_title(name: &Item<'_>, fields: &[&Item<'_>]) -> String {
    let find = |field: &str| fields.iter().find(|item| item.name == field);
    let kind = find("dns.resp.type").and_then(|item| item.number);
    let owner = match name.name {
        "dns.srv.service" => {
            let parts = [find("dns.srv.proto"), find("dns.srv.name")];
            std::iter::once(value(name))
                .chain(parts.into_iter().flatten().map(|item| value(item)))
                .collect::<Vec<_>>()
                .join(".")
        }
        _ => value(name).to_owned(),
    };
    let mut title = format!("{owner}: type {}", type_name(kind));
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
        Some(33) => {
            match ["dns.srv.priority", "dns.srv.weight", "dns.srv.port", "dns.srv.target"].map(data) {
                [Some(priority), Some(weight), Some(port), Some(target)] => {
                    Some(format!("priority {priority}, weight {weight}, port {port}, target {target}"))
                }
                _ => None,
            }
        }
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
    use super::super::item;
    use super::*;

    #[test]
    fn svcparams_are_titled_by_key_and_value() {
        let alpn = [
            item("dns.svcb.svcparam.key", Some(1), "SvcParamKey: alpn (1)"),
            item("dns.svcb.svcparam.value.length", Some(6), "SvcParamValue length: 6"),
            item("dns.svcb.svcparam.alpn.length", Some(2), "ALPN length: 2"),
            item("dns.svcb.svcparam.alpn", None, "ALPN: h2"),
            item("dns.svcb.svcparam.alpn.length", Some(2), "ALPN length: 2"),
            item("dns.svcb.svcparam.alpn", None, "ALPN: h3"),
        ];
        assert_eq!(svcparam_title(&alpn.iter().collect::<Vec<_>>()), "SvcParam: alpn=h2,h3");
        let mandatory = [
            item("dns.svcb.svcparam.key", Some(0), "SvcParamKey: mandatory (0)"),
            item("dns.svcb.svcparam.mandatory.key", Some(1), "Mandatory key: alpn (1)"),
            item("dns.svcb.svcparam.mandatory.key", Some(3), "Mandatory key: port (3)"),
        ];
        assert_eq!(svcparam_title(&mandatory.iter().collect::<Vec<_>>()), "SvcParam: mandatory=alpn,port");
        let unknown = [item("dns.svcb.svcparam.key", Some(65000), "SvcParamKey: Unknown (65000)")];
        assert_eq!(svcparam_title(&unknown.iter().collect::<Vec<_>>()), "SvcParam: key65000");
        let option = [item("dns.opt.code", Some(65001), "Option Code: Unknown (65001)")];
        assert_eq!(option_title(&option.iter().collect::<Vec<_>>()), "Option: Unknown (65001)");
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
            item("dns.opt", None, "Option"),
            item("dns.opt.code", Some(12), "Option Code: PADDING (12)"),
            item("dns.opt.len", Some(2), "Option Length: 2"),
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
            Option: PADDING
                Option Code: PADDING (12)
                Option Length: 2
    [Request In: 3]
"
        );
    }
}
