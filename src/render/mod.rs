//! Non-interactive renderers: one line of text, one JSON object, or tab-separated fields per
//! packet, tshark's JSON shapes, trees and hex dumps, and tshark's statistics tables.
//! Renderers only read packets; they write into a buffered writer the caller owns.

pub mod detail;
pub mod diagram;
pub mod fields;
pub mod json;
pub mod label;
pub mod ladder;
pub mod nest;
pub mod qlog;
pub mod stats;
pub mod text;
pub mod time;
pub mod timeline;
pub mod tshark_json;

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

    /// Writes whatever follows the last packet.
    fn end(&mut self, _out: &mut dyn io::Write) -> io::Result<()> {
        Ok(())
    }
}
