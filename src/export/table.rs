//! One Parquet file being written: a schema, batches of rows appended as they fill, and a file
//! that appears under its name only once it is whole (it is written beside it and renamed), so
//! a reader never meets half a table and an interrupted export leaves none.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::ExportError;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::SchemaRef;

/// Rows gathered before they are handed to the writer as one batch.
pub(super) const BATCH_ROWS: usize = 8192;

/// Rows in one row group: bounds what the writer holds before it writes (a row group is
/// encoded and compressed in memory first).
const ROW_GROUP_ROWS: usize = 64 * 1024;

pub(super) struct Table {
    writer: ArrowWriter<File>,
    schema: SchemaRef,
    partial: PathBuf,
    path: PathBuf,
    rows: u64,
}

impl Table {
    /// A table to be written at `path` (its directory must exist).
    pub(super) fn create(path: &Path, schema: SchemaRef) -> Result<Self, ExportError> {
        let partial = path.with_extension("parquet.partial");
        let file = File::create(&partial).map_err(|error| ExportError::io(&partial, error))?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by(format!("rttscope {}", env!("CARGO_PKG_VERSION")))
            .build();
        let options = ArrowWriterOptions::new().with_properties(properties);
        let writer = ArrowWriter::try_new_with_options(file, schema.clone(), options)?;
        Ok(Self { writer, schema, partial, path: path.to_owned(), rows: 0 })
    }

    /// Appends one batch: one array per column of the schema, all of one length.
    pub(super) fn write(&mut self, columns: Vec<ArrayRef>) -> Result<(), ExportError> {
        let batch = RecordBatch::try_new(self.schema.clone(), columns)?;
        self.rows += batch.num_rows() as u64;
        self.writer.write(&batch)?;
        Ok(())
    }

    /// Writes the footer and gives the file its name; returns the rows written.
    pub(super) fn close(self) -> Result<u64, ExportError> {
        self.writer.close()?;
        std::fs::rename(&self.partial, &self.path).map_err(|error| ExportError::io(&self.path, error))?;
        Ok(self.rows)
    }
}

/// A nullable column of the schema.
pub(super) fn column(name: &str, kind: arrow_schema::DataType) -> arrow_schema::Field {
    arrow_schema::Field::new(name, kind, true)
}

/// A list column whose items are `item`, as arrow's list builders make them.
pub(super) fn list_of(item: arrow_schema::DataType) -> arrow_schema::DataType {
    arrow_schema::DataType::List(Arc::new(arrow_schema::Field::new_list_field(item, true)))
}
