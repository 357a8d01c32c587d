//! The tracker's bytes handed on to a follow-stream observer (the UI's "follow stream"):
//! each TCP segment's payload, the application data decrypted from its TLS records, and each
//! QUIC STREAM frame's decrypted data, as the tracker reads them.
//!
//! The observer sees what the tracker already reassembled and decrypted; it never reads the
//! frames again. The invariant: a [`Piece`] is handed on exactly once, on the frame whose
//! tracking produced it, with the direction the tracker numbered it in.

use super::over_tcp::Produced;
use super::quic;
use super::tls::{Arenas, ContentOut, Loc};
use super::transport::Transport;
use crate::dissect::tls::record::content_type;

/// Which conversation a piece belongs to, by the numbers `tcp.stream` and
/// `quic.connection.number` give it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Conversation {
    Tcp(u32),
    Quic(u32),
}

/// What a piece of a conversation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A TCP segment's payload as captured (ciphertext, for TLS); a retransmission is not
    /// handed on.
    Segment,
    /// Application data decrypted from a TLS record.
    Decrypted,
    /// A QUIC STREAM frame's data, decrypted.
    QuicStream(u64),
}

/// Bytes one side of a conversation sent, as one frame's tracking produced them.
#[derive(Clone, Copy, Debug)]
pub struct Piece<'a> {
    pub frame: u64,
    pub conversation: Conversation,
    /// TCP: 0 for the conversation key's low endpoint, 1 for the other. QUIC: 0 for the
    /// client, 1 for the server.
    pub dir: usize,
    pub kind: Kind,
    pub bytes: &'a [u8],
}

/// Receives the pieces of every conversation; an observer keeps those it follows.
pub trait StreamSink: Send {
    fn piece(&mut self, piece: Piece<'_>);
}

/// The observer a tracker hands its pieces to, if any. A copy of the tracker (a UI
/// checkpoint) has none: the observer follows one walk, not the walks resumed from a copy.
#[derive(Default)]
pub struct Follower(Option<Box<dyn StreamSink>>);

impl Follower {
    pub fn new(sink: Box<dyn StreamSink>) -> Self {
        Self(Some(sink))
    }

    pub fn sink(&mut self) -> Option<&mut (dyn StreamSink + 'static)> {
        self.0.as_deref_mut()
    }
}

impl Clone for Follower {
    fn clone(&self) -> Self {
        Self(None)
    }
}

/// Hands on what one transport layer's payload gave (`read` is `None` when its connection
/// carries nothing the tracker reads, or the datagram is not QUIC).
pub(super) fn hand_on(
    sink: &mut dyn StreamSink,
    frame: u64,
    transport: &Transport<'_>,
    tcp: Option<&Produced>,
    quic: Option<&quic::Output>,
    arenas: &Arenas,
) {
    match transport {
        Transport::Tcp(segment) => {
            let conversation = Conversation::Tcp(segment.stream);
            let piece = |kind, bytes| Piece { frame, conversation, dir: segment.dir, kind, bytes };
            let payload = segment.payload.bytes;
            if !payload.is_empty() && !tcp.is_some_and(|produced| produced.duplicate) {
                sink.piece(piece(Kind::Segment, payload));
            }
            for record in tcp.map_or(&[][..], |produced| &produced.tls.records) {
                if let ContentOut::Decrypted { content_type: content_type::APPLICATION_DATA, plaintext } =
                    &record.content
                    && let Some(bytes) = resolve(plaintext, payload, arenas)
                {
                    sink.piece(piece(Kind::Decrypted, bytes));
                }
            }
        }
        Transport::Udp(_) => {
            let Some(output) = quic else { return };
            let Some(number) = output.connection else { return };
            for data in &output.stream_data {
                if let Some(bytes) = arenas.decrypted.get(data.range.clone()) {
                    sink.piece(Piece {
                        frame,
                        conversation: Conversation::Quic(number),
                        dir: data.dir,
                        kind: Kind::QuicStream(data.stream_id),
                        bytes,
                    });
                }
            }
        }
    }
}

/// The bytes a location names.
fn resolve<'a>(loc: &Loc, payload: &'a [u8], arenas: &'a Arenas) -> Option<&'a [u8]> {
    match loc {
        Loc::Payload(range) => payload.get(range.clone()),
        Loc::Stream(range) => arenas.stream.get(range.clone()),
        Loc::Decrypted(range) => arenas.decrypted.get(range.clone()),
    }
}
