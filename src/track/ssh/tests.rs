use super::*;

/// A binary packet in the clear around `payload`, with 4 bytes of padding.
fn packet(payload: &[u8]) -> Vec<u8> {
    let mut bytes = ((1 + payload.len() + 4) as u32).to_be_bytes().to_vec();
    bytes.push(4);
    bytes.extend_from_slice(payload);
    bytes.extend([0; 4]);
    bytes
}

/// A KEXINIT offering `kex` and nothing else of note.
fn kexinit(kex: &[u8]) -> Vec<u8> {
    let mut payload = vec![20];
    payload.extend([7; 16]);
    for list in [
        kex,
        b"ssh-ed25519",
        b"aes128-ctr",
        b"aes128-ctr",
        b"hmac-sha2-256",
        b"hmac-sha2-256",
        b"none",
        b"none",
        b"",
        b"",
    ] {
        payload.extend((list.len() as u32).to_be_bytes());
        payload.extend_from_slice(list);
    }
    payload.extend([0; 5]);
    packet(&payload)
}

/// Feeds `bytes` as one in-order segment of direction `dir`.
fn feed(reader: &mut Reader, dir: usize, bytes: &[u8], arena: &mut Vec<u8>) -> Output {
    reader.feed(dir, bytes, &[Chunk::Segment { start: 0, len: bytes.len() }], arena)
}

fn kinds(output: &Output) -> Vec<(Kind, Option<u8>)> {
    output.items.iter().map(|item| (item.kind, item.message)).collect()
}

#[test]
fn a_handshake_goes_from_version_lines_through_kexinit_to_encrypted_bytes() {
    let (mut reader, mut arena) = (Reader::new(0), Vec::new());
    let client = feed(&mut reader, 0, b"SSH-2.0-client\r\n", &mut arena);
    assert_eq!(kinds(&client), [(Kind::Version, None)]);
    assert!(!client.from_server && !client.version_known);
    let server = feed(&mut reader, 1, b"SSH-2.0-server\r\n", &mut arena);
    assert!(server.from_server && server.version_known);
    // Two packets in one segment are each read.
    let mut both = kexinit(b"curve25519-sha256,diffie-hellman-group14-sha256");
    both.extend(packet(&[30, 0, 0, 0, 1, 9])); // KEX_ECDH_INIT, Q_C of one byte
    let client = feed(&mut reader, 0, &both, &mut arena);
    assert_eq!(
        kinds(&client),
        [(Kind::Packet(Kex::Unknown), Some(20)), (Kind::Packet(Kex::Unknown), Some(30))]
    );
    feed(&mut reader, 1, &kexinit(b"diffie-hellman-group14-sha256,curve25519-sha256"), &mut arena);
    // The client's first choice the server also offers.
    assert_eq!(reader.kex(), Kex::Ecdh);
    // aes128-ctr with hmac-sha2-256, length inside the first block: 16 bytes, then the MAC.
    assert_eq!(reader.shortest, Some(48));
    // NEWKEYS, then what follows in the segment is encrypted.
    let mut server = packet(&[21]);
    server.extend([0xee; 30]);
    let output = feed(&mut reader, 1, &server, &mut arena);
    assert_eq!(kinds(&output), [(Kind::Packet(Kex::Ecdh), Some(21)), (Kind::Encrypted, None)]);
    assert_eq!(output.items[1].loc, Loc::Payload(10..40)); // NEWKEYS takes 10 bytes
    // The client is still in the clear until its own NEWKEYS.
    let output = feed(&mut reader, 0, &packet(&[21]), &mut arena);
    assert_eq!(kinds(&output), [(Kind::Packet(Kex::Ecdh), Some(21))]);
    let output = feed(&mut reader, 0, &[0xdd; 52], &mut arena);
    assert_eq!(kinds(&output), [(Kind::Encrypted, None)]);
    assert!(arena.is_empty(), "nothing spanned segments: {arena:?}");
}

#[test]
fn a_packet_spanning_segments_is_reassembled_at_every_cut() {
    let mut stream = b"SSH-2.0-x\r\n".to_vec();
    stream.extend(kexinit(b"curve25519-sha256"));
    for cut in 1..stream.len() {
        let (mut reader, mut arena) = (Reader::new(0), Vec::new());
        let first = feed(&mut reader, 0, &stream[..cut], &mut arena);
        let second = feed(&mut reader, 0, &stream[cut..], &mut arena);
        let mut all = kinds(&first);
        all.extend(kinds(&second));
        assert_eq!(all, [(Kind::Version, None), (Kind::Packet(Kex::Unknown), Some(20))], "cut at {cut}");
        assert!(second.malformed.is_none() && !second.pending, "cut at {cut}");
        // The item the second segment finished is whole in the arena.
        if let Some(Completed { loc: Loc::Stream(range), .. }) = second.items.first() {
            let bytes = &arena[range.clone()];
            assert!(bytes.starts_with(b"SSH-") || bytes.len() == stream.len() - 11, "cut at {cut}");
        }
        assert_eq!(reader.buffered(), 0);
    }
}

#[test]
fn a_packet_length_over_the_bound_stops_the_direction_with_its_reason() {
    let (mut reader, mut arena) = (Reader::new(0), Vec::new());
    feed(&mut reader, 0, b"SSH-2.0-x\r\n", &mut arena);
    let output = feed(&mut reader, 0, &[0x7f, 0xff, 0xff, 0xff, 4, 0, 0], &mut arena);
    let (reason, loc) = output.malformed.expect("malformed");
    assert!(reason.contains("35000"), "{reason}");
    assert_eq!(loc, Loc::Payload(0..7));
    // Nothing more is read from that direction, and nothing is held for it.
    assert!(feed(&mut reader, 0, &packet(&[21]), &mut arena).items.is_empty());
    assert_eq!(reader.buffered(), 0);
    // Bytes that are not an identification line stop the other direction.
    let output = feed(&mut reader, 1, b"HTTP/1.1 200 OK\r\n", &mut arena);
    assert!(output.malformed.is_some());
}

#[test]
fn a_gap_stops_a_direction_in_the_clear_but_not_an_encrypted_one() {
    let (mut reader, mut arena) = (Reader::new(0), Vec::new());
    feed(&mut reader, 0, b"SSH-2.0-x\r\n", &mut arena);
    let held = reader.feed(0, &[0, 0], &[Chunk::Segment { start: 0, len: 2 }], &mut arena);
    assert!(held.pending && held.items.is_empty());
    reader.feed(0, &[], &[Chunk::Gap(100)], &mut arena);
    assert_eq!(reader.buffered(), 0);
    assert!(feed(&mut reader, 0, &packet(&[21]), &mut arena).items.is_empty());
}

#[test]
fn the_shortest_packet_follows_the_cipher_and_mac_agreed() {
    // chacha20-poly1305: 4 length bytes apart, 8 bytes of block, a 16-byte tag (28, as
    // OpenSSH's USERAUTH_SUCCESS in the interop capture).
    assert_eq!(shortest_packet(b"chacha20-poly1305@openssh.com", b"umac-64-etm@openssh.com"), Some(28));
    assert_eq!(shortest_packet(b"aes256-gcm@openssh.com", b""), Some(36));
    assert_eq!(shortest_packet(b"aes128-ctr", b"hmac-sha2-256-etm@openssh.com"), Some(52));
    assert_eq!(shortest_packet(b"aes128-ctr", b"umac-64@openssh.com"), Some(24));
    assert_eq!(shortest_packet(b"twofish-cbc", b"hmac-sha1"), None);
}

/// A side whose KEXINIT offered `ciphers`, `macs` and `compressions` both ways.
fn offering(ciphers: &[u8], macs: &[u8], compressions: &[u8]) -> Side {
    let lists = [b"curve25519-sha256" as &[u8], ciphers, ciphers, macs, macs, compressions, compressions];
    Side { proposal: Some(lists.map(<[u8]>::to_vec)), ..Side::default() }
}

#[test]
fn a_directions_cipher_is_the_clients_first_the_server_offers_and_an_aead_one_names_no_mac() {
    let client = offering(b"chacha20-poly1305@openssh.com,aes128-ctr", b"hmac-sha2-256", b"none");
    let server = offering(b"aes128-ctr,chacha20-poly1305@openssh.com", b"hmac-sha2-256", b"zlib,none");
    let sides = [client, server];
    let words = cipher_words(&sides, 0, true);
    assert_eq!(words.as_deref(), Some("encryption:chacha20-poly1305@openssh.com compression:none"));
    let client = offering(b"aes128-ctr", b"umac-64@openssh.com,hmac-sha2-256", b"none");
    let sides = [sides[1].clone(), client];
    let words = cipher_words(&sides, 1, false);
    assert_eq!(words.as_deref(), Some("encryption:aes128-ctr mac:hmac-sha2-256 compression:none"));
    // Nothing is agreed before both KEXINITs.
    assert_eq!(cipher_words(&[sides[0].clone(), Side::default()], 0, true), None);
}
