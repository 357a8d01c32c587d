//! Timelines as text (a sequence diagram per connection, a verdict, a closing table) and as
//! JSON (DESIGN section 5's schema).

use std::fmt::Write as _;
use std::io;

use super::ladder;
use crate::timeline::rounds::Side;
use crate::timeline::{Connection, EarlyData, Tfo, Variant};

/// The narrowest and widest the arrows between the client and server columns may be.
const MIN_ARROW: usize = 58;
const MAX_ARROW: usize = 110;

/// What a variant is, in words.
pub fn variant_words(variant: Variant) -> &'static str {
    variant.words()
}

/// The one-line verdict of a connection.
pub fn verdict(connection: &Connection) -> String {
    let mut line = verdict_alone(connection);
    if let Some(lookup) = &connection.lookup {
        let _ = write!(line, "; looking up {} took {:.3} ms", lookup.name, lookup.time_ms);
        if let Some(total) = lookup.to_response_ms {
            let _ = write!(line, ", and the response came {total:.3} ms after the lookup began");
        }
    }
    let omitted = connection.omitted;
    if !omitted.is_none() {
        let _ = write!(
            line,
            "; only its first {} events are kept, the {} after them counted ({} from the client, {} from the server)",
            connection.events.len(),
            omitted.events,
            omitted.events - omitted.from_server,
            omitted.from_server,
        );
    }
    line
}

/// The verdict, without what was left out.
fn verdict_alone(connection: &Connection) -> String {
    let mut line = variant_words(connection.variant).to_owned();
    if let Some(proxy) = connection.proxy {
        line.push(' ');
        line.push_str(proxy.words());
    }
    if connection.hello_retry {
        line.push_str(" (with a HelloRetryRequest)");
    }
    if connection.retry {
        line.push_str(" (after a Retry)");
    }
    if connection.version_negotiation {
        line.push_str(" (after Version Negotiation)");
    }
    if connection.joined_mid_stream {
        line.push_str(": joined mid-stream, so its round trips cannot be counted");
        return line;
    }
    if connection.proxy_refused {
        line.push_str(": the proxy refused the tunnel, so nothing reached the server");
        return line;
    }
    let trips = |n: u32| if n == 1 { "1 round trip".to_owned() } else { format!("{n} round trips") };
    match connection.variant {
        Variant::Udp => {
            let datagrams = connection.events.len() as u64 + connection.omitted.events;
            let _ = write!(line, ": {datagrams} datagrams, no handshake to wait for");
            return line;
        }
        Variant::Icmp => {
            let kept = connection.events.iter().filter(|event| event.dir == Side::Server).count();
            let replies = kept as u64 + connection.omitted.from_server;
            let requests = connection.events.len() as u64 + connection.omitted.events - replies;
            let _ = write!(line, ": {requests} requests, {replies} replies, each one round trip");
            if let Some(rtt) = connection.rtt_ms {
                let _ = write!(line, "; RTT {rtt:.3} ms");
            }
            return line;
        }
        _ => {}
    }
    match (connection.request_rtts, connection.response_rtts) {
        (Some(request), Some(response)) => {
            let _ = write!(line, ": request after {}, response after {}", trips(request), trips(response));
        }
        (Some(request), None) => {
            let _ = write!(line, ": request after {}, no response seen", trips(request));
        }
        _ => line.push_str(": no application data seen"),
    }
    if let Some(rtt) = connection.rtt_ms {
        let _ = write!(line, "; RTT {rtt:.3} ms");
    }
    line
}

/// How a diagram spends its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// One row per message, in order.
    Compact,
    /// Time flows down to scale, each arrow sloping from its send time to its arrival time.
    ToScale,
}

/// Width of a to-scale text diagram, between the client's line and the server's.
const LADDER_WIDTH: usize = 84;

/// Writes each connection's diagram and verdict, then the table of all of them.
pub fn write_text(out: &mut dyn io::Write, connections: &[Connection], scale: Scale) -> io::Result<()> {
    for connection in connections {
        let mut facts = vec![match connection.proxy {
            Some(_) => format!("{} via proxy", connection.variant),
            None => connection.variant.to_string(),
        }];
        if let Some(version) = connection.tls_version {
            facts.push(format!("TLS {version}"));
        }
        if let Some(alpn) = &connection.alpn {
            facts.push(format!("ALPN {alpn}"));
        }
        match (&connection.sni, &connection.lookup) {
            (Some(sni), _) => facts.push(format!("SNI {sni}")),
            (None, Some(lookup)) => facts.push(format!("name {}", lookup.shown_name())),
            (None, None) => {}
        }
        if connection.resumed {
            facts.push("resumed".to_owned());
        }
        if connection.tfo != Tfo::None {
            facts.push(format!("TFO {}", connection.tfo));
        }
        if connection.early_data != EarlyData::None {
            facts.push(format!("early data {}", connection.early_data));
        }
        facts.push(connection.vantage.words().to_owned());
        writeln!(
            out,
            "Connection {}: {} → {}   {}",
            connection.id,
            connection.client,
            connection.server,
            facts.join(" · ")
        )?;
        if scale == Scale::ToScale {
            write_ladder(out, connection)?;
            writeln!(out, " {}", verdict(connection))?;
            writeln!(out)?;
            continue;
        }
        let longest = connection.events.iter().map(|event| event.label().chars().count()).max().unwrap_or(0);
        let arrow_width = (longest + 6).clamp(MIN_ARROW, MAX_ARROW);
        let heading = format!("client{:>pad$}", "server", pad = arrow_width - 4);
        writeln!(out, " round  {heading:<width$}   OSI  time (ms)  frame", width = arrow_width)?;
        for event in &connection.events {
            let round =
                if connection.joined_mid_stream { "  ?".to_owned() } else { format!("{:>3}", event.round) };
            let mut label: String = event.label().chars().take(arrow_width - 6).collect();
            if label.chars().count() < event.label().chars().count() {
                label.push('…');
            }
            let arrow = match event.dir {
                Side::Client => {
                    let dashes = arrow_width.saturating_sub(label.chars().count() + 4);
                    format!("──{label} {}▶", "─".repeat(dashes))
                }
                Side::Server => {
                    let dashes = arrow_width.saturating_sub(label.chars().count() + 4);
                    format!("◀{} {label}──", "─".repeat(dashes))
                }
            };
            writeln!(
                out,
                " {round}   {arrow}   L{}  {:>10.3}  {}",
                event.osi.number(),
                event.t_ms,
                event.frame
            )?;
        }
        writeln!(out, " {}", verdict(connection))?;
        writeln!(out)?;
    }
    if connections.len() > 1 {
        write_table(out, connections, false)?;
    }
    Ok(())
}

/// The to-scale diagram of one connection: times on the left, then the round the client
/// enters, then the ladder.
fn write_ladder(out: &mut dyn io::Write, connection: &Connection) -> io::Result<()> {
    let layout = ladder::layout(connection);
    let decimals = if layout.ms_per_row >= 1.0 { 1 } else { 3 };
    writeln!(
        out,
        " one row = {} ms; arrows slope from when a message was sent to when it arrived",
        layout.ms_per_row
    )?;
    let heading = format!("client{:>pad$}", "server", pad = LADDER_WIDTH - 6);
    writeln!(out, " {:>10}  {:<6}{heading}", "time (ms)", "round")?;
    for row in ladder::draw(connection, &layout, LADDER_WIDTH) {
        let time = row.ms.map_or(String::new(), |ms| format!("{ms:.decimals$}"));
        let round = row.round.map_or(String::new(), |round| format!("R{round}"));
        writeln!(out, " {time:>10}  {round:<6}{}", row.text().trim_end())?;
    }
    Ok(())
}

/// A time in milliseconds for a table cell, or a dash.
fn ms_cell(ms: Option<f64>) -> String {
    ms.map_or("-".to_owned(), |ms| format!("{ms:.1} ms"))
}

/// The table of every connection: server, variant, the round trips before the request and the
/// response and the time each took, the measured round-trip time, and with `textbook` the
/// round trips DESIGN section 3's table gives for the variant, with a mark where they agree.
pub fn write_table(out: &mut dyn io::Write, connections: &[Connection], textbook: bool) -> io::Result<()> {
    write_table_heading(out, textbook)?;
    for connection in connections {
        write_table_row(out, connection, textbook)?;
    }
    Ok(())
}

/// The first line of [`write_table`].
pub fn write_table_heading(out: &mut dyn io::Write, textbook: bool) -> io::Result<()> {
    write!(
        out,
        "{:>4}  {:<22} {:<15} {:>7} {:>8} {:>16} {:>12} {:>13}",
        "id", "server", "variant", "request", "response", "time to request", "to response", "measured RTT"
    )?;
    writeln!(out, "{}", if textbook { "  textbook" } else { "" })
}

/// One connection's line of [`write_table`].
pub fn write_table_row(out: &mut dyn io::Write, connection: &Connection, textbook: bool) -> io::Result<()> {
    {
        let count = |n: Option<u32>| n.map_or("-".to_owned(), |n| n.to_string());
        write!(
            out,
            "{:>4}  {:<22} {:<15} {:>7} {:>8} {:>16} {:>12} {:>13}",
            connection.id,
            connection.server,
            connection.variant,
            count(connection.request_rtts),
            count(connection.response_rtts),
            ms_cell(connection.request_ms),
            ms_cell(connection.response_ms),
            connection.rtt_ms.map_or("-".to_owned(), |rtt| format!("{rtt:.3} ms")),
        )?;
        // A proxy's handshake adds its own round trips to the textbook's.
        let proxy = connection.proxy_rtts.unwrap_or(0);
        let expected = textbook
            .then(|| crate::timeline::textbook(connection.variant))
            .flatten()
            .map(|(request, response)| (request + proxy, response + proxy));
        match expected {
            Some((request, response)) => {
                let agrees =
                    connection.request_rtts == Some(request) && connection.response_rtts == Some(response);
                writeln!(out, "  {request} / {response} {}", if agrees { "✓" } else { "✗" })?;
            }
            None => writeln!(out)?,
        }
    }
    Ok(())
}

/// Writes `{"connections":[...]}` a connection at a time, byte for byte as [`write_json`].
pub struct JsonStream {
    written: usize,
}

impl JsonStream {
    pub fn new() -> Self {
        Self { written: 0 }
    }

    /// Writes one connection, after the document's opening when it is the first.
    pub fn connection(&mut self, out: &mut dyn io::Write, connection: &Connection) -> io::Result<()> {
        out.write_all(if self.written == 0 { b"{\"connections\":[" } else { b"," })?;
        self.written += 1;
        serde_json::to_writer(&mut *out, connection).map_err(io::Error::other)
    }

    /// Closes the document (opening it first when no connection was written).
    pub fn end(self, out: &mut dyn io::Write) -> io::Result<()> {
        if self.written == 0 {
            out.write_all(b"{\"connections\":[")?;
        }
        writeln!(out, "]}}")
    }
}

impl Default for JsonStream {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes `{"connections":[...]}`.
pub fn write_json(out: &mut dyn io::Write, connections: &[Connection]) -> io::Result<()> {
    #[derive(serde::Serialize)]
    struct Document<'c> {
        connections: &'c [Connection],
    }
    serde_json::to_writer(&mut *out, &Document { connections }).map_err(io::Error::other)?;
    writeln!(out)
}
