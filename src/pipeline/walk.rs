//! The walk itself: every step of a capture in order, its frames tracked and handed to a
//! [`Sink`], which visits them here ([`Here`]) or on a thread behind ([`super::behind`]).

use std::collections::BTreeSet;
use std::io::{self, Write};

use super::{Step, Walk};
use crate::capture::{Frame, LinkType, SecretsKind};
use crate::cli::Outcome;
use crate::dissect::Packet;
use crate::track::keylog::{HelloMatches, KeyLog, Skipped};
use crate::track::{Scratch, Tracker};

/// A tracker, and the key log the user gave (without what the capture embeds), whose matches
/// with the capture's ClientHellos are checked.
pub struct Tracking<'k> {
    pub tracker: Tracker,
    pub user_keylog: &'k KeyLog,
}

/// What a walk over a capture hands its packets to.
pub trait Visit {
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
pub fn each<F: for<'a> FnMut(&mut dyn Write, &Frame<'a>, &Packet<'a>) -> io::Result<bool>>(visit: F) -> F {
    visit
}

/// Where a walk's frames go once it has read them: each is tracked, its ClientHellos checked
/// against the user's key log, and its packet visited, in capture order.
pub(super) trait Sink {
    /// Tracks `frame` (taken apart ahead, or not yet) with `tracker` and hands its packet on;
    /// says whether to go on.
    fn frame<'a>(
        &mut self,
        tracker: &mut Tracker,
        frame: Frame<'a>,
        ahead: Option<Packet<'a>>,
    ) -> io::Result<bool>;

    /// Key log text the capture embeds, in its place between the frames, with the lines of
    /// it the tracker skipped (said at the end, if the visits reach it).
    fn secrets(&mut self, text: &[u8], skipped: Skipped);

    /// A note for standard error, given once the visits reach this place (a visit that
    /// stops before it, `-c`, never gives it).
    fn note(&mut self, text: String);

    /// Everything has arrived that there is to read for now: write out what was visited.
    fn caught_up(&mut self) -> io::Result<()>;

    /// Waits until every packet handed on has been visited and written; what the visits saw.
    fn finish(&mut self) -> io::Result<Visited>;
}

/// What the visits of a walk saw, for the warnings given after it.
#[derive(Default)]
pub(super) struct Visited {
    /// The ClientHellos seen, and whether the user's key log had a secret for them.
    pub hellos: HelloMatches,
    /// A visit said to stop (`-c`, a closed pipe) before the capture ended.
    pub stopped: bool,
    /// The key log lines skipped in the blocks embedded before where the visits stopped.
    pub skipped: Skipped,
}

/// Tracks every packet of `capture` in order with `tracker` and hands each to `visit`, which
/// says whether to go on. Key material embedded in the capture is given to the tracker as it
/// comes; a capture cut short ends with a warning (after `out` is flushed) and
/// [`Outcome::CutShort`]; a user's key log that matched none of the ClientHellos gets a
/// warning, as the terminal UI gives.
pub fn for_each_packet(
    source: &mut dyn Walk,
    Tracking { tracker, user_keylog }: Tracking<'_>,
    out: &mut dyn Write,
    visit: &mut dyn Visit,
) -> io::Result<Outcome> {
    let mut here = Here { scratch: Scratch::new(), user_keylog, visited: Visited::default(), out, visit };
    walk(source, tracker, &mut here)
}

/// Visits each packet on the walk's own thread, with one scratch reused for every frame.
struct Here<'w> {
    scratch: Scratch,
    user_keylog: &'w KeyLog,
    visited: Visited,
    out: &'w mut dyn Write,
    visit: &'w mut dyn Visit,
}

impl Sink for Here<'_> {
    fn frame<'a>(
        &mut self,
        tracker: &mut Tracker,
        frame: Frame<'a>,
        ahead: Option<Packet<'a>>,
    ) -> io::Result<bool> {
        let packet = track(tracker, &frame, ahead.map(super::ahead::within), &mut self.scratch);
        self.visited.hellos.check(&packet, self.user_keylog);
        let go_on = self.visit.packet(self.out, &frame, &packet)?;
        self.visited.stopped = !go_on;
        Ok(go_on)
    }

    fn secrets(&mut self, text: &[u8], skipped: Skipped) {
        self.visit.secrets(text);
        self.visited.skipped.merge(skipped);
    }

    fn note(&mut self, text: String) {
        eprintln!("{text}");
    }

    fn caught_up(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<Visited> {
        self.out.flush()?;
        Ok(std::mem::take(&mut self.visited))
    }
}

/// Tracks a frame, taken apart ahead or not yet.
pub(super) fn track<'a>(
    tracker: &mut Tracker,
    frame: &Frame<'a>,
    ahead: Option<Packet<'a>>,
    scratch: &'a mut Scratch,
) -> Packet<'a> {
    match ahead {
        Some(packet) => tracker.handle_dissected(frame, packet, scratch),
        None => tracker.handle_frame(frame, scratch),
    }
}

/// Walks `source` to its end (or until `sink` says to stop), then gives the warnings the walk
/// met, once everything before them is written.
pub(super) fn walk(source: &mut dyn Walk, mut tracker: Tracker, sink: &mut dyn Sink) -> io::Result<Outcome> {
    let mut unknown_linktypes = BTreeSet::new();
    let mut cut = None;
    loop {
        // The step is taken apart in the statement that reads it, so the walk is free again
        // (to ask whether it caught up) once the frame and its packet are done with.
        let (frame, ahead) = match source.next_step() {
            None => break,
            Some(Ok(Step::Frame(frame, ahead))) => (frame, ahead),
            Some(Ok(Step::Secrets(secrets))) => {
                if secrets.kind == SecretsKind::TlsKeyLog {
                    // Counted over all the capture's blocks, and said once at the end.
                    let skipped = tracker.add_key_log_text(secrets.data);
                    sink.secrets(secrets.data, skipped);
                }
                continue;
            }
            Some(Err(error)) => {
                cut = Some(error);
                break;
            }
        };
        if let LinkType::Unknown(number) = frame.linktype
            && unknown_linktypes.insert(number)
        {
            sink.note(format!(
                "rttscope: note: link type {number} is not decoded; its packets are shown as raw bytes"
            ));
        }
        if !sink.frame(&mut tracker, frame, ahead)? {
            break;
        }
        // A stream's reader sees each packet as soon as nothing more has arrived after it.
        if source.caught_up() {
            sink.caught_up()?;
        }
    }
    let visited = sink.finish()?;
    // A walk that stopped before the end (on a thread behind, after the tracker had read on)
    // says nothing of what lies after where it stopped.
    let cut = cut.filter(|_| !visited.stopped);
    let outcome = if let Some(error) = cut {
        match source.warning() {
            // The damaged compression is the cause; the cut capture is its effect.
            Some(gzip) => eprintln!(
                "rttscope: warning: {gzip}, so {error} (counting decompressed bytes); every packet before it was shown"
            ),
            None if source.compressed() => eprintln!(
                "rttscope: warning: {error} (counting decompressed bytes); every packet before it was shown"
            ),
            None => eprintln!("rttscope: warning: {error}; every packet before it was shown"),
        }
        Outcome::CutShort
    } else if let Some(gzip) = source.warning() {
        eprintln!("rttscope: warning: {gzip}; every packet before it was shown");
        Outcome::CutShort
    } else {
        Outcome::Complete
    };
    report_key_log_warnings("in the capture", &visited.skipped);
    if let Some(warning) = visited.hellos.warning() {
        eprintln!("rttscope: warning: {warning}");
    }
    Ok(outcome)
}

/// Says on one line how many key log lines were skipped, and shows the first few.
pub fn report_key_log_warnings(source: &str, skipped: &Skipped) {
    if !skipped.is_empty() {
        eprintln!("rttscope: warning: key log {source}: {skipped}; the rest of it is used");
    }
}
