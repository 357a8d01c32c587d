//! WebSocket (RFC 6455): the frames a connection carries once an HTTP/1.1 Upgrade switched it,
//! each with its FIN bit, reserved bits, opcode, mask and payload length, and what its payload
//! says: a message's text, a close code and reason, a ping or pong.
//!
//! [`parse_header`] reads a frame's header from the start of a stream's bytes: a streaming
//! parser, `Truncated` while the header goes on in a later segment, `Malformed` for a length
//! RFC 6455 forbids. What spans frames (the unmasked payload, a fragmented message put back
//! together, a permessage-deflate message inflated) is made by `track::websocket`; a
//! [`Frame`] here only borrows it, so a layer is a view and holds no copy.

use std::borrow::Cow;
use std::fmt;

use smallvec::SmallVec;

use super::error::{Error, IResult};
use super::field::{Emitter, Span, Value};
use super::layer::{LayerHeader, Tracked};
use crate::osi::Protocol;

/// Fixed offsets and flag bits of the frame header (RFC 6455 section 5.2).
mod field {
    pub const FIN: u8 = 0x80;
    pub const RSV: u8 = 0x70;
    pub const RSV1: u8 = 0x40;
    pub const OPCODE: u8 = 0x0f;
    pub const MASK: u8 = 0x80;
    pub const PAYLOAD_LEN: u8 = 0x7f;
    /// A 7-bit length of 126 says a 16-bit length follows; 127, a 64-bit one.
    pub const LEN_16: u8 = 126;
    pub const LEN_64: u8 = 127;
    /// Where the extended length starts.
    pub const EXTENDED_LEN: usize = 2;
}

/// The shortest header: flags, opcode, mask bit and 7-bit length.
pub const MIN_HEADER_LEN: usize = 2;

/// The opcodes RFC 6455 section 11.8 registers.
pub mod opcode {
    pub const CONTINUATION: u8 = 0;
    pub const TEXT: u8 = 1;
    pub const BINARY: u8 = 2;
    pub const CLOSE: u8 = 8;
    pub const PING: u8 = 9;
    pub const PONG: u8 = 10;

    /// Whether a frame of this opcode is a control frame (its most significant bit set).
    pub const fn is_control(opcode: u8) -> bool {
        opcode & 0x08 != 0
    }

    /// The name Wireshark gives an opcode.
    pub const fn name(opcode: u8) -> &'static str {
        match opcode {
            CONTINUATION => "Continuation",
            TEXT => "Text",
            BINARY => "Binary",
            CLOSE => "Connection Close",
            PING => "Ping",
            PONG => "Pong",
            _ => "Unknown Opcode",
        }
    }
}

/// A frame's header, as RFC 6455 section 5.2 draws it:
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-------+-+-------------+-------------------------------+
/// |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
/// |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
/// |N|V|V|V|       |S|             |   (if payload len==126/127)   |
/// | |1|2|3|       |K|             |                               |
/// +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
/// |     Extended payload length continued, if payload len == 127  |
/// + - - - - - - - - - - - - - - - +-------------------------------+
/// |                               |Masking-key, if MASK set to 1  |
/// +-------------------------------+-------------------------------+
/// | Masking-key (continued)       |          Payload Data         |
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub fin: bool,
    /// RSV1 to RSV3, as the three low bits (RSV1 is 4).
    pub rsv: u8,
    pub opcode: u8,
    /// The 7-bit length as sent (126 and 127 say an extended length follows).
    pub short_len: u8,
    pub payload_len: u64,
    pub masking_key: Option<[u8; 4]>,
    /// The header's length: 2 to 14 bytes.
    pub len: usize,
}

impl Header {
    /// RSV1, which permessage-deflate (RFC 7692 section 6) uses to say a message is
    /// compressed.
    pub fn rsv1(&self) -> bool {
        self.rsv & (field::RSV1 >> 4) != 0
    }

    /// Where the masking key starts, right after the length.
    fn mask_offset(&self) -> usize {
        match self.short_len {
            field::LEN_16 => field::EXTENDED_LEN + 2,
            field::LEN_64 => field::EXTENDED_LEN + 8,
            _ => field::EXTENDED_LEN,
        }
    }
}

/// Reads a frame header from the start of `input` (a streaming parser: `Truncated` while the
/// header is cut short). A 64-bit length with its most significant bit set is malformed
/// (RFC 6455 section 5.2: "the most significant bit MUST be 0").
pub fn parse_header(input: &[u8]) -> IResult<'_, Header> {
    let [first, second, ..] = *input else {
        return Err(Error::truncated(MIN_HEADER_LEN - input.len()));
    };
    let short_len = second & field::PAYLOAD_LEN;
    let masked = second & field::MASK != 0;
    let extended = match short_len {
        field::LEN_16 => 2,
        field::LEN_64 => 8,
        _ => 0,
    };
    let len = MIN_HEADER_LEN + extended + if masked { 4 } else { 0 };
    if input.len() < len {
        return Err(Error::truncated(len - input.len()));
    }
    let number = |bytes: &[u8]| bytes.iter().fold(0u64, |value, &byte| value << 8 | u64::from(byte));
    let payload_len = match extended {
        0 => u64::from(short_len),
        _ => number(&input[field::EXTENDED_LEN..field::EXTENDED_LEN + extended]),
    };
    if payload_len >> 63 != 0 {
        return Err(Error::malformed(format!(
            "a frame announcing {payload_len} bytes: a 64-bit payload length's most significant bit \
             must be 0 (RFC 6455 section 5.2)"
        )));
    }
    let at = MIN_HEADER_LEN + extended;
    let masking_key = masked.then(|| [input[at], input[at + 1], input[at + 2], input[at + 3]]);
    let header = Header {
        fin: first & field::FIN != 0,
        rsv: (first & field::RSV) >> 4,
        opcode: first & field::OPCODE,
        short_len,
        payload_len,
        masking_key,
        len,
    };
    Ok((&input[len..], header))
}

/// XORs `payload` with the masking key, as RFC 6455 section 5.3 says:
/// `transformed-octet-i = original-octet-i XOR masking-key-octet-(i MOD 4)`.
pub fn unmask(payload: &mut [u8], key: [u8; 4]) {
    for (index, byte) in payload.iter_mut().enumerate() {
        *byte ^= key[index % 4];
    }
}

/// A data message a frame completes: an unfragmented data frame's, or the last fragment's,
/// with the fragments it was put back together from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    /// The opcode of its first frame (text or binary).
    pub opcode: u8,
    /// The application data: unmasked, reassembled and inflated.
    pub data: Span<'a>,
    /// The frames of its fragments, each with the bytes it carried, and those bytes in all,
    /// when it came in more than one frame.
    pub fragments: Option<(Fragments, usize)>,
}

/// The fragments of a message put back together: each one's frame and the bytes it carried.
pub type Fragments = SmallVec<[(u64, usize); 4]>;

/// One WebSocket frame, and what it completes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    pub header: Header,
    /// The frame as sent: its header, then its payload (masked, if masked).
    pub span: Span<'a>,
    /// The payload unmasked (still compressed, for a compressed message).
    pub payload: Span<'a>,
    /// The connection negotiated permessage-deflate, so RSV1 is the compressed bit.
    pub deflate: bool,
    pub message: Option<Message<'a>>,
}

impl Frame<'_> {
    /// Whether the frame is a fragment of a message (not its last, or a continuation).
    fn fragmented(&self) -> bool {
        !opcode::is_control(self.header.opcode)
            && (!self.header.fin || self.header.opcode == opcode::CONTINUATION)
    }

    /// Its fields, by Wireshark's names and in its tree's order.
    pub fn fields(&self, out: &mut Emitter<'_>) {
        let header = &self.header;
        out.at(name::FIN, 0..1, Value::Bool(header.fin));
        out.at(name::RSV, 0..1, Value::hex8(header.rsv));
        if self.deflate {
            out.at(name::PMC, 0..1, Value::Bool(header.rsv1()));
        }
        out.at(name::OPCODE, 0..1, Value::Uint(header.opcode.into()));
        out.at(name::MASK, 1..2, Value::Bool(header.masking_key.is_some()));
        out.at(name::PAYLOAD_LENGTH, 1..2, Value::Uint(header.short_len.into()));
        let at = header.mask_offset();
        match header.short_len {
            field::LEN_16 => out.at(name::PAYLOAD_LENGTH_EXT_16, 2..at, Value::Uint(header.payload_len)),
            field::LEN_64 => out.at(name::PAYLOAD_LENGTH_EXT_64, 2..at, Value::Uint(header.payload_len)),
            _ => {}
        }
        if let Some(key) = &header.masking_key {
            out.at(name::MASKING_KEY, at..at + 4, Value::Bytes(key));
        }
        if header.payload_len == 0 {
            return;
        }
        let payload = self.payload.bytes;
        // The masked bytes first, then what they unmask to, as tshark lists them.
        if header.masking_key.is_some() {
            out.at(name::MASKED_PAYLOAD, header.len..self.span.bytes.len(), Value::Present);
        }
        out.within(&self.payload).at(name::PAYLOAD, 0..payload.len(), Value::Present);
        let mut out = out.within(&self.payload);
        let whole = 0..payload.len();
        match header.opcode {
            opcode::CLOSE => {
                out.at(name::CLOSE, whole, Value::Present);
                if let [high, low, reason @ ..] = payload {
                    out.at(
                        name::CLOSE_STATUS_CODE,
                        0..2,
                        Value::Uint(u16::from_be_bytes([*high, *low]).into()),
                    );
                    if !reason.is_empty() {
                        out.at(
                            name::CLOSE_REASON,
                            2..payload.len(),
                            Value::Str(&String::from_utf8_lossy(reason)),
                        );
                    }
                }
            }
            opcode::PING => out.at(name::PING, whole, Value::Bytes(payload)),
            opcode::PONG => out.at(name::PONG, whole, Value::Bytes(payload)),
            code if opcode::is_control(code) => out.at(name::UNKNOWN, whole, Value::Bytes(payload)),
            _ => self.data_fields(&mut out),
        }
    }

    /// A data frame's fields: a fragment's bytes, or the message it completes.
    fn data_fields(&self, out: &mut Emitter<'_>) {
        let payload = self.payload.bytes;
        if self.fragmented() && self.message.is_none() {
            // Wireshark shows a continuation's bytes as they came, and nothing of the first
            // fragment until the message is whole.
            if self.header.opcode == opcode::CONTINUATION {
                out.at(name::CONTINUE, 0..payload.len(), Value::Bytes(payload));
            }
            return;
        }
        let Some(message) = &self.message else { return };
        if let Some((fragments, len)) = &message.fragments {
            out.computed(name::FRAGMENTS, Value::Present);
            // Each fragment covers the bytes it carried, in order: where they sit in the message
            // put back together (before inflating, for a compressed one, as tshark counts).
            let mut within = out.within(&message.data);
            let mut at = 0;
            for (frame, size) in fragments {
                within.at(name::FRAGMENT, at..at + size, Value::Uint(*frame));
                at += size;
            }
            out.computed(name::FRAGMENT_COUNT, Value::Uint(fragments.len() as u64));
            out.computed(name::REASSEMBLED_LENGTH, Value::Uint(*len as u64));
        }
        let mut out = out.within(&message.data);
        let data = message.data.bytes;
        match message.opcode {
            opcode::TEXT => out.at(name::TEXT, 0..data.len(), Value::Str(&text(data))),
            opcode::BINARY => {}
            _ => out.at(name::UNKNOWN, 0..data.len(), Value::Bytes(data)),
        }
    }

    /// The Info column's text for the frame: `WebSocket Text [FIN] [MASKED]`.
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let header = &self.header;
        let fin = if header.fin { " [FIN]" } else { "[FRAGMENT] " };
        let masked = if header.masking_key.is_some() { " [MASKED]" } else { " " };
        write!(out, "WebSocket {}{fin}{masked}", opcode::name(header.opcode))
    }
}

impl<'a> Frame<'a> {
    /// What a data message hands on, as Wireshark does with no subprotocol: text as
    /// line-based text, binary as data.
    pub fn carried(&self) -> Option<(bool, Span<'a>)> {
        let message = self.message.as_ref()?;
        match message.opcode {
            opcode::TEXT => Some((true, message.data)),
            opcode::BINARY => Some((false, message.data)),
            _ => None,
        }
    }
}

/// Text as Wireshark shows an UTF-8 string: what is not UTF-8 becomes U+FFFD.
fn text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// Each frame is a layer of its own, as in Wireshark: a segment with two frames lists
/// `websocket` twice.
impl LayerHeader for Frame<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::WebSocket
    }

    fn header_len(&self) -> usize {
        self.span.bytes.len()
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Frame::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Frame::summary(self, out)
    }
}

pub mod name {
    //! The fields of WebSocket, by Wireshark's names.

    crate::registry::field_table! {
        protocol WebSocket;
        FIN "websocket.fin" Bool "the frame is the message's last";
        RSV "websocket.rsv" Hex "reserved bits (RSV1 4: compressed, with permessage-deflate)";
        PMC "websocket.pmc" Bool "per-message compressed (RSV1, with permessage-deflate)";
        OPCODE "websocket.opcode" Uint "opcode (0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong)";
        MASK "websocket.mask" Bool "the payload is masked (every client frame)";
        PAYLOAD_LENGTH "websocket.payload_length" Uint "payload length (126: 16 bits follow; 127: 64 bits)";
        PAYLOAD_LENGTH_EXT_16 "websocket.payload_length_ext_16" Uint "extended payload length (16 bits)";
        PAYLOAD_LENGTH_EXT_64 "websocket.payload_length_ext_64" Uint "extended payload length (64 bits)";
        MASKING_KEY "websocket.masking_key" Bytes "masking key";
        PAYLOAD "websocket.payload" Present "payload";
        MASKED_PAYLOAD "websocket.masked_payload" Present "masked payload";
        CONTINUE "websocket.payload.continue" Bytes "a continuation fragment's bytes";
        TEXT "websocket.payload.text" Text "text";
        CLOSE "websocket.payload.close" Present "close";
        CLOSE_STATUS_CODE "websocket.payload.close.status_code" Uint "close status code" names WEBSOCKET_CLOSE_STATUS;
        CLOSE_REASON "websocket.payload.close.reason" Text "close reason";
        PING "websocket.payload.ping" Bytes "ping";
        PONG "websocket.payload.pong" Bytes "pong";
        UNKNOWN "websocket.payload.unknown" Bytes "payload of an unknown opcode";
        FRAGMENTS "websocket.fragments" Present "reassembled fragments";
        FRAGMENT "websocket.fragment" Uint "frame of a fragment";
        FRAGMENT_COUNT "websocket.fragment.count" Uint "fragment count";
        REASSEMBLED_LENGTH "websocket.reassembled.length" Uint "reassembled payload length";
    }
}

#[cfg(test)]
mod tests;
