//! rttscope: a packet-level protocol dissector and handshake round-trip visualizer.
//!
//! The pipeline runs `capture` → `dissect` → `track` → views. `capture` turns files into
//! frames; `dissect` turns one frame into layers, statelessly; `track` follows what spans
//! frames (reassembly, conversations) without doing any I/O; `render` and `filter` only read.
//! The binary in `main.rs` is a thin shell over [`cli`].

pub mod capture;
pub mod cli;
pub mod crypto;
pub mod dispatch;
pub mod dissect;
#[cfg(feature = "parquet")]
pub mod export;
pub mod filter;
pub mod generate;
pub mod link;
pub mod objects;
pub mod osi;
pub mod pipeline;
pub mod privilege;
pub mod protocol;
pub mod registry;
pub mod render;
mod sys;
pub mod timeline;
pub mod track;
pub mod tui;

/// Frame builders and hostile-capture generators, for tests, examples and benchmarks.
#[doc(hidden)]
pub mod testing;
