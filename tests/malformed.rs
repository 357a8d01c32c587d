//! Malformed and truncated inputs: each file in `fixtures/malformed/` is run through
//! `rttscope dissect`, and its exit code, standard output and standard error must be exactly
//! what `NAME.expected` beside it says.
//!
//! The files are made by `scripts/make-malformed-fixtures.py`. After an intended change of
//! wording, `RTTSCOPE_BLESS=1 cargo test --test malformed` rewrites the expected outcomes;
//! read the diff before committing it.

mod common;

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
        .filter(|path| path.extension().is_none_or(|extension| extension != "expected"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 12, "the malformed fixtures are missing");
    let bless = std::env::var_os("RTTSCOPE_BLESS").is_some();
    let mut failures = Vec::new();
    for input in &inputs {
        let expected_path = input.with_file_name(format!(
            "{}.expected",
            input.file_name().map(|name| name.to_string_lossy()).unwrap_or_default()
        ));
        let actual = outcome(input);
        if bless {
            fs::write(&expected_path, &actual).expect("expected outcome written");
            continue;
        }
        let expected = fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{} has no .expected file", input.display()));
        if actual != expected {
            failures.push(format!("{}:\n--- expected\n{expected}\n--- actual\n{actual}", input.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
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
