use super::*;
use crate::dissect::field::Field;

/// A SYN from 51234 to 443 with MSS, SACK-permitted, timestamps, NOP and window scale.
const SYN: [u8; 40] = [
    0xc8, 0x22, 0x01, 0xbb, // ports 51234 -> 443
    0x00, 0x00, 0x03, 0xe8, // sequence number 1000
    0x00, 0x00, 0x00, 0x00, // acknowledgment number
    0xa0, 0x02, // data offset 10 (40 bytes), SYN
    0xff, 0xd7, // window 65495
    0x12, 0x34, 0x00, 0x00, // checksum, urgent pointer
    2, 4, 0xff, 0xd7, // MSS 65495
    4, 2, // SACK permitted
    8, 10, 0, 0, 0, 1, 0, 0, 0, 0, // timestamps
    1, // NOP
    3, 3, 7, // window scale 7
];

#[test]
fn parses_header_flags_and_options() {
    let (_, tcp) = parse(&SYN, 0).expect("valid SYN");
    assert_eq!((tcp.src_port(), tcp.dst_port(), tcp.seq()), (51234, 443, 1000));
    assert!(tcp.has(flag::SYN) && !tcp.has(flag::ACK));
    assert_eq!((tcp.header_len(), tcp.segment_len(), tcp.sequence_len()), (40, 0, 1));
    assert_eq!(tcp.window_shift(), Some(7));
    let analysis = Analysis { seq_base: 1000, ..Analysis::default() };
    let mut summary = String::new();
    tcp.summary(&mut summary, Some(&analysis)).expect("formatting");
    assert_eq!(summary, "51234 → 443 [SYN] Seq=0 Win=65495 Len=0 MSS=65495 SACK_PERM TSval=1 TSecr=0 WS=128");
}

#[test]
fn fields_name_every_option_kind_in_order() {
    let (_, tcp) = parse(&SYN, 0).expect("valid SYN");
    let mut kinds = Vec::new();
    let mut flags = String::new();
    let mut sink = |field: Field<'_>| match field.name {
        "tcp.option_kind" => kinds.push(field.value.to_string()),
        "tcp.flags.str" => flags = field.value.to_string(),
        _ => {}
    };
    tcp.fields(&mut Emitter::new(&mut sink, 0, Default::default()), None, None);
    assert_eq!(kinds, ["2", "4", "8", "1", "3"]);
    assert_eq!(flags, "··········S·");
}

#[test]
fn every_truncation_is_reported() {
    for cut in 0..SYN.len() {
        let needed = if cut < MIN_HEADER_LEN { MIN_HEADER_LEN - cut } else { SYN.len() - cut };
        assert_eq!(parse(&SYN[..cut], 0), Err(Error::truncated(needed)), "cut at {cut}");
    }
}

#[test]
fn a_header_length_below_twenty_is_malformed() {
    let mut bad = SYN;
    bad[12] = 0x40;
    assert!(matches!(parse(&bad, 0), Err(nom::Err::Error(Error::Malformed(_)))));
}
