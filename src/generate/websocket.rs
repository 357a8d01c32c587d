//! The WebSocket generators (issue 18): `ws` over TCP and `wss` over TLS 1.3 (rustls), a
//! client and a server that speak RFC 6455 themselves. The client sends an HTTP/1.1 Upgrade
//! with a random Sec-WebSocket-Key, the server answers 101 Switching Protocols with its
//! Sec-WebSocket-Accept, the client sends a masked text message and the server echoes it, then
//! both close with code 1000.
//!
//! The handshake and framing are written here rather than taken from a crate: they are a few
//! lines over the TCP and TLS generators already in the tree (SHA-1 from ring, which the
//! project already builds), where tokio-tungstenite would add a dependency tree to every
//! build. The frames are read back with the dissector's own parser, and the client checks the
//! server's accept value, so a run that does not switch to WebSocket is an error, not a
//! silent HTTP exchange.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

use ring::rand::{SecureRandom, SystemRandom};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, ServerConfig, ServerConnection, StreamOwned};

use super::cert::{Identity, SERVER_NAME};
use super::tcp::{Failure, accept, configure, connect, failed, server_and_client, tls_failed};
use super::tls::{self, Setup, Version};
use super::{GenError, Hosts, KeyLog, Report};
use crate::dissect::http1;
use crate::dissect::websocket::{self, opcode};

/// RFC 6455 section 1.3: the GUID the server appends to the client's key.
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The message the client sends and the server echoes.
pub(super) const MESSAGE: &str = "hello from rttscope over WebSocket";

/// The longest head or frame either side reads.
const MAX_READ: usize = 64 * 1024;

pub(super) fn run(
    report: &mut Report,
    hosts: &Hosts,
    over_tls: bool,
    keylog: &KeyLog,
) -> Result<(), GenError> {
    let variant = report.variant;
    let fail = |step: &'static str| move |detail: String| GenError::new(variant, step, detail);
    let setup = Setup { version: Version::Tls13, alpn: b"http/1.1", early_data: false, quic: false };
    let (server_config, client_config) = if over_tls {
        let identity = Identity::generate().map_err(|e| fail("making the certificate")(e.to_string()))?;
        let server = tls::server(&identity, setup, keylog)
            .map_err(|e| fail("configuring the server")(e.to_string()))?;
        let client = tls::client(&identity, setup, keylog)
            .map_err(|e| fail("configuring the client")(e.to_string()))?;
        (Some(Arc::new(server)), Some(Arc::new(client)))
    } else {
        (None, None)
    };
    let (listener, addr, socket) = server_and_client(report, hosts, &[0])?;
    let server = thread::Builder::new()
        .name(format!("{variant} server"))
        .spawn(move || {
            super::drop_privileges().map_err(|detail| ("dropping privileges (server)", detail))?;
            serve(&listener, server_config)
        })
        .map_err(|e| fail("starting the server")(e.to_string()))?;
    let path = format!("/{}", variant.name());
    let exchanged =
        super::as_peer(format!("{variant} client"), || exchange(socket, addr, &path, client_config))
            .and_then(|exchanged| exchanged);
    let served = server.join();
    let echo = both_ended(variant, exchanged, served)?;
    report.connections += 1;
    report.evidence.push(format!(
        "the server answered the Upgrade with 101 Switching Protocols and the right \
         Sec-WebSocket-Accept, and echoed the text message ({} bytes)",
        echo.len()
    ));
    Ok(())
}

/// What a client on a peer thread and a server on a thread of its own came to: the client's
/// result when both ended well, else the step that failed (the client's, with the server's
/// failure beside it when there was one, as it is often why).
pub(super) fn both_ended<T>(
    variant: super::Variant,
    called: Result<T, Failure>,
    served: thread::Result<Result<(), Failure>>,
) -> Result<T, GenError> {
    match (called, served) {
        (Ok(value), Ok(Ok(()))) => Ok(value),
        (Err((step, detail)), served) => {
            let detail = match served {
                Ok(Err((server_step, server_detail))) => {
                    format!("{detail} (the server: {server_step} failed: {server_detail})")
                }
                _ => detail,
            };
            Err(GenError::new(variant, step, detail))
        }
        (_, Ok(Err((step, detail)))) => Err(GenError::new(variant, step, format!("the server: {detail}"))),
        (_, Err(_)) => Err(GenError::new(variant, "serving", "the server thread panicked")),
    }
}

/// The client's side: connect, the Upgrade, one message and its echo, the close.
fn exchange(
    socket: socket2::Socket,
    addr: SocketAddr,
    path: &str,
    config: Option<Arc<ClientConfig>>,
) -> Result<Vec<u8>, Failure> {
    let stream = connect(socket, addr, false)?;
    configure(&stream).map_err(failed("connecting"))?;
    match config {
        None => {
            let mut stream = stream;
            let echo = client_side(&mut stream, path)?;
            let _ = stream.shutdown(Shutdown::Write);
            let _ = io::copy(&mut stream, &mut io::sink());
            Ok(echo)
        }
        Some(config) => {
            let name =
                ServerName::try_from(SERVER_NAME).map_err(|e| ("configuring the client", e.to_string()))?;
            let conn = ClientConnection::new(config, name).map_err(tls_failed("starting the TLS client"))?;
            let mut tls = StreamOwned::new(conn, stream);
            let echo = client_side(&mut tls, path)?;
            tls.conn.send_close_notify();
            let _ = tls.flush();
            let _ = tls.sock.shutdown(Shutdown::Write);
            let _ = io::copy(&mut tls.sock, &mut io::sink());
            Ok(echo)
        }
    }
}

fn client_side(stream: &mut (impl Read + Write), path: &str) -> Result<Vec<u8>, Failure> {
    let random = SystemRandom::new();
    let mut nonce = [0u8; 16];
    random.fill(&mut nonce).map_err(|_| ("making the key", "no randomness".to_owned()))?;
    let key = base64(&nonce);
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {SERVER_NAME}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nUser-Agent: rttscope-gen\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).map_err(failed("sending the Upgrade"))?;
    stream.flush().map_err(failed("sending the Upgrade"))?;
    let mut buffer = Vec::new();
    let head = read_head(stream, &mut buffer).map_err(failed("reading the 101"))?;
    let (_, response) = http1::parse(&head).map_err(|e| ("reading the 101", e.to_string()))?;
    if response.status() != Some(101) {
        return Err(("reading the 101", format!("the server answered {:?}", response.status())));
    }
    let accepted = response.header("sec-websocket-accept").unwrap_or_default();
    if accepted != accept_value(&key).as_bytes() {
        return Err(("reading the 101", "Sec-WebSocket-Accept is not the key's".to_owned()));
    }
    let mut mask = [0u8; 4];
    random.fill(&mut mask).map_err(|_| ("making the mask", "no randomness".to_owned()))?;
    send(stream, opcode::TEXT, MESSAGE.as_bytes(), Some(mask)).map_err(failed("sending the message"))?;
    let (code, echo) = receive(stream, &mut buffer).map_err(failed("reading the echo"))?;
    if code != opcode::TEXT || echo != MESSAGE.as_bytes() {
        return Err(("reading the echo", format!("opcode {code}, {} bytes: not the message", echo.len())));
    }
    random.fill(&mut mask).map_err(|_| ("making the mask", "no randomness".to_owned()))?;
    send(stream, opcode::CLOSE, &close(1000), Some(mask)).map_err(failed("closing"))?;
    let (code, _) = receive(stream, &mut buffer).map_err(failed("reading the close"))?;
    if code != opcode::CLOSE {
        return Err(("reading the close", format!("opcode {code} where a close was due")));
    }
    Ok(echo)
}

/// The server: one connection, the 101, echoes until the client closes.
fn serve(listener: &TcpListener, config: Option<Arc<ServerConfig>>) -> Result<(), Failure> {
    let stream = accept(listener).map_err(failed("accepting a connection"))?;
    configure(&stream).map_err(failed("accepting a connection"))?;
    match config {
        None => {
            let mut stream = stream;
            server_side(&mut stream)?;
            close_tcp(stream);
        }
        Some(config) => {
            let conn = ServerConnection::new(config).map_err(tls_failed("starting the TLS server"))?;
            let mut tls = StreamOwned::new(conn, stream);
            server_side(&mut tls)?;
            tls.conn.send_close_notify();
            let _ = tls.flush();
            close_tcp(tls.sock);
        }
    }
    Ok(())
}

/// Closes our side, then waits for the client's FIN, so the connection ends cleanly.
fn close_tcp(mut stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = io::copy(&mut stream, &mut io::sink());
}

fn server_side(stream: &mut (impl Read + Write)) -> Result<(), Failure> {
    let mut buffer = Vec::new();
    let head = read_head(stream, &mut buffer).map_err(failed("reading the Upgrade"))?;
    let (_, request) = http1::parse(&head).map_err(|e| ("reading the Upgrade", e.to_string()))?;
    let key = request.header("sec-websocket-key").unwrap_or_default();
    let key = String::from_utf8_lossy(key.trim_ascii()).into_owned();
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        accept_value(&key)
    );
    stream.write_all(response.as_bytes()).map_err(failed("sending the 101"))?;
    stream.flush().map_err(failed("sending the 101"))?;
    loop {
        let (code, payload) = receive(stream, &mut buffer).map_err(failed("reading a message"))?;
        match code {
            opcode::CLOSE => {
                send(stream, opcode::CLOSE, &payload, None).map_err(failed("closing"))?;
                return Ok(());
            }
            opcode::PING => send(stream, opcode::PONG, &payload, None).map_err(failed("answering a ping"))?,
            opcode::TEXT | opcode::BINARY => send(stream, code, &payload, None).map_err(failed("echoing"))?,
            _ => {}
        }
    }
}

/// RFC 6455 section 4.2.2: base64 of the SHA-1 of the key and the GUID.
fn accept_value(key: &str) -> String {
    let digest =
        ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, format!("{key}{GUID}").as_bytes());
    base64(digest.as_ref())
}

/// A close frame's payload: the status code, then the reason "bye".
pub(super) fn close(code: u16) -> Vec<u8> {
    [&code.to_be_bytes()[..], b"bye"].concat()
}

/// Writes one frame with FIN set: masked with `mask` (a client's), or not (a server's).
pub(super) fn send(
    stream: &mut impl Write,
    code: u8,
    payload: &[u8],
    mask: Option<[u8; 4]>,
) -> io::Result<()> {
    let mut frame = vec![0x80 | code];
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        len @ 0..=125 => frame.push(mask_bit | len as u8),
        len @ 126..=0xffff => {
            frame.push(mask_bit | 126);
            frame.extend((len as u16).to_be_bytes());
        }
        len => {
            frame.push(mask_bit | 127);
            frame.extend((len as u64).to_be_bytes());
        }
    }
    let start = frame.len();
    if let Some(key) = mask {
        frame.extend(key);
        frame.extend(payload);
        websocket::unmask(&mut frame[start + 4..], key);
    } else {
        frame.extend(payload);
    }
    stream.write_all(&frame)?;
    stream.flush()
}

/// Reads one whole frame (the dissector's parser says where it ends), unmasked.
fn receive(stream: &mut impl Read, buffer: &mut Vec<u8>) -> io::Result<(u8, Vec<u8>)> {
    loop {
        if let Some(frame) = take_frame(buffer)? {
            return Ok(frame);
        }
        read_more(stream, buffer)?;
    }
}

/// Takes the first frame off `buffer` once it is whole, unmasked: its opcode and payload.
pub(super) fn take_frame(buffer: &mut Vec<u8>) -> io::Result<Option<(u8, Vec<u8>)>> {
    let parsed = websocket::parse_header(buffer);
    if let Err(nom::Err::Error(crate::dissect::error::Error::Malformed(reason))) = &parsed {
        return Err(io::Error::new(io::ErrorKind::InvalidData, reason.to_string()));
    }
    let Ok((_, header)) = parsed else { return Ok(None) };
    let total = header.len.saturating_add(usize::try_from(header.payload_len).unwrap_or(usize::MAX));
    if total > MAX_READ {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "a frame over 64 KiB"));
    }
    if buffer.len() < total {
        return Ok(None);
    }
    let mut payload = buffer[header.len..total].to_vec();
    if let Some(key) = header.masking_key {
        websocket::unmask(&mut payload, key);
    }
    buffer.drain(..total);
    Ok(Some((header.opcode, payload)))
}

/// Reads until a head ends; returns it and leaves what follows in `buffer`.
fn read_head(stream: &mut impl Read, buffer: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    loop {
        if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            let head: Vec<u8> = buffer.drain(..end + 4).collect();
            return Ok(head);
        }
        if buffer.len() > MAX_READ {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "a head over 64 KiB"));
        }
        read_more(stream, buffer)?;
    }
}

fn read_more(stream: &mut impl Read, buffer: &mut Vec<u8>) -> io::Result<()> {
    let mut chunk = [0u8; 4096];
    let read = stream.read(&mut chunk)?;
    if read == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the peer closed"));
    }
    buffer.extend_from_slice(&chunk[..read]);
    Ok(())
}

/// Standard base64 with padding (RFC 4648 section 4).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let word =
            chunk.iter().enumerate().fold(0u32, |word, (at, byte)| word | u32::from(*byte) << (16 - 8 * at));
        for at in 0..4 {
            if at <= chunk.len() {
                out.push(char::from(ALPHABET[(word >> (18 - 6 * at) & 0x3f) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_accept_value_is_rfc_6455s_example() {
        // RFC 6455 section 1.3.
        assert_eq!(accept_value("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert_eq!(base64(b"the sample nonce"), "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }

    #[test]
    fn a_frame_sent_is_received_whole_and_unmasked() {
        let mut wire = Vec::new();
        send(&mut wire, opcode::TEXT, &[b'x'; 300], Some([1, 2, 3, 4])).expect("written");
        assert_eq!(&wire[..2], [0x81, 0xfe], "FIN, text, masked, a 16-bit length");
        let (code, payload) = receive(&mut wire.as_slice(), &mut Vec::new()).expect("a frame");
        assert_eq!((code, payload), (opcode::TEXT, vec![b'x'; 300]));
    }
}
