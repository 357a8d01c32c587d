#!/usr/bin/env python3
"""make-dns-fixtures.py -- write fixtures/crafted/dns-multicast.pcap.

mDNS (UDP 5353) and LLMNR (UDP 5355) need a responder on a multicast group (avahi,
systemd-resolved): daemons too heavy to run inside the recorder's namespaces. These
frames are therefore built here, byte by byte, from RFC 6762 and RFC 4795: an mDNS
query with the QU bit, an mDNS announcement with cache-flush records (PTR, SRV, TXT, A,
AAAA, compressed names), an LLMNR query and its response with the conflict bit, and a
unicast DNS message with record types the recorded resolver does not serve (NS, PTR,
an unknown type kept as data, SVCB with every SvcParam). Addresses are documentation
and link-local ones; nothing here is sent.

Usage: scripts/make-dns-fixtures.py [OUTDIR]   (default: fixtures/crafted)
"""

import struct
import sys
from pathlib import Path


def name(text, pointers=None, at=0):
    """A name in wire form; `pointers` maps a suffix to an earlier offset (compression)."""
    out = b""
    labels = text.split(".") if text else []
    for index in range(len(labels)):
        suffix = ".".join(labels[index:])
        if pointers and suffix in pointers:
            return out + struct.pack("!H", 0xC000 | pointers[suffix])
        label = labels[index].encode()
        out += bytes([len(label)]) + label
    return out + b"\x00"


def header(ident, flags, qd=0, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", ident, flags, qd, an, ns, ar)


def rr(owner, rtype, rclass, ttl, rdata):
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def ipv4_udp(src, dst, sport, dport, payload, ttl=255):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0x1234, 0x4000, ttl, 17, 0,
                     bytes(src), bytes(dst))
    total = 0
    for index in range(0, 20, 2):
        total += (ip[index] << 8) | ip[index + 1]
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    ip = ip[:10] + struct.pack("!H", ~total & 0xFFFF) + ip[12:]
    return ip + udp


def ethernet(src, dst, payload, ethertype=0x0800):
    return bytes(dst) + bytes(src) + struct.pack("!H", ethertype) + payload


def mdns_frames():
    host = [0x02, 0, 0, 0, 0, 1]
    group_mac = [0x01, 0x00, 0x5E, 0x00, 0x00, 0xFB]
    host_ip, group = [169, 254, 1, 1], [224, 0, 0, 251]
    # A query for the printers on the link, asking for a unicast answer (QU bit).
    query = header(0, 0x0000, qd=1) + name("_ipp._tcp.local") + struct.pack("!HH", 12, 0x8001)
    # The announcement: PTR to the instance, its SRV, TXT, A and AAAA, names compressed
    # against the first record's.
    body = header(0, 0x8400, an=5)
    offset = len(body)
    ptr_owner = name("_ipp._tcp.local")
    pointers = {"_ipp._tcp.local": offset, "_tcp.local": offset + 5, "local": offset + 10}
    instance_at = offset + len(ptr_owner) + 10
    instance = name("printer._ipp._tcp.local", pointers)
    body += rr(ptr_owner, 12, 1, 4500, instance)
    pointers["printer._ipp._tcp.local"] = instance_at
    srv_owner = name("printer._ipp._tcp.local", pointers)
    target_at = len(body) + len(srv_owner) + 10 + 6
    target = name("printer.local", pointers)
    body += rr(srv_owner, 33, 0x8001, 120, struct.pack("!HHH", 0, 0, 631) + target)
    pointers["printer.local"] = target_at
    txt = b"".join(bytes([len(text)]) + text for text in (b"txtvers=1", b"qtotal=1", b"rp=ipp/print"))
    body += rr(name("printer._ipp._tcp.local", pointers), 16, 0x8001, 4500, txt)
    body += rr(name("printer.local", pointers), 1, 0x8001, 120, bytes(host_ip))
    link_local = bytes([0xFE, 0x80] + [0] * 6 + [0, 0, 0, 0xFF, 0xFE, 0, 0, 1])
    body += rr(name("printer.local", pointers), 28, 0x8001, 120, link_local)
    return [
        ethernet(host, group_mac, ipv4_udp(host_ip, group, 5353, 5353, query)),
        ethernet(host, group_mac, ipv4_udp(host_ip, group, 5353, 5353, body)),
    ]


def llmnr_frames():
    asker, answerer = [0x02, 0, 0, 0, 0, 2], [0x02, 0, 0, 0, 0, 3]
    group_mac = [0x01, 0x00, 0x5E, 0x00, 0x00, 0xFC]
    asker_ip, answerer_ip, group = [169, 254, 1, 2], [169, 254, 1, 3], [224, 0, 0, 252]
    question = name("fileserver") + struct.pack("!HH", 1, 1)
    query = header(0x8A3C, 0x0000, qd=1) + question
    answer = header(0x8A3C, 0x8000 | 0x0400, qd=1, an=1) + question
    answer += rr(struct.pack("!H", 0xC00C), 1, 1, 30, bytes(answerer_ip))
    return [
        ethernet(asker, group_mac, ipv4_udp(asker_ip, group, 49152, 5355, query, ttl=1)),
        ethernet(answerer, asker, ipv4_udp(answerer_ip, asker_ip, 5355, 49152, answer)),
    ]


def unicast_frames():
    client, server = [0x02, 0, 0, 0, 0, 4], [0x02, 0, 0, 0, 0, 5]
    client_ip, server_ip = [192, 0, 2, 10], [192, 0, 2, 53]
    frames = []

    def exchange(ident, qname, qtype, records, counts=(0, 0), rcode=0):
        question = name(qname) + struct.pack("!HH", qtype, 1)
        query = header(ident, 0x0100, qd=1) + question
        answers, authority = counts
        response = header(ident, 0x8180 | rcode, qd=1, an=answers, ns=authority) + question
        response += b"".join(records)
        frames.append(ethernet(client, server, ipv4_udp(client_ip, server_ip, 40000 + ident % 1000, 53, query, 64)))
        frames.append(ethernet(server, client, ipv4_udp(server_ip, client_ip, 53, 40000 + ident % 1000, response, 64)))

    at_qname = struct.pack("!H", 0xC00C)
    exchange(0x1001, "example.test", 2, [
        rr(at_qname, 2, 1, 3600, name("ns1.example.test")),
        rr(at_qname, 2, 1, 3600, b"\x03ns2" + at_qname),
    ], counts=(2, 0))
    exchange(0x1002, "10.2.0.192.in-addr.arpa", 12, [
        rr(at_qname, 12, 1, 300, name("client.example.test")),
    ], counts=(1, 0))
    # Type 65280 (private use) is kept as data.
    exchange(0x1003, "private.example.test", 65280, [
        rr(at_qname, 65280, 1, 60, b"\xde\xad\xbe\xef"),
    ], counts=(1, 0))
    # SVCB with every SvcParam rttscope names, and an unknown key.
    params = b""
    params += struct.pack("!HH", 0, 4) + struct.pack("!HH", 1, 3)  # mandatory: alpn, port
    params += struct.pack("!HH", 1, 6) + b"\x02h2\x02h3"  # alpn
    params += struct.pack("!HH", 2, 0)  # no-default-alpn
    params += struct.pack("!HH", 3, 2) + struct.pack("!H", 8443)  # port
    params += struct.pack("!HH", 4, 8) + bytes([192, 0, 2, 1, 192, 0, 2, 2])  # ipv4hint
    params += struct.pack("!HH", 5, 4) + b"\x00\x02\xfe\x0d"  # ech
    params += struct.pack("!HH", 6, 16) + bytes([0x20, 0x01, 0x0D, 0xB8] + [0] * 11 + [1])  # ipv6hint
    params += struct.pack("!HH", 65001, 3) + b"abc"  # a key of private use
    svcb = struct.pack("!H", 1) + name("svc.example.test") + params
    exchange(0x1004, "_8443._https.example.test", 64, [rr(at_qname, 64, 1, 300, svcb)], counts=(1, 0))
    # An alias-mode HTTPS record (priority 0, no params).
    exchange(0x1005, "alias.example.test", 65, [
        rr(at_qname, 65, 1, 300, struct.pack("!H", 0) + name("example.test")),
    ], counts=(1, 0))
    # A query for the root's NS, answered with a REFUSED rcode and nothing else.
    exchange(0x1006, "", 2, [], rcode=5)
    # A dynamic update (RFC 2136): the zone, no prerequisites, one A record to add; the
    # response echoes the zone.
    zone = name("example.test") + struct.pack("!HH", 6, 1)
    added = rr(name("new.example.test"), 1, 1, 300, bytes([192, 0, 2, 77]))
    update = header(0x1007, 0x2800, qd=1, ns=1) + zone + added
    done = header(0x1007, 0xA800, qd=1) + zone
    frames.append(ethernet(client, server, ipv4_udp(client_ip, server_ip, 41007, 53, update, 64)))
    frames.append(ethernet(server, client, ipv4_udp(server_ip, client_ip, 53, 41007, done, 64)))
    return frames


def write_pcap(path, frames):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        seconds = 1_790_000_000
        for index, frame in enumerate(frames):
            micros = index * 1500
            out.write(struct.pack("<IIII", seconds + micros // 1_000_000, micros % 1_000_000,
                                  len(frame), len(frame)))
            out.write(frame)


def main():
    outdir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "fixtures/crafted"
    write_pcap(outdir / "dns-multicast.pcap", mdns_frames() + llmnr_frames())
    write_pcap(outdir / "dns-records.pcap", unicast_frames())


if __name__ == "__main__":
    main()
