//! The mouse: a click selects what is drawn under it, the wheel scrolls the pane under it.
//! Positions come from [`layout`], the same places the views draw in.

use ratatui::layout::Rect;

use super::app::{App, Focus, TIMELINE_HEADER, View};
use super::cursor::Move;
use super::layout;
use super::views;
use crate::render::timeline::ROUND_LEGEND;

/// Lines the mouse wheel moves per notch.
const WHEEL_STEP: usize = 3;

impl App {
    pub(super) fn click(&mut self, x: u16, y: u16) {
        let screen = self.screen();
        if layout::contains(screen.tabs, x, y) {
            if let Some(view) = views::tab_at(x) {
                self.view = view;
            }
            return;
        }
        if !layout::contains(screen.body, x, y) {
            return;
        }
        match self.view {
            View::Packets => {
                let panes = self.packets_panes();
                if let Some(row) = item_at(panes.list, 1, y) {
                    self.packets.focus = Focus::List;
                    if self.is_live() {
                        self.packets.following = false;
                    }
                    self.select_packet(self.packets.list.top() + row);
                } else if let Some(row) =
                    item_at(panes.tree, 0, y).filter(|_| layout::contains(panes.tree, x, y))
                {
                    self.packets.focus = Focus::Tree;
                    let (at, len) = (self.packets.tree.top() + row, self.tree().len());
                    if at < len {
                        let rows = layout::rows(panes.tree, 0).max(1);
                        self.packets.tree.select(at, len, rows);
                    }
                }
            }
            View::Connections => {
                let table = layout::connections(screen.body).0;
                let at = item_at(table, 1, y).map(|row| self.connections.list.top() + row);
                if let Some(at) = at.filter(|at| *at < self.connections.all.len()) {
                    self.select_connection(at);
                }
            }
            View::Timeline => {
                let diagram = layout::timeline(screen.body, self.timeline.explaining, ROUND_LEGEND).diagram;
                let at = item_at(diagram, TIMELINE_HEADER, y).map(|row| self.timeline.events.top() + row);
                let (len, rows) = (self.event_count(), layout::rows(diagram, TIMELINE_HEADER).max(1));
                if let Some(at) = at.filter(|at| *at < len) {
                    self.timeline.events.select(at, len, rows);
                }
            }
            View::Compare => {}
            View::Statistics => {
                let at = item_at(screen.body, super::workbench::STATS_HEADER, y);
                let (len, rows) = (self.stats_len(), self.stats_rows());
                if let Some(at) = at.map(|row| self.stats.list.top() + row).filter(|at| *at < len) {
                    self.stats.list.select(at, len, rows);
                }
            }
            View::Follow => {
                let header = super::views::FOLLOW_HEADER;
                let at = item_at(screen.body, header, y).map(|row| self.follow.cursor.top() + row);
                let (len, rows) = (self.follow.lines.len(), layout::rows(screen.body, header).max(1));
                if let Some(at) = at.filter(|at| *at < len) {
                    self.follow.cursor.select(at, len, rows);
                }
            }
        }
    }

    pub(super) fn wheel(&mut self, x: u16, y: u16, down: bool) {
        if self.view == View::Packets {
            let panes = self.packets_panes();
            if layout::contains(panes.tree, x, y) {
                self.packets.focus = Focus::Tree;
            } else if layout::contains(panes.list, x, y) {
                self.packets.focus = Focus::List;
            }
        }
        let lines = WHEEL_STEP as isize;
        self.go(Move::Lines(if down { lines } else { -lines }));
    }
}

/// Which item line of `pane` (after its title and `header` lines) row `y` is on.
fn item_at(pane: Rect, header: u16, y: u16) -> Option<usize> {
    let first = pane.y + 1 + header;
    (y >= first && y < pane.y + pane.height).then(|| usize::from(y - first))
}
