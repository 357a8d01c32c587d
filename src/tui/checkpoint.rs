//! Tracker checkpoints: copies of a walk's tracker, and where in the source it stood, left
//! every so many frames so a walk that must go back starts from the nearest one before the
//! frame it needs rather than from frame 1.
//!
//! A checkpoint holds everything a walk needs to go on exactly as the first walk went (the
//! tracker's whole state, secrets included, and the reader's place), so a row or a packet
//! taken apart after a jump back is the one a walk from frame 1 gives. The invariant: the
//! checkpoints' memory stays within their limit; when it would not, every other checkpoint
//! goes and the spacing doubles, so they stay spread evenly over what was walked. A copy of
//! the tracker shares with the walk, and so with the checkpoints before it, every table entry
//! and conversation state the walk has not changed since (`track::cow`), so each checkpoint
//! is charged what it holds that the one before does not ([`Census`]), which is what changed
//! between them, not the whole tracker. Besides them, the newest checkpoint is kept, one left
//! every [`NEWEST_EVERY`] frames at most, outside the limit: once the spacing has grown past
//! that, the end of what was walked (where `G` and a live capture go) is never far from one.

use std::mem::size_of;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::capture::FramesMark;
use crate::track::cow::Census;
use crate::track::{Tracker, snapshot};

/// Frames between two checkpoints at first: walking this many again takes a few milliseconds.
pub const EVERY: u64 = 8192;
/// The most memory the checkpoints of a session hold, the newest aside.
pub const MEMORY_LIMIT: usize = 48 << 20;
/// Frames between two newest checkpoints, however far apart the others are: walking this many
/// again takes about a quarter of a second, and copying the tracker this often costs a walk a
/// few percent of its time.
pub const NEWEST_EVERY: u64 = 1 << 18;

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
    /// What it holds that the checkpoint kept before it does not, once it is kept.
    bytes: usize,
}

impl Checkpoint {
    /// A copy of `tracker` after `walked` frames, the walk standing at `place`; `None` when
    /// the tracker holds state that cannot be copied exactly (see `track::snapshot`). The
    /// tracker's tables are frozen first, so the copy shares all their entries.
    pub fn new(walked: u64, place: Place, tracker: &mut Tracker) -> Option<Self> {
        tracker.freeze();
        Some(Self { walked, place, tracker: snapshot::exact_copy(tracker)?, bytes: 0 })
    }

    /// Counts what it holds into `census`, and is charged what the one before did not hold.
    fn charge(&mut self, census: &mut Census) {
        self.tracker.census(census);
        self.bytes = census.next_copy() + size_of::<Tracker>();
    }
}

/// The checkpoints of one source, in the order of the frames they follow.
pub struct Checkpoints {
    every: u64,
    kept: Vec<Checkpoint>,
    bytes: usize,
    limit: usize,
    /// The newest checkpoint, when it is after every one kept.
    newest: Option<Checkpoint>,
    newest_every: u64,
    /// What the kept checkpoints hold, the last one's parts to count the next against.
    census: Census,
}

/// Checkpoints the UI's walkers share: the indexer leaves them, the frames worker uses them.
pub type Shared = Arc<Mutex<Checkpoints>>;

impl Checkpoints {
    /// Checkpoints every `every` frames (at first), holding at most `limit` bytes.
    pub fn new(every: u64, limit: usize) -> Self {
        Self {
            every: every.max(1),
            kept: Vec::new(),
            bytes: 0,
            limit,
            newest: None,
            newest_every: NEWEST_EVERY,
            census: Census::default(),
        }
    }

    /// The same, leaving the newest checkpoint every `frames` frames.
    pub fn with_newest_every(self, frames: u64) -> Self {
        Self { newest_every: frames.max(1), ..self }
    }

    pub fn shared(every: u64, limit: usize) -> Shared {
        Arc::new(Mutex::new(Self::new(every, limit)))
    }

    /// Whether a walk that has walked `walked` frames should leave a checkpoint.
    pub fn due(&self, walked: u64) -> bool {
        (walked.is_multiple_of(self.every) || walked.is_multiple_of(self.newest_every))
            && self.last_walked().is_none_or(|last| walked > last)
    }

    /// Frames the last checkpoint had walked: the newest's, or the last kept's.
    fn last_walked(&self) -> Option<u64> {
        self.newest.as_ref().or(self.kept.last()).map(|last| last.walked)
    }

    /// Keeps `checkpoint` (after those kept): among the evenly spaced ones when it falls on
    /// their spacing, thinning them while over the limit; as the newest otherwise.
    pub fn add(&mut self, mut checkpoint: Checkpoint) {
        if self.last_walked().is_some_and(|last| checkpoint.walked <= last) {
            return;
        }
        if !checkpoint.walked.is_multiple_of(self.every) {
            self.newest = Some(checkpoint);
            return;
        }
        self.newest = None;
        checkpoint.charge(&mut self.census);
        self.bytes += checkpoint.bytes;
        self.kept.push(checkpoint);
        while self.bytes > self.limit && self.kept.len() > 1 {
            self.every *= 2;
            let every = self.every;
            // The one just added stays, as the newest, if it is off the new spacing.
            if let Some(last) = self.kept.pop_if(|last| !last.walked.is_multiple_of(every)) {
                self.newest = Some(last);
            }
            self.kept.retain(|checkpoint| checkpoint.walked.is_multiple_of(every));
            // Each is charged again, against the one now before it.
            self.census = Census::default();
            for checkpoint in &mut self.kept {
                checkpoint.charge(&mut self.census);
            }
            self.bytes = self.kept.iter().map(|checkpoint| checkpoint.bytes).sum();
        }
    }

    /// The tracker and place of the last checkpoint from which frame `number` is still to
    /// come, copied; `None` when the walk must start from the first frame.
    pub fn before(&self, number: u64) -> Option<(u64, Place, Tracker)> {
        let checkpoint = self.last_before(number)?;
        Some((checkpoint.walked, checkpoint.place.clone(), checkpoint.tracker.clone()))
    }

    /// The last checkpoint from which frame `number` is still to come.
    fn last_before(&self, number: u64) -> Option<&Checkpoint> {
        let at = self.kept.partition_point(|checkpoint| checkpoint.walked < number);
        let kept = at.checked_sub(1).and_then(|at| self.kept.get(at));
        self.newest.as_ref().filter(|newest| newest.walked < number).or(kept)
    }

    /// How many frames the checkpoint [`Checkpoints::before`] would give had walked, without
    /// copying its tracker.
    pub fn walked_before(&self, number: u64) -> Option<u64> {
        self.last_before(number).map(|checkpoint| checkpoint.walked)
    }

    /// The bytes the evenly spaced checkpoints hold, as the trackers' budgets count them.
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

    /// What one checkpoint of a new tracker is charged.
    fn one() -> usize {
        let mut checkpoints = Checkpoints::new(10, usize::MAX);
        checkpoints.add(at(10));
        checkpoints.bytes()
    }

    /// Walks frames `numbers` through `tracker`: each starts a UDP conversation and a TCP one
    /// of its own.
    fn walk(tracker: &mut Tracker, numbers: std::ops::Range<u16>) {
        use crate::testing::{ethernet, frame, ipv4, tcp, udp};
        for number in numbers {
            let port = 1024 + number;
            for data in [
                ethernet(0x0800, &ipv4(17, [10, 0, 0, 1], [10, 0, 0, 2], &udp(port, 53, b"query"))),
                ethernet(0x0800, &ipv4(6, [10, 0, 0, 1], [10, 0, 0, 2], &tcp(port, 443, 7, 0, 0x002, &[]))),
            ] {
                let frame =
                    frame(u64::from(number), i64::from(number), crate::capture::LinkType::Ethernet, &data);
                tracker.handle_frame(&frame, &mut crate::track::Scratch::new());
            }
        }
    }

    #[test]
    fn a_checkpoint_is_charged_what_changed_since_the_one_before_not_the_whole_tracker() {
        let mut tracker = Tracker::new();
        let mut checkpoints = Checkpoints::new(1, usize::MAX);
        let place = |walked| Place::Store { index: walked, secrets_taken: 0 };
        walk(&mut tracker, 0..4_000);
        checkpoints.add(Checkpoint::new(4_000, place(4_000), &mut tracker).expect("an exact copy"));
        let first = checkpoints.bytes();
        walk(&mut tracker, 4_000..4_010);
        checkpoints.add(Checkpoint::new(4_010, place(4_010), &mut tracker).expect("an exact copy"));
        let second = checkpoints.bytes() - first;
        // The first holds 8,000 conversations; the second shares them, and adds ten of each.
        assert!(first > 8_000 * 64, "{first} bytes for the first");
        assert!(second * 20 < first, "{second} bytes for 20 conversations, {first} for 8,000");
    }

    #[test]
    fn checkpoints_thin_evenly_to_stay_within_their_limit() {
        let one = one();
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

    #[test]
    fn the_newest_checkpoint_is_kept_besides_the_evenly_spaced_ones() {
        let one = one();
        let mut checkpoints = Checkpoints::new(10, 2 * one).with_newest_every(30);
        let mut left = Vec::new();
        for walked in (10..=400).step_by(10) {
            if checkpoints.due(walked) {
                left.push(walked);
                checkpoints.add(at(walked));
            }
            assert!(checkpoints.bytes() <= 2 * one, "{} bytes after {walked}", checkpoints.bytes());
        }
        let kept: Vec<u64> = checkpoints.kept.iter().map(|checkpoint| checkpoint.walked).collect();
        assert_eq!(kept, [160, 320], "the evenly spaced ones, every 160 frames now");
        assert_eq!(checkpoints.newest.as_ref().map(|newest| newest.walked), Some(390));
        // Once the spacing passed 30, a checkpoint was left every 30 frames as well.
        assert!(left.ends_with(&[330, 360, 390]), "{left:?}");
        assert_eq!(checkpoints.before(391).map(|(walked, ..)| walked), Some(390), "the newest");
        assert_eq!(checkpoints.walked_before(391), Some(390));
        assert_eq!(checkpoints.before(390).map(|(walked, ..)| walked), Some(320));
        assert_eq!(checkpoints.before(200).map(|(walked, ..)| walked), Some(160));
        // One that falls on the spacing goes among the kept; when thinning them leaves it off
        // the new spacing, it stays as the newest.
        checkpoints.add(at(480));
        let kept: Vec<u64> = checkpoints.kept.iter().map(|checkpoint| checkpoint.walked).collect();
        assert_eq!(kept, [320]);
        assert_eq!(checkpoints.newest.as_ref().map(|newest| newest.walked), Some(480));
        assert_eq!(checkpoints.before(500).map(|(walked, ..)| walked), Some(480));
        checkpoints.add(at(640));
        let kept: Vec<u64> = checkpoints.kept.iter().map(|checkpoint| checkpoint.walked).collect();
        assert_eq!(kept, [320, 640]);
        assert!(checkpoints.newest.is_none(), "the newest is among the kept");
    }
}
