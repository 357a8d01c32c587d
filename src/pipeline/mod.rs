//! Walking a capture with every core: its frames read and taken apart on one thread
//! (`ahead`), tracked in order on another (`walk`), and the tracked packets filtered,
//! formatted and written on a third (`behind`, the packets carried there by `handoff`, which
//! the UI's indexer uses as well); or all of it on one thread.
//!
//! Whatever the threads, what is written is the same byte for byte: each stage sees what a
//! walk on one thread sees, in the same order, and the queues between stages are bounded, so
//! memory stays flat whatever the capture's size.

mod ahead;
mod behind;
mod handoff;
mod walk;

pub use ahead::{Ahead, BATCH, BATCH_BYTES, QUEUED};
pub use behind::for_each_packet_behind;
pub use handoff::{Given, Receiving, Sending, handoff};
pub use walk::{Tracking, Visit, each, for_each_packet, report_key_log_warnings};

use crate::capture::{Frame, Item, ReadError, Secrets, Source};
use crate::dissect::Packet;

/// One step of a walk over a capture, in capture order.
#[allow(
    clippy::large_enum_variant,
    reason = "nearly every step is a frame; boxing its packet would allocate once per frame"
)]
pub enum Step<'a> {
    /// A frame, with its packet when it was taken apart ahead of the tracker.
    Frame(Frame<'a>, Option<Packet<'a>>),
    /// Key material embedded in the capture, before the frames it applies to.
    Secrets(Secrets<'a>),
}

/// A capture walked step by step, on one thread ([`Source`]) or with the frames taken apart
/// ahead on another ([`Ahead`]).
pub trait Walk {
    /// The next step; `None` at the end. After an error nothing more is yielded.
    fn next_step(&mut self) -> Option<Result<Step<'_>, ReadError>>;

    /// A problem met while reading that did not stop it (see [`Source::warning`]).
    fn warning(&self) -> Option<&str>;

    /// Whether the capture was gzip-compressed.
    fn compressed(&self) -> bool;

    /// Whether everything that has arrived has been read (see [`Source::caught_up`]).
    fn caught_up(&self) -> bool;
}

impl<S: Source + ?Sized> Walk for S {
    fn next_step(&mut self) -> Option<Result<Step<'_>, ReadError>> {
        self.next_item().map(|item| {
            item.map(|item| match item {
                Item::Frame(frame) => Step::Frame(frame, None),
                Item::Secrets(secrets) => Step::Secrets(secrets),
            })
        })
    }

    fn warning(&self) -> Option<&str> {
        Source::warning(self)
    }

    fn compressed(&self) -> bool {
        Source::compressed(self)
    }

    fn caught_up(&self) -> bool {
        Source::caught_up(self)
    }
}
