//! DHCPv6's place in tshark's `-V` tree: each option a subtree titled with its name (`Client
//! Identifier`), holding its code (`Option: Client Identifier (1)`), length and what was read
//! from it, the options an IA_NA or an IA address encloses a level deeper; a domain search
//! list's names under a subtree of their own, DNS servers numbered (` 1 DNS server address:
//! …`), and the elapsed time in milliseconds (`0ms`).
//!
//! The invariant: every field keeps its place in the order and is written once; nesting only
//! adds title lines and indentation. Where an option ends is counted from the lengths: an
//! enclosing option's bytes after its own fields are its inner options' (code, length and
//! data each), so an option is inside the latest one whose bytes are not yet all accounted for.

use super::Item;
use crate::dissect::dhcpv6::enclosed_after;
use crate::registry::values;

/// Writes a DHCPv6 layer's fields through `push(depth, line)`.
pub fn write(push: &mut impl FnMut(usize, &str), items: &[Item<'_>]) {
    // The enclosing options open around the current one: the bytes each has left for the
    // options inside it.
    let mut enclosing: Vec<usize> = Vec::new();
    // How deep the current option's fields sit (1: not in an option yet), and its DNS
    // servers so far.
    let (mut depth, mut servers) = (1, 0);
    for (index, item) in items.iter().enumerate() {
        match item.name {
            "dhcpv6.option.type" => {
                let code = item.number.unwrap_or(0);
                let length = items
                    .get(index + 1)
                    .filter(|next| next.name == "dhcpv6.option.length")
                    .and_then(|next| next.number)
                    .unwrap_or(0);
                let length = usize::try_from(length).unwrap_or(usize::MAX);
                while enclosing.last() == Some(&0) {
                    enclosing.pop();
                }
                if let Some(left) = enclosing.last_mut() {
                    *left = left.saturating_sub(length.saturating_add(4));
                }
                let name = values::DHCPV6_OPTION
                    .name(code)
                    .map_or_else(|| format!("Unknown ({code})"), str::to_owned);
                push(1 + enclosing.len(), &name);
                depth = 2 + enclosing.len();
                servers = 0;
                if let Some(fixed) = u16::try_from(code).ok().and_then(enclosed_after) {
                    enclosing.push(length.saturating_sub(fixed));
                }
                push(depth, item.line);
            }
            "dhcpv6.elapsed_time" => {
                let label = item.line.split_once(": ").map_or(item.line, |(label, _)| label);
                push(depth, &format!("{label}: {}ms", item.number.unwrap_or(0)));
            }
            "dhcpv6.dns_server" => {
                servers += 1;
                push(depth, &format!(" {servers} {}", item.line));
            }
            "dhcpv6.search_list_entry" => {
                if items[..index].last().is_some_and(|before| before.name != item.name) {
                    push(depth, "Domain name suffix search list");
                }
                push(depth + 1, item.line);
            }
            _ => push(depth, item.line),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::item;
    use super::*;

    #[test]
    fn options_nest_as_their_lengths_say() {
        let items = [
            item("dhcpv6.msgtype", Some(2), "Message type: Advertise (2)"),
            item("dhcpv6.option.type", Some(3), "Option: Identity Association for Non-temporary Address (3)"),
            item("dhcpv6.option.length", Some(40), "Length: 40"),
            item("dhcpv6.iaid.t2", Some(3150), "T2: 3150"),
            item("dhcpv6.option.type", Some(5), "Option: IA Address (5)"),
            item("dhcpv6.option.length", Some(30), "Length: 30"),
            item("dhcpv6.iaaddr.ip", None, "IPv6 address: fd00:17::1b8"),
            item("dhcpv6.option.type", Some(13), "Option: Status code (13)"),
            item("dhcpv6.option.length", Some(2), "Length: 2"),
            item("dhcpv6.status_code", Some(0), "Status Code: Success (0)"),
            item("dhcpv6.option.type", Some(8), "Option: Elapsed time (8)"),
            item("dhcpv6.option.length", Some(2), "Length: 2"),
            item("dhcpv6.elapsed_time", Some(120), "Elapsed time: 120"),
            item("dhcpv6.option.type", Some(23), "Option: DNS recursive name server (23)"),
            item("dhcpv6.option.length", Some(32), "Length: 32"),
            item("dhcpv6.dns_server", None, "DNS server address: fd00:17::1"),
            item("dhcpv6.dns_server", None, "DNS server address: fd00:17::2"),
            item("dhcpv6.option.type", Some(24), "Option: Domain Search List (24)"),
            item("dhcpv6.option.length", Some(10), "Length: 10"),
            item("dhcpv6.search_list_entry", None, "List entry: lan.test."),
        ];
        let drawn = super::super::indented(|push| write(&mut |depth, line| push(depth, line), &items));
        assert_eq!(
            drawn,
            "    Message type: Advertise (2)
    Identity Association for Non-temporary Address
        Option: Identity Association for Non-temporary Address (3)
        Length: 40
        T2: 3150
        IA Address
            Option: IA Address (5)
            Length: 30
            IPv6 address: fd00:17::1b8
            Status code
                Option: Status code (13)
                Length: 2
                Status Code: Success (0)
    Elapsed time
        Option: Elapsed time (8)
        Length: 2
        Elapsed time: 120ms
    DNS recursive name server
        Option: DNS recursive name server (23)
        Length: 32
         1 DNS server address: fd00:17::1
         2 DNS server address: fd00:17::2
    Domain Search List
        Option: Domain Search List (24)
        Length: 10
        Domain name suffix search list
            List entry: lan.test.
"
        );
    }
}
