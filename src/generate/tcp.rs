//! Generators over TCP: plain HTTP/1.1, and HTTPS with rustls (TLS 1.2, TLS 1.3, TLS 1.3 with
//! early data), with or without TCP Fast Open.
//!
//! The client's first flight is handed to the socket in one write: under TCP Fast Open that
//! write is what the kernel puts in the SYN, so the ClientHello (and the early data behind it)
//! ride there.
//!
//! The listener is made in the server host's namespace and the client's sockets (one per
//! connection) in the client host's, all before the exchange; the server and the client then
//! run on threads of their own that hold no privilege (a socket keeps its namespace, and the
//! peers parse what the other side sends).

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};
use socket2::{Domain, Socket, Type};

use super::cert::{Identity, SERVER_NAME};
use super::tls::{self, Setup, Version};
use super::{Flow, GenError, Host, Hosts, KeyLog, Report, STEP_TIMEOUT, step_failed, tfo};

/// What one TCP generator does.
#[derive(Clone, Copy, Debug)]
pub(super) struct Plan {
    tls: Option<Version>,
    fast_open: bool,
    early_data: bool,
}

impl Plan {
    pub const HTTP: Self = Self { tls: None, fast_open: false, early_data: false };
    pub const TLS12: Self = Self { tls: Some(Version::Tls12), ..Self::HTTP };
    pub const TLS13: Self = Self { tls: Some(Version::Tls13), ..Self::HTTP };
    pub const TLS13_0RTT: Self = Self { early_data: true, ..Self::TLS13 };
    pub const TFO_TLS13: Self = Self { fast_open: true, ..Self::TLS13 };
    pub const TFO_TLS13_0RTT: Self = Self { fast_open: true, ..Self::TLS13_0RTT };

    /// A first connection fetches what the second one needs: the session ticket for early
    /// data, the Fast Open cookie for data in the SYN.
    fn connections(self) -> usize {
        if self.fast_open || self.early_data { 2 } else { 1 }
    }
}

/// What the server saw of one connection.
#[derive(Debug, Default)]
struct Served {
    early_data_bytes: usize,
}

/// What the client saw of one connection.
#[derive(Debug, Default)]
struct Fetched {
    early_data_accepted: bool,
    syn_data_acked: bool,
}

pub(super) fn run(report: &mut Report, hosts: &Hosts, plan: Plan, keylog: &KeyLog) -> Result<(), GenError> {
    let variant = report.variant;
    let fail = |step: &'static str| move |detail: String| GenError::new(variant, step, detail);
    let identity = Identity::generate().map_err(|e| fail("making the certificate")(e.to_string()))?;
    let alpn: &[u8] = b"http/1.1";
    let setup = |version| Setup { version, alpn, early_data: plan.early_data, quic: false };

    let server_addr = SocketAddr::new(hosts.server.addr, 0);
    let listener = hosts
        .server
        .enter(|| TcpListener::bind(server_addr))
        .and_then(|bound| bound)
        .map_err(|e| fail("binding the server")(e.to_string()))?;
    if plan.fast_open {
        tfo::enable_on_listener(&listener)
            .map_err(|e| fail("enabling Fast Open on the server")(e.to_string()))?;
    }
    let addr = listener.local_addr().map_err(|e| fail("binding the server")(e.to_string()))?;
    report.flows.push(Flow::Tcp(addr.port()));

    let server_config = match plan.tls {
        Some(version) => Some(Arc::new(
            tls::server(&identity, setup(version), keylog)
                .map_err(|e| fail("configuring the server")(e.to_string()))?,
        )),
        None => None,
    };
    let connections = plan.connections();
    // Every client socket now, in the client's namespace: the threads below hold no privilege
    // (they parse what the other side sends), so they cannot enter a namespace later.
    let sockets = (0..connections)
        .map(|_| {
            client_socket(&hosts.client, addr).map_err(|(step, detail)| GenError::new(variant, step, detail))
        })
        .collect::<Result<Vec<Socket>, GenError>>()?;
    let server = thread::Builder::new()
        .name(format!("{variant} server"))
        .spawn(move || {
            super::drop_privileges().map_err(|detail| ("dropping privileges (server)", detail))?;
            serve(&listener, server_config.as_ref(), connections)
        })
        .map_err(|e| fail("starting the server")(e.to_string()))?;

    let client = super::as_peer(format!("{variant} client"), || {
        let mut fetched = Vec::new();
        let mut client_config = None;
        for (index, socket) in sockets.into_iter().enumerate() {
            // Early data needs the ticket of the first connection, so those share one config
            // (and its session store); otherwise every connection starts afresh, with a full
            // handshake.
            let config = match plan.tls {
                Some(version) if client_config.is_none() || !plan.early_data => {
                    let config = Arc::new(
                        tls::client(&identity, setup(version), keylog)
                            .map_err(|e| ("configuring the client", e.to_string()))?,
                    );
                    client_config = Some(config.clone());
                    Some(config)
                }
                Some(_) => client_config.clone(),
                None => None,
            };
            let path = format!("/{}/{}", variant.name(), index + 1);
            fetched.push(fetch(socket, addr, &path, plan, config, index > 0)?);
        }
        Ok::<_, Failure>(fetched)
    });
    let fetched = match client {
        Ok(Ok(fetched)) => fetched,
        Ok(Err((step, detail))) | Err((step, detail)) => {
            // The server's side of the story usually names the cause (a ClientHello that
            // never arrived, say); it ends within its own timeout now the client is gone.
            let detail = match server.join() {
                Ok(Err((server_step, server_detail))) => {
                    format!("{detail} (the server: {server_step} failed: {server_detail})")
                }
                _ => detail,
            };
            return Err(GenError::new(variant, step, detail));
        }
    };
    report.connections += fetched.len();
    let served = match server.join() {
        Ok(Ok(served)) => served,
        Ok(Err((step, detail))) => return Err(GenError::new(variant, step, format!("the server: {detail}"))),
        Err(_) => return Err(GenError::new(variant, "serving", "the server thread panicked")),
    };
    check(report, &hosts.server, plan, &fetched, &served);
    Ok(())
}

/// Records what shows the variant happened, or why it did not.
fn check(report: &mut Report, server: &Host, plan: Plan, fetched: &[Fetched], served: &[Served]) {
    let (Some(last), Some(last_served)) = (fetched.last(), served.last()) else {
        return;
    };
    if plan.fast_open {
        if last.syn_data_acked {
            report.evidence.push("TCP_INFO: the server acknowledged the data in the SYN".into());
        } else {
            report.miss(format!(
                "the server did not take the data in the SYN (TCP_INFO has no SYN_DATA); \
                 net.ipv4.tcp_fastopen where the server runs is {}",
                server.enter(tfo::host_fast_open).unwrap_or(tfo::FastOpenSetting(None))
            ));
        }
    }
    if plan.early_data {
        if last.early_data_accepted && last_served.early_data_bytes > 0 {
            report.evidence.push(format!(
                "the server accepted the request as early data ({} bytes)",
                last_served.early_data_bytes
            ));
        } else {
            report.miss(
                "the server rejected the early data, so the request was sent again after the \
                 handshake",
            );
        }
    }
}

pub(super) type Failure = (&'static str, String);

pub(super) fn failed(step: &'static str) -> impl Fn(io::Error) -> Failure {
    move |error| (step, step_failed(&error))
}

pub(super) fn tls_failed(step: &'static str) -> impl Fn(rustls::Error) -> Failure {
    move |error| (step, error.to_string())
}

fn request(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {SERVER_NAME}\r\nUser-Agent: rttscope-gen\r\nAccept: */*\r\n\r\n")
        .into_bytes()
}

fn response(request: &[u8]) -> Vec<u8> {
    let path = request.split(|&b| b == b' ').nth(1).unwrap_or(b"/");
    let body = format!("hello from rttscope: you asked for {}\n", String::from_utf8_lossy(path));
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn request_complete(bytes: &[u8]) -> bool {
    bytes.windows(4).any(|w| w == b"\r\n\r\n")
}

/// A listener in the server's namespace, on the first of `ports` it can bind (0: one the
/// kernel picks), its address, and a client socket made in the client's namespace for it; the
/// flow goes in `report`. Both are made now: the peers that use them hold no privilege (they
/// parse what the other side sends), so they cannot enter a namespace later.
pub(super) fn server_and_client(
    report: &mut Report,
    hosts: &Hosts,
    ports: &[u16],
) -> Result<(TcpListener, SocketAddr, Socket), GenError> {
    let variant = report.variant;
    let binding = |e: io::Error| GenError::new(variant, "binding the server", e.to_string());
    let bind = |port| TcpListener::bind(SocketAddr::new(hosts.server.addr, port));
    let listener = hosts
        .server
        .enter(|| {
            let mut bound = bind(ports.first().copied().unwrap_or(0));
            for &port in ports.iter().skip(1) {
                bound = bound.or_else(|_| bind(port));
            }
            bound
        })
        .and_then(|bound| bound)
        .map_err(binding)?;
    let addr = listener.local_addr().map_err(binding)?;
    report.flows.push(Flow::Tcp(addr.port()));
    let socket =
        client_socket(&hosts.client, addr).map_err(|(step, detail)| GenError::new(variant, step, detail))?;
    Ok((listener, addr, socket))
}

/// A client socket made in its host's namespace, to connect later from any thread.
pub(super) fn client_socket(client: &Host, addr: SocketAddr) -> Result<Socket, Failure> {
    client
        .enter(|| Socket::new(Domain::for_address(addr), Type::STREAM, None))
        .and_then(|made| made)
        .map_err(failed("connecting"))
}

/// Connects a socket made beforehand. Under Fast Open the connect returns at once: the SYN
/// leaves with the first write.
pub(super) fn connect(socket: Socket, addr: SocketAddr, fast_open: bool) -> Result<TcpStream, Failure> {
    let step = if fast_open { "connecting with Fast Open" } else { "connecting" };
    if fast_open {
        tfo::connect(socket, addr).map_err(failed(step))
    } else {
        socket.connect_timeout(&addr.into(), STEP_TIMEOUT).map_err(failed(step))?;
        Ok(socket.into())
    }
}

/// The client side of one connection.
fn fetch(
    socket: Socket,
    addr: SocketAddr,
    path: &str,
    plan: Plan,
    config: Option<Arc<ClientConfig>>,
    later: bool,
) -> Result<Fetched, Failure> {
    let mut stream = connect(socket, addr, plan.fast_open)?;
    configure(&stream).map_err(failed("connecting"))?;
    let request = request(path);
    let mut fetched = Fetched::default();
    let response = match config {
        None => {
            stream.write_all(&request).map_err(failed("sending the request"))?;
            let mut response = Vec::new();
            stream.read_to_end(&mut response).map_err(failed("reading the response"))?;
            response
        }
        Some(config) => {
            let early = plan.early_data && later;
            let (response, accepted) = fetch_tls(&mut stream, config, &request, early)?;
            fetched.early_data_accepted = accepted;
            response
        }
    };
    if !response.starts_with(b"HTTP/1.1 200 ") {
        let line = response.split(|&b| b == b'\r').next().unwrap_or_default();
        return Err((
            "reading the response",
            format!("unexpected answer {:?}", String::from_utf8_lossy(line)),
        ));
    }
    if plan.fast_open {
        fetched.syn_data_acked = tfo::syn_data_acked(&stream).map_err(failed("reading TCP_INFO"))?;
    }
    Ok(fetched)
}

fn fetch_tls(
    stream: &mut TcpStream,
    config: Arc<ClientConfig>,
    request: &[u8],
    early: bool,
) -> Result<(Vec<u8>, bool), Failure> {
    let name = ServerName::try_from(SERVER_NAME).map_err(|e| ("configuring the client", e.to_string()))?;
    let mut conn = ClientConnection::new(config, name).map_err(tls_failed("starting the TLS client"))?;
    let mut sent_early = false;
    if early {
        match conn.early_data() {
            Some(mut writer) => {
                writer.write_all(request).map_err(failed("writing early data"))?;
                sent_early = true;
            }
            None => {
                return Err(("resuming", "the first connection left no ticket allowing early data".into()));
            }
        }
    }
    // The whole first flight in one write: under Fast Open it becomes the SYN's data.
    let mut flight = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut flight).map_err(failed("sending the ClientHello"))?;
    }
    stream.write_all(&flight).map_err(failed("sending the ClientHello"))?;
    while conn.is_handshaking() {
        conn.complete_io(stream).map_err(failed("the TLS handshake"))?;
    }
    let accepted = sent_early && conn.is_early_data_accepted();
    if !accepted {
        conn.writer().write_all(request).map_err(failed("sending the request"))?;
    }
    let mut response = Vec::new();
    loop {
        flush(&mut conn, stream).map_err(failed("sending the request"))?;
        match conn.reader().read_to_end(&mut response) {
            Ok(_) => break,
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(("reading the response", error.to_string())),
        }
        if conn.read_tls(stream).map_err(failed("reading the response"))? == 0 {
            break;
        }
        conn.process_new_packets().map_err(tls_failed("reading the response"))?;
    }
    conn.send_close_notify();
    flush(&mut conn, stream).map_err(failed("closing"))?;
    Ok((response, accepted))
}

fn flush<C: std::ops::DerefMut<Target = rustls::ConnectionCommon<D>>, D>(
    conn: &mut C,
    stream: &mut TcpStream,
) -> io::Result<()> {
    while conn.wants_write() {
        conn.write_tls(stream)?;
    }
    Ok(())
}

/// Sets the step timeouts, and turns Nagle's algorithm off as browsers and servers do for
/// HTTPS: otherwise a request written just after the client's Finished waits for the Finished
/// to be acknowledged, one round trip that the handshake does not cost (invisible on loopback,
/// 100 ms on the demo's link).
pub(super) fn configure(stream: &TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(STEP_TIMEOUT))?;
    stream.set_write_timeout(Some(STEP_TIMEOUT))
}

/// The server: answers `connections` connections one after the other, then returns.
fn serve(
    listener: &TcpListener,
    config: Option<&Arc<ServerConfig>>,
    connections: usize,
) -> Result<Vec<Served>, Failure> {
    let mut served = Vec::new();
    for _ in 0..connections {
        let mut stream = accept(listener).map_err(failed("accepting a connection"))?;
        configure(&stream).map_err(failed("accepting a connection"))?;
        let seen = match config {
            None => {
                let request = read_request(&mut stream).map_err(failed("reading the request"))?;
                stream.write_all(&response(&request)).map_err(failed("sending the response"))?;
                Served::default()
            }
            Some(config) => serve_tls(&mut stream, config.clone())?,
        };
        // Close our side, then wait for the client's FIN, so the connection ends cleanly
        // rather than with a reset for unread bytes.
        let _ = stream.shutdown(Shutdown::Write);
        let _ = io::copy(&mut stream, &mut io::sink());
        served.push(seen);
    }
    Ok(served)
}

/// Waits for one connection, at most [`STEP_TIMEOUT`].
pub(super) fn accept(listener: &TcpListener) -> io::Result<TcpStream> {
    listener.set_nonblocking(true)?;
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false)?;
                return Ok(stream);
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(error) => return Err(error),
        }
    }
}

fn read_request(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request_complete(&request) {
        let n = stream.read(&mut buf)?;
        if n == 0 || request.len() > 64 * 1024 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the client closed before a whole request",
            ));
        }
        request.extend_from_slice(&buf[..n]);
    }
    Ok(request)
}

fn serve_tls(stream: &mut TcpStream, config: Arc<ServerConfig>) -> Result<Served, Failure> {
    let mut conn = ServerConnection::new(config).map_err(tls_failed("starting the TLS server"))?;
    let mut request = Vec::new();
    let mut served = Served::default();
    while !request_complete(&request) {
        if request.len() > 64 * 1024 {
            return Err(("reading the request", "more than 64 KiB without a blank line".into()));
        }
        if conn.read_tls(stream).map_err(failed("the TLS handshake (server)"))? == 0 {
            return Err(("reading the request", "the client closed before a whole request".into()));
        }
        conn.process_new_packets().map_err(tls_failed("the TLS handshake (server)"))?;
        if let Some(mut early) = conn.early_data() {
            served.early_data_bytes +=
                early.read_to_end(&mut request).map_err(failed("reading early data"))?;
        }
        match conn.reader().read_to_end(&mut request) {
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(("reading the request", error.to_string())),
        }
        flush(&mut conn, stream).map_err(failed("the TLS handshake (server)"))?;
    }
    conn.writer().write_all(&response(&request)).map_err(failed("sending the response"))?;
    conn.send_close_notify();
    flush(&mut conn, stream).map_err(failed("sending the response"))?;
    Ok(served)
}
