#!/usr/bin/env python3
"""Writes fixtures/crafted/srtcp-ciphertext-as-rtcp.pcap: SRTCP tshark reads past its header.

Under an AEAD SRTP profile (RFC 7714), tshark 4.0 reads an SRTCP packet's E flag 16 + 4 bytes
from its end, inside the authentication tag, where RFC 3711's layout would have it; RFC 7714
puts the flag after the tag. Where that bit of the tag is clear, tshark takes the packet for
unencrypted and reads on past the first RTCP packet: while a byte of the ciphertext happens to
be an RTCP packet type (192..=210), it reads another "packet" out of it. A fresh recording of
aiortc peers does this now and then, at random; this capture does it every time.

It is fixtures/interop/webrtc-aiortc.pcap (two aiortc peers under SRTP_AEAD_AES_256_GCM,
recorded by scripts/record-interop.sh) with two bytes changed in each of two SRTCP packets:

- frame 69, a Sender Report (28 bytes) and the encrypted rest of its compound packet: the
  tag's byte where tshark looks for the E flag loses its top bit, and the byte after the
  report where tshark reads the next packet type becomes 203 (Goodbye);
- frame 110, a Goodbye (8 bytes), its tag and index: the same byte of the tag (the tag's
  first, here) loses its top bit, and the tag's second byte becomes 201 (Receiver Report).

Only authenticated ciphertext changes: no peer would accept these packets, but nothing below
RTCP differs but the UDP checksum, which these two datagrams go without (zero, RFC 768).

Regenerate with `python3 scripts/make-srtcp-ciphertext.py`.
"""

import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SOURCE = os.path.join(ROOT, "fixtures", "interop", "webrtc-aiortc.pcap")
OUTPUT = os.path.join(ROOT, "fixtures", "crafted", "srtcp-ciphertext-as-rtcp.pcap")
# Ethernet (14) and IPv4 without options (20) and UDP (8) headers before the SRTCP packet.
ETHERNET, IPV4, UDP = 14, 20, 8
TAG_AND_INDEX = 16 + 4
# Per frame number: where in the SRTCP packet tshark reads the next packet type, and that type.
CHANGES = {69: (29, 203), 110: (9, 201)}


def srtcp_of(frame):
    """The frame as a bytearray, where its SRTCP packet starts, and that packet."""
    frame = bytearray(frame)
    ip = frame[ETHERNET : ETHERNET + IPV4]
    assert ip[0] == 0x45 and ip[9] == 17, "IPv4 without options, carrying UDP"
    start = ETHERNET + IPV4 + UDP
    srtcp = frame[start:]
    assert srtcp[0] >> 6 == 2 and 200 <= srtcp[1] <= 203, "an SRTCP packet"
    return frame, start, srtcp


def main():
    with open(SOURCE, "rb") as f:
        data = f.read()
    out = bytearray(data[:24])
    at, number = 24, 0
    while at + 16 <= len(data):
        (caplen,) = struct.unpack_from("<I", data, at + 8)
        header, frame = data[at : at + 16], data[at + 16 : at + 16 + caplen]
        at += 16 + caplen
        number += 1
        if number in CHANGES:
            frame, start, srtcp = srtcp_of(frame)
            next_type_at, next_type = CHANGES[number]
            e_flag_at = len(srtcp) - TAG_AND_INDEX
            assert next_type_at < len(srtcp) - 4, "the changed type byte is before the index"
            srtcp[e_flag_at] &= 0x7F
            srtcp[next_type_at] = next_type
            frame[start:] = srtcp
            # No UDP checksum (zero, RFC 768) rather than one the change made wrong.
            frame[ETHERNET + IPV4 + 6 : ETHERNET + IPV4 + 8] = b"\0\0"
        out += header + bytes(frame)
    with open(OUTPUT, "wb") as f:
        f.write(out)
    print(f"wrote {OUTPUT}: {number} frames, {len(CHANGES)} changed")


if __name__ == "__main__":
    main()
