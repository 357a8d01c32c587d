//! The one table of keys: what each key does, in which views, and what help says of it. Key
//! handling ([`action`]) and the help screen ([`help_lines`]) are both read from [`BINDINGS`],
//! so help cannot forget a key nor name one that does nothing.
//!
//! The filter line's own keys (typing, Backspace, Ctrl-U, Enter, Esc) are not in the table:
//! while it is open every character is text. Help describes them on the `/` row.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind};

use super::action::Export;
use super::app::{Action, View};
use super::filter_from::Combine;

/// A key of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A key, whatever the modifiers (capitals come with Shift).
    Press(KeyCode),
    /// A letter pressed with Ctrl.
    Ctrl(char),
}

impl Key {
    /// The key as help writes it.
    pub fn name(self) -> String {
        match self {
            Self::Press(KeyCode::Char(' ')) => "space".to_owned(),
            Self::Press(KeyCode::Char(character)) => character.to_string(),
            Self::Press(KeyCode::Up) => "↑".to_owned(),
            Self::Press(KeyCode::Down) => "↓".to_owned(),
            Self::Press(KeyCode::Left) => "←".to_owned(),
            Self::Press(KeyCode::Right) => "→".to_owned(),
            Self::Press(KeyCode::PageUp) => "PgUp".to_owned(),
            Self::Press(KeyCode::PageDown) => "PgDn".to_owned(),
            Self::Press(KeyCode::Tab) => "Tab".to_owned(),
            Self::Press(KeyCode::Enter) => "Enter".to_owned(),
            Self::Press(KeyCode::Esc) => "Esc".to_owned(),
            Self::Press(KeyCode::Home) => "Home".to_owned(),
            Self::Press(KeyCode::End) => "End".to_owned(),
            Self::Press(code) => format!("{code:?}"),
            Self::Ctrl(character) => format!("Ctrl-{}", character.to_ascii_uppercase()),
        }
    }

    /// Whether a key event is this key.
    fn matches(self, key: &KeyEvent) -> bool {
        match self {
            Self::Press(code) => key.code == code,
            Self::Ctrl(character) => {
                key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(character)
            }
        }
    }
}

/// The views a binding acts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Views {
    Every,
    Only(View),
}

impl Views {
    pub fn contain(self, view: View) -> bool {
        match self {
            Self::Every => true,
            Self::Only(only) => only == view,
        }
    }
}

/// A key and the action it makes.
pub type Press = (Key, fn() -> Action);

/// What a row of the table answers.
pub enum Keys {
    /// Groups of keys, each key with its action. Help writes the keys of a group one space
    /// apart and the groups two.
    Press(&'static [&'static [Press]]),
    /// The mouse: a click or the wheel acts on what is drawn where it points (see [`action`]).
    Mouse,
}

/// One row of the table: keys, the views they act in, and what help says they do.
pub struct Binding {
    pub keys: Keys,
    pub views: Views,
    /// What they do. Help writes a view's name before it when they act in one view only.
    pub does: &'static str,
}

impl Binding {
    /// The keys as help writes them.
    pub fn label(&self) -> String {
        match self.keys {
            Keys::Press(groups) => groups
                .iter()
                .map(|group| group.iter().map(|(key, _)| key.name()).collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
                .join("  "),
            Keys::Mouse => "mouse".to_owned(),
        }
    }

    /// What help says the keys do.
    pub fn help(&self) -> String {
        match self.views {
            Views::Every => self.does.to_owned(),
            Views::Only(view) => format!("{}: {}", view.title(), self.does),
        }
    }

    fn presses(&self) -> impl Iterator<Item = &Press> {
        let groups = match self.keys {
            Keys::Press(groups) => groups,
            Keys::Mouse => &[],
        };
        groups.iter().flat_map(|group| group.iter())
    }
}

const fn press(code: KeyCode, action: fn() -> Action) -> Press {
    (Key::Press(code), action)
}

const fn letter(character: char, action: fn() -> Action) -> Press {
    press(KeyCode::Char(character), action)
}

/// Every key the UI answers, in the order help lists them. Each line of help fits the help
/// box of an 80-column terminal.
pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: Keys::Press(&[&[
            letter('1', || Action::Show(View::Packets)),
            letter('2', || Action::Show(View::Connections)),
            letter('3', || Action::Show(View::Timeline)),
            letter('4', || Action::Show(View::Compare)),
        ]]),
        views: Views::Every,
        does: "Packets, Connections, Timeline, Compare",
    },
    Binding {
        keys: Keys::Press(&[&[press(KeyCode::Tab, || Action::NextView)]]),
        views: Views::Every,
        does: "next view",
    },
    Binding {
        keys: Keys::Press(&[
            &[press(KeyCode::Up, || Action::Up), press(KeyCode::Down, || Action::Down)],
            &[letter('k', || Action::Up), letter('j', || Action::Down)],
        ]),
        views: Views::Every,
        does: "move the selection",
    },
    Binding {
        keys: Keys::Press(&[&[
            press(KeyCode::PageUp, || Action::PageUp),
            press(KeyCode::PageDown, || Action::PageDown),
        ]]),
        views: Views::Every,
        does: "move a page",
    },
    Binding {
        keys: Keys::Press(&[
            &[letter('g', || Action::Top), letter('G', || Action::Bottom)],
            &[press(KeyCode::Home, || Action::Top), press(KeyCode::End, || Action::Bottom)],
        ]),
        views: Views::Every,
        does: "first, last",
    },
    Binding {
        keys: Keys::Press(&[
            &[press(KeyCode::Left, || Action::SwitchPane), press(KeyCode::Right, || Action::SwitchPane)],
            &[letter('h', || Action::SwitchPane), letter('l', || Action::SwitchPane)],
        ]),
        views: Views::Only(View::Packets),
        does: "switch between the list and the layer tree",
    },
    Binding {
        keys: Keys::Press(&[&[letter('\\', || Action::Maximise)]]),
        views: Views::Only(View::Packets),
        does: "maximise the focused pane, or restore",
    },
    Binding {
        keys: Keys::Press(&[&[press(KeyCode::Enter, || Action::Enter)]]),
        views: Views::Every,
        does: "open: layers, timeline, a message's packet; fold an OSI layer",
    },
    Binding {
        keys: Keys::Press(&[&[press(KeyCode::Esc, || Action::Back)]]),
        views: Views::Every,
        does: "close help, filter, explanation, tree; back to connections",
    },
    Binding {
        keys: Keys::Press(&[&[letter('e', || Action::Explain)]]),
        views: Views::Only(View::Timeline),
        does: "explain the selected message",
    },
    // `t` sets how the Timeline draws from any view, so it acts in every one; its text names
    // the view it changes.
    Binding {
        keys: Keys::Press(&[&[letter('t', || Action::ToggleScale)]]),
        views: Views::Every,
        does: "Timeline: time to scale (arrows slope), or one row each",
    },
    Binding {
        keys: Keys::Press(&[&[letter('/', || Action::FilterStart)]]),
        views: Views::Every,
        does: "display filter as in dissect -Y; Ctrl-U empties, Esc cancels",
    },
    Binding {
        keys: Keys::Press(&[&[letter(' ', || Action::TogglePause)]]),
        views: Views::Every,
        does: "live and replay: pause or resume following new packets",
    },
    Binding {
        keys: Keys::Mouse,
        views: Views::Every,
        does: "click a tab, packet, field, connection or message; scroll",
    },
    Binding {
        keys: Keys::Press(&[&[letter('?', || Action::ToggleHelp)]]),
        views: Views::Every,
        does: "this help",
    },
    Binding {
        keys: Keys::Press(&[&[letter('q', || Action::Quit)], &[(Key::Ctrl('c'), || Action::Quit)]]),
        views: Views::Every,
        does: "quit",
    },
    // ---- filters from what you see, statistics, export (issue 19) ----
    Binding {
        keys: Keys::Press(&[
            &[letter('5', || Action::Show(View::Statistics))],
            &[letter('w', || Action::Export(Export::ShownPackets))],
            &[
                letter('v', || Action::Export(Export::TimelineSvg)),
                letter('V', || Action::Export(Export::TimelineMermaid)),
            ],
            &[letter('y', || Action::CopyValue)],
        ]),
        views: Views::Every,
        does: "Statistics; export packets, SVG, Mermaid; y copies a value",
    },
    Binding {
        keys: Keys::Press(&[&[
            letter('a', || Action::FilterFrom(Combine::Selected)),
            letter('!', || Action::FilterFrom(Combine::NotSelected)),
            letter('&', || Action::FilterFrom(Combine::AndSelected)),
            letter('|', || Action::FilterFrom(Combine::OrSelected)),
            letter('-', || Action::FilterFrom(Combine::AndNotSelected)),
            letter('~', || Action::FilterFrom(Combine::OrNotSelected)),
        ]]),
        views: Views::Every,
        does: "as filter: field/connection; not, and, or, and not, or not",
    },
    Binding {
        keys: Keys::Press(&[
            &[
                press(KeyCode::Left, || Action::StatsPage { next: false }),
                press(KeyCode::Right, || Action::StatsPage { next: true }),
            ],
            &[
                letter('h', || Action::StatsPage { next: false }),
                letter('l', || Action::StatsPage { next: true }),
            ],
        ]),
        views: Views::Only(View::Statistics),
        does: "previous, next page",
    },
    Binding {
        keys: Keys::Press(&[&[
            letter('c', || Action::StatsKind),
            letter('s', || Action::StatsSort { reverse: false }),
            letter('S', || Action::StatsSort { reverse: true }),
            letter('[', || Action::StatsInterval { longer: false }),
            letter(']', || Action::StatsInterval { longer: true }),
            letter('n', || Action::StatsNextPacket),
        ]]),
        views: Views::Only(View::Statistics),
        does: "kind, sort, order, I/O interval, next packet",
    },
    // ---- issue 19: follow stream, find and go, marks and time ----
    Binding {
        keys: Keys::Press(&[&[letter('f', || Action::Follow)]]),
        views: Views::Every,
        does: "follow the packet's or connection's stream, decrypted",
    },
    Binding {
        keys: Keys::Press(&[&[
            letter('c', || Action::FollowSides),
            letter('v', || Action::FollowFormat),
            letter('/', || Action::FindStart),
        ]]),
        views: Views::Only(View::Follow),
        does: "sides; HTTP, ASCII, hex, raw; find; Enter: packet",
    },
    Binding {
        keys: Keys::Press(&[
            &[(Key::Ctrl('f'), || Action::FindStart)],
            &[letter('n', || Action::FindNext), letter('N', || Action::FindPrevious)],
        ]),
        views: Views::Every,
        does: "find string, hex or filter (Tab); next, previous",
    },
    Binding {
        keys: Keys::Press(&[&[letter(':', || Action::GoToStart)], &[(Key::Ctrl('g'), || Action::GoToStart)]]),
        views: Views::Every,
        does: "go to a packet number",
    },
    Binding {
        keys: Keys::Press(&[&[
            letter('m', || Action::Mark),
            letter('\'', || Action::NextMark),
            letter('"', || Action::PreviousMark),
            (Key::Ctrl('t'), || Action::TimeReference),
            letter('t', || Action::TimeFormat),
        ]]),
        views: Views::Only(View::Packets),
        does: "mark, next, previous; time reference, -t format",
    },
    // ---- issue 19: HTTP objects ----
    Binding {
        keys: Keys::Press(&[&[letter('o', || Action::ExportObjects)]]),
        views: Views::Every,
        does: "export HTTP objects: each response body to NAME-objects/",
    },
];

/// Help's lines: each row's keys as help writes them, and what they do.
pub fn help_lines() -> impl Iterator<Item = (String, String)> {
    BINDINGS.iter().map(|binding| (binding.label(), binding.help()))
}

/// The action for a terminal event in `view`; `editing` is whether the filter line takes
/// the keys.
pub fn action(event: &Event, editing: bool, view: View) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => key_action(key, editing, view),
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

/// The table's action for a key in `view`: a Ctrl chord first (it acts even in the filter
/// line), then the key alone. A row for `view` alone wins over a row for every view (`t` is
/// the Time column's format in Packets, the Timeline's scale elsewhere).
fn bound(key: &KeyEvent, editing: bool, view: View) -> Option<Action> {
    let only = BINDINGS.iter().filter(move |binding| binding.views == Views::Only(view));
    let every = BINDINGS.iter().filter(|binding| binding.views == Views::Every);
    let presses = || only.clone().chain(every.clone()).flat_map(Binding::presses);
    let chord = presses().find(|(bound, _)| matches!(bound, Key::Ctrl(_)) && bound.matches(key));
    let alone =
        || presses().find(|(bound, _)| !editing && matches!(bound, Key::Press(_)) && bound.matches(key));
    chord.or_else(alone).map(|(_, action)| action())
}

fn key_action(key: &KeyEvent, editing: bool, view: View) -> Option<Action> {
    if let Some(action) = bound(key, editing, view) {
        return Some(action);
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
            KeyCode::Tab => Some(Action::LineTab),
            _ => None,
        };
    }
    // A key with no binding here still closes help, as help promises of any key.
    Some(Action::Unbound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{MouseEvent, MouseEventKind};

    fn key(code: KeyCode) -> Event {
        Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn chord(code: KeyCode, modifiers: KeyModifiers) -> Event {
        Event::Key(KeyEvent::new(code, modifiers))
    }

    /// The action as text, to compare (actions carry reports that are not comparable).
    fn said(action: Option<Action>) -> String {
        format!("{action:?}")
    }

    #[test]
    fn every_key_of_the_table_makes_its_action_in_its_views_and_nothing_elsewhere() {
        let mut keys = 0;
        for binding in BINDINGS {
            for (bound, make) in binding.presses() {
                let event = match bound {
                    Key::Press(code) => key(*code),
                    Key::Ctrl(character) => chord(KeyCode::Char(*character), KeyModifiers::CONTROL),
                };
                for view in View::ALL.into_iter().chain([View::Follow]) {
                    // A row for one view wins over a row for every view: `t` in Packets.
                    let overridden = binding.views == Views::Every
                        && BINDINGS.iter().any(|other| {
                            other.views == Views::Only(view) && other.presses().any(|(key, _)| key == bound)
                        });
                    // Elsewhere, the key may be another row's.
                    // (A Ctrl chord unbound in a view is its letter there, as Ctrl-T is `t`.)
                    let letter = match bound {
                        Key::Ctrl(character) => Key::Press(KeyCode::Char(*character)),
                        other => *other,
                    };
                    let another = !binding.views.contain(view)
                        && BINDINGS.iter().any(|other| {
                            other.views.contain(view)
                                && other.presses().any(|(key, _)| key == bound || *key == letter)
                        });
                    if overridden || another {
                        continue;
                    }
                    let expected = if binding.views.contain(view) { make() } else { Action::Unbound };
                    assert_eq!(
                        said(action(&event, false, view)),
                        said(Some(expected)),
                        "{} in {view:?}",
                        bound.name()
                    );
                }
                keys += 1;
            }
        }
        assert_eq!(keys, 29 + 21 + 14 + 1, "every key of the table was pressed");
    }

    #[test]
    fn keys_make_the_actions_help_promises() {
        let in_packets = |event: &Event| said(action(event, false, View::Packets));
        assert_eq!(in_packets(&key(KeyCode::Char('q'))), said(Some(Action::Quit)));
        assert_eq!(in_packets(&key(KeyCode::Char('3'))), said(Some(Action::Show(View::Timeline))));
        assert_eq!(in_packets(&chord(KeyCode::Char('G'), KeyModifiers::SHIFT)), said(Some(Action::Bottom)));
        assert_eq!(in_packets(&key(KeyCode::Char('l'))), said(Some(Action::SwitchPane)));
        assert_eq!(in_packets(&key(KeyCode::Char('\\'))), said(Some(Action::Maximise)));
        assert_eq!(
            in_packets(&key(KeyCode::Char('e'))),
            said(Some(Action::Unbound)),
            "e explains in Timeline"
        );
        assert_eq!(
            said(action(&key(KeyCode::Char('e')), false, View::Timeline)),
            said(Some(Action::Explain))
        );
        assert_eq!(in_packets(&key(KeyCode::Char('t'))), said(Some(Action::TimeFormat)), "t in Packets");
        assert_eq!(
            said(action(&key(KeyCode::Char('t')), false, View::Connections)),
            said(Some(Action::ToggleScale)),
            "t elsewhere"
        );
        assert_eq!(in_packets(&key(KeyCode::Char('f'))), said(Some(Action::Follow)));
        assert_eq!(
            in_packets(&chord(KeyCode::Char('f'), KeyModifiers::CONTROL)),
            said(Some(Action::FindStart))
        );
        assert_eq!(
            said(action(&key(KeyCode::Char('/')), false, View::Follow)),
            said(Some(Action::FindStart)),
            "/ finds in the stream"
        );
        assert_eq!(in_packets(&key(KeyCode::Char('/'))), said(Some(Action::FilterStart)));
        assert_eq!(
            said(action(&key(KeyCode::Char('c')), false, View::Follow)),
            said(Some(Action::FollowSides))
        );
        assert_eq!(in_packets(&key(KeyCode::F(5))), said(Some(Action::Unbound)));
        assert_eq!(in_packets(&key(KeyCode::Char('x'))), said(Some(Action::Unbound)));
    }

    #[test]
    fn the_filter_line_takes_characters_but_ctrl_c_still_quits() {
        let editing = |event: &Event| said(action(event, true, View::Packets));
        assert_eq!(editing(&key(KeyCode::Char('q'))), said(Some(Action::FilterType('q'))));
        assert_eq!(editing(&key(KeyCode::Char('/'))), said(Some(Action::FilterType('/'))));
        assert_eq!(editing(&key(KeyCode::Esc)), said(Some(Action::Back)));
        assert_eq!(editing(&key(KeyCode::Enter)), said(Some(Action::FilterApply)));
        assert_eq!(
            editing(&chord(KeyCode::Char('u'), KeyModifiers::CONTROL)),
            said(Some(Action::FilterClear))
        );
        assert_eq!(
            editing(&chord(KeyCode::Char('x'), KeyModifiers::ALT)),
            said(None),
            "a chord types nothing"
        );
        assert_eq!(editing(&chord(KeyCode::Char('c'), KeyModifiers::CONTROL)), said(Some(Action::Quit)));
    }

    #[test]
    fn the_mouse_and_resizes_become_actions_where_they_happen() {
        let wheel = Event::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollDown,
            column: 3,
            row: 4,
            modifiers: KeyModifiers::NONE,
        });
        assert!(matches!(
            action(&wheel, false, View::Packets),
            Some(Action::Wheel { x: 3, y: 4, down: true })
        ));
        assert!(matches!(
            action(&Event::Resize(90, 30), false, View::Compare),
            Some(Action::Resize { width: 90, height: 30 })
        ));
    }

    #[test]
    fn help_writes_each_row_of_the_table() {
        let lines: Vec<(String, String)> = help_lines().collect();
        assert_eq!(lines.len(), BINDINGS.len());
        assert_eq!(lines[2], ("↑ ↓  k j".to_owned(), "move the selection".to_owned()));
        assert_eq!(lines[5].1, "Packets: switch between the list and the layer tree");
        assert_eq!(lines[6], ("\\".to_owned(), "Packets: maximise the focused pane, or restore".to_owned()));
        assert_eq!(lines[12].0, "space");
        assert_eq!(lines[13].0, "mouse");
        assert_eq!(lines[15], ("q  Ctrl-C".to_owned(), "quit".to_owned()));
    }
}
