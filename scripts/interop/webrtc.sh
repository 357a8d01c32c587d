# scripts/interop/webrtc.sh -- recorders of the WebRTC interop captures (issue 18): coturn's
# `turnserver` answering `turnutils_stunclient` (STUN binding) and `turnutils_uclient` (TURN
# allocate with long-term credentials, permissions, channels and relayed data) over UDP and
# TCP; and two aiortc RTCPeerConnections (pinned on record-interop.sh's --pip list, run by
# scripts/interop/webrtc_peer.py) exchanging an audio track over host candidates, so STUN
# connectivity checks, DTLS 1.2 and SRTP/SRTCP share one UDP port (RFC 7983).
# Sourced by scripts/record-interop.sh after tls.sh (it uses tls_pair).
#
# Namespaces r91-r94 (10.0.96.0/24 and 10.0.97.0/24): the client 10.0.N.1, the server or
# answering peer 10.0.N.2; the capture is taken at the client.

WEBRTC_PEER=$INTEROP/webrtc_peer.py

# turn_server NS ADDR ADDR6: coturn on port 3478 (UDP and TCP) of both addresses, long-term
# credentials alice:secret in realm rttscope.test, no TLS, DTLS or CLI; leaves its pid in
# SRV_PID
turn_server() {
    local ns=$1 address=$2 address6=$3
    command -v turnserver >/dev/null || die "missing 'turnserver'; install: apt-get install -y coturn"
    bg "$ns" turnserver turnserver -n --listening-ip="$address" --listening-ip="$address6" \
        --relay-ip="$address" \
        --listening-port=3478 --min-port=49152 --max-port=49200 --lt-cred-mech \
        --user=alice:secret --realm=rttscope.test --fingerprint --no-tls --no-dtls --no-cli \
        --no-multicast-peers --allow-loopback-peers --log-file=stdout --simple-log
    SRV_PID=$BG_PID
    wait_listen "$ns" udp 3478
    wait_listen "$ns" tcp 3478
}

# 96: coturn 4.6 over UDP then TCP: a STUN binding over IPv4 and one over IPv6
# (turnutils_stunclient), then a TURN
# allocation with long-term credentials (the 401 with realm and nonce, the authenticated
# Allocate, CreatePermission, ChannelBind, ChannelData both ways, Refresh with lifetime 0)
rec_stun_coturn() {
    local c=$NSP-r91 s=$NSP-r92 p
    tls_pair "$c" "$s" 96
    turn_server "$s" 10.0.96.2 fd00:96::2
    log "stun-coturn.pcap"
    cap_start "$c" "$STAGE/stun-coturn.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$c" turnutils_stunclient 10.0.96.2
    run ip netns exec "$c" turnutils_stunclient fd00:96::2
    run ip netns exec "$c" turnutils_uclient -y -c -n 2 -l 64 -z 50 -u alice -w secret 10.0.96.2
    run ip netns exec "$c" turnutils_uclient -t -y -c -n 2 -l 64 -z 50 -u alice -w secret 10.0.96.2
    cap_stop $p
    stop "$SRV_PID"
}

# 97: two aiortc peers (the offerer 10.0.97.1, where the capture is taken; the answerer
# 10.0.97.2), an audio track of silence each way for one second, IPv4 only: ICE connectivity
# checks, DTLS 1.2 and SRTP/SRTCP on one UDP port each side
rec_webrtc_aiortc() {
    local c=$NSP-r93 s=$NSP-r94 p answerer
    need_aiortc
    mkns "$c"; mkns "$s"
    veth "$c" veth0 02:00:00:00:97:01 "$s" veth0 02:00:00:00:97:02
    addr "$c" veth0 10.0.97.1/24
    addr "$s" veth0 10.0.97.2/24
    sleep 0.3
    log "webrtc-aiortc.pcap"
    cap_start "$c" "$STAGE/webrtc-aiortc.pcap" -i veth0 udp; p=$CAP_PID
    bg "$s" webrtc-answer "$WEBRTC_PY" "$WEBRTC_PEER" answer --offer "$WORK/offer.json" \
        --answer "$WORK/answer.json" --seconds 1
    answerer=$BG_PID
    run ip netns exec "$c" "$WEBRTC_PY" "$WEBRTC_PEER" offer --offer "$WORK/offer.json" \
        --answer "$WORK/answer.json" --seconds 1
    wait "$answerer" || die "the answering aiortc peer failed: $(tail -3 "$WORK/log/webrtc-answer.err")"
    cap_stop $p
}

# need_aiortc: the pinned aiortc is importable from WEBRTC_PY (RTTSCOPE_WEBRTC_PYTHON, else
# the aioquic Python)
need_aiortc() {
    WEBRTC_PY=${RTTSCOPE_WEBRTC_PYTHON:-${RTTSCOPE_AIOQUIC_PYTHON:-python3}}
    "$WEBRTC_PY" -c 'import aiortc' 2>/dev/null ||
        die "'$WEBRTC_PY' cannot import aiortc; install it: pip install aiortc==$(pin aiortc)"
}
