//! gRPC over HTTP/2 (the "gRPC over HTTP2" protocol document): the length-prefixed messages a
//! stream's DATA frames carry once its request said `content-type: application/grpc`, each with
//! its compressed flag and length, the method from the request's `:path`, and whether it is a
//! request or a response.
//!
//! What spans frames (a message cut across DATA frames, a gzip-compressed message inflated) is
//! put together by `track::http::grpc`; a [`Messages`] here only borrows it, so the layer is a
//! view. Like tshark's tree, each message is a layer of its own, right after the HTTP/2 frame
//! that completed it and before the next (its Protocol Buffers layer between).

use std::fmt;

use smallvec::SmallVec;

use super::field::{Emitter, Span, Value};
use super::layer::{LayerHeader, Tracked};
use crate::osi::Protocol;

/// The five bytes before each message:
///
/// ```text
/// Length-Prefixed-Message -> Compressed-Flag Message-Length Message
/// Compressed-Flag -> 0 / 1          ; 1 byte
/// Message-Length -> {length of Message}  ; 4 bytes, big-endian
/// ```
pub const PREFIX_LEN: usize = 5;

/// Fixed offsets and flag bits of the prefix.
mod field {
    pub const FLAGS: usize = 0;
    pub const LENGTH: std::ops::Range<usize> = 1..5;
    /// gRPC-Web's frame type bit (1: trailers); tshark reads it on every message.
    pub const FRAME_TYPE: u8 = 0x80;
    pub const COMPRESSED: u8 = 0x01;
}

/// A prefix's flags and length, from the start of `input`; `None` while fewer than five bytes.
pub fn parse_prefix(input: &[u8]) -> Option<(u8, u32)> {
    let flags = *input.get(field::FLAGS)?;
    let length = input.get(field::LENGTH)?;
    Some((flags, u32::from_be_bytes([length[0], length[1], length[2], length[3]])))
}

/// Whether a request's `content-type` makes its stream gRPC: `application/grpc`, alone or
/// with a `+` suffix (`+proto`, `+json`) or parameters.
pub fn is_grpc_content_type(content_type: &[u8]) -> bool {
    let lower = content_type.to_ascii_lowercase();
    lower.strip_prefix(b"application/grpc").is_some_and(|rest| {
        rest.is_empty() || rest.starts_with(b"+") || rest.starts_with(b";") || rest.starts_with(b" ")
    })
}

/// Whether a content type hands messages to Protocol Buffers, as tshark's table does.
pub fn is_protobuf_content_type(content_type: &[u8]) -> bool {
    let lower = content_type.to_ascii_lowercase();
    lower == b"application/grpc" || lower == b"application/grpc+proto"
}

/// What became of a compressed message's body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// The flag is 0.
    None,
    /// Inflated with the stream's `grpc-encoding`, named (`gzip` or `deflate`).
    Inflated(&'static str),
    /// Compressed, but not inflated: the encoding is not known, inflating failed, or the
    /// inflated body would pass the bound; says why, and names the encoding when it is one
    /// inflating was tried with (tshark then says its decompression failed).
    Kept { encoding: Option<&'static str>, reason: &'static str },
}

/// One length-prefixed message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    /// The five-byte prefix.
    pub prefix: Span<'a>,
    pub flags: u8,
    pub length: u32,
    /// The body: as sent, or inflated.
    pub data: Span<'a>,
    pub compression: Compression,
    /// The body is handed to Protocol Buffers.
    pub protobuf: bool,
}

impl Message<'_> {
    pub fn compressed(&self) -> bool {
        self.flags & field::COMPRESSED != 0
    }
}

/// A message a DATA frame completed (one a layer, as tshark's tree has them), with the call
/// it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Messages<'a> {
    /// The request's `:path`: `/service/method`, shared by the messages of a DATA frame.
    pub path: std::sync::Arc<str>,
    pub is_request: bool,
    pub messages: SmallVec<[Message<'a>; 1]>,
    /// A later message of the DATA frame that completed the one before: tshark's gRPC
    /// dissector ran once for the frame, so `frame.protocols` lists gRPC once.
    pub continued: bool,
}

impl Messages<'_> {
    /// Each message's fields, by tshark's names and in its tree's order.
    pub fn fields(&self, out: &mut Emitter<'_>) {
        for message in &self.messages {
            let mut prefix = out.within(&message.prefix);
            prefix.at(name::FRAME_TYPE, 0..1, Value::Uint(u64::from(message.flags & field::FRAME_TYPE) >> 7));
            prefix.at(name::COMPRESSED_FLAG, 0..1, Value::Uint(u64::from(message.flags & field::COMPRESSED)));
            prefix.at(name::MESSAGE_LENGTH, field::LENGTH, Value::Uint(message.length.into()));
            if message.length > 0 {
                let data = message.data.bytes;
                out.within(&message.data).at(name::MESSAGE_DATA, 0..data.len(), Value::Bytes(data));
            }
        }
    }

    /// `GRPC Message: /service/method, Request`, as tshark titles each message.
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let direction = if self.is_request { "Request" } else { "Response" };
        write!(out, "GRPC Message: {}, {direction}", self.path)?;
        for message in &self.messages {
            if let Compression::Kept { reason, .. } = message.compression {
                write!(out, " (compressed, not inflated: {reason})")?;
            }
        }
        Ok(())
    }
}

impl LayerHeader for Messages<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Grpc
    }

    fn header_len(&self) -> usize {
        self.messages.iter().map(|message| PREFIX_LEN + message.length as usize).sum()
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Messages::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Messages::summary(self, out)
    }
}

pub mod name {
    //! The fields of gRPC, by tshark 4.0's names.

    crate::registry::field_table! {
        protocol Grpc;
        FRAME_TYPE "grpc.frame_type" Uint "frame type (gRPC-Web: 0 data, 1 trailers)";
        COMPRESSED_FLAG "grpc.compressed_flag" Uint "the message is compressed (1) with the stream's grpc-encoding";
        MESSAGE_LENGTH "grpc.message_length" Uint "message length, prefix excluded";
        MESSAGE_DATA "grpc.message_data" Bytes "the message (inflated, when compressed)";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_a_flag_and_a_big_endian_length() {
        // compressed flag 1, length 0x00000123, then a body byte
        assert_eq!(parse_prefix(&[0x01, 0, 0, 0x01, 0x23, 0xaa]), Some((1, 0x123)));
        for cut in 0..PREFIX_LEN {
            assert_eq!(parse_prefix(&[0x01, 0, 0, 0x01, 0x23][..cut]), None, "cut at {cut}");
        }
    }

    #[test]
    fn content_types_that_make_a_stream_grpc() {
        for yes in
            ["application/grpc", "application/grpc+proto", "Application/GRPC+json", "application/grpc; x=1"]
        {
            assert!(is_grpc_content_type(yes.as_bytes()), "{yes}");
        }
        for no in ["application/json", "application/grpcx", "application/grpc-web", "text/plain"] {
            assert!(!is_grpc_content_type(no.as_bytes()), "{no}");
        }
        assert!(is_protobuf_content_type(b"application/grpc+proto"));
        assert!(!is_protobuf_content_type(b"application/grpc+json"));
    }
}
