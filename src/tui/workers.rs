//! Background work: the indexer that builds the packet list and the timelines, the detail
//! worker that takes apart the packet on screen, and the filter worker that finds the
//! packets a display filter keeps.
//!
//! Each runs on its own thread with its own tracker and reports to the event loop as
//! [`Action`]s, so all state still changes in one place: [`super::app::App::update`]. A worker
//! stops when its cancel flag is set or the loop's receiver is gone.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{Receiver, Sender};
use std::thread;
use std::time::{Duration, Instant};

use super::app::{Action, Filtered, Indexed};
use super::detail::Detail;
use super::rows::Rows;
use super::source::{Ended, Next, Source, Visitor, each, tracker_memory_limit, walk_decoded};
use crate::capture::Frame;
use crate::dispatch::Dispatch;
use crate::dissect::Packet;
use crate::filter::Filter;
use crate::timeline::Timelines;
use crate::track::keylog::{HelloMatches, KeyLog};

/// How many rows the indexer gathers before it reports them.
const ROWS_PER_BATCH: usize = 4096;
/// How long the indexer may hold rows back: the first screen must not wait for a full batch.
const REPORT_EVERY: Duration = Duration::from_millis(100);
/// How often the indexer redraws the timelines while it reads a file.
const TIMELINES_EVERY: Duration = Duration::from_millis(700);
/// How often, at most, it redraws them while it waits for live packets.
const TIMELINES_WHEN_IDLE: Duration = Duration::from_millis(250);
/// How many frames before the one asked for the detail worker also takes apart, so moving
/// back up the list finds them ready.
const DETAIL_BEHIND: u64 = 128;

/// Starts a named worker thread; a thread that cannot start is reported on the loop.
fn spawn(name: &str, events: &Sender<Action>, work: impl FnOnce() + Send + 'static) {
    if let Err(error) = thread::Builder::new().name(name.to_owned()).spawn(work) {
        let _ = events.send(Action::Note(format!("cannot start the {name} thread: {error}")));
    }
}

/// Walks the whole source once: every frame's row, every connection's timeline, and whether
/// the user's key log opened any TLS session.
pub fn index(
    source: Source,
    user_keylog: KeyLog,
    dispatch: Dispatch,
    events: Sender<Action>,
    cancel: Arc<AtomicBool>,
) {
    let sender = events.clone();
    spawn("indexer", &events, move || {
        let mut timelines = Timelines::new(&source.interface_names(), &user_keylog).with_dispatch(&dispatch);
        // The near side's tracker takes one share, as the indexer's own does.
        timelines.share_memory(2 * tracker_memory_limit());
        let followed = user_keylog.is_followed();
        let mut indexer = Indexer {
            source: source.clone(),
            user_keylog,
            sender,
            rows: Rows::new(),
            timelines,
            hellos: HelloMatches::default(),
            position: None,
            last_report: Instant::now(),
            last_timelines: Instant::now(),
            timelines_changed: false,
            gone: false,
            // A followed key log's count is shown from the start, at 0 while it is empty.
            secrets_changed: followed,
        };
        let keylog = indexer.user_keylog.clone();
        let ended = walk_decoded(&source, &keylog, &dispatch, &cancel, &mut indexer);
        if !indexer.gone && ended != Ended::Cancelled {
            indexer.finish(ended);
        }
    });
}

/// The indexer's state between frames.
struct Indexer {
    source: Source,
    user_keylog: KeyLog,
    sender: Sender<Action>,
    rows: Rows,
    timelines: Timelines,
    hellos: HelloMatches,
    /// Bytes of the file read, and its size.
    position: Option<(usize, usize)>,
    last_report: Instant,
    last_timelines: Instant,
    /// Packets went to the timelines since they were last reported.
    timelines_changed: bool,
    /// The event loop has gone.
    gone: bool,
    /// A followed key log gained secrets since the last report.
    secrets_changed: bool,
}

impl Indexer {
    /// Sends the rows gathered, and the timelines when `timelines` and they changed.
    fn report(&mut self, timelines: bool) -> Next {
        let connections = (timelines && self.timelines_changed).then(|| {
            self.last_timelines = Instant::now();
            self.timelines_changed = false;
            self.timelines.snapshot()
        });
        let batch = Indexed {
            rows: std::mem::take(&mut self.rows),
            connections,
            position: self.position,
            secrets: self.followed_secrets(),
            ..Indexed::default()
        };
        self.last_report = Instant::now();
        self.secrets_changed = false;
        if self.sender.send(Action::Indexed(Box::new(batch))).is_err() {
            self.gone = true;
            return Next::Stop;
        }
        Next::Continue
    }

    /// For a key log followed live, how many TLS sessions it has secrets for.
    fn followed_secrets(&self) -> Option<usize> {
        self.user_keylog.is_followed().then(|| self.user_keylog.len())
    }

    fn finish(self, ended: Ended) {
        let secrets = self.followed_secrets();
        let last = Indexed {
            rows: self.rows,
            connections: Some(self.timelines.finish()),
            position: self.position.map(|(_, total)| (total, total)),
            ended: Some(ended),
            key_log: Some(self.hellos),
            secrets,
        };
        let _ = self.sender.send(Action::Indexed(Box::new(last)));
    }
}

impl Visitor for Indexer {
    fn packet<'a>(&mut self, frame: &Frame<'a>, packet: &Packet<'a>) -> Next {
        self.rows.push(frame, packet);
        self.timelines.handle(frame, packet);
        self.timelines_changed = true;
        self.hellos.check(packet, &self.user_keylog);
        if let Source::File(capture) = &self.source {
            self.position = capture.position_of(frame.data).map(|at| (at, capture.len()));
        }
        if self.rows.len() >= ROWS_PER_BATCH || self.last_report.elapsed() >= REPORT_EVERY {
            return self.report(self.last_timelines.elapsed() >= TIMELINES_EVERY);
        }
        Next::Continue
    }

    /// Caught up with a live capture: show the rows now, and the timelines if they changed and
    /// were not redrawn lately (a copy of every timeline per packet would cost more and more).
    fn idle(&mut self) -> Next {
        let timelines = self.timelines_changed && self.last_timelines.elapsed() >= TIMELINES_WHEN_IDLE;
        if self.rows.is_empty() && !timelines && !self.secrets_changed {
            return Next::Continue;
        }
        self.report(timelines)
    }

    fn secrets(&mut self, text: &[u8]) {
        self.timelines.add_key_log_text(text);
        // A followed key log's lines come with the frames: they are the user's key log.
        if self.user_keylog.is_followed() {
            self.user_keylog.add_text(text);
            self.secrets_changed = true;
        }
    }
}

/// Takes apart the frames the view asks for. Going forward continues the walk; going back
/// answers from the frames it took apart lately, or starts the walk again from the first frame
/// (the tracker's state cannot be rewound), taking apart the frames just before the one asked
/// for on the way. Every request is answered: the view marks a frame as asked for until its
/// detail arrives.
pub fn details(
    source: Source,
    keylog: KeyLog,
    dispatch: Dispatch,
    requests: Receiver<u64>,
    events: Sender<Action>,
    cancel: Arc<AtomicBool>,
) {
    let sender = events.clone();
    spawn("detail", &events, move || {
        let Some(mut target) = latest(&requests) else { return };
        let mut recent = Recent::default();
        loop {
            let mut gone = false;
            let mut send = |detail: Detail| {
                let sent = sender.send(Action::Detail(Box::new(detail))).is_ok();
                gone |= !sent;
                sent
            };
            walk_decoded(
                &source,
                &keylog,
                &dispatch,
                &cancel,
                &mut each(|frame, packet| {
                    if frame.number + DETAIL_BEHIND >= target && frame.number <= target {
                        let detail = Detail::new(frame, packet);
                        recent.keep(&detail);
                        if !send(detail) {
                            return Next::Stop;
                        }
                    }
                    while frame.number >= target {
                        match latest(&requests) {
                            None => return Next::Stop,
                            Some(next) if next > frame.number => target = next,
                            Some(next) => match recent.get(next) {
                                Some(detail) => {
                                    if !send(detail) {
                                        return Next::Stop;
                                    }
                                    target = frame.number;
                                }
                                None => {
                                    target = next;
                                    return Next::Restart;
                                }
                            },
                        }
                    }
                    Next::Continue
                }),
            );
            if gone || cancel.load(std::sync::atomic::Ordering::Relaxed) {
                return;
            }
            // The walk ended before the frame asked for: wait for another request.
            match latest(&requests) {
                Some(next) => target = next,
                None => return,
            }
        }
    });
}

/// The details the worker took apart lately, to answer a request for one again without a new
/// walk.
#[derive(Default)]
struct Recent(std::collections::VecDeque<Detail>);

impl Recent {
    /// Twice the frames taken apart behind a target, so moving back a page or two is answered.
    const KEPT: usize = 2 * DETAIL_BEHIND as usize + 1;

    fn keep(&mut self, detail: &Detail) {
        if self.0.len() == Self::KEPT {
            self.0.pop_front();
        }
        self.0.push_back(detail.clone());
    }

    fn get(&self, number: u64) -> Option<Detail> {
        self.0.iter().find(|detail| detail.number == number).cloned()
    }
}

/// The newest request, waiting for one if none is queued (a held arrow key queues many);
/// `None` once the loop has gone.
fn latest(requests: &Receiver<u64>) -> Option<u64> {
    let mut newest = requests.recv().ok()?;
    while let Ok(request) = requests.try_recv() {
        newest = request;
    }
    Some(newest)
}

/// Finds the frames `filter` keeps, reporting them in batches tagged with `generation` so a
/// newer filter's results are never mixed with an older one's.
pub fn filter(
    source: Source,
    keylog: KeyLog,
    dispatch: Dispatch,
    filter: Filter,
    generation: u64,
    events: Sender<Action>,
    cancel: Arc<AtomicBool>,
) {
    let sender = events.clone();
    spawn("filter", &events, move || {
        let mut finder = Finder {
            filter,
            generation,
            sender,
            matches: Vec::new(),
            scanned: 0,
            reported_scanned: 0,
            last_report: Instant::now(),
        };
        if walk_decoded(&source, &keylog, &dispatch, &cancel, &mut finder) != Ended::Cancelled {
            let Finder { generation, matches, scanned, sender, .. } = finder;
            let _ = sender.send(Action::Filtered(Filtered { generation, matches, scanned, done: true }));
        }
    });
}

/// The filter worker's state between frames.
struct Finder {
    filter: Filter,
    generation: u64,
    sender: Sender<Action>,
    matches: Vec<u64>,
    scanned: u64,
    /// `scanned` when last reported.
    reported_scanned: u64,
    last_report: Instant,
}

impl Finder {
    fn report(&mut self) -> Next {
        self.last_report = Instant::now();
        self.reported_scanned = self.scanned;
        let batch = Filtered {
            generation: self.generation,
            matches: std::mem::take(&mut self.matches),
            scanned: self.scanned,
            done: false,
        };
        if self.sender.send(Action::Filtered(batch)).is_err() { Next::Stop } else { Next::Continue }
    }
}

impl Visitor for Finder {
    fn packet<'a>(&mut self, frame: &Frame<'a>, packet: &Packet<'a>) -> Next {
        self.scanned = frame.number;
        if self.filter.matches(packet, frame) {
            self.matches.push(frame.number);
        }
        if self.last_report.elapsed() >= REPORT_EVERY { self.report() } else { Next::Continue }
    }

    fn idle(&mut self) -> Next {
        if self.matches.is_empty() && self.scanned == self.reported_scanned {
            return Next::Continue;
        }
        self.report()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::{self, Receiver};
    use std::time::Duration;

    use super::*;
    use crate::tui::testing::{COURSE, TLS13, bundled};

    const PATIENCE: Duration = Duration::from_secs(20);

    fn next(reports: &Receiver<Action>) -> Action {
        reports.recv_timeout(PATIENCE).expect("the worker reports")
    }

    /// Every report of an indexer run, merged: rows, the last timelines, the key log check.
    fn index_all(source: Source, user_keylog: KeyLog) -> Indexed {
        let (events, reports) = mpsc::channel();
        index(source, user_keylog, Dispatch::new(), events, Arc::new(AtomicBool::new(false)));
        let mut merged = Indexed::default();
        loop {
            let Action::Indexed(indexed) = next(&reports) else { panic!("only Indexed reports") };
            merged.rows.append(indexed.rows);
            merged.connections = indexed.connections.or(merged.connections);
            merged.secrets = indexed.secrets.or(merged.secrets);
            if indexed.ended.is_some() {
                merged.ended = indexed.ended;
                merged.key_log = indexed.key_log;
                return merged;
            }
        }
    }

    #[test]
    fn the_indexer_reports_every_row_and_timeline_and_an_unmatched_key_log() {
        let (source, keys) = bundled(TLS13);
        let indexed = index_all(source.clone(), KeyLog::new());
        assert_eq!(indexed.rows.len(), 22);
        assert_eq!(indexed.connections.as_ref().map(Vec::len), Some(1));
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
        index(Source::Store(Arc::clone(&store)), KeyLog::new(), Dispatch::new(), events, Arc::clone(&cancel));
        // The store stays open: the rows come because the indexer caught up, not because it ended.
        let mut rows = 0;
        let mut connections = None;
        while rows < 3 || connections.is_none() {
            let Action::Indexed(indexed) = next(&reports) else { panic!("only Indexed reports") };
            assert!(indexed.ended.is_none());
            rows += indexed.rows.len();
            connections = indexed.connections.or(connections);
        }
        assert_eq!(rows, 3);
        assert_eq!(connections.map(|connections| connections[0].packets), Some(3));
        cancel.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    #[test]
    fn the_detail_worker_goes_forward_and_back() {
        let (source, keylog) = bundled(TLS13);
        let (events, reports) = mpsc::channel();
        let (requests, asked) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        details(source, keylog, Dispatch::new(), asked, events, Arc::clone(&cancel));
        let wait_for = |number: u64| loop {
            if let Action::Detail(detail) = next(&reports)
                && detail.number == number
            {
                return detail;
            }
        };
        requests.send(11).expect("asked");
        // The eleven-frame walk decrypted the client's data: frame 11 carries "ping".
        assert!(wait_for(11).nodes.iter().any(|node| node.text.starts_with("data.data = 70696e67")));
        requests.send(13).expect("asked");
        assert_eq!(wait_for(13).number, 13);
        requests.send(5).expect("asked");
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
        details(source, keylog, Dispatch::new(), asked, events, Arc::clone(&cancel));
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
        requests.send(172).expect("asked");
        assert_eq!(wait_for(172).first(), Some(&(172 - DETAIL_BEHIND)), "the frames behind come first");
        // Regression: a view that dropped the oldest of those and asked for it again waited
        // for ever, as the worker skipped frames it had sent.
        requests.send(172 - DETAIL_BEHIND).expect("asked");
        wait_for(172 - DETAIL_BEHIND);
        requests.send(3).expect("asked");
        wait_for(3);
        cancel.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    #[test]
    fn the_filter_worker_finds_what_dissect_y_finds() {
        let (source, keylog) = bundled(TLS13);
        let (events, reports) = mpsc::channel();
        // The tickets (type 4) are read only once decrypted with the capture's key log.
        let filter_text =
            Filter::parse("tls.handshake.type == 1 || tls.handshake.type == 4").expect("a filter");
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
}
