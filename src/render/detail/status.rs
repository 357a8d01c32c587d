//! Values tshark's tree writes in words rather than as the number a field holds: a checksum
//! with what was checked (`Checksum: 0x1c46 [unverified]`, then `[Checksum Status:
//! Unverified]`), TCP's conversation completeness (`Incomplete, DATA (15)`), TCP's relative
//! sequence and acknowledgment numbers, which tshark marks as relative, times to live in days,
//! hours and minutes, lengths in bytes, which way an SSH packet went, and what a NetBIOS
//! name's suffix says it is for. A line that
//! needs a field after it (a checksum its status, an acknowledgment number the ACK flag) is
//! finished by [`finish`] once the layer's fields are all written; one whose words depend on
//! the fields after it (SSH's key exchange message codes) is written again by [`rename`].
//!
//! The invariant: only the words change; the number shown is the field's.

use std::fmt::Write as _;

use crate::dissect::field::Value;
use crate::dissect::nbns::suffix_description;

/// Writes `Label: value` for a field tshark words (`raw`: the bytes the field covers, empty if
/// unknown); false, having written nothing, for any other.
pub fn write(text: &mut String, name: &str, label: &str, value: &Value<'_>, raw: &[u8]) -> bool {
    let number = value.as_u64().unwrap_or(0);
    match name {
        _ if name.ends_with("checksum.status") || name == "stun.att.crc32.status" => {
            let _ = write!(text, "{label}: {}", checksum_status(number));
        }
        "stun.type" => {
            let _ = write!(text, "{label}: {}", crate::dissect::stun::type_words(number as u16));
        }
        "tcp.completeness" => {
            let _ = write!(text, "{label}: {} ({number})", completeness(number));
        }
        "tcp.nxtseq" => {
            let _ = write!(text, "{label}: {number}    (relative sequence number)");
        }
        // A DNS time in seconds, then in words.
        "dns.resp.ttl"
        | "dns.soa.refresh_interval"
        | "dns.soa.retry_interval"
        | "dns.soa.expire_limit"
        | "dns.soa.minimum_ttl" => {
            let _ = write!(text, "{label}: {number} ({})", seconds_in_words(number));
        }
        // NetBIOS gives its time to live in words alone.
        "nbns.ttl" => {
            let _ = write!(text, "{label}: {}", seconds_in_words(number));
        }
        "ssh.direction" => {
            let _ = write!(
                text,
                "{label}: {}",
                if number == 0 { "client-to-server" } else { "server-to-client" }
            );
        }
        // A datagram's names with what their suffix says they are for.
        "nbdgm.source_name" | "nbdgm.destination_name" => {
            let name = value.to_string();
            let _ = match netbios_suffix(&name) {
                Some(suffix) => write!(text, "{label}: {name} ({})", suffix_description(suffix)),
                None => write!(text, "{label}: {name}"),
            };
        }
        // A node status name holds its suffix in its 16th byte, which tshark shows with its
        // meaning: `RTTSCOPE<00> (Workstation/Redirector)`.
        "nbns.netbios_name" => {
            let _ = match raw.get(15) {
                Some(&suffix) => {
                    write!(text, "{label}: {value}<{suffix:02x}> ({})", suffix_description(suffix))
                }
                None => write!(text, "{label}: {value}"),
            };
        }
        "nbdgm.dgram_len" | "nbdgm.pkt_offset" => {
            let _ = write!(text, "{label}: {number} bytes");
        }
        _ => return false,
    }
    true
}

/// What a field's line (`line`, the field's `value` as a number if it is one) gains from the
/// fields after it in its layer (`later`: their names and numbers): a checksum what its status
/// says, an acknowledgment number that it is relative when the ACK flag is set, a flag word
/// tshark sums up what its bits say (`bits::summary_after`), a NetBIOS question's name what
/// its suffix is for. None for a field that gains nothing.
pub fn finish(name: &str, line: &str, value: Option<u64>, later: &[(&str, Option<u64>)]) -> Option<String> {
    let number =
        |wanted: &str| later.iter().find(|(name, _)| *name == wanted).and_then(|(_, number)| *number);
    match name {
        "tcp.ack" => (number("tcp.flags.ack") == Some(1)).then(|| "    (relative ack number)".to_owned()),
        // Relative where the raw number follows it; tshark leaves a header an ICMP error quotes
        // as it is, with no raw number.
        "tcp.seq" => number("tcp.seq_raw").map(|_| "    (relative sequence number)".to_owned()),
        _ if name.ends_with("checksum") || name == "stun.att.crc32" => {
            checksum_suffix(name, number(&format!("{name}.status"))?).map(str::to_owned)
        }
        // A question (its type and class, then no time to live) names its suffix's meaning, as
        // an NB record's name already does; tshark leaves an NBSTAT record's name as it is.
        "nbns.name" if later.get(2).map(|(name, _)| *name) != Some("nbns.ttl") => {
            netbios_suffix(line).map(|suffix| format!(" ({})", suffix_description(suffix)))
        }
        _ => super::bits::summary_after(name, value, later),
    }
}

/// A line tshark writes otherwise than its field's own names say, given the fields after it
/// in its layer (`later`: their names and numbers): SSH's message codes 30 and 31, which
/// tshark names by the key exchange they belong to, seen here in the fields the message
/// holds (a Diffie-Hellman group exchange's group or old request, a Diffie-Hellman value);
/// an elliptic curve exchange's keep the table's names. None for any other line.
pub fn rename(name: &str, value: Option<u64>, later: &[(&str, Option<u64>)]) -> Option<String> {
    if name != "ssh.message_code" || !matches!(value, Some(30 | 31)) {
        return None;
    }
    let message = later.iter().map(|(name, _)| *name).take_while(|name| {
        !matches!(*name, "ssh.message_code" | "ssh.packet_length" | "ssh.packet_length_encrypted")
    });
    let mut family = None;
    for field in message {
        if field.starts_with("ssh.dh_gex.") {
            family =
                Some(["Diffie-Hellman Group Exchange Request (Old)", "Diffie-Hellman Group Exchange Group"]);
            break;
        }
        if field.starts_with("ssh.dh.") {
            family = Some(["Diffie-Hellman Key Exchange Init", "Diffie-Hellman Key Exchange Reply"]);
            break;
        }
    }
    let code = value?;
    let named = family?[usize::from(code == 31)];
    Some(format!("{}: {named} ({code})", super::label(name).unwrap_or(name)))
}

/// What tshark writes after a checksum's value, given its status and the protocol: an IPv4
/// header's unverified checksum is `[validation disabled]`, a transport's `[unverified]`, a
/// checked one `[correct]`; none for a bad one (tshark writes what it should have been,
/// which rttscope does not keep) or a status it does not know.
fn checksum_suffix(checksum: &str, status: u64) -> Option<&'static str> {
    match (checksum, status) {
        ("ip.checksum", 2) => Some(" [validation disabled]"),
        (_, 2) => Some(" [unverified]"),
        (_, 1) => Some(" [correct]"),
        (_, 3) => Some(" [zero-value ignored]"),
        _ => None,
    }
}

/// Wireshark's names of a checksum's status (`proto_checksum_vals`).
fn checksum_status(status: u64) -> &'static str {
    match status {
        0 => "Bad",
        1 => "Good",
        2 => "Unverified",
        3 => "Not present",
        4 => "Illegal",
        _ => "Unknown",
    }
}

/// How tshark names a TCP conversation's completeness: the stages seen (1 SYN, 2 SYN-ACK,
/// 4 ACK, 8 data, 16 FIN, 32 RST), named only when they make a regular start.
fn completeness(stages: u64) -> &'static str {
    const OPENED: u64 = 1 | 2 | 4;
    match stages {
        1 => "Incomplete, SYN_SENT",
        3 => "Incomplete, CLIENT_ESTABLISHED",
        OPENED => "Incomplete, ESTABLISHED",
        15 => "Incomplete, DATA",
        // Opened, carried data, and closed by a FIN, a RST or both.
        _ if (stages & !48) == (OPENED | 8) && stages & 48 != 0 => "Complete, WITH_DATA",
        _ if (stages & !48) == OPENED && stages & 48 != 0 => "Complete, NO_DATA",
        _ => "Incomplete",
    }
}

/// The suffix byte of a NetBIOS name as rttscope writes it (`WORKGROUP<1d>`, and any scope
/// after it: `HOST<20>.corp`).
fn netbios_suffix(name: &str) -> Option<u8> {
    let (_, after) = name.rsplit_once('<')?;
    let (hex, _) = after.split_once('>')?;
    if hex.len() != 2 {
        return None;
    }
    u8::from_str_radix(hex, 16).ok()
}

/// Seconds in days, hours, minutes and seconds, leaving out those that are 0, as tshark
/// writes a time to live: `3 days, 11 hours, 20 minutes`, `1 hour`, `0 seconds`.
fn seconds_in_words(seconds: u64) -> String {
    if seconds == 0 {
        return "0 seconds".to_owned();
    }
    let parts = [
        (seconds / 86_400, "day"),
        (seconds / 3600 % 24, "hour"),
        (seconds / 60 % 60, "minute"),
        (seconds % 60, "second"),
    ];
    let words: Vec<String> = parts
        .iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, unit)| format!("{count} {unit}{}", if *count == 1 { "" } else { "s" }))
        .collect();
    words.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(name: &str, label: &str, number: u64) -> Option<String> {
        let mut text = String::new();
        write(&mut text, name, label, &Value::Uint(number), &[]).then_some(text)
    }

    #[test]
    fn completeness_is_named_only_for_a_regular_start() {
        let named = |stages| written("tcp.completeness", "C", stages).unwrap_or_default();
        assert_eq!(named(0), "C: Incomplete (0)");
        assert_eq!(named(1), "C: Incomplete, SYN_SENT (1)");
        assert_eq!(named(3), "C: Incomplete, CLIENT_ESTABLISHED (3)");
        assert_eq!(named(7), "C: Incomplete, ESTABLISHED (7)");
        assert_eq!(named(15), "C: Incomplete, DATA (15)");
        for stages in [31, 47, 63] {
            assert_eq!(named(stages), format!("C: Complete, WITH_DATA ({stages})"));
        }
        for stages in [23, 39, 55] {
            assert_eq!(named(stages), format!("C: Complete, NO_DATA ({stages})"));
        }
        // Data and a close without a handshake seen is no regular start.
        assert_eq!(named(24), "C: Incomplete (24)");
        assert_eq!(named(30), "C: Incomplete (30)");
    }

    #[test]
    fn sequence_numbers_are_marked_relative_and_an_ack_only_when_acknowledging() {
        assert_eq!(written("tcp.seq", "Sequence Number", 1), None, "finished later");
        let raw = [("tcp.seq_raw", Some(7))];
        assert_eq!(finish("tcp.seq", "", Some(1), &raw).as_deref(), Some("    (relative sequence number)"));
        assert_eq!(finish("tcp.seq", "", Some(7), &[("tcp.ack", Some(0))]), None, "quoted by ICMP");
        assert_eq!(written("tcp.ack", "Acknowledgment Number", 88), None, "finished later");
        let flags = |ack| [("tcp.hdr_len", Some(20)), ("tcp.flags.ack", Some(ack))];
        assert_eq!(finish("tcp.ack", "", Some(88), &flags(1)).as_deref(), Some("    (relative ack number)"));
        assert_eq!(finish("tcp.ack", "", Some(88), &flags(0)), None);
    }

    #[test]
    fn times_to_live_are_written_in_words_as_tshark_does() {
        assert_eq!(
            written("dns.resp.ttl", "Time to live", 300).as_deref(),
            Some("Time to live: 300 (5 minutes)")
        );
        assert_eq!(
            written("dns.soa.expire_limit", "Expire limit", 1_209_600).as_deref(),
            Some("Expire limit: 1209600 (14 days)")
        );
        assert_eq!(
            written("nbns.ttl", "Time to live", 300_000).as_deref(),
            Some("Time to live: 3 days, 11 hours, 20 minutes")
        );
        assert_eq!(written("nbns.ttl", "Time to live", 0).as_deref(), Some("Time to live: 0 seconds"));
        assert_eq!(seconds_in_words(3661), "1 hour, 1 minute, 1 second");
        assert_eq!(seconds_in_words(u64::from(u32::MAX)), "49710 days, 6 hours, 28 minutes, 15 seconds");
        assert_eq!(
            written("nbdgm.dgram_len", "Datagram length", 94).as_deref(),
            Some("Datagram length: 94 bytes")
        );
        assert_eq!(written("ssh.direction", "Direction", 1).as_deref(), Some("Direction: server-to-client"));
        let mut text = String::new();
        write(&mut text, "nbdgm.destination_name", "Destination name", &Value::Str("WORKGROUP<1d>"), &[]);
        assert_eq!(text, "Destination name: WORKGROUP<1d> (Local Master Browser)");
        text.clear();
        write(
            &mut text,
            "nbns.netbios_name",
            "Name",
            &Value::Str("WORKGROUP"),
            b"WORKGROUP      \x1d\x84\x00",
        );
        assert_eq!(text, "Name: WORKGROUP<1d> (Local Master Browser)");
        let question = [("nbns.type", Some(32)), ("nbns.class", Some(1)), ("nbns.name", None)];
        assert_eq!(
            finish("nbns.name", "Name: RTTSCOPE<20>", None, &question).as_deref(),
            Some(" (Server service)")
        );
        let record = [("nbns.type", Some(33)), ("nbns.class", Some(1)), ("nbns.ttl", Some(0))];
        assert_eq!(finish("nbns.name", "Name: *<00>", None, &record), None, "an NBSTAT record's name");
        assert_eq!(netbios_suffix("HOST<20>.corp"), Some(0x20));
        assert_eq!(netbios_suffix("<not a name"), None);
    }

    #[test]
    fn ssh_key_exchange_codes_are_named_by_their_exchange() {
        let group = [("ssh.mpint_length", Some(1025)), ("ssh.dh_gex.p", None), ("ssh.dh_gex.g", None)];
        assert_eq!(
            rename("ssh.message_code", Some(31), &group).as_deref(),
            Some("Message Code: Diffie-Hellman Group Exchange Group (31)")
        );
        let init = [("ssh.mpint_length", Some(257)), ("ssh.dh.e", None)];
        assert_eq!(
            rename("ssh.message_code", Some(30), &init).as_deref(),
            Some("Message Code: Diffie-Hellman Key Exchange Init (30)")
        );
        let curve = [("ssh.ecdh.q_c_length", Some(32)), ("ssh.ecdh.q_c", None)];
        assert_eq!(rename("ssh.message_code", Some(30), &curve), None, "the table's names");
        // The next packet's fields say nothing of this one.
        let next = [("ssh.padding_string", None), ("ssh.packet_length", Some(12)), ("ssh.dh_gex.p", None)];
        assert_eq!(rename("ssh.message_code", Some(31), &next), None);
        assert_eq!(rename("ssh.message_code", Some(32), &group), None);
    }

    #[test]
    fn a_checksum_says_what_was_checked() {
        assert_eq!(
            written("udp.checksum.status", "Checksum Status", 2).as_deref(),
            Some("Checksum Status: Unverified")
        );
        assert_eq!(
            written("icmp.checksum.status", "Checksum Status", 1).as_deref(),
            Some("Checksum Status: Good")
        );
        let status = |name, status| [(name, Some(status))];
        let finished = |name, later: &[(&str, Option<u64>)]| finish(name, "", None, later);
        assert_eq!(
            finished("ip.checksum", &status("ip.checksum.status", 2)).as_deref(),
            Some(" [validation disabled]")
        );
        assert_eq!(
            finished("tcp.checksum", &status("tcp.checksum.status", 2)).as_deref(),
            Some(" [unverified]")
        );
        assert_eq!(
            finished("icmp.checksum", &status("icmp.checksum.status", 1)).as_deref(),
            Some(" [correct]")
        );
        assert_eq!(finished("icmp.checksum", &status("icmp.checksum.status", 0)), None, "bad");
        assert_eq!(finished("icmp.checksum", &[]), None, "no status");
    }
}
