//! `rttscope timeline`: read a capture, track it, and draw each connection's handshake with its
//! round trips counted.

use std::io::{self, BufWriter, Write};

use super::dissect::{for_each_packet, load_key_log};
use super::{CliError, Outcome, TimelineArgs, TimelineFormat};
use crate::capture::CaptureFile;
use crate::render::diagram::{write_mermaid, write_svg};
use crate::render::timeline::{write_json, write_text};
use crate::timeline::Builder;
use crate::track::Tracker;

pub fn run(args: &TimelineArgs) -> Result<Outcome, CliError> {
    let keylog = load_key_log(args.keylog.as_deref())?;
    let capture = CaptureFile::open(&args.file)?;
    let mut out = BufWriter::new(io::stdout().lock());
    let mut builder = Builder::new();
    let outcome =
        for_each_packet(&capture, Tracker::with_keylog(keylog), &mut io::sink(), &mut |_, frame, packet| {
            builder.handle_packet(frame, packet);
            Ok(true)
        })
        .map_err(CliError::Output)?;
    let mut connections = builder.finish();
    if let Some(id) = args.connection {
        connections.retain(|connection| connection.id == id);
        if connections.is_empty() {
            return Err(CliError::Usage(format!(
                "no connection {id} in {}; `rttscope timeline FILE` lists them",
                args.file.display()
            )));
        }
    }
    let written = match args.format {
        TimelineFormat::Text => write_text(&mut out, &connections),
        TimelineFormat::Json => write_json(&mut out, &connections),
        TimelineFormat::Svg => write_svg(&mut out, &connections),
        TimelineFormat::Mermaid => write_mermaid(&mut out, &connections),
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => Ok(outcome),
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(outcome),
        Err(error) => Err(CliError::Output(error)),
    }
}
