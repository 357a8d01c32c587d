//! Capture files: pcap and pcapng, plain or gzip-compressed, read whole and walked in place.
//!
//! A plain file is memory-mapped, so frames borrow straight from the page cache and nothing is
//! copied; a compressed file, a pipe or standard input is first copied (decompressed) into an
//! unlinked temporary file, which is mapped the same way: no capture is ever held whole in
//! memory. Reading
//! never stops at the first damaged byte without saying where: a file cut short or a record
//! that cannot be framed ends the walk with a [`ReadError`] naming its byte offset, after every
//! frame before it has been returned.

use std::fmt;
use std::fs::File;
use std::io;
use std::ops::Deref;
use std::path::Path;

use memmap2::{Advice, Mmap};
use thiserror::Error;

use super::pages::WalkedPages;
use super::spill::{GZIP_MAGIC, MAX_SPILLED, SpillError, Spilled, spill};
use super::{Frame, pcap, pcapng};

/// The container format of a capture file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Classic libpcap: one link type, micro- or nanosecond timestamps.
    Pcap { nanosecond: bool, big_endian: bool },
    /// pcapng: sections, interfaces, and blocks.
    PcapNg,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pcap { nanosecond, big_endian } => write!(
                f,
                "pcap ({}, {})",
                if *nanosecond { "nanosecond" } else { "microsecond" },
                if *big_endian { "big-endian" } else { "little-endian" }
            ),
            Self::PcapNg => f.write_str("pcapng"),
        }
    }
}

/// Why a capture could not be opened at all.
#[derive(Debug, Error)]
pub enum OpenError {
    #[error("cannot read {path}: {}", plain(source))]
    Io { path: String, source: io::Error },
    #[error("{path} is empty")]
    Empty { path: String },
    #[error(
        "{path} is not a capture file: it starts with {magic}{hint}; \
         expected pcap (a1 b2 c3 d4 or a1 b2 3c 4d, either byte order) or pcapng (0a 0d 0d 0a)"
    )]
    NotACapture { path: String, magic: String, hint: &'static str },
    #[error("{path}: {reason}")]
    BadHeader { path: String, reason: String },
    #[error("{path} holds more than {} GiB once decompressed; rttscope stops there", MAX_SPILLED >> 30)]
    TooLarge { path: String },
}

/// An I/O error in words, without the OS error number.
fn plain(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => {
            let text = error.to_string();
            match text.find(" (os error") {
                Some(end) => text[..end].to_owned(),
                None => text,
            }
        }
    }
}

/// Why reading stopped before the end of the file.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ReadError {
    #[error(
        "the capture is cut short at byte {offset}: the record there needs {needed} bytes, only {available} remain"
    )]
    Truncated { offset: u64, needed: u64, available: u64 },
    #[error("the capture is damaged at byte {offset}: {reason}")]
    Malformed { offset: u64, reason: String },
    #[error("the capture could not be read past byte {offset}: {reason}")]
    Input { offset: u64, reason: String },
}

/// The kind of key material in a pcapng Decryption Secrets Block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretsKind {
    /// `TLSK`: an NSS key log, as text.
    TlsKeyLog,
    /// Any other secrets type, by its number.
    Other(u32),
}

impl From<u32> for SecretsKind {
    fn from(value: u32) -> Self {
        match value {
            0x544c_534b => Self::TlsKeyLog,
            other => Self::Other(other),
        }
    }
}

/// Key material embedded in a capture, kept for the decryption stages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Secrets<'a> {
    pub kind: SecretsKind,
    pub data: &'a [u8],
}

/// One item of a capture, in file order.
pub(super) enum Record<'a> {
    Frame(Frame<'a>),
    Secrets(Secrets<'a>),
}

/// The bytes of a whole capture.
enum Bytes {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

impl Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Self::Mapped(map) => map,
            Self::Owned(vec) => vec,
        }
    }
}

/// An opened capture file.
pub struct CaptureFile {
    bytes: Bytes,
    format: Format,
    compressed: bool,
    warning: Option<String>,
}

impl CaptureFile {
    /// Opens a capture file, or standard input when `path` is `-` (named so in messages).
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        let shown =
            if path.as_os_str() == "-" { "standard input".to_owned() } else { path.display().to_string() };
        let io_error = |source| OpenError::Io { path: shown.clone(), source };
        if path.as_os_str() == "-" {
            return Self::from_spilled(spill(io::stdin().lock()), &shown);
        }
        let file = File::open(path).map_err(io_error)?;
        let metadata = file.metadata().map_err(io_error)?;
        if metadata.is_dir() {
            return Err(io_error(io::Error::other("it is a directory")));
        }
        if metadata.is_file() && metadata.len() > 0 {
            // SAFETY: the map is only read. If another process truncates the file while it is
            // mapped, reads past the new end fault; that is the usual, accepted risk of mapping
            // a capture (tcpdump and Wireshark's readers take the same one for speed).
            let map = unsafe { Mmap::map(&file) }.map_err(io_error)?;
            // Captures are read front to back: let the kernel read ahead. A refusal is harmless.
            let _ = map.advise(Advice::Sequential);
            return Self::from_bytes(Bytes::Mapped(map), &shown);
        }
        // A pipe or a device: copied into a temporary file first.
        Self::from_spilled(spill(file), &shown)
    }

    /// Opens a capture held in memory; `name` is used in error messages. A gzip-compressed
    /// one is decompressed into a temporary file, as a file would be.
    pub fn from_vec(bytes: Vec<u8>, name: &str) -> Result<Self, OpenError> {
        Self::from_bytes(Bytes::Owned(bytes), name)
    }

    fn from_bytes(bytes: Bytes, path: &str) -> Result<Self, OpenError> {
        if bytes.starts_with(&GZIP_MAGIC) {
            return Self::from_spilled(spill(&*bytes), path);
        }
        let format = detect(&bytes, path)?;
        Ok(Self { bytes, format, compressed: false, warning: None })
    }

    /// Opens what [`spill`] copied into a temporary file.
    fn from_spilled(spilled: Result<Spilled, SpillError>, path: &str) -> Result<Self, OpenError> {
        let Spilled { map, compressed, broken_off } = spilled.map_err(|error| match error {
            SpillError::Io(source) => OpenError::Io { path: path.to_owned(), source },
            SpillError::TooLarge => OpenError::TooLarge { path: path.to_owned() },
            SpillError::NotGzip(error) => OpenError::BadHeader {
                path: path.to_owned(),
                reason: format!("not a readable gzip file ({error})"),
            },
        })?;
        let Some(map) = map else {
            return Err(OpenError::Empty { path: path.to_owned() });
        };
        let _ = map.advise(Advice::Sequential);
        let warning = broken_off.map(|error| {
            format!("the gzip stream of {path} breaks off after {} decompressed bytes ({error})", map.len())
        });
        let format = detect(&map, path)?;
        Ok(Self { bytes: Bytes::Mapped(map), format, compressed, warning })
    }

    /// The container format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Whether the file was gzip-compressed (byte offsets then count decompressed bytes).
    pub fn compressed(&self) -> bool {
        self.compressed
    }

    /// A problem met while opening that did not stop it, such as a gzip stream that ends early.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    /// Size of the (decompressed) capture in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the capture holds no bytes (never true for an opened file).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// How far into the (decompressed) capture `data` ends, for progress: `data` must be a
    /// frame's bytes borrowed from this capture, else `None`.
    pub fn position_of(&self, data: &[u8]) -> Option<usize> {
        let start = self.bytes.as_ptr() as usize;
        let end = (data.as_ptr() as usize).checked_add(data.len())?;
        (start..=start + self.bytes.len()).contains(&end).then(|| end - start)
    }

    /// Every frame in file order; a [`ReadError`] ends the walk.
    pub fn frames(&self) -> Frames<'_> {
        Frames {
            records: self.records(),
            number: 0,
            done: false,
            pages: Some(self.walked_pages()),
            secrets: Vec::new(),
        }
    }

    /// A releaser for the pages of this capture's mapping that a walk has left behind.
    pub fn walked_pages(&self) -> WalkedPages<'_> {
        let mapped = match &self.bytes {
            Bytes::Mapped(map) => Some(map),
            Bytes::Owned(_) => None,
        };
        WalkedPages::new(mapped)
    }

    /// The frames after the place `mark` was taken, by a walk of this same capture: the walk
    /// goes on from there, numbering as it did. A mark from another file reads garbage or
    /// fails as damage would; it cannot read outside this file's bytes.
    pub fn frames_from(&self, mark: &FramesMark) -> Frames<'_> {
        let mut frames = self.frames();
        frames.records = match (&mark.records, self.format) {
            (RecordsMark::Pcap(offset), Format::Pcap { .. }) => {
                match pcap::Reader::resume(&self.bytes, *offset) {
                    Ok((reader, rest)) => Records::Pcap(reader, rest),
                    Err(reason) => Records::Failed(Some(ReadError::Malformed { offset: *offset, reason })),
                }
            }
            (RecordsMark::PcapNg(at), Format::PcapNg) => match pcapng::Reader::resume(&self.bytes, at) {
                Ok((reader, rest)) => Records::PcapNg(reader, rest),
                Err(reason) => Records::Failed(Some(ReadError::Malformed { offset: 0, reason })),
            },
            (RecordsMark::Failed, _) => Records::Failed(None),
            _ => Records::Failed(Some(ReadError::Malformed {
                offset: 0,
                reason: "a place marked in a capture of another format".to_owned(),
            })),
        };
        frames.number = mark.number;
        // The pages before the mark are not this walk's to read again.
        let offset = frames.records.offset();
        if let Some(pages) = &mut frames.pages {
            pages.skip_before(offset);
        }
        frames
    }

    /// The names of the interfaces a pcapng capture describes before its first packet, by
    /// interface id (`None` where an interface has no name); empty for pcap.
    pub fn interface_names(&self) -> Vec<Option<String>> {
        match self.records() {
            Records::PcapNg(reader, rest) => reader.interface_names(rest),
            _ => Vec::new(),
        }
    }

    /// How many decimal digits of a second the capture's timestamps carry, by pcapng interface
    /// id (one entry for pcap): 6 for microseconds, 9 for nanoseconds.
    pub fn time_digits(&self) -> Vec<u8> {
        match (self.format, self.records()) {
            (_, Records::PcapNg(reader, rest)) => reader.interface_time_digits(rest),
            (Format::Pcap { nanosecond: true, .. }, _) => vec![9],
            _ => vec![6],
        }
    }

    /// The key material of every Decryption Secrets Block, in file order.
    pub fn secrets(&self) -> Vec<Secrets<'_>> {
        let mut records = self.records();
        std::iter::from_fn(|| records.next())
            .map_while(Result::ok)
            .filter_map(|record| match record {
                Record::Secrets(secrets) => Some(secrets),
                Record::Frame(_) => None,
            })
            .collect()
    }

    fn records(&self) -> Records<'_> {
        // The header was validated by `detect`, so constructing a reader cannot fail here; a
        // failure would still surface as a read error rather than a panic.
        match self.format {
            Format::Pcap { .. } => match pcap::Reader::new(&self.bytes) {
                Ok((reader, rest)) => Records::Pcap(reader, rest),
                Err(reason) => Records::Failed(Some(ReadError::Malformed { offset: 0, reason })),
            },
            Format::PcapNg => match pcapng::Reader::new(&self.bytes) {
                Ok(reader) => Records::PcapNg(reader, &self.bytes),
                Err(reason) => Records::Failed(Some(ReadError::Malformed { offset: 0, reason })),
            },
        }
    }
}

/// A reader and the bytes of the file it has still to read.
enum Records<'a> {
    Pcap(pcap::Reader, &'a [u8]),
    PcapNg(pcapng::Reader, &'a [u8]),
    Failed(Option<ReadError>),
}

impl<'a> Records<'a> {
    /// How far into the file the walk has come.
    fn offset(&self) -> u64 {
        match self {
            Self::Pcap(reader, _) => reader.offset(),
            Self::PcapNg(reader, _) => reader.offset(),
            Self::Failed(_) => 0,
        }
    }

    fn next(&mut self) -> Option<Result<Record<'a>, ReadError>> {
        match self {
            Self::Pcap(reader, rest) => reader.next_record(rest),
            Self::PcapNg(reader, rest) => reader.next_record(rest),
            Self::Failed(error) => error.take().map(Err),
        }
    }
}

/// Where a walk of a capture stands between two frames, to go on from there later with
/// [`CaptureFile::frames_from`] (the UI's checkpoints). It owns what it needs and borrows
/// nothing, so another thread can go on from it.
#[derive(Clone, Debug)]
pub struct FramesMark {
    records: RecordsMark,
    /// Frames walked before the mark.
    number: u64,
}

#[derive(Clone, Debug)]
enum RecordsMark {
    Pcap(u64),
    PcapNg(pcapng::Mark),
    Failed,
}

impl FramesMark {
    /// How many frames were walked before the mark.
    pub fn frames_before(&self) -> u64 {
        self.number
    }
}

/// Iterator over the frames of a capture. After an error it yields nothing more.
pub struct Frames<'a> {
    records: Records<'a>,
    number: u64,
    done: bool,
    /// The pages walked past, handed back to the kernel as the walk goes on; `None` when the
    /// caller releases them itself ([`Frames::keep_pages`]).
    pages: Option<WalkedPages<'a>>,
    /// Decryption Secrets Blocks walked past since the caller last took them.
    secrets: Vec<Secrets<'a>>,
}

impl<'a> Frames<'a> {
    /// Where the walk stands now, after the frame last handed out. Decryption Secrets Blocks
    /// read and not yet taken are not part of it: take them first.
    pub fn mark(&self) -> FramesMark {
        let records = match &self.records {
            Records::Pcap(reader, _) => RecordsMark::Pcap(reader.offset()),
            Records::PcapNg(reader, _) => RecordsMark::PcapNg(reader.mark()),
            Records::Failed(_) => RecordsMark::Failed,
        };
        FramesMark { records, number: self.number }
    }

    /// The TLS key logs of the Decryption Secrets Blocks read so far and not yet taken (other
    /// kinds of secrets, and empty ones, are not kept). A block precedes the packets it
    /// applies to, so taking them after each frame is enough; more than 65,536 of them before
    /// one packet end the walk with an error.
    pub fn take_secrets(&mut self) -> Vec<Secrets<'a>> {
        std::mem::take(&mut self.secrets)
    }
}

/// The most Decryption Secrets Blocks kept waiting for [`Frames::take_secrets`]: a real capture
/// has a few before its packets, and without a bound a file of nothing else would grow the list
/// by more than its own size.
const MAX_PENDING_SECRETS: usize = 1 << 16;

impl Frames<'_> {
    /// Leaves the pages walked past resident: the caller releases them with
    /// [`WalkedPages`] once it no longer reads the frames (another thread may still be
    /// reading frames this walk has passed).
    pub fn keep_pages(mut self) -> Self {
        self.pages = None;
        self
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = Result<Frame<'a>, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.records.next() {
                None => self.done = true,
                Some(Err(error)) => {
                    self.done = true;
                    return Some(Err(error));
                }
                // Only TLS key logs are used; an empty one adds nothing.
                Some(Ok(Record::Secrets(secrets)))
                    if secrets.kind != SecretsKind::TlsKeyLog || secrets.data.is_empty() => {}
                Some(Ok(Record::Secrets(secrets))) => {
                    if self.secrets.len() == MAX_PENDING_SECRETS {
                        self.done = true;
                        let reason = format!(
                            "more than {MAX_PENDING_SECRETS} Decryption Secrets Blocks come before a packet; \
                             rttscope stops there"
                        );
                        return Some(Err(ReadError::Malformed { offset: self.records.offset(), reason }));
                    }
                    self.secrets.push(secrets);
                }
                Some(Ok(Record::Frame(mut frame))) => {
                    self.number += 1;
                    frame.number = self.number;
                    let offset = self.records.offset();
                    if let Some(pages) = &mut self.pages {
                        pages.release_before(offset);
                    }
                    return Some(Ok(frame));
                }
            }
        }
        None
    }
}

fn detect(bytes: &[u8], path: &str) -> Result<Format, OpenError> {
    if bytes.is_empty() {
        return Err(OpenError::Empty { path: path.to_owned() });
    }
    if bytes.starts_with(&pcapng::MAGIC) {
        pcapng::Reader::new(bytes)
            .map_err(|reason| OpenError::BadHeader { path: path.to_owned(), reason })?;
        return Ok(Format::PcapNg);
    }
    if let Some(format) = pcap::detect(bytes) {
        pcap::Reader::new(bytes).map_err(|reason| OpenError::BadHeader { path: path.to_owned(), reason })?;
        return Ok(format);
    }
    Err(not_a_capture(bytes, path))
}

/// Says that what starts with `bytes` is not a capture, naming its first bytes and, where it
/// can, what it probably is.
pub(super) fn not_a_capture(bytes: &[u8], path: &str) -> OpenError {
    let shown = &bytes[..bytes.len().min(4)];
    let magic = shown.iter().map(|byte| format!("{byte:02x}")).collect::<Vec<_>>().join(" ");
    OpenError::NotACapture { path: path.to_owned(), magic, hint: guess_format(bytes) }
}

/// Names a few common non-capture formats, so the error says what the file probably is.
fn guess_format(bytes: &[u8]) -> &'static str {
    const KNOWN: &[(&[u8], &str)] = &[
        (b"PK\x03\x04", " (a ZIP archive)"),
        (b"%PDF", " (a PDF document)"),
        (b"\x7fELF", " (an ELF executable)"),
        (b"\x89PNG", " (a PNG image)"),
        (b"\xa1\xb2\xcd\x34", " (a Kuznetzov-modified pcap, which is not supported)"),
        (b"\x34\xcd\xb2\xa1", " (a Kuznetzov-modified pcap, which is not supported)"),
    ];
    if let Some((_, name)) = KNOWN.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return name;
    }
    let head = &bytes[..bytes.len().min(64)];
    if head.iter().all(|byte| byte.is_ascii_graphic() || byte.is_ascii_whitespace()) {
        return " (it looks like text)";
    }
    ""
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(bytes: &[u8]) -> Result<CaptureFile, OpenError> {
        CaptureFile::from_vec(bytes.to_vec(), "test.pcap")
    }

    #[test]
    fn names_the_magic_of_a_file_that_is_not_a_capture() {
        let error = open(b"GET / HTTP/1.1\r\n").err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some(
                "test.pcap is not a capture file: it starts with 47 45 54 20 (it looks like text); \
                 expected pcap (a1 b2 c3 d4 or a1 b2 3c 4d, either byte order) or pcapng (0a 0d 0d 0a)"
            )
        );
        let error = open(b"PK\x03\x04rest").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains("50 4b 03 04 (a ZIP archive)"), "{error}");
    }

    #[test]
    fn empty_and_short_inputs_are_refused_with_a_reason() {
        assert!(matches!(open(b""), Err(OpenError::Empty { .. })));
        let short_pcap = [0xd4, 0xc3, 0xb2, 0xa1, 2, 0];
        assert!(matches!(open(&short_pcap), Err(OpenError::BadHeader { .. })));
    }

    /// A capture of `blocks` one-byte key logs, then one packet.
    fn secrets_then_a_packet(blocks: usize) -> Vec<u8> {
        let mut writer = crate::capture::PcapngWriter::new(Vec::new()).unwrap();
        writer.add_interface("lo", crate::capture::LinkType::Ethernet, 0).unwrap();
        for _ in 0..blocks {
            writer.write_secrets(b"#").unwrap();
        }
        writer.write_packet(0, 1_000, 14, &[0; 14]).unwrap();
        writer.finish().unwrap()
    }

    /// Regression: every block was kept until taken, so a file of nothing but secrets blocks
    /// grew the list by more than its own size.
    #[test]
    fn secrets_blocks_waiting_for_a_packet_are_bounded() {
        let capture = open(&secrets_then_a_packet(MAX_PENDING_SECRETS)).unwrap();
        let mut frames = capture.frames();
        assert!(matches!(frames.next(), Some(Ok(_))));
        assert_eq!(frames.take_secrets().len(), MAX_PENDING_SECRETS);
        let capture = open(&secrets_then_a_packet(MAX_PENDING_SECRETS + 1)).unwrap();
        let mut frames = capture.frames();
        let error = frames.next().and_then(Result::err).map(|error| error.to_string()).unwrap_or_default();
        assert!(error.contains("more than 65536 Decryption Secrets Blocks come before a packet"), "{error}");
        assert!(frames.next().is_none());
    }

    #[test]
    fn gzip_that_is_not_gzip_is_a_bad_header() {
        let error = open(&[0x1f, 0x8b, 0, 0, 0]).err();
        assert!(matches!(error, Some(OpenError::BadHeader { .. })), "{error:?}");
    }
}
