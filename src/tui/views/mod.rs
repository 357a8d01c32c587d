//! Drawing: the whole screen from an [`App`], and nothing else. Views read the state and
//! write cells; they parse nothing and do no I/O.

mod compare;
mod connections;
#[cfg(test)]
mod fits;
mod follow;
pub(crate) mod packets;
#[cfg(test)]
mod snapshots;
mod stats;
#[cfg(test)]
mod stats_snapshots;
mod timeline;

pub use follow::FOLLOW_HEADER;

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::app::{App, Mode, View};
use super::keys;
use super::layout;
use super::theme;

/// The whole screen.
pub struct Ui<'a>(pub &'a App);

impl Widget for Ui<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        if !layout::fits(area) {
            too_small(area, buf);
            return;
        }
        let screen = app.screen();
        tabs(app, screen.tabs, buf);
        match app.view {
            View::Packets => packets::Packets { shown: app.shown(), indexed: app.indexed, bench: &app.bench }
                .render(screen.body, buf),
            View::Connections => connections::Connections { state: &app.connections, indexed: app.indexed }
                .render(screen.body, buf),
            View::Timeline => {
                let connection = app.selected_connection();
                let unreadable = app.connections.selected_unreadable();
                timeline::Timeline {
                    state: &app.timeline,
                    connection: connection.as_deref(),
                    unreadable: unreadable.as_deref(),
                    indexed: app.indexed,
                }
                .render(screen.body, buf)
            }
            View::Compare => {
                compare::Compare { state: &app.compare, connections: &app.connections, indexed: app.indexed }
                    .render(screen.body, buf)
            }
            View::Statistics => {
                stats::Stats { state: &app.stats, indexed: app.indexed }.render(screen.body, buf)
            }
            View::Follow => follow::Follow { state: &app.follow }.render(screen.body, buf),
        }
        if let Some(area) = screen.filter {
            match &app.bench.prompt {
                Some(prompt) => prompt_line(prompt, area, buf),
                None => filter_line(app, area, buf),
            }
        }
        status(app, screen.status, buf);
        if app.help {
            help(area, buf, app.help_top);
        }
    }
}

fn too_small(area: Rect, buf: &mut Buffer) {
    let text = format!(
        "rttscope needs a terminal of at least {}x{}; this one is {}x{}. Make it bigger, or press q to quit.",
        layout::MIN_WIDTH,
        layout::MIN_HEIGHT,
        area.width,
        area.height
    );
    Paragraph::new(text).wrap(Wrap { trim: true }).style(theme::warning()).render(area, buf);
}

/// The tab labels, as drawn from the left edge.
fn tab_labels() -> impl Iterator<Item = (View, String)> {
    View::ALL.into_iter().enumerate().map(|(at, view)| (view, format!(" {} {} ", at + 1, view.title())))
}

/// The view whose tab is drawn at column `x`.
pub fn tab_at(x: u16) -> Option<View> {
    let mut left = 0u16;
    for (view, label) in tab_labels() {
        let right = left + label.chars().count() as u16;
        if x >= left && x < right {
            return Some(view);
        }
        left = right + 1;
    }
    None
}

fn tabs(app: &App, area: Rect, buf: &mut Buffer) {
    let mut spans = Vec::new();
    for (view, label) in tab_labels() {
        let style = if view == app.view { theme::active_tab() } else { Style::new() };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw("│"));
    }
    spans.pop();
    let used: usize = spans.iter().map(|span| span.width()).sum();
    let title = format!(" rttscope · {}", app.title);
    let room = usize::from(area.width).saturating_sub(used);
    spans.push(Span::styled(format!("{title:>room$}"), theme::title()));
    Line::from(spans).render(area, buf);
}

fn filter_line(app: &App, area: Rect, buf: &mut Buffer) {
    let text = app
        .filter
        .input
        .as_deref()
        .or(app.filter.applied.as_ref().map(|applied| applied.text.as_str()))
        .unwrap_or_default();
    let mut spans = vec![Span::styled("filter: ", theme::title())];
    match &app.filter.error {
        Some(error) => {
            // Mark the character the error points at (its column counts from 1).
            let at = error.column.saturating_sub(1);
            let before: String = text.chars().take(at).collect();
            let marked: String = text.chars().skip(at).take(1).collect();
            let after: String = text.chars().skip(at + 1).collect();
            spans.push(Span::raw(before));
            spans.push(Span::styled(if marked.is_empty() { " ".to_owned() } else { marked }, theme::error()));
            spans.push(Span::raw(after));
        }
        // While typing, the text is green when it parses and red when it does not.
        None => spans.push(Span::styled(
            text.to_owned(),
            match (app.filter.input.is_some(), app.filter.checked) {
                (true, Some(true)) => theme::valid(),
                (true, Some(false)) => theme::invalid(),
                _ => Style::new(),
            },
        )),
    }
    if app.filter.input.is_some() {
        spans.push(Span::styled("█", Style::new()));
    }
    Line::from(spans).render(area, buf);
}

/// The search bar or the go-to prompt: what it asks, then the text being typed.
fn prompt_line(prompt: &crate::tui::search::Prompt, area: Rect, buf: &mut Buffer) {
    Line::from(vec![
        Span::styled(prompt.label(), theme::title()),
        Span::raw(prompt.text.clone()),
        Span::styled("█", Style::new()),
    ])
    .render(area, buf);
}

fn status(app: &App, area: Rect, buf: &mut Buffer) {
    let mut left: Vec<Span<'_>> = Vec::new();
    let count = |n: usize| group_thousands(n as u64);
    if let Some(error) = &app.filter.error {
        left.push(Span::styled(
            format!(" filter error at column {}: {} ", error.column, error.message),
            theme::error(),
        ));
    } else {
        let mut text = match &app.mode {
            Mode::File => String::new(),
            Mode::Live { interface } => format!("live on {interface} · "),
            Mode::Replay { speed } => format!("replay ×{speed} · "),
        };
        match &app.filter.applied {
            Some(applied) => {
                text.push_str(&format!(
                    "{} of {} packets match",
                    count(applied.matches.len()),
                    count(app.packets.rows.len())
                ));
                if !applied.done && app.mode == Mode::File {
                    text.push_str(&format!(" (filtering, frame {})", group_thousands(applied.scanned)));
                }
            }
            None => text.push_str(&format!("{} packets", count(app.packets.rows.len()))),
        }
        if let Some(progress) = app.progress {
            text.push_str(&format!(" · indexing {:.0}%", progress * 100.0));
        }
        if let Some((captured, dropped, refused)) = app.captured {
            text.push_str(&format!(
                " · captured {} dropped {}",
                group_thousands(captured),
                group_thousands(dropped)
            ));
            if refused > 0 {
                text.push_str(&format!(" · {} not kept (memory cap)", group_thousands(refused)));
            }
        }
        if let Some(sessions) = app.secrets {
            let plural = if sessions == 1 { "" } else { "s" };
            text.push_str(&format!(" · keys for {} session{plural}", count(sessions)));
        }
        match app.mode {
            Mode::File => {}
            Mode::Replay { .. } if app.indexed => text.push_str(" · replay ended"),
            _ => text.push_str(if app.packets.following {
                " · following"
            } else {
                " · paused (space resumes)"
            }),
        }
        left.push(Span::raw(format!(" {text}")));
        if let Some(banner) = &app.banner {
            left.push(Span::styled(format!(" · {banner}"), theme::warning()));
        }
        if app.view == View::Packets
            && let Some(find) = app.find_summary()
        {
            left.push(Span::raw(format!(" · {find}")));
        }
        // The newest note; the others are counted, so the bar keeps room for the keys.
        if let Some(note) = app.notes.last() {
            let more = match app.notes.len() - 1 {
                0 => String::new(),
                more => format!(" (+{more} earlier)"),
            };
            left.push(Span::styled(format!(" · {note}{more}"), theme::warning()));
        }
    }
    let keys = " ? help  / filter  q quit ";
    let used: usize = left.iter().map(Span::width).sum();
    let room = usize::from(area.width).saturating_sub(used);
    if room >= keys.len() {
        left.push(Span::styled(format!("{keys:>room$}"), theme::dim()));
    }
    Line::from(left).style(Style::new().add_modifier(ratatui::style::Modifier::REVERSED)).render(area, buf);
}

/// The key table over the screen, from its row `top` on; where it does not fit, ↑ ↓ scroll
/// it and its last line says so.
fn help(area: Rect, buf: &mut Buffer, top: usize) {
    let rows: Vec<(String, String)> = keys::help_lines().collect();
    let width = area.width.min(96);
    let height = (rows.len() as u16 + 4).min(area.height);
    let popup =
        Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    Clear.render(popup, buf);
    let key_width = rows.iter().map(|(keys, _)| keys.chars().count()).max().unwrap_or(0);
    // Inside the border: the rows, a blank line and the closing line.
    let room = usize::from(height.saturating_sub(4));
    let top = top.min(rows.len().saturating_sub(room));
    let cut = rows.len() > room;
    let mut lines: Vec<Line<'_>> = rows
        .into_iter()
        .skip(top)
        .take(room)
        .map(|(keys, does)| {
            Line::from(vec![Span::styled(format!(" {keys:<key_width$}  "), theme::title()), Span::raw(does)])
        })
        .collect();
    lines.push(Line::raw(""));
    let closing =
        if cut { " ↑ ↓ scroll, any other key closes this help" } else { " any key closes this help" };
    lines.push(Line::styled(closing, theme::dim()));
    Paragraph::new(lines)
        .block(Block::new().borders(Borders::ALL).title(" rttscope keys ").title_alignment(Alignment::Center))
        .render(popup, buf);
}

/// A pane's title line: bold, with the focus mark.
fn pane_title(text: String, focused: bool) -> Line<'static> {
    let mark = if focused { "▶ " } else { "  " };
    Line::from(vec![Span::styled(format!("{mark}{text}"), theme::header())])
}

/// Draws lines from the top of `area`, cutting what does not fit.
fn render_lines(lines: Vec<Line<'_>>, area: Rect, buf: &mut Buffer) {
    for (line, y) in lines.into_iter().zip(area.y..area.y + area.height) {
        line.render(Rect { y, height: 1, ..area }, buf);
    }
}

/// `1234567` as `1,234,567`.
pub fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (at, digit) in digits.chars().enumerate() {
        if at > 0 && (digits.len() - at).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// `text` cut to `width` columns, with `…` when cut, padded to `width`.
fn fit(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return format!("{text:<width$}");
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_group_and_text_fits() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(1234567), "1,234,567");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("ab", 4), "ab  ");
    }

    #[test]
    fn help_shows_every_row_of_the_key_table_whole_on_the_smallest_screen() {
        let area = Rect::new(0, 0, layout::MIN_WIDTH, layout::MIN_HEIGHT);
        // Every screen help scrolls through, one under the other.
        let screen: Vec<String> = (0..keys::help_lines().count())
            .flat_map(|top| {
                let mut buf = Buffer::empty(area);
                help(area, &mut buf, top);
                (0..area.height)
                    .map(|y| (0..area.width).map(|x| buf[(x, y)].symbol().to_owned()).collect::<String>())
                    .collect::<Vec<_>>()
            })
            .collect();
        for binding in keys::BINDINGS {
            let (label, does) = (binding.label(), binding.help());
            let shown = screen.iter().any(|line| {
                line.find(&format!(" {label} ")).is_some_and(|at| {
                    // The text follows the keys and ends inside the box's border.
                    line[at..].trim_end().trim_end_matches('│').trim_end().ends_with(&does)
                })
            });
            assert!(shown, "help does not show {label:?}: {does:?}\n{}", screen.join("\n"));
        }
    }

    #[test]
    fn a_click_on_a_tab_label_finds_its_view() {
        assert_eq!(tab_at(0), Some(View::Packets));
        assert_eq!(tab_at(12), Some(View::Connections));
        let compare = tab_labels().take(3).map(|(_, label)| label.chars().count() as u16 + 1).sum::<u16>();
        assert_eq!(tab_at(compare), Some(View::Compare));
        assert_eq!(tab_at(200), None);
    }
}
