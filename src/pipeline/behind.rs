//! Tracked packets visited (filtered, formatted, written) on a thread behind the tracker, while
//! a third reads and takes frames apart ahead of it: every core for one capture.
//!
//! A tracked packet borrows its frame (in the mapped capture, which outlives every thread
//! here) and the scratch it was tracked into (stream bytes reassembled or decrypted). So each
//! frame in flight is tracked into a scratch of its own, which travels behind with its packet
//! and comes back once the packet has been visited and dropped, to be cleared and used again.
//! The queue between the tracker and the thread behind is bounded, by frames and by bytes,
//! like the one ahead, so the scratches in flight are bounded too, and a scratch that grew
//! large is not kept.
//!
//! Output is the same byte for byte as on one thread: the thread behind visits every tracked
//! packet and every embedded key log block in capture order, checks each ClientHello against
//! the user's key log where one thread would, and when a visit says to stop, the warnings about
//! what the tracker read after it are not given.

use std::io::{self, Write};
use std::ptr::NonNull;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};

use super::walk::{Sink, Tracking, Visit, Visited, track, walk};
use super::{BATCH, BATCH_BYTES, QUEUED};
use crate::capture::{CaptureFile, Frame};
use crate::cli::Outcome;
use crate::dissect::Packet;
use crate::track::keylog::{KeyLog, Skipped};
use crate::track::{Scratch, Tracker};

/// A scratch kept for another frame holds at most this much; a larger one is let go, so the
/// scratches kept cannot each keep the largest message the capture ever reassembled.
const KEPT_SCRATCH_BYTES: usize = 4 << 10;

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
            let (sender, queue) = sync_channel(QUEUED);
            let (give_back, returned) = sync_channel(QUEUED + 2);
            let mut pages = capture.walked_pages();
            let behind = scope.spawn(move || {
                let mut thread = VisitBehind { user_keylog, visited: Visited::default(), out, visit };
                let result = thread.run(&queue, &give_back, &mut pages);
                result.map(|()| thread.visited)
            });
            let mut sink = Behind {
                batch: Vec::with_capacity(BATCH),
                bytes: 0,
                sender: Some(sender),
                returned,
                pool: Vec::new(),
                behind: Some(behind),
            };
            walk(ahead, tracker, &mut sink)
        })
    })
}

/// A scratch owned through a pointer, so that handing it from thread to thread moves neither
/// it nor what a packet borrows from it, and asserts nothing about who else looks at it.
struct ScratchBox(NonNull<Scratch>);

impl ScratchBox {
    fn new() -> Self {
        Self(NonNull::from(Box::leak(Box::new(Scratch::new()))))
    }

    /// Whether the scratch is small enough to keep for another frame.
    fn worth_keeping(&self) -> bool {
        // SAFETY: called only once the packet that borrowed the scratch has been dropped.
        unsafe { self.0.as_ref() }.capacity() <= KEPT_SCRATCH_BYTES
    }
}

impl Drop for ScratchBox {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `Box::leak` and is dropped once, here, after the packet
        // that borrowed it (a `Tracked` drops its packet first).
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

// SAFETY: a `Scratch` is plain owned buffers; the box is used by one thread at a time, the
// one that holds it.
unsafe impl Send for ScratchBox {}

/// One tracked frame on its way behind, with the scratch its packet borrows.
struct Tracked<'m> {
    /// Declared first, so it is dropped before the scratch it borrows.
    packet: Packet<'m>,
    frame: Frame<'m>,
    scratch: ScratchBox,
}

/// What the tracker hands behind, in capture order.
#[allow(
    clippy::large_enum_variant,
    reason = "nearly every item is a frame; boxing its packet would allocate once per frame"
)]
enum Handed<'m> {
    Frame(Tracked<'m>),
    Secrets(Vec<u8>, Skipped),
    Note(String),
}

/// The tracker's end: frames tracked into scratches of their own, batched and sent behind.
struct Behind<'m, 's> {
    batch: Vec<Handed<'m>>,
    /// The bytes the batch's packets borrow: their frames and what was tracked into scratches.
    bytes: usize,
    sender: Option<SyncSender<Vec<Handed<'m>>>>,
    /// Scratches coming back from behind, their packets dropped, a batch at a time.
    returned: Receiver<Vec<ScratchBox>>,
    pool: Vec<ScratchBox>,
    behind: Option<std::thread::ScopedJoinHandle<'s, io::Result<Visited>>>,
}

impl<'m> Behind<'m, '_> {
    fn scratch(&mut self) -> ScratchBox {
        if self.pool.is_empty() {
            match self.returned.try_recv() {
                Ok(scratches) => self.pool = scratches,
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => {}
            }
        }
        self.pool.pop().unwrap_or_else(ScratchBox::new)
    }

    /// Sends the batch behind; false once the thread behind has stopped.
    fn send(&mut self) -> bool {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.bytes = 0;
        self.sender.as_ref().is_some_and(|sender| sender.send(batch).is_ok())
    }
}

impl<'m> Sink for Behind<'m, '_> {
    fn frame<'a>(
        &mut self,
        tracker: &mut Tracker,
        frame: Frame<'a>,
        ahead: Option<Packet<'a>>,
    ) -> io::Result<bool> {
        // SAFETY: a `Behind` is made only by `for_each_packet_behind`, for a walk of frames
        // read ahead from the mapped capture, which outlives every thread there: the frame and
        // the packet taken apart from it borrow nothing that lives less than `'m`.
        let frame: Frame<'m> = unsafe { lengthen_frame(frame) };
        // SAFETY: as for the frame.
        let ahead: Option<Packet<'m>> = ahead.map(|packet| unsafe { lengthen(packet) });
        let scratch = self.scratch();
        // SAFETY: the scratch is this frame's alone, and is neither used nor freed until the
        // packet that borrows it has been dropped behind (see `Tracked`).
        let buffers: &'m mut Scratch = unsafe { &mut *scratch.0.as_ptr() };
        let packet = track(tracker, &frame, ahead, buffers);
        self.bytes += frame.data.len() + packet.stream.len() + packet.decrypted.len();
        self.batch.push(Handed::Frame(Tracked { packet, frame, scratch }));
        Ok((self.batch.len() < BATCH && self.bytes < BATCH_BYTES) || self.send())
    }

    fn secrets(&mut self, text: &[u8], skipped: Skipped) {
        self.batch.push(Handed::Secrets(text.to_vec(), skipped));
    }

    fn note(&mut self, text: String) {
        self.batch.push(Handed::Note(text));
    }

    /// A walk of a file never catches up with anything arriving.
    fn caught_up(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self) -> io::Result<Visited> {
        if !self.batch.is_empty() {
            self.send();
        }
        // Hanging up ends the thread behind once it has visited everything sent.
        self.sender = None;
        match self.behind.take().map(std::thread::ScopedJoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => Ok(Visited::default()),
        }
    }
}

/// The same frame, its bytes borrowed for longer.
///
/// # Safety
/// Its bytes must live for `'m`.
unsafe fn lengthen_frame<'a, 'm>(frame: Frame<'a>) -> Frame<'m> {
    // SAFETY: the caller's promise; the frame is moved, so nothing else views it as `'a`.
    unsafe { std::mem::transmute::<Frame<'a>, Frame<'m>>(frame) }
}

/// The same packet, everything it borrows borrowed for longer.
///
/// # Safety
/// Everything it borrows must live for `'m`.
unsafe fn lengthen<'a, 'm>(packet: Packet<'a>) -> Packet<'m> {
    // SAFETY: the caller's promise; see `ahead::within` on why a packet's lifetime only marks
    // shared borrows of bytes.
    unsafe { std::mem::transmute::<Packet<'a>, Packet<'m>>(packet) }
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
    fn run(
        &mut self,
        queue: &Receiver<Vec<Handed<'_>>>,
        give_back: &SyncSender<Vec<ScratchBox>>,
        pages: &mut crate::capture::WalkedPages<'_>,
    ) -> io::Result<()> {
        while let Ok(batch) = queue.recv() {
            let mut emptied = Vec::with_capacity(batch.len());
            let mut last_frame = None;
            for handed in batch {
                match handed {
                    Handed::Frame(Tracked { packet, frame, scratch }) => {
                        self.visited.hellos.check(&packet, self.user_keylog);
                        let go_on = self.visit.packet(self.out, &frame, &packet)?;
                        drop(packet);
                        if scratch.worth_keeping() {
                            emptied.push(scratch);
                        }
                        last_frame = Some(frame.data);
                        if !go_on {
                            self.visited.stopped = true;
                            return self.out.flush();
                        }
                    }
                    Handed::Secrets(text, skipped) => {
                        self.visit.secrets(&text);
                        self.visited.skipped.merge(skipped);
                    }
                    Handed::Note(text) => eprintln!("{text}"),
                }
            }
            // The tracker may have stopped taking scratches back; then they are dropped here.
            let _ = give_back.try_send(emptied);
            if let Some(data) = last_frame {
                pages.release_before_frame(data);
            }
        }
        self.out.flush()
    }
}
