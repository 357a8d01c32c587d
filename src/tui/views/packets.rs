//! The Packets view: the list, the selected packet's OSI layers as a tree (L7 at the top), and
//! its bytes with the selected node's bytes highlighted.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{fit, pane_title, render_lines};
use crate::dissect::field::Source;
use crate::tui::app::Focus;
use crate::tui::bench::{time_heading, time_text, time_width};
use crate::tui::detail::NodeKind;
use crate::tui::layout;
use crate::tui::state::{BenchState, Shown};
use crate::tui::theme;

/// The list, tree and bytes, drawn from the view's own state and the filter's matches;
/// `indexed` tells an empty capture from one still being read.
pub struct Packets<'a> {
    pub shown: Shown<'a>,
    pub indexed: bool,
    /// Marks, time references and the Time column's format (issue 19).
    pub bench: &'a BenchState,
}

impl Widget for Packets<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let panes = layout::packets(area, self.shown.state.maximised());
        list(self.shown, self.indexed, self.bench, panes.list, buf);
        tree(self.shown, panes.tree, buf);
        hex(self.shown, panes.hex, buf);
    }
}

/// What a maximised pane's title adds.
const RESTORE: &str = " · \\ restores the other panes";

/// Column widths of the list; the info column takes the rest.
struct Columns {
    address: usize,
    time: usize,
}

impl Columns {
    /// Widths for `width` columns and a time column `time` wide.
    fn new(width: u16, time: usize) -> Self {
        Self { address: if width >= 120 { 24 } else { 15 }, time: time.max(9) }
    }

    /// Number, time and addresses: what comes before the protocol.
    fn before(&self, number: &str, time: &str, source: &str, destination: &str) -> String {
        let (address, width) = (self.address, self.time);
        format!("{number:>6} {time:>width$} {} {} ", fit(source, address), fit(destination, address))
    }
}

/// Seconds with six decimals, cut rather than rounded, as `rttscope dissect` and tshark write
/// the time column.
pub(crate) fn seconds(nanos: i64) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let magnitude = nanos.unsigned_abs();
    format!("{sign}{}.{:06}", magnitude / 1_000_000_000, magnitude % 1_000_000_000 / 1000)
}

fn list(shown: Shown<'_>, indexed: bool, bench: &BenchState, area: Rect, buf: &mut Buffer) {
    let state = shown.state;
    let focused = state.focus == Focus::List;
    let count = shown.len();
    let mut title = match shown.filter {
        Some(applied) => format!("Packets · {count} match {}", applied.text),
        None => "Packets".to_owned(),
    };
    if state.maximised {
        title.push_str(RESTORE);
    }
    let mut lines = vec![pane_title(title, focused)];
    let last_ns = state
        .rows
        .len()
        .checked_sub(1)
        .and_then(|last| state.rows.get(last))
        .map_or(0, |row| row.relative_ns);
    let columns = Columns::new(area.width, time_width(bench.time, seconds(last_ns).len()));
    lines.push(Line::styled(
        format!(
            "{}{:<8} {:>6} Info",
            columns.before("No.", time_heading(bench.time), "Source", "Destination"),
            "Protocol",
            "Length"
        ),
        theme::header(),
    ));
    let rows = layout::rows(area, 1);
    for position in state.list.top()..(state.list.top() + rows).min(count) {
        let Some(row) = shown.frame(position).and_then(|frame| state.rows.get(frame as usize - 1)) else {
            continue;
        };
        let time = time_text(bench, shown, position, row);
        let mut before = columns.before(&row.number.to_string(), &time, row.source, row.destination);
        let marked = bench.marks.contains(&row.number);
        if marked && before.starts_with(' ') {
            // The mark takes the number column's first cell, as long as the number leaves it.
            before.replace_range(..1, "●");
        }
        let style = match (position == state.list.selected(), focused) {
            (true, true) => theme::selected(),
            (true, false) => theme::selected_elsewhere(),
            _ if marked => theme::marked(),
            _ => Style::new(),
        };
        lines.push(
            Line::from(vec![
                Span::raw(before),
                Span::styled(format!("{:<8}", row.protocol), Style::new().fg(theme::layer(row.osi))),
                Span::raw(format!(" {:>6} ", row.orig_len)),
                Span::raw(row.info.to_owned()),
            ])
            .style(style),
        );
    }
    if shown.is_empty() {
        let empty = match (shown.filter, indexed) {
            (Some(applied), _) if applied.done => "no packet matches the filter",
            (Some(_), _) => "filtering…",
            (None, true) => "the capture holds no packets",
            (None, false) => "reading…",
        };
        lines.push(Line::styled(format!("  {empty}"), theme::dim()));
    }
    render_lines(lines, area, buf);
}

fn tree(shown: Shown<'_>, area: Rect, buf: &mut Buffer) {
    let state = shown.state;
    let focused = state.focus == Focus::Tree;
    let Some(detail) = shown.detail() else {
        let waiting = if shown.selected_frame().is_some() { "  taking the packet apart…" } else { "" };
        render_lines(
            vec![pane_title("Layers".into(), focused), Line::styled(waiting, theme::dim())],
            area,
            buf,
        );
        return;
    };
    let restore = if state.maximised { RESTORE } else { "" };
    let mut lines =
        vec![pane_title(format!("Layers of frame {} · L7 at the top{restore}", detail.number), focused)];
    let nodes = shown.tree();
    for (at, node) in nodes.iter().enumerate().skip(state.tree.top()).take(layout::rows(area, 0)) {
        let colour = theme::layer(node.osi);
        let (text, style) = match node.kind {
            NodeKind::Osi => {
                let mark = if state.folded.contains(&node.osi) { "▸" } else { "▾" };
                (
                    format!("{mark} {}", node.text),
                    Style::new().fg(colour).add_modifier(ratatui::style::Modifier::BOLD),
                )
            }
            NodeKind::Layer => (format!("  {}", node.text), Style::new().fg(colour)),
            NodeKind::Field => (format!("    {}", node.text), Style::new()),
        };
        let style = match (at == state.tree.selected(), focused) {
            (true, true) => style.patch(theme::selected()),
            (true, false) => style.patch(theme::selected_elsewhere()),
            _ => style,
        };
        lines.push(Line::styled(text, style));
    }
    for problem in detail.problems.iter().take(2) {
        lines.push(Line::styled(format!("  ⚠ {problem}"), theme::warning()));
    }
    render_lines(lines, area, buf);
}

fn hex(shown: Shown<'_>, area: Rect, buf: &mut Buffer) {
    let Some(detail) = shown.detail() else {
        render_lines(vec![pane_title("Bytes".into(), false)], area, buf);
        return;
    };
    let selected = shown.selected_node();
    let (source, range, osi) =
        match selected.and_then(|node| node.bytes.clone().map(|bytes| (bytes, node.osi))) {
            Some(((source, range), osi)) => (source, Some(range), osi),
            None => (Source::Frame, None, crate::osi::OsiLayer::Physical),
        };
    let buffer = detail.buffer(source);
    let range = range.filter(|_| buffer.source == source);
    let mut title = format!("Bytes · {} ({} bytes)", buffer.title(), buffer.bytes.len());
    if let Some(range) = &range {
        title.push_str(&format!(" · selected {}..{}", range.start, range.end));
    }
    let mut lines = vec![pane_title(title, false)];
    let per_line = layout::bytes_per_line(area.width);
    let rows = layout::rows(area, 0);
    let total_lines = buffer.bytes.len().div_ceil(per_line);
    // Keep the highlighted bytes on screen, a line of context above them.
    let first_line = range.as_ref().map_or(0, |range| range.start / per_line);
    let top = if first_line < rows { 0 } else { first_line.saturating_sub(1) };
    let top = top.min(total_lines.saturating_sub(rows));
    let lit = Style::new().patch(theme::highlight(osi));
    for line in top..(top + rows).min(total_lines) {
        let start = line * per_line;
        let chunk = &buffer.bytes[start..(start + per_line).min(buffer.bytes.len())];
        let inside = |at: usize| range.as_ref().is_some_and(|range| range.contains(&(start + at)));
        let mut spans = vec![Span::styled(format!("{start:04x}  "), theme::dim())];
        for (at, byte) in chunk.iter().enumerate() {
            let style = if inside(at) { lit } else { Style::new() };
            spans.push(Span::styled(format!("{byte:02x}"), style));
            // The space between two highlighted bytes is highlighted too.
            let gap = if inside(at) && inside(at + 1) && at + 1 < chunk.len() { lit } else { Style::new() };
            spans.push(Span::styled(" ", gap));
        }
        spans.push(Span::raw(" ".repeat((per_line - chunk.len()) * 3 + 1)));
        for (at, byte) in chunk.iter().enumerate() {
            let character = if byte.is_ascii_graphic() || *byte == b' ' { *byte as char } else { '·' };
            spans.push(Span::styled(character.to_string(), if inside(at) { lit } else { theme::dim() }));
        }
        lines.push(Line::from(spans));
    }
    render_lines(lines, area, buf);
}

#[cfg(test)]
mod tests {
    use super::seconds;

    #[test]
    fn times_are_cut_to_microseconds_as_dissect_writes_them() {
        assert_eq!(seconds(1_320_790), "0.001320");
        assert_eq!(seconds(12_000_000_999), "12.000000");
        assert_eq!(seconds(-1_500), "-0.000001");
    }
}
