//! The traffic generators: every variant's client and server talk to each other and the
//! variant really happens; under a live capture (as root) the timeline shows each with its
//! textbook round trips; and the bundled course captures show the same.

use crate::common;

use std::path::Path;

use common::{Counted, rttscope, stderr, stdout};
use rttscope::generate::{self, KeyLog, Place, Variant, host_fast_open};

/// Whether this process may make a network namespace, which TCP Fast Open's server side
/// needs unless the host already allows it.
fn namespaces_available() -> bool {
    generate::in_private_netns(|| ()).is_ok()
}

/// The STUN generator's binding happened: the client read back its own address from the
/// server's XOR-MAPPED-ADDRESS, over IPv4 loopback.
#[test]
fn the_stun_binding_maps_the_clients_own_address() {
    let ran = generate::run_anywhere(Variant::Stun, &KeyLog::new(), |place| place).expect("a place to run");
    let report = ran.outcome.unwrap_or_else(|error| panic!("{error}"));
    assert!(report.happened(), "{:?}", report.missed);
    assert_eq!(report.connections, 1);
    let evidence = report.evidence.join("; ");
    assert!(evidence.contains("the server saw the client at 127.0.0.1:"), "{evidence}");
    assert!(evidence.contains("(XOR-MAPPED-ADDRESS)"), "{evidence}");
}

#[test]
fn every_generator_completes_its_exchange_and_its_variant_happens() {
    let host_setting = host_fast_open();
    let keylog = KeyLog::new();
    for variant in Variant::ALL {
        let fast_open_possible = host_setting.both_enabled() || namespaces_available();
        let ran = generate::run_anywhere(variant, &keylog, |place| place);
        if variant == Variant::Ssh && !generate::openssh_installed() {
            let error = ran.ok().and_then(|ran| ran.outcome.err()).expect("ssh without OpenSSH must fail");
            assert!(error.to_string().contains("apt-get install openssh-server openssh-client"), "{error}");
            continue;
        }
        if generate::dtls_peers_missing(variant).is_some() {
            let error = ran.ok().and_then(|ran| ran.outcome.err()).expect("DTLS without its peers must fail");
            assert!(error.to_string().contains("apt-get install openssl gnutls-bin"), "{error}");
            continue;
        }
        if variant.uses_fast_open() && !fast_open_possible {
            let error = ran.expect_err("Fast Open without a namespace must say why it cannot run");
            assert!(error.to_string().contains("net.ipv4.tcp_fastopen"), "{error}");
            continue;
        }
        let ran = ran.unwrap_or_else(|error| panic!("{variant}: {error}"));
        assert_eq!(ran.state, ran.place, "the closure runs where the generator runs");
        let report = ran.outcome.unwrap_or_else(|error| panic!("{error}"));
        assert!(report.happened(), "{variant}: {:?}", report.missed);
        assert!(!report.flows.is_empty(), "{variant} names its flows");
        // Fast Open, SSH (whose server wants port 22), DTLS (4433) and HTTP/2 in the clear (80)
        // run in a namespace of their own whenever one can be made.
        let private = variant.uses_fast_open() || variant.wants_registered_port();
        let expected_place =
            if private && namespaces_available() { Place::PrivateNamespace } else { Place::Host };
        assert_eq!(ran.place, expected_place, "{variant}");
        let connections = match variant {
            Variant::Tls13ZeroRtt | Variant::TfoTls13 | Variant::TfoTls13ZeroRtt | Variant::QuicZeroRtt => 2,
            Variant::Ping | Variant::Udp => 3,
            _ => 1,
        };
        assert_eq!(report.connections, connections, "{variant}");
    }
    assert_eq!(host_fast_open(), host_setting, "the host's net.ipv4.tcp_fastopen is never changed");

    // Every TLS and QUIC exchange logged its secrets: a client random per connection, and the
    // early traffic secret of the 0-RTT ones.
    let keys = keylog.contents();
    assert!(keys.lines().all(|line| line.split(' ').count() == 3), "NSS key log lines");
    let early = keys.lines().filter(|line| line.starts_with("CLIENT_EARLY_TRAFFIC_SECRET ")).count();
    let expected_early = if namespaces_available() || host_setting.both_enabled() { 3 } else { 2 };
    assert!(early >= expected_early, "{early} early secrets in\n{keys}");
    assert!(keys.contains("CLIENT_RANDOM "), "TLS 1.2's master secret is logged");
}

#[test]
fn gen_reports_each_variant_and_writes_a_private_key_log() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let keys = dir.path().join("keys");
    let output = rttscope(&["gen", "tls13-0rtt", "--keylog", &keys.to_string_lossy()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with(
            "tls13-0rtt      ok      2 exchanges: the server accepted the request as early data"
        ),
        "{text}"
    );
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&keys).expect("key log").permissions());
    assert_eq!(mode & 0o777, 0o600);

    let output = rttscope(&["gen", "tls14"]);
    assert_eq!(output.status.code(), Some(1));
    let error = stderr(&output);
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(error.contains("unknown variant \"tls14\"") && error.contains("tfo-tls13-0rtt"), "{error}");
}

fn counted(capture: &Path) -> Vec<Counted> {
    common::timeline_rounds(capture, None)
}

fn textbook(variant: &str) -> Counted {
    let (request, response) = rttscope::timeline::Variant::from_name(variant)
        .and_then(rttscope::timeline::textbook)
        .expect("a textbook variant");
    (variant.to_owned(), Some(u64::from(request)), Some(u64::from(response)))
}

/// What a capture of each generator holds, connection by connection: a ticket or a cookie
/// is fetched by a full TLS 1.3 connection first.
fn expected_connections(variant: Variant) -> Vec<Counted> {
    match variant {
        Variant::Ping => vec![("icmp".to_owned(), Some(0), Some(1))],
        Variant::Udp => vec![("udp".to_owned(), Some(0), Some(1))],
        Variant::Tls13ZeroRtt | Variant::TfoTls13 | Variant::TfoTls13ZeroRtt => {
            vec![textbook("tls13"), textbook(variant.name())]
        }
        Variant::QuicZeroRtt => vec![textbook("quic"), textbook(variant.name())],
        // OpenSSH's peers, and rustls's server under HTTP/2 (wss-h2), take rounds of their
        // own beyond the textbook's.
        _ => {
            let (name, request, response) = textbook(variant.name());
            let extra = u64::from(variant.peer_rounds().0);
            vec![(name, request.map(|r| r + extra), response.map(|r| r + extra))]
        }
    }
}

#[test]
fn the_bundled_course_captures_show_the_textbook_round_trips() {
    let captures = common::root().join("captures");
    let mut all = Vec::new();
    for variant in Variant::ALL {
        let expected = expected_connections(variant);
        let capture = captures.join(format!("{}.pcapng", variant.name()));
        assert_eq!(counted(&capture), expected, "{}", capture.display());
        all.extend(expected);
    }
    assert_eq!(counted(&captures.join("all.pcapng")), all, "all.pcapng");
}

#[test]
#[ignore = "needs root: a raw socket to capture loopback, and a network namespace for TCP Fast Open"]
fn demo_all_captures_every_variant_live_with_its_textbook_round_trips() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let capture = dir.path().join("demo.pcapng");
    let output = rttscope(&["demo", "all", "--headless", "-w", &capture.to_string_lossy()]);
    assert!(output.status.success(), "{}\n{}", stdout(&output), stderr(&output));
    let runs = format!("All {} generator run(s) happened as intended", Variant::ALL.len());
    assert!(stdout(&output).contains(&runs), "{}", stdout(&output));
    let expected: Vec<_> = Variant::ALL.into_iter().flat_map(expected_connections).collect();
    assert_eq!(counted(&capture), expected);

    // The keys are embedded: the requests are readable with no key log given.
    let output = rttscope(&[
        "dissect",
        &capture.to_string_lossy(),
        "-Y",
        "http.request || http3",
        "-T",
        "fields",
        "-e",
        "frame.number",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).lines().count() >= 12, "{}", stdout(&output));
}

#[test]
#[ignore = "needs root: a raw socket to capture loopback"]
fn each_generator_under_a_live_capture_shows_its_variant() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for variant in Variant::ALL {
        let capture = dir.path().join(format!("{}.pcapng", variant.name()));
        let output = rttscope(&["demo", variant.name(), "--headless", "-w", &capture.to_string_lossy()]);
        assert!(output.status.success(), "{variant}: {}\n{}", stdout(&output), stderr(&output));
        assert_eq!(counted(&capture), expected_connections(variant), "{variant}");
    }
}

#[test]
#[ignore = "needs root, to run the demo as an unprivileged user with setpriv"]
fn without_the_privilege_to_capture_the_demo_says_so_and_shows_the_bundled_capture() {
    use std::os::unix::fs::PermissionsExt;

    // The checkout may sit where an unprivileged user cannot go: give it a copy of the binary
    // and of the bundled captures in a directory it can read.
    let dir = tempfile::tempdir().expect("temporary directory");
    let open = std::fs::Permissions::from_mode(0o755);
    std::fs::set_permissions(dir.path(), open.clone()).expect("chmod");
    let binary = dir.path().join("rttscope");
    std::fs::copy(env!("CARGO_BIN_EXE_rttscope"), &binary).expect("copy the binary");
    std::fs::create_dir(dir.path().join("captures")).expect("mkdir");
    std::fs::set_permissions(dir.path().join("captures"), open).expect("chmod");
    for name in ["all.pcapng", "quic-0rtt.pcapng"] {
        std::fs::copy(common::root().join("captures").join(name), dir.path().join("captures").join(name))
            .expect("copy a bundled capture");
    }
    let output = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&binary)
        .args(["demo", "quic-0rtt", "--rtt", "0", "-w", "never-written.pcapng"])
        .current_dir(dir.path())
        .output()
        .expect("setpriv runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let error = stderr(&output);
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(error.contains("CAP_NET_RAW") && error.contains("setcap cap_net_raw+ep"), "{error}");
    assert!(error.contains("showing the bundled capture captures/quic-0rtt.pcapng instead"), "{error}");
    let shown = stdout(&output);
    let counted = |line: &str| line.split_whitespace().skip(2).take(3).eq(["quic-0rtt", "0", "1"]);
    assert!(shown.lines().any(counted), "{shown}");
}

#[test]
#[ignore = "needs root, to run the demo as an unprivileged user with setpriv"]
fn without_root_the_demo_builds_the_link_in_a_user_namespace_or_says_what_is_missing() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().expect("temporary directory");
    // The unprivileged user writes its capture here.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let binary = dir.path().join("rttscope");
    std::fs::copy(env!("CARGO_BIN_EXE_rttscope"), &binary).expect("copy the binary");
    std::fs::create_dir(dir.path().join("captures")).expect("mkdir");
    for name in ["all.pcapng", "udp.pcapng"] {
        std::fs::copy(common::root().join("captures").join(name), dir.path().join("captures").join(name))
            .expect("copy a bundled capture");
    }
    let output = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&binary)
        .args(["demo", "udp", "--headless", "-w", "demo.pcapng"])
        .current_dir(dir.path())
        .output()
        .expect("setpriv runs");
    let (shown, error) = (stdout(&output), stderr(&output));
    if shown.contains("(over the emulated link)") {
        assert!(output.status.success(), "{shown}\n{error}");
        assert!(!error.contains("cannot build the emulated link"), "{error}");
    } else {
        // One line for the link, naming what is missing, before the loopback fallback's own.
        let first = error.lines().next().unwrap_or_default();
        assert!(first.starts_with("rttscope: cannot build the emulated link: "), "{error}");
        assert!(first.ends_with("; running on loopback instead"), "{error}");
        assert!(error.contains("showing the bundled capture captures/udp.pcapng instead"), "{error}");
        assert!(output.status.success(), "{shown}\n{error}");
    }
}

/// The round trips a variant's exchanges need at the least, one after the other: over a link,
/// each costs a round-trip time.
fn least_round_trips(variant: Variant) -> u64 {
    expected_connections(variant).iter().filter_map(|(_, _, response)| *response).sum()
}

#[test]
#[ignore = "needs root and the emulated link"]
fn gen_over_a_40ms_link_completes_every_variant_and_takes_its_round_trips() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let keys = dir.path().join("keys");
    for variant in Variant::ALL {
        let started = std::time::Instant::now();
        let output = rttscope(&["gen", variant.name(), "--rtt", "40ms", "--keylog", &keys.to_string_lossy()]);
        let took = started.elapsed();
        let (shown, error) = (stdout(&output), stderr(&output));
        assert!(output.status.success(), "{variant}: {shown}\n{error}");
        assert!(!error.contains("cannot build the emulated link"), "{variant}: {error}");
        let line = shown.lines().find(|line| line.starts_with(&format!("{:<15} ", variant.name())));
        let line = line.unwrap_or_else(|| panic!("{variant}: no result line in {shown}"));
        assert!(line.contains(" ok ") && line.contains("(over the emulated link)"), "{line}");
        // On loopback this takes a few milliseconds; over the link each round trip costs 40.
        let least = std::time::Duration::from_millis(40 * least_round_trips(variant));
        assert!(took >= least, "{variant} took {took:?}, less than {least:?} of round trips");
    }
}

#[test]
#[ignore = "needs root and the emulated link"]
fn quic_on_a_link_smaller_than_1228_bytes_reports_the_handshake_cannot_complete_at_once() {
    for variant in ["quic", "quic-0rtt"] {
        let dir = tempfile::tempdir().expect("temporary directory");
        let keys = dir.path().join("keys");
        let started = std::time::Instant::now();
        let output = rttscope(&["gen", variant, "--mtu", "1200", "--keylog", &keys.to_string_lossy()]);
        let took = started.elapsed();
        let (shown, error) = (stdout(&output), stderr(&output));
        assert_eq!(output.status.code(), Some(1), "{variant}: {shown}\n{error}");
        assert!(!error.contains("cannot build the emulated link"), "{variant}: {error}");
        assert!(shown.contains("FAILED  checking the link"), "{variant}: {shown}");
        assert!(shown.contains("MTU is 1200 bytes") && shown.contains("RFC 9000 section 14.1"), "{shown}");
        // Refused before any packet, not after a handshake timeout of 5 s.
        assert!(took < std::time::Duration::from_secs(3), "{variant} took {took:?}");
    }
}

/// The names of a pcapng file's interfaces, as rttscope reads them.
fn interface_names(path: &Path) -> Vec<String> {
    let capture = rttscope::capture::CaptureFile::open(path).expect("a capture");
    capture.interface_names().into_iter().map(Option::unwrap_or_default).collect()
}

#[test]
#[ignore = "needs root and the emulated link"]
fn demo_over_a_link_writes_the_client_side_and_the_server_side() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let capture = dir.path().join("demo.pcapng");
    let output =
        rttscope(&["demo", "tls13", "--rtt", "40ms", "--headless", "-w", &capture.to_string_lossy()]);
    let (shown, error) = (stdout(&output), stderr(&output));
    assert!(!error.contains("cannot build the emulated link"), "{error}");
    assert!(shown.contains("tls13           ok      1 exchange (over the emulated link)"), "{shown}");
    assert!(error.contains("frames recorded on the link's client and server sides"), "{error}");
    assert_eq!(interface_names(&capture), ["client side", "server side"]);
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&capture).expect("capture").permissions());
    assert_eq!(mode & 0o777, 0o600, "the keys are embedded");
}

#[test]
fn interface_names_reads_the_names_a_recording_gave_its_interfaces() {
    let capture = common::root().join("captures/tfo-tls13.pcapng");
    assert_eq!(interface_names(&capture), ["lo", "lo (private network namespace for tfo-tls13)"]);
}

/// Two network namespaces joined by a veth pair (no emulator): client 10.77.0.1, server
/// 10.77.0.2, `net.ipv4.tcp_fastopen` = 3 in both, as a link sets them up. Removed on drop.
struct TwoNamespaces {
    names: [String; 2],
}

impl TwoNamespaces {
    fn new() -> Self {
        let pid = std::process::id();
        let names = [format!("rttscope-test-{pid}-client"), format!("rttscope-test-{pid}-server")];
        let made = Self { names: names.clone() };
        let ip = |args: &[&str]| {
            let status = std::process::Command::new("ip").args(args).status().expect("ip runs");
            assert!(status.success(), "ip {args:?}");
        };
        let [client, server] = &names;
        ip(&["netns", "add", client]);
        ip(&["netns", "add", server]);
        ip(&[
            "link", "add", "veth-c", "netns", client, "type", "veth", "peer", "name", "veth-s", "netns",
            server,
        ]);
        for (namespace, device, addr) in
            [(client, "veth-c", "10.77.0.1/24"), (server, "veth-s", "10.77.0.2/24")]
        {
            ip(&["-n", namespace, "addr", "add", addr, "dev", device]);
            ip(&["-n", namespace, "link", "set", device, "up"]);
            ip(&["-n", namespace, "link", "set", "lo", "up"]);
            ip(&["netns", "exec", namespace, "sysctl", "-qw", "net.ipv4.tcp_fastopen=3"]);
        }
        made
    }

    fn host(&self, index: usize, addr: [u8; 4]) -> generate::Host {
        let namespace = std::fs::File::open(format!("/run/netns/{}", self.names[index])).expect("namespace");
        generate::Host::in_namespace(std::net::IpAddr::from(addr), namespace.into())
    }
}

impl Drop for TwoNamespaces {
    fn drop(&mut self) {
        for name in &self.names {
            let _ = std::process::Command::new("ip").args(["netns", "del", name]).status();
        }
    }
}

#[test]
#[ignore = "needs root and ip(8): makes two network namespaces joined by a veth pair"]
fn every_generator_runs_between_two_network_namespaces() {
    let namespaces = TwoNamespaces::new();
    let hosts = generate::Hosts {
        client: namespaces.host(0, [10, 77, 0, 1]),
        server: namespaces.host(1, [10, 77, 0, 2]),
    };
    let keylog = KeyLog::new();
    for variant in Variant::ALL {
        let report = generate::run(variant, &hosts, &keylog).unwrap_or_else(|error| panic!("{error}"));
        assert!(report.happened(), "{variant}: {:?}", report.missed);
        assert!(!report.flows.is_empty(), "{variant} names its flows");
    }
    // Each 0-RTT variant's second connection used its early traffic secret.
    let early =
        keylog.contents().lines().filter(|line| line.starts_with("CLIENT_EARLY_TRAFFIC_SECRET ")).count();
    assert!(early >= 3, "{early} early secrets");
}
