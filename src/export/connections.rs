//! The `connections` table: one row per timeline connection, with what `rttscope timeline
//! --format json` says of it (variant, TLS version, SNI, ALPN, TCP Fast Open, early data,
//! round trips and times), what the packets table needs to join it (its first and last times,
//! its Community ID, the frames that belong to it) and its events as a list of structs.
//!
//! The frames of a connection are gathered while its packets go by and let go when its
//! timeline is written; a connection keeps at most [`MAX_FRAMES`] of them, and the row counts
//! the rest in `frames_omitted`.

use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder, UInt8Builder,
    UInt32Builder, UInt64Builder,
};
use arrow_array::{ArrayRef, ListArray, StructArray};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Fields, Schema, TimeUnit};
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::ExportError;
use super::table::{BATCH_ROWS, Table, column, list_of};
use crate::timeline::Connection;
use crate::timeline::rounds::Side;

/// The most frames a connection's row lists.
pub const MAX_FRAMES: usize = 1 << 20;

/// What the packets of a connection tell that its timeline does not keep.
#[derive(Default)]
pub(super) struct Seen {
    pub first_ns: i64,
    pub last_ns: i64,
    pub community_id: Option<String>,
    pub frames: Vec<u64>,
    pub frames_omitted: u64,
}

impl Seen {
    pub(super) fn frame(&mut self, number: u64, ts_ns: i64) {
        if self.frames.is_empty() && self.frames_omitted == 0 {
            self.first_ns = ts_ns;
        }
        self.last_ns = ts_ns;
        if self.frames.len() < MAX_FRAMES {
            self.frames.push(number);
        } else {
            self.frames_omitted += 1;
        }
    }
}

/// Each connection's [`Seen`], by its serial number, while its packets go by.
pub(super) type SeenById = FxHashMap<u64, Seen>;

fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn event_fields() -> Fields {
    Fields::from(vec![
        column("frame", DataType::UInt64),
        column("t_ms", DataType::Float64),
        column("dir", DataType::Utf8),
        column("round", DataType::UInt32),
        column("osi", DataType::UInt8),
        column("label", DataType::Utf8),
    ])
}

/// The events of the rows being built, as the columns of a list of structs.
#[derive(Default)]
struct Events {
    frame: UInt64Builder,
    t_ms: Float64Builder,
    dir: StringBuilder,
    round: UInt32Builder,
    osi: UInt8Builder,
    label: StringBuilder,
    /// Events per row.
    lengths: Vec<usize>,
}

impl Events {
    fn add(&mut self, connection: &Connection) {
        for event in &connection.events {
            self.frame.append_value(event.frame);
            self.t_ms.append_value(event.t_ms);
            self.dir.append_value(direction(event.dir));
            self.round.append_value(event.round);
            self.osi.append_value(event.osi.number());
            self.label.append_value(event.label());
        }
        self.lengths.push(connection.events.len());
    }

    fn finish(&mut self) -> Result<ListArray, ExportError> {
        let fields = event_fields();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.frame.finish()),
            Arc::new(self.t_ms.finish()),
            Arc::new(self.dir.finish()),
            Arc::new(self.round.finish()),
            Arc::new(self.osi.finish()),
            Arc::new(self.label.finish()),
        ];
        let values = StructArray::try_new(fields.clone(), columns, None)?;
        let offsets = OffsetBuffer::from_lengths(std::mem::take(&mut self.lengths));
        let item = Arc::new(Field::new_list_field(DataType::Struct(fields), true));
        Ok(ListArray::try_new(item, offsets, Arc::new(values), None)?)
    }
}

pub(super) fn direction(side: Side) -> &'static str {
    match side {
        Side::Client => "c2s",
        Side::Server => "s2c",
    }
}

/// A value's name as the timeline's JSON spells it.
fn json_name(value: &impl Serialize) -> Option<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => Some(name),
        _ => None,
    }
}

/// The `connections` table being written.
pub(super) struct Connections {
    table: Table,
    conn_id: UInt64Builder,
    timeline_id: UInt32Builder,
    transport: StringBuilder,
    client: StringBuilder,
    server: StringBuilder,
    variant: StringBuilder,
    tls_version: StringBuilder,
    sni: StringBuilder,
    alpn: StringBuilder,
    tfo: StringBuilder,
    early_data: StringBuilder,
    resumed: BooleanBuilder,
    hello_retry: BooleanBuilder,
    proxy: StringBuilder,
    proxy_rtts: UInt32Builder,
    vantage: StringBuilder,
    rtt_ms: Float64Builder,
    request_rtts: UInt32Builder,
    response_rtts: UInt32Builder,
    request_ms: Float64Builder,
    response_ms: Float64Builder,
    packets: UInt64Builder,
    bytes: UInt64Builder,
    first_ts: TimestampMicrosecondBuilder,
    last_ts: TimestampMicrosecondBuilder,
    community_id: StringBuilder,
    events: Events,
    frames: ListBuilder<UInt64Builder>,
    frames_omitted: UInt64Builder,
    rows: usize,
}

impl Connections {
    pub(super) fn schema() -> Schema {
        Schema::new(vec![
            column("conn_id", DataType::UInt64),
            column("timeline_id", DataType::UInt32),
            column("transport", DataType::Utf8),
            column("client", DataType::Utf8),
            column("server", DataType::Utf8),
            column("variant", DataType::Utf8),
            column("tls_version", DataType::Utf8),
            column("sni", DataType::Utf8),
            column("alpn", DataType::Utf8),
            column("tfo", DataType::Utf8),
            column("early_data", DataType::Utf8),
            column("resumed", DataType::Boolean),
            column("hello_retry", DataType::Boolean),
            column("proxy", DataType::Utf8),
            column("proxy_rtts", DataType::UInt32),
            column("vantage", DataType::Utf8),
            column("rtt_ms", DataType::Float64),
            column("request_rtts", DataType::UInt32),
            column("response_rtts", DataType::UInt32),
            column("request_ms", DataType::Float64),
            column("response_ms", DataType::Float64),
            column("packets", DataType::UInt64),
            column("bytes", DataType::UInt64),
            column("first_ts", timestamp()),
            column("last_ts", timestamp()),
            column("community_id", DataType::Utf8),
            column("events", list_of(DataType::Struct(event_fields()))),
            column("frames", list_of(DataType::UInt64)),
            column("frames_omitted", DataType::UInt64),
        ])
    }

    pub(super) fn create(path: &Path) -> Result<Self, ExportError> {
        let time = || TimestampMicrosecondBuilder::new().with_timezone("UTC");
        Ok(Self {
            table: Table::create(path, Arc::new(Self::schema()), false)?,
            conn_id: UInt64Builder::new(),
            timeline_id: UInt32Builder::new(),
            transport: StringBuilder::new(),
            client: StringBuilder::new(),
            server: StringBuilder::new(),
            variant: StringBuilder::new(),
            tls_version: StringBuilder::new(),
            sni: StringBuilder::new(),
            alpn: StringBuilder::new(),
            tfo: StringBuilder::new(),
            early_data: StringBuilder::new(),
            resumed: BooleanBuilder::new(),
            hello_retry: BooleanBuilder::new(),
            proxy: StringBuilder::new(),
            proxy_rtts: UInt32Builder::new(),
            vantage: StringBuilder::new(),
            rtt_ms: Float64Builder::new(),
            request_rtts: UInt32Builder::new(),
            response_rtts: UInt32Builder::new(),
            request_ms: Float64Builder::new(),
            response_ms: Float64Builder::new(),
            packets: UInt64Builder::new(),
            bytes: UInt64Builder::new(),
            first_ts: time(),
            last_ts: time(),
            community_id: StringBuilder::new(),
            events: Events::default(),
            frames: ListBuilder::new(UInt64Builder::new()),
            frames_omitted: UInt64Builder::new(),
            rows: 0,
        })
    }

    /// Adds a connection's row, with what its packets told.
    pub(super) fn add(&mut self, connection: &Connection, seen: Option<Seen>) -> Result<(), ExportError> {
        let seen = seen.unwrap_or_default();
        let had_frames = !seen.frames.is_empty();
        self.conn_id.append_value(connection.serial);
        self.timeline_id.append_value(connection.id);
        self.transport.append_value(connection.transport.name());
        self.client.append_value(&connection.client);
        self.server.append_value(&connection.server);
        self.variant.append_value(connection.variant.to_string());
        self.tls_version.append_option(connection.tls_version);
        self.sni.append_option(connection.sni.as_deref());
        self.alpn.append_option(connection.alpn.as_deref());
        self.tfo.append_value(connection.tfo.name());
        self.early_data.append_value(connection.early_data.name());
        self.resumed.append_value(connection.resumed);
        self.hello_retry.append_value(connection.hello_retry);
        self.proxy.append_option(connection.proxy.map(|proxy| proxy.name()));
        self.proxy_rtts.append_option(connection.proxy_rtts);
        self.vantage.append_option(json_name(&connection.vantage));
        self.rtt_ms.append_option(connection.rtt_ms);
        self.request_rtts.append_option(connection.request_rtts);
        self.response_rtts.append_option(connection.response_rtts);
        self.request_ms.append_option(connection.request_ms);
        self.response_ms.append_option(connection.response_ms);
        self.packets.append_value(connection.packets);
        self.bytes.append_value(connection.bytes);
        let micros = |ns: i64| ns.div_euclid(1000);
        self.first_ts.append_option(had_frames.then(|| micros(seen.first_ns)));
        self.last_ts.append_option(had_frames.then(|| micros(seen.last_ns)));
        self.community_id.append_option(seen.community_id);
        self.events.add(connection);
        self.frames.values().append_slice(&seen.frames);
        self.frames.append(true);
        self.frames_omitted.append_value(seen.frames_omitted);
        self.rows += 1;
        if self.rows == BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ExportError> {
        if self.rows == 0 {
            return Ok(());
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.conn_id.finish()),
            Arc::new(self.timeline_id.finish()),
            Arc::new(self.transport.finish()),
            Arc::new(self.client.finish()),
            Arc::new(self.server.finish()),
            Arc::new(self.variant.finish()),
            Arc::new(self.tls_version.finish()),
            Arc::new(self.sni.finish()),
            Arc::new(self.alpn.finish()),
            Arc::new(self.tfo.finish()),
            Arc::new(self.early_data.finish()),
            Arc::new(self.resumed.finish()),
            Arc::new(self.hello_retry.finish()),
            Arc::new(self.proxy.finish()),
            Arc::new(self.proxy_rtts.finish()),
            Arc::new(self.vantage.finish()),
            Arc::new(self.rtt_ms.finish()),
            Arc::new(self.request_rtts.finish()),
            Arc::new(self.response_rtts.finish()),
            Arc::new(self.request_ms.finish()),
            Arc::new(self.response_ms.finish()),
            Arc::new(self.packets.finish()),
            Arc::new(self.bytes.finish()),
            Arc::new(self.first_ts.finish()),
            Arc::new(self.last_ts.finish()),
            Arc::new(self.community_id.finish()),
            Arc::new(self.events.finish()?),
            Arc::new(self.frames.finish()),
            Arc::new(self.frames_omitted.finish()),
        ];
        self.rows = 0;
        self.table.write(columns)
    }

    /// Writes what is left and closes the file; returns the rows written.
    pub(super) fn close(mut self) -> Result<u64, ExportError> {
        self.flush()?;
        self.table.close()
    }
}
