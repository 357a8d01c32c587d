//! Export Objects → HTTP from the UI (`o`): every response body the tracker put together,
//! gathered by a walk over the capture on a thread of its own and written to a new directory
//! `NAME-objects/` in the output directory, one file per body (see [`crate::objects`]); where
//! no directory may be made (after `live`'s privilege drop), as `NAME-objects-*` files there.
//!
//! The invariant: nothing here runs on the UI thread but the queueing of the command; the
//! export ends in one status-line note that says how many files were written and where, or why
//! none were.

use std::io::{self, Write as _};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;

use super::action::{Action, Command};
use super::app::App;
use super::source::{Ended, Next, Source, each, walk_decoded};
use super::workbench::export_stem;
use crate::dispatch::Dispatch;
use crate::objects::names::{Names, file_name};
use crate::objects::{Collector, MAX_OBJECTS, Object, Objects, new_directory, write_objects};
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

/// Gathers the HTTP objects of `source`; `None` when cancelled.
pub fn collect(
    source: &Source,
    keylog: &KeyLog,
    dispatch: &Dispatch,
    cancel: &AtomicBool,
) -> Option<Objects> {
    let mut collector = Collector::default();
    let mut visit = each(|frame, packet| {
        collector.packet(frame.number, packet);
        Next::Continue
    });
    struct UpToNow<'v, V>(&'v mut V);
    impl<V: super::source::Visitor> super::source::Visitor for UpToNow<'_, V> {
        fn packet<'a>(
            &mut self,
            frame: &crate::capture::Frame<'a>,
            packet: &crate::dissect::Packet<'a>,
        ) -> Next {
            self.0.packet(frame, packet)
        }
        /// A live capture is exported up to where it stands.
        fn idle(&mut self) -> Next {
            Next::Stop
        }
    }
    let ended = walk_decoded(source, keylog, dispatch, cancel, &mut UpToNow(&mut visit));
    (ended != Ended::Cancelled).then(|| collector.finish())
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
        let note = match collect(&source, &keylog, &dispatch, &cancel) {
            None => "the HTTP objects export was cancelled".to_owned(),
            Some(objects) => write(&objects, &directory),
        };
        let _ = events.send(Action::Note(note));
    };
    let _ = std::thread::Builder::new().name("export objects".to_owned()).spawn(work);
}

/// Writes `objects` to a new directory named `directory` (or `directory-2`, …) in the output
/// directory; the note that says so.
fn write(objects: &Objects, directory: &str) -> String {
    if objects.objects.is_empty() {
        return "no HTTP response bodies to export (none decrypted, or none sent)".to_owned();
    }
    let Some(parent) = OutputDir::path() else {
        return "cannot export HTTP objects: no output directory".to_owned();
    };
    let more = match objects.left_out {
        0 => String::new(),
        left_out => format!(" (the first {MAX_OBJECTS}; {left_out} more left out)"),
    };
    let failed = |error: io::Error| format!("cannot export HTTP objects to {directory}/: {error}");
    match new_directory(parent, directory) {
        Ok(path) => match write_objects(&path, &objects.objects) {
            Ok(written) => {
                let name =
                    path.file_name().map_or_else(String::new, |name| name.to_string_lossy().into_owned());
                format!("wrote {} HTTP objects{more} to {name}/ in {}", written.files.len(), parent.display())
            }
            Err(error) => failed(error),
        },
        // After `live`'s privilege drop no directory can be made (its system-call filter and
        // Landlock let it create files alone, through `OutputDir`): the files go beside the
        // other exports instead, each name led by the directory's.
        Err(error) if matches!(error.raw_os_error(), Some(libc::ENOSYS | libc::EPERM | libc::EACCES)) => {
            match write_flat(&objects.objects, directory) {
                Ok(count) => format!(
                    "wrote {count} HTTP objects{more} as {directory}-* in {} (no directory after the privilege drop)",
                    parent.display()
                ),
                Err(error) => failed(error),
            }
        }
        Err(error) => failed(error),
    }
}

/// Writes each object to a new file `prefix-NAME` in the output directory; returns how many.
fn write_flat(objects: &[Object], prefix: &str) -> io::Result<usize> {
    // The prefix is a capture's stem (ASCII): cut so that a name stays within a file system's
    // 255 bytes.
    let prefix = &prefix[..prefix.len().min(100)];
    let mut names = Names::default();
    for object in objects {
        let name =
            names.unique(&format!("{prefix}-{}", file_name(&object.path, object.content_type.as_deref())));
        let (_, mut file) = super::export::create_new(&name)?;
        file.write_all(&object.body)?;
    }
    Ok(objects.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::Version;
    use crate::tui::app::View;
    use crate::tui::testing::{self, bundled};

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
