"""HTTPS over TCP Fast Open, the server of tfo-tls13.pcap (in the style of tfo_server.py).

Usage: python3 tfo_tls_server.py PORT CERT KEY COUNT READY-FILE

A dual-stack listener with TCP_FASTOPEN on PORT, TLS 1.3 only (no session tickets); one
HTTP/1.1 request per connection answered with a fixed body, Content-Length and "Connection:
close", then close_notify; it serves COUNT connections. For each it prints what the kernel
says at accept time: whether data came in the SYN and was taken (TCP_INFO tcpi_options &
TCPI_OPT_SYN_DATA), the TCP state, and how many bytes were already queued.
"""

import socket, ssl, sys
TCPI_OPT_SYN_DATA = 32
port, cert, key, count, ready = (int(sys.argv[1]), sys.argv[2], sys.argv[3],
                                 int(sys.argv[4]), sys.argv[5])
body = b"rttscope TLS 1.3 over TCP Fast Open fixture\n"
resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n" % len(body)) + body
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.num_tickets = 0
ctx.load_cert_chain(cert, key)
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
s.bind(("::", port))
s.listen(16)
s.settimeout(60)
open(ready, "w").write("ready\n")
for _ in range(count):
    raw, peer = s.accept()
    info = raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    try:
        queued = len(raw.recv(4096, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except BlockingIOError:
        queued = 0
    raw.settimeout(10)
    conn = ctx.wrap_socket(raw, server_side=True)
    head = b""
    while b"\r\n\r\n" not in head:
        data = conn.recv(4096)
        if not data:
            break
        head += data
    conn.sendall(resp)
    print("%s syn_data=%d state=%d queued_at_accept=%d %s %s %s" % (
        peer[0], bool(info[5] & TCPI_OPT_SYN_DATA), info[0], queued, conn.version(),
        conn.cipher()[0], head.split(b"\r\n")[0].decode()), flush=True)
    try:
        conn.unwrap().close()
    except (ssl.SSLError, OSError) as e:
        print("  close: %s" % e, flush=True)
        raw.close()
s.close()
