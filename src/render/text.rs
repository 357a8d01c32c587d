//! One line per packet, in the spirit of tshark's default output: number, time since the
//! first packet, source, destination, protocol, length, info.

use std::fmt::Write as _;
use std::io;

use super::Render;
use crate::capture::Frame;
use crate::dissect::field::write_mac;
use crate::dissect::{Header, Packet, write_info};

/// The text renderer.
#[derive(Default)]
pub struct Text {
    line: String,
    info: String,
}

impl Text {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Render for Text {
    fn packet(&mut self, out: &mut dyn io::Write, frame: &Frame<'_>, packet: &Packet<'_>) -> io::Result<()> {
        let relative = packet.times.map_or(0, |times| times.relative_ns);
        let line = &mut self.line;
        line.clear();
        let sign = if relative < 0 { "-" } else { "" };
        let magnitude = relative.unsigned_abs();
        // Writing into a String cannot fail.
        let _ = write!(
            line,
            "{:>6} {sign}{}.{:06} ",
            frame.number,
            magnitude / 1_000_000_000,
            (magnitude % 1_000_000_000) / 1000
        );
        let start = line.len();
        write_endpoints(line, packet);
        let width = line.len() - start;
        for _ in width..35 {
            line.push(' ');
        }
        let protocol = packet.top_layer().map_or("", |layer| layer.protocol().column_name());
        self.info.clear();
        let _ = write_info(packet, &mut self.info);
        let _ = writeln!(line, " {protocol:<6} {:>5} {}", frame.orig_len, self.info);
        out.write_all(line.as_bytes())
    }
}

/// Writes `source → destination`: IP addresses when there are some, else link addresses.
fn write_endpoints(line: &mut String, packet: &Packet<'_>) {
    if let Some((src, dst)) = packet.addresses() {
        let _ = write!(line, "{src:>15} → {dst}");
        return;
    }
    for layer in &packet.layers {
        match &layer.header {
            Header::Ethernet(ethernet) => {
                let _ = write_mac(line, &ethernet.src());
                line.push_str(" → ");
                let _ = write_mac(line, &ethernet.dst());
                return;
            }
            Header::Sll(_) | Header::Null(_) | Header::Raw => {}
            _ => break,
        }
    }
}
