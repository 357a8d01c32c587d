use super::*;
use crate::testing::{tls_message as message, tls_record as record};

/// A hello body: version 0x0303, random `fill`, empty session id, then the suites and
/// compression the message kind takes, then `extensions`.
fn hello(kind: u8, fill: u8, extensions: &[u8]) -> Vec<u8> {
    let mut body = vec![0x03, 0x03];
    body.extend([fill; 32]);
    body.push(0);
    if kind == handshake::kind::CLIENT_HELLO {
        body.extend([0x00, 0x02, 0x13, 0x01, 0x01, 0x00]);
    } else {
        body.extend([0x13, 0x01, 0x00]);
    }
    body.extend((extensions.len() as u16).to_be_bytes());
    body.extend(extensions);
    message(kind, &body)
}

/// server_name "example.com".
const SNI: &[u8] = &[
    0x00, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x00, 0x0b, b'e', b'x', b'a', b'm', b'p', b'l', b'e', b'.',
    b'c', b'o', b'm',
];
/// supported_versions selecting TLS 1.3, as a ServerHello carries it.
const TLS13: &[u8] = &[0x00, 0x2b, 0x00, 0x02, 0x03, 0x04];

fn feed(session: &mut Session, dir: usize, frame: u64, bytes: &[u8], keylog: &KeyLog) -> (Output, Arenas) {
    let mut arenas = Arenas::default();
    let output = session.feed(dir, frame, &[Feed::Payload { bytes, start: 0 }], keylog, &mut arenas);
    (output, arenas)
}

#[test]
fn a_client_hello_cut_across_records_and_segments_is_read_once_whole() {
    let client_hello = hello(handshake::kind::CLIENT_HELLO, 0xaa, SNI);
    let (first, second) = client_hello.split_at(30);
    let mut stream = record(content_type::HANDSHAKE, first);
    stream.extend(record(content_type::HANDSHAKE, second));
    let keylog = KeyLog::new();
    let mut session = Session::new();
    // Segment 1 ends inside the second record.
    let (output, _) = feed(&mut session, 0, 1, &stream[..50], &keylog);
    assert_eq!(output.records.len(), 1);
    assert!(output.records[0].messages.is_empty(), "the first record holds only part of the message");
    assert_eq!(output.pdu_tail, Some(35..50));
    let (output, arenas) = feed(&mut session, 0, 2, &stream[50..], &keylog);
    assert_eq!(output.records.len(), 1);
    let record = &output.records[0];
    assert_eq!(record.segments.as_slice(), [(1, 15), (2, stream.len() - 50)]);
    let [Loc::Stream(range)] = record.messages.as_slice() else {
        panic!("one reassembled message: {record:?}")
    };
    assert_eq!(&arenas.stream[range.clone()], client_hello.as_slice());
    assert_eq!(session.server_name.as_deref(), Some("example.com"));
    assert_eq!(session.client(), Some(0));
}

#[test]
fn a_record_over_the_maximum_length_is_reported_and_the_stream_resynchronises() {
    let keylog = KeyLog::new();
    let mut session = Session::new();
    let (output, _) = feed(&mut session, 0, 1, &[22, 3, 3, 0x48, 0x01, 0, 0], &keylog);
    assert!(output.records.is_empty());
    assert!(output.problems[0].contains("exceeds the maximum"), "{:?}", output.problems);
    // The next segment that starts with a record is read again.
    let (output, _) = feed(&mut session, 0, 2, &record(content_type::ALERT, &[1, 0]), &keylog);
    assert_eq!(output.records.len(), 1);
}

#[test]
fn a_handshake_length_that_overruns_the_limit_is_not_buffered() {
    let keylog = KeyLog::new();
    let mut session = Session::new();
    // A ClientHello header announcing 16 MiB - 1.
    let (output, _) =
        feed(&mut session, 0, 1, &record(content_type::HANDSHAKE, &[1, 0xff, 0xff, 0xff, 0]), &keylog);
    assert!(output.problems.iter().any(|p| p.contains("overruns")), "{:?}", output.problems);
    assert_eq!(session.buffered(), 0);
}

#[test]
fn records_without_a_key_say_so_and_a_wrong_key_fails_without_plaintext() {
    let client_hello = hello(handshake::kind::CLIENT_HELLO, 0x11, SNI);
    let server_hello = hello(handshake::kind::SERVER_HELLO, 0x22, TLS13);
    let protected = record(content_type::APPLICATION_DATA, &[0x5a; 40]);

    // Before any hello, an encrypted record cannot even be placed in a session.
    let mut session = Session::new();
    let (output, _) = feed(&mut session, 1, 1, &protected, &KeyLog::new());
    assert_eq!(output.records[0].content, ContentOut::Encrypted(Undecrypted::Unsynchronised));

    // A session the key log does not know.
    let mut session = Session::new();
    feed(&mut session, 0, 1, &record(content_type::HANDSHAKE, &client_hello), &KeyLog::new());
    feed(&mut session, 1, 2, &record(content_type::HANDSHAKE, &server_hello), &KeyLog::new());
    assert_eq!(session.version, Some(0x0304));
    let (output, arenas) = feed(&mut session, 1, 3, &protected, &KeyLog::new());
    assert_eq!(output.records[0].content, ContentOut::Encrypted(Undecrypted::NoKey));
    assert!(output.records[0].opaque);
    assert_eq!(Undecrypted::NoKey.to_string(), "no key for this session");
    assert!(arenas.decrypted.is_empty());

    // A session with a key that does not open the record.
    let mut keylog = KeyLog::new();
    let line = format!("SERVER_HANDSHAKE_TRAFFIC_SECRET {} {}\n", "11".repeat(32), "77".repeat(32));
    assert!(keylog.add_text(line.as_bytes()).is_empty());
    let mut session = Session::new();
    feed(&mut session, 0, 1, &record(content_type::HANDSHAKE, &client_hello), &keylog);
    feed(&mut session, 1, 2, &record(content_type::HANDSHAKE, &server_hello), &keylog);
    let (output, arenas) = feed(&mut session, 1, 3, &protected, &keylog);
    let ContentOut::Encrypted(Undecrypted::Failed(reason)) = &output.records[0].content else {
        panic!("{:?}", output.records[0].content)
    };
    assert!(reason.starts_with("decryption failed"), "{reason}");
    assert_eq!(output.problems.as_slice(), std::slice::from_ref(reason));
    assert!(arenas.decrypted.is_empty(), "no plaintext is kept from a failed record");
}

#[test]
fn a_segment_that_only_begins_a_record_is_told_apart_from_one_in_its_middle() {
    let keylog = KeyLog::new();
    let mut session = Session::new();
    let stream = record(content_type::APPLICATION_DATA, &[0x42; 3000]);
    // Three bytes of the header: the length is not known yet.
    let (output, _) = feed(&mut session, 0, 1, &stream[..3], &keylog);
    assert!(output.only_begins_record);
    // The rest of the header and some body: still read as the record's start, as Wireshark
    // reads it again once the length can be known.
    let (output, _) = feed(&mut session, 0, 2, &stream[3..1400], &keylog);
    assert!(output.only_begins_record);
    // The middle of the body is only carried along.
    let (output, _) = feed(&mut session, 0, 3, &stream[1400..2800], &keylog);
    assert!(!output.only_begins_record && output.records.is_empty());
    let (output, _) = feed(&mut session, 0, 4, &stream[2800..], &keylog);
    assert_eq!(output.records.len(), 1);
    assert_eq!(
        output.records[0].segments.as_slice(),
        [(1, 3), (2, 1397), (3, 1400), (4, stream.len() - 2800)]
    );
}

/// TLS_RSA_WITH_NULL_SHA256 (0x003b): after ChangeCipherSpec each record is its plaintext and
/// a 32-byte HMAC-SHA256, read with no key log: the Finished is a handshake message, the
/// application data is the HTTP it carries, and a record shorter than the MAC says so.
#[test]
fn a_null_cipher_suite_leaves_records_after_change_cipher_spec_readable_without_keys() {
    let keylog = KeyLog::new();
    let mut session = Session::new();
    feed(
        &mut session,
        0,
        1,
        &record(content_type::HANDSHAKE, &hello(handshake::kind::CLIENT_HELLO, 0xaa, &[])),
        &keylog,
    );
    // ServerHello: version 0x0303, random, empty session id, suite 0x003b, compression 0, no
    // extensions.
    let mut server_hello = vec![0x03, 0x03];
    server_hello.extend([0xbb; 32]);
    server_hello.extend([0x00, 0x00, 0x3b, 0x00]);
    feed(
        &mut session,
        1,
        2,
        &record(content_type::HANDSHAKE, &message(handshake::kind::SERVER_HELLO, &server_hello)),
        &keylog,
    );
    assert_eq!((session.version, session.cipher_suite), (Some(0x0303), Some(0x003b)));
    let mac = [0x5a; 32];
    let mut finished = message(handshake::kind::FINISHED, &[0x11; 12]);
    finished.extend(mac);
    let mut stream = record(content_type::CHANGE_CIPHER_SPEC, &[1]);
    stream.extend(record(content_type::HANDSHAKE, &finished));
    let mut request = b"GET / HTTP/1.1\r\n\r\n".to_vec();
    request.extend(mac);
    stream.extend(record(content_type::APPLICATION_DATA, &request));
    stream.extend(record(content_type::APPLICATION_DATA, &mac[..31]));
    let (output, arenas) = feed(&mut session, 0, 3, &stream, &keylog);
    let contents: Vec<&ContentOut> = output.records.iter().map(|record| &record.content).collect();
    let [
        ContentOut::Clear,
        ContentOut::Decrypted { content_type: 22, .. },
        ContentOut::Decrypted { content_type: 23, plaintext: Loc::Decrypted(http) },
        ContentOut::Encrypted(Undecrypted::Failed(short)),
    ] = contents.as_slice()
    else {
        panic!("{contents:?}")
    };
    assert_eq!(output.records[1].messages.len(), 1, "the Finished, whole");
    assert_eq!(&arenas.decrypted[http.clone()], b"GET / HTTP/1.1\r\n\r\n");
    assert!(short.contains("shorter than its MAC"), "{short}");
}

/// A session picked up after its hellos: a ChangeCipherSpec still means the records of its
/// side that follow are protected, so the Finished after it is an encrypted handshake message
/// (as tshark shows it), not a message whose length overruns.
#[test]
fn a_session_picked_up_mid_stream_protects_what_follows_a_change_cipher_spec() {
    let keylog = KeyLog::new();
    let mut session = Session::new();
    // ClientKeyExchange (type 16, 2 bytes), ChangeCipherSpec, then 40 bytes of an encrypted
    // Finished whose first bytes read as a message of type 0x9c and 10 MiB.
    let mut stream = record(content_type::HANDSHAKE, &message(16, &[0x00, 0x00]));
    stream.extend(record(content_type::CHANGE_CIPHER_SPEC, &[1]));
    let mut finished = vec![0x9c, 0xa0, 0x00, 0x00];
    finished.extend([0x33; 36]);
    stream.extend(record(content_type::HANDSHAKE, &finished));
    let (output, _) = feed(&mut session, 0, 1, &stream, &keylog);
    let contents: Vec<&ContentOut> = output.records.iter().map(|record| &record.content).collect();
    assert!(
        matches!(
            contents.as_slice(),
            [ContentOut::Clear, ContentOut::Clear, ContentOut::Encrypted(Undecrypted::Unsynchronised)]
        ),
        "{contents:?}"
    );
    assert!(output.problems.is_empty(), "{:?}", output.problems);
}
