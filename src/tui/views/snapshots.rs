//! Whole screens of every view, drawn on a `TestBackend` at the smallest size the UI supports
//! and at a wide one; insta compares them with the snapshots committed beside this file.
//!
//! They are drawn from the public teaching captures, which nothing here regenerates, so a
//! changed snapshot means a changed screen. Only the race of the Compare view, which needs
//! many variants, is drawn from the course capture of every variant, and the to-scale race
//! and ladder from the capture of both ends of a link: both are rewritten by
//! `scripts/make-captures.sh`, and their snapshots with them.

use crate::tui::app::{Action, App, View};
use crate::tui::testing::{self, COURSE, LINK, QUIC, TLS12, TLS13, bundled};

const SMALL: (u16, u16) = (80, 24);
const WIDE: (u16, u16) = (160, 48);

use testing::draw;

/// The app on `capture` after `actions`, with any packet it asks for taken apart.
fn after(capture: &str, size: (u16, u16), actions: Vec<Action>) -> App {
    let (source, keylog) = bundled(capture);
    let mut app = testing::app(capture, size);
    for action in actions {
        app.update(action);
        testing::deliver(&mut app, &source, &keylog);
    }
    app
}

/// The ClientHello of the TLS 1.3 connection, its record's length selected in the tree.
fn packets_actions() -> Vec<Action> {
    // The connection's timeline, its fourth message (SYN, SYN-ACK, ACK, ClientHello), its packet.
    let mut actions = vec![Action::Show(View::Connections), Action::Enter];
    actions.extend([Action::Down, Action::Down, Action::Down, Action::Enter, Action::Enter]);
    actions.extend((0..4).map(|_| Action::Down));
    actions
}

fn timeline_actions() -> Vec<Action> {
    vec![
        Action::Show(View::Connections),
        Action::Enter,
        Action::Down,
        Action::Down,
        Action::Down,
        Action::Explain,
    ]
}

macro_rules! snapshot_both_sizes {
    ($name:ident, $capture:expr, $actions:expr) => {
        #[test]
        fn $name() {
            for (label, size) in [("80x24", SMALL), ("wide", WIDE)] {
                let app = after($capture, size, $actions);
                insta::assert_snapshot!(format!("{}_{label}", stringify!($name)), draw(&app));
            }
        }
    };
}

snapshot_both_sizes!(packets_view, TLS13, packets_actions());
snapshot_both_sizes!(connections_view, QUIC, vec![Action::Show(View::Connections)]);
snapshot_both_sizes!(timeline_view, TLS13, timeline_actions());
snapshot_both_sizes!(
    timeline_to_scale,
    TLS13,
    timeline_actions()
        .into_iter()
        .filter(|action| !matches!(action, Action::Explain))
        .chain([Action::ToggleScale])
        .collect()
);
snapshot_both_sizes!(compare_view, COURSE, vec![Action::Show(View::Compare), Action::Down, Action::Down]);
snapshot_both_sizes!(help_view, TLS12, vec![Action::ToggleHelp]);
snapshot_both_sizes!(
    filter_error,
    TLS12,
    std::iter::once(Action::FilterStart)
        .chain("tcp.port == x".chars().map(Action::FilterType))
        .chain([Action::FilterApply])
        .collect::<Vec<_>>()
);

// The course capture of every variant: its first packet, its connections, and the first
// HTTP/3 connection (7), whose request shares its packet with three control streams.
snapshot_both_sizes!(course_packets_view, COURSE, vec![Action::Down]);
snapshot_both_sizes!(course_connections_view, COURSE, vec![Action::Show(View::Connections), Action::Bottom]);
snapshot_both_sizes!(
    course_quic_timeline,
    COURSE,
    [Action::Show(View::Connections)]
        .into_iter()
        .chain((0..7).map(|_| Action::Down))
        .chain([Action::Enter])
        .chain((0..9).map(|_| Action::Down))
        .collect()
);
snapshot_both_sizes!(packets_list_maximised, TLS13, vec![Action::Maximise]);
snapshot_both_sizes!(
    packets_tree_maximised,
    TLS13,
    packets_actions().into_iter().chain([Action::Maximise]).collect()
);

#[test]
fn too_small_a_terminal_gets_a_message() {
    let mut app = after(TLS12, SMALL, Vec::new());
    app.update(Action::Resize { width: 60, height: 20 });
    insta::assert_snapshot!(draw(&app));
}

/// The demo's race and ladder on a capture of both ends of a 40 ms link (not the course
/// captures, which are loopback's): the app opens the timelines to scale by itself.
#[test]
fn a_capture_of_both_ends_of_a_link() {
    let (source, keylog) = bundled(LINK);
    let mut app = testing::app(LINK, SMALL);
    assert!(app.timeline.to_scale);
    app.update(Action::Show(View::Compare));
    insta::assert_snapshot!("link_compare_80x24", draw(&app));
    // The TLS 1.3 connection's ladder, its request selected.
    for action in [Action::Show(View::Connections), Action::Down, Action::Enter] {
        app.update(action);
    }
    for _ in 0..5 {
        app.update(Action::Down);
    }
    testing::deliver(&mut app, &source, &keylog);
    insta::assert_snapshot!("link_timeline_80x24", draw(&app));
}

// Issue 19: follow stream on a decrypted TLS 1.3 HTTP/1.1 connection (the course capture's,
// its GET being frame 24), an HTTP/2 one and a QUIC/HTTP/3 one; the search bar; a marked row.
fn go_to(frame: &str) -> Vec<Action> {
    std::iter::once(Action::GoToStart)
        .chain(frame.chars().map(Action::FilterType))
        .chain([Action::FilterApply])
        .collect()
}
snapshot_both_sizes!(follow_tls13_http1, COURSE, go_to("24").into_iter().chain([Action::Follow]).collect());
snapshot_both_sizes!(
    follow_http2,
    "fixtures/interop/h2-tls.pcap",
    go_to("17").into_iter().chain([Action::Follow]).collect()
);
snapshot_both_sizes!(
    follow_http3,
    "fixtures/interop/quic-h3-aioquic.pcap",
    go_to("10").into_iter().chain([Action::Follow]).collect()
);
snapshot_both_sizes!(
    search_bar,
    TLS13,
    std::iter::once(Action::FindStart).chain("Finished".chars().map(Action::FilterType)).collect()
);
snapshot_both_sizes!(marked_row, TLS13, vec![Action::Down, Action::Mark, Action::Down, Action::Down]);
