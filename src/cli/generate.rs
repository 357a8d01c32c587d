//! `rttscope gen`: run the built-in clients and servers, on loopback or at the two ends of an
//! emulated link, report what each did, and write their TLS secrets to a key log.
//!
//! The link flags are checked before anything runs: a bad value is one line naming the flag,
//! and no traffic. A link that cannot be built (no privilege, no kernel support) is said in one
//! line, and the run falls back to loopback.

use std::fs::{File, OpenOptions};
use std::io::BufWriter;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

use super::{Cli, CliError, Command, GenArgs, LinkArgs, Outcome};
use crate::generate::{
    self, GenError, KeyLog, Place, Recording, Report, Variant, describe_link, record_over_link,
};
use crate::link::config::LinkFlags;
use crate::link::{DropRule, LinkConfig, LinkError, enter_user_namespace};

/// What `gen --help` says of privileges.
pub(super) const GEN_PRIVILEGES: &str = "Privileges (as root, or with capabilities): the thread that \
    builds the namespaces, the link and its captures keeps root's user id and only CAP_SYS_ADMIN, \
    CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_NICE, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_SETUID, CAP_SETGID and \
    CAP_SETPCAP from the start. Every client and server (which parse TLS, QUIC and HTTP from the \
    other side), the link's emulator and the thread that picks each run's frames become the user \
    who ran sudo (or nobody) with no capability, no_new_privs and a seccomp filter, once their \
    sockets are made. The key log (opened before the first TLS or QUIC run), the -w capture and \
    the qlog files are created by the first thread, as root. --no-drop keeps everything.";

/// `demo`'s round-trip time when `--rtt` is not given: slow enough to see each round trip.
pub(super) const DEMO_RTT: Duration = Duration::from_millis(100);

/// What had to happen before the process started any thread, and how it went.
#[derive(Debug, Default)]
pub struct Prepared {
    /// Why the user namespace that the emulated link needs without root could not be entered.
    pub no_user_namespace: Option<LinkError>,
}

/// Does what must happen while the process has one thread: a user without root enters a user
/// namespace of its own, where it may build the network namespaces of an emulated link, when
/// `gen`, `demo` or `link-probe` asks for one. Flags that do not check out are left for the runner to refuse.
pub fn prepare(cli: &Cli) -> Prepared {
    let wants_link = match &cli.command {
        Some(Command::Gen(args)) => matches!(args.link.config(Duration::ZERO), Ok(Some(_))),
        Some(Command::Demo(args)) => matches!(args.link.config(DEMO_RTT), Ok(Some(_))),
        Some(Command::LinkProbe(_)) => true,
        _ => return Prepared::default(),
    };
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    if !wants_link || unsafe { libc::geteuid() } == 0 {
        return Prepared::default();
    }
    Prepared { no_user_namespace: enter_user_namespace().err() }
}

impl LinkArgs {
    /// The link these flags ask for (`None`: loopback), or the first bad flag as one line.
    pub(super) fn config(&self, default_rtt: Duration) -> Result<Option<LinkConfig>, CliError> {
        let flags = LinkFlags {
            rtt: self.rtt.as_deref(),
            jitter: self.jitter.as_deref(),
            loss: self.loss.as_deref(),
            rate: self.rate.as_deref(),
            mtu: self.mtu.as_deref(),
            queue: self.queue.as_deref(),
            seed: self.seed.as_deref(),
            drop: self.drop.as_deref(),
        };
        flags.config(default_rtt).map_err(|error| CliError::Usage(error.to_string()))
    }
}

/// What is missing for the link, for a one-line note: the reason without its preamble.
pub(super) fn missing(error: &LinkError) -> String {
    match error {
        LinkError::Unavailable(reason) | LinkError::Failed(reason) => reason.clone(),
    }
}

/// Runs `variants` over fresh links set up as `config`, printing each run as it ends; the
/// error is why no link could be had, before any traffic.
pub(super) fn record_on_link(
    variants: &[Variant],
    config: &LinkConfig,
    keylog: &KeyLog,
    prepared: &Prepared,
) -> Result<Recording, LinkError> {
    if let Some(error) = &prepared.no_user_namespace {
        return Err(LinkError::Unavailable(missing(error)));
    }
    record_over_link(variants, config, keylog, |run| {
        print_result(run.outcome.as_ref(), run.place);
    })
}

pub fn run(args: &GenArgs, prepared: &Prepared) -> Result<Outcome, CliError> {
    args.privilege.apply();
    let variants = variants(&args.variant)?;
    let config = args.link.config(Duration::ZERO)?;
    check_drop(config.as_ref(), &variants)?;
    if let (Some(output), None) = (&args.output, &config) {
        return Err(CliError::Usage(format!(
            "-w {}: gen writes a capture over an emulated link only (give --rtt); on loopback, \
             `rttscope demo --rtt 0 -w FILE` captures",
            output.display()
        )));
    }
    // Before any traffic: a path that cannot be written is said now, not after the run.
    super::capture::check_output(&args.keylog, "--keylog")?;
    if let Some(output) = &args.output {
        super::capture::check_output(output, "-w")?;
    }
    if let Some(dir) = &args.qlog {
        if !dir.is_dir() {
            return Err(CliError::Usage(format!("--qlog {}: not a directory", dir.display())));
        }
        generate::write_qlog(Some((dir, "")));
    }
    // Each secret reaches the file as it is logged, after what the file already holds.
    let keylog = KeyLog::appending_to(&args.keylog);
    // From here this thread only drives namespaces, links and captures; each generator's
    // peers, the emulator and the thread picking frames drop everything for themselves.
    crate::privilege::narrow_to_namespace_driver()?;
    let rounds: Vec<Variant> = (0..args.count.max(1)).flat_map(|_| variants.iter().copied()).collect();
    let over_link = match &config {
        Some(config) => match record_on_link(&rounds, config, &keylog, prepared) {
            Ok(recording) => Some(recording),
            Err(error) => {
                let unwritten = match &args.output {
                    Some(output) => format!(", and writing no {}", output.display()),
                    None => String::new(),
                };
                eprintln!("rttscope: {error}; running on loopback instead{unwritten}");
                None
            }
        },
        None => None,
    };
    let failures = match &over_link {
        Some(recording) => {
            if let Some(stats) = &recording.link {
                eprintln!("rttscope: the link: {}", describe_link(stats));
            }
            if let Some(output) = &args.output {
                write_capture(recording, output)?;
                eprintln!(
                    "rttscope: {} frames written to {} (client side and server side, TLS keys embedded)",
                    recording.packets(),
                    output.display()
                );
            }
            recording.runs.iter().filter(|run| !run.outcome.as_ref().is_ok_and(Report::happened)).count()
        }
        None => on_loopback(&rounds, &keylog),
    };
    report_qlog();
    if !keylog.is_empty() {
        keylog.file_result().map_err(|source| {
            CliError::Usage(format!("cannot write the key log {}: {source}", args.keylog.display()))
        })?;
        eprintln!("rttscope: TLS secrets appended to {} (mode 0600)", args.keylog.display());
    }
    match failures {
        0 => Ok(Outcome::Complete),
        n => Err(CliError::Usage(format!("{n} generator run(s) did not do what they should"))),
    }
}

/// Says which qlog files the QUIC generators wrote (and which could not be), and stops them
/// writing more.
pub(super) fn report_qlog() {
    let (written, failed) = generate::write_qlog(None);
    if !written.is_empty() {
        let names: Vec<String> = written.iter().map(|path| path.display().to_string()).collect();
        eprintln!("rttscope: the QUIC generators' own qlog written to {}", names.join(", "));
    }
    if let Some(failed) = failed {
        eprintln!("rttscope: qlog: {failed}");
    }
}

/// Runs each generator on loopback, as it ran before any link; returns how many did not do
/// what they should.
fn on_loopback(rounds: &[Variant], keylog: &KeyLog) -> usize {
    let mut failures = 0;
    for &variant in rounds {
        let happened = match generate::run_anywhere(variant, keylog, |_| ()) {
            Ok(ran) => print_result(ran.outcome.as_ref(), ran.place),
            Err(error) => print_result(Err(&error), Place::Host),
        };
        if !happened {
            failures += 1;
        }
    }
    failures
}

/// The variants a `VARIANT|all` argument names.
/// Refuses a `--drop` that names a packet none of the variants sends (a QUIC Initial for
/// TLS over TCP, a ClientHello for plain HTTP), which would silently drop nothing.
pub(super) fn check_drop(config: Option<&LinkConfig>, variants: &[Variant]) -> Result<(), CliError> {
    let Some(rule) = config.and_then(|config| config.drop) else { return Ok(()) };
    let sends = |variant: Variant| match rule {
        DropRule::Syn | DropRule::SynAck => !matches!(
            variant,
            Variant::Quic
                | Variant::QuicZeroRtt
                | Variant::Ping
                | Variant::Udp
                | Variant::Stun
                | Variant::Dtls12
                | Variant::Dtls12Cookie
        ),
        DropRule::ClientHello | DropRule::ServerHello => !matches!(
            variant,
            Variant::Http
                | Variant::Quic
                | Variant::QuicZeroRtt
                | Variant::Ping
                | Variant::Udp
                | Variant::Ws
                | Variant::Ssh
                | Variant::Stun
                // DTLS's ClientHello is in a datagram: the rule drops only TCP's.
                | Variant::Dtls12
                | Variant::Dtls12Cookie
        ),
        DropRule::FirstInitial | DropRule::ServerInitial => {
            matches!(variant, Variant::Quic | Variant::QuicZeroRtt)
        }
    };
    if variants.iter().any(|variant| sends(*variant)) {
        return Ok(());
    }
    let names: Vec<&str> = variants.iter().map(|variant| variant.name()).collect();
    Err(CliError::Usage(format!(
        "--drop {}: {} never sends that packet, so nothing would be dropped; syn, syn-ack, \
         client-hello and server-hello are TCP's and TLS's, first-initial and server-initial QUIC's",
        rule.name(),
        names.join(", ")
    )))
}

/// The variants `choice` names. `all` leaves out SSH where OpenSSH (whose peers the ssh
/// generator runs) is not installed, saying so in one line: the other variants need nothing
/// installed, and a newcomer's first `demo` should not fail for want of it. Asked for by name,
/// `ssh` runs and says what to install. The same for each DTLS variant without OpenSSL's or
/// GnuTLS's programs.
pub(super) fn variants(choice: &str) -> Result<Vec<Variant>, CliError> {
    if choice == "all" {
        let openssh = crate::generate::openssh_installed();
        if !openssh {
            eprintln!(
                "rttscope: note: leaving out ssh, whose peers are OpenSSH's: apt-get install openssh-server openssh-client"
            );
        }
        let dtls_missing = |variant| crate::generate::dtls_peers_missing(variant).map(|why| (variant, why));
        let left_out: Vec<(Variant, String)> =
            [Variant::Dtls12, Variant::Dtls12Cookie].into_iter().filter_map(dtls_missing).collect();
        for (variant, why) in &left_out {
            eprintln!("rttscope: note: leaving out {variant}: {why}");
        }
        return Ok(Variant::ALL
            .into_iter()
            .filter(|&variant| openssh || variant != Variant::Ssh)
            .filter(|variant| left_out.iter().all(|(left, _)| left != variant))
            .collect());
    }
    Variant::from_name(choice).map(|variant| vec![variant]).ok_or_else(|| {
        let names: Vec<_> = Variant::ALL.iter().map(|v| v.name()).collect();
        CliError::Usage(format!("unknown variant {choice:?}; choose one of {}, or all", names.join(", ")))
    })
}

/// Creates `path` readable by its owner only: a capture with its keys embedded is as secret
/// as a key log.
fn create_private(path: &Path) -> Result<File, CliError> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .and_then(|file| file.set_permissions(std::fs::Permissions::from_mode(0o600)).map(|()| file))
        .map_err(|error| CliError::Usage(format!("cannot create {}: {error}", path.display())))
}

/// Writes a recording as pcapng, keys embedded, mode 0600.
pub(super) fn write_capture(recording: &Recording, path: &Path) -> Result<(), CliError> {
    recording
        .write_pcapng(BufWriter::new(create_private(path)?))
        .map_err(|error| CliError::Usage(format!("cannot write {}: {error}", path.display())))
}

/// Prints one line for a generator run; returns whether it did what it should.
pub(super) fn print_result(outcome: Result<&Report, &GenError>, place: Place) -> bool {
    match outcome {
        Ok(report) => {
            let connections = match report.connections {
                1 => "1 exchange".to_owned(),
                n => format!("{n} exchanges"),
            };
            let place = match place {
                Place::Host => "",
                Place::PrivateNamespace => " (in a private network namespace)",
                Place::Link => " (over the emulated link)",
            };
            match &report.missed {
                None => {
                    let evidence = report.evidence.join("; ");
                    let evidence = if evidence.is_empty() { String::new() } else { format!(": {evidence}") };
                    println!("{:<15} ok      {connections}{place}{evidence}", report.variant.name());
                    true
                }
                Some(reason) => {
                    println!("{:<15} MISSED  {connections}{place}, but {reason}", report.variant.name());
                    false
                }
            }
        }
        Err(error) => {
            println!("{:<15} FAILED  {}: {}", error.variant.name(), error.step, error.detail);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_every_variant_but_ssh_without_openssh_and_a_name_is_itself() {
        let all = variants("all").expect("all is a choice");
        let openssh = crate::generate::openssh_installed();
        for variant in Variant::ALL {
            let installed = match variant {
                Variant::Ssh => openssh,
                Variant::Dtls12 | Variant::Dtls12Cookie => {
                    crate::generate::dtls_peers_missing(variant).is_none()
                }
                _ => true,
            };
            assert_eq!(all.contains(&variant), installed, "{variant:?}");
        }
        assert_eq!(variants("ssh").expect("a variant"), vec![Variant::Ssh]);
        assert!(variants("telnet").is_err());
    }
}
