#!/usr/bin/env python3
"""Writes the hand-made capture files under fixtures/.

fixtures/malformed/: each file is damaged in one deliberate way; tests/it/malformed.rs runs
`rttscope dissect` on it and compares the output with its insta snapshot,
tests/it/snapshots/it__malformed__NAME.snap.

fixtures/crafted/: well-formed packets that real peers here do not send, such as ICMP errors
quoting only the first 8 bytes of a TCP header, as RFC 792 routers do, or TCP segments lost,
resent, acknowledged in part, SACKed and timestamped out of order on a link with no netem, or
that they send only by chance, such as an encrypted Finished whose first bytes read like a
handshake header. The tshark differential test covers them like the interop captures.

Regenerate with `python3 scripts/make-malformed-fixtures.py`, then refresh the snapshots with
`cargo insta test --test it -- malformed::` (or `INSTA_UPDATE=always cargo test --test it
malformed::`) and read the diff (`cargo insta review`) before committing it.
"""

import gzip
import os
import struct
import sys

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
OUT = os.path.join(FIXTURES, "malformed")
CRAFTED = os.path.join(FIXTURES, "crafted")

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
TS = 1_795_300_000  # a fixed capture time: 2026-11-21


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def ethernet(ethertype, payload):
    return MAC_B + MAC_A + struct.pack("!H", ethertype) + payload


def ipv4(proto, payload, ihl=5, total=None, ident=1, frag=0x4000, src="10.0.0.1", dst="10.0.0.2"):
    total = 20 + len(payload) if total is None else total
    header = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, ident, frag, 64, proto, 0,
                         bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def ipv6(next_header, payload, plen=None):
    plen = len(payload) if plen is None else plen
    src = bytes.fromhex("fd000000000000000000000000000001")
    dst = bytes.fromhex("fd000000000000000000000000000002")
    return struct.pack("!IHBB", 0x60000000, plen, next_header, 64) + src + dst + payload


def tcp(sport, dport, seq, ack, flags, payload=b"", offset=5, options=b""):
    return struct.pack("!HHIIHHHH", sport, dport, seq, ack, (offset << 12) | flags, 65535, 0, 0) + options + payload


def udp(sport, dport, payload, length=None):
    length = 8 + len(payload) if length is None else length
    return struct.pack("!HHHH", sport, dport, length, 0) + payload


def icmp_echo(seq, data=b"ping"):
    body = struct.pack("!BBHHH", 8, 0, 0, 0x1234, seq) + data
    return body[:2] + struct.pack("!H", checksum(body)) + body[4:]


def pcap(frames, linktype=1, snaplen=262144):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype)
    for index, (data, orig_len) in enumerate(frames):
        out += struct.pack("<IIII", TS, index * 1000, len(data), orig_len) + data
    return out


def whole(*datas):
    return [(data, len(data)) for data in datas]


def block(block_type, body):
    body += b"\0" * (-len(body) % 4)
    length = 12 + len(body)
    return struct.pack("<II", block_type, length) + body + struct.pack("<I", length)


def pcapng_section():
    return block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def idb(linktype=1):
    return block(1, struct.pack("<HHI", linktype, 0, 0))


def epb(interface, data, units=TS * 1_000_000):
    return block(6, struct.pack("<IIIII", interface, units >> 32, units & 0xFFFFFFFF, len(data), len(data)) + data)


def healthy_frames():
    return [
        ethernet(0x0800, ipv4(6, tcp(40000, 80, 1000, 0, 0x002))),
        ethernet(0x0800, ipv4(6, tcp(80, 40000, 5000, 1001, 0x012))),
        ethernet(0x0800, ipv4(1, icmp_echo(1))),
    ]


def dhcp_discover(options):
    """A DHCP request from MAC_A (the BOOTP header, the magic cookie), then `options`."""
    header = bytes([1, 1, 6, 0]) + bytes.fromhex("12345678") + bytes([0, 0, 0x80, 0]) + bytes(16)
    return header + MAC_A + bytes(10) + bytes(64 + 128) + bytes([99, 130, 83, 99]) + options


def broken_layers():
    """One frame per way a layer can be wrong; the outer layers must survive each."""
    return whole(
        ethernet(0x0800, ipv4(6, tcp(1, 2, 0, 0, 0x002), ihl=3)),             # IPv4 IHL below 5
        ethernet(0x0800, ipv4(6, tcp(1, 2, 0, 0, 0x002), total=12)),           # total length < header
        ethernet(0x0800, ipv4(6, tcp(1, 2, 0, 0, 0x002, offset=4))),           # TCP data offset below 5
        ethernet(0x0800, ipv4(6, tcp(1, 2, 0, 0, 0x002, offset=6, options=b"\x02\x01\x00\x00"))),  # MSS length 1
        ethernet(0x0800, ipv4(17, udp(53, 53, b"abcd", length=4))),            # UDP length below 8
        ethernet(0x0800, ipv4(17, udp(53, 53, b"abcd", length=400))),          # UDP length beyond IP
        ethernet(0x86DD, ipv6(0, b"\x3a\x05\x00\x00")),                        # hop-by-hop header runs off the end
        ethernet(0x0800, ipv4(1, b"\x08\x00\x00\x00")),                        # ICMP cut to 4 bytes
        ethernet(0x0806, bytes.fromhex("000108000604")),                       # ARP cut short
        ethernet(0x8100, b"\x00"),                                             # VLAN tag cut short
        ethernet(0x0800, ipv4(6, b"", total=60)[:20]),                         # IPv4 promises 40 bytes it lacks
        MAC_B + MAC_A[:3],                                                     # Ethernet header cut short
        ethernet(0x0800, bytes.fromhex("6500")),                               # IPv6 version in an IPv4 frame
        ethernet(0x0800, ipv4(17, udp(68, 67, dhcp_discover(bytes([53, 1, 1, 55, 10, 1, 3, 6]))))),  # option past the end
        ethernet(0x0800, ipv4(17, udp(68, 67, dhcp_discover(bytes([53, 0, 55, 2, 1, 3, 255]))))),  # empty message type
        ethernet(0x0800, ipv4(17, udp(68, 67, dhcp_discover(bytes([53, 1, 1, 50]))))),  # a code with no length
    )


def dhcp_option_lengths():
    """DHCP options whose lengths their formats do not allow, which tshark's expert names
    (`length isn't 4`, `Option length isn't a multiple of 8`, `Mask width (33) > 32`) without
    calling the packet malformed; and a domain search list whose last name has no root label."""
    fixed = [1, 5, 255, 255, 255, 0, 9, 51, 3, 0, 0, 1, 57, 3, 2, 64, 0, 54, 2, 10, 0,
             28, 3, 1, 2, 3, 50, 5, 1, 2, 3, 4, 5, 58, 2, 0, 1, 59, 4, 0, 0, 0, 9, 26, 3, 5, 0x78, 0]
    lists = [3, 6, 10, 0, 0, 1, 10, 0, 6, 5, 1, 1, 1, 1, 2, 42, 6, 10, 0, 17, 1, 10, 0,
             33, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 119, 4, 3] + list(b"lan")
    routes = [121, 11, 0, 10, 0, 0, 1, 33, 1, 2, 3, 4, 5]
    return whole(
        ethernet(0x0800, ipv4(17, udp(68, 67, dhcp_discover(bytes([53, 1, 1] + fixed + [255]))))),
        ethernet(0x0800, ipv4(17, udp(68, 67, dhcp_discover(bytes([53, 1, 1] + lists + [255]))))),
        ethernet(0x0800, ipv4(17, udp(68, 67, dhcp_discover(bytes([53, 1, 1] + routes + [255]))))),
    )


def write(name, data, directory=OUT):
    with open(os.path.join(directory, name), "wb") as file:
        file.write(data)


def icmp_error(kind, code, quoted):
    body = struct.pack("!BBHI", kind, code, 0, 0) + quoted
    return body[:2] + struct.pack("!H", checksum(body)) + body[4:]


def quoted_transport():
    """ICMP errors quoting a transport header whole, cut to 8 bytes, and cut to 4 bytes."""
    syn = ipv4(6, tcp(40000, 443, 123456789, 0, 0x002), src="10.0.0.2", dst="10.0.0.9")
    datagram = ipv4(17, udp(5000, 53, b"abcd"), src="10.0.0.2", dst="10.0.0.9")
    quotes = [syn, syn[:28], syn[:24], datagram[:24], datagram]
    return whole(*(ethernet(0x0800, ipv4(1, icmp_error(11, 0, q), src="10.0.0.1", dst="10.0.0.2"))
                   for q in quotes))


def read_pcap(path):
    """The frames of a little-endian microsecond pcap file, as (header, data) pairs."""
    with open(path, "rb") as file:
        data = file.read()
    assert data[:4] == struct.pack("<I", 0xA1B2C3D4), f"{path}: not a little-endian pcap"
    frames, offset = [], 24
    while offset < len(data):
        header = data[offset:offset + 16]
        captured = struct.unpack("<IIII", header)[2]
        frames.append((header, data[offset + 16:offset + 16 + captured]))
        offset += 16 + captured
    return data[:24], frames


def tcp_ports_and_payload(frame):
    """(source port, destination port, payload offset) of an Ethernet/IPv4/TCP frame."""
    ihl = (frame[14] & 0x0F) * 4
    tcp_at = 14 + ihl
    sport, dport = struct.unpack("!HH", frame[tcp_at:tcp_at + 4])
    return sport, dport, tcp_at + (frame[tcp_at + 12] >> 4) * 4


def finished_like_plaintext():
    """One TLS 1.2 connection (AES-128-CBC-SHA256) from the OpenSSL interop capture, with the
    first bytes of the client's encrypted Finished replaced by 08 00 01 00: what a random IV
    produces about once in 2,000 connections, and what tshark, without keys, takes for the
    start of a plaintext EncryptedExtensions message, because the ChangeCipherSpec before it
    is in the same frame. rttscope knows the record is encrypted."""
    source = os.path.join(FIXTURES, "interop", "tls12-openssl.pcap")
    file_header, frames = read_pcap(source)
    number = 98  # Client Key Exchange, Change Cipher Spec, Finished of the 0x003c connection
    ports = set(tcp_ports_and_payload(frames[number - 1][1])[:2])
    kept = []
    for index, (header, frame) in enumerate(frames, start=1):
        if set(tcp_ports_and_payload(frame)[:2]) != ports:
            continue
        if index == number:
            frame = bytearray(frame)
            at = tcp_ports_and_payload(frame)[2]
            records = []
            while at + 5 <= len(frame):
                records.append((frame[at], at))
                at += 5 + struct.unpack("!H", frame[at + 3:at + 5])[0]
            assert [kind for kind, _ in records] == [22, 20, 22], records
            finished_body = records[2][1] + 5
            frame[finished_body:finished_body + 4] = b"\x08\x00\x01\x00"
            frame = bytes(frame)
        kept.append(header + frame)
    return file_header + b"".join(kept)


def timed_pcap(frames):
    """A pcap of (microseconds since TS, frame) pairs, which need not be in time order."""
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
    for micros, data in frames:
        out += struct.pack("<IIII", TS + micros // 1_000_000, micros % 1_000_000, len(data), len(data)) + data
    return out


def sack(*blocks):
    """A SACK option (after two NOPs) with the given (left, right) edges."""
    return bytes([1, 1, 5, 2 + 8 * len(blocks)]) + b"".join(struct.pack("!II", left & 0xFFFFFFFF, right & 0xFFFFFFFF) for left, right in blocks)


def tcp_round_trips():
    """Conversations that exercise tcp.analysis.acks_frame, ack_rtt, initial_rtt and
    bytes_in_flight where they are subtle: a resent SYN, sequence numbers wrapping past 2^32,
    partial and cumulative ACKs, four SACK blocks (Wireshark counts three), a resent segment,
    an ACK in the same microsecond as its segment (no ack_rtt) and one stamped before it (a
    negative one), FIN with and without data, an old ACK, a SYN with data, a handshake whose
    SYN-ACK is missing, and a conversation joined midway."""
    frames = []
    clock = [0]

    def send(micros, client_port, from_client, seq, ack, flags, length=0, options=b"", at=None):
        clock[0] += micros
        src, dst = ("10.0.0.1", "10.0.0.2") if from_client else ("10.0.0.2", "10.0.0.1")
        sport, dport = (client_port, 47000) if from_client else (47000, client_port)
        offset = 5 + len(options) // 4
        segment = tcp(sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, flags, b"x" * length, offset, options)
        frames.append((clock[0] if at is None else at, ethernet(0x0800, ipv4(6, segment, src=src, dst=dst))))

    SYN, FIN, RST, PSH, ACK = 0x002, 0x001, 0x004, 0x008, 0x010
    mss_sack = bytes([2, 4, 5, 180, 4, 2, 1, 1])  # MSS 1460, SACK permitted, two NOPs

    # 1. Wrapping sequence numbers, a resent SYN, partial, cumulative and SACKed ACKs.
    c, s = 0xFFFFFE00, 7000
    send(0, 40001, True, c, 0, SYN, options=mss_sack)
    send(1_000_000, 40001, True, c, 0, SYN, options=mss_sack)
    send(30_000, 40001, False, s, c + 1, SYN | ACK, options=mss_sack)
    send(20, 40001, True, c + 1, s + 1, ACK)
    c += 1
    s += 1
    for index in range(4):  # 100 bytes each, the second crossing 2^32
        send(5, 40001, True, c + 100 * index, s, ACK | (PSH if index == 3 else 0), 100)
    send(30_000, 40001, False, s, c + 150, ACK)  # part of the second segment
    send(10, 40001, False, s, c + 300, ACK)  # the third
    send(10, 40001, False, s, c + 200, ACK)  # an old ACK
    send(10, 40001, False, s, c + 400, ACK)  # the fourth
    c += 400
    for index in range(9):  # segments 0..8; the server will miss 0, 2, 4, 6
        send(5, 40001, True, c + 100 * index, s, ACK, 100)
    blocks = [(c + 100 * i, c + 100 * (i + 1)) for i in (1, 3, 5, 7)]
    send(30_000, 40001, False, s, c, ACK, options=sack(*blocks))
    send(5, 40001, True, c + 900, s, ACK | PSH, 100)
    send(200_000, 40001, True, c, s, ACK, 100)  # segment 0 again
    send(30_000, 40001, False, s, c + 200, ACK, options=sack(*blocks[1:]))
    send(0, 40001, True, c + 200, s, ACK, 100)  # segment 2 again
    send(0, 40001, False, s, c + 400, ACK, options=sack(*blocks[2:]))
    send(50, 40001, False, s, c + 1000, ACK)
    c += 1000
    send(10, 40001, False, s, c, PSH | ACK, 300)  # the server answers
    send(10, 40001, True, c, s + 300, FIN | ACK, 50)
    send(30_000, 40001, False, s + 300, c + 51, FIN | ACK)
    send(10, 40001, True, c + 51, s + 301, ACK)

    # 2. A SYN carrying data (TCP Fast Open), and an ACK stamped before the data it acknowledges.
    c, s = 500_000, 900_000
    send(1000, 40002, True, c, 0, SYN, 100, options=mss_sack)
    send(30_000, 40002, False, s, c + 101, SYN | ACK, options=mss_sack)
    send(20, 40002, True, c + 101, s + 1, ACK | PSH, 200)
    send(0, 40002, False, s + 1, c + 301, ACK, at=clock[0] - 5)
    send(100, 40002, True, c + 301, s + 1, RST, 0)

    # 3. A handshake whose SYN-ACK was not captured, then a FIN alone.
    c, s = 42, 4242
    send(1000, 40003, True, c, 0, SYN, options=mss_sack)
    send(30_040, 40003, True, c + 1, s + 1, ACK)
    send(10, 40003, True, c + 1, s + 1, ACK | PSH, 10)
    send(30_000, 40003, False, s + 1, c + 11, ACK)
    send(10, 40003, True, c + 11, s + 1, FIN | ACK)
    send(30_000, 40003, False, s + 1, c + 12, ACK)

    # 4. Joined midway: acknowledgments without a handshake, and a RST without ACK whose
    # acknowledgment field is not zero.
    c, s = 123_456_789, 987_654_321
    send(1000, 40004, True, c, s, ACK | PSH, 100)
    send(30_000, 40004, False, s, c + 100, ACK | PSH, 50)
    send(10, 40004, True, c + 100, s + 50, ACK, 100)
    send(0, 40004, False, s + 50, c + 200, ACK)  # the same microsecond: no ack_rtt
    send(30_000, 40004, False, s + 50, c + 200, RST, 0)
    return frames


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(CRAFTED, exist_ok=True)
    write("quoted-transport.pcap", pcap(quoted_transport()), CRAFTED)
    write("tls12-finished-like-plaintext.pcap", finished_like_plaintext(), CRAFTED)
    write("tcp-round-trips.pcap", timed_pcap(tcp_round_trips()), CRAFTED)
    write("dhcp-option-lengths.pcap", pcap(dhcp_option_lengths()), CRAFTED)
    good = pcap(whole(*healthy_frames()))

    write("not-a-capture.txt", b"GET / HTTP/1.1\r\nHost: example\r\n\r\n")
    write("empty.pcap", b"")
    write("zip-archive.pcap", b"PK\x03\x04" + b"\0" * 40)
    write("short-header.pcap", good[:10])
    write("cut-in-record-data.pcap", good[:-7])
    first_two = 24 + sum(16 + len(frame) for frame in healthy_frames()[:2])
    write("cut-in-record-header.pcap", good[:first_two + 9])
    huge = struct.pack("<IIII", TS, 0, 0xFFFFFFF0, 0xFFFFFFF0) + b"\0" * 32
    write("huge-record.pcap", pcap(whole(healthy_frames()[0])) + huge)
    write("unknown-linktype.pcap", pcap(whole(b"\x01\x02\x03\x04", b"\xff" * 9), linktype=147))
    write("broken-layers.pcap", pcap(broken_layers()))
    write("snaplen-cut.pcap", pcap([(frame[:40], len(frame)) for frame in healthy_frames()], snaplen=40))

    section = pcapng_section() + idb()
    blocks = [epb(0, frame) for frame in healthy_frames()]
    write("cut.pcapng", (section + b"".join(blocks))[:-10])
    bad_length = bytearray(section + blocks[0] + blocks[1])
    bad_length[len(section) + len(blocks[0]) + 4] = 0x3D  # a block length that is not a multiple of 4
    write("bad-block-length.pcapng", bytes(bad_length))
    write("unknown-interface.pcapng", section + blocks[0] + epb(3, healthy_frames()[1]))

    compressed = gzip.compress(good, mtime=0)
    write("cut-gzip.pcap.gz", compressed[: len(compressed) * 2 // 3])
    return 0


if __name__ == "__main__":
    sys.exit(main())
