//! `rttscope demo`: run the generators over an emulated link (or, with `--rtt 0`, under a
//! capture of loopback), write the capture (keys embedded), and show every connection's round
//! trips beside the textbook's.
//!
//! Without what the link needs, the demo says so in one line and records loopback instead;
//! without the privilege to capture loopback either, it says so in one more line and shows the
//! bundled course captures. Either fallback is noted in the terminal UI as well, so a teacher
//! never mistakes loopback times for a link's.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::generate::{
    DEMO_RTT, Prepared, missing, print_result, record_on_link, report_qlog, variants, write_capture,
};
use super::timeline::{connections_in, output_width};
use super::{CliError, DemoArgs, Outcome};
use crate::capture::{CaptureFile, LiveError};
use crate::dispatch::Dispatch;
use crate::generate::{Flow, KeyLog, Recording, Run, describe_link, record};
use crate::privilege;
use crate::render::label::wrap;
use crate::render::timeline::{Scale, write_table, write_text_within};
use crate::timeline::{Connection, Transport, Variant, textbook};
use crate::track::budget::DEFAULT_LIMIT;
use crate::tui::app::View;
use crate::tui::source::set_memory_limit;

pub fn run(args: &DemoArgs, prepared: &Prepared) -> Result<Outcome, CliError> {
    args.privilege.apply();
    let variants = variants(&args.variant)?;
    let config = args.link.config(DEMO_RTT)?;
    super::generate::check_drop(config.as_ref(), &variants)?;
    // Before any traffic: a path that cannot be written is said now, not after the run. Without
    // CAP_NET_RAW the demo shows its bundled capture and writes nothing, so the path is moot.
    if let Err(error) = super::capture::check_output(&args.output, "-w")
        && holds_net_raw()
    {
        return Err(error);
    }
    let keylog = KeyLog::new();
    // From here this thread only drives namespaces, links and captures; each generator's
    // peers, the emulator and the threads reading packets drop everything for themselves.
    privilege::narrow_to_namespace_driver()?;
    let (qlog_dir, qlog_prefix) = qlog_beside(&args.output);
    crate::generate::write_qlog(Some((&qlog_dir, &qlog_prefix)));
    // Why there is no link when one was asked for: shown in the UI as well as said here.
    let mut no_link = None;
    let over_link = match &config {
        Some(config) => match record_on_link(&variants, config, &keylog, prepared) {
            Ok(recording) => Some(recording),
            Err(error) => {
                eprintln!("rttscope: {error}; running on loopback instead");
                no_link = Some(missing(&error));
                None
            }
        },
        None => None,
    };
    let recording = match over_link {
        Some(recording) => recording,
        None => match record(&variants, &keylog, |run| {
            print_result(run.outcome.as_ref(), run.place);
        }) {
            Ok(recording) => recording,
            Err(error @ (LiveError::NoPermission { .. } | LiveError::InterfaceDown(_))) => {
                return show_bundled(args, &error, no_link.as_deref());
            }
            Err(error) => return Err(CliError::Usage(error.to_string())),
        },
    };
    report_qlog();
    write_capture(&recording, &args.output)?;
    eprintln!("rttscope: {}", captured(&recording, &args.output, !keylog.is_empty()));
    println!();
    // The namespaces are gone and the capture is written: open it (once for the comparison,
    // once for the UI) and drop every privilege before reading a packet of it.
    let (compared, shown) = (CaptureFile::open(&args.output)?, CaptureFile::open(&args.output)?);
    privilege::drop_process()?;
    let (connections, _) = connections_in(&compared, None, &Dispatch::new(), DEFAULT_LIMIT)?;
    let mut out = io::stdout().lock();
    write_comparison(&mut out, &connections, output_width(None)).map_err(CliError::Output)?;
    let problems = check_runs(&recording.runs, &connections);
    // Each connection that did not show its textbook round trips, drawn, so that what it
    // did show is on the screen (and in a failed test's log) without another command.
    let shown_wrong: Vec<Connection> = problems
        .iter()
        .filter_map(|problem| problem.connection)
        .filter_map(|id| connections.iter().find(|connection| connection.id == id).cloned())
        .collect();
    if !shown_wrong.is_empty() {
        writeln!(out).map_err(CliError::Output)?;
        write_text_within(&mut out, &shown_wrong, Scale::Compact, output_width(None))
            .map_err(CliError::Output)?;
    }
    for problem in &problems {
        writeln!(out, "{}", problem.text).map_err(CliError::Output)?;
    }
    if problems.is_empty() {
        let all = recording.runs.len();
        writeln!(out, "\nAll {all} generator run(s) happened as intended: textbook round trips.")
            .map_err(CliError::Output)?;
        writeln!(out, "See each handshake with: rttscope timeline {}", args.output.display())
            .map_err(CliError::Output)?;
        drop(out);
        let note =
            no_link.map(|reason| ("loopback times", format!("no emulated link ({reason}): loopback times")));
        browse(args, &args.output, shown, note)
    } else {
        Err(CliError::Usage(format!("{} generator run(s) did not show what they should", problems.len())))
    }
}

/// What `demo --help` says of privileges.
pub(super) const DEMO_PRIVILEGES: &str = "Privileges (as root, or with capabilities): while the \
    generators run, the thread that builds the namespaces, the link and the captures keeps root's \
    user id and only CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_NICE, CAP_DAC_OVERRIDE, CAP_FOWNER, \
    CAP_SETUID, CAP_SETGID and CAP_SETPCAP; every client and server (which parse TLS, QUIC and \
    HTTP from the other side), the link's emulator and the threads reading or picking packets \
    become the user who ran sudo (or nobody) with no capability, no_new_privs and a seccomp \
    filter, once their sockets are made. Once the capture is written and opened again, the whole \
    process drops before it reads it, so the comparison and the terminal UI run unprivileged. \
    --no-drop keeps everything.";

/// Where the QUIC generators' own qlog goes: beside the capture, named after it
/// (`rttscope-demo.pcapng` gives `rttscope-demo.quic.client.sqlog`).
fn qlog_beside(output: &Path) -> (PathBuf, String) {
    let dir = match output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = output.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = name.strip_suffix(".pcapng").or_else(|| name.strip_suffix(".pcap")).unwrap_or(&name);
    (dir, format!("{stem}."))
}

/// What was captured and where it went, in one line.
fn captured(recording: &Recording, output: &Path, keys: bool) -> String {
    let keys = if keys { " with the TLS keys embedded" } else { "" };
    match &recording.link {
        Some(stats) => format!(
            "{} frames recorded on the link's client and server sides ({}), written to {}{keys}",
            recording.packets(),
            describe_link(stats),
            output.display()
        ),
        None => format!(
            "{} packets captured ({} dropped by the kernel), written to {}{keys}",
            recording.packets(),
            recording.dropped(),
            output.display()
        ),
    }
}

/// The verdict of every connection and the table comparing them with the textbook, in at most
/// `width` columns.
fn write_comparison(out: &mut dyn Write, connections: &[Connection], width: usize) -> io::Result<()> {
    for connection in connections {
        let verdict = crate::render::timeline::verdict(connection);
        let lead = format!("{:>4}  ", connection.id);
        let room = width.saturating_sub(lead.len()).max(20);
        for (at, line) in wrap(&verdict, room).iter().enumerate() {
            let lead = if at == 0 { lead.as_str() } else { "      " };
            writeln!(out, "{lead}{line}")?;
        }
    }
    writeln!(out)?;
    write_table(out, connections, true, width)
}

/// A run that did not show what it should: what went wrong, and the connection that showed it,
/// if there is one.
struct Problem {
    text: String,
    connection: Option<u32>,
}

impl Problem {
    fn of_run(text: String) -> Self {
        Self { text, connection: None }
    }
}

/// What went wrong with each run: a generator that failed or missed its variant (already
/// printed as it ran), or a capture whose timeline does not show the variant with its
/// textbook round trips.
fn check_runs(runs: &[Run], connections: &[Connection]) -> Vec<Problem> {
    let mut problems = Vec::new();
    // Runs happen one after another and connections are numbered by first packet, so each
    // run's connections follow the previous run's: match in order, by transport and server
    // port (a later run may get a port an earlier one had, on the other transport or not).
    let mut rest = connections;
    for run in runs {
        let report = match &run.outcome {
            Ok(report) if report.happened() => report,
            _ => {
                problems.push(Problem::of_run(format!(
                    "{}: did not happen as intended (see above)",
                    run.variant
                )));
                continue;
            }
        };
        let ours = |connection: &Connection| {
            report.flows.iter().any(|flow| match flow {
                Flow::Tcp(port) => {
                    connection.transport == Transport::Tcp && connection.server.ends_with(&format!(":{port}"))
                }
                Flow::Udp(port) => {
                    connection.transport != Transport::Tcp && connection.server.ends_with(&format!(":{port}"))
                }
                Flow::Echo(_) => connection.transport == Transport::Icmp,
            })
        };
        let Some(first) = rest.iter().position(ours) else {
            problems.push(Problem::of_run(format!("{}: no connection of it in the capture", run.variant)));
            continue;
        };
        // No more than the run made: two runs in a row may share a server port (both DTLS
        // variants listen on 4433).
        let count = rest[first..]
            .iter()
            .take_while(|connection| ours(connection))
            .take(report.connections.max(1))
            .count();
        // Variants that fetch a ticket or a cookie first show themselves on their last connection.
        let shown = &rest[first + count - 1];
        rest = &rest[first + count..];
        let expected = run.variant.timeline_variant();
        if shown.variant.name() != expected {
            problems.push(Problem {
                text: format!(
                    "{}: the capture shows connection {} as {}, not {expected}",
                    run.variant, shown.id, shown.variant
                ),
                connection: Some(shown.id),
            });
            continue;
        }
        let counted = shown.request_rtts.zip(shown.response_rtts);
        // Peers that take known rounds of their own beyond the textbook's (OpenSSH).
        let (extra, _) = run.variant.peer_rounds();
        if let Some(textbook) = Variant::from_name(expected)
            .and_then(textbook)
            .map(|(request, response)| (request + extra, response + extra))
            .filter(|&textbook| Some(textbook) != counted)
        {
            let rounds = |rounds: Option<u32>, what: &str| match rounds {
                Some(rounds) => format!("{what} after {rounds} round trips"),
                None => format!("no {what} seen"),
            };
            problems.push(Problem {
                text: format!(
                    "{}: connection {} shows {}, {}; the textbook, request after {} and response after {} round trips",
                    run.variant,
                    shown.id,
                    rounds(shown.request_rtts, "request"),
                    rounds(shown.response_rtts, "response"),
                    textbook.0,
                    textbook.1,
                ),
                connection: Some(shown.id),
            });
        }
    }
    problems
}

/// Where the course captures are: `captures/` here, or in the source tree this was built from.
fn bundled_dir() -> Option<PathBuf> {
    [PathBuf::from("captures"), Path::new(env!("CARGO_MANIFEST_DIR")).join("captures")]
        .into_iter()
        .find(|dir| dir.join("all.pcapng").is_file())
}

/// Shows the bundled capture of `variant` (or of all) after saying, on one line, why nothing
/// could be captured live. `no_link` is why there was no emulated link either, when one was
/// asked for.
fn show_bundled(args: &DemoArgs, why: &LiveError, no_link: Option<&str>) -> Result<Outcome, CliError> {
    let variant = &args.variant;
    let Some(path) =
        bundled_dir().map(|dir| dir.join(format!("{variant}.pcapng"))).filter(|path| path.is_file())
    else {
        return Err(CliError::Usage(format!("{why}; and there is no bundled capture to show instead")));
    };
    eprintln!("rttscope: {why}; showing the bundled capture {} instead", path.display());
    let (compared, shown) = (CaptureFile::open(&path)?, CaptureFile::open(&path)?);
    privilege::drop_process()?;
    let (connections, outcome) = connections_in(&compared, None, &Dispatch::new(), DEFAULT_LIMIT)?;
    write_comparison(&mut io::stdout().lock(), &connections, output_width(None)).map_err(CliError::Output)?;
    let no_capture = match why {
        LiveError::InterfaceDown(_) => "loopback is down",
        _ => "no CAP_NET_RAW",
    };
    let note = match no_link {
        Some(reason) => {
            format!(
                "no emulated link ({reason}), no live capture ({no_capture}): bundled capture, loopback times"
            )
        }
        None => format!("no live capture ({no_capture}): bundled capture"),
    };
    browse(args, &path, shown, Some(("bundled capture", note)))?;
    Ok(outcome)
}

/// Ends the demo in the terminal UI on `capture`, on the comparison of round trips, unless
/// asked not to or there is no terminal. `note` says what the UI must keep visible: that this
/// is not what was asked for (loopback times, a bundled capture). `shown` is `path`, opened.
fn browse(
    args: &DemoArgs,
    path: &Path,
    shown: CaptureFile,
    note: Option<(&str, String)>,
) -> Result<Outcome, CliError> {
    if args.headless || !super::tui::interactive() {
        return Ok(Outcome::Complete);
    }
    set_memory_limit(DEFAULT_LIMIT);
    super::tui::show_on(
        shown,
        crate::track::keylog::KeyLog::new(),
        Dispatch::new(),
        path,
        View::Compare,
        note,
    )
}

/// The capability's number (linux/capability.h).
const CAP_NET_RAW: u32 = 13;

/// Whether this process holds CAP_NET_RAW (bit 13 of `CapEff` in /proc/self/status), which
/// capturing on loopback needs.
fn holds_net_raw() -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else { return true };
    status
        .lines()
        .find_map(|line| line.strip_prefix("CapEff:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_none_or(|mask| mask & (1 << CAP_NET_RAW) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{Report, Variant as Generator};

    /// A run that did not show its textbook round trips is named with what its connection
    /// showed, and that connection is the one drawn.
    #[test]
    fn a_run_short_of_its_textbook_names_what_its_connection_showed() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/tfo-tls13-0rtt.pcapng");
        let capture = CaptureFile::open(&path).expect("the bundled capture");
        let (mut connections, _) =
            connections_in(&capture, None, &Dispatch::new(), DEFAULT_LIMIT).expect("its connections");
        let port = |connection: &Connection| {
            connection.server.rsplit(':').next().and_then(|port| port.parse().ok()).expect("a server port")
        };
        let report = Report {
            variant: Generator::TfoTls13ZeroRtt,
            flows: vec![Flow::Tcp(port(&connections[0]))],
            connections: connections.len(),
            evidence: Vec::new(),
            missed: None,
        };
        let runs = [Run::over_link(Generator::TfoTls13ZeroRtt, Ok(report))];
        assert!(check_runs(&runs, &connections).is_empty(), "the bundled capture shows its textbook");
        let last = connections.last_mut().expect("a connection");
        last.response_rtts = None;
        let id = last.id;
        let problems = check_runs(&runs, &connections);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].connection, Some(id));
        assert_eq!(
            problems[0].text,
            format!(
                "tfo-tls13-0rtt: connection {id} shows request after 0 round trips, no response seen; \
                 the textbook, request after 0 and response after 1 round trips"
            )
        );
    }
}
