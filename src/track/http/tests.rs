//! The HTTP reader fed as TCP delivers: whole, in pieces, a byte at a time, and across gaps.

use super::*;

fn feed(connection: &mut Reader, dir: usize, frame: u64, bytes: &[u8]) -> Output {
    let mut arena = Vec::new();
    connection.feed(dir, frame, 0, bytes, false, &mut arena)
}

#[test]
fn a_response_is_shown_on_the_frame_that_completes_it_and_tied_to_its_request() {
    let mut connection = Reader::new(false, false);
    let request = feed(&mut connection, 0, 1, b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_eq!(request.messages.len(), 1);
    let head = feed(&mut connection, 1, 2, b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab");
    assert!(head.messages.is_empty() && head.pending_head.is_some() && head.pending);
    let rest = feed(&mut connection, 1, 3, b"cd");
    let [(_, head_len, conversation)] = rest.messages.as_slice() else { panic!("{rest:?}") };
    assert_eq!(*head_len, 38);
    assert_eq!(conversation.request_in, Some(1));
    assert_eq!(conversation.request_uri.as_deref(), Some("http://h/a"));
    assert_eq!(rest.segments.as_slice(), [(2, 40), (3, 2)]);
}

#[test]
fn a_body_over_the_cap_is_passed_over_and_the_connection_is_still_read() {
    let mut connection = Reader::new(false, false);
    feed(&mut connection, 0, 1, b"GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
    let length = MAX_MESSAGE + 100_000;
    let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {length}\r\n\r\n");
    feed(&mut connection, 1, 2, head.as_bytes());
    let block = vec![b'x'; 65536];
    let mut sent = 0;
    let mut frame = 3;
    let mut shown = None;
    while sent < length {
        let take = block.len().min(length - sent);
        let output = feed(&mut connection, 1, frame, &block[..take]);
        assert!(connection.directions[1].buffer.len() <= MAX_MESSAGE, "never buffers past the cap");
        if !output.messages.is_empty() {
            shown = Some(frame);
        }
        sent += take;
        frame += 1;
    }
    assert_eq!(shown, Some(frame - 1), "the response is shown where its body ends");
    // The next exchange on the connection is read as usual.
    assert_eq!(feed(&mut connection, 0, frame, b"GET /next HTTP/1.1\r\nHost: h\r\n\r\n").messages.len(), 1);
}

/// Feeds `bytes` one byte a frame from `frame` on; returns what each byte completed.
fn feed_bytewise(connection: &mut Reader, dir: usize, frame: u64, bytes: &[u8]) -> Vec<Output> {
    bytes.iter().enumerate().map(|(at, byte)| feed(connection, dir, frame + at as u64, &[*byte])).collect()
}

#[test]
fn a_request_in_one_byte_segments_is_shown_once_on_its_last_byte() {
    let request = b"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
    let mut connection = Reader::new(false, false);
    let outputs = feed_bytewise(&mut connection, 0, 1, request);
    let shown: Vec<usize> = outputs
        .iter()
        .enumerate()
        .filter(|(_, output)| !output.messages.is_empty())
        .map(|(at, _)| at)
        .collect();
    assert_eq!(shown, [request.len() - 1]);
    let last = outputs.last().expect("outputs");
    assert_eq!(last.messages[0].1, request.len() - 5, "the head's length");
    assert_eq!(last.segments.len(), request.len(), "one part per segment");
    // The head was announced once, when it was complete and the body still to come.
    assert_eq!(outputs.iter().filter(|output| output.pending_head.is_some()).count(), 1);
    assert!(connection.directions[0].buffer.is_empty() && connection.directions[0].parts.is_empty());
}

#[test]
fn a_chunked_body_in_one_byte_segments_ends_where_it_ends() {
    let request =
        b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
    let next = b"GET /after HTTP/1.1\r\n\r\n";
    let mut connection = Reader::new(false, false);
    let outputs = feed_bytewise(&mut connection, 0, 1, &[request.as_slice(), next].concat());
    let shown: Vec<(usize, usize)> = outputs
        .iter()
        .enumerate()
        .flat_map(|(at, output)| output.messages.iter().map(move |(range, _, _)| (at, range.len())))
        .collect();
    assert_eq!(shown, [(request.len() - 1, request.len()), (request.len() + next.len() - 1, next.len())]);
}

#[test]
fn a_gap_gives_up_the_message_in_progress_and_reading_resumes_at_the_next() {
    let mut connection = Reader::new(false, false);
    feed(&mut connection, 0, 1, b"POST /lost HTTP/1.1\r\nContent-Length: 100\r\n\r\nfirst part");
    connection.gap(0);
    // The rest of the lost body, then a new request.
    assert!(feed(&mut connection, 0, 3, b"rest of the body").messages.is_empty());
    let next = feed(&mut connection, 0, 4, b"GET /next HTTP/1.1\r\n\r\n");
    assert_eq!(next.messages.len(), 1);
    assert!(next.problems.is_empty(), "{:?}", next.problems);
}

#[test]
fn what_the_reader_holds_follows_its_buffers() {
    let mut connection = Reader::new(false, false);
    let empty = connection.cost();
    feed(
        &mut connection,
        0,
        1,
        &[b"POST / HTTP/1.1\r\nContent-Length: 200000\r\n\r\n".as_slice(), &[b'x'; 100_000]].concat(),
    );
    assert!(connection.cost() >= empty + 100_000, "the body so far is counted");
    assert!(connection.buffered() >= 100_000);
    feed(&mut connection, 0, 2, &[b'x'; 100_000]);
    assert!(connection.cost() < empty + 64 * 1024 + 1024, "given back once read: {}", connection.cost());
    assert_eq!(connection.buffered(), 0);
}

/// An HTTP/2 frame's bytes: 24-bit length, type, flags, stream id, payload.
fn h2_frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = (payload.len() as u32).to_be_bytes();
    [&len[1..], &[kind, flags], &stream.to_be_bytes(), payload].concat()
}

/// A HEADERS frame (END_HEADERS) whose fields are HPACK literals without indexing.
fn h2_headers(stream: u32, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut block = Vec::new();
    for (name, value) in fields {
        block.push(0);
        block.push(name.len() as u8);
        block.extend_from_slice(name.as_bytes());
        block.push(value.len() as u8);
        block.extend_from_slice(value.as_bytes());
    }
    h2_frame(1, 0x4, stream, &block)
}

#[test]
fn an_http2_body_is_undone_on_the_frame_that_ends_its_stream_as_wiresharks_http2_dissector_does() {
    use std::io::Write;
    let text = b"an HTTP/2 body, an HTTP/2 body, an HTTP/2 body";
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(text).expect("in memory");
    let gzip = encoder.finish().expect("in memory");
    let mut connection = Reader::new(false, true);
    // What the frame that ends the stream undid, and the bytes it undid them to.
    let mut ended = |stream: u32, status: &str, encoding: &str, halves: bool| {
        let mut arena = Vec::new();
        let headers = [(":status", status), ("content-type", "text/plain"), ("content-encoding", encoding)];
        let mut bytes = h2_headers(stream, &headers);
        if halves {
            let (first, second) = gzip.split_at(gzip.len() / 2);
            bytes.extend(h2_frame(0, 0, stream, first));
            bytes.extend(h2_frame(0, 1, stream, second));
        } else {
            bytes.extend(h2_frame(0, 1, stream, &gzip));
        }
        let output = connection.feed(1, u64::from(stream), 0, &bytes, false, &mut arena);
        assert!(output.problems.is_empty(), "{:?}", output.problems);
        let entity = output.frames.last().and_then(|frame| frame.entity.clone())?;
        let undone = arena[entity.undone.bytes.clone()].to_vec();
        Some((entity, undone))
    };
    // In two DATA frames, and in one.
    for (stream, halves) in [(1, true), (3, false)] {
        let (entity, undone) = ended(stream, "200", "gzip", halves).expect("undone");
        assert_eq!((entity.encoding.as_slice(), entity.encoded_len), (&b"gzip"[..], gzip.len()));
        assert!(entity.undone.decoded && !entity.undone.cut, "stream {stream}");
        assert_eq!(undone, text, "stream {stream}");
    }
    // A 206's part is not decoded, nor a name Wireshark's HTTP/2 dissector does not read.
    assert_eq!(ended(5, "206", "gzip", false), None);
    assert_eq!(ended(7, "200", "x-gzip", true), None);
}
