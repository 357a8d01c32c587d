//! STUN messages spelled out byte by byte, read as tshark reads them.

use super::*;
use crate::dissect::Annotation;
use crate::dissect::field::Field;

fn fields(stun: &Stun<'_>, annotation: &Annotation) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    let mut sink = |field: Field<'_>| seen.push((field.name.to_owned(), field.value.to_string()));
    let tracked = Tracked { annotation, quoted_by: None };
    stun.fields(&mut Emitter::new(&mut sink, 0, Default::default()), &tracked);
    seen
}

fn values(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect()
}

fn summary(stun: &Stun<'_>) -> String {
    let mut line = String::new();
    stun.summary(&mut line, &Tracked { annotation: &Annotation::None, quoted_by: None }).expect("formatting");
    line
}

/// coturn's Binding success response (frame 4 of fixtures/interop/stun-coturn.pcap).
fn binding_response() -> Vec<u8> {
    let mut m = vec![
        0x01, 0x01, 0x00, 0x44, // Binding Success Response, 68 bytes of attributes
        0x21, 0x12, 0xa4, 0x42, // magic cookie
        0xf1, 0xa1, 0x5b, 0xb0, 0x83, 0x80, 0xd6, 0xb3, 0xf2, 0x71, 0xfb, 0x6f, // transaction ID
        0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xf3, 0xa3, 0x2b, 0x12, 0xc4, 0x43, // XOR-MAPPED-ADDRESS
        0x00, 0x01, 0x00, 0x08, 0x00, 0x01, 0xd2, 0xb1, 10, 0, 96, 1, // MAPPED-ADDRESS 10.0.96.1:53937
        0x80, 0x2b, 0x00, 0x08, 0x00, 0x01, 0x0d, 0x96, 10, 0, 96, 2, // RESPONSE-ORIGIN :3478
        0x80, 0x22, 0x00, 0x14, // SOFTWARE, 20 bytes
    ];
    m.extend(b"Coturn-4.6.1 'Gorst'");
    m.extend([0x80, 0x28, 0x00, 0x04]); // FINGERPRINT
    let crc = attributes::fingerprint(&m, m.len() - 4);
    m.extend(crc.to_be_bytes());
    m
}

#[test]
fn reads_a_binding_response_as_tshark_shows_it() {
    let bytes = binding_response();
    assert!(starts_like_stun(&bytes));
    let (rest, message) = parse(&bytes).expect("a whole message");
    assert!(rest.is_empty());
    assert_eq!(message.class(), class::SUCCESS_RESPONSE);
    assert_eq!(message.method(), 1);
    let stun = Stun::Message(message);
    let matched =
        Annotation::Stun(Matched { response_to: Some(3), time_ns: Some(5_822_000), duplicate_of: None });
    let fields = fields(&stun, &matched);
    assert_eq!(values(&fields, "stun.type"), ["0x0101"]);
    assert_eq!(values(&fields, "stun.type.class"), ["0x0010"]);
    assert_eq!(values(&fields, "stun.type.method"), ["0x0001"]);
    assert_eq!(values(&fields, "stun.id"), ["f1a15bb08380d6b3f271fb6f"]);
    assert_eq!(values(&fields, "stun.attribute"), ["0x0020", "0x0001", "0x802b", "0x8022", "0x8028"]);
    assert_eq!(
        values(&fields, "stun.att.type.comprehension"),
        ["0x0000", "0x0000", "0x0001", "0x0001", "0x0001"]
    );
    assert_eq!(values(&fields, "stun.att.ipv4"), ["10.0.96.1", "10.0.96.1", "10.0.96.2"]);
    assert_eq!(values(&fields, "stun.att.port"), ["53937", "53937", "3478"]);
    assert_eq!(values(&fields, "stun.att.port-xord"), ["f3a3"]);
    assert_eq!(values(&fields, "stun.att.ipv4-xord"), ["2b12c443"]);
    assert_eq!(values(&fields, "stun.att.reserved"), ["00", "00", "00"]);
    assert_eq!(values(&fields, "stun.att.software"), ["Coturn-4.6.1 'Gorst'"]);
    assert_eq!(values(&fields, "stun.att.crc32.status"), ["1"]);
    assert_eq!(values(&fields, "stun.response-to"), ["3"]);
    assert_eq!(values(&fields, "stun.time"), ["0.005822000"]);
    assert_eq!(
        summary(&stun),
        "Binding Success Response XOR-MAPPED-ADDRESS: 10.0.96.1:53937 MAPPED-ADDRESS: 10.0.96.1:53937 \
         RESPONSE-ORIGIN: 10.0.96.2:3478"
    );
}

#[test]
fn a_wrong_fingerprint_is_reported() {
    let mut bytes = binding_response();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let (_, message) = parse(&bytes).expect("a whole message");
    let fields = fields(&Stun::Message(message), &Annotation::None);
    assert_eq!(values(&fields, "stun.att.crc32.status"), ["0"]);
    assert!(message.attributes().any(|attribute| attribute.bad_fingerprint(message.bytes())));
}

#[test]
fn an_ipv6_xor_mapped_address_is_xored_with_the_transaction_id() {
    let mut m = vec![0x01, 0x01, 0x00, 0x18, 0x21, 0x12, 0xa4, 0x42];
    let id = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    m.extend(id);
    m.extend([0x00, 0x20, 0x00, 0x14, 0x00, 0x02]); // XOR-MAPPED-ADDRESS, IPv6
    m.extend((5000u16 ^ 0x2112).to_be_bytes());
    let address: std::net::Ipv6Addr = "fd00:96::1".parse().expect("an address");
    let key: Vec<u8> = [0x21, 0x12, 0xa4, 0x42].into_iter().chain(id).collect();
    m.extend(address.octets().iter().zip(&key).map(|(byte, key)| byte ^ key));
    let (_, message) = parse(&m).expect("a whole message");
    let stun = Stun::Message(message);
    let fields = fields(&stun, &Annotation::None);
    assert_eq!(values(&fields, "stun.att.ipv6"), ["fd00:96::1"]);
    assert_eq!(values(&fields, "stun.att.port"), ["5000"]);
    assert_eq!(summary(&stun), "Binding Success Response XOR-MAPPED-ADDRESS: fd00:96::1:5000");
}

#[test]
fn an_allocate_error_names_its_code_realm_and_nonce() {
    let mut m = vec![0x01, 0x13, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42];
    m.extend([7u8; 12]);
    m.extend([0x00, 0x09, 0x00, 0x10, 0, 0, 4, 1]); // ERROR-CODE 401
    m.extend(b"Unauthorized");
    m.extend([0x00, 0x15, 0x00, 0x04]); // NONCE
    m.extend(b"abcd");
    m.extend([0x00, 0x14, 0x00, 0x05]); // REALM, 5 bytes and 3 of padding
    m.extend(b"realm\0\0\0");
    let length = (m.len() - HEADER_LEN) as u16;
    m[2..4].copy_from_slice(&length.to_be_bytes());
    let (_, message) = parse(&m).expect("a whole message");
    let stun = Stun::Message(message);
    assert_eq!(
        summary(&stun),
        "Allocate Error Response error-code: 401 (Unauthenticated) Unauthorized with nonce realm: realm"
    );
    let fields = fields(&stun, &Annotation::None);
    assert_eq!(values(&fields, "stun.att.error.class"), ["4"]);
    assert_eq!(values(&fields, "stun.att.error"), ["1"]);
    assert_eq!(values(&fields, "stun.att.padding"), ["3"]);
    assert_eq!(values(&fields, "stun.att.reserved"), ["0000"]);
}

#[test]
fn an_attribute_past_its_message_is_malformed_with_its_name() {
    let mut m = binding_response();
    // SOFTWARE claims 200 bytes.
    let software = m.len() - 8 - 20 - 2;
    m[software..software + 2].copy_from_slice(&200u16.to_be_bytes());
    let Err(nom::Err::Error(Error::Malformed(reason))) = parse(&m) else { panic!("malformed") };
    assert!(reason.contains("SOFTWARE"), "{reason}");
    assert!(reason.contains("runs past its message"), "{reason}");
}

#[test]
fn every_truncation_of_a_message_is_truncated_and_nothing_panics() {
    let bytes = binding_response();
    for cut in 0..bytes.len() {
        match parse(&bytes[..cut]) {
            Err(nom::Err::Error(Error::Truncated { needed })) => {
                let whole = if cut < HEADER_LEN { HEADER_LEN } else { bytes.len() };
                assert_eq!(needed, whole - cut, "cut at {cut}");
            }
            other => panic!("cut at {cut}: {other:?}"),
        }
        assert!(!starts_like_stun(&bytes[..cut]));
        let _ = dissect(&bytes[..cut]);
    }
}

#[test]
fn channel_data_is_taken_on_the_port_and_not_by_the_heuristic() {
    let mut channel = vec![0x7c, 0x4e, 0x00, 0x05];
    channel.extend(b"hello");
    assert!(is_channel_data(&channel, false));
    assert!(!is_channel_data(&channel, true), "over TCP the padding is required");
    assert!(!starts_like_stun(&channel));
    let (content, next) = dissect(&channel).expect("ChannelData");
    let Content::Stun(stun) = content else { panic!("STUN") };
    assert_eq!(summary(&stun), "ChannelData TURN Message");
    assert_eq!(next, Next::Data(b"hello"));
    let fields = fields(&stun, &Annotation::None);
    assert_eq!(values(&fields, "stun.channel"), ["0x7c4e"]);
    assert_eq!(values(&fields, "stun.length"), ["5"]);
    // RTP's first byte (0x80) is not a channel.
    assert!(!is_channel_data(&[0x80, 0x60, 0x00, 0x00], false));
    let (content, _) = dissect(b"\x80\x60\x00\x00 not STUN").expect("data");
    assert!(matches!(content, Content::Data(_)));
}

#[test]
fn types_and_attributes_are_worded_and_titled_as_tsharks_tree() {
    assert_eq!(type_words(0x0101), "0x0101 (Binding Success Response)");
    assert_eq!(type_words(0x0113), "0x0113 (Allocate Error Response)");
    assert_eq!(class_words(0x10), "0x10 Success Response (2)");
    assert_eq!(class_words(0x11), "0x11 Error Response (3)");
    assert_eq!(class_words(0x01), "0x01 Indication (1)");
    assert_eq!(method_words(0x0009), "0x0009 Channel-Bind (0x009)");
    assert_eq!(method_words(0x3eef), "0x3eef Unknown (0xfff)");
    let bytes = binding_response();
    let (_, message) = parse(&bytes).expect("a whole message");
    let titles: Vec<Option<String>> =
        message.attributes().map(|attribute| attribute.title(message.bytes())).collect();
    assert_eq!(
        titles,
        [
            Some("XOR-MAPPED-ADDRESS: 10.0.96.1:53937".to_owned()),
            Some("MAPPED-ADDRESS: 10.0.96.1:53937".to_owned()),
            Some("RESPONSE-ORIGIN: 10.0.96.2:3478".to_owned()),
            Some("SOFTWARE".to_owned()),
            Some("FINGERPRINT".to_owned()),
        ]
    );
    // TURN's attributes, and RFC 3489's CHANGE-REQUEST with its two flags; an unnamed type has
    // no title.
    let attribute = |kind: u16, value: &'static [u8]| Attribute { kind, value, offset: HEADER_LEN };
    let title = |kind, value| attribute(kind, value).title(&bytes);
    assert_eq!(title(0x000d, &[0, 0, 2, 0x58]).as_deref(), Some("LIFETIME 600"));
    assert_eq!(title(0x0019, &[17, 0, 0, 0]).as_deref(), Some("REQUESTED-TRANSPORT: UDP"));
    assert_eq!(title(0x000c, &[0x40, 0x01, 0, 0]).as_deref(), Some("CHANNEL-NUMBER: 0x4001"));
    assert_eq!(
        title(0x0009, b"\0\0\x04\x01Unauthorized").as_deref(),
        Some("ERROR-CODE 401 (Unauthenticated): Unauthorized")
    );
    assert_eq!(title(0x0014, b"rttscope.test").as_deref(), Some("REALM: rttscope.test"));
    assert_eq!(title(0x0003, &[0, 0, 0, 6]).as_deref(), Some("CHANGE_REQUEST"));
    assert_eq!(title(0x7f00, &[]), None);
    let mut seen = Vec::new();
    let mut sink = |field: Field<'_>| seen.push((field.name.to_owned(), field.value.to_string()));
    attribute(0x0003, &[0, 0, 0, 4]).fields(&mut Emitter::new(&mut sink, 0, Default::default()), &bytes);
    assert_eq!(values(&seen, "stun.att.change-ip"), ["1"]);
    assert_eq!(values(&seen, "stun.att.change-port"), ["0"]);
}
