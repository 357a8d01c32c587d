//! TCP segment headers.
//!
//! ```text
//! RFC 9293 section 3.1:
//! |          Source Port          |       Destination Port        |
//! |                        Sequence Number                        |
//! |                    Acknowledgment Number                      |
//! |  DOff | Rsrvd |C|E|U|A|P|R|S|F|            Window             |
//! |           Checksum            |         Urgent Pointer        |
//! |                    Options (DOff * 4 - 20)                    |
//! (RFC 3540 gave the last reserved bit to the nonce sum, NS, which Wireshark still shows.)
//! ```
//! The segment length is what the IP header says follows the TCP header, captured or not.
//! Relative sequence numbers, stream numbers and retransmission analysis need the segments
//! before this one; `track` computes them into an [`Analysis`] that the fields then show.

pub mod name;
pub mod options;
pub mod seq;

use std::fmt;

use super::error::{Error, IResult, be16, be32, take_bytes};
use super::field::{Emitter, Value, write_decimal};
use crate::dissect::{LayerHeader, Tracked};
use crate::osi::Protocol;
pub use options::{FastOpen, TcpOption};

pub const MIN_HEADER_LEN: usize = 20;

mod field {
    use std::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const SEQ: Range<usize> = 4..8;
    pub const ACK: Range<usize> = 8..12;
    pub const OFFSET_FLAGS: Range<usize> = 12..14;
    pub const WINDOW: Range<usize> = 14..16;
    pub const CHECKSUM: Range<usize> = 16..18;
    pub const URGENT: Range<usize> = 18..20;
}

/// Flag bits of the 12-bit flags field.
pub mod flag {
    pub const FIN: u16 = 0x001;
    pub const SYN: u16 = 0x002;
    pub const RST: u16 = 0x004;
    pub const PSH: u16 = 0x008;
    pub const ACK: u16 = 0x010;
    pub const URG: u16 = 0x020;
    pub const ECE: u16 = 0x040;
    pub const CWR: u16 = 0x080;
    pub const NS: u16 = 0x100;
    pub const RESERVED: u16 = 0xe00;
}

/// A TCP header and the segment data after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    bytes: &'a [u8],
    /// The captured part of the segment data.
    pub payload: &'a [u8],
    /// Segment bytes the IP header promises but the capture does not hold.
    pub missing: usize,
}

/// Parses a header; `missing` is how many bytes of the IP payload the capture lacks.
pub fn parse(input: &[u8], missing: usize) -> IResult<'_, Header<'_>> {
    let (_, fixed) = take_bytes(MIN_HEADER_LEN)(input)?;
    let header_len = usize::from(fixed[field::OFFSET_FLAGS.start] >> 4) * 4;
    if header_len < MIN_HEADER_LEN {
        return Err(Error::malformed(format!("header length {header_len} is below the 20-byte minimum")));
    }
    let (payload, bytes) = take_bytes(header_len)(input)?;
    Ok((&[], Header { bytes, payload, missing }))
}

/// What stream tracking learned about a segment, filled in by `track`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Analysis {
    /// The conversation's number, from 0 in order of first appearance (`tcp.stream`).
    pub stream: u32,
    /// The sender's initial sequence number, subtracted to make `tcp.seq` relative.
    pub seq_base: u32,
    /// The receiver's initial sequence number, subtracted to make `tcp.ack` relative.
    pub ack_base: u32,
    pub time_relative_ns: i64,
    pub time_delta_ns: i64,
    pub window: WindowScaling,
    /// Bits of [`analysis`].
    pub flags: u16,
    /// Which parts of a connection's life were seen before this segment, as Wireshark's
    /// `tcp.completeness` bits: 1 SYN, 2 SYN-ACK, 4 ACK, 8 data, 16 FIN, 32 RST.
    pub completeness: u8,
    /// For a duplicate ACK: how many in a row so far, and the frame of the ACK it repeats.
    pub duplicate_of: Option<(u32, u64)>,
    /// Whether Wireshark keeps a sequence-analysis record for the segment (`tcp.analysis`):
    /// it has an analysis flag, acknowledges a segment exactly, or sends data whose bytes in
    /// flight were counted. The initial RTT is shown only on such segments.
    pub analysed: bool,
    /// The segment this one acknowledges exactly (the one that ended at its acknowledgment
    /// number), and the nanoseconds since it was sent: `tcp.analysis.acks_frame` and
    /// `tcp.analysis.ack_rtt`. Wireshark leaves out an RTT of zero.
    pub acks: Option<(u64, i64)>,
    /// For a retransmission, the frame its timeout is counted from (the eldest segment not yet
    /// acknowledged) and the nanoseconds since: `tcp.analysis.rto_frame` and
    /// `tcp.analysis.rto`. Wireshark leaves out a timeout of zero.
    pub rto: Option<(u64, i64)>,
    /// From the conversation's last SYN to its first ACK without SYN (`tcp.analysis.initial_rtt`).
    pub initial_rtt_ns: Option<i64>,
    /// Bytes sent and not yet acknowledged once this segment left, and bytes sent since the
    /// last segment with PSH (`tcp.analysis.bytes_in_flight`, `tcp.analysis.push_bytes_sent`).
    pub in_flight: Option<(u32, u32)>,
    /// Payload bytes (start, end) that finished a protocol data unit begun in earlier segments.
    /// A segment's payload fits in 16 bits (an IP datagram does), which keeps every layer small.
    pub pdu_head: Option<(u16, u16)>,
    /// Payload bytes that begin or continue a protocol data unit finished later.
    pub pdu_tail: Option<(u16, u16)>,
    /// The size of each message the segment completes that its protocol frames by a length of
    /// its own (an HTTP/2 frame or the connection preface, a WebSocket frame, a DNS message
    /// over TCP), in order: Wireshark's `tcp.pdu.size`, which its `tcp_dissect_pdus` adds for
    /// each such message it finds whole, however many segments gave it.
    pub pdu_sizes: Vec<u32>,
}

/// What is known of the window scale that applies to a segment's window field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WindowScaling {
    /// The handshake was not seen.
    #[default]
    Unknown,
    /// The handshake did not agree on scaling, or this is a SYN (never scaled).
    NotUsed,
    /// The window field is shifted left this many bits.
    Shift(u8),
}

/// Bits of [`Analysis::flags`]: what the sequence analysis concluded.
pub mod analysis {
    pub const RETRANSMISSION: u16 = 1 << 0;
    pub const FAST_RETRANSMISSION: u16 = 1 << 1;
    pub const SPURIOUS_RETRANSMISSION: u16 = 1 << 2;
    pub const OUT_OF_ORDER: u16 = 1 << 3;
    pub const LOST_SEGMENT: u16 = 1 << 4;
    pub const DUPLICATE_ACK: u16 = 1 << 5;
    pub const KEEP_ALIVE: u16 = 1 << 6;
    pub const WINDOW_UPDATE: u16 = 1 << 7;
    pub const ZERO_WINDOW: u16 = 1 << 8;
    pub const PORTS_REUSED: u16 = 1 << 9;
    pub const ZERO_WINDOW_PROBE: u16 = 1 << 10;
    pub const ZERO_WINDOW_PROBE_ACK: u16 = 1 << 11;
    pub const KEEP_ALIVE_ACK: u16 = 1 << 12;
    pub const ACK_LOST_SEGMENT: u16 = 1 << 13;
    pub const WINDOW_FULL: u16 = 1 << 14;
}

impl<'a> Header<'a> {
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    pub fn src_port(&self) -> u16 {
        be16(self.bytes, field::SRC_PORT.start)
    }

    pub fn dst_port(&self) -> u16 {
        be16(self.bytes, field::DST_PORT.start)
    }

    pub fn seq(&self) -> u32 {
        be32(self.bytes, field::SEQ.start)
    }

    pub fn ack(&self) -> u32 {
        be32(self.bytes, field::ACK.start)
    }

    pub fn header_len(&self) -> usize {
        self.bytes.len()
    }

    /// The 12 flag bits, reserved bits and NS included.
    pub fn flags(&self) -> u16 {
        be16(self.bytes, field::OFFSET_FLAGS.start) & 0x0fff
    }

    pub fn has(&self, bits: u16) -> bool {
        self.flags() & bits == bits
    }

    pub fn window(&self) -> u16 {
        be16(self.bytes, field::WINDOW.start)
    }

    pub fn checksum(&self) -> u16 {
        be16(self.bytes, field::CHECKSUM.start)
    }

    pub fn urgent_pointer(&self) -> u16 {
        be16(self.bytes, field::URGENT.start)
    }

    /// The segment's data length (`tcp.len`), captured or not.
    pub fn segment_len(&self) -> usize {
        self.payload.len() + self.missing
    }

    /// How much sequence space the segment uses: its data, plus one for SYN and for FIN.
    pub fn sequence_len(&self) -> u32 {
        let mut len = self.segment_len() as u32;
        if self.has(flag::SYN) {
            len = len.wrapping_add(1);
        }
        if self.has(flag::FIN) {
            len = len.wrapping_add(1);
        }
        len
    }

    pub fn options(&self) -> impl Iterator<Item = Result<TcpOption<'a>, Error>> + 'a {
        options::walk_options(&self.bytes[MIN_HEADER_LEN..], MIN_HEADER_LEN)
    }

    /// Why the options could not all be read, if they could not.
    pub fn options_problem(&self) -> Option<String> {
        self.options().find_map(Result::err).map(|error| format!("TCP options {error}"))
    }

    /// The window scale shift this segment's options announce.
    pub fn window_shift(&self) -> Option<u8> {
        self.options().map_while(Result::ok).find_map(|option| option.window_shift())
    }

    /// The Fast Open option, if the segment carries one.
    pub fn fast_open(&self) -> Option<FastOpen<'a>> {
        self.options().map_while(Result::ok).find_map(|option| option.fast_open())
    }

    /// Emits the header's fields. A header quoted in an ICMP error is shown as Wireshark shows
    /// one: numbers as they are, with no segment length, analysis or payload (and, quoted by
    /// ICMPv6, with the raw sequence number repeated as Wireshark repeats it).
    pub fn fields(&self, out: &mut Emitter<'_>, analysis: Option<&Analysis>, quoted_by: Option<Protocol>) {
        let quoted = quoted_by.is_some();
        let (src, dst) = (self.src_port(), self.dst_port());
        out.at(name::SRCPORT, field::SRC_PORT, Value::Uint(src.into()));
        out.at(name::DSTPORT, field::DST_PORT, Value::Uint(dst.into()));
        out.at(name::PORT, field::SRC_PORT, Value::Uint(src.into()));
        out.at(name::PORT, field::DST_PORT, Value::Uint(dst.into()));
        // Quoted by ICMP, the number comes before the stream's fields; by ICMPv6, after them.
        if quoted_by == Some(Protocol::Icmp) {
            out.at(name::SEQ, field::SEQ, Value::Uint(self.seq().into()));
        }
        if let Some(analysis) = analysis {
            out.computed(name::STREAM, Value::Uint(analysis.stream.into()));
            out.computed(name::COMPLETENESS, Value::Uint(analysis.completeness.into()));
        }
        if quoted && quoted_by != Some(Protocol::Icmp) {
            out.at(name::SEQ, field::SEQ, Value::Uint(self.seq().into()));
        } else if !quoted {
            out.computed(name::LEN, Value::Uint(self.segment_len() as u64));
        }
        let (seq_base, ack_base) = analysis.map_or((0, 0), |a| (a.seq_base, a.ack_base));
        let relative_seq = self.seq().wrapping_sub(seq_base);
        if !quoted {
            out.at(name::SEQ, field::SEQ, Value::Uint(relative_seq.into()));
        }
        if quoted_by != Some(Protocol::Icmp) {
            out.at(name::SEQ_RAW, field::SEQ, Value::Uint(self.seq().into()));
        }
        if analysis.is_some() && !quoted {
            let next = relative_seq.wrapping_add(self.sequence_len());
            out.computed(name::NXTSEQ, Value::Uint(next.into()));
        }
        // Without the ACK flag the field is shown as it is: there is nothing to be relative to.
        let ack = if self.has(flag::ACK) { self.ack().wrapping_sub(ack_base) } else { self.ack() };
        out.at(name::ACK, field::ACK, Value::Uint(ack.into()));
        out.at(name::ACK_RAW, field::ACK, Value::Uint(self.ack().into()));
        out.at(name::HDR_LEN, field::OFFSET_FLAGS.start..13, Value::Uint(self.header_len() as u64));
        self.flag_fields(out);
        self.window_fields(out, analysis.map(|a| a.window), quoted);
        out.at(name::CHECKSUM, field::CHECKSUM, Value::hex16(self.checksum()));
        out.at(name::CHECKSUM_STATUS, field::CHECKSUM, Value::Uint(2));
        out.at(name::URGENT_POINTER, field::URGENT, Value::Uint(self.urgent_pointer().into()));
        if self.header_len() > MIN_HEADER_LEN {
            let options = &self.bytes[MIN_HEADER_LEN..];
            out.at(name::OPTIONS, MIN_HEADER_LEN..self.header_len(), Value::Bytes(options));
            // SACK edges are relative to the receiver's base, as the acknowledgment is.
            let ack_base = analysis.map(|a| a.ack_base);
            let ack = self.ack().wrapping_sub(ack_base.unwrap_or(0));
            for option in self.options().map_while(Result::ok) {
                option.fields(out, ack_base, ack);
            }
        }
        // The stream's times come before the sequence analysis, as in tshark's tree.
        if let Some(analysis) = analysis {
            out.computed(name::TIME_RELATIVE, Value::Seconds(analysis.time_relative_ns));
            out.computed(name::TIME_DELTA, Value::Seconds(analysis.time_delta_ns));
            analysis_fields(out, analysis);
        }
        if !self.payload.is_empty() && !quoted {
            let range = self.header_len()..self.header_len() + self.payload.len();
            out.at(name::PAYLOAD, range.clone(), Value::Bytes(self.payload));
            for size in analysis.iter().flat_map(|analysis| &analysis.pdu_sizes) {
                out.computed(name::PDU_SIZE, Value::Uint((*size).into()));
            }
            // Wireshark shows a retransmission's data as segment data rather than decoding it,
            // and so the parts of a segment that belong to a PDU spanning segments.
            if analysis.is_some_and(|a| a.flags & analysis::RETRANSMISSION != 0) {
                out.at(name::SEGMENT_DATA, range, Value::Bytes(self.payload));
            } else if let Some(analysis) = analysis {
                for (start, end) in [analysis.pdu_head, analysis.pdu_tail].into_iter().flatten() {
                    let Some(bytes) = self.payload.get(start as usize..end as usize) else { continue };
                    let from = self.header_len() + start as usize;
                    out.at(name::SEGMENT_DATA, from..from + bytes.len(), Value::Bytes(bytes));
                }
            }
        }
    }

    fn flag_fields(&self, out: &mut Emitter<'_>) {
        let flags = self.flags();
        let range = field::OFFSET_FLAGS;
        out.at(name::FLAGS, range.clone(), Value::hex16(flags));
        out.at(name::FLAGS_RES, range.clone(), Value::Bool(flags & flag::RESERVED != 0));
        let bits = [
            (name::FLAGS_AE, flag::NS),
            (name::FLAGS_CWR, flag::CWR),
            (name::FLAGS_ECE, flag::ECE),
            (name::FLAGS_URG, flag::URG),
            (name::FLAGS_ACK, flag::ACK),
            (name::FLAGS_PUSH, flag::PSH),
            (name::FLAGS_RESET, flag::RST),
            (name::FLAGS_SYN, flag::SYN),
            (name::FLAGS_FIN, flag::FIN),
        ];
        for (name, bit) in bits {
            out.at(name, range.clone(), Value::Bool(flags & bit != 0));
        }
        out.at(name::FLAGS_STR, range, Value::FlagString(flags));
    }

    /// The window fields. A SYN's window is never scaled (RFC 7323 section 2.2), and a quoted
    /// header's scale is not looked for.
    fn window_fields(&self, out: &mut Emitter<'_>, scaling: Option<WindowScaling>, quoted: bool) {
        let value = self.window();
        out.at(name::WINDOW_SIZE_VALUE, field::WINDOW, Value::Uint(value.into()));
        let Some(scaling) = scaling else { return };
        if self.has(flag::SYN) || quoted {
            return out.computed(name::WINDOW_SIZE, Value::Uint(value.into()));
        }
        let (size, factor) = match scaling {
            WindowScaling::Unknown => (u64::from(value), -1i64),
            WindowScaling::NotUsed => (u64::from(value), -2),
            WindowScaling::Shift(shift) => {
                let shift = u32::from(shift.min(14));
                (u64::from(value) << shift, 1i64 << shift)
            }
        };
        out.computed(name::WINDOW_SIZE, Value::Uint(size));
        out.computed(name::WINDOW_SIZE_SCALEFACTOR, Value::Int(factor));
    }

    /// The Info-column text, in tshark's words.
    pub fn summary(&self, out: &mut dyn fmt::Write, analysis: Option<&Analysis>) -> fmt::Result {
        if let Some(analysis) = analysis {
            write_analysis_labels(out, analysis)?;
        }
        // One line per packet is the hot path of text output: numbers are written directly.
        let number = |out: &mut dyn fmt::Write, label: &str, value: u64| {
            out.write_str(label)?;
            write_decimal(out, value)
        };
        number(out, "", self.src_port().into())?;
        number(out, " → ", self.dst_port().into())?;
        out.write_str(" [")?;
        write_flag_names(out, self.flags())?;
        out.write_char(']')?;
        let (seq_base, ack_base) = analysis.map_or((0, 0), |a| (a.seq_base, a.ack_base));
        number(out, " Seq=", self.seq().wrapping_sub(seq_base).into())?;
        if self.has(flag::ACK) {
            number(out, " Ack=", self.ack().wrapping_sub(ack_base).into())?;
        }
        let window = match analysis.map(|a| a.window) {
            Some(WindowScaling::Shift(shift)) => u64::from(self.window()) << shift.min(14),
            _ => u64::from(self.window()),
        };
        number(out, " Win=", window)?;
        number(out, " Len=", self.segment_len() as u64)?;
        for option in self.options().map_while(Result::ok) {
            if let Some(mss) = option.mss() {
                number(out, " MSS=", mss.into())?;
            } else if let Some(shift) = option.window_shift() {
                number(out, " WS=", 1u64 << shift.min(14))?;
            } else if option.kind == options::kind::SACK_PERMITTED {
                out.write_str(" SACK_PERM")?;
            } else if let Some((tsval, tsecr)) = option.timestamps() {
                number(out, " TSval=", tsval.into())?;
                number(out, " TSecr=", tsecr.into())?;
            } else if option.kind == options::kind::SACK {
                for (left, right) in option.sack_blocks() {
                    number(out, " SLE=", left.wrapping_sub(ack_base).into())?;
                    number(out, " SRE=", right.wrapping_sub(ack_base).into())?;
                }
            } else if let Some(fast_open) = option.fast_open() {
                match fast_open {
                    FastOpen::CookieRequest => out.write_str(" TFO=R")?,
                    FastOpen::Cookie(_) => out.write_str(" TFO=C")?,
                }
            }
        }
        if analysis.is_some_and(|analysis| analysis.pdu_tail.is_some() && analysis.pdu_head.is_none()) {
            out.write_str(" [TCP segment of a reassembled PDU]")?;
        }
        Ok(())
    }
}

/// The fields of a PDU reassembled from several segments: each segment's frame over the bytes
/// it gave, their count and the total length. Nothing for a PDU from one segment.
pub fn reassembly_fields(out: &mut Emitter<'_>, segments: &[(u64, usize)]) {
    reassembly_fields_named(out, segments, [name::SEGMENT, name::SEGMENT_COUNT, name::REASSEMBLED_LENGTH]);
}

/// The same fields under other names (segment, count, length): TLS's, for a PDU its
/// application data put together from several records.
pub fn reassembly_fields_named(out: &mut Emitter<'_>, segments: &[(u64, usize)], names: [&'static str; 3]) {
    let [segment, count, length] = names;
    if segments.is_empty() {
        return;
    }
    let mut at = 0;
    for (frame, len) in segments {
        out.at(segment, at..at + len, Value::Uint(*frame));
        at += len;
    }
    out.computed(count, Value::Uint(segments.len() as u64));
    out.computed(length, Value::Uint(at as u64));
}

fn analysis_fields(out: &mut Emitter<'_>, analysis: &Analysis) {
    let flags = analysis.flags;
    let names = [
        (analysis::RETRANSMISSION, name::ANALYSIS_RETRANSMISSION),
        (analysis::FAST_RETRANSMISSION, name::ANALYSIS_FAST_RETRANSMISSION),
        (analysis::SPURIOUS_RETRANSMISSION, name::ANALYSIS_SPURIOUS_RETRANSMISSION),
        (analysis::OUT_OF_ORDER, name::ANALYSIS_OUT_OF_ORDER),
        (analysis::LOST_SEGMENT, name::ANALYSIS_LOST_SEGMENT),
        (analysis::DUPLICATE_ACK, name::ANALYSIS_DUPLICATE_ACK),
        (analysis::KEEP_ALIVE, name::ANALYSIS_KEEP_ALIVE),
        (analysis::WINDOW_UPDATE, name::ANALYSIS_WINDOW_UPDATE),
        (analysis::ZERO_WINDOW, name::ANALYSIS_ZERO_WINDOW),
        (analysis::ZERO_WINDOW_PROBE, name::ANALYSIS_ZERO_WINDOW_PROBE),
        (analysis::ZERO_WINDOW_PROBE_ACK, name::ANALYSIS_ZERO_WINDOW_PROBE_ACK),
        (analysis::KEEP_ALIVE_ACK, name::ANALYSIS_KEEP_ALIVE_ACK),
        (analysis::ACK_LOST_SEGMENT, name::ANALYSIS_ACK_LOST_SEGMENT),
        (analysis::WINDOW_FULL, name::ANALYSIS_WINDOW_FULL),
        (analysis::PORTS_REUSED, name::ANALYSIS_REUSED_PORTS),
    ];
    if analysis.analysed {
        out.computed(name::ANALYSIS, Value::Present);
    }
    if let Some((frame, rtt_ns)) = analysis.acks {
        out.computed(name::ANALYSIS_ACKS_FRAME, Value::Uint(frame));
        if rtt_ns != 0 {
            out.computed(name::ANALYSIS_ACK_RTT, Value::Seconds(rtt_ns));
        }
    }
    if let Some(rtt_ns) = analysis.initial_rtt_ns {
        out.computed(name::ANALYSIS_INITIAL_RTT, Value::Seconds(rtt_ns));
    }
    if let Some((bytes, push_bytes)) = analysis.in_flight {
        out.computed(name::ANALYSIS_BYTES_IN_FLIGHT, Value::Uint(bytes.into()));
        out.computed(name::ANALYSIS_PUSH_BYTES_SENT, Value::Uint(push_bytes.into()));
    }
    if flags != 0 {
        out.computed(name::ANALYSIS_FLAGS, Value::Present);
    }
    for (bit, name) in names {
        if flags & bit != 0 {
            out.computed(name, Value::Present);
            if bit == analysis::RETRANSMISSION
                && let Some((frame, rto_ns)) = analysis.rto
            {
                out.computed(name::ANALYSIS_RTO, Value::Seconds(rto_ns));
                out.computed(name::ANALYSIS_RTO_FRAME, Value::Uint(frame));
            }
        }
        // Wireshark marks a fast retransmission as a retransmission too, and lists a
        // duplicate ACK twice: among the flags and again beside its count.
        if bit == analysis::FAST_RETRANSMISSION && flags & bit != 0 {
            out.computed(name::ANALYSIS_RETRANSMISSION, Value::Present);
        }
    }
    if let Some((count, frame)) = analysis.duplicate_of {
        out.computed(name::ANALYSIS_DUPLICATE_ACK, Value::Present);
        out.computed(name::ANALYSIS_DUPLICATE_ACK_NUM, Value::Uint(count.into()));
        out.computed(name::ANALYSIS_DUPLICATE_ACK_FRAME, Value::Uint(frame));
    }
}

/// Writes what the sequence analysis found, as tshark prefixes its Info column with it.
pub fn write_analysis_labels(out: &mut dyn fmt::Write, analysis: &Analysis) -> fmt::Result {
    let labels = [
        (analysis::PORTS_REUSED, "TCP Port numbers reused"),
        (analysis::LOST_SEGMENT, "TCP Previous segment not captured"),
        (analysis::ACK_LOST_SEGMENT, "TCP ACKed unseen segment"),
        (analysis::FAST_RETRANSMISSION, "TCP Fast Retransmission"),
        (analysis::SPURIOUS_RETRANSMISSION, "TCP Spurious Retransmission"),
        (analysis::RETRANSMISSION, "TCP Retransmission"),
        (analysis::OUT_OF_ORDER, "TCP Out-Of-Order"),
        (analysis::WINDOW_UPDATE, "TCP Window Update"),
        (analysis::WINDOW_FULL, "TCP Window Full"),
        (analysis::KEEP_ALIVE, "TCP Keep-Alive"),
        (analysis::KEEP_ALIVE_ACK, "TCP Keep-Alive ACK"),
        (analysis::ZERO_WINDOW_PROBE, "TCP ZeroWindowProbe"),
        (analysis::ZERO_WINDOW_PROBE_ACK, "TCP ZeroWindowProbeAck"),
        (analysis::ZERO_WINDOW, "TCP ZeroWindow"),
    ];
    for (bit, label) in labels {
        if analysis.flags & bit != 0 {
            write!(out, "[{label}] ")?;
        }
    }
    if let Some((count, frame)) = analysis.duplicate_of {
        write!(out, "[TCP Dup ACK {frame}#{count}] ")?;
    }
    Ok(())
}

/// Writes the set flags as tshark's Info column lists them: `SYN, ACK`.
pub fn write_flag_names(out: &mut dyn fmt::Write, flags: u16) -> fmt::Result {
    let names = [
        (flag::FIN, "FIN"),
        (flag::SYN, "SYN"),
        (flag::RST, "RST"),
        (flag::PSH, "PSH"),
        (flag::ACK, "ACK"),
        (flag::URG, "URG"),
        (flag::ECE, "ECE"),
        (flag::CWR, "CWR"),
        (flag::NS, "NS"),
    ];
    let mut first = true;
    for (bit, name) in names {
        if flags & bit != 0 {
            if !first {
                out.write_str(", ")?;
            }
            out.write_str(name)?;
            first = false;
        }
    }
    if first {
        out.write_str("<None>")?;
    }
    Ok(())
}

impl LayerHeader for Header<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Tcp
    }

    fn header_len(&self) -> usize {
        Header::header_len(self)
    }

    fn fields(&self, out: &mut Emitter<'_>, tracked: &Tracked<'_>) {
        Header::fields(self, out, tracked.tcp(), tracked.quoted_by);
    }

    fn summary(&self, out: &mut dyn fmt::Write, tracked: &Tracked<'_>) -> fmt::Result {
        Header::summary(self, out, tracked.tcp())
    }
}

#[cfg(test)]
mod tests;
