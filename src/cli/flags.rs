//! Flag groups several subcommands share, flattened into each: the emulated link, `--no-drop`,
//! `-d` (decode as) and `--memory-limit`. Their values are checked by the runner (one line
//! naming the flag, exit 1) before any packet is read or any traffic made.

use clap::Args;

use super::CliError;
use crate::dispatch::Dispatch;

/// The emulated link between client and server. Values are checked by the runner (one line
/// naming the flag, exit 1), not by clap, so they are taken as text here.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Emulated link (client and server in network namespaces of their own)")]
pub struct LinkArgs {
    /// Round-trip time, 0 to 1s: e.g. 100ms, 0.25s, 500us (`demo` defaults to 100ms, `gen` to
    /// 0). With 0 and no other link flag, client and server share loopback: no link.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub rtt: Option<String>,

    /// Up to this much more delay per packet, 0 to 500ms, drawn from --seed.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub jitter: Option<String>,

    /// Percentage of packets lost, 0 to 100 (decimals allowed), drawn from --seed.
    #[arg(long, value_name = "PERCENT", allow_hyphen_values = true)]
    pub loss: Option<String>,

    /// Bandwidth of each direction, 64kbit to 100gbit, as tc spells it: bit, kbit, mbit, gbit
    /// (bits per second), or bps, kbps, mbps, gbps (bytes per second).
    #[arg(long, value_name = "RATE", allow_hyphen_values = true)]
    pub rate: Option<String>,

    /// The largest IP packet the link carries, 576 to 9000 bytes (default 1500). QUIC needs
    /// 1228 (a 1200-byte UDP payload).
    #[arg(long, value_name = "BYTES", allow_hyphen_values = true)]
    pub mtu: Option<String>,

    /// Packets each direction may hold waiting, 1 to 100000 (default 1000); more are dropped.
    #[arg(long, value_name = "PACKETS", allow_hyphen_values = true)]
    pub queue: Option<String>,

    /// Seed of the loss and jitter draws: the same seed drops the same packets (default 1).
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub seed: Option<String>,

    /// Drop one packet once, to show a retransmission: syn, syn-ack, client-hello,
    /// server-hello, first-initial or server-initial.
    #[arg(long, value_name = "WHAT", allow_hyphen_values = true)]
    pub drop: Option<String>,
}

/// `--no-drop`, tcpdump's `-Z root`: keep the privileges rttscope was started with.
#[derive(Debug, Default, Args)]
pub struct NoDropArgs {
    /// Keep root (or CAP_NET_RAW) while reading and parsing packets, which are hostile input.
    /// Without it, once the socket (and the output files) are open, the threads that read
    /// packets become the user who ran sudo, or nobody, with no capability, under seccomp.
    #[arg(long)]
    pub no_drop: bool,
}

impl NoDropArgs {
    /// Makes `--no-drop` hold for every drop this process would make.
    pub fn apply(&self) {
        if self.no_drop {
            crate::privilege::keep_privileges();
        }
    }
}

/// Which protocol reads the traffic on a port, as tshark's `-d` says it. Values are checked by
/// the runner (one line naming the flag, exit 1) before any packet is read.
#[derive(Debug, Default, Args)]
pub struct DecodeAsArgs {
    /// Read the traffic on a port as a protocol, like tshark's -d: tcp.port==PORT,tls|http|http2
    /// or udp.port==PORT,quic (`:` may stand for the comma); repeat for more ports.
    #[arg(short = 'd', long = "decode-as", value_name = "TABLE==PORT,PROTOCOL")]
    pub decode_as: Vec<String>,
}

impl DecodeAsArgs {
    /// The dispatch tables with these entries over them.
    pub fn dispatch(&self) -> Result<Dispatch, CliError> {
        Dispatch::parse(&self.decode_as).map_err(|error| CliError::Usage(error.to_string()))
    }
}

/// How much state tracking may hold. The value is checked by the runner (one line naming the
/// flag, exit 1) before any packet is read, so it is taken as text here.
#[derive(Debug, Default, Args)]
pub struct MemoryArgs {
    /// The most memory the state kept across packets may take (TCP and IP reassembly, HTTP
    /// bodies and streams, QUIC and TLS, conversations): e.g. 64M, 1G, or a number of bytes
    /// (K, M, G, T count by 1024; default 256M). Past it the oldest state is given up, with a
    /// note on the packet where that happened.
    #[arg(long = "memory-limit", value_name = "SIZE", allow_hyphen_values = true)]
    pub memory_limit: Option<String>,
}

impl MemoryArgs {
    /// The limit in bytes: the one given, or the default.
    pub fn limit(&self) -> Result<usize, CliError> {
        match &self.memory_limit {
            Some(text) => parse_size(text).map_err(CliError::Usage),
            None => Ok(crate::track::budget::DEFAULT_LIMIT),
        }
    }
}

/// Reads a size: `1048576`, `512K`, `256M`, `1G`, `2T` (powers of 1024; `k`, `MB`, `MiB` too).
fn parse_size(text: &str) -> Result<usize, String> {
    let invalid =
        || format!("--memory-limit {text:?} is not a size; write e.g. 256M, 1G or a number of bytes");
    let trimmed = text.trim();
    let split = trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let shift = match unit.trim_start().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(invalid()),
    };
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let bytes = number
        .checked_mul(1u64 << shift)
        .and_then(|bytes| usize::try_from(bytes).ok())
        .ok_or_else(|| format!("--memory-limit {text} is more than this machine can address"))?;
    if bytes == 0 {
        return Err(format!("--memory-limit {text} would keep nothing; give at least 1 byte"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_a_binary_unit_or_mean_bytes() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("256M"), Ok(256 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("64k"), Ok(64 << 10));
        assert_eq!(parse_size("3MiB"), Ok(3 << 20));
        assert_eq!(parse_size("2 GB"), Ok(2 << 30));
    }

    #[test]
    fn a_bad_size_says_how_to_write_one() {
        for bad in ["", "M", "12X", "-5M", "1.5G", "ten"] {
            let error = parse_size(bad).expect_err(bad);
            assert!(error.contains("write e.g. 256M, 1G or a number of bytes"), "{bad}: {error}");
        }
        assert!(parse_size("0").is_err_and(|error| error.contains("would keep nothing")));
        assert!(parse_size("99999999999T").is_err_and(|error| error.contains("more than")));
    }
}
