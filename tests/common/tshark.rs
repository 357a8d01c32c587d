//! The differential comparison with `tshark -T fields`, shared by the tests that run it.
//!
//! Both tools are asked for the same field list; every column of every frame must be equal.
//! The text output's Protocol and Info columns (`_ws.col.*`) are compared too.
//!
//! One difference is expected and handled exactly: where tshark decodes an application
//! protocol rttscope does not decode yet (HTTP, TLS, QUIC, DNS...), rttscope shows the bytes
//! as `data`. In those frames, and in the TCP streams that carry such a protocol, the
//! `frame.protocols` lists must agree up to that protocol (rttscope's then ending in `data`),
//! and the fields that depend on application decoding (`data.*`, `tcp.segment_data`) are not
//! compared.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use rttscope::registry::FIELDS;

/// The protocols rttscope decodes, as they appear in `frame.protocols`.
const KNOWN_PROTOCOLS: &[&str] = &[
    "eth",
    "ethertype",
    "vlan",
    "ieee8021ad",
    "sll",
    "null",
    "raw",
    "arp",
    "ip",
    "ipv6",
    "ipv6.hopopts",
    "ipv6.routing",
    "ipv6.fraghdr",
    "ipv6.dstopts",
    "icmp",
    "icmpv6",
    "udp",
    "tcp",
    "data",
];

/// The text columns, compared like the fields.
const COLUMNS: &[&str] = &["_ws.col.Info", "_ws.col.Protocol"];

/// Fields whose value depends on decoding the application payload.
const APPLICATION_DEPENDENT: &[&str] = &["data.data", "data.len", "tcp.segment_data"];

/// The L2-L4 fields DESIGN.md section 5 lists; all must be compared.
pub const DESIGN_FIELDS: &[&str] = &[
    "frame.number",
    "frame.time_epoch",
    "frame.len",
    "frame.protocols",
    "eth.src",
    "eth.dst",
    "eth.type",
    "vlan.id",
    "sll.pkttype",
    "ip.src",
    "ip.dst",
    "ip.addr",
    "ip.proto",
    "ip.ttl",
    "ip.id",
    "ip.len",
    "ip.flags.df",
    "ip.flags.mf",
    "ip.frag_offset",
    "ip.checksum",
    "ipv6.src",
    "ipv6.dst",
    "ipv6.addr",
    "ipv6.nxt",
    "ipv6.hlim",
    "ipv6.plen",
    "icmp.type",
    "icmp.code",
    "icmp.ident",
    "icmp.seq",
    "icmpv6.type",
    "icmpv6.code",
    "udp.srcport",
    "udp.dstport",
    "udp.port",
    "udp.length",
    "udp.stream",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.port",
    "tcp.stream",
    "tcp.seq",
    "tcp.ack",
    "tcp.seq_raw",
    "tcp.ack_raw",
    "tcp.flags",
    "tcp.flags.syn",
    "tcp.flags.ack",
    "tcp.flags.fin",
    "tcp.flags.reset",
    "tcp.flags.push",
    "tcp.len",
    "tcp.window_size_value",
    "tcp.options.mss_val",
    "tcp.options.wscale.shift",
    "tcp.option_kind",
    "tcp.options.tfo.cookie",
    "tcp.analysis.retransmission",
];

/// Fields tshark prints differently by design: a real protocol's `-e` value is its tree label.
const NOT_COMPARED: &[&str] = &["mptcp"];

pub fn compared_fields() -> Vec<&'static str> {
    FIELDS.iter().map(|field| field.name).filter(|name| !NOT_COMPARED.contains(name)).collect()
}

fn run_fields(program: &str, first_args: &[&str], capture: &Path, fields: &[&str]) -> Vec<Vec<String>> {
    let mut command = Command::new(program);
    // Absolute times are compared in UTC, the zone rttscope prints them in.
    command.env("TZ", "UTC").args(first_args).arg(capture).args(["-T", "fields"]);
    for field in fields {
        command.args(["-e", field]);
    }
    let output = command.output().unwrap_or_else(|error| panic!("{program} runs: {error}"));
    assert!(output.status.success(), "{program} failed on {}: {}", capture.display(), super::stderr(&output));
    super::stdout(&output).lines().map(|line| line.split('\t').map(str::to_owned).collect()).collect()
}

/// The part of a `frame.protocols` list rttscope is expected to reproduce.
fn known_prefix(protocols: &str) -> (String, bool) {
    let names: Vec<&str> = protocols.split(':').collect();
    let known = names.iter().take_while(|name| KNOWN_PROTOCOLS.contains(name)).count();
    (names[..known].join(":"), known < names.len())
}

/// Long values (payloads) cut to what a person reads in a failure message.
fn shorten(value: &str) -> &str {
    &value[..value.len().min(64)]
}

#[derive(Default)]
pub struct Tally {
    pub frames: usize,
    pub values: usize,
    /// Values tshark reports as present (non-empty).
    pub present: usize,
    pub mismatches: Vec<String>,
}

pub fn compare(capture: &Path, fields: &[&str]) -> Tally {
    let tshark = run_fields("tshark", &["-n", "-r"], capture, fields);
    let binary = env!("CARGO_BIN_EXE_rttscope");
    let ours = run_fields(binary, &["dissect"], capture, fields);
    let mut tally = Tally { frames: tshark.len(), ..Tally::default() };
    if tshark.len() != ours.len() {
        tally.mismatches.push(format!("{} frames from tshark, {} from rttscope", tshark.len(), ours.len()));
        return tally;
    }
    let column = |name: &str| fields.iter().position(|field| *field == name).expect("field is compared");
    let (protocols, stream) = (column("frame.protocols"), column("tcp.stream"));
    // TCP streams in which tshark decodes an application protocol.
    let application_streams: HashSet<&str> = tshark
        .iter()
        .filter(|row| known_prefix(&row[protocols]).1 && !row[stream].is_empty())
        .map(|row| row[stream].as_str())
        .collect();
    for (theirs, ours) in tshark.iter().zip(&ours) {
        let (prefix, has_application) = known_prefix(&theirs[protocols]);
        let in_application_stream =
            !theirs[stream].is_empty() && application_streams.contains(theirs[stream].as_str());
        for (index, field) in fields.iter().enumerate() {
            let (expected, actual) = (&theirs[index], &ours[index]);
            tally.values += 1;
            tally.present += usize::from(!expected.is_empty());
            let agrees = if COLUMNS.contains(field) && (has_application || in_application_stream) {
                // An application protocol rttscope does not decode yet rewrites these columns.
                true
            } else if *field == "frame.protocols" && (has_application || in_application_stream) {
                actual.strip_suffix(":data").unwrap_or(actual)
                    == prefix.strip_suffix(":data").unwrap_or(&prefix)
            } else if APPLICATION_DEPENDENT.contains(field) && (has_application || in_application_stream) {
                true
            } else {
                expected == actual
            };
            if !agrees {
                let (expected, actual) = (shorten(expected), shorten(actual));
                tally.mismatches.push(format!(
                    "{} frame {}: {field}: tshark {expected:?}, rttscope {actual:?}",
                    capture.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
                    theirs[column("frame.number")]
                ));
            }
        }
    }
    tally
}

/// Compares every capture in `captures`, prints a line per capture and a total, and returns
/// the differences found.
pub fn compare_all(captures: &[std::path::PathBuf]) -> Vec<String> {
    let fields = compared_fields();
    let mut mismatches = Vec::new();
    let (mut frames, mut values, mut present) = (0, 0, 0);
    for capture in captures {
        let tally = compare(capture, &fields);
        println!(
            "{}: {} frames, {} values present, {} differences",
            capture.display(),
            tally.frames,
            tally.present,
            tally.mismatches.len()
        );
        frames += tally.frames;
        values += tally.values;
        present += tally.present;
        mismatches.extend(tally.mismatches);
    }
    println!(
        "{} captures, {frames} frames, {} fields: {values} cells compared, {present} with a value, {} differences",
        captures.len(),
        fields.len(),
        mismatches.len()
    );
    mismatches
}
