use super::*;
use crate::dissect::field::Field;

/// `name` with `suffix`, first-level encoded (RFC 1001 section 14.1), ended by the root.
fn encoded(name: &str, suffix: u8) -> Vec<u8> {
    let mut raw = format!("{name:<15}").into_bytes();
    raw.push(suffix);
    let mut out = vec![32];
    for byte in raw {
        out.extend([b'A' + (byte >> 4), b'A' + (byte & 0x0f)]);
    }
    out.push(0);
    out
}

/// A name query for WORKGROUP<1d>, recursion desired.
fn query() -> Vec<u8> {
    let mut bytes = vec![0x17, 0x01, 0x01, 0x10, 0, 1, 0, 0, 0, 0, 0, 0];
    bytes.extend(encoded("WORKGROUP", 0x1d));
    bytes.extend([0, 0x20, 0, 1]);
    bytes
}

/// A registration request: RTTSCOPE<00>, and its additional record pointing at the question's
/// name (0xc00c), a P-node's address 10.0.17.2.
fn registration() -> Vec<u8> {
    let mut bytes = vec![0x17, 0x03, 0x29, 0x00, 0, 1, 0, 0, 0, 0, 0, 1];
    bytes.extend(encoded("RTTSCOPE", 0x00));
    bytes.extend([0, 0x20, 0, 1]);
    bytes.extend([0xc0, 0x0c, 0, 0x20, 0, 1, 0, 0x04, 0x93, 0xe0, 0, 6, 0x20, 0x00, 10, 0, 17, 2]);
    bytes
}

/// A node status answer for `*<00>`: one name, then the unit ID and the statistics.
fn node_status() -> Vec<u8> {
    let mut bytes = vec![0x17, 0x02, 0x84, 0x00, 0, 0, 0, 1, 0, 0, 0, 0];
    bytes.extend(encoded("*", 0x00));
    bytes.extend([0, 0x21, 0, 1, 0, 0, 0, 0]);
    let mut rdata = vec![1];
    rdata.extend(b"RTTSCOPE       \x00");
    rdata.extend([0x04, 0x00]);
    rdata.extend([2, 0, 0, 0, 0x17, 1]);
    rdata.extend([0; 40]);
    bytes.extend((rdata.len() as u16).to_be_bytes());
    bytes.extend(rdata);
    bytes
}

fn fields_of(bytes: &[u8]) -> Vec<(&'static str, String)> {
    let (_, message) = parse(bytes).expect("a whole message");
    let mut seen = Vec::new();
    let mut sink = |field: Field<'_>| seen.push((field.name, field.value.to_string()));
    message.fields(&mut Emitter::new(&mut sink, 0, Default::default()));
    seen
}

fn values(seen: &[(&str, String)], name: &str) -> Vec<String> {
    seen.iter().filter(|(n, _)| *n == name).map(|(_, v)| v.clone()).collect()
}

fn summary_of(bytes: &[u8]) -> String {
    let (_, message) = parse(bytes).expect("a whole message");
    let mut summary = String::new();
    message.summary(&mut summary).expect("formatting");
    summary
}

#[test]
fn reads_a_broadcast_name_query() {
    let seen = fields_of(&query());
    assert_eq!(values(&seen, "nbns.id"), ["0x1701"]);
    assert_eq!(values(&seen, "nbns.flags"), ["0x0110"]);
    assert_eq!(values(&seen, "nbns.flags.broadcast"), ["1"]);
    assert!(values(&seen, "nbns.flags.rcode").is_empty(), "a request has no reply code");
    assert_eq!(values(&seen, "nbns.name"), ["WORKGROUP<1d>"]);
    assert_eq!(values(&seen, "nbns.type"), ["32"]);
    assert_eq!(summary_of(&query()), "Name query NB WORKGROUP<1d>");
}

#[test]
fn a_registration_record_points_at_its_question() {
    let bytes = registration();
    let seen = fields_of(&bytes);
    assert_eq!(values(&seen, "nbns.name"), ["RTTSCOPE<00>", "RTTSCOPE<00> (Workstation/Redirector)"]);
    assert_eq!(values(&seen, "nbns.ttl"), ["300000"]);
    assert_eq!(values(&seen, "nbns.nb_flags"), ["0x2000"]);
    assert_eq!(values(&seen, "nbns.nb_flags.ont"), ["1"]);
    assert_eq!(values(&seen, "nbns.addr"), ["10.0.17.2"]);
    assert_eq!(summary_of(&bytes), "Registration NB RTTSCOPE<00>");
}

#[test]
fn a_response_shows_its_answers_and_a_failing_reply_code() {
    let mut bytes = vec![0x17, 0x04, 0x85, 0x03, 0, 0, 0, 1, 0, 0, 0, 0];
    bytes.extend(encoded("NOSUCHNAME", 0x20));
    bytes.extend([0, 0x20, 0, 1, 0, 0, 0, 0, 0, 6, 0x80, 0, 10, 0, 17, 1]);
    assert_eq!(summary_of(&bytes), "Name query response, Requested name does not exist NB 10.0.17.1");
    let seen = fields_of(&bytes);
    assert_eq!(values(&seen, "nbns.flags.rcode"), ["3"]);
    assert_eq!(values(&seen, "nbns.nb_flags.group"), ["1"]);
    assert_eq!(values(&seen, "nbns.name"), ["NOSUCHNAME<20> (Server service)"]);
}

#[test]
fn reads_a_node_status_answer() {
    let bytes = node_status();
    let seen = fields_of(&bytes);
    assert_eq!(values(&seen, "nbns.name"), ["*<00>"]);
    assert_eq!(values(&seen, "nbns.number_of_names"), ["1"]);
    assert_eq!(values(&seen, "nbns.netbios_name"), ["RTTSCOPE"]);
    assert_eq!(values(&seen, "nbns.name_flags"), ["0x0400"]);
    assert_eq!(values(&seen, "nbns.name_flags.act"), ["1"]);
    assert_eq!(values(&seen, "nbns.unit_id"), ["02:00:00:00:17:01"]);
    assert_eq!(values(&seen, "nbns.version_number"), ["0x0000"]);
    assert_eq!(values(&seen, "nbns.session_data_packet_size"), ["0"]);
    assert_eq!(summary_of(&bytes), "Name query response NBSTAT");
}

#[test]
fn a_short_node_status_record_shows_what_it_holds() {
    let mut bytes = node_status();
    // keep the name and its flags and four bytes of the unit ID
    let keep = bytes.len() - 42;
    bytes.truncate(keep);
    let rdlength = (bytes.len() - (HEADER_LEN + 34 + 10)) as u16;
    let at = HEADER_LEN + 34 + 8;
    bytes[at..at + 2].copy_from_slice(&rdlength.to_be_bytes());
    let seen = fields_of(&bytes);
    assert_eq!(values(&seen, "nbns.netbios_name"), ["RTTSCOPE"]);
    assert!(values(&seen, "nbns.unit_id").is_empty());
}

#[test]
fn names_tshark_calls_illegal_are_shown_as_it_shows_them() {
    let mut bytes = query();
    bytes[HEADER_LEN + 1] = b'a';
    assert_eq!(
        values(&fields_of(&bytes), "nbns.name"),
        ["Illegal NetBIOS name (1st character not between A and Z in first-level encoding)"]
    );
    let mut short = vec![0x17, 0x01, 0x01, 0x10, 0, 1, 0, 0, 0, 0, 0, 0, 4];
    short.extend(b"ABCD\x00\x00\x20\x00\x01");
    assert_eq!(values(&fields_of(&short), "nbns.name"), ["Illegal NetBIOS name (2 bytes long)"]);
    let mut scoped = query();
    let root = HEADER_LEN + 33;
    scoped.splice(root..root, *b"\x03lan");
    assert_eq!(values(&fields_of(&scoped), "nbns.name"), ["WORKGROUP<1d>.lan"]);
}

#[test]
fn a_compression_loop_is_malformed() {
    let mut bytes = vec![0x17, 0x01, 0x01, 0x10, 0, 1, 0, 0, 0, 0, 0, 0];
    bytes.extend([0xc0, 12, 0, 0x20, 0, 1]);
    assert!(matches!(parse(&bytes), Err(nom::Err::Error(Error::Malformed(_)))));
}

#[test]
fn every_truncation_is_reported() {
    for bytes in [query(), registration(), node_status()] {
        for cut in 0..bytes.len() {
            assert!(
                matches!(parse(&bytes[..cut]), Err(nom::Err::Error(Error::Truncated { .. }))),
                "cut at {cut} of {}",
                bytes.len()
            );
        }
        let (rest, _) = parse(&bytes).expect("whole");
        assert!(rest.is_empty());
    }
}

#[test]
fn bytes_after_the_last_record_are_left_as_a_trailer() {
    let mut bytes = query();
    bytes.extend([0xde, 0xad]);
    let (rest, message) = parse(&bytes).expect("a whole message");
    assert_eq!(rest, [0xde, 0xad]);
    assert_eq!(message.header_len(), bytes.len() - 2);
}
