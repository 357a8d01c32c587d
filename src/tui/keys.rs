//! Terminal input to [`Action`]s, and the help that lists every key. Both read the same
//! table, so help cannot forget a key.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind};

use super::app::{Action, View};

/// One line of help: the keys, what they do.
pub struct Binding {
    pub keys: &'static str,
    pub does: &'static str,
}

/// Every key the UI answers, as help lists them.
/// Each description fits the help box of an 80-column terminal (61 columns).
pub const BINDINGS: &[Binding] = &[
    Binding { keys: "1 2 3 4", does: "Packets, Connections, Timeline, Compare" },
    Binding { keys: "Tab", does: "next view" },
    Binding { keys: "↑ ↓  k j", does: "move the selection" },
    Binding { keys: "PgUp PgDn", does: "move a page" },
    Binding { keys: "g G  Home End", does: "first, last" },
    Binding { keys: "← →  h l", does: "Packets: switch between the list and the layer tree" },
    Binding { keys: "Enter", does: "open: layers, timeline, a message's packet; fold an OSI layer" },
    Binding { keys: "Esc", does: "close help, filter, explanation, tree; back to connections" },
    Binding { keys: "e", does: "Timeline: explain the selected message" },
    Binding { keys: "t", does: "Timeline: time to scale (arrows slope), or one row each" },
    Binding { keys: "/", does: "display filter as in dissect -Y; Ctrl-U empties, Esc cancels" },
    Binding { keys: "space", does: "live and replay: pause or resume following new packets" },
    Binding { keys: "mouse", does: "click a tab, packet, field, connection or message; scroll" },
    Binding { keys: "?", does: "this help" },
    Binding { keys: "q  Ctrl-C", does: "quit" },
];

/// The action for a terminal event; `editing` is whether the filter line takes the keys.
pub fn action(event: &Event, editing: bool) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => key_action(key, editing),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => Some(Action::Click { x: mouse.column, y: mouse.row }),
            MouseEventKind::ScrollDown => Some(Action::Wheel { x: mouse.column, y: mouse.row, down: true }),
            MouseEventKind::ScrollUp => Some(Action::Wheel { x: mouse.column, y: mouse.row, down: false }),
            _ => None,
        },
        Event::Resize(width, height) => Some(Action::Resize { width: *width, height: *height }),
        _ => None,
    }
}

fn key_action(key: &KeyEvent, editing: bool) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    if editing {
        let modified = key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        return match key.code {
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => Some(Action::FilterClear),
            // Other control and Alt chords type nothing.
            KeyCode::Char(_) if modified => None,
            KeyCode::Char(character) => Some(Action::FilterType(character)),
            KeyCode::Backspace => Some(Action::FilterBackspace),
            KeyCode::Enter => Some(Action::FilterApply),
            KeyCode::Esc => Some(Action::Back),
            _ => None,
        };
    }
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Char('1') => Action::Show(View::Packets),
        KeyCode::Char('2') => Action::Show(View::Connections),
        KeyCode::Char('3') => Action::Show(View::Timeline),
        KeyCode::Char('4') => Action::Show(View::Compare),
        KeyCode::Tab => Action::NextView,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::Top,
        KeyCode::End | KeyCode::Char('G') => Action::Bottom,
        KeyCode::Left | KeyCode::Right | KeyCode::Char('h') | KeyCode::Char('l') => Action::SwitchPane,
        KeyCode::Enter => Action::Enter,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('e') => Action::Explain,
        KeyCode::Char('t') => Action::ToggleScale,
        KeyCode::Char('/') => Action::FilterStart,
        KeyCode::Char(' ') => Action::TogglePause,
        // It still closes help, as help promises of any key.
        _ => Action::Unbound,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{MouseEvent, MouseEventKind};

    fn key(code: KeyCode) -> Event {
        Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn keys_map_to_actions_and_the_filter_line_takes_characters() {
        assert!(matches!(action(&key(KeyCode::Char('q')), false), Some(Action::Quit)));
        assert!(matches!(action(&key(KeyCode::Char('q')), true), Some(Action::FilterType('q'))));
        assert!(matches!(action(&key(KeyCode::Char('3')), false), Some(Action::Show(View::Timeline))));
        assert!(matches!(action(&key(KeyCode::Char('G')), false), Some(Action::Bottom)));
        assert!(matches!(action(&key(KeyCode::Esc), true), Some(Action::Back)));
        let control_u = Event::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert!(matches!(action(&control_u, true), Some(Action::FilterClear)));
        let alt_x = Event::Key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::ALT));
        assert!(action(&alt_x, true).is_none(), "a chord types nothing");
        let control_c = Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert!(matches!(action(&control_c, true), Some(Action::Quit)));
        let wheel = Event::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollDown,
            column: 3,
            row: 4,
            modifiers: KeyModifiers::NONE,
        });
        assert!(matches!(action(&wheel, false), Some(Action::Wheel { x: 3, y: 4, down: true })));
        assert!(matches!(
            action(&Event::Resize(90, 30), false),
            Some(Action::Resize { width: 90, height: 30 })
        ));
        assert!(matches!(action(&key(KeyCode::F(5)), false), Some(Action::Unbound)));
        assert!(matches!(action(&key(KeyCode::Char('x')), false), Some(Action::Unbound)));
    }

    #[test]
    fn help_fits_an_80_column_terminal() {
        for binding in BINDINGS {
            assert!(binding.does.chars().count() <= 61, "{}", binding.does);
        }
    }

    #[test]
    fn help_names_every_key_the_map_answers() {
        let listed: String = BINDINGS.iter().map(|binding| binding.keys).collect::<Vec<_>>().join(" ");
        for name in
            ["1", "Tab", "PgUp", "PgDn", "g", "G", "Enter", "Esc", "e", "/", "space", "?", "q", "mouse"]
        {
            assert!(listed.split_whitespace().any(|key| key == name), "help does not list {name}");
        }
        for character in "q?1234kjgGhlet/ ".chars() {
            let listed = BINDINGS.iter().any(|binding| {
                binding
                    .keys
                    .split_whitespace()
                    .any(|key| key == character.to_string() || (character == ' ' && key == "space"))
            });
            assert!(listed && action(&key(KeyCode::Char(character)), false).is_some(), "{character:?}");
        }
    }
}
