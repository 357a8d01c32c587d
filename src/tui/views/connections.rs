//! The Connections view: one row per conversation, with what it was and what it cost.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{fit, group_thousands, pane_title, render_lines};
use crate::render::label::{exchanges, wrap_list};
use crate::timeline::Connection;
use crate::timeline::rounds::Side;
use crate::tui::layout;
use crate::tui::state::ConnectionsState;
use crate::tui::theme;

/// The table, drawn from the view's own state; `indexed` tells an empty capture from one
/// still being read.
pub struct Connections<'a> {
    pub state: &'a ConnectionsState,
    pub indexed: bool,
}

/// A round count, or `-` when it cannot be counted.
pub(super) fn rounds(value: Option<u32>) -> String {
    value.map_or("-".to_owned(), |value| value.to_string())
}

/// Milliseconds with three decimals, or `-`.
pub(super) fn millis(value: Option<f64>) -> String {
    value.map_or("-".to_owned(), |value| format!("{value:.3}"))
}

/// What the connection said of itself: its SNI and ALPN; without an SNI, the name its server
/// was looked up as, marked as coming from DNS.
fn names(connection: &Connection) -> String {
    let looked_up =
        connection.lookup.as_ref().filter(|_| connection.sni.is_none()).map(|lookup| lookup.shown_name());
    let sni = connection.sni.as_ref().or(looked_up.as_ref());
    match (sni, &connection.alpn) {
        (Some(sni), Some(alpn)) => format!("{sni} {alpn}"),
        (Some(name), None) | (None, Some(name)) => name.clone(),
        (None, None) => String::new(),
    }
}

/// The table's columns: heading, width, right-aligned, and the cell of a connection.
struct Column {
    heading: &'static str,
    width: usize,
    right: bool,
    cell: fn(&Connection) -> String,
}

/// The columns that fit in `width`: endpoints and the transport only when there is room.
fn columns(width: u16) -> Vec<Column> {
    let wide = width >= 140;
    let mut columns = vec![Column { heading: "#", width: 3, right: true, cell: |c| c.id.to_string() }];
    if wide {
        columns.push(Column { heading: "via", width: 4, right: false, cell: |c| c.transport.to_string() });
    }
    columns.push(Column { heading: "variant", width: 14, right: false, cell: |c| c.variant.to_string() });
    columns.push(Column {
        heading: "TLS",
        width: 3,
        right: false,
        cell: |c| c.tls_version.unwrap_or("-").to_owned(),
    });
    columns.push(Column {
        heading: "SNI ALPN",
        width: if wide { 28 } else { 11 },
        right: false,
        cell: names,
    });
    if wide {
        columns.push(Column { heading: "client", width: 24, right: false, cell: |c| c.client.clone() });
    }
    columns.push(Column {
        heading: "server",
        width: if wide { 24 } else { 15 },
        right: false,
        cell: |c| c.server.clone(),
    });
    columns.extend([
        Column { heading: "req", width: 3, right: true, cell: |c| rounds(c.request_rtts) },
        Column { heading: "resp", width: 4, right: true, cell: |c| rounds(c.response_rtts) },
        Column {
            heading: "RTT ms",
            width: if wide { 9 } else { 6 },
            right: true,
            cell: |c| millis(c.rtt_ms),
        },
        Column { heading: "pkts", width: 5, right: true, cell: |c| group_thousands(c.packets) },
        Column {
            heading: "bytes",
            width: if wide { 11 } else { 7 },
            right: true,
            cell: |c| group_thousands(c.bytes),
        },
    ]);
    columns
}

fn row<'c>(cells: impl Iterator<Item = (&'c Column, String)>) -> String {
    cells
        .map(|(column, text)| {
            let width = column.width;
            if column.right && text.chars().count() <= width {
                format!("{text:>width$}")
            } else {
                fit(&text, width)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The selected connection's requests and responses, each label whole, in `area`: a title
/// line, then one line each (wrapped if a label is wider than the view), as many as fit; or
/// why its messages could not be read back (`unreadable`).
fn exchange(connection: &Connection, unreadable: Option<&str>, area: Rect, buf: &mut Buffer) {
    let mut lines =
        vec![pane_title(format!("Connection {}: its request and response", connection.id), false)];
    let room = usize::from(area.width).saturating_sub(EXCHANGE_LEAD).max(10);
    let mut shown: Vec<Line<'static>> = Vec::new();
    for event in &connection.events {
        let side = if event.dir == Side::Client { "request" } else { "response" };
        for label in exchanges(event) {
            let text = format!("{label} · frame {}", event.frame);
            for (at, part) in wrap_list(&text, room).into_iter().enumerate() {
                let lead = if at == 0 { side } else { "" };
                let style = if event.dir == Side::Client { theme::client() } else { theme::server() };
                shown.push(Line::from(vec![
                    Span::styled(format!("  {lead:<width$}", width = EXCHANGE_LEAD - 2), theme::dim()),
                    Span::styled(part, style),
                ]));
            }
        }
    }
    if connection.withheld {
        shown.push(Line::styled("  reading its messages…", theme::dim()));
    } else if let Some(why) = unreadable {
        shown.push(Line::styled(unreadable_line(why), theme::error()));
    } else if shown.is_empty() {
        shown.push(Line::styled(
            "  no HTTP request or response read: none sent, another protocol, or no keys",
            theme::dim(),
        ));
    }
    let room = usize::from(area.height.saturating_sub(1));
    if shown.len() > room {
        let more = shown.len() + 1 - room;
        shown.truncate(room.saturating_sub(1));
        shown.push(Line::styled(format!("  +{more} more lines: Enter opens the timeline"), theme::dim()));
    }
    lines.extend(shown);
    render_lines(lines, area, buf);
}

/// What a view says in place of a connection's messages that could not be read back from the
/// temporary file they were kept in.
pub fn unreadable_line(why: &str) -> String {
    format!("  its messages could not be read back: {why}")
}

/// Columns before a request's or response's label: "  response  ".
const EXCHANGE_LEAD: usize = 12;

impl Widget for Connections<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Self { state, indexed } = self;
        let (area, below) = layout::connections(area);
        if let Some(connection) = state.selected() {
            exchange(&connection, state.selected_unreadable().as_deref(), below, buf);
        }
        let columns = columns(area.width);
        let mut lines =
            vec![pane_title(format!("Connections · {} · Enter opens the timeline", state.all.len()), true)];
        let heads = row(columns.iter().map(|column| (column, column.heading.to_owned())));
        lines.push(Line::styled(heads, theme::header()));
        for (at, connection) in
            state.all.iter().enumerate().skip(state.list.top()).take(layout::rows(area, 1))
        {
            let line = row(columns.iter().map(|column| (column, (column.cell)(connection))));
            let style = if at == state.list.selected() { theme::selected() } else { Style::new() };
            lines.push(Line::styled(line, style));
        }
        if state.all.is_empty() {
            let text = if indexed {
                "  no TCP, QUIC, UDP or ping conversation in this capture"
            } else {
                "  reading…"
            };
            lines.push(Line::styled(text, theme::dim()));
        }
        render_lines(lines, area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::lookup::capture_tests::timelines;

    #[test]
    fn a_connection_without_sni_shows_the_name_it_was_looked_up_as() {
        let connections = timelines(true);
        assert_eq!(names(&connections[0]), "www.a.test (DNS)");
        assert_eq!(names(&connections[1]), "", "nobody looked up its address");
        let mut with_sni = connections[0].clone();
        with_sni.sni = Some("server.test".to_owned());
        assert_eq!(names(&with_sni), "server.test", "an SNI is what the connection said itself");
        with_sni.alpn = Some("h2".to_owned());
        with_sni.sni = None;
        assert_eq!(names(&with_sni), "www.a.test (DNS) h2");
    }
}
