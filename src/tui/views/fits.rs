//! Every request and response label, whole, at 80 columns: for every connection of the
//! bundled captures, the 80x24 Timeline view (scrolled through) and the text timeline at
//! `--width 80` show each label the timeline model gives its messages
//! ([`exchanges`]), never cut, and the text stays within its 80 columns; so do the tables.

use crate::render::label::exchanges;
use crate::render::timeline::{Scale, write_table, write_text_within};
use crate::timeline::Connection;
use crate::tui::app::{Action, App, View};
use crate::tui::testing::{self, COURSE, QUIC, TLS12, TLS13, draw};

const CAPTURES: [&str; 4] = [COURSE, TLS12, TLS13, QUIC];

/// Every request and response label of a connection, from the timeline model.
fn labels(connection: &Connection) -> Vec<String> {
    connection.events.iter().flat_map(exchanges).collect()
}

/// The screens of the Timeline view of connection `index`, from its first message to its last.
fn timeline_screens(app: &mut App, index: usize) -> Vec<String> {
    app.update(Action::Show(View::Connections));
    app.update(Action::Top);
    for _ in 0..index {
        app.update(Action::Down);
    }
    app.update(Action::Enter);
    assert_eq!(app.view, View::Timeline);
    let mut screens = vec![draw(app)];
    for _ in 1..app.event_count() {
        app.update(Action::Down);
        screens.push(draw(app));
    }
    screens
}

#[test]
fn the_80x24_timeline_shows_every_request_and_response_whole() {
    for capture in CAPTURES {
        let mut checked = 0;
        let mut app = testing::app(capture, (80, 24));
        let connections = testing::connections(&app);
        for (index, connection) in connections.iter().enumerate() {
            let screens = timeline_screens(&mut app, index);
            for label in labels(connection) {
                assert!(
                    screens.iter().any(|screen| screen.lines().any(|line| line.contains(&label))),
                    "{capture}, connection {}: {label:?} is not whole on any screen:\n{}",
                    connection.id,
                    screens.join("\n")
                );
                checked += 1;
            }
        }
        // The course capture has twelve HTTP connections, a request and a response each.
        assert!(capture != COURSE || checked >= 24, "{capture}: only {checked} labels to check");
    }
}

#[test]
fn the_text_timeline_at_80_columns_shows_every_request_and_response_whole() {
    for capture in CAPTURES {
        let mut checked = 0;
        let app = testing::app(capture, (80, 24));
        for scale in [Scale::Compact, Scale::ToScale] {
            let mut text = Vec::new();
            write_text_within(&mut text, &testing::connections(&app), scale, 80).expect("written");
            let text = String::from_utf8(text).expect("UTF-8");
            for line in text.lines() {
                assert!(line.chars().count() <= 80, "{capture}: wider than 80 columns: {line:?}");
            }
            for connection in &testing::connections(&app) {
                for label in labels(connection) {
                    assert!(
                        text.lines().any(|line| line.contains(&label)),
                        "{capture}, connection {} ({scale:?}): {label:?} is not whole:\n{text}",
                        connection.id
                    );
                    checked += 1;
                }
            }
        }
        assert!(capture != COURSE || checked >= 48, "{capture}: only {checked} labels to check");
    }
}

/// The table under the text timeline and the demo's (with the textbook's round trips) fit 80
/// columns, and keep their wide shape where there is room for it.
#[test]
fn the_tables_fit_80_columns_and_stay_wide_where_they_can() {
    let app = testing::app(COURSE, (80, 24));
    for textbook in [false, true] {
        let mut narrow = Vec::new();
        write_table(&mut narrow, &testing::connections(&app), textbook, 80).expect("written");
        let narrow = String::from_utf8(narrow).expect("UTF-8");
        for line in narrow.lines() {
            assert!(line.chars().count() <= 80, "wider than 80 columns: {line:?}");
        }
        // A row per connection, its id first, between the heading and the legend.
        for connection in &app.connections.all {
            let id = connection.id.to_string();
            assert!(
                narrow.lines().any(|line| line.split_whitespace().next() == Some(id.as_str())),
                "{narrow}"
            );
        }
        assert_eq!(narrow.contains('✓'), textbook);
        let mut wide = Vec::new();
        write_table(&mut wide, &testing::connections(&app), textbook, 200).expect("written");
        let wide = String::from_utf8(wide).expect("UTF-8");
        assert!(wide.lines().next().is_some_and(|heading| heading.contains("time to request")), "{wide}");
        // A heading and a row per connection; under a row, at most the line that says why an
        // implementation's count differs from the textbook's (OpenSSH's).
        let rows = wide.lines().filter(|line| !line.trim_start().starts_with('+')).count();
        assert_eq!(rows, app.connections.all.len() + 1, "no legend under the wide table");
    }
}
