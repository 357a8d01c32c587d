//! Live capture on loopback, through the library and through `rttscope capture`. A raw packet
//! socket needs CAP_NET_RAW, so every test here is ignored unless run as root with
//! `--include-ignored`.
//!
//! Other programs may use loopback at the same time; each test picks out its own flow by its
//! random ports and numbered payloads.

use crate::common;

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::flow::Flow;
use common::{rttscope, stderr, stdout};
use etherparse::{SlicedPacket, TransportSlice};
use rttscope::capture::{CaptureFile, Limits, LinkType, LiveCapture};

const ROOT: &str = "needs root (CAP_NET_RAW) for a raw socket";

/// The number in a captured Ethernet frame, when it is a datagram between these ports.
fn datagram_number(ports: (u16, u16), frame: &[u8]) -> Option<u64> {
    let packet = SlicedPacket::from_ethernet(frame).ok()?;
    let Some(TransportSlice::Udp(udp)) = packet.transport else { return None };
    if (udp.source_port(), udp.destination_port()) != ports {
        return None;
    }
    std::str::from_utf8(udp.payload()).ok()?.strip_prefix(common::flow::PREFIX)?.parse().ok()
}

fn now_ns() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970");
    i64::try_from(since.as_nanos()).expect("before 2262")
}

#[test]
#[ignore = "needs root (CAP_NET_RAW) for a raw socket"]
fn a_loopback_capture_keeps_each_datagram_once_with_nanosecond_times() {
    let flow = Flow::new();
    let capture = LiveCapture::open("lo").expect(ROOT);
    assert_eq!(capture.linktype(), LinkType::Ethernet);
    let handle = capture.start(Limits::default()).expect("start");
    let started = now_ns();
    // Sent right after `start`: `open` already queues packets, so none may be missed.
    for number in 0..100 {
        flow.send(number);
    }
    let ended = now_ns();
    let captured = handle.stop();
    assert!(captured.error.is_none(), "{:?}", captured.error);
    assert_eq!(captured.stats.captured, captured.packets.len() as u64);
    assert_eq!(captured.stats.dropped, 0);

    let ours: Vec<_> = captured
        .packets
        .iter()
        .filter_map(|packet| datagram_number(flow.ports, &packet.data).map(|number| (number, packet.ts_ns)))
        .collect();
    // Each once: the kernel's outgoing copy on loopback is not kept beside the incoming one.
    assert_eq!(ours.iter().map(|(number, _)| *number).collect::<Vec<_>>(), (0..100).collect::<Vec<_>>());
    let times: Vec<i64> = ours.iter().map(|(_, ts)| *ts).collect();
    assert!(times.is_sorted(), "timestamps in arrival order: {times:?}");
    assert!(times.iter().all(|ts| (started - 1_000_000..=ended + 1_000_000).contains(ts)), "{times:?}");
    // Microsecond stamps would all end in 000; a hundred nanosecond ones cannot.
    assert!(times.iter().any(|ts| ts % 1000 != 0), "{times:?}");
}

#[test]
#[ignore = "needs root (CAP_NET_RAW) for a raw socket"]
fn a_capture_stopped_mid_stream_loses_no_packet() {
    let flow = Arc::new(Flow::new());
    let handle = LiveCapture::open("lo").expect(ROOT).start(Limits::default()).expect("start");
    let sent = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sender = {
        let (flow, sent, done) = (Arc::clone(&flow), Arc::clone(&sent), Arc::clone(&done));
        thread::spawn(move || {
            let mut number = 0;
            while !done.load(Ordering::SeqCst) {
                flow.send(number);
                number += 1;
                sent.store(number, Ordering::SeqCst);
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while sent.load(Ordering::SeqCst) < 2000 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    // Everything counted here was sent before the stop, so it must be in the capture.
    let sent_before_stop = sent.load(Ordering::SeqCst);
    let captured = handle.stop();
    done.store(true, Ordering::SeqCst);
    sender.join().expect("the sender ends");

    assert!(sent_before_stop >= 2000, "the sender was too slow: {sent_before_stop}");
    assert!(captured.error.is_none(), "{:?}", captured.error);
    assert_eq!(captured.stats.dropped, 0, "the kernel dropped packets; the test proves nothing");
    assert_eq!(captured.stats.captured, captured.packets.len() as u64);
    let numbers: Vec<u64> =
        captured.packets.iter().filter_map(|packet| datagram_number(flow.ports, &packet.data)).collect();
    let kept = numbers.len() as u64;
    assert!(kept >= sent_before_stop, "{kept} kept of {sent_before_stop} sent before the stop");
    assert!(numbers.iter().copied().eq(0..kept), "a gap or a duplicate in {numbers:?}");
}

#[test]
#[ignore = "needs root (CAP_NET_RAW) for a raw socket"]
fn a_capture_opened_in_a_private_network_namespace_sees_only_that_namespace() {
    // Traffic on the host's loopback that the namespace's capture must not see.
    let host_flow = Arc::new(Flow::new());
    let done = Arc::new(AtomicBool::new(false));
    let host_sender = {
        let (flow, done) = (Arc::clone(&host_flow), Arc::clone(&done));
        thread::spawn(move || {
            let mut number = 0;
            while !done.load(Ordering::SeqCst) {
                flow.send(number);
                number += 1;
                thread::sleep(Duration::from_micros(200));
            }
        })
    };
    let inside = thread::spawn(|| {
        enter_new_network_namespace();
        let capture = LiveCapture::open("lo").expect("open inside the namespace");
        let flow = Flow::new();
        let handle = capture.start(Limits::default()).expect("start");
        for number in 0..20 {
            flow.send(number);
        }
        let captured = handle.stop();
        (flow.ports, captured)
    });
    let (ports, captured) = inside.join().expect("the namespace thread ends");
    done.store(true, Ordering::SeqCst);
    host_sender.join().expect("the host sender ends");

    assert!(captured.error.is_none(), "{:?}", captured.error);
    let numbers: Vec<u64> =
        captured.packets.iter().filter_map(|packet| datagram_number(ports, &packet.data)).collect();
    assert_eq!(numbers, (0..20).collect::<Vec<_>>());
    assert!(!captured.packets.iter().any(|packet| datagram_number(host_flow.ports, &packet.data).is_some()));
}

/// Moves this thread into a new network namespace and brings its loopback up.
fn enter_new_network_namespace() {
    // SAFETY: unshare with CLONE_NEWNET affects only the calling thread's namespaces.
    assert_eq!(unsafe { libc::unshare(libc::CLONE_NEWNET) }, 0, "{}", std::io::Error::last_os_error());
    // SAFETY: plain system calls on a new socket, with an ifreq naming "lo".
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        assert!(fd >= 0);
        let mut request: libc::ifreq = std::mem::zeroed();
        request.ifr_name[..2].copy_from_slice(&[b'l' as libc::c_char, b'o' as libc::c_char]);
        assert_eq!(libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut request), 0);
        request.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        assert_eq!(libc::ioctl(fd, libc::SIOCSIFFLAGS, &mut request), 0);
        libc::close(fd);
    }
}

/// Sends numbered datagrams every millisecond until dropped.
struct Traffic {
    done: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Traffic {
    fn start() -> Self {
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        let thread = thread::spawn(move || {
            let flow = Flow::new();
            let mut number = 0;
            while !flag.load(Ordering::SeqCst) {
                flow.send(number);
                number += 1;
                thread::sleep(Duration::from_millis(1));
            }
        });
        Self { done, thread: Some(thread) }
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn frame_count(path: &Path) -> usize {
    let capture = CaptureFile::open(path).expect("the capture opens");
    let frames: Result<Vec<_>, _> = capture.frames().collect();
    frames.expect("every frame reads").len()
}

fn spawn_capture(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_rttscope"))
        .arg("capture")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the rttscope binary runs")
}

#[test]
#[ignore = "needs root (CAP_NET_RAW) for a raw socket"]
fn the_capture_command_stops_after_count_packets() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("five.pcapng");
    let _traffic = Traffic::start();
    let output = rttscope(&["capture", "-i", "lo", "--count", "5", "-w", &file.to_string_lossy()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.contains("rttscope: 5 packets captured, ")
            && text.contains(", 0 dropped by the kernel, written to"),
        "{text}"
    );
    assert_eq!(frame_count(&file), 5);
    let dissected = rttscope(&["dissect", &file.to_string_lossy()]);
    assert!(dissected.status.success(), "{}", stderr(&dissected));
    assert_eq!(stdout(&dissected).lines().count(), 5);
    assert!(stdout(&dissected).contains("UDP"), "{}", stdout(&dissected));
}

#[test]
#[ignore = "needs root (CAP_NET_RAW) for a raw socket"]
fn sigterm_and_sigint_stop_the_capture_command_with_every_packet_written() {
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = dir.path().join("signalled.pcapng");
        let traffic = Traffic::start();
        let child = spawn_capture(&["-i", "lo", "-w", &file.to_string_lossy()]);
        thread::sleep(Duration::from_millis(300));
        let pid = libc::pid_t::try_from(child.id()).expect("a pid");
        // SAFETY: sends a signal to the child started above.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        let output = child.wait_with_output().expect("the capture ends");
        drop(traffic);
        let text = stderr(&output);
        assert!(output.status.success(), "signal {signal}: {text}");
        let summary = text.lines().last().unwrap_or_default();
        let reported: usize = summary
            .strip_prefix("rttscope: ")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|count| count.parse().ok())
            .unwrap_or_else(|| panic!("no count in {summary:?}"));
        assert!(reported > 10, "{summary}");
        assert_eq!(frame_count(&file), reported, "{summary}");
    }
}

#[test]
#[ignore = "needs root (CAP_NET_RAW) for a raw socket"]
fn the_capture_command_stops_after_its_duration() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("timed.pcapng");
    let started = Instant::now();
    let output = rttscope(&["capture", "--duration", "300ms", "-w", &file.to_string_lossy()]);
    let took = started.elapsed();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!((Duration::from_millis(300)..Duration::from_secs(3)).contains(&took), "{took:?}");
    assert!(CaptureFile::open(&file).is_ok());
}

#[test]
#[ignore = "needs root (CAP_NET_RAW) for a raw socket"]
fn a_missing_interface_is_one_line_that_lists_the_real_ones() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("never.pcapng");
    let output = rttscope(&["capture", "-i", "rttscope-nope0", "-w", &file.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("rttscope: there is no interface rttscope-nope0 here"), "{text}");
    assert!(text.contains(" lo,"), "{text}");
    assert!(!file.exists(), "no file is left behind");
}

const LIBPCAP: &str = "needs root (CAP_NET_RAW) and libpcap (libpcap0.8) for -f";

/// Traffic to two ports, a capture filter naming one: only that port's datagrams reach the
/// capture, and the kernel's own counter (`tp_packets`, what passed the filter) shows the
/// other port's never left the kernel.
#[test]
#[ignore = "needs root (CAP_NET_RAW) and libpcap (libpcap0.8) for -f"]
fn a_capture_filter_keeps_one_port_and_the_kernel_drops_the_other() {
    let (kept, filtered) = (Flow::new(), Flow::new());
    let filter = format!("udp port {}", kept.ports.1);
    let capture = LiveCapture::open_filtered("lo", Some(&filter)).expect(LIBPCAP);
    let handle = capture.start(Limits::default()).expect("start");
    for number in 0..100 {
        kept.send(number);
        filtered.send(number);
    }
    let captured = handle.stop();
    assert!(captured.error.is_none(), "{:?}", captured.error);
    assert_eq!(captured.stats.dropped, 0);
    let numbers: Vec<u64> =
        captured.packets.iter().filter_map(|packet| datagram_number(kept.ports, &packet.data)).collect();
    assert_eq!(numbers, (0..100).collect::<Vec<_>>());
    assert!(!captured.packets.iter().any(|packet| datagram_number(filtered.ports, &packet.data).is_some()));
    assert_eq!(captured.stats.captured, 100, "nothing but the filtered port's datagrams");
    // Loopback shows each datagram twice (as sent, as received): 200 passed the filter, and
    // none of the other port's 200, which the kernel rejected before the ring.
    assert_eq!(captured.stats.received, 200, "{:?}", captured.stats);
}

/// A filter that reads the link-layer address cannot run on a cooked socket (`any`), whose
/// packets the kernel shows from the network header: it is refused at open.
#[test]
#[ignore = "needs root (CAP_NET_RAW) and libpcap (libpcap0.8) for -f"]
fn a_filter_the_kernel_cannot_run_is_refused_at_open() {
    let error = LiveCapture::open_filtered("any", Some("link[6] = 2")).err().expect("refused");
    assert!(error.to_string().contains("link-layer header fields"), "{error}");
    let any =
        LiveCapture::open_filtered("any", Some("udp port 9")).expect("a cooked socket takes IP filters");
    assert_eq!(any.linktype(), LinkType::LinuxSll);
}

/// 20,000 datagrams sent as fast as one thread can, while the capture reads them and while
/// nothing reads them yet (the socket is open, its reader not started): the ring holds them
/// all, or the kernel says how many it dropped.
#[test]
#[ignore = "needs root (CAP_NET_RAW) for a raw socket"]
fn a_burst_is_captured_whole_or_its_drops_are_counted() {
    for stalled in [false, true] {
        burst(stalled);
    }
}

fn burst(stalled: bool) {
    const BURST: u64 = 20_000;
    let flow = Flow::new();
    let capture = LiveCapture::open("lo").expect(ROOT);
    let (mut waiting, mut running) = (None, None);
    if stalled {
        waiting = Some(capture);
    } else {
        running = Some(capture.start(Limits::default()).expect("start"));
    }
    let started = Instant::now();
    for number in 0..BURST {
        flow.send(number);
    }
    let took = started.elapsed();
    let handle = match (waiting, running) {
        (Some(capture), _) => capture.start(Limits::default()).expect("start"),
        (None, Some(handle)) => handle,
        (None, None) => unreachable!("one of the two was set"),
    };
    let captured = handle.stop();
    assert!(captured.error.is_none(), "{:?}", captured.error);
    let numbers: Vec<u64> =
        captured.packets.iter().filter_map(|packet| datagram_number(flow.ports, &packet.data)).collect();
    let kept = numbers.len() as u64;
    eprintln!("burst of {BURST} in {took:?} (reader stalled: {stalled}): {kept} kept, {:?}", captured.stats);
    assert!(numbers.windows(2).all(|pair| pair[0] < pair[1]), "in order, each once");
    assert!(
        kept == BURST || kept + captured.stats.dropped >= BURST,
        "{kept} of {BURST} kept and only {} drops reported",
        captured.stats.dropped
    );
}

/// `rttscope capture -w -` writes pcapng to a pipe as packets arrive (flushed per batch, while
/// the capture still runs), and `rttscope capture ... -w - | rttscope dissect -` works.
#[test]
#[ignore = "needs root (CAP_NET_RAW) and libpcap (libpcap0.8) for -f"]
fn a_capture_written_to_a_pipe_arrives_as_it_is_captured() {
    let flow = Flow::new();
    let filter = format!("udp port {}", flow.ports.1);
    let mut child = spawn_capture(&["-i", "lo", "-f", &filter, "-w", "-"]);
    let mut pipe = child.stdout.take().expect("piped");
    let reader = thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 4096];
        // Until the tenth datagram's payload has arrived through the pipe.
        while !bytes.windows(15).any(|window| window == b"rttscope-live 9") {
            let read = pipe.read(&mut chunk).expect("read the pipe");
            assert!(read > 0, "the pipe closed before the packets came");
            bytes.extend_from_slice(&chunk[..read]);
        }
        (bytes, pipe)
    });
    thread::sleep(Duration::from_millis(300));
    for number in 0..10 {
        flow.send(number);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while !reader.is_finished() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    assert!(reader.is_finished(), "the packets did not reach the pipe within 5 s");
    assert!(child.try_wait().expect("the capture's status").is_none(), "still capturing");
    let (mut bytes, mut pipe) = reader.join().expect("the reader ends");
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    // SAFETY: sends a signal to the child started above.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    pipe.read_to_end(&mut bytes).expect("the rest of the pipe");
    let output = child.wait_with_output().expect("the capture ends");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("written to standard output"), "{}", stderr(&output));

    let capture = CaptureFile::from_vec(bytes, "the pipe").expect("pcapng");
    let frames: Vec<_> = capture.frames().collect::<Result<_, _>>().expect("every frame reads");
    let numbers: Vec<u64> =
        frames.iter().filter_map(|frame| datagram_number(flow.ports, frame.data)).collect();
    assert_eq!(numbers, (0..10).collect::<Vec<_>>());

    // The same through a shell pipe into dissect, ended by -c.
    let pipeline = format!(
        "'{bin}' capture -i lo -f '{filter}' -c 4 -w - | '{bin}' dissect -",
        bin = env!("CARGO_BIN_EXE_rttscope")
    );
    let shell = Command::new("sh")
        .args(["-c", &pipeline])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs");
    thread::sleep(Duration::from_millis(500));
    for number in 0..4 {
        flow.send(number);
    }
    let output = shell.wait_with_output().expect("the pipeline ends");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text.lines().all(|line| line.contains(&format!("→ {} Len=15", flow.ports.1))), "{text}");
}

fn spawn_live(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_rttscope"))
        .arg("live")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the rttscope binary runs")
}

/// `rttscope live` into a pipe prints `dissect`'s lines as tshark -i does, takes -Y, -T and -e,
/// stops at -c, and ends quietly when its reader goes away.
#[test]
#[ignore = "needs root (CAP_NET_RAW) and libpcap (libpcap0.8) for -f"]
fn live_into_a_pipe_prints_a_line_per_packet() {
    let flow = Flow::new();
    let filter = format!("udp port {}", flow.ports.1);
    let text = spawn_live(&["-i", "lo", "-f", &filter, "-c", "5"]);
    let fields =
        spawn_live(&["-i", "lo", "-f", &filter, "-c", "5", "-Y", "frame.number >= 3", "-e", "udp.dstport"]);
    thread::sleep(Duration::from_millis(500));
    for number in 0..5 {
        flow.send(number);
    }
    let text = text.wait_with_output().expect("live ends at -c");
    assert!(text.status.success(), "{}", stderr(&text));
    let lines = stdout(&text);
    assert_eq!(lines.lines().count(), 5, "{lines}");
    assert!(
        lines.lines().all(|line| line.contains("UDP") && line.contains(&flow.ports.1.to_string())),
        "{lines}"
    );
    assert!(stderr(&text).contains("rttscope: 5 packets captured"), "{}", stderr(&text));
    let fields = fields.wait_with_output().expect("live ends at -c");
    assert!(fields.status.success(), "{}", stderr(&fields));
    let port = flow.ports.1.to_string();
    assert_eq!(stdout(&fields).lines().collect::<Vec<_>>(), [port.as_str(); 3]);

    // `| head -n 1`: the first line, then a quiet exit 0 at the next packet.
    let pipeline = format!("'{}' live -i lo -f '{filter}' | head -n 1", env!("CARGO_BIN_EXE_rttscope"));
    let mut shell = Command::new("bash")
        .args(["-c", &format!("{pipeline}; exit ${{PIPESTATUS[0]}}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash runs");
    thread::sleep(Duration::from_millis(500));
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut number = 0;
    while shell.try_wait().expect("status").is_none() && Instant::now() < deadline {
        flow.send(number);
        number += 1;
        thread::sleep(Duration::from_millis(50));
    }
    let output = shell.wait_with_output().expect("the pipeline ends");
    assert!(output.status.success(), "live's exit: {:?}, {}", output.status, stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 1);
    assert!(
        !stderr(&output).contains("error") && !stderr(&output).contains("Broken pipe"),
        "{}",
        stderr(&output)
    );
}

/// An interface that goes away under a capture ends it with the kernel's error (the ring's
/// reader hears it through poll), every packet before kept: it neither hangs nor spins.
#[test]
#[ignore = "needs root (CAP_NET_RAW, CAP_NET_ADMIN) for a raw socket and a veth pair"]
fn a_capture_ends_with_an_error_when_its_interface_goes_away() {
    let inside = thread::spawn(|| {
        enter_new_network_namespace();
        // `ip` runs in this thread's namespace: a child process inherits the forking thread's.
        let ip = |args: &[&str]| {
            let status = Command::new("ip").args(args).status().expect("ip runs");
            assert!(status.success(), "ip {args:?}");
        };
        ip(&["link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
        ip(&["link", "set", "v0", "up"]);
        ip(&["link", "set", "v1", "up"]);
        let handle = LiveCapture::open("v0").expect(ROOT).start(Limits::default()).expect("start");
        thread::sleep(Duration::from_millis(200));
        ip(&["link", "del", "v0"]);
        let started = Instant::now();
        (handle.wait(), started.elapsed())
    });
    let (captured, took) = inside.join().expect("the namespace thread ends");
    let error = captured.error.expect("the capture ended with an error").to_string();
    assert!(error.contains("Network is down"), "{error}");
    assert!(took < Duration::from_secs(2), "{took:?}");
}
