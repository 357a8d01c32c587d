//! The option list IPv4 and TCP share.
//!
//! ```text
//! RFC 791 section 3.1 and RFC 9293 section 3.1:
//!   kind 0 (end of option list) and kind 1 (no-operation): the kind byte alone
//!   any other kind: kind(1) length(1, counting kind and length) data(length - 2)
//! ```
//! An option whose length is below 2 or runs past the area ends the walk with an error; the
//! options before it stay readable.

use super::error::Error;

/// One option, its kind and length bytes included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawOption<'a> {
    pub kind: u8,
    pub bytes: &'a [u8],
    /// Offset of the option from the start of the header it belongs to.
    pub offset: usize,
}

const END: u8 = 0;
const NOP: u8 = 1;

/// Walks an options area.
pub struct OptionList<'a> {
    rest: &'a [u8],
    offset: usize,
}

impl<'a> OptionList<'a> {
    /// Walks `area`, which starts `offset` bytes into its header.
    pub fn new(area: &'a [u8], offset: usize) -> Self {
        Self { rest: area, offset }
    }
}

impl<'a> Iterator for OptionList<'a> {
    type Item = Result<RawOption<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let kind = *self.rest.first()?;
        let len = match (kind, self.rest.get(1)) {
            (END | NOP, _) => 1,
            (_, Some(&len)) if len >= 2 => usize::from(len),
            (_, Some(&len)) => {
                self.rest = &[];
                let reason = format!("option {kind} has length {len}, below 2");
                return Some(Err(Error::Malformed(reason.into())));
            }
            (_, None) => {
                self.rest = &[];
                return Some(Err(Error::Truncated { needed: 1 }));
            }
        };
        if len > self.rest.len() {
            let needed = len - self.rest.len();
            self.rest = &[];
            return Some(Err(Error::Truncated { needed }));
        }
        let option = RawOption { kind, bytes: &self.rest[..len], offset: self.offset };
        self.rest = &self.rest[len..];
        self.offset += len;
        Some(Ok(option))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(bytes: &[u8]) -> Vec<Result<(u8, usize, usize), Error>> {
        OptionList::new(bytes, 20).map(|o| o.map(|o| (o.kind, o.bytes.len(), o.offset))).collect()
    }

    #[test]
    fn single_byte_and_length_prefixed_options() {
        assert_eq!(
            walk(&[1, 2, 4, 0xff, 0xd7, 0, 0]),
            [Ok((1, 1, 20)), Ok((2, 4, 21)), Ok((0, 1, 25)), Ok((0, 1, 26))]
        );
    }

    #[test]
    fn impossible_lengths_end_the_walk() {
        assert!(matches!(walk(&[7, 1, 0])[0], Err(Error::Malformed(_))));
        assert_eq!(walk(&[1, 8, 10, 0, 0]), [Ok((1, 1, 20)), Err(Error::Truncated { needed: 6 })]);
        assert_eq!(walk(&[8]), [Err(Error::Truncated { needed: 1 })]);
        for cut in 0..6 {
            let options = [2, 4, 0xff, 0xd7, 1, 1];
            assert!(walk(&options[..cut]).len() <= 3, "cut at {cut}");
        }
    }
}
