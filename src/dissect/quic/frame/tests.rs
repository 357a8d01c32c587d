//! Every frame type read from bytes made by hand, and every one of them cut at every point.

use super::*;
use crate::crypto::hex;

/// One frame of each type rttscope reads, with the fields it must show.
fn examples() -> Vec<(&'static str, Vec<u8>, Vec<&'static str>)> {
    vec![
        ("PADDING", hex("000000"), vec!["quic.padding_length"]),
        ("PING", hex("01"), vec![]),
        (
            "ACK",
            hex("02 4064 19 01 00 02 03"),
            vec![
                "quic.ack.largest_acknowledged",
                "quic.ack.ack_delay",
                "quic.ack.ack_range_count",
                "quic.ack.first_ack_range",
                "quic.ack.gap",
                "quic.ack.ack_range",
            ],
        ),
        (
            "ACK_ECN",
            hex("03 05 00 00 01 07 08 09"),
            vec![
                "quic.ack.largest_acknowledged",
                "quic.ack.ack_delay",
                "quic.ack.ack_range_count",
                "quic.ack.first_ack_range",
                "quic.ack.ect0_count",
                "quic.ack.ect1_count",
                "quic.ack.ecn_ce_count",
            ],
        ),
        (
            "RS(4)",
            hex("04 04 0c 4100"),
            vec!["quic.rsts.stream_id", "quic.rsts.application_error_code", "quic.rsts.final_size"],
        ),
        ("SS(8)", hex("05 08 0c"), vec!["quic.ss.stream_id", "quic.ss.application_error_code"]),
        (
            "CRYPTO",
            hex("06 00 03 010203"),
            vec!["quic.crypto.offset", "quic.crypto.length", "quic.crypto.crypto_data"],
        ),
        ("NT", hex("07 02 abcd"), vec!["quic.nt.length", "quic.nt.token"]),
        (
            "STREAM(0)",
            hex("0f 00 05 03 474554"),
            vec![
                "quic.stream.fin",
                "quic.stream.len",
                "quic.stream.off",
                "quic.stream.stream_id",
                "quic.stream.initiator",
                "quic.stream.direction",
                "quic.stream.offset",
                "quic.stream.length",
                "quic.stream_data",
            ],
        ),
        ("MD", hex("10 4400"), vec!["quic.md.maximum_data"]),
        ("MSD(2)", hex("11 02 4400"), vec!["quic.msd.stream_id", "quic.msd.maximum_stream_data"]),
        ("MS", hex("12 24"), vec!["quic.ms.max_streams"]),
        ("MS", hex("13 24"), vec!["quic.ms.max_streams"]),
        ("DB", hex("14 4400"), vec!["quic.sb.stream_data_limit"]),
        ("SDB(3)", hex("15 03 4400"), vec!["quic.sdb.stream_id", "quic.sb.stream_data_limit"]),
        ("SB", hex("16 05"), vec!["quic.sib.stream_limit"]),
        ("SB", hex("17 05"), vec!["quic.sib.stream_limit"]),
        (
            "NCI",
            hex("18 01 00 04 a1a2a3a4 000102030405060708090a0b0c0d0e0f"),
            vec![
                "quic.nci.sequence",
                "quic.nci.retire_prior_to",
                "quic.nci.connection_id.length",
                "quic.nci.connection_id",
                "quic.nci.stateless_reset_token",
            ],
        ),
        ("RC", hex("19 01"), vec!["quic.rci.sequence"]),
        ("PC", hex("1a 0102030405060708"), vec!["quic.path_challenge.data"]),
        ("PR", hex("1b 0102030405060708"), vec!["quic.path_response.data"]),
        (
            "CC",
            hex("1c 4128 06 02 6869"),
            vec![
                "quic.cc.error_code",
                "quic.cc.error_code.tls_alert",
                "quic.cc.frame_type",
                "quic.cc.reason_phrase.length",
                "quic.cc.reason_phrase",
            ],
        ),
        (
            "CC",
            hex("1d 4100 00"),
            vec!["quic.cc.error_code.app", "quic.cc.reason_phrase.length", "quic.cc.reason_phrase"],
        ),
        ("DONE", hex("1e"), vec![]),
        ("IA", hex("1f"), vec![]),
        ("DG", hex("30 68656c6c6f"), vec!["quic.dg"]),
        ("DG", hex("31 02 6869"), vec!["quic.dg.length", "quic.dg"]),
        (
            "AF",
            hex("40af 01 02 4019 00"),
            vec![
                "quic.af.sequence_number",
                "quic.af.ack_eliciting_threshold",
                "quic.af.request_max_ack_delay",
            ],
        ),
    ]
}

fn info(frame: &Frame<'_>) -> String {
    let mut text = String::new();
    frame.write_info(&mut text).expect("writes");
    text
}

#[test]
fn every_frame_type_is_read_whole_with_its_fields() {
    for (name, bytes, fields) in examples() {
        let frames = parse_all(&bytes);
        assert_eq!(frames.len(), 1, "{name}: one frame");
        let frame = &frames[0];
        assert_eq!(frame.malformed, None, "{name}");
        assert_eq!(frame.range, 0..bytes.len(), "{name}: the whole frame");
        let names: Vec<&str> = frame.fields.iter().map(|(name, ..)| *name).collect();
        assert_eq!(names, fields, "{name}");
        assert_eq!(info(frame), format!(", {name}"));
        assert!(frame.is_known());
    }
}

#[test]
fn every_frame_cut_at_every_point_is_malformed_and_nothing_panics() {
    for (name, bytes, _) in examples() {
        // PADDING, PING, DONE, IA and a DATAGRAM without length end wherever the payload does.
        let open_ended = matches!(bytes[0], 0x00 | 0x01 | 0x1e | 0x1f | 0x30);
        for cut in 1..bytes.len() {
            let frames = parse_all(&bytes[..cut]);
            if !open_ended {
                assert!(frames[0].malformed.is_some(), "{name} cut at {cut}");
            }
        }
    }
    assert_eq!(parse_all(&[]).len(), 0);
    assert_eq!(parse_all(&[0x40]).first().and_then(|f| f.malformed), Some("frame type cut short"));
}

#[test]
fn crypto_and_stream_frames_say_where_their_data_is() {
    let payload = hex("06 4001 02 abcd 0a 04 02 6869 09 08 ffff");
    let frames = parse_all(&payload);
    assert_eq!(frames[0].crypto, Some((1, 4..6)));
    assert_eq!(frames[1].stream, Some((4, 0, 9..11, false)));
    // No length bit: the data runs to the end of the packet.
    assert_eq!(frames[2].stream, Some((8, 0, 13..15, true)));
    assert_eq!(info(&frames[2]), ", STREAM(8)");
}

#[test]
fn an_unknown_type_is_reported_and_reading_goes_on_after_it() {
    let bytes = hex("4020 01");
    let frames = parse_all(&bytes);
    assert_eq!(frames.len(), 2);
    assert!(!frames[0].is_known());
    assert_eq!(info(&frames[0]), "");
    assert_eq!(frames[1].kind, kind::PING);
}

#[test]
fn a_huge_ack_range_count_stops_at_the_end_of_the_payload() {
    let bytes = hex("02 00 00 bfffffff 00 0000");
    let frames = parse_all(&bytes);
    assert_eq!(frames[0].malformed, Some("frame runs past the end of the packet"));
}
