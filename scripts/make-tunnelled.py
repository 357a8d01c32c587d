#!/usr/bin/env python3
"""Writes the GRE, ERSPAN, Geneve and MPLS captures under fixtures/crafted/ from a capture of real peers.

This kernel has no GRE, ERSPAN, Geneve or MPLS module, so no flow through one of these tunnels
can be recorded here (VXLAN, which it has, is recorded for real by scripts/interop/tunnel.sh).
Instead, every IP frame of fixtures/interop/tls13-openssl.pcap (curl against `openssl
s_server`, recorded by scripts/record-interop.sh) is wrapped, byte for byte, as a tunnel's
entry point would wrap it, following the RFC layouts:

- gre-tls13-openssl.pcap: outer IPv4 (192.0.2.1 <-> 198.51.100.1), protocol 47, a GRE header
  (RFC 2784, RFC 2890) around the inner IP datagram (protocol type 0x0800 or 0x86dd); the
  client's with checksum, key 0x00002a and sequence number, the server's with the key only;
- gretap-tls13-openssl.pcap: outer IPv6 (2001:db8::1 <-> 2001:db8::2), next header 47, GRE
  with a key, protocol type 0x6558 (transparent Ethernet bridging) around the whole Ethernet
  frame, into which an 802.1Q tag (VLAN 100, priority 3) is inserted: 802.1Q inside a tunnel;
- erspan-tls13-openssl.pcap: the Ethernet frames mirrored by ERSPAN over GRE in outer IPv4,
  in turn type I (GRE 0x88be, no sequence number, no ERSPAN header), type II (GRE 0x88be with
  a sequence number, the 8-byte header of version 1) and type III (GRE 0x22eb, the 12-byte
  header of version 2);
- geneve-tls13-openssl.pcap: outer IPv4 / UDP to port 6081, a Geneve header (RFC 8926) of
  VNI 0x123456 and protocol type 0x6558 around the Ethernet frame; the client's frames carry
  two options (a 4-byte and an 8-byte one, the first critical), the server's none;
- mpls-tls13-openssl.pcap: the IP datagram under a stack of two MPLS label stack entries
  (RFC 3032; EtherType 0x8847), labels 16 and 1000, the second the bottom of the stack.

The client's frames go from the first tunnel end to the second, the server's back. The inner
frames, their TCP segments and TLS records are the real ones, so the key log of the original
capture decrypts them: it is copied beside each output as NAME.keys, where the tshark
differential finds it. Frames that are not IP (ARP) are kept as they are, except in the
captures that carry whole Ethernet frames (gretap, erspan, geneve), which carry them too.

Regenerate with `python3 scripts/make-tunnelled.py`.
"""

import os
import shutil
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SOURCE = os.path.join(ROOT, "fixtures", "interop", "tls13-openssl.pcap")
KEYS = os.path.join(ROOT, "fixtures", "interop", "tls13-openssl.keys")
CRAFTED = os.path.join(ROOT, "fixtures", "crafted")

# The client's addresses and MAC in the source capture (its veth end).
CLIENT = {bytes([10, 0, 21, 1]), bytes.fromhex("fd000021000000000000000000000001")}
CLIENT_MAC = bytes.fromhex("020000002101")

ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_VLAN = 0x0800, 0x86DD, 0x8100
ETHERTYPE_MPLS, TEB, ERSPAN_II, ERSPAN_III = 0x8847, 0x6558, 0x88BE, 0x22EB
GRE, UDP = 47, 17
GENEVE_PORT = 6081

# The outer link: the tunnel ends' own MACs.
OUTER_MACS = (bytes.fromhex("020000000a01"), bytes.fromhex("020000000a02"))
V4_ENDS = (bytes([192, 0, 2, 1]), bytes([198, 51, 100, 1]))
V6_ENDS = (bytes.fromhex("20010db8000000000000000000000001"), bytes.fromhex("20010db8000000000000000000000002"))


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


def from_client(frame):
    """Whether the client sent the frame: its source MAC is the client's."""
    return frame[6:12] == CLIENT_MAC


def ethertype_of(frame):
    return struct.unpack_from("!H", frame, 12)[0]


def outer_ethernet(client, ethertype):
    dst, src = OUTER_MACS[::-1] if client else OUTER_MACS
    return dst + src + struct.pack("!H", ethertype)


class Ends:
    """The outer IP headers, one identification counter per direction."""

    def __init__(self):
        self.ident = [0x1000, 0x2000]

    def ipv4(self, client, protocol, payload):
        src, dst = V4_ENDS if client else V4_ENDS[::-1]
        side = 0 if client else 1
        ident = self.ident[side]
        self.ident[side] += 1
        header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, protocol, 0, src, dst)
        header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
        return outer_ethernet(client, ETHERTYPE_IPV4) + header + payload

    def ipv6(self, client, protocol, payload):
        src, dst = V6_ENDS if client else V6_ENDS[::-1]
        header = struct.pack("!IHBB16s16s", 0x60000000, len(payload), protocol, 64, src, dst)
        return outer_ethernet(client, ETHERTYPE_IPV6) + header + payload


def gre_header(protocol, payload, checksummed=False, key=None, sequence=None):
    """RFC 2784 section 2.1, RFC 2890 section 2: C, K and S flags, then the optional words."""
    flags = (0x8000 if checksummed else 0) | (0x2000 if key is not None else 0) | (0x1000 if sequence is not None else 0)
    header = struct.pack("!HH", flags, protocol)
    if checksummed:
        header += b"\0\0\0\0"  # checksum, reserved1
    if key is not None:
        header += struct.pack("!I", key)
    if sequence is not None:
        header += struct.pack("!I", sequence)
    if checksummed:
        value = checksum(header + payload)
        header = header[:4] + struct.pack("!H", value) + header[6:]
    return header + payload


def is_ip(frame):
    return ethertype_of(frame) in (ETHERTYPE_IPV4, ETHERTYPE_IPV6)


class Gre:
    def __init__(self):
        self.ends, self.sequence = Ends(), 0

    def wrap(self, index, frame):
        if not is_ip(frame):
            return frame
        client = from_client(frame)
        if client:
            self.sequence += 1
            gre = gre_header(ethertype_of(frame), frame[14:], checksummed=True, key=0x2A, sequence=self.sequence)
        else:
            gre = gre_header(ethertype_of(frame), frame[14:], key=0x2A)
        return self.ends.ipv4(client, GRE, gre)


class GreTap:
    def __init__(self):
        self.ends = Ends()

    def wrap(self, index, frame):
        # priority 3, DEI 0, VLAN 100, then the frame's own EtherType
        tagged = frame[:12] + struct.pack("!HH", ETHERTYPE_VLAN, (3 << 13) | 100) + frame[12:]
        return self.ends.ipv6(from_client(frame), GRE, gre_header(TEB, tagged, key=100))


class Erspan:
    def __init__(self):
        self.ends, self.sequence = Ends(), 0

    def wrap(self, index, frame):
        client = from_client(frame)
        kind = index % 3
        if kind == 0:
            # Type I: GRE with no sequence number, the mirrored frame straight after it.
            return self.ends.ipv4(client, GRE, gre_header(ERSPAN_II, frame))
        self.sequence += 1
        if kind == 1:
            # Type II (version 1): ver(4) vlan(12) | cos(3) en(2) t(1) session(10) | reserved(12) index(20)
            header = struct.pack("!HHI", (1 << 12) | 100, (5 << 13) | (3 << 11) | 0x155, 7)
            return self.ends.ipv4(client, GRE, gre_header(ERSPAN_II, header + frame, sequence=self.sequence))
        # Type III (version 2): ver vlan | cos bso t session | timestamp | sgt p ft hw d gra o
        direction = 0 if client else 1
        low = (0 << 15) | (0 << 10) | (0x21 << 4) | (direction << 3) | (1 << 1) | 0
        header = struct.pack("!HHIHH", (2 << 12) | 100, (2 << 13) | (0 << 11) | 0x2AA, 0x01020304 + index, 0xBEEF, low)
        return self.ends.ipv4(client, GRE, gre_header(ERSPAN_III, header + frame, sequence=self.sequence))


class Geneve:
    def __init__(self):
        self.ends = Ends()

    def wrap(self, index, frame):
        client = from_client(frame)
        options = b""
        if client:
            # class 0x0102, type 0x80 (critical), length 1 word: 4 bytes of data
            options += struct.pack("!HBB", 0x0102, 0x80, 1) + bytes.fromhex("0a0b0c0d")
            # class 0xffff (experimental), type 0x01, length 2 words
            options += struct.pack("!HBB", 0xFFFF, 0x01, 2) + bytes(range(1, 9))
        flags = 0x40 if client else 0  # the C bit, critical options present
        # Ver(2) Opt Len(6) | O C Rsvd(6) | Protocol Type | VNI(24) Reserved(8)
        header = struct.pack("!BBHI", len(options) // 4, flags, TEB, 0x123456 << 8) + options
        datagram = header + frame
        ports = (49152 + index % 7, GENEVE_PORT) if client else (49200 + index % 7, GENEVE_PORT)
        udp = struct.pack("!HHHH", ports[0], ports[1], 8 + len(datagram), 0) + datagram
        return self.ends.ipv4(client, UDP, udp)


class Mpls:
    def wrap(self, index, frame):
        if not is_ip(frame):
            return frame
        # label(20) TC(3) S(1) TTL(8)
        stack = struct.pack("!II", (16 << 12) | (0 << 9) | 64, (1000 << 12) | (5 << 9) | (1 << 8) | 63)
        return frame[:12] + struct.pack("!H", ETHERTYPE_MPLS) + stack + frame[14:]


def write(name, tunnel):
    global_header, records = read_pcap(SOURCE)
    out = bytearray(global_header)
    for index, ((sec, usec, orig), frame) in enumerate(records):
        assert orig == len(frame), "every frame was captured whole"
        frame = tunnel.wrap(index, frame)
        out += struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame
    path = os.path.join(CRAFTED, name + ".pcap")
    with open(path, "wb") as f:
        f.write(out)
    shutil.copyfile(KEYS, os.path.join(CRAFTED, name + ".keys"))
    print(f"wrote {path} ({len(records)} frames)")


if __name__ == "__main__":
    write("gre-tls13-openssl", Gre())
    write("gretap-tls13-openssl", GreTap())
    write("erspan-tls13-openssl", Erspan())
    write("geneve-tls13-openssl", Geneve())
    write("mpls-tls13-openssl", Mpls())
