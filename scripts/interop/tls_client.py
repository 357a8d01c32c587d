"""HTTPS client on Python's ssl module, the client of tls-python.pcap.

Usage: python3 tls_client.py CA KEYLOG12 KEYLOG13 [VERSION ADDR PATH RESUME]...

Fetches one file per connection from server.test on port 443 at ADDR, trusting CA, and
checks the TLS version and whether the session was resumed. VERSION is 1.2 or 1.3 (secrets go
to KEYLOG12 or KEYLOG13); RESUME "resume" offers the session of the previous connection of the
same version, anything else ("new") a full handshake. Exits non-zero on the first connection
that is not as asked.
"""

import socket, ssl, sys
ca, keylog12, keylog13 = sys.argv[1:4]
plan = sys.argv[4:]
ctxs, sessions = {}, {}
for version, keylog in (("1.2", keylog12), ("1.3", keylog13)):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if version == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.keylog_filename = keylog
    ctxs[version] = ctx
for i in range(0, len(plan), 4):
    version, addr, path, resume = plan[i:i + 4]
    raw = socket.create_connection((addr, 443), timeout=10)
    conn = ctxs[version].wrap_socket(raw, server_hostname="server.test",
                                     session=sessions.get(version) if resume == "resume" else None)
    conn.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: server.test\r\n"
                 b"User-Agent: rttscope-interop\r\nAccept: */*\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            break
        body += chunk
    got = (conn.version(), conn.session_reused)
    want = ("TLSv" + version, resume == "resume")
    print(addr, path, got, conn.cipher()[0], head.split(b"\r\n")[0].decode(), flush=True)
    if got != want or not head.startswith(b"HTTP/1.1 200 ") or len(body) != length:
        sys.exit("connection %d: got %r, want %r" % (i // 4 + 1, got, want))
    sessions[version] = conn.session
    conn.unwrap().close()
