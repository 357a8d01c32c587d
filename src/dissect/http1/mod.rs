//! HTTP/1.x message heads, read from the start of a stream's bytes.
//!
//! ```text
//! RFC 9112 sections 2.1, 3 and 4:
//! HTTP-message = start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
//! start-line   = request-line / status-line
//! request-line = method SP request-target SP HTTP-version
//! status-line  = HTTP-version SP status-code SP [ reason-phrase ]
//! field-line   = field-name ":" OWS field-value OWS
//! ```
//! [`parse`] is a streaming parser: `Truncated` means the head is not all there yet, and a
//! head that grows past [`MAX_HEAD_LEN`] without ending is malformed, so a caller never
//! buffers more. Field lines are split here rather than by httparse: httparse refuses control
//! bytes in values and names that are not tokens, which tshark still shows (as lines that
//! are no known field), and a dissector should not lose the rest of a stream over one.
//! What is taken for HTTP is what tshark takes: a request line must start with a method
//! Wireshark knows, a status line with `HTTP/`. Field values are what tshark shows:
//! the bytes after the colon and its white space, trailing white space kept. [`body`] tells
//! where the body ends; fields and the Info column follow tshark 4.0.

pub mod body;
pub mod name;
pub mod names;

use std::fmt;

use smallvec::SmallVec;

use super::error::{Error, IResult};
use super::field::{Emitter, Value};
use super::field_offset;
pub use body::{BodyLen, BodyReader, ChunkPart, Entity, Framing, Progress, body_len, chunks, dechunked};
pub use names::{
    AsciiText, StatusDescription, escape_for_fields, is_known_method, status_description, write_body_suffix,
};
pub(crate) use names::{
    InfoText, PercentDecoded, PseudoUri, http2_header_field, http3_header_field, write_status,
};

/// A head longer than this without its ending empty line is malformed.
pub const MAX_HEAD_LEN: usize = 64 * 1024;
/// More header fields than this in one head is malformed.
pub const MAX_HEADERS: usize = 128;
/// Empty lines tolerated before a start line (RFC 9112 section 2.2 asks for at least one).
const MAX_LEADING_EMPTY_LINES: usize = 8;

/// A start line and its header fields, borrowed from the stream's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    /// The head: any leading empty lines, the start line, the field lines and the empty line.
    head: &'a [u8],
    /// Empty lines before the start line.
    leading: &'a [u8],
    /// The start line with its line end.
    start_line: &'a [u8],
    pub start: StartLine<'a>,
    headers: SmallVec<[Header<'a>; 12]>,
    /// The empty line that ends the head.
    end_line: &'a [u8],
    /// The body, once the caller has it (see [`Message::with_body`]).
    body: &'a [u8],
    /// Whether its Content-Encoding was undone (see [`Message::with_entity`]).
    entity: Entity,
}

/// A request line or a status line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartLine<'a> {
    Request { method: &'a [u8], uri: &'a [u8], version: &'a [u8] },
    Response { version: &'a [u8], code: u16, code_text: &'a [u8], phrase: Option<&'a [u8]> },
}

/// One field line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    pub name: &'a [u8],
    /// The value as tshark shows it: leading white space removed, trailing kept.
    pub value: &'a [u8],
    /// The whole line, line end included.
    pub line: &'a [u8],
}

/// Whether `bytes` begin like an HTTP/1.x message, for spotting HTTP on a port that is not
/// HTTP's: a status line's `HTTP/`, or a method Wireshark knows followed by a space (after any
/// empty lines). Bytes too few to tell are not taken for HTTP.
pub fn starts_like_http(bytes: &[u8]) -> bool {
    let start = skip_empty_lines(bytes);
    let rest = &bytes[start..];
    if rest.starts_with(b"HTTP/") || rest.starts_with(b"ICY ") {
        return true;
    }
    let method_len = rest.iter().take(names::LONGEST_METHOD + 1).position(|&byte| byte == b' ');
    method_len.is_some_and(|len| is_known_method(&rest[..len]))
}

/// Length of the CRLF or LF lines at the start of `bytes`.
fn skip_empty_lines(bytes: &[u8]) -> usize {
    let mut at = 0;
    loop {
        if bytes[at..].starts_with(b"\r\n") {
            at += 2;
        } else if bytes[at..].starts_with(b"\n") {
            at += 1;
        } else {
            return at;
        }
    }
}

/// Whether `prefix` (shorter than a full start line) could still become one.
fn could_start_http(prefix: &[u8]) -> bool {
    let either_prefix = |known: &[u8]| prefix.starts_with(known) || known.starts_with(prefix);
    match prefix.iter().position(|&byte| byte == b' ') {
        Some(len) => {
            is_known_method(&prefix[..len]) || prefix.starts_with(b"HTTP/") || prefix.starts_with(b"ICY ")
        }
        None => names::could_be_method(prefix) || either_prefix(b"HTTP/") || either_prefix(b"ICY"),
    }
}

/// Parses one message head from the start of `input`, returning the bytes after it.
///
/// Errors: `Truncated` when more bytes are needed (`needed` is then only a lower bound),
/// `NotThisProtocol` when the bytes do not start like HTTP, `Malformed` when they do but the
/// head cannot be read.
pub fn parse(input: &[u8]) -> IResult<'_, Message<'_>> {
    let leading_len = skip_empty_lines(input);
    if leading_len > 2 * MAX_LEADING_EMPTY_LINES {
        return Err(Error::malformed("too many empty lines before the start line"));
    }
    let rest = &input[leading_len..];
    let Some(line_end) = rest.iter().position(|&byte| byte == b'\n') else {
        if !could_start_http(&rest[..rest.len().min(names::LONGEST_METHOD + 1)]) {
            return Err(nom::Err::Error(Error::NotThisProtocol));
        }
        return Err(too_long_or_truncated(input.len()));
    };
    let start_line = &rest[..=line_end];
    let start = parse_start_line(trim_line_end(start_line))?;
    let fields_at = leading_len + start_line.len();
    let mut headers = SmallVec::new();
    let mut at = fields_at;
    let end_line = loop {
        let Some(line_len) = input[at..].iter().position(|&byte| byte == b'\n').map(|end| end + 1) else {
            return Err(too_long_or_truncated(input.len()));
        };
        let line = &input[at..at + line_len];
        at += line_len;
        if at > MAX_HEAD_LEN {
            return Err(Error::malformed("head longer than 64 KiB"));
        }
        if trim_line_end(line).is_empty() {
            break line;
        }
        if headers.len() == MAX_HEADERS {
            return Err(Error::malformed(format!("more than {MAX_HEADERS} header fields")));
        }
        headers.push(field_line(line));
    };
    let head_len = at;
    let head = &input[..head_len];
    let message = Message {
        head,
        leading: &input[..leading_len],
        start_line,
        start,
        headers,
        end_line,
        body: &[],
        entity: Entity::AsSent,
    };
    Ok((&input[head_len..], message))
}

/// The error for a head not complete in `len` bytes.
fn too_long_or_truncated(len: usize) -> nom::Err<Error> {
    if len > MAX_HEAD_LEN { Error::malformed("head longer than 64 KiB") } else { Error::truncated(1) }
}

/// Reads a field line. A line whose name is not a token (or that has no colon) is kept with an
/// empty name, as tshark keeps it: shown as a line, known as no field.
fn field_line(line: &[u8]) -> Header<'_> {
    let content = trim_line_end(line);
    let colon = content.iter().position(|&byte| byte == b':');
    let name = colon.map_or(&[][..], |colon| &content[..colon]);
    if name.is_empty() || !name.iter().all(|&byte| is_token_char(byte)) {
        return Header { name: &[], value: &[], line };
    }
    let value = &content[name.len() + 1..];
    let skip = value.iter().take_while(|&&byte| byte == b' ' || byte == b'\t').count();
    Header { name, value: &value[skip..], line }
}

/// A field-name character, as Wireshark checks it (RFC 9110 tchar, with its own quirks).
fn is_token_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&\\:*+-.^_`|~".contains(&byte)
}

/// A line without its CRLF or LF.
fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn parse_start_line(line: &[u8]) -> Result<StartLine<'_>, nom::Err<Error>> {
    if line.starts_with(b"HTTP/") || line.starts_with(b"ICY ") {
        let mut parts = line.splitn(3, |&byte| byte == b' ');
        let version = parts.next().unwrap_or(&[]);
        let code_text = parts.next().unwrap_or(&[]);
        let phrase = parts.next();
        let code = match code_text {
            [a, b, c] if code_text.iter().all(u8::is_ascii_digit) => {
                u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0')
            }
            _ => return Err(Error::malformed("status code is not three digits")),
        };
        return Ok(StartLine::Response { version, code, code_text, phrase });
    }
    let mut parts = line.splitn(3, |&byte| byte == b' ');
    let method = parts.next().unwrap_or(&[]);
    if !is_known_method(method) {
        return Err(nom::Err::Error(Error::NotThisProtocol));
    }
    match (parts.next(), parts.next()) {
        (Some(uri), Some(version)) if !uri.is_empty() && !version.is_empty() => {
            Ok(StartLine::Request { method, uri, version })
        }
        _ => Err(Error::malformed("request line without a target and a version")),
    }
}

/// What only the conversation knows about a message: its place among the others. tshark
/// fills these from the messages before it (`http.request_number`, `http.prev_request_in`,
/// `http.request_in`, `http.time`, `http.response_for.uri`); rttscope's stream tracking does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conversation {
    /// The message came over TLS: its full URI starts `https://`.
    pub tls: bool,
    /// Number of the request (or response) in the conversation, from 1.
    pub number: Option<u32>,
    /// Frame of the request before this message's request (or before this request).
    pub prev_request_in: Option<u64>,
    /// For a response: frame of the previous response.
    pub prev_response_in: Option<u64>,
    /// For a response: the request's frame, the time since it and its full URI.
    pub request_in: Option<u64>,
    pub time_since_request_ns: Option<i64>,
    pub request_uri: Option<String>,
}

impl<'a> Message<'a> {
    /// The same message with its body, the bytes right after the head (of a length [`body`]
    /// found), so that fields and Info can show it.
    pub fn with_body(mut self, body: &'a [u8]) -> Self {
        self.body = body;
        self
    }

    /// The same message, its body's Content-Encoding undone (or not) as `entity` says: the
    /// decoded body's File Data is then the caller's to show.
    pub fn with_entity(mut self, entity: Entity) -> Self {
        self.entity = entity;
        self
    }

    /// The length of the head: where the body starts.
    pub fn head_len(&self) -> usize {
        self.head.len()
    }

    pub fn is_request(&self) -> bool {
        matches!(self.start, StartLine::Request { .. })
    }

    /// Whether the request is what Wireshark calls a notification (a NOTIFY), which no
    /// response is matched with.
    pub fn is_notification(&self) -> bool {
        self.method() == Some(b"NOTIFY")
    }

    pub fn method(&self) -> Option<&'a [u8]> {
        match self.start {
            StartLine::Request { method, .. } => Some(method),
            StartLine::Response { .. } => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self.start {
            StartLine::Response { code, .. } => Some(code),
            StartLine::Request { .. } => None,
        }
    }

    pub fn headers(&self) -> &[Header<'a>] {
        &self.headers
    }

    /// The value of the last field with this name (case-insensitive), as tshark keeps the last.
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.headers
            .iter()
            .rev()
            .find(|header| header.name.eq_ignore_ascii_case(name.as_bytes()))
            .map(|h| h.value)
    }

    /// The Content-Length, when the last such field holds a number.
    pub fn content_length(&self) -> Option<u64> {
        parse_content_length(self.header("content-length")?)
    }

    /// Whether a Transfer-Encoding field names the chunked coding.
    pub fn is_chunked(&self) -> bool {
        self.headers.iter().filter(|header| header.name.eq_ignore_ascii_case(b"transfer-encoding")).any(
            |header| {
                header.value.split(|&byte| byte == b',').any(|coding| {
                    let coding = coding.trim_ascii_start();
                    coding.len() >= 7 && coding[..7].eq_ignore_ascii_case(b"chunked")
                })
            },
        )
    }

    /// How the body is delimited. A response's framing depends on the request it answers:
    /// give that request's method (`HEAD` and `CONNECT` change it).
    pub fn framing(&self, request_method: Option<&[u8]>) -> Framing {
        let has_transfer_coding = self.header("transfer-encoding").is_some();
        let coded = if self.is_chunked() {
            Some(Framing::Chunked)
        } else if has_transfer_coding {
            Some(Framing::UntilClose)
        } else {
            None
        };
        let length = match self.content_length() {
            Some(0) => Some(Framing::None),
            Some(length) => Some(Framing::Length(length)),
            None => None,
        };
        match self.start {
            StartLine::Request { .. } => coded.or(length).unwrap_or(Framing::None),
            StartLine::Response { code, .. } => {
                if code == 101 || (request_method == Some(b"CONNECT") && (200..300).contains(&code)) {
                    Framing::Tunnel
                } else if request_method == Some(b"HEAD")
                    || (100..200).contains(&code)
                    || code == 204
                    || code == 304
                {
                    Framing::None
                } else {
                    coded.or(length).unwrap_or(Framing::UntilClose)
                }
            }
        }
    }

    /// The full URI tshark builds for a request (`http.request.full_uri`): the target when it
    /// is absolute, else the scheme, the last Host field and the target.
    pub fn full_uri(&self, tls: bool) -> Option<FullUri<'a>> {
        let StartLine::Request { uri, .. } = self.start else { return None };
        // A CONNECT's target is an authority (`host:port`), which tshark takes whole.
        if uri.starts_with(b"http://") || uri.starts_with(b"https://") || self.method() == Some(b"CONNECT") {
            return Some(FullUri { scheme: None, host: &[], uri });
        }
        let host = self.header("host")?;
        Some(FullUri { scheme: Some(if tls { "https" } else { "http" }), host, uri })
    }

    /// The body's data: the body itself, or its chunks' data when chunked.
    fn body_data(&self) -> BodyData<'a> {
        if self.is_chunked() { BodyData::Chunked(self.body) } else { BodyData::Plain(self.body) }
    }

    /// Emits the message's fields in tshark's tree order, ranges relative to the head's start.
    pub fn fields(&self, out: &mut Emitter<'_>, conversation: &Conversation) {
        let at = |part: &[u8]| field_offset(self.head, part);
        let span = |part: &[u8]| at(part)..at(part) + part.len();
        if !self.leading.is_empty() {
            out.at(name::LEADING_CRLF, 0..self.leading.len(), Value::Present);
        }
        match self.start {
            StartLine::Request { method, uri, version } => {
                out.at(name::REQUEST_METHOD, span(method), Value::Lazy(&AsciiText(method)));
                out.at(name::REQUEST_URI, span(uri), Value::Lazy(&AsciiText(uri)));
                if let Some(query_at) = uri.iter().position(|&byte| byte == b'?') {
                    let (path, query) = (&uri[..query_at], &uri[query_at + 1..]);
                    out.at(name::REQUEST_URI_PATH, span(path), Value::Lazy(&AsciiText(path)));
                    out.at(name::REQUEST_URI_QUERY, span(query), Value::Lazy(&AsciiText(query)));
                    for parameter in query.split(|&byte| byte == b'&') {
                        out.at(
                            name::REQUEST_URI_QUERY_PARAMETER,
                            span(parameter),
                            Value::Lazy(&AsciiText(parameter)),
                        );
                    }
                }
                out.at(name::REQUEST_VERSION, span(version), Value::Lazy(&AsciiText(version)));
            }
            StartLine::Response { version, code, code_text, phrase } => {
                out.at(name::RESPONSE_VERSION, span(version), Value::Lazy(&AsciiText(version)));
                out.at(name::RESPONSE_CODE, span(code_text), Value::Uint(code.into()));
                out.at(name::RESPONSE_CODE_DESC, span(code_text), Value::Lazy(&status_description(code)));
                if let Some(phrase) = phrase {
                    out.at(name::RESPONSE_PHRASE, span(phrase), Value::Lazy(&AsciiText(phrase)));
                }
            }
        }
        // A notification's lines are neither a request's nor a response's to Wireshark.
        let line_field = match (self.is_request(), self.is_notification()) {
            (_, true) => None,
            (true, false) => Some(name::REQUEST_LINE),
            (false, _) => Some(name::RESPONSE_LINE),
        };
        for header in &self.headers {
            let line = span(header.line);
            if let Some((field, special)) = names::header_field(header.name) {
                out.at(field, line.clone(), Value::Lazy(&AsciiText(header.value)));
                match special {
                    names::Special::ContentLength => {
                        if let Some(length) = parse_content_length(header.value) {
                            out.at(name::CONTENT_LENGTH, line.clone(), Value::Uint(length));
                        }
                    }
                    names::Special::Cookie => cookie_fields(out, header.value, at(header.value)),
                    names::Special::None => {}
                }
            }
            if let Some(line_field) = line_field {
                out.at(line_field, line, Value::Lazy(&AsciiText(header.line)));
            }
        }
        self.conversation_fields(out, conversation);
        self.body_fields(out);
    }

    fn conversation_fields(&self, out: &mut Emitter<'_>, conversation: &Conversation) {
        let number = conversation.number.map(|number| Value::Uint(number.into()));
        if self.is_request() {
            if let Some(uri) = self.full_uri(conversation.tls) {
                out.computed(name::REQUEST_FULL_URI, Value::Lazy(&uri));
            }
            // A NOTIFY (GENA, SSDP) is a notification to Wireshark, not a request.
            let notification = self.is_notification();
            out.computed(if notification { name::NOTIFICATION } else { name::REQUEST }, Value::Bool(true));
            if let Some(number) = number {
                out.computed(name::REQUEST_NUMBER, number);
            }
            if let Some(frame) = conversation.prev_request_in {
                out.computed(name::PREV_REQUEST_IN, Value::Uint(frame));
            }
            return;
        }
        out.computed(name::RESPONSE, Value::Bool(true));
        if let Some(number) = number {
            out.computed(name::RESPONSE_NUMBER, number);
        }
        if let Some(time) = conversation.time_since_request_ns {
            out.computed(name::TIME, Value::Seconds(time));
        }
        if let Some(frame) = conversation.prev_request_in {
            out.computed(name::PREV_REQUEST_IN, Value::Uint(frame));
        }
        if let Some(frame) = conversation.prev_response_in {
            out.computed(name::PREV_RESPONSE_IN, Value::Uint(frame));
        }
        if let Some(frame) = conversation.request_in {
            out.computed(name::REQUEST_IN, Value::Uint(frame));
        }
        if let Some(uri) = conversation.request_uri.as_deref() {
            out.computed(name::RESPONSE_FOR_URI, Value::Str(uri));
        }
    }

    /// The chunks, if chunked, and the body's data (`http.file_data`).
    fn body_fields(&self, out: &mut Emitter<'_>) {
        if self.body.is_empty() {
            return;
        }
        let body_at = self.head.len();
        let as_sent = self.entity == Entity::AsSent;
        match self.body_data() {
            BodyData::Plain(_) if !as_sent => {}
            BodyData::Plain(body) => {
                out.at(name::FILE_DATA, body_at..body_at + body.len(), Value::Lazy(&AsciiText(body)));
            }
            BodyData::Chunked(body) => {
                let mut body_out = out.nested(body_at);
                let at = |part: &[u8]| field_offset(body, part);
                for part in chunks(body) {
                    match part {
                        ChunkPart::Data { size_line, size, data, boundary } => {
                            let size_range = at(size_line)..at(size_line) + size_line.len();
                            body_out.at(name::CHUNK_SIZE, size_range, Value::Uint(size));
                            body_out.at(
                                name::CHUNK_DATA,
                                at(data)..at(data) + data.len(),
                                Value::Bytes(data),
                            );
                            if !boundary.is_empty() {
                                let range = at(boundary)..at(boundary) + boundary.len();
                                body_out.at(name::CHUNK_BOUNDARY, range, Value::Bytes(boundary));
                            }
                        }
                        ChunkPart::Last { size_line } => {
                            body_out.at(
                                name::CHUNK_SIZE,
                                at(size_line)..at(size_line) + size_line.len(),
                                Value::Uint(0),
                            );
                        }
                        ChunkPart::Trailer(line) => {
                            let range = at(line)..at(line) + line.len();
                            body_out.at(name::CHUNKED_TRAILER_PART, range, Value::Lazy(&AsciiText(line)));
                        }
                        ChunkPart::End(_) => {}
                    }
                }
                let data = names::AsciiParts(dechunked(body));
                if as_sent && dechunked(body).any(|part| !part.is_empty()) {
                    body_out.at(name::FILE_DATA, 0..body.len(), Value::Lazy(&data));
                }
            }
        }
    }

    /// The Info column: the start line and a space, then what the body's dissector adds (see
    /// [`write_body_suffix`]). Several messages in one frame are written one after the other.
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        write!(out, "{} ", InfoText(trim_line_end(self.start_line)))?;
        let has_data = match (self.entity, self.body_data()) {
            (Entity::Decoded { empty }, _) => !empty,
            (Entity::Undecoded, _) => false,
            (Entity::AsSent, BodyData::Plain(body)) => !body.is_empty(),
            (Entity::AsSent, BodyData::Chunked(body)) => dechunked(body).any(|part| !part.is_empty()),
        };
        match self.header("content-type") {
            Some(content_type) if has_data => write_body_suffix(out, content_type),
            _ => Ok(()),
        }
    }
}

/// A Content-Length value as tshark reads it: decimal digits, then nothing but white space.
fn parse_content_length(value: &[u8]) -> Option<u64> {
    let digits = value.iter().take_while(|byte| byte.is_ascii_digit()).count();
    if digits == 0 || !value[digits..].iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    std::str::from_utf8(&value[..digits]).ok()?.parse().ok()
}

/// A message body as it travels, or as chunks.
enum BodyData<'a> {
    Plain(&'a [u8]),
    Chunked(&'a [u8]),
}

/// The `name=value` pairs of a Cookie field (`http.cookie_pair`), split at `;`.
fn cookie_fields(out: &mut Emitter<'_>, value: &[u8], value_at: usize) {
    let mut at = 0;
    while at < value.len() {
        while value.get(at).is_some_and(|&byte| byte == b';' || byte.is_ascii_whitespace()) {
            at += 1;
        }
        if at >= value.len() {
            break;
        }
        let len = value[at..].iter().position(|&byte| byte == b';').unwrap_or(value.len() - at);
        let pair = &value[at..at + len];
        out.at(name::COOKIE_PAIR, value_at + at..value_at + at + len, Value::Lazy(&AsciiText(pair)));
        at += len;
    }
}

/// A request's full URI, written when displayed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FullUri<'a> {
    scheme: Option<&'static str>,
    host: &'a [u8],
    uri: &'a [u8],
}

impl fmt::Display for FullUri<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(scheme) = self.scheme {
            write!(f, "{scheme}://{}", AsciiText(self.host))?;
        }
        write!(f, "{}", AsciiText(self.uri))
    }
}

#[cfg(test)]
mod tests;
