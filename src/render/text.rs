//! One line per packet, in the spirit of tshark's default output: number, time since the
//! first packet, source, destination, protocol, length, info.

use std::fmt::Write as _;
use std::io;
use std::net::IpAddr;

use super::Render;
use crate::capture::Frame;
use crate::dissect::field::{write_ipv4, write_mac};
use crate::dissect::{Content, Packet, write_info};

/// The text renderer.
#[derive(Default)]
pub struct Text {
    line: String,
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
        let magnitude = relative.unsigned_abs();
        push_right(line, itoa::Buffer::new().format(frame.number), 6);
        line.push(' ');
        if relative < 0 {
            line.push('-');
        }
        line.push_str(itoa::Buffer::new().format(magnitude / 1_000_000_000));
        line.push('.');
        let micros = (magnitude % 1_000_000_000) / 1000;
        push_right_zeros(line, itoa::Buffer::new().format(micros), 6);
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

/// Appends decimal digits zero-padded to `width`.
fn push_right_zeros(line: &mut String, digits: &str, width: usize) {
    for _ in digits.len()..width {
        line.push('0');
    }
    line.push_str(digits);
}

/// Writes `source → destination`: IP addresses when there are some, else link addresses.
pub(crate) fn write_endpoints(line: &mut String, packet: &Packet<'_>) {
    match packet.addresses() {
        Some((IpAddr::V4(src), IpAddr::V4(dst))) => {
            let mut address = String::with_capacity(15);
            let _ = write_ipv4(&mut address, src);
            push_right(line, &address, 15);
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
