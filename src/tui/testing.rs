//! Test fixtures for the UI: an [`App`] loaded from a bundled capture the way the workers
//! load it, without threads or a terminal.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::app::{Action, App, Indexed, Mode, TimelineReport};
use super::detail::Detail;
use super::rows::Rows;
use super::source::{Next, OwnedFrame, Source, Store, Visitor, each, walk};
use crate::capture::{CaptureFile, Frame};
use crate::dissect::Packet;
use crate::timeline::Timelines;
use crate::track::keylog::KeyLog;

/// Where the public teaching captures are, from the project's root: three real handshakes
/// recorded by others ("The Illustrated TLS 1.2 / TLS 1.3 / QUIC Connection"), each with its
/// key log beside it. No script here rewrites them, so snapshots drawn from them change only
/// when what the UI draws changes.
const PUBLIC: &str = "../shared/captures-public/";

/// Public: TCP over IPv6, a full TLS 1.2 handshake (a CBC suite), one request and reply.
pub const TLS12: &str = "../shared/captures-public/illustrated-tls12.pcap";
/// Public: TCP over IPv4, a full TLS 1.3 handshake, application data, two tickets; 22 frames.
pub const TLS13: &str = "../shared/captures-public/illustrated-tls13.pcap";
/// Public: a QUIC handshake, one stream each way, close.
pub const QUIC: &str = "../shared/captures-public/illustrated-quic.pcap";
/// Every variant on loopback, keys embedded: the one capture with many kinds of handshake,
/// for what needs them side by side. `scripts/make-captures.sh` regenerates it.
pub const COURSE: &str = "captures/all.pcapng";
/// Every variant over a 40 ms link, captured at both of its ends: the one capture with real
/// send and arrival times. `scripts/make-captures.sh` regenerates it too.
pub const LINK: &str = "fixtures/link/all-40ms.pcapng";

/// A capture (a path from the project's root) as a source, with the key log beside it (the
/// same name ending in `.keys`), if any. Secrets a capture embeds are taken by each walk
/// itself.
pub fn bundled(path: &str) -> (Source, KeyLog) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = root.join(path);
    let capture = CaptureFile::open(&file).unwrap_or_else(|error| {
        let hint =
            if path.starts_with(PUBLIC) { " (the public captures sit beside the project)" } else { "" };
        panic!("the test capture {}{hint}: {error}", file.display())
    });
    let mut keylog = KeyLog::new();
    if let Ok(text) = std::fs::read(file.with_extension("keys")) {
        keylog.add_text(&text);
    }
    (Source::File(Arc::new(capture)), keylog)
}

/// The title the UI gives a capture: its path, but a public or course capture by its file
/// name, as it would be opened from its folder.
fn title(path: &str) -> &str {
    path.strip_prefix(PUBLIC).or_else(|| path.strip_prefix("captures/")).unwrap_or(path)
}

/// The first `count` frames of a bundled capture in an open store, with the secrets that
/// precede them, as a replay feeds them.
pub fn stored(name: &str, count: usize) -> Arc<Store> {
    let (Source::File(capture), _) = bundled(name) else { unreachable!("bundled gives a file") };
    let store = Arc::new(Store::new());
    let mut frames = capture.frames();
    while let Some(Ok(frame)) = frames.next() {
        if store.len() == count {
            break;
        }
        for secrets in frames.take_secrets() {
            store.push_secrets(secrets.data.to_vec());
        }
        store.push(OwnedFrame::from(&frame));
    }
    store
}

/// Every row and timeline of a source, as the indexer reports them at the end.
pub fn indexed(source: &Source, keylog: &KeyLog) -> Indexed {
    /// What the indexer gathers, secrets included (timelines of both ends of a link track the
    /// client side again, with the keys the capture carries).
    struct Gather {
        rows: Rows,
        timelines: Timelines,
    }
    impl Visitor for Gather {
        fn packet<'a>(&mut self, frame: &Frame<'a>, packet: &Packet<'a>) -> Next {
            self.rows.push_with_info(frame, packet);
            self.timelines.handle(frame, packet);
            Next::Continue
        }

        fn secrets(&mut self, text: &[u8]) {
            self.timelines.add_key_log_text(text);
        }
    }
    let mut gather =
        Gather { rows: Rows::new(), timelines: Timelines::new(&source.interface_names(), keylog) };
    let ended = walk(source, keylog, &AtomicBool::new(false), &mut gather);
    Indexed {
        rows: gather.rows,
        timelines: Some(TimelineReport { ended: gather.timelines.finish_shared(), open: Vec::new() }),
        position: None,
        ended: Some(ended),
        key_log: None,
        secrets: None,
    }
}

/// A frame taken apart, as the detail worker would.
pub fn detail(source: &Source, keylog: &KeyLog, number: u64) -> Detail {
    let mut found = None;
    walk(
        source,
        keylog,
        &AtomicBool::new(false),
        &mut each(|frame, packet| {
            if frame.number == number {
                found = Some(Detail::new(frame, packet));
                return Next::Stop;
            }
            Next::Continue
        }),
    );
    found.expect("the frame is in the capture")
}

/// The timelines of a bundled capture, as the indexer gives them at its end.
pub fn timelines(name: &str) -> Vec<Arc<crate::timeline::Connection>> {
    let (source, keylog) = bundled(name);
    indexed(&source, &keylog).timelines.map(|report| report.ended).unwrap_or_default()
}

/// Hands `app` a report of timelines, as the indexer would.
pub fn report(app: &mut App, timelines: TimelineReport) {
    app.update(Action::Indexed(Box::new(Indexed { timelines: Some(timelines), ..Indexed::default() })));
}

/// The connections an app shows, events and all (an ended one's read back from where the
/// app keeps them), copied out of the `Arc`s it shares them in.
pub fn connections(app: &App) -> Vec<crate::timeline::Connection> {
    (0..app.connections.all.len())
        .filter_map(|at| app.connections.get(at))
        .map(Arc::unwrap_or_clone)
        .collect()
}

/// An app of `size` over a bundled capture, indexed, with the detail of every frame it asks
/// for delivered, as the event loop would deliver them.
pub fn app(name: &str, size: (u16, u16)) -> App {
    let (source, keylog) = bundled(name);
    let mut app = App::new(title(name), Mode::File);
    app.update(Action::Resize { width: size.0, height: size.1 });
    app.update(Action::Indexed(Box::new(indexed(&source, &keylog))));
    deliver(&mut app, &source, &keylog);
    app
}

/// Answers the app's detail requests, and (issue 19) its follow and find commands, as the
/// workers would.
pub fn deliver(app: &mut App, source: &Source, keylog: &KeyLog) {
    for command in app.take_commands() {
        match command {
            super::app::Command::Detail(number) => {
                app.update(Action::Detail(Box::new(detail(source, keylog, number))))
            }
            super::app::Command::Follow(frame) => {
                let dispatch = crate::dispatch::Dispatch::new();
                let report =
                    match super::follow::follow(source, keylog, &dispatch, frame, &AtomicBool::new(false)) {
                        Ok(followed) => Action::Followed(Box::new(followed)),
                        Err(reason) => Action::Note(reason),
                    };
                app.update(report);
            }
            super::app::Command::Find { generation, query } => {
                let dispatch = crate::dispatch::Dispatch::new();
                let mut batches = Vec::new();
                super::search::matching(
                    source,
                    keylog,
                    &dispatch,
                    &query,
                    &AtomicBool::new(false),
                    &mut |matches, _| {
                        batches.push(matches);
                        true
                    },
                );
                batches.push(Vec::new());
                let last = batches.len() - 1;
                for (at, matches) in batches.into_iter().enumerate() {
                    app.update(Action::Found(super::search::Found { generation, matches, done: at == last }));
                }
            }
            _ => {}
        }
    }
    // A find's jump asks for a packet's detail: answer it too.
    let details: Vec<u64> = app
        .take_commands()
        .into_iter()
        .filter_map(|command| match command {
            super::app::Command::Detail(number) => Some(number),
            _ => None,
        })
        .collect();
    for number in details {
        app.update(Action::Detail(Box::new(detail(source, keylog, number))));
    }
}

/// The whole screen of `app`, as a `TestBackend` draws it at the app's size.
pub fn draw(app: &App) -> String {
    let (width, height) = app.size;
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).expect("a test terminal");
    terminal.draw(|frame| frame.render_widget(crate::tui::views::Ui(app), frame.area())).expect("drawn");
    terminal.backend().to_string()
}

/// Answers every command the app queued as the event loop's workers would, on this thread:
/// details, filters (to the end) and counts; exports and the clipboard are handed back.
pub fn serve(app: &mut App, source: &Source, keylog: &KeyLog) -> Vec<super::app::Command> {
    use super::app::{Command, Filtered};
    let mut left = Vec::new();
    loop {
        let commands = app.take_commands();
        if commands.is_empty() {
            return left;
        }
        for command in commands {
            match command {
                Command::Detail(number) => {
                    app.update(Action::Detail(Box::new(detail(source, keylog, number))))
                }
                Command::Filter { generation, filter } => {
                    let mut matches = Vec::new();
                    walk(
                        source,
                        keylog,
                        &AtomicBool::new(false),
                        &mut each(|frame, packet| {
                            if filter.matches(packet, frame) {
                                matches.push(frame.number);
                            }
                            Next::Continue
                        }),
                    );
                    let scanned = matches.last().copied().unwrap_or(0);
                    app.update(Action::Filtered(Filtered { generation, matches, scanned, done: true }));
                }
                Command::Count => {
                    let dispatch = crate::dispatch::Dispatch::new();
                    let counted =
                        super::statistics::count_now(source, keylog, &dispatch, &AtomicBool::new(false))
                            .expect("not cancelled");
                    app.update(Action::Counted(Box::new(counted)));
                }
                other => left.push(other),
            }
        }
    }
}
