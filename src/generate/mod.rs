//! Traffic generators: a real client and a real server, in-process, for every variant of
//! DESIGN section 7: on loopback, or at the two ends of an emulated link ([`Hosts`]).
//!
//! Each generator makes one real request, reads the real response, logs the TLS secrets to a
//! shared [`KeyLog`], and then checks that the variant really happened (early data accepted,
//! data carried in the SYN, 0-RTT accepted). An exchange that worked but did not take the
//! intended path is not an error: the [`Report`] says what was missed and why, so the caller
//! can tell a teacher "this run fell back to a full handshake" instead of drawing the wrong
//! diagram.
//!
//! Servers listen on the server host's address only (127.0.0.1 on loopback), on ports the kernel
//! picks, and every socket has a timeout: a peer that stops answering ends its generator with
//! the step that failed. Each socket is made inside its host's network namespace and stays
//! there, whichever thread then uses it.
//!
//! Invariant: every client and server runs on a thread that holds no privilege (`as_peer`):
//! its sockets are made first, by the calling thread (which may enter the namespaces), then
//! the peer drops its ids and capabilities and talks under the peer's seccomp filter, so the
//! TLS, QUIC and HTTP it parses from the other side never meet root. `--no-drop` keeps them.

mod cert;
mod echo;
mod keylog;
mod netns;
mod over_link;
mod quic;
mod record;
mod ssh;
mod stun;
mod tcp;
mod tfo;
mod tls;
mod websocket;
// issue 18: gRPC
mod grpc;
// issue 18: DTLS
mod dtls;
// issue 18: WebSocket over HTTP/2
mod h2ws;
// issue 18: DTLS 1.3
mod dtls13;

use std::fmt;
use std::time::Duration;

use thiserror::Error;

use crate::link::LinkConfig;
pub use crate::link::{Host, Hosts};

pub use keylog::KeyLog;
pub use netns::{NetnsError, in_private_netns};
pub use over_link::{CLIENT_SIDE, SERVER_SIDE, describe as describe_link, record_over_link};
pub use quic::write_qlog;
pub use record::{Interface, Recording, Run, record};
pub use ssh::openssh_installed;
// issue 18: DTLS
pub use dtls::dtls_peers_missing;
pub use tfo::{FastOpenSetting, host_fast_open};

/// How long any one step (connect, read, handshake) may take before the generator gives up.
/// Over the slowest link `--rtt` allows (1 s) this still covers a round trip after a lost SYN
/// (retransmitted after 1 s) or a lost TLS or QUIC handshake packet (retransmitted after a
/// few hundred milliseconds at 100 to 200 ms round trips).
const STEP_TIMEOUT: Duration = Duration::from_secs(5);

/// The smallest IPv4 MTU on which a QUIC handshake can complete: a client's Initial is padded to
/// a 1200-byte UDP payload (RFC 9000 section 14.1), plus 8 bytes of UDP and 20 of IPv4 header.
pub const QUIC_MIN_MTU: u32 = 1228;

/// The traffic a generator can make.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variant {
    Http,
    Tls12,
    Tls13,
    Tls13ZeroRtt,
    TfoTls13,
    TfoTls13ZeroRtt,
    Quic,
    QuicZeroRtt,
    Ping,
    Udp,
    /// WebSocket over TCP, and over TLS 1.3 (issue 18).
    Ws,
    Wss,
    /// WebSocket over HTTP/2 (RFC 8441), in the clear and over TLS 1.3 (issue 18).
    WsH2,
    WssH2,
    /// An SSH login and one command, OpenSSH's peers (issue 18).
    Ssh,
    /// gRPC calls over HTTP/2 over TLS 1.3 (issue 18).
    Grpc,
    /// A STUN Binding request and its response (issue 18).
    Stun,
    /// DTLS 1.2 without and with the cookie exchange, GnuTLS's and OpenSSL's servers against
    /// OpenSSL's client (issue 18).
    Dtls12,
    Dtls12Cookie,
    /// DTLS 1.3 without the cookie exchange, dimpl's client and server in-process (issue 18).
    Dtls13,
}

impl Variant {
    /// Every variant, in the order `all` runs them: from the most round trips to the fewest,
    /// then the two that are not HTTP, then WebSocket, SSH, gRPC, STUN and DTLS.
    pub const ALL: [Self; 20] = [
        Self::Tls12,
        Self::Tls13,
        Self::Http,
        Self::Tls13ZeroRtt,
        Self::TfoTls13,
        Self::Quic,
        Self::TfoTls13ZeroRtt,
        Self::QuicZeroRtt,
        Self::Ping,
        Self::Udp,
        Self::Ws,
        Self::Wss,
        Self::WsH2,
        Self::WssH2,
        Self::Ssh,
        Self::Grpc,
        Self::Stun,
        Self::Dtls12,
        Self::Dtls12Cookie,
        Self::Dtls13,
    ];

    /// The variant's name, as the command line and the timeline's classification spell it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Tls12 => "tls12",
            Self::Tls13 => "tls13",
            Self::Tls13ZeroRtt => "tls13-0rtt",
            Self::TfoTls13 => "tfo-tls13",
            Self::TfoTls13ZeroRtt => "tfo-tls13-0rtt",
            Self::Quic => "quic",
            Self::QuicZeroRtt => "quic-0rtt",
            Self::Ping => "ping",
            Self::Udp => "udp",
            Self::Ws => "ws",
            Self::Wss => "wss",
            Self::WsH2 => "ws-h2",
            Self::WssH2 => "wss-h2",
            Self::Ssh => "ssh",
            Self::Grpc => "grpc",
            Self::Stun => "stun",
            Self::Dtls12 => "dtls12",
            Self::Dtls12Cookie => "dtls12-cookie",
            Self::Dtls13 => "dtls13",
        }
    }

    /// Looks a variant up by its name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|variant| variant.name() == name)
    }

    /// Rounds the variant's peers take beyond the textbook's, and why: OpenSSH's client
    /// authenticates with a "none" probe and a public-key query before its signed request
    /// (two rounds).
    /// rustls's server, through tokio-rustls, gives HTTP/2 the connection only once the
    /// client's Finished is in, so `wss-h2`'s SETTINGS come a round after the textbook's.
    pub const fn peer_rounds(self) -> (u32, &'static str) {
        match self {
            Self::WssH2 => (1, "the server sends its HTTP/2 SETTINGS only after the client's Finished"),
            Self::Ssh => (2, "OpenSSH probes \"none\" and the key before its signed request"),
            _ => (0, ""),
        }
    }

    /// True for the variants whose peers are programs of their own (OpenSSH, OpenSSL,
    /// GnuTLS), which listen on their protocol's registered port.
    pub const fn runs_peer_programs(self) -> bool {
        matches!(self, Self::Ssh | Self::Dtls12 | Self::Dtls12Cookie)
    }

    /// True for the variants whose servers want their protocol's registered port (SSH's 22,
    /// DTLS's 4433, HTTP's 80 for HTTP/2 in the clear, which tshark reads as HTTP/2 only
    /// there): they run in a private network namespace where one can be made.
    pub const fn wants_registered_port(self) -> bool {
        self.runs_peer_programs() || matches!(self, Self::WsH2 | Self::Dtls13)
    }

    /// True for the variants that speak QUIC.
    pub const fn uses_quic(self) -> bool {
        matches!(self, Self::Quic | Self::QuicZeroRtt)
    }

    /// True for the variants whose clients and servers log TLS secrets (TLS or QUIC).
    pub const fn logs_secrets(self) -> bool {
        !matches!(self, Self::Http | Self::Ping | Self::Udp | Self::Stun | Self::WsH2)
    }

    /// True for the variants that need TCP Fast Open on the server side.
    pub const fn uses_fast_open(self) -> bool {
        matches!(self, Self::TfoTls13 | Self::TfoTls13ZeroRtt)
    }

    /// The variant the timeline reports for the connection that shows this generator's point.
    /// Ping and UDP connections are classified by their transport.
    pub const fn timeline_variant(self) -> &'static str {
        match self {
            Self::Ping => "icmp",
            _ => self.name(),
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One flow a generator made, by what picks its packets out of a capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// TCP to or from this server port.
    Tcp(u16),
    /// UDP to or from this server port.
    Udp(u16),
    /// ICMP echo requests and replies with this identifier.
    Echo(u16),
}

/// What a generator did.
#[derive(Clone, Debug)]
pub struct Report {
    pub variant: Variant,
    /// The flows it made, so a capture can keep exactly its packets.
    pub flows: Vec<Flow>,
    /// How many connections (or exchanges) it made: variants that need a ticket or a TFO cookie
    /// first make one connection to get it.
    pub connections: usize,
    /// What shows the variant happened, e.g. "the server accepted 87 bytes of early data".
    pub evidence: Vec<String>,
    /// Set when the exchange worked but the variant did not happen, with the reason.
    pub missed: Option<String>,
}

impl Report {
    fn new(variant: Variant) -> Self {
        Self { variant, flows: Vec::new(), connections: 0, evidence: Vec::new(), missed: None }
    }

    /// Records that the variant did not happen (keeping the first reason).
    fn miss(&mut self, reason: impl Into<String>) {
        self.missed.get_or_insert_with(|| reason.into());
    }

    /// True when the variant happened as intended.
    pub fn happened(&self) -> bool {
        self.missed.is_none()
    }
}

/// A generator that could not complete its exchange: which step failed, and why.
#[derive(Debug, Error)]
#[error("{variant}: {step} failed: {detail}")]
pub struct GenError {
    pub variant: Variant,
    pub step: &'static str,
    pub detail: String,
}

/// An I/O error as a generator reports it: a timeout says what it means.
pub(crate) fn step_failed(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            format!("no answer within {} s", STEP_TIMEOUT.as_secs())
        }
        _ => error.to_string(),
    }
}

impl GenError {
    fn new(variant: Variant, step: &'static str, detail: impl fmt::Display) -> Self {
        Self { variant, step, detail: detail.to_string() }
    }
}

/// Drops the calling thread's privileges as a peer's (see the module's invariant); the error
/// is one line.
pub(crate) fn drop_privileges() -> Result<(), String> {
    crate::privilege::drop_peer_thread().map(drop).map_err(|error| error.to_string())
}

/// Runs `work` on a thread named `name` that first drops every privilege ([`drop_privileges`]),
/// and returns what it returned; the error says why it could not run.
pub(crate) fn as_peer<T: Send>(
    name: String,
    work: impl FnOnce() -> T + Send,
) -> Result<T, (&'static str, String)> {
    std::thread::scope(|scope| {
        let peer = std::thread::Builder::new()
            .name(name)
            .spawn_scoped(scope, || {
                drop_privileges()?;
                Ok(work())
            })
            .map_err(|error| ("starting a peer thread", error.to_string()))?;
        match peer.join() {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(detail)) => Err(("dropping privileges", detail)),
            Err(_) => Err(("running a peer", "its thread panicked".to_owned())),
        }
    })
}

/// Runs one generator between `hosts`: its server's sockets made in the server's namespace, its
/// client's in the client's.
///
/// The TCP Fast Open variants need `net.ipv4.tcp_fastopen` with the server bit where the
/// server lives: an emulated link sets it in both of its namespaces; on loopback,
/// [`run_anywhere`] finds a namespace that has it.
pub fn run(variant: Variant, hosts: &Hosts, keylog: &KeyLog) -> Result<Report, GenError> {
    let mut report = Report::new(variant);
    if variant.logs_secrets() {
        // Its peers log secrets and can open no file.
        keylog.open_file();
    }
    match variant {
        Variant::Http => tcp::run(&mut report, hosts, tcp::Plan::HTTP, keylog)?,
        Variant::Tls12 => tcp::run(&mut report, hosts, tcp::Plan::TLS12, keylog)?,
        Variant::Tls13 => tcp::run(&mut report, hosts, tcp::Plan::TLS13, keylog)?,
        Variant::Tls13ZeroRtt => tcp::run(&mut report, hosts, tcp::Plan::TLS13_0RTT, keylog)?,
        Variant::TfoTls13 => tcp::run(&mut report, hosts, tcp::Plan::TFO_TLS13, keylog)?,
        Variant::TfoTls13ZeroRtt => tcp::run(&mut report, hosts, tcp::Plan::TFO_TLS13_0RTT, keylog)?,
        Variant::Quic => quic::run(&mut report, hosts, false, keylog)?,
        Variant::QuicZeroRtt => quic::run(&mut report, hosts, true, keylog)?,
        Variant::Ping => echo::ping(&mut report, hosts)?,
        Variant::Udp => echo::udp(&mut report, hosts)?,
        Variant::Ws => websocket::run(&mut report, hosts, false, keylog)?,
        Variant::Wss => websocket::run(&mut report, hosts, true, keylog)?,
        Variant::WsH2 => h2ws::run(&mut report, hosts, false, keylog)?,
        Variant::WssH2 => h2ws::run(&mut report, hosts, true, keylog)?,
        Variant::Ssh => ssh::run(&mut report, hosts)?,
        Variant::Grpc => grpc::run(&mut report, hosts, keylog)?,
        Variant::Stun => stun::run(&mut report, hosts)?,
        Variant::Dtls12 | Variant::Dtls12Cookie => dtls::run(&mut report, hosts, keylog)?,
        Variant::Dtls13 => dtls13::run(&mut report, hosts, keylog)?,
    }
    Ok(report)
}

/// Why `variant` cannot complete on a link set up as `config`, before any packet is sent: QUIC
/// on a link whose MTU is below [`QUIC_MIN_MTU`]. Such a variant is not attempted (an attempt
/// would only resend Initials that never cross until its step timed out).
pub fn cannot_run_on(variant: Variant, config: &LinkConfig) -> Option<GenError> {
    (variant.uses_quic() && config.mtu < QUIC_MIN_MTU).then(|| {
        GenError::new(
            variant,
            "checking the link",
            format!(
                "the QUIC handshake cannot complete on a link whose MTU is {} bytes: a client's \
                 Initial must be a UDP payload of at least 1200 bytes, {QUIC_MIN_MTU} bytes of \
                 IPv4 (RFC 9000 section 14.1)",
                config.mtu
            ),
        )
    })
}

/// Where a generator ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The host's own loopback.
    Host,
    /// The loopback of a private network namespace made for it.
    PrivateNamespace,
    /// The two ends of an emulated link, each in a network namespace of its own.
    Link,
}

/// A generator's run: where, what it did, and what `inside` returned.
#[derive(Debug)]
pub struct Ran<T> {
    pub place: Place,
    pub outcome: Result<Report, GenError>,
    pub state: T,
}

/// Runs one generator on loopback, where it can work. TCP Fast Open runs in a private network namespace
/// made for it, where rttscope sets `net.ipv4.tcp_fastopen` to 3 and the kernel holds no
/// cookie yet, so the first connection really asks for one; without the privilege for a
/// namespace, on the host if its setting already allows both sides. The host's setting is
/// never changed.
///
/// `inside` runs in the chosen place just before the generator (a capture opened there sees
/// its packets), and its result comes back whatever the generator's outcome. Only a place
/// that cannot be had is an error.
pub fn run_anywhere<T: Send + 'static>(
    variant: Variant,
    keylog: &KeyLog,
    inside: impl FnOnce(Place) -> T + Send + 'static,
) -> Result<Ran<T>, GenError> {
    // SSH, too, runs in a namespace of its own where one can be made: there its server has
    // port 22, which is where SSH is read, whatever the host runs or other runs hold; so does
    // DTLS, for port 4433, and HTTP/2 in the clear, for port 80.
    let private = variant.uses_fast_open() || variant.wants_registered_port();
    if !private {
        let state = inside(Place::Host);
        return Ok(Ran { place: Place::Host, outcome: run(variant, &Hosts::loopback(), keylog), state });
    }
    let inside = std::sync::Arc::new(std::sync::Mutex::new(Some(inside)));
    let in_namespace = {
        let (keylog, inside) = (keylog.clone(), inside.clone());
        in_private_netns(move || {
            let inside = inside.lock().ok().and_then(|mut inside| inside.take());
            let state = inside.map(|inside| inside(Place::PrivateNamespace));
            (state, run(variant, &Hosts::loopback(), &keylog))
        })
    };
    match in_namespace {
        Ok((Some(state), outcome)) => Ok(Ran { place: Place::PrivateNamespace, outcome, state }),
        Ok((None, _)) | Err(NetnsError::Panicked) => {
            Err(GenError::new(variant, "running the generator", "its thread panicked"))
        }
        Err(_) if host_fast_open().both_enabled() || variant.wants_registered_port() => {
            let inside = inside.lock().ok().and_then(|mut inside| inside.take());
            let Some(inside) = inside else {
                return Err(GenError::new(variant, "running the generator", "its thread panicked"));
            };
            let state = inside(Place::Host);
            Ok(Ran { place: Place::Host, outcome: run(variant, &Hosts::loopback(), keylog), state })
        }
        Err(error) => Err(GenError::new(
            variant,
            "setting up TCP Fast Open",
            format!(
                "{error}. The server side needs net.ipv4.tcp_fastopen=3 (here {}): run as root \
                 for a private namespace, or set it yourself with `sudo sysctl -w \
                 net.ipv4.tcp_fastopen=3`",
                host_fast_open()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quic_is_refused_on_a_link_below_1228_bytes_and_nothing_else_is() {
        let link = |mtu| LinkConfig { mtu, ..LinkConfig::default() };
        for variant in [Variant::Quic, Variant::QuicZeroRtt] {
            let refused = cannot_run_on(variant, &link(1227)).expect("1227 bytes cannot carry an Initial");
            assert_eq!((refused.variant, refused.step), (variant, "checking the link"));
            assert!(refused.detail.contains("MTU is 1227 bytes"), "{}", refused.detail);
            assert!(refused.detail.contains("RFC 9000 section 14.1"), "{}", refused.detail);
            assert!(cannot_run_on(variant, &link(QUIC_MIN_MTU)).is_none(), "1228 bytes is enough");
        }
        for variant in Variant::ALL.into_iter().filter(|variant| !variant.uses_quic()) {
            assert!(cannot_run_on(variant, &link(576)).is_none(), "{variant} runs on any MTU allowed");
        }
    }
}
