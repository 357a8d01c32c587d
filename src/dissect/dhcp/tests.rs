//! The DHCP message's unit tests: options read as tshark reads them, and what is malformed.

use super::*;
use crate::dissect::field::Field;

/// A DHCPDISCOVER from busybox udhcpc, its options cut down.
fn discover() -> Vec<u8> {
    let mut bytes = vec![
        1, 1, 6, 0, // op request, Ethernet, 6-byte address, no hops
        0xc2, 0x95, 0x5f, 0x66, // transaction id
        0, 0, 0x80, 0, // seconds, flags: broadcast
    ];
    bytes.extend([0; 16]); // ciaddr yiaddr siaddr giaddr
    bytes.extend([2, 0, 0, 0, 0x17, 2]); // chaddr
    bytes.extend([0; 10]); // chaddr padding
    bytes.extend([0; 64 + 128]); // sname, file
    bytes.extend(COOKIE);
    bytes.extend([53, 1, 1]); // message type: discover
    bytes.extend([55, 3, 1, 3, 6]); // parameter request list
    bytes.extend([12, 2, b'p', b'c']); // host name
    bytes.extend([0, 0]); // pad
    bytes.extend([61, 7, 1, 2, 0, 0, 0, 0x17, 2]); // client id: Ethernet, MAC
    bytes.extend([255, 0, 0]); // end, padding
    bytes
}

fn fields(message: &Message<'_>) -> Vec<(&'static str, String)> {
    let mut seen = Vec::new();
    let mut sink = |field: Field<'_>| seen.push((field.name, field.value.to_string()));
    message.fields(&mut Emitter::new(&mut sink, 0, Default::default()));
    seen
}

fn all(fields: &[(&'static str, String)], name: &str) -> Vec<String> {
    fields.iter().filter(|(n, _)| *n == name).map(|(_, v)| v.clone()).collect()
}

#[test]
fn reads_a_discover_as_tshark_shows_it() {
    let bytes = discover();
    let (_, message) = parse(&bytes).expect("a whole message");
    assert_eq!(message.message_type(), Some(1));
    let fields = fields(&message);
    assert_eq!(all(&fields, "dhcp.flags.bc"), ["1"]);
    assert_eq!(all(&fields, "dhcp.option.type"), ["53", "55", "12", "0", "61", "0"]);
    assert_eq!(all(&fields, "dhcp.option.length"), ["1", "3", "2", "7"]);
    assert_eq!(all(&fields, "dhcp.option.request_list_item"), ["1", "3", "6"]);
    assert_eq!(all(&fields, "dhcp.option.hostname"), ["pc"]);
    assert_eq!(all(&fields, "dhcp.option.padding"), ["0000", "0000"]);
    assert_eq!(all(&fields, "dhcp.hw.mac_addr"), ["02:00:00:00:17:02", "02:00:00:00:17:02"]);
    assert_eq!(all(&fields, "dhcp.option.end"), ["255"]);
    let mut summary = String::new();
    message.summary(&mut summary).expect("formatting");
    assert_eq!(summary, "DHCP Discover - Transaction ID 0xc2955f66");
    assert_eq!(message_type_title(5), "ACK");
    assert_eq!(message_type_title(42), "Unknown Message Type (0x2a)");
}

/// The discover with its end option replaced by `tail`.
fn discover_ending(tail: &[u8]) -> Vec<u8> {
    let mut bytes = discover();
    bytes.truncate(bytes.len() - 3);
    bytes.extend(tail);
    bytes
}

#[test]
fn an_option_that_overruns_the_datagram_ends_the_walk_and_is_the_packets_problem() {
    let bytes = discover_ending(&[50, 4, 10, 0]); // requested address, two bytes short
    let (_, message) = parse(&bytes).expect("the header is whole");
    let seen = fields(&message);
    // Its type and the length it claims, as tshark shows them, and nothing after.
    assert_eq!(all(&seen, "dhcp.option.type"), ["53", "55", "12", "0", "61", "50"]);
    assert_eq!(all(&seen, "dhcp.option.length"), ["1", "3", "2", "7", "4"]);
    assert!(all(&seen, "dhcp.option.requested_ip_address").is_empty());
    assert!(all(&seen, "dhcp.option.end").is_empty());
    assert_eq!(
        message.problem().as_deref(),
        Some("malformed: option 50 claims 4 bytes, only 2 follow its length")
    );
    // A code with no length byte after it: not shown (as tshark), but still the problem.
    let bytes = discover_ending(&[50]);
    let (_, message) = parse(&bytes).expect("the header is whole");
    assert_eq!(all(&fields(&message), "dhcp.option.type"), ["53", "55", "12", "0", "61"]);
    assert_eq!(
        message.problem().as_deref(),
        Some("malformed: option 50 has no length byte before the datagram ends")
    );
}

#[test]
fn an_empty_message_type_is_the_packets_problem_and_a_whole_message_has_none() {
    let whole_bytes = discover();
    let (_, whole) = parse(&whole_bytes).expect("whole");
    assert_eq!(whole.problem(), None);
    let mut bytes = discover();
    // Option 53 with no byte: the parameter request list follows at once.
    let at = HEADER_LEN + COOKIE.len();
    bytes.splice(at..at + 3, [53, 0]);
    let (_, message) = parse(&bytes).expect("the header is whole");
    assert_eq!(message.message_type(), None);
    assert_eq!(
        message.problem().as_deref(),
        Some("malformed: option 53 (DHCP Message Type) is empty; it must hold the type's byte")
    );
    // Everything after it is still read, and the stateless chain puts the problem on the
    // packet while keeping the layer.
    assert_eq!(all(&fields(&message), "dhcp.option.request_list_item"), ["1", "3", "6"]);
    let frame = crate::testing::ethernet(
        0x0800,
        &crate::testing::ipv4(17, [0; 4], [255; 4], &crate::testing::udp(68, 67, &bytes)),
    );
    let packet =
        crate::dissect::dissect(&crate::testing::frame(1, 0, crate::capture::LinkType::Ethernet, &frame));
    assert_eq!(packet.column_protocol(), "DHCP");
    let problems: Vec<String> = packet.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        ["DHCP: malformed: option 53 (DHCP Message Type) is empty; it must hold the type's byte"]
    );
}

#[test]
fn every_truncation_parses_or_reports_the_shortfall() {
    let bytes = discover();
    for cut in 0..bytes.len() {
        match parse(&bytes[..cut]) {
            Ok((_, message)) => {
                assert!(cut >= HEADER_LEN);
                assert!(fields(&message).len() >= 15);
                let mut summary = String::new();
                message.summary(&mut summary).expect("formatting");
            }
            Err(error) => assert_eq!(error, Error::truncated(HEADER_LEN - cut), "cut at {cut}"),
        }
    }
}

/// The options dnsmasq hands out when udhcpc asks for them (`lan-dhcp-options.pcap`'s OFFER):
/// interface MTU, NTP servers, static routes, a compressed domain search list, classless
/// static routes.
fn offer_options() -> Vec<u8> {
    let mut bytes = discover_ending(&[]);
    bytes[0] = 2; // a reply
    bytes.extend([26, 2, 0x05, 0x78]); // MTU 1400
    bytes.extend([42, 8, 10, 0, 17, 1, 10, 0, 17, 123]); // NTP servers
    bytes.extend([33, 16, 192, 168, 60, 0, 10, 0, 17, 1, 192, 168, 61, 0, 10, 0, 17, 254]);
    // lan.test, corp + pointer to 0, example + pointer to 4 ("test")
    bytes.extend([119, 27, 3, b'l', b'a', b'n', 4, b't', b'e', b's', b't', 0]);
    bytes.extend([4, b'c', b'o', b'r', b'p', 0xc0, 0]);
    bytes.extend([7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 0xc0, 4]);
    // default via .1, 192.168.50.0/24 via .254, 10.64.0.0/10 via .253, 172.16.5.128/25 via .252
    bytes.extend([121, 29, 0, 10, 0, 17, 1, 24, 192, 168, 50, 10, 0, 17, 254]);
    bytes.extend([10, 10, 64, 10, 0, 17, 253, 25, 172, 16, 5, 128, 10, 0, 17, 252]);
    bytes.push(255);
    bytes
}

#[test]
fn the_options_a_server_hands_out_are_decoded_as_tshark_decodes_them() {
    let bytes = offer_options();
    let (_, message) = parse(&bytes).expect("whole");
    let seen = fields(&message);
    assert_eq!(all(&seen, "dhcp.option.interface_mtu"), ["1400"]);
    assert_eq!(all(&seen, "dhcp.option.ntp_server"), ["10.0.17.1", "10.0.17.123"]);
    assert_eq!(all(&seen, "dhcp.option.static_route.ip"), ["192.168.60.0", "192.168.61.0"]);
    assert_eq!(all(&seen, "dhcp.option.static_route.router"), ["10.0.17.1", "10.0.17.254"]);
    assert_eq!(
        all(&seen, "dhcp.option.dhcp_dns_domain_search_list_fqdn"),
        ["lan.test", "corp.lan.test", "example.test"]
    );
    assert_eq!(
        all(&seen, "dhcp.option.classless_static_route"),
        ["000a001101", "18c0a8320a0011fe", "0a0a400a0011fd", "19ac1005800a0011fc"]
    );
    assert_eq!(message.problem(), None);
    let words: Vec<_> = classless_routes(&bytes[bytes.len() - 30..bytes.len() - 1])
        .map(|range| classless_route_words(&bytes[bytes.len() - 30..][range]))
        .collect();
    assert_eq!(
        words,
        [
            Some("default-10.0.17.1".to_owned()),
            Some("192.168.50.0/24-10.0.17.254".to_owned()),
            Some("10.64.0.0/10-10.0.17.253".to_owned()),
            Some("172.16.5.128/25-10.0.17.252".to_owned()),
        ]
    );
}

#[test]
fn a_search_list_or_route_list_that_cannot_be_read_ends_where_it_goes_wrong() {
    // A pointer to itself (a loop) after one good name; a name running past the option.
    let looped = [3, b'l', b'a', b'n', 0, 4, b'c', b'o', b'r', b'p', 0xc0, 5];
    let names: Vec<String> = search_list(&looped).iter().map(|(_, name)| name.to_string()).collect();
    assert_eq!(names, ["lan"]);
    assert_eq!(search_list(&[3, b'l', b'a']).len(), 0);
    // A width over 32, and a route whose router is cut short.
    assert_eq!(classless_routes(&[0, 10, 0, 0, 1, 33, 1, 2, 3, 4, 5]).count(), 1);
    assert_eq!(classless_routes(&[24, 192, 168, 1, 10, 0, 0]).count(), 0);
    assert_eq!(classless_route_words(&[24, 192, 168, 1, 10, 0]), None);
    assert_eq!(classless_route_words(&[33, 1, 2, 3, 4, 5, 10, 0, 0, 1]), None);
    // Fixed-size options of another size keep only their raw value.
    let bytes = discover_ending(&[26, 3, 5, 0x78, 0, 255]);
    let (_, message) = parse(&bytes).expect("whole");
    let seen = fields(&message);
    assert!(all(&seen, "dhcp.option.interface_mtu").is_empty());
    assert_eq!(all(&seen, "dhcp.option.value").last().map(String::as_str), Some("057800"));
}

#[test]
fn every_truncation_of_the_servers_options_reads_what_is_whole() {
    let bytes = offer_options();
    for cut in HEADER_LEN..bytes.len() {
        let (_, message) = parse(&bytes[..cut]).expect("the header is whole");
        let seen = fields(&message);
        let mut summary = String::new();
        message.summary(&mut summary).expect("formatting");
        // Each route shown is a whole one.
        for route in all(&seen, "dhcp.option.classless_static_route") {
            assert!(route.len() >= 10, "cut at {cut}: {route}");
        }
    }
}

#[test]
fn tsharks_expert_names_lengths_a_format_does_not_allow_and_a_cut_route_is_malformed() {
    assert_eq!(option_expert(1, &[255, 255, 255, 0, 9]).as_deref(), Some("length isn't 4"));
    assert_eq!(option_expert(26, &[5, 0x78, 0]).as_deref(), Some("length isn't 2"));
    assert_eq!(option_expert(26, &[5, 0x78]), None);
    assert_eq!(
        option_expert(3, &[10, 0, 0, 1, 10, 0]).as_deref(),
        Some("Option length isn't a multiple of 4")
    );
    assert_eq!(option_expert(33, &[1; 12]).as_deref(), Some("Option length isn't a multiple of 8"));
    assert_eq!(option_expert(33, &[1; 16]), None);
    assert_eq!(option_expert(121, &[0, 10, 0, 0, 1, 33, 1]).as_deref(), Some("Mask width (33) > 32"));
    assert_eq!(option_expert(121, &[0, 10, 0, 0, 1]), None);
    assert_eq!(option_expert(12, b"any length"), None);
    // A route cut short by the option's end is what tshark calls malformed; a width over 32 is not.
    let bytes = discover_ending(&[121, 6, 24, 192, 168, 1, 10, 0, 255]);
    let (_, message) = parse(&bytes).expect("whole");
    assert_eq!(
        message.problem().as_deref(),
        Some(
            "malformed: option 121 (Classless Static Route): the route at byte 0 runs past the option's 6 bytes"
        )
    );
    let bytes = discover_ending(&[121, 6, 0, 10, 0, 0, 1, 33, 255]);
    let (_, message) = parse(&bytes).expect("whole");
    assert_eq!(message.problem(), None);
}
