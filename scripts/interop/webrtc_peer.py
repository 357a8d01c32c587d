#!/usr/bin/env python3
"""One aiortc RTCPeerConnection of a WebRTC call, for the interop captures (issue 18).

Two of these run in two network namespaces: the offerer writes its offer (with its host
candidates, aiortc gathers them before the SDP is written) to OFFER, waits for ANSWER; the
answerer waits for OFFER and writes ANSWER. Each sends an audio track of silence (Opus, one
RTP packet every 20 ms) for --seconds, so the capture holds the ICE connectivity checks
(STUN Binding with USERNAME, PRIORITY, ICE-CONTROLLING/CONTROLLED, USE-CANDIDATE,
MESSAGE-INTEGRITY, FINGERPRINT), the DTLS 1.2 handshake and SRTP/SRTCP, all on one UDP port
each side (RFC 7983). No STUN or TURN server: host candidates only.

    webrtc_peer.py offer  --offer FILE --answer FILE [--seconds N]
    webrtc_peer.py answer --offer FILE --answer FILE [--seconds N]
"""

import argparse
import asyncio
import json
import os

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack


async def wait_for(path):
    for _ in range(400):
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path) as f:
                return json.load(f)
        await asyncio.sleep(0.05)
    raise SystemExit(f"timed out waiting for {path}")


def write(path, description):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"type": description.type, "sdp": description.sdp}, f)
    os.rename(tmp, path)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["offer", "answer"])
    parser.add_argument("--offer", required=True)
    parser.add_argument("--answer", required=True)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    connected = asyncio.Event()

    @pc.on("connectionstatechange")
    def on_state():
        if pc.connectionState == "connected":
            connected.set()

    if args.role == "offer":
        pc.addTrack(AudioStreamTrack())
        await pc.setLocalDescription(await pc.createOffer())
        write(args.offer, pc.localDescription)
        answer = await wait_for(args.answer)
        await pc.setRemoteDescription(RTCSessionDescription(**answer))
    else:
        offer = await wait_for(args.offer)
        await pc.setRemoteDescription(RTCSessionDescription(**offer))
        pc.addTrack(AudioStreamTrack())
        await pc.setLocalDescription(await pc.createAnswer())
        write(args.answer, pc.localDescription)

    await asyncio.wait_for(connected.wait(), 15)
    await asyncio.sleep(args.seconds)
    await pc.close()


asyncio.run(main())
