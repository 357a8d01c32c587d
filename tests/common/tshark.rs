//! The differential comparison with `tshark -T fields`, shared by the tests that run it.
//!
//! Both tools are asked for the same field list; every column of every frame must be equal.
//! The text output's Protocol and Info columns (`_ws.col.*`) are compared too.
//!
//! A capture with a key log beside it (`NAME.keys`) is compared twice: without the key log,
//! and with it given to both tools.
//!
//! Two differences are expected and handled exactly:
//! - where tshark decodes an application protocol rttscope does not decode yet (QUIC, DNS...),
//!   rttscope shows the bytes as `data`. In those frames, and in the TCP streams that carry such
//!   a protocol, the `frame.protocols` lists must agree up to that protocol (rttscope's then
//!   ending in `data`), and the fields that depend on application decoding (`data.*`,
//!   `tcp.segment_data`) and the two columns are not compared;
//! - tshark's X.509 dissector adds a protocol name to `frame.protocols` for each certificate
//!   attribute and extension it decodes (`x509sat`, `x509ce`, `pkcs-1`); rttscope lists the same
//!   names (`tls::cert::protocols`), and they are compared like any other.
//!
//! One tshark misreading is accepted and counted, never silently: without keys, tshark takes a
//! TLS 1.2 encrypted Finished for plaintext when its ChangeCipherSpec is in the same frame, the
//! ciphertext does not start with five zero bytes (a CBC IV or a ChaCha20 record), and its
//! first four bytes happen to read like a handshake header (a known type, a length under 64K),
//! and its Info column then shows "[NAME Fragment]" (packet-tls.c leaves this as a TODO).
//! rttscope says "Encrypted Handshake Message"; `fixtures/crafted/` holds such a record.
//!
//! tshark 4.0 does not read DTLS 1.3's unified header; such datagrams (shown as data, or now
//! and then taken by one of its UDP heuristics) are compared below DTLS only, and counted
//! ([`Tally::dtls13_unread`], [`Tally::dtls13_heuristic`]); nor does it name a DTLS 1.3
//! hello's version or HelloRetryRequest in its columns ([`Tally::dtls13_hello`]).
//!
//! Issue 18: tshark 4.0.17 does not hand the DATA of an HTTP/2 stream opened by an extended
//! CONNECT for websocket (RFC 8441) to its WebSocket dissector: it shows the DATA as tunneled
//! data (`http2.data.data`) and stops; rttscope reads the WebSocket frames in it. In such a
//! frame ([`websocket_over_http2_added`]) rttscope's extra layers, their fields (tshark has
//! none: `websocket.*`, `data.*`, `text`) and the two columns are accepted, named and
//! counted; every other field, `http2.*` included, is compared.
//!
//! Issue 18: tshark 4.0 reads an AEAD SRTCP packet's E flag inside its authentication tag (see
//! `rttscope::dissect::rtp::srtcp_e_flag`). Where that bit is clear it takes the packet for
//! unencrypted and goes on past the first RTCP packet, reading the ciphertext as more RTCP
//! packets while a byte happens to be a packet type (192..=210), whatever values that gives,
//! often ending "[Malformed Packet]". rttscope reads the first packet as tshark does and stops
//! where the encryption starts. In such a frame ([`reads_srtcp_ciphertext`]) each `rtcp.*`
//! field must be rttscope's values followed by tshark's extra ones, and tshark's Info column
//! must start with rttscope's; every other field is compared ([`Tally::srtcp_ciphertext`]).
//!
//! Two QUIC limitations of tshark 4.0.17 are handled the same way, named and counted:
//! - it does not hand the STREAM data of 0-RTT packets to HTTP/3 (the ALPN that selects HTTP/3
//!   comes later, in EncryptedExtensions); rttscope reads the early request. In such a frame
//!   rttscope's extra `http3` layer, its HTTP/3 fields and frame names are accepted;
//! - it cannot follow two connections in the aioquic captures: after a Retry, aioquic sends a
//!   new ClientHello (RFC 9000 17.2.5.3 says it must not), which tshark takes for a
//!   retransmission, so it never finds the key log's secrets; and after a Version Negotiation
//!   it decrypts neither the reserved-version Initial nor the client's next one.
//!   [`TSHARK_CANNOT_FOLLOW`] lists those captures: only the fields below QUIC are compared
//!   there, and `tests/it/quic.rs` checks what rttscope reads in them.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;

use rttscope::osi::Protocol;
use rttscope::registry;

/// The protocols rttscope decodes, as they appear in `frame.protocols`: each protocol's name
/// and the names Wireshark gives parts of its header (`ethertype`, `ipv6.hopopts`), read from
/// the protocol table so a protocol declared there is compared without another edit.
pub fn known_protocols() -> impl Iterator<Item = &'static str> {
    Protocol::ALL.into_iter().flat_map(|protocol| {
        std::iter::once(protocol.filter_name()).chain(protocol.also_lists().iter().copied())
    })
}

fn is_known(name: &str) -> bool {
    known_protocols().any(|known| known == name)
}

/// Captures in which tshark cannot follow the QUIC connection (see the module notes).
/// `all-40ms.pcapng` holds both ends of an emulated link: quinn's 0-RTT connection reuses the
/// first connection's UDP 4-tuple while the first one's last short-header packets are still
/// crossing the link, and tshark gives those late copies to the newer connection (rttscope
/// finds their connection by their Destination Connection ID).
pub const TSHARK_CANNOT_FOLLOW: &[&str] =
    &["quic-retry-aioquic.pcap", "quic-vn-aioquic.pcap", "all-40ms.pcapng"];

/// Whether a field is read from QUIC or what it carries.
fn above_quic(field: &str) -> bool {
    ["quic.", "tls.", "http3.", "data.", "_ws.col."].iter().any(|prefix| field.starts_with(prefix))
        || field == "frame.protocols"
}

/// The text columns, compared like the fields.
const COLUMNS: &[&str] = &["_ws.col.Info", "_ws.col.Protocol"];

/// Fields whose value depends on decoding the application payload.
const APPLICATION_DEPENDENT: &[&str] = &[
    "data.data",
    "data.len",
    "tcp.segment_data",
    "tcp.segment",
    "tcp.segment.count",
    "tcp.reassembled.length",
];

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

/// TCP's own round-trip fields. They are compared like every registered field; these must
/// also have been seen with a value, so that their agreement is not that of empty columns.
pub const TCP_RTT_FIELDS: &[&str] = &[
    "tcp.analysis",
    "tcp.analysis.acks_frame",
    "tcp.analysis.ack_rtt",
    "tcp.analysis.initial_rtt",
    "tcp.analysis.bytes_in_flight",
    "tcp.analysis.push_bytes_sent",
];

/// Fields tshark prints differently by design: a real protocol's `-e` value is its tree label.
const NOT_COMPARED: &[&str] = &["mptcp"];

/// Fields rttscope names as Wireshark versions after 4.0 do: the HTTP/3 DATA payload and the
/// header lines read through QPACK, and DTLS 1.3's unified header, which tshark 4.0.17 does not
/// read. tshark has no such
/// field to compare with; `tests/it/quic.rs` and the QPACK unit tests check them instead, and
/// [`newer_fields_unknown_to_tshark`] keeps this list honest.
pub fn newer_than_tshark_4_0(name: &str) -> bool {
    name == "http3.data"
        || name == "http3.request.full_uri"
        || name == "http3.header.header.name"
        || name.starts_with("http3.headers.")
        // issue 18: DTLS 1.3's unified header and ACK, which tshark 4.0 does not read
        || name.starts_with("dtls.unified_header.")
        || name.starts_with("dtls.ack")
}

pub fn compared_fields() -> Vec<&'static str> {
    registry::fields()
        .map(|field| field.name)
        .filter(|name| !NOT_COMPARED.contains(name) && !newer_than_tshark_4_0(name))
        .collect()
}

/// The fields [`newer_than_tshark_4_0`] leaves out that the installed tshark knows (none, with
/// tshark 4.0).
pub fn newer_fields_unknown_to_tshark() -> Vec<&'static str> {
    let output = Command::new("tshark").args(["-G", "fields"]).output().expect("tshark runs");
    let text = super::stdout(&output);
    let known: HashSet<&str> = text.lines().filter_map(|line| line.split('\t').nth(2)).collect();
    registry::fields()
        .map(|field| field.name)
        .filter(|name| newer_than_tshark_4_0(name) && known.contains(name))
        .collect()
}

fn run_fields(
    program: &str,
    first_args: &[&str],
    capture: &Path,
    last_args: &[String],
    fields: &[&str],
) -> Vec<Vec<String>> {
    let mut command = Command::new(program);
    // Absolute times are compared in UTC, the zone rttscope prints them in.
    command.env("TZ", "UTC").args(first_args).arg(capture).args(last_args).args(["-T", "fields"]);
    for field in fields {
        command.args(["-e", field]);
    }
    let output = command.output().unwrap_or_else(|error| panic!("{program} runs: {error}"));
    assert!(output.status.success(), "{program} failed on {}: {}", capture.display(), super::stderr(&output));
    super::stdout(&output).lines().map(|line| line.split('\t').map(str::to_owned).collect()).collect()
}

/// The part of a `frame.protocols` list rttscope is expected to reproduce.
fn known_prefix(protocols: &str) -> (String, bool) {
    let names: Vec<&str> = protocols.split(':').filter(|name| !name.is_empty()).collect();
    let known = names.iter().take_while(|name| is_known(name) || certificate_part(name)).count();
    (names[..known].join(":"), known < names.len())
}

/// The protocols tshark lists for the inside of a certificate (X.509 and PKCS #1 ASN.1
/// modules): part of TLS's Certificate message, which rttscope lists too.
fn certificate_part(name: &str) -> bool {
    matches!(name, "x509sat" | "x509ce" | "pkcs-1")
}

/// Whether `field` belongs to a protocol tshark decodes inside one rttscope does not decode
/// yet (TLS inside QUIC, say): such fields are for the issue that decodes the outer one.
fn inside_unknown(protocols: &str, field: &str) -> bool {
    let names: Vec<&str> = protocols.split(':').filter(|name| !name.is_empty()).collect();
    let known = names.iter().take_while(|name| is_known(name) || certificate_part(name)).count();
    let protocol = field.split('.').next().unwrap_or(field);
    names[known..].contains(&protocol)
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
    /// The same, per field.
    pub present_by_field: HashMap<String, usize>,
    pub mismatches: Vec<String>,
    /// Encrypted Finished messages tshark took for plaintext (see the module notes).
    pub misread_finished: usize,
    /// 0-RTT frames whose HTTP/3 tshark does not read.
    pub early_http3: usize,
    /// SSH frames whose encrypted packets tshark hides after an ECDH key exchange.
    pub ssh_hidden: usize,
    /// Issue 16: SSH frames whose group exchange messages tshark 4.0 numbers one higher.
    pub ssh_gex_sequence: usize,
    /// Issue 18: SRTP frames tshark reads only with its RTP heuristic on.
    pub srtp_heuristic: usize,
    /// Issue 18: DTLS 1.3 datagrams of unified-header records, which tshark 4.0 shows as data.
    pub dtls13_unread: usize,
    /// Of those, the layers tshark showed where one of its heuristics read the ciphertext.
    pub dtls13_heuristic: Vec<String>,
    /// Issue 18: DTLS 1.3 hellos whose version and HelloRetryRequest tshark 4.0 does not name.
    pub dtls13_hello: usize,
    /// Issue 18: frames whose WebSocket over HTTP/2 tshark does not read.
    pub websocket_over_http2: usize,
    /// Issue 18: SRTCP frames whose ciphertext tshark reads as more RTCP packets.
    pub srtcp_ciphertext: usize,
}

impl Tally {
    /// How many values tshark reported for `field`.
    pub fn seen(&self, field: &str) -> usize {
        self.present_by_field.get(field).copied().unwrap_or(0)
    }

    /// Asserts that rttscope agreed with tshark on every value compared; `what` says which
    /// comparison failed, and the first 40 differences follow.
    pub fn assert_agrees(&self, what: impl std::fmt::Display) {
        assert!(
            self.mismatches.is_empty(),
            "{what}: {} differences from tshark:\n{}",
            self.mismatches.len(),
            self.mismatches[..self.mismatches.len().min(40)].join("\n")
        );
    }
}

/// Issue 18: tshark 4.0 does not take a DTLS session's version from the hellos'
/// supported_versions, nor tell a DTLS HelloRetryRequest from a ServerHello: in the plaintext
/// frames of a DTLS 1.3 handshake its Protocol column says DTLSv1.2 (the records' version) and
/// its Info "Server Hello", where rttscope says DTLSv1.3 and "Hello Retry Request" as
/// Wireshark 4.2 does. Whether a frame's columns differ in exactly that way.
fn dtls13_hello_columns(theirs: (&str, &str), ours: (&str, &str)) -> bool {
    theirs.0 == "DTLSv1.2"
        && ours.0 == "DTLSv1.3"
        && theirs.1 == ours.1.replace("Hello Retry Request", "Server Hello")
}

/// Issue 18: tshark 4.0 has no DTLS 1.3 unified header (Wireshark reads it from 4.2 on): it
/// shows a datagram of such records as UDP data, where rttscope reads DTLSv1.3; now and then
/// (a few in ten thousand datagrams) one of its UDP heuristics takes the ciphertext for its
/// own protocol instead (R-GOOSE's, seen in a fresh recording). Whether a frame is such:
/// rttscope's Protocol column says DTLSv1.3, tshark's layers are rttscope's below DTLS, ending
/// `udp`, followed by anything but DTLS; and what tshark read there instead ("data", or a
/// heuristic's layers). In such a frame the layers below DTLS are compared as usual, and only
/// they.
fn dtls13_unread<'a>(theirs: &'a str, ours: &str, our_protocol: &str) -> Option<&'a str> {
    if our_protocol != "DTLSv1.3" {
        return None;
    }
    let at = theirs.rmatch_indices(":udp:").next().map(|(at, _)| at + ":udp".len())?;
    let (below, instead) = (&theirs[..at], &theirs[at + 1..]);
    let dtls = ours.strip_prefix(below).is_some_and(|rest| rest.starts_with(":dtls"));
    (dtls && !instead.starts_with("dtls")).then_some(instead)
}

/// Whether tshark read more RTCP packets in an SRTCP frame than rttscope's one, and rttscope's
/// first packet is tshark's first (see the module notes): rttscope's Protocol column says
/// SRTCP, and its `rtcp.version` values are a shorter prefix of tshark's.
fn reads_srtcp_ciphertext(theirs_version: &str, ours_version: &str, our_protocol: &str) -> bool {
    our_protocol == "SRTCP"
        && !ours_version.is_empty()
        && values_extended(ours_version, theirs_version)
        && theirs_version.len() > ours_version.len()
}

/// Whether the comma-separated values of `longer` start with all those of `shorter`.
fn values_extended(shorter: &str, longer: &str) -> bool {
    shorter.is_empty()
        || longer == shorter
        || longer.strip_prefix(shorter).is_some_and(|rest| rest.starts_with(','))
}

/// In a [`dtls13_unread`] frame, whether a field is of a layer tshark read below DTLS.
fn below_dtls13(theirs_protocols: &str, instead: &str, field: &str) -> bool {
    let protocol = field.split('.').next().unwrap_or(field);
    let below = theirs_protocols.strip_suffix(instead).unwrap_or(theirs_protocols);
    below.split(':').any(|name| name == protocol) && !COLUMNS.contains(&field) && field != "frame.protocols"
}

/// Issue 18: whether rttscope's layers are tshark's, ending in `http2`, with only WebSocket
/// layers and what they carry (`data`, `data-text-lines`) added, each run of them right after
/// an `http2` layer: the WebSocket frames of an extended CONNECT stream's DATA, which tshark
/// 4.0 leaves as tunneled data.
pub fn websocket_over_http2_added(theirs: &str, ours: &str) -> bool {
    let mut kept = Vec::new();
    let (mut any, mut dropped, mut previous) = (false, false, "");
    for name in ours.split(':') {
        dropped = match name {
            "websocket" => previous == "http2" || dropped,
            "data" | "data-text-lines" => dropped,
            _ => false,
        };
        if dropped {
            any = true;
        } else {
            kept.push(name);
        }
        previous = name;
    }
    any && theirs.ends_with(":http2") && kept.join(":") == theirs
}

/// The fields only rttscope's WebSocket-over-HTTP/2 layers give.
fn websocket_layer_field(field: &str) -> bool {
    field.starts_with("websocket.") || field.starts_with("data.") || field == "text"
}

/// Issue 18: tshark 4.0's RTP-over-UDP heuristic is off by default, so on a WebRTC flow it
/// leaves SRTP as data where rttscope's RFC 7983 demultiplexer reads its header. Whether a
/// frame is such: tshark's layers end `udp:data`, rttscope's `udp:rtp`, the same before. In such
/// a frame every field is compared with tshark run with `--enable-heuristic rtp_udp`.
fn only_rtp_added(theirs: &str, ours: &str) -> bool {
    theirs.strip_suffix(":udp:data").is_some_and(|prefix| ours.strip_suffix(":udp:rtp") == Some(prefix))
}

/// Issue 18: after an ECDH or curve25519 key exchange, tshark 4.0 sets up SSH decryption even
/// with no key log, "decrypts" with keys it does not have and shows nothing of the encrypted
/// packets: no `ssh.encrypted_packet`, no `ssh.packet_length_encrypted`, and its Info column
/// leaves their items out ("Client: "). rttscope shows them, sized, as tshark does after a
/// Diffie-Hellman exchange. Whether tshark's Info is rttscope's without those items.
fn hides_ssh_encrypted(theirs: &str, ours: &str) -> bool {
    const ITEM: &str = "Encrypted packet (len=";
    let Some((side, items)) = ours.split_once(": ") else { return false };
    if !items.contains(ITEM) {
        return false;
    }
    let kept: Vec<&str> = items.split(", ").filter(|item| !item.starts_with(ITEM)).collect();
    theirs == format!("{side}: {}", kept.join(", "))
}

/// Issue 16: tshark 4.0 adds one to a direction's count before it numbers a Diffie-Hellman
/// group exchange message (codes 31 to 34), so its `ssh.seq_num` of each is rttscope's (RFC
/// 4253 6.4's) plus one; it numbers the other messages alike. Whether tshark's `expected`
/// values are rttscope's `actual` so miscounted, message by message (`codes`: the frame's
/// `ssh.message_code` values, one a packet).
fn gex_miscounted(expected: &str, actual: &str, codes: &str) -> bool {
    let numbers =
        |text: &str| -> Vec<u64> { text.split(',').filter_map(|value| value.parse().ok()).collect() };
    let (theirs, ours, codes) = (numbers(expected), numbers(actual), numbers(codes));
    theirs.len() == ours.len()
        && theirs.len() == codes.len()
        && theirs
            .iter()
            .zip(&ours)
            .zip(&codes)
            .all(|((their, our), code)| their == our || ((31..=34).contains(code) && *their == our + 1))
}

/// The fields tshark leaves out with the encrypted packets it hides.
const SSH_HIDDEN_FIELDS: &[&str] = &["ssh.encrypted_packet", "ssh.packet_length_encrypted", "_ws.col.Info"];

/// Whether tshark's Info column differs from rttscope's only by an encrypted Finished after a
/// ChangeCipherSpec shown as the fragment of a plaintext message.
fn misreads_encrypted_finished(theirs: &str, ours: &str) -> bool {
    const OURS: &str = "Change Cipher Spec, Encrypted Handshake Message";
    let Some(at) = ours.find(OURS) else { return false };
    let (before, after) = (&ours[..at], &ours[at + OURS.len()..]);
    theirs
        .strip_prefix(before)
        .and_then(|rest| rest.strip_suffix(after))
        .and_then(|rest| rest.strip_prefix("Change Cipher Spec, ["))
        .and_then(|rest| rest.strip_suffix(" Fragment]"))
        .is_some_and(|name| !name.is_empty() && name != "Encrypted Handshake Message")
}

/// The key log recorded beside a capture, if there is one.
pub fn key_log_of(capture: &Path) -> Option<std::path::PathBuf> {
    let keys = capture.with_extension("keys");
    keys.exists().then_some(keys)
}

/// Compares one capture, with `keylog` given to both tools if there is one.
pub fn compare(capture: &Path, keylog: Option<&Path>, fields: &[&str]) -> Tally {
    compare_decoded(capture, keylog, &[], fields)
}

/// [`compare`], with each of `decode_as` (`udp.port==9001,quic`) given to tshark as `-d` and
/// to rttscope as `--decode-as`.
pub fn compare_decoded(capture: &Path, keylog: Option<&Path>, decode_as: &[&str], fields: &[&str]) -> Tally {
    let (mut tshark_args, mut our_args) = match keylog {
        Some(keys) => (
            vec!["-o".to_owned(), format!("tls.keylog_file:{}", keys.display())],
            vec!["--keylog".to_owned(), keys.display().to_string()],
        ),
        None => (Vec::new(), Vec::new()),
    };
    for entry in decode_as {
        tshark_args.extend(["-d".to_owned(), (*entry).to_owned()]);
        our_args.extend(["--decode-as".to_owned(), (*entry).to_owned()]);
    }
    let tshark = run_fields("tshark", &["-n", "-r"], capture, &tshark_args, fields);
    let binary = env!("CARGO_BIN_EXE_rttscope");
    let ours = run_fields(binary, &["dissect"], capture, &our_args, fields);
    let label = match keylog {
        Some(_) => {
            format!("{} (key log)", capture.file_name().map(|n| n.to_string_lossy()).unwrap_or_default())
        }
        None => capture.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
    };
    let mut tally = Tally { frames: tshark.len(), ..Tally::default() };
    if tshark.len() != ours.len() {
        tally.mismatches.push(format!("{} frames from tshark, {} from rttscope", tshark.len(), ours.len()));
        return tally;
    }
    let column = |name: &str| fields.iter().position(|field| *field == name).expect("field is compared");
    let (protocols, stream) = (column("frame.protocols"), column("tcp.stream"));
    let cannot_follow = capture
        .file_name()
        .is_some_and(|name| TSHARK_CANNOT_FOLLOW.contains(&name.to_string_lossy().as_ref()));
    // TCP streams in which tshark decodes an application protocol.
    let application_streams: HashSet<&str> = tshark
        .iter()
        .filter(|row| known_prefix(&row[protocols]).1 && !row[stream].is_empty())
        .map(|row| row[stream].as_str())
        .collect();
    // HTTP/3 that tshark reads only in two passes: 0-RTT requests, and a server's 0.5-RTT
    // streams in the datagram that carries its handshake. Where rttscope shows HTTP/3 that
    // tshark's single pass does not, tshark's second pass is the reference for those frames.
    let only_http3_added = |theirs: &[String], ours: &[String]| {
        let mut rest = ours[protocols].as_str();
        let mut added = 0;
        while let Some(shorter) = rest.strip_suffix(":http3") {
            rest = shorter;
            added += 1;
        }
        added > 0 && rest == known_prefix(&theirs[protocols]).0
    };
    let two_pass: Vec<Vec<String>> =
        if tshark.iter().zip(&ours).any(|(theirs, ours)| only_http3_added(theirs, ours)) {
            let mut two_pass_args = vec!["-2".to_owned()];
            two_pass_args.extend(tshark_args.iter().cloned());
            run_fields("tshark", &["-n", "-r"], capture, &two_pass_args, fields)
        } else {
            Vec::new()
        };
    let rtp_pass: Vec<Vec<String>> = if tshark
        .iter()
        .zip(&ours)
        .any(|(theirs, ours)| only_rtp_added(&theirs[protocols], &ours[protocols]))
    {
        let mut rtp_args = vec!["--enable-heuristic".to_owned(), "rtp_udp".to_owned()];
        rtp_args.extend(tshark_args.iter().cloned());
        run_fields("tshark", &["-n", "-r"], capture, &rtp_args, fields)
    } else {
        Vec::new()
    };
    for (row, (theirs, ours)) in tshark.iter().zip(&ours).enumerate() {
        let with_rtp = rtp_pass.get(row).filter(|_| only_rtp_added(&theirs[protocols], &ours[protocols]));
        if let Some(with_rtp) = with_rtp {
            tally.srtp_heuristic += 1;
            for (index, field) in fields.iter().enumerate() {
                tally.values += 1;
                if with_rtp[index] != ours[index] {
                    let (expected, actual) = (shorten(&with_rtp[index]), shorten(&ours[index]));
                    tally.mismatches.push(format!(
                        "{label} frame {} (tshark with rtp_udp): {field}: tshark {expected:?}, rttscope {actual:?}",
                        theirs[column("frame.number")]
                    ));
                }
            }
            continue;
        }
        let second = two_pass.get(row).filter(|_| only_http3_added(theirs, ours));
        let early_http3 = second.is_some_and(|second| known_prefix(&second[protocols]).0 == ours[protocols]);
        tally.early_http3 += usize::from(early_http3);
        let info = column("_ws.col.Info");
        let ssh_hidden = keylog.is_none() && hides_ssh_encrypted(&theirs[info], &ours[info]);
        tally.ssh_hidden += usize::from(ssh_hidden);
        let websocket_over_http2 = websocket_over_http2_added(&theirs[protocols], &ours[protocols]);
        tally.websocket_over_http2 += usize::from(websocket_over_http2);
        let (prefix, has_application) = known_prefix(&theirs[protocols]);
        let dtls13 = dtls13_unread(&theirs[protocols], &ours[protocols], &ours[column("_ws.col.Protocol")]);
        tally.dtls13_unread += usize::from(dtls13.is_some());
        if let Some(heuristic) = dtls13.filter(|instead| *instead != "data") {
            tally.dtls13_heuristic.push(heuristic.to_owned());
        }
        let (protocol_column, info_column) = (column("_ws.col.Protocol"), column("_ws.col.Info"));
        let dtls13_hello = dtls13_hello_columns(
            (&theirs[protocol_column], &theirs[info_column]),
            (&ours[protocol_column], &ours[info_column]),
        );
        tally.dtls13_hello += usize::from(dtls13_hello);
        let in_application_stream =
            !theirs[stream].is_empty() && application_streams.contains(theirs[stream].as_str());
        let rtcp_version = column("rtcp.version");
        let srtcp_ciphertext =
            reads_srtcp_ciphertext(&theirs[rtcp_version], &ours[rtcp_version], &ours[protocol_column]);
        tally.srtcp_ciphertext += usize::from(srtcp_ciphertext);
        for (index, field) in fields.iter().enumerate() {
            let (expected, actual) = (&theirs[index], &ours[index]);
            tally.values += 1;
            if !expected.is_empty() {
                tally.present += 1;
                *tally.present_by_field.entry((*field).to_owned()).or_default() += 1;
            }
            // What only rttscope's WebSocket-over-HTTP/2 layers show (see the module notes).
            let websocket_only = websocket_over_http2
                && (COLUMNS.contains(field)
                    || *field == "frame.protocols"
                    || (websocket_layer_field(field) && expected.is_empty()));
            let agrees = if (cannot_follow && above_quic(field))
                || (dtls13_hello && COLUMNS.contains(field))
                || websocket_only
            {
                true
            } else if srtcp_ciphertext && field.starts_with("rtcp.") {
                values_extended(actual, expected)
            } else if srtcp_ciphertext && *field == "_ws.col.Info" {
                expected.starts_with(actual.as_str())
            } else if let Some(instead) = dtls13 {
                !below_dtls13(&theirs[protocols], instead, field) || expected == actual
            } else if *field == "ssh.seq_num" && expected != actual {
                let miscounted = gex_miscounted(expected, actual, &theirs[column("ssh.message_code")]);
                tally.ssh_gex_sequence += usize::from(miscounted);
                miscounted
            } else if ssh_hidden && SSH_HIDDEN_FIELDS.contains(field) && expected != actual {
                *field == "_ws.col.Info" || expected.is_empty()
            } else if let Some(second) = second.filter(|_| early_http3 && field.starts_with("http3.")) {
                second[index] == *actual
            } else if early_http3 && matches!(*field, "frame.protocols" | "_ws.col.Protocol") {
                true
            } else if let Some(second) = second.filter(|_| early_http3 && *field == "_ws.col.Info") {
                second[index] == *actual
            } else if inside_unknown(&theirs[protocols], field) {
                true
            } else if COLUMNS.contains(field) && (has_application || in_application_stream) {
                // An application protocol rttscope does not decode yet rewrites these columns.
                true
            } else if *field == "frame.protocols" && (has_application || in_application_stream) {
                actual.strip_suffix(":data").unwrap_or(actual)
                    == prefix.strip_suffix(":data").unwrap_or(&prefix)
            } else if *field == "frame.protocols" {
                *actual == prefix
            } else if APPLICATION_DEPENDENT.contains(field) && (has_application || in_application_stream) {
                true
            } else if *field == "_ws.col.Info"
                && keylog.is_none()
                && misreads_encrypted_finished(expected, actual)
            {
                tally.misread_finished += 1;
                true
            } else {
                expected == actual
            };
            if !agrees {
                let (expected, actual) = (shorten(expected), shorten(actual));
                tally.mismatches.push(format!(
                    "{label} frame {}: {field}: tshark {expected:?}, rttscope {actual:?}",
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
    compare_all_counting(captures).0
}

/// [`compare_all`], also returning how many values tshark reported for each field.
pub fn compare_all_counting(captures: &[std::path::PathBuf]) -> (Vec<String>, HashMap<String, usize>) {
    let fields = compared_fields();
    let mut present_by_field: HashMap<String, usize> = HashMap::new();
    let mut mismatches = Vec::new();
    let (mut frames, mut values, mut present) = (0, 0, 0);
    let (mut runs, mut misread) = (0, 0);
    for capture in captures {
        let keylog = key_log_of(capture);
        for keys in std::iter::once(None).chain(keylog.as_deref().map(Some)) {
            let tally = compare(capture, keys, &fields);
            let mut notes = String::new();
            if tally.misread_finished > 0 {
                notes += &format!(
                    " ({} encrypted Finished that tshark misreads as plaintext)",
                    tally.misread_finished
                );
            }
            if tally.early_http3 > 0 {
                notes +=
                    &format!(" ({} frames whose HTTP/3 tshark reads only in two passes)", tally.early_http3);
            }
            if tally.ssh_gex_sequence > 0 {
                notes += &format!(
                    " ({} SSH frames whose group exchange messages tshark numbers one higher)",
                    tally.ssh_gex_sequence
                );
            }
            if tally.ssh_hidden > 0 {
                notes += &format!(
                    " ({} SSH frames whose encrypted packets tshark hides after an ECDH exchange)",
                    tally.ssh_hidden
                );
            }
            if tally.srtp_heuristic > 0 {
                notes += &format!(
                    " ({} SRTP frames tshark reads only with its rtp_udp heuristic on)",
                    tally.srtp_heuristic
                );
            }
            if tally.dtls13_unread > 0 {
                notes += &format!(
                    " ({} DTLS 1.3 datagrams tshark 4.0 shows as data: layers below DTLS only)",
                    tally.dtls13_unread
                );
            }
            if !tally.dtls13_heuristic.is_empty() {
                notes += &format!(
                    " (of them, tshark's heuristics read as other protocols: {})",
                    tally.dtls13_heuristic.join(", ")
                );
            }
            if tally.dtls13_hello > 0 {
                notes += &format!(
                    " ({} DTLS 1.3 hellos tshark 4.0 calls DTLSv1.2, a HelloRetryRequest a Server Hello)",
                    tally.dtls13_hello
                );
            }
            if tally.websocket_over_http2 > 0 {
                notes += &format!(
                    " ({} frames whose WebSocket over HTTP/2 tshark 4.0 leaves as tunneled data)",
                    tally.websocket_over_http2
                );
            }
            if tally.srtcp_ciphertext > 0 {
                notes += &format!(
                    " ({} SRTCP frames whose ciphertext tshark 4.0 reads as more RTCP packets)",
                    tally.srtcp_ciphertext
                );
            }
            if TSHARK_CANNOT_FOLLOW.iter().any(|name| capture.ends_with(name)) {
                notes += " (tshark cannot follow this QUIC connection: fields below QUIC only)";
            }
            println!(
                "{}{}: {} frames, {} values present, {} differences{notes}",
                capture.display(),
                if keys.is_some() { " with its key log" } else { "" },
                tally.frames,
                tally.present,
                tally.mismatches.len(),
            );
            misread += tally.misread_finished;
            runs += 1;
            frames += tally.frames;
            values += tally.values;
            present += tally.present;
            for (field, count) in tally.present_by_field {
                *present_by_field.entry(field).or_default() += count;
            }
            mismatches.extend(tally.mismatches);
        }
    }
    println!(
        "{} captures ({runs} runs), {frames} frames, {} fields: {values} cells compared, {present} with a value, {} differences, {misread} encrypted Finished misread by tshark",
        captures.len(),
        fields.len(),
        mismatches.len()
    );
    for field in TCP_RTT_FIELDS {
        println!("{field}: {} values", present_by_field.get(*field).copied().unwrap_or(0));
    }
    (mismatches, present_by_field)
}
