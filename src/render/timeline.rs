//! Timelines as text (a sequence diagram per connection, a verdict, a closing table) and as
//! JSON (DESIGN section 5's schema).

use std::fmt::Write as _;
use std::io;

use super::label::{self, fit_lines};
use super::ladder;
use crate::timeline::rounds::Side;
use crate::timeline::{Connection, EarlyData, Tfo, Variant};

/// The narrowest and widest the arrows between the client and server columns may be.
const MIN_ARROW: usize = 58;
const MAX_ARROW: usize = 110;

/// What the round ruler counts, said under every diagram that has one.
pub const ROUND_LEGEND: &str =
    "round = round trips the client has waited for; a NewSessionTicket does not make the client wait";

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
/// The narrowest arrow a narrow terminal gets, even when the columns beside it do not fit.
const MIN_FIT_ARROW: usize = 24;
/// Columns beside a compact diagram's arrow, besides the frame number: " {round:>3}   " on the
/// left, "   L{n}  {time:>10}  " on the right.
const BESIDE_ARROW: usize = 7 + 19;
/// Columns beside a compact diagram's arrow on its heading line: " round  " on the left,
/// "   OSI  time (ms)  frame" on the right (the heading's "client" starts a column early).
const HEADING_BESIDE_ARROW: usize = 34;
/// The same in a fitted diagram, besides the time column: " round " and "   OSI {ms}  frame"
/// (no row is wider while its frame numbers have at most five digits).
const FITTED_HEADING_BESIDE: usize = 7 + 14;
/// Columns left of a to-scale diagram: " {time:>10}  {round:<6}".
const LEFT_OF_LADDER: usize = 19;

/// Writes each connection's diagram and verdict, then the table of all of them, as wide as
/// their labels ask.
pub fn write_text(out: &mut dyn io::Write, connections: &[Connection], scale: Scale) -> io::Result<()> {
    write_text_within(out, connections, scale, usize::MAX)
}

/// Writes each connection's diagram and verdict, then the table of all of them, in at most
/// `width` columns: labels too long for their arrow are shortened by importance
/// ([`label`]) and, where even that is too long, wrapped under the arrow.
pub fn write_text_within(
    out: &mut dyn io::Write,
    connections: &[Connection],
    scale: Scale,
    width: usize,
) -> io::Result<()> {
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
        let heading = format!(
            "Connection {}: {} → {}   {}",
            connection.id,
            connection.client,
            connection.server,
            facts.join(" · ")
        );
        write_wrapped(out, "", "   ", &heading, width, label::wrap_list)?;
        match scale {
            Scale::ToScale => write_ladder(out, connection, width)?,
            Scale::Compact => write_compact(out, connection, width)?,
        }
        if !connection.joined_mid_stream {
            write_wrapped(out, " ", " ", ROUND_LEGEND, width, label::wrap)?;
        }
        write_wrapped(out, " ", " ", &verdict(connection), width, label::wrap)?;
        writeln!(out)?;
    }
    if connections.len() > 1 {
        write_table(out, connections, false, width)?;
    }
    Ok(())
}

/// `text` after `first`, in lines of at most `width` columns, the lines after the first
/// indented by `rest`; on one line when it fits.
fn write_wrapped(
    out: &mut dyn io::Write,
    first: &str,
    rest: &str,
    text: &str,
    width: usize,
    wrap: fn(&str, usize) -> Vec<String>,
) -> io::Result<()> {
    let room = width.saturating_sub(first.chars().count().max(rest.chars().count()));
    if first.chars().count() + text.chars().count() <= width || room < 20 {
        return writeln!(out, "{first}{text}");
    }
    for (at, line) in wrap(text, room).iter().enumerate() {
        writeln!(out, "{}{line}", if at == 0 { first } else { rest })?;
    }
    Ok(())
}

/// The compact diagram of one connection: a row per message, its label on its arrow. As it
/// has always been drawn when that fits in `width`; else fitted: the columns beside the
/// arrows no wider than their contents, and labels shortened by importance or wrapped.
fn write_compact(out: &mut dyn io::Write, connection: &Connection, width: usize) -> io::Result<()> {
    let longest = connection.events.iter().map(|event| event.label().chars().count()).max().unwrap_or(0);
    let frame_digits = connection.events.iter().map(|event| event.frame.to_string().len()).max().unwrap_or(1);
    let natural = (longest + 6).clamp(MIN_ARROW, MAX_ARROW);
    let fitted = natural + (BESIDE_ARROW + frame_digits).max(HEADING_BESIDE_ARROW) > width;
    let time_width = if fitted {
        connection.events.iter().map(|event| format!("{:.3}", event.t_ms).len()).max().unwrap_or(1)
    } else {
        10
    };
    let arrow_width = if fitted {
        natural.min(width.saturating_sub(FITTED_HEADING_BESIDE + time_width)).max(MIN_FIT_ARROW)
    } else {
        natural
    };
    if fitted {
        let heading = format!("client{:>pad$}", "server", pad = arrow_width - 6);
        writeln!(out, " round {heading}   OSI {:>time_width$}  frame", "ms")?;
    } else {
        let heading = format!("client{:>pad$}", "server", pad = arrow_width - 4);
        writeln!(out, " round  {heading:<width$}   OSI  time (ms)  frame", width = arrow_width)?;
    }
    let (osi_gap, time_gap) = if fitted { (" ", " ") } else { ("  ", "") };
    for event in &connection.events {
        let round =
            if connection.joined_mid_stream { "  ?".to_owned() } else { format!("{:>3}", event.round) };
        let lines = fit_lines(event, arrow_width - 6);
        let label = lines.first().map_or("", String::as_str);
        let dashes = arrow_width.saturating_sub(label.chars().count() + 4);
        let arrow = match event.dir {
            Side::Client => format!("──{label} {}▶", "─".repeat(dashes)),
            Side::Server => format!("◀{} {label}──", "─".repeat(dashes)),
        };
        let time = format!("{:.3}", event.t_ms);
        let time = if fitted { format!("{time:>time_width$}") } else { format!("{time:>10}") };
        writeln!(
            out,
            " {round}   {arrow}   L{}{osi_gap}{time_gap}{time}  {}",
            event.osi.number(),
            event.frame
        )?;
        // What did not fit on the arrow, under its label.
        for line in lines.iter().skip(1) {
            match event.dir {
                Side::Client => writeln!(out, "         {line}")?,
                Side::Server => writeln!(out, "       {line:>room$}", room = arrow_width - 2)?,
            }
        }
    }
    Ok(())
}

/// The to-scale diagram of one connection: times on the left, then the round the client
/// enters, then the ladder.
fn write_ladder(out: &mut dyn io::Write, connection: &Connection, width: usize) -> io::Result<()> {
    let ladder_width = LADDER_WIDTH.min(width.saturating_sub(LEFT_OF_LADDER)).max(MIN_FIT_ARROW);
    let layout = ladder::layout(connection);
    let decimals = if layout.ms_per_row >= 1.0 { 1 } else { 3 };
    let scale = format!(
        "one row = {} ms; arrows slope from when a message was sent to when it arrived",
        layout.ms_per_row
    );
    write_wrapped(out, " ", " ", &scale, width, label::wrap)?;
    let heading = format!("client{:>pad$}", "server", pad = ladder_width - 6);
    writeln!(out, " {:>10}  {:<6}{heading}", "time (ms)", "round")?;
    for row in ladder::draw(connection, &layout, ladder_width) {
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

/// A time in the compact table's eight columns: tenths of a millisecond below a second, whole
/// milliseconds below 100 s, whole seconds beyond.
fn compact_ms_cell(ms: Option<f64>) -> String {
    match ms {
        None => "-".to_owned(),
        Some(ms) if ms < 999.95 => format!("{ms:.1} ms"),
        Some(ms) if ms < 99_999.5 => format!("{ms:.0} ms"),
        Some(ms) => format!("{:.0} s", ms / 1000.0),
    }
}

/// The table of every connection: server, variant, the round trips before the request and the
/// response and the time each took, the measured round-trip time, and with `textbook` the
/// round trips DESIGN section 3's table gives for the variant, with a mark where they agree;
/// in at most `width` columns.
pub fn write_table(
    out: &mut dyn io::Write,
    connections: &[Connection],
    textbook: bool,
    width: usize,
) -> io::Result<()> {
    let table = Table::new(textbook, width);
    table.heading(out)?;
    for connection in connections {
        table.row(out, connection)?;
    }
    table.legend(out)
}

/// The table's shape: wide, as wide terminals and files have always had it, or compact, for
/// 80 columns, its times without decimals to spare and its headings explained under it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Table {
    textbook: bool,
    compact: bool,
    width: usize,
}

/// Columns of the wide table, without and with the textbook's.
const WIDE_TABLE: usize = 104;
const TEXTBOOK_COLUMN: usize = 10;
/// Room for the server in the compact table; a longer address is cut.
const COMPACT_SERVER: usize = 16;

impl Table {
    pub fn new(textbook: bool, width: usize) -> Self {
        let wide = WIDE_TABLE + if textbook { TEXTBOOK_COLUMN } else { 0 };
        Self { textbook, compact: width < wide, width }
    }

    /// The first line.
    pub fn heading(&self, out: &mut dyn io::Write) -> io::Result<()> {
        if self.compact {
            write!(
                out,
                "{:>3} {:<COMPACT_SERVER$} {:<14} {:>4} {:>4} {:>8} {:>8} {:>7}",
                "id", "server", "variant", "req", "resp", "to req", "to resp", "RTT ms"
            )?;
        } else {
            write!(
                out,
                "{:>4}  {:<22} {:<15} {:>7} {:>8} {:>16} {:>12} {:>13}",
                "id",
                "server",
                "variant",
                "request",
                "response",
                "time to request",
                "to response",
                "measured RTT"
            )?;
        }
        // The compact table's marks ("  3 / 4 ✓") are as wide as its heading with one space.
        let textbook = match (self.textbook, self.compact) {
            (false, _) => "",
            (true, false) => "  textbook",
            (true, true) => " textbook",
        };
        writeln!(out, "{textbook}")
    }

    /// One connection's line.
    pub fn row(&self, out: &mut dyn io::Write, connection: &Connection) -> io::Result<()> {
        let count = |n: Option<u32>| n.map_or("-".to_owned(), |n| n.to_string());
        if self.compact {
            let mut server: String = connection.server.chars().take(COMPACT_SERVER).collect();
            if connection.server.chars().count() > COMPACT_SERVER {
                server.pop();
                server.push('…');
            }
            write!(
                out,
                "{:>3} {server:<COMPACT_SERVER$} {:<14} {:>4} {:>4} {:>8} {:>8} {:>7}",
                connection.id,
                connection.variant.to_string(),
                count(connection.request_rtts),
                count(connection.response_rtts),
                compact_ms_cell(connection.request_ms),
                compact_ms_cell(connection.response_ms),
                connection.rtt_ms.map_or("-".to_owned(), |rtt| format!("{rtt:.3}")),
            )?;
        } else {
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
        }
        // A proxy's handshake, or an SSH group exchange, adds its own round trips.
        let chosen = connection.chosen_rounds();
        let expected = self
            .textbook
            .then(|| crate::timeline::textbook(connection.variant))
            .flatten()
            .map(|(request, response)| (request + chosen, response + chosen));
        match expected {
            Some((request, response)) => {
                let measured = (connection.request_rtts, connection.response_rtts);
                let agrees = measured == (Some(request), Some(response));
                match connection.variant.implementation_rounds() {
                    Some((extra, why))
                        if !agrees && measured == (Some(request + extra), Some(response + extra)) =>
                    {
                        writeln!(out, "  {request}/{response} +{extra}")?;
                        let why = format!("+{extra} as expected: {why}");
                        write_wrapped(out, "    ", "      ", &why, self.width, label::wrap)
                    }
                    _ => writeln!(out, "  {request} / {response} {}", if agrees { "✓" } else { "✗" }),
                }
            }
            None => writeln!(out),
        }
    }

    /// What the compact table's short headings mean, under it (the wide table spells them out).
    pub fn legend(&self, out: &mut dyn io::Write) -> io::Result<()> {
        if !self.compact {
            return Ok(());
        }
        writeln!(out, "req, resp: round trips before the request and before the first response byte;")?;
        writeln!(out, "to req, to resp: time from the first packet to the request and to that byte.")
    }
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
