//! Timelines as pictures: a Mermaid `sequenceDiagram`, and a standalone SVG good enough to put
//! on a slide (client on the left, server on the right, one arrow per message, rounds banded
//! on the left, times on the right, the verdict as the caption).

use std::fmt::Write as _;
use std::io;

use super::ladder;
use super::timeline::{Scale, verdict};
use crate::timeline::Connection;
use crate::timeline::rounds::Side;

/// Writes one `sequenceDiagram` per connection, each opened by a comment naming it.
pub fn write_mermaid(out: &mut dyn io::Write, connections: &[Connection]) -> io::Result<()> {
    for (index, connection) in connections.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        writeln!(out, "%% connection {}: {}", connection.id, verdict(connection))?;
        writeln!(out, "sequenceDiagram")?;
        writeln!(out, "    participant C as Client {}", mermaid_text(&connection.client))?;
        writeln!(out, "    participant S as Server {}", mermaid_text(&connection.server))?;
        let mut round = None;
        for event in &connection.events {
            if event.dir == Side::Client && round != Some(event.round) && !connection.joined_mid_stream {
                writeln!(out, "    Note over C,S: round {}", event.round)?;
                round = Some(event.round);
            }
            let arrow = match event.dir {
                Side::Client => "C->>S",
                Side::Server => "S->>C",
            };
            writeln!(out, "    {arrow}: {} (L{})", mermaid_text(&event.label()), event.osi.number())?;
        }
    }
    Ok(())
}

/// Mermaid reads `;` and `#` as syntax; they are written as entities.
fn mermaid_text(text: &str) -> String {
    text.replace('#', "#35;").replace(';', "#59;")
}

const WIDTH: usize = 960;
const CLIENT_X: usize = 210;
const SERVER_X: usize = 790;
const ROW: usize = 34;
const TOP: usize = 110;

/// Height of a row of a to-scale diagram, in pixels.
const SCALE_ROW: usize = 22;

/// Writes a standalone SVG of the connections' diagrams, one below the other.
pub fn write_svg(out: &mut dyn io::Write, connections: &[Connection], scale: Scale) -> io::Result<()> {
    let layouts: Vec<Option<ladder::Layout>> = connections
        .iter()
        .map(|connection| (scale == Scale::ToScale).then(|| ladder::layout(connection)))
        .collect();
    let height: usize = TOP
        + connections
            .iter()
            .zip(&layouts)
            .map(|(connection, layout)| match layout {
                Some(layout) => (layout.rows + 2) * SCALE_ROW + 4 * ROW,
                None => (connection.events.len() + 4) * ROW,
            })
            .sum::<usize>();
    let mut svg = String::new();
    // Writing into a String cannot fail.
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif" font-size="14">
<defs><marker id="head" markerWidth="10" markerHeight="8" refX="9" refY="4" orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="#333"/></marker></defs>
<rect width="100%" height="100%" fill="white"/>
"##
    );
    let mut y = 40;
    for (connection, layout) in connections.iter().zip(&layouts) {
        y = match layout {
            Some(layout) => svg_ladder(&mut svg, connection, layout, y),
            None => svg_connection(&mut svg, connection, y),
        };
    }
    svg.push_str("</svg>\n");
    out.write_all(svg.as_bytes())
}

/// Draws one connection from `top`; returns where the next one may start.
fn svg_connection(svg: &mut String, connection: &Connection, top: usize) -> usize {
    let title = format!(
        "Connection {}: {} → {} ({})",
        connection.id, connection.client, connection.server, connection.variant
    );
    let _ =
        writeln!(svg, r#"<text x="20" y="{top}" font-size="18" font-weight="bold">{}</text>"#, xml(&title));
    let heads = top + 34;
    let _ = writeln!(
        svg,
        r#"<text x="{CLIENT_X}" y="{heads}" text-anchor="middle" font-weight="bold">client</text>"#
    );
    let _ = writeln!(
        svg,
        r#"<text x="{SERVER_X}" y="{heads}" text-anchor="middle" font-weight="bold">server</text>"#
    );
    let first = heads + 16;
    let last = first + connection.events.len() * ROW + 8;
    // Alternate a light band per round, labelled on the left.
    let mut band_start = first;
    for (index, event) in connection.events.iter().enumerate() {
        let row_top = first + index * ROW;
        let next_round = connection.events.get(index + 1).map(|next| next.round);
        if next_round != Some(event.round) {
            let fill = if event.round % 2 == 0 { "#eef3fb" } else { "#fbf6ea" };
            let band_end = row_top + ROW;
            let _ = writeln!(
                svg,
                r##"<rect x="90" y="{band_start}" width="{}" height="{}" fill="{fill}"/><text x="20" y="{}" fill="#555">round {}</text>"##,
                WIDTH - 180,
                band_end - band_start,
                band_start + 20,
                if connection.joined_mid_stream { "?".to_owned() } else { event.round.to_string() }
            );
            band_start = band_end;
        }
    }
    for x in [CLIENT_X, SERVER_X] {
        let _ = writeln!(
            svg,
            r##"<line x1="{x}" y1="{first}" x2="{x}" y2="{last}" stroke="#999" stroke-width="2"/>"##
        );
    }
    for (index, event) in connection.events.iter().enumerate() {
        let y = first + index * ROW + 24;
        let (from, to) = match event.dir {
            Side::Client => (CLIENT_X, SERVER_X - 4),
            Side::Server => (SERVER_X, CLIENT_X + 4),
        };
        let _ = writeln!(
            svg,
            r##"<line x1="{from}" y1="{y}" x2="{to}" y2="{y}" stroke="#333" stroke-width="1.5" marker-end="url(#head)"/>"##
        );
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            (CLIENT_X + SERVER_X) / 2,
            y - 6,
            xml(&event.label())
        );
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" fill="#555" font-size="12">L{} · {:.3} ms</text>"##,
            SERVER_X + 14,
            y + 4,
            event.osi.number(),
            event.t_ms
        );
    }
    let caption = last + 26;
    let _ = writeln!(
        svg,
        r#"<text x="20" y="{caption}" font-style="italic">{}</text>"#,
        xml(&verdict(connection))
    );
    caption + 2 * ROW
}

/// Draws one connection to scale from `top`: time flows down, each arrow from its send time at
/// the sender to its arrival time at the receiver, each round ruled across where the client
/// enters it. Returns where the next one may start.
fn svg_ladder(svg: &mut String, connection: &Connection, layout: &ladder::Layout, top: usize) -> usize {
    let title = format!(
        "Connection {}: {} → {} ({}, {})",
        connection.id,
        connection.client,
        connection.server,
        connection.variant,
        connection.vantage.words()
    );
    let _ =
        writeln!(svg, r#"<text x="20" y="{top}" font-size="18" font-weight="bold">{}</text>"#, xml(&title));
    let heads = top + 34;
    for (x, name) in [(CLIENT_X, "client"), (SERVER_X, "server")] {
        let _ = writeln!(
            svg,
            r#"<text x="{x}" y="{heads}" text-anchor="middle" font-weight="bold">{name}</text>"#
        );
    }
    let first = heads + 20;
    let y_of = |row: f64| first as f64 + row * SCALE_ROW as f64;
    let last = y_of(layout.rows as f64);
    for &(row, round) in &layout.rounds {
        let y = y_of(row as f64);
        let _ = writeln!(
            svg,
            r##"<line x1="90" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#b9c6dc" stroke-dasharray="6 4"/><text x="20" y="{:.1}" fill="#555">round {round}</text>"##,
            WIDTH - 90,
            y + 5.0
        );
    }
    for &(row, ms) in &layout.breaks {
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{:.1}" text-anchor="middle" fill="#888" font-style="italic">⋮ {} later</text>"##,
            (CLIENT_X + SERVER_X) / 2,
            y_of(row as f64) + 5.0,
            super::ladder::duration_words(ms)
        );
    }
    for x in [CLIENT_X, SERVER_X] {
        let _ = writeln!(
            svg,
            r##"<line x1="{x}" y1="{first}" x2="{x}" y2="{last:.1}" stroke="#999" stroke-width="2"/>"##
        );
    }
    let decimals = if layout.ms_per_row >= 1.0 { 1 } else { 3 };
    for placed in &layout.messages {
        let event = &connection.events[placed.event];
        let (from, to) = match placed.side {
            Side::Client => (CLIENT_X as f64, SERVER_X as f64 - 4.0),
            Side::Server => (SERVER_X as f64, CLIENT_X as f64 + 4.0),
        };
        let y1 = y_of(placed.sent_row);
        let (x2, y2, lost) = match placed.arrived_row {
            Some(row) => (to, y_of(row), false),
            None => ((from + to) / 2.0, y1 + 2.0 * SCALE_ROW as f64, true),
        };
        let marker = if lost { "" } else { r#" marker-end="url(#head)""# };
        let _ = writeln!(
            svg,
            r##"<line x1="{from:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="#333" stroke-width="1.5"{marker}/>"##
        );
        if lost {
            let _ = writeln!(
                svg,
                r##"<text x="{x2:.1}" y="{:.1}" text-anchor="middle" fill="#c0392b" font-weight="bold">✗ lost</text>"##,
                y2 + 5.0
            );
        }
        let (anchor, x) = match placed.side {
            Side::Client => ("start", CLIENT_X + 8),
            Side::Server => ("end", SERVER_X - 8),
        };
        let _ = writeln!(
            svg,
            r#"<text x="{x}" y="{:.1}" text-anchor="{anchor}" font-size="13">{}</text>"#,
            y1 - 4.0,
            xml(&event.label())
        );
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{:.1}" fill="#555" font-size="12">{:.decimals$} ms</text>"##,
            SERVER_X + 14,
            y1 + 4.0,
            placed.sent_ms
        );
    }
    let caption = last as usize + 26;
    let _ = writeln!(
        svg,
        r#"<text x="20" y="{caption}" font-style="italic">{}</text>"#,
        xml(&format!("{} · one row = {} ms", verdict(connection), layout.ms_per_row))
    );
    caption + 2 * ROW
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
