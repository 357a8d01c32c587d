//! `rttscope dissect --export-objects http,DIR` against tshark's own `--export-objects
//! http,DIR` (tshark 4.0), on every capture the differential tests use, with the key log
//! beside it where there is one: the same bodies, byte for byte.
//!
//! Where the two may differ, and why, is spelled out rather than tolerated in bulk:
//! - tshark 4.0 exports HTTP/1.x alone; rttscope exports HTTP/2 and HTTP/3 bodies too, so on a
//!   capture that carries either, rttscope's files may be more (never fewer).
//! - tshark writes request bodies too; on HTTP/2 with prior knowledge it reads the client's
//!   connection preface (`PRI * HTTP/2.0`, then SETTINGS) as a request with a body and writes
//!   that. rttscope writes response bodies only.
//!
//! Names are not compared (tshark writes `1`, `1(1)`; rttscope `1.txt`, `1-2.txt`).

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::tshark::key_log_of;

/// Each file's bytes in `dir` and how many files hold them.
fn bodies(dir: &Path) -> BTreeMap<Vec<u8>, usize> {
    let mut bodies = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return bodies };
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        *bodies.entry(std::fs::read(&path).expect("an object file")).or_default() += 1;
    }
    bodies
}

/// Whether `rttscope dissect` finds any HTTP/2 or HTTP/3 in the capture.
fn has_http2_or_http3(capture: &Path, keys: Option<&Path>) -> bool {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rttscope"));
    command.arg("dissect").arg(capture).args(["-Y", "http2 || http3"]);
    if let Some(keys) = keys {
        command.arg("--keylog").arg(keys);
    }
    let output = command.output().expect("rttscope runs");
    !output.stdout.is_empty()
}

#[test]
#[ignore = "needs tshark; .ci/run installs it"]
fn every_http_body_tshark_exports_rttscope_exports_byte_for_byte() {
    let mut compared = 0;
    let mut objects = 0;
    let mut differences = Vec::new();
    for capture in common::all_captures() {
        let keys = key_log_of(&capture);
        let dir = tempfile::tempdir().expect("a directory");
        let (ours, theirs) = (dir.path().join("rttscope"), dir.path().join("tshark"));

        let mut command = Command::new(env!("CARGO_BIN_EXE_rttscope"));
        command
            .arg("dissect")
            .arg(&capture)
            .arg("-q")
            .arg("--export-objects")
            .arg(format!("http,{}", ours.display()));
        if let Some(keys) = &keys {
            command.arg("--keylog").arg(keys);
        }
        let output = command.output().expect("rttscope runs");
        assert!(
            output.status.success(),
            "{}: {}",
            capture.display(),
            String::from_utf8_lossy(&output.stderr)
        );

        let mut command = Command::new("tshark");
        command
            .arg("-r")
            .arg(&capture)
            .arg("-q")
            .arg("--export-objects")
            .arg(format!("http,{}", theirs.display()));
        if let Some(keys) = &keys {
            command.arg("-o").arg(format!("tls.keylog_file:{}", keys.display()));
        }
        let output = command.output().expect("tshark runs (apt-get install tshark)");
        assert!(
            output.status.success(),
            "tshark on {}: {}",
            capture.display(),
            String::from_utf8_lossy(&output.stderr)
        );

        let ours = bodies(&ours);
        let mut theirs = bodies(&theirs);
        // The HTTP/2 connection preface read as a request body (see above).
        theirs.retain(|body, _| !body.starts_with(b"PRI * HTTP/2.0\r\n"));
        let missing: Vec<usize> = theirs
            .iter()
            .filter(|(body, count)| ours.get(*body).copied().unwrap_or(0) < **count)
            .map(|(body, _)| body.len())
            .collect();
        let ours_count: usize = ours.values().sum();
        let theirs_count: usize = theirs.values().sum();
        let more = ours_count > theirs_count && !has_http2_or_http3(&capture, keys.as_deref());
        if !missing.is_empty() || more {
            differences.push(format!(
                "{}: rttscope {ours_count} files, tshark {theirs_count}; bodies of {missing:?} bytes missing",
                capture.display()
            ));
        }
        compared += 1;
        objects += theirs_count;
    }
    assert!(differences.is_empty(), "{differences:#?}");
    assert!(compared >= 30 && objects >= 60, "{compared} captures, {objects} bodies of tshark's compared");
}
