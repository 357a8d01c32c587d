//! The words tshark uses for HTTP: request methods it recognises, status code descriptions,
//! the header names it gives a field of their own, and the text conversions of its string
//! fields. Shared with HTTP/2, which shows the same status descriptions and header text.

use std::fmt::{self, Write as _};

use crate::osi::Protocol;
use crate::registry::{FieldInfo, Kind};

/// Request methods Wireshark accepts at the start of a request line (its `is_http_request_or_reply`):
/// RFC 9110, WebDAV (RFC 4918, RFC 3253), GENA notifications and a few vendor ones. Anything else
/// is not taken for HTTP.
const METHODS: &[&[u8]] = &[
    b"GET",
    b"PUT",
    b"COPY",
    b"HEAD",
    b"LOCK",
    b"MOVE",
    b"POLL",
    b"POST",
    b"BCOPY",
    b"BMOVE",
    b"MKCOL",
    b"TRACE",
    b"PATCH",
    b"LABEL",
    b"MERGE",
    b"DELETE",
    b"SEARCH",
    b"UNLOCK",
    b"REPORT",
    b"UPDATE",
    b"NOTIFY",
    b"BDELETE",
    b"CONNECT",
    b"OPTIONS",
    b"CHECKIN",
    b"PROPFIND",
    b"CHECKOUT",
    b"CCM_POST",
    b"SUBSCRIBE",
    b"PROPPATCH",
    b"BPROPFIND",
    b"BPROPPATCH",
    b"UNCHECKOUT",
    b"MKACTIVITY",
    b"MKWORKSPACE",
    b"RPC_CONNECT",
    b"RPC_IN_DATA",
    b"UNSUBSCRIBE",
    b"RPC_OUT_DATA",
    b"VERSION-CONTROL",
    b"BASELINE-CONTROL",
    b"SSTP_DUPLEX_POST",
    // SSDP's search (UPnP Device Architecture section 1.3.2), as Wireshark takes it
    b"M-SEARCH",
];

/// The longest method, so a caller knows how many bytes settle the question.
pub(crate) const LONGEST_METHOD: usize = 16;

/// Whether `method` is one Wireshark recognises (case matters: `get` is not a method).
pub fn is_known_method(method: &[u8]) -> bool {
    METHODS.contains(&method)
}

/// Whether `prefix` could still grow into a known method.
pub(crate) fn could_be_method(prefix: &[u8]) -> bool {
    METHODS.iter().any(|method| method.starts_with(prefix))
}

/// The description tshark shows for a status code (`http.response.code.desc`, and in the Info
/// column of HTTP/2 responses): the registered reason phrase, `Success - Others` and the like
/// for x99, and `Unknown (N)` for anything else.
pub fn status_description(code: u16) -> StatusDescription {
    StatusDescription(code)
}

/// `: 200 OK` for an HTTP/2 or HTTP/3 `:status` value; the description only for three digits.
pub(crate) fn write_status(out: &mut dyn fmt::Write, status: &[u8]) -> fmt::Result {
    write!(out, ": {}", AsciiText(status))?;
    let code = std::str::from_utf8(status).ok().and_then(|text| text.parse::<u16>().ok());
    if let Some(code) = code.filter(|_| status.len() == 3) {
        write!(out, " {}", status_description(code))?;
    }
    Ok(())
}

/// A status description, written when displayed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusDescription(pub u16);

impl fmt::Display for StatusDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match status_phrase(self.0) {
            Some(phrase) => f.write_str(phrase),
            None => write!(f, "Unknown ({})", self.0),
        }
    }
}

fn status_phrase(code: u16) -> Option<&'static str> {
    Some(match code {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        199 => "Informational - Others",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        299 => "Success - Others",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        399 => "Redirection - Others",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Time-out",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Requested Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        499 => "Client Error - Others",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Time-out",
        505 => "HTTP Version not supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        599 => "Server Error - Others",
        _ => return None,
    })
}

/// What tshark does with a header it knows by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Special {
    None,
    ContentLength,
    Cookie,
}

/// Headers tshark 4.0 gives a field of their own, in the order of its table. Every other header
/// shows only as a `http.request.line` or `http.response.line`.
const HEADER_FIELDS: &[(&str, &str, Special)] = &[
    ("authorization", super::name::AUTHORIZATION, Special::None),
    ("proxy-authorization", super::name::PROXY_AUTHORIZATION, Special::None),
    ("proxy-authenticate", super::name::PROXY_AUTHENTICATE, Special::None),
    ("www-authenticate", super::name::WWW_AUTHENTICATE, Special::None),
    ("content-type", super::name::CONTENT_TYPE, Special::None),
    ("content-length", super::name::CONTENT_LENGTH_HEADER, Special::ContentLength),
    ("content-encoding", super::name::CONTENT_ENCODING, Special::None),
    ("transfer-encoding", super::name::TRANSFER_ENCODING, Special::None),
    ("upgrade", super::name::UPGRADE, Special::None),
    ("user-agent", super::name::USER_AGENT, Special::None),
    ("host", super::name::HOST, Special::None),
    ("connection", super::name::CONNECTION, Special::None),
    ("cookie", super::name::COOKIE, Special::Cookie),
    ("accept", super::name::ACCEPT, Special::None),
    ("referer", super::name::REFERER, Special::None),
    ("accept-language", super::name::ACCEPT_LANGUAGE, Special::None),
    ("accept-encoding", super::name::ACCEPT_ENCODING, Special::None),
    ("date", super::name::DATE, Special::None),
    ("cache-control", super::name::CACHE_CONTROL, Special::None),
    ("server", super::name::SERVER, Special::None),
    ("location", super::name::LOCATION, Special::None),
    ("sec-websocket-accept", super::name::SEC_WEBSOCKET_ACCEPT, Special::None),
    ("sec-websocket-extensions", super::name::SEC_WEBSOCKET_EXTENSIONS, Special::None),
    ("sec-websocket-key", super::name::SEC_WEBSOCKET_KEY, Special::None),
    ("sec-websocket-protocol", super::name::SEC_WEBSOCKET_PROTOCOL, Special::None),
    ("sec-websocket-version", super::name::SEC_WEBSOCKET_VERSION, Special::None),
    ("set-cookie", super::name::SET_COOKIE, Special::None),
    ("last-modified", super::name::LAST_MODIFIED, Special::None),
    ("x-forwarded-for", super::name::X_FORWARDED_FOR, Special::None),
    ("http2-settings", super::name::HTTP2_SETTINGS, Special::None),
];

/// The field tshark shows a header as, found case-insensitively.
pub(crate) fn header_field(name: &[u8]) -> Option<(&'static str, Special)> {
    HEADER_FIELDS
        .iter()
        .find(|(known, _, _)| known.as_bytes().eq_ignore_ascii_case(name))
        .map(|&(_, field, special)| (field, special))
}

/// Defines [`H2_H3_HEADER_FIELDS`] and the registry's tables of the header fields. A row may
/// give the kind of its `http3.headers.*` field, for the headers later Wireshark reads as
/// numbers; every `http2.headers.*` field is text, as tshark 4.0 gives them.
macro_rules! header_fields {
    ($($header:literal => $suffix:literal $(as $kind:ident)?,)*) => {
        /// Well-known header names with their `http2.headers.*` field (as tshark 4.0 gives
        /// them) and their `http3.headers.*` field (as later Wireshark names them).
        const H2_H3_HEADER_FIELDS: &[(&str, &str, &str)] = &[
            $(($header, concat!("http2.headers.", $suffix), concat!("http3.headers.", $suffix)),)*
        ];

        /// The `http2.headers.*` fields, for HTTP/2's row in the protocol table.
        pub const HTTP2_HEADER_FIELDS: &[FieldInfo] = &[$(FieldInfo {
            name: concat!("http2.headers.", $suffix),
            kind: Kind::Text,
            title: $header,
            protocol: Protocol::Http2,
            layer: Protocol::Http2.osi(),
            names: None,
        },)*];

        /// The `http3.headers.*` fields, for HTTP/3's row in the protocol table.
        pub const HTTP3_HEADER_FIELDS: &[FieldInfo] = &[$(FieldInfo {
            name: concat!("http3.headers.", $suffix),
            kind: header_fields!(@kind $($kind)?),
            title: $header,
            protocol: Protocol::Http3,
            layer: Protocol::Http3.osi(),
            names: None,
        },)*];
    };
    (@kind) => {
        Kind::Text
    };
    (@kind $kind:ident) => {
        Kind::$kind
    };
}

header_fields! {
    ":status" => "status" as Uint,
    ":path" => "path",
    ":method" => "method",
    ":scheme" => "scheme",
    "accept" => "accept",
    "accept-charset" => "accept_charset",
    "accept-encoding" => "accept_encoding",
    "accept-language" => "accept_language",
    "accept-ranges" => "accept_ranges",
    "access-control-allow-origin" => "access_control_allow_origin",
    "age" => "age" as Uint,
    "allow" => "allow",
    "authorization" => "authorization",
    ":authority" => "authority",
    "cache-control" => "cache_control",
    "content-disposition" => "content_disposition",
    "content-encoding" => "content_encoding",
    "content-language" => "content_language",
    "content-length" => "content_length" as Uint,
    "content-location" => "content_location",
    "content-range" => "content_range",
    "content-type" => "content_type",
    "cookie" => "cookie",
    "date" => "date",
    "etag" => "etag",
    "expect" => "expect",
    "expires" => "expires",
    "from" => "from",
    "if-match" => "if_match",
    "if-modified-since" => "if_modified_since",
    "if-none-match" => "if_none_match",
    "if-range" => "if_range",
    "if-unmodified-since" => "if_unmodified_since",
    "last-modified" => "last_modified",
    "link" => "link",
    "location" => "location",
    "max-forwards" => "max_forwards" as Uint,
    "proxy-authenticate" => "proxy_authenticate",
    "proxy-authorization" => "proxy_authorization",
    "range" => "range",
    "referer" => "referer",
    "refresh" => "refresh",
    "retry-after" => "retry_after",
    "server" => "server",
    "set-cookie" => "set_cookie",
    "strict-transport-security" => "strict_transport_security",
    "user-agent" => "user_agent",
    "vary" => "vary",
    "via" => "via",
    "www-authenticate" => "www_authenticate",
}

/// The `http2.headers.*` field of a header name (HPACK names are lower case already).
pub(crate) fn http2_header_field(name: &[u8]) -> Option<&'static str> {
    H2_H3_HEADER_FIELDS.iter().find(|(known, ..)| known.as_bytes() == name).map(|&(_, field, _)| field)
}

/// The `http3.headers.*` field of a header name.
pub(crate) fn http3_header_field(name: &[u8]) -> Option<&'static str> {
    H2_H3_HEADER_FIELDS.iter().find(|(known, ..)| known.as_bytes() == name).map(|&(.., field)| field)
}

/// Bytes shown as tshark shows an `FT_STRING` read with `ENC_ASCII`: each byte above 0x7f
/// becomes U+FFFD, and the string ends at the first NUL, as a C string does. Control
/// characters stay as they are; `tshark -T fields` itself then writes CR, LF and TAB as `\r`,
/// `\n` and `\t` (see [`escape_for_fields`]).
#[derive(Clone, Copy, Debug)]
pub struct AsciiText<'a>(pub &'a [u8]);

impl fmt::Display for AsciiText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_ascii(f, self.0)
    }
}

/// Writes bytes the way [`AsciiText`] displays them.
pub(crate) fn write_ascii(out: &mut dyn fmt::Write, bytes: &[u8]) -> fmt::Result {
    let text = bytes.split(|&byte| byte == 0).next().unwrap_or(&[]);
    let mut rest = text;
    while !rest.is_empty() {
        let ascii_len = rest.iter().position(|byte| !byte.is_ascii()).unwrap_or(rest.len());
        let (ascii, after) = rest.split_at(ascii_len);
        // The bytes before `ascii_len` are all ASCII, so valid UTF-8.
        out.write_str(std::str::from_utf8(ascii).unwrap_or(""))?;
        if let Some((_, tail)) = after.split_first() {
            out.write_char(char::REPLACEMENT_CHARACTER)?;
            rest = tail;
        } else {
            rest = after;
        }
    }
    Ok(())
}

/// Several byte slices shown one after the other as one [`AsciiText`] (a chunked body's data).
pub(crate) struct AsciiParts<I>(pub I);

impl<'a, I: Iterator<Item = &'a [u8]> + Clone> fmt::Display for AsciiParts<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in self.0.clone() {
            let end = part.iter().position(|&byte| byte == 0);
            write_ascii(f, &part[..end.unwrap_or(part.len())])?;
            if end.is_some() {
                break;
            }
        }
        Ok(())
    }
}

/// A line as Wireshark's `format_text` shows it in the Info column: printable ASCII as is,
/// CR, LF, TAB and the other C escapes as `\r`, `\n`, `\t`..., other control bytes as `\xNN`
/// and bytes above 0x7f as U+FFFD.
pub(crate) struct InfoText<'a>(pub &'a [u8]);

impl fmt::Display for InfoText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &byte in self.0 {
            match byte {
                b'\x07' => f.write_str("\\a")?,
                b'\x08' => f.write_str("\\b")?,
                b'\x0c' => f.write_str("\\f")?,
                b'\n' => f.write_str("\\n")?,
                b'\r' => f.write_str("\\r")?,
                b'\t' => f.write_str("\\t")?,
                b'\x0b' => f.write_str("\\v")?,
                0x20..=0x7e => f.write_char(char::from(byte))?,
                0x80..=0xff => f.write_char(char::REPLACEMENT_CHARACTER)?,
                _ => write!(f, "\\x{byte:02x}")?,
            }
        }
        Ok(())
    }
}

/// What `tshark -T fields` does to every value it prints (its default `-E escape=y`): CR, LF
/// and TAB become `\r`, `\n` and `\t`; nothing else changes. rttscope's values hold the raw
/// text, so display filters see what the packet says; a fields writer applies this.
pub fn escape_for_fields(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '\r' => escaped.push_str("\\r"),
            '\n' => escaped.push_str("\\n"),
            '\t' => escaped.push_str("\\t"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A media type as HTTP dissectors hand it to the body's dissector: the part before any `;` or
/// white space, in the case it was sent in.
pub(crate) fn media_type(content_type: &[u8]) -> &[u8] {
    let end = content_type.iter().position(|&byte| byte == b';' || byte.is_ascii_whitespace());
    &content_type[..end.unwrap_or(content_type.len())]
}

/// [`media_type`] in lower case, the key a body's dissector is found by (`text/html`).
pub(crate) fn lower_media_type(content_type: &[u8]) -> String {
    String::from_utf8_lossy(media_type(content_type)).to_ascii_lowercase()
}

/// Media types that tshark 4.0 hands to its JSON dissector, which writes
/// `, JavaScript Object Notation (type)` rather than ` (type)`.
const JSON_TYPES: &[&str] = &[
    "application/json",
    "application/problem+json",
    "application/x-ndjson",
    "application/json-rpc",
    "application/jsonrequest",
    "application/vnd.oma.lwm2m+json",
    "application/dds-web+json",
];

/// Media types whose tshark 4.0 dissector adds nothing to the Info column (octet streams, XML,
/// SDP, gRPC, multipart), or replaces it (OCSP, DNS over HTTPS): no suffix is written for
/// them. This is the part of the body's dissection rttscope does not reproduce.
const SILENT_TYPES: &[&str] = &[
    "application/octet-stream",
    "application/xml",
    "text/xml",
    "application/sdp",
    "application/grpc",
    "application/grpc+proto",
    "application/grpc-web",
    "application/grpc-web+proto",
    "application/ocsp-request",
    "application/ocsp-response",
    "application/dns-message",
];

/// Writes what the body's dissector adds to the Info column after an HTTP message with a
/// non-empty body: ` (text/html)` for the media types tshark shows as line-based text or
/// media, `, JavaScript Object Notation (application/json)` for JSON, nothing for the types
/// whose own dissector says nothing there.
pub fn write_body_suffix(out: &mut dyn fmt::Write, content_type: &[u8]) -> fmt::Result {
    let media = media_type(content_type);
    if media.is_empty() {
        return Ok(());
    }
    let is = |list: &[&str]| list.iter().any(|known| known.as_bytes().eq_ignore_ascii_case(media));
    let xml = {
        let lower = media.to_ascii_lowercase();
        lower.ends_with(b"+xml") && lower != b"application/xhtml+xml"
    };
    if is(SILENT_TYPES) || xml || media.to_ascii_lowercase().starts_with(b"multipart/") {
        return Ok(());
    }
    if is(JSON_TYPES) {
        out.write_str(", JavaScript Object Notation")?;
    }
    out.write_str(" (")?;
    for &byte in media {
        out.write_char(char::from(byte.to_ascii_lowercase()))?;
    }
    out.write_char(')')
}

/// Writes a byte slice with `%XX` escapes decoded, as tshark's `http2.header.unescaped` shows
/// a value; bytes that do not decode stay as they are.
pub(crate) struct PercentDecoded<'a>(pub &'a [u8]);

impl fmt::Display for PercentDecoded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut decoded = Vec::with_capacity(self.0.len());
        let mut at = 0;
        while let Some(&byte) = self.0.get(at) {
            let hex =
                |offset: usize| self.0.get(at + offset).and_then(|&digit| char::from(digit).to_digit(16));
            match (byte, hex(1), hex(2)) {
                (b'%', Some(high), Some(low)) => {
                    decoded.push((high * 16 + low) as u8);
                    at += 3;
                }
                _ => {
                    decoded.push(byte);
                    at += 1;
                }
            }
        }
        write_ascii(f, &decoded)
    }
}

/// `scheme://authority/path` from a request's pseudo-header fields, as HTTP/2 and HTTP/3 show
/// its full URI.
pub(crate) struct PseudoUri<'b> {
    pub scheme: &'b [u8],
    pub authority: &'b [u8],
    pub path: &'b [u8],
}

impl fmt::Display for PseudoUri<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", AsciiText(self.scheme), AsciiText(self.authority), AsciiText(self.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_descriptions_are_tsharks() {
        assert_eq!(status_description(200).to_string(), "OK");
        assert_eq!(status_description(299).to_string(), "Success - Others");
        assert_eq!(status_description(306).to_string(), "Unknown (306)");
        assert_eq!(status_description(999).to_string(), "Unknown (999)");
    }

    #[test]
    fn ascii_text_replaces_high_bytes_and_stops_at_nul() {
        assert_eq!(AsciiText(b"a\xc3\xa9b\xff").to_string(), "a\u{fffd}\u{fffd}b\u{fffd}");
        assert_eq!(AsciiText(b"ab\0cd").to_string(), "ab");
        assert_eq!(AsciiText(b"tab\there\x01").to_string(), "tab\there\x01");
        assert_eq!(escape_for_fields("Host: x\r\n\tend\\"), "Host: x\\r\\n\\tend\\");
    }

    #[test]
    fn body_suffixes_follow_the_body_dissector() {
        let suffix = |content_type: &[u8]| {
            let mut text = String::new();
            write_body_suffix(&mut text, content_type).expect("formatting");
            text
        };
        assert_eq!(suffix(b"text/html; charset=UTF-8"), " (text/html)");
        assert_eq!(suffix(b"Text/Plain ; charset=x"), " (text/plain)");
        assert_eq!(suffix(b"application/json"), ", JavaScript Object Notation (application/json)");
        assert_eq!(suffix(b"application/octet-stream"), "");
        assert_eq!(suffix(b"image/svg+xml"), "");
        assert_eq!(suffix(b"application/xhtml+xml"), " (application/xhtml+xml)");
        assert_eq!(suffix(b""), "");
    }

    #[test]
    fn percent_escapes_decode() {
        assert_eq!(PercentDecoded(b"/a%20b?c%zz%4").to_string(), "/a b?c%zz%4");
    }
}
