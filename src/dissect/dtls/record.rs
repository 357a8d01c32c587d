//! The DTLS record headers (DTLS 1.2's, and DTLS 1.3's unified header) and the handshake
//! fragment header, read from a datagram.
//!
//! ```text
//! RFC 6347 section 4.1 (DTLS 1.2):         RFC 9147 section 4 (DTLS 1.3 unified header):
//! struct {                                   0 1 2 3 4 5 6 7
//!     ContentType type;                     |0|0|1|C|S|L|E E|
//!     ProtocolVersion version;              | Connection ID (if C, of the negotiated length)
//!     uint16 epoch;                         | Sequence Number (8 bits, 16 if S)
//!     uint48 sequence_number;               | Length (16 bits, if L; else to the datagram's end)
//!     uint16 length;                        | encrypted_record
//!     opaque fragment[length];
//! } DTLSPlaintext;
//!
//! RFC 6347 section 4.2.2: struct { HandshakeType msg_type; uint24 length; uint16 message_seq;
//!                          uint24 fragment_offset; uint24 fragment_length; body } Handshake;
//! ```
//! Datagram parsers: a record is whole in its datagram or malformed; a record's length is
//! capped at the specification's maximum, and a fragment must lie within its record.

use crate::dissect::error::Error;

/// DTLS 1.2's record header length.
pub const PLAIN_HEADER_LEN: usize = 13;
/// The handshake fragment header length.
pub const FRAGMENT_HEADER_LEN: usize = 12;
/// The largest record body: DTLS 1.2's ciphertext limit, as TLS 1.2's (RFC 6347 4.1).
pub const MAX_BODY_LEN: usize = (1 << 14) + 2048;
/// The longest connection ID (RFC 9146 section 3).
pub const MAX_CONNECTION_ID_LEN: usize = 255;

/// The protocol versions on the wire (the one's complement of the TLS version they follow).
pub mod version {
    pub const DTLS_1_0: u16 = 0xfeff;
    pub const DTLS_1_2: u16 = 0xfefd;
    pub const DTLS_1_3: u16 = 0xfefc;
    /// OpenSSL's pre-standard DTLS 1.0 (0.9.8 before 0.9.8f).
    pub const DTLS_1_0_OPENSSL: u16 = 0x0100;
}

/// Content types DTLS adds to TLS's.
pub mod content_type {
    /// A DTLS 1.2 record with a connection ID (RFC 9146).
    pub const TLS12_CID: u8 = 25;
    /// A DTLS 1.3 ACK (RFC 9147 section 7).
    pub const ACK: u8 = 26;
}

/// The unified header's bits.
mod bits {
    pub const FIXED_MASK: u8 = 0xe0;
    pub const FIXED: u8 = 0x20;
    pub const CONNECTION_ID: u8 = 0x10;
    pub const SEQUENCE_16: u8 = 0x08;
    pub const LENGTH: u8 = 0x04;
    pub const EPOCH: u8 = 0x03;
}

/// A record's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Header<'a> {
    /// DTLS 1.2's (and DTLS 1.3's plaintext records', such as its ClientHello).
    Plain { content_type: u8, version: u16, epoch: u16, sequence_number: u64, length: u16 },
    /// DTLS 1.3's unified header of an encrypted record.
    Unified {
        /// The first byte, `001CSLEE`.
        flags: u8,
        connection_id: &'a [u8],
        /// The low 8 or 16 bits of the record's sequence number, still encrypted by record
        /// number protection (RFC 9147 section 4.2.3) on the wire.
        sequence_number: u16,
        /// The length field, if the header has one.
        length: Option<u16>,
    },
}

impl Header<'_> {
    /// The content type as the header says it (a unified header's is inside the encryption).
    pub fn content_type(&self) -> Option<u8> {
        match self {
            Self::Plain { content_type, .. } => Some(*content_type),
            Self::Unified { .. } => None,
        }
    }

    /// The epoch: whole in DTLS 1.2, its two low bits in the unified header.
    pub fn epoch(&self) -> u16 {
        match self {
            Self::Plain { epoch, .. } => *epoch,
            Self::Unified { flags, .. } => u16::from(flags & bits::EPOCH),
        }
    }

    pub fn is_unified(&self) -> bool {
        matches!(self, Self::Unified { .. })
    }

    /// The unified header's flags, each as a number: fixed bits, C, S, L, epoch bits.
    pub fn unified_flags(flags: u8) -> (u8, bool, bool, bool, u8) {
        (
            flags >> 5,
            flags & bits::CONNECTION_ID != 0,
            flags & bits::SEQUENCE_16 != 0,
            flags & bits::LENGTH != 0,
            flags & bits::EPOCH,
        )
    }
}

/// One record read from the front of a datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parsed<'a> {
    pub header: Header<'a>,
    pub header_len: usize,
    pub body: &'a [u8],
}

impl Parsed<'_> {
    pub fn total_len(&self) -> usize {
        self.header_len + self.body.len()
    }
}

/// Whether a byte starts a unified header.
pub fn is_unified(first: u8) -> bool {
    first & bits::FIXED_MASK == bits::FIXED
}

/// Reads the record at the front of `input`; `connection_id_len` is the length the session
/// negotiated for the unified header's connection ID (0 when none is known).
pub fn parse(input: &[u8], connection_id_len: usize) -> Result<Parsed<'_>, Error> {
    let Some(&first) = input.first() else { return Err(Error::Truncated { needed: 1 }) };
    if is_unified(first) {
        return parse_unified(input, first, connection_id_len.min(MAX_CONNECTION_ID_LEN));
    }
    let header = input.get(..PLAIN_HEADER_LEN).ok_or_else(|| {
        Error::Malformed(format!("record header cut at {} of {PLAIN_HEADER_LEN} bytes", input.len()).into())
    })?;
    let content_type = header[0];
    if !(20..=content_type::ACK).contains(&content_type) {
        return Err(Error::Malformed(format!("record content type {content_type} is not a DTLS one").into()));
    }
    let version = u16::from_be_bytes([header[1], header[2]]);
    let epoch = u16::from_be_bytes([header[3], header[4]]);
    let mut sequence = [0u8; 8];
    sequence[2..].copy_from_slice(&header[5..11]);
    let length = u16::from_be_bytes([header[11], header[12]]);
    if usize::from(length) > MAX_BODY_LEN {
        return Err(Error::Malformed(
            format!("record length {length} exceeds the maximum of {MAX_BODY_LEN}").into(),
        ));
    }
    let body = input.get(PLAIN_HEADER_LEN..PLAIN_HEADER_LEN + usize::from(length)).ok_or_else(|| {
        Error::Malformed(
            format!(
                "record length {length} runs past the datagram's {} bytes",
                input.len() - PLAIN_HEADER_LEN
            )
            .into(),
        )
    })?;
    let sequence_number = u64::from_be_bytes(sequence);
    Ok(Parsed {
        header: Header::Plain { content_type, version, epoch, sequence_number, length },
        header_len: PLAIN_HEADER_LEN,
        body,
    })
}

fn parse_unified(input: &[u8], flags: u8, connection_id_len: usize) -> Result<Parsed<'_>, Error> {
    let (_, has_cid, seq16, has_length, _) = Header::unified_flags(flags);
    let cid_len = if has_cid { connection_id_len } else { 0 };
    let seq_len = if seq16 { 2 } else { 1 };
    let header_len = 1 + cid_len + seq_len + if has_length { 2 } else { 0 };
    if input.len() < header_len {
        return Err(Error::Malformed(
            format!("unified header of {header_len} bytes runs past the datagram's {}", input.len()).into(),
        ));
    }
    let connection_id = &input[1..1 + cid_len];
    let at = 1 + cid_len;
    let sequence_number =
        if seq16 { u16::from_be_bytes([input[at], input[at + 1]]) } else { u16::from(input[at]) };
    let rest = &input[header_len..];
    let (length, body) = if has_length {
        let length = u16::from_be_bytes([input[at + seq_len], input[at + seq_len + 1]]);
        let body = rest.get(..usize::from(length)).ok_or_else(|| {
            Error::Malformed(
                format!("record length {length} runs past the datagram's {} bytes", rest.len()).into(),
            )
        })?;
        (Some(length), body)
    } else {
        (None, rest)
    };
    if body.len() > MAX_BODY_LEN {
        return Err(Error::Malformed(
            format!("record of {} bytes exceeds the maximum of {MAX_BODY_LEN}", body.len()).into(),
        ));
    }
    Ok(Parsed { header: Header::Unified { flags, connection_id, sequence_number, length }, header_len, body })
}

/// A handshake fragment's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FragmentHeader {
    pub kind: u8,
    /// The whole message's body length.
    pub length: u32,
    pub message_seq: u16,
    pub fragment_offset: u32,
    pub fragment_length: u32,
}

impl FragmentHeader {
    /// Whether the fragment is the whole message.
    pub fn is_whole(&self) -> bool {
        self.fragment_offset == 0 && self.fragment_length == self.length
    }

    /// Why the fragment cannot be part of its message, if it cannot.
    pub fn outside(&self) -> Option<String> {
        let end = u64::from(self.fragment_offset) + u64::from(self.fragment_length);
        (end > u64::from(self.length)).then(|| {
            format!(
                "handshake fragment {}..{end} lies outside its message of {} bytes",
                self.fragment_offset, self.length
            )
        })
    }
}

/// Reads one fragment from the front of a handshake record's content: its header and its
/// bytes. A fragment longer than what is left of the record is malformed.
pub fn parse_fragment(input: &[u8]) -> Result<(FragmentHeader, &[u8]), Error> {
    let header = input.get(..FRAGMENT_HEADER_LEN).ok_or_else(|| {
        Error::Malformed(format!("handshake fragment header cut at {} of 12 bytes", input.len()).into())
    })?;
    let u24 = |at: usize| u32::from_be_bytes([0, header[at], header[at + 1], header[at + 2]]);
    let fragment = FragmentHeader {
        kind: header[0],
        length: u24(1),
        message_seq: u16::from_be_bytes([header[4], header[5]]),
        fragment_offset: u24(6),
        fragment_length: u24(9),
    };
    let bytes = input
        .get(FRAGMENT_HEADER_LEN..FRAGMENT_HEADER_LEN + fragment.fragment_length as usize)
        .ok_or_else(|| {
            Error::Malformed(
                format!(
                    "handshake fragment length {} runs past its record's {} bytes",
                    fragment.fragment_length,
                    input.len() - FRAGMENT_HEADER_LEN
                )
                .into(),
            )
        })?;
    Ok((fragment, bytes))
}

/// Whether a UDP payload looks like DTLS, as Wireshark's heuristic asks: records with a valid
/// content type and a DTLS 1.0 or 1.2 version that end exactly at the datagram's end.
pub fn starts_like_dtls(payload: &[u8]) -> bool {
    let mut at = 0;
    while let Some(header) = payload.get(at..at + PLAIN_HEADER_LEN) {
        let version = u16::from_be_bytes([header[1], header[2]]);
        let valid_type = (20..=content_type::TLS12_CID).contains(&header[0]);
        let valid_version =
            matches!(version, version::DTLS_1_0 | version::DTLS_1_2 | version::DTLS_1_0_OPENSSL);
        if !valid_type || !valid_version {
            return false;
        }
        at += PLAIN_HEADER_LEN + usize::from(u16::from_be_bytes([header[11], header[12]]));
        if at == payload.len() {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DTLS 1.2 handshake record: type 22, version fefd, epoch 0, sequence 5, length 3.
    const RECORD: [u8; 16] = [22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 5, 0, 3, 0xaa, 0xbb, 0xcc];

    #[test]
    fn reads_a_plain_record_and_refuses_one_cut_short() {
        let parsed = parse(&RECORD, 0).expect("a whole record");
        assert_eq!(
            parsed.header,
            Header::Plain { content_type: 22, version: 0xfefd, epoch: 0, sequence_number: 5, length: 3 }
        );
        assert_eq!(parsed.body, &[0xaa, 0xbb, 0xcc]);
        for cut in 1..RECORD.len() {
            assert!(parse(&RECORD[..cut], 0).is_err(), "cut at {cut}");
        }
        assert!(matches!(parse(&[99; 13], 0), Err(Error::Malformed(_))));
        assert!(starts_like_dtls(&RECORD));
        assert!(!starts_like_dtls(&RECORD[..15]), "the datagram must end with a record");
    }

    #[test]
    fn reads_a_unified_header_with_and_without_its_length() {
        // 0x2e: 001 C=0 S=1 L=1 EE=2; sequence 0x0102; length 2; two bytes of ciphertext.
        let parsed = parse(&[0x2e, 1, 2, 0, 2, 9, 9], 0).expect("a unified header");
        assert_eq!(
            parsed.header,
            Header::Unified { flags: 0x2e, connection_id: &[], sequence_number: 0x0102, length: Some(2) }
        );
        assert_eq!(parsed.header.epoch(), 2);
        // 0x31: C=1 S=0 L=0 EE=1, a 2-byte connection ID, sequence 7, the rest is the record.
        let parsed = parse(&[0x31, 0xc1, 0xc2, 7, 1, 2, 3], 2).expect("a unified header");
        assert_eq!(
            parsed.header,
            Header::Unified { flags: 0x31, connection_id: &[0xc1, 0xc2], sequence_number: 7, length: None }
        );
        assert_eq!(parsed.body, &[1, 2, 3]);
        assert!(parse(&[0x2e, 1, 2, 0, 9, 9], 0).is_err(), "a length past the datagram");
        assert!(parse(&[0x3c, 1], 0).is_err(), "a header cut short");
    }

    #[test]
    fn a_fragment_outside_its_message_says_so() {
        // Certificate, length 816, message_seq 1, offset 615, fragment length 201.
        let header = [11, 0, 3, 0x30, 0, 1, 0, 2, 0x67, 0, 0, 0xc9];
        let mut bytes = header.to_vec();
        bytes.extend([0; 201]);
        let (fragment, body) = parse_fragment(&bytes).expect("a whole fragment");
        assert_eq!((fragment.length, fragment.fragment_offset, fragment.fragment_length), (816, 615, 201));
        assert_eq!(body.len(), 201);
        assert!(!fragment.is_whole());
        assert_eq!(fragment.outside(), None);
        let past = FragmentHeader { fragment_offset: 700, ..fragment };
        assert_eq!(
            past.outside().as_deref(),
            Some("handshake fragment 700..901 lies outside its message of 816 bytes")
        );
        assert!(parse_fragment(&bytes[..100]).is_err(), "a fragment past its record");
        assert!(parse_fragment(&bytes[..11]).is_err(), "a header cut short");
    }
}
