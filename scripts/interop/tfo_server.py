"""TCP Fast Open HTTP server of tcp-fastopen.pcap.

Usage: python3 tfo_server.py PORT COUNT READY-FILE

A dual-stack listener on PORT with TCP_FASTOPEN set, so the kernel hands out cookies and takes
data from a SYN that carries one; it answers each connection's HTTP request with a fixed
response ("Connection: close") and exits after COUNT connections. READY-FILE is written once it
listens.
"""

import socket, sys
TCP_FASTOPEN = 23
port, count, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
body = b"rttscope TCP Fast Open fixture\n"
resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n" % len(body)) + body
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.IPPROTO_TCP, TCP_FASTOPEN, 16)
s.bind(("::", port))
s.listen(16)
s.settimeout(60)
open(ready, "w").write("ready\n")
for _ in range(count):
    c, _ = s.accept()
    c.settimeout(10)
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = c.recv(4096)
        if not d:
            break
        buf += d
    c.sendall(resp)
    c.close()
