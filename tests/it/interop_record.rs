//! Records the interop captures afresh with `scripts/record-interop.sh` (real peers in private
//! network namespaces) and runs the tshark comparison on what it recorded, so the script and
//! the committed captures cannot drift apart unnoticed. The captures that must exist, both
//! recorded and committed, are those `scripts/interop/manifest.tsv` lists.

use crate::common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

/// The file names of `captures`, as a set.
fn names(captures: &[PathBuf]) -> BTreeSet<String> {
    captures
        .iter()
        .filter_map(|capture| capture.file_name().map(|name| name.to_string_lossy().into_owned()))
        .collect()
}

#[test]
fn the_committed_captures_are_those_the_manifest_lists() {
    let listed = common::interop_manifest();
    let unique: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(unique.len(), listed.len(), "a capture is listed twice in the manifest");
    assert!(listed.len() >= 30, "the manifest lists {} captures", listed.len());
    let committed = names(&common::captures_in(&common::root().join("fixtures/interop")));
    assert_eq!(committed, unique, "fixtures/interop/ holds the captures the manifest lists");
    let readme = std::fs::read_to_string(common::root().join("fixtures/interop/README.md")).expect("README");
    for name in &listed {
        assert!(readme.contains(&format!("| `{name}` |")), "the README describes {name}");
    }
}

#[test]
#[ignore = "needs root, network namespaces, tshark and the recording tools (installed by .ci/run)"]
fn freshly_recorded_captures_agree_with_tshark() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let script = common::root().join("scripts/record-interop.sh");
    let status = Command::new(&script).arg(dir.path()).status().expect("the recording script runs");
    assert!(status.success(), "scripts/record-interop.sh failed");
    let captures = common::captures_in(dir.path());
    let listed: BTreeSet<String> = common::interop_manifest().into_iter().collect();
    assert_eq!(names(&captures), listed, "every capture the manifest lists was recorded, and no other");
    let mismatches = common::tshark::compare_all(&captures);
    if !mismatches.is_empty() {
        // Keep what was recorded, so the difference can be looked at after the run.
        let kept = common::root().join("target/interop-differences");
        let _ = std::fs::create_dir_all(&kept);
        for capture in &captures {
            if let Some(name) = capture.file_name() {
                let _ = std::fs::copy(capture, kept.join(name));
            }
        }
        println!("the recorded captures are kept in {}", kept.display());
    }
    assert!(
        mismatches.is_empty(),
        "differences from tshark:\n{}",
        mismatches[..mismatches.len().min(40)].join("\n")
    );
}
