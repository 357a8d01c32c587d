//! Generators over QUIC: HTTP/3 with quinn (on quinn-proto) and h3, with and without 0-RTT.
//!
//! Both endpoints are set up to keep the capture readable: no UDP segmentation offload (a
//! capture on loopback would otherwise see several QUIC datagrams glued into one), no greased
//! fixed bit or HTTP/3 GREASE, and no path-MTU probes.
//!
//! Each endpoint's UDP socket is made in its host's network namespace by the calling thread;
//! quinn then drives both from one runtime on a thread that holds no privilege.
//!
//! When asked ([`write_qlog`]), each run also writes the client's and the server's own qlog
//! (quinn's JSON-SEQ, qlog 0.3), one file per endpoint: `DIR/PREFIX<variant>.client.sqlog` and
//! `.server.sqlog`, a later run of the same variant adding `-2`, `-3`. The setting is process
//! wide because the generators are run from several places (loopback, a link, a namespace);
//! the files are flushed before the run returns. quinn-proto 0.11.19 writes the RTTs of its
//! `recovery:metrics_updated` in seconds (`as_secs_f32`) where qlog means milliseconds;
//! rttscope's own qlog of the capture writes milliseconds.

use std::collections::BTreeMap;
use std::fs::File;
use std::future::poll_fn;
use std::io::{self, BufWriter, Write};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use bytes::{Buf, Bytes};
use quinn::crypto::rustls::{QuicClientConfig, QuicServerConfig};
use quinn::{Endpoint, EndpointConfig, QlogConfig, QlogStream, TokioRuntime, TransportConfig};
use tokio::time::timeout;

use super::cert::{Identity, SERVER_NAME};
use super::tls::{self, Setup, Version};
use super::{Flow, GenError, Host, Hosts, KeyLog, Report, STEP_TIMEOUT, Variant};

type Failure = (&'static str, String);

/// HTTP/3's "no error" application error code, for closing a connection whose work is done.
const H3_NO_ERROR: u32 = 0x100;

fn failed<E: std::fmt::Display>(step: &'static str) -> impl Fn(E) -> Failure {
    move |error| (step, error.to_string())
}

/// A step that ran out of time.
fn timed_out(step: &'static str) -> impl Fn(tokio::time::error::Elapsed) -> Failure {
    move |_| (step, format!("no answer within {} s", STEP_TIMEOUT.as_secs()))
}

/// Where the generators' own qlog goes, when it is asked for.
struct QlogPlace {
    dir: PathBuf,
    prefix: String,
    /// Runs so far of each variant, which name the next run's files.
    runs: BTreeMap<Variant, u32>,
    /// Files written, and the first that could not be.
    written: Vec<PathBuf>,
    failed: Option<String>,
}

static QLOG: Mutex<Option<QlogPlace>> = Mutex::new(None);

fn qlog_place() -> MutexGuard<'static, Option<QlogPlace>> {
    QLOG.lock().unwrap_or_else(PoisonError::into_inner)
}

/// From now on, each QUIC run writes its client's and server's qlog into `dir`, the files'
/// names starting with `prefix` (e.g. "rttscope-demo."); `None` stops it. Returns the files the
/// runs wrote until now, and why one could not be written, if one could not.
pub fn write_qlog(place: Option<(&Path, &str)>) -> (Vec<PathBuf>, Option<String>) {
    let mut current = qlog_place();
    let before = current.take().map(|place| (place.written, place.failed)).unwrap_or_default();
    *current = place.map(|(dir, prefix)| QlogPlace {
        dir: dir.to_owned(),
        prefix: prefix.to_owned(),
        runs: BTreeMap::new(),
        written: Vec::new(),
        failed: None,
    });
    before
}

/// A file the qlog streamer writes and the run flushes: quinn keeps its writer until the last
/// connection is dropped, so the run holds a second handle to flush it before it returns.
#[derive(Clone)]
struct SharedFile(Arc<Mutex<BufWriter<File>>>);

impl Write for SharedFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).flush()
    }
}

/// This run's qlog streams (client, server) and their files, if qlog is asked for and the
/// files could be made.
struct RunQlog {
    client: QlogStream,
    server: QlogStream,
    files: Vec<(PathBuf, SharedFile)>,
}

impl RunQlog {
    fn open(variant: Variant) -> Option<Self> {
        let mut current = qlog_place();
        let place = current.as_mut()?;
        let run = place.runs.entry(variant).or_insert(0);
        *run += 1;
        let name = match *run {
            1 => variant.name().to_owned(),
            n => format!("{}-{n}", variant.name()),
        };
        let start = Instant::now();
        let mut files = Vec::new();
        let mut streams = Vec::new();
        for side in ["client", "server"] {
            let path = place.dir.join(format!("{}{name}.{side}.sqlog", place.prefix));
            let file = match File::create(&path) {
                Ok(file) => SharedFile(Arc::new(Mutex::new(BufWriter::new(file)))),
                Err(error) => {
                    place.failed.get_or_insert_with(|| format!("cannot create {}: {error}", path.display()));
                    return None;
                }
            };
            let mut config = QlogConfig::default();
            config
                .writer(Box::new(file.clone()))
                .title(Some(format!("rttscope gen {} {side}", variant.name())))
                .description(Some(format!(
                    "quinn's own qlog of the {side} of rttscope's {} generator",
                    variant.name()
                )))
                .start_time(start);
            streams.push(config.into_stream()?);
            files.push((path, file));
        }
        let server = streams.pop()?;
        let client = streams.pop()?;
        Some(Self { client, server, files })
    }

    /// Flushes the files and records them as written.
    fn finish(self) {
        let mut current = qlog_place();
        for (path, mut file) in self.files {
            match file.flush() {
                Ok(()) => {
                    if let Some(place) = current.as_mut() {
                        place.written.push(path);
                    }
                }
                Err(error) => {
                    if let Some(place) = current.as_mut() {
                        place
                            .failed
                            .get_or_insert_with(|| format!("cannot write {}: {error}", path.display()));
                    }
                }
            }
        }
    }
}

pub(super) fn run(
    report: &mut Report,
    hosts: &Hosts,
    zero_rtt: bool,
    keylog: &KeyLog,
) -> Result<(), GenError> {
    let variant = report.variant;
    // The sockets in their namespaces and the qlog files, here; the endpoints then run on a
    // thread that holds no privilege, as quinn parses every datagram the other side sends.
    let sockets = bind_udp(&hosts.server)
        .and_then(|server| Ok((server, bind_udp(&hosts.client)?)))
        .map_err(|(step, detail)| GenError::new(variant, step, detail))?;
    let qlog = RunQlog::open(variant);
    let streams = qlog.as_ref().map(|qlog| (qlog.client.clone(), qlog.server.clone()));
    let result = super::as_peer(format!("{variant} peers"), || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(failed("starting the async runtime"))?;
        let result = runtime.block_on(exchange(report, sockets, zero_rtt, keylog, streams));
        // The connections, and quinn's streamers with them, end with the runtime.
        drop(runtime);
        result
    });
    if let Some(qlog) = qlog {
        qlog.finish();
    }
    result.and_then(|result| result).map_err(|(step, detail)| GenError::new(variant, step, detail))
}

/// A UDP socket made in `host`'s namespace, on its address and a port the kernel picks.
fn bind_udp(host: &Host) -> Result<UdpSocket, Failure> {
    let addr = SocketAddr::new(host.addr, 0);
    host.enter(move || UdpSocket::bind(addr)).and_then(|bound| bound).map_err(failed("binding a UDP socket"))
}

fn transport(qlog: Option<QlogStream>) -> Arc<TransportConfig> {
    let mut transport = TransportConfig::default();
    transport.enable_segmentation_offload(false).mtu_discovery_config(None).qlog_stream(qlog);
    Arc::new(transport)
}

/// An endpoint on a UDP socket made beforehand.
fn endpoint(socket: UdpSocket, server: Option<quinn::ServerConfig>) -> Result<Endpoint, Failure> {
    let mut config = EndpointConfig::default();
    config.grease_quic_bit(false);
    Endpoint::new(config, server, socket, Arc::new(TokioRuntime)).map_err(failed("starting an endpoint"))
}

async fn exchange(
    report: &mut Report,
    (server_socket, client_socket): (UdpSocket, UdpSocket),
    zero_rtt: bool,
    keylog: &KeyLog,
    qlog: Option<(QlogStream, QlogStream)>,
) -> Result<(), Failure> {
    let (client_qlog, server_qlog) = qlog.unzip();
    let identity = Identity::generate().map_err(failed("making the certificate"))?;
    let setup = Setup { version: Version::Tls13, alpn: b"h3", early_data: zero_rtt, quic: true };

    let server_tls = tls::server(&identity, setup, keylog).map_err(failed("configuring the server"))?;
    let server_crypto = QuicServerConfig::try_from(server_tls).map_err(failed("configuring the server"))?;
    let mut server_config = quinn::ServerConfig::with_crypto(Arc::new(server_crypto));
    server_config.transport_config(transport(server_qlog));
    let server = endpoint(server_socket, Some(server_config))?;
    let addr = server.local_addr().map_err(failed("binding the server"))?;
    report.flows.push(Flow::Udp(addr.port()));

    let client_tls = tls::client(&identity, setup, keylog).map_err(failed("configuring the client"))?;
    let client_crypto = QuicClientConfig::try_from(client_tls).map_err(failed("configuring the client"))?;
    let mut client_config = quinn::ClientConfig::new(Arc::new(client_crypto));
    client_config.transport_config(transport(client_qlog));
    let mut client = endpoint(client_socket, None)?;
    client.set_default_client_config(client_config);

    let connections = if zero_rtt { 2 } else { 1 };
    let serving = tokio::spawn(serve(server.clone(), connections, zero_rtt));
    let mut accepted_0rtt = false;
    for index in 0..connections {
        let path = format!("/{}/{}", report.variant.name(), index + 1);
        accepted_0rtt = fetch(&client, addr, &path, zero_rtt && index > 0).await?;
        report.connections += 1;
    }
    client.wait_idle().await;
    match timeout(STEP_TIMEOUT, serving).await {
        Ok(Ok(result)) => result?,
        Ok(Err(_)) => return Err(("serving", "the server task panicked".into())),
        Err(_) => return Err(("serving", "the server did not finish in time".into())),
    }
    server.close(H3_NO_ERROR.into(), b"done");
    server.wait_idle().await;
    if zero_rtt {
        if accepted_0rtt {
            report.evidence.push("the server accepted the 0-RTT request".into());
        } else {
            report.miss("the server rejected 0-RTT, so the request was sent again after the handshake");
        }
    }
    Ok(())
}

/// One client connection: an HTTP/3 GET, its response read to the end. Returns whether the
/// request went out in 0-RTT and the server accepted it.
async fn fetch(client: &Endpoint, addr: SocketAddr, path: &str, zero_rtt: bool) -> Result<bool, Failure> {
    let connecting = client.connect(addr, SERVER_NAME).map_err(failed("connecting"))?;
    let (connection, early) = if zero_rtt {
        match connecting.into_0rtt() {
            Ok((connection, accepted)) => (connection, Some(accepted)),
            Err(_) => return Err(("resuming", "the first connection left no ticket allowing 0-RTT".into())),
        }
    } else {
        let connection = timeout(STEP_TIMEOUT, connecting)
            .await
            .map_err(timed_out("the QUIC handshake"))?
            .map_err(failed("the QUIC handshake"))?;
        (connection, None)
    };
    let sent = timeout(STEP_TIMEOUT, get(&connection, path)).await.map_err(timed_out("the HTTP/3 request"));
    let accepted = match early {
        // Resolves when the handshake completes; over a lossy link that may never happen.
        Some(accepted) => timeout(STEP_TIMEOUT, accepted).await.map_err(timed_out("the QUIC handshake"))?,
        None => false,
    };
    match sent {
        Ok(Ok(())) => {}
        // quinn fails the streams of rejected 0-RTT: ask again, now the handshake is done, as a
        // browser would (and the caller reports the rejection).
        Ok(Err(_)) if zero_rtt && !accepted => {
            timeout(STEP_TIMEOUT, get(&connection, path))
                .await
                .map_err(timed_out("the HTTP/3 request"))??;
        }
        Ok(Err(failure)) | Err(failure) => return Err(failure),
    }
    // H3_NO_ERROR (RFC 9114 section 8.1): the exchange is over.
    connection.close(H3_NO_ERROR.into(), b"done");
    Ok(accepted)
}

/// An HTTP/3 GET of `path` on its own HTTP/3 session, the response read to the end.
async fn get(connection: &quinn::Connection, path: &str) -> Result<(), Failure> {
    let (mut driver, mut send) = h3::client::builder()
        .send_grease(false)
        .build::<_, _, Bytes>(h3_quinn::Connection::new(connection.clone()))
        .await
        .map_err(failed("starting HTTP/3"))?;
    let drive = tokio::spawn(async move { poll_fn(|cx| driver.poll_close(cx)).await });
    let request = http::Request::get(format!("https://{SERVER_NAME}{path}"))
        .body(())
        .map_err(failed("building the request"))?;
    let mut stream = send.send_request(request).await.map_err(failed("sending the request"))?;
    stream.finish().await.map_err(failed("sending the request"))?;
    let response = stream.recv_response().await.map_err(failed("reading the response"))?;
    if response.status() != http::StatusCode::OK {
        return Err(("reading the response", format!("status {}", response.status())));
    }
    while let Some(mut chunk) = stream.recv_data().await.map_err(failed("reading the response"))? {
        chunk.advance(chunk.remaining());
    }
    drop(send);
    drive.abort();
    Ok(())
}

/// The server: answers one HTTP/3 request on each of `connections` connections. With
/// `zero_rtt` it reads 0-RTT requests and answers them before the handshake completes.
async fn serve(endpoint: Endpoint, connections: usize, zero_rtt: bool) -> Result<(), Failure> {
    for _ in 0..connections {
        let incoming = endpoint.accept().await.ok_or(("accepting", "the endpoint closed".to_string()))?;
        let connecting = incoming.accept().map_err(failed("accepting"))?;
        let connection = if zero_rtt {
            match connecting.into_0rtt() {
                Ok((connection, _)) => connection,
                Err(connecting) => connecting.await.map_err(failed("the QUIC handshake (server)"))?,
            }
        } else {
            connecting.await.map_err(failed("the QUIC handshake (server)"))?
        };
        let mut h3 = h3::server::builder()
            .send_grease(false)
            .build::<_, Bytes>(h3_quinn::Connection::new(connection.clone()))
            .await
            .map_err(failed("starting HTTP/3 (server)"))?;
        let resolver = h3
            .accept()
            .await
            .map_err(failed("accepting the request"))?
            .ok_or(("accepting the request", "the client sent none".to_string()))?;
        let (request, mut stream) =
            resolver.resolve_request().await.map_err(failed("reading the request"))?;
        let body = format!("hello from rttscope: you asked for {}\n", request.uri().path());
        let response = http::Response::builder()
            .status(http::StatusCode::OK)
            .header("content-type", "text/plain")
            .body(())
            .map_err(failed("building the response"))?;
        stream.send_response(response).await.map_err(failed("sending the response"))?;
        stream.send_data(Bytes::from(body)).await.map_err(failed("sending the response"))?;
        stream.finish().await.map_err(failed("sending the response"))?;
        // The client closes once it has read the response. Over a lossy link its
        // CONNECTION_CLOSE may be lost: the response went out, so stop waiting in time.
        let _ = timeout(STEP_TIMEOUT, connection.closed()).await;
    }
    Ok(())
}
