//! One line per packet, in the spirit of tshark's default output: number, time (since the
//! first packet unless `-t` says otherwise), source, destination, protocol, length, info.

use std::fmt::Write as _;
use std::io;
use std::net::IpAddr;

use super::Render;
use super::time::{TimeFormat, write_time};
use crate::capture::Frame;
use crate::dissect::field::{ipv4_text, write_ipv4, write_mac};
use crate::dissect::{Content, Packet, write_info};

/// The text renderer.
#[derive(Default)]
pub struct Text {
    line: String,
    time: TimeColumn,
}

impl Text {
    pub fn new() -> Self {
        Self::default()
    }

    /// A renderer whose Time column is written as `time` says.
    pub fn with_time(time: TimeColumn) -> Self {
        Self { line: String::new(), time }
    }
}

/// How the Time column is written: what it counts, and each interface's digits.
#[derive(Debug, Default)]
pub struct TimeColumn {
    pub format: TimeFormat,
    /// Decimals by pcapng interface id (pcap: one entry); six where none is given.
    pub digits: Vec<u8>,
    /// The capture time of the packet shown before, for `-t dd`.
    last_shown: Option<i64>,
}

impl TimeColumn {
    pub fn new(format: TimeFormat, digits: Vec<u8>) -> Self {
        Self { format, digits, last_shown: None }
    }

    /// Writes the column for a packet about to be shown.
    pub fn write(&mut self, line: &mut String, frame: &Frame<'_>, packet: &Packet<'_>) {
        let digits = self.digits.get(frame.interface.unwrap_or(0) as usize).copied().unwrap_or(6);
        let times = packet.times.unwrap_or_default();
        let nanos = match self.format {
            TimeFormat::Relative => times.relative_ns,
            TimeFormat::Delta => times.delta_ns,
            TimeFormat::DeltaDisplayed => self.last_shown.map_or(0, |last| frame.ts_ns.saturating_sub(last)),
            _ => frame.ts_ns,
        };
        self.last_shown = Some(frame.ts_ns);
        write_time(line, self.format, nanos, digits);
    }
}

impl Render for Text {
    fn packet(&mut self, out: &mut dyn io::Write, frame: &Frame<'_>, packet: &Packet<'_>) -> io::Result<()> {
        let line = &mut self.line;
        line.clear();
        push_right(line, itoa::Buffer::new().format(frame.number), 6);
        line.push(' ');
        self.time.write(line, frame, packet);
        line.push(' ');
        let start = line.len();
        write_endpoints(line, packet);
        let width = line.len() - start;
        for _ in width..35 {
            line.push(' ');
        }
        let protocol = packet.column_protocol();
        line.push(' ');
        line.push_str(protocol);
        for _ in protocol.len()..6 {
            line.push(' ');
        }
        line.push(' ');
        push_right(line, itoa::Buffer::new().format(frame.orig_len), 5);
        line.push(' ');
        // Writing into a String cannot fail.
        let _ = write_info(packet, line);
        line.push('\n');
        out.write_all(line.as_bytes())
    }
}

/// Appends `text` right-aligned in `width` columns.
fn push_right(line: &mut String, text: &str, width: usize) {
    for _ in text.len()..width {
        line.push(' ');
    }
    line.push_str(text);
}

/// Writes `source → destination`: IP addresses when there are some, else link addresses.
pub(crate) fn write_endpoints(line: &mut String, packet: &Packet<'_>) {
    match packet.addresses() {
        Some((IpAddr::V4(src), IpAddr::V4(dst))) => {
            push_right(line, ipv4_text(&mut [0; 15], src), 15);
            line.push_str(" → ");
            let _ = write_ipv4(line, dst);
            return;
        }
        Some((src, dst)) => {
            let _ = write!(line, "{src:>15} → {dst}");
            return;
        }
        None => {}
    }
    for layer in &packet.layers {
        match &layer.content {
            Content::Ethernet(ethernet) => {
                let _ = write_mac(line, &ethernet.src());
                line.push_str(" → ");
                let _ = write_mac(line, &ethernet.dst());
                return;
            }
            Content::Sll(_) | Content::Null(_) | Content::Raw => {}
            _ => break,
        }
    }
}
