//! SSH's place in tshark's `-V` tree: each binary packet a subtree (`SSH Version 2`) holding
//! its lengths and padding, and inside it the message a `Key Exchange` subtree: a KEXINIT's
//! cookie and lists under `Algorithms`, a key exchange reply's host key and signature each a
//! subtree titled with its type (`KEX host key (type: ssh-ed25519)`). Encrypted bytes are a
//! packet subtree too.
//!
//! Once known, tshark titles a packet with its direction's cipher (`SSH Version 2
//! (encryption:chacha20-poly1305@openssh.com compression:none)`) and the exchange with the
//! method (`Key Exchange (method:curve25519-sha256)`), from what was known when the packet
//! began: [`titles`] words both.
//!
//! The invariant: every field keeps its place in the order and is written once; nesting only
//! adds title lines and indentation.

use super::Item;
use crate::dissect::ssh::Known;

/// An item's two titles: its packet's and its key exchange's, from what was known when it
/// began.
pub fn titles(known: &Known) -> [String; 2] {
    let packet = match &known.cipher {
        Some(cipher) => format!("SSH Version 2 ({cipher})"),
        None => "SSH Version 2".to_owned(),
    };
    let exchange = match &known.method {
        Some(method) => format!("Key Exchange (method:{method})"),
        None => "Key Exchange".to_owned(),
    };
    [packet, exchange]
}

/// Writes an SSH layer's fields through `push(depth, line)`; `titles` are two a packet or
/// encrypted item, in order (see [`titles`]).
pub fn write(push: &mut impl FnMut(usize, &str), items: &[Item<'_>], titles: &[String]) {
    // How deep the fields of the current part sit: 1 outside a packet, 2 in a packet, 3 in
    // its message, 4 in a message's subtree.
    let mut depth = 1;
    let mut packets = titles.chunks(2);
    let mut exchange = "Key Exchange";
    for (index, item) in items.iter().enumerate() {
        let later = &items[index + 1..];
        match item.name {
            "ssh.packet_length" | "ssh.packet_length_encrypted" => {
                let (packet, key_exchange) = match packets.next() {
                    Some([packet, key_exchange]) => (packet.as_str(), key_exchange.as_str()),
                    _ => ("SSH Version 2", "Key Exchange"),
                };
                push(1, packet);
                (depth, exchange) = (2, key_exchange);
            }
            "ssh.message_code" => {
                push(2, exchange);
                depth = 3;
            }
            "ssh.cookie" => {
                push(3, "Algorithms");
                depth = 4;
            }
            "ssh.host_key.length" => {
                push(3, &format!("KEX host key (type: {})", value(later, "ssh.host_key.type")));
                depth = 4;
            }
            "ssh.host_sig.length" => {
                push(3, &format!("KEX host signature (type: {})", value(later, "ssh.host_sig.type")));
                depth = 4;
            }
            "ssh.padding_string" => depth = 2,
            "ssh.protocol" | "ssh.direction" => depth = 1,
            // Back in the message after a host key.
            name if depth == 4 && !name.starts_with("ssh.host_") && !in_algorithms(name) => depth = 3,
            _ => {}
        }
        push(depth, item.line);
    }
}

/// Whether a field of a KEXINIT sits under its `Algorithms` subtree.
fn in_algorithms(name: &str) -> bool {
    name.ends_with("_algorithms")
        || name.ends_with("_algorithms_length")
        || name.contains("_client_to_server")
        || name.contains("_server_to_client")
        || name.starts_with("ssh.kex.")
        || name == "ssh.first_kex_packet_follows"
}

/// What the first `name` field among `items` says after its label.
fn value<'a>(items: &[Item<'a>], name: &str) -> &'a str {
    items
        .iter()
        .find(|item| item.name == name)
        .and_then(|item| item.line.split_once(": "))
        .map_or("", |(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &'static str, line: &'static str) -> Item<'static> {
        Item { name, number: None, size: 0, raw: &[], line }
    }

    #[test]
    fn each_packet_and_its_message_are_subtrees() {
        let items = [
            item("ssh.packet_length", "Packet Length: 188"),
            item("ssh.padding_length", "Padding Length: 8"),
            item("ssh.message_code", "Message Code: Elliptic Curve Diffie-Hellman Key Exchange Reply (31)"),
            item("ssh.host_key.length", "Host key length: 51"),
            item("ssh.host_key.type", "Host key type: ssh-ed25519"),
            item("ssh.ecdh.q_s_length", "ECDH server's ephemeral public key length: 32"),
            item("ssh.host_sig.length", "Host signature length: 83"),
            item("ssh.host_sig.type", "Host signature type: ssh-ed25519"),
            item("ssh.padding_string", "Padding String: 00"),
            item("ssh.packet_length", "Packet Length: 836"),
            item("ssh.padding_length", "Padding Length: 11"),
            item("ssh.message_code", "Message Code: Key Exchange Init (20)"),
            item("ssh.cookie", "Cookie: e8fe"),
            item("ssh.kex_algorithms_length", "kex_algorithms length: 17"),
            item("ssh.first_kex_packet_follows", "First KEX Packet Follows: 0"),
            item("ssh.kex.reserved", "Reserved: 00000000"),
            item("ssh.kex.hassh", "[hassh: 31c3]"),
            item("ssh.padding_string", "Padding String: 00"),
            item("ssh.direction", "[Direction: server-to-client]"),
        ];
        let titles = [
            titles(&Known::default()),
            titles(&Known {
                method: Some("curve25519-sha256".into()),
                cipher: Some("encryption:chacha20-poly1305@openssh.com compression:none".into()),
                sequence: None,
            }),
        ]
        .concat();
        let drawn =
            super::super::indented(|push| write(&mut |depth, line| push(depth, line), &items, &titles));
        assert_eq!(
            drawn,
            "    SSH Version 2
        Packet Length: 188
        Padding Length: 8
        Key Exchange
            Message Code: Elliptic Curve Diffie-Hellman Key Exchange Reply (31)
            KEX host key (type: ssh-ed25519)
                Host key length: 51
                Host key type: ssh-ed25519
            ECDH server's ephemeral public key length: 32
            KEX host signature (type: ssh-ed25519)
                Host signature length: 83
                Host signature type: ssh-ed25519
        Padding String: 00
    SSH Version 2 (encryption:chacha20-poly1305@openssh.com compression:none)
        Packet Length: 836
        Padding Length: 11
        Key Exchange (method:curve25519-sha256)
            Message Code: Key Exchange Init (20)
            Algorithms
                Cookie: e8fe
                kex_algorithms length: 17
                First KEX Packet Follows: 0
                Reserved: 00000000
                [hassh: 31c3]
        Padding String: 00
    [Direction: server-to-client]
"
        );
    }
}
