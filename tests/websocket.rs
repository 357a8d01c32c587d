//! WebSocket (issue 18) on the interop captures of Python's `websockets`: every field agrees
//! with tshark's, over plain TCP and inside TLS with the key log.

mod common;

use common::tshark::{compare, compared_fields};

#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn websocket_fields_agree_with_tshark_over_tcp_and_tls() {
    let fields = compared_fields();
    let mut present = std::collections::HashMap::new();
    for name in ["websocket.pcap", "websocket-tls.pcap"] {
        let capture = common::root().join("fixtures/interop").join(name);
        let keys = common::tshark::key_log_of(&capture);
        for keylog in [None, keys.as_deref()] {
            let tally = compare(&capture, keylog, &fields);
            assert!(tally.frames > 30, "{name}: {} frames", tally.frames);
            assert!(tally.mismatches.is_empty(), "{name}:\n{}", tally.mismatches.join("\n"));
            for (field, count) in tally.present_by_field {
                *present.entry(field).or_insert(0) += count;
            }
        }
    }
    // What tshark showed was compared: the frames, a close's code and reason, a ping, the
    // text of a message put back together, and permessage-deflate's bit.
    for field in [
        "websocket.opcode",
        "websocket.masking_key",
        "websocket.payload.text",
        "websocket.payload.close.status_code",
        "websocket.payload.close.reason",
        "websocket.payload.ping",
        "websocket.payload.pong",
        "websocket.payload.continue",
        "websocket.fragment",
        "websocket.reassembled.length",
        "websocket.pmc",
        "data.data",
    ] {
        assert!(present.get(field).is_some_and(|count| *count > 0), "tshark showed no {field}");
    }
}
