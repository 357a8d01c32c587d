//! Moving between the views with Enter and Esc, and to a frame's packet.

use super::{App, View};
use crate::tui::detail::NodeKind;
use crate::tui::state::Focus;

impl App {
    /// Enter: into the tree, (un)folding a layer, into a connection's timeline, or to the
    /// packet of a message.
    pub(super) fn enter(&mut self) {
        match (self.view, self.packets.focus) {
            (View::Packets, Focus::List) => {
                if self.visible_len() > 0 {
                    self.packets.focus = Focus::Tree;
                }
            }
            (View::Packets, Focus::Tree) => {
                if let Some(node) = self.selected_node().filter(|node| node.kind == NodeKind::Osi) {
                    let osi = node.osi;
                    let folded = &mut self.packets.folded;
                    match folded.iter().position(|folded| *folded == osi) {
                        Some(at) => {
                            folded.remove(at);
                        }
                        None => folded.push(osi),
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
                let selected = self.timeline.events.selected();
                let event = self
                    .selected_connection()
                    .and_then(|connection| connection.events.get(selected).map(|event| event.frame));
                if let Some(frame) = event {
                    self.jump_to_frame(frame);
                }
            }
            (View::Statistics, _) => self.stats_enter(),
            (View::Follow, _) => self.follow_enter(),
        }
    }

    /// Shows a frame in the Packets view, clearing a filter that hides it.
    pub(in crate::tui) fn jump_to_frame(&mut self, frame: u64) {
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
        self.packets.focus = Focus::List;
        if self.is_live() {
            self.packets.following = false;
        }
        self.select_packet(position);
        let rows = self.list_rows();
        self.packets.list.center(rows);
    }

    /// Esc: out of an explanation, a filter error, the tree, a timeline or a followed stream.
    pub(super) fn back(&mut self) {
        if self.timeline.explaining {
            self.timeline.explaining = false;
        } else if self.filter.error.is_some() {
            self.filter.error = None;
        } else if self.view == View::Packets && self.packets.focus == Focus::Tree {
            self.packets.focus = Focus::List;
        } else if self.view == View::Timeline {
            self.view = View::Connections;
        } else if self.view == View::Follow {
            self.follow_back();
        }
    }
}
