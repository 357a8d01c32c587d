//! Filters made from fields and connections: each kind of value's expression parses and keeps
//! its packet, joins read as Wireshark's menu writes them, and `App::update` applies them.

use super::*;
use crate::capture::LinkType;
use crate::dissect::dissect;
use crate::testing::{IPV4, TCP, UDP, ethernet, frame, ipv4, tcp, udp};
use crate::tui::action::Command;
use crate::tui::detail::Detail;
use crate::tui::testing::{self, COURSE, TLS13, bundled};

#[test]
fn every_field_of_a_packet_becomes_a_filter_that_keeps_the_packet() {
    let frames = [
        ethernet(IPV4, &ipv4(TCP, [10, 0, 0, 1], [10, 0, 0, 2], &tcp(51234, 443, 1, 0, 0x002, b""))),
        ethernet(IPV4, &ipv4(UDP, [192, 168, 1, 5], [10, 0, 0, 2], &udp(5353, 53, b"hello"))),
    ];
    let mut checked = 0;
    for data in &frames {
        let frame = frame(1, 1_700_000_000_000_000_000, LinkType::Ethernet, data);
        let packet = dissect(&frame);
        let detail = Detail::new(&frame, &packet);
        for node in &detail.nodes {
            let Some(expression) = node.field.as_ref().and_then(|field| field.expression.clone()) else {
                continue;
            };
            let filter = Filter::parse(&expression).unwrap_or_else(|error| panic!("{expression}: {error}"));
            assert!(
                filter.matches(&packet, &frame),
                "{expression} does not keep the packet it was made from"
            );
            let not =
                Filter::parse(&Combine::NotSelected.join(None, &expression)).expect("its negation parses");
            assert!(!not.matches(&packet, &frame), "!({expression}) keeps its packet");
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} fields were made filters");
}

#[test]
fn values_are_written_as_tshark_writes_them() {
    assert_eq!(field_expression("tcp.port", &Value::Uint(443)), Some("tcp.port == 443".into()));
    assert_eq!(field_expression("ip.flags", &Value::hex8(0x40)), Some("ip.flags == 0x40".into()));
    assert_eq!(field_expression("tcp.flags.syn", &Value::Bool(true)), Some("tcp.flags.syn == 1".into()));
    assert_eq!(
        field_expression("eth.src", &Value::Mac([0, 0x1b, 0x21, 0xaa, 0xbb, 0xcc])),
        Some("eth.src == 00:1b:21:aa:bb:cc".into())
    );
    assert_eq!(
        field_expression("ip.src", &Value::Ipv4([10, 0, 0, 1].into())),
        Some("ip.src == 10.0.0.1".into())
    );
    assert_eq!(
        field_expression("data.data", &Value::Bytes(&[0xde, 0xad])),
        Some("data.data == de:ad".into())
    );
    assert_eq!(
        field_expression("http.request.uri", &Value::Str("/a \"b\"")),
        Some(r#"http.request.uri == "/a \"b\"""#.into())
    );
    assert_eq!(
        field_expression("tcp.analysis.retransmission", &Value::Present),
        Some("tcp.analysis.retransmission".into())
    );
    assert_eq!(field_expression("data.data", &Value::Bytes(&[])), None);
    assert_eq!(quoted("a\\b\n"), r#""a\\b\n""#);
}

#[test]
fn joins_read_as_wiresharks_apply_as_filter_menu() {
    let (current, new) = (Some("tcp"), "ip.ttl == 64");
    assert_eq!(Combine::Selected.join(current, new), "ip.ttl == 64");
    assert_eq!(Combine::NotSelected.join(current, new), "!(ip.ttl == 64)");
    assert_eq!(Combine::AndSelected.join(current, new), "(tcp) && (ip.ttl == 64)");
    assert_eq!(Combine::OrSelected.join(current, new), "(tcp) || (ip.ttl == 64)");
    assert_eq!(Combine::AndNotSelected.join(current, new), "(tcp) && !(ip.ttl == 64)");
    assert_eq!(Combine::OrNotSelected.join(current, new), "(tcp) || !(ip.ttl == 64)");
    // With no filter in force, "and" and "or" have nothing to join.
    assert_eq!(Combine::AndSelected.join(None, new), "ip.ttl == 64");
    assert_eq!(Combine::OrNotSelected.join(Some("  "), new), "!(ip.ttl == 64)");
}

#[test]
fn a_conversation_names_both_addresses_and_both_ports() {
    assert_eq!(
        conversation("10.0.0.1:40000", "10.0.0.2:443", Some("tcp.port")).as_deref(),
        Some("ip.addr==10.0.0.1 && tcp.port==40000 && ip.addr==10.0.0.2 && tcp.port==443")
    );
    assert_eq!(
        conversation("[::1]:5000", "[::2]:443", Some("udp.port")).as_deref(),
        Some("ipv6.addr==::1 && udp.port==5000 && ipv6.addr==::2 && udp.port==443")
    );
    assert_eq!(
        conversation("10.0.0.1", "10.0.0.2", None).as_deref(),
        Some("ip.addr==10.0.0.1 && ip.addr==10.0.0.2")
    );
    assert_eq!(conversation("nowhere", "10.0.0.2", None), None);
    for text in [
        conversation("[::1]:5000", "[::2]:443", Some("udp.port")),
        conversation("10.0.0.1", "10.0.0.2", None),
    ] {
        assert!(Filter::parse(&text.expect("made")).is_ok());
    }
}

#[test]
fn tab_completes_names_from_the_registry() {
    assert_eq!(complete("tcp.dstp").as_deref(), Some("tcp.dstport"));
    assert_eq!(complete("ip.ttl == 64 && tcp.srcp").as_deref(), Some("ip.ttl == 64 && tcp.srcport"));
    assert_eq!(complete("!(udp.srcp").as_deref(), Some("!(udp.srcport"));
    // Several names share `tcp.flags.`: completion stops where they part.
    assert_eq!(complete("tcp.fla").as_deref(), Some("tcp.flags"));
    assert_eq!(complete("tcp.dstport"), None, "a whole name has nothing to add");
    assert_eq!(complete("zz.nothing"), None);
    assert_eq!(complete("tcp.port == "), None, "nothing is being typed");
    assert_eq!(parses("tcp.port == 443"), Some(true));
    assert_eq!(parses("tcp.port =="), Some(false));
    assert_eq!(parses("  "), None);
}

/// The app's position in the tree of the selected packet's field `name`.
fn select_field(app: &mut App, name: &str) {
    app.update(Action::SwitchPane);
    let at = app.tree().iter().position(|node| node.field.as_ref().is_some_and(|field| field.name == name));
    let at = at.unwrap_or_else(|| panic!("{name} is in the tree"));
    for _ in 0..at {
        app.update(Action::Down);
    }
    assert_eq!(app.selected_node().and_then(|node| node.field.as_ref()).map(|field| field.name), Some(name));
}

#[test]
fn a_field_applied_as_filter_shows_only_its_packets_and_joins_the_next() {
    let (source, keylog) = bundled(TLS13);
    let mut app = testing::app(TLS13, (80, 24));
    // The ClientHello's packet (4) carries the client's port.
    for _ in 0..3 {
        app.update(Action::Down);
    }
    testing::serve(&mut app, &source, &keylog);
    select_field(&mut app, "tcp.srcport");
    let port = app.selected_node().and_then(|node| node.field.clone()).expect("a field").value;
    app.update(Action::FilterFrom(Combine::Selected));
    testing::serve(&mut app, &source, &keylog);
    let applied = app.filter.applied.as_ref().expect("a filter in force");
    assert_eq!(applied.text, format!("tcp.srcport == {port}"));
    // One side's packets: frame 4 itself, and the SYN (1) or the SYN-ACK (2), not both.
    assert!(
        applied.done
            && applied.matches.contains(&4)
            && applied.matches.contains(&1) != applied.matches.contains(&2),
        "{} keeps {:?}",
        applied.text,
        applied.matches
    );
    assert!(applied.matches.len() < 22);
    assert_eq!((app.view, app.packets.focus), (View::Packets, Focus::List));
    assert_eq!(app.selected_frame(), Some(4), "the packet stays selected");

    // "… and not selected" on the TCP flags of the ClientHello's packet (PSH, ACK).
    select_field(&mut app, "tcp.flags");
    let flags = app.selected_node().and_then(|node| node.field.clone()).expect("a field").value;
    app.update(Action::FilterFrom(Combine::AndNotSelected));
    testing::serve(&mut app, &source, &keylog);
    let applied = app.filter.applied.as_ref().expect("a filter in force");
    assert_eq!(applied.text, format!("(tcp.srcport == {port}) && !(tcp.flags == {flags})"));
    assert!(!applied.matches.contains(&4) && !applied.matches.is_empty() && applied.matches.len() < 22);

    // A line that is not a field says so and changes nothing.
    app.update(Action::SwitchPane);
    app.update(Action::Top);
    app.update(Action::FilterFrom(Combine::Selected));
    assert!(app.notes.last().is_some_and(|note| note.contains("not a field")));
    assert!(app.filter.applied.as_ref().is_some_and(|applied| applied.text.starts_with("(tcp.srcport")));
}

#[test]
fn a_connection_becomes_the_filter_on_its_conversation() {
    let (source, keylog) = bundled(COURSE);
    let mut app = testing::app(COURSE, (80, 24));
    app.update(Action::Show(View::Connections));
    for index in [0usize, 3] {
        app.update(Action::Top);
        for _ in 0..index {
            app.update(Action::Down);
        }
        let connection = app.selected_connection().expect("a connection").clone();
        app.update(Action::FilterFrom(Combine::Selected));
        testing::serve(&mut app, &source, &keylog);
        assert_eq!(app.view, View::Packets);
        let applied = app.filter.applied.as_ref().expect("a filter in force");
        assert!(applied.text.contains(&connection.server.rsplit(':').next().unwrap_or_default().to_string()));
        assert_eq!(applied.matches.len() as u64, connection.packets, "{}: {}", connection.id, applied.text);
        app.update(Action::Show(View::Connections));
    }
}

#[test]
fn the_filter_line_checks_each_key_and_completes_with_tab() {
    let mut app = testing::app(TLS13, (80, 24));
    app.update(Action::FilterStart);
    assert_eq!(app.filter.checked, None);
    for character in "tcp.dstp".chars() {
        app.update(Action::FilterType(character));
    }
    assert_eq!(app.filter.checked, Some(false), "red: no field is called tcp.dstp");
    app.update(Action::LineTab);
    assert_eq!(app.filter.input.as_deref(), Some("tcp.dstport"));
    assert_eq!(app.filter.checked, Some(true), "green: the field alone keeps packets that have it");
    app.update(Action::FilterType(' '));
    app.update(Action::FilterType('='));
    assert_eq!(app.filter.checked, Some(false), "red: a comparison without its value");
    for character in "= 443".chars() {
        app.update(Action::FilterType(character));
    }
    assert_eq!(app.filter.checked, Some(true), "green again");
    app.update(Action::FilterBackspace);
    app.update(Action::FilterBackspace);
    app.update(Action::FilterBackspace);
    app.update(Action::FilterBackspace);
    assert_eq!(app.filter.checked, Some(false));
    app.update(Action::FilterClear);
    assert_eq!(app.filter.checked, None);
    app.update(Action::FilterApply);
    assert!(app.filter.input.is_none() && app.filter.applied.is_none());
    assert!(app.take_commands().iter().all(|command| !matches!(command, Command::Filter { .. })));
}
