//! The workers' tests: each worker run on a bundled capture, its reports gathered.

use std::path::Path;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use super::*;
use crate::tui::checkpoint::{self, Checkpoints, EVERY, MEMORY_LIMIT};
use crate::tui::state::ConnectionsState;
use crate::tui::testing::{COURSE, TLS13, bundled};

const PATIENCE: Duration = Duration::from_secs(20);

fn next(reports: &Receiver<Action>) -> Action {
    reports.recv_timeout(PATIENCE).expect("the worker reports")
}

/// Every report of an indexer run, merged: rows, the last timelines, the key log check.
fn index_all(source: Source, user_keylog: KeyLog) -> Indexed {
    let (events, reports) = mpsc::channel();
    let checkpoints = Checkpoints::shared(EVERY, MEMORY_LIMIT);
    index(
        source,
        user_keylog,
        Dispatch::new(),
        checkpoints,
        events,
        Arc::new(AtomicBool::new(false)),
        Arc::default(),
    );
    let mut merged = Indexed::default();
    let mut connections = ConnectionsState::default();
    loop {
        let Action::Indexed(indexed) = next(&reports) else { panic!("only Indexed reports") };
        merged.rows.append(indexed.rows);
        if let Some(report) = indexed.timelines {
            connections.take(report);
        }
        merged.secrets = indexed.secrets.or(merged.secrets);
        if indexed.ended.is_some() {
            merged.ended = indexed.ended;
            merged.key_log = indexed.key_log;
            // Events and all: an ended connection's are read back from where they were kept.
            let whole = (0..connections.all.len()).filter_map(|at| connections.get(at)).collect();
            merged.timelines = Some(TimelineReport { ended: whole, open: Vec::new() });
            return merged;
        }
    }
}

#[test]
fn the_indexer_reports_every_row_and_timeline_and_an_unmatched_key_log() {
    let (source, keys) = bundled(TLS13);
    let indexed = index_all(source.clone(), KeyLog::new());
    assert_eq!(indexed.rows.len(), 22);
    assert_eq!(indexed.timelines.as_ref().map(|report| report.ended.len()), Some(1));
    assert_eq!(indexed.ended, Some(Ended::Complete));
    assert_eq!(indexed.key_log.and_then(|hellos| hellos.warning()), None);

    let mut strangers = KeyLog::new();
    strangers.add_text(format!("CLIENT_RANDOM {} {}\n", "11".repeat(32), "22".repeat(48)).as_bytes());
    assert_eq!(
        index_all(source.clone(), strangers).key_log,
        Some(HelloMatches { client_hellos: 1, matched: 0 })
    );

    // The capture's own key log matches its ClientHello.
    assert!(!keys.is_empty());
    assert_eq!(index_all(source, keys).key_log, Some(HelloMatches { client_hellos: 1, matched: 1 }));
}

#[test]
fn a_followed_key_log_is_counted_and_its_secrets_match_the_hellos() {
    // A followed key log's lines reach a live store before the frames captured after them.
    let (Source::File(capture), _) = bundled(TLS13) else { unreachable!("bundled gives a file") };
    let keys = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(TLS13).with_extension("keys");
    let store = Arc::new(crate::tui::source::Store::new());
    store.push_secrets(std::fs::read(keys).expect("the capture's key log"));
    for frame in capture.frames() {
        store.push(crate::tui::source::OwnedFrame::from(&frame.expect("the frame reads")));
    }
    store.close();
    let indexed = index_all(Source::Store(Arc::clone(&store)), KeyLog::followed());
    assert_eq!(indexed.secrets, Some(1), "secrets for one session");
    assert_eq!(indexed.key_log, Some(HelloMatches { client_hellos: 1, matched: 1 }));
    // Not followed: the secrets are the capture's, not the user's, and not counted.
    let indexed = index_all(Source::Store(store), KeyLog::new());
    assert_eq!(indexed.secrets, None);
    assert_eq!(indexed.key_log, Some(HelloMatches::default()));
}

#[test]
fn a_live_store_is_shown_as_soon_as_the_indexer_catches_up() {
    let store = crate::tui::testing::stored(TLS13, 3);
    let (events, reports) = mpsc::channel();
    let cancel = Arc::new(AtomicBool::new(false));
    let checkpoints = Checkpoints::shared(EVERY, MEMORY_LIMIT);
    let asked = Arc::new(crate::tui::action::Asked::default());
    index(
        Source::Store(Arc::clone(&store)),
        KeyLog::new(),
        Dispatch::new(),
        checkpoints,
        events,
        Arc::clone(&cancel),
        Arc::clone(&asked),
    );
    // The store stays open: the rows come because the indexer caught up, not because it ended.
    let mut rows = 0;
    let mut connections: Option<Vec<std::sync::Arc<crate::timeline::Connection>>> = None;
    while rows < 3 || connections.is_none() {
        let Action::Indexed(indexed) = next(&reports) else { panic!("only Indexed reports") };
        assert!(indexed.ended.is_none());
        rows += indexed.rows.len();
        connections = indexed.timelines.map(|report| [report.ended, report.open].concat()).or(connections);
    }
    assert_eq!(rows, 3);
    let open = connections.expect("reported").remove(0);
    assert_eq!(open.packets, 3);
    // Open, and not asked for: its events are withheld. Asked for, they come with the next
    // report, though no packet came since.
    assert!(open.withheld && open.events.is_empty());
    asked.ask(open.id);
    let whole = loop {
        let Action::Indexed(indexed) = next(&reports) else { panic!("only Indexed reports") };
        if let Some(report) = indexed.timelines {
            break report.open;
        }
    };
    assert!(!whole[0].withheld);
    assert_eq!(whole[0].events.len(), 3, "{:?}", whole[0].events);
    cancel.store(true, std::sync::atomic::Ordering::Relaxed);
}

#[test]
fn the_detail_worker_goes_forward_and_back() {
    let (source, keylog) = bundled(TLS13);
    let (events, reports) = mpsc::channel();
    let (requests, asked) = mpsc::channel();
    let cancel = Arc::new(AtomicBool::new(false));
    let checkpoints = Checkpoints::shared(EVERY, MEMORY_LIMIT);
    details(source, keylog, Dispatch::new(), checkpoints, asked, events, Arc::clone(&cancel));
    let wait_for = |number: u64| loop {
        if let Action::Detail(detail) = next(&reports)
            && detail.number == number
        {
            return detail;
        }
    };
    requests.send(Wanted::Detail(11)).expect("asked");
    // The eleven-frame walk decrypted the client's data: frame 11 carries "ping".
    assert!(wait_for(11).nodes.iter().any(|node| node.text.starts_with("data.data = 70696e67")));
    requests.send(Wanted::Detail(13)).expect("asked");
    assert_eq!(wait_for(13).number, 13);
    requests.send(Wanted::Detail(5)).expect("asked");
    assert!(wait_for(5).nodes.iter().any(|node| node.text == "tls.handshake.type = Client Hello (1)"));
    cancel.store(true, std::sync::atomic::Ordering::Relaxed);
}

#[test]
fn the_detail_worker_answers_every_request_even_for_a_frame_it_sent_already() {
    // More frames than the worker sends behind the one asked for: the course capture.
    let (source, keylog) = bundled(COURSE);
    let (events, reports) = mpsc::channel();
    let (requests, asked) = mpsc::channel();
    let cancel = Arc::new(AtomicBool::new(false));
    let checkpoints = Checkpoints::shared(EVERY, MEMORY_LIMIT);
    details(source, keylog, Dispatch::new(), checkpoints, asked, events, Arc::clone(&cancel));
    // The frames that came until the one asked for.
    let wait_for = |number: u64| {
        let mut sent = Vec::new();
        loop {
            if let Action::Detail(detail) = next(&reports) {
                sent.push(detail.number);
                if detail.number == number {
                    return sent;
                }
            }
        }
    };
    requests.send(Wanted::Detail(172)).expect("asked");
    assert_eq!(wait_for(172).first(), Some(&(172 - DETAIL_BEHIND)), "the frames behind come first");
    // Regression: a view that dropped the oldest of those and asked for it again waited
    // for ever, as the worker skipped frames it had sent.
    requests.send(Wanted::Detail(172 - DETAIL_BEHIND)).expect("asked");
    wait_for(172 - DETAIL_BEHIND);
    requests.send(Wanted::Detail(3)).expect("asked");
    wait_for(3);
    cancel.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// A visitor that needs frames from `at` on and notes the first it is handed.
struct From {
    at: u64,
    first: Option<u64>,
}

impl Visitor for From {
    fn packet<'a>(&mut self, frame: &Frame<'a>, _: &Packet<'a>) -> Next {
        self.first = Some(frame.number);
        Next::Stop
    }

    fn start_at(&self) -> u64 {
        self.at
    }
}

#[test]
fn rows_made_after_a_jump_back_equal_those_of_a_walk_from_the_first_frame() {
    // The course capture: TLS decrypted with its embedded keys, HTTP over it (Info that
    // depends on the tracker's state), and one checkpoint every 16 frames.
    let (source, keylog) = bundled(COURSE);
    let whole = crate::tui::testing::indexed(&source, &keylog).rows;
    let last = whole.len() as u64;
    let checkpoints = Checkpoints::shared(16, MEMORY_LIMIT);
    checkpointed(&source, &keylog, &checkpoints);
    let kept = checkpoint::lock(&checkpoints).len();
    assert!(kept >= 4, "{kept} checkpoints over {last} frames");

    // A walk that needs the middle starts after frame 1: from a checkpoint before it.
    let mut middle = From { at: last / 2, first: None };
    walk_checkpointed(
        &source,
        &keylog,
        &Dispatch::new(),
        Some(&checkpoints),
        &AtomicBool::new(false),
        &mut middle,
    );
    assert!(middle.first.is_some_and(|first| first > 1 && first <= last / 2), "{:?}", middle.first);

    // Screens around every decrypted HTTP row, from the last to the first: each a jump back.
    let http: Vec<u64> = (0..whole.len())
        .filter_map(|index| whole.get(index))
        .filter(|row| row.protocol == "HTTP" && row.number > 32)
        .map(|row| row.number)
        .collect();
    assert!(http.len() >= 2, "decrypted HTTP rows in the course capture: {http:?}");
    let screens = http
        .iter()
        .rev()
        .map(|around| (around.saturating_sub(20).max(1)..=(around + 20).min(last)).collect());
    assert_infos_after_jumps_back(source, keylog, checkpoints, &whole, screens);
}

/// Indexes `source` with `checkpoints`, which it fills.
fn checkpointed(source: &Source, keylog: &KeyLog, checkpoints: &checkpoint::Shared) {
    let (events, reports) = mpsc::channel();
    index(
        source.clone(),
        keylog.clone(),
        Dispatch::new(),
        Arc::clone(checkpoints),
        events,
        Arc::new(AtomicBool::new(false)),
        Arc::default(),
    );
    while !matches!(next(&reports), Action::Indexed(indexed) if indexed.ended.is_some()) {}
}

/// Asks the frames worker for each screen's Info in turn and checks each row is the one a walk
/// from the first frame made (`whole`).
fn assert_infos_after_jumps_back(
    source: Source,
    keylog: KeyLog,
    checkpoints: checkpoint::Shared,
    whole: &Rows,
    screens: impl Iterator<Item = Vec<u64>>,
) {
    let (events, reports) = mpsc::channel();
    let (requests, asked) = mpsc::channel();
    let cancel = Arc::new(AtomicBool::new(false));
    details(source, keylog, Dispatch::new(), checkpoints, asked, events, Arc::clone(&cancel));
    for screen in screens {
        requests.send(Wanted::Infos(screen.clone())).expect("asked");
        let mut made = std::collections::HashMap::new();
        while screen.iter().any(|number| !made.contains_key(number)) {
            if let Action::Infos(infos) = next(&reports) {
                made.extend(infos);
            }
        }
        for number in screen {
            let expected = whole.get(number as usize - 1).map(|row| row.info);
            assert_eq!(made.get(&number).map(|info| &**info), expected, "frame {number}");
        }
    }
    cancel.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// The interop captures' paths from the project's root, in order.
fn interop_captures() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/interop");
    let mut captures: Vec<String> = std::fs::read_dir(&dir)
        .expect("the interop captures")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".pcap") || name.ends_with(".pcapng"))
        .map(|name| format!("fixtures/interop/{name}"))
        .collect();
    captures.sort();
    assert!(captures.len() >= 60, "{} interop captures", captures.len());
    captures
}

#[test]
fn every_interop_capture_is_checkpointed_at_every_frame_and_walked_on_from_exactly() {
    // Among them: HTTP/2 over TLS whose second request refers to the first's dynamic-table
    // entries, WebSocket messages inflated with the window the earlier ones left, QPACK,
    // QUIC and DTLS decrypted, TCP reassembly across segments.
    let captures = interop_captures();
    for capture in &captures {
        let (source, keylog) = bundled(capture);
        let whole = crate::tui::testing::indexed(&source, &keylog).rows;
        let last = whole.len() as u64;
        let checkpoints = Checkpoints::shared(1, MEMORY_LIMIT);
        checkpointed(&source, &keylog, &checkpoints);
        // Every frame left one: each copy of the tracker was exact.
        assert_eq!(checkpoint::lock(&checkpoints).len() as u64, last, "{capture}");
        let screens = (1..=last).rev().map(|number| vec![number]);
        assert_infos_after_jumps_back(source, keylog, checkpoints, &whole, screens);
    }
}

#[test]
fn the_filter_worker_finds_what_dissect_y_finds() {
    let (source, keylog) = bundled(TLS13);
    let (events, reports) = mpsc::channel();
    // The tickets (type 4) are read only once decrypted with the capture's key log.
    let filter_text = Filter::parse("tls.handshake.type == 1 || tls.handshake.type == 4").expect("a filter");
    filter(source, keylog, Dispatch::new(), filter_text, 7, events, Arc::new(AtomicBool::new(false)));
    let mut matches = Vec::new();
    loop {
        let Action::Filtered(filtered) = next(&reports) else { panic!("only Filtered reports") };
        assert_eq!(filtered.generation, 7);
        matches.extend(filtered.matches);
        if filtered.done {
            assert_eq!(filtered.scanned, 22);
            break;
        }
    }
    assert_eq!(matches, [5, 13, 15]);
}

/// An indexer's rows without their Info (made on demand, and only for the first rows here),
/// and its timelines as JSON.
fn gathered(indexed: Indexed) -> (Vec<String>, String) {
    let rows = (0..indexed.rows.len())
        .filter_map(|at| indexed.rows.get(at))
        .map(|row| format!("{:?}", crate::tui::rows::Row { info: "", ..row }))
        .collect();
    let connections = indexed.timelines.expect("timelines reported").ended;
    let connections: Vec<&crate::timeline::Connection> =
        connections.iter().map(|connection| &**connection).collect();
    (rows, serde_json::to_string(&connections).expect("timelines serialize"))
}

#[test]
fn the_indexers_reports_add_up_to_the_timelines_of_the_whole_capture() {
    let (source, keylog) = bundled(COURSE);
    let reported = gathered(index_all(source.clone(), keylog.clone()));
    let whole = gathered(crate::tui::testing::indexed(&source, &keylog));
    assert_eq!(reported.1, whole.1);
}

/// The indexer tracks a file's frames on one thread and gathers rows and timelines on another:
/// what it gathers is what a walk on one thread gathers, on every capture the project
/// records (pcap and pcapng, key logs beside them or embedded, captures cut short).
#[test]
fn the_indexer_on_two_threads_gathers_what_one_thread_gathers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = interop_captures();
    paths.extend([COURSE, crate::tui::testing::LINK].map(str::to_owned));
    // And the course capture cut in its last frame.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cut = dir.path().join("cut.pcapng");
    let whole = std::fs::read(root.join(COURSE)).expect("the course capture");
    std::fs::write(&cut, &whole[..whole.len() - 7]).expect("the cut capture is written");
    paths.push(cut.display().to_string());
    for path in &paths {
        let (source, keylog) = bundled(path);
        let indexed = index_all(source.clone(), keylog.clone());
        let alone = crate::tui::testing::indexed(&source, &keylog);
        assert_eq!(indexed.ended, alone.ended, "{path}");
        let (rows, timelines) = gathered(indexed);
        let (alone_rows, alone_timelines) = gathered(alone);
        assert!(!rows.is_empty(), "{path}");
        assert_eq!(rows, alone_rows, "{path}");
        assert_eq!(timelines, alone_timelines, "{path}");
    }
    assert!(matches!(
        index_all(bundled(&paths[paths.len() - 1]).0, KeyLog::new()).ended,
        Some(Ended::CutShort(_))
    ));
}

#[test]
fn the_frames_worker_jumps_to_a_checkpoint_far_ahead_and_walks_on_to_one_near() {
    let checkpoints = Checkpoints::shared(50_000, MEMORY_LIMIT);
    let place = checkpoint::Place::Store { index: 100_000, secrets_taken: 0 };
    let made = checkpoint::Checkpoint::new(100_000, place, &mut crate::track::Tracker::new());
    checkpoint::lock(&checkpoints).add(made.expect("a new tracker copies exactly"));
    let (sender, _reports) = mpsc::channel();
    let (_requests, requests) = mpsc::channel();
    let mut framer = Framer {
        requests,
        sender,
        checkpoints,
        detail: Some(200_000),
        infos: Vec::new(),
        made: Vec::new(),
        recent: Recent::default(),
        gone: false,
    };
    assert!(framer.jumps_ahead(10), "from frame 10, the checkpoint at 100,000 is far ahead");
    assert!(!framer.jumps_ahead(100_000 - JUMP_AHEAD), "walking on is as cheap");
    framer.detail = Some(90_000);
    assert!(!framer.jumps_ahead(10), "no checkpoint before frame 90,000");
}
