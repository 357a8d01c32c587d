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
use super::source::{Ended, Next, Source, walk};
use crate::dissect::Header;
use crate::dissect::field::{Field, Value};
use crate::dissect::tls::handshake::kind;
use crate::filter::Filter;
use crate::timeline::Builder;
use crate::track::keylog::KeyLog;

/// How many rows the indexer gathers before it reports them.
const ROWS_PER_BATCH: usize = 4096;
/// How long the indexer may hold rows back: the first screen must not wait for a full batch.
const REPORT_EVERY: Duration = Duration::from_millis(100);
/// How often the indexer redraws the timelines while it runs.
const TIMELINES_EVERY: Duration = Duration::from_millis(700);
/// How many frames before the one asked for the detail worker also takes apart, so moving
/// back up the list finds them ready.
const DETAIL_BEHIND: u64 = 32;
/// How many sent frames the detail worker remembers, to skip asking twice.
const SENT_REMEMBERED: usize = DETAIL_BEHIND as usize + 1;

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
    keylog: KeyLog,
    user_keylog: KeyLog,
    events: Sender<Action>,
    cancel: Arc<AtomicBool>,
) {
    let sender = events.clone();
    spawn("indexer", &events, move || {
        let mut rows = Rows::new();
        let mut builder = Builder::new();
        let mut last_report = Instant::now();
        let mut last_timelines = Instant::now();
        let mut hellos = KeyCheck::default();
        let mut position = None;
        let mut gone = false;
        let ended = walk(&source, &keylog, &cancel, &mut |frame, packet| {
            rows.push(frame, packet);
            builder.handle_packet(frame, packet);
            hellos.check(packet, &user_keylog);
            if let Source::File(capture) = &source {
                position = capture.position_of(frame.data).map(|at| (at, capture.len()));
            }
            if rows.len() >= ROWS_PER_BATCH || last_report.elapsed() >= REPORT_EVERY {
                let timelines = (last_timelines.elapsed() >= TIMELINES_EVERY).then(|| {
                    last_timelines = Instant::now();
                    builder.snapshot()
                });
                let batch = Indexed {
                    rows: std::mem::take(&mut rows),
                    connections: timelines,
                    position,
                    ..Indexed::default()
                };
                if sender.send(Action::Indexed(Box::new(batch))).is_err() {
                    gone = true;
                    return Next::Stop;
                }
                last_report = Instant::now();
            }
            Next::Continue
        });
        if gone || ended == Ended::Cancelled {
            return;
        }
        let key_log_unmatched = !user_keylog.is_empty() && hellos.seen > 0 && hellos.matched == 0;
        let last = Indexed {
            rows,
            connections: Some(builder.finish()),
            position: position.map(|(_, total)| (total, total)),
            ended: Some(ended),
            key_log_unmatched: key_log_unmatched.then_some(hellos.seen),
        };
        let _ = sender.send(Action::Indexed(Box::new(last)));
    });
}

/// Counts ClientHellos and those whose client random the key log knows.
#[derive(Default)]
struct KeyCheck {
    seen: u64,
    matched: u64,
}

impl KeyCheck {
    fn check(&mut self, packet: &crate::dissect::Packet<'_>, keylog: &KeyLog) {
        if keylog.is_empty()
            || !packet.layers.iter().any(|layer| matches!(layer.header, Header::Tls(_) | Header::QuicTls(_)))
        {
            return;
        }
        let mut client_hello = false;
        let mut sink = |field: Field<'_>| match (field.name, &field.value) {
            ("tls.handshake.type", value) => {
                client_hello = value.as_u64() == Some(u64::from(kind::CLIENT_HELLO))
            }
            ("tls.handshake.random", Value::Bytes(random)) if client_hello => {
                self.seen += 1;
                if let Ok(random) = <[u8; 32]>::try_from(*random)
                    && keylog.get(&random).is_some()
                {
                    self.matched += 1;
                }
            }
            _ => {}
        };
        for layer in &packet.layers {
            if matches!(layer.header, Header::Tls(_) | Header::QuicTls(_)) {
                layer.fields(&mut sink);
            }
        }
    }
}

/// Takes apart the frames the view asks for. Going forward continues the walk; going back
/// starts it again from the first frame (the tracker's state cannot be rewound), taking apart
/// the frames just before the one asked for on the way.
pub fn details(
    source: Source,
    keylog: KeyLog,
    requests: Receiver<u64>,
    events: Sender<Action>,
    cancel: Arc<AtomicBool>,
) {
    let sender = events.clone();
    spawn("detail", &events, move || {
        let Some(mut target) = latest(&requests) else { return };
        // Frames sent for the current target: asked for again before they arrived (the view
        // only knows its latest request), they need no new walk.
        let mut sent: std::collections::VecDeque<u64> = std::collections::VecDeque::new();
        loop {
            let mut gone = false;
            walk(&source, &keylog, &cancel, &mut |frame, packet| {
                loop {
                    if frame.number + DETAIL_BEHIND >= target && frame.number <= target {
                        let detail = Detail::new(frame, packet);
                        if sender.send(Action::Detail(Box::new(detail))).is_err() {
                            gone = true;
                            return Next::Stop;
                        }
                        if sent.len() == SENT_REMEMBERED {
                            sent.pop_front();
                        }
                        sent.push_back(frame.number);
                    }
                    if frame.number < target {
                        return Next::Continue;
                    }
                    let next = loop {
                        match latest(&requests) {
                            Some(next) if sent.contains(&next) => continue,
                            next => break next,
                        }
                    };
                    match next {
                        None => {
                            gone = true;
                            return Next::Stop;
                        }
                        Some(next) if next > frame.number => {
                            target = next;
                            sent.clear();
                            return Next::Continue;
                        }
                        Some(next) if next == frame.number => target = next,
                        Some(next) => {
                            target = next;
                            sent.clear();
                            return Next::Restart;
                        }
                    }
                }
            });
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
    filter: Filter,
    generation: u64,
    events: Sender<Action>,
    cancel: Arc<AtomicBool>,
) {
    let sender = events.clone();
    spawn("filter", &events, move || {
        let mut matches = Vec::new();
        let mut scanned = 0u64;
        let mut last_report = Instant::now();
        let ended = walk(&source, &keylog, &cancel, &mut |frame, packet| {
            scanned = frame.number;
            if filter.matches(packet, frame) {
                matches.push(frame.number);
            }
            if last_report.elapsed() >= REPORT_EVERY {
                last_report = Instant::now();
                let batch =
                    Filtered { generation, matches: std::mem::take(&mut matches), scanned, done: false };
                if sender.send(Action::Filtered(batch)).is_err() {
                    return Next::Stop;
                }
            }
            Next::Continue
        });
        if ended != Ended::Cancelled {
            let _ = sender.send(Action::Filtered(Filtered { generation, matches, scanned, done: true }));
        }
    });
}
