//! DTLS 1.3 record protection on records of fixtures/interop/dtls13-wolfssl.pcap (wolfSSL 5.9,
//! TLS_AES_256_GCM_SHA384), opened with the traffic secrets of its key log.

use super::*;
use crate::crypto::{hex, suite};

/// SERVER_HANDSHAKE_TRAFFIC_SECRET of the capture's key log.
const SERVER_HANDSHAKE: &str =
    "3023f774776849cae53b6058bcf23d9ed40113d278db5e698a09e5c989d4b6ada52c14a1c52b34d090352171fd4aa6c3";
/// CLIENT_TRAFFIC_SECRET_0.
const CLIENT_TRAFFIC: &str =
    "7e7ae7b23840d2c22069f9a30dbede480c481ffab0c12ea61403ee77d49f0ef12ea5de1bb8c7f95d9070259ebfebdc3e";
/// Frame 5: the server's EncryptedExtensions, epoch 2 (0x2e: S and L set), 16-bit record number.
const ENCRYPTED_EXTENSIONS: &str = "2e1dc3001f6722cfa7a8a0840778adc8e8f508e13cd61f8b6e86d847d035b05a9121b1f3";
/// Frame 23: the client's first line, epoch 3 (0x2f).
const FIRST_LINE: &str = "2f48130024d7394d49bab236aad39bc4f7f47c21f4251a1fdf7122f41133097f402dd87451099b8840";

fn keys(secret: &str) -> Dtls13Keys {
    let suite = suite(0x1302).expect("TLS_AES_256_GCM_SHA384");
    Dtls13Keys::new(&suite, &hex(secret)).expect("keys from a 48-byte secret")
}

/// Unmasks the 16-bit record number of a 5-byte unified header, opens the record, and returns
/// the record number, the content type and the content.
fn open(keys: &Dtls13Keys, record: &[u8]) -> Result<(u64, u8, Vec<u8>), DecryptError> {
    let (header, body) = record.split_at(5);
    let mask = keys.sequence_mask(body).expect("a 16-byte sample");
    let mut header = header.to_vec();
    header[1] ^= mask[0];
    header[2] ^= mask[1];
    let sequence = reconstruct_sequence(0, u64::from(u16::from_be_bytes([header[1], header[2]])), 16);
    let mut out = vec![0xaa];
    let content_type = keys.decrypt(sequence, &header, body, &mut out)?;
    Ok((sequence, content_type, out.split_off(1)))
}

#[test]
fn the_servers_encrypted_extensions_open_under_the_dtls13_labels() {
    let (sequence, content_type, content) =
        open(&keys(SERVER_HANDSHAKE), &hex(ENCRYPTED_EXTENSIONS)).expect("the record opens");
    assert_eq!((sequence, content_type), (0, 22), "the first handshake record");
    // EncryptedExtensions (8), length 2, message_seq 2, offset 0, fragment length 2, no extensions
    assert_eq!(content, hex("08 000002 0002 000000 000002 0000"));
}

#[test]
fn the_clients_first_line_opens_with_its_application_secret() {
    let (sequence, content_type, content) =
        open(&keys(CLIENT_TRAFFIC), &hex(FIRST_LINE)).expect("the record opens");
    assert_eq!((sequence, content_type), (0, 23));
    assert_eq!(content, b"hello from wolfSSL\n");
}

#[test]
fn tls13_labels_wrong_keys_and_cut_records_do_not_open_and_leave_the_buffer_alone() {
    let record = hex(FIRST_LINE);
    assert_eq!(open(&keys(SERVER_HANDSHAKE), &record), Err(DecryptError::Authentication));
    // The same secret under TLS 1.3's "tls13 " labels gives other keys.
    let suite = suite(0x1302).expect("suite");
    let tls = crate::crypto::RecordKeys::tls13(&suite, &hex(CLIENT_TRAFFIC)).expect("TLS 1.3 keys");
    let mut out = Vec::new();
    let header: [u8; 5] = [23, 0xfe, 0xfd, 0, 0x24];
    assert!(tls.decrypt(0, &header, &record[5..], &mut out).is_err());
    let keys = keys(CLIENT_TRAFFIC);
    for cut in 0..record.len() - 5 {
        let body = &record[5..5 + cut];
        assert_eq!(keys.sequence_mask(body).is_some(), cut >= SAMPLE_LEN, "cut at {cut}");
        let mut out = vec![1, 2];
        assert!(keys.decrypt(0, &record[..5], body, &mut out).is_err(), "cut at {cut}");
        assert_eq!(out, [1, 2], "cut at {cut}");
    }
    let updated = keys.next().expect("the next epoch's keys");
    assert_eq!(open(&updated, &record), Err(DecryptError::Authentication));
    assert!(Dtls13Keys::new(&suite, &[0; 32]).is_none(), "a secret of the wrong length");
}

#[test]
fn record_numbers_are_the_nearest_to_the_one_expected() {
    assert_eq!(reconstruct_sequence(0, 0, 8), 0);
    assert_eq!(reconstruct_sequence(5, 7, 8), 7);
    assert_eq!(reconstruct_sequence(0x1fe, 0x01, 8), 0x201, "past a wrap of the low bits");
    assert_eq!(reconstruct_sequence(0x201, 0xff, 8), 0x1ff, "a late record before the wrap");
    assert_eq!(reconstruct_sequence(0x10005, 0xfffe, 16), 0xfffe);
    assert_eq!(reconstruct_sequence(3, 0xf0, 8), 0xf0, "nothing below zero");
    assert_eq!(reconstruct_sequence(u64::MAX, 0, 8), u64::MAX - 0xff, "nothing above the largest");
}
