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
