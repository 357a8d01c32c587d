#!/usr/bin/env python3
"""DNS over TCP as a stub resolver may send it (RFC 7766 section 6.2.1.1: pipelining): several
queries in one segment, and a query split across two segments whose second also carries the
start of the next query. Reads every response. For the DNS interop captures
(scripts/interop/dns.sh, rec_dns_tcp).

Usage: dns_tcp_client.py SERVER NAME...
"""

import socket
import struct
import sys
import time


def query(ident, name, qtype=16):
    """A framed standard query (RD set) for NAME of type QTYPE (TXT by default)."""
    header = struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0)
    qname = b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"
    message = header + qname + struct.pack("!HH", qtype, 1)
    return struct.pack("!H", len(message)) + message


def read_responses(sock, count):
    buffered = b""
    for _ in range(count):
        while len(buffered) < 2 or len(buffered) < 2 + struct.unpack("!H", buffered[:2])[0]:
            chunk = sock.recv(65536)
            if not chunk:
                raise SystemExit("the server closed the connection early")
            buffered += chunk
        length = struct.unpack("!H", buffered[:2])[0]
        buffered = buffered[2 + length:]


def main():
    server, names = sys.argv[1], sys.argv[2:]
    sock = socket.create_connection((server, 53), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # Three queries in one segment.
    sock.sendall(b"".join(query(0x5100 + i, name) for i, name in enumerate(names[:3])))
    read_responses(sock, 3)
    # A query cut in two, the second part followed by the start of another, then its rest.
    first, second = query(0x5200, names[0], 1), query(0x5201, names[-1])
    sock.sendall(first[:9])
    time.sleep(0.05)
    sock.sendall(first[9:] + second[:5])
    time.sleep(0.05)
    sock.sendall(second[5:])
    read_responses(sock, 2)
    sock.close()


if __name__ == "__main__":
    main()
