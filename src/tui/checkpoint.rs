//! Tracker checkpoints: copies of a walk's tracker, and where in the source it stood, left
//! every so many frames so a walk that must go back starts from the nearest one before the
//! frame it needs rather than from frame 1.
//!
//! A checkpoint holds everything a walk needs to go on exactly as the first walk went (the
//! tracker's whole state, secrets included, and the reader's place), so a row or a packet
//! taken apart after a jump back is the one a walk from frame 1 gives. The invariant: the
//! checkpoints' memory, counted as the trackers' budgets count it, stays within their limit;
//! when it would not, every other checkpoint goes and the spacing doubles, so they stay spread
//! evenly over what was walked.

use std::mem::size_of;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::capture::FramesMark;
use crate::track::{Tracker, snapshot};

/// Frames between two checkpoints at first: walking this many again takes a few milliseconds.
pub const EVERY: u64 = 8192;
/// The most memory the checkpoints of a session hold.
pub const MEMORY_LIMIT: usize = 48 << 20;

/// Where a walk stood.
#[derive(Clone, Debug)]
pub enum Place {
    File(FramesMark),
    /// A store's next frame index, and how many of its key log texts the tracker took.
    Store {
        index: usize,
        secrets_taken: usize,
    },
}

/// A walk's state after `walked` frames.
pub struct Checkpoint {
    pub walked: u64,
    pub place: Place,
    tracker: Tracker,
    bytes: usize,
}

impl Checkpoint {
    /// A copy of `tracker` after `walked` frames, the walk standing at `place`; `None` when
    /// the tracker holds state that cannot be copied exactly (see `track::snapshot`).
    pub fn new(walked: u64, place: Place, tracker: &mut Tracker) -> Option<Self> {
        let bytes = tracker.memory_held() + size_of::<Tracker>();
        Some(Self { walked, place, tracker: snapshot::exact_copy(tracker)?, bytes })
    }
}

/// The checkpoints of one source, in the order of the frames they follow.
pub struct Checkpoints {
    every: u64,
    kept: Vec<Checkpoint>,
    bytes: usize,
    limit: usize,
}

/// Checkpoints the UI's walkers share: the indexer leaves them, the frames worker uses them.
pub type Shared = Arc<Mutex<Checkpoints>>;

impl Checkpoints {
    /// Checkpoints every `every` frames (at first), holding at most `limit` bytes.
    pub fn new(every: u64, limit: usize) -> Self {
        Self { every: every.max(1), kept: Vec::new(), bytes: 0, limit }
    }

    pub fn shared(every: u64, limit: usize) -> Shared {
        Arc::new(Mutex::new(Self::new(every, limit)))
    }

    /// Whether a walk that has walked `walked` frames should leave a checkpoint.
    pub fn due(&self, walked: u64) -> bool {
        walked.is_multiple_of(self.every) && self.kept.last().is_none_or(|last| walked > last.walked)
    }

    /// Keeps `checkpoint` (after those kept), thinning them while over the limit.
    pub fn add(&mut self, checkpoint: Checkpoint) {
        if self.kept.last().is_some_and(|last| checkpoint.walked <= last.walked) {
            return;
        }
        self.bytes += checkpoint.bytes;
        self.kept.push(checkpoint);
        while self.bytes > self.limit && self.kept.len() > 1 {
            self.every *= 2;
            let every = self.every;
            self.kept.retain(|checkpoint| checkpoint.walked.is_multiple_of(every));
            self.bytes = self.kept.iter().map(|checkpoint| checkpoint.bytes).sum();
        }
    }

    /// The tracker and place of the last checkpoint from which frame `number` is still to
    /// come, copied; `None` when the walk must start from the first frame.
    pub fn before(&self, number: u64) -> Option<(u64, Place, Tracker)> {
        let at = self.kept.partition_point(|checkpoint| checkpoint.walked < number);
        let checkpoint = self.kept.get(at.checked_sub(1)?)?;
        Some((checkpoint.walked, checkpoint.place.clone(), checkpoint.tracker.clone()))
    }

    /// The bytes the checkpoints hold, as the trackers' budgets count them.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn len(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// Frames between two checkpoints now.
    pub fn every(&self) -> u64 {
        self.every
    }
}

/// Locks shared checkpoints; a walker that panicked while holding them left them whole.
pub fn lock(shared: &Shared) -> MutexGuard<'_, Checkpoints> {
    shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(walked: u64) -> Checkpoint {
        Checkpoint::new(
            walked,
            Place::Store { index: walked as usize, secrets_taken: 0 },
            &mut Tracker::new(),
        )
        .expect("a new tracker copies exactly")
    }

    #[test]
    fn checkpoints_thin_evenly_to_stay_within_their_limit() {
        let one = at(0).bytes;
        let mut checkpoints = Checkpoints::new(10, 4 * one);
        for walked in (10..=100).step_by(10) {
            if checkpoints.due(walked) {
                checkpoints.add(at(walked));
            }
            assert!(checkpoints.bytes() <= 4 * one, "{} bytes after {walked}", checkpoints.bytes());
        }
        let kept: Vec<u64> = checkpoints.kept.iter().map(|checkpoint| checkpoint.walked).collect();
        assert_eq!(kept, [40, 80], "every 40 frames now");
        assert_eq!(checkpoints.every(), 40);
        assert_eq!(checkpoints.before(81).map(|(walked, ..)| walked), Some(80));
        assert_eq!(checkpoints.before(80).map(|(walked, ..)| walked), Some(40));
        assert!(checkpoints.before(40).is_none(), "frame 40 comes before the first checkpoint");
    }
}
