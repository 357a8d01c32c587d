//! tshark's JA3 and JA3S lines against rttscope's: every `[JA3 Fullstring: …]`, `[JA3: …]`,
//! `[JA3S Fullstring: …]` and `[JA3S: …]` of the `-V` tree, packet by packet, over the interop
//! captures of TLS, DTLS and QUIC (GREASE left out, a string longer than tshark's label buffer
//! marked `[truncated]` and cut as tshark cuts it).

use crate::tshark_line::both;

/// Captures with hellos from OpenSSL, GnuTLS, rustls, curl, Python, Chrome's QUIC (whose
/// ClientHello offers GREASE) and aioquic.
const WITH_HELLOS: &[&str] = &[
    "tls12-openssl.pcap",
    "tls13-openssl.pcap",
    "tls13-0rtt.pcap",
    "tls-python.pcap",
    "h2-tls.pcap",
    "dns-tls-unbound.pcap",
    "dtls12-openssl.pcap",
    "dtls12-gnutls.pcap",
    "quic-h3-aioquic.pcap",
    "quic-chrome-aioquic.pcap",
    "webrtc-aiortc.pcap",
];

#[test]
#[ignore = "needs tshark"]
fn ja3_and_ja3s_are_tsharks_line_for_line() {
    let (mut ja3, mut ja3s, mut truncated) = (0, 0, 0);
    for name in WITH_HELLOS {
        let (ours, theirs) = both(name, &["-V"]);
        let (ours, theirs) = (fingerprint_lines(&ours), fingerprint_lines(&theirs));
        assert_eq!(ours, theirs, "{name}");
        ja3 += theirs.iter().filter(|line| line.trim_start().starts_with("[JA3: ")).count();
        ja3s += theirs.iter().filter(|line| line.trim_start().starts_with("[JA3S: ")).count();
        truncated += theirs.iter().filter(|line| line.contains("Fullstring [truncated]")).count();
    }
    assert!(ja3 >= 30, "only {ja3} ClientHellos' JA3 compared");
    assert!(ja3s >= 30, "only {ja3s} ServerHellos' JA3S compared");
    assert!(truncated >= 5, "only {truncated} cut JA3 strings compared");
}

/// Each packet's `Frame` line and its JA3 and JA3S lines, as written.
fn fingerprint_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| line.starts_with("Frame ") || line.trim_start().starts_with("[JA3"))
        .map(str::to_owned)
        .collect()
}
