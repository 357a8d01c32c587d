//! Non-interactive renderers: one line of text, one JSON object, or tab-separated fields per
//! packet. Renderers only read packets; they write into a buffered writer the caller owns.

pub mod diagram;
pub mod fields;
pub mod json;
pub mod ladder;
pub mod qlog;
pub mod text;
pub mod timeline;

use std::io;

use crate::capture::Frame;
use crate::dissect::Packet;

/// Writes packets in one output format.
pub trait Render {
    /// Writes whatever precedes the first packet.
    fn begin(&mut self, _out: &mut dyn io::Write) -> io::Result<()> {
        Ok(())
    }

    fn packet(&mut self, out: &mut dyn io::Write, frame: &Frame<'_>, packet: &Packet<'_>) -> io::Result<()>;
}
