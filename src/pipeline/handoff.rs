//! Tracked packets handed from the tracker's thread to a thread behind it, in capture order:
//! the part of a walk on two threads that `rttscope dissect` and the terminal UI's indexer
//! share.
//!
//! A tracked packet borrows its frame (in the mapped capture, which outlives both threads) and
//! the scratch it was tracked into (stream bytes reassembled or decrypted). So each frame in
//! flight is tracked into a scratch of its own, which travels behind with its packet and comes
//! back once the packet has been visited and dropped, to be cleared and used again. The queue
//! between the threads is bounded by frames ([`BATCH`] a batch, as many batches as its maker
//! says: [`QUEUED`](super::QUEUED) for `dissect`) and by bytes ([`BATCH_BYTES`] a batch), so the
//! scratches in flight are bounded too, and a scratch that grew large is not kept.

use std::ptr::NonNull;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};

use super::walk::track;
use super::{BATCH, BATCH_BYTES};
use crate::capture::{Frame, WalkedPages};
use crate::dissect::Packet;
use crate::track::keylog::Skipped;
use crate::track::{Scratch, Tracker};

/// A scratch kept for another frame holds at most this much; a larger one is let go, so the
/// scratches kept cannot each keep the largest message the capture ever reassembled.
const KEPT_SCRATCH_BYTES: usize = 4 << 10;

/// A scratch owned through a pointer, so that handing it from thread to thread moves neither
/// it nor what a packet borrows from it, and asserts nothing about who else looks at it.
pub struct ScratchBox(NonNull<Scratch>);

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

/// What the thread behind is given, in capture order.
pub enum Given<'v, 'm> {
    /// A tracked packet, and its frame.
    Packet(&'v Frame<'m>, &'v Packet<'m>),
    /// Key log text the capture embeds, with the lines of it the tracker skipped.
    Secrets(Vec<u8>, Skipped),
    /// A note for standard error, in its place among the packets.
    Note(String),
}

/// The tracker's end: frames tracked into scratches of their own, batched and sent behind.
pub struct Sending<'m> {
    batch: Vec<Handed<'m>>,
    /// The bytes the batch's packets borrow: their frames and what was tracked into scratches.
    bytes: usize,
    sender: Option<SyncSender<Vec<Handed<'m>>>>,
    /// Scratches coming back from behind, their packets dropped, a batch at a time.
    returned: Receiver<Vec<ScratchBox>>,
    pool: Vec<ScratchBox>,
}

/// The end behind: batches of what the tracker handed on, and the way back for the scratches.
pub struct Receiving<'m> {
    queue: Receiver<Vec<Handed<'m>>>,
    give_back: SyncSender<Vec<ScratchBox>>,
}

/// A bounded queue from the tracker's thread to the thread behind it, `queued` batches long.
pub fn handoff<'m>(queued: usize) -> (Sending<'m>, Receiving<'m>) {
    let (sender, queue) = sync_channel(queued);
    let (give_back, returned) = sync_channel(queued + 2);
    let sending = Sending {
        batch: Vec::with_capacity(BATCH),
        bytes: 0,
        sender: Some(sender),
        returned,
        pool: Vec::new(),
    };
    (sending, Receiving { queue, give_back })
}

impl<'m> Sending<'m> {
    /// Tracks `frame` (taken apart `ahead`, or not yet) into a scratch of its own and hands its
    /// packet on; false once the thread behind has stopped.
    ///
    /// # Safety
    /// The frame's bytes, and those of the packet taken apart ahead, must live for `'m`: they
    /// lie in a mapped capture that outlives both threads.
    pub unsafe fn track<'a>(
        &mut self,
        tracker: &mut Tracker,
        frame: Frame<'a>,
        ahead: Option<Packet<'a>>,
    ) -> bool {
        // SAFETY: the caller's promise.
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
        (self.batch.len() < BATCH && self.bytes < BATCH_BYTES) || self.send()
    }

    /// Hands on key log text met between two frames.
    pub fn secrets(&mut self, text: &[u8], skipped: Skipped) {
        self.batch.push(Handed::Secrets(text.to_vec(), skipped));
    }

    /// Hands on a note for standard error.
    pub fn note(&mut self, text: String) {
        self.batch.push(Handed::Note(text));
    }

    /// Sends what is batched and hangs up: the thread behind ends once it has visited it.
    pub fn finish(&mut self) {
        if !self.batch.is_empty() {
            self.send();
        }
        self.sender = None;
    }

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

impl<'m> Receiving<'m> {
    /// Hands each item the tracker sent to `visit`, batch by batch, until the tracker hangs up
    /// or `visit` says to stop (false). Each packet is dropped after its visit and its scratch
    /// goes back; the file's pages before each batch's last frame are released with `pages`,
    /// since this thread reads the frames last. Returns whether every item was visited.
    pub fn each(&self, pages: &mut WalkedPages<'_>, mut visit: impl FnMut(Given<'_, 'm>) -> bool) -> bool {
        while let Ok(batch) = self.queue.recv() {
            let mut emptied = Vec::with_capacity(batch.len());
            let mut last_frame = None;
            let mut go_on = true;
            for handed in batch {
                if !go_on {
                    break;
                }
                go_on = match handed {
                    Handed::Frame(Tracked { packet, frame, scratch }) => {
                        let go_on = visit(Given::Packet(&frame, &packet));
                        drop(packet);
                        if scratch.worth_keeping() {
                            emptied.push(scratch);
                        }
                        last_frame = Some(frame.data);
                        go_on
                    }
                    Handed::Secrets(text, skipped) => visit(Given::Secrets(text, skipped)),
                    Handed::Note(text) => visit(Given::Note(text)),
                };
            }
            // The tracker may have stopped taking scratches back; then they are dropped here.
            let _ = self.give_back.try_send(emptied);
            if let Some(data) = last_frame {
                pages.release_before_frame(data);
            }
            if !go_on {
                return false;
            }
        }
        true
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
