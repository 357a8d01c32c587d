# scripts/interop/grpc.sh -- recorders of the gRPC interop captures: Python `grpcio` (pinned
# in record-interop.sh's --pip list, run from the same Python as aioquic) as both server and
# client (scripts/interop/grpc_peer.py, the service built by hand with bytes in and out, so no
# code generation), over cleartext HTTP/2 with prior knowledge on port 80 (tshark reads it as
# HTTP handing over to HTTP/2, as it does h2c.pcap) and over TLS 1.3 on port 443. grpcio's
# BoringSSL writes no key log, so the TLS capture puts python's ssl (keylog_filename, ALPN h2)
# in front of the h2c server as a terminator: the client is still grpcio speaking TLS, and
# the key log is the terminator's. Sourced by scripts/record-interop.sh after tls.sh (it uses
# make_pki and tls_pair).
#
# Namespaces g91/g92 (10.0.86.0/24) and g93/g94 (10.0.87.0/24): the client 10.0.N.1, the
# server server.test at 10.0.N.2; the capture is taken at the client.

GRPC_PEER=$INTEROP/grpc_peer.py

# need_grpcio: the pinned grpcio is importable from the aioquic Python
need_grpcio() {
    need_aioquic
    "$AIOQUIC_PY" -c 'import grpc' 2>/dev/null ||
        die "'$AIOQUIC_PY' cannot import grpc; install it: target/aioquic-venv/bin/pip install $PIP"
}

# 86: gRPC over cleartext HTTP/2 (prior knowledge) on port 80: unary, unary with gzip,
# server streaming, client streaming and a call that fails with INVALID_ARGUMENT "no such
# thing", on one connection
rec_grpc() {
    local c=$NSP-g91 s=$NSP-g92 p
    need_grpcio
    tls_pair "$c" "$s" 86
    bg "$s" grpc-h2c "$AIOQUIC_PY" "$GRPC_PEER" server --port 80
    SRV_PID=$BG_PID
    wait_listen "$s" tcp 80
    log "grpc.pcap"
    cap_start "$c" "$STAGE/grpc.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$c" "$AIOQUIC_PY" "$GRPC_PEER" client 10.0.86.2:80 --gzip
    cap_stop $p
    stop "$SRV_PID"
}

# 87: gRPC over TLS 1.3 on port 443 (ALPN h2), the same calls without gzip, with the
# terminator's key log
rec_grpc_tls() {
    local c=$NSP-g93 s=$NSP-g94 p srv2 pki=$WORK/pki2048 keys=$STAGE/grpc-tls.keys
    need_grpcio
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 87
    bg "$s" grpc-h2c "$AIOQUIC_PY" "$GRPC_PEER" server --port 8080
    SRV_PID=$BG_PID
    wait_listen "$s" tcp 8080
    : >"$keys"
    bg "$s" grpc-tls "$AIOQUIC_PY" "$GRPC_PEER" terminator --port 443 --cert "$pki/leaf.pem" \
        --key "$pki/leaf.key" --to 127.0.0.1:8080 --keylog "$keys"
    srv2=$BG_PID
    wait_listen "$s" tcp 443
    log "grpc-tls.pcap"
    cap_start "$c" "$STAGE/grpc-tls.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$c" "$AIOQUIC_PY" "$GRPC_PEER" client 10.0.87.2:443 --ca "$pki/ca.pem"
    cap_stop $p
    stop "$SRV_PID" "$srv2"
}
