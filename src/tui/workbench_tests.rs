//! The Statistics view's and the exports' actions through `App::update`, on the public TLS
//! 1.3 capture (22 frames, one TCP connection) and the course capture.

use super::*;
use crate::tui::app::Command;
use crate::tui::statistics::NoteGroup;
use crate::tui::statistics_tables::Kind;
use crate::tui::testing::{self, TLS13, bundled};

fn counted_app() -> App {
    let (source, keylog) = bundled(TLS13);
    let mut app = testing::app(TLS13, (80, 24));
    app.update(Action::Show(View::Statistics));
    let commands = app.take_commands();
    assert!(matches!(commands.as_slice(), [Command::Count]), "{commands:?}");
    app.commands = commands;
    testing::serve(&mut app, &source, &keylog);
    assert!(!app.stats.counting);
    app
}

#[test]
fn opening_statistics_counts_the_capture_once() {
    let mut app = counted_app();
    let counted = app.stats.counted.as_ref().expect("counted");
    assert_eq!(counted.properties.packets, 22);
    assert_eq!(counted.properties.keylog_sessions, 1, "the key log beside the capture opens one session");
    let tcp = &counted.conversations[Kind::Tcp as usize];
    assert_eq!(tcp.rows.len(), 1);
    // Both ends are 127.0.0.1: one IPv4 endpoint, two TCP ones.
    assert_eq!(counted.endpoints[Kind::Ipv4 as usize].rows.len(), 1);
    assert_eq!(counted.endpoints[Kind::Tcp as usize].rows.len(), 2, "client and server");
    // Coming back with nothing new counts nothing again.
    app.update(Action::Show(View::Packets));
    app.update(Action::Show(View::Statistics));
    assert!(app.take_commands().is_empty());
}

#[test]
fn pages_kinds_and_sorting_move_as_the_keys_say() {
    let mut app = counted_app();
    assert_eq!(app.stats.page, StatsPage::Properties);
    app.update(Action::StatsPage { next: false });
    assert_eq!(app.stats.page, StatsPage::Notes, "round the end");
    app.update(Action::StatsPage { next: true });
    app.update(Action::StatsPage { next: true });
    app.update(Action::StatsPage { next: true });
    assert_eq!(app.stats.page, StatsPage::Conversations);
    assert_eq!(app.stats_table().map(|table| table.kind), Some(Kind::Ethernet));
    for _ in 0..3 {
        app.update(Action::StatsKind);
    }
    assert_eq!(app.stats_table().map(|table| table.kind), Some(Kind::Tcp));
    app.update(Action::StatsPage { next: true });
    assert_eq!(app.stats.page, StatsPage::Endpoints);
    // Busiest first, then by the next columns, round to the address.
    assert_eq!(app.stats.sort(), ("Packets", false));
    app.update(Action::StatsSort { reverse: false });
    assert_eq!(app.stats.sort(), ("Bytes", false));
    for _ in 0..3 {
        app.update(Action::StatsSort { reverse: false });
    }
    assert_eq!(app.stats.sort(), ("Address", false), "the five columns went round");
    let first =
        |app: &App| app.stats_table().and_then(|table| table.rows.first()).map(|row| row.cells[0].clone());
    let descending = first(&app);
    app.update(Action::StatsSort { reverse: true });
    assert_eq!(app.stats.sort(), ("Address", true));
    assert_ne!(first(&app), descending, "two endpoints change places");
    // The I/O interval doubles and halves, never below one bucket.
    let factor = app.stats.io_factor;
    assert!(factor >= 1);
    app.update(Action::StatsInterval { longer: true });
    assert_eq!(app.stats.io_factor, factor * 2);
    for _ in 0..40 {
        app.update(Action::StatsInterval { longer: false });
    }
    assert_eq!(app.stats.io_factor, 1);
}

#[test]
fn enter_on_a_conversation_filters_on_it_and_on_a_protocol_too() {
    let (source, keylog) = bundled(TLS13);
    let mut app = counted_app();
    app.update(Action::StatsPage { next: true });
    app.update(Action::StatsPage { next: true });
    for _ in 0..3 {
        app.update(Action::StatsKind);
    }
    app.update(Action::Enter);
    testing::serve(&mut app, &source, &keylog);
    let applied = app.filter.applied.as_ref().expect("a filter");
    assert_eq!(applied.text, "tcp.stream == 0");
    assert_eq!(applied.matches.len(), 22);
    assert_eq!(app.view, View::Packets);

    // The protocol hierarchy: the row of TLS filters on `tls`.
    app.update(Action::Show(View::Statistics));
    app.update(Action::StatsPage { next: false });
    assert_eq!(app.stats.page, StatsPage::Hierarchy);
    let tls = app.stats.counted.as_ref().and_then(|counted| {
        counted
            .hierarchy
            .iter()
            .position(|(_, name, _, _)| *name == "tls")
            .map(|at| (at, counted.hierarchy[at].2))
    });
    let (at, frames) = tls.expect("a TLS row");
    for _ in 0..at {
        app.update(Action::Down);
    }
    app.update(Action::Enter);
    testing::serve(&mut app, &source, &keylog);
    let applied = app.filter.applied.as_ref().expect("a filter");
    assert_eq!(applied.text, "tls");
    assert_eq!(applied.matches.len() as u64, frames, "the hierarchy counts what the filter keeps");
}

#[test]
fn notes_jump_to_their_first_packet_and_n_to_the_next() {
    let mut app = counted_app();
    let mut counted = app.stats.counted.as_deref().cloned().expect("counted");
    counted.notes = vec![
        NoteGroup { severity: "Note", summary: "TCP retransmission".into(), frames: vec![3, 7] },
        NoteGroup { severity: "Error", summary: "TLS: malformed".into(), frames: vec![12] },
    ];
    app.update(Action::Counted(Box::new(counted)));
    app.update(Action::StatsPage { next: false });
    assert_eq!(app.stats.page, StatsPage::Notes);
    app.update(Action::Enter);
    assert_eq!((app.view, app.selected_frame()), (View::Packets, Some(3)));
    app.update(Action::Show(View::Statistics));
    app.update(Action::StatsNextPacket);
    assert_eq!(app.selected_frame(), Some(7));
    app.update(Action::Show(View::Statistics));
    app.update(Action::StatsNextPacket);
    assert_eq!(app.selected_frame(), Some(3), "round to the first");
    app.update(Action::Show(View::Statistics));
    app.update(Action::Down);
    app.update(Action::StatsNextPacket);
    assert_eq!(app.selected_frame(), Some(12), "the other group's packet");
}

#[test]
fn exports_queue_the_shown_packets_the_timeline_and_the_value() {
    let (source, keylog) = bundled(TLS13);
    let mut app = testing::app(TLS13, (80, 24));
    app.update(Action::Export(Export::ShownPackets));
    let commands = app.take_commands();
    assert!(
        matches!(commands.as_slice(), [Command::WritePackets { name, frames: None }] if name == "illustrated-tls13-all.pcapng"),
        "{commands:?}"
    );
    app.update(Action::FilterStart);
    for character in "tls".chars() {
        app.update(Action::FilterType(character));
    }
    app.update(Action::FilterApply);
    testing::serve(&mut app, &source, &keylog);
    let shown = app.filter.applied.as_ref().map(|applied| applied.matches.clone());
    app.update(Action::Export(Export::ShownPackets));
    let commands = app.take_commands();
    assert!(
        matches!(commands.as_slice(), [Command::WritePackets { name, frames }] if name == "illustrated-tls13-filtered.pcapng" && *frames == shown),
        "{commands:?}"
    );
    // Marked packets take the place of the shown ones.
    assert_eq!(app.frames_to_export(Some(&[9, 2, 9])), Some(vec![2, 9]));

    app.update(Action::Export(Export::TimelineSvg));
    app.update(Action::Export(Export::TimelineMermaid));
    let commands = app.take_commands();
    let [
        Command::WriteText { name: svg, text: drawing },
        Command::WriteText { name: mermaid, text: sequence },
    ] = commands.as_slice()
    else {
        panic!("{commands:?}")
    };
    assert_eq!(
        (svg.as_str(), mermaid.as_str()),
        ("illustrated-tls13-connection-0.svg", "illustrated-tls13-connection-0.mmd")
    );
    assert!(drawing.contains("<svg") && sequence.contains("sequenceDiagram"));

    // y copies the selected field's value, as dissect -T fields prints it.
    app.update(Action::CopyValue);
    assert!(app.take_commands().is_empty(), "the list has no field");
    app.update(Action::SwitchPane);
    let at =
        app.tree().iter().position(|node| node.field.as_ref().is_some_and(|field| field.name == "ip.src"));
    for _ in 0..at.expect("ip.src in the tree") {
        app.update(Action::Down);
    }
    app.update(Action::CopyValue);
    let commands = app.take_commands();
    assert!(
        matches!(commands.as_slice(), [Command::Clipboard(value)] if value == "127.0.0.1"),
        "{commands:?}"
    );

    // Marked packets (m) take the place of the shown ones.
    app.update(Action::SwitchPane);
    app.update(Action::Top);
    app.update(Action::Mark);
    app.update(Action::Down);
    app.update(Action::Down);
    app.update(Action::Mark);
    let marked: Vec<u64> = app.bench.marks.iter().copied().collect();
    assert_eq!(marked.len(), 2, "two packets marked");
    app.take_commands();
    app.update(Action::Export(Export::ShownPackets));
    let commands = app.take_commands();
    assert!(
        matches!(commands.as_slice(), [Command::WritePackets { name, frames: Some(frames) }] if name == "illustrated-tls13-marked.pcapng" && *frames == marked),
        "{commands:?}"
    );
}

#[test]
fn file_names_come_from_the_title() {
    assert_eq!(export_stem("illustrated-tls13.pcap"), "illustrated-tls13");
    assert_eq!(export_stem("/tmp/a b.pcapng"), "a_b");
    assert_eq!(export_stem("live on lo"), "live_on_lo");
    assert_eq!(export_stem("..."), "rttscope");
}

/// tshark's output for `args` on a capture of `fixtures/interop/`.
fn tshark(capture: &str, args: &[&str]) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(capture);
    let output = std::process::Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args(["-o", &format!("tls.keylog_file:{}", path.with_extension("keys").display())])
        .args(args)
        .output()
        .expect("tshark runs");
    assert!(output.status.success(), "tshark: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
#[ignore = "needs tshark"]
fn the_hierarchy_conversations_and_notes_are_tsharks_figures() {
    use crate::render::stats::size;
    let mut compared = 0;
    for capture in ["fixtures/interop/tcp-loss-sack.pcap", "fixtures/interop/tls12-openssl.pcap"] {
        let (source, keylog) = bundled(capture);
        let dispatch = crate::dispatch::Dispatch::new();
        let counted = crate::tui::statistics::count_now(&source, &keylog, &dispatch, &Default::default())
            .expect("counted");

        // -z io,phs: `  name   frames:N bytes:M`, two spaces a level.
        let phs = tshark(capture, &["-q", "-z", "io,phs"]);
        let theirs: Vec<(usize, String, u64, u64)> = phs
            .lines()
            .filter(|line| line.contains("frames:"))
            .map(|line| {
                let depth = (line.len() - line.trim_start().len()) / 2;
                let words: Vec<&str> = line.split_whitespace().collect();
                let number = |prefix: &str| {
                    words.iter().find_map(|word| word.strip_prefix(prefix)?.parse().ok()).expect("a count")
                };
                (depth, words[0].to_owned(), number("frames:"), number("bytes:"))
            })
            .collect();
        let ours: Vec<(usize, String, u64, u64)> = counted
            .hierarchy
            .iter()
            .map(|(depth, name, frames, bytes)| (*depth, (*name).to_owned(), *frames, *bytes))
            .collect();
        assert_eq!(ours, theirs, "{capture}: the protocol hierarchy");
        compared += ours.len();

        // -z conv,tcp: `A <-> B  frames size  frames size  frames size  start  duration`.
        let conv = tshark(capture, &["-q", "-z", "conv,tcp"]);
        let mut theirs: Vec<(String, String, u64, String)> = conv
            .lines()
            .filter(|line| line.contains("<->"))
            .map(|line| {
                let words: Vec<&str> = line.split_whitespace().collect();
                (
                    words[0].to_owned(),
                    words[2].to_owned(),
                    words[9].parse().expect("frames"),
                    format!("{} {}", words[10], words[11]),
                )
            })
            .collect();
        let table = &counted.conversations[Kind::Tcp as usize];
        let text = |cell: &crate::tui::statistics_tables::Cell| match cell {
            crate::tui::statistics_tables::Cell::Text(text) => text.clone(),
            other => panic!("{other:?}"),
        };
        let count = |cell: &crate::tui::statistics_tables::Cell| match cell {
            crate::tui::statistics_tables::Cell::Count(count) => *count,
            other => panic!("{other:?}"),
        };
        let mut ours: Vec<(String, String, u64, String)> = table
            .rows
            .iter()
            .map(|row| {
                (text(&row.cells[0]), text(&row.cells[1]), count(&row.cells[2]), size(count(&row.cells[3])))
            })
            .collect();
        theirs.sort();
        ours.sort();
        assert_eq!(ours, theirs, "{capture}: the TCP conversations");
        compared += ours.len();

        // Retransmissions and duplicate ACKs: the frames tshark's analysis flags.
        for (flag, summary) in [
            ("tcp.analysis.retransmission", "TCP retransmission"),
            ("tcp.analysis.duplicate_ack", "TCP duplicate ACK"),
        ] {
            let theirs: Vec<u64> = tshark(capture, &["-Y", flag, "-T", "fields", "-e", "frame.number"])
                .lines()
                .filter_map(|line| line.trim().parse().ok())
                .collect();
            let ours = counted
                .notes
                .iter()
                .find(|group| group.summary == summary)
                .map_or(Vec::new(), |group| group.frames.clone());
            assert_eq!(ours, theirs, "{capture}: {flag}");
            compared += ours.len();
        }
    }
    assert!(compared > 10, "compared {compared} figures");
}
