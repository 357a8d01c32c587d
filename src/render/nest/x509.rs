//! The X.509 subtree tshark draws under each `Certificate:` line of a TLS, DTLS or QUIC-TLS
//! Certificate message: the certificate's DER walked element by element, each line worded as
//! Wireshark's x509af, x509if, x509sat, x509ce and pkcs-1 dissectors word it.
//!
//! ```text
//! RFC 5280 section 4.1:
//! Certificate  ::=  SEQUENCE  { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
//! TBSCertificate  ::=  SEQUENCE  { version [0] EXPLICIT DEFAULT v1, serialNumber INTEGER,
//!      signature AlgorithmIdentifier, issuer Name, validity { notBefore, notAfter }, subject Name,
//!      subjectPublicKeyInfo { algorithm, subjectPublicKey BIT STRING }, ...,
//!      extensions [3] EXPLICIT SEQUENCE OF Extension { extnID, critical DEFAULT FALSE, extnValue } }
//! ```
//!
//! The certificate is hostile input and may be cut anywhere: an element whose length runs past
//! the bytes there is read as far as it goes, an unreadable header ends its list, and the walk
//! has a fixed depth, so every line drawn comes from bytes read and nothing panics.

mod extension;
mod names;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;

use names::{algorithm_name, attribute_name, extension_name, oid_name};

/// How many bytes of a value tshark's tree shows before an ellipsis.
const SHOWN_BYTES: usize = 36;

/// DER tags the walk tells apart.
mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const OID: u8 = 0x06;
    pub const UTF8_STRING: u8 = 0x0c;
    pub const PRINTABLE_STRING: u8 = 0x13;
    pub const TELETEX_STRING: u8 = 0x14;
    pub const IA5_STRING: u8 = 0x16;
    pub const UTC_TIME: u8 = 0x17;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const UNIVERSAL_STRING: u8 = 0x1c;
    pub const BMP_STRING: u8 = 0x1e;
    pub const SEQUENCE: u8 = 0x30;
    /// `[0]` and `[3]` constructed, explicit: the version and the extensions.
    pub const VERSION: u8 = 0xa0;
    pub const EXTENSIONS: u8 = 0xa3;
}

/// One DER element: its tag byte and its content (what there is of it, if cut).
#[derive(Clone, Copy)]
struct Element<'a> {
    tag: u8,
    content: &'a [u8],
}

/// Reads the element at the front of `input`, and what follows it; `None` if its header (tag
/// and length, single-byte tags only, as X.509 uses) cannot be read.
fn element(input: &[u8]) -> Option<(Element<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first & 0x80 == 0 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let bytes = rest.get(..count)?;
        (bytes.iter().fold(0usize, |length, &byte| (length << 8) | usize::from(byte)), &rest[count..])
    };
    let (content, after) = rest.split_at(length.min(rest.len()));
    Some((Element { tag, content }, after))
}

/// The elements of a constructed element's content, up to the first unreadable header.
fn elements(mut content: &[u8]) -> impl Iterator<Item = Element<'_>> {
    std::iter::from_fn(move || {
        let (element, rest) = element(content)?;
        content = rest;
        Some(element)
    })
}

/// The certificate's subject as tshark appends it to the `Certificate:` line, if it can be read.
pub fn subject(der: &[u8]) -> Option<String> {
    let certificate = element(der)?.0;
    let tbs = elements(certificate.content).next()?;
    let mut fields = elements(tbs.content).skip_while(|field| field.tag == tag::VERSION);
    let subject = fields.nth(4)?;
    (subject.tag == tag::SEQUENCE).then(|| name_text(subject.content))
}

/// Writes a `Certificate:` field's line with the subject tshark appends to it, and the
/// certificate's subtree under it.
pub fn write_certificate(push: &mut dyn FnMut(usize, &str), depth: usize, item: &super::Item<'_>) {
    match subject(item.raw) {
        Some(subject) => push(depth, &appended(item.line, &subject)),
        None => push(depth, item.line),
    }
    // A `Name: value` line too long for tshark's label buffer is cut as tshark cuts it.
    let mut fitted = |depth: usize, line: &str| match line.find(": ") {
        Some(name_len) if line.len() >= LABEL_BYTES => {
            let mut line = line.to_owned();
            crate::render::detail::mark_truncated(&mut line, 0, name_len);
            push(depth, &line);
        }
        _ => push(depth, line),
    };
    write(&mut fitted, depth + 1, item.raw);
}

/// The most bytes of a label tshark's tree holds (`ITEM_LABEL_LENGTH` less its NUL).
const LABEL_BYTES: usize = 239;

/// `title (text)`, as tshark appends text to an item's label: cut, unmarked, at the last
/// character that fits its buffer.
fn appended(title: &str, text: &str) -> String {
    let mut line = format!("{title} ({text})");
    if line.len() > LABEL_BYTES {
        let mut end = LABEL_BYTES;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        line.truncate(end);
    }
    line
}

/// Draws the subtree of the certificate `der` through `push(depth, line)`, its top lines at
/// `depth`.
pub fn write(push: &mut dyn FnMut(usize, &str), depth: usize, der: &[u8]) {
    let Some((certificate, _)) = element(der) else { return };
    let mut parts = elements(certificate.content);
    if let Some(tbs) = parts.next() {
        push(depth, "signedCertificate");
        write_tbs(push, depth + 1, tbs.content);
    }
    if let Some(algorithm) = parts.next() {
        write_algorithm(push, depth, "algorithmIdentifier", algorithm.content);
    }
    if let Some(signature) = parts.next() {
        let (padding, bits) = bit_string(signature.content);
        push(depth, &format!("Padding: {padding}"));
        push(depth, &format!("encrypted: {}", shown_hex(bits)));
    }
}

/// The fields of a TBSCertificate, in their order.
fn write_tbs(push: &mut dyn FnMut(usize, &str), depth: usize, content: &[u8]) {
    let mut fields = elements(content).peekable();
    if let Some(version) = fields.next_if(|field| field.tag == tag::VERSION) {
        let number = elements(version.content).next().map_or(0, |integer| unsigned(integer.content));
        let name = match number {
            0 => "v1",
            1 => "v2",
            2 => "v3",
            _ => "Unknown",
        };
        push(depth, &format!("version: {name} ({number})"));
    }
    let Some(serial) = fields.next() else { return };
    push(depth, &format!("serialNumber: 0x{}", shown_hex(serial.content)));
    let Some(signature) = fields.next() else { return };
    write_algorithm(push, depth, "signature", signature.content);
    let Some(issuer) = fields.next() else { return };
    write_name(push, depth, "issuer", issuer.content);
    let Some(validity) = fields.next() else { return };
    push(depth, "validity");
    for (label, time) in ["notBefore", "notAfter"].into_iter().zip(elements(validity.content)) {
        write_time(push, depth + 1, label, time);
    }
    let Some(subject) = fields.next() else { return };
    write_name(push, depth, "subject", subject.content);
    let Some(key_info) = fields.next() else { return };
    write_key_info(push, depth, key_info.content);
    // issuerUniqueID [1] and subjectUniqueID [2] are not drawn; extensions [3] are.
    if let Some(extensions) = fields.find(|field| field.tag == tag::EXTENSIONS) {
        let list = elements(extensions.content).next().map_or(&[][..], |list| list.content);
        push(depth, &format!("extensions: {}", items(elements(list).count())));
        for extension in elements(list) {
            write_extension(push, depth + 1, extension.content);
        }
    }
}

/// `label (name)` and its `Algorithm Id`, with an EC key's named curve under it.
fn write_algorithm(push: &mut dyn FnMut(usize, &str), depth: usize, label: &str, content: &[u8]) {
    let mut parts = elements(content);
    let Some(id) = parts.next().filter(|id| id.tag == tag::OID) else {
        push(depth, label);
        return;
    };
    let dotted = dotted(id.content);
    let name = oid_name(&dotted, algorithm_name);
    push(depth, &format!("{label} ({name})"));
    push(depth + 1, &format!("Algorithm Id: {dotted} ({name})"));
    if dotted == names::EC_PUBLIC_KEY
        && let Some(curve) = parts.next()
    {
        if curve.tag == tag::OID {
            push(depth + 1, "ECParameters: namedCurve (1)");
            let curve = self::dotted(curve.content);
            push(depth + 2, &format!("namedCurve: {curve} ({})", oid_name(&curve, names::curve_name)));
        } else if curve.tag == tag::SEQUENCE {
            push(depth + 1, "ECParameters: specifiedCurve (0)");
        }
    }
}

/// A Name: its RDNs, each attribute's type and value.
fn write_name(push: &mut dyn FnMut(usize, &str), depth: usize, label: &str, content: &[u8]) {
    push(depth, &format!("{label}: rdnSequence (0)"));
    let count = items(elements(content).count());
    push(depth + 1, &appended(&format!("rdnSequence: {count}"), &name_text(content)));
    for rdn in elements(content) {
        let attributes = || elements(rdn.content).filter_map(|attribute| attribute_text(attribute.content));
        let text: Vec<String> = attributes().collect();
        push(depth + 2, &appended(&format!("RDNSequence item: {}", items(text.len())), &text.join("+")));
        for attribute in elements(rdn.content) {
            write_attribute(push, depth + 3, attribute.content);
        }
    }
}

/// One AttributeTypeAndValue: `RelativeDistinguishedName item`, its type and its value.
fn write_attribute(push: &mut dyn FnMut(usize, &str), depth: usize, content: &[u8]) {
    let mut parts = elements(content);
    let Some(kind) = parts.next() else { return };
    let text = attribute_text(content).unwrap_or_default();
    push(depth, &appended("RelativeDistinguishedName item", &text));
    let dotted = dotted(kind.content);
    push(depth + 1, &format!("Object Id: {dotted} ({})", oid_name(&dotted, attribute_name)));
    let Some(value) = parts.next() else { return };
    let text = string(value);
    match dotted.as_str() {
        "2.5.4.6" => push(depth + 1, &format!("CountryName: {text}")),
        "1.2.840.113549.1.9.1" | "0.9.2342.19200300.100.1.25" => {
            push(depth + 1, &format!("IA5String: {text}"))
        }
        _ => {
            let choice = match value.tag {
                tag::TELETEX_STRING => Some((0, "teletexString")),
                tag::PRINTABLE_STRING => Some((1, "printableString")),
                tag::UNIVERSAL_STRING => Some((2, "universalString")),
                tag::BMP_STRING => Some((3, "bmpString")),
                tag::UTF8_STRING => Some((4, "uTF8String")),
                _ => None,
            };
            if let Some((number, name)) = choice {
                push(depth + 1, &format!("DirectoryString: {name} ({number})"));
                push(depth + 2, &format!("{name}: {text}"));
            }
        }
    }
}

/// `id-at-commonName=server.test` for an AttributeTypeAndValue's content.
fn attribute_text(content: &[u8]) -> Option<String> {
    let mut parts = elements(content);
    let kind = parts.next()?;
    let value = parts.next()?;
    Some(format!("{}={}", oid_name(&dotted(kind.content), attribute_name), string(value)))
}

/// A Name as tshark's `rdnSequence` line shows it: its RDNs last first, split by `,`, the
/// attributes of one RDN by `+`.
fn name_text(content: &[u8]) -> String {
    let rdns: Vec<String> = elements(content)
        .map(|rdn| {
            elements(rdn.content)
                .filter_map(|attribute| attribute_text(attribute.content))
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    let mut text = String::new();
    for (index, rdn) in rdns.iter().rev().enumerate() {
        if index > 0 {
            text.push(',');
        }
        text.push_str(rdn);
    }
    text
}

/// `notBefore: utcTime (0)` and the time under it.
fn write_time(push: &mut dyn FnMut(usize, &str), depth: usize, label: &str, time: Element<'_>) {
    let text = string(time);
    let digits = |range: std::ops::Range<usize>| {
        text.get(range).filter(|part| part.bytes().all(|b| b.is_ascii_digit()))
    };
    match time.tag {
        tag::UTC_TIME => {
            push(depth, &format!("{label}: utcTime (0)"));
            let shown =
                match (digits(0..2), digits(2..4), digits(4..6), digits(6..8), digits(8..10), digits(10..12))
                {
                    (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) => {
                        let century = if year < "50" { "20" } else { "19" };
                        format!("{century}{year}-{month}-{day} {hour}:{minute}:{second} (UTC)")
                    }
                    _ => text.clone(),
                };
            push(depth + 1, &format!("utcTime: {shown}"));
        }
        tag::GENERALIZED_TIME => {
            push(depth, &format!("{label}: generalizedTime (1)"));
            const MONTHS: [&str; 12] =
                ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
            let month = digits(4..6)
                .and_then(|month| month.parse::<usize>().ok())
                .and_then(|month| month.checked_sub(1))
                .and_then(|month| MONTHS.get(month));
            let shown =
                match (digits(0..4), month, digits(6..8), digits(8..10), digits(10..12), digits(12..14)) {
                    (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) => {
                        let day = day.trim_start_matches('0');
                        format!("{month} {day:>2}, {year} {hour}:{minute}:{second}.000000000 UTC")
                    }
                    _ => text.clone(),
                };
            push(depth + 1, &format!("generalizedTime: {shown}"));
        }
        _ => push(depth, label),
    }
}

/// subjectPublicKeyInfo: its algorithm, and its key; an RSA key as its modulus and exponent.
fn write_key_info(push: &mut dyn FnMut(usize, &str), depth: usize, content: &[u8]) {
    push(depth, "subjectPublicKeyInfo");
    let mut parts = elements(content);
    let Some(algorithm) = parts.next() else { return };
    write_algorithm(push, depth + 1, "algorithm", algorithm.content);
    let Some(key) = parts.next() else { return };
    let (padding, bits) = bit_string(key.content);
    let rsa = elements(algorithm.content).next().is_some_and(|id| dotted(id.content) == names::RSA);
    if !rsa {
        push(depth + 1, &format!("Padding: {padding}"));
    }
    push(depth + 1, &format!("subjectPublicKey: {}", shown_hex(bits)));
    if rsa && let Some((public_key, _)) = element(bits) {
        let mut integers = elements(public_key.content);
        if let Some(modulus) = integers.next() {
            push(depth + 2, &format!("modulus: 0x{}", shown_hex(modulus.content)));
        }
        if let Some(exponent) = integers.next() {
            push(depth + 2, &format!("publicExponent: {}", integer_text(exponent.content)));
        }
    }
}

/// One Extension: its title, id, criticality and, for the ones rttscope knows, its value.
fn write_extension(push: &mut dyn FnMut(usize, &str), depth: usize, content: &[u8]) {
    let mut parts = elements(content).peekable();
    let Some(id) = parts.next() else { return };
    let dotted = dotted(id.content);
    let name = oid_name(&dotted, extension_name);
    push(depth, &format!("Extension ({name})"));
    push(depth + 1, &format!("Extension Id: {dotted} ({name})"));
    if let Some(critical) = parts.next_if(|part| part.tag == tag::BOOLEAN) {
        push(depth + 1, &format!("critical: {}", truth(critical.content)));
    }
    let Some(value) = parts.next() else { return };
    let Some((value, _)) = element(value.content) else { return };
    extension::write_value(push, depth + 1, &dotted, value);
}

/// A BIT STRING's count of unused bits and its bits' bytes.
fn bit_string(content: &[u8]) -> (u8, &[u8]) {
    match content.split_first() {
        Some((&padding, bits)) => (padding, bits),
        None => (0, &[]),
    }
}

/// `True` or `False` for a BOOLEAN's content.
fn truth(content: &[u8]) -> &'static str {
    if content.iter().any(|&byte| byte != 0) { "True" } else { "False" }
}

/// An unsigned INTEGER's value (its low 64 bits).
fn unsigned(content: &[u8]) -> u64 {
    content.iter().fold(0, |value, &byte| (value << 8) | u64::from(byte))
}

/// An INTEGER in decimal if it fits in 64 bits, else in hex.
fn integer_text(content: &[u8]) -> String {
    let digits = content.iter().skip_while(|&&byte| byte == 0).count();
    if digits <= 8 { unsigned(content).to_string() } else { format!("0x{}", shown_hex(content)) }
}

/// `1 item`, `3 items`.
fn items(count: usize) -> String {
    if count == 1 { "1 item".to_owned() } else { format!("{count} items") }
}

/// Lowercase hex of the first [`SHOWN_BYTES`] bytes, and an ellipsis if there are more.
fn shown_hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(SHOWN_BYTES * 2 + 3);
    for byte in bytes.iter().take(SHOWN_BYTES) {
        let _ = write!(text, "{byte:02x}");
    }
    if bytes.len() > SHOWN_BYTES {
        text.push('…');
    }
    text
}

/// A string element's text, decoded by its type, control characters escaped so a certificate
/// cannot drive a terminal.
fn string(element: Element<'_>) -> String {
    let chars: Vec<char> = match element.tag {
        tag::BMP_STRING => char::decode_utf16(
            element
                .content
                .chunks(2)
                .map(|pair| pair.iter().fold(0u16, |unit, &b| (unit << 8) | u16::from(b))),
        )
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect(),
        tag::UNIVERSAL_STRING => element
            .content
            .chunks(4)
            .map(|quad| quad.iter().fold(0u32, |code, &b| (code << 8) | u32::from(b)))
            .map(|code| char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
        tag::TELETEX_STRING => element.content.iter().map(|&byte| char::from(byte)).collect(),
        _ => String::from_utf8_lossy(element.content).chars().collect(),
    };
    let mut text = String::with_capacity(chars.len());
    for c in chars {
        if c.is_control() {
            let _ = write!(text, "\\u{{{:x}}}", u32::from(c));
        } else {
            text.push(c);
        }
    }
    text
}

/// An OBJECT IDENTIFIER's content in dotted form; arcs too long for 64 bits, or a last arc cut
/// short, end the text with `…`.
fn dotted(content: &[u8]) -> String {
    let mut text = String::new();
    let mut arc: u64 = 0;
    let mut first = true;
    for &byte in content {
        if arc > u64::MAX >> 7 {
            text.push('…');
            return text;
        }
        arc = (arc << 7) | u64::from(byte & 0x7f);
        if byte & 0x80 != 0 {
            continue;
        }
        if first {
            let top = arc.min(80) / 40;
            let _ = write!(text, "{top}.{}", arc - top * 40);
            first = false;
        } else {
            let _ = write!(text, ".{arc}");
        }
        arc = 0;
    }
    if content.last().is_some_and(|byte| byte & 0x80 != 0) {
        text.push('…');
    }
    text
}
