//! The events of connections that have ended, kept in an unnamed temporary file rather than in
//! memory: on a capture of gigabytes they are most of what the UI would hold (about 2 KB per
//! connection, for hundreds of thousands of connections), and the UI reads only the selected
//! connection's.
//!
//! Invariants:
//! - What is written is never changed: a connection that has ended keeps its events, so a
//!   place handed out stays good for the life of the store.
//! - The file has no name (`O_TMPFILE` where the system has it), so it goes when the process
//!   does, however it ends.
//! - Where no temporary file can be made or it takes no more (a full disk), the events stay
//!   in memory: never lost. `live` makes the file before it drops its privileges, after which
//!   it could make none ([`Spill::in_file`]).
//! - Events the file cannot give back (an I/O error) are not shown as none: the connection
//!   comes without them, and the views and the status bar say why in their place.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use crate::timeline::Event;
use crate::timeline::stored::{read_events, write_events};

/// Where one connection's events were written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    at: u64,
    len: u32,
}

/// The file the events go to, made when the first events come.
#[derive(Debug, Default)]
pub struct Spill {
    file: Option<File>,
    /// No file could be made, or it took no more: events stay in memory from now on.
    refused: bool,
    /// Where the next events go.
    end: u64,
    /// The batch being encoded, kept between batches so its allocation is reused (up to
    /// [`KEEP`]: a batch larger than that gives its room back).
    buffer: Vec<u8>,
}

/// The most room the batch buffer keeps between batches.
const KEEP: usize = 1 << 20;

impl Spill {
    /// A store writing to `file`, an empty one made already (as before a privilege drop).
    pub fn in_file(file: File) -> Self {
        Self { file: Some(file), ..Self::default() }
    }

    /// Writes each list of events and gives where it went; None for a list kept in memory (an
    /// empty one, or all of them where there is no file).
    pub fn put<'e>(&mut self, lists: impl Iterator<Item = &'e [Event]>) -> Vec<Option<Place>> {
        if !self.ready() {
            return lists.map(|_| None).collect();
        }
        self.buffer.clear();
        let mut places = Vec::new();
        for events in lists {
            let start = self.buffer.len();
            let written = !events.is_empty() && write_events(events, &mut self.buffer).is_ok();
            let len = u32::try_from(self.buffer.len() - start).ok().filter(|_| written);
            if len.is_none() {
                self.buffer.truncate(start);
            }
            places.push(len.map(|len| Place { at: self.end + start as u64, len }));
        }
        let written = self.file.as_ref().map(|file| file.write_all_at(&self.buffer, self.end));
        if !matches!(written, Some(Ok(()))) {
            // The file takes no more (the disk is full): these and all later events stay in
            // memory, and those written before are still read from it.
            self.refused = true;
            return places.iter().map(|_| None).collect();
        }
        self.end += self.buffer.len() as u64;
        if self.buffer.capacity() > KEEP {
            self.buffer = Vec::new();
        }
        places
    }

    /// The events written at `place`.
    pub fn get(&self, place: Place) -> io::Result<Vec<Event>> {
        let file = self.file.as_ref().ok_or_else(|| io::Error::other("the events' file is gone"))?;
        let mut bytes = vec![0; place.len as usize];
        file.read_exact_at(&mut bytes, place.at)?;
        read_events(&bytes).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
    }

    /// Bytes written so far.
    #[cfg(test)]
    pub fn len(&self) -> u64 {
        self.end
    }

    fn ready(&mut self) -> bool {
        if self.refused {
            return false;
        }
        if self.file.is_none() {
            match tempfile::tempfile() {
                Ok(file) => self.file = Some(file),
                Err(_) => self.refused = true,
            }
        }
        self.file.is_some()
    }

    /// Empties the file, as a disk that lost it would: what was written cannot be read back.
    #[cfg(test)]
    pub fn lose_contents(&self) {
        if let Some(file) = &self.file {
            file.set_len(0).expect("the temporary file shrinks");
        }
    }

    /// A store that never makes a file, as when the system refuses one.
    #[cfg(test)]
    pub fn refused() -> Self {
        Self { refused: true, ..Self::default() }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::timeline::Connection;
    use crate::tui::testing;

    /// The course's timelines, as the indexer reports them.
    fn course_timelines() -> Vec<Arc<Connection>> {
        testing::timelines(testing::COURSE)
    }

    #[test]
    fn events_read_back_from_where_they_went() {
        let connections = course_timelines();
        let mut spill = Spill::default();
        let places = spill.put(connections.iter().map(|connection| connection.events.as_slice()));
        assert_eq!(places.len(), connections.len());
        assert!(spill.len() > 0);
        for (place, connection) in places.iter().zip(&connections) {
            let place = place.expect("every course connection has events");
            let read = spill.get(place).expect("reads back");
            assert_eq!(format!("{read:?}"), format!("{:?}", connection.events));
        }
        // A second batch goes after the first.
        let again = spill.put(connections.iter().take(1).map(|connection| connection.events.as_slice()));
        let place = again[0].expect("written");
        assert!(
            place.at
                >= places.iter().flatten().map(|place| place.at + u64::from(place.len)).max().unwrap_or(0)
        );
        assert_eq!(spill.get(place).expect("reads back").len(), connections[0].events.len());
    }

    #[test]
    fn without_a_file_nothing_is_placed() {
        let connections = course_timelines();
        let mut spill = Spill::refused();
        let places = spill.put(connections.iter().map(|connection| connection.events.as_slice()));
        assert!(places.iter().all(Option::is_none));
        assert_eq!(spill.len(), 0);
    }

    #[test]
    fn once_the_file_takes_no_more_events_stay_in_memory_and_those_written_still_read() {
        let connections = course_timelines();
        let named = tempfile::NamedTempFile::new().expect("a temporary file");
        let mut spill = Spill { file: Some(named.reopen().expect("reopens")), ..Spill::default() };
        let first = spill.put(connections.iter().take(2).map(|connection| connection.events.as_slice()));
        // The same file, read-only from now on: the next write fails, as on a full disk.
        spill.file = Some(std::fs::File::open(named.path()).expect("opens"));
        let second = spill.put(connections.iter().skip(2).map(|connection| connection.events.as_slice()));
        assert!(second.iter().all(Option::is_none));
        assert!(
            spill.put(connections.iter().take(1).map(|connection| connection.events.as_slice()))[0].is_none()
        );
        let place = first[1].expect("written before");
        assert_eq!(spill.get(place).expect("still read").len(), connections[1].events.len());
    }

    #[test]
    fn a_batch_larger_than_the_room_kept_gives_its_room_back() {
        let connections = course_timelines();
        let mut spill = Spill::default();
        let lists = || connections.iter().map(|connection| connection.events.as_slice());
        spill.put(lists());
        let small = spill.buffer.capacity();
        assert!(small > 0 && small <= KEEP, "{small}");
        let many = spill.put(std::iter::repeat_with(lists).take(KEEP / small + 2).flatten());
        assert!(many.iter().all(Option::is_some));
        assert_eq!(spill.buffer.capacity(), 0);
    }

    #[test]
    fn empty_events_stay_in_memory() {
        let mut spill = Spill::default();
        assert_eq!(spill.put([[].as_slice()].into_iter()), vec![None]);
    }

    /// The Connections view keeps an ended connection's events in the file, not in its list,
    /// and gives them back whole when the connection is selected.
    #[test]
    fn the_connections_view_keeps_ended_events_out_of_memory() {
        use crate::tui::action::TimelineReport;
        use crate::tui::state::ConnectionsState;
        let connections = course_timelines();
        let mut state = ConnectionsState::default();
        state.take(TimelineReport { ended: connections.clone(), open: Vec::new() });
        assert!(state.all.iter().all(|connection| connection.events.is_empty()));
        for (at, connection) in connections.iter().enumerate() {
            let whole = state.get(at).expect("in the list");
            assert_eq!(format!("{whole:?}"), format!("{connection:?}"));
        }
    }

    /// An open connection reported without its events is asked for when it is read.
    #[test]
    fn reading_a_withheld_connection_asks_the_indexer_for_it() {
        use crate::tui::action::TimelineReport;
        use crate::tui::state::ConnectionsState;
        let mut connections = course_timelines();
        let open = Arc::make_mut(&mut connections[3]);
        open.events.clear();
        open.withheld = true;
        let id = open.id;
        let mut state = ConnectionsState::default();
        state.take(TimelineReport { ended: connections[..3].to_vec(), open: connections[3..].to_vec() });
        assert_eq!(state.asked.asked(), None);
        assert!(state.get(2).is_some_and(|connection| !connection.events.is_empty()));
        assert_eq!(state.asked.asked(), None, "an ended connection is read back, not asked for");
        assert!(state.get(3).is_some_and(|connection| connection.withheld));
        assert_eq!(state.asked.asked(), Some(id));
    }
}
