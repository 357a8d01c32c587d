//! Parses display-filter tokens into a tree, checking every field name against the registry
//! and reading every literal as the type its field has.
//!
//! ```text
//! filter     := or
//! or         := and ( ("||" | "or") and )*
//! and        := unary ( ("&&" | "and") unary )*
//! unary      := ("!" | "not") unary | "(" or ")" | test
//! test       := FIELD [ op value ]
//! op         := "==" | "!=" | ">" | "<" | ">=" | "<=" | "contains"  (and eq ne gt lt ge le)
//! ```

use std::net::{Ipv4Addr, Ipv6Addr};

use super::FilterError;
use super::lexer::{Op, Spanned, Token};
use crate::registry::{self, FieldInfo, Kind};

/// A parsed filter expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    /// Index of a test in [`super::Filter::tests`].
    Test(usize),
}

/// One test on one field.
#[derive(Clone, Debug, PartialEq)]
pub struct Test {
    pub field: FieldInfo,
    /// `None` tests only that the field is present.
    pub comparison: Option<(Op, Literal)>,
}

/// A literal, already read as its field's type.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Number(i128),
    /// A time in nanoseconds.
    Nanos(i128),
    Ipv4 {
        address: u32,
        prefix: u8,
    },
    Ipv6 {
        address: u128,
        prefix: u8,
    },
    Bytes(Vec<u8>),
    Text(String),
    /// A set's range of values, both ends in it (`443..450`).
    Range(Box<Literal>, Box<Literal>),
}

pub struct Parser<'t> {
    tokens: &'t [Spanned],
    at: usize,
    end_column: usize,
    pub tests: Vec<Test>,
}

impl<'t> Parser<'t> {
    pub fn new(tokens: &'t [Spanned], text_len: usize) -> Self {
        Self { tokens, at: 0, end_column: text_len + 1, tests: Vec::new() }
    }

    fn peek(&self) -> Option<&'t Spanned> {
        self.tokens.get(self.at)
    }

    fn column(&self) -> usize {
        self.peek().map_or(self.end_column, |token| token.column)
    }

    pub fn parse(&mut self) -> Result<Node, FilterError> {
        if self.tokens.is_empty() {
            return Err(FilterError::new(1, "the filter is empty"));
        }
        let node = self.or()?;
        match self.peek() {
            None => Ok(node),
            Some(Spanned { token: Token::Close, column }) => {
                Err(FilterError::new(*column, "this ')' has no matching '('"))
            }
            Some(Spanned { column, .. }) => {
                Err(FilterError::new(*column, "expected '&&', '||' or the end of the filter here"))
            }
        }
    }

    fn or(&mut self) -> Result<Node, FilterError> {
        let mut left = self.and()?;
        while matches!(self.peek(), Some(Spanned { token: Token::Or, .. })) {
            self.at += 1;
            left = Node::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, FilterError> {
        let mut left = self.unary()?;
        while matches!(self.peek(), Some(Spanned { token: Token::And, .. })) {
            self.at += 1;
            left = Node::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Node, FilterError> {
        let column = self.column();
        match self.peek().map(|spanned| &spanned.token) {
            Some(Token::Not) => {
                self.at += 1;
                Ok(Node::Not(Box::new(self.unary()?)))
            }
            Some(Token::Open) => {
                self.at += 1;
                let inner = self.or()?;
                match self.peek() {
                    Some(Spanned { token: Token::Close, .. }) => {
                        self.at += 1;
                        Ok(inner)
                    }
                    _ => Err(FilterError::new(
                        self.column(),
                        format!("expected ')' to close the '(' at column {column}"),
                    )),
                }
            }
            Some(Token::Word(name)) => {
                self.at += 1;
                self.test(name, column)
            }
            Some(Token::Quoted(_)) => Err(FilterError::new(column, "expected a field name, not a string")),
            Some(Token::Op(op)) => {
                Err(FilterError::new(column, format!("expected a field name before '{}'", op.symbol())))
            }
            Some(_) | None => Err(FilterError::new(column, "expected a field name here")),
        }
    }

    fn test(&mut self, name: &str, column: usize) -> Result<Node, FilterError> {
        let field = registry::lookup(name).ok_or_else(|| {
            FilterError::new(
                column,
                format!("'{name}' is not a field or protocol rttscope knows (`rttscope fields` lists them)"),
            )
        })?;
        if let Some(Spanned { token: Token::In, column: in_column }) = self.peek() {
            self.at += 1;
            return self.set(field, *in_column);
        }
        let comparison = match self.peek() {
            Some(Spanned { token: Token::Op(op), column: op_column }) => {
                let (op, op_column) = (*op, *op_column);
                self.at += 1;
                let value_column = self.column();
                let literal = match self.peek().map(|spanned| &spanned.token) {
                    Some(Token::Word(word)) => read_literal(&field, op, word, false),
                    Some(Token::Quoted(text)) => read_literal(&field, op, text, true),
                    _ => {
                        return Err(FilterError::new(
                            value_column,
                            format!("expected a value after '{}'", op.symbol()),
                        ));
                    }
                }
                .map_err(|message| FilterError::new(value_column, message))?;
                check_operator(&field, op).map_err(|message| FilterError::new(op_column, message))?;
                self.at += 1;
                Some((op, literal))
            }
            _ => None,
        };
        self.tests.push(Test { field, comparison });
        Ok(Node::Test(self.tests.len() - 1))
    }
}

impl Parser<'_> {
    /// `field in {a b c..d}`, after the `in`: any occurrence equal to a value or within a range,
    /// as tests on the field joined with `||`. Values may be separated by commas.
    fn set(&mut self, field: FieldInfo, in_column: usize) -> Result<Node, FilterError> {
        match self.peek() {
            Some(Spanned { token: Token::SetOpen, .. }) => self.at += 1,
            _ => return Err(FilterError::new(self.column(), "expected '{' and a set of values after 'in'")),
        }
        check_operator(&field, Op::Eq).map_err(|message| FilterError::new(in_column, message))?;
        let mut node: Option<Node> = None;
        loop {
            let column = self.column();
            let literal = match self.peek().map(|spanned| &spanned.token) {
                Some(Token::SetClose) if node.is_some() => {
                    self.at += 1;
                    break;
                }
                Some(Token::Comma) if node.is_some() => {
                    self.at += 1;
                    continue;
                }
                Some(Token::Word(word)) => match word.split_once("..") {
                    Some((low, high)) => {
                        check_operator(&field, Op::Ge)
                            .map_err(|message| FilterError::new(column, message))?;
                        let low = read_literal(&field, Op::Ge, low, false);
                        let high = read_literal(&field, Op::Le, high, false);
                        low.and_then(|low| Ok(Literal::Range(Box::new(low), Box::new(high?))))
                    }
                    None => read_literal(&field, Op::Eq, word, false),
                },
                Some(Token::Quoted(text)) => read_literal(&field, Op::Eq, text, true),
                Some(Token::SetClose) => return Err(FilterError::new(column, "the set is empty")),
                _ => return Err(FilterError::new(column, "expected a value or '}' to close the set")),
            }
            .map_err(|message| FilterError::new(column, message))?;
            self.at += 1;
            self.tests.push(Test { field, comparison: Some((Op::Eq, literal)) });
            let test = Node::Test(self.tests.len() - 1);
            node = Some(match node {
                Some(before) => Node::Or(Box::new(before), Box::new(test)),
                None => test,
            });
        }
        node.ok_or_else(|| FilterError::new(in_column, "the set is empty"))
    }
}

fn check_operator(field: &FieldInfo, op: Op) -> Result<(), String> {
    let name = field.name;
    match (field.kind, op) {
        (Kind::Present, _) => Err(format!("'{name}' has no value; test it alone")),
        (Kind::Protocol, Op::Contains | Op::Eq | Op::Ne) => Ok(()),
        (Kind::Protocol, _) => Err(format!(
            "'{name}' is a protocol: test it alone, search it with 'contains', or compare one of its fields"
        )),
        (Kind::Bytes | Kind::Text, Op::Contains | Op::Eq | Op::Ne) => Ok(()),
        (Kind::Bytes | Kind::Text | Kind::Mac | Kind::Bool, Op::Gt | Op::Lt | Op::Ge | Op::Le) => {
            Err(format!("'{name}' cannot be ordered; use '==' or '!='"))
        }
        (Kind::Mac | Kind::Bool, Op::Eq | Op::Ne) => Ok(()),
        (_, Op::Contains) => Err(format!("'contains' works on bytes and text; '{name}' is neither")),
        _ => Ok(()),
    }
}

/// Reads `text` as a literal of `field`'s type.
fn read_literal(field: &FieldInfo, op: Op, text: &str, quoted: bool) -> Result<Literal, String> {
    let kind_name = match field.kind {
        Kind::Uint | Kind::Int | Kind::Hex => "a number",
        Kind::Bool => "1, 0, true or false",
        Kind::Time => "a time in seconds",
        Kind::Ipv4 => "an IPv4 address or network (10.0.0.0/8)",
        Kind::Ipv6 => "an IPv6 address or network (fd00::/8)",
        Kind::Mac => "a MAC address (aa:bb:cc:dd:ee:ff)",
        Kind::Bytes | Kind::Protocol => "bytes (aa:bb:cc) or a quoted string",
        Kind::Text => "a string",
        Kind::Present => "nothing",
    };
    let bad = || format!("'{text}' is not {kind_name}, as '{}' needs", field.name);
    if quoted && field.kind == Kind::Time {
        return date(text).map(Literal::Nanos).ok_or_else(|| {
            format!(
                "'{text}' is not a date, as '{}' needs: write it as tshark does (\"Nov 22, 2026 12:52:09.5 UTC\" \
                 or \"2026-11-22 12:52:09.5\", read as UTC), or as seconds since 1970, unquoted",
                field.name
            )
        });
    }
    if quoted && !matches!(field.kind, Kind::Bytes | Kind::Protocol | Kind::Text) {
        return Err(bad());
    }
    let literal = match field.kind {
        Kind::Uint | Kind::Int | Kind::Hex => Literal::Number(number(text).ok_or_else(bad)?),
        Kind::Bool => Literal::Number(match text {
            "1" | "true" | "True" | "TRUE" => 1,
            "0" | "false" | "False" | "FALSE" => 0,
            _ => return Err(bad()),
        }),
        Kind::Time => Literal::Nanos(seconds(text).ok_or_else(bad)?),
        Kind::Ipv4 => {
            let (address, prefix) = split_prefix(text, 32).ok_or_else(bad)?;
            let address: Ipv4Addr = address.parse().map_err(|_| bad())?;
            Literal::Ipv4 { address: address.into(), prefix }
        }
        Kind::Ipv6 => {
            let (address, prefix) = split_prefix(text, 128).ok_or_else(bad)?;
            let address: Ipv6Addr = address.parse().map_err(|_| bad())?;
            Literal::Ipv6 { address: address.into(), prefix }
        }
        Kind::Mac => {
            let bytes = hex_bytes(text).filter(|bytes| bytes.len() == 6).ok_or_else(bad)?;
            Literal::Bytes(bytes)
        }
        Kind::Bytes | Kind::Protocol if quoted => {
            Literal::Bytes(text.chars().map(|c| c as u32 as u8).collect())
        }
        Kind::Bytes | Kind::Protocol => Literal::Bytes(hex_bytes(text).ok_or_else(bad)?),
        Kind::Text => Literal::Text(text.to_owned()),
        Kind::Present => {
            return Err(format!("'{}' has no value to compare with '{}'", field.name, op.symbol()));
        }
    };
    Ok(literal)
}

fn number(text: &str) -> Option<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let value = if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        i128::from_str_radix(hex, 16).ok()?
    } else {
        digits.parse::<i128>().ok()?
    };
    Some(if negative { -value } else { value })
}

/// Reads decimal seconds exactly, to the nanosecond.
fn seconds(text: &str) -> Option<i128> {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i128 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let fraction: i128 = format!("{fraction:0<9}").parse().ok()?;
    let nanos = whole.checked_mul(1_000_000_000)?.checked_add(fraction)?;
    Some(if negative { -nanos } else { nanos })
}

/// Reads an absolute time in the forms tshark takes, as nanoseconds since 1970:
/// `Nov 22, 2026 12:52:09.670446154 UTC` (its own way of writing one),
/// `2026-11-22 12:52:09.5` and `2026-11-22T12:52:09.5Z`. tshark reads a time without a zone
/// as local time; rttscope writes and reads every date in UTC.
fn date(text: &str) -> Option<i128> {
    let text = text.trim();
    let text = text.strip_suffix(" UTC").or_else(|| text.strip_suffix('Z')).unwrap_or(text);
    let (year, month, day, time) = match text.split_once(' ') {
        Some((month, rest)) if month.len() == 3 => {
            let month =
                crate::dissect::field::MONTHS.iter().position(|name| name.eq_ignore_ascii_case(month))?;
            let (day, rest) = rest.trim_start().split_once(", ")?;
            let (year, time) = rest.split_once(' ')?;
            (year.parse().ok()?, month as i64 + 1, day.parse().ok()?, time)
        }
        _ => {
            let (date, time) = text.split_once([' ', 'T'])?;
            let mut parts = date.splitn(3, '-').map(|part| part.parse::<i64>().ok());
            (parts.next()??, parts.next()??, parts.next()??, time)
        }
    };
    let mut clock = time.splitn(3, ':');
    let (hour, minute) = (clock.next()?.parse::<i64>().ok()?, clock.next()?.parse::<i64>().ok()?);
    let second = seconds(clock.next()?)?;
    let in_range = (1..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..61_000_000_000).contains(&second);
    if !in_range {
        return None;
    }
    // A day past its month's end (`Nov 31`) does not come back as the same date.
    let days = crate::dissect::field::days_from_civil(year, month, day);
    if crate::dissect::field::civil_from_days(days) != (year, month, day) {
        return None;
    }
    Some(i128::from(days * 86_400 + hour * 3600 + minute * 60) * 1_000_000_000 + second)
}

fn split_prefix(text: &str, max: u8) -> Option<(&str, u8)> {
    match text.split_once('/') {
        Some((address, prefix)) => {
            let prefix: u8 = prefix.parse().ok()?;
            (prefix <= max).then_some((address, prefix))
        }
        None => Some((text, max)),
    }
}

/// Reads `aa:bb:cc`, `aa-bb-cc`, `aabb.cc` or `aabbcc` as bytes.
fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    let separated = text.contains([':', '-', '.']);
    if separated {
        let parts: Vec<&str> = text.split([':', '-', '.']).collect();
        if parts.iter().all(|part| part.len() == 2) {
            return parts.iter().map(|part| u8::from_str_radix(part, 16).ok()).collect();
        }
        let joined: String = parts.concat();
        return hex_bytes(&joined).filter(|_| !joined.is_empty());
    }
    if text.is_empty() || !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_read_as_their_field_types() {
        let field = |name| registry::lookup(name).expect("known field");
        let read = |name, text, quoted| read_literal(&field(name), Op::Eq, text, quoted);
        assert_eq!(read("tcp.port", "443", false), Ok(Literal::Number(443)));
        assert_eq!(read("tcp.flags", "0x12", false), Ok(Literal::Number(0x12)));
        assert_eq!(read("tcp.flags.syn", "true", false), Ok(Literal::Number(1)));
        assert_eq!(
            read("ip.addr", "10.0.0.0/8", false),
            Ok(Literal::Ipv4 { address: 0x0a00_0000, prefix: 8 })
        );
        assert_eq!(read("ipv6.addr", "::1", false), Ok(Literal::Ipv6 { address: 1, prefix: 128 }));
        assert_eq!(
            read("eth.src", "00-1b-21-aa-bb-cc", false),
            Ok(Literal::Bytes(vec![0, 0x1b, 0x21, 0xaa, 0xbb, 0xcc]))
        );
        assert_eq!(read("tcp.payload", "47:45:54", false), Ok(Literal::Bytes(b"GET".to_vec())));
        assert_eq!(read("tcp.payload", "GET", true), Ok(Literal::Bytes(b"GET".to_vec())));
        assert_eq!(read("frame.time_epoch", "1.5", false), Ok(Literal::Nanos(1_500_000_000)));
        assert!(read("ip.addr", "10.0.0.300", false).is_err());
        assert!(read("tcp.port", "http", false).is_err());
        assert!(read("ip.addr", "10.0.0.0/33", false).is_err());
    }

    /// A quoted time is a date, in tshark's forms, read as UTC; a date that is no date is an
    /// error that says how to write one.
    #[test]
    fn a_quoted_time_is_a_date() {
        let field = registry::lookup("frame.time").expect("known field");
        let read = |text| read_literal(&field, Op::Eq, text, true);
        // 2026-11-22 12:52:09 UTC is 1795351929 seconds since 1970.
        let at = Literal::Nanos(1_795_351_929_670_446_154);
        assert_eq!(read("Nov 22, 2026 12:52:09.670446154 UTC"), Ok(at.clone()));
        assert_eq!(read("Nov 22, 2026 12:52:09.670446154"), Ok(at.clone()));
        assert_eq!(read("2026-11-22 12:52:09.670446154"), Ok(at.clone()));
        assert_eq!(read("2026-11-22T12:52:09.670446154Z"), Ok(at));
        assert_eq!(read("Dec  6, 2026 00:00:00"), Ok(Literal::Nanos(1_796_515_200_000_000_000)));
        assert_eq!(read("Mar 1, 2024 00:00:00"), Ok(Literal::Nanos(1_709_251_200_000_000_000)));
        assert_eq!(read("2024-02-29 00:00:00"), Ok(Literal::Nanos(1_709_164_800_000_000_000)));
        for wrong in [
            "Nov 31st",
            "Nov 31, 2026 00:00:00",
            "2026-02-29 00:00:00",
            "Foo 1, 2026 00:00:00",
            "2026-13-01 00:00:00",
            "2026-11-22 24:00:00",
            "",
        ] {
            let error = read(wrong).expect_err(wrong);
            assert!(error.contains("is not a date"), "{error}");
        }
        assert!(read("99999999999999-01-01 00:00:00").is_err(), "a year past 9999");
    }

    #[test]
    fn byte_strings_take_several_spellings() {
        assert_eq!(hex_bytes("aabb"), Some(vec![0xaa, 0xbb]));
        assert_eq!(hex_bytes("aa:bb"), Some(vec![0xaa, 0xbb]));
        assert_eq!(hex_bytes("aabb.ccdd"), Some(vec![0xaa, 0xbb, 0xcc, 0xdd]));
        assert_eq!(hex_bytes("abc"), None);
        assert_eq!(hex_bytes("zz"), None);
    }
}
