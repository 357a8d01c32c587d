//! The conversations and endpoints tables of the Statistics view: one per kind (Ethernet,
//! IPv4, IPv6, TCP, UDP), as Wireshark's Conversations and Endpoints windows have them, each
//! row with the display filter that keeps its packets.
//!
//! The invariant: an endpoint's figures are the sums of its conversations' (what it sent is
//! what its conversations carried from it), so the two tables never disagree.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::filter_from::conversation;
use super::statistics::{Pair, endpoint};
use crate::render::stats::Conversation;

/// The kinds of conversation, in the order of the view's tabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Ethernet,
    Ipv4,
    Ipv6,
    Tcp,
    Udp,
}

impl Kind {
    pub const ALL: [Self; 5] = [Self::Ethernet, Self::Ipv4, Self::Ipv6, Self::Tcp, Self::Udp];

    pub fn title(self) -> &'static str {
        match self {
            Self::Ethernet => "Ethernet",
            Self::Ipv4 => "IPv4",
            Self::Ipv6 => "IPv6",
            Self::Tcp => "TCP",
            Self::Udp => "UDP",
        }
    }

    /// The filter field of one endpoint's address, and of its port.
    fn fields(self) -> (&'static str, Option<&'static str>) {
        match self {
            Self::Ethernet => ("eth.addr", None),
            Self::Ipv4 => ("ip.addr", None),
            Self::Ipv6 => ("ipv6.addr", None),
            Self::Tcp => ("", Some("tcp.port")),
            Self::Udp => ("", Some("udp.port")),
        }
    }
}

/// A cell, kept as what it is so a column sorts by value.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Count(u64),
    Seconds(f64),
}

impl Cell {
    fn order(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Count(a), Self::Count(b)) => a.cmp(b),
            (Self::Seconds(a), Self::Seconds(b)) => a.total_cmp(b),
            (Self::Text(a), Self::Text(b)) => a.cmp(b),
            _ => Ordering::Equal,
        }
    }
}

/// A row of a table and the filter that keeps its packets.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub cells: Vec<Cell>,
    pub filter: String,
}

/// One table: its kind, its columns' headings and its rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub kind: Kind,
    pub columns: &'static [&'static str],
    pub rows: Vec<Row>,
}

impl Table {
    /// Sorts by a column, greatest first unless `ascending`.
    pub fn sort(&mut self, column: usize, ascending: bool) {
        self.rows.sort_by(|x, y| {
            let order = match (x.cells.get(column), y.cells.get(column)) {
                (Some(x), Some(y)) => x.order(y),
                _ => Ordering::Equal,
            };
            if ascending { order } else { order.reverse() }
        });
    }
}

/// Packets and bytes.
type Tally = (u64, u64);

pub const CONVERSATION_COLUMNS: &[&str] =
    &["Address A", "Address B", "Packets", "Bytes", "A→B", "B→A", "Start", "Duration"];
pub const ENDPOINT_COLUMNS: &[&str] = &["Address", "Packets", "Bytes", "Tx packets", "Rx packets"];

/// The conversations and endpoints tables of every kind, TCP's from `-z conv,tcp`'s counter.
pub fn tables(
    pairs: &[HashMap<(String, String), Pair>],
    order: &[Vec<(String, String)>],
    tcp: &[Conversation],
    first_ns: i64,
) -> (Vec<Table>, Vec<Table>) {
    let mut conversations = Vec::new();
    let mut endpoints = Vec::new();
    for kind in Kind::ALL {
        let listed: Vec<(String, String, Pair, Option<u64>)> = if kind == Kind::Tcp {
            tcp.iter()
                .map(|conversation| {
                    let pair = Pair {
                        a_to_b: conversation.a_to_b,
                        b_to_a: conversation.b_to_a,
                        first_ns: conversation.first_ns,
                        last_ns: conversation.last_ns,
                    };
                    let (a, b) = (conversation.a, conversation.b);
                    (endpoint(a.0, a.1), endpoint(b.0, b.1), pair, Some(conversation.stream))
                })
                .collect()
        } else {
            let pairs = &pairs[kind as usize];
            order[kind as usize]
                .iter()
                .filter_map(|key| {
                    pairs.get(key).map(|pair| (key.0.clone(), key.1.clone(), pair.clone(), None))
                })
                .collect()
        };
        let mut rows = Vec::new();
        let mut by_endpoint: Vec<(String, Tally, Tally)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut add = |address: &str, tx: (u64, u64), rx: (u64, u64)| match index.get(address) {
            Some(at) => {
                let (_, sent, received) = &mut by_endpoint[*at];
                *sent = (sent.0 + tx.0, sent.1 + tx.1);
                *received = (received.0 + rx.0, received.1 + rx.1);
            }
            None => {
                index.insert(address.to_owned(), by_endpoint.len());
                by_endpoint.push((address.to_owned(), tx, rx));
            }
        };
        for (a, b, pair, stream) in listed {
            let filter = match stream {
                Some(stream) => format!("tcp.stream == {stream}"),
                None => pair_filter(kind, &a, &b),
            };
            let total = (pair.a_to_b.0 + pair.b_to_a.0, pair.a_to_b.1 + pair.b_to_a.1);
            rows.push(Row {
                cells: vec![
                    Cell::Text(a.clone()),
                    Cell::Text(b.clone()),
                    Cell::Count(total.0),
                    Cell::Count(total.1),
                    Cell::Count(pair.a_to_b.0),
                    Cell::Count(pair.b_to_a.0),
                    Cell::Seconds((pair.first_ns - first_ns) as f64 / 1e9),
                    Cell::Seconds((pair.last_ns - pair.first_ns) as f64 / 1e9),
                ],
                filter,
            });
            add(&a, pair.a_to_b, pair.b_to_a);
            add(&b, pair.b_to_a, pair.a_to_b);
        }
        let endpoint_rows = by_endpoint
            .into_iter()
            .map(|(address, tx, rx)| Row {
                filter: endpoint_filter(kind, &address),
                cells: vec![
                    Cell::Text(address),
                    Cell::Count(tx.0 + rx.0),
                    Cell::Count(tx.1 + rx.1),
                    Cell::Count(tx.0),
                    Cell::Count(rx.0),
                ],
            })
            .collect();
        let mut table = Table { kind, columns: CONVERSATION_COLUMNS, rows };
        // Busiest first, as tshark lists them.
        table.sort(2, false);
        conversations.push(table);
        let mut table = Table { kind, columns: ENDPOINT_COLUMNS, rows: endpoint_rows };
        table.sort(1, false);
        endpoints.push(table);
    }
    (conversations, endpoints)
}

/// The filter on a conversation between `a` and `b`.
fn pair_filter(kind: Kind, a: &str, b: &str) -> String {
    match kind.fields() {
        (address, None) => format!("{address}=={a} && {address}=={b}"),
        (_, port) => conversation(a, b, port).unwrap_or_default(),
    }
}

/// The filter on one endpoint.
fn endpoint_filter(kind: Kind, at: &str) -> String {
    match kind.fields() {
        (address, None) => format!("{address}=={at}"),
        (_, Some(port)) => match at.parse::<std::net::SocketAddr>() {
            Ok(socket) => {
                let address = if socket.is_ipv4() { "ip.addr" } else { "ipv6.addr" };
                format!("{address}=={} && {port}=={}", socket.ip(), socket.port())
            }
            Err(_) => String::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_sort_by_value_and_filters_name_both_ends() {
        assert_eq!(pair_filter(Kind::Ipv4, "10.0.0.1", "10.0.0.2"), "ip.addr==10.0.0.1 && ip.addr==10.0.0.2");
        assert_eq!(
            pair_filter(Kind::Udp, "[::1]:5353", "[::1]:53"),
            "ipv6.addr==::1 && udp.port==5353 && ipv6.addr==::1 && udp.port==53"
        );
        assert_eq!(endpoint_filter(Kind::Tcp, "10.0.0.1:443"), "ip.addr==10.0.0.1 && tcp.port==443");
        assert_eq!(endpoint_filter(Kind::Ethernet, "00:11:22:33:44:55"), "eth.addr==00:11:22:33:44:55");
        let row = |n: u64, text: &str| Row {
            cells: vec![Cell::Text(text.into()), Cell::Count(n)],
            filter: String::new(),
        };
        let mut table =
            Table { kind: Kind::Ipv4, columns: ENDPOINT_COLUMNS, rows: vec![row(9, "b"), row(10, "a")] };
        table.sort(1, false);
        assert_eq!(table.rows[0].cells[1], Cell::Count(10), "10 sorts above 9 by value, not as text");
        table.sort(0, true);
        assert_eq!(table.rows[0].cells[0], Cell::Text("a".into()));
    }
}
