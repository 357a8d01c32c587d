//! DNS over UDP in a connection's timeline (issue 17): a UDP conversation that carries DNS is
//! the `dns` variant, and each message is labelled as tshark's Info column labels it
//! (`DNS Standard query 0x1a2b A server.test`, then `DNS Standard query response 0x1a2b A
//! server.test A 10.0.53.3`). The query is the client's first flight, and its answer comes
//! back one round trip later: the round trip every lookup costs. Nothing is parsed here: the
//! label is read from the layer `dissect` made.

use std::fmt;

use super::explain::{Explanation, by_side};
use super::rounds::Side;
use crate::dissect::dns::Message;

/// A DNS message as the timeline shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DnsMessage {
    /// tshark's Info column for the message.
    label: String,
}

impl DnsMessage {
    pub(super) fn of(message: &Message<'_>) -> Self {
        let mut label = String::new();
        // Writing into a String cannot fail.
        let _ = message.summary(&mut label);
        Self { label }
    }

    pub(super) fn explained(&self, side: Side) -> Option<Explanation> {
        Some(by_side(side, Explanation::DnsQuery, Explanation::DnsResponse))
    }
}

impl fmt::Display for DnsMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DNS {}", self.label)
    }
}
