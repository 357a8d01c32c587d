//! `rttscope capture`: record an interface's traffic into a pcapng file, or into a pipe.
//!
//! Packets are streamed from the capture thread and written as they come, so a long capture
//! is not held in memory; each batch is flushed as soon as the queue is empty, so a reader at
//! the other end of `-w -` sees packets as they are captured. However the capture ends
//! (Ctrl-C, SIGTERM, `--count`, `--duration`, the pipe's reader going away), every packet
//! captured until then reaches the output before it is closed.
//!
//! Everything that can be refused is refused before the socket opens: the count, the
//! duration, the output path, the capture filter.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use clap::Args;

use super::followed::FollowedKeyLog;
use super::{CliError, NoDropArgs, Outcome};
use crate::capture::{
    CaptureHandle, CaptureStats, Captured, Limits, LinkType, LiveCapture, LivePacket, PcapngWriter, SNAPLEN,
    WriteError, compile_filter,
};

#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// The interface to capture on; `any` captures on all of them.
    #[arg(short = 'i', long, value_name = "IFACE", default_value = "lo")]
    pub interface: String,

    /// The pcapng file to write (replaced if it exists); `-` writes to standard output, for a
    /// pipe (`rttscope capture -w - | rttscope dissect -`), and status lines go to stderr.
    /// The path is checked before capturing starts; the file is opened before rttscope drops
    /// its privileges (so as root, under sudo too), then written by the dropped user.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    pub output: PathBuf,

    /// A capture filter in tcpdump's syntax (`udp port 53`, `tcp and not port 22`), run by
    /// the kernel so that other packets never reach rttscope. Needs libpcap installed
    /// (libpcap0.8), loaded only when -f is given.
    #[arg(short = 'f', long = "capture-filter", value_name = "FILTER")]
    pub capture_filter: Option<String>,

    /// Stop after this many packets.
    #[arg(short = 'c', long, value_name = "N")]
    pub count: Option<u64>,

    /// Stop after this long: seconds, or a number with ms, s, m or h (`500ms`, `10s`, `2m`).
    #[arg(long, value_name = "D")]
    pub duration: Option<String>,

    /// An NSS key log (SSLKEYLOGFILE) to follow while capturing, as `tail -f` does: it may
    /// appear later, grow, or be rewritten. Its lines are embedded in the file (Decryption
    /// Secrets Blocks) before the packets captured after them, so the file decrypts alone.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,

    #[command(flatten)]
    pub privilege: NoDropArgs,
}

/// How often the writer looks for Ctrl-C (and at a followed key log) while no packet arrives.
const SIGNAL_CHECK: Duration = Duration::from_millis(100);
/// The most packets written after one look at a followed key log.
const BATCH: usize = 256;

/// A capture's output: a file, or standard output for `-w -`.
pub(super) enum Output {
    File(File),
    Stdout(io::Stdout),
}

impl Write for Output {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            Self::File(file) => file.write(bytes),
            Self::Stdout(stdout) => stdout.write(bytes),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::File(file) => file.flush(),
            Self::Stdout(stdout) => stdout.flush(),
        }
    }
}

pub(super) type Writer = PcapngWriter<BufWriter<Output>>;

pub fn run(args: &CaptureArgs) -> Result<Outcome, CliError> {
    args.privilege.apply();
    let limits = limits(args.count, args.duration.as_deref())?;
    check_output(&args.output, "-w")?;
    if let Some(expression) = &args.capture_filter {
        check_capture_filter(expression)?;
    }
    let mut followed = args.keylog.as_deref().map(start_following);
    // The socket first: without the privilege to capture, no empty file is left behind.
    let capture = LiveCapture::open_filtered(&args.interface, args.capture_filter.as_deref())?;
    let write_error = |source| write_error(&args.output, source);
    let (mut writer, interface) = open_output(&args.output, &capture, followed.is_some())?;
    // What the key log holds already goes before every packet.
    embed_new_secrets(followed.as_mut(), &mut writer).map_err(write_error)?;
    drop_privileges(followed.as_mut())?;
    // The file's header now, so a reader at the other end of a pipe can start.
    writer.flush().map_err(write_error)?;
    let filtered =
        args.capture_filter.as_deref().map_or(String::new(), |filter| format!(", filter {filter:?}"));
    eprintln!(
        "rttscope: capturing on {} ({}{filtered}), {} bytes per packet at most; Ctrl-C stops",
        capture.interface(),
        capture.linktype(),
        capture.snaplen()
    );
    if let Err(error) = install_stop_handlers() {
        eprintln!("rttscope: warning: cannot catch Ctrl-C ({error}); stop with --count or --duration");
    }
    let (sender, packets) = mpsc::channel();
    let handle = capture.start_streaming(limits, sender)?;
    let (captured, written) = record(handle, &packets, &mut writer, interface, followed.as_mut());
    match written {
        Ok(()) => {}
        // The pipe's reader went away (`| head`): the capture is over, nothing is wrong.
        Err(WriteError::Io(error)) if error.kind() == io::ErrorKind::BrokenPipe => {
            report(&captured, &args.output);
            return Ok(Outcome::Complete);
        }
        Err(error) => return Err(write_error(error)),
    }
    match writer.finish() {
        Err(WriteError::Io(error)) if error.kind() == io::ErrorKind::BrokenPipe => {}
        other => {
            other.map_err(write_error)?;
        }
    }
    if let Some(followed) = &followed {
        eprintln!("rttscope: embedded {}", followed.summary());
    }
    Ok(report(&captured, &args.output))
}

fn write_error(path: &Path, source: WriteError) -> CliError {
    CliError::WriteCapture { path: shown(path), source }
}

/// A path as messages name it: `-` is standard output.
pub(super) fn shown(path: &Path) -> String {
    if is_stdout(path) { "standard output".to_owned() } else { path.display().to_string() }
}

fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Refuses an output path that could not be written, before any packet is captured or any
/// traffic generated: its directory must exist, and the file must be creatable (a new file
/// is created and removed again) or writable (an existing one is opened, not truncated).
/// `-` must not be a terminal. `flag` names the option in the message.
pub(crate) fn check_output(path: &Path, flag: &str) -> Result<(), CliError> {
    let refuse = |reason: String| CliError::Usage(format!("cannot write {flag} {}: {reason}", shown(path)));
    if is_stdout(path) {
        if io::stdout().is_terminal() {
            return Err(refuse(
                "standard output is a terminal; pipe it (`| rttscope dissect -`) or give a file".into(),
            ));
        }
        return Ok(());
    }
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_dir() => return Err(refuse("it is a directory".into())),
        // A pipe or a device: opening one to check it could block or consume it.
        Ok(metadata) if !metadata.is_file() => return Ok(()),
        Ok(_) => {
            return OpenOptions::new()
                .write(true)
                .open(path)
                .map(drop)
                .map_err(|error| refuse(plain(&error)));
        }
        Err(_) => {}
    }
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(refuse(format!("there is no directory {}", parent.display())));
    }
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|_| std::fs::remove_file(path))
        .map_err(|error| refuse(plain(&error)))
}

/// An I/O error in words, without the OS error number.
fn plain(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        _ => error.to_string(),
    }
}

/// Compiles a capture filter once, for Ethernet, so a filter libpcap refuses (or a missing
/// libpcap) is said before any socket is opened. The socket compiles it again for its own
/// link type.
pub(super) fn check_capture_filter(expression: &str) -> Result<(), CliError> {
    compile_filter(expression, LinkType::Ethernet, SNAPLEN)
        .map(drop)
        .map_err(|error| CliError::Usage(error.to_string()))
}

/// Writes each packet as it comes until a limit, an error or a signal ends the capture, then
/// the ones still on their way.
/// What was captured comes back whether writing succeeded or not, for the closing line.
fn record(
    handle: CaptureHandle,
    packets: &Receiver<LivePacket>,
    writer: &mut Writer,
    interface: u32,
    mut followed: Option<&mut FollowedKeyLog>,
) -> (Captured, Result<(), WriteError>) {
    let written = write_until_stopped(packets, writer, interface, followed.as_deref_mut());
    let captured = handle.stop();
    // The reading thread has ended, so whatever it sent since is waiting in the channel.
    let written = written.and_then(|()| {
        let rest: Vec<LivePacket> = packets.try_iter().collect();
        write_batch(writer, interface, followed, &rest)
    });
    (captured, written)
}

/// Starts following the key log of `--keylog`, saying so if it is waited for.
pub(super) fn start_following(path: &Path) -> FollowedKeyLog {
    let (followed, waiting) = FollowedKeyLog::start(path);
    if let Some(waiting) = waiting {
        eprintln!("rttscope: {waiting}");
    }
    followed
}

/// Embeds the lines the key log gained since it was last looked at, in one Decryption
/// Secrets Block.
pub(super) fn embed_new_secrets(
    followed: Option<&mut FollowedKeyLog>,
    writer: &mut Writer,
) -> Result<(), WriteError> {
    let Some(followed) = followed else { return Ok(()) };
    match followed.poll(&mut |warning| eprintln!("rttscope: warning: {warning}")) {
        Some(lines) => writer.write_secrets(&lines),
        None => Ok(()),
    }
}

/// Writes packets received together, after the secrets logged before they were sent: the key
/// log is looked at once, after the packets were received, so it holds every line written
/// before any of them left.
fn write_batch(
    writer: &mut Writer,
    interface: u32,
    followed: Option<&mut FollowedKeyLog>,
    batch: &[LivePacket],
) -> Result<(), WriteError> {
    embed_new_secrets(followed, writer)?;
    for packet in batch {
        write(writer, interface, packet)?;
    }
    Ok(())
}

/// Turns the flags into capture limits; a zero count or duration is refused, as it would
/// capture nothing.
pub(super) fn limits(count: Option<u64>, duration: Option<&str>) -> Result<Limits, CliError> {
    check_count(count)?;
    let duration = duration.map(parse_duration).transpose().map_err(CliError::Usage)?;
    Ok(Limits { count, duration })
}

/// Refuses `-c 0` in tshark's words, which would otherwise capture or print nothing.
pub(crate) fn check_count(count: Option<u64>) -> Result<(), CliError> {
    match count {
        Some(0) => Err(CliError::Usage("The specified packet count is zero".into())),
        _ => Ok(()),
    }
}

/// Reads a duration: `10` (seconds), `10s`, `500ms`, `2m`, `1h`, `1.5s`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("--duration {text:?} is not a duration; write e.g. 10, 10s, 500ms or 2m");
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let seconds_per_unit = match unit {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(invalid()),
    };
    let number: f64 = number.parse().map_err(|_| invalid())?;
    let duration = Duration::try_from_secs_f64(number * seconds_per_unit).map_err(|_| invalid())?;
    if duration.is_zero() {
        return Err(format!("--duration {text} would capture nothing; give a longer time"));
    }
    Ok(duration)
}

/// Creates the `-w` output for `capture`'s interface: the writer and the interface's id in it.
pub(super) fn open_output(
    path: &Path,
    capture: &LiveCapture,
    holds_secrets: bool,
) -> Result<(Writer, u32), CliError> {
    let write_error = |source| write_error(path, source);
    let mut writer = create(path, holds_secrets).map_err(write_error)?;
    let interface = writer
        .add_interface(capture.interface(), capture.linktype(), capture.snaplen())
        .map_err(write_error)?;
    Ok((writer, interface))
}

/// Gives up every privilege once the socket and the output are open, keeping the followed key
/// log readable to the user rttscope becomes.
pub(super) fn drop_privileges(followed: Option<&mut FollowedKeyLog>) -> Result<(), CliError> {
    if let Some(followed) = followed {
        followed.hold_open_for(crate::privilege::Target::for_this_process()?);
    }
    crate::privilege::drop_process()?;
    Ok(())
}

/// Creates the output file. One that will hold a key log is made readable by its owner only,
/// as a key log itself would be.
/// `-` is standard output.
pub(super) fn create(path: &Path, holds_secrets: bool) -> Result<Writer, WriteError> {
    if is_stdout(path) {
        return PcapngWriter::new(BufWriter::new(Output::Stdout(io::stdout())));
    }
    let mode = if holds_secrets { 0o600 } else { 0o644 };
    let file = OpenOptions::new().write(true).create(true).truncate(true).mode(mode).open(path)?;
    PcapngWriter::new(BufWriter::new(Output::File(file)))
}

/// Writes packets as they arrive until the capture thread ends (a limit, an error) or a
/// signal asks to stop, in batches each after the key log's new secrets, flushing once no
/// more packets are waiting.
fn write_until_stopped(
    packets: &Receiver<LivePacket>,
    writer: &mut Writer,
    interface: u32,
    mut followed: Option<&mut FollowedKeyLog>,
) -> Result<(), WriteError> {
    let mut batch = Vec::new();
    while !stop_requested() {
        match packets.recv_timeout(SIGNAL_CHECK) {
            Ok(packet) => {
                batch.push(packet);
                loop {
                    batch.extend(packets.try_iter().take(BATCH - batch.len()));
                    write_batch(writer, interface, followed.as_deref_mut(), &batch)?;
                    let full = batch.len() == BATCH;
                    batch.clear();
                    if !full {
                        break;
                    }
                }
                writer.flush()?;
            }
            // Idle: look at the key log anyway, so its secrets are in the file however the
            // capture ends.
            Err(RecvTimeoutError::Timeout) => {
                embed_new_secrets(followed.as_deref_mut(), writer)?;
                writer.flush()?;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    Ok(())
}

pub(super) fn write(writer: &mut Writer, interface: u32, packet: &LivePacket) -> Result<(), WriteError> {
    writer.write_packet(interface, packet.ts_ns, packet.orig_len, &packet.data)
}

/// Prints the closing line, and the error that cut the capture short if one did.
fn report(captured: &Captured, output: &Path) -> Outcome {
    eprintln!("rttscope: {}, written to {}", counts(captured.stats), shown(output));
    ended(captured)
}

/// tcpdump's closing counts on one line: "5 packets captured, 10 received by filter, 0
/// dropped by the kernel".
pub(super) fn counts(stats: CaptureStats) -> String {
    let plural = if stats.captured == 1 { "" } else { "s" };
    format!(
        "{} packet{plural} captured, {} received by filter, {} dropped by the kernel",
        stats.captured, stats.received, stats.dropped
    )
}

/// Says what ended the capture early, if anything did.
pub(super) fn ended(captured: &Captured) -> Outcome {
    match &captured.error {
        None => Outcome::Complete,
        Some(error) => {
            eprintln!("rttscope: warning: the capture ended early: {error}");
            Outcome::CutShort
        }
    }
}

/// Set by SIGINT or SIGTERM: the capture should stop and the file be completed.
static STOP_REQUESTED: AtomicBool = AtomicBool::new(false);

/// Whether SIGINT or SIGTERM has asked the capture to stop.
pub(super) fn stop_requested() -> bool {
    STOP_REQUESTED.load(Ordering::SeqCst)
}

extern "C" fn request_stop(_signal: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    STOP_REQUESTED.store(true, Ordering::SeqCst);
}

/// Makes SIGINT and SIGTERM request a clean stop. The handler is reset after it runs once
/// (SA_RESETHAND), so a second Ctrl-C ends the program at once if finishing ever hangs.
pub(super) fn install_stop_handlers() -> io::Result<()> {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: sigaction is plain data, for which all zeroes is a valid value (an empty
        // mask once sigemptyset has run on it).
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = request_stop as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART | libc::SA_RESETHAND;
        // SAFETY: `action.sa_mask` is a valid sigset_t to initialise.
        unsafe { libc::sigemptyset(&mut action.sa_mask) };
        // SAFETY: `action` is fully initialised, and the handler only stores to an atomic.
        if unsafe { libc::sigaction(signal, &action, std::ptr::null_mut()) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_unit_or_mean_seconds() {
        let cases = [
            ("10", 10_000),
            ("10s", 10_000),
            ("500ms", 500),
            ("2m", 120_000),
            ("2min", 120_000),
            ("1h", 3_600_000),
            ("1.5s", 1_500),
        ];
        for (text, millis) in cases {
            assert_eq!(parse_duration(text), Ok(Duration::from_millis(millis)), "{text}");
        }
    }

    #[test]
    fn a_bad_duration_says_how_to_write_one() {
        for text in ["", "s", "10x", "-1s", "1e3", "ten", "1.2.3s", "99999999999999999999999h"] {
            let error = parse_duration(text).expect_err(text);
            assert!(error.contains("write e.g. 10, 10s, 500ms or 2m"), "{text}: {error}");
        }
        assert_eq!(
            parse_duration("0ms"),
            Err("--duration 0ms would capture nothing; give a longer time".into())
        );
    }

    #[test]
    fn a_zero_count_is_refused_in_tsharks_words() {
        let refused = limits(Some(0), None).expect_err("refused");
        assert_eq!(refused.to_string(), "The specified packet count is zero");
        let expected = Limits { count: Some(5), duration: Some(Duration::from_secs(120)) };
        assert_eq!(limits(Some(5), Some("2m")).ok(), Some(expected));
        assert_eq!(limits(None, None).ok(), Some(Limits::default()));
    }

    #[test]
    fn an_output_path_is_checked_without_leaving_a_file() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let new = dir.path().join("new.pcapng");
        assert!(check_output(&new, "-w").is_ok());
        assert!(!new.exists(), "the check removes the file it created");
        let missing = dir.path().join("no/such/dir/x.pcapng");
        let error = check_output(&missing, "-w").expect_err("no directory").to_string();
        assert!(error.starts_with("cannot write -w ") && error.contains("there is no directory"), "{error}");
        let error = check_output(dir.path(), "--keylog").expect_err("a directory").to_string();
        assert!(error.ends_with(": it is a directory") && error.contains("--keylog"), "{error}");
        // An existing file is opened, not truncated.
        let existing = dir.path().join("kept");
        std::fs::write(&existing, b"kept").expect("write");
        assert!(check_output(&existing, "-w").is_ok());
        assert_eq!(std::fs::read(&existing).expect("read"), b"kept");
    }

    #[test]
    fn standard_output_is_named_in_words() {
        assert_eq!(shown(Path::new("-")), "standard output");
        assert_eq!(shown(Path::new("out.pcapng")), "out.pcapng");
    }

    #[test]
    fn the_closing_counts_read_as_tcpdumps() {
        let stats = CaptureStats { captured: 1, received: 2, dropped: 0 };
        assert_eq!(counts(stats), "1 packet captured, 2 received by filter, 0 dropped by the kernel");
    }
}
