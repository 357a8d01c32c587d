use super::*;

const SWITCH: &[u8] =
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
const SWITCH_DEFLATE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
    Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=12\r\n\r\n";

/// The client's masked text frame "Hello" (RFC 6455 section 5.7).
const MASKED_HELLO: [u8; 11] = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];

#[test]
fn a_101_to_websocket_is_recognised_and_another_is_not() {
    assert!(switches_to_websocket(SWITCH));
    assert!(!switches_to_websocket(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"));
    assert!(!switches_to_websocket(b"HTTP/1.1 200 OK\r\nUpgrade: websocket\r\n\r\n"));
}

#[test]
fn a_frame_arriving_a_byte_at_a_time_is_read_once_whole_and_unmasked() {
    let mut session = Session::new(1, SWITCH);
    let mut arena = Vec::new();
    for (index, byte) in MASKED_HELLO.iter().enumerate() {
        let output = session.feed(0, 7, &[*byte], &mut arena);
        if index + 1 < MASKED_HELLO.len() {
            assert!(output.frames.is_empty(), "at byte {index}");
            assert_eq!(output.pending, index + 1);
        } else {
            let [frame] = output.frames.as_slice() else { panic!("one frame: {output:?}") };
            assert_eq!(&arena[frame.range.clone()], MASKED_HELLO);
            assert_eq!(&arena[frame.payload.clone()], b"Hello");
            let message = frame.message.as_ref().expect("a whole message");
            assert_eq!(&arena[message.data.clone()], b"Hello");
            assert_eq!(message.fragments, None);
        }
    }
    assert_eq!(session.buffered(), 0);
}

#[test]
fn a_fragmented_message_is_put_back_together_on_its_last_fragment() {
    let mut session = Session::new(1, SWITCH);
    let mut arena = Vec::new();
    // Server frames, unmasked: "Hel" (text, not FIN), a ping between, "lo" (continuation, FIN).
    let first = session.feed(1, 10, &[0x01, 0x03, b'H', b'e', b'l'], &mut arena);
    assert_eq!(first.frames[0].message, None);
    let ping = session.feed(1, 11, &[0x89, 0x00], &mut arena);
    assert_eq!(ping.frames[0].message, None, "a control frame amid fragments ends nothing");
    let last = session.feed(1, 12, &[0x80, 0x02, b'l', b'o'], &mut arena);
    let message = last.frames[0].message.as_ref().expect("the message");
    assert_eq!(message.opcode, opcode::TEXT);
    assert_eq!(&arena[message.data.clone()], b"Hello");
    assert_eq!(message.fragments, Some((SmallVec::from_slice(&[(10, 3), (12, 2)]), 5)));
    assert_eq!(session.buffered(), 0);
}

/// "Hello, WebSocket!" compressed twice by one compressor, as a server's frames (FIN, RSV1,
/// text): the second refers back to the first through the window.
fn deflated_hellos() -> [Vec<u8>; 2] {
    use flate2::{Compress, Compression, FlushCompress};
    let mut compress = Compress::new(Compression::default(), false);
    [(); 2].map(|()| {
        let mut compressed = Vec::with_capacity(256);
        compress
            .compress_vec(b"Hello, WebSocket!", &mut compressed, FlushCompress::Sync)
            .expect("compresses");
        // RFC 7692 section 7.2.1: the trailing 00 00 ff ff is taken off.
        assert!(compressed.ends_with(&[0, 0, 0xff, 0xff]));
        compressed.truncate(compressed.len() - 4);
        let mut frame = vec![0xc1, compressed.len() as u8];
        frame.extend(&compressed);
        frame
    })
}

fn inflated(session: &mut Session, frame: u64, bytes: &[u8]) -> Result<Vec<u8>, Vec<String>> {
    let mut arena = Vec::new();
    let output = session.feed(1, frame, bytes, &mut arena);
    match output.frames[0].message.as_ref() {
        Some(message) if output.deflate && output.problems.is_empty() => {
            Ok(arena[message.data.clone()].to_vec())
        }
        _ => Err(output.problems),
    }
}

#[test]
fn a_permessage_deflate_message_is_inflated_with_the_window_kept_between_messages() {
    let frames = deflated_hellos();
    let mut session = Session::new(1, SWITCH_DEFLATE);
    for (round, frame) in frames.iter().enumerate() {
        assert_eq!(
            inflated(&mut session, 20 + round as u64, frame).as_deref(),
            Ok(&b"Hello, WebSocket!"[..])
        );
    }
    // Without the first message's window, the second does not inflate to the text.
    let alone = inflated(&mut Session::new(1, SWITCH_DEFLATE), 21, &frames[1]);
    assert_ne!(alone.as_deref(), Ok(&b"Hello, WebSocket!"[..]));
}

#[test]
fn a_copied_session_inflates_the_next_message_with_the_same_window() {
    let frames = deflated_hellos();
    let mut session = Session::new(1, SWITCH_DEFLATE);
    inflated(&mut session, 20, &frames[0]).expect("the first inflates");
    let mut copy = crate::track::snapshot::exact_copy(&session).expect("an inflater copies exactly");
    assert_eq!(inflated(&mut copy, 21, &frames[1]).as_deref(), Ok(&b"Hello, WebSocket!"[..]));
    assert_eq!(inflated(&mut session, 21, &frames[1]).as_deref(), Ok(&b"Hello, WebSocket!"[..]));
}

#[test]
fn a_frame_announcing_2_to_the_63_bytes_ends_the_direction_with_its_reason() {
    let mut session = Session::new(1, SWITCH);
    let mut arena = Vec::new();
    let output = session.feed(1, 3, &[0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3], &mut arena);
    let (range, reason) = output.malformed.expect("malformed");
    assert_eq!(range.len(), 13);
    assert!(reason.contains("most significant bit"), "{reason}");
    // Nothing after is read, and nothing is held.
    assert!(session.feed(1, 4, &MASKED_HELLO, &mut arena).frames.is_empty());
    assert_eq!(session.buffered(), 0);
}

#[test]
fn a_frame_over_the_bound_is_not_buffered() {
    let mut session = Session::new(1, SWITCH);
    let mut arena = Vec::new();
    let len = (MAX_FRAME as u64 + 1).to_be_bytes();
    let header = [[0x82, 0x7f].as_slice(), &len].concat();
    let output = session.feed(1, 3, &header, &mut arena);
    assert_eq!(output.problems.len(), 1, "{output:?}");
    assert_eq!(session.cost(), size_of::<Session>());
}

#[test]
fn a_fragmented_message_over_its_bound_is_given_up_and_its_memory_let_go() {
    let mut session = Session::new(1, SWITCH);
    let mut arena = Vec::new();
    // Fragments of 60000 bytes (16-bit length), unmasked, until past MAX_MESSAGE.
    let fragment = |opcode: u8| {
        let mut frame = vec![opcode, 0x7e, 0xea, 0x60];
        frame.resize(4 + 60_000, b'a');
        frame
    };
    session.feed(1, 1, &fragment(0x02), &mut arena);
    let mut problems = Vec::new();
    for frame in 2..=(MAX_MESSAGE / 60_000 + 2) as u64 {
        arena.clear();
        problems.extend(session.feed(1, frame, &fragment(0x00), &mut arena).problems);
    }
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(session.cost() < 64 << 10, "{} bytes held", session.cost());
    let last = session.feed(1, 99, &[0x80, 0x01, b'z'], &mut arena);
    assert_eq!(last.frames[0].message, None, "the message given up is not shown");
}
