//! The Statistics view's figures, counted on a worker in one walk of the capture: capture
//! properties as capinfos gives them, the protocol hierarchy and TCP conversations of
//! `-z io,phs` and `-z conv,tcp` (counted by `render::stats`, not here again), the other
//! conversations and the endpoints, packets and bytes over time, and the analysis notes.
//!
//! The invariant: every figure comes from one walk with one tracker, the walk `dissect` makes,
//! so the counts equal what `rttscope dissect -z` and `-Y` say of the same capture.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;

use super::action::Action;
use super::source::{Ended, Next, Source, Visitor, walk_decoded};
use super::statistics_tables::{Kind, Table, tables};
use crate::capture::{Frame, LinkType};
use crate::dispatch::Dispatch;
use crate::dissect::field::{Field, Value};
use crate::dissect::{Content, Packet};
use crate::render::stats::{Hierarchy, Statistics as _, TcpConversations};
use crate::track::keylog::KeyLog;

/// The finest I/O interval, and how many intervals are kept before two become one.
const IO_FINEST_NS: i64 = 1_000_000;
const IO_MOST_BUCKETS: usize = 1 << 16;

/// Everything the Statistics view shows.
#[derive(Clone, Debug, Default)]
pub struct Counted {
    pub properties: Properties,
    /// The protocol hierarchy, depth first: depth, protocol, frames, bytes.
    pub hierarchy: Vec<(usize, &'static str, u64, u64)>,
    /// Conversations and endpoints, one table each per kind ([`Kind::ALL`]).
    pub conversations: Vec<Table>,
    pub endpoints: Vec<Table>,
    pub io: Io,
    /// Analysis notes grouped, in order of their first packet.
    pub notes: Vec<NoteGroup>,
}

/// capinfos's figures.
#[derive(Clone, Debug, Default)]
pub struct Properties {
    pub packets: u64,
    /// Bytes on the wire, and captured.
    pub bytes: u64,
    pub captured_bytes: u64,
    pub first_ns: Option<i64>,
    pub last_ns: Option<i64>,
    pub link_types: BTreeSet<String>,
    pub interfaces: Vec<String>,
    /// TLS sessions the user's key log holds secrets for, and the secrets blocks the capture
    /// embeds.
    pub keylog_sessions: usize,
    pub embedded_secrets: usize,
    /// Frames with a malformed or undecoded layer.
    pub frames_with_problems: u64,
    /// The walk ended early: why.
    pub cut_short: Option<String>,
}

impl Properties {
    /// Seconds from the first packet to the last.
    pub fn duration(&self) -> f64 {
        match (self.first_ns, self.last_ns) {
            (Some(first), Some(last)) => (last - first) as f64 / 1e9,
            _ => 0.0,
        }
    }
}

/// Packets and bytes per interval, kept at the finest interval that holds the capture in
/// `IO_MOST_BUCKETS`.
#[derive(Clone, Debug, Default)]
pub struct Io {
    /// The width of one bucket.
    pub bucket_ns: i64,
    /// Packets and bytes of each bucket from the first packet on.
    pub buckets: Vec<(u64, u64)>,
}

impl Io {
    fn add(&mut self, offset_ns: i64, bytes: u64) {
        if self.bucket_ns == 0 {
            self.bucket_ns = IO_FINEST_NS;
        }
        let mut at = (offset_ns.max(0) / self.bucket_ns) as usize;
        while at >= IO_MOST_BUCKETS {
            // Two buckets become one, so a long capture stays in bounded memory.
            self.buckets = self
                .buckets
                .chunks(2)
                .map(|pair| pair.iter().fold((0, 0), |sum, b| (sum.0 + b.0, sum.1 + b.1)))
                .collect();
            self.bucket_ns *= 2;
            at = (offset_ns.max(0) / self.bucket_ns) as usize;
        }
        if self.buckets.len() <= at {
            self.buckets.resize(at + 1, (0, 0));
        }
        self.buckets[at].0 += 1;
        self.buckets[at].1 += bytes;
    }

    /// The buckets joined `factor` at a time.
    pub fn joined(&self, factor: usize) -> Vec<(u64, u64)> {
        let factor = factor.max(1);
        self.buckets
            .chunks(factor)
            .map(|chunk| chunk.iter().fold((0, 0), |sum, bucket| (sum.0 + bucket.0, sum.1 + bucket.1)))
            .collect()
    }
}

/// One kind of analysis note and the frames that carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteGroup {
    /// `Warning`, `Note` or `Error`, as Wireshark's Expert Information grades them.
    pub severity: &'static str,
    pub summary: String,
    pub frames: Vec<u64>,
}

/// The analysis flags counted, with their grade and what the view calls them.
const ANALYSIS: [(&str, &str, &str); 10] = [
    ("tcp.analysis.retransmission", "Note", "TCP retransmission"),
    ("tcp.analysis.fast_retransmission", "Note", "TCP fast retransmission"),
    ("tcp.analysis.spurious_retransmission", "Note", "TCP spurious retransmission"),
    ("tcp.analysis.duplicate_ack", "Note", "TCP duplicate ACK"),
    ("tcp.analysis.zero_window", "Warning", "TCP zero window"),
    ("tcp.analysis.window_full", "Warning", "TCP window full"),
    ("tcp.analysis.lost_segment", "Warning", "TCP previous segment not captured"),
    ("tcp.analysis.out_of_order", "Warning", "TCP out-of-order segment"),
    ("tcp.analysis.ack_lost_segment", "Warning", "TCP ACKed unseen segment"),
    ("tcp.analysis.keep_alive", "Note", "TCP keep-alive"),
];

/// Counts as the walk goes.
pub struct Counter {
    counted: Counted,
    hierarchy: Hierarchy,
    tcp: TcpConversations,
    /// Conversations by kind and endpoint pair, as [`tables`] wants them.
    pairs: Vec<HashMap<(String, String), Pair>>,
    order: Vec<Vec<(String, String)>>,
    notes: HashMap<String, usize>,
}

/// One conversation as it is counted: `a` sent its first packet.
#[derive(Clone, Debug, Default)]
pub struct Pair {
    pub a_to_b: (u64, u64),
    pub b_to_a: (u64, u64),
    pub first_ns: i64,
    pub last_ns: i64,
}

impl Counter {
    pub fn new(interfaces: &[Option<String>], keylog: &KeyLog) -> Self {
        let mut counted = Counted::default();
        counted.properties.interfaces = interfaces
            .iter()
            .enumerate()
            .map(|(id, name)| name.clone().unwrap_or_else(|| format!("interface {id}")))
            .collect();
        counted.properties.keylog_sessions = keylog.len();
        Self {
            counted,
            hierarchy: Hierarchy::default(),
            tcp: TcpConversations::default(),
            pairs: vec![HashMap::new(); Kind::ALL.len()],
            order: vec![Vec::new(); Kind::ALL.len()],
            notes: HashMap::new(),
        }
    }

    pub fn packet(&mut self, frame: &Frame<'_>, packet: &Packet<'_>) {
        self.hierarchy.packet(frame, packet);
        self.tcp.packet(frame, packet);
        let properties = &mut self.counted.properties;
        let bytes = u64::from(frame.orig_len);
        properties.packets += 1;
        properties.bytes += bytes;
        properties.captured_bytes += frame.data.len() as u64;
        let first = *properties.first_ns.get_or_insert(frame.ts_ns);
        properties.first_ns = Some(first.min(frame.ts_ns));
        properties.last_ns = Some(properties.last_ns.map_or(frame.ts_ns, |last| last.max(frame.ts_ns)));
        if !properties.link_types.iter().any(|known| *known == link_name(frame.linktype)) {
            properties.link_types.insert(link_name(frame.linktype));
        }
        if !packet.problems.is_empty() {
            properties.frames_with_problems += 1;
        }
        self.counted.io.add(frame.ts_ns - first, bytes);

        let mut seen = Seen::default();
        for layer in packet.layers.iter().filter(|layer| !layer.is_quoted()) {
            let wanted = matches!(layer.content, Content::Ethernet(_) | Content::Udp(_) | Content::Tcp(_));
            if !wanted {
                continue;
            }
            layer.fields(&mut |field: Field<'_>| seen.field(&field));
        }
        if let Some((src, dst)) = packet.addresses() {
            let kind = if src.is_ipv4() { Kind::Ipv4 } else { Kind::Ipv6 };
            self.pair(kind, src.to_string(), dst.to_string(), frame, bytes);
            if let Some((sport, dport)) = seen.udp {
                self.pair(Kind::Udp, endpoint(src, sport), endpoint(dst, dport), frame, bytes);
            }
        }
        if let Some((src, dst)) = seen.ethernet.take() {
            self.pair(Kind::Ethernet, src, dst, frame, bytes);
        }
        for name in seen.analysis {
            if let Some((_, severity, summary)) = ANALYSIS.iter().find(|(flag, _, _)| *flag == name) {
                self.note(severity, summary.to_string(), frame.number);
            }
        }
        for problem in &packet.problems {
            let severity = if problem.message.contains("decrypt") { "Warning" } else { "Error" };
            self.note(severity, problem.to_string(), frame.number);
        }
    }

    /// Key log text the capture carries.
    pub fn secrets(&mut self) {
        self.counted.properties.embedded_secrets += 1;
    }

    fn pair(&mut self, kind: Kind, src: String, dst: String, frame: &Frame<'_>, bytes: u64) {
        let index = kind as usize;
        let pairs = &mut self.pairs[index];
        // The way the first packet went is A to B (a packet to itself, as on loopback, too).
        let reverse = (dst.clone(), src.clone());
        let forward_key = (src, dst);
        let (key, forward) = if !pairs.contains_key(&forward_key) && pairs.contains_key(&reverse) {
            (reverse, false)
        } else {
            (forward_key, true)
        };
        let pair = pairs.entry(key.clone()).or_insert_with(|| {
            self.order[index].push(key);
            Pair { first_ns: frame.ts_ns, last_ns: frame.ts_ns, ..Pair::default() }
        });
        let direction = if forward { &mut pair.a_to_b } else { &mut pair.b_to_a };
        direction.0 += 1;
        direction.1 += bytes;
        pair.first_ns = pair.first_ns.min(frame.ts_ns);
        pair.last_ns = pair.last_ns.max(frame.ts_ns);
    }

    fn note(&mut self, severity: &'static str, summary: String, frame: u64) {
        match self.notes.get(&summary) {
            // A note said twice of one packet (a flag and its expert item) counts once.
            Some(at) if self.counted.notes[*at].frames.last() == Some(&frame) => {}
            Some(at) => self.counted.notes[*at].frames.push(frame),
            None => {
                self.notes.insert(summary.clone(), self.counted.notes.len());
                self.counted.notes.push(NoteGroup { severity, summary, frames: vec![frame] });
            }
        }
    }

    /// The figures, once the walk is done.
    pub fn finish(mut self, ended: &Ended) -> Counted {
        if let Ended::CutShort(reason) = ended {
            self.counted.properties.cut_short = Some(reason.clone());
        }
        self.counted.hierarchy = flatten(self.hierarchy.roots());
        let first = self.counted.properties.first_ns.unwrap_or(0);
        let (conversations, endpoints) = tables(&self.pairs, &self.order, self.tcp.conversations(), first);
        self.counted.conversations = conversations;
        self.counted.endpoints = endpoints;
        self.counted
    }
}

/// What one packet's Ethernet, UDP and TCP fields say.
#[derive(Default)]
struct Seen {
    ethernet: Option<(String, String)>,
    eth_src: Option<String>,
    udp: Option<(u16, u16)>,
    udp_src: Option<u16>,
    analysis: Vec<&'static str>,
}

impl Seen {
    fn field(&mut self, field: &Field<'_>) {
        match (field.name, &field.value) {
            ("eth.src", Value::Mac(_)) if self.ethernet.is_none() => {
                self.eth_src = Some(field.value.to_string())
            }
            ("eth.dst", Value::Mac(_)) if self.ethernet.is_none() => {
                if let Some(src) = self.eth_src.take() {
                    self.ethernet = Some((src, field.value.to_string()));
                } else {
                    self.eth_src = None;
                }
            }
            ("udp.srcport", _) => self.udp_src = field.value.as_u64().map(|port| port as u16),
            ("udp.dstport", _) => {
                if let (Some(src), Some(dst)) = (self.udp_src, field.value.as_u64()) {
                    self.udp.get_or_insert((src, dst as u16));
                }
            }
            (name, _) if name.starts_with("tcp.analysis.") => self.analysis.push(field.name),
            _ => {}
        }
    }
}

/// A link type as capinfos names it.
fn link_name(linktype: LinkType) -> String {
    linktype.to_string()
}

/// `10.0.0.1:443`, `[::1]:443`.
pub fn endpoint(address: IpAddr, port: u16) -> String {
    match address {
        IpAddr::V4(_) => format!("{address}:{port}"),
        IpAddr::V6(_) => format!("[{address}]:{port}"),
    }
}

fn flatten(roots: &[crate::render::stats::Node]) -> Vec<(usize, &'static str, u64, u64)> {
    fn walk(
        nodes: &[crate::render::stats::Node],
        depth: usize,
        out: &mut Vec<(usize, &'static str, u64, u64)>,
    ) {
        for node in nodes {
            out.push((depth, node.name, node.frames, node.bytes));
            walk(&node.children, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(roots, 0, &mut out);
    out
}

/// Counts the whole source on a thread of its own and reports [`Action::Counted`].
pub fn count(
    source: Source,
    keylog: KeyLog,
    dispatch: Dispatch,
    events: Sender<Action>,
    cancel: Arc<AtomicBool>,
) {
    let work = move || {
        let counted = count_now(&source, &keylog, &dispatch, &cancel);
        if let Some(counted) = counted {
            let _ = events.send(Action::Counted(Box::new(counted)));
        }
    };
    // A thread that cannot start leaves the view saying it is counting; nothing else fails.
    let _ = std::thread::Builder::new().name("statistics".to_owned()).spawn(work);
}

/// Counts `source` on this thread; `None` when cancelled.
pub fn count_now(
    source: &Source,
    keylog: &KeyLog,
    dispatch: &Dispatch,
    cancel: &AtomicBool,
) -> Option<Counted> {
    struct Walk(Counter);
    impl Visitor for Walk {
        fn packet<'a>(&mut self, frame: &Frame<'a>, packet: &Packet<'a>) -> Next {
            self.0.packet(frame, packet);
            Next::Continue
        }
        fn secrets(&mut self, _text: &[u8]) {
            self.0.secrets();
        }
        /// A live capture is counted up to where it stands.
        fn idle(&mut self) -> Next {
            Next::Stop
        }
    }
    let mut walk = Walk(Counter::new(&source.interface_names(), keylog));
    let ended = walk_decoded(source, keylog, dispatch, cancel, &mut walk);
    (ended != Ended::Cancelled).then(|| walk.0.finish(&ended))
}
