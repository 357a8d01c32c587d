//! STUN in a connection's timeline (issue 18): a UDP conversation that carries STUN is the
//! `stun` variant, and each message is labelled by its method and class, a response with the
//! address it maps (`STUN Binding Success Response XOR-MAPPED-ADDRESS: 10.0.0.1:5000`). The
//! Binding request is the client's first flight and its response the one round trip STUN costs.
//! Nothing is parsed here: the label is read from the layer `track` kept.

use std::fmt;

use super::explain::{Explanation, by_side};
use super::rounds::Side;
use crate::dissect::stun::{self, Message};

/// A STUN message as the timeline shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StunMessage {
    /// `Binding Success Response`, and the XOR-MAPPED-ADDRESS words if it maps one.
    label: String,
    class: u8,
}

impl StunMessage {
    pub(super) fn of(message: &Message<'_>) -> Self {
        let mut label = format!(
            "{} {}",
            stun::method_name(message.method()).unwrap_or("Unknown"),
            stun::class_name(message.class())
        );
        for attribute in message.attributes().filter(|attribute| attribute.kind == 0x0020) {
            // Writing into a String cannot fail.
            let _ = attribute.summary(&mut label, message.bytes());
        }
        Self { label, class: message.class() }
    }

    pub(super) fn explained(&self, side: Side) -> Option<Explanation> {
        Some(match self.class {
            stun::class::INDICATION => Explanation::Datagram,
            _ => by_side(side, Explanation::StunRequest, Explanation::StunResponse),
        })
    }
}

impl fmt::Display for StunMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "STUN {}", self.label)
    }
}
