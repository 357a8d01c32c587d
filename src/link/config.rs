//! What the emulated link does to each packet: delay, jitter, loss, rate, MTU, queue, and one
//! chosen packet dropped once. Parsed and checked from the command line before any traffic.
//!
//! Invariant: a [`LinkConfig`] made by [`LinkFlags::config`] holds only values inside the ranges
//! below, and every value outside them is refused with one line naming the flag and what it
//! accepts.
//!
//! | flag | accepts |
//! |---|---|
//! | `--rtt` | a duration from 0 to 1 s: `100ms`, `0.25s`, `500us`, `0` |
//! | `--jitter` | a duration from 0 to 500 ms |
//! | `--loss` | a percentage from 0 to 100, decimals allowed, `%` optional: `1.5`, `2%` |
//! | `--rate` | 64 kbit/s to 100 Gbit/s, as tc spells it: `bit kbit mbit gbit` in bits per second, `bps kbps mbps gbps` in bytes per second (1000-based); a bare number is bits per second |
//! | `--mtu` | 576 to 9000 bytes (below 576 IPv4 cannot promise reassembly, RFC 791) |
//! | `--queue` | 1 to 100000 packets |
//! | `--seed` | any whole number from 0 to 2^64 - 1 |
//! | `--drop` | `syn`, `syn-ack`, `client-hello`, `server-hello`, `first-initial`, `server-initial` |
//!
//! The bounds on time keep what the generators wait for sane: each of their steps gives up
//! after 5 seconds, which must cover a round trip, a TCP SYN retransmission (1 s) and a
//! handshake retransmission at the slowest link allowed.

use std::fmt;
use std::time::Duration;

use thiserror::Error;

/// The link's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkConfig {
    /// Round-trip time: each direction delays a packet by half of it.
    pub rtt: Duration,
    /// Up to this much more delay per packet, drawn from the seeded generator.
    pub jitter: Duration,
    /// Percentage of packets lost, 0 to 100, drawn from the seeded generator.
    pub loss_percent: f64,
    /// Bits per second each direction carries; `None` for no limit.
    pub rate_bps: Option<u64>,
    /// The largest IP packet the link carries, in bytes.
    pub mtu: u32,
    /// Packets each direction may hold waiting; more are tail-dropped.
    pub queue: usize,
    /// Seed of the loss and jitter draws: the same seed drops the same packets.
    pub seed: u64,
    /// One packet dropped once, to show a retransmission timeout.
    pub drop: Option<DropRule>,
}

impl Default for LinkConfig {
    fn default() -> Self {
        Self {
            rtt: Duration::ZERO,
            jitter: Duration::ZERO,
            loss_percent: 0.0,
            rate_bps: None,
            mtu: 1500,
            queue: 1000,
            seed: 1,
            drop: None,
        }
    }
}

/// A packet `--drop` can name: the first one of its kind crossing the link is dropped, once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropRule {
    /// The client's first TCP SYN.
    Syn,
    /// The server's first SYN-ACK.
    SynAck,
    /// The first TCP segment carrying a TLS ClientHello.
    ClientHello,
    /// The first TCP segment carrying a TLS ServerHello.
    ServerHello,
    /// The client's first QUIC Initial packet.
    FirstInitial,
    /// The server's first QUIC Initial packet.
    ServerInitial,
}

impl DropRule {
    /// Every rule, in the order the help lists them.
    pub const ALL: [Self; 6] = [
        Self::Syn,
        Self::SynAck,
        Self::ClientHello,
        Self::ServerHello,
        Self::FirstInitial,
        Self::ServerInitial,
    ];

    /// The name `--drop` takes.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Syn => "syn",
            Self::SynAck => "syn-ack",
            Self::ClientHello => "client-hello",
            Self::ServerHello => "server-hello",
            Self::FirstInitial => "first-initial",
            Self::ServerInitial => "server-initial",
        }
    }
}

impl fmt::Display for DropRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The longest `--rtt`.
pub const MAX_RTT: Duration = Duration::from_secs(1);
/// The longest `--jitter`.
pub const MAX_JITTER: Duration = Duration::from_millis(500);
/// The smallest `--mtu`: every IPv4 host must accept a datagram of 576 bytes (RFC 791).
pub const MIN_MTU: u32 = 576;
/// The largest `--mtu`: a jumbo frame.
pub const MAX_MTU: u32 = 9000;
/// The slowest `--rate`, in bits per second: a 1500-byte packet then takes 190 ms to send.
pub const MIN_RATE_BPS: u64 = 64_000;
/// The fastest `--rate`, in bits per second.
pub const MAX_RATE_BPS: u64 = 100_000_000_000;
/// The longest `--queue`, in packets.
pub const MAX_QUEUE: usize = 100_000;

/// A flag whose value is not allowed: one line naming the flag, the value, and what it accepts.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{flag} {value}: {expected}")]
pub struct FlagError {
    pub flag: &'static str,
    pub value: String,
    pub expected: String,
}

impl FlagError {
    fn new(flag: &'static str, value: &str, expected: impl Into<String>) -> Self {
        Self { flag, value: value.to_owned(), expected: expected.into() }
    }
}

/// The link flags as the command line gave them, still unchecked; `None` where not given.
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkFlags<'a> {
    pub rtt: Option<&'a str>,
    pub jitter: Option<&'a str>,
    pub loss: Option<&'a str>,
    pub rate: Option<&'a str>,
    pub mtu: Option<&'a str>,
    pub queue: Option<&'a str>,
    pub seed: Option<&'a str>,
    pub drop: Option<&'a str>,
}

impl LinkFlags<'_> {
    /// Checks every flag, and says whether to build a link: `None` for client and server on
    /// loopback, as before any link. The link is built when the round-trip time (given, or else
    /// `default_rtt`) is above zero, or when any other link flag is given: `--rtt 0 --loss 5`
    /// is a link that loses packets but adds no delay.
    pub fn config(&self, default_rtt: Duration) -> Result<Option<LinkConfig>, FlagError> {
        let rtt = match self.rtt {
            Some(text) => parse_duration("--rtt", text, MAX_RTT)?,
            None => default_rtt,
        };
        let mut config = LinkConfig { rtt, ..LinkConfig::default() };
        if let Some(text) = self.jitter {
            config.jitter = parse_duration("--jitter", text, MAX_JITTER)?;
        }
        if let Some(text) = self.loss {
            config.loss_percent = parse_percent("--loss", text)?;
        }
        if let Some(text) = self.rate {
            config.rate_bps = Some(parse_rate("--rate", text)?);
        }
        if let Some(text) = self.mtu {
            config.mtu = parse_mtu("--mtu", text)?;
        }
        if let Some(text) = self.queue {
            config.queue = parse_queue("--queue", text)?;
        }
        if let Some(text) = self.seed {
            config.seed = parse_seed("--seed", text)?;
        }
        if let Some(text) = self.drop {
            config.drop = Some(parse_drop("--drop", text)?);
        }
        let others = [self.jitter, self.loss, self.rate, self.mtu, self.queue, self.seed, self.drop];
        let wanted = !config.rtt.is_zero() || others.iter().any(Option::is_some);
        Ok(wanted.then_some(config))
    }
}

/// A number with an optional fractional part and no sign: `12`, `0.25`, `.5`.
fn parse_decimal(text: &str) -> Option<f64> {
    let plain = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_digit() || c == '.')
        && text.chars().filter(|&c| c == '.').count() <= 1
        && text.chars().any(|c| c.is_ascii_digit());
    if plain { text.parse().ok().filter(|value: &f64| value.is_finite()) } else { None }
}

/// Splits `100ms` into `(100, "ms")`.
fn split_unit(text: &str) -> (&str, &str) {
    let end = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    text.split_at(end)
}

/// A duration with its unit: `100ms`, `0.25s`, `500us` (or `µs`), `2000ns`; a bare `0` is zero.
pub fn parse_duration(flag: &'static str, text: &str, max: Duration) -> Result<Duration, FlagError> {
    let expected = || {
        format!("expected a duration from 0 to {max:?} with its unit (s, ms, us or ns), e.g. 100ms or 0.25s")
    };
    let text = text.trim();
    let (number, unit) = split_unit(text);
    let nanos_per_unit = match unit {
        "s" => 1e9,
        "ms" => 1e6,
        "us" | "µs" => 1e3,
        "ns" => 1.0,
        // Zero needs no unit; any other bare number is ambiguous.
        "" if parse_decimal(number) == Some(0.0) => 1.0,
        _ => return Err(FlagError::new(flag, text, expected())),
    };
    let value = parse_decimal(number).ok_or_else(|| FlagError::new(flag, text, expected()))?;
    let nanos = (value * nanos_per_unit).round();
    if nanos > max.as_nanos() as f64 {
        return Err(FlagError::new(flag, text, expected()));
    }
    Ok(Duration::from_nanos(nanos as u64))
}

/// A percentage from 0 to 100, decimals allowed, with or without `%`.
pub fn parse_percent(flag: &'static str, text: &str) -> Result<f64, FlagError> {
    let text = text.trim();
    parse_decimal(text.strip_suffix('%').unwrap_or(text)).filter(|&value| value <= 100.0).ok_or_else(|| {
        FlagError::new(flag, text, "expected a percentage from 0 to 100 (decimals allowed), e.g. 1.5")
    })
}

/// A rate as tc spells it, in bits per second.
pub fn parse_rate(flag: &'static str, text: &str) -> Result<u64, FlagError> {
    let expected = "expected a rate from 64kbit to 100gbit: a number with bit, kbit, mbit or gbit \
                    (bits per second) or bps, kbps, mbps or gbps (bytes per second), e.g. 10mbit";
    let text = text.trim();
    let (number, unit) = split_unit(text);
    let bits_per_unit = match unit.to_ascii_lowercase().as_str() {
        "" | "bit" => 1.0,
        "kbit" => 1e3,
        "mbit" => 1e6,
        "gbit" => 1e9,
        "bps" => 8.0,
        "kbps" => 8e3,
        "mbps" => 8e6,
        "gbps" => 8e9,
        _ => return Err(FlagError::new(flag, text, expected)),
    };
    let bits = parse_decimal(number).map(|value| (value * bits_per_unit).round());
    match bits {
        Some(bits) if (MIN_RATE_BPS as f64..=MAX_RATE_BPS as f64).contains(&bits) => Ok(bits as u64),
        _ => Err(FlagError::new(flag, text, expected)),
    }
}

/// A whole number within `range`.
fn parse_whole<T: std::str::FromStr + PartialOrd>(
    text: &str,
    range: std::ops::RangeInclusive<T>,
) -> Option<T> {
    let text = text.trim();
    // `+5` parses as a number in Rust; on a command line it is more likely a slip.
    if !text.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|value| range.contains(value))
}

/// An MTU in bytes, from [`MIN_MTU`] to [`MAX_MTU`].
pub fn parse_mtu(flag: &'static str, text: &str) -> Result<u32, FlagError> {
    parse_whole(text, MIN_MTU..=MAX_MTU).ok_or_else(|| {
        FlagError::new(
            flag,
            text,
            format!(
                "expected an MTU from {MIN_MTU} to {MAX_MTU} bytes (below {MIN_MTU} IPv4 cannot \
                 promise reassembly)"
            ),
        )
    })
}

/// A queue length in packets, from 1 to [`MAX_QUEUE`].
pub fn parse_queue(flag: &'static str, text: &str) -> Result<usize, FlagError> {
    parse_whole(text, 1..=MAX_QUEUE)
        .ok_or_else(|| FlagError::new(flag, text, format!("expected a queue from 1 to {MAX_QUEUE} packets")))
}

/// A seed: any whole number that fits 64 bits.
pub fn parse_seed(flag: &'static str, text: &str) -> Result<u64, FlagError> {
    parse_whole(text, 0..=u64::MAX)
        .ok_or_else(|| FlagError::new(flag, text, "expected a whole number from 0 to 18446744073709551615"))
}

/// One of the [`DropRule`] names.
pub fn parse_drop(flag: &'static str, text: &str) -> Result<DropRule, FlagError> {
    DropRule::ALL.into_iter().find(|rule| rule.name() == text.trim()).ok_or_else(|| {
        let names: Vec<_> = DropRule::ALL.iter().map(|rule| rule.name()).collect();
        FlagError::new(flag, text, format!("expected one of {}", names.join(", ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn durations_take_seconds_milliseconds_microseconds_and_nanoseconds() {
        let parse = |text| parse_duration("--rtt", text, MAX_RTT);
        assert_eq!(parse("100ms"), Ok(MS(100)));
        assert_eq!(parse("0.25s"), Ok(MS(250)));
        assert_eq!(parse("500us"), Ok(Duration::from_micros(500)));
        assert_eq!(parse("500µs"), Ok(Duration::from_micros(500)));
        assert_eq!(parse("1.5ms"), Ok(Duration::from_micros(1500)));
        assert_eq!(parse("2000ns"), Ok(Duration::from_micros(2)));
        assert_eq!(parse(".1s"), Ok(MS(100)));
        assert_eq!(parse("0"), Ok(Duration::ZERO));
        assert_eq!(parse("0.0"), Ok(Duration::ZERO));
        assert_eq!(parse("1s"), Ok(MAX_RTT), "the bound itself is allowed");
    }

    #[test]
    fn bad_durations_name_the_flag_and_the_range() {
        for bad in ["-5ms", "1.001s", "100", "5 parsecs", "ms", "1..2ms", "", "inf", "NaNms", "1e3ms", "+5ms"]
        {
            let error = parse_duration("--rtt", bad, MAX_RTT).expect_err(bad);
            let line = error.to_string();
            assert!(line.starts_with(&format!("--rtt {}:", bad.trim())), "{line}");
            assert!(line.contains("from 0 to 1s") && !line.contains('\n'), "{line}");
        }
        let error = parse_duration("--jitter", "600ms", MAX_JITTER).expect_err("above 500 ms");
        assert!(error.to_string().contains("from 0 to 500ms"), "{error}");
    }

    #[test]
    fn percentages_allow_decimals_and_a_percent_sign_up_to_100() {
        assert_eq!(parse_percent("--loss", "0"), Ok(0.0));
        assert_eq!(parse_percent("--loss", "1.5"), Ok(1.5));
        assert_eq!(parse_percent("--loss", "2%"), Ok(2.0));
        assert_eq!(parse_percent("--loss", "100"), Ok(100.0));
        for bad in ["150", "100.01", "-1", "abc", "%", "", "inf", "NaN"] {
            let error = parse_percent("--loss", bad).expect_err(bad);
            assert!(error.to_string().contains("from 0 to 100"), "{error}");
            assert_eq!(error.flag, "--loss");
        }
    }

    #[test]
    fn rates_follow_tc_bits_and_bytes_per_second() {
        assert_eq!(parse_rate("--rate", "10mbit"), Ok(10_000_000));
        assert_eq!(parse_rate("--rate", "1gbit"), Ok(1_000_000_000));
        assert_eq!(parse_rate("--rate", "500kbit"), Ok(500_000));
        assert_eq!(parse_rate("--rate", "64kbps"), Ok(512_000), "bps is bytes per second, as in tc");
        assert_eq!(parse_rate("--rate", "1.5Mbit"), Ok(1_500_000));
        assert_eq!(parse_rate("--rate", "2mbps"), Ok(16_000_000));
        assert_eq!(parse_rate("--rate", "100000bit"), Ok(100_000));
        assert_eq!(parse_rate("--rate", "64000"), Ok(MIN_RATE_BPS), "a bare number is bits per second");
        assert_eq!(parse_rate("--rate", "100gbit"), Ok(MAX_RATE_BPS));
        for bad in ["0", "0mbit", "63kbit", "101gbit", "10 furlongs", "-1mbit", "mbit", ""] {
            let error = parse_rate("--rate", bad).expect_err(bad);
            assert!(error.to_string().starts_with("--rate "), "{error}");
            assert!(error.to_string().contains("from 64kbit to 100gbit"), "{error}");
        }
    }

    #[test]
    fn mtu_queue_and_seed_are_whole_numbers_within_their_limits() {
        assert_eq!(parse_mtu("--mtu", "576"), Ok(576));
        assert_eq!(parse_mtu("--mtu", "1280"), Ok(1280));
        assert_eq!(parse_mtu("--mtu", "9000"), Ok(9000));
        for bad in ["100", "575", "9001", "1500.5", "-1500", "+1500", "", "jumbo"] {
            let error = parse_mtu("--mtu", bad).expect_err(bad);
            assert!(error.to_string().contains("from 576 to 9000 bytes"), "{error}");
        }
        assert_eq!(parse_queue("--queue", "1"), Ok(1));
        assert_eq!(parse_queue("--queue", "100000"), Ok(MAX_QUEUE));
        for bad in ["0", "100001", "-3", "ten"] {
            assert!(parse_queue("--queue", bad).is_err(), "{bad}");
        }
        assert_eq!(parse_seed("--seed", "0"), Ok(0));
        assert_eq!(parse_seed("--seed", "18446744073709551615"), Ok(u64::MAX));
        for bad in ["18446744073709551616", "-1", "0x10", "1.0"] {
            assert!(parse_seed("--seed", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn drop_names_each_rule_and_lists_them_when_unknown() {
        for rule in DropRule::ALL {
            assert_eq!(parse_drop("--drop", rule.name()), Ok(rule));
        }
        let error = parse_drop("--drop", "finished").expect_err("not a rule");
        assert_eq!(
            error.to_string(),
            "--drop finished: expected one of syn, syn-ack, client-hello, server-hello, \
             first-initial, server-initial"
        );
    }

    #[test]
    fn a_link_is_built_when_rtt_is_above_zero_or_any_other_link_flag_is_given() {
        let none = LinkFlags::default();
        assert_eq!(none.config(Duration::ZERO), Ok(None), "gen's default: loopback");
        let demo = none.config(MS(100)).expect("valid").expect("demo's default builds a link");
        assert_eq!(demo, LinkConfig { rtt: MS(100), ..LinkConfig::default() });
        let zero = LinkFlags { rtt: Some("0"), ..LinkFlags::default() };
        assert_eq!(zero.config(MS(100)), Ok(None), "--rtt 0 is loopback even in the demo");
        let lossy = LinkFlags { rtt: Some("0"), loss: Some("5"), ..LinkFlags::default() };
        let config = lossy.config(MS(100)).expect("valid").expect("a link that only loses");
        assert_eq!((config.rtt, config.loss_percent), (Duration::ZERO, 5.0));

        let all = LinkFlags {
            rtt: Some("40ms"),
            jitter: Some("2ms"),
            loss: Some("0.5"),
            rate: Some("10mbit"),
            mtu: Some("1280"),
            queue: Some("50"),
            seed: Some("7"),
            drop: Some("client-hello"),
        };
        let expected = LinkConfig {
            rtt: MS(40),
            jitter: MS(2),
            loss_percent: 0.5,
            rate_bps: Some(10_000_000),
            mtu: 1280,
            queue: 50,
            seed: 7,
            drop: Some(DropRule::ClientHello),
        };
        assert_eq!(all.config(Duration::ZERO), Ok(Some(expected)));
    }

    #[test]
    fn the_first_bad_flag_is_the_one_reported() {
        let flags = LinkFlags { rtt: Some("-5ms"), mtu: Some("100"), ..LinkFlags::default() };
        assert_eq!(flags.config(Duration::ZERO).expect_err("bad").flag, "--rtt");
        let flags = LinkFlags { mtu: Some("100"), drop: Some("nope"), ..LinkFlags::default() };
        assert_eq!(flags.config(Duration::ZERO).expect_err("bad").flag, "--mtu");
    }
}
