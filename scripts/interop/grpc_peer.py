#!/usr/bin/env python3
"""grpc_peer.py -- the gRPC peers of the interop captures (scripts/interop/grpc.sh): a server
and a client from Python `grpcio` (pinned in record-interop.sh's --pip list), with the service
built by hand (grpc.method_handlers_generic_handler, bytes in and out) so no code generation
is needed; the messages are protobuf wire format spelled out below. Every HTTP/2 and gRPC
byte in the captures comes from grpcio, a library rttscope did not write.

  grpc_peer.py server --port P
      /rttscope.Echo/Unary answers one message, /ServerStream three, /ClientStream one after
      reading all of the client's, /Fail ends with INVALID_ARGUMENT and a message
  grpc_peer.py client TARGET [--gzip] [--ca CA]
      calls Unary, ServerStream, ClientStream and Fail in turn on one channel (TLS with --ca,
      the server's name server.test); with --gzip, one Unary call compressed
  grpc_peer.py terminator --port P --cert C --key K --to HOST:PORT --keylog FILE
      a TLS terminator (python's ssl, ALPN h2, key log through keylog_filename) in front of
      an h2c server: grpcio's BoringSSL writes no key log, python's ssl does
"""
import argparse
import select
import socket
import ssl
import struct
import threading
import time

import grpc


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def key(number, wire_type):
    return varint(number << 3 | wire_type)


def delimited(number, payload):
    return key(number, 2) + varint(len(payload)) + payload


def message(seq, text):
    """A message of every wire type: 1 varint, 2 string, 3 nested {1 varint, 2 string},
    4 fixed64, 5 fixed32."""
    nested = key(1, 0) + varint(300 + seq) + delimited(2, b"inner")
    return (
        key(1, 0) + varint(seq)
        + delimited(2, text.encode())
        + delimited(3, nested)
        + key(4, 1) + struct.pack("<d", 1.5)
        + key(5, 5) + struct.pack("<I", 0xDEADBEEF)
    )


def unary(request, context):
    return message(1, "unary reply")


def server_stream(request, context):
    for seq in range(3):
        yield message(seq, f"stream reply {seq}")
        # Apart, so that the TLS terminator's records are not coalesced into one segment:
        # tshark 4.0 shows only the last record's HTTP/2 frames in such a segment's Info.
        time.sleep(0.05)


def client_stream(requests, context):
    count = sum(1 for _ in requests)
    return message(count, f"read {count} messages")


def fail(request, context):
    context.abort(grpc.StatusCode.INVALID_ARGUMENT, "no such thing")


def server(args):
    from concurrent import futures

    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(unary),
        "ServerStream": grpc.unary_stream_rpc_method_handler(server_stream),
        "ClientStream": grpc.stream_unary_rpc_method_handler(client_stream),
        "Fail": grpc.unary_unary_rpc_method_handler(fail),
    }
    srv = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    srv.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("rttscope.Echo", handlers),))
    srv.add_insecure_port(f"0.0.0.0:{args.port}")
    srv.start()
    srv.wait_for_termination()


def client(args):
    if args.ca:
        with open(args.ca, "rb") as f:
            credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
        channel = grpc.secure_channel(
            args.target, credentials, options=(("grpc.ssl_target_name_override", "server.test"),)
        )
    else:
        channel = grpc.insecure_channel(args.target)
    with channel:
        call = channel.unary_unary("/rttscope.Echo/Unary")
        print("unary:", call(message(7, "hello"), timeout=10).hex())
        if args.gzip:
            reply = call(message(8, "hello " * 40), timeout=10, compression=grpc.Compression.Gzip)
            print("unary gzip:", reply.hex())
        stream = channel.unary_stream("/rttscope.Echo/ServerStream")
        for reply in stream(message(9, "stream me"), timeout=10):
            print("stream:", reply.hex())
        upload = channel.stream_unary("/rttscope.Echo/ClientStream")
        print("client stream:", upload(iter([message(n, f"part {n}") for n in range(3)]), timeout=10).hex())
        try:
            channel.unary_unary("/rttscope.Echo/Fail")(message(10, "fail"), timeout=10)
        except grpc.RpcError as error:
            print("fail:", error.code(), error.details())


def pipe(a, b):
    try:
        while True:
            ready, _, _ = select.select([a, b], [], [])
            for side in ready:
                data = side.recv(65536)
                if not data:
                    return
                (b if side is a else a).sendall(data)
    except OSError:
        return
    finally:
        a.close()
        b.close()


def terminator(args):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    context.set_alpn_protocols(["h2"])
    context.keylog_filename = args.keylog
    host, port = args.to.rsplit(":", 1)
    listener = socket.create_server(("0.0.0.0", args.port))
    while True:
        raw, _ = listener.accept()
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            tls = context.wrap_socket(raw, server_side=True)
        except OSError:
            raw.close()
            continue
        upstream = socket.create_connection((host, int(port)))
        threading.Thread(target=pipe, args=(tls, upstream), daemon=True).start()


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="role", required=True)
    s = sub.add_parser("server")
    s.add_argument("--port", type=int, required=True)
    c = sub.add_parser("client")
    c.add_argument("target")
    c.add_argument("--gzip", action="store_true")
    c.add_argument("--ca")
    t = sub.add_parser("terminator")
    t.add_argument("--port", type=int, required=True)
    t.add_argument("--cert", required=True)
    t.add_argument("--key", required=True)
    t.add_argument("--to", required=True)
    t.add_argument("--keylog", required=True)
    args = parser.parse_args()
    {"server": server, "client": client, "terminator": terminator}[args.role](args)


if __name__ == "__main__":
    main()
