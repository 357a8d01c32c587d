//! The Follow view: one conversation's bytes as text, the client's in one colour and the
//! server's in another, with what is shown (sides, format) and the keys that change it on
//! the line under the title.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{fit, pane_title, render_lines};
use crate::tui::follow::{Format, Side};
use crate::tui::layout;
use crate::tui::state::FollowState;
use crate::tui::theme;

/// Lines between the title and the first line of text: the legend.
pub const FOLLOW_HEADER: u16 = 1;

pub struct Follow<'a> {
    pub state: &'a FollowState,
}

impl Widget for Follow<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let state = self.state;
        let width = usize::from(area.width);
        let Some(followed) = &state.followed else {
            let waiting = match state.waiting {
                Some(frame) => format!("  gathering the conversation of frame {frame}…"),
                None => "  nothing followed: f on a packet or a connection".to_owned(),
            };
            render_lines(
                vec![pane_title("Follow".into(), true), Line::styled(waiting, theme::dim())],
                area,
                buf,
            );
            return;
        };
        let mut title =
            format!("Follow {} · {} ↔ {}", followed.carrier.name(), followed.client, followed.server);
        if followed.decrypted {
            title.push_str(" · decrypted");
        }
        let mut lines = vec![pane_title(fit(&title, width.saturating_sub(2)), true)];
        let format = if state.format == Format::Http && followed.messages.is_empty() {
            "ASCII (no HTTP)"
        } else {
            state.format.name()
        };
        let client_bytes: usize = followed
            .chunks
            .iter()
            .filter(|chunk| chunk.side == Side::Client)
            .map(|chunk| chunk.bytes.len())
            .sum();
        let server_bytes: usize = followed
            .chunks
            .iter()
            .filter(|chunk| chunk.side == Side::Server)
            .map(|chunk| chunk.bytes.len())
            .sum();
        let mut legend = vec![
            Span::styled(format!(" client {client_bytes} B"), theme::client()),
            Span::raw(" · "),
            Span::styled(format!("server {server_bytes} B"), theme::server()),
            Span::styled(format!(" · {} · {format} · keys c v / Esc", state.sides.name()), theme::dim()),
        ];
        if followed.dropped > 0 {
            legend.push(Span::styled(format!(" · {} B not kept", followed.dropped), theme::warning()));
        }
        lines.push(Line::from(legend));
        if state.lines.is_empty() {
            lines.push(Line::styled("  no application bytes in this conversation", theme::dim()));
        }
        let rows = layout::rows(area, FOLLOW_HEADER);
        let selected = state.cursor.selected();
        for (at, line) in state.lines.iter().enumerate().skip(state.cursor.top()).take(rows) {
            let colour = match line.side {
                Side::Client => theme::client(),
                Side::Server => theme::server(),
            };
            let style = if at == selected { colour.patch(theme::selected()) } else { colour };
            let marker = match line.side {
                Side::Client => "▶ ",
                Side::Server => "◀ ",
            };
            let text: String = line.text.chars().take(width.saturating_sub(2)).collect();
            lines.push(Line::from(vec![
                Span::styled(marker, Style::new().patch(colour)),
                Span::styled(text, style),
            ]));
        }
        render_lines(lines, area, buf);
    }
}
