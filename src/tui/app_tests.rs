//! `App::update`, action by action, without a terminal: on the public TLS 1.3 capture (22
//! frames, one connection), and where many connections are needed on the course capture of
//! every variant.

use super::*;
use crate::track::keylog::HelloMatches;
use crate::tui::detail::NodeKind;
use crate::tui::testing::{self, COURSE, TLS13, bundled};
use crate::tui::views;

pub(super) const SIZE: (u16, u16) = (100, 30);
/// The frames of the public TLS 1.3 capture.
const FRAMES: u64 = 22;

pub(super) fn app() -> App {
    testing::app(TLS13, SIZE)
}

/// The app on the capture of every variant: 223 frames, 15 connections.
pub(super) fn course() -> App {
    testing::app(COURSE, SIZE)
}

pub(super) fn frame_details_requested(app: &mut App) -> Vec<u64> {
    app.take_commands()
        .into_iter()
        .filter_map(|command| match command {
            Command::Detail(frame) => Some(frame),
            _ => None,
        })
        .collect()
}

#[test]
fn indexed_rows_and_timelines_arrive_and_the_first_packet_is_taken_apart() {
    let app = course();
    let course_frames =
        crate::capture::CaptureFile::open(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(COURSE))
            .expect("the course capture opens")
            .frames()
            .filter(Result::is_ok)
            .count();
    assert_eq!(app.packets.rows.len(), course_frames);
    assert_eq!(app.connections.all.len(), 24);
    let app = self::app();
    assert_eq!(app.packets.rows.len(), FRAMES as usize);
    assert_eq!(app.connections.all.len(), 1);
    assert!(app.indexed && app.progress.is_none() && app.notes.is_empty());
    assert_eq!(app.selected_frame(), Some(1));
    assert_eq!(app.shown().detail().map(|detail| detail.number), Some(1));
}

#[test]
fn indexed_in_batches_appends_and_reports_progress_then_notes() {
    let (source, keylog) = bundled(TLS13);
    let mut whole = testing::indexed(&source, &keylog);
    let mut app = App::new("t", Mode::File);
    let mut first = Indexed { position: Some((50, 200)), ..Indexed::default() };
    std::mem::swap(&mut first.rows, &mut whole.rows);
    app.update(Action::Indexed(Box::new(first)));
    assert_eq!(app.progress, Some(0.25));
    assert!(!app.indexed);
    let last = Indexed {
        ended: Some(Ended::CutShort("the last packet is cut off".into())),
        key_log: Some(HelloMatches { client_hellos: 2, matched: 0 }),
        ..Indexed::default()
    };
    app.update(Action::Indexed(Box::new(last)));
    assert_eq!(app.packets.rows.len(), FRAMES as usize);
    assert!(app.indexed && app.progress.is_none());
    assert!(app.notes[0].contains("cut short: the last packet is cut off"), "{:?}", app.notes);
    assert!(app.notes[1].contains("key log matched none of the 2"), "{:?}", app.notes);
}

#[test]
fn quit_ends_the_session() {
    let mut app = app();
    app.update(Action::Quit);
    assert!(app.quit);
}

#[test]
fn help_opens_scrolls_and_any_other_key_closes_it_but_quit_still_quits() {
    let mut app = app();
    app.update(Action::ToggleHelp);
    assert!(app.help);
    app.update(Action::Down);
    app.update(Action::Down);
    app.update(Action::Up);
    assert!(app.help, "arrows scroll help");
    assert_eq!(app.help_top, 1);
    assert_eq!(app.packets.list.selected(), 0, "and move nothing under it");
    app.update(Action::Enter);
    assert!(!app.help);
    app.update(Action::ToggleHelp);
    assert_eq!(app.help_top, 0, "help opens at its top again");
    app.update(Action::Enter);
    app.update(Action::ToggleHelp);
    app.update(Action::Unbound);
    assert!(!app.help, "a key with no binding closes help too");
    app.update(Action::Unbound);
    assert_eq!((app.view, app.packets.list.selected()), (View::Packets, 0), "and does nothing else");
    app.update(Action::ToggleHelp);
    app.update(Action::Quit);
    assert!(app.quit);
}

#[test]
fn number_keys_show_views_and_tab_cycles_through_them() {
    let mut app = app();
    app.update(Action::Show(View::Statistics));
    assert_eq!(app.view, View::Statistics);
    app.update(Action::NextView);
    assert_eq!(app.view, View::Packets);
    for expected in [View::Connections, View::Timeline, View::Compare, View::Statistics] {
        app.update(Action::NextView);
        assert_eq!(app.view, expected);
    }
}

#[test]
fn up_and_down_move_the_packet_and_ask_for_its_detail_once() {
    let mut app = app();
    app.update(Action::Down);
    app.update(Action::Down);
    assert_eq!(app.selected_frame(), Some(3));
    assert_eq!(frame_details_requested(&mut app), [2, 3]);
    let (source, keylog) = bundled(TLS13);
    app.update(Action::Detail(Box::new(testing::detail(&source, &keylog, 2))));
    app.update(Action::Up);
    assert_eq!(app.selected_frame(), Some(2));
    // Frame 2 is here already: no second request.
    assert_eq!(frame_details_requested(&mut app), Vec::<u64>::new());
    assert_eq!(app.shown().detail().map(|detail| detail.number), Some(2));
    for _ in 0..5 {
        app.update(Action::Up);
    }
    assert_eq!(app.selected_frame(), Some(1), "stops at the first packet");
}

#[test]
fn pages_and_ends_move_by_a_screen_and_to_the_ends() {
    let mut app = app();
    let page = layout::rows(layout::packets(app.screen().body, None).list, 1);
    app.update(Action::PageDown);
    assert_eq!(app.packets.list.selected(), page);
    assert!(
        app.packets.list.top() > 0 && app.packets.list.selected() < app.packets.list.top() + page,
        "the selection stays on screen"
    );
    app.update(Action::PageUp);
    assert_eq!(app.packets.list.selected(), 0);
    app.update(Action::Bottom);
    assert_eq!(app.selected_frame(), Some(FRAMES));
    assert_eq!(app.packets.list.top(), FRAMES as usize - page);
    app.update(Action::Top);
    assert_eq!((app.packets.list.selected(), app.packets.list.top()), (0, 0));
}

#[test]
fn enter_opens_the_tree_and_folds_an_osi_layer() {
    let mut app = app();
    app.update(Action::Enter);
    assert_eq!(app.packets.focus, Focus::Tree);
    let heading = app.selected_node().expect("a node").clone();
    assert_eq!(heading.kind, NodeKind::Osi);
    let before = app.tree().len();
    app.update(Action::Enter);
    assert!(app.packets.folded.contains(&heading.osi));
    assert!(app.tree().len() < before);
    app.update(Action::Enter);
    assert_eq!(app.tree().len(), before);
}

#[test]
fn moving_in_the_tree_selects_fields_with_their_bytes() {
    let mut app = app();
    app.update(Action::SwitchPane);
    assert_eq!(app.packets.focus, Focus::Tree);
    let mut with_bytes = None;
    for _ in 0..40 {
        app.update(Action::Down);
        if let Some(node) =
            app.selected_node().filter(|node| node.kind == NodeKind::Field && node.bytes.is_some())
        {
            with_bytes = Some(node.clone());
            break;
        }
    }
    let node = with_bytes.expect("a field read from bytes");
    assert!(node.text.contains(" = "), "{}", node.text);
    assert_eq!(app.selected_frame(), Some(1), "moving in the tree keeps the packet");
    app.update(Action::SwitchPane);
    assert_eq!(app.packets.focus, Focus::List);
}

#[test]
fn switching_panes_only_happens_in_the_packets_view() {
    let mut app = app();
    app.update(Action::Show(View::Connections));
    app.update(Action::SwitchPane);
    assert_eq!(app.packets.focus, Focus::List);
}

#[test]
fn a_message_hidden_by_the_filter_clears_it_to_show_its_packet() {
    let mut app = app();
    app.update(Action::FilterStart);
    "udp".chars().for_each(|character| app.update(Action::FilterType(character)));
    app.update(Action::FilterApply);
    let generation = app.filter.applied.as_ref().map(|applied| applied.generation).expect("applied");
    app.update(Action::Filtered(Filtered { generation, matches: vec![18, 19], scanned: FRAMES, done: true }));
    app.jump_to_frame(5);
    assert!(app.filter.applied.is_none());
    assert_eq!(app.selected_frame(), Some(5));
    assert!(app.notes.iter().any(|note| note.contains("filter cleared to show frame 5")));
    assert!(app.take_commands().iter().any(|command| matches!(command, Command::StopFilter)));
}

#[test]
fn back_closes_one_thing_at_a_time() {
    let mut app = app();
    app.update(Action::Show(View::Timeline));
    app.update(Action::Explain);
    assert!(app.timeline.explaining);
    app.update(Action::Back);
    assert!(!app.timeline.explaining);
    assert_eq!(app.view, View::Timeline);
    app.update(Action::Back);
    assert_eq!(app.view, View::Connections);
    app.update(Action::Show(View::Packets));
    app.update(Action::Enter);
    app.update(Action::Back);
    assert_eq!(app.packets.focus, Focus::List);
}

#[test]
fn pause_stops_following_live_packets_and_means_nothing_for_a_file() {
    let mut file = app();
    file.update(Action::TogglePause);
    assert!(!file.packets.following);

    let (source, keylog) = bundled(TLS13);
    let mut live = App::new("live on lo", Mode::Live { interface: "lo".into() });
    assert!(live.packets.following);
    let rows = testing::indexed(&source, &keylog).rows;
    live.update(Action::Indexed(Box::new(Indexed { rows, ..Indexed::default() })));
    assert_eq!(live.selected_frame(), Some(FRAMES), "following selects the newest packet");
    live.update(Action::TogglePause);
    assert!(!live.packets.following);
    live.update(Action::Top);
    live.update(Action::TogglePause);
    assert!(live.packets.following);
    assert_eq!(live.selected_frame(), Some(FRAMES), "resuming jumps to the newest packet");
    live.update(Action::Up);
    assert!(!live.packets.following, "moving up stops following");
}

#[test]
fn a_filter_is_typed_applied_and_cleared() {
    let mut app = app();
    app.update(Action::Down);
    app.take_commands();
    app.update(Action::FilterStart);
    assert_eq!(app.filter.input.as_deref(), Some(""));
    // While the line is open, keys type.
    "tcpx".chars().for_each(|character| app.update(Action::FilterType(character)));
    app.update(Action::FilterBackspace);
    assert_eq!(app.filter.input.as_deref(), Some("tcp"));
    app.update(Action::FilterApply);
    assert!(app.filter.input.is_none());
    let applied = app.filter.applied.as_ref().expect("applied");
    assert_eq!(applied.text, "tcp");
    let commands = app.take_commands();
    assert!(matches!(commands.as_slice(), [Command::Filter { generation: 1, .. }]), "{commands:?}");
    // The selected frame (2) is selected again once the filter finds it.
    app.update(Action::Filtered(Filtered { generation: 1, matches: vec![1, 2, 3], scanned: 3, done: false }));
    assert_eq!((app.visible_len(), app.selected_frame()), (3, Some(2)));
    app.update(Action::FilterStart);
    assert_eq!(app.filter.input.as_deref(), Some("tcp"), "the line opens with the filter in force");
    app.update(Action::FilterClear);
    assert_eq!(app.filter.input.as_deref(), Some(""));
    "tcp".chars().for_each(|character| app.update(Action::FilterType(character)));
    for _ in 0..3 {
        app.update(Action::FilterBackspace);
    }
    app.update(Action::FilterApply);
    assert!(app.filter.applied.is_none());
    assert_eq!(app.visible_len(), FRAMES as usize);
    assert_eq!(app.selected_frame(), Some(2), "clearing keeps the packet");
}

#[test]
fn a_wrong_filter_shows_where_and_keeps_the_view() {
    let mut app = app();
    app.update(Action::Show(View::Connections));
    app.update(Action::FilterStart);
    "tcp.port == x".chars().for_each(|character| app.update(Action::FilterType(character)));
    app.update(Action::FilterApply);
    let error = app.filter.error.as_ref().expect("an error");
    assert_eq!(error.column, 13);
    assert_eq!(app.filter.input.as_deref(), Some("tcp.port == x"), "the text stays to be fixed");
    assert_eq!(app.view, View::Connections);
    assert!(app.filter.applied.is_none() && app.take_commands().is_empty());
    app.update(Action::Back);
    assert!(app.filter.input.is_none() && app.filter.error.is_none());
}

#[test]
fn filter_results_of_an_older_filter_are_ignored() {
    let mut app = app();
    for text in ["tcp", "udp"] {
        app.update(Action::FilterStart);
        while app.filter.input.as_ref().is_some_and(|input| !input.is_empty()) {
            app.update(Action::FilterBackspace);
        }
        text.chars().for_each(|character| app.update(Action::FilterType(character)));
        app.update(Action::FilterApply);
    }
    app.update(Action::Filtered(Filtered { generation: 1, matches: vec![1, 2], scanned: 2, done: true }));
    assert_eq!(app.visible_len(), 0);
    app.update(Action::Filtered(Filtered { generation: 2, matches: vec![7], scanned: FRAMES, done: true }));
    assert_eq!(app.shown().frame(0), Some(7));
}

#[test]
fn typing_outside_the_filter_line_does_nothing() {
    let mut app = app();
    app.update(Action::FilterType('x'));
    app.update(Action::FilterApply);
    assert!(app.filter.input.is_none() && app.filter.applied.is_none());
}

#[test]
fn clicks_switch_tabs_and_select_what_is_under_them() {
    // Many connections, to click the fourth.
    let mut app = course();
    let connections_tab = (0..SIZE.0).find(|x| views::tab_at(*x) == Some(View::Connections)).expect("a tab");
    app.update(Action::Click { x: connections_tab, y: 0 });
    assert_eq!(app.view, View::Connections);
    // The body's first line is the title, the second the column heads.
    let body = app.screen().body;
    app.update(Action::Click { x: 5, y: body.y + 2 + 3 });
    assert_eq!(app.connections.list.selected(), 3);
    app.update(Action::Show(View::Packets));
    let list = layout::packets(body, None).list;
    app.update(Action::Click { x: 5, y: list.y + 2 + 4 });
    assert_eq!(app.selected_frame(), Some(5));
    let (source, keylog) = bundled(COURSE);
    testing::deliver(&mut app, &source, &keylog);
    let tree = layout::packets(body, None).tree;
    app.update(Action::Click { x: 5, y: tree.y + 1 + 2 });
    assert_eq!((app.packets.focus, app.packets.tree.selected()), (Focus::Tree, 2));
}

#[test]
fn the_wheel_scrolls_the_pane_under_the_mouse() {
    let mut app = app();
    let list = layout::packets(app.screen().body, None).list;
    app.update(Action::Wheel { x: 1, y: list.y + 3, down: true });
    assert_eq!(app.packets.list.selected(), 3);
    app.update(Action::Wheel { x: 1, y: list.y + 3, down: false });
    assert_eq!(app.packets.list.selected(), 0);
    let tree = layout::packets(app.screen().body, None).tree;
    app.update(Action::Wheel { x: 1, y: tree.y + 2, down: true });
    assert_eq!((app.packets.focus, app.packets.tree.selected()), (Focus::Tree, 3));
}

#[test]
fn a_resize_keeps_the_selection_on_screen() {
    let mut app = app();
    app.update(Action::Bottom);
    app.update(Action::Resize { width: 200, height: 60 });
    assert_eq!(app.size, (200, 60));
    let rows = layout::rows(layout::packets(app.screen().body, None).list, 1);
    assert!(
        app.packets.list.selected() >= app.packets.list.top()
            && app.packets.list.selected() < app.packets.list.top() + rows
    );
    app.update(Action::Resize { width: 80, height: 24 });
    let rows = layout::rows(layout::packets(app.screen().body, None).list, 1);
    assert!(
        app.packets.list.selected() >= app.packets.list.top()
            && app.packets.list.selected() < app.packets.list.top() + rows
    );
}

#[test]
fn details_arrive_into_a_bounded_cache() {
    let (source, keylog) = bundled(TLS13);
    let mut app = App::new("t", Mode::File);
    app.update(Action::Indexed(Box::new(testing::indexed(&source, &keylog))));
    assert_eq!(frame_details_requested(&mut app), [1]);
    let detail = testing::detail(&source, &keylog, 1);
    for number in 1..=DETAIL_CACHE as u64 + 10 {
        app.update(Action::Detail(Box::new(Detail { number, ..detail.clone() })));
    }
    assert!(app.packets.details.len() <= DETAIL_CACHE);
    assert!(app.packets.details.contains_key(&1), "the selected packet's detail stays");
    assert!(app.shown().detail().is_some());
}

#[test]
fn a_followed_key_log_s_sessions_are_counted_in_the_status_bar() {
    let mut app = App::new("live on lo", Mode::Live { interface: "lo".into() });
    app.update(Action::Resize { width: 120, height: 24 });
    assert!(!testing::draw(&app).contains("key log"), "no key log, no count");
    app.update(Action::Indexed(Box::new(Indexed { secrets: Some(0), ..Indexed::default() })));
    assert!(testing::draw(&app).contains(" · keys for 0 sessions · "));
    app.update(Action::Indexed(Box::new(Indexed { secrets: Some(1), ..Indexed::default() })));
    app.update(Action::Indexed(Box::default()));
    assert!(testing::draw(&app).contains(" · keys for 1 session · following"));
}

#[test]
fn live_counters_and_notes_reach_the_status() {
    let mut app = App::new("live on lo", Mode::Live { interface: "lo".into() });
    app.update(Action::Captured { captured: 10, dropped: 2, refused: 0 });
    assert_eq!(app.captured, Some((10, 2, 0)));
    app.update(Action::Note("hello".into()));
    assert_eq!(app.notes, ["hello"]);
}

#[test]
fn opening_the_filter_line_keeps_the_selected_packet_on_screen() {
    let mut app = testing::app(TLS13, (80, 30));
    let rows = layout::rows(layout::packets(app.screen().body, None).list, 1);
    for _ in 1..rows {
        app.update(Action::Down);
    }
    assert_eq!(
        (app.packets.list.selected(), app.packets.list.top()),
        (rows - 1, 0),
        "the last row on screen"
    );
    app.update(Action::FilterStart);
    let fewer = layout::rows(layout::packets(app.screen().body, None).list, 1);
    assert!(fewer < rows);
    assert!(
        app.packets.list.selected() < app.packets.list.top() + fewer,
        "still on screen with the filter line open"
    );
}

#[test]
fn backslash_maximises_the_focused_pane_and_restores_it() {
    let mut app = course();
    let shared = app.packets_panes();
    let body = app.screen().body;
    app.update(Action::Maximise);
    assert!(app.packets.maximised);
    assert_eq!((app.packets_panes().list, app.packets_panes().tree.height), (body, 0));
    // A page of the maximised list is a page of the whole body.
    app.update(Action::PageDown);
    assert_eq!(app.packets.list.selected(), layout::rows(body, 1));
    // The focus moves, and the pane it moved to fills the view.
    app.update(Action::SwitchPane);
    assert_eq!(app.packets.focus, Focus::Tree);
    assert_eq!((app.packets_panes().tree, app.packets_panes().list.height), (body, 0));
    app.update(Action::Maximise);
    assert!(!app.packets.maximised);
    assert_eq!(app.packets_panes(), shared, "restored");
}

#[test]
fn backslash_does_nothing_outside_the_packets_view() {
    let mut app = app();
    for view in [View::Connections, View::Timeline, View::Compare] {
        app.update(Action::Show(view));
        app.update(Action::Maximise);
        assert!(!app.packets.maximised, "{view:?}");
    }
}

#[test]
fn a_click_lands_on_the_maximised_tree() {
    let mut app = app();
    app.update(Action::SwitchPane);
    app.update(Action::Maximise);
    let tree = app.packets_panes().tree;
    app.update(Action::Click { x: 5, y: tree.y + 1 + 3 });
    assert_eq!((app.packets.focus, app.packets.tree.selected()), (Focus::Tree, 3));
}
