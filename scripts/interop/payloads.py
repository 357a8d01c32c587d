"""Fixed payloads of the interop recordings, written into the run's work directory WORK.

Usage: python3 payloads.py WORK

Called once by scripts/record-interop.sh before any recorder runs. Writes the bulk payloads
(udp3000.bin, tcp100k.bin, tcp200k.bin: a text line repeated to the size), the files the HTTP
servers serve (www/hello.txt, www/second.txt), the same as whole HTTP/1.1 responses for
`openssl s_server -HTTP` (www-http/: headers with Content-Length and no Date, since -WWW sends
none and a reader such as tshark then waits for the end of the connection before it shows the
response), and the fixed HTTP/1.0 request `openssl s_client` sends (req-hello.txt). The same
bytes on every run: only what the peers add differs between recordings.
"""
import sys, os
w = sys.argv[1]
def pattern(n, tag):
    line = (tag + " 0123456789abcdefghijklmnopqrstuvwxyz\n").encode()
    return (line * (n // len(line) + 1))[:n]
open(os.path.join(w, "udp3000.bin"), "wb").write(pattern(3000, "rttscope udp fragment"))
open(os.path.join(w, "tcp100k.bin"), "wb").write(pattern(100 * 1024, "rttscope tcp bulk"))
open(os.path.join(w, "tcp200k.bin"), "wb").write(pattern(200 * 1024, "rttscope tcp lossy"))
os.makedirs(os.path.join(w, "www"), exist_ok=True)
open(os.path.join(w, "www", "hello.txt"), "wb").write(b"rttscope interop fixture: hello over HTTP\n")
open(os.path.join(w, "www", "second.txt"), "wb").write(b"rttscope interop fixture: a second file on the same connection\n")
open(os.path.join(w, "req-hello.txt"), "wb").write(b"GET /hello.txt HTTP/1.0\r\nHost: server.test\r\n\r\n")
os.makedirs(os.path.join(w, "www-http"), exist_ok=True)
for name in ("hello.txt", "second.txt"):
    body = open(os.path.join(w, "www", name), "rb").read()
    open(os.path.join(w, "www-http", name), "wb").write(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
        % len(body) + body)
