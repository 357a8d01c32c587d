//! Where an HTTP/1.x head may end, found in bytes as they arrive, so that a head received a
//! byte at a time is not parsed again from its start for every byte.
//!
//! [`HeadScan`] remembers how far it has searched. It stops only where parsing could give a
//! new answer: while the head is still short enough to be told apart from something that is
//! not HTTP; at each of the first lines, which may be empty lines before the start line or the
//! start line itself; at a line that is empty (the end of the head); and once the head is
//! longer than the parser accepts. Each byte is searched once, and each message is parsed a
//! bounded number of times, so reading a head is linear in its length.

use crate::dissect::http1::MAX_HEAD_LEN;

/// Up to this many bytes, a head is parsed at every call: the parser may tell from them alone
/// that the stream is not HTTP.
const SHORT: usize = 64;

/// Lines that are parsed at as they end: the empty lines allowed before a start line, and the
/// start line.
const FIRST_LINES: u32 = 17;

/// How far a message's head has been searched for a place where it may end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeadScan {
    /// Bytes of the message searched so far.
    searched: usize,
    /// Line ends among them.
    lines: u32,
    /// The message's bytes when it was last looked at while short.
    short_seen: usize,
}

impl HeadScan {
    /// Searches `message` (the buffered bytes of the message, from its start) on from where
    /// the last call stopped; true at a place where the head should be parsed, after which a
    /// further call goes on searching.
    pub fn next_candidate(&mut self, message: &[u8]) -> bool {
        if message.len() <= SHORT || message.len() > MAX_HEAD_LEN {
            // Parsed once for each new length: the answer can only change with new bytes.
            if self.short_seen == message.len() {
                return false;
            }
            self.short_seen = message.len();
            self.searched = message.len();
            return true;
        }
        while self.searched < message.len() {
            let at = self.searched;
            let Some(found) = message[at..].iter().position(|&byte| byte == b'\n') else {
                self.searched = message.len();
                return false;
            };
            let end = at + found;
            self.searched = end + 1;
            self.lines += 1;
            let empty_line = matches!(&message[..end], [.., b'\n'] | [.., b'\n', b'\r']);
            if self.lines <= FIRST_LINES || empty_line {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `message` to a scan a byte at a time, and counts the places it stops.
    fn stops(message: &[u8]) -> Vec<usize> {
        let mut scan = HeadScan::default();
        let mut stops = Vec::new();
        for len in 1..=message.len() {
            while scan.next_candidate(&message[..len]) {
                stops.push(len);
            }
        }
        stops
    }

    #[test]
    fn a_long_head_is_parsed_at_its_first_lines_and_its_end_only() {
        let mut head = b"GET / HTTP/1.1\r\n".to_vec();
        for index in 0..40 {
            head.extend(format!("X-Field-{index}: some value\r\n").as_bytes());
        }
        head.extend(b"\r\n");
        let stops = stops(&head);
        // Each of the first 64 lengths, each line end after them up to the 17th, the end.
        let after_short: Vec<usize> = stops.iter().copied().filter(|&len| len > SHORT).collect();
        assert_eq!(stops.len() - after_short.len(), SHORT);
        assert!(after_short.len() <= FIRST_LINES as usize + 1, "{after_short:?}");
        assert_eq!(after_short.last(), Some(&head.len()), "the head's end is a stop");
    }

    #[test]
    fn every_byte_is_searched_once() {
        let head = [b"GET / HTTP/1.1\r\n".as_slice(), &[b'a'; 10_000]].concat();
        let mut scan = HeadScan::default();
        for len in SHORT + 1..=head.len() {
            while scan.next_candidate(&head[..len]) {}
            assert_eq!(scan.searched, len);
        }
    }
}
