//! `App::update` for issue 19's actions: follow, find and go, marks and time, on the course
//! capture (keys embedded) and the public TLS 1.3 one.

use super::*;
use crate::render::time::TimeFormat;
use crate::tui::app::{Action, App, View};
use crate::tui::follow::{Format, Sides};
use crate::tui::search;
use crate::tui::testing::{self, COURSE, TLS13, bundled};

const SIZE: (u16, u16) = (80, 24);

/// The app on `capture` after `actions`, each command answered as the workers would.
fn after(capture: &str, actions: Vec<Action>) -> App {
    let (source, keylog) = bundled(capture);
    let mut app = testing::app(capture, SIZE);
    for action in actions {
        app.update(action);
        testing::deliver(&mut app, &source, &keylog);
    }
    app
}

fn typed(text: &str) -> Vec<Action> {
    text.chars().map(Action::FilterType).collect()
}

#[test]
fn f_follows_the_selected_packet_and_enter_goes_to_a_line_s_packet_and_esc_back() {
    // Frame 10 of the course capture is the TLS 1.2 connection's GET.
    let mut actions = vec![Action::GoToStart];
    actions.extend(typed("10"));
    actions.extend([Action::FilterApply, Action::Follow]);
    let mut app = after(COURSE, actions);
    assert_eq!(app.view, View::Follow);
    let followed = app.follow.followed.as_ref().expect("followed");
    assert!(followed.decrypted);
    assert_eq!(app.follow.lines[0].text, "GET /tls12/1 HTTP/1.1");
    // Sides and formats cycle.
    app.update(Action::FollowSides);
    assert_eq!(app.follow.sides, Sides::Client);
    app.update(Action::FollowSides);
    assert!(app.follow.lines[0].text.starts_with("HTTP/1.1 200 OK"), "{:?}", app.follow.lines[0]);
    app.update(Action::FollowSides);
    app.update(Action::FollowFormat);
    assert_eq!(app.follow.format, Format::Ascii);
    // `/` finds inside the stream, Enter goes to the line's packet.
    app.update(Action::FindStart);
    for action in typed("200 OK") {
        app.update(action);
    }
    app.update(Action::FilterApply);
    let line = &app.follow.lines[app.follow.cursor.selected()];
    assert!(line.text.contains("200 OK"));
    let frame = line.frame;
    app.update(Action::Enter);
    assert_eq!((app.view, app.selected_frame()), (View::Packets, Some(frame)));
    // Esc from Follow returns where it was opened from.
    app.update(Action::Follow);
    app.update(Action::Back);
    assert_eq!(app.view, View::Packets);
}

#[test]
fn f_on_a_connection_follows_it() {
    let app = after(COURSE, vec![Action::Show(View::Connections), Action::Follow]);
    assert_eq!(app.view, View::Follow);
    assert_eq!(app.follow.back_to, Some(View::Connections));
    assert!(app.follow.followed.is_some());
}

#[test]
fn ctrl_f_finds_a_string_and_n_and_capital_n_move_between_matches_wrapping() {
    let mut actions = vec![Action::FindStart];
    actions.extend(typed("Application Data"));
    actions.push(Action::FilterApply);
    let mut app = after(TLS13, actions);
    let find = app.bench.find.as_ref().expect("a find");
    assert!(find.done && find.matches.len() >= 2, "{:?}", find.matches);
    let matches = find.matches.clone();
    assert_eq!(app.selected_frame(), Some(matches[0]));
    app.update(Action::FindNext);
    assert_eq!(app.selected_frame(), Some(matches[1]));
    app.update(Action::FindPrevious);
    assert_eq!(app.selected_frame(), Some(matches[0]));
    app.update(Action::FindPrevious);
    assert_eq!(app.selected_frame(), matches.last().copied(), "wraps to the last");
    assert!(app.notes.last().is_some_and(|note| note.contains("wrapped")));
}

#[test]
fn the_search_bar_takes_hex_and_filters_and_says_when_nothing_matches() {
    // Tab: string → hex; a TLS handshake record's first bytes.
    let mut actions = vec![Action::FindStart, Action::LineTab];
    actions.extend(typed("16:03:01"));
    actions.push(Action::FilterApply);
    let app = after(TLS13, actions);
    assert_eq!(app.bench.last_mode, search::Mode::Hex);
    assert_eq!(
        app.selected_frame(),
        Some(5),
        "the ClientHello, as dissect -Y 'frame contains 16:03:01' finds it"
    );
    let mut actions = vec![Action::FindStart];
    actions.extend(typed("f:tcp.flags.fin == 1"));
    actions.push(Action::FilterApply);
    let app = after(TLS13, actions);
    assert_eq!(app.selected_frame(), Some(19));
    let mut actions = vec![Action::FindStart];
    actions.extend(typed("nothing like this"));
    actions.push(Action::FilterApply);
    let app = after(TLS13, actions);
    assert!(app.notes.last().is_some_and(|note| note.starts_with("no packet matches")), "{:?}", app.notes);
}

#[test]
fn go_to_a_packet_number_and_a_bad_number_gets_one_line() {
    let mut actions = vec![Action::GoToStart];
    actions.extend(typed("7"));
    actions.push(Action::FilterApply);
    let app = after(TLS13, actions);
    assert_eq!(app.selected_frame(), Some(7));
    let mut actions = vec![Action::GoToStart];
    actions.extend(typed("99"));
    actions.push(Action::FilterApply);
    let app = after(TLS13, actions);
    assert_eq!(app.selected_frame(), Some(1));
    assert_eq!(app.notes, ["no packet 99: the capture has 22 (so far)"]);
    let mut app = after(TLS13, vec![Action::GoToStart, Action::FilterType('x'), Action::FilterApply]);
    assert_eq!(app.notes.len(), 1);
    app.update(Action::GoToStart);
    app.update(Action::Back);
    assert!(app.bench.prompt.is_none(), "Esc closes the prompt");
}

#[test]
fn marks_are_set_cleared_and_visited_in_order_wrapping() {
    let mut app = after(
        TLS13,
        vec![Action::Down, Action::Mark, Action::Down, Action::Down, Action::Down, Action::Mark],
    );
    assert_eq!(app.bench.marks.iter().copied().collect::<Vec<_>>(), [2, 5]);
    app.update(Action::Top);
    app.update(Action::NextMark);
    assert_eq!(app.selected_frame(), Some(2));
    app.update(Action::NextMark);
    assert_eq!(app.selected_frame(), Some(5));
    app.update(Action::NextMark);
    assert_eq!(app.selected_frame(), Some(2), "wraps");
    app.update(Action::PreviousMark);
    assert_eq!(app.selected_frame(), Some(5), "wraps back");
    app.update(Action::Mark);
    assert_eq!(app.bench.marks.iter().copied().collect::<Vec<_>>(), [2]);
    let screen = testing::draw(&app);
    assert!(screen.lines().any(|line| line.contains("●    2 ")), "{screen}");
}

#[test]
fn a_time_reference_counts_later_times_from_it_and_t_cycles_the_formats() {
    let mut app = after(TLS13, vec![Action::Down, Action::Down, Action::TimeReference]);
    assert!(app.bench.references.contains(&3));
    let shown = app.shown();
    let row = |frame: u64| shown.state.rows.get(frame as usize - 1).expect("row");
    assert_eq!(time_text(&app.bench, shown, 2, row(3)), "*REF*");
    let since = row(4).relative_ns - row(3).relative_ns;
    assert_eq!(time_text(&app.bench, shown, 3, row(4)), crate::tui::views::packets::seconds(since));
    // Before the reference, times still count from the first packet.
    assert_eq!(
        time_text(&app.bench, shown, 1, row(2)),
        crate::tui::views::packets::seconds(row(2).relative_ns)
    );
    let mut seen = vec![app.bench.time];
    for _ in 0..6 {
        app.update(Action::TimeFormat);
        seen.push(app.bench.time);
    }
    assert_eq!(seen[..6], TIME_FORMATS);
    assert_eq!(seen[6], TimeFormat::Relative, "round again");
    app.update(Action::TimeReference);
    assert!(app.bench.references.is_empty(), "Ctrl-T again clears it");
}
