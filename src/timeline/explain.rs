//! One sentence per message: why it exists and what the client may do once it has it. A
//! timeline event's label may join several messages; the explanation is that of the one that
//! matters most for the round count, found in the order below.

use super::rounds::Side;

/// (what the label contains, who sends it, the explanation), most telling first.
const EXPLANATIONS: &[(&str, Option<Side>, &str)] = &[
    ("retransmission", None, "a copy of a message that seemed lost: shown, but it starts no new round"),
    (
        "Version Negotiation",
        None,
        "the server does not speak the client's QUIC version and lists the ones it does: the client starts again, one more round trip",
    ),
    (
        "long header of version",
        None,
        "a QUIC packet in a version rttscope does not read, such as one made up to test version negotiation",
    ),
    (
        "0-RTT[",
        Some(Side::Client),
        "QUIC 0-RTT: the request goes with the ClientHello, under keys from an earlier connection; no round trip to wait for",
    ),
    (
        "HelloRetryRequest",
        None,
        "the server wants a key share for another group: the client must send a second ClientHello, one more round trip",
    ),
    (
        "Retry",
        None,
        "the server wants proof that the client owns its address: the client sends its Initial again with this token, one more round trip",
    ),
    (
        "SYN-ACK",
        None,
        "the server accepts the connection and acknowledges the SYN: the client may now send (one round trip spent)",
    ),
    (
        "SYN (TFO cookie request)",
        None,
        "a SYN asking for a Fast Open cookie, so that the next connection can carry data in its SYN",
    ),
    (
        "SYN (TFO cookie) ·",
        None,
        "TCP Fast Open: the SYN already carries data, saving the round trip of the TCP handshake",
    ),
    (
        "SYN",
        None,
        "the client opens a TCP connection: nothing else may be sent until the SYN-ACK comes back (round 0)",
    ),
    (
        "EndOfEarlyData",
        None,
        "the client's 0-RTT data is over; what follows is protected with the handshake keys",
    ),
    (
        "ClientHello",
        None,
        "the client proposes versions, cipher suites and key shares: the TLS handshake starts",
    ),
    (
        "ServerHello",
        None,
        "the server picks the version, suite and key share: from here both sides can compute handshake keys",
    ),
    (
        "ServerHelloDone",
        None,
        "TLS 1.2: the server's flight is complete, the client may now send its key exchange",
    ),
    (
        "ClientKeyExchange",
        None,
        "TLS 1.2: the client's share of the key exchange; with the server's Finished still to come, it must wait another round trip",
    ),
    (
        "NewSessionTicket",
        None,
        "a ticket for resuming later: not needed now, so it adds no round trip even when it arrives first",
    ),
    (
        "Finished",
        Some(Side::Client),
        "the client proves it saw the same handshake; it may send its request right behind it",
    ),
    (
        "Finished",
        Some(Side::Server),
        "the server proves it saw the same handshake: the client can now trust the keys",
    ),
    (
        "encrypted handshake",
        Some(Side::Server),
        "the rest of the server's handshake flight, encrypted (no key log given)",
    ),
    (
        "encrypted handshake",
        Some(Side::Client),
        "the client's handshake messages, encrypted (no key log given)",
    ),
    ("encrypted data", None, "application data, encrypted (no key log given)"),
    ("HTTP/3 GET", Some(Side::Client), "the HTTP/3 request: the application finally speaks"),
    ("HTTP/3", Some(Side::Server), "the HTTP/3 response: the first answer to the request"),
    (
        "HANDSHAKE_DONE",
        None,
        "QUIC: the server confirms the handshake; the client already sent its request, so no round trip is added",
    ),
    (
        "Handshake (encrypted)",
        Some(Side::Server),
        "the rest of the server's QUIC handshake flight, encrypted (no key log given)",
    ),
    ("Handshake (encrypted)", Some(Side::Client), "the client's QUIC Finished, encrypted (no key log given)"),
    ("1-RTT (encrypted)", None, "QUIC application data, encrypted (no key log given)"),
    ("STREAM", None, "QUIC stream data: HTTP/3 control and request streams"),
    ("[ACK]", None, "acknowledgements: they keep loss recovery going and start no round"),
    ("HTTP/2", Some(Side::Client), "the HTTP/2 request: the application finally speaks"),
    ("HTTP/2", Some(Side::Server), "the HTTP/2 response: the first answer to the request"),
    ("HTTP", Some(Side::Client), "the HTTP request: the application finally speaks"),
    ("HTTP", Some(Side::Server), "the HTTP response: the first answer to the request"),
    ("ApplicationData", None, "application data, protected by the session's keys"),
    ("ChangeCipherSpec", None, "from here this side encrypts (in TLS 1.3 only a compatibility signal)"),
    ("Alert", None, "a TLS alert: a warning such as close_notify, or a fatal error that ends the session"),
    ("ACK", None, "the client acknowledges the SYN-ACK: the TCP handshake is complete"),
    ("RST", None, "the connection is reset"),
    ("FIN", None, "this side has nothing more to send"),
];

/// The explanation for an event with `label` sent by `side`.
pub fn explain(label: &str, side: Side) -> &'static str {
    EXPLANATIONS
        .iter()
        .find(|(needle, from, _)| label.contains(needle) && from.is_none_or(|from| from == side))
        .map_or("", |(_, _, text)| text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_that_decides_the_round_explains_the_event() {
        assert!(
            explain("ServerHello · ChangeCipherSpec · EncryptedExtensions", Side::Server)
                .starts_with("the server picks")
        );
        assert!(explain("NewSessionTicket", Side::Server).contains("adds no round trip"));
        assert!(explain("SYN (retransmission)", Side::Client).contains("starts no new round"));
        assert!(explain("HTTP GET /", Side::Client).contains("request"));
        assert_eq!(explain("something else", Side::Client), "");
        // QUIC: a TLS HelloRetryRequest is not a QUIC Retry, and the request in 0-RTT wins
        // over the ClientHello beside it.
        assert!(explain("HelloRetryRequest", Side::Server).contains("key share"));
        assert!(explain("Retry", Side::Server).contains("owns its address"));
        assert!(explain("Initial[CRYPTO: ClientHello] · 0-RTT[STREAM 0]", Side::Client).contains("0-RTT"));
        assert!(explain("1-RTT[ACK]", Side::Client).contains("start no round"));
    }
}
