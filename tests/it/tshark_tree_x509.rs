//! The X.509 subtree of tshark's `-V` tree against rttscope's, line for line: every
//! certificate of every Certificate message in the interop captures recorded over TLS 1.2 and
//! 1.3, DTLS 1.2 and QUIC, from the `Certificates (N bytes)` title to the last line under it
//! (each certificate's name, version, serial number, algorithms, issuer and subject RDNs,
//! validity, public key (an RSA key's modulus and exponent, an EC key's curve), extensions
//! with their decoded values, and signature).

use crate::tshark_line::both;

/// Captures whose handshakes carry certificates: an RSA leaf (OpenSSL, GnuTLS, rustls,
/// aioquic), a chain with an intermediate CA (basicConstraints with a path length), and
/// aiortc's self-signed EC certificates over DTLS.
const WITH_CERTIFICATES: &[&str] = &[
    "tls12-openssl.pcap",
    "tls13-openssl.pcap",
    "tls-rsa4096.pcap",
    "tls-python.pcap",
    "h2-tls.pcap",
    "dtls12-openssl.pcap",
    "dtls12-gnutls.pcap",
    "quic-h3-aioquic.pcap",
    "webrtc-aiortc.pcap",
];

#[test]
#[ignore = "needs tshark"]
fn certificates_are_tsharks_line_for_line() {
    let (mut certificates, mut extensions, mut ec_keys, mut authorities) = (0, 0, 0, 0);
    for name in WITH_CERTIFICATES {
        let (ours, theirs) = both(name, &["-V"]);
        let (ours, theirs) = (certificate_lines(&ours), certificate_lines(&theirs));
        assert_eq!(ours, theirs, "{name}");
        let count = |prefix: &str| theirs.iter().filter(|line| line.trim_start().starts_with(prefix)).count();
        certificates += count("Certificate: 30");
        extensions += count("Extension (");
        ec_keys += count("ECParameters: namedCurve");
        authorities += count("cA: True");
    }
    assert!(certificates >= 20, "only {certificates} certificates compared");
    assert!(extensions >= 100, "only {extensions} extensions compared");
    assert!(ec_keys >= 2, "only {ec_keys} EC keys compared");
    assert!(authorities >= 1, "no CA certificate compared");
}

/// Each `Certificates (N bytes)` line of `-V` output and every line deeper than it, each
/// packet's `Frame` line before them so that the certificates are compared packet by packet.
fn certificate_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut inside: Option<usize> = None;
    for line in text.lines() {
        let depth = line.len() - line.trim_start().len();
        if inside.is_some_and(|title| depth <= title) {
            inside = None;
        }
        if inside.is_none() && line.trim_start().starts_with("Certificates (") {
            inside = Some(depth);
        }
        if inside.is_some() || line.starts_with("Frame ") {
            lines.push(line.to_owned());
        }
    }
    lines
}
