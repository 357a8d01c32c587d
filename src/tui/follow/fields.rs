//! A packet's fields read in tree order for Follow stream: its conversation's numbers and
//! endpoints, a UDP datagram's bytes, and each HTTP message's first line, headers and body.

use super::*;

/// Reads the fields of a packet in tree order.
#[derive(Default)]
pub(super) struct FieldReader {
    addresses: (String, String),
    ports: (Option<u64>, Option<u64>),
    tcp: Option<u32>,
    udp: Option<u32>,
    quic: Option<u32>,
    udp_payload: Option<Vec<u8>>,
    /// The HTTP message being read: its first line's parts, headers and body.
    message: Draft,
    messages: Vec<Vec<String>>,
    /// A header name waiting for its value.
    name: Option<String>,
    /// The latest HTTP/2 or QUIC stream named.
    stream: Option<u64>,
}

/// An HTTP message as its fields come.
#[derive(Default)]
struct Draft {
    version: &'static str,
    method: Option<String>,
    uri: Option<String>,
    status: Option<String>,
    phrase: Option<String>,
    http1_version: Option<String>,
    headers: Vec<String>,
    body: Option<Vec<u8>>,
    stream: Option<u64>,
}

impl FieldReader {
    /// Reads one field; `raw` is the bytes it was read from, for a body.
    pub(super) fn field(&mut self, field: Field<'_>, raw: Option<Vec<u8>>) {
        let name = field.name;
        let text = || text_of(&field.value);
        match name {
            "ip.src" | "ipv6.src" => self.addresses.0 = text(),
            "ip.dst" | "ipv6.dst" => self.addresses.1 = text(),
            "tcp.srcport" | "udp.srcport" => self.ports.0 = uint(&field.value),
            "tcp.dstport" | "udp.dstport" => self.ports.1 = uint(&field.value),
            "tcp.stream" => self.tcp = uint(&field.value).map(|value| value as u32),
            "udp.stream" => self.udp = uint(&field.value).map(|value| value as u32),
            "quic.connection.number" => self.quic = uint(&field.value).map(|value| value as u32),
            "udp.payload" => self.udp_payload = bytes_of(&field.value).map(<[u8]>::to_vec),
            "http2.streamid" => {
                let stream = uint(&field.value);
                if stream != self.stream {
                    self.end_message();
                }
                self.stream = stream;
            }
            "quic.stream.stream_id" => self.stream = uint(&field.value),
            "http.request.method" => self.draft("HTTP/1.1").method = Some(text()),
            "http.request.uri" => self.draft("HTTP/1.1").uri = Some(text()),
            "http.request.version" | "http.response.version" => {
                self.draft("HTTP/1.1").http1_version = Some(text())
            }
            "http.response.code" => self.draft("HTTP/1.1").status = Some(text()),
            "http.response.phrase" => self.draft("HTTP/1.1").phrase = Some(text()),
            "http.request.line" | "http.response.line" => {
                let line = text().trim_end_matches(['\r', '\n']).to_owned();
                self.draft("HTTP/1.1").headers.push(line);
            }
            "http.file_data" => self.draft("HTTP/1.1").body = raw.or_else(|| bytes_or_text(&field.value)),
            "http2.header.name" | "http3.header.header.name" => self.name = Some(text()),
            "http2.header.value" | "http3.headers.header.value" => {
                let version = if name.starts_with("http2") { "HTTP/2" } else { "HTTP/3" };
                let value = text();
                let stream = self.stream;
                let header = self.name.take().unwrap_or_default();
                let draft = self.draft(version);
                draft.stream = stream;
                match header.as_str() {
                    ":method" => draft.method = Some(value),
                    ":path" => draft.uri = Some(value),
                    ":status" => draft.status = Some(value),
                    _ => draft.headers.push(format!("{header}: {value}")),
                }
            }
            "http2.data.data" | "http3.data" => {
                let version = if name.starts_with("http2") { "HTTP/2" } else { "HTTP/3" };
                let stream = self.stream;
                let body = raw.or_else(|| bytes_or_text(&field.value));
                let draft = self.draft(version);
                draft.stream = stream;
                if let Some(body) = body {
                    draft.body.get_or_insert_with(Vec::new).extend_from_slice(&body);
                }
            }
            _ => {}
        }
    }

    /// The message being read, begun for `version` if none is.
    fn draft(&mut self, version: &'static str) -> &mut Draft {
        if self.message.version.is_empty() {
            self.message.version = version;
        }
        &mut self.message
    }

    pub(super) fn end_layer(&mut self) {
        self.end_message();
    }

    fn end_message(&mut self) {
        let draft = std::mem::take(&mut self.message);
        if draft.version.is_empty() {
            return;
        }
        let mut lines = Vec::new();
        let stream = draft.stream.map(|stream| format!("  (stream {stream})")).unwrap_or_default();
        let version = draft.http1_version.clone().unwrap_or_else(|| draft.version.to_owned());
        match (&draft.method, &draft.status) {
            (Some(method), _) => {
                let uri = draft.uri.as_deref().unwrap_or("");
                lines.push(format!("{method} {uri} {version}{stream}"));
            }
            (None, Some(status)) => {
                let phrase = draft.phrase.as_deref().map(|phrase| format!(" {phrase}")).unwrap_or_default();
                lines.push(format!("{version} {status}{phrase}{stream}"));
            }
            (None, None) if draft.headers.is_empty() => lines.push(format!("{} body{stream}", draft.version)),
            (None, None) => lines.push(format!("{} headers{stream}", draft.version)),
        }
        lines.extend(draft.headers);
        if let Some(body) = draft.body {
            lines.push(String::new());
            let text = printable(&body);
            let body_lines: Vec<&str> = text.lines().collect();
            for line in body_lines.iter().take(BODY_LINES) {
                lines.push((*line).to_owned());
            }
            if body_lines.len() > BODY_LINES {
                lines.push(format!("… {} more lines of body", body_lines.len() - BODY_LINES));
            }
        }
        self.messages.push(lines);
    }

    pub(super) fn finish(mut self) -> Facts {
        self.end_message();
        let carrier = match (self.quic, self.tcp, self.udp) {
            (Some(number), ..) => Some(Carrier::Quic(number)),
            (None, Some(stream), _) => Some(Carrier::Tcp(stream)),
            (None, None, Some(stream)) => Some(Carrier::Udp(stream)),
            _ => None,
        };
        let endpoint = |address: &str, port: Option<u64>| match (address.contains(':'), port) {
            (true, Some(port)) => format!("[{address}]:{port}"),
            (false, Some(port)) => format!("{address}:{port}"),
            (_, None) => address.to_owned(),
        };
        Facts {
            carrier,
            source: endpoint(&self.addresses.0, self.ports.0),
            destination: endpoint(&self.addresses.1, self.ports.1),
            udp_payload: self.udp_payload,
            messages: self.messages,
        }
    }
}

fn uint(value: &Value<'_>) -> Option<u64> {
    match value {
        Value::Uint(value) => Some(*value),
        Value::Hex { value, .. } => Some(*value),
        _ => None,
    }
}

fn bytes_of<'a>(value: &Value<'a>) -> Option<&'a [u8]> {
    match value {
        Value::Bytes(bytes) | Value::BytesColon(bytes) => Some(bytes),
        _ => None,
    }
}

fn bytes_or_text(value: &Value<'_>) -> Option<Vec<u8>> {
    match value {
        Value::Str(text) => Some(text.as_bytes().to_vec()),
        other => bytes_of(other).map(<[u8]>::to_vec),
    }
}

fn text_of(value: &Value<'_>) -> String {
    match value {
        Value::Str(text) => (*text).to_owned(),
        Value::Uint(value) | Value::Hex { value, .. } => value.to_string(),
        Value::Int(value) => value.to_string(),
        Value::Ipv4(address) => address.to_string(),
        Value::Ipv6(address) => address.to_string(),
        Value::Host(address) => address.to_string(),
        Value::Bytes(bytes) | Value::BytesColon(bytes) => printable(bytes),
        other => other.to_string(),
    }
}
