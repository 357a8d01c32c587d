//! What browsers send, against tshark: the captures of issue 17's browser part (a Chrome-like
//! QUIC client whose ClientHello spans two Initials and which opens a GREASE stream; TLS with
//! a NULL cipher suite; TLS picked up mid-stream; an SSLv2-format ClientHello), every field
//! compared with and without the key log, and what each must show.

use crate::common;

use std::path::PathBuf;

use common::tshark::{compare, compared_fields, key_log_of};

const CAPTURES: &[&str] = &[
    "fixtures/interop/quic-chrome-aioquic.pcap",
    "fixtures/interop/tls12-null-openssl.pcap",
    "fixtures/interop/tls-midstream.pcap",
];

fn capture(name: &str) -> PathBuf {
    common::root().join(name)
}

#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn browser_captures_agree_with_tshark() {
    let fields = compared_fields();
    for name in CAPTURES {
        let path = capture(name);
        let keys = key_log_of(&path);
        for keylog in [None, keys.as_deref()] {
            let tally = compare(&path, keylog, &fields);
            assert!(tally.frames > 0, "{name}: no frames");
            tally.assert_agrees(format_args!("{name} (keys: {})", keylog.is_some()));
        }
    }
}

/// The client's GREASE stream (type 0x537) carries bytes that would read as HTTP/3 frames
/// ("GR" is a two-byte varint, 0x752): rttscope shows the stream's type and no frame of it, and
/// leaves the GREASE frame on the control stream (0xfa) out of the Info column, as tshark does.
#[test]
fn a_grease_stream_yields_no_http3_frame() {
    let path = capture(CAPTURES[0]);
    let keys = key_log_of(&path).expect("the key log is beside the capture");
    let (path, keys) = (path.to_string_lossy().into_owned(), keys.to_string_lossy().into_owned());
    let output = common::rttscope(&[
        "dissect",
        &path,
        "--keylog",
        &keys,
        "-e",
        "http3.stream_type",
        "-e",
        "http3.frame_type",
        "-e",
        "_ws.col.Info",
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let stdout = common::stdout(&output);
    let grease: Vec<&str> = stdout
        .lines()
        .filter(|line| {
            line.split('\t').next().is_some_and(|types| types.split(',').any(|kind| kind == "1335"))
        })
        .collect();
    assert_eq!(grease.len(), 1, "one frame opens the GREASE stream:\n{stdout}");
    let fields: Vec<&str> = grease[0].split('\t').collect();
    // The GREASE frame on the control stream and the request's HEADERS, nothing from stream 14.
    assert_eq!(fields[1], "250,1", "{}", grease[0]);
    assert!(fields[2].ends_with(", STREAM(2), STREAM(0), HEADERS, STREAM(14)"), "{}", grease[0]);
    let frame_types = stdout.lines().flat_map(|line| line.split('\t').nth(1).unwrap_or("").split(','));
    assert!(frame_types.clone().all(|kind| kind != "1874"), "a frame read out of the GREASE stream");
}
