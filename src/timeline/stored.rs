//! A connection's events written to bytes and read back whole, so the UI can keep the events
//! of the connections that have ended in a file rather than in memory (`tui/spill.rs`).
//!
//! The encoding is postcard's, through serde derives on the event's types: compact (an
//! event of a handshake takes a few dozen bytes), and not meant to outlive the process that
//! wrote it, so it carries no version. It keeps everything an [`Event`] holds, its private
//! link times and capture time included: what is read back equals what was written.

use serde::{Deserialize, Serialize};

use super::message::{Message, Note};
use super::rounds::{Side, Step};
use super::{Event, Link};
use crate::osi::OsiLayer;

/// A name from one of rttscope's own tables, as messages hold it. Named, so that serde's
/// derive reads it through `interned` rather than borrowing it from the bytes (which would
/// ask them to live for ever).
pub type Name = &'static str;

/// Appends `events`, encoded, to `out`.
pub fn write_events(events: &[Event], out: &mut Vec<u8>) -> Result<(), postcard::Error> {
    out.extend_from_slice(&postcard::to_allocvec(&All(events))?);
    Ok(())
}

/// Events that [`write_events`] encoded.
pub fn read_events(bytes: &[u8]) -> Result<Vec<Event>, postcard::Error> {
    let read: Vec<Read> = postcard::from_bytes(bytes)?;
    Ok(read.into_iter().map(Read::into_event).collect())
}

/// Events as they are written: a sequence of [`Written`], made one at a time.
struct All<'e>(&'e [Event]);

impl Serialize for All<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(Written::of))
    }
}

/// An event's every field, as written (its messages and notes borrowed, `Written`) and as
/// read back (owned, `Read`).
#[derive(Serialize, Deserialize)]
struct Stored<Messages, Notes> {
    frame: u64,
    t_ms: f64,
    link: Option<Link>,
    dir: Side,
    round: u32,
    osi: OsiLayer,
    messages: Messages,
    notes: Notes,
    step: Step,
    early: bool,
    at_ns: i64,
    copy: u64,
}

type Written<'e> = Stored<&'e [Message], &'e [Note]>;
type Read = Stored<Vec<Message>, Vec<Note>>;

impl<'e> Written<'e> {
    fn of(event: &'e Event) -> Self {
        let Event {
            frame,
            t_ms,
            ref link,
            dir,
            round,
            osi,
            ref messages,
            ref notes,
            step,
            early,
            at_ns,
            copy,
        } = *event;
        let link = link.as_deref().copied();
        Stored { frame, t_ms, link, dir, round, osi, messages, notes, step, early, at_ns, copy }
    }
}

impl Read {
    fn into_event(self) -> Event {
        let Stored { frame, t_ms, link, dir, round, osi, messages, notes, step, early, at_ns, copy } = self;
        let link = link.map(Box::new);
        Event { frame, t_ms, link, dir, round, osi, messages, notes, step, early, at_ns, copy }
    }
}

/// A name from one of rttscope's own tables (a TLS alert's description, an HTTP/2 or HTTP/3
/// frame's name), written as its text and read back as the one `&'static str` kept for that
/// text: each distinct name is allocated once for the life of the process.
pub(super) mod interned {
    use std::collections::BTreeSet;
    use std::sync::{Mutex, PoisonError};

    use serde::{Deserialize, Deserializer, Serializer};

    /// More distinct names than every table holds: past it, a name reads back as "?" rather
    /// than growing the set (only a damaged file could get there).
    const MOST: usize = 4096;

    static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

    pub fn intern(name: &str) -> &'static str {
        let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(kept) = names.get(name) {
            return kept;
        }
        if names.len() >= MOST {
            return "?";
        }
        let kept: &'static str = Box::leak(name.to_owned().into_boxed_str());
        names.insert(kept);
        kept
    }

    pub fn serialize<S: Serializer>(name: &&'static str, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(name)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<&'static str, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(intern(&name))
    }
}

/// [`interned`], for a name that may be missing.
pub(super) mod interned_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(name: &Option<&'static str>, serializer: S) -> Result<S::Ok, S::Error> {
        name.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<&'static str>, D::Error> {
        let name = Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(name.map(|name| super::interned::intern(&name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::tests::bundled;

    /// Every event of the course's timelines, and of captures with DNS lookups, two vantage
    /// points, SSH and STUN, reads back equal to what was written: labels, explanations and
    /// link times included.
    #[test]
    fn timelines_read_back_whole() {
        let (mut seen, mut linked) = (0, 0);
        for path in [
            "captures/all.pcapng",
            "fixtures/interop/multi-if.pcapng",
            "fixtures/link/all-40ms.pcapng",
            "fixtures/interop/dns-lookup-curl.pcap",
            "fixtures/interop/ssh-openssh.pcap",
            "fixtures/interop/stun-coturn.pcap",
            "fixtures/interop/quic-h3-aioquic.pcap",
        ] {
            for connection in &bundled(path) {
                let mut bytes = Vec::new();
                write_events(&connection.events, &mut bytes).expect("encodes");
                let read = read_events(&bytes).expect("decodes");
                assert_eq!(read.len(), connection.events.len(), "{path}");
                for (read, written) in read.iter().zip(&connection.events) {
                    assert_eq!(format!("{read:?}"), format!("{written:?}"), "{path}");
                    assert_eq!((read.label(), read.explanation()), (written.label(), written.explanation()));
                    seen += 1;
                    linked += usize::from(written.sent_ms().is_some());
                }
            }
        }
        assert!(seen > 500, "only {seen} events");
        assert!(linked > 0, "no event with link times was tried");
    }

    #[test]
    fn a_name_is_kept_once() {
        let first = interned::intern("SETTINGS ACK");
        let again = interned::intern(&String::from("SETTINGS ACK"));
        assert!(std::ptr::eq(first, again));
    }

    #[test]
    fn damaged_bytes_are_an_error_not_a_panic() {
        assert!(read_events(&[0xff, 0xff, 0xff]).is_err());
        assert!(read_events(&[]).is_err());
    }
}
