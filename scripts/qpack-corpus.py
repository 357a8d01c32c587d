#!/usr/bin/env python3
"""Prints QPACK field sections made by ls-qpack (through pylsqpack, which aioquic uses) for
rttscope's QPACK test: one line per section, `HEX<TAB>NAME=VALUE<TAB>...`, with names and
values hex-encoded as well, so that any byte survives.

Usage: qpack-corpus.py SEED COUNT

The encoder is never given the peer's settings, so it uses the static table and literals only
(RFC 9204 section 3.2.2: no dynamic table until the peer allows one). Header lists mix entries
of the static table, static names with other values, and random names and values; ls-qpack
chooses Huffman coding where it is shorter.
"""
import random
import sys

import pylsqpack

STATIC_NAMES = [b":authority", b":path", b":method", b":scheme", b":status", b"content-type",
                b"content-length", b"user-agent", b"accept", b"cache-control", b"server"]
COMMON = [(b":method", b"GET"), (b":scheme", b"https"), (b":status", b"200"),
          (b":status", b"404"), (b"accept", b"*/*"), (b"content-type", b"text/plain"),
          (b"x-frame-options", b"sameorigin"), (b"early-data", b"1")]


def text(rng, low, high):
    alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789-_/.:;=,%~ ABCXYZ"
    size = rng.randint(low, high)
    if rng.random() < 0.1:
        return bytes(rng.randrange(256) for _ in range(size))  # not text at all
    return bytes(rng.choice(alphabet) for _ in range(size))


def header_list(rng):
    headers = []
    for _ in range(rng.randint(1, 12)):
        kind = rng.random()
        if kind < 0.3:
            headers.append(rng.choice(COMMON))
        elif kind < 0.6:
            headers.append((rng.choice(STATIC_NAMES), text(rng, 0, 40)))
        else:
            name = bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz-") for _ in range(rng.randint(1, 24)))
            headers.append((name, text(rng, 0, 300)))
    return headers


def main():
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    for stream in range(count):
        headers = header_list(rng)
        encoder = pylsqpack.Encoder()
        _, section = encoder.encode(stream * 4, headers)
        lines = [section.hex()] + [name.hex() + "=" + value.hex() for name, value in headers]
        print("\t".join(lines))


if __name__ == "__main__":
    main()
