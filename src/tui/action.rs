//! What can happen to the UI, and what the UI asks the event loop to do: the messages of the
//! Elm-style loop. Keys, mouse and workers produce [`Action`]s; `App::update` produces
//! [`Command`]s.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use super::app::View;
use super::detail::Detail;
use super::filter_from::Combine;
use super::rows::Rows;
use super::source::Ended;
use super::statistics::Counted;
use crate::filter::Filter;
use crate::timeline::Connection;
use crate::track::keylog::HelloMatches;

/// Everything that can happen to the UI.
#[derive(Debug)]
pub enum Action {
    Quit,
    ToggleHelp,
    Show(View),
    NextView,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Open what is selected: a packet's tree, a connection's timeline, a message's packet.
    Enter,
    /// Close what is open: help, the filter line, the explanation, the tree.
    Back,
    /// Switch between the packet list and the layer tree.
    SwitchPane,
    /// Packets: the focused pane fills the view, or shares it again.
    Maximise,
    /// Show or hide the selected timeline message's explanation.
    Explain,
    /// Timeline: to scale, or one row per message.
    ToggleScale,
    /// Live and replay: stop or resume following new packets.
    TogglePause,
    FilterStart,
    FilterType(char),
    FilterBackspace,
    /// Empties the filter line.
    FilterClear,
    FilterApply,
    Click {
        x: u16,
        y: u16,
    },
    Wheel {
        x: u16,
        y: u16,
        down: bool,
    },
    Resize {
        width: u16,
        height: u16,
    },
    /// The indexer's rows, timelines and progress.
    Indexed(Box<Indexed>),
    /// A packet taken apart.
    Detail(Box<Detail>),
    /// The Info of rows on screen, made on demand, by frame number.
    Infos(Vec<(u64, Box<str>)>),
    Filtered(Filtered),
    /// Live capture's counters.
    Captured {
        captured: u64,
        dropped: u64,
        refused: u64,
    },
    /// Something the status bar should say.
    Note(String),
    /// A key with no binding: it only closes help.
    Unbound,

    // ---- issue 19: follow stream, find and go, marks and time ----
    /// Follow the conversation of the selected packet or connection (`f`).
    Follow,
    /// The follow worker's conversation.
    Followed(Box<super::follow::Followed>),
    /// Follow: show both sides, the client's only, the server's only.
    FollowSides,
    /// Follow: HTTP, ASCII, hex, raw.
    FollowFormat,
    /// Open the search bar (`Ctrl-F`; `/` in Follow searches the stream).
    FindStart,
    /// The next match of the search in force (`n`).
    FindNext,
    /// The previous match (`N`).
    FindPrevious,
    /// The find worker's matches.
    Found(super::search::Found),
    /// Ask for a packet number to go to (`:`, `Ctrl-G`).
    GoToStart,
    /// Tab in a line being typed: the search bar's mode, or the filter line's field name completed.
    LineTab,
    /// Mark or unmark the selected packet (`m`).
    Mark,
    /// The next marked packet (`'`).
    NextMark,
    /// The previous marked packet (`"`).
    PreviousMark,
    /// Set or clear a time reference on the selected packet (`Ctrl-T`).
    TimeReference,
    /// The Time column's next format (`t` in Packets).
    TimeFormat,
    // ---- filters from what you see, statistics, export (issue 19) ----
    /// The selected field (Packets tree) or conversation made a filter, joined to the one in
    /// force.
    FilterFrom(Combine),
    /// Statistics: the next page, or the one before.
    StatsPage {
        next: bool,
    },
    /// Statistics: the next kind of conversation or endpoint (Ethernet, IPv4, …).
    StatsKind,
    /// Statistics: sort by the next column, or turn the order round.
    StatsSort {
        reverse: bool,
    },
    /// Statistics: a longer I/O interval, or a shorter one.
    StatsInterval {
        longer: bool,
    },
    /// Statistics: the next packet of the selected analysis note.
    StatsNextPacket,
    /// The statistics worker's figures.
    Counted(Box<Counted>),
    /// Write the shown packets (or the marked ones), or the timeline, to a new file.
    Export(Export),
    /// Copy the selected field's value to the clipboard (OSC 52).
    CopyValue,
    // ---- issue 19: HTTP objects ----
    /// Write every HTTP response body to a new directory `NAME-objects/` (`o`).
    ExportObjects,
}

/// What an export writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// The packets the list shows, to pcapng with the key log embedded.
    ShownPackets,
    /// The selected connection's timeline as SVG.
    TimelineSvg,
    /// The selected connection's timeline as Mermaid.
    TimelineMermaid,
}

/// The timelines as the indexer reports them, a little at a time: each ended connection's once,
/// and the open ones as they stand (copying only those keeps a long capture's reports cheap).
#[derive(Debug, Default)]
pub struct TimelineReport {
    /// Connections that ended since the last report, in order: they follow those reported
    /// before. Each is the one reported open before when it has not changed since.
    pub ended: Vec<Arc<Connection>>,
    /// Connections still open, in order after the ended ones: they replace those reported
    /// open before. Shared with the indexer, which makes again only those that changed. Only
    /// the one the UI asked for ([`Asked`]) comes with its events; the others are `withheld`.
    pub open: Vec<Arc<Connection>>,
}

/// The open connection whose events the UI wants (the one it shows), told to the indexer,
/// whose reports give only that one of the open connections whole.
#[derive(Debug, Default)]
pub struct Asked(AtomicU32);

impl Asked {
    pub fn ask(&self, id: u32) {
        self.0.store(id.saturating_add(1), Ordering::Relaxed);
    }

    /// The connection asked for, if any.
    pub fn asked(&self) -> Option<u32> {
        self.0.load(Ordering::Relaxed).checked_sub(1)
    }
}

/// A report from the indexer.
#[derive(Debug, Default)]
pub struct Indexed {
    pub rows: Rows,
    /// The timelines that changed, when they were redrawn.
    pub timelines: Option<TimelineReport>,
    /// Bytes of the file read so far, and its size.
    pub position: Option<(usize, usize)>,
    /// Set on the last report.
    pub ended: Option<Ended>,
    /// On the last report: the ClientHellos seen, and how many the user's key log knew.
    pub key_log: Option<HelloMatches>,
    /// A key log followed live: how many TLS sessions it holds secrets for so far.
    pub secrets: Option<usize>,
}

/// A report from the filter worker.
#[derive(Debug, Default)]
pub struct Filtered {
    pub generation: u64,
    pub matches: Vec<u64>,
    /// The last frame looked at.
    pub scanned: u64,
    pub done: bool,
}

/// What the event loop should do for the state.
#[derive(Debug)]
pub enum Command {
    /// Take this frame apart.
    Detail(u64),
    /// Make the Info of these frames (in order): rows on screen that have none.
    Infos(Vec<u64>),
    /// Start filtering (and stop any older filter).
    Filter { generation: u64, filter: Filter },
    /// Stop any filter worker.
    StopFilter,
    /// Count the capture for the Statistics view.
    Count,
    /// Write the frames (every frame when `None`) to a new pcapng file named `name`.
    WritePackets { name: String, frames: Option<Vec<u64>> },
    /// Write text the UI made (a timeline) to a new file named `name`.
    WriteText { name: String, text: String },
    /// Put text on the terminal's clipboard (OSC 52).
    Clipboard(String),
    /// Follow the conversation of this frame.
    Follow(u64),
    /// Find every frame the query matches (and stop any older find).
    Find { generation: u64, query: super::search::Query },
    // ---- issue 19: HTTP objects ----
    /// Gather the HTTP objects and write them to a new directory named `directory`.
    WriteObjects { directory: String },
}
