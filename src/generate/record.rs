//! Generators under a live capture of loopback: what `rttscope demo --rtt 0` records (over an
//! emulated link the link records, see `over_link.rs`).
//!
//! One capture runs on the host's loopback for the whole recording; a generator that needs a
//! private network namespace (TCP Fast Open) gets a second capture on that namespace's
//! loopback, opened from inside it. Each generator's packets are then picked out by its flows
//! (server ports, echo identifier) within the time it ran, so other loopback traffic stays out
//! of a course capture; a generator that failed keeps everything of its time, to show what
//! happened.

use std::io::Write;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Flow, GenError, KeyLog, Place, Ran, Report, Variant, run_anywhere};
use crate::capture::{
    CaptureHandle, CaptureStats, Limits, LinkType, LiveCapture, LiveError, LivePacket, PcapngWriter,
    WriteError,
};
use crate::dissect::{Content, dissect};
use crate::link::LinkStats;

/// How long after a generator returns its last packets (closing handshakes, late ACKs) may
/// still be on their way to the capture.
const SETTLE: Duration = Duration::from_millis(30);

/// The loopback interface, where the generators talk.
const LOOPBACK: &str = "lo";

/// One capture interface and the packets kept from it.
#[derive(Debug)]
pub struct Interface {
    pub name: String,
    pub linktype: LinkType,
    pub snaplen: u32,
    pub packets: Vec<LivePacket>,
    pub stats: CaptureStats,
}

/// One generator's run within a recording.
#[derive(Debug)]
pub struct Run {
    pub variant: Variant,
    pub place: Place,
    pub outcome: Result<Report, GenError>,
    /// Index into [`Recording::interfaces`] of the capture that saw it.
    pub interface: usize,
    /// From just before the generator started to just after its last packet settled, in
    /// nanoseconds since the epoch; `None` for a run over a link of its own, whose capture
    /// holds nothing else.
    pub(super) window: Option<(i64, i64)>,
}

/// What a recording captured, and what each generator did.
#[derive(Debug)]
pub struct Recording {
    pub runs: Vec<Run>,
    pub interfaces: Vec<Interface>,
    pub keylog: KeyLog,
    /// What the emulated links did, over all runs; `None` on loopback.
    pub link: Option<LinkStats>,
}

impl Recording {
    /// Packets captured and kept, over every interface.
    pub fn packets(&self) -> usize {
        self.interfaces.iter().map(|interface| interface.packets.len()).sum()
    }

    /// Packets the kernel dropped, over every interface.
    pub fn dropped(&self) -> u64 {
        self.interfaces.iter().map(|interface| interface.stats.dropped).sum()
    }

    /// Writes the recording as pcapng: one interface block per capture, the key log in a
    /// Decryption Secrets Block, and the packets of all interfaces in time order.
    pub fn write_pcapng(&self, out: impl Write) -> Result<(), WriteError> {
        let mut writer = PcapngWriter::new(out)?;
        for interface in &self.interfaces {
            writer.add_interface(&interface.name, interface.linktype, interface.snaplen)?;
        }
        let keys = self.keylog.contents();
        if !keys.is_empty() {
            writer.write_secrets(keys.as_bytes())?;
        }
        // Each interface's packets stay in the order they arrived; the interfaces are merged by
        // time.
        let mut next = vec![0usize; self.interfaces.len()];
        loop {
            let earliest = (0..self.interfaces.len())
                .filter_map(|index| {
                    self.interfaces[index].packets.get(next[index]).map(|packet| (index, packet))
                })
                .min_by_key(|(_, packet)| packet.ts_ns);
            let Some((index, packet)) = earliest else { break };
            next[index] += 1;
            writer.write_packet(index as u32, packet.ts_ns, packet.orig_len, &packet.data)?;
        }
        writer.finish()?;
        Ok(())
    }
}

fn now_ns() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_nanos() as i64)
}

/// A capture running on some loopback, with what its packets will be written as.
struct Running {
    handle: CaptureHandle,
    name: String,
    linktype: LinkType,
    snaplen: u32,
}

fn start_capture(name: &str) -> Result<Running, LiveError> {
    let capture = LiveCapture::open(LOOPBACK)?;
    let (linktype, snaplen) = (capture.linktype(), capture.snaplen());
    Ok(Running { handle: capture.start(Limits::default())?, name: name.to_owned(), linktype, snaplen })
}

impl Running {
    fn stop(self) -> Result<Interface, LiveError> {
        let captured = self.handle.stop();
        if let Some(error) = captured.error {
            return Err(error);
        }
        Ok(Interface {
            name: self.name,
            linktype: self.linktype,
            snaplen: self.snaplen,
            packets: captured.packets,
            stats: captured.stats,
        })
    }
}

/// Runs the generators one after the other under a live capture. `progress` hears of each run
/// as it ends. Only a capture that cannot be opened is an error; a generator that fails is
/// reported in its run.
pub fn record(
    variants: &[Variant],
    keylog: &KeyLog,
    mut progress: impl FnMut(&Run),
) -> Result<Recording, LiveError> {
    let host = start_capture(LOOPBACK)?;
    let mut interfaces = Vec::new();
    let mut runs = Vec::new();
    for &variant in variants {
        let start = now_ns();
        let ran = run_anywhere(variant, keylog, move |place| match place {
            Place::Host | Place::Link => None,
            Place::PrivateNamespace => {
                Some(start_capture(&format!("{LOOPBACK} (private network namespace for {variant})")))
            }
        });
        thread::sleep(SETTLE);
        let (place, mut outcome, capture) = match ran {
            Ok(Ran { place, outcome, state }) => (place, outcome, state),
            Err(error) => (Place::Host, Err(error), None),
        };
        // The host's interface goes first in the file: a namespace's capture is numbered after
        // it, and after the namespaces before this one.
        let interface = match capture.map(|capture| capture.and_then(Running::stop)) {
            None => 0,
            Some(Ok(interface)) => {
                interfaces.push(interface);
                interfaces.len()
            }
            Some(Err(error)) => {
                // Without its capture, the run shows nothing: say why, and go on with the rest.
                outcome = Err(GenError {
                    variant,
                    step: "capturing in the private namespace",
                    detail: error.to_string(),
                });
                0
            }
        };
        let run = Run { variant, place, outcome, interface, window: Some((start, now_ns())) };
        progress(&run);
        runs.push(run);
    }
    interfaces.insert(0, host.stop()?);
    // Picking each run's packets out dissects them, and any local program can send on
    // loopback: that happens on a thread that holds no privilege, as the reading threads do.
    let picked = thread::scope(|scope| {
        let picking = scope.spawn(|| {
            crate::privilege::drop_this_thread()?;
            for (index, interface) in interfaces.iter_mut().enumerate() {
                let runs: Vec<&Run> = runs.iter().filter(|run| run.interface == index).collect();
                interface
                    .packets
                    .retain(|packet| runs.iter().any(|run| run.owns(packet, interface.linktype)));
            }
            Ok::<(), LiveError>(())
        });
        picking.join().unwrap_or_else(|_| Err(LiveError::ThreadPanicked(LOOPBACK.to_owned())))
    });
    picked?;
    Ok(Recording { runs, interfaces, keylog: keylog.clone(), link: None })
}

impl Run {
    /// Whether a captured packet is this run's: sent while it ran, and on one of its flows
    /// (any packet, when the generator failed before it could say which flows were its own).
    pub(super) fn owns(&self, packet: &LivePacket, linktype: LinkType) -> bool {
        if self.window.is_some_and(|(start, end)| packet.ts_ns < start || packet.ts_ns > end) {
            return false;
        }
        let Ok(report) = &self.outcome else { return true };
        let frame = packet.frame(0, linktype);
        let dissected = dissect(&frame);
        dissected.layers.iter().filter(|layer| !layer.is_quoted()).any(|layer| {
            report.flows.iter().any(|flow| match (flow, &layer.content) {
                (Flow::Tcp(port), Content::Tcp(tcp)) => [tcp.src_port(), tcp.dst_port()].contains(port),
                (Flow::Udp(port), Content::Udp(udp)) => [udp.src_port(), udp.dst_port()].contains(port),
                (Flow::Echo(ident), Content::Icmp(message)) => message.is_echo() && message.ident() == *ident,
                _ => false,
            })
        })
    }
}
