//! Conversations without a handshake: UDP exchanges, and pings, where each echo request and
//! its reply are one round trip. UDP that carries QUIC goes to [`super::quic`].

use std::net::IpAddr;

use super::ending::Table;
use super::message::{Carried, Message};
use super::rounds::{Answers, Side, Step};
use super::{Builder, Pending, Transport};
use crate::capture::Frame;
use crate::dissect::{Annotation, Content, Packet};
use crate::osi::OsiLayer;

impl Builder {
    /// A UDP datagram or an ICMP echo: one event of its conversation.
    pub(super) fn datagram(&mut self, frame: &Frame<'_>, packet: &Packet<'_>, src: IpAddr, dst: IpAddr) {
        let with_port = |addr: IpAddr, port: u16| match addr {
            IpAddr::V6(_) => format!("[{addr}]:{port}"),
            IpAddr::V4(_) => format!("{addr}:{port}"),
        };
        let layers = &packet.layers;
        for (layer_index, layer) in layers.iter().enumerate().filter(|(_, layer)| !layer.is_quoted()) {
            // A datagram that carries a tunnel (VXLAN, Geneve) is not a conversation of the
            // addresses inside it: the connections inside are the timeline's.
            let carries_tunnel = |next: &Content<'_>| matches!(next, Content::Vxlan(_) | Content::Geneve(_));
            if layers.get(layer_index + 1).is_some_and(|next| carries_tunnel(&next.content)) {
                continue;
            }
            // An echo's reply, identifier and sequence number, from either ICMP.
            let echo = match &layer.content {
                Content::Icmp(message) if message.is_echo() => {
                    Some((message.kind() == 0, message.ident(), message.seq()))
                }
                Content::Icmpv6(message) if message.is_echo() => {
                    message.echo_ident_seq().map(|(ident, seq)| (message.kind() == 129, ident, seq))
                }
                _ => None,
            };
            if let (Content::Udp(udp), Annotation::Udp(conversation)) = (&layer.content, &layer.annotation) {
                let (from, to) = (with_port(src, udp.src_port()), with_port(dst, udp.dst_port()));
                if self.quic(frame, packet, conversation.stream, udp.payload, (&from, &to)) {
                    continue;
                }
                if self.dtls(frame, packet, conversation.stream, (&from, &to)) {
                    continue;
                }
            }
            let (key, message, reply, rtt) = match (&layer.content, &layer.annotation, echo) {
                (Content::Udp(udp), Annotation::Udp(conversation), _) => {
                    let len = udp.payload.len() + udp.missing;
                    let ports = (udp.src_port(), udp.dst_port());
                    let message = match layers.get(layer_index + 1).map(|next| &next.content) {
                        Some(Content::Stun(crate::dissect::stun::Stun::Message(stun))) => {
                            Message::Stun(super::stun::StunMessage::of(stun))
                        }
                        Some(Content::Dns(dns)) => Message::Dns(super::dns::DnsMessage::of(dns)),
                        // Media: SRTP and SRTCP beside a DTLS handshake, RTP on its own.
                        Some(Content::Rtp(rtp)) => Message::Datagram {
                            carries: if rtp.srtp { Carried::Srtp } else { Carried::Rtp },
                            len,
                        },
                        Some(Content::Rtcp(rtcp)) => {
                            let carries = if rtcp.srtcp { Carried::Srtcp } else { Carried::Rtcp };
                            Message::Datagram { carries, len }
                        }
                        _ => Message::Datagram { carries: Carried::Udp, len },
                    };
                    (Err((conversation.stream, ports)), message, false, None)
                }
                (_, annotation, Some((reply, ident, seq))) => {
                    let (a, b) = if reply { (dst, src) } else { (src, dst) };
                    let rtt = match annotation {
                        Annotation::EchoReply { response_ns, .. } => Some(*response_ns),
                        _ => None,
                    };
                    let message =
                        if reply { Message::EchoReply { seq } } else { Message::EchoRequest { seq } };
                    (Ok((a, b, ident)), message, reply, rtt)
                }
                _ => continue,
            };
            let next = self.others.len();
            let (index, transport) = match key {
                Err((stream, _)) => (*self.udp.entry(stream).or_insert(next), Transport::Udp),
                Ok(ping) => (*self.pings.entry(ping).or_insert(next), Transport::Icmp),
            };
            let source = match key {
                Err((_, (src_port, _))) => with_port(src, src_port),
                Ok(_) => src.to_string(),
            };
            if index == next {
                let (client, server) = match key {
                    Ok((a, b, _)) => (a.to_string(), b.to_string()),
                    Err((_, (src_port, dst_port))) => (with_port(src, src_port), with_port(dst, dst_port)),
                };
                self.others.push(Pending {
                    transport,
                    first_ns: frame.ts_ns,
                    first_frame: frame.number,
                    last_ns: frame.ts_ns,
                    endpoints: Some((client.clone(), server)),
                    client: Some((client, 0)),
                    saw_syn: true,
                    udp_stream: key.err().map(|(stream, _)| stream),
                    ping: key.ok(),
                    ..Pending::default()
                });
                self.begun(Table::Other, index);
            }
            let conversation = &mut self.others[index];
            conversation.count(frame);
            // A Binding exchange's conversation is the `stun` variant (issue 18).
            let carries_stun = |next: &crate::dissect::Layer<'_>| matches!(next.content, Content::Stun(_));
            conversation.stun |=
                transport == Transport::Udp && layers.get(layer_index + 1).is_some_and(carries_stun);
            // So is a lookup's the `dns` variant (issue 17).
            let carries_dns = |next: &crate::dissect::Layer<'_>| matches!(next.content, Content::Dns(_));
            conversation.dns |=
                transport == Transport::Udp && layers.get(layer_index + 1).is_some_and(carries_dns);
            let side = match (transport, reply) {
                (Transport::Icmp, true) => Side::Server,
                (Transport::Icmp, false) => Side::Client,
                _ if conversation.endpoints.as_ref().is_some_and(|(client, _)| *client == source) => {
                    Side::Client
                }
                _ => Side::Server,
            };
            self.latest = Some((conversation.serial, side));
            if let Some(rtt) = rtt {
                conversation.echo_rtt_ns.get_or_insert(rtt);
            }
            // A ping's request and reply are one round trip: the reply answers the request.
            let ping = transport == Transport::Icmp;
            let step = Step {
                side,
                syn: ping && side == Side::Client,
                handshake: false,
                application: true,
                gating: (ping && side == Side::Server).then_some(Answers::Syn),
                retransmission: false,
            };
            // What a datagram carries for an application (DNS, STUN, media) is at its layer.
            let osi = match message {
                _ if ping => OsiLayer::Network,
                Message::Dns(_) | Message::Stun(_) => OsiLayer::Application,
                Message::Datagram { carries: Carried::Udp, .. } => OsiLayer::Transport,
                Message::Datagram { .. } => OsiLayer::Application,
                _ => OsiLayer::Transport,
            };
            conversation.push(frame, osi, vec![message], None, step, false);
        }
    }
}
