#!/usr/bin/env python3
"""An HTTP/1.1 server whose responses carry a Content-Encoding, for scripts/interop/http.sh.

Python's http.server answers each path with the same text, encoded by the standard library
as the path says, so that a client (curl --compressed) decodes what a real server sends:

    /gzip           Content-Encoding: gzip (gzip module), Content-Length
    /deflate        Content-Encoding: deflate (zlib stream, RFC 9110's "deflate")
    /gzip-chunked   Content-Encoding: gzip, sent with Transfer-Encoding: chunked in two chunks
    /br             Content-Encoding: br, by the `brotli` package (PyPI, pinned in
                    scripts/record-interop.sh --pip: the standard library has no brotli)
    /unknown        Content-Encoding: x-rttscope (no decoder knows it), the text as is

    http_encoded_peer.py ADDRESS PORT
"""

import gzip
import http.server
import sys
import zlib

import brotli

TEXT = b"rttscope interop fixture: an encoded HTTP body, " * 8 + b"\n"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        chunked = False
        if self.path == "/gzip":
            encoding, body = "gzip", gzip.compress(TEXT, mtime=0)
        elif self.path == "/deflate":
            encoding, body = "deflate", zlib.compress(TEXT)
        elif self.path == "/gzip-chunked":
            encoding, body, chunked = "gzip", gzip.compress(TEXT, mtime=0), True
        elif self.path == "/br":
            encoding, body = "br", brotli.compress(TEXT)
        elif self.path == "/unknown":
            encoding, body = "x-rttscope", TEXT
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Encoding", encoding)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            half = len(body) // 2
            for part in (body[:half], body[half:], b""):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    http.server.HTTPServer((sys.argv[1], int(sys.argv[2])), Handler).serve_forever()
