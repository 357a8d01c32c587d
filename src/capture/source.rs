//! One way to walk any capture in order, mapped or streamed: a [`Source`] yields each frame,
//! after the key material that comes before it, and ends at the capture's end or its first
//! read error. `dissect` and `timeline` walk a [`Source`], so a file and a pipe are read alike.

use std::collections::VecDeque;

use super::file::{CaptureFile, Frames, ReadError, Secrets};
use super::stream::{Item, Stream};

/// A capture walked item by item.
pub trait Source {
    /// The next frame or key material, in capture order; `None` at the end. After an error
    /// nothing more is yielded.
    fn next_item(&mut self) -> Option<Result<Item<'_>, ReadError>>;

    /// A problem met while reading that did not stop it, such as a gzip stream that ended
    /// early; known once the walk has ended.
    fn warning(&self) -> Option<&str>;

    /// Whether the capture was gzip-compressed (byte offsets then count decompressed bytes).
    fn compressed(&self) -> bool;

    /// Whether everything that has arrived has been read, so the next item waits for more: a
    /// stream's reader then flushes what it printed. Never for a file.
    fn caught_up(&self) -> bool {
        false
    }
}

/// A mapped capture file, walked.
pub struct FileSource<'a> {
    capture: &'a CaptureFile,
    frames: Frames<'a>,
    /// Key material met before `held`, handed on first.
    secrets: VecDeque<Secrets<'a>>,
    held: Option<Result<super::Frame<'a>, ReadError>>,
}

impl<'a> FileSource<'a> {
    pub fn new(capture: &'a CaptureFile) -> Self {
        Self { capture, frames: capture.frames(), secrets: VecDeque::new(), held: None }
    }

    /// A walk that leaves the pages it passes resident, for a reader ahead of another thread:
    /// that thread releases them ([`super::WalkedPages`]) once it has read the frames.
    pub fn keeping_pages(capture: &'a CaptureFile) -> Self {
        Self { capture, frames: capture.frames().keep_pages(), secrets: VecDeque::new(), held: None }
    }

    /// The next item, as [`Source::next_item`], borrowing the capture rather than the walk, so
    /// it can be handed to another thread (`crate::pipeline`).
    pub fn next_owned(&mut self) -> Option<Result<Item<'a>, ReadError>> {
        if self.secrets.is_empty() && self.held.is_none() {
            self.held = Some(self.frames.next()?);
            self.secrets.extend(self.frames.take_secrets());
        }
        if let Some(secrets) = self.secrets.pop_front() {
            return Some(Ok(Item::Secrets(secrets)));
        }
        self.held.take().map(|frame| frame.map(Item::Frame))
    }
}

impl Source for FileSource<'_> {
    fn next_item(&mut self) -> Option<Result<Item<'_>, ReadError>> {
        self.next_owned()
    }

    fn warning(&self) -> Option<&str> {
        self.capture.warning()
    }

    fn compressed(&self) -> bool {
        self.capture.compressed()
    }
}

impl Source for Stream {
    fn next_item(&mut self) -> Option<Result<Item<'_>, ReadError>> {
        self.read_item()
    }

    fn warning(&self) -> Option<&str> {
        None
    }

    fn compressed(&self) -> bool {
        Stream::compressed(self)
    }

    fn caught_up(&self) -> bool {
        Stream::caught_up(self)
    }
}

impl<S: Source + ?Sized> Source for &mut S {
    fn next_item(&mut self) -> Option<Result<Item<'_>, ReadError>> {
        (**self).next_item()
    }

    fn warning(&self) -> Option<&str> {
        (**self).warning()
    }

    fn compressed(&self) -> bool {
        (**self).compressed()
    }

    fn caught_up(&self) -> bool {
        (**self).caught_up()
    }
}
