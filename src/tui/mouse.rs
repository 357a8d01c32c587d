//! The mouse: a click selects what is drawn under it, the wheel scrolls the pane under it.
//! Positions come from [`layout`], the same places the views draw in.

use ratatui::layout::Rect;

use super::app::{App, Focus, TIMELINE_HEADER, View};
use super::layout;
use super::views;

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
                    self.focus = Focus::List;
                    if self.is_live() {
                        self.following = false;
                    }
                    self.select_packet((self.packet_top + row).min(self.visible_len().saturating_sub(1)));
                } else if let Some(row) =
                    item_at(panes.tree, 0, y).filter(|_| layout::contains(panes.tree, x, y))
                {
                    self.focus = Focus::Tree;
                    if self.node_top + row < self.tree().len() {
                        self.node = self.node_top + row;
                    }
                }
            }
            View::Connections => {
                if let Some(row) = item_at(screen.body, 1, y)
                    && self.connection_top + row < self.connections.len()
                {
                    self.select_connection(self.connection_top + row);
                }
            }
            View::Timeline => {
                let (diagram, _) = layout::timeline(screen.body, self.explaining);
                if let Some(row) = item_at(diagram, TIMELINE_HEADER, y)
                    && self.event_top + row < self.event_count()
                {
                    self.event = self.event_top + row;
                }
            }
            View::Compare => {}
        }
    }

    pub(super) fn wheel(&mut self, x: u16, y: u16, down: bool) {
        if self.view == View::Packets {
            let panes = self.packets_panes();
            if layout::contains(panes.tree, x, y) {
                self.focus = Focus::Tree;
            } else if layout::contains(panes.list, x, y) {
                self.focus = Focus::List;
            }
        }
        let step = WHEEL_STEP as isize;
        self.step(if down { step } else { -step });
    }
}

/// Which item line of `pane` (after its title and `header` lines) row `y` is on.
fn item_at(pane: Rect, header: u16, y: u16) -> Option<usize> {
    let first = pane.y + 1 + header;
    (y >= first && y < pane.y + pane.height).then(|| usize::from(y - first))
}
