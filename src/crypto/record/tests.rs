//! Record decryption for every cipher, with fixtures made outside rttscope, and the hostile
//! cases: flipped bytes, truncations, wrong keys and padding that disagrees.
//!
//! The TLS 1.2 fixtures share one made-up connection: master secret 40 41 .. 6f, client random
//! 80 81 .. 9f, server random c0 c1 .. df. They were made by a Python script that takes the key
//! block from `openssl kdf TLS1-PRF` (label "key expansion", seed server random + client
//! random), encrypts CBC with `openssl enc -aes-{128,256}-cbc -nopad -K .. -iv ..`, computes
//! MACs with `openssl dgst -{sha1,sha256,sha384} -mac HMAC -macopt hexkey:..`, and seals the
//! AEAD records with Python's `cryptography` (AESGCM, ChaCha20Poly1305). The TLS 1.3 fixtures
//! for the suites RFC 8448 does not use were made the same way, with key and iv from
//! `openssl kdf TLS13-KDF`.

use super::super::tls12::KeyBlock;
use super::super::{Hash, hex, suite};
use super::*;

fn master_secret() -> Vec<u8> {
    (0x40..0x70).collect()
}

fn client_random() -> [u8; 32] {
    std::array::from_fn(|i| 0x80 + i as u8)
}

fn server_random() -> [u8; 32] {
    std::array::from_fn(|i| 0xc0 + i as u8)
}

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";

/// A TLS 1.2 application_data record (type 23, version 0x0303) of the made-up connection.
struct Fixture {
    suite: u16,
    encrypt_then_mac: bool,
    /// Sent by the server rather than the client.
    from_server: bool,
    seq: u64,
    /// Header and body.
    record: &'static str,
    plaintext: &'static [u8],
}

const TLS12_FIXTURES: [Fixture; 9] = [
    // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, client, explicit nonce 00 .. 01.
    Fixture {
        suite: 0xc02f,
        encrypt_then_mac: false,
        from_server: false,
        seq: 1,
        record: "170303003d 0000000000000001 bcb7e1581fda4b8e993121ecf4aa48e14fd319dfa2aecd6c5af8427c306f
                 4666e5e67adbca11f85b9b112cdb3a87d5124d188502cc",
        plaintext: GET,
    },
    // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (SHA-384 PRF), server, explicit nonce 8a3f5e0c71b2d694.
    Fixture {
        suite: 0xc030,
        encrypt_then_mac: false,
        from_server: true,
        seq: 3,
        record: "1703030040 8a3f5e0c71b2d694 d3eba843995974891d8854913b78df20c14563f8e1acfaa65a1b57632cbb
                 99630df86beb591ae4ca4503303c1fc7a756ef8d258de68709bc",
        plaintext: OK,
    },
    // TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, client: no explicit nonce.
    Fixture {
        suite: 0xcca8,
        encrypt_then_mac: false,
        from_server: false,
        seq: 5,
        record: "1703030035 06f49dc6151f9f352ae5e897f0a674c9bec9fdb2f026b84153eebd8cdf823851fb2e1866b514
                 810ab56623b0a50cca3b6a8d66ddaf",
        plaintext: GET,
    },
    // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, MAC-then-encrypt, client, IV f0e1 .. 0f, with one
    // block more padding than needed (padding_length 0x1a).
    Fixture {
        suite: 0xc013,
        encrypt_then_mac: false,
        from_server: false,
        seq: 1,
        record: "1703030060 f0e1d2c3b4a5968778695a4b3c2d1e0f 70822d66ce9e4c6caeae7d77416f71ff08e4289caa50
                 5b4f31002c2125f53d828f65cd0173e4bdb2e92807811ab14e02c8bb244904501a8a36f0ffaf625a87ab2792
                 fff28e25e8c690e2f2e82f960839",
        plaintext: GET,
    },
    // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, encrypt-then-MAC, client, IV f0e1 .. 0f; the last 20
    // bytes are the HMAC-SHA1.
    Fixture {
        suite: 0xc013,
        encrypt_then_mac: true,
        from_server: false,
        seq: 1,
        record: "1703030054 f0e1d2c3b4a5968778695a4b3c2d1e0f 70822d66ce9e4c6caeae7d77416f71ff08e4289caa50
                 5b4f31002c2125f53d82 ee993859ba0f2632339c591f0794589f18fa8ad5aa23b65d38d855cf7bf29a0b
                 d30a2710",
        plaintext: GET,
    },
    // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, MAC-then-encrypt, client, IV 0f1e .. f0.
    Fixture {
        suite: 0xc027,
        encrypt_then_mac: false,
        from_server: false,
        seq: 2,
        record: "1703030060 0f1e2d3c4b5a69788796a5b4c3d2e1f0 ebc8862ecae178f740f295f3c57dcffd839c6bba2c38
                 decaad1744dacfeabe60af35b457973ccec08aebe3d7d959bd2eb599fdd181426a86c4c91c18a1a7df652ab5
                 69342126f47914ec90bb3f43ca12",
        plaintext: GET,
    },
    // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, encrypt-then-MAC, client; 32-byte HMAC-SHA256 last.
    Fixture {
        suite: 0xc027,
        encrypt_then_mac: true,
        from_server: false,
        seq: 2,
        record: "1703030060 0f1e2d3c4b5a69788796a5b4c3d2e1f0 ebc8862ecae178f740f295f3c57dcffd839c6bba2c38
                 decaad1744dacfeabe60 8b6217715c20709d66649523fbd72099d471d246ef972417ece0182ebdfbdd57
                 28b89448e0e66057f0bfc2288e055c17",
        plaintext: GET,
    },
    // TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 (SHA-384 PRF), MAC-then-encrypt, server.
    Fixture {
        suite: 0xc028,
        encrypt_then_mac: false,
        from_server: true,
        seq: 7,
        record: "1703030070 f0e1d2c3b4a5968778695a4b3c2d1e0f 474f5a0e45f9e53b26d5741e672fd63f82212c1ede67
                 3eefff9b69227e4dcdda133f138df6a3f64794216c4b6f93fd6ab4b3cdf7160082a15d04009c03e3d5fbc6ff
                 2677933bcb82c90d4e93f220d9c03f23079cbf8985b3871e8d78de9f14ee",
        plaintext: OK,
    },
    // TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, encrypt-then-MAC, server; 48-byte HMAC-SHA384 last.
    Fixture {
        suite: 0xc028,
        encrypt_then_mac: true,
        from_server: true,
        seq: 7,
        record: "1703030070 f0e1d2c3b4a5968778695a4b3c2d1e0f 474f5a0e45f9e53b26d5741e672fd63f82212c1ede67
                 3eefff9b69227e4dcdda f48662ee7889c5089641fd9a1b2ba7023f70c0aaef8677688dcfeca36903be50
                 46e8fd786c861e398bd1322bd198e4da881bea0cca2d04a788dddfbe847c98c7",
        plaintext: OK,
    },
];

impl Fixture {
    fn keys(&self) -> RecordKeys {
        let suite = suite(self.suite).expect("a supported suite");
        let (client, server) = RecordKeys::tls12(
            &suite,
            &master_secret(),
            &client_random(),
            &server_random(),
            self.encrypt_then_mac,
        )
        .expect("keys for a TLS 1.2 suite");
        if self.from_server { server } else { client }
    }

    fn header_and_body(&self) -> ([u8; 5], Vec<u8>) {
        split_record(&hex(self.record))
    }
}

fn split_record(record: &[u8]) -> ([u8; 5], Vec<u8>) {
    let (header, body) = record.split_first_chunk::<5>().expect("a record header");
    (*header, body.to_vec())
}

/// `header` with its length field set to `len`.
fn with_length(header: &[u8; 5], len: usize) -> [u8; 5] {
    let mut header = *header;
    header[3..].copy_from_slice(&u16::try_from(len).expect("a record length").to_be_bytes());
    header
}

/// What the output buffer holds before each decryption: failures must leave it just so.
const BEFORE: &[u8] = b"earlier plaintext";

#[test]
fn tls12_records_decrypt() {
    for fixture in &TLS12_FIXTURES {
        let (header, body) = fixture.header_and_body();
        let mut out = BEFORE.to_vec();
        assert_eq!(
            fixture.keys().decrypt(fixture.seq, &header, &body, &mut out),
            Ok(23),
            "{}",
            fixture.record
        );
        assert_eq!(out, [BEFORE, fixture.plaintext].concat(), "{}", fixture.record);
    }
}

#[test]
fn tls12_flipped_bytes_do_not_authenticate() {
    for fixture in &TLS12_FIXTURES {
        let keys = fixture.keys();
        let (header, body) = fixture.header_and_body();
        // Every body byte: nonce, IV, ciphertext, padding, MAC and tag.
        for at in 0..body.len() {
            let mut flipped = body.clone();
            flipped[at] ^= 0x01;
            let mut out = BEFORE.to_vec();
            let result = keys.decrypt(fixture.seq, &header, &flipped, &mut out);
            assert_eq!(result, Err(DecryptError::Authentication), "{} byte {at}", fixture.record);
            assert_eq!(out, BEFORE);
        }
        // The content type and version are authenticated too.
        for at in 0..3 {
            let mut flipped = header;
            flipped[at] ^= 0x01;
            let mut out = BEFORE.to_vec();
            let result = keys.decrypt(fixture.seq, &flipped, &body, &mut out);
            assert_eq!(result, Err(DecryptError::Authentication), "{} header byte {at}", fixture.record);
            assert_eq!(out, BEFORE);
        }
        // So is the sequence number.
        let mut out = BEFORE.to_vec();
        assert_eq!(
            keys.decrypt(fixture.seq + 1, &header, &body, &mut out),
            Err(DecryptError::Authentication)
        );
        assert_eq!(out, BEFORE);
    }
}

#[test]
fn tls12_truncations_are_errors() {
    for fixture in &TLS12_FIXTURES {
        let keys = fixture.keys();
        let (header, body) = fixture.header_and_body();
        for len in 0..body.len() {
            let truncated = &body[..len];
            let mut out = BEFORE.to_vec();
            // With the header still claiming the full length.
            let result = keys.decrypt(fixture.seq, &header, truncated, &mut out);
            assert!(matches!(result, Err(DecryptError::Malformed(_))), "{} cut at {len}", fixture.record);
            // With the header's length matching what is left.
            let result = keys.decrypt(fixture.seq, &with_length(&header, len), truncated, &mut out);
            assert!(result.is_err(), "{} cut at {len}", fixture.record);
            assert_eq!(out, BEFORE);
        }
    }
}

#[test]
fn tls12_keys_belong_to_one_direction() {
    for fixture in &TLS12_FIXTURES {
        let other = Fixture { from_server: !fixture.from_server, ..*fixture };
        let (header, body) = fixture.header_and_body();
        let mut out = Vec::new();
        assert_eq!(
            other.keys().decrypt(fixture.seq, &header, &body, &mut out),
            Err(DecryptError::Authentication)
        );
        assert!(out.is_empty());
    }
}

#[test]
fn tls12_short_records_say_what_is_missing() {
    let gcm = &TLS12_FIXTURES[0];
    let (header, _) = gcm.header_and_body();
    let mut out = Vec::new();
    let keys = gcm.keys();
    let decrypt =
        |body: &[u8], out: &mut Vec<u8>| keys.decrypt(1, &with_length(&header, body.len()), body, out);
    assert_eq!(decrypt(&[0; 7], &mut out), Err(DecryptError::Malformed("shorter than the explicit nonce")));
    assert_eq!(
        decrypt(&[0; 23], &mut out),
        Err(DecryptError::Malformed("shorter than the authentication tag"))
    );
    // An empty plaintext is valid in form; only the tag is wrong.
    assert_eq!(decrypt(&[0; 24], &mut out), Err(DecryptError::Authentication));

    let cbc = &TLS12_FIXTURES[3];
    let keys = cbc.keys();
    let decrypt =
        |body: &[u8], out: &mut Vec<u8>| keys.decrypt(1, &with_length(&header, body.len()), body, out);
    assert_eq!(decrypt(&[0; 15], &mut out), Err(DecryptError::Malformed("shorter than its explicit IV")));
    assert_eq!(
        decrypt(&[0; 40], &mut out),
        Err(DecryptError::Malformed("the ciphertext is not a whole number of blocks"))
    );
    // One block cannot hold a 20-byte MAC and the padding length.
    assert_eq!(
        decrypt(&[0; 32], &mut out),
        Err(DecryptError::Malformed("shorter than its MAC and padding length"))
    );
    assert!(out.is_empty());
}

/// The raw write keys of the made-up connection, for sealing records in the tests below.
fn cbc_write_keys(suite_id: u16) -> (aes::Aes128Enc, ring::hmac::Key) {
    use aes::cipher::KeyInit;
    let suite = suite(suite_id).expect("a CBC suite");
    let block = KeyBlock::new(&suite, &master_secret(), &client_random(), &server_random());
    let client = block.client();
    let mac = suite.cipher.mac().expect("a MAC");
    let cipher = aes::Aes128Enc::new_from_slice(client.key).expect("an AES-128 key");
    (cipher, ring::hmac::Key::new(mac.hmac_algorithm(), client.mac_key))
}

/// AES-128-CBC encryption of whole blocks under `iv`, for sealing test records.
fn encrypt(cipher: &aes::Aes128Enc, iv: [u8; 16], data: &mut [u8]) {
    use aes::cipher::{BlockModeEncrypt, InnerIvInit};
    let (blocks, tail) = aes::Block::slice_as_chunks_mut(data);
    assert!(tail.is_empty(), "whole blocks");
    ::cbc::Encryptor::<aes::Aes128Enc>::inner_iv_init(cipher.clone(), &iv.into()).encrypt_blocks(blocks);
}

/// An HMAC over the TLS 1.2 pseudo-header (seq 0, type 23, version 0x0303) and `covered`.
fn mac(key: &ring::hmac::Key, covered: &[u8]) -> Vec<u8> {
    let header = [23, 3, 3, 0, 0];
    let mut context = ring::hmac::Context::with_key(key);
    context.update(&tls12_additional_data(0, &header, covered.len()));
    context.update(covered);
    context.sign().as_ref().to_vec()
}

/// A MAC-then-encrypt record of `content` with its correct MAC and `padding` (the padding
/// bytes and the length byte) as given, for TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, seq 0.
fn mac_then_encrypt(content: &[u8], padding: &[u8]) -> ([u8; 5], Vec<u8>) {
    let (cipher, mac_key) = cbc_write_keys(0xc027);
    let iv = [0x5a; 16];
    let mut inner = [content, &mac(&mac_key, content), padding].concat();
    encrypt(&cipher, iv, &mut inner);
    let body = [&iv[..], &inner].concat();
    (with_length(&[23, 3, 3, 0, 0], body.len()), body)
}

/// An encrypt-then-MAC record: `content` and `padding` encrypted, then a correct MAC.
fn encrypt_then_mac(content: &[u8], padding: &[u8]) -> ([u8; 5], Vec<u8>) {
    let (cipher, mac_key) = cbc_write_keys(0xc027);
    let iv = [0xa5; 16];
    let mut inner = [content, padding].concat();
    encrypt(&cipher, iv, &mut inner);
    let protected = [&iv[..], &inner].concat();
    let body = [protected.clone(), mac(&mac_key, &protected)].concat();
    (with_length(&[23, 3, 3, 0, 0], body.len()), body)
}

fn client_keys(suite_id: u16, encrypt_then_mac: bool) -> RecordKeys {
    let fixture =
        Fixture { suite: suite_id, encrypt_then_mac, from_server: false, seq: 0, record: "", plaintext: b"" };
    fixture.keys()
}

#[test]
fn sealed_in_the_test_helpers_agree_with_the_fixtures() {
    // The helpers above must make records the decryptor accepts, or the negative tests
    // below prove nothing.
    let keys = client_keys(0xc027, false);
    // 11 content bytes + 32 MAC bytes + 5 padding bytes = 3 blocks.
    let (header, body) = mac_then_encrypt(b"hello world", &[4; 5]);
    let mut out = Vec::new();
    assert_eq!(keys.decrypt(0, &header, &body, &mut out), Ok(23));
    assert_eq!(out, b"hello world");

    let keys = client_keys(0xc027, true);
    let (header, body) = encrypt_then_mac(b"hello world", &[4; 5]);
    let mut out = Vec::new();
    assert_eq!(keys.decrypt(0, &header, &body, &mut out), Ok(23));
    assert_eq!(out, b"hello world");
}

#[test]
fn mac_then_encrypt_bad_padding_is_an_authentication_failure() {
    let keys = client_keys(0xc027, false);
    let cases: [(&[u8], &[u8]); 3] = [
        // A padding byte that disagrees with the length byte.
        (b"hello world", &[4, 4, 3, 4, 4]),
        // A padding length reaching into the MAC.
        (b"hello world", &[4, 4, 4, 4, 40]),
        // A padding length longer than the whole record.
        (b"hello world", &[4, 4, 4, 4, 255]),
    ];
    for (content, padding) in cases {
        let (header, body) = mac_then_encrypt(content, padding);
        let mut out = BEFORE.to_vec();
        assert_eq!(
            keys.decrypt(0, &header, &body, &mut out),
            Err(DecryptError::Authentication),
            "{padding:?}"
        );
        assert_eq!(out, BEFORE);
    }
}

#[test]
fn encrypt_then_mac_bad_padding_after_a_good_mac_is_malformed() {
    let keys = client_keys(0xc027, true);
    for padding in [&[4, 4, 3, 4, 4][..], &[4, 4, 4, 4, 40]] {
        let (header, body) = encrypt_then_mac(b"hello world", padding);
        let mut out = BEFORE.to_vec();
        assert_eq!(
            keys.decrypt(0, &header, &body, &mut out),
            Err(DecryptError::Malformed("the padding disagrees with its length byte")),
            "{padding:?}"
        );
        assert_eq!(out, BEFORE);
    }
    // A good MAC over an IV and ciphertext that are not whole blocks.
    let (_, mac_key) = cbc_write_keys(0xc027);
    let protected = [0x11u8; 16 + 20];
    let body = [&protected[..], &mac(&mac_key, &protected)].concat();
    let header = with_length(&[23, 3, 3, 0, 0], body.len());
    assert_eq!(
        keys.decrypt(0, &header, &body, &mut Vec::new()),
        Err(DecryptError::Malformed("the ciphertext is not a whole number of blocks"))
    );
}

#[test]
fn tls12_constructor_refuses_what_it_cannot_use() {
    let (client, server) = (client_random(), server_random());
    let tls13 = suite(0x1301).expect("TLS_AES_128_GCM_SHA256");
    assert!(RecordKeys::tls12(&tls13, &master_secret(), &client, &server, false).is_none());
    let gcm = suite(0xc02f).expect("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert!(RecordKeys::tls12(&gcm, &master_secret()[..47], &client, &server, false).is_none());
    let (mut keys, _) = RecordKeys::tls12(&gcm, &master_secret(), &client, &server, false).expect("keys");
    assert!(!keys.update(), "TLS 1.2 has no KeyUpdate");
    assert_eq!(keys.suite().id, 0xc02f);
    assert_eq!(format!("{keys:?}"), "RecordKeys { suite: 0xc02f, .. }");
}

/// TLS 1.3 records for suites RFC 8448 does not use. Secrets are made up; key and iv are from
/// `openssl kdf TLS13-KDF`, the records sealed by Python's `cryptography`.
mod tls13 {
    use super::*;

    /// A TLS_AES_256_GCM_SHA384 traffic secret: 20 21 .. 4f.
    fn aes256_secret() -> Vec<u8> {
        (0x20..0x50).collect()
    }

    /// A TLS_CHACHA20_POLY1305_SHA256 traffic secret: 60 61 .. 7f.
    fn chacha_secret() -> Vec<u8> {
        (0x60..0x80).collect()
    }

    /// TLS_AES_256_GCM_SHA384, seq 3: inner plaintext "hello", type 23, three zeros of padding.
    const AES256_RECORD: &str = "1703030019 6857f441c633aa2049c7bc02fe55f3f06a1355bbc02e856b99";
    /// TLS_CHACHA20_POLY1305_SHA256, seq 0: "hello", type 23, no padding.
    const CHACHA_RECORD: &str = "1703030016 2fbc219a7f0319395c99d65792404993f3c9b8f8cbca";
    /// TLS_CHACHA20_POLY1305_SHA256, seq 1: four zero bytes, so no content type at all.
    const CHACHA_ALL_PADDING: &str = "1703030014 21f57743380adf3115bcd928e8485a3272aaea84";
    /// TLS_CHACHA20_POLY1305_SHA256 after one KeyUpdate, seq 0: "bye", type 21. The next
    /// secret, from `openssl kdf .. -kdfopt label:"traffic upd" TLS13-KDF`, is below.
    const CHACHA_NEXT_GENERATION: &str = "1703030014 271bb09cac0827d8631522ffc6c1e3a7766e2423";
    const CHACHA_NEXT_SECRET: &str = "b04dfdded91a6a076b9bc1f160e59af30c2b5e54b5e665bec901b923fc188536";

    fn keys(suite_id: u16, secret: &[u8]) -> RecordKeys {
        RecordKeys::tls13(&suite(suite_id).expect("a TLS 1.3 suite"), secret).expect("keys")
    }

    #[test]
    fn strips_padding_and_returns_the_inner_type() {
        for (keys, seq, record) in [
            (keys(0x1302, &aes256_secret()), 3, AES256_RECORD),
            (keys(0x1303, &chacha_secret()), 0, CHACHA_RECORD),
        ] {
            let (header, body) = split_record(&hex(record));
            let mut out = BEFORE.to_vec();
            assert_eq!(keys.decrypt(seq, &header, &body, &mut out), Ok(23), "{record}");
            assert_eq!(out, [BEFORE, b"hello"].concat());
        }
    }

    #[test]
    fn all_padding_is_malformed() {
        let (header, body) = split_record(&hex(CHACHA_ALL_PADDING));
        let mut out = BEFORE.to_vec();
        assert_eq!(
            keys(0x1303, &chacha_secret()).decrypt(1, &header, &body, &mut out),
            Err(DecryptError::Malformed("the plaintext is all padding, with no content type"))
        );
        assert_eq!(out, BEFORE);
    }

    #[test]
    fn key_update_moves_to_the_next_generation() {
        assert_eq!(next_traffic_secret(Hash::Sha256, &chacha_secret()), hex(CHACHA_NEXT_SECRET));
        let mut keys = keys(0x1303, &chacha_secret());
        let (header, body) = split_record(&hex(CHACHA_NEXT_GENERATION));
        let mut out = Vec::new();
        assert_eq!(keys.decrypt(0, &header, &body, &mut out), Err(DecryptError::Authentication));
        assert!(keys.update());
        assert_eq!(keys.decrypt(0, &header, &body, &mut out), Ok(21));
        assert_eq!(out, b"bye");
        // The old generation no longer opens.
        let (header, body) = split_record(&hex(CHACHA_RECORD));
        assert_eq!(keys.decrypt(0, &header, &body, &mut out), Err(DecryptError::Authentication));
    }

    #[test]
    fn flipped_bytes_and_truncations_are_errors() {
        for (keys, seq, record) in [
            (keys(0x1302, &aes256_secret()), 3, AES256_RECORD),
            (keys(0x1303, &chacha_secret()), 0, CHACHA_RECORD),
        ] {
            let (header, body) = split_record(&hex(record));
            let mut out = BEFORE.to_vec();
            for at in 0..body.len() {
                let mut flipped = body.clone();
                flipped[at] ^= 0x80;
                assert_eq!(keys.decrypt(seq, &header, &flipped, &mut out), Err(DecryptError::Authentication));
            }
            // The whole header is the additional data, so all of it is authenticated, even
            // the length once it agrees with the body.
            for at in 0..3 {
                let mut flipped = header;
                flipped[at] ^= 0x80;
                assert_eq!(keys.decrypt(seq, &flipped, &body, &mut out), Err(DecryptError::Authentication));
            }
            for len in 0..body.len() {
                let truncated = &body[..len];
                let result = keys.decrypt(seq, &with_length(&header, len), truncated, &mut out);
                let expected = if len < 16 {
                    Err(DecryptError::Malformed("shorter than the authentication tag"))
                } else {
                    Err(DecryptError::Authentication)
                };
                assert_eq!(result, expected, "{record} cut at {len}");
                assert!(keys.decrypt(seq, &header, truncated, &mut out).is_err());
            }
            assert_eq!(out, BEFORE);
        }
    }

    #[test]
    fn constructor_refuses_what_it_cannot_use() {
        let tls12 = suite(0xc02f).expect("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assert!(RecordKeys::tls13(&tls12, &[0; 32]).is_none());
        let aes256 = suite(0x1302).expect("TLS_AES_256_GCM_SHA384");
        // A SHA-256-sized secret for a SHA-384 suite.
        assert!(RecordKeys::tls13(&aes256, &[0; 32]).is_none());
        assert!(RecordKeys::tls13(&aes256, &[0; 48]).is_some());
    }
}
