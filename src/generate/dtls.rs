//! The DTLS 1.2 generators (issue 18): OpenSSL's `s_client -dtls1_2` in the client host's
//! namespace against, for `dtls12-cookie`, OpenSSL's `s_server -dtls1_2` (which always sends a
//! HelloVerifyRequest with a cookie first) and, for `dtls12`, GnuTLS's `gnutls-serv --udp
//! --nocookie` (which answers the first ClientHello) in the server's.
//!
//! The peers are OpenSSL's and GnuTLS's, as in the interop captures (DTLS 1.3's, which they
//! lack, are dimpl's, in-process: `dtls13.rs`); without them the
//! generator says in one line what to install. The server listens on DTLS's port 4433 where it
//! is free, else on one the kernel picked a moment before; the certificate, the key log and
//! the peers' logs live in a directory of the run's own, removed with it; the server is ended
//! by its pid. The client sends [`LINES`] one at a time and waits for each to come back (GnuTLS
//! echoes; OpenSSL's server, which cannot, is answered by this generator through its standard
//! input), so the first application data is timed. Invariant: the variant is checked from the
//! client's own record of the messages it read (`-msg`): a HelloVerifyRequest for
//! `dtls12-cookie`, none for `dtls12`; the client's key log is appended to the run's.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::{AsFd, AsRawFd};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use rustls::KeyLog as _;

use super::ssh::{RunDir, Server, find};
use super::{Flow, GenError, Hosts, KeyLog, Report, STEP_TIMEOUT, Variant};

/// The port Wireshark (and rttscope) read DTLS on, OpenSSL's default.
const DTLS_PORT: u16 = 4433;

/// What the client sends, one line at a time; each must come back before the next goes.
const LINES: [&str; 2] = ["hello from rttscope's DTLS client", "and a second line"];

/// The longest line read from a peer's output: longer is an error, not held.
const MAX_LINE: usize = 4096;

/// What to install for the DTLS generators' peers.
const INSTALL: &str = "apt-get install openssl gnutls-bin";

/// The programs a DTLS variant runs.
struct Peers {
    openssl: PathBuf,
    /// GnuTLS's server, for the variant without a cookie.
    gnutls_serv: Option<PathBuf>,
}

impl Peers {
    fn find(variant: Variant) -> Option<Self> {
        let openssl = find("openssl")?;
        let gnutls_serv = match variant {
            Variant::Dtls12 => Some(find("gnutls-serv")?),
            _ => None,
        };
        Some(Self { openssl, gnutls_serv })
    }
}

/// Whether the programs `variant` (a DTLS one) runs are installed; when not, the line that
/// says what to install.
pub fn dtls_peers_missing(variant: Variant) -> Option<String> {
    let runs_programs = matches!(variant, Variant::Dtls12 | Variant::Dtls12Cookie);
    (runs_programs && Peers::find(variant).is_none()).then(|| missing(variant))
}

fn missing(variant: Variant) -> String {
    let programs = match variant {
        Variant::Dtls12 => "GnuTLS's gnutls-serv and OpenSSL's openssl",
        _ => "OpenSSL's openssl",
    };
    format!("the {variant} generator runs {programs}, which are not installed: {INSTALL}")
}

/// One DTLS 1.2 session, from `hosts.client` to `hosts.server`.
pub(super) fn run(report: &mut Report, hosts: &Hosts, keylog: &KeyLog) -> Result<(), GenError> {
    let variant = report.variant;
    let fail = |step: &'static str| move |error: io::Error| GenError::new(variant, step, error);
    let peers =
        Peers::find(variant).ok_or_else(|| GenError::new(variant, "finding the peers", missing(variant)))?;
    let dir = RunDir(make_dir().map_err(fail("making the run's directory"))?);
    write_identity(&dir.0).map_err(|error| GenError::new(variant, "making the certificate", error))?;
    // DTLS's own port where it is free (rttscope, like tshark, reads DTLS on 4433), else one
    // the kernel picks.
    let port = hosts
        .server
        .enter(|| {
            UdpSocket::bind(SocketAddr::new(hosts.server.addr, DTLS_PORT))
                .or_else(|_| UdpSocket::bind(SocketAddr::new(hosts.server.addr, 0)))?
                .local_addr()
        })
        .and_then(|bound| bound)
        .map_err(fail("picking the server's port"))?
        .port();
    let address = SocketAddr::new(hosts.server.addr, port);
    let server_log = dir.0.join("server.log");
    let mut server = hosts
        .server
        .enter(|| server_command(&peers, &dir.0, address, &server_log)?.spawn())
        .and_then(|spawned| spawned)
        .map(Server)
        .map_err(fail("starting the server"))?;
    wait_listening(&mut server.0, port).map_err(|error| {
        GenError::new(variant, "starting the server", format!("{error}{}", last_line(&server_log)))
    })?;
    report.flows.push(Flow::Udp(port));
    let client_log = dir.0.join("client.log");
    let mut client = hosts
        .client
        .enter(|| {
            Command::new(&peers.openssl)
                .args(["s_client", "-dtls1_2", "-quiet", "-no_ign_eof", "-connect", &address.to_string()])
                .arg("-keylogfile")
                .arg(dir.0.join("keys"))
                .args(["-msg", "-msgfile"])
                .arg(dir.0.join("messages"))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(std::fs::File::create(&client_log)?)
                .spawn()
        })
        .and_then(|spawned| spawned)
        .map(Server)
        .map_err(fail("starting s_client"))?;
    report.connections += 1;
    let exchanged = exchange(&mut client.0, &mut server.0);
    // Its input ended, the client sends its close_notify and exits; OpenSSL's server, told to
    // accept one session, answers with its own and exits too.
    drop(client.0.stdin.take());
    let ended = wait_exit(&mut client.0);
    if peers.gnutls_serv.is_none() {
        let _ = wait_exit(&mut server.0);
    }
    exchanged.map_err(|error| {
        GenError::new(variant, "exchanging lines", format!("{error}{}", last_line(&client_log)))
    })?;
    ended.map_err(fail("closing the session"))?;
    let logged = std::fs::read_to_string(dir.0.join("keys")).map_err(fail("reading the key log"))?;
    append_key_log(&logged, keylog);
    let messages =
        std::fs::read_to_string(dir.0.join("messages")).map_err(fail("reading s_client's messages"))?;
    let cookies = hello_verify_requests(&messages);
    let server_name = match peers.gnutls_serv {
        Some(_) => "GnuTLS's gnutls-serv --nocookie",
        None => "OpenSSL's s_server",
    };
    report.evidence.push(format!(
        "OpenSSL's s_client sent {} lines over DTLS 1.2 to {server_name} and read each back",
        LINES.len()
    ));
    match (variant, cookies) {
        (Variant::Dtls12Cookie, 0) => {
            report.miss("the server answered the first ClientHello without asking for a cookie")
        }
        (Variant::Dtls12Cookie, _) => {
            report.evidence.push("the server asked for a cookie first (HelloVerifyRequest)".to_owned());
        }
        (_, 0) => report.evidence.push("the server answered the first ClientHello".to_owned()),
        (_, _) => report.miss("the server asked for a cookie (HelloVerifyRequest) though told not to"),
    }
    Ok(())
}

/// The server's command line: GnuTLS's echo server without cookies, or OpenSSL's, which asks
/// for one and prints what it reads (this generator answers it through its input).
fn server_command(peers: &Peers, dir: &Path, address: SocketAddr, log: &Path) -> io::Result<Command> {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let command = match &peers.gnutls_serv {
        Some(gnutls_serv) => {
            let mut command = Command::new(gnutls_serv);
            command
                .args(["--udp", "--nocookie", "--echo", "--port", &address.port().to_string()])
                .arg("--x509certfile")
                .arg(cert)
                .arg("--x509keyfile")
                .arg(key)
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(log)?)
                .stderr(std::fs::File::create(dir.join("server.err"))?);
            command
        }
        None => {
            let mut command = Command::new(&peers.openssl);
            command
                .args(["s_server", "-dtls1_2", "-quiet", "-naccept", "1", "-accept", &address.to_string()])
                .arg("-cert")
                .arg(cert)
                .arg("-key")
                .arg(key)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(std::fs::File::create(log)?);
            command
        }
    };
    Ok(command)
}

/// Sends each of [`LINES`] from the client and waits for it to come back. OpenSSL's server
/// (whose output is piped) prints each line it reads and is given it back to send.
fn exchange(client: &mut Child, server: &mut Child) -> io::Result<()> {
    let deadline = Instant::now() + STEP_TIMEOUT;
    let closed = || io::Error::other("a peer's standard input or output is not piped");
    let mut from_client = Lines::new(client.stdout.as_mut().ok_or_else(closed)?);
    let mut from_server = server.stdout.as_mut().map(Lines::new);
    let to_client = client.stdin.as_mut().ok_or_else(closed)?;
    for line in LINES {
        send_line(to_client, line)?;
        if let Some(from_server) = &mut from_server {
            let read = from_server.next(deadline)?;
            if read != line {
                return Err(io::Error::other(format!("the server read {read:?}, not {line:?}")));
            }
            send_line(server.stdin.as_mut().ok_or_else(closed)?, &read)?;
        }
        let echoed = from_client.next(deadline)?;
        if echoed != line {
            return Err(io::Error::other(format!("the client read back {echoed:?}, not {line:?}")));
        }
    }
    Ok(())
}

fn send_line(to: &mut ChildStdin, line: &str) -> io::Result<()> {
    to.write_all(format!("{line}\n").as_bytes())?;
    to.flush()
}

/// Lines read from a peer's output, each waited for until a deadline.
struct Lines<R> {
    from: R,
    pending: Vec<u8>,
}

impl<R: Read + AsFd> Lines<R> {
    fn new(from: R) -> Self {
        Self { from, pending: Vec::new() }
    }

    /// The next line, without its end; an error if none is whole by `deadline`, the output
    /// ends, or a line is longer than [`MAX_LINE`].
    fn next(&mut self, deadline: Instant) -> io::Result<String> {
        loop {
            if let Some(end) = self.pending.iter().position(|&byte| byte == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                return Ok(String::from_utf8_lossy(&line).trim_end().to_owned());
            }
            if self.pending.len() > MAX_LINE {
                return Err(io::Error::other(format!("a peer printed a line of over {MAX_LINE} bytes")));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no line within {} s", STEP_TIMEOUT.as_secs()),
                ));
            }
            let mut ready =
                libc::pollfd { fd: self.from.as_fd().as_raw_fd(), events: libc::POLLIN, revents: 0 };
            let millis = i32::try_from(left.as_millis()).unwrap_or(i32::MAX).max(1);
            // SAFETY: poll(2) on one pollfd that lives across the call.
            if unsafe { libc::poll(&mut ready, 1, millis) } < 0 {
                let error = io::Error::last_os_error();
                if error.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(error);
            }
            if ready.revents == 0 {
                continue;
            }
            let mut buffer = [0; 1024];
            let read = self.from.read(&mut buffer)?;
            if read == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "a peer exited"));
            }
            self.pending.extend_from_slice(buffer.get(..read).unwrap_or_default());
        }
    }
}

/// Waits for a peer to exit, within [`STEP_TIMEOUT`].
fn wait_exit(peer: &mut Child) -> io::Result<()> {
    let start = Instant::now();
    loop {
        if let Some(status) = peer.try_wait()? {
            return if status.success() {
                Ok(())
            } else {
                Err(io::Error::other(format!("a peer exited with {status}")))
            };
        }
        if start.elapsed() > STEP_TIMEOUT {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "a peer did not exit"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits until the server's namespace holds a UDP socket on `port` (read from the server's
/// own `/proc/PID/net`), or the server stops. A probe datagram would show in the capture, and
/// a probe bind could take the port from the server.
fn wait_listening(server: &mut Child, port: u16) -> io::Result<()> {
    let start = Instant::now();
    let proc = PathBuf::from(format!("/proc/{}/net", server.id()));
    loop {
        if let Some(status) = server.try_wait()? {
            return Err(io::Error::other(format!("the server exited with {status}")));
        }
        let bound = ["udp", "udp6"]
            .iter()
            .any(|table| std::fs::read_to_string(proc.join(table)).is_ok_and(|text| udp_bound(&text, port)));
        if bound {
            return Ok(());
        }
        if start.elapsed() > STEP_TIMEOUT {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "the server did not bind its port"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether a `/proc/net/udp` (or `udp6`) table holds a socket bound to local `port`: its
/// second column is `ADDRESS:PORT`, the port in hexadecimal.
fn udp_bound(table: &str, port: u16) -> bool {
    let port = format!(":{port:04X}");
    table
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().nth(1))
        .any(|local| local.ends_with(&port))
}

/// How many HelloVerifyRequests s_client's `-msg` record shows it read. OpenSSL 3.0 names no
/// DTLS message there; each record read is a `<<<` line giving its content type (22 for a
/// handshake), then its bytes in hexadecimal, the handshake type first (3, RFC 6347 section
/// 4.3.2).
fn hello_verify_requests(messages: &str) -> usize {
    let mut lines = messages.lines();
    let mut count = 0;
    while let Some(line) = lines.next() {
        if line.starts_with("<<< ") && line.contains("content_type=22)") {
            let first_byte = lines.next().and_then(|bytes| bytes.split_whitespace().next());
            if first_byte == Some("03") {
                count += 1;
            }
        }
    }
    count
}

/// Appends an NSS key log's lines (as s_client writes them) to the run's; comments and lines
/// that are not `LABEL HEX HEX` are left out.
fn append_key_log(logged: &str, keylog: &KeyLog) {
    for line in logged.lines() {
        let mut fields = line.split(' ');
        let (Some(label), Some(random), Some(secret), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if label.starts_with('#') {
            continue;
        }
        if let (Some(random), Some(secret)) = (unhex(random), unhex(secret)) {
            keylog.log(label, &random, &secret);
        }
    }
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.is_empty() || !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| text.get(at..at + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect()
}

/// The server's certificate and key for `localhost`, made for the run, as PEM files.
fn write_identity(dir: &Path) -> Result<(), String> {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec![super::cert::SERVER_NAME.to_owned()])
            .map_err(|error| error.to_string())?;
    std::fs::write(dir.join("cert.pem"), cert.pem()).map_err(|error| error.to_string())?;
    std::fs::write(dir.join("key.pem"), signing_key.serialize_pem()).map_err(|error| error.to_string())
}

/// The last line a peer logged, as `: LINE`, or nothing.
fn last_line(log: &Path) -> String {
    let said = std::fs::read_to_string(log).unwrap_or_default();
    said.lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .map(|line| format!(": {}", line.trim()))
        .unwrap_or_default()
}

/// A fresh directory under the temporary directory, readable by its owner only.
fn make_dir() -> io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("rttscope-dtls-{}-{}", std::process::id(), nanos.as_nanos()));
    std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hello_verify_request_is_a_handshake_read_whose_first_byte_is_3() {
        // s_client's -msg record of a cookie exchange (OpenSSL 3.0): the ClientHello sent
        // (type 1), the HelloVerifyRequest read (type 3: a 12-byte header, the version, a
        // 20-byte cookie), then a ServerHello read (type 2).
        let messages = "\
>>> Not TLS data or unknown version (version=65277, content_type=22) [length 00c0]
    01 00 00 b4 00 00 00 00 00 00 00 b4 fe fd 5b 0d
<<< Not TLS data or unknown version (version=0, content_type=256) [length 000d]
    16 fe ff 00 00 00 00 00 00 00 00 00 23
<<< Not TLS data or unknown version (version=65277, content_type=22) [length 0023]
    03 00 00 17 00 00 00 00 00 00 00 17 fe ff 14 c3
<<< Not TLS data or unknown version (version=65277, content_type=22) [length 0049]
    02 00 00 3d 00 01 00 00 00 00 00 3d fe fd 8a 21
<<< Not TLS data or unknown version (version=65277, content_type=20) [length 0001]
    03
";
        assert_eq!(hello_verify_requests(messages), 1);
        let without = messages.replace("    03 00 00 17", "    02 00 00 17");
        assert_eq!(hello_verify_requests(&without), 0, "a ChangeCipherSpec's 1 byte is not a handshake");
        assert_eq!(hello_verify_requests("<<< (content_type=22)"), 0, "truncated after the header");
    }

    #[test]
    fn the_clients_key_log_is_appended_line_by_line_without_comments() {
        let keylog = KeyLog::new();
        append_key_log(
            "# SSL/TLS secrets log file, generated by OpenSSL\nCLIENT_RANDOM 01ab ff00\nCLIENT_RANDOM 0 ff\nbroken\n",
            &keylog,
        );
        assert_eq!(keylog.contents(), "CLIENT_RANDOM 01ab ff00\n");
    }

    #[test]
    fn a_bound_port_is_found_in_the_proc_udp_table() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
                     \x20 12: 0100007F:1151 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0000 0\n";
        assert!(udp_bound(table, 4433));
        assert!(!udp_bound(table, 4434));
        assert!(!udp_bound(table, 0), "the remote address's port is not a local one");
    }

    #[test]
    fn a_missing_peer_is_said_with_the_packages_to_install() {
        assert_eq!(
            missing(Variant::Dtls12),
            "the dtls12 generator runs GnuTLS's gnutls-serv and OpenSSL's openssl, which are not installed: apt-get install openssl gnutls-bin"
        );
        assert!(
            missing(Variant::Dtls12Cookie).starts_with("the dtls12-cookie generator runs OpenSSL's openssl,")
        );
    }
}
