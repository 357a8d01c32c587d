//! The DTLS layer's fields and Info column, from records spelled out byte by byte.

use super::*;
use crate::dissect::field::{Field, Source};

/// Every field a layer emits, as `name=value`.
fn fields_of(dtls: &Dtls<'_>) -> Vec<String> {
    let mut names = Vec::new();
    let mut sink = |field: Field<'_>| names.push(format!("{}={}", field.name, field.value));
    let annotation = crate::dissect::Annotation::None;
    let tracked = Tracked { annotation: &annotation, quoted_by: None };
    LayerHeader::fields(dtls, &mut Emitter::new(&mut sink, 0, Source::Frame), &tracked);
    names
}

#[test]
fn a_hello_verify_request_shows_its_cookie_under_dtls_names() {
    // record: handshake, DTLS 1.0, epoch 0, sequence 0, length 17
    let mut bytes = vec![22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17];
    // HelloVerifyRequest, length 5, message_seq 0, fragment offset 0, fragment length 5
    bytes.extend([3, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 5]);
    // server_version DTLS 1.0, a cookie of two bytes
    bytes.extend([0xfe, 0xff, 2, 0xc0, 0x0c]);
    let parsed = record::parse(&bytes, 0).expect("a whole record");
    let (header, fragment_bytes) = record::parse_fragment(parsed.body).expect("a whole fragment");
    assert_eq!(fragment_bytes.len(), 5);
    let span = Span::new(&bytes, Source::Frame, 0);
    let fragment = Fragment { header, span: span.slice(13, bytes.len()), assembly: Assembly::Whole };
    let mut record = Record {
        header: parsed.header,
        span,
        header_len: 13,
        content: Content::Clear,
        fragments: SmallVec::new(),
        session_version: None,
    };
    record.fragments.push(fragment);
    let mut dtls = Dtls { records: SmallVec::new(), version: Some(0xfeff), key_exchange: Default::default() };
    dtls.records.push(record);
    let fields = fields_of(&dtls);
    for expected in [
        "dtls.record.content_type=22",
        "dtls.record.version=0xfeff",
        "dtls.record.epoch=0",
        "dtls.record.length=17",
        "dtls.handshake.type=3",
        "dtls.handshake.message_seq=0",
        "dtls.handshake.fragment_length=5",
        "dtls.handshake.version=0xfeff",
        "dtls.handshake.cookie_length=2",
        "dtls.handshake.cookie=c00c",
    ] {
        assert!(fields.iter().any(|field| field == expected), "{expected} in {fields:?}");
    }
    assert!(fields.iter().all(|field| field.starts_with("dtls.")), "{fields:?}");
    let mut info = String::new();
    dtls.write_info(&mut info).expect("writes");
    assert_eq!(info, "Hello Verify Request");
    assert_eq!(dtls.column_name(), "DTLSv1.0");
}

#[test]
fn an_ack_shows_its_record_numbers_and_a_cut_one_what_it_holds() {
    // one RecordNumber: epoch 2, sequence number 1
    let mut ack = vec![0, 16];
    ack.extend(2u64.to_be_bytes());
    ack.extend(1u64.to_be_bytes());
    for cut in 0..=ack.len() {
        let mut names = Vec::new();
        let mut sink = |field: Field<'_>| names.push(format!("{}={}", field.name, field.value));
        ack_fields(&mut Emitter::new(&mut sink, 0, Source::Decrypted), &ack[..cut]);
        let expected: &[&str] = match cut {
            0 | 1 => &["dtls.ack_message=1"],
            _ => &["dtls.ack_message=1", "dtls.ack.record_numbers_length=16", "dtls.ack.record_numbers=1"],
        };
        assert_eq!(names, expected, "cut at {cut}");
    }
}
