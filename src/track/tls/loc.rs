//! Where a record's bytes are until the frame's layers are built: in the segment, or copied
//! into one of the frame's arenas, and locations within them.

use std::ops::Range;

/// Where bytes are, until the frame's layers are built from them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Loc {
    /// In the segment's payload.
    Payload(Range<usize>),
    /// In the frame's stream arena (reassembled from segments).
    Stream(Range<usize>),
    /// In the frame's decrypted arena.
    Decrypted(Range<usize>),
}

/// The per-frame buffers that records and plaintext are copied into.
#[derive(Debug, Default)]
pub struct Arenas {
    pub stream: Vec<u8>,
    pub decrypted: Vec<u8>,
}

/// Copies `bytes` to the end of `arena`; their location there.
pub(super) fn copy_into(arena: &mut Vec<u8>, bytes: &[u8], make: fn(Range<usize>) -> Loc) -> Loc {
    let start = arena.len();
    arena.extend_from_slice(bytes);
    make(start..arena.len())
}

/// The location `skip` bytes into `loc`.
pub(super) fn offset_loc(loc: &Loc, skip: usize) -> Loc {
    let (start, end) = match loc {
        Loc::Payload(range) | Loc::Stream(range) | Loc::Decrypted(range) => (range.start, range.end),
    };
    offset_range(loc, skip, end - (start + skip).min(end))
}

/// The location of `len` bytes `skip` bytes into `loc`.
pub(super) fn offset_range(loc: &Loc, skip: usize, len: usize) -> Loc {
    match loc {
        Loc::Payload(range) => Loc::Payload(range.start + skip..range.start + skip + len),
        Loc::Stream(range) => Loc::Stream(range.start + skip..range.start + skip + len),
        Loc::Decrypted(range) => Loc::Decrypted(range.start + skip..range.start + skip + len),
    }
}
