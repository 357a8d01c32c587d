#!/usr/bin/env python3
"""h2_encoded_peer.py -- the HTTP/2 server of the h2-encoded interop captures
(scripts/interop/http2.sh): Hypercorn (pinned in record-interop.sh's --pip list) with a small
ASGI app answering each path with the same text, encoded as the path says, so that a client
(curl --http2 --compressed) decodes what a real HTTP/2 server sends:

    /gzip       content-encoding: gzip (gzip module)
    /deflate    content-encoding: deflate (zlib stream, RFC 9110's "deflate")
    /br         content-encoding: br, by the `brotli` package (PyPI, pinned)
    /unknown    content-encoding: x-rttscope (no decoder knows it), the text as is

  h2_encoded_peer.py --port P [--cert C --key K]
      HTTP/2 with prior knowledge (h2c) without --cert, TLS with ALPN h2 with it
"""
import argparse
import asyncio
import gzip
import signal
import zlib

import brotli

TEXT = b"rttscope interop fixture: an encoded HTTP/2 body, " * 8 + b"\n"

BODIES = {
    "/gzip": (b"gzip", lambda: gzip.compress(TEXT, mtime=0)),
    "/deflate": (b"deflate", lambda: zlib.compress(TEXT)),
    "/br": (b"br", lambda: brotli.compress(TEXT)),
    "/unknown": (b"x-rttscope", lambda: TEXT),
}


async def app(scope, receive, send):
    # Lifespan is declined by returning: Hypercorn then serves without it.
    if scope["type"] != "http":
        return
    found = BODIES.get(scope["path"])
    if found is None:
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    encoding, make = found
    body = make()
    headers = [
        (b"content-type", b"text/plain"),
        (b"content-encoding", encoding),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def main():
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    config = Config()
    config.bind = [f"0.0.0.0:{args.port}"]
    if args.cert:
        config.certfile = args.cert
        config.keyfile = args.key
        config.alpn_protocols = ["h2"]
    config.accesslog = None

    async def run():
        # Hypercorn's serve() leaves SIGTERM alone: the recorder stops peers with it
        stopped = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopped.set)
        await serve(app, config, shutdown_trigger=stopped.wait)

    asyncio.run(run())


if __name__ == "__main__":
    main()
