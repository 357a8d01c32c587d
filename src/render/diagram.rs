//! Timelines as pictures: a Mermaid `sequenceDiagram`, and a standalone SVG good enough to put
//! on a slide (client on the left, server on the right, one arrow per message, rounds banded
//! on the left, times on the right, the verdict as the caption).

use std::fmt::Write as _;
use std::io;

use super::timeline::verdict;
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
            writeln!(out, "    {arrow}: {} (L{})", mermaid_text(&event.label), event.osi)?;
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

/// Writes a standalone SVG of the connections' diagrams, one below the other.
pub fn write_svg(out: &mut dyn io::Write, connections: &[Connection]) -> io::Result<()> {
    let rows: usize = connections.iter().map(|connection| connection.events.len() + 4).sum();
    let height = TOP + rows * ROW;
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
    for connection in connections {
        y = svg_connection(&mut svg, connection, y);
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
            xml(&event.label)
        );
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" fill="#555" font-size="12">L{} · {:.3} ms</text>"##,
            SERVER_X + 14,
            y + 4,
            event.osi,
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

fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
