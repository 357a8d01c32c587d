//! The names of coded values (a protocol number, a cipher suite, a frame type), as tshark 4.0
//! names them, and tshark's showname form of a named value: `TCP (6)`,
//! `TLS_AES_256_GCM_SHA384 (0x1302)`, `8 (Echo (ping) request)`, `0x012 (SYN, ACK)`.
//!
//! A field table row names its values with [`Names`] (`names IP_PROTOCOL` after its title in
//! `field_table!`), so the field and its names are declared once, together; the names
//! themselves are tshark's (`values.tsv`, from `tshark -G values`). Naming is for people only:
//! `-T fields`, `-T json` and `-T ek` print raw values as tshark does, so nothing here changes
//! what those write or what a filter compares.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use crate::dissect::field::Value;

/// tshark's value names, `field<TAB>value<TAB>name` a line.
const VALUES: &str = include_str!("values.tsv");

/// How a field's values are named, and how tshark writes a named one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Names {
    /// The table in `values.tsv` (a tshark field name, shared by fields with the same values).
    table: &'static str,
    shape: Shape,
}

/// Where tshark puts the name beside the raw value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// `NAME (value)`, the value as rttscope prints it.
    NameFirst,
    /// `NAME (0x…)`, the value in hex with this many digits whatever rttscope prints.
    Hex(u8),
    /// `value (NAME)`, as tshark writes ICMP types.
    ValueFirst,
    /// `value (NAME)`, named by the message type before it (ICMP codes): the table's key is
    /// `type * 256 + code`.
    ByType,
    /// TCP's flags: `0x012 (SYN, ACK)`.
    TcpFlags,
    /// `(value) NAME`, as tshark writes a DHCP option's code.
    CodeFirst,
}

/// Names from `table`, written `NAME (value)`.
pub const fn name_first(table: &'static str) -> Names {
    Names { table, shape: Shape::NameFirst }
}

pub const IP_PROTOCOL: Names = name_first("ip.proto");
pub const ETHERTYPE: Names = name_first("eth.type");
pub const ENCAPSULATION: Names = name_first("frame.encap_type");
pub const ARP_HARDWARE: Names = name_first("arp.hw.type");
pub const ARP_OPCODE: Names = name_first("arp.opcode");
pub const RTP_VERSION: Names = name_first("rtp.version");
pub const RTCP_PACKET_TYPE: Names = name_first("rtcp.pt");
pub const ICMP_TYPE: Names = Names { table: "icmp.type", shape: Shape::ValueFirst };
pub const ICMP_CODE: Names = Names { table: "icmp.code", shape: Shape::ByType };
pub const ICMPV6_TYPE: Names = name_first("icmpv6.type");
pub const ICMPV6_CODE: Names = Names { table: "icmpv6.code", shape: Shape::ByType };
pub const TCP_OPTION_KIND: Names = name_first("tcp.option_kind");
pub const IP_DSCP: Names = name_first("ip.dsfield.dscp");
pub const IP_ECN: Names = name_first("ip.dsfield.ecn");
pub const TCP_FLAGS: Names = Names { table: "", shape: Shape::TcpFlags };
pub const TLS_CONTENT_TYPE: Names = name_first("tls.record.content_type");
pub const TLS_VERSION: Names = name_first("tls.record.version");
pub const TLS_ALERT_LEVEL: Names = name_first("tls.alert_message.level");
pub const TLS_ALERT_DESCRIPTION: Names = name_first("tls.alert_message.desc");
pub const TLS_HANDSHAKE_TYPE: Names = name_first("tls.handshake.type");
pub const TLS_CIPHER_SUITE: Names = name_first("tls.handshake.ciphersuite");
pub const TLS_COMPRESSION: Names = name_first("tls.handshake.comp_method");
pub const TLS_EXTENSION: Names = name_first("tls.handshake.extension.type");
pub const TLS_SERVER_NAME_TYPE: Names = name_first("tls.handshake.extensions_server_name_type");
pub const TLS_GROUP: Names = name_first("tls.handshake.extensions_supported_group");
pub const NULL_FAMILY: Names = name_first("null.family");
pub const TLS_PSK_KE_MODE: Names = name_first("tls.extension.psk_ke_mode");
pub const TLS_CURVE_TYPE: Names = name_first("tls.handshake.server_curve_type");
pub const TLS_CERT_STATUS_TYPE: Names = name_first("tls.handshake.extensions_status_request_type");
pub const TLS_EC_POINT_FORMAT: Names = name_first("tls.handshake.extensions_ec_point_format");
pub const TLS_SIGNATURE_SCHEME: Names = name_first("tls.handshake.sig_hash_alg");
pub const TLS_CERT_TYPE: Names = name_first("tls.handshake.cert_type");
pub const SRTP_PROTECTION_PROFILE: Names = name_first("dtls.use_srtp.protection_profile");
pub const TLS_SIG_HASH: Names = name_first("tls.handshake.sig_hash_hash");
pub const TLS_SIG_SIGNATURE: Names = name_first("tls.handshake.sig_hash_sig");
pub const QUIC_FRAME_TYPE: Names = Names { table: "quic.frame_type", shape: Shape::Hex(16) };
pub const NTP_LEAP: Names = name_first("ntp.flags.li");
pub const NTP_VERSION: Names = name_first("ntp.flags.vn");
pub const NTP_MODE: Names = name_first("ntp.flags.mode");
pub const SLL_PACKET_TYPE: Names = name_first("sll.pkttype");
pub const SLL_HARDWARE_TYPE: Names = name_first("sll.hatype");
pub const VLAN_PRIORITY: Names = name_first("vlan.priority");
pub const IPV4_OPTION_CLASS: Names = name_first("ip.opt.type.class");
pub const IPV4_OPTION_NUMBER: Names = name_first("ip.opt.type.number");
pub const IPV4_TIMESTAMP_FLAG: Names = name_first("ip.opt.flag");
pub const IPV4_ROUTER_ALERT: Names = name_first("ip.opt.ra");
pub const IPV6_OPTION: Names = name_first("ipv6.opt.type");
pub const IPV6_OPTION_ACTION: Names = name_first("ipv6.opt.type.action");
pub const IPV6_ROUTER_ALERT: Names = name_first("ipv6.opt.router_alert");
pub const ICMPV6_OPTION: Names = name_first("icmpv6.opt.type");
pub const MLD_RECORD_TYPE: Names = name_first("icmpv6.mldr.mar.record_type");
pub const ICMPV6_ROUTER_PREFERENCE: Names = name_first("icmpv6.nd.ra.flag.prf");
pub const ICMPV6_ROUTE_PREFERENCE: Names = name_first("icmpv6.opt.route_info.flag.route_preference");
pub const SOCKS_COMMAND: Names = name_first("socks.command");
pub const SOCKS_RESULTS: Names = name_first("socks.results");
pub const SOCKS_ADDRESS_TYPE: Names = name_first("socks.address_type");
pub const QUIC_HEADER_FORM: Names = name_first("quic.header_form");
pub const QUIC_LONG_PACKET_TYPE: Names = name_first("quic.long.packet_type");
pub const QUIC_LONG_PACKET_TYPE_V2: Names = name_first("quic.long.packet_type_v2");
pub const QUIC_PACKET_NUMBER_LENGTH: Names = name_first("quic.packet_number_length");
pub const HTTP2_SETTINGS: Names = name_first("http2.settings.id");
pub const HTTP2_FRAME_TYPE: Names = name_first("http2.type");
/// RST_STREAM's and GOAWAY's error codes (tshark names both from one table).
pub const HTTP2_ERROR: Names = name_first("http2.rst_stream.error");
pub const HTTP3_FRAME_TYPE: Names = Names { table: "http3.frame_type", shape: Shape::Hex(16) };
pub const HTTP3_STREAM_TYPE: Names = Names { table: "http3.stream_type", shape: Shape::Hex(16) };
/// HTTP/3's settings; tshark 4.0's table lists 7 twice and 8 not at all, so 8 (extended
/// CONNECT) is `Unknown` and 7 is named by its first entry.
pub const HTTP3_SETTING: Names = Names { table: "http3.settings.id", shape: Shape::Hex(16) };
pub const DNS_TYPE: Names = name_first("dns.qry.type");
pub const DNS_CLASS: Names = name_first("dns.qry.class");
pub const DNS_OPT_CODE: Names = name_first("dns.opt.code");
pub const DNS_SVCB_KEY: Names = name_first("dns.svcb.svcparam.key");
pub const NBNS_TYPE: Names = name_first("nbns.type");
pub const NBNS_CLASS: Names = name_first("nbns.class");
pub const NBDGM_TYPE: Names = name_first("nbdgm.type");
pub const GRE_PROTO: Names = name_first("gre.proto");
pub const SSH_MESSAGE_CODE: Names = name_first("ssh.message_code");
pub const WEBSOCKET_CLOSE_STATUS: Names = name_first("websocket.payload.close.status_code");
pub const STUN_FAMILY: Names = name_first("stun.att.family");
pub const STUN_TRANSPORT: Names = name_first("stun.att.transp");
pub const STUN_NETWORK_VERSION: Names = name_first("stun.network_version");
pub const DHCP_OP: Names = name_first("dhcp.type");
/// DHCP names hardware types from ARP's table, in hex.
pub const DHCP_HARDWARE: Names = Names { table: "arp.hw.type", shape: Shape::Hex(2) };
pub const DHCP_MESSAGE_TYPE: Names = name_first("dhcp.option.dhcp");
pub const DHCP_OPTION: Names = Names { table: "dhcp.option.type", shape: Shape::CodeFirst };
pub const DHCPV6_MESSAGE_TYPE: Names = name_first("dhcpv6.msgtype");
pub const DHCPV6_OPTION: Names = name_first("dhcpv6.option.type");
pub const DHCPV6_DUID_TYPE: Names = name_first("dhcpv6.duid.type");
pub const DHCPV6_STATUS: Names = name_first("dhcpv6.status_code");

impl Names {
    /// tshark's name of `value`, if its table has one.
    pub fn name(self, value: u64) -> Option<&'static str> {
        static TABLE: OnceLock<HashMap<(&'static str, u64), &'static str>> = OnceLock::new();
        let table = TABLE.get_or_init(|| {
            VALUES
                .lines()
                .filter(|line| !line.starts_with('#'))
                .filter_map(|line| {
                    let mut columns = line.splitn(3, '\t');
                    let (table, value, name) = (columns.next()?, columns.next()?, columns.next()?);
                    Some(((table, value.parse().ok()?), name))
                })
                .collect()
        });
        table.get(&(self.table, value)).copied()
    }

    /// Writes `value` as tshark's showname does; `message_type` is the ICMP type a code
    /// follows. Writes nothing and returns false for a value that is not a number.
    pub fn write(self, text: &mut String, value: &Value<'_>, message_type: Option<u64>) -> bool {
        let Some(number) = value.as_u64() else {
            return false;
        };
        // Writing into a String cannot fail.
        let _ = match self.shape {
            Shape::NameFirst => write!(text, "{} ({value})", self.name(number).unwrap_or("Unknown")),
            Shape::Hex(digits) => write!(
                text,
                "{} (0x{number:0width$x})",
                self.name(number).unwrap_or("Unknown"),
                width = usize::from(digits)
            ),
            Shape::ValueFirst => match self.name(number) {
                Some(name) => write!(text, "{value} ({name})"),
                None => write!(text, "{value}"),
            },
            Shape::ByType => {
                let key = message_type.map(|kind| kind.saturating_mul(256).saturating_add(number));
                match key.and_then(|key| self.name(key)) {
                    Some(name) => write!(text, "{value} ({name})"),
                    None => write!(text, "{value}"),
                }
            }
            Shape::TcpFlags => write_tcp_flags(text, number),
            Shape::CodeFirst => write!(text, "({value}) {}", self.name(number).unwrap_or("Unknown")),
        };
        true
    }
}

/// `0x012 (SYN, ACK)`: tshark's flags in three hex digits, the set ones named from the
/// lowest bit up (`<None>` when none is set).
fn write_tcp_flags(text: &mut String, flags: u64) -> std::fmt::Result {
    const NAMES: [(u64, &str); 9] = [
        (0x001, "FIN"),
        (0x002, "SYN"),
        (0x004, "RST"),
        (0x008, "PSH"),
        (0x010, "ACK"),
        (0x020, "URG"),
        (0x040, "ECE"),
        (0x080, "CWR"),
        (0x100, "AE"),
    ];
    write!(text, "0x{flags:03x} (")?;
    let set: Vec<&str> = NAMES.iter().filter(|(bit, _)| flags & bit != 0).map(|(_, name)| *name).collect();
    if set.is_empty() {
        text.push_str("<None>");
    } else {
        text.push_str(&set.join(", "));
    }
    text.push(')');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(names: Names, value: Value<'_>, message_type: Option<u64>) -> String {
        let mut text = String::new();
        assert!(names.write(&mut text, &value, message_type));
        text
    }

    #[test]
    fn values_are_named_in_tsharks_showname_form() {
        assert_eq!(shown(IP_PROTOCOL, Value::Uint(17), None), "UDP (17)");
        assert_eq!(shown(ETHERTYPE, Value::Hex { value: 0x86dd, digits: 4 }, None), "IPv6 (0x86dd)");
        let suite = Value::Hex { value: 0x1302, digits: 4 };
        assert_eq!(shown(TLS_CIPHER_SUITE, suite, None), "TLS_AES_256_GCM_SHA384 (0x1302)");
        assert_eq!(shown(TLS_HANDSHAKE_TYPE, Value::Uint(2), None), "Server Hello (2)");
        assert_eq!(shown(TLS_EXTENSION, Value::Uint(43), None), "supported_versions (43)");
        assert_eq!(shown(QUIC_FRAME_TYPE, Value::Uint(0x0a), None), "STREAM (0x000000000000000a)");
        assert_eq!(shown(ICMP_TYPE, Value::Uint(8), None), "8 (Echo (ping) request)");
        assert_eq!(shown(ICMP_CODE, Value::Uint(3), Some(3)), "3 (Port unreachable)");
        assert_eq!(shown(ICMP_CODE, Value::Uint(0), Some(8)), "0");
        assert_eq!(shown(TCP_FLAGS, Value::Hex { value: 0x18, digits: 4 }, None), "0x018 (PSH, ACK)");
        assert_eq!(shown(TCP_FLAGS, Value::Hex { value: 0, digits: 4 }, None), "0x000 (<None>)");
    }

    #[test]
    fn an_unnamed_value_is_unknown_and_text_is_not_named() {
        assert_eq!(shown(TLS_EXTENSION, Value::Uint(0x7777), None), "Unknown (30583)");
        assert!(!IP_PROTOCOL.write(&mut String::new(), &Value::Str("x"), None));
    }
}
