//! The Compare view: a race. Every connection starts at its own first packet, and its bars
//! run, on one time axis shared by all, to the moment the client sent its request and to the
//! moment the first byte of the response arrived, with the round trips each cost beside them
//! and the textbook's count for the variant: the slide that shows why QUIC with 0-RTT wins.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::connections::rounds;
use super::{pane_title, render_lines};
use crate::render::timeline::variant_words;
use crate::timeline::{Connection, textbook};
use crate::tui::layout;
use crate::tui::state::{CompareState, ConnectionsState};
use crate::tui::theme;

/// The race, drawn from the view's own order and the connections (the selected one marked);
/// `indexed` tells a capture with no connection from one still being read.
pub struct Compare<'a> {
    pub state: &'a CompareState,
    pub connections: &'a ConnectionsState,
    pub indexed: bool,
}

/// Columns left of a bar ("   #7 time to first response byte ") and right of it
/// ("  2 round trips  1234.5 ms").
const LEFT: usize = LEAD + LABEL + 1;
const RIGHT: usize = 25;
/// The connection's number before its first bar.
const LEAD: usize = 6;
/// What a bar measures, in the words the race uses (not RTT: a bar is a time to an event).
const TO_REQUEST: &str = "time to request";
const TO_RESPONSE: &str = "time to first response byte";
const LABEL: usize = TO_RESPONSE.len();

/// Eighths of a cell, for a bar's last, partial cell.
const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/// A bar `ms` long on an axis where `full_ms` fills `width` cells.
fn bar_cells(ms: f64, full_ms: f64, width: usize) -> String {
    if !(ms.is_finite() && full_ms > 0.0) {
        return String::new();
    }
    let cells = (ms / full_ms * width as f64).clamp(0.0, width as f64);
    let whole = cells.floor() as usize;
    let mut bar = "█".repeat(whole);
    let eighth = ((cells - whole as f64) * 8.0).floor() as usize;
    if whole < width && eighth > 0 {
        bar.push(EIGHTHS[eighth.min(7)]);
    }
    if bar.is_empty() {
        // A race won at once still shows where it finished.
        bar.push('▏');
    }
    bar
}

/// Milliseconds as a bar's end reads them.
fn ms_words(ms: Option<f64>) -> String {
    match ms {
        Some(ms) if ms >= 100.0 || ms == 0.0 => format!("{ms:.0} ms"),
        Some(ms) if ms >= 1.0 => format!("{ms:.1} ms"),
        Some(ms) => format!("{ms:.3} ms"),
        None => "-".to_owned(),
    }
}

/// One bar: `lead` names the connection on its first bar (blank on the second), so a
/// connection takes two lines and more of the race fits on a screen.
fn bar(
    lead: Span<'static>,
    label: &str,
    count: Option<u32>,
    ms: Option<f64>,
    full_ms: f64,
    width: usize,
    style: Style,
) -> Line<'static> {
    let cells = ms.map_or(String::new(), |ms| bar_cells(ms, full_ms, width));
    let pad = width.saturating_sub(cells.chars().count());
    Line::from(vec![
        lead,
        Span::raw(format!("{label:<LABEL$} ")),
        Span::styled(cells, style),
        Span::raw(" ".repeat(pad)),
        Span::raw(format!(
            " {:>2} {}",
            rounds(count),
            if count == Some(1) { "round trip " } else { "round trips" }
        )),
        Span::styled(format!(" {:>9}", ms_words(ms)), theme::dim()),
    ])
}

/// The time axis above the bars: a tick at each step of a round number of milliseconds, and
/// a line of their labels.
fn axis(full_ms: f64, width: usize) -> [Line<'static>; 2] {
    let step = nice_step(full_ms / 4.0);
    let mut ticks: Vec<char> = vec!['─'; width];
    let mut labels: Vec<char> = vec![' '; width + RIGHT];
    let mut at = 0.0;
    while at <= full_ms + f64::EPSILON {
        let x = ((at / full_ms) * width as f64).round() as usize;
        if let Some(cell) = ticks.get_mut(x) {
            *cell = '┬';
        }
        let label: Vec<char> = ms_words(Some(at)).chars().collect();
        let start = x.min(labels.len().saturating_sub(label.len()));
        // A label that would touch the one before it is left out.
        let free = start == 0 || labels.get(start - 1) == Some(&' ');
        if free && labels[start..].iter().take(label.len()).all(|c| *c == ' ') {
            labels[start..start + label.len()].copy_from_slice(&label);
        }
        at += step;
    }
    let margin = " ".repeat(LEFT);
    [
        Line::styled(format!("{margin}{}", ticks.into_iter().collect::<String>()), theme::dim()),
        Line::styled(format!("{margin}{}", labels.into_iter().collect::<String>()), theme::dim()),
    ]
}

/// 1, 2 or 5 times a power of ten, at least `ms`.
fn nice_step(ms: f64) -> f64 {
    if !(ms.is_finite() && ms > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(ms.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|step| step * power)
        .find(|step| *step >= ms)
        .unwrap_or(10.0 * power)
}

/// The race's finish line: the latest response (or request) of all, so every bar fits.
fn full_ms(connections: &[std::sync::Arc<Connection>]) -> f64 {
    connections
        .iter()
        .filter_map(|connection| connection.response_ms.or(connection.request_ms))
        .fold(0.0, f64::max)
}

impl Widget for Compare<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Self { state, connections, indexed } = self;
        let width = usize::from(area.width).saturating_sub(LEFT + RIGHT).max(10);
        let full = full_ms(&connections.all);
        let mut lines =
            vec![pane_title("Compare · a race from each connection's first packet".to_owned(), true)];
        if full > 0.0 {
            lines.extend(axis(full, width));
        }
        let mut body: Vec<Line<'static>> = Vec::new();
        let mut selected_line = 0;
        let mut group = None;
        for (at, connection) in state.order().iter().filter_map(|at| Some((*at, connections.all.get(*at)?))) {
            if group != Some(connection.variant) {
                group = Some(connection.variant);
                let book = textbook(connection.variant).map_or(String::new(), |(request, response)| {
                    format!(" · textbook {request} / {response}")
                });
                body.push(Line::styled(
                    format!("{} — {}{book}", connection.variant, variant_words(connection.variant)),
                    Style::new().add_modifier(Modifier::BOLD),
                ));
            }
            let selected = at == connections.list.selected();
            if selected {
                selected_line = body.len();
            }
            let lead = format!("{:>5} ", format!("#{}", connection.id));
            let lead = Span::styled(lead, if selected { theme::selected() } else { theme::dim() });
            body.push(bar(
                lead,
                TO_REQUEST,
                connection.request_rtts,
                connection.request_ms,
                full,
                width,
                theme::request_bar(),
            ));
            body.push(bar(
                Span::raw(" ".repeat(LEAD)),
                TO_RESPONSE,
                connection.response_rtts,
                connection.response_ms,
                full,
                width,
                theme::response_bar(),
            ));
        }
        if body.is_empty() {
            let text = if indexed { "  no connection to compare" } else { "  reading…" };
            body.push(Line::styled(text, theme::dim()));
        }
        // Scroll so the selected connection's bars (and its group's heading) are on screen.
        let rows = layout::rows(area, lines.len().saturating_sub(1) as u16);
        let top = (selected_line + 2).saturating_sub(rows).min(selected_line.saturating_sub(1));
        lines.extend(body.into_iter().skip(top));
        render_lines(lines, area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_drawn_to_one_scale_in_eighths_of_a_cell() {
        assert_eq!(bar_cells(100.0, 100.0, 10), "██████████");
        assert_eq!(bar_cells(50.0, 100.0, 10), "█████");
        assert_eq!(bar_cells(55.0, 100.0, 10), "█████▌");
        assert_eq!(bar_cells(0.0, 100.0, 10), "▏", "a request sent at once still shows");
        assert_eq!(bar_cells(f64::NAN, 100.0, 10), "");
        assert_eq!(nice_step(23.0), 50.0);
        assert_eq!(nice_step(100.0), 100.0);
    }
}
