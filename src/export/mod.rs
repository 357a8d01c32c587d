//! Captures as tables for DuckDB, Spark, Polars and pandas: `rttscope export` writes, for each
//! capture, a `packets` table (one row per frame) and a `connections` table (one row per
//! timeline connection) as Parquet, in Hive partitions named after the capture
//! (`DIR/packets/capture=NAME/part-0.parquet`), so one glob reads a whole fleet of captures and
//! `capture` comes back as a column.
//!
//! An export streams: rows are written in bounded batches as packets go by, a connection's
//! row as soon as its timeline ends, so memory stays flat however large the capture. A table
//! appears under its name only once it is whole.

pub mod community_id;
mod connections;
mod packets;
mod table;

use std::io;
use std::path::{Path, PathBuf};

use crate::capture::Frame;
use crate::dissect::Packet;
use crate::timeline::Connection;
use crate::timeline::rounds::Side;
use community_id::Flow;
use connections::{Connections, SeenById};
use packets::Packets;

pub use connections::MAX_FRAMES;
pub use packets::{FIELDS, Kind, column_name};

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{}: {error}", path.display())]
    Io { path: PathBuf, error: io::Error },
    #[error("writing Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("building a table: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
}

impl ExportError {
    fn io(path: &Path, error: io::Error) -> Self {
        Self::Io { path: path.to_owned(), error }
    }
}

/// The Hive partition a capture's rows go to: its file name without its extensions (`.gz`,
/// then `.pcapng`, `.pcap` or `.cap`), with every byte outside `[A-Za-z0-9._-]` written as
/// `%XX`, as Hive escapes partition values.
pub fn partition_name(path: &Path) -> String {
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let mut stem = name.as_str();
    for extension in [".gz", ".pcapng", ".pcap", ".cap"] {
        if let Some(shorter) = stem.strip_suffix(extension).filter(|shorter| !shorter.is_empty()) {
            stem = shorter;
        }
    }
    let mut escaped = String::with_capacity(stem.len());
    for byte in stem.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' => escaped.push(char::from(byte)),
            _ => escaped.push_str(&format!("%{byte:02X}")),
        }
    }
    escaped
}

/// What an export wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub packets: u64,
    pub connections: u64,
}

/// One capture's tables being written.
pub struct Export {
    packets: Packets,
    connections: Connections,
    seen: SeenById,
}

impl Export {
    /// Tables for the capture whose partition is `name`, under `dir` (made if missing); the
    /// packets table is encoded and written on a thread of its own when `behind`.
    pub fn create(dir: &Path, name: &str, behind: bool) -> Result<Self, ExportError> {
        let partition = |table: &str| -> Result<PathBuf, ExportError> {
            let at = dir.join(table).join(format!("capture={name}"));
            std::fs::create_dir_all(&at).map_err(|error| ExportError::io(&at, error))?;
            Ok(at.join("part-0.parquet"))
        };
        Ok(Self {
            packets: Packets::create(&partition("packets")?, behind)?,
            connections: Connections::create(&partition("connections")?)?,
            seen: SeenById::default(),
        })
    }

    /// A tracked packet; `connection` is the serial number of the conversation it belongs to
    /// (`conn_id` in both tables: a timeline connection's [`Connection::serial`]) and the side
    /// that sent it.
    pub fn packet(
        &mut self,
        frame: &Frame<'_>,
        packet: &Packet<'_>,
        connection: Option<(u64, Side)>,
    ) -> Result<(), ExportError> {
        if let Some((id, _)) = connection {
            let seen = self.seen.entry(id).or_default();
            if seen.community_id.is_none() {
                seen.community_id = Flow::of(packet).map(|flow| flow.community_id());
            }
            seen.frame(frame.number, frame.ts_ns);
        }
        self.packets.add(frame, packet, connection)
    }

    /// A connection whose timeline has ended.
    pub fn connection(&mut self, connection: &Connection) -> Result<(), ExportError> {
        let seen = self.seen.remove(&connection.serial);
        self.connections.add(connection, seen)
    }

    /// Closes both tables.
    pub fn finish(self) -> Result<Written, ExportError> {
        Ok(Written { packets: self.packets.close()?, connections: self.connections.close()? })
    }
}

#[cfg(test)]
mod tests;
