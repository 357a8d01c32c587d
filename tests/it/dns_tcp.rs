//! DNS over TCP and TLS against tshark: messages that do not fall on segment boundaries (a
//! response that spans several segments, queries pipelined in one segment, and a query cut in
//! two whose second part carries the start of the next: `fixtures/interop/dns-tcp-segments.pcap`),
//! and the other DNS captures, over UDP, TCP and TLS with and without keys (all recorded by
//! `scripts/interop/dns.sh`).

use crate::common;

const CAPTURES: [&str; 4] =
    ["dns-tcp-segments.pcap", "dns-unbound.pcap", "dns-tls-unbound.pcap", "dns-tls-split.pcap"];

#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn every_field_of_dns_over_tcp_agrees_with_tshark() {
    let fields = common::tshark::compared_fields();
    for name in CAPTURES {
        let path = common::root().join("fixtures/interop").join(name);
        let keys = common::tshark::key_log_of(&path);
        // Without the key log, then with it where there is one.
        for keylog in [None].into_iter().chain(keys.as_deref().map(Some)) {
            let tally = common::tshark::compare(&path, keylog, &fields);
            eprintln!(
                "{} (keys: {}): {} frames, {} values compared, {} present in tshark, {} differences",
                path.display(),
                keylog.is_some(),
                tally.frames,
                tally.values,
                tally.present,
                tally.mismatches.len()
            );
            assert!(tally.frames > 0, "{name}: no frames");
            tally.assert_agrees(format_args!("{name} (keys: {})", keylog.is_some()));
        }
    }
}

/// The capture's response of about 4 KB is read once, on the segment that completes it, from
/// the nine segments that carried it; the pipelined queries are each read.
#[test]
fn a_message_across_segments_is_read_once_on_the_last() {
    let path = common::root().join("fixtures/interop/dns-tcp-segments.pcap").to_string_lossy().into_owned();
    let args = ["dissect", path.as_str(), "-T", "fields", "-e", "dns.id", "-e", "tcp.segment.count"];
    let output = common::rttscope(&args);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let stdout = common::stdout(&output);
    let rows: Vec<(&str, &str)> = stdout.lines().filter_map(|line| line.split_once('\t')).collect();
    let ids: Vec<&str> =
        rows.iter().flat_map(|(ids, _)| ids.split(',')).filter(|id| !id.is_empty()).collect();
    // kdig's query and response, three pipelined queries and their responses, two cut queries
    // and their responses.
    assert_eq!(ids.len(), 12, "{ids:?}");
    for pipelined in ["0x5100", "0x5101", "0x5102", "0x5200", "0x5201"] {
        assert_eq!(ids.iter().filter(|id| **id == pipelined).count(), 2, "{pipelined}: query and response");
    }
    let reassembled = rows.iter().filter(|(_, count)| !count.is_empty()).count();
    assert!(reassembled >= 3, "the big responses and the cut queries are put together: {rows:?}");
}

/// DNS over TLS whose messages do not fall on record boundaries (`dns-tls-split.pcap`, a
/// Python ssl client against unbound): each query is read once, on the frame of the record that
/// completes it, with the frames of the records that gave its bytes; a record that only begins
/// one is a TLS segment of a reassembled PDU, as tshark calls it.
#[test]
fn a_message_across_tls_records_is_read_once_on_the_last() {
    let path = common::root().join("fixtures/interop/dns-tls-split.pcap").to_string_lossy().into_owned();
    let keys = common::root().join("fixtures/interop/dns-tls-split.keys").to_string_lossy().into_owned();
    let keylog = format!("tls.keylog_file:{keys}");
    let mut args = vec!["dissect", path.as_str(), "-o", keylog.as_str(), "-T", "fields"];
    for field in ["frame.number", "dns.id", "tls.segment", "tls.reassembled.length", "_ws.col.Info"] {
        args.extend(["-e", field]);
    }
    let output = common::rttscope(&args);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let stdout = common::stdout(&output);
    let rows: Vec<Vec<&str>> = stdout.lines().map(|line| line.split('\t').collect()).collect();
    let queries: Vec<[&str; 4]> = rows
        .iter()
        .filter(|row| row[4].starts_with("Standard query 0x"))
        .map(|row| [row[0], row[1], row[2], row[3]])
        .collect();
    assert_eq!(
        queries,
        [
            ["16", "0x7100", "11,16", "32"],
            ["21", "0x7200", "19,21", "43"],
            ["25", "0x7201", "21,25", "32"],
            ["28", "0x7300,0x7301", "", ""],
        ]
    );
    let pending: Vec<&str> =
        rows.iter().filter(|row| row[4] == "[TLS segment of a reassembled PDU]").map(|row| row[0]).collect();
    assert_eq!(pending, ["11", "19"]);
    let responses = rows.iter().filter(|row| row[4].starts_with("Standard query response")).count();
    assert_eq!(responses, 5);
}
