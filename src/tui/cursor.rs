//! A selection in a scrolling list: the selected item and the first item on screen.
//!
//! Every list of the UI (packets, a packet's layer tree, connections, a timeline's messages)
//! keeps one [`Cursor`]. It keeps two invariants, here and nowhere else: the selection is an
//! item of the list (or 0 when the list is empty), and the selected item is on screen, the
//! first shown line moving as little as possible to keep it there.

/// A move of the selection, as the keys and the mouse wheel ask for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    /// Lines down (positive) or up (negative): the mouse wheel.
    Lines(isize),
}

impl Move {
    /// Where a selection at `at` in a list of `len` items lands, `rows` lines on screen.
    pub fn from(self, at: usize, len: usize, rows: usize) -> usize {
        let delta = match self {
            Self::Up => -1,
            Self::Down => 1,
            Self::PageUp => -(rows as isize),
            Self::PageDown => rows as isize,
            Self::Home => isize::MIN,
            Self::End => isize::MAX,
            Self::Lines(lines) => lines,
        };
        at.saturating_add_signed(delta).min(len.saturating_sub(1))
    }
}

/// The selected item of a list and the first item shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    selected: usize,
    top: usize,
}

impl Cursor {
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The first item on screen.
    pub fn top(&self) -> usize {
        self.top
    }

    /// Moves the selection in a list of `len` items, `rows` of them on screen.
    pub fn go(&mut self, step: Move, len: usize, rows: usize) {
        self.select(step.from(self.selected, len, rows), len, rows);
    }

    /// Selects item `at` (the last one, if the list is shorter) and keeps it on screen.
    pub fn select(&mut self, at: usize, len: usize, rows: usize) {
        self.selected = at;
        self.clamp(len, rows);
    }

    /// Keeps the selection inside a list of `len` items and on a screen of `rows` lines:
    /// after the list or the screen changed.
    pub fn clamp(&mut self, len: usize, rows: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
        let rows = rows.max(1);
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + rows {
            self.top = self.selected + 1 - rows;
        }
    }

    /// Scrolls so the selection is in the middle of a screen of `rows` lines, or as near it
    /// as the top of the list allows.
    pub fn center(&mut self, rows: usize) {
        self.top = self.selected.saturating_sub(rows / 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cursor after `steps` in a list of `len` items, 5 lines on screen.
    fn after(steps: &[Move], len: usize) -> Cursor {
        let mut cursor = Cursor::default();
        for step in steps {
            cursor.go(*step, len, 5);
        }
        cursor
    }

    fn at(cursor: Cursor) -> (usize, usize) {
        (cursor.selected(), cursor.top())
    }

    #[test]
    fn up_and_down_stop_at_the_ends() {
        assert_eq!(at(after(&[Move::Up], 10)), (0, 0));
        assert_eq!(at(after(&[Move::Down, Move::Down], 10)), (2, 0));
        assert_eq!(at(after(&[Move::Down, Move::Down, Move::Up], 10)), (1, 0));
        assert_eq!(at(after(&[Move::Down; 12], 10)), (9, 5), "the last item, on the last line");
    }

    #[test]
    fn moving_below_the_screen_scrolls_by_as_little_as_it_can() {
        assert_eq!(at(after(&[Move::Down; 4], 10)), (4, 0), "the fifth line is still on screen");
        assert_eq!(at(after(&[Move::Down; 5], 10)), (5, 1));
        let mut steps = vec![Move::Down; 7];
        steps.extend([Move::Up; 3]);
        assert_eq!(at(after(&steps, 10)), (4, 3), "up scrolls once the selection reaches the top");
    }

    #[test]
    fn pages_move_by_a_screen_and_home_and_end_to_the_ends() {
        assert_eq!(at(after(&[Move::PageDown], 20)), (5, 1));
        assert_eq!(at(after(&[Move::PageDown, Move::PageDown, Move::PageUp], 20)), (5, 5));
        assert_eq!(at(after(&[Move::End], 20)), (19, 15));
        assert_eq!(at(after(&[Move::End, Move::Home], 20)), (0, 0));
        assert_eq!(at(after(&[Move::Lines(3), Move::Lines(-1)], 20)), (2, 0));
    }

    #[test]
    fn an_empty_list_selects_its_first_place() {
        for step in [Move::Up, Move::Down, Move::PageDown, Move::End, Move::Lines(3)] {
            assert_eq!(at(after(&[step], 0)), (0, 0), "{step:?}");
        }
    }

    #[test]
    fn a_shorter_list_or_a_smaller_screen_keeps_the_selection_in_sight() {
        let mut cursor = after(&[Move::Down; 8], 10);
        assert_eq!(at(cursor), (8, 4));
        cursor.clamp(10, 2);
        assert_eq!(at(cursor), (8, 7), "two lines: the selection is the last of them");
        cursor.clamp(3, 2);
        assert_eq!(at(cursor), (2, 2), "the list shrank under the selection");
        cursor.clamp(3, 0);
        assert_eq!(at(cursor), (2, 2), "a screen with no line still shows the selection's line");
    }

    #[test]
    fn select_and_center() {
        let mut cursor = Cursor::default();
        cursor.select(40, 30, 5);
        assert_eq!(at(cursor), (29, 25), "past the end selects the last item");
        cursor.select(12, 30, 5);
        assert_eq!(at(cursor), (12, 12));
        cursor.center(10);
        assert_eq!(at(cursor), (12, 7));
        cursor.select(3, 30, 10);
        cursor.center(10);
        assert_eq!(at(cursor), (3, 0), "the top of the list cannot scroll further");
    }
}
