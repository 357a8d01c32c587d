//! The pages of a mapped capture that a walk has left behind, handed back to the kernel as it
//! goes, so that memory holds a window of the file, not the file. The invariant: a page is
//! released once, and only when the walk (or, on several threads, the thread that reads the frames
//! last) has passed it by a whole step.

use memmap2::{Mmap, UncheckedAdvice};

/// How much of a mapped file is read before the pages behind are released.
const RELEASE_STEP: usize = 8 << 20;
/// How far behind the walk's place a release stops. A page fault maps the page cache's whole
/// folio around the page (up to 2 MiB where the file system keeps large folios), or the
/// fault-around window (64 KiB): reading the frame at the walk's place mapped again the pages
/// just released before it, and those stayed resident for good (on the 3 GB bench capture,
/// 400 MB of the UI's peak). Pages this far back are not touched again.
const RELEASE_LAG: usize = 4 << 20;

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

    /// Releases the pages before `offset`, less the lag (`RELEASE_LAG`) and rounded down to a
    /// step, that are not yet released.
    pub fn release_before(&mut self, offset: u64) {
        let Some(map) = self.mapped else { return };
        let walked = usize::try_from(offset).unwrap_or(usize::MAX).min(map.len()).saturating_sub(RELEASE_LAG);
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

#[cfg(test)]
mod tests {
    use std::io::{BufWriter, Read, Seek, SeekFrom};

    use crate::capture::CaptureFile;
    use crate::testing::hostile::Pcap;

    /// Which pages of `len` bytes mapped at `start` are in this process's page tables
    /// (`/proc/self/pagemap`'s present bit), by page index.
    fn resident(start: usize, len: usize) -> Vec<usize> {
        let mut pagemap = std::fs::File::open("/proc/self/pagemap").expect("pagemap");
        pagemap.seek(SeekFrom::Start((start / 4096 * 8) as u64)).expect("seek");
        let mut entries = vec![0u8; len.div_ceil(4096) * 8];
        pagemap.read_exact(&mut entries).expect("read");
        let present = |entry: &[u8]| entry[7] & 0x80 != 0;
        entries.chunks(8).enumerate().filter(|(_, entry)| present(entry)).map(|(page, _)| page).collect()
    }

    #[test]
    fn the_pages_a_walk_left_behind_stay_released() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("walked.pcap");
        let mut pcap =
            Pcap::new(BufWriter::new(std::fs::File::create(&path).expect("create"))).expect("header");
        // 40 MB of frames whose lengths do not divide a page, so frames straddle every step.
        let frame = vec![0x5a; 1_379];
        for _ in 0..(40 << 20) / frame.len() {
            pcap.frame(&frame).expect("frame");
        }
        drop(pcap.into_inner());
        let capture = CaptureFile::open(&path).expect("opens");
        let (mut start, len) = (0, capture.len());
        let mut sum = 0u64;
        for frame in capture.frames() {
            let data = frame.expect("whole").data;
            if start == 0 {
                // The mapping's first byte, from where the first frame ends in it.
                let end = capture.position_of(data).expect("a frame of the mapped file");
                start = data.as_ptr() as usize + data.len() - end;
            }
            sum += data.iter().map(|&byte| u64::from(byte)).sum::<u64>();
        }
        assert!(sum > 0);
        // Everything but the last steps and the lag was released, and nothing there came back.
        let behind = (len - 2 * super::RELEASE_STEP - super::RELEASE_LAG) / 4096;
        let back: Vec<usize> = resident(start, len).into_iter().filter(|page| *page < behind).collect();
        assert!(back.is_empty(), "{} pages mapped again, the first at {:?}", back.len(), back.first());
    }
}
