#!/usr/bin/env python3
"""Writes fixtures/crafted/tls-cut-midrecord.pcap: TLS picked up in the middle of a record.

A capture that starts in the middle of a TLS connection is what anyone gets who starts
tcpdump while a browser is downloading; no peer can be made to send one. So this capture is
cut from one of real peers, fixtures/interop/tls-midstream.pcap (curl against
`openssl s_server -HTTP` on TCP 443, recorded by scripts/record-interop.sh), by dropping
frames, byte for byte otherwise:

- the TLS 1.2 connection loses its first four frames (the client's ClientKeyExchange,
  ChangeCipherSpec and Finished, the server's, the client's request, and the first segment of
  the server's 16 kB record): it starts with a segment in the middle of that record;
- the TLS 1.3 connection loses the client's request and the first two segments of the server's
  first record: it too starts in the middle of a record.

Neither side's handshake is in the capture, so there are no keys to give. tshark (and
rttscope) show each segment before the next record boundary as "Continuation Data" and read
the records from the first segment that starts one.

It also writes fixtures/crafted/tls-gap-in-record.pcap: the same source with two segments
lost inside records (frame 8, in the TLS 1.2 connection's first 16 kB record, and frame 32, in
the TLS 1.3 one's), the way a capture that dropped packets has them. Wireshark keeps each
record's end across the gap: the segments after it, up to that end, are segment data of a
record that is never completed, and the segment that starts the next record is read as TLS.

And fixtures/crafted/tls-short-midstream.pcap, with its key log: fixtures/interop/tls13-openssl.pcap
(curl against `openssl s_server`) from its frame 67 on, so that the last connection is picked
up with a one-byte segment, the last byte of a server record. Wireshark reads a segment too
short for a record header with the next one; by then the client's record has told the
version, so the two are an "Ignored Unknown Record" (and the record that begins the second
segment is never read).

Regenerate with `python3 scripts/make-tls-cut.py`.
"""

import os
import shutil
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MIDSTREAM = os.path.join(ROOT, "fixtures", "interop", "tls-midstream.pcap")
TLS13 = os.path.join(ROOT, "fixtures", "interop", "tls13-openssl.pcap")
# Each capture written: its source, and the frame numbers of the source (from 1) it leaves out.
OUTPUTS = {
    "tls-cut-midrecord.pcap": (MIDSTREAM, set([1, 2, 3, 4, 30, 31, 32])),
    "tls-gap-in-record.pcap": (MIDSTREAM, set([8, 32])),
    "tls-short-midstream.pcap": (TLS13, set(range(1, 67))),
}


def frames(data):
    """The pcap's global header, then each record (header and bytes) in order."""
    yield data[:24]
    at = 24
    while at + 16 <= len(data):
        (caplen,) = struct.unpack_from("<I", data, at + 8)
        yield data[at : at + 16 + caplen]
        at += 16 + caplen


def main():
    for name, (source, dropped) in OUTPUTS.items():
        with open(source, "rb") as capture:
            data = capture.read()
        assert data[:4] == b"\xd4\xc3\xb2\xa1", "a little-endian microsecond pcap"
        parts = list(frames(data))
        kept = [parts[0]] + [frame for number, frame in enumerate(parts[1:], 1) if number not in dropped]
        output = os.path.join(ROOT, "fixtures", "crafted", name)
        with open(output, "wb") as written:
            written.write(b"".join(kept))
        if source == TLS13:
            keys = os.path.splitext(source)[0] + ".keys"
            shutil.copyfile(keys, os.path.splitext(output)[0] + ".keys")


if __name__ == "__main__":
    main()
