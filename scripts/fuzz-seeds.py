#!/usr/bin/env python3
"""Makes the fuzz targets' seed corpora from the repository's captures, key logs and filters.

    scripts/fuzz-seeds.py [OUT_DIR]        (default fuzz/seeds)

capture_file and tracker: every capture, those over 32 KB split into pieces of 40 frames (a
pcapng piece keeps the blocks before its frames: section, interfaces, secrets). dissect_chain:
every distinct frame, as one byte naming its link type (the harness's order) and its bytes.
keylog: every key log. filter: the filters below. Nothing here is committed; run it again.
"""
import hashlib
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "fuzz" / "seeds"
CAPTURE_DIRS = [ROOT / "fixtures" / "interop", ROOT / "fixtures" / "crafted", ROOT / "captures",
                ROOT.parent / "shared" / "captures-public"]
WHOLE_LIMIT = 32 << 10
PIECE_FRAMES = 40
# The order of dissect_chain's LINKTYPES.
LINKTYPES = [1, 101, 0, 108, 113, 228, 229, 276]
FILTERS = [
    "tcp", "udp && !icmp", "tcp.port == 443 && !icmp", "ip.addr == 127.0.0.1",
    "ipv6.addr == ::1", "http.request.method == \"GET\"", "http.response.code >= 200",
    "tls.handshake.type == 1", "quic", "frame.len > 100 || frame.number < 5",
    "tcp.flags.syn == 1 and tcp.flags.ack == 0", "http.host contains \"local\"",
    "tcp.stream in {0 1 2}", "not (udp.port == 53)", "eth.addr == 00:00:00:00:00:00",
    "tcp.analysis.retransmission", "frame.time_relative >= 0.5", "http.request.uri matches \"^/\"",
    "ip.ttl < 64 && ip.flags.df == 1", "tcp.len > 0 && tcp.seq > 1", "tls.record.version == 0x0303",
    "http2.type == 1", "http3", "icmp.type == 8", "tcp.payload[0:3] == 47:45:54",
    "ip.src == 10.0.0.0/8", "!tcp.analysis.flags", "udp.length > 8 and udp.checksum != 0",
]


def records_pcap(data):
    """The 24-byte header and each record (header and data) of a classic pcap."""
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    records, at = [], 24
    while at + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[at + 8:at + 12])[0]
        end = at + 16 + caplen
        if end > len(data):
            break
        records.append((data[at:end], linktype, data[at + 16:end]))
        at = end
    return data[:24], records


def blocks_pcapng(data):
    """Each block of a pcapng as (type, bytes, frame data or None, interface link type)."""
    at, endian, linktypes, blocks = 0, "<", [], []
    while at + 12 <= len(data):
        if data[at:at + 4] == b"\x0a\x0d\x0d\x0a":
            endian = "<" if data[at + 8:at + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            linktypes = []
        kind, length = struct.unpack(endian + "II", data[at:at + 8])
        if length < 12 or at + length > len(data):
            break
        block = data[at:at + length]
        frame, linktype = None, None
        if kind == 1:
            linktypes.append(struct.unpack(endian + "H", block[8:10])[0])
        elif kind == 6 and length >= 32:
            interface, _, _, caplen = struct.unpack(endian + "IIII", block[8:24])
            frame = block[28:28 + caplen]
            linktype = linktypes[interface] if interface < len(linktypes) else None
        elif kind == 3 and length >= 16 and linktypes:
            frame, linktype = block[12:length - 4], linktypes[0]
        blocks.append((kind, block, frame, linktype))
        at += length
    return blocks


def write(directory, data):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main():
    frames = set()
    for directory in CAPTURE_DIRS:
        for path in sorted(directory.glob("*")):
            data = path.read_bytes() if path.suffix in (".pcap", ".pcapng") else None
            if path.suffix == ".keys":
                write(OUT / "keylog", path.read_bytes())
            if data is None:
                continue
            pieces = []
            if data[:4] == b"\x0a\x0d\x0d\x0a":
                head, packets = b"", []
                for kind, block, frame, linktype in blocks_pcapng(data):
                    if frame is None:
                        head += block
                    else:
                        packets.append(block)
                        if linktype in LINKTYPES:
                            frames.add(bytes([LINKTYPES.index(linktype)]) + frame)
                    if len(packets) == PIECE_FRAMES:
                        pieces.append(head + b"".join(packets))
                        packets = []
                pieces.append(head + b"".join(packets))
            else:
                header, records = records_pcap(data)
                for index in range(0, max(len(records), 1), PIECE_FRAMES):
                    pieces.append(header + b"".join(r for r, _, _ in records[index:index + PIECE_FRAMES]))
                for _, linktype, frame in records:
                    if linktype in LINKTYPES:
                        frames.add(bytes([LINKTYPES.index(linktype)]) + frame)
            if len(data) <= WHOLE_LIMIT:
                pieces = [data]
            for piece in pieces:
                write(OUT / "capture_file", piece)
                write(OUT / "tracker", piece)
    for frame in frames:
        write(OUT / "dissect_chain", frame)
    for text in FILTERS:
        write(OUT / "filter", text.encode())
    for target in sorted(os.listdir(OUT)):
        print(f"{target}: {len(os.listdir(OUT / target))} seeds")


main()
