//! `rttscope timeline`: read a capture, track it, and draw each connection's handshake with its
//! round trips counted.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::dissect::{Tracking, Visit, for_each_packet, load_key_log};
use super::{CliError, Outcome, TimelineArgs, TimelineFormat};
use crate::capture::{CaptureFile, Frame};
use crate::dispatch::Dispatch;
use crate::dissect::Packet;
use crate::render::diagram::{write_mermaid, write_svg};
use crate::render::timeline::{Scale, write_json, write_text};
use crate::timeline::{Connection, Timelines};
use crate::track::Tracker;

pub fn run(args: &TimelineArgs) -> Result<Outcome, CliError> {
    let dispatch = args.decode_as.dispatch()?;
    let memory_limit = args.memory.limit()?;
    let (mut connections, outcome) =
        connections(&args.file, args.keylog.as_deref(), &dispatch, memory_limit)?;
    let mut out = BufWriter::new(io::stdout().lock());
    if let Some(id) = args.connection {
        connections.retain(|connection| connection.id == id);
        if connections.is_empty() {
            return Err(CliError::Usage(format!(
                "no connection {id} in {}; `rttscope timeline FILE` lists them",
                args.file.display()
            )));
        }
    }
    let scale = if args.to_scale { Scale::ToScale } else { Scale::Compact };
    let written = match args.format {
        TimelineFormat::Text => write_text(&mut out, &connections, scale),
        TimelineFormat::Json => write_json(&mut out, &connections),
        TimelineFormat::Svg => write_svg(&mut out, &connections, scale),
        TimelineFormat::Mermaid => write_mermaid(&mut out, &connections),
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => Ok(outcome),
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(outcome),
        Err(error) => Err(CliError::Output(error)),
    }
}

/// Every connection's timeline in a capture, decrypted with the key log if one is given (and
/// with the secrets the capture embeds), its payloads handed on as `dispatch` says, the tracker
/// keeping at most `memory_limit` bytes of state.
pub(super) fn connections(
    file: &Path,
    keylog: Option<&Path>,
    dispatch: &Dispatch,
    memory_limit: usize,
) -> Result<(Vec<Connection>, Outcome), CliError> {
    let keylog = load_key_log(keylog)?;
    let capture = CaptureFile::open(file)?;
    let timelines = Timelines::new(&capture.interface_names(), &keylog).with_dispatch(dispatch);
    let tracker =
        Tracker::with_keylog(keylog.clone()).with_dispatch(dispatch.clone()).with_memory_limit(memory_limit);
    let mut timelines = Collect(timelines);
    let outcome = for_each_packet(
        &capture,
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
