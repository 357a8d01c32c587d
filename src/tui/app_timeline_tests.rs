//! `App::update` in the views of connections: the Connections list, a connection's Timeline
//! and the Compare race, on the public TLS 1.3 capture and the course capture of every variant.

use super::tests::{app, course, frame_details_requested};
use super::*;
use crate::tui::testing::{self, TLS13};

#[test]
fn enter_on_a_connection_opens_its_timeline_and_on_a_message_its_packet() {
    let mut app = course();
    app.update(Action::Show(View::Connections));
    app.update(Action::Down);
    assert_eq!(app.connections.list.selected(), 1);
    app.update(Action::Enter);
    assert_eq!(app.view, View::Timeline);
    app.update(Action::Down);
    app.update(Action::Down);
    let frame = app.selected_connection().expect("connection 1").events[2].frame;
    app.update(Action::Enter);
    assert_eq!((app.view, app.packets.focus), (View::Packets, Focus::List));
    assert_eq!(app.selected_frame(), Some(frame));
    assert_eq!(frame_details_requested(&mut app).last(), Some(&frame));
}

#[test]
fn explain_only_opens_in_the_timeline() {
    let mut app = app();
    app.update(Action::Explain);
    assert!(!app.timeline.explaining);
    app.update(Action::Show(View::Timeline));
    app.update(Action::Explain);
    assert!(app.timeline.explaining);
    app.update(Action::Explain);
    assert!(!app.timeline.explaining);
}

#[test]
fn t_draws_the_timeline_to_scale_and_back_keeping_the_message() {
    let mut app = app();
    assert!(!app.timeline.to_scale, "a loopback capture opens compact");
    app.update(Action::Show(View::Timeline));
    app.update(Action::Down);
    app.update(Action::Down);
    app.update(Action::ToggleScale);
    assert!(app.timeline.to_scale);
    assert_eq!(app.timeline.events.selected(), 2);
    let screen = testing::draw(&app);
    assert!(screen.contains("to scale: one row ="), "{screen}");
    app.update(Action::ToggleScale);
    assert!(!app.timeline.to_scale);
    assert_eq!(app.timeline.events.selected(), 2);
}

#[test]
fn timelines_of_both_ends_of_a_link_open_to_scale() {
    let mut app = App::new("t", Mode::File);
    let mut connections = testing::timelines(TLS13);
    for connection in &mut connections {
        std::sync::Arc::make_mut(connection).vantage = Vantage::Both;
    }
    testing::report(&mut app, TimelineReport { ended: connections, open: Vec::new() });
    assert!(app.timeline.to_scale);
}

#[test]
fn the_race_order_kept_across_reports_is_the_order_of_a_whole_sort() {
    use crate::tui::state::{COMPARE_ORDER, CompareState, ConnectionsState};
    let all = course().connections.all;
    assert!(all.len() >= 8, "{} connections", all.len());
    // Reports as the indexer sends them: more ended each time, the rest still open.
    let mut connections = ConnectionsState::default();
    let mut compare = CompareState::default();
    let mut before = 0;
    for ended in [0, 2, 3, all.len() / 2, all.len()] {
        connections.take(TimelineReport { ended: all[before..ended].to_vec(), open: all[ended..].to_vec() });
        before = ended;
        compare.sort(&connections);
        let mut expected: Vec<usize> = (0..all.len()).collect();
        expected.sort_by_key(|at| {
            let name = all[*at].variant.name();
            (
                COMPARE_ORDER.iter().position(|known| *known == name).unwrap_or(COMPARE_ORDER.len()),
                name,
                all[*at].id,
            )
        });
        assert_eq!(compare.order(), expected, "after {ended} ended");
    }
}

#[test]
fn compare_moves_in_the_order_it_draws_grouped_by_variant() {
    let mut app = course();
    app.update(Action::Show(View::Compare));
    let order = app.compare.order().to_vec();
    let variants: Vec<&str> = order.iter().map(|at| app.connections.all[*at].variant.name()).collect();
    assert_eq!(variants.first(), Some(&"tls12"));
    let tls13 = variants.iter().filter(|variant| **variant == "tls13").count();
    assert_eq!(&variants[1..1 + tls13], vec!["tls13"; tls13].as_slice(), "one group per variant");
    app.update(Action::Down);
    assert_eq!(app.connections.list.selected(), order[1]);
    app.update(Action::Enter);
    assert_eq!(app.view, View::Timeline);
    assert_eq!(app.selected_connection().map(|connection| connection.variant.name()), Some("tls13"));
}

#[test]
fn an_open_connection_reported_without_its_events_is_asked_for_and_not_followed_empty() {
    let mut app = App::new("t", Mode::File);
    let mut open = testing::timelines(TLS13);
    let withheld = std::sync::Arc::make_mut(&mut open[0]);
    withheld.events.clear();
    withheld.withheld = true;
    let id = withheld.id;
    testing::report(&mut app, TimelineReport { ended: Vec::new(), open });
    app.update(Action::Show(View::Timeline));
    assert!(testing::draw(&app).contains("reading its messages…"));
    assert_eq!(app.connections.asked.asked(), Some(id), "drawing it asked the indexer for it");
    app.update(Action::Follow);
    assert_eq!(app.view, View::Timeline, "nothing to follow yet");
    assert!(app.notes.last().is_some_and(|note| note.contains("on their way")), "{:?}", app.notes);
}

/// A connection whose messages cannot be read back from the temporary file is still listed,
/// and its Timeline and its request and response say why in one line, at 80x24.
#[test]
fn messages_that_cannot_be_read_back_are_said_so_in_place_of_them() {
    let mut app = testing::app(testing::COURSE, (80, 24));
    app.update(Action::Show(View::Connections));
    app.update(Action::Down);
    assert!(app.selected_connection().is_some_and(|connection| !connection.events.is_empty()));
    assert_eq!(app.connections.selected_unreadable(), None);
    app.connections.spill.lose_contents();
    // The connection read last is kept whole: the one after it must come from the file.
    app.update(Action::Down);
    let connection = app.selected_connection().expect("still listed");
    assert!(connection.events.is_empty());
    let why = app.connections.selected_unreadable().expect("the failure is kept");
    let said = format!("its messages could not be read back: {why}");
    assert!(testing::draw(&app).contains(&said), "{}", testing::draw(&app));
    app.update(Action::Enter);
    assert_eq!(app.view, View::Timeline);
    let screen = testing::draw(&app);
    assert!(screen.contains(&said), "{screen}");
    // Following it has nothing to follow: the status bar says why.
    app.update(Action::Follow);
    let id = connection.id;
    let note = format!("connection {id}'s messages could not be read back: {why}");
    assert_eq!(app.notes.last(), Some(&note));
}
