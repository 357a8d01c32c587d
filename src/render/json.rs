//! One JSON object per line and packet: the frame, its layers with their OSI layer, summary and
//! fields (each with its byte range), and the problems found.
//!
//! ```text
//! {"frame":{"number":4,"time_epoch":"1795327948.599307000","len":309,"cap_len":309},
//!  "layers":[{"osi":2,"proto":"eth","summary":"...","offset":0,"len":14,
//!             "fields":[{"name":"eth.src","value":"...","offset":6,"len":6}, ...]}, ...],
//!  "problems":["..."]}
//! ```

use std::io;

use serde::Serialize;

use super::Render;
use crate::capture::Frame;
use crate::dissect::field::{Field, Source, Value};
use crate::dissect::{Layer, Packet};

#[derive(Serialize)]
struct JsonFrame {
    number: u64,
    time_epoch: String,
    len: u32,
    cap_len: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    interface_id: Option<u32>,
    protocols: String,
}

#[derive(Serialize)]
struct JsonField {
    name: &'static str,
    value: String,
    offset: usize,
    len: usize,
}

#[derive(Serialize)]
struct JsonLayer {
    osi: u8,
    proto: &'static str,
    summary: String,
    offset: usize,
    len: usize,
    #[serde(skip_serializing_if = "is_frame")]
    source: Source,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    quoted: bool,
    fields: Vec<JsonField>,
}

fn is_frame(source: &Source) -> bool {
    *source == Source::Frame
}

impl Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(match self {
            Source::Frame => "frame",
            Source::Reassembled => "reassembled",
            Source::Stream => "stream",
            Source::Decrypted => "decrypted",
        })
    }
}

#[derive(Serialize)]
struct JsonPacket {
    frame: JsonFrame,
    layers: Vec<JsonLayer>,
    problems: Vec<String>,
}

/// The JSON renderer.
#[derive(Default)]
pub struct Json;

impl Json {
    pub fn new() -> Self {
        Self
    }
}

fn layer(layer: &Layer<'_>) -> JsonLayer {
    let mut fields = Vec::new();
    layer.fields(&mut |field: Field<'_>| {
        let value = match field.value {
            Value::Present => String::new(),
            other => other.to_string(),
        };
        fields.push(JsonField { name: field.name, value, offset: field.range.start, len: field.range.len() });
    });
    JsonLayer {
        osi: layer.osi().number(),
        proto: layer.protocol().filter_name(),
        summary: layer.summary_string(),
        offset: layer.offset,
        len: layer.len(),
        source: layer.source,
        quoted: layer.is_quoted(),
        fields,
    }
}

impl Render for Json {
    fn packet(&mut self, out: &mut dyn io::Write, frame: &Frame<'_>, packet: &Packet<'_>) -> io::Result<()> {
        let document = JsonPacket {
            frame: JsonFrame {
                number: frame.number,
                time_epoch: Value::Epoch(frame.ts_ns).to_string(),
                len: frame.orig_len,
                cap_len: frame.data.len(),
                interface_id: frame.interface,
                protocols: packet.protocols(),
            },
            layers: packet.layers.iter().map(layer).collect(),
            problems: packet.problems.iter().map(ToString::to_string).collect(),
        };
        serde_json::to_writer(&mut *out, &document)?;
        out.write_all(b"\n")
    }
}
