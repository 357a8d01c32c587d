//! The QUIC table's streams: given up, read to their FIN, past the open-stream limit.

use super::*;
use crate::track::keylog::KeyLog;

#[test]
fn http3_streams_read_to_their_fin_are_let_go_so_a_page_load_of_many_requests_is_read_whole() {
    let mut table = QuicTable::new();
    let slot = table.add_connection(Connection { alive: true, ..Connection::default() }, &mut Vec::new());
    // HEADERS: required insert count 0, base 0, static :method GET (17), :path / (1).
    let request = [0x01, 0x04, 0x00, 0x00, 0xd1, 0xc1];
    let (keylog, mut arenas) = (KeyLog::default(), Arenas::default());
    for request_index in 0..(4 * MAX_H3_STREAMS) as u64 {
        let stream_id = request_index * 4;
        let mut plaintext = vec![0x0f];
        plaintext.extend_from_slice(&(0x4000 | stream_id as u16).to_be_bytes());
        plaintext.extend_from_slice(&[0x00, request.len() as u8]);
        plaintext.extend_from_slice(&request);
        arenas.decrypted = plaintext;
        let range = 0..arenas.decrypted.len();
        let mut output = Output::default();
        table.frames(slot, CLIENT, 0, Space::Application, range, &keylog, &mut arenas, &mut output);
        assert!(output.problems.is_empty(), "request {request_index}: {:?}", output.problems);
        let frames: Vec<usize> = output
            .carried
            .iter()
            .filter_map(|carried| match carried {
                Carried::Http3(out) => Some(out.frames.len()),
                Carried::Tls(..) => None,
            })
            .collect();
        assert_eq!(frames, [1], "request {request_index} read");
    }
    assert!(table.connections[slot].h3.is_empty(), "every finished stream is let go");
    assert_eq!(table.h3_streams, 0);
}

#[test]
fn past_the_open_stream_limit_a_new_stream_is_not_read_and_the_packet_says_so() {
    let mut table = QuicTable::new();
    let slot = table.add_connection(Connection { alive: true, ..Connection::default() }, &mut Vec::new());
    let (keylog, mut arenas) = (KeyLog::default(), Arenas::default());
    let mut notes = Vec::new();
    for stream_id in 0..=MAX_H3_STREAMS as u64 {
        // DATA, one byte, never finished: a stream left open.
        let mut plaintext = vec![0x0a];
        plaintext.extend_from_slice(&(0x4000 | (stream_id * 4) as u16).to_be_bytes());
        plaintext.extend_from_slice(&[0x03, 0x00, 0x01, b'x']);
        arenas.decrypted = plaintext;
        let range = 0..arenas.decrypted.len();
        let mut output = Output::default();
        table.frames(slot, CLIENT, 0, Space::Application, range, &keylog, &mut arenas, &mut output);
        notes.extend(output.problems);
    }
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].starts_with(&format!("HTTP/3 stream {} is not read", MAX_H3_STREAMS * 4)));
}

#[test]
fn streams_given_up_hold_nothing() {
    let mut crypto = CryptoStream::default();
    crypto.feed(100, &[1; 50]);
    crypto.feed(0, &[0x0b, 0, 1, 0]);
    assert!(crypto.buffered() > 54, "held out of order, and a message begun, with what they cost");
    crypto.give_up();
    assert_eq!(crypto.buffered(), 0);
    assert!(crypto.feed(4, &[0; 40]).messages.is_empty(), "no longer read");
    assert_eq!(crypto.buffered(), 0);
}

/// Chrome's "chaos protection": one Initial carries its part of the ClientHello as two CRYPTO
/// frames, the later bytes first, a PING between. The frame ahead of the gap is held and gets
/// no TLS layer (tshark shows none either); the frame that fills the gap carries the message,
/// whole, once.
#[test]
fn crypto_frames_out_of_order_in_one_packet_give_the_message_once_on_the_frame_filling_the_gap() {
    let mut table = QuicTable::new();
    let slot = table.add_connection(Connection { alive: true, ..Connection::default() }, &mut Vec::new());
    // A handshake message of type 99 (not a ClientHello, so nothing else is read from it),
    // 8 bytes of body: 63 000008 0102030405060708.
    let message = [0x63, 0x00, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8];
    let mut plaintext = vec![0x06, 0x05, 0x07]; // CRYPTO, offset 5, length 7
    plaintext.extend_from_slice(&message[5..]);
    plaintext.push(0x01); // PING
    plaintext.extend_from_slice(&[0x06, 0x00, 0x05]); // CRYPTO, offset 0, length 5
    plaintext.extend_from_slice(&message[..5]);
    let (keylog, mut arenas) = (KeyLog::default(), Arenas { decrypted: plaintext, ..Arenas::default() });
    let range = 0..arenas.decrypted.len();
    let mut output = Output::default();
    let facts = table.frames(slot, CLIENT, 0, Space::Initial, range, &keylog, &mut arenas, &mut output);
    assert_eq!(facts.len(), 3, "CRYPTO, PING, CRYPTO");
    let carried: Vec<usize> = output
        .carried
        .iter()
        .map(|carried| match carried {
            Carried::Tls(_, messages, ..) => messages.len(),
            Carried::Http3(_) => usize::MAX,
        })
        .collect();
    assert_eq!(carried, [1], "one TLS layer, on the second CRYPTO frame, with the message");
    assert_eq!(arenas.stream, message);
}
