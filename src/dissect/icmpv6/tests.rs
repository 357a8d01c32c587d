use super::*;
use crate::dissect::error::Error;

fn addresses() -> (Ipv6Addr, Ipv6Addr) {
    ("fd00::1".parse().unwrap(), "fd00::2".parse().unwrap())
}

/// Builds an echo request and fills in its checksum.
fn echo_request() -> Vec<u8> {
    let mut message = vec![
        128, 0, // echo request
        0, 0, // checksum, filled below
        0x00, 0x2a, // identifier
        0x00, 0x07, // sequence
        b'h', b'i', // data
    ];
    let (src, dst) = addresses();
    let sum = checksum::add(pseudo_header(src, dst, message.len()), &message);
    let value = !checksum::fold(sum);
    message[2..4].copy_from_slice(&value.to_be_bytes());
    message
}

#[test]
fn verifies_the_checksum_over_the_pseudo_header() {
    let message = echo_request();
    let (src, dst) = addresses();
    let sum = pseudo_header(src, dst, message.len());
    let (_, icmp) = parse(&message, Some(sum)).expect("valid");
    assert_eq!(icmp.checksum_ok, Some(true));
    assert!(icmp.is_echo());
    assert_eq!(icmp.body(), b"hi");
    let wrong = pseudo_header(dst, "fd00::3".parse().unwrap(), message.len());
    assert_eq!(parse(&message, Some(wrong)).map(|(_, m)| m.checksum_ok), Ok(Some(false)));
}

/// A router advertisement with a route information option (a /48, 8 prefix bytes), RDNSS
/// with one server and DNSSL with two names.
fn router_advertisement() -> Vec<u8> {
    let mut message = vec![134, 0, 0, 0, 64, 0, 0, 180, 0, 0, 0, 0, 0, 0, 0, 0];
    message.extend([24, 2, 48, 0x08, 0, 0, 0x0e, 0x10]); // route info: /48, high, 3600 s
    message.extend([0xfd, 0, 0, 0x99, 0, 0, 0, 0]);
    message.extend([25, 3, 0, 0, 0, 0, 0x0e, 0x10]); // RDNSS, 3600 s
    message.extend([0xfd, 0, 0, 0x17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    message.extend([31, 3, 0, 0, 0, 0, 0x0e, 0x10]); // DNSSL, 3600 s
    message.extend([3, b'l', b'a', b'n', 4, b't', b'e', b's', b't', 0]); // lan.test
    message.extend([1, b'x', 0, 0, 0, 0]); // x, then padding
    message
}

#[test]
fn reads_route_information_rdnss_and_dnssl() {
    let message = router_advertisement();
    let (_, icmp) = parse(&message, None).expect("valid");
    let mut seen = Vec::new();
    let mut sink = |field: crate::dissect::field::Field<'_>| seen.push((field.name, field.value.to_string()));
    icmp.fields(&mut Emitter::new(&mut sink, 0, Default::default()));
    let all =
        |name: &str| seen.iter().filter(|(n, _)| *n == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    assert_eq!(all("icmpv6.opt.type"), ["24", "25", "31"]);
    assert_eq!(all("icmpv6.opt.prefix"), ["fd00:99::"]);
    assert_eq!(all("icmpv6.opt.prefix.length"), ["48"]);
    assert_eq!(all("icmpv6.opt.route_lifetime"), ["3600"]);
    assert_eq!(all("icmpv6.opt.rdnss"), ["fd00:17::1"]);
    assert_eq!(all("icmpv6.opt.dnssl"), ["lan.test", "x"]);
}

#[test]
fn a_router_advertisement_cut_anywhere_does_not_panic() {
    let message = router_advertisement();
    for cut in HEADER_LEN..message.len() {
        let (_, icmp) = parse(&message[..cut], None).expect("the header is whole");
        icmp.fields(&mut Emitter::new(&mut |_: crate::dissect::field::Field<'_>| {}, 0, Default::default()));
        let mut summary = String::new();
        icmp.summary(&mut summary).expect("formatting");
    }
    // A search list whose label runs past the option ends the list.
    let mut bad = message.clone();
    let dnssl = bad.len() - 24 + 8;
    bad[dnssl] = 60;
    let (_, icmp) = parse(&bad, None).expect("valid");
    let mut names = 0;
    icmp.fields(&mut Emitter::new(
        &mut |field: crate::dissect::field::Field<'_>| names += usize::from(field.name == "icmpv6.opt.dnssl"),
        0,
        Default::default(),
    ));
    assert_eq!(names, 0);
}

#[test]
fn every_truncation_parses_or_reports_the_shortfall() {
    let message = echo_request();
    for cut in 0..message.len() {
        match parse(&message[..cut], None) {
            Ok((_, icmp)) => {
                assert!(cut >= HEADER_LEN);
                let mut fields = 0;
                icmp.fields(&mut Emitter::new(
                    &mut |_: crate::dissect::field::Field<'_>| fields += 1,
                    0,
                    Default::default(),
                ));
                assert!(fields >= 4);
                let mut summary = String::new();
                icmp.summary(&mut summary).expect("formatting");
            }
            Err(error) => assert_eq!(error, Error::truncated(HEADER_LEN - cut)),
        }
    }
}
