//! Live capture from a network interface, on a Linux AF_PACKET socket.
//!
//! [`LiveCapture::open`] opens and binds the socket on the calling thread, so it belongs to that
//! thread's network namespace and queues every packet from the moment it returns.
//! [`LiveCapture::start`] then reads on a background thread until [`CaptureHandle::stop`], a
//! count or a duration ends it.
//!
//! Packets arrive through a memory-mapped ring ([`ring`]) the kernel fills in blocks, so a
//! burst costs no system call per packet; a capture filter (`-f`, tcpdump's syntax) runs in the
//! kernel before the ring, so what it rejects never reaches this process.
//!
//! Invariants:
//! - Stopping loses nothing the kernel captured before the stop: the reading thread empties
//!   the ring, waiting out the kernel's handover of its last part-filled block, before it
//!   returns (tcpdump, killed, loses what its buffer still holds).
//! - On a loopback interface each packet is kept once. The kernel shows it twice, as sent
//!   (`PACKET_OUTGOING`) and as received; like libpcap, the sent copy is dropped. Elsewhere
//!   both directions are kept, each being a different packet.
//! - Memory per packet is bounded: at most [`SNAPLEN`] bytes of each packet are kept.
//! - The reading thread holds no privilege: it drops whatever it inherited before it reads a
//!   packet (`crate::privilege::drop_this_thread`), unless `--no-drop` said to keep it.

mod ring;
mod socket;

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use thiserror::Error;

use super::{CaptureFilterError, Frame, LinkType};
use crate::privilege::{self, PrivilegeError};
pub use socket::{ANY, SNAPLEN};
use socket::{PacketSocket, Received, now_ns};

/// How long the reading thread waits for a packet before it looks at the stop request again.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// After a stop, how long the ring must stay empty before the capture ends. A packet sent
/// just before the stop can still be in the kernel's per-CPU backlog, a few microseconds from
/// the socket, or in a block the kernel hands over only after [`ring::BLOCK_TIMEOUT_MS`];
/// waiting this long for it costs a stop nothing a person notices.
const SETTLE: Duration = Duration::from_millis(20 + ring::BLOCK_TIMEOUT_MS as u64);

/// How long [`LiveCapture::open`] waits for the kernel to stamp packets as they arrive.
const TIMESTAMPS_WARM_UP: Duration = Duration::from_millis(50);

/// Most blocks of the ring read in one go before the thread checks its stop request again.
const BATCH_BLOCKS: usize = 4;

/// Why a live capture could not start, or ended early.
#[derive(Debug, Error)]
pub enum LiveError {
    #[error(
        "capturing on {interface} needs the CAP_NET_RAW capability: run rttscope as root, \
         or grant it once with `sudo setcap cap_net_raw+ep {program}`"
    )]
    NoPermission { interface: String, program: String },
    #[error(
        "there is no interface {name} here; the interfaces are: {}{ANY} for all of them",
        list_names(.available)
    )]
    NoSuchInterface { name: String, available: Vec<String> },
    #[error("interface {0} is down; bring it up first (`ip link set {0} up`)")]
    InterfaceDown(String),
    #[error("cannot capture on {interface}: {step} failed: {source}")]
    Os { interface: String, step: &'static str, source: io::Error },
    #[error("the capture on {0} stopped unexpectedly: its reading thread panicked")]
    ThreadPanicked(String),
    #[error("{0}")]
    Privilege(#[from] PrivilegeError),
    #[error("{0}")]
    Filter(#[from] CaptureFilterError),
}

impl LiveError {
    /// The missing-privilege error, naming this very program in the `setcap` command.
    fn no_permission(interface: &str) -> Self {
        let program =
            std::env::current_exe().map_or_else(|_| "rttscope".to_owned(), |path| path.display().to_string());
        Self::NoPermission { interface: interface.to_owned(), program }
    }

    fn os(interface: &str, step: &'static str, source: io::Error) -> Self {
        Self::Os { interface: interface.to_owned(), step, source }
    }
}

/// "lo, eth0, or " — the list in [`LiveError::NoSuchInterface`], before `any`.
fn list_names(names: &[String]) -> String {
    names.iter().map(|name| format!("{name}, ")).collect::<String>() + "or "
}

/// What ends a capture besides a stop: a number of packets, a time, whichever comes first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Stop once this many packets have been kept.
    pub count: Option<u64>,
    /// Stop this long after the capture started.
    pub duration: Option<Duration>,
}

/// One captured packet, owning its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LivePacket {
    /// The kernel's receive time, in nanoseconds since the Unix epoch.
    pub ts_ns: i64,
    /// Length on the wire; `data` is shorter when the packet exceeded [`SNAPLEN`].
    pub orig_len: u32,
    /// The captured bytes, starting with the link-layer header.
    pub data: Vec<u8>,
}

impl LivePacket {
    /// The packet as a [`Frame`], for the dissector.
    pub fn frame(&self, number: u64, linktype: LinkType) -> Frame<'_> {
        Frame {
            number,
            ts_ns: self.ts_ns,
            linktype,
            interface: None,
            orig_len: self.orig_len,
            data: &self.data,
        }
    }
}

/// Counters of a finished capture, as tcpdump prints them at its end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Packets kept (after dropping loopback's duplicates).
    pub captured: u64,
    /// Packets the kernel let through the capture filter (`tp_packets`, tcpdump's "received
    /// by filter"), dropped ones and loopback's duplicates included. Without a filter, every
    /// packet the socket saw.
    pub received: u64,
    /// Packets the kernel dropped because the ring was full (`tp_drops`).
    pub dropped: u64,
}

/// What a capture produced.
#[derive(Debug, Default)]
pub struct Captured {
    /// The packets in arrival order; empty when they were streamed to a channel instead.
    pub packets: Vec<LivePacket>,
    pub stats: CaptureStats,
    /// The error that ended the capture early, if one did; the packets before it are kept.
    pub error: Option<LiveError>,
}

/// A packet socket, bound and queueing, not yet read.
pub struct LiveCapture {
    socket: PacketSocket,
    interface: String,
}

impl LiveCapture {
    /// Opens a capture on `interface` (or [`ANY`]). The socket is opened and bound here, on the
    /// calling thread: it belongs to this thread's network namespace, and every packet from
    /// now on is queued for [`start`](Self::start).
    pub fn open(interface: &str) -> Result<Self, LiveError> {
        Self::open_filtered(interface, None)
    }

    /// [`open`](Self::open), keeping only the packets that match `filter`, a capture filter in
    /// tcpdump's syntax (`udp port 53`), which the kernel runs. Compiling it needs libpcap.
    pub fn open_filtered(interface: &str, filter: Option<&str>) -> Result<Self, LiveError> {
        let socket = PacketSocket::open(interface, filter)?;
        // The first socket to ask for timestamps turns the kernel's receive stamping on, and
        // that takes effect a moment later (a deferred static key): packets before it are
        // stamped when read, later than packets after it, and a SYN would seem to follow its
        // own ClientHello. Wait that moment out before anything is sent.
        thread::sleep(TIMESTAMPS_WARM_UP);
        Ok(Self { socket, interface: interface.to_owned() })
    }

    /// The interface's name, as given to `open`.
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// How the captured packets begin: Ethernet for Ethernet and loopback, raw IP for tun
    /// devices and IP tunnels, Linux cooked for the rest and for [`ANY`].
    pub fn linktype(&self) -> LinkType {
        self.socket.linktype()
    }

    /// The most bytes kept of each packet.
    pub fn snaplen(&self) -> u32 {
        SNAPLEN
    }

    /// Reads on a background thread and keeps the packets, until stopped or a limit is met.
    pub fn start(self, limits: Limits) -> Result<CaptureHandle, LiveError> {
        self.spawn(limits, Sink::Keep(Vec::new()))
    }

    /// Reads on a background thread and sends each packet to `packets` as it arrives, so a
    /// long capture need not be held in memory. The capture stops if the receiver goes away.
    pub fn start_streaming(
        self,
        limits: Limits,
        packets: Sender<LivePacket>,
    ) -> Result<CaptureHandle, LiveError> {
        self.spawn(limits, Sink::Stream(packets))
    }

    fn spawn(self, limits: Limits, sink: Sink) -> Result<CaptureHandle, LiveError> {
        let stop_at = Arc::new(AtomicI64::new(RUNNING));
        let dropped = Arc::new(AtomicU64::new(0));
        let received = Arc::new(AtomicU64::new(0));
        let interface = self.interface.clone();
        let reader = Reader {
            socket: self.socket,
            interface: self.interface,
            count: limits.count,
            deadline: limits.duration.and_then(|duration| Instant::now().checked_add(duration)),
            stop_at: Arc::clone(&stop_at),
            sink,
            captured: 0,
            dropped: Arc::clone(&dropped),
            received: Arc::clone(&received),
        };
        let thread = thread::Builder::new()
            .name(format!("capture {interface}"))
            // The reading thread holds no privilege, whatever the thread that opened the
            // socket keeps (demo's, which goes on building namespaces).
            .spawn(move || match privilege::drop_this_thread() {
                Ok(_) => reader.run(),
                Err(error) => Captured { error: Some(error.into()), ..Captured::default() },
            })
            .map_err(|source| LiveError::os(&interface, "starting the reading thread", source))?;
        Ok(CaptureHandle { stop_at, dropped, received, thread: Some(thread), interface })
    }
}

/// `stop_at` while no stop was asked for.
const RUNNING: i64 = i64::MAX;

/// A running capture. Dropping it stops the capture and discards what it held.
pub struct CaptureHandle {
    /// When the capture was asked to stop, in nanoseconds since the epoch, or [`RUNNING`].
    stop_at: Arc<AtomicI64>,
    /// Packets the kernel has dropped so far, updated every poll interval.
    dropped: Arc<AtomicU64>,
    /// Packets the kernel has let through the filter so far, updated every poll interval.
    received: Arc<AtomicU64>,
    thread: Option<JoinHandle<Captured>>,
    interface: String,
}

impl CaptureHandle {
    /// Whether the capture ended by itself: a limit was met or an error ended it.
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Packets the kernel has dropped so far because the ring was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Packets the kernel has let through the capture filter so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Stops the capture and returns everything captured up to now, including the packets
    /// still waiting in the socket's queue.
    pub fn stop(mut self) -> Captured {
        self.stop_at.store(now_ns(), Ordering::SeqCst);
        self.join()
    }

    /// Waits until a limit or an error ends the capture. Without limits, that is forever.
    pub fn wait(mut self) -> Captured {
        self.join()
    }

    fn join(&mut self) -> Captured {
        let Some(thread) = self.thread.take() else { return Captured::default() };
        thread.join().unwrap_or_else(|_| Captured {
            error: Some(LiveError::ThreadPanicked(self.interface.clone())),
            ..Captured::default()
        })
    }
}

impl Drop for CaptureHandle {
    fn drop(&mut self) {
        // The thread sees this within one poll interval and ends on its own.
        self.stop_at.store(now_ns(), Ordering::SeqCst);
    }
}

/// Where kept packets go.
enum Sink {
    Keep(Vec<LivePacket>),
    Stream(Sender<LivePacket>),
}

/// Whether to go on reading.
#[derive(PartialEq, Eq)]
enum Flow {
    Continue,
    Stop,
}

/// The reading thread's state.
struct Reader {
    socket: PacketSocket,
    interface: String,
    count: Option<u64>,
    deadline: Option<Instant>,
    stop_at: Arc<AtomicI64>,
    sink: Sink,
    captured: u64,
    /// Packets the kernel dropped so far, shared with the [`CaptureHandle`].
    dropped: Arc<AtomicU64>,
    /// Packets the kernel let through the filter so far, shared likewise.
    received: Arc<AtomicU64>,
}

impl Reader {
    fn run(mut self) -> Captured {
        let error = self
            .read_until_stopped()
            .err()
            .map(|source| LiveError::os(&self.interface, "reading a packet", source));
        self.count_drops();
        let dropped = self.dropped.load(Ordering::Relaxed);
        let received = self.received.load(Ordering::Relaxed);
        let packets = match self.sink {
            Sink::Keep(packets) => packets,
            Sink::Stream(_) => Vec::new(),
        };
        Captured { packets, stats: CaptureStats { captured: self.captured, received, dropped }, error }
    }

    fn read_until_stopped(&mut self) -> io::Result<()> {
        loop {
            let stop_at = self.stop_at.load(Ordering::SeqCst);
            if stop_at != RUNNING {
                return self.drain(stop_at);
            }
            let now = Instant::now();
            let timeout = match self.deadline {
                Some(deadline) if now >= deadline => return self.drain(now_ns()),
                Some(deadline) => POLL_INTERVAL.min(deadline - now),
                None => POLL_INTERVAL,
            };
            if self.socket.wait_readable(timeout)? && self.read_batch()? == Flow::Stop {
                return Ok(());
            }
            self.count_drops();
        }
    }

    /// Adds the kernel's counts since the last look to the shared counters. The kernel
    /// resets its counters on each read, so every packet is counted once.
    fn count_drops(&self) {
        // Reading the counters cannot fail on a socket that was just read from; were it to,
        // reporting nothing is the least wrong answer.
        let counts = self.socket.take_counts().unwrap_or_default();
        self.dropped.fetch_add(counts.dropped, Ordering::Relaxed);
        self.received.fetch_add(counts.received, Ordering::Relaxed);
    }

    /// The packets of the ring's next block, with each one's stamp and whether it is kept;
    /// `None` when the kernel has handed over no block. The block goes back to the kernel
    /// here, its packets copied out.
    fn next_block(&mut self) -> Option<Vec<(i64, Option<LivePacket>)>> {
        let block = self.socket.next_block()?;
        Some(block.packets().map(|packet| (packet.ts_ns, wanted(packet))).collect())
    }

    /// Reads what the ring holds, up to [`BATCH_BLOCKS`] blocks.
    fn read_batch(&mut self) -> io::Result<Flow> {
        for _ in 0..BATCH_BLOCKS {
            let Some(packets) = self.next_block() else { return Ok(Flow::Continue) };
            for (_, packet) in packets {
                if let Some(packet) = packet
                    && self.keep(packet) == Flow::Stop
                {
                    return Ok(Flow::Stop);
                }
            }
        }
        Ok(Flow::Continue)
    }

    /// Empties the queue, waiting [`SETTLE`] for stragglers, and ends at the first packet
    /// stamped more than [`SETTLE`] after `stop_at`, so a busy link cannot keep it going.
    ///
    /// The margin is there because a stamp is not always the arrival time: until the kernel
    /// has switched receive timestamps on (deferred work, just after the first socket asks for
    /// them), it stamps a packet when it is read. Such a packet, queued before the stop but
    /// read during the drain, must not end it.
    fn drain(&mut self, stop_at: i64) -> io::Result<()> {
        let settle_ns = i64::try_from(SETTLE.as_nanos()).unwrap_or(i64::MAX);
        let last_stamp = stop_at.saturating_add(settle_ns);
        loop {
            let Some(packets) = self.next_block() else {
                if self.socket.wait_readable(SETTLE)? {
                    continue;
                }
                return Ok(());
            };
            for (ts_ns, packet) in packets {
                if ts_ns > last_stamp {
                    return Ok(());
                }
                if let Some(packet) = packet
                    && self.keep(packet) == Flow::Stop
                {
                    return Ok(());
                }
            }
        }
    }

    fn keep(&mut self, packet: LivePacket) -> Flow {
        self.captured += 1;
        let delivered = match &mut self.sink {
            Sink::Keep(packets) => {
                packets.push(packet);
                true
            }
            Sink::Stream(sender) => sender.send(packet).is_ok(),
        };
        match self.count {
            _ if !delivered => Flow::Stop,
            Some(count) if self.captured >= count => Flow::Stop,
            _ => Flow::Continue,
        }
    }
}

/// The packet to keep, or `None` for loopback's copy of a packet as sent.
fn wanted(received: Received<'_>) -> Option<LivePacket> {
    if received.loopback_echo {
        return None;
    }
    let header = received.cooked_header.as_ref().map_or(&[][..], |header| &header[..]);
    Some(LivePacket {
        ts_ns: received.ts_ns,
        orig_len: received.orig_len,
        data: [header, received.data].concat(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_privilege_says_how_to_get_it() {
        let error =
            LiveError::NoPermission { interface: "eth0".into(), program: "/usr/local/bin/rttscope".into() };
        assert_eq!(
            error.to_string(),
            "capturing on eth0 needs the CAP_NET_RAW capability: run rttscope as root, or grant it \
             once with `sudo setcap cap_net_raw+ep /usr/local/bin/rttscope`"
        );
        let LiveError::NoPermission { program, .. } = LiveError::no_permission("lo") else {
            panic!("the permission error");
        };
        assert!(!program.is_empty());
    }

    #[test]
    fn a_missing_interface_lists_the_others() {
        let error =
            LiveError::NoSuchInterface { name: "eth9".into(), available: vec!["lo".into(), "eth0".into()] };
        assert_eq!(
            error.to_string(),
            "there is no interface eth9 here; the interfaces are: lo, eth0, or any for all of them"
        );
    }

    #[test]
    fn os_errors_name_the_step_that_failed() {
        let error =
            LiveError::os("lo", "binding to the interface", io::Error::from_raw_os_error(libc::ENOBUFS));
        assert_eq!(
            error.to_string(),
            "cannot capture on lo: binding to the interface failed: No buffer space available (os error 105)"
        );
        assert_eq!(
            LiveError::InterfaceDown("ifb0".into()).to_string(),
            "interface ifb0 is down; bring it up first (`ip link set ifb0 up`)"
        );
    }

    #[test]
    fn a_loopback_echo_is_not_kept() {
        let data = [1, 2, 3];
        let echo = Received { ts_ns: 5, orig_len: 3, cooked_header: None, data: &data, loopback_echo: true };
        assert_eq!(wanted(echo), None);
        let received =
            Received { ts_ns: 6, orig_len: 9, cooked_header: None, data: &data, loopback_echo: false };
        let packet = wanted(received).expect("kept");
        assert_eq!(packet, LivePacket { ts_ns: 6, orig_len: 9, data: data.to_vec() });
        let frame = packet.frame(3, LinkType::Ethernet);
        assert_eq!((frame.number, frame.ts_ns, frame.orig_len, frame.data), (3, 6, 9, data.as_slice()));
        // A cooked socket's packet gets its header in front.
        let cooked = Received {
            ts_ns: 7,
            orig_len: 19,
            cooked_header: Some([9; 16]),
            data: &data,
            loopback_echo: false,
        };
        let packet = wanted(cooked).expect("kept");
        assert_eq!(&packet.data[..16], &[9; 16]);
        assert_eq!(&packet.data[16..], &data);
    }
}
