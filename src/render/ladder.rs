//! The to-scale ladder diagram: time flows down, and each message is an arrow that slopes from
//! its send time at the sender to its arrival time at the receiver, as textbooks draw a
//! handshake. The round the client is in is ruled across where it begins.
//!
//! [`layout`] places every message on rows (a row is a fixed slice of time, so distances are to
//! scale) and [`draw`] paints the rows into a grid of cells for a given width; the text output
//! and the terminal UI render that grid, the SVG uses the layout's rows. Two liberties keep it
//! readable and are the only ones taken: a message never shares its label's row with another
//! (a burst sent within one row's time is spread over consecutive rows), and a stretch where
//! nothing is in flight and longer than [`IDLE_ROWS`] rows is cut to a marked break.
//!
//! A capture of one vantage point knows one time per message: its arrows are level, at the time
//! the capture saw them. With both ends of a link, each arrow has its two times, and a message
//! lost on the link ends half-way with a cross.

use crate::timeline::Connection;
use crate::timeline::rounds::Side;

/// The most rows a stretch with nothing in flight may take before it is cut short.
pub const IDLE_ROWS: f64 = 6.0;
/// How many rows a cut stretch takes.
const BREAK_ROWS: f64 = 2.0;
/// About how many rows one one-way delay takes.
const ROWS_PER_ONE_WAY: f64 = 4.0;
/// The most rows the diagram aims for, besides breaks.
const MAX_ROWS: f64 = 160.0;

/// One message's place on the ladder, in rows from the top (fractions allowed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placed {
    pub event: usize,
    pub side: Side,
    pub sent_row: f64,
    /// `None`: lost on the link, never arrived.
    pub arrived_row: Option<f64>,
    pub sent_ms: f64,
    pub arrived_ms: Option<f64>,
}

/// Where the diagram's rows fall in time.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub ms_per_row: f64,
    pub rows: usize,
    pub messages: Vec<Placed>,
    /// Rows where a stretch with nothing in flight was cut, and how long it really was.
    pub breaks: Vec<(usize, f64)>,
    /// The rows where the client enters each round: (row, round).
    pub rounds: Vec<(usize, u32)>,
}

/// A "nice" step of time (1, 2 or 5 times a power of ten) at least `ms`.
fn nice(ms: f64) -> f64 {
    if !ms.is_finite() || ms <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(ms.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|step| step * power)
        .find(|step| *step >= ms)
        .unwrap_or(10.0 * power)
}

/// A message's send and arrival times: both measured with two vantage points, the one time
/// the capture saw otherwise.
fn times(connection: &Connection, index: usize) -> (f64, Option<f64>) {
    let event = &connection.events[index];
    match (event.sent_ms, event.arrived_ms) {
        (None, None) => (event.t_ms, Some(event.t_ms)),
        (Some(sent), arrived) => (sent, arrived),
        // A server message whose send the far side did not record: level at its arrival.
        (None, Some(arrived)) => (arrived, Some(arrived)),
    }
}

/// Places every message of `connection` on rows.
pub fn layout(connection: &Connection) -> Layout {
    let all: Vec<(f64, Option<f64>)> = (0..connection.events.len()).map(|at| times(connection, at)).collect();
    let mut one_way: Vec<f64> = all
        .iter()
        .filter_map(|(sent, arrived)| arrived.map(|arrived| arrived - sent))
        .filter(|d| *d > 0.0)
        .collect();
    one_way.sort_by(f64::total_cmp);
    let span =
        all.iter().flat_map(|(sent, arrived)| [Some(*sent), *arrived]).flatten().fold(0.0f64, f64::max);
    let by_delay = one_way.get(one_way.len() / 2).map_or(0.0, |median| median / ROWS_PER_ONE_WAY);
    let ms_per_row = nice(by_delay.max(span / MAX_ROWS).max(1e-3));

    // Every send and arrival, in time order (an arrival before a send at the same time).
    #[derive(Clone, Copy)]
    struct Point {
        ms: f64,
        event: usize,
        send: bool,
    }
    let mut points: Vec<Point> = Vec::with_capacity(all.len() * 2);
    for (event, (sent, arrived)) in all.iter().enumerate() {
        points.push(Point { ms: *sent, event, send: true });
        if let Some(arrived) = arrived {
            points.push(Point { ms: *arrived, event, send: false });
        }
    }
    points.sort_by(|a, b| a.ms.total_cmp(&b.ms).then(a.send.cmp(&b.send)).then(a.event.cmp(&b.event)));

    let mut sent_rows = vec![0.0; all.len()];
    let mut arrived_rows: Vec<Option<f64>> = vec![None; all.len()];
    let mut breaks = Vec::new();
    let mut row = 0.0f64;
    let mut last_label: Option<f64> = None;
    let mut previous: Option<f64> = None;
    for point in &points {
        if let Some(previous) = previous {
            let mut gap = (point.ms - previous) / ms_per_row;
            let in_flight = all.iter().any(|(sent, arrived)| {
                *sent <= previous
                    && arrived.is_some_and(|arrived| arrived >= point.ms)
                    && arrived != &Some(*sent)
            });
            if !in_flight && gap > IDLE_ROWS {
                breaks.push(((row + 1.0) as usize, point.ms - previous));
                gap = BREAK_ROWS;
            }
            row += gap;
        }
        previous = Some(point.ms);
        if point.send {
            // Each label on a row of its own.
            if let Some(last) = last_label
                && row.floor() <= last
            {
                row = last + 1.0;
            }
            last_label = Some(row.floor());
            sent_rows[point.event] = row;
            // A level arrow arrives where it was sent.
            if all[point.event].1 == Some(all[point.event].0) {
                arrived_rows[point.event] = Some(row);
            }
        } else if arrived_rows[point.event].is_none() {
            arrived_rows[point.event] = Some(row.max(sent_rows[point.event]));
        }
    }
    let messages: Vec<Placed> = connection
        .events
        .iter()
        .enumerate()
        .map(|(at, event)| Placed {
            event: at,
            side: event.dir,
            sent_row: sent_rows[at],
            arrived_row: arrived_rows[at],
            sent_ms: all[at].0,
            arrived_ms: all[at].1,
        })
        .collect();
    let mut rounds = Vec::new();
    if !connection.joined_mid_stream {
        for placed in messages.iter().filter(|placed| placed.side == Side::Client) {
            let round = connection.events[placed.event].round;
            if rounds.last().is_none_or(|(_, last)| *last != round) {
                rounds.push((placed.sent_row as usize, round));
            }
        }
    }
    let rows = messages
        .iter()
        .map(|placed| {
            placed.arrived_row.unwrap_or(placed.sent_row + ROWS_PER_ONE_WAY / 2.0).max(placed.sent_row)
        })
        .fold(0.0f64, f64::max) as usize
        + 1;
    Layout { ms_per_row, rows, messages, breaks, rounds }
}

/// What a cell of the drawn diagram shows, for colouring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ink {
    Blank,
    /// A side's vertical line.
    Lifeline,
    /// Part of an arrow of this event.
    Arrow(usize, Side),
    /// Part of this event's label.
    Label(usize, Side),
    /// The rule where a round begins.
    Rule,
    /// A stretch of idle time cut short.
    Break,
}

/// One row of the drawn diagram.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The time of the first message sent or received on this row.
    pub ms: Option<f64>,
    /// The round the client enters on this row.
    pub round: Option<u32>,
    /// The event whose label is on this row.
    pub event: Option<usize>,
    pub cells: Vec<(char, Ink)>,
}

impl Row {
    pub fn text(&self) -> String {
        self.cells.iter().map(|(c, _)| *c).collect()
    }
}

/// Paints the layout into rows of `width` cells, the client's line in the first column and the
/// server's in the last.
pub fn draw(connection: &Connection, layout: &Layout, width: usize) -> Vec<Row> {
    let width = width.max(12);
    let (client_x, server_x) = (0usize, width - 1);
    let mut rows: Vec<Row> = (0..layout.rows)
        .map(|_| Row { ms: None, round: None, event: None, cells: vec![(' ', Ink::Blank); width] })
        .collect();
    for row in &mut rows {
        row.cells[client_x] = ('│', Ink::Lifeline);
        row.cells[server_x] = ('│', Ink::Lifeline);
    }
    for &(at, round) in &layout.rounds {
        if let Some(row) = rows.get_mut(at) {
            row.round = Some(round);
            for cell in &mut row.cells[client_x + 1..server_x] {
                *cell = ('┈', Ink::Rule);
            }
        }
    }
    for &(at, ms) in &layout.breaks {
        if let Some(row) = rows.get_mut(at) {
            let note = format!(" ⋮ {} later ", duration_words(ms));
            for cell in &mut row.cells[client_x + 1..server_x] {
                *cell = (' ', Ink::Blank);
            }
            write_at(&mut row.cells, (server_x - note.chars().count()) / 2, &note, Ink::Break);
        }
    }
    for placed in &layout.messages {
        draw_arrow(&mut rows, placed, client_x, server_x);
    }
    // Labels last, so that they stay readable where arrows cross them.
    for placed in &layout.messages {
        let row_at = placed.sent_row as usize;
        let Some(row) = rows.get_mut(row_at) else { continue };
        let label = &connection.events[placed.event].label;
        let room = server_x - client_x - 4;
        let text = fit(label, room);
        let start = match placed.side {
            Side::Client => client_x + 2,
            Side::Server => server_x - 1 - text.chars().count(),
        };
        write_at(&mut row.cells, start, &text, Ink::Label(placed.event, placed.side));
        row.event = Some(placed.event);
    }
    for placed in &layout.messages {
        let mut mark = |at: f64, ms: f64| {
            if let Some(row) = rows.get_mut(at as usize) {
                row.ms = Some(row.ms.map_or(ms, |shown| shown.min(ms)));
            }
        };
        mark(placed.sent_row, placed.sent_ms);
        if let (Some(row), Some(ms)) = (placed.arrived_row, placed.arrived_ms) {
            mark(row, ms);
        }
    }
    rows
}

/// Draws one arrow: level when it arrives on the row it left, else a staircase that falls one
/// row at a time from the sender's line to the receiver's.
fn draw_arrow(rows: &mut [Row], placed: &Placed, client_x: usize, server_x: usize) {
    let (from, to) = match placed.side {
        Side::Client => (client_x as f64 + 1.0, server_x as f64 - 1.0),
        Side::Server => (server_x as f64 - 1.0, client_x as f64 + 1.0),
    };
    let ink = Ink::Arrow(placed.event, placed.side);
    let start = placed.sent_row;
    let (end, lost) = match placed.arrived_row {
        Some(end) => (end, false),
        // Lost on the way: it gets half-way, one one-way delay's worth of rows down.
        None => (start + ROWS_PER_ONE_WAY / 2.0, true),
    };
    let end_x = if lost { (from + to) / 2.0 } else { to };
    let first = start as usize;
    let last = (end as usize).max(first);
    let steps = last - first;
    for step in 0..=steps {
        let Some(row) = rows.get_mut(first + step) else { break };
        let x_at = |fraction: f64| from + (end_x - from) * fraction;
        let (a, b) = if steps == 0 {
            (from, end_x)
        } else {
            (x_at(step as f64 / (steps as f64 + 1.0)), x_at((step as f64 + 1.0) / (steps as f64 + 1.0)))
        };
        let (a, b) = if steps > 0 && step == steps { (a, end_x) } else { (a, b) };
        let (left, right) = (a.min(b).round() as usize, a.max(b).round() as usize);
        for x in left..=right.min(server_x - 1) {
            if x > client_x {
                row.cells[x] = ('─', ink);
            }
        }
        let rightwards = to > from;
        if step < steps {
            // Turn down at the run's far end; the next row's run starts below the turn.
            let turn = b.round() as usize;
            if turn > client_x && turn < server_x {
                row.cells[turn] = (if rightwards { '╮' } else { '╭' }, ink);
            }
        }
        if step > 0 {
            let from_turn = a.round() as usize;
            if from_turn > client_x && from_turn < server_x {
                row.cells[from_turn] = (if rightwards { '╰' } else { '╯' }, ink);
            }
        }
        if step == steps {
            let head = end_x.round() as usize;
            if head > client_x && head < server_x {
                row.cells[head] = (
                    if lost {
                        '✗'
                    } else if rightwards {
                        '▶'
                    } else {
                        '◀'
                    },
                    ink,
                );
            }
        }
    }
}

fn write_at(cells: &mut [(char, Ink)], start: usize, text: &str, ink: Ink) {
    for (offset, c) in text.chars().enumerate() {
        if let Some(cell) = cells.get_mut(start + offset) {
            *cell = (c, ink);
        }
    }
}

/// A label cut to `room` characters, with an ellipsis where it was cut, padded by a space each
/// side so the arrow does not touch it.
fn fit(label: &str, room: usize) -> String {
    let room = room.saturating_sub(2).max(1);
    let mut text: String = label.chars().take(room).collect();
    if label.chars().count() > room {
        text.pop();
        text.push('…');
    }
    format!(" {text} ")
}

/// A length of time in words: "850 ms", "3.2 s".
pub fn duration_words(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else if ms >= 10.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.3} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_of_time_are_nice_numbers() {
        assert_eq!(nice(3.0), 5.0);
        assert_eq!(nice(5.0), 5.0);
        assert_eq!(nice(12.5), 20.0);
        assert_eq!(nice(0.0007), 0.001);
        assert_eq!(nice(0.0), 1.0);
    }
}
