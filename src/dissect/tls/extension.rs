//! Hello extensions: the walk over an extensions block, and the fields of the extensions that
//! shape a handshake.
//!
//! ```text
//! RFC 8446 section 4.2:
//! struct {
//!     ExtensionType extension_type;     uint16
//!     opaque extension_data<0..2^16-1>;
//! } Extension;
//! ```
//! Unknown extensions (and GREASE ones, RFC 8701) keep their number and length. An extension
//! whose data does not parse shows its type and length, and nothing more.

use nom::Parser;

use crate::dissect::error::{Error, be_u8, be_u16, be_u16_list, be_u32, length_data};
use crate::dissect::field::{Emitter, Value};

/// A pseudo message kind for the extensions of a HelloRetryRequest, whose key_share differs.
pub const HELLO_RETRY_REQUEST: u8 = 6;

pub mod kind {
    pub const SERVER_NAME: u16 = 0;
    pub const STATUS_REQUEST: u16 = 5;
    pub const SUPPORTED_GROUPS: u16 = 10;
    pub const EC_POINT_FORMATS: u16 = 11;
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    pub const USE_SRTP: u16 = 14;
    pub const ALPN: u16 = 16;
    pub const PADDING: u16 = 21;
    pub const ENCRYPT_THEN_MAC: u16 = 22;
    pub const EXTENDED_MASTER_SECRET: u16 = 23;
    pub const RECORD_SIZE_LIMIT: u16 = 28;
    pub const SESSION_TICKET: u16 = 35;
    pub const PRE_SHARED_KEY: u16 = 41;
    pub const EARLY_DATA: u16 = 42;
    pub const SUPPORTED_VERSIONS: u16 = 43;
    pub const COOKIE: u16 = 44;
    pub const PSK_KEY_EXCHANGE_MODES: u16 = 45;
    pub const KEY_SHARE: u16 = 51;
    pub const QUIC_TRANSPORT_PARAMETERS: u16 = 57;
    pub const RENEGOTIATION_INFO: u16 = 0xff01;
}

/// One extension and where its bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extension<'a> {
    pub kind: u16,
    pub data: &'a [u8],
    /// The whole extension: type, length and data.
    pub bytes: &'a [u8],
}

/// Walks an extensions block (without its length prefix); stops at the first extension that
/// overruns the block.
pub fn walk(block: &[u8]) -> impl Iterator<Item = Extension<'_>> + '_ {
    let mut rest = block;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let start = rest;
        let Ok((after, (kind, data))) = (be_u16, length_data(be_u16)).parse(rest) else {
            rest = &[];
            return None;
        };
        rest = after;
        let bytes = &start[..4 + data.len()];
        Some(Extension { kind, data, bytes })
    })
}

impl<'a> Extension<'a> {
    /// The host name of a server_name extension.
    pub fn server_name(&self) -> Option<&'a str> {
        let (_, mut list) = length_data(be_u16)(self.data).ok()?;
        while !list.is_empty() {
            let (rest, (name_type, name)) = (be_u8, length_data(be_u16)).parse(list).ok()?;
            if name_type == 0 {
                return std::str::from_utf8(name).ok();
            }
            list = rest;
        }
        None
    }

    /// The protocol names of an ALPN extension.
    pub fn alpn(self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut list = length_data(be_u16)(self.data).map_or(&[][..], |(_, list)| list);
        std::iter::from_fn(move || {
            if list.is_empty() {
                return None;
            }
            let (rest, name) = length_data(be_u8)(list).ok()?;
            list = rest;
            Some(name)
        })
    }

    /// Emits the extension's fields; `block` is the extensions block it sits in, which the
    /// emitter's offsets are relative to, `message` the handshake type that carries it, and
    /// `dtls` whether the handshake is DTLS's (which alone reads use_srtp).
    pub fn fields(&self, out: &mut Emitter<'_>, block: &[u8], message: u8, dtls: bool) {
        let start = crate::dissect::field_offset(block, self.bytes);
        out.at(super::name::HANDSHAKE_EXTENSION_TYPE, start..start + 2, Value::Uint(self.kind.into()));
        out.at(
            super::name::HANDSHAKE_EXTENSION_LEN,
            start + 2..start + 4,
            Value::Uint(self.data.len() as u64),
        );
        let mut data_out = out.nested(start + 4);
        // Data that does not parse shows what it had up to the fault.
        let _ = self.data_fields(&mut data_out, message, dtls);
    }

    fn data_fields(&self, out: &mut Emitter<'_>, message: u8, dtls: bool) -> Result<(), Error> {
        let data = self.data;
        match self.kind {
            kind::SERVER_NAME if !data.is_empty() => {
                let (_, list) = length_data(be_u16)(data)?;
                out.at(
                    super::name::HANDSHAKE_EXTENSIONS_SERVER_NAME_LIST_LEN,
                    0..2,
                    Value::Uint(list.len() as u64),
                );
                let mut names = list;
                while !names.is_empty() {
                    let from = 2 + list.len() - names.len();
                    let (rest, name_type) = be_u8(names)?;
                    out.at(
                        super::name::HANDSHAKE_EXTENSIONS_SERVER_NAME_TYPE,
                        from..from + 1,
                        Value::Uint(name_type.into()),
                    );
                    let (rest, name) = length_data(be_u16)(rest)?;
                    names = rest;
                    let len = name.len();
                    out.at(
                        super::name::HANDSHAKE_EXTENSIONS_SERVER_NAME_LEN,
                        from + 1..from + 3,
                        Value::Uint(len as u64),
                    );
                    let text = String::from_utf8_lossy(name);
                    out.at(
                        super::name::HANDSHAKE_EXTENSIONS_SERVER_NAME,
                        from + 3..from + 3 + len,
                        Value::Str(&text),
                    );
                }
            }
            kind::SUPPORTED_GROUPS => {
                let (_, list) = length_data(be_u16)(data)?;
                let len = Value::Uint(list.len() as u64);
                out.at(super::name::HANDSHAKE_EXTENSIONS_SUPPORTED_GROUPS_LENGTH, 0..2, len);
                for (index, group) in be_u16_list(list).enumerate() {
                    let from = 2 + index * 2;
                    out.at(
                        super::name::HANDSHAKE_EXTENSIONS_SUPPORTED_GROUP,
                        from..from + 2,
                        Value::hex16(group),
                    );
                }
            }
            kind::EC_POINT_FORMATS => {
                let (_, list) = length_data(be_u8)(data)?;
                let len = Value::Uint(list.len() as u64);
                out.at(super::name::HANDSHAKE_EXTENSIONS_EC_POINT_FORMATS_LENGTH, 0..1, len);
                for (index, format) in list.iter().enumerate() {
                    let value = Value::Uint((*format).into());
                    out.at(super::name::HANDSHAKE_EXTENSIONS_EC_POINT_FORMAT, 1 + index..2 + index, value);
                }
            }
            kind::SIGNATURE_ALGORITHMS => {
                let (_, list) = length_data(be_u16)(data)?;
                out.at(super::name::HANDSHAKE_SIG_HASH_ALG_LEN, 0..2, Value::Uint(list.len() as u64));
                for (index, scheme) in be_u16_list(list).enumerate() {
                    signature_algorithm(out, 2 + index * 2, scheme);
                }
            }
            kind::ALPN => {
                let (_, list) = length_data(be_u16)(data)?;
                out.at(super::name::HANDSHAKE_EXTENSIONS_ALPN_LEN, 0..2, Value::Uint(list.len() as u64));
                let mut names = list;
                while !names.is_empty() {
                    let from = 2 + list.len() - names.len();
                    let (rest, name) = length_data(be_u8)(names)?;
                    names = rest;
                    let len = name.len();
                    out.at(
                        super::name::HANDSHAKE_EXTENSIONS_ALPN_STR_LEN,
                        from..from + 1,
                        Value::Uint(len as u64),
                    );
                    let text = String::from_utf8_lossy(name);
                    out.at(
                        super::name::HANDSHAKE_EXTENSIONS_ALPN_STR,
                        from + 1..from + 1 + len,
                        Value::Str(&text),
                    );
                }
            }
            kind::SUPPORTED_VERSIONS if message == super::handshake::kind::CLIENT_HELLO => {
                let (_, list) = length_data(be_u8)(data)?;
                let len = Value::Uint(list.len() as u64);
                out.at(super::name::HANDSHAKE_EXTENSIONS_SUPPORTED_VERSIONS_LEN, 0..1, len);
                for (index, version) in be_u16_list(list).enumerate() {
                    let from = 1 + index * 2;
                    out.at(
                        super::name::HANDSHAKE_EXTENSIONS_SUPPORTED_VERSION,
                        from..from + 2,
                        Value::hex16(version),
                    );
                }
            }
            kind::SUPPORTED_VERSIONS => {
                let (_, version) = be_u16(data)?;
                out.at(super::name::HANDSHAKE_EXTENSIONS_SUPPORTED_VERSION, 0..2, Value::hex16(version));
            }
            kind::KEY_SHARE if message == HELLO_RETRY_REQUEST => {
                let (_, group) = be_u16(data)?;
                out.at(
                    super::name::HANDSHAKE_EXTENSIONS_KEY_SHARE_SELECTED_GROUP,
                    0..2,
                    Value::Uint(group.into()),
                );
            }
            kind::KEY_SHARE => {
                let entries = if message == super::handshake::kind::CLIENT_HELLO {
                    let (_, list) = length_data(be_u16)(data)?;
                    let len = Value::Uint(list.len() as u64);
                    out.at(super::name::HANDSHAKE_EXTENSIONS_KEY_SHARE_CLIENT_LENGTH, 0..2, len);
                    list
                } else {
                    data
                };
                let base = crate::dissect::field_offset(data, entries);
                let mut shares = entries;
                while !shares.is_empty() {
                    let from = base + entries.len() - shares.len();
                    let (rest, group) = be_u16(shares)?;
                    out.at(
                        super::name::HANDSHAKE_EXTENSIONS_KEY_SHARE_GROUP,
                        from..from + 2,
                        Value::Uint(group.into()),
                    );
                    let (rest, key) = length_data(be_u16)(rest)?;
                    shares = rest;
                    let len = Value::Uint(key.len() as u64);
                    out.at(
                        super::name::HANDSHAKE_EXTENSIONS_KEY_SHARE_KEY_EXCHANGE_LENGTH,
                        from + 2..from + 4,
                        len,
                    );
                    let range = from + 4..from + 4 + key.len();
                    out.at(
                        super::name::HANDSHAKE_EXTENSIONS_KEY_SHARE_KEY_EXCHANGE,
                        range,
                        Value::Bytes(key),
                    );
                }
            }
            kind::QUIC_TRANSPORT_PARAMETERS => super::quic_parameters::fields(out, data),
            // RFC 8446 section 4.2.9: a one-byte list of one-byte modes.
            kind::PSK_KEY_EXCHANGE_MODES => {
                let (_, modes) = length_data(be_u8)(data)?;
                let len = Value::Uint(modes.len() as u64);
                out.at(super::name::EXTENSION_PSK_KE_MODES_LENGTH, 0..1, len);
                for (index, mode) in modes.iter().enumerate() {
                    out.at(
                        super::name::EXTENSION_PSK_KE_MODE,
                        1 + index..2 + index,
                        Value::Uint((*mode).into()),
                    );
                }
            }
            // RFC 8446 section 4.2.10: in a NewSessionTicket, how much early data the ticket
            // lets the client send (empty in a ClientHello or EncryptedExtensions).
            kind::EARLY_DATA if message == super::handshake::kind::NEW_SESSION_TICKET => {
                let (_, size) = be_u32(data)?;
                out.at(super::name::EARLY_DATA_MAX_EARLY_DATA_SIZE, 0..4, Value::Uint(size.into()));
            }
            // RFC 7685: bytes (zeros) to make the ClientHello a size.
            kind::PADDING if !data.is_empty() => {
                out.at(super::name::HANDSHAKE_EXTENSIONS_PADDING_DATA, 0..data.len(), Value::Bytes(data));
            }
            // RFC 5077: a ticket (or none) offered; tshark shows its bytes as data, whatever
            // the message, and so it shows a GREASE extension's (RFC 8701).
            kind::SESSION_TICKET => {
                out.at(super::name::HANDSHAKE_EXTENSION_DATA, 0..data.len(), bytes_or_missing(data));
            }
            grease if super::ja3::is_grease(grease) => {
                out.at(super::name::HANDSHAKE_EXTENSION_DATA, 0..data.len(), bytes_or_missing(data));
            }
            // RFC 6066 section 8: the status a ClientHello asks for; an OCSP request's two
            // lists, which tshark reads no further than their lengths.
            kind::STATUS_REQUEST if message == super::handshake::kind::CLIENT_HELLO => {
                let (rest, status_type) = be_u8(data)?;
                out.at(
                    super::name::HANDSHAKE_EXTENSIONS_STATUS_REQUEST_TYPE,
                    0..1,
                    Value::Uint(status_type.into()),
                );
                const OCSP: u8 = 1;
                const OCSP_MULTI: u8 = 2;
                if matches!(status_type, OCSP | OCSP_MULTI) {
                    let (rest, responders) = be_u16(rest)?;
                    let len = Value::Uint(responders.into());
                    out.at(super::name::HANDSHAKE_EXTENSIONS_STATUS_REQUEST_RESPONDER_IDS_LEN, 1..3, len);
                    // tshark stops at a responder list it does not read.
                    if responders == 0 {
                        let (_, extensions) = be_u16(rest)?;
                        let len = Value::Uint(extensions.into());
                        out.at(super::name::HANDSHAKE_EXTENSIONS_STATUS_REQUEST_EXTS_LEN, 3..5, len);
                    }
                }
            }
            // RFC 8449: the largest record plaintext the sender takes.
            kind::RECORD_SIZE_LIMIT => {
                let (_, limit) = be_u16(data)?;
                out.at(super::name::RECORD_SIZE_LIMIT, 0..2, Value::Uint(limit.into()));
            }
            kind::PRE_SHARED_KEY if message == super::handshake::kind::CLIENT_HELLO => {
                pre_shared_key_offer(out, data)?;
            }
            // RFC 8446 section 4.2.11: the identity the server chose.
            kind::PRE_SHARED_KEY if message == super::handshake::kind::SERVER_HELLO => {
                let (_, selected) = be_u16(data)?;
                out.at(super::name::PSK_SELECTED, 0..2, Value::Uint(selected.into()));
            }
            // RFC 5746 section 3.2: the verify data of the connection renegotiated, with its
            // one-byte length (0 on a first handshake).
            kind::RENEGOTIATION_INFO => {
                let (_, verify) = length_data(be_u8)(data)?;
                let len = Value::Uint(verify.len() as u64);
                out.at(super::name::HANDSHAKE_EXTENSIONS_RENEG_INFO_LEN, 0..1, len);
            }
            // RFC 8446 section 4.2.2: the cookie a HelloRetryRequest gives (DTLS 1.3's way to
            // check the client's address) and the second ClientHello sends back.
            kind::COOKIE => {
                let (_, len) = be_u16(data)?;
                out.at(super::name::HANDSHAKE_EXTENSIONS_COOKIE_LEN, 0..2, Value::Uint(len.into()));
                let (_, cookie) = length_data(be_u16)(data)?;
                let cookie_at = 2..2 + cookie.len();
                out.at(super::name::HANDSHAKE_EXTENSIONS_COOKIE, cookie_at, bytes_or_missing(cookie));
            }
            // RFC 5764 section 4.1.1: the SRTP protection profiles offered (or the one chosen)
            // and the master key identifier, which tshark reads in DTLS only.
            kind::USE_SRTP if dtls => use_srtp(out, data)?,
            _ => {}
        }
        Ok(())
    }
}

/// use_srtp's data: the profiles' length and each profile, then the MKI's length and the MKI.
fn use_srtp(out: &mut Emitter<'_>, data: &[u8]) -> Result<(), Error> {
    use crate::dissect::dtls::name as dtls;
    let (rest, profiles) = length_data(be_u16)(data)?;
    out.at(dtls::USE_SRTP_PROTECTION_PROFILES_LENGTH, 0..2, Value::Uint(profiles.len() as u64));
    for (index, profile) in be_u16_list(profiles).enumerate() {
        out.at(dtls::USE_SRTP_PROTECTION_PROFILE, 2 + 2 * index..4 + 2 * index, Value::hex16(profile));
    }
    let at = 2 + profiles.len();
    let (_, mki) = length_data(be_u8)(rest)?;
    out.at(dtls::USE_SRTP_MKI_LENGTH, at..at + 1, Value::Uint(mki.len() as u64));
    if !mki.is_empty() {
        out.at(dtls::USE_SRTP_MKI, at + 1..at + 1 + mki.len(), Value::Bytes(mki));
    }
    Ok(())
}

/// Bytes as tshark shows them, which for none is `<MISSING>`.
pub(super) fn bytes_or_missing(bytes: &[u8]) -> Value<'_> {
    if bytes.is_empty() { Value::Str("<MISSING>") } else { Value::Bytes(bytes) }
}

/// A ClientHello's pre_shared_key (RFC 8446 section 4.2.11): its identities, each a ticket and
/// its obfuscated age, then the binders, which tshark shows as one item.
fn pre_shared_key_offer(out: &mut Emitter<'_>, data: &[u8]) -> Result<(), Error> {
    let (after, identities) = length_data(be_u16)(data)?;
    out.at(super::name::PSK_IDENTITIES_LENGTH, 0..2, Value::Uint(identities.len() as u64));
    let mut rest = identities;
    while !rest.is_empty() {
        let from = 2 + identities.len() - rest.len();
        let (after_identity, identity) = length_data(be_u16)(rest)?;
        let len = Value::Uint(identity.len() as u64);
        out.at(super::name::PSK_IDENTITY_LENGTH, from..from + 2, len);
        let end = from + 2 + identity.len();
        out.at(super::name::PSK_IDENTITY, from + 2..end, Value::Bytes(identity));
        let (after_age, age) = be_u32(after_identity)?;
        out.at(super::name::PSK_OBFUSCATED_TICKET_AGE, end..end + 4, Value::Uint(age.into()));
        rest = after_age;
    }
    let from = 2 + identities.len();
    let (_, binders) = length_data(be_u16)(after)?;
    out.at(super::name::PSK_BINDERS_LEN, from..from + 2, Value::Uint(binders.len() as u64));
    out.at(super::name::PSK_BINDERS, from + 2..from + 2 + binders.len(), Value::Present);
    Ok(())
}

/// A signature algorithm at `at` (RFC 8446 section 4.2.3's SignatureScheme), then its two bytes
/// as TLS 1.2's hash and signature (RFC 5246 section 7.4.1.4.1), as tshark shows each one.
pub(super) fn signature_algorithm(out: &mut Emitter<'_>, at: usize, scheme: u16) {
    out.at(super::name::HANDSHAKE_SIG_HASH_ALG, at..at + 2, Value::hex16(scheme));
    out.at(super::name::HANDSHAKE_SIG_HASH_HASH, at..at + 1, Value::Uint((scheme >> 8).into()));
    out.at(super::name::HANDSHAKE_SIG_HASH_SIG, at + 1..at + 2, Value::Uint((scheme & 0xff).into()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_extensions_and_reads_server_name_and_alpn() {
        let block = [
            0x00, 0x00, 0x00, 0x0e, // server_name, 14 bytes
            0x00, 0x0c, 0x00, 0x00, 0x09, b'l', b'o', b'c', b'a', b'l', b'h', b'o', b's', b't', 0x00, 0x10,
            0x00, 0x05, // ALPN, 5 bytes
            0x00, 0x03, 0x02, b'h', b'2', //
            0x0a, 0x0a, 0x00, 0x00, // a GREASE extension, empty
        ];
        let extensions: Vec<_> = walk(&block).collect();
        assert_eq!(extensions.iter().map(|e| e.kind).collect::<Vec<_>>(), [0, 16, 0x0a0a]);
        assert_eq!(extensions[0].server_name(), Some("localhost"));
        assert_eq!(extensions[1].alpn().collect::<Vec<_>>(), [b"h2"]);
        // Every truncation walks what is whole and stops, without panicking.
        for cut in 0..block.len() {
            for extension in walk(&block[..cut]) {
                let _ = extension.server_name();
                let _ = extension.alpn().count();
            }
        }
    }

    #[test]
    fn reads_psk_modes_padding_and_renegotiation_info() {
        use crate::dissect::field::Field;
        let block = [
            0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, // psk_key_exchange_modes: psk_dhe_ke
            0x00, 0x15, 0x00, 0x03, 0x00, 0x00, 0x00, // padding, 3 bytes
            0xff, 0x01, 0x00, 0x01, 0x00, // renegotiation_info, empty verify data
            0xff, 0x01, 0x00, 0x01, 0x05, // renegotiation_info overrunning its own length
        ];
        let mut seen = Vec::new();
        let mut sink = |field: Field<'_>| seen.push(format!("{}={}", field.name, field.value));
        let mut out = Emitter::new(&mut sink, 0, Default::default());
        for extension in walk(&block) {
            extension.fields(&mut out, &block, super::super::handshake::kind::CLIENT_HELLO, false);
        }
        let values: Vec<&String> = seen.iter().filter(|field| !field.contains(".extension.type=")).collect();
        let wanted = [
            "tls.extension.psk_ke_modes_length=1",
            "tls.extension.psk_ke_mode=1",
            "tls.handshake.extensions_padding_data=000000",
            "tls.handshake.extensions_reneg_info_len=0",
        ];
        for field in wanted {
            assert!(values.iter().any(|value| *value == field), "{field} not in {values:?}");
        }
        assert_eq!(values.iter().filter(|value| value.contains("reneg_info_len")).count(), 1);
        // A ticket's early data limit, and none from the empty extension of a ClientHello.
        let block = [0x00, 0x2a, 0x00, 0x04, 0xff, 0xff, 0xff, 0xff];
        let mut seen = Vec::new();
        let mut sink = |field: Field<'_>| seen.push(format!("{}={}", field.name, field.value));
        let mut out = Emitter::new(&mut sink, 0, Default::default());
        let ticket = super::super::handshake::kind::NEW_SESSION_TICKET;
        walk(&block).for_each(|extension| extension.fields(&mut out, &block, ticket, false));
        let empty = [0x00, 0x2a, 0x00, 0x00];
        walk(&empty).for_each(|extension| extension.fields(&mut out, &empty, 1, false));
        let limits: Vec<&String> =
            seen.iter().filter(|field| field.contains("max_early_data_size")).collect();
        assert_eq!(limits, ["tls.early_data.max_early_data_size=4294967295"]);
    }

    /// Every field `block`'s extensions emit in a message of `message` kind, `name=value`.
    fn emitted(block: &[u8], message: u8) -> Vec<String> {
        emitted_in(block, message, false)
    }

    /// [`emitted`] in a TLS handshake, or a DTLS one when `dtls`.
    fn emitted_in(block: &[u8], message: u8, dtls: bool) -> Vec<String> {
        use crate::dissect::field::Field;
        let mut seen = Vec::new();
        let mut sink = |field: Field<'_>| seen.push(format!("{}={}", field.name, field.value));
        let mut out = Emitter::new(&mut sink, 0, Default::default());
        walk(block).for_each(|extension| extension.fields(&mut out, block, message, dtls));
        seen.retain(|field| !field.contains(".extension.type=") && !field.contains(".extension.len="));
        seen
    }

    #[test]
    fn a_cookie_is_read_with_its_length() {
        use super::super::handshake::kind::SERVER_HELLO;
        // A HelloRetryRequest's cookie of three bytes.
        let block = [0x00, 0x2c, 0x00, 0x05, 0x00, 0x03, 0x30, 0x46, 0xa2];
        let wanted = ["tls.handshake.extensions.cookie_len=3", "tls.handshake.extensions.cookie=3046a2"];
        assert_eq!(emitted(&block, SERVER_HELLO), wanted);
        // A cookie longer than its extension: its length only.
        let overrun = [0x00, 0x2c, 0x00, 0x03, 0x00, 0x09, 0x30];
        assert_eq!(emitted(&overrun, SERVER_HELLO), ["tls.handshake.extensions.cookie_len=9"]);
        for cut in 0..block.len() {
            let _ = emitted(&block[..cut], SERVER_HELLO);
        }
    }

    #[test]
    fn use_srtp_is_read_in_dtls_only() {
        use super::super::handshake::kind::CLIENT_HELLO;
        // aiortc's offer: two profiles, then an MKI of one byte.
        let block = [0x00, 0x0e, 0x00, 0x08, 0x00, 0x04, 0x00, 0x08, 0x00, 0x07, 0x01, 0x5a];
        let wanted = [
            "dtls.use_srtp.protection_profiles_length=4",
            "dtls.use_srtp.protection_profile=0x0008",
            "dtls.use_srtp.protection_profile=0x0007",
            "dtls.use_srtp.mki_length=1",
            "dtls.use_srtp.mki=5a",
        ];
        assert_eq!(emitted_in(&block, CLIENT_HELLO, true), wanted);
        // tshark reads the extension in DTLS only: in TLS it is not taken apart.
        assert!(emitted_in(&block, CLIENT_HELLO, false).is_empty());
        // Cut before the MKI's length: the profiles are still shown.
        let mut cut = block[..10].to_vec();
        cut[3] = 6;
        assert_eq!(emitted_in(&cut, CLIENT_HELLO, true), wanted[..3]);
        for cut in 0..block.len() {
            let _ = emitted_in(&block[..cut], CLIENT_HELLO, true);
        }
    }

    #[test]
    fn reads_a_ticket_an_ocsp_request_a_record_size_limit_and_a_psk_offer() {
        use super::super::handshake::kind::{CLIENT_HELLO, SERVER_HELLO};
        let block = [
            0x00, 0x23, 0x00, 0x00, // session_ticket, empty
            0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, // status_request: OCSP
            0x00, 0x1c, 0x00, 0x02, 0x40, 0x01, // record_size_limit: 16385
            0x00, 0x29, 0x00, 0x0f, // pre_shared_key, 15 bytes
            0x00, 0x08, 0x00, 0x02, 0xaa, 0xbb, 0x00, 0x00, 0x00, 0x07, // one identity, age 7
            0x00, 0x03, 0x02, 0x11, 0x22, // binders
        ];
        let wanted = [
            "tls.handshake.extension.data=<MISSING>",
            "tls.handshake.extensions_status_request_type=1",
            "tls.handshake.extensions_status_request_responder_ids_len=0",
            "tls.handshake.extensions_status_request_exts_len=0",
            "tls.record_size_limit=16385",
            "tls.handshake.extensions.psk.identities.length=8",
            "tls.handshake.extensions.psk.identity.identity_length=2",
            "tls.handshake.extensions.psk.identity.identity=aabb",
            "tls.handshake.extensions.psk.identity.obfuscated_ticket_age=7",
            "tls.handshake.extensions.psk.binders_len=3",
            "tls.handshake.extensions.psk.binders=1",
        ];
        assert_eq!(emitted(&block, CLIENT_HELLO), wanted);
        // The server's pre_shared_key is the identity it chose.
        let chosen = [0x00, 0x29, 0x00, 0x02, 0x00, 0x00];
        assert_eq!(emitted(&chosen, SERVER_HELLO), ["tls.handshake.extensions.psk.identity.selected=0"]);
        // Every cut of the offer shows what it had up to the cut, and never panics.
        for cut in 0..block.len() {
            let _ = emitted(&block[..cut], CLIENT_HELLO);
        }
        // An identity that claims more than the list holds shows its length only.
        let overrun = [0x00, 0x29, 0x00, 0x06, 0x00, 0x04, 0x00, 0x09, 0xaa, 0xbb];
        let fields = emitted(&overrun, CLIENT_HELLO);
        assert_eq!(fields, ["tls.handshake.extensions.psk.identities.length=4"]);
    }
}
