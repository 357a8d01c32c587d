//! The command line: clap definitions, and one runner per subcommand.
//!
//! Arguments are parsed into plain flags here, then each runner validates them into the work
//! to do. Runners return an [`Outcome`] or a [`CliError`]; `main` only maps those to exit codes.

mod capture;
mod demo;
mod dissect;
#[cfg(feature = "parquet")]
mod export;
mod flags;
mod followed;
mod generate;
mod link_probe;
mod live_text;
mod timeline;
mod tshark;
mod tui;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use thiserror::Error;

pub use capture::CaptureArgs;
pub use flags::{DecodeAsArgs, LinkArgs, MemoryArgs, NoDropArgs};
pub use generate::{Prepared, prepare};
pub use tshark::usage_line;

use crate::capture::{LiveError, OpenError, WriteError};
use crate::filter::FilterError;
use crate::privilege::PrivilegeError;

#[derive(Debug, Parser)]
#[command(
    name = "rttscope",
    version,
    about = "See what happens on the wire: dissect packet captures layer by layer on the OSI model, as tshark does, only faster.",
    args_conflicts_with_subcommands = true,
    disable_version_flag = true,
    after_help = "Without a subcommand, FILE opens the terminal UI when standard output is a terminal and \
                  none of tshark's output flags (-r, -Y, -T, -e, -E, -c, -o, -n, -q, -2, -t, -V, -x, -z) is \
                  given; otherwise it is dissected as `rttscope dissect` would, so a tshark command line \
                  runs with `tshark` replaced by `rttscope`."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Print the version (-v, as tshark's; -V is tshark's packet tree).
    #[arg(short = 'v', long = "version", action = clap::ArgAction::Version)]
    pub version: Option<bool>,

    /// Capture live on this interface, as tshark's -i does (the terminal UI; see `live`).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: Option<String>,

    /// A capture filter for -i, as tshark's -f (e.g. 'tcp port 443').
    #[arg(short = 'f', value_name = "CAPTURE FILTER", requires = "interface")]
    pub capture_filter: Option<String>,

    /// With -i, also write every captured packet to this pcapng file.
    #[arg(short = 'w', value_name = "FILE", requires = "interface")]
    pub write: Option<PathBuf>,

    #[command(flatten)]
    pub dissect: DissectArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open a capture in the terminal UI (the same as `rttscope FILE`).
    Open(OpenArgs),
    /// Capture live traffic into the terminal UI, following new packets as they arrive; into
    /// a pipe or a file, print a line per packet as `dissect` does (as `tshark -i` does).
    #[command(after_help = tui::LIVE_PRIVILEGES)]
    Live(LiveArgs),
    /// Play a capture into the terminal UI at its recorded pace, so a handshake unfolds.
    Replay(ReplayArgs),
    /// Dissect a capture: one line, JSON object or row of fields per packet.
    Dissect(DissectArgs),
    /// List every protocol and field name that -e and -Y accept, each protocol before its fields.
    Fields,
    /// Draw each connection's handshake as a sequence diagram, with its round trips counted.
    Timeline(TimelineArgs),
    /// Capture live traffic from an interface into a pcapng file.
    Capture(CaptureArgs),
    /// Write captures as Parquet tables for DuckDB, Spark, Polars or pandas: a packets table
    /// (a row per frame) and a connections table (a row per timeline connection), partitioned
    /// by capture, several captures at once.
    #[cfg(feature = "parquet")]
    Export(ExportArgs),
    /// Run a built-in client and server, on loopback or at the two ends of an emulated link
    /// (--rtt): one HTTP, HTTPS, QUIC, ping or UDP exchange per variant, checked to be the
    /// variant it claims.
    #[command(after_help = generate::GEN_PRIVILEGES)]
    Gen(GenArgs),
    /// Run the generators over an emulated link (100 ms round trips unless --rtt says
    /// otherwise; --rtt 0 for loopback), write the capture with its keys embedded, and show
    /// every connection's round trips beside the textbook's.
    #[command(after_help = demo::DEMO_PRIVILEGES)]
    Demo(DemoArgs),
    /// Measure the emulated link's accuracy with a UDP echo (for tests and benchmarks).
    #[command(hide = true)]
    LinkProbe(link_probe::LinkProbeArgs),
}

#[derive(Debug, Args)]
pub struct OpenArgs {
    /// The capture file (pcap or pcapng, plain or gzip).
    pub file: PathBuf,

    /// An NSS key log with the TLS secrets; secrets embedded in a pcapng file are used
    /// without it.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,

    #[command(flatten)]
    pub decode_as: DecodeAsArgs,

    #[command(flatten)]
    pub memory: MemoryArgs,
}

#[derive(Debug, Args)]
pub struct LiveArgs {
    /// The interface to capture on.
    #[arg(short = 'i', long, default_value = "lo", value_name = "IFACE")]
    pub interface: String,

    /// Also write every captured packet to this pcapng file (checked before capturing starts).
    /// It is opened before rttscope drops its privileges (so as root, under sudo too), then
    /// written by the dropped user.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// An NSS key log (SSLKEYLOGFILE) followed while capturing, as `tail -f` does: it may
    /// appear later, grow, or be rewritten. Records after a secret arrives are decrypted, and
    /// its lines go into the -w file before the packets captured after them.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,

    /// A capture filter in tcpdump's syntax (`tcp port 443`), run by the kernel; needs
    /// libpcap (libpcap0.8), loaded only when -f is given.
    #[arg(short = 'f', long = "capture-filter", value_name = "FILTER")]
    pub capture_filter: Option<String>,

    /// Stop after this many packets have been captured.
    #[arg(short = 'c', long, value_name = "N")]
    pub count: Option<u64>,

    /// Text output only (standard output not a terminal): print only the packets that match
    /// this display filter, as `dissect -Y` does.
    #[arg(short = 'Y', long = "filter", value_name = "FILTER")]
    pub filter: Option<String>,

    /// Text output only: the format, as `dissect -T`; giving -e selects `fields`.
    #[arg(short = 'T', long, value_enum)]
    pub format: Option<OutputFormat>,

    /// Text output only: a field to print with -T fields (a column), or json or ek (only the fields
    /// named); repeat for more.
    #[arg(short = 'e', long = "field", value_name = "FIELD")]
    pub fields: Vec<String>,

    #[command(flatten)]
    pub privilege: NoDropArgs,

    #[command(flatten)]
    pub decode_as: DecodeAsArgs,

    #[command(flatten)]
    pub memory: MemoryArgs,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The capture file (pcap or pcapng, plain or gzip).
    pub file: PathBuf,

    /// Play this many times faster than recorded (0.1 is ten times slower). Pauses longer
    /// than 3 seconds are cut to 3 seconds.
    #[arg(long, default_value_t = 1.0, value_name = "X", allow_negative_numbers = true)]
    pub speed: f64,

    /// An NSS key log with the TLS secrets.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,

    #[command(flatten)]
    pub decode_as: DecodeAsArgs,

    #[command(flatten)]
    pub memory: MemoryArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// http, tls12, tls13, tls13-0rtt, tfo-tls13, tfo-tls13-0rtt, quic, quic-0rtt, ping, udp,
    /// or all.
    #[arg(value_name = "VARIANT|all", default_value = "all")]
    pub variant: String,

    /// Where to write the capture (pcapng, TLS keys embedded). It is written and opened
    /// again for reading before rttscope drops its privileges, so as root it stays root's. The
    /// QUIC generators write their own qlog beside it: OUT's name without .pcapng, then
    /// .VARIANT.client.sqlog and .VARIANT.server.sqlog (e.g. rttscope-demo.quic.client.sqlog).
    #[arg(short = 'w', long = "write", value_name = "FILE", default_value = "rttscope-demo.pcapng")]
    pub output: PathBuf,

    /// Print the comparison only; do not open the terminal UI afterwards (also the case when
    /// standard output is not a terminal).
    #[arg(long)]
    pub headless: bool,

    #[command(flatten)]
    pub privilege: NoDropArgs,

    #[command(flatten)]
    pub link: LinkArgs,
}

#[derive(Debug, Args)]
pub struct GenArgs {
    /// http, tls12, tls13, tls13-0rtt, tfo-tls13, tfo-tls13-0rtt, quic, quic-0rtt, ping, udp,
    /// or all.
    #[arg(value_name = "VARIANT|all")]
    pub variant: String,

    /// Run each generator this many times.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub count: u32,

    /// Where to append the TLS secrets, each line as it is logged (NSS key log format, mode
    /// 0600); earlier runs' lines are kept.
    #[arg(long, value_name = "FILE", default_value = "rttscope-gen.keys")]
    pub keylog: PathBuf,

    /// Over an emulated link, also write what crossed it to this pcapng file (client side and
    /// server side, TLS keys embedded).
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Have the QUIC generators write their own qlog into this directory: quinn's JSON-SEQ
    /// (qlog 0.3), VARIANT.client.sqlog and VARIANT.server.sqlog per run (VARIANT-2... for
    /// later runs of the same variant).
    #[arg(long, value_name = "DIR")]
    pub qlog: Option<PathBuf>,

    #[command(flatten)]
    pub privilege: NoDropArgs,

    #[command(flatten)]
    pub link: LinkArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TimelineFormat {
    /// A sequence diagram per connection, a verdict, and a table of all connections.
    Text,
    /// `{"connections":[...]}`, as DESIGN section 5 describes it.
    Json,
    /// A standalone SVG of the diagrams, for slides.
    Svg,
    /// A Mermaid `sequenceDiagram` per connection.
    Mermaid,
    /// qlog of the QUIC connections, one trace each, in the contained JSON of
    /// draft-ietf-quic-qlog-main-schema-14 with the events of draft-ietf-quic-qlog-quic-events-13
    /// (vantage point network, flow client: the client's packets are packet_sent).
    Qlog,
    /// qlog of the QUIC connections as JSON-SEQ with qlog_version 0.3, the shape qvis loads and
    /// quinn writes: one trace, each connection's events marked with its group_id
    /// (--connection N writes one connection alone).
    Sqlog,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// The capture file (pcap or pcapng, plain or gzip); `-` reads standard input as it
    /// arrives, writing each connection once it has ended.
    pub file: PathBuf,

    /// An NSS key log with the TLS secrets, to see inside encrypted handshakes.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,

    /// Show only this connection: its id, as the closing table lists it (connections are
    /// numbered in order of first packet).
    #[arg(long, value_name = "N")]
    pub connection: Option<u32>,

    /// Output format. qlog and sqlog write the QUIC connections only, as the network saw them
    /// (vantage point network, flow client).
    #[arg(short = 'T', long, value_enum, default_value = "text")]
    pub format: TimelineFormat,

    /// Draw text and SVG diagrams to scale: time flows down, each arrow sloping from when its
    /// message was sent to when it arrived (measured at both ends of a link when the capture
    /// has both, as `rttscope demo` records them).
    #[arg(long)]
    pub to_scale: bool,

    /// Columns the text diagrams and table fit in: labels too long for their arrow are
    /// shortened, the request and response kept whole (default: the terminal's width, or 80
    /// into a pipe or file).
    #[arg(long, value_name = "COLUMNS", value_parser = clap::value_parser!(u16).range(40..))]
    pub width: Option<u16>,

    #[command(flatten)]
    pub decode_as: DecodeAsArgs,

    #[command(flatten)]
    pub memory: MemoryArgs,
}

#[cfg(feature = "parquet")]
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The capture files (pcap or pcapng, plain or gzip); each becomes the partition
    /// capture=NAME, NAME its file name without extensions.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// The directory to write DIR/packets/capture=NAME/part-0.parquet and
    /// DIR/connections/capture=NAME/part-0.parquet into (made if missing; a capture's earlier
    /// tables are replaced).
    #[arg(short = 'o', long, value_name = "DIR")]
    pub output: PathBuf,

    /// The table format.
    #[arg(long, value_enum, default_value = "parquet")]
    pub format: ExportFormat,

    /// An NSS key log with the TLS secrets, for every capture (secrets a pcapng embeds are
    /// used without it).
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,

    /// Threads (default: one per core): captures are exported at once, one per thread, and
    /// when there are at least twice as many threads as captures, each capture's frames are
    /// read and taken apart ahead of its tracker, and its rows written behind it, on threads of
    /// its own. The tables are the same either way.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    #[command(flatten)]
    pub decode_as: DecodeAsArgs,

    /// The memory limit applies to each capture being exported.
    #[command(flatten)]
    pub memory: MemoryArgs,
}

#[cfg(feature = "parquet")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Apache Parquet, Snappy-compressed.
    Parquet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One line per packet, like tshark's default output.
    Text,
    /// The values of the -e fields, like `tshark -T fields` (tab-separated; see -E).
    Fields,
    /// tshark's JSON: an array of `{"_index", "_type", "_score", "_source": {"layers": {...}}}`
    /// with every field's value as a string.
    Json,
    /// tshark's Elasticsearch bulk format: an index line and a document line per packet.
    Ek,
    /// rttscope's own JSON: one object per line and packet, with every layer, field and byte
    /// range (DESIGN section 5).
    Jsonl,
}

impl OutputFormat {
    /// The renderer of `fields` (the `-e` names, checked) in this format: a column each for
    /// `fields`; for json and ek, tshark's shapes holding only those fields. `None` for a format
    /// that does not take `-e`.
    fn with_fields(
        self,
        fields: crate::render::fields::Fields,
    ) -> Option<Box<dyn crate::render::Render + Send>> {
        use crate::render::tshark_json::{Ek, TsharkJson};
        Some(match self {
            Self::Fields => Box::new(fields),
            Self::Json => Box::new(TsharkJson::with_fields(fields)),
            Self::Ek => Box::new(Ek::with_fields(fields)),
            Self::Text | Self::Jsonl => return None,
        })
    }
}

#[derive(Debug, Default, Args)]
pub struct DissectArgs {
    /// The capture file (pcap or pcapng, plain or gzip); `-` reads standard input as it
    /// arrives, printing each packet as soon as it has come.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// The capture file, as tshark's -r names it (the same as FILE).
    #[arg(short = 'r', long = "read-file", value_name = "FILE", conflicts_with = "file")]
    pub read_file: Option<PathBuf>,

    /// Show only packets that match this display filter, e.g. "tcp.port == 443 && !icmp".
    #[arg(short = 'Y', long = "filter", value_name = "FILTER")]
    pub filter: Option<String>,

    /// Output format; giving -e selects `fields`.
    #[arg(short = 'T', long, value_enum)]
    pub format: Option<OutputFormat>,

    /// A field to print with --format fields (a column), or json or ek (only the fields named, each
    /// an array of its values, as tshark writes them); repeat for more.
    #[arg(short = 'e', long = "field", value_name = "FIELD")]
    pub fields: Vec<String>,

    /// How -T fields prints, as tshark's -E: header=y|n, separator=/t|/s|C, quote=d|s|n,
    /// occurrence=f|l|a, aggregator=,|/s|C; repeat for more.
    #[arg(short = 'E', value_name = "OPTION=VALUE")]
    pub field_options: Vec<String>,

    /// Print the field names as a first line (fields format; the same as -E header=y).
    #[arg(long)]
    pub header: bool,

    /// Stop after this many packets have been printed.
    #[arg(short = 'c', long, value_name = "N")]
    pub count: Option<u64>,

    /// An NSS key log (SSLKEYLOGFILE) with the TLS secrets to decrypt with. Secrets embedded
    /// in a pcapng file are used without it.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,

    /// A tshark preference, NAME:VALUE. tls.keylog_file:K (or ssl.keylog_file:K) is --keylog
    /// K; tcp.desegment_tcp_streams and tcp.reassemble_out_of_order TRUE are what rttscope
    /// does anyway; any other is ignored with a warning.
    #[arg(short = 'o', value_name = "NAME:VALUE")]
    pub preferences: Vec<String>,

    /// Resolve no names (accepted for tshark's sake: rttscope never resolves names).
    #[arg(short = 'n')]
    pub no_resolve: bool,

    /// Print no packet lines (text, -V, -x), only what -z asks for, as tshark's -q; -T fields,
    /// json and ek still print, as tshark's do.
    #[arg(short = 'q')]
    pub quiet: bool,

    /// Accepted for tshark's sake. rttscope reads in one pass, as tshark does without -2:
    /// reassembled and decrypted fields are on the frame that completes them, and earlier
    /// frames do not point forward to it.
    #[arg(short = '2')]
    pub two_pass: bool,

    /// The Time column, as tshark's -t: r (since the first packet, the default), a, ad, adoy
    /// (local time of day, with the date, with the day of the year), u, ud, udoy (the same in
    /// UTC), e (since 1970), d (since the packet before), dd (since the packet shown before).
    /// Digits as the capture records them: six for microseconds, nine for nanoseconds.
    #[arg(short = 't', value_name = "FORMAT")]
    pub time_format: Option<String>,

    /// Print each packet's tree: a line per layer and an indented line per field, as tshark's
    /// -V.
    #[arg(short = 'V')]
    pub tree: bool,

    /// Print each packet's bytes in hex and ASCII, as tshark's -x.
    #[arg(short = 'x')]
    pub hex: bool,

    /// Statistics printed after the packets (alone with -q): conv,tcp (the TCP conversations)
    /// or io,phs (the protocol hierarchy), as tshark prints them.
    #[arg(short = 'z', value_name = "STATISTIC")]
    pub statistics: Vec<String>,

    /// Threads for the capture (default: 2 with two cores or more): with 2, a file's frames are
    /// read and taken apart on one thread, tracked on another, and filtered and written on a
    /// third, the first and the last sharing a core; 1 does it all on one. The output is the
    /// same either way; standard input is read on one.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    #[command(flatten)]
    pub decode_as: DecodeAsArgs,

    #[command(flatten)]
    pub memory: MemoryArgs,

    /// Write each HTTP response body (HTTP/1.x, HTTP/2 and HTTP/3, decrypted with the key
    /// log; Content-Encoding kept) to a file in DIR, created if need be, as tshark's
    /// --export-objects http,DIR: each named from the last segment of its request's path,
    /// never replacing a file. At most 1000 files.
    #[arg(long = "export-objects", value_name = "http,DIR")]
    pub export_objects: Option<String>,
}

impl DissectArgs {
    /// The capture to read: -r's or the positional one.
    pub fn input(&self) -> Option<&std::path::Path> {
        self.read_file.as_deref().or(self.file.as_deref())
    }

    /// Whether a flag that only dissecting means was given, so `rttscope FILE` with it prints
    /// rather than opening the terminal UI.
    pub fn wants_output(&self) -> bool {
        self.read_file.is_some()
            || self.filter.is_some()
            || self.format.is_some()
            || !self.fields.is_empty()
            || !self.field_options.is_empty()
            || self.header
            || self.count.is_some()
            || !self.preferences.is_empty()
            || self.no_resolve
            || self.quiet
            || self.two_pass
            || self.time_format.is_some()
            || self.tree
            || self.hex
            || !self.statistics.is_empty()
            || self.threads.is_some()
            || self.export_objects.is_some()
    }
}

/// How a successful run ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Everything was read.
    Complete,
    /// The input ended early or was damaged; everything readable was shown.
    CutShort,
}

/// Why a run failed.
#[derive(Debug, Error)]
pub enum CliError {
    #[error("{0}")]
    Open(#[from] OpenError),
    #[error("invalid display filter at {error}\n{annotated}")]
    Filter { error: FilterError, annotated: String },
    #[error("unknown field(s): {}; run `rttscope fields` for the list", .0.join(", "))]
    UnknownFields(Vec<String>),
    #[error("--format fields needs at least one -e FIELD")]
    NoFields,
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
    #[error("{0}")]
    Usage(String),
    #[error("cannot read the key log {path}: {source}")]
    KeyLog { path: String, source: std::io::Error },
    #[error("{0}")]
    Live(#[from] LiveError),
    #[error("cannot write the capture {path}: {source}")]
    WriteCapture { path: String, source: WriteError },
    #[error("{0}")]
    Privilege(#[from] PrivilegeError),
}

/// Runs the command line, after [`prepare`] did what must happen before any thread.
pub fn run(cli: Cli, prepared: &Prepared) -> Result<Outcome, CliError> {
    match (cli.command, cli.interface) {
        (Some(Command::Open(args)), _) => tui::open(&args),
        (Some(Command::Live(args)), _) => tui::live(&args),
        (Some(Command::Replay(args)), _) => tui::replay(&args),
        (Some(Command::Dissect(args)), _) => dissect::run(&args),
        (Some(Command::Fields), _) => dissect::list_fields(),
        (Some(Command::Timeline(args)), _) => timeline::run(&args),
        (Some(Command::Capture(args)), _) => capture::run(&args),
        #[cfg(feature = "parquet")]
        (Some(Command::Export(args)), _) => export::run(&args),
        (Some(Command::Gen(args)), _) => generate::run(&args, prepared),
        (Some(Command::Demo(args)), _) => demo::run(&args, prepared),
        (Some(Command::LinkProbe(args)), _) => link_probe::run(&args, prepared),
        (None, Some(interface)) => tshark::live_from_top_level(interface, cli.capture_filter, cli.write, cli.dissect),
        (None, None) => match cli.dissect.input() {
            Some(file) if tui::interactive() && !cli.dissect.wants_output() => tui::open(&OpenArgs {
                file: file.to_path_buf(),
                keylog: cli.dissect.keylog,
                decode_as: cli.dissect.decode_as,
                memory: cli.dissect.memory,
            }),
            // Into a pipe or a file, or with tshark's flags, a capture is dissected.
            Some(_) => dissect::run(&cli.dissect),
            None => Err(CliError::Usage(
                "give a capture file (`rttscope FILE`, `rttscope -r FILE`) or a subcommand; see `rttscope --help`"
                    .into(),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed_with_tsharks_letters() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
        // -V is tshark's tree, so the version is -v.
        let parsed = Cli::try_parse_from(["rttscope", "-r", "x.pcap", "-V", "-x", "-2", "-n", "-q"]);
        let dissect = parsed.map(|cli| cli.dissect).expect("tshark's letters parse");
        assert!(dissect.tree && dissect.hex && dissect.two_pass && dissect.no_resolve && dissect.quiet);
        assert!(dissect.wants_output());
        let bare = Cli::try_parse_from(["rttscope", "x.pcap", "--keylog", "k"]).expect("parses");
        assert!(!bare.dissect.wants_output(), "a file and a key log alone open the UI");
    }
}
