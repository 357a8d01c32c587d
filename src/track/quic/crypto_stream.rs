//! One direction's CRYPTO stream at one encryption level, put back in order, cut into TLS
//! handshake messages.
//!
//! CRYPTO frames carry the handshake as a byte stream with offsets (RFC 9000 section 19.6);
//! frames may come out of order or again. Data ahead of the next expected offset is held (at
//! most [`MAX_HELD`] bytes; more is dropped with a note), data already delivered is ignored,
//! and a message longer than [`handshake::MAX_MESSAGE_LEN`] ends the stream's reading.

use std::collections::BTreeMap;

use crate::dissect::tls::handshake;

/// How many out-of-order bytes one stream holds.
pub const MAX_HELD: usize = 64 * 1024;

#[derive(Debug, Default)]
pub struct CryptoStream {
    /// The offset of the next byte to deliver.
    next: u64,
    /// Out-of-order data by offset.
    held: BTreeMap<u64, Vec<u8>>,
    held_bytes: usize,
    /// The start of a message not yet complete.
    partial: Vec<u8>,
    /// Set when the stream can no longer be read (a message too long, data dropped).
    broken: bool,
}

/// What one CRYPTO frame's data gave.
#[derive(Debug, Default)]
pub struct Delivered {
    /// Handshake messages completed, whole.
    pub messages: Vec<Vec<u8>>,
    pub problem: Option<String>,
    /// Every byte of the frame had been delivered before: the peer sent it again.
    pub retransmission: bool,
}

impl CryptoStream {
    /// Takes the data of one CRYPTO frame at `offset`.
    pub fn feed(&mut self, offset: u64, data: &[u8]) -> Delivered {
        let mut delivered = Delivered::default();
        if self.broken {
            return delivered;
        }
        let end = offset.saturating_add(data.len() as u64);
        if end <= self.next {
            delivered.retransmission = true;
            return delivered;
        }
        if offset > self.next {
            if self.held_bytes + data.len() > MAX_HELD {
                self.broken = true;
                delivered.problem =
                    Some("too much CRYPTO data out of order; the rest of the handshake is not read".into());
                return delivered;
            }
            self.held_bytes += data.len();
            self.held.insert(offset, data.to_vec());
            return delivered;
        }
        let skip = (self.next - offset) as usize;
        self.take(&data[skip..], &mut delivered);
        // Held data that now follows on.
        while let Some((&at, _)) = self.held.first_key_value() {
            if at > self.next {
                break;
            }
            let Some((at, bytes)) = self.held.pop_first() else { break };
            self.held_bytes -= bytes.len();
            let end = at + bytes.len() as u64;
            if end > self.next {
                let skip = (self.next - at) as usize;
                self.take(&bytes[skip..], &mut delivered);
            }
        }
        delivered
    }

    /// The bytes held until more data comes.
    pub fn buffered(&self) -> usize {
        self.held_bytes + self.partial.len()
    }

    /// Stops reading the stream and lets go of what it holds.
    pub fn give_up(&mut self) {
        self.broken = true;
        self.held = BTreeMap::new();
        self.held_bytes = 0;
        self.partial = Vec::new();
    }

    fn take(&mut self, bytes: &[u8], delivered: &mut Delivered) {
        self.next += bytes.len() as u64;
        if self.broken {
            return;
        }
        self.partial.extend_from_slice(bytes);
        let mut used = 0;
        while let Some(len) = handshake::announced_len(&self.partial[used..]) {
            if len > handshake::MAX_MESSAGE_LEN {
                self.broken = true;
                delivered.problem = Some(format!("a handshake message of {len} bytes is over the limit"));
                self.partial.clear();
                return;
            }
            if self.partial.len() - used < len {
                break;
            }
            delivered.messages.push(self.partial[used..used + len].to_vec());
            used += len;
        }
        self.partial.drain(..used);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut bytes = vec![kind, 0, 0, body.len() as u8];
        bytes.extend_from_slice(body);
        bytes
    }

    #[test]
    fn messages_come_out_whole_whatever_the_order_and_repeats() {
        let mut stream_bytes = message(2, b"server hello");
        stream_bytes.extend(message(8, b"extensions"));
        let mut stream = CryptoStream::default();
        assert!(stream.feed(10, &stream_bytes[10..]).messages.is_empty(), "held");
        let got = stream.feed(0, &stream_bytes[..10]);
        assert_eq!(got.messages, vec![message(2, b"server hello"), message(8, b"extensions")]);
        let again = stream.feed(0, &stream_bytes[..4]);
        assert!(again.messages.is_empty() && again.retransmission, "a retransmission");
        let more = stream.feed(0, &stream_bytes);
        assert!(more.messages.is_empty() && more.retransmission, "the whole stream again");
    }

    #[test]
    fn overlapping_frames_give_each_byte_once() {
        let bytes = message(20, b"finished data!");
        let mut stream = CryptoStream::default();
        assert!(stream.feed(0, &bytes[..8]).messages.is_empty());
        assert_eq!(stream.feed(4, &bytes[4..]).messages, vec![bytes.clone()]);
    }

    #[test]
    fn held_data_is_bounded() {
        let mut stream = CryptoStream::default();
        let chunk = vec![0u8; 64 * 1024];
        for index in 1..=1 {
            assert!(stream.feed(index * 100_000, &chunk).problem.is_none());
        }
        assert!(stream.feed(900_000, &chunk).problem.is_some());
        assert!(stream.feed(0, &[1, 0, 0, 0]).messages.is_empty(), "the stream stopped");
    }
}
