#!/usr/bin/env python3
"""DNS over TLS whose messages do not fall on TLS record boundaries (RFC 7858 section 3.3:
the two-byte length and the message may be written apart). Python's ssl module makes one TLS
record of each write: a query whose length goes in one record and its body in the next (each
record in a segment of its own), a query written in three records of which the first holds
only one byte of its length and the second also carries the start of the next query, and two
queries in one record. Reads every response. Writes the NSS key log to KEYLOG. For the DNS
interop captures (scripts/interop/dns.sh, rec_dns_tls_split).

Usage: dot_split_client.py SERVER CA HOSTNAME KEYLOG NAME...
"""

import socket
import ssl
import sys
import time

# The framed queries and the reading of framed responses are DNS over TCP's.
from dns_tcp_client import query, read_responses


def write_apart(sock, pieces):
    """One TLS record per piece, each in a TCP segment of its own (TCP_NODELAY, a pause)."""
    for piece in pieces:
        sock.sendall(piece)
        time.sleep(0.05)


def main():
    server, ca, hostname, keylog, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
    context = ssl.create_default_context(cafile=ca)
    context.keylog_filename = keylog
    raw = socket.create_connection((server, 853), timeout=5)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    with context.wrap_socket(raw, server_hostname=hostname) as sock:
        # The length in one record, the message in the next.
        split = query(0x7100, names[0])
        write_apart(sock, [split[:2], split[2:]])
        read_responses(sock, 1)
        # One byte of the length; the rest and the start of the next query; its rest.
        first, second = query(0x7200, names[-1], 1), query(0x7201, names[0])
        write_apart(sock, [first[:1], first[1:] + second[:7], second[7:]])
        read_responses(sock, 2)
        # Two queries in one record.
        sock.sendall(query(0x7300, names[0]) + query(0x7301, names[-1], 1))
        read_responses(sock, 2)


if __name__ == "__main__":
    main()
