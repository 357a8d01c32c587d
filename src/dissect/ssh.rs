//! SSH (RFC 4253): the version exchange, the binary packets of the key exchange in the clear,
//! and the encrypted packets after NEWKEYS, counted and sized.
//!
//! SSH rides in a TCP stream, so its packets are cut out of the reassembled stream by the
//! tracker (`track::ssh`), which knows each direction's phase (version line, clear packets,
//! encrypted) and the key exchange method both KEXINITs agreed; this file reads what it cut
//! out. Nothing after a direction's NEWKEYS can be read without the session keys, which an
//! SSH implementation never writes to a key log: even the packet length is encrypted
//! (chacha20-poly1305, or AES-CTR without encrypt-then-MAC), so the bytes a segment carries
//! after NEWKEYS are one encrypted item, as tshark shows them. Every length is bounded: a
//! packet at most [`MAX_PACKET_LENGTH`] bytes (RFC 4253 6.1), a version line at most
//! [`MAX_VERSION_LINE`] (RFC 4253 4.2), each name-list and string inside its packet's payload.

pub mod kex;

use std::fmt;
use std::sync::Arc;

use smallvec::SmallVec;

pub use self::kex::{Kex, Message, message_name, parse_message};
use super::field::{Emitter, Span, Value};
use super::field_offset;
use super::layer::{LayerHeader, Tracked};
use crate::osi::Protocol;

/// RFC 4253 6.1: "implementations SHOULD check that the packet length is reasonable in order
/// for the implementation to avoid denial of service": OpenSSH refuses over 256 KiB, the RFC
/// asks every implementation to take 35,000 bytes in all; rttscope reads no packet longer.
pub const MAX_PACKET_LENGTH: usize = 35_000;

/// RFC 4253 4.2: "The maximum length of the string is 255 characters, including the Carriage
/// Return and Line Feed."
pub const MAX_VERSION_LINE: usize = 255;

/// Why bytes are not yet, or not at all, what was expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The item goes on: at least this many bytes in all are needed.
    Incomplete(usize),
    Malformed(&'static str),
}

/// RFC 4253 4.2, the identification string:
///
/// ```text
///   SSH-protoversion-softwareversion SP comments CR LF
/// ```
///
/// Returns the bytes the line takes (its line feed included) and its text without CR LF.
pub fn parse_version(input: &[u8]) -> Result<(usize, &[u8]), Failure> {
    if !input.starts_with(b"SSH-") && !b"SSH-".starts_with(input) {
        return Err(Failure::Malformed("an SSH identification line starts with \"SSH-\""));
    }
    let window = &input[..input.len().min(MAX_VERSION_LINE)];
    match window.iter().position(|&byte| byte == b'\n') {
        Some(end) => {
            let line = &input[..end];
            Ok((end + 1, line.strip_suffix(b"\r").unwrap_or(line)))
        }
        None if input.len() >= MAX_VERSION_LINE => {
            Err(Failure::Malformed("an SSH identification line is over 255 bytes (RFC 4253 4.2)"))
        }
        None => Err(Failure::Incomplete(input.len() + 1)),
    }
}

/// RFC 4253 6, a binary packet in the clear (before NEWKEYS, so no MAC):
///
/// ```text
///   uint32    packet_length
///   byte      padding_length
///   byte[n1]  payload; n1 = packet_length - padding_length - 1
///   byte[n2]  random padding; n2 = padding_length
///   byte[m]   mac (Message Authentication Code - MAC); m = mac_length
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BinaryPacket<'a> {
    pub packet_length: u32,
    pub padding_length: u8,
    pub payload: &'a [u8],
    pub padding: &'a [u8],
}

/// Reads the binary packet at the start of `input`; returns the bytes it takes and the packet.
pub fn parse_packet(input: &[u8]) -> Result<(usize, BinaryPacket<'_>), Failure> {
    let Some(length) = input.get(..4) else { return Err(Failure::Incomplete(4)) };
    let packet_length = u32::from_be_bytes([length[0], length[1], length[2], length[3]]);
    if packet_length as usize > MAX_PACKET_LENGTH {
        return Err(Failure::Malformed(
            "packet_length over 35000 bytes (RFC 4253 6.1): not an SSH packet, or not one in the clear",
        ));
    }
    let end = 4 + packet_length as usize;
    let Some(body) = input.get(4..end) else { return Err(Failure::Incomplete(end)) };
    let Some((&padding_length, rest)) = body.split_first() else {
        return Err(Failure::Malformed("packet_length 0 leaves no room for padding_length"));
    };
    let Some(payload_len) = rest.len().checked_sub(usize::from(padding_length)) else {
        return Err(Failure::Malformed("padding_length runs past packet_length"));
    };
    let (payload, padding) = rest.split_at(payload_len);
    Ok((end, BinaryPacket { packet_length, padding_length, payload, padding }))
}

/// What one SSH item of a segment is.
#[derive(Clone, Copy, Debug)]
pub enum Item<'a> {
    /// An identification line, without its CR LF (`span` has them).
    Version { line: &'a [u8], span: Span<'a> },
    /// A binary packet in the clear, read with the key exchange method `kex`.
    Packet { span: Span<'a>, kex: Kex },
    /// What a segment carries after its direction's NEWKEYS: one or more packets, encrypted.
    Encrypted(Span<'a>),
}

impl<'a> Item<'a> {
    pub fn span(&self) -> Span<'a> {
        match self {
            Item::Version { span, .. } | Item::Packet { span, .. } | Item::Encrypted(span) => *span,
        }
    }
}

/// What the reading knew of the key exchange when an item began, for the item's titles: the
/// method both KEXINITs agreed (`curve25519-sha256`), and the cipher, MAC and compression
/// agreed for the item's direction (`encryption:chacha20-poly1305@openssh.com
/// compression:none`), once the server's key exchange reply was read; and, for a packet in
/// the clear, its sequence number in its direction (RFC 4253 6.4).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Known {
    pub method: Option<Arc<str>>,
    pub cipher: Option<Arc<str>>,
    pub sequence: Option<u32>,
}

/// An SSH layer: the items a segment completed, and which side sent them.
#[derive(Clone, Debug)]
pub struct Ssh<'a> {
    /// Sent by the server (`ssh.direction` 1).
    pub from_server: bool,
    /// Some identification line was read before this layer's (tshark then says `SSHv2`).
    pub version_known: bool,
    pub items: SmallVec<[Item<'a>; 2]>,
    /// What was known of the key exchange when each item began, item by item.
    pub known: SmallVec<[Known; 2]>,
    /// The shortest encrypted packet the server's agreed cipher and MAC can make (a one-byte
    /// message such as USERAUTH_SUCCESS), when the tracker knows the cipher.
    pub shortest_encrypted: Option<usize>,
}

impl Ssh<'_> {
    pub fn fields(&self, out: &mut Emitter<'_>) {
        for (index, item) in self.items.iter().enumerate() {
            let span = item.span();
            let mut out = out.within(&span);
            let bytes = span.bytes;
            match item {
                Item::Version { line, .. } => {
                    out.at(name::PROTOCOL, 0..line.len(), Value::Str(&String::from_utf8_lossy(line)));
                }
                Item::Packet { kex, .. } => {
                    let Ok((_, packet)) = parse_packet(bytes) else { continue };
                    out.at(name::PACKET_LENGTH, 0..4, Value::Uint(packet.packet_length.into()));
                    out.at(name::PADDING_LENGTH, 4..5, Value::Uint(packet.padding_length.into()));
                    if let Some(&code) = packet.payload.first() {
                        out.at(name::MESSAGE_CODE, 5..6, Value::Uint(code.into()));
                        if let Ok(message) = parse_message(*kex, packet.payload) {
                            kex::message_fields(&message, bytes, &mut out);
                            if let Message::KexInit { lists, .. } = message {
                                hassh_fields(&lists, self.from_server, &mut out);
                            }
                        }
                    }
                    let at = field_offset(bytes, packet.padding);
                    out.at(name::PADDING_STRING, at..at + packet.padding.len(), Value::Bytes(packet.padding));
                    if let Some(sequence) = self.known.get(index).and_then(|known| known.sequence) {
                        out.computed(name::SEQ_NUM, Value::Uint(sequence.into()));
                    }
                }
                Item::Encrypted(_) => {
                    if let Some(length) = bytes.get(..4) {
                        out.at(name::PACKET_LENGTH_ENCRYPTED, 0..4, Value::Bytes(length));
                        let rest = &bytes[4..];
                        out.at(name::ENCRYPTED_PACKET, 4..bytes.len(), Value::Bytes(rest));
                    }
                }
            }
        }
        out.computed(name::DIRECTION, Value::Bool(self.from_server));
    }

    /// tshark's Info column: the side, then each item's name.
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        out.write_str(if self.from_server { "Server: " } else { "Client: " })?;
        for (index, item) in self.items.iter().enumerate() {
            if index > 0 {
                out.write_str(", ")?;
            }
            match item {
                Item::Version { line, .. } => write!(out, "Protocol ({})", String::from_utf8_lossy(line))?,
                Item::Packet { span, kex } => {
                    let code =
                        parse_packet(span.bytes).ok().and_then(|(_, packet)| packet.payload.first().copied());
                    match code {
                        Some(code) => out.write_str(&message_name(*kex, code))?,
                        None => out.write_str("Empty packet")?,
                    }
                }
                Item::Encrypted(span) => write!(out, "Encrypted packet (len={})", span.bytes.len())?,
            }
        }
        Ok(())
    }

    /// How many bytes of encrypted packets the layer holds.
    pub fn encrypted_len(&self) -> usize {
        self.items
            .iter()
            .map(|item| if let Item::Encrypted(span) = item { span.bytes.len() } else { 0 })
            .sum()
    }
}

/// A KEXINIT's HASSH (or, from the server, HASSHServer): its key exchange, cipher, MAC and
/// compression lists for the sender's direction joined by `;`, and their MD5 in hex, as
/// Salesforce's HASSH fingerprints SSH clients and servers and tshark shows them.
fn hassh_fields(lists: &[&[u8]; 10], from_server: bool, out: &mut Emitter<'_>) {
    use md5::{Digest, Md5};
    use std::fmt::Write as _;
    // The lists' order (RFC 4253 7.1): kex, host key, then each kind client to server and
    // server to client.
    let sent = usize::from(from_server);
    let parts = [lists[0], lists[2 + sent], lists[4 + sent], lists[6 + sent]];
    let algorithms = parts.map(String::from_utf8_lossy).join(";");
    let mut hash = String::with_capacity(32);
    for byte in Md5::digest(algorithms.as_bytes()) {
        let _ = write!(hash, "{byte:02x}");
    }
    let (algorithms_name, hash_name) = if from_server {
        (name::HASSHSERVER_ALGORITHMS, name::HASSHSERVER)
    } else {
        (name::HASSH_ALGORITHMS, name::HASSH)
    };
    out.computed(algorithms_name, Value::Str(&algorithms));
    out.computed(hash_name, Value::Str(&hash));
}

impl LayerHeader for Ssh<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Ssh
    }

    fn header_len(&self) -> usize {
        self.items.iter().map(|item| item.span().bytes.len()).sum()
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Ssh::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Ssh::summary(self, out)
    }

    fn column_name(&self) -> &'static str {
        if self.version_known { "SSHv2" } else { "SSH" }
    }
}

pub mod name {
    //! The fields of SSH, by Wireshark's names.

    crate::registry::field_table! {
        protocol Ssh;
        PROTOCOL "ssh.protocol" Text "identification line (protocol and software version)";
        PACKET_LENGTH "ssh.packet_length" Uint "packet length (padding length, payload and padding)";
        PACKET_LENGTH_ENCRYPTED "ssh.packet_length_encrypted" Bytes @Presentation "packet length, encrypted";
        PADDING_LENGTH "ssh.padding_length" Uint "padding length";
        ENCRYPTED_PACKET "ssh.encrypted_packet" Bytes @Presentation "encrypted packet (undecryptable without the session keys)";
        PADDING_STRING "ssh.padding_string" Bytes "random padding";
        DIRECTION "ssh.direction" Bool "sent by the server";
        SEQ_NUM "ssh.seq_num" Uint "a packet's sequence number in its direction (RFC 4253 6.4), in the clear";
        MESSAGE_CODE "ssh.message_code" Uint "message number (RFC 4250 4.1)" names SSH_MESSAGE_CODE;
        COOKIE "ssh.cookie" Bytes "KEXINIT cookie (16 random bytes)";
        KEX_ALGORITHMS "ssh.kex_algorithms" Text "key exchange algorithms";
        SERVER_HOST_KEY_ALGORITHMS "ssh.server_host_key_algorithms" Text "server host key algorithms";
        ENCRYPTION_C2S "ssh.encryption_algorithms_client_to_server" Text "ciphers, client to server";
        ENCRYPTION_S2C "ssh.encryption_algorithms_server_to_client" Text "ciphers, server to client";
        MAC_C2S "ssh.mac_algorithms_client_to_server" Text "MACs, client to server";
        MAC_S2C "ssh.mac_algorithms_server_to_client" Text "MACs, server to client";
        COMPRESSION_C2S "ssh.compression_algorithms_client_to_server" Text "compression, client to server";
        COMPRESSION_S2C "ssh.compression_algorithms_server_to_client" Text "compression, server to client";
        LANGUAGES_C2S "ssh.languages_client_to_server" Text "languages, client to server";
        LANGUAGES_S2C "ssh.languages_server_to_client" Text "languages, server to client";
        KEX_ALGORITHMS_LENGTH "ssh.kex_algorithms_length" Uint "length of the key exchange algorithms";
        SERVER_HOST_KEY_ALGORITHMS_LENGTH "ssh.server_host_key_algorithms_length" Uint "length of the host key algorithms";
        ENCRYPTION_C2S_LENGTH "ssh.encryption_algorithms_client_to_server_length" Uint "length of the ciphers, client to server";
        ENCRYPTION_S2C_LENGTH "ssh.encryption_algorithms_server_to_client_length" Uint "length of the ciphers, server to client";
        MAC_C2S_LENGTH "ssh.mac_algorithms_client_to_server_length" Uint "length of the MACs, client to server";
        MAC_S2C_LENGTH "ssh.mac_algorithms_server_to_client_length" Uint "length of the MACs, server to client";
        COMPRESSION_C2S_LENGTH "ssh.compression_algorithms_client_to_server_length" Uint "length of the compression, client to server";
        COMPRESSION_S2C_LENGTH "ssh.compression_algorithms_server_to_client_length" Uint "length of the compression, server to client";
        LANGUAGES_C2S_LENGTH "ssh.languages_client_to_server_length" Uint "length of the languages, client to server";
        LANGUAGES_S2C_LENGTH "ssh.languages_server_to_client_length" Uint "length of the languages, server to client";
        FIRST_KEX_PACKET_FOLLOWS "ssh.first_kex_packet_follows" Uint "a guessed key exchange packet follows";
        KEX_RESERVED "ssh.kex.reserved" Bytes "reserved (0)";
        HASSH_ALGORITHMS "ssh.kex.hassh_algorithms" Text "the client's HASSH algorithms (kex;cipher;MAC;compression)";
        HASSH "ssh.kex.hassh" Text "the client's HASSH fingerprint (MD5 of its algorithms)";
        HASSHSERVER_ALGORITHMS "ssh.kex.hasshserver_algorithms" Text "the server's HASSH algorithms";
        HASSHSERVER "ssh.kex.hasshserver" Text "the server's HASSH fingerprint (MD5 of its algorithms)";
        HOST_KEY_LENGTH "ssh.host_key.length" Uint "host key length";
        HOST_KEY_TYPE_LENGTH "ssh.host_key.type_length" Uint "host key type length";
        HOST_KEY_TYPE "ssh.host_key.type" Text "host key type";
        HOST_KEY_EDDSA_KEY "ssh.host_key.eddsa.key" Bytes "EdDSA public key";
        HOST_KEY_EDDSA_KEY_LENGTH "ssh.host_key.eddsa.key_length" Uint "EdDSA public key length";
        HOST_SIG_LENGTH "ssh.host_sig.length" Uint "exchange hash signature length";
        HOST_SIG_TYPE_LENGTH "ssh.host_sig.type_length" Uint "signature type length";
        HOST_SIG_TYPE "ssh.host_sig.type" Text "signature type";
        DH_E "ssh.dh.e" Bytes "client's Diffie-Hellman value e";
        DH_F "ssh.dh.f" Bytes "server's Diffie-Hellman value f";
        DH_GEX_MIN "ssh.dh_gex.min" Uint "smallest group size asked for, in bits";
        DH_GEX_NBITS "ssh.dh_gex.nbits" Uint "preferred group size, in bits";
        DH_GEX_MAX "ssh.dh_gex.max" Uint "largest group size asked for, in bits";
        DH_GEX_P "ssh.dh_gex.p" Bytes "the group's safe prime p";
        DH_GEX_G "ssh.dh_gex.g" Bytes "the group's generator g";
        ECDH_Q_C "ssh.ecdh.q_c" Bytes "client's ephemeral public key Q_C";
        ECDH_Q_C_LENGTH "ssh.ecdh.q_c_length" Uint "Q_C length";
        ECDH_Q_S "ssh.ecdh.q_s" Bytes "server's ephemeral public key Q_S";
        ECDH_Q_S_LENGTH "ssh.ecdh.q_s_length" Uint "Q_S length";
        MPINT_LENGTH "ssh.mpint_length" Uint "multiple-precision integer length";
    }
}

#[cfg(test)]
mod tests;
