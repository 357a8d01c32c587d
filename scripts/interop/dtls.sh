# scripts/interop/dtls.sh -- recorders of the DTLS interop captures: OpenSSL 3.0's
# `s_server -dtls1_2` in one namespace and `s_client -dtls1_2` in another, over a veth
# pair whose MTU is small enough that the server's Certificate is sent in fragments.
# Sourced by scripts/record-interop.sh; each rec_* function makes the captures
# scripts/interop/manifest.tsv names it for, in $STAGE.

# dtls_pair C S NET: the client and server namespaces on 10.0.NET.0/24 over a
# 700-byte link, where the 2048-bit certificate (about 1 KB) goes in fragments
dtls_pair() {
    local c=$1 s=$2 net=$3
    make_pki "$WORK/pki2048" 2048 self
    mkns "$c"; mkns "$s"
    veth "$c" veth0 "02:00:00:00:$net:01" "$s" veth0 "02:00:00:00:$net:02"
    ip -n "$c" link set veth0 mtu 700
    ip -n "$s" link set veth0 mtu 700
    addr "$c" veth0 "10.0.$net.1/24"
    addr "$s" veth0 "10.0.$net.2/24"
    sleep 0.3
}

# dtls_client C NET CAPTURE: s_client (DTLS 1.2) sends two lines, waits for
# what comes back, then sends a close_notify when its input ends; its key log
# is CAPTURE's NAME.keys, and the capture is taken on its side
dtls_client() {
    local c=$1 net=$2 file=$3 p keys=$STAGE/${3%.*}.keys
    : >"$keys"
    log "$file"
    cap_start "$c" "$STAGE/$file" -i veth0 udp port 4433; p=$CAP_PID
    run ip netns exec "$c" sh -c '(echo "hello from s_client"; sleep 0.3; echo "second line"; sleep 2.5) |
        exec openssl s_client -dtls1_2 -connect 10.0.'"$net"'.2:4433 -mtu 700 -keylogfile "$1"' sh "$keys"
    cap_stop $p
}

# 91: GnuTLS's `gnutls-serv --udp --nocookie --echo` answers the first
# ClientHello at once (OpenSSL's s_server always asks for a cookie)
rec_dtls12() {
    local c=$NSP-d91 s=$NSP-d92 pki=$WORK/pki2048
    dtls_pair "$c" "$s" 91
    bg "$s" dtls-gnutls-91 gnutls-serv --udp --nocookie --echo --port 4433 --mtu 640 \
        --x509certfile "$pki/self.pem" --x509keyfile "$pki/self.key"
    SRV_PID=$BG_PID
    wait_listen "$s" udp 4433
    dtls_client "$c" 91 dtls12-gnutls.pcap
    stop "$SRV_PID"
}

# 93: OpenSSL's s_server, which sends a HelloVerifyRequest with a cookie first;
# the ClientHello is sent again with the cookie; the server sends one line
rec_dtls12_cookie() {
    local c=$NSP-d93 s=$NSP-d94 pki=$WORK/pki2048
    dtls_pair "$c" "$s" 93
    bg "$s" dtls-server-93 sh -c '(sleep 1.5; echo "hello from s_server"; sleep 3) |
        exec openssl s_server -dtls1_2 -accept 4433 -naccept 1 -mtu 700 -cert "$1" -key "$2"' sh \
        "$pki/self.pem" "$pki/self.key"
    SRV_PID=$BG_PID
    wait_listen "$s" udp 4433
    dtls_client "$c" 93 dtls12-openssl.pcap
    stop "$SRV_PID"
}

# dtls13_peer: builds scripts/interop/dtls13-peer (wolfSSL with DTLS 1.3, from the C source
# the wolfssl-sys crate carries; Debian's wolfSSL, OpenSSL 3.0 and GnuTLS have no DTLS 1.3)
# into target/dtls13-peer, once; prints the binary's path. Needs autoconf, automake, libtool
# and libclang-dev for wolfssl-sys's build.
dtls13_peer() {
    local dir=$INTEROP/dtls13-peer target=$INTEROP/../../target/dtls13-peer
    cargo build --quiet --release --locked --manifest-path "$dir/Cargo.toml" --target-dir "$target" >&2 ||
        die "building $dir failed (apt-get install autoconf automake libtool libclang-dev)"
    echo "$target/release/dtls13-peer"
}

# 95: DTLS 1.3 between two wolfSSL 5.9 peers (scripts/interop/dtls13-peer): the server
# answers the first ClientHello with a HelloRetryRequest and a cookie, its Certificate goes
# in fragments (600-byte records), the client sends two lines that come back, then close_notify
rec_dtls13() {
    local c=$NSP-d95 s=$NSP-d96 pki=$WORK/pki2048 peer file=dtls13-wolfssl.pcap p
    peer=$(dtls13_peer)
    dtls_pair "$c" "$s" 95
    bg "$s" dtls13-server-95 "$peer" server 4433 "$pki/self.pem" "$pki/self.key"
    SRV_PID=$BG_PID
    wait_listen "$s" udp 4433
    log "$file"
    cap_start "$c" "$STAGE/$file" -i veth0 udp port 4433; p=$CAP_PID
    run ip netns exec "$c" "$peer" client 10.0.95.2:4433 "$STAGE/${file%.*}.keys" \
        "hello from wolfSSL" "second line"
    sleep 0.5
    cap_stop $p
    stop "$SRV_PID"
}
