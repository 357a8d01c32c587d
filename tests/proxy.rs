//! Proxies against tshark: curl through tinyproxy (HTTP CONNECT), microsocks (SOCKS5) and
//! Dante (SOCKS4), recorded by `scripts/interop/proxy.sh`. Every field agrees with tshark's,
//! with and without the key log, and the TLS inside each tunnel is followed and decrypted.

mod common;

use common::tshark::{compare, compared_fields, key_log_of};

const CAPTURES: [&str; 4] =
    ["proxy-connect.pcap", "proxy-refused.pcap", "proxy-socks5.pcap", "proxy-socks4.pcap"];

#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn every_field_of_the_proxy_captures_agrees_with_tshark() {
    let fields = compared_fields();
    for name in CAPTURES {
        let capture = common::root().join("fixtures/interop").join(name);
        let keys = key_log_of(&capture);
        for keylog in [None, keys.as_deref()] {
            let tally = compare(&capture, keylog, &fields);
            assert!(tally.frames > 0, "{name}: no frames");
            assert!(
                tally.mismatches.is_empty(),
                "{name} (keys: {}): differences from tshark:\n{}",
                keylog.is_some(),
                tally.mismatches[..tally.mismatches.len().min(40)].join("\n")
            );
        }
    }
}
