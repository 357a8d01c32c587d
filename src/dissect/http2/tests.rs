use super::*;
use crate::dissect::field::Field;
use crate::dissect::http1::escape_for_fields;

/// curl's first SETTINGS frame (fixture h2c capture): three parameters.
const SETTINGS: [u8; 27] = [
    0x00, 0x00, 0x12, // length 18
    0x04, // type SETTINGS
    0x00, // flags
    0x00, 0x00, 0x00, 0x00, // stream 0
    0x00, 0x03, 0x00, 0x00, 0x00, 0x64, // SETTINGS_MAX_CONCURRENT_STREAMS 100
    0x00, 0x04, 0x02, 0x00, 0x00, 0x00, // SETTINGS_INITIAL_WINDOW_SIZE 33554432
    0x00, 0x02, 0x00, 0x00, 0x00, 0x00, // SETTINGS_ENABLE_PUSH 0
];

/// RFC 7541 C.3.1, first request without Huffman coding: GET http://www.example.com/.
const BLOCK_C31: [u8; 20] = [
    0x82, // indexed 2  :method GET
    0x86, // indexed 6  :scheme http
    0x84, // indexed 4  :path /
    0x41, 0x0f, // literal with incremental indexing, name index 1 (:authority), 15 octets
    b'w', b'w', b'w', b'.', b'e', b'x', b'a', b'm', b'p', b'l', b'e', b'.', b'c', b'o', b'm',
];

/// RFC 7541 C.3.2, second request: the authority from the dynamic table, cache-control added.
const BLOCK_C32: [u8; 14] = [
    0x82, 0x86, 0x84, // :method GET, :scheme http, :path /
    0xbe, // indexed 62: the dynamic table's :authority www.example.com
    0x58, 0x08, // literal with incremental indexing, name index 24 (cache-control), 8 octets
    b'n', b'o', b'-', b'c', b'a', b'c', b'h', b'e',
];

/// RFC 7541 C.4.1: the first request again, its authority Huffman-coded.
const BLOCK_C41: [u8; 17] = [
    0x82, 0x86, 0x84, // :method GET, :scheme http, :path /
    0x41, 0x8c, // literal with incremental indexing, name index 1, Huffman, 12 octets
    0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff,
];

/// A HEADERS frame with PADDED and PRIORITY around the C.3.1 block, as sent in the capture.
fn padded_headers() -> Vec<u8> {
    let mut frame = vec![
        0x00, 0x00, 0x1f, // length 31
        0x01, // type HEADERS
        0x2d, // flags PRIORITY | PADDED | END_HEADERS | END_STREAM
        0x00, 0x00, 0x00, 0x01, // stream 1
        0x05, // Pad Length 5
        0x80, 0x00, 0x00, 0x00, // exclusive, depends on stream 0
        0x0f, // weight 15 (16)
    ];
    frame.extend_from_slice(&BLOCK_C31);
    frame.extend_from_slice(&[0; 5]); // padding
    frame
}

/// A frame from its parts.
fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let length = (payload.len() as u32).to_be_bytes();
    let mut bytes = vec![length[1], length[2], length[3], kind, flags];
    bytes.extend_from_slice(&stream.to_be_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

fn fields_of(frame: &Frame<'_>, headers: Option<&HeaderBlock>) -> Vec<(&'static str, String)> {
    let mut fields = Vec::new();
    let mut sink = |field: Field<'_>| fields.push((field.name, escape_for_fields(&field.value.to_string())));
    frame.fields(&mut Emitter::new(&mut sink, 0, Default::default()), headers, super::Body::Own);
    fields
}

fn joined(fields: &[(&'static str, String)], name: &str) -> String {
    fields
        .iter()
        .filter(|(field, _)| *field == name)
        .map(|(_, value)| value.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn summary_of(frame: &Frame<'_>, headers: Option<&HeaderBlock>) -> String {
    let mut text = String::new();
    frame.summary(&mut text, headers).expect("formatting");
    text
}

fn parsed(bytes: &[u8]) -> Frame<'_> {
    let (rest, frame) = parse(bytes).expect("a whole frame");
    assert!(rest.is_empty());
    frame
}

#[test]
fn the_preface_is_recognised_byte_by_byte() {
    let mut input = PREFACE.to_vec();
    input.extend_from_slice(&SETTINGS);
    assert_eq!(parse_preface(&input), Ok((&SETTINGS[..], &PREFACE[..])));
    for cut in 0..PREFACE.len() {
        assert_eq!(
            parse_preface(&PREFACE[..cut]),
            Err(Error::truncated(PREFACE.len() - cut)),
            "cut at {cut}"
        );
    }
    assert_eq!(parse_preface(b"GET / HTTP/1.1\r\n"), Err(nom::Err::Error(Error::NotThisProtocol)));
    assert_eq!(parse_preface(b"PRX"), Err(nom::Err::Error(Error::NotThisProtocol)));
    let mut fields = Vec::new();
    let mut sink = |field: Field<'_>| fields.push((field.name, escape_for_fields(&field.value.to_string())));
    preface_fields(&mut Emitter::new(&mut sink, 0, Default::default()));
    assert_eq!(joined(&fields, "http2.magic"), "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n");
}

#[test]
fn settings_fields_match_tshark() {
    let frame = parsed(&SETTINGS);
    let settings: Vec<_> = match frame.payload() {
        Ok(Payload::Settings(settings)) => settings.iter().collect(),
        other => panic!("not settings: {other:?}"),
    };
    assert_eq!(settings, [(3, 100), (4, 33_554_432), (2, 0)]);
    let fields = fields_of(&frame, None);
    let names: Vec<_> = fields.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names[..8],
        [
            "http2.stream",
            "http2.length",
            "http2.type",
            "http2.flags",
            "http2.flags.unused_settings",
            "http2.flags.ack.settings",
            "http2.r",
            "http2.streamid"
        ]
    );
    assert_eq!(joined(&fields, "http2.length"), "18");
    assert_eq!(joined(&fields, "http2.flags"), "0x00");
    assert_eq!(joined(&fields, "http2.r"), "0x00000000");
    assert_eq!(joined(&fields, "http2.settings.id"), "3,4,2");
    assert_eq!(joined(&fields, "http2.settings.max_concurrent_streams"), "100");
    assert_eq!(joined(&fields, "http2.settings.initial_window_size"), "33554432");
    assert_eq!(joined(&fields, "http2.settings.enable_push"), "0");
    assert_eq!(joined(&fields, "http2.settings"), "1,1,1");
    assert_eq!(summary_of(&frame, None), "SETTINGS[0]");
}

#[test]
fn every_truncation_of_a_frame_says_what_it_needs() {
    let fixtures =
        [SETTINGS.to_vec(), padded_headers(), frame(9, 0x04, 5, b"ache"), frame(6, 0, 0, b"rttscope")];
    for fixture in &fixtures {
        for cut in 0..fixture.len() {
            let needed = if cut < FRAME_HEADER_LEN { FRAME_HEADER_LEN - cut } else { fixture.len() - cut };
            assert_eq!(parse(&fixture[..cut]), Err(Error::truncated(needed)), "cut at {cut}");
        }
    }
}

#[test]
fn rfc_7541_c3_requests_decode_with_the_dynamic_table() {
    let mut decoder = HeaderDecoder::new();
    let first = decoder.decode_block(&BLOCK_C31);
    assert_eq!(first.error, None);
    let pairs: Vec<_> = first.fields().collect();
    assert_eq!(
        pairs,
        [
            (&b":method"[..], &b"GET"[..]),
            (b":scheme", b"http"),
            (b":path", b"/"),
            (b":authority", b"www.example.com")
        ]
    );
    let second = decoder.decode_block(&BLOCK_C32);
    assert_eq!(second.get(":authority"), Some(&b"www.example.com"[..]));
    assert_eq!(second.get("cache-control"), Some(&b"no-cache"[..]));
    let representations: Vec<_> = second
        .entries()
        .map(|entry| match entry {
            Entry::Field { representation, index, .. } => (representation, index),
            Entry::TableSizeUpdate { .. } => panic!("no size update here"),
        })
        .collect();
    assert_eq!(representations[3], (Representation::Indexed, Some(62)));
    assert_eq!(representations[4], (Representation::IncrementalIndexedName, Some(24)));
    // Huffman-coded literals decode to the same text.
    let huffman = HeaderDecoder::new().decode_block(&BLOCK_C41);
    assert_eq!(huffman.get(":authority"), Some(&b"www.example.com"[..]));
}

/// RFC 7541 C.3.3, the third request: `:authority` from the dynamic table (index 63), then a
/// new entry.
const BLOCK_C33: [u8; 29] = [
    0x82, 0x87, 0x85, 0xbf, // indexed 2, 7, 5, 63
    0x40, 0x0a, b'c', b'u', b's', b't', b'o', b'm', b'-', b'k', b'e', b'y', // new name
    0x0c, b'c', b'u', b's', b't', b'o', b'm', b'-', b'v', b'a', b'l', b'u', b'e',
];

#[test]
fn a_copied_decoder_goes_on_with_the_same_dynamic_table() {
    use crate::track::snapshot::exact_copy;
    let mut decoder = HeaderDecoder::new();
    decoder.decode_block(&BLOCK_C31);
    decoder.decode_block(&BLOCK_C32);
    let mut copy = exact_copy(&decoder).expect("a decoder in step copies exactly");
    let ours = decoder.decode_block(&BLOCK_C33);
    let theirs = copy.decode_block(&BLOCK_C33);
    assert_eq!(theirs.error, None);
    assert_eq!(theirs.get(":authority"), Some(&b"www.example.com"[..]));
    assert_eq!(ours.fields().collect::<Vec<_>>(), theirs.fields().collect::<Vec<_>>());
    // A block that does not decode leaves the table unknown: a copy is no longer exact.
    let bad = decoder.decode_block(&[0xff, 0x7f]);
    assert!(bad.error.is_some());
    assert!(exact_copy(&decoder).is_none());
}

#[test]
fn a_padded_headers_frame_matches_tshark() {
    let bytes = padded_headers();
    let frame = parsed(&bytes);
    let fragment = frame.header_block_fragment().expect("HEADERS carry a fragment");
    assert_eq!(fragment, BLOCK_C31);
    match frame.payload() {
        Ok(Payload::Headers { priority: Some(priority), padding: Some(padding), .. }) => {
            assert_eq!(priority, Priority { exclusive: true, dependency: 0, weight: 15 });
            assert_eq!(padding, [0; 5]);
        }
        other => panic!("not padded HEADERS: {other:?}"),
    }
    let block = HeaderDecoder::new().decode(fragment, frame.ends_headers());
    let fields = fields_of(&frame, Some(&block));
    let wanted = [
        ("http2.flags", "0x2d"),
        ("http2.flags.unused_headers", "0x00"),
        ("http2.padding", "0x05"),
        ("http2.pad_length", "5"),
        ("http2.exclusive", "1"),
        ("http2.stream_dependency", "0"),
        ("http2.headers.weight", "15"),
        ("http2.headers.weight_real", "16"),
        ("http2.headers", "828684410f7777772e6578616d706c652e636f6d"),
        ("http2.header.count", "4"),
        ("http2.header.length", "84"),
        ("http2.header.name", ":method,:scheme,:path,:authority"),
        ("http2.header.value", "GET,http,/,www.example.com"),
        ("http2.header.index", "2,6,4,1"),
        ("http2.headers.method", "GET"),
        ("http2.request.full_uri", "http://www.example.com/"),
        ("http2.headers.padding", "0000000000"),
    ];
    for (name, value) in wanted {
        assert_eq!(joined(&fields, name), value, "{name}");
    }
    assert_eq!(
        joined(&fields, "http2.header.repr"),
        "Indexed Header Field,Indexed Header Field,Indexed Header Field,\
         Literal Header Field with Incremental Indexing - Indexed Name"
    );
    // The padding comes last, after the decoded fields and the full URI.
    assert_eq!(fields.last().map(|(name, _)| *name), Some("http2.headers.padding"));
    assert_eq!(summary_of(&frame, Some(&block)), "HEADERS[1]: GET /");
}

/// An extended CONNECT (RFC 8441) as the `h2` library sends it: tshark 4.0's full URI of a
/// CONNECT is its authority alone, whatever :scheme and :path say; its Info shows the path.
#[test]
fn an_extended_connects_full_uri_is_its_authority() {
    let literal = |name: &str, value: &str| {
        let mut bytes = vec![0x00, name.len() as u8];
        bytes.extend_from_slice(name.as_bytes());
        bytes.push(value.len() as u8);
        bytes.extend_from_slice(value.as_bytes());
        bytes
    };
    let fields =
        [(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "https"), (":path", "/chat")];
    let mut block: Vec<u8> = fields.iter().flat_map(|(name, value)| literal(name, value)).collect();
    block.extend(literal(":authority", "server.test"));
    let bytes = frame(0x1, 0x4, 1, &block);
    let frame = parsed(&bytes);
    let headers = HeaderDecoder::new().decode(frame.header_block_fragment().unwrap(), true);
    let fields = fields_of(&frame, Some(&headers));
    assert_eq!(joined(&fields, "http2.headers.method"), "CONNECT");
    assert_eq!(joined(&fields, "http2.request.full_uri"), "server.test");
    assert_eq!(summary_of(&frame, Some(&headers)), "HEADERS[1]: CONNECT /chat");
}

#[test]
fn continuation_fields_sit_on_the_frame_that_completes_them() {
    let mut decoder = HeaderDecoder::new();
    decoder.decode_block(&BLOCK_C31);
    // C.3.2 split as the capture split it: HEADERS without END_HEADERS, then two CONTINUATIONs.
    let headers = frame(1, 0x01, 5, &BLOCK_C32[..6]);
    let first_continuation = frame(9, 0x00, 5, &BLOCK_C32[6..10]);
    let last_continuation = frame(9, 0x04, 5, &BLOCK_C32[10..]);
    let mut expected_counts = ["4", "", "1"].into_iter();
    let mut infos = Vec::new();
    for bytes in [&headers, &first_continuation, &last_continuation] {
        let frame = parsed(bytes);
        let fragment = frame.header_block_fragment().expect("a fragment");
        let block = decoder.decode(fragment, frame.ends_headers());
        assert_eq!(block.error, None);
        let fields = fields_of(&frame, Some(&block));
        assert_eq!(joined(&fields, "http2.header.count"), expected_counts.next().unwrap_or_default());
        infos.push(summary_of(&frame, Some(&block)));
        if frame.kind() == FrameType::Continuation {
            assert_eq!(joined(&fields, "http2.pad_length"), "0");
        }
        if frame.ends_headers() {
            assert_eq!(joined(&fields, "http2.continuation.header"), "ache");
            assert_eq!(joined(&fields, "http2.header.length"), "29");
            assert_eq!(joined(&fields, "http2.headers.cache_control"), "no-cache");
            assert_eq!(joined(&fields, "http2.header.index"), "24");
        }
    }
    assert_eq!(infos, ["HEADERS[5]: GET /", "CONTINUATION[5]", "CONTINUATION[5]"]);
}

#[test]
fn a_new_headers_frame_drops_a_block_left_unfinished() {
    let mut decoder = HeaderDecoder::new();
    let cut = frame(1, 0x00, 1, &BLOCK_C31[..10]);
    let first = decoder.decode_frame(&parsed(&cut)).expect("HEADERS carry a block");
    assert_eq!((first.error.clone(), first.len()), (None, 3));
    // The CONTINUATION was lost; the next request's HEADERS decodes on its own.
    let next = frame(1, 0x04, 3, &[0x82, 0x86, 0x84]);
    let second = decoder.decode_frame(&parsed(&next)).expect("HEADERS carry a block");
    assert_eq!(second.error, Some(DecodeError::EndsInsideField));
    assert_eq!(second.len(), 3);
    assert!(decoder.decode_frame(&parsed(&frame(6, 0, 0, b"12345678"))).is_none());
}

#[test]
fn a_block_split_at_every_byte_decodes_the_same() {
    let whole = HeaderDecoder::new().decode_block(&BLOCK_C41);
    for cut in 0..=BLOCK_C41.len() {
        let mut decoder = HeaderDecoder::new();
        let first = decoder.decode(&BLOCK_C41[..cut], false);
        let second = decoder.decode(&BLOCK_C41[cut..], true);
        assert_eq!((first.error.clone(), second.error.clone()), (None, None), "cut at {cut}");
        let pairs: Vec<_> = first.fields().chain(second.fields()).collect();
        assert_eq!(pairs, whole.fields().collect::<Vec<_>>(), "cut at {cut}");
    }
}

#[test]
fn hpack_errors_are_reported_and_later_blocks_still_decode() {
    let mut decoder = HeaderDecoder::new();
    // Index 70 does not exist in an empty dynamic table.
    let bad = decoder.decode_block(&[0x82, 0xc6]);
    assert!(matches!(bad.error, Some(DecodeError::Hpack(_))), "{:?}", bad.error);
    assert_eq!(bad.fields().count(), 1);
    let good = decoder.decode_block(&BLOCK_C31);
    assert_eq!((good.error.clone(), good.len()), (None, 4));
    // A block that ends inside a field, and an integer that never ends.
    assert_eq!(decoder.decode_block(&[0x41, 0x0f, b'w']).error, Some(DecodeError::EndsInsideField));
    assert_eq!(
        decoder.decode_block(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).error,
        Some(DecodeError::IntegerTooLong)
    );
    // A size update above the cap is refused.
    let too_big = decoder.decode_block(&[0x3f, 0xe1, 0xff, 0x7f]);
    assert!(matches!(too_big.error, Some(DecodeError::Hpack(_))));
}

#[test]
fn size_updates_count_but_add_no_length() {
    let mut block = vec![0x3f, 0xe1, 0x1f]; // table size update to 4096
    block.extend_from_slice(&BLOCK_C31);
    let decoded = HeaderDecoder::new().decode_block(&block);
    assert_eq!(decoded.error, None);
    assert_eq!((decoded.len(), decoded.decoded_len()), (5, 84));
    assert!(
        matches!(decoded.entries().next(), Some(Entry::TableSizeUpdate { size: 4096, bytes }) if bytes == (0..3))
    );
    // A block of only a size update is accepted.
    let only = HeaderDecoder::new().decode_block(&[0x20]);
    assert_eq!((only.error.clone(), only.len()), (None, 1));
}

#[test]
fn decoded_size_is_capped() {
    let mut decoder = HeaderDecoder::new();
    // One 4000-byte field into the dynamic table, then a block referencing it many times.
    let mut insert = vec![0x40, 0x01, b'x']; // literal with incremental indexing, new name "x"
    insert.extend_from_slice(&[0x7f, 0xa1, 0x1e]); // value length 127 + 0x21 + (0x1e << 7) = 4000
    insert.extend_from_slice(&[b'v'; 4000]);
    assert_eq!(decoder.decode_block(&insert).error, None);
    let references = vec![0xbe; 100];
    let block = decoder.decode_block(&references);
    assert_eq!(block.error, None);
    assert!(block.dropped > 0);
    assert!(block.decoded_len() <= hpack::MAX_DECODED_LEN);
}

/// A frame, its Info entry and some of its fields with their values.
type Case = (Vec<u8>, &'static str, &'static [(&'static str, &'static str)]);

#[test]
fn frames_of_every_type_match_tshark() {
    let cases: [Case; 8] = [
        (frame(6, 0, 0, b"rttscope"), "PING[0]", &[("http2.ping", "72747473636f7065")]),
        (
            frame(6, 0x03, 0, b"12345678"),
            "PING[0]",
            &[("http2.pong", "3132333435363738"), ("http2.flags.unused_ping", "0x01")],
        ),
        (frame(3, 0, 5, &[0, 0, 0, 8]), "RST_STREAM[5]", &[("http2.rst_stream.error", "8")]),
        (
            frame(7, 0, 0, &[0x80, 0, 0, 3, 0, 0, 0, 2, b'b', b'y', b'e']),
            "GOAWAY[0]",
            &[
                ("http2.goway.r", "0x00000001"),
                ("http2.goaway.last_stream_id", "3"),
                ("http2.goaway.error", "2"),
                ("http2.goaway.addata", "627965"),
            ],
        ),
        (
            frame(8, 0, 1, &[0x80, 0, 0, 0x10]),
            "WINDOW_UPDATE[1]",
            &[("http2.window_update.r", "0x00000001"), ("http2.window_update.window_size_increment", "16")],
        ),
        (
            frame(2, 0, 3, &[0, 0, 0, 1, 199]),
            "PRIORITY[3]",
            &[
                ("http2.exclusive", "0"),
                ("http2.stream_dependency", "1"),
                ("http2.headers.weight", "199"),
                ("http2.headers.weight_real", "200"),
            ],
        ),
        (
            frame(0xfa, 0x05, 0, b"hello"),
            "Unknown type (250)[0]",
            &[("http2.unknown", "68656c6c6f"), ("http2.flags.unused", "0x05")],
        ),
        (
            frame(0, 0x0e, 1, &[2, b'a', b'b', b'c', 0, 0]),
            "DATA[1]",
            &[
                ("http2.padding", "0x02"),
                ("http2.pad_length", "2"),
                ("http2.data.data", "616263"),
                ("http2.data.padding", "0000"),
                ("http2.flags.unused_data", "0x03"),
            ],
        ),
    ];
    for (bytes, info, wanted) in cases {
        let frame = parsed(&bytes);
        assert!(frame.payload().is_ok(), "{info}");
        let fields = fields_of(&frame, None);
        for (name, value) in wanted {
            assert_eq!(joined(&fields, name), *value, "{info}: {name}");
        }
        assert_eq!(summary_of(&frame, None), info);
    }
}

#[test]
fn odd_flags_and_reserved_bits_show_as_tshark_shifts_them() {
    let bytes = frame(4, 0xff, 0x8000_0000, &[]);
    let frame = parsed(&bytes);
    assert!(frame.header.reserved);
    let fields = fields_of(&frame, None);
    assert_eq!(joined(&fields, "http2.flags.unused_settings"), "0x7f");
    assert_eq!(joined(&fields, "http2.flags.ack.settings"), "1");
    assert_eq!(joined(&fields, "http2.r"), "0x00000001");
    let headers = frame_with_flags(1, 0xec);
    assert_eq!(joined(&fields_of(&parsed(&headers), None), "http2.flags.unused_headers"), "0x60");
}

fn frame_with_flags(kind: u8, flags: u8) -> Vec<u8> {
    frame(kind, flags, 1, &[3, 0x80, 0, 0, 3, 255, 0x82, 0, 0, 0])
}

#[test]
fn malformed_frames_keep_what_tshark_read_and_say_so() {
    let short_priority = frame(2, 0, 3, &[0, 0]);
    let frame_ = parsed(&short_priority);
    assert!(matches!(frame_.payload(), Err(Error::Malformed(_))));
    assert_eq!(summary_of(&frame_, None), "PRIORITY[3][Malformed Packet]");
    assert_eq!(joined(&fields_of(&frame_, None), "http2.exclusive"), "");
    // A SETTINGS frame of three bytes: tshark shows the identifier, then gives up.
    let short_settings = frame(4, 0, 0, &[0, 1, 0]);
    let fields = fields_of(&parsed(&short_settings), None);
    assert_eq!(joined(&fields, "http2.settings.id"), "1");
    assert_eq!(summary_of(&parsed(&short_settings), None), "SETTINGS[0][Malformed Packet]");
    // Padding longer than the payload: the promised stream is still shown.
    let push = frame(5, 0x0c, 1, &[0x80, 0, 0, 2, 0x82]);
    let fields = fields_of(&parsed(&push), None);
    assert_eq!(joined(&fields, "http2.push_promise.promised_stream_id"), "642");
    assert_eq!(summary_of(&parsed(&push), None), "PUSH_PROMISE[1][Malformed Packet]");
    assert!(parsed(&push).header_block_fragment().is_none());
    // Lengths over the default maximum still parse.
    let big = frame(0, 0, 1, &vec![0; 20_000]);
    assert!(parsed(&big).header.exceeds_default_max());
}

#[test]
fn response_info_shows_status_and_description() {
    // :status 299 and content-type text/plain, literal with incremental indexing.
    let mut block = vec![0x48, 0x03, b'2', b'9', b'9', 0x5f, 0x0a];
    block.extend_from_slice(b"text/plain");
    let bytes = frame(1, 0x04, 1, &block);
    let frame = parsed(&bytes);
    let decoded = HeaderDecoder::new().decode_block(&block);
    assert_eq!(summary_of(&frame, Some(&decoded)), "HEADERS[1]: 299 Success - Others");
    let fields = fields_of(&frame, Some(&decoded));
    assert_eq!(joined(&fields, "http2.headers.status"), "299");
    assert_eq!(joined(&fields, "http2.headers.content_type"), "text/plain");
    assert_eq!(joined(&fields, "http2.header.length"), "48");
}

#[test]
fn paths_with_queries_and_escapes() {
    // :path "/a%20b?c" as a literal without indexing, indexed name 4.
    let mut block = vec![0x04, 0x08];
    block.extend_from_slice(b"/a%20b?c");
    let decoded = HeaderDecoder::new().decode_block(&block);
    let bytes = frame(1, 0x04, 1, &block);
    let fields = fields_of(&parsed(&bytes), Some(&decoded));
    assert_eq!(joined(&fields, "http2.header.unescaped"), "/a b?c");
    assert_eq!(joined(&fields, "http.path_segment"), "/a%20b");
    assert_eq!(joined(&fields, "http.path_sub_segment"), "c");
    assert_eq!(joined(&fields, "http2.header.repr"), "Literal Header Field without Indexing - Indexed Name");
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut decoder = HeaderDecoder::new();
    let base = [padded_headers(), SETTINGS.to_vec(), frame(9, 0x0c, 1, &BLOCK_C32)].concat();
    for _ in 0..3000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut bytes = base.clone();
        for shift in [8, 24, 40] {
            let at = (seed >> shift) as usize % bytes.len();
            bytes[at] = (seed >> (shift + 8)) as u8;
        }
        let mut rest = &bytes[..];
        while let Ok((after, frame)) = parse(rest) {
            let block =
                frame.header_block_fragment().map(|fragment| decoder.decode(fragment, frame.ends_headers()));
            let _ = fields_of(&frame, block.as_ref());
            let _ = summary_of(&frame, block.as_ref());
            let _ = frame.payload();
            rest = after;
        }
        let _ = decoder.decode(&bytes, seed.is_multiple_of(2));
    }
}
