#!/usr/bin/env python3
"""ws_peer.py -- the WebSocket peers of the interop captures (scripts/interop/websocket.sh):
a server and a client from the Python `websockets` library (pinned in record-interop.sh's
--pip list), so that every WebSocket frame in the captures comes from a library rttscope did
not write.

  ws_peer.py server --port P [--cert C --key K] [--deflate]
      echoes each message back; answers pings (the library does)
  ws_peer.py client URI [--ca CA] [--deflate] [--keylog FILE] [--close CODE]
      sends a text message, a binary message, a text message in three fragments (not with
      --deflate) and a ping, reads the echoes and the pong, then closes with CODE and the
      reason "bye"
"""
import argparse
import asyncio
import ssl
import sys

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve


async def echo(websocket):
    async for message in websocket:
        await websocket.send(message)


async def server(args):
    context = None
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
    compression = "deflate" if args.deflate else None
    async with serve(echo, "0.0.0.0", args.port, ssl=context, compression=compression):
        await asyncio.Future()


async def send_fragments(websocket, parts):
    """A text message in len(parts) frames, the last with FIN: the library's own send() of an
    iterable ends with an empty final frame, which tshark 4.0 never puts back together."""
    first, *rest = parts
    async with websocket.send_context():
        websocket.protocol.send_text(first.encode(), fin=False)
    for index, part in enumerate(rest):
        async with websocket.send_context():
            websocket.protocol.send_continuation(part.encode(), fin=index == len(rest) - 1)


async def client(args):
    context = None
    if args.uri.startswith("wss:"):
        context = ssl.create_default_context(cafile=args.ca)
        if args.keylog:
            context.keylog_filename = args.keylog
    compression = "deflate" if args.deflate else None
    extra = {} if context is None else {"ssl": context, "server_hostname": "server.test"}
    async with connect(args.uri, compression=compression, **extra) as websocket:
        await websocket.send("Hello, WebSocket! " * 8)  # 144 bytes: a 16-bit length
        print("text echo:", await websocket.recv())
        await websocket.send(bytes(range(40)))
        print("binary echo:", len(await websocket.recv()))
        if not args.deflate:
            await send_fragments(websocket, ["fragmented ", "text ", "message"])
            print("fragmented echo:", await websocket.recv())
        pong = await websocket.ping(b"rttscope")
        await pong
        print("pong")
        await websocket.close(code=args.close, reason="bye")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="role", required=True)
    s = sub.add_parser("server")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--cert")
    s.add_argument("--key")
    s.add_argument("--deflate", action="store_true")
    c = sub.add_parser("client")
    c.add_argument("uri")
    c.add_argument("--ca")
    c.add_argument("--deflate", action="store_true")
    c.add_argument("--keylog")
    c.add_argument("--close", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(server(args) if args.role == "server" else client(args))


if __name__ == "__main__":
    sys.exit(main())
