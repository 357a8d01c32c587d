#!/usr/bin/env python3
"""A SOCKS4a proxy for scripts/interop/lan.sh's rec_proxy_socks4a, over real TCP sockets.

Dante, the SOCKS4 server the other proxy captures use, reads a SOCKS4a request but does not
resolve its name (it refuses it, 91), and microsocks speaks SOCKS5 only; this proxy does what
the SOCKS4a extension (https://www.openssh.com/txt/socks4a.protocol) asks: a request whose
address is 0.0.0.x (x not 0) carries a name after the user ID, which the proxy resolves
(through the namespace's hosts file) and connects to, then replies 90 (granted) with the
address it reached and relays both ways; a name it cannot resolve or reach is refused (91).

    socks4a_server.py ADDRESS PORT READY_FILE   serve until killed
"""

import socket
import struct
import sys
import threading

MAX_REQUEST = 1024


def relay(source, sink):
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def read_request(client):
    """VN CD DSTPORT DSTIP USERID NUL [HOSTNAME NUL]: the port, address and name (or None)."""
    data = b""
    while True:
        if len(data) >= 8:
            named = data[4:7] == b"\0\0\0" and data[7] != 0
            if data.count(b"\0", 8) >= (2 if named else 1):
                break
        chunk = client.recv(MAX_REQUEST)
        if not chunk or len(data) > MAX_REQUEST:
            return None
        data += chunk
    version, command, port = struct.unpack("!BBH", data[:4])
    if version != 4 or command != 1:
        return None
    _user, _, rest = data[8:].partition(b"\0")
    name = rest.partition(b"\0")[0].decode() if named else None
    return port, socket.inet_ntoa(data[4:8]), name


def handle(client):
    with client:
        request = read_request(client)
        if request is None:
            return
        port, address, name = request
        try:
            host = socket.gethostbyname(name) if name else address
            server = socket.create_connection((host, port), timeout=5)
        except OSError:
            client.sendall(struct.pack("!BBH4s", 0, 91, port, socket.inet_aton("0.0.0.0")))
            return
        with server:
            server.settimeout(None)
            client.sendall(struct.pack("!BBH4s", 0, 90, port, socket.inet_aton(host)))
            upstream = threading.Thread(target=relay, args=(client, server), daemon=True)
            upstream.start()
            relay(server, client)
            upstream.join()


def main():
    address, port, ready_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen()
    with open(ready_file, "w") as ready:
        ready.write("ready\n")
    while True:
        client, _ = listener.accept()
        threading.Thread(target=handle, args=(client,), daemon=True).start()


if __name__ == "__main__":
    main()
