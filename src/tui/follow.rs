//! Follow stream: one conversation's bytes, as the tracker reassembled and decrypted them,
//! gathered by a worker and drawn as text with the client's and the server's parts apart.
//!
//! The worker walks the capture twice: to the frame asked for, to learn its conversation
//! (`tcp.stream`, `udp.stream` or `quic.connection.number`), then through the whole capture
//! with a [`StreamSink`] on its tracker that keeps that conversation's pieces. Nothing is
//! reassembled or decrypted here: TCP and QUIC bytes come from the tracker, UDP datagrams
//! from their layer, and HTTP requests and responses from the fields the tracker's layers
//! emit. The invariant: every [`Chunk`] and [`Message`] names the frame it came from, so a
//! line of the view always leads back to its packet.

use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, PoisonError};

mod fields;

use super::action::Action;
use super::source::{Next, Source, each, walk_decoded, walk_observed};
use crate::capture::Frame;
use crate::dispatch::Dispatch;
use crate::dissect::Packet;
use crate::dissect::field::{Field, Source as FieldSource, Value};
use crate::track::follow::{Conversation, Kind, Piece, StreamSink};
use crate::track::keylog::KeyLog;
use fields::FieldReader;

/// The most bytes kept of one conversation; the rest is counted, not kept.
pub const MAX_BYTES: usize = 4 << 20;
/// The most lines of a body an HTTP message shows.
const BODY_LINES: usize = 24;

/// Which side of the conversation sent something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The side that sent the conversation's first packet.
    Client,
    Server,
}

/// What a conversation is carried on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carrier {
    Tcp(u32),
    Udp(u32),
    Quic(u32),
}

impl Carrier {
    pub fn name(self) -> String {
        match self {
            Self::Tcp(stream) => format!("TCP stream {stream}"),
            Self::Udp(stream) => format!("UDP stream {stream}"),
            Self::Quic(number) => format!("QUIC connection {number}"),
        }
    }
}

/// Bytes one side sent in one frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    pub frame: u64,
    pub side: Side,
    /// QUIC: the stream the bytes belong to.
    pub stream: Option<u64>,
    pub bytes: Vec<u8>,
}

/// An HTTP request or response (or the part of one a frame completed), as text lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub frame: u64,
    pub side: Side,
    pub lines: Vec<String>,
}

/// One conversation, followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Followed {
    pub carrier: Carrier,
    /// `address:port` of each side.
    pub client: String,
    pub server: String,
    /// The application bytes: decrypted where the keys allowed, else as captured.
    pub chunks: Vec<Chunk>,
    /// The bytes as captured (TCP payloads, ciphertext for TLS), when they differ from
    /// `chunks`.
    pub captured: Vec<Chunk>,
    /// HTTP requests and responses, if the conversation carries HTTP.
    pub messages: Vec<Message>,
    /// Some of the application bytes were decrypted.
    pub decrypted: bool,
    /// Bytes not kept past [`MAX_BYTES`].
    pub dropped: usize,
}

/// Follows the conversation of `frame`; reports [`Action::Followed`], or a note saying why
/// not.
pub fn spawn(
    source: Source,
    keylog: KeyLog,
    dispatch: Dispatch,
    frame: u64,
    events: Sender<Action>,
    cancel: Arc<AtomicBool>,
) {
    let sender = events.clone();
    let started = std::thread::Builder::new().name("follow".to_owned()).spawn(move || {
        let report = match follow(&source, &keylog, &dispatch, frame, &cancel) {
            Ok(followed) => Action::Followed(Box::new(followed)),
            Err(reason) => Action::Note(reason),
        };
        if !cancel.load(std::sync::atomic::Ordering::Relaxed) {
            let _ = sender.send(report);
        }
    });
    if let Err(error) = started {
        let _ = events.send(Action::Note(format!("cannot start the follow thread: {error}")));
    }
}

/// Gathers the conversation of `frame`: the worker's work, without the thread.
pub fn follow(
    source: &Source,
    keylog: &KeyLog,
    dispatch: &Dispatch,
    frame: u64,
    cancel: &AtomicBool,
) -> Result<Followed, String> {
    let mut found = None;
    walk_decoded(
        source,
        keylog,
        dispatch,
        cancel,
        &mut each(|seen, packet| {
            if seen.number < frame {
                return Next::Continue;
            }
            found = Some(Facts::of(seen, packet).carrier);
            Next::Stop
        }),
    );
    let carrier = found
        .ok_or_else(|| format!("frame {frame} is not in the capture"))?
        .ok_or_else(|| format!("frame {frame} is not TCP, UDP or QUIC: nothing to follow"))?;
    let pieces = Arc::new(Mutex::new(Pieces::new(carrier)));
    let mut gathering = Gathering::new(carrier);
    let sink = Arc::clone(&pieces);
    walk_observed(
        source,
        keylog,
        dispatch,
        cancel,
        &mut each(|seen, packet| {
            let taken = pieces.lock().unwrap_or_else(PoisonError::into_inner).take();
            gathering.packet(seen, packet, taken);
            Next::Continue
        }),
        &move |tracker| tracker.with_stream_sink(Box::new(Shared(Arc::clone(&sink)))),
    );
    Ok(gathering.finish())
}

/// A sink the tracker owns and the walk's visitor reads.
struct Shared(Arc<Mutex<Pieces>>);

impl StreamSink for Shared {
    fn piece(&mut self, piece: Piece<'_>) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).keep(piece);
    }
}

/// The followed conversation's pieces of the frame being tracked.
struct Pieces {
    conversation: Option<Conversation>,
    frame: Vec<(Kind, Vec<u8>)>,
}

impl Pieces {
    fn new(carrier: Carrier) -> Self {
        let conversation = match carrier {
            Carrier::Tcp(stream) => Some(Conversation::Tcp(stream)),
            Carrier::Quic(number) => Some(Conversation::Quic(number)),
            Carrier::Udp(_) => None,
        };
        Self { conversation, frame: Vec::new() }
    }

    fn keep(&mut self, piece: Piece<'_>) {
        if Some(piece.conversation) == self.conversation {
            self.frame.push((piece.kind, piece.bytes.to_vec()));
        }
    }

    fn take(&mut self) -> Vec<(Kind, Vec<u8>)> {
        std::mem::take(&mut self.frame)
    }
}

/// The worker's state through the second walk.
struct Gathering {
    followed: Followed,
    kept: usize,
}

impl Gathering {
    fn new(carrier: Carrier) -> Self {
        let followed = Followed {
            carrier,
            client: String::new(),
            server: String::new(),
            chunks: Vec::new(),
            captured: Vec::new(),
            messages: Vec::new(),
            decrypted: false,
            dropped: 0,
        };
        Self { followed, kept: 0 }
    }

    fn packet(&mut self, seen: &Frame<'_>, packet: &Packet<'_>, pieces: Vec<(Kind, Vec<u8>)>) {
        let frame = seen.number;
        let facts = Facts::of(seen, packet);
        if facts.carrier != Some(self.followed.carrier) {
            return;
        }
        let followed = &mut self.followed;
        if followed.client.is_empty() {
            followed.client.clone_from(&facts.source);
            followed.server.clone_from(&facts.destination);
        }
        let side = if facts.source == followed.client { Side::Client } else { Side::Server };
        let mut pieces = pieces;
        if let (Carrier::Udp(_), Some(payload)) = (followed.carrier, facts.udp_payload) {
            pieces.push((Kind::Segment, payload));
        }
        for (kind, bytes) in pieces {
            if self.kept + bytes.len() > MAX_BYTES {
                followed.dropped += bytes.len();
                continue;
            }
            self.kept += bytes.len();
            let stream = match kind {
                Kind::QuicStream(stream) => Some(stream),
                _ => None,
            };
            let chunk = Chunk { frame, side, stream, bytes };
            match kind {
                Kind::Segment => followed.captured.push(chunk),
                Kind::Decrypted => {
                    followed.decrypted = true;
                    followed.chunks.push(chunk);
                }
                Kind::QuicStream(_) => {
                    followed.decrypted = true;
                    followed.chunks.push(chunk);
                }
            }
        }
        followed.messages.extend(facts.messages.into_iter().map(|lines| Message { frame, side, lines }));
    }

    fn finish(mut self) -> Followed {
        let followed = &mut self.followed;
        if followed.chunks.is_empty() {
            // Nothing decrypted: the application bytes are those captured.
            followed.chunks = std::mem::take(&mut followed.captured);
        }
        self.followed
    }
}

/// What the follow worker reads of one packet's fields.
#[derive(Debug, Default)]
struct Facts {
    carrier: Option<Carrier>,
    source: String,
    destination: String,
    udp_payload: Option<Vec<u8>>,
    /// HTTP messages, each as lines.
    messages: Vec<Vec<String>>,
}

impl Facts {
    fn of(frame: &Frame<'_>, packet: &Packet<'_>) -> Self {
        let mut reader = FieldReader::default();
        // The bytes a field was read from: a body is text written with escapes, its bytes are
        // what the view shows.
        let bytes_at = |source: FieldSource, range: std::ops::Range<usize>| -> Option<Vec<u8>> {
            let buffer = match source {
                FieldSource::Frame => frame.data,
                FieldSource::Reassembled => packet.reassembled?,
                FieldSource::Stream => packet.stream,
                FieldSource::Decrypted => packet.decrypted,
            };
            buffer.get(range).map(<[u8]>::to_vec)
        };
        for layer in &packet.layers {
            layer.fields(&mut |field: Field<'_>| {
                let raw = matches!(field.name, "http.file_data" | "http2.data.data" | "http3.data")
                    .then(|| bytes_at(field.source, field.range.clone()))
                    .flatten();
                reader.field(field, raw)
            });
            reader.end_layer();
        }
        reader.finish()
    }
}

/// Bytes as text: printable ASCII and line ends kept, anything else as `.` (as tshark's
/// follow writes ASCII).
pub fn printable(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|byte| match byte {
            b'\n' | b'\t' => *byte as char,
            b'\r' => '\r',
            byte if byte.is_ascii_graphic() || *byte == b' ' => *byte as char,
            _ => '.',
        })
        .filter(|character| *character != '\r')
        .collect()
}

/// Which sides the view shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sides {
    #[default]
    Both,
    Client,
    Server,
}

impl Sides {
    pub fn next(self) -> Self {
        match self {
            Self::Both => Self::Client,
            Self::Client => Self::Server,
            Self::Server => Self::Both,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Both => "both sides",
            Self::Client => "client only",
            Self::Server => "server only",
        }
    }

    fn show(self, side: Side) -> bool {
        match self {
            Self::Both => true,
            Self::Client => side == Side::Client,
            Self::Server => side == Side::Server,
        }
    }
}

/// How the view writes the bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// HTTP requests and responses, when the conversation carries HTTP.
    #[default]
    Http,
    Ascii,
    Hex,
    /// The bytes as captured, in hex (ciphertext, for TLS).
    Raw,
}

impl Format {
    pub fn next(self) -> Self {
        match self {
            Self::Http => Self::Ascii,
            Self::Ascii => Self::Hex,
            Self::Hex => Self::Raw,
            Self::Raw => Self::Http,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Http => "HTTP",
            Self::Ascii => "ASCII",
            Self::Hex => "hex",
            Self::Raw => "raw",
        }
    }
}

/// One line of the followed text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub frame: u64,
    pub side: Side,
    pub text: String,
}

/// Bytes per line of the hex and raw formats: a hex line fits 80 columns.
const HEX_PER_LINE: usize = 16;
const RAW_PER_LINE: usize = 32;

impl Followed {
    /// The lines the view shows in `format`, of the sides `sides` asks for. HTTP falls back
    /// to ASCII when the conversation carries no HTTP.
    pub fn lines(&self, format: Format, sides: Sides) -> Vec<Line> {
        let mut lines = Vec::new();
        let format = if format == Format::Http && self.messages.is_empty() { Format::Ascii } else { format };
        if format == Format::Http {
            for message in self.messages.iter().filter(|message| sides.show(message.side)) {
                for text in &message.lines {
                    lines.push(Line { frame: message.frame, side: message.side, text: text.clone() });
                }
            }
            return lines;
        }
        let chunks =
            if format == Format::Raw && !self.captured.is_empty() { &self.captured } else { &self.chunks };
        for chunk in chunks.iter().filter(|chunk| sides.show(chunk.side)) {
            let push = |lines: &mut Vec<Line>, text: String| {
                lines.push(Line { frame: chunk.frame, side: chunk.side, text })
            };
            if let Some(stream) = chunk.stream {
                push(&mut lines, format!("── stream {stream} ──"));
            }
            match format {
                Format::Http | Format::Ascii => {
                    for text in printable(&chunk.bytes).lines() {
                        push(&mut lines, text.to_owned());
                    }
                }
                Format::Hex => {
                    for (at, row) in chunk.bytes.chunks(HEX_PER_LINE).enumerate() {
                        let hex: Vec<String> = row.iter().map(|byte| format!("{byte:02x}")).collect();
                        let text = printable(row).replace(['\n', '\t'], ".");
                        push(&mut lines, format!("{:08x}  {:<47}  {text}", at * HEX_PER_LINE, hex.join(" ")));
                    }
                }
                Format::Raw => {
                    for row in chunk.bytes.chunks(RAW_PER_LINE) {
                        push(&mut lines, row.iter().map(|byte| format!("{byte:02x}")).collect());
                    }
                }
            }
        }
        lines
    }
}

#[cfg(test)]
#[path = "follow_tests.rs"]
mod tests;
