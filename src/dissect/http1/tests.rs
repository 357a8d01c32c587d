use super::*;
use crate::dissect::field::Field;

/// curl's request in fixtures/interop/lo-http.pcap, frame 4.
const REQUEST: &[u8] = b"\
GET /hello.txt HTTP/1.1\r\n\
Host: 127.0.0.1:8080\r\n\
User-Agent: curl/7.88.1\r\n\
Accept: */*\r\n\
\r\n";

/// Python's answer in the same capture (frames 6 and 8): HTTP/1.0, Content-Length 42.
const RESPONSE_HEAD: &[u8] = b"\
HTTP/1.0 200 OK\r\n\
Server: SimpleHTTP/0.6 Python/3.11.7\r\n\
Date: Sun, 22 Nov 2026 07:44:16 GMT\r\n\
Content-type: text/plain\r\n\
Content-Length: 42\r\n\
Last-Modified: Sun, 22 Nov 2026 07:44:15 GMT\r\n\
\r\n";
const RESPONSE_BODY: &[u8] = b"rttscope interop fixture: hello over HTTP\n";

/// A chunked response: status line, four fields, then two chunks, the last chunk, a trailer.
const CHUNKED_HEAD: &[u8] = b"\
HTTP/1.1 200 OK\r\n\
Server: srv/1\r\n\
Content-Type: text/html; charset=UTF-8\r\n\
Transfer-Encoding: chunked\r\n\
Connection: keep-alive\r\n\
\r\n";
const CHUNKED_BODY: &[u8] = b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: yes\r\n\r\n";

/// The fields a message emits, each value as `tshark -T fields` prints it.
fn fields_of(message: &Message<'_>, conversation: &Conversation) -> Vec<(&'static str, String)> {
    let mut fields = Vec::new();
    let mut sink = |field: Field<'_>| fields.push((field.name, escape_for_fields(&field.value.to_string())));
    message.fields(&mut Emitter::new(&mut sink, 0, Default::default()), conversation);
    fields
}

/// The values of one field, joined with commas as tshark joins them.
fn joined(fields: &[(&'static str, String)], name: &str) -> String {
    fields
        .iter()
        .filter(|(field, _)| *field == name)
        .map(|(_, value)| value.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn summary_of(message: &Message<'_>) -> String {
    let mut text = String::new();
    message.summary(&mut text).expect("formatting");
    text
}

#[test]
fn parses_a_request_head() {
    let mut input = REQUEST.to_vec();
    input.extend_from_slice(b"next");
    let (rest, message) = parse(&input).expect("complete head");
    assert_eq!(rest, b"next");
    assert_eq!(message.head_len(), REQUEST.len());
    assert_eq!(
        message.start,
        StartLine::Request { method: b"GET", uri: b"/hello.txt", version: b"HTTP/1.1" }
    );
    let names: Vec<_> = message.headers().iter().map(|header| header.name).collect();
    assert_eq!(names, [&b"Host"[..], b"User-Agent", b"Accept"]);
    assert_eq!(message.header("host"), Some(&b"127.0.0.1:8080"[..]));
    assert_eq!(message.framing(None), Framing::None);
    assert_eq!(summary_of(&message), "GET /hello.txt HTTP/1.1 ");
}

#[test]
fn request_fields_match_tshark() {
    let (_, message) = parse(REQUEST).expect("complete head");
    let fields = fields_of(&message, &Conversation { number: Some(1), ..Default::default() });
    let expected = [
        ("http.request.method", "GET"),
        ("http.request.uri", "/hello.txt"),
        ("http.request.version", "HTTP/1.1"),
        ("http.host", "127.0.0.1:8080"),
        ("http.request.line", "Host: 127.0.0.1:8080\\r\\n"),
        ("http.user_agent", "curl/7.88.1"),
        ("http.request.line", "User-Agent: curl/7.88.1\\r\\n"),
        ("http.accept", "*/*"),
        ("http.request.line", "Accept: */*\\r\\n"),
        ("http.request.full_uri", "http://127.0.0.1:8080/hello.txt"),
        ("http.request", "1"),
        ("http.request_number", "1"),
    ];
    let expected: Vec<_> = expected.iter().map(|&(name, value)| (name, value.to_string())).collect();
    assert_eq!(fields, expected);
}

#[test]
fn response_fields_and_info_match_tshark() {
    let mut input = RESPONSE_HEAD.to_vec();
    input.extend_from_slice(RESPONSE_BODY);
    let (rest, message) = parse(&input).expect("complete head");
    assert_eq!(message.framing(Some(b"GET")), Framing::Length(42));
    assert_eq!(body_len(message.framing(Some(b"GET")), rest), Ok(BodyLen::Complete(42)));
    let message = message.with_body(rest);
    let conversation = Conversation {
        number: Some(1),
        request_in: Some(4),
        time_since_request_ns: Some(4_013_000),
        request_uri: Some("http://127.0.0.1:8080/hello.txt".to_owned()),
        ..Default::default()
    };
    let fields = fields_of(&message, &conversation);
    assert_eq!(joined(&fields, "http.response.version"), "HTTP/1.0");
    assert_eq!(joined(&fields, "http.response.code"), "200");
    assert_eq!(joined(&fields, "http.response.code.desc"), "OK");
    assert_eq!(joined(&fields, "http.response.phrase"), "OK");
    assert_eq!(joined(&fields, "http.server"), "SimpleHTTP/0.6 Python/3.11.7");
    assert_eq!(joined(&fields, "http.content_type"), "text/plain");
    assert_eq!(
        (joined(&fields, "http.content_length_header"), joined(&fields, "http.content_length")),
        ("42".into(), "42".into())
    );
    assert_eq!(
        joined(&fields, "http.response.line"),
        "Server: SimpleHTTP/0.6 Python/3.11.7\\r\\n,Date: Sun, 22 Nov 2026 07:44:16 GMT\\r\\n,\
         Content-type: text/plain\\r\\n,Content-Length: 42\\r\\n,Last-Modified: Sun, 22 Nov 2026 07:44:15 GMT\\r\\n"
    );
    assert_eq!(joined(&fields, "http.time"), "0.004013000");
    assert_eq!(joined(&fields, "http.request_in"), "4");
    assert_eq!(joined(&fields, "http.response_for.uri"), "http://127.0.0.1:8080/hello.txt");
    assert_eq!(joined(&fields, "http.file_data"), "rttscope interop fixture: hello over HTTP\\n");
    let order: Vec<_> =
        fields.iter().map(|(name, _)| *name).skip_while(|name| *name != "http.response").collect();
    assert_eq!(
        order,
        [
            "http.response",
            "http.response_number",
            "http.time",
            "http.request_in",
            "http.response_for.uri",
            "http.file_data"
        ]
    );
    assert_eq!(summary_of(&message), "HTTP/1.0 200 OK  (text/plain)");
}

#[test]
fn conversation_fields_follow_tsharks_order() {
    let (_, message) = parse(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").expect("head");
    let conversation = Conversation {
        number: Some(2),
        prev_request_in: Some(4),
        prev_response_in: Some(6),
        request_in: Some(8),
        time_since_request_ns: Some(2_000_000),
        request_uri: Some("http://example.com/form".to_owned()),
        ..Default::default()
    };
    let fields = fields_of(&message, &conversation);
    let tail: Vec<_> = fields.iter().skip_while(|(name, _)| *name != "http.response").cloned().collect();
    let expected = [
        ("http.response", "1"),
        ("http.response_number", "2"),
        ("http.time", "0.002000000"),
        ("http.prev_request_in", "4"),
        ("http.prev_response_in", "6"),
        ("http.request_in", "8"),
        ("http.response_for.uri", "http://example.com/form"),
    ];
    assert_eq!(tail, expected.map(|(name, value)| (name, value.to_string())));
}

#[test]
fn every_truncation_of_a_head_is_truncated() {
    for fixture in [REQUEST, RESPONSE_HEAD, CHUNKED_HEAD] {
        for cut in 0..fixture.len() {
            assert_eq!(
                parse(&fixture[..cut]),
                Err(Error::truncated(1)),
                "cut at {cut} of {:?}",
                &fixture[..cut]
            );
        }
        assert!(parse(fixture).is_ok());
    }
}

#[test]
fn a_chunked_response_split_at_every_byte() {
    let whole = [CHUNKED_HEAD, CHUNKED_BODY, b"HTTP/1.1 204 No Content\r\n\r\n"].concat();
    for cut in 0..whole.len() {
        let (first, second) = whole.split_at(cut);
        // What a reassembler does: try the head, then feed the body reader what is left.
        let Ok((rest, message)) = parse(first) else {
            assert!(cut < CHUNKED_HEAD.len(), "head should parse at cut {cut}");
            continue;
        };
        assert_eq!(message.framing(Some(b"GET")), Framing::Chunked);
        let mut reader = BodyReader::new(message.framing(Some(b"GET")));
        let progress = reader.feed(rest).expect("valid chunks");
        let mut body_len = progress.consumed;
        if !progress.complete {
            let more = reader.feed(second).expect("valid chunks");
            assert!(more.complete, "cut at {cut}");
            body_len += more.consumed;
        }
        assert_eq!(body_len, CHUNKED_BODY.len(), "cut at {cut}");
    }
}

#[test]
fn chunked_fields_and_info_match_tshark() {
    let input = [CHUNKED_HEAD, CHUNKED_BODY].concat();
    let (rest, message) = parse(&input).expect("complete head");
    let message = message.with_body(rest);
    let fields = fields_of(&message, &Conversation::default());
    assert_eq!(joined(&fields, "http.transfer_encoding"), "chunked");
    assert_eq!(joined(&fields, "http.chunk_size"), "5,7,0");
    assert_eq!(joined(&fields, "http.chunk_data"), "68656c6c6f,2c20776f726c64");
    assert_eq!(joined(&fields, "http.chunk_boundary"), "0d0a,0d0a");
    assert_eq!(joined(&fields, "http.chunked_trailer_part"), "X-Trailer: yes\\r\\n");
    assert_eq!(joined(&fields, "http.file_data"), "hello, world");
    assert_eq!(summary_of(&message), "HTTP/1.1 200 OK  (text/html)");
}

#[test]
fn field_values_keep_trailing_space_and_show_high_bytes_as_replacement() {
    let input =
        b"GET http://proxy.example/abs?x=1&y HTTP/1.1\r\nHost:   spaced   \r\ncontent-type:text/plain\r\n\
                  Cookie: a=b; c=d\r\nX-Odd: \xc3\xa9\xff\r\n\r\n";
    let (_, message) = parse(input).expect("complete head");
    let fields = fields_of(&message, &Conversation::default());
    assert_eq!(joined(&fields, "http.host"), "spaced   ");
    assert_eq!(joined(&fields, "http.content_type"), "text/plain");
    assert_eq!(joined(&fields, "http.cookie_pair"), "a=b,c=d");
    assert_eq!(joined(&fields, "http.request.uri.path"), "http://proxy.example/abs");
    assert_eq!(joined(&fields, "http.request.uri.query.parameter"), "x=1,y");
    // An absolute target is the full URI itself.
    assert_eq!(joined(&fields, "http.request.full_uri"), "http://proxy.example/abs?x=1&y");
    assert!(joined(&fields, "http.request.line").ends_with("X-Odd: \u{fffd}\u{fffd}\u{fffd}\\r\\n"));
}

#[test]
fn full_uri_needs_a_host_and_takes_the_last() {
    let (_, no_host) = parse(b"GET /nohost HTTP/1.0\r\nX-A: 1\r\n\r\n").expect("head");
    assert_eq!(no_host.full_uri(false), None);
    let (_, two_hosts) = parse(b"GET /c HTTP/1.1\r\nHost: h\r\nHost: second\r\n\r\n").expect("head");
    assert_eq!(two_hosts.full_uri(true).map(|uri| uri.to_string()).as_deref(), Some("https://second/c"));
    let (_, star) = parse(b"\r\nOPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").expect("head");
    assert_eq!(star.full_uri(false).map(|uri| uri.to_string()).as_deref(), Some("http://h*"));
    assert_eq!(joined(&fields_of(&star, &Conversation::default()), "http.leading_crlf"), "1");
}

#[test]
fn info_of_a_response_without_phrase_or_body() {
    let (rest, message) =
        parse(b"HTTP/1.1 200\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nabc").expect("head");
    assert!(matches!(message.start, StartLine::Response { code: 200, phrase: None, .. }));
    assert_eq!(summary_of(&message.clone().with_body(rest)), "HTTP/1.1 200  (text/plain)");
    // No body, no suffix: the Info column keeps only the trailing space.
    assert_eq!(summary_of(&message), "HTTP/1.1 200 ");
    let (_, json) = parse(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n").expect("head");
    assert_eq!(
        summary_of(&json.with_body(b"{}")),
        "HTTP/1.1 200 OK , JavaScript Object Notation (application/json)"
    );
}

#[test]
fn framing_follows_rfc_9112() {
    let framing =
        |head: &[u8], method: Option<&[u8]>| parse(head).map(|(_, message)| message.framing(method));
    assert_eq!(framing(b"POST / HTTP/1.1\r\nContent-Length: 7\r\n\r\n", None), Ok(Framing::Length(7)));
    assert_eq!(framing(b"POST / HTTP/1.1\r\nContent-Length: x7\r\n\r\n", None), Ok(Framing::None));
    assert_eq!(
        framing(b"POST / HTTP/1.1\r\nContent-Length: 7\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", None),
        Ok(Framing::Chunked)
    );
    assert_eq!(framing(b"HTTP/1.1 200 OK\r\n\r\n", Some(b"GET")), Ok(Framing::UntilClose));
    assert_eq!(framing(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", Some(b"HEAD")), Ok(Framing::None));
    assert_eq!(framing(b"HTTP/1.1 204 No Content\r\n\r\n", None), Ok(Framing::None));
    assert_eq!(framing(b"HTTP/1.1 100 Continue\r\n\r\n", None), Ok(Framing::None));
    assert_eq!(
        framing(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", None),
        Ok(Framing::Tunnel)
    );
    assert_eq!(framing(b"HTTP/1.1 200 OK\r\n\r\n", Some(b"CONNECT")), Ok(Framing::Tunnel));
    assert_eq!(framing(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", None), Ok(Framing::UntilClose));
}

#[test]
fn what_is_not_http_is_said_early() {
    for not_http in [
        &b"FOO /e HTTP/1.1\r\n\r\n"[..],
        b"\x16\x03\x01\x02\x00",
        b"SSH-2.0-OpenSSH\r\n",
        b"get / HTTP/1.1\r\n",
    ] {
        assert_eq!(parse(not_http), Err(nom::Err::Error(Error::NotThisProtocol)), "{not_http:?}");
        assert!(!starts_like_http(not_http));
    }
    for http in [&b"GET / HTTP/1.1\r\n"[..], b"HTTP/1.1 200 OK\r\n", b"\r\nPROPFIND /x HTTP/1.1\r\n"] {
        assert!(starts_like_http(http));
    }
    // Too few bytes to tell: neither taken for HTTP nor refused.
    assert!(!starts_like_http(b"GE"));
    assert_eq!(parse(b"GE"), Err(Error::truncated(1)));
    assert_eq!(parse(b"HTT"), Err(Error::truncated(1)));
}

#[test]
fn malformed_heads_say_why() {
    let malformed = |input: &[u8]| matches!(parse(input), Err(nom::Err::Error(Error::Malformed(_))));
    assert!(malformed(b"HTTP/1.1 2000 OK\r\n\r\n"));
    assert!(malformed(b"GET /only-target\r\n\r\n"));
    let many = [b"GET / HTTP/1.1\r\n".as_slice(), &b"A: b\r\n".repeat(MAX_HEADERS + 1), b"\r\n"].concat();
    assert!(malformed(&many));
    // A head that never ends is malformed once it passes the cap, not truncated for ever.
    let endless = [b"GET / HTTP/1.1\r\n".as_slice(), &b"A: b\r\n".repeat(MAX_HEAD_LEN / 6 + 1)].concat();
    assert!(malformed(&endless));
    assert!(malformed(&[b"GET /".as_slice(), &[b'a'; MAX_HEAD_LEN]].concat()));
}

#[test]
fn lines_that_are_no_field_are_kept_as_lines() {
    // httparse would refuse all three; tshark shows them as request lines.
    let input = b"GET / HTTP/1.1\r\nNo colon here\r\nBad Name: x\r\nX-Ctl: a\x01\x7fb\r\nHost: h\r\n\r\n";
    let (rest, message) = parse(input).expect("head");
    assert!(rest.is_empty());
    let fields = fields_of(&message, &Conversation::default());
    assert_eq!(
        joined(&fields, "http.request.line"),
        "No colon here\\r\\n,Bad Name: x\\r\\n,X-Ctl: a\x01\x7fb\\r\\n,Host: h\\r\\n"
    );
    assert_eq!(joined(&fields, "http.host"), "h");
    assert_eq!(message.headers()[0].name, b"");
}

#[test]
fn two_messages_back_to_back() {
    let input = b"GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
    let (rest, first) = parse(input).expect("first");
    let (rest, second) = parse(rest).expect("second");
    assert!(rest.is_empty());
    assert_eq!(summary_of(&first) + &summary_of(&second), "GET /a HTTP/1.1 GET /b HTTP/1.1 ");
}

#[test]
fn lf_only_lines_are_read() {
    let (rest, message) = parse(b"GET /d HTTP/1.1\nHost: lf-only\n\nX").expect("head");
    assert_eq!(rest, b"X");
    let fields = fields_of(&message, &Conversation::default());
    assert_eq!(joined(&fields, "http.request.line"), "Host: lf-only\\n");
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..2000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 300) as usize;
        let base = [REQUEST, CHUNKED_HEAD, CHUNKED_BODY][(seed % 3) as usize];
        let mut bytes = base[..len.min(base.len())].to_vec();
        if !bytes.is_empty() {
            let at = (seed >> 20) as usize % bytes.len();
            bytes[at] = (seed >> 40) as u8;
        }
        if let Ok((rest, message)) = parse(&bytes) {
            let message = message.with_body(rest);
            let _ = fields_of(&message, &Conversation::default());
            let _ = summary_of(&message);
        }
        let _ = body_len(Framing::Chunked, &bytes);
        let _ = chunks(&bytes).count();
    }
}
