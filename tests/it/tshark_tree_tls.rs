//! TLS and DTLS layers of tshark's `-V` tree against rttscope's, line for line: every record,
//! message, extension and key exchange parameter of every interop capture that carries TLS over
//! TCP, and of OpenSSL's DTLS 1.2, with each packet's `Frame` line so a layer is compared with
//! the one of its own packet.

use crate::tshark_line::both;
use crate::tshark_tree::layer_lines;

/// The interop captures with TLS over TCP: TLS 1.2 and 1.3 from OpenSSL, Python and curl,
/// with ECDHE, finite-field DHE and RSA key exchanges, resumed and with early data, behind proxies and tunnels, under DNS, HTTP/2, gRPC and
/// WebSocket, picked up mid-stream.
const CAPTURES: &[&str] = &[
    "dns-lookup-curl.pcap",
    "dns-tls-split.pcap",
    "dns-tls-unbound.pcap",
    "grpc-tls.pcap",
    "h2-encoded-tls.pcap",
    "h2-tls.pcap",
    "proxy-connect.pcap",
    "proxy-socks4.pcap",
    "proxy-socks4a.pcap",
    "proxy-socks5.pcap",
    "tfo-tls13.pcap",
    "tls-midstream.pcap",
    "tls-python.pcap",
    "tls-rsa4096.pcap",
    "tls12-dhe-openssl.pcap",
    "tls12-null-openssl.pcap",
    "tls12-openssl.pcap",
    "tls13-0rtt.pcap",
    "tls13-openssl.pcap",
    "vxlan-tls13.pcap",
    "websocket-h2-tls.pcap",
    "websocket-tls.pcap",
];

/// Lines each of which the comparison must meet at least this often, so a capture that stopped
/// showing them fails rather than comparing less.
const FLOORS: &[(&str, usize)] = &[
    ("EC Diffie-Hellman Server Params", 8),
    ("Curve Type: named_curve (0x03)", 8),
    ("EC Diffie-Hellman Client Params", 8),
    // The DHE capture's: its group and public values.
    ("p Length: ", 1),
    ("g Length: ", 1),
    ("Diffie-Hellman Client Params", 9),
    ("RSA Encrypted PreMaster Secret", 2),
    ("Pre-Shared Key extension", 4),
    ("PSK Identity (length: ", 2),
    ("Selected Identity: ", 2),
    ("Certificate Status Type: OCSP (1)", 2),
    ("Record Size Limit: ", 2),
    ("Data (0 bytes)", 10),
    ("(HelloRetryRequest magic)", 2),
    ("Alert Message: Encrypted Alert", 2),
    ("Alert Message", 10),
    ("TLS segment data (", 6),
    ("[Expert Info (Note/Sequence): This session reuses previously negotiated keys", 1),
];

#[test]
#[ignore = "needs tshark"]
fn tls_layers_are_tsharks_line_for_line() {
    let titled = |title: &str| title.starts_with("Transport Layer Security");
    let mut compared = 0;
    let mut met = vec![0; FLOORS.len()];
    for name in CAPTURES {
        let (ours, theirs) = both(name, &["-V"]);
        // The blank line that ends a packet follows whichever layer is last: not compared.
        let layers = |text: &str| -> Vec<String> {
            layer_lines(text, &titled, true).into_iter().filter(|line| !line.is_empty()).collect()
        };
        let (ours, theirs) = (layers(&ours), layers(&theirs));
        if let Some(at) = ours.iter().zip(&theirs).position(|(our, their)| our != their) {
            let around = |lines: &[String]| lines[at.saturating_sub(3)..(at + 4).min(lines.len())].join("\n");
            panic!("{name}: line {at} differs\nrttscope:\n{}\ntshark:\n{}", around(&ours), around(&theirs));
        }
        assert_eq!(ours.len(), theirs.len(), "{name}: lines");
        compared += theirs.len();
        for (count, (wanted, _)) in met.iter_mut().zip(FLOORS) {
            *count += theirs.iter().filter(|line| line.contains(wanted)).count();
        }
    }
    eprintln!("-V TLS: {compared} lines over {} captures", CAPTURES.len());
    assert!(compared > 18_000, "only {compared} TLS lines compared");
    for (count, (wanted, floor)) in met.iter().zip(FLOORS) {
        assert!(count >= floor, "{wanted:?} compared {count} times, fewer than {floor}");
    }
}

#[test]
#[ignore = "needs tshark"]
fn dtls12_layers_are_tsharks_line_for_line() {
    // OpenSSL's DTLS 1.2 with a cookie exchange: each message's sequence and fragment fields
    // beside its type and length, the key exchange parameters under their subtree, and a
    // certificate sent in two fragments under tshark's reassembly subtree. GnuTLS's server
    // asks for a client certificate (a CertificateRequest); aiortc's WebRTC peers agree on an
    // SRTP profile (use_srtp).
    let titled = |title: &str| title.starts_with("Datagram Transport Layer Security");
    let layers = |text: &str| -> Vec<String> {
        layer_lines(text, &titled, true).into_iter().filter(|line| !line.is_empty()).collect()
    };
    let mut all = Vec::new();
    for name in ["dtls12-openssl.pcap", "dtls12-gnutls.pcap", "webrtc-aiortc.pcap"] {
        let (ours, theirs) = both(name, &["-V"]);
        let (ours, theirs) = (layers(&ours), layers(&theirs));
        assert_eq!(ours, theirs, "{name}");
        assert!(theirs.len() > 100, "{name}: only {} DTLS lines compared", theirs.len());
        all.extend(theirs);
    }
    let count = |wanted: &str| all.iter().filter(|line| line.contains(wanted)).count();
    assert!(all.len() > 1_000, "only {} DTLS lines compared", all.len());
    assert!(count("Message fragments (") >= 1, "no reassembled message compared");
    assert!(count("EC Diffie-Hellman Client Params") >= 1, "no ClientKeyExchange compared");
    assert!(count("Message Sequence: ") >= 8, "too few messages compared");
    assert!(count("Certificate type: ECDSA Sign (64)") >= 1, "no CertificateRequest compared");
    assert!(count("Distinguished Names Length: ") >= 1, "no CertificateRequest compared");
    assert!(count("SRTP Protection Profile: ") >= 4, "no use_srtp compared");
    assert!(count("MKI Length: ") >= 2, "no use_srtp compared");
}
