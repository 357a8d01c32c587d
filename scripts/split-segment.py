#!/usr/bin/env python3
"""Derives a reordered capture from a real one: one TCP segment arrives as its second half,
then a shorter retransmission of that half (its first half again, at the same sequence
number), then the segment's first half -- what reordering and a partial retransmission do on a
real path. Every other frame is copied as it is.

    scripts/split-segment.py IN.pcap OUT.pcap FRAME

IN is a classic pcap (either byte order, micro- or nanosecond) of Ethernet frames carrying
IPv4 or IPv6 (no extension headers) and TCP; FRAME (counted from 1) must carry at least four
bytes of TCP payload. Lengths and the IPv4 header checksum are rewritten; the TCP checksum is
recomputed. Only the standard library is used.
"""

import struct
import sys


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def with_payload(frame: bytes, seq_delta: int, payload: bytes) -> bytes:
    """The frame with its TCP payload replaced and its sequence number moved on."""
    ethertype = struct.unpack("!H", frame[12:14])[0]
    ip_start = 14
    if ethertype == 0x0800:
        ihl = (frame[ip_start] & 0x0F) * 4
        ip = bytearray(frame[ip_start:ip_start + ihl])
        tcp_start = ip_start + ihl
        src, dst = bytes(ip[12:16]), bytes(ip[16:20])
    elif ethertype == 0x86DD:
        ip = bytearray(frame[ip_start:ip_start + 40])
        if ip[6] != 6:
            sys.exit("split-segment: IPv6 extension headers are not handled")
        tcp_start = ip_start + 40
        src, dst = bytes(ip[8:24]), bytes(ip[24:40])
    else:
        sys.exit(f"split-segment: ethertype 0x{ethertype:04x} is not IP")
    data_offset = (frame[tcp_start + 12] >> 4) * 4
    tcp = bytearray(frame[tcp_start:tcp_start + data_offset])
    seq = (struct.unpack("!I", tcp[4:8])[0] + seq_delta) & 0xFFFFFFFF
    tcp[4:8] = struct.pack("!I", seq)
    tcp[16:18] = b"\0\0"
    segment = bytes(tcp) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(segment)) if len(src) == 4 else \
        src + dst + struct.pack("!IxxxB", len(segment), 6)
    tcp[16:18] = struct.pack("!H", checksum(pseudo + segment))
    if ethertype == 0x0800:
        ip[2:4] = struct.pack("!H", len(ip) + len(segment))
        ip[10:12] = b"\0\0"
        ip[10:12] = struct.pack("!H", checksum(bytes(ip)))
    else:
        ip[4:6] = struct.pack("!H", len(segment))
    return frame[:ip_start] + bytes(ip) + bytes(tcp) + payload


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    source, target, number = sys.argv[1], sys.argv[2], int(sys.argv[3])
    data = open(source, "rb").read()
    magic = data[:4]
    order = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
             b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
    if order is None:
        sys.exit("split-segment: not a classic pcap file")
    if struct.unpack(order + "I", data[20:24])[0] != 1:
        sys.exit("split-segment: only Ethernet captures are handled")
    out = [data[:24]]
    at, index = 24, 0
    while at + 16 <= len(data):
        ts_sec, ts_frac, incl, orig = struct.unpack(order + "IIII", data[at:at + 16])
        frame = data[at + 16:at + 16 + incl]
        at += 16 + incl
        index += 1
        if index != number:
            out.append(struct.pack(order + "IIII", ts_sec, ts_frac, incl, orig) + frame)
            continue
        if incl != orig:
            sys.exit("split-segment: the frame was cut short by the capture")
        ip_start = 14
        ethertype = struct.unpack("!H", frame[12:14])[0]
        tcp_start = ip_start + ((frame[ip_start] & 0x0F) * 4 if ethertype == 0x0800 else 40)
        ip_end = ip_start + (struct.unpack("!H", frame[ip_start + 2:ip_start + 4])[0]
                             if ethertype == 0x0800 else 40 + struct.unpack("!H", frame[18:20])[0])
        payload = frame[tcp_start + (frame[tcp_start + 12] >> 4) * 4:ip_end]
        if len(payload) < 4:
            sys.exit(f"split-segment: frame {number} carries {len(payload)} bytes of TCP payload")
        half = len(payload) // 2
        second, first = payload[half:], payload[:half]
        for delta, part in ((half, second), (half, second[:len(second) // 2]), (0, first)):
            derived = with_payload(frame, delta, part)
            out.append(struct.pack(order + "IIII", ts_sec, ts_frac, len(derived), len(derived)) + derived)
    if index < number:
        sys.exit(f"split-segment: the capture has {index} frames, not {number}")
    open(target, "wb").write(b"".join(out))


if __name__ == "__main__":
    main()
