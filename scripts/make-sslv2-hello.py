#!/usr/bin/env python3
"""Writes fixtures/crafted/tls-sslv2-hello.pcap: SSLv2-format ClientHellos (RFC 5246 E.2).

No peer here sends an SSL 2.0-compatible ClientHello any more: OpenSSL's s_client and curl
dropped it (OpenSSL 1.1.0 removed SSLv2 support, the compatible hello with it), and Python's
ssl module is OpenSSL. So the hellos are written from the RFC's layout, byte by byte:

    struct {
        uint16 msg_length;          /* the top bit set: a two-byte header */
        uint8 msg_type;             /* 1 */
        Version version;
        uint16 cipher_spec_length;  /* a multiple of 3 */
        uint16 session_id_length;
        uint16 challenge_length;
        V2CipherSpec cipher_specs[V2ClientHello.cipher_spec_length];
        opaque session_id[V2ClientHello.session_id_length];
        opaque challenge[V2ClientHello.challenge_length];
    } V2ClientHello;

Two TCP connections (documentation addresses 192.0.2.1 -> 198.51.100.1), each with its
three-way handshake:
- to port 443, where TLS is registered: a TLS 1.0 hello with four cipher specs (two TLS
  suites, two SSL 2.0 kinds), no session ID and a 16-byte challenge, answered by a TLS
  handshake_failure alert;
- to port 4433, where only TLS's heuristic finds it (which asks for a 32-byte challenge and a
  session ID of 0 or 16 bytes): a TLS 1.2 hello with a 16-byte session ID, answered by a
  ServerHello.
Checksums are computed, so tshark finds nothing wrong below TLS.

Regenerate with `python3 scripts/make-sslv2-hello.py`.
"""

import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUTPUT = os.path.join(ROOT, "fixtures", "crafted", "tls-sslv2-hello.pcap")
CLIENT, SERVER = bytes([192, 0, 2, 1]), bytes([198, 51, 100, 1])
CLIENT_MAC, SERVER_MAC = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    macs = SERVER_MAC + CLIENT_MAC if src == CLIENT else CLIENT_MAC + SERVER_MAC
    return macs + b"\x08\x00" + ip + tcp


def v2_hello(version, specs, session_id, challenge):
    body = struct.pack("!BHHHH", 1, version, 3 * len(specs), len(session_id), len(challenge))
    body += b"".join(spec.to_bytes(3, "big") for spec in specs) + session_id + challenge
    return struct.pack("!H", 0x8000 | len(body)) + body


def server_hello():
    body = struct.pack("!H", 0x0303) + bytes(range(32)) + b"\x00" + struct.pack("!HB", 0x002F, 0)
    message = b"\x02" + len(body).to_bytes(3, "big") + body
    return struct.pack("!BHH", 22, 0x0303, len(message)) + message


def connection(sport, dport, hello, answer):
    c, s = 1000, 5000
    return [
        frame(CLIENT, SERVER, sport, dport, c, 0, 0x02),
        frame(SERVER, CLIENT, dport, sport, s, c + 1, 0x12),
        frame(CLIENT, SERVER, sport, dport, c + 1, s + 1, 0x10),
        frame(CLIENT, SERVER, sport, dport, c + 1, s + 1, 0x18, hello),
        frame(SERVER, CLIENT, dport, sport, s + 1, c + 1 + len(hello), 0x18, answer),
    ]


def main():
    frames = connection(
        40001,
        443,
        # TLS_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_3DES_EDE_CBC_SHA, SSL2_RC4_128_WITH_MD5,
        # SSL2_DES_192_EDE3_CBC_WITH_MD5
        v2_hello(0x0301, [0x00002F, 0x00000A, 0x010080, 0x0700C0], b"", bytes(range(0x40, 0x50))),
        struct.pack("!BHHBB", 21, 0x0301, 2, 2, 40),
    )
    frames += connection(
        40002,
        4433,
        v2_hello(0x0303, [0x00002F, 0x00FF], bytes(range(0xA0, 0xB0)), bytes(range(0x10, 0x30))),
        server_hello(),
    )
    with open(OUTPUT, "wb") as output:
        output.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for number, data in enumerate(frames):
            output.write(struct.pack("<IIII", 1_700_000_000, number * 1000, len(data), len(data)))
            output.write(data)


if __name__ == "__main__":
    main()
