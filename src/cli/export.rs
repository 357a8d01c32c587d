//! `rttscope export`: captures written as Parquet tables (`crate::export`), one capture per
//! core at a time, each streamed. A capture that cannot be read or written is reported in one
//! line and the others go on; the command fails if any did.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::dissect::load_key_log;
use super::{CliError, ExportArgs, Outcome};
use crate::capture::{CaptureFile, FileSource, Frame};
use crate::dispatch::Dispatch;
use crate::dissect::Packet;
use crate::export::{Export, ExportError, Written, partition_name};
use crate::pipeline::{Tracking, Visit, for_each_packet, for_each_packet_behind};
use crate::timeline::Timelines;
use crate::track::Tracker;
use crate::track::keylog::KeyLog;

pub fn run(args: &ExportArgs) -> Result<Outcome, CliError> {
    let dispatch = args.decode_as.dispatch()?;
    let memory_limit = args.memory.limit()?;
    let keylog = load_key_log(args.keylog.as_deref())?;
    let names = partitions(&args.files)?;
    let threads = match args.threads {
        Some(0) => return Err(CliError::Usage("--threads: give at least 1".into())),
        Some(threads) => threads,
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    // One capture per thread; a capture with a thread to spare has its frames read and taken
    // apart ahead of the thread tracking them, and its rows written behind it.
    let ahead = threads >= 2 * args.files.len();
    let threads = threads.min(args.files.len());
    std::fs::create_dir_all(&args.output)
        .map_err(|error| CliError::Usage(format!("cannot make {}: {error}", args.output.display())))?;
    let job = Job { args, names: &names, dispatch: &dispatch, keylog: &keylog, memory_limit, ahead };
    let next = AtomicUsize::new(0);
    let results = Mutex::new(vec![None; args.files.len()]);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= args.files.len() {
                        break;
                    }
                    let result = job.one(index);
                    report(&args.files[index], &result);
                    if let Ok(mut results) = results.lock() {
                        results[index] =
                            result.as_ref().ok().map(|(_, outcome)| *outcome == Outcome::Complete);
                    }
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_default();
    // A capture not exported fails the command; one cut short (every packet read written)
    // is exit 2, as for dissect.
    let failed = results.iter().filter(|result| result.is_none()).count();
    match failed {
        0 if results.iter().all(|result| *result == Some(true)) => Ok(Outcome::Complete),
        0 => Ok(Outcome::CutShort),
        _ => Err(CliError::Usage(format!("{failed} of {} captures could not be exported", args.files.len()))),
    }
}

/// Each input's partition name; two inputs may not share one.
fn partitions(files: &[PathBuf]) -> Result<Vec<String>, CliError> {
    let names: Vec<String> = files.iter().map(|file| partition_name(file)).collect();
    for (index, name) in names.iter().enumerate() {
        if name.is_empty() || files[index].as_os_str() == "-" {
            return Err(CliError::Usage(format!(
                "{}: export reads capture files, each named for its partition",
                files[index].display()
            )));
        }
        if let Some(earlier) = names[..index].iter().position(|other| other == name) {
            return Err(CliError::Usage(format!(
                "{} and {} would both be capture={name}; rename one",
                files[earlier].display(),
                files[index].display()
            )));
        }
    }
    Ok(names)
}

/// What every capture's export shares.
struct Job<'a> {
    args: &'a ExportArgs,
    names: &'a [String],
    dispatch: &'a Dispatch,
    keylog: &'a KeyLog,
    memory_limit: usize,
    /// Whether each capture's frames are read ahead and its rows written behind its tracker.
    ahead: bool,
}

/// Why one capture's export failed.
enum Failure {
    Cli(CliError),
    Export(ExportError),
}

impl Job<'_> {
    fn one(&self, index: usize) -> Result<(Written, Outcome), Failure> {
        let capture =
            CaptureFile::open(&self.args.files[index]).map_err(|error| Failure::Cli(error.into()))?;
        let export =
            Export::create(&self.args.output, &self.names[index], self.ahead).map_err(Failure::Export)?;
        let mut timelines =
            Timelines::new(&capture.interface_names(), self.keylog).with_dispatch(self.dispatch).streaming();
        let share = timelines.share_memory(self.memory_limit);
        let tracker = Tracker::with_keylog(self.keylog.clone())
            .with_dispatch(self.dispatch.clone())
            .with_memory_limit(share);
        let mut visit = Exporting { export, timelines, failed: None };
        let tracking = Tracking { tracker, user_keylog: self.keylog };
        let outcome = if self.ahead {
            for_each_packet_behind(&capture, tracking, &mut io::sink(), &mut visit)
        } else {
            for_each_packet(&mut FileSource::new(&capture), tracking, &mut io::sink(), &mut visit)
        }
        .map_err(|error| Failure::Cli(CliError::Output(error)))?;
        let Exporting { mut export, timelines, failed } = visit;
        if let Some(error) = failed {
            return Err(Failure::Export(error));
        }
        for connection in timelines.finish() {
            export.connection(&connection).map_err(Failure::Export)?;
        }
        Ok((export.finish().map_err(Failure::Export)?, outcome))
    }
}

/// Hands each tracked packet to the tables and each ended connection after it.
struct Exporting {
    export: Export,
    timelines: Timelines,
    failed: Option<ExportError>,
}

impl Visit for Exporting {
    fn packet<'a>(&mut self, _: &mut dyn Write, frame: &Frame<'a>, packet: &Packet<'a>) -> io::Result<bool> {
        self.timelines.handle(frame, packet);
        let written = self.export.packet(frame, packet, self.timelines.latest()).and_then(|()| {
            self.timelines.take_ended().try_for_each(|connection| self.export.connection(&connection))
        });
        match written {
            Ok(()) => Ok(true),
            Err(error) => {
                self.failed = Some(error);
                Ok(false)
            }
        }
    }

    fn secrets(&mut self, text: &[u8]) {
        self.timelines.add_key_log_text(text);
    }
}

fn report(file: &Path, result: &Result<(Written, Outcome), Failure>) {
    let line = match result {
        Ok((written, outcome)) => {
            let cut = match outcome {
                Outcome::Complete => "",
                Outcome::CutShort => " (the capture was cut short; every packet read was written)",
            };
            let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
            format!(
                "{}: {}, {}{cut}",
                file.display(),
                plural(written.packets, "packet", "packets"),
                plural(written.connections, "connection", "connections")
            )
        }
        Err(Failure::Cli(error)) => format!("rttscope: {}: {error}", file.display()),
        Err(Failure::Export(error)) => format!("rttscope: {}: {error}", file.display()),
    };
    match result {
        Ok(_) => println!("{line}"),
        Err(_) => eprintln!("{line}"),
    }
}
