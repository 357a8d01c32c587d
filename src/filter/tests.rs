//! Display filters parsed and run against hand-built frames.

use super::*;
use crate::capture::LinkType;
use crate::dissect::dissect;
use crate::testing::*;

fn tcp_frame() -> Vec<u8> {
    ethernet(IPV4, &ipv4(TCP, [10, 0, 0, 1], [10, 0, 0, 2], &tcp(51234, 443, 1, 0, 0x002, b"")))
}

fn udp_frame() -> Vec<u8> {
    ethernet(IPV4, &ipv4(UDP, [192, 168, 1, 5], [10, 0, 0, 2], &udp(5353, 53, b"hello")))
}

fn matches(filter: &str, data: &[u8]) -> bool {
    let filter = Filter::parse(filter).unwrap_or_else(|error| panic!("{filter}: {error}"));
    let frame = frame(1, 0, LinkType::Ethernet, data);
    let packet = dissect(&frame);
    filter.matches(&packet, &frame)
}

#[test]
fn protocols_and_fields_select_packets() {
    let (tcp, udp) = (tcp_frame(), udp_frame());
    assert!(matches("tcp", &tcp) && !matches("tcp", &udp));
    assert!(matches("tcp.port == 443", &tcp));
    assert!(matches("tcp.port == 51234", &tcp), "either port matches");
    assert!(!matches("tcp.port == 80", &tcp));
    assert!(matches("ip.addr == 10.0.0.1 && !icmp", &tcp));
    assert!(matches("ip.src == 192.168.0.0/16", &udp));
    assert!(matches("udp.payload contains \"ell\"", &udp));
    assert!(matches("udp.payload contains 68:65", &udp));
    assert!(matches("tcp.flags.syn == 1 and tcp.flags == 0x002", &tcp));
    assert!(matches("tcp.flags.syn == true", &tcp));
    assert!(matches("frame.len > 50 && frame.len <= 100", &tcp));
    assert!(matches("eth.src == 02:00:00:00:00:0a", &tcp));
    assert!(matches("frame.protocols contains \"ip:tcp\"", &tcp));
    assert!(matches("(udp || tcp) && !(tcp.port == 80)", &udp));
    assert!(matches("udp contains \"hello\" && frame contains 08:00:45", &udp));
    assert!(!matches("tcp contains \"hello\"", &udp) && !matches("udp contains \"bye\"", &udp));
}

#[test]
fn not_equal_means_no_occurrence_equals_and_needs_the_field() {
    let tcp = tcp_frame();
    // Both ports exist; one is 443, so "!= 443" is false even though the other differs.
    assert!(!matches("tcp.port != 443", &tcp));
    assert!(matches("tcp.port != 80", &tcp));
    // A comparison with a field the packet lacks is false, whatever the operator.
    assert!(!matches("udp.port != 80", &tcp));
    assert!(matches("!udp.port", &tcp));
}

#[test]
fn mistakes_point_at_their_column() {
    let error = |text: &str| Filter::parse(text).err().map(|e| (e.column, e.message));
    assert_eq!(
        error("tcp.prot == 80"),
        Some((
            1,
            "'tcp.prot' is not a field or protocol rttscope knows (`rttscope fields` lists them)".into()
        ))
    );
    assert_eq!(error("tcp.port == "), Some((13, "expected a value after '=='".into())));
    assert_eq!(error("ip.addr == 10.0.0.300").map(|e| e.0), Some(12));
    assert_eq!(error("(tcp").map(|e| e.0), Some(5));
    assert_eq!(error("tcp)").map(|e| e.0), Some(4));
    assert_eq!(error("tcp udp").map(|e| e.0), Some(5));
    assert_eq!(error("tcp.flags.syn > 0").map(|e| e.0), Some(15));
    assert_eq!(error("").map(|e| e.0), Some(1));
    assert_eq!(
        FilterError::new(5, "x").annotate("tcp udp"),
        "tcp udp\n    ^",
        "the caret sits under the column"
    );
}

#[test]
fn a_set_matches_any_occurrence_equal_to_a_value_or_within_a_range() {
    let (tcp, udp) = (tcp_frame(), udp_frame());
    assert!(matches("tcp.port in {80, 443}", &tcp));
    assert!(matches("tcp.port in {80 443}", &tcp), "Wireshark 3's spaces as well as commas");
    assert!(!matches("tcp.port in {80, 8080}", &tcp));
    assert!(matches("tcp.port in {440..450}", &tcp));
    assert!(matches("tcp.port in {1..2, 51234}", &tcp));
    // Both ends of a range hold for one occurrence: ports 443 and 51234 do not make 500..600.
    assert!(!matches("tcp.port in {500..600}", &tcp));
    assert!(matches("ip.src in {10.0.0.0/8, 192.168.1.1..192.168.1.9}", &udp));
    assert!(!matches("ip.src in {192.168.1.6..192.168.1.9}", &udp));
    assert!(matches("udp.port in {53} && !(tcp.port in {443})", &udp));
    assert!(!matches("udp.port in {53}", &tcp), "a field the packet lacks");
}

#[test]
fn a_bad_set_points_at_its_column() {
    let error = |text: &str| Filter::parse(text).err().map(|e| (e.column, e.message));
    assert_eq!(error("tcp.port in {}"), Some((14, "the set is empty".into())));
    assert_eq!(error("tcp.port in 80"), Some((13, "expected '{' and a set of values after 'in'".into())));
    assert_eq!(error("tcp.port in {80 x}").map(|e| e.0), Some(17));
    assert_eq!(error("tcp.port in {80").map(|e| e.0), Some(16));
    assert_eq!(error("tcp.port in {1..x}").map(|e| e.0), Some(14));
    assert_eq!(error("eth.src in {1..2}").map(|e| e.0), Some(13), "a MAC address cannot be ordered");
}
