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

use super::action::Asked;
use super::app::{Action, Filtered, Indexed, TimelineReport};
use super::checkpoint::{self, Shared};
use super::detail::Detail;
use super::rows::{Rows, info_text};
use super::source::{
    Ended, Next, Source, Visitor, tracker_memory_limit, walk_checkpointed, walk_checkpointed_behind,
    walk_decoded,
};
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
/// How far ahead of the frames worker's walk a checkpoint must be for the walk to start again
/// from it: further than copying a tracker costs in frames walked.
const JUMP_AHEAD: u64 = 8 * super::checkpoint::EVERY;
/// How many timelines of the connections still open at the end the indexer reports at once.
const ENDED_PER_BATCH: usize = 4096;
/// The first frames whose Info the indexer sends with their rows, so the first screen is
/// whole without waiting for the frames worker.
const FIRST_INFOS: u64 = 256;

/// Starts a named worker thread; a thread that cannot start is reported on the loop.
fn spawn(name: &str, events: &Sender<Action>, work: impl FnOnce() + Send + 'static) {
    if let Err(error) = thread::Builder::new().name(name.to_owned()).spawn(work) {
        let _ = events.send(Action::Note(format!("cannot start the {name} thread: {error}")));
    }
}

/// Walks the whole source once: every frame's row, every connection's timeline, and whether
/// the user's key log opened any TLS session; it leaves `checkpoints` on the way.
pub fn index(
    source: Source,
    user_keylog: KeyLog,
    dispatch: Dispatch,
    checkpoints: Shared,
    events: Sender<Action>,
    cancel: Arc<AtomicBool>,
    asked: Arc<Asked>,
) {
    let sender = events.clone();
    spawn("indexer", &events, move || {
        // Streaming: an ended connection's timeline is given out once, and only the open ones
        // are copied for each redraw.
        let mut timelines =
            Timelines::new(&source.interface_names(), &user_keylog).with_dispatch(&dispatch).streaming();
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
            asked,
            asked_given: None,
        };
        let keylog = indexer.user_keylog.clone();
        let ended =
            walk_checkpointed_behind(&source, &keylog, &dispatch, Some(&checkpoints), &cancel, &mut indexer);
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
    /// The open connection the UI wants whole, and the one the last report gave whole.
    asked: Arc<Asked>,
    asked_given: Option<u32>,
}

impl Indexer {
    /// Sends the rows gathered, and the timelines when `timelines` and they changed.
    /// A connection the UI asked for since the last report comes at once.
    fn report(&mut self, timelines: bool) -> Next {
        let asked = self.asked.asked();
        let newly_asked = asked != self.asked_given;
        let timelines = (timelines && self.timelines_changed || newly_asked).then(|| {
            self.last_timelines = Instant::now();
            self.timelines_changed = false;
            self.asked_given = asked;
            TimelineReport {
                ended: self.timelines.take_ended_shared().collect(),
                open: self.timelines.open_snapshot(|id| Some(id) == asked),
            }
        });
        let batch = Indexed {
            rows: std::mem::take(&mut self.rows),
            timelines,
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

    /// Sends the rows still held and every timeline not given yet: the connections still open
    /// end here. Those that waited for an earlier one come a batch at a time, the others in
    /// each report still open, so that they are never all decoded at once (that was 140 MB at
    /// once at the end of the 3 GB bench capture).
    fn finish(mut self, ended: Ended) {
        self.timelines.end_all();
        let mut batch = self.timelines.take_ended_at_most(ENDED_PER_BATCH);
        while batch.len() == ENDED_PER_BATCH {
            let asked = self.asked.asked();
            let report = Indexed {
                rows: std::mem::take(&mut self.rows),
                timelines: Some(TimelineReport {
                    ended: batch,
                    open: self.timelines.open_snapshot(|id| Some(id) == asked),
                }),
                position: self.position,
                ..Indexed::default()
            };
            if self.sender.send(Action::Indexed(Box::new(report))).is_err() {
                return;
            }
            batch = self.timelines.take_ended_at_most(ENDED_PER_BATCH);
        }
        let secrets = self.followed_secrets();
        let last = Indexed {
            rows: self.rows,
            timelines: Some(TimelineReport { ended: batch, open: Vec::new() }),
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
        if frame.number <= FIRST_INFOS {
            self.rows.push_with_info(frame, packet);
        } else {
            self.rows.push(frame, packet);
        }
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
        let newly_asked = self.asked.asked() != self.asked_given;
        if self.rows.is_empty() && !timelines && !self.secrets_changed && !newly_asked {
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

/// What the view asks of the frames worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// A packet taken apart (and the frames just before it, so moving up finds them ready).
    Detail(u64),
    /// The Info of these frames, in order: the rows on screen that have none.
    Infos(Vec<u64>),
}

/// Takes apart the frames the view asks for, and makes the Info of the rows on screen. Going
/// forward continues the walk; going back answers a detail from those it took apart lately,
/// or walks again from the last checkpoint before the frames wanted (from the first frame
/// when there is none). Every request is answered: the view marks a frame as asked for until
/// its detail arrives.
pub fn details(
    source: Source,
    keylog: KeyLog,
    dispatch: Dispatch,
    checkpoints: Shared,
    requests: Receiver<Wanted>,
    events: Sender<Action>,
    cancel: Arc<AtomicBool>,
) {
    let sender = events.clone();
    spawn("detail", &events, move || {
        let mut framer = Framer {
            requests,
            sender,
            checkpoints: checkpoints.clone(),
            detail: None,
            infos: Vec::new(),
            made: Vec::new(),
            recent: Recent::default(),
            gone: false,
        };
        if !framer.wait() {
            return;
        }
        loop {
            walk_checkpointed(&source, &keylog, &dispatch, Some(&checkpoints), &cancel, &mut framer);
            if framer.gone || cancel.load(std::sync::atomic::Ordering::Relaxed) {
                return;
            }
            // The walk ended before the frames asked for: what was made goes, and the worker
            // waits for another request.
            framer.detail = None;
            framer.infos.clear();
            if !framer.send_infos() || !framer.wait() {
                return;
            }
        }
    });
}

/// The frames worker's state between frames.
struct Framer {
    requests: Receiver<Wanted>,
    sender: Sender<Action>,
    /// The checkpoints the walks start from, to know when one ahead is worth jumping to.
    checkpoints: Shared,
    /// The frame to take apart, if one is asked for and not yet sent.
    detail: Option<u64>,
    /// Frames whose Info is asked for and not yet made, in order.
    infos: Vec<u64>,
    /// Info made and not yet sent.
    made: Vec<(u64, Box<str>)>,
    recent: Recent,
    /// The event loop has gone.
    gone: bool,
}

impl Framer {
    /// Waits for a request, then takes every one queued (a held arrow key queues many): the
    /// newest detail and the newest rows wanted. `false` once the loop has gone.
    fn wait(&mut self) -> bool {
        let Ok(first) = self.requests.recv() else { return false };
        self.take(first);
        while let Ok(request) = self.requests.try_recv() {
            self.take(request);
        }
        true
    }

    fn take(&mut self, request: Wanted) {
        match request {
            Wanted::Detail(number) => self.detail = Some(number),
            Wanted::Infos(numbers) => self.infos = numbers,
        }
    }

    fn send(&mut self, action: Action) -> bool {
        self.gone |= self.sender.send(action).is_err();
        !self.gone
    }

    fn send_infos(&mut self) -> bool {
        if self.made.is_empty() {
            return true;
        }
        let made = std::mem::take(&mut self.made);
        self.send(Action::Infos(made))
    }

    /// The last frame the walk must reach for what is wanted now.
    fn last_wanted(&self) -> Option<u64> {
        self.detail.into_iter().chain(self.infos.last().copied()).max()
    }

    /// Whether a walk at frame `number` should start again from a checkpoint rather than go
    /// on to what is wanted far ahead (`G`): when the last checkpoint before it is far enough
    /// ahead to pay for copying its tracker.
    fn jumps_ahead(&self, number: u64) -> bool {
        let ahead = checkpoint::lock(&self.checkpoints).walked_before(self.start_at());
        ahead.is_some_and(|walked| walked > number + JUMP_AHEAD)
    }

    /// Answers a detail asked for from the recent ones, when it is there.
    fn answer_from_recent(&mut self) -> bool {
        if let Some(detail) = self.detail.and_then(|number| self.recent.get(number)) {
            self.detail = None;
            return self.send(Action::Detail(Box::new(detail)));
        }
        true
    }
}

impl Visitor for Framer {
    fn start_at(&self) -> u64 {
        let detail = self.detail.map(|number| number.saturating_sub(DETAIL_BEHIND).max(1));
        detail.into_iter().chain(self.infos.first().copied()).min().unwrap_or(1)
    }

    fn packet<'a>(&mut self, frame: &Frame<'a>, packet: &Packet<'a>) -> Next {
        let number = frame.number;
        if self.infos.binary_search(&number).is_ok() {
            self.made.push((number, info_text(packet)));
        }
        if let Some(target) = self.detail
            && number + DETAIL_BEHIND >= target
            && number <= target
        {
            let detail = Detail::new(frame, packet);
            self.recent.keep(&detail);
            if number == target {
                self.detail = None;
            }
            if !self.send(Action::Detail(Box::new(detail))) {
                return Next::Stop;
            }
        }
        // Done with what was asked: send it, and wait for more.
        while self.last_wanted().is_none_or(|last| number >= last) {
            self.infos.clear();
            if !self.send_infos() || !self.wait() || !self.answer_from_recent() {
                return Next::Stop;
            }
            // Rows already passed are wanted again only when they are not on their way.
            let Some(last) = self.last_wanted() else { continue };
            if self.start_at() <= number && last >= self.start_at() {
                // Something at or before this frame is wanted: walk again from a checkpoint.
                return Next::Restart;
            }
            if self.jumps_ahead(number) {
                return Next::Restart;
            }
        }
        Next::Continue
    }
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
#[path = "workers_tests.rs"]
mod tests;
