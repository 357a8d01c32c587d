use super::*;
use crate::dissect::Annotation;
use crate::dissect::field::Field;

/// A query for the A record of example.test, with an EDNS OPT record (dig's shape).
const QUERY: [u8; 41] = [
    0x12, 0x34, // ID
    0x01, 0x20, // flags: RD, AD
    0, 1, 0, 0, 0, 0, 0, 1, // one question, one additional record
    7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 4, b't', b'e', b's', b't', 0, // example.test
    0, 1, 0, 1, // type A, class IN
    0, // OPT: the root
    0, 41, // type OPT
    0x04, 0xd0, // UDP payload size 1232
    0, 0, 0, 0, // extended RCODE, version, flags
    0, 0, // no options
];

/// The response: the question, then an answer whose name points at the question's.
const RESPONSE: [u8; 46] = [
    0x12, 0x34, // ID
    0x81, 0x80, // flags: response, RD, RA
    0, 1, 0, 1, 0, 0, 0, 0, // one question, one answer
    7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 4, b't', b'e', b's', b't', 0, // example.test
    0, 1, 0, 1, // type A, class IN
    0xc0, 12, // the name at offset 12
    0, 1, 0, 1, // type A, class IN
    0, 0, 0x0e, 0x10, // TTL 3600
    0, 4, // data length
    192, 0, 2, 1, // 192.0.2.1
];

fn fields_of(message: &Message<'_>, annotation: &Annotation) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut sink = |field: Field<'_>| fields.push((field.name.to_owned(), field.value.to_string()));
    let mut out = Emitter::new(&mut sink, 0, crate::dissect::field::Source::Frame);
    message.fields(&mut out, &Tracked { annotation, quoted_by: None });
    fields
}

fn value(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields.iter().filter(|(field, _)| field == name).map(|(_, value)| value.clone()).collect()
}

fn summary(message: &Message<'_>) -> String {
    let mut text = String::new();
    message.summary(&mut text).expect("formatting");
    text
}

#[test]
fn a_query_reads_as_tshark_reads_it() {
    let (rest, query) = parse(&QUERY, Kind::Dns).expect("a whole query");
    assert!(rest.is_empty());
    assert_eq!(summary(&query), "Standard query 0x1234 A example.test OPT");
    let fields = fields_of(&query, &Annotation::None);
    assert_eq!(value(&fields, "dns.id"), ["0x1234"]);
    assert_eq!(value(&fields, "dns.flags"), ["0x0120"]);
    assert_eq!(value(&fields, "dns.flags.authenticated"), ["1"], "a query's AD bit, when set");
    assert!(value(&fields, "dns.flags.rcode").is_empty(), "a query has no reply code");
    assert_eq!(value(&fields, "dns.qry.name"), ["example.test"]);
    assert_eq!(value(&fields, "dns.qry.name.len"), ["12"]);
    assert_eq!(value(&fields, "dns.count.labels"), ["2"]);
    assert_eq!(value(&fields, "dns.qry.class"), ["0x0001"]);
    assert_eq!(value(&fields, "dns.resp.name"), ["<Root>"]);
    assert_eq!(value(&fields, "dns.rr.udp_payload_size"), ["1232"]);
    assert!(value(&fields, "dns.resp.ttl").is_empty(), "OPT has no TTL");
}

#[test]
fn a_response_follows_its_compressed_name_and_its_match() {
    let (_, response) = parse(&RESPONSE, Kind::Dns).expect("a whole response");
    assert_eq!(summary(&response), "Standard query response 0x1234 A example.test A 192.0.2.1");
    let matched = Annotation::Dns(Matched::Response { request_frame: 3, time_ns: 1_500_000 });
    let fields = fields_of(&response, &matched);
    assert_eq!(value(&fields, "dns.resp.name"), ["example.test"]);
    assert_eq!(value(&fields, "dns.resp.ttl"), ["3600"]);
    assert_eq!(value(&fields, "dns.a"), ["192.0.2.1"]);
    assert_eq!(value(&fields, "dns.flags.rcode"), ["0"]);
    assert_eq!(value(&fields, "dns.response_to"), ["3"]);
    assert_eq!(value(&fields, "dns.time"), ["0.001500000"]);
    let unsolicited = fields_of(&response, &Annotation::Dns(Matched::Unsolicited));
    assert_eq!(value(&unsolicited, "dns.unsolicited"), ["1"]);
}

#[test]
fn every_truncation_is_reported() {
    for message in [&QUERY[..], &RESPONSE[..]] {
        for cut in (0..2).chain(HEADER_LEN..message.len()) {
            let error = parse(&message[..cut], Kind::Dns).map_err(into_error).expect_err("cut short");
            assert!(matches!(error, Error::Truncated { .. }), "cut at {cut}: {error}");
        }
    }
}

#[test]
fn a_header_cut_short_shows_the_fields_that_fit() {
    // The first four bytes, as an ICMP error quotes them after the UDP header.
    let (rest, cut) = parse(&QUERY[..4], Kind::Dns).expect("a header cut short");
    assert!(rest.is_empty());
    let fields = fields_of(&cut, &Annotation::None);
    assert_eq!(value(&fields, "dns.id"), ["0x1234"]);
    assert_eq!(value(&fields, "dns.flags.recdesired"), ["1"]);
    assert!(value(&fields, "dns.count.queries").is_empty());
    assert_eq!(summary(&cut), "Standard query 0x1234 (cut short: 4 of 12 header bytes)");
    let fields = fields_of(&parse(&QUERY[..3], Kind::Dns).expect("the ID only").1, &Annotation::None);
    assert_eq!((value(&fields, "dns.id"), value(&fields, "dns.flags")), (vec!["0x1234".to_owned()], vec![]));
}

#[test]
fn a_framed_message_is_read_behind_its_length_and_cut_short_waits() {
    let mut framed = vec![0, RESPONSE.len() as u8];
    framed.extend(RESPONSE);
    framed.extend([0xaa]);
    let (rest, message) = parse_framed(&framed).expect("a whole framed message");
    assert_eq!(rest, [0xaa]);
    assert_eq!(message.header_len(), 2 + RESPONSE.len());
    assert_eq!(value(&fields_of(&message, &Annotation::None), "dns.length"), [RESPONSE.len().to_string()]);
    for cut in 0..framed.len() - 1 {
        let error = parse_framed(&framed[..cut]).map_err(into_error).expect_err("cut short");
        // Until the length is read, only its two bytes are known to be missing.
        let needed = if cut < 2 { 2 - cut } else { framed.len() - 1 - cut };
        assert_eq!(error, Error::Truncated { needed }, "cut at {cut}");
    }
    // A length shorter than the message inside it is malformed, not truncated.
    let mut short = vec![0, 20];
    short.extend(RESPONSE);
    assert!(matches!(parse_framed(&short).map_err(into_error), Err(Error::Malformed(_))));
}

#[test]
fn a_compression_loop_in_an_answer_is_malformed() {
    let mut message = RESPONSE;
    // The answer's name points at itself.
    message[30] = 0xc0;
    message[31] = 30;
    let error = parse(&message, Kind::Dns).map_err(into_error).expect_err("a loop");
    assert!(error.to_string().contains("does not point backwards"), "{error}");
}

#[test]
fn a_question_name_over_255_bytes_is_malformed() {
    let mut message = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    for _ in 0..5 {
        message.push(50);
        message.extend([b'a'; 50]);
    }
    message.extend([0, 0, 1, 0, 1]);
    let error = parse(&message, Kind::Dns).map_err(into_error).expect_err("too long");
    assert!(error.to_string().contains("longer than 255 bytes"), "{error}");
}

#[test]
fn record_data_that_does_not_fit_its_type_is_malformed() {
    let mut message = RESPONSE.to_vec();
    // An A record of 3 bytes.
    message[41] = 3;
    message.pop();
    let error = parse(&message, Kind::Dns).map_err(into_error).expect_err("a short address");
    assert_eq!(error.to_string(), "malformed: A record data is not 4 bytes");
}

#[test]
fn mdns_and_llmnr_read_their_own_bits() {
    // An mDNS question asking for a unicast answer (the class's top bit).
    let mut query = QUERY[..30].to_vec();
    query[11] = 0;
    query[2] = 0;
    query[3] = 0;
    query[28] = 0x80;
    let (_, mdns) = parse(&query, Kind::Mdns).expect("an mDNS query");
    assert_eq!(summary(&mdns), "Standard query 0x1234 A example.test, \"QU\" question");
    let fields = fields_of(&mdns, &Annotation::None);
    assert_eq!(value(&fields, "dns.qry.class"), ["0x0001"]);
    assert_eq!(value(&fields, "dns.qry.qu"), ["1"]);
    assert_eq!(mdns.protocol(), Protocol::Mdns);
    assert_eq!(mdns.also_emits(), ["dns"]);
    // LLMNR: C where DNS has AA, T where it has RD.
    let (_, llmnr) = parse(&RESPONSE, Kind::Llmnr).expect("an LLMNR response");
    let fields = fields_of(&llmnr, &Annotation::None);
    assert_eq!(value(&fields, "dns.flags.tentative"), ["1"]);
    assert_eq!(value(&fields, "dns.flags.conflict"), ["0"]);
    assert!(value(&fields, "dns.flags.recavail").is_empty());
}

#[test]
fn a_reply_code_and_an_unknown_type_are_named() {
    let mut message = RESPONSE;
    message[3] = 0x83; // NXDOMAIN
    message[33] = 0xff; // the answer's type: 0x00ff is ANY; make it 65280 below
    message[32] = 0xff;
    message[33] = 0x00;
    let (_, response) = parse(&message, Kind::Dns).expect("a response");
    assert_eq!(
        summary(&response),
        "Standard query response 0x1234 No such name A example.test Unknown (65280)"
    );
    let fields = fields_of(&response, &Annotation::None);
    assert_eq!(value(&fields, "dns.data"), ["c0000201"]);
    assert_eq!(value(&fields, "dns.undecoded.type"), ["1"]);
}
