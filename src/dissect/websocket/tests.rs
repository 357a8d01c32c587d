use super::*;
use crate::dissect::field::{Field, Source};

/// A client's text frame "Hi": FIN, text, masked with 37 fa 21 3d (RFC 6455 section 5.7).
const MASKED_HELLO: [u8; 11] = [
    0x81, // FIN, opcode 1 (text)
    0x85, // MASK, payload length 5
    0x37, 0xfa, 0x21, 0x3d, // masking key
    0x7f, 0x9f, 0x4d, 0x51, 0x58, // "Hello", masked
];

#[test]
fn a_masked_text_frame_is_read_and_unmasked() {
    let (rest, header) = parse_header(&MASKED_HELLO).expect("a whole header");
    assert_eq!(rest.len(), 5);
    assert_eq!(
        header,
        Header {
            fin: true,
            rsv: 0,
            opcode: opcode::TEXT,
            short_len: 5,
            payload_len: 5,
            masking_key: Some([0x37, 0xfa, 0x21, 0x3d]),
            len: 6
        }
    );
    let mut payload = rest.to_vec();
    unmask(&mut payload, [0x37, 0xfa, 0x21, 0x3d]);
    assert_eq!(payload, b"Hello");
}

#[test]
fn extended_lengths_of_16_and_64_bits_are_read() {
    // FIN, binary, unmasked, 126: a 16-bit length of 256 follows (RFC 6455 section 5.7).
    let (_, header) = parse_header(&[0x82, 0x7e, 0x01, 0x00]).expect("16-bit length");
    assert_eq!((header.short_len, header.payload_len, header.len), (126, 256, 4));
    // 127: a 64-bit length of 65536, then a masking key.
    let bytes = [0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4];
    let (_, header) = parse_header(&bytes).expect("64-bit length");
    assert_eq!((header.short_len, header.payload_len, header.len), (127, 65536, 14));
    assert_eq!(header.masking_key, Some([1, 2, 3, 4]));
}

#[test]
fn a_header_cut_short_says_how_much_more_it_needs_at_every_point() {
    let bytes = [0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4];
    for len in 0..bytes.len() {
        let needed = if len < 2 { 2 - len } else { bytes.len() - len };
        assert_eq!(parse_header(&bytes[..len]), Err(Error::truncated(needed)), "cut at {len}");
    }
}

#[test]
fn a_frame_announcing_2_to_the_63_bytes_is_malformed_with_its_reason() {
    let bytes = [0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0];
    let Err(nom::Err::Error(Error::Malformed(reason))) = parse_header(&bytes) else {
        panic!("not malformed");
    };
    assert!(reason.contains("9223372036854775808"), "{reason}");
    assert!(reason.contains("most significant bit"), "{reason}");
}

#[test]
fn rsv1_is_the_compressed_bit_and_the_info_reads_as_wiresharks() {
    // RSV1, text, not FIN, masked, length 0.
    let (_, header) = parse_header(&[0x41, 0x80, 0, 0, 0, 0]).expect("header");
    assert!(header.rsv1() && !header.fin);
    let frame = Frame {
        header,
        span: Span::new(&[], Source::Stream, 0),
        payload: Span::new(&[], Source::Stream, 0),
        deflate: true,
        message: None,
    };
    let mut info = String::new();
    frame.summary(&mut info).expect("writes");
    assert_eq!(info, "WebSocket Text[FRAGMENT]  [MASKED]");
    let (_, header) = parse_header(&[0x8a, 0x00]).expect("header");
    let frame = Frame { header, ..frame };
    info.clear();
    frame.summary(&mut info).expect("writes");
    assert_eq!(info, "WebSocket Pong [FIN] ");
}

#[test]
fn a_close_frame_gives_its_code_and_reason() {
    // FIN, close, unmasked, length 5: code 1000, reason "bye".
    let bytes = [0x88, 0x05, 0x03, 0xe8, b'b', b'y', b'e'];
    let (rest, header) = parse_header(&bytes).expect("header");
    let frame = Frame {
        header,
        span: Span::new(&bytes, Source::Stream, 0),
        payload: Span::new(rest, Source::Stream, 2),
        deflate: false,
        message: None,
    };
    let mut fields = Vec::new();
    let mut sink = |field: Field<'_>| fields.push((field.name, field.value.to_string()));
    frame.fields(&mut Emitter::new(&mut sink, 0, Source::Stream));
    let names: Vec<_> = fields.iter().map(|(name, value)| format!("{name}={value}")).collect();
    assert_eq!(
        names,
        [
            "websocket.fin=1",
            "websocket.rsv=0x00",
            "websocket.opcode=8",
            "websocket.mask=0",
            "websocket.payload_length=5",
            "websocket.payload=1",
            "websocket.payload.close=1",
            "websocket.payload.close.status_code=1000",
            "websocket.payload.close.reason=bye",
        ]
    );
}

#[test]
fn a_64_bit_length_and_a_reserved_opcode_are_shown() {
    // FIN, opcode 3 (reserved data), unmasked, 127: a 64-bit length of 2, then "ab".
    let bytes = [0x83, 0x7f, 0, 0, 0, 0, 0, 0, 0, 2, b'a', b'b'];
    let (rest, header) = parse_header(&bytes).expect("header");
    let payload = Span::new(rest, Source::Stream, 10);
    let message = Message { opcode: 3, data: payload, fragments: None };
    let frame = Frame {
        header,
        span: Span::new(&bytes, Source::Stream, 0),
        payload,
        deflate: false,
        message: Some(message),
    };
    let mut fields = Vec::new();
    let mut sink = |field: Field<'_>| fields.push(format!("{}={}", field.name, field.value));
    frame.fields(&mut Emitter::new(&mut sink, 0, Source::Stream));
    assert!(fields.contains(&"websocket.payload_length=127".to_owned()), "{fields:?}");
    assert!(fields.contains(&"websocket.payload_length_ext_64=2".to_owned()), "{fields:?}");
    assert!(fields.contains(&"websocket.payload.unknown=6162".to_owned()), "{fields:?}");
    assert_eq!(frame.carried(), None, "an unknown opcode hands nothing on");
}
