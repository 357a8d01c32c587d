//! `rttscope capture`: record an interface's traffic into a pcapng file.
//!
//! Packets are streamed from the capture thread and written as they come, so a long capture
//! is not held in memory. However the capture ends (Ctrl-C, SIGTERM, `--count`,
//! `--duration`), every packet captured until then reaches the file before it is closed.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use clap::Args;

use super::followed::FollowedKeyLog;
use super::{CliError, NoDropArgs, Outcome};
use crate::capture::{CaptureHandle, Captured, Limits, LiveCapture, LivePacket, PcapngWriter, WriteError};

#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// The interface to capture on; `any` captures on all of them.
    #[arg(short = 'i', long, value_name = "IFACE", default_value = "lo")]
    pub interface: String,

    /// The pcapng file to write (replaced if it exists). It is opened before rttscope drops its
    /// privileges (so as root, under sudo too), then written by the dropped user.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    pub output: PathBuf,

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

type Writer = PcapngWriter<BufWriter<File>>;

pub fn run(args: &CaptureArgs) -> Result<Outcome, CliError> {
    args.privilege.apply();
    let limits = limits(args)?;
    let mut followed = args.keylog.as_deref().map(start_following);
    // The socket first: without the privilege to capture, no empty file is left behind.
    let capture = LiveCapture::open(&args.interface)?;
    let write_error = |source| write_error(&args.output, source);
    let mut writer = create(&args.output, followed.is_some()).map_err(write_error)?;
    let interface = writer
        .add_interface(capture.interface(), capture.linktype(), capture.snaplen())
        .map_err(write_error)?;
    // What the key log holds already goes before every packet.
    embed_new_secrets(followed.as_mut(), &mut writer).map_err(write_error)?;
    // The key log stays readable once rttscope is no longer who wrote it.
    if let Some(followed) = followed.as_mut() {
        followed.hold_open_for(crate::privilege::Target::for_this_process()?);
    }
    // The socket and the file are open: nothing further needs a privilege.
    crate::privilege::drop_process()?;
    eprintln!(
        "rttscope: capturing on {} ({}), {} bytes per packet at most; Ctrl-C stops",
        capture.interface(),
        capture.linktype(),
        capture.snaplen()
    );
    if let Err(error) = install_stop_handlers() {
        eprintln!("rttscope: warning: cannot catch Ctrl-C ({error}); stop with --count or --duration");
    }
    let (sender, packets) = mpsc::channel();
    let handle = capture.start_streaming(limits, sender)?;
    let captured =
        record(handle, &packets, &mut writer, interface, followed.as_mut()).map_err(write_error)?;
    writer.finish().map_err(write_error)?;
    if let Some(followed) = &followed {
        eprintln!("rttscope: embedded {}", followed.summary());
    }
    Ok(report(&captured, &args.output))
}

fn write_error(path: &Path, source: WriteError) -> CliError {
    CliError::WriteCapture { path: path.display().to_string(), source }
}

/// Writes each packet as it comes until a limit, an error or a signal ends the capture, then
/// the ones still on their way.
fn record(
    handle: CaptureHandle,
    packets: &Receiver<LivePacket>,
    writer: &mut Writer,
    interface: u32,
    mut followed: Option<&mut FollowedKeyLog>,
) -> Result<Captured, WriteError> {
    let written = write_until_stopped(packets, writer, interface, followed.as_deref_mut());
    let captured = handle.stop();
    written?;
    // The reading thread has ended, so whatever it sent since is waiting in the channel.
    let rest: Vec<LivePacket> = packets.try_iter().collect();
    write_batch(writer, interface, followed, &rest)?;
    Ok(captured)
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
fn limits(args: &CaptureArgs) -> Result<Limits, CliError> {
    if args.count == Some(0) {
        return Err(CliError::Usage("--count 0 would capture nothing; give at least 1".into()));
    }
    let duration = args.duration.as_deref().map(parse_duration).transpose().map_err(CliError::Usage)?;
    Ok(Limits { count: args.count, duration })
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

/// Creates the output file. One that will hold a key log is made readable by its owner only,
/// as a key log itself would be.
pub(super) fn create(path: &Path, holds_secrets: bool) -> Result<Writer, WriteError> {
    let mode = if holds_secrets { 0o600 } else { 0o644 };
    let file = OpenOptions::new().write(true).create(true).truncate(true).mode(mode).open(path)?;
    PcapngWriter::new(BufWriter::new(file))
}

/// Writes packets as they arrive until the capture thread ends (a limit, an error) or a
/// signal asks to stop.
fn write_until_stopped(
    packets: &Receiver<LivePacket>,
    writer: &mut Writer,
    interface: u32,
    mut followed: Option<&mut FollowedKeyLog>,
) -> Result<(), WriteError> {
    let mut batch = Vec::new();
    while !STOP_REQUESTED.load(Ordering::SeqCst) {
        match packets.recv_timeout(SIGNAL_CHECK) {
            Ok(packet) => {
                batch.push(packet);
                batch.extend(packets.try_iter().take(BATCH - 1));
                write_batch(writer, interface, followed.as_deref_mut(), &batch)?;
                batch.clear();
            }
            // Idle: look at the key log anyway, so its secrets are in the file however the
            // capture ends.
            Err(RecvTimeoutError::Timeout) => embed_new_secrets(followed.as_deref_mut(), writer)?,
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
    let stats = captured.stats;
    let plural = if stats.captured == 1 { "" } else { "s" };
    eprintln!(
        "rttscope: {} packet{plural} captured, {} dropped by the kernel, written to {}",
        stats.captured,
        stats.dropped,
        output.display()
    );
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

extern "C" fn request_stop(_signal: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    STOP_REQUESTED.store(true, Ordering::SeqCst);
}

/// Makes SIGINT and SIGTERM request a clean stop. The handler is reset after it runs once
/// (SA_RESETHAND), so a second Ctrl-C ends the program at once if finishing ever hangs.
fn install_stop_handlers() -> io::Result<()> {
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
    fn a_zero_count_is_refused() {
        let args = CaptureArgs {
            interface: "lo".into(),
            output: "out.pcapng".into(),
            count: Some(0),
            duration: None,
            keylog: None,
            privilege: NoDropArgs::default(),
        };
        assert!(matches!(limits(&args), Err(CliError::Usage(message)) if message.contains("--count 0")));
        let args = CaptureArgs { count: Some(5), duration: Some("2m".into()), ..args };
        let expected = Limits { count: Some(5), duration: Some(Duration::from_secs(120)) };
        assert_eq!(limits(&args).ok(), Some(expected));
    }
}
