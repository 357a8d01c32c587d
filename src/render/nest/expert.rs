//! tshark's expert info as its `-V` tree shows it, under the item it is about:
//!
//! ```text
//! [Expert Info (Chat/Sequence): Connection finish (FIN)]
//!     [Connection finish (FIN)]
//!     [Severity level: Chat]
//!     [Group: Sequence]
//! ```
//!
//! and the expert info of TCP's sequence analysis, named after the analysis field it stands
//! for.

/// How much an expert item matters, as Wireshark ranks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Chat,
    Note,
    Warning,
    Error,
}

impl Severity {
    fn name(self) -> &'static str {
        match self {
            Self::Chat => "Chat",
            Self::Note => "Note",
            Self::Warning => "Warning",
            Self::Error => "Error",
        }
    }
}

/// The kind of problem an expert item reports, as Wireshark groups them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// Sequence analysis: retransmissions, a connection's open and close, a continuation.
    Sequence,
    /// A field that breaks its protocol's rules.
    Protocol,
    /// Bytes the dissector did not take apart.
    Undecoded,
}

impl Group {
    fn name(self) -> &'static str {
        match self {
            Self::Sequence => "Sequence",
            Self::Protocol => "Protocol",
            Self::Undecoded => "Undecoded",
        }
    }
}

/// Writes an expert item at `depth`, its three lines under it.
pub fn push(
    push: &mut impl FnMut(usize, &str),
    depth: usize,
    severity: Severity,
    group: Group,
    message: &str,
) {
    for (below, line) in lines(severity, group, message).iter().enumerate() {
        push(depth + usize::from(below > 0), line);
    }
}

/// An expert item's line and the three under it.
fn lines(severity: Severity, group: Group, message: &str) -> [String; 4] {
    let (severity, group) = (severity.name(), group.name());
    [
        format!("[Expert Info ({severity}/{group}): {message}]"),
        format!("[{message}]"),
        format!("[Severity level: {severity}]"),
        format!("[Group: {group}]"),
    ]
}

/// The expert item tshark shows for a TCP analysis flag, in place of the flag's own line.
pub fn analysis(name: &str) -> Option<(Severity, &'static str)> {
    use Severity::{Chat, Note, Warning};
    Some(match name {
        "tcp.analysis.retransmission" => (Note, "This frame is a (suspected) retransmission"),
        "tcp.analysis.fast_retransmission" => (Note, "This frame is a (suspected) fast retransmission"),
        "tcp.analysis.spurious_retransmission" => {
            (Note, "This frame is a (suspected) spurious retransmission")
        }
        "tcp.analysis.out_of_order" => (Warning, "This frame is a (suspected) out-of-order segment"),
        "tcp.analysis.lost_segment" => {
            (Warning, "Previous segment(s) not captured (common at capture start)")
        }
        "tcp.analysis.ack_lost_segment" => {
            (Warning, "ACKed segment that wasn't captured (common at capture start)")
        }
        "tcp.analysis.window_update" => (Chat, "TCP window update"),
        "tcp.analysis.window_full" => {
            (Warning, "TCP window specified by the receiver is now completely full")
        }
        "tcp.analysis.keep_alive" => (Note, "TCP keep-alive segment"),
        "tcp.analysis.keep_alive_ack" => (Note, "ACK to a TCP keep-alive segment"),
        "tcp.analysis.zero_window" => (Warning, "TCP Zero Window segment"),
        "tcp.analysis.zero_window_probe" => (Note, "TCP Zero Window Probe"),
        "tcp.analysis.zero_window_probe_ack" => (Note, "ACK to a TCP Zero Window Probe"),
        "tcp.analysis.reused_ports" => {
            (Note, "A new tcp session is started with the same ports as an earlier session in this trace")
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::nest::indented;

    #[test]
    fn an_expert_item_holds_its_message_severity_and_group() {
        let text = indented(|draw| {
            push(
                &mut |depth, line| draw(depth, line),
                3,
                Severity::Chat,
                Group::Sequence,
                "Connection finish (FIN)",
            )
        });
        assert_eq!(
            text,
            "            [Expert Info (Chat/Sequence): Connection finish (FIN)]\n\
             \x20               [Connection finish (FIN)]\n\
             \x20               [Severity level: Chat]\n\
             \x20               [Group: Sequence]\n"
        );
    }

    #[test]
    fn analysis_flags_are_named_as_tsharks_expert_items() {
        assert_eq!(
            analysis("tcp.analysis.out_of_order"),
            Some((Severity::Warning, "This frame is a (suspected) out-of-order segment"))
        );
        assert_eq!(analysis("tcp.analysis.duplicate_ack"), None, "drawn with its count");
    }
}
