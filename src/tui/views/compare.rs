//! The Compare view: every connection's request and response round trips as bars, grouped by
//! variant beside the textbook's count: the slide that shows why QUIC with 0-RTT is fastest.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::connections::{millis, rounds};
use super::{pane_title, render_lines};
use crate::render::timeline::variant_words;
use crate::timeline::textbook;
use crate::tui::app::{App, CELLS_PER_ROUND};
use crate::tui::layout;
use crate::tui::theme;

pub struct Compare<'a>(pub &'a App);

fn bar(label: &str, count: Option<u32>, ms: Option<f64>, style: Style) -> Line<'static> {
    let cells = count.map_or(0, |count| count as usize * CELLS_PER_ROUND);
    let zero = count == Some(0);
    Line::from(vec![
        Span::raw(format!("      {label:<8} ")),
        Span::styled(if zero { "▏".to_owned() } else { "█".repeat(cells) }, style),
        Span::raw(format!(" {} RTT", rounds(count))),
        Span::styled(format!("  {} ms", millis(ms)), theme::dim()),
    ])
}

impl Widget for Compare<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        let mut lines = vec![pane_title(
            format!(
                "Compare · round trips before the request and the response · {} per round trip",
                "█".repeat(CELLS_PER_ROUND)
            ),
            true,
        )];
        let mut body: Vec<Line<'static>> = Vec::new();
        let mut selected_line = 0;
        let mut group = None;
        for connection in app.compare_order().iter().filter_map(|at| app.connections.get(*at)) {
            if group != Some(connection.variant) {
                group = Some(connection.variant);
                let book = textbook(connection.variant).map_or(String::new(), |(request, response)| {
                    format!(" · textbook {request} / {response}")
                });
                body.push(Line::styled(
                    format!("{} — {}{book}", connection.variant, variant_words(connection.variant)),
                    Style::new().add_modifier(ratatui::style::Modifier::BOLD),
                ));
            }
            let selected = app.selected_connection().is_some_and(|chosen| chosen.id == connection.id);
            if selected {
                selected_line = body.len();
            }
            let head = format!("  #{} {} → {}", connection.id, connection.client, connection.server);
            body.push(Line::styled(head, if selected { theme::selected() } else { theme::dim() }));
            body.push(bar("request", connection.request_rtts, connection.request_ms, theme::request_bar()));
            body.push(bar(
                "response",
                connection.response_rtts,
                connection.response_ms,
                theme::response_bar(),
            ));
        }
        if body.is_empty() {
            let text = if app.indexed { "  no connection to compare" } else { "  reading…" };
            body.push(Line::styled(text, theme::dim()));
        }
        // Scroll so the selected connection and its bars are on screen.
        let rows = layout::rows(area, 0);
        let top = (selected_line + 3).saturating_sub(rows).min(selected_line.saturating_sub(1));
        lines.extend(body.into_iter().skip(top));
        render_lines(lines, area, buf);
    }
}
