//! Tracked packets visited (filtered, formatted, written) on a thread behind the tracker, while
//! a third reads and takes frames apart ahead of it: every core for one capture. The tracked
//! packets travel behind as [`handoff`](mod@super::handoff) carries them.
//!
//! Output is the same byte for byte as on one thread: the thread behind visits every tracked
//! packet and every embedded key log block in capture order, checks each ClientHello against
//! the user's key log where one thread would, and when a visit says to stop, the warnings about
//! what the tracker read after it are not given.

use std::io::{self, Write};

use super::QUEUED;
use super::handoff::{Given, Receiving, Sending, handoff};
use super::walk::{Sink, Tracking, Visit, Visited, walk};
use crate::capture::{CaptureFile, Frame, WalkedPages};
use crate::cli::Outcome;
use crate::dissect::Packet;
use crate::track::Tracker;
use crate::track::keylog::{KeyLog, Skipped};

/// Walks `capture` with every core: frames read and taken apart on one thread, tracked on the
/// calling one, and visited by `visit`, writing to `out`, on a third. What is written, and
/// every warning, is what [`super::for_each_packet`] gives on one thread.
pub fn for_each_packet_behind(
    capture: &CaptureFile,
    Tracking { tracker, user_keylog }: Tracking<'_>,
    out: &mut (dyn Write + Send),
    visit: &mut (dyn Visit + Send),
) -> io::Result<Outcome> {
    super::ahead::with_frames_ahead(capture, |ahead| {
        std::thread::scope(|scope| {
            let (sending, receiving) = handoff(QUEUED);
            let mut pages = capture.walked_pages();
            let behind = scope.spawn(move || {
                let mut thread = VisitBehind { user_keylog, visited: Visited::default(), out, visit };
                let result = thread.run(&receiving, &mut pages);
                result.map(|()| thread.visited)
            });
            walk(ahead, tracker, &mut Behind { sending, behind: Some(behind) })
        })
    })
}

/// The tracker's end: frames handed behind, and the thread that visits them.
struct Behind<'m, 's> {
    sending: Sending<'m>,
    behind: Option<std::thread::ScopedJoinHandle<'s, io::Result<Visited>>>,
}

impl Sink for Behind<'_, '_> {
    fn frame<'a>(
        &mut self,
        tracker: &mut Tracker,
        frame: Frame<'a>,
        ahead: Option<Packet<'a>>,
    ) -> io::Result<bool> {
        // SAFETY: a `Behind` is made only by `for_each_packet_behind`, for a walk of frames
        // read ahead from the mapped capture, which outlives every thread there: the frame and
        // the packet taken apart from it borrow nothing that lives less than the handoff.
        Ok(unsafe { self.sending.track(tracker, frame, ahead) })
    }

    fn secrets(&mut self, text: &[u8], skipped: Skipped) {
        self.sending.secrets(text, skipped);
    }

    fn note(&mut self, text: String) {
        self.sending.note(text);
    }

    /// A walk of a file never catches up with anything arriving.
    fn caught_up(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self) -> io::Result<Visited> {
        // Hanging up ends the thread behind once it has visited everything sent.
        self.sending.finish();
        match self.behind.take().map(std::thread::ScopedJoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => Ok(Visited::default()),
        }
    }
}

/// The thread behind: visits what the tracker hands on, and writes.
struct VisitBehind<'k, 'o> {
    user_keylog: &'k KeyLog,
    visited: Visited,
    out: &'o mut (dyn Write + Send),
    visit: &'o mut (dyn Visit + Send),
}

impl VisitBehind<'_, '_> {
    /// Visits every batch until the tracker hangs up or a visit says to stop, then flushes.
    fn run(&mut self, receiving: &Receiving<'_>, pages: &mut WalkedPages<'_>) -> io::Result<()> {
        let mut failed = None;
        receiving.each(pages, |item| match item {
            Given::Packet(frame, packet) => {
                self.visited.hellos.check(packet, self.user_keylog);
                match self.visit.packet(self.out, frame, packet) {
                    Ok(go_on) => {
                        self.visited.stopped = !go_on;
                        go_on
                    }
                    Err(error) => {
                        failed = Some(error);
                        false
                    }
                }
            }
            Given::Secrets(text, skipped) => {
                self.visit.secrets(&text);
                self.visited.skipped.merge(skipped);
                true
            }
            Given::Note(text) => {
                eprintln!("{text}");
                true
            }
        });
        match failed {
            Some(error) => Err(error),
            None => self.out.flush(),
        }
    }
}
