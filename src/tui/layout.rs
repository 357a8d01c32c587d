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

pub fn packets(body: Rect) -> Packets {
    let list_height = (body.height * 2 / 5).max(6).min(body.height);
    let list = Rect { height: list_height, ..body };
    let rest = Rect { y: body.y + list_height, height: body.height - list_height, ..body };
    if body.width >= SIDE_BY_SIDE {
        // A blank column between the two keeps a cut tree line apart from the offsets.
        let hex_width = 79;
        let tree = Rect { width: rest.width - hex_width - 1, ..rest };
        let hex = Rect { x: rest.x + tree.width + 1, width: hex_width, ..rest };
        return Packets { list, tree, hex };
    }
    let hex_height = (rest.height / 2).clamp(3.min(rest.height), 10);
    let tree = Rect { height: rest.height - hex_height, ..rest };
    let hex = Rect { y: rest.y + tree.height, height: hex_height, ..rest };
    Packets { list, tree, hex }
}

/// Lines of a pane that hold items: all but its title line (and a column header, if any).
pub fn rows(pane: Rect, header_lines: u16) -> usize {
    usize::from(pane.height.saturating_sub(1 + header_lines))
}

/// The Timeline view: the diagram, and the explanation below it when shown.
pub fn timeline(body: Rect, explaining: bool) -> (Rect, Option<Rect>) {
    if !explaining {
        return (body, None);
    }
    let panel = 6.min(body.height / 2);
    let diagram = Rect { height: body.height - panel, ..body };
    (diagram, Some(Rect { y: body.y + diagram.height, height: panel, ..body }))
}

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
        let panes = packets(screen.body);
        assert_eq!(panes.list.height + panes.tree.height + panes.hex.height, 21);
        assert!(rows(panes.list, 1) >= 4 && rows(panes.tree, 0) >= 4 && rows(panes.hex, 0) >= 2);
        let wide = packets(Rect::new(0, 1, 200, 50));
        assert_eq!((wide.tree.y, wide.tree.width, wide.hex.x, wide.hex.width), (wide.hex.y, 120, 121, 79));
        assert_eq!((bytes_per_line(80), bytes_per_line(60)), (16, 8));
    }
}
