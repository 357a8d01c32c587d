# scripts/interop/proxy.sh -- recorders of the proxy interop captures: curl through a real
# HTTP proxy (tinyproxy, CONNECT) and real SOCKS servers (microsocks for SOCKS5, Dante for
# SOCKS4 and 4a), to openssl s_server, with curl's TLS key log. Sourced by
# scripts/record-interop.sh after tls.sh (it uses make_pki and ossl_server).
#
# Three namespaces in a line: the client (10.0.N.1) joined by a veth to the proxy (10.0.N.2),
# the proxy joined by another veth to the server (10.0.M.1 / 10.0.M.2, fd00:M::2). The client
# has no route to the server: everything it reaches, it reaches through the proxy. The
# capture is taken at the client. The proxy resolves server.test through a hosts file of
# the run's own, bind-mounted over /etc/hosts in a mount namespace of the proxy alone (the
# host's /etc is never written).

# proxy_line C P S N M: the three namespaces, client-proxy on 10.0.N.0/24, proxy-server on
# 10.0.M.0/24 and fd00:M::/64
proxy_line() {
    local c=$1 p=$2 s=$3 n=$4 m=$5
    mkns "$c"; mkns "$p"; mkns "$s"
    veth "$c" veth0 "02:00:00:00:$n:01" "$p" veth0 "02:00:00:00:$n:02"
    veth "$p" veth1 "02:00:00:00:$m:01" "$s" veth0 "02:00:00:00:$m:02"
    addr "$c" veth0 "10.0.$n.1/24"
    addr "$p" veth0 "10.0.$n.2/24"
    addr "$p" veth1 "10.0.$m.1/24" "fd00:$m::1/64"
    addr "$s" veth0 "10.0.$m.2/24" "fd00:$m::2/64"
    printf '127.0.0.1 localhost\n10.0.%s.2 server.test\n' "$m" >"$WORK/hosts-$p"
    sleep 0.3
}

# proxy_bg NS NAME PROGRAM...: a proxy in NS that sees the run's hosts file as /etc/hosts;
# its pid is left in BG_PID
proxy_bg() {
    local ns=$1 name=$2; shift 2
    # shellcheck disable=SC2016  # expanded by the inner shell
    bg "$ns" "$name" unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$WORK/hosts-$ns" "$@"
}

# curl through a proxy: CURL without its --noproxy
PCURL=(curl -sS --max-time 10 -o /dev/null)

# pcurl NS KEYLOG CURL-ARGS...: curl through a proxy, its TLS secrets appended to KEYLOG
pcurl() {
    local ns=$1 keys=$2; shift 2
    run ip netns exec "$ns" env SSLKEYLOGFILE="$keys" "${PCURL[@]}" "$@"
}

# tinyproxy_conf FILE PORT NET [AUTH]: a tinyproxy configuration listening on PORT for
# clients of NET, CONNECT allowed to port 443 only, with Basic authentication AUTH ("user
# pass") if given
tinyproxy_conf() {
    {
        printf 'User root\nGroup root\nPort %s\nTimeout 30\nAllow %s\nConnectPort 443\n' "$2" "$3"
        printf 'LogLevel Info\nMaxClients 10\nDisableViaHeader Yes\n'
        [[ -z ${4:-} ]] || printf 'BasicAuth %s\n' "$4"
    } >"$1"
}

# 71: HTTP CONNECT through tinyproxy on port 3128 to openssl s_server: TLS 1.3 and TLS 1.2
rec_proxy_connect() {
    local c=$NSP-c71 p=$NSP-p71 s=$NSP-s71 cap keys=$STAGE/proxy-connect.keys pki=$WORK/pki2048
    make_pki "$pki" 2048 self
    proxy_line "$c" "$p" "$s" 71 72
    ossl_server "$s" proxy-connect-server -HTTP -cert "$pki/leaf.pem" -key "$pki/leaf.key"
    tinyproxy_conf "$WORK/tinyproxy-71.conf" 3128 10.0.71.0/24
    proxy_bg "$p" tinyproxy-71 tinyproxy -d -c "$WORK/tinyproxy-71.conf"
    local proxy=$BG_PID
    wait_listen "$p" tcp 3128
    : >"$keys"
    log "proxy-connect.pcap"
    cap_start "$c" "$STAGE/proxy-connect.pcap" -i veth0; cap=$CAP_PID
    pcurl "$c" "$keys" --proxy http://10.0.71.2:3128 --cacert "$pki/ca.pem" --tlsv1.3 \
        https://server.test/hello.txt
    pcurl "$c" "$keys" --proxy http://10.0.71.2:3128 --cacert "$pki/ca.pem" --tlsv1.2 --tls-max 1.2 \
        https://server.test/hello.txt
    cap_stop $cap
    stop "$proxy" "$SRV_PID"
}

# 73: CONNECTs tinyproxy refuses: to a port it does not allow (403), and without the
# credentials a second tinyproxy asks for (407)
rec_proxy_refused() {
    local c=$NSP-c73 p=$NSP-p73 s=$NSP-s73 cap
    proxy_line "$c" "$p" "$s" 73 74
    tinyproxy_conf "$WORK/tinyproxy-73.conf" 3128 10.0.73.0/24
    tinyproxy_conf "$WORK/tinyproxy-73a.conf" 3132 10.0.73.0/24 "rttscope secret"
    proxy_bg "$p" tinyproxy-73 tinyproxy -d -c "$WORK/tinyproxy-73.conf"
    local proxy=$BG_PID
    proxy_bg "$p" tinyproxy-73a tinyproxy -d -c "$WORK/tinyproxy-73a.conf"
    local proxy_auth=$BG_PID
    wait_listen "$p" tcp 3128
    wait_listen "$p" tcp 3132
    log "proxy-refused.pcap"
    cap_start "$c" "$STAGE/proxy-refused.pcap" -i veth0; cap=$CAP_PID
    run_fail_ok ip netns exec "$c" "${PCURL[@]}" --proxy http://10.0.73.2:3128 https://server.test:8443/
    run_fail_ok ip netns exec "$c" "${PCURL[@]}" --proxy http://10.0.73.2:3132 https://server.test/
    cap_stop $cap
    stop "$proxy" "$proxy_auth"
}

# 75: SOCKS5 through microsocks on port 1080 to openssl s_server: the name sent to the proxy
# (--socks5-hostname), an IPv4 and an IPv6 address (--socks5), with username/password
# authentication (RFC 1929), and a CONNECT the proxy cannot make (nothing listens)
rec_proxy_socks5() {
    local c=$NSP-c75 p=$NSP-p75 s=$NSP-s75 cap keys=$STAGE/proxy-socks5.keys pki=$WORK/pki2048
    local tls=(--cacert "$pki/ca.pem" --tlsv1.3)
    make_pki "$pki" 2048 self
    proxy_line "$c" "$p" "$s" 75 76
    ossl_server "$s" proxy-socks5-server -HTTP -cert "$pki/leaf.pem" -key "$pki/leaf.key"
    proxy_bg "$p" microsocks-75 microsocks -i 10.0.75.2 -p 1080
    local proxy=$BG_PID
    wait_listen "$p" tcp 1080
    : >"$keys"
    log "proxy-socks5.pcap"
    cap_start "$c" "$STAGE/proxy-socks5.pcap" -i veth0; cap=$CAP_PID
    pcurl "$c" "$keys" --socks5-hostname 10.0.75.2:1080 "${tls[@]}" https://server.test/hello.txt
    pcurl "$c" "$keys" --socks5 10.0.75.2:1080 "${tls[@]}" --resolve server.test:443:10.0.76.2 \
        https://server.test/hello.txt
    pcurl "$c" "$keys" --socks5 10.0.75.2:1080 "${tls[@]}" --resolve 'server.test:443:[fd00:76::2]' \
        https://server.test/hello.txt
    run_fail_ok ip netns exec "$c" "${PCURL[@]}" --socks5-hostname 10.0.75.2:1080 https://server.test:8443/
    stop "$proxy"
    proxy_bg "$p" microsocks-75a microsocks -i 10.0.75.2 -p 1080 -u rttscope -P secret
    proxy=$BG_PID
    wait_listen "$p" tcp 1080
    pcurl "$c" "$keys" --socks5-hostname rttscope:secret@10.0.75.2:1080 "${tls[@]}" \
        https://server.test/hello.txt
    cap_stop $cap
    stop "$proxy" "$SRV_PID"
}

# 77: SOCKS4 through Dante on port 1080 to openssl s_server; a SOCKS4a request, which Dante
# refuses (reply 91), and a CONNECT Dante cannot make (nothing listens: reply 91)
rec_proxy_socks4() {
    local c=$NSP-c77 p=$NSP-p77 s=$NSP-s77 cap keys=$STAGE/proxy-socks4.keys pki=$WORK/pki2048
    local tls=(--cacert "$pki/ca.pem" --tlsv1.3)
    make_pki "$pki" 2048 self
    proxy_line "$c" "$p" "$s" 77 78
    ossl_server "$s" proxy-socks4-server -HTTP -cert "$pki/leaf.pem" -key "$pki/leaf.key"
    cat >"$WORK/danted-77.conf" <<'EOF'
logoutput: stderr
internal: 10.0.77.2 port = 1080
external: veth1
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
client pass { from: 10.0.77.0/24 to: 0.0.0.0/0 }
socks pass { from: 10.0.77.0/24 to: 0.0.0.0/0 command: connect }
EOF
    proxy_bg "$p" danted-77 danted -f "$WORK/danted-77.conf" -N 1
    local proxy=$BG_PID
    wait_listen "$p" tcp 1080
    : >"$keys"
    log "proxy-socks4.pcap"
    cap_start "$c" "$STAGE/proxy-socks4.pcap" -i veth0; cap=$CAP_PID
    pcurl "$c" "$keys" --socks4 10.0.77.2:1080 "${tls[@]}" --resolve server.test:443:10.0.78.2 \
        https://server.test/hello.txt
    # Dante 1.4.2 reads a SOCKS4a request but does not resolve its name: it refuses it (91)
    run_fail_ok ip netns exec "$c" "${PCURL[@]}" --socks4a 10.0.77.2:1080 https://server.test/hello.txt
    run_fail_ok ip netns exec "$c" "${PCURL[@]}" --socks4 10.0.77.2:1080 \
        --resolve server.test:8443:10.0.78.2 https://server.test:8443/
    cap_stop $cap
    stop "$proxy" "$SRV_PID"
}
