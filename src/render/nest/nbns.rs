//! The NetBIOS name service's subtrees in tshark's `-V` tree: the flags word's bits under it,
//! the questions under `Queries` and the records under their section (`Answers`,
//! `Authoritative nameservers`, `Additional records`), each a subtree titled
//! `RTTSCOPE<20>: type NB, class IN`, an entry's name flags with their bits under them.
//!
//! The invariant: every field keeps its place in the order and is written once; nesting only
//! adds title lines and indentation. A question is a name followed by its type and class and
//! no time to live; a record's section comes from the header's counts, in order.

use super::Item;
use crate::registry::values;

/// The sections after the questions, in the message's order, under tshark's titles.
const SECTIONS: [(&str, &str); 3] = [
    ("nbns.count.answers", "Answers"),
    ("nbns.count.auth_rr", "Authoritative nameservers"),
    ("nbns.count.add_rr", "Additional records"),
];

/// Writes a NetBIOS name service layer's fields through `push(depth, line)`.
pub fn write(push: &mut impl FnMut(usize, &str), items: &[Item<'_>]) {
    let count = |name: &str| items.iter().find(|item| item.name == name).and_then(|item| item.number);
    let (mut in_entry, mut questions, mut records) = (false, 0usize, 0u64);
    for (index, item) in items.iter().enumerate() {
        if item.name == "nbns.name" {
            let entry: Vec<&Item<'_>> =
                items[index + 1..].iter().take_while(|later| later.name != "nbns.name").collect();
            if entry.get(2).is_some_and(|later| later.name == "nbns.ttl") {
                // The section this record opens, if it is the first of its section.
                let mut start = 0;
                for (size, title) in SECTIONS.iter().map(|(name, title)| (count(name).unwrap_or(0), title)) {
                    if size > 0 && records == start {
                        push(1, title);
                        break;
                    }
                    start += size;
                }
                records += 1;
            } else {
                if questions == 0 {
                    push(1, "Queries");
                }
                questions += 1;
            }
            push(2, &title(item, &entry));
            in_entry = true;
        }
        let bit = ["nbns.flags.", "nbns.nb_flags.", "nbns.name_flags."]
            .iter()
            .any(|prefix| item.name.starts_with(prefix));
        let depth = match (in_entry, bit) {
            (true, true) => 4,
            (true, false) => 3,
            (false, true) => 2,
            (false, false) => 1,
        };
        push(depth, item.line);
    }
}

/// `RTTSCOPE<20>: type NB, class IN`: the entry's name without its suffix's meaning.
fn title(name: &Item<'_>, entry: &[&Item<'_>]) -> String {
    let shown = name.line.split_once(": ").map_or("", |(_, value)| value);
    let shown = match shown.rsplit_once(" (") {
        Some((bare, _)) if shown.ends_with(')') => bare,
        _ => shown,
    };
    let number = |field: &str| entry.iter().find(|item| item.name == field).and_then(|item| item.number);
    let named = |names: values::Names, number: Option<u64>| match number {
        Some(number) => names.name(number).map_or_else(|| format!("Unknown ({number})"), str::to_owned),
        None => "Unknown".to_owned(),
    };
    format!(
        "{shown}: type {}, class {}",
        named(values::NBNS_TYPE, number("nbns.type")),
        named(values::NBNS_CLASS, number("nbns.class"))
    )
}

#[cfg(test)]
mod tests {
    use super::super::indented;
    use super::super::item;
    use super::*;

    #[test]
    fn questions_and_records_are_subtrees_of_their_sections() {
        let items = [
            item("nbns.id", Some(0x1703), "Transaction ID: 0x1703"),
            item("nbns.flags", Some(0x2900), "Flags: 0x2900, Opcode: Registration, Recursion desired"),
            item("nbns.flags.response", Some(0), "0... .... .... .... = Response: Message is a query"),
            item("nbns.count.queries", Some(1), "Questions: 1"),
            item("nbns.count.answers", Some(0), "Answer RRs: 0"),
            item("nbns.count.auth_rr", Some(0), "Authority RRs: 0"),
            item("nbns.count.add_rr", Some(1), "Additional RRs: 1"),
            item("nbns.name", None, "Name: RTTSCOPE<20> (Server service)"),
            item("nbns.type", Some(32), "Type: NB (32)"),
            item("nbns.class", Some(1), "Class: IN (1)"),
            item("nbns.name", None, "Name: RTTSCOPE<20> (Server service)"),
            item("nbns.type", Some(32), "Type: NB (32)"),
            item("nbns.class", Some(1), "Class: IN (1)"),
            item("nbns.ttl", Some(0), "Time to live: 0 seconds"),
            item("nbns.nb_flags", Some(0x2000), "Name flags: 0x2000, ONT: Unknown (P-node, unique)"),
            item("nbns.nb_flags.group", Some(0), "0... .... .... .... = Name type: Unique name"),
            item("nbns.addr", None, "Addr: 10.0.17.2"),
        ];
        let text = indented(|push| write(&mut |depth, line| push(depth, line), &items));
        assert_eq!(
            text,
            "    Transaction ID: 0x1703
    Flags: 0x2900, Opcode: Registration, Recursion desired
        0... .... .... .... = Response: Message is a query
    Questions: 1
    Answer RRs: 0
    Authority RRs: 0
    Additional RRs: 1
    Queries
        RTTSCOPE<20>: type NB, class IN
            Name: RTTSCOPE<20> (Server service)
            Type: NB (32)
            Class: IN (1)
    Additional records
        RTTSCOPE<20>: type NB, class IN
            Name: RTTSCOPE<20> (Server service)
            Type: NB (32)
            Class: IN (1)
            Time to live: 0 seconds
            Name flags: 0x2000, ONT: Unknown (P-node, unique)
                0... .... .... .... = Name type: Unique name
            Addr: 10.0.17.2
"
        );
    }
}
