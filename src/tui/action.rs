//! What can happen to the UI, and what the UI asks the event loop to do: the messages of the
//! Elm-style loop. Keys, mouse and workers produce [`Action`]s; `App::update` produces
//! [`Command`]s.

use super::app::View;
use super::detail::Detail;
use super::rows::Rows;
use super::source::Ended;
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
    /// Tab in a line being typed: the search bar's mode.
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
}

/// A report from the indexer.
#[derive(Debug, Default)]
pub struct Indexed {
    pub rows: Rows,
    /// The timelines so far, when they were redrawn.
    pub connections: Option<Vec<Connection>>,
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
    /// Start filtering (and stop any older filter).
    Filter { generation: u64, filter: Filter },
    /// Stop any filter worker.
    StopFilter,
    /// Follow the conversation of this frame.
    Follow(u64),
    /// Find every frame the query matches (and stop any older find).
    Find { generation: u64, query: super::search::Query },
}
