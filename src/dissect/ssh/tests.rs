use super::*;
use crate::dissect::field::{Emitter, Field, Source};

/// A binary packet in the clear around `payload`, with `padding` zero bytes of padding.
fn packet(payload: &[u8], padding: u8) -> Vec<u8> {
    let length = (1 + payload.len() + usize::from(padding)) as u32;
    let mut bytes = length.to_be_bytes().to_vec(); // packet_length
    bytes.push(padding); // padding_length
    bytes.extend_from_slice(payload);
    bytes.extend(std::iter::repeat_n(0, usize::from(padding)));
    bytes
}

fn string(bytes: &[u8]) -> Vec<u8> {
    let mut out = (bytes.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(bytes);
    out
}

fn fields_of(layer: &Ssh<'_>) -> Vec<String> {
    let mut fields = Vec::new();
    layer.fields(&mut Emitter::new(
        &mut |field: Field<'_>| fields.push(format!("{}={}", field.name, field.value)),
        0,
        Default::default(),
    ));
    fields
}

fn summary_of(layer: &Ssh<'_>) -> String {
    let mut info = String::new();
    layer.summary(&mut info).expect("writes");
    info
}

#[test]
fn a_version_line_is_read_up_to_its_line_feed_and_every_prefix_waits() {
    let line = b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\nnext";
    assert_eq!(parse_version(line), Ok((32, b"SSH-2.0-OpenSSH_9.2p1 Debian-2".as_slice())));
    for cut in 0..32 {
        assert!(matches!(parse_version(&line[..cut]), Err(Failure::Incomplete(_))), "cut at {cut}");
    }
    // A bare line feed ends the line too (RFC 4253 4.2 allows it for old versions).
    assert_eq!(parse_version(b"SSH-1.99-x\n"), Ok((11, b"SSH-1.99-x".as_slice())));
}

#[test]
fn a_version_line_over_255_bytes_or_not_ssh_is_malformed() {
    let mut long = b"SSH-2.0-".to_vec();
    long.extend(std::iter::repeat_n(b'a', 300));
    assert!(matches!(parse_version(&long), Err(Failure::Malformed(reason)) if reason.contains("255")));
    assert!(matches!(parse_version(b"GET / HTTP/1.1\r\n"), Err(Failure::Malformed(_))));
}

#[test]
fn a_binary_packet_is_cut_at_its_length_and_every_prefix_waits() {
    let newkeys = packet(&[21], 10); // NEWKEYS, 10 bytes of padding: packet_length 12
    let mut two = newkeys.clone();
    two.extend_from_slice(&newkeys);
    let (len, read) = parse_packet(&two).expect("a packet");
    assert_eq!(len, 16);
    assert_eq!(read.packet_length, 12);
    assert_eq!(read.padding_length, 10);
    assert_eq!(read.payload, [21]);
    assert_eq!(read.padding, [0; 10]);
    for cut in 0..16 {
        match parse_packet(&newkeys[..cut]) {
            Err(Failure::Incomplete(need)) => assert!(need > cut, "cut at {cut}: needs {need}"),
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
}

#[test]
fn a_packet_length_over_35000_bytes_is_malformed_with_its_reason() {
    let huge = [0x00, 0x00, 0x88, 0xb9, 4]; // packet_length 35001
    assert!(
        matches!(parse_packet(&huge), Err(Failure::Malformed(reason)) if reason.contains("RFC 4253 6.1"))
    );
    let limit = [0x00, 0x00, 0x88, 0xb8, 4]; // 35000: waits for its bytes
    assert_eq!(parse_packet(&limit), Err(Failure::Incomplete(35_004)));
    // padding_length past packet_length, and a packet with no padding_length byte.
    assert!(matches!(parse_packet(&[0, 0, 0, 2, 9, 21]), Err(Failure::Malformed(_))));
    assert!(matches!(parse_packet(&[0, 0, 0, 0]), Err(Failure::Malformed(_))));
}

#[test]
fn a_kexinit_gives_its_cookie_and_every_name_list_with_its_length() {
    let mut payload = vec![20]; // SSH_MSG_KEXINIT
    payload.extend(0..16u8); // cookie
    let lists: [&[u8]; 10] = [
        b"curve25519-sha256,ext-info-c",
        b"ssh-ed25519",
        b"chacha20-poly1305@openssh.com",
        b"chacha20-poly1305@openssh.com",
        b"hmac-sha2-256-etm@openssh.com",
        b"hmac-sha2-256-etm@openssh.com",
        b"none",
        b"none",
        b"",
        b"",
    ];
    for list in lists {
        payload.extend(string(list));
    }
    payload.push(0); // first_kex_packet_follows
    payload.extend([0; 4]); // reserved
    let bytes = packet(&payload, 4);
    let span = Span::new(&bytes, Source::Frame, 0);
    let layer = Ssh {
        from_server: false,
        version_known: true,
        items: smallvec::smallvec![Item::Packet { span, kex: Kex::Unknown }],
        known: Default::default(),
        shortest_encrypted: None,
    };
    let fields = fields_of(&layer);
    for expected in [
        "ssh.packet_length=",
        "ssh.message_code=20",
        "ssh.cookie=000102030405060708090a0b0c0d0e0f",
        "ssh.kex_algorithms_length=28",
        "ssh.kex_algorithms=curve25519-sha256,ext-info-c",
        "ssh.server_host_key_algorithms=ssh-ed25519",
        "ssh.encryption_algorithms_server_to_client=chacha20-poly1305@openssh.com",
        "ssh.compression_algorithms_client_to_server_length=4",
        "ssh.languages_server_to_client_length=0",
        "ssh.first_kex_packet_follows=0",
        "ssh.kex.reserved=00000000",
        // The client's HASSH: its kex, client-to-server cipher, MAC and compression lists.
        "ssh.kex.hassh_algorithms=curve25519-sha256,ext-info-c;chacha20-poly1305@openssh.com;hmac-sha2-256-etm@openssh.com;none",
        "ssh.kex.hassh=d7d15e7ac5c363213b97c1696432de33",
        "ssh.padding_string=00000000",
        "ssh.direction=0",
    ] {
        assert!(fields.iter().any(|field| field.starts_with(expected)), "{expected} not in {fields:?}");
    }
    assert_eq!(summary_of(&layer), "Client: Key Exchange Init");
    // A name-list whose length runs past the payload is not read past it.
    let cut = &payload[..payload.len() - 30];
    assert!(parse_message(Kex::Unknown, cut).is_err());
}

#[test]
fn an_ecdh_reply_gives_the_host_key_q_s_and_the_signature_type() {
    let mut host_key = string(b"ssh-ed25519");
    host_key.extend(string(&[0xaa; 32]));
    let mut signature = string(b"ssh-ed25519");
    signature.extend(string(&[0xbb; 64]));
    let mut payload = vec![31]; // SSH_MSG_KEX_ECDH_REPLY
    payload.extend(string(&host_key));
    payload.extend(string(&[0xcc; 32])); // Q_S
    payload.extend(string(&signature));
    let mut bytes = packet(&payload, 8);
    bytes.extend(packet(&[21], 10)); // NEWKEYS in the same segment
    let (first, _) = parse_packet(&bytes).expect("the reply");
    let reply = Span::new(&bytes[..first], Source::Frame, 0);
    let newkeys = Span::new(&bytes[first..], Source::Frame, first);
    let encrypted = [0x12; 40];
    let layer = Ssh {
        from_server: true,
        version_known: true,
        items: smallvec::smallvec![
            Item::Packet { span: reply, kex: Kex::Ecdh },
            Item::Packet { span: newkeys, kex: Kex::Ecdh },
            Item::Encrypted(Span::new(&encrypted, Source::Frame, bytes.len())),
        ],
        known: Default::default(),
        shortest_encrypted: Some(28),
    };
    let fields = fields_of(&layer);
    for expected in [
        "ssh.host_key.length=51",
        "ssh.host_key.type_length=11",
        "ssh.host_key.type=ssh-ed25519",
        "ssh.host_key.eddsa.key_length=32",
        "ssh.ecdh.q_s_length=32",
        "ssh.host_sig.length=83",
        "ssh.host_sig.type=ssh-ed25519",
        "ssh.message_code=21",
        "ssh.packet_length_encrypted=12121212",
        "ssh.direction=1",
    ] {
        assert!(fields.iter().any(|field| field.starts_with(expected)), "{expected} not in {fields:?}");
    }
    assert_eq!(
        summary_of(&layer),
        "Server: Elliptic Curve Diffie-Hellman Key Exchange Reply, New Keys, Encrypted packet (len=40)"
    );
    assert_eq!(layer.encrypted_len(), 40);
}

#[test]
fn messages_30_to_34_are_read_by_the_key_exchange_method_agreed() {
    assert_eq!(Kex::from_name(b"curve25519-sha256"), Kex::Ecdh);
    assert_eq!(Kex::from_name(b"ecdh-sha2-nistp256"), Kex::Ecdh);
    assert_eq!(Kex::from_name(b"diffie-hellman-group-exchange-sha256"), Kex::DhGex);
    assert_eq!(Kex::from_name(b"diffie-hellman-group14-sha256"), Kex::Dh);
    assert_eq!(message_name(Kex::DhGex, 31), "Diffie-Hellman Group Exchange Group");
    assert_eq!(message_name(Kex::Dh, 31), "Diffie-Hellman Key Exchange Reply");
    assert_eq!(message_name(Kex::Ecdh, 30), "Elliptic Curve Diffie-Hellman Key Exchange Init");
    assert_eq!(message_name(Kex::Ecdh, 200), "Unknown (200)");
    let request = [34, 0, 0, 8, 0, 0, 0, 0x20, 0, 0, 0, 0x20, 0]; // min 2048, n 8192, max 8192
    assert_eq!(
        parse_message(Kex::DhGex, &request),
        Ok(Message::GexRequest { min: 2048, nbits: 8192, max: 8192 })
    );
    let mut group = vec![31];
    group.extend(string(&[0x00, 0xc5, 0xa0])); // p, with the sign byte
    group.extend(string(&[0x02])); // g
    assert_eq!(
        parse_message(Kex::DhGex, &group),
        Ok(Message::GexGroup { p: &[0x00, 0xc5, 0xa0], g: &[0x02] })
    );
    // Every cut of the group message is refused, never read past.
    for cut in 1..group.len() {
        assert!(parse_message(Kex::DhGex, &group[..cut]).is_err(), "cut at {cut}");
    }
}
