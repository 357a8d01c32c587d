#!/usr/bin/env python3
"""quic-peer.py -- a small HTTP/3 client and server on aioquic, used by
scripts/record-interop.sh to record QUIC interop captures.

  quic-peer.py server --cert CERT --key KEY [--port 443] [--retry] [--keylog F]
  quic-peer.py client https://HOST[:PORT]/PATH [--connect ADDR] [--ca CA]
               [--version 1|2|1to2] [--offer-unsupported] [--session-ticket F]
               [--keylog F] [--chrome-like]

The server answers GET / and GET /hello.txt with a short text body and
:status 200 (anything else: 404), keeps the session tickets it issues in
memory so that a later connection can resume and send 0-RTT data, and prints
one line per request. The client sends one GET, prints the response status,
and exits non-zero unless the status is 200. Key logs are NSS key logs
(aioquic's secrets_log_file); they are appended to.

With --chrome-like the client sends what Chrome sends and aioquic does not:
a ClientHello of about 1.8 KB (a GREASE key share and a 1216-byte share for
X25519MLKEM768, 0x11ec, which the server does not support and skips; GREASE
cipher suite, group, version and extensions, status_request, SCT, extended
master secret, renegotiation_info, compress_certificate, ALPS), so that it
is split over two Initial packets, the first of which carries its part in
two CRYPTO frames, the later bytes first, with a PING between them (Chrome's
"chaos protection"); and, once connected, a GREASE
unidirectional stream (type 0x1f * N + 0x21) and a GREASE frame on its
control stream, which the server must ignore (RFC 9114 sections 6.2.3, 9).
"""
import argparse
import asyncio
import functools
import os
import pickle
import sys
from urllib.parse import urlsplit

from aioquic import tls
from aioquic.asyncio import QuicConnectionProtocol, connect, serve
from aioquic.buffer import encode_uint_var
from aioquic.h3.connection import H3_ALPN, H3Connection
from aioquic.h3.events import DataReceived, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.connection import QuicConnection
from aioquic.quic.packet import QuicFrameType
from aioquic.quic.events import HandshakeCompleted
from aioquic.quic.packet import QuicProtocolVersion

V1 = QuicProtocolVersion.VERSION_1
V2 = QuicProtocolVersion.VERSION_2
# A reserved version (RFC 9000 section 15: 0x?a?a?a?a) that no server speaks;
# offered first, it makes the server answer with Version Negotiation.
UNSUPPORTED = 0x1A2A3A4A

BODIES = {
    "/": b"rttscope interop fixture: HTTP/3 index\n",
    "/hello.txt": b"rttscope interop fixture: hello over HTTP/3\n",
}


# Chrome-like GREASE values (RFC 8701 for TLS, RFC 9114 section 7.2.8 for
# HTTP/3) and the post-quantum group Chrome offers first.
TLS_GREASE = (0x0A0A, 0x1A1A, 0x2A2A, 0x3A3A)
X25519MLKEM768 = 0x11EC
H3_GREASE_STREAM = 0x1F * 0x2A + 0x21    # 0x537
H3_GREASE_FRAME = 0x1F * 0x07 + 0x21     # 0xfa


def chrome_like_hello(push, buf, hello):
    """Sends `hello` grown the way Chrome's is (see the docstring)."""
    hello.cipher_suites = [TLS_GREASE[0]] + hello.cipher_suites
    hello.key_share = [(TLS_GREASE[1], b"\x00"),
                       (X25519MLKEM768, os.urandom(1216))] + hello.key_share
    hello.supported_groups = [TLS_GREASE[1], X25519MLKEM768] + hello.supported_groups
    hello.supported_versions = [TLS_GREASE[2]] + hello.supported_versions
    hello.other_extensions = [
        (TLS_GREASE[0], b""),                     # GREASE, empty, first
        (5, b"\x01\x00\x00\x00\x00"),            # status_request: OCSP, no ids
        (18, b""),                                # signed_certificate_timestamp
        (23, b""),                                # extended_master_secret
        (0xFF01, b"\x00"),                        # renegotiation_info
        (27, b"\x02\x00\x02"),                    # compress_certificate: brotli
        (0x4469, b"\x00\x03\x02h3"),               # application_settings: h3
    ] + hello.other_extensions + [
        (TLS_GREASE[3], b"\x00"),                 # GREASE, one byte, last
    ]
    push(buf, hello)


def chrome_like_crypto(self, write, builder, space, stream):
    """Writes the start of the Initial CRYPTO stream as two frames, out of order (the later
    bytes first, a PING between); any other CRYPTO frame as aioquic does."""
    if space is not self._spaces[tls.Epoch.INITIAL] or stream.sender.next_offset != 0:
        return write(self, builder, space, stream)
    overhead = 3 + 2
    frame = stream.sender.get_frame(builder.remaining_flight_space - 2 * overhead - 1)
    if frame is None:
        return False
    half = len(frame.data) // 2
    pieces = [(frame.offset + half, frame.data[half:]), (frame.offset, frame.data[:half])]
    for index, (offset, data) in enumerate(pieces):
        if index == 1:
            builder.start_frame(QuicFrameType.PING)
        buf = builder.start_frame(QuicFrameType.CRYPTO, capacity=overhead,
                                  handler=stream.sender.on_data_delivery,
                                  handler_args=(offset, offset + len(data), False))
        buf.push_uint_var(offset)
        buf.push_uint16(len(data) | 0x4000)
        buf.push_bytes(data)
    return True


def version_name(v):
    return {V1: "v1", V2: "v2"}.get(v, "0x%08x" % v)


# ---------------------------------------------------------------------------
# server
# ---------------------------------------------------------------------------
class ServerProtocol(QuicConnectionProtocol):
    """One QUIC connection on the server: HTTP/3 on top, GET answered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._h3 = None
        self._requests = {}  # stream id -> request headers, until the stream ends

    def quic_event_received(self, event):
        if self._h3 is None:
            self._h3 = H3Connection(self._quic)
        for h3_event in self._h3.handle_event(event):
            if isinstance(h3_event, HeadersReceived):
                self._requests[h3_event.stream_id] = dict(h3_event.headers)
                if h3_event.stream_ended:
                    self._answer(h3_event.stream_id)
            elif isinstance(h3_event, DataReceived) and h3_event.stream_ended:
                if h3_event.stream_id in self._requests:
                    self._answer(h3_event.stream_id)

    def _answer(self, stream_id):
        headers = self._requests.pop(stream_id)
        method = headers.get(b":method", b"").decode()
        path = headers.get(b":path", b"").decode()
        body = BODIES.get(path) if method == "GET" else None
        status = b"200" if body is not None else b"404"
        if body is None:
            body = b"not found\n"
        self._h3.send_headers(
            stream_id,
            [
                (b":status", status),
                (b"content-type", b"text/plain"),
                (b"content-length", str(len(body)).encode()),
            ],
        )
        self._h3.send_data(stream_id, body, end_stream=True)
        self.transmit()
        # aioquic has no public accessor for the connection's current version
        print("%s %s %s %s" % (version_name(self._quic._version), method, path,
                               status.decode()), flush=True)


async def run_server(args):
    config = QuicConfiguration(is_client=False, alpn_protocols=H3_ALPN,
                               max_datagram_size=args.max_datagram_size)
    # the certificate file may hold the chain after the leaf
    config.load_cert_chain(args.cert, args.key)
    if args.keylog:
        config.secrets_log_file = open(args.keylog, "a")
    tickets = {}  # issued tickets by ticket id, for resumption and 0-RTT
    await serve(args.host, args.port, configuration=config,
                create_protocol=ServerProtocol, retry=args.retry,
                session_ticket_handler=lambda t: tickets.__setitem__(t.ticket, t),
                session_ticket_fetcher=tickets.get)
    # serve until killed, but never outlive the recording run
    await asyncio.sleep(args.lifetime)


# ---------------------------------------------------------------------------
# client
# ---------------------------------------------------------------------------
class ClientProtocol(QuicConnectionProtocol):
    """The client's QUIC connection: HTTP/3 on top, one response collected."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.h3 = H3Connection(self._quic)
        self.handshake = None               # the HandshakeCompleted event
        self.status = None
        self.body = b""
        self.done = asyncio.get_running_loop().create_future()

    def quic_event_received(self, event):
        if isinstance(event, HandshakeCompleted):
            self.handshake = event
        for h3_event in self.h3.handle_event(event):
            if isinstance(h3_event, HeadersReceived):
                self.status = dict(h3_event.headers).get(b":status", b"").decode()
            elif isinstance(h3_event, DataReceived):
                self.body += h3_event.data
            if getattr(h3_event, "stream_ended", False) and not self.done.done():
                self.done.set_result(None)


async def run_client(args):
    url = urlsplit(args.url)
    if url.scheme != "https" or not url.hostname:
        sys.exit("client: want an https://HOST[:PORT]/PATH URL, got %r" % args.url)
    port = url.port or 443
    path = url.path or "/"
    authority = url.hostname if port == 443 else "%s:%d" % (url.hostname, port)

    config = QuicConfiguration(is_client=True, alpn_protocols=H3_ALPN,
                               server_name=url.hostname,
                               max_datagram_size=args.max_datagram_size)
    if args.ca:
        config.load_verify_locations(args.ca)
    if args.keylog:
        config.secrets_log_file = open(args.keylog, "a")
    # versions: the first in supported_versions is the one the first Initial
    # is sent in, unless original_version says otherwise
    if args.version == "1":
        config.supported_versions = [V1]
    elif args.version == "2":
        config.supported_versions = [V2]
    else:  # 1to2: start in v1, offer v2 as compatible (RFC 9368)
        config.supported_versions = [V2, V1]
        config.original_version = V1
    if args.offer_unsupported:
        config.supported_versions = [UNSUPPORTED] + config.supported_versions
        config.original_version = None

    # with a saved ticket: resume, and send the request as 0-RTT early data
    early = False
    if args.session_ticket and os.path.exists(args.session_ticket):
        with open(args.session_ticket, "rb") as f:
            config.session_ticket = pickle.load(f)
        early = config.session_ticket.max_early_data_size is not None
        if not early:
            print("0-RTT not offered: the ticket allows no early data")
    tickets = []

    if args.chrome_like:
        tls.push_client_hello = functools.partial(chrome_like_hello, tls.push_client_hello)
        QuicConnection._write_crypto_frame = functools.partialmethod(
            chrome_like_crypto, QuicConnection._write_crypto_frame)

    async with connect(args.connect or url.hostname, port, configuration=config,
                       create_protocol=ClientProtocol,
                       session_ticket_handler=tickets.append,
                       wait_connected=not early) as client:
        # with wait_connected=False nothing has been sent yet: the request
        # queued now leaves with the ClientHello, in 0-RTT packets
        stream_id = client._quic.get_next_available_stream_id()
        client.h3.send_headers(stream_id, [
            (b":method", b"GET"),
            (b":scheme", b"https"),
            (b":authority", authority.encode()),
            (b":path", path.encode()),
            (b"user-agent", b"rttscope-interop"),
        ], end_stream=True)
        if args.chrome_like:
            quic = client._quic
            grease = quic.get_next_available_stream_id(is_unidirectional=True)
            quic.send_stream_data(grease, encode_uint_var(H3_GREASE_STREAM)
                                  + b"GREASE stream: not HTTP/3 frames", end_stream=True)
            quic.send_stream_data(client.h3._local_control_stream_id,
                                  encode_uint_var(H3_GREASE_FRAME) + encode_uint_var(6)
                                  + b"grease")
        client.transmit()
        await client.done
        # the ticket may come after the response: give it a moment
        for _ in range(20):
            if tickets or not args.session_ticket:
                break
            await asyncio.sleep(0.05)
        hs = client.handshake
        version = version_name(client._quic._version)

    print("%s %s -> %s (%s, %d bytes)" % (version, path, client.status,
                                          hs.alpn_protocol if hs else "?", len(client.body)))
    ok = client.status == "200"
    if early:
        accepted = bool(hs and hs.early_data_accepted)
        print("0-RTT early data %s" % ("accepted" if accepted else "rejected"))
    if args.session_ticket:
        if tickets:
            with open(args.session_ticket, "wb") as f:
                pickle.dump(tickets[-1], f)
        else:
            print("no session ticket received", file=sys.stderr)
            ok = False
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="mode", required=True)

    s = sub.add_parser("server", help="HTTP/3 server")
    s.add_argument("--host", default="::", help="address to bind (default :: , dual-stack)")
    s.add_argument("--port", type=int, default=443)
    s.add_argument("--cert", required=True, help="PEM certificate, the chain may follow the leaf")
    s.add_argument("--key", required=True, help="PEM private key")
    s.add_argument("--retry", action="store_true", help="validate addresses with a Retry packet")
    s.add_argument("--keylog", help="append the TLS secrets to this NSS key log")
    s.add_argument("--lifetime", type=float, default=90, help="exit after this many seconds")
    s.add_argument("--max-datagram-size", type=int, default=1200)

    c = sub.add_parser("client", help="one HTTP/3 GET")
    c.add_argument("url", help="https://HOST[:PORT]/PATH; HOST is the SNI and :authority")
    c.add_argument("--connect", help="address to connect to instead of resolving HOST")
    c.add_argument("--ca", help="CA certificate to verify the server with")
    c.add_argument("--version", choices=["1", "2", "1to2"], default="1",
                   help="QUIC version 1, 2 (RFC 9369), or 1to2: start in v1 and let the "
                        "server switch to v2 (compatible version negotiation, RFC 9368)")
    c.add_argument("--offer-unsupported", action="store_true",
                   help="send the first Initial in an unsupported version (0x1a2a3a4a), "
                        "so that the server answers with Version Negotiation")
    c.add_argument("--session-ticket", metavar="FILE",
                   help="if FILE exists, resume with its ticket and send the request as "
                        "0-RTT; the ticket of this connection is saved to FILE")
    c.add_argument("--keylog", help="append the TLS secrets to this NSS key log")
    c.add_argument("--max-datagram-size", type=int, default=1200)
    c.add_argument("--chrome-like", action="store_true",
                   help="a ClientHello of about 1.8 KB split over two Initials, GREASE "
                        "values, a GREASE uni stream and control-stream frame (Chrome's)")
    c.add_argument("--timeout", type=float, default=10)
    args = p.parse_args()

    if args.mode == "server":
        asyncio.run(run_server(args))
        return 0
    try:
        return asyncio.run(asyncio.wait_for(run_client(args), args.timeout))
    except asyncio.TimeoutError:
        print("client: no response within %gs" % args.timeout, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
