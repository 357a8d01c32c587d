//! The command line: clap definitions, and one runner per subcommand.
//!
//! Arguments are parsed into plain flags here, then each runner validates them into the work
//! to do. Runners return an [`Outcome`] or a [`CliError`]; `main` only maps those to exit codes.

mod dissect;
mod timeline;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use thiserror::Error;

use crate::capture::OpenError;
use crate::filter::FilterError;

#[derive(Debug, Parser)]
#[command(
    name = "rttscope",
    version,
    about = "See what happens on the wire: dissect packet captures layer by layer on the OSI model, as tshark does, only faster.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// A capture to show (pcap or pcapng, optionally gzip-compressed).
    pub file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Dissect a capture: one line, JSON object or row of fields per packet.
    Dissect(DissectArgs),
    /// List every field name that -e and -Y accept.
    Fields,
    /// Draw each connection's handshake as a sequence diagram, with its round trips counted.
    Timeline(TimelineArgs),
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
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// The capture file (pcap or pcapng, plain or gzip); `-` reads standard input.
    pub file: PathBuf,

    /// An NSS key log with the TLS secrets, to see inside encrypted handshakes.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,

    /// Show only this connection: its id, as the closing table lists it (connections are
    /// numbered in order of first packet).
    #[arg(long, value_name = "N")]
    pub connection: Option<u32>,

    /// Output format.
    #[arg(short = 'T', long, value_enum, default_value = "text")]
    pub format: TimelineFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One line per packet, like tshark's default output.
    Text,
    /// One JSON object per line and packet, with every layer and field.
    Json,
    /// Tab-separated values of the -e fields, like `tshark -T fields`.
    Fields,
}

#[derive(Debug, Args)]
pub struct DissectArgs {
    /// The capture file (pcap or pcapng, plain or gzip); `-` reads standard input.
    pub file: PathBuf,

    /// Show only packets that match this display filter, e.g. "tcp.port == 443 && !icmp".
    #[arg(short = 'Y', long = "filter", value_name = "FILTER")]
    pub filter: Option<String>,

    /// Output format; giving -e selects `fields`.
    #[arg(short = 'T', long, value_enum)]
    pub format: Option<OutputFormat>,

    /// A field to print with --format fields; repeat for more columns.
    #[arg(short = 'e', long = "field", value_name = "FIELD")]
    pub fields: Vec<String>,

    /// Print the field names as a first line (fields format).
    #[arg(long)]
    pub header: bool,

    /// Stop after this many packets have been printed.
    #[arg(short = 'c', long, value_name = "N")]
    pub count: Option<u64>,

    /// An NSS key log (SSLKEYLOGFILE) with the TLS secrets to decrypt with. Secrets embedded
    /// in a pcapng file are used without it.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,
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
}

/// Runs the command line.
pub fn run(cli: Cli) -> Result<Outcome, CliError> {
    match (cli.command, cli.file) {
        (Some(Command::Dissect(args)), _) => dissect::run(&args),
        (Some(Command::Fields), _) => dissect::list_fields(),
        (Some(Command::Timeline(args)), _) => timeline::run(&args),
        // Until the terminal UI exists, a bare file is dissected as text.
        (None, Some(file)) => dissect::run(&DissectArgs {
            file,
            filter: None,
            format: None,
            fields: Vec::new(),
            header: false,
            count: None,
            keylog: None,
        }),
        (None, None) => Err(CliError::Usage(
            "give a capture file (`rttscope FILE`) or a subcommand; see `rttscope --help`".into(),
        )),
    }
}
