//! Helpers shared by the integration tests: where the test captures are, and how to run the
//! binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The interop captures recorded from real peers by `scripts/record-interop.sh`.
pub fn interop_captures() -> Vec<PathBuf> {
    captures_in(&root().join("fixtures/interop"))
}

/// The public teaching captures beside the repository, when they are there.
pub fn public_captures() -> Vec<PathBuf> {
    captures_in(&root().join("../shared/captures-public"))
}

/// Every capture the differential tests use.
pub fn all_captures() -> Vec<PathBuf> {
    let mut captures = interop_captures();
    captures.extend(public_captures());
    captures
}

pub fn captures_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut captures: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            let name = path.to_string_lossy();
            name.ends_with(".pcap") || name.ends_with(".pcapng") || name.ends_with(".gz")
        })
        .collect();
    captures.sort();
    captures
}

/// Runs the rttscope binary with `args`.
pub fn rttscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rttscope")).args(args).output().expect("the rttscope binary runs")
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
