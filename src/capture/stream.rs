//! A capture read as it arrives, from a pipe or standard input: `rttscope capture -w - |
//! rttscope dissect -`, or `tcpdump -w - | rttscope dissect -`. Each packet is handed on as
//! soon as its last byte has come, where a mapped file ([`super::CaptureFile`]) would wait for
//! the writer to close the pipe.
//!
//! Invariants: one block (a pcap record, or a pcapng block) is held at a time, and no more is
//! read than the block being read needs, so a packet is never kept waiting for the next one and
//! memory stays flat however long the stream runs. A block is bounded before it is read
//! ([`super::pcap::MAX_RECORD`], [`super::pcapng::MAX_STREAMED_BLOCK`]). The checks are the
//! mapped readers' own: the same [`super::pcap::Reader`] and [`super::pcapng::Reader`] read
//! each block, so a stream and a file of the same bytes give the same frames and errors.
//! A gzip-compressed stream is decompressed on the way.

use std::io::{self, BufRead, BufReader, Cursor, Read};

use flate2::bufread::MultiGzDecoder;

use super::file::{OpenError, ReadError, Record, Secrets, not_a_capture};
use super::spill::GZIP_MAGIC;
use super::{Frame, pcap, pcapng};

/// How much of the input is buffered: a pipe hands over what has been written, so a buffer
/// never waits for more than is there.
const INPUT_BUFFER: usize = 1 << 16;

/// One item of a streamed capture, in stream order: a frame, or key material that applies to
/// the frames after it.
#[derive(Debug)]
pub enum Item<'s> {
    Frame(Frame<'s>),
    Secrets(Secrets<'s>),
}

enum Reader {
    Pcap(pcap::Reader),
    PcapNg(pcapng::Reader),
}

/// A capture read block by block from a stream.
pub struct Stream {
    /// The input, decompressed where it was gzip; its buffer says whether more has arrived.
    input: BufReader<Box<dyn Read>>,
    reader: Reader,
    /// The block being read; for pcapng, the first Section Header Block until it is walked.
    block: Vec<u8>,
    /// Whether `block` holds a block the reader has not walked yet.
    pending: bool,
    number: u64,
    compressed: bool,
    /// An error met by [`Self::read_interfaces`], not yet yielded.
    failed: Option<ReadError>,
    done: bool,
}

impl Stream {
    /// Standard input, named so in messages.
    pub fn stdin() -> Result<Self, OpenError> {
        Self::open(io::stdin(), "standard input")
    }

    /// Reads the capture's header from `input`; `name` is what messages call it.
    pub fn open(input: impl Read + 'static, name: &str) -> Result<Self, OpenError> {
        let bad_header = |reason: String| OpenError::BadHeader { path: name.to_owned(), reason };
        let io_error = |source| OpenError::Io { path: name.to_owned(), source };
        let mut buffered = BufReader::with_capacity(INPUT_BUFFER, input);
        let compressed = buffered.fill_buf().map_err(io_error)?.starts_with(&GZIP_MAGIC);
        let mut input: BufReader<Box<dyn Read>> = if compressed {
            BufReader::with_capacity(INPUT_BUFFER, Box::new(MultiGzDecoder::new(buffered)))
        } else {
            // The bytes already buffered are read first.
            let unread = buffered.buffer().to_vec();
            BufReader::with_capacity(INPUT_BUFFER, Box::new(Cursor::new(unread).chain(buffered.into_inner())))
        };
        // What has arrived of the start, to name what it is if it is not a capture.
        let start = input.fill_buf().map_err(io_error)?.iter().take(64).copied().collect::<Vec<_>>();
        let mut magic = [0u8; 4];
        match read_full(&mut input, &mut magic).map_err(io_error)? {
            0 => return Err(OpenError::Empty { path: name.to_owned() }),
            4 => {}
            _ => return Err(not_a_capture(&start, name)),
        }
        let reader = if magic == pcapng::MAGIC {
            let mut head = [0u8; 12];
            head[..4].copy_from_slice(&magic);
            fill(&mut input, &mut head, 4).map_err(bad_header)?;
            let len = pcapng::block_len(&head, false, 0).map_err(|error| bad_header(error.to_string()))?;
            let mut block = head.to_vec();
            block.resize(len, 0);
            fill(&mut input, &mut block, head.len()).map_err(bad_header)?;
            let mut reader = pcapng::Reader::new(&block).map_err(bad_header)?;
            // The section header is walked like any later one.
            if let Some(Err(error)) = reader.next_record(&mut &block[..]) {
                return Err(bad_header(error.to_string()));
            }
            Reader::PcapNg(reader)
        } else if pcap::detect(&magic).is_some() {
            let mut header = [0u8; 24];
            header[..4].copy_from_slice(&magic);
            fill(&mut input, &mut header, 4).map_err(bad_header)?;
            Reader::Pcap(pcap::Reader::new(&header).map_err(bad_header)?.0)
        } else {
            return Err(not_a_capture(&start, name));
        };
        Ok(Self {
            input,
            reader,
            block: Vec::new(),
            pending: false,
            number: 0,
            compressed,
            failed: None,
            done: false,
        })
    }

    /// Whether everything that has arrived has been read, so the next item waits for the
    /// writer: the moment to flush what was printed.
    pub fn caught_up(&self) -> bool {
        self.input.buffer().is_empty()
    }

    /// Whether the stream was gzip-compressed (byte offsets then count decompressed bytes).
    pub fn compressed(&self) -> bool {
        self.compressed
    }

    /// The names of the interfaces described so far, by interface id (empty for pcap).
    pub fn interface_names(&self) -> Vec<Option<String>> {
        match &self.reader {
            Reader::PcapNg(reader) => reader.names(),
            Reader::Pcap(_) => Vec::new(),
        }
    }

    /// How many decimal digits of a second the timestamps carry, by pcapng interface id (one
    /// entry for pcap), as far as the stream has described its interfaces.
    pub fn time_digits(&self) -> Vec<u8> {
        match &self.reader {
            Reader::PcapNg(reader) => reader.time_digits(),
            Reader::Pcap(reader) => vec![if reader.nanosecond() { 9 } else { 6 }],
        }
    }

    /// Reads up to the first packet without handing it on, so the interfaces described before
    /// it are known (what [`Self::interface_names`] and [`Self::time_digits`] report). An
    /// error met on the way is the first thing [`Self::read_item`] yields.
    pub fn read_interfaces(&mut self) {
        if self.done || self.pending {
            return;
        }
        match self.read_until_record() {
            Ok(true) => {}
            Ok(false) => self.done = true,
            Err(error) => self.failed = Some(error),
        }
    }

    /// The next item, waiting for its bytes to arrive; `None` at the end of the stream. After
    /// an error the stream yields nothing more.
    pub fn read_item(&mut self) -> Option<Result<Item<'_>, ReadError>> {
        if let Some(error) = self.failed.take() {
            self.done = true;
            return Some(Err(error));
        }
        if self.done {
            return None;
        }
        if !self.pending {
            match self.read_until_record() {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Err(error) => {
                    self.done = true;
                    return Some(Err(error));
                }
            }
        }
        self.pending = false;
        let mut rest: &[u8] = &self.block;
        let record = match &mut self.reader {
            Reader::Pcap(reader) => reader.next_record(&mut rest),
            Reader::PcapNg(reader) => reader.next_record(&mut rest),
        };
        match record {
            // `block` holds a packet or secrets block, which always yields a record.
            None => {
                self.done = true;
                None
            }
            Some(Err(error)) => {
                self.done = true;
                Some(Err(error))
            }
            Some(Ok(Record::Frame(mut frame))) => {
                self.number += 1;
                frame.number = self.number;
                Some(Ok(Item::Frame(frame)))
            }
            Some(Ok(Record::Secrets(secrets))) => Some(Ok(Item::Secrets(secrets))),
        }
    }

    /// Reads blocks until one holds a packet or secrets, which is left in `block`, pending;
    /// the blocks before it (section headers, interfaces, others) are walked on the way.
    /// `false` at the end of the stream.
    fn read_until_record(&mut self) -> Result<bool, ReadError> {
        loop {
            if !self.read_block()? {
                return Ok(false);
            }
            match &self.reader {
                Reader::PcapNg(reader) if !pcapng::holds_record(&self.block, reader.big_endian()) => {
                    self.walk_block()?
                }
                _ => {
                    self.pending = true;
                    return Ok(true);
                }
            }
        }
    }

    /// Walks a block that holds no record (a section header, an interface, a block rttscope
    /// skips), for what it says about the blocks after it.
    fn walk_block(&mut self) -> Result<(), ReadError> {
        let mut rest: &[u8] = &self.block;
        let walked = match &mut self.reader {
            Reader::Pcap(reader) => reader.next_record(&mut rest).map(|record| record.map(|_| ())),
            Reader::PcapNg(reader) => reader.next_record(&mut rest).map(|record| record.map(|_| ())),
        };
        walked.unwrap_or(Ok(()))
    }

    /// Reads the next whole block into `block`; `false` if the stream ends before it starts.
    fn read_block(&mut self) -> Result<bool, ReadError> {
        let offset = self.offset();
        // A pcap record's header is 16 bytes; 12 of a pcapng block say its type and length.
        let head_len = match self.reader {
            Reader::Pcap(_) => pcap::RECORD_HEADER_LEN,
            Reader::PcapNg(_) => 12,
        };
        self.block.resize(head_len, 0);
        let mut head = std::mem::take(&mut self.block);
        let started = self.read_head(&mut head);
        self.block = head;
        if !started? {
            return Ok(false);
        }
        let len = match &self.reader {
            Reader::Pcap(reader) => reader.record_len(&self.block)?,
            Reader::PcapNg(reader) => pcapng::block_len(&self.block, reader.big_endian(), offset)?,
        };
        self.block.resize(len, 0);
        let available = read_full(&mut self.input, &mut self.block[head_len..])
            .map_err(|error| self.input_error(offset, &error))?;
        if head_len + available < len {
            let available = (head_len + available) as u64;
            return Err(ReadError::Truncated { offset, needed: len as u64, available });
        }
        Ok(true)
    }

    /// Fills `head` with the start of the next block; `false` if the stream ends before it.
    fn read_head(&mut self, head: &mut [u8]) -> Result<bool, ReadError> {
        let offset = self.offset();
        match read_full(&mut self.input, head).map_err(|error| self.input_error(offset, &error))? {
            0 => Ok(false),
            read if read < head.len() => {
                Err(ReadError::Truncated { offset, needed: head.len() as u64, available: read as u64 })
            }
            _ => Ok(true),
        }
    }

    fn offset(&self) -> u64 {
        match &self.reader {
            Reader::Pcap(reader) => reader.offset(),
            Reader::PcapNg(reader) => reader.offset(),
        }
    }

    fn input_error(&self, offset: u64, error: &io::Error) -> ReadError {
        let what = if self.compressed { "the gzip stream breaks off" } else { "reading stopped" };
        ReadError::Input { offset, reason: format!("{what} ({error})") }
    }
}

/// Fills `buffer` from `input` as far as the input goes; returns how much was read.
fn read_full(input: &mut dyn BufRead, buffer: &mut [u8]) -> io::Result<usize> {
    let mut read = 0;
    while read < buffer.len() {
        match input.read(&mut buffer[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(read)
}

/// Fills `header` after its first `from` bytes, or says it is cut short.
fn fill(input: &mut dyn BufRead, header: &mut [u8], from: usize) -> Result<(), String> {
    let read = read_full(input, &mut header[from..]).map_err(|error| format!("reading stopped ({error})"))?;
    if from + read < header.len() {
        return Err(format!(
            "the header is cut short: it needs {} bytes, the stream holds {}",
            header.len(),
            from + read
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;
    use crate::capture::CaptureFile;

    /// What a walk yields, owned: each frame's number, time, interface and bytes, each key
    /// log's text, and the error that ended it.
    #[derive(Debug, PartialEq, Eq)]
    enum Seen {
        Frame(u64, i64, Option<u32>, Vec<u8>),
        Secrets(Vec<u8>),
        Error(String),
    }

    fn streamed(bytes: &[u8]) -> Result<Vec<Seen>, String> {
        let mut stream =
            Stream::open(Cursor::new(bytes.to_vec()), "test").map_err(|error| error.to_string())?;
        let mut seen = Vec::new();
        while let Some(item) = stream.read_item() {
            seen.push(match item {
                Ok(Item::Frame(frame)) => {
                    Seen::Frame(frame.number, frame.ts_ns, frame.interface, frame.data.to_vec())
                }
                Ok(Item::Secrets(secrets)) => Seen::Secrets(secrets.data.to_vec()),
                Err(error) => Seen::Error(error.to_string()),
            });
        }
        Ok(seen)
    }

    fn mapped(bytes: &[u8]) -> Result<Vec<Seen>, String> {
        let capture = CaptureFile::from_vec(bytes.to_vec(), "test").map_err(|error| error.to_string())?;
        let mut frames = capture.frames();
        let mut seen = Vec::new();
        while let Some(item) = frames.next() {
            seen.extend(
                frames.take_secrets().into_iter().map(|secrets| Seen::Secrets(secrets.data.to_vec())),
            );
            seen.push(match item {
                Ok(frame) => Seen::Frame(frame.number, frame.ts_ns, frame.interface, frame.data.to_vec()),
                Err(error) => Seen::Error(error.to_string()),
            });
        }
        Ok(seen)
    }

    fn fixture(path: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
    }

    #[test]
    fn a_stream_yields_what_the_mapped_file_yields_whole_cut_or_damaged() {
        // pcap (microseconds), pcapng with two interfaces, pcapng with key logs embedded.
        for name in [
            "fixtures/interop/tls13-openssl.pcap",
            "fixtures/interop/multi-if.pcapng",
            "fixtures/link/all-40ms.pcapng",
        ] {
            let bytes = fixture(name);
            let whole = streamed(&bytes).expect("opens");
            assert!(whole.iter().filter(|seen| matches!(seen, Seen::Frame(..))).count() > 10, "{name}");
            if name.contains("40ms") {
                assert!(whole.iter().any(|seen| matches!(seen, Seen::Secrets(..))), "{name}: its key log");
            }
            assert_eq!(Ok(whole), mapped(&bytes), "{name}");
            // Cut at every byte of the first 300, then every 97th.
            for cut in (1..300).chain((300..bytes.len()).step_by(97)) {
                let (stream, file) = (streamed(&bytes[..cut]), mapped(&bytes[..cut]));
                if let (Ok(stream), Ok(file)) = (&stream, &file) {
                    assert_eq!(stream, file, "{name} cut at {cut}");
                } else {
                    assert!(stream.is_err() && file.is_err(), "{name} cut at {cut}: {stream:?} / {file:?}");
                }
            }
            // A damaged length word in the middle.
            let mut damaged = bytes.clone();
            let at = bytes.len() / 2;
            damaged[at..at + 4].copy_from_slice(&[0xff, 0xff, 0xff, 0x7f]);
            assert_eq!(streamed(&damaged), mapped(&damaged), "{name} damaged at {at}");
        }
    }

    #[test]
    fn a_block_whose_type_is_a_packet_only_in_the_other_byte_order_is_skipped_as_the_file_skips_it() {
        let mut bytes = fixture("fixtures/interop/multi-if.pcapng");
        let shb_len = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
        // An unknown block, type 0x06000000 (an Enhanced Packet Block read big-endian), after the
        // section header; then the rest of the capture, and a damaged block at its end.
        let unknown = [[0, 0, 0, 6], 16u32.to_le_bytes(), [1, 2, 3, 4], 16u32.to_le_bytes()].concat();
        bytes.splice(shb_len..shb_len, unknown);
        bytes.extend([0xff; 12]);
        let streamed = streamed(&bytes).expect("opens");
        assert!(matches!(streamed.last(), Some(Seen::Error(error)) if error.contains("not a multiple of 4")));
        assert_eq!(Ok(streamed), mapped(&bytes));
    }

    #[test]
    fn a_gzip_stream_is_decompressed_on_the_way() {
        let bytes = fixture("fixtures/interop/tls13-openssl.pcap");
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gzip.write_all(&bytes).expect("compresses");
        let compressed = gzip.finish().expect("compresses");
        assert_eq!(streamed(&compressed), streamed(&bytes));
        let stream = Stream::open(Cursor::new(compressed), "test").expect("opens");
        assert!(stream.compressed());
    }

    #[test]
    fn a_packet_is_handed_on_before_the_writer_closes_the_pipe() {
        let bytes = fixture("fixtures/interop/multi-if.pcapng");
        let mapped = mapped(&bytes).expect("opens");
        let Some(Seen::Frame(_, _, _, first)) = mapped.first() else { panic!("no first frame") };
        // Everything up to the end of the first packet's block, and not a byte more.
        let end =
            bytes.windows(first.len()).position(|window| window == first).expect("its bytes") + first.len();
        let end = end.next_multiple_of(4) + 4;
        let (reader, mut writer) = io::pipe().expect("a pipe");
        writer.write_all(&bytes[..end]).expect("writes");
        let (sender, received) = mpsc::channel();
        let reading = std::thread::spawn(move || {
            let mut stream = Stream::open(reader, "pipe").expect("opens");
            stream.read_interfaces();
            let names = stream.interface_names();
            let first = match stream.read_item() {
                Some(Ok(Item::Frame(frame))) => frame.data.to_vec(),
                other => panic!("not a frame: {other:?}"),
            };
            let _ = sender.send((names, first));
            // The rest, once the writer is done.
            std::iter::from_fn(|| stream.read_item().map(|item| item.is_ok())).count()
        });
        let (names, read) = received
            .recv_timeout(Duration::from_secs(30))
            .expect("the first packet, with the pipe still open");
        assert_eq!(&read, first);
        assert_eq!(names.len(), 2, "both interfaces, described before the first packet");
        writer.write_all(&bytes[end..]).expect("writes");
        drop(writer);
        let rest = reading.join().expect("the reader ends");
        assert_eq!(rest + 1, mapped.len());
    }

    #[test]
    fn what_is_not_a_capture_is_one_line_naming_its_first_bytes() {
        let error = Stream::open(Cursor::new(b"GET / HTTP/1.1\r\n".to_vec()), "standard input")
            .err()
            .expect("refused");
        assert!(error.to_string().contains("starts with 47 45 54 20 (it looks like text)"), "{error}");
        assert!(matches!(
            Stream::open(Cursor::new(Vec::new()), "standard input"),
            Err(OpenError::Empty { .. })
        ));
        let error =
            Stream::open(Cursor::new(vec![0x0a, 0x0d, 0x0d, 0x0a, 0x1c]), "x").err().expect("refused");
        assert!(error.to_string().contains("cut short"), "{error}");
    }

    #[test]
    fn a_block_longer_than_a_stream_may_hold_is_refused_before_it_is_read() {
        let mut bytes = fixture("fixtures/interop/multi-if.pcapng");
        let shb_len = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
        // The block after the section header claims 1 GiB.
        bytes[shb_len + 4..shb_len + 8].copy_from_slice(&(1u32 << 30).to_le_bytes());
        let seen = streamed(&bytes).expect("opens");
        assert!(matches!(seen.as_slice(), [Seen::Error(error)] if error.contains("larger than")), "{seen:?}");
    }
}
