"""TUN responder of the raw-IP interop captures (tun-raw.pcap, multi-if.pcapng).

Usage: python3 tun_responder.py IFNAME READY-FILE

Creates the TUN device IFNAME (IFF_TUN, no packet info) in the current network namespace,
writes READY-FILE once it is attached, then answers what the kernel routes into the device:
ICMP and ICMPv6 echo requests get echo replies, UDP datagrams are echoed back with their ports
swapped; checksums are computed afresh. It is the only user-space packet writer of the
recordings, so that a TUN link has a peer. It exits on SIGTERM, or after 90 s at the latest, so
it never outlives a run.
"""

import fcntl, os, select, signal, struct, sys, time

TUNSETIFF = 0x400454ca
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def reply4(p):
    ihl = (p[0] & 0x0f) * 4
    proto, src, dst = p[9], p[12:16], p[16:20]
    body = bytearray(p[ihl:])
    if proto == 1 and body[0] == 8:                      # echo request
        body[0] = 0
        body[2:4] = b"\0\0"
        body[2:4] = struct.pack("!H", csum(bytes(body)))
    elif proto == 17 and len(body) >= 8:                 # UDP: echo back
        body[0:2], body[2:4] = body[2:4], body[0:2]
        body[6:8] = b"\0\0"
        pseudo = dst + src + struct.pack("!BBH", 0, 17, len(body))
        c = csum(pseudo + bytes(body)) or 0xffff
        body[6:8] = struct.pack("!H", c)
    else:
        return None
    hdr = bytearray(p[:ihl])
    hdr[8] = 64                                          # TTL
    hdr[12:16], hdr[16:20] = dst, src
    hdr[10:12] = b"\0\0"
    hdr[10:12] = struct.pack("!H", csum(bytes(hdr)))
    return bytes(hdr) + bytes(body)

def reply6(p):
    nh, src, dst = p[6], p[8:24], p[24:40]
    body = bytearray(p[40:])
    if nh == 58 and body[0] == 128:                      # echo request
        body[0] = 129
        ck = 2
    elif nh == 17 and len(body) >= 8:
        body[0:2], body[2:4] = body[2:4], body[0:2]
        ck = 6
    else:
        return None
    body[ck:ck + 2] = b"\0\0"
    pseudo = dst + src + struct.pack("!I3xB", len(body), nh)
    c = csum(pseudo + bytes(body))
    if nh == 17 and c == 0:
        c = 0xffff
    body[ck:ck + 2] = struct.pack("!H", c)
    hdr = bytearray(p[:40])
    hdr[7] = 64                                          # hop limit
    hdr[8:24], hdr[24:40] = dst, src
    return bytes(hdr) + bytes(body)

def main():
    name, ready = sys.argv[1], sys.argv[2]
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    open(ready, "w").write("ready\n")
    deadline = time.time() + 90                         # never outlive the run
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.5)
        if not r:
            continue
        pkt = os.read(fd, 65536)
        v = pkt[0] >> 4 if pkt else 0
        out = reply4(pkt) if v == 4 else reply6(pkt) if v == 6 else None
        if out:
            os.write(fd, out)

main()
