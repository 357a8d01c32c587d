//! Generators over an emulated link: what `rttscope demo` and `rttscope gen --rtt` record.
//!
//! Every run gets a link of its own, started before it and finished after it: TCP Fast Open's
//! cookie cache then starts empty, so the first connection really asks for a cookie, and the
//! link's capture holds that run's packets only. The emulator records each frame where it
//! leaves the client and where it reaches the server (and back), on one clock; the runs' frames
//! are kept by the run's flows, as on loopback (the link's own chatter, ARP and IPv6 neighbour
//! discovery, stays out).
//!
//! The thread that calls [`record_over_link`] builds and removes the links (it needs the
//! privilege to); the emulator, the generators' peers and the thread that picks each run's
//! frames out (dissecting them) each drop every privilege for themselves.
//!
//! Invariant: the recording has exactly two interfaces, [`CLIENT_SIDE`] then [`SERVER_SIDE`],
//! both Ethernet; runs happen one after another, so each interface's frames stay in time order.

use std::thread;
use std::time::Duration;

use super::record::{Interface, Recording, Run};
use super::{GenError, KeyLog, Place, Report, Variant, cannot_run_on, run};
use crate::capture::{CaptureStats, LinkType, LivePacket, SNAPLEN};
use crate::link::{Link, LinkCapture, LinkConfig, LinkError, LinkStats};

/// The name of the interface that holds what the client's end of the link saw.
pub const CLIENT_SIDE: &str = "client side";
/// The name of the interface that holds what the server's end of the link saw.
pub const SERVER_SIDE: &str = "server side";

/// How long after a generator returns its last packets may still be in flight, beyond the
/// link's own delay (the client's last ACK of the server's FIN, say).
const SETTLE: Duration = Duration::from_millis(30);

/// Runs the generators one after the other, each over a fresh link set up as `config`.
/// `progress` hears of each run as it ends.
///
/// A link that cannot be built for the first run is the error (with what is missing), so the
/// caller can fall back to loopback before any traffic; a link that fails later, a generator
/// that fails, or a QUIC variant on a link too small for QUIC ([`cannot_run_on`]) is reported
/// in its run.
pub fn record_over_link(
    variants: &[Variant],
    config: &LinkConfig,
    keylog: &KeyLog,
    mut progress: impl FnMut(&Run),
) -> Result<Recording, LinkError> {
    let mut client_side = side(CLIENT_SIDE);
    let mut server_side = side(SERVER_SIDE);
    let mut stats = LinkStats::default();
    let mut runs = Vec::new();
    for (index, &variant) in variants.iter().enumerate() {
        let outcome = match Link::start(config) {
            Err(error @ LinkError::Unavailable(_)) if index == 0 => return Err(error),
            Err(error) => Err(GenError::new(variant, "building the link", error)),
            Ok(link) => {
                let outcome = match cannot_run_on(variant, config) {
                    Some(refused) => Err(refused),
                    None => {
                        let outcome = run(variant, link.hosts(), keylog);
                        thread::sleep(config.rtt + config.jitter + SETTLE);
                        outcome
                    }
                };
                match link.finish() {
                    Ok(capture) => {
                        let run = Run::over_link(variant, outcome);
                        let sides = (&mut client_side, &mut server_side);
                        let run = match keep_unprivileged(&run, capture, sides, &mut stats) {
                            Ok(()) => run,
                            Err(error) => Run::over_link(variant, Err(error)),
                        };
                        progress(&run);
                        runs.push(run);
                        continue;
                    }
                    // A link that could not record leaves the run with nothing to show.
                    Err(error) => outcome.and(Err(GenError::new(variant, "recording the link", error))),
                }
            }
        };
        let run = Run::over_link(variant, outcome);
        progress(&run);
        runs.push(run);
    }
    Ok(Recording {
        runs,
        interfaces: vec![client_side, server_side],
        keylog: keylog.clone(),
        link: Some(stats),
    })
}

/// One side of the link, before any frame.
fn side(name: &str) -> Interface {
    Interface {
        name: name.to_owned(),
        linktype: LinkType::Ethernet,
        snaplen: SNAPLEN,
        packets: Vec::new(),
        stats: CaptureStats::default(),
    }
}

/// [`keep`] on a thread of its own that holds no privilege: picking the run's frames out
/// dissects them, and the thread driving the namespaces keeps its privileges.
fn keep_unprivileged(
    run: &Run,
    capture: LinkCapture,
    (client_side, server_side): (&mut Interface, &mut Interface),
    stats: &mut LinkStats,
) -> Result<(), GenError> {
    let failed = |detail: String| GenError::new(run.variant, "picking the run's frames", detail);
    thread::scope(|scope| {
        let picking = thread::Builder::new()
            .name("link-picking".into())
            .spawn_scoped(scope, || {
                crate::privilege::drop_this_thread().map_err(|error| failed(error.to_string()))?;
                keep(run, capture, client_side, server_side, stats);
                Ok(())
            })
            .map_err(|error| failed(error.to_string()))?;
        picking.join().unwrap_or_else(|_| Err(failed("its thread panicked".into())))
    })
}

/// Adds the run's frames from one link's capture to the two sides, in time order.
fn keep(
    run: &Run,
    capture: LinkCapture,
    client_side: &mut Interface,
    server_side: &mut Interface,
    stats: &mut LinkStats,
) {
    for (interface, mut packets) in [(client_side, capture.client_side), (server_side, capture.server_side)] {
        packets.retain(|packet| run.owns(packet, LinkType::Ethernet));
        // Stable: frames with one timestamp keep the order the emulator saw them in.
        packets.sort_by_key(|packet: &LivePacket| packet.ts_ns);
        interface.stats.captured += packets.len() as u64;
        interface.packets.extend(packets);
    }
    add(stats, &capture.stats);
}

/// Adds what one link did to what the links before it did.
fn add(total: &mut LinkStats, one: &LinkStats) {
    total.forwarded += one.forwarded;
    total.lost += one.lost;
    total.queue_drops += one.queue_drops;
    total.too_big += one.too_big;
    total.dropped_by_rule += one.dropped_by_rule;
}

/// What a link did, in words: "412 frames forwarded; 3 lost, 1 dropped by --drop".
pub fn describe(stats: &LinkStats) -> String {
    let mut text = format!("{} frames forwarded", stats.forwarded);
    let drops = [
        (stats.lost, "lost"),
        (stats.queue_drops, "dropped by a full queue"),
        (stats.too_big, "too big for the MTU"),
        (stats.dropped_by_rule, "dropped by --drop"),
    ];
    let drops: Vec<String> =
        drops.iter().filter(|(count, _)| *count > 0).map(|(count, what)| format!("{count} {what}")).collect();
    if !drops.is_empty() {
        text.push_str("; ");
        text.push_str(&drops.join(", "));
    }
    text
}

impl Run {
    /// A run over a link of its own: everything on that link in its time is its own.
    pub(crate) fn over_link(variant: Variant, outcome: Result<Report, GenError>) -> Self {
        Self { variant, place: Place::Link, outcome, interface: 0, window: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::Flow;
    use crate::testing::{ICMP, IPV4, TCP, UDP, ethernet, icmp, ipv4, tcp, udp};

    const CLIENT: [u8; 4] = [10, 0, 0, 1];
    const SERVER: [u8; 4] = [10, 0, 0, 2];

    fn packet(ts_ns: i64, data: Vec<u8>) -> LivePacket {
        LivePacket { ts_ns, orig_len: data.len() as u32, data }
    }

    #[test]
    fn a_run_keeps_its_own_frames_on_each_side_in_time_order() {
        let mut report = Report::new(Variant::Udp);
        report.flows.push(Flow::Udp(4433));
        let run = Run::over_link(Variant::Udp, Ok(report));
        // Client to server port 4433 and back: the run's. A datagram to port 53 and an echo
        // request are not among its flows.
        let ours = |ts, src, dst, ports: (u16, u16)| {
            packet(ts, ethernet(IPV4, &ipv4(UDP, src, dst, &udp(ports.0, ports.1, b"echo"))))
        };
        let theirs = packet(15, ethernet(IPV4, &ipv4(UDP, CLIENT, SERVER, &udp(5000, 53, b"dns?"))));
        let ping = packet(16, ethernet(IPV4, &ipv4(ICMP, CLIENT, SERVER, &icmp(8, 0, [0, 1, 0, 1], b""))));
        let capture = LinkCapture {
            // The emulator may hand frames over out of order; the recording keeps time order.
            client_side: vec![
                ours(30, SERVER, CLIENT, (4433, 5000)),
                theirs,
                ours(10, CLIENT, SERVER, (5000, 4433)),
            ],
            server_side: vec![
                ours(20, CLIENT, SERVER, (5000, 4433)),
                ping,
                ours(25, SERVER, CLIENT, (4433, 5000)),
            ],
            stats: LinkStats { forwarded: 6, lost: 1, ..LinkStats::default() },
        };
        let (mut client_side, mut server_side) = (side(CLIENT_SIDE), side(SERVER_SIDE));
        let mut stats = LinkStats { forwarded: 2, ..LinkStats::default() };
        keep(&run, capture, &mut client_side, &mut server_side, &mut stats);
        let times = |interface: &Interface| interface.packets.iter().map(|p| p.ts_ns).collect::<Vec<_>>();
        assert_eq!(times(&client_side), [10, 30]);
        assert_eq!(times(&server_side), [20, 25]);
        assert_eq!((client_side.stats.captured, server_side.stats.captured), (2, 2));
        assert_eq!(stats, LinkStats { forwarded: 8, lost: 1, ..LinkStats::default() });
        assert_eq!((client_side.linktype, client_side.name.as_str()), (LinkType::Ethernet, "client side"));

        // A run that failed before naming its flows keeps everything its link saw.
        let failed =
            Run::over_link(Variant::Tls13, Err(GenError::new(Variant::Tls13, "connecting", "refused")));
        let syn = packet(40, ethernet(IPV4, &ipv4(TCP, CLIENT, SERVER, &tcp(5001, 443, 1, 0, 0x002, b""))));
        let capture = LinkCapture { client_side: vec![syn], ..LinkCapture::default() };
        keep(&failed, capture, &mut client_side, &mut server_side, &mut stats);
        assert_eq!(times(&client_side), [10, 30, 40]);
    }

    #[test]
    fn link_stats_read_as_one_line_naming_only_what_happened() {
        let quiet = LinkStats { forwarded: 12, ..LinkStats::default() };
        assert_eq!(describe(&quiet), "12 frames forwarded");
        let busy = LinkStats { forwarded: 40, lost: 3, dropped_by_rule: 1, ..LinkStats::default() };
        assert_eq!(describe(&busy), "40 frames forwarded; 3 lost, 1 dropped by --drop");
        let mut total = quiet;
        add(&mut total, &busy);
        assert_eq!(total, LinkStats { forwarded: 52, lost: 3, dropped_by_rule: 1, ..LinkStats::default() });
    }
}
