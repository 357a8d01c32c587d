//! Writing traces in one of two qlog shapes, a trace at a time.
//!
//! - [`Shape::Seq03`]: JSON-SEQ (RFC 7464: each record starts with the RS byte, 0x1E, and ends
//!   with a line feed) with `qlog_version` "0.3" and `qlog_format` "JSON-SEQ", the shape qvis
//!   loads and quinn writes. A JSON-SEQ file holds one trace, so every connection's events
//!   share it, each carrying its connection's `group_id` (the client's first destination
//!   connection ID, as quinn logs it); times are milliseconds since the capture's first
//!   packet, the header's `reference_time`.
//! - [`Shape::Draft`]: draft-ietf-quic-qlog-main-schema-14's QlogFile (`file_schema`
//!   `urn:ietf:params:qlog:file:contained`, `serialization_format` `application/qlog+json`),
//!   one trace per connection, its events named as draft-ietf-quic-qlog-quic-events-13 names
//!   them (`quic:packet_sent`, `quic:recovery_metrics_updated`) under the draft's schema URI
//!   `urn:ietf:params:qlog:events:quic-13`; times are milliseconds since the connection's first
//!   packet, the trace's `reference_time` epoch.
//!
//! Invariant: whatever was written, [`Writer::end`] leaves one complete document.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{Map, Value, json};

use super::{Event, PacketEvent, Trace};
use crate::dissect::quic::header::Kind;

/// The record separator that starts each JSON-SEQ record (RFC 7464 section 2.2).
pub const RS: u8 = 0x1e;

/// The event schema URI of the QUIC events draft this shape follows.
pub const QUIC_EVENTS_SCHEMA: &str = "urn:ietf:params:qlog:events:quic-13";

/// Which qlog a writer writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// JSON-SEQ, qlog 0.3: what qvis loads.
    Seq03,
    /// Contained JSON of draft-ietf-quic-qlog-main-schema-14.
    Draft,
}

/// Lowercase hexadecimal, as qlog writes connection IDs and tokens.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut text, byte| {
        let _ = write!(text, "{byte:02x}");
        text
    })
}

/// An RFC 3339 date and time in UTC with milliseconds, from nanoseconds since the epoch.
pub fn rfc3339(ns: i64) -> String {
    let ms = ns.div_euclid(1_000_000);
    let (days, ms_of_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (year, month, day) = crate::dissect::field::civil_from_days(days);
    let (hours, minutes) = (ms_of_day / 3_600_000, ms_of_day / 60_000 % 60);
    let (seconds, millis) = (ms_of_day / 1000 % 60, ms_of_day % 1000);
    format!("{year:04}-{month:02}-{day:02}T{hours:02}:{minutes:02}:{seconds:02}.{millis:03}Z")
}

/// Milliseconds from `reference_ns` to `at_ns`.
fn millis(at_ns: i64, reference_ns: i64) -> f64 {
    at_ns.saturating_sub(reference_ns) as f64 / 1e6
}

/// qlog's name of a packet type (the same in both shapes).
pub fn packet_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Initial => "initial",
        Kind::Handshake => "handshake",
        Kind::ZeroRtt => "0RTT",
        Kind::Short => "1RTT",
        Kind::Retry => "retry",
        Kind::VersionNegotiation => "version_negotiation",
    }
}

/// Writes traces into one document.
pub struct Writer {
    shape: Shape,
    title: String,
    /// Traces written so far.
    pub traces: usize,
}

impl Writer {
    /// A writer of `shape`, its file titled `title`.
    pub fn new(shape: Shape, title: String) -> Self {
        Self { shape, title, traces: 0 }
    }

    fn begin(&mut self, out: &mut dyn Write, reference_ns: i64) -> io::Result<()> {
        let description = "QUIC connections of a packet capture, from rttscope's own decryption; \
                           vantage point network, flow client: the client's packets are \
                           packet_sent, the server's packet_received";
        let vantage_point = json!({"name": "rttscope", "type": "network", "flow": "client"});
        match self.shape {
            Shape::Seq03 => {
                let header = json!({
                    "qlog_version": "0.3",
                    "qlog_format": "JSON-SEQ",
                    "title": self.title,
                    "description": description,
                    "trace": {
                        "vantage_point": vantage_point,
                        "title": self.title,
                        "description": description,
                        "configuration": {"time_offset": 0.0},
                        "common_fields": {
                            "protocol_type": ["QUIC"],
                            "reference_time": reference_ns as f64 / 1e6,
                            "time_format": "relative",
                        },
                    },
                });
                out.write_all(&[RS])?;
                serde_json::to_writer(&mut *out, &header)?;
                out.write_all(b"\n")
            }
            Shape::Draft => {
                let head = json!({
                    "file_schema": "urn:ietf:params:qlog:file:contained",
                    "serialization_format": "application/qlog+json",
                    "title": self.title,
                    "description": description,
                });
                let text = serde_json::to_string(&head)?;
                // The head's closing brace becomes the start of the traces array.
                out.write_all(text.trim_end_matches('}').as_bytes())?;
                out.write_all(b",\"traces\":[")
            }
        }
    }

    /// Writes one connection's trace; `reference_ns` is the capture's first packet's time.
    pub fn trace(&mut self, out: &mut dyn Write, trace: &Trace, reference_ns: i64) -> io::Result<()> {
        if self.traces == 0 {
            self.begin(out, reference_ns)?;
        }
        let group_id = trace.original_dcid.as_deref().map(hex);
        match self.shape {
            Shape::Seq03 => {
                for event in &trace.events {
                    let mut record = event_json(event, Shape::Seq03, reference_ns);
                    if let (Some(map), Some(group_id)) = (record.as_object_mut(), &group_id) {
                        map.insert("group_id".into(), json!(group_id));
                    }
                    out.write_all(&[RS])?;
                    serde_json::to_writer(&mut *out, &record)?;
                    out.write_all(b"\n")?;
                }
            }
            Shape::Draft => {
                if self.traces > 0 {
                    out.write_all(b",")?;
                }
                let mut common = Map::new();
                if let Some(group_id) = &group_id {
                    common.insert("group_id".into(), json!(group_id));
                }
                common.insert("time_format".into(), json!("relative_to_epoch"));
                common.insert(
                    "reference_time".into(),
                    json!({"clock_type": "system", "epoch": rfc3339(trace.first_ns)}),
                );
                let head = json!({
                    "title": title(trace),
                    "common_fields": common,
                    "vantage_point": {"name": "rttscope", "type": "network", "flow": "client"},
                    "event_schemas": [QUIC_EVENTS_SCHEMA],
                });
                let text = serde_json::to_string(&head)?;
                out.write_all(text.trim_end_matches('}').as_bytes())?;
                out.write_all(b",\"events\":[")?;
                for (index, event) in trace.events.iter().enumerate() {
                    if index > 0 {
                        out.write_all(b",")?;
                    }
                    serde_json::to_writer(&mut *out, &event_json(event, Shape::Draft, trace.first_ns))?;
                }
                out.write_all(b"]}")?;
            }
        }
        self.traces += 1;
        Ok(())
    }

    /// Closes the document (writing its head first if no trace was written); returns how many
    /// traces it holds.
    pub fn end(mut self, out: &mut dyn Write, reference_ns: i64) -> io::Result<usize> {
        if self.traces == 0 {
            self.begin(out, reference_ns)?;
        }
        if self.shape == Shape::Draft {
            out.write_all(b"]}\n")?;
        }
        Ok(self.traces)
    }
}

/// A trace's title: the timeline's connection id when known, and its ends.
fn title(trace: &Trace) -> String {
    match trace.timeline_id {
        Some(id) => format!("connection {id}: QUIC from {} to {}", trace.client, trace.server),
        None => format!("QUIC from {} to {}", trace.client, trace.server),
    }
}

/// One event as a JSON object of `shape`, its time counted from `reference_ns`.
fn event_json(event: &Event, shape: Shape, reference_ns: i64) -> Value {
    let draft = shape == Shape::Draft;
    let (at_ns, name, data) = match event {
        Event::Packet(packet) => {
            let name = match (packet.from_client, draft) {
                (true, false) => "transport:packet_sent",
                (false, false) => "transport:packet_received",
                (true, true) => "quic:packet_sent",
                (false, true) => "quic:packet_received",
            };
            (packet.at_ns, name, packet_json(packet, shape))
        }
        Event::Parameters { at_ns, from_client, parameters } => {
            let name = if draft { "quic:parameters_set" } else { "transport:parameters_set" };
            let field = if draft { "initiator" } else { "owner" };
            let side = if *from_client { "local" } else { "remote" };
            (*at_ns, name, parameters.to_json(field, side))
        }
        Event::Rtt { at_ns, rtt_ms } => {
            let name = if draft { "quic:recovery_metrics_updated" } else { "recovery:metrics_updated" };
            // A first RTT sample sets all three estimates, and the variance to half of it
            // (RFC 9002 section 5.3).
            let data = json!({
                "min_rtt": rtt_ms, "smoothed_rtt": rtt_ms, "latest_rtt": rtt_ms, "rtt_variance": rtt_ms / 2.0,
            });
            (*at_ns, name, data)
        }
    };
    json!({"time": millis(at_ns, reference_ns), "name": name, "data": data})
}

/// A packet's `packet_sent`/`packet_received` data: header, frames (when decrypted), size.
fn packet_json(packet: &PacketEvent, shape: Shape) -> Value {
    let mut header = Map::new();
    header.insert("packet_type".into(), json!(packet_type(packet.kind)));
    if let Some(number) = packet.packet_number {
        header.insert("packet_number".into(), json!(number));
    }
    if let Some(length) = packet.length {
        header.insert("length".into(), json!(length));
    }
    if packet.kind != Kind::Short {
        header.insert("version".into(), json!(format!("{:08x}", packet.version)));
    }
    if let Some(scid) = &packet.scid {
        header.insert("scil".into(), json!(scid.len()));
        header.insert("scid".into(), json!(hex(scid)));
    }
    header.insert("dcil".into(), json!(packet.dcid.len()));
    header.insert("dcid".into(), json!(hex(&packet.dcid)));
    let mut data = Map::new();
    data.insert("header".into(), Value::Object(header));
    if packet.kind == Kind::VersionNegotiation {
        let versions: Vec<String> =
            packet.supported_versions.iter().map(|version| format!("{version:08x}")).collect();
        data.insert("supported_versions".into(), json!(versions));
    }
    if let Some(frames) = &packet.frames {
        let frames: Vec<Value> = frames.iter().map(|frame| frame.to_json(shape)).collect();
        data.insert("frames".into(), Value::Array(frames));
    }
    data.insert("raw".into(), json!({"length": packet.size}));
    Value::Object(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc_3339_in_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        // 2026-12-05 03:34:39.123 UTC.
        assert_eq!(rfc3339(1_796_441_679_123_456_789), "2026-12-05T03:34:39.123Z");
        // 2000-02-29, a leap day.
        assert_eq!(rfc3339(951_782_400_000_000_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(hex(&[0x0a, 0xff, 0x00]), "0aff00");
    }
}
