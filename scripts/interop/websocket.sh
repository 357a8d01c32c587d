# scripts/interop/websocket.sh -- recorders of the WebSocket interop captures: the Python
# `websockets` library (pinned in record-interop.sh's --pip list, run from the same Python as
# aioquic) as both server and client (scripts/interop/ws_peer.py), over plain TCP and over TLS
# with the client's key log (python's ssl writes it through keylog_filename). Sourced by
# scripts/record-interop.sh after tls.sh (it uses make_pki and tls_pair).
#
# WebSocket over HTTP/2 (RFC 8441 extended CONNECT) is recorded with Hypercorn as the server
# and a client of the `h2` and `wsproto` libraries (scripts/interop/h2ws_peer.py, all pinned
# in the --pip list), over HTTP/2 with prior knowledge and over TLS with the client's key log.
#
# Namespaces w91/w92 (10.0.91.0/24 and 10.0.92.0/24), w93/w94 (10.0.92.0/24), h81/h82
# (10.0.88.0/24) and h83/h84 (10.0.89.0/24): the client 10.0.N.1, the server server.test at
# 10.0.N.2; the capture is taken at the client.

WS_PEER=$INTEROP/ws_peer.py
H2WS_PEER=$INTEROP/h2ws_peer.py

# need_websockets: the pinned websockets library is importable from the aioquic Python
need_websockets() {
    need_aioquic
    "$AIOQUIC_PY" -c 'import websockets' 2>/dev/null ||
        die "'$AIOQUIC_PY' cannot import websockets; install it: target/aioquic-venv/bin/pip install $PIP"
}

# need_hypercorn: the pinned Hypercorn, h2 and wsproto are importable from the aioquic Python
need_hypercorn() {
    need_aioquic
    "$AIOQUIC_PY" -c 'import hypercorn, h2, wsproto' 2>/dev/null ||
        die "'$AIOQUIC_PY' cannot import hypercorn, h2 and wsproto; install them: target/aioquic-venv/bin/pip install $PIP"
}

# ws_server NS NAME PORT WS-PEER-SERVER-ARGS...: start the server, wait until it listens,
# leave its pid in SRV_PID
ws_server() {
    local ns=$1 name=$2 port=$3; shift 3
    bg "$ns" "$name" "$AIOQUIC_PY" "$WS_PEER" server --port "$port" "$@"
    SRV_PID=$BG_PID
    wait_listen "$ns" tcp "$port"
}

# 91: WebSocket over plain TCP on port 80: a connection without extensions (a text, a binary
# and a fragmented message echoed, a ping and its pong, a close with 1000 "bye"), then one with
# permessage-deflate (the same messages compressed, a close with 1001)
rec_websocket() {
    local c=$NSP-w91 s=$NSP-w92 p srv2
    need_websockets
    tls_pair "$c" "$s" 91
    ws_server "$s" ws-plain 80
    bg "$s" ws-deflate "$AIOQUIC_PY" "$WS_PEER" server --port 8080 --deflate
    srv2=$BG_PID
    wait_listen "$s" tcp 8080
    log "websocket.pcap"
    cap_start "$c" "$STAGE/websocket.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$c" "$AIOQUIC_PY" "$WS_PEER" client ws://10.0.91.2/echo --close 1000
    run ip netns exec "$c" "$AIOQUIC_PY" "$WS_PEER" client ws://10.0.91.2:8080/deflate --deflate --close 1001
    cap_stop $p
    stop "$SRV_PID" "$srv2"
}

# 92: WebSocket over TLS 1.3 on port 443 (wss), with the client's key log
rec_websocket_tls() {
    local c=$NSP-w93 s=$NSP-w94 p pki=$WORK/pki2048 keys=$STAGE/websocket-tls.keys
    need_websockets
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 92
    ws_server "$s" wss 443 --cert "$pki/leaf.pem" --key "$pki/leaf.key"
    : >"$keys"
    log "websocket-tls.pcap"
    cap_start "$c" "$STAGE/websocket-tls.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$c" "$AIOQUIC_PY" "$WS_PEER" client wss://10.0.92.2/echo --ca "$pki/ca.pem" \
        --keylog "$keys" --close 1000
    cap_stop $p
    stop "$SRV_PID"
}

# 88: WebSocket over HTTP/2 with prior knowledge (h2c) on port 80: the server's SETTINGS allow
# extended CONNECT, the client's CONNECT with :protocol websocket on stream 1 and its 200, then
# the stream's DATA frames carry a text, a binary and a three-fragment text message echoed, a
# ping and its pong, a close with 1000 "bye" and the server's close
rec_websocket_h2() {
    local c=$NSP-h81 s=$NSP-h82 p
    need_hypercorn
    tls_pair "$c" "$s" 88
    bg "$s" h2ws "$AIOQUIC_PY" "$H2WS_PEER" server --port 80
    SRV_PID=$BG_PID
    wait_listen "$s" tcp 80
    log "websocket-h2.pcap"
    cap_start "$c" "$STAGE/websocket-h2.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$c" "$AIOQUIC_PY" "$H2WS_PEER" client 10.0.88.2 80
    cap_stop $p
    stop "$SRV_PID"
}

# 89: the same over TLS 1.3 on port 443 (ALPN h2), with the client's key log
rec_websocket_h2_tls() {
    local c=$NSP-h83 s=$NSP-h84 p pki=$WORK/pki2048 keys=$STAGE/websocket-h2-tls.keys
    need_hypercorn
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 89
    bg "$s" h2wss "$AIOQUIC_PY" "$H2WS_PEER" server --port 443 --cert "$pki/leaf.pem" \
        --key "$pki/leaf.key"
    SRV_PID=$BG_PID
    wait_listen "$s" tcp 443
    : >"$keys"
    log "websocket-h2-tls.pcap"
    cap_start "$c" "$STAGE/websocket-h2-tls.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$c" "$AIOQUIC_PY" "$H2WS_PEER" client 10.0.89.2 443 --tls --ca "$pki/ca.pem" \
        --keylog "$keys"
    cap_stop $p
    stop "$SRV_PID"
}
