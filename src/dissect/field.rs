//! Named fields: what every layer reports about itself, by Wireshark's field names.
//!
//! A layer does not build a list of fields; it walks them into a [`FieldSink`], so a renderer
//! that wants two fields pays for formatting two. Each field carries its bytes' position in
//! the frame (or in the reassembled datagram it came from), so the hex view can highlight it,
//! and a [`Value`] whose `Display` is exactly what `tshark -T fields` prints for it.

use std::fmt::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::Range;

/// Where a layer's bytes live.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Source {
    /// In the captured frame.
    #[default]
    Frame,
    /// In a datagram reassembled from fragments, shown on the frame that completed it.
    Reassembled,
    /// In a protocol data unit reassembled from several TCP segments, shown on the frame
    /// that completed it.
    Stream,
    /// In plaintext decrypted from a TLS record (or reassembled from decrypted records).
    Decrypted,
}

/// Bytes of a layer together with where they live, so fields read from them can point back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span<'a> {
    pub bytes: &'a [u8],
    pub source: Source,
    /// Offset of `bytes` within `source`.
    pub offset: usize,
}

impl<'a> Span<'a> {
    pub fn new(bytes: &'a [u8], source: Source, offset: usize) -> Self {
        Self { bytes, source, offset }
    }

    /// The part of the span from `start` to `end`, clamped to the span.
    pub fn slice(&self, start: usize, end: usize) -> Span<'a> {
        let end = end.min(self.bytes.len());
        let start = start.min(end);
        Span { bytes: &self.bytes[start..end], source: self.source, offset: self.offset + start }
    }
}

/// A field value, typed as Wireshark types it so it prints the way tshark prints it.
#[derive(Clone)]
pub enum Value<'a> {
    /// An unsigned integer shown in decimal.
    Uint(u64),
    /// An unsigned integer shown in hex, zero-padded to `digits`.
    Hex {
        value: u64,
        digits: u8,
    },
    /// A flag: tshark prints `1` or `0`.
    Bool(bool),
    Mac([u8; 6]),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    /// Raw bytes, printed as lowercase hex without separators.
    Bytes(&'a [u8]),
    /// Raw bytes that Wireshark displays with colons between them, such as link-layer
    /// addresses inside ICMPv6 options.
    BytesColon(&'a [u8]),
    Str(&'a str),
    /// A signed integer shown in decimal.
    Int(i64),
    /// A host name field: the address, printed as text since rttscope resolves no names.
    Host(IpAddr),
    /// TCP flag bits drawn as Wireshark's `tcp.flags.str` draws them: `··········S·`.
    FlagString(u16),
    /// Text written only when asked for, such as `frame.protocols`.
    Lazy(&'a dyn fmt::Display),
    /// Seconds and nanoseconds since the epoch, printed `secs.nnnnnnnnn`.
    Epoch(i64),
    /// An absolute time in nanoseconds since the epoch, printed as a UTC date the way tshark
    /// prints absolute times: `Nov 22, 2026 06:50:20.000000000 UTC`.
    Date(i64),
    /// A signed duration in nanoseconds, printed as seconds with nine decimals.
    Seconds(i64),
    /// A duration in nanoseconds, printed in milliseconds as the shortest decimal that reads
    /// back the same (Wireshark's `FT_DOUBLE` times, such as `icmp.resptime`).
    Millis(i64),
    /// A presence-only marker (Wireshark's `FT_NONE`), such as an analysis flag; tshark
    /// prints `1` for it.
    Present,
}

impl Value<'_> {
    pub fn hex8(value: u8) -> Self {
        Self::Hex { value: value.into(), digits: 2 }
    }

    pub fn hex16(value: u16) -> Self {
        Self::Hex { value: value.into(), digits: 4 }
    }

    pub fn hex32(value: u32) -> Self {
        Self::Hex { value: value.into(), digits: 8 }
    }

    /// The value as a number, for comparisons in display filters.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Self::Uint(value) | Self::Hex { value, .. } => Some(*value),
            Self::Bool(flag) => Some(u64::from(*flag)),
            _ => None,
        }
    }
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Value({self})")
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The values written most (numbers, addresses) skip the general formatting machinery,
        // which cost more than the rest of `-T fields` and export did per field. (A width
        // asked of a value was never honoured: each arm writes on its own.)
        match self {
            Self::Uint(value) => write_decimal(f, *value),
            Self::Hex { value, digits } => write_prefixed_hex(f, *value, *digits),
            Self::Bool(flag) => f.write_str(if *flag { "1" } else { "0" }),
            Self::Mac(mac) => write_mac(f, mac),
            Self::Ipv4(address) => write_ipv4(f, *address),
            Self::Ipv6(address) => write!(f, "{address}"),
            Self::Bytes(bytes) => write_hex(f, bytes),
            Self::BytesColon(bytes) => {
                for (index, byte) in bytes.iter().enumerate() {
                    if index > 0 {
                        f.write_str(":")?;
                    }
                    write!(f, "{byte:02x}")?;
                }
                Ok(())
            }
            Self::Str(text) => f.write_str(text),
            Self::Epoch(nanos) | Self::Seconds(nanos) => {
                let sign = if *nanos < 0 { "-" } else { "" };
                let magnitude = nanos.unsigned_abs();
                write!(f, "{sign}{}.{:09}", magnitude / 1_000_000_000, magnitude % 1_000_000_000)
            }
            Self::Present => f.write_str("1"),
            Self::Int(value) => write!(f, "{value}"),
            Self::Millis(nanos) => write!(f, "{}", *nanos as f64 / 1e6),
            Self::Host(address) => write!(f, "{address}"),
            Self::FlagString(flags) => {
                const LETTERS: [char; 12] = ['R', 'R', 'R', 'N', 'C', 'E', 'U', 'A', 'P', 'R', 'S', 'F'];
                for (index, letter) in LETTERS.iter().enumerate() {
                    f.write_char(if flags & (0x800 >> index) != 0 { *letter } else { '·' })?;
                }
                Ok(())
            }
            Self::Lazy(text) => text.fmt(f),
            Self::Date(nanos) => write_date(f, *nanos),
        }
    }
}

/// The months as tshark's dates name them.
pub(crate) const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Writes a UTC date and time, to the nanosecond.
fn write_date(out: &mut fmt::Formatter<'_>, nanos: i64) -> fmt::Result {
    let secs = nanos.div_euclid(1_000_000_000);
    let fraction = nanos.rem_euclid(1_000_000_000);
    let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    write!(
        out,
        "{} {day:2}, {year} {:02}:{:02}:{:02}.{fraction:09} UTC",
        MONTHS[(month - 1) as usize],
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// The day count from 1970-01-01 of a proleptic Gregorian date, the inverse of
/// [`civil_from_days`].
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (the "civil from days"
/// algorithm: count 400-year eras from 0000-03-01 so leap days fall at the end of a year).
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Writes an unsigned integer in decimal, without the general formatting machinery: the text
/// output writes several per packet.
pub fn write_decimal(out: &mut (impl fmt::Write + ?Sized), value: u64) -> fmt::Result {
    out.write_str(itoa::Buffer::new().format(value))
}

/// Writes an IPv4 address in dotted decimal.
pub fn write_ipv4(out: &mut (impl fmt::Write + ?Sized), address: Ipv4Addr) -> fmt::Result {
    let mut text = [0u8; 15];
    out.write_str(ipv4_text(&mut text, address))
}

/// An IPv4 address in dotted decimal, written into `text` (the longest takes 15 bytes).
pub fn ipv4_text(text: &mut [u8; 15], address: Ipv4Addr) -> &str {
    let mut len = 0;
    for (index, octet) in address.octets().into_iter().enumerate() {
        if index > 0 {
            text[len] = b'.';
            len += 1;
        }
        if octet >= 100 {
            text[len] = b'0' + octet / 100;
            len += 1;
        }
        if octet >= 10 {
            text[len] = b'0' + octet / 10 % 10;
            len += 1;
        }
        text[len] = b'0' + octet % 10;
        len += 1;
    }
    // Digits and dots are ASCII.
    std::str::from_utf8(&text[..len]).unwrap_or_default()
}

/// Writes a MAC address as `aa:bb:cc:dd:ee:ff`.
pub fn write_mac(out: &mut (impl fmt::Write + ?Sized), mac: &[u8; 6]) -> fmt::Result {
    let mut text = [b':'; 17];
    for (index, byte) in mac.iter().enumerate() {
        text[index * 3] = HEX_DIGITS[usize::from(byte >> 4)];
        text[index * 3 + 1] = HEX_DIGITS[usize::from(byte & 0x0f)];
    }
    // Hex digits and colons are ASCII.
    out.write_str(std::str::from_utf8(&text).unwrap_or_default())
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Writes `0x` and `value` in lowercase hex, zero-padded to `digits` (more digits when the
/// value needs them), as `{:#0width$x}` would with the prefix outside the width.
fn write_prefixed_hex(out: &mut (impl fmt::Write + ?Sized), value: u64, digits: u8) -> fmt::Result {
    let needed = (64 - value.leading_zeros()).div_ceil(4).max(1) as usize;
    let width = needed.max(usize::from(digits));
    // `digits` is at most 255; the digits past a u64's sixteen stay '0'.
    let mut text = [b'0'; 2 + u8::MAX as usize];
    text[1] = b'x';
    for index in 0..needed {
        let nibble = (value >> (4 * index)) & 0x0f;
        text[2 + width - 1 - index] = HEX_DIGITS[nibble as usize];
    }
    // Hex digits are ASCII.
    out.write_str(std::str::from_utf8(&text[..2 + width]).unwrap_or_default())
}

/// Writes bytes as lowercase hex with no separators.
pub fn write_hex(out: &mut (impl fmt::Write + ?Sized), bytes: &[u8]) -> fmt::Result {
    // In chunks, so a long payload is not written a character at a time.
    let mut text = [0u8; 128];
    for chunk in bytes.chunks(text.len() / 2) {
        for (index, byte) in chunk.iter().enumerate() {
            text[2 * index] = HEX_DIGITS[usize::from(byte >> 4)];
            text[2 * index + 1] = HEX_DIGITS[usize::from(byte & 0x0f)];
        }
        // Hex digits are ASCII.
        out.write_str(std::str::from_utf8(&text[..2 * chunk.len()]).unwrap_or_default())?;
    }
    Ok(())
}

/// One named field of a layer.
#[derive(Clone, Debug)]
pub struct Field<'a> {
    pub name: &'static str,
    pub value: Value<'a>,
    /// Byte range within `source`; empty for fields computed rather than read.
    pub range: Range<usize>,
    pub source: Source,
}

/// Receives the fields of a packet in tree order.
pub trait FieldSink {
    fn field(&mut self, field: Field<'_>);
}

impl<F: FnMut(Field<'_>)> FieldSink for F {
    fn field(&mut self, field: Field<'_>) {
        self(field)
    }
}

/// A quick first test of whether a field's name may be one of a few wanted names, before a
/// map is asked: a renderer that wants four fields is handed every field of the layers that
/// hold them, and hashing each name cost more than everything else it did. A name is
/// summarised by its length and last byte; a name whose summary no wanted name shares is
/// not wanted (the test never turns away a wanted name, and lets few others through).
#[derive(Clone, Debug)]
pub struct NameFilter {
    /// One bit per (length mod 64, last byte mod 64).
    bits: Box<[u64; 64]>,
}

impl NameFilter {
    pub fn new<'n>(names: impl IntoIterator<Item = &'n str>) -> Self {
        let mut bits = Box::new([0u64; 64]);
        for name in names {
            let (word, bit) = Self::slot(name);
            bits[word] |= 1 << bit;
        }
        Self { bits }
    }

    /// Whether `name` may be wanted: `false` only when it is not.
    #[inline]
    pub fn may_want(&self, name: &str) -> bool {
        let (word, bit) = Self::slot(name);
        self.bits[word] & (1 << bit) != 0
    }

    #[inline]
    fn slot(name: &str) -> (usize, u32) {
        let last = name.as_bytes().last().copied().unwrap_or(0);
        (name.len() % 64, u32::from(last % 64))
    }
}

/// Emits the fields of one layer, placing ranges relative to the layer's start.
pub struct Emitter<'s> {
    sink: &'s mut dyn FieldSink,
    base: usize,
    source: Source,
    /// The names the sink may want, when it wants only a few: a field this turns away is
    /// dropped here, before a call through `sink` (which cost more than the field's value for
    /// `-T fields` with four fields).
    filter: Option<&'s NameFilter>,
}

impl<'s> Emitter<'s> {
    pub fn new(sink: &'s mut dyn FieldSink, base: usize, source: Source) -> Self {
        Self { sink, base, source, filter: None }
    }

    /// An emitter that hands `sink` only fields whose names `filter` lets through.
    pub fn filtered(
        sink: &'s mut dyn FieldSink,
        base: usize,
        source: Source,
        filter: &'s NameFilter,
    ) -> Self {
        Self { sink, base, source, filter: Some(filter) }
    }

    #[inline]
    fn turns_away(&self, name: &str) -> bool {
        self.filter.is_some_and(|filter| !filter.may_want(name))
    }

    /// A field read from `range` of the layer's bytes.
    #[inline]
    pub fn at(&mut self, name: &'static str, range: Range<usize>, value: Value<'_>) {
        if self.turns_away(name) {
            return;
        }
        let range = self.base + range.start..self.base + range.end;
        self.sink.field(Field { name, value, range, source: self.source });
    }

    /// A field computed by the dissector rather than read from the bytes.
    #[inline]
    pub fn computed(&mut self, name: &'static str, value: Value<'_>) {
        if self.turns_away(name) {
            return;
        }
        let range = self.base..self.base;
        self.sink.field(Field { name, value, range, source: self.source });
    }

    /// Emits the fields of a nested structure that starts `offset` bytes into this layer.
    pub fn nested(&mut self, offset: usize) -> Emitter<'_> {
        Emitter { sink: &mut *self.sink, base: self.base + offset, source: self.source, filter: self.filter }
    }

    /// Emits the fields of bytes that live elsewhere (reassembled or decrypted), with ranges
    /// relative to the start of `span`.
    pub fn within(&mut self, span: &Span<'_>) -> Emitter<'_> {
        Emitter { sink: &mut *self.sink, base: span.offset, source: span.source, filter: self.filter }
    }
}

/// A sink that renames each field on its way to another: how a protocol that shares another's
/// fields under its own names (DTLS's `dtls.handshake.*`, TLS's `tls.handshake.*`) emits
/// them from the same code. A field the rename does not know is dropped, so a name emitted is
/// still a name registered.
struct Renamed<'s> {
    sink: &'s mut dyn FieldSink,
    rename: fn(&'static str) -> Option<&'static str>,
}

impl FieldSink for Renamed<'_> {
    fn field(&mut self, mut field: Field<'_>) {
        if let Some(name) = (self.rename)(field.name) {
            field.name = name;
            self.sink.field(field);
        }
    }
}

impl Emitter<'_> {
    /// Runs `body` with an emitter at the same place whose fields are renamed by `rename`.
    pub fn with_names<R>(
        &mut self,
        rename: fn(&'static str) -> Option<&'static str>,
        body: impl FnOnce(&mut Emitter<'_>) -> R,
    ) -> R {
        let mut renamed = Renamed { sink: &mut *self.sink, rename };
        // The filter knows the names after renaming, so the renamed emitter has none.
        let mut out = Emitter { sink: &mut renamed, base: self.base, source: self.source, filter: None };
        body(&mut out)
    }
}

/// Formats a value into a reusable string buffer.
pub fn format_into(buffer: &mut String, value: &Value<'_>) {
    buffer.clear();
    // Writing into a String cannot fail.
    let _ = write!(buffer, "{value}");
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_name_filter_keeps_every_wanted_name_and_turns_most_others_away() {
        let wanted = ["frame.number", "ip.src", "tcp.stream", "tcp.seq"];
        let filter = NameFilter::new(wanted);
        for name in wanted {
            assert!(filter.may_want(name), "{name}");
        }
        let others: Vec<&str> =
            crate::registry::fields().map(|field| field.name).filter(|name| !wanted.contains(name)).collect();
        let through = others.iter().filter(|name| filter.may_want(name)).count();
        assert!(others.len() > 1000, "{}", others.len());
        assert!(through * 20 < others.len(), "{through} of {} names get through", others.len());
        assert!(!NameFilter::new([]).may_want("tcp.seq"));
    }
    use super::*;

    #[test]
    fn values_print_as_tshark_fields_prints_them() {
        assert_eq!(Value::Uint(443).to_string(), "443");
        assert_eq!(Value::hex16(0x0800).to_string(), "0x0800");
        assert_eq!(Value::hex8(0x40).to_string(), "0x40");
        assert_eq!(Value::hex32(1).to_string(), "0x00000001");
        assert_eq!(Value::Bool(true).to_string(), "1");
        assert_eq!(Value::Mac([0, 0x1b, 0x21, 0xaa, 0xbb, 0xcc]).to_string(), "00:1b:21:aa:bb:cc");
        assert_eq!(Value::Bytes(&[0xde, 0xad, 0x01]).to_string(), "dead01");
        assert_eq!(Value::BytesColon(&[0xde, 0xad, 0x01]).to_string(), "de:ad:01");
        assert_eq!(Value::Epoch(1_648_774_116_286_233_000).to_string(), "1648774116.286233000");
        assert_eq!(Value::Epoch(-1).to_string(), "-0.000000001");
        assert_eq!(Value::Seconds(-1_500_000_000).to_string(), "-1.500000000");
        assert_eq!(Value::Present.to_string(), "1");
        assert_eq!(Value::Millis(92_000).to_string(), "0.092");
        assert_eq!(Value::Millis(30_000).to_string(), "0.03");
        assert_eq!(Value::Millis(1_500_000_000).to_string(), "1500");
        assert_eq!(Value::Date(0).to_string(), "Jan  1, 1970 00:00:00.000000000 UTC");
        assert_eq!(Value::Date(1_795_330_220_000_000_001).to_string(), "Nov 22, 2026 06:50:20.000000001 UTC");
        assert_eq!(Value::Date(951_782_400_000_000_000).to_string(), "Feb 29, 2000 00:00:00.000000000 UTC");
    }

    #[test]
    fn the_quick_paths_write_what_the_general_formatting_writes() {
        for value in
            [0, 1, 9, 10, 0xff, 0x100, 0xffff, 0x1_0000, 0xdead_beef, u64::from(u32::MAX) + 1, u64::MAX]
        {
            assert_eq!(Value::Uint(value).to_string(), format!("{value}"));
            for digits in [0u8, 1, 2, 4, 8, 16, 20, u8::MAX] {
                let expected = format!("0x{value:0width$x}", width = usize::from(digits));
                assert_eq!(Value::Hex { value, digits }.to_string(), expected);
            }
        }
        for address in [
            Ipv4Addr::new(0, 0, 0, 0),
            Ipv4Addr::new(192, 168, 10, 255),
            Ipv4Addr::new(9, 10, 99, 100),
            Ipv4Addr::BROADCAST,
        ] {
            assert_eq!(Value::Ipv4(address).to_string(), address.to_string());
        }
        let mac = [0xff, 0x00, 0x1b, 0xa0, 0x0a, 0x09];
        assert_eq!(Value::Mac(mac).to_string(), "ff:00:1b:a0:0a:09");
        let bytes: Vec<u8> = (0..=255).collect();
        let expected: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        assert_eq!(Value::Bytes(&bytes).to_string(), expected);
        assert_eq!(Value::Bytes(&[]).to_string(), "");
    }
}
