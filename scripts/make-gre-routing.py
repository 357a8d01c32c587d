#!/usr/bin/env python3
"""Writes two more tunnel captures under fixtures/crafted/, as scripts/make-tunnelled.py writes
its own (and from the same real capture): GRE with RFC 1701 routing, and ERSPAN type III
with its platform-specific subheader.

This kernel has no GRE or ERSPAN module, and Linux's GRE never sends RFC 1701 routing (it
refuses the R bit), so neither can be recorded here. Every IP frame of
fixtures/interop/tls13-openssl.pcap (curl against `openssl s_server`) is wrapped, byte for
byte, following the RFC layouts:

- gre-routing-tls13-openssl.pcap: outer IPv4, protocol 47, RFC 1701 GRE around the inner IP
  datagram with the R bit set (so the checksum and offset word is present): the client's
  with a checksum, a key and a sequence number, its routing an IP source route entry
  (address family 0x0800, SRE offset 4, two addresses) then the null entry that ends the
  list; the server's with its routing an AS source route entry (0xfffe, two 2-byte AS
  numbers) then the null entry;
- erspan3-platform-tls13-openssl.pcap: the Ethernet frames mirrored by ERSPAN type III (GRE
  0x22eb with a sequence number, the 12-byte header of version 2) with the O bit set and the
  8-byte platform-specific subheader after it, the platform ID going round 1, 3, 4, 5 and 7
  (draft-foschiano-erspan-03 section 4.3 and Wireshark's reading of each).

The inner frames, their TCP segments and TLS records are the real ones; the original key
log is copied beside each output. Regenerate with `python3 scripts/make-gre-routing.py`.
"""

import importlib.util
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("tunnelled", os.path.join(HERE, "make-tunnelled.py"))
tunnelled = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tunnelled)

GRE, ERSPAN_III = tunnelled.GRE, tunnelled.ERSPAN_III


def gre_routing_header(protocol, payload, routing, checksummed=False, key=None, sequence=None):
    """RFC 1701 section 2: C R K S s Recur(3) Flags(5) Ver(3), Protocol Type, then
    checksum and offset (present when C or R is), key, sequence number, and the routing."""
    flags = 0x4000 | (0x8000 if checksummed else 0)
    flags |= (0x2000 if key is not None else 0) | (0x1000 if sequence is not None else 0)
    header = struct.pack("!HH", flags, protocol) + struct.pack("!HH", 0, 0)
    if key is not None:
        header += struct.pack("!I", key)
    if sequence is not None:
        header += struct.pack("!I", sequence)
    header += routing
    if checksummed:
        value = tunnelled.checksum(header + payload)
        header = header[:4] + struct.pack("!H", value) + header[6:]
    return header + payload


def sre(family, offset, information):
    """A Source Route Entry: address family, SRE offset, SRE length, routing information."""
    return struct.pack("!HBB", family, offset, len(information)) + information


NULL_SRE = sre(0, 0, b"")


class GreRouting:
    def __init__(self):
        self.ends, self.sequence = tunnelled.Ends(), 0

    def wrap(self, index, frame):
        if not tunnelled.is_ip(frame):
            return frame
        client = tunnelled.from_client(frame)
        protocol = tunnelled.ethertype_of(frame)
        if client:
            self.sequence += 1
            routing = sre(0x0800, 4, bytes([198, 51, 100, 7, 198, 51, 100, 1])) + NULL_SRE
            gre = gre_routing_header(protocol, frame[14:], routing, checksummed=True, key=0x2A, sequence=self.sequence)
        else:
            routing = sre(0xFFFE, 2, struct.pack("!HH", 64500, 64501)) + NULL_SRE
            gre = gre_routing_header(protocol, frame[14:], routing)
        return self.ends.ipv4(client, GRE, gre)


PLATFORMS = (1, 3, 4, 5, 7)


def platform_subheader(platform, index):
    """The 8-byte platform-specific subheader: Platf ID (6 bits), then its own layout."""
    if platform == 1:  # reserved(14) VSM ID(12) | port index(32)
        first, second = (0x123 << 0), 0x00010000 + index
    elif platform == 3:  # reserved(12) port ID/index(14) | timestamp (upper 32 bits)
        first, second = 0x0ABC, 0x5E000000 + index
    elif platform == 4:  # reserved(26) | reserved(32)
        first, second = 0, 0
    elif platform == 5:  # switch ID(10) port index(16) | timestamp (seconds)
        first, second = (0x2A << 16) | 0x0101, 0x5E000000 + index
    else:  # 7: reserved(6) source index(20) | timestamp (seconds)
        first, second = 0x12345, 0x5E000000 + index
    return struct.pack("!II", (platform << 26) | first, second)


class ErspanPlatform:
    def __init__(self):
        self.ends, self.sequence = tunnelled.Ends(), 0

    def wrap(self, index, frame):
        client = tunnelled.from_client(frame)
        self.sequence += 1
        direction = 0 if client else 1
        # sgt | p(1) ft(5) hw(6) d(1) gra(2) o(1): O set, the subheader follows
        low = (0x21 << 4) | (direction << 3) | (1 << 1) | 1
        header = struct.pack("!HHIHH", (2 << 12) | 100, (2 << 13) | 0x2AA, 0x01020304 + index, 0xBEEF, low)
        header += platform_subheader(PLATFORMS[index % len(PLATFORMS)], index)
        gre = tunnelled.gre_header(ERSPAN_III, header + frame, sequence=self.sequence)
        return self.ends.ipv4(client, GRE, gre)


if __name__ == "__main__":
    tunnelled.write("gre-routing-tls13-openssl", GreRouting())
    tunnelled.write("erspan3-platform-tls13-openssl", ErspanPlatform())
