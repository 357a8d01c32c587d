//! WebSocket over HTTP/2's extended CONNECT, read through the HTTP reader with the bytes
//! spelled out: every place a unit can be cut, what is accepted and what is not, and the
//! bounds.

use super::{MAX_HELD, MAX_TUNNELS};
use crate::dissect::http2::PREFACE;
use crate::track::http::{Output, Reader};

const DATA: u8 = 0;
const HEADERS: u8 = 1;
const RST_STREAM: u8 = 3;
const END_STREAM: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const CLIENT: usize = 0;
const SERVER: usize = 1;

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).unwrap().to_be_bytes();
    let mut bytes = vec![len[1], len[2], len[3], kind, flags];
    bytes.extend_from_slice(&stream.to_be_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

/// HPACK's literal field without indexing, new name, no Huffman coding (RFC 7541 6.2.2).
fn literal(name: &str, value: &str) -> Vec<u8> {
    let mut bytes = vec![0x00, u8::try_from(name.len()).unwrap()];
    bytes.extend_from_slice(name.as_bytes());
    bytes.push(u8::try_from(value.len()).unwrap());
    bytes.extend_from_slice(value.as_bytes());
    bytes
}

fn headers(stream: u32, fields: &[(&str, &str)]) -> Vec<u8> {
    let block: Vec<u8> = fields.iter().flat_map(|(name, value)| literal(name, value)).collect();
    frame(HEADERS, END_HEADERS, stream, &block)
}

fn connect(stream: u32, protocol: &str) -> Vec<u8> {
    let mut fields =
        vec![(":method", "CONNECT"), (":scheme", "http"), (":path", "/chat"), (":authority", "a")];
    if !protocol.is_empty() {
        fields.push((":protocol", protocol));
    }
    headers(stream, &fields)
}

fn status(stream: u32, code: &str) -> Vec<u8> {
    headers(stream, &[(":status", code)])
}

/// A WebSocket frame (RFC 6455 5.2), masked with `key` when given.
fn ws_frame(opcode: u8, fin: bool, key: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut bytes = vec![u8::from(fin) << 7 | opcode];
    let mask_bit = if key.is_some() { 0x80 } else { 0 };
    match payload.len() {
        len @ 0..=125 => bytes.push(mask_bit | u8::try_from(len).unwrap()),
        len @ 126..=0xffff => {
            bytes.push(mask_bit | 126);
            bytes.extend_from_slice(&u16::try_from(len).unwrap().to_be_bytes());
        }
        len => {
            bytes.push(mask_bit | 127);
            bytes.extend_from_slice(&u64::try_from(len).unwrap().to_be_bytes());
        }
    }
    match key {
        Some(key) => {
            bytes.extend_from_slice(&key);
            bytes.extend(payload.iter().enumerate().map(|(i, byte)| byte ^ key[i % 4]));
        }
        None => bytes.extend_from_slice(payload),
    }
    bytes
}

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// A connection whose stream 1 is an accepted extended CONNECT for websocket.
fn opened(arena: &mut Vec<u8>) -> Reader {
    let mut reader = Reader::new(false, true);
    let client = [PREFACE.to_vec(), connect(1, "websocket")].concat();
    reader.feed(CLIENT, 1, 0, &client, false, arena);
    reader.feed(SERVER, 2, 0, &status(1, "200"), false, arena);
    reader
}

/// The texts of the WebSocket messages an output's frames completed.
fn texts(output: &Output, arena: &[u8]) -> Vec<String> {
    output
        .frames
        .iter()
        .filter_map(|frame| frame.websocket.as_ref())
        .flat_map(|websocket| &websocket.frames)
        .filter_map(|frame| frame.message.as_ref())
        .map(|message| String::from_utf8_lossy(&arena[message.data.clone()]).into_owned())
        .collect()
}

fn websocket_frames(output: &Output) -> usize {
    output.frames.iter().filter_map(|frame| frame.websocket.as_ref()).map(|ws| ws.frames.len()).sum()
}

#[test]
fn an_accepted_streams_data_carries_websocket_frames_both_ways_masked_from_the_client() {
    let mut arena = Vec::new();
    let mut reader = opened(&mut arena);
    let masked = frame(DATA, 0, 1, &ws_frame(1, true, Some(KEY), b"hello"));
    let output = reader.feed(CLIENT, 3, 0, &masked, false, &mut arena);
    assert_eq!(texts(&output, &arena), ["hello"]);
    let websocket = output.frames[0].websocket.as_ref().unwrap();
    assert_eq!(websocket.frames[0].header.masking_key, Some(KEY));
    let plain = frame(DATA, 0, 1, &ws_frame(1, true, None, b"hello"));
    let output = reader.feed(SERVER, 4, 0, &plain, false, &mut arena);
    assert_eq!(texts(&output, &arena), ["hello"]);
    // Two WebSocket frames in one DATA frame, and a close.
    let two =
        [ws_frame(2, true, Some(KEY), &[1, 2, 3]), ws_frame(8, true, Some(KEY), b"\x03\xe8bye")].concat();
    let output = reader.feed(CLIENT, 5, 0, &frame(DATA, 0, 1, &two), false, &mut arena);
    assert_eq!(websocket_frames(&output), 2);
}

#[test]
fn a_websocket_frame_cut_across_data_frames_anywhere_is_read_once_on_its_last_byte() {
    let whole = ws_frame(1, true, Some(KEY), &[b'x'; 200]);
    for cut in 0..=whole.len() {
        let mut arena = Vec::new();
        let mut reader = opened(&mut arena);
        let first = reader.feed(CLIENT, 3, 0, &frame(DATA, 0, 1, &whole[..cut]), false, &mut arena);
        let second = reader.feed(CLIENT, 4, 0, &frame(DATA, 0, 1, &whole[cut..]), false, &mut arena);
        let complete_first = cut == whole.len();
        assert_eq!(websocket_frames(&first), usize::from(complete_first), "cut at {cut}");
        assert_eq!(websocket_frames(&second), usize::from(!complete_first), "cut at {cut}");
        let done = if complete_first { &first } else { &second };
        assert_eq!(texts(done, &arena), ["x".repeat(200)], "cut at {cut}");
    }
}

#[test]
fn the_connection_cut_into_segments_anywhere_reads_the_same() {
    let head = [PREFACE.to_vec(), connect(1, "websocket")].concat();
    let data = frame(DATA, 0, 1, &ws_frame(1, true, Some(KEY), b"over h2"));
    for cut in 0..=head.len() {
        for data_cut in 0..=data.len() {
            let mut arena = Vec::new();
            let mut reader = Reader::new(false, true);
            reader.feed(CLIENT, 1, 0, &head[..cut], false, &mut arena);
            reader.feed(CLIENT, 2, 0, &head[cut..], false, &mut arena);
            reader.feed(SERVER, 3, 0, &status(1, "200"), false, &mut arena);
            let first = reader.feed(CLIENT, 4, 0, &data[..data_cut], false, &mut arena);
            let mut found = texts(&first, &arena);
            let second = reader.feed(CLIENT, 5, 0, &data[data_cut..], false, &mut arena);
            found.extend(texts(&second, &arena));
            assert_eq!(found, ["over h2"], "cut at {cut}, {data_cut}");
        }
    }
}

#[test]
fn data_before_the_2xx_and_streams_not_accepted_are_not_websocket() {
    let data = frame(DATA, 0, 1, &ws_frame(1, true, Some(KEY), b"early"));
    // Before the response.
    let mut arena = Vec::new();
    let mut reader = Reader::new(false, true);
    reader.feed(CLIENT, 1, 0, &[PREFACE.to_vec(), connect(1, "websocket")].concat(), false, &mut arena);
    assert_eq!(websocket_frames(&reader.feed(CLIENT, 2, 0, &data, false, &mut arena)), 0);
    // Refused.
    reader.feed(SERVER, 3, 0, &status(1, "403"), false, &mut arena);
    assert_eq!(websocket_frames(&reader.feed(CLIENT, 4, 0, &data, false, &mut arena)), 0);
    // A CONNECT without :protocol, or for another protocol, is a plain tunnel.
    for protocol in ["", "connect-udp"] {
        let mut arena = Vec::new();
        let mut reader = Reader::new(false, true);
        reader.feed(CLIENT, 1, 0, &[PREFACE.to_vec(), connect(1, protocol)].concat(), false, &mut arena);
        reader.feed(SERVER, 2, 0, &status(1, "200"), false, &mut arena);
        assert_eq!(websocket_frames(&reader.feed(CLIENT, 3, 0, &data, false, &mut arena)), 0, "{protocol}");
    }
    // An interim response leaves it waiting; the 200 after it opens it.
    let mut arena = Vec::new();
    let mut reader = Reader::new(false, true);
    reader.feed(CLIENT, 1, 0, &[PREFACE.to_vec(), connect(1, "WebSocket")].concat(), false, &mut arena);
    reader.feed(SERVER, 2, 0, &[status(1, "100"), status(1, "200")].concat(), false, &mut arena);
    assert_eq!(texts(&reader.feed(CLIENT, 3, 0, &data, false, &mut arena), &arena), ["early"]);
}

#[test]
fn tunnels_are_forgotten_when_both_sides_end_or_reset_and_past_the_most_kept() {
    let mut arena = Vec::new();
    let mut reader = opened(&mut arena);
    let baseline = Reader::new(false, true).cost();
    assert!(reader.tunnels.cost() > 0);
    reader.feed(CLIENT, 3, 0, &frame(DATA, END_STREAM, 1, &[]), false, &mut arena);
    assert!(reader.tunnels.cost() > 0, "one side still open");
    reader.feed(SERVER, 4, 0, &frame(DATA, END_STREAM, 1, &[]), false, &mut arena);
    assert_eq!(reader.tunnels.cost(), 0);
    assert!(reader.cost() >= baseline);
    // RST_STREAM from either side ends it at once.
    reader.feed(CLIENT, 5, 0, &connect(3, "websocket"), false, &mut arena);
    reader.feed(SERVER, 6, 0, &status(3, "200"), false, &mut arena);
    reader.feed(SERVER, 7, 0, &frame(RST_STREAM, 0, 3, &[0, 0, 0, 8]), false, &mut arena);
    assert_eq!(reader.tunnels.cost(), 0);
    // Past the most kept, the oldest goes, with a problem.
    let mut problems = Vec::new();
    for n in 0..=MAX_TUNNELS {
        let stream = 5 + 2 * u32::try_from(n).unwrap();
        let output = reader.feed(CLIENT, 8, 0, &connect(stream, "websocket"), false, &mut arena);
        problems.extend(output.problems);
    }
    assert_eq!(reader.tunnels.by_stream.len(), MAX_TUNNELS);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("stream 5, the oldest"), "{problems:?}");
}

#[test]
fn the_connections_tunnels_hold_at_most_their_share() {
    let mut arena = Vec::new();
    let mut reader = Reader::new(false, true);
    reader.feed(CLIENT, 1, 0, PREFACE, false, &mut arena);
    // Each stream begins a frame of almost 4 MiB and sends all but its last byte, in DATA
    // frames of 1 MiB.
    let payload_len = (4 << 20) - 16;
    let started = ws_frame(2, true, None, &vec![0; payload_len]);
    let held = &started[..started.len() - 1];
    let mut problems = Vec::new();
    for n in 0..5u32 {
        let stream = 1 + 2 * n;
        problems.extend(reader.feed(CLIENT, 2, 0, &connect(stream, "websocket"), false, &mut arena).problems);
        problems.extend(reader.feed(SERVER, 3, 0, &status(stream, "200"), false, &mut arena).problems);
        for chunk in held.chunks(1 << 20) {
            let output = reader.feed(CLIENT, 4, 0, &frame(DATA, 0, stream, chunk), false, &mut arena);
            problems.extend(output.problems);
            let websocket = output.frames.into_iter().filter_map(|frame| frame.websocket);
            problems.extend(websocket.flat_map(|websocket| websocket.problems));
        }
        arena.clear();
        assert!(reader.tunnels.cost() <= MAX_HELD, "{}", reader.tunnels.cost());
    }
    // Three such streams fit in the connection's share; the fourth and the fifth each go over
    // it and give up what they hold.
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("stream 7 gives up what it buffers"), "{problems:?}");
    assert!(problems[1].contains("stream 9 gives up what it buffers"), "{problems:?}");
}
