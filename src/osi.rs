//! The OSI model as the course teaches it, and where each protocol rttscope decodes sits on it.
//!
//! Every layer of every packet names its [`Protocol`], and the protocol's row in the protocol
//! table (`crate::protocol`) gives its OSI layer and its roles on others; each field's row in
//! its protocol's field table gives the layer the field plays on. Views colour and order
//! layers by these tables only, so a protocol is placed on the model in exactly one spot.

use std::fmt;

/// The seven OSI layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum OsiLayer {
    Physical = 1,
    DataLink = 2,
    Network = 3,
    Transport = 4,
    Session = 5,
    Presentation = 6,
    Application = 7,
}

impl OsiLayer {
    pub const ALL: [Self; 7] = [
        Self::Physical,
        Self::DataLink,
        Self::Network,
        Self::Transport,
        Self::Session,
        Self::Presentation,
        Self::Application,
    ];

    /// The layer numbered 1 to 7.
    pub fn from_number(number: u8) -> Option<Self> {
        Self::ALL.get(usize::from(number.checked_sub(1)?)).copied()
    }

    /// The layer's number, 1 to 7.
    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Physical => "Physical",
            Self::DataLink => "Data link",
            Self::Network => "Network",
            Self::Transport => "Transport",
            Self::Session => "Session",
            Self::Presentation => "Presentation",
            Self::Application => "Application",
        }
    }

    /// What the layer does, in one line.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::Physical => "bits on the medium: here, the frame's length and capture time",
            Self::DataLink => "delivery between neighbours on one link, by hardware address",
            Self::Network => "delivery between hosts across networks, by IP address",
            Self::Transport => "delivery between programs, by port: streams or datagrams",
            Self::Session => "the life of a conversation: setting it up, keeping it, ending it",
            Self::Presentation => "how the bytes are encoded and protected: encryption",
            Self::Application => "what the programs say to each other",
        }
    }
}

impl fmt::Display for OsiLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "L{} {}", self.number(), self.name())
    }
}

/// Where a protocol sits is declared in the protocol table.
pub use crate::protocol::Protocol;

/// The OSI layer a field plays on. Most fields sit on their protocol's layer; those of
/// protocols that span layers (DESIGN section 2) are placed by their row in the protocol's
/// field table. A field another protocol's layer emits (TCP's reassembly fields under TLS)
/// sits on that layer.
pub fn field_layer(field: &str, protocol: Protocol) -> OsiLayer {
    match crate::registry::lookup(field) {
        Some(info) if info.protocol == protocol => info.layer,
        _ => protocol.osi(),
    }
}

/// What a protocol does on a layer other than its own, for a tree that shows it there.
pub fn role(protocol: Protocol, layer: OsiLayer) -> Option<&'static str> {
    protocol.role(layer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protocol_sits_on_one_layer_and_is_found_by_name() {
        for protocol in Protocol::ALL {
            assert_eq!(Protocol::from_filter_name(protocol.filter_name()), Some(protocol));
            assert!(!protocol.explanation().is_empty());
        }
        assert_eq!(Protocol::Tcp.osi(), OsiLayer::Transport);
        assert_eq!(Protocol::Arp.osi(), OsiLayer::Network);
        assert_eq!(OsiLayer::Transport.to_string(), "L4 Transport");
        for layer in OsiLayer::ALL {
            assert_eq!(OsiLayer::from_number(layer.number()), Some(layer));
        }
        assert_eq!((OsiLayer::from_number(0), OsiLayer::from_number(8)), (None, None));
    }

    #[test]
    fn fields_of_protocols_that_span_layers_sit_where_they_play() {
        assert_eq!(field_layer("tcp.srcport", Protocol::Tcp), OsiLayer::Transport);
        assert_eq!(field_layer("tcp.stream", Protocol::Tcp), OsiLayer::Session);
        assert_eq!(field_layer("tcp.analysis.retransmission", Protocol::Tcp), OsiLayer::Session);
        assert_eq!(field_layer("tls.handshake.type", Protocol::Tls), OsiLayer::Session);
        assert_eq!(field_layer("tls.record.content_type", Protocol::Tls), OsiLayer::Presentation);
        assert_eq!(field_layer("quic.dcid", Protocol::Quic), OsiLayer::Session);
        assert_eq!(field_layer("quic.crypto.offset", Protocol::Quic), OsiLayer::Session);
        assert_eq!(field_layer("quic.protected_payload", Protocol::Quic), OsiLayer::Presentation);
        assert_eq!(field_layer("quic.stream.stream_id", Protocol::Quic), OsiLayer::Transport);
        assert_eq!(field_layer("http.request.method", Protocol::Http), OsiLayer::Application);
        // TCP's reassembly fields, shown under the TLS record they rebuilt, sit on its layer.
        assert_eq!(field_layer("tcp.segment", Protocol::Tls), OsiLayer::Presentation);
        for layer in [OsiLayer::Session, OsiLayer::Presentation] {
            assert!(role(Protocol::Quic, layer).is_some());
        }
        assert_eq!(role(Protocol::Tcp, OsiLayer::Transport), None);
    }
}
