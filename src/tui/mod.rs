//! The terminal UI: packets on the OSI model, connections, handshake timelines and the
//! comparison of variants, over a capture file, a live capture or a replay.
//!
//! Elm-style: terminal input and worker reports become [`app::Action`]s, [`app::App::update`]
//! is the only place state changes, and [`views`] draw the state. The event loop here is the
//! only code that touches the terminal, and it always gives the terminal back as it found
//! it: on quit, on error and on panic.

pub mod action;
pub mod app;
mod bench;
pub mod checkpoint;
mod cursor;
pub mod detail;
mod export;
mod filter_from;
mod filtering;
pub mod follow;
pub mod keys;
pub mod layout;
mod mouse;
pub mod rows;
pub mod search;
pub mod source;
mod spill;
pub mod state;
pub mod statistics;
pub mod statistics_tables;
pub mod theme;
pub mod views;
mod workbench;
mod workers;
// Issue 19: HTTP objects export.
mod objects;

#[cfg(test)]
mod testing;

use std::io::{self, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use crate::dispatch::Dispatch;
use crate::track::keylog::KeyLog;
use app::{Action, App, Command, Mode, View};
use source::Source;

/// How long the loop waits for input before it looks at the workers' reports.
const INPUT_WAIT: Duration = Duration::from_millis(25);
/// How long one turn may spend taking reports, so keys stay responsive under a flood.
const REPORT_BUDGET: Duration = Duration::from_millis(15);

/// Live counters the status bar shows, read each turn of the loop.
pub trait Counters {
    /// Packets captured, dropped by the kernel, and not kept because memory was full.
    fn counts(&self) -> (u64, u64, u64);

    /// What the capture has to say since last asked (a followed key log rewritten or
    /// unreadable), for the status bar.
    fn take_notes(&self) -> Vec<String> {
        Vec::new()
    }
}

/// What a UI session shows.
pub struct Session {
    /// What the top line names: the file, or the interface.
    pub title: String,
    pub mode: Mode,
    pub source: Source,
    /// The user's key log. Secrets a capture embeds are taken by each walk as it meets them.
    pub keylog: KeyLog,
    /// What the user's `--decode-as` entries hand on.
    pub dispatch: Dispatch,
    /// Notes for the status bar from before the UI started.
    pub notes: Vec<String>,
    /// What the status bar says for as long as the UI runs.
    pub banner: Option<String>,
    /// The view shown first.
    pub view: View,
    pub counters: Option<Box<dyn Counters>>,
    /// An unnamed temporary file for the ended connections' events (`tui/spill.rs`), made before
    /// a privilege drop; None makes one when the first connection ends.
    pub spill: Option<std::fs::File>,
}

/// Runs the UI until the user quits.
pub fn run(session: Session) -> io::Result<()> {
    let (events, reports) = mpsc::channel();
    let cancel = Arc::new(AtomicBool::new(false));
    let checkpoints = checkpoint::Checkpoints::shared(checkpoint::EVERY, checkpoint::MEMORY_LIMIT);
    let asked = Arc::new(action::Asked::default());
    workers::index(
        session.source.clone(),
        session.keylog.clone(),
        session.dispatch.clone(),
        Arc::clone(&checkpoints),
        events.clone(),
        Arc::clone(&cancel),
        Arc::clone(&asked),
    );
    let (detail_requests, requests) = mpsc::channel();
    workers::details(
        session.source.clone(),
        session.keylog.clone(),
        session.dispatch.clone(),
        checkpoints,
        requests,
        events.clone(),
        Arc::clone(&cancel),
    );

    let mut app = App::new(session.title.clone(), session.mode.clone());
    app.connections.asked = asked;
    if let Some(file) = session.spill {
        app.connections.spill = spill::Spill::in_file(file);
    }
    app.notes.extend(session.notes.iter().cloned());
    app.banner.clone_from(&session.banner);
    app.view = session.view;
    let mut terminal = TerminalGuard::enter()?;
    let size = terminal.terminal.size()?;
    app.update(Action::Resize { width: size.width, height: size.height });

    let mut filter_cancel = Arc::new(AtomicBool::new(false));
    let mut follow_cancel = Arc::new(AtomicBool::new(false));
    let mut find_cancel = Arc::new(AtomicBool::new(false));
    let result = (|| -> io::Result<()> {
        let mut dirty = true;
        while !app.quit {
            if PANICKED.load(Ordering::Relaxed) {
                return Err(io::Error::other("a background worker failed; its message is above"));
            }
            if dirty {
                terminal.terminal.draw(|frame| frame.render_widget(views::Ui(&app), frame.area()))?;
                dirty = false;
            }
            dirty |= read_input(&mut app)?;
            dirty |= take_reports(&mut app, &reports);
            if let Some(counters) = &session.counters {
                let (captured, dropped, refused) = counters.counts();
                if app.captured != Some((captured, dropped, refused)) {
                    app.update(Action::Captured { captured, dropped, refused });
                    dirty = true;
                }
                for note in counters.take_notes() {
                    app.update(Action::Note(note));
                    dirty = true;
                }
            }
            for command in app.take_commands() {
                match command {
                    Command::Detail(frame) => {
                        // The worker is gone only if it failed to start, which it reported.
                        let _ = detail_requests.send(workers::Wanted::Detail(frame));
                    }
                    Command::Infos(frames) => {
                        let _ = detail_requests.send(workers::Wanted::Infos(frames));
                    }
                    Command::Filter { generation, filter } => {
                        filter_cancel.store(true, Ordering::Relaxed);
                        filter_cancel = Arc::new(AtomicBool::new(false));
                        workers::filter(
                            session.source.clone(),
                            session.keylog.clone(),
                            session.dispatch.clone(),
                            filter,
                            generation,
                            events.clone(),
                            Arc::clone(&filter_cancel),
                        );
                    }
                    Command::StopFilter => filter_cancel.store(true, Ordering::Relaxed),
                    Command::Count => statistics::count(
                        session.source.clone(),
                        session.keylog.clone(),
                        session.dispatch.clone(),
                        events.clone(),
                        Arc::clone(&cancel),
                    ),
                    Command::WritePackets { name, frames } => export::packets(
                        session.source.clone(),
                        session.keylog.clone(),
                        session.dispatch.clone(),
                        name,
                        frames,
                        events.clone(),
                        Arc::clone(&cancel),
                    ),
                    Command::WriteText { name, text } => export::text(name, text, events.clone()),
                    Command::Clipboard(text) => {
                        use std::io::Write as _;
                        let mut stdout = io::stdout();
                        let _ =
                            stdout.write_all(export::osc52(&text).as_bytes()).and_then(|()| stdout.flush());
                    }
                    Command::Find { generation, query } => {
                        find_cancel.store(true, Ordering::Relaxed);
                        find_cancel = Arc::new(AtomicBool::new(false));
                        search::spawn(
                            session.source.clone(),
                            session.keylog.clone(),
                            session.dispatch.clone(),
                            query,
                            generation,
                            events.clone(),
                            Arc::clone(&find_cancel),
                        );
                    }
                    Command::Follow(frame) => {
                        follow_cancel.store(true, Ordering::Relaxed);
                        follow_cancel = Arc::new(AtomicBool::new(false));
                        follow::spawn(
                            session.source.clone(),
                            session.keylog.clone(),
                            session.dispatch.clone(),
                            frame,
                            events.clone(),
                            Arc::clone(&follow_cancel),
                        );
                    }
                    // ---- issue 19: HTTP objects ----
                    Command::WriteObjects { directory } => objects::spawn(
                        session.source.clone(),
                        session.keylog.clone(),
                        session.dispatch.clone(),
                        directory,
                        events.clone(),
                        Arc::clone(&cancel),
                    ),
                }
            }
        }
        Ok(())
    })();
    cancel.store(true, Ordering::Relaxed);
    filter_cancel.store(true, Ordering::Relaxed);
    follow_cancel.store(true, Ordering::Relaxed);
    find_cancel.store(true, Ordering::Relaxed);
    drop(terminal);
    result
}

/// Turns waiting terminal events into actions; returns whether any changed the state.
fn read_input(app: &mut App) -> io::Result<bool> {
    let mut changed = false;
    let mut wait = INPUT_WAIT;
    while event::poll(wait)? {
        let event = event::read()?;
        if let Some(action) = keys::action(&event, app.is_editing(), app.view) {
            app.update(action);
            changed = true;
        }
        wait = Duration::ZERO;
    }
    Ok(changed)
}

/// Takes the workers' reports for at most [`REPORT_BUDGET`]; returns whether there were any.
fn take_reports(app: &mut App, reports: &Receiver<Action>) -> bool {
    let started = Instant::now();
    let mut any = false;
    while let Ok(action) = reports.try_recv() {
        app.update(action);
        any = true;
        if started.elapsed() >= REPORT_BUDGET {
            break;
        }
    }
    any
}

/// The terminal in raw mode on the alternate screen with the mouse captured, given back when
/// dropped, and by the panic hook if the UI panics.
struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    fn enter() -> io::Result<Self> {
        install_panic_hook();
        enable_raw_mode()?;
        let mut stdout = io::stdout();
        if let Err(error) = execute!(stdout, EnterAlternateScreen, EnableMouseCapture) {
            restore();
            return Err(error);
        }
        match Terminal::new(CrosstermBackend::new(stdout)) {
            Ok(mut terminal) => {
                let _ = terminal.hide_cursor();
                Ok(Self { terminal })
            }
            Err(error) => {
                restore();
                Err(error)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = self.terminal.show_cursor();
        restore();
    }
}

/// Gives the terminal back: mouse released, main screen, cooked mode. Safe to call twice.
fn restore() {
    let _ = execute!(io::stdout(), DisableMouseCapture, LeaveAlternateScreen, crossterm::cursor::Show);
    let _ = disable_raw_mode();
}

/// Set when any thread panicked, so the loop ends instead of drawing over the message.
static PANICKED: AtomicBool = AtomicBool::new(false);

/// Restores the terminal before a panic's message is printed, so the message is readable and
/// the shell usable, and tells the loop to end.
fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.store(true, Ordering::Relaxed);
            restore();
            previous(info);
        }));
    });
}
