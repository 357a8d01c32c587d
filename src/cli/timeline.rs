//! `rttscope timeline`: read a capture, track it, and draw each connection's handshake with its
//! round trips counted. Each connection is written as soon as it has ended (and every one
//! before it has been written), so the command keeps only the connections still open; what it
//! writes is the same as if it had waited for them all.
//!
//! The qlog formats write the QUIC connections only: each connection's trace is collected
//! beside its timeline and written when the timeline hands the connection out, with the round
//! trip the timeline measured; a QUIC connection the timeline never showed is written at the
//! end, without one.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use super::dissect::{Input, load_key_log};
use super::{CliError, Outcome, TimelineArgs, TimelineFormat};
use crate::capture::{CaptureFile, FileSource, Frame};
use crate::dispatch::Dispatch;
use crate::dissect::Packet;
use crate::pipeline::{Tracking, Visit, for_each_packet};
use crate::render::diagram::{write_mermaid, write_svg};
use crate::render::qlog::{self, Shape};
use crate::render::timeline::{JsonStream, Scale, Table, write_text_within};
use crate::timeline::ending::MAX_OPEN;
use crate::timeline::{Connection, Timelines, Transport};
use crate::track::Tracker;

pub fn run(args: &TimelineArgs) -> Result<Outcome, CliError> {
    let dispatch = args.decode_as.dispatch()?;
    let memory_limit = args.memory.limit()?;
    let keylog = load_key_log(args.keylog.as_deref())?;
    let mut capture = Input::open(&args.file)?;
    let mut timelines =
        Timelines::new(&capture.interface_names(), &keylog).with_dispatch(&dispatch).streaming();
    let share = timelines.share_memory(memory_limit);
    let tracker =
        Tracker::with_keylog(keylog.clone()).with_dispatch(dispatch.clone()).with_memory_limit(share);
    let scale = if args.to_scale { Scale::ToScale } else { Scale::Compact };
    let mut stream = Stream {
        timelines,
        out: BufWriter::new(io::stdout().lock()),
        written: Written::new(
            args.format,
            scale,
            args.connection,
            &capture.interface_names(),
            &args.file,
            output_width(args.width),
        ),
        broken_pipe: false,
    };
    let outcome = for_each_packet(
        capture.source().as_mut(),
        Tracking { tracker, user_keylog: &keylog },
        &mut io::sink(),
        &mut stream,
    )
    .map_err(CliError::Output)?;
    let Stream { timelines, mut out, mut written, broken_pipe } = stream;
    if broken_pipe {
        return Ok(outcome);
    }
    let ended_early = timelines.ended_early();
    let rest = timelines.finish();
    let finished = rest.iter().try_for_each(|connection| written.connection(&mut out, connection));
    if let (Some(id), Ok(())) = (args.connection, &finished)
        && written.count == 0
    {
        return Err(CliError::Usage(format!(
            "no connection {id} in {}; `rttscope timeline FILE` lists them",
            args.file.display()
        )));
    }
    let qlog_traces = match finished.and_then(|()| written.end(&mut out)).and_then(|traces| {
        out.flush()?;
        Ok(traces)
    }) {
        Ok(traces) => traces,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => return Ok(outcome),
        Err(error) => return Err(CliError::Output(error)),
    };
    if qlog_traces == Some(0) {
        let which = match args.connection {
            Some(id) => format!("connection {id} of {} is not a QUIC connection", args.file.display()),
            None => format!("{} has no QUIC connection", args.file.display()),
        };
        eprintln!("rttscope: note: {which}; the qlog holds no trace");
    }
    if ended_early > 0 {
        eprintln!(
            "rttscope: note: more than {MAX_OPEN} connections were open at once; the {ended_early} that began first were shown as they stood (a later packet of one starts a new timeline)"
        );
    }
    Ok(outcome)
}

/// Tracks a capture into timelines and writes each as its connection ends.
struct Stream<W: Write> {
    timelines: Timelines,
    out: W,
    written: Written,
    broken_pipe: bool,
}

impl<W: Write> Visit for Stream<W> {
    fn packet<'a>(&mut self, _: &mut dyn Write, frame: &Frame<'a>, packet: &Packet<'a>) -> io::Result<bool> {
        if let Some(qlog) = &mut self.written.qlog {
            qlog.builder.handle(frame, packet);
        }
        self.timelines.handle(frame, packet);
        for connection in self.timelines.take_ended() {
            match self.written.connection(&mut self.out, &connection) {
                Ok(()) => {}
                Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                    self.broken_pipe = true;
                    return Ok(false);
                }
                Err(error) => return Err(error),
            }
        }
        Ok(true)
    }

    fn secrets(&mut self, text: &[u8]) {
        self.timelines.add_key_log_text(text);
    }
}

/// Writes timelines one at a time, in the chosen format, as the whole list would be written:
/// text keeps the closing table's lines aside (in a temporary file) until the end, an SVG
/// needs every connection to size its picture and keeps them.
struct Written {
    format: TimelineFormat,
    scale: Scale,
    /// Columns the text fits in.
    width: usize,
    only: Option<u32>,
    count: usize,
    json: JsonStream,
    table: Spool,
    svg: Vec<Connection>,
    qlog: Option<Qlog>,
}

/// The qlog formats' traces being collected, and their writer.
struct Qlog {
    builder: qlog::Builder,
    writer: qlog::Writer,
    /// Packets of written traces left out past [`qlog::MAX_PACKETS`].
    left_out: u64,
}

impl Qlog {
    fn reference_ns(&self) -> i64 {
        self.builder.first_ns.unwrap_or(0)
    }
}

impl Written {
    fn new(
        format: TimelineFormat,
        scale: Scale,
        only: Option<u32>,
        interfaces: &[Option<String>],
        file: &Path,
        width: usize,
    ) -> Self {
        let shape = match format {
            TimelineFormat::Qlog => Some(Shape::Draft),
            TimelineFormat::Sqlog => Some(Shape::Seq03),
            _ => None,
        };
        let qlog = shape.map(|shape| Qlog {
            builder: qlog::Builder::new(interfaces),
            writer: qlog::Writer::new(shape, format!("rttscope timeline {}", file.display())),
            left_out: 0,
        });
        Self {
            format,
            scale,
            width,
            only,
            count: 0,
            json: JsonStream::new(),
            table: Spool::new(),
            svg: Vec::new(),
            qlog,
        }
    }

    fn connection(&mut self, out: &mut dyn Write, connection: &Connection) -> io::Result<()> {
        // A connection's trace is taken whether or not it is shown, so that the end does not
        // write it.
        let trace = match &mut self.qlog {
            Some(qlog) if connection.transport == Transport::Quic => {
                connection.events.iter().find_map(|event| qlog.builder.take_with_frame(event.frame))
            }
            _ => None,
        };
        if self.only.is_some_and(|id| id != connection.id) {
            return Ok(());
        }
        let one = std::slice::from_ref(connection);
        match self.format {
            TimelineFormat::Text => {
                write_text_within(out, one, self.scale, self.width)?;
                Table::new(false, self.width).row(&mut self.table, connection)?;
            }
            TimelineFormat::Json => self.json.connection(out, connection)?,
            TimelineFormat::Mermaid => {
                if self.count > 0 {
                    writeln!(out)?;
                }
                write_mermaid(out, one)?;
            }
            TimelineFormat::Svg => self.svg.push(connection.clone()),
            TimelineFormat::Qlog | TimelineFormat::Sqlog => {
                if let (Some(qlog), Some(mut trace)) = (&mut self.qlog, trace) {
                    trace.timeline_id = Some(connection.id);
                    if let Some(rtt_ms) = connection.rtt_ms {
                        trace.set_rtt(rtt_ms);
                    }
                    let reference_ns = qlog.reference_ns();
                    qlog.left_out += trace.left_out;
                    qlog.writer.trace(out, &trace, reference_ns)?;
                }
            }
        }
        self.count += 1;
        Ok(())
    }

    /// Writes what closes the output: the text's table, the JSON's end, the SVG, the QUIC
    /// connections the timeline did not show and the qlog's end.
    /// Returns how many qlog traces were written, for the qlog formats.
    fn end(self, out: &mut dyn Write) -> io::Result<Option<usize>> {
        if let Some(Qlog { builder, mut writer, mut left_out }) = self.qlog {
            let reference_ns = builder.first_ns.unwrap_or(0);
            if self.only.is_none() {
                for trace in builder.finish() {
                    left_out += trace.left_out;
                    writer.trace(out, &trace, reference_ns)?;
                }
            }
            if left_out > 0 {
                eprintln!(
                    "rttscope: note: a qlog trace keeps at most {} events; {left_out} packets past that were left out",
                    qlog::MAX_PACKETS
                );
            }
            return writer.end(out, reference_ns).map(Some);
        }
        let ended = match self.format {
            TimelineFormat::Text if self.count > 1 => {
                let table = Table::new(false, self.width);
                table.heading(out)?;
                self.table.copy_to(out)?;
                table.legend(out)
            }
            TimelineFormat::Text | TimelineFormat::Mermaid => Ok(()),
            TimelineFormat::Json => self.json.end(out),
            TimelineFormat::Svg => write_svg(out, &self.svg, self.scale),
            TimelineFormat::Qlog | TimelineFormat::Sqlog => Ok(()),
        };
        ended.map(|()| None)
    }
}

/// The columns text output fits in: `--width`, else the terminal's, else (into a pipe or a
/// file) 80.
pub(super) fn output_width(flag: Option<u16>) -> usize {
    use std::io::IsTerminal as _;
    let terminal = || {
        io::stdout()
            .is_terminal()
            .then(crossterm::terminal::size)
            .and_then(Result::ok)
            .map(|(columns, _)| columns)
            .filter(|columns| *columns > 0)
    };
    usize::from(flag.or_else(terminal).unwrap_or(80))
}

/// Lines kept aside until the end: in an unlinked temporary file, or in memory when none can
/// be made.
struct Spool {
    file: Option<BufWriter<File>>,
    memory: Vec<u8>,
}

impl Spool {
    fn new() -> Self {
        Self { file: None, memory: Vec::new() }
    }

    /// An unlinked file in the temporary directory, made on first use.
    fn open() -> Option<BufWriter<File>> {
        let dir = std::env::temp_dir();
        (0..16).find_map(|attempt| {
            let path = dir.join(format!("rttscope-timeline-{}-{attempt}", std::process::id()));
            let file = OpenOptions::new().read(true).write(true).create_new(true).open(&path).ok()?;
            let _ = std::fs::remove_file(&path);
            Some(BufWriter::new(file))
        })
    }

    fn copy_to(self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(&self.memory)?;
        let Some(file) = self.file else { return Ok(()) };
        let mut file = file.into_inner().map_err(|error| error.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        io::copy(&mut file, out)?;
        Ok(())
    }
}

impl Write for Spool {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.file.is_none() && self.memory.len() + bytes.len() > 1 << 20 {
            self.file = Self::open();
        }
        match &mut self.file {
            Some(file) => file.write(bytes),
            None => self.memory.write(bytes),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

/// Every connection's timeline in a capture, decrypted with the key log if one is given (and
/// with the secrets the capture embeds), its payloads handed on as `dispatch` says, the tracker
/// keeping at most `memory_limit` bytes of state. The caller opens the capture: the demo opens
/// its own before it drops its privileges.
pub(super) fn connections_in(
    capture: &CaptureFile,
    keylog: Option<&Path>,
    dispatch: &Dispatch,
    memory_limit: usize,
) -> Result<(Vec<Connection>, Outcome), CliError> {
    let keylog = load_key_log(keylog)?;
    let mut timelines = Timelines::new(&capture.interface_names(), &keylog).with_dispatch(dispatch);
    let share = timelines.share_memory(memory_limit);
    let tracker =
        Tracker::with_keylog(keylog.clone()).with_dispatch(dispatch.clone()).with_memory_limit(share);
    let mut timelines = Collect(timelines);
    let outcome = for_each_packet(
        &mut FileSource::new(capture),
        Tracking { tracker, user_keylog: &keylog },
        &mut io::sink(),
        &mut timelines,
    )
    .map_err(CliError::Output)?;
    Ok((timelines.0.finish(), outcome))
}

/// Gathers the timelines of a walk.
struct Collect(Timelines);

impl Visit for Collect {
    fn packet<'a>(&mut self, _: &mut dyn Write, frame: &Frame<'a>, packet: &Packet<'a>) -> io::Result<bool> {
        self.0.handle(frame, packet);
        Ok(true)
    }

    fn secrets(&mut self, text: &[u8]) {
        self.0.add_key_log_text(text);
    }
}
