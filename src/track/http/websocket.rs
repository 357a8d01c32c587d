//! WebSocket over HTTP/2 (RFC 8441): a stream opened by an extended CONNECT and accepted with
//! a 2xx carries a WebSocket connection in its DATA frames, both directions.
//!
//! RFC 8441 section 4: "A new pseudo-header field :protocol MAY be included on request HEADERS
//! indicating the desired protocol to be spoken on the tunnel created by CONNECT." Section 5:
//! the request has `:method` CONNECT and `:protocol` websocket; "Upon receiving a 2xx status
//! code, the client can send WebSocket frames over the stream's DATA frames", and the frames
//! (masked from the client) are those of RFC 6455, read here by the same
//! [`Session`] as after an HTTP/1.1 Upgrade, one per stream.
//!
//! Bounded: at most [`MAX_TUNNELS`] streams per connection are followed (the oldest is
//! forgotten past that), each session bounds what each direction holds, and the connection's
//! sessions together hold at most [`MAX_HELD`] bytes: past that, the session just fed gives up
//! what it buffers, with a problem. [`Tunnels::cost`] is O(1), for the memory budget.

use std::collections::BTreeMap;

use crate::dissect::http2::{Frame, FrameType, HeaderBlock};
use crate::track::budget;
use crate::track::websocket::{Output, Session};

/// The most extended CONNECT streams followed per connection.
pub const MAX_TUNNELS: usize = 64;

/// The most the sessions of one connection hold together, in bytes.
pub const MAX_HELD: usize = 16 << 20;

/// One extended CONNECT stream.
#[derive(Clone)]
struct Tunnel {
    /// The direction the CONNECT went in.
    client: usize,
    /// The WebSocket connection, once a 2xx accepted the CONNECT.
    session: Option<Box<Session>>,
    /// By direction: END_STREAM was seen.
    ended: [bool; 2],
}

impl Tunnel {
    fn heap(&self) -> usize {
        self.session.as_ref().map_or(0, |session| session.cost())
    }
}

/// The extended CONNECT streams of one HTTP/2 connection.
#[derive(Clone, Default)]
pub struct Tunnels {
    by_stream: BTreeMap<u32, Tunnel>,
    /// What the entries and their sessions hold, kept as they change.
    cost: usize,
}

const ENTRY: usize = budget::entry_cost::<u32, Tunnel>();

impl Tunnels {
    /// Reads one HTTP/2 frame of direction `dir`, captured in frame `number`, with the header
    /// fields its header block completed: the WebSocket frames a DATA frame of an accepted
    /// stream completes, copied to `arena`; `None` when it is not such a frame or completed
    /// nothing.
    pub fn frame(
        &mut self,
        dir: usize,
        frame: &Frame<'_>,
        headers: Option<&HeaderBlock>,
        number: u64,
        arena: &mut Vec<u8>,
        problems: &mut Vec<String>,
    ) -> Option<Output> {
        let id = frame.stream_id();
        if let Some(headers) = headers {
            self.headers(dir, id, headers, problems);
        }
        let tunnel = self.by_stream.get_mut(&id)?;
        let before = tunnel.heap();
        let mut out = None;
        if frame.kind() == FrameType::Data
            && let Some(session) = tunnel.session.as_mut()
        {
            let mut output = session.feed(dir, number, frame.data(), arena);
            if self.cost + session.cost() > MAX_HELD + before {
                output.problems.push(format!(
                    "the WebSocket streams of this connection hold over {MAX_HELD} bytes: stream {id} \
                     gives up what it buffers"
                ));
                session.shed();
            }
            let something =
                !output.frames.is_empty() || output.malformed.is_some() || !output.problems.is_empty();
            out = something.then_some(output);
        }
        if frame.ends_stream() {
            tunnel.ended[dir] = true;
        }
        let done = frame.kind() == FrameType::RstStream || tunnel.ended.iter().all(|ended| *ended);
        self.cost = self.cost + tunnel.heap() - before;
        if done && let Some(tunnel) = self.by_stream.remove(&id) {
            self.cost -= ENTRY + tunnel.heap();
        }
        out
    }

    /// Notes what a header block says: an extended CONNECT for websocket opens a tunnel; the
    /// other side's `:status` accepts it (2xx) or ends it.
    fn headers(&mut self, dir: usize, id: u32, headers: &HeaderBlock, problems: &mut Vec<String>) {
        if asks_for_websocket(headers) && !self.by_stream.contains_key(&id) {
            self.make_room(problems);
            self.by_stream.insert(id, Tunnel { client: dir, session: None, ended: [false; 2] });
            self.cost += ENTRY;
            return;
        }
        let Some(tunnel) = self.by_stream.get_mut(&id) else { return };
        if dir == tunnel.client || tunnel.session.is_some() {
            return;
        }
        let Some(status) = headers.get(":status") else { return };
        match status.first() {
            // An interim response leaves the request waiting for its final one.
            Some(b'1') => {}
            Some(b'2') => {
                let session = Session::accepted(dir, headers.get("sec-websocket-extensions"));
                tunnel.session = Some(Box::new(session));
                self.cost += tunnel.heap();
            }
            _ => {
                if let Some(tunnel) = self.by_stream.remove(&id) {
                    self.cost -= ENTRY + tunnel.heap();
                }
            }
        }
    }

    /// Forgets the oldest tunnel when [`MAX_TUNNELS`] are kept.
    fn make_room(&mut self, problems: &mut Vec<String>) {
        if self.by_stream.len() < MAX_TUNNELS {
            return;
        }
        if let Some((id, oldest)) = self.by_stream.pop_first() {
            self.cost -= ENTRY + oldest.heap();
            problems.push(format!(
                "over {MAX_TUNNELS} WebSocket streams open: stream {id}, the oldest, is forgotten"
            ));
        }
    }

    /// Whether stream `id` is an extended CONNECT stream being followed.
    pub fn holds(&self, id: u32) -> bool {
        self.by_stream.contains_key(&id)
    }

    /// What the tunnels hold, in bytes, entries included. O(1).
    pub fn cost(&self) -> usize {
        self.cost
    }
}

/// Whether a header block is an extended CONNECT for WebSocket: `:method` CONNECT and
/// `:protocol` websocket (RFC 8441 section 5).
pub fn asks_for_websocket(headers: &HeaderBlock) -> bool {
    headers.get(":method") == Some(b"CONNECT".as_slice())
        && headers.get(":protocol").is_some_and(|protocol| protocol.eq_ignore_ascii_case(b"websocket"))
}

#[cfg(test)]
mod tests;
