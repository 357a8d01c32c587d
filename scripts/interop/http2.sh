# scripts/interop/http2.sh -- recorders of HTTP/2 interop captures whose bodies are
# content-encoded. Sourced by scripts/record-interop.sh; each rec_* function makes the
# captures scripts/interop/manifest.tsv names it for, in $STAGE.

# 98: curl --http2 --compressed against Hypercorn (scripts/interop/h2_encoded_peer.py)
# answering a gzip body, a deflate (zlib) body, a brotli body and an encoding no decoder knows
# (x-rttscope). Cleartext with prior knowledge on port 80, one curl per path (curl 7.88 fails on
# reusing a prior-knowledge connection, curl issue 10634); then TLS 1.3 (ALPN h2) on port 443,
# the four paths as streams 1, 3, 5 and 7 of one connection, with curl's key log.
rec_h2_encoded() {
    local c=$NSP-b98 s=$NSP-b99 p path pki=$WORK/pki2048 keys=$STAGE/h2-encoded-tls.keys
    local peer=$INTEROP/h2_encoded_peer.py
    need_hypercorn
    "$AIOQUIC_PY" -c 'import brotli' 2>/dev/null ||
        die "'$AIOQUIC_PY' cannot import brotli; install it: target/aioquic-venv/bin/pip install $PIP"
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 98
    # A peer slow to ACK under load must not make a tail-loss probe resend a FIN (and the
    # D-SACK that answers it): the checks want these captures free of retransmissions.
    nsx "$c" sysctl -qw net.ipv4.tcp_early_retrans=0
    nsx "$s" sysctl -qw net.ipv4.tcp_early_retrans=0
    bg "$s" h2-encoded "$AIOQUIC_PY" "$peer" --port 80
    SRV_PID=$BG_PID
    wait_listen "$s" tcp 80
    log "h2-encoded.pcap"
    cap_start "$c" "$STAGE/h2-encoded.pcap" -i veth0; p=$CAP_PID
    for path in gzip deflate br; do
        run ip netns exec "$c" "${CURL[@]}" --http2-prior-knowledge --compressed "http://10.0.98.2/$path"
    done
    # curl refuses an encoding it does not know; the exchange is what is wanted.
    run_fail_ok ip netns exec "$c" "${CURL[@]}" --http2-prior-knowledge --compressed http://10.0.98.2/unknown
    cap_stop $p
    stop "$SRV_PID"
    bg "$s" h2-encoded-tls "$AIOQUIC_PY" "$peer" --port 443 --cert "$pki/leaf.pem" --key "$pki/leaf.key"
    SRV_PID=$BG_PID
    wait_listen "$s" tcp 443
    : >"$keys"
    log "h2-encoded-tls.pcap"
    cap_start "$c" "$STAGE/h2-encoded-tls.pcap" -i veth0; p=$CAP_PID
    run_fail_ok ip netns exec "$c" env SSLKEYLOGFILE="$keys" "${CURL[@]}" --http2 --compressed \
        --cacert "$pki/ca.pem" --resolve server.test:443:10.0.98.2 \
        https://server.test/gzip https://server.test/deflate https://server.test/br https://server.test/unknown
    cap_stop $p
    stop "$SRV_PID"
}
