# scripts/interop/http.sh -- recorders of HTTP/1.1 interop captures whose bodies are
# content-encoded. Sourced by scripts/record-interop.sh; each rec_* function makes the
# captures scripts/interop/manifest.tsv names it for, in $STAGE.

# curl --compressed against python3's http.server answering gzip, deflate, gzip sent chunked,
# brotli, and an encoding no decoder knows (scripts/interop/http_encoded_peer.py), on loopback
# in a namespace of its own. The peer compresses brotli with PyPI's `brotli` (pinned in $PIP),
# so it runs in the Python RTTSCOPE_AIOQUIC_PYTHON names, as the other PyPI peers do.
rec_http_encoded() {
    local ns=$NSP-he p path
    [[ $AIOQUIC_PY != */* || $AIOQUIC_PY == /* ]] || AIOQUIC_PY=$PWD/$AIOQUIC_PY
    "$AIOQUIC_PY" -c 'import brotli' 2>/dev/null ||
        die "'$AIOQUIC_PY' cannot import brotli; install it: target/aioquic-venv/bin/pip install $PIP"
    mkns "$ns"
    bg "$ns" http-encoded "$AIOQUIC_PY" "$INTEROP/http_encoded_peer.py" 127.0.0.1 8081
    wait_listen "$ns" tcp 8081
    log "http-encoded.pcap"
    cap_start "$ns" "$STAGE/http-encoded.pcap" -i lo; p=$CAP_PID
    for path in gzip deflate gzip-chunked br; do
        run ip netns exec "$ns" "${CURL[@]}" --compressed "http://127.0.0.1:8081/$path"
    done
    # curl refuses an encoding it does not know; the exchange is what is wanted.
    run_fail_ok ip netns exec "$ns" "${CURL[@]}" --compressed http://127.0.0.1:8081/unknown
    cap_stop $p
}
