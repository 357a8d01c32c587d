//! The values of the certificate extensions tshark decodes (x509ce), drawn under the
//! extension's id: basicConstraints, keyUsage's bits, extKeyUsage's purposes, subjectAltName's
//! and issuerAltName's GeneralNames, and the key identifiers.
//!
//! ```text
//! RFC 5280 section 4.2.1:
//! BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
//! KeyUsage ::= BIT STRING { digitalSignature (0), ..., decipherOnly (8) }
//! ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId
//! GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName   -- [0]..[8], dNSName [2] IA5String
//! AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] OPTIONAL, authorityCertIssuer [1]
//!      OPTIONAL, authorityCertSerialNumber [2] OPTIONAL }
//! ```

use std::net::{Ipv4Addr, Ipv6Addr};

use super::names::{oid_name, purpose_name};
use super::{Element, bit_string, dotted, elements, items, shown_hex, string, tag, truth};

/// keyUsage's bits in order, as tshark names them.
const KEY_USAGE: [&str; 9] = [
    "digitalSignature",
    "contentCommitment",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
];

/// GeneralName's choices by their context tag number.
const GENERAL_NAMES: [&str; 9] = [
    "otherName",
    "rfc822Name",
    "dNSName",
    "x400Address",
    "directoryName",
    "ediPartyName",
    "uniformResourceIdentifier",
    "iPAddress",
    "registeredID",
];

/// Draws the value of the extension `dotted`, the element its extnValue holds, at `depth`.
pub(super) fn write_value(
    push: &mut dyn FnMut(usize, &str),
    depth: usize,
    dotted_id: &str,
    value: Element<'_>,
) {
    match dotted_id {
        "2.5.29.19" if value.tag == tag::SEQUENCE => {
            if value.content.is_empty() {
                push(depth, "BasicConstraintsSyntax [0 length]");
                return;
            }
            push(depth, "BasicConstraintsSyntax");
            for part in elements(value.content) {
                match part.tag {
                    tag::BOOLEAN => push(depth + 1, &format!("cA: {}", truth(part.content))),
                    tag::INTEGER => {
                        push(depth + 1, &format!("pathLenConstraint: {}", super::integer_text(part.content)))
                    }
                    _ => {}
                }
            }
        }
        "2.5.29.15" if value.tag == tag::BIT_STRING => {
            let (padding, bits) = bit_string(value.content);
            push(depth, &format!("Padding: {padding}"));
            push(depth, &format!("KeyUsage: {}", shown_hex(bits)));
            for (index, name) in KEY_USAGE.iter().enumerate() {
                let byte = bits.get(index / 8).copied().unwrap_or(0);
                let set = byte & (0x80 >> (index % 8)) != 0;
                let shown = if set { "True" } else { "False" };
                push(depth + 1, &format!("{} = {name}: {shown}", bit_pattern(index % 8, set)));
            }
        }
        "2.5.29.37" if value.tag == tag::SEQUENCE => {
            push(depth, &format!("KeyPurposeIDs: {}", items(elements(value.content).count())));
            for purpose in elements(value.content) {
                let dotted = dotted(purpose.content);
                push(depth + 1, &format!("KeyPurposeId: {dotted} ({})", oid_name(&dotted, purpose_name)));
            }
        }
        "2.5.29.17" | "2.5.29.18" if value.tag == tag::SEQUENCE => {
            push(depth, &format!("GeneralNames: {}", items(elements(value.content).count())));
            for name in elements(value.content) {
                write_general_name(push, depth + 1, name);
            }
        }
        "2.5.29.14" if value.tag == tag::OCTET_STRING => {
            push(depth, &format!("SubjectKeyIdentifier: {}", shown_hex(value.content)));
        }
        "2.5.29.35" if value.tag == tag::SEQUENCE => {
            push(depth, "AuthorityKeyIdentifier");
            for part in elements(value.content) {
                match part.tag {
                    0x80 => push(depth + 1, &format!("keyIdentifier: {}", shown_hex(part.content))),
                    0x82 => {
                        push(depth + 1, &format!("authorityCertSerialNumber: 0x{}", shown_hex(part.content)))
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// One GeneralName: its choice, and its value where it is text or an address.
fn write_general_name(push: &mut dyn FnMut(usize, &str), depth: usize, name: Element<'_>) {
    let number = usize::from(name.tag & 0x1f);
    let Some(choice) = GENERAL_NAMES.get(number) else { return };
    push(depth, &format!("GeneralName: {choice} ({number})"));
    match number {
        1 | 2 | 6 => {
            push(depth + 1, &format!("{choice}: {}", string(Element { tag: tag::IA5_STRING, ..name })))
        }
        7 => {
            let address = if let Ok(octets) = <[u8; 4]>::try_from(name.content) {
                Ipv4Addr::from(octets).to_string()
            } else if let Ok(octets) = <[u8; 16]>::try_from(name.content) {
                Ipv6Addr::from(octets).to_string()
            } else {
                shown_hex(name.content)
            };
            push(depth + 1, &format!("{choice}: {address}"));
        }
        8 => {
            let dotted = dotted(name.content);
            push(depth + 1, &format!("{choice}: {dotted} ({})", oid_name(&dotted, |_| None)));
        }
        _ => {}
    }
}

/// `..1. ....`: one bit of a byte, `index` 0 the most significant.
fn bit_pattern(index: usize, set: bool) -> String {
    let mut pattern = String::with_capacity(9);
    for position in 0..8 {
        if position == 4 {
            pattern.push(' ');
        }
        pattern.push(match (position == index, set) {
            (true, true) => '1',
            (true, false) => '0',
            (false, _) => '.',
        });
    }
    pattern
}
