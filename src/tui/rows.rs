//! The packet list: one compact row per frame, built once by the indexer and only read after.
//!
//! A row keeps what the list shows (time, addresses, protocol, length, info) with its text in
//! one shared buffer, so half a million rows cost tens of megabytes rather than a million small
//! allocations, and drawing a screenful reads only the rows on it.

use std::fmt::Write as _;

use crate::capture::Frame;
use crate::dissect::{Packet, write_info};
use crate::osi::OsiLayer;
use crate::render::text::write_endpoints;

#[derive(Clone, Copy, Debug)]
struct Meta {
    relative_ns: i64,
    orig_len: u32,
    protocol: &'static str,
    osi: OsiLayer,
    /// Where this row's source, destination and info end in `text`; it starts where the row
    /// before it ends.
    source_end: usize,
    destination_end: usize,
    info_end: usize,
}

/// Rows in frame order; row `i` is frame `i + 1`.
#[derive(Clone, Debug, Default)]
pub struct Rows {
    meta: Vec<Meta>,
    text: String,
    /// Reused for each row's addresses before they are split into source and destination.
    endpoints: String,
    /// The first frame's capture time, since 1970, for the Time column's absolute formats.
    first_ns: Option<i64>,
}

/// One row, borrowed from [`Rows`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row<'r> {
    pub number: u64,
    pub relative_ns: i64,
    pub source: &'r str,
    pub destination: &'r str,
    pub protocol: &'static str,
    pub orig_len: u32,
    pub info: &'r str,
    /// The OSI layer of the protocol that names the row, for its colour.
    pub osi: OsiLayer,
}

impl Rows {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.meta.len()
    }

    pub fn is_empty(&self) -> bool {
        self.meta.is_empty()
    }

    /// Adds the row of a tracked packet.
    pub fn push(&mut self, frame: &Frame<'_>, packet: &Packet<'_>) {
        let endpoints = &mut self.endpoints;
        endpoints.clear();
        write_endpoints(endpoints, packet);
        let (source, destination) = endpoints.split_once(" → ").unwrap_or((endpoints.as_str(), ""));
        self.text.push_str(source.trim_start());
        let source_end = self.text.len();
        self.text.push_str(destination);
        let destination_end = self.text.len();
        // Writing into a String cannot fail.
        let _ = write_info(packet, &mut self.text);
        for problem in &packet.problems {
            let _ = write!(self.text, " [{problem}]");
        }
        let info_end = self.text.len();
        let relative_ns = packet.times.map_or(0, |times| times.relative_ns);
        self.first_ns.get_or_insert(frame.ts_ns.saturating_sub(relative_ns));
        self.meta.push(Meta {
            relative_ns: packet.times.map_or(0, |times| times.relative_ns),
            orig_len: frame.orig_len,
            protocol: packet.column_protocol(),
            osi: packet.top_layer().map_or(OsiLayer::Physical, |layer| layer.osi()),
            source_end,
            destination_end,
            info_end,
        });
    }

    /// Moves every row of `other` to the end of these.
    pub fn append(&mut self, other: Rows) {
        self.first_ns = self.first_ns.or(other.first_ns);
        let base = self.text.len();
        self.text.push_str(&other.text);
        self.meta.extend(other.meta.into_iter().map(|meta| Meta {
            source_end: meta.source_end + base,
            destination_end: meta.destination_end + base,
            info_end: meta.info_end + base,
            ..meta
        }));
    }

    /// The first frame's capture time in nanoseconds since 1970, once there is one.
    pub fn first_ns(&self) -> Option<i64> {
        self.first_ns
    }

    /// Row `index` (frame `index + 1`).
    pub fn get(&self, index: usize) -> Option<Row<'_>> {
        let meta = self.meta.get(index)?;
        let start = index.checked_sub(1).map_or(0, |before| self.meta[before].info_end);
        Some(Row {
            number: index as u64 + 1,
            relative_ns: meta.relative_ns,
            source: &self.text[start..meta.source_end],
            destination: &self.text[meta.source_end..meta.destination_end],
            protocol: meta.protocol,
            orig_len: meta.orig_len,
            info: &self.text[meta.destination_end..meta.info_end],
            osi: meta.osi,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::LinkType;
    use crate::dissect::dissect;

    /// Ethernet, IPv4 and UDP from 10.0.0.1:9000 to 10.0.0.2:9001 (ports no protocol claims),
    /// with two payload bytes.
    const UDP: [u8; 48] = [
        0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00, // Ethernet: dst, src, IPv4
        0x45, 0, 0, 30, 0, 1, 0, 0, 64, 17, 0, 0, // IPv4: length 30, TTL 64, UDP
        10, 0, 0, 1, 10, 0, 0, 2, // addresses
        0x23, 0x28, 0x23, 0x29, 0, 10, 0, 0, // UDP: ports 9000 → 9001, length 10
        0xab, 0xcd, 0, 0, 0, 0, // payload, then Ethernet padding
    ];

    fn frame(number: u64) -> Frame<'static> {
        Frame { number, ts_ns: 0, linktype: LinkType::Ethernet, interface: None, orig_len: 48, data: &UDP }
    }

    #[test]
    fn rows_keep_the_columns_of_each_frame_apart() {
        let mut rows = Rows::new();
        rows.push(&frame(1), &dissect(&frame(1)));
        let mut more = Rows::new();
        more.push(&frame(2), &dissect(&frame(2)));
        rows.append(more);
        assert_eq!(rows.len(), 2);
        let row = rows.get(1).expect("second row");
        assert_eq!((row.number, row.source, row.destination), (2, "10.0.0.1", "10.0.0.2"));
        assert_eq!((row.protocol, row.orig_len, row.osi), ("UDP", 48, OsiLayer::Transport));
        assert!(row.info.starts_with("9000 → 9001"), "{}", row.info);
        assert_eq!(rows.get(0).map(|row| row.source), Some("10.0.0.1"));
        assert_eq!(rows.get(2), None);
    }
}
