//! The Timeline view: the selected connection as a sequence diagram, client on the left,
//! server on the right, one arrow per message, the client's round on the left and the
//! message's OSI layer and time on the right.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::{fit, pane_title, render_lines};
use crate::osi::OsiLayer;
use crate::render::label::{fit_line, wrap};
use crate::render::ladder::{self, Ink};
use crate::render::timeline::{ROUND_LEGEND, verdict};
use crate::timeline::Connection;
use crate::timeline::rounds::Side;
use crate::tui::app::TIMELINE_HEADER;
use crate::tui::layout;
use crate::tui::state::TimelineState;
use crate::tui::theme;

/// The diagram of `connection` (the one selected in the Connections view), drawn from the
/// view's own state; `indexed` tells a capture with no connection from one still being read.
pub struct Timeline<'a> {
    pub state: &'a TimelineState,
    pub connection: Option<&'a Connection>,
    /// Why the connection's messages could not be read back, if they could not.
    pub unreadable: Option<&'a str>,
    pub indexed: bool,
}

/// Columns left of the arrows (round, time) and right of them (OSI tag).
const LEFT: usize = 14;
const RIGHT: usize = 6;

impl Widget for Timeline<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let state = self.state;
        let layout::Timeline { diagram, legend, explanation: panel } =
            layout::timeline(area, state.explaining, ROUND_LEGEND);
        let Some(connection) = self.connection else {
            let text = if self.indexed { "  no connection to draw" } else { "  reading…" };
            render_lines(
                vec![pane_title("Timeline".into(), true), Line::styled(text, theme::dim())],
                area,
                buf,
            );
            return;
        };
        let mut lines = vec![pane_title(
            format!(
                "Timeline of connection {} · {} → {}",
                connection.id, connection.client, connection.server
            ),
            true,
        )];
        lines.push(Line::styled(fit(&verdict(connection), usize::from(diagram.width)), theme::title()));
        let legend_lines = wrap(ROUND_LEGEND, usize::from(legend.width))
            .into_iter()
            .map(|line| Line::styled(line, theme::dim()));
        render_lines(legend_lines.collect(), legend, buf);
        if connection.withheld {
            // Open, and its events asked of the indexer: they come with its next report.
            lines.push(Line::styled("  reading its messages…", theme::dim()));
            render_lines(lines, diagram, buf);
            return;
        }
        if let Some(why) = self.unreadable {
            lines.push(Line::styled(super::connections::unreadable_line(why), theme::error()));
            render_lines(lines, diagram, buf);
            return;
        }
        if state.to_scale {
            ladder_lines(state, connection, diagram, &mut lines);
            render_lines(lines, diagram, buf);
            explanation(state, connection, panel, buf);
            return;
        }
        let arrow = usize::from(diagram.width).saturating_sub(LEFT + RIGHT + 2).max(20);
        debug_assert_eq!(TIMELINE_HEADER, 2);
        lines.push(Line::from(vec![
            Span::styled(format!("{:<5}{:>8} ", "round", "ms"), theme::header()),
            Span::styled(format!("{:<width$}", "client", width = arrow / 2), theme::client()),
            Span::styled(format!("{:>width$}", "server", width = arrow - arrow / 2), theme::server()),
            Span::styled(format!("  {:<RIGHT$}", "OSI"), theme::header()),
        ]));
        let mut last_round = None;
        for (at, event) in connection
            .events
            .iter()
            .enumerate()
            .skip(state.events.top())
            .take(layout::rows(diagram, TIMELINE_HEADER))
        {
            // The round shows where the client moves into a new one.
            let round = if event.dir == Side::Client && last_round != Some(event.round) {
                last_round = Some(event.round);
                format!("R{}", event.round)
            } else {
                "│".to_owned()
            };
            let label = format!(" {}", fit_line(event, arrow.saturating_sub(6)));
            let dashes = arrow.saturating_sub(label.chars().count() + 2);
            let (body, side_style) = match event.dir {
                Side::Client => (format!("─{label}{}▶", "─".repeat(dashes)), theme::client()),
                Side::Server => (format!("◀{}{label}─", "─".repeat(dashes)), theme::server()),
            };
            let osi = OsiLayer::from_number(event.osi.number());
            let tag = osi.map_or("?".to_owned(), |osi| format!("L{}", osi.number()));
            let mut line = Line::from(vec![
                Span::styled(format!("{round:<5}{:>8.3} ", event.t_ms), theme::dim()),
                Span::styled(body, side_style),
                Span::styled(
                    format!("  {tag:<RIGHT$}"),
                    Style::new().fg(theme::layer_number(event.osi.number())),
                ),
            ]);
            if at == state.events.selected() {
                line = line.style(theme::selected());
            }
            lines.push(line);
        }
        render_lines(lines, diagram, buf);
        explanation(state, connection, panel, buf);
    }
}

/// The to-scale ladder: time flows down, arrows slope from send to arrival, the round the
/// client enters ruled across. Scrolled so the selected message's label is in sight.
fn ladder_lines(
    state: &TimelineState,
    connection: &Connection,
    diagram: Rect,
    lines: &mut Vec<Line<'static>>,
) {
    let width = usize::from(diagram.width).saturating_sub(LEFT + 1).max(24);
    let layout = ladder::layout(connection);
    let rows = ladder::draw(connection, &layout, width);
    let decimals = if layout.ms_per_row >= 1.0 { 1 } else { 3 };
    lines.push(Line::from(vec![
        Span::styled(format!("{:<5}{:>8} ", "round", "ms"), theme::header()),
        Span::styled(format!("{:<width$}", "client", width = width / 2), theme::client()),
        Span::styled(format!("{:>width$}", "server", width = width - width / 2), theme::server()),
    ]));
    // One line more than the compact diagram's header: the scale.
    let room = layout::rows(diagram, TIMELINE_HEADER + 1);
    let selected = rows.iter().position(|row| row.event == Some(state.events.selected())).unwrap_or(0);
    let top = selected.saturating_sub(room / 3).min(rows.len().saturating_sub(room));
    for row in rows.iter().skip(top).take(room) {
        let round = row.round.map_or("│".to_owned(), |round| format!("R{round}"));
        let time = row.ms.map_or(String::new(), |ms| format!("{ms:.decimals$}"));
        let mut spans = vec![Span::styled(format!("{round:<5}{time:>8} "), theme::dim())];
        // Runs of cells in one ink become one span.
        let mut run = String::new();
        let mut ink = None;
        for (character, cell) in &row.cells {
            if ink.is_some_and(|ink| ink != *cell) {
                spans.push(Span::styled(std::mem::take(&mut run), ink_style(ink, state.events.selected())));
            }
            ink = Some(*cell);
            run.push(*character);
        }
        spans.push(Span::styled(run, ink_style(ink, state.events.selected())));
        lines.push(Line::from(spans));
    }
    lines.insert(
        1,
        Line::styled(
            format!("to scale: one row = {} ms · t: one row per message", layout.ms_per_row),
            theme::dim(),
        ),
    );
}

fn ink_style(ink: Option<Ink>, selected: usize) -> Style {
    match ink {
        Some(Ink::Label(event, _)) if event == selected => theme::selected(),
        Some(Ink::Arrow(_, Side::Client) | Ink::Label(_, Side::Client)) => theme::client(),
        Some(Ink::Arrow(_, Side::Server) | Ink::Label(_, Side::Server)) => theme::server(),
        Some(Ink::Rule | Ink::Break | Ink::Lifeline) => theme::dim(),
        Some(Ink::Blank) | None => Style::new(),
    }
}

/// The explanation panel of the selected message, when it is open.
fn explanation(state: &TimelineState, connection: &Connection, panel: Option<Rect>, buf: &mut Buffer) {
    if let (Some(panel), Some(event)) = (panel, connection.events.get(state.events.selected())) {
        let osi = Some(event.osi);
        let layer = osi.map_or(String::new(), |osi| format!(" · {osi}"));
        let text = vec![
            Line::styled(
                format!("frame {} · round {}{layer} · {}", event.frame, event.round, event.label()),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Line::raw(event.explanation()),
            Line::styled("Enter shows its packet · e or Esc closes", theme::dim()),
        ];
        let mut lines = vec![pane_title("Why this message".into(), false)];
        lines.extend(text);
        Paragraph::new(lines).wrap(Wrap { trim: true }).render(panel, buf);
    }
}
