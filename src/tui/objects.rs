//! Export Objects → HTTP from the UI (`o`): every response body the tracker put together,
//! gathered by a walk over the capture on a thread of its own and written, each as soon as it
//! is finished, to a new directory `NAME-objects/` in the output directory, one file per body
//! (see [`crate::objects`]); where no directory may be made (after `live`'s privilege drop),
//! as `NAME-objects-*` files there.
//!
//! The invariant: nothing here runs on the UI thread but the queueing of the command; the
//! directory is made only once there is a body to write; the export ends in one status-line
//! note that says how many files were written and where, or why none were.

use std::io::{self, Write as _};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;

use super::action::{Action, Command};
use super::app::App;
use super::source::{Ended, Next, Source, Visitor, walk_decoded};
use super::workbench::export_stem;
use crate::capture::Frame;
use crate::dispatch::Dispatch;
use crate::dissect::Packet;
use crate::objects::names::{Names, file_name};
use crate::objects::{Exporter, Object, ObjectWriter, Sink, new_directory};
use crate::privilege::OutputDir;
use crate::track::keylog::KeyLog;

impl App {
    /// `o`: the capture's HTTP objects to `NAME-objects/`, on a worker.
    pub(super) fn export_objects(&mut self) {
        let directory = format!("{}-objects", export_stem(&self.title));
        self.notes.push(format!("exporting HTTP objects to {directory}/…"));
        self.commands.push(Command::WriteObjects { directory });
    }
}

/// Walks `source` to its end (a live capture: to where it stands), handing each tracked packet
/// to `visit` until it says stop; whether the walk was cancelled.
fn walk(
    source: &Source,
    keylog: &KeyLog,
    dispatch: &Dispatch,
    cancel: &AtomicBool,
    visit: impl FnMut(&Frame<'_>, &Packet<'_>) -> Next,
) -> bool {
    struct UpToNow<V>(V);
    impl<V: FnMut(&Frame<'_>, &Packet<'_>) -> Next> Visitor for UpToNow<V> {
        fn packet<'a>(&mut self, frame: &Frame<'a>, packet: &Packet<'a>) -> Next {
            (self.0)(frame, packet)
        }
        /// A live capture is exported up to where it stands.
        fn idle(&mut self) -> Next {
            Next::Stop
        }
    }
    walk_decoded(source, keylog, dispatch, cancel, &mut UpToNow(visit)) == Ended::Cancelled
}

/// Gathers and writes the objects on a thread; says how it went in a note.
pub fn spawn(
    source: Source,
    keylog: KeyLog,
    dispatch: Dispatch,
    directory: String,
    events: Sender<Action>,
    cancel: Arc<AtomicBool>,
) {
    let work = move || {
        let note = export(&source, &keylog, &dispatch, &directory, &cancel);
        let _ = events.send(Action::Note(note));
    };
    let _ = std::thread::Builder::new().name("export objects".to_owned()).spawn(work);
}

/// The export itself; the note that says how it went.
fn export(
    source: &Source,
    keylog: &KeyLog,
    dispatch: &Dispatch,
    directory: &str,
    cancel: &AtomicBool,
) -> String {
    let Some(parent) = OutputDir::path() else {
        return "cannot export HTTP objects: no output directory".to_owned();
    };
    let mut exporter =
        Exporter::new(Lazy { parent: parent.to_owned(), directory: directory.to_owned(), made: None });
    let mut failed = None;
    let cancelled =
        walk(source, keylog, dispatch, cancel, |frame, packet| match exporter.packet(frame.number, packet) {
            Ok(()) => Next::Continue,
            Err(error) => {
                failed = Some(error);
                Next::Stop
            }
        });
    let finished = match failed {
        Some(error) => Err(error),
        None => exporter.finish(),
    };
    let (sink, left_out) = match finished {
        Ok(finished) => finished,
        Err(error) => return format!("cannot export HTTP objects to {directory}/: {error}"),
    };
    let more = match left_out.describe() {
        described if described.is_empty() => described,
        described => format!(" ({described})"),
    };
    let stopped = if cancelled { " (cancelled)" } else { "" };
    match sink.made {
        None => "no HTTP response bodies to export (none decrypted, or none sent)".to_owned(),
        Some(Made::Directory(writer, name)) => {
            format!(
                "wrote {} HTTP objects{more}{stopped} to {name}/ in {}",
                writer.files.len(),
                parent.display()
            )
        }
        Some(Made::Flat { written, .. }) => format!(
            "wrote {written} HTTP objects{more}{stopped} as {directory}-* in {} (no directory after the privilege drop)",
            parent.display()
        ),
    }
}

/// The objects' destination, made when the first one comes.
struct Lazy {
    parent: PathBuf,
    directory: String,
    made: Option<Made>,
}

enum Made {
    /// A new directory (its name) and what was written to it.
    Directory(ObjectWriter, String),
    /// Files `directory-NAME` beside the other exports.
    Flat { names: Names, written: usize },
}

impl Sink for Lazy {
    fn object(&mut self, object: &Object) -> io::Result<()> {
        if self.made.is_none() {
            self.made = Some(match new_directory(&self.parent, &self.directory) {
                Ok(path) => {
                    let name =
                        path.file_name().map_or_else(String::new, |name| name.to_string_lossy().into_owned());
                    Made::Directory(ObjectWriter::new(path), name)
                }
                // After `live`'s privilege drop no directory can be made (its system-call
                // filter and Landlock let it create files alone, through `OutputDir`).
                Err(error)
                    if matches!(error.raw_os_error(), Some(libc::ENOSYS | libc::EPERM | libc::EACCES)) =>
                {
                    Made::Flat { names: Names::default(), written: 0 }
                }
                Err(error) => return Err(error),
            });
        }
        match &mut self.made {
            Some(Made::Directory(writer, _)) => writer.object(object),
            Some(Made::Flat { names, written }) => {
                // The prefix is a capture's stem (ASCII): cut so that a name stays within a
                // file system's 255 bytes.
                let prefix = &self.directory[..self.directory.len().min(100)];
                let wanted = format!("{prefix}-{}", file_name(&object.path, object.content_type.as_deref()));
                let (_, mut file) = super::export::create_new(&names.unique(&wanted))?;
                file.write_all(&object.body)?;
                *written += 1;
                Ok(())
            }
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::{Collector, Objects, Version, write_objects};
    use crate::tui::app::View;
    use crate::tui::testing::{self, bundled};

    /// Gathers the HTTP objects of `source` all held; `None` when cancelled.
    fn collect(
        source: &Source,
        keylog: &KeyLog,
        dispatch: &Dispatch,
        cancel: &AtomicBool,
    ) -> Option<Objects> {
        let mut collector = Collector::default();
        let mut kept = Vec::new();
        let cancelled = walk(source, keylog, dispatch, cancel, |frame, packet| {
            collector.packet(frame.number, packet);
            kept.extend(collector.take());
            Next::Continue
        });
        let mut objects = collector.finish();
        kept.append(&mut objects.objects);
        objects.objects = kept;
        (!cancelled).then_some(objects)
    }

    fn objects(path: &str) -> Objects {
        let (source, keylog) = bundled(path);
        collect(&source, &keylog, &Dispatch::new(), &AtomicBool::new(false)).expect("not cancelled")
    }

    /// (version, path, content type, body) of each object.
    fn summary(objects: &Objects) -> Vec<(Version, String, Option<String>, String)> {
        objects
            .objects
            .iter()
            .map(|object| {
                let body = String::from_utf8_lossy(&object.body).into_owned();
                (object.version, object.path.clone(), object.content_type.clone(), body)
            })
            .collect()
    }

    #[test]
    fn a_decrypted_tls13_response_is_one_http1_object() {
        let objects = objects("captures/tls13.pcapng");
        let found = summary(&objects);
        assert_eq!(found.len(), 1, "{found:#?}");
        let (version, path, content_type, body) = &found[0];
        assert_eq!(*version, Version::Http1);
        assert!(path.ends_with("/tls13/1"), "{path}");
        assert_eq!(content_type.as_deref(), Some("text/plain"));
        assert!(body.contains("you asked for /tls13/1"), "{body}");
        assert_eq!(objects.objects[0].frame, 11, "the response's frame");
    }

    #[test]
    fn http2_over_tls_gives_each_streams_response_body() {
        let found = summary(&objects("fixtures/interop/h2-tls.pcap"));
        let paths: Vec<&str> = found.iter().map(|(_, path, _, _)| path.as_str()).collect();
        assert!(found.iter().all(|(version, ..)| *version == Version::Http2), "{found:#?}");
        assert!(paths.contains(&"/hello.txt"), "{found:#?}");
        let hello = found.iter().find(|(_, path, _, _)| path == "/hello.txt").expect("hello.txt");
        assert_eq!(hello.3, "rttscope interop fixture: hello over HTTP\n");
        assert_eq!(hello.2.as_deref(), Some("text/plain"));
    }

    #[test]
    fn http3_responses_are_objects_too() {
        let found = summary(&objects("captures/all.pcapng"));
        let http3: Vec<_> = found.iter().filter(|(version, ..)| *version == Version::Http3).collect();
        assert!(!http3.is_empty(), "{found:#?}");
        assert!(
            http3.iter().all(|(_, path, _, body)| path.starts_with("/quic") && !body.is_empty()),
            "{http3:#?}"
        );
        // And every HTTP/1.1 response of the capture, nine of them.
        assert_eq!(found.iter().filter(|(version, ..)| *version == Version::Http1).count(), 9, "{found:#?}");
    }

    #[test]
    fn a_websocket_tunnel_or_a_grpc_call_over_http2_is_no_object() {
        // The course capture's HTTP/2 streams are gRPC calls and WebSockets opened by an
        // extended CONNECT (ws-h2, wss-h2), whose DATA carries WebSocket frames.
        let found = summary(&objects("captures/all.pcapng"));
        assert!(found.iter().all(|(version, ..)| *version != Version::Http2), "{found:#?}");
    }

    #[test]
    fn o_queues_the_export_to_a_directory_named_after_the_capture() {
        let mut app = testing::app(testing::TLS13, (80, 24));
        for view in [View::Packets, View::Connections, View::Statistics] {
            app.update(Action::Show(view));
            // Statistics asks for its count on opening.
            app.take_commands();
            app.update(Action::ExportObjects);
            let commands = app.take_commands();
            assert!(
                matches!(commands.as_slice(), [Command::WriteObjects { directory }] if directory == "illustrated-tls13-objects"),
                "{view:?}: {commands:?}"
            );
            assert!(
                app.notes.last().is_some_and(|note| note.contains("illustrated-tls13-objects/")),
                "{:?}",
                app.notes
            );
        }
    }

    #[test]
    fn the_objects_are_written_to_a_new_directory_each_time() {
        let dir = tempfile::tempdir().expect("a directory");
        let objects = objects("captures/all.pcapng");
        let first = new_directory(dir.path(), "all-objects").expect("made");
        let second = new_directory(dir.path(), "all-objects").expect("made");
        assert_eq!(second.file_name().and_then(|name| name.to_str()), Some("all-objects-2"));
        let written = write_objects(&first, &objects.objects).expect("written");
        assert_eq!(written.files.len(), objects.objects.len());
        // `/tls12/1`, `/tls13/1`, … all end in `1`: one name each, none replaced.
        assert!(written.files.contains(&"1.txt".to_owned()) && written.files.contains(&"1-2.txt".to_owned()));
        for (name, object) in written.files.iter().zip(&objects.objects) {
            assert_eq!(std::fs::read(first.join(name)).expect("readable"), object.body, "{name}");
        }
        // Writing again into the same directory never replaces a file.
        let again = write_objects(&first, &objects.objects[..1]).expect("written");
        assert!(!written.files.contains(&again.files[0]), "{:?}", again.files);
    }
}
