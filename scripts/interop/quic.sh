# scripts/interop/quic.sh -- recorders of the QUIC and HTTP/3 interop captures: aioquic on
# both sides (scripts/quic-peer.py), with certificates from tls.sh's make_pki. Sourced by
# scripts/record-interop.sh; each rec_* function makes the captures
# scripts/interop/manifest.tsv names it for, in $STAGE, with the client's key log beside each.
#
# The server is server.test on UDP port 443 (4433 where a capture says so) in
# the server namespace of a tls_pair, bound dual-stack, answering GET / and
# /hello.txt with 200 and a short text body; it keeps the session tickets it
# issues, so a later connection to the same server can resume and send 0-RTT
# data. The client makes one HTTP/3 request per run and fails unless the
# answer is 200; only the client logs secrets.

# The Python that runs scripts/quic-peer.py: it must import aioquic. Checked
# (need_aioquic) only when a QUIC capture is to be recorded, before anything is.
AIOQUIC_PY=${RTTSCOPE_AIOQUIC_PYTHON:-python3}
QUIC_PEER=$REPO_ROOT/scripts/quic-peer.py
need_aioquic() {
    local v
    # a relative path is made absolute, without resolving links (a venv's python is one)
    [[ $AIOQUIC_PY != */* || $AIOQUIC_PY == /* ]] || AIOQUIC_PY=$PWD/$AIOQUIC_PY
    v=$("$AIOQUIC_PY" -c 'import aioquic; print(aioquic.__version__)' 2>/dev/null) ||
        die "'$AIOQUIC_PY' cannot import aioquic; install it: python3 -m venv target/aioquic-venv && target/aioquic-venv/bin/pip install $PIP, and run with RTTSCOPE_AIOQUIC_PYTHON=target/aioquic-venv/bin/python"
    [[ " $PIP " == *" aioquic==$v "* ]] || log "WARNING: recording with aioquic $v, not the pinned $PIP"
}

# quic_server NS NAME PORT QUIC-PEER-SERVER-ARGS...: start the server, wait
# until it is bound, leave its pid in SRV_PID
quic_server() {
    local ns=$1 name=$2 port=$3; shift 3
    bg "$ns" "$name" "$AIOQUIC_PY" "$QUIC_PEER" server --port "$port" "$@"
    SRV_PID=$BG_PID
    wait_listen "$ns" udp "$port"
}

# quic_get NS KEYLOG URL QUIC-PEER-CLIENT-ARGS...: one GET, secrets appended
# to KEYLOG; the client's report is left in $WORK/log/last.out
quic_get() {
    local ns=$1 keys=$2; shift 2
    run ip netns exec "$ns" "$AIOQUIC_PY" "$QUIC_PEER" client --keylog "$keys" "$@"
}

# 18: HTTP/3 over QUIC v1 on UDP 443: one GET of /hello.txt
rec_quic_h3() {
    local c=$NSP-c27 s=$NSP-s27 p pki=$WORK/pki2048 keys=$STAGE/quic-h3-aioquic.keys
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 27
    quic_server "$s" quic-h3 443 --cert "$pki/leaf.pem" --key "$pki/leaf.key"
    : >"$keys"
    log "quic-h3-aioquic.pcap"
    cap_start "$c" "$STAGE/quic-h3-aioquic.pcap" -i veth0; p=$CAP_PID
    quic_get "$c" "$keys" https://server.test/hello.txt --connect 10.0.27.2 --ca "$pki/ca.pem"
    cap_stop $p
    stop "$SRV_PID"
}

# 19: QUIC 0-RTT: a first connection that gets a session ticket, then a
# resumption whose GET goes in 0-RTT packets with the ClientHello, accepted
rec_quic_0rtt() {
    local c=$NSP-c28 s=$NSP-s28 p pki=$WORK/pki2048 keys=$STAGE/quic-0rtt-aioquic.keys
    local ticket=$WORK/quic-0rtt.ticket
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 28
    quic_server "$s" quic-0rtt 443 --cert "$pki/leaf.pem" --key "$pki/leaf.key"
    : >"$keys"
    rm -f "$ticket"
    log "quic-0rtt-aioquic.pcap"
    cap_start "$c" "$STAGE/quic-0rtt-aioquic.pcap" -i veth0; p=$CAP_PID
    quic_get "$c" "$keys" https://server.test/hello.txt --connect 10.0.28.2 --ca "$pki/ca.pem" \
        --session-ticket "$ticket"
    [[ -s $ticket ]] || die "the first QUIC connection saved no session ticket"
    quic_get "$c" "$keys" https://server.test/hello.txt --connect 10.0.28.2 --ca "$pki/ca.pem" \
        --session-ticket "$ticket"
    grep -q '^0-RTT early data accepted' "$WORK/log/last.out" ||
        die "QUIC 0-RTT data was not accepted: $(cat "$WORK/log/last.out")"
    cap_stop $p
    stop "$SRV_PID"
}

# 20: a large server flight over MTU 1500, on UDP port 4433: a 4096-bit RSA
# leaf and its 4096-bit intermediate sent by the server, datagrams of up to
# 1472 bytes (1514-byte frames) both ways
rec_quic_mtu() {
    local c=$NSP-c29 s=$NSP-s29 p pki=$WORK/pki4096 keys=$STAGE/quic-mtu-aioquic.keys
    make_pki "$pki" 4096
    make_chain "$pki" 4096
    tls_pair "$c" "$s" 29
    quic_server "$s" quic-mtu 4433 --cert "$pki/ichain.pem" --key "$pki/ileaf.key" \
        --max-datagram-size 1472
    : >"$keys"
    log "quic-mtu-aioquic.pcap"
    cap_start "$c" "$STAGE/quic-mtu-aioquic.pcap" -i veth0; p=$CAP_PID
    quic_get "$c" "$keys" https://server.test:4433/hello.txt --connect 10.0.29.2 --ca "$pki/ca.pem" \
        --max-datagram-size 1472
    cap_stop $p
    stop "$SRV_PID"
}

# 21: a server that validates the client's address with a Retry (and a
# token) before it takes part in the handshake, on UDP 443
rec_quic_retry() {
    local c=$NSP-c32 s=$NSP-s32 p pki=$WORK/pki2048 keys=$STAGE/quic-retry-aioquic.keys
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 32
    quic_server "$s" quic-retry 443 --cert "$pki/leaf.pem" --key "$pki/leaf.key" --retry
    : >"$keys"
    log "quic-retry-aioquic.pcap"
    cap_start "$c" "$STAGE/quic-retry-aioquic.pcap" -i veth0; p=$CAP_PID
    quic_get "$c" "$keys" https://server.test/hello.txt --connect 10.0.32.2 --ca "$pki/ca.pem"
    cap_stop $p
    stop "$SRV_PID"
}

# 22: QUIC version 2 (RFC 9369) over IPv6 on UDP 443: a GET in v2 from the
# first packet, then a GET whose first Initial is v1 offering v2, to which the
# server switches (compatible version negotiation, RFC 9368)
rec_quic_v2() {
    local c=$NSP-c30 s=$NSP-s30 p pki=$WORK/pki2048 keys=$STAGE/quic-v2-aioquic.keys
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 30
    quic_server "$s" quic-v2 443 --cert "$pki/leaf.pem" --key "$pki/leaf.key"
    : >"$keys"
    log "quic-v2-aioquic.pcap"
    cap_start "$c" "$STAGE/quic-v2-aioquic.pcap" -i veth0; p=$CAP_PID
    quic_get "$c" "$keys" https://server.test/hello.txt --connect fd00:30::2 --ca "$pki/ca.pem" --version 2
    grep -q '^v2 ' "$WORK/log/last.out" || die "not QUIC v2: $(cat "$WORK/log/last.out")"
    quic_get "$c" "$keys" https://server.test/ --connect fd00:30::2 --ca "$pki/ca.pem" --version 1to2
    grep -q '^v2 ' "$WORK/log/last.out" || die "no switch to QUIC v2: $(cat "$WORK/log/last.out")"
    cap_stop $p
    stop "$SRV_PID"
}

# 23: Version Negotiation on UDP port 4433: the client's first Initial is in
# a reserved version (0x1a2a3a4a), the server answers with the versions it
# supports (1 and 2), and the client starts again in v1
rec_quic_vn() {
    local c=$NSP-c31 s=$NSP-s31 p pki=$WORK/pki2048 keys=$STAGE/quic-vn-aioquic.keys
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 31
    quic_server "$s" quic-vn 4433 --cert "$pki/leaf.pem" --key "$pki/leaf.key"
    : >"$keys"
    log "quic-vn-aioquic.pcap"
    cap_start "$c" "$STAGE/quic-vn-aioquic.pcap" -i veth0; p=$CAP_PID
    quic_get "$c" "$keys" https://server.test:4433/hello.txt --connect 10.0.31.2 --ca "$pki/ca.pem" \
        --offer-unsupported
    cap_stop $p
    stop "$SRV_PID"
}

# 24: loss in the handshake, on UDP 443: nftables in the server's namespace
# drops the client's third datagram (its Handshake Finished, coalesced with
# its first 1-RTT data), so the client's loss recovery sends that CRYPTO data
# again in new packets; the capture, on the client's side, holds both copies
rec_quic_loss() {
    local c=$NSP-c33 s=$NSP-s33 p pki=$WORK/pki2048 keys=$STAGE/quic-loss-aioquic.keys
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 33
    nsx "$s" nft -f - <<'NFT'
table inet rttscope_quic_loss {
    chain input {
        type filter hook input priority 0; policy accept;
        udp dport 443 numgen inc mod 1000000 == 2 counter drop
    }
}
NFT
    quic_server "$s" quic-loss 443 --cert "$pki/leaf.pem" --key "$pki/leaf.key"
    : >"$keys"
    log "quic-loss-aioquic.pcap"
    cap_start "$c" "$STAGE/quic-loss-aioquic.pcap" -i veth0; p=$CAP_PID
    quic_get "$c" "$keys" https://server.test/hello.txt --connect 10.0.33.2 --ca "$pki/ca.pem"
    cap_stop $p
    stop "$SRV_PID"
    nsx "$s" nft list table inet rttscope_quic_loss >"$WORK/log/nft-quic-loss.txt"
}

# 25 (issue 17): a Chrome-like client on UDP 443 (quic-peer.py --chrome-like):
# a ClientHello of about 1.8 KB (a 1216-byte X25519MLKEM768 key share the
# server skips, GREASE values, status_request and the other extensions Chrome
# sends) split over the client's first two Initial packets, then a GREASE
# unidirectional stream and a GREASE frame on the client's control stream
rec_quic_chrome() {
    local c=$NSP-c81 s=$NSP-s81 p pki=$WORK/pki2048 keys=$STAGE/quic-chrome-aioquic.keys
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 71
    quic_server "$s" quic-chrome 443 --cert "$pki/leaf.pem" --key "$pki/leaf.key"
    : >"$keys"
    log "quic-chrome-aioquic.pcap"
    cap_start "$c" "$STAGE/quic-chrome-aioquic.pcap" -i veth0; p=$CAP_PID
    quic_get "$c" "$keys" https://server.test/hello.txt --connect 10.0.71.2 --ca "$pki/ca.pem" \
        --chrome-like
    cap_stop $p
    stop "$SRV_PID"
}
