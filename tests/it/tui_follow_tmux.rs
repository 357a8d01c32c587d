//! Follow stream, find and go end to end at 80x24 (issue 19): the real binary in tmux, on
//! `captures/all.pcapng`, whose TLS connections the keys it embeds decrypt.
//!
//! - `f` on the TLS 1.2 connection's request (frame 10) shows the decrypted conversation: the
//!   request line `GET /tls12/1 HTTP/1.1` and the response's `HTTP/1.1 200 OK`.
//! - `Ctrl-F` with a string that only frame 136's Info holds (`tfo-tls13-0rtt/2`, its request)
//!   moves the selection from frame 1 to frame 136.
//! - `:` with a packet number selects that packet.
//! - `o` writes the capture's HTTP objects to `all-objects/` in the working directory, the
//!   same bodies `rttscope dissect --export-objects http,DIR` writes, and says so.
//!
//! Each is its own test from a fresh start, so one feature broken fails its own test only.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::tmux::{Tmux, highlighted_row, listed, selected_frame, status};

const SIZE: (u16, u16) = (80, 24);
const BINARY: &str = env!("CARGO_BIN_EXE_rttscope");
/// Frames in `captures/all.pcapng`.
const PACKETS: usize = 374;
/// `GET /tls12/1 HTTP/1.1`, the TLS 1.2 connection's request (tshark shows it so once it
/// decrypts the capture with the keys it embeds).
const TLS12_REQUEST: u64 = 10;
/// `GET /tfo-tls13-0rtt/2 HTTP/1.1`: the one Info that holds `tfo-tls13-0rtt/2`.
const FOUND: (&str, u64) = ("tfo-tls13-0rtt/2", 136);

/// rttscope on `captures/all.pcapng` at 80x24, once its first screen is up.
fn started(dir: &Path) -> Tmux {
    let capture = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/all.pcapng");
    let tmux = Tmux::start(BINARY, dir, SIZE, &[&capture.to_string_lossy()]);
    tmux.wait_for("the packet list with frame 1 selected", |screen| {
        screen.contains(&format!(" {PACKETS} packets"))
            && !listed(screen).is_empty()
            && selected_frame(screen) == Some(1)
    });
    tmux
}

#[test]
#[ignore = "needs tmux; .ci/run installs it"]
fn f_on_a_decrypted_tls_request_shows_the_request_and_the_response_line() {
    let dir = tempfile::tempdir().expect("a working directory");
    let tmux = started(dir.path());
    // Down to the request, one row at a time (not `:`, which has its own test).
    tmux.press(&vec!["j"; TLS12_REQUEST as usize - 1]);
    tmux.wait_for("the request selected", |screen| selected_frame(screen) == Some(TLS12_REQUEST));
    tmux.press(&["f"]);
    let screen = tmux.wait_for("the followed stream", |screen| {
        screen.contains("Follow TCP stream") && screen.contains("GET /tls12/1")
    });
    assert!(screen.contains("· decrypted"), "the TLS 1.2 stream is shown decrypted\n{screen}");
    let lines: Vec<&str> = screen.lines().collect();
    let request = lines.iter().position(|line| line.contains("▶ GET /tls12/1 HTTP/1.1"));
    let response = lines.iter().position(|line| line.contains("◀ HTTP/1.1 200 OK"));
    assert!(
        matches!((request, response), (Some(request), Some(response)) if request < response),
        "the client's request line, then the server's status line\n{screen}"
    );
    // Esc goes back to the packets, the selection where it was.
    tmux.press(&["Escape"]);
    tmux.wait_for("the packets again", |screen| selected_frame(screen) == Some(TLS12_REQUEST));
    tmux.press(&["q"]);
}

#[test]
#[ignore = "needs tmux; .ci/run installs it"]
fn ctrl_f_finds_a_string_of_one_packets_info_and_selects_that_packet() {
    let dir = tempfile::tempdir().expect("a working directory");
    let tmux = started(dir.path());
    let (text, frame) = FOUND;
    tmux.press(&["C-f"]);
    tmux.wait_for("the search bar", |screen| screen.lines().any(|line| line.contains("find string")));
    tmux.type_text(text);
    tmux.press(&["Enter"]);
    // The layer tree names the selected packet once it is taken apart.
    let screen = tmux.wait_for("the selection to move", |screen| {
        selected_frame(screen).is_some_and(|selected| selected != 1)
    });
    assert_eq!(selected_frame(&screen), Some(frame), "{text} is in frame {frame}'s Info\n{screen}");
    assert_eq!(highlighted_row(&tmux.capture_styled()), Some(frame), "the list highlights it\n{screen}");
    let row = screen
        .lines()
        .find(|line| line.split_whitespace().next() == Some(&frame.to_string()))
        .unwrap_or_else(|| panic!("frame {frame}'s row is in sight\n{screen}"));
    // At 80 columns the Info column shows the request line's start.
    assert!(row.contains(" HTTP ") && row.contains("GET /tfo-tls13-"), "the request's row: {row}\n{screen}");
    tmux.press(&["q"]);
}

#[test]
#[ignore = "needs tmux; .ci/run installs it"]
fn colon_and_a_packet_number_selects_that_packet() {
    let dir = tempfile::tempdir().expect("a working directory");
    let tmux = started(dir.path());
    for frame in [200_u64, 42] {
        tmux.press(&[":"]);
        tmux.wait_for("the packet-number prompt", |screen| screen.contains("go to packet: "));
        tmux.type_text(&frame.to_string());
        tmux.press(&["Enter"]);
        let screen = tmux.wait_for("the packet", |screen| selected_frame(screen) == Some(frame));
        assert!(listed(&screen).contains(&frame), "frame {frame}'s row is in sight\n{screen}");
        assert_eq!(highlighted_row(&tmux.capture_styled()), Some(frame), "the list highlights it\n{screen}");
    }
    tmux.press(&["q"]);
}

/// Each file's bytes in `dir`, and how many files hold them.
fn bodies(dir: &Path) -> BTreeMap<Vec<u8>, usize> {
    let mut bodies = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        *bodies.entry(std::fs::read(&path).expect("an object file")).or_default() += 1;
    }
    bodies
}

#[test]
#[ignore = "needs tmux; .ci/run installs it"]
fn o_writes_the_http_objects_the_command_line_writes() {
    let dir = tempfile::tempdir().expect("a working directory");
    let tmux = started(dir.path());
    tmux.press(&["o"]);
    let screen = tmux.wait_for("the export", |screen| status(screen).contains("wrote "));
    let written = dir.path().join("all-objects");
    let files = std::fs::read_dir(&written).map(Iterator::count).unwrap_or(0);
    assert!(
        status(&screen).contains(&format!("wrote {files} HTTP objects to all-objects/ in")),
        "{files} files in {}\n{screen}",
        written.display()
    );
    // Nine HTTP/1.1 responses and three HTTP/3 ones.
    assert_eq!(files, 12, "{screen}");
    let capture = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/all.pcapng");
    let command_line = dir.path().join("command-line");
    let output = Command::new(BINARY)
        .arg("dissect")
        .arg(&capture)
        .arg("-q")
        .arg("--export-objects")
        .arg(format!("http,{}", command_line.display()))
        .output()
        .expect("rttscope runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(bodies(&written), bodies(&command_line));
    assert!(
        bodies(&written).keys().any(|body| String::from_utf8_lossy(body).contains("/tls12/1")),
        "the TLS 1.2 response, decrypted"
    );
    // A second export takes a new directory.
    tmux.press(&["o"]);
    tmux.wait_for("the second export", |screen| status(screen).contains("to all-objects-2/ in"));
    tmux.press(&["q"]);
}
