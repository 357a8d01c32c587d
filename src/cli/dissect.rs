//! `rttscope dissect`, and `rttscope` given tshark's flags: read a capture, track it, filter it,
//! and print every packet shown, then the statistics asked for. tshark's flags (-r, -E, -o,
//! -t, -V, -x, -z, -q, -n, -2) are read here with tshark's meaning, and every value is
//! checked before the capture is opened, so bad input gets one line and no output.

use std::io::{self, BufWriter, Write};

use std::path::PathBuf;

use super::{CliError, DissectArgs, Outcome, OutputFormat};
use crate::capture::{CaptureFile, FileSource, Stream};
use crate::filter::Filter;
use crate::osi::Protocol;
use crate::pipeline::{
    Tracking, Walk, each, for_each_packet, for_each_packet_behind, report_key_log_warnings,
};
use crate::registry;
use crate::render::Render;
use crate::render::detail::{Detail, Quiet};
use crate::render::fields::{Fields, FieldsOptions};
use crate::render::json::Json;
use crate::render::stats::{Statistic, Statistics};
use crate::render::text::{Text, TimeColumn};
use crate::render::time::TimeFormat;
use crate::render::tshark_json::{Ek, TsharkJson};
use crate::track::Tracker;
use crate::track::keylog::KeyLog;

const OUTPUT_BUFFER: usize = 1 << 16;

pub fn run(args: &DissectArgs) -> Result<Outcome, CliError> {
    let Some(path) = args.input() else {
        return Err(CliError::Usage("give a capture file: `rttscope dissect FILE` or `-r FILE`".into()));
    };
    // tshark refuses it too; printing one packet, as a loop that counts after would, is wrong.
    super::capture::check_count(args.count)?;
    let format = match (args.format, args.fields.is_empty()) {
        (Some(format), _) => format,
        (None, false) => OutputFormat::Fields,
        (None, true) => OutputFormat::Text,
    };
    let field_options = FieldsOptions::parse(&args.field_options).map_err(CliError::Usage)?;
    let time_format = match &args.time_format {
        Some(text) => TimeFormat::parse(text).map_err(CliError::Usage)?,
        None => TimeFormat::default(),
    };
    let statistics = args
        .statistics
        .iter()
        .map(|text| Statistic::parse(text).map_err(CliError::Usage))
        .collect::<Result<Vec<_>, _>>()?;
    let keylog_path = keylog_path(args)?;
    let filter = match &args.filter {
        Some(text) => Some(
            Filter::parse(text)
                .map_err(|error| CliError::Filter { annotated: error.annotate(text), error })?,
        ),
        None => None,
    };
    let dispatch = args.decode_as.dispatch()?;
    let memory_limit = args.memory.limit()?;
    let threads = threads(args.threads)?;
    let keylog = load_key_log(keylog_path.as_deref())?;
    let mut capture = Input::open(path)?;

    let header = args.header || field_options.header;
    let mut renderer: Box<dyn Render + Send> = match format {
        // tshark's -q quiets the packet lines, not the formats a script asked for.
        OutputFormat::Text if args.quiet => Box::new(Quiet),
        OutputFormat::Text if args.tree || args.hex => {
            Box::new(Detail::new(args.tree, args.hex, capture.interface_names()))
        }
        OutputFormat::Text => Box::new(Text::with_time(TimeColumn::new(time_format, capture.time_digits()))),
        OutputFormat::Jsonl => Box::new(Json::new()),
        OutputFormat::Json | OutputFormat::Ek | OutputFormat::Fields if !args.fields.is_empty() => {
            let fields = Fields::with_options(&args.fields, FieldsOptions { header, ..field_options })
                .map_err(CliError::UnknownFields)?
                .with_interfaces(capture.interface_names());
            format.with_fields(fields).ok_or(CliError::NoFields)?
        }
        OutputFormat::Json => Box::new(TsharkJson::new()),
        OutputFormat::Ek => Box::new(Ek::new()),
        OutputFormat::Fields => return Err(CliError::NoFields),
    };
    let mut statistics: Vec<Box<dyn Statistics + Send>> =
        statistics.iter().map(|statistic| statistic.collector()).collect();

    // Unlocked, so it can be written from the thread behind the tracker; it is locked once a
    // buffer's worth.
    let mut out = BufWriter::with_capacity(OUTPUT_BUFFER, io::stdout());
    let tracker =
        Tracker::with_keylog(keylog.clone()).with_dispatch(dispatch).with_memory_limit(memory_limit);
    let tracking = Tracking { tracker, user_keylog: &keylog };
    let objects_directory = args.export_objects.as_deref().map(objects_directory).transpose()?;
    let mut objects = match &objects_directory {
        Some(directory) => Some(objects_exporter(directory)?),
        None => None,
    };
    let output =
        Output { renderer: renderer.as_mut(), statistics: &mut statistics, objects: objects.as_mut() };
    let result =
        dissect_all((&mut capture, threads), tracking, output, (filter.as_ref(), args.count), &mut out)
            .and_then(|outcome| out.flush().map(|()| outcome));
    if let (Ok(_), Some(directory), Some(objects)) = (&result, &objects_directory, objects) {
        finish_objects(directory, objects)?;
    }
    match result {
        Ok(outcome) => Ok(outcome),
        // A reader that stops early (`| head`) is not an error.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(Outcome::Complete),
        Err(error) => Err(CliError::Output(error)),
    }
}

/// The directory of `--export-objects http,DIR`; tshark's other protocols are refused.
fn objects_directory(text: &str) -> Result<PathBuf, CliError> {
    match text.split_once(',') {
        Some(("http", directory)) if !directory.is_empty() => Ok(PathBuf::from(directory)),
        _ => Err(CliError::Usage(format!(
            "--export-objects {text}: rttscope exports HTTP objects only; write --export-objects http,DIR"
        ))),
    }
}

/// `--export-objects`: `directory` made if need be, each object written to it once finished.
fn objects_exporter(
    directory: &std::path::Path,
) -> Result<crate::objects::Exporter<crate::objects::ObjectWriter>, CliError> {
    std::fs::create_dir_all(directory).map_err(|error| objects_failed(directory, error))?;
    Ok(crate::objects::Exporter::new(crate::objects::ObjectWriter::new(directory.to_owned())))
}

/// Writes the objects still open at the end; warns of any left out.
fn finish_objects(
    directory: &std::path::Path,
    objects: crate::objects::Exporter<crate::objects::ObjectWriter>,
) -> Result<(), CliError> {
    let (_, left_out) = objects.finish().map_err(|error| objects_failed(directory, error))?;
    if left_out.total() > 0 {
        eprintln!("rttscope: warning: --export-objects: {}", left_out.describe());
    }
    Ok(())
}

fn objects_failed(directory: &std::path::Path, error: io::Error) -> CliError {
    CliError::Usage(format!("--export-objects: cannot write to {}: {error}", directory.display()))
}

/// The threads to dissect one capture with: `--threads`, or one per core up to the two a
/// capture's three stages share (reading and taking frames apart, tracking, writing).
pub(super) fn threads(given: Option<usize>) -> Result<usize, CliError> {
    match given {
        Some(0) => Err(CliError::Usage("--threads: give at least 1".into())),
        Some(threads) => Ok(threads),
        None => Ok(std::thread::available_parallelism().map_or(1, usize::from).min(2)),
    }
}

/// The key log to read: --keylog's, or tshark's `-o tls.keylog_file:K`. Other preferences are
/// checked to be NAME:VALUE; those rttscope does not have are ignored with a warning.
fn keylog_path(args: &DissectArgs) -> Result<Option<PathBuf>, CliError> {
    let mut path = args.keylog.clone();
    for preference in &args.preferences {
        match parse_preference(preference).map_err(CliError::Usage)? {
            Preference::KeyLog(file) => {
                if path.as_ref().is_some_and(|given| *given != file) {
                    return Err(CliError::Usage(format!(
                        "-o {preference}: a key log is already given; give one, with --keylog or -o tls.keylog_file"
                    )));
                }
                path = Some(file);
            }
            Preference::AlreadySo => {}
            Preference::Ignored(name) => eprintln!(
                "rttscope: warning: -o {name}: rttscope has no such preference (only tls.keylog_file); ignored"
            ),
        }
    }
    Ok(path)
}

/// What a tshark `-o NAME:VALUE` means here.
#[derive(Debug, PartialEq, Eq)]
enum Preference {
    /// `tls.keylog_file` (or the older `ssl.keylog_file`): the same as --keylog.
    KeyLog(PathBuf),
    /// A preference whose value is what rttscope does anyway.
    AlreadySo,
    /// One rttscope does not have, by name.
    Ignored(String),
}

fn parse_preference(text: &str) -> Result<Preference, String> {
    let (name, value) = text.split_once(':').filter(|(name, _)| !name.is_empty()).ok_or_else(|| {
        format!("-o {text:?}: not a preference; write NAME:VALUE, e.g. tls.keylog_file:keys.txt")
    })?;
    let value = value.trim_matches('"');
    Ok(match name {
        "tls.keylog_file" | "ssl.keylog_file" if value.is_empty() => {
            return Err(format!("-o {name}: give the key log's path, e.g. {name}:keys.txt"));
        }
        "tls.keylog_file" | "ssl.keylog_file" => Preference::KeyLog(PathBuf::from(value)),
        "tcp.desegment_tcp_streams"
        | "tcp.reassemble_out_of_order"
        | "tcp.analyze_sequence_numbers"
        | "tcp.relative_sequence_numbers"
        | "ip.defragment"
        | "ipv6.defragment"
        | "tls.desegment_ssl_records"
        | "tls.desegment_ssl_application_data"
        | "http.desegment_headers"
        | "http.desegment_body"
            if value.eq_ignore_ascii_case("true") =>
        {
            Preference::AlreadySo
        }
        _ => Preference::Ignored(name.to_owned()),
    })
}

/// Reads the key log a user named, if any, and says which of its lines were skipped.
pub(super) fn load_key_log(path: Option<&std::path::Path>) -> Result<KeyLog, CliError> {
    let mut keylog = KeyLog::new();
    let Some(path) = path else { return Ok(keylog) };
    let text = std::fs::read(path)
        .map_err(|source| CliError::KeyLog { path: path.display().to_string(), source })?;
    let skipped = keylog.add_text(&text);
    match skipped.first.first() {
        // Not a key log at all: say so rather than list its lines.
        Some(first) if keylog.is_empty() => eprintln!(
            "rttscope: warning: {} is not a key log: none of its lines reads LABEL CLIENT_RANDOM SECRET \
             ({first}); nothing will be decrypted",
            path.display(),
        ),
        _ => report_key_log_warnings(&path.display().to_string(), &skipped),
    }
    Ok(keylog)
}

/// A capture to walk: a file, mapped, or standard input (`-`), read as it arrives so each
/// packet is printed as soon as it has come (`rttscope capture -w - | rttscope dissect -`).
pub(super) enum Input {
    File(CaptureFile),
    Stream(Stream),
}

impl Input {
    /// Opens `path`, or standard input for `-`; a stream is read up to its first packet, so
    /// the interfaces described before it are known.
    pub(super) fn open(path: &std::path::Path) -> Result<Self, CliError> {
        if path.as_os_str() != "-" {
            return Ok(Self::File(CaptureFile::open(path)?));
        }
        let mut stream = Stream::stdin()?;
        stream.read_interfaces();
        Ok(Self::Stream(stream))
    }

    /// The names of the capture's interfaces, by pcapng interface id.
    pub(super) fn interface_names(&self) -> Vec<Option<String>> {
        match self {
            Self::File(capture) => capture.interface_names(),
            Self::Stream(stream) => stream.interface_names(),
        }
    }

    /// How many digits of a second the capture's timestamps carry, by interface.
    pub(super) fn time_digits(&self) -> Vec<u8> {
        match self {
            Self::File(capture) => capture.time_digits(),
            Self::Stream(stream) => stream.time_digits(),
        }
    }

    /// The capture, to walk once on one thread.
    pub(super) fn source(&mut self) -> Box<dyn Walk + '_> {
        match self {
            Self::File(capture) => Box::new(FileSource::new(capture)),
            Self::Stream(stream) => Box::new(stream),
        }
    }
}

/// Where the packets go: the renderer (the packets shown) and the statistics (every packet
/// read, as tshark's taps see them whatever -Y says).
struct Output<'r> {
    renderer: &'r mut (dyn Render + Send),
    statistics: &'r mut [Box<dyn Statistics + Send>],
    /// `--export-objects http,DIR`: every packet's HTTP objects, filter or not.
    objects: Option<&'r mut crate::objects::Exporter<crate::objects::ObjectWriter>>,
}

/// Walks `capture` and writes what is shown, then the statistics. A file's frames are read and
/// taken apart on one thread, tracked on another and written on a third when `threads` allows;
/// a stream's borrow its reader's buffer, so standard input is walked on one.
fn dissect_all(
    (capture, threads): (&mut Input, usize),
    tracking: Tracking<'_>,
    Output { renderer, statistics, mut objects }: Output<'_>,
    (filter, count): (Option<&Filter>, Option<u64>),
    out: &mut (dyn Write + Send),
) -> io::Result<Outcome> {
    renderer.begin(out)?;
    let mut printed = 0u64;
    let mut last_shown_ns = None;
    let mut visit = each(|out, frame, packet| {
        for statistic in statistics.iter_mut() {
            statistic.packet(frame, packet);
        }
        if let Some(objects) = objects.as_deref_mut() {
            objects.packet(frame.number, packet)?;
        }
        packet.shown_after(frame, last_shown_ns);
        if filter.is_none_or(|filter| filter.matches(packet, frame)) {
            last_shown_ns = Some(frame.ts_ns);
            renderer.packet(out, frame, packet)?;
            printed += 1;
        }
        Ok(count.is_none_or(|count| printed < count))
    });
    let outcome = match capture {
        Input::File(file) if threads > 1 => for_each_packet_behind(file, tracking, out, &mut visit),
        _ => for_each_packet(capture.source().as_mut(), tracking, out, &mut visit),
    }?;
    renderer.end(out)?;
    // tshark prints its statistics last asked first.
    for statistic in statistics.iter().rev() {
        statistic.write(out)?;
    }
    Ok(outcome)
}

/// `rttscope fields`: every protocol and field name, its type and what it means, each protocol
/// before its fields.
pub fn list_fields() -> Result<Outcome, CliError> {
    let mut out = BufWriter::new(io::stdout().lock());
    let mut write = || -> io::Result<()> {
        for protocol in Protocol::ALL {
            let fields = std::iter::once(registry::protocol_info(protocol)).chain(protocol.fields().copied());
            for field in fields {
                writeln!(out, "{:<40} {:<9} {}", field.name, format!("{:?}", field.kind), field.title)?;
            }
        }
        out.flush()
    };
    match write() {
        Ok(()) => Ok(Outcome::Complete),
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(Outcome::Complete),
        Err(error) => Err(CliError::Output(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn o_reads_the_key_log_under_both_names() {
        for name in ["tls.keylog_file", "ssl.keylog_file"] {
            assert_eq!(
                parse_preference(&format!("{name}:/tmp/keys.txt")),
                Ok(Preference::KeyLog(PathBuf::from("/tmp/keys.txt")))
            );
        }
        // A path with a colon in it keeps it.
        assert_eq!(
            parse_preference("tls.keylog_file:C:keys"),
            Ok(Preference::KeyLog(PathBuf::from("C:keys")))
        );
        assert!(
            parse_preference("tls.keylog_file:")
                .is_err_and(|error| error.contains("give the key log's path"))
        );
    }

    #[test]
    fn o_accepts_what_rttscope_does_anyway_and_names_the_rest() {
        assert_eq!(parse_preference("tcp.reassemble_out_of_order:TRUE"), Ok(Preference::AlreadySo));
        assert_eq!(
            parse_preference("tcp.desegment_tcp_streams:FALSE"),
            Ok(Preference::Ignored("tcp.desegment_tcp_streams".into()))
        );
        assert_eq!(parse_preference("gui.foo:1"), Ok(Preference::Ignored("gui.foo".into())));
        for bad in ["tls.keylog_file", ":x", ""] {
            assert!(parse_preference(bad).is_err_and(|error| error.contains("write NAME:VALUE")), "{bad}");
        }
    }

    #[test]
    fn export_objects_takes_tsharks_http_and_a_directory_and_refuses_the_rest() {
        assert_eq!(objects_directory("http,out").ok(), Some(PathBuf::from("out")));
        assert_eq!(objects_directory("http,a,b").ok(), Some(PathBuf::from("a,b")), "a comma in the path");
        for bad in ["smb,out", "http", "http,", "out"] {
            let refused = objects_directory(bad).map_err(|error| error.to_string());
            assert!(refused.is_err_and(|error| error.contains("write --export-objects http,DIR")), "{bad}");
        }
    }
}
