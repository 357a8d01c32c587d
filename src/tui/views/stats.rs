//! The Statistics view: capture properties (capinfos), the protocol hierarchy (`-z io,phs`),
//! conversations and endpoints (Wireshark's windows of those names), an I/O graph and the
//! analysis notes, one page at a time, drawn from the figures the statistics worker counted.
//!
//! Every page reads whole at 80x24: tables drop their least needed columns first, then cut
//! their text columns with `…`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Sparkline, Widget};

use super::{fit, group_thousands, render_lines};
use crate::render::stats::size;
use crate::tui::state::{StatsPage, StatsState};
use crate::tui::statistics::{Counted, Properties};
use crate::tui::statistics_tables::{Cell, Kind, Table};
use crate::tui::theme;
use crate::tui::workbench::STATS_HEADER;

/// The view, drawn from its own state; `indexed` tells a capture still being read.
pub struct Stats<'a> {
    pub state: &'a StatsState,
    pub indexed: bool,
}

impl Widget for Stats<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let state = self.state;
        let mut lines = vec![page_tabs(state.page)];
        let Some(counted) = &state.counted else {
            lines.push(Line::styled("  counting the capture…", theme::dim()));
            render_lines(lines, area, buf);
            return;
        };
        let rows = usize::from(area.height.saturating_sub(1 + STATS_HEADER));
        let width = usize::from(area.width);
        match state.page {
            StatsPage::Properties => {
                lines.extend(properties(&counted.properties, self.indexed || !state.counting, width))
            }
            StatsPage::Hierarchy => lines.extend(hierarchy(counted, state, rows, width)),
            StatsPage::Conversations | StatsPage::Endpoints => {
                let tables = if state.page == StatsPage::Conversations {
                    &counted.conversations
                } else {
                    &counted.endpoints
                };
                if let Some(table) = tables.get(state.kind) {
                    lines.extend(table_lines(table, state, rows, width));
                }
            }
            StatsPage::Notes => lines.extend(notes(counted, state, rows, width)),
            StatsPage::Io => {
                render_lines(lines, area, buf);
                io(
                    counted,
                    state,
                    Rect { y: area.y + 1, height: area.height.saturating_sub(1), ..area },
                    buf,
                );
                return;
            }
        }
        render_lines(lines, area, buf);
    }
}

fn page_tabs(current: StatsPage) -> Line<'static> {
    let mut spans = Vec::new();
    for page in StatsPage::ALL {
        let style = if page == current { theme::active_tab() } else { theme::dim() };
        spans.push(Span::styled(format!(" {} ", page.title()), style));
        spans.push(Span::styled("│", theme::dim()));
    }
    spans.pop();
    spans.push(Span::styled("  ←→", theme::dim()));
    Line::from(spans)
}

/// Columns before a property's value: its label and the margins.
const LABEL_WIDTH: usize = 23;

fn properties(properties: &Properties, complete: bool, width: usize) -> Vec<Line<'static>> {
    let time =
        |ns: Option<i64>| ns.map_or("-".to_owned(), |ns| crate::dissect::field::Value::Date(ns).to_string());
    let duration = properties.duration();
    let rate = |amount: f64| if duration > 0.0 { amount / duration } else { 0.0 };
    let average =
        if properties.packets > 0 { properties.bytes as f64 / properties.packets as f64 } else { 0.0 };
    let mut rows: Vec<(&str, String)> = vec![
        ("Number of packets", group_thousands(properties.packets)),
        (
            "Data size",
            format!(
                "{} bytes on the wire, {} captured",
                group_thousands(properties.bytes),
                group_thousands(properties.captured_bytes)
            ),
        ),
        ("First packet time", time(properties.first_ns)),
        ("Last packet time", time(properties.last_ns)),
        ("Capture duration", format!("{duration:.6} seconds")),
        ("Data byte rate", format!("{:.2} bytes/s", rate(properties.bytes as f64))),
        ("Data bit rate", format!("{:.2} bits/s", rate(properties.bytes as f64 * 8.0))),
        ("Average packet size", format!("{average:.2} bytes")),
        ("Average packet rate", format!("{:.2} packets/s", rate(properties.packets as f64))),
        ("Link types", properties.link_types.iter().cloned().collect::<Vec<_>>().join(", ")),
        (
            "Interfaces",
            if properties.interfaces.is_empty() { "-".to_owned() } else { properties.interfaces.join(", ") },
        ),
        (
            "Secrets held",
            format!(
                "key log: {} TLS session{}; the capture embeds {} secrets block{}",
                properties.keylog_sessions,
                if properties.keylog_sessions == 1 { "" } else { "s" },
                properties.embedded_secrets,
                if properties.embedded_secrets == 1 { "" } else { "s" }
            ),
        ),
        (
            "Frames with errors",
            format!("{} (a malformed or undecoded layer)", group_thousands(properties.frames_with_problems)),
        ),
    ];
    if let Some(reason) = &properties.cut_short {
        rows.push(("Cut short", reason.clone()));
    }
    let mut lines = vec![Line::styled(
        if complete { "  as capinfos gives them" } else { "  so far: the capture is still being read" },
        theme::dim(),
    )];
    // A value too long for the line goes on under its label.
    let room = width.saturating_sub(LABEL_WIDTH).max(20);
    for (label, value) in rows {
        for (at, part) in crate::render::label::wrap_list(&value, room).into_iter().enumerate() {
            let label = if at == 0 { label } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!("  {label:<w$} ", w = LABEL_WIDTH - 3), theme::header()),
                Span::raw(part),
            ]));
        }
    }
    lines
}

/// A row's style: selected or not.
fn style(at: usize, state: &StatsState) -> Style {
    if at == state.list.selected() { theme::selected() } else { Style::new() }
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 { "-".to_owned() } else { format!("{:.1}", part as f64 * 100.0 / whole as f64) }
}

fn hierarchy(counted: &Counted, state: &StatsState, rows: usize, width: usize) -> Vec<Line<'static>> {
    let (packets, bytes) = (counted.properties.packets, counted.properties.bytes);
    let name_width = width.saturating_sub(46).clamp(12, 40);
    let mut lines = vec![
        Line::styled("  as tshark -z io,phs counts them · Enter filters on the protocol", theme::dim()),
        Line::styled(
            format!(
                "{:<name_width$} {:>7} {:>9} {:>7} {:>12}",
                "Protocol", "% pkts", "packets", "% bytes", "bytes"
            ),
            theme::header(),
        ),
    ];
    for (at, (depth, name, frames, octets)) in
        counted.hierarchy.iter().enumerate().skip(state.list.top()).take(rows)
    {
        let label = fit(&format!("{}{name}", "  ".repeat((*depth).min(10))), name_width);
        let text = format!(
            "{label} {:>7} {:>9} {:>7} {:>12}",
            percent(*frames, packets),
            group_thousands(*frames),
            percent(*octets, bytes),
            group_thousands(*octets)
        );
        lines.push(Line::styled(text, style(at, state)));
    }
    lines
}

/// The text of a cell; bytes columns in Wireshark's sizes.
fn cell_text(cell: &Cell, heading: &str) -> String {
    match cell {
        Cell::Text(text) => text.clone(),
        Cell::Count(count) if heading == "Bytes" => size(*count),
        Cell::Count(count) => group_thousands(*count),
        Cell::Seconds(seconds) => format!("{seconds:.4}"),
    }
}

fn table_lines(table: &Table, state: &StatsState, rows: usize, width: usize) -> Vec<Line<'static>> {
    let mut kinds = vec![Span::raw(" ")];
    for kind in Kind::ALL {
        let style = if kind == table.kind { theme::active_tab() } else { theme::dim() };
        kinds.push(Span::styled(format!(" {} ", kind.title()), style));
    }
    let (sorted, ascending) = state.sort();
    kinds.push(Span::styled(
        format!("  c kind · s/S sort: {sorted} {} · Enter filters", if ascending { "↑" } else { "↓" }),
        theme::dim(),
    ));
    // Each column as wide as its widest cell (text at most 44), then the last columns dropped
    // and the text columns cut until the table fits.
    let texts: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|row| {
            row.cells.iter().zip(table.columns).map(|(cell, heading)| cell_text(cell, heading)).collect()
        })
        .collect();
    let mut widths: Vec<usize> = table.columns.iter().map(|heading| heading.chars().count()).collect();
    for row in &texts {
        for (at, text) in row.iter().enumerate() {
            widths[at] = widths[at].max(text.chars().count().min(44));
        }
    }
    let text_columns = if table.columns.len() > 5 { 2 } else { 1 };
    let mut shown = widths.len();
    let total = |shown: usize, widths: &[usize]| widths[..shown].iter().sum::<usize>() + shown;
    while shown > text_columns + 2 && total(shown, &widths) > width {
        shown -= 1;
    }
    while total(shown, &widths) > width && widths[..text_columns].iter().any(|width| *width > 12) {
        for width in &mut widths[..text_columns] {
            *width = (*width).saturating_sub(1).max(12);
        }
    }
    let line = |cells: &[String]| -> String {
        cells
            .iter()
            .take(shown)
            .enumerate()
            .map(|(at, text)| {
                if at < text_columns { fit(text, widths[at]) } else { format!("{text:>w$}", w = widths[at]) }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let headings: Vec<String> = table.columns.iter().map(|heading| (*heading).to_owned()).collect();
    let mut lines = vec![Line::from(kinds), Line::styled(line(&headings), theme::header())];
    for (at, row) in texts.iter().enumerate().skip(state.list.top()).take(rows) {
        lines.push(Line::styled(line(row), style(at, state)));
    }
    if texts.is_empty() {
        lines
            .push(Line::styled(format!("  no {} traffic in this capture", table.kind.title()), theme::dim()));
    }
    lines
}

fn notes(counted: &Counted, state: &StatsState, rows: usize, width: usize) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::styled("  Enter goes to the group's first packet, n to its next", theme::dim()),
        Line::styled(
            format!("{:<8} {:>7} {:>7}  {}", "Severity", "Count", "First", "Summary"),
            theme::header(),
        ),
    ];
    let room = width.saturating_sub(26).max(10);
    for (at, group) in counted.notes.iter().enumerate().skip(state.list.top()).take(rows) {
        let first = group.frames.first().copied().unwrap_or(0);
        let text = format!(
            "{:<8} {:>7} {:>7}  {}",
            group.severity,
            group_thousands(group.frames.len() as u64),
            first,
            fit(&group.summary, room)
        );
        let style = if at == state.list.selected() {
            theme::selected()
        } else if group.severity == "Error" {
            theme::error()
        } else if group.severity == "Warning" {
            theme::warning()
        } else {
            Style::new()
        };
        lines.push(Line::styled(text, style));
    }
    if counted.notes.is_empty() {
        lines.push(Line::styled(
            "  no analysis notes: no retransmission, zero window or malformed layer",
            theme::dim(),
        ));
    }
    lines
}

/// An interval in the shortest unit that reads whole.
fn interval(ns: i64) -> String {
    match ns {
        ns if ns >= 1_000_000_000 && ns % 1_000_000_000 == 0 => format!("{} s", ns / 1_000_000_000),
        ns if ns >= 1_000_000 => format!("{} ms", ns / 1_000_000),
        ns => format!("{} µs", ns / 1_000),
    }
}

fn io(counted: &Counted, state: &StatsState, area: Rect, buf: &mut Buffer) {
    let factor = state.io_factor.max(1);
    let joined = counted.io.joined(factor);
    let width = usize::from(area.width.saturating_sub(2));
    let shown = joined.len().min(width);
    let step = counted.io.bucket_ns.saturating_mul(factor as i64);
    let packets: Vec<u64> = joined.iter().take(shown).map(|bucket| bucket.0).collect();
    let bytes: Vec<u64> = joined.iter().take(shown).map(|bucket| bucket.1).collect();
    let most = |values: &[u64]| values.iter().copied().max().unwrap_or(0);
    let cut = if joined.len() > shown {
        format!(" · first {shown} of {} intervals", joined.len())
    } else {
        String::new()
    };
    let head = format!("  interval {} (+ longer, - shorter){cut}", interval(step));
    render_lines(vec![Line::styled(head, theme::dim())], area, buf);
    let half = area.height.saturating_sub(3) / 2;
    let label = |y: u16, text: String, buf: &mut Buffer| {
        render_lines(vec![Line::styled(text, theme::header())], Rect { y, height: 1, ..area }, buf)
    };
    label(area.y + 1, format!("  packets per interval · most {}", group_thousands(most(&packets))), buf);
    let chart = |y: u16| Rect { x: area.x + 1, y, width: area.width.saturating_sub(2), height: half };
    Sparkline::default().data(&packets).style(theme::client()).render(chart(area.y + 2), buf);
    let below = area.y + 2 + half;
    label(below, format!("  bytes per interval · most {}", size(most(&bytes))), buf);
    Sparkline::default().data(&bytes).style(theme::server()).render(chart(below + 1), buf);
}
