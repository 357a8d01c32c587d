"""Header facts of a capture, straight from the file's bytes, for the interop README.

Usage: python3 capheader.py CAPTURE...

Prints one line per capture: the container, its link type(s) and timestamp resolution (the
pcap magic, or each pcapng IDB's if_tsresol option, "absent (usec)" when it has none). The
README's "format, link type" column, and the check that multi-if.pcapng's IDBs are as the
README documents, read it.
"""

import struct, sys
NAMES = {1: "ETHERNET", 101: "RAW", 113: "LINUX_SLL", 276: "LINUX_SLL2"}
def lt(n):
    return "LINKTYPE_%s (%d)" % (NAMES.get(n, "?"), n)
def describe(path):
    d = open(path, "rb").read()
    magic = d[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        res = "usec" if magic == b"\xd4\xc3\xb2\xa1" else "nsec"
        return "pcap %s, %s" % (res, lt(struct.unpack("<I", d[20:24])[0]))
    if magic == b"\x0a\x0d\x0d\x0a":
        bo = "<" if d[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        pos, idbs = 0, []
        while pos + 12 <= len(d):
            btype, blen = struct.unpack(bo + "II", d[pos:pos + 8])
            if btype == 1:
                link = struct.unpack(bo + "H", d[pos + 8:pos + 10])[0]
                o, tsresol = pos + 16, None
                while o + 4 <= pos + blen - 4:
                    code, olen = struct.unpack(bo + "HH", d[o:o + 4])
                    if code == 0:
                        break
                    if code == 9:
                        tsresol = d[o + 4]
                    o += 4 + ((olen + 3) & ~3)
                idbs.append("IDB %d %s if_tsresol=%s" % (len(idbs), lt(link),
                            "absent (usec)" if tsresol is None else tsresol))
            pos += blen
        return "pcapng, " + "; ".join(idbs)
    return "unknown format"
for p in sys.argv[1:]:
    print(describe(p))
