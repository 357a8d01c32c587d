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
    assert_eq!(common::stdout(&broken).lines().count(), 13, "every frame is shown");

    let unknown = run("unknown-linktype.pcap");
    assert_eq!(unknown.status.code(), Some(0));
    assert!(common::stdout(&unknown).contains("Data (9 bytes)"));
}
