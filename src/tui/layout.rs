//! Where each part of the screen goes, as a pure function of the terminal's size.
//!
//! Drawing and mouse handling both ask here, so a click always lands on what was drawn there.

use ratatui::layout::Rect;

/// The smallest terminal the UI draws in; smaller ones get a message instead.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Widths from which the Packets view puts the tree and the hex dump side by side.
const SIDE_BY_SIDE: u16 = 150;

/// The screen's parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Screen {
    pub tabs: Rect,
    pub body: Rect,
    /// The display filter being typed, or the one that failed to parse.
    pub filter: Option<Rect>,
    pub status: Rect,
}

/// Whether the terminal is big enough to draw in.
pub fn fits(area: Rect) -> bool {
    area.width >= MIN_WIDTH && area.height >= MIN_HEIGHT
}

/// The screen's parts; `filter_line` makes room for the filter above the status bar.
pub fn screen(area: Rect, filter_line: bool) -> Screen {
    let bottom = if filter_line { 2 } else { 1 };
    let body_height = area.height.saturating_sub(1 + bottom);
    let row = |y: u16, height: u16| Rect { x: area.x, y: area.y + y, width: area.width, height };
    Screen {
        tabs: row(0, 1.min(area.height)),
        body: row(1, body_height),
        filter: filter_line.then(|| row(1 + body_height, 1)),
        status: row(area.height.saturating_sub(1), 1.min(area.height)),
    }
}

/// The Packets view's panes. Each pane's first line is its title.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packets {
    pub list: Rect,
    pub tree: Rect,
    pub hex: Rect,
}

/// Which pane of the Packets view fills it, when one is maximised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Maximised {
    List,
    Tree,
}

/// The Packets view's panes in `body`. The list takes more than half, so an 80x24 terminal
/// shows ten packets; the tree, then the bytes, give up their rows first. A maximised pane
/// takes the whole body and the others none.
pub fn packets(body: Rect, maximised: Option<Maximised>) -> Packets {
    let nothing = |at: u16| Rect { y: at, height: 0, ..body };
    match maximised {
        Some(Maximised::List) => {
            let end = body.y + body.height;
            return Packets { list: body, tree: nothing(end), hex: nothing(end) };
        }
        Some(Maximised::Tree) => {
            return Packets { list: nothing(body.y), tree: body, hex: nothing(body.y + body.height) };
        }
        None => {}
    }
    let list_height = (body.height * 11 / 20).max(6).min(body.height);
    let list = Rect { height: list_height, ..body };
    let rest = Rect { y: body.y + list_height, height: body.height - list_height, ..body };
    if body.width >= SIDE_BY_SIDE {
        // A blank column between the two keeps a cut tree line apart from the offsets.
        let hex_width = 79;
        let tree = Rect { width: rest.width - hex_width - 1, ..rest };
        let hex = Rect { x: rest.x + tree.width + 1, width: hex_width, ..rest };
        return Packets { list, tree, hex };
    }
    let hex_height = (rest.height / 3).clamp(3.min(rest.height), 10);
    let tree = Rect { height: rest.height - hex_height, ..rest };
    let hex = Rect { y: rest.y + tree.height, height: hex_height, ..rest };
    Packets { list, tree, hex }
}

/// Lines of a pane that hold items: all but its title line (and a column header, if any).
pub fn rows(pane: Rect, header_lines: u16) -> usize {
    usize::from(pane.height.saturating_sub(1 + header_lines))
}

/// The Timeline view's parts: the diagram, the legend of its round ruler under it, and the
/// explanation below them when shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeline {
    pub diagram: Rect,
    pub legend: Rect,
    pub explanation: Option<Rect>,
}

/// The Timeline view's parts; the legend takes the lines `legend` needs at the body's width.
pub fn timeline(body: Rect, explaining: bool, legend: &str) -> Timeline {
    let legend_height = if legend.chars().count() <= usize::from(body.width) { 1 } else { 2 };
    let legend_height = legend_height.min(body.height / 4);
    let panel = if explaining { 6.min(body.height / 2) } else { 0 };
    let diagram_height = body.height - panel - legend_height;
    let diagram = Rect { height: diagram_height, ..body };
    let legend = Rect { y: body.y + diagram_height, height: legend_height, ..body };
    let explanation = explaining.then(|| Rect { y: legend.y + legend_height, height: panel, ..body });
    Timeline { diagram, legend, explanation }
}

/// The Connections view: the table, and under it the selected connection's request and
/// response, whole.
pub fn connections(body: Rect) -> (Rect, Rect) {
    let exchange_height = EXCHANGE_LINES.min(body.height / 3);
    let table = Rect { height: body.height - exchange_height, ..body };
    (table, Rect { y: body.y + table.height, height: exchange_height, ..body })
}

/// Lines under the connections table: a title and the requests and responses.
pub const EXCHANGE_LINES: u16 = 5;

/// Bytes per hex dump line that fit in `width` columns.
pub fn bytes_per_line(width: u16) -> usize {
    // "0000  " + 3 columns per byte + a space + one column per byte.
    if width > 6 + 16 * 4 { 16 } else { 8 }
}

/// Whether a point is inside a rectangle.
pub fn contains(area: Rect, x: u16, y: u16) -> bool {
    x >= area.x && x < area.x + area.width && y >= area.y && y < area.y + area.height
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_screen_still_has_room_for_every_pane() {
        let area = Rect::new(0, 0, MIN_WIDTH, MIN_HEIGHT);
        assert!(fits(area));
        assert!(!fits(Rect::new(0, 0, 79, 24)) && !fits(Rect::new(0, 0, 80, 23)));
        let screen = screen(area, true);
        assert_eq!((screen.body.y, screen.body.height), (1, 21));
        assert_eq!(screen.filter.map(|filter| filter.y), Some(22));
        assert_eq!(screen.status.y, 23);
        let panes = packets(screen.body, None);
        assert_eq!(panes.list.height + panes.tree.height + panes.hex.height, 21);
        assert!(rows(panes.list, 1) >= 8 && rows(panes.tree, 0) >= 5 && rows(panes.hex, 0) >= 2);
        // Without the filter line the list shows ten packets (it showed six).
        assert_eq!(rows(packets(self::screen(area, false).body, None).list, 1), 10);
        let wide = packets(Rect::new(0, 1, 200, 50), None);
        assert_eq!((wide.tree.y, wide.tree.width, wide.hex.x, wide.hex.width), (wide.hex.y, 120, 121, 79));
        assert_eq!((bytes_per_line(80), bytes_per_line(60)), (16, 8));
    }

    #[test]
    fn a_maximised_pane_takes_the_whole_body() {
        let body = Rect::new(0, 1, 80, 22);
        let list = packets(body, Some(Maximised::List));
        assert_eq!((list.list, list.tree.height, list.hex.height), (body, 0, 0));
        let tree = packets(body, Some(Maximised::Tree));
        assert_eq!((tree.tree, tree.list.height, tree.hex.height), (body, 0, 0));
    }

    #[test]
    fn the_round_legend_takes_a_line_where_it_fits_and_two_where_not() {
        let legend = "x".repeat(96);
        let narrow = timeline(Rect::new(0, 1, 80, 22), false, &legend);
        assert_eq!((narrow.diagram.height, narrow.legend.y, narrow.legend.height), (20, 21, 2));
        let wide = timeline(Rect::new(0, 1, 160, 46), true, &legend);
        assert_eq!(wide.legend.height, 1);
        assert_eq!(wide.explanation.map(|panel| (panel.y, panel.height)), Some((41, 6)));
        assert_eq!(wide.diagram.height + 1 + 6, 46);
    }
}
