//! RFC 9001 appendix A and RFC 9369 appendix A: the Initial keys of the example connection, the
//! server's Initial packet unprotected, the Retry tags and the ChaCha20 short-header packet.

use super::*;
use crate::crypto::hex;

const DCID: &str = "8394c8f03e515708";

/// The RFC 9001 A.3 server Initial, protected, and what is under its protection.
const SERVER_INITIAL_V1: &str = "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a
    5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3dbcba3f6ea46c5b7684df3548e7ddeb9
    c3bf9c73cc3f3bded74b562bfb19fb84022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4
    2158407dd074ee";
const SERVER_INITIAL_V2: &str = "dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698
    baeea26b91eb761d9b89237bbf87263017915358230035f7fd3945d88965cf17f9af6e16886c61bfc703106fbaf3cb4c
    fa52382dd16a393e42757507698075b2c984c707f0a0812d8cd5a6881eaf21ceda98f4bd23f6fe1a3e2c43edd9ce7ca8
    4bed8521e2e140";
const SERVER_PAYLOAD: &str = "02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739
    88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c940d89690b84d08a60993c144eca684d10
    81287c834d5311bcf32bb9da1a002b00020304";

#[test]
fn initial_secrets_match_rfc_9001_a1() {
    let (client, server) = initial_secrets(VERSION_1, &hex(DCID)).expect("v1");
    assert_eq!(client, hex("c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea"));
    assert_eq!(server, hex("3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b"));
    assert_eq!(initial_secrets(0xff00_001d, &hex(DCID)), None, "drafts are not supported");
}

/// Removes the header protection and the packet protection of a long-header packet with a
/// two-byte packet number field at `pn_offset`, as the tracker does.
fn open_long(keys: &Keys, packet: &[u8], pn_offset: usize) -> (u8, u64, Vec<u8>) {
    let mask = keys.header.mask(&packet[pn_offset + 4..]).expect("sample");
    let first = packet[0] ^ (mask[0] & 0x0f);
    let pn_len = usize::from(first & 0x03) + 1;
    let mut header = packet[..pn_offset + pn_len].to_vec();
    header[0] = first;
    let mut pn = 0u64;
    for i in 0..pn_len {
        header[pn_offset + i] ^= mask[1 + i];
        pn = pn << 8 | u64::from(header[pn_offset + i]);
    }
    let mut out = Vec::new();
    keys.packet.decrypt(pn, &header, &packet[pn_offset + pn_len..], &mut out).expect("authenticates");
    (first, pn, out)
}

#[test]
fn the_server_initial_of_rfc_9001_a3_opens() {
    let keys = Keys::initial(VERSION_1, &hex(DCID), true).expect("keys");
    let (first, pn, payload) = open_long(&keys, &hex(SERVER_INITIAL_V1), 18);
    assert_eq!((first, pn), (0xc1, 1));
    assert_eq!(payload, hex(SERVER_PAYLOAD));
}

#[test]
fn the_server_initial_of_rfc_9369_a3_opens() {
    let keys = Keys::initial(VERSION_2, &hex(DCID), true).expect("keys");
    let (first, pn, payload) = open_long(&keys, &hex(SERVER_INITIAL_V2), 18);
    assert_eq!((first, pn), (0xd1, 1));
    assert_eq!(payload, hex(SERVER_PAYLOAD));
}

#[test]
fn the_other_sides_keys_do_not_open_it_and_leave_the_buffer_alone() {
    let client = Keys::initial(VERSION_1, &hex(DCID), false).expect("keys");
    let packet = hex(SERVER_INITIAL_V1);
    let server = Keys::initial(VERSION_1, &hex(DCID), true).expect("keys");
    let mask = server.header.mask(&packet[22..]).expect("sample");
    let mut header = packet[..20].to_vec();
    header[0] ^= mask[0] & 0x0f;
    header[18] ^= mask[1];
    header[19] ^= mask[2];
    let mut out = b"kept".to_vec();
    assert_eq!(client.packet.decrypt(1, &header, &packet[20..], &mut out), Err(DecryptError::Authentication));
    assert_eq!(out, b"kept");
    assert_eq!(
        server.packet.decrypt(1, &header, &[0; 15], &mut out),
        Err(DecryptError::Malformed("shorter than its tag"))
    );
    assert_eq!(server.header.mask(&[0; 15]), None, "a sample is 16 bytes");
}

#[test]
fn retry_tags_of_both_versions_verify_only_for_their_original_dcid() {
    let v1 = hex("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba");
    let v2 = hex("cf6b3343cf0008f067a5502a4262b5746f6b656ec8646ce8bfe33952d955543665dcc7b6");
    assert_eq!(retry_tag_is_valid(VERSION_1, &hex(DCID), &v1), Some(true));
    assert_eq!(retry_tag_is_valid(VERSION_2, &hex(DCID), &v2), Some(true));
    assert_eq!(retry_tag_is_valid(VERSION_1, &hex("8394c8f03e515709"), &v1), Some(false));
    assert_eq!(retry_tag_is_valid(VERSION_2, &hex(DCID), &v1), Some(false));
    assert_eq!(retry_tag_is_valid(VERSION_1, &hex(DCID), &v1[..15]), None);
}

#[test]
fn the_chacha20_short_header_packet_of_rfc_9001_a5_opens_and_its_key_updates() {
    let suite = crate::crypto::suite(0x1303).expect("TLS_CHACHA20_POLY1305_SHA256");
    let secret = hex("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b");
    let keys = Keys::new(&suite, VERSION_1, &secret).expect("keys");
    let packet = hex("4cfe4189655e5cd55c41f69080575d7999c25a5bfb");
    let mask = keys.header.mask(&packet[5..]).expect("sample");
    assert_eq!(mask, [0xae, 0xfe, 0xfe, 0x7d, 0x03]);
    let first = packet[0] ^ (mask[0] & 0x1f);
    assert_eq!(first, 0x42);
    let mut header = vec![first];
    let mut pn = 0u64;
    for i in 0..3 {
        header.push(packet[1 + i] ^ mask[1 + i]);
        pn = pn << 8 | u64::from(header[1 + i]);
    }
    // The truncated number 0xbff4 is expanded against the largest seen, 654360564 - 1.
    let full = 654_360_564;
    assert_eq!(pn, full & 0xff_ffff);
    let mut out = Vec::new();
    keys.packet.decrypt(full, &header, &packet[4..], &mut out).expect("authenticates");
    assert_eq!(out, [0x01], "a PING frame");
    // The next generation's key is derived with "quic ku" and does not open this packet.
    let next = keys.packet.next().expect("next");
    assert_eq!(next.secret, hex("1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9"));
    assert!(next.decrypt(full, &header, &packet[4..], &mut Vec::new()).is_err());
}
