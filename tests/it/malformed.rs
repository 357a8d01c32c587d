//! Malformed and truncated inputs: each file in `fixtures/malformed/` is run through
//! `rttscope dissect`, and its exit code, standard output and standard error must be exactly
//! what its insta snapshot `tests/it/snapshots/it__malformed__NAME.snap` says.
//!
//! The files are made by `scripts/make-malformed-fixtures.py`. After an intended change of
//! wording, `cargo insta test --test it -- malformed::` (or `INSTA_UPDATE=always cargo test
//! --test it malformed::`) writes the new outcomes beside the old ones; review them with `cargo
//! insta review` and read the diff before committing it.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::Command;

fn outcome(file: &Path) -> String {
    let relative = file.strip_prefix(common::root()).expect("fixture inside the repository");
    let output = Command::new(env!("CARGO_BIN_EXE_rttscope"))
        .current_dir(common::root())
        .arg("dissect")
        .arg(relative)
        .output()
        .expect("rttscope runs");
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output.status.code().map_or("signal".to_owned(), |code| code.to_string()),
        common::stdout(&output),
        common::stderr(&output)
    )
}

#[test]
fn every_malformed_input_gets_its_expected_outcome() {
    let dir = common::root().join("fixtures/malformed");
    let mut inputs: Vec<_> = fs::read_dir(&dir)
        .expect("fixtures/malformed exists")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 12, "the malformed fixtures are missing");
    for input in &inputs {
        let name = input.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        insta::assert_snapshot!(name, outcome(input));
    }
}

#[test]
fn outcomes_keep_their_promises() {
    // Whatever the wording, these properties hold: what the issue and DESIGN.md promise.
    let dir = common::root().join("fixtures/malformed");
    let run = |name: &str| {
        Command::new(env!("CARGO_BIN_EXE_rttscope"))
            .arg("dissect")
            .arg(dir.join(name))
            .output()
            .expect("runs")
    };
    let not_capture = run("not-a-capture.txt");
    assert_eq!(not_capture.status.code(), Some(1));
    assert!(common::stderr(&not_capture).contains("47 45 54 20"), "names the magic bytes");
    assert_eq!(common::stderr(&not_capture).lines().count(), 1, "one line");

    let cut = run("cut-in-record-data.pcap");
    assert_eq!(cut.status.code(), Some(2));
    assert_eq!(common::stdout(&cut).lines().count(), 2, "both complete packets are printed");
    assert!(common::stderr(&cut).contains("byte 164"), "names the offset");

    let broken = run("broken-layers.pcap");
    assert_eq!(broken.status.code(), Some(0));
    let lines: Vec<String> = common::stdout(&broken).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 16, "every frame is shown");
    // A DHCP message that is read but breaks its format (tshark: Malformed Packet) keeps its
    // layer and says what is wrong on its line.
    for line in &lines[13..] {
        assert!(line.contains(" DHCP ") && line.contains("[DHCP: malformed: option "), "{line}");
    }

    let unknown = run("unknown-linktype.pcap");
    assert_eq!(unknown.status.code(), Some(0));
    assert!(common::stdout(&unknown).contains("Data (9 bytes)"));
}

/// The DHCP frames of `broken-layers.pcap` (14 to 16): rttscope shows the options tshark
/// shows, and reports a problem exactly where tshark calls the packet malformed. tshark stops
/// at an empty message type; rttscope reads on to the options after it, so there tshark's
/// values of each field are the first of rttscope's.
#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn dhcp_options_read_past_their_format_are_shown_and_malformed_as_in_tshark() {
    let file = common::root().join("fixtures/malformed/broken-layers.pcap");
    let fields = ["frame.number", "dhcp.option.type", "dhcp.option.length", "dhcp.option.request_list_item"];
    let run = |program: &str, first: &[&str], extra: &[&str]| {
        let mut command = Command::new(program);
        command.args(first).arg(&file).args(["-Y", "dhcp", "-T", "fields"]);
        for field in fields.iter().chain(extra) {
            command.args(["-e", field]);
        }
        common::stdout(&command.output().expect("runs"))
    };
    let theirs = run("tshark", &["-n", "-r"], &["_ws.malformed"]);
    let ours = run(env!("CARGO_BIN_EXE_rttscope"), &["dissect"], &[]);
    let theirs: Vec<&str> = theirs.lines().collect();
    let ours: Vec<&str> = ours.lines().collect();
    assert_eq!((theirs.len(), ours.len()), (3, 3), "{theirs:?}");
    let (overrun, overrun_malformed) = theirs[0].rsplit_once('\t').expect("five columns");
    assert_eq!(overrun, ours[0], "the option past the end: its type and claimed length");
    let (empty, empty_malformed) = theirs[1].rsplit_once('\t').expect("five columns");
    for (their_values, our_values) in empty.split('\t').zip(ours[1].split('\t')) {
        let count = if their_values.is_empty() { 0 } else { their_values.split(',').count() };
        let prefix = our_values.split(',').take(count).collect::<Vec<_>>().join(",");
        assert_eq!(their_values, prefix, "frame 15: {empty:?} against {:?}", ours[1]);
    }
    // The end option's type item is 0 in tshark's fields, as in a whole message.
    assert_eq!(ours[1], "15\t53,55,0\t0,2\t1,3", "rttscope reads on after the empty type");
    let (no_length, no_length_malformed) = theirs[2].rsplit_once('\t').expect("five columns");
    assert_eq!(no_length, ours[2], "a code with no length byte: not shown");
    for malformed in [overrun_malformed, empty_malformed, no_length_malformed] {
        assert!(!malformed.is_empty(), "tshark: Malformed Packet");
    }
    let problems = common::stdout(
        &Command::new(env!("CARGO_BIN_EXE_rttscope"))
            .arg("dissect")
            .arg(&file)
            .args(["-Y", "dhcp", "--format", "jsonl"])
            .output()
            .expect("runs"),
    );
    for line in problems.lines() {
        let packet: serde_json::Value = serde_json::from_str(line).expect("a JSON object");
        assert_eq!(packet["problems"].as_array().map(Vec::len), Some(1), "{line}");
    }
}
