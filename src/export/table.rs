//! One Parquet file being written: a schema, batches of rows appended as they fill, and a file
//! that appears under its name only once it is whole (it is written beside it and renamed), so
//! a reader never meets half a table and an interrupted export leaves none.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

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

/// Batches waiting for a writer on a thread of its own, at most.
const BATCHES_QUEUED: usize = 2;

pub(super) struct Table {
    writer: Writer,
    schema: SchemaRef,
    partial: PathBuf,
    path: PathBuf,
    rows: u64,
}

impl Table {
    /// A table to be written at `path` (its directory must exist), its batches encoded and
    /// written on a thread of its own when `behind`.
    pub(super) fn create(path: &Path, schema: SchemaRef, behind: bool) -> Result<Self, ExportError> {
        let partial = path.with_extension("parquet.partial");
        let file = File::create(&partial).map_err(|error| ExportError::io(&partial, error))?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by(format!("rttscope {}", env!("CARGO_PKG_VERSION")))
            .build();
        let options = ArrowWriterOptions::new().with_properties(properties);
        let writer = ArrowWriter::try_new_with_options(file, schema.clone(), options)?;
        let writer = if behind { Writer::behind(writer) } else { Writer::Here(Box::new(writer)) };
        Ok(Self { writer, schema, partial, path: path.to_owned(), rows: 0 })
    }

    /// Appends one batch: one array per column of the schema, all of one length.
    pub(super) fn write(&mut self, columns: Vec<ArrayRef>) -> Result<(), ExportError> {
        let batch = RecordBatch::try_new(self.schema.clone(), columns)?;
        self.rows += batch.num_rows() as u64;
        match &mut self.writer {
            Writer::Here(writer) => writer.write(&batch)?,
            Writer::Behind { batches, thread } => {
                if batches.as_ref().is_none_or(|batches| batches.send(batch).is_err()) {
                    // The writer stopped: its error says why.
                    batches.take();
                    return Writer::join(thread.take());
                }
            }
        }
        Ok(())
    }

    /// Writes the footer and gives the file its name; returns the rows written.
    pub(super) fn close(self) -> Result<u64, ExportError> {
        match self.writer {
            Writer::Here(writer) => {
                writer.close()?;
            }
            Writer::Behind { batches, thread } => {
                // Hanging up lets the writer finish the batches sent and write the footer.
                drop(batches);
                Writer::join(thread)?;
            }
        }
        std::fs::rename(&self.partial, &self.path).map_err(|error| ExportError::io(&self.path, error))?;
        Ok(self.rows)
    }
}

/// Where a table's batches are encoded, compressed and written.
enum Writer {
    Here(Box<ArrowWriter<File>>),
    /// On a thread of its own, while the calling thread gathers the next batch's rows; the
    /// thread writes the footer once the sender hangs up.
    Behind {
        batches: Option<SyncSender<RecordBatch>>,
        thread: Option<JoinHandle<Result<(), ExportError>>>,
    },
}

impl Writer {
    fn behind(mut writer: ArrowWriter<File>) -> Self {
        let (batches, queue) = sync_channel::<RecordBatch>(BATCHES_QUEUED);
        let thread = std::thread::spawn(move || {
            for batch in queue {
                writer.write(&batch)?;
            }
            writer.close()?;
            Ok(())
        });
        Self::Behind { batches: Some(batches), thread: Some(thread) }
    }

    /// Waits for the writer thread to end; what it ended with.
    fn join(thread: Option<JoinHandle<Result<(), ExportError>>>) -> Result<(), ExportError> {
        match thread.map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => Ok(()),
        }
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
