#!/usr/bin/env python3
"""h2ws_peer.py -- the peers of the WebSocket-over-HTTP/2 interop captures (RFC 8441 extended
CONNECT; scripts/interop/websocket.sh): Hypercorn as the server, with a small ASGI app that
echoes each message, and a client made of the `h2` and `wsproto` libraries (all pinned in
record-interop.sh's --pip list), so every HTTP/2 and WebSocket frame in the captures comes from
libraries rttscope did not write.

  h2ws_peer.py server --port P [--cert C --key K]
      Hypercorn on P: HTTP/2 with prior knowledge (h2c) without --cert, TLS with ALPN h2 with
      it; its SETTINGS carry SETTINGS_ENABLE_CONNECT_PROTOCOL = 1
  h2ws_peer.py client HOST PORT [--tls --ca CA --keylog FILE]
      opens HTTP/2, waits for the server's SETTINGS, acknowledges them and sends CONNECT
      with :protocol websocket on stream 1 in one TCP segment (TCP_CORK; over TLS two
      records in that segment), and after the 200 sends (masked, as a client must) a text message, a
      binary message, a text message in three fragments and a ping, reads the echoes and the
      pong, closes with 1000 "bye", reads the server's close and waits for the server to
      close the connection
"""
import argparse
import asyncio
import signal
import socket
import ssl
import sys


async def echo_app(scope, receive, send):
    """Echoes every WebSocket message; HTTP requests get a 404."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            if message.get("text") is not None:
                await send({"type": "websocket.send", "text": message["text"]})
            else:
                await send({"type": "websocket.send", "bytes": message["bytes"]})
        else:
            return


def server(args):
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    config = Config()
    config.bind = [f"0.0.0.0:{args.port}"]
    if args.cert:
        config.certfile = args.cert
        config.keyfile = args.key
    async def run():
        # Hypercorn's serve() leaves SIGTERM alone: the recorder stops peers with it
        stopped = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopped.set)
        await serve(echo_app, config, shutdown_trigger=stopped.wait)

    asyncio.run(run())


class Client:
    """An HTTP/2 connection (h2) carrying one WebSocket (wsproto) on an extended CONNECT."""

    def __init__(self, sock):
        import h2.config
        import h2.connection

        self.sock = sock
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        self.stream = None
        self.events = []

    def flush(self):
        data = self.h2.data_to_send()
        if data:
            self.sock.sendall(data)

    def flush_frames(self):
        """Sends each queued frame with a write of its own (over TLS, a record of its own)."""
        data = self.h2.data_to_send()
        while data:
            end = 9 + int.from_bytes(data[:3], "big")
            self.sock.sendall(data[:end])
            data = data[end:]

    def pump(self, flush=True):
        """Reads one chunk, acknowledges what it carried (unless told not to send yet) and
        queues its events."""
        import h2.events

        data = self.sock.recv(65536)
        if not data:
            raise EOFError("the server closed the connection")
        for event in self.h2.receive_data(data):
            if isinstance(event, h2.events.DataReceived):
                self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            self.events.append(event)
        if flush:
            self.flush()

    def wait_for(self, kind, flush=True):
        while True:
            while self.events:
                event = self.events.pop(0)
                if isinstance(event, kind):
                    return event
            self.pump(flush)


def client(args):
    import h2.events
    import h2.settings
    from wsproto.connection import Connection, ConnectionType
    from wsproto.events import BytesMessage, CloseConnection, Message, Ping, Pong, TextMessage

    sock = socket.create_connection((args.host, args.port))
    scheme = "http"
    if args.tls:
        context = ssl.create_default_context(cafile=args.ca)
        context.set_alpn_protocols(["h2"])
        if args.keylog:
            context.keylog_filename = args.keylog
        sock = context.wrap_socket(sock, server_hostname="server.test")
        if sock.selected_alpn_protocol() != "h2":
            sys.exit("the server did not choose h2")
        scheme = "https"
    peer = Client(sock)
    peer.h2.initiate_connection()
    peer.flush()
    # The SETTINGS ACK that h2 queues on the server's SETTINGS waits for the CONNECT's
    # HEADERS; then both are written back to back, each as a write (over TLS a record) of its
    # own, corked so that they leave in one TCP segment: two records in one segment, whose
    # Info tshark's HTTP/2 builds from the last record only (issue 19). Nothing runs between
    # the two writes, so the cork's 200 ms ceiling cannot split them on a busy machine.
    peer.wait_for(h2.events.RemoteSettingsChanged, flush=False)
    if peer.h2.remote_settings.get(h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL) != 1:
        sys.exit("the server does not allow extended CONNECT")
    stream = peer.h2.get_next_available_stream_id()
    peer.h2.send_headers(stream, [
        (":method", "CONNECT"),
        (":protocol", "websocket"),
        (":scheme", scheme),
        (":path", "/echo"),
        (":authority", "server.test"),
        ("sec-websocket-version", "13"),
    ])
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    peer.flush_frames()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
    response = peer.wait_for(h2.events.ResponseReceived)
    status = dict(response.headers).get(b":status")
    if status != b"200":
        sys.exit(f"CONNECT answered {status!r}")
    ws = Connection(ConnectionType.CLIENT)

    def send(event):
        peer.h2.send_data(stream, ws.send(event))
        peer.flush()

    def next_ws_event():
        while True:
            for event in ws.events():
                return event
            data = peer.wait_for(h2.events.DataReceived)
            ws.receive_data(data.data)

    def receive_message():
        parts = []
        while True:
            event = next_ws_event()
            if isinstance(event, (TextMessage, BytesMessage)):
                parts.append(event.data)
                if event.message_finished:
                    return parts[0][:0].join(parts)
            elif isinstance(event, Pong):
                return event
            elif isinstance(event, CloseConnection):
                return event

    send(Message(data="Hello, HTTP/2 WebSocket! " * 6))  # 150 bytes: a 16-bit length
    print("text echo:", receive_message())
    send(Message(data=bytes(range(40))))
    print("binary echo:", receive_message())
    parts = ["one, ", "two, ", "three"]
    for index, part in enumerate(parts):
        send(Message(data=part, message_finished=index == len(parts) - 1))
    print("fragmented echo:", receive_message())
    send(Ping(payload=b"are you there"))
    print("pong:", receive_message())
    send(CloseConnection(code=1000, reason="bye"))
    print("close:", receive_message())
    # Hypercorn 0.18 forgets the stream after its close frame and then closes the connection
    # itself (a frame of ours on the stream after that fails its connection handler): wait for
    # that; should it end the stream instead, end the connection with GOAWAY.
    try:
        peer.wait_for(h2.events.StreamEnded)
        peer.h2.close_connection()
        peer.flush()
    except EOFError:
        print("the server closed the connection")
    sock.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="role", required=True)
    srv = sub.add_parser("server")
    srv.add_argument("--port", type=int, required=True)
    srv.add_argument("--cert")
    srv.add_argument("--key")
    cli = sub.add_parser("client")
    cli.add_argument("host")
    cli.add_argument("port", type=int)
    cli.add_argument("--tls", action="store_true")
    cli.add_argument("--ca")
    cli.add_argument("--keylog")
    args = parser.parse_args()
    if args.role == "server":
        server(args)
    else:
        client(args)


if __name__ == "__main__":
    main()
