use super::*;
use crate::crypto::hex;

fn text(line: &Line) -> (String, String) {
    let show = |bytes: &Option<Vec<u8>>| match bytes {
        Some(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        None => "?".to_owned(),
    };
    (show(&line.name), show(&line.value))
}

fn lines(section: &FieldSection) -> Vec<(String, String)> {
    section.lines.iter().map(text).collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
}

#[test]
fn an_aioquic_request_and_response_read_as_pylsqpack_reads_them() {
    // From quic-h3-aioquic.pcap; the expected lines are pylsqpack's decoding of the same bytes.
    let request =
        decode(&hex("0000d1d75088416cee5b1749509f51886272d141d74f94ff5f508bb129410f595635492d87af"));
    assert_eq!(request.error, None);
    assert_eq!(
        lines(&request),
        pairs(&[
            (":method", "GET"),
            (":scheme", "https"),
            (":authority", "server.test"),
            (":path", "/hello.txt"),
            ("user-agent", "rttscope-interop"),
        ])
    );
    let reprs: Vec<_> = request.lines.iter().map(|line| (line.repr, line.table)).collect();
    assert_eq!(reprs[0], (Repr::Indexed, Some(Table::Static(17))));
    assert_eq!(reprs[2], (Repr::NameReference, Some(Table::Static(0))));
    assert_eq!(request.lines[2].bytes, 4..14);
    assert_eq!(request.get(":path"), Some(&b"/hello.txt"[..]));
    let response = decode(&hex("0000d9f554023434"));
    assert_eq!(
        lines(&response),
        pairs(&[(":status", "200"), ("content-type", "text/plain"), ("content-length", "44")])
    );
}

#[test]
fn rfc_9204_b1_literal_with_name_reference() {
    let section = decode(&hex("0000 510b 2f696e6465782e68746d6c"));
    assert_eq!(lines(&section), pairs(&[(":path", "/index.html")]));
    assert_eq!(section.required_insert_count, 0);
}

#[test]
fn literal_names_and_huffman_names() {
    // 001NHxxx: a plain name, then a Huffman-coded one (pylsqpack's encoding of x-custom).
    let plain = decode(&hex("0000 2378 2d61 0162"));
    assert_eq!(lines(&plain), pairs(&[("x-a", "b")]));
    assert_eq!(plain.lines[0].repr, Repr::Literal);
    let coded = decode(&hex("0000 2ef2b12d424f4f 01 76"));
    assert_eq!(coded.error, None);
    assert_eq!(lines(&coded), pairs(&[("x-custom", "v")]));
}

#[test]
fn dynamic_references_are_kept_with_their_index() {
    // RFC 9204 B.2's field section: two post-base indexed lines.
    let section = decode(&hex("0381 10 11"));
    assert_eq!(section.required_insert_count, 3);
    assert!(section.uses_dynamic_table());
    let tables: Vec<_> = section.lines.iter().map(|line| line.table).collect();
    assert_eq!(tables, [Some(Table::DynamicPostBase(0)), Some(Table::DynamicPostBase(1))]);
    assert_eq!(lines(&section), pairs(&[("?", "?"), ("?", "?")]));
    // A relative name reference keeps its literal value; the next line is still read.
    let mixed = decode(&hex("0200 4103 616263 d1"));
    assert_eq!(lines(&mixed), pairs(&[("?", "abc"), (":method", "GET")]));
    assert_eq!(mixed.lines[0].table, Some(Table::Dynamic(1)));
}

#[test]
fn bad_sections_say_why_and_keep_what_came_before() {
    assert_eq!(decode(&hex("0000 d1 ff24")).error, Some(Error::NoSuchStaticEntry(99)));
    assert_eq!(lines(&decode(&hex("0000 d1 ff24"))), pairs(&[(":method", "GET")]));
    assert_eq!(decode(&hex("0000 ffffffffffffffffffff01")).error, Some(Error::IntegerOverflow));
    assert_eq!(decode(&hex("0000 5181 00")).error, Some(Error::BadHuffman), "padding of zeros");
    assert_eq!(decode(&hex("0000 517f ff")).error, Some(Error::Truncated), "a length past the end");
    // Up to the line limit, and no further.
    let mut many = vec![0, 0];
    many.resize(2 + MAX_LINES + 1, 0xd1);
    let section = decode(&many);
    assert_eq!((section.lines.len(), section.error), (MAX_LINES, Some(Error::TooManyLines)));
}

#[test]
fn every_truncation_reads_the_whole_lines_before_it() {
    let bytes = hex("0000d1d75088416cee5b1749509f51886272d141d74f94ff5f508bb129410f595635492d87af");
    let whole = decode(&bytes);
    for cut in 0..bytes.len() {
        let section = decode(&bytes[..cut]);
        let complete = whole.lines.iter().filter(|line| line.bytes.end <= cut).count();
        assert_eq!(section.lines.len(), complete, "cut at {cut}");
        assert_eq!(section.lines[..], whole.lines[..complete]);
        let ends_on_a_line = cut >= 2 && whole.lines.iter().any(|line| line.bytes.end == cut);
        if cut > 2 && !ends_on_a_line {
            assert_eq!(section.error, Some(Error::Truncated), "cut at {cut}");
        }
    }
}

#[test]
fn the_static_table_has_rfc_9204s_landmarks() {
    // Checked entry by entry against ls-qpack's encoder (pylsqpack) when written.
    assert_eq!(STATIC_TABLE[0], (":authority", ""));
    assert_eq!(STATIC_TABLE[17], (":method", "GET"));
    assert_eq!(STATIC_TABLE[25], (":status", "200"));
    assert_eq!(STATIC_TABLE[63], (":status", "100"));
    assert_eq!(STATIC_TABLE[98], ("x-frame-options", "sameorigin"));
}
