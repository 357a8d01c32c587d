//! Exports from the UI, run on a thread of their own: packets to pcapng with the key log in a
//! Decryption Secrets Block, text the UI made (a timeline as SVG or Mermaid) to a file, and a
//! value to the terminal's clipboard through OSC 52.
//!
//! The invariant: files are only created through [`OutputDir`], never replacing one (a taken
//! name gets `-2`, `-3`, … before its extension), so an export works after the privilege
//! drop and never overwrites; each export ends in one status-line note naming the file.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;

use base64::Engine as _;

use super::action::Action;
use super::source::{Ended, Next, Source, Visitor, walk_decoded};
use crate::capture::Frame;
use crate::capture::PcapngWriter;
use crate::dispatch::Dispatch;
use crate::dissect::Packet;
use crate::privilege::OutputDir;
use crate::track::keylog::KeyLog;

/// How many names an export tries before it gives up.
const NAMES_TRIED: usize = 100;

/// Creates a new file named `name`, or `stem-2.ext`, `stem-3.ext`, … when it is taken.
pub fn create_new(name: &str) -> io::Result<(String, File)> {
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, extension)) => (stem, format!(".{extension}")),
        None => (name, String::new()),
    };
    for attempt in 1..=NAMES_TRIED {
        let candidate = if attempt == 1 { name.to_owned() } else { format!("{stem}-{attempt}{extension}") };
        match OutputDir::create(&candidate) {
            Ok(file) => return Ok((candidate, file)),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{name} and {NAMES_TRIED} names after it are taken"),
    ))
}

/// Where files go, as the status line names them: the name first, so a narrow status line
/// still shows it.
fn shown_path(name: &str) -> String {
    match OutputDir::path() {
        Some(directory) => format!("{name} in {}", directory.display()),
        None => name.to_owned(),
    }
}

/// Writes `frames` (every frame when `None`) of `source` to a new pcapng file on a thread,
/// the user's key log and the secrets the capture embeds in Decryption Secrets Blocks; says
/// how it went in a note.
pub fn packets(
    source: Source,
    keylog: KeyLog,
    dispatch: Dispatch,
    name: String,
    frames: Option<Vec<u64>>,
    events: Sender<Action>,
    cancel: Arc<AtomicBool>,
) {
    let work = move || {
        let note = match write_packets(&source, &keylog, &dispatch, &name, frames.as_deref(), &cancel) {
            Ok((written, count)) => format!("wrote {count} packets to {}", shown_path(&written)),
            Err(error) => format!("cannot export the packets: {error}"),
        };
        let _ = events.send(Action::Note(note));
    };
    let _ = std::thread::Builder::new().name("export".to_owned()).spawn(work);
}

/// The export itself: returns the file's name and how many packets it holds.
pub fn write_packets(
    source: &Source,
    keylog: &KeyLog,
    dispatch: &Dispatch,
    name: &str,
    frames: Option<&[u64]>,
    cancel: &AtomicBool,
) -> io::Result<(String, u64)> {
    let (written, file) = create_new(name)?;
    let mut writer = PcapngWriter::new(BufWriter::new(file)).map_err(io::Error::other)?;
    let user = keylog.to_text();
    if !user.is_empty() {
        writer.write_secrets(user.as_bytes()).map_err(io::Error::other)?;
    }
    struct Export<'w> {
        writer: PcapngWriter<BufWriter<File>>,
        frames: Option<&'w [u64]>,
        names: Vec<Option<String>>,
        interfaces: HashMap<(Option<u32>, u32), u32>,
        count: u64,
        error: Option<io::Error>,
    }
    impl Export<'_> {
        fn write(&mut self, frame: &Frame<'_>) -> io::Result<()> {
            let key = (frame.interface, u32::from(frame.linktype));
            let interface = match self.interfaces.get(&key) {
                Some(id) => *id,
                None => {
                    let name = frame
                        .interface
                        .and_then(|id| self.names.get(id as usize).cloned().flatten())
                        .unwrap_or_default();
                    let id = self.writer.add_interface(&name, frame.linktype, 0).map_err(io::Error::other)?;
                    self.interfaces.insert(key, id);
                    id
                }
            };
            self.writer
                .write_packet(interface, frame.ts_ns, frame.orig_len, frame.data)
                .map_err(io::Error::other)?;
            self.count += 1;
            Ok(())
        }
    }
    impl Visitor for Export<'_> {
        fn packet<'a>(&mut self, frame: &Frame<'a>, _: &Packet<'a>) -> Next {
            let wanted = self.frames.is_none_or(|frames| frames.binary_search(&frame.number).is_ok());
            if wanted && let Err(error) = self.write(frame) {
                self.error = Some(error);
                return Next::Stop;
            }
            if self.frames.is_some_and(|frames| frames.last().is_some_and(|last| frame.number >= *last)) {
                return Next::Stop;
            }
            Next::Continue
        }

        fn secrets(&mut self, text: &[u8]) {
            if let Err(error) = self.writer.write_secrets(text) {
                self.error = Some(io::Error::other(error));
            }
        }

        /// A live capture is exported up to where it stands.
        fn idle(&mut self) -> Next {
            Next::Stop
        }
    }
    let mut export = Export {
        writer,
        frames,
        names: source.interface_names(),
        interfaces: HashMap::new(),
        count: 0,
        error: None,
    };
    let ended = walk_decoded(source, keylog, dispatch, cancel, &mut export);
    if let Some(error) = export.error {
        return Err(error);
    }
    if ended == Ended::Cancelled {
        return Err(io::Error::other("cancelled"));
    }
    let count = export.count;
    export.writer.finish().map_err(io::Error::other)?.flush()?;
    Ok((written, count))
}

/// Writes `text` to a new file on a thread; says how it went in a note.
pub fn text(name: String, text: String, events: Sender<Action>) {
    let work = move || {
        let written = create_new(&name).and_then(|(written, mut file)| {
            file.write_all(text.as_bytes())?;
            Ok(written)
        });
        let note = match written {
            Ok(written) => format!("wrote {}", shown_path(&written)),
            Err(error) => format!("cannot write {name}: {error}"),
        };
        let _ = events.send(Action::Note(note));
    };
    let _ = std::thread::Builder::new().name("export".to_owned()).spawn(work);
}

/// The OSC 52 sequence that sets the terminal's clipboard to `text`: it travels with the
/// terminal's own output, so it works over SSH.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64::engine::general_purpose::STANDARD.encode(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_carries_the_text_in_base64() {
        assert_eq!(osc52("10.0.0.1"), "\x1b]52;c;MTAuMC4wLjE=\x07");
    }
}
