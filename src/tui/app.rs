//! The UI's state and the one place it changes: [`App::update`].
//!
//! Keys, mouse, resizes and worker reports all arrive as an [`Action`]. `update` changes the
//! state and queues [`Command`]s for the event loop (take a packet apart, run a filter); views
//! then draw from the state alone. The state is what every view shares (the source, the
//! filter, the status bar) and one struct per view ([`super::state`]), whose selections are
//! `Cursor`s. Nothing here does I/O, so every action is tested without a terminal.

use ratatui::layout::Rect;

pub use super::action::{Action, Command, Filtered, Indexed, TimelineReport};
use super::cursor::Move;
use super::detail::{Detail, Node};
pub use super::filtering::{Applied, FilterLine};
use super::layout::{self, Screen};
use super::source::Ended;
pub use super::state::Focus;
use super::state::{
    BenchState, CompareState, ConnectionsState, FollowState, PacketsState, Shown, StatsState, TimelineState,
};
use crate::render::timeline::ROUND_LEGEND;
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
    Statistics,
    /// Follow stream: opened with `f`, not a tab; Esc returns.
    Follow,
}

impl View {
    pub const ALL: [Self; 5] =
        [Self::Packets, Self::Connections, Self::Timeline, Self::Compare, Self::Statistics];

    pub fn title(self) -> &'static str {
        match self {
            Self::Packets => "Packets",
            Self::Connections => "Connections",
            Self::Timeline => "Timeline",
            Self::Compare => "Compare",
            Self::Statistics => "Statistics",
            Self::Follow => "Follow",
        }
    }

    fn next(self) -> Self {
        let at = Self::ALL.iter().position(|view| *view == self).unwrap_or(0);
        Self::ALL[(at + 1) % Self::ALL.len()]
    }
}

/// Where the packets come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    File,
    Live { interface: String },
    Replay { speed: f64 },
}

/// The whole UI state: what the views share, then each view's own.
#[derive(Debug)]
pub struct App {
    /// What the top line names: the file, or the interface.
    pub(super) title: String,
    pub(super) mode: Mode,
    pub(super) view: View,
    pub(super) size: (u16, u16),
    pub(super) help: bool,
    /// The first row of the key table help shows, scrolled with ↑ ↓ when it does not fit.
    pub(super) help_top: usize,
    pub(super) quit: bool,
    pub(super) filter: FilterLine,
    /// How far the indexer has read the file (0 to 1), while it reads.
    pub(super) progress: Option<f64>,
    /// The indexer has read everything there is.
    pub(super) indexed: bool,
    /// Live capture's counters: captured, dropped, not kept.
    pub(super) captured: Option<(u64, u64, u64)>,
    /// What the status bar says besides the counts: a capture cut short, a key log that
    /// matched nothing.
    pub(super) notes: Vec<String>,
    /// A key log followed live: how many TLS sessions it holds secrets for.
    pub(super) secrets: Option<usize>,
    /// What the status bar says all along, before any note.
    pub(super) banner: Option<String>,

    pub(super) packets: PacketsState,
    pub(super) connections: ConnectionsState,
    pub(super) timeline: TimelineState,
    pub(super) compare: CompareState,
    pub(super) commands: Vec<Command>,
    pub(super) stats: StatsState,
    /// Issue 19: the Follow view, and the Packets view's find, marks and time column.
    pub(super) follow: FollowState,
    pub(super) bench: BenchState,
}

impl App {
    pub fn new(title: impl Into<String>, mode: Mode) -> Self {
        let following = mode != Mode::File;
        Self {
            title: title.into(),
            mode,
            view: View::Packets,
            size: (layout::MIN_WIDTH, layout::MIN_HEIGHT),
            help: false,
            help_top: 0,
            quit: false,
            filter: FilterLine::default(),
            progress: None,
            indexed: false,
            captured: None,
            secrets: None,
            notes: Vec::new(),
            banner: None,
            packets: PacketsState { following, ..PacketsState::default() },
            connections: ConnectionsState::default(),
            timeline: TimelineState::default(),
            compare: CompareState::default(),
            commands: Vec::new(),
            stats: StatsState::default(),
            follow: FollowState::default(),
            bench: BenchState::default(),
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

    /// The packet list as shown: all packets, or the filter's matches.
    pub(super) fn shown(&self) -> Shown<'_> {
        Shown { state: &self.packets, filter: self.filter.applied.as_ref() }
    }

    /// How many packets the list shows.
    pub(super) fn visible_len(&self) -> usize {
        self.shown().len()
    }

    /// The selected packet's frame number.
    pub(super) fn selected_frame(&self) -> Option<u64> {
        self.shown().selected_frame()
    }

    /// The tree lines shown: every node but those under a folded OSI layer's heading.
    pub(super) fn tree(&self) -> Vec<&Node> {
        self.shown().tree()
    }

    pub(super) fn selected_node(&self) -> Option<&Node> {
        self.shown().selected_node()
    }

    pub(super) fn selected_connection(&self) -> Option<std::sync::Arc<Connection>> {
        self.connections.selected()
    }

    /// The selected connection with its events, for what needs them now (following it,
    /// exporting it); none, said in the status bar, while an open one's are still on their way
    /// or when they could not be read back.
    pub(super) fn selected_whole(&mut self) -> Option<std::sync::Arc<Connection>> {
        let connection = self.selected_connection()?;
        if connection.withheld {
            self.notes.push(format!(
                "connection {}'s messages are on their way: try again in a moment",
                connection.id
            ));
            return None;
        }
        if let Some(why) = self.connections.selected_unreadable() {
            self.notes.push(format!("connection {}'s messages could not be read back: {why}", connection.id));
            return None;
        }
        Some(connection)
    }

    pub(super) fn screen(&self) -> Screen {
        let (width, height) = self.size;
        let filter_line =
            self.filter.input.is_some() || self.filter.error.is_some() || self.bench.prompt.is_some();
        layout::screen(Rect::new(0, 0, width, height), filter_line)
    }

    pub(super) fn packets_panes(&self) -> layout::Packets {
        layout::packets(self.screen().body, self.packets.maximised())
    }

    fn list_rows(&self) -> usize {
        layout::rows(self.packets_panes().list, 1).max(1)
    }

    fn tree_rows(&self) -> usize {
        layout::rows(self.packets_panes().tree, 0).max(1)
    }

    fn connection_rows(&self) -> usize {
        layout::rows(layout::connections(self.screen().body).0, 1).max(1)
    }

    fn event_rows(&self) -> usize {
        let diagram = layout::timeline(self.screen().body, self.timeline.explaining, ROUND_LEGEND).diagram;
        layout::rows(diagram, TIMELINE_HEADER).max(1)
    }

    pub(super) fn event_count(&self) -> usize {
        self.selected_connection().map_or(0, |connection| connection.events.len())
    }

    // ---- the one place state changes ----

    pub fn update(&mut self, action: Action) {
        let filter_line = self.screen().filter.is_some();
        self.handle(action);
        self.want_statistics();
        // The filter line takes a row from the body: keep the selections on screen.
        if self.screen().filter.is_some() != filter_line {
            self.clamp_all();
        }
        self.want_infos();
    }

    fn handle(&mut self, action: Action) {
        if self.bench.prompt.is_some() && self.edit_prompt(&action) {
            return;
        }
        if self.filter.input.is_some() && self.edit_filter(&action) {
            return;
        }
        if self.help {
            // Help covers the screen: ↑ ↓ scroll it where it does not fit, any other key
            // closes it, and only Quit passes through.
            match action {
                Action::Quit => self.quit = true,
                Action::Up | Action::PageUp => self.help_top = self.help_top.saturating_sub(1),
                Action::Down | Action::PageDown => {
                    self.help_top =
                        (self.help_top + 1).min(super::keys::help_lines().count().saturating_sub(1))
                }
                Action::Resize { .. }
                | Action::Indexed(_)
                | Action::Detail(_)
                | Action::Infos(_)
                | Action::Filtered(_)
                | Action::Followed(_)
                | Action::Found(_)
                | Action::Captured { .. }
                | Action::Counted(_)
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
            Action::ToggleHelp => {
                self.help = !self.help;
                self.help_top = 0;
            }
            Action::Show(view) => self.view = view,
            Action::NextView => self.view = self.view.next(),
            Action::Up => self.go(Move::Up),
            Action::Down => self.go(Move::Down),
            Action::PageUp => self.go(Move::PageUp),
            Action::PageDown => self.go(Move::PageDown),
            Action::Top => self.go(Move::Home),
            Action::Bottom => self.go(Move::End),
            Action::Enter => self.enter(),
            Action::Back => self.back(),
            Action::SwitchPane if self.view == View::Packets => {
                let packets = &mut self.packets;
                packets.focus = if packets.focus == Focus::List { Focus::Tree } else { Focus::List };
                // A maximised view shows the pane the focus moved to.
                if packets.maximised {
                    self.clamp_all();
                }
            }
            Action::SwitchPane => {}
            Action::Maximise if self.view == View::Packets => {
                self.packets.maximised = !self.packets.maximised;
                self.clamp_all();
            }
            Action::Maximise => {}
            Action::ToggleScale => {
                self.timeline.to_scale = !self.timeline.to_scale;
                self.clamp_events();
            }
            Action::Explain => {
                if self.view == View::Timeline {
                    self.timeline.explaining = !self.timeline.explaining;
                    self.clamp_events();
                }
            }
            Action::TogglePause => {
                if self.is_live() {
                    self.packets.following = !self.packets.following;
                    if self.packets.following {
                        self.select_packet(self.visible_len().saturating_sub(1));
                    }
                }
            }
            Action::FilterStart => {
                let current = self.filter.applied.as_ref().map(|applied| applied.text.clone());
                self.filter.checked = current.as_deref().and_then(super::filter_from::parses);
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
            Action::Infos(infos) => {
                self.packets.infos_requested.clear();
                let near = self.selected_frame().unwrap_or(1);
                self.packets.rows.set_info(infos, near);
            }
            Action::Filtered(filtered) => self.filtered(filtered),
            Action::Captured { captured, dropped, refused } => {
                self.captured = Some((captured, dropped, refused))
            }
            Action::Note(note) => self.notes.push(note),
            Action::Unbound => {}
            action @ (Action::FilterFrom(_)
            | Action::StatsPage { .. }
            | Action::StatsKind
            | Action::StatsSort { .. }
            | Action::StatsInterval { .. }
            | Action::StatsNextPacket
            | Action::Counted(_)
            | Action::Export(_)
            | Action::CopyValue) => self.workbench(action),
            // Issue 19: HTTP objects (objects.rs).
            Action::ExportObjects => self.export_objects(),
            // Issue 19: follow, find and go, marks and time (bench.rs, search.rs).
            action => self.bench(action),
        }
    }

    /// Moves the selection of the focused list.
    pub(super) fn go(&mut self, step: Move) {
        match (self.view, self.packets.focus) {
            (View::Packets, Focus::List) => {
                let (len, rows) = (self.visible_len(), self.list_rows());
                let target = step.from(self.packets.list.selected(), len, rows);
                // Moving up stops following; reaching the end again resumes it.
                if self.is_live() {
                    self.packets.following = target + 1 >= len;
                }
                self.select_packet(target);
            }
            (View::Packets, Focus::Tree) => {
                let (len, rows) = (self.tree().len(), self.tree_rows());
                self.packets.tree.go(step, len, rows);
            }
            (View::Connections, _) => {
                let (len, rows) = (self.connections.all.len(), self.connection_rows());
                self.select_connection(step.from(self.connections.list.selected(), len, rows));
            }
            (View::Compare, _) => {
                // The race is drawn in its own order, and scrolls itself to the selection.
                let order = self.compare.order();
                let selected = self.connections.list.selected();
                let at = order.iter().position(|index| *index == selected).unwrap_or(0);
                let rows = self.connection_rows();
                if let Some(index) = order.get(step.from(at, order.len(), rows)).copied() {
                    self.select_connection(index);
                }
            }
            (View::Timeline, _) => {
                let (len, rows) = (self.event_count(), self.event_rows());
                self.timeline.events.go(step, len, rows);
            }
            (View::Statistics, _) => self.stats_go(step),
            (View::Follow, _) => self.follow_go(step),
        }
    }

    pub(super) fn select_packet(&mut self, position: usize) {
        let previous = self.selected_frame();
        let (len, rows) = (self.visible_len(), self.list_rows());
        self.packets.list.select(position, len, rows);
        if self.selected_frame() != previous {
            self.packets.tree = Default::default();
        }
        self.want_detail();
    }

    /// Asks for the selected packet's detail unless it is here or on its way.
    fn want_detail(&mut self) {
        let Some(frame) = self.selected_frame() else { return };
        if self.packets.details.contains_key(&frame) || self.packets.requested == Some(frame) {
            return;
        }
        self.packets.requested = Some(frame);
        self.commands.push(Command::Detail(frame));
    }

    /// Asks for the Info of the rows on screen that have none, unless it is on its way.
    fn want_infos(&mut self) {
        let shown = self.shown();
        let top = self.packets.list.top();
        let rows = &self.packets.rows;
        let missing: Vec<u64> = (top..top + self.list_rows())
            .filter_map(|position| shown.frame(position))
            .filter(|frame| !rows.has_info(*frame))
            .collect();
        if missing.is_empty() || missing == self.packets.infos_requested {
            return;
        }
        self.packets.infos_requested.clone_from(&missing);
        self.commands.push(Command::Infos(missing));
    }

    pub(super) fn select_connection(&mut self, index: usize) {
        if index != self.connections.list.selected() {
            self.timeline.events = Default::default();
        }
        let (len, rows) = (self.connections.all.len(), self.connection_rows());
        self.connections.list.select(index, len, rows);
    }

    fn indexed(&mut self, indexed: Indexed) {
        let first = self.packets.rows.is_empty();
        self.packets.rows.append(indexed.rows);
        if let Some(report) = indexed.timelines {
            // A capture of both ends of a link has real send and arrival times: its timelines
            // open to scale, once (the user's `t` is kept after that).
            let first = self.connections.all.is_empty();
            self.connections.take(report);
            if first && self.connections.all.iter().any(|connection| connection.vantage == Vantage::Both) {
                self.timeline.to_scale = true;
            }
            self.compare.sort(&self.connections);
            let (len, rows) = (self.connections.all.len(), self.connection_rows());
            self.connections.list.clamp(len, rows);
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
        if indexed.secrets.is_some() {
            self.secrets = indexed.secrets;
        }
        if let Some(warning) = indexed.key_log.and_then(|hellos| hellos.warning()) {
            self.notes.push(warning);
        }
        if self.filter.applied.is_none() && self.packets.following && self.is_live() {
            self.select_packet(self.visible_len().saturating_sub(1));
        } else if first {
            self.select_packet(0);
        }
    }

    fn detail_arrived(&mut self, detail: Detail) {
        if self.packets.requested == Some(detail.number) {
            self.packets.requested = None;
        }
        if self.packets.details.len() >= DETAIL_CACHE {
            let keep = self.selected_frame().unwrap_or(0);
            self.packets.details.retain(|frame, _| frame.abs_diff(keep) < DETAIL_CACHE as u64 / 4);
        }
        self.packets.details.insert(detail.number, detail);
        self.clamp_tree();
    }

    fn clamp_tree(&mut self) {
        let (len, rows) = (self.tree().len(), self.tree_rows());
        self.packets.tree.clamp(len, rows);
    }

    fn clamp_events(&mut self) {
        let (len, rows) = (self.event_count(), self.event_rows());
        self.timeline.events.clamp(len, rows);
    }

    fn clamp_all(&mut self) {
        let (len, rows) = (self.visible_len(), self.list_rows());
        self.packets.list.clamp(len, rows);
        let (len, rows) = (self.connections.all.len(), self.connection_rows());
        self.connections.list.clamp(len, rows);
        self.clamp_tree();
        self.clamp_events();
        self.clamp_stats();
    }
}

/// Lines above the first message of the timeline diagram: the column heads and the verdict.
pub const TIMELINE_HEADER: u16 = 2;

#[path = "app_navigation.rs"]
mod navigation;

#[cfg(test)]
#[path = "app_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "app_timeline_tests.rs"]
mod timeline_tests;
