//! The UI's state and the one place it changes: [`App::update`].
//!
//! Keys, mouse, resizes and worker reports all arrive as an [`Action`]. `update` changes the
//! state and queues [`Command`]s for the event loop (take a packet apart, run a filter); views
//! then draw from the state alone. Nothing here does I/O, so every action is tested without a
//! terminal.

use std::collections::HashMap;

use ratatui::layout::Rect;

pub use super::action::{Action, Command, Filtered, Indexed};
use super::detail::{Detail, Node, NodeKind};
pub use super::filtering::{Applied, FilterLine};
use super::layout::{self, Screen};
use super::rows::Rows;
use super::source::Ended;
use crate::osi::OsiLayer;
use crate::timeline::{Connection, Vantage};

/// The most packet details kept at once; more are dropped, furthest from the selection first.
const DETAIL_CACHE: usize = 512;

/// The four views, in the order of their keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Packets,
    Connections,
    Timeline,
    Compare,
}

impl View {
    pub const ALL: [Self; 4] = [Self::Packets, Self::Connections, Self::Timeline, Self::Compare];

    pub fn title(self) -> &'static str {
        match self {
            Self::Packets => "Packets",
            Self::Connections => "Connections",
            Self::Timeline => "Timeline",
            Self::Compare => "Compare",
        }
    }

    fn next(self) -> Self {
        let at = Self::ALL.iter().position(|view| *view == self).unwrap_or(0);
        Self::ALL[(at + 1) % Self::ALL.len()]
    }
}

/// Which pane of the Packets view the arrow keys move in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    List,
    Tree,
}

/// Where the packets come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    File,
    Live { interface: String },
    Replay { speed: f64 },
}

/// The whole UI state.
#[derive(Debug)]
pub struct App {
    pub title: String,
    pub mode: Mode,
    pub view: View,
    pub size: (u16, u16),
    pub help: bool,
    pub quit: bool,

    pub rows: Rows,
    /// How far the indexer has read the file (0 to 1), while it reads.
    pub progress: Option<f64>,
    pub indexed: bool,
    pub connections: Vec<Connection>,
    /// Indexes into `connections` in the Compare view's order.
    compare: Vec<usize>,

    pub focus: Focus,
    /// Position in the visible packet list (all rows, or the filter's matches).
    pub packet: usize,
    pub packet_top: usize,
    pub node: usize,
    pub node_top: usize,
    /// OSI layers whose part of the tree is folded.
    pub folded: Vec<OsiLayer>,
    pub details: HashMap<u64, Detail>,
    requested: Option<u64>,

    pub connection: usize,
    pub connection_top: usize,
    pub event: usize,
    pub event_top: usize,
    pub explaining: bool,

    pub filter: FilterLine,
    /// Live and replay: whether the list follows new packets.
    pub following: bool,
    pub captured: Option<(u64, u64, u64)>,
    /// What the status bar says besides the counts: a capture cut short, a key log that
    /// matched nothing.
    pub notes: Vec<String>,
    /// What the status bar says all along, before any note.
    pub banner: Option<String>,
    /// The Timeline view draws time to scale (a ladder), not one row per message.
    pub to_scale: bool,
    pub commands: Vec<Command>,
}

impl App {
    pub fn new(title: impl Into<String>, mode: Mode) -> Self {
        let live = mode != Mode::File;
        Self {
            title: title.into(),
            mode,
            view: View::Packets,
            size: (layout::MIN_WIDTH, layout::MIN_HEIGHT),
            help: false,
            quit: false,
            rows: Rows::new(),
            progress: None,
            indexed: false,
            connections: Vec::new(),
            compare: Vec::new(),
            focus: Focus::List,
            packet: 0,
            packet_top: 0,
            node: 0,
            node_top: 0,
            folded: Vec::new(),
            details: HashMap::new(),
            requested: None,
            connection: 0,
            connection_top: 0,
            event: 0,
            event_top: 0,
            explaining: false,
            filter: FilterLine::default(),
            following: live,
            captured: None,
            notes: Vec::new(),
            banner: None,
            to_scale: false,
            commands: Vec::new(),
        }
    }

    /// Whether packets still arrive: live capture or replay.
    pub fn is_live(&self) -> bool {
        self.mode != Mode::File
    }

    /// Takes the commands queued since the last call.
    pub fn take_commands(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.commands)
    }

    // ---- what the views read ----

    /// How many packets the list shows: all, or the filter's matches.
    pub fn visible_len(&self) -> usize {
        match &self.filter.applied {
            Some(applied) => applied.matches.len(),
            None => self.rows.len(),
        }
    }

    /// The frame number at a position of the visible list.
    pub fn visible_frame(&self, position: usize) -> Option<u64> {
        match &self.filter.applied {
            Some(applied) => applied.matches.get(position).copied(),
            None => (position < self.rows.len()).then_some(position as u64 + 1),
        }
    }

    /// The selected packet's frame number.
    pub fn selected_frame(&self) -> Option<u64> {
        self.visible_frame(self.packet)
    }

    /// The selected packet, taken apart, once the worker has done it.
    pub fn detail(&self) -> Option<&Detail> {
        self.details.get(&self.selected_frame()?)
    }

    /// The tree lines shown: every node but those under a folded OSI layer's heading.
    pub fn tree(&self) -> Vec<&Node> {
        let Some(detail) = self.detail() else { return Vec::new() };
        detail
            .nodes
            .iter()
            .filter(|node| node.kind == NodeKind::Osi || !self.folded.contains(&node.osi))
            .collect()
    }

    pub fn selected_node(&self) -> Option<&Node> {
        self.tree().get(self.node).copied()
    }

    pub fn selected_connection(&self) -> Option<&Connection> {
        self.connections.get(self.connection)
    }

    /// Connections in the Compare view's order: grouped by variant, then by id; as indexes
    /// into `connections`.
    pub fn compare_order(&self) -> &[usize] {
        &self.compare
    }

    /// Sorts the connections for the Compare view, once each time they change.
    fn sort_for_compare(&mut self) {
        let rank = |variant: &str| {
            COMPARE_ORDER.iter().position(|known| *known == variant).unwrap_or(COMPARE_ORDER.len())
        };
        let connections = &self.connections;
        self.compare = (0..connections.len()).collect();
        self.compare.sort_by_key(|at| {
            (rank(connections[*at].variant.name()), connections[*at].variant.name(), connections[*at].id)
        });
    }

    pub fn screen(&self) -> Screen {
        let (width, height) = self.size;
        let filter_line = self.filter.input.is_some() || self.filter.error.is_some();
        layout::screen(Rect::new(0, 0, width, height), filter_line)
    }

    pub(super) fn packets_panes(&self) -> layout::Packets {
        layout::packets(self.screen().body)
    }

    fn list_rows(&self) -> usize {
        layout::rows(self.packets_panes().list, 1).max(1)
    }

    fn tree_rows(&self) -> usize {
        layout::rows(self.packets_panes().tree, 0).max(1)
    }

    fn connection_rows(&self) -> usize {
        layout::rows(self.screen().body, 1).max(1)
    }

    fn event_rows(&self) -> usize {
        let (diagram, _) = layout::timeline(self.screen().body, self.explaining);
        layout::rows(diagram, TIMELINE_HEADER).max(1)
    }

    pub(super) fn event_count(&self) -> usize {
        self.selected_connection().map_or(0, |connection| connection.events.len())
    }

    // ---- the one place state changes ----

    pub fn update(&mut self, action: Action) {
        let filter_line = self.screen().filter.is_some();
        self.handle(action);
        // The filter line takes a row from the body: keep the selections on screen.
        if self.screen().filter.is_some() != filter_line {
            self.clamp_all();
        }
    }

    fn handle(&mut self, action: Action) {
        if self.filter.input.is_some() && self.edit_filter(&action) {
            return;
        }
        if self.help {
            // Help covers the screen: any key closes it, and only Quit passes through.
            match action {
                Action::Quit => self.quit = true,
                Action::Resize { .. }
                | Action::Indexed(_)
                | Action::Detail(_)
                | Action::Filtered(_)
                | Action::Captured { .. }
                | Action::Note(_) => self.apply(action),
                _ => self.help = false,
            }
            return;
        }
        self.apply(action);
    }

    fn apply(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::ToggleHelp => self.help = !self.help,
            Action::Show(view) => self.view = view,
            Action::NextView => self.view = self.view.next(),
            Action::Up => self.step(-1),
            Action::Down => self.step(1),
            Action::PageUp => self.step(-(self.page() as isize)),
            Action::PageDown => self.step(self.page() as isize),
            Action::Top => self.step(isize::MIN),
            Action::Bottom => self.step(isize::MAX),
            Action::Enter => self.enter(),
            Action::Back => self.back(),
            Action::SwitchPane if self.view == View::Packets => {
                self.focus = if self.focus == Focus::List { Focus::Tree } else { Focus::List };
            }
            Action::SwitchPane => {}
            Action::ToggleScale => {
                self.to_scale = !self.to_scale;
                self.clamp_events();
            }
            Action::Explain => {
                if self.view == View::Timeline {
                    self.explaining = !self.explaining;
                    self.clamp_events();
                }
            }
            Action::TogglePause => {
                if self.is_live() {
                    self.following = !self.following;
                    if self.following {
                        self.select_packet(self.visible_len().saturating_sub(1));
                    }
                }
            }
            Action::FilterStart => {
                let current = self.filter.applied.as_ref().map(|applied| applied.text.clone());
                self.filter.input = Some(current.unwrap_or_default());
            }
            // Typing outside the filter line does nothing.
            Action::FilterType(_) | Action::FilterBackspace | Action::FilterClear | Action::FilterApply => {}
            Action::Click { x, y } => self.click(x, y),
            Action::Wheel { x, y, down } => self.wheel(x, y, down),
            Action::Resize { width, height } => {
                self.size = (width, height);
                self.clamp_all();
            }
            Action::Indexed(indexed) => self.indexed(*indexed),
            Action::Detail(detail) => self.detail_arrived(*detail),
            Action::Filtered(filtered) => self.filtered(filtered),
            Action::Captured { captured, dropped, refused } => {
                self.captured = Some((captured, dropped, refused))
            }
            Action::Note(note) => self.notes.push(note),
            Action::Unbound => {}
        }
    }

    fn page(&self) -> usize {
        match (self.view, self.focus) {
            (View::Packets, Focus::List) => self.list_rows(),
            (View::Packets, Focus::Tree) => self.tree_rows(),
            (View::Connections | View::Compare, _) => self.connection_rows(),
            (View::Timeline, _) => self.event_rows(),
        }
    }

    /// Moves the selection of the focused list by `delta`, clamped to its ends.
    pub(super) fn step(&mut self, delta: isize) {
        let moved = |at: usize, len: usize| at.saturating_add_signed(delta).min(len.saturating_sub(1));
        match (self.view, self.focus) {
            (View::Packets, Focus::List) => {
                let target = moved(self.packet, self.visible_len());
                // Moving up stops following; reaching the end again resumes it.
                if self.is_live() {
                    self.following = target + 1 >= self.visible_len();
                }
                self.select_packet(target);
            }
            (View::Packets, Focus::Tree) => {
                self.node = moved(self.node, self.tree().len());
                self.clamp_tree();
            }
            (View::Connections, _) => self.select_connection(moved(self.connection, self.connections.len())),
            (View::Compare, _) => {
                let order = self.compare_order();
                let at = order.iter().position(|index| *index == self.connection).unwrap_or(0);
                if let Some(index) = order.get(moved(at, order.len())) {
                    self.select_connection(*index);
                }
            }
            (View::Timeline, _) => {
                self.event = moved(self.event, self.event_count());
                self.clamp_events();
            }
        }
    }

    pub(super) fn select_packet(&mut self, position: usize) {
        let previous = self.selected_frame();
        self.packet = position.min(self.visible_len().saturating_sub(1));
        self.packet_top = keep_visible(self.packet, self.packet_top, self.list_rows());
        if self.selected_frame() != previous {
            self.node = 0;
            self.node_top = 0;
        }
        self.want_detail();
    }

    /// Asks for the selected packet's detail unless it is here or on its way.
    fn want_detail(&mut self) {
        let Some(frame) = self.selected_frame() else { return };
        if self.details.contains_key(&frame) || self.requested == Some(frame) {
            return;
        }
        self.requested = Some(frame);
        self.commands.push(Command::Detail(frame));
    }

    pub(super) fn select_connection(&mut self, index: usize) {
        if index != self.connection {
            self.event = 0;
            self.event_top = 0;
        }
        self.connection = index;
        self.connection_top = keep_visible(self.connection, self.connection_top, self.connection_rows());
    }

    fn enter(&mut self) {
        match (self.view, self.focus) {
            (View::Packets, Focus::List) => {
                if self.visible_len() > 0 {
                    self.focus = Focus::Tree;
                }
            }
            (View::Packets, Focus::Tree) => {
                if let Some(node) = self.selected_node().filter(|node| node.kind == NodeKind::Osi) {
                    let osi = node.osi;
                    match self.folded.iter().position(|folded| *folded == osi) {
                        Some(at) => {
                            self.folded.remove(at);
                        }
                        None => self.folded.push(osi),
                    }
                    self.clamp_tree();
                }
            }
            (View::Connections | View::Compare, _) => {
                if self.selected_connection().is_some() {
                    self.view = View::Timeline;
                    self.clamp_events();
                }
            }
            (View::Timeline, _) => {
                let frame =
                    self.selected_connection().and_then(|connection| connection.events.get(self.event));
                if let Some(frame) = frame.map(|event| event.frame) {
                    self.jump_to_frame(frame);
                }
            }
        }
    }

    /// Shows a frame in the Packets view, clearing a filter that hides it.
    pub fn jump_to_frame(&mut self, frame: u64) {
        let position = match &self.filter.applied {
            Some(applied) => applied.matches.binary_search(&frame).ok(),
            None => None,
        };
        let position = match position {
            Some(position) => position,
            None => {
                if self.filter.applied.is_some() {
                    self.notes.push(format!("filter cleared to show frame {frame}"));
                    self.clear_filter();
                }
                frame.saturating_sub(1) as usize
            }
        };
        self.view = View::Packets;
        self.focus = Focus::List;
        if self.is_live() {
            self.following = false;
        }
        self.select_packet(position);
        self.packet_top = self.packet.saturating_sub(self.list_rows() / 2);
    }

    fn back(&mut self) {
        if self.explaining {
            self.explaining = false;
        } else if self.filter.error.is_some() {
            self.filter.error = None;
        } else if self.view == View::Packets && self.focus == Focus::Tree {
            self.focus = Focus::List;
        } else if self.view == View::Timeline {
            self.view = View::Connections;
        }
    }

    fn indexed(&mut self, indexed: Indexed) {
        let first = self.rows.is_empty();
        self.rows.append(indexed.rows);
        if let Some(connections) = indexed.connections {
            // A capture of both ends of a link has real send and arrival times: its timelines
            // open to scale, once (the user's `t` is kept after that).
            if self.connections.is_empty()
                && connections.iter().any(|connection| connection.vantage == Vantage::Both)
            {
                self.to_scale = true;
            }
            self.connections = connections;
            self.sort_for_compare();
            self.connection = self.connection.min(self.connections.len().saturating_sub(1));
            self.clamp_events();
        }
        self.progress =
            indexed.position.map(|(at, total)| if total == 0 { 1.0 } else { at as f64 / total as f64 });
        if let Some(ended) = indexed.ended {
            self.indexed = true;
            self.progress = None;
            if let Ended::CutShort(reason) = ended {
                self.notes.push(format!("capture cut short: {reason}; showing what was read"));
            }
        }
        if let Some(hellos) = indexed.key_log_unmatched {
            self.notes.push(format!(
                "the key log matched none of the {hellos} TLS ClientHellos: nothing decrypted with it"
            ));
        }
        if self.filter.applied.is_none() && self.following && self.is_live() {
            self.select_packet(self.visible_len().saturating_sub(1));
        } else if first {
            self.select_packet(0);
        }
    }

    fn detail_arrived(&mut self, detail: Detail) {
        if self.requested == Some(detail.number) {
            self.requested = None;
        }
        if self.details.len() >= DETAIL_CACHE {
            let keep = self.selected_frame().unwrap_or(0);
            self.details.retain(|frame, _| frame.abs_diff(keep) < DETAIL_CACHE as u64 / 4);
        }
        self.details.insert(detail.number, detail);
        self.clamp_tree();
    }

    fn clamp_tree(&mut self) {
        self.node = self.node.min(self.tree().len().saturating_sub(1));
        self.node_top = keep_visible(self.node, self.node_top, self.tree_rows());
    }

    fn clamp_events(&mut self) {
        self.event = self.event.min(self.event_count().saturating_sub(1));
        self.event_top = keep_visible(self.event, self.event_top, self.event_rows());
    }

    fn clamp_all(&mut self) {
        self.packet_top = keep_visible(self.packet, self.packet_top, self.list_rows());
        self.connection_top = keep_visible(self.connection, self.connection_top, self.connection_rows());
        self.clamp_tree();
        self.clamp_events();
    }
}

/// Variants from the most round trips to the fewest, as a teacher would walk through them:
/// the Compare view's order.
const COMPARE_ORDER: [&str; 11] = [
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

/// Lines above the first message of the timeline diagram: the column heads and the verdict.
pub const TIMELINE_HEADER: u16 = 2;

/// The first shown line that keeps `selected` on screen, moving `top` as little as possible.
fn keep_visible(selected: usize, top: usize, rows: usize) -> usize {
    if selected < top {
        selected
    } else if selected >= top + rows {
        selected + 1 - rows
    } else {
        top
    }
}

#[cfg(test)]
#[path = "app_tests.rs"]
mod tests;
