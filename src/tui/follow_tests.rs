//! The follow worker on real captures: TLS 1.3 with HTTP/1.1, HTTP/2 over TLS, HTTP/3 over
//! QUIC, and plain UDP.

use std::sync::atomic::AtomicBool;

use super::*;
use crate::tui::testing::bundled;

/// The conversation of `frame` in a capture (its key log beside it, or embedded).
pub(crate) fn followed(path: &str, frame: u64) -> Followed {
    let (source, keylog) = bundled(path);
    follow(&source, &keylog, &Dispatch::new(), frame, &AtomicBool::new(false)).expect("followed")
}

fn texts(followed: &Followed, format: Format, sides: Sides) -> Vec<String> {
    followed.lines(format, sides).into_iter().map(|line| line.text).collect()
}

#[test]
fn a_tls13_connection_is_followed_decrypted_as_http_requests_and_responses() {
    // Frame 10 is the GET; frame 1 the SYN: either finds the same conversation.
    let followed = followed("captures/tls13.pcapng", 1);
    assert_eq!(followed.carrier, Carrier::Tcp(0));
    assert!(followed.decrypted);
    assert_eq!(followed.client, "127.0.0.1:33872");
    assert_eq!(followed.server, "127.0.0.1:33545");
    let http = texts(&followed, Format::Http, Sides::Both);
    assert_eq!(http[0], "GET /tls13/1 HTTP/1.1");
    assert!(http.contains(&"Host: localhost".to_owned()), "{http:#?}");
    let response = http.iter().position(|line| line == "HTTP/1.1 200 OK").expect("the response line");
    assert!(http[response..].iter().any(|line| line.contains("you asked for /tls13/1")), "{http:#?}");
    // Each line leads to the frame it came from: the request 10, the response 11.
    let lines = followed.lines(Format::Http, Sides::Both);
    assert_eq!((lines[0].frame, lines[0].side), (10, Side::Client));
    assert_eq!((lines[response].frame, lines[response].side), (11, Side::Server));

    // The decrypted bytes as text, then one side only.
    let ascii = texts(&followed, Format::Ascii, Sides::Both);
    assert_eq!(ascii[0], "GET /tls13/1 HTTP/1.1");
    let server = texts(&followed, Format::Ascii, Sides::Server);
    assert_eq!(server[0], "HTTP/1.1 200 OK");
    assert!(!server.iter().any(|line| line.starts_with("GET")));
    // Hex: 16 bytes a line, offset, hex and text, within 80 columns.
    let hex = texts(&followed, Format::Hex, Sides::Client);
    assert!(hex[0].starts_with("00000000  47 45 54 20 2f 74 6c 73"), "{}", hex[0]);
    assert!(hex.iter().all(|line| line.chars().count() <= 78), "{hex:#?}");
    // Raw: the bytes as captured, the TLS records' ciphertext from the ClientHello on.
    let raw = texts(&followed, Format::Raw, Sides::Client);
    assert!(raw[0].starts_with("160301"), "a TLS handshake record: {}", raw[0]);
}

#[test]
fn an_http2_connection_shows_its_requests_and_responses_with_their_streams() {
    let followed = followed("fixtures/interop/h2-tls.pcap", 17);
    assert_eq!(followed.carrier, Carrier::Tcp(0));
    assert!(followed.decrypted);
    let http = texts(&followed, Format::Http, Sides::Both);
    assert!(http.contains(&"GET /hello.txt HTTP/2  (stream 1)".to_owned()), "{http:#?}");
    assert!(http.contains(&"HTTP/2 200  (stream 1)".to_owned()), "{http:#?}");
    assert!(http.iter().any(|line| line.starts_with("content-type: text/plain")), "{http:#?}");
}

#[test]
fn a_quic_connection_shows_http3_and_its_streams() {
    let followed = followed("fixtures/interop/quic-h3-aioquic.pcap", 10);
    assert_eq!(followed.carrier, Carrier::Quic(0));
    assert_eq!(followed.client, "10.0.27.1:".to_owned() + &followed.client[10..]);
    let http = texts(&followed, Format::Http, Sides::Both);
    assert!(http.contains(&"GET /hello.txt HTTP/3  (stream 0)".to_owned()), "{http:#?}");
    assert!(http.contains(&"HTTP/3 200  (stream 0)".to_owned()), "{http:#?}");
    // Per stream, as QUIC carries them: stream 0 both ways.
    let ascii = texts(&followed, Format::Ascii, Sides::Both);
    assert!(ascii.contains(&"── stream 0 ──".to_owned()), "{ascii:#?}");
    let bodies = followed.chunks.iter().filter(|chunk| chunk.stream == Some(0)).count();
    assert!(bodies >= 2, "a request and a response on stream 0");
}

#[test]
fn a_udp_conversation_is_followed_datagram_by_datagram() {
    let followed = followed("captures/udp.pcapng", 1);
    assert_eq!(followed.carrier, Carrier::Udp(0));
    assert!(!followed.decrypted);
    let ascii = texts(&followed, Format::Ascii, Sides::Client);
    assert_eq!(ascii.first().map(String::as_str), Some("rttscope echo 1"));
    assert_eq!(
        followed.chunks.len(),
        followed.chunks.iter().map(|chunk| chunk.frame).collect::<std::collections::BTreeSet<_>>().len()
    );
}

#[test]
fn a_frame_with_nothing_to_follow_says_so() {
    let (source, keylog) = bundled("captures/ping.pcapng");
    let error = follow(&source, &keylog, &Dispatch::new(), 1, &AtomicBool::new(false)).expect_err("ICMP");
    assert!(error.contains("not TCP, UDP or QUIC"), "{error}");
    let error = follow(&source, &keylog, &Dispatch::new(), 99_999, &AtomicBool::new(false))
        .expect_err("past the end");
    assert!(error.contains("not in the capture"), "{error}");
}
