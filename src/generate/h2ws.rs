//! The WebSocket over HTTP/2 generators (issue 18, RFC 8441): `ws-h2` with HTTP/2 in the clear
//! (prior knowledge, no Upgrade) and `wss-h2` over TLS 1.3 (ALPN h2). HTTP/2 is the `h2`
//! crate's, as for `gen grpc`; the WebSocket frames are the `ws` generator's.
//!
//! The server's SETTINGS carry SETTINGS_ENABLE_CONNECT_PROTOCOL; the client waits for them
//! (RFC 8441 section 4: no extended CONNECT before), then opens a stream with a CONNECT whose
//! `:protocol` is `websocket`. The server answers 200 and the stream's DATA is the WebSocket
//! channel: a masked text message, its echo, then a close with code 1000 each way, each close
//! ending its side of the stream. The client checks the 200, the echo and the close, so a run
//! that is not WebSocket over HTTP/2 is an error.
//!
//! Over TLS the server's SETTINGS go after the client's Finished: tokio-rustls hands the
//! stream to HTTP/2 only once the handshake is complete, as Hypercorn does (one round more
//! than the textbook's 0.5-RTT SETTINGS; [`super::Variant::peer_rounds`]).

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ring::rand::{SecureRandom, SystemRandom};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::timeout;
use tokio_rustls::{TlsAcceptor, TlsConnector};

use super::cert::{Identity, SERVER_NAME};
use super::grpc::{accept_one, failed};
use super::tcp::{Failure, configure, connect, server_and_client};
use super::tls::{self, Setup, Version};
use super::websocket::{MESSAGE, close, send, take_frame};
use super::{GenError, Hosts, KeyLog, Report};
use crate::dissect::websocket::opcode;

/// The longest either peer waits for the other.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// HTTP's registered port.
const HTTP_PORT: u16 = 80;

/// How often the client looks whether the server's SETTINGS have come.
const SETTINGS_POLL: Duration = Duration::from_millis(1);

pub(super) fn run(
    report: &mut Report,
    hosts: &Hosts,
    over_tls: bool,
    keylog: &KeyLog,
) -> Result<(), GenError> {
    let variant = report.variant;
    let fail = |step: &'static str| move |detail: String| GenError::new(variant, step, detail);
    let configs = if over_tls {
        let setup = Setup { version: Version::Tls13, alpn: b"h2", early_data: false, quic: false };
        let identity = Identity::generate().map_err(|e| fail("making the certificate")(e.to_string()))?;
        let server = tls::server(&identity, setup, keylog)
            .map_err(|e| fail("configuring the server")(e.to_string()))?;
        let client = tls::client(&identity, setup, keylog)
            .map_err(|e| fail("configuring the client")(e.to_string()))?;
        Some((Arc::new(server), Arc::new(client)))
    } else {
        None
    };
    // In the clear on HTTP's port 80 where it is free (a namespace of its own, or an emulated
    // link's), where tshark reads HTTP/2 without being told; else on a port the kernel picks.
    let ports: &[u16] = if over_tls { &[0] } else { &[HTTP_PORT, 0] };
    let (listener, addr, socket) = server_and_client(report, hosts, ports)?;
    let path = format!("/{}", variant.name());
    let result = super::as_peer(format!("{variant} peers"), || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(failed("starting the async runtime"))?;
        runtime.block_on(async {
            let (server_config, client_config) = configs.unzip();
            let server = tokio::spawn(accept(listener, server_config));
            let called = open(socket, addr, client_config, &path).await;
            let served = server.await.map_err(failed("serving"))?;
            // The server's failure first: it is often why the client's step failed.
            served?;
            called
        })
    });
    let echo =
        result.and_then(|result| result).map_err(|(step, detail)| GenError::new(variant, step, detail))?;
    report.connections += 1;
    report.evidence.push(format!(
        "the server's SETTINGS enabled the extended CONNECT, its 200 opened the WebSocket stream, \
         and it echoed the text message ({} bytes) over HTTP/2",
        echo.len()
    ));
    Ok(())
}

/// The client's side: connect, TLS if configured, then [`exchange`].
async fn open(
    socket: socket2::Socket,
    addr: SocketAddr,
    config: Option<Arc<rustls::ClientConfig>>,
    path: &str,
) -> Result<Vec<u8>, Failure> {
    let stream = connect(socket, addr, false)?;
    configure(&stream).map_err(failed("connecting"))?;
    stream.set_nonblocking(true).map_err(failed("connecting"))?;
    let stream = tokio::net::TcpStream::from_std(stream).map_err(failed("connecting"))?;
    let Some(config) = config else { return exchange(stream, "http", path).await };
    let name = ServerName::try_from(SERVER_NAME).map_err(failed("configuring the client"))?;
    let tls = timeout(STEP_TIMEOUT, TlsConnector::from(config).connect(name, stream))
        .await
        .map_err(failed("the TLS handshake"))?
        .map_err(failed("the TLS handshake"))?;
    exchange(tls, "https", path).await
}

/// HTTP/2, the extended CONNECT once the server allows it, one message and its echo, the
/// close; returns the echo.
async fn exchange<T>(io: T, scheme: &str, path: &str) -> Result<Vec<u8>, Failure>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut client, connection) = h2::client::handshake(io).await.map_err(failed("starting HTTP/2"))?;
    let driver = tokio::spawn(connection);
    let allowed = async {
        while !client.is_extended_connect_protocol_enabled() {
            tokio::time::sleep(SETTINGS_POLL).await;
        }
    };
    timeout(STEP_TIMEOUT, allowed).await.map_err(failed("waiting for SETTINGS_ENABLE_CONNECT_PROTOCOL"))?;
    let mut request = http::Request::builder()
        .method(http::Method::CONNECT)
        .uri(format!("{scheme}://{SERVER_NAME}{path}"))
        .header("sec-websocket-version", "13")
        .header("user-agent", "rttscope-gen")
        .body(())
        .map_err(failed("making the CONNECT"))?;
    request.extensions_mut().insert(h2::ext::Protocol::from_static("websocket"));
    client = client.ready().await.map_err(failed("waiting for a stream"))?;
    let (response, mut stream) =
        client.send_request(request, false).map_err(failed("sending the CONNECT"))?;
    let response = timeout(STEP_TIMEOUT, response)
        .await
        .map_err(failed("reading the 200"))?
        .map_err(failed("reading the 200"))?;
    if response.status() != http::StatusCode::OK {
        return Err(("reading the 200", format!("the server answered {}", response.status())));
    }
    let mut body = response.into_body();
    let mut buffer = Vec::new();
    let random = SystemRandom::new();
    let mut mask = [0u8; 4];
    random.fill(&mut mask).map_err(|_| ("making the mask", "no randomness".to_owned()))?;
    let mut frame = Vec::new();
    send(&mut frame, opcode::TEXT, MESSAGE.as_bytes(), Some(mask)).map_err(failed("sending the message"))?;
    stream.send_data(Bytes::from(frame), false).map_err(failed("sending the message"))?;
    let (code, echo) =
        next_frame(&mut body, &mut buffer).await.map_err(|detail| ("reading the echo", detail))?;
    if code != opcode::TEXT || echo != MESSAGE.as_bytes() {
        return Err(("reading the echo", format!("opcode {code}, {} bytes: not the message", echo.len())));
    }
    random.fill(&mut mask).map_err(|_| ("making the mask", "no randomness".to_owned()))?;
    let mut frame = Vec::new();
    send(&mut frame, opcode::CLOSE, &close(1000), Some(mask)).map_err(failed("closing"))?;
    stream.send_data(Bytes::from(frame), true).map_err(failed("closing"))?;
    let (code, _) =
        next_frame(&mut body, &mut buffer).await.map_err(|detail| ("reading the close", detail))?;
    if code != opcode::CLOSE {
        return Err(("reading the close", format!("opcode {code} where a close was due")));
    }
    drop((client, stream, body));
    let _ = timeout(STEP_TIMEOUT, driver).await;
    Ok(echo)
}

/// The next WebSocket frame of a stream's DATA, unmasked.
async fn next_frame(body: &mut h2::RecvStream, buffer: &mut Vec<u8>) -> Result<(u8, Vec<u8>), String> {
    loop {
        if let Some(frame) = take_frame(buffer).map_err(|error| error.to_string())? {
            return Ok(frame);
        }
        let chunk = timeout(STEP_TIMEOUT, body.data())
            .await
            .map_err(|_| format!("no answer within {} s", STEP_TIMEOUT.as_secs()))?
            .ok_or("the stream ended")?
            .map_err(|error| error.to_string())?;
        let _ = body.flow_control().release_capacity(chunk.len());
        buffer.extend_from_slice(&chunk);
    }
}

/// The server's side: one connection, TLS if configured, then [`serve`].
async fn accept(listener: TcpListener, config: Option<Arc<rustls::ServerConfig>>) -> Result<(), Failure> {
    let stream = accept_one(listener).await?;
    let Some(config) = config else { return serve(stream).await };
    let tls = timeout(STEP_TIMEOUT, TlsAcceptor::from(config).accept(stream))
        .await
        .map_err(failed("the server's TLS handshake"))?
        .map_err(failed("the server's TLS handshake"))?;
    serve(tls).await
}

/// HTTP/2 with SETTINGS_ENABLE_CONNECT_PROTOCOL; each stream answered by [`answer`] until the
/// client ends the connection.
async fn serve<T>(io: T) -> Result<(), Failure>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut connection = h2::server::Builder::new()
        .enable_connect_protocol()
        .handshake(io)
        .await
        .map_err(failed("the server's HTTP/2 start"))?;
    let mut answers = Vec::new();
    while let Some(accepted) =
        timeout(STEP_TIMEOUT, connection.accept()).await.map_err(failed("waiting for a CONNECT"))?
    {
        let (request, respond) = accepted.map_err(failed("accepting a stream"))?;
        answers.push(tokio::spawn(answer(request, respond)));
    }
    if answers.is_empty() {
        return Err(("waiting for a CONNECT", "the client opened no stream".to_owned()));
    }
    for answered in answers {
        answered.await.map_err(failed("answering"))??;
    }
    Ok(())
}

/// One stream: a 200 to an extended CONNECT for websocket (anything else is refused with
/// 400), then echoes until the client's close, which is answered with a close that ends
/// the stream.
async fn answer(
    request: http::Request<h2::RecvStream>,
    mut respond: h2::server::SendResponse<Bytes>,
) -> Result<(), Failure> {
    let websocket = request.method() == http::Method::CONNECT
        && request.extensions().get::<h2::ext::Protocol>().is_some_and(|p| p.as_str() == "websocket");
    let status = if websocket { 200 } else { 400 };
    let response =
        http::Response::builder().status(status).body(()).map_err(failed("making the response"))?;
    let mut stream = respond.send_response(response, !websocket).map_err(failed("answering the CONNECT"))?;
    if !websocket {
        return Err(("answering the CONNECT", format!("{} without :protocol websocket", request.method())));
    }
    let mut body = request.into_body();
    let mut buffer = Vec::new();
    loop {
        let (code, payload) =
            next_frame(&mut body, &mut buffer).await.map_err(|detail| ("reading a message", detail))?;
        let (reply, end) = match code {
            opcode::CLOSE => (opcode::CLOSE, true),
            opcode::PING => (opcode::PONG, false),
            opcode::TEXT | opcode::BINARY => (code, false),
            _ => continue,
        };
        let mut frame = Vec::new();
        send(&mut frame, reply, &payload, None).map_err(failed("echoing"))?;
        stream.send_data(Bytes::from(frame), end).map_err(failed("echoing"))?;
        if end {
            return Ok(());
        }
    }
}
