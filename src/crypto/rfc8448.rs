//! Known answers from RFC 8448 section 3, "Simple 1-RTT Handshake": a TLS_AES_128_GCM_SHA256
//! handshake with x25519, traced value by value. The key schedule is run from the (EC)DHE
//! shared secret and the handshake messages, and the protected records of the trace are
//! decrypted with keys derived here.
//!
//! The values were transcribed from the RFC by libbitcoin-network (`test/tls/rfc8448.hpp`) and
//! checked against the same values in several other projects' RFC 8448 tests; the transcript
//! hashes the RFC lists are recomputed here from the messages, and every record decrypts
//! and authenticates, so a mistyped byte would not go unnoticed.

use super::{Hash, RecordKeys, derive_secret, hex, hkdf_expand_label, hkdf_extract, suite};

/// `{client} construct a ClientHello handshake message`.
const CLIENT_HELLO: &str = "
    010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece700000613011303130201
    0000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400
    230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b00
    03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c
    00024001";

/// `{server} construct a ServerHello handshake message`.
const SERVER_HELLO: &str = "
    020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024
    001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304";

/// `{server} send handshake record: payload`: EncryptedExtensions, Certificate,
/// CertificateVerify and the server's Finished, which the next record protects.
const SERVER_FLIGHT: &str = "
    080000240022000a00140012001d00170018001901000101010201030104001c00024001000000000b0001b9000001b5
    0001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a0603550403130372
    7361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372
    736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c
    0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0cc
    b0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a
    8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0
    300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594
    365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1
    fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b4
    2b4de100000f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc
    90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671
    459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3140000
    209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718";

/// `{server} send handshake record: complete record`, protected with the server handshake keys.
const SERVER_FLIGHT_RECORD: &str = "
    17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca
    07612ef9f945cb960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13b
    d9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c
    7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd61092
    8d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a8
    9441ac66272fd8fb330ef8190579b3684596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f
    4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a3
    6ac1b639c637ce343117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e
    1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052c
    f93b16499a66db7cca71e4599426f7d461e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe
    5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb
    5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038
    ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b845e275592c12335ee340bbc4fddd50278
    4016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e
    750edc53370d2b";

/// `{client} send handshake record: complete record`: the client's Finished, protected with
/// the client handshake keys.
const CLIENT_FINISHED_RECORD: &str = "
    170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1c
    aeacab6867d726c40546";

/// `{client} construct a Finished handshake message`.
const CLIENT_FINISHED: &str = "
    14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61";

/// `{client} send application_data record: complete record`, the first record under the
/// client application keys.
const CLIENT_DATA_RECORD: &str = "
    1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b
    62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4";

/// `{server} send application_data record: complete record`, the server's second record under
/// its application keys (a NewSessionTicket went first).
const SERVER_DATA_RECORD: &str = "
    17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8
    fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d";

/// `{client} send alert record: complete record`: close_notify, the client's second record.
const CLIENT_ALERT_RECORD: &str = "1703030013c9872760655666b74d7ff1153efd6db6d0b0e3";

/// `{server} send alert record: complete record`: close_notify, the server's third record.
const SERVER_ALERT_RECORD: &str = "1703030013b58fd67166ebf599d24720cfbe7efa7a8864a9";

/// Splits a complete record into its header and body.
fn record(text: &str) -> ([u8; 5], Vec<u8>) {
    let bytes = hex(text);
    let (header, body) = bytes.split_first_chunk::<5>().expect("a record header");
    (*header, body.to_vec())
}

/// The secrets of the trace, derived step by step and each checked against the RFC.
struct Schedule {
    client_handshake_traffic: Vec<u8>,
    server_handshake_traffic: Vec<u8>,
    client_application_traffic: Vec<u8>,
    server_application_traffic: Vec<u8>,
}

fn schedule() -> Schedule {
    let hash = Hash::Sha256;
    let zeros = [0u8; 32];

    // {server} extract secret "early": salt 0 and IKM 0, that is 32 zero bytes each (no PSK).
    let early = hkdf_extract(hash, &zeros, &zeros);
    let early_empty_salt = hkdf_extract(hash, &[], &zeros);
    assert_eq!(early, hex("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a"));
    assert_eq!(early_empty_salt, early);

    // {server} derive secret for handshake "tls13 derived".
    let derived = derive_secret(hash, &early, b"derived", b"");
    assert_eq!(derived, hex("6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba"));

    // {server} extract secret "handshake": IKM is the x25519 shared secret.
    let shared = hex("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d");
    let handshake = hkdf_extract(hash, &derived, &shared);
    assert_eq!(handshake, hex("1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac"));

    // Transcript-Hash(ClientHello, ServerHello), as the RFC's "hash" input lists it.
    let hello = [hex(CLIENT_HELLO), hex(SERVER_HELLO)].concat();
    assert_eq!(hash.digest(&hello), hex("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8"));

    // {server} derive secret "tls13 c hs traffic" and "tls13 s hs traffic".
    let client_handshake_traffic = derive_secret(hash, &handshake, b"c hs traffic", &hello);
    let server_handshake_traffic = derive_secret(hash, &handshake, b"s hs traffic", &hello);
    assert_eq!(
        client_handshake_traffic,
        hex("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21")
    );
    assert_eq!(
        server_handshake_traffic,
        hex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38")
    );

    // {server} derive secret for master "tls13 derived", then extract secret "master".
    let derived = derive_secret(hash, &handshake, b"derived", b"");
    assert_eq!(derived, hex("43de77e0c77713859a944db9db2590b53190a65b3ee2e4f12dd7a0bb7ce254b4"));
    let master = hkdf_extract(hash, &derived, &zeros);
    assert_eq!(master, hex("18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919"));

    // Transcript-Hash(ClientHello .. server Finished).
    let through_server_finished = [hello, hex(SERVER_FLIGHT)].concat();
    assert_eq!(
        hash.digest(&through_server_finished),
        hex("9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13")
    );

    // {server} derive secret "tls13 c ap traffic" and "tls13 s ap traffic".
    let client_application_traffic = derive_secret(hash, &master, b"c ap traffic", &through_server_finished);
    let server_application_traffic = derive_secret(hash, &master, b"s ap traffic", &through_server_finished);
    assert_eq!(
        client_application_traffic,
        hex("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5")
    );
    assert_eq!(
        server_application_traffic,
        hex("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643")
    );

    Schedule {
        client_handshake_traffic,
        server_handshake_traffic,
        client_application_traffic,
        server_application_traffic,
    }
}

#[test]
fn key_schedule() {
    schedule();
}

#[test]
fn write_keys_and_ivs() {
    // {server}/{client} derive write traffic keys: key (16 bytes) and iv (12 bytes).
    let schedule = schedule();
    let expected = [
        (&schedule.server_handshake_traffic, "3fce516009c21727d0f2e4e86ee403bc", "5d313eb2671276ee13000b30"),
        (&schedule.client_handshake_traffic, "dbfaa693d1762c5b666af5d950258d01", "5bd3c71b836e0b76bb73265f"),
        (
            &schedule.server_application_traffic,
            "9f02283b6c9c07efc26bb9f2ac92e356",
            "cf782b88dd83549aadf1e984",
        ),
        (
            &schedule.client_application_traffic,
            "17422dda596ed5d9acd890e3c63f5051",
            "5b78923dee08579033e523d9",
        ),
    ];
    for (secret, key, iv) in expected {
        assert_eq!(hkdf_expand_label(Hash::Sha256, secret, b"key", b"", 16), Some(hex(key)));
        assert_eq!(hkdf_expand_label(Hash::Sha256, secret, b"iv", b"", 12), Some(hex(iv)));
    }
}

#[test]
fn decrypts_the_protected_records() {
    let schedule = schedule();
    let suite = suite(0x1301).expect("TLS_AES_128_GCM_SHA256");
    let keys = |secret: &[u8]| RecordKeys::tls13(&suite, secret).expect("keys from a SHA-256 secret");
    let server_handshake = keys(&schedule.server_handshake_traffic);
    let client_handshake = keys(&schedule.client_handshake_traffic);
    let server_application = keys(&schedule.server_application_traffic);
    let client_application = keys(&schedule.client_application_traffic);
    let application_data: Vec<u8> = (0..0x32).collect();

    // (keys, sequence number, record, inner content type, plaintext)
    let cases = [
        (&server_handshake, 0, SERVER_FLIGHT_RECORD, 22, hex(SERVER_FLIGHT)),
        (&client_handshake, 0, CLIENT_FINISHED_RECORD, 22, hex(CLIENT_FINISHED)),
        (&client_application, 0, CLIENT_DATA_RECORD, 23, application_data.clone()),
        (&server_application, 1, SERVER_DATA_RECORD, 23, application_data),
        (&client_application, 1, CLIENT_ALERT_RECORD, 21, hex("0100")),
        (&server_application, 2, SERVER_ALERT_RECORD, 21, hex("0100")),
    ];
    for (keys, seq, text, content_type, plaintext) in cases {
        let (header, body) = record(text);
        // Plaintext is appended after whatever the buffer already holds.
        let mut out = b"kept".to_vec();
        assert_eq!(keys.decrypt(seq, &header, &body, &mut out), Ok(content_type), "{text}");
        assert_eq!(&out[..4], b"kept");
        assert_eq!(out[4..], plaintext[..]);
    }
}

#[test]
fn wrong_sequence_number_or_direction_does_not_authenticate() {
    let schedule = schedule();
    let suite = suite(0x1301).expect("TLS_AES_128_GCM_SHA256");
    let (header, body) = record(CLIENT_FINISHED_RECORD);
    let client = RecordKeys::tls13(&suite, &schedule.client_handshake_traffic).expect("keys");
    let server = RecordKeys::tls13(&suite, &schedule.server_handshake_traffic).expect("keys");
    let mut out = Vec::new();
    assert_eq!(client.decrypt(1, &header, &body, &mut out), Err(super::DecryptError::Authentication));
    assert_eq!(server.decrypt(0, &header, &body, &mut out), Err(super::DecryptError::Authentication));
    assert!(out.is_empty());
}
