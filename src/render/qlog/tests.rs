//! The builder and writer on a QUIC capture recorded from real peers (aioquic, HTTP/3), with
//! its key log: the trace, then both shapes checked line by line.

use std::path::Path;

use serde_json::Value;

use super::*;
use crate::capture::CaptureFile;
use crate::track::keylog::KeyLog;
use crate::track::{Scratch, Tracker};

/// A builder that read interop capture `name`, decrypted with its key log or not.
fn builder_of(name: &str, with_keys: bool) -> Builder {
    let interop = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/interop");
    let capture = CaptureFile::open(&interop.join(format!("{name}.pcap"))).expect("capture");
    let mut keylog = KeyLog::new();
    if with_keys {
        keylog.add_text(&std::fs::read(interop.join(format!("{name}.keys"))).expect("keys"));
    }
    let mut tracker = Tracker::with_keylog(keylog);
    let mut builder = Builder::new(&capture.interface_names());
    for frame in capture.frames() {
        let frame = frame.expect("frame");
        let mut scratch = Scratch::new();
        let packet = tracker.handle_frame(&frame, &mut scratch);
        builder.handle(&frame, &packet);
    }
    builder
}

/// The traces of interop capture `name`, decrypted with its key log or not.
fn traces_of(name: &str, with_keys: bool) -> (Vec<Trace>, i64) {
    let builder = builder_of(name, with_keys);
    let first_ns = builder.first_ns.expect("a first frame");
    (builder.finish(), first_ns)
}

/// The traces of the HTTP/3 capture.
fn traces(with_keys: bool) -> (Vec<Trace>, i64) {
    traces_of("quic-h3-aioquic", with_keys)
}

fn packets(trace: &Trace) -> impl Iterator<Item = &PacketEvent> {
    trace.events.iter().filter_map(|event| match event {
        Event::Packet(packet) => Some(packet),
        _ => None,
    })
}

#[test]
fn a_decrypted_connection_is_one_trace_of_its_packets_frames_and_parameters() {
    let (traces, _) = traces(true);
    assert_eq!(traces.len(), 1);
    let trace = &traces[0];
    let first = packets(trace).next().expect("a packet");
    assert!(first.from_client && first.kind == Kind::Initial && first.packet_number == Some(0));
    assert_eq!(trace.original_dcid.as_ref(), Some(&first.dcid));
    // Packet numbers rise in each space and direction: none is lost or logged twice.
    let mut last: FxHashMap<(bool, &'static str), u64> = FxHashMap::default();
    for packet in packets(trace) {
        let space = match packet.kind {
            Kind::Initial => "initial",
            Kind::Handshake => "handshake",
            _ => "application",
        };
        let number = packet.packet_number.expect("every packet decrypted has its number");
        if let Some(previous) = last.insert((packet.from_client, space), number) {
            assert!(number > previous, "{space} {number} after {previous}");
        }
        assert!(packet.frames.as_ref().is_some_and(|frames| !frames.is_empty()), "frames read");
    }
    let frames: Vec<&QuicFrame> = packets(trace).flat_map(|packet| packet.frames.iter().flatten()).collect();
    assert!(
        frames.iter().any(|frame| matches!(frame, QuicFrame::Crypto { offset: 0, length } if *length > 0))
    );
    assert!(frames.iter().any(|frame| matches!(frame, QuicFrame::Ack { ranges, .. } if !ranges.is_empty())));
    assert!(frames.iter().any(|frame| matches!(frame, QuicFrame::Stream { stream_id: 0, .. })));
    let sides: Vec<bool> = trace
        .events
        .iter()
        .filter_map(|event| match event {
            Event::Parameters { from_client, parameters, .. } => {
                assert!(parameters.known.iter().any(|(name, _)| *name == "initial_max_data"));
                Some(*from_client)
            }
            _ => None,
        })
        .collect();
    assert_eq!(sides, [true, false], "the ClientHello's, then the EncryptedExtensions'");
}

#[test]
fn without_keys_packets_keep_their_headers_and_no_frames() {
    let (traces, _) = traces(false);
    let trace = &traces[0];
    let initial = packets(trace).next().expect("a packet");
    // Initial keys come from the connection ID: the client's Initial still decrypts.
    assert!(initial.frames.is_some());
    assert!(packets(trace).any(|packet| packet.kind == Kind::Short && packet.frames.is_none()));
}

#[test]
fn the_round_trip_follows_the_clients_reply_to_the_servers_first_packet() {
    let (mut traces, _) = traces(true);
    let trace = &mut traces[0];
    trace.set_rtt(12.5);
    let at = trace.events.iter().position(|event| matches!(event, Event::Rtt { .. })).expect("rtt");
    let server_first = trace
        .events
        .iter()
        .position(|event| matches!(event, Event::Packet(packet) if !packet.from_client))
        .expect("a server packet");
    assert!(at > server_first);
    assert!(matches!(&trace.events[at - 1], Event::Packet(packet) if packet.from_client));
}

/// The records of a JSON-SEQ text: each starts with RS and is one JSON text.
fn records(text: &[u8]) -> Vec<Value> {
    assert_eq!(text.first(), Some(&write::RS), "the first record starts with RS");
    text.split(|byte| *byte == write::RS)
        .skip(1)
        .map(|record| {
            assert!(record.ends_with(b"\n"), "each record ends with a line feed");
            serde_json::from_slice(record).expect("each record is JSON")
        })
        .collect()
}

#[test]
fn json_seq_is_a_qlog_0_3_header_then_events_quiches_reader_accepts() {
    let (mut traces, first_ns) = traces(true);
    traces[0].set_rtt(12.5);
    let mut out = Vec::new();
    let mut writer = Writer::new(Shape::Seq03, "test".into());
    writer.trace(&mut out, &traces[0], first_ns).expect("write");
    assert_eq!(writer.end(&mut out, first_ns).expect("end"), 1);
    let records = records(&out);
    let header = &records[0];
    assert_eq!(header["qlog_version"], "0.3");
    assert_eq!(header["qlog_format"], "JSON-SEQ");
    assert_eq!(header["trace"]["vantage_point"]["type"], "network");
    assert_eq!(header["trace"]["vantage_point"]["flow"], "client");
    let group_id = write::hex(traces[0].original_dcid.as_deref().expect("dcid"));
    let mut names = FxHashMap::default();
    for event in &records[1..] {
        assert!(event["time"].as_f64().is_some_and(|time| time >= 0.0), "{event}");
        assert_eq!(event["group_id"], group_id.as_str());
        *names.entry(event["name"].as_str().expect("name").to_owned()).or_insert(0) += 1;
        let parsed: qlog::events::Event = serde_json::from_value(event.clone()).expect("a qlog 0.3 event");
        if let qlog::events::EventData::PacketSent(sent) = parsed.data {
            assert!(sent.header.packet_number.is_some());
        }
    }
    assert_eq!(names.get("transport:parameters_set"), Some(&2));
    assert_eq!(names.get("recovery:metrics_updated"), Some(&1));
    let packets = packets(&traces[0]).count();
    assert_eq!(names["transport:packet_sent"] + names["transport:packet_received"], packets);
    // quiche's qlog crate reads the header as a QlogSeq.
    let header: qlog::QlogSeq = serde_json::from_value(header.clone()).expect("a QlogSeq header");
    assert_eq!(header.qlog_version, "0.3");
}

#[test]
fn the_draft_shape_is_one_json_file_of_traces_with_quic_events() {
    let (traces, first_ns) = traces(true);
    let mut out = Vec::new();
    let mut writer = Writer::new(Shape::Draft, "test".into());
    writer.trace(&mut out, &traces[0], first_ns).expect("write");
    writer.trace(&mut out, &traces[0], first_ns).expect("write twice");
    writer.end(&mut out, first_ns).expect("end");
    let file: Value = serde_json::from_slice(&out).expect("one JSON text");
    assert_eq!(file["file_schema"], "urn:ietf:params:qlog:file:contained");
    assert_eq!(file["serialization_format"], "application/qlog+json");
    let traces_json = file["traces"].as_array().expect("traces");
    assert_eq!(traces_json.len(), 2);
    let trace = &traces_json[0];
    assert_eq!(trace["event_schemas"][0], write::QUIC_EVENTS_SCHEMA);
    assert_eq!(trace["common_fields"]["reference_time"]["clock_type"], "system");
    let events = trace["events"].as_array().expect("events");
    assert_eq!(events[0]["name"], "quic:packet_sent");
    assert_eq!(events[0]["time"], 0.0);
    let header = &events[0]["data"]["header"];
    assert_eq!(header["packet_type"], "initial");
    assert_eq!(header["packet_number"], 0);
    assert!(events.iter().all(|event| event["name"].as_str().is_some_and(|name| name.starts_with("quic:"))));
    let crypto = events[0]["data"]["frames"]
        .as_array()
        .and_then(|frames| frames.iter().find(|frame| frame["frame_type"] == "crypto"))
        .expect("the ClientHello's CRYPTO frame");
    assert!(crypto["raw"]["length"].as_u64().is_some_and(|length| length > 0));
}

#[test]
fn an_empty_document_is_still_whole() {
    let mut out = Vec::new();
    Writer::new(Shape::Draft, "none".into()).end(&mut out, 0).expect("end");
    let file: Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(file["traces"], Value::Array(Vec::new()));
    let mut out = Vec::new();
    Writer::new(Shape::Seq03, "none".into()).end(&mut out, 0).expect("end");
    assert_eq!(records(&out).len(), 1, "the header alone");
}

#[test]
fn the_initial_that_forced_a_version_negotiation_opens_the_trace_of_the_connection_it_led_to() {
    let (traces, _) = traces_of("quic-vn-aioquic", true);
    assert_eq!(traces.len(), 1);
    let mut packets = packets(&traces[0]);
    // The client's first Initial, in a version reserved to force the negotiation: its header
    // only, no packet number and no frames.
    let forcing = packets.next().expect("a packet");
    assert!(forcing.from_client && forcing.version == 0x1a2a_3a4a, "{forcing:?}");
    assert_eq!((forcing.packet_number, forcing.frames.as_ref()), (None, None));
    let negotiation = packets.next().expect("the negotiation");
    assert_eq!(negotiation.kind, Kind::VersionNegotiation);
    assert_eq!(negotiation.scid.as_ref(), Some(&forcing.dcid), "it answers the forcing Initial");
    assert!(!negotiation.from_client);
    assert!(negotiation.supported_versions.contains(&1), "{:x?}", negotiation.supported_versions);
    let initial = packets.next().expect("the Initial after it");
    assert!(initial.from_client && initial.kind == Kind::Initial);
    // The client's new Initial goes to the connection ID the negotiation came from.
    assert_eq!(Some(&initial.dcid), negotiation.scid.as_ref());
    assert!(traces[0].has_frame(negotiation.frame));
}

#[test]
fn a_trace_is_taken_by_any_of_its_frames_once() {
    let mut builder = builder_of("quic-h3-aioquic", true);
    assert!(builder.take_with_frame(1).is_none(), "frame 1 is ARP, in no trace");
    let trace = builder.take_with_frame(9).expect("frame 9 is QUIC");
    assert!(trace.has_frame(3) && trace.has_frame(9));
    assert!(builder.take_with_frame(3).is_none(), "taken already");
    assert!(builder.finish().is_empty());
}
