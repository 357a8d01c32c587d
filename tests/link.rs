//! The emulated link, end to end: real namespaces, veth pairs and the emulator thread, with TCP
//! and UDP between the client and server hosts. These need root (CI runs them as root with
//! `--include-ignored`), except the one that runs the binary as `nobody`, which needs root to
//! become `nobody`.
//!
//! The tests run one at a time (a lock), so thread counts read in one are not another's.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use rttscope::capture::LivePacket;
use rttscope::link::{
    CLIENT_INTERFACE, DropRule, Link, LinkCapture, LinkConfig, MIDDLE_CLIENT_INTERFACE,
    MIDDLE_SERVER_INTERFACE, SERVER_ADDR, SERVER_INTERFACE,
};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn config(rtt_ms: u64) -> LinkConfig {
    LinkConfig { rtt: Duration::from_millis(rtt_ms), ..LinkConfig::default() }
}

/// The TCP flags of a frame, if it is Ethernet + IPv4 + TCP.
fn tcp_flags(frame: &[u8]) -> Option<u8> {
    let ihl = usize::from(frame.get(14)? & 0x0f) * 4;
    (frame.get(14 + 9) == Some(&6)).then_some(())?;
    frame.get(14 + ihl + 13).copied()
}

/// The payload of a frame's UDP datagram, if it is Ethernet + IPv4 + UDP.
fn udp_payload(frame: &[u8]) -> Option<&[u8]> {
    let ihl = usize::from(frame.get(14)? & 0x0f) * 4;
    (frame.get(14 + 9) == Some(&17)).then_some(())?;
    frame.get(14 + ihl + 8..)
}

/// The ones' complement sum of `bytes` (RFC 1071), folded to 16 bits.
fn ones_complement_sum(chunks: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    for chunk in chunks {
        for pair in chunk.chunks(2) {
            let word = u16::from_be_bytes([pair[0], pair.get(1).copied().unwrap_or(0)]);
            sum += u32::from(word);
        }
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// Whether a recorded frame's IPv4 header checksum, and its TCP or UDP checksum when it is not
/// a fragment, are right: what the kernel fills in when transmit offloads are off.
fn checksums_are_valid(frame: &[u8]) -> bool {
    let ip = &frame[14..];
    let ihl = usize::from(ip[0] & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
    if ones_complement_sum(&[&ip[..ihl]]) != 0xffff {
        return false;
    }
    let fragmented = u16::from_be_bytes([ip[6], ip[7]]) & 0x3fff != 0;
    if fragmented {
        return true;
    }
    let segment = &ip[ihl..total];
    let length = (segment.len() as u16).to_be_bytes();
    let pseudo = [&ip[12..20], &[0, ip[9]], &length[..]].concat();
    ones_complement_sum(&[&pseudo, segment]) == 0xffff
}

fn first_syn(side: &[LivePacket]) -> &LivePacket {
    side.iter().find(|packet| tcp_flags(&packet.data) == Some(0x02)).expect("a SYN was recorded")
}

/// Whether an interface of this name exists in the test's own network namespace.
fn host_has_interface(name: &str) -> bool {
    std::path::Path::new("/sys/class/net").join(name).exists()
}

fn no_link_interfaces_in_the_host_namespace() {
    for name in [CLIENT_INTERFACE, MIDDLE_CLIENT_INTERFACE, MIDDLE_SERVER_INTERFACE, SERVER_INTERFACE] {
        assert!(!host_has_interface(name), "{name} is visible in the host's namespace");
    }
}

/// This process's threads: id and name.
fn threads() -> Vec<(u32, String)> {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .flatten()
        .filter_map(|task| {
            let id = task.file_name().to_str()?.parse().ok()?;
            let name = std::fs::read_to_string(task.path().join("comm")).ok()?;
            Some((id, name.trim().to_owned()))
        })
        .collect()
}

fn thread_names() -> Vec<String> {
    threads().into_iter().map(|(_, name)| name).collect()
}

/// Threads that exist now but did not in `before` and that the link could have made: named as
/// its threads are, or unnamed (a thread without a name takes its creator's, this test's).
/// The test harness may start other tests' threads meanwhile; those have their tests' names.
fn new_link_threads(before: &[(u32, String)]) -> Vec<String> {
    let own_name = thread::current().name().unwrap_or_default().chars().take(15).collect::<String>();
    threads()
        .into_iter()
        .filter(|thread| !before.iter().any(|(id, _)| *id == thread.0))
        .map(|(_, name)| name)
        .filter(|name| name.starts_with("link-") || name.starts_with("rttscope") || *name == own_name)
        .collect()
}

#[test]
#[ignore = "needs root to build network namespaces"]
fn tcp_over_a_40ms_link_takes_its_round_trips_and_the_capture_sees_both_sides() {
    let _serial = serial();
    let link = Link::start(&config(40)).expect("link");
    let hosts = link.hosts().clone();
    let server_addr = SocketAddr::from((SERVER_ADDR, 8080));
    let listener = hosts.server.enter(|| TcpListener::bind(server_addr)).expect("enter").expect("listen");
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut request = [0u8; 4];
        stream.read_exact(&mut request).expect("request");
        stream.write_all(b"pong").expect("response");
    });
    let started = Instant::now();
    let mut client = hosts.client.enter(|| TcpStream::connect(server_addr)).expect("enter").expect("connect");
    let connect = started.elapsed();
    client.set_nodelay(true).expect("nodelay");
    let asked = Instant::now();
    client.write_all(b"ping").expect("request");
    let mut response = [0u8; 4];
    client.read_exact(&mut response).expect("response");
    let round_trip = asked.elapsed();
    assert_eq!(&response, b"pong");
    server.join().expect("server");
    drop(client);
    let capture = link.finish().expect("finish");

    for (what, measured) in [("connect", connect), ("request/response", round_trip)] {
        // Within 10% and 3 ms.
        let error = measured.as_secs_f64() * 1e3 - 40.0;
        assert!(error.abs() <= 4.0 + 3.0, "{what} took {measured:?} on a 40 ms link");
    }
    let client_syn = first_syn(&capture.client_side);
    let server_syn = first_syn(&capture.server_side);
    assert_eq!(client_syn.data, server_syn.data, "the link changed the SYN");
    let one_way_ms = (server_syn.ts_ns - client_syn.ts_ns) as f64 / 1e6;
    assert!((one_way_ms - 20.0).abs() <= 1.0, "the SYN took {one_way_ms} ms one way, not 20");
    // Nothing but the connection crossed: every frame is TCP between the two hosts.
    for packet in capture.client_side.iter().chain(&capture.server_side) {
        assert!(tcp_flags(&packet.data).is_some(), "a stray frame crossed: {:02x?}", packet.data);
    }
    assert_eq!(capture.stats.lost + capture.stats.queue_drops + capture.stats.too_big, 0);
}

#[test]
#[ignore = "needs root to build network namespaces"]
fn on_a_1280_byte_mtu_no_recorded_frame_is_longer() {
    let _serial = serial();
    let link = Link::start(&LinkConfig { mtu: 1280, ..config(2) }).expect("link");
    let hosts = link.hosts().clone();
    let server_addr = SocketAddr::from((SERVER_ADDR, 8080));
    let listener = hosts.server.enter(|| TcpListener::bind(server_addr)).expect("enter").expect("listen");
    let udp_server = hosts.server.enter(|| UdpSocket::bind(server_addr)).expect("enter").expect("udp");
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut received = Vec::new();
        stream.read_to_end(&mut received).expect("read");
        let mut datagram = vec![0u8; 8000];
        let len = udp_server.recv(&mut datagram).expect("datagram");
        (received.len(), len)
    });
    let client = hosts.client.enter(|| TcpStream::connect(server_addr)).expect("enter").expect("connect");
    let udp_client =
        hosts.client.enter(|| UdpSocket::bind((hosts.client.addr, 0))).expect("enter").expect("udp");
    (&client).write_all(&vec![7u8; 100_000]).expect("send");
    drop(client);
    // A datagram larger than the MTU leaves the client in fragments.
    udp_client.send_to(&[9u8; 4000], server_addr).expect("datagram");
    let (tcp_bytes, udp_bytes) = server.join().expect("server");
    assert_eq!((tcp_bytes, udp_bytes), (100_000, 4000));
    let capture = link.finish().expect("finish");
    let longest =
        capture.client_side.iter().chain(&capture.server_side).map(|packet| packet.data.len()).max();
    assert_eq!(longest, Some(1280 + 14), "full-size frames, none longer");
    assert_eq!(capture.stats.too_big, 0);
    for packet in capture.client_side.iter().chain(&capture.server_side) {
        assert!(checksums_are_valid(&packet.data), "a bad checksum: {:02x?}", packet.data);
    }
}

#[test]
#[ignore = "needs root to build network namespaces"]
fn a_segmentation_offload_send_crosses_as_separate_datagrams() {
    // quinn sends with UDP_SEGMENT where it can: the kernel must cut such a send into wire
    // datagrams before the link sees it, not pass one 64 KB super-packet.
    let _serial = serial();
    let link = Link::start(&config(2)).expect("link");
    let hosts = link.hosts().clone();
    let server_addr = SocketAddr::from((SERVER_ADDR, 9000));
    let server = hosts.server.enter(|| UdpSocket::bind(server_addr)).expect("enter").expect("udp");
    let client = hosts.client.enter(|| UdpSocket::bind((hosts.client.addr, 0))).expect("enter").expect("udp");
    let segment: libc::c_int = 1000;
    // SAFETY: setsockopt with a readable c_int and its size, on an open socket.
    let set = unsafe {
        libc::setsockopt(
            std::os::fd::AsRawFd::as_raw_fd(&client),
            libc::SOL_UDP,
            libc::UDP_SEGMENT,
            (&raw const segment).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(set, 0, "UDP_SEGMENT: {}", std::io::Error::last_os_error());
    client.send_to(&[5u8; 3000], server_addr).expect("a segmented send");
    server.set_read_timeout(Some(Duration::from_secs(2))).expect("timeout");
    let mut datagram = [0u8; 4000];
    let lengths: Vec<usize> = (0..3).map(|_| server.recv(&mut datagram).expect("datagram")).collect();
    assert_eq!(lengths, [1000, 1000, 1000]);
    let capture = link.finish().expect("finish");
    let sizes: Vec<usize> = capture.client_side.iter().map(|packet| packet.data.len()).collect();
    assert_eq!(sizes, [14 + 20 + 8 + 1000; 3]);
    assert!(capture.client_side.iter().all(|packet| checksums_are_valid(&packet.data)));
}

#[test]
#[ignore = "needs root to build network namespaces"]
fn the_drop_rule_drops_the_first_syn_once_and_tcp_retransmits_it() {
    let _serial = serial();
    let link = Link::start(&LinkConfig { drop: Some(DropRule::Syn), ..config(10) }).expect("link");
    let hosts = link.hosts().clone();
    let server_addr = SocketAddr::from((SERVER_ADDR, 8080));
    let listener = hosts.server.enter(|| TcpListener::bind(server_addr)).expect("enter").expect("listen");
    let started = Instant::now();
    let client = hosts.client.enter(|| TcpStream::connect(server_addr)).expect("enter").expect("connect");
    let connect = started.elapsed();
    drop((client, listener));
    let capture = link.finish().expect("finish");
    // Linux retransmits a SYN after its initial 1 s timeout; then one round trip.
    assert!((1.0..1.5).contains(&connect.as_secs_f64()), "connect took {connect:?}");
    assert_eq!(capture.stats.dropped_by_rule, 1);
    let syns =
        |side: &[LivePacket]| side.iter().filter(|packet| tcp_flags(&packet.data) == Some(0x02)).count();
    assert_eq!((syns(&capture.client_side), syns(&capture.server_side)), (2, 1));
}

/// The numbers of the datagrams (0..count, sent one way) that the link lost, by content.
fn lost_datagrams(seed: u64, count: u32) -> (BTreeSet<u32>, LinkCapture) {
    let link = Link::start(&LinkConfig { loss_percent: 20.0, seed, ..config(2) }).expect("link");
    let hosts = link.hosts().clone();
    let server_addr = SocketAddr::from((SERVER_ADDR, 9000));
    let _server = hosts.server.enter(|| UdpSocket::bind(server_addr)).expect("enter").expect("udp");
    let client = hosts.client.enter(|| UdpSocket::bind((hosts.client.addr, 0))).expect("enter").expect("udp");
    for number in 0..count {
        client.send_to(&number.to_be_bytes(), server_addr).expect("send");
        thread::sleep(Duration::from_micros(300));
    }
    thread::sleep(Duration::from_millis(20));
    let capture = link.finish().expect("finish");
    let numbers = |side: &[LivePacket]| -> BTreeSet<u32> {
        side.iter()
            .filter_map(|packet| udp_payload(&packet.data)?.get(..4)?.try_into().ok().map(u32::from_be_bytes))
            .collect()
    };
    let sent = numbers(&capture.client_side);
    assert_eq!(sent.len(), count as usize, "the client side records every datagram sent");
    let arrived = numbers(&capture.server_side);
    (sent.difference(&arrived).copied().collect(), capture)
}

#[test]
#[ignore = "needs root to build network namespaces"]
fn the_same_seed_loses_the_same_frames_on_every_run() {
    let _serial = serial();
    let (first, capture) = lost_datagrams(7, 200);
    let (second, _) = lost_datagrams(7, 200);
    assert_eq!(first, second);
    assert!((20..=60).contains(&first.len()), "{} of 200 lost at 20%", first.len());
    assert_eq!(capture.stats.lost, first.len() as u64);
    let (other_seed, _) = lost_datagrams(8, 200);
    assert_ne!(first, other_seed);
}

#[test]
#[ignore = "needs root to build network namespaces"]
fn a_finished_or_dropped_link_leaves_no_interface_and_no_thread() {
    let _serial = serial();
    let threads_before = threads();
    no_link_interfaces_in_the_host_namespace();

    let link = Link::start(&config(10)).expect("link");
    no_link_interfaces_in_the_host_namespace();
    // The emulator names its thread once it runs.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !thread_names().iter().any(|name| name == "link-emulator") {
        assert!(Instant::now() < deadline, "no emulator thread: {:?}", thread_names());
        thread::sleep(Duration::from_millis(10));
    }
    link.finish().expect("finish");
    no_link_interfaces_in_the_host_namespace();
    assert_eq!(new_link_threads(&threads_before), Vec::<String>::new());

    let link = Link::start(&config(10)).expect("link");
    let hosts = link.hosts().clone();
    let socket = hosts.client.enter(|| UdpSocket::bind((hosts.client.addr, 0))).expect("enter").expect("udp");
    socket.send_to(b"bye", SocketAddr::from((SERVER_ADDR, 9))).expect("send");
    drop(socket);
    drop(hosts);
    drop(link);
    no_link_interfaces_in_the_host_namespace();
    assert_eq!(new_link_threads(&threads_before), Vec::<String>::new());
}

/// The binary, copied where `nobody` can run it.
fn binary_for_anyone() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod dir");
    let binary = dir.path().join("rttscope");
    std::fs::copy(env!("CARGO_BIN_EXE_rttscope"), &binary).expect("copy");
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (dir, binary)
}

/// The process ids whose parent is `parent`.
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // pid (comm) state ppid ...: the comm may hold spaces, so read after its ')'.
            let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
            after.split_whitespace().nth(1).and_then(|ppid| ppid.parse::<u32>().ok()) == Some(parent)
        })
        .collect()
}

#[test]
#[ignore = "needs root to build network namespaces"]
fn link_probe_killed_by_sigterm_leaves_nothing_behind() {
    let _serial = serial();
    let mut probe = Command::new(env!("CARGO_BIN_EXE_rttscope"))
        .args(["link-probe", "--rtt", "40ms", "--count", "1000", "--interval", "1ms"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = probe.id();
    // Wait until the link is up (its emulator thread exists), then a little traffic.
    let deadline = Instant::now() + Duration::from_secs(10);
    let emulator_running = || {
        std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten().any(|task| {
            std::fs::read_to_string(task.path().join("comm")).is_ok_and(|name| name.trim() == "link-emulator")
        })
    };
    while !emulator_running() {
        assert!(Instant::now() < deadline, "the link never started");
        thread::sleep(Duration::from_millis(20));
    }
    thread::sleep(Duration::from_millis(300));
    // SAFETY: kill(2) on the child this test spawned and has not yet waited for.
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) }, 0);
    let status = probe.wait().expect("wait");
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(libc::SIGTERM));
    no_link_interfaces_in_the_host_namespace();
    assert_eq!(children_of(std::process::id()), Vec::<u32>::new(), "a child process was left");
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
}

#[test]
#[ignore = "needs root to run the binary as nobody"]
fn link_probe_as_nobody_measures_or_says_in_one_line_what_is_missing() {
    let _serial = serial();
    let (_dir, binary) = binary_for_anyone();
    let output = Command::new("runuser")
        .args(["-u", "nobody", "--"])
        .arg(&binary)
        .args(["link-probe", "--rtt", "10ms", "--count", "20"])
        .output()
        .expect("runuser");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => {
            assert!(stdout.contains("20 echoes, 20 answered"), "{stdout}");
            assert!(stdout.contains("one-way delay error (capture), 40 frames"), "{stdout}");
        }
        Some(1) => {
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert!(stderr.starts_with("rttscope: cannot build the emulated link: "), "{stderr}");
            assert!(stdout.is_empty(), "{stdout}");
        }
        other => panic!("exit {other:?}\n{stdout}\n{stderr}"),
    }
}
