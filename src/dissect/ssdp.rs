//! SSDP and other HTTP over UDP (port 1900): each datagram one HTTP/1.1 message head, as
//! tshark's `ssdp` shows it, with its fields under `http.*`.
//!
//! ```text
//! UPnP Device Architecture 2.0 section 1.3: a search is
//!   M-SEARCH * HTTP/1.1, HOST: 239.255.255.250:1900, MAN: "ssdp:discover", MX, ST
//! a device answers it with HTTP/1.1 200 OK (CACHE-CONTROL, LOCATION, SERVER, ST, USN)
//! and announces itself with NOTIFY * HTTP/1.1 (NT, NTS: ssdp:alive or ssdp:byebye, USN)
//! ```
//! The head is read by `http1`, the HTTP/1.1 head parser TCP's HTTP uses; the bytes after it
//! (a body) are shown as the message's body, bounded by the datagram. What only the
//! conversation knows (request numbers, which request a response answers) is filled in by
//! `track::ssdp`. The invariant: a layer is a whole head within its datagram, else it is
//! truncated or malformed.

use std::fmt;

use super::Content;
use super::error::{Error, IResult, into_error};
use super::field::Emitter;
use super::http1::{self, Conversation};
use super::layer::{LayerHeader, Tracked};
use crate::dispatch::Next;
use crate::osi::Protocol;

/// One datagram's HTTP message, and what the conversation knows of it.
#[derive(Clone, Debug)]
pub struct Message<'a> {
    /// The head, then the datagram's remaining bytes as its body.
    bytes: &'a [u8],
    head_len: usize,
    pub context: Conversation,
}

/// Reads a datagram as the stateless chain's entry for SSDP: the message takes it all.
pub fn dissect(input: &[u8]) -> Result<(Content<'_>, Next<'_>), Error> {
    let (rest, message) = parse(input).map_err(into_error)?;
    Ok((Content::Ssdp(Box::new(message)), Next::End { trailer: rest }))
}

pub fn parse(input: &[u8]) -> IResult<'_, Message<'_>> {
    let (body, _) = http1::parse(input)?;
    let head_len = input.len() - body.len();
    Ok((&[], Message { bytes: input, head_len, context: Conversation::default() }))
}

impl<'a> Message<'a> {
    /// The head, read again (it was read whole when the layer was made), with its body.
    pub fn http(&self) -> Option<http1::Message<'a>> {
        let (_, message) = http1::parse(self.bytes).ok()?;
        Some(message.with_body(self.bytes.get(self.head_len..).unwrap_or(&[])))
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        if let Some(message) = self.http() {
            message.fields(out, &self.context);
        }
    }

    /// tshark's Info column: the start line and a space, as for HTTP over TCP.
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        match self.http() {
            Some(message) => message.summary(out),
            None => Ok(()),
        }
    }
}

impl LayerHeader for Message<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Ssdp
    }

    fn header_len(&self) -> usize {
        self.bytes.len()
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Message::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Message::summary(self, out)
    }

    /// Its fields are HTTP's, as tshark names them.
    fn also_emits(&self) -> &'static [&'static str] {
        &["http"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::field::Field;

    const SEARCH: &[u8] = b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n\
MX: 1\r\nST: upnp:rootdevice\r\n\r\n";
    const NOTIFY: &[u8] = b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNTS: ssdp:alive\r\n\r\n";

    fn fields_of(message: &Message<'_>) -> Vec<(&'static str, String)> {
        let mut seen = Vec::new();
        let mut sink = |field: Field<'_>| seen.push((field.name, field.value.to_string()));
        message.fields(&mut Emitter::new(&mut sink, 0, Default::default()));
        seen
    }

    fn value(seen: &[(&str, String)], name: &str) -> Option<String> {
        seen.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn reads_an_m_search_as_an_http_request() {
        let (rest, message) = parse(SEARCH).expect("a whole head");
        assert!(rest.is_empty());
        let seen = fields_of(&message);
        assert_eq!(value(&seen, "http.request.method").as_deref(), Some("M-SEARCH"));
        assert_eq!(value(&seen, "http.request.uri").as_deref(), Some("*"));
        assert_eq!(value(&seen, "http.host").as_deref(), Some("239.255.255.250:1900"));
        assert_eq!(value(&seen, "http.request.full_uri").as_deref(), Some("http://239.255.255.250:1900*"));
        assert_eq!(value(&seen, "http.request").as_deref(), Some("1"));
        let mut summary = String::new();
        message.summary(&mut summary).expect("formatting");
        assert_eq!(summary, "M-SEARCH * HTTP/1.1 ");
    }

    #[test]
    fn a_notify_is_a_notification_not_a_request() {
        let (_, message) = parse(NOTIFY).expect("a whole head");
        let seen = fields_of(&message);
        assert_eq!(value(&seen, "http.notification").as_deref(), Some("1"));
        assert_eq!(value(&seen, "http.request"), None);
        assert_eq!(value(&seen, "http.request.line"), None, "its lines are no request's");
        assert_eq!(value(&seen, "http.host").as_deref(), Some("239.255.255.250:1900"));
    }

    #[test]
    fn every_truncation_is_reported() {
        for cut in 0..SEARCH.len() {
            assert!(
                matches!(parse(&SEARCH[..cut]), Err(nom::Err::Error(Error::Truncated { .. }))),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_datagram_that_is_not_http_is_not_ssdp() {
        assert!(matches!(parse(b"\x01\x02hello\r\n\r\n"), Err(nom::Err::Error(Error::NotThisProtocol))));
    }
}
