//! Writing objects to a directory: each body to a new file named by `names.rs`, never
//! replacing a file (`O_CREAT | O_EXCL | O_NOFOLLOW`, mode 0600, since a body may be decrypted
//! traffic), and a new directory for an export from the UI that never reuses one.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::Object;
use super::names::{Names, file_name};

/// How many names are tried for one file or directory before giving up.
const NAMES_TRIED: usize = 100;

/// What an export wrote.
#[derive(Debug, PartialEq, Eq)]
pub struct Written {
    /// The files' names, in the objects' order.
    pub files: Vec<String>,
}

/// Creates the new directory `name` in `parent` (mode 0700), or `name-2`, `name-3`, … when it
/// is taken; returns its path.
pub fn new_directory(parent: &Path, name: &str) -> io::Result<PathBuf> {
    for attempt in 1..=NAMES_TRIED {
        let candidate = if attempt == 1 { name.to_owned() } else { format!("{name}-{attempt}") };
        let path = parent.join(&candidate);
        match DirBuilder::new().mode(0o700).create(&path) {
            Ok(()) => return Ok(path),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{name} and {NAMES_TRIED} names after it are taken"),
    ))
}

/// Where objects go, one at a time, as they are finished.
pub trait Sink {
    fn object(&mut self, object: &Object) -> io::Result<()>;
}

/// Writes each object's body to a new file in a directory that exists.
#[derive(Debug)]
pub struct ObjectWriter {
    directory: PathBuf,
    names: Names,
    /// The files' names, in the objects' order.
    pub files: Vec<String>,
}

impl ObjectWriter {
    pub fn new(directory: PathBuf) -> Self {
        Self { directory, names: Names::default(), files: Vec::new() }
    }
}

impl Sink for ObjectWriter {
    fn object(&mut self, object: &Object) -> io::Result<()> {
        let wanted = file_name(&object.path, object.content_type.as_deref());
        let (name, mut file) = create(&self.directory, &wanted, &mut self.names)?;
        file.write_all(&object.body)?;
        self.files.push(name);
        Ok(())
    }
}

/// Gathers a capture's objects packet by packet and hands each to a sink as soon as it is
/// finished, so that no more than the open responses is held.
#[derive(Debug)]
pub struct Exporter<S: Sink> {
    collector: super::Collector,
    pub sink: S,
}

impl<S: Sink> Exporter<S> {
    pub fn new(sink: S) -> Self {
        Self { collector: super::Collector::default(), sink }
    }

    /// Reads one tracked packet; writes what it finished.
    pub fn packet(&mut self, frame: u64, packet: &crate::dissect::Packet<'_>) -> io::Result<()> {
        self.collector.packet(frame, packet);
        self.collector.take().iter().try_for_each(|object| self.sink.object(object))
    }

    /// Writes what is left; returns the sink and how many objects were left out.
    pub fn finish(mut self) -> io::Result<(S, super::LeftOut)> {
        let rest = self.collector.finish();
        rest.objects.iter().try_for_each(|object| self.sink.object(object))?;
        Ok((self.sink, rest.left_out))
    }
}

/// Writes each object's body to a new file in `directory`, which must exist.
pub fn write_objects(directory: &Path, objects: &[Object]) -> io::Result<Written> {
    let mut writer = ObjectWriter::new(directory.to_owned());
    objects.iter().try_for_each(|object| writer.object(object))?;
    Ok(Written { files: writer.files })
}

/// A new file for `wanted` in `directory`: the first name [`Names`] gives that is not taken
/// on disk either.
fn create(directory: &Path, wanted: &str, names: &mut Names) -> io::Result<(String, File)> {
    for _ in 0..NAMES_TRIED {
        let name = names.unique(wanted);
        let opened = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(directory.join(&name));
        match opened {
            Ok(file) => return Ok((name, file)),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{wanted} and {NAMES_TRIED} names after it are taken"),
    ))
}
