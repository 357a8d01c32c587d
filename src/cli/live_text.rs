//! `rttscope live` into a pipe or a file: a line per packet as it is captured, as `dissect`
//! prints them and as `tshark -i` does, instead of the terminal UI.
//!
//! Invariants: each batch of packets is flushed as soon as no more are waiting, so a reader
//! sees packets as they arrive; Ctrl-C, SIGTERM and `-c` end the capture with every packet
//! captured until then printed (and written to `-w`); a reader that goes away (`| head`) ends
//! it quietly, with exit 0. A followed key log's new lines reach the tracker (and the `-w`
//! file) before each batch of packets, as in the UI; privileges are dropped before the first
//! packet is read.

use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use super::capture::{
    Writer, counts, drop_privileges, ended, install_stop_handlers, open_output, shown, stop_requested, write,
};
use super::followed::FollowedKeyLog;
use super::{CliError, LiveArgs, Outcome, OutputFormat};
use crate::capture::{Limits, LinkType, LiveCapture, LivePacket};
use crate::dispatch::Dispatch;
use crate::filter::Filter;
use crate::render::Render;
use crate::render::fields::Fields;
use crate::render::json::Json;
use crate::render::text::Text;
use crate::render::tshark_json::{Ek, TsharkJson};
use crate::track::keylog::KeyLog;
use crate::track::{Scratch, Tracker};

/// How often the printer looks for Ctrl-C while no packet arrives.
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

const OUTPUT_BUFFER: usize = 1 << 16;
/// The most packets printed after one look at a followed key log.
const BATCH: usize = 256;

/// How packets are printed: the renderer and the display filter, from `-T`, `-e` and `-Y`.
pub(super) struct TextOutput {
    renderer: Box<dyn Render>,
    filter: Option<Filter>,
}

impl TextOutput {
    /// Reads `-T`, `-e` and `-Y` as `dissect` does; refused on one line before any capture.
    pub(super) fn new(args: &LiveArgs) -> Result<Self, CliError> {
        let format = match (args.format, args.fields.is_empty()) {
            (Some(format), _) => format,
            (None, false) => OutputFormat::Fields,
            (None, true) => OutputFormat::Text,
        };
        let renderer: Box<dyn Render> = match format {
            OutputFormat::Text => Box::new(Text::new()),
            OutputFormat::Jsonl => Box::new(Json::new()),
            OutputFormat::Json | OutputFormat::Ek | OutputFormat::Fields if !args.fields.is_empty() => {
                let fields = Fields::new(&args.fields, false).map_err(CliError::UnknownFields)?;
                format.with_fields(fields).ok_or(CliError::NoFields)?
            }
            OutputFormat::Json => Box::new(TsharkJson::new()),
            OutputFormat::Ek => Box::new(Ek::new()),
            OutputFormat::Fields => return Err(CliError::NoFields),
        };
        let filter = match &args.filter {
            Some(text) => Some(
                Filter::parse(text)
                    .map_err(|error| CliError::Filter { annotated: error.annotate(text), error })?,
            ),
            None => None,
        };
        Ok(Self { renderer, filter })
    }
}

/// What the text mode needs besides the socket.
pub(super) struct TextCapture<'a> {
    pub output: TextOutput,
    pub limits: Limits,
    /// `--keylog`, followed while capturing.
    pub followed: Option<FollowedKeyLog>,
    pub dispatch: Dispatch,
    pub memory_limit: usize,
    pub file: Option<&'a Path>,
}

/// Captures and prints until a limit, a signal or the reader ends it.
pub(super) fn run(capture: LiveCapture, setup: TextCapture<'_>) -> Result<Outcome, CliError> {
    let TextCapture { mut output, limits, mut followed, dispatch, memory_limit, file } = setup;
    let linktype = capture.linktype();
    let mut file = match file {
        Some(path) => {
            let (writer, interface) = open_output(path, &capture, followed.is_some())?;
            Some((writer, interface, path))
        }
        None => None,
    };
    drop_privileges(followed.as_mut())?;
    let keylog = if followed.is_some() { KeyLog::followed() } else { KeyLog::new() };
    eprintln!("rttscope: capturing on {} ({linktype}); Ctrl-C stops", capture.interface());
    if let Err(error) = install_stop_handlers() {
        eprintln!("rttscope: warning: cannot catch Ctrl-C ({error}); stop with -c");
    }
    let (sender, packets) = mpsc::channel();
    let handle = capture.start_streaming(limits, sender)?;
    let mut printer = Printer {
        tracker: Tracker::with_keylog(keylog).with_dispatch(dispatch).with_memory_limit(memory_limit),
        scratch: Scratch::new(),
        linktype,
        number: 0,
        last_shown_ns: None,
        out: BufWriter::with_capacity(OUTPUT_BUFFER, io::stdout().lock()),
        file: file.as_mut().map(|(writer, interface, _)| (writer, *interface)),
        file_error: None,
        followed,
    };
    // What the key log holds already goes before every packet.
    printer.take_secrets();
    let printed = printer.print_until_stopped(&packets, output.renderer.as_mut(), output.filter.as_ref());
    let captured = handle.stop();
    // The reading thread has ended: what it sent since waits in the channel.
    let printed = printed.and_then(|()| {
        printer.take_secrets();
        for packet in packets.try_iter() {
            printer.show(&packet, output.renderer.as_mut(), output.filter.as_ref())?;
        }
        printer.out.flush()
    });
    let file_error = printer.file_error.take();
    drop(printer);
    let quiet = matches!(&printed, Err(error) if error.kind() == io::ErrorKind::BrokenPipe);
    let written = match file {
        Some((writer, _, path)) => {
            let finished = file_error.map_or_else(|| writer.finish().map(drop).err(), Some);
            if let Some(error) = finished {
                return Err(CliError::WriteCapture { path: shown(path), source: error });
            }
            format!(", written to {}", shown(path))
        }
        None => String::new(),
    };
    match printed {
        // The reader went away (`| head`): the capture is over, nothing is wrong.
        Err(_) if quiet => Ok(Outcome::Complete),
        Err(error) => Err(CliError::Output(error)),
        Ok(()) => {
            eprintln!("rttscope: {}{written}", counts(captured.stats));
            Ok(ended(&captured))
        }
    }
}

/// Tracks and prints the captured packets, writing them to `-w` too.
struct Printer<'w> {
    tracker: Tracker,
    scratch: Scratch,
    linktype: LinkType,
    number: u64,
    /// When the packet printed last was captured.
    last_shown_ns: Option<i64>,
    out: BufWriter<io::StdoutLock<'static>>,
    file: Option<(&'w mut Writer, u32)>,
    /// The first failure to write the `-w` file; printing goes on, and it is reported at the end.
    file_error: Option<crate::capture::WriteError>,
    followed: Option<FollowedKeyLog>,
}

impl Printer<'_> {
    /// Prints packets as they arrive, each batch flushed once no more are waiting, until the
    /// capture thread ends (a limit, an error) or a signal asks to stop.
    fn print_until_stopped(
        &mut self,
        packets: &Receiver<LivePacket>,
        renderer: &mut dyn Render,
        filter: Option<&Filter>,
    ) -> io::Result<()> {
        renderer.begin(&mut self.out)?;
        while !stop_requested() {
            match packets.recv_timeout(SIGNAL_CHECK) {
                Ok(packet) => {
                    // The secrets logged before these packets were sent, first.
                    let batch: Vec<LivePacket> =
                        std::iter::once(packet).chain(packets.try_iter().take(BATCH - 1)).collect();
                    self.take_secrets();
                    for packet in &batch {
                        self.show(packet, renderer, filter)?;
                    }
                    self.out.flush()?;
                }
                Err(RecvTimeoutError::Timeout) => self.take_secrets(),
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        Ok(())
    }

    /// Hands the key log's new lines to the tracker and the `-w` file.
    fn take_secrets(&mut self) {
        let Some(followed) = self.followed.as_mut() else { return };
        let Some(lines) = followed.poll(&mut |warning| eprintln!("rttscope: warning: {warning}")) else {
            return;
        };
        self.tracker.add_key_log_text(&lines);
        if let Some((writer, _)) = &mut self.file
            && self.file_error.is_none()
            && let Err(error) = writer.write_secrets(&lines)
        {
            self.file_error = Some(error);
        }
    }

    fn show(
        &mut self,
        packet: &LivePacket,
        renderer: &mut dyn Render,
        filter: Option<&Filter>,
    ) -> io::Result<()> {
        self.number += 1;
        if let Some((writer, interface)) = &mut self.file
            && self.file_error.is_none()
            && let Err(error) = write(writer, *interface, packet)
        {
            self.file_error = Some(error);
        }
        let frame = packet.frame(self.number, self.linktype);
        let dissected = self.tracker.handle_frame(&frame, &mut self.scratch);
        dissected.shown_after(&frame, self.last_shown_ns);
        if filter.is_none_or(|filter| filter.matches(&dissected, &frame)) {
            self.last_shown_ns = Some(frame.ts_ns);
            renderer.packet(&mut self.out, &frame, &dissected)?;
        }
        Ok(())
    }
}
