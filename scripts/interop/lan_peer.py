#!/usr/bin/env python3
"""NBNS, NetBIOS datagram and SSDP peers for scripts/interop/lan.sh, over real UDP sockets.

samba's nmbd and gupnp-tools would bring a few hundred megabytes of dependencies for a few
datagrams, so these small peers stand in for them; each message is laid out as RFC 1002
(NetBIOS over TCP/UDP, sections 4.2 and 4.4) and the UPnP Device Architecture 2.0 (SSDP,
section 1.3) say, and each answer is the server's reply to what the client really sent.

    lan_peer.py serve ADDRESS READY_FILE   answer NBNS queries on 137, read datagrams on 138,
                                           answer SSDP M-SEARCH on 1900 (until killed)
    lan_peer.py netbios SERVER             a name query (and its answer), a node status query
                                           (and its answer), a registration of the server's own
                                           name (refused) and of another (granted), a direct
                                           group datagram
    lan_peer.py ssdp SERVER                an M-SEARCH (and its answer), then a NOTIFY
"""

import select
import socket
import struct
import sys


def encode_name(name, suffix):
    """RFC 1001 section 14.1 first-level encoding: 16 bytes (15 padded with spaces and the
    suffix), each nibble as 'A' + nibble, as one label of 32 bytes, then the root."""
    raw = name.upper().ljust(15).encode()[:15] + bytes([suffix])
    encoded = bytes(b for byte in raw for b in (0x41 + (byte >> 4), 0x41 + (byte & 0x0F)))
    return bytes([32]) + encoded + b"\x00"


def nbns_query(transaction, name, suffix, rr_type):
    # header: id, flags (query, recursion desired), 1 question
    header = struct.pack("!HHHHHH", transaction, 0x0100, 1, 0, 0, 0)
    return header + encode_name(name, suffix) + struct.pack("!HH", rr_type, 1)


def nbns_registration(transaction, name, suffix, address):
    """RFC 1002 section 4.2.2: a P-node's name registration request to its name server: the
    question, and an additional record pointing at the question's name (0xc00c) with the
    address to register."""
    header = struct.pack("!HHHHHH", transaction, 0x2900, 1, 0, 0, 1)
    question = encode_name(name, suffix) + struct.pack("!HH", 0x20, 1)
    rdata = struct.pack("!H", 0x2000) + socket.inet_aton(address)
    record = struct.pack("!HHHIH", 0xC00C, 0x20, 1, 300000, len(rdata)) + rdata
    return header + question + record


# the names the server answers for (first-level encoded names and their suffix)
KNOWN = (encode_name("RTTSCOPE", 0x20), encode_name("*", 0x00))


def nbns_answer(query, address):
    transaction, flags = struct.unpack("!HH", query[:4])
    question = query[12:]
    name_end = 1 + question[0] + 1
    name = question[:name_end]
    rr_type = struct.unpack("!H", question[name_end : name_end + 2])[0]
    if (flags >> 11) & 0x0F == 5:  # registration (section 4.2.2), the record echoed
        record = question[name_end + 4 :]
        rdata = record[12:18]
        # granted (section 4.2.5), or refused as the server's own name (4.2.6: ACT_ERR, 6)
        flags = 0xAD86 if name in KNOWN else 0xAD80
        header = struct.pack("!HHHHHH", transaction, flags, 0, 1, 0, 0)
        return header + name + struct.pack("!HHIH", 0x20, 1, 0 if name in KNOWN else 300000, len(rdata)) + rdata
    if rr_type == 0x20:  # NB: one address, B node, unique
        rdata = struct.pack("!H", 0x0000) + socket.inet_aton(address)
        flags = 0x8500  # response, opcode query, authoritative, recursion desired
    else:  # NBSTAT: two names and a unit id
        names = b""
        for nb_name, suffix, nb_flags in (("RTTSCOPE", 0x00, 0x0400), ("WORKGROUP", 0x00, 0x8400)):
            names += nb_name.ljust(15).encode() + bytes([suffix]) + struct.pack("!H", nb_flags)
        rdata = bytes([2]) + names + bytes.fromhex("020000001701") + bytes(40)
        flags = 0x8400
    header = struct.pack("!HHHHHH", transaction, flags, 0, 1, 0, 0)
    answer = name + struct.pack("!HHIH", rr_type, 1, 300000, len(rdata)) + rdata
    return header + answer


def nbdgm_direct_group(source_ip, text):
    # RFC 1002 section 4.4.1: type 0x11 direct group, flags (first, B node), id, source
    # address and port, length and offset, then source and destination names, then user data
    names = encode_name("RTTSCOPE", 0x00) + encode_name("WORKGROUP", 0x1D)
    body = names + text
    return (
        struct.pack("!BBH4sHHH", 0x11, 0x02, 0x4242, socket.inet_aton(source_ip), 138, len(body), 0)
        + body
    )


SSDP_ANSWER = (
    "HTTP/1.1 200 OK\r\n"
    "CACHE-CONTROL: max-age=1800\r\n"
    "EXT:\r\n"
    "LOCATION: http://{address}:49152/description.xml\r\n"
    "SERVER: Linux/6.1 UPnP/2.0 rttscope-lan-peer/1.0\r\n"
    "ST: upnp:rootdevice\r\n"
    "USN: uuid:7b8c0a4e-1700-4000-8000-021700000001::upnp:rootdevice\r\n"
    "\r\n"
)


def serve(address, ready_file):
    nbns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    nbns.bind((address, 137))
    nbdgm = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    nbdgm.bind((address, 138))
    ssdp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ssdp.bind((address, 1900))
    with open(ready_file, "w") as ready:
        ready.write("ready\n")
    while True:
        readable, _, _ = select.select([nbns, nbdgm, ssdp], [], [])
        for sock in readable:
            message, peer = sock.recvfrom(2048)
            if sock is nbns and len(message) > 12:
                sock.sendto(nbns_answer(message, address), peer)
            elif sock is ssdp and message.startswith(b"M-SEARCH * HTTP/1.1\r\n"):
                sock.sendto(SSDP_ANSWER.format(address=address).encode(), peer)


# the client's address on the veth (scripts/interop/lan.sh), which a datagram names itself
CLIENT = "10.0.17.2"


def client_socket(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("", port))
    sock.settimeout(3)
    return sock


def netbios(server):
    sock = client_socket(137)
    sock.sendto(nbns_query(0x1701, "RTTSCOPE", 0x20, 0x20), (server, 137))
    sock.recvfrom(2048)
    sock.sendto(nbns_query(0x1702, "*", 0x00, 0x21), (server, 137))
    sock.recvfrom(2048)
    sock.sendto(nbns_registration(0x1703, "RTTSCOPE", 0x20, CLIENT), (server, 137))
    sock.recvfrom(2048)
    sock.sendto(nbns_registration(0x1704, "RTTSCOPE-C", 0x00, CLIENT), (server, 137))
    sock.recvfrom(2048)
    dgm = client_socket(138)
    dgm.sendto(nbdgm_direct_group(CLIENT, b"rttscope netbios datagram\n"), (server, 138))


def ssdp(server):
    sock = client_socket(40000)
    search = (
        "M-SEARCH * HTTP/1.1\r\n"
        "HOST: 239.255.255.250:1900\r\n"
        'MAN: "ssdp:discover"\r\n'
        "MX: 1\r\n"
        "ST: upnp:rootdevice\r\n"
        "USER-AGENT: Linux/6.1 UPnP/2.0 rttscope-lan-peer/1.0\r\n"
        "\r\n"
    )
    sock.sendto(search.encode(), (server, 1900))
    sock.recvfrom(2048)
    notify = (
        "NOTIFY * HTTP/1.1\r\n"
        "HOST: 239.255.255.250:1900\r\n"
        "CACHE-CONTROL: max-age=1800\r\n"
        f"LOCATION: http://{CLIENT}:49152/description.xml\r\n"
        "NT: upnp:rootdevice\r\n"
        "NTS: ssdp:alive\r\n"
        "USN: uuid:7b8c0a4e-1700-4000-8000-021700000002::upnp:rootdevice\r\n"
        "\r\n"
    )
    sock.sendto(notify.encode(), (server, 1900))


def main():
    command = sys.argv[1]
    if command == "serve":
        serve(sys.argv[2], sys.argv[3])
    elif command == "netbios":
        netbios(sys.argv[2])
    elif command == "ssdp":
        ssdp(sys.argv[2])
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
