//! `rttscope FILE`, `open`, `live` and `replay`: check the input, then hand it to the terminal
//! UI. Everything that can fail on bad input fails here, on one line, before the UI starts.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, Weak};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::capture::{
    check_capture_filter, check_output, counts, drop_privileges, limits, open_output, shown, write,
};
use super::dissect::load_key_log;
use super::followed::FollowedKeyLog;
use super::live_text::{self, TextCapture, TextOutput};
use super::{CliError, LiveArgs, OpenArgs, Outcome, ReplayArgs};
use crate::capture::{CaptureFile, CaptureHandle, LinkType, LiveCapture, LivePacket, SecretsKind};
use crate::dispatch::Dispatch;
use crate::track::keylog::KeyLog;
use crate::tui::app::{Mode, View};
use crate::tui::source::{OwnedFrame, Source, Store, set_memory_limit};
use crate::tui::{self, Counters, Session};

/// The longest pause a replay makes between two packets, so an idle minute in a capture does
/// not stall a class.
const REPLAY_LONGEST_GAP: Duration = Duration::from_secs(3);

/// Whether standard output is a terminal the UI can draw on.
pub fn interactive() -> bool {
    std::io::stdout().is_terminal() && std::io::stdin().is_terminal()
}

fn not_a_terminal() -> CliError {
    CliError::Usage(
        "the terminal UI needs a terminal; for output to a pipe or file use `rttscope dissect FILE`".into(),
    )
}

/// `rttscope FILE` and `rttscope open FILE`.
pub fn open(args: &OpenArgs) -> Result<Outcome, CliError> {
    open_on(args, View::Packets, None)
}

/// Opens a capture in the UI on `view`, with `banner` kept in sight all along: the title ends
/// with its first part, the status bar shows the second (the demo says so when it could not
/// build its emulated link and shows loopback times instead).
pub fn open_on(args: &OpenArgs, view: View, banner: Option<(&str, String)>) -> Result<Outcome, CliError> {
    let dispatch = args.decode_as.dispatch()?;
    set_memory_limit(args.memory.limit()?);
    // The file first: a file that cannot be read says so, terminal or not.
    let (capture, keylog) = open_capture(&args.file, args.keylog.as_deref())?;
    show_on(capture, keylog, dispatch, &args.file, view, banner)
}

/// Shows a capture opened already, as [`open_on`] does: the demo opens its capture before it
/// drops its privileges, and shows it after.
pub fn show_on(
    capture: CaptureFile,
    keylog: KeyLog,
    dispatch: Dispatch,
    file: &Path,
    view: View,
    banner: Option<(&str, String)>,
) -> Result<Outcome, CliError> {
    if !interactive() {
        return Err(not_a_terminal());
    }
    let title = match &banner {
        Some((mark, _)) => format!("{} · {mark}", file.display()),
        None => file.display().to_string(),
    };
    let session = Session {
        title,
        mode: Mode::File,
        source: Source::File(Arc::new(capture)),
        keylog,
        dispatch,
        notes: Vec::new(),
        banner: banner.map(|(_, text)| text),
        view,
        counters: None,
        spill: None,
    };
    run(session)
}

/// Opens a capture and reads the user's key log. Secrets the capture embeds are taken as
/// each walk over it meets them, so opening does not read the whole file first.
fn open_capture(path: &Path, keylog: Option<&Path>) -> Result<(CaptureFile, KeyLog), CliError> {
    let keylog = load_key_log(keylog)?;
    Ok((CaptureFile::open(path)?, keylog))
}

fn run(session: Session) -> Result<Outcome, CliError> {
    // Where exports from the UI create files: the current directory (`live` names it itself,
    // before its privilege drop; naming it again is refused, harmlessly).
    let _ = crate::privilege::OutputDir::open(Path::new("."));
    tui::run(session).map_err(|error| CliError::Usage(format!("the terminal UI failed: {error}")))?;
    Ok(Outcome::Complete)
}

/// `rttscope replay FILE [--speed X]`: the capture's packets arrive at their recorded pace.
pub fn replay(args: &ReplayArgs) -> Result<Outcome, CliError> {
    if !(args.speed.is_finite() && args.speed > 0.0) {
        return Err(CliError::Usage(format!(
            "--speed {} is not a speed; give a number above 0, such as 0.5 or 2",
            args.speed
        )));
    }
    let dispatch = args.decode_as.dispatch()?;
    set_memory_limit(args.memory.limit()?);
    let (capture, keylog) = open_capture(&args.file, args.keylog.as_deref())?;
    if !interactive() {
        return Err(not_a_terminal());
    }
    let store = Arc::new(Store::new());
    let feeder = Arc::downgrade(&store);
    let speed = args.speed;
    thread::Builder::new()
        .name("replay".into())
        .spawn(move || play(&capture, &feeder, speed))
        .map_err(|error| CliError::Usage(format!("cannot start the replay: {error}")))?;
    let session = Session {
        title: args.file.display().to_string(),
        mode: Mode::Replay { speed },
        source: Source::Store(store),
        keylog,
        dispatch,
        notes: Vec::new(),
        banner: None,
        view: View::Packets,
        counters: None,
        spill: None,
    };
    run(session)
}

/// Feeds the capture's frames to the store at their recorded pace times `speed`, until the
/// capture ends or the UI has gone.
fn play(capture: &CaptureFile, store: &Weak<Store>, speed: f64) {
    let mut previous: Option<i64> = None;
    let mut frames = capture.frames();
    while let Some(item) = frames.next() {
        let frame = match item {
            Ok(frame) => frame,
            Err(error) => {
                if let Some(store) = store.upgrade() {
                    store.close_cut_short(error.to_string());
                }
                return;
            }
        };
        if let Some(previous) = previous {
            thread::sleep(pause(frame.ts_ns.saturating_sub(previous), speed));
        }
        previous = Some(frame.ts_ns);
        let Some(store) = store.upgrade() else { return };
        // The file's secrets go with the frames they precede, as a walk over the file takes them.
        for secrets in frames.take_secrets() {
            if secrets.kind == SecretsKind::TlsKeyLog {
                store.push_secrets(secrets.data.to_vec());
            }
        }
        store.push(OwnedFrame::from(&frame));
    }
    if let Some(store) = store.upgrade() {
        match capture.warning() {
            Some(gzip) => store.close_cut_short(gzip.to_owned()),
            None => store.close(),
        }
    }
}

/// How long to wait between two packets `gap_ns` apart in the capture: the gap divided by
/// `speed`, at most [`REPLAY_LONGEST_GAP`].
fn pause(gap_ns: i64, speed: f64) -> Duration {
    let gap = Duration::from_nanos(gap_ns.max(0) as u64);
    // A tiny speed makes a gap longer than a Duration holds: that is the longest gap too.
    Duration::try_from_secs_f64(gap.as_secs_f64() / speed)
        .map_or(REPLAY_LONGEST_GAP, |paced| paced.min(REPLAY_LONGEST_GAP))
}

/// The live capture's counters, and the capture itself until the UI ends.
struct LiveCounters {
    capture: Mutex<Option<CaptureHandle>>,
    forwarded: AtomicU64,
    store: Arc<Store>,
    /// What the followed key log had to say, for the status bar.
    notes: Mutex<Vec<String>>,
}

impl Counters for Arc<LiveCounters> {
    fn counts(&self) -> (u64, u64, u64) {
        let dropped = match self.capture.lock() {
            Ok(capture) => capture.as_ref().map_or(0, CaptureHandle::dropped),
            Err(_) => 0,
        };
        (self.forwarded.load(Ordering::Relaxed), dropped, self.store.refused())
    }

    fn take_notes(&self) -> Vec<String> {
        self.notes.lock().map(|mut notes| std::mem::take(&mut *notes)).unwrap_or_default()
    }
}

impl LiveCounters {
    fn note(&self, text: String) {
        if let Ok(mut notes) = self.notes.lock() {
            notes.push(text);
        }
    }
}

/// What `live --help` says of privileges.
pub(super) const LIVE_PRIVILEGES: &str = "Privileges (as root, or with CAP_NET_RAW): once the packet \
    socket is open (and the -w file created, the --keylog file opened if it exists), every thread \
    becomes the user who ran sudo (or nobody when run as root), with no capability, no_new_privs \
    and a seccomp filter, before the first packet is read. After that, files can be created only \
    in the current directory (Landlock), and only if that user may write there; nothing else on \
    the system can be written. --no-drop keeps everything.";

/// `rttscope live [-i IFACE] [-f FILTER] [-c N] [-w OUT] [--keylog K]`: the terminal UI, or
/// a line per packet when standard output is not a terminal.
pub fn live(args: &LiveArgs) -> Result<Outcome, CliError> {
    args.privilege.apply();
    let dispatch = args.decode_as.dispatch()?;
    let memory_limit = args.memory.limit()?;
    let limits = limits(args.count, None)?;
    if let Some(path) = &args.output {
        check_output(path, "-w")?;
    }
    if let Some(expression) = &args.capture_filter {
        check_capture_filter(expression)?;
    }
    let text_output = match interactive() {
        false if args.output.as_deref().is_some_and(|path| path.as_os_str() == "-") => {
            return Err(CliError::Usage(
                "live -w - would mix pcapng into its text output on standard output; for pcapng \
                 into a pipe use `rttscope capture -w -`"
                    .into(),
            ));
        }
        false => Some(TextOutput::new(args)?),
        true if args.filter.is_some() || args.format.is_some() || !args.fields.is_empty() => {
            return Err(CliError::Usage(
                "-Y, -T and -e shape live's text output, printed when standard output is not a \
                 terminal (`rttscope live ... | cat`); the terminal UI filters with its / key"
                    .into(),
            ));
        }
        true => None,
    };
    // Followed while the capture runs: its lines go to the trackers, through the store, and
    // to the -w file, before the packets captured after them.
    let (mut followed, waiting) = match args.keylog.as_deref().map(FollowedKeyLog::start) {
        Some((followed, waiting)) => (Some(followed), waiting),
        None => (None, None),
    };
    // The socket before the terminal: a missing privilege or interface is the news.
    let capture = LiveCapture::open_filtered(&args.interface, args.capture_filter.as_deref())?;
    if let Some(output) = text_output {
        let setup =
            TextCapture { output, limits, followed, dispatch, memory_limit, file: args.output.as_deref() };
        return live_text::run(capture, setup);
    }
    set_memory_limit(memory_limit);
    let keylog = if followed.is_some() { KeyLog::followed() } else { KeyLog::new() };
    let linktype = capture.linktype();
    let output =
        args.output.as_deref().map(|path| open_output(path, &capture, followed.is_some())).transpose()?;
    // Where an export from the UI may create files after the drop (Landlock confines writing
    // to it): the current directory. Best effort: without it, an export says it cannot write.
    let _ = crate::privilege::OutputDir::open(Path::new("."));
    // Where the UI keeps ended connections' events, made now: after the drop no file can be
    // made outside the output directory. Best effort: without it they stay in memory.
    let spill = tempfile::tempfile().ok();
    // The socket and the file are open: the UI and its workers start without privileges.
    drop_privileges(followed.as_mut())?;
    let title = format!("live on {}", capture.interface());
    let interface = capture.interface().to_owned();
    let (sender, packets) = mpsc::channel();
    let handle = capture.start_streaming(limits, sender)?;
    let store = Arc::new(Store::new());
    // Said once, and true all along (the status bar keeps its newest note in sight). What the
    // key log holds already is taken by the forwarder before it passes on any packet.
    let notes: Vec<String> = waiting
        .and(args.keylog.as_deref())
        .map(|path| format!("key log {} followed (it did not exist at the start)", path.display()))
        .into_iter()
        .collect();
    let counters = Arc::new(LiveCounters {
        capture: Mutex::new(Some(handle)),
        forwarded: AtomicU64::new(0),
        store: Arc::clone(&store),
        notes: Mutex::new(Vec::new()),
    });
    let forwarder = forward(packets, Arc::clone(&counters), linktype, output, followed);
    let session = Session {
        title,
        mode: Mode::Live { interface },
        source: Source::Store(Arc::clone(&store)),
        keylog,
        dispatch,
        notes,
        banner: None,
        view: View::Packets,
        counters: Some(Box::new(Arc::clone(&counters))),
        spill,
    };
    let drawn = tui::run(session);
    // Stop the capture, then let the forwarder write what is still on its way.
    let stopped =
        counters.capture.lock().ok().and_then(|mut capture| capture.take()).map(CaptureHandle::stop);
    let written = forwarder.join().unwrap_or_else(|_| Err("the writing thread failed".into()));
    drawn.map_err(|error| CliError::Usage(format!("the terminal UI failed: {error}")))?;
    if let Some(path) = &args.output {
        written
            .map_err(|error| CliError::Usage(format!("cannot write the capture {}: {error}", shown(path))))?;
        let stats = stopped.map(|captured| captured.stats).unwrap_or_default();
        eprintln!("rttscope: {}, written to {}", counts(stats), shown(path));
    }
    Ok(Outcome::Complete)
}

type Output = Option<(super::capture::Writer, u32)>;

/// How long the forwarder waits for a packet before it looks at a followed key log anyway.
const KEYLOG_IDLE_POLL: Duration = Duration::from_millis(100);
/// The most packets forwarded after one look at a followed key log.
const BATCH: usize = 256;

/// Moves captured packets into the store (and the output file) until the capture ends. A
/// followed key log is looked at after each batch of packets is received and before it is
/// passed on, so the lines logged before those packets were sent go first.
fn forward(
    packets: Receiver<LivePacket>,
    counters: Arc<LiveCounters>,
    linktype: LinkType,
    mut output: Output,
    mut followed: Option<FollowedKeyLog>,
) -> JoinHandle<Result<(), String>> {
    thread::spawn(move || {
        let mut error = None;
        let mut batch = Vec::new();
        loop {
            match packets.recv_timeout(KEYLOG_IDLE_POLL) {
                Ok(packet) => {
                    batch.push(packet);
                    batch.extend(packets.try_iter().take(BATCH - 1));
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            let polled =
                followed.as_mut().and_then(|followed| followed.poll(&mut |note| counters.note(note)));
            if let Some(lines) = polled {
                if let Some((writer, _)) = &mut output
                    && error.is_none()
                    && let Err(cause) = writer.write_secrets(&lines)
                {
                    error = Some(cause.to_string());
                }
                counters.store.push_secrets(lines);
            }
            for packet in batch.drain(..) {
                forward_one(&counters, linktype, &mut output, &mut error, packet);
            }
        }
        counters.store.close();
        if let Some((writer, _)) = output
            && let Err(cause) = writer.finish()
        {
            error.get_or_insert(cause.to_string());
        }
        error.map_or(Ok(()), Err)
    })
}

/// Writes one packet to the output file, if any, and hands it to the store.
fn forward_one(
    counters: &LiveCounters,
    linktype: LinkType,
    output: &mut Output,
    error: &mut Option<String>,
    packet: LivePacket,
) {
    counters.forwarded.fetch_add(1, Ordering::Relaxed);
    // After a write fails, the capture still shows; the error is reported at the end.
    if let Some((writer, interface)) = output
        && error.is_none()
        && let Err(cause) = write(writer, *interface, &packet)
    {
        *error = Some(cause.to_string());
    }
    counters.store.push(OwnedFrame {
        ts_ns: packet.ts_ns,
        linktype,
        orig_len: packet.orig_len,
        data: packet.data,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replay_pauses_by_the_gap_over_the_speed_within_bounds() {
        assert_eq!(pause(2_000_000, 0.5), Duration::from_millis(4));
        assert_eq!(pause(2_000_000, 2.0), Duration::from_millis(1));
        assert_eq!(pause(-5, 1.0), Duration::ZERO, "out-of-order stamps do not wait");
        assert_eq!(pause(60_000_000_000, 1.0), REPLAY_LONGEST_GAP);
        // Regression: a speed of 1e-30 made the division overflow a Duration and panic.
        assert_eq!(pause(1_000, 1e-30), REPLAY_LONGEST_GAP);
    }
}
