//! Every field name rttscope can report, with its type, a short title and the OSI layer it
//! plays on.
//!
//! Names follow Wireshark's, so `-e` and `-Y` take what tshark takes. The registry is what
//! validates a field name before any packet is read, what tells the display filter how to read
//! a literal (`10.0.0.0/8` for an address, `0x12` for a number), and what `rttscope fields`
//! prints. It keeps no list of its own: each protocol's module declares its fields with
//! `field_table!`, beside the emitter that uses the same constants, and the protocol table
//! (`crate::protocol`) names each protocol's tables; the registry is their concatenation.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::osi::{OsiLayer, Protocol};

pub mod values;

pub use values::Names;

/// How a field's value is typed, which decides how filter literals are read and compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A protocol: present or not, its value the bytes it covers.
    Protocol,
    Uint,
    Int,
    Hex,
    Bool,
    Mac,
    Ipv4,
    Ipv6,
    Bytes,
    Text,
    /// An absolute or relative time, in seconds.
    Time,
    /// Present or not, no value (Wireshark's `FT_NONE`).
    Present,
}

/// One known field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldInfo {
    pub name: &'static str,
    pub kind: Kind,
    pub title: &'static str,
    /// The protocol whose table declares the field.
    pub protocol: Protocol,
    /// The OSI layer the field plays on: its protocol's, unless the field describes what the
    /// protocol does on another layer (a TCP stream's state and a TLS or QUIC handshake on the
    /// session layer, packet protection on the presentation layer).
    pub layer: OsiLayer,
    /// The names of the field's coded values, for people (`-V`, the TUI tree).
    pub names: Option<Names>,
}

/// Declares a protocol's fields: a `&str` constant per field, for the emitter, and `FIELDS`,
/// the table the protocol's row in `crate::protocol` names.
///
/// ```text
/// field_table! {
///     protocol Udp;
///     SRCPORT "udp.srcport" Uint "source port";
///     STREAM "udp.stream" Uint @Session "conversation index";   // placed on another layer
///     PROTO "ip.proto" Uint "payload protocol" names IP_PROTOCOL; // values named (`values`)
/// }
/// ```
macro_rules! field_table {
    (protocol $protocol:ident; $($constant:ident $name:literal $kind:ident $(@$layer:ident)? $title:literal $(names $names:ident)?;)*) => {
        $(pub const $constant: &str = $name;)*

        /// The fields, in the order Wireshark's tree shows them.
        pub const FIELDS: &[$crate::registry::FieldInfo] = &[$(
            $crate::registry::FieldInfo {
                name: $name,
                kind: $crate::registry::Kind::$kind,
                title: $title,
                protocol: $crate::osi::Protocol::$protocol,
                layer: $crate::registry::field_table!(@layer $protocol $($layer)?),
                names: $crate::registry::field_table!(@names $($names)?),
            },
        )*];
    };
    (@layer $protocol:ident) => {
        $crate::osi::Protocol::$protocol.osi()
    };
    (@layer $protocol:ident $layer:ident) => {
        $crate::osi::OsiLayer::$layer
    };
    (@names) => {
        None
    };
    (@names $names:ident) => {
        Some($crate::registry::values::$names)
    };
}
pub(crate) use field_table;

/// Every field of every protocol, from the outside in.
pub fn fields() -> impl Iterator<Item = &'static FieldInfo> {
    Protocol::ALL.into_iter().flat_map(Protocol::fields)
}

/// A protocol as the registry lists it: its filter name, typed as a protocol.
pub fn protocol_info(protocol: Protocol) -> FieldInfo {
    FieldInfo {
        name: protocol.filter_name(),
        kind: Kind::Protocol,
        title: protocol.full_name(),
        protocol,
        layer: protocol.osi(),
        names: None,
    }
}

/// Looks a field or protocol name up.
pub fn lookup(name: &str) -> Option<FieldInfo> {
    static BY_NAME: OnceLock<HashMap<&'static str, FieldInfo>> = OnceLock::new();
    let by_name = BY_NAME.get_or_init(|| {
        let protocols = Protocol::ALL.into_iter().map(protocol_info);
        let mut by_name: HashMap<_, _> =
            protocols.chain(fields().copied()).map(|info| (info.name, info)).collect();
        for (protocol, name) in listed() {
            by_name.entry(name).or_insert(FieldInfo { name, ..protocol_info(protocol) });
        }
        by_name
    });
    by_name.get(name).copied()
}

/// Each name a protocol also lists in `frame.protocols`, with the protocol. Those no table
/// declares have no item in the tree, in Wireshark as here: `-e` takes them and prints
/// nothing, and `-Y` takes them and matches no packet, as tshark does.
fn listed() -> impl Iterator<Item = (Protocol, &'static str)> {
    Protocol::ALL
        .into_iter()
        .flat_map(|protocol| protocol.also_lists().iter().map(move |name| (protocol, *name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        let mut seen = std::collections::HashSet::new();
        for field in fields() {
            assert!(seen.insert(field.name), "{} twice", field.name);
            assert!(Protocol::from_filter_name(field.name).is_none(), "{} is also a protocol", field.name);
            assert_eq!(lookup(field.name), Some(*field));
        }
        assert_eq!(lookup("tcp").map(|f| f.kind), Some(Kind::Protocol));
        assert_eq!(lookup("tcp.prot"), None);
        // Listed in frame.protocols only, or declared as a field of its own too.
        assert_eq!(lookup("x509sat").map(|f| (f.kind, f.protocol)), Some((Kind::Protocol, Protocol::Tls)));
        assert_eq!(lookup("ethertype").map(|f| f.kind), Some(Kind::Protocol));
        // A name listed that a table declares too is the table's.
        assert_eq!(lookup("ipv6.hopopts"), fields().find(|field| field.name == "ipv6.hopopts").copied());
    }
}
