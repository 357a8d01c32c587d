//! Round-trip accounting, exactly as DESIGN section 3 states it.
//!
//! Every client message carries the client's current round. A server message is *gating* when
//! the client must have it before its next handshake step (SYN-ACK, the ServerHello flight, a
//! TLS 1.2 server's ChangeCipherSpec and Finished, a HelloRetryRequest); when one arrives that
//! answers a client message of round r, the current round becomes max(current, r + 1).
//! Nothing else moves the count: not a NewSessionTicket that happens to arrive before the
//! request, not an ACK, not a retransmission. `request_rtts` is the round of the client's
//! first application byte; `response_rtts` is one more, once the server's first application
//! byte has arrived.

/// Which side sent a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Side {
    #[serde(rename = "c2s")]
    Client,
    #[serde(rename = "s2c")]
    Server,
}

/// What a gating server message answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Answers {
    /// The client's SYN (a SYN-ACK).
    Syn,
    /// The client's latest handshake flight (a ServerHello, a TLS 1.2 server Finished).
    Handshake,
    /// The client's first handshake message, whatever the client has sent since: an SSH
    /// server's version line and KEXINIT, which it sends once it has the client's version
    /// line, not in answer to the client's KEXINIT, however the two cross.
    Opening,
}

/// One message, as far as the accounting needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Step {
    pub side: Side,
    /// A SYN from the client.
    pub syn: bool,
    /// The client's handshake step (ClientHello, ClientKeyExchange, Finished...).
    pub handshake: bool,
    /// Application data (the request, or the response).
    pub application: bool,
    /// For a server message: the client message it answers, if the client must wait for it.
    pub gating: Option<Answers>,
    /// A copy of a message already sent: shown, never counted again.
    pub retransmission: bool,
}

/// The rounds of a sequence of messages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rounds {
    /// One per step: the client's round when it sent the step; for a server step, the round
    /// it closes: one more than the client message it answers (the request, for the
    /// response), or than the client's latest message.
    pub per_step: Vec<u32>,
    /// The round of the client's first application byte.
    pub request: Option<u32>,
    /// The round in which the server's first application byte arrived.
    pub response: Option<u32>,
    /// Index of the step that carried the request, and of the one that carried the response.
    pub request_step: Option<usize>,
    pub response_step: Option<usize>,
}

/// Counts the rounds of `steps`, in the order they were seen.
pub fn count(steps: &[Step]) -> Rounds {
    let mut rounds = Rounds::default();
    let mut current = 0u32;
    let mut syn_round = None;
    let mut handshake_round = None;
    let mut opening_round = None;
    let mut last_client_round = None;
    for (index, step) in steps.iter().enumerate() {
        match step.side {
            Side::Client => {
                rounds.per_step.push(current);
                last_client_round = Some(current);
                if step.retransmission {
                    continue;
                }
                if step.syn && syn_round.is_none() {
                    syn_round = Some(current);
                }
                if step.handshake {
                    handshake_round = Some(current);
                    opening_round.get_or_insert(current);
                }
                if step.application && rounds.request.is_none() {
                    rounds.request = Some(current);
                    rounds.request_step = Some(index);
                }
            }
            Side::Server => {
                let answered = match step.gating {
                    Some(Answers::Syn) => syn_round,
                    Some(Answers::Handshake) => handshake_round.or(syn_round),
                    Some(Answers::Opening) => opening_round.or(syn_round),
                    None => None,
                };
                // The response arrives in the round after the request, as `response_rtts` counts
                // it; anything else in the round after the client's latest message.
                let shown = match (step.application, rounds.request, answered) {
                    (true, Some(request), _) => request + 1,
                    (_, _, Some(round)) => round + 1,
                    _ => last_client_round.map_or(0, |round| round + 1),
                };
                rounds.per_step.push(shown);
                if step.retransmission {
                    continue;
                }
                if let Some(round) = answered {
                    current = current.max(round + 1);
                }
                if step.application && rounds.request.is_some() && rounds.response.is_none() {
                    rounds.response = rounds.request.map(|round| round + 1);
                    rounds.response_step = Some(index);
                }
            }
        }
    }
    rounds
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(syn: bool, handshake: bool, application: bool) -> Step {
        Step { side: Side::Client, syn, handshake, application, gating: None, retransmission: false }
    }

    fn server(gating: Option<Answers>, application: bool) -> Step {
        Step { side: Side::Server, syn: false, handshake: false, application, gating, retransmission: false }
    }

    const SYN: Option<Answers> = Some(Answers::Syn);
    const FLIGHT: Option<Answers> = Some(Answers::Handshake);

    /// An SSH server's version line and KEXINIT answer the client's version line however the
    /// KEXINITs cross: the client's key exchange message goes in round 2 either way, where
    /// counting them as answers to the client's latest flight made it round 3 when the client's
    /// KEXINIT happened to leave first.
    #[test]
    fn kexinits_crossing_either_way_cost_the_same() {
        const OPENING: Option<Answers> = Some(Answers::Opening);
        let (version, kexinit, ecdh) =
            (client(false, true, false), client(false, true, false), client(false, true, false));
        let (server_version, server_kexinit) = (server(OPENING, false), server(OPENING, false));
        let client_first = count(&tcp_then(&[version, server_version, kexinit, server_kexinit, ecdh]));
        let server_first = count(&tcp_then(&[version, server_version, server_kexinit, kexinit, ecdh]));
        assert_eq!(client_first.per_step[6], 2);
        assert_eq!(server_first.per_step[6], 2);
        let as_latest =
            count(&tcp_then(&[version, server(FLIGHT, false), kexinit, server(FLIGHT, false), ecdh]));
        assert_eq!(as_latest.per_step[6], 3);
    }

    /// SYN, SYN-ACK, then the client's steps and the server's answers.
    fn tcp_then(rest: &[Step]) -> Vec<Step> {
        let mut steps = vec![client(true, false, false), server(SYN, false)];
        steps.extend_from_slice(rest);
        steps
    }

    #[test]
    fn plain_http_asks_after_one_round_trip() {
        let rounds = count(&tcp_then(&[client(false, false, true), server(None, true)]));
        assert_eq!((rounds.request, rounds.response), (Some(1), Some(2)));
    }

    #[test]
    fn tls12_full_takes_three_and_tls13_two() {
        let tls12 = tcp_then(&[
            client(false, true, false), // ClientHello
            server(FLIGHT, false),      // ServerHello .. ServerHelloDone
            client(false, true, false), // ClientKeyExchange, ChangeCipherSpec, Finished
            server(FLIGHT, false),      // ChangeCipherSpec, Finished
            client(false, false, true), // the request
            server(None, true),
        ]);
        assert_eq!((count(&tls12).request, count(&tls12).response), (Some(3), Some(4)));
        let tls13 = tcp_then(&[
            client(false, true, false),
            server(FLIGHT, false),
            client(false, true, true), // Finished and the request together
            server(None, true),
        ]);
        assert_eq!(count(&tls13).request, Some(2));
    }

    #[test]
    fn a_new_session_ticket_before_the_request_adds_no_round() {
        let steps = tcp_then(&[
            client(false, true, false),
            server(FLIGHT, false),
            client(false, true, false), // Finished alone
            server(None, false),        // NewSessionTicket, not gating
            client(false, false, true),
            server(None, true),
        ]);
        assert_eq!(count(&steps).request, Some(2));
    }

    #[test]
    fn a_hello_retry_request_adds_one_round() {
        let steps = tcp_then(&[
            client(false, true, false), // ClientHello
            server(FLIGHT, false),      // HelloRetryRequest
            client(false, true, false), // second ClientHello
            server(FLIGHT, false),      // ServerHello flight
            client(false, true, true),
            server(None, true),
        ]);
        assert_eq!(count(&steps).request, Some(3));
    }

    #[test]
    fn quic_asks_after_one_round_and_a_retry_or_version_negotiation_adds_one() {
        // No SYN: the client's Initial is its first flight.
        let initial = || client(false, true, false);
        let quic = [initial(), server(FLIGHT, false), client(false, true, true), server(None, true)];
        assert_eq!((count(&quic).request, count(&quic).response), (Some(1), Some(2)));
        let retried = [
            initial(),
            server(FLIGHT, false), // Retry (or Version Negotiation)
            initial(),             // the Initial again, with the token
            server(FLIGHT, false), // Initial and Handshake flight
            client(false, true, true),
            server(None, false), // HANDSHAKE_DONE before the response: not gating
            server(None, true),
        ];
        assert_eq!((count(&retried).request, count(&retried).response), (Some(2), Some(3)));
        // 0-RTT: the request leaves with the first Initial.
        let early = [client(false, true, true), server(FLIGHT, true)];
        assert_eq!((count(&early).request, count(&early).response), (Some(0), Some(1)));
    }

    #[test]
    fn early_data_rides_in_the_first_flight_and_rejected_early_data_waits() {
        let accepted = tcp_then(&[client(false, true, true), server(FLIGHT, true)]);
        assert_eq!((count(&accepted).request, count(&accepted).response), (Some(1), Some(2)));
        // Rejected: the 0-RTT request is not the one answered; the client sends it again
        // after the handshake, which the caller marks as the request.
        let rejected = tcp_then(&[
            client(false, true, false),
            server(FLIGHT, false),
            client(false, true, true),
            server(None, true),
        ]);
        assert_eq!(count(&rejected).request, Some(2));
    }

    #[test]
    fn tcp_fast_open_and_its_cookie_request() {
        // The SYN carries the ClientHello (and, with early data, the request).
        let tfo = vec![
            Step { handshake: true, ..client(true, false, false) },
            server(SYN, false),
            server(FLIGHT, false),
            client(false, true, true),
            server(None, true),
        ];
        assert_eq!(count(&tfo).request, Some(1));
        let tfo_0rtt = vec![
            Step { handshake: true, ..client(true, false, true) },
            server(SYN, false),
            server(FLIGHT, true),
        ];
        assert_eq!((count(&tfo_0rtt).request, count(&tfo_0rtt).response), (Some(0), Some(1)));
        // A cookie request is an ordinary SYN: nothing is gained on that connection.
        let cookie_request = tcp_then(&[client(false, false, true), server(None, true)]);
        assert_eq!(count(&cookie_request).request, Some(1));
    }

    #[test]
    fn a_retransmitted_syn_is_shown_but_not_counted() {
        let steps = vec![
            client(true, false, false),
            Step { retransmission: true, ..client(true, false, false) },
            server(SYN, false),
            client(false, false, true),
            server(None, true),
        ];
        let rounds = count(&steps);
        assert_eq!(rounds.per_step[..3], [0, 0, 1], "the SYN-ACK arrives in round 1");
        assert_eq!(rounds.request, Some(1));
    }
}
