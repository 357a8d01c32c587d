//! Tests of the ending and ordering of streamed timelines (`ending.rs`) and of the
//! connections that wait, frozen, for an earlier one (`frozen.rs`).

use super::*;
use crate::capture::CaptureFile;
use crate::dissect::tcp::flag;
use crate::testing::hostile::{Pcap, Side, TcpConnection};
use crate::track::{Scratch, Tracker};

/// Four HTTP connections, each followed by two minutes of quiet, all closed both ways but
/// the one at `open`.
fn capture(open: u8) -> CaptureFile {
    let mut pcap = Pcap::new(Vec::new()).unwrap();
    for index in 0..4u8 {
        let mut connection =
            TcpConnection::new(([10, 0, 0, 1], 40_000 + u16::from(index)), ([10, 0, 0, 2], 80));
        connection.handshake(&mut pcap).unwrap();
        connection.send(&mut pcap, Side::Client, b"GET / HTTP/1.1\r\n\r\n").unwrap();
        connection.send(&mut pcap, Side::Server, b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
        if index != open {
            for side in [Side::Client, Side::Server] {
                let seq = connection.next[side as usize];
                connection.segment_at(&mut pcap, side, seq, flag::FIN | flag::ACK, &[]).unwrap();
                connection.next[side as usize] += 1;
            }
        }
        pcap.ts_us += 120_000_000;
    }
    CaptureFile::from_vec(pcap.into_inner(), "ending").unwrap()
}

/// Hands each frame of [`capture`] (the last connection left open), tracked, to `handle`.
fn each_packet(handle: impl FnMut(&crate::capture::Frame<'_>, &crate::dissect::Packet<'_>)) {
    each_packet_of(capture(3), handle);
}

fn each_packet_of(
    capture: CaptureFile,
    mut handle: impl FnMut(&crate::capture::Frame<'_>, &crate::dissect::Packet<'_>),
) {
    let (mut tracker, mut scratch) = (Tracker::new(), Scratch::new());
    for frame in capture.frames() {
        let frame = frame.unwrap();
        let packet = tracker.handle_frame(&frame, &mut scratch);
        handle(&frame, &packet);
    }
}

/// The builder's timelines: those given out after each frame (with the frame's number),
/// then those at the end.
fn run(builder: Builder) -> (Vec<(u64, u32)>, Vec<Connection>) {
    let mut builder = builder;
    let mut given = Vec::new();
    let mut all = Vec::new();
    each_packet(|frame, packet| {
        builder.handle_packet(frame, packet);
        for connection in builder.take_ended() {
            given.push((frame.number, connection.id));
            all.push(connection);
        }
    });
    all.extend(builder.finish());
    (given, all)
}

#[test]
fn a_closed_connection_is_given_out_after_its_quiet_and_the_whole_list_is_unchanged() {
    let (given, streamed) = run(Builder::new().streaming());
    // Each connection is 7 frames; the first frame after a quiet gives the one before.
    assert_eq!(given, [(8, 0), (15, 1), (22, 2)]);
    let (none, whole) = run(Builder::new());
    assert!(none.is_empty(), "a builder that does not stream gives nothing before the end");
    let json = |connections: &[Connection]| serde_json::to_string(connections).unwrap();
    assert_eq!(json(&streamed), json(&whole));
    assert_eq!(streamed.len(), 4);
}

#[test]
fn the_open_snapshot_with_those_given_out_is_the_whole_list_at_every_frame() {
    let (mut streaming, mut whole) = (Builder::new().streaming(), Builder::new());
    let json = |connections: &[Connection]| serde_json::to_string(connections).unwrap();
    let mut given = Vec::new();
    let mut open_counts = Vec::new();
    each_packet(|frame, packet| {
        streaming.handle_packet(frame, packet);
        whole.handle_packet(frame, packet);
        given.extend(streaming.take_ended());
        let open = streaming.open_snapshot(|_| true);
        open_counts.push(open.len());
        let so_far: Vec<Connection> =
            given.iter().cloned().chain(open.iter().map(|open| (**open).clone())).collect();
        assert_eq!(json(&so_far), json(&whole.clone().finish()), "after frame {}", frame.number);
    });
    // Only what is open is copied: one connection at a time (each is let go by the frame
    // that begins the next), of the four.
    assert_eq!(given.len(), 3);
    assert_eq!(open_counts.iter().max(), Some(&1));
    assert_eq!(open_counts.last(), Some(&1));
}

#[test]
fn a_snapshot_and_the_timelines_given_share_each_timeline_that_did_not_change_and_make_the_others() {
    let mut builder = Builder::new().streaming();
    let mut last: Vec<Arc<Connection>> = Vec::new();
    let (mut shared, mut made, mut given) = (0, 0, 0);
    each_packet(|frame, packet| {
        builder.handle_packet(frame, packet);
        for ended in builder.take_ended_shared() {
            // Ended by the quiet before this frame, of another connection: unchanged since.
            let before = last.iter().find(|before| before.id == ended.id);
            assert!(before.is_some_and(|before| Arc::ptr_eq(before, &ended)), "connection {}", ended.id);
            given += 1;
        }
        let open = builder.open_snapshot(|_| true);
        for connection in &open {
            let before = last.iter().find(|before| before.id == connection.id);
            // Every frame of this capture is one of the open connection's.
            assert!(
                before.is_none_or(|before| !Arc::ptr_eq(before, connection)),
                "frame {} changed connection {}, which was shared",
                frame.number,
                connection.id
            );
            made += usize::from(before.is_some());
        }
        let again = builder.open_snapshot(|_| true);
        assert_eq!(again.len(), open.len());
        for (connection, again) in open.iter().zip(&again) {
            assert!(Arc::ptr_eq(connection, again), "nothing came between: connection {} shared", again.id);
            shared += 1;
        }
        last = open;
    });
    assert!(shared >= 20 && made >= 16, "{shared} shared, {made} made again");
    assert_eq!(given, 3, "the three closed connections were given as the snapshot had them");
}

#[test]
fn a_snapshot_withholds_the_events_of_the_connections_not_asked_for_and_what_ends_comes_whole() {
    let (mut builder, mut whole) = (Builder::new().streaming(), Builder::new().streaming());
    let (mut withheld, mut asked) = (0, 0);
    each_packet(|frame, packet| {
        builder.handle_packet(frame, packet);
        whole.handle_packet(frame, packet);
        for (ended, expected) in builder.take_ended_shared().zip(whole.take_ended_shared()) {
            assert!(!ended.withheld);
            assert_eq!(format!("{ended:?}"), format!("{expected:?}"), "connection {}", ended.id);
        }
        // Connection 1 is asked for whole, the others not.
        let open = builder.open_snapshot(|id| id == 1);
        for (connection, expected) in open.iter().zip(whole.open_snapshot(|_| true)) {
            if connection.id == 1 {
                assert_eq!(format!("{connection:?}"), format!("{expected:?}"));
                asked += 1;
                continue;
            }
            assert!(connection.withheld && connection.events.is_empty() && !expected.events.is_empty());
            let summary = Connection { events: Vec::new(), withheld: true, ..(*expected).clone() };
            assert_eq!(format!("{connection:?}"), format!("{summary:?}"));
            withheld += 1;
        }
    });
    assert!(withheld > 10 && asked > 3, "{withheld} withheld, {asked} asked for");
}

/// Behind a connection left open, those that end wait with their events encoded, and every
/// snapshot and the list at the end are what a builder that keeps all gives.
#[test]
fn connections_that_end_behind_an_open_one_wait_frozen_and_nothing_shown_changes() {
    let (mut streaming, mut whole) = (Builder::new().streaming(), Builder::new());
    let json = |connections: &[Connection]| serde_json::to_string(connections).unwrap();
    let mut most_frozen = 0;
    each_packet_of(capture(0), |frame, packet| {
        streaming.handle_packet(frame, packet);
        whole.handle_packet(frame, packet);
        assert_eq!(streaming.take_ended().count(), 0, "all wait for connection 0");
        let frozen = streaming.connections.map.values().filter(|pending| pending.is_frozen()).count();
        most_frozen = most_frozen.max(frozen);
        let open: Vec<Connection> =
            streaming.open_snapshot(|_| true).iter().map(|open| (**open).clone()).collect();
        assert_eq!(json(&open), json(&whole.clone().finish()), "after frame {}", frame.number);
        assert!(streaming.connections.map.values().filter(|pending| pending.is_frozen()).count() == frozen);
    });
    assert_eq!(most_frozen, 2, "connections 1 and 2 ended while 0 was open");
    assert_eq!(json(&streaming.finish()), json(&whole.finish()));
}

/// Ended at the end, the connections that waited come out a batch at a time, each batch and
/// the snapshot of those still to come together the whole list, so that a UI showing them
/// between two batches shows every connection.
#[test]
fn what_waited_comes_out_at_the_end_a_batch_at_a_time_and_nothing_shown_changes() {
    let (mut streaming, mut whole) = (Builder::new().streaming(), Builder::new());
    let json = |connections: &[Connection]| serde_json::to_string(connections).unwrap();
    each_packet_of(capture(0), |frame, packet| {
        streaming.handle_packet(frame, packet);
        whole.handle_packet(frame, packet);
    });
    let whole = whole.finish();
    assert_eq!(whole.len(), 4);
    streaming.end_all();
    let mut given: Vec<Connection> = Vec::new();
    let mut batches = Vec::new();
    loop {
        let batch = streaming.take_ended_at_most(3);
        batches.push(batch.len());
        given.extend(batch.iter().map(|connection| (**connection).clone()));
        let rest: Vec<Connection> =
            streaming.open_snapshot(|_| true).iter().map(|open| (**open).clone()).collect();
        let shown: Vec<Connection> = given.iter().cloned().chain(rest).collect();
        assert_eq!(json(&shown), json(&whole), "after batches {batches:?}");
        if batch.is_empty() {
            break;
        }
    }
    assert_eq!(batches, [3, 1, 0]);
}

/// A packet of a connection that ended and waits frozen joins it, as it would had nothing
/// been frozen: the timelines are those of a builder that keeps all.
#[test]
fn a_late_packet_of_a_frozen_connection_joins_it() {
    let mut pcap = Pcap::new(Vec::new()).unwrap();
    let mut open = TcpConnection::new(([10, 0, 0, 1], 40_000), ([10, 0, 0, 2], 80));
    open.handshake(&mut pcap).unwrap();
    let mut closed = TcpConnection::new(([10, 0, 0, 1], 40_001), ([10, 0, 0, 2], 80));
    closed.handshake(&mut pcap).unwrap();
    closed.send(&mut pcap, Side::Client, b"GET / HTTP/1.1\r\n\r\n").unwrap();
    for side in [Side::Client, Side::Server] {
        let seq = closed.next[side as usize];
        closed.segment_at(&mut pcap, side, seq, flag::FIN | flag::ACK, &[]).unwrap();
        closed.next[side as usize] += 1;
    }
    pcap.ts_us += 120_000_000;
    open.send(&mut pcap, Side::Client, b"GET /a HTTP/1.1\r\n\r\n").unwrap();
    let late = closed.next[Side::Client as usize];
    closed.segment_at(&mut pcap, Side::Client, late, flag::RST, &[]).unwrap();
    let capture = CaptureFile::from_vec(pcap.into_inner(), "late").unwrap();

    let (mut streaming, mut whole) = (Builder::new().streaming(), Builder::new());
    let frames = capture.frames().count() as u64;
    each_packet_of(capture, |frame, packet| {
        streaming.handle_packet(frame, packet);
        whole.handle_packet(frame, packet);
        let frozen = streaming.connections.map.get(&1).is_some_and(|pending| pending.is_frozen());
        assert_eq!(frozen, frame.number == frames - 1, "frozen once it ended, until its late packet");
    });
    let json = |connections: &[Connection]| serde_json::to_string(connections).unwrap();
    let all = streaming.finish();
    assert_eq!(json(&all), json(&whole.finish()));
    let summary: Vec<(u32, u64)> = all.iter().map(|connection| (connection.id, connection.packets)).collect();
    assert_eq!(summary, [(0, 4), (1, 7)], "the late reset is the closed connection's");
}

#[test]
fn past_the_open_limit_the_connection_that_began_first_is_given_out_as_it_stands() {
    let mut builder = Builder::new().streaming();
    let mut pcap = Pcap::new(Vec::new()).unwrap();
    let count = MAX_OPEN as u32 + 10;
    for index in 0..count {
        let [_, a, b, c] = index.to_be_bytes();
        let connection = TcpConnection::new(([10, a, b, c], 1024), ([10, 255, 255, 254], 443));
        connection.segment_at(&mut pcap, Side::Client, 1_000, flag::SYN, &[]).unwrap();
    }
    let capture = CaptureFile::from_vec(pcap.into_inner(), "syns").unwrap();
    let (mut tracker, mut scratch) = (Tracker::new(), Scratch::new());
    let mut ids = Vec::new();
    for frame in capture.frames() {
        let frame = frame.unwrap();
        let packet = tracker.handle_frame(&frame, &mut scratch);
        builder.handle_packet(&frame, &packet);
        ids.extend(builder.take_ended().map(|connection| connection.id));
        assert!(builder.connections.open() <= MAX_OPEN + 1, "the limit, and the frame's own");
    }
    assert_eq!(ids, (0..9).collect::<Vec<_>>(), "given out first, in order");
    assert_eq!(builder.ended_early(), 9);
    let rest = builder.finish();
    assert_eq!(rest.len(), MAX_OPEN + 1);
    assert_eq!(rest.first().map(|connection| connection.id), Some(9));
}
