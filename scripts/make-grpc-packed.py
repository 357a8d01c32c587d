#!/usr/bin/env python3
"""Writes fixtures/crafted/grpc-packed.pcap: gRPC messages grpcio does not send.

It is fixtures/interop/grpc.pcap (grpcio over cleartext HTTP/2, recorded by
scripts/record-interop.sh) with two gRPC messages rewritten in place, each to the same length,
so that no HTTP/2 frame, TCP sequence number or length changes:

- the first request (a 35-byte message, 40 bytes with its prefix) becomes two 15-byte
  messages in the one DATA frame (field 1 a varint, field 2 "hello world"): tshark makes a gRPC
  item and a Protocol Buffers item of each, in turn, and lists gRPC once in frame.protocols;
- the first response's first field's tag (08: field 1, varint) becomes the two-byte tag 80 01
  (field 16, varint), which takes the next byte as its value and leaves the byte after it (0b:
  field 1, wire type 3, a deprecated start-group) as the next tag: tshark stops there with
  its "Unknown or unsupported wiretype" warning;
- the gzip-compressed request's first byte after its gzip header becomes ff (a deflate block
  of the reserved type 3), so that it does not inflate: tshark says "Body decompression
  failed" under its "Message-encoded entity body (gzip): 56 bytes" and hands nothing on.

The rewritten segments get their TCP checksums recomputed.

Regenerate with `python3 scripts/make-grpc-packed.py`.
"""

import importlib.util
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
# The Internet checksum (RFC 1071) and the pcap reader of the tunnel captures' script.
spec = importlib.util.spec_from_file_location("tunnelled", os.path.join(HERE, "make-tunnelled.py"))
tunnelled = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tunnelled)

ROOT = os.path.join(HERE, "..")
SOURCE = os.path.join(ROOT, "fixtures", "interop", "grpc.pcap")
OUTPUT = os.path.join(ROOT, "fixtures", "crafted", "grpc-packed.pcap")
# Ethernet (14) and IPv4 without options (20) headers before the TCP header.
ETHERNET, IPV4 = 14, 20


def message(number):
    """A 20-byte gRPC message: its prefix, then field 1 = number and field 2 = "hello world"."""
    body = bytes([0x08, number, 0x12, 11]) + b"hello world"
    return bytes([0]) + struct.pack(">I", len(body)) + body


# What to find in a frame, and what replaces it (of the same length).
REQUEST = bytes.fromhex("00000000230807120568656c6c6f")
RESPONSE = bytes.fromhex("00000000290801120b")
# A compressed 56-byte message and its gzip header (RFC 1952: magic, deflate, no flags).
GZIPPED = bytes.fromhex("01000000381f8b0800000000000003")
CHANGES = [
    (REQUEST, message(1) + message(2), 40),
    (RESPONSE, bytes.fromhex("0000000029") + bytes.fromhex("8001") + RESPONSE[7:], len(RESPONSE)),
    (GZIPPED, GZIPPED + b"\xff", len(GZIPPED) + 1),
]


def fix_tcp_checksum(frame):
    """Recomputes the TCP checksum of an Ethernet/IPv4/TCP frame (a bytearray) in place."""
    ip = frame[ETHERNET:]
    total_length = struct.unpack(">H", ip[2:4])[0]
    segment = bytearray(ip[IPV4:total_length])
    segment[16:18] = b"\0\0"
    pseudo = ip[12:20] + struct.pack(">BBH", 0, 6, len(segment))
    start = ETHERNET + IPV4 + 16
    frame[start : start + 2] = struct.pack(">H", tunnelled.checksum(bytes(pseudo) + bytes(segment)))


def main():
    header, records = tunnelled.read_pcap(SOURCE)
    out, done = bytearray(header), 0
    for (sec, usec, orig), data in records:
        frame = bytearray(data)
        for index, (find, replacement, length) in enumerate(CHANGES):
            place = frame.find(find)
            if place >= 0 and not done & (1 << index):
                assert len(replacement) == length
                frame[place : place + length] = replacement
                fix_tcp_checksum(frame)
                done |= 1 << index
        out += struct.pack("<IIII", sec, usec, len(frame), orig) + frame
    assert done == (1 << len(CHANGES)) - 1, "a message to rewrite was not found"
    with open(OUTPUT, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
