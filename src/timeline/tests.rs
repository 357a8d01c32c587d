use super::*;

#[test]
fn an_event_serializes_as_documented() {
    let event = Event {
        frame: 4,
        t_ms: 0.5,
        link: None,
        dir: Side::Server,
        round: 2,
        osi: OsiLayer::Application,
        messages: vec![Message::Http1 { start_line: "200 OK".to_owned() }, Message::Fin],
        notes: vec![Note::Retransmission],
        step: Step {
            side: Side::Server,
            syn: false,
            handshake: false,
            application: true,
            gating: None,
            retransmission: true,
        },
        early: false,
        at_ns: 0,
        copy: 0,
    };
    let json = serde_json::to_string(&event).ok();
    assert_eq!(
        json.as_deref(),
        Some(
            r#"{"frame":4,"t_ms":0.5,"dir":"s2c","round":2,"osi":7,"label":"HTTP 200 OK · FIN (retransmission)","explain":"a copy of a message that seemed lost: shown, but it starts no new round"}"#
        )
    );
}

/// Every connection's timeline in a bundled capture (a path from the project's root).
pub(super) fn bundled(path: &str) -> Vec<Connection> {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let capture = crate::capture::CaptureFile::open(&file).expect("the bundled capture opens");
    let keylog = crate::track::keylog::KeyLog::new();
    let mut timelines = Timelines::new(&capture.interface_names(), &keylog);
    let mut tracker = crate::track::Tracker::with_keylog(keylog);
    let mut scratch = crate::track::Scratch::new();
    let mut frames = capture.frames();
    while let Some(Ok(frame)) = frames.next() {
        for secrets in frames.take_secrets() {
            timelines.add_key_log_text(secrets.data);
            tracker.add_key_log_text(secrets.data);
        }
        let packet = tracker.handle_frame(&frame, &mut scratch);
        timelines.handle(&frame, &packet);
    }
    timelines.finish()
}

#[test]
fn openssh_rounds_read_as_the_textbook_plus_its_own_not_as_wrong() {
    let connections = bundled("captures/ssh.pcapng");
    let ssh: Vec<&Connection> = connections.iter().filter(|c| c.variant == Variant::Ssh).collect();
    assert_eq!(ssh.len(), 1, "the course capture holds one SSH login");
    let (extra, _) = Variant::Ssh.implementation_rounds().expect("OpenSSH adds its own rounds");
    let (request, response) = textbook(Variant::Ssh).expect("a textbook count");
    assert_eq!((ssh[0].request_rtts, ssh[0].response_rtts), (Some(request + extra), Some(response + extra)));
    let mut table = Vec::new();
    crate::render::timeline::write_table(&mut table, &connections, true, 80).expect("written");
    let table = String::from_utf8(table).expect("UTF-8");
    assert!(table.contains(&format!("  {request}/{response} +{extra}\n")), "{table}");
    assert!(table.contains(&format!("+{extra} as expected: OpenSSH")), "{table}");
    assert!(!table.contains('✗'), "{table}");

    // A DH group exchange's round is the connection's own choice, added to the textbook's as a
    // proxy's are: the table reads its login as the textbook's plus OpenSSH's, not as wrong.
    let group_exchange = bundled("fixtures/interop/ssh-dh-gex-openssh.pcap");
    assert_eq!(group_exchange[0].chosen_rounds(), 1);
    assert_eq!(connections.iter().map(Connection::chosen_rounds).sum::<u32>(), 0);
    let mut table = Vec::new();
    crate::render::timeline::write_table(&mut table, &group_exchange, true, 80).expect("written");
    let table = String::from_utf8(table).expect("UTF-8");
    assert!(table.contains(&format!("+{extra} as expected: OpenSSH")), "{table}");
    assert!(!table.contains('✗'), "{table}");

    // Over a 100 ms link the login takes over a second, and its row still fits 80 columns.
    for (request_ms, response_ms) in [(1259.04, 1359.6), (99_999.4, 100_000.0), (3_600_000.0, 3_600_100.0)] {
        let slow =
            Connection { request_ms: Some(request_ms), response_ms: Some(response_ms), ..ssh[0].clone() };
        let mut table = Vec::new();
        crate::render::timeline::write_table(&mut table, &[slow], true, 80).expect("written");
        let table = String::from_utf8(table).expect("UTF-8");
        assert!(table.lines().all(|line| line.chars().count() <= 80), "{table}");
        assert!(table.contains(&format!(" {request_ms:.0} ms ")) || table.contains(" 3600 s "), "{table}");
    }

    // One round fewer than OpenSSH's is neither the textbook nor OpenSSH: marked wrong.
    let mut short = ssh[0].clone();
    short.request_rtts = short.request_rtts.map(|n| n - 1);
    let mut table = Vec::new();
    crate::render::timeline::write_table(&mut table, &[short], true, 80).expect("written");
    assert!(String::from_utf8_lossy(&table).contains('✗'));
}
