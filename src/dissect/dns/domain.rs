//! Domain names inside a DNS message, with message compression.
//!
//! ```text
//! RFC 1035 section 3.1 and 4.1.4:
//!   a name is a sequence of labels, each a length octet (0 to 63) and that many octets,
//!   ended by the zero-length root label, or by a pointer to a name earlier in the message:
//!   | 1  1 |          OFFSET (14)           |
//!   a name is at most 255 octets long on the wire (its labels and their length octets).
//! ```
//! A name is read once, when the message is parsed, and checked there: every label is in the
//! message, the name is at most [`MAX_NAME_LEN`] octets, and each compression pointer points
//! before the run of labels it ends (so a pointer can never lead back to itself: the walk
//! moves strictly backwards at each jump and ends). [`Name`] then only remembers where the
//! name starts, and writes it out, labels joined by dots, each time it is displayed.

use std::fmt;

use crate::dissect::error::Error;

/// The longest name RFC 1035 allows, in wire octets.
pub const MAX_NAME_LEN: usize = 255;

const POINTER: u8 = 0xc0;

/// A checked name: where it starts in its message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Name<'a> {
    message: &'a [u8],
    start: usize,
}

/// Reads the name at `at` in `message`: the name, and the offset just after its own bytes at
/// `at` (after the first pointer, if it is compressed).
pub fn read(message: &[u8], at: usize) -> Result<(Name<'_>, usize), Error> {
    let mut position = at;
    let mut run_start = at;
    let mut end = None;
    let mut wire_len = 1;
    loop {
        let Some(&length) = message.get(position) else {
            return Err(Error::Truncated { needed: position + 1 - message.len() });
        };
        match length & POINTER {
            0 if length == 0 => {
                let end = end.unwrap_or(position + 1);
                return Ok((Name { message, start: at }, end));
            }
            0 => {
                let label_end = position + 1 + usize::from(length);
                if label_end > message.len() {
                    return Err(Error::Truncated { needed: label_end - message.len() });
                }
                wire_len += 1 + usize::from(length);
                if wire_len > MAX_NAME_LEN {
                    return Err(Error::Malformed(
                        format!("a name longer than {MAX_NAME_LEN} bytes at offset {at}").into(),
                    ));
                }
                position = label_end;
            }
            POINTER => {
                let Some(&low) = message.get(position + 1) else {
                    return Err(Error::Truncated { needed: 1 });
                };
                let target = usize::from(length & !POINTER) << 8 | usize::from(low);
                if target >= run_start {
                    return Err(Error::Malformed(
                        format!(
                            "a compression pointer at offset {position} to {target} does not point \
                             backwards (a loop)"
                        )
                        .into(),
                    ));
                }
                end.get_or_insert(position + 2);
                position = target;
                run_start = target;
            }
            _ => {
                return Err(Error::Malformed(
                    format!(
                        "label type 0x{:02x} at offset {position} is not a length or a pointer",
                        length >> 6
                    )
                    .into(),
                ));
            }
        }
    }
}

impl<'a> Name<'a> {
    /// The labels, in order, following pointers (the name was checked when read).
    pub fn labels(&self) -> Labels<'a> {
        Labels { message: self.message, position: self.start }
    }

    /// Whether the name is the root (no labels).
    pub fn is_root(&self) -> bool {
        self.labels().next().is_none()
    }

    /// How long the name is as Wireshark writes it (`<Root>` for the root).
    pub fn display_len(&self) -> usize {
        let mut len = 0;
        for (index, label) in self.labels().enumerate() {
            len += usize::from(index > 0) + label.iter().map(|&byte| escaped_len(byte)).sum::<usize>();
        }
        if len == 0 { ROOT.len() } else { len }
    }

    /// How many labels Wireshark counts: one more than the dots it writes (the root counts one).
    pub fn label_count(&self) -> usize {
        self.labels().count().max(1)
    }
}

/// The labels of a checked name.
pub struct Labels<'a> {
    message: &'a [u8],
    position: usize,
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        // A checked name moves strictly backwards at each pointer; the bound is a second guard.
        for _ in 0..MAX_NAME_LEN {
            let length = *self.message.get(self.position)?;
            if length & POINTER == POINTER {
                let low = *self.message.get(self.position + 1)?;
                self.position = usize::from(length & !POINTER) << 8 | usize::from(low);
                continue;
            }
            if length == 0 {
                return None;
            }
            let start = self.position + 1;
            let label = self.message.get(start..start + usize::from(length))?;
            self.position = start + usize::from(length);
            return Some(label);
        }
        None
    }
}

const ROOT: &str = "<Root>";

fn escaped_len(byte: u8) -> usize {
    if is_shown(byte) { 1 } else { 4 }
}

fn is_shown(byte: u8) -> bool {
    byte.is_ascii_graphic() || byte == b' '
}

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut empty = true;
        for label in self.labels() {
            if !empty {
                f.write_str(".")?;
            }
            empty = false;
            for &byte in label {
                if is_shown(byte) {
                    fmt::Write::write_char(f, char::from(byte))?;
                } else {
                    write!(f, "\\{byte:03o}")?;
                }
            }
        }
        if empty { f.write_str(ROOT) } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_and_a_compressed_one_read_the_same() {
        let message = [
            7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 4, b't', b'e', b's', b't', 0, // at 0
            3, b'w', b'w', b'w', 0xc0, 0, // at 14: "www" then a pointer to 0
        ];
        let (name, end) = read(&message, 0).expect("a whole name");
        assert_eq!((name.to_string(), end), ("example.test".to_owned(), 14));
        let (www, end) = read(&message, 14).expect("a compressed name");
        assert_eq!((www.to_string(), end), ("www.example.test".to_owned(), 20));
        assert_eq!((www.display_len(), www.label_count()), (16, 3));
    }

    #[test]
    fn the_root_is_written_as_wireshark_writes_it() {
        let (root, end) = read(&[0], 0).expect("the root");
        assert_eq!(
            (root.to_string(), end, root.display_len(), root.label_count()),
            ("<Root>".into(), 1, 6, 1)
        );
        assert!(root.is_root());
    }

    #[test]
    fn a_compression_loop_is_malformed() {
        // "a" then a pointer back to the "a": a name that would never end.
        let message = [1, b'a', 0xc0, 0];
        let error = read(&message, 0).expect_err("a loop");
        assert!(error.to_string().contains("does not point backwards"), "{error}");
        // A pointer to itself.
        let error = read(&[0xc0, 0], 0).expect_err("a pointer to itself");
        assert!(matches!(error, Error::Malformed(_)));
        // Two names pointing at each other: the second jump goes forwards again.
        let message = [0xc0, 2, 0xc0, 0];
        assert!(matches!(read(&message, 2), Err(Error::Malformed(_))));
    }

    #[test]
    fn a_name_over_255_bytes_is_malformed() {
        // Five labels of 63 bytes: 5 * 64 + 1 = 321 bytes.
        let mut message = Vec::new();
        for _ in 0..5 {
            message.push(63);
            message.extend([b'x'; 63]);
        }
        message.push(0);
        let error = read(&message, 0).expect_err("too long");
        assert!(error.to_string().contains("longer than 255 bytes"), "{error}");
        // Four such labels and the root make 257, also too long; three make 193.
        let three = [&message[..3 * 64], &[0]].concat();
        assert!(read(&three, 0).is_ok());
    }

    #[test]
    fn a_name_grown_long_through_pointers_is_malformed() {
        // A 63-byte label at 0, then names that each add one more such label before a pointer
        // to the previous: the fifth is over 255 bytes once the pointers are followed.
        let mut message = vec![63];
        message.extend([b'a'; 63]);
        message.push(0);
        let mut previous = 0usize;
        for _ in 0..4 {
            let here = message.len();
            message.push(63);
            message.extend([b'b'; 63]);
            message.extend([0xc0 | (previous >> 8) as u8, previous as u8]);
            previous = here;
        }
        assert!(matches!(read(&message, previous), Err(Error::Malformed(_))));
    }

    #[test]
    fn every_truncation_is_reported() {
        let message = [3, b'w', b'w', b'w', 0];
        for cut in 0..message.len() {
            assert!(matches!(read(&message[..cut], 0), Err(Error::Truncated { .. })), "cut at {cut}");
        }
        assert!(matches!(read(&[1, b'a', 0xc0], 3), Err(Error::Truncated { .. })));
    }

    #[test]
    fn an_unknown_label_type_is_malformed() {
        assert!(matches!(read(&[0x41, 0], 0), Err(Error::Malformed(_))));
    }
}
