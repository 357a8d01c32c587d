//! DNS over TCP read as a stream (RFC 7766 section 8): each direction's bytes, in order, cut
//! into messages by their two-byte length, whatever the segments' boundaries. A segment may
//! hold several messages, the end of one and the start of the next, or only a piece of one;
//! a message that spans segments is put together and reported on the segment that completes
//! it, with the frames that gave its bytes (`tcp.segment`), as Wireshark reports it.
//!
//! DNS over TLS is read the same way from the plaintext of each record ([`DnsStream::feed_record`]):
//! a message may span records, and a record may hold several.
//!
//! A message whole inside one segment is read in place; only a message that spans segments is
//! copied, at most its two-byte length plus 65,535 bytes, into a buffer of its direction, so
//! what a connection holds here is bounded by the largest message the protocol allows. Bytes
//! the capture lost (a gap) end the message they fell in: reading starts again at the next
//! segment, as after any loss.

use std::ops::Range;

use crate::track::stream::Chunk;

/// The longest framed message: its two-byte length and the most that length can say.
pub const MAX_FRAMED: usize = 2 + u16::MAX as usize;

/// Where a message is: in the segment's payload, or put together in the stream arena.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    Payload(Range<usize>),
    Stream(Range<usize>),
}

/// One framed message a segment completed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Framed {
    pub place: Place,
    /// The frames that gave its bytes, and how many each gave; empty when it came whole.
    pub segments: Vec<(u64, usize)>,
}

/// What one segment gave the stream.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Fed {
    pub messages: Vec<Framed>,
    /// The bytes of the segment that end a message begun in an earlier one.
    pub pdu_head: Option<Range<usize>>,
    /// The bytes of the segment that begin a message a later one completes.
    pub pdu_tail: Option<Range<usize>>,
}

/// One direction's message in the making.
#[derive(Clone, Debug, Default)]
struct Direction {
    pending: Vec<u8>,
    segments: Vec<(u64, usize)>,
}

/// Both directions of a DNS connection.
#[derive(Clone, Debug, Default)]
pub struct DnsStream {
    directions: [Direction; 2],
}

impl Direction {
    /// How many more bytes the message in the making needs: first its length, then its body.
    fn needed(&self) -> usize {
        match self.pending.as_slice() {
            [high, low, ..] => {
                (2 + usize::from(u16::from_be_bytes([*high, *low]))).saturating_sub(self.pending.len())
            }
            short => 2 - short.len(),
        }
    }

    fn give_up(&mut self) {
        self.pending = Vec::new();
        self.segments.clear();
    }

    /// Takes `bytes` from `frame`, at `in_payload` in the segment's payload when they are the
    /// segment's own (a held segment's bytes are not).
    fn take(
        &mut self,
        frame: u64,
        bytes: &[u8],
        in_payload: Option<usize>,
        arena: &mut Vec<u8>,
        fed: &mut Fed,
    ) {
        let mut at = 0;
        while !self.pending.is_empty() && at < bytes.len() {
            let taken = self.needed().min(bytes.len() - at);
            self.pending.extend_from_slice(&bytes[at..at + taken]);
            match self.segments.last_mut() {
                Some((last, len)) if *last == frame => *len += taken,
                _ => self.segments.push((frame, taken)),
            }
            at += taken;
            if self.needed() == 0 {
                let start = arena.len();
                arena.extend_from_slice(&self.pending);
                let segments = std::mem::take(&mut self.segments);
                fed.messages.push(Framed { place: Place::Stream(start..arena.len()), segments });
                self.pending = Vec::new();
                if let Some(offset) = in_payload {
                    fed.pdu_head = Some(offset..offset + at);
                }
            }
        }
        if at == bytes.len() {
            if !self.pending.is_empty()
                && let Some(offset) = in_payload
            {
                // The whole segment belongs to a message still in the making.
                if fed.pdu_head.is_none() {
                    fed.pdu_tail = Some(offset..offset + bytes.len());
                }
            }
            return;
        }
        while at < bytes.len() {
            let rest = &bytes[at..];
            let whole = match rest {
                [high, low, ..] => 2 + usize::from(u16::from_be_bytes([*high, *low])),
                _ => usize::MAX,
            };
            if whole > rest.len() {
                self.pending = rest.to_vec();
                self.segments = vec![(frame, rest.len())];
                if let Some(offset) = in_payload {
                    fed.pdu_tail = Some(offset + at..offset + bytes.len());
                }
                return;
            }
            let place = match in_payload {
                Some(offset) => Place::Payload(offset + at..offset + at + whole),
                None => {
                    let start = arena.len();
                    arena.extend_from_slice(&rest[..whole]);
                    Place::Stream(start..arena.len())
                }
            };
            fed.messages.push(Framed { place, segments: Vec::new() });
            at += whole;
        }
    }
}

impl DnsStream {
    /// Reads what one segment of direction `dir` delivered, in order (`chunks`, from the
    /// reassembly); messages put together are copied into `arena`.
    pub fn feed(
        &mut self,
        dir: usize,
        frame: u64,
        chunks: &[Chunk],
        payload: &[u8],
        arena: &mut Vec<u8>,
    ) -> Fed {
        let mut fed = Fed::default();
        let Some(direction) = self.directions.get_mut(dir) else { return fed };
        for chunk in chunks {
            match chunk {
                Chunk::Gap(_) => direction.give_up(),
                Chunk::Held { frame, bytes } => direction.take(*frame, bytes, None, arena, &mut fed),
                Chunk::Segment { start, len } => {
                    let Some(bytes) = payload.get(*start..start + len) else { continue };
                    direction.take(frame, bytes, Some(*start), arena, &mut fed);
                }
            }
        }
        fed
    }

    /// Reads the plaintext of one TLS record of direction `dir` (DNS over TLS, RFC 7858: the
    /// same framing, across records as across segments), which sits at `at` in the decrypted
    /// arena: messages whole in it are placed there, those put together are copied to
    /// `arena`, the same decrypted arena, so every place is in it.
    ///
    /// A message put together lists each record that gave bytes, two records of one frame
    /// apart, and, as Wireshark counts it, the record that completes it with all its plaintext
    /// (what follows the message is read again, as the start of the next).
    pub fn feed_record(
        &mut self,
        dir: usize,
        frame: u64,
        plaintext: &[u8],
        at: usize,
        arena: &mut Vec<u8>,
    ) -> Fed {
        let mut fed = Fed::default();
        let Some(direction) = self.directions.get_mut(dir) else { return fed };
        let continues = !direction.pending.is_empty() && !plaintext.is_empty();
        if continues {
            direction.segments.push((frame, 0));
        }
        direction.take(frame, plaintext, Some(at), arena, &mut fed);
        if continues
            && let Some(first) = fed.messages.first_mut()
            && let Some((_, len)) = first.segments.last_mut()
        {
            *len = plaintext.len();
            // And the piece it shows for the record ending the message is the whole record.
            if let Some(head) = &mut fed.pdu_head {
                head.end = at + plaintext.len();
            }
        }
        fed
    }

    /// Gives up the message in the making of direction `dir`: bytes of it were lost.
    pub fn gap(&mut self, dir: usize) {
        if let Some(direction) = self.directions.get_mut(dir) {
            direction.give_up();
        }
    }

    /// What it holds: the messages in the making.
    pub fn cost(&self) -> usize {
        self.directions
            .iter()
            .map(|direction| direction.pending.capacity() + direction.segments.capacity() * 16)
            .sum()
    }

    /// Whether a message is in the making.
    pub fn buffered(&self) -> bool {
        self.directions.iter().any(|direction| !direction.pending.is_empty())
    }

    /// Gives up the messages in the making; reading goes on as after a gap.
    pub fn shed(&mut self) {
        for direction in &mut self.directions {
            direction.give_up();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A framed message of `len` body bytes, each `fill`.
    fn framed(len: u16, fill: u8) -> Vec<u8> {
        let mut bytes = len.to_be_bytes().to_vec();
        bytes.extend(std::iter::repeat_n(fill, usize::from(len)));
        bytes
    }

    fn whole(payload: &[u8]) -> Vec<Chunk> {
        vec![Chunk::Segment { start: 0, len: payload.len() }]
    }

    #[test]
    fn messages_whole_in_one_segment_are_read_in_place() {
        let mut stream = DnsStream::default();
        let mut arena = Vec::new();
        let mut payload = framed(12, 1);
        payload.extend(framed(20, 2));
        let fed = stream.feed(0, 1, &whole(&payload), &payload, &mut arena);
        let places: Vec<Place> = fed.messages.iter().map(|message| message.place.clone()).collect();
        assert_eq!(places, [Place::Payload(0..14), Place::Payload(14..36)]);
        assert_eq!((fed.pdu_head, fed.pdu_tail), (None, None));
        assert!(arena.is_empty(), "nothing copied");
    }

    #[test]
    fn a_message_across_three_segments_is_put_together_on_the_last() {
        let mut stream = DnsStream::default();
        let mut arena = Vec::new();
        let message = framed(100, 7);
        let mut next = framed(12, 9);
        // Frame 1: the length and 39 bytes; frame 2: 40 more; frame 3: the last 21, then the
        // first 5 bytes of the next message.
        let first = &message[..41];
        let fed = stream.feed(1, 1, &whole(first), first, &mut arena);
        assert_eq!((fed.messages.len(), fed.pdu_head, fed.pdu_tail), (0, None, Some(0..41)));
        let second = &message[41..81];
        let fed = stream.feed(1, 2, &whole(second), second, &mut arena);
        assert_eq!((fed.messages.len(), fed.pdu_head, fed.pdu_tail), (0, None, Some(0..40)));
        let mut third = message[81..].to_vec();
        third.extend(next.drain(..5));
        let fed = stream.feed(1, 3, &whole(&third), &third, &mut arena);
        assert_eq!(
            fed.messages,
            [Framed { place: Place::Stream(0..102), segments: vec![(1, 41), (2, 40), (3, 21)] }]
        );
        assert_eq!((fed.pdu_head, fed.pdu_tail), (Some(0..21), Some(21..26)));
        assert_eq!(arena, message);
        assert!(stream.buffered());
        let fed = stream.feed(1, 4, &whole(&next), &next, &mut arena);
        assert_eq!(fed.messages[0].segments, [(3, 5), (4, 9)]);
        assert!(!stream.buffered());
        assert_eq!(
            stream.feed(0, 5, &[], &[], &mut arena),
            Fed::default(),
            "the other direction has nothing"
        );
    }

    #[test]
    fn a_cut_inside_the_length_waits_for_its_second_byte() {
        let mut stream = DnsStream::default();
        let mut arena = Vec::new();
        let message = framed(300, 3);
        let fed = stream.feed(0, 1, &whole(&message[..1]), &message[..1], &mut arena);
        assert_eq!(fed.pdu_tail, Some(0..1));
        let fed = stream.feed(0, 2, &whole(&message[1..]), &message[1..], &mut arena);
        assert_eq!(fed.messages[0].segments, [(1, 1), (2, 301)]);
    }

    #[test]
    fn a_gap_gives_up_the_message_it_fell_in() {
        let mut stream = DnsStream::default();
        let mut arena = Vec::new();
        let message = framed(50, 3);
        stream.feed(0, 1, &whole(&message[..10]), &message[..10], &mut arena);
        let next = framed(12, 4);
        let chunks = vec![Chunk::Gap(42), Chunk::Segment { start: 0, len: next.len() }];
        let fed = stream.feed(0, 2, &chunks, &next, &mut arena);
        assert_eq!(fed.messages, [Framed { place: Place::Payload(0..14), segments: Vec::new() }]);
        assert!(!stream.buffered());
    }

    #[test]
    fn a_message_across_tls_records_lists_each_record_the_last_one_whole() {
        let mut stream = DnsStream::default();
        // The decrypted arena: two records' plaintext already in it, at 0 and at 100.
        let mut arena = vec![0u8; 200];
        let first = framed(34, 5);
        let mut next = framed(30, 6);
        // Record 1 (frame 19): one byte of the length, at 0.
        let fed = stream.feed_record(0, 19, &first[..1], 0, &mut arena);
        assert!(fed.messages.is_empty());
        assert!(stream.buffered());
        // Record 2 (frame 21): the rest of the message, then 7 bytes of the next, at 100.
        let mut second = first[1..].to_vec();
        second.extend(next.drain(..7));
        let fed = stream.feed_record(0, 21, &second, 100, &mut arena);
        assert_eq!(
            fed.messages,
            [Framed { place: Place::Stream(200..236), segments: vec![(19, 1), (21, 42)] }]
        );
        assert_eq!(arena[200..], first);
        // Record 3 (frame 21 too): the rest of the next message, a record of its own.
        let fed = stream.feed_record(0, 21, &next, 300, &mut arena);
        assert_eq!(fed.messages[0].segments, [(21, 7), (21, 25)]);
        assert!(!stream.buffered());
        // Two messages in one record are read in place, where the record's plaintext is.
        let mut both = framed(12, 1);
        both.extend(framed(20, 2));
        let fed = stream.feed_record(1, 28, &both, 400, &mut arena);
        let places: Vec<Place> = fed.messages.iter().map(|message| message.place.clone()).collect();
        assert_eq!(places, [Place::Payload(400..414), Place::Payload(414..436)]);
    }

    #[test]
    fn a_lost_stretch_gives_up_the_message_of_its_direction_only() {
        let mut stream = DnsStream::default();
        let mut arena = Vec::new();
        let message = framed(40, 1);
        stream.feed_record(0, 1, &message[..10], 0, &mut arena);
        stream.feed_record(1, 2, &message[..10], 10, &mut arena);
        stream.gap(0);
        assert!(stream.directions[0].pending.is_empty());
        let fed = stream.feed_record(1, 3, &message[10..], 20, &mut arena);
        assert_eq!(fed.messages[0].segments, [(2, 10), (3, 32)]);
    }

    #[test]
    fn what_a_direction_holds_is_bounded_by_the_longest_message() {
        let mut stream = DnsStream::default();
        let mut arena = Vec::new();
        let mut sent = 0usize;
        for frame in 0..200u64 {
            let payload = [0xffu8; 1000];
            let fed = stream.feed(0, frame, &whole(&payload), &payload, &mut arena);
            sent += payload.len();
            assert!(stream.directions[0].pending.len() <= MAX_FRAMED);
            if sent >= MAX_FRAMED {
                assert!(!fed.messages.is_empty() || stream.directions[0].pending.len() < MAX_FRAMED);
            }
        }
        assert!(arena.len() >= MAX_FRAMED, "complete messages were put together and handed on");
    }
}
