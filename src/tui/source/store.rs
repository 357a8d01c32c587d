//! The store live capture and replay append owned frames to while the UI runs, bounded in
//! frames and bytes, which walkers read from as it grows and wait on when they catch up.

use super::*;

/// The most frames a live or replayed session keeps in memory; later ones are counted but
/// not shown, so a long capture cannot exhaust memory (write it with `-w` to keep it all).
pub const STORE_LIMIT_FRAMES: usize = 2_000_000;
/// The most captured bytes a live or replayed session keeps in memory.
pub const STORE_LIMIT_BYTES: usize = 1 << 30;

/// A frame that owns its bytes, as live capture and replay produce them.
#[derive(Clone, Debug)]
pub struct OwnedFrame {
    pub ts_ns: i64,
    pub linktype: LinkType,
    pub orig_len: u32,
    pub data: Vec<u8>,
}

impl From<&Frame<'_>> for OwnedFrame {
    fn from(frame: &Frame<'_>) -> Self {
        Self {
            ts_ns: frame.ts_ns,
            linktype: frame.linktype,
            orig_len: frame.orig_len,
            data: frame.data.to_vec(),
        }
    }
}

impl OwnedFrame {
    pub(super) fn frame(&self, number: u64) -> Frame<'_> {
        Frame {
            number,
            ts_ns: self.ts_ns,
            linktype: self.linktype,
            interface: None,
            orig_len: self.orig_len,
            data: &self.data,
        }
    }
}

/// Frames that arrive while the UI runs.
#[derive(Default)]
pub struct Store {
    state: Mutex<StoreState>,
    arrived: Condvar,
}

#[derive(Default)]
struct StoreState {
    frames: Vec<Arc<OwnedFrame>>,
    bytes: usize,
    /// Frames that came after the store was full.
    refused: u64,
    /// No more frames will come.
    closed: bool,
    /// Why the frames ended early, if they did.
    cut_short: Option<String>,
    /// Key log text that came with the frames, each with the number of frames before it.
    secrets: Vec<(usize, Vec<u8>)>,
}

impl Store {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, StoreState> {
        // A walker that panicked while holding the lock left the frames intact: go on.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a frame; a full store counts it as refused instead. Returns whether it was kept.
    pub fn push(&self, frame: OwnedFrame) -> bool {
        let mut state = self.lock();
        if state.frames.len() >= STORE_LIMIT_FRAMES || state.bytes + frame.data.len() > STORE_LIMIT_BYTES {
            state.refused += 1;
            return false;
        }
        state.bytes += frame.data.len();
        state.frames.push(Arc::new(frame));
        drop(state);
        self.arrived.notify_all();
        true
    }

    /// Adds key log text that applies to the frames pushed after it, as a pcapng Decryption
    /// Secrets Block does.
    pub fn push_secrets(&self, text: Vec<u8>) {
        let mut state = self.lock();
        let at = state.frames.len();
        state.secrets.push((at, text));
    }

    /// The key log texts after the first `taken` that apply from frame `index` (from 0) on.
    pub(super) fn secrets_for(&self, index: usize, taken: usize) -> Vec<Vec<u8>> {
        let state = self.lock();
        state
            .secrets
            .iter()
            .skip(taken)
            .take_while(|(at, _)| *at <= index)
            .map(|(_, text)| text.clone())
            .collect()
    }

    /// Says no more frames will come, so walkers that reach the end stop there.
    pub fn close(&self) {
        self.lock().closed = true;
        self.arrived.notify_all();
    }

    /// Frames that came after the store was full.
    pub fn refused(&self) -> u64 {
        self.lock().refused
    }

    pub fn len(&self) -> usize {
        self.lock().frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Says the frames ended early, damaged: walkers end with [`Ended::CutShort`].
    pub fn close_cut_short(&self, reason: String) {
        self.lock().cut_short = Some(reason);
        self.close();
    }

    /// Frame `index` (from 0), waiting at most [`WAIT_SLICE`] for it while the store is open.
    pub(super) fn poll(&self, index: usize, cancel: &AtomicBool) -> Poll {
        let mut state = self.lock();
        for waited in [false, true] {
            if cancel.load(Ordering::Relaxed) {
                return Poll::Ended(Ended::Cancelled);
            }
            if let Some(frame) = state.frames.get(index) {
                return Poll::Frame(Arc::clone(frame));
            }
            if state.closed {
                return Poll::Ended(state.cut_short.clone().map_or(Ended::Complete, Ended::CutShort));
            }
            if !waited {
                state = match self.arrived.wait_timeout(state, WAIT_SLICE) {
                    Ok((state, _)) => state,
                    Err(poisoned) => poisoned.into_inner().0,
                };
            }
        }
        Poll::Waiting
    }
}

/// What a store has at an index.
pub(super) enum Poll {
    Frame(Arc<OwnedFrame>),
    /// Not yet: the store is open.
    Waiting,
    Ended(Ended),
}
