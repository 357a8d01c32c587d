//! Records the interop captures afresh with `scripts/record-interop.sh` (real peers in private
//! network namespaces) and runs the tshark comparison on what it recorded, so the script and
//! the committed captures cannot drift apart unnoticed.

mod common;

use std::process::Command;

#[test]
#[ignore = "needs root, network namespaces, tshark and the recording tools (installed by .ci/run)"]
fn freshly_recorded_captures_agree_with_tshark() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let script = common::root().join("scripts/record-interop.sh");
    let status = Command::new(&script).arg(dir.path()).status().expect("the recording script runs");
    assert!(status.success(), "scripts/record-interop.sh failed");
    let captures = common::captures_in(dir.path());
    assert_eq!(captures.len(), common::interop_captures().len(), "every capture was recorded");
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
