use super::*;

/// Every proper prefix of a message is incomplete, never malformed, and never read.
fn every_prefix_is_incomplete(kind: Kind, bytes: &[u8]) {
    for cut in 0..bytes.len() {
        match parse(kind, &bytes[..cut]) {
            Err(Failure::Incomplete(need)) => assert!(need > cut, "{kind:?} cut at {cut}: needs {need}"),
            other => panic!("{kind:?} cut at {cut}: {other:?}"),
        }
    }
}

#[test]
fn a_socks4_request_and_its_reply() {
    let request = [
        0x04, // VN 4
        0x01, // CD connect
        0x01, 0xbb, // DSTPORT 443
        10, 0, 78, 2,    // DSTIP
        0x00, // USERID "" and its NUL
    ];
    let (len, message) = parse(Kind::V4Request, &request).expect("a request");
    assert_eq!(len, 9);
    assert_eq!(
        message,
        Message::V4Request {
            command: 1,
            port: 443,
            address: Ipv4Addr::new(10, 0, 78, 2),
            user: b"",
            domain: None
        }
    );
    every_prefix_is_incomplete(Kind::V4Request, &request);
    let reply = [0x00, 0x5b, 0x9b, 0xbc, 10, 0, 78, 1]; // VN 0, CD 91 refused, port, address
    let (len, message) = parse(Kind::V4Reply, &reply).expect("a reply");
    assert_eq!(len, 8);
    assert_eq!(
        message,
        Message::V4Reply { version: 0, result: 91, port: 39868, address: Ipv4Addr::new(10, 0, 78, 1) }
    );
    every_prefix_is_incomplete(Kind::V4Reply, &reply);
}

#[test]
fn a_socks4a_request_carries_a_name_after_the_user_id() {
    let mut request = vec![0x04, 0x01, 0x01, 0xbb, 0, 0, 0, 1]; // DSTIP 0.0.0.1: a name follows
    request.extend_from_slice(b"me\0server.test\0");
    let (len, message) = parse(Kind::V4Request, &request).expect("a 4a request");
    assert_eq!(len, request.len());
    let Message::V4Request { user, domain, .. } = message else { panic!("{message:?}") };
    assert_eq!((user, domain), (b"me".as_slice(), Some(b"server.test".as_slice())));
    every_prefix_is_incomplete(Kind::V4Request, &request);
}

#[test]
fn a_socks4_user_id_without_end_is_malformed_past_its_limit() {
    let mut request = vec![0x04, 0x01, 0x01, 0xbb, 10, 0, 0, 1];
    request.extend(std::iter::repeat_n(b'a', MAX_NAME + 1));
    assert!(matches!(parse(Kind::V4Request, &request), Err(Failure::Malformed(_))));
    assert!(matches!(parse(Kind::V4Request, &[5, 1, 0]), Err(Failure::Incomplete(_))));
    assert!(matches!(parse(Kind::V4Request, &[5, 1, 0, 0, 0, 0, 0, 0, 0]), Err(Failure::Malformed(_))));
}

#[test]
fn a_socks5_greeting_method_choice_and_user_password() {
    let greeting = [0x05, 0x02, 0x00, 0x02]; // VER 5, NMETHODS 2: no auth, username/password
    assert_eq!(parse(Kind::V5Greeting, &greeting), Ok((4, Message::V5Greeting { methods: &[0, 2] })));
    every_prefix_is_incomplete(Kind::V5Greeting, &greeting);
    assert!(matches!(parse(Kind::V5Greeting, &[4, 1, 0]), Err(Failure::Malformed(_))));
    let choice = [0x05, 0x02]; // VER 5, METHOD username/password
    assert_eq!(parse(Kind::V5MethodChoice, &choice), Ok((2, Message::V5MethodChoice { method: 2 })));
    every_prefix_is_incomplete(Kind::V5MethodChoice, &choice);
    let auth = [0x01, 0x02, b'm', b'e', 0x03, b'p', b'w', b'd']; // VER 1, ULEN 2, PLEN 3
    assert_eq!(
        parse(Kind::V5AuthRequest, &auth),
        Ok((8, Message::V5AuthRequest { version: 1, user: b"me", password: b"pwd" }))
    );
    every_prefix_is_incomplete(Kind::V5AuthRequest, &auth);
    let status = [0x01, 0x00];
    assert_eq!(parse(Kind::V5AuthReply, &status), Ok((2, Message::V5AuthReply { version: 1, status: 0 })));
    every_prefix_is_incomplete(Kind::V5AuthReply, &status);
}

#[test]
fn a_socks5_request_to_each_address_type_and_a_reply() {
    let name = [0x05, 0x01, 0x00, 0x03, 0x03, b'a', b'.', b'b', 0x01, 0xbb]; // CONNECT "a.b":443
    assert_eq!(
        parse(Kind::V5Request, &name),
        Ok((10, Message::V5Request { command: 1, reserved: 0, address: Address::Domain(b"a.b"), port: 443 }))
    );
    every_prefix_is_incomplete(Kind::V5Request, &name);
    let ipv4 = [0x05, 0x01, 0x00, 0x01, 10, 0, 76, 2, 0x01, 0xbb];
    let (len, message) = parse(Kind::V5Request, &ipv4).expect("IPv4");
    assert_eq!(
        (len, message),
        (
            10,
            Message::V5Request {
                command: 1,
                reserved: 0,
                address: Address::Ipv4(Ipv4Addr::new(10, 0, 76, 2)),
                port: 443
            }
        )
    );
    every_prefix_is_incomplete(Kind::V5Request, &ipv4);
    let mut ipv6 = vec![0x05, 0x01, 0x00, 0x04];
    ipv6.extend_from_slice(&"fd00:76::2".parse::<Ipv6Addr>().expect("an address").octets());
    ipv6.extend_from_slice(&[0x01, 0xbb]);
    let (len, message) = parse(Kind::V5Request, &ipv6).expect("IPv6");
    assert_eq!(len, 22);
    assert!(matches!(message, Message::V5Request { address: Address::Ipv6(_), port: 443, .. }));
    every_prefix_is_incomplete(Kind::V5Request, &ipv6);
    let refused = [0x05, 0x05, 0x00, 0x01, 0, 0, 0, 0, 0, 0]; // REP 5 connection refused
    assert_eq!(
        parse(Kind::V5Reply, &refused),
        Ok((
            10,
            Message::V5Reply {
                reply: 5,
                reserved: 0,
                address: Address::Ipv4(Ipv4Addr::UNSPECIFIED),
                port: 0
            }
        ))
    );
    every_prefix_is_incomplete(Kind::V5Reply, &refused);
    assert_eq!(
        parse(Kind::V5Reply, &[0x05, 0x00, 0x00, 0x09, 0, 0]),
        Err(Failure::Malformed("a SOCKS5 address type is 1, 3 or 4"))
    );
}
