//! Frames read and taken apart (`dissect::dissect`, which keeps no state) on a thread of their
//! own, ahead of the thread that tracks them.
//!
//! The invariant is that the thread behind sees exactly what a walk on one thread sees, in the
//! same order: every frame, every key log block before the frames it applies to, and a read
//! error at the same place, after every frame before it; so what it writes is the same byte
//! for byte. The frames pass in batches through a bounded queue, so at most [`QUEUED`] batches
//! of [`BATCH`] frames wait at once and memory stays flat whatever the capture's size; when the
//! thread behind stops early (`-c`, a closed pipe) the reader stops at its next batch.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::{Step, Walk};
use crate::capture::{CaptureFile, FileSource, Item, ReadError};
use crate::dissect::{self, Packet};

/// Frames in one batch at most: enough that passing a batch costs little beside taking its
/// frames apart, few enough that the first packets are printed at once.
pub const BATCH: usize = 256;

/// Captured bytes in one batch at most: a batch of large frames is passed on sooner, so the
/// file's pages between the first thread and the last stay a small window.
pub const BATCH_BYTES: usize = 1 << 20;

/// Batches waiting between two threads at most.
pub const QUEUED: usize = 4;

/// Steps read ahead.
type Batch<'a> = Vec<Result<Step<'a>, ReadError>>;

/// The thread behind's end of the queue: the steps the reader took apart, in order. The
/// reader leaves the file's pages resident: the thread that reads the frames last releases
/// them (a page released while a queued frame still had to be read would be read in again and
/// stay resident, and memory would grow with the capture).
pub struct Ahead<'a> {
    capture: &'a CaptureFile,
    queue: Receiver<Batch<'a>>,
    batch: std::vec::IntoIter<Result<Step<'a>, ReadError>>,
}

impl Walk for Ahead<'_> {
    fn next_step(&mut self) -> Option<Result<Step<'_>, ReadError>> {
        loop {
            if let Some(step) = self.batch.next() {
                return Some(step.map(|step| match step {
                    Step::Frame(frame, packet) => Step::Frame(frame, packet.map(within)),
                    Step::Secrets(secrets) => Step::Secrets(secrets),
                }));
            }
            // The reader hung up: the capture has ended (or its thread panicked, which the
            // scope raises again once the walk returns).
            self.batch = self.queue.recv().ok()?.into_iter();
        }
    }

    fn warning(&self) -> Option<&str> {
        self.capture.warning()
    }

    fn compressed(&self) -> bool {
        self.capture.compressed()
    }

    fn caught_up(&self) -> bool {
        false
    }
}

/// The same packet, borrowing its bytes for a shorter time: the thread behind tracks it with
/// a scratch buffer that lives for one frame, not for the whole capture.
pub(super) fn within<'s, 'm: 's>(packet: Packet<'m>) -> Packet<'s> {
    // SAFETY: a `Packet<'m>` is a `Packet<'s>` whose borrowed bytes live longer, and the
    // packet is moved, so nothing keeps a view of it as `'m`. Its lifetime only ever marks
    // shared borrows of bytes (the frame, reassembled and decrypted data), never a `&mut`, a
    // cell or a function argument, so reading them for less time is always sound; the compiler
    // only cannot see it because some layers keep a `SmallVec<[T<'a>; N]>`, which names `'a`
    // through the associated type `Array::Item` and so makes every packet invariant in it.
    unsafe { std::mem::transmute::<Packet<'m>, Packet<'s>>(packet) }
}

/// Walks `capture` with `walk`, its frames read and taken apart on a second thread ahead of
/// the calling one, which `walk` runs on; returns what `walk` returns once the reader has
/// stopped. The file's pages are left to whoever reads the frames last.
pub(super) fn with_frames_ahead<'c, R>(
    capture: &'c CaptureFile,
    walk: impl FnOnce(&mut Ahead<'c>) -> R,
) -> R {
    std::thread::scope(|scope| {
        let (sender, queue) = sync_channel(QUEUED);
        scope.spawn(move || read_ahead(capture, &sender));
        let mut ahead = Ahead { capture, queue, batch: Vec::new().into_iter() };
        let result = walk(&mut ahead);
        // Hanging up stops the reader at its next batch.
        drop(ahead);
        result
    })
}

/// Reads and takes apart the capture's frames in batches until it ends, a read fails, or the
/// thread behind hangs up.
fn read_ahead<'a>(capture: &'a CaptureFile, sender: &SyncSender<Batch<'a>>) {
    let mut source = FileSource::keeping_pages(capture);
    loop {
        let mut batch = Vec::with_capacity(BATCH);
        let mut bytes = 0;
        let mut ended = false;
        while batch.len() < BATCH && bytes < BATCH_BYTES {
            match source.next_owned() {
                None => {
                    ended = true;
                    break;
                }
                Some(Ok(Item::Frame(frame))) => {
                    bytes += frame.data.len();
                    let packet = dissect::dissect(&frame);
                    batch.push(Ok(Step::Frame(frame, Some(packet))));
                }
                Some(Ok(Item::Secrets(secrets))) => batch.push(Ok(Step::Secrets(secrets))),
                Some(Err(error)) => {
                    batch.push(Err(error));
                    ended = true;
                    break;
                }
            }
        }
        if sender.send(batch).is_err() || ended {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(walk: &mut dyn Walk) -> Vec<String> {
        let mut seen = Vec::new();
        while let Some(step) = walk.next_step() {
            seen.push(match step {
                Ok(Step::Frame(frame, packet)) => {
                    let packet = packet.unwrap_or_else(|| dissect::dissect(&frame));
                    format!("{} {} {:?}", frame.number, frame.ts_ns, packet.column_protocol())
                }
                Ok(Step::Secrets(secrets)) => format!("secrets {}", secrets.data.len()),
                Err(error) => format!("error {error}"),
            });
        }
        seen
    }

    fn both(capture: &CaptureFile) -> (Vec<String>, Vec<String>) {
        let alone = steps(&mut FileSource::new(capture));
        let ahead = with_frames_ahead(capture, |ahead| steps(ahead));
        (alone, ahead)
    }

    #[test]
    fn frames_taken_apart_ahead_come_in_the_order_one_thread_reads_them() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/interop");
        let mut checked = 0;
        for entry in std::fs::read_dir(path).unwrap() {
            let path = entry.unwrap().path();
            if !path.extension().is_some_and(|extension| extension == "pcap" || extension == "pcapng") {
                continue;
            }
            let capture = CaptureFile::open(&path).unwrap();
            let (alone, ahead) = both(&capture);
            assert!(!alone.is_empty(), "{}", path.display());
            assert_eq!(alone, ahead, "{}", path.display());
            checked += 1;
        }
        assert!(checked > 0);
    }

    /// The first pcap (not pcapng) of the interop captures.
    fn first_pcap() -> std::path::PathBuf {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/interop");
        std::fs::read_dir(path)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .find(|path| path.extension().is_some_and(|extension| extension == "pcap"))
            .unwrap()
    }

    #[test]
    fn a_capture_cut_short_ends_with_the_same_error_after_the_same_frames() {
        let file = first_pcap();
        let bytes = std::fs::read(file).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cut = dir.path().join("cut.pcap");
        std::fs::write(&cut, &bytes[..bytes.len() - 7]).unwrap();
        let (alone, ahead) = both(&CaptureFile::open(&cut).unwrap());
        assert!(alone.last().is_some_and(|last| last.starts_with("error ")), "{alone:?}");
        assert_eq!(alone, ahead);
    }

    #[test]
    fn a_walk_that_stops_early_stops_the_reader() {
        let file = first_pcap();
        let capture = CaptureFile::open(&file).unwrap();
        // Returns at all only if the reader, blocked on a full queue, is released.
        let first = with_frames_ahead(&capture, |ahead| match ahead.next_step() {
            Some(Ok(Step::Frame(frame, _))) => frame.number,
            _ => 0,
        });
        assert_eq!(first, 1);
    }
}
