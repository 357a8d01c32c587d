//! Copies of a tracker (`Tracker: Clone`), for the UI's checkpoints, and how faithful a copy
//! is.
//!
//! Almost all of a tracker's state copies exactly. Two parts come from crates that cannot
//! copy them: an HTTP/2 direction's HPACK dynamic table and a WebSocket direction's
//! permessage-deflate window. Their `Clone` gives a fresh decoder instead and says so here,
//! so whoever copies a tracker can tell an exact copy from one that would decode those
//! connections differently, and keep only exact ones. The count is per thread: a copy is
//! made on one thread, from start to end.

use std::cell::Cell;

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
