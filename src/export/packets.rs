//! The `packets` table: one row per frame, its columns named after the tshark fields they hold
//! (`.` becomes `_`: `tcp.srcport` is `tcp_srcport`), plus the frame's times, lengths, Info,
//! the timeline connection it belongs to and its flow's Community ID.
//!
//! A column holds a field one of four ways ([`Kind`]): text columns hold every occurrence
//! joined with `,`, what `tshark -T fields -e NAME` prints (so `ip_src` of a tunnelled packet
//! is `outer,inner`); number columns hold the first occurrence as an unsigned integer; list
//! columns hold every occurrence as numbers; flag columns say whether the field occurs at all.
//! Rows are gathered in batches of [`BATCH_ROWS`], so memory stays flat however long the
//! capture is.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_array::builder::{
    BooleanBuilder, Int64Builder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder, UInt64Builder,
};
use arrow_schema::{DataType, Schema, TimeUnit};
use rustc_hash::FxHashMap;

use super::ExportError;
use super::community_id::Flow;
use super::connections::direction;
use super::table::{BATCH_ROWS, Table, column, list_of};
use crate::capture::Frame;
use crate::dissect::field::{Field, NameFilter, Value};
use crate::dissect::{Packet, write_info};
use crate::timeline::rounds::Side;

/// How a column holds its field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Every occurrence as text, joined with `,`.
    Text,
    /// The first occurrence, as a number.
    Number,
    /// Every occurrence, as a list of numbers.
    Numbers,
    /// Whether the field occurs.
    Flag,
}

/// The tshark fields the table holds, in column order.
pub const FIELDS: &[(&str, Kind)] = &[
    ("eth.src", Kind::Text),
    ("eth.dst", Kind::Text),
    ("ip.src", Kind::Text),
    ("ip.dst", Kind::Text),
    ("ipv6.src", Kind::Text),
    ("ipv6.dst", Kind::Text),
    ("ip.proto", Kind::Number),
    ("ip.ttl", Kind::Number),
    ("ipv6.hlim", Kind::Number),
    ("tcp.srcport", Kind::Number),
    ("tcp.dstport", Kind::Number),
    ("tcp.stream", Kind::Number),
    ("tcp.seq", Kind::Number),
    ("tcp.ack", Kind::Number),
    ("tcp.len", Kind::Number),
    ("tcp.flags", Kind::Number),
    ("tcp.window_size_value", Kind::Number),
    ("tcp.analysis.retransmission", Kind::Flag),
    ("tcp.analysis.fast_retransmission", Kind::Flag),
    ("tcp.analysis.duplicate_ack", Kind::Flag),
    ("tcp.analysis.lost_segment", Kind::Flag),
    ("tcp.analysis.zero_window", Kind::Flag),
    ("udp.srcport", Kind::Number),
    ("udp.dstport", Kind::Number),
    ("udp.stream", Kind::Number),
    ("udp.length", Kind::Number),
    ("tls.handshake.type", Kind::Numbers),
    ("tls.handshake.extensions_server_name", Kind::Text),
    ("tls.handshake.extensions_alpn_str", Kind::Text),
    ("quic.long.packet_type", Kind::Numbers),
    ("quic.version", Kind::Number),
    ("http.request.method", Kind::Text),
    ("http.request.uri", Kind::Text),
    ("http.response.code", Kind::Number),
    ("dns.qry.name", Kind::Text),
];

/// The column a field is written to: its name with `.` as `_`.
pub fn column_name(field: &str) -> String {
    field.replace('.', "_")
}

/// One field's values for the row being built.
enum Cell {
    Text { value: String, occurred: bool },
    Number(Option<u64>),
    Numbers(Vec<u64>),
    Flag(bool),
}

enum Builder {
    Text(StringBuilder),
    Number(UInt64Builder),
    Numbers(ListBuilder<UInt64Builder>),
    Flag(BooleanBuilder),
}

/// The `packets` table being written.
pub(super) struct Packets {
    table: Table,
    /// Column index by field name.
    index: FxHashMap<&'static str, usize>,
    /// Column index (or none) by where a field's name lies in memory: names are static, so
    /// after its first packet a name is found by its address, without hashing or comparing its
    /// text (both were a tenth of an export's time). As many entries as the code has names.
    by_address: FxHashMap<(usize, usize), Option<usize>>,
    /// Turns away most other fields before `index` is asked.
    filter: NameFilter,
    prefixes: Vec<&'static str>,
    cells: Vec<Cell>,
    builders: Vec<Builder>,
    frame_number: UInt64Builder,
    ts: TimestampMicrosecondBuilder,
    ts_ns: Int64Builder,
    frame_len: UInt64Builder,
    frame_cap_len: UInt64Builder,
    frame_protocols: StringBuilder,
    protocol: StringBuilder,
    info: StringBuilder,
    conn_id: UInt64Builder,
    direction: StringBuilder,
    community_id: StringBuilder,
    rows: usize,
    text: String,
    /// The Community IDs of flows seen lately: a flow's packets come in runs, and hashing
    /// each packet's flow afresh was a tenth of an export's instructions. Emptied when it
    /// holds [`FLOWS_KEPT`], so it stays small.
    community_ids: FxHashMap<Flow, String>,
}

/// The most flows whose Community IDs are kept at once.
const FLOWS_KEPT: usize = 4096;

impl Packets {
    pub(super) fn schema() -> Schema {
        let mut columns = vec![
            column("frame_number", DataType::UInt64),
            column("ts", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))),
            column("ts_ns", DataType::Int64),
            column("frame_len", DataType::UInt64),
            column("frame_cap_len", DataType::UInt64),
            column("frame_protocols", DataType::Utf8),
            column("protocol", DataType::Utf8),
            column("info", DataType::Utf8),
            column("conn_id", DataType::UInt64),
            column("direction", DataType::Utf8),
            column("community_id", DataType::Utf8),
        ];
        columns.extend(FIELDS.iter().map(|&(field, kind)| {
            let kind = match kind {
                Kind::Text => DataType::Utf8,
                Kind::Number => DataType::UInt64,
                Kind::Numbers => list_of(DataType::UInt64),
                Kind::Flag => DataType::Boolean,
            };
            column(&column_name(field), kind)
        }));
        Schema::new(columns)
    }

    pub(super) fn create(path: &Path, behind: bool) -> Result<Self, ExportError> {
        let table = Table::create(path, Arc::new(Self::schema()), behind)?;
        let index = FIELDS.iter().enumerate().map(|(index, &(field, _))| (field, index)).collect();
        let mut prefixes: Vec<&'static str> =
            FIELDS.iter().map(|(field, _)| field.split('.').next().unwrap_or(field)).collect();
        prefixes.sort_unstable();
        prefixes.dedup();
        let cells = FIELDS
            .iter()
            .map(|&(_, kind)| match kind {
                Kind::Text => Cell::Text { value: String::new(), occurred: false },
                Kind::Number => Cell::Number(None),
                Kind::Numbers => Cell::Numbers(Vec::new()),
                Kind::Flag => Cell::Flag(false),
            })
            .collect();
        let builders = FIELDS
            .iter()
            .map(|&(_, kind)| match kind {
                Kind::Text => Builder::Text(StringBuilder::new()),
                Kind::Number => Builder::Number(UInt64Builder::new()),
                Kind::Numbers => Builder::Numbers(ListBuilder::new(UInt64Builder::new())),
                Kind::Flag => Builder::Flag(BooleanBuilder::new()),
            })
            .collect();
        Ok(Self {
            table,
            index,
            by_address: FxHashMap::default(),
            filter: NameFilter::new(FIELDS.iter().map(|&(field, _)| field)),
            prefixes,
            cells,
            builders,
            frame_number: UInt64Builder::new(),
            ts: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            ts_ns: Int64Builder::new(),
            frame_len: UInt64Builder::new(),
            frame_cap_len: UInt64Builder::new(),
            frame_protocols: StringBuilder::new(),
            protocol: StringBuilder::new(),
            info: StringBuilder::new(),
            conn_id: UInt64Builder::new(),
            direction: StringBuilder::new(),
            community_id: StringBuilder::new(),
            rows: 0,
            text: String::new(),
            community_ids: FxHashMap::default(),
        })
    }

    /// Adds a frame's row; `connection` is the timeline connection it belongs to and the side
    /// that sent it.
    pub(super) fn add(
        &mut self,
        frame: &Frame<'_>,
        packet: &Packet<'_>,
        connection: Option<(u64, Side)>,
    ) -> Result<(), ExportError> {
        self.frame_number.append_value(frame.number);
        self.ts.append_value(frame.ts_ns.div_euclid(1000));
        self.ts_ns.append_value(frame.ts_ns);
        self.frame_len.append_value(frame.orig_len.into());
        self.frame_cap_len.append_value(frame.data.len() as u64);
        self.frame_protocols.append_value(packet.protocols());
        self.protocol.append_value(packet.column_protocol());
        self.text.clear();
        // Writing into a String cannot fail.
        let _ = write_info(packet, &mut self.text);
        self.info.append_value(&self.text);
        self.conn_id.append_option(connection.map(|(id, _)| id));
        self.direction.append_option(connection.map(|(_, side)| direction(side)));
        match Flow::of(packet) {
            Some(flow) => {
                if self.community_ids.len() >= FLOWS_KEPT && !self.community_ids.contains_key(&flow) {
                    self.community_ids.clear();
                }
                let id = self.community_ids.entry(flow).or_insert_with(|| flow.community_id());
                self.community_id.append_value(id);
            }
            None => self.community_id.append_null(),
        }
        self.fields(frame, packet);
        self.rows += 1;
        if self.rows == BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn fields(&mut self, frame: &Frame<'_>, packet: &Packet<'_>) {
        let Self { index, by_address, filter, prefixes, cells, builders, .. } = self;
        let wanted = |prefix: &str| prefixes.contains(&prefix);
        packet.fields_filtered(
            frame,
            &mut |field: Field<'_>| {
                if !filter.may_want(field.name) {
                    return;
                }
                let address = (field.name.as_ptr() as usize, field.name.len());
                let at = *by_address.entry(address).or_insert_with(|| index.get(field.name).copied());
                let Some(at) = at else { return };
                match &mut cells[at] {
                    Cell::Text { value, occurred } => {
                        if *occurred {
                            value.push(',');
                        }
                        *occurred = true;
                        // Writing into a String cannot fail.
                        let _ = write!(value, "{}", field.value);
                    }
                    Cell::Number(first) => {
                        if first.is_none() {
                            *first = number(&field.value);
                        }
                    }
                    Cell::Numbers(all) => all.extend(number(&field.value)),
                    Cell::Flag(occurs) => *occurs = true,
                }
            },
            &wanted,
            filter,
        );
        for (cell, builder) in cells.iter_mut().zip(builders.iter_mut()) {
            match (cell, builder) {
                (Cell::Text { value, occurred }, Builder::Text(builder)) => {
                    builder.append_option(occurred.then_some(value.as_str()));
                    value.clear();
                    *occurred = false;
                }
                (Cell::Number(first), Builder::Number(builder)) => builder.append_option(first.take()),
                (Cell::Numbers(all), Builder::Numbers(builder)) => {
                    if all.is_empty() {
                        builder.append_null();
                    } else {
                        builder.values().append_slice(all);
                        builder.append(true);
                        all.clear();
                    }
                }
                (Cell::Flag(occurs), Builder::Flag(builder)) => {
                    builder.append_value(*occurs);
                    *occurs = false;
                }
                // Cells and builders are made from the same table, kind for kind.
                _ => {}
            }
        }
    }

    fn flush(&mut self) -> Result<(), ExportError> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(self.frame_number.finish()),
            Arc::new(self.ts.finish()),
            Arc::new(self.ts_ns.finish()),
            Arc::new(self.frame_len.finish()),
            Arc::new(self.frame_cap_len.finish()),
            Arc::new(self.frame_protocols.finish()),
            Arc::new(self.protocol.finish()),
            Arc::new(self.info.finish()),
            Arc::new(self.conn_id.finish()),
            Arc::new(self.direction.finish()),
            Arc::new(self.community_id.finish()),
        ];
        columns.extend(self.builders.iter_mut().map(|builder| -> ArrayRef {
            match builder {
                Builder::Text(builder) => Arc::new(builder.finish()),
                Builder::Number(builder) => Arc::new(builder.finish()),
                Builder::Numbers(builder) => Arc::new(builder.finish()),
                Builder::Flag(builder) => Arc::new(builder.finish()),
            }
        }));
        self.rows = 0;
        self.table.write(columns)
    }

    /// Writes what is left and closes the file; returns the rows written.
    pub(super) fn close(mut self) -> Result<u64, ExportError> {
        self.flush()?;
        self.table.close()
    }
}

/// A field's value as an unsigned number, for the fields whose values are numbers.
fn number(value: &Value<'_>) -> Option<u64> {
    match *value {
        Value::Uint(value) | Value::Hex { value, .. } => Some(value),
        Value::Bool(flag) => Some(flag.into()),
        Value::Int(value) => u64::try_from(value).ok(),
        _ => None,
    }
}
