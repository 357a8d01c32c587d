//! `rttscope dissect`: read a capture, track it, filter it, and print every packet.

use std::collections::BTreeSet;
use std::io::{self, BufWriter, Write};

use super::{CliError, DissectArgs, Outcome, OutputFormat};
use crate::capture::{CaptureFile, Frame, LinkType, SecretsKind};
use crate::dissect::Packet;
use crate::filter::Filter;
use crate::osi::Protocol;
use crate::registry;
use crate::render::Render;
use crate::render::fields::Fields;
use crate::render::json::Json;
use crate::render::text::Text;
use crate::track::keylog::{HelloMatches, KeyLog, Skipped};
use crate::track::{Scratch, Tracker};

const OUTPUT_BUFFER: usize = 1 << 16;

pub fn run(args: &DissectArgs) -> Result<Outcome, CliError> {
    super::capture::check_count(args.count)?;
    let format = match (args.format, args.fields.is_empty()) {
        (Some(format), _) => format,
        (None, false) => OutputFormat::Fields,
        (None, true) => OutputFormat::Text,
    };
    let mut renderer: Box<dyn Render> = match format {
        OutputFormat::Text => Box::new(Text::new()),
        OutputFormat::Json => Box::new(Json::new()),
        OutputFormat::Fields if args.fields.is_empty() => return Err(CliError::NoFields),
        OutputFormat::Fields => {
            Box::new(Fields::new(&args.fields, args.header).map_err(CliError::UnknownFields)?)
        }
    };
    let filter = match &args.filter {
        Some(text) => Some(
            Filter::parse(text)
                .map_err(|error| CliError::Filter { annotated: error.annotate(text), error })?,
        ),
        None => None,
    };
    let dispatch = args.decode_as.dispatch()?;
    let memory_limit = args.memory.limit()?;
    let keylog = load_key_log(args.keylog.as_deref())?;
    let capture = CaptureFile::open(&args.file)?;

    let mut out = BufWriter::with_capacity(OUTPUT_BUFFER, io::stdout().lock());
    let tracker =
        Tracker::with_keylog(keylog.clone()).with_dispatch(dispatch).with_memory_limit(memory_limit);
    let result = dissect_all(
        &capture,
        Tracking { tracker, user_keylog: &keylog },
        renderer.as_mut(),
        filter.as_ref(),
        args.count,
        &mut out,
    )
    .and_then(|outcome| out.flush().map(|()| outcome));
    match result {
        Ok(outcome) => Ok(outcome),
        // A reader that stops early (`| head`) is not an error.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(Outcome::Complete),
        Err(error) => Err(CliError::Output(error)),
    }
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

/// Says on one line how many key log lines were skipped, and shows the first few.
pub(super) fn report_key_log_warnings(source: &str, skipped: &Skipped) {
    if !skipped.is_empty() {
        eprintln!("rttscope: warning: key log {source}: {skipped}; the rest of it is used");
    }
}

fn dissect_all(
    capture: &CaptureFile,
    tracking: Tracking<'_>,
    renderer: &mut dyn Render,
    filter: Option<&Filter>,
    count: Option<u64>,
    out: &mut dyn Write,
) -> io::Result<Outcome> {
    renderer.begin(out)?;
    let mut printed = 0u64;
    for_each_packet(
        capture,
        tracking,
        out,
        &mut each(|out, frame, packet| {
            if filter.is_none_or(|filter| filter.matches(packet, frame)) {
                renderer.packet(out, frame, packet)?;
                printed += 1;
            }
            Ok(count.is_none_or(|count| printed < count))
        }),
    )
}

/// A tracker, and the key log the user gave (without what the capture embeds), whose matches
/// with the capture's ClientHellos are checked.
pub(super) struct Tracking<'k> {
    pub tracker: Tracker,
    pub user_keylog: &'k KeyLog,
}

/// What a walk over a capture hands its packets to.
pub(super) trait Visit {
    /// Takes one tracked packet; says whether to go on.
    fn packet<'a>(&mut self, out: &mut dyn Write, frame: &Frame<'a>, packet: &Packet<'a>)
    -> io::Result<bool>;

    /// Key log text the capture embeds, met before the packets it applies to.
    fn secrets(&mut self, _text: &[u8]) {}
}

impl<F: for<'a> FnMut(&mut dyn Write, &Frame<'a>, &Packet<'a>) -> io::Result<bool>> Visit for F {
    fn packet<'a>(
        &mut self,
        out: &mut dyn Write,
        frame: &Frame<'a>,
        packet: &Packet<'a>,
    ) -> io::Result<bool> {
        self(out, frame, packet)
    }
}

/// A visitor from a closure, with the signature spelled out for the compiler.
pub(super) fn each<F: for<'a> FnMut(&mut dyn Write, &Frame<'a>, &Packet<'a>) -> io::Result<bool>>(
    visit: F,
) -> F {
    visit
}

/// Tracks every packet of `capture` in order with `tracker` and hands each to `visit`, which
/// says whether to go on. Key material embedded in the capture is given to the tracker as it
/// comes; a capture cut short ends with a warning (after `out` is flushed) and
/// [`Outcome::CutShort`]; a user's key log that matched none of the ClientHellos gets a
/// warning, as the terminal UI gives.
pub(super) fn for_each_packet(
    capture: &CaptureFile,
    Tracking { tracker, user_keylog }: Tracking<'_>,
    out: &mut dyn Write,
    visit: &mut dyn Visit,
) -> io::Result<Outcome> {
    let mut hellos = HelloMatches::default();
    let mut skipped = Skipped::default();
    let outcome = walk(capture, tracker, user_keylog, (&mut hellos, &mut skipped), out, visit);
    if !skipped.is_empty() {
        out.flush()?;
        report_key_log_warnings("in the capture", &skipped);
    }
    if let Some(warning) = hellos.warning() {
        out.flush()?;
        eprintln!("rttscope: warning: {warning}");
    }
    outcome
}

fn walk(
    capture: &CaptureFile,
    mut tracker: Tracker,
    user_keylog: &KeyLog,
    (hellos, skipped): (&mut HelloMatches, &mut Skipped),
    out: &mut dyn Write,
    visit: &mut dyn Visit,
) -> io::Result<Outcome> {
    let mut unknown_linktypes = BTreeSet::new();
    let mut scratch = Scratch::new();
    let mut frames = capture.frames();
    while let Some(item) = frames.next() {
        for secrets in frames.take_secrets() {
            if secrets.kind == SecretsKind::TlsKeyLog {
                // Counted over all the capture's blocks, and said once at the end.
                skipped.merge(tracker.add_key_log_text(secrets.data));
                visit.secrets(secrets.data);
            }
        }
        let frame = match item {
            Ok(frame) => frame,
            Err(error) => {
                out.flush()?;
                match capture.warning() {
                    // The damaged compression is the cause; the cut capture is its effect.
                    Some(gzip) => eprintln!(
                        "rttscope: warning: {gzip}, so {error} (counting decompressed bytes); every packet before it was shown"
                    ),
                    None if capture.compressed() => eprintln!(
                        "rttscope: warning: {error} (counting decompressed bytes); every packet before it was shown"
                    ),
                    None => eprintln!("rttscope: warning: {error}; every packet before it was shown"),
                }
                return Ok(Outcome::CutShort);
            }
        };
        if let LinkType::Unknown(number) = frame.linktype
            && unknown_linktypes.insert(number)
        {
            eprintln!(
                "rttscope: note: link type {number} is not decoded; its packets are shown as raw bytes"
            );
        }
        let packet = tracker.handle_frame(&frame, &mut scratch);
        hellos.check(&packet, user_keylog);
        if !visit.packet(out, &frame, &packet)? {
            break;
        }
    }
    if let Some(gzip) = capture.warning() {
        out.flush()?;
        eprintln!("rttscope: warning: {gzip}; every packet before it was shown");
        return Ok(Outcome::CutShort);
    }
    Ok(Outcome::Complete)
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
