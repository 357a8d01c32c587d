//! Capture sources: turn bytes from a file or a network interface into [`Frame`]s, and write
//! captured packets out as pcapng.
//!
//! A frame is one captured packet exactly as the capture holds it: its link-layer type, its
//! timestamp in nanoseconds since the Unix epoch, its original length on the wire and the
//! captured bytes, borrowed from the source. Nothing here looks inside the packet; that is
//! `dissect`'s job.

mod file;
mod filter;
mod keylog_follow;
mod linktype;
mod live;
mod pages;
mod pcap;
mod pcapng;
mod source;
mod spill;
mod stream;
mod write;

pub use file::{CaptureFile, Format, Frames, FramesMark, OpenError, ReadError, Secrets, SecretsKind};
pub use filter::{BpfInstruction, BpfProgram, CaptureFilterError, compile as compile_filter};
pub use keylog_follow::{KeyLogFollower, Polled};
pub use linktype::LinkType;
pub use live::{
    ANY, CaptureHandle, CaptureStats, Captured, Limits, LiveCapture, LiveError, LivePacket, SNAPLEN,
};
pub use pages::WalkedPages;
pub use source::{FileSource, Source};
pub use stream::{Item, Stream};
pub use write::{PcapngWriter, WriteError};

/// One captured packet, borrowed from its capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// Frame number, counting from 1 in file order (`frame.number`).
    pub number: u64,
    /// Capture time in nanoseconds since 1970-01-01 00:00:00 UTC.
    pub ts_ns: i64,
    /// How the captured bytes begin.
    pub linktype: LinkType,
    /// Index of the capture interface in a pcapng section; pcap files have none.
    pub interface: Option<u32>,
    /// Length of the packet on the wire; may exceed `data.len()` when the capture was cut to a
    /// snapshot length.
    pub orig_len: u32,
    /// The captured bytes, starting with the link-layer header.
    pub data: &'a [u8],
}

/// Timestamp resolution of a pcapng interface (`if_tsresol`) or pcap file, as the number of
/// units per second expressed as a power of ten or of two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TsResolution {
    /// One unit is 10^-n seconds.
    Decimal(u8),
    /// One unit is 2^-n seconds.
    Binary(u8),
}

impl TsResolution {
    /// Microseconds: the pcapng default when `if_tsresol` is absent.
    pub(crate) const MICRO: Self = Self::Decimal(6);

    /// Reads an `if_tsresol` option byte: the high bit selects base 2, the rest the exponent.
    pub(crate) fn from_option(byte: u8) -> Self {
        if byte & 0x80 != 0 { Self::Binary(byte & 0x7f) } else { Self::Decimal(byte) }
    }

    /// Converts a count of units to nanoseconds, saturating rather than overflowing.
    pub(crate) fn to_nanos(self, units: u64) -> i64 {
        let units = u128::from(units);
        let nanos = match self {
            Self::Decimal(exp) if exp <= 9 => units * 10u128.pow(u32::from(9 - exp)),
            Self::Decimal(exp) => {
                // Exponents past 38 would overflow 10^exp; such a clock has no whole nanoseconds.
                10u128.checked_pow(u32::from(exp - 9)).map_or(0, |divisor| units / divisor)
            }
            Self::Binary(exp) => (units * 1_000_000_000) >> exp.min(127),
        };
        i64::try_from(nanos).unwrap_or(i64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsresol_converts_decimal_and_binary_units() {
        assert_eq!(TsResolution::MICRO.to_nanos(1_500_000), 1_500_000_000);
        assert_eq!(TsResolution::from_option(9).to_nanos(42), 42);
        assert_eq!(TsResolution::from_option(3).to_nanos(7), 7_000_000);
        assert_eq!(TsResolution::from_option(12).to_nanos(5_000), 5);
        // 2^-10 s units: 1024 units are one second.
        assert_eq!(TsResolution::from_option(0x80 | 10).to_nanos(1024), 1_000_000_000);
        assert_eq!(TsResolution::from_option(0x7f).to_nanos(u64::MAX), 0);
        assert_eq!(TsResolution::from_option(0).to_nanos(u64::MAX), i64::MAX);
    }
}
