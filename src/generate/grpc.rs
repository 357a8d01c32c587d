//! The gRPC generator (issue 18): a client and a server speaking gRPC over HTTP/2 over TLS 1.3
//! (ALPN h2), HTTP/2 from the `h2` crate over rustls (through tokio-rustls), the secrets
//! appended to the key log. The client makes a unary call and a server-streaming call on one
//! connection; each message is a length-prefixed Protocol Buffers message written here
//! (gRPC's framing is five bytes), and the server ends each call with `grpc-status: 0`.
//!
//! h2 rather than tonic: tonic brings hyper, tower and axum (27 crates) to every build, h2
//! and tokio-rustls 4. The client checks what it got back (the messages, read with the
//! dissector's own parsers, and the status), so a run that is not a gRPC exchange is an error.
//! The sockets are made in their namespaces first; the peers then run on one thread that
//! holds no privilege.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use bytes::Bytes;
use rustls::pki_types::ServerName;
use tokio::time::timeout;
use tokio_rustls::{TlsAcceptor, TlsConnector};

use super::cert::{Identity, SERVER_NAME};
use super::tcp::{Failure, configure, connect, server_and_client};
use super::tls::{self, Setup, Version};
use super::{GenError, Hosts, KeyLog, Report};
use crate::dissect::{grpc, protobuf};

/// The service and its two methods.
const UNARY: &str = "/rttscope.Echo/Unary";
const SERVER_STREAM: &str = "/rttscope.Echo/ServerStream";

/// How many messages the server-streaming call answers with.
const STREAMED: u64 = 3;

/// The longest either peer waits for the other.
const STEP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A message: field 1 the sequence number (varint), field 2 a greeting (length-delimited).
fn message(seq: u64, text: &str) -> Vec<u8> {
    let body = [&[0x08, seq as u8 & 0x7f, 0x12, text.len() as u8][..], text.as_bytes()].concat();
    let mut framed = vec![0u8];
    framed.extend_from_slice(&(body.len() as u32).to_be_bytes());
    framed.extend_from_slice(&body);
    framed
}

/// The messages of a body, read with the dissector's parsers: each one's field-1 number.
fn read_messages(body: &[u8]) -> Result<Vec<u64>, String> {
    let mut rest = body;
    let mut seqs = Vec::new();
    while !rest.is_empty() {
        let (_, length) = grpc::parse_prefix(rest).ok_or("a message prefix cut short")?;
        let end = grpc::PREFIX_LEN + length as usize;
        let message = rest.get(grpc::PREFIX_LEN..end).ok_or("a message cut short")?;
        let first =
            protobuf::fields(message).next().ok_or("an empty message")?.map_err(|stop| stop.to_string())?;
        seqs.push(first.number_value);
        rest = &rest[end..];
    }
    Ok(seqs)
}

pub(super) fn failed<E: std::fmt::Display>(step: &'static str) -> impl Fn(E) -> Failure {
    move |error| (step, error.to_string())
}

pub(super) fn run(report: &mut Report, hosts: &Hosts, keylog: &KeyLog) -> Result<(), GenError> {
    let variant = report.variant;
    let fail = |step: &'static str| move |detail: String| GenError::new(variant, step, detail);
    let setup = Setup { version: Version::Tls13, alpn: b"h2", early_data: false, quic: false };
    let identity = Identity::generate().map_err(|e| fail("making the certificate")(e.to_string()))?;
    let server_config =
        tls::server(&identity, setup, keylog).map_err(|e| fail("configuring the server")(e.to_string()))?;
    let client_config =
        tls::client(&identity, setup, keylog).map_err(|e| fail("configuring the client")(e.to_string()))?;
    let (listener, addr, socket) = server_and_client(report, hosts, &[0])?;
    let result = super::as_peer(format!("{variant} peers"), || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(failed("starting the async runtime"))?;
        runtime.block_on(async {
            let server = tokio::spawn(serve(listener, Arc::new(server_config)));
            let called = call(socket, addr, Arc::new(client_config)).await;
            let served = server.await.map_err(failed("serving"))?;
            let called = called?;
            served?;
            Ok::<_, Failure>(called)
        })
    });
    let (unary, streamed) =
        result.and_then(|result| result).map_err(|(step, detail)| GenError::new(variant, step, detail))?;
    report.connections += 1;
    report.evidence.push(format!(
        "over h2 (ALPN), {UNARY} answered message {unary:?} and {SERVER_STREAM} messages {streamed:?}, \
         each call ending with grpc-status 0"
    ));
    Ok(())
}

/// The client's side: TLS, HTTP/2, the unary call, then the server-streaming call.
async fn call(
    socket: socket2::Socket,
    addr: SocketAddr,
    config: Arc<rustls::ClientConfig>,
) -> Result<(Vec<u64>, Vec<u64>), Failure> {
    let stream = connect(socket, addr, false)?;
    configure(&stream).map_err(failed("connecting"))?;
    stream.set_nonblocking(true).map_err(failed("connecting"))?;
    let stream = tokio::net::TcpStream::from_std(stream).map_err(failed("connecting"))?;
    let name = ServerName::try_from(SERVER_NAME).map_err(failed("configuring the client"))?;
    let tls = timeout(STEP_TIMEOUT, TlsConnector::from(config).connect(name, stream))
        .await
        .map_err(failed("the TLS handshake"))?
        .map_err(failed("the TLS handshake"))?;
    let (mut client, connection) = h2::client::handshake(tls).await.map_err(failed("starting HTTP/2"))?;
    let driver = tokio::spawn(connection);
    let unary =
        timeout(STEP_TIMEOUT, one_call(&mut client, UNARY)).await.map_err(failed("the unary call"))??;
    let streamed = timeout(STEP_TIMEOUT, one_call(&mut client, SERVER_STREAM))
        .await
        .map_err(failed("the streaming call"))??;
    drop(client);
    let _ = timeout(STEP_TIMEOUT, driver).await;
    if unary != [1] || streamed != (0..STREAMED).collect::<Vec<_>>() {
        return Err(("checking the answers", format!("unary {unary:?}, streamed {streamed:?}")));
    }
    Ok((unary, streamed))
}

/// One call: the request's headers and message, then the response's messages and status.
async fn one_call(client: &mut h2::client::SendRequest<Bytes>, path: &str) -> Result<Vec<u64>, Failure> {
    let request = http::Request::post(format!("https://{SERVER_NAME}{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .map_err(failed("making the request"))?;
    let ready = client.clone().ready().await.map_err(failed("waiting for a stream"))?;
    *client = ready;
    let (response, mut send) = client.send_request(request, false).map_err(failed("sending the request"))?;
    send.send_data(Bytes::from(message(9, "hello from rttscope")), true)
        .map_err(failed("sending the message"))?;
    let response = response.await.map_err(failed("reading the response"))?;
    let mut body = response.into_body();
    let mut data = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.map_err(failed("reading the response"))?;
        let _ = body.flow_control().release_capacity(chunk.len());
        data.extend_from_slice(&chunk);
    }
    let trailers = body.trailers().await.map_err(failed("reading the trailers"))?;
    let status = trailers.as_ref().and_then(|trailers| trailers.get("grpc-status"));
    if status.map(|value| value.as_bytes()) != Some(b"0") {
        return Err(("reading the trailers", format!("{path}: grpc-status {status:?}")));
    }
    read_messages(&data).map_err(|detail| ("reading the messages", detail))
}

/// Accepts one connection on `listener`, under tokio, within [`STEP_TIMEOUT`].
pub(super) async fn accept_one(listener: TcpListener) -> Result<tokio::net::TcpStream, Failure> {
    listener.set_nonblocking(true).map_err(failed("accepting"))?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(failed("accepting"))?;
    let (stream, _) = timeout(STEP_TIMEOUT, listener.accept())
        .await
        .map_err(failed("accepting"))?
        .map_err(failed("accepting"))?;
    // Each TLS record on its own segment as soon as it is written: Nagle's algorithm would
    // hold the SETTINGS back for a delayed ACK and send them with the response.
    stream.set_nodelay(true).map_err(failed("accepting"))?;
    Ok(stream)
}

/// The server's side: one connection, each call answered, then the end of the connection.
async fn serve(listener: TcpListener, config: Arc<rustls::ServerConfig>) -> Result<(), Failure> {
    let stream = accept_one(listener).await?;
    let tls = timeout(STEP_TIMEOUT, TlsAcceptor::from(config).accept(stream))
        .await
        .map_err(failed("the server's TLS handshake"))?
        .map_err(failed("the server's TLS handshake"))?;
    let mut connection = h2::server::handshake(tls).await.map_err(failed("the server's HTTP/2 start"))?;
    while let Some(accepted) =
        timeout(STEP_TIMEOUT, connection.accept()).await.map_err(failed("waiting for a call"))?
    {
        let (request, respond) = accepted.map_err(failed("accepting a call"))?;
        tokio::spawn(answer(request, respond));
    }
    Ok(())
}

/// Answers one call: one message for the unary method, [`STREAMED`] for the streaming one,
/// then `grpc-status: 0` in the trailers.
async fn answer(
    request: http::Request<h2::RecvStream>,
    mut respond: h2::server::SendResponse<Bytes>,
) -> Result<(), Failure> {
    let path = request.uri().path().to_owned();
    let mut body = request.into_body();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.map_err(failed("reading a call"))?;
        let _ = body.flow_control().release_capacity(chunk.len());
    }
    let response = http::Response::builder()
        .status(200)
        .header("content-type", "application/grpc")
        .body(())
        .map_err(failed("making the response"))?;
    let mut send = respond.send_response(response, false).map_err(failed("answering a call"))?;
    let count = if path == SERVER_STREAM { STREAMED } else { 1 };
    let first = if path == SERVER_STREAM { 0 } else { 1 };
    for seq in first..first + count {
        send.send_data(Bytes::from(message(seq, "hello from the server")), false)
            .map_err(failed("answering a call"))?;
    }
    let mut trailers = http::HeaderMap::new();
    trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
    send.send_trailers(trailers).map_err(failed("ending a call"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_framed_and_read_back() {
        let body = [message(0, "a"), message(2, "bc")].concat();
        // flag 0, length 5, then field 1 = 0 and field 2 = "a"
        assert_eq!(&body[..10], &[0, 0, 0, 0, 5, 0x08, 0, 0x12, 1, b'a']);
        assert_eq!(read_messages(&body), Ok(vec![0, 2]));
        assert!(read_messages(&body[..body.len() - 1]).is_err());
    }
}
