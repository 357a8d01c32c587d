//! SSH in a TCP connection's timeline (issue 18): the version lines, KEXINITs, the key
//! exchange and NEWKEYS read in the clear, then the encrypted steps named by where they fall,
//! with the client's rounds counted up to the first shell byte.
//!
//! After NEWKEYS nothing can be read without the session keys, so the encrypted steps are told
//! apart by their order and one size (RFC 4252, 4254): the client's first encrypted flight is
//! its SERVICE_REQUEST; its flights then are user authentication until the server sends a
//! packet of the shortest size its cipher and MAC can make, a one-byte message, which before
//! authentication has succeeded can only be USERAUTH_SUCCESS; after it, the client's first
//! flight opens the channel and its second asks for the command or shell, the session's first
//! application step; the server's next packet brings the first shell byte. A server packet
//! that answers a client flight (one the client sent since the server's previous one) gates
//! the client, as DESIGN section 3 says; one the client did not ask for (OpenSSH's EXT_INFO
//! after NEWKEYS, a host-key announcement) does not. The server's version line and KEXINIT
//! answer the client's version line, whichever way the KEXINITs cross, so that a client that
//! sends its KEXINIT a moment before the server's arrives is not counted a round more than one
//! that sends it a moment after. The state kept is a few counters.

use std::fmt;

use super::Pending;
use super::explain::{Explanation, by_side};
use super::message::Message;
use super::rounds::{Answers, Side, Step};
use crate::dissect::ssh::kex::code;
use crate::dissect::ssh::{self, Item, Kex};
use crate::dissect::{Content, Packet};
use crate::osi::OsiLayer;

/// An SSH message of the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SshMessage {
    Version,
    KexInit,
    /// A key exchange method's own message: its number, read with the method agreed.
    KeyExchange {
        code: u8,
        kex: Kex,
    },
    NewKeys,
    /// Another message in the clear: its number.
    Other(u8),
    /// Encrypted bytes, the step they are taken for, and their length.
    Encrypted {
        stage: Stage,
        len: usize,
    },
}

/// What encrypted bytes are taken for, by where they fall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Stage {
    ServiceRequest,
    ServiceAccept,
    UserAuth,
    AuthReply,
    AuthSuccess,
    ChannelOpen,
    ChannelConfirmation,
    ShellRequest,
    ShellData,
    /// Bytes the other side did not wait for, or after the first shell byte.
    Other,
}

/// Where a connection's SSH session is, for naming its encrypted steps.
#[derive(Clone, Debug, Default)]
pub(super) struct State {
    /// The client sent encrypted bytes since the server's last answer.
    client_waiting: bool,
    client_began: bool,
    server_answered: bool,
    auth_succeeded: bool,
    /// The client's flights since authentication succeeded.
    flights_after_auth: u32,
    shell_requested: bool,
}

impl Pending {
    /// The SSH messages the packet carries, in order, and what they make of its step.
    pub(super) fn ssh_events(
        &mut self,
        packet: &Packet<'_>,
        messages: &mut Vec<Message>,
        step: &mut Step,
        osi: &mut OsiLayer,
    ) {
        for layer in &packet.layers {
            let Content::Ssh(layer) = &layer.content else { continue };
            let state = self.ssh.get_or_insert_with(Box::default);
            *osi = (*osi).max(OsiLayer::Session);
            let client = step.side == Side::Client;
            for item in &layer.items {
                let message = match item {
                    Item::Version { .. } => SshMessage::Version,
                    Item::Packet { span, kex } => {
                        let number = ssh::parse_packet(span.bytes)
                            .ok()
                            .and_then(|(_, packet)| packet.payload.first().copied())
                            .unwrap_or_default();
                        match number {
                            code::KEXINIT => SshMessage::KexInit,
                            code::NEWKEYS => SshMessage::NewKeys,
                            code::KEX_30..=code::KEX_DH_GEX_REQUEST => {
                                SshMessage::KeyExchange { code: number, kex: *kex }
                            }
                            other => SshMessage::Other(other),
                        }
                    }
                    Item::Encrypted(span) => {
                        let len = span.bytes.len();
                        let stage = if client {
                            state.client_step()
                        } else {
                            state.server_step(len, layer.shortest_encrypted)
                        };
                        SshMessage::Encrypted { stage, len }
                    }
                };
                match (client, message) {
                    (_, SshMessage::Encrypted { stage: Stage::ShellRequest, .. }) => step.application = true,
                    (_, SshMessage::Encrypted { stage: Stage::ShellData, .. }) => step.application = true,
                    (_, SshMessage::Encrypted { stage: Stage::Other, .. }) | (_, SshMessage::Other(_)) => {}
                    (true, _) => step.handshake = true,
                    // The server sends its version line and KEXINIT once it has the client's
                    // version line: they answer that, even when the client's KEXINIT went out
                    // before they arrived (the two KEXINITs cross, RFC 4253 section 7.1).
                    (false, SshMessage::Version | SshMessage::KexInit) => {
                        step.gating.get_or_insert(Answers::Opening);
                    }
                    (false, _) => step.gating = Some(Answers::Handshake),
                }
                messages.push(Message::Ssh(message));
            }
        }
    }
}

/// Whether `messages` hold a DH group exchange request (RFC 4419), the client's first step of
/// the key exchange that takes a round trip more than ECDH or a fixed group.
pub fn is_group_request(messages: &[Message]) -> bool {
    messages.iter().any(|message| {
        matches!(
            message,
            Message::Ssh(SshMessage::KeyExchange { code: code::KEX_DH_GEX_REQUEST, kex: Kex::DhGex })
        )
    })
}

impl State {
    /// Names a client's encrypted segment.
    fn client_step(&mut self) -> Stage {
        let new_flight = !self.client_waiting;
        self.client_waiting = true;
        if !self.client_began {
            self.client_began = true;
            return Stage::ServiceRequest;
        }
        if !self.auth_succeeded {
            return Stage::UserAuth;
        }
        if new_flight {
            self.flights_after_auth += 1;
        }
        match self.flights_after_auth {
            1 => Stage::ChannelOpen,
            2 if !self.shell_requested && new_flight => {
                self.shell_requested = true;
                Stage::ShellRequest
            }
            _ => Stage::Other,
        }
    }

    /// Names a server's encrypted segment of `len` bytes, `shortest` being the shortest
    /// packet its cipher and MAC make.
    fn server_step(&mut self, len: usize, shortest: Option<usize>) -> Stage {
        if !self.client_waiting {
            return Stage::Other;
        }
        self.client_waiting = false;
        if self.shell_requested {
            return if self.flights_after_auth == 2 { Stage::ShellData } else { Stage::Other };
        }
        if !self.auth_succeeded && Some(len) == shortest {
            self.auth_succeeded = true;
            return Stage::AuthSuccess;
        }
        if self.auth_succeeded {
            return Stage::ChannelConfirmation;
        }
        let first = !self.server_answered;
        self.server_answered = true;
        if first { Stage::ServiceAccept } else { Stage::AuthReply }
    }
}

impl fmt::Display for SshMessage {
    /// The message as RFC 4250 names it ("KEX_ECDH_INIT"); an encrypted step with what it is
    /// taken for and its length.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Version => f.write_str("SSH version"),
            Self::KexInit => f.write_str("KEXINIT"),
            Self::NewKeys => f.write_str("NEWKEYS"),
            Self::KeyExchange { code, kex } => f.write_str(match (*code, kex) {
                (code::KEX_30, Kex::Ecdh) => "KEX_ECDH_INIT",
                (code::KEX_31, Kex::Ecdh) => "KEX_ECDH_REPLY",
                (code::KEX_30, Kex::DhGex) => "KEX_DH_GEX_REQUEST_OLD",
                (code::KEX_31, Kex::DhGex) => "KEX_DH_GEX_GROUP",
                (code::KEX_DH_GEX_INIT, Kex::DhGex) => "KEX_DH_GEX_INIT",
                (code::KEX_DH_GEX_REPLY, Kex::DhGex) => "KEX_DH_GEX_REPLY",
                (code::KEX_DH_GEX_REQUEST, Kex::DhGex) => "KEX_DH_GEX_REQUEST",
                (code::KEX_30, _) => "KEXDH_INIT",
                (code::KEX_31, _) => "KEXDH_REPLY",
                _ => "key exchange",
            }),
            Self::Other(number) => write!(f, "SSH message {number}"),
            Self::Encrypted { stage, len } => {
                let name = match stage {
                    Stage::ServiceRequest => "SERVICE_REQUEST",
                    Stage::ServiceAccept => "SERVICE_ACCEPT",
                    Stage::UserAuth => "USERAUTH_REQUEST",
                    Stage::AuthReply => "USERAUTH reply",
                    Stage::AuthSuccess => "USERAUTH_SUCCESS",
                    Stage::ChannelOpen => "CHANNEL_OPEN",
                    Stage::ChannelConfirmation => "CHANNEL_OPEN_CONFIRMATION",
                    Stage::ShellRequest => "CHANNEL_REQUEST exec/shell",
                    Stage::ShellData => "CHANNEL_DATA",
                    Stage::Other => return write!(f, "encrypted {len} bytes"),
                };
                write!(f, "{name} (encrypted {len} bytes)")
            }
        }
    }
}

impl SshMessage {
    pub(super) fn explained(&self, side: Side) -> Option<Explanation> {
        Some(match self {
            Self::Version => Explanation::SshVersion,
            Self::KexInit => Explanation::SshKexInit,
            Self::KeyExchange { .. } => {
                by_side(side, Explanation::SshClientKeyExchange, Explanation::SshServerKeyExchange)
            }
            Self::NewKeys => Explanation::SshNewKeys,
            Self::Other(_) => return None,
            Self::Encrypted { stage: Stage::ShellRequest, .. } => Explanation::SshShellRequest,
            Self::Encrypted { stage: Stage::ShellData, .. } => Explanation::SshShellData,
            Self::Encrypted { stage: Stage::Other, .. } => Explanation::SshUnsolicited,
            Self::Encrypted { .. } => {
                by_side(side, Explanation::SshClientEncrypted, Explanation::SshServerAnswer)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypted_steps_are_named_by_where_they_fall() {
        let mut state = State::default();
        // OpenSSH's EXT_INFO before the client sent anything encrypted: not waited for.
        assert_eq!(state.server_step(248, Some(28)), Stage::Other);
        assert_eq!(state.client_step(), Stage::ServiceRequest);
        assert_eq!(state.server_step(44, Some(28)), Stage::ServiceAccept);
        assert_eq!(state.client_step(), Stage::UserAuth); // "none"
        assert_eq!(state.server_step(44, Some(28)), Stage::AuthReply);
        assert_eq!(state.client_step(), Stage::UserAuth); // publickey
        assert_eq!(state.server_step(28, Some(28)), Stage::AuthSuccess);
        assert_eq!(state.client_step(), Stage::ChannelOpen);
        assert_eq!(state.server_step(444, Some(28)), Stage::ChannelConfirmation);
        assert_eq!(state.server_step(44, Some(28)), Stage::Other); // not asked for
        assert_eq!(state.client_step(), Stage::ShellRequest);
        assert_eq!(state.client_step(), Stage::Other); // more of the same flight
        assert_eq!(state.server_step(72, Some(28)), Stage::ShellData);
        assert_eq!(state.client_step(), Stage::Other);
        assert_eq!(state.server_step(96, Some(28)), Stage::Other);
    }

    #[test]
    fn without_a_known_cipher_authentication_never_looks_done() {
        let mut state = State::default();
        state.client_step();
        state.server_step(28, None);
        assert_eq!(state.client_step(), Stage::UserAuth);
        assert_eq!(state.server_step(28, None), Stage::AuthReply);
    }
}
