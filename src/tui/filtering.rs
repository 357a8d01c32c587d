//! The display filter line: typing a filter, applying it, the matches the filter worker
//! reports, and clearing it while keeping the packet in view.

use super::action::{Action, Command, Filtered};
use super::app::App;
use crate::filter::{Filter, FilterError};

/// A display filter in force.
#[derive(Debug, Default)]
pub struct Applied {
    pub text: String,
    pub generation: u64,
    pub matches: Vec<u64>,
    pub scanned: u64,
    pub done: bool,
    /// The frame that was selected when the filter was applied, to select again once found.
    anchor: Option<u64>,
}

/// The display filter line.
#[derive(Debug, Default)]
pub struct FilterLine {
    /// The text being typed, while the line is open.
    pub input: Option<String>,
    /// Why the last text given failed to parse.
    pub error: Option<FilterError>,
    pub applied: Option<Applied>,
    pub(super) generation: u64,
    /// Whether the text being typed parses (the line's colour), checked on each key; `None`
    /// while it is empty or not yet checked.
    pub checked: Option<bool>,
}

impl App {
    /// Keys while the filter line is open; returns whether the action was used.
    pub(super) fn edit_filter(&mut self, action: &Action) -> bool {
        let Some(input) = &mut self.filter.input else { return false };
        match action {
            Action::FilterType(character) => input.push(*character),
            Action::FilterBackspace => {
                input.pop();
            }
            Action::FilterClear => input.clear(),
            Action::FilterApply => self.apply_filter(),
            Action::Back => {
                self.filter.input = None;
                self.filter.error = None;
            }
            Action::LineTab => {}
            _ => return false,
        }
        self.edit_filter_more(action);
        true
    }

    pub(super) fn apply_filter(&mut self) {
        let text = self.filter.input.as_deref().unwrap_or_default().trim().to_owned();
        if text.is_empty() {
            self.filter.input = None;
            self.filter.error = None;
            self.clear_filter();
            return;
        }
        match Filter::parse(&text) {
            Err(error) => self.filter.error = Some(error),
            Ok(filter) => {
                self.filter.input = None;
                self.filter.error = None;
                self.filter.generation += 1;
                let generation = self.filter.generation;
                let anchor = self.selected_frame();
                self.filter.applied = Some(Applied { text, generation, anchor, ..Applied::default() });
                self.packets.list = Default::default();
                self.commands.push(Command::Filter { generation, filter });
            }
        }
    }

    pub(super) fn clear_filter(&mut self) {
        let Some(applied) = self.filter.applied.take() else { return };
        self.commands.push(Command::StopFilter);
        // Stay on the packet that was selected.
        let frame = applied.matches.get(self.packets.list.selected()).copied().or(applied.anchor);
        self.select_packet(frame.map_or(0, |frame| frame.saturating_sub(1) as usize));
    }

    pub(super) fn filtered(&mut self, filtered: Filtered) {
        let Some(applied) = &mut self.filter.applied else { return };
        if applied.generation != filtered.generation {
            return;
        }
        applied.matches.extend(filtered.matches);
        applied.scanned = filtered.scanned;
        applied.done |= filtered.done;
        let anchor = applied.anchor.and_then(|anchor| applied.matches.binary_search(&anchor).ok());
        if let Some(position) = anchor {
            applied.anchor = None;
            self.select_packet(position);
        } else if self.packets.following {
            self.select_packet(self.visible_len().saturating_sub(1));
        } else {
            self.select_packet(self.packets.list.selected());
        }
    }
}
