//! Copies of a tracker (`Tracker: Clone`), for the UI's checkpoints, and how faithful a copy
//! is.
//!
//! A tracker's state copies exactly, with one exception: loona-hpack cannot copy an HTTP/2
//! direction's HPACK dynamic table, so the decoder keeps the table a second time and a copy is
//! rebuilt from that (`dissect/http2/hpack/table.rs`); after a header block that did not
//! decode, that second table is no longer known to match. Such a `Clone` gives a fresh decoder
//! instead and says so here, so whoever copies a tracker can tell an exact copy from one that
//! would decode that connection differently, and keep only exact ones. The count is per
//! thread: a copy is made on one thread, from start to end.
//!
//! A copy costs what changed since the last one: each conversation's state is [`Shared`]
//! between a tracker and its copies until one of them changes it, and only then copied, by
//! the one that changes it; the tables that find them share their entries the same way
//! ([`super::cow`]). Most of a long capture's conversations are over and never change again,
//! so the UI's walk, its checkpoints and the frames worker's copy hold one state for each of
//! them between them.

use std::cell::Cell;
use std::ops::Deref;
use std::sync::Arc;

thread_local! {
    static INEXACT: Cell<u64> = const { Cell::new(0) };
}

/// Called by a `Clone` that could not copy its state exactly.
pub fn note_inexact() {
    INEXACT.with(|count| count.set(count.get() + 1));
}

/// Copies `value`, returning the copy only if every part of it copied exactly.
pub fn exact_copy<T: Clone>(value: &T) -> Option<T> {
    let before = INEXACT.with(Cell::get);
    let copy = value.clone();
    (INEXACT.with(Cell::get) == before).then_some(copy)
}

/// A conversation's state, shared by a tracker and its copies until one of them changes it.
#[derive(Debug, Default)]
pub struct Shared<T>(Arc<T>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Self(Arc::new(value))
    }

    /// Counts the state, of `bytes`, into `census` (see [`super::cow::Census`]).
    pub fn census(&self, census: &mut super::cow::Census, bytes: usize) {
        census.part(Arc::as_ptr(&self.0).cast(), bytes);
    }

    /// Whether `self` and `other` are one state, not two equal ones.
    #[cfg(test)]
    pub fn is_same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<T: Clone> Shared<T> {
    /// The state, to change it: copied first if a copy of the tracker shares it.
    pub fn make_mut(&mut self) -> &mut T {
        Arc::make_mut(&mut self.0)
    }
}

impl<T> Clone for Shared<T> {
    /// Another holder of the same state: nothing is copied until one of them changes it.
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
