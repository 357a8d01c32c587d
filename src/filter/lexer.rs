//! Splits a display filter into tokens, each with the column it starts at.

use super::FilterError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    /// `in`, before a set of values.
    In,
    /// `{` and `}`, around a set of values.
    SetOpen,
    SetClose,
    /// `,` between a set's values.
    Comma,
    Op(Op),
    /// A field name or an unquoted literal: a number, address, byte string or word.
    Word(String),
    /// A double-quoted string, escapes resolved.
    Quoted(String),
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Contains,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Eq => "==",
            Self::Ne => "!=",
            Self::Gt => ">",
            Self::Lt => "<",
            Self::Ge => ">=",
            Self::Le => "<=",
            Self::Contains => "contains",
        }
    }
}

/// A token and its 1-based column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned {
    pub token: Token,
    pub column: usize,
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '/' | '-' | '+')
}

pub fn tokenize(text: &str) -> Result<Vec<Spanned>, FilterError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        let column = at + 1;
        let next = chars.get(at + 1).copied();
        let (token, width) = match (c, next) {
            (c, _) if c.is_whitespace() => {
                at += 1;
                continue;
            }
            ('(', _) => (Token::Open, 1),
            (')', _) => (Token::Close, 1),
            ('{', _) => (Token::SetOpen, 1),
            ('}', _) => (Token::SetClose, 1),
            (',', _) => (Token::Comma, 1),
            ('&', Some('&')) => (Token::And, 2),
            ('|', Some('|')) => (Token::Or, 2),
            ('=', Some('=')) => (Token::Op(Op::Eq), 2),
            ('!', Some('=')) => (Token::Op(Op::Ne), 2),
            ('>', Some('=')) => (Token::Op(Op::Ge), 2),
            ('<', Some('=')) => (Token::Op(Op::Le), 2),
            ('!', _) => (Token::Not, 1),
            ('>', _) => (Token::Op(Op::Gt), 1),
            ('<', _) => (Token::Op(Op::Lt), 1),
            ('"', _) => {
                let (text, width) = quoted(&chars[at..], column)?;
                (Token::Quoted(text), width)
            }
            (c, _) if is_word_char(c) => {
                let width = chars[at..].iter().take_while(|c| is_word_char(**c)).count();
                let word: String = chars[at..at + width].iter().collect();
                let token = match word.as_str() {
                    "and" => Token::And,
                    "or" => Token::Or,
                    "not" => Token::Not,
                    "in" => Token::In,
                    "eq" => Token::Op(Op::Eq),
                    "ne" => Token::Op(Op::Ne),
                    "gt" => Token::Op(Op::Gt),
                    "lt" => Token::Op(Op::Lt),
                    "ge" => Token::Op(Op::Ge),
                    "le" => Token::Op(Op::Le),
                    "contains" => Token::Op(Op::Contains),
                    _ => Token::Word(word),
                };
                (token, width)
            }
            ('=', _) => return Err(FilterError::new(column, "'=' is not an operator; use '=='")),
            ('&', _) => return Err(FilterError::new(column, "'&' is not an operator; use '&&'")),
            ('|', _) => return Err(FilterError::new(column, "'|' is not an operator; use '||'")),
            (c, _) => {
                return Err(FilterError::new(column, format!("unexpected character '{c}'")));
            }
        };
        tokens.push(Spanned { token, column });
        at += width;
    }
    Ok(tokens)
}

/// Reads a double-quoted string starting at `chars[0]`; returns it and the characters used.
fn quoted(chars: &[char], column: usize) -> Result<(String, usize), FilterError> {
    let mut text = String::new();
    let mut at = 1;
    loop {
        match chars.get(at) {
            None => return Err(FilterError::new(column, "this string is never closed")),
            Some('"') => return Ok((text, at + 1)),
            Some('\\') => {
                let escaped = chars.get(at + 1).copied();
                match escaped {
                    Some('n') => text.push('\n'),
                    Some('t') => text.push('\t'),
                    Some('r') => text.push('\r'),
                    Some('x') => {
                        let hex: String = chars.iter().skip(at + 2).take(2).collect();
                        let byte = u8::from_str_radix(&hex, 16)
                            .map_err(|_| FilterError::new(column + at, "\\x needs two hex digits"))?;
                        text.push(char::from(byte));
                        at += 2;
                    }
                    Some(other) => text.push(other),
                    None => return Err(FilterError::new(column, "this string is never closed")),
                }
                at += 2;
            }
            Some(&c) => {
                text.push(c);
                at += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<Token> {
        tokenize(text).expect("valid").into_iter().map(|s| s.token).collect()
    }

    #[test]
    fn splits_operators_words_and_strings() {
        assert_eq!(
            tokens("ip.addr == 10.0.0.1 && !(tcp.port!=443) or frame contains \"a\\\"b\""),
            [
                Token::Word("ip.addr".into()),
                Token::Op(Op::Eq),
                Token::Word("10.0.0.1".into()),
                Token::And,
                Token::Not,
                Token::Open,
                Token::Word("tcp.port".into()),
                Token::Op(Op::Ne),
                Token::Word("443".into()),
                Token::Close,
                Token::Or,
                Token::Word("frame".into()),
                Token::Op(Op::Contains),
                Token::Quoted("a\"b".into()),
            ]
        );
    }

    #[test]
    fn reports_the_column_of_a_bad_character() {
        assert_eq!(
            tokenize("tcp.port = 80").err(),
            Some(FilterError::new(10, "'=' is not an operator; use '=='"))
        );
        assert_eq!(tokenize("a \"open").err().map(|e| e.column), Some(3));
        assert_eq!(tokenize("tcp ; udp").err().map(|e| e.column), Some(5));
    }
}
