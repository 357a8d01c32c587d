//! Display filters: `tcp.port == 443 && !icmp`, over the same field names the output uses.
//!
//! A filter is parsed once, with every field name checked and every literal read as its
//! field's type, so a mistake is reported with its column before any packet is read. A packet
//! is then tested by walking its fields once: each test records whether any occurrence of its
//! field satisfied it, and the tree combines the results. As in Wireshark, a comparison with a
//! field the packet lacks is false, `==` holds when any occurrence matches, and `a != b` is
//! `!(a == b)` over the occurrences that exist.

mod lexer;
mod parser;

use std::fmt;

use smallvec::SmallVec;

use crate::capture::Frame;
use crate::dissect::Packet;
use crate::dissect::field::{Field, Value};
use crate::osi::Protocol;
use crate::registry::Kind;
pub use lexer::Op;
use parser::{Literal, Node, Parser, Test};

/// A filter that could not be parsed, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    /// 1-based column of the offending character.
    pub column: usize,
    pub message: String,
}

impl FilterError {
    pub fn new(column: usize, message: impl Into<String>) -> Self {
        Self { column, message: message.into() }
    }

    /// The error under the filter text, with a caret at the column.
    pub fn annotate(&self, filter: &str) -> String {
        format!("{filter}\n{:>width$}", "^", width = self.column)
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for FilterError {}

/// A parsed display filter.
#[derive(Clone, Debug)]
pub struct Filter {
    root: Node,
    tests: Vec<Test>,
    text: String,
}

/// What the field walk found for one test.
#[derive(Clone, Copy, Default)]
struct Seen {
    present: bool,
    matched: bool,
}

impl Filter {
    pub fn parse(text: &str) -> Result<Self, FilterError> {
        let tokens = lexer::tokenize(text)?;
        let mut parser = Parser::new(&tokens, text.chars().count());
        let root = parser.parse()?;
        Ok(Self { root, tests: parser.tests, text: text.to_owned() })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the packet passes the filter.
    pub fn matches<'a>(&self, packet: &Packet<'a>, frame: &Frame<'a>) -> bool {
        let mut seen: SmallVec<[Seen; 8]> = SmallVec::from_elem(Seen::default(), self.tests.len());
        for (test, seen) in self.tests.iter().zip(seen.iter_mut()) {
            let Some(protocol) = layer_protocol(test) else { continue };
            // A protocol's bytes run from its header to the end of the packet, as in Wireshark.
            let spans: SmallVec<[&[u8]; 2]> = if protocol == Protocol::Frame {
                SmallVec::from_elem(frame.data, 1)
            } else {
                packet
                    .layers
                    .iter()
                    .enumerate()
                    .filter(|(_, layer)| layer.protocol() == protocol)
                    .map(|(index, _)| packet.span(index, frame))
                    .collect()
            };
            seen.present = !spans.is_empty();
            if let Some((op, Literal::Bytes(wanted))) = &test.comparison {
                let op = if *op == Op::Ne { Op::Eq } else { *op };
                seen.matched = spans.iter().any(|bytes| bytes_test(bytes, op, wanted));
            }
        }
        // Tests on whole protocols were answered from the layers; the rest need the fields.
        if self.tests.iter().any(|test| !is_layer_test(test)) {
            packet.fields(frame, &mut |field: Field<'_>| {
                for (test, seen) in self.tests.iter().zip(seen.iter_mut()) {
                    if test.field.name != field.name {
                        continue;
                    }
                    seen.present = true;
                    if let Some((op, literal)) = &test.comparison {
                        let op = if *op == Op::Ne { Op::Eq } else { *op };
                        seen.matched |= compare(&field.value, op, literal);
                    }
                }
            });
        }
        self.evaluate(&self.root, &seen)
    }

    fn evaluate(&self, node: &Node, seen: &[Seen]) -> bool {
        match node {
            Node::And(left, right) => self.evaluate(left, seen) && self.evaluate(right, seen),
            Node::Or(left, right) => self.evaluate(left, seen) || self.evaluate(right, seen),
            Node::Not(inner) => !self.evaluate(inner, seen),
            Node::Test(index) => {
                let seen = seen[*index];
                match &self.tests[*index].comparison {
                    None => seen.present,
                    Some((Op::Ne, _)) => seen.present && !seen.matched,
                    Some(_) => seen.matched,
                }
            }
        }
    }
}

/// The protocol a test names, when it names a whole layer (`tcp`) rather than a field.
fn layer_protocol(test: &Test) -> Option<Protocol> {
    (test.field.kind == Kind::Protocol).then(|| Protocol::from_filter_name(test.field.name)).flatten()
}

fn is_layer_test(test: &Test) -> bool {
    layer_protocol(test).is_some()
}

/// Compares one field occurrence with a literal.
fn compare(value: &Value<'_>, op: Op, literal: &Literal) -> bool {
    use std::cmp::Ordering;
    if let Literal::Range(low, high) = literal {
        return compare(value, Op::Ge, low) && compare(value, Op::Le, high);
    }
    let ordering = match (value, literal) {
        (Value::Uint(v) | Value::Hex { value: v, .. }, Literal::Number(n)) => i128::from(*v).cmp(n),
        (Value::Bool(flag), Literal::Number(n)) => i128::from(*flag).cmp(n),
        (Value::Epoch(ns) | Value::Seconds(ns) | Value::Date(ns), Literal::Nanos(n)) => {
            i128::from(*ns).cmp(n)
        }
        (Value::Ipv4(address), Literal::Ipv4 { address: wanted, prefix }) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(*prefix)).unwrap_or(0);
            let value = u32::from(*address);
            if op == Op::Eq {
                return value & mask == wanted & mask;
            }
            value.cmp(wanted)
        }
        (Value::Ipv6(address), Literal::Ipv6 { address: wanted, prefix }) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(*prefix)).unwrap_or(0);
            let value = u128::from(*address);
            if op == Op::Eq {
                return value & mask == wanted & mask;
            }
            value.cmp(wanted)
        }
        (Value::Mac(mac), Literal::Bytes(bytes)) => {
            return op == Op::Eq && mac.as_slice() == bytes.as_slice();
        }
        (Value::Bytes(have) | Value::BytesColon(have), Literal::Bytes(wanted)) => {
            return bytes_test(have, op, wanted);
        }
        (Value::Str(text), Literal::Text(wanted)) => return text_test(text, op, wanted),
        (Value::Host(_) | Value::FlagString(_) | Value::Lazy(_), Literal::Text(wanted)) => {
            return text_test(&value.to_string(), op, wanted);
        }
        (Value::Int(v), Literal::Number(n)) => i128::from(*v).cmp(n),
        (Value::Millis(ns), Literal::Nanos(n)) => (i128::from(*ns) * 1000).cmp(n),
        _ => return false,
    };
    match op {
        Op::Eq => ordering == Ordering::Equal,
        Op::Ne => ordering != Ordering::Equal,
        Op::Gt => ordering == Ordering::Greater,
        Op::Lt => ordering == Ordering::Less,
        Op::Ge => ordering != Ordering::Less,
        Op::Le => ordering != Ordering::Greater,
        Op::Contains => false,
    }
}

fn bytes_test(have: &[u8], op: Op, wanted: &[u8]) -> bool {
    match op {
        Op::Eq => have == wanted,
        Op::Contains => wanted.is_empty() || have.windows(wanted.len()).any(|window| window == wanted),
        _ => false,
    }
}

fn text_test(have: &str, op: Op, wanted: &str) -> bool {
    match op {
        Op::Eq => have == wanted,
        Op::Contains => have.contains(wanted),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
