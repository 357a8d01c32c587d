//! TLS's subtrees in tshark's `-V` tree: each record, each handshake message in it, each
//! extension, the lists a hello offers (cipher suites, compression methods, groups, point
//! formats, signature algorithms, ALPN protocols), a message's parameters, a DTLS message's
//! fragments, and (in [`extension`]) the subtrees tshark opens inside an extension.
//!
//! The invariant: every field keeps its place in the order and is written once; nesting only
//! adds title lines and indentation.

use super::expert::{self, Group, Severity};
use super::{Item, x509};
use crate::registry::values;
use crate::render::detail::byte_count;
use extension::open_inside_extension;

mod extension;

/// Writes a TLS layer's fields through `push(depth, line)`; `record_titles` titles its records
/// in order.
pub fn write(push: &mut impl FnMut(usize, &str), items: &[Item<'_>], record_titles: &[String], family: &str) {
    // The depth of the open record (1), handshake message (2) and extension (3).
    let mut open = 0;
    let mut index = 0;
    let mut records = record_titles.iter();
    // The protocol the open record's title names its application data as, when it names one.
    let mut application: Option<&str> = None;
    // How much deeper than the extension's own fields a subtree inside it puts them.
    let mut inner = 0;
    // The open handshake message's type, and whether its key exchange parameters' subtree
    // (a ServerKeyExchange's) is open.
    let (mut message_type, params) = (None, std::cell::Cell::new(false));
    // Whether a Certificate message's list is open: its entries sit a level deeper.
    let mut certificates = false;
    // The type of the open extension.
    let mut extension = None;
    // A message's fields sit a level deeper under its parameters' subtree.
    let mut push = |depth: usize, line: &str| push(depth + usize::from(params.get() && depth >= 3), line);
    let push = &mut push;
    while index < items.len() {
        let item = &items[index];
        // The first value of `name` before the next subtree that `stops` names opens.
        let next_before = |name: &str, stops: &[&str]| {
            items[index + 1..]
                .iter()
                .take_while(|later| !stops.contains(&later.name))
                .find(|later| later.name == name)
                .and_then(|later| later.number)
        };
        let next = |name: &str| next_before(name, &["tls.record", "tls.handshake"]);
        match item.name {
            "tls.record" => {
                let handshake = handshake_name(
                    next_before("tls.handshake.type", &["tls.record"]),
                    next_before(SELECTED_GROUP, &["tls.record"]).is_some(),
                )
                .map(|name| {
                    let fragment = |field: &str| next_before(field, &["tls.record"]);
                    format!("{name}{}", fragment_suffix(&fragment))
                });
                application = None;
                certificates = false;
                (message_type, inner) = (None, 0);
                params.set(false);
                match records.next() {
                    Some(title) => {
                        push(1, title);
                        application = title
                            .split_once(APPLICATION_TITLE)
                            .map(|(_, protocol)| protocol)
                            .filter(|protocol| *protocol != "Application Data");
                    }
                    None => {
                        push(1, &record_title(family, next("tls.record.content_type"), handshake.as_deref()))
                    }
                }
                open = 1;
            }
            "tls.handshake" => {
                message_type = next("tls.handshake.type");
                params.set(false);
                certificates = false;
                let name = match message_type {
                    // DTLS's encrypted message is only `Handshake Protocol`.
                    None if family == "DTLS" => None,
                    None => Some("Encrypted Handshake Message"),
                    kind => Some(handshake_name(kind, next(SELECTED_GROUP).is_some()).unwrap_or("Unknown")),
                };
                let suffix = if message_type.is_some() { fragment_suffix(&next) } else { "" };
                match name {
                    Some(name) => push(2, &format!("Handshake Protocol: {name}{suffix}")),
                    None => push(2, "Handshake Protocol"),
                }
                open = 2;
            }
            "tls.handshake.extension.type" if open >= 2 => {
                extension = item.number;
                let kind = item.number.and_then(|kind| values::TLS_EXTENSION.name(kind));
                let length = next("tls.handshake.extension.len").unwrap_or(0);
                push(3, &format!("Extension: {} (len={length})", kind.unwrap_or("Unknown")));
                push(4, item.line);
                open = 3;
                inner = 0;
            }
            name => {
                let mut depth = depth(name, open);
                open = open.min(depth.saturating_sub(1));
                depth += usize::from(certificates && depth == 3);
                // A signature algorithm's hash and signature sit under it.
                depth += usize::from(SIGNATURE_PARTS.contains(&name) || RANDOM_PARTS.contains(&name));
                // The fragments a DTLS message was put together from, as tshark's reassembly
                // subtree, beside the message.
                if name == "tls.fragments" {
                    let pieces: Vec<&Item<'_>> =
                        items[index + 1..].iter().take_while(|later| later.name == "tls.fragment").collect();
                    let what = if pieces.len() == 1 { "Message fragment" } else { "Message fragments" };
                    let total = pieces.iter().map(|piece| piece.size).sum();
                    params.set(false);
                    super::fragments(push, 2, what, total, &pieces);
                    index += 1 + pieces.len();
                    continue;
                }
                // Their count and length under it (TLS's own reassembled length is a PDU's).
                if matches!(name, "tls.fragment.count" | "tls.reassembled.length") && family == "DTLS" {
                    push(3, item.line);
                    index += 1;
                    continue;
                }
                if name == "tls.resumed" {
                    let message = "This session reuses previously negotiated keys (Session resumption)";
                    expert::push(push, 3, Severity::Note, Group::Sequence, message);
                    index += 1;
                    continue;
                }
                // An alert's level and description sit under `Alert Message`; an alert still
                // encrypted has nothing under it.
                if name == "tls.alert_message" {
                    let encrypted =
                        items.get(index + 1).is_none_or(|next| next.name != "tls.alert_message.level");
                    push(depth, if encrypted { "Alert Message: Encrypted Alert" } else { "Alert Message" });
                    index += 1;
                    continue;
                }
                depth += usize::from(matches!(name, "tls.alert_message.level" | "tls.alert_message.desc"));
                let previous = index.checked_sub(1).map(|previous| items[previous].name);
                if depth == 4 {
                    // What follows `item` inside its extension, up to the next parameter.
                    let within = |name: &str| {
                        next_before(name, &["tls.record", "tls.handshake", EXTENSION, PARAMETER])
                    };
                    inner = open_inside_extension(push, item, previous, inner, &within);
                    depth += inner;
                } else {
                    inner = 0;
                }
                // tshark gathers what a ServerKeyExchange says under its parameters (rttscope
                // reads their signature algorithm).
                let message_level = matches!(
                    name,
                    "tls.handshake.type"
                        | "tls.handshake.length"
                        | "tls.handshake.message_seq"
                        | "tls.handshake.fragment_offset"
                        | "tls.handshake.fragment_length"
                );
                if depth == 3
                    && !message_level
                    && !params.get()
                    && let Some(title) = message_type.and_then(|kind| params_title(kind, name))
                {
                    push(3, title);
                    params.set(true);
                }
                // A list after its length gets tshark's title, its items a level deeper.
                match list_title(name, previous) {
                    Some(title) => {
                        let in_list =
                            |later: &&Item<'_>| later.name == name || SIGNATURE_PARTS.contains(&later.name);
                        let count = items[index..].iter().take_while(in_list).count();
                        let listed = &items[index..index + count];
                        push(depth, &title(listed.iter().filter(|later| later.name == name).count()));
                        for later in listed {
                            push(depth + 1 + usize::from(later.name != name), later.line);
                        }
                        index += count;
                        continue;
                    }
                    None if name == CERTIFICATE => x509::write_certificate(push, depth, item),
                    // A session ticket extension's bytes are counted, not shown.
                    None if name == "tls.handshake.extension.data" && extension == Some(SESSION_TICKET) => {
                        push(depth, &format!("Data ({})", byte_count(item.size)))
                    }
                    None => push(depth, item.line),
                }
                // tshark gathers a Certificate message's entries under the list's length,
                // when there are any.
                if let ("tls.handshake.certificates_length", Some(length @ 1..)) = (name, item.number) {
                    push(depth, &format!("Certificates ({length} bytes)"));
                    certificates = true;
                }
                // tshark repeats the protocol it hands the data to under the record.
                if let (APP_DATA, Some(protocol)) = (name, application) {
                    push(depth, &format!("[Application Data Protocol: {protocol}]"));
                }
            }
        }
        index += 1;
    }
}

/// The subtree tshark gathers a message's own fields under, after its type and length.
fn params_title(message_type: u64, first: &str) -> Option<&'static str> {
    match (message_type, first) {
        (4, _) => Some("TLS Session Ticket"),
        (12, "tls.handshake.p_len") => Some("Diffie-Hellman Server Params"),
        (12, _) => Some("EC Diffie-Hellman Server Params"),
        (16, "tls.handshake.client_point_len") => Some("EC Diffie-Hellman Client Params"),
        (16, "tls.handshake.yc_len") => Some("Diffie-Hellman Client Params"),
        (16, "tls.handshake.epms_len") => Some("RSA Encrypted PreMaster Secret"),
        _ => None,
    }
}

/// The field that starts an extension, and the one that starts a QUIC transport parameter
/// inside one.
const EXTENSION: &str = "tls.handshake.extension.type";
const PARAMETER: &str = "tls.quic.parameter.type";

/// One certificate of a Certificate message, the DER tshark draws the X.509 subtree of.
const CERTIFICATE: &str = "tls.handshake.certificate";

/// The session_ticket extension's type.
const SESSION_TICKET: u64 = 35;

/// The field only a HelloRetryRequest carries.
const SELECTED_GROUP: &str = "tls.handshake.extensions_key_share_selected_group";

/// A handshake message's name as tshark titles it: a ServerHello that selects a key share
/// group is a HelloRetryRequest.
fn handshake_name(kind: Option<u64>, selects_group: bool) -> Option<&'static str> {
    match kind.and_then(|kind| values::TLS_HANDSHAKE_TYPE.name(kind)) {
        Some("Server Hello") if selects_group => Some("Hello Retry Request"),
        name => name,
    }
}

/// How deep a TLS field sits, given the subtree open before it.
fn depth(name: &str, open: usize) -> usize {
    let in_handshake = [
        "tls.handshake.",
        "tls.quic.",
        "tls.extension.",
        "tls.early_data.",
        "tls.record_size_limit",
        "tls.use_srtp.",
    ]
    .iter()
    .any(|prefix| name.starts_with(prefix));
    let handshake_level = matches!(name, "tls.handshake.type" | "tls.handshake.length")
        || name.starts_with("tls.handshake.ja3");
    match open {
        // A record's plaintext given to a message spanning records sits beside the records.
        _ if name == "tls.segment.data" => 1,
        3 if in_handshake && !handshake_level => 4,
        2 | 3 if in_handshake => 3,
        0 => 1,
        _ => 2,
    }
}

/// What tshark adds to the name of a DTLS handshake message that came in fragments: ` (Fragment)`
/// for one that does not end the message, ` (Reassembled)` for the one that does, given the
/// message's `next` field values; nothing for a whole message (or a TLS one, which has no
/// fragment fields).
fn fragment_suffix(next: &dyn Fn(&str) -> Option<u64>) -> &'static str {
    let (Some(length), Some(offset), Some(fragment)) = (
        next("tls.handshake.length"),
        next("tls.handshake.fragment_offset"),
        next("tls.handshake.fragment_length"),
    ) else {
        return "";
    };
    match (fragment < length, offset + fragment >= length) {
        (false, _) => "",
        (true, true) => " (Reassembled)",
        (true, false) => " (Fragment)",
    }
}

/// The fields tshark draws under each signature algorithm: its bytes as TLS 1.2's hash and
/// signature.
const SIGNATURE_PARTS: &[&str] = &["tls.handshake.sig_hash_hash", "tls.handshake.sig_hash_sig"];
/// How a record's title names the protocol of its application data.
const APPLICATION_TITLE: &str = ": Application Data Protocol: ";
const APP_DATA: &str = "tls.app_data";

/// A hello random's time and bytes, under the random.
const RANDOM_PARTS: &[&str] = &["tls.handshake.random_time", "tls.handshake.random_bytes"];

/// `TLS Record Layer: Handshake Protocol: Client Hello`, as tshark titles a record (tshark
/// puts the connection's version first, `TLSv1.3 Record Layer`, which one record does not say).
fn record_title(family: &str, content_type: Option<u64>, handshake: Option<&str>) -> String {
    let content = content_type.and_then(|kind| values::TLS_CONTENT_TYPE.name(kind)).unwrap_or("Unknown");
    let mut title = format!("{family} Record Layer: {content} Protocol");
    if content_type == Some(20) {
        title.push_str(": Change Cipher Spec");
    } else if let Some(name) = handshake {
        title.push_str(": ");
        title.push_str(name);
    }
    title
}

/// tshark's title of a ClientHello's list, when `name`'s items follow the list's length.
fn list_title(name: &str, previous: Option<&str>) -> Option<fn(usize) -> String> {
    let title: fn(usize) -> String = match (name, previous?) {
        ("tls.handshake.ciphersuite", "tls.handshake.cipher_suites_length") => {
            |count| format!("Cipher Suites ({count} suite{})", if count == 1 { "" } else { "s" })
        }
        ("tls.handshake.comp_method", "tls.handshake.comp_methods_length") => {
            |count| format!("Compression Methods ({count} method{})", if count == 1 { "" } else { "s" })
        }
        ("tls.handshake.extensions_supported_group", "tls.handshake.extensions_supported_groups_length") => {
            |count| format!("Supported Groups ({count} group{})", if count == 1 { "" } else { "s" })
        }
        ("tls.handshake.extensions_ec_point_format", "tls.handshake.extensions_ec_point_formats_length") => {
            |count| format!("Elliptic curves point formats ({count})")
        }
        ("tls.handshake.cert_type", "tls.handshake.cert_types_count") => {
            |count| format!("Certificate types ({count} type{})", if count == 1 { "" } else { "s" })
        }
        ("tls.handshake.sig_hash_alg", "tls.handshake.sig_hash_alg_len") => |count| {
            format!("Signature Hash Algorithms ({count} algorithm{})", if count == 1 { "" } else { "s" })
        },
        _ => return None,
    };
    Some(title)
}

#[cfg(test)]
mod tests {
    use super::super::item;
    use super::*;

    #[test]
    fn a_client_hello_nests_as_tsharks() {
        let items = [
            item("tls.record", None, "tls.record"),
            item("tls.record.content_type", Some(22), "Content Type: Handshake (22)"),
            item("tls.handshake", None, "tls.handshake"),
            item("tls.handshake.type", Some(1), "Handshake Type: Client Hello (1)"),
            item("tls.handshake.cipher_suites_length", Some(4), "Cipher Suites Length: 4"),
            item("tls.handshake.ciphersuite", Some(0x1301), "Cipher Suite: A"),
            item("tls.handshake.ciphersuite", Some(0x00ff), "Cipher Suite: B"),
            item("tls.handshake.extension.type", Some(43), "Type: supported_versions (43)"),
            item("tls.handshake.extension.len", Some(3), "Length: 3"),
            item("tls.handshake.extensions.supported_version", Some(0x304), "Supported Version: X"),
            item("tls.record", None, "tls.record"),
            item("tls.record.content_type", Some(23), "Content Type: Application Data (23)"),
        ];
        let text = crate::render::nest::indented(|push| {
            write(&mut |depth, line: &str| push(depth, line), &items, &[], "TLS")
        });
        assert_eq!(
            text,
            "    TLS Record Layer: Handshake Protocol: Client Hello\n\
             \x20       Content Type: Handshake (22)\n\
             \x20       Handshake Protocol: Client Hello\n\
             \x20           Handshake Type: Client Hello (1)\n\
             \x20           Cipher Suites Length: 4\n\
             \x20           Cipher Suites (2 suites)\n\
             \x20               Cipher Suite: A\n\
             \x20               Cipher Suite: B\n\
             \x20           Extension: supported_versions (len=3)\n\
             \x20               Type: supported_versions (43)\n\
             \x20               Length: 3\n\
             \x20               Supported Version: X\n\
             \x20   TLS Record Layer: Application Data Protocol\n\
             \x20       Content Type: Application Data (23)\n"
        );
    }

    fn written(items: &[Item<'_>]) -> String {
        let title = ["TLSv1.3 Record Layer: Handshake Protocol: Client Hello".to_owned()];
        crate::render::nest::indented(|push| {
            write(&mut |depth, line: &str| push(depth, line), items, &title, "TLS")
        })
    }

    #[test]
    fn key_shares_server_names_and_alpn_open_tsharks_subtrees() {
        let items = [
            item("tls.record", None, "tls.record"),
            item("tls.handshake", None, "tls.handshake"),
            item("tls.handshake.type", Some(1), "Handshake Type: Client Hello (1)"),
            item("tls.handshake.extension.type", Some(0), "Type: server_name (0)"),
            item("tls.handshake.extension.len", Some(16), "Length: 16"),
            item("tls.handshake.extensions_server_name_list_len", Some(14), "Server Name list length: 14"),
            item("tls.handshake.extensions_server_name", None, "Server Name: a.test"),
            item(
                "tls.handshake.extension.type",
                Some(16),
                "Type: application_layer_protocol_negotiation (16)",
            ),
            item("tls.handshake.extensions_alpn_len", Some(3), "ALPN Extension Length: 3"),
            item("tls.handshake.extensions_alpn_str_len", Some(2), "ALPN string length: 2"),
            item("tls.handshake.extensions_alpn_str", None, "ALPN Next Protocol: h2"),
            item("tls.handshake.extension.type", Some(51), "Type: key_share (51)"),
            item("tls.handshake.extensions_key_share_client_length", Some(36), "Client Key Share Length: 36"),
            item("tls.handshake.extensions_key_share_group", Some(29), "Group: x25519 (29)"),
            item(
                "tls.handshake.extensions_key_share_key_exchange_length",
                Some(32),
                "Key Exchange Length: 32",
            ),
            item("tls.handshake.extensions_key_share_group", Some(23), "Group: secp256r1 (23)"),
            item(
                "tls.handshake.extensions_key_share_key_exchange_length",
                Some(65),
                "Key Exchange Length: 65",
            ),
        ];
        assert_eq!(
            written(&items),
            "    TLSv1.3 Record Layer: Handshake Protocol: Client Hello\n\
             \x20       Handshake Protocol: Client Hello\n\
             \x20           Handshake Type: Client Hello (1)\n\
             \x20           Extension: server_name (len=16)\n\
             \x20               Type: server_name (0)\n\
             \x20               Length: 16\n\
             \x20               Server Name Indication extension\n\
             \x20                   Server Name list length: 14\n\
             \x20                   Server Name: a.test\n\
             \x20           Extension: application_layer_protocol_negotiation (len=0)\n\
             \x20               Type: application_layer_protocol_negotiation (16)\n\
             \x20               ALPN Extension Length: 3\n\
             \x20               ALPN Protocol\n\
             \x20                   ALPN string length: 2\n\
             \x20                   ALPN Next Protocol: h2\n\
             \x20           Extension: key_share (len=0)\n\
             \x20               Type: key_share (51)\n\
             \x20               Key Share extension\n\
             \x20                   Client Key Share Length: 36\n\
             \x20                   Key Share Entry: Group: x25519, Key Exchange length: 32\n\
             \x20                       Group: x25519 (29)\n\
             \x20                       Key Exchange Length: 32\n\
             \x20                   Key Share Entry: Group: secp256r1, Key Exchange length: 65\n\
             \x20                       Group: secp256r1 (23)\n\
             \x20                       Key Exchange Length: 65\n"
        );
    }

    #[test]
    fn each_quic_transport_parameter_opens_a_subtree_titled_by_its_fields() {
        let items = [
            item("tls.record", None, "tls.record"),
            item("tls.handshake", None, "tls.handshake"),
            item("tls.handshake.type", Some(1), "Handshake Type: Client Hello (1)"),
            item("tls.handshake.extension.type", Some(57), "Type: quic_transport_parameters (57)"),
            item("tls.handshake.extension.len", Some(9), "Length: 9"),
            item("tls.quic.parameter.type", Some(0x01), "Type: max_idle_timeout (0x01)"),
            item("tls.quic.parameter.length", Some(2), "Length: 2"),
            item("tls.quic.parameter.value", None, "Value: 4064"),
            item("tls.quic.parameter.max_idle_timeout", Some(100), "max_idle_timeout: 100"),
            item("tls.quic.parameter.type", Some(182), "Type: GREASE (0xb6)"),
            item("tls.quic.parameter.length", Some(1), "Length: 1"),
            item("tls.quic.parameter.value", None, "Value: 07"),
            item("tls.handshake.extension.type", Some(42), "Type: early_data (42)"),
        ];
        assert_eq!(
            written(&items),
            "    TLSv1.3 Record Layer: Handshake Protocol: Client Hello\n\
             \x20       Handshake Protocol: Client Hello\n\
             \x20           Handshake Type: Client Hello (1)\n\
             \x20           Extension: quic_transport_parameters (len=9)\n\
             \x20               Type: quic_transport_parameters (57)\n\
             \x20               Length: 9\n\
             \x20               Parameter: max_idle_timeout (len=2) 100 ms\n\
             \x20                   Type: max_idle_timeout (0x01)\n\
             \x20                   Length: 2\n\
             \x20                   Value: 4064\n\
             \x20                   max_idle_timeout: 100\n\
             \x20               Parameter: GREASE (len=1)\n\
             \x20                   Type: GREASE (0xb6)\n\
             \x20                   Length: 1\n\
             \x20                   Value: 07\n\
             \x20           Extension: early_data (len=0)\n\
             \x20               Type: early_data (42)\n"
        );
    }

    #[test]
    fn a_session_tickets_fields_sit_under_its_subtree() {
        let items = [
            item("tls.record", None, "tls.record"),
            item("tls.handshake", None, "tls.handshake"),
            item("tls.handshake.type", Some(4), "Handshake Type: New Session Ticket (4)"),
            item("tls.handshake.length", Some(61), "Length: 61"),
            item(
                "tls.handshake.session_ticket_lifetime_hint",
                Some(7200),
                "Session Ticket Lifetime Hint: 7200",
            ),
            item("tls.handshake.extension.type", Some(42), "Type: early_data (42)"),
            item("tls.record", None, "tls.record"),
        ];
        let text = written(&items);
        assert!(text.contains(
            "\n            TLS Session Ticket\n                Session Ticket Lifetime Hint: 7200\n"
        ));
        assert!(text.contains(
            "\n                Extension: early_data (len=0)\n                    Type: early_data (42)\n"
        ));
        assert!(text.ends_with("\n    TLS Record Layer: Unknown Protocol\n"), "{text}");
    }

    /// A Certificate message's entries sit under `Certificates (N bytes)`, each certificate
    /// with its subject and its X.509 subtree; an empty list has no such title.
    #[test]
    fn certificates_sit_under_their_list_with_their_x509_subtree() {
        const DER: &[u8] = include_bytes!("../../../fixtures/certs/ec-p256.der");
        let certificate =
            Item { name: CERTIFICATE, number: None, size: DER.len(), raw: DER, line: "Certificate: 30" };
        let items = [
            item("tls.record", None, "tls.record"),
            item("tls.handshake", None, "tls.handshake"),
            item("tls.handshake.type", Some(11), "Handshake Type: Certificate (11)"),
            item("tls.handshake.certificates_length", Some(431), "Certificates Length: 431"),
            item("tls.handshake.certificate_length", Some(428), "Certificate Length: 428"),
            certificate,
            item("tls.handshake.extensions_length", Some(0), "Extensions Length: 0"),
            item("tls.handshake", None, "tls.handshake"),
            item("tls.handshake.type", Some(11), "Handshake Type: Certificate (11)"),
            item("tls.handshake.certificates_length", Some(0), "Certificates Length: 0"),
        ];
        let text = written(&items);
        assert!(
            text.contains(
                "\n            Certificates Length: 431\n            Certificates (431 bytes)\n\
                 \x20               Certificate Length: 428\n\
                 \x20               Certificate: 30 (id-at-commonName=ec.rttscope.test)\n\
                 \x20                   signedCertificate\n\
                 \x20                       version: v3 (2)\n"
            ),
            "{text}"
        );
        assert!(text.contains("\n                    encrypted: 3045"), "{text}");
        assert!(text.contains("\n                Extensions Length: 0\n"), "{text}");
        assert!(text.ends_with("\n            Certificates Length: 0\n"), "{text}");
    }
}
