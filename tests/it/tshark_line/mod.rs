//! What the tshark differentials share: running the same command line through tshark and
//! through `rttscope` on an interop capture, and the captures whose every layer both show
//! alike.

use std::process::Command;

/// A capture of the interop set (or, if not there, of the crafted set, or of the course's
/// `captures/`, whose keys are embedded), with its key log when it has one.
pub fn capture(name: &str) -> (String, Option<String>) {
    let root = crate::common::root();
    let fixtures = root.join("fixtures");
    let path = [fixtures.join("interop"), fixtures.join("crafted"), root.join("captures")]
        .into_iter()
        .map(|dir| dir.join(name))
        .find(|path| path.exists())
        .unwrap_or_else(|| fixtures.join("crafted").join(name));
    let keys = path.with_extension("keys");
    (path.display().to_string(), keys.exists().then(|| keys.display().to_string()))
}

/// The full command line after the program's name: `-r FILE`, the key log as tshark takes it,
/// then `args`.
pub fn command_line(name: &str, args: &[&str]) -> Vec<String> {
    let (path, keys) = capture(name);
    let mut line = vec!["-r".to_owned(), path];
    if let Some(keys) = keys {
        line.extend(["-o".to_owned(), format!("tls.keylog_file:{keys}")]);
    }
    line.extend(args.iter().map(|arg| (*arg).to_owned()));
    line
}

pub fn run(program: &str, args: &[String]) -> String {
    let mut command = Command::new(program);
    if program == "tshark" {
        command.arg("-n");
    }
    let output = command.args(args).output().expect("the program runs");
    assert!(
        output.status.success(),
        "{program} {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Both programs' output for the same command line.
pub fn both(name: &str, args: &[&str]) -> (String, String) {
    let line = command_line(name, args);
    (run(env!("CARGO_BIN_EXE_rttscope"), &line), run("tshark", &line))
}

/// Captures whose every layer rttscope also shows as tshark does.
pub const STRUCTURED: &[&str] = &[
    "lo-udp-icmp.pcap",
    "lo-tcp-socat.pcap",
    "tcp-fastopen.pcap",
    "tcp-loss-sack.pcap",
    "cooked-sll.pcap",
    "cooked-sll2.pcap",
    "multi-if.pcapng",
    "lo-http.pcap",
    "tls12-openssl.pcap",
    "tls13-openssl.pcap",
    "h2-tls.pcap",
    "vxlan-tls13.pcap",
    "http-encoded.pcap",
    "h2-encoded.pcap",
    "h2-encoded-tls.pcap",
    "dtls12-openssl.pcap",
    "dtls12-gnutls.pcap",
];
