//! The DTLS 1.3 generator (issue 18): a client and a server in-process, the `dimpl` crate's
//! Sans-IO state machines (RFC 9147) on its RustCrypto provider, over two UDP sockets. Debian's
//! OpenSSL and GnuTLS have no DTLS 1.3; wolfSSL's (the interop capture's peer) is C built from
//! source. The server answers the first ClientHello (no cookie exchange, the textbook's
//! DTLS 1.3); the client sends one line with its Finished's flight and waits for the echo,
//! then both send close_notify.
//!
//! The key log: dimpl has none, so the client's configuration carries a provider whose HMAC is
//! RustCrypto's and which also notes what it computes for the four HKDF-Expand-Label calls
//! that make the traffic secrets (label prefix "dtls13", RFC 9147 section 5.9). Each is
//! written to the run's key log under its NSS name and the client random read from the
//! client's first ClientHello, as soon as it is made: the secrets the two peers really used,
//! which rttscope and tshark then read.

use std::cell::RefCell;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use dimpl::crypto::{CryptoProvider, HashAlgorithm, HmacProvider, rust_crypto};
use dimpl::{Config, CryptoError, Dtls, DtlsCertificate, Output};
use rustls::KeyLog as _;

use super::cert::Identity;
use super::tcp::Failure;
use super::{Flow, GenError, Hosts, KeyLog, Report, STEP_TIMEOUT};

/// The port Wireshark (and rttscope) read DTLS on.
const DTLS_PORT: u16 = 4433;

/// What the client sends, and the server echoes.
const LINE: &[u8] = b"hello from rttscope's DTLS 1.3 client";

/// The largest datagram either side reads.
const MAX_DATAGRAM: usize = 65_535;

pub(super) fn run(report: &mut Report, hosts: &Hosts, keylog: &KeyLog) -> Result<(), GenError> {
    let variant = report.variant;
    let fail = |step: &'static str| move |detail: String| GenError::new(variant, step, detail);
    let client_config = config(true).map_err(fail("configuring the client"))?;
    let server_config = config(false).map_err(fail("configuring the server"))?;
    let server_identity = identity().map_err(fail("making the certificate"))?;
    let client_identity = identity().map_err(fail("making the certificate"))?;
    // DTLS's own port where it is free, else one the kernel picks.
    let server = hosts
        .server
        .enter(|| {
            UdpSocket::bind(SocketAddr::new(hosts.server.addr, DTLS_PORT))
                .or_else(|_| UdpSocket::bind(SocketAddr::new(hosts.server.addr, 0)))
        })
        .and_then(|bound| bound)
        .map_err(|e| fail("binding the server")(e.to_string()))?;
    let addr = server.local_addr().map_err(|e| fail("binding the server")(e.to_string()))?;
    report.flows.push(Flow::Udp(addr.port()));
    let client = hosts
        .client
        .enter(|| UdpSocket::bind(SocketAddr::new(hosts.client.addr, 0)))
        .and_then(|bound| bound)
        .map_err(|e| fail("binding the client")(e.to_string()))?;
    let started = Instant::now();
    let serving = thread::Builder::new()
        .name(format!("{variant} server"))
        .spawn(move || {
            super::drop_privileges().map_err(|detail| ("dropping privileges (server)", detail))?;
            let dtls = Dtls::new_13(server_config, server_identity, started);
            serve(Peer::new(dtls, server, None))
        })
        .map_err(|e| fail("starting the server")(e.to_string()))?;
    let keys = keylog.clone();
    let called = super::as_peer(format!("{variant} client"), move || {
        let mut dtls = Dtls::new_13(client_config, client_identity, Instant::now());
        dtls.set_active(true);
        call(Peer::new(dtls, client, Some(addr)), &keys)
    })
    .and_then(|called| called);
    let served = serving.join();
    super::websocket::both_ended(variant, called, served)?;
    report.connections += 1;
    report.evidence.push(format!(
        "DTLS 1.3 without a cookie exchange: the client's line ({} bytes) went with its Finished's \
         flight and came back, then both sent close_notify",
        LINE.len()
    ));
    Ok(())
}

/// A fresh ECDSA P-256 identity, as dimpl takes it.
fn identity() -> Result<DtlsCertificate, String> {
    let identity = Identity::generate().map_err(|error| error.to_string())?;
    let key = identity.key();
    Ok(DtlsCertificate { certificate: identity.cert.to_vec(), private_key: key.secret_der().to_vec() })
}

/// dimpl's configuration: RustCrypto, no cookie exchange and no client certificate asked for;
/// the client's HMAC notes the traffic secrets.
fn config(client: bool) -> Result<Arc<Config>, String> {
    let mut provider = rust_crypto::default_provider();
    if client {
        provider = CryptoProvider { hmac_provider: &NOTING_HMAC, ..provider };
    }
    Config::builder()
        .use_server_cookie(false)
        .require_client_certificate(false)
        .handshake_timeout(STEP_TIMEOUT)
        .with_crypto_provider(provider)
        .build()
        .map(Arc::new)
        .map_err(|error| error.to_string())
}

/// RustCrypto's HMAC, noting the traffic secrets it makes on this thread ([`traffic_label`]).
#[derive(Debug)]
struct NotingHmac;

static NOTING_HMAC: NotingHmac = NotingHmac;

thread_local! {
    /// The traffic secrets this thread's HMAC made and no one has taken yet: NSS name, secret.
    static NOTED: RefCell<Vec<(&'static str, Vec<u8>)>> = const { RefCell::new(Vec::new()) };
}

impl HmacProvider for NotingHmac {
    fn hmac(
        &self,
        hash: HashAlgorithm,
        key: &[u8],
        data: &[u8],
        out: &mut [u8],
    ) -> Result<usize, CryptoError> {
        let written = rust_crypto::default_provider().hmac_provider.hmac(hash, key, data, out)?;
        if let Some(name) = traffic_label(data, hash.output_len())
            && let Some(secret) = out.get(..written)
        {
            NOTED.with(|noted| noted.borrow_mut().push((name, secret.to_vec())));
        }
        Ok(written)
    }
}

/// The NSS key log name of the secret an HMAC makes over `data`, when `data` is the first (and
/// only) block of HKDF-Expand-Label for a traffic secret of `hash_len` bytes: the HkdfLabel
/// (RFC 8446 section 7.1; the prefix "dtls13", RFC 9147 section 5.9), then the counter 1.
fn traffic_label(data: &[u8], hash_len: usize) -> Option<&'static str> {
    let (&[length_high, length_low, label_len], rest) = data.split_first_chunk::<3>()?;
    if usize::from(u16::from_be_bytes([length_high, length_low])) != hash_len {
        return None;
    }
    let (label, rest) = rest.split_at_checked(usize::from(label_len))?;
    let (&context_len, rest) = rest.split_first()?;
    if rest.len() != usize::from(context_len) + 1 || rest.last() != Some(&1) {
        return None;
    }
    Some(match label {
        b"dtls13c hs traffic" => "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        b"dtls13s hs traffic" => "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        b"dtls13c ap traffic" => "CLIENT_TRAFFIC_SECRET_0",
        b"dtls13s ap traffic" => "SERVER_TRAFFIC_SECRET_0",
        _ => return None,
    })
}

/// The client random of a datagram that starts with a ClientHello record (unfragmented):
/// record header (13 bytes), handshake header (12), legacy_version (2), then the random.
fn client_random(datagram: &[u8]) -> Option<[u8; 32]> {
    const HANDSHAKE: u8 = 22;
    const CLIENT_HELLO: u8 = 1;
    if datagram.first() != Some(&HANDSHAKE) || datagram.get(13) != Some(&CLIENT_HELLO) {
        return None;
    }
    datagram.get(27..59)?.try_into().ok()
}

/// What a peer's state machine said while it was drained.
#[derive(Debug, Default)]
struct Said {
    connected: bool,
    data: Vec<Vec<u8>>,
    close_notify: bool,
}

/// One side: its state machine, its socket, where it sends, and its next timer.
struct Peer {
    dtls: Dtls,
    socket: UdpSocket,
    to: Option<SocketAddr>,
    timer: Option<Instant>,
    buffer: Vec<u8>,
    /// The first datagram this side sent (the client's: its ClientHello).
    first_sent: Option<Vec<u8>>,
}

impl Peer {
    fn new(dtls: Dtls, socket: UdpSocket, to: Option<SocketAddr>) -> Self {
        Self { dtls, socket, to, timer: None, buffer: vec![0; MAX_DATAGRAM], first_sent: None }
    }

    /// Drains the state machine: sends its datagrams, keeps its timer, returns what it said.
    fn drain(&mut self) -> io::Result<Said> {
        let mut said = Said::default();
        loop {
            match self.dtls.poll_output(&mut self.buffer) {
                Output::Packet(datagram) => {
                    let Some(to) = self.to else { continue };
                    if self.first_sent.is_none() {
                        self.first_sent = Some(datagram.to_vec());
                    }
                    self.socket.send_to(datagram, to)?;
                }
                Output::BufferTooSmall { needed } => {
                    return Err(io::Error::other(format!("a datagram of {needed} bytes to send")));
                }
                Output::Timeout(at) => {
                    self.timer = Some(at);
                    return Ok(said);
                }
                Output::Connected => said.connected = true,
                Output::ApplicationData(data) => said.data.push(data.to_vec()),
                Output::CloseNotify => said.close_notify = true,
                _ => {}
            }
        }
    }

    /// Waits for a datagram or the timer, whichever comes first, and hands it over; gives up
    /// past `deadline`.
    fn step(&mut self, deadline: Instant) -> Result<(), Failure> {
        let now = Instant::now();
        if now >= deadline {
            return Err(("waiting for the peer", format!("no answer within {} s", STEP_TIMEOUT.as_secs())));
        }
        let wake = self.timer.map_or(deadline, |timer| timer.min(deadline));
        let wait = wake.saturating_duration_since(now).max(Duration::from_millis(1));
        let fail = |error: io::Error| ("receiving", error.to_string());
        self.socket.set_read_timeout(Some(wait)).map_err(fail)?;
        let mut datagram = vec![0; MAX_DATAGRAM];
        match self.socket.recv_from(&mut datagram) {
            Ok((len, from)) => {
                // The server answers whoever spoke first; the client hears only its server.
                match self.to {
                    None => self.to = Some(from),
                    Some(to) if to != from => return Ok(()),
                    Some(_) => {}
                }
                self.dtls.handle_packet(&datagram[..len]).map_err(|e| ("reading a datagram", e.to_string()))
            }
            Err(error) if matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                self.dtls.handle_timeout(Instant::now()).map_err(|e| ("retransmitting", e.to_string()))
            }
            Err(error) => Err(fail(error)),
        }
    }
}

/// The client: the handshake, the line and its echo, close_notify each way.
fn call(mut peer: Peer, keylog: &KeyLog) -> Result<(), Failure> {
    let deadline = Instant::now() + STEP_TIMEOUT;
    let mut random = None;
    let mut log = |peer: &Peer| {
        if random.is_none() {
            random = peer.first_sent.as_deref().and_then(client_random);
        }
        let Some(random) = random else { return };
        for (name, secret) in NOTED.with(|noted| std::mem::take(&mut *noted.borrow_mut())) {
            keylog.log(name, &random, &secret);
        }
    };
    peer.dtls.handle_timeout(Instant::now()).map_err(|e| ("starting the handshake", e.to_string()))?;
    let mut said = peer.drain().map_err(|e| ("sending the ClientHello", e.to_string()))?;
    while !said.connected {
        peer.step(deadline)?;
        log(&peer);
        said = peer.drain().map_err(|e| ("the handshake", e.to_string()))?;
    }
    peer.dtls.send_application_data(LINE).map_err(|e| ("sending the line", e.to_string()))?;
    let mut echo = said.data.concat();
    echo.extend(peer.drain().map_err(|e| ("sending the line", e.to_string()))?.data.concat());
    while echo.len() < LINE.len() {
        peer.step(deadline)?;
        log(&peer);
        echo.extend(peer.drain().map_err(|e| ("reading the echo", e.to_string()))?.data.concat());
    }
    if echo != LINE {
        return Err(("reading the echo", format!("{} bytes that are not the line", echo.len())));
    }
    peer.dtls.close().map_err(|e| ("closing", e.to_string()))?;
    let mut said = peer.drain().map_err(|e| ("closing", e.to_string()))?;
    while !said.close_notify {
        peer.step(deadline)?;
        said = peer.drain().map_err(|e| ("reading the server's close_notify", e.to_string()))?;
    }
    Ok(())
}

/// The server: the handshake, echoes, and close_notify after the client's.
fn serve(mut peer: Peer) -> Result<(), Failure> {
    let deadline = Instant::now() + STEP_TIMEOUT;
    // dimpl makes the server's random at its first timer, before any packet.
    peer.dtls.handle_timeout(Instant::now()).map_err(|e| ("starting the server", e.to_string()))?;
    peer.drain().map_err(|e| ("starting the server", e.to_string()))?;
    loop {
        peer.step(deadline)?;
        let said = peer.drain().map_err(|e| ("serving", e.to_string()))?;
        for data in &said.data {
            peer.dtls.send_application_data(data).map_err(|e| ("echoing", e.to_string()))?;
        }
        if said.close_notify {
            peer.dtls.close().map_err(|e| ("closing", e.to_string()))?;
            peer.drain().map_err(|e| ("closing", e.to_string()))?;
            return Ok(());
        }
        if !said.data.is_empty() {
            peer.drain().map_err(|e| ("echoing", e.to_string()))?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An HkdfLabel as RFC 8446 section 7.1 lays it out, then HKDF-Expand's counter 1.
    fn first_block(length: u16, label: &[u8], context: &[u8]) -> Vec<u8> {
        let mut data = length.to_be_bytes().to_vec();
        data.push(label.len() as u8);
        data.extend(label);
        data.push(context.len() as u8);
        data.extend(context);
        data.push(1);
        data
    }

    #[test]
    fn the_four_traffic_secrets_are_told_from_their_hkdf_labels() {
        let hash = [7u8; 32];
        let named = |label: &[u8]| traffic_label(&first_block(32, label, &hash), 32);
        assert_eq!(named(b"dtls13c hs traffic"), Some("CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
        assert_eq!(named(b"dtls13s hs traffic"), Some("SERVER_HANDSHAKE_TRAFFIC_SECRET"));
        assert_eq!(named(b"dtls13c ap traffic"), Some("CLIENT_TRAFFIC_SECRET_0"));
        assert_eq!(named(b"dtls13s ap traffic"), Some("SERVER_TRAFFIC_SECRET_0"));
        // TLS 1.3's prefix, other labels, another length, a second block: none.
        assert_eq!(named(b"tls13 c hs traffic"), None);
        assert_eq!(named(b"dtls13key"), None);
        assert_eq!(traffic_label(&first_block(16, b"dtls13c ap traffic", &hash), 32), None);
        let mut second = first_block(32, b"dtls13c ap traffic", &hash);
        *second.last_mut().expect("a counter") = 2;
        assert_eq!(traffic_label(&second, 32), None);
        // Cut anywhere: none, and no panic.
        let whole = first_block(32, b"dtls13c hs traffic", &hash);
        for end in 0..whole.len() {
            assert_eq!(traffic_label(&whole[..end], 32), None, "cut at {end}");
        }
    }

    #[test]
    fn the_client_random_is_read_from_a_client_hello_record_only() {
        let mut datagram = vec![22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 1];
        datagram.extend([0; 11]);
        datagram.extend([0xfe, 0xfd]);
        datagram.extend(1..=32u8);
        let random = client_random(&datagram).expect("a ClientHello");
        assert_eq!(random[0], 1);
        assert_eq!(random[31], 32);
        assert_eq!(client_random(&datagram[..58]), None);
        datagram[13] = 2;
        assert_eq!(client_random(&datagram), None);
    }
}
