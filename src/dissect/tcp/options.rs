//! TCP options.
//!
//! ```text
//! RFC 9293 section 3.1: kind(1) for End of Option List (0) and No-Operation (1),
//! otherwise kind(1) length(1, counting kind and length) data(length - 2).
//!   2 MSS (len 4, RFC 9293)            3 window scale (len 3, RFC 7323)
//!   4 SACK permitted (len 2, RFC 2018) 5 SACK (len 2 + 8n: left(4) right(4) edges)
//!   8 timestamps (len 10: TSval(4) TSecr(4), RFC 7323)
//!  34 Fast Open cookie (len 2 = cookie request, else 6..18: cookie, RFC 7413)
//! 253, 254 experimental (RFC 6994): magic(2) then data; magic 0xf989 is the pre-standard
//!     Fast Open cookie that RFC 7413 section 4.1.1 mentions.
//! ```
//! The framing is the one IPv4 uses too (`dissect::options`). Like Wireshark, the walk does not
//! stop at End of Option List: the zero bytes after it are listed too.

use super::super::error::{Error, be16, be32};
use super::super::field::{Emitter, Value};
use super::super::options::OptionList;

pub mod kind {
    pub const END: u8 = 0;
    pub const NOP: u8 = 1;
    pub const MSS: u8 = 2;
    pub const WINDOW_SCALE: u8 = 3;
    pub const SACK_PERMITTED: u8 = 4;
    pub const SACK: u8 = 5;
    pub const TIMESTAMPS: u8 = 8;
    pub const FAST_OPEN: u8 = 34;
    pub const EXPERIMENTAL_1: u8 = 253;
    pub const EXPERIMENTAL_2: u8 = 254;
}

/// The experiment identifier of the pre-standard Fast Open option.
const FAST_OPEN_MAGIC: u16 = 0xf989;

/// Walks a TCP options area that starts `offset` bytes into the header.
pub fn walk_options(area: &[u8], offset: usize) -> impl Iterator<Item = Result<TcpOption<'_>, Error>> {
    OptionList::new(area, offset)
        .map(|option| option.map(|raw| TcpOption { kind: raw.kind, bytes: raw.bytes, offset: raw.offset }))
}

/// One option, its kind and length bytes included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpOption<'a> {
    pub kind: u8,
    pub bytes: &'a [u8],
    /// Offset from the start of the TCP header.
    pub offset: usize,
}

/// A Fast Open option, in either its standard or experimental form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FastOpen<'a> {
    /// An empty option: the client asks for a cookie.
    CookieRequest,
    /// A cookie: from the server in a SYN-ACK, or from the client in a SYN with data.
    Cookie(&'a [u8]),
}

impl<'a> TcpOption<'a> {
    fn data(&self) -> &'a [u8] {
        self.bytes.get(2..).unwrap_or(&[])
    }

    pub fn mss(&self) -> Option<u16> {
        (self.kind == kind::MSS && self.bytes.len() == 4).then(|| be16(self.bytes, 2))
    }

    pub fn window_shift(&self) -> Option<u8> {
        (self.kind == kind::WINDOW_SCALE && self.bytes.len() == 3).then(|| self.bytes[2])
    }

    pub fn timestamps(&self) -> Option<(u32, u32)> {
        (self.kind == kind::TIMESTAMPS && self.bytes.len() == 10)
            .then(|| (be32(self.bytes, 2), be32(self.bytes, 6)))
    }

    /// SACK blocks as (left edge, right edge) pairs of raw sequence numbers.
    pub fn sack_blocks(&self) -> impl Iterator<Item = (u32, u32)> + 'a {
        let data = if self.kind == kind::SACK { self.data() } else { &[] };
        data.chunks_exact(8).map(|block| (be32(block, 0), be32(block, 4)))
    }

    /// The Fast Open cookie or cookie request, in the standard or experimental form.
    pub fn fast_open(&self) -> Option<FastOpen<'a>> {
        let cookie = match self.kind {
            kind::FAST_OPEN => self.data(),
            kind::EXPERIMENTAL_1 | kind::EXPERIMENTAL_2
                if self.bytes.len() >= 4 && be16(self.bytes, 2) == FAST_OPEN_MAGIC =>
            {
                &self.bytes[4..]
            }
            _ => return None,
        };
        Some(if cookie.is_empty() { FastOpen::CookieRequest } else { FastOpen::Cookie(cookie) })
    }

    /// The name Wireshark registers this option's dissector under; its field holds the
    /// option's bytes.
    pub fn protocol_name(&self) -> &'static str {
        match self.kind {
            kind::END => super::name::OPTIONS_EOL,
            kind::NOP => super::name::OPTIONS_NOP,
            kind::MSS => super::name::OPTIONS_MSS,
            kind::WINDOW_SCALE => super::name::OPTIONS_WSCALE,
            kind::SACK_PERMITTED => super::name::OPTIONS_SACK_PERM,
            kind::SACK => super::name::OPTIONS_SACK,
            kind::TIMESTAMPS => super::name::OPTIONS_TIMESTAMP,
            19 => super::name::OPTIONS_MD5,
            28 => super::name::OPTIONS_USER_TO,
            29 => super::name::OPTIONS_AO,
            30 => super::name::MPTCP,
            kind::FAST_OPEN => super::name::OPTIONS_TFO,
            kind::EXPERIMENTAL_1 | kind::EXPERIMENTAL_2 => super::name::OPTIONS_EXPERIMENTAL,
            _ => super::name::OPTIONS_UNKNOWN,
        }
    }

    /// The first SACK block, relative to `base`, when it reports data received twice (RFC 2883
    /// section 4, as tshark tells it): it ends at or before the acknowledgment number `ack`,
    /// or lies inside the second block.
    fn duplicate_sack(&self, ack: u32, base: u32) -> Option<(u32, u32)> {
        let mut blocks =
            self.sack_blocks().map(|(left, right)| (left.wrapping_sub(base), right.wrapping_sub(base)));
        let (left, right) = blocks.next()?;
        // Sequence-space order: `a` before `b` when `a - b` is negative as a 32-bit number.
        let before = |a: u32, b: u32| (a.wrapping_sub(b) as i32) < 0;
        let acknowledged = !before(ack, right);
        let inside_second = blocks.next().is_some_and(|(second_left, second_right)| {
            before(second_left, right) && !before(second_right, right)
        });
        (acknowledged || inside_second).then_some((left, right))
    }

    /// Emits this option's fields; `sack_base` makes SACK edges relative, as `tcp.seq` is, and
    /// `ack` is the segment's acknowledgment number, relative to the same base.
    pub fn fields(&self, out: &mut Emitter<'_>, sack_base: Option<u32>, ack: u32) {
        let mut out = out.nested(self.offset);
        let len = self.bytes.len();
        out.at(self.protocol_name(), 0..len, Value::Bytes(self.bytes));
        out.at(super::name::OPTION_KIND, 0..1, Value::Uint(self.kind.into()));
        if matches!(self.kind, kind::END | kind::NOP) {
            return;
        }
        out.at(super::name::OPTION_LEN, 1..2, Value::Uint(len as u64));
        if let Some(mss) = self.mss() {
            out.at(super::name::OPTIONS_MSS_VAL, 2..4, Value::Uint(mss.into()));
        } else if let Some(shift) = self.window_shift() {
            out.at(super::name::OPTIONS_WSCALE_SHIFT, 2..3, Value::Uint(shift.into()));
            let multiplier = 1u64.checked_shl(u32::from(shift.min(14))).unwrap_or(0);
            out.at(super::name::OPTIONS_WSCALE_MULTIPLIER, 2..3, Value::Uint(multiplier));
        } else if let Some((tsval, tsecr)) = self.timestamps() {
            out.at(super::name::OPTIONS_TIMESTAMP_TSVAL, 2..6, Value::Uint(tsval.into()));
            out.at(super::name::OPTIONS_TIMESTAMP_TSECR, 6..10, Value::Uint(tsecr.into()));
        } else if self.kind == kind::SACK {
            let mut count = 0;
            for (index, (left, right)) in self.sack_blocks().enumerate() {
                let at = 2 + index * 8;
                let base = sack_base.unwrap_or(0);
                out.at(super::name::OPTIONS_SACK_LE, at..at + 4, Value::Uint(left.wrapping_sub(base).into()));
                out.at(
                    super::name::OPTIONS_SACK_RE,
                    at + 4..at + 8,
                    Value::Uint(right.wrapping_sub(base).into()),
                );
                count += 1;
            }
            out.computed(super::name::OPTIONS_SACK_COUNT, Value::Uint(count));
            if let Some((left, right)) = self.duplicate_sack(ack, sack_base.unwrap_or(0)) {
                out.computed(super::name::OPTIONS_SACK_DSACK_LE, Value::Uint(left.into()));
                out.computed(super::name::OPTIONS_SACK_DSACK_RE, Value::Uint(right.into()));
            }
        }
        if matches!(self.kind, kind::EXPERIMENTAL_1 | kind::EXPERIMENTAL_2) && len >= 4 {
            out.at(super::name::OPTIONS_EXPERIMENTAL_EXID, 2..4, Value::hex16(be16(self.bytes, 2)));
        }
        match self.fast_open() {
            Some(FastOpen::CookieRequest) => out.at(super::name::OPTIONS_TFO_REQUEST, 0..len, Value::Present),
            Some(FastOpen::Cookie(cookie)) => {
                out.at(super::name::OPTIONS_TFO_COOKIE, len - cookie.len()..len, Value::Bytes(cookie));
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(bytes: &[u8]) -> Vec<Result<TcpOption<'_>, Error>> {
        walk_options(bytes, 20).collect()
    }

    #[test]
    fn a_first_sack_block_already_acknowledged_or_inside_the_second_is_a_duplicate() {
        let sack = |blocks: &[(u32, u32)]| {
            let mut bytes = vec![kind::SACK, (2 + 8 * blocks.len()) as u8];
            for (left, right) in blocks {
                bytes.extend(left.to_be_bytes());
                bytes.extend(right.to_be_bytes());
            }
            bytes
        };
        let option =
            |bytes: &[u8]| TcpOption { kind: kind::SACK, bytes, offset: 20 }.duplicate_sack(1_000, 100);
        // Relative to base 100: 598-704 lies below the acknowledgment 1000.
        assert_eq!(option(&sack(&[(698, 804)])), Some((598, 704)));
        // Above it, alone: an ordinary block.
        assert_eq!(option(&sack(&[(1_200, 1_300)])), None);
        // Above it, inside the second block: a duplicate.
        assert_eq!(option(&sack(&[(1_250, 1_300), (1_200, 1_400)])), Some((1_150, 1_200)));
        // Above it, beside the second block: not.
        assert_eq!(option(&sack(&[(1_500, 1_600), (1_200, 1_400)])), None);
    }

    #[test]
    fn reads_a_linux_syn_option_list() {
        let options = [
            2, 4, 0xff, 0xd7, // MSS 65495
            4, 2, // SACK permitted
            8, 10, 0, 0, 0, 1, 0, 0, 0, 0, // timestamps 1, 0
            1, // NOP
            3, 3, 7, // window scale 7
        ];
        let parsed: Vec<TcpOption<'_>> = walk(&options).into_iter().map(|o| o.expect("valid")).collect();
        let kinds: Vec<u8> = parsed.iter().map(|o| o.kind).collect();
        assert_eq!(kinds, [2, 4, 8, 1, 3]);
        assert_eq!(parsed[0].mss(), Some(65495));
        assert_eq!(parsed[2].timestamps(), Some((1, 0)));
        assert_eq!(parsed[4].window_shift(), Some(7));
        assert_eq!(parsed[4].offset, 20 + 17);
    }

    #[test]
    fn fast_open_in_both_forms() {
        let request = [34, 2];
        let cookie = [34, 10, 1, 2, 3, 4, 5, 6, 7, 8];
        let experimental = [254, 8, 0xf9, 0x89, 9, 8, 7, 6];
        let other_experiment = [254, 4, 0x12, 0x34];
        let first = |bytes| walk(bytes).remove(0).expect("valid").fast_open();
        assert_eq!(first(&request), Some(FastOpen::CookieRequest));
        assert_eq!(first(&cookie), Some(FastOpen::Cookie(&[1, 2, 3, 4, 5, 6, 7, 8])));
        assert_eq!(first(&experimental), Some(FastOpen::Cookie(&[9, 8, 7, 6])));
        assert_eq!(first(&other_experiment), None);
    }

    #[test]
    fn unknown_options_are_kept_and_bad_lengths_stop_the_walk() {
        let unknown = [99, 4, 0xab, 0xcd, 1];
        let parsed = walk(&unknown);
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].as_ref().map(|o| (o.kind, o.bytes.len())), Ok((99, 4)));
        assert!(matches!(walk(&[2, 1, 0, 0])[0], Err(Error::Malformed(_))));
        assert_eq!(walk(&[8, 10, 0, 0])[0], Err(Error::Truncated { needed: 6 }));
        assert_eq!(walk(&[8])[0], Err(Error::Truncated { needed: 1 }));
    }

    #[test]
    fn end_of_list_padding_is_listed_byte_by_byte() {
        let kinds: Vec<u8> = walk(&[1, 0, 0, 0]).into_iter().map(|o| o.expect("valid").kind).collect();
        assert_eq!(kinds, [1, 0, 0, 0]);
    }
}
