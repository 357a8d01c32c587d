//! [`Applications`] as a holder of the tracker's memory budget: a running total of what the
//! open connections hold, and a queue of those holding buffered state, in the order they began
//! to, from which the oldest is given up first. When none holds any, the connection open
//! longest is given up whole: what a connection keeps between messages (a TLS session, HPACK
//! tables) is state too, and many connections' worth of it must not exceed the limit.
//!
//! Invariant: `held` equals the sum of [`Application::cost`] over open connections, because
//! every change to a connection goes through [`Applications::segment`], which accounts for it
//! by the difference before and after; a connection is queued at most once.

use std::mem::size_of;

use super::{Application, Applications, Inner, Protocol, Slot};
use crate::osi::Protocol as Handoff;
use crate::track::budget::{Holder, Shed};
use crate::track::cow::Census;

/// The queue is not compacted below this many entries.
const COMPACT_AT: usize = 1024;

impl Application {
    /// What the connection holds, itself and its state, in bytes. O(1).
    pub(super) fn cost(&self) -> usize {
        size_of::<Self>() + self.buffered_streams() + self.protocol_cost()
    }

    fn buffered_streams(&self) -> usize {
        self.streams.iter().map(|stream| stream.cost()).sum()
    }

    fn protocol_cost(&self) -> usize {
        let outer = match &self.protocol {
            Protocol::Tls(session) => session.cost(),
            Protocol::Http(http) => http.cost(),
            Protocol::Socks(socks) => socks.cost(),
            Protocol::WebSocket(session) => session.cost(),
            Protocol::Ssh(ssh) => ssh.cost(),
            Protocol::Dns(dns) => dns.cost(),
            _ => 0,
        };
        let inner = match &self.inner {
            Inner::Http(http) => http.cost(),
            Inner::WebSocket(session) => session.cost(),
            Inner::Dns(dns) => dns.cost(),
            _ => 0,
        };
        outer + inner
    }

    /// Whether it holds state it could give up: out-of-order segments, or a message, record
    /// or stream in progress.
    fn holds_buffered(&self) -> bool {
        let buffered = |http: &crate::track::http::Reader| http.buffered() > 0;
        self.buffered_streams() > 0
            || match &self.protocol {
                Protocol::Tls(session) => session.buffered() > 0,
                Protocol::Http(http) => buffered(http),
                Protocol::WebSocket(session) => session.buffered() > 0,
                Protocol::Ssh(ssh) => ssh.buffered() > 0,
                Protocol::Dns(dns) => dns.buffered(),
                _ => false,
            }
            || matches!(&self.inner, Inner::Http(http) if buffered(http))
            || matches!(&self.inner, Inner::WebSocket(session) if session.buffered() > 0)
            || matches!(&self.inner, Inner::Dns(dns) if dns.buffered())
    }

    /// Gives up its buffered state; it goes on as after a segment the capture missed.
    fn shed(&mut self) {
        self.streams = Default::default();
        match &mut self.protocol {
            Protocol::Tls(session) => session.shed(),
            Protocol::Http(http) => http.shed(),
            Protocol::WebSocket(session) => session.shed(),
            Protocol::Ssh(ssh) => ssh.shed(),
            Protocol::Dns(dns) => dns.shed(),
            _ => {}
        }
        if let Inner::Http(http) = &mut self.inner {
            http.shed();
        }
        if let Inner::WebSocket(session) = &mut self.inner {
            session.shed();
        }
        if let Inner::Dns(dns) = &mut self.inner {
            dns.shed();
        }
    }
}

impl Applications {
    /// What the connection in slot `index` costs now.
    pub(super) fn cost_of(&self, index: usize) -> usize {
        match self.by_stream.get(index) {
            Some(Slot::Open(connection)) => connection.cost(),
            _ => 0,
        }
    }

    /// Accounts for what a segment changed in slot `index`, which cost `before`; queues the
    /// connection if it began to hold buffered state.
    pub(super) fn account(&mut self, index: usize, before: usize) {
        let after = self.cost_of(index);
        self.held = self.held + after - before;
        if let Some(Slot::Open(connection)) = self.by_stream.get_mut(index)
            && !connection.queued
            && connection.holds_buffered()
        {
            connection.make_mut().queued = true;
            self.queued += 1;
            self.holding.push_back(index as u32);
        }
        // Entries of connections that ended wait in the queue until they are reached; when
        // they are most of it, they go, so the queue follows the open connections. Each
        // compaction at least halves the queue: amortised O(1) per entry.
        if self.holding.len() >= COMPACT_AT + 2 * self.queued {
            let by_stream = &self.by_stream;
            self.holding.retain(|&stream| {
                matches!(by_stream.get(stream as usize), Some(Slot::Open(connection)) if connection.queued)
            });
        }
        if self.opened.len() >= COMPACT_AT + 2 * self.open {
            let by_stream = &self.by_stream;
            self.opened.retain(|&stream| matches!(by_stream.get(stream as usize), Some(Slot::Open(_))));
        }
    }

    /// Gives up the connection open longest: its later segments are passed through unread.
    fn give_up_oldest(&mut self) -> Option<Shed> {
        while let Some(stream) = self.opened.pop_front() {
            let index = stream as usize;
            let before = self.cost_of(index);
            let Some(slot) = self.by_stream.get_mut(index) else { continue };
            let Slot::Open(connection) = slot else { continue };
            let (protocol, name) = match connection.protocol {
                Protocol::Tls(_) => (Handoff::Tls, "TLS"),
                Protocol::Http(_) => (Handoff::Http, "HTTP"),
                Protocol::WebSocket(_) => (Handoff::WebSocket, "WebSocket"),
                Protocol::Dns(_) => (Handoff::Dns, "DNS"),
                _ => (Handoff::Tcp, "protocol detection"),
            };
            self.queued -= usize::from(connection.queued);
            self.open -= 1;
            *slot = Slot::Passed;
            self.held -= before;
            return Some(Shed {
                protocol,
                what: format!("the {name} state of tcp.stream {stream} (its later segments are not decoded)"),
            });
        }
        None
    }
}

impl Holder for Applications {
    fn held(&self) -> usize {
        self.held
            + self.by_stream.capacity() * size_of::<Slot>()
            + (self.holding.capacity() + self.opened.capacity()) * size_of::<u32>()
    }

    fn census(&self, census: &mut Census) {
        self.by_stream.census(census, |slot, census| {
            if let Slot::Open(connection) = slot {
                connection.census(census, connection.cost());
            }
        });
        self.holding.census(census);
        self.opened.census(census);
    }

    fn shed(&mut self) -> Option<Shed> {
        while let Some(stream) = self.holding.pop_front() {
            let index = stream as usize;
            let before = self.cost_of(index);
            let Some(Slot::Open(connection)) = self.by_stream.get_mut(index) else { continue };
            let connection = connection.make_mut();
            connection.queued = false;
            self.queued -= 1;
            if !connection.holds_buffered() {
                continue;
            }
            let (protocol, name) = match connection.protocol {
                Protocol::Tls(_) => (Handoff::Tls, "TLS"),
                Protocol::WebSocket(_) => (Handoff::WebSocket, "WebSocket"),
                _ => (Handoff::Http, "HTTP"),
            };
            connection.shed();
            let after = connection.cost();
            self.held = self.held + after - before;
            return Some(Shed {
                protocol,
                what: format!("the buffered reassembly and {name} state of tcp.stream {stream}"),
            });
        }
        self.give_up_oldest()
    }
}

#[cfg(test)]
mod tests {
    use super::super::Segment;
    use super::super::tests::segment;
    use super::*;
    use crate::track::keylog::KeyLog;
    use crate::track::tls::Arenas;

    #[test]
    fn held_is_the_sum_of_the_connections_and_shed_gives_up_the_oldest() {
        let keylog = KeyLog::new();
        let mut connections = Applications::default();
        let mut arenas = Arenas::default();
        // Two HTTP connections, each with a request head in progress.
        for stream in 0..2 {
            let head = b"GET / HTTP/1.1\r\nHost: x\r\n";
            let head =
                Segment { stream, ports: (50000, 80), ..segment(0, 1, None, 1 + u64::from(stream), head) };
            connections.segment(&head, &keylog, &mut arenas);
        }
        let sum = |connections: &Applications| (0..2).map(|index| connections.cost_of(index)).sum::<usize>();
        assert_eq!(connections.held, sum(&connections));
        assert!(connections.held() > sum(&connections), "slots counted too");
        let shed = connections.shed().expect("something to give up");
        assert!(shed.what.contains("tcp.stream 0"), "{}", shed.what);
        assert_eq!(connections.held, sum(&connections));
        assert!(connections.shed().expect("the second").what.contains("tcp.stream 1"));
        // The first connection resumes with the next request.
        let next = Segment {
            ports: (50000, 80),
            ..segment(0, 100, None, 5, b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
        };
        let produced = connections.segment(&next, &keylog, &mut arenas).expect("HTTP");
        let messages: usize = produced.http.iter().map(|(_, output)| output.messages.len()).sum();
        assert_eq!(messages, 1);
        // With nothing buffered left, the connections themselves go, the oldest first.
        for stream in 0..2 {
            let shed = connections.shed().expect("a connection to give up");
            assert_eq!(
                shed.what,
                format!("the HTTP state of tcp.stream {stream} (its later segments are not decoded)")
            );
        }
        assert_eq!(connections.shed(), None, "nothing is left");
        assert_eq!((connections.held, connections.open), (0, 0));
        let after =
            Segment { ports: (50000, 80), ..segment(0, 200, None, 6, b"GET /later HTTP/1.1\r\n\r\n") };
        assert!(connections.segment(&after, &keylog, &mut arenas).is_none(), "passed through unread");
    }

    #[test]
    fn over_the_tracker_limit_the_oldest_connection_gives_up_its_message_with_a_note() {
        use crate::capture::CaptureFile;
        use crate::testing::hostile::{Pcap, Side, TcpConnection};
        use crate::track::{Scratch, Tracker};

        // A request whose 2 MB body is buffered whole, then the next request.
        let mut pcap = Pcap::new(Vec::new()).expect("a pcap");
        let mut tcp = TcpConnection::new(([10, 0, 0, 1], 40_000), ([10, 0, 0, 2], 80));
        tcp.handshake(&mut pcap).expect("written");
        let head = b"POST /big HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n";
        tcp.send(&mut pcap, Side::Client, head).expect("written");
        for _ in 0..2_000_000 / 10_000 {
            tcp.send(&mut pcap, Side::Client, &[b'x'; 10_000]).expect("written");
        }
        tcp.send(&mut pcap, Side::Client, b"GET /next HTTP/1.1\r\n\r\n").expect("written");
        let capture = CaptureFile::from_vec(pcap.into_inner(), "budget").expect("a capture");
        let mut tracker = Tracker::new().with_memory_limit(1 << 20);
        let mut problems = Vec::new();
        let mut requests = Vec::new();
        for frame in capture.frames() {
            let frame = frame.expect("a frame");
            let mut scratch = Scratch::new();
            let packet = tracker.handle_frame(&frame, &mut scratch);
            problems.extend(packet.problems.iter().map(|problem| problem.message.clone()));
            if packet.layers.iter().any(|layer| layer.protocol() == Handoff::Http) {
                requests.push(frame.number);
            }
            assert!(tracker.memory_held() <= (1 << 20) + 20_000, "within the limit and one frame");
        }
        assert_eq!(
            problems.first().map(String::as_str),
            Some("memory limit reached: gave up the buffered reassembly and HTTP state of tcp.stream 0")
        );
        // Only the next request is shown: the first was given up before its body ended.
        let last = 4 + 1 + 2_000_000 / 10_000;
        assert_eq!(requests, [last], "the next request is read");
    }

    #[test]
    fn the_queue_follows_the_open_connections() {
        let keylog = KeyLog::new();
        let mut connections = Applications::default();
        let mut arenas = Arenas::default();
        // Ten thousand connections, each holding half a head, then reset.
        for stream in 0..10_000 {
            let head =
                Segment { stream, ports: (50000, 80), ..segment(0, 1, None, 1, b"GET / HTTP/1.1\r\n") };
            connections.segment(&head, &keylog, &mut arenas);
            let reset = Segment { stream, rst: true, ports: (80, 50000), ..segment(1, 1, None, 2, b"") };
            connections.segment(&reset, &keylog, &mut arenas);
        }
        assert_eq!(connections.queued, 0);
        assert!(connections.holding.len() <= COMPACT_AT, "{}", connections.holding.len());
        assert_eq!(connections.held, 0, "ended connections hold nothing but their slots");
        assert_eq!(connections.shed(), None);
    }
}
