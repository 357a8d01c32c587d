//! The pages of a mapped capture that a walk has left behind, handed back to the kernel as it
//! goes, so that memory holds a window of the file, not the file. The invariant: a page is
//! released once, and only when the walk (or, on several threads, the thread that reads the frames
//! last) has passed it by a whole step.

use memmap2::{Mmap, UncheckedAdvice};

/// How much of a mapped file is read before the pages behind are released.
const RELEASE_STEP: usize = 8 << 20;

/// Hands the pages of a mapped capture that a walk has left behind back to the kernel, a
/// `RELEASE_STEP` at a time, so one pass over a large file holds only a window of it in
/// memory. The pages stay in the page cache, and a frame borrowed from them reads the same
/// bytes again if it is used later; but a page read again after its release stays resident,
/// so release only what will not be read again soon.
pub struct WalkedPages<'a> {
    mapped: Option<&'a Mmap>,
    released: usize,
}

impl<'a> WalkedPages<'a> {
    pub(super) fn new(mapped: Option<&'a Mmap>) -> Self {
        Self { mapped, released: 0 }
    }

    /// Releases the pages before `offset`, rounded down to a step, that are not yet released.
    pub fn release_before(&mut self, offset: u64) {
        let Some(map) = self.mapped else { return };
        let walked = usize::try_from(offset).unwrap_or(usize::MAX).min(map.len());
        if walked < self.released + RELEASE_STEP {
            return;
        }
        let end = walked - walked % RELEASE_STEP;
        // SAFETY: the map is a read-only view of a file, never written through, so dropping
        // its pages loses nothing: the kernel refills them from the file on the next access.
        let result = unsafe {
            map.unchecked_advise_range(UncheckedAdvice::DontNeed, self.released, end - self.released)
        };
        // If the kernel refuses, the pages simply stay resident.
        let _ = result;
        self.released = end;
    }

    /// Releases the pages before `data`, a frame's bytes, when they lie in the mapped file:
    /// for a thread that has the frames but not their places in the file.
    pub fn release_before_frame(&mut self, data: &[u8]) {
        let Some(map) = self.mapped else { return };
        let offset = (data.as_ptr() as usize).wrapping_sub(map.as_ptr() as usize);
        if offset < map.len() {
            self.release_before(offset as u64);
        }
    }

    /// Counts the pages before `offset` as released without touching them: a walk resumed
    /// there never read them.
    pub(super) fn skip_before(&mut self, offset: u64) {
        let offset = usize::try_from(offset).unwrap_or(0);
        self.released = self.released.max(offset - offset % RELEASE_STEP);
    }
}
