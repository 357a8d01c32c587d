//! A proxy's handshake at the start of a TCP connection, and the tunnel it opens: SOCKS 4,
//! 4a and 5 read here message by message, HTTP CONNECT read by the HTTP reader and recognised
//! here. Once the proxy grants the tunnel, the stream after its reply is read as if it had
//! started the connection (TLS by its heuristic, then what TLS carries); a refused tunnel
//! ends the reading, and what follows is not guessed at.
//!
//! SOCKS messages do not say what they are; [`Socks`] knows which one comes next, from which
//! side (the client speaks first), and reads it once all its bytes are in. Each direction
//! buffers at most [`socks::MAX_MESSAGE`] bytes, so the handshake's state is bounded.

use std::ops::Range;

use super::{Application, Produced, Protocol, Segment, gap_notes};
use crate::dissect::http1;
use crate::dissect::socks::{self, Address, Failure, Kind, Message, Tunnel};
use crate::track::http;
use crate::track::stream::Chunk;

/// Where a connection's proxy handshake stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Handshake,
    /// The proxy relays the stream from here on.
    Established,
    /// The proxy refused, or the handshake went where rttscope does not follow (an
    /// authentication method it does not read, malformed bytes): nothing after is read.
    Ended,
}

/// What rides in front of a tunnelled stream's segments: the mark Wireshark repeats on each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mark {
    /// An HTTP CONNECT tunnel to this host and port.
    Connect {
        host: String,
        port: u16,
    },
    Socks(Tunnel),
}

/// A SOCKS message a segment completed: its bytes in the stream arena, its kind, and the
/// SOCKS version of the handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completed {
    pub range: Range<usize>,
    pub kind: Kind,
    pub version: u8,
}

/// A SOCKS handshake in progress.
#[derive(Clone, Debug)]
pub struct Socks {
    /// The direction that spoke first.
    client: Option<usize>,
    version: u8,
    /// The message expected next, and whether the client sends it.
    next: (bool, Kind),
    buffers: [Vec<u8>; 2],
    pub outcome: Outcome,
    pub tunnel: Option<Tunnel>,
}

impl Default for Socks {
    fn default() -> Self {
        Self {
            client: None,
            version: 0,
            next: (true, Kind::V5Greeting),
            buffers: Default::default(),
            outcome: Outcome::Handshake,
            tunnel: None,
        }
    }
}

impl Socks {
    /// Takes a direction's next stream bytes; the messages they complete are copied to the
    /// arena and added to `completed`, and what went wrong to `problems`.
    pub fn feed(
        &mut self,
        dir: usize,
        bytes: &[u8],
        arena: &mut Vec<u8>,
        completed: &mut Vec<Completed>,
        problems: &mut Vec<String>,
    ) {
        if self.outcome != Outcome::Handshake || bytes.is_empty() {
            if self.outcome == Outcome::Established && !bytes.is_empty() {
                problems.push("bytes sent with the proxy's reply are not read".to_owned());
            }
            return;
        }
        let client = *self.client.get_or_insert(dir);
        if self.version == 0 {
            self.version = bytes[0];
            self.next = match self.version {
                4 => (true, Kind::V4Request),
                5 => (true, Kind::V5Greeting),
                _ => {
                    problems.push(format!("SOCKS version {} is not 4 or 5", self.version));
                    self.outcome = Outcome::Ended;
                    return;
                }
            };
        }
        let buffer = &mut self.buffers[dir];
        if buffer.len() + bytes.len() > 2 * socks::MAX_MESSAGE {
            problems.push(format!("a SOCKS message over {} bytes", socks::MAX_MESSAGE));
            self.outcome = Outcome::Ended;
            return;
        }
        buffer.extend_from_slice(bytes);
        while self.outcome == Outcome::Handshake {
            let (from_client, kind) = self.next;
            let from = if from_client { client } else { 1 - client };
            let buffer = &mut self.buffers[from];
            let len = match socks::parse(kind, buffer) {
                Ok((len, _)) => len,
                Err(Failure::Incomplete(_)) => return,
                Err(Failure::Malformed(reason)) => {
                    problems.push(reason.to_owned());
                    self.outcome = Outcome::Ended;
                    return;
                }
            };
            let start = arena.len();
            arena.extend_from_slice(&buffer[..len]);
            buffer.drain(..len);
            completed.push(Completed { range: start..arena.len(), kind, version: self.version });
            let bytes = &arena[start..];
            if let Ok((_, message)) = socks::parse(kind, bytes) {
                self.advance(bytes, message);
            }
        }
        if self.outcome == Outcome::Established && self.buffers.iter().any(|buffer| !buffer.is_empty()) {
            problems.push("bytes sent with the proxy's reply are not read".to_owned());
        }
        self.buffers = Default::default();
    }

    /// Moves past a message read: to the next one, or to the handshake's end.
    fn advance(&mut self, bytes: &[u8], message: Message<'_>) {
        let refuse_unless = |granted: bool| if granted { Outcome::Established } else { Outcome::Ended };
        match message {
            Message::V4Request { command, port, .. } => {
                // Wireshark shows a SOCKS4 tunnel's "address" from the request's first four
                // bytes (version, command, port), and so does rttscope, to agree with it.
                let first = [0, 1, 2, 3].map(|at| bytes.get(at).copied().unwrap_or(0));
                let ipv4 = Some(std::net::Ipv4Addr::from(first));
                self.tunnel = Some(Tunnel { version: 4, command, ipv4, ipv6: None, port });
                self.next = (false, Kind::V4Reply);
            }
            Message::V4Reply { result, .. } => {
                self.outcome = refuse_unless(result == socks::code::V4_GRANTED)
            }
            Message::V5Greeting { .. } => self.next = (false, Kind::V5MethodChoice),
            Message::V5MethodChoice { method } => match method {
                0 => self.next = (true, Kind::V5Request),
                socks::code::METHOD_USER_PASSWORD => self.next = (true, Kind::V5AuthRequest),
                _ => self.outcome = Outcome::Ended,
            },
            Message::V5AuthRequest { .. } => self.next = (false, Kind::V5AuthReply),
            Message::V5AuthReply { status, .. } => match status {
                0 => self.next = (true, Kind::V5Request),
                _ => self.outcome = Outcome::Ended,
            },
            Message::V5Request { command, address, port, .. } => {
                let (ipv4, ipv6) = match address {
                    Address::Ipv4(address) => (Some(address), None),
                    Address::Ipv6(address) => (None, Some(address)),
                    Address::Domain(_) => (None, None),
                };
                self.tunnel = Some(Tunnel { version: 5, command, ipv4, ipv6, port });
                self.next = (false, Kind::V5Reply);
            }
            Message::V5Reply { reply, .. } => {
                self.outcome = refuse_unless(reply == socks::code::V5_SUCCEEDED)
            }
        }
    }

    /// What the handshake buffers, in bytes.
    pub fn cost(&self) -> usize {
        std::mem::size_of::<Self>() + self.buffers.iter().map(Vec::capacity).sum::<usize>()
    }
}

/// Reads a segment of a connection in its SOCKS handshake: the messages it completes, then,
/// once the proxy answers, the tunnel (the stream goes on as if it started the connection)
/// or the end of the reading.
pub(super) fn read_socks(
    connection: &mut Application,
    segment: &Segment<'_>,
    arena: &mut Vec<u8>,
    produced: &mut Produced,
) {
    let Protocol::Socks(socks) = &mut connection.protocol else { return };
    produced.consumed = !segment.payload.is_empty();
    let accepted =
        connection.streams[segment.dir].accept(segment.seq, segment.syn, segment.frame, segment.payload);
    produced.duplicate = accepted.duplicate;
    let mut problems = Vec::new();
    gap_notes(&accepted.chunks, accepted.overflowed, &mut problems);
    for chunk in &accepted.chunks {
        let bytes = match chunk {
            Chunk::Segment { start, len } => segment.payload.get(*start..start + len).unwrap_or(&[]),
            Chunk::Held { bytes, .. } => bytes.as_slice(),
            Chunk::Gap(_) => &[],
        };
        socks.feed(segment.dir, bytes, arena, &mut produced.socks, &mut problems);
    }
    produced.proxy_problems = problems;
    match socks.outcome {
        Outcome::Handshake => {}
        Outcome::Established => {
            connection.tunnel = socks.tunnel.map(Mark::Socks);
            connection.takes_stream_number = true;
            connection.protocol = Protocol::Undecided;
            connection.looked_at = 0;
        }
        Outcome::Ended => connection.protocol = Protocol::Other,
    }
}

/// Looks at the HTTP/1.x messages a segment of direction `dir` completed: a CONNECT the
/// proxy grants hands the stream after its answer on, as if it started the connection; one
/// it refuses ends the reading.
pub(super) fn after_http(connection: &mut Application, dir: usize, output: &http::Output, arena: &[u8]) {
    for (range, _, _) in &output.messages {
        let Some(bytes) = arena.get(range.clone()) else { continue };
        match connection.connect.message(dir, bytes) {
            Some((Outcome::Established, mark)) => {
                connection.tunnel = mark;
                connection.protocol = Protocol::Undecided;
                connection.looked_at = 0;
                connection.on_http_port = false;
                return;
            }
            Some(_) => connection.protocol = Protocol::Other,
            None => {}
        }
    }
}

/// An HTTP CONNECT seen on a connection read as HTTP: the client's direction and where it
/// asked to go, until the proxy answers.
#[derive(Clone, Debug, Default)]
pub struct Connect {
    asked: Option<(usize, Mark)>,
}

impl Connect {
    /// Looks at an HTTP/1.x message completed in direction `dir` (`bytes`: its head at
    /// least); returns what the connection becomes: `Some(Established)` with the tunnel's
    /// mark once a CONNECT has a 2xx answer, `Some(Ended)` once it is refused.
    pub fn message(&mut self, dir: usize, bytes: &[u8]) -> Option<(Outcome, Option<Mark>)> {
        let Ok((_, message)) = http1::parse(bytes) else { return None };
        if message.method() == Some(b"CONNECT".as_slice()) {
            let target = request_target(bytes)?;
            let (host, port) = target.rsplit_once(':')?;
            let port = port.parse().ok()?;
            self.asked = Some((dir, Mark::Connect { host: host.to_owned(), port }));
            return None;
        }
        let status = message.status()?;
        let (client, _) = self.asked.as_ref()?;
        if *client == dir || status < 200 {
            return None;
        }
        let (_, mark) = self.asked.take()?;
        Some(if (200..300).contains(&status) {
            (Outcome::Established, Some(mark))
        } else {
            (Outcome::Ended, None)
        })
    }
}

/// The request-target of a request line: `CONNECT host:port HTTP/1.1`.
fn request_target(bytes: &[u8]) -> Option<&str> {
    let line = bytes.split(|&byte| byte == b'\n').next()?;
    let mut words = line.split(|&byte| byte == b' ');
    let _method = words.next()?;
    std::str::from_utf8(words.next()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(socks: &mut Socks, steps: &[(usize, &[u8])]) -> (Vec<Kind>, Vec<String>) {
        let (mut arena, mut completed, mut problems) = (Vec::new(), Vec::new(), Vec::new());
        for (dir, bytes) in steps {
            socks.feed(*dir, bytes, &mut arena, &mut completed, &mut problems);
        }
        (completed.iter().map(|completed| completed.kind).collect(), problems)
    }

    #[test]
    fn a_socks5_handshake_with_a_password_opens_the_tunnel() {
        let mut socks = Socks::default();
        let (kinds, problems) = run(
            &mut socks,
            &[
                (0, &[5, 1, 2]),                      // greeting: username/password
                (1, &[5, 2]),                         // method chosen
                (0, &[1, 1, b'u', 1]),                // a request cut short
                (0, b"p"),                            // its end
                (1, &[1, 0]),                         // success
                (0, &[5, 1, 0, 3, 1, b'h', 1, 0xbb]), // CONNECT h:443
                (1, &[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]), // succeeded
            ],
        );
        assert_eq!(
            kinds,
            [
                Kind::V5Greeting,
                Kind::V5MethodChoice,
                Kind::V5AuthRequest,
                Kind::V5AuthReply,
                Kind::V5Request,
                Kind::V5Reply
            ]
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(socks.outcome, Outcome::Established);
        assert_eq!(socks.tunnel, Some(Tunnel { version: 5, command: 1, ipv4: None, ipv6: None, port: 443 }));
    }

    #[test]
    fn a_refused_socks4_request_ends_the_reading() {
        let mut socks = Socks::default();
        let (kinds, _) = run(
            &mut socks,
            &[
                (1, &[4, 1, 0x20, 0xfb, 10, 0, 0, 2, 0]), // the client speaks first, whichever side
                (0, &[0, 91, 0, 0, 0, 0, 0, 0]),          // rejected or failed
            ],
        );
        assert_eq!(kinds, [Kind::V4Request, Kind::V4Reply]);
        assert_eq!(socks.outcome, Outcome::Ended);
        // What comes after is not read as SOCKS.
        let (kinds, _) = run(&mut socks, &[(1, &[5, 1, 0])]);
        assert!(kinds.is_empty());
    }

    #[test]
    fn socks_bytes_of_another_version_or_too_long_end_the_reading() {
        let mut socks = Socks::default();
        let (_, problems) = run(&mut socks, &[(0, b"GET / HTTP/1.1\r\n")]);
        assert_eq!(socks.outcome, Outcome::Ended);
        assert_eq!(problems, ["SOCKS version 71 is not 4 or 5"]);
        let mut socks = Socks::default();
        let long = vec![b'a'; 2 * socks::MAX_MESSAGE];
        let (_, problems) = run(&mut socks, &[(0, &[4, 1, 0, 80, 10, 0, 0, 1]), (0, &long)]);
        assert_eq!(socks.outcome, Outcome::Ended);
        assert_eq!(problems.len(), 1, "{problems:?}");
    }

    #[test]
    fn a_connect_answered_2xx_opens_a_tunnel_and_a_407_ends_it() {
        let mut connect = Connect::default();
        let request = b"CONNECT server.test:443 HTTP/1.1\r\nHost: server.test:443\r\n\r\n";
        assert_eq!(connect.message(0, request), None);
        let granted = b"HTTP/1.0 200 Connection established\r\n\r\n";
        assert_eq!(
            connect.message(1, granted),
            Some((Outcome::Established, Some(Mark::Connect { host: "server.test".to_owned(), port: 443 })))
        );
        let mut connect = Connect::default();
        connect.message(0, request);
        let refused = b"HTTP/1.0 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(connect.message(1, refused), Some((Outcome::Ended, None)));
        // A response with no CONNECT before it is HTTP as usual.
        assert_eq!(Connect::default().message(1, granted), None);
    }
}
