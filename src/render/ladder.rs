//! The to-scale ladder diagram: time flows down, and each message is an arrow that slopes from
//! its send time at the sender to its arrival time at the receiver, as textbooks draw a
//! handshake. The round the client is in is ruled across where it begins.
//!
//! [`layout`] places every message on rows (a row is a fixed slice of time, so distances are to
//! scale) and [`draw`] paints the rows into a grid of cells for a given width; the text output
//! and the terminal UI render that grid, the SVG uses the layout's rows. Two liberties keep it
//! readable and are the only ones taken. Sloping arrows are drawn in braille dots, eight to a
//! cell, so a slope reads as a line at any angle; a message never shares its label's row with another
//! (a burst sent within one row's time is spread over consecutive rows), and a stretch where
//! nothing is in flight and longer than [`IDLE_ROWS`] rows is cut to a marked break.
//!
//! A capture of one vantage point knows one time per message: its arrows are level, at the time
//! the capture saw them. With both ends of a link, each arrow has its two times, and a message
//! lost on the link ends half-way with a cross.

use super::label;
use crate::timeline::rounds::Side;
use crate::timeline::{Connection, Event};

/// The most rows a stretch with nothing in flight may take before it is cut short.
pub const IDLE_ROWS: f64 = 6.0;
/// How many rows a cut stretch takes.
const BREAK_ROWS: f64 = 2.0;
/// At least how many rows one one-way delay takes, so that arrows slope visibly.
const ROWS_PER_ONE_WAY: f64 = 5.0;
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

/// A "nice" step of time (1, 2 or 5 times a power of ten) at most `ms`.
fn nice(ms: f64) -> f64 {
    if !ms.is_finite() || ms <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(ms.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|step| step * power)
        .find(|step| *step <= ms * (1.0 + 1e-9))
        .unwrap_or(power)
}

/// A message's send and arrival times: both measured with two vantage points, the one time
/// the capture saw otherwise.
fn times(connection: &Connection, index: usize) -> (f64, Option<f64>) {
    let event = &connection.events[index];
    match (event.sent_ms(), event.arrived_ms()) {
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
    let mut dots = Dots::new(width, rows.len());
    let heads: Vec<(usize, usize, char, Ink)> = layout
        .messages
        .iter()
        .filter_map(|placed| {
            let ink = Ink::Arrow(placed.event, placed.side);
            draw_arrow(&mut dots, &mut rows, placed, client_x, server_x)
                .map(|(row, x, head)| (row, x, head, ink))
        })
        .collect();
    dots.paint(&mut rows, client_x, server_x);
    for (row, x, head, ink) in heads {
        if let Some(row) = rows.get_mut(row)
            && x > client_x
            && x < server_x
        {
            row.cells[x] = (head, ink);
        }
    }
    // Labels last, so that they stay readable where arrows cross them.
    for placed in &layout.messages {
        let row_at = placed.sent_row as usize;
        let Some(row) = rows.get_mut(row_at) else { continue };
        let room = server_x - client_x - 4;
        let text = fit(&connection.events[placed.event], room);
        // A column kept free beside each line, for the heads of arriving arrows.
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

/// Braille dots of the arrows drawn so far, a cell of 2 by 4 dots each, before they become
/// characters: sloping lines drawn in dots keep their slope at any angle.
struct Dots {
    width: usize,
    cells: Vec<u8>,
    inks: Vec<Ink>,
}

impl Dots {
    fn new(width: usize, rows: usize) -> Self {
        Self { width, cells: vec![0; width * rows], inks: vec![Ink::Blank; width * rows] }
    }

    /// Sets the dot at (x, y), counted in dots from the top left.
    fn set(&mut self, x: usize, y: usize, ink: Ink) {
        // Dot bits of a braille cell: columns 0 and 1, rows 0 to 3 (Unicode's numbering).
        const BITS: [[u8; 4]; 2] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]];
        let (column, row) = (x / 2, y / 4);
        if column >= self.width {
            return;
        }
        let at = row * self.width + column;
        if let (Some(cell), Some(cell_ink)) = (self.cells.get_mut(at), self.inks.get_mut(at)) {
            *cell |= BITS[x % 2][y % 4];
            *cell_ink = ink;
        }
    }

    /// Writes the dotted cells into the rows, leaving the lifelines alone.
    fn paint(&self, rows: &mut [Row], client_x: usize, server_x: usize) {
        for (at, bits) in self.cells.iter().enumerate().filter(|(_, bits)| **bits != 0) {
            let (row, column) = (at / self.width, at % self.width);
            if column <= client_x || column >= server_x {
                continue;
            }
            if let (Some(row), Some(character)) =
                (rows.get_mut(row), char::from_u32(0x2800 + u32::from(*bits)))
            {
                row.cells[column] = (character, self.inks[at]);
            }
        }
    }
}

/// Draws one arrow: level (a line of `─`) when it arrives on the row it left, else a line of
/// braille dots that slopes from the sender's line at its send time to the receiver's at its
/// arrival time. Returns where its head goes, and what the head is.
fn draw_arrow(
    dots: &mut Dots,
    rows: &mut [Row],
    placed: &Placed,
    client_x: usize,
    server_x: usize,
) -> Option<(usize, usize, char)> {
    let (from, to) = match placed.side {
        Side::Client => (client_x as f64 + 1.0, server_x as f64 - 1.0),
        Side::Server => (server_x as f64 - 1.0, client_x as f64 + 1.0),
    };
    let ink = Ink::Arrow(placed.event, placed.side);
    let rightwards = to > from;
    let start = placed.sent_row;
    let (end, end_x, lost) = match placed.arrived_row {
        Some(end) => (end, to, false),
        // Lost on the way: it gets half-way, half a one-way delay's worth of rows down.
        None => (start + ROWS_PER_ONE_WAY / 2.0, (from + to) / 2.0, true),
    };
    let head = if lost {
        '✗'
    } else if rightwards {
        '▶'
    } else {
        '◀'
    };
    let (first_row, last_row) = (start as usize, end as usize);
    if first_row == last_row {
        let row = rows.get_mut(first_row)?;
        let (left, right) = (from.min(end_x).round() as usize, from.max(end_x).round() as usize);
        for x in left.max(client_x + 1)..=right.min(server_x - 1) {
            row.cells[x] = ('─', ink);
        }
        return Some((first_row, end_x.round() as usize, head));
    }
    // In dots: two across a cell, four down a row; the line runs through the middle of the
    // send row's cell and ends in the arrival row.
    let (x0, y0) = (from * 2.0 + 1.0, (start.floor() + 0.5) * 4.0);
    let (x1, y1) = (end_x * 2.0, (end.floor() + 0.5) * 4.0);
    let steps = (x1 - x0).abs().max(y1 - y0).ceil().max(1.0) as usize;
    for step in 0..=steps {
        let fraction = step as f64 / steps as f64;
        let (x, y) = (x0 + (x1 - x0) * fraction, y0 + (y1 - y0) * fraction);
        if x >= 0.0 && y >= 0.0 {
            dots.set(x.round() as usize, y.round() as usize, ink);
        }
    }
    Some((last_row, end_x.round() as usize, head))
}

fn write_at(cells: &mut [(char, Ink)], start: usize, text: &str, ink: Ink) {
    for (offset, c) in text.chars().enumerate() {
        if let Some(cell) = cells.get_mut(start + offset) {
            *cell = (c, ink);
        }
    }
}

/// An event's label in `room` characters, shortened by importance ([`label`]), padded by a
/// space each side so the arrow does not touch it.
fn fit(event: &Event, room: usize) -> String {
    format!(" {} ", label::fit_line(event, room.saturating_sub(2).max(1)))
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
        assert_eq!(nice(3.0), 2.0);
        assert_eq!(nice(5.0), 5.0);
        assert_eq!(nice(12.5), 10.0);
        assert_eq!(nice(0.0007), 0.0005);
        assert_eq!(nice(0.0), 1.0);
    }
}
