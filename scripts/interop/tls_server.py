"""HTTPS server on Python's ssl module, the server of tls-python.pcap.

Usage: python3 tls_server.py PORT CERT KEY DOCROOT COUNT READY-FILE

A dual-stack listener on PORT (TLS 1.2 or 1.3, the certificate chain CERT and its KEY); one
HTTP/1.1 request per connection answered from DOCROOT with Content-Length and "Connection:
close", then close_notify both ways. It serves COUNT connections, printing the peer, TLS
version, cipher and file of each, and exits. READY-FILE is written once it listens.
"""

import os, socket, ssl, sys
port, cert, key, docroot, count, ready = (int(sys.argv[1]), sys.argv[2], sys.argv[3],
                                          sys.argv[4], int(sys.argv[5]), sys.argv[6])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(cert, key)
ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
ls.bind(("::", port))
ls.listen(8)
ls.settimeout(30)
open(ready, "w").write("ready\n")
for _ in range(count):
    raw, peer = ls.accept()
    raw.settimeout(10)
    conn = ctx.wrap_socket(raw, server_side=True)
    head = b""
    while b"\r\n\r\n" not in head:
        data = conn.recv(4096)
        if not data:
            break
        head += data
    parts = head.split(b" ")
    name = os.path.basename(parts[1].decode()) if len(parts) > 2 else ""
    path = os.path.join(docroot, name)
    if name and os.path.isfile(path):
        status, body = b"200 OK", open(path, "rb").read()
    else:
        status, body = b"404 Not Found", b"not found\n"
    conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                 b"Connection: close\r\n\r\n" % len(body) + body)
    print("%s %s %s %s" % (peer[0], conn.version(), conn.cipher()[0], name), flush=True)
    conn.unwrap().close()
ls.close()
