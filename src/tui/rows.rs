//! The packet list's index: one 16-byte entry per frame, built once by the indexer and only
//! read after, with each row's Info made on demand for the rows on screen.
//!
//! An entry keeps the columns the list draws from fixed fields (time, length, protocol, OSI
//! layer) and an index into a table of interned (source, destination) pairs, so a capture of
//! ten million packets costs about 160 MB of index rather than gigabytes. Info depends on the
//! tracker's state (decrypted TLS, HTTP over it), so it is not kept: the frames worker takes
//! the rows on screen apart again from the nearest checkpoint and [`Rows::set_info`] keeps
//! their text in a bounded cache. Entries sit in fixed-size chunks, so the index never
//! reallocates (and never briefly holds two copies of itself) as it grows.

use std::fmt::Write as _;
use std::mem::size_of;

use rustc_hash::FxHashMap;

use crate::capture::Frame;
use crate::dissect::{Packet, write_info};
use crate::osi::OsiLayer;
use crate::render::text::write_endpoints;

/// Entries per chunk: a megabyte each.
const CHUNK: usize = 1 << 16;
/// The most Info texts kept; when full, those far from the frame on screen go first.
pub const INFOS_KEPT: usize = 8192;
/// Bits of [`Entry::packed`] below the time: the protocol's index, then the OSI layer.
const PROTOCOL_BITS: u32 = 12;
const OSI_BITS: u32 = 4;
const LOW_BITS: u32 = PROTOCOL_BITS + OSI_BITS;
/// Times are kept to the microsecond (as the list shows them) in 48 signed bits: ±4 years.
const MAX_MICROS: i64 = (1 << (63 - LOW_BITS)) - 1;

/// One frame in the index.
#[derive(Clone, Copy, Debug)]
struct Entry {
    /// Microseconds since the first frame (high 48 bits, signed), the protocol's index in
    /// [`Rows::protocols`] (12 bits) and the OSI layer's number (low 4 bits).
    packed: i64,
    /// Index in [`Rows::pairs`].
    endpoints: u32,
    orig_len: u32,
}

/// Rows in frame order; row `i` is frame `i + 1`.
#[derive(Clone, Debug, Default)]
pub struct Rows {
    chunks: Vec<Vec<Entry>>,
    len: usize,
    /// Interned column names: protocols, addresses, and (source, destination) pairs of them.
    protocols: Vec<&'static str>,
    protocol_ids: FxHashMap<&'static str, u16>,
    addresses: Vec<Box<str>>,
    address_ids: FxHashMap<Box<str>, u32>,
    pairs: Vec<(u32, u32)>,
    pair_ids: FxHashMap<(u32, u32), u32>,
    /// Info made on demand, by frame number.
    infos: FxHashMap<u64, Box<str>>,
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
    /// Empty until the frames worker has made it: see [`Rows::has_info`].
    pub info: &'r str,
    /// The OSI layer of the protocol that names the row, for its colour.
    pub osi: OsiLayer,
}

/// A packet's Info column as the list shows it: its summary, then its problems.
pub fn info_text(packet: &Packet<'_>) -> Box<str> {
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = write_info(packet, &mut text);
    for problem in &packet.problems {
        let _ = write!(text, " [{problem}]");
    }
    text.into_boxed_str()
}

impl Rows {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds the row of a tracked packet, its Info left to be made on demand.
    pub fn push(&mut self, frame: &Frame<'_>, packet: &Packet<'_>) {
        let endpoints = std::mem::take(&mut self.endpoints);
        let mut endpoints = endpoints;
        endpoints.clear();
        write_endpoints(&mut endpoints, packet);
        // The arrow is in no address: a search for the one character, not for " → " (whose
        // searcher, set up for every row, cost more than the split).
        let (source, destination) =
            endpoints.split_once('→').map_or((endpoints.as_str(), ""), |(source, destination)| {
                (
                    source.strip_suffix(' ').unwrap_or(source),
                    destination.strip_prefix(' ').unwrap_or(destination),
                )
            });
        let relative_ns = packet.times.map_or(0, |times| times.relative_ns);
        self.first_ns.get_or_insert(frame.ts_ns.saturating_sub(relative_ns));
        let pair = (self.address(source.trim_start()), self.address(destination));
        let pair = self.pair(pair);
        self.endpoints = endpoints;
        let protocol = self.protocol(packet.column_protocol());
        let osi = packet.top_layer().map_or(OsiLayer::Physical, |layer| layer.osi());
        let micros = packet.times.map_or(0, |times| times.relative_ns / 1000);
        self.push_entry(Entry {
            packed: pack(micros, protocol, osi),
            endpoints: pair,
            orig_len: frame.orig_len,
        });
    }

    /// [`Rows::push`], keeping the packet's Info too (the first screen's rows, and tests).
    pub fn push_with_info(&mut self, frame: &Frame<'_>, packet: &Packet<'_>) {
        self.push(frame, packet);
        self.infos.insert(frame.number, info_text(packet));
    }

    fn push_entry(&mut self, entry: Entry) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(entry),
            _ => {
                // The first chunk grows as a Vec does, so a small batch stays small.
                let mut chunk = if self.chunks.is_empty() { Vec::new() } else { Vec::with_capacity(CHUNK) };
                chunk.push(entry);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
    }

    fn protocol(&mut self, name: &'static str) -> u16 {
        if let Some(id) = self.protocol_ids.get(name) {
            return *id;
        }
        // More protocol names than 12 bits hold cannot happen (the table has a few hundred);
        // were it to, the first name stands in rather than a wrong one being indexed.
        let Ok(id) = u16::try_from(self.protocols.len()).map(|id| id.min((1 << PROTOCOL_BITS) - 1)) else {
            return 0;
        };
        if usize::from(id) < self.protocols.len() {
            return 0;
        }
        self.protocols.push(name);
        self.protocol_ids.insert(name, id);
        id
    }

    fn address(&mut self, text: &str) -> u32 {
        if let Some(id) = self.address_ids.get(text) {
            return *id;
        }
        let id = self.addresses.len() as u32;
        self.addresses.push(text.into());
        self.address_ids.insert(text.into(), id);
        id
    }

    fn pair(&mut self, pair: (u32, u32)) -> u32 {
        let next = self.pairs.len() as u32;
        let id = *self.pair_ids.entry(pair).or_insert(next);
        if id == next {
            self.pairs.push(pair);
        }
        id
    }

    /// Moves every row of `other` (the frames after these) to the end of these.
    pub fn append(&mut self, other: Rows) {
        self.first_ns = self.first_ns.or(other.first_ns);
        let protocols: Vec<u16> = other.protocols.iter().map(|name| self.protocol(name)).collect();
        let addresses: Vec<u32> = other.addresses.iter().map(|text| self.address(text)).collect();
        let pairs: Vec<u32> = other
            .pairs
            .iter()
            .map(|(source, destination)| {
                self.pair((addresses[*source as usize], addresses[*destination as usize]))
            })
            .collect();
        for entry in other.chunks.iter().flatten() {
            let (micros, protocol, osi) = unpack(entry.packed);
            let protocol = protocols.get(usize::from(protocol)).copied().unwrap_or(0);
            self.push_entry(Entry {
                packed: pack(micros, protocol, osi),
                endpoints: pairs[entry.endpoints as usize],
                orig_len: entry.orig_len,
            });
        }
        self.infos.extend(other.infos);
    }

    fn entry(&self, index: usize) -> Option<&Entry> {
        self.chunks.get(index / CHUNK)?.get(index % CHUNK)
    }

    /// The first frame's capture time in nanoseconds since 1970, once there is one.
    pub fn first_ns(&self) -> Option<i64> {
        self.first_ns
    }

    /// Row `index` (frame `index + 1`).
    pub fn get(&self, index: usize) -> Option<Row<'_>> {
        let entry = self.entry(index)?;
        let number = index as u64 + 1;
        let (micros, protocol, osi) = unpack(entry.packed);
        let (source, destination) = self.pairs[entry.endpoints as usize];
        Some(Row {
            number,
            relative_ns: micros * 1000,
            source: &self.addresses[source as usize],
            destination: &self.addresses[destination as usize],
            protocol: self.protocols.get(usize::from(protocol)).copied().unwrap_or(""),
            orig_len: entry.orig_len,
            info: self.infos.get(&number).map_or("", |info| info),
            osi,
        })
    }

    /// Whether frame `number`'s Info has been made (an empty Info is one too).
    pub fn has_info(&self, number: u64) -> bool {
        self.infos.contains_key(&number)
    }

    /// Keeps frames' Info made on demand; when the cache is full, those furthest from frame
    /// `near` (the one on screen) go first, so it stays within [`INFOS_KEPT`].
    pub fn set_info(&mut self, infos: Vec<(u64, Box<str>)>, near: u64) {
        if self.infos.len() + infos.len() > INFOS_KEPT {
            let mut distances: Vec<u64> = self.infos.keys().map(|number| number.abs_diff(near)).collect();
            let keep = INFOS_KEPT.saturating_sub(infos.len());
            if keep < distances.len() {
                let (_, cut, _) = distances.select_nth_unstable(keep);
                let cut = *cut;
                self.infos.retain(|number, _| number.abs_diff(near) < cut);
            }
        }
        self.infos.extend(infos);
    }

    /// The bytes the index holds: its entries (by capacity), the interned names and the
    /// tables that find them, and the Info cache. Counted from sizes and capacities, with a
    /// hash table's slot as its key, value and one control byte.
    pub fn bytes_held(&self) -> usize {
        let entries: usize = self.chunks.iter().map(|chunk| chunk.capacity() * size_of::<Entry>()).sum();
        let chunks = self.chunks.capacity() * size_of::<Vec<Entry>>();
        let slot = |key: usize, value: usize| key + value + 1;
        let protocols = self.protocols.capacity() * size_of::<&str>()
            + self.protocol_ids.capacity() * slot(size_of::<&str>(), size_of::<u16>());
        let texts: usize = self.addresses.iter().map(|text| 2 * text.len()).sum();
        let addresses = self.addresses.capacity() * size_of::<Box<str>>()
            + self.address_ids.capacity() * slot(size_of::<Box<str>>(), size_of::<u32>())
            + texts;
        let pairs = self.pairs.capacity() * size_of::<(u32, u32)>()
            + self.pair_ids.capacity() * slot(size_of::<(u32, u32)>(), size_of::<u32>());
        let infos = self.infos.capacity() * slot(size_of::<u64>(), size_of::<Box<str>>())
            + self.infos.values().map(|info| info.len()).sum::<usize>();
        entries + chunks + protocols + addresses + pairs + infos + self.endpoints.capacity()
    }
}

/// Packs a time in microseconds, a protocol index and an OSI layer into one word.
fn pack(micros: i64, protocol: u16, osi: OsiLayer) -> i64 {
    let micros = micros.clamp(-MAX_MICROS, MAX_MICROS);
    (micros << LOW_BITS) | (i64::from(protocol) << OSI_BITS) | (osi as i64)
}

fn unpack(packed: i64) -> (i64, u16, OsiLayer) {
    let osi = OsiLayer::ALL.into_iter().find(|layer| *layer as i64 == packed & ((1 << OSI_BITS) - 1));
    let protocol = ((packed >> OSI_BITS) & ((1 << PROTOCOL_BITS) - 1)) as u16;
    (packed >> LOW_BITS, protocol, osi.unwrap_or(OsiLayer::Physical))
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
        rows.push_with_info(&frame(1), &dissect(&frame(1)));
        let mut more = Rows::new();
        more.push(&frame(2), &dissect(&frame(2)));
        rows.append(more);
        assert_eq!(rows.len(), 2);
        let row = rows.get(1).expect("second row");
        assert_eq!((row.number, row.source, row.destination), (2, "10.0.0.1", "10.0.0.2"));
        assert_eq!((row.protocol, row.orig_len, row.osi), ("UDP", 48, OsiLayer::Transport));
        assert!(!rows.has_info(2) && row.info.is_empty(), "made on demand: {}", row.info);
        assert!(rows.get(0).is_some_and(|row| row.info.starts_with("9000 → 9001")), "{:?}", rows.get(0));
        rows.set_info(vec![(2, "made later".into())], 2);
        assert_eq!(rows.get(1).map(|row| row.info), Some("made later"));
        assert_eq!(rows.get(2), None);
    }

    #[test]
    fn times_keep_microseconds_and_sign_beside_protocol_and_layer() {
        for (micros, protocol, osi) in [
            (0, 0, OsiLayer::Physical),
            (-1, 4095, OsiLayer::Application),
            (MAX_MICROS, 7, OsiLayer::Session),
        ] {
            assert_eq!(unpack(pack(micros, protocol, osi)), (micros, protocol, osi));
        }
    }

    #[test]
    fn the_info_cache_keeps_those_nearest_the_screen() {
        let mut rows = Rows::new();
        rows.set_info((1..=INFOS_KEPT as u64).map(|number| (number, "x".into())).collect(), 1);
        rows.set_info(vec![(INFOS_KEPT as u64 + 1, "new".into())], INFOS_KEPT as u64);
        assert!(rows.infos.len() <= INFOS_KEPT);
        assert!(rows.has_info(INFOS_KEPT as u64 + 1) && rows.has_info(INFOS_KEPT as u64));
        assert!(!rows.has_info(1), "the furthest went first");
    }

    #[test]
    fn the_index_holds_at_most_64_bytes_a_packet() {
        // Four chunks of one conversation's packets (a busy capture's worth: a partly filled
        // last chunk adds at most a megabyte), and the course capture's mix.
        let mut rows = Rows::new();
        for number in 1..=4 * CHUNK as u64 {
            rows.push(&frame(number), &dissect(&frame(number)));
        }
        assert_eq!(size_of::<Entry>(), 16);
        let per_packet = rows.bytes_held() / rows.len();
        assert!(per_packet <= 17, "{per_packet} bytes a packet");

        let (source, keylog) = crate::tui::testing::bundled(crate::tui::testing::COURSE);
        let mut course = Rows::new();
        crate::tui::source::walk(
            &source,
            &keylog,
            &std::sync::atomic::AtomicBool::new(false),
            &mut crate::tui::source::each(|frame, packet| {
                course.push(frame, packet);
                crate::tui::source::Next::Continue
            }),
        );
        let per_packet = course.bytes_held() / course.len();
        assert!(per_packet <= 64, "{per_packet} bytes a packet over {} packets", course.len());
    }
}
