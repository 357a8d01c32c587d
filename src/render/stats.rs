//! tshark's two most used statistics, `-z conv,tcp` (TCP conversations) and `-z io,phs` (the
//! protocol hierarchy), counted over every packet read (tshark's taps see packets whatever -Y
//! says) and printed after them in tshark's table layouts.

use std::fmt::Write as _;
use std::io;
use std::net::IpAddr;

use crate::capture::Frame;
use crate::dissect::field::Field;
use crate::dissect::{Content, Packet};
use crate::protocol::Protocol;

/// A statistic `-z` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Statistic {
    TcpConversations,
    ProtocolHierarchy,
}

impl Statistic {
    /// Reads a `-z` argument.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "conv,tcp" => Ok(Self::TcpConversations),
            "io,phs" => Ok(Self::ProtocolHierarchy),
            _ => Err(format!("-z {text:?}: not a statistic rttscope has; give conv,tcp or io,phs")),
        }
    }

    /// A fresh counter for this statistic.
    pub fn collector(self) -> Box<dyn Statistics + Send> {
        match self {
            Self::TcpConversations => Box::new(TcpConversations::default()),
            Self::ProtocolHierarchy => Box::new(Hierarchy::default()),
        }
    }
}

/// Counts packets, then writes a table.
pub trait Statistics {
    fn packet(&mut self, frame: &Frame<'_>, packet: &Packet<'_>);
    fn write(&self, out: &mut dyn io::Write) -> io::Result<()>;
}

/// One TCP conversation: `a` is the side that sent its first packet.
#[derive(Clone, Debug)]
pub struct Conversation {
    pub stream: u64,
    pub a: (IpAddr, u16),
    pub b: (IpAddr, u16),
    /// Frames and bytes from `a` to `b`, and from `b` to `a`.
    pub a_to_b: (u64, u64),
    pub b_to_a: (u64, u64),
    pub first_ns: i64,
    pub last_ns: i64,
}

/// `-z conv,tcp`.
#[derive(Debug, Default)]
pub struct TcpConversations {
    first_ns: Option<i64>,
    /// In order of first packet (printed busiest first).
    conversations: Vec<Conversation>,
}

impl TcpConversations {
    /// The conversations counted, in the order they began (the UI's Statistics view reads
    /// them).
    pub fn conversations(&self) -> &[Conversation] {
        &self.conversations
    }
}

impl Statistics for TcpConversations {
    fn packet(&mut self, frame: &Frame<'_>, packet: &Packet<'_>) {
        self.first_ns.get_or_insert(frame.ts_ns);
        let Some(tcp) = packet
            .layers
            .iter()
            .position(|layer| !layer.is_quoted() && matches!(layer.content, Content::Tcp(_)))
        else {
            return;
        };
        let Some((src, dst)) = packet.addresses() else { return };
        let (mut stream, mut ports) = (None, (0u16, 0u16));
        packet.layers[tcp].fields(&mut |field: Field<'_>| match field.name {
            "tcp.stream" => stream = field.value.as_u64(),
            "tcp.srcport" => ports.0 = field.value.as_u64().unwrap_or(0) as u16,
            "tcp.dstport" => ports.1 = field.value.as_u64().unwrap_or(0) as u16,
            _ => {}
        });
        let Some(stream) = stream else { return };
        let bytes = u64::from(frame.orig_len);
        let (source, destination) = ((src, ports.0), (dst, ports.1));
        let index = match self.conversations.iter().rposition(|conversation| conversation.stream == stream) {
            Some(index) => index,
            None => {
                self.conversations.push(Conversation {
                    stream,
                    a: source,
                    b: destination,
                    a_to_b: (0, 0),
                    b_to_a: (0, 0),
                    first_ns: frame.ts_ns,
                    last_ns: frame.ts_ns,
                });
                self.conversations.len() - 1
            }
        };
        let conversation = &mut self.conversations[index];
        let direction =
            if conversation.a == source { &mut conversation.a_to_b } else { &mut conversation.b_to_a };
        direction.0 += 1;
        direction.1 += bytes;
        conversation.first_ns = conversation.first_ns.min(frame.ts_ns);
        conversation.last_ns = conversation.last_ns.max(frame.ts_ns);
    }

    fn write(&self, out: &mut dyn io::Write) -> io::Result<()> {
        const RULE: &str = "================================================================================";
        let mut text = String::new();
        let _ = writeln!(text, "{RULE}\nTCP Conversations\nFilter:<No Filter>");
        text.push_str("                                                           |       <-      | |       ->      | |     Total     |    Relative    |   Duration   |\n");
        text.push_str("                                                           | Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |\n");
        let first = self.first_ns.unwrap_or(0);
        // tshark lists the busiest first; ties keep the order they began in.
        let mut conversations: Vec<&Conversation> = self.conversations.iter().collect();
        conversations
            .sort_by_key(|conversation| std::cmp::Reverse(conversation.a_to_b.0 + conversation.b_to_a.0));
        for conversation in conversations {
            let endpoint = |(address, port): (IpAddr, u16)| format!("{address}:{port}");
            let (to_a, to_b) = (conversation.b_to_a, conversation.a_to_b);
            let _ = writeln!(
                text,
                "{:<26} <-> {:<26}  {:>6} {:<9}  {:>6} {:<9}  {:>6} {:<9}  {:>14.9}   {:>12.4}",
                endpoint(conversation.a),
                endpoint(conversation.b),
                to_a.0,
                size(to_a.1),
                to_b.0,
                size(to_b.1),
                to_a.0 + to_b.0,
                size(to_a.1 + to_b.1),
                (conversation.first_ns - first) as f64 / 1e9,
                (conversation.last_ns - conversation.first_ns) as f64 / 1e9,
            );
        }
        text.push_str(RULE);
        text.push('\n');
        out.write_all(text.as_bytes())
    }
}

/// A byte count as Wireshark's `format_size` writes it: `318 bytes`, past 10,000 in whole kB,
/// past ten million in MB, and so on (powers of 1000).
pub fn size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 4] =
        [(1_000_000_000_000, "TB"), (1_000_000_000, "GB"), (1_000_000, "MB"), (1_000, "kB")];
    for (scale, unit) in UNITS {
        if bytes >= scale * 10 {
            return format!("{} {unit}", bytes / scale);
        }
    }
    format!("{bytes} bytes")
}

/// A protocol under its parent, with the frames and bytes that reached it.
#[derive(Clone, Debug)]
pub struct Node {
    pub name: &'static str,
    pub frames: u64,
    pub bytes: u64,
    pub children: Vec<Node>,
}

/// `-z io,phs`.
#[derive(Debug, Default)]
pub struct Hierarchy {
    /// The outermost protocols, in order of first appearance.
    roots: Vec<Node>,
}

impl Hierarchy {
    /// The outermost protocols, each with the protocols under it (the UI's Statistics view
    /// reads them).
    pub fn roots(&self) -> &[Node] {
        &self.roots
    }
}

impl Statistics for Hierarchy {
    fn packet(&mut self, frame: &Frame<'_>, packet: &Packet<'_>) {
        let mut level = &mut self.roots;
        // Each protocol of the frame sits under the one before it, as tshark's tree lists them:
        // an HTTP that only names its protocol (an upgraded connection's) has no item there.
        // A quoted datagram sits inside the ICMP message; its payload is the frame's again. An
        // echo's payload is part of the ICMP message, quoted or not.
        let top_level = |(at, layer): &(usize, &crate::dissect::Layer<'_>)| {
            let echo_data = matches!(layer.content, Content::Data(_))
                && at
                    .checked_sub(1)
                    .and_then(|before| packet.layers.get(before))
                    .is_some_and(|before| matches!(before.protocol(), Protocol::Icmp | Protocol::Icmpv6));
            !echo_data
                && !layer.is_protocols_only()
                && (!layer.is_quoted() || matches!(layer.content, Content::Data(_)))
        };
        for (_, layer) in packet.layers.iter().enumerate().filter(top_level) {
            let name = layer.protocol().filter_name();
            // tshark's tree has an HTTP/2 item for each frame (the preface too).
            let items = match &layer.content {
                Content::Http2(http2) => (usize::from(http2.preface.is_some()) + http2.frames.len()).max(1),
                _ => 1,
            };
            for _ in 0..items {
                let index = match level.iter().position(|node| node.name == name) {
                    Some(index) => index,
                    None => {
                        level.push(Node { name, frames: 0, bytes: 0, children: Vec::new() });
                        level.len() - 1
                    }
                };
                let node = &mut level[index];
                node.frames += 1;
                node.bytes += u64::from(frame.orig_len);
                level = &mut node.children;
            }
        }
    }

    fn write(&self, out: &mut dyn io::Write) -> io::Result<()> {
        fn walk(text: &mut String, nodes: &[Node], depth: usize) {
            for node in nodes {
                // Two spaces a level, sixteen levels at most, then `...` (tshark's phs_draw).
                let indent = " ".repeat(depth.min(16) * 2) + if depth > 16 { "..." } else { "" };
                let name = format!("{indent}{}", node.name);
                let _ = writeln!(text, "{name:<40} frames:{} bytes:{}", node.frames, node.bytes);
                walk(text, &node.children, depth + 1);
            }
        }
        const RULE: &str = "===================================================================";
        let mut text = format!("\n{RULE}\nProtocol Hierarchy Statistics\nFilter: \n\n");
        walk(&mut text, &self.roots, 0);
        text.push_str(RULE);
        text.push('\n');
        out.write_all(text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_knows_two_statistics() {
        assert_eq!(Statistic::parse("conv,tcp"), Ok(Statistic::TcpConversations));
        assert_eq!(Statistic::parse("io,phs"), Ok(Statistic::ProtocolHierarchy));
        for bad in ["conv,udp", "io,stat,1", "", "phs"] {
            assert!(Statistic::parse(bad).is_err_and(|error| error.contains("give conv,tcp or io,phs")));
        }
    }

    #[test]
    fn sizes_switch_unit_past_ten_of_the_next() {
        assert_eq!(size(318), "318 bytes");
        assert_eq!(size(9_999), "9999 bytes");
        assert_eq!(size(10_000), "10 kB");
        assert_eq!(size(123_456_789), "123 MB");
    }
}
