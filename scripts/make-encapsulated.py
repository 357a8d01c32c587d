#!/usr/bin/env python3
"""Writes the IP-in-IP captures under fixtures/crafted/ from a capture of real peers.

This kernel has no ipip, sit or ip6tnl device, so an encapsulated flow cannot be recorded
here. Instead, every IP datagram of fixtures/interop/tls13-openssl.pcap (curl against
`openssl s_server`, recorded by scripts/record-interop.sh) is wrapped, byte for byte, in one
more IP header, as a tunnel's entry point would wrap it:

- ipip-tls13-openssl.pcap: an outer IPv4 header (192.0.2.1 <-> 198.51.100.1), protocol 4
  (IP-in-IP, RFC 2003) around an IPv4 datagram and 41 (6in4, RFC 4213) around an IPv6 one;
- ip6tnl-tls13-openssl.pcap: an outer IPv6 header (2001:db8::1 <-> 2001:db8::2), next header
  4 (4in6) or 41 (6in6, RFC 2473).

The client's datagrams go from the first tunnel end to the second, the server's back. The
inner datagrams, their TCP segments and TLS records are the real ones, so the key log of the
original capture decrypts them: it is copied beside each output as NAME.keys, where the tshark
differential finds it. Frames that are not IP (ARP) are kept as they are.

Regenerate with `python3 scripts/make-encapsulated.py`.
"""

import os
import shutil
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SOURCE = os.path.join(ROOT, "fixtures", "interop", "tls13-openssl.pcap")
KEYS = os.path.join(ROOT, "fixtures", "interop", "tls13-openssl.keys")
CRAFTED = os.path.join(ROOT, "fixtures", "crafted")

# The client's addresses in the source capture (its veth end).
CLIENT = {bytes([10, 0, 21, 1]), bytes.fromhex("fd000021000000000000000000000001")}

ETHERTYPE_IPV4, ETHERTYPE_IPV6 = 0x0800, 0x86DD
IPIP, IPV6_IN_IP = 4, 41


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def read_pcap(path):
    """The global header and each record's (header fields, data) of a little-endian pcap."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == bytes.fromhex("d4c3b2a1"), "a little-endian microsecond pcap"
    assert struct.unpack_from("<I", data, 20)[0] == 1, "LINKTYPE_ETHERNET"
    records, at = [], 24
    while at < len(data):
        sec, usec, incl, orig = struct.unpack_from("<IIII", data, at)
        records.append(((sec, usec, orig), data[at + 16 : at + 16 + incl]))
        at += 16 + incl
    return data[:24], records


def inner_of(frame):
    """The inner datagram's IP protocol number for the outer header, and whether the client sent it."""
    ethertype = struct.unpack_from("!H", frame, 12)[0]
    if ethertype == ETHERTYPE_IPV4:
        return IPIP, frame[14 + 12 : 14 + 16] in CLIENT
    if ethertype == ETHERTYPE_IPV6:
        return IPV6_IN_IP, frame[14 + 8 : 14 + 24] in CLIENT
    return None, False


class Ipv4Tunnel:
    ETHERTYPE = ETHERTYPE_IPV4
    ENDS = (bytes([192, 0, 2, 1]), bytes([198, 51, 100, 1]))

    def __init__(self):
        self.ident = [0x1000, 0x2000]

    def wrap(self, protocol, from_client, inner):
        src, dst = self.ENDS if from_client else self.ENDS[::-1]
        side = 0 if from_client else 1
        ident = self.ident[side]
        self.ident[side] += 1
        # version 4, IHL 5; TOS 0; total length; identification; DF; TTL 64; protocol; checksum
        header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(inner), ident, 0x4000, 64, protocol, 0, src, dst)
        header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
        return header + inner


class Ipv6Tunnel:
    ETHERTYPE = ETHERTYPE_IPV6
    ENDS = (bytes.fromhex("20010db8000000000000000000000001"), bytes.fromhex("20010db8000000000000000000000002"))

    def wrap(self, protocol, from_client, inner):
        src, dst = self.ENDS if from_client else self.ENDS[::-1]
        # version 6, traffic class 0, flow label 0; payload length; next header; hop limit 64
        return struct.pack("!IHBB16s16s", 0x60000000, len(inner), protocol, 64, src, dst) + inner


def write(name, tunnel):
    global_header, records = read_pcap(SOURCE)
    out = bytearray(global_header)
    for (sec, usec, orig), frame in records:
        protocol, from_client = inner_of(frame)
        if protocol is not None:
            assert orig == len(frame), "every frame was captured whole"
            inner = tunnel.wrap(protocol, from_client, frame[14:])
            frame = frame[:12] + struct.pack("!H", tunnel.ETHERTYPE) + inner
            orig = len(frame)
        out += struct.pack("<IIII", sec, usec, len(frame), orig) + frame
    path = os.path.join(CRAFTED, name + ".pcap")
    with open(path, "wb") as f:
        f.write(out)
    shutil.copyfile(KEYS, os.path.join(CRAFTED, name + ".keys"))
    print(f"wrote {path} ({len(records)} frames)")


if __name__ == "__main__":
    write("ipip-tls13-openssl", Ipv4Tunnel())
    write("ip6tnl-tls13-openssl", Ipv6Tunnel())
