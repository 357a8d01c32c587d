//! The workbench of issue 19 end to end at 80x24: the real binary in tmux applies a field of
//! the layer tree as a display filter and lists what `rttscope dissect -Y` prints for it, makes
//! a connection's conversation the filter, exports the shown packets to pcapng that tshark
//! reads (and decrypts with the keys the file embeds), and shows the Statistics view.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::tmux::{Tmux, listed, status};

/// The pane: the standard terminal the workbench must fit.
const SIZE: (u16, u16) = (80, 24);
const BINARY: &str = env!("CARGO_BIN_EXE_rttscope");
/// Frames in `captures/all.pcapng`.
const PACKETS: usize = 374;

/// The filter the status bar says was made (`filter: EXPR`), if it says one.
fn made_filter(screen: &str) -> Option<String> {
    let text = status(screen).split(" · filter: ").nth(1)?;
    let text = text.split(" (+").next().unwrap_or(text);
    let text = text.split("  ? help").next().unwrap_or(text);
    Some(text.trim().to_owned())
}

/// `N of 374 packets match`, once the filter has finished.
fn matched(screen: &str) -> Option<usize> {
    let status = status(screen);
    let (count, rest) = status.split_once(" of ")?;
    (rest.starts_with(&format!("{PACKETS} packets match")) && !rest.contains("filtering"))
        .then(|| count.trim().replace(',', "").parse().ok())?
}

/// The frame numbers `rttscope dissect -Y filter` prints.
fn dissect_matching(capture: &Path, filter: &str) -> Vec<u64> {
    let output =
        Command::new(BINARY).arg("dissect").arg(capture).args(["-Y", filter]).output().expect("dissect runs");
    assert!(output.status.success(), "dissect -Y {filter}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next()?.parse().ok())
        .collect()
}

/// How many packets `tshark -r file [-Y filter]` lists.
fn tshark_count(file: &Path, filter: Option<&str>) -> usize {
    let mut command = Command::new("tshark");
    command.arg("-r").arg(file);
    if let Some(filter) = filter {
        command.args(["-Y", filter]);
    }
    let output = command.output().expect("tshark runs (apt-get install tshark)");
    assert!(output.status.success(), "tshark: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).lines().filter(|line| !line.trim().is_empty()).count()
}

#[test]
#[ignore = "needs tmux and tshark; .ci/run installs them"]
fn a_field_becomes_the_filter_and_the_shown_packets_export_to_pcapng_that_tshark_reads() {
    let capture = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/all.pcapng");
    let dir = tempfile::tempdir().expect("a directory for the export");
    let tmux = Tmux::start(BINARY, dir.path(), SIZE, &[&capture.to_string_lossy()]);
    tmux.wait_for("the packet list", |screen| {
        screen.contains(&format!(" {PACKETS} packets")) && !listed(screen).is_empty()
    });

    // Frame 4's tree: the fifth line down is a field of its top layer; `a` applies it.
    tmux.press(&["j", "j", "j"]);
    tmux.wait_for("frame 4 taken apart", |screen| screen.contains("Layers of frame 4"));
    tmux.press(&["Right", "Down", "Down", "Down", "Down", "a"]);
    let screen = tmux.wait_for("the field's filter to finish", |screen| {
        matched(screen).is_some() && made_filter(screen).is_some()
    });
    let filter = made_filter(&screen).expect("the status bar names the filter");
    assert!(filter.contains(" == ") || !filter.contains(' '), "a field's filter: {filter}\n{screen}");
    let expected = dissect_matching(&capture, &filter);
    assert_eq!(matched(&screen), Some(expected.len()), "{filter}\n{screen}");
    let rows = listed(&screen);
    assert!(
        !rows.is_empty() && expected.starts_with(&rows),
        "the UI lists {rows:?}, dissect -Y {filter} {expected:?}\n{screen}"
    );
    assert!(expected.len() < PACKETS, "the list shrank: {filter}");

    // Connection 0 (TLS 1.2 with an HTTP request) as the filter, then exported.
    tmux.press(&["2", "a"]);
    let screen = tmux.wait_for("the conversation's filter to finish", |screen| {
        matched(screen).is_some() && made_filter(screen).is_some_and(|made| made.contains("tcp.port=="))
    });
    let count = matched(&screen).expect("a count");
    tmux.press(&["w"]);
    let screen = tmux.wait_for("the export", |screen| status(screen).contains("wrote "));
    let written = dir.path().join("all-filtered.pcapng");
    assert!(
        status(&screen).contains(&format!("wrote {count} packets to all-filtered.pcapng in")),
        "{screen}"
    );
    assert!(written.exists(), "{screen}");
    assert_eq!(tshark_count(&written, None), count, "tshark reads every packet exported");
    assert!(
        tshark_count(&written, Some("http.request")) >= 1,
        "tshark decrypts the request with the embedded keys"
    );

    // A second export never overwrites the first.
    tmux.press(&["w"]);
    tmux.wait_for("the second export", |screen| status(screen).contains("to all-filtered-2.pcapng in"));
    assert_eq!(tshark_count(&dir.path().join("all-filtered-2.pcapng"), None), count);

    // Statistics: properties first, then the protocols.
    tmux.press(&["5"]);
    tmux.wait_for("the capture's properties", |screen| {
        screen.contains("Number of packets") && screen.contains("374")
    });
    tmux.press(&["Right"]);
    tmux.wait_for("the protocol hierarchy", |screen| screen.contains("% pkts") && screen.contains("tcp"));
    tmux.press(&["q"]);
}
