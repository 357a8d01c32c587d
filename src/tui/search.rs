//! Find and go: the search bar over the Packets view (`Ctrl-F`: a string, hex bytes or a
//! display filter), `n`/`N` between its matches, the packet-number prompt (`:`, `Ctrl-G`),
//! and the search inside a followed stream (`/` there).
//!
//! One [`Prompt`] is open at a time and takes the keys the filter line would; what it asks for
//! is run when Enter is pressed. A find over the capture runs on a worker ([`spawn`]) that
//! reports every matching frame in batches tagged with the search's generation, so an older
//! search's results never mix with a newer one's; `n` and `N` then move among them, wrapping,
//! with a note when there is no match.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use super::action::{Action, Command};
use super::app::{App, View};
use super::detail::Detail;
use super::source::{Ended, Next, Source, each, walk_decoded};
use crate::dispatch::Dispatch;
use crate::dissect::write_info;
use crate::filter::Filter;
use crate::track::keylog::KeyLog;

/// How often the find worker reports the matches found so far.
const REPORT_EVERY: Duration = Duration::from_millis(100);

/// What a find over the packets looks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// A string in the Info column or the layer tree's text (case-insensitive).
    #[default]
    Text,
    /// Bytes of the frame, written `ab:cd`, `ab cd` or `abcd`.
    Hex,
    /// A display filter, as `/` takes.
    Filter,
}

impl Mode {
    pub fn next(self) -> Self {
        match self {
            Self::Text => Self::Hex,
            Self::Hex => Self::Filter,
            Self::Filter => Self::Text,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "string",
            Self::Hex => "hex",
            Self::Filter => "filter",
        }
    }
}

/// What an open prompt asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asks {
    /// Find in the packets.
    Find(Mode),
    /// A packet number to go to.
    GoTo,
    /// A string in the followed stream.
    FollowFind,
}

/// The line being typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub asks: Asks,
    pub text: String,
}

impl Prompt {
    /// What the bar writes before the text.
    pub fn label(&self) -> String {
        match self.asks {
            Asks::Find(mode) => format!("find {} (Tab: string/hex/filter): ", mode.name()),
            Asks::GoTo => "go to packet: ".to_owned(),
            Asks::FollowFind => "find in stream: ".to_owned(),
        }
    }
}

/// A query, checked and ready for the worker.
#[derive(Clone, Debug)]
pub enum Query {
    Text(String),
    Hex(Vec<u8>),
    Filter(Filter),
}

impl Query {
    /// Reads what was typed in `mode`; a prefix chooses another mode: `x:` hex, `f:` filter,
    /// `s:` string.
    pub fn parse(mode: Mode, text: &str) -> Result<Self, String> {
        let (mode, text) = match text.split_once(':') {
            Some(("x", rest)) => (Mode::Hex, rest),
            Some(("f", rest)) => (Mode::Filter, rest),
            Some(("s", rest)) => (Mode::Text, rest),
            _ => (mode, text),
        };
        let text = text.trim();
        if text.is_empty() {
            return Err("nothing to find".to_owned());
        }
        match mode {
            Mode::Text => Ok(Self::Text(text.to_ascii_lowercase())),
            Mode::Hex => parse_hex(text).map(Self::Hex),
            Mode::Filter => Filter::parse(text)
                .map(Self::Filter)
                .map_err(|error| format!("filter error at column {}: {}", error.column, error.message)),
        }
    }

    /// Whether a packet matches; the tree's text is made only when the Info column has no
    /// match.
    fn matches<'a>(&self, frame: &crate::capture::Frame<'a>, packet: &crate::dissect::Packet<'a>) -> bool {
        match self {
            Self::Hex(bytes) => frame.data.windows(bytes.len()).any(|window| window == bytes.as_slice()),
            Self::Filter(filter) => filter.matches(packet, frame),
            Self::Text(needle) => {
                let mut info = String::new();
                let _ = write_info(packet, &mut info);
                if info.to_ascii_lowercase().contains(needle) {
                    return true;
                }
                let detail = Detail::new(frame, packet);
                detail.nodes.iter().any(|node| node.text.to_ascii_lowercase().contains(needle))
            }
        }
    }
}

/// `ab:cd`, `ab cd`, `abcd` as bytes.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: String = text.chars().filter(|character| !matches!(character, ':' | ' ' | '-')).collect();
    if digits.is_empty() || !digits.len().is_multiple_of(2) || !digits.chars().all(|c| c.is_ascii_hexdigit())
    {
        return Err(format!("{text:?} is not hex bytes: write them as ab:cd or abcd"));
    }
    (0..digits.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&digits[at..at + 2], 16).map_err(|error| error.to_string()))
        .collect()
}

/// A find in force: its matches, as the worker reports them.
#[derive(Debug, Default)]
pub struct Find {
    pub text: String,
    pub generation: u64,
    pub matches: Vec<u64>,
    pub done: bool,
    /// Go to the first match after this frame once one is found (Enter before any arrived).
    pub pending: Option<u64>,
}

/// A report of the find worker.
#[derive(Debug, Default)]
pub struct Found {
    pub generation: u64,
    pub matches: Vec<u64>,
    pub done: bool,
}

/// Finds every frame `query` matches, reporting them in batches.
pub fn spawn(
    source: Source,
    keylog: KeyLog,
    dispatch: Dispatch,
    query: Query,
    generation: u64,
    events: Sender<Action>,
    cancel: Arc<AtomicBool>,
) {
    let sender = events.clone();
    let started = std::thread::Builder::new().name("find".to_owned()).spawn(move || {
        let mut report = |matches: Vec<u64>, done: bool| {
            sender.send(Action::Found(Found { generation, matches, done })).is_ok()
        };
        let ended = matching(&source, &keylog, &dispatch, &query, &cancel, &mut report);
        if ended != Ended::Cancelled && !cancel.load(Ordering::Relaxed) {
            report(Vec::new(), true);
        }
    });
    if let Err(error) = started {
        let _ = events.send(Action::Note(format!("cannot start the find thread: {error}")));
    }
}

/// Walks the capture and hands the frames `query` matches to `report`, a batch at a time
/// (the last batch may be empty); stops when `report` says the loop has gone.
pub fn matching(
    source: &Source,
    keylog: &KeyLog,
    dispatch: &Dispatch,
    query: &Query,
    cancel: &AtomicBool,
    report: &mut dyn FnMut(Vec<u64>, bool) -> bool,
) -> Ended {
    let mut matches = Vec::new();
    let mut last = Instant::now();
    let mut gone = false;
    let ended = walk_decoded(
        source,
        keylog,
        dispatch,
        cancel,
        &mut each(|frame, packet| {
            if query.matches(frame, packet) {
                matches.push(frame.number);
            }
            if last.elapsed() >= REPORT_EVERY && !matches.is_empty() {
                last = Instant::now();
                if !report(std::mem::take(&mut matches), false) {
                    gone = true;
                    return Next::Stop;
                }
            }
            Next::Continue
        }),
    );
    if gone {
        return Ended::Cancelled;
    }
    if !matches.is_empty() {
        report(matches, false);
    }
    ended
}

impl App {
    /// Keys while a prompt is open; returns whether the action was used.
    pub(super) fn edit_prompt(&mut self, action: &Action) -> bool {
        let Some(prompt) = &mut self.bench.prompt else { return false };
        match action {
            Action::FilterType(character) => prompt.text.push(*character),
            Action::FilterBackspace => {
                prompt.text.pop();
            }
            Action::FilterClear => prompt.text.clear(),
            Action::LineTab => {
                if let Asks::Find(mode) = prompt.asks {
                    prompt.asks = Asks::Find(mode.next());
                }
            }
            Action::FilterApply => {
                if let Some(prompt) = self.bench.prompt.take() {
                    self.run_prompt(prompt);
                }
            }
            Action::Back => self.bench.prompt = None,
            _ => return false,
        }
        true
    }

    /// Opens a prompt, keeping the last find's text to edit.
    pub(super) fn open_prompt(&mut self, asks: Asks) {
        let text = match asks {
            Asks::Find(_) => self.bench.find.as_ref().map(|find| find.text.clone()).unwrap_or_default(),
            Asks::FollowFind => self.follow.search.clone().unwrap_or_default(),
            Asks::GoTo => String::new(),
        };
        self.bench.prompt = Some(Prompt { asks, text });
    }

    fn run_prompt(&mut self, prompt: Prompt) {
        match prompt.asks {
            Asks::GoTo => self.go_to_number(&prompt.text),
            Asks::FollowFind => {
                let text = prompt.text.trim();
                self.follow.search = (!text.is_empty()).then(|| text.to_owned());
                self.follow_find(true, true);
            }
            Asks::Find(mode) => match Query::parse(mode, &prompt.text) {
                Err(reason) => self.notes.push(reason),
                Ok(query) => {
                    let generation = self.bench.generation + 1;
                    self.bench.generation = generation;
                    let from = self.selected_frame().unwrap_or(0);
                    self.bench.find = Some(Find {
                        text: prompt.text.trim().to_owned(),
                        generation,
                        pending: Some(from),
                        ..Find::default()
                    });
                    self.bench.last_mode = mode;
                    self.commands.push(Command::Find { generation, query });
                }
            },
        }
    }

    /// Goes to the packet numbered `text`; a bad number gets one line in the status bar.
    fn go_to_number(&mut self, text: &str) {
        match text.trim().parse::<u64>() {
            Ok(number) if number >= 1 && number as usize <= self.packets.rows.len() => {
                self.jump_to_frame(number)
            }
            Ok(number) => self
                .notes
                .push(format!("no packet {number}: the capture has {} (so far)", self.packets.rows.len())),
            Err(_) => self.notes.push(format!("{:?} is not a packet number", text.trim())),
        }
    }

    pub(super) fn found(&mut self, found: Found) {
        let Some(find) = &mut self.bench.find else { return };
        if find.generation != found.generation {
            return;
        }
        find.matches.extend(found.matches);
        find.done |= found.done;
        if let Some(from) = find.pending {
            let next = find.matches.iter().find(|frame| **frame > from).copied();
            match next {
                Some(frame) => {
                    find.pending = None;
                    self.jump_to_frame(frame);
                }
                None if find.done => {
                    find.pending = None;
                    match find.matches.first().copied() {
                        Some(frame) => {
                            self.notes.push("search wrapped to the first match".to_owned());
                            self.jump_to_frame(frame);
                        }
                        None => self.notes.push(format!("no packet matches {:?}", find.text)),
                    }
                }
                None => {}
            }
        }
    }

    /// `n` and `N`: the next or previous match of the find in force, wrapping; in Follow,
    /// of the search inside the stream.
    pub(super) fn find_again(&mut self, forward: bool) {
        if self.view == View::Follow {
            self.follow_find(forward, false);
            return;
        }
        let Some(find) = &self.bench.find else {
            self.notes.push("no search yet: Ctrl-F finds".to_owned());
            return;
        };
        let at = self.selected_frame().unwrap_or(0);
        let next = if forward {
            find.matches.iter().find(|frame| **frame > at).copied()
        } else {
            find.matches.iter().rev().find(|frame| **frame < at).copied()
        };
        let wrapped = if forward { find.matches.first() } else { find.matches.last() }.copied();
        match (next, wrapped, find.done) {
            (Some(frame), ..) => self.jump_to_frame(frame),
            (None, Some(frame), true) if frame != at => {
                let end = if forward { "last" } else { "first" };
                self.notes.push(format!("no more matches past the {end}: wrapped"));
                self.jump_to_frame(frame);
            }
            (None, _, true) => self.notes.push("no more matches".to_owned()),
            (None, _, false) => self.notes.push("still searching…".to_owned()),
        }
    }

    /// What the search bar says of the find in force, for the status bar.
    pub(super) fn find_summary(&self) -> Option<String> {
        let find = self.bench.find.as_ref()?;
        let mut text = format!("find {:?}: {} match", find.text, find.matches.len());
        if find.matches.len() != 1 {
            text.push_str("es");
        }
        if !find.done {
            let _ = write!(text, ", searching…");
        }
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_read_with_or_without_separators_and_bad_hex_is_refused() {
        assert_eq!(parse_hex("ab:cd"), Ok(vec![0xab, 0xcd]));
        assert_eq!(parse_hex("abcd"), Ok(vec![0xab, 0xcd]));
        assert_eq!(parse_hex("16 03 01"), Ok(vec![0x16, 3, 1]));
        assert!(parse_hex("abc").is_err());
        assert!(parse_hex("zz").is_err());
    }

    #[test]
    fn a_prefix_chooses_the_mode() {
        assert!(matches!(Query::parse(Mode::Text, "x:1603"), Ok(Query::Hex(bytes)) if bytes == [0x16, 3]));
        assert!(matches!(Query::parse(Mode::Hex, "s:GET"), Ok(Query::Text(text)) if text == "get"));
        assert!(matches!(Query::parse(Mode::Text, "f:tcp.port == 443"), Ok(Query::Filter(_))));
        assert!(Query::parse(Mode::Filter, "tcp.port ==").is_err());
        assert!(Query::parse(Mode::Text, "  ").is_err());
    }
}
