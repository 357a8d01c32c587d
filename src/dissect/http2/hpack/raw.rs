//! Huffman-coded string literals rewritten as raw ones before loona-hpack reads a block.
//!
//! loona-hpack builds its Huffman decoding table (a map of maps of all 257 codes) afresh for
//! every Huffman-coded string it decodes, which cost more than the rest of HPACK together;
//! here one table per thread decodes them all, and loona-hpack is handed the same
//! representations with each string's H bit clear and its decoded octets in place.
//!
//! The invariant: loona-hpack decodes the rewritten bytes to the same fields, in the same
//! order, leaving the same dynamic table, and stops with the same error, as it would on the
//! original bytes. A representation holding a string that does not decode is left as it was,
//! with everything after it, so loona-hpack meets the bad string itself and says so.

use std::borrow::Cow;
use std::cell::RefCell;

use loona_hpack::huffman::HuffmanDecoder;

use super::{Found, Representation};

/// The longest decoded string rewritten: a length loona-hpack reads in its five octets at most
/// (about 2^28). HTTP/2 frames are shorter than 2^24, so this is never reached in practice.
const MAX_REWRITTEN: usize = 1 << 27;

/// `bytes` (the whole representations `found`, from the walk) with every Huffman-coded string
/// decoded in place; borrowed when none is Huffman-coded.
pub(super) fn without_huffman<'b>(bytes: &'b [u8], found: &[Found]) -> Cow<'b, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    // Bytes of `bytes` before this offset are already in `out`.
    let mut copied = 0;
    for representation in found {
        let Some(prefix) = name_prefix(representation.representation) else { continue };
        let at = representation.bytes.start;
        let Some(mut cursor) = bytes.get(at..).and_then(|rest| integer_len(rest, prefix)).map(|len| at + len)
        else {
            continue;
        };
        let mut strings = [None, None];
        if representation.number == 0 {
            strings[0] = Some(cursor);
            cursor = string_end(bytes, cursor).unwrap_or(bytes.len());
        }
        strings[1] = Some(cursor);
        // Decode first, so a representation with a bad string is left whole.
        let mut decoded: [Option<(usize, usize, Vec<u8>)>; 2] = [None, None];
        let mut bad = false;
        for (slot, start) in decoded.iter_mut().zip(strings) {
            let Some(start) = start else { continue };
            match huffman_string(bytes, start) {
                Some(Ok(Some((end, text)))) => *slot = Some((start, end, text)),
                Some(Ok(None)) => {}
                Some(Err(())) | None => bad = true,
            }
        }
        if bad {
            if let Some(out) = out.as_mut() {
                out.extend_from_slice(&bytes[copied..]);
                copied = bytes.len();
            }
            break;
        }
        for (start, end, text) in decoded.into_iter().flatten() {
            let out = out.get_or_insert_with(|| Vec::with_capacity(bytes.len() + bytes.len() / 2));
            out.extend_from_slice(&bytes[copied..start]);
            push_length(out, text.len());
            out.extend_from_slice(&text);
            copied = end;
        }
    }
    match out {
        None => Cow::Borrowed(bytes),
        Some(mut out) => {
            out.extend_from_slice(&bytes[copied..]);
            Cow::Owned(out)
        }
    }
}

/// The prefix of a literal's name index; `None` for representations with no string.
fn name_prefix(representation: Representation) -> Option<u8> {
    match representation {
        Representation::Indexed | Representation::SizeUpdate => None,
        Representation::IncrementalIndexedName | Representation::IncrementalNewName => Some(6),
        _ => Some(4),
    }
}

/// How many octets the integer at the start of `input` takes, with a `prefix`-bit prefix.
fn integer_len(input: &[u8], prefix: u8) -> Option<usize> {
    let mask = ((1u16 << prefix) - 1) as u8;
    if input.first()? & mask < mask {
        return Some(1);
    }
    let continuation = input.get(1..)?.iter().position(|byte| byte & 0x80 == 0)?;
    Some(continuation + 2)
}

/// An integer with a 7-bit prefix at `start`: its value and where it ends.
fn length_at(bytes: &[u8], start: usize) -> Option<(usize, usize)> {
    let input = bytes.get(start..)?;
    let len = integer_len(input, 7)?;
    let mut value = usize::from(input[0] & 0x7f);
    for (shift, byte) in input[1..len].iter().enumerate() {
        value = value.checked_add(usize::from(byte & 0x7f).checked_shl(u32::try_from(7 * shift).ok()?)?)?;
    }
    Some((value, start + len))
}

/// Where the string literal at `start` ends.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let (len, data) = length_at(bytes, start)?;
    data.checked_add(len).filter(|&end| end <= bytes.len())
}

/// The string literal at `start`: `Ok(None)` when it is raw, its end and decoded octets when
/// Huffman-coded; `Err` when those do not decode (or are too long to rewrite), `None` when
/// the walk's bytes do not hold it.
#[allow(clippy::type_complexity, reason = "a private helper's three outcomes")]
fn huffman_string(bytes: &[u8], start: usize) -> Option<Result<Option<(usize, Vec<u8>)>, ()>> {
    let huffman = bytes.get(start)? & 0x80 != 0;
    let (len, data) = length_at(bytes, start)?;
    let end = data.checked_add(len).filter(|&end| end <= bytes.len())?;
    if !huffman {
        return Some(Ok(None));
    }
    thread_local! {
        static HUFFMAN: RefCell<HuffmanDecoder> = RefCell::new(HuffmanDecoder::new());
    }
    let decoded = HUFFMAN.with(|decoder| decoder.borrow_mut().decode(&bytes[data..end]));
    Some(match decoded {
        Ok(text) if text.len() <= MAX_REWRITTEN => Ok(Some((end, text))),
        _ => Err(()),
    })
}

/// A raw string's length: H bit clear, 7-bit prefix (RFC 7541 section 5.1).
pub(super) fn push_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x7f {
        out.push(len as u8);
        return;
    }
    out.push(0x7f);
    let mut rest = len - 0x7f;
    while rest >= 0x80 {
        out.push((rest & 0x7f) as u8 | 0x80);
        rest >>= 7;
    }
    out.push(rest as u8);
}

#[cfg(test)]
mod tests {
    use super::super::walk;
    use super::*;

    fn rewritten(bytes: &[u8]) -> Vec<u8> {
        let (found, _) = walk(bytes);
        without_huffman(bytes, &found).into_owned()
    }

    #[test]
    fn huffman_strings_become_raw_and_the_rest_stays() {
        // RFC 7541 C.4.1: indexed 2, 6 and 4, then :authority (name 1) Huffman-coded.
        let c41 = [
            0x82, 0x86, 0x84, 0x41, 0x8c, 0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4,
            0xff,
        ];
        let mut expected = vec![0x82, 0x86, 0x84, 0x41, 15];
        expected.extend_from_slice(b"www.example.com");
        assert_eq!(rewritten(&c41), expected);
        // RFC 7541 C.3.1, the same without Huffman coding: borrowed as it is.
        let c31 = [0x82, 0x86, 0x84, 0x41, 0x0f];
        let (found, _) = walk(&c31);
        assert!(matches!(without_huffman(&c31, &found), Cow::Borrowed(_)));
    }

    #[test]
    fn a_new_name_and_its_value_are_both_rewritten() {
        // RFC 7541 C.4.3's custom-key: custom-value, new name, both Huffman-coded.
        let block = [
            0x40, 0x88, 0x25, 0xa8, 0x49, 0xe9, 0x5b, 0xa9, 0x7d, 0x7f, 0x89, 0x25, 0xa8, 0x49, 0xe9, 0x5b,
            0xb8, 0xe8, 0xb4, 0xbf,
        ];
        let mut expected = vec![0x40, 10];
        expected.extend_from_slice(b"custom-key");
        expected.push(12);
        expected.extend_from_slice(b"custom-value");
        assert_eq!(rewritten(&block), expected);
    }

    #[test]
    fn a_string_that_does_not_decode_is_left_with_all_after_it() {
        // An indexed field, a good Huffman value, then one of all ones (EOS in the string),
        // then an indexed field.
        let block = [
            0x82, 0x41, 0x8c, 0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff, 0x04,
            0x84, 0xff, 0xff, 0xff, 0xff, 0x83,
        ];
        let mut expected = vec![0x82, 0x41, 15];
        expected.extend_from_slice(b"www.example.com");
        expected.extend_from_slice(&block[15..]);
        assert_eq!(rewritten(&block), expected);
    }

    #[test]
    fn long_lengths_take_continuation_octets() {
        let mut out = Vec::new();
        push_length(&mut out, 1337);
        assert_eq!(length_at(&out, 0), Some((1337, out.len())));
        assert_eq!(out[0], 0x7f);
        out.clear();
        push_length(&mut out, 0x7f);
        assert_eq!(out, [0x7f, 0x00]);
    }
}
