//! Each view's own state: what it shows and where its selection is. [`App`](super::app::App)
//! holds one of each beside the state all views share (the source, the filter, the status
//! bar); only `App::update` changes them, and each view draws from its own.
//!
//! The invariant: a selection is kept by a `Cursor`, so it is always an item of its list
//! and on screen.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use super::action::{Asked, TimelineReport};
use super::cursor::Cursor;
use super::detail::{Detail, Node, NodeKind};
use super::filtering::Applied;
use super::layout::Maximised;
use super::rows::Rows;
use super::spill::{Place, Spill};
use crate::osi::OsiLayer;
use crate::timeline::Connection;

/// Which pane of the Packets view the arrow keys move in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Focus {
    #[default]
    List,
    Tree,
}

/// The Packets view: the list, the selected packet's layer tree and its bytes.
#[derive(Debug, Default)]
pub struct PacketsState {
    /// Every packet indexed so far, one summary row each.
    pub(in crate::tui) rows: Rows,
    pub(in crate::tui) focus: Focus,
    /// The selection in the visible packet list (all rows, or the filter's matches).
    pub(in crate::tui) list: Cursor,
    /// The selection in the tree's shown lines.
    pub(in crate::tui) tree: Cursor,
    /// OSI layers whose part of the tree is folded.
    pub(in crate::tui) folded: Vec<OsiLayer>,
    /// Packets taken apart, by frame number.
    pub(in crate::tui) details: HashMap<u64, Detail>,
    /// The frame asked of the detail worker and not yet here.
    pub(in crate::tui) requested: Option<u64>,
    /// The rows whose Info was asked of the frames worker last, until it arrives.
    pub(in crate::tui) infos_requested: Vec<u64>,
    /// Live and replay: whether the list follows new packets.
    pub(in crate::tui) following: bool,
    /// The focused pane fills the view (`\`, as in termshark).
    pub(in crate::tui) maximised: bool,
}

impl PacketsState {
    /// The pane that fills the view, if one does: the focused one.
    pub fn maximised(&self) -> Option<Maximised> {
        self.maximised.then_some(match self.focus {
            Focus::List => Maximised::List,
            Focus::Tree => Maximised::Tree,
        })
    }
}

/// The packet list as the Packets view shows it: every packet, or the matches of the filter
/// in force.
#[derive(Clone, Copy, Debug)]
pub struct Shown<'a> {
    pub state: &'a PacketsState,
    pub filter: Option<&'a Applied>,
}

impl<'a> Shown<'a> {
    /// How many packets the list shows.
    pub fn len(self) -> usize {
        match self.filter {
            Some(applied) => applied.matches.len(),
            None => self.state.rows.len(),
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The frame number at a position of the list.
    pub fn frame(self, position: usize) -> Option<u64> {
        match self.filter {
            Some(applied) => applied.matches.get(position).copied(),
            None => (position < self.state.rows.len()).then_some(position as u64 + 1),
        }
    }

    /// The selected packet's frame number.
    pub fn selected_frame(self) -> Option<u64> {
        self.frame(self.state.list.selected())
    }

    /// The selected packet, taken apart, once the worker has done it.
    pub fn detail(self) -> Option<&'a Detail> {
        self.state.details.get(&self.selected_frame()?)
    }

    /// The tree lines shown: every node but those under a folded OSI layer's heading.
    pub fn tree(self) -> Vec<&'a Node> {
        let Some(detail) = self.detail() else { return Vec::new() };
        let folded = &self.state.folded;
        detail.nodes.iter().filter(|node| node.kind == NodeKind::Osi || !folded.contains(&node.osi)).collect()
    }

    pub fn selected_node(self) -> Option<&'a Node> {
        self.tree().get(self.state.tree.selected()).copied()
    }
}

/// The Connections view: one row per conversation. The Timeline and Compare views show the
/// connection selected here.
///
/// The events of the connections that have ended are kept in a file (`Spill`), not in
/// `all`: each is read back when it is selected, the last one read kept at hand.
#[derive(Debug, Default)]
pub struct ConnectionsState {
    /// The timelines so far, in the order of their ids (the open ones shared with the
    /// indexer's last report); an ended one's events are where `places` says.
    pub(in crate::tui) all: Vec<Arc<Connection>>,
    /// How many of `all`, from the first, have ended: the others are replaced by each report.
    ended: usize,
    pub(in crate::tui) list: Cursor,
    /// Where each ended connection's events went; None for those kept in `all`.
    places: Vec<Option<Place>>,
    pub(in crate::tui) spill: Spill,
    /// The last connection read back, by its index: whole, or why its events could not be.
    read: Mutex<Option<(usize, ReadBack)>>,
    /// Where the indexer learns which open connection to report whole.
    pub(in crate::tui) asked: Arc<Asked>,
}

/// A connection read back with its events, or why they could not be read.
type ReadBack = Result<Arc<Connection>, String>;

impl ConnectionsState {
    /// Takes the indexer's report: the connections that ended since the last one after those
    /// that ended before (their events written out), then the open ones in place of those open
    /// before.
    pub fn take(&mut self, report: TimelineReport) {
        self.all.truncate(self.ended);
        let places = self.spill.put(report.ended.iter().map(|connection| connection.events.as_slice()));
        for (connection, place) in report.ended.into_iter().zip(places) {
            self.all.push(match place {
                Some(_) => {
                    let mut summary = Arc::unwrap_or_clone(connection);
                    summary.events = Vec::new();
                    Arc::new(summary)
                }
                None => connection,
            });
            self.places.push(place);
        }
        self.ended = self.all.len();
        self.all.extend(report.open);
    }

    /// The selected connection, events and all.
    pub fn selected(&self) -> Option<Arc<Connection>> {
        self.get(self.list.selected())
    }

    /// The connection at `at` in `all`, events and all. An ended one's events come back from
    /// the file; should that fail, it comes without them, and [`Self::unreadable`] says why.
    /// An open one's come with the indexer's next report, asked for here: until then it is
    /// `withheld`.
    pub fn get(&self, at: usize) -> Option<Arc<Connection>> {
        let connection = self.all.get(at)?;
        if connection.withheld {
            self.asked.ask(connection.id);
        }
        let Some(Some(place)) = self.places.get(at) else { return Some(Arc::clone(connection)) };
        let mut read = self.read.lock().unwrap_or_else(PoisonError::into_inner);
        if !matches!(&*read, Some((kept, _)) if *kept == at) {
            let whole = self.spill.get(*place).map_err(|error| error.to_string());
            *read = Some((at, whole.map(|events| Arc::new(Connection { events, ..(**connection).clone() }))));
        }
        match &*read {
            Some((_, Ok(whole))) => Some(Arc::clone(whole)),
            _ => Some(Arc::clone(connection)),
        }
    }

    /// Why the events of the connection at `at` could not be read back, if they could not
    /// when it was last read.
    pub fn unreadable(&self, at: usize) -> Option<String> {
        match &*self.read.lock().unwrap_or_else(PoisonError::into_inner) {
            Some((read, Err(why))) if *read == at => Some(why.clone()),
            _ => None,
        }
    }

    /// [`Self::unreadable`] for the selected connection.
    pub fn selected_unreadable(&self) -> Option<String> {
        self.unreadable(self.list.selected())
    }
}

/// The Timeline view: the selected connection's messages.
#[derive(Debug, Default)]
pub struct TimelineState {
    pub(in crate::tui) events: Cursor,
    /// The selected message's explanation is open.
    pub(in crate::tui) explaining: bool,
    /// Time drawn to scale (a ladder), not one row per message.
    pub(in crate::tui) to_scale: bool,
}

/// The Compare view: the connections as a race, grouped by variant.
#[derive(Debug, Default)]
pub struct CompareState {
    /// Indexes into the connections, in the order the race draws them.
    order: Vec<usize>,
    /// The ended connections' indexes by variant (its place in the race, its name), each group
    /// in id order. An ended connection never changes, so each is placed once: a report costs
    /// what is open and a pass over the indexes, not a sort of every connection.
    ended: BTreeMap<(usize, &'static str), Vec<usize>>,
    /// How many connections, from the first, are in `ended`.
    placed: usize,
}

impl CompareState {
    /// Connections in the Compare view's order: grouped by variant, then by id; as indexes
    /// into `connections`.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// Puts the connections in the race's order, each time they change. The ended ones come
    /// first in `connections.all` and in id order, and the open ones after them have larger
    /// ids, so within a variant the ended go before the open.
    pub(in crate::tui) fn sort(&mut self, connections: &ConnectionsState) {
        let group = |connection: &Connection| {
            let variant = connection.variant.name();
            (COMPARE_ORDER.iter().position(|known| *known == variant).unwrap_or(COMPARE_ORDER.len()), variant)
        };
        if connections.ended < self.placed {
            self.ended.clear();
            self.placed = 0;
        }
        for (at, connection) in connections.all.iter().enumerate().take(connections.ended).skip(self.placed) {
            self.ended.entry(group(connection)).or_default().push(at);
        }
        self.placed = connections.ended;
        let mut open: BTreeMap<(usize, &'static str), Vec<usize>> = BTreeMap::new();
        for (at, connection) in connections.all.iter().enumerate().skip(connections.ended) {
            open.entry(group(connection)).or_default().push(at);
        }
        let mut groups: Vec<_> = self.ended.keys().chain(open.keys()).copied().collect();
        groups.sort_unstable();
        groups.dedup();
        self.order.clear();
        for key in groups {
            self.order.extend(self.ended.get(&key).into_iter().chain(open.get(&key)).flatten());
        }
    }
}

/// Variants from the most round trips to the fewest, as a teacher would walk through them:
/// the Compare view's order.
pub(in crate::tui) const COMPARE_ORDER: [&str; 11] = [
    "tls12",
    "tls12-resumed",
    "tls13",
    "http",
    "tls13-0rtt",
    "tfo-tls13",
    "quic",
    "tfo-tls13-0rtt",
    "quic-0rtt",
    "icmp",
    "udp",
];

/// The Statistics view's pages, in the order `→` walks them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatsPage {
    #[default]
    Properties,
    Hierarchy,
    Conversations,
    Endpoints,
    Io,
    Notes,
}

impl StatsPage {
    pub const ALL: [Self; 6] =
        [Self::Properties, Self::Hierarchy, Self::Conversations, Self::Endpoints, Self::Io, Self::Notes];

    pub fn title(self) -> &'static str {
        match self {
            Self::Properties => "Properties",
            Self::Hierarchy => "Protocols",
            Self::Conversations => "Conversations",
            Self::Endpoints => "Endpoints",
            Self::Io => "I/O graph",
            Self::Notes => "Notes",
        }
    }

    /// The page after this one (`next`), or before it, round the end.
    pub fn step(self, next: bool) -> Self {
        let at = Self::ALL.iter().position(|page| *page == self).unwrap_or(0);
        let len = Self::ALL.len();
        Self::ALL[if next { (at + 1) % len } else { (at + len - 1) % len }]
    }
}

/// The Statistics view: which page, the figures the worker counted, and each page's selection.
#[derive(Debug, Default)]
pub struct StatsState {
    pub(in crate::tui) page: StatsPage,
    pub(in crate::tui) counted: Option<Box<super::statistics::Counted>>,
    /// The worker is counting.
    pub(in crate::tui) counting: bool,
    /// How many packets the figures count, to count again once more have come.
    pub(in crate::tui) counted_packets: usize,
    /// The kind of conversation and endpoint shown (an index of `Kind::ALL`).
    pub(in crate::tui) kind: usize,
    /// The heading of the column conversations and endpoints sort by (empty: the default,
    /// see `StatsState::sort`), and whether smallest first.
    pub(in crate::tui) sort: (&'static str, bool),
    /// How many of the worker's I/O buckets make one interval; 0 until the view fits them.
    pub(in crate::tui) io_factor: usize,
    /// The selection of the page's list.
    pub(in crate::tui) list: Cursor,
    /// The analysis note's packet `n` went to last, as an index of its frames.
    pub(in crate::tui) note_packet: usize,
}

// ---- issue 19: follow stream, find and go, marks and time ----

/// The Follow view: one conversation's bytes, as the follow worker gathered them.
#[derive(Debug, Default)]
pub struct FollowState {
    /// The conversation, once the worker has gathered it.
    pub(in crate::tui) followed: Option<super::follow::Followed>,
    /// The frame whose conversation was asked for and has not come yet.
    pub(in crate::tui) waiting: Option<u64>,
    /// The lines shown, made again when the conversation, the sides or the format change.
    pub(in crate::tui) lines: Vec<super::follow::Line>,
    pub(in crate::tui) cursor: Cursor,
    pub(in crate::tui) sides: super::follow::Sides,
    pub(in crate::tui) format: super::follow::Format,
    /// The view Esc returns to.
    pub(in crate::tui) back_to: Option<super::app::View>,
    /// The text searched for inside the stream (`/` there).
    pub(in crate::tui) search: Option<String>,
}

impl FollowState {
    /// Makes the lines again from the conversation, the sides and the format.
    pub(in crate::tui) fn relay(&mut self) {
        self.lines = self
            .followed
            .as_ref()
            .map(|followed| followed.lines(self.format, self.sides))
            .unwrap_or_default();
    }
}

/// What the Packets view's find, marks and time column keep.
#[derive(Debug, Default)]
pub struct BenchState {
    /// The search bar or the go-to prompt, while open.
    pub(in crate::tui) prompt: Option<super::search::Prompt>,
    /// The find in force, and its matches.
    pub(in crate::tui) find: Option<super::search::Find>,
    pub(in crate::tui) generation: u64,
    /// The mode the last find used, to open the next one in.
    pub(in crate::tui) last_mode: super::search::Mode,
    /// Marked frames, in order.
    pub(in crate::tui) marks: std::collections::BTreeSet<u64>,
    /// Frames set as time references, in order.
    pub(in crate::tui) references: std::collections::BTreeSet<u64>,
    /// How the Time column is written (`t` in Packets).
    pub(in crate::tui) time: crate::render::time::TimeFormat,
}
