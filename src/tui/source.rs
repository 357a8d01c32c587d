//! Where the UI's frames come from, and one way to walk them with a tracker.
//!
//! A capture file is read in place (memory-mapped); live capture and replay append owned
//! frames to a [`Store`] that grows while the UI runs. Every worker (the indexer, the packet
//! detail, the display filter) walks a source with a tracker of its own, from its first frame
//! or from a checkpoint (`checkpoint.rs`) a walk from the first frame left, so each sees
//! exactly what `rttscope dissect` would see, and none shares mutable state.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

mod store;

use super::checkpoint::{self, Checkpoint, Place, Shared};
use crate::capture::{CaptureFile, Frame, Frames, LinkType, ReadError, SecretsKind};
use crate::dispatch::Dispatch;
use crate::dissect::Packet;
use crate::pipeline::{Given, handoff};
use crate::track::keylog::KeyLog;
use crate::track::{Scratch, Tracker, budget};
use store::Poll;
pub use store::{OwnedFrame, STORE_LIMIT_BYTES, STORE_LIMIT_FRAMES, Store};

/// The most state the UI's trackers keep between them (`--memory-limit`). The command line
/// sets it once, before the UI and its workers start; every tracker reads its share when made.
static MEMORY_LIMIT: AtomicUsize = AtomicUsize::new(budget::DEFAULT_LIMIT);

/// The most trackers the UI runs at once: the indexer's (two for a capture of both ends of a
/// link, see [`crate::timeline::Timelines`]), a filter's and a finder's.
const TRACKERS_AT_ONCE: usize = 4;

/// Sets the memory limit the UI's trackers share from now on.
pub fn set_memory_limit(bytes: usize) {
    MEMORY_LIMIT.store(bytes, Ordering::Relaxed);
}

/// One tracker's share of the memory limit: together they keep within it.
pub fn tracker_memory_limit() -> usize {
    (MEMORY_LIMIT.load(Ordering::Relaxed) / TRACKERS_AT_ONCE).max(1)
}

/// Batches of tracked frames that may wait for the indexer's thread behind the tracker: deeper
/// than `dissect`'s queue, since gathering rows and timelines comes in bursts (a report, a
/// batch of ended connections) that the tracker should not wait out. Indexing the 3 GB bench
/// capture took 28.1 s with 4, 25.4 s with 32 (`scripts/bench-tui.sh`).
const QUEUED_BEHIND: usize = 32;

/// How often a walker waiting for live frames looks whether it was cancelled.
const WAIT_SLICE: Duration = Duration::from_millis(100);

/// The frames a UI session shows.
#[derive(Clone)]
pub enum Source {
    File(Arc<CaptureFile>),
    Store(Arc<Store>),
}

impl Source {
    /// The names of the capture's interfaces by id (none for a live store).
    pub fn interface_names(&self) -> Vec<Option<String>> {
        match self {
            Self::File(capture) => capture.interface_names(),
            Self::Store(_) => Vec::new(),
        }
    }
}

/// What a walk hands its packets to.
pub trait Visitor {
    fn packet<'a>(&mut self, frame: &Frame<'a>, packet: &Packet<'a>) -> Next;

    /// The walk has caught up with a store that is still open and waits for more frames: the
    /// moment to report what was gathered. Called again every `WAIT_SLICE` while it waits.
    fn idle(&mut self) -> Next {
        Next::Continue
    }

    /// Key log text the source carries, met before the frames it applies to (the walk's own
    /// tracker has already taken it).
    fn secrets(&mut self, _text: &[u8]) {}

    /// The first frame the visitor needs, where a (re)started walk with checkpoints may
    /// start: from the last checkpoint before it. Frames before it may still be handed over.
    fn start_at(&self) -> u64 {
        1
    }
}

impl<F: for<'a> FnMut(&Frame<'a>, &Packet<'a>) -> Next> Visitor for F {
    fn packet<'a>(&mut self, frame: &Frame<'a>, packet: &Packet<'a>) -> Next {
        self(frame, packet)
    }
}

/// A visitor from a closure, with the signature spelled out for the compiler.
pub fn each<F: for<'a> FnMut(&Frame<'a>, &Packet<'a>) -> Next>(visit: F) -> F {
    visit
}

/// What a walker's visitor wants next.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Continue,
    Stop,
    /// Start again with a fresh tracker: from the first frame, or, for a walk with
    /// checkpoints, from the last one before the visitor's [`Visitor::start_at`].
    Restart,
}

/// How a walk ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// Every frame was walked (or the visitor stopped).
    Complete,
    /// The file ended in damage after the frames walked; the message says what.
    CutShort(String),
    /// Cancelled from outside.
    Cancelled,
}

/// Walks `source` from its first frame, tracking every frame with its own tracker, and hands
/// each packet to `visit`. The tracker starts with `keylog`'s secrets and takes those a file
/// embeds as it meets them. A store is followed as it grows until it closes.
pub fn walk(source: &Source, keylog: &KeyLog, cancel: &AtomicBool, visit: &mut dyn Visitor) -> Ended {
    walk_decoded(source, keylog, &Dispatch::new(), cancel, visit)
}

/// [`walk`], the tracker handing payloads on as `dispatch` says (the user's `--decode-as`).
pub fn walk_decoded(
    source: &Source,
    keylog: &KeyLog,
    dispatch: &Dispatch,
    cancel: &AtomicBool,
    visit: &mut dyn Visitor,
) -> Ended {
    walk_checkpointed(source, keylog, dispatch, None, cancel, visit)
}

/// [`walk_decoded`] leaving checkpoints in `checkpoints` as it passes frames no walk has
/// left one after yet, and (re)starting from the last one before what the visitor needs.
pub fn walk_checkpointed(
    source: &Source,
    keylog: &KeyLog,
    dispatch: &Dispatch,
    checkpoints: Option<&Shared>,
    cancel: &AtomicBool,
    visit: &mut dyn Visitor,
) -> Ended {
    walk_from(source, keylog, dispatch, checkpoints, cancel, Visiting::Here(visit), &|tracker| tracker)
}

/// [`walk_checkpointed`] for a visitor that can run on a thread of its own (the indexer's): a
/// file's packets are visited on a second thread behind the one that tracks them, as
/// `rttscope dissect` visits them, so gathering rows and timelines no longer waits for the
/// tracker, nor the tracker for them. The visitor sees the same packets in the same order; a
/// store's are visited on one thread, as they arrive.
pub fn walk_checkpointed_behind(
    source: &Source,
    keylog: &KeyLog,
    dispatch: &Dispatch,
    checkpoints: Option<&Shared>,
    cancel: &AtomicBool,
    visit: &mut (dyn Visitor + Send),
) -> Ended {
    walk_from(source, keylog, dispatch, checkpoints, cancel, Visiting::Behind(visit), &|tracker| tracker)
}

/// Where a walk's visitor runs: on the walk's own thread, or on one behind it.
enum Visiting<'v> {
    Here(&'v mut dyn Visitor),
    Behind(&'v mut (dyn Visitor + Send)),
}

impl Visiting<'_> {
    fn visitor(&mut self) -> &mut dyn Visitor {
        match self {
            Self::Here(visit) => &mut **visit,
            Self::Behind(visit) => &mut **visit,
        }
    }
}

/// [`walk_decoded`] from the first frame, each tracker (a new one on every restart) first
/// given to `observe`, which may attach an observer to it (the follow-stream worker's stream
/// sink).
pub fn walk_observed(
    source: &Source,
    keylog: &KeyLog,
    dispatch: &Dispatch,
    cancel: &AtomicBool,
    visit: &mut dyn Visitor,
    observe: &dyn Fn(Tracker) -> Tracker,
) -> Ended {
    walk_from(source, keylog, dispatch, None, cancel, Visiting::Here(visit), observe)
}

fn walk_from(
    source: &Source,
    keylog: &KeyLog,
    dispatch: &Dispatch,
    checkpoints: Option<&Shared>,
    cancel: &AtomicBool,
    mut visiting: Visiting<'_>,
    observe: &dyn Fn(Tracker) -> Tracker,
) -> Ended {
    loop {
        let start_at = visiting.visitor().start_at();
        let resumed = checkpoints.and_then(|shared| checkpoint::lock(shared).before(start_at));
        let (tracker, place) = match resumed {
            Some((_, place, tracker)) => (tracker, Some(place)),
            None => (
                Tracker::with_keylog(keylog.clone())
                    .with_dispatch(dispatch.clone())
                    .with_memory_limit(tracker_memory_limit()),
                None,
            ),
        };
        let walker = Walker { tracker: observe(tracker), checkpoints, cancel };
        let next = match (source, place) {
            (Source::File(capture), place) => {
                let frames = match place {
                    Some(Place::File(mark)) => capture.frames_from(&mark),
                    _ => capture.frames(),
                };
                match &mut visiting {
                    Visiting::Here(visit) => walker.file(capture, frames, *visit),
                    Visiting::Behind(visit) => walker.file_behind(capture, frames, *visit),
                }
            }
            (Source::Store(store), Some(Place::Store { index, secrets_taken })) => {
                walker.store(store, index, secrets_taken, visiting.visitor())
            }
            (Source::Store(store), _) => walker.store(store, 0, 0, visiting.visitor()),
        };
        match next {
            Walked::Restart => continue,
            Walked::Ended(ended) => return ended,
        }
    }
}

enum Walked {
    Restart,
    Ended(Ended),
}

impl Walked {
    /// How the walk ends after a visit, or `None` to go on.
    fn after(next: Next) -> Option<Self> {
        match next {
            Next::Continue => None,
            Next::Stop => Some(Self::Ended(Ended::Complete)),
            Next::Restart => Some(Self::Restart),
        }
    }
}

/// Why a walk of `capture` stopped at `error`: the damaged compression first, if that is why.
fn cut_short(capture: &CaptureFile, error: &ReadError) -> String {
    match capture.warning() {
        Some(gzip) => format!("{gzip}, so {error}"),
        None => error.to_string(),
    }
}

/// One walk's tracker, and where it leaves checkpoints.
struct Walker<'w> {
    tracker: Tracker,
    checkpoints: Option<&'w Shared>,
    cancel: &'w AtomicBool,
}

impl Walker<'_> {
    /// Leaves a checkpoint after `walked` frames if one is due there.
    fn checkpoint(&mut self, walked: u64, place: impl FnOnce() -> Place) {
        let Some(shared) = self.checkpoints else { return };
        if !checkpoint::lock(shared).due(walked) {
            return;
        }
        // The copy is made outside the lock: the frames worker may want a checkpoint meanwhile.
        if let Some(made) = Checkpoint::new(walked, place(), &mut self.tracker) {
            checkpoint::lock(shared).add(made);
        }
    }

    fn file<'c>(
        mut self,
        capture: &'c CaptureFile,
        mut frames: Frames<'c>,
        visit: &mut dyn Visitor,
    ) -> Walked {
        let mut scratch = Scratch::new();
        while let Some(item) = frames.next() {
            if self.cancel.load(Ordering::Relaxed) {
                return Walked::Ended(Ended::Cancelled);
            }
            // Secrets the capture embeds apply from where they stand, as in `rttscope dissect`.
            for secrets in frames.take_secrets() {
                if secrets.kind == SecretsKind::TlsKeyLog {
                    self.tracker.add_key_log_text(secrets.data);
                    visit.secrets(secrets.data);
                }
            }
            let frame = match item {
                Ok(frame) => frame,
                Err(error) => return Walked::Ended(Ended::CutShort(cut_short(capture, &error))),
            };
            let packet = self.tracker.handle_frame(&frame, &mut scratch);
            let next = visit.packet(&frame, &packet);
            self.checkpoint(frame.number, || Place::File(frames.mark()));
            if let Some(walked) = Walked::after(next) {
                return walked;
            }
        }
        match capture.warning() {
            Some(gzip) => Walked::Ended(Ended::CutShort(gzip.to_owned())),
            None => Walked::Ended(Ended::Complete),
        }
    }

    /// [`Self::file`] with the packets visited on a second thread behind this one, which
    /// tracks them (and leaves the checkpoints); the thread behind reads the frames last, so
    /// it releases the file's pages.
    fn file_behind<'c>(
        mut self,
        capture: &'c CaptureFile,
        frames: Frames<'c>,
        visit: &mut (dyn Visitor + Send),
    ) -> Walked {
        let mut frames = frames.keep_pages();
        std::thread::scope(|scope| {
            let (mut sending, receiving) = handoff(QUEUED_BEHIND);
            let mut pages = capture.walked_pages();
            let behind = scope.spawn(move || {
                let mut next = Next::Continue;
                receiving.each(&mut pages, |item| match item {
                    Given::Packet(frame, packet) => {
                        next = visit.packet(frame, packet);
                        next == Next::Continue
                    }
                    Given::Secrets(text, _) => {
                        visit.secrets(&text);
                        true
                    }
                    Given::Note(_) => true,
                });
                next
            });
            let walked = loop {
                if self.cancel.load(Ordering::Relaxed) {
                    break Some(Walked::Ended(Ended::Cancelled));
                }
                let Some(item) = frames.next() else { break None };
                for secrets in frames.take_secrets() {
                    if secrets.kind == SecretsKind::TlsKeyLog {
                        let skipped = self.tracker.add_key_log_text(secrets.data);
                        sending.secrets(secrets.data, skipped);
                    }
                }
                let frame = match item {
                    Ok(frame) => frame,
                    Err(error) => break Some(Walked::Ended(Ended::CutShort(cut_short(capture, &error)))),
                };
                let number = frame.number;
                // SAFETY: the frame lies in the capture, which outlives both threads (they end
                // with this scope), as does everything it is taken apart from.
                if !unsafe { sending.track(&mut self.tracker, frame, None) } {
                    break None;
                }
                self.checkpoint(number, || Place::File(frames.mark()));
            };
            // Everything tracked is visited before the walk ends, as on one thread.
            sending.finish();
            let next = match behind.join() {
                Ok(next) => next,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            let ended_here = || match capture.warning() {
                Some(gzip) => Walked::Ended(Ended::CutShort(gzip.to_owned())),
                None => Walked::Ended(Ended::Complete),
            };
            Walked::after(next).or(walked).unwrap_or_else(ended_here)
        })
    }

    fn store(
        mut self,
        store: &Store,
        mut index: usize,
        mut secrets_taken: usize,
        visit: &mut dyn Visitor,
    ) -> Walked {
        let mut scratch = Scratch::new();
        loop {
            let owned = match store.poll(index, self.cancel) {
                Poll::Frame(owned) => owned,
                Poll::Waiting => {
                    // Secrets that came while no frame did (a followed key log) are taken now.
                    for text in store.secrets_for(index, secrets_taken) {
                        self.tracker.add_key_log_text(&text);
                        visit.secrets(&text);
                        secrets_taken += 1;
                    }
                    match Walked::after(visit.idle()) {
                        Some(walked) => return walked,
                        None => continue,
                    }
                }
                Poll::Ended(ended) => return Walked::Ended(ended),
            };
            for text in store.secrets_for(index, secrets_taken) {
                self.tracker.add_key_log_text(&text);
                visit.secrets(&text);
                secrets_taken += 1;
            }
            index += 1;
            let frame = owned.frame(index as u64);
            let packet = self.tracker.handle_frame(&frame, &mut scratch);
            let next = visit.packet(&frame, &packet);
            self.checkpoint(frame.number, || Place::Store { index, secrets_taken });
            if let Some(walked) = Walked::after(next) {
                return walked;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(byte: u8) -> OwnedFrame {
        OwnedFrame { ts_ns: i64::from(byte), linktype: LinkType::Ethernet, orig_len: 1, data: vec![byte] }
    }

    #[test]
    fn a_store_walk_follows_new_frames_until_the_store_closes() {
        let store = Arc::new(Store::new());
        store.push(frame(1));
        let writer = Arc::clone(&store);
        let feeder = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            writer.push(frame(2));
            writer.close();
        });
        let mut seen = Vec::new();
        let ended = walk(
            &Source::Store(store),
            &KeyLog::new(),
            &AtomicBool::new(false),
            &mut each(|frame, _| {
                seen.push((frame.number, frame.data[0]));
                Next::Continue
            }),
        );
        feeder.join().expect("feeder");
        assert_eq!(ended, Ended::Complete);
        assert_eq!(seen, [(1, 1), (2, 2)]);
    }

    #[test]
    fn a_restart_walks_again_from_the_first_frame() {
        let store = Arc::new(Store::new());
        for byte in 1..=3 {
            store.push(frame(byte));
        }
        store.close();
        let mut seen = Vec::new();
        let mut restarted = false;
        walk(
            &Source::Store(store),
            &KeyLog::new(),
            &AtomicBool::new(false),
            &mut each(|frame, _| {
                seen.push(frame.number);
                if frame.number == 2 && !restarted {
                    restarted = true;
                    return Next::Restart;
                }
                Next::Continue
            }),
        );
        assert_eq!(seen, [1, 2, 1, 2, 3]);
    }

    #[test]
    fn a_file_cut_short_is_walked_to_its_last_whole_frame_and_says_so() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/tls13.pcapng");
        let mut bytes = std::fs::read(path).expect("the bundled capture");
        // Into the last block: a cut at a block boundary would only be a shorter capture.
        bytes.truncate(bytes.len() - 30);
        let capture = CaptureFile::from_vec(bytes, "cut.pcapng").expect("opens");
        let mut last = 0;
        let ended = walk(
            &Source::File(Arc::new(capture)),
            &KeyLog::new(),
            &AtomicBool::new(false),
            &mut each(|frame, _| {
                last = frame.number;
                Next::Continue
            }),
        );
        assert_eq!(last, 14, "every whole frame before the cut");
        assert!(matches!(&ended, Ended::CutShort(reason) if !reason.is_empty()), "{ended:?}");
    }

    #[test]
    fn a_store_closed_cut_short_ends_the_walk_cut_short_and_waiting_is_idle() {
        let store = Arc::new(Store::new());
        store.push(frame(1));
        let writer = Arc::clone(&store);
        let feeder = std::thread::spawn(move || {
            std::thread::sleep(WAIT_SLICE * 3);
            writer.close_cut_short("the last record is cut".into());
        });
        struct Count {
            packets: u32,
            idle: u32,
        }
        impl Visitor for Count {
            fn packet<'a>(&mut self, _: &Frame<'a>, _: &Packet<'a>) -> Next {
                self.packets += 1;
                Next::Continue
            }
            fn idle(&mut self) -> Next {
                self.idle += 1;
                Next::Continue
            }
        }
        let mut count = Count { packets: 0, idle: 0 };
        let ended = walk(&Source::Store(store), &KeyLog::new(), &AtomicBool::new(false), &mut count);
        feeder.join().expect("feeder");
        assert_eq!(ended, Ended::CutShort("the last record is cut".into()));
        assert_eq!(count.packets, 1);
        assert!(count.idle >= 2, "idle again each slice while waiting: {}", count.idle);
    }

    #[test]
    fn a_store_walk_takes_its_secrets_where_they_stand() {
        // A course capture: the only kind that embeds its keys, as a live capture's store does.
        let store = crate::tui::testing::stored("captures/tls13.pcapng", usize::MAX);
        store.close();
        let mut request = None;
        walk(
            &Source::Store(store),
            &KeyLog::new(),
            &AtomicBool::new(false),
            &mut each(|frame, packet| {
                if frame.number == 10 {
                    request = Some(packet.column_protocol());
                }
                Next::Continue
            }),
        );
        assert_eq!(request, Some("HTTP"), "the embedded keys decrypted the request");
    }

    #[test]
    fn a_cancelled_walk_stops_waiting() {
        let store = Arc::new(Store::new());
        let cancel = AtomicBool::new(true);
        let ended = walk(&Source::Store(store), &KeyLog::new(), &cancel, &mut each(|_, _| Next::Continue));
        assert_eq!(ended, Ended::Cancelled);
    }

    #[test]
    fn a_full_store_refuses_and_counts() {
        let store = Store::new();
        let big = OwnedFrame { data: vec![0; STORE_LIMIT_BYTES], ..frame(0) };
        assert!(store.push(big));
        assert!(!store.push(frame(1)));
        assert_eq!((store.len(), store.refused()), (1, 1));
    }
}
