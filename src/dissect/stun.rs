//! STUN and TURN (RFC 8489, RFC 8656): a message's type, length, magic cookie, transaction ID
//! and attributes, and TURN's ChannelData, as tshark 4.0 shows them.
//!
//! ```text
//! RFC 8489 section 5, the header (20 bytes), then attributes to `length`:
//!   0 0 | type (14 bits: method and class interleaved M11..M7 C1 M6..M4 C0 M3..M0) | length (16)
//!   magic cookie 0x2112A442 (32) | transaction ID (96)
//! section 14, an attribute: type (16) | length (16) | value, padded to a multiple of 4 bytes
//! RFC 8656 section 12.4, ChannelData: channel number 0x4000..0x4FFF (16) | length (16) | data
//! ```
//!
//! [`parse`] reads exactly one message and every attribute header in it; an attribute that
//! runs past its message is `Malformed` with its type and the bytes it lacks, so the layer is
//! undecoded with that reason and the UDP or TCP layer before it stays. Values are read where
//! fields and the summary are written ([`attributes()`]), each under its own length, so nothing
//! is read past an attribute. FINGERPRINT is checked (CRC-32 of the message before it, XOR
//! 0x5354554e); a wrong one says so. Which datagram is STUN is decided as tshark's STUN
//! dissector decides it: on port 3478 a message of exactly the datagram's length or a
//! ChannelData, elsewhere ([`starts_like_stun`], the heuristic) a message only.

#[path = "stun/attributes.rs"]
pub mod attributes;
#[cfg(test)]
#[path = "stun/tests.rs"]
mod tests;

use std::fmt;

pub use attributes::{Attribute, attribute_name, attributes};

use super::Content;
use super::error::{Error, IResult, be16, be32, into_error, take_bytes};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::dispatch::Next;
use crate::osi::Protocol;

/// The header of a message.
pub const HEADER_LEN: usize = 20;
/// The header of a ChannelData message.
pub const CHANNEL_DATA_HEADER_LEN: usize = 4;
/// RFC 8489 section 5: every message since RFC 5389 carries it.
pub const MAGIC_COOKIE: u32 = 0x2112_a442;

/// Fixed offsets of the header (RFC 8489 section 5).
mod field {
    use std::ops::Range;
    pub const TYPE: Range<usize> = 0..2;
    pub const LENGTH: Range<usize> = 2..4;
    pub const COOKIE: Range<usize> = 4..8;
    pub const TRANSACTION_ID: Range<usize> = 8..20;
    /// ChannelData: the channel number and the data's length.
    pub const CHANNEL: Range<usize> = 0..2;
}

/// The message classes (RFC 8489 section 5).
pub mod class {
    pub const REQUEST: u8 = 0;
    pub const INDICATION: u8 = 1;
    pub const SUCCESS_RESPONSE: u8 = 2;
    pub const ERROR_RESPONSE: u8 = 3;
}

/// A STUN layer: a message, or a TURN ChannelData header whose data follows as its own layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stun<'a> {
    Message(Message<'a>),
    ChannelData(ChannelData<'a>),
}

/// One whole message: its header and its attributes, every attribute header checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    bytes: &'a [u8],
}

/// A TURN ChannelData header (RFC 8656 section 12.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelData<'a> {
    header: &'a [u8],
}

/// What tracking matched a message with (`track::stun`): tshark's `stun.response-to`,
/// `stun.time` and `stun.reqduplicate`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Matched {
    /// A response's request.
    pub response_to: Option<u64>,
    /// The time since the transaction's first message.
    pub time_ns: Option<i64>,
    /// The first copy of a message sent again.
    pub duplicate_of: Option<u64>,
}

/// The method and class interleaved in a message type.
pub fn class_of(message_type: u16) -> u8 {
    (((message_type & 0x0010) >> 4) | ((message_type & 0x0100) >> 7)) as u8
}

/// The 12-bit method of a message type.
pub fn method_of(message_type: u16) -> u16 {
    (message_type & 0x000f) | ((message_type & 0x00e0) >> 1) | ((message_type & 0x3e00) >> 2)
}

/// Reads one message from the start of `input` (a complete parser: the message's length must
/// be there). An attribute running past the message's length is malformed.
pub fn parse(input: &[u8]) -> IResult<'_, Message<'_>> {
    let (_, header) = take_bytes(HEADER_LEN)(input)?;
    if header[0] & 0xc0 != 0 {
        return Err(Error::malformed("the first two bits of a STUN message are not zero"));
    }
    let length = usize::from(be16(header, field::LENGTH.start));
    let (rest, bytes) = take_bytes(HEADER_LEN + length)(input)?;
    let mut at = HEADER_LEN;
    while at < bytes.len() {
        let Some(head) = bytes.get(at..at + 4) else {
            return Err(Error::malformed(format!(
                "an attribute header at byte {at} runs past the message's {length} bytes of attributes"
            )));
        };
        let (kind, value_len) = (be16(head, 0), usize::from(be16(head, 2)));
        let padded = value_len.div_ceil(4) * 4;
        if at + 4 + padded > bytes.len() {
            return Err(Error::malformed(format!(
                "the {} attribute (0x{kind:04x}) of {value_len} bytes runs past its message by {} bytes",
                attribute_name(kind).unwrap_or("unknown"),
                at + 4 + padded - bytes.len()
            )));
        }
        at += 4 + padded;
    }
    Ok((rest, Message { bytes }))
}

/// Reads a ChannelData header from the start of `input`, with the data it announces.
pub fn parse_channel_data(input: &[u8]) -> IResult<'_, (ChannelData<'_>, &[u8])> {
    let (after, header) = take_bytes(CHANNEL_DATA_HEADER_LEN)(input)?;
    let length = usize::from(be16(header, field::LENGTH.start));
    let (rest, data) = take_bytes(length)(after)?;
    Ok((rest, (ChannelData { header }, data)))
}

/// Whether `payload` is a whole STUN message as tshark's STUN heuristic accepts one: the first
/// two bits zero, a method below 0x100 (RFC 7983 keeps the rest for DTLS-SRTP), the magic
/// cookie, and a length that is the datagram's. ChannelData is never taken this way.
pub fn starts_like_stun(payload: &[u8]) -> bool {
    let Some(header) = payload.get(..HEADER_LEN) else { return false };
    let message_type = be16(header, field::TYPE.start);
    message_type & 0xc000 == 0
        && method_of(message_type) <= 0xff
        && be32(header, field::COOKIE.start) == MAGIC_COOKIE
        && usize::from(be16(header, field::LENGTH.start)) + HEADER_LEN == payload.len()
}

/// Whether `payload` is a ChannelData message tshark's STUN dissector takes on a conversation
/// it owns: a channel number from 0x4000 to 0x7fff and a length that is the datagram's, with
/// or without padding (`padded`: over TCP the padding is required).
pub fn is_channel_data(payload: &[u8], padded: bool) -> bool {
    let Some(header) = payload.get(..CHANNEL_DATA_HEADER_LEN) else { return false };
    let channel = be16(header, field::CHANNEL.start);
    let whole = usize::from(be16(header, field::LENGTH.start)) + CHANNEL_DATA_HEADER_LEN;
    let rounded = whole.div_ceil(4) * 4;
    channel & 0xc000 == 0x4000 && (payload.len() == rounded || (!padded && payload.len() == whole))
}

/// The stateless chain's entry for UDP port 3478: a message, or ChannelData with its data
/// after it; anything else is data, as tshark leaves it.
pub fn dissect(input: &[u8]) -> Result<(Content<'_>, Next<'_>), Error> {
    if is_channel_data(input, false) {
        let (trailer, (header, data)) = parse_channel_data(input).map_err(into_error)?;
        let next = if data.is_empty() { Next::End { trailer } } else { Next::Data(data) };
        return Ok((Content::Stun(Stun::ChannelData(header)), next));
    }
    if !starts_like_stun(input) {
        return Ok((Content::Data(input), Next::End { trailer: &[] }));
    }
    dissect_message(input)
}

/// The stateless chain's entry for the STUN heuristic: [`starts_like_stun`] said yes.
pub fn dissect_message(input: &[u8]) -> Result<(Content<'_>, Next<'_>), Error> {
    let (trailer, message) = parse(input).map_err(into_error)?;
    Ok((Content::Stun(Stun::Message(message)), Next::End { trailer }))
}

impl<'a> Message<'a> {
    /// The message's bytes: header and attributes.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    pub fn message_type(&self) -> u16 {
        be16(self.bytes, field::TYPE.start)
    }

    pub fn class(&self) -> u8 {
        class_of(self.message_type())
    }

    pub fn method(&self) -> u16 {
        method_of(self.message_type())
    }

    pub fn length(&self) -> u16 {
        be16(self.bytes, field::LENGTH.start)
    }

    pub fn transaction_id(&self) -> [u8; 12] {
        let mut id = [0; 12];
        id.copy_from_slice(&self.bytes[field::TRANSACTION_ID]);
        id
    }

    /// The message's attributes, in order.
    pub fn attributes(&self) -> impl Iterator<Item = Attribute<'a>> + 'a {
        attributes(self.bytes)
    }

    pub fn fields(&self, out: &mut Emitter<'_>, matched: Option<&Matched>) {
        let b = self.bytes;
        if let Some(matched) = matched {
            if let Some(frame) = matched.duplicate_of {
                out.computed(name::REQDUPLICATE, Value::Uint(frame));
            }
            if let Some(frame) = matched.response_to {
                out.computed(name::RESPONSE_TO, Value::Uint(frame));
            }
            if let Some(time_ns) = matched.time_ns {
                out.computed(name::TIME, Value::Seconds(time_ns));
            }
        }
        let message_type = self.message_type();
        out.at(name::TYPE, field::TYPE, Value::hex16(message_type));
        out.at(name::TYPE_CLASS, field::TYPE, Value::hex16((message_type & 0x0110) >> 4));
        out.at(name::TYPE_METHOD, field::TYPE, Value::hex16(message_type & 0x3eef));
        out.at(name::TYPE_METHOD_ASSIGNMENT, field::TYPE, Value::hex16((message_type & 0x2000) >> 13));
        out.at(name::LENGTH, field::LENGTH, Value::Uint(self.length().into()));
        out.at(name::COOKIE, field::COOKIE, Value::Bytes(&b[field::COOKIE]));
        out.at(name::ID, field::TRANSACTION_ID, Value::Bytes(&b[field::TRANSACTION_ID]));
        if self.length() == 0 {
            return;
        }
        // RFC 5389 and later (tshark's "network version" 3): MS-TURN is not told apart.
        out.computed(name::NETWORK_VERSION, Value::Uint(3));
        out.at(name::ATTRIBUTES, HEADER_LEN..b.len(), Value::Present);
        for attribute in self.attributes() {
            attribute.fields(out, b);
        }
    }

    /// tshark's Info column: `Binding Success Response XOR-MAPPED-ADDRESS: 10.0.0.1:5000`.
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        write!(out, "{} {}", method_name(self.method()).unwrap_or("Unknown"), class_name(self.class()))?;
        for attribute in self.attributes() {
            attribute.summary(out, self.bytes)?;
        }
        Ok(())
    }
}

impl ChannelData<'_> {
    pub fn channel(&self) -> u16 {
        be16(self.header, field::CHANNEL.start)
    }

    pub fn length(&self) -> u16 {
        be16(self.header, field::LENGTH.start)
    }
}

/// The method's name as tshark writes it.
pub fn method_name(method: u16) -> Option<&'static str> {
    Some(match method {
        0x001 => "Binding",
        0x002 => "SharedSecret",
        0x003 => "Allocate",
        0x004 => "Refresh",
        0x006 => "Send",
        0x007 => "Data",
        0x008 => "CreatePermission",
        0x009 => "Channel-Bind",
        0x00a => "Connect",
        0x00b => "ConnectionBind",
        0x00c => "ConnectionAttempt",
        0x080 => "GooglePing",
        _ => return None,
    })
}

/// The class's name as tshark writes it.
pub fn class_name(class: u8) -> &'static str {
    match class {
        class::REQUEST => "Request",
        class::INDICATION => "Indication",
        class::SUCCESS_RESPONSE => "Success Response",
        _ => "Error Response",
    }
}

/// tshark's words for a message type's class bits (the type's 0x0110 shifted down):
/// `0x10 Success Response (2)`.
pub fn class_words(bits: u64) -> String {
    let class = ((bits & 0x01) | (bits >> 3 & 0x02)) as u8;
    format!("0x{bits:02x} {} ({class})", class_name(class))
}

/// tshark's words for a message type's method bits (the type's 0x3eef): `0x0001 Binding
/// (0x001)`.
pub fn method_words(bits: u64) -> String {
    let method = method_of(bits as u16);
    format!("0x{bits:04x} {} (0x{method:03x})", method_name(method).unwrap_or("Unknown"))
}

/// tshark's words for a message type: `0x0101 (Binding Success Response)`.
pub fn type_words(message_type: u16) -> String {
    let method = method_name(method_of(message_type)).unwrap_or("Unknown");
    format!("0x{message_type:04x} ({method} {})", class_name(class_of(message_type)))
}

impl LayerHeader for Stun<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Stun
    }

    fn header_len(&self) -> usize {
        match self {
            Self::Message(message) => message.bytes.len(),
            Self::ChannelData(_) => CHANNEL_DATA_HEADER_LEN,
        }
    }

    fn fields(&self, out: &mut Emitter<'_>, tracked: &Tracked<'_>) {
        match self {
            Self::Message(message) => {
                let matched = match tracked.annotation {
                    super::Annotation::Stun(matched) => Some(matched),
                    _ => None,
                };
                message.fields(out, matched);
            }
            Self::ChannelData(channel) => {
                out.at(name::CHANNEL, field::CHANNEL, Value::hex16(channel.channel()));
                out.at(name::LENGTH, field::LENGTH, Value::Uint(channel.length().into()));
            }
        }
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        match self {
            Self::Message(message) => message.summary(out),
            Self::ChannelData(_) => out.write_str("ChannelData TURN Message"),
        }
    }
}

pub mod name {
    //! The fields of a STUN message, by Wireshark's names: the registry's rows for them, and
    //! the names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Stun;
        CHANNEL "stun.channel" Hex "TURN ChannelData: the channel number";
        RESPONSE_TO "stun.response-to" Uint "the request this response answers (frame)";
        TIME "stun.time" Time "time since the transaction's first message";
        REQDUPLICATE "stun.reqduplicate" Uint "the first copy of this message sent again (frame)";
        TYPE "stun.type" Hex "message type: method and class";
        TYPE_CLASS "stun.type.class" Hex "message class (0x00 request, 0x01 indication, 0x10 success, 0x11 error)";
        TYPE_METHOD "stun.type.method" Hex "message method (0x001 Binding, 0x003 Allocate...)";
        TYPE_METHOD_ASSIGNMENT "stun.type.method-assignment" Hex "method assignment (0 IETF Review, 1 Designated Expert)";
        LENGTH "stun.length" Uint "length of the attributes, or of ChannelData's data";
        COOKIE "stun.cookie" Bytes "magic cookie 2112a442";
        ID "stun.id" Bytes "transaction ID (96 bits)";
        NETWORK_VERSION "stun.network_version" Uint "STUN flavour (3: RFC 5389/8489)" names STUN_NETWORK_VERSION;
        ATTRIBUTES "stun.attributes" Present "the attributes";
        ATTRIBUTE "stun.attribute" Hex "an attribute's type";
        ATT_TYPE "stun.att.type" Hex "attribute type";
        ATT_TYPE_COMPREHENSION "stun.att.type.comprehension" Hex "comprehension (0 required, 1 optional)";
        ATT_TYPE_ASSIGNMENT "stun.att.type.assignment" Hex "attribute assignment (0 IETF Review, 1 Designated Expert)";
        ATT_LENGTH "stun.att.length" Uint "attribute length, before padding";
        ATT_RESERVED "stun.att.reserved" Bytes "reserved bytes";
        ATT_FAMILY "stun.att.family" Hex "address family (1 IPv4, 2 IPv6)" names STUN_FAMILY;
        ATT_PORT "stun.att.port" Uint "port (for XOR-d addresses, in the clear)";
        ATT_IPV4 "stun.att.ipv4" Ipv4 "IPv4 address (for XOR-d addresses, in the clear)";
        ATT_IPV6 "stun.att.ipv6" Ipv6 "IPv6 address (for XOR-d addresses, in the clear)";
        ATT_PORT_XORD "stun.att.port-xord" Bytes "port XOR the cookie's first half";
        ATT_IPV4_XORD "stun.att.ipv4-xord" Bytes "IPv4 address XOR the cookie";
        ATT_IPV6_XORD "stun.att.ipv6-xord" Bytes "IPv6 address XOR the cookie and transaction ID";
        ATT_USERNAME "stun.att.username" Text "USERNAME";
        ATT_HMAC "stun.att.hmac" Bytes "MESSAGE-INTEGRITY: HMAC-SHA1 of the message before it";
        ATT_CRC32 "stun.att.crc32" Hex "FINGERPRINT: CRC-32 of the message before it, XOR 0x5354554e";
        ATT_CRC32_STATUS "stun.att.crc32.status" Uint "FINGERPRINT checked (1 good, 0 bad)";
        ATT_ERROR_CLASS "stun.att.error.class" Uint "ERROR-CODE: hundreds digit";
        ATT_ERROR "stun.att.error" Uint "ERROR-CODE: number within the class";
        ATT_ERROR_REASON "stun.att.error.reason" Text "ERROR-CODE: reason phrase";
        ATT_REALM "stun.att.realm" Text "REALM";
        ATT_NONCE "stun.att.nonce" Text "NONCE";
        ATT_SOFTWARE "stun.att.software" Text "SOFTWARE";
        ATT_PRIORITY "stun.att.priority" Uint "ICE PRIORITY";
        ATT_TIE_BREAKER "stun.att.tie-breaker" Bytes "ICE-CONTROLLING/ICE-CONTROLLED tie breaker";
        ATT_LIFETIME "stun.att.lifetime" Uint "TURN LIFETIME, seconds";
        ATT_TRANSPORT "stun.att.transp" Hex "TURN REQUESTED-TRANSPORT (0x11 UDP)" names STUN_TRANSPORT;
        ATT_CHANNEL_NUMBER "stun.att.channelnum" Hex "TURN CHANNEL-NUMBER";
        ATT_CHANGE_IP "stun.att.change-ip" Bool "CHANGE-REQUEST: the answer is to come from another address";
        ATT_CHANGE_PORT "stun.att.change-port" Bool "CHANGE-REQUEST: the answer is to come from another port";
        ATT_RESERVE_NEXT "stun.att.even-port.reserve-next" Uint "TURN EVEN-PORT: reserve the next port too (1)";
        ATT_PADDING "stun.att.padding" Uint "padding bytes after the value";
    }
}
