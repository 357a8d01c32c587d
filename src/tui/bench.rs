//! Issue 19's actions, as `App::update` applies them: follow stream (`f`, and the Follow view's
//! own keys), marks (`m`, `'`, `"`), time references (`Ctrl-T`) and the Time column's format
//! (`t` in Packets). Find and go live in [`super::search`].
//!
//! Like the rest of `update`, nothing here does I/O: following a conversation queues a
//! [`Command::Follow`] for the event loop, which starts the worker.

use super::action::{Action, Command};
use super::app::{App, View};
use super::cursor::Move;
use super::follow::Followed;
use super::rows::Row;
use super::search::Asks;
use super::state::{BenchState, Shown};
use crate::render::time::{TimeFormat, write_time};

/// The Time column's formats in the order `t` goes through them (tshark's `-t` r, a, ad, d,
/// dd, e).
pub const TIME_FORMATS: [TimeFormat; 6] = [
    TimeFormat::Relative,
    TimeFormat::Time { utc: false },
    TimeFormat::Date { utc: false },
    TimeFormat::Delta,
    TimeFormat::DeltaDisplayed,
    TimeFormat::Epoch,
];

/// What the Time column's heading says for a format: tshark's `-t` letter.
pub fn time_heading(format: TimeFormat) -> &'static str {
    match format {
        TimeFormat::Relative => "Time",
        TimeFormat::Time { .. } => "Time (a)",
        TimeFormat::Date { .. } => "Time (ad)",
        TimeFormat::Delta => "Time (d)",
        TimeFormat::DeltaDisplayed => "Time (dd)",
        TimeFormat::Epoch => "Time (e)",
        TimeFormat::DayOfYear { .. } => "Time (adoy)",
    }
}

impl App {
    /// Applies one of issue 19's actions.
    pub(super) fn bench(&mut self, action: Action) {
        // A chord pressed while a line is typed opens nothing over it.
        if self.is_editing()
            && matches!(action, Action::FindStart | Action::GoToStart | Action::TimeReference)
        {
            return;
        }
        match action {
            Action::Follow => self.follow_selected(),
            Action::Followed(followed) => self.followed(*followed),
            Action::FollowSides => {
                self.follow.sides = self.follow.sides.next();
                self.relay_follow();
            }
            Action::FollowFormat => {
                self.follow.format = self.follow.format.next();
                self.relay_follow();
            }
            Action::FindStart => {
                let asks = if self.view == View::Follow {
                    Asks::FollowFind
                } else {
                    Asks::Find(self.bench.last_mode)
                };
                self.open_prompt(asks);
            }
            Action::FindNext => self.find_again(true),
            Action::FindPrevious => self.find_again(false),
            Action::Found(found) => self.found(found),
            Action::GoToStart => self.open_prompt(Asks::GoTo),
            Action::Mark => {
                if let Some(frame) = self.selected_frame() {
                    let marks = &mut self.bench.marks;
                    if !marks.remove(&frame) {
                        marks.insert(frame);
                    }
                }
            }
            Action::NextMark => self.go_to_mark(true),
            Action::PreviousMark => self.go_to_mark(false),
            Action::TimeReference => {
                if let Some(frame) = self.selected_frame() {
                    let references = &mut self.bench.references;
                    if !references.remove(&frame) {
                        references.insert(frame);
                    }
                }
            }
            Action::TimeFormat => {
                let at = TIME_FORMATS.iter().position(|format| *format == self.bench.time).unwrap_or(0);
                self.bench.time = TIME_FORMATS[(at + 1) % TIME_FORMATS.len()];
                self.notes.push(format!("time column: {}", time_name(self.bench.time)));
            }
            // A Tab outside a prompt does nothing here.
            Action::LineTab => {}
            _ => {}
        }
    }

    /// `f`: follows the selected packet's conversation, or the selected connection's.
    fn follow_selected(&mut self) {
        let frame = match self.view {
            View::Packets => self.selected_frame(),
            View::Connections | View::Timeline | View::Compare => {
                let Some(connection) = self.selected_whole() else { return };
                connection.events.first().map(|event| event.frame)
            }
            View::Follow | View::Statistics => None,
        };
        let Some(frame) = frame else {
            self.notes.push("nothing selected to follow".to_owned());
            return;
        };
        self.follow.back_to = Some(self.view);
        self.follow.followed = None;
        self.follow.waiting = Some(frame);
        self.follow.lines.clear();
        self.follow.cursor = Default::default();
        self.view = View::Follow;
        self.commands.push(Command::Follow(frame));
    }

    fn followed(&mut self, followed: Followed) {
        if self.follow.waiting.is_none() {
            return;
        }
        self.follow.waiting = None;
        self.follow.followed = Some(followed);
        self.relay_follow();
    }

    /// Makes the Follow view's lines again and keeps its selection on one of them.
    fn relay_follow(&mut self) {
        self.follow.relay();
        let (len, rows) = (self.follow.lines.len(), self.follow_rows());
        self.follow.cursor.clamp(len, rows);
    }

    /// Rows of followed text the view shows.
    pub(super) fn follow_rows(&self) -> usize {
        super::layout::rows(self.screen().body, super::views::FOLLOW_HEADER).max(1)
    }

    pub(super) fn follow_go(&mut self, step: Move) {
        let (len, rows) = (self.follow.lines.len(), self.follow_rows());
        self.follow.cursor.go(step, len, rows);
    }

    /// Enter in Follow: the selected line's packet in the Packets view.
    pub(super) fn follow_enter(&mut self) {
        let Some(frame) = self.follow.lines.get(self.follow.cursor.selected()).map(|line| line.frame) else {
            return;
        };
        self.jump_to_frame(frame);
    }

    /// Esc in Follow: back to the view it was opened from.
    pub(super) fn follow_back(&mut self) {
        self.view = self.follow.back_to.take().unwrap_or(View::Packets);
        self.follow.waiting = None;
    }

    /// Moves to the next (or previous) line holding the search text; `here` counts the
    /// selected line too (a new search).
    pub(super) fn follow_find(&mut self, forward: bool, here: bool) {
        let Some(needle) = self.follow.search.as_ref().map(|text| text.to_ascii_lowercase()) else {
            self.notes.push("no search yet: / finds in the stream".to_owned());
            return;
        };
        let lines = &self.follow.lines;
        let at = self.follow.cursor.selected();
        let hit = |index: &usize| lines[*index].text.to_ascii_lowercase().contains(&needle);
        let start = if here {
            at
        } else if forward {
            at + 1
        } else {
            at.wrapping_sub(1)
        };
        let found = if forward {
            (start..lines.len())
                .find(hit)
                .map(|index| (index, false))
                .or_else(|| (0..start.min(lines.len())).find(hit).map(|index| (index, true)))
        } else {
            (0..=start.min(lines.len().saturating_sub(1)))
                .rev()
                .find(hit)
                .map(|index| (index, false))
                .or_else(|| (start.min(lines.len())..lines.len()).rev().find(hit).map(|index| (index, true)))
        };
        match found {
            Some((index, wrapped)) => {
                if wrapped {
                    self.notes.push("no more matches: wrapped".to_owned());
                }
                let rows = self.follow_rows();
                self.follow.cursor.select(index, lines.len(), rows);
                self.follow.cursor.center(rows);
            }
            None => self.notes.push(format!("{needle:?} is not in the stream")),
        }
    }

    /// `'` and `"`: the next or previous marked packet, wrapping.
    fn go_to_mark(&mut self, forward: bool) {
        let at = self.selected_frame().unwrap_or(0);
        let marks = &self.bench.marks;
        let next = if forward {
            marks.range(at + 1..).next().or_else(|| marks.iter().next())
        } else {
            marks.range(..at).next_back().or_else(|| marks.iter().next_back())
        };
        match next.copied() {
            Some(frame) => self.jump_to_frame(frame),
            None => self.notes.push("no marked packets: m marks one".to_owned()),
        }
    }
}

/// The Time column's text for the row at `position` of the list shown: tshark's `-t`
/// format, `*REF*` on a time reference, and relative times counted from the reference before.
pub fn time_text(bench: &BenchState, shown: Shown<'_>, position: usize, row: Row<'_>) -> String {
    if bench.references.contains(&row.number) {
        return "*REF*".to_owned();
    }
    let relative =
        |frame: u64| shown.state.rows.get(frame.saturating_sub(1) as usize).map(|row| row.relative_ns);
    let nanos = match bench.time {
        TimeFormat::Relative => {
            let since = bench.references.range(..row.number).next_back().and_then(|frame| relative(*frame));
            row.relative_ns - since.unwrap_or(0)
        }
        TimeFormat::Delta => {
            row.relative_ns - relative(row.number.saturating_sub(1)).unwrap_or(row.relative_ns)
        }
        TimeFormat::DeltaDisplayed => {
            let before = position.checked_sub(1).and_then(|before| shown.frame(before)).and_then(relative);
            row.relative_ns - before.unwrap_or(row.relative_ns)
        }
        _ => shown.state.rows.first_ns().unwrap_or(0) + row.relative_ns,
    };
    if bench.time == TimeFormat::Relative {
        // As the list always wrote it: microseconds, cut.
        return super::views::packets::seconds(nanos);
    }
    let mut text = String::new();
    write_time(&mut text, bench.time, nanos, 6);
    text
}

/// The Time column's width for a format; `relative` is the width of the last relative time.
pub fn time_width(format: TimeFormat, relative: usize) -> usize {
    match format {
        TimeFormat::Relative | TimeFormat::Delta | TimeFormat::DeltaDisplayed => relative,
        TimeFormat::Time { .. } => 15,
        TimeFormat::Date { .. } => 26,
        TimeFormat::DayOfYear { .. } => 24,
        TimeFormat::Epoch => 17,
    }
}

/// A time format as the status bar names it.
pub fn time_name(format: TimeFormat) -> &'static str {
    match format {
        TimeFormat::Relative => "seconds since the first packet (r)",
        TimeFormat::Time { .. } => "time of day (a)",
        TimeFormat::Date { .. } => "date and time (ad)",
        TimeFormat::Delta => "since the packet before (d)",
        TimeFormat::DeltaDisplayed => "since the packet shown before (dd)",
        TimeFormat::Epoch => "seconds since 1970 (e)",
        TimeFormat::DayOfYear { .. } => "day of the year (adoy)",
    }
}

impl App {
    /// Whether a line is being typed (the filter line, the search bar, the go-to prompt): keys
    /// are text then.
    pub fn is_editing(&self) -> bool {
        self.filter.input.is_some() || self.bench.prompt.is_some()
    }
}

#[cfg(test)]
#[path = "bench_tests.rs"]
mod tests;
