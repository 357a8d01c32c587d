//! `rttscope timeline`: read a capture, track it, and draw each connection's handshake with its
//! round trips counted.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::dissect::{for_each_packet, load_key_log};
use super::{CliError, Outcome, TimelineArgs, TimelineFormat};
use crate::capture::CaptureFile;
use crate::render::diagram::{write_mermaid, write_svg};
use crate::render::timeline::{write_json, write_text};
use crate::timeline::{Builder, Connection};
use crate::track::Tracker;

pub fn run(args: &TimelineArgs) -> Result<Outcome, CliError> {
    let (mut connections, outcome) = connections(&args.file, args.keylog.as_deref())?;
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

/// Every connection's timeline in a capture, decrypted with the key log if one is given (and
/// with the secrets the capture embeds).
pub(super) fn connections(
    file: &Path,
    keylog: Option<&Path>,
) -> Result<(Vec<Connection>, Outcome), CliError> {
    let keylog = load_key_log(keylog)?;
    let capture = CaptureFile::open(file)?;
    let mut builder = Builder::new();
    let outcome =
        for_each_packet(&capture, Tracker::with_keylog(keylog), &mut io::sink(), &mut |_, frame, packet| {
            builder.handle_packet(frame, packet);
            Ok(true)
        })
        .map_err(CliError::Output)?;
    Ok((builder.finish(), outcome))
}
