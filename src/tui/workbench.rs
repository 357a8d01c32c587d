//! `App::update`'s arms for issue 19's workbench: filters from what is selected, the
//! Statistics view's keys and figures, exports and the clipboard. One arm of `App::apply`
//! calls [`App::workbench`]; the work itself (counting, writing files) is queued as
//! [`Command`]s for the event loop's workers, so nothing here does I/O.
//!
//! The invariant: a Statistics list's selection is always a row of the page shown.

use super::action::{Action, Command, Export};
use super::app::{App, View};
use super::cursor::Move;
use super::layout;
use super::state::{Focus, StatsPage};
use super::statistics::Counted;
use crate::render::timeline::Scale;

/// Lines above a Statistics list's first row: the page's tabs, its own line (kinds, or what
/// the page shows) and the column headings.
pub const STATS_HEADER: u16 = 2;

/// The column conversations and endpoints sort by until `s` says otherwise: the busiest
/// first, as tshark lists them.
pub const SORTED_FIRST: &str = "Packets";

impl super::state::StatsState {
    /// The column sorted by (its heading), and whether smallest first.
    pub fn sort(&self) -> (&'static str, bool) {
        let (column, ascending) = self.sort;
        (if column.is_empty() { SORTED_FIRST } else { column }, ascending)
    }
}

impl App {
    /// The workbench's actions.
    pub(super) fn workbench(&mut self, action: Action) {
        match action {
            Action::FilterFrom(combine) => self.filter_from_selection(combine),
            // The filter line's own keys, when it is closed, do nothing.
            Action::StatsPage { next } => {
                self.stats.page = self.stats.page.step(next);
                self.stats.list = Default::default();
                self.stats.note_packet = 0;
            }
            Action::StatsKind => {
                self.stats.kind = (self.stats.kind + 1) % super::statistics_tables::Kind::ALL.len();
                self.stats.list = Default::default();
                self.sort_tables();
            }
            Action::StatsSort { reverse } => {
                let (column, ascending) = self.stats.sort();
                self.stats.sort = if reverse {
                    (column, !ascending)
                } else {
                    // The next column of the table shown, round to its first.
                    let columns = self.stats_table().map_or(&[][..], |table| table.columns);
                    let at = columns.iter().position(|heading| *heading == column);
                    let next = at.map_or(0, |at| at + 1);
                    (columns.get(next).or(columns.first()).copied().unwrap_or(SORTED_FIRST), false)
                };
                self.sort_tables();
            }
            Action::StatsInterval { longer } => {
                let factor = self.stats.io_factor.max(1);
                self.stats.io_factor = if longer { factor * 2 } else { (factor / 2).max(1) };
            }
            Action::StatsNextPacket => self.next_note_packet(),
            Action::Counted(counted) => self.counted(*counted),
            Action::Export(export) => self.export(export),
            Action::CopyValue => self.copy_value(),
            _ => {}
        }
    }

    /// Opening the Statistics view counts the capture, again when packets came since.
    pub(super) fn want_statistics(&mut self) {
        let packets = self.packets.rows.len();
        let stale = self.stats.counted.is_none() || self.stats.counted_packets != packets;
        if self.view == View::Statistics && stale && !self.stats.counting {
            self.stats.counting = true;
            self.stats.counted_packets = packets;
            self.commands.push(Command::Count);
        }
    }

    fn counted(&mut self, counted: Counted) {
        self.stats.counting = false;
        // A capture's I/O graph opens at the interval that fits the width.
        if self.stats.io_factor == 0 {
            let width = usize::from(self.size.0.saturating_sub(12)).max(1);
            let factor = counted.io.buckets.len().div_ceil(width).max(1);
            self.stats.io_factor = factor.next_power_of_two();
        }
        self.stats.counted = Some(Box::new(counted));
        self.sort_tables();
        self.clamp_stats();
    }

    fn sort_tables(&mut self) {
        let (column, ascending) = self.stats.sort();
        let kind = self.stats.kind;
        if let Some(counted) = &mut self.stats.counted {
            for table in
                [counted.conversations.get_mut(kind), counted.endpoints.get_mut(kind)].into_iter().flatten()
            {
                if let Some(at) = table.columns.iter().position(|heading| *heading == column) {
                    table.sort(at, ascending);
                }
            }
        }
    }

    /// The conversations or endpoints table shown, on those pages.
    pub(super) fn stats_table(&self) -> Option<&super::statistics_tables::Table> {
        let counted = self.stats.counted.as_ref()?;
        match self.stats.page {
            StatsPage::Conversations => counted.conversations.get(self.stats.kind),
            StatsPage::Endpoints => counted.endpoints.get(self.stats.kind),
            _ => None,
        }
    }

    /// How many rows the page's list has.
    pub(super) fn stats_len(&self) -> usize {
        let Some(counted) = &self.stats.counted else { return 0 };
        match self.stats.page {
            StatsPage::Properties | StatsPage::Io => 0,
            StatsPage::Hierarchy => counted.hierarchy.len(),
            StatsPage::Conversations | StatsPage::Endpoints => {
                self.stats_table().map_or(0, |table| table.rows.len())
            }
            StatsPage::Notes => counted.notes.len(),
        }
    }

    pub(super) fn stats_rows(&self) -> usize {
        layout::rows(self.screen().body, STATS_HEADER).max(1)
    }

    pub(super) fn stats_go(&mut self, step: Move) {
        let (len, rows) = (self.stats_len(), self.stats_rows());
        self.stats.list.go(step, len, rows);
        self.stats.note_packet = 0;
    }

    pub(super) fn clamp_stats(&mut self) {
        let (len, rows) = (self.stats_len(), self.stats_rows());
        self.stats.list.clamp(len, rows);
    }

    /// Enter in Statistics: a row becomes a filter; a note group jumps to its first packet.
    pub(super) fn stats_enter(&mut self) {
        let selected = self.stats.list.selected();
        let Some(counted) = &self.stats.counted else { return };
        let filter = match self.stats.page {
            StatsPage::Hierarchy => counted.hierarchy.get(selected).map(|(_, name, _, _)| (*name).to_owned()),
            StatsPage::Conversations | StatsPage::Endpoints => {
                self.stats_table().and_then(|table| table.rows.get(selected)).map(|row| row.filter.clone())
            }
            StatsPage::Notes => {
                if let Some(frame) = counted.notes.get(selected).and_then(|group| group.frames.first()) {
                    self.stats.note_packet = 0;
                    self.jump_to_frame(*frame);
                }
                return;
            }
            StatsPage::Properties | StatsPage::Io => None,
        };
        if let Some(filter) = filter.filter(|filter| !filter.is_empty()) {
            self.apply_filter_text(filter);
        }
    }

    /// `n` on the Notes page: the selected group's next packet (round to its first).
    fn next_note_packet(&mut self) {
        if self.stats.page != StatsPage::Notes {
            return;
        }
        let selected = self.stats.list.selected();
        let Some(group) = self.stats.counted.as_ref().and_then(|counted| counted.notes.get(selected)) else {
            return;
        };
        let next = (self.stats.note_packet + 1) % group.frames.len().max(1);
        let frame = group.frames[next.min(group.frames.len() - 1)];
        self.stats.note_packet = next;
        self.jump_to_frame(frame);
    }

    /// The frames an export writes: the marked ones (`m`) when there are any, else the shown
    /// ones (`None`: every frame, no filter being in force).
    pub fn frames_to_export(&self, marked: Option<&[u64]>) -> Option<Vec<u64>> {
        if let Some(marked) = marked.filter(|marked| !marked.is_empty()) {
            let mut marked = marked.to_vec();
            marked.sort_unstable();
            marked.dedup();
            return Some(marked);
        }
        self.filter.applied.as_ref().map(|applied| applied.matches.clone())
    }

    fn export(&mut self, export: Export) {
        let stem = export_stem(&self.title);
        match export {
            Export::ShownPackets => {
                if self.filter.applied.as_ref().is_some_and(|applied| !applied.done) {
                    self.notes.push("the filter is still running: export when it has finished".to_owned());
                    return;
                }
                let marked: Vec<u64> = self.bench.marks.iter().copied().collect();
                let frames = self.frames_to_export(Some(&marked));
                let which = match (&frames, marked.is_empty()) {
                    (_, false) => "marked",
                    (Some(_), true) => "filtered",
                    (None, true) => "all",
                };
                let name = format!("{stem}-{which}.pcapng");
                self.commands.push(Command::WritePackets { name, frames });
            }
            Export::TimelineSvg | Export::TimelineMermaid => {
                if self.selected_connection().is_none() {
                    self.notes.push("no connection is selected to export".to_owned());
                    return;
                }
                let Some(connection) = self.selected_whole() else { return };
                let mut text = Vec::new();
                let connections = std::slice::from_ref(&*connection);
                let (written, extension) = if export == Export::TimelineSvg {
                    let scale = if self.timeline.to_scale { Scale::ToScale } else { Scale::Compact };
                    (crate::render::diagram::write_svg(&mut text, connections, scale), "svg")
                } else {
                    (crate::render::diagram::write_mermaid(&mut text, connections), "mmd")
                };
                if written.is_ok() {
                    let name = format!("{stem}-connection-{}.{extension}", connection.id);
                    self.commands
                        .push(Command::WriteText { name, text: String::from_utf8_lossy(&text).into_owned() });
                }
            }
        }
    }

    fn copy_value(&mut self) {
        let field = match (self.view, self.packets.focus) {
            (View::Packets, Focus::Tree) => self.selected_node().and_then(|node| node.field.clone()),
            _ => None,
        };
        match field {
            Some(field) => {
                self.notes.push(format!("copied {} to the clipboard (OSC 52)", field.name));
                self.commands.push(Command::Clipboard(field.value));
            }
            None => self.notes.push("select a field in the tree (→) to copy its value".to_owned()),
        }
    }
}

/// A file name's start from the capture's title: its name without the extension, letters,
/// digits, `-` and `_` only.
pub fn export_stem(title: &str) -> String {
    let name = title.rsplit('/').next().unwrap_or(title);
    let name = name.split('.').next().unwrap_or(name);
    let stem: String = name
        .chars()
        .map(|character| if character.is_ascii_alphanumeric() || character == '-' { character } else { '_' })
        .collect();
    if stem.trim_matches('_').is_empty() { "rttscope".to_owned() } else { stem }
}

#[cfg(test)]
#[path = "workbench_tests.rs"]
mod tests;
